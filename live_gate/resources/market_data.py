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

The manifest is opened read-only and immutable (SQLite writes nothing, not even a journal); bars
are streamed one column, one batch at a time, so a year of one-minute bars is never in memory.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from live_gate.resources.deployment import Environment, UnreadableInput

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
    """The series the environment trades, and problems reading the universe."""
    problems: list[str] = []
    universe_name = environment.raw.get("instrument_universe")
    universes = environment.deployment.section("instrument_universes")
    universe = universes.get(universe_name) if universe_name else None
    if not isinstance(universe, dict):
        return [], [f"instrument universe {universe_name!r} is not defined"]
    exchange = str(environment.raw.get("exchange", ""))
    found: dict[tuple[str, str], Series] = {}
    for name, instrument in (universe.get("instruments") or {}).items():
        if not isinstance(instrument, dict):
            continue
        symbol = (instrument.get("exchanges") or {}).get(exchange)
        if not symbol:
            continue
        for window in instrument.get("backfill") or []:
            interval = str(window.get("interval", ""))
            if interval not in INTERVAL_MINUTES:
                problems.append(f"{name}: unsupported interval {interval!r}")
                continue
            lookback = float(window.get("lookback_days") or 0)
            key = (str(symbol), interval)
            if key not in found or lookback > found[key].lookback_days:
                found[key] = Series(str(name), str(symbol), interval, lookback)
    return sorted(found.values(), key=lambda s: (s.symbol, s.minutes)), problems


def namespace(environment: Environment) -> str:
    source = environment.block("data_source") or {}
    return str(source.get("cache_namespace") or environment.raw.get("exchange", ""))


def read_manifest(path: Path, relative: str) -> dict[str, str]:
    uri = f"{path.as_uri()}?mode=ro&immutable=1"
    try:
        connection = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise UnreadableInput(f"cannot open the manifest: {exc}", relative) from exc
    try:
        rows = connection.execute("SELECT key, value FROM metadata").fetchall()
    except sqlite3.Error as exc:
        raise UnreadableInput(f"not a bot OHLCV manifest: {exc}", relative) from exc
    finally:
        connection.close()
    return {str(k): str(v) for k, v in rows}


def partition_files(series_dir: Path) -> list[Path]:
    """Monthly partitions in time order (``year=YYYY/month=MM/data.parquet``)."""
    return [
        month / "data.parquet"
        for year in sorted(series_dir.glob("year=*"))
        for month in sorted(year.glob("month=*"))
        if (month / "data.parquet").is_file()
    ]


def _open_time_batches(path: Path, relative: str) -> Iterator[Any]:
    """``open_time`` of one partition as int64 Arrow arrays, one bounded batch at a time."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - pyarrow is a dependency
        raise UnreadableInput(
            "reading Parquet needs pyarrow (pip install pyarrow)", relative
        ) from exc
    try:
        handle = pq.ParquetFile(path)
        for batch in handle.iter_batches(columns=["open_time"], batch_size=BATCH_ROWS):
            yield batch.column(0).cast(pa.int64())
    except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
        raise UnreadableInput(f"not a readable OHLCV Parquet partition: {exc}", relative) from exc


def scan_bars(series_dir: Path, interval_minutes: int, deployment_root: Path) -> BarScan:
    """Rows, first and last bar, longest hole and disorder, vectorised per batch."""
    import pyarrow.compute as pc

    rows = 0
    first: int | None = None
    previous: int | None = None
    max_gap_ms = 0
    gap_after: int | None = None
    out_of_order = 0
    files = partition_files(series_dir)
    step_ms = interval_minutes * 60_000
    for path in files:
        relative = path.relative_to(deployment_root).as_posix()
        for times in _open_time_batches(path, relative):
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
        tuple(p.relative_to(deployment_root).as_posix() for p in files),
    )


def as_int(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return None
