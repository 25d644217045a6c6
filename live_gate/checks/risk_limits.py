"""PRE-2 risk limits: the risk profiles the bot will really trade with in the environment (a
bound entrypoint's own ``risk_profile`` wins over the environment's, bootstrap.py:1105, 2656)
exist and the four runbook limits the bot will really enforce are present, numeric, positive,
mutually consistent and within the policy's caps. A profile named ``conservative``,
``balanced`` or ``aggressive`` is the bot's built-in class: its hard-coded limits are judged, and
a configured value it ignores is a warning (risk/profiles/loader.py:57-61).

A limit must be a finite YAML number (:func:`live_gate.kit.values.finite_number`): ``.nan``
passes every comparison the bot makes and ``.inf`` disables the limit, and a quoted ``"0.02"`` is a
string; each is ``limit.not_numeric`` naming the field (stricter than the bot's ``float()`` on
purpose for the string).
"""

from __future__ import annotations

from typing import Any

from live_gate.checks import Findings
from live_gate.kit.values import finite_number
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment
from live_gate.resources.risk_profiles import (
    BUILTIN_LIMITS,
    BUILTIN_SOURCE,
    TradingProfile,
    builtin_name,
    trading_profiles,
)

REQUIREMENT = "PRE-2"
FRACTION_LIMITS = ("max_daily_loss_pct", "hard_drawdown_pct", "max_position_pct")
LIMITS = (*FRACTION_LIMITS, "max_open_positions")


def check_risk_limits(environment: Environment, policy: Policy) -> Findings:
    deployment = environment.deployment
    out = Findings(REQUIREMENT, deployment.config_file)
    name = environment.risk_profile_name
    if name is None:
        out.block(
            "profile.unset",
            f"environment {environment.name} names no risk profile",
            line=environment.line(),
            field=f"environments.{environment.name}.risk_profile",
            expected="the name of a risk profile",
            found="absent",
        )
        return out
    # what the bot trades with: a bound entrypoint's own risk_profile wins (bootstrap.py:1105),
    # and the environment's is what any other bootstrap of it uses (bootstrap.py:2656)
    for profile in trading_profiles(environment, include_environment=True):
        _judge_profile(out, environment, profile, policy)
    return out


def _judge_profile(
    out: Findings, environment: Environment, trading: TradingProfile, policy: Policy
) -> None:
    deployment = environment.deployment
    name = trading.name
    via = "" if trading.source.startswith("environments.") else f" (named by {trading.source})"
    profile = deployment.section("risk_profiles").get(name)
    if not isinstance(profile, dict):
        defined = ", ".join(sorted(deployment.section("risk_profiles"))) or "none"
        out.block(
            "profile.undefined",
            f"risk profile {name!r}{via} is not defined",
            line=trading.line,
            field=trading.source,
            expected=f"one of the defined profiles ({defined})",
            found=name,
        )
        return
    builtin = builtin_name(name)
    if builtin is not None:
        _judge_builtin(out, environment, name, builtin, profile, via, policy)
        return

    def line(key: str) -> int | None:
        return deployment.line("risk_profiles", name, key)

    values: dict[str, float] = {}
    caps = policy.risk_caps
    for key in LIMITS:
        field = f"risk_profiles.{name}.{key}"
        if key not in profile:
            out.block(
                "limit.missing",
                f"risk profile {name!r}{via} does not set {key}",
                line=deployment.line("risk_profiles", name),
                field=field,
                expected="a positive number",
                found="absent",
            )
            continue
        raw: Any = profile[key]
        value = finite_number(raw)
        if value is None:
            out.not_a_number(
                "limit.not_numeric",
                f"risk profile {name!r}: {key}",
                raw,
                "a positive finite number (e.g. 0.02)",
                line=line(key),
                field=field,
            )
            continue
        if value <= 0:
            out.block(
                "limit.not_positive",
                f"risk profile {name!r}: {key} is {value:g}, which disables the limit",
                line=line(key),
                field=field,
                expected="> 0",
                found=raw,
            )
            continue
        values[key] = value
        cap = getattr(caps, key)
        if finite_number(cap) is None or value > cap:  # a NaN cap of the gate config holds nothing
            out.block(
                "limit.above_cap",
                f"risk profile {name!r}{via}: {key} = {value:g} exceeds the policy cap {cap}",
                line=line(key),
                field=field,
                expected=f"<= {cap} (gate policy risk_caps)",
                found=raw,
            )
    if "max_open_positions" in values and not float(values["max_open_positions"]).is_integer():
        out.block(
            "limit.not_integer",
            f"risk profile {name!r}: max_open_positions must be a whole number",
            line=line("max_open_positions"),
            field=f"risk_profiles.{name}.max_open_positions",
            expected="an integer",
            found=profile["max_open_positions"],
        )
    for key in FRACTION_LIMITS:
        if key in values and values[key] >= 1:
            out.block(
                "limit.not_fraction",
                f"risk profile {name!r}: {key} = {values[key]:g} is not a fraction of "
                "equity (the bot reads 0.05 as 5%)",
                line=line(key),
                field=f"risk_profiles.{name}.{key}",
                expected="a fraction below 1",
                found=profile[key],
            )
    daily, drawdown = values.get("max_daily_loss_pct"), values.get("hard_drawdown_pct")
    if daily is not None and drawdown is not None and daily > drawdown:
        out.block(
            "limits.inconsistent",
            f"risk profile {name!r}: the daily loss limit ({daily:g}) is larger than the "
            f"hard drawdown limit ({drawdown:g}), so the daily limit can never trigger first",
            line=line("max_daily_loss_pct"),
            field=f"risk_profiles.{name}",
            expected="max_daily_loss_pct <= hard_drawdown_pct",
            found=f"max_daily_loss_pct={daily:g}, hard_drawdown_pct={drawdown:g}",
        )


def _judge_builtin(
    out: Findings,
    environment: Environment,
    name: str,
    builtin: str,
    profile: dict[str, Any],
    via: str,
    policy: Policy,
) -> None:
    """A profile named like a built-in class: the bot enforces the class's limits and ignores
    every configured value (risk/profiles/loader.py:57-61), so those limits are judged."""
    deployment = environment.deployment
    source = BUILTIN_SOURCE.format(name=builtin)
    out.fact(
        f"risk profile {name}",
        f"the bot's built-in {builtin} class: it enforces {source}, not core.yaml's values",
    )
    for key, enforced in BUILTIN_LIMITS[builtin].items():
        line = deployment.line("risk_profiles", name, key)
        field = f"risk_profiles.{name}.{key}"
        configured = finite_number(profile.get(key))
        if configured is not None and configured != enforced:
            out.warn(
                "profile.builtin_ignores_config",
                f"risk profile {name!r}{via}: the bot ignores the configured {key} "
                f"{configured:g} and enforces its built-in {enforced:g}",
                line=line,
                field=field,
                expected=f"{enforced:g} ({source})",
                found=profile.get(key),
            )
        cap = getattr(policy.risk_caps, key)
        if finite_number(cap) is None or enforced > cap:
            out.block(
                "limit.above_cap",
                f"risk profile {name!r}{via} is the bot's built-in {builtin} class, which "
                f"enforces {key} = {enforced:g} whatever core.yaml says: above the policy cap "
                f"{cap}; give the profile a name of its own so that the bot builds it from the "
                "configured values (ManualProfile)",
                line=line or deployment.line("risk_profiles", name),
                field=field,
                expected=f"<= {cap} (gate policy risk_caps)",
                found=f"{enforced:g} (enforced by {source})",
            )
