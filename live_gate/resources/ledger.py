"""The paper simulator's ledger (``PaperTradingExecutionService``, FORMATS.md §2.6, §6.4) and its
replay from the initial balances.

``<ledger_directory>/ledger-%Y%m%d.jsonl``: compact JSON per fill or cancel with ``timestamp``
(epoch seconds), ``order_id``, ``symbol`` (``*`` for cancels), ``side`` (buy|sell|cancel),
``quantity``, ``price``, ``fee``, ``fee_asset``, ``status`` (filled|cancelled), ``leverage``,
``position_value``. ``ledger_directory`` defaults to ``audit/ledger`` under data_cache_path.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from live_gate.paths import ConfinedPath
from live_gate.resources.deployment import Environment
from live_gate.resources.jsonl import json_lines

LEDGER_PATTERN = "ledger-%Y%m%d.jsonl"


@dataclass(frozen=True)
class PaperSettings:
    quote_asset: str
    initial_balances: dict[str, float]
    maker_fee: float
    taker_fee: float
    markets: dict[str, dict[str, float]]
    default_market: dict[str, float]
    ledger_directory: str

    def market(self, symbol: str) -> dict[str, float]:
        return {**self.default_market, **self.markets.get(symbol, {})}


def paper_settings(environment: Environment) -> PaperSettings | None:
    settings = (environment.raw.get("adapter_settings") or {}).get("paper_trading")
    if not isinstance(settings, dict):
        return None
    quote = str(settings.get("valuation_asset") or "USDT")
    balances = {str(k): float(v) for k, v in (settings.get("initial_balances") or {}).items()}
    for asset in settings.get("quote_assets") or [quote]:
        balances.setdefault(str(asset), 100_000.0)  # bootstrap: each quote defaults to 100 000
    return PaperSettings(
        quote_asset=quote,
        initial_balances=balances,
        maker_fee=float(settings.get("maker_fee", 0.0004)),
        taker_fee=float(settings.get("taker_fee", 0.0006)),
        markets={str(k): dict(v) for k, v in (settings.get("markets") or {}).items()},
        default_market=dict(settings.get("default_market") or {}),
        ledger_directory=str(settings.get("ledger_directory") or "audit/ledger"),
    )


@dataclass(frozen=True)
class LedgerEntry:
    file: str
    line: int
    data: dict[str, Any]

    @property
    def when(self) -> datetime:
        return datetime.fromtimestamp(float(self.data["timestamp"]), tz=UTC)


def ledger_files(directory: ConfinedPath) -> list[Path]:
    found = []
    for path in sorted(directory.path.iterdir()) if directory.path.is_dir() else []:
        try:
            datetime.strptime(path.name, LEDGER_PATTERN)
        except ValueError:
            continue
        found.append(path)
    return found


def read_ledger(
    directory: ConfinedPath, root: Path
) -> Iterator[LedgerEntry | tuple[str, int, str]]:
    """Entries in file and line order; a line that does not parse comes as (file, line, why)."""
    for path in ledger_files(directory):
        relative = path.relative_to(root).as_posix()
        for number, data, problem in json_lines(path, relative):
            if problem is not None:
                yield (relative, number, problem)
            elif not isinstance(data, dict):
                yield (relative, number, "not a JSON object")
            else:
                yield LedgerEntry(relative, number, data)


@dataclass
class Replay:
    """Balances and equity replayed fill by fill; prices are the last fill price per symbol."""

    quote_asset: str
    balances: dict[str, float]
    last_price: dict[str, float] = field(default_factory=dict)
    peak_equity: float = 0.0
    max_drawdown: float = 0.0
    day_start: dict[str, float] = field(default_factory=dict)
    worst_daily_loss: float = 0.0
    largest_position_share: float = 0.0
    max_open_positions: int = 0

    def equity(self) -> float:
        value = self.balances.get(self.quote_asset, 0.0)
        for asset, amount in self.balances.items():
            if asset != self.quote_asset:
                value += amount * self.last_price.get(asset, 0.0)
        return value

    def observe(self, day: str) -> None:
        equity = self.equity()
        self.peak_equity = max(self.peak_equity, equity)
        if self.peak_equity > 0:
            self.max_drawdown = max(self.max_drawdown, 1 - equity / self.peak_equity)
        start = self.day_start.setdefault(day, equity)
        if start > 0:
            self.worst_daily_loss = max(self.worst_daily_loss, 1 - equity / start)
        positions = {
            a: v for a, v in self.balances.items() if a != self.quote_asset and abs(v) > 1e-12
        }
        self.max_open_positions = max(self.max_open_positions, len(positions))
        if equity > 0:
            for asset, amount in positions.items():
                share = abs(amount) * self.last_price.get(asset, 0.0) / equity
                self.largest_position_share = max(self.largest_position_share, share)
