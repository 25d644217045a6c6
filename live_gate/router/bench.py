"""The PRE-7 bench: a route the bot will use, a stateful fake exchange for each of its exchanges,
the router under test built by the policy's factory, and what the exchanges' own books say it did.

One bench judges one route in one scenario. The route comes from ``live_gate.router.routes``
(core.yaml's ``execution.live_router``, and runtime.yaml's ``execution.live`` plan when enabled);
the exchanges are ``live_gate.fake_exchange`` books answering real ccxt clients over
``responses``; the faults of a scenario are conditions of an exchange. The router is built when
the scenario sends its orders and closed (``close()``) as soon as they are done, so that the books
are final when they are judged and nothing the router started outlives the scenario.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from live_gate.checks.router import check_route_settings
from live_gate.exchanges import fake_route, map_exchange
from live_gate.fake_exchange import FakeExchanges, GateClock, OrderEntry, instrument
from live_gate.fake_exchange.book import Book, Order
from live_gate.fake_exchange.transport import retire
from live_gate.findings import Findings
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment
from live_gate.router.protocol import (
    ExecutionContext,
    OrderRequest,
    RouterResult,
    load_factory,
    router_config,
    takes_clock,
)
from live_gate.router.routes import REQUIREMENT, JudgedRoute, core_route, runtime_route

ORDER_PRICE = 64_000.0
ORDER_QUANTITY = 0.01
# real time an order entry takes in the concurrency scenario, so that orders overlap
CONCURRENT_PROCESSING_SECONDS = 0.02
# how long the router's threads get to end after close()
CLOSE_GRACE_SECONDS = 0.5
CLOSE_TIMEOUT_SECONDS = 10.0
# how long one order may take before the gate stops waiting for the router
EXECUTE_TIMEOUT_SECONDS = 30.0


class BenchUnusable(Exception):
    """The deployment's routing configuration cannot be exercised: a finding, not a crash."""

    def __init__(self, findings: Findings) -> None:
        super().__init__("\n".join(f.explain() for f in findings))
        self.findings = findings


class GateLimit(Exception):
    """The gate cannot judge this scenario (an exchange it cannot fake, a request its fake exchanges
    cannot answer). An error of the gate: never a pass, never a failure of the router."""

    def __init__(self, message: str) -> None:
        super().__init__(
            f"{message}. This is a limit of the gate, not a verdict on the router: the scenario "
            "proves nothing, and PRE-7 is not verified"
        )


class RouterNotBuilt(Exception):
    """The policy's router factory raised when called: every order of the scenario failed."""


# faults of the scenarios: conditions of the exchange (never a script of expected calls)
def _refused(book: Book) -> None:
    book.conditions.reachable = False


def _bad_gateway(book: Book) -> None:
    book.conditions.order_entry = OrderEntry.BAD_GATEWAY


def _read_timeout(book: Book) -> None:
    book.conditions.order_entry = OrderEntry.TIMES_OUT


def _rate_limited(book: Book) -> None:
    book.conditions.rate_limited = True


def _unauthenticated(book: Book) -> None:
    book.conditions.credentials_accepted = False


def _no_funds(book: Book) -> None:
    for item in book.instruments.values():
        book.balances[item.quote] = 0.0


def _price_moved(book: Book) -> None:
    for symbol in book.last_price:
        book.last_price[symbol] = ORDER_PRICE / 2  # the order's price is far outside the band


FAULTS: dict[str, Callable[[Book], None]] = {
    "a refused connection": _refused,
    "an HTTP 502": _bad_gateway,
    "a read timeout": _read_timeout,
    "HTTP 429 rate limiting": _rate_limited,
    "an authentication error": _unauthenticated,
    "insufficient funds": _no_funds,
    "an invalid order": _price_moved,
}


class RouterBench:
    def __init__(
        self, environment: Environment, policy: Policy, judged: JudgedRoute, symbol: str
    ) -> None:
        self.environment = environment
        self.policy = policy
        self.judged = judged
        self.config = judged.config
        self.route = judged.route
        self.symbol = symbol
        self.clock = GateClock()
        self.fakes: FakeExchanges | None = None
        self.clients: dict[str, Any] = {}
        self.books: dict[str, Book] = {}
        self.factory: Callable[..., Any] | None = None
        self.results: list[RouterResult | BaseException] = []
        self.sent_at: list[float] = []
        self.left_running: list[str] = []
        self.close_problem: str | None = None
        self.had_close = False
        self._common_reported = False

    @classmethod
    def for_environment(
        cls, environment: Environment, policy: Policy
    ) -> tuple[list[RouterBench], Findings]:
        """A bench for every route the bot will use for the policy's symbol, and what was found
        on the way (warnings). Raises ``BenchUnusable`` with blockers, ``GateLimit`` when a route
        names an exchange the gate cannot fake."""
        deployment = environment.deployment
        out = Findings(REQUIREMENT, deployment.config_file)
        # the settings as values first: a route read from "false" or NaN proves nothing
        out.extend(check_route_settings(deployment))
        if out.blocking_count():
            raise BenchUnusable(out)
        symbol = policy.router_symbol
        core = core_route(environment, symbol, out)
        judged = [core] if core is not None else []
        runtime = runtime_route(
            environment, symbol, core.config if core else router_config(deployment.raw)[0], out
        )
        if runtime is not None:
            judged.append(runtime)
        for item in judged:
            if len(item.route.exchanges) < 2:
                out.block(
                    "route.no_backup",
                    f"route {item.route.name} ({item.source}) has a single exchange: there is "
                    "nothing to fail over to",
                    file=item.file,
                    line=item.line,
                    field=f"{item.source} exchanges",
                    expected="a primary and a backup exchange",
                    found=list(item.route.exchanges),
                )
        if out.blocking_count():
            raise BenchUnusable(out)
        if instrument(symbol) is None:
            raise GateLimit(f"the gate cannot fake a market for the policy's symbol {symbol!r}")
        for item in judged:
            for name in item.route.exchanges:
                mapped = map_exchange(name)
                if mapped.venue is None:
                    raise GateLimit(
                        f"route {item.route.name} ({item.source}) names {name}, which the gate "
                        f"cannot fake: {mapped.reason}"
                    )
        return [cls(environment, policy, item, symbol) for item in judged], out

    # ------------------------------------------------------------------ arranging

    @property
    def primary(self) -> str:
        return self.route.exchanges[0]

    @property
    def backup(self) -> str:
        return self.route.exchanges[1]

    def book(self, name: str) -> Book:
        return self.books[name]

    def attach(self, fakes: FakeExchanges, factory: Callable[..., Any], account: str) -> None:
        """A fake exchange for each exchange of the route on the scenario's transport, with
        credentials of its own (``account``), and the router factory under test."""
        self.factory, self.fakes, self.clock = factory, fakes, fakes.clock
        item = instrument(self.symbol)
        assert item is not None
        _, self.clients, self.books = fake_route(
            list(self.route.exchanges),
            [item],
            fakes.clock,
            last_price=ORDER_PRICE,
            fakes=fakes,
            account=account,
        )

    def without_fallback(self) -> None:
        self.route = replace(self.route, allow_cross_exchange_fallback=False)
        routes = tuple(self.route if r.name == self.route.name else r for r in self.config.routes)
        self.config = replace(self.config, routes=routes)

    def disable(self, exchange: str) -> None:
        self.config = replace(
            self.config, disabled_exchanges=self.config.disabled_exchanges | {exchange}
        )

    # ------------------------------------------------------------------ faults

    def inject(self, exchange: str, fault: str) -> None:
        FAULTS[fault](self.book(exchange))

    def times_out_after_booking(self, exchange: str, lookup: str) -> None:
        """Order entry books (and fills) the order, then says nothing: the client times out.
        ``lookup``: found (queries answer) | error (queries fail) | not_found (nothing booked)."""
        conditions = self.book(exchange).conditions
        if lookup == "not_found":
            conditions.order_entry = OrderEntry.TIMES_OUT
            return
        conditions.order_entry = OrderEntry.TIMES_OUT_AFTER_BOOKING
        conditions.queries_fail = lookup == "error"

    def times_out_slowly(self, exchange: str, percent_of_budget: int) -> None:
        """Order entry is silent for a share of the route's latency budget, then the client times
        out; nothing is booked, lookups answer."""
        conditions = self.book(exchange).conditions
        conditions.order_entry = OrderEntry.TIMES_OUT
        conditions.silence_seconds = self.route.latency_budget_ms * percent_of_budget / 100_000

    # ------------------------------------------------------------------ acting

    def send(self, *, client_order_id: bool = True) -> None:
        self._run(1, client_order_id=client_order_id, concurrently=False)

    def send_concurrently(self, count: int) -> None:
        for book in self._books():
            book.conditions.processing_seconds = CONCURRENT_PROCESSING_SECONDS
        self._run(count, client_order_id=True, concurrently=True)

    def _books(self) -> list[Book]:
        return list(self.books.values())

    def _run(self, count: int, *, client_order_id: bool, concurrently: bool) -> None:
        before = set(threading.enumerate())
        router = self._build()
        if router is None:
            return
        waves = [list(range(count))] if concurrently else [[n] for n in range(count)]
        ours: set[threading.Thread] = set()
        for wave in waves:
            threads = [
                threading.Thread(
                    target=self._execute,
                    args=(router, client_order_id),
                    name=f"gate-order-{n}",
                    daemon=True,
                )
                for n in wave
            ]
            ours.update(threads)
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + EXECUTE_TIMEOUT_SECONDS
            for thread in threads:
                thread.join(max(0.0, deadline - time.monotonic()))
            hung = [t for t in threads if t.is_alive()]
            self.results.extend(
                TimeoutError(
                    f"the router did not return within {EXECUTE_TIMEOUT_SECONDS:g} s; the gate "
                    "stopped waiting"
                )
                for _ in hung
            )
        self._close(router, before | {t for t in ours if not t.is_alive()})

    def _build(self) -> Any:
        assert self.factory is not None
        kwargs: dict[str, Any] = {"clock": self.clock} if self.clock.virtual else {}
        try:
            return self.factory(self.config, dict(self.clients), **kwargs)
        except Exception as error:
            self.results.append(
                RouterNotBuilt(f"the router could not be built: {type(error).__name__}: {error}")
            )
            return None

    def _execute(self, router: Any, client_order_id: bool) -> None:
        request = OrderRequest(
            symbol=self.symbol,
            side="buy",
            quantity=ORDER_QUANTITY,
            price=ORDER_PRICE,
            client_order_id=f"gate-{uuid.uuid4().hex[:16]}" if client_order_id else None,
        )
        context = ExecutionContext(
            environment="live", risk_profile=self.environment.risk_profile_name or ""
        )
        self.sent_at.append(self.clock.monotonic())
        try:
            result = router.execute(request, context)
        except Exception as error:
            self.results.append(error)
        else:
            self.results.append(result)

    def _close(self, router: Any, before: set[threading.Thread]) -> None:
        """``close()`` the router if it has one; then every thread it started must end."""
        close = getattr(router, "close", None)
        self.had_close = callable(close)
        helper: threading.Thread | None = None
        if callable(close):
            problems: list[str] = []

            def run() -> None:
                try:
                    close()
                except Exception as error:
                    problems.append(f"{type(error).__name__}: {error}")

            helper = threading.Thread(target=run, name="gate-router-close", daemon=True)
            helper.start()
            helper.join(CLOSE_TIMEOUT_SECONDS)
            if helper.is_alive():
                problems.append(f"close() did not return within {CLOSE_TIMEOUT_SECONDS:g} s")
            self.close_problem = "; ".join(problems) or None
        deadline = time.monotonic() + CLOSE_GRACE_SECONDS
        started = [t for t in threading.enumerate() if t not in before and t is not helper]
        for thread in started:
            thread.join(max(0.0, deadline - time.monotonic()))
        self.left_running = sorted(
            f"{t.name}{' (daemon)' if t.daemon else ''}" for t in started if t.is_alive()
        )

    # ------------------------------------------------------------------ judging

    def findings(self) -> Findings:
        """The findings every check of a scenario starts from. Raises ``GateLimit`` when the router
        sent anything the fake exchanges could not answer."""
        assert self.fakes is not None
        if self.fakes.unanswerable:
            shown = "; ".join(self.fakes.unanswerable[:5])
            more = len(self.fakes.unanswerable) - 5
            raise GateLimit(
                f"route {self.route.name}: the router sent {len(self.fakes.unanswerable)} "
                f"request(s) the fake exchanges cannot answer ({shown}"
                f"{f'; and {more} more' if more > 0 else ''}); what it did next could be its "
                "reaction to an answer no exchange would give"
            )
        out = Findings(REQUIREMENT, self.judged.file)
        if self._common_reported:
            return out
        self._common_reported = True  # once per scenario, whichever check comes first
        for result in self.results:
            if isinstance(result, RouterResult) and not self._booked(result):
                out.block(
                    "router.result_not_in_books",
                    f"route {self.route.name}: the router reported order {result.order_id} "
                    f"executed by {result.exchange}, but no exchange's book holds that order",
                    line=self.judged.line,
                    expected="a reported execution that the exchange's own book holds",
                    found=self.describe(),
                )
        if self.left_running:
            after = "after close()" if self.had_close else "and has no close()"
            out.block(
                "router.left_running",
                f"route {self.route.name}: the router left {len(self.left_running)} thread(s) "
                f"running {after}: a router that outlives its owner keeps acting on exchanges "
                "nobody watches",
                line=self.judged.line,
                expected="every thread and event loop of the router stopped by close() "
                f"(within {CLOSE_GRACE_SECONDS:g} s)",
                found=", ".join(self.left_running),
            )
        if self.close_problem:
            out.warn(
                "router.close_failed",
                f"route {self.route.name}: closing the router failed",
                found=self.close_problem,
            )
        return out

    def _booked(self, result: RouterResult) -> bool:
        if result.exchange not in self.route.exchanges:
            return False
        wanted = str(result.order_id)
        return any(
            wanted in (o.order_id, o.ticket.client_order_id)
            for o in self.executions(str(result.exchange))
        )

    def facts(self) -> Findings:
        """What the scenario did, for the report (no finding)."""
        out = Findings(REQUIREMENT, self.judged.file)
        out.fact("route judged", self.judged.describe())
        out.fact("clock", self.clock.describe())
        out.fact("exchanges' books", self.describe())
        return out

    def requests_to(self, exchange: str) -> int:
        """Requests the router made to ``exchange`` (the gate's market preload excluded)."""
        return len([r for r in self.book(exchange).requests if r.operation != "markets"])

    def placements(self, exchange: str) -> int:
        """Placement requests that reached ``exchange`` (booked, refused or lost)."""
        return len(self.book(exchange).placement_requests())

    def executions(self, exchange: str) -> list[Order]:
        """Orders ``exchange`` booked: what actually executed there."""
        return list(self.book(exchange).orders)

    def executed(self) -> int:
        return sum(len(self.executions(e)) for e in self.route.exchanges)

    def max_in_flight(self, exchange: str) -> int:
        return self.book(exchange).max_in_flight

    def late_placements(self) -> list[str]:
        """Placements that reached an exchange after the route's latency budget was spent."""
        if not self.sent_at:
            return []
        start, budget = self.sent_at[0], self.route.latency_budget_ms
        late = []
        for name in self.route.exchanges:
            for request in self.book(name).placement_requests():
                elapsed = (request.at - start) * 1000
                if elapsed > budget:
                    late.append(f"{name} at {elapsed:.0f} ms")
        return late

    def describe(self) -> str:
        parts = []
        for name in self.route.exchanges:
            if not self.requests_to(name):
                parts.append(f"{name}: never tried")
                continue
            placed = self.placements(name)
            booked = self.executions(name)
            text = f"{name}: {placed} placement request(s)"
            if booked:
                ids = ", ".join(f"{o.order_id} {o.status}" for o in booked)
                text += f", {len(booked)} order(s) booked ({ids})"
            else:
                text += ", nothing booked"
            parts.append(text)
        return "; ".join(parts)

    def describe_executions(self) -> str:
        """Where one order executed, and how often."""
        parts = []
        for name in self.route.exchanges:
            booked = self.executions(name)
            if booked:
                times = "once" if len(booked) == 1 else f"{len(booked)} times"
                ids = ", ".join(o.order_id for o in booked)
                parts.append(f"{name} booked it {times} (order {ids})")
        total = self.executed()
        return f"executed {total} time(s): " + ("; ".join(parts) if parts else "nowhere")


class Benches(list[RouterBench]):
    """The benches of one scenario (one per judged route), driven together over one transport:
    each route's exchanges are separate accounts, so their books never mix."""

    fakes: FakeExchanges | None = None

    def open(self, policy: Policy) -> None:
        """Load the router factory, set up the fake exchanges and start serving them; the clients
        load their markets while every exchange is healthy (a router starts before an outage).
        A factory that takes the gate's clock gets a virtual one; otherwise the wall clock."""
        factory = load_factory(policy.router_factory)
        self.fakes = FakeExchanges(GateClock(virtual=takes_clock(factory)))
        for index, bench in enumerate(self):
            bench.attach(self.fakes, factory, f"r{index}-")
        self.fakes.__enter__()
        for bench in self:
            for client in bench.clients.values():
                client.load_markets()

    def close(self) -> None:
        for bench in self:
            for client in bench.clients.values():
                retire(client)
        if self.fakes is not None:
            self.fakes.__exit__(None, None, None)
            self.fakes = None

    def each(self, check: Callable[[RouterBench], Findings]) -> Findings:
        merged: Findings | None = None
        for bench in self:
            found = check(bench)
            if merged is None:
                merged = found
            else:
                merged.extend(found)
                merged.facts.extend(found.facts)
                merged.artifacts.extend(a for a in found.artifacts if a not in merged.artifacts)
        return merged if merged is not None else Findings(REQUIREMENT)
