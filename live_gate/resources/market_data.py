"""The environment's OHLCV cache, in the bot's own format (upstream ``bot_core/data/ohlcv``).

- Manifest: ``<data_cache_path>/ohlcv_manifest.sqlite``, table ``metadata(key, value)`` with
  ``last_timestamp::<symbol>::<interval>`` (epoch ms) and ``row_count::<symbol>::<interval>``
  (``SQLiteCacheStorage(store_rows=False)``).
- Bars: ``<data_cache_path>/ohlcv_parquet/<namespace>/<symbol>/<interval>/year=YYYY/month=MM/
  data.parquet`` with columns ``open_time`` (epoch ms), ``open``, ``high``, ``low``, ``close``,
  ``volume`` (``ParquetCacheStorage``); the namespace is ``data_source.cache_namespace`` or the
  environment's exchange.
- What must be there: the environment's instrument universe, ``instruments.<name>.exchanges
  .<exchange>`` (the symbol) and ``backfill[{interval, lookback_days}]``.

Everything is read through the kit (``deployment.files``): the manifest opened read-only and
immutable (SQLite writes nothing, not even a journal) and queried one key at a time; partitions
listed folder by folder (a link leaving the deployment or a FIFO is a finding, never read) and
streamed one column, one batch at a time from a handle the kit opened, so a year of one-minute
bars is never in memory.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from live_gate.kit.files import DeploymentFiles
from live_gate.kit.values import describe_non_number, finite_number
from live_gate.paths import ConfinedPath
from live_gate.resources.deployment import Environment, UnreadableInput

if TYPE_CHECKING:
    from live_gate.findings import Findings

MANIFEST = "ohlcv_manifest.sqlite"
PARQUET_ROOT = "ohlcv_parquet"
BATCH_ROWS = 65_536

# bot_core/data/ohlcv/coverage_check.py:_interval_minutes
INTERVAL_MINUTES = {
    "1m": 1,
    "3m": 3,
    "5m": 5,
    "15m": 15,
    "30m": 30,
    "1h": 60,
    "2h": 120,
    "4h": 240,
    "6h": 360,
    "8h": 480,
    "12h": 720,
    "1d": 1440,
    "3d": 4320,
    "1w": 10_080,
    "1M": 43_200,
}


@dataclass(frozen=True)
class Series:
    instrument: str
    symbol: str
    interval: str
    lookback_days: float

    @property
    def key(self) -> str:
        return f"{self.symbol}::{self.interval}"

    @property
    def minutes(self) -> int:
        return INTERVAL_MINUTES[self.interval]

    @property
    def required_rows(self) -> int:
        # coverage_check.evaluate_coverage: ceil(lookback_days * 24 * 60 / interval_minutes)
        return math.ceil(self.lookback_days * 24 * 60 / self.minutes)


@dataclass(frozen=True)
class BarScan:
    rows: int
    first_ms: int | None
    last_ms: int | None
    max_gap_minutes: float  # longest stretch without a bar, beyond one interval
    gap_after_ms: int | None
    out_of_order: int
    files: tuple[str, ...]


def expected_series(environment: Environment) -> tuple[list[Series], list[str]]:
    """The series the environment trades, and problems reading the universe (a container that
    is not the mapping or list the bot reads, a lookback that is not a finite number above 0)."""
    problems: list[str] = []
    universe_name = environment.raw.get("instrument_universe")
    universes = environment.deployment.section("instrument_universes")
    universe = universes.get(universe_name) if isinstance(universe_name, str) else None
    if not isinstance(universe, dict):
        return [], [f"instrument universe {universe_name!r} is not defined"]
    exchange = str(environment.raw.get("exchange", ""))
    instruments = universe.get("instruments") or {}
    if not isinstance(instruments, dict):
        return [], [f"instrument universe {universe_name!r}: instruments is not a mapping"]
    found: dict[tuple[str, str], Series] = {}
    for name, instrument in instruments.items():
        if not isinstance(instrument, dict):
            problems.append(f"{name}: not a mapping")
            continue
        exchanges = instrument.get("exchanges") or {}
        if not isinstance(exchanges, dict):
            problems.append(f"{name}: exchanges is not a mapping")
            continue
        symbol = exchanges.get(exchange)
        if not symbol:
            continue
        backfill = instrument.get("backfill") or []
        if not isinstance(backfill, list):
            problems.append(f"{name}: backfill is not a list")
            continue
        for index, window in enumerate(backfill):
            if not isinstance(window, dict):
                problems.append(f"{name}: backfill[{index}] is not a mapping")
                continue
            interval = str(window.get("interval", ""))
            if interval not in INTERVAL_MINUTES:
                problems.append(f"{name}: unsupported interval {interval!r}")
                continue
            lookback = finite_number(window.get("lookback_days"))
            if lookback is None or lookback <= 0:
                problems.append(
                    f"{name}: backfill[{index}].lookback_days is "
                    f"{describe_non_number(window.get('lookback_days'))}, "
                    "not a finite number of days above 0"
                )
                continue
            key = (str(symbol), interval)
            if key not in found or lookback > found[key].lookback_days:
                found[key] = Series(str(name), str(symbol), interval, lookback)
    return sorted(found.values(), key=lambda s: (s.symbol, s.minutes)), problems


def namespace(environment: Environment) -> str:
    source = environment.block("data_source") or {}
    return str(source.get("cache_namespace") or environment.raw.get("exchange", ""))


class Manifest:
    """The bot's manifest, read-only through the kit, one key at a time (never the whole table:
    a manifest can be as large as a hostile deployment makes it)."""

    def __init__(self, files: DeploymentFiles, confined: ConfinedPath) -> None:
        self.relative = confined.relative
        self.connection = files.sqlite(confined)

    def get(self, key: str) -> str | None:
        try:
            row = self.connection.execute(
                "SELECT substr(CAST(value AS TEXT), 1, 64) FROM metadata WHERE key = ?", (key,)
            ).fetchone()
        except sqlite3.Error as exc:
            raise UnreadableInput(f"not a bot OHLCV manifest: {exc}", self.relative) from exc
        return None if row is None or row[0] is None else str(row[0])

    def close(self) -> None:
        self.connection.close()


def partition_files(
    files: DeploymentFiles, series_dir: ConfinedPath, out: Findings
) -> list[ConfinedPath]:
    """Monthly partitions in time order (``year=YYYY/month=MM/data.parquet``), listed by the kit:
    a folder or partition that is a link leaving the deployment, a FIFO or anything else is a
    finding in ``out``, never read."""
    return [
        partition
        for year in files.listing(series_dir, out, accept=_prefixed("year="), want="dir")
        for month in files.listing(year, out, accept=_prefixed("month="), want="dir")
        for partition in files.listing(month, out, accept=lambda name: name == "data.parquet")
    ]


def _prefixed(prefix: str) -> Callable[[str], bool]:
    return lambda name: name.startswith(prefix)


def _open_time_batches(files: DeploymentFiles, partition: ConfinedPath) -> Iterator[Any]:
    """``open_time`` of one partition as int64 Arrow arrays, one bounded batch at a time, from a
    handle the kit opened (a regular file inside the deployment, under the stream cap)."""
    import pyarrow as pa

    for batch in files.parquet_batches(partition, ["open_time"], BATCH_ROWS):
        column = batch.column(0)
        if column.null_count:
            raise UnreadableInput(
                f"open_time has {column.null_count} empty values", partition.relative
            )
        try:
            # NaN, infinity and fractions are refused by the safe cast
            yield column.cast(pa.int64())
        except (ValueError, pa.ArrowException) as exc:
            raise UnreadableInput(
                f"not a readable OHLCV Parquet partition: {exc}", partition.relative
            ) from exc


def scan_bars(
    files: DeploymentFiles, partitions: list[ConfinedPath], interval_minutes: int
) -> BarScan:
    """Rows, first and last bar, longest hole and disorder, vectorised per batch."""
    import pyarrow.compute as pc

    rows = 0
    first: int | None = None
    previous: int | None = None
    max_gap_ms = 0
    gap_after: int | None = None
    out_of_order = 0
    step_ms = interval_minutes * 60_000
    for partition in partitions:
        for times in _open_time_batches(files, partition):
            if len(times) == 0:
                continue
            rows += len(times)
            head = times[0].as_py()
            if first is None:
                first = head
            if previous is not None:
                # the step from the previous batch to this one
                if head <= previous:
                    out_of_order += 1
                elif head - previous - step_ms > max_gap_ms:
                    max_gap_ms, gap_after = head - previous - step_ms, previous
            if len(times) > 1:
                steps = pc.subtract(times[1:], times[:-1])
                out_of_order += pc.sum(pc.less_equal(steps, 0)).as_py() or 0
                widest = pc.max(steps).as_py()
                if widest - step_ms > max_gap_ms:
                    index = pc.index(steps, widest).as_py()
                    max_gap_ms, gap_after = widest - step_ms, times[index].as_py()
            latest = pc.max(times).as_py()  # not the tail: a late bar may end the batch
            previous = latest if previous is None else max(previous, latest)
    return BarScan(
        rows,
        first,
        previous,
        max_gap_ms / 60_000,
        gap_after,
        out_of_order,
        tuple(p.relative for p in partitions),
    )


def as_int(value: Any) -> int | None:
    """A manifest value (text) as the integer it states; None for anything else, NaN and
    infinity included."""
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return None


def ms_instant(ms: int) -> datetime | None:
    """Epoch milliseconds as an instant; None for a value no calendar holds."""
    try:
        return datetime.fromtimestamp(ms / 1000, tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None
