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

from tests.conftest import AS_OF, REPO, GateResult, gate_arguments, read_bundle


def whole_run_in_a_process(deployment: Path, evidence: Path, *extra: str) -> GateResult:
    """The gate on ``deployment`` in its own interpreter (a session fixture cannot use pytester),
    its bundle checked as ``run_gate`` checks it: schema, recomputed verdict, no secret."""
    done = subprocess.run(
        [
            sys.executable, "-m", "pytest",
            *gate_arguments(REPO, "live_gate", None, True),
            f"--evidence-dir={evidence}", f"--as-of={AS_OF}", f"--deployment={deployment}",
            "-p", "no:cacheprovider",
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
        _reference_template, root / "evidence", f"--junitxml={root / 'junit.xml'}"
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
