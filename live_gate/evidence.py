"""The evidence bundle: ``report.html``, ``evidence.json`` and ``SHA256SUMS``.

``evidence.json`` is validated against ``schemas/evidence.schema.json`` before it is written; an
evidence file that does not validate is a gate defect and turns the verdict into NO-GO.

It records every scenario that ran and the scenario set the gate's own features define (with
their digests), so that ``recompute`` (``live-gate verify``) can decide the coverage and the
verdict again from the evidence alone. The gate runs ``recompute`` on its own evidence before
writing it: a verdict the evidence does not support is a gate defect, and NO-GO.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from live_gate import __version__
from live_gate.errors import UnreadableInput
from live_gate.kit.schemas import validator
from live_gate.outcomes import ScenarioRecord, Status, Verdict
from live_gate.run import GateRun, coverage, coverage_note, scenario_coverage
from live_gate.scenarios import FeatureFile, listing, scenarios_digest
from live_gate.timeutil import iso

SCHEMA_ID = "live_gate.evidence/2"


def validation_errors(evidence: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(top level)'}: {e.message}"
        for e in sorted(
            validator("evidence").iter_errors(evidence), key=lambda e: list(e.absolute_path)
        )
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
        # through the kit: a file swapped for a FIFO or a link out after its check never hangs
        # the evidence or reads outside the deployment; it is recorded without a digest
        digest: str | None = None
        if run.deployment is not None:
            files = run.deployment.files
            try:
                digest = files.sha256(files.at(relative))
            except (UnreadableInput, OSError):
                digest = None
        out.append({"path": relative, "sha256": digest})
    return out


def artifacts_by_requirement(evidence: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """The files each requirement read, with the digests evidence.json records for them (the
    report shows these, so that it never states another digest than the evidence)."""
    if not evidence:
        return {}
    return {
        str(q.get("id")): list(q.get("artifacts") or []) for q in evidence.get("requirements") or []
    }


def _scenario_json(record: ScenarioRecord) -> dict[str, Any]:
    return {
        "id": record.expected_id,
        "nodeid": record.nodeid,
        "requirements": list(record.requirements),
        "name": record.name or record.nodeid,
        "feature": record.feature_file,
        "status": record.effective_status().value,
        "ran": record.status is not None,
        "duration": round(record.duration, 6),
    }


def _coverage_json(run: GateRun) -> dict[str, Any]:
    covered, uncovered = coverage(run)
    scenarios = scenario_coverage(run)
    return {
        "catalogue_size": len(run.catalogue.requirements),
        "covered": covered,
        "uncovered": list(uncovered),
        "uncovered_reasons": uncovered,
        "expected_scenarios": len(scenarios.expected),
        "ran_scenarios": len(scenarios.ran),
        "missing_scenarios": [s.id for s in scenarios.missing],
        "partial": scenarios.partial,
        "note": coverage_note(run),
    }


def _bundle_json(run: GateRun) -> dict[str, Any]:
    from live_gate.sealing import key_id

    return {
        "id": run.bundle_id,
        "path": run.bundle_path,
        "signed": run.signing_key is not None,
        "key_id": key_id(run.signing_key) if run.signing_key is not None else None,
    }


def build_evidence(run: GateRun, command: list[str]) -> dict[str, Any]:
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
                        "id": s.expected_id,
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
        "bundle": _bundle_json(run),
        "previous": run.previous,
        "policy": run.policy.to_json(),
        "run_problems": list(run.problems),
        "warnings": list(run.warnings),
        "coverage": _coverage_json(run),
        "expected": run.features.to_json(),
        "scenarios": [_scenario_json(run.records[n]) for n in run.selected],
        "requirements": requirements,
    }
    redacted: dict[str, Any] = run.redactor.data(evidence)
    return redacted


def minimal_evidence(run: GateRun, command: list[str]) -> dict[str, Any]:
    """What is written when the full evidence does not validate: NO-GO and why."""
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
            "bundle": _bundle_json(run),
            "policy": run.policy.to_json(),
            "run_problems": list(run.problems),
            "command": command,
            "coverage": {
                "catalogue_size": len(run.catalogue.requirements),
                "covered": [],
                "uncovered": list(run.catalogue.ids()),
            },
            "expected": run.features.to_json(),
            "scenarios": [],
            "requirements": [],
        }
    )
    return minimal


# --------------------------------------------------------------------------- recomputing


@dataclass
class Recomputed:
    """The coverage and the verdict decided again from an evidence file alone."""

    verdict: Verdict
    expected: int
    ran: int
    missing: list[str] = field(default_factory=list)  # expected scenario ids that did not run
    unexpected: list[str] = field(default_factory=list)  # node ids of foreign tests
    unmet: list[str] = field(default_factory=list)  # scenarios neither passed nor excused
    inconsistencies: list[str] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return bool(self.missing) or not self.expected


_WORST = (Status.ERROR, Status.FAILED, Status.PASSED, Status.NOT_APPLICABLE)


def recompute(evidence: dict[str, Any]) -> Recomputed:
    """GO only when the evidence names no run problem, every scenario the recorded feature set
    defines for the phase ran, nothing else ran, every scenario passed, was not applicable or
    failed under a waiver of all its requirements, and at least one passed. Also checks the
    recorded digests and that each requirement's status follows from its scenarios."""
    phase = evidence.get("phase")
    expected_block = evidence.get("expected") or {}
    defined = list(expected_block.get("scenarios") or [])
    inconsistencies: list[str] = []
    if scenarios_digest(defined) != expected_block.get("scenarios_sha256"):
        inconsistencies.append("the expected scenario set does not match its recorded digest")
    listed = [FeatureFile(f["path"], f["sha256"]) for f in expected_block.get("files") or []]
    if hashlib.sha256(listing(listed).encode("utf-8")).hexdigest() != expected_block.get(
        "features_sha256"
    ):
        inconsistencies.append("the feature files do not match their recorded digest")
    expected = [s for s in defined if phase in s.get("phases", [])]
    ids = {s["id"] for s in expected}
    records = list(evidence.get("scenarios") or [])
    completed = {r["id"] for r in records if r.get("ran") and r.get("id") in ids}
    missing = [s["id"] for s in expected if s["id"] not in completed]
    unexpected = [r["nodeid"] for r in records if r.get("id") not in ids]
    stated = {q["id"]: q for q in evidence.get("requirements") or []}
    waived = {rid for rid, q in stated.items() if q.get("status") == "waived" and q.get("waiver")}

    def excused(record: dict[str, Any]) -> bool:
        if record["status"] in (Status.PASSED.value, Status.NOT_APPLICABLE.value):
            return True
        requirements = record.get("requirements") or []
        return (
            record["status"] == Status.FAILED.value
            and bool(requirements)
            and all(r in waived for r in requirements)
        )

    unmet = [r["nodeid"] for r in records if r.get("id") in ids and not excused(r)]
    for rid, stated_requirement in stated.items():
        statuses = {Status(r["status"]) for r in records if rid in (r.get("requirements") or [])}
        if any(rid in s.get("requirements", []) for s in expected if s["id"] in missing):
            statuses.add(Status.ERROR)
        worst = next((s for s in _WORST if s in statuses), None)
        said = stated_requirement.get("status")
        if worst is None or said == worst.value:
            continue
        if said == Status.WAIVED.value and worst is Status.FAILED and rid in waived:
            continue
        inconsistencies.append(f"{rid} is stated {said}, but its scenarios make it {worst.value}")
    passed = any(r["status"] == Status.PASSED.value for r in records if r.get("id") in ids)
    go = (
        not evidence.get("run_problems")
        and bool(expected)
        and not missing
        and not unexpected
        and not unmet
        and passed
        and not inconsistencies
    )
    return Recomputed(
        verdict=Verdict.GO if go else Verdict.NO_GO,
        expected=len(expected),
        ran=len(expected) - len(missing),
        missing=missing,
        unexpected=unexpected,
        unmet=unmet,
        inconsistencies=inconsistencies,
    )
