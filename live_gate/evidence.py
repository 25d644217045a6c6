"""The evidence bundle: ``report.html``, ``evidence.json`` and ``SHA256SUMS``.

``evidence.json`` is validated against ``schemas/evidence.schema.json`` before it is written; an
evidence file that does not validate is a gate defect and turns the verdict into NO-GO.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema

from live_gate import __version__
from live_gate.outcomes import ScenarioRecord, Verdict
from live_gate.run import GateRun, coverage, coverage_caveat
from live_gate.signing import sha256_file
from live_gate.timeutil import iso

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


def write_evidence(bundle: Path, evidence: dict[str, Any]) -> Path:
    target = bundle / "evidence.json"
    target.write_text(json.dumps(evidence, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


def artifacts(run: GateRun, records: list[ScenarioRecord]) -> list[dict[str, Any]]:
    paths: list[str] = []
    if run.deployment is not None:
        paths.append(run.deployment.config_file)
    for record in records:
        paths += [p for p in record.artifacts if p not in paths]
    out = []
    for relative in paths:
        target = (run.deployment_root or Path(".")) / relative
        try:
            digest: str | None = sha256_file(target)
        except OSError:
            digest = None
        out.append({"path": relative, "sha256": digest})
    return out


def build_evidence(run: GateRun, command: list[str]) -> dict[str, Any]:
    covered, uncovered = coverage(run)
    requirements = []
    for outcome in run.outcomes:
        requirement = run.catalogue.get(outcome.id)
        findings = [
            f.to_json()
            for s in outcome.scenarios
            for f in s.findings
            if f.requirement == outcome.id
        ]
        requirements.append(
            {
                "id": outcome.id,
                "title": outcome.title,
                "owners": list(outcome.owners),
                "status": outcome.status.value,
                "reason": outcome.reason,
                "remedy": requirement.remedy,
                "waiver": outcome.waiver,
                "findings": findings,
                "scenarios": [
                    {
                        "name": s.name or s.nodeid,
                        "feature": s.feature,
                        "status": s.effective_status().value,
                        "message": s.effective_message(),
                        "facts": [{"label": k, "value": v} for k, v in s.facts],
                        "steps": [
                            {"keyword": st.keyword, "text": st.text, "status": st.status}
                            for st in s.steps
                        ],
                    }
                    for s in outcome.scenarios
                ],
                "artifacts": artifacts(run, outcome.scenarios),
            }
        )
    evidence: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "verdict": run.verdict.value,
        "environment": run.env_name,
        "environment_kind": run.environment_kind,
        "deployment": str(run.deployment_root),
        "deployment_kind": run.deployment_kind,
        "config_sha256": run.deployment.config_sha256 if run.deployment else None,
        "phase": run.phase,
        "as_of": iso(run.as_of),
        "generated_at": iso(run.generated_at),
        "gate_version": __version__,
        "operator": run.operator,
        "host": run.host,
        "command": command,
        "exit_status": run.exit_status,
        "policy": run.policy.to_json(),
        "run_problems": list(run.problems),
        "warnings": list(run.warnings),
        "coverage": {
            "catalogue_size": len(run.catalogue.requirements),
            "covered": covered,
            "uncovered": list(uncovered),
            "uncovered_reasons": uncovered,
            "note": coverage_caveat(run),
        },
        "requirements": requirements,
    }
    redacted: dict[str, Any] = run.redactor.data(evidence)
    return redacted


def minimal_evidence(run: GateRun, command: list[str]) -> dict[str, Any]:
    minimal: dict[str, Any] = run.redactor.data(
        {
            "schema": SCHEMA_ID,
            "verdict": Verdict.NO_GO.value,
            "environment": run.env_name,
            "deployment": str(run.deployment_root),
            "phase": run.phase,
            "as_of": iso(run.as_of),
            "generated_at": iso(run.generated_at),
            "gate_version": __version__,
            "policy": run.policy.to_json(),
            "run_problems": list(run.problems),
            "command": command,
            "coverage": {
                "catalogue_size": len(run.catalogue.requirements),
                "covered": [],
                "uncovered": list(run.catalogue.ids()),
            },
            "requirements": [],
        }
    )
    return minimal
