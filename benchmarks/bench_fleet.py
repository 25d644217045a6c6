"""Benchmark: a fleet of live environments in one ``live-gate run --env all`` next to one
environment, each in its own process, as an operator runs them.

Wall time is the median of ``--repeat`` runs; peak RSS is the process's (getrusage of the one
child, measured in a fresh interpreter per run so that one run's peak is not another's). The
target (issue 13): the fleet of 9 live environments of the real configuration within 2x the wall
time of one. Never a timed test: run it by hand.

Run: python benchmarks/bench_fleet.py [--deployment ../shared/real-world] [--env binance_live]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-20T12:00:00Z"
TARGET = 2.0

# a fresh interpreter runs the command and reports its child's wall time and peak RSS
_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": wall, "rss_kb": peak, "exit": done.returncode,
                  "tail": done.stdout.strip().splitlines()[-2:]}))
"""


def measure(command: list[str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def gate(deployment: Path, env: str, evidence: Path) -> list[str]:
    return [
        sys.executable, "-m", "live_gate.cli", "run", "--deployment", str(deployment),
        "--env", env, "--as-of", AS_OF, "--evidence-dir", str(evidence), "-q",
    ]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deployment", default=str(REPO.parent / "shared" / "real-world"))
    parser.add_argument("--env", default="binance_live", help="the one environment")
    parser.add_argument("--fleet", default="all", help="the fleet's --env (default: all)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    deployment = Path(args.deployment)
    if not (deployment / "config" / "core.yaml").is_file():
        print(f"no deployment at {deployment}", file=sys.stderr)
        return 2
    rows: dict[str, list[dict[str, object]]] = {"one": [], "fleet": []}
    with tempfile.TemporaryDirectory() as folder:
        for n in range(args.repeat):
            for label, env in (("one", args.env), ("fleet", args.fleet)):
                evidence = Path(folder) / f"{label}-{n}"
                rows[label].append(measure(gate(deployment, env, evidence)))
    one = statistics.median(float(str(r["wall"])) for r in rows["one"])
    fleet = statistics.median(float(str(r["wall"])) for r in rows["fleet"])
    one_rss = max(int(str(r["rss_kb"])) for r in rows["one"]) / 1024
    fleet_rss = max(int(str(r["rss_kb"])) for r in rows["fleet"]) / 1024
    tail = rows["fleet"][0]["tail"]
    members = isinstance(tail, list) and any("fleet verdict" in str(line) for line in tail)
    print(f"deployment: {deployment}; median of {args.repeat} runs each")
    print(
        f"one environment ({args.env}): {one:.2f} s wall, {one_rss:.0f} MiB peak RSS, "
        f"exit {rows['one'][0]['exit']}"
    )
    print(
        f"fleet (--env {args.fleet}): {fleet:.2f} s wall, {fleet_rss:.0f} MiB peak RSS, "
        f"exit {rows['fleet'][0]['exit']}" + ("" if members else " (no fleet verdict line found)")
    )
    ratio = fleet / one
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"fleet / one = {ratio:.2f}x (target: <= {TARGET:.1f}x): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
