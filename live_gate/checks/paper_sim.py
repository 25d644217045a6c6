"""PRE-8, the simulator half: the paper simulator under test (policy ``simulator_factory``)
applies the bot's rules with the paper environment's own settings."""

from __future__ import annotations

import math

from live_gate.checks import Findings
from live_gate.checks.paper import paper_counterpart, report_setting_problems
from live_gate.paper_sim import InsufficientBalance, SimulatorRejection
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment
from live_gate.resources.ledger import read_paper_settings
from live_gate.router.protocol import load_factory

SYMBOL = "BTCUSDT"
PRICE = 64_000.0


def _simulator(environment: Environment, policy: Policy, out: Findings):  # type: ignore[no-untyped-def]
    paper = paper_counterpart(environment, out)
    settings, problems = read_paper_settings(paper) if paper is not None else (None, [])
    if paper is not None and problems:
        report_setting_problems(out, paper, problems)
        return None, None
    if settings is None:
        if paper is not None:
            out.block(
                "paper.not_configured",
                f"{paper.name} has no paper_trading settings",
                file=environment.deployment.config_file,
                line=paper.line(),
                field=f"environments.{paper.name}.adapter_settings.paper_trading",
                expected="the paper simulator's settings",
                found="absent",
            )
        return None, None
    factory = load_factory(policy.simulator_factory)
    return factory(settings), settings


def check_simulator_rules(environment: Environment, policy: Policy) -> Findings:
    out = Findings("PRE-8", environment.deployment.config_file)
    simulator, settings = _simulator(environment, policy, out)
    if simulator is None or settings is None:
        return out
    market = settings.market(SYMBOL)
    min_quantity = float(market.get("min_quantity", 0))
    min_notional = float(market.get("min_notional", 0))

    def rejects(
        label: str,
        rule: str,
        quantity: float,
        kind: type[Exception] = SimulatorRejection,
        price: float = PRICE,
    ) -> None:
        try:
            fill = simulator.execute(SYMBOL, "buy", quantity, "limit", price)
        except kind:
            return
        except Exception as error:
            out.block(
                rule,
                f"{label}: the simulator failed instead of rejecting ({error})",
                expected=f"{kind.__name__}",
                found=type(error).__name__,
            )
            return
        out.block(
            rule,
            f"{label}: the simulator filled it",
            expected="a rejection",
            found=f"filled {fill.quantity} @ {fill.price}",
        )

    if min_quantity > 0:
        rejects(
            f"an order of {min_quantity / 2:g} (minimum {min_quantity:g})",
            "simulator.min_quantity_ignored",
            min_quantity / 2,
        )
    if min_notional > 0:
        # at a price where even the smallest allowed quantity is worth less than the minimum
        quantity = max(min_quantity, 0.001)
        low_price = min_notional / quantity / 2
        rejects(
            f"an order worth {quantity * low_price:g} (minimum {min_notional:g})",
            "simulator.min_notional_ignored",
            quantity,
            price=low_price,
        )
    step = market.get("step_size")
    if step:
        rejects(
            f"an order off the step size {step}",
            "simulator.step_size_ignored",
            float(step) * 10 + float(step) / 3,
        )
    rejects(
        "a buy beyond the quote balance",
        "simulator.overdraft",
        settings.initial_balances.get(settings.quote_asset, 0) / PRICE * 2,
        kind=InsufficientBalance,
    )
    # a valid order: above both minimums, on the step size
    quantity = max(min_quantity, min_notional / PRICE * 1.5, 0.01)
    if step:
        quantity = math.ceil(quantity / float(step) - 1e-9) * float(step)
    try:
        fills = [
            (order_type, rate, simulator.execute(SYMBOL, "buy", quantity, order_type, PRICE))
            for order_type, rate in (("market", settings.taker_fee), ("limit", settings.maker_fee))
        ]
        sell = simulator.execute(SYMBOL, "sell", quantity, "limit", PRICE)
    except SimulatorRejection as error:
        out.block(
            "simulator.valid_order_rejected",
            f"a valid order of {quantity:g} @ {PRICE:g} was rejected: {error}",
            expected="a fill",
            found=str(error),
        )
        return out
    for order_type, rate, fill in fills:
        expected = fill.quantity * fill.price * rate
        if not math.isclose(fill.fee, expected, rel_tol=1e-9, abs_tol=1e-12):
            out.block(
                "simulator.fee_rate",
                f"a {order_type} order was charged {fill.fee:.6g}",
                expected=f"{expected:.6g} ({'taker' if order_type == 'market' else 'maker'}"
                f" rate {rate})",
                found=f"{fill.fee:.6g}",
            )
        if fill.price < PRICE:
            out.block(
                "simulator.slippage_direction",
                "a buy filled below the reference price",
                expected=f">= {PRICE:g}",
                found=f"{fill.price:g}",
            )
    if sell.price > PRICE:
        out.block(
            "simulator.slippage_direction",
            "a sell filled above the reference price",
            expected=f"<= {PRICE:g}",
            found=f"{sell.price:g}",
        )
    return out
