"""The close of the live window (runbook §4) and its metrics (§2.8): ACT-8, CLOSE-1..4."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from functools import cache
from importlib.resources import files
from typing import Any

import jsonschema
import yaml

from live_gate.checks import Findings
from live_gate.resources.deployment import Environment, UnreadableInput
from live_gate.resources.live_window import LiveArchive, newest_archive, read_json
from live_gate.timeutil import InvalidInstant, iso, parse_instant

ARCHIVED_LOGS = ("alerts", "risk_decisions.jsonl", "live_execution.jsonl")
TRANSITION_EVENT = "paper_to_live_transition"
SLO_DEFINITIONS = "observability/slo.yml"  # relative to the config folder
REDACTED_ARG = "***REDACTED***"
SECRET_FLAGS = ("--secret-passphrase", "--secrets-rotate-passphrase")


def _archive(environment: Environment, as_of: datetime, out: Findings) -> LiveArchive | None:
    archive = newest_archive(environment.deployment, as_of)
    if archive is None:
        out.block(
            "close.no_archive",
            "no live window has been archived",
            file="var/audit/live",
            expected="var/audit/live/<YYYYMMDD>/ of the window",
            found="none",
        )
    return archive


def _window(archive: LiveArchive, out: Findings) -> tuple[datetime, datetime] | None:
    relative = f"{archive.relative}/migration_summary.json"
    path = archive.file("migration_summary.json")
    if not path.is_file():
        out.block(
            "close.no_window",
            "the live window's start and end are unknown: migration_summary.json is missing",
            file=relative,
            expected="live_window.started_at / ended_at",
            found="no such file",
        )
        return None
    data = read_json(path, relative)
    window = data.get("live_window") if isinstance(data, dict) else None
    try:
        start = parse_instant(str((window or {})["started_at"]))
        end = parse_instant(str((window or {})["ended_at"]))
    except (KeyError, InvalidInstant):
        out.block(
            "close.no_window",
            "migration_summary.json does not state the live window",
            file=relative,
            field="live_window",
            expected="started_at and ended_at",
            found=window,
        )
        return None
    return start, end


def check_archive(environment: Environment, as_of: datetime) -> Findings:
    """CLOSE-1: alerts/, risk_decisions.jsonl and live_execution are archived with checksums
    that match the archived files."""
    out = Findings("CLOSE-1", None)
    archive = _archive(environment, as_of, out)
    if archive is None:
        return out
    for name in ARCHIVED_LOGS:
        target = archive.file(name)
        present = (
            target.is_dir() and any(target.iterdir()) if name == "alerts" else (target.is_file())
        )
        if not present:
            out.block(
                "archive.log_missing",
                f"{name} is not archived",
                file=f"{archive.relative}/{name}",
                expected=f"{name} of the window",
                found="absent",
            )
    sums = archive.file("SHA256SUMS")
    sums_rel = f"{archive.relative}/SHA256SUMS"
    if not sums.is_file():
        out.block(
            "archive.no_checksums",
            "the archive has no checksums",
            file=sums_rel,
            expected="SHA256SUMS over the archived files",
            found="no such file",
        )
        return out
    out.read(sums_rel)
    listed: dict[str, str] = {}
    for number, line in enumerate(sums.read_text(encoding="utf-8").splitlines(), start=1):
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            out.block(
                "archive.checksum_line_invalid",
                "a SHA256SUMS line is not '<sha256>  <path>'",
                file=sums_rel,
                line=number,
                expected="sha256sum format",
                found=line[:80],
            )
            continue
        listed[name.strip()] = digest.lower()
    actual_files = sorted(
        p.relative_to(archive.path).as_posix()
        for p in archive.path.rglob("*")
        if p.is_file() and p != sums
    )
    for name in actual_files:
        out.read(f"{archive.relative}/{name}")
        digest = hashlib.sha256(archive.file(name).read_bytes()).hexdigest()
        if name not in listed:
            out.block(
                "archive.unlisted_file",
                f"{name} is archived but has no checksum",
                file=sums_rel,
                expected=f"a line for {name}",
                found="none",
            )
        elif listed[name] != digest:
            out.block(
                "archive.checksum_mismatch",
                f"the archived {name} does not match its checksum: it changed after archiving",
                file=f"{archive.relative}/{name}",
                expected=listed[name],
                found=digest,
            )
    for name in sorted(set(listed) - set(actual_files)):
        out.block(
            "archive.listed_file_missing",
            f"{name} has a checksum but is not archived",
            file=sums_rel,
            expected=f"the file {name}",
            found="absent",
        )
    return out


@cache
def _summary_validator() -> jsonschema.Draft202012Validator:
    text = files("live_gate").joinpath("schemas/migration_summary.schema.json").read_text("utf-8")
    return jsonschema.Draft202012Validator(json.loads(text))


def check_summary(environment: Environment, as_of: datetime) -> Findings:
    """CLOSE-2: migration_summary.json holds the bot's fields and the runbook's (KYC status,
    limits, alerts, the window's duration), no warning, and no passphrase value."""
    out = Findings("CLOSE-2", None)
    archive = _archive(environment, as_of, out)
    if archive is None:
        return out
    relative = f"{archive.relative}/migration_summary.json"
    path = archive.file("migration_summary.json")
    if not path.is_file():
        out.block(
            "summary.missing",
            "the migration summary is missing",
            file=relative,
            expected="migration_summary.json",
            found="no such file",
        )
        return out
    out.read(relative)
    data = read_json(path, relative)
    errors = sorted(_summary_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    for error in errors[:10]:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        out.block(
            "summary.field",
            f"migration_summary.json at {where}: {error.message}",
            file=relative,
            field=where,
            expected="schema migration_summary",
            found="invalid",
        )
    if errors:
        return out
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
    window = data["live_window"]
    try:
        start, end = parse_instant(window["started_at"]), parse_instant(window["ended_at"])
    except InvalidInstant:
        out.block(
            "summary.window_invalid",
            "the live window's times are unreadable",
            file=relative,
            field="live_window",
            expected="ISO-8601 times",
            found=window,
        )
        return out
    minutes = (end - start) / timedelta(minutes=1)
    out.fact("live window", f"{iso(start)} → {iso(end)} ({minutes:.0f} min)")
    if end <= start or end > as_of or abs(minutes - float(window["duration_minutes"])) > 1:
        out.block(
            "summary.window_inconsistent",
            "the live window's duration does not match its start and end, or it has not ended",
            file=relative,
            field="live_window",
            expected=f"ended before {iso(as_of)}, duration {minutes:.0f} minutes",
            found=window,
        )
    return out


def check_journal(environment: Environment, as_of: datetime) -> Findings:
    """CLOSE-3: the decision journal records the paper→live transition of this environment
    (event ``paper_to_live_transition``, the gate's name: the bot has none)."""
    out = Findings("CLOSE-3", environment.deployment.config_file)
    journal = environment.block("decision_journal") or {}
    if str(journal.get("backend", "")).lower() != "file" or not journal.get("directory"):
        out.block(
            "journal.not_file",
            "the environment keeps no file decision journal",
            line=environment.line("decision_journal") or environment.line(),
            field=f"environments.{environment.name}.decision_journal",
            expected="backend: file with a directory",
            found=journal or "absent",
        )
        return out
    directory = environment.resolve_data_path(str(journal["directory"]))
    pattern = str(journal.get("filename_pattern") or "decisions-%Y%m%d.jsonl")
    found = False
    for path in sorted(directory.path.iterdir()) if directory.path.is_dir() else []:
        try:
            datetime.strptime(path.name, pattern)
        except ValueError:
            continue
        relative = path.relative_to(environment.deployment.root).as_posix()
        out.read(relative)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise UnreadableInput(f"cannot read: {exc}", relative) from exc
        for line in lines:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if (
                isinstance(record, dict)
                and record.get("event") == TRANSITION_EVENT
                and record.get("environment") == environment.name
            ):
                found = True
    if not found:
        out.block(
            "journal.no_transition",
            f"the decision journal does not record the "
            f"paper→live transition of {environment.name}: record it and report it to "
            "compliance",
            file=directory.relative,
            expected=f"an event {TRANSITION_EVENT!r} for {environment.name}",
            found="none",
        )
    return out


def _slo_definitions(environment: Environment, out: Findings) -> dict[str, dict[str, Any]]:
    deployment = environment.deployment
    path = deployment.config_dir / SLO_DEFINITIONS
    relative = f"config/{SLO_DEFINITIONS}"
    if not path.is_file():
        out.block(
            "slo.no_definitions",
            "the bot has no SLO definitions",
            file=relative,
            expected="config/observability/slo.yml",
            found="no such file",
        )
        return {}
    out.read(relative)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise UnreadableInput(f"not valid YAML: {exc}", relative) from exc
    slo = data.get("slo") if isinstance(data, dict) else None
    return {str(k): v for k, v in (slo or {}).items() if isinstance(v, dict)}


def check_slo(environment: Environment, as_of: datetime, *, first_hour: bool) -> Findings:
    """ACT-8 (first 60 minutes) and CLOSE-4 (whole window): every SLO of the bot's definitions
    was measured over the period and met its objective (judged by the gate from the value)."""
    out = Findings("ACT-8" if first_hour else "CLOSE-4", None)
    definitions = _slo_definitions(environment, out)
    archive = _archive(environment, as_of, out)
    if archive is None or not definitions:
        return out
    window = _window(archive, out)
    if window is None:
        return out
    start, end = window
    period_end = start + timedelta(minutes=60) if first_hour else end
    name = "slo_first_hour.json" if first_hour else "slo_window.json"
    relative = f"{archive.relative}/{name}"
    path = archive.file(name)
    if not path.is_file():
        out.block(
            "slo.report_missing",
            "the SLO evaluation of the "
            + ("first 60 minutes" if first_hour else "live window")
            + " is missing",
            file=relative,
            expected="the bot's SLO report",
            found="no such file",
        )
        return out
    out.read(relative)
    report = read_json(path, relative)
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
    for slo_name, definition in definitions.items():
        result = results.get(slo_name)
        if not isinstance(result, dict) or result.get("value") is None:
            out.block(
                "slo.not_measured",
                f"SLO {slo_name} was not measured",
                file=relative,
                field=f"results.{slo_name}",
                expected=f"a value of {definition.get('metric')}",
                found="absent",
            )
            continue
        value = float(result["value"])
        objective = float(definition.get("objective", 0))
        comparator = str(definition.get("comparator", "<="))
        met = value <= objective if comparator == "<=" else value >= objective
        out.fact(slo_name, f"{value:g} (objective {comparator} {objective:g})")
        if not met:
            out.block(
                "slo.breached",
                f"SLO {slo_name} breached: {definition.get('metric')} "
                f"{value:g}, objective {comparator} {objective:g}",
                file=relative,
                field=f"results.{slo_name}.value",
                expected=f"{comparator} {objective:g}",
                found=f"{value:g}",
            )
        try:
            measured_from = parse_instant(str(result.get("window_start")))
            measured_to = parse_instant(str(result.get("window_end")))
        except InvalidInstant:
            out.block(
                "slo.period_unknown",
                f"SLO {slo_name}: the measured period is unknown",
                file=relative,
                field=f"results.{slo_name}.window_start",
                expected=f"{iso(start)} → {iso(period_end)}",
                found="absent",
            )
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
