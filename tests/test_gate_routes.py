"""Every way an operator in a hurry can start the gate: the whole phase runs on the gate's own
scenarios, or the run is NO-GO (or gives no verdict at all). Never GO.

Most routes are tried on the reference deployment with its OEM licence deleted (``no_licence``):
the gate's PRE-4 makes it NO-GO, so a route that reports GO has skipped part of the judgement.
The routes that change which scenarios run are also tried on the intact reference deployment,
which is GO when the gate runs whole: there, NO-GO shows the route itself is refused.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import AS_OF, REPO, gate_arguments, read_bundle, scenario_count

PRE_2 = "test_the_risk_profile_sets_sound_limits"


def test_without_its_licence_the_deployment_is_no_go(no_licence: Path, run_gate) -> None:
    gate = run_gate(no_licence)
    assert gate.verdict == "NO-GO"
    assert gate.status("PRE-4") == "failed"
    assert gate.evidence["coverage"]["ran_scenarios"] == scenario_count()
    assert gate.evidence["coverage"]["partial"] is False


def test_node_id_selection_is_a_partial_run(no_licence: Path, run_gate) -> None:
    gate = run_gate(no_licence, paths=[f"{REPO}/steps/test_runbook.py::{PRE_2}"])
    assert gate.verdict == "NO-GO" and gate.exit_code == 3  # a run problem, not the deployment
    assert f"partial run: 1 of {scenario_count()} scenarios of phase live_gate ran" in gate.problems
    coverage = gate.evidence["coverage"]
    assert coverage["partial"] is True and coverage["ran_scenarios"] == 1
    assert "pre_4_licences.feature:8" in coverage["missing_scenarios"]
    assert gate.status("PRE-4") == "error"
    assert "did not run (partial run)" in gate.requirement("PRE-4")["reason"]
    (scenario,) = gate.evidence["scenarios"]
    assert scenario["id"] == "pre_2_risk_limits.feature:8"
    assert scenario["feature"] == "pre_2_risk_limits.feature"
    assert scenario["status"] == "passed" and scenario["duration"] > 0


@pytest.mark.parametrize("copied", ["pre_2_risk_limits.feature", "*.feature"])
def test_another_features_folder_is_not_the_gate(
    copied: str, reference: Path, tmp_path: Path, run_gate
) -> None:
    """``-o bdd_features_base_dir=DIR``: a folder with only PRE-2, or a faithful copy of all of
    the gate's features. The gate reads its own, wherever pytest-bdd was told to read."""
    folder = tmp_path / "features"
    folder.mkdir()
    for feature in (REPO / "features").glob(copied):
        shutil.copy2(feature, folder / feature.name)
    gate = run_gate(reference, "-o", f"bdd_features_base_dir={folder}")
    assert gate.verdict == "NO-GO"
    assert f"partial run: 0 of {scenario_count()} scenarios" in gate.problems
    assert "are not scenarios of the gate's own feature files" in gate.problems
    ran = gate.evidence["scenarios"]
    assert {s["id"] for s in ran} == {None}
    assert str(folder / "pre_2_risk_limits.feature") in {s["feature"] for s in ran}


def test_the_features_folder_given_another_way_is_still_the_gates(
    reference: Path, run_gate
) -> None:
    """The gate's own folder, spelled differently (a relative path with '..'): a full run."""
    gate = run_gate(reference, "-o", "bdd_features_base_dir=steps/../features")
    assert gate.verdict == "GO", gate.problems


@pytest.mark.parametrize("gate_options", [False, True], ids=["bare", "with-deployment"])
def test_a_planted_test_module_in_another_directory(
    gate_options: bool, reference: Path, tmp_path: Path, run_pytest
) -> None:
    """An operator runs ``pytest -m live_gate`` inside a deployment that ships its own
    ``test_*.py`` marked ``live_gate``: that test is not the gate, and the run is NO-GO."""
    (reference / "test_planted.py").write_text(
        "import pytest\n\npytestmark = pytest.mark.live_gate\n\n\ndef test_ok():\n    pass\n"
    )
    before = sorted(p.name for p in reference.iterdir())
    evidence = tmp_path / "evidence"
    args = ["-m", "live_gate", "--evidence-dir", str(evidence), "--as-of", AS_OF]
    if gate_options:
        args += ["--deployment", "."]
    code, output = run_pytest(*args, cwd=reference)
    gate = read_bundle(evidence, code, output)
    assert gate.verdict == "NO-GO" and code != 0
    assert "did not run on the gate's own configuration" in gate.problems
    assert f"or run pytest from the checkout {REPO}" in gate.problems
    assert "test_planted.py::test_ok (not a scenario)" in gate.problems
    assert sorted(p.name for p in reference.iterdir()) == before, "the gate wrote into it"


def test_another_working_directory(no_licence: Path, tmp_path: Path, run_pytest) -> None:
    elsewhere, evidence = tmp_path / "elsewhere", tmp_path / "evidence"
    elsewhere.mkdir()
    code, output = run_pytest(
        "-m", "live_gate", "--deployment", str(no_licence), "--evidence-dir", str(evidence),
        cwd=elsewhere,
    )  # fmt: skip
    gate = read_bundle(evidence, code, output)
    assert gate.verdict == "NO-GO"
    # after pytest's own summary ("no tests ran"), the gate's last lines say what to do
    closing = output[output.rindex("run problem: pytest did not run on the gate's own") :]
    assert "run `live-gate run -m live_gate [options]` from any directory" in closing
    assert f"or run pytest from the checkout {REPO}" in closing
    assert "live-gate verdict: NO-GO" in closing
    assert os.listdir(elsewhere) == [], "nothing is written where pytest was started"


def test_space_separated_deployment_runs_in_one_process(
    reference: Path, tmp_path: Path, run_pytest
) -> None:
    """From the checkout, ``--deployment DIR`` with a space: pytest first takes DIR for a test
    path; the gate corrects that in this very process (an in-process run cannot re-exec)."""
    evidence = tmp_path / "evidence"
    code, output = run_pytest(
        "-m", "live_gate", "--deployment", str(reference), "--as-of", AS_OF,
        "--evidence-dir", str(evidence),
        cwd=REPO,
    )  # fmt: skip
    gate = read_bundle(evidence, code, output)
    assert gate.verdict == "GO", gate.problems
    assert f"rootdir: {REPO}" in output and "configfile: pyproject.toml" in output
    assert not (reference / ".pytest_cache").exists()


@pytest.mark.parametrize(
    ("addopts", "verdict"), [("-ra --strict-config", "GO"), ("-p no:doctest", "NO-GO")]
)
def test_a_deployment_with_its_own_pytest_configuration(
    addopts: str, verdict: str, reference: Path, tmp_path: Path, run_pytest
) -> None:
    """The bot's working directory has its own pytest configuration, which pytest reads first
    when it takes the deployment for a test path. Its options are dropped; plugins it loaded
    cannot be, and the run says so."""
    (reference / "pytest.ini").write_text(f"[pytest]\naddopts = {addopts}\n")
    evidence = tmp_path / "evidence"
    code, output = run_pytest(
        "-m", "live_gate", "--deployment", str(reference), "--as-of", AS_OF,
        "--evidence-dir", str(evidence),
        cwd=REPO,
    )  # fmt: skip
    gate = read_bundle(evidence, code, output)
    assert gate.verdict == verdict, gate.problems
    if verdict == "NO-GO":
        assert f"pytest first read {reference / 'pytest.ini'}" in gate.problems


@pytest.mark.parametrize("plugin", ["html", "metadata"])
def test_a_disabled_report_plugin_is_no_go_with_the_fallback_report(
    plugin: str, reference: Path, run_gate
) -> None:
    gate = run_gate(reference, "-p", f"no:{plugin}")
    assert gate.verdict == "NO-GO" and gate.exit_code == 3
    assert "INTERNALERROR" not in gate.output
    assert f"(-p no:{plugin})" in gate.problems
    html = gate.report()
    assert "NO-GO: this deployment must not trade real money" in html
    assert "the gate&#x27;s fallback report" in html
    assert "Requirements checked" in html


@pytest.mark.parametrize(
    "option", ["--collect-only", "--markers", "--help", "--fixtures", "--version", "--setup-plan"]
)
def test_informational_sessions_give_no_verdict(
    option: str, no_licence: Path, tmp_path: Path, run_pytest
) -> None:
    evidence = tmp_path / "evidence"
    code, output = run_pytest(
        *gate_arguments(REPO, "live_gate", None, True),
        f"--deployment={no_licence}",
        f"--evidence-dir={evidence}",
        option,
    )
    assert code == 0, output  # pytest's own status: information, not a verdict
    assert "live-gate verdict" not in output
    assert not evidence.exists(), "no bundle"
    if option in ("--collect-only", "--fixtures", "--setup-plan"):
        assert f"live-gate: no verdict ({option} judges nothing" in output
    if option == "--markers":
        assert "@pytest.mark.PRE-4:" in output and "@pytest.mark.owner-risk:" in output


def test_an_unrelated_session_stays_plain(pytester: pytest.Pytester, run_pytest) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")
    code, output = run_pytest(cwd=pytester.path)
    assert code == 0 and "1 passed" in output
    assert "live-gate verdict" not in output and "live-gate:" not in output
    assert not (pytester.path / "reports").exists()


@pytest.mark.parametrize("layout", ["inside", "through-a-link", "around"])
def test_evidence_dir_and_deployment_never_overlap(
    layout: str, reference: Path, tmp_path: Path, run_pytest
) -> None:
    deployment = reference
    if layout == "inside":
        evidence = reference / "reports"
    elif layout == "through-a-link":
        (tmp_path / "link").symlink_to(reference / "var")
        evidence = tmp_path / "link" / "evidence"
    else:
        evidence = reference.parent  # the folder around the deployment
    from tests.test_usage_errors import run_usage

    code, output = run_usage(
        *gate_arguments(REPO, "live_gate", None, True),
        f"--deployment={deployment}",
        f"--evidence-dir={evidence}",
    )
    assert code == 2
    assert output.count("live-gate: usage error:") == 1
    assert "the gate never writes into the deployment it inspects" in output or (
        "bundles written there could land inside the deployment" in output
    )
    assert "live-gate verdict" not in output
    assert not list(reference.rglob("evidence.json"))


# `live-gate run` from another directory with relative paths, in a real process:
# tests/test_gate_cli.py (GO, then verified); its NO-GO exit status 1: tests/test_bundles.py.
