"""Benchmark: PRE-8 and ACT-3 replay a paper ledger of a million fills in bounded memory.

Builds the reference deployment in a temporary folder (outside the repository), replaces the paper
environment's ledger with ``--fills`` fills (default 1,000,000) in the bot's format
(``PaperTradingExecutionService``: one compact JSON object per fill in ``ledger-%Y%m%d.jsonl``,
FORMATS.md §2.6; a cancel every thousand fills), spread over 60 days before the evaluation
instant: small round trips on ETHUSDT at the maker rate, above the market minimums,
so that the ledger reconciles and paper trading stays within the live profile. Then measures,
each in a fresh interpreter:

- ``json.loads`` over every line of the same files (the floor: reading and parsing, nothing else);
- the checks as a gate run calls them, on one opened deployment: ``check_paper_ledger`` (PRE-8)
  and ``check_limits_against_paper`` (ACT-3), which share one replay of the whole ledger
  (``live_gate.checks.paper.shared_replay``): the first replays it, the second takes its share;
- the same checks on a small ledger (``--small``, default 10,000 fills): memory is flat when the
  million-fill run's peak RSS is within a few MB of it.

Target (issue 13): flat memory, here the million-fill run's peak RSS within 20 MB of the small
ledger's. The wall time is printed beside the ``json.loads`` loop's (the two checks together make
one replay), for information: issue 13 sets no time target for it. Not a timed test: run it
by hand.

Run: python benchmarks/bench_ledger.py [--fills 1000000] [--small 10000] [--tmp DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _measure import answer, in_child, json_loads_loop

AS_OF = datetime(2026, 11, 20, 12, tzinfo=UTC)
LIVE_ENV = "binance_live"
LEDGER = Path("var/data/binance_paper/audit/ledger")
SPAN = timedelta(days=60)
MAKER_FEE = 0.0004  # the reference's paper settings (the bot's default maker rate)
FLAT_TARGET_MB = 20.0
# (symbol, quantity, price): notional just above min_notional 10, quantity a multiple of step
# 0.001; the fees of a million such fills (0.004 USDT each) stay within the live drawdown of 5%
ROUND_TRIPS = (("ETHUSDT", 0.003, 3_400.0),)


def write_ledger(directory: Path, fills: int) -> int:
    """``fills`` entries (buy then sell of the same size, every thousandth a cancel), one file
    per UTC day; returns the bytes written."""
    for old in directory.iterdir():
        old.unlink()
    start = AS_OF - SPAN
    step = SPAN.total_seconds() / fills
    handle = None
    day = ""
    written = 0
    buffer: list[str] = []
    for i in range(fills):
        when = start + timedelta(seconds=i * step)
        name = when.strftime("ledger-%Y%m%d.jsonl")
        if name != day:
            if handle is not None:
                written += handle.write("".join(buffer).encode())
                buffer.clear()
                handle.close()
            handle = (directory / name).open("wb")
            day = name
        if i % 1000 == 999:  # a cancel beside the fill (the bot writes one per cancelled order)
            cancel = {
                "timestamp": when.timestamp(),
                "order_id": f"paper-c{i}",
                "symbol": "*",
                "side": "cancel",
                "quantity": 0.0,
                "price": 0.0,
                "fee": 0.0,
                "fee_asset": "USDT",
                "status": "cancelled",
                "leverage": 1.0,
                "position_value": 0.0,
            }
            buffer.append(json.dumps(cancel, separators=(",", ":")) + "\n")
        symbol, quantity, base = ROUND_TRIPS[(i // 2) % len(ROUND_TRIPS)]
        price = base * (1 + 0.002 * ((i // 2) % 7 - 3) / 3)  # within +-0.2%
        notional = quantity * price
        entry = {
            "timestamp": when.timestamp(),
            "order_id": f"paper-{i}",
            "symbol": symbol,
            "side": "buy" if i % 2 == 0 else "sell",
            "quantity": quantity,
            "price": price,
            "fee": notional * MAKER_FEE,
            "fee_asset": "USDT",
            "status": "filled",
            "leverage": 1.0,
            "position_value": notional,
        }
        buffer.append(json.dumps(entry, separators=(",", ":")) + "\n")
    if handle is not None:
        written += handle.write("".join(buffer).encode())
        handle.close()
    return written


def measure_checks(root: str) -> dict[str, object]:
    from live_gate.checks.paper import check_limits_against_paper, check_paper_ledger
    from live_gate.policy import Policy
    from live_gate.resources.deployment import Deployment

    policy = Policy()
    environment = Deployment(Path(root)).environment(LIVE_ENV)
    seconds: dict[str, float] = {}
    blocking: list[str] = []
    facts: list[str] = []
    for name, check in (("PRE-8", check_paper_ledger), ("ACT-3", check_limits_against_paper)):
        started = time.perf_counter()
        found = check(environment, policy, AS_OF)
        seconds[name] = time.perf_counter() - started
        blocking += [f.explain() for f in found if f.blocking]
        facts += [f"{name} {label}: {value}" for label, value in found.facts]
    return {
        "seconds": sum(seconds.values()),
        "each": seconds,
        "blocking": len(blocking),
        "first": blocking[:3],
        "facts": facts[:4],
    }


def _figures(result: dict[str, object]) -> tuple[float, float]:
    return float(str(result["seconds"])), float(str(result["peak_rss_mb"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fills", type=int, default=1_000_000, help="ledger entries")
    parser.add_argument("--small", type=int, default=10_000, help="entries of the small ledger")
    parser.add_argument("--tmp", default=None, help="folder for the temporary deployment")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        mode, target = args.measure
        answer(json_loads_loop(target) if mode == "json" else measure_checks(target))
        return

    from live_gate.reference import build

    folder = Path(tempfile.mkdtemp(prefix="bench-ledger-", dir=args.tmp))
    try:
        root = build(folder / "deployment", AS_OF)
        directory = root / LEDGER
        rows: list[tuple[str, float, float]] = []
        results: dict[int, dict[str, object]] = {}
        for fills in (args.small, args.fills):
            started = time.perf_counter()
            written = write_ledger(directory, fills)
            files = len(list(directory.iterdir()))
            print(
                f"paper ledger: {fills:,} fills, {written / 1e6:,.1f} MB in {files} daily files "
                f"(written in {time.perf_counter() - started:.1f} s)"
            )
            checks = in_child(__file__, "checks", "checks", str(root))
            results[fills] = checks
            print(f"  {checks['facts']}")
            rows.append((f"PRE-8 + ACT-3, {fills:,} fills", *_figures(checks)))
            if fills == args.fills:
                baseline = in_child(__file__, "json", "json", str(directory))
                rows.append((f"json.loads loop, {fills:,} fills", *_figures(baseline)))
        print(f"{'':40}{'wall time':>12}{'peak RSS':>12}")
        for label, seconds, rss in rows:
            print(f"{label:40}{seconds:>10.2f} s{rss:>9.0f} MB")
        big, small, floor = rows[1], rows[0], rows[2]
        each = results[args.fills]["each"]
        print(f"per check, {args.fills:,} fills: {each}")
        ratio = big[1] / floor[1]  # one replay, shared by the two checks
        growth = big[2] - small[2]
        print(f"time (no target): the replay {ratio:.1f}x the json.loads loop over the same files")
        print(
            f"target: flat memory, peak RSS within {FLAT_TARGET_MB:g} MB of the "
            f"{args.small:,}-fill ledger's: {growth:+.1f} MB "
            f"({'met' if growth <= FLAT_TARGET_MB else 'NOT met'})"
        )
        for fills, checks in results.items():
            if checks["blocking"]:
                print(f"unexpected blocking findings, {fills:,} fills: {checks['first']}")
                raise SystemExit(1)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
