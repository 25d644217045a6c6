"""Findings: what a check found, phrased so that an operator knows what to do.

A check is a plain function returning a list of findings. A finding with severity ``blocker`` makes
its requirement fail; a ``warning`` is shown in the report and the evidence but does not block.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from live_gate.errors import UnreadableInput
from live_gate.paths import PathEscapesDeployment


class Severity(StrEnum):
    BLOCKER = "blocker"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    requirement: str
    rule: str
    message: str
    severity: Severity = Severity.BLOCKER
    file: str | None = None
    line: int | None = None
    field: str | None = None
    expected: str | None = None
    found: str | None = None

    @property
    def blocking(self) -> bool:
        return self.severity is Severity.BLOCKER

    def location(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    def explain(self) -> str:
        """One paragraph: where, what, expected, found."""
        parts = [f"[{self.requirement}] {self.message}"]
        if self.location():
            parts.append(f"  where: {self.location()}" + (f" ({self.field})" if self.field else ""))
        elif self.field:
            parts.append(f"  field: {self.field}")
        if self.expected is not None:
            parts.append(f"  expected: {self.expected}")
        if self.found is not None:
            parts.append(f"  found: {self.found}")
        return "\n".join(parts)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return {k: v for k, v in data.items() if v is not None}


class Findings(list[Finding]):
    """Findings of one requirement, with the file they are about by default, and small helpers
    for the findings every check needs (so that their wording and rules never drift)."""

    def __init__(self, requirement: str, file: str | None = None) -> None:
        super().__init__()
        self.requirement = requirement
        self.file = file
        # files the check read, relative to the deployment root: they become the evidence's
        # artifacts, with their SHA-256
        self.artifacts: list[str] = []
        # key figures a reader wants without opening the artifact (label, value)
        self.facts: list[tuple[str, str]] = []

    # ------------------------------------------------------------------ recording

    def blocking_count(self) -> int:
        return sum(1 for f in self if f.blocking)

    def fact(self, label: str, value: str) -> None:
        self.facts.append((label, value))

    def read(self, relative: str) -> None:
        if relative not in self.artifacts:
            self.artifacts.append(relative)

    def block(self, rule: str, message: str, **where: Any) -> None:
        self._add(Severity.BLOCKER, rule, message, where)

    def warn(self, rule: str, message: str, **where: Any) -> None:
        self._add(Severity.WARNING, rule, message, where)

    # ------------------------------------------------------------------ recurring findings

    def escaped(self, error: PathEscapesDeployment, *, field: str, **where: Any) -> None:
        """The one finding for a configured path that leaves the deployment: it is never read."""
        self.block(
            "path.escapes_deployment",
            f"{field}: {error.configured!r} {error.reason}; it was not read",
            field=field,
            expected="a relative path inside the deployment",
            found=error.configured,
            **where,
        )

    def refused(self, error: UnreadableInput) -> None:
        """An input the kit refused to read (outside the deployment, not a regular file, over a
        cap) or could not parse: a blocker naming the file and line."""
        self.block(
            "input.refused",
            f"{error.file or 'an input'} {error.message}",
            file=error.file,
            line=error.line,
            expected="a regular file inside the deployment, within the policy's input limits, "
            "in the bot's format",
            found=error.message,
        )

    def missing(self, rule: str, message: str, expected: str, **where: Any) -> None:
        """A file or value the requirement needs is absent."""
        self.block(rule, message, expected=expected, found=where.pop("found", "absent"), **where)

    def not_a_number(self, rule: str, what: str, value: Any, expected: str, **where: Any) -> None:
        from live_gate.kit.values import describe_non_number

        self.block(
            rule,
            f"{what} is not a finite number",
            expected=expected,
            found=describe_non_number(value),
            **where,
        )

    def instant(
        self,
        rule_prefix: str,
        what: str,
        value: Any,
        *,
        as_of: datetime,
        skew: timedelta,
        max_age: timedelta | None = None,
        required: bool = True,
        **where: Any,
    ) -> datetime | None:
        """Judge an instant with both bounds; blockers ``<prefix>.missing``, ``.invalid``,
        ``.in_future``, ``.stale``. Returns the instant when it is usable."""
        from live_gate.kit.values import judge_instant

        parsed, problem = judge_instant(value, as_of=as_of, skew=skew, max_age=max_age)
        if problem is None:
            return parsed
        if problem.kind == "missing" and not required:
            return None
        messages = {
            "missing": f"{what} has no timestamp",
            "invalid": f"{what} has an unreadable timestamp",
            "in_future": f"{what} is dated after the evaluation instant",
            "stale": f"{what} is too old",
        }
        self.block(
            f"{rule_prefix}.{problem.kind}",
            messages[problem.kind],
            expected=problem.expected,
            found=problem.found,
            **where,
        )
        return None

    def _add(self, severity: Severity, rule: str, message: str, where: dict[str, Any]) -> None:
        file = where.pop("file", self.file)
        self.append(
            Finding(
                requirement=self.requirement,
                rule=rule,
                message=message,
                severity=severity,
                file=file,
                line=where.pop("line", None),
                field=where.pop("field", None),
                expected=_text(where.pop("expected", None)),
                found=_text(where.pop("found", None)),
            )
        )
        if where:
            raise TypeError(f"unknown finding attributes: {sorted(where)}")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else repr(value)
