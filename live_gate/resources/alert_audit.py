"""The file alert audit log (``FileAlertAuditLog``, FORMATS.md §2.2): one JSONL file per UTC day.

Records are validated against ``schemas/alert_audit_record.schema.json``. Files are streamed line
by line: an audit directory of two years must not be loaded into memory at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema

from live_gate.paths import PathEscapesDeployment
from live_gate.resources.deployment import Environment
from live_gate.resources.jsonl import json_lines
from live_gate.timeutil import InvalidInstant, parse_instant


@dataclass(frozen=True)
class AuditLine:
    file: str
    line: int
    record: dict[str, Any] | None
    problem: str | None


@cache
def record_validator() -> jsonschema.Draft202012Validator:
    text = files("live_gate").joinpath("schemas/alert_audit_record.schema.json").read_text("utf-8")
    return jsonschema.Draft202012Validator(json.loads(text))


def audit_files(directory: Path, filename_pattern: str) -> list[Path]:
    """Files whose name parses with the pattern (the bot ignores the others, §2.2)."""
    found = []
    for path in sorted(directory.iterdir()):
        if not path.is_file():
            continue
        try:
            datetime.strptime(path.name, filename_pattern)
        except ValueError:
            continue
        found.append(path)
    return found


def read_lines(path: Path, relative: str) -> Iterator[AuditLine]:
    validator = record_validator()
    for number, record, problem in json_lines(path, relative):
        if problem is not None:
            yield AuditLine(relative, number, None, problem)
            continue
        errors = sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path))
        if errors:
            where = "/".join(str(p) for p in errors[0].absolute_path) or "(record)"
            yield AuditLine(relative, number, None, f"at {where}: {errors[0].message}")
            continue
        yield AuditLine(relative, number, record, None)


@dataclass(frozen=True)
class AlertRecord:
    file: str
    line: int
    record: dict[str, Any]
    when: datetime | None  # None: the timestamp cannot be read

    @property
    def severity(self) -> str:
        return str(self.record.get("severity", "")).lower()

    @property
    def category(self) -> str:
        return str(self.record.get("category", "")).lower()

    @property
    def channel(self) -> str:
        return str(self.record.get("channel", ""))


def environment_alerts(environment: Environment) -> tuple[list[AlertRecord], str | None]:
    """Every valid record of the environment's file audit log, and where it lives (``None``
    when there is no readable file log: PRE-3 says why)."""
    audit = environment.block("alert_audit") or {}
    if str(audit.get("backend", "")).lower() != "file" or not audit.get("directory"):
        return [], None
    try:
        directory = environment.resolve_data_path(str(audit["directory"]))
    except PathEscapesDeployment:
        return [], None
    if not directory.path.is_dir():
        return [], None
    pattern = str(audit.get("filename_pattern") or "alerts-%Y%m%d.jsonl")
    records = []
    for path in audit_files(directory.path, pattern):
        relative = path.relative_to(environment.deployment.root).as_posix()
        for entry in read_lines(path, relative):
            if entry.record is None:
                continue
            try:
                when: datetime | None = parse_instant(str(entry.record.get("timestamp")))
            except InvalidInstant:
                when = None
            records.append(AlertRecord(entry.file, entry.line, entry.record, when))
    return records, directory.relative
