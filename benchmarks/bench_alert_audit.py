"""Benchmark: PRE-3, ACT-4 and ESC-1 judge a large alert audit log in bounded memory.

Builds the reference deployment in a temporary folder (outside the repository), replaces the live
environment's alert audit log with ``--size`` bytes (default 1 GB) of valid records in the bot's
format (``FileAlertAuditLog``: one compact JSON object per line, one file per UTC day, heartbeats,
warnings, suppressed messages, critical alerts each acknowledged a minute later, and the runbook
§2.4 test alert on every channel), then measures, each in a fresh interpreter:

- ``json.loads`` over every line of the same files (the floor: reading and parsing, nothing else);
- the three checks (``check_alert_audit``, ``check_alert_test``, ``check_no_open_critical_alert``)
  as a gate run calls them.

It prints wall time and peak RSS of both, with the targets: peak RSS under 300 MB, wall time within
3x the ``json.loads`` loop. Not a timed test: run it by hand.

Run: python benchmarks/bench_alert_audit.py [--size 100M] [--tmp DIR]
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
ENVIRONMENT = "binance_live"
AUDIT = Path("var/data/binance_live/audit/alerts")
SPAN = timedelta(days=30)
RSS_TARGET_MB = 300.0
TIME_TARGET_RATIO = 3.0


def parse_size(text: str) -> int:
    units = {"K": 1e3, "M": 1e6, "G": 1e9}
    text = text.strip().upper().rstrip("B")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def _line(channel: str, category: str, title: str, severity: str, stamp: str, **ctx: str) -> str:
    record = {
        "channel": channel,
        "category": category,
        "title": title,
        "severity": severity,
        "timestamp": stamp,
        "created_at": stamp,
    }
    record.update({f"ctx_{k}": v for k, v in ctx.items()})
    record["body"] = f"{title} ({category}) on {ENVIRONMENT}: automated message of the bot"
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_log(directory: Path, size: int, channels: list[str]) -> tuple[int, int]:
    """Valid records in time order up to ``as_of`` (one file per UTC day); returns (records,
    bytes)."""
    for old in directory.iterdir():
        old.unlink()
    sample = len(_line(channels[0], "health", "Heartbeat", "info", AS_OF.isoformat(), seq="1"))
    events = max(size // (sample * len(channels)), 10)
    start = AS_OF - SPAN
    step = SPAN.total_seconds() / events
    test_at = AS_OF - timedelta(hours=3)
    test_done = False
    pending_ack: list[tuple[int, str, str]] = []  # (due event, alert id, title)
    handle = None
    day = ""
    written = records = 0
    buffer: list[str] = []

    def flush() -> None:
        nonlocal written
        if handle is not None and buffer:
            text = "".join(buffer)
            written += handle.write(text.encode("utf-8"))
            buffer.clear()

    for i in range(events):
        when = start + timedelta(seconds=i * step)
        if when > AS_OF:
            break
        stamp = when.isoformat()
        name = when.strftime("alerts-%Y%m%d.jsonl")
        if name != day:
            flush()
            if handle is not None:
                handle.close()
            handle = (directory / name).open("wb")
            day = name
        lines: list[str] = []
        if not test_done and when >= test_at:
            test_done = True
            lines += [
                _line(
                    c,
                    "alerting_test",
                    "Alert integration test",
                    "critical",
                    stamp,
                    test_run="runbook-2.4",
                )
                for c in channels
            ]
        if pending_ack and pending_ack[0][0] <= i:
            _, alert_id, title = pending_ack.pop(0)
            lines.append(
                _line(
                    channels[0],
                    "acknowledgement",
                    f"Acknowledged: {title}",
                    "info",
                    stamp,
                    acknowledges=alert_id,
                    acknowledged_by="sre:m.lewandowski",
                )
            )
        kind = i % 1000
        if kind == 500:
            alert_id = f"alrt-{i:08d}"
            title = "Exchange latency above budget"
            lines += [
                _line(c, "execution", title, "critical", stamp, alert_id=alert_id) for c in channels
            ]
            pending_ack.append((i + max(int(60 / step), 1), alert_id, title))
        elif kind % 100 == 7:
            lines += [
                _line(c, "risk", "Daily loss at 60% of limit", "warning", stamp) for c in channels
            ]
        elif kind % 250 == 11:
            lines.append(
                _line("__suppressed__", "strategy", "Signal repeated", "info", stamp, seq=str(i))
            )
        else:
            lines += [_line(c, "health", "Heartbeat", "info", stamp, seq=str(i)) for c in channels]
        buffer.extend(lines)
        records += len(lines)
        if len(buffer) > 20_000:
            flush()
    flush()
    if handle is not None:
        handle.close()
    return records, written


def measure_checks(root: str) -> dict[str, float]:
    from live_gate.checks.alert_test import check_alert_test, check_no_open_critical_alert
    from live_gate.checks.alerting import check_alert_audit
    from live_gate.policy import Policy
    from live_gate.resources.deployment import Deployment

    policy = Policy()
    started = time.perf_counter()
    environment = Deployment(Path(root)).environment(ENVIRONMENT)
    findings = [
        check(environment, policy, AS_OF)
        for check in (check_alert_audit, check_alert_test, check_no_open_critical_alert)
    ]
    elapsed = time.perf_counter() - started
    blocking = [f.explain() for found in findings for f in found if f.blocking]
    return {"seconds": elapsed, "blocking": len(blocking), "first": blocking[:3]}  # type: ignore[dict-item]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1G", help="bytes of alert log (e.g. 100M, 1G)")
    parser.add_argument("--tmp", default=None, help="folder for the temporary deployment")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        mode, target = args.measure
        answer(json_loads_loop(target) if mode == "json" else measure_checks(target))
        return

    from live_gate.reference import build
    from live_gate.reference.builder import ALERT_CHANNELS

    folder = Path(tempfile.mkdtemp(prefix="bench-alert-audit-", dir=args.tmp))
    try:
        root = build(folder / "deployment", AS_OF)
        directory = root / AUDIT
        started = time.perf_counter()
        records, written = write_log(directory, parse_size(args.size), list(ALERT_CHANNELS))
        files = len(list(directory.iterdir()))
        print(
            f"alert audit log: {written / 1e6:,.1f} MB, {records:,} records in {files} daily "
            f"files (written in {time.perf_counter() - started:.1f} s)"
        )
        baseline = in_child(__file__, "json", "json", str(directory))
        checks = in_child(__file__, "checks", "checks", str(root))
        ratio = checks["seconds"] / baseline["seconds"]
        print(f"{'':34}{'wall time':>12}{'peak RSS':>12}")
        print(
            f"{'json.loads loop (the floor)':34}{baseline['seconds']:>10.1f} s"
            f"{baseline['peak_rss_mb']:>9.0f} MB"
        )
        print(
            f"{'PRE-3 + ACT-4 + ESC-1 checks':34}{checks['seconds']:>10.1f} s"
            f"{checks['peak_rss_mb']:>9.0f} MB"
        )
        print(
            f"{'target':34}{'<= ' + format(TIME_TARGET_RATIO, 'g') + 'x floor':>12}"
            f"{'< ' + format(RSS_TARGET_MB, 'g') + ' MB':>12}"
        )
        verdict_time = "met" if ratio <= TIME_TARGET_RATIO else "MISSED"
        verdict_rss = "met" if checks["peak_rss_mb"] < RSS_TARGET_MB else "MISSED"
        print(f"time: {ratio:.2f}x the json.loads loop ({verdict_time}); RSS: {verdict_rss}")
        if checks["blocking"]:
            print(f"unexpected blocking findings on a valid log: {checks['first']}")
            raise SystemExit(1)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
