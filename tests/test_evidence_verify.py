"""`live-gate verify BUNDLE` decides the coverage and the verdict again from the evidence alone:
a partial bundle is reported partial, a stated verdict the evidence does not support is
reported inconsistent, and so are edited scenario sets and requirement statuses."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from live_gate.checksums import write_checksums
from live_gate.cli import main
from live_gate.evidence import recompute
from live_gate.outcomes import Verdict
from tests.conftest import REPO, GateResult, scenario_count
from tests.shared_runs import copied_bundle

PRE_2 = f"{REPO}/steps/test_runbook.py::test_the_risk_profile_sets_sound_limits"


def _verify(bundle: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["verify", str(bundle)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _rewrite(bundle: Path, change: Any) -> None:
    """Edit evidence.json and write SHA256SUMS again, as someone covering their tracks would."""
    path = bundle / "evidence.json"
    evidence = json.loads(path.read_text())
    change(evidence)
    path.write_text(json.dumps(evidence))
    write_checksums(bundle)


def test_a_partial_bundle_is_reported_partial(
    reference: Path, run_gate, capsys: pytest.CaptureFixture[str]
) -> None:
    gate = run_gate(reference, paths=[PRE_2])
    code, out = _verify(gate.bundle, capsys)
    assert code == 0, out
    assert "bundle intact, partial run: verdict NO-GO for binance_live" in out
    assert f"PARTIAL run: 1 of {scenario_count()} scenarios of the phase ran; not run: " in out
    assert "pre_4_licences.feature:8" in out


def test_a_verdict_the_evidence_does_not_support_is_inconsistent(
    reference: Path, run_gate, capsys: pytest.CaptureFixture[str]
) -> None:
    gate = run_gate(reference, paths=[PRE_2])

    def claim_go(evidence: dict[str, Any]) -> None:
        evidence.update(verdict="GO", run_problems=[], exit_status=0)

    _rewrite(gate.bundle, claim_go)
    code, out = _verify(gate.bundle, capsys)
    assert code == 1
    # the report still says NO-GO, and the evidence's own scenarios do too: both are named
    assert "bundle NOT intact" in out and "it states GO, the evidence supports NO-GO" in out
    assert "report.html states verdict NO-GO, evidence.json GO" in out


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("shrink the expected set", "the expected scenario set does not match its recorded digest"),
        ("edit a feature digest", "the feature files do not match their recorded digest"),
        ("fail a scenario", "PRE-2 is stated passed, but its scenarios make it failed"),
        ("add a foreign test", "it states GO, the evidence supports NO-GO"),
    ],
)
def test_edited_evidence_is_inconsistent(
    edit: str,
    message: str,
    reference_go: GateResult,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bundle = copied_bundle(reference_go, tmp_path)

    def change(evidence: dict[str, Any]) -> None:
        if edit == "shrink the expected set":
            evidence["expected"]["scenarios"] = evidence["expected"]["scenarios"][:3]
        elif edit == "edit a feature digest":
            evidence["expected"]["files"][0]["sha256"] = "0" * 64
        elif edit == "fail a scenario":
            (pre2,) = [s for s in evidence["scenarios"] if s["requirements"] == ["PRE-2"]]
            pre2["status"] = "failed"
        else:
            evidence["scenarios"].append(
                {
                    "id": None,
                    "nodeid": "test_planted.py::test_ok",
                    "requirements": [],
                    "name": "test_ok",
                    "feature": "test_planted.py",
                    "status": "passed",
                    "ran": True,
                    "duration": 0.0,
                }
            )

    _rewrite(bundle, change)
    code, out = _verify(bundle, capsys)
    assert code == 1, out
    assert message in out


def test_an_evidence_file_of_the_previous_format_is_not_intact(
    reference_go: GateResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = copied_bundle(reference_go, tmp_path)

    def old_format(evidence: dict[str, Any]) -> None:
        evidence["schema"] = "live_gate.evidence/1"
        del evidence["expected"], evidence["scenarios"]

    _rewrite(bundle, old_format)
    code, out = _verify(bundle, capsys)
    assert code == 1 and "bundle NOT intact" in out


def test_waivers_in_the_recomputed_verdict(reference_go: GateResult) -> None:
    """A failed scenario is excused only by a waiver of its requirement; an error never is."""
    evidence = copy.deepcopy(reference_go.evidence)
    assert recompute(evidence).verdict is Verdict.GO

    def with_pre2(status: str, requirement_status: str, waiver: Any) -> dict[str, Any]:
        changed = copy.deepcopy(evidence)
        for scenario in changed["scenarios"]:
            if scenario["requirements"] == ["PRE-2"]:
                scenario["status"] = status
        for requirement in changed["requirements"]:
            if requirement["id"] == "PRE-2":
                requirement.update(status=requirement_status, waiver=waiver)
        return changed

    waiver = {"reason": "r", "approved_by": ["a", "b"], "expires_at": "2027-01-01T00:00:00Z"}
    assert recompute(with_pre2("failed", "waived", waiver)).verdict is Verdict.GO
    assert recompute(with_pre2("failed", "failed", None)).verdict is Verdict.NO_GO
    errored = recompute(with_pre2("error", "waived", waiver))
    assert errored.verdict is Verdict.NO_GO and errored.inconsistencies
