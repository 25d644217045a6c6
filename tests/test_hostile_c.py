"""Issue 8, group C: reports, market data, snapshots and the live window, tried as a hostile
operator would. Each case changes the reference deployment in one place (a symbolic link out, a
FIFO, a future instant, NaN, a string for a boolean, a byte order mark, an entity or alias bomb)
and must be NO-GO naming the right requirement, with a finding that names the file.

Every case is judged at check level through the gate's own step definitions (tests/checklevel.py);
one (a market-data partition linked out) also runs through the whole gate. The tests of how the
files are read call the checks directly. ``HOSTILE_DEFECTS_C`` lists every case as
``(name, mutation, requirement, rule)`` for the seeded-defect meta-test.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from live_gate.checks.adapters import check_adapters
from live_gate.checks.ai_validation import check_data_quality, check_drift, check_walk_forward
from live_gate.checks.close import check_archive, check_journal, check_slo, check_summary
from live_gate.checks.dry_run import check_dry_run
from live_gate.checks.market_data import check_market_data
from live_gate.checks.quick_tests import check_quick_test
from live_gate.checks.secrets import check_key_rotation
from live_gate.errors import UnreadableInput
from live_gate.findings import Finding
from live_gate.policy import Policy
from live_gate.resources.deployment import Deployment
from live_gate.resources.junit import QUICK_TESTS, MalformedJUnit, parse_junit
from live_gate.router.bench import BenchUnusable, RouterBench
from live_gate.timeutil import parse_instant
from tests.checklevel import judge_checks
from tests.conftest import AS_OF
from tests.mutations import Mutation, Where, at, fifo, link_out, write
from tests.test_gate_close import archive_dir, in_archive, slo, summary
from tests.test_gate_defects import (
    AI,
    CACHE,
    DRY_RUN,
    FAILOVER,
    MANIFEST,
    QUICK,
    RISK_STATE,
    ROTATION,
    adapter_status,
    ai_report,
    core,
    dry_run,
    edit_json,
    latest_ai,
    manifest_set,
    risk_snapshot,
    wf,
)

NAN = float("nan")
INF = float("inf")
FUTURE = "2031-01-01T00:00:00+00:00"
PARTITION = f"{CACHE}/ohlcv_parquet/binance_spot/BTCUSDT/1h/year=2026/month=11/data.parquet"
SLO_YML = "config/observability/slo.yml"
JOURNAL = f"{CACHE}/audit/decisions"
LIVE_ROOT = "var/audit/live"
CLOSE_REQUIREMENTS = ("ACT-8", "CLOSE-1", "CLOSE-2", "CLOSE-3", "CLOSE-4")


def prepend_bom(where: Where) -> Mutation:
    def apply(root: Path) -> None:
        path = at(root, where)
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())

    return apply


def crlf_without_final_newline(where: Where) -> Mutation:
    def apply(root: Path) -> None:
        path = at(root, where)
        text = path.read_bytes().replace(b"\r\n", b"\n").rstrip(b"\n")
        path.write_bytes(text.replace(b"\n", b"\r\n"))

    return apply


def latest(kind: str) -> Callable[[Path], Path]:
    return lambda root: latest_ai(root, kind)


def dry_run_record(root: Path) -> Path:
    return next((root / DRY_RUN).glob("*.json"))


def journal_file(root: Path) -> Path:
    return next((root / JOURNAL).glob("decisions-*.jsonl"))


def future_named_drift_report(root: Path) -> None:
    """A copy of the latest drift report, drifting, named after the evaluation instant: by name
    it would be the latest."""
    data = json.loads(latest_ai(root, "drift").read_text())
    data["metrics"]["feature_drift"]["score"] = 0.9
    (root / AI / "drift" / "20361120T000000Z.json").write_text(json.dumps(data))


def add_bar(open_time: float) -> Mutation:
    def apply(root: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = root / PARTITION
        table = pq.read_table(path)
        extra = table.slice(table.num_rows - 1, 1).to_pydict()
        extra["open_time"] = [open_time]
        pq.write_table(pa.concat_tables([table, pa.table(extra, schema=table.schema)]), path)

    return apply


def profile_data_quality(key: str, value: Any) -> Mutation:
    return core(
        lambda d: d["risk_profiles"]["conservative_live"]["data_quality"].__setitem__(key, value)
    )


def first_backfill(key: str, value: Any) -> Mutation:
    return core(
        lambda d: d["instrument_universes"]["core_spot"]["instruments"]["BTC_USDT"]["backfill"][
            0
        ].__setitem__(key, value)
    )


def route(key: str, value: Any) -> Mutation:
    return core(lambda d: d["execution"]["live_router"]["routes"][0].__setitem__(key, value))


def junit_xml(command: str, body: str) -> Mutation:
    return write(f"{QUICK}/{command}.xml", body.encode("utf-8"))


CASE = '<testcase classname="tests.x" name="test_y" time="0.01" />'
STAMP = "2026-11-20T10:00:00+00:00"
ENTITY_BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + f']><testsuite tests="1" timestamp="{STAMP}">{CASE}&lol9;</testsuite>'
)
ALIAS_BOMB = (
    'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
    )
    + "slo: {}\n"
)


def rewrite_text(relative: str, old: str, new: str) -> Mutation:
    def apply(root: Path) -> None:
        path = root / relative
        text = path.read_text()
        assert old in text, old
        path.write_text(text.replace(old, new))

    return apply


def journal_record(change: Callable[[dict[str, Any]], None]) -> Mutation:
    def apply(root: Path) -> None:
        path = journal_file(root)
        records = [json.loads(line) for line in path.read_text().splitlines()]
        for record in records:
            change(record)
        path.write_text("".join(json.dumps(r) + "\n" for r in records))

    return apply


def future_archive_day(root: Path) -> None:
    shutil.copytree(archive_dir(root), root / LIVE_ROOT / "20361120")


def checksum_line(line: str) -> Mutation:
    def apply(root: Path) -> None:
        with (archive_dir(root) / "SHA256SUMS").open("a") as handle:
            handle.write(line + "\n")

    return apply


def second_suite(timestamp: str) -> Mutation:
    return junit_xml(
        "mypy",
        f'<testsuites><testsuite name="a" tests="1" timestamp="{STAMP}">{CASE}</testsuite>'
        f'<testsuite name="b" tests="1" timestamp="{timestamp}">{CASE}</testsuite></testsuites>',
    )


# (name, mutation, requirement, rule, a fragment of the file the finding must name)
HOSTILE_CASES_C: list[tuple[str, Mutation, str, str, str]] = [
    # PRE-6: AI reports, listed and read through the kit
    (
        "latest walk-forward links out",
        link_out(latest("walk_forward")),
        "PRE-6",
        "input.refused",
        f"{AI}/walk_forward/",
    ),
    ("drift folder links out", link_out(f"{AI}/drift"), "PRE-6", "input.refused", f"{AI}/drift"),
    ("FIFO among drift reports", fifo(f"{AI}/drift/zz.json"), "PRE-6", "input.refused", "zz.json"),
    (
        "drift report named in the future",
        future_named_drift_report,
        "PRE-6",
        "ai.report_name.in_future",
        "20361120T000000Z.json",
    ),
    (
        "walk-forward generated in the future",
        wf(lambda d: d.__setitem__("generated_at", FUTURE)),
        "PRE-6",
        "ai.generated_at.in_future",
        f"{AI}/walk_forward/",
    ),
    (
        "sign-off dated in the future",
        wf(lambda d: d["sign_off"]["risk"].__setitem__("timestamp", FUTURE)),
        "PRE-6",
        "ai.sign_off_timestamp.in_future",
        f"{AI}/walk_forward/",
    ),
    (
        "sign-off date unreadable",
        wf(lambda d: d["sign_off"]["risk"].__setitem__("timestamp", "last week")),
        "PRE-6",
        "ai.sign_off_timestamp.invalid",
        f"{AI}/walk_forward/",
    ),
    (
        "average MAE NaN",
        wf(lambda d: d["walk_forward"].__setitem__("average_mae", NAN)),
        "PRE-6",
        "ai.report_invalid",
        f"{AI}/walk_forward/",
    ),
    (
        "window MAE infinite",
        wf(lambda d: d["walk_forward"]["windows"][0].__setitem__("mae", -INF)),
        "PRE-6",
        "ai.report_invalid",
        f"{AI}/walk_forward/",
    ),
    (
        "directional accuracy NaN",
        wf(lambda d: d["walk_forward"].__setitem__("average_directional_accuracy", NAN)),
        "PRE-6",
        "ai.report_invalid",
        f"{AI}/walk_forward/",
    ),
    (
        "dataset rows true",
        wf(lambda d: d["dataset"].__setitem__("rows", True)),
        "PRE-6",
        "ai.report_invalid",
        f"{AI}/walk_forward/",
    ),
    (
        "drift score NaN",
        ai_report("drift", lambda d: d["metrics"]["feature_drift"].__setitem__("score", NAN)),
        "PRE-6",
        "ai.report_invalid",
        f"{AI}/drift/",
    ),
    (
        "drift threshold infinite",
        ai_report("drift", lambda d: d["metrics"]["feature_drift"].__setitem__("threshold", INF)),
        "PRE-6",
        "ai.report_invalid",
        f"{AI}/drift/",
    ),
    (
        "data-quality ok ratio NaN",
        ai_report("data_quality", lambda d: d["summary"].__setitem__("ok_ratio", NAN)),
        "PRE-6",
        "ai.report_invalid",
        f"{AI}/data_quality/",
    ),
    (
        "drift report with a byte order mark",
        prepend_bom(latest("drift")),
        "PRE-6",
        "ai.report_invalid",
        f"{AI}/drift/",
    ),
    # PRE-5: the OHLCV cache and the risk snapshot
    ("manifest links out", link_out(MANIFEST), "PRE-5", "input.refused", MANIFEST),
    ("manifest is a FIFO", fifo(MANIFEST), "PRE-5", "input.refused", MANIFEST),
    ("partition links out", link_out(PARTITION), "PRE-5", "input.refused", PARTITION),
    ("partition is a FIFO", fifo(PARTITION), "PRE-5", "input.refused", PARTITION),
    (
        "year folder links out",
        link_out(f"{CACHE}/ohlcv_parquet/binance_spot/BTCUSDT/1h/year=2026"),
        "PRE-5",
        "input.refused",
        "BTCUSDT/1h/year=2026",
    ),
    (
        "series folder links out",
        link_out(f"{CACHE}/ohlcv_parquet/binance_spot/ETHUSDT"),
        "PRE-5",
        "input.refused",
        "binance_spot/ETHUSDT",
    ),
    (
        "bar dated 2036",
        add_bar(2_095_000_000_000.0),
        "PRE-5",
        "data.bars.in_future",
        "BTCUSDT/1h",
    ),
    (
        "bar beyond any calendar",
        add_bar(9e15),
        "PRE-5",
        "data.bars.invalid",
        "BTCUSDT/1h",
    ),
    (
        "manifest row count NaN",
        manifest_set("row_count::BTCUSDT::1h", "nan"),
        "PRE-5",
        "data.manifest_value_invalid",
        MANIFEST,
    ),
    (
        "manifest last bar beyond any calendar",
        manifest_set("last_timestamp::BTCUSDT::1h", "1e20"),
        "PRE-5",
        "data.manifest_value_invalid",
        MANIFEST,
    ),
    (
        "max gap NaN",
        profile_data_quality("max_gap_minutes", NAN),
        "PRE-5",
        "data.threshold_invalid",
        "config/core.yaml",
    ),
    (
        "min ok ratio a string",
        profile_data_quality("min_ok_ratio", "0.5"),
        "PRE-5",
        "data.threshold_invalid",
        "config/core.yaml",
    ),
    (
        "min ok ratio above 1",
        profile_data_quality("min_ok_ratio", 1.5),
        "PRE-5",
        "data.threshold_invalid",
        "config/core.yaml",
    ),
    (
        "data quality a string",
        core(lambda d: d["environments"]["binance_live"].__setitem__("data_quality", "strict")),
        "PRE-5",
        "data.threshold_invalid",
        "config/core.yaml",
    ),
    (
        "lookback NaN",
        first_backfill("lookback_days", NAN),
        "PRE-5",
        "data.universe_invalid",
        "config/core.yaml",
    ),
    (
        "risk state links out",
        link_out(RISK_STATE),
        "PRE-5",
        "input.refused",
        "conservative_live.json",
    ),
    (
        "risk state is a FIFO",
        fifo(RISK_STATE),
        "PRE-5",
        "input.refused",
        "conservative_live.json",
    ),
    (
        "risk state dated 2036",
        risk_snapshot(lambda d: d.__setitem__("current_day", "2036-01-01")),
        "PRE-5",
        "risk_state.current_day.in_future",
        "conservative_live.json",
    ),
    (
        "risk state date unreadable",
        risk_snapshot(lambda d: d.__setitem__("current_day", 1_795_000_000)),
        "PRE-5",
        "risk_state.current_day.invalid",
        "conservative_live.json",
    ),
    # PRE-9: JUnit XML
    ("JUnit links out", link_out(f"{QUICK}/mypy.xml"), "PRE-9", "input.refused", "mypy.xml"),
    ("JUnit is a FIFO", fifo(f"{QUICK}/mypy.xml"), "PRE-9", "input.refused", "mypy.xml"),
    (
        "JUnit entity bomb",
        junit_xml("mypy", ENTITY_BOMB),
        "PRE-9",
        "quick_test.malformed",
        "mypy.xml",
    ),
    (
        "JUnit count infinite",
        junit_xml("mypy", f'<testsuite tests="inf" timestamp="{STAMP}">{CASE}</testsuite>'),
        "PRE-9",
        "quick_test.malformed",
        "mypy.xml",
    ),
    (
        "JUnit second suite from the future",
        second_suite("2026-11-21T09:00:00+00:00"),
        "PRE-9",
        "quick_test.timestamp.in_future",
        "mypy.xml",
    ),
    (
        "JUnit timestamp unreadable",
        second_suite("yesterday"),
        "PRE-9",
        "quick_test.timestamp.invalid",
        "mypy.xml",
    ),
    (
        "JUnit failure hidden by the counts",
        junit_xml(
            "mypy",
            f'<testsuite tests="1" failures="0" timestamp="{STAMP}">'
            '<testcase classname="mypy" name="mypy"><failure message="x"/></testcase>'
            "</testsuite>",
        ),
        "PRE-9",
        "quick_test.failed",
        "mypy.xml",
    ),
    (
        "JUnit claims tests it does not show",
        junit_xml("mypy", f'<testsuite tests="4" timestamp="{STAMP}"></testsuite>'),
        "PRE-9",
        "quick_test.empty",
        "mypy.xml",
    ),
    # ACT-7: dry runs
    ("dry run links out", link_out(dry_run_record), "ACT-7", "input.refused", DRY_RUN),
    ("FIFO among dry runs", fifo(f"{DRY_RUN}/zz.json"), "ACT-7", "input.refused", "zz.json"),
    (
        "dry run dated in the future",
        dry_run(lambda d: d.__setitem__("generated_at", FUTURE)),
        "ACT-7",
        "dry_run.generated_at.in_future",
        DRY_RUN,
    ),
    (
        "dry run undated",
        dry_run(lambda d: d.pop("generated_at")),
        "ACT-7",
        "dry_run.generated_at.missing",
        DRY_RUN,
    ),
    (
        "auto-trade off as a string",
        dry_run(lambda d: d["dry_run"].__setitem__("enable_auto_trade", "false")),
        "ACT-7",
        "dry_run.flag_not_boolean",
        DRY_RUN,
    ),
    (
        "auto-trade off as 0",
        dry_run(lambda d: d["dry_run"].__setitem__("enable_auto_trade", 0)),
        "ACT-7",
        "dry_run.flag_not_boolean",
        DRY_RUN,
    ),
    (
        "checklist item ok as a string",
        dry_run(lambda d: d["live_readiness_checklist"][0].__setitem__("ok", "true")),
        "ACT-7",
        "dry_run.flag_not_boolean",
        DRY_RUN,
    ),
    (
        "read-only record a string",
        dry_run(lambda d: d.__setitem__("dry_run", "read-only")),
        "ACT-7",
        "dry_run.malformed",
        DRY_RUN,
    ),
    (
        "checklist item a string",
        dry_run(lambda d: d["live_readiness_checklist"].__setitem__(0, "ok")),
        "ACT-7",
        "dry_run.item_not_ok",
        DRY_RUN,
    ),
    (
        "dry run with a byte order mark",
        prepend_bom(dry_run_record),
        "ACT-7",
        "dry_run.malformed",
        DRY_RUN,
    ),
    # ESC-3: the adapters' failover status
    ("failover status links out", link_out(FAILOVER), "ESC-3", "input.refused", FAILOVER),
    ("failover status is a FIFO", fifo(FAILOVER), "ESC-3", "input.refused", FAILOVER),
    (
        "failover status dated 2027",
        edit_json(FAILOVER, lambda d: d.__setitem__("generated_at", "2027-01-01T00:00:00Z")),
        "ESC-3",
        "adapter.generated_at.in_future",
        FAILOVER,
    ),
    (
        "failover status date unreadable",
        edit_json(FAILOVER, lambda d: d.__setitem__("generated_at", "now")),
        "ESC-3",
        "adapter.generated_at.invalid",
        FAILOVER,
    ),
    (
        "reconnect flag a string",
        adapter_status(reconnect_required="false"),
        "ESC-3",
        "adapter.status_field_invalid",
        FAILOVER,
    ),
    (
        "reconnect flag a number",
        adapter_status(reconnect_required=1),
        "ESC-3",
        "adapter.status_field_invalid",
        FAILOVER,
    ),
    (
        "reconnect remaining NaN",
        adapter_status(reconnect_remaining=NAN),
        "ESC-3",
        "adapter.status_field_invalid",
        FAILOVER,
    ),
    (
        "adapter status a string",
        edit_json(FAILOVER, lambda d: d["adapters"].__setitem__("binance_spot", "connected")),
        "ESC-3",
        "adapter.status_malformed",
        FAILOVER,
    ),
    # ACT-5: the rotation log
    ("rotation log links out", link_out(ROTATION), "ACT-5", "input.refused", ROTATION),
    ("rotation log is a FIFO", fifo(ROTATION), "ACT-5", "input.refused", ROTATION),
    (
        "rotation dated 2031",
        write(ROTATION, b'{"binance_live_trading::trading":"2031-01-01T00:00:00Z"}'),
        "ACT-5",
        "rotation.rotated_at.in_future",
        ROTATION,
    ),
    (
        "rotation recorded as true",
        write(ROTATION, b'{"binance_live_trading::trading":true}'),
        "ACT-5",
        "rotation.rotated_at.invalid",
        ROTATION,
    ),
    (
        "rotation log with a byte order mark",
        prepend_bom(ROTATION),
        "ACT-5",
        "rotation.log_malformed",
        ROTATION,
    ),
    # PRE-7: route settings as values
    (
        "retry budget NaN",
        route("max_retries_per_exchange", NAN),
        "PRE-7",
        "route.setting_invalid",
        "config/core.yaml",
    ),
    (
        "retry budget a string",
        route("max_retries_per_exchange", "2"),
        "PRE-7",
        "route.setting_invalid",
        "config/core.yaml",
    ),
    (
        "latency budget infinite",
        route("latency_budget_ms", INF),
        "PRE-7",
        "route.setting_invalid",
        "config/core.yaml",
    ),
    (
        "fallback flag a string",
        route("allow_cross_exchange_fallback", "false"),
        "PRE-7",
        "route.setting_invalid",
        "config/core.yaml",
    ),
    (
        "exchanges a plain string",
        route("exchanges", "binance_spot kraken_spot"),
        "PRE-7",
        "route.setting_invalid",
        "config/core.yaml",
    ),
    (
        "concurrency NaN",
        core(
            lambda d: d["execution"]["live_router"]["qos"]["per_exchange_concurrency"].__setitem__(
                "kraken_spot", NAN
            )
        ),
        "PRE-7",
        "route.setting_invalid",
        "config/core.yaml",
    ),
    # CLOSE-1: the archive
    ("archive day links out", link_out(archive_dir), "CLOSE-1", "input.refused", LIVE_ROOT),
    (
        "archive day in the future",
        future_archive_day,
        "CLOSE-1",
        "close.archive_day.in_future",
        f"{LIVE_ROOT}/20361120",
    ),
    (
        "archived log links out",
        link_out(lambda r: archive_dir(r) / "risk_decisions.jsonl"),
        "CLOSE-1",
        "input.refused",
        "risk_decisions.jsonl",
    ),
    (
        "FIFO in the archive",
        fifo(lambda r: archive_dir(r) / "notes.fifo"),
        "CLOSE-1",
        "input.refused",
        "notes.fifo",
    ),
    (
        "checksums link out",
        link_out(lambda r: archive_dir(r) / "SHA256SUMS"),
        "CLOSE-1",
        "input.refused",
        "SHA256SUMS",
    ),
    (
        "checksums are a FIFO",
        fifo(lambda r: archive_dir(r) / "SHA256SUMS"),
        "CLOSE-1",
        "input.refused",
        "SHA256SUMS",
    ),
    (
        "checksum of a file outside",
        checksum_line("ab" * 32 + "  ../../../../../etc/passwd"),
        "CLOSE-1",
        "archive.listed_file_missing",
        "SHA256SUMS",
    ),
    (
        "checksum not hex",
        checksum_line("zz" * 32 + "  alerts/x.jsonl"),
        "CLOSE-1",
        "archive.checksum_line_invalid",
        "SHA256SUMS",
    ),
    # CLOSE-2: the migration summary
    (
        "summary is a FIFO",
        fifo(lambda r: archive_dir(r) / "migration_summary.json"),
        "CLOSE-2",
        "input.refused",
        "migration_summary.json",
    ),
    (
        "summary not JSON",
        in_archive("migration_summary.json", lambda p: p.write_text("{")),
        "CLOSE-2",
        "summary.malformed",
        "migration_summary.json",
    ),
    (
        "summary limit NaN",
        summary(lambda d: d["limits"].__setitem__("max_daily_loss_pct", NAN)),
        "CLOSE-2",
        "summary.not_a_number",
        "migration_summary.json",
    ),
    (
        "summary limit a string",
        summary(lambda d: d["limits"].__setitem__("max_daily_loss_pct", "0.02")),
        "CLOSE-2",
        "summary.not_a_number",
        "migration_summary.json",
    ),
    (
        "summary duration NaN",
        summary(lambda d: d["live_window"].__setitem__("duration_minutes", NAN)),
        "CLOSE-2",
        "summary.field",
        "migration_summary.json",
    ),
    (
        "summary window ends in the future",
        summary(lambda d: d["live_window"].__setitem__("ended_at", FUTURE)),
        "CLOSE-2",
        "summary.window.in_future",
        "migration_summary.json",
    ),
    (
        "summary window without a start",
        summary(lambda d: d["live_window"].__setitem__("started_at", "")),
        "CLOSE-2",
        "summary.window.missing",
        "migration_summary.json",
    ),
    (
        "summary written in the future",
        summary(lambda d: d.__setitem__("timestamp", FUTURE)),
        "CLOSE-2",
        "summary.timestamp.in_future",
        "migration_summary.json",
    ),
    # CLOSE-3: the decision journal
    (
        "journal links out",
        link_out(journal_file),
        "CLOSE-3",
        "input.refused",
        "audit/decisions/decisions-",
    ),
    (
        "transition recorded in the future",
        journal_record(lambda r: r.__setitem__("timestamp", FUTURE)),
        "CLOSE-3",
        "journal.transition.in_future",
        "audit/decisions/decisions-",
    ),
    (
        "transition without a time",
        journal_record(lambda r: r.pop("timestamp")),
        "CLOSE-3",
        "journal.transition.missing",
        "audit/decisions/decisions-",
    ),
    (
        "transition time unreadable",
        journal_record(lambda r: r.__setitem__("timestamp", "dawn")),
        "CLOSE-3",
        "journal.transition.invalid",
        "audit/decisions/decisions-",
    ),
    (
        "journal configured as a string",
        core(lambda d: d["environments"]["binance_live"].__setitem__("decision_journal", "file")),
        "CLOSE-3",
        "journal.not_file",
        "config/core.yaml",
    ),
    # ACT-8 and CLOSE-4: the SLOs
    (
        "SLO definitions alias bomb",
        write(SLO_YML, ALIAS_BOMB.encode()),
        "ACT-8",
        "input.refused",
        SLO_YML,
    ),
    (
        "SLO definitions link to /dev/zero",
        lambda root: ((root / SLO_YML).unlink(), os.symlink("/dev/zero", root / SLO_YML)),
        "ACT-8",
        "input.refused",
        SLO_YML,
    ),
    (
        "SLO objective NaN",
        rewrite_text(SLO_YML, "objective: 220.0", "objective: .nan"),
        "CLOSE-4",
        "slo.definition_invalid",
        SLO_YML,
    ),
    (
        "SLO comparator unknown",
        rewrite_text(SLO_YML, 'comparator: ">="', 'comparator: "=="'),
        "CLOSE-4",
        "slo.definition_invalid",
        SLO_YML,
    ),
    (
        "SLO value NaN",
        slo(
            "slo_first_hour.json",
            lambda d: d["results"]["decision_latency"].__setitem__("value", NAN),
        ),
        "ACT-8",
        "slo.value_not_a_number",
        "slo_first_hour.json",
    ),
    (
        "SLO value a string",
        slo("slo_window.json", lambda d: d["results"]["fill_rate"].__setitem__("value", "0.99")),
        "CLOSE-4",
        "slo.value_not_a_number",
        "slo_window.json",
    ),
    (
        "SLO measured into the future",
        slo(
            "slo_window.json", lambda d: d["results"]["fill_rate"].__setitem__("window_end", FUTURE)
        ),
        "CLOSE-4",
        "slo.period.in_future",
        "slo_window.json",
    ),
    (
        "SLO period unreadable",
        slo("slo_window.json", lambda d: d["results"]["fill_rate"].__setitem__("window_end", "x")),
        "CLOSE-4",
        "slo.period.invalid",
        "slo_window.json",
    ),
    (
        "SLO report generated in the future",
        slo("slo_window.json", lambda d: d.__setitem__("generated_at", FUTURE)),
        "CLOSE-4",
        "slo.generated_at.in_future",
        "slo_window.json",
    ),
    (
        "SLO report links out",
        link_out(lambda r: archive_dir(r) / "slo_window.json"),
        "CLOSE-4",
        "input.refused",
        "slo_window.json",
    ),
    (
        "window starts in the future",
        summary(lambda d: d["live_window"].__setitem__("started_at", FUTURE)),
        "ACT-8",
        "close.window.in_future",
        "migration_summary.json",
    ),
    (
        "window start unreadable",
        summary(lambda d: d["live_window"].__setitem__("started_at", "this morning")),
        "ACT-8",
        "close.window.invalid",
        "migration_summary.json",
    ),
    (
        "window start absent",
        summary(lambda d: d["live_window"].pop("started_at")),
        "ACT-8",
        "close.window.missing",
        "migration_summary.json",
    ),
]

HOSTILE_DEFECTS_C: list[tuple[str, Callable[[Path], None], str, str]] = [
    (name, mutate, requirement, rule) for name, mutate, requirement, rule, _ in HOSTILE_CASES_C
]


def judge(root: Path, requirement: str) -> list[Finding]:
    """The findings of ``requirement``'s checks on the live environment, called directly."""
    deployment = Deployment(root)
    environment = deployment.environment("binance_live")
    policy, as_of = Policy(), parse_instant(AS_OF)
    if requirement == "PRE-5":
        return check_market_data(environment, policy, as_of)
    if requirement == "PRE-6":
        return [
            *check_walk_forward(deployment, policy, as_of),
            *check_data_quality(deployment, policy, as_of),
            *check_drift(deployment, policy, as_of),
        ]
    if requirement == "PRE-9":
        return [f for c in QUICK_TESTS for f in check_quick_test(deployment, c, policy, as_of)]
    if requirement == "ACT-7":
        return check_dry_run(environment, policy, as_of)
    if requirement == "ESC-3":
        return check_adapters(environment, policy, as_of)
    if requirement == "ACT-5":
        return check_key_rotation(environment, policy, as_of)
    if requirement == "PRE-7":
        try:
            RouterBench.for_environment(environment, policy)
        except BenchUnusable as unusable:
            return unusable.findings
        return []
    checks: dict[str, Callable[[], list[Finding]]] = {
        "ACT-8": lambda: check_slo(environment, as_of, first_hour=True, policy=policy),
        "CLOSE-1": lambda: check_archive(environment, as_of, policy=policy),
        "CLOSE-2": lambda: check_summary(environment, as_of, policy=policy),
        "CLOSE-3": lambda: check_journal(environment, as_of, policy=policy),
        "CLOSE-4": lambda: check_slo(environment, as_of, first_hour=False, policy=policy),
    }
    return checks[requirement]()


def _phase(requirement: str) -> str:
    return "live_close" if requirement in CLOSE_REQUIREMENTS else "live_gate"


@pytest.mark.parametrize(
    ("defect", "mutate", "requirement", "rule", "file"),
    HOSTILE_CASES_C,
    ids=[case[0].replace(" ", "-") for case in HOSTILE_CASES_C],
)
def test_hostile_input_is_a_finding_naming_the_file(
    defect: str, mutate: Mutation, requirement: str, rule: str, file: str, reference: Path
) -> None:
    """Check level (tests/checklevel.py): the gate's own steps for the requirement, in its
    phase."""
    mutate(reference)
    judged = judge_checks(reference, requirements={requirement}, phase=_phase(requirement))
    findings = judged.findings.get(requirement, [])
    matching = [f for f in judged.blocking(requirement) if f.rule == rule]
    assert matching, (defect, [(f.rule, f.file, f.message) for f in findings], judged.errors)
    assert all(f.requirement == requirement for f in findings)
    assert any(file in (f.file or "") for f in matching), (defect, [f.file for f in matching])


@pytest.mark.parametrize("phase", ["live_gate", "live_close"])
def test_reference_is_clean_at_check_level(phase: str, reference: Path) -> None:
    """The same harness on the unchanged reference: nothing blocks (each case above is the one
    change that makes it NO-GO)."""
    wanted = {case[2] for case in HOSTILE_CASES_C if _phase(case[2]) == phase}
    judged = judge_checks(reference, requirements=wanted, phase=phase)
    assert set(judged.findings) >= wanted  # every requirement's scenarios ran
    assert judged.blocked == set(), {r: [f.explain() for f in judged.blocking(r)] for r in wanted}


def test_hostile_input_is_no_go_in_a_whole_gate_run(reference: Path, run_gate: Any) -> None:
    """Group C's one whole run (every case is judged at check level above): the verdict, the
    finding naming the file in the evidence and the terminal; and the check-level harness finds
    exactly the blockers the whole run found."""
    _, mutate, requirement, rule, file = next(
        case for case in HOSTILE_CASES_C if case[0] == "partition links out"
    )
    mutate(reference)
    gate = run_gate(reference, phase=_phase(requirement))
    assert gate.verdict == "NO-GO" and gate.exit_code != 0, gate.output
    assert gate.status(requirement) == "failed", gate.requirement(requirement)
    assert rule in gate.rules(requirement), gate.rules(requirement)
    findings = [f for f in gate.requirement(requirement)["findings"] if f["rule"] == rule]
    assert any(file in f.get("file", "") for f in findings), findings
    assert f"[{requirement}]" in gate.output
    judged = judge_checks(reference, phase=_phase(requirement))
    for outcome in gate.evidence["requirements"]:
        assert judged.rules(outcome["id"]) == gate.rules(outcome["id"]), outcome["id"]


# ------------------------------------------------------------------ read as the bot reads them


@pytest.mark.parametrize(
    ("where", "requirement"),
    [
        (dry_run_record, "ACT-7"),
        (ROTATION, "ACT-5"),
        (FAILOVER, "ESC-3"),
        (f"{QUICK}/mypy.xml", "PRE-9"),
        (journal_file, "CLOSE-3"),
        (lambda r: archive_dir(r) / "SHA256SUMS", "CLOSE-1"),
    ],
    ids=["dry-run", "rotation-log", "failover-status", "junit", "journal", "checksums"],
)
def test_crlf_and_no_final_newline_are_read_not_skipped(
    where: Where, requirement: str, reference: Path
) -> None:
    crlf_without_final_newline(where)(reference)
    findings = judge(reference, requirement)
    assert [f.explain() for f in findings if f.blocking] == []


def test_a_transition_on_a_crlf_last_line_counts(reference: Path) -> None:
    path = journal_file(reference)
    path.write_bytes(b'{"event":"heartbeat"}\r\n' + path.read_bytes().rstrip(b"\n"))
    assert [f for f in judge(reference, "CLOSE-3") if f.blocking] == []


def test_a_future_named_report_never_becomes_the_latest(reference: Path) -> None:
    """The bot would take 20361120T000000Z.json (drift 0.9) as the latest; the gate names it and
    judges the report that is the latest at the evaluation instant."""
    future_named_drift_report(reference)
    rules = {f.rule for f in judge(reference, "PRE-6") if f.blocking}
    assert rules == {"ai.report_name.in_future"}


def test_a_future_dry_run_never_becomes_the_newest(reference: Path) -> None:
    data = json.loads(dry_run_record(reference).read_text())
    data["generated_at"] = FUTURE
    data["dry_run"]["enable_auto_trade"] = True
    (reference / DRY_RUN / "promotion_binance_live_future.json").write_text(json.dumps(data))
    findings = [f for f in judge(reference, "ACT-7") if f.blocking]
    assert {f.rule for f in findings} == {"dry_run.generated_at.in_future"}
    assert findings[0].file == f"{DRY_RUN}/promotion_binance_live_future.json"


def test_a_future_archive_day_never_becomes_the_newest(reference: Path) -> None:
    future_archive_day(reference)
    (reference / LIVE_ROOT / "20361120" / "risk_decisions.jsonl").write_text("tampered\n")
    rules = {f.rule for f in judge(reference, "CLOSE-1") if f.blocking}
    assert rules == {"close.archive_day.in_future"}


def test_unreadable_open_time_names_the_partition(reference: Path) -> None:
    add_bar(NAN)(reference)
    with pytest.raises(UnreadableInput) as error:
        judge(reference, "PRE-5")
    assert error.value.file == PARTITION


def test_market_data_writes_nothing(reference: Path) -> None:
    """The manifest is opened immutable: no journal, no WAL, not a byte changed."""

    def state() -> dict[str, tuple[str, int]]:
        return {
            p.relative_to(reference).as_posix(): (
                hashlib.sha256(p.read_bytes()).hexdigest(),
                p.stat().st_mtime_ns,
            )
            for p in sorted((reference / CACHE).rglob("*"))
            if p.is_file()
        }

    before = state()
    assert [f for f in judge(reference, "PRE-5") if f.blocking] == []
    assert state() == before


def test_entity_bomb_is_refused_in_any_encoding() -> None:
    for encoding in ("utf-8", "utf-16", "utf-16-le", "utf-16-be"):
        with pytest.raises(MalformedJUnit, match="DOCTYPE"):
            parse_junit(ENTITY_BOMB.encode(encoding))


def test_junit_counts_are_whole_numbers() -> None:
    for value in ("nan", "inf", "-1", "1.5", "many"):
        with pytest.raises(MalformedJUnit):
            parse_junit(f'<testsuite tests="{value}">{CASE}</testsuite>'.encode())
    result = parse_junit(f'<testsuite tests="1" skips="0">{CASE}</testsuite>'.encode())
    assert (result.tests, result.executed, result.timestamps) == (1, 1, (None,))


# ------------------------------------------------------------------ caps: named, never a crash


def test_files_over_the_caps_are_findings(reference: Path) -> None:
    from live_gate.kit.files import Limits

    policy, as_of = Policy(), parse_instant(AS_OF)

    def live(**caps: int) -> Any:
        return Deployment(reference, Limits(**caps)).environment("binance_live")

    for findings, fragment in (
        # the manifest is 12 KiB; the one-minute partitions are larger
        (check_market_data(live(max_stream_bytes=12_288), policy, as_of), "BTCUSDT/1m/"),
        (check_archive(live(max_stream_bytes=1_200), as_of, policy=policy), "/alerts/alerts-"),
        (check_journal(live(max_line_bytes=64), as_of, policy=policy), "audit/decisions/"),
    ):
        refused = [f for f in findings if f.rule == "input.refused"]
        assert refused, [f.explain() for f in findings]
        assert any(fragment in (f.file or "") for f in refused), [f.file for f in refused]
        assert all("input_limits.max_" in f.message for f in refused)
