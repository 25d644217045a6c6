"""ESC-3 adapter failure (runbook §3): no exchange adapter of the environment needs a reconnect.

``failover_status()`` is an adapter method (``BinanceSpotAdapter``, ``ZondaSpotAdapter``;
FORMATS.md §6.2). The bot does not persist it, so the gate reads a snapshot the operator's
tooling records at ``<data_cache_path>/adapters/failover_status.json``:
``{"generated_at": ISO, "adapters": {<adapter>: <failover_status()>}}``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from live_gate.checks import Findings, data_path
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment, UnreadableInput
from live_gate.timeutil import InvalidInstant, iso, parse_instant

SNAPSHOT = "adapters/failover_status.json"
ADVICE = "degrade trading to paper/testnet and follow docs/runbooks/STAGE6_RESILIENCE_CHECKLIST.md"


def check_adapters(environment: Environment, policy: Policy, as_of: datetime) -> Findings:
    out = Findings("ESC-3", None)
    snapshot = data_path(environment, SNAPSHOT, out)
    if snapshot is None:
        return out
    if not snapshot.path.is_file():
        out.block(
            "adapter.status_missing",
            "no adapter failover status was recorded: a pending reconnect cannot be ruled out",
            file=snapshot.relative,
            expected="the adapters' failover_status() snapshot",
            found="no such file",
        )
        return out
    out.read(snapshot.relative)
    try:
        data = json.loads(snapshot.path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UnreadableInput(f"cannot read: {exc.strerror}", snapshot.relative) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        out.block(
            "adapter.status_malformed",
            f"the failover status is not JSON ({exc})",
            file=snapshot.relative,
            expected="a JSON object",
            found="malformed",
        )
        return out
    adapters = data.get("adapters") if isinstance(data, dict) else None
    if not isinstance(adapters, dict) or not adapters:
        out.block(
            "adapter.status_malformed",
            "the failover status names no adapter",
            file=snapshot.relative,
            field="adapters",
            expected="{adapter: failover_status()}",
            found="none",
        )
        return out
    try:
        when = parse_instant(str(data.get("generated_at")))
    except InvalidInstant:
        out.block(
            "adapter.status_undated",
            "the failover status has no readable generated_at",
            file=snapshot.relative,
            field="generated_at",
            expected="an ISO-8601 time",
            found=data.get("generated_at"),
        )
    else:
        age = as_of - when
        if age > timedelta(minutes=policy.adapter_status_max_age_minutes):
            out.block(
                "adapter.status_stale",
                f"the failover status is {age / timedelta(minutes=1):.0f} minutes old",
                file=snapshot.relative,
                field="generated_at",
                expected=f"within {policy.adapter_status_max_age_minutes:g} minutes of "
                f"{iso(as_of)}",
                found=iso(when),
            )
    for name, status in adapters.items():
        if not isinstance(status, dict):
            continue
        remaining = status.get("reconnect_remaining") or 0
        required = status.get("reconnect_required") is True or (
            isinstance(remaining, int | float) and remaining > 0
        )
        out.fact(str(name), "reconnect required" if required else "connected")
        if required:
            reason = status.get("reconnect_reason") or "no reason given"
            out.block(
                "adapter.reconnect_required",
                f"adapter {name} requires a reconnect ({reason}): {ADVICE}",
                file=snapshot.relative,
                field=f"adapters.{name}.reconnect_required",
                expected="false",
                found=f"{status.get('reconnect_required')} (remaining {remaining} s)",
            )
    return out
