"""Fail closed: every way a run can go wrong ends in NO-GO, a non-zero exit and a bundle that
says what happened."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from live_gate.catalogue import Catalogue, load_catalogue
from tests.checklevel import judge_checks
from tests.conftest import copy_project, refreeze, scenario_count


def test_unparseable_core_config(reference: Path, run_gate) -> None:
    (reference / "config/core.yaml").write_text("environments:\n  binance_live: [unclosed\n")
    gate = run_gate(reference)
    assert gate.verdict == "NO-GO" and gate.exit_code != 0
    assert "config/core.yaml:3" in gate.problems
    assert {r["status"] for r in gate.evidence["requirements"]} == {"error"}
    assert "cannot read an input" in gate.requirement("PRE-2")["scenarios"][0]["message"]
    assert "Traceback" not in gate.output


def test_missing_core_config(reference: Path, run_gate) -> None:
    (reference / "config/core.yaml").unlink()
    gate = run_gate(reference)
    assert gate.verdict == "NO-GO" and gate.exit_code == 1  # the deployment's fault
    assert "config/core.yaml" in gate.problems


# A missing deployment folder, an unknown or wrong-kind environment, a malformed --as-of and an
# invalid policy are usage errors: exit 2 before anything runs (tests/test_usage_errors.py).


def test_partial_run_cannot_be_go(reference: Path, run_gate) -> None:
    gate = run_gate(reference, "-k", "risk")
    assert gate.verdict == "NO-GO" and gate.exit_code == 3
    total = scenario_count()
    ran = re.search(
        rf"partial run: (\d+) of {total} scenarios of phase live_gate ran", gate.problems
    )
    assert ran is not None and 0 < int(ran[1]) < total, gate.problems
    assert f"; {total - int(ran[1])} of them were deselected (-k, -m, --deselect)" in gate.problems


def test_stopping_early_is_no_go(reference: Path, run_gate) -> None:
    (reference / "config/compliance/register.yaml").unlink()  # first scenario to run fails
    gate = run_gate(reference, "-x")
    assert gate.verdict == "NO-GO" and gate.exit_code == 3
    assert "stopped early" in gate.problems


def test_duplicate_keys_elsewhere_are_warnings(reference: Path, run_gate) -> None:
    path = reference / "config/core.yaml"
    path.write_text(path.read_text() + "\nrisk_profiles_note: one\nrisk_profiles_note: two\n")
    refreeze(reference)
    gate = run_gate(reference)
    assert gate.verdict == "GO", gate.output
    assert any("risk_profiles_note is defined twice" in w for w in gate.evidence["warnings"])
    assert "risk_profiles_note is defined twice" in gate.output


def test_duplicate_keys_in_the_judged_environment_block(reference: Path) -> None:
    """A problem of the run when the deployment is opened (any run problem is NO-GO: the
    whole runs of this module)."""
    path = reference / "config/core.yaml"
    text = path.read_text().replace(
        "    keychain_key: binance_live_trading\n",
        "    keychain_key: binance_live_trading\n    keychain_key: binance_live_other\n",
        1,
    )
    path.write_text(text)
    judged = judge_checks(reference)
    assert any("ambiguous" in problem for problem in judged.problems), judged.problems


def _features(tmp_path: Path, text: str | None) -> str:
    """A features folder for ``-o bdd_features_base_dir``: pytest-bdd reads it, the gate knows
    its scenarios are not its own."""
    folder = tmp_path / "other-features"
    folder.mkdir()
    if text is not None:
        (folder / "extra.feature").write_text(text)
    return f"bdd_features_base_dir={folder}"


EXTRA_FEATURE = """Feature: PRE-2 extra
  @PRE-2 @owner-risk @live_gate @paper_nightly
  Scenario: An extra check
    Given the environment under judgement
    Then {step}
"""
RISK_STEP = (
    "the environment's risk profile sets its four limits, positive, consistent and within "
    "the policy's caps"
)


def test_missing_step_definition(reference: Path, run_gate) -> None:
    """The gate's own PRE-2 scenario, with its step module not loaded."""
    gate = run_gate(reference, "-p", "no:steps.risk_limits")
    assert gate.verdict == "NO-GO"
    assert "missing step definition" in gate.problems
    assert gate.status("PRE-2") == "error"
    (scenario,) = gate.requirement("PRE-2")["scenarios"]
    assert [s["status"] for s in scenario["steps"]] == ["passed", "undefined"]


def test_skipped_required_scenario(
    reference: Path, run_gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    def skip(*_: object) -> None:
        pytest.skip("not today")

    monkeypatch.setattr("steps.risk_limits.check_risk_limits", skip)
    gate = run_gate(reference)
    assert gate.verdict == "NO-GO"
    assert gate.status("PRE-2") == "error"
    assert "skipped is not passed" in gate.requirement("PRE-2")["reason"]


def test_a_crashing_check_is_an_error(
    reference: Path, run_gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("steps.risk_limits.check_risk_limits", crash)
    gate = run_gate(reference)
    assert gate.verdict == "NO-GO"
    assert gate.status("PRE-2") == "error"
    assert "gate defect" in gate.requirement("PRE-2")["reason"]


def test_untagged_scenario(reference: Path, tmp_path: Path, run_gate) -> None:
    feature = EXTRA_FEATURE.format(step=RISK_STEP).replace("@PRE-2 @owner-risk ", "")
    gate = run_gate(reference, "-o", _features(tmp_path, feature))
    assert gate.verdict == "NO-GO"
    assert "not tagged with a requirement ID" in gate.problems


def test_unknown_tag_is_a_collection_error(reference: Path, tmp_path: Path, run_gate) -> None:
    feature = EXTRA_FEATURE.format(step="x").replace("@PRE-2", "@PRE-99")
    gate = run_gate(reference, "-o", _features(tmp_path, feature))
    assert gate.verdict == "NO-GO"
    assert "collection error" in gate.problems


def test_collecting_nothing(reference: Path, tmp_path: Path, run_gate) -> None:
    gate = run_gate(reference, "-o", _features(tmp_path, None))
    assert gate.verdict == "NO-GO"
    assert "collection error" in gate.problems or "collected no scenario" in gate.problems
    assert f"partial run: 0 of {scenario_count()} scenarios" in gate.problems


def _catalogue_with(**changes: dict[str, Any]) -> Catalogue:
    catalogue = load_catalogue()
    return Catalogue(
        catalogue.version,
        tuple(
            replace(r, **changes.get(r.id.replace("-", "_"), {})) for r in catalogue.requirements
        ),
    )


def test_a_requirement_that_does_not_apply_is_not_applicable(
    reference: Path, run_gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A requirement whose rules do not apply to the kind of environment judged (here PRE-2,
    in a catalogue where it applies to live environments only) is reported not_applicable with
    its reason, never silently dropped, never counted as passed, and does not block a GO."""
    catalogue = _catalogue_with(PRE_2={"applies_to": ("live",)})
    monkeypatch.setattr("live_gate.plugin.load_catalogue", lambda: catalogue)
    gate = run_gate(reference, "--env", "binance_paper", phase="paper_nightly")
    pre2 = gate.requirement("PRE-2")
    assert pre2["status"] == "not_applicable"
    assert "does not apply to a paper environment" in pre2["reason"]
    assert gate.verdict == "GO", gate.output
    assert (
        gate.evidence["coverage"]["ran_scenarios"]
        == gate.evidence["coverage"]["expected_scenarios"]
    )


def test_scenario_tags_that_disagree_with_the_catalogue_are_a_run_problem(
    reference: Path, run_gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not only a lint: at gate time, the features' tags are checked against the catalogue."""
    catalogue = _catalogue_with(
        PRE_2={"owners": ("risk", "sre")}, ACT_3={"phases": ("live_gate", "paper_nightly")}
    )
    monkeypatch.setattr("live_gate.plugin.load_catalogue", lambda: catalogue)
    gate = run_gate(reference)
    assert gate.verdict == "NO-GO"
    assert "disagree with its catalogue" in gate.problems
    assert "the catalogue's owners of PRE-2 are ['owner-risk', 'owner-sre']" in gate.problems
    assert "ACT-3: the catalogue runs it in paper_nightly, but no scenario" in gate.problems


def test_a_copied_checkout_is_not_the_gate(reference: Path, tmp_path: Path, run_gate) -> None:
    """A copy of the gate's features and steps, run with its own configuration: its scenarios
    are not the gate's, however faithful the copy."""
    project = copy_project(tmp_path / "project")
    gate = run_gate(reference, project=project)
    assert gate.verdict == "NO-GO"
    assert "did not run on the gate's own configuration" in gate.problems
    assert "are not scenarios of the gate's own feature files" in gate.problems
    assert gate.evidence["coverage"]["ran_scenarios"] == 0


def test_distributed_run_is_refused(reference: Path, run_gate) -> None:
    """One xdist worker is already a distributed run (and starts one interpreter, not two); the
    controller runs in this process (pytester), the worker in its own, as xdist starts it."""
    gate = run_gate(reference, "-p", "xdist", "-n", "1")
    assert gate.verdict == "NO-GO"
    assert "does not run distributed" in gate.problems
