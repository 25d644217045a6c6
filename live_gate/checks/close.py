"""The close of the live window (runbook §4) and its metrics (§2.8): ACT-8, CLOSE-1..4.

Everything is read through the kit: the archive's day folders and files are listed (a link
leaving the deployment or a FIFO is a finding naming it, never hashed or read), SHA256SUMS is
streamed line by line, the bot's SLO definitions are YAML read by the kit (alias and nesting
bounds). Every instant is bounded both ways: an archive, a window, a measured period or a journal
record dated after the evaluation instant (plus the clock skew) is a finding, never "the newest".
A number the gate compares (an SLO value or objective, a migration summary figure) must be finite.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import PurePosixPath
from string import hexdigits
from typing import Any

from live_gate.checks import Document, Findings, data_path, read_document
from live_gate.errors import UnreadableInput
from live_gate.kit.files import DeploymentFiles, InputRefused
from live_gate.kit.parse import NonFinite
from live_gate.kit.schemas import all_errors
from live_gate.kit.values import finite_number, non_finite_paths
from live_gate.paths import ConfinedPath
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment
from live_gate.resources.live_window import LiveArchive, newest_archive
from live_gate.timeutil import iso

ARCHIVED_LOGS = ("alerts", "risk_decisions.jsonl", "live_execution.jsonl")
TRANSITION_EVENT = "paper_to_live_transition"
SLO_DEFINITIONS = "observability/slo.yml"  # relative to the config folder
SLO_COMPARISONS = ("<=", ">=")  # SLODefinition.__post_init__ (bot_core/observability/slo.py)
REDACTED_ARG = "***REDACTED***"
SECRET_FLAGS = ("--secret-passphrase", "--secrets-rotate-passphrase")
SUMMARY = "migration_summary.json"


def _skew(policy: Policy) -> timedelta:
    return timedelta(seconds=policy.clock_skew_seconds)


def _archive(
    environment: Environment, as_of: datetime, policy: Policy, out: Findings
) -> LiveArchive | None:
    archive = newest_archive(environment.deployment.files, out, as_of=as_of, skew=_skew(policy))
    if archive is None:
        out.block(
            "close.no_archive",
            "no live window has been archived",
            file="var/audit/live",
            expected="var/audit/live/<YYYYMMDD>/ of the window, dated at or before the "
            "evaluation instant",
            found="none",
        )
    return archive


def _summary(
    environment: Environment, archive: LiveArchive, out: Findings, *, missing_rule: str, rule: str
) -> Document | None:
    files = environment.deployment.files
    summary = archive.entry(SUMMARY)
    if files.kind(summary) == "missing":
        out.block(
            missing_rule,
            "the migration summary is missing"
            if missing_rule != "close.no_window"
            else "the live window's start and end are unknown: migration_summary.json is missing",
            file=summary.relative,
            expected="migration_summary.json with live_window.started_at / ended_at",
            found="no such file",
        )
        return None
    return read_document(
        files,
        summary,
        out,
        malformed_rule=rule,
        what="the migration summary",
        expected="the migration summary (a JSON object)",
    )


def _window(
    environment: Environment, archive: LiveArchive, as_of: datetime, policy: Policy, out: Findings
) -> tuple[datetime, datetime] | None:
    document = _summary(
        environment, archive, out, missing_rule="close.no_window", rule="close.no_window"
    )
    if document is None:
        return None
    window = document.data.get("live_window") if isinstance(document.data, dict) else None
    if not isinstance(window, dict):
        out.block(
            "close.no_window",
            "migration_summary.json does not state the live window",
            file=document.relative,
            field="live_window",
            expected="started_at and ended_at",
            found=repr(window) if window is not None else "absent",
        )
        return None
    instants = [
        out.instant(
            "close.window",
            f"the live window's {key}",
            window.get(key),
            as_of=as_of,
            skew=_skew(policy),
            file=document.relative,
            field=f"live_window.{key}",
        )
        for key in ("started_at", "ended_at")
    ]
    start, end = instants
    if start is None or end is None:
        return None
    return start, end


def _archived_name(archive: LiveArchive, confined: ConfinedPath) -> str:
    return confined.relative[len(archive.relative) + 1 :]


def check_archive(
    environment: Environment, as_of: datetime, *, policy: Policy | None = None
) -> Findings:
    """CLOSE-1: alerts/, risk_decisions.jsonl and live_execution are archived with checksums
    that match the archived files."""
    policy = policy or Policy()
    files = environment.deployment.files
    out = Findings("CLOSE-1", None)
    archive = _archive(environment, as_of, policy, out)
    if archive is None:
        return out
    # every regular file of the archive; links out, FIFOs and the like are refused by the kit
    archived = {
        _archived_name(archive, confined): confined
        for confined in files.listing(archive.folder, out, recursive=True)
    }
    for name in ARCHIVED_LOGS:
        present = (
            any(n.startswith(f"{name}/") for n in archived)
            if name == "alerts"
            else name in archived
        )
        if not present and files.kind(archive.entry(name)) in ("missing", "dir", "file"):
            out.block(
                "archive.log_missing",
                f"{name} is not archived",
                file=f"{archive.relative}/{name}",
                expected=f"{name} of the window",
                found="absent",
            )
    sums = archive.entry("SHA256SUMS")
    if "SHA256SUMS" not in archived and files.kind(sums) not in ("missing", "dir"):
        return out  # a link out, a FIFO...: refused by the listing, never read
    if "SHA256SUMS" not in archived:
        out.block(
            "archive.no_checksums",
            "the archive has no checksums",
            file=sums.relative,
            expected="SHA256SUMS over the archived files",
            found="no such file",
        )
        return out
    listed = _checksums(files, sums, out)
    if listed is None:
        return out
    archived.pop("SHA256SUMS", None)
    for name, confined in sorted(archived.items()):
        try:
            digest = files.sha256(confined)
        except InputRefused as exc:  # over the stream cap, or swapped since it was listed
            out.refused(exc)
            continue
        out.read(confined.relative)
        if name not in listed:
            out.block(
                "archive.unlisted_file",
                f"{name} is archived but has no checksum",
                file=sums.relative,
                expected=f"a line for {name}",
                found="none",
            )
        elif listed[name] != digest:
            out.block(
                "archive.checksum_mismatch",
                f"the archived {name} does not match its checksum: it changed after archiving",
                file=confined.relative,
                expected=listed[name],
                found=digest,
            )
    for name in sorted(set(listed) - set(archived)):
        if _refused_by_listing(files, archive, name):
            continue  # there, but refused by the listing (a link out, a FIFO): found above
        out.block(
            "archive.listed_file_missing",
            f"{name} has a checksum but is not archived",
            file=sums.relative,
            expected=f"the file {name}",
            found="absent",
        )
    return out


def _refused_by_listing(files: DeploymentFiles, archive: LiveArchive, name: str) -> bool:
    """Whether a name of SHA256SUMS is an entry of the archive the listing refused. Only a plain
    relative name is ever looked at: one that climbs out is never even asked about."""
    parts = PurePosixPath(name).parts
    if not parts or name.startswith(("/", "\\")) or ".." in parts:
        return False
    return files.kind(archive.entry(name)) not in ("missing", "dir")


def _checksums(files: DeploymentFiles, sums: ConfinedPath, out: Findings) -> dict[str, str] | None:
    """``{archived name: sha256}`` from ``sha256sum`` lines (text or ``*`` binary mode), streamed
    by the kit; a line in any other form is a finding naming its line."""
    listed: dict[str, str] = {}
    try:
        for number, raw in files.lines(sums):
            if not raw.strip():
                continue
            text = raw.decode("utf-8", errors="replace")
            digest, name = text[:64], text[66:]
            separator = text[64:66]
            if (
                len(digest) != 64
                or not all(c in hexdigits for c in digest)
                or separator not in ("  ", " *")
                or not name.strip()
            ):
                out.block(
                    "archive.checksum_line_invalid",
                    "a SHA256SUMS line is not '<sha256>  <path>'",
                    file=sums.relative,
                    line=number,
                    expected="sha256sum format",
                    found=text[:80],
                )
                continue
            listed[name.strip()] = digest.lower()
    except InputRefused as exc:
        out.refused(exc)
        return None
    out.read(sums.relative)
    return listed


def check_summary(
    environment: Environment, as_of: datetime, *, policy: Policy | None = None
) -> Findings:
    """CLOSE-2: migration_summary.json holds the bot's fields and the runbook's (KYC status,
    limits, alerts, the window's duration), no warning, and no passphrase value."""
    policy = policy or Policy()
    out = Findings("CLOSE-2", None)
    archive = _archive(environment, as_of, policy, out)
    if archive is None:
        return out
    document = _summary(
        environment, archive, out, missing_rule="summary.missing", rule="summary.malformed"
    )
    if document is None:
        return out
    data, relative = document.data, document.relative
    errors = all_errors("migration_summary", data)
    for where, message in errors[:10]:
        out.block(
            "summary.field",
            f"migration_summary.json at {where}: {message}",
            file=relative,
            field=where,
            expected="schema migration_summary",
            found="invalid",
        )
    if errors:
        return out
    _check_summary_numbers(data, relative, out)
    if data["warnings"]:
        out.block(
            "summary.warnings",
            "the migration recorded warnings: " + "; ".join(data["warnings"]),
            file=relative,
            field="warnings",
            expected="[]",
            found=data["warnings"],
        )
    argv = data["cli_invocation"]["argv"]
    for index, arg in enumerate(argv):
        flag, _, inline = arg.partition("=")
        following = argv[index + 1] if index + 1 < len(argv) else REDACTED_ARG
        if flag in SECRET_FLAGS and (inline or following) != REDACTED_ARG:
            out.block(
                "summary.passphrase_recorded",
                f"a passphrase value was recorded after {flag}",
                file=relative,
                field=f"cli_invocation.argv[{index}]",
                expected=REDACTED_ARG,
                found="a value (not shown)",
            )
    out.instant(
        "summary.timestamp",
        "the migration summary",
        data["timestamp"],
        as_of=as_of,
        skew=_skew(policy),
        file=relative,
        field="timestamp",
    )
    window = data["live_window"]
    start, end = (
        out.instant(
            "summary.window",
            f"the live window's {key}",
            window[key],
            as_of=as_of,
            skew=_skew(policy),
            file=relative,
            field=f"live_window.{key}",
        )
        for key in ("started_at", "ended_at")
    )
    if start is None or end is None:
        return out
    minutes = (end - start) / timedelta(minutes=1)
    out.fact("live window", f"{iso(start)} → {iso(end)} ({minutes:.0f} min)")
    if end <= start or abs(minutes - float(window["duration_minutes"])) > 1:
        out.block(
            "summary.window_inconsistent",
            "the live window's duration does not match its start and end",
            file=relative,
            field="live_window",
            expected=f"ended after it started, duration {minutes:.0f} minutes",
            found=window,
        )
    return out


def _check_summary_numbers(data: dict[str, Any], relative: str, out: Findings) -> None:
    """NaN passes every comparison: none anywhere in the summary, and the runbook's figures
    (every limit, the alert counts) are finite numbers."""
    for where, value in non_finite_paths(data):
        out.not_a_number(
            "summary.not_a_number",
            f"migration_summary.json at {where}",
            value,
            "a finite number",
            file=relative,
            field=where,
        )
    figures = [(f"$.limits.{k}", v) for k, v in data["limits"].items()] + [
        (f"$.alerts.{k}", data["alerts"][k])
        for k in ("critical_alerts", "acknowledged")
        if k in data["alerts"]
    ]
    for where, value in figures:
        if finite_number(value) is None and not isinstance(value, NonFinite):
            out.not_a_number(
                "summary.not_a_number",
                f"migration_summary.json at {where}",
                value,
                "a finite number",
                file=relative,
                field=where,
            )


def check_journal(
    environment: Environment, as_of: datetime, *, policy: Policy | None = None
) -> Findings:
    """CLOSE-3: the decision journal records the paper→live transition of this environment
    (event ``paper_to_live_transition``, the gate's name: the bot has none), dated at or before
    the evaluation instant."""
    policy = policy or Policy()
    files = environment.deployment.files
    out = Findings("CLOSE-3", environment.deployment.config_file)
    configured = environment.raw.get("decision_journal")
    journal = configured if isinstance(configured, dict) else {}
    directory_name = journal.get("directory")
    if (
        str(journal.get("backend", "")).lower() != "file"
        or not isinstance(directory_name, str)
        or not directory_name
    ):
        out.block(
            "journal.not_file",
            "the environment keeps no file decision journal",
            line=environment.line("decision_journal") or environment.line(),
            field=f"environments.{environment.name}.decision_journal",
            expected="backend: file with a directory",
            found=repr(configured) if configured is not None else "absent",
        )
        return out
    directory = data_path(environment, directory_name, out)
    if directory is None:
        return out
    pattern = str(journal.get("filename_pattern") or "decisions-%Y%m%d.jsonl")
    found = False
    for entry in files.listing(directory, out, accept=lambda name: _matches(name, pattern)):
        try:
            found = _journal_transition(environment, entry, as_of, policy, out) or found
        except InputRefused as exc:  # a line over the cap: named, and the other days still read
            out.refused(exc)
    if not found:
        out.block(
            "journal.no_transition",
            f"the decision journal does not record the "
            f"paper→live transition of {environment.name}: record it and report it to "
            "compliance",
            file=directory.relative,
            expected=f"an event {TRANSITION_EVENT!r} for {environment.name}, dated at or "
            "before the evaluation instant",
            found="none",
        )
    return out


def _journal_transition(
    environment: Environment,
    entry: ConfinedPath,
    as_of: datetime,
    policy: Policy,
    out: Findings,
) -> bool:
    """Whether one journal file records the transition at or before the evaluation instant
    (streamed; lines the bot's reader would not parse are not records)."""
    found = False
    for number, record, _problem in environment.deployment.files.json_lines(entry):
        if not (
            isinstance(record, dict)
            and record.get("event") == TRANSITION_EVENT
            and record.get("environment") == environment.name
        ):
            continue
        recorded = out.instant(
            "journal.transition",
            f"the {TRANSITION_EVENT} record of {environment.name}",
            record.get("timestamp"),
            as_of=as_of,
            skew=_skew(policy),
            file=entry.relative,
            line=number,
            field="timestamp",
        )
        found = found or recorded is not None
    out.read(entry.relative)
    return found


def _matches(name: str, pattern: str) -> bool:
    try:
        datetime.strptime(name, pattern)
    except ValueError:
        return False
    return True


def _slo_definitions(environment: Environment, out: Findings) -> dict[str, tuple[float, str]]:
    """``{slo name: (objective, comparison)}`` of the bot's definitions, each as the bot's
    ``SLODefinition`` would accept it (a finite objective, ``<=`` or ``>=``)."""
    files = environment.deployment.files
    relative = f"config/{SLO_DEFINITIONS}"
    try:
        confined = files.at(relative)
    except InputRefused as exc:
        out.refused(exc)
        return {}
    if files.kind(confined) == "missing":
        out.block(
            "slo.no_definitions",
            "the bot has no SLO definitions",
            file=relative,
            expected="config/observability/slo.yml",
            found="no such file",
        )
        return {}
    try:
        document = files.yaml(confined)
    except UnreadableInput as exc:
        out.refused(exc)
        return {}
    out.read(relative)
    slo = document.data.get("slo") if isinstance(document.data, dict) else None
    if not isinstance(slo, dict) or not slo:
        out.block(
            "slo.no_definitions",
            "the SLO definitions define no SLO",
            file=relative,
            line=document.line_of("slo"),
            field="slo",
            expected="slo: {name: {metric, objective, comparator, ...}}",
            found="none",
        )
        return {}
    definitions: dict[str, tuple[float, str]] = {}
    for name, definition in slo.items():
        line = document.line_of("slo", str(name))
        if not isinstance(definition, dict):
            out.block(
                "slo.definition_invalid",
                f"SLO {name} is not a definition",
                file=relative,
                line=line,
                field=f"slo.{name}",
                expected="{metric, objective, comparator, ...}",
                found=repr(definition),
            )
            continue
        objective = finite_number(definition.get("objective"))
        comparison = definition.get("comparator")
        if objective is None:
            out.not_a_number(
                "slo.definition_invalid",
                f"the objective of SLO {name}",
                definition.get("objective"),
                "a finite number",
                file=relative,
                line=document.line_of("slo", str(name), "objective"),
                field=f"slo.{name}.objective",
            )
        if comparison not in SLO_COMPARISONS:
            # the bot's SLODefinition refuses any other comparison; the gate does not guess
            out.block(
                "slo.definition_invalid",
                f"SLO {name} has no comparator the bot accepts",
                file=relative,
                line=document.line_of("slo", str(name), "comparator"),
                field=f"slo.{name}.comparator",
                expected="'<=' or '>='",
                found=repr(comparison) if comparison is not None else "absent",
            )
        if objective is not None and comparison in SLO_COMPARISONS:
            definitions[str(name)] = (objective, str(comparison))
    return definitions


def check_slo(
    environment: Environment,
    as_of: datetime,
    *,
    first_hour: bool,
    policy: Policy | None = None,
) -> Findings:
    """ACT-8 (first 60 minutes) and CLOSE-4 (whole window): every SLO of the bot's definitions
    was measured over the period and met its objective (judged by the gate from the value)."""
    policy = policy or Policy()
    files = environment.deployment.files
    out = Findings("ACT-8" if first_hour else "CLOSE-4", None)
    definitions = _slo_definitions(environment, out)
    archive = _archive(environment, as_of, policy, out)
    if archive is None or not definitions:
        return out
    window = _window(environment, archive, as_of, policy, out)
    if window is None:
        return out
    start, end = window
    period_end = start + timedelta(minutes=60) if first_hour else end
    name = "slo_first_hour.json" if first_hour else "slo_window.json"
    report_file = archive.entry(name)
    if files.kind(report_file) == "missing":
        out.block(
            "slo.report_missing",
            "the SLO evaluation of the "
            + ("first 60 minutes" if first_hour else "live window")
            + " is missing",
            file=report_file.relative,
            expected="the bot's SLO report",
            found="no such file",
        )
        return out
    document = read_document(
        files,
        report_file,
        out,
        malformed_rule="slo.report_malformed",
        what="the SLO report",
        expected="the bot's SLO report (a JSON object)",
    )
    if document is None:
        return out
    report, relative = document.data, document.relative
    results = report.get("results") if isinstance(report, dict) else None
    if not isinstance(results, dict):
        out.block(
            "slo.report_malformed",
            "the SLO report has no results",
            file=relative,
            field="results",
            expected="{slo name: status}",
            found="none",
        )
        return out
    out.instant(
        "slo.generated_at",
        "the SLO report",
        report.get("generated_at"),
        as_of=as_of,
        skew=_skew(policy),
        required=False,
        file=relative,
        field="generated_at",
    )
    for slo_name, (objective, comparator) in definitions.items():
        result = results.get(slo_name)
        if not isinstance(result, dict) or result.get("value") is None:
            out.block(
                "slo.not_measured",
                f"SLO {slo_name} was not measured",
                file=relative,
                field=f"results.{slo_name}",
                expected="a measured value",
                found="absent",
            )
            continue
        value = finite_number(result["value"])
        if value is None:
            out.not_a_number(
                "slo.value_not_a_number",
                f"the measured value of SLO {slo_name}",
                result["value"],
                "a finite number",
                file=relative,
                field=f"results.{slo_name}.value",
            )
            continue
        met = value <= objective if comparator == "<=" else value >= objective
        out.fact(slo_name, f"{value:g} (objective {comparator} {objective:g})")
        if not met:
            out.block(
                "slo.breached",
                f"SLO {slo_name} breached: {value:g}, objective {comparator} {objective:g}",
                file=relative,
                field=f"results.{slo_name}.value",
                expected=f"{comparator} {objective:g}",
                found=f"{value:g}",
            )
        measured = [
            out.instant(
                "slo.period",
                f"SLO {slo_name}: the measured period's {key}",
                result.get(key),
                as_of=as_of,
                skew=_skew(policy),
                file=relative,
                field=f"results.{slo_name}.{key}",
            )
            for key in ("window_start", "window_end")
        ]
        measured_from, measured_to = measured
        if measured_from is None or measured_to is None:
            continue
        slack = timedelta(minutes=1)
        if measured_from > start + slack or measured_to < period_end - slack:
            out.block(
                "slo.period_not_covered",
                f"SLO {slo_name} was measured over "
                f"{iso(measured_from)} → {iso(measured_to)}, not over the whole period",
                file=relative,
                field=f"results.{slo_name}",
                expected=f"{iso(start)} → {iso(period_end)}",
                found=f"{iso(measured_from)} → {iso(measured_to)}",
            )
    return out
