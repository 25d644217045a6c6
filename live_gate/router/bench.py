"""The PRE-7 bench: the deployment's route, its exchanges mocked over HTTP, the router under
test built by the policy's factory, and checks of what reached which exchange."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from live_gate.checks.router import check_route_settings
from live_gate.exchanges import AMBIGUOUS_FAULTS, MockedExchanges
from live_gate.findings import Findings
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment
from live_gate.router.protocol import (
    ExecutionContext,
    OrderRefused,
    OrderRequest,
    Route,
    RouterConfig,
    RouterError,
    RouterResult,
    load_factory,
    router_config,
)

REQUIREMENT = "PRE-7"
SUPPORTED = ("binance", "kraken")


class BenchUnusable(Exception):
    """The deployment's routing configuration cannot be exercised: a finding, not a crash."""

    def __init__(self, findings: Findings) -> None:
        super().__init__("\n".join(f.explain() for f in findings))
        self.findings = findings


@dataclass
class RouterBench:
    environment: Environment
    policy: Policy
    config: RouterConfig
    route: Route
    symbol: str
    exchanges: MockedExchanges | None = None
    results: list[RouterResult | BaseException] = field(default_factory=list)
    answered: set[str] = field(default_factory=set)

    @classmethod
    def for_environment(cls, environment: Environment, policy: Policy) -> RouterBench:
        deployment = environment.deployment
        out = Findings(REQUIREMENT, deployment.config_file)
        # the settings as values first: router_config would read "false" as True and crash on NaN
        out.extend(check_route_settings(deployment))
        if out.blocking_count():
            raise BenchUnusable(out)
        config, problems = router_config(deployment.raw)
        for problem in problems:
            out.block(
                "route.invalid",
                problem,
                line=deployment.line("execution", "live_router"),
                field="execution.live_router.routes",
            )
        symbol = policy.router_symbol
        profile = environment.risk_profile_name or ""
        route = config.route_for(symbol, profile)
        if route is None:
            out.block(
                "route.missing",
                f"no route of execution.live_router serves {symbol} for risk profile {profile!r}",
                line=deployment.line("execution", "live_router") or 1,
                field="execution.live_router.routes",
                expected=f"a route for {symbol} and {profile}",
                found=", ".join(r.name for r in config.routes) or "no route",
            )
        else:
            for name in route.exchanges:
                if not name.startswith(SUPPORTED):
                    out.block(
                        "route.exchange_unmockable",
                        f"route {route.name}: exchange {name} has no mocked ccxt client "
                        "in the gate",
                        line=deployment.line("execution", "live_router"),
                        field=f"execution.live_router.routes[{route.name}].exchanges",
                        expected="binance_* or kraken_*",
                        found=name,
                    )
            if len(route.exchanges) < 2:
                out.block(
                    "route.no_backup",
                    f"route {route.name} has a single exchange: there is nothing to fail over to",
                    line=deployment.line("execution", "live_router"),
                    field=f"execution.live_router.routes[{route.name}].exchanges",
                    expected="a primary and a backup exchange",
                    found=list(route.exchanges),
                )
        if out.blocking_count():
            raise BenchUnusable(out)
        assert route is not None
        return cls(environment, policy, config, route, symbol)

    # ------------------------------------------------------------------ arranging

    @property
    def primary(self) -> str:
        return self.route.exchanges[0]

    @property
    def backup(self) -> str:
        return self.route.exchanges[1]

    def open(self) -> MockedExchanges:
        self.exchanges = MockedExchanges(list(self.route.exchanges)).__enter__()
        return self.exchanges

    def close(self) -> None:
        if self.exchanges is not None:
            self.exchanges.__exit__(None, None, None)

    def without_fallback(self) -> None:
        self.route = replace(self.route, allow_cross_exchange_fallback=False)
        self._replace_route()

    def disable(self, exchange: str) -> None:
        self.config = replace(
            self.config, disabled_exchanges=self.config.disabled_exchanges | {exchange}
        )

    def _replace_route(self) -> None:
        routes = tuple(self.route if r.name == self.route.name else r for r in self.config.routes)
        self.config = replace(self.config, routes=routes)

    def _router(self) -> Any:
        assert self.exchanges is not None
        factory = load_factory(self.policy.router_factory)
        router = factory(self.config, self.exchanges.clients)
        if hasattr(router, "sleep"):
            router.sleep = lambda _seconds: None  # backoff is measured, not waited for
        return router

    # ------------------------------------------------------------------ acting

    def inject(self, exchange: str, fault: str, lookup: str | None = None) -> None:
        """``exchange`` answers every placement with ``fault``; an ambiguous fault is followed
        by a lookup by client order id answering ``lookup`` (default: not found)."""
        assert self.exchanges is not None
        self.exchanges.fail(exchange, fault)
        if fault in AMBIGUOUS_FAULTS or lookup is not None:
            self.exchanges.lookup(exchange, lookup or "not_found")
        self.answered.add(exchange)

    def _fill_the_rest(self) -> None:
        assert self.exchanges is not None
        for name in self.route.exchanges:
            if name not in self.answered:
                self.exchanges.fill(name)
                self.answered.add(name)

    def send(self, *, live: bool = True, client_order_id: bool = True) -> None:
        self._fill_the_rest()
        router = self._router()
        self.results.append(self._execute(router, live, client_order_id))

    def send_concurrently(self, count: int) -> None:
        assert self.exchanges is not None
        self.exchanges.latency = 0.02  # long enough for orders to overlap at the exchange
        self._fill_the_rest()
        router = self._router()
        threads = [
            threading.Thread(target=lambda: self.results.append(self._execute(router, True, True)))
            for _ in range(count)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    def _execute(self, router: Any, live: bool, client_order_id: bool) -> Any:
        request = OrderRequest(
            symbol=self.symbol,
            side="buy",
            quantity=0.01,
            price=64_000.0,
            client_order_id=f"gate-{uuid.uuid4().hex[:16]}" if client_order_id else None,
        )
        context = ExecutionContext(
            environment="live" if live else "paper",
            risk_profile=self.environment.risk_profile_name or "",
        )
        try:
            return router.execute(request, context)
        except (RouterError, OrderRefused) as error:
            return error
        except Exception as error:
            return error

    # ------------------------------------------------------------------ judging

    def findings(self) -> Findings:
        out = Findings(REQUIREMENT, self.environment.deployment.config_file)
        assert self.exchanges is not None
        for request in self.exchanges.unmatched():
            out.block(
                "bench.unmatched_request",
                f"the router sent a request the bench does not "
                f"answer ({request}): a failure it caused would look like a network "
                "outage, so this scenario proves nothing",
                expected="only answered requests",
                found=request,
            )
        return out

    def placements(self, exchange: str) -> int:
        assert self.exchanges is not None
        return self.exchanges.placements(exchange)

    def describe(self) -> str:
        assert self.exchanges is not None
        return ", ".join(
            f"{name}: {self.exchanges.placements(name)} placement(s)"
            for name in self.route.exchanges
        )
