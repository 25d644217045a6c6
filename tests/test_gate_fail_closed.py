"""Fail closed: every way a run can go wrong ends in NO-GO, a non-zero exit and a bundle that
says what happened."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import copy_project, refreeze


def _problems(gate) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(gate.evidence["run_problems"])


def test_unparseable_core_config(reference: Path, run_gate) -> None:
    (reference / "config/core.yaml").write_text("environments:\n  binance_live: [unclosed\n")
    gate = run_gate(reference)
    assert gate.verdict == "NO-GO" and gate.exit_code != 0
    assert "config/core.yaml:3" in _problems(gate)
    assert {r["status"] for r in gate.evidence["requirements"]} == {"error"}
    assert "cannot read an input" in gate.requirement("PRE-2")["scenarios"][0]["message"]
    assert "Traceback" not in gate.output


def test_missing_core_config(reference: Path, run_gate) -> None:
    (reference / "config/core.yaml").unlink()
    gate = run_gate(reference)
    assert gate.verdict == "NO-GO"
    assert "config/core.yaml" in _problems(gate)


def test_missing_deployment_folder(tmp_path: Path, run_gate) -> None:
    gate = run_gate(tmp_path / "nowhere", "--env", "binance_live")
    assert gate.verdict == "NO-GO"
    assert "does not exist" in _problems(gate)


def test_unknown_environment(reference: Path, run_gate) -> None:
    gate = run_gate(reference, "--env", "binance_moon")
    assert gate.verdict == "NO-GO"
    assert "'binance_moon' is not defined" in _problems(gate)


def test_live_gate_refuses_a_paper_environment(reference: Path, run_gate) -> None:
    gate = run_gate(reference, "--env", "binance_paper")
    assert gate.verdict == "NO-GO"
    assert "phase live_gate judges live environments" in _problems(gate)


def test_invalid_as_of(reference: Path, run_gate) -> None:
    gate = run_gate(reference, as_of="yesterday")
    assert gate.verdict == "NO-GO"
    assert "--as-of" in _problems(gate)


def test_invalid_gate_config(reference: Path, tmp_path: Path, run_gate) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("signoff_max_age: 30\n")  # a typo must not silently fall back to defaults
    gate = run_gate(reference, f"--gate-config={policy}")
    assert gate.verdict == "NO-GO"
    assert "signoff_max_age" in _problems(gate)


def test_partial_run_cannot_be_go(reference: Path, run_gate) -> None:
    gate = run_gate(reference, "-k", "risk")
    assert gate.verdict == "NO-GO"
    assert "deselected" in _problems(gate)


def test_two_phases_at_once(reference: Path, run_gate) -> None:
    gate = run_gate(reference, phase="live_gate or paper_nightly")
    assert gate.verdict == "NO-GO"
    assert "several phases" in _problems(gate)


def test_stopping_early_is_no_go(reference: Path, run_gate) -> None:
    (reference / "config/compliance/register.yaml").unlink()  # first scenario to run fails
    gate = run_gate(reference, "-x")
    assert gate.verdict == "NO-GO"
    assert "stopped early" in _problems(gate)


def test_duplicate_keys_elsewhere_are_warnings(reference: Path, run_gate) -> None:
    path = reference / "config/core.yaml"
    path.write_text(path.read_text() + "\nrisk_profiles_note: one\nrisk_profiles_note: two\n")
    refreeze(reference)
    gate = run_gate(reference)
    assert gate.verdict == "GO", gate.output
    assert any("risk_profiles_note is defined twice" in w for w in gate.evidence["warnings"])
    assert "risk_profiles_note is defined twice" in gate.output


def test_duplicate_keys_in_the_judged_environment_block(reference: Path, run_gate) -> None:
    path = reference / "config/core.yaml"
    text = path.read_text().replace(
        "    keychain_key: binance_live_trading\n",
        "    keychain_key: binance_live_trading\n    keychain_key: binance_live_other\n",
        1,
    )
    path.write_text(text)
    gate = run_gate(reference)
    assert gate.verdict == "NO-GO"
    assert "ambiguous" in _problems(gate)


def _project_with(tmp_path: Path, feature: str, steps: str = "") -> Path:
    project = copy_project(tmp_path / "project")
    (project / "features" / "zz_extra.feature").write_text(feature)
    if steps:
        (project / "steps" / "extra.py").write_text(steps)
        conftest = project / "conftest.py"
        conftest.write_text(
            conftest.read_text().replace(
                '"steps.register",', '"steps.register",\n    "steps.extra",'
            )
        )
    return project


EXTRA_FEATURE = """Feature: PRE-2 extra
  @PRE-2 @owner-risk @live_gate @paper_nightly
  Scenario: An extra check
    Given the environment under judgement
    Then {step}
"""


def test_missing_step_definition(reference: Path, tmp_path: Path, run_gate) -> None:
    project = _project_with(tmp_path, EXTRA_FEATURE.format(step="a step nobody wrote"))
    gate = run_gate(reference, project=project)
    assert gate.verdict == "NO-GO"
    assert "missing step definition" in _problems(gate)
    assert gate.status("PRE-2") == "error"


def test_skipped_required_scenario(reference: Path, tmp_path: Path, run_gate) -> None:
    steps = (
        "import pytest\nfrom pytest_bdd import then\n\n"
        "@then('the check decides to skip')\n"
        "def _() -> None:\n    pytest.skip('not today')\n"
    )
    project = _project_with(tmp_path, EXTRA_FEATURE.format(step="the check decides to skip"), steps)
    gate = run_gate(reference, project=project)
    assert gate.verdict == "NO-GO"
    assert gate.status("PRE-2") == "error"
    assert "skipped is not passed" in gate.requirement("PRE-2")["reason"]


def test_a_crashing_check_is_an_error(reference: Path, tmp_path: Path, run_gate) -> None:
    steps = (
        "from pytest_bdd import then\n\n"
        "@then('the check crashes')\n"
        "def _() -> None:\n    raise RuntimeError('boom')\n"
    )
    project = _project_with(tmp_path, EXTRA_FEATURE.format(step="the check crashes"), steps)
    gate = run_gate(reference, project=project)
    assert gate.verdict == "NO-GO"
    assert gate.status("PRE-2") == "error"
    assert "gate defect" in gate.requirement("PRE-2")["reason"]


def test_untagged_scenario(reference: Path, tmp_path: Path, run_gate) -> None:
    feature = EXTRA_FEATURE.format(
        step="the environment's risk profile sets its four limits, "
        "positive, consistent and within the policy's caps"
    )
    project = _project_with(tmp_path, feature.replace("@PRE-2 @owner-risk ", ""))
    gate = run_gate(reference, project=project)
    assert gate.verdict == "NO-GO"
    assert "not tagged with a requirement ID" in _problems(gate)


def test_unknown_tag_is_a_collection_error(reference: Path, tmp_path: Path, run_gate) -> None:
    feature = EXTRA_FEATURE.format(step="x").replace("@PRE-2", "@PRE-99")
    project = _project_with(tmp_path, feature)
    gate = run_gate(reference, project=project)
    assert gate.verdict == "NO-GO"
    assert "collection error" in _problems(gate)


def test_collecting_nothing(reference: Path, tmp_path: Path, run_gate) -> None:
    project = copy_project(tmp_path / "project")
    for feature in (project / "features").glob("*.feature"):
        feature.unlink()
    gate = run_gate(reference, project=project)
    assert gate.verdict == "NO-GO"
    problems = _problems(gate)
    assert "collection error" in problems or "collected no scenario" in problems


def test_distributed_run_is_refused(reference: Path, run_gate) -> None:
    gate = run_gate(reference, "-p", "xdist", "-n", "2", subprocess_run=True)
    assert gate.verdict == "NO-GO"
    assert "does not run distributed" in _problems(gate)


def test_a_requirement_that_does_not_apply_is_not_applicable(
    reference: Path, tmp_path: Path, run_gate
) -> None:
    """PRE-1 applies to live environments only: run in the paper phase it is reported
    not_applicable with its reason, never silently dropped, and never counted as passed."""
    feature = (
        "Feature: PRE-1 in the paper phase\n"
        "  @PRE-1 @owner-compliance @owner-security @paper_nightly\n"
        "  Scenario: KYC on paper\n"
        "    Given the environment under judgement\n"
        "    Then every runtime entrypoint bound to the environment carries a signed compliance "
        "packet that allows live trading, permits the environment's risk profile and has "
        "sign-offs\n"
    )
    project = _project_with(tmp_path, feature)
    gate = run_gate(reference, "--env", "binance_paper", phase="paper_nightly", project=project)
    pre1 = gate.requirement("PRE-1")
    assert pre1["status"] == "not_applicable"
    assert "does not apply to a paper environment" in pre1["reason"]
    assert gate.verdict == "GO", gate.output
