"""PRE-7 against deliberately broken routers (each is NO-GO naming the rule it breaks), a router
that behaves like the bot's (NO-GO exactly where the bot would place an order twice, or never try
the backup when wired as production wires it), and the limits of the gate (always errors)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import edit_core, refreeze

BROKEN_ROUTERS: list[tuple[str, set[str]]] = [
    ("double_executes", {"router.executed_twice"}),
    ("fails_over_on_auth", {"router.failed_over_rejection", "router.retried_rejection"}),
    ("ignores_retry_limit", {"router.retry_budget_exceeded"}),
    ("ignores_latency_budget", {"router.latency_budget_exceeded"}),
    ("no_concurrency_limit", {"router.concurrency_exceeded"}),
    (
        "accepts_missing_client_id",
        {"router.missing_client_id_accepted", "router.missing_client_id_sent"},
    ),
    ("always_falls_back", {"router.fallback_not_allowed", "router.disabled_exchange_used"}),
    ("never_falls_back", {"router.not_failed_over"}),
    (
        "pretends_success",
        {
            "router.failure_hidden",
            "router.rejection_ignored",
            "router.unknown_reported_filled",
            "router.result_not_in_books",
        },
    ),
    ("distrusts_lookup", {"router.not_reconciled"}),
    ("rejects_when_busy", {"router.concurrent_orders_failed"}),
    ("leaves_a_thread_running", {"router.left_running"}),
    ("closes_but_leaves_a_thread_running", {"router.left_running"}),
]

DOUBLE_PLACEMENT = {
    "An order that went through before a timeout is reconciled, not repeated",
    "An order whose fate cannot be established is never placed again",
}
FAILOVER = {
    "A transient fault moves the order to the backup exchange: a refused connection",
    "A transient fault moves the order to the backup exchange: an HTTP 502",
    "A transient fault moves the order to the backup exchange: a read timeout",
    "A transient fault moves the order to the backup exchange: HTTP 429 rate limiting",
    "A timeout well within the latency budget still moves the order to the backup exchange",
    "An exchange disabled in the lifecycle is never used",
}
SCENARIOS = 15


def _policy(tmp_path: Path, factory: str) -> str:
    policy = tmp_path / "policy.yaml"
    policy.write_text(f'router_factory: "{factory}"\n')
    return f"--gate-config={policy}"


def _scenarios(gate: Any) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in gate.requirement("PRE-7")["scenarios"]}


def _failed(gate: Any) -> set[str]:
    return {name for name, s in _scenarios(gate).items() if s["status"] == "failed"}


def _runtime_yaml(deployment: Path, live: dict[str, Any]) -> None:
    (deployment / "config" / "runtime.yaml").write_text(
        yaml.safe_dump({"execution": {"default_mode": "live", "live": live}}), encoding="utf-8"
    )
    refreeze(deployment)


@pytest.mark.parametrize(("factory", "rules"), BROKEN_ROUTERS)
def test_broken_router_is_no_go(
    factory: str, rules: set[str], reference: Path, tmp_path: Path, run_gate
) -> None:
    gate = run_gate(reference, _policy(tmp_path, f"tests.broken_routers:{factory}"))
    assert gate.verdict == "NO-GO"
    assert gate.status("PRE-7") == "failed", gate.requirement("PRE-7")["reason"]
    assert rules <= gate.rules("PRE-7"), gate.rules("PRE-7")


def test_reference_router_passes_every_scenario(reference: Path, run_gate) -> None:
    gate = run_gate(reference)
    pre7 = gate.requirement("PRE-7")
    assert pre7["status"] == "passed"
    assert len(pre7["scenarios"]) == SCENARIOS
    facts = {f["label"]: f["value"] for s in pre7["scenarios"] for f in s["facts"]}
    assert "virtual clock" in facts["clock"]
    assert "core_spot from config/core.yaml execution.live_router" in facts["route judged"]


@pytest.mark.parametrize("factory", ["checks_balance_first", "on_the_wall_clock"])
def test_sound_routers_pass(factory: str, reference: Path, tmp_path: Path, run_gate) -> None:
    """Checking the balance first is answered from the book (once an 'unmatched request'); a
    factory without a clock runs on the wall clock, where slow faults really take their time."""
    gate = run_gate(reference, _policy(tmp_path, f"tests.broken_routers:{factory}"))
    assert gate.status("PRE-7") == "passed", gate.requirement("PRE-7")["reason"]


def test_the_bot_like_router_places_twice_where_the_bot_would(
    reference: Path, tmp_path: Path, run_gate
) -> None:
    """It looks orders up among open orders only and takes a failed lookup for 'not found': NO-GO
    on exactly the two double-placement scenarios, saying what was placed where."""
    threads_before = set(threading.enumerate())
    gate = run_gate(reference, _policy(tmp_path, "tests.bot_like_router:routes_mode"))
    assert _failed(gate) == DOUBLE_PLACEMENT
    assert {s["status"] for s in _scenarios(gate).values()} == {"passed", "failed"}
    assert "router.executed_twice" in gate.rules("PRE-7")
    for name in DOUBLE_PLACEMENT:
        message = _scenarios(gate)[name]["message"]
        assert "binance_spot booked it 2 times" in message, message
        assert "kraken_spot booked it once" in message, message
    # every router was closed: its event loop thread and executor threads are gone
    left = [t.name for t in set(threading.enumerate()) - threads_before if t.is_alive()]
    assert left == [], left


def test_the_bot_like_router_wired_as_production_never_tries_the_backup(
    reference: Path, tmp_path: Path, run_gate
) -> None:
    """Plan mode (build_live_execution_service) uses the first exchange only: every failover
    scenario is NO-GO saying the backup was never tried; the order that filled before its timeout
    is reported failed although the primary holds it; nothing is placed twice."""
    gate = run_gate(reference, _policy(tmp_path, "tests.bot_like_router:plan_mode"))
    scenarios = _scenarios(gate)
    assert _failed(gate) == FAILOVER | {
        "An order that went through before a timeout is reconciled, not repeated"
    }
    for name in FAILOVER:
        assert "the backup kraken_spot was never tried" in scenarios[name]["message"], name
    assert "router.executed_twice" not in gate.rules("PRE-7")
    assert (
        "could not be built"
        in scenarios["An exchange disabled in the lifecycle is never used"]["message"]
    )


def test_a_request_the_fake_cannot_answer_is_an_error_of_the_gate(
    reference: Path, tmp_path: Path, run_gate
) -> None:
    gate = run_gate(reference, _policy(tmp_path, "tests.broken_routers:asks_for_the_ticker"))
    assert gate.verdict == "NO-GO"
    assert gate.status("PRE-7") == "error"
    statuses = {s["status"] for s in _scenarios(gate).values()}
    assert "failed" not in statuses and "error" in statuses
    errors = [s["message"] for s in _scenarios(gate).values() if s["status"] == "error"]
    assert all("the fake exchanges cannot answer" in m for m in errors), errors[0]
    assert all("limit of the gate, not a verdict on the router" in m for m in errors)
    assert "/api/v3/ticker/24hr" in errors[0]


def test_a_route_on_an_exchange_the_gate_cannot_fake_is_an_error(reference: Path, run_gate) -> None:
    edit_core(
        reference,
        lambda d: d["execution"]["live_router"]["routes"][0].__setitem__(
            "exchanges", ["binance_spot", "zonda_spot"]
        ),
    )
    refreeze(reference)
    gate = run_gate(reference)
    assert gate.status("PRE-7") == "error"
    message = next(iter(_scenarios(gate).values()))["message"]
    assert "zonda_spot" in message and "delisted" in message, message


def test_a_router_factory_that_does_not_load_is_an_error(
    reference: Path, tmp_path: Path, run_gate
) -> None:
    gate = run_gate(reference, _policy(tmp_path, "tests.nowhere:build"))
    assert gate.verdict == "NO-GO"
    assert gate.status("PRE-7") == "error"


def test_routes_come_from_the_deployment(reference: Path, run_gate) -> None:
    edit_core(
        reference,
        lambda d: d["execution"]["live_router"]["routes"][0].__setitem__(
            "risk_profiles", ["aggressive"]
        ),
    )
    gate = run_gate(reference)
    assert "route.missing" in gate.rules("PRE-7")


def test_route_values_are_never_coerced(reference: Path, run_gate) -> None:
    """bool("false") is true: a flag or a number written as a string is invalid, not guessed."""
    edit_core(
        reference,
        lambda d: d["execution"]["live_router"]["routes"][0].update(
            allow_cross_exchange_fallback="false", max_retries_per_exchange="two"
        ),
    )
    gate = run_gate(reference)
    assert "route.setting_invalid" in gate.rules("PRE-7")
    found = " ".join(f.get("found", "") for f in gate.requirement("PRE-7")["findings"])
    assert "'false' (a string" in found and "'two' (a string)" in found, found


def test_the_runtime_plan_is_judged_too(reference: Path, tmp_path: Path, run_gate) -> None:
    """config/runtime.yaml execution.live is what production wires: when it is enabled, every
    scenario also runs against its plan. The reference router passes both; the bot-like router,
    wired as the README wires it (plan mode for the plan), never tries the plan's backup."""
    _runtime_yaml(
        reference,
        {
            "enabled": True,
            "default_route": ["kraken_spot"],
            "route_overrides": {"BTCUSDT": ["binance_spot", "kraken_spot"]},
        },
    )
    gate = run_gate(reference)
    assert gate.status("PRE-7") == "passed", gate.requirement("PRE-7")["reason"]
    routes = {
        f["value"]
        for s in gate.requirement("PRE-7")["scenarios"]
        for f in s["facts"]
        if f["label"] == "route judged"
    }
    assert any(r.startswith("core_spot from config/core.yaml") for r in routes), routes
    assert any(
        "config/runtime.yaml execution.live (execution.live.route_overrides.BTCUSDT)" in r
        for r in routes
    ), routes
    bot = run_gate(reference, _policy(tmp_path, "tests.bot_like_router:routes_mode"))
    assert _failed(bot) == DOUBLE_PLACEMENT | FAILOVER | {
        "An order that went through before a timeout is reconciled, not repeated"
    }
    messages = " ".join(s["message"] for s in _scenarios(bot).values())
    assert "route execution.live: the order was not filled by kraken_spot: the backup" in messages


def test_a_runtime_plan_without_a_backup_has_nothing_to_fail_over_to(
    reference: Path, run_gate
) -> None:
    _runtime_yaml(reference, {"enabled": True, "default_route": ["binance_spot"]})
    gate = run_gate(reference)
    assert "route.no_backup" in gate.rules("PRE-7")
    finding = next(
        f for f in gate.requirement("PRE-7")["findings"] if f["rule"] == "route.no_backup"
    )
    assert finding["file"] == "config/runtime.yaml"


def test_a_runtime_file_that_does_not_enable_live_is_a_warning(reference: Path, run_gate) -> None:
    _runtime_yaml(reference, {"enabled": False, "default_route": []})
    gate = run_gate(reference)
    assert gate.status("PRE-7") == "passed"
    warnings = [
        f for f in gate.requirement("PRE-7")["findings"] if f["rule"] == "runtime.live_disabled"
    ]
    assert warnings and warnings[0]["severity"] == "warning"


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


REAL_WORLD = Path(__file__).resolve().parent.parent.parent / "shared" / "real-world"


@pytest.mark.skipif(
    not (REAL_WORLD / "config" / "core.yaml").is_file(), reason="../shared/real-world is absent"
)
def test_the_real_routes_run_on_the_fake_exchanges(tmp_path: Path, run_gate) -> None:
    """The bot's own route core_spot (binance_spot_live -> kraken_spot_live), served to the live
    conservative profile in a copy: every scenario runs on the fakes (nothing unanswered, no
    error), and the route's missing allow_cross_exchange_fallback (False, the bot's default) is
    what fails the failover scenarios."""
    import shutil

    copy = Path(shutil.copytree(REAL_WORLD, tmp_path / "real-world"))
    core = copy / "config" / "core.yaml"
    text = core.read_text(encoding="utf-8")
    route = "          - balanced\n          - aggressive\n        latency_budget_ms: 250.0\n"
    assert route in text
    core.write_text(
        text.replace(
            route, route.replace("- aggressive\n", "- aggressive\n          - conservative\n")
        ),
        encoding="utf-8",
    )
    gate = run_gate(copy, "--env", "binance_live")
    assert {s["status"] for s in _scenarios(gate).values()} <= {"passed", "failed"}
    assert _failed(gate) == FAILOVER - {"An exchange disabled in the lifecycle is never used"}
    for name in _failed(gate):
        assert "the backup kraken_spot_live was never tried" in _scenarios(gate)[name]["message"]


@pytest.mark.parametrize(
    ("live", "plan", "source"),
    [
        (
            {"enabled": True, "default_route": ["kraken_spot", "binance_spot"]},
            ("kraken_spot", "binance_spot"),
            "execution.live.default_route",
        ),
        # the bot's loader takes bool(enabled): a string enables it
        (
            {"enabled": "yes", "route_overrides": {"BTCUSDT": ["binance_spot", "kraken_spot"]}},
            ("binance_spot", "kraken_spot"),
            "execution.live.route_overrides.BTCUSDT",
        ),
        ({"enabled": True, "default_route": []}, ("binance_spot",), "environments.binance_live"),
    ],
)
def test_the_runtime_plan_is_the_one_production_builds(
    live: dict[str, Any], plan: tuple[str, ...], source: str, reference: Path
) -> None:
    from live_gate.findings import Findings
    from live_gate.resources.deployment import Deployment
    from live_gate.router.protocol import RouterConfig
    from live_gate.router.routes import runtime_route

    (reference / "config" / "runtime.yaml").write_text(
        yaml.safe_dump({"execution": {"live": live}}), encoding="utf-8"
    )
    out = Findings("PRE-7")
    judged = runtime_route(
        Deployment(reference).environment("binance_live"), "BTCUSDT", RouterConfig(()), out
    )
    assert judged is not None and judged.route.exchanges == plan
    assert judged.config.mode == "plan" and source in judged.source
    assert judged.route.allow_cross_exchange_fallback == (len(plan) > 1)


def test_a_runtime_file_the_kit_refuses_is_a_finding(reference: Path) -> None:
    from live_gate.findings import Findings
    from live_gate.resources.deployment import Deployment
    from live_gate.router.protocol import RouterConfig
    from live_gate.router.routes import runtime_route

    (reference / "config" / "runtime.yaml").mkdir()
    out = Findings("PRE-7")
    environment = Deployment(reference).environment("binance_live")
    assert runtime_route(environment, "BTCUSDT", RouterConfig(()), out) is None
    assert [f.rule for f in out] == ["input.refused"]
