"""PRE-7: what the router under test did on the bench, judged. Each function reads the bench's
record (which exchange received what, what the router returned) and returns findings; and
before any bench is built, the route settings it would be built from are judged as values
(:func:`check_route_settings`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from live_gate.checks import Findings
from live_gate.kit.values import describe_flag, describe_non_number, finite_number, strict_bool
from live_gate.resources.deployment import Deployment
from live_gate.router.protocol import OrderRefused, RouterError, RouterResult

if TYPE_CHECKING:
    from live_gate.router.bench import RouterBench

REQUIREMENT = "PRE-7"
ROUTER = ("execution", "live_router")


def check_route_settings(deployment: Deployment) -> Findings:
    """``execution.live_router`` as values: ``RouteDefinition``'s types (FORMATS.md §6.1). A
    retry budget or latency budget that is NaN, infinite, a string or a boolean, a fallback
    flag written as the string "false" (truthy), a list written as a plain string (read as its
    characters), a concurrency that is not a whole number: each is a finding naming the field,
    never a guess."""
    out = Findings(REQUIREMENT, deployment.config_file)
    execution = deployment.raw.get("execution")
    section = execution.get("live_router") if isinstance(execution, dict) else None
    if section is None:
        return out  # no router section: route.missing says so
    if not isinstance(section, dict):
        _invalid(out, deployment, ROUTER, "a mapping", repr(section))
        return out
    routes = section.get("routes")
    if routes is not None and not isinstance(routes, list):
        _invalid(out, deployment, (*ROUTER, "routes"), "a list of routes", repr(routes))
        routes = []
    for index, route in enumerate(routes or []):
        if not isinstance(route, dict):
            continue  # route.invalid says so
        where = (*ROUTER, "routes", index)
        for key in ("exchanges", "symbols", "risk_profiles"):
            value = route.get(key)
            if value is not None and not isinstance(value, list):
                _invalid(out, deployment, (*where, key), "a list", repr(value))
        retries = route.get("max_retries_per_exchange")
        if retries is not None and not _whole(retries, minimum=1):
            _invalid(
                out,
                deployment,
                (*where, "max_retries_per_exchange"),
                "a whole number of attempts, at least 1",
                describe_non_number(retries),
            )
        budget = route.get("latency_budget_ms")
        if budget is not None and not (finite_number(budget) or 0) > 0:
            _invalid(
                out,
                deployment,
                (*where, "latency_budget_ms"),
                "milliseconds, a finite number above 0",
                describe_non_number(budget),
            )
        fallback = route.get("allow_cross_exchange_fallback")
        if fallback is not None and strict_bool(fallback) is None:
            _invalid(
                out,
                deployment,
                (*where, "allow_cross_exchange_fallback"),
                "true or false (a YAML boolean)",
                describe_flag(fallback),
            )
    qos = section.get("qos")
    concurrency = qos.get("per_exchange_concurrency") if isinstance(qos, dict) else None
    if qos is not None and not isinstance(qos, dict):
        _invalid(out, deployment, (*ROUTER, "qos"), "a mapping", repr(qos))
    elif concurrency is not None and not isinstance(concurrency, dict):
        _invalid(
            out,
            deployment,
            (*ROUTER, "qos", "per_exchange_concurrency"),
            "{exchange: limit}",
            repr(concurrency),
        )
    elif isinstance(concurrency, dict):
        for exchange, limit in concurrency.items():
            if not _whole(limit, minimum=1):
                _invalid(
                    out,
                    deployment,
                    (*ROUTER, "qos", "per_exchange_concurrency", str(exchange)),
                    "a whole number of orders in flight, at least 1",
                    describe_non_number(limit),
                )
    return out


def _whole(value: Any, *, minimum: int) -> bool:
    number = finite_number(value)
    return number is not None and number == int(number) and number >= minimum


def _invalid(
    out: Findings,
    deployment: Deployment,
    path: tuple[str | int, ...],
    expected: str,
    found: str,
) -> None:
    field = ".".join(f"[{p}]" if isinstance(p, int) else p for p in path).replace(".[", "[")
    out.block(
        "route.setting_invalid",
        f"{field} is not a value the router can be built from",
        line=deployment.line(*path),
        field=field,
        expected=expected,
        found=found,
    )


def _last(bench: RouterBench) -> RouterResult | BaseException:
    return bench.results[-1]


def _outcome(result: RouterResult | BaseException) -> str:
    if isinstance(result, RouterResult):
        return f"filled by {result.exchange} (order {result.order_id})"
    return f"{type(result).__name__}: {result}"


def check_filled_by(bench: RouterBench, exchange: str) -> Findings:
    out = bench.findings()
    result = _last(bench)
    if not isinstance(result, RouterResult) or result.exchange != exchange:
        never_tried = exchange == bench.backup and not bench.requests_to(exchange)
        out.block(
            "router.not_failed_over" if exchange == bench.backup else "router.not_filled",
            f"route {bench.route.name}: the order was not filled by {exchange}"
            + (f": the backup {exchange} was never tried" if never_tried else ""),
            expected=f"filled by {exchange}",
            found=f"{_outcome(result)}; {bench.describe()}",
        )
    if exchange == bench.backup and bench.executed() > 1:
        out.block(
            "router.executed_twice",
            f"route {bench.route.name}: one order was {bench.describe_executions()}",
            expected=f"executed once, on {exchange}",
            found=bench.describe(),
        )
    return out


def check_retry_budget(bench: RouterBench) -> Findings:
    out = bench.findings()
    budget = bench.route.max_retries_per_exchange
    for exchange in bench.route.exchanges:
        if bench.placements(exchange) > budget:
            out.block(
                "router.retry_budget_exceeded",
                f"{exchange} received {bench.placements(exchange)} placements of one order",
                expected=f"at most max_retries_per_exchange = {budget} (route {bench.route.name})",
                found=bench.describe(),
            )
    return out


def check_refused_at_once(bench: RouterBench) -> Findings:
    out = bench.findings()
    result = _last(bench)
    if isinstance(result, RouterResult):
        out.block(
            "router.rejection_ignored",
            "a rejected order was reported as executed",
            expected="the rejection reported",
            found=_outcome(result),
        )
    if bench.placements(bench.primary) > 1:
        out.block(
            "router.retried_rejection",
            "a rejected order was sent again to the same exchange",
            expected=f"one placement on {bench.primary}",
            found=bench.describe(),
        )
    if bench.placements(bench.backup):
        out.block(
            "router.failed_over_rejection",
            "a rejected order was sent to another exchange",
            expected=f"no placement on {bench.backup}",
            found=bench.describe(),
        )
    return out


def check_stayed_on_primary(bench: RouterBench) -> Findings:
    out = bench.findings()
    if bench.placements(bench.backup):
        out.block(
            "router.fallback_not_allowed",
            f"route {bench.route.name} does not allow "
            "cross-exchange fallback, yet the backup exchange received the order",
            expected=f"no placement on {bench.backup}",
            found=bench.describe(),
        )
    if isinstance(_last(bench), RouterResult):
        out.block(
            "router.failure_hidden",
            "the order failed on the primary exchange but was reported as executed",
            expected="the failure reported",
            found=_outcome(_last(bench)),
        )
    return out


def check_reconciled_once(bench: RouterBench) -> Findings:
    out = bench.findings()
    result = _last(bench)
    if not isinstance(result, RouterResult) or result.exchange != bench.primary:
        out.block(
            "router.not_reconciled",
            "the order found by its client order id was not "
            "reported as executed on the primary exchange",
            expected=f"filled by {bench.primary} (reconciled)",
            found=f"{_outcome(result)}; {bench.describe()}",
        )
    if bench.executed() > 1:
        out.block(
            "router.executed_twice",
            "an order whose first placement went through was placed again: it was "
            f"{bench.describe_executions()}",
            expected=f"executed once, on {bench.primary}",
            found=bench.describe(),
        )
    return out


def check_unknown_outcome_held(bench: RouterBench) -> Findings:
    out = bench.findings()
    result = _last(bench)
    # the premise: the primary booked the order and the router could not find out
    unknown = bool(bench.executions(bench.primary))
    if isinstance(result, RouterResult) and unknown:
        out.block(
            "router.unknown_reported_filled",
            "an order whose fate is unknown was reported as executed",
            expected="an unknown outcome reported",
            found=f"{_outcome(result)}; {bench.describe()}",
        )
    elif isinstance(result, RouterError) and not result.ambiguous and unknown:
        out.warn(
            "router.unknown_not_flagged",
            "the router did not flag the outcome as unknown",
            found=_outcome(result),
        )
    if bench.executed() > 1:
        out.block(
            "router.executed_twice",
            "an order whose fate was unknown was placed again: it was "
            f"{bench.describe_executions()}",
            expected=f"one placement, on {bench.primary}, and the outcome reported unknown",
            found=bench.describe(),
        )
    return out


def check_concurrency(bench: RouterBench) -> Findings:
    out = bench.findings()
    for exchange in bench.route.exchanges:
        limit = bench.config.per_exchange_concurrency.get(exchange)
        seen = bench.max_in_flight(exchange)
        if limit is not None and seen > limit:
            out.block(
                "router.concurrency_exceeded",
                f"{exchange} had {seen} orders in flight at once",
                expected=f"at most {limit} (per_exchange_concurrency)",
                found=seen,
            )
    failed = [r for r in bench.results if not isinstance(r, RouterResult)]
    if failed:
        out.block(
            "router.concurrent_orders_failed",
            f"{len(failed)} of {len(bench.results)} concurrent orders failed",
            expected="all filled",
            found=_outcome(failed[0]),
        )
    return out


def check_refused_before_contact(bench: RouterBench) -> Findings:
    out = bench.findings()
    result = _last(bench)
    if not isinstance(result, OrderRefused | ValueError):
        out.block(
            "router.missing_client_id_accepted",
            "a live order without client_order_id was not refused",
            expected="refused before any exchange is contacted",
            found=_outcome(result),
        )
    if any(bench.placements(e) for e in bench.route.exchanges):
        out.block(
            "router.missing_client_id_sent",
            "a live order without client_order_id reached an exchange",
            expected="no placement",
            found=bench.describe(),
        )
    return out


def check_disabled_unused(bench: RouterBench, exchange: str) -> Findings:
    out = bench.findings()
    if bench.placements(exchange):
        out.block(
            "router.disabled_exchange_used",
            f"{exchange} is disabled in exchange_lifecycle, yet it received the order",
            expected="no placement",
            found=bench.describe(),
        )
    return out


def check_latency_budget(bench: RouterBench) -> Findings:
    out = bench.findings()
    late = bench.late_placements()
    if late:
        out.block(
            "router.latency_budget_exceeded",
            f"route {bench.route.name}: the order was placed after the route's latency budget "
            "was spent",
            expected=f"no placement later than latency_budget_ms = "
            f"{bench.route.latency_budget_ms:g} ms after the order was sent "
            f"({bench.clock.describe()})",
            found=f"{', '.join(late)}; {bench.describe()}",
        )
    return out
