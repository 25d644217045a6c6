"""Usage errors end the run before it starts: one message (once), exit status 2, no scenario run,
no runbook emergency text, no bundle. Exit statuses: 0 GO, 1 NO-GO, 2 usage, 3 run problem."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import AS_OF, REPO, gate_arguments

REAL_WORLD = Path("/work/shared/real-world")


def run_usage(*args: str) -> tuple[int, str]:
    """pytest from the checkout, for a run that ends in a usage error, in this process: a usage
    error returns from ``pytest_cmdline_main`` before the session is configured (nothing is
    collected or imported), so ``pytest.main`` is called directly (pytester's in-process runner
    expects a configured session); its return value is the status pytest's console script exits
    with. (`live-gate run`'s exit status 2 is tested in a real process below.)"""
    output = io.StringIO()
    with (
        contextlib.chdir(REPO),
        contextlib.redirect_stdout(output),
        contextlib.redirect_stderr(output),
    ):
        code = pytest.main(list(args))
    return int(code), output.getvalue()


def _usage(
    run_pytest: object,
    evidence: Path,
    *args: str,
    phase: str = "live_gate",
    as_of: str | None = AS_OF,
) -> str:
    extra = [f"--as-of={as_of}"] if as_of is not None else []
    code, output = run_usage(
        *gate_arguments(REPO, phase, None, True),
        f"--evidence-dir={evidence}",
        *extra,
        *args,
    )
    assert code == 2, output
    assert output.count("live-gate: usage error:") == 1, output
    assert "runbook" not in output.lower(), "no emergency text for a usage error"
    assert "live-gate verdict" not in output and "passed" not in output
    assert not evidence.exists(), "a usage error writes no bundle"
    return output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--env=binance_lve"], "--env binance_lve: no such environment"),
        (["--env=binance_paper"], "--env binance_paper is a paper environment, but phase"),
        (["--env=binance_moon"], "live_gate candidates: binance_live"),
    ],
)
def test_environment_usage_errors(
    args: list[str], expected: str, reference: Path, tmp_path: Path, run_pytest
) -> None:
    output = _usage(run_pytest, tmp_path / "ev", f"--deployment={reference}", *args)
    assert output.count(expected) == 1, output
    if args == ["--env=binance_lve"]:
        assert "did you mean binance_live or binance_paper?" in output


def test_missing_deployment(tmp_path: Path, run_pytest) -> None:
    output = _usage(run_pytest, tmp_path / "ev", f"--deployment={tmp_path / 'nowhere'}")
    assert "--deployment" in output and "no such folder" in output


def test_deployment_naming_a_file(reference: Path, tmp_path: Path, run_pytest) -> None:
    core = reference / "config/core.yaml"
    output = _usage(run_pytest, tmp_path / "ev", f"--deployment={core}")
    assert f"--deployment {core} is a file" in output and "does not exist" not in output


def test_malformed_as_of_shows_an_example(tmp_path: Path, run_pytest) -> None:
    output = _usage(run_pytest, tmp_path / "ev", as_of="yesterday")
    assert "--as-of 'yesterday' is not an ISO-8601 instant" in output
    assert "--as-of 2026-11-20T12:00:00Z" in output


def test_invalid_policy(tmp_path: Path, run_pytest) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("signoff_max_age: 30\n")  # a typo must not silently fall back to defaults
    output = _usage(run_pytest, tmp_path / "ev", f"--gate-config={policy}")
    assert "--gate-config" in output and "signoff_max_age" in output


def test_two_phases_at_once(tmp_path: Path, run_pytest) -> None:
    output = _usage(run_pytest, tmp_path / "ev", phase="live_gate or paper_nightly")
    assert "names several phases" in output


def test_real_world_needs_an_explicit_environment(tmp_path: Path, run_pytest) -> None:
    output = _usage(run_pytest, tmp_path / "ev", f"--deployment={REAL_WORLD}")
    assert "choose the environment to judge with --env" in output
    assert "binance_live" in output and "zonda_live" in output


def test_signing_key_inside_the_deployment(reference: Path, tmp_path: Path, run_pytest) -> None:
    key = reference / "secrets/hmac/evidence.key"
    key.parent.mkdir(parents=True, exist_ok=True)
    key.write_text("ab" * 32)
    output = _usage(
        run_pytest, tmp_path / "ev", f"--deployment={reference}", f"--signing-key-file={key}"
    )
    assert "lies inside the deployment judged" in output


def test_live_gate_run_misspelt_environment_is_short(tmp_path: Path) -> None:
    """The issue's case: ~200 lines and a NO-GO bundle under reports/binance_lve/ before."""
    done = subprocess.run(
        [sys.executable, "-m", "live_gate.cli", "run", "--env", "binance_lve", "--as-of", AS_OF],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("live-gate: usage error: --env binance_lve: no such environment")
    assert list(tmp_path.iterdir()) == []
