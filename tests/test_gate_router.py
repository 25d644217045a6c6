"""PRE-7 against deliberately broken routers: each is NO-GO naming the rule it breaks."""

from __future__ import annotations

from pathlib import Path

import pytest

BROKEN_ROUTERS: list[tuple[str, set[str]]] = [
    ("double_executes", {"router.executed_twice"}),
    ("fails_over_on_auth", {"router.failed_over_rejection", "router.retried_rejection"}),
    ("ignores_retry_limit", {"router.retry_budget_exceeded"}),
    ("no_concurrency_limit", {"router.concurrency_exceeded"}),
    (
        "accepts_missing_client_id",
        {"router.missing_client_id_accepted", "router.missing_client_id_sent"},
    ),
    ("always_falls_back", {"router.fallback_not_allowed", "router.disabled_exchange_used"}),
    ("checks_balance_first", {"bench.unmatched_request"}),
    ("never_falls_back", {"router.not_failed_over"}),
    (
        "pretends_success",
        {"router.failure_hidden", "router.rejection_ignored", "router.unknown_reported_filled"},
    ),
    ("distrusts_lookup", {"router.not_reconciled"}),
    ("rejects_when_busy", {"router.concurrent_orders_failed"}),
]


@pytest.mark.parametrize(("factory", "rules"), BROKEN_ROUTERS)
def test_broken_router_is_no_go(
    factory: str, rules: set[str], reference: Path, tmp_path: Path, run_gate
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(f'router_factory: "tests.broken_routers:{factory}"\n')
    gate = run_gate(reference, f"--gate-config={policy}")
    assert gate.verdict == "NO-GO"
    assert gate.status("PRE-7") == "failed", gate.requirement("PRE-7")["reason"]
    assert rules <= gate.rules("PRE-7"), gate.rules("PRE-7")


def test_reference_router_passes_every_scenario_in_seconds(reference: Path, run_gate) -> None:
    gate = run_gate(reference)
    pre7 = gate.requirement("PRE-7")
    assert pre7["status"] == "passed"
    assert len(pre7["scenarios"]) == 13


def test_a_router_factory_that_does_not_load_is_an_error(
    reference: Path, tmp_path: Path, run_gate
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text('router_factory: "tests.nowhere:build"\n')
    gate = run_gate(reference, f"--gate-config={policy}")
    assert gate.verdict == "NO-GO"
    assert gate.status("PRE-7") == "error"


def test_routes_come_from_the_deployment(reference: Path, run_gate) -> None:
    from tests.conftest import edit_core

    edit_core(
        reference,
        lambda d: d["execution"]["live_router"]["routes"][0].__setitem__(
            "risk_profiles", ["aggressive"]
        ),
    )
    gate = run_gate(reference)
    assert "route.missing" in gate.rules("PRE-7")


BROKEN_SIMULATORS: list[tuple[str, set[str]]] = [
    (
        "ignores_minimums",
        {
            "simulator.min_quantity_ignored",
            "simulator.min_notional_ignored",
            "simulator.step_size_ignored",
        },
    ),
    ("maker_fee_for_market_orders", {"simulator.fee_rate"}),
    ("favourable_slippage", {"simulator.slippage_direction"}),
    ("allows_overdraft", {"simulator.overdraft"}),
    ("rejects_everything", {"simulator.valid_order_rejected"}),
]


@pytest.mark.parametrize(("factory", "rules"), BROKEN_SIMULATORS)
def test_broken_simulator_is_no_go(
    factory: str, rules: set[str], reference: Path, tmp_path: Path, run_gate
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(f'simulator_factory: "tests.broken_simulators:{factory}"\n')
    gate = run_gate(reference, f"--gate-config={policy}")
    assert gate.verdict == "NO-GO"
    assert rules <= gate.rules("PRE-8"), gate.rules("PRE-8")
