"""The evidence bundle: ``report.html``, ``evidence.json`` and ``SHA256SUMS``.

``evidence.json`` is validated against ``schemas/evidence.schema.json`` before it is written; an
evidence file that does not validate is a gate defect and turns the verdict into NO-GO.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_ID = "live_gate.evidence/1"


@cache
def evidence_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        files("live_gate").joinpath("schemas/evidence.schema.json").read_text("utf-8")
    )
    return schema


def validation_errors(evidence: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(evidence_schema())
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(top level)'}: {e.message}"
        for e in sorted(validator.iter_errors(evidence), key=lambda e: list(e.absolute_path))
    ]


def write_checksums(bundle: Path) -> Path:
    """``SHA256SUMS`` over every other file of the bundle, in ``sha256sum -c`` format."""
    lines = []
    for path in sorted(p for p in bundle.rglob("*") if p.is_file()):
        if path.name == "SHA256SUMS" and path.parent == bundle:
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {path.relative_to(bundle).as_posix()}\n")
    target = bundle / "SHA256SUMS"
    target.write_text("".join(lines), encoding="utf-8")
    return target


def write_evidence(bundle: Path, evidence: dict[str, Any]) -> Path:
    target = bundle / "evidence.json"
    target.write_text(json.dumps(evidence, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target
