"""The reference deployment is GO, and every run leaves a complete, verifiable bundle."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

from live_gate import PHASES
from live_gate.catalogue import load_catalogue
from live_gate.scenarios import load_gate_features
from tests.conftest import GateResult


def implemented(phase: str) -> set[str]:
    """Requirement IDs the features check in a phase."""
    assert phase in PHASES
    features = load_gate_features(load_catalogue())
    return {r for s in features.in_phase(phase) for r in s.requirements}


def scenario_count(phase: str) -> int:
    return len(load_gate_features(load_catalogue()).in_phase(phase))


def test_reference_deployment_is_go_in_live_gate(
    reference_go: GateResult, _reference_template: Path
) -> None:
    gate = reference_go  # the session's reference deployment, judged whole once
    assert gate.verdict == "GO", gate.output
    assert gate.exit_code == 0
    statuses = {r["id"]: r["status"] for r in gate.evidence["requirements"]}
    assert set(statuses) == implemented("live_gate")
    assert set(statuses.values()) == {"passed"}
    assert gate.evidence["environment"] == "binance_live"
    assert gate.evidence["deployment"] == str(_reference_template)
    assert gate.evidence["as_of"] == "2026-11-20T12:00:00Z"
    assert "live-gate verdict: GO for binance_live" in gate.output
    assert str(gate.bundle) in gate.output
    # the whole phase ran, as the gate's own features define it
    coverage = gate.evidence["coverage"]
    assert (
        coverage["ran_scenarios"] == coverage["expected_scenarios"] == scenario_count("live_gate")
    )
    assert coverage["partial"] is False and coverage["missing_scenarios"] == []
    expected = gate.evidence["expected"]
    assert expected["features_dir"] == str(Path(__file__).resolve().parents[1] / "features")
    assert expected["features_sha256"] == load_gate_features(load_catalogue()).digest
    ids = {s["id"] for s in expected["scenarios"] if "live_gate" in s["phases"]}
    assert {s["id"] for s in gate.evidence["scenarios"]} == ids
    assert all(s["status"] == "passed" and s["ran"] for s in gate.evidence["scenarios"])


def test_paper_environment_is_go_in_paper_nightly(reference: Path, run_gate) -> None:
    gate = run_gate(reference, "--env", "binance_paper", phase="paper_nightly")
    assert gate.verdict == "GO", gate.output
    assert gate.evidence["phase"] == "paper_nightly"
    assert gate.evidence["coverage"]["ran_scenarios"] == scenario_count("paper_nightly")
    assert {r["id"] for r in gate.evidence["requirements"]} == implemented("paper_nightly")
    assert {r["status"] for r in gate.evidence["requirements"]} == {"passed"}
    uncovered = gate.evidence["coverage"]["uncovered_reasons"]
    assert "not part of phase paper_nightly" in uncovered["PRE-1"]


def test_bare_run_builds_the_reference_deployment(run_gate) -> None:
    gate = run_gate(None)
    assert gate.verdict == "GO", gate.output
    assert gate.evidence["deployment_kind"] == "reference"
    assert not Path(gate.evidence["deployment"]).exists(), "the temporary reference is removed"


def test_bundle_is_complete_and_checksummed(reference_go: GateResult) -> None:
    gate = reference_go
    assert re.fullmatch(r"\d{8}T\d{6}Z", gate.bundle.name)
    assert gate.bundle.parent.name == "live_gate"
    assert gate.bundle.parent.parent.name == "binance_live"
    assert (gate.bundle.parent / "latest").resolve() == gate.bundle.resolve()
    names = sorted(p.name for p in gate.bundle.iterdir())
    assert names == ["SHA256SUMS", "evidence.json", "report.html"]
    check = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"],
        cwd=gate.bundle,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "evidence.json: OK" in check.stdout and "report.html: OK" in check.stdout


def test_evidence_names_artifacts_with_true_digests(
    reference_go: GateResult, _reference_template: Path
) -> None:
    gate, reference = reference_go, _reference_template
    pre1 = gate.requirement("PRE-1")
    paths = {a["path"]: a["sha256"] for a in pre1["artifacts"]}
    kyc = "config/compliance/live/binance/kyc_packet.pdf"
    assert paths[kyc] == hashlib.sha256((reference / kyc).read_bytes()).hexdigest()
    assert "config/core.yaml" in paths
    assert not any("secrets/" in p for p in paths), "key files are never evidence artifacts"
    coverage = gate.evidence["coverage"]
    assert coverage["catalogue_size"] == len(load_catalogue().requirements)
    assert set(coverage["covered"]) | set(coverage["uncovered"]) == set(load_catalogue().ids())


def test_report_is_self_contained_and_readable(reference_go: GateResult) -> None:
    html = reference_go.report()
    assert "<title" in html and "live-gate binance_live: GO" in html
    assert "GO: this deployment may proceed" in html
    for requirement in ("PRE-1", "PRE-2", "PRE-3", "ACT-2"):
        assert requirement in html
    assert "Given" in html and "the environment under judgement" in html  # Gherkin steps
    # nothing is loaded from outside the file (the pytest-html credit link is a plain anchor)
    assert not re.search(r"""src=["'](https?:|file:|//)""", html)
    assert not re.search(r"""<link[^>]+href=["'](https?:|file:|//)""", html)
    for fact in ("Config SHA-256", "Gate version", "Operator", "Host", "As of"):
        assert fact in html
