"""The paper simulator's ledger (``PaperTradingExecutionService``, FORMATS.md §2.6, §6.4) and its
replay from the initial balances.

``<ledger_directory>/<ledger_filename_pattern>`` (default ``ledger-%Y%m%d.jsonl``): compact JSON
per fill or cancel with ``timestamp`` (epoch seconds), ``order_id``, ``symbol`` (``*`` for
cancels), ``side`` (buy|sell|cancel), ``quantity``, ``price``, ``fee``, ``fee_asset``, ``status``
(filled|cancelled), ``leverage``, ``position_value``. ``ledger_directory`` defaults to
``audit/ledger`` under data_cache_path.

Everything is read through ``deployment.files``: the folder is listed (a daily ledger that is a
symbolic link out, a FIFO or a folder named like one is refused, naming it) and each file is
streamed a line at a time. The paper settings are numbers the replay computes with: each must be
a finite number (NaN passes every comparison), or the settings are not used.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from live_gate.errors import UnreadableInput
from live_gate.findings import Findings
from live_gate.kit.values import describe_flag, describe_non_number, finite_number, strict_bool
from live_gate.paths import ConfinedPath
from live_gate.resources.deployment import Deployment, Environment

LEDGER_PATTERN = "ledger-%Y%m%d.jsonl"
MARKET_KEYS = ("min_quantity", "min_notional", "step_size", "tick_size")


@dataclass(frozen=True)
class PaperSettings:
    quote_asset: str
    initial_balances: dict[str, float]
    maker_fee: float
    taker_fee: float
    markets: dict[str, dict[str, float]]
    default_market: dict[str, float]
    ledger_directory: str
    ledger_pattern: str = LEDGER_PATTERN

    def market(self, symbol: str) -> dict[str, float]:
        return {**self.default_market, **self.markets.get(symbol, {})}


@dataclass(frozen=True)
class SettingProblem:
    """A paper setting the replay cannot use: the field, what it should be and what it is."""

    field: str
    expected: str
    found: str
    line: int | None


def read_paper_settings(
    environment: Environment,
) -> tuple[PaperSettings | None, list[SettingProblem]]:
    """The environment's ``adapter_settings.paper_trading``, and every value in it that is not
    what the bot's bootstrap reads (``bootstrap.py:1380-1569``). ``(None, [])`` when there are no
    paper settings; ``(None, problems)`` when some value cannot be used."""
    raw_adapter = environment.raw.get("adapter_settings")
    settings = raw_adapter.get("paper_trading") if isinstance(raw_adapter, dict) else None
    if not isinstance(settings, dict):
        return None, []
    base = ("adapter_settings", "paper_trading")
    prefix = f"environments.{environment.name}.adapter_settings.paper_trading"
    problems: list[SettingProblem] = []

    def problem(path: tuple[str, ...], expected: str, found: str) -> None:
        problems.append(
            SettingProblem(
                ".".join((prefix, *path)), expected, found, environment.line(*base, *path)
            )
        )

    def number(value: Any, path: tuple[str, ...], default: float | None = None) -> float:
        if value is None and default is not None:
            return default
        parsed = finite_number(value)
        if parsed is None or parsed < 0:
            problem(path, "a finite number >= 0", describe_non_number(value))
            return 0.0
        return parsed

    def mapping(value: Any, path: tuple[str, ...]) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            problem(path, "a mapping", describe_non_number(value))
            return {}
        return value

    quote = settings.get("valuation_asset") or "USDT"
    if not isinstance(quote, str):
        problem(("valuation_asset",), "an asset name", describe_non_number(quote))
    balances = {
        str(asset): number(amount, ("initial_balances", str(asset)))
        for asset, amount in mapping(
            settings.get("initial_balances"), ("initial_balances",)
        ).items()
    }
    quote_assets = settings.get("quote_assets") or [quote]
    if not isinstance(quote_assets, list):
        problem(("quote_assets",), "a list of assets", describe_non_number(quote_assets))
        quote_assets = []
    for asset in quote_assets:
        balances.setdefault(str(asset), 100_000.0)  # bootstrap: each quote defaults to 100 000

    def market(value: Any, path: tuple[str, ...]) -> dict[str, float]:
        return {
            str(key): number(amount, (*path, str(key)))
            for key, amount in mapping(value, path).items()
            if key in MARKET_KEYS
        }

    markets = {
        str(symbol): market(spec, ("markets", str(symbol)))
        for symbol, spec in mapping(settings.get("markets"), ("markets",)).items()
    }
    default_market = market(settings.get("default_market"), ("default_market",))
    maker = number(settings.get("maker_fee"), ("maker_fee",), 0.0004)
    taker = number(settings.get("taker_fee"), ("taker_fee",), 0.0006)
    fsync = settings.get("ledger_fsync", False)
    if strict_bool(fsync) is None:
        problem(("ledger_fsync",), "true or false (a YAML boolean)", describe_flag(fsync))
    directory = settings.get("ledger_directory") or "audit/ledger"
    pattern = settings.get("ledger_filename_pattern") or LEDGER_PATTERN
    for key, value in (("ledger_directory", directory), ("ledger_filename_pattern", pattern)):
        if not isinstance(value, str):
            problem((key,), "a string", describe_non_number(value))
    if isinstance(pattern, str) and not pattern_parts(pattern):
        # the bot joins ledger_directory / strftime(pattern): an absolute pattern or a '..' writes
        # the ledger outside the folder the gate (and the operator) looks in
        problem(
            ("ledger_filename_pattern",),
            "a file name pattern inside ledger_directory (sub-folders with '/' allowed, no "
            "leading '/', no '..')",
            describe_non_number(pattern),
        )
    if problems:
        return None, problems
    return (
        PaperSettings(
            quote_asset=str(quote),
            initial_balances=balances,
            maker_fee=maker,
            taker_fee=taker,
            markets=markets,
            default_market=default_market,
            ledger_directory=str(directory),
            ledger_pattern=str(pattern),
        ),
        [],
    )


def paper_settings(environment: Environment) -> PaperSettings | None:
    """The paper settings when present and usable (callers that must say why use
    :func:`read_paper_settings`)."""
    return read_paper_settings(environment)[0]


@dataclass(frozen=True)
class LedgerEntry:
    file: str
    line: int
    data: dict[str, Any]


@dataclass(frozen=True)
class LedgerProblem:
    """A ledger line that does not parse (not JSON, not an object)."""

    file: str
    line: int
    problem: str


# strftime directives that expand to '/' in the C locale the bot runs in
_SLASHED = {"%D": "%m/%d/%y", "%x": "%m/%d/%y"}


def pattern_parts(pattern: str) -> list[str]:
    """The levels of ``ledger_filename_pattern`` as the bot's ``Path`` join makes them: the
    paper ledger accepts '/' and creates sub-folders (``execution/paper.py:554-559``; unlike the
    decision journal). Empty for a pattern that leaves the ledger folder (absolute, '..')."""
    for directive, expanded in _SLASHED.items():
        pattern = pattern.replace(directive, expanded)
    if pattern.startswith("/"):
        return []
    parts = [part for part in pattern.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        return []
    return parts


def _named_like(pattern: str) -> Callable[[str], bool]:
    def accept(name: str) -> bool:
        try:
            datetime.strptime(name, pattern)
        except ValueError:
            return False
        return True

    return accept


def ledger_files(
    environment: Environment, directory: ConfinedPath, pattern: str, out: Findings
) -> list[ConfinedPath]:
    """The daily ledgers in path order; entries named like one that are not regular files
    inside the deployment (links out, FIFOs, folders) are findings in ``out``. A pattern with
    '/' is followed level by level, each folder named like its level (``%Y/%m/x-%d.jsonl``
    reads ``2026/11/x-17.jsonl``), as the bot writes it."""
    files = environment.deployment.files
    kind = files.kind(directory)
    if kind == "missing":
        return []
    if kind != "dir":
        from live_gate.kit.files import InputRefused

        out.refused(InputRefused(f"is {kind}, not a folder; it was not read", directory.relative))
        return []
    parts = pattern_parts(pattern)
    if not parts:
        return []  # reported as a setting problem by read_paper_settings
    folders = [directory]
    for level in parts[:-1]:
        folders = [
            sub
            for folder in folders
            for sub in files.listing(
                folder, out, accept=_named_like(level), want="dir", skip=("file",)
            )
        ]
    return [
        ledger
        for folder in folders
        for ledger in files.listing(
            folder, out, accept=_named_like(parts[-1]), want="file", skip=()
        )
    ]


def read_ledger(
    environment: Environment, directory: ConfinedPath, pattern: str, out: Findings
) -> Iterator[LedgerEntry | LedgerProblem]:
    """Entries in file and line order, streamed; a line that does not parse comes as a
    :class:`LedgerProblem`. A file that cannot be read through is ``input.refused`` in ``out``."""
    files = environment.deployment.files
    for confined in ledger_files(environment, directory, pattern, out):
        out.read(confined.relative)
        try:
            for number, data, problem in files.json_lines(confined):
                if problem is not None:
                    yield LedgerProblem(confined.relative, number, problem)
                elif not isinstance(data, dict):
                    yield LedgerProblem(confined.relative, number, "not a JSON object")
                else:
                    yield LedgerEntry(confined.relative, number, data)
        except UnreadableInput as exc:
            out.refused(exc)


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


T = TypeVar("T")

# One replay per deployment object, paper environment and judging inputs: PRE-8 and ACT-3 of a gate
# run (and anything else that replays the same ledger) share one streamed pass over a ledger that
# may hold millions of fills. Keyed by the ``Deployment`` object, which holds the configuration and
# the input limits it was opened with: a deployment opened again (another run, another policy's
# limits, a mutated copy in a self-test) never reuses a replay. Weak: the replay goes with it.
_REPLAYS: weakref.WeakKeyDictionary[Deployment, dict[tuple[Hashable, ...], Any]] = (
    weakref.WeakKeyDictionary()
)


def replay_once(environment: Environment, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """``compute()`` once per ``environment`` (its deployment object and name) and ``key``; later
    calls get the same result. An exception is not remembered: the next caller computes again
    (and fails the same way), so every requirement that needs the replay reports it."""
    cached = _REPLAYS.setdefault(environment.deployment, {})
    full = (environment.name, *key)
    if full not in cached:
        cached[full] = compute()
    result: T = cached[full]
    return result
