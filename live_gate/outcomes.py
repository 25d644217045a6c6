"""Outcomes by requirement and the verdict, fail closed.

Pure data and functions, so the verdict rules are unit-tested without running pytest:
GO only when the run had no run-level problem (a partial run is one: every scenario the gate's
features define for the phase must have run), at least one requirement passed, and every
requirement is ``passed``, ``waived`` or ``not_applicable``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from live_gate.catalogue import Catalogue
from live_gate.findings import Finding


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    WAIVED = "waived"
    NOT_APPLICABLE = "not_applicable"


class Verdict(StrEnum):
    GO = "GO"
    NO_GO = "NO-GO"


@dataclass
class StepRecord:
    keyword: str
    text: str
    status: str = "not run"  # passed | failed | undefined | not run


@dataclass
class ScenarioRecord:
    """One collected test of a gate run: a scenario of the gate's own features (``expected_id``
    set) or anything else pytest collected (``expected_id`` None, never part of a GO)."""

    nodeid: str
    requirements: tuple[str, ...]
    phases: tuple[str, ...]
    feature: str = ""  # the feature's name
    name: str = ""
    expected_id: str | None = None  # the gate's own scenario it is (scenarios.ExpectedScenario)
    feature_file: str = ""  # relative to the gate's features folder, or the foreign path
    duration: float = 0.0
    steps: list[StepRecord] = field(default_factory=list)
    status: Status | None = None  # None: collected but never finished
    message: str = ""
    findings: list[Finding] = field(default_factory=list)
    artifacts: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    not_applicable_reason: str | None = None

    def effective_status(self) -> Status:
        return self.status if self.status is not None else Status.ERROR

    def effective_message(self) -> str:
        if self.status is None:
            return "the scenario did not run to completion (interrupted or stopped early)"
        return self.message


@dataclass
class RequirementOutcome:
    id: str
    title: str
    owners: tuple[str, ...]
    status: Status
    reason: str
    scenarios: list[ScenarioRecord]
    waiver: dict[str, object] | None = None


_SEVERITY_ORDER = (Status.ERROR, Status.FAILED, Status.PASSED, Status.NOT_APPLICABLE)


def aggregate(
    requirement_id: str,
    catalogue: Catalogue,
    scenarios: list[ScenarioRecord],
    not_run: Sequence[str] = (),
) -> RequirementOutcome:
    """The requirement's status: its worst scenario; an error when any of the scenarios the
    gate's features define for it (``not_run``: their names) did not run."""
    requirement = catalogue.get(requirement_id)
    statuses = [s.effective_status() for s in scenarios]
    status = Status.NOT_APPLICABLE
    for candidate in _SEVERITY_ORDER:
        if candidate in statuses:
            status = candidate
            break
    if not_run:
        total = len(not_run) + len({s.expected_id for s in scenarios if s.expected_id})
        shown = "; ".join(not_run[:3]) + (" …" if len(not_run) > 3 else "")
        reason = f"{len(not_run)} of its {total} scenario(s) did not run (partial run): {shown}"
        unmet = sum(1 for s in statuses if s in (Status.ERROR, Status.FAILED))
        if unmet:
            reason += f" (and {unmet} scenario(s) that ran were not met)"
        status = Status.ERROR
    elif status is Status.NOT_APPLICABLE:
        reasons = {s.not_applicable_reason or s.message for s in scenarios}
        reason = "; ".join(sorted(r for r in reasons if r)) or "not applicable"
    elif status is Status.PASSED:
        reason = f"{len(scenarios)} scenario(s) passed"
        advisory = [f for s in scenarios for f in s.findings if not f.blocking]
        if advisory:
            reason += f", with {len(advisory)} warning(s): {advisory[0].message}"
    else:
        first = next(s for s in scenarios if s.effective_status() is status)
        first_line = first.effective_message().strip().splitlines()
        reason = first_line[0] if first_line else status.value
        others = sum(1 for s in scenarios if s.effective_status() in (Status.ERROR, Status.FAILED))
        if others > 1:
            reason += f" (and {others - 1} more scenario(s) not met)"
    return RequirementOutcome(
        id=requirement.id,
        title=requirement.title,
        owners=requirement.owners,
        status=status,
        reason=reason,
        scenarios=scenarios,
    )


def decide(outcomes: list[RequirementOutcome], run_problems: list[str]) -> Verdict:
    if run_problems:
        return Verdict.NO_GO
    if not any(o.status is Status.PASSED for o in outcomes):
        return Verdict.NO_GO
    allowed = (Status.PASSED, Status.WAIVED, Status.NOT_APPLICABLE)
    return Verdict.GO if all(o.status in allowed for o in outcomes) else Verdict.NO_GO
