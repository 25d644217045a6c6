"""Deliberately broken paper simulators: each must make PRE-8 NO-GO (simulator_factory)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from live_gate.paper_sim import PaperFill, ReferenceSimulator
from live_gate.resources.ledger import PaperSettings


@dataclass
class IgnoresMinimums(ReferenceSimulator):
    def __post_init__(self) -> None:
        super().__post_init__()
        self.settings = replace(self.settings, default_market={}, markets={})


@dataclass
class MakerFeeForMarketOrders(ReferenceSimulator):
    def execute(
        self, symbol: str, side: str, quantity: float, order_type: str, reference_price: float
    ) -> PaperFill:
        return super().execute(symbol, side, quantity, "limit", reference_price)


@dataclass
class FavourableSlippage(ReferenceSimulator):
    def __post_init__(self) -> None:
        super().__post_init__()
        self.slippage_bps = -5.0


@dataclass
class AllowsOverdraft(ReferenceSimulator):
    def balance(self, asset: str) -> float:
        return float("inf") if asset == self.settings.quote_asset else super().balance(asset)


def ignores_minimums(settings: PaperSettings) -> Any:
    return IgnoresMinimums(settings)


def maker_fee_for_market_orders(settings: PaperSettings) -> Any:
    return MakerFeeForMarketOrders(settings)


def favourable_slippage(settings: PaperSettings) -> Any:
    return FavourableSlippage(settings)


def allows_overdraft(settings: PaperSettings) -> Any:
    return AllowsOverdraft(settings)


@dataclass
class RejectsEverything(ReferenceSimulator):
    def execute(
        self, symbol: str, side: str, quantity: float, order_type: str, reference_price: float
    ) -> PaperFill:
        from live_gate.paper_sim import SimulatorRejection

        raise SimulatorRejection("market closed")


def rejects_everything(settings: PaperSettings) -> Any:
    return RejectsEverything(settings)
