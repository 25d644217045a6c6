"""Whole gate runs that several tests only read, made once per session (per xdist worker).

Registered as a plugin by ``tests/conftest.py`` (``pytest_plugins``). A test must never change
a shared bundle: it copies it first (``copied_bundle``).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import AS_OF, LICENCE, REPO, GateResult, live_gate_command, read_bundle


def whole_run_in_a_process(deployment: Path, evidence: Path, *extra: str) -> GateResult:
    """The gate on ``deployment`` in its own interpreter (a session fixture cannot use pytester),
    started as the README writes it: ``pytest -m live_gate --deployment DIR --as-of ...`` from
    the checkout, options and values apart. Its bundle is checked as ``run_gate`` checks one
    (schema, recomputed verdict, no secret, exit status 0 exactly when GO)."""
    done = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-m", "live_gate",
            "--deployment", str(deployment), "--as-of", AS_OF, "--evidence-dir", str(evidence),
            *extra,
        ],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    return read_bundle(evidence, done.returncode, done.stdout + done.stderr)


def tree_state(root: Path) -> dict[str, tuple[int, float, str]]:
    """Every file and folder under ``root`` with its size, mtime and SHA-256: what a run that
    writes, touches or deletes anything changes."""
    state = {}
    for path in sorted(root.rglob("*")):
        stat = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        state[path.relative_to(root).as_posix()] = (stat.st_size, stat.st_mtime, digest)
    return state


@dataclass
class SharedRun:
    gate: GateResult
    before: dict[str, tuple[int, float, str]]  # the deployment's tree_state before the run
    after: dict[str, tuple[int, float, str]]  # and after it


@pytest.fixture(scope="session")
def reference_go_run(
    tmp_path_factory: pytest.TempPathFactory, _reference_template: Path
) -> SharedRun:
    """One whole run of the gate on the unmodified reference deployment (the session's template,
    which the gate only reads), with its JUnit XML (``junit_of``) and the deployment's state
    before and after it."""
    root = tmp_path_factory.mktemp("reference-go")
    before = tree_state(_reference_template)
    gate = whole_run_in_a_process(
        _reference_template, root / "evidence", "--junitxml", str(root / "junit.xml")
    )
    assert gate.verdict == "GO", gate.output
    return SharedRun(gate, before, tree_state(_reference_template))


@pytest.fixture(scope="session")
def reference_go(reference_go_run: SharedRun) -> GateResult:
    return reference_go_run.gate


def junit_of(gate: GateResult) -> Path:
    """The JUnit XML file written by the ``reference_go`` run."""
    # <root>/evidence/<env>/<phase>/<stamp>
    return gate.bundle.parents[3] / "junit.xml"


def copied_bundle(gate: GateResult, tmp_path: Path) -> Path:
    """A copy of a shared run's bundle, for a test to edit (in the layout of an evidence folder:
    ``<environment>/<phase>/<stamp>``)."""
    target = tmp_path / "copy" / gate.bundle.parent.parent.name / gate.bundle.parent.name
    return Path(shutil.copytree(gate.bundle, target / gate.bundle.name))


SIGNING_KEY_HEX = "5a" * 32


@dataclass
class SignedRuns:
    operator: Path  # the folder both runs were started from: deployment/ and evidence/ only
    key: Path  # the signing key file (outside the operator's folder)
    first: subprocess.CompletedProcess[str]  # NO-GO
    second: subprocess.CompletedProcess[str]  # GO

    @property
    def evidence(self) -> Path:
        return self.operator / "evidence"

    def bundles(self) -> tuple[Path, Path]:
        """The first run's bundle and the second's."""
        folder = self.evidence / "binance_live" / "live_gate"
        old, new = sorted(p for p in folder.iterdir() if p.name != "latest")
        return old, new


@pytest.fixture(scope="session")
def signed_runs(tmp_path_factory: pytest.TempPathFactory, _reference_template: Path) -> SignedRuns:
    """Two ``live-gate run``s of binance_live/live_gate in real processes, as an operator starts
    them from a folder of their own with relative paths (``--deployment deployment
    --evidence-dir evidence``), each signing its bundle: NO-GO without the licence (the key from
    ``--signing-key-file``, exit status 1), then GO (the key from ``$LIVE_GATE_SIGNING_KEY``,
    exit status 0). Tests copy a bundle before changing it."""
    root = tmp_path_factory.mktemp("signed-runs")
    operator, key = root / "operator", root / "evidence.key"
    key.write_text(SIGNING_KEY_HEX + "\n")
    operator.mkdir()
    deployment = Path(shutil.copytree(_reference_template, operator / "deployment", symlinks=True))
    licence = (deployment / LICENCE).read_bytes()
    (deployment / LICENCE).unlink()
    common = ["--deployment", "deployment", "--as-of", AS_OF, "--evidence-dir", "evidence"]
    first = live_gate_command("run", *common, "--signing-key-file", str(key), cwd=operator)
    assert first.returncode == 1, first.stdout + first.stderr
    (deployment / LICENCE).write_bytes(licence)
    second = live_gate_command(
        "run", *common, cwd=operator, env={"LIVE_GATE_SIGNING_KEY": SIGNING_KEY_HEX}
    )
    assert second.returncode == 0, second.stdout + second.stderr
    return SignedRuns(operator, key, first, second)
