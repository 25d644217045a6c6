from collections.abc import Callable, Iterator

import pytest
from pytest_bdd import given, parsers, then, when

from live_gate.checks import router as checks
from live_gate.findings import Finding
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment
from live_gate.router.bench import BenchUnusable, RouterBench

Check = Callable[[list[Finding]], None]


@pytest.fixture
def bench_holder() -> Iterator[dict[str, RouterBench]]:
    holder: dict[str, RouterBench] = {}
    yield holder
    if "bench" in holder:
        holder["bench"].close()


@given(
    "the environment's route for its live symbol, with its exchanges mocked over HTTP",
    target_fixture="bench",
)
def route_bench(
    environment: Environment,
    policy: Policy,
    gate_check: Check,
    bench_holder: dict[str, RouterBench],
) -> RouterBench:
    try:
        bench = RouterBench.for_environment(environment, policy)
    except BenchUnusable as unusable:
        gate_check(unusable.findings)
        raise  # gate_check raised already: unreachable
    bench.open()
    bench_holder["bench"] = bench
    return bench


@given("the route does not allow cross-exchange fallback")
def no_fallback(bench: RouterBench) -> None:
    bench.without_fallback()


@given("the primary exchange is disabled in the exchange lifecycle")
def primary_disabled(bench: RouterBench) -> None:
    bench.disable(bench.primary)


@when(parsers.parse("the primary exchange answers every order with {fault}"))
def primary_fails(bench: RouterBench, fault: str) -> None:
    bench.inject(bench.primary, fault)


@when(
    parsers.parse(
        "the primary exchange times out after receiving the order, and looking it up "
        "by its client order id {answer}"
    )
)
def primary_times_out(bench: RouterBench, answer: str) -> None:
    lookup = {"finds it": "found", "fails": "error", "finds nothing": "not_found"}[answer]
    bench.inject(bench.primary, "a read timeout", lookup)


@when("a live order is sent")
def live_order(bench: RouterBench) -> None:
    bench.send()


@when("a live order without a client order id is sent")
def live_order_without_id(bench: RouterBench) -> None:
    bench.send(client_order_id=False)


@when(parsers.parse("{count:d} live orders are sent at once"))
def concurrent_orders(bench: RouterBench, count: int) -> None:
    bench.send_concurrently(count)


@then("the backup exchange fills the order")
def backup_fills(bench: RouterBench, gate_check: Check) -> None:
    gate_check(checks.check_filled_by(bench, bench.backup))


@then("no exchange received the order more often than the route's retry budget")
def retry_budget(bench: RouterBench, gate_check: Check) -> None:
    gate_check(checks.check_retry_budget(bench))


@then("the order is refused at once, and no other exchange receives it")
def refused_at_once(bench: RouterBench, gate_check: Check) -> None:
    gate_check(checks.check_refused_at_once(bench))


@then("the order fails without reaching the backup exchange")
def stays_on_primary(bench: RouterBench, gate_check: Check) -> None:
    gate_check(checks.check_stayed_on_primary(bench))


@then("the order counts as executed on the primary exchange, placed exactly once")
def reconciled_once(bench: RouterBench, gate_check: Check) -> None:
    gate_check(checks.check_reconciled_once(bench))


@then("the outcome is reported unknown and the order is never placed again")
def unknown_held(bench: RouterBench, gate_check: Check) -> None:
    gate_check(checks.check_unknown_outcome_held(bench))


@then("no exchange had more orders in flight than its concurrency limit")
def concurrency(bench: RouterBench, gate_check: Check) -> None:
    gate_check(checks.check_concurrency(bench))


@then("the order is refused before any exchange is contacted")
def refused_before_contact(bench: RouterBench, gate_check: Check) -> None:
    gate_check(checks.check_refused_before_contact(bench))


@then("the disabled exchange received nothing")
def disabled_unused(bench: RouterBench, gate_check: Check) -> None:
    gate_check(checks.check_disabled_unused(bench, bench.primary))
