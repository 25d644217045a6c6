"""Checks: plain functions ``(resources, policy, as_of) -> list[Finding]``.

A check never raises for a defect of the deployment: it returns blocker findings that say which
file, line and field, what was expected and what was found. It raises
:class:`~live_gate.resources.deployment.UnreadableInput` only where it cannot read what it must
judge, which the gate reports as an error (NO-GO) with the same precision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from live_gate.errors import UnreadableInput
from live_gate.findings import Findings
from live_gate.kit.files import DeploymentFiles, InputRefused
from live_gate.paths import ConfinedPath, PathEscapesDeployment
from live_gate.resources.deployment import Environment

__all__ = ["Document", "Findings", "data_file", "data_path", "read_document"]


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


def data_file(environment: Environment, relative: str, out: Findings) -> ConfinedPath | None:
    """A file or folder the gate knows by name under ``data_cache_path``. A ``data_cache_path``
    that leaves the deployment is the configuration's finding (:func:`data_path`); a link on the
    way to ``relative`` that leaves is refused, naming that file. ``None`` when either happened."""
    cache = data_path(environment, ".", out)
    if cache is None:
        return None
    try:
        return environment.deployment.files.at(f"{cache.relative}/{relative}")
    except InputRefused as exc:
        out.refused(exc)
        return None


@dataclass(frozen=True)
class Document:
    relative: str
    data: Any


def read_document(
    files: DeploymentFiles,
    confined: ConfinedPath,
    out: Findings,
    *,
    malformed_rule: str,
    what: str,
    expected: str,
) -> Document | None:
    """A JSON document read through the kit, recorded as evidence. ``None`` after a finding: an
    input the kit refuses (outside the deployment, not a regular file, over a cap) is
    ``input.refused``; text the bot's JSON reader would not accept (not JSON, a byte order mark,
    not UTF-8, too deep) is ``malformed_rule``, naming the file and line."""
    try:
        data = files.json(confined)
    except InputRefused as exc:
        out.refused(exc)
        return None
    except UnreadableInput as exc:
        out.read(confined.relative)
        out.block(
            malformed_rule,
            f"{what} cannot be read as the bot reads it: {exc.message}",
            file=exc.file or confined.relative,
            line=exc.line,
            expected=expected,
            found=exc.message,
        )
        return None
    out.read(confined.relative)
    return Document(confined.relative, data)
