"""Which routes PRE-7 judges: the ones the bot will use for the environment's live symbol.

The bot has two places that name a live route (FORMATS.md §0.6, §1.6):

- ``execution.live_router`` in ``config/core.yaml``: named routes with retries, a latency budget
  and ``allow_cross_exchange_fallback`` ("routes" mode of ``LiveExecutionRouter``). The runbook's
  router test and the stage-4 audit read it; the core loader never does.
- ``execution.live`` in ``config/runtime.yaml``: what production actually wires
  (``build_live_execution_service``): ``route_overrides[symbol]`` or ``default_route`` or the
  environment's own exchange, in "plan" mode - one attempt, and only the first exchange is ever
  used.

The gate judges the core route, and the runtime plan too whenever ``config/runtime.yaml`` enables
``execution.live``: the same scenarios, on the same fake exchanges, against each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from live_gate.errors import UnreadableInput
from live_gate.findings import Findings
from live_gate.resources.deployment import Environment
from live_gate.router.protocol import (
    CORE_SOURCE,
    RUNTIME_SOURCE,
    Route,
    RouterConfig,
    router_config,
)

REQUIREMENT = "PRE-7"
RUNTIME_FILE = "config/runtime.yaml"
PLAN_LATENCY_BUDGET_MS = 250.0  # RouteDefinition's default: the plan itself has none


@dataclass(frozen=True)
class JudgedRoute:
    source: str  # CORE_SOURCE | RUNTIME_SOURCE
    file: str  # the configuration file that names it
    line: int | None
    config: RouterConfig  # what the router under test is built from
    route: Route  # the route that serves the symbol

    def describe(self) -> str:
        route = self.route
        fallback = "fallback allowed" if route.allow_cross_exchange_fallback else "no fallback"
        return (
            f"{route.name} from {self.source} ({' -> '.join(route.exchanges)}; {fallback}; "
            f"{route.max_retries_per_exchange} attempt(s) per exchange; latency budget "
            f"{route.latency_budget_ms:g} ms; {self.config.mode} mode)"
        )


def core_route(environment: Environment, symbol: str, out: Findings) -> JudgedRoute | None:
    deployment = environment.deployment
    config, problems = router_config(deployment.raw)
    line = deployment.line("execution", "live_router")
    for problem in problems:
        out.block("route.invalid", problem, line=line, field="execution.live_router.routes")
    profile = environment.risk_profile_name or ""
    route = config.route_for(symbol, profile)
    if route is None:
        out.block(
            "route.missing",
            f"no route of execution.live_router serves {symbol} for risk profile {profile!r}",
            line=line or 1,
            field="execution.live_router.routes",
            expected=f"a route for {symbol} and {profile}",
            found=", ".join(r.name for r in config.routes) or "no route",
        )
        return None
    return JudgedRoute(CORE_SOURCE, deployment.config_file, line, config, route)


def runtime_route(
    environment: Environment, symbol: str, core: RouterConfig, out: Findings
) -> JudgedRoute | None:
    """The production plan from ``config/runtime.yaml``, read through the kit's confined reader;
    None when the file is absent or does not enable ``execution.live``."""
    files = environment.deployment.files
    try:
        confined = files.at(RUNTIME_FILE)
        kind = files.kind(confined)
        if kind == "missing":
            return None
        document = files.yaml(confined)
    except UnreadableInput as error:
        out.refused(error)
        return None
    out.read(RUNTIME_FILE)
    data = _section(document.data)
    live = _section(_section(data.get("execution")).get("live"))
    line = document.line_of("execution", "live")
    # the bot's loader: enabled=bool(live.get("enabled", False)) - any truthy value enables it
    if not live or not bool(live.get("enabled", False)):
        out.warn(
            "runtime.live_disabled",
            f"{RUNTIME_FILE} does not enable execution.live: the bot's execution mode policy "
            "builds no live router from it (default_mode live refuses to start, auto and paper "
            "trade on paper), so only the execution.live_router route of core.yaml is judged",
            file=RUNTIME_FILE,
            line=line or 1,
            field="execution.live.enabled",
            expected="true when this deployment goes live",
            found=repr(live.get("enabled")) if live else "no execution.live section",
        )
        return None
    plan = _names(_section(live.get("route_overrides")).get(symbol))
    field = f"execution.live.route_overrides.{symbol}"
    if not plan:
        plan, field = _names(live.get("default_route")), "execution.live.default_route"
    if not plan:
        exchange = environment.raw.get("exchange")
        plan = (str(exchange),) if exchange else ()
        field = f"environments.{environment.name}.exchange (execution.live.default_route is empty)"
    if not plan:
        out.block(
            "route.invalid",
            f"{RUNTIME_FILE} enables execution.live but names no exchange for {symbol}",
            file=RUNTIME_FILE,
            line=line,
            field="execution.live.default_route",
            expected="route_overrides or default_route naming the exchanges",
            found="nothing",
        )
        return None
    limits = _section(live.get("qos")).get("per_exchange_concurrency")
    concurrency = (
        {
            str(k): int(v)
            for k, v in limits.items()
            if isinstance(v, int) and not isinstance(v, bool)
        }
        if isinstance(limits, dict)
        else dict(core.per_exchange_concurrency)
    )
    route = Route(
        name="execution.live",
        exchanges=plan,
        symbols=(symbol,),
        max_retries_per_exchange=1,
        latency_budget_ms=PLAN_LATENCY_BUDGET_MS,
        # the plan lists a backup: failing over to it is what the runbook asks of the router
        allow_cross_exchange_fallback=len(plan) > 1,
    )
    config = RouterConfig(
        (route,),
        concurrency,
        core.disabled_exchanges,
        mode="plan",
        source=f"{RUNTIME_SOURCE} ({field})",
    )
    return JudgedRoute(f"{RUNTIME_SOURCE} ({field})", RUNTIME_FILE, line, config, route)


def _section(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, list | tuple):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return ()
