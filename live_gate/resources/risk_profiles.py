"""Which risk profile the bot really trades with, which limits it really enforces, and where it
keeps that profile's state (upstream Dudzian/Dudzian at f59f9e73).

- The live entrypoint's own ``risk_profile`` wins over the environment's:
  ``effective_profile = risk_profile_name or entrypoint.risk_profile`` (``bootstrap.py:1105``),
  then ``selected_profile = risk_profile_name or environment.risk_profile``
  (``bootstrap.py:2656``).
- A profile *named* ``conservative``, ``balanced`` or ``aggressive`` (any case) is built from the
  bot's hard-coded class and every value of ``core.yaml`` is ignored
  (``risk/profiles/loader.py:57-61``, used by ``bootstrap.py:3029-3030``); any other name becomes
  a ``ManualProfile`` from the configured values.
- ``FileRiskRepository`` keeps the state at ``<data_cache_path>/risk_state/<name>.json``
  (``bootstrap.py:2797-2798``, ``risk/repository.py:138-140``), the name sanitised to
  ``[A-Za-z0-9_.-]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from live_gate.resources.deployment import Environment

RISK_STATE_DIR = "risk_state"

# risk/profiles/{conservative,balanced,aggressive}.py: the limits the bot enforces for these
# names, in core.yaml's vocabulary (_daily_loss_limit, _drawdown_limit, _max_position_pct,
# _max_positions).
BUILTIN_LIMITS: dict[str, dict[str, float]] = {
    "conservative": {
        "max_daily_loss_pct": 0.04,
        "hard_drawdown_pct": 0.05,
        "max_position_pct": 0.30,
        "max_open_positions": 3,
    },
    "balanced": {
        "max_daily_loss_pct": 0.04,
        "hard_drawdown_pct": 0.10,
        "max_position_pct": 0.30,
        "max_open_positions": 5,
    },
    "aggressive": {
        "max_daily_loss_pct": 0.04,
        "hard_drawdown_pct": 0.20,
        "max_position_pct": 0.30,
        "max_open_positions": 10,
    },
}
BUILTIN_SOURCE = "bot_core/risk/profiles/{name}.py (risk/profiles/loader.py:57-61)"


def builtin_name(profile: str) -> str | None:
    """The built-in class a profile name selects (the loader lower-cases the name), or None."""
    key = profile.lower()
    return key if key in BUILTIN_LIMITS else None


def state_file_name(profile: str) -> str:
    """``FileRiskRepository._path_for``: the profile object's name, sanitised. A built-in class
    carries its own lower-case name; a ManualProfile the configured one."""
    name = builtin_name(profile) or profile
    return (re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "profile") + ".json"


@dataclass(frozen=True)
class TradingProfile:
    """A profile the environment trades with, and why: ``source`` is the config field."""

    name: str
    source: str
    line: int | None


def trading_profiles(
    environment: Environment, *, include_environment: bool = False
) -> list[TradingProfile]:
    """The profiles the bot would trade with in ``environment``: each bound entrypoint's own
    ``risk_profile`` (it wins, bootstrap.py:1105), else the environment's; the environment's when
    no entrypoint is bound to it. ``include_environment`` adds the environment's own in every
    case: whatever bootstraps the environment without an entrypoint (bootstrap.py:2656) trades
    with it. In order, without repeats."""
    found: list[TradingProfile] = []
    env_profile = environment.risk_profile_name
    env_source = TradingProfile(
        env_profile or "",
        f"environments.{environment.name}.risk_profile",
        environment.line("risk_profile"),
    )
    bound = environment.bound_entrypoints()
    if (include_environment or not bound) and env_profile:
        found.append(env_source)
    for entrypoint in bound:
        if entrypoint.risk_profile:
            found.append(
                TradingProfile(
                    entrypoint.risk_profile,
                    f"runtime_entrypoints.{entrypoint.name}.risk_profile",
                    environment.deployment.line(
                        "runtime_entrypoints", entrypoint.name, "risk_profile"
                    ),
                )
            )
        elif env_profile:
            found.append(env_source)
    unique: dict[str, TradingProfile] = {}
    for item in found:
        unique.setdefault(item.name, item)
    return list(unique.values())


@dataclass(frozen=True)
class EnforcedLimit:
    value: Any
    source: str  # where the value the bot enforces comes from
    line: int | None


def enforced_limits(environment: Environment, profile: str) -> dict[str, EnforcedLimit]:
    """The four runbook limits the bot enforces for ``profile``: the built-in class's for a
    built-in name, else the configured values (absent keys are absent)."""
    deployment = environment.deployment
    builtin = builtin_name(profile)
    if builtin is not None:
        source = BUILTIN_SOURCE.format(name=builtin)
        return {
            key: EnforcedLimit(value, source, None)
            for key, value in BUILTIN_LIMITS[builtin].items()
        }
    configured = deployment.section("risk_profiles").get(profile)
    if not isinstance(configured, dict):
        return {}
    return {
        key: EnforcedLimit(
            configured[key],
            f"risk_profiles.{profile}.{key}",
            deployment.line("risk_profiles", profile, key),
        )
        for key in BUILTIN_LIMITS["conservative"]
        if key in configured
    }
