"""The router protocol: what the gate needs from any live execution router.

A factory builds a router from the route configuration and a set of exchange clients::

    def build_router(routes: RouterConfig, clients: Mapping[str, ccxt.Exchange]) -> Router

and the router executes one order in a context, reporting which exchange filled it and every
attempt made. Adapting the bot's ``LiveExecutionRouter`` takes a few lines (README, "Plugging in
the bot's router").
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Route:
    """``execution.live_router.routes[*]`` (``RouteDefinition``, live_router.py:218-236)."""

    name: str
    exchanges: tuple[str, ...]
    symbols: tuple[str, ...] = ()
    risk_profiles: tuple[str, ...] = ()
    max_retries_per_exchange: int = 1
    latency_budget_ms: float = 250.0
    allow_cross_exchange_fallback: bool = False


@dataclass(frozen=True)
class RouterConfig:
    routes: tuple[Route, ...]
    per_exchange_concurrency: Mapping[str, int] = field(default_factory=dict)
    disabled_exchanges: frozenset[str] = frozenset()

    def route_for(self, symbol: str, risk_profile: str) -> Route | None:
        """Route selection as the bot's (live_router.py:1807-1830), without the metadata key."""
        for route in self.routes:
            if route.symbols and symbol not in route.symbols:
                continue
            if route.risk_profiles and risk_profile not in route.risk_profiles:
                continue
            return route
        return None


@dataclass(frozen=True)
class OrderRequest:
    symbol: str  # the route's symbol, e.g. BTCUSDT
    side: str
    quantity: float
    price: float | None = None
    order_type: str = "limit"
    client_order_id: str | None = None


@dataclass(frozen=True)
class ExecutionContext:
    environment: str  # "live" | "paper" | "testnet" | "demo"
    risk_profile: str
    portfolio_id: str = "gate"
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Attempt:
    exchange: str
    outcome: str  # filled | transient | ambiguous | reconciled | not_found | rejected | auth | ...
    error: str | None = None


@dataclass
class RouterResult:
    exchange: str | None
    order_id: str | None
    status: str
    attempts: list[Attempt] = field(default_factory=list)


class RouterError(Exception):
    """The order was not executed (or its fate is unknown); ``attempts`` says what was tried."""

    def __init__(
        self,
        message: str,
        attempts: list[Attempt],
        *,
        ambiguous: bool = False,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.ambiguous = ambiguous
        self.cause = cause


class OrderRefused(ValueError):
    """Refused before touching any exchange (e.g. no client_order_id in a live context)."""


class Router(Protocol):
    def execute(self, request: OrderRequest, context: ExecutionContext) -> RouterResult: ...


RouterFactory = Callable[[RouterConfig, Mapping[str, Any]], Router]


def load_factory(spec: str) -> Callable[..., Any]:
    """``"package.module:callable"``."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"router factory {spec!r} is not 'module:callable'")
    module = importlib.import_module(module_name)
    factory = getattr(module, attribute)
    if not callable(factory):
        raise ValueError(f"router factory {spec!r} is not callable")
    return factory  # type: ignore[no-any-return]  # a plugin: checked by calling it


def router_config(raw: Mapping[str, Any]) -> tuple[RouterConfig, list[str]]:
    """Read ``execution.live_router`` and ``exchange_lifecycle`` from the core config."""
    problems: list[str] = []
    section = (raw.get("execution") or {}).get("live_router") or {}
    routes = []
    for index, item in enumerate(section.get("routes") or []):
        if not isinstance(item, dict) or not item.get("name") or not item.get("exchanges"):
            problems.append(f"execution.live_router.routes[{index}] has no name or exchanges")
            continue
        routes.append(
            Route(
                name=str(item["name"]),
                exchanges=tuple(str(e) for e in item["exchanges"]),
                symbols=tuple(str(s) for s in item.get("symbols") or ()),
                risk_profiles=tuple(str(p) for p in item.get("risk_profiles") or ()),
                max_retries_per_exchange=max(1, int(item.get("max_retries_per_exchange") or 1)),
                latency_budget_ms=float(item.get("latency_budget_ms") or 250.0),
                allow_cross_exchange_fallback=bool(
                    item.get("allow_cross_exchange_fallback", False)
                ),
            )
        )
    qos = section.get("qos") or {}
    concurrency = {str(k): int(v) for k, v in (qos.get("per_exchange_concurrency") or {}).items()}
    lifecycle = raw.get("exchange_lifecycle") or {}
    disabled = frozenset(
        str(name)
        for name, state in lifecycle.items()
        if isinstance(state, dict)
        and str(state.get("status", "active")).lower() in ("disabled", "deprecated")
    )
    return RouterConfig(tuple(routes), concurrency, disabled), problems
