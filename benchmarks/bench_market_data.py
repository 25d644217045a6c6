"""Benchmark: PRE-5 reads a year of one-minute bars without holding them in memory.

Writes 525,600 one-minute bars (12 monthly Parquet partitions, the bot's layout) to a temporary
folder, then times ``scan_bars`` (through the kit: partitions listed, opened and streamed by
``DeploymentFiles``) and reports the peak Python heap (tracemalloc) and the peak Arrow allocation,
against the size of the bars themselves.
Run: python benchmarks/bench_market_data.py
"""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from live_gate.findings import Findings
from live_gate.kit.files import DeploymentFiles
from live_gate.reference.builder import write_ohlcv_cache
from live_gate.resources.market_data import partition_files, scan_bars

YEAR_OF_MINUTES = {
    "instruments": {
        "BTC_USDT": {
            "exchanges": {"binance_spot": "BTCUSDT"},
            "backfill": [{"interval": "1m", "lookback_days": 365}],
        },
    }
}


def main() -> None:
    as_of = datetime(2026, 11, 20, 12, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder) / "cache"
        started = time.perf_counter()
        write_ohlcv_cache(
            cache, "binance_spot", "binance_spot", as_of, YEAR_OF_MINUTES, extra_bars=0
        )
        written = time.perf_counter() - started
        series = cache / "ohlcv_parquet/binance_spot/BTCUSDT/1m"
        on_disk = sum(p.stat().st_size for p in series.rglob("*.parquet"))
        pool = pa.default_memory_pool()
        baseline = pool.max_memory()
        tracemalloc.start()
        started = time.perf_counter()
        files = DeploymentFiles(Path(folder))
        refused = Findings("PRE-5")
        partitions = partition_files(
            files, files.at("cache/ohlcv_parquet/binance_spot/BTCUSDT/1m"), refused
        )
        assert not refused, refused
        scan = scan_bars(files, partitions, 1)
        elapsed = time.perf_counter() - started
        _, python_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        in_memory = scan.rows * 6 * 8  # six float64 columns, if loaded at once
        print(
            f"bars: {scan.rows:,} in {len(scan.files)} partitions, {on_disk / 1e6:.1f} MB on "
            f"disk (written in {written:.1f} s)"
        )
        print(f"scan: {elapsed:.2f} s, {scan.rows / elapsed:,.0f} bars/s")
        print(f"peak Python heap during the scan: {python_peak / 1e6:.2f} MB")
        print(f"peak Arrow allocation (process): {max(pool.max_memory(), baseline) / 1e6:.2f} MB")
        print(f"the bars loaded at once would take {in_memory / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
