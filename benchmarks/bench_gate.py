"""Benchmark: the real configuration's NO-GO next to a GO on the reference, a baseline pytest-bdd
run and the bot's own promotion script.

Each command runs as a whole process (what an operator waits for), several times, interleaved
(A B C ... A B C ...) after one warm-up round, so that a drift of the shared machine hits them all
alike. Printed per command: wall time and peak RSS (the process's own ``ru_maxrss`` from
``wait4``), median, min and max, and its exit status. The commands:

- **baseline**: a one-scenario pytest-bdd project generated in a temporary folder (one feature,
  one step that imports ccxt) writing a self-contained pytest-html report: the least any
  pytest-bdd run that talks to an exchange through ccxt and writes a report costs;
- **GO, pytest**: ``pytest -m live_gate --deployment=REF`` from the checkout, REF the reference
  deployment built for the benchmark's instant, and the same with ``--deployment REF`` (the value
  after a space, as the README writes it: no second start of pytest);
- **GO, live-gate run**: ``live-gate run --deployment REF`` from a folder outside the checkout;
- **NO-GO, real config**: ``live-gate run --deployment REAL --env binance_live`` (REAL the bot's
  real configuration, ``../shared/real-world`` beside the checkout, or ``--real-world``);
- **bot's promotion script**: ``scripts/promotion_to_live.py binance_live --config
  REAL/config/core.yaml`` run from REAL with the bot's checkout and interpreter
  (``--bot-checkout``, ``--bot-python``); skipped, saying so, when they are not given or absent.

Targets: GO on the reference within 1.6x the baseline; the real configuration's NO-GO no slower
than the bot's own promotion script on the same files. Never a timed test: run it by hand.

Compiled bytecode: the commands inherit the environment, so with ``PYTHONDONTWRITEBYTECODE`` set
(as in some containers) every run compiles the gate's hundred modules from source (pytest also
rewrites them: the package is a pytest plugin), while the baseline compiles one. An installation
keeps its bytecode; ``--bytecode-cache`` measures that case for every command alike: the variable
is dropped and ``PYTHONPYCACHEPREFIX`` points into the benchmark's temporary folder (nothing is
written into the checkout or the environment), which the warm-up round fills. The machine
(CPUs, model, load average before and after) is printed with the figures.

Run: python benchmarks/bench_gate.py [--runs 3] [--real-world DIR]
     [--bot-checkout DIR --bot-python PATH] [--tmp DIR] [--bytecode-cache]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _measure import bytecode_environment, bytecode_note

REPO = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-20T12:00:00Z"
LIVE_ENV = "binance_live"
GO_TARGET = 1.6  # GO on the reference / baseline
NO_GO_TARGET = 1.0  # real-config NO-GO / the bot's promotion script

BASELINE_FEATURE = """\
Feature: Baseline
  Scenario: One step that talks to an exchange class
    Given the exchange library is imported
"""

BASELINE_TEST = """\
from pytest_bdd import given, scenarios

scenarios("baseline.feature")


@given("the exchange library is imported")
def _imported() -> None:
    import ccxt

    assert ccxt.binance is not None
"""


@dataclass
class Command:
    label: str
    kind: str  # baseline | go | no-go | bot
    argv: list[str]
    cwd: Path
    env: dict[str, str] | None = None
    seconds: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    codes: set[int] = field(default_factory=set)

    def run(self, log: Path) -> None:
        with log.open("ab") as sink:
            started = time.perf_counter()
            process = subprocess.Popen(
                self.argv, cwd=self.cwd, env=self.env, stdout=sink, stderr=sink
            )
            # wait4: this child's own peak RSS (RUSAGE_CHILDREN would be the largest of all)
            _, status, usage = os.wait4(process.pid, 0)
            elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        self.seconds.append(elapsed)
        self.rss_mb.append(usage.ru_maxrss / 1024)  # KiB on Linux
        self.cpu.append(usage.ru_utime + usage.ru_stime)
        self.codes.add(process.returncode)

    def row(self) -> str:
        s, r = self.seconds, self.rss_mb
        return (
            f"{self.label:40}{statistics.median(s):7.2f} s {min(s):6.2f} {max(s):6.2f}"
            f"{statistics.median(self.cpu):8.2f} s{statistics.median(r):7.0f} MB {max(r):5.0f}"
            f"   exit {sorted(self.codes)}"
        )


def machine(before: tuple[float, float, float], after: tuple[float, float, float]) -> str:
    """The machine the figures come from: CPUs, their model, the load average around the runs."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def shown(load: tuple[float, float, float]) -> str:
        return " ".join(f"{x:.2f}" for x in load)

    return (
        f"machine: {os.cpu_count()} CPUs ({model}); load average (1/5/15 min) {shown(before)} "
        f"before the runs, {shown(after)} after"
    )


def baseline_project(folder: Path) -> Path:
    project = folder / "baseline"
    project.mkdir()
    (project / "baseline.feature").write_text(BASELINE_FEATURE, encoding="utf-8")
    (project / "test_baseline.py").write_text(BASELINE_TEST, encoding="utf-8")
    (project / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # its own rootdir
    return project


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="counted runs of each command")
    parser.add_argument(
        "--real-world",
        type=Path,
        default=REPO.parent / "shared" / "real-world",
        help="the bot's real configuration (default: ../shared/real-world beside the checkout)",
    )
    parser.add_argument("--bot-checkout", type=Path, help="the bot's checkout (Dudzian/Dudzian)")
    parser.add_argument("--bot-python", type=Path, help="an interpreter with the bot's deps")
    parser.add_argument("--tmp", default=None, help="folder for the temporary files")
    parser.add_argument(
        "--bytecode-cache",
        action="store_true",
        help="let every command cache its compiled bytecode (in the temporary folder), as an "
        "installation does, even when PYTHONDONTWRITEBYTECODE is set",
    )
    args = parser.parse_args()

    from live_gate.reference import build
    from live_gate.timeutil import parse_instant

    bin_dir = Path(sys.executable).parent
    live_gate = str(bin_dir / "live-gate")
    folder = Path(tempfile.mkdtemp(prefix="bench-gate-", dir=args.tmp))
    keep = False  # a GO that was not GO: its output is kept to read
    try:
        reference = build(folder / "reference", parse_instant(AS_OF))
        project = baseline_project(folder)
        outside = folder / "elsewhere"
        outside.mkdir()
        environment = bytecode_environment(folder, args.bytecode_cache)
        # the baseline without the gate's plugin (an entry point of this venv) loading itself
        quiet = {**environment, "PYTEST_ADDOPTS": "-p no:live_gate"}
        commands = [
            Command(
                "baseline (pytest-bdd + ccxt + html)",
                "baseline",
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    f"--html={folder / 'baseline.html'}",
                    "--self-contained-html",
                ],
                project,
                quiet,
            ),
            Command(
                "GO reference, pytest -m live_gate",
                "go",
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "-m",
                    "live_gate",
                    f"--deployment={reference}",
                    f"--as-of={AS_OF}",
                    f"--evidence-dir={folder / 'ev-pytest'}",
                ],
                REPO,
                environment,
            ),
            Command(  # as the README writes it: the value after a space, one process all the same
                "  the same, --deployment REF (a space)",
                "go",
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "-m",
                    "live_gate",
                    "--deployment",
                    str(reference),
                    "--as-of",
                    AS_OF,
                    "--evidence-dir",
                    str(folder / "ev-space"),
                ],
                REPO,
                environment,
            ),
            Command(
                "GO reference, live-gate run",
                "go",
                [
                    live_gate,
                    "run",
                    "--deployment",
                    str(reference),
                    "--as-of",
                    AS_OF,
                    "--evidence-dir",
                    str(folder / "ev-run"),
                ],
                outside,
                environment,
            ),
        ]
        real = args.real_world.resolve()
        has_real = (real / "config" / "core.yaml").is_file()
        if has_real:
            commands.append(
                Command(
                    f"NO-GO real config, {LIVE_ENV}",
                    "no-go",
                    [
                        live_gate,
                        "run",
                        "--deployment",
                        str(real),
                        "--env",
                        LIVE_ENV,
                        "--evidence-dir",
                        str(folder / "ev-real"),
                    ],
                    outside,
                    environment,
                )
            )
        else:
            print(f"no real configuration at {real} (--real-world): NO-GO not measured")
        bot: Command | None = None
        script = (
            args.bot_checkout / "scripts" / "promotion_to_live.py" if args.bot_checkout else None
        )
        if (
            has_real
            and script
            and script.is_file()
            and args.bot_python
            and args.bot_python.exists()
        ):
            bot = Command(
                f"bot: promotion_to_live.py {LIVE_ENV}",
                "bot",
                [
                    str(args.bot_python),
                    str(script),
                    LIVE_ENV,
                    "--config",
                    str(real / "config" / "core.yaml"),
                ],
                real,
                environment,
            )
            commands.append(bot)
        else:
            print(
                "the bot's promotion script is not measured: give --bot-checkout DIR and "
                "--bot-python PATH (the NO-GO target is then not judged)"
            )

        log = folder / "output.log"
        load_before = os.getloadavg()
        for round_ in range(args.runs + 1):  # the first round warms caches, not counted
            for command in commands:
                command.run(log)
                if round_ == 0:
                    command.seconds.clear()
                    command.rss_mb.clear()
                    command.cpu.clear()
        print()
        print(
            f"{'':40}{'wall median':>9} {'min':>6} {'max':>6}{'CPU median':>11}{'peak RSS':>10}"
            f" {'max':>5}"
        )
        for command in commands:
            print(command.row())
        print(
            f"({args.runs} runs each after a warm-up round; CPU is user + system time; RSS is "
            "each process's own)"
        )
        print(machine(load_before, os.getloadavg()))
        note = bytecode_note(args.bytecode_cache)
        if note:
            print(note)
        print()

        def find(kind: str) -> list[Command]:
            return [c for c in commands if c.kind == kind]

        def ratio(a: Command, b: Command, what: str, target: float) -> bool:
            """Judged on the ratio run by run (the two ran one after the other, so a drift of
            the shared machine hits both), its median against the target."""
            pairs = [x / y for x, y in zip(a.seconds, b.seconds, strict=True)]
            middle = statistics.median(pairs)
            cpu = statistics.median(a.cpu) / statistics.median(b.cpu)
            ok = middle <= target
            print(
                f"{a.label}: wall {middle:.2f}x {what} (run by run {min(pairs):.2f}-"
                f"{max(pairs):.2f}), CPU {cpu:.2f}x; target <= {target:g}x wall: "
                f"{'met' if ok else 'NOT met'}"
            )
            return ok

        (base,) = find("baseline")
        failed = False
        for go in find("go"):
            failed |= not ratio(go, base, "the baseline", GO_TARGET)
        for no_go in find("no-go"):
            if bot is not None:
                failed |= not ratio(no_go, bot, "the bot's promotion script", NO_GO_TARGET)
            else:
                print(f"{no_go.label} vs the bot's promotion script: not judged (not given)")
        for command in commands:
            wrong = (command.kind == "go" and command.codes != {0}) or (
                command.kind == "no-go" and 0 in command.codes
            )
            if wrong:
                print(f"{command.label}: exit {sorted(command.codes)}, not the verdict expected")
                print(f"output of every run: {log} (kept)")
                keep = True
                failed = True
        return 1 if failed else 0
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
