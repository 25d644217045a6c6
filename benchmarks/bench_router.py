"""Benchmark: every PRE-7 scenario, as the gate runs it, on the reference deployment.

Builds the reference deployment in a temporary folder, runs the gate in this process with only
the PRE-7 scenarios selected (the run itself is NO-GO: a partial run cannot be GO), and reports
the wall time each scenario took (setup, steps and teardown, as pytest measures them), their
total, and the process's peak resident memory. The router under test is the policy's default
(the reference router on the gate's virtual clock) unless ``--router module:callable`` is given.
Never a timed test: run it by hand.

Run: python benchmarks/bench_router.py [--router tests.bot_like_router:routes_mode]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from live_gate.reference import build
from live_gate.timeutil import parse_instant

REPO = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-20T12:00:00Z"
BUDGET_SECONDS = 2.0


class Timer:
    """Records the duration of every PRE-7 scenario; deselects everything else."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.outcomes: dict[str, str] = {}

    def pytest_collection_modifyitems(self, config: Any, items: list[Any]) -> None:
        keep = [i for i in items if i.get_closest_marker("PRE-7") is not None]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep

    def pytest_runtest_logreport(self, report: Any) -> None:
        self.seconds[report.nodeid] = self.seconds.get(report.nodeid, 0.0) + report.duration
        if report.when == "call" or report.outcome != "passed":
            self.outcomes[report.nodeid] = report.outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--router", help="router_factory to run (default: the policy's)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        deployment = build(Path(folder) / "deployment", parse_instant(AS_OF))
        options = [
            f"--rootdir={REPO}",
            "-c",
            str(REPO / "pyproject.toml"),
            str(REPO / "steps"),
            "-m",
            "live_gate",
            f"--deployment={deployment}",
            f"--as-of={AS_OF}",
            f"--evidence-dir={Path(folder) / 'evidence'}",
            "-q",
            "-p",
            "no:unraisableexception",
        ]
        if args.router:
            policy = Path(folder) / "policy.yaml"
            policy.write_text(f'router_factory: "{args.router}"\n', encoding="utf-8")
            options.append(f"--gate-config={policy}")
        timer = Timer()
        started = time.perf_counter()
        pytest.main(options, plugins=[timer])
        wall = time.perf_counter() - started
    total = sum(timer.seconds.values())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print()
    for nodeid, seconds in sorted(timer.seconds.items(), key=lambda kv: -kv[1]):
        name = nodeid.split("::")[-1]
        print(f"  {seconds * 1000:7.1f} ms  {timer.outcomes.get(nodeid, '?'):7}  {name}")
    print(
        f"PRE-7: {len(timer.seconds)} scenarios in {total:.2f} s "
        f"(budget {BUDGET_SECONDS:g} s: {'within' if total < BUDGET_SECONDS else 'OVER'}); "
        f"the whole in-process run took {wall:.2f} s"
    )
    print(f"peak resident memory of the process: {peak_mb:.0f} MB")
    return 0 if total < BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
