"""Checks: plain functions ``(resources, policy, as_of) -> list[Finding]``.

A check never raises for a defect of the deployment: it returns blocker findings that say which
file, line and field, what was expected and what was found. It raises
:class:`~live_gate.resources.deployment.UnreadableInput` only where it cannot read what it must
judge, which the gate reports as an error (NO-GO) with the same precision.
"""

from __future__ import annotations

from live_gate.findings import Findings
from live_gate.paths import ConfinedPath, PathEscapesDeployment
from live_gate.resources.deployment import Environment

__all__ = ["Findings", "data_path"]


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
