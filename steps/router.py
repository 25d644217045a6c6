from collections.abc import Callable, Iterator

import pytest
from pytest_bdd import given, parsers, then, when

from live_gate.checks import router as checks
from live_gate.findings import Finding
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment
from live_gate.router.bench import Benches, BenchUnusable, RouterBench

Check = Callable[[list[Finding]], None]


@pytest.fixture
def bench_holder() -> Iterator[Benches]:
    holder = Benches()
    yield holder
    holder.close()


@given(
    "the routes the bot will use for its live symbol, each exchange a stateful fake over HTTP",
    target_fixture="bench",
)
def route_bench(
    environment: Environment,
    policy: Policy,
    gate_check: Check,
    bench_holder: Benches,
) -> Benches:
    try:
        benches, found = RouterBench.for_environment(environment, policy)
    except BenchUnusable as unusable:
        gate_check(unusable.findings)
        raise  # gate_check raised already: unreachable
    gate_check(found)  # warnings only (a blocker raised BenchUnusable)
    bench_holder.extend(benches)
    bench_holder.open(policy)
    return bench_holder


@given("the route does not allow cross-exchange fallback")
def no_fallback(bench: Benches) -> None:
    for one in bench:
        one.without_fallback()


@given("the primary exchange is disabled in the exchange lifecycle")
def primary_disabled(bench: Benches) -> None:
    for one in bench:
        one.disable(one.primary)


@when(parsers.parse("the primary exchange answers every order with {fault}"))
def primary_fails(bench: Benches, fault: str) -> None:
    for one in bench:
        one.inject(one.primary, fault)


@when(
    parsers.parse(
        "the primary exchange times out after receiving the order, and looking it up "
        "by its client order id {answer}"
    )
)
def primary_times_out(bench: Benches, answer: str) -> None:
    lookup = {"finds it": "found", "fails": "error", "finds nothing": "not_found"}[answer]
    for one in bench:
        one.times_out_after_booking(one.primary, lookup)


@when(
    parsers.parse(
        "the primary exchange times out on every order after {percent:d}% of the route's "
        "latency budget, without booking it"
    )
)
def primary_times_out_slowly(bench: Benches, percent: int) -> None:
    for one in bench:
        one.times_out_slowly(one.primary, percent)


@when("a live order is sent")
def live_order(bench: Benches, gate_check: Check) -> None:
    for one in bench:
        one.send()
    gate_check(bench.each(RouterBench.facts))


@when("a live order without a client order id is sent")
def live_order_without_id(bench: Benches, gate_check: Check) -> None:
    for one in bench:
        one.send(client_order_id=False)
    gate_check(bench.each(RouterBench.facts))


@when(parsers.parse("{count:d} live orders are sent at once"))
def concurrent_orders(bench: Benches, count: int, gate_check: Check) -> None:
    for one in bench:
        one.send_concurrently(count)
    gate_check(bench.each(RouterBench.facts))


@then("the backup exchange fills the order")
def backup_fills(bench: Benches, gate_check: Check) -> None:
    gate_check(bench.each(lambda one: checks.check_filled_by(one, one.backup)))


@then("no exchange received the order more often than the route's retry budget")
def retry_budget(bench: Benches, gate_check: Check) -> None:
    gate_check(bench.each(checks.check_retry_budget))


@then("no exchange received the order after the route's latency budget was spent")
def latency_budget(bench: Benches, gate_check: Check) -> None:
    gate_check(bench.each(checks.check_latency_budget))


@then("the order is refused at once, and no other exchange receives it")
def refused_at_once(bench: Benches, gate_check: Check) -> None:
    gate_check(bench.each(checks.check_refused_at_once))


@then("the order fails without reaching the backup exchange")
def stays_on_primary(bench: Benches, gate_check: Check) -> None:
    gate_check(bench.each(checks.check_stayed_on_primary))


@then("the order counts as executed on the primary exchange, placed exactly once")
def reconciled_once(bench: Benches, gate_check: Check) -> None:
    gate_check(bench.each(checks.check_reconciled_once))


@then("the outcome is reported unknown and the order is never placed again")
def unknown_held(bench: Benches, gate_check: Check) -> None:
    gate_check(bench.each(checks.check_unknown_outcome_held))


@then("no exchange had more orders in flight than its concurrency limit")
def concurrency(bench: Benches, gate_check: Check) -> None:
    gate_check(bench.each(checks.check_concurrency))


@then("the order is refused before any exchange is contacted")
def refused_before_contact(bench: Benches, gate_check: Check) -> None:
    gate_check(bench.each(checks.check_refused_before_contact))


@then("the disabled exchange received nothing")
def disabled_unused(bench: Benches, gate_check: Check) -> None:
    gate_check(bench.each(lambda one: checks.check_disabled_unused(one, one.primary)))
