"""Usage errors: a gate run asked for something that cannot be judged at all.

A misspelt ``--env``, a ``--deployment`` that is not a folder, a malformed ``--as-of`` or an
invalid policy say nothing about the deployment: running the gate anyway produced a NO-GO bundle
with the same message on every scenario (and the runbook's emergency text), indistinguishable
from a real NO-GO. They are decided here, before any scenario runs, and end the session with one
message and exit status 2 (``EXIT_USAGE``): no gate run, no bundle.

Read-only, like the gate: the deployment's configuration is read through the kit
(``Deployment``) only to list its environments. A configuration that cannot be read is not a
usage error: it is the deployment's fault, judged NO-GO by the run itself.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from live_gate.errors import UnreadableInput
from live_gate.policy import Policy, PolicyError, load_policy
from live_gate.reference import REFERENCE_LIVE_ENV, REFERENCE_PAPER_ENV
from live_gate.timeutil import InvalidInstant, parse_instant

#: exit statuses of a gate run (README "Exit statuses"), in the spirit of InSpec's
EXIT_GO = 0
EXIT_NO_GO = 1  # the deployment does not meet the runbook
EXIT_USAGE = 2  # the run was asked for something it cannot judge: nothing ran
EXIT_RUN_PROBLEM = 3  # the run itself cannot be trusted: partial run, gate or collection error

PHASE_KINDS = {
    "live_gate": ("live",),
    "live_close": ("live",),
    "paper_nightly": ("paper", "testnet"),
}
AS_OF_EXAMPLE = "--as-of 2026-11-20T12:00:00Z (UTC; or with an offset, 2026-11-20T13:00:00+01:00)"
REFERENCE_KINDS = {REFERENCE_LIVE_ENV: "live", REFERENCE_PAPER_ENV: "paper"}


class GateUsageError(Exception):
    """One sentence saying what was asked that cannot be judged, and what to give instead."""


def check_as_of(value: str | None) -> None:
    if value is None:
        return
    try:
        parse_instant(value)
    except InvalidInstant as exc:
        raise GateUsageError(
            f"--as-of {value!r} is not an ISO-8601 instant ({exc}); give one such as "
            f"{AS_OF_EXAMPLE}"
        ) from exc


def check_policy(path: str | None) -> Policy:
    if not path:
        return Policy()
    try:
        return load_policy(Path(path))
    except PolicyError as exc:
        raise GateUsageError(f"--gate-config: {exc}") from exc


def check_deployment(supplied: str | None) -> Path | None:
    if not supplied:
        return None
    root = Path(os.path.abspath(supplied))
    if root.is_dir():
        return root
    if root.exists() or root.is_symlink():
        what = "a file" if root.is_file() else "not a folder"
        raise GateUsageError(
            f"--deployment {supplied} is {what}: give the bot's working directory, the "
            "folder that holds config/core.yaml"
        )
    raise GateUsageError(
        f"--deployment {supplied}: no such folder ({root}); give the bot's working directory, "
        "the folder that holds config/core.yaml"
    )


def environments(root: Path | None, policy: Policy) -> dict[str, str] | None:
    """Environment name -> declared kind; None when the configuration cannot be read (the run
    judges that as the deployment's NO-GO)."""
    if root is None:
        return dict(REFERENCE_KINDS)
    from live_gate.resources.deployment import Deployment

    try:
        deployment = Deployment(root, policy.input_limits)
    except (UnreadableInput, OSError):
        return None
    kinds: dict[str, str] = {}
    for name in deployment.environment_names():
        raw = deployment.section("environments").get(name)
        kinds[name] = str(raw.get("environment", "") if isinstance(raw, dict) else "").lower()
    return kinds


def check_environment(root: Path | None, env: str | None, phase: str, policy: Policy) -> None:
    kinds = environments(root, policy)
    if kinds is None:
        return
    wanted = PHASE_KINDS[phase]
    fitting = sorted(name for name, kind in kinds.items() if kind in wanted)
    listed = f"{', '.join(fitting) or 'none'}"
    where = "the reference deployment" if root is None else f"{root}/config/core.yaml"
    if env is None:
        if len(fitting) == 1:
            return
        raise GateUsageError(
            f"choose the environment to judge with --env: phase {phase} judges "
            f"{'/'.join(wanted)} environments, and {where} defines "
            f"{'several' if fitting else 'none'} (candidates: {listed})"
        )
    if env not in kinds and (env == "all" or any(c in env for c in "*?[")):
        raise GateUsageError(
            f"--env {env} asks for several environments: one pytest session judges one; run "
            f"the fleet with live-gate run --env {env!r} (every matching {'/'.join(wanted)} "
            f"environment, one bundle each; candidates: {listed})"
        )
    if env not in kinds:
        close = difflib.get_close_matches(env, list(kinds), n=3)
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        raise GateUsageError(
            f"--env {env}: no such environment in {where}; {hint}{phase} candidates: {listed}"
        )
    if kinds[env] not in wanted:
        raise GateUsageError(
            f"--env {env} is a {kinds[env] or 'undeclared'} environment, but phase {phase} "
            f"judges {'/'.join(wanted)} environments (candidates: {listed})"
        )
