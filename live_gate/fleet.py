"""The fleet: ``live-gate run --env all`` (or a glob, ``--env '*_live'``) judges every environment
of the phase's kind in one process, one ordinary gate run (and one bundle) per environment, then
summarises them in the terminal and in ``<evidence-dir>/fleet-<phase>-<stamp>.html``.

Each environment's bundle stays the evidence: the summary is read back from each bundle's
``evidence.json`` (what compliance archives), never from the runs' memory, so the page cannot say
more than the bundles do. Exit 0 only if every environment is GO; else the worst status, a run
problem (3) before a NO-GO (1). A pattern that matches no environment of the phase's kind is a
usage error (2) that lists the candidates.
"""

from __future__ import annotations

import fnmatch
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path

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
    fleet: Fleet, envs: list[str], judge: Callable[[str], tuple[int, Path | None]]
) -> int:
    """Judge every environment with ``judge(env) -> (exit status, bundle)``; a usage error on
    the first (the same for all: nothing about one environment) ends the fleet with 2. Any later
    stop (an interruption, a usage error that appeared since) is a run problem for that
    environment and leaves the rest not judged."""
    for env in envs:
        code, bundle = judge(env)
        if code == EXIT_USAGE and bundle is None and not fleet.members:
            return EXIT_USAGE
        fleet.members.append(read_member(env, code, bundle))
        if code == EXIT_USAGE:  # pytest's INTERRUPTED, or a usage error: the fleet stops
            for rest in envs[len(fleet.members) :]:
                stopped = Member(rest, EXIT_RUN_PROBLEM, None)
                stopped.problems.append("not judged: the fleet was interrupted")
                fleet.members.append(stopped)
            break
    return fleet.status
