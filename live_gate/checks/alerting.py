"""PRE-3 alerts and audit: channels resolve, the throttle never throttles ``critical``, and the
audit backend is the file log with a directory, adequate retention, and files that parse and are
dated no later than the evaluation instant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from live_gate.checks import Findings
from live_gate.errors import UnreadableInput
from live_gate.kit.values import describe_flag, describe_non_number, finite_number, strict_bool
from live_gate.paths import PathEscapesDeployment
from live_gate.policy import Policy
from live_gate.resources.alert_audit import (
    DEFAULT_PATTERN,
    REPORTED,
    folder_refusal,
    scan_alert_audit,
)
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
    offline = environment.raw.get("offline_mode", False)
    if strict_bool(offline) is None:
        out.block(
            "channels.offline_mode_not_boolean",
            f"environments.{environment.name}.offline_mode is not a boolean: the bot reads any "
            "non-empty value as true and would skip every network alert channel",
            line=environment.line("offline_mode"),
            field=f"environments.{environment.name}.offline_mode",
            expected="true or false (a YAML boolean)",
            found=describe_flag(offline),
        )
    elif offline:
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
    number = finite_number(window)
    if number is None or number <= 0:
        out.block(
            "throttle.window_invalid",
            "alert_throttle.window_seconds must be a positive finite number",
            line=environment.line("alert_throttle", "window_seconds")
            or environment.line("alert_throttle"),
            field=f"{field}.window_seconds",
            expected="a number of seconds > 0",
            found=describe_non_number(window) if number is None else window,
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


def check_alert_audit(environment: Environment, policy: Policy, as_of: datetime) -> Findings:
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
    _check_retention(out, audit, policy, line, field)
    fsync = audit.get("fsync", False)
    if strict_bool(fsync) is None:
        out.block(
            "audit.flag_not_boolean",
            "alert_audit.fsync is not a boolean (the bot reads any non-empty value as true)",
            line=line("fsync"),
            field=f"{field}.fsync",
            expected="true or false (a YAML boolean)",
            found=describe_flag(fsync),
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
    except UnreadableInput as exc:
        out.refused(exc)
        return out
    pattern = str(audit.get("filename_pattern") or DEFAULT_PATTERN)
    refusal = folder_refusal(environment, confined)
    if refusal is not None:
        out.refused(refusal)
        return out
    scan = scan_alert_audit(environment, policy, as_of)
    if scan is None:
        out.block(
            "audit.directory_absent",
            "the alert audit directory does not exist: no alert has ever been recorded",
            line=line("directory"),
            field=f"{field}.directory",
            expected=f"a directory at {confined.relative}",
            found="no such directory",
        )
        return out
    for error in scan.refused:
        out.refused(error)
    for file in scan.files:
        out.read(file)
    if not scan.files:
        out.block(
            "audit.no_files",
            f"the alert audit directory holds no file named like {pattern!r}",
            file=confined.relative,
            expected=f"files named {pattern}",
            found="none",
        )
        return out
    out.fact("alert audit records", f"{scan.records:,} in {len(scan.files)} file(s)")
    skew = timedelta(seconds=policy.clock_skew_seconds)
    for problem in scan.problems.items:
        if problem.kind == "record":
            out.block(
                "audit.line_invalid",
                f"alert audit record does not parse: {problem.message}",
                file=problem.file,
                line=problem.line,
                expected="a FileAlertAuditLog record (schema alert_audit_record)",
                found="invalid record",
            )
        else:
            out.instant(
                "audit.timestamp",
                f"alert audit record ({problem.kind})",
                problem.value,
                as_of=as_of,
                skew=skew,
                file=problem.file,
                line=problem.line,
                field=problem.kind,
            )
    if scan.problems.more:
        out.block(
            "audit.more_invalid_lines",
            f"{scan.problems.more} more invalid alert audit records (the first {REPORTED} are "
            "listed)",
            file=confined.relative,
            expected="every record a FileAlertAuditLog record dated no later than the "
            "evaluation instant",
            found=f"{scan.problems.count} invalid records",
        )
    return out


def _check_retention(
    out: Findings,
    audit: dict[str, Any],
    policy: Policy,
    line: Callable[[str], int | None],
    field: str,
) -> None:
    where = {"line": line("retention_days"), "field": f"{field}.retention_days"}
    retention = audit.get("retention_days", 730)
    if retention is None:
        out.block(
            "audit.retention_disabled",
            "alert audit retention is disabled: nothing guarantees how long logs are kept",
            expected=f">= {policy.alert_audit_min_retention_days} days",
            found=retention,
            **where,
        )
        return
    days = finite_number(retention)
    if days is None:
        out.block(
            "audit.retention_invalid",
            "alert audit retention_days is not a finite number",
            expected="a number of days",
            found=describe_non_number(retention),
            **where,
        )
    elif days <= 0:
        out.block(
            "audit.retention_disabled",
            "alert audit retention is disabled: nothing guarantees how long logs are kept",
            expected=f">= {policy.alert_audit_min_retention_days} days",
            found=retention,
            **where,
        )
    elif days < policy.alert_audit_min_retention_days:
        out.block(
            "audit.retention_short",
            f"alert audit retention of {days:g} days is shorter than the policy's "
            f"{policy.alert_audit_min_retention_days}",
            expected=f">= {policy.alert_audit_min_retention_days} days",
            found=retention,
            **where,
        )
