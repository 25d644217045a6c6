"""ESC-3 adapter failure (runbook §3): no exchange adapter of the environment needs a reconnect.

``failover_status()`` is an adapter method (``BinanceSpotAdapter``, ``ZondaSpotAdapter``;
FORMATS.md §6.2). The bot does not persist it, so the gate reads a snapshot the operator's
tooling records at ``<data_cache_path>/adapters/failover_status.json``:
``{"generated_at": ISO, "adapters": {<adapter>: <failover_status()>}}``, read through the kit.
Every flag must be the boolean the adapter returns and every remainder a finite number of
seconds; a snapshot dated after the evaluation instant is a finding, never "fresh".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from live_gate.checks import Findings, data_file, read_document
from live_gate.kit.values import describe_flag, describe_non_number, finite_number, strict_bool
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment

SNAPSHOT = "adapters/failover_status.json"
ADVICE = "degrade trading to paper/testnet and follow docs/runbooks/STAGE6_RESILIENCE_CHECKLIST.md"
# failover_status() (FORMATS.md §6.2): the flags are booleans, the remainders seconds (floats)
FLAGS = ("reconnect_required", "throttle_active")
SECONDS = ("reconnect_remaining", "throttle_remaining")


def _status_problems(status: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(field, expected, found)`` for every value not of the type the adapter returns. A flag
    written as the string "false" is truthy to Python and NaN passes every comparison: neither
    is read as "no reconnect"."""
    problems = []
    for key in FLAGS:
        if key in status and strict_bool(status[key]) is None:
            problems.append((key, "true or false (a JSON boolean)", describe_flag(status[key])))
    if "reconnect_required" not in status:
        problems.append(("reconnect_required", "true or false (a JSON boolean)", "absent"))
    for key in SECONDS:
        value = status.get(key)
        if value is not None and (finite_number(value) is None or float(value) < 0):
            problems.append((key, "seconds, a finite number >= 0", describe_non_number(value)))
    return problems


def check_adapters(environment: Environment, policy: Policy, as_of: datetime) -> Findings:
    out = Findings("ESC-3", None)
    files = environment.deployment.files
    snapshot = data_file(environment, SNAPSHOT, out)
    if snapshot is None:
        return out
    if files.kind(snapshot) == "missing":
        out.block(
            "adapter.status_missing",
            "no adapter failover status was recorded: a pending reconnect cannot be ruled out",
            file=snapshot.relative,
            expected="the adapters' failover_status() snapshot",
            found="no such file",
        )
        return out
    document = read_document(
        files,
        snapshot,
        out,
        malformed_rule="adapter.status_malformed",
        what="the failover status",
        expected="a JSON object",
    )
    if document is None:
        return out
    data = document.data
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
    out.instant(
        "adapter.generated_at",
        "the failover status",
        data.get("generated_at"),
        as_of=as_of,
        skew=timedelta(seconds=policy.clock_skew_seconds),
        max_age=timedelta(minutes=policy.adapter_status_max_age_minutes),
        file=snapshot.relative,
        field="generated_at",
    )
    for name, status in adapters.items():
        if not isinstance(status, dict):
            out.block(
                "adapter.status_malformed",
                f"the failover status of adapter {name} is not an object",
                file=snapshot.relative,
                field=f"adapters.{name}",
                expected="failover_status(): {reconnect_required, reconnect_remaining, ...}",
                found=repr(status),
            )
            continue
        problems = _status_problems(status)
        for key, expected, found in problems:
            out.block(
                "adapter.status_field_invalid",
                f"adapter {name}: {key} is not what failover_status() returns, so a pending "
                f"reconnect cannot be ruled out: {ADVICE}",
                file=snapshot.relative,
                field=f"adapters.{name}.{key}",
                expected=expected,
                found=found,
            )
        if problems:
            out.fact(str(name), "status unreadable")
            continue
        remaining = finite_number(status.get("reconnect_remaining")) or 0.0
        required = status.get("reconnect_required") is True or remaining > 0
        out.fact(str(name), "reconnect required" if required else "connected")
        if required:
            reason = status.get("reconnect_reason") or "no reason given"
            out.block(
                "adapter.reconnect_required",
                f"adapter {name} requires a reconnect ({reason}): {ADVICE}",
                file=snapshot.relative,
                field=f"adapters.{name}.reconnect_required",
                expected="false",
                found=f"{status.get('reconnect_required')} (remaining {remaining:g} s)",
            )
    return out
