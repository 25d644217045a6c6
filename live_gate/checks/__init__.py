"""Checks: plain functions ``(resources, policy, as_of) -> list[Finding]``.

A check never raises for a defect of the deployment: it returns blocker findings that say which
file, line and field, what was expected and what was found. It raises
:class:`~live_gate.resources.deployment.UnreadableInput` only where it cannot read what it must
judge, which the gate reports as an error (NO-GO) with the same precision.
"""

from __future__ import annotations

from typing import Any

from live_gate.findings import Finding, Severity
from live_gate.paths import ConfinedPath, PathEscapesDeployment
from live_gate.resources.deployment import Environment


class Findings(list[Finding]):
    """Findings of one requirement, with the file they are about by default."""

    def __init__(self, requirement: str, file: str | None = None) -> None:
        super().__init__()
        self.requirement = requirement
        self.file = file
        # files the check read, relative to the deployment root: they become the evidence's
        # artifacts, with their SHA-256
        self.artifacts: list[str] = []
        # key figures a reader wants without opening the artifact (label, value)
        self.facts: list[tuple[str, str]] = []

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


def data_path(environment: Environment, relative: str, out: Findings) -> ConfinedPath | None:
    """``relative`` under the environment's ``data_cache_path``; when that leaves the
    deployment, the finding that says so (with the config line) and ``None``: never read."""
    try:
        return environment.resolve_data_path(relative)
    except PathEscapesDeployment as exc:
        out.escaped(
            exc,
            file=environment.deployment.config_file,
            line=environment.line("data_cache_path"),
            field=f"environments.{environment.name}.data_cache_path",
        )
        return None
