"""Benchmark: PRE-5 scans years of one-minute bars for many symbols in bounded memory.

Writes ``--years`` years of one-minute bars for each of ``--symbols`` symbols (default 5 years,
20 symbols: 52.6 million bars) in the bot's layout (``ohlcv_parquet/<namespace>/<symbol>/1m/
year=YYYY/month=MM/data.parquet``, columns open_time, open, high, low, close, volume) to a
temporary folder outside the repository, then, in a fresh interpreter, lists and scans every
series the way PRE-5 does (``partition_files`` and ``scan_bars`` through the kit: partitions
listed, opened and streamed by ``DeploymentFiles`` in bounded batches of ``open_time``), and
prints the wall time and the process's peak RSS (VmHWM), with the Arrow pool's peak.

The same is done for 1 symbol x 1 year first: memory is flat when the large run's peak RSS is
within 20 MB of the small one's (target, issue 13). Not a timed test: run it by hand.

Run: python benchmarks/bench_market_data.py [--years 5] [--symbols 20] [--tmp DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _measure import answer, in_child

AS_OF = datetime(2026, 11, 20, 12, tzinfo=UTC)
NAMESPACE = "binance_spot"
STEP_MS = 60_000
FLAT_TARGET_MB = 20.0


def _months(first_ms: int, last_ms: int) -> list[tuple[int, int, int, int]]:
    """(year, month, first bar, last bar) of every calendar month between the two bars."""
    months = []
    start = first_ms
    while start <= last_ms:
        day = datetime.fromtimestamp(start / 1000, tz=UTC)
        nxt = datetime(day.year + (day.month == 12), day.month % 12 + 1, 1, tzinfo=UTC)
        end = min(int(nxt.timestamp() * 1000) - STEP_MS, last_ms)
        months.append((day.year, day.month, start, end))
        start = end + STEP_MS
    return months


def write_bars(cache: Path, symbols: int, years: int) -> tuple[int, int, list[str]]:
    """Contiguous one-minute bars up to the last complete one before ``AS_OF``, one Parquet file
    per symbol and month, built with Arrow (no Python list of a month's bars); returns (bars,
    bytes on disk, series folders relative to ``cache``)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    last = (int(AS_OF.timestamp() * 1000) // STEP_MS) * STEP_MS - STEP_MS
    first = last - (years * 525_600 - 1) * STEP_MS
    months = _months(first, last)
    bars = size = 0
    series: list[str] = []
    for index in range(symbols):
        symbol = f"SYM{index:02d}USDT"
        relative = f"ohlcv_parquet/{NAMESPACE}/{symbol}/1m"
        series.append(relative)
        base = 100.0 + index
        for year, month, start, end in months:
            count = (end - start) // STEP_MS + 1
            times = pa.array(range(start, end + STEP_MS, STEP_MS), type=pa.int64())
            pattern = [base * (1 + 0.01 * (i % 17 - 8) / 8) for i in range(17)]
            close = pa.array((pattern * (count // 17 + 1))[:count], type=pa.float64())
            table = pa.table(
                {
                    "open_time": pc.cast(times, pa.float64()),  # the bot stores float ms
                    "open": close,
                    "high": pc.multiply(close, 1.001),
                    "low": pc.multiply(close, 0.999),
                    "close": close,
                    "volume": pa.array([12.5] * count, type=pa.float64()),
                }
            )
            target = cache / relative / f"year={year:04d}" / f"month={month:02d}" / "data.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, target)
            bars += count
            size += target.stat().st_size
    return bars, size, series


def measure_scan(root: str, series: list[str]) -> dict[str, object]:
    import pyarrow as pa

    from live_gate.findings import Findings
    from live_gate.kit.files import DeploymentFiles
    from live_gate.resources.market_data import partition_files, scan_bars

    started = time.perf_counter()
    files = DeploymentFiles(Path(root))
    rows = partitions = disorder = 0
    max_gap = 0.0
    for relative in series:
        refused = Findings("PRE-5")
        found = partition_files(files, files.at(relative), refused)
        if refused:
            raise SystemExit(f"{relative}: {[f.explain() for f in refused]}")
        scan = scan_bars(files, found, 1)
        rows += scan.rows
        partitions += len(found)
        max_gap = max(max_gap, scan.max_gap_minutes)
        disorder += scan.out_of_order
    return {
        "seconds": time.perf_counter() - started,
        "rows": rows,
        "partitions": partitions,
        "max_gap_minutes": max_gap,
        "out_of_order": disorder,
        "arrow_peak_mb": pa.default_memory_pool().max_memory() / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=5, help="years of one-minute bars")
    parser.add_argument("--symbols", type=int, default=20, help="symbols (one series each)")
    parser.add_argument("--tmp", default=None, help="folder for the temporary bars")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        root, series = args.measure
        answer(measure_scan(root, json.loads(series)))
        return

    rows: list[tuple[str, dict[str, object]]] = []
    for symbols, years in ((1, 1), (args.symbols, args.years)):
        folder = Path(tempfile.mkdtemp(prefix="bench-market-data-", dir=args.tmp))
        try:
            started = time.perf_counter()
            bars, size, series = write_bars(folder / "cache", symbols, years)
            print(
                f"{symbols} symbol(s) x {years} year(s): {bars:,} bars, {size / 1e6:,.0f} MB of "
                f"Parquet (written in {time.perf_counter() - started:.0f} s)"
            )
            result = in_child(
                __file__, "scan", str(folder), json.dumps([f"cache/{s}" for s in series])
            )
            if result["rows"] != bars or result["max_gap_minutes"] or result["out_of_order"]:
                raise SystemExit(f"the scan did not see the bars as written: {result}")
            rows.append((f"{symbols} x {years} y, {bars:,} bars", result))
            print(f"  scanned {result['partitions']} partitions, no gap, in order")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"{'PRE-5 scan':34}{'wall time':>12}{'bars/s':>14}{'peak RSS':>11}{'Arrow peak':>12}")
    for label, r in rows:
        seconds = float(str(r["seconds"]))
        print(
            f"{label:34}{seconds:>10.2f} s{int(str(r['rows'])) / seconds:>14,.0f}"
            f"{float(str(r['peak_rss_mb'])):>8.0f} MB{float(str(r['arrow_peak_mb'])):>9.1f} MB"
        )
    growth = float(str(rows[1][1]["peak_rss_mb"])) - float(str(rows[0][1]["peak_rss_mb"]))
    print(
        f"target: flat memory, peak RSS within {FLAT_TARGET_MB:g} MB of 1 symbol x 1 year's: "
        f"{growth:+.1f} MB ({'met' if growth <= FLAT_TARGET_MB else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
