"""PRE-7 against deliberately broken routers (each is NO-GO naming the rule it breaks), a router
that behaves like the bot's (NO-GO exactly where the bot would place an order twice, or never try
the backup when wired as production wires it), and the limits of the gate (always errors).

Most are judged at check level (``tests.checklevel.judge_checks``: the PRE-7 scenarios through
the gate's own steps and router bench, scenario by scenario, the factories loaded from the
policy). Whole gate runs are kept where the run itself is the point: a broken router and a broken
simulator named in a policy file (each asserting that the whole run finds the blockers, and
failed scenarios, the check level finds), and a request the fakes cannot answer (every scenario
an ``error`` in the evidence, never a failure).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from live_gate.findings import Finding
from live_gate.policy import policy_from_mapping
from live_gate.router.bench import GateLimit
from tests.checklevel import CheckLevelResult, judge_checks
from tests.conftest import GateResult, edit_core, refreeze

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


def _judge(deployment: Path, **policy: str) -> CheckLevelResult:
    """PRE-7 at check level with the given policy entries (router_factory, simulator_factory)."""
    return judge_checks(deployment, requirements={"PRE-7"}, policy=policy_from_mapping(policy))


def _explained(findings: list[Finding]) -> str:
    return " ".join(f.explain() for f in findings if f.blocking)


def _runtime_yaml(deployment: Path, live: dict[str, Any]) -> None:
    (deployment / "config" / "runtime.yaml").write_text(
        yaml.safe_dump({"execution": {"default_mode": "live", "live": live}}), encoding="utf-8"
    )
    refreeze(deployment)


@pytest.mark.parametrize(("factory", "rules"), BROKEN_ROUTERS)
def test_broken_router_is_caught_by_its_check(
    factory: str, rules: set[str], reference: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if "thread" in factory:
        # the bench gives a router's threads CLOSE_GRACE_SECONDS (0.5 s) to end after close(),
        # in each of the 15 scenarios: 7.5 s waiting for a heartbeat that lives 2 s. A shorter
        # grace proves the same rule (the product's grace is unchanged)
        monkeypatch.setattr("live_gate.router.bench.CLOSE_GRACE_SECONDS", 0.02)
    judged = _judge(reference, router_factory=f"tests.broken_routers:{factory}")
    assert "PRE-7" in judged.blocked and not judged.errors
    assert rules <= judged.rules("PRE-7"), judged.rules("PRE-7")


def test_a_broken_router_is_no_go_in_a_whole_gate_run(
    reference: Path, tmp_path: Path, run_gate
) -> None:
    """The whole run finds what the check-level judgement finds: the same blocking rules and the
    same failed scenarios (the check-level tests above rely on it)."""
    factory = "tests.broken_routers:double_executes"
    gate = run_gate(reference, _policy(tmp_path, factory))
    assert gate.verdict == "NO-GO"
    assert gate.status("PRE-7") == "failed", gate.requirement("PRE-7")["reason"]
    judged = _judge(reference, router_factory=factory)
    assert gate.rules("PRE-7") == judged.rules("PRE-7")
    assert _failed(gate) == judged.failed_scenarios() != set()
    assert {s["status"] for s in _scenarios(gate).values()} == {"passed", "failed"}


def test_reference_router_passes_every_scenario(reference: Path, reference_go: GateResult) -> None:
    judged = _judge(reference)
    assert len(judged.scenario_findings) == SCENARIOS
    assert judged.rules("PRE-7") == set() and not judged.errors
    pre7 = reference_go.requirement("PRE-7")
    assert pre7["status"] == "passed"
    assert len(pre7["scenarios"]) == SCENARIOS
    facts = {f["label"]: f["value"] for s in pre7["scenarios"] for f in s["facts"]}
    assert "virtual clock" in facts["clock"]
    assert "core_spot from config/core.yaml execution.live_router" in facts["route judged"]


@pytest.mark.parametrize("factory", ["checks_balance_first", "on_the_wall_clock"])
def test_sound_routers_pass(factory: str, reference: Path) -> None:
    """Checking the balance first is answered from the book (once an 'unmatched request'); a
    factory without a clock runs on the wall clock, where slow faults really take their time."""
    judged = _judge(reference, router_factory=f"tests.broken_routers:{factory}")
    assert len(judged.scenario_findings) == SCENARIOS
    assert judged.blocking("PRE-7") == [] and not judged.errors, _explained(
        judged.blocking("PRE-7")
    )


def test_the_bot_like_router_places_twice_where_the_bot_would(reference: Path) -> None:
    """It looks orders up among open orders only and takes a failed lookup for 'not found': NO-GO
    on exactly the two double-placement scenarios, saying what was placed where."""
    threads_before = set(threading.enumerate())
    judged = _judge(reference, router_factory="tests.bot_like_router:routes_mode")
    assert judged.failed_scenarios() == DOUBLE_PLACEMENT
    assert len(judged.scenario_findings) == SCENARIOS and not judged.errors
    assert "router.executed_twice" in judged.rules("PRE-7")
    for name in DOUBLE_PLACEMENT:
        message = _explained(judged.scenario_findings[name])
        assert "binance_spot booked it 2 times" in message, message
        assert "kraken_spot booked it once" in message, message
    # every router was closed: its event loop thread and executor threads are gone
    left = [t.name for t in set(threading.enumerate()) - threads_before if t.is_alive()]
    assert left == [], left


def test_the_bot_like_router_wired_as_production_never_tries_the_backup(reference: Path) -> None:
    """Plan mode (build_live_execution_service) uses the first exchange only: every failover
    scenario is NO-GO saying the backup was never tried; the order that filled before its timeout
    is reported failed although the primary holds it; nothing is placed twice."""
    judged = _judge(reference, router_factory="tests.bot_like_router:plan_mode")
    assert judged.failed_scenarios() == FAILOVER | {
        "An order that went through before a timeout is reconciled, not repeated"
    }
    assert not judged.errors
    found = judged.scenario_findings
    for name in FAILOVER:
        assert "the backup kraken_spot was never tried" in _explained(found[name]), name
    assert "router.executed_twice" not in judged.rules("PRE-7")
    assert "could not be built" in _explained(
        found["An exchange disabled in the lifecycle is never used"]
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


def test_a_route_on_an_exchange_the_gate_cannot_fake_is_an_error(reference: Path) -> None:
    """A limit of the gate raised by the bench (``GateLimit``): in a whole run, any exception
    other than a finding is an ``error`` of the scenario (as the ticker router's run shows)."""
    edit_core(
        reference,
        lambda d: d["execution"]["live_router"]["routes"][0].__setitem__(
            "exchanges", ["binance_spot", "zonda_spot"]
        ),
    )
    refreeze(reference)
    with pytest.raises(GateLimit, match=r"zonda_spot.*delisted|delisted.*zonda_spot"):
        _judge(reference)


def test_a_router_factory_that_does_not_load_is_an_error(reference: Path) -> None:
    """An exception, never a pass: an ``error`` of the scenario in a whole run."""
    with pytest.raises(ImportError, match=r"tests\.nowhere"):
        _judge(reference, router_factory="tests.nowhere:build")


def test_routes_come_from_the_deployment(reference: Path) -> None:
    edit_core(
        reference,
        lambda d: d["execution"]["live_router"]["routes"][0].__setitem__(
            "risk_profiles", ["aggressive"]
        ),
    )
    assert "route.missing" in _judge(reference).rules("PRE-7")


def test_route_values_are_never_coerced(reference: Path) -> None:
    """bool("false") is true: a flag or a number written as a string is invalid, not guessed."""
    edit_core(
        reference,
        lambda d: d["execution"]["live_router"]["routes"][0].update(
            allow_cross_exchange_fallback="false", max_retries_per_exchange="two"
        ),
    )
    judged = _judge(reference)
    assert "route.setting_invalid" in judged.rules("PRE-7")
    found = " ".join(f.found or "" for f in judged.findings["PRE-7"])
    assert "'false' (a string" in found and "'two' (a string)" in found, found


def test_the_runtime_plan_is_judged_too(reference: Path) -> None:
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
    judged = _judge(reference)
    assert judged.blocking("PRE-7") == [] and not judged.errors, _explained(
        judged.blocking("PRE-7")
    )
    assert len(judged.scenario_findings) == SCENARIOS
    routes = {
        value
        for facts in judged.scenario_facts.values()
        for label, value in facts
        if label == "route judged"
    }
    assert any(r.startswith("core_spot from config/core.yaml") for r in routes), routes
    assert any(
        "config/runtime.yaml execution.live (execution.live.route_overrides.BTCUSDT)" in r
        for r in routes
    ), routes
    bot = _judge(reference, router_factory="tests.bot_like_router:routes_mode")
    assert bot.failed_scenarios() == DOUBLE_PLACEMENT | FAILOVER | {
        "An order that went through before a timeout is reconciled, not repeated"
    }
    messages = " ".join(_explained(found) for found in bot.scenario_findings.values())
    assert "route execution.live: the order was not filled by kraken_spot: the backup" in messages


def test_a_runtime_plan_without_a_backup_has_nothing_to_fail_over_to(reference: Path) -> None:
    _runtime_yaml(reference, {"enabled": True, "default_route": ["binance_spot"]})
    judged = _judge(reference)
    assert "route.no_backup" in judged.rules("PRE-7")
    finding = next(f for f in judged.findings["PRE-7"] if f.rule == "route.no_backup")
    assert finding.file == "config/runtime.yaml"


def test_a_runtime_file_that_does_not_enable_live_is_a_warning(reference: Path) -> None:
    _runtime_yaml(reference, {"enabled": False, "default_route": []})
    judged = _judge(reference)
    assert judged.blocking("PRE-7") == [] and not judged.errors
    warnings = [f for f in judged.warnings("PRE-7") if f.rule == "runtime.live_disabled"]
    assert warnings and not warnings[0].blocking


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
def test_broken_simulator_is_caught_by_its_check(
    factory: str, rules: set[str], reference: Path
) -> None:
    judged = judge_checks(
        reference,
        requirements={"PRE-8"},
        policy=policy_from_mapping({"simulator_factory": f"tests.broken_simulators:{factory}"}),
    )
    assert "PRE-8" in judged.blocked and not judged.errors
    assert rules <= judged.rules("PRE-8"), judged.rules("PRE-8")


def test_a_broken_simulator_is_no_go_in_a_whole_gate_run(
    reference: Path, tmp_path: Path, run_gate
) -> None:
    """The whole run finds the blockers the check-level judgement finds."""
    factory = "tests.broken_simulators:favourable_slippage"
    written = tmp_path / "policy.yaml"
    written.write_text(f'simulator_factory: "{factory}"\n')
    gate = run_gate(reference, f"--gate-config={written}")
    assert gate.verdict == "NO-GO" and gate.status("PRE-8") == "failed"
    policy = policy_from_mapping({"simulator_factory": factory})
    judged = judge_checks(reference, requirements={"PRE-8"}, policy=policy)
    assert gate.rules("PRE-8") == judged.rules("PRE-8") != set()


REAL_WORLD = Path(__file__).resolve().parent.parent.parent / "shared" / "real-world"


@pytest.mark.skipif(
    not (REAL_WORLD / "config" / "core.yaml").is_file(), reason="../shared/real-world is absent"
)
def test_the_real_routes_run_on_the_fake_exchanges(tmp_path: Path) -> None:
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
    judged = judge_checks(copy, requirements={"PRE-7"}, env="binance_live")
    assert len(judged.scenario_findings) == SCENARIOS and not judged.errors
    assert judged.failed_scenarios() == FAILOVER - {
        "An exchange disabled in the lifecycle is never used"
    }
    for name in judged.failed_scenarios():
        found = _explained(judged.scenario_findings[name])
        assert "the backup kraken_spot_live was never tried" in found, found


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
