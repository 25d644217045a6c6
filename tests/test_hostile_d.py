"""A hostile core configuration: config/core.yaml as a link out of the deployment, a FIFO, an
alias bomb, 1000-deep nesting, a link to /dev/zero inside the deployment, a sparse 100 GiB file.
Each must be NO-GO quickly, with a run problem naming config/core.yaml, every requirement in
error, and nothing of what lies outside the deployment read or shown: judged at check level
(the deployment opened as a run opens it), and as whole runs for the link out and for those that
could block a naive reader (in their own interpreter)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from live_gate.catalogue import load_catalogue
from tests.checklevel import judge_checks
from tests.conftest import AS_OF, REPO
from tests.test_kit import BILLION_LAUGHS

# Blocking rules group D introduces, as (defect, mutation, requirement, rule) for the seeded-defect
# meta-test. Group D adds none: the kit's refusals are the existing ``input.refused`` rule, and a
# core configuration the gate cannot read is a run problem that puts every requirement in error
# (the tests below), not a finding of one requirement.
HOSTILE_DEFECTS_D: list[tuple[str, Callable[[Path], None], str, str]] = []

CORE = "config/core.yaml"
OUTSIDE_MARKER = "outside-the-deployment-7d1c"
# A run is "quick" when it is far from a hang; generous, because two CPUs are shared.
QUICK_SECONDS = 120.0


def _replace_core(deployment: Path) -> Path:
    core = deployment / CORE
    core.unlink()
    return core


def core_linked_out(deployment: Path) -> None:
    target = deployment.parent / "outside-core.yaml"
    target.write_text(
        (deployment / CORE).read_text(encoding="utf-8") + f"# {OUTSIDE_MARKER}\n",
        encoding="utf-8",
    )
    os.symlink(target, _replace_core(deployment))


def core_fifo(deployment: Path) -> None:
    os.mkfifo(_replace_core(deployment))


def core_alias_bomb(deployment: Path) -> None:
    (deployment / CORE).write_text(BILLION_LAUGHS, encoding="utf-8")


def core_deeply_nested(deployment: Path) -> None:
    depth = 1000
    (deployment / CORE).write_text(
        "environments:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(depth)) + "v\n",
        encoding="utf-8",
    )


def core_deep_flow(deployment: Path) -> None:
    (deployment / CORE).write_text("environments: " + "[" * 1000 + "]" * 1000 + "\n")


def core_linked_to_dev_zero(deployment: Path) -> None:
    os.symlink("/dev/zero", _replace_core(deployment))


def core_sparse_huge(deployment: Path) -> None:
    with (deployment / CORE).open("r+b") as handle:
        handle.truncate(100 * 1024**3)


HOSTILE_CORES: dict[str, tuple[Callable[[Path], None], str]] = {
    # name: (mutation, what the run problem says)
    "a symbolic link out of the deployment": (core_linked_out, "leaves the deployment"),
    "a FIFO": (core_fifo, "FIFO"),
    "an alias bomb": (core_alias_bomb, "input_limits.max_yaml_nodes"),
    "1000-deep block nesting": (core_deeply_nested, "nest"),
    "1000-deep flow nesting": (core_deep_flow, "nest"),
    "a symbolic link to /dev/zero": (core_linked_to_dev_zero, "leaves the deployment"),
    "a sparse 100 GiB file": (core_sparse_huge, "input_limits.max_file_bytes"),
}
# Those that could block a naive reader: judged by whole runs only, the FIFO under a watchdog.
COULD_BLOCK = {"a FIFO", "a symbolic link to /dev/zero"}


@contextlib.contextmanager
def released_after(fifo: Path, seconds: float) -> Iterator[None]:
    """From ``seconds`` on, a reader blocked on ``fifo`` is given a writer (and so an end of
    file), again and again until the block ends: a gate that hangs on it fails the test (too
    slow) instead of hanging the test session."""
    done = threading.Event()

    def release() -> None:
        if done.wait(seconds):
            return
        while not done.is_set():
            with contextlib.suppress(OSError):  # ENXIO: nobody reads it (yet)
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            done.wait(0.2)

    watchdog = threading.Thread(target=release, daemon=True)
    watchdog.start()
    try:
        yield
    finally:
        done.set()
        watchdog.join()


@pytest.mark.parametrize("hostile", sorted(set(HOSTILE_CORES) - COULD_BLOCK))
def test_a_hostile_core_configuration_is_a_run_problem_at_check_level(
    reference: Path, hostile: str
) -> None:
    """The deployment is opened as a gate run opens it (``open_deployment``): a run problem
    naming config/core.yaml, every requirement in error, no finding, nothing from outside.
    Those that could block a naive reader are left to the whole runs below."""
    mutate, said = HOSTILE_CORES[hostile]
    mutate(reference)
    started = time.monotonic()
    judged = judge_checks(reference)
    elapsed = time.monotonic() - started
    assert elapsed < QUICK_SECONDS, f"{hostile}: {elapsed:.0f} s"
    problems = [p for p in judged.problems if CORE in p]
    assert problems, judged.problems
    assert any(said in p for p in problems), problems
    wanted = {r.id for r in load_catalogue().in_phase("live_gate")}
    assert set(judged.errors) == wanted, judged.errors
    assert all(CORE in e for errors in judged.errors.values() for e in errors), judged.errors
    assert not any(judged.findings.values()), judged.findings
    assert OUTSIDE_MARKER not in repr((judged.problems, judged.errors))


# the whole gate: the link out (what reaches the terminal, the evidence and the report) and the
# two that would block a naive reader
WHOLE_GATE = ["a symbolic link out of the deployment", *sorted(COULD_BLOCK)]


@pytest.mark.parametrize("hostile", WHOLE_GATE)
def test_a_hostile_core_configuration_is_no_go_quickly_naming_it(
    reference: Path, run_gate, hostile: str
) -> None:
    mutate, said = HOSTILE_CORES[hostile]
    mutate(reference)
    started = time.monotonic()
    with released_after(reference / CORE, QUICK_SECONDS):
        gate = run_gate(reference)
    elapsed = time.monotonic() - started
    assert gate.verdict == "NO-GO" and gate.exit_code != 0
    assert elapsed < QUICK_SECONDS, f"{hostile}: {elapsed:.0f} s"
    problems = [p for p in gate.evidence["run_problems"] if CORE in p]
    assert problems, gate.evidence["run_problems"]
    assert any(said in p for p in problems), problems
    statuses = {r["id"]: r["status"] for r in gate.evidence["requirements"]}
    assert statuses and set(statuses.values()) == {"error"}, statuses
    everything = gate.output + json.dumps(gate.evidence) + gate.report()
    assert OUTSIDE_MARKER not in everything
    assert "Traceback" not in gate.output


def test_peak_memory_of_an_alias_bomb_run_is_bounded(reference: Path, tmp_path: Path) -> None:
    """The whole gate on an alias-bomb core.yaml, in its own interpreter: its peak resident
    memory (getrusage) stays that of an ordinary run, far from the gigabytes the bomb expands to.

    A small wrapper interpreter starts the gate and reads ``RUSAGE_CHILDREN``: a process forked
    from this (large) test worker would report the worker's size as its own peak, since Linux
    carries ``ru_maxrss`` over ``fork`` and ``exec``."""
    core_alias_bomb(reference)
    probe = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run([sys.executable, '-m', 'pytest', *sys.argv[1:]])\n"
        "print('MAXRSS_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, flush=True)\n"
        "sys.exit(done.returncode)\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            probe,
            f"--rootdir={REPO}",
            "-c",
            str(REPO / "pyproject.toml"),
            str(REPO / "steps"),
            "-m",
            "live_gate",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--deployment={reference}",
            f"--as-of={AS_OF}",
            f"--evidence-dir={tmp_path / 'evidence'}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode != 0, done.stdout[-2000:]
    assert "verdict: NO-GO" in done.stdout
    peak_kb = int(done.stdout.rsplit("MAXRSS_KB", 1)[1].split()[0])
    print(f"peak resident memory of the alias-bomb gate run: {peak_kb / 1024:.0f} MB")
    assert peak_kb < 400 * 1024, f"{peak_kb / 1024:.0f} MB"
