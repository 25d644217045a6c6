"""Outcomes by requirement and the verdict, fail closed.

Pure data and functions, so the verdict rules are unit-tested without running pytest:
GO only when the run had no run-level problem, at least one requirement was checked, and every
checked requirement is ``passed``, ``waived`` or ``not_applicable``.
"""

from __future__ import annotations

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
    nodeid: str
    requirements: tuple[str, ...]
    phases: tuple[str, ...]
    feature: str = ""
    name: str = ""
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
    requirement_id: str, catalogue: Catalogue, scenarios: list[ScenarioRecord]
) -> RequirementOutcome:
    requirement = catalogue.get(requirement_id)
    statuses = [s.effective_status() for s in scenarios]
    status = Status.NOT_APPLICABLE
    for candidate in _SEVERITY_ORDER:
        if candidate in statuses:
            status = candidate
            break
    if status is Status.NOT_APPLICABLE:
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
