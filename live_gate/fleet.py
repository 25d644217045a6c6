"""The fleet: ``live-gate run --env all`` (or a glob, ``--env '*_live'``) judges every environment
of the phase's kind, one ordinary gate run (and one bundle) per environment, then summarises them
in the terminal and in ``<evidence-dir>/fleet-<phase>-<stamp>.html``.

The work every environment shares (imports of pytest, pytest-bdd and the step modules, the feature
files, parsing the configuration; ccxt and pyarrow once a run needed them) is done once, in the
parent; then each environment's pytest session runs in a child forked from that warm parent
(:func:`judge_forked`), never more children at a time than CPUs. A child that crashes or hangs is
that environment's run problem (NO-GO, named), never a lost environment; its output reaches the
terminal whole, in the fleet's order.

Each environment's bundle stays the evidence: the summary is read back from each bundle's
``evidence.json`` (what compliance archives), never from the runs' memory, so the page cannot say
more than the bundles do. Exit 0 only if every environment is GO; else the worst status, a run
problem (3) before a NO-GO (1). A pattern that matches no environment of the phase's kind is a
usage error (2) that lists the candidates.
"""

from __future__ import annotations

import contextlib
import fnmatch
import gc
import importlib
import json
import multiprocessing
import os
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import IO, Any

from live_gate import __version__
from live_gate.history import INDEX_CSS
from live_gate.timeutil import bundle_stamp, iso
from live_gate.usage import (
    EXIT_GO,
    EXIT_NO_GO,
    EXIT_RUN_PROBLEM,
    EXIT_USAGE,
    PHASE_KINDS,
    GateUsageError,
)

#: the word that asks for every environment of the phase's kind
ALL = "all"
_GLOB = frozenset("*?[")


def is_fleet(env: str | None) -> bool:
    """Does ``--env`` ask for several environments (``all`` or a glob)?"""
    return env is not None and (env == ALL or any(c in _GLOB for c in env))


def expand(pattern: str, kinds: dict[str, str], phase: str) -> tuple[list[str], list[str]]:
    """The environments ``pattern`` selects for ``phase`` (sorted), and those it matched that are
    not of the phase's kind (not judged, named in the summary). A pattern that selects none is a
    usage error naming the candidates."""
    wanted = PHASE_KINDS[phase]
    fitting = sorted(name for name, kind in kinds.items() if kind in wanted)
    matched = sorted(kinds) if pattern == ALL else fnmatch.filter(sorted(kinds), pattern)
    chosen = [name for name in matched if name in fitting]
    other = [name for name in matched if name not in fitting]
    if not chosen:
        raise GateUsageError(
            f"--env {pattern} matches no {'/'.join(wanted)} environment, the kind phase {phase} "
            f"judges (candidates: {', '.join(fitting) or 'none'}"
            + (f"; matched but of another kind: {', '.join(other)}" if other else "")
            + ")"
        )
    return chosen, ([] if pattern == ALL else other)


@dataclass
class Member:
    """One environment's run, as its bundle records it."""

    env: str
    exit_status: int
    bundle: Path | None
    verdict: str = "NO-GO"
    blockers: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def status(self) -> int:
        """The member's exit status, fail closed: only a GO bundle with exit 0 is 0; anything
        but 0/1 (or a bundle that says otherwise than its exit) is a run problem."""
        if self.exit_status == EXIT_GO and self.verdict == "GO":
            return EXIT_GO
        if self.exit_status == EXIT_NO_GO and self.verdict == "NO-GO":
            return EXIT_NO_GO
        return EXIT_RUN_PROBLEM


def read_member(env: str, exit_status: int, bundle: Path | None) -> Member:
    """What ``bundle``'s evidence.json says about ``env``: verdict, failed requirements, run
    problems. A missing or unreadable bundle is a run problem, never a GO."""
    member = Member(env, exit_status, bundle)
    if bundle is None:
        member.problems.append("the run wrote no bundle")
        return member
    try:
        evidence = json.loads((bundle / "evidence.json").read_text(encoding="utf-8"))
        member.verdict = "GO" if evidence["verdict"] == "GO" else "NO-GO"
        for requirement in evidence["requirements"]:
            if requirement.get("status") in ("failed", "error"):
                reason = str(requirement.get("reason") or requirement.get("status"))
                member.blockers.append(f"{requirement['id']}: {reason.splitlines()[0]}")
        member.problems.extend(str(p) for p in evidence.get("run_problems", []))
        if not env:  # the configuration named none: the run judged what it could ("unknown")
            member.env = str(evidence.get("environment") or "unknown")
        elif evidence.get("environment") != env:
            member.problems.append(
                f"the bundle judged {evidence.get('environment')!r}, not {env!r}"
            )
            member.verdict = "NO-GO"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        member.verdict = "NO-GO"
        member.problems.append(f"the bundle's evidence.json cannot be read: {exc}")
    return member


def fleet_status(members: list[Member]) -> int:
    """0 only if every member is GO; else the worst: a run problem (3) before a NO-GO (1)."""
    statuses = {m.status for m in members}
    if not members or EXIT_RUN_PROBLEM in statuses:
        return EXIT_RUN_PROBLEM
    return EXIT_NO_GO if EXIT_NO_GO in statuses else EXIT_GO


@dataclass
class Fleet:
    phase: str
    pattern: str
    deployment: str
    as_of: str | None
    started: datetime
    evidence_root: Path
    not_judged: list[str] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)

    @property
    def status(self) -> int:
        return fleet_status(self.members)

    def summary_lines(self) -> list[str]:
        go = sum(1 for m in self.members if m.status == EXIT_GO)
        lines = [
            "",
            f"live-gate fleet: phase {self.phase}, --env {self.pattern}, {len(self.members)} "
            f"environment(s), {go} GO, {len(self.members) - go} NO-GO",
        ]
        width = max((len(m.env) for m in self.members), default=0)
        for m in self.members:
            label = "GO" if m.status == EXIT_GO else "NO-GO"
            why = "run problem, " if m.status == EXIT_RUN_PROBLEM else ""
            blocked = f"{len(m.blockers)} requirement(s) not met" if m.blockers else ""
            detail = f"{why}{blocked}".strip(", ")
            lines.append(
                f"  {m.env:<{width}}  {label:<5}  exit {m.exit_status}"
                + (f"  {detail}" if detail else "")
                + f"  {m.bundle or '(no bundle)'}"
            )
            for blocker in m.blockers:
                lines.append(f"      {blocker}")
            for problem in m.problems:
                lines.append(f"      run problem: {problem}")
        if self.not_judged:
            lines.append(
                f"  matched but not of the kind phase {self.phase} judges, not judged: "
                f"{', '.join(self.not_judged)}"
            )
        verdict = "GO" if self.status == EXIT_GO else "NO-GO"
        lines.append(f"live-gate fleet verdict: {verdict} (exit {self.status})")
        return lines

    def page_name(self) -> str:
        return f"fleet-{self.phase}-{bundle_stamp(self.started)}.html"

    def html(self) -> str:
        rows = []
        for m in self.members:
            label = "GO" if m.status == EXIT_GO else "NO-GO"
            href = (
                os.path.relpath(m.bundle / "report.html", self.evidence_root)
                if m.bundle is not None
                else ""
            )
            items = [escape(b) for b in m.blockers] + [
                f"run problem: {escape(p)}" for p in m.problems
            ]
            why = "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>" if items else "none"
            link = f'<a href="{escape(href)}">{escape(href)}</a>' if href else "no bundle"
            rows.append(
                f"<tr><td>{escape(m.env)}</td>"
                f'<td class="{label}" data-verdict="{label}">{label}</td>'
                f"<td>{m.exit_status}</td><td>{why}</td><td>{link}</td></tr>"
            )
        verdict = "GO" if self.status == EXIT_GO else "NO-GO"
        go = sum(1 for m in self.members if m.status == EXIT_GO)
        skipped = (
            f"<p>Matched but not of the kind phase {escape(self.phase)} judges, not judged: "
            f"{escape(', '.join(self.not_judged))}.</p>"
            if self.not_judged
            else ""
        )
        return (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>live-gate fleet {escape(self.phase)}: {verdict}</title>"
            f"<style>{INDEX_CSS}</style></head><body>"
            f'<h1>Fleet verdict: <span class="{verdict}" data-fleet-verdict="{verdict}">'
            f"{verdict}</span></h1>"
            f"<p>{len(self.members)} environment(s) judged for phase {escape(self.phase)} "
            f"(<code>--env {escape(self.pattern)}</code>): {go} GO, "
            f"{len(self.members) - go} NO-GO. The fleet is GO only if every environment is.</p>"
            f"<p>Deployment: {escape(self.deployment)}; as of "
            f"{escape(self.as_of or iso(self.started) + ' (wall clock)')}; gate "
            f"{escape(__version__)}; started {escape(iso(self.started))}.</p>{skipped}"
            "<p>This page is an index, not evidence: each environment's bundle (linked) is the "
            "signed record; check one with <code>live-gate verify BUNDLE</code>.</p>"
            "<table><thead><tr><th>Environment</th><th>Verdict</th><th>Exit</th>"
            "<th>Requirements not met, run problems</th><th>Report</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></body></html>"
        )

    def write(self) -> Path:
        """The index page, beside the bundles; never overwrites an earlier fleet's page."""
        self.evidence_root.mkdir(parents=True, exist_ok=True)
        name = self.page_name()
        for n in range(1, 100):
            target = self.evidence_root / name
            try:
                with open(target, "x", encoding="utf-8") as page:
                    page.write(self.html())
                return target
            except FileExistsError:  # two fleets in the same second
                name = self.page_name().replace(".html", f"-{n}.html")
        raise FileExistsError(f"{self.evidence_root / self.page_name()} and its variants exist")


def run_fleet(
    fleet: Fleet,
    envs: list[str],
    judge: Callable[[str], tuple[int, Path | None]],
    *,
    workers: int = 0,
    timeout: float = 1800.0,
    replay: Callable[[bytes, bytes], None] | None = None,
    shareable: tuple[str, ...] = (),
) -> int:
    """Judge every environment with ``judge(env) -> (exit status, bundle)``: in this process one
    after the other (``workers`` 0), or each in a child forked from this process, ``workers`` at
    a time (:func:`judge_forked`, its output handed to ``replay``, the ``shareable`` modules
    imported here once a run needed them). A usage error on the first
    environment (the same for all: nothing about one environment) ends the fleet with 2. Any
    later stop (an interruption, a usage error that appeared since) is a run problem for that
    environment and leaves those not started not judged."""

    def stop(code: int, bundle: Path | None) -> bool:
        return code == EXIT_USAGE  # pytest's INTERRUPTED, or a usage error: the fleet stops

    judgements: Generator[tuple[str, Judgement | None], None, None]
    if workers:
        judgements = judge_forked(
            envs,
            judge,
            workers=workers,
            timeout=timeout,
            replay=replay or (lambda out, err: None),
            stop=stop,
            shareable=shareable,
        )
    else:
        judgements = _in_turn(envs, judge, stop)
    try:
        for env, judged in judgements:
            if judged is None:
                stopped = Member(env, EXIT_RUN_PROBLEM, None)
                stopped.problems.append("not judged: the fleet was interrupted")
                fleet.members.append(stopped)
                continue
            code, bundle, problem = judged
            if code == EXIT_USAGE and bundle is None and not fleet.members:
                return EXIT_USAGE
            member = read_member(env, code, bundle)
            if problem is not None:  # its process crashed or hung: say that, not "no bundle"
                member.problems = [problem]
            fleet.members.append(member)
    finally:
        judgements.close()  # a forked judgement kills the children still running
    return fleet.status


def _in_turn(
    envs: list[str],
    judge: Callable[[str], tuple[int, Path | None]],
    stop: Callable[[int, Path | None], bool],
) -> Generator[tuple[str, Judgement | None], None, None]:
    stopped = False
    for env in envs:
        if stopped:
            yield env, None
            continue
        code, bundle = judge(env)
        yield env, (code, bundle, None)
        stopped = stop(code, bundle)


# ----------------------------------------------------------------------- forked judgement

#: one environment's judgement: exit status, bundle, and why the run gave no verdict of its own
#: (its process crashed or hung), if so
Judgement = tuple[int, Path | None, str | None]


def cpus() -> int:
    """The CPUs this process may run on (its affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class _Child:
    env: str
    process: Any  # multiprocessing's ForkProcess
    results: Connection
    out: IO[bytes]
    err: IO[bytes]
    deadline: float


def _in_child(
    env: str,
    judge: Callable[[str], tuple[int, Path | None]],
    results: Connection,
    out: int,
    err: int,
    shareable: tuple[str, ...],
) -> None:
    """The child's whole life: its output into its own files (the parent replays them whole,
    so that two environments' lines never interleave), one gate run, its (exit status, bundle)
    back to the parent, with the modules of the ``shareable`` packages the run imported."""
    inherited = set(sys.modules)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # not the parent's: see below
    os.dup2(out, 1)
    os.dup2(err, 2)
    # whatever sys.stdout and sys.stderr were (another capture, when the fleet itself runs
    # under pytest), this process's own writes go to its files too
    sys.stdout = open(1, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
    try:
        code, bundle = judge(env)
    except BaseException:  # a gate session reports its own errors: this would be the gate's bug
        traceback.print_exc()
        sys.stderr.flush()
        raise SystemExit(EXIT_RUN_PROBLEM) from None
    sys.stdout.flush()
    sys.stderr.flush()
    imported = [
        name for name in sys.modules if name not in inherited and _in_packages(name, shareable)
    ]
    results.send((code, None if bundle is None else str(bundle), imported))


def _in_packages(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def judge_forked(
    envs: list[str],
    judge: Callable[[str], tuple[int, Path | None]],
    *,
    workers: int,
    timeout: float,
    replay: Callable[[bytes, bytes], None],
    stop: Callable[[int, Path | None], bool],
    shareable: tuple[str, ...] = (),
) -> Generator[tuple[str, Judgement | None], None, None]:
    """Judge each environment in a child forked from this process, at most ``workers`` at a time
    and never more than the CPUs, yielding ``(env, judgement)`` in ``envs``' order.

    Forked, a child starts with everything this process holds (imports, the parsed
    configuration) and pays only for its own session; its memory is this process's pages until
    it writes to them. A child that ends without a result (a signal, an abnormal exit) or runs
    longer than ``timeout`` seconds (then killed) is ``(EXIT_RUN_PROBLEM, None, why)``. Each
    child's stdout and stderr go to files, handed whole to ``replay`` in ``envs``' order. Once
    ``stop`` says so of a result (an interruption, a usage error), or on Ctrl-C, no further
    child starts (those running finish: a terminal's Ctrl-C reaches them too and ends their own
    sessions) and the environments never started are yielded with ``None``: not judged. Ctrl-C
    is a flag here, never an exception raised wherever this process happens to be (half-way
    through a fork, a replay); a second Ctrl-C raises, and the children still running are
    killed.

    ``shareable`` names packages whose modules only some runs import (ccxt, pyarrow and
    pyarrow.compute: only a run that reaches PRE-7 or PRE-5 does; the gate's own modules that a
    check imports on first use): once a child reports the modules of those packages it imported,
    they are imported here, so that the children forked after it have them. Imported before the
    first fork, they would cost a fleet that never needs them (a configuration whose every
    environment stops at PRE-1). Only modules are shared, never what a run put in them: the
    parent imports them afresh."""
    context = multiprocessing.get_context("fork")
    workers = max(1, min(workers, cpus()))
    queue = iter(envs)
    running: dict[int, _Child] = {}  # process sentinel -> child
    done: dict[str, Judgement | None] = {}
    outputs: dict[str, tuple[bytes, bytes]] = {}
    stopped = False
    interruptions: list[int] = []

    def interrupted(signum: int, frame: Any) -> None:
        interruptions.append(signum)
        if len(interruptions) > 1:
            raise KeyboardInterrupt

    try:
        previous: Any = signal.signal(signal.SIGINT, interrupted)
    except ValueError:  # not the main thread: Ctrl-C is someone else's to handle
        previous = None
    wanted: set[str] = set()  # shareable modules a child imported, imported here before a fork

    def start(env: str) -> None:
        if wanted - set(sys.modules):
            for name in sorted(wanted - set(sys.modules)):
                with contextlib.suppress(Exception):  # the run that needs it says so
                    importlib.import_module(name)
            gc.freeze()  # the new modules' objects too (see live_gate.cli._warm)
        # closed by finish() (or the finally below), when the child's output is replayed
        out = tempfile.TemporaryFile()  # noqa: SIM115
        err = tempfile.TemporaryFile()  # noqa: SIM115
        receive, send = context.Pipe(duplex=False)
        process = context.Process(
            target=_in_child,
            args=(env, judge, send, out.fileno(), err.fileno(), shareable),
            name=f"live-gate {env}",
        )
        process.start()
        send.close()  # only the child holds the sending end now
        running[process.sentinel] = _Child(
            env, process, receive, out, err, time.monotonic() + timeout
        )

    def finish(child: _Child, hung: bool) -> Judgement:
        if hung:
            child.process.kill()
        child.process.join()
        received: Any = None
        try:
            if not hung and child.results.poll():
                received = child.results.recv()
        except (EOFError, OSError):
            received = None
        child.results.close()
        outputs[child.env] = (_drained(child.out), _drained(child.err))
        if hung:
            return (
                EXIT_RUN_PROBLEM,
                None,
                f"no verdict within {timeout:g} s: the run was stopped as hung",
            )
        if isinstance(received, tuple) and len(received) == 3:
            code, bundle, imported = received
            wanted.update(name for name in imported if _in_packages(str(name), shareable))
            return int(code), None if bundle is None else Path(bundle), None
        status = child.process.exitcode
        how = (
            f"killed by signal {signal.Signals(-status).name}"
            if isinstance(status, int) and status < 0
            else f"exit status {status}"
        )
        return EXIT_RUN_PROBLEM, None, f"the run's process ended without a verdict ({how})"

    try:
        for env in envs:
            while env not in done:
                stopped = stopped or bool(interruptions)
                while not stopped and len(running) < workers:
                    following = next(queue, None)
                    if following is None:
                        break
                    start(following)
                if not running:  # stopped before this environment started
                    done[env] = None
                    outputs[env] = (b"", b"")
                    break
                soonest = min(child.deadline for child in running.values())
                ready = wait(list(running), timeout=min(60.0, max(0.0, soonest - time.monotonic())))
                now = time.monotonic()
                for sentinel, child in list(running.items()):
                    if sentinel in ready or child.deadline <= now:
                        del running[sentinel]
                        done[child.env] = judged = finish(child, hung=sentinel not in ready)
                        if stop(judged[0], judged[1]):
                            stopped = True
            replay(*outputs.pop(env))
            yield env, done.pop(env)
    finally:  # the caller stopped early, or this process is going down: no orphan runs
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        for child in running.values():
            child.process.kill()
            child.process.join()
            child.results.close()
            child.out.close()
            child.err.close()


def _drained(stream: IO[bytes]) -> bytes:
    stream.seek(0)
    data = stream.read()
    stream.close()
    return data
