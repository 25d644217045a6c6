"""The commands exactly as operators type them, in real processes (the deployments they judge are
copies of the session's reference deployment, which ``live-gate example --as-of AS_OF`` writes;
``example`` itself is run in this process where only its output is compared)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

from live_gate.cli import main
from tests.conftest import AS_OF, REPO, live_gate_command, scenario_count
from tests.shared_runs import SignedRuns


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _pytest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _example(*args: str) -> int:
    with contextlib.redirect_stdout(io.StringIO()):
        return main(["example", *args])


def test_example_is_deterministic_for_an_instant(tmp_path: Path, _reference_template: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert _example(str(first), "--as-of", AS_OF) == 0
    assert _example(str(second), "--as-of", AS_OF) == 0
    assert _tree_digest(first) == _tree_digest(second)
    # the session's reference deployment, which the tests below copy, is this same tree
    assert _tree_digest(_reference_template) == _tree_digest(first)
    third = tmp_path / "c"
    assert _example(str(third), "--as-of", "2026-12-01T00:00:00Z") == 0
    assert _tree_digest(third) != _tree_digest(first)


def test_example_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    done = live_gate_command("example", str(tmp_path))
    assert done.returncode == 2
    assert "not empty" in done.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_operator_command_with_space_separated_options_exits_1_on_no_go(
    reference: Path, tmp_path: Path
) -> None:
    """`pytest -m live_gate --deployment DIR` as the README writes it (options and values apart),
    in a real process from the checkout: pytest would first take DIR for a test path; the gate
    puts pytest back on its own configuration in the same process, so the whole phase runs, and
    the NO-GO of a deployment without its compliance register is exit status 1. (A GO exits 0:
    the shared run of tests/shared_runs.py is such a process.)"""
    deployment, evidence = reference, tmp_path / "evidence"
    (deployment / "config/compliance/register.yaml").unlink()
    done = _pytest(
        "-m",
        "live_gate",
        "--deployment",
        str(deployment),
        "--as-of",
        AS_OF,
        "--evidence-dir",
        str(evidence),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    last = done.stdout.strip().splitlines()[-2:]
    assert last[0].startswith("live-gate verdict: NO-GO for binance_live"), last
    assert last[1].startswith(f"live-gate evidence: {evidence}/binance_live/")
    bundle = (evidence / "binance_live" / "live_gate" / "latest").resolve()
    written = json.loads((bundle / "evidence.json").read_text())
    assert written["verdict"] == "NO-GO" and written["run_problems"] == []
    assert written["coverage"]["ran_scenarios"] == scenario_count()
    assert written["coverage"]["partial"] is False


def test_live_gate_run_and_verify_from_another_directory(
    signed_runs: SignedRuns, tmp_path: Path
) -> None:
    """`live-gate run` from any directory, relative paths being the caller's (the session's
    signed runs: NO-GO exits 1, GO exits 0); then `live-gate verify` on the archived bundle, and
    on a tampered copy."""
    operator = signed_runs.operator
    done = signed_runs.second
    assert done.stdout.strip().splitlines()[-2].startswith("live-gate verdict: GO for binance_live")
    assert "live-gate verdict: NO-GO for binance_live" in signed_runs.first.stdout
    bundle = (operator / "evidence" / "binance_live" / "live_gate" / "latest").resolve()
    assert bundle == signed_runs.bundles()[1]
    evidence = json.loads((bundle / "evidence.json").read_text())
    assert evidence["deployment"] == str(operator / "deployment")
    assert evidence["coverage"]["ran_scenarios"] == scenario_count()
    assert evidence["command"][0] == "pytest"  # live-gate run is pytest, pinned to the checkout
    assert sorted(p.name for p in operator.iterdir()) == ["deployment", "evidence"]
    assert (operator / "evidence" / "index.html").is_file()
    done = live_gate_command("verify", str(bundle))
    assert done.returncode == 0, done.stderr
    assert "bundle intact: verdict GO for binance_live" in done.stdout
    assert f"{scenario_count()} of {scenario_count()} scenarios of the phase ran" in done.stdout
    tampered = Path(shutil.copytree(bundle, tmp_path / "binance_live" / "live_gate" / bundle.name))
    report = tampered / "report.html"
    report.write_text(report.read_text().replace("GO", "G0", 1))
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        assert main(["verify", str(tampered)]) == 1
    assert "report.html: checksum does not match" in err.getvalue()
