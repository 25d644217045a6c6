"""PRE-2 risk limits: the environment's risk profile exists and its four runbook limits are
present, numeric, positive, mutually consistent and within the policy's caps.

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
    profile = environment.risk_profile
    if profile is None:
        defined = ", ".join(sorted(deployment.section("risk_profiles"))) or "none"
        out.block(
            "profile.undefined",
            f"risk profile {name!r} is not defined",
            line=environment.line("risk_profile"),
            field=f"environments.{environment.name}.risk_profile",
            expected=f"one of the defined profiles ({defined})",
            found=name,
        )
        return out

    def line(key: str) -> int | None:
        return deployment.line("risk_profiles", name, key)

    values: dict[str, float] = {}
    caps = policy.risk_caps
    for key in LIMITS:
        field = f"risk_profiles.{name}.{key}"
        if key not in profile:
            out.block(
                "limit.missing",
                f"risk profile {name!r} does not set {key}",
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
                f"risk profile {name!r}: {key} = {value:g} exceeds the policy cap {cap}",
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
    return out
