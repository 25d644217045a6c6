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

from live_gate.resources.deployment import UnreadableInput


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
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise UnreadableInput(f"cannot read: {exc.strerror}", relative) from exc
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                yield AuditLine(relative, number, None, f"not JSON: {exc}")
                continue
            errors = sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path))
            if errors:
                where = "/".join(str(p) for p in errors[0].absolute_path) or "(record)"
                yield AuditLine(relative, number, None, f"at {where}: {errors[0].message}")
                continue
            yield AuditLine(relative, number, record, None)
