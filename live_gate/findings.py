"""Findings: what a check found, phrased so that an operator knows what to do.

A check is a plain function returning a list of findings. A finding with severity ``blocker`` makes
its requirement fail; a ``warning`` is shown in the report and the evidence but does not block.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


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
