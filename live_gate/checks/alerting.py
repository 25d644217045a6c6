"""PRE-3 alerts and audit: channels resolve, the throttle never throttles ``critical``, and the
audit backend is the file log with a directory, adequate retention, and files that parse."""

from __future__ import annotations

from live_gate.checks import Findings
from live_gate.paths import PathEscapesDeployment
from live_gate.policy import Policy
from live_gate.resources.alert_audit import audit_files, read_lines
from live_gate.resources.deployment import Environment

REQUIREMENT = "PRE-3"

# validation.py:523-552: channel type -> section of `alerts`
CHANNEL_SECTIONS = {
    "telegram": "telegram_channels",
    "email": "email_channels",
    "sms": "sms_providers",
    "signal": "signal_channels",
    "whatsapp": "whatsapp_channels",
    "messenger": "messenger_channels",
}
DEFAULT_AUDIT_PATTERN = "alerts-%Y%m%d.jsonl"


def channel_name(entry: object) -> str:
    """The name the bot gives a channel, as written in the audit log: ``<type>:<key>``."""
    kind, _, key = str(entry).partition(":")
    return f"{kind.strip().lower()}:{key.strip() or 'default'}"


def check_alert_channels(environment: Environment) -> Findings:
    deployment = environment.deployment
    out = Findings(REQUIREMENT, deployment.config_file)
    field = f"environments.{environment.name}.alert_channels"
    channels = environment.alert_channels
    if not channels:
        out.block(
            "channels.empty",
            f"environment {environment.name} has no alert channel",
            line=environment.line("alert_channels") or environment.line(),
            field=field,
            expected="at least one '<type>:<key>' channel",
            found="[]",
        )
        return out
    if environment.offline_mode:
        out.block(
            "channels.offline",
            f"environment {environment.name} runs in offline_mode, in which the bot skips "
            "every network alert channel: no alert would be delivered",
            line=environment.line("offline_mode"),
            field=f"environments.{environment.name}.offline_mode",
            expected="false",
            found="true",
        )
    alerts = deployment.section("alerts")
    for index, entry in enumerate(channels):
        where = {"line": environment.line("alert_channels", index), "field": f"{field}[{index}]"}
        if not isinstance(entry, str) or ":" not in entry:
            out.block(
                "channel.malformed",
                f"alert channel {entry!r} is not '<type>:<key>'",
                expected="'<type>:<key>', e.g. 'telegram:primary'",
                found=entry,
                **where,
            )
            continue
        kind, _, key = entry.partition(":")
        kind = kind.strip().lower()
        key = key.strip() or "default"
        section = CHANNEL_SECTIONS.get(kind)
        if section is None:
            out.block(
                "channel.unsupported_type",
                f"alert channel {entry!r} has an unknown type",
                expected="one of " + ", ".join(sorted(CHANNEL_SECTIONS)),
                found=kind,
                **where,
            )
            continue
        definitions = alerts.get(section)
        if not isinstance(definitions, dict) or key not in definitions:
            defined = ", ".join(sorted(definitions)) if isinstance(definitions, dict) else "none"
            out.block(
                "channel.undefined",
                f"alert channel {entry!r} does not resolve: alerts.{section} has no {key!r}",
                expected=f"a definition alerts.{section}.{key} (defined: {defined})",
                found="no such definition",
                **where,
            )
    return out


def check_alert_throttle(environment: Environment) -> Findings:
    out = Findings(REQUIREMENT, environment.deployment.config_file)
    field = f"environments.{environment.name}.alert_throttle"
    throttle = environment.block("alert_throttle")
    if throttle is None:
        out.block(
            "throttle.missing",
            f"environment {environment.name} has no alert_throttle (the bot's checklist "
            "blocks 'alerting' without it)",
            line=environment.line(),
            field=field,
            expected="alert_throttle with window_seconds and exclude_severities: [critical]",
            found="absent",
        )
        return out
    window = throttle.get("window_seconds")
    if not isinstance(window, int | float) or isinstance(window, bool) or window <= 0:
        out.block(
            "throttle.window_invalid",
            "alert_throttle.window_seconds must be positive",
            line=environment.line("alert_throttle", "window_seconds")
            or environment.line("alert_throttle"),
            field=f"{field}.window_seconds",
            expected="> 0",
            found=window,
        )
    severities = throttle.get("exclude_severities") or []
    lowered = [str(s).lower() for s in severities] if isinstance(severities, list) else []
    if "critical" not in lowered:
        out.block(
            "throttle.throttles_critical",
            "the alert throttle can suppress critical alerts: 'critical' is not in "
            "exclude_severities (the bot builds the list from YAML verbatim)",
            line=environment.line("alert_throttle", "exclude_severities")
            or environment.line("alert_throttle"),
            field=f"{field}.exclude_severities",
            expected="a list containing 'critical'",
            found=severities if isinstance(severities, list) else repr(severities),
        )
    return out


def check_alert_audit(environment: Environment, policy: Policy) -> Findings:
    out = Findings(REQUIREMENT, environment.deployment.config_file)
    field = f"environments.{environment.name}.alert_audit"
    audit = environment.block("alert_audit")
    if audit is None:
        out.block(
            "audit.missing",
            f"environment {environment.name} has no alert_audit: alerts would only be kept "
            "in memory (InMemoryAlertAuditLog) and lost on restart",
            line=environment.line(),
            field=field,
            expected="alert_audit with backend: file",
            found="absent",
        )
        return out

    def line(key: str) -> int | None:
        return environment.line("alert_audit", key) or environment.line("alert_audit")

    backend = str(audit.get("backend", "")).lower()
    if backend != "file":
        out.block(
            "audit.backend_not_file",
            "the alert audit backend is not the file log",
            line=line("backend"),
            field=f"{field}.backend",
            expected="file (FileAlertAuditLog)",
            found=audit.get("backend"),
        )
    retention = audit.get("retention_days", 730)
    if retention is None or (
        isinstance(retention, int | float) and not isinstance(retention, bool) and retention <= 0
    ):
        out.block(
            "audit.retention_disabled",
            "alert audit retention is disabled: nothing guarantees how long logs are kept",
            line=line("retention_days"),
            field=f"{field}.retention_days",
            expected=f">= {policy.alert_audit_min_retention_days} days",
            found=retention,
        )
    elif not isinstance(retention, int | float) or isinstance(retention, bool):
        out.block(
            "audit.retention_invalid",
            "alert audit retention_days is not a number",
            line=line("retention_days"),
            field=f"{field}.retention_days",
            expected="a number of days",
            found=retention,
        )
    elif retention < policy.alert_audit_min_retention_days:
        out.block(
            "audit.retention_short",
            f"alert audit retention of {retention:g} days is shorter than the policy's "
            f"{policy.alert_audit_min_retention_days}",
            line=line("retention_days"),
            field=f"{field}.retention_days",
            expected=f">= {policy.alert_audit_min_retention_days} days",
            found=retention,
        )
    directory = audit.get("directory")
    if not directory:
        out.block(
            "audit.directory_missing",
            "the file audit backend has no directory",
            line=line("directory"),
            field=f"{field}.directory",
            expected="a directory under data_cache_path",
            found="absent",
        )
        return out
    if backend != "file":
        return out
    try:
        confined = environment.resolve_data_path(str(directory))
    except PathEscapesDeployment as exc:
        out.escaped(exc, line=line("directory"), field=f"{field}.directory")
        return out
    pattern = str(audit.get("filename_pattern") or DEFAULT_AUDIT_PATTERN)
    if not confined.path.is_dir():
        out.block(
            "audit.directory_absent",
            "the alert audit directory does not exist: no alert has ever been recorded",
            line=line("directory"),
            field=f"{field}.directory",
            expected=f"a directory at {confined.relative}",
            found="no such directory",
        )
        return out
    log_files = audit_files(confined.path, pattern)
    if not log_files:
        out.block(
            "audit.no_files",
            f"the alert audit directory holds no file named like {pattern!r}",
            file=confined.relative,
            expected=f"files named {pattern}",
            found="none",
        )
        return out
    bad = 0
    for path in log_files:
        relative = path.relative_to(environment.deployment.root).as_posix()
        out.read(relative)
        for entry in read_lines(path, relative):
            if entry.problem is None:
                continue
            bad += 1
            if bad <= 20:  # enough to act on; the count says how many more
                out.block(
                    "audit.line_invalid",
                    f"alert audit record does not parse: {entry.problem}",
                    file=entry.file,
                    line=entry.line,
                    expected="a FileAlertAuditLog record (schema alert_audit_record)",
                    found="invalid record",
                )
    if bad > 20:
        out.block(
            "audit.more_invalid_lines",
            f"{bad - 20} more invalid alert audit records",
            file=confined.relative,
        )
    return out
