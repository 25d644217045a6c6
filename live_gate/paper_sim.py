"""The reference paper simulator, with the bot's rules (``PaperTradingExecutionService``,
FORMATS.md §6.4), and the protocol a deployment's own simulator is plugged in by
(gate policy ``simulator_factory``, ``module:callable`` taking the paper settings).

Rules, in the bot's order: unknown symbol; side; quantity > 0; quantity >= min_quantity; step
size; a reference price; notional >= min_notional; fill price = reference * (1 +/- bps/10 000)
(buy up, sell down); fee = quantity * fill * (taker for market orders, maker otherwise), in the
quote asset; a buy needs quote >= quantity * fill + fee.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from live_gate.resources.ledger import PaperSettings


class SimulatorRejection(ValueError):
    pass


class InsufficientBalance(SimulatorRejection):
    pass


@dataclass(frozen=True)
class PaperFill:
    symbol: str
    side: str
    quantity: float
    price: float
    fee: float
    fee_asset: str


class PaperSimulator(Protocol):
    def execute(
        self, symbol: str, side: str, quantity: float, order_type: str, reference_price: float
    ) -> PaperFill: ...

    def balance(self, asset: str) -> float: ...


@dataclass
class ReferenceSimulator:
    settings: PaperSettings
    slippage_bps: float = 5.0
    balances: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.balances:
            self.balances = dict(self.settings.initial_balances)

    def balance(self, asset: str) -> float:
        return self.balances.get(asset, 0.0)

    def execute(
        self, symbol: str, side: str, quantity: float, order_type: str, reference_price: float
    ) -> PaperFill:
        market = self.settings.market(symbol)
        if side not in ("buy", "sell"):
            raise SimulatorRejection(f"unknown side {side!r}")
        if quantity <= 0:
            raise SimulatorRejection("quantity must be positive")
        if quantity < float(market.get("min_quantity", 0)):
            raise SimulatorRejection("quantity below the market minimum")
        step = market.get("step_size")
        if step and abs(quantity / float(step) - round(quantity / float(step))) > 1e-8:
            raise SimulatorRejection("quantity does not meet the step size")
        if reference_price <= 0:
            raise SimulatorRejection("no reference price")
        if quantity * reference_price < float(market.get("min_notional", 0)):
            raise SimulatorRejection("notional below the market minimum")
        factor = self.slippage_bps / 10_000
        price = reference_price * (1 + factor if side == "buy" else 1 - factor)
        rate = self.settings.taker_fee if order_type == "market" else self.settings.maker_fee
        fee = quantity * price * rate
        quote = self.settings.quote_asset
        base = symbol[: -len(quote)] if symbol.endswith(quote) else symbol
        if side == "buy":
            cost = quantity * price + fee
            if self.balance(quote) < cost:
                raise InsufficientBalance(
                    f"needs {cost:.2f} {quote}, has {self.balance(quote):.2f}"
                )
            self.balances[quote] = self.balance(quote) - cost
            self.balances[base] = self.balance(base) + quantity
        else:
            self.balances[base] = self.balance(base) - quantity
            self.balances[quote] = self.balance(quote) + quantity * price - fee
        return PaperFill(symbol, side, quantity, price, fee, quote)


def build_simulator(settings: PaperSettings) -> Any:
    """The default ``simulator_factory``."""
    return ReferenceSimulator(settings)
