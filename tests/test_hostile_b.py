"""Hostile deployments against the logs, ledgers and streams (group B: PRE-3, ACT-3, ACT-4, ACT-6,
ESC-1, ESC-2, PRE-8): each case changes a copy of the reference deployment in one place, as a
hostile operator would, and the requirement must fail naming the rule and the file.

Check-level (fast): every case of :data:`HOSTILE_CASES_B` is judged through the gate's own step
definitions for its requirement (tests/checklevel.py); the tests of how the logs are read call the
checks directly. Whole gate: one case (a FIFO among the alert logs) runs the gate end to end.
:data:`HOSTILE_DEFECTS_B` lists ``(name, mutation, requirement, rule)`` for the seeded-defect
meta-test.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from live_gate.checks.alert_test import check_alert_test, check_no_open_critical_alert
from live_gate.checks.alerting import (
    check_alert_audit,
    check_alert_channels,
    check_alert_throttle,
)
from live_gate.checks.auto_trader import check_auto_confirm
from live_gate.checks.escalation import check_no_blocked_checklist_item
from live_gate.checks.paper import check_limits_against_paper, check_paper_ledger
from live_gate.checks.paper_sim import check_simulator_rules
from live_gate.findings import Finding
from live_gate.kit.parse import NonFinite, parse_json
from live_gate.kit.schemas import schema, validator
from live_gate.policy import Policy
from live_gate.resources import alert_audit
from live_gate.resources.alert_audit import SCHEMA, FlatRecordCheck, record_problem
from live_gate.resources.deployment import Deployment
from live_gate.timeutil import parse_instant
from tests.checklevel import judge_checks
from tests.conftest import AS_OF
from tests.mutations import Mutation, append, fifo, link_out
from tests.test_gate_defects import (
    alert,
    auto_trader_log,
    block_key,
    core,
    drop_test_alert_on,
    edit_json,
    entrypoint,
    env_key,
    paper_fill,
    paper_settings_edit,
    profile,
)

NAN = float("nan")
INF = float("inf")

AUDIT_DIR = "var/data/binance_live/audit/alerts"
NEWEST_ALERTS = f"{AUDIT_DIR}/alerts-20261120.jsonl"
LEDGER = "var/data/binance_paper/audit/ledger"
NEWEST_LEDGER = f"{LEDGER}/ledger-20261119.jsonl"
SMOKE_DIR = "audit/smoke_reports"
SMOKE_RUN = f"{SMOKE_DIR}/daily_trend_smoke_reference"
SMOKE = f"{SMOKE_RUN}/summary.json"
AUTO_TRADER_LOG = "var/data/binance_live/logs/auto_trader.jsonl"
CONFIG = "config/core.yaml"
FUTURE = "2026-11-20T13:00:00+00:00"  # an hour after AS_OF; the clock skew is five minutes
RECENT = "2026-11-20T10:00:00+00:00"


# --------------------------------------------------------------------------- mutations


def folder(relative: str) -> Mutation:
    def apply(root: Path) -> None:
        path = root / relative
        if path.exists():
            path.unlink()
        (path / "inner.jsonl").parent.mkdir(parents=True)
        (path / "inner.jsonl").write_text("{}\n")

    return apply


def prepend(relative: str, data: bytes) -> Mutation:
    def apply(root: Path) -> None:
        path = root / relative
        path.write_bytes(data + path.read_bytes())

    return apply


def record_line(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, separators=(",", ":")) + "\n").encode()


def alerts(*records: dict[str, str]) -> Mutation:
    return append(NEWEST_ALERTS, b"".join(record_line(r) for r in records))


def both(*mutations: Mutation) -> Mutation:
    def apply(root: Path) -> None:
        for mutation in mutations:
            mutation(root)

    return apply


def with_created_at(record: dict[str, str], created_at: str) -> dict[str, str]:
    return {**record, "created_at": created_at}


def many_criticals(root: Path) -> None:
    count = alert_audit.MAX_TRACKED + 1
    with (root / NEWEST_ALERTS).open("ab") as handle:
        for index in range(count):
            handle.write(
                record_line(
                    alert(
                        "telegram:primary",
                        "execution",
                        "critical",
                        "Order rejected",
                        RECENT,
                        alert_id=f"flood-{index}",
                    )
                )
            )


def smoke(change: Callable[[dict[str, Any]], None]) -> Mutation:
    return edit_json(SMOKE, change)


def risk_state(key: str, value: Any) -> Mutation:
    return smoke(lambda d: d["risk_state"].__setitem__(key, value))


trusted_live = entrypoint(lambda e: e.__setitem__("trusted_auto_confirm", True))


def auto_trader_records(*records: dict[str, Any]) -> Mutation:
    def apply(root: Path) -> None:
        trusted_live(root)
        path = root / AUTO_TRADER_LOG
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"".join(record_line(r) for r in records))

    return apply


def auto_trader(*messages: str) -> Mutation:
    return both(trusted_live, lambda root: auto_trader_log(root, list(messages)))


def started(when: str | None = "2026-11-20T08:00:00+00:00") -> dict[str, Any]:
    record: dict[str, Any] = {
        "level": "INFO",
        "component": "AutoTrader",
        "message": "AutoTrader started.",
    }
    if when is not None:
        record["timestamp"] = when
    return record


# --------------------------------------------------------------------------- the cases

# (name, mutation, requirement, rule, the file the finding must name)
HOSTILE_CASES_B: list[tuple[str, Mutation, str, str, str]] = [
    # ---- PRE-3: paths
    (
        "daily alert log links out",
        link_out(f"{AUDIT_DIR}/alerts-20261119.jsonl"),
        "PRE-3",
        "input.refused",
        "alerts-20261119.jsonl",
    ),
    (
        "FIFO named like an alert log",
        fifo(f"{AUDIT_DIR}/alerts-20261116.jsonl"),
        "PRE-3",
        "input.refused",
        "alerts-20261116.jsonl",
    ),
    (
        "folder named like an alert log",
        folder(f"{AUDIT_DIR}/alerts-20261116.jsonl"),
        "PRE-3",
        "input.refused",
        "alerts-20261116.jsonl",
    ),
    ("alert audit folder is a FIFO", fifo(AUDIT_DIR), "PRE-3", "input.refused", AUDIT_DIR),
    (
        "alert audit folder links out",
        link_out(AUDIT_DIR),
        "PRE-3",
        "path.escapes_deployment",
        CONFIG,
    ),
    # ---- PRE-3: parsing
    (
        "alert line over the line cap",
        append(NEWEST_ALERTS, b'{"channel":"' + b"x" * (2 << 20) + b'"}\n'),
        "PRE-3",
        "input.refused",
        "alerts-20261120.jsonl",
    ),
    (
        "alert line nested too deep",
        append(NEWEST_ALERTS, b"[" * 200 + b"]" * 200 + b"\n"),
        "PRE-3",
        "audit.line_invalid",
        "alerts-20261120.jsonl",
    ),
    (
        "alert record a plain string",
        append(NEWEST_ALERTS, b'"telegram:primary critical"\n'),
        "PRE-3",
        "audit.line_invalid",
        "alerts-20261120.jsonl",
    ),
    (
        "alert log starts with a byte order mark",
        prepend(NEWEST_ALERTS, b"\xef\xbb\xbf"),
        "PRE-3",
        "audit.line_invalid",
        "alerts-20261120.jsonl",
    ),
    # ---- PRE-3: time
    (
        "alert record from the future",
        alerts(alert("email:ops", "health", "info", "Heartbeat", FUTURE)),
        "PRE-3",
        "audit.timestamp.in_future",
        "alerts-20261120.jsonl",
    ),
    (
        "alert record created in the future",
        alerts(with_created_at(alert("email:ops", "health", "info", "Heartbeat", RECENT), FUTURE)),
        "PRE-3",
        "audit.timestamp.in_future",
        "alerts-20261120.jsonl",
    ),
    (
        "alert record with an unreadable timestamp",
        alerts(alert("email:ops", "health", "info", "Heartbeat", "yesterday")),
        "PRE-3",
        "audit.timestamp.invalid",
        "alerts-20261120.jsonl",
    ),
    # ---- PRE-3: numbers and flags in the configuration
    (
        "throttle window NaN",
        block_key("alert_throttle", "window_seconds", NAN),
        "PRE-3",
        "throttle.window_invalid",
        CONFIG,
    ),
    (
        "audit retention NaN",
        block_key("alert_audit", "retention_days", NAN),
        "PRE-3",
        "audit.retention_invalid",
        CONFIG,
    ),
    (
        "audit retention infinite",
        block_key("alert_audit", "retention_days", INF),
        "PRE-3",
        "audit.retention_invalid",
        CONFIG,
    ),
    (
        "offline_mode written as a string",
        env_key("offline_mode", "false"),
        "PRE-3",
        "channels.offline_mode_not_boolean",
        CONFIG,
    ),
    (
        "audit fsync written as a string",
        block_key("alert_audit", "fsync", "true"),
        "PRE-3",
        "audit.flag_not_boolean",
        CONFIG,
    ),
    # ---- ACT-4
    (
        "the only SMS test alert is from the future",
        both(
            drop_test_alert_on("sms:orange_local"),
            alerts(alert("sms:orange_local", "alerting_test", "critical", "Alert test", FUTURE)),
        ),
        "ACT-4",
        "alert_test.timestamp.in_future",
        "alerts-20261120.jsonl",
    ),
    (
        "test alert with an unreadable timestamp",
        alerts(alert("email:ops", "alerting_test", "critical", "Alert test", "soon")),
        "ACT-4",
        "alert_test.timestamp.invalid",
        "alerts-20261120.jsonl",
    ),
    (
        "daily alert log with the test alerts links out",
        link_out(NEWEST_ALERTS),
        "ACT-4",
        "input.refused",
        "alerts-20261120.jsonl",
    ),
    # ---- ESC-1
    (
        "critical alert from the future",
        alerts(alert("telegram:primary", "risk", "critical", "Loss limit", FUTURE)),
        "ESC-1",
        "critical.timestamp.in_future",
        "alerts-20261120.jsonl",
    ),
    (
        "acknowledgement from the future",
        alerts(
            alert("telegram:primary", "risk", "critical", "Loss", RECENT, alert_id="alrt-8"),
            alert("email:ops", "acknowledgement", "info", "ack", FUTURE, acknowledges="alrt-8"),
        ),
        "ESC-1",
        "critical.acknowledgement.in_future",
        "alerts-20261120.jsonl",
    ),
    (
        "acknowledgement before the alert",
        alerts(
            alert(
                "email:ops",
                "acknowledgement",
                "info",
                "ack",
                "2026-11-20T09:00:00+00:00",
                acknowledges="alrt-9",
            ),
            alert("telegram:primary", "risk", "critical", "Loss", RECENT, alert_id="alrt-9"),
        ),
        "ESC-1",
        "critical.unconfirmed",
        "alerts-20261120.jsonl",
    ),
    (
        "more critical alerts than the gate follows",
        many_criticals,
        "ESC-1",
        "critical.too_many",
        AUDIT_DIR,
    ),
    (
        "FIFO named like an alert log (ESC-1)",
        fifo(f"{AUDIT_DIR}/alerts-20261116.jsonl"),
        "ESC-1",
        "input.refused",
        "alerts-20261116.jsonl",
    ),
    # ---- PRE-8: paths
    (
        "daily ledger links out",
        link_out(f"{LEDGER}/ledger-20261118.jsonl"),
        "PRE-8",
        "input.refused",
        "ledger-20261118.jsonl",
    ),
    (
        "FIFO named like a ledger",
        fifo(f"{LEDGER}/ledger-20261116.jsonl"),
        "PRE-8",
        "input.refused",
        "ledger-20261116.jsonl",
    ),
    (
        "folder named like a ledger",
        folder(f"{LEDGER}/ledger-20261116.jsonl"),
        "PRE-8",
        "input.refused",
        "ledger-20261116.jsonl",
    ),
    # ---- PRE-8: numbers, types, time
    ("fill price NaN", paper_fill(price=NAN, fee=1.0), "PRE-8", "ledger.not_a_number", "ledger-"),
    (
        "fill quantity infinite",
        paper_fill(quantity=INF, fee=1.0),
        "PRE-8",
        "ledger.not_a_number",
        "ledger-",
    ),
    ("fill fee NaN", paper_fill(fee=NAN), "PRE-8", "ledger.not_a_number", "ledger-"),
    ("fill fee a string", paper_fill(fee="0.38"), "PRE-8", "ledger.not_a_number", "ledger-"),
    ("fill leverage NaN", paper_fill(leverage=NAN), "PRE-8", "ledger.not_a_number", "ledger-"),
    (
        "fill from the future",
        paper_fill(timestamp=parse_instant(FUTURE).timestamp()),
        "PRE-8",
        "ledger.timestamp.in_future",
        "ledger-",
    ),
    (
        "fill timestamp a string",
        paper_fill(timestamp="1795170000"),
        "PRE-8",
        "ledger.undated",
        "ledger-",
    ),
    ("fill side in capitals", paper_fill(side="BUY"), "PRE-8", "ledger.line_invalid", "ledger-"),
    (
        "ledger line an array",
        append(NEWEST_LEDGER, b'["paper-99", "buy"]\n'),
        "PRE-8",
        "ledger.line_invalid",
        "ledger-20261119.jsonl",
    ),
    (
        "ledger starts with a byte order mark",
        prepend(NEWEST_LEDGER, b"\xef\xbb\xbf"),
        "PRE-8",
        "ledger.line_invalid",
        "ledger-20261119.jsonl",
    ),
    (
        "initial balance NaN",
        paper_settings_edit(lambda p: p["initial_balances"].__setitem__("USDT", NAN)),
        "PRE-8",
        "paper.setting_invalid",
        CONFIG,
    ),
    (
        "taker fee infinite",
        paper_settings_edit(lambda p: p.__setitem__("taker_fee", INF)),
        "PRE-8",
        "paper.setting_invalid",
        CONFIG,
    ),
    (
        "initial balances a string",
        paper_settings_edit(lambda p: p.__setitem__("initial_balances", "USDT: 100000")),
        "PRE-8",
        "paper.setting_invalid",
        CONFIG,
    ),
    (
        "ledger_fsync written as a string",
        paper_settings_edit(lambda p: p.__setitem__("ledger_fsync", "yes")),
        "PRE-8",
        "paper.setting_invalid",
        CONFIG,
    ),
    # ---- ACT-3: smoke summaries
    (
        "smoke drawdown NaN",
        risk_state("drawdown_pct", NAN),
        "ACT-3",
        "paper.smoke_not_a_number",
        SMOKE,
    ),
    (
        "smoke daily loss infinite",
        risk_state("daily_loss_pct", INF),
        "ACT-3",
        "paper.smoke_not_a_number",
        SMOKE,
    ),
    (
        "smoke peak equity NaN",
        risk_state("peak_equity", NAN),
        "ACT-3",
        "paper.smoke_not_a_number",
        SMOKE,
    ),
    (
        "smoke drawdown a string",
        risk_state("drawdown_pct", "0.08"),
        "ACT-3",
        "paper.smoke_not_a_number",
        SMOKE,
    ),
    (
        "smoke window ends in the future",
        smoke(lambda d: d["window"].__setitem__("end", FUTURE)),
        "ACT-3",
        "paper.smoke_time.in_future",
        SMOKE,
    ),
    (
        "smoke window without an end",
        smoke(lambda d: d["window"].pop("end")),
        "ACT-3",
        "paper.smoke_time.missing",
        SMOKE,
    ),
    (
        "smoke window end unreadable",
        smoke(lambda d: d["window"].__setitem__("end", "last week")),
        "ACT-3",
        "paper.smoke_time.invalid",
        SMOKE,
    ),
    (
        "smoke risk_state a string",
        smoke(lambda d: d.__setitem__("risk_state", "all fine")),
        "ACT-3",
        "paper.smoke_malformed",
        SMOKE,
    ),
    (
        "smoke force_liquidation a string",
        risk_state("force_liquidation", "false"),
        "ACT-3",
        "paper.smoke_flag_not_boolean",
        SMOKE,
    ),
    (
        "smoke run force-liquidated",
        risk_state("force_liquidation", True),
        "ACT-3",
        "paper.smoke_force_liquidation",
        SMOKE,
    ),
    ("smoke summary links out", link_out(SMOKE), "ACT-3", "input.refused", SMOKE),
    ("smoke run folder links out", link_out(SMOKE_RUN), "ACT-3", "input.refused", SMOKE_RUN),
    ("smoke reports folder links out", link_out(SMOKE_DIR), "ACT-3", "input.refused", SMOKE_DIR),
    ("smoke summary a FIFO", fifo(SMOKE), "ACT-3", "input.refused", SMOKE),
    (
        "smoke summary not JSON",
        lambda root: (root / SMOKE).write_text("{ all good"),
        "ACT-3",
        "input.refused",
        SMOKE,
    ),
    (
        "live position limit NaN",
        profile("max_position_pct", NAN),
        "ACT-3",
        "paper.live_limit_not_a_number",
        CONFIG,
    ),
    (
        "paper maker fee NaN (ACT-3)",
        paper_settings_edit(lambda p: p.__setitem__("maker_fee", NAN)),
        "ACT-3",
        "paper.setting_invalid",
        CONFIG,
    ),
    (
        "daily ledger links out (ACT-3)",
        link_out(f"{LEDGER}/ledger-20261118.jsonl"),
        "ACT-3",
        "input.refused",
        "ledger-20261118.jsonl",
    ),
    # ---- ACT-6
    (
        "live trusted_auto_confirm a string",
        entrypoint(lambda e: e.__setitem__("trusted_auto_confirm", "false")),
        "ACT-6",
        "auto_confirm.not_boolean",
        CONFIG,
    ),
    (
        "paper trusted_auto_confirm the number 1",
        core(
            lambda d: d["runtime_entrypoints"]["auto_trader"].__setitem__("trusted_auto_confirm", 1)
        ),
        "ACT-6",
        "auto_confirm.not_boolean",
        CONFIG,
    ),
    (
        "AutoTrader log line not JSON",
        both(auto_trader("AutoTrader started."), append(AUTO_TRADER_LOG, b"garbage\n")),
        "ACT-6",
        "auto_confirm.line_invalid",
        AUTO_TRADER_LOG,
    ),
    (
        "AutoTrader log starts with a byte order mark",
        both(auto_trader("AutoTrader started."), prepend(AUTO_TRADER_LOG, b"\xef\xbb\xbf")),
        "ACT-6",
        "auto_confirm.line_invalid",
        AUTO_TRADER_LOG,
    ),
    (
        "AutoTrader start from the future",
        auto_trader_records(started(FUTURE)),
        "ACT-6",
        "auto_confirm.timestamp.in_future",
        AUTO_TRADER_LOG,
    ),
    (
        "AutoTrader start undated",
        auto_trader_records(started(None)),
        "ACT-6",
        "auto_confirm.timestamp.missing",
        AUTO_TRADER_LOG,
    ),
    (
        "AutoTrader start with an unreadable timestamp",
        auto_trader_records(started("at dawn")),
        "ACT-6",
        "auto_confirm.timestamp.invalid",
        AUTO_TRADER_LOG,
    ),
    (
        "AutoTrader start older than a dry run may be",
        auto_trader_records(started("2026-11-15T08:00:00+00:00")),
        "ACT-6",
        "auto_confirm.timestamp.stale",
        AUTO_TRADER_LOG,
    ),
    (
        "AutoTrader log links out",
        both(auto_trader("AutoTrader started."), link_out(AUTO_TRADER_LOG)),
        "ACT-6",
        "input.refused",
        AUTO_TRADER_LOG,
    ),
    (
        "AutoTrader log a FIFO",
        both(trusted_live, fifo(AUTO_TRADER_LOG)),
        "ACT-6",
        "input.refused",
        AUTO_TRADER_LOG,
    ),
    # ---- ESC-2
    (
        "risk limit NaN in the bot's checklist",
        profile("max_daily_loss_pct", NAN),
        "ESC-2",
        "checklist.blocked",
        CONFIG,
    ),
]

HOSTILE_DEFECTS_B: list[tuple[str, Callable[[Path], None], str, str]] = [
    (name, mutation, requirement, rule) for name, mutation, requirement, rule, _ in HOSTILE_CASES_B
]


# --------------------------------------------------------------------------- check level


def judge(reference: Path, requirement: str, environment: str = "binance_live") -> list[Finding]:
    """The findings of every check of ``requirement`` on a fresh reading of the deployment."""
    judged = Deployment(reference).environment(environment)
    policy, as_of = Policy(), parse_instant(AS_OF)
    checks: dict[str, list[Callable[[], list[Finding]]]] = {
        "PRE-3": [
            lambda: check_alert_channels(judged),
            lambda: check_alert_throttle(judged),
            lambda: check_alert_audit(judged, policy, as_of),
        ],
        "ACT-4": [lambda: check_alert_test(judged, policy, as_of)],
        "ESC-1": [lambda: check_no_open_critical_alert(judged, policy, as_of)],
        "PRE-8": [
            lambda: check_paper_ledger(judged, policy, as_of),
            lambda: check_simulator_rules(judged, policy),
        ],
        "ACT-3": [lambda: check_limits_against_paper(judged, policy, as_of)],
        "ACT-6": [lambda: check_auto_confirm(judged, policy, as_of)],
        "ESC-2": [lambda: check_no_blocked_checklist_item(judged)],
    }
    return [finding for check in checks[requirement] for finding in check()]


@pytest.mark.parametrize(
    ("name", "mutate", "requirement", "rule", "file"),
    HOSTILE_CASES_B,
    ids=[case[0].replace(" ", "-") for case in HOSTILE_CASES_B],
)
def test_hostile_input_is_a_named_finding(
    name: str, mutate: Mutation, requirement: str, rule: str, file: str, reference: Path
) -> None:
    """Check level (tests/checklevel.py): the gate's own steps for the requirement, on the
    reference changed in one place (unchanged, it is clean: the test below)."""
    mutate(reference)
    judged = judge_checks(reference, requirements={requirement})
    findings = judged.blocking(requirement)
    matching = [f for f in findings if f.rule == rule]
    assert matching, (name, [f.explain() for f in findings], judged.errors)
    assert all(f.requirement == requirement and f.file for f in matching), matching
    assert any(file in str(f.file) for f in matching), (name, [f.explain() for f in matching])


def test_the_reference_is_clean_at_check_level(reference: Path) -> None:
    """Each case above is the one change that fails its requirement: unchanged, nothing blocks
    (the same harness, the same steps)."""
    wanted = {case[2] for case in HOSTILE_CASES_B}
    judged = judge_checks(reference, requirements=wanted)
    assert set(judged.findings) >= wanted  # every requirement's scenarios ran
    assert judged.blocked == set(), {r: [f.explain() for f in judged.blocking(r)] for r in wanted}


def test_every_new_rule_of_group_b_has_a_case() -> None:
    rules = {rule for *_, rule, _ in HOSTILE_CASES_B}
    assert rules >= {
        "channels.offline_mode_not_boolean",
        "audit.flag_not_boolean",
        "audit.timestamp.in_future",
        "audit.timestamp.invalid",
        "alert_test.timestamp.in_future",
        "alert_test.timestamp.invalid",
        "critical.timestamp.in_future",
        "critical.acknowledgement.in_future",
        "critical.too_many",
        "ledger.not_a_number",
        "ledger.timestamp.in_future",
        "paper.setting_invalid",
        "paper.smoke_time.in_future",
        "paper.smoke_time.missing",
        "paper.smoke_time.invalid",
        "paper.smoke_malformed",
        "paper.smoke_not_a_number",
        "paper.smoke_flag_not_boolean",
        "paper.smoke_force_liquidation",
        "paper.live_limit_not_a_number",
        "auto_confirm.not_boolean",
        "auto_confirm.line_invalid",
        "auto_confirm.timestamp.in_future",
        "auto_confirm.timestamp.missing",
        "auto_confirm.timestamp.invalid",
        "auto_confirm.timestamp.stale",
        "input.refused",
    }


# --------------------------------------------------------------------------- read as the bot reads


def _to_crlf(root: Path, relative: str) -> None:
    for path in sorted((root / relative).iterdir()):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))


def _no_final_newline(root: Path, relative: str) -> None:
    for path in sorted((root / relative).iterdir()):
        path.write_bytes(path.read_bytes().rstrip(b"\n"))


def _alert_facts(root: Path) -> list[Any]:
    judged = Deployment(root).environment("binance_live")
    policy, as_of = Policy(), parse_instant(AS_OF)
    results = [
        check_alert_audit(judged, policy, as_of),
        check_alert_test(judged, policy, as_of),
        check_no_open_critical_alert(judged, policy, as_of),
    ]
    return [([f.explain() for f in r], r.facts) for r in results]


@pytest.mark.parametrize("change", [_to_crlf, _no_final_newline])
def test_alert_log_line_ends_are_read_as_the_bot_reads_them(
    change: Callable[[Path, str], None], reference: Path
) -> None:
    before = _alert_facts(reference)
    change(reference, AUDIT_DIR)
    assert _alert_facts(reference) == before
    assert "16 in 4 file(s)" in str(before)  # every record still counts


@pytest.mark.parametrize("change", [_to_crlf, _no_final_newline])
def test_ledger_line_ends_are_read_as_the_bot_reads_them(
    change: Callable[[Path, str], None], reference: Path
) -> None:
    judged = Deployment(reference).environment("binance_live")
    before = check_paper_ledger(judged, Policy(), parse_instant(AS_OF))
    change(reference, LEDGER)
    judged = Deployment(reference).environment("binance_live")
    after = check_paper_ledger(judged, Policy(), parse_instant(AS_OF))
    assert list(after) == list(before) == []
    assert after.facts == before.facts == [("paper ledger", f"5 fills in {LEDGER}")]


def test_autotrader_log_with_crlf_and_no_final_newline_is_read_alike(reference: Path) -> None:
    auto_trader("Controller runner attached", "AutoTrader started.")(reference)
    path = reference / AUTO_TRADER_LOG
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n").rstrip(b"\r\n"))
    assert not judge(reference, "ACT-6")
    auto_trader("Auto-trade awaiting explicit activation", "AutoTrader started.")(reference)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n").rstrip(b"\r\n"))
    assert {f.rule for f in judge(reference, "ACT-6")} == {"auto_confirm.waited_for_click"}


def test_zip_archives_beside_the_smoke_runs_are_passed_over(reference: Path) -> None:
    (reference / SMOKE_DIR / "daily_trend_smoke_reference.zip").write_bytes(
        b"PK\x05\x06" + bytes(18)
    )
    assert not judge(reference, "ACT-3")


def test_a_future_smoke_copy_does_not_pass_for_evidence(reference: Path) -> None:
    """A copy of the summary dated in the future is a finding even when the values are fine."""
    copy = reference / SMOKE_DIR / "daily_trend_smoke_copy"
    copy.mkdir()
    data = json.loads((reference / SMOKE).read_text())
    data["window"]["end"] = FUTURE
    (copy / "summary.json").write_text(json.dumps(data, indent=2))
    findings = judge(reference, "ACT-3")
    assert [(f.rule, f.file, f.line) for f in findings] == [
        ("paper.smoke_time.in_future", f"{SMOKE_DIR}/daily_trend_smoke_copy/summary.json", 5)
    ]


# --------------------------------------------------------------------------- one pass, bounded


def test_the_alert_log_is_read_once_for_pre3_act4_and_esc1(
    reference: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from live_gate.kit.files import DeploymentFiles

    opened: list[str] = []
    original = DeploymentFiles.json_lines

    def counting(self: DeploymentFiles, confined: Any) -> Any:
        opened.append(confined.relative)
        return original(self, confined)

    monkeypatch.setattr(DeploymentFiles, "json_lines", counting)
    judged = Deployment(reference).environment("binance_live")
    policy, as_of = Policy(), parse_instant(AS_OF)
    check_alert_audit(judged, policy, as_of)
    check_alert_test(judged, policy, as_of)
    check_no_open_critical_alert(judged, policy, as_of)
    assert len(opened) == len(set(opened)) == 4


def test_critical_alerts_beyond_the_tracking_cap_are_refused(
    reference: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alert_audit, "MAX_TRACKED", 3)
    alerts(
        *(
            alert("telegram:primary", "risk", "critical", "Loss", RECENT, alert_id=f"a{i}")
            for i in range(4)
        ),
        *(
            alert("email:ops", "acknowledgement", "info", "ack", RECENT, acknowledges=f"a{i}")
            for i in range(4)
        ),
    )(reference)
    rules = {f.rule for f in judge(reference, "ESC-1")}
    assert "critical.too_many" in rules


def test_many_findings_are_counted_not_listed(reference: Path) -> None:
    append(NEWEST_LEDGER, b"garbage\n" * 60)(reference)
    findings = [f for f in judge(reference, "PRE-8") if f.rule == "ledger.line_invalid"]
    assert len(findings) == 21
    assert "40 more ledger lines" in findings[-1].message


# --------------------------------------------------------------------------- the schema fast path


def _records() -> list[Any]:
    valid = {
        "channel": "telegram:primary",
        "category": "risk",
        "title": "t",
        "severity": "critical",
        "timestamp": RECENT,
        "created_at": RECENT,
        "ctx_alert_id": "alrt-1",
        "body": "b",
    }
    records: list[Any] = [valid, {k: v for k, v in valid.items() if k != "ctx_alert_id"}]
    records.append({**valid, "ctx_other": "x", "ctx_": ""})  # ctx values may be empty
    records.append(dict(reversed(list(valid.items()))))  # key order does not matter
    records.append({**valid, "title": "", "body": "", "category": ""})  # no minLength there
    for key in valid:
        records.append({k: v for k, v in valid.items() if k != key})  # each key missing
        for bad in (None, 1, 1.5, True, NonFinite("NaN"), [], {}, ["x"], {"a": "b"}):
            records.append({**valid, key: bad})
        records.append({**valid, key: ""})
    records += [
        {**valid, "extra": "x"},
        {**valid, "Ctx_alert": "x"},
        {**valid, "xctx_": "x"},
        "a string",
        ["a", "list"],
        None,
        1,
        {},
    ]
    return records


def test_the_fast_record_check_agrees_with_the_schema() -> None:
    fast = FlatRecordCheck.compile(json.loads(json.dumps(schema(SCHEMA))))
    assert fast is not None, "the alert audit schema left the fast path's subset"
    schema_validator = validator(SCHEMA)
    records = _records()
    for record in records:
        valid = schema_validator.is_valid(record)
        if fast.check(record):
            assert valid, record  # never weaker than the schema
        assert (record_problem(record) is None) == valid, record
    # and the fast path does its job on what the bot writes
    assert all(fast.check(r) for r in records[:5])
    # parsed lines too (NaN comes in as NonFinite, never a string)
    assert record_problem(parse_json(b'{"channel":NaN}', "x", max_nesting=8)) is not None


def test_the_fast_record_check_agrees_with_any_schema_of_its_subset() -> None:
    from jsonschema import Draft202012Validator

    document: dict[str, Any] = {
        "type": "object",
        "required": ["a"],
        "properties": {"a": {"type": "string", "minLength": 3}, "b": {"type": "string"}},
        "patternProperties": {"^x_": {"type": "string", "minLength": 1}, "_y$": {"type": "string"}},
        "additionalProperties": False,
    }
    fast = FlatRecordCheck.compile(document)
    assert fast is not None
    full = Draft202012Validator(document)
    values: list[Any] = ["", "x", "abc", "abcd", 1, None, True, [], {}]
    records: list[Any] = [{}, [], "a"]
    for a in values:
        records.append({"a": a})
        for other in ("b", "x_1", "x__y", "q_y", "c"):
            for value in values:
                records.append({"a": a, other: value})
                records.append({other: value, "a": a})
    for record in records:
        assert fast.check(record) == full.is_valid(record), record
    # with additional properties allowed, an extra key of any type is left to the validator
    open_schema = {**document, "additionalProperties": True}
    fast_open = FlatRecordCheck.compile(open_schema)
    assert fast_open is not None
    full_open = Draft202012Validator(open_schema)
    for record in records:
        if fast_open.check(record):
            assert full_open.is_valid(record), record


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"a": {"type": "string", "pattern": "^x"}}},
        {"type": "object", "properties": {"a": {"type": ["string", "null"]}}},
        {"type": "object", "properties": {"a": {"type": "string"}}, "minProperties": 2},
        {"type": "array"},
        {"type": "object", "additionalProperties": {"type": "string"}},
    ],
)
def test_a_schema_outside_the_fast_subset_is_never_fast_pathed(schema: dict[str, Any]) -> None:
    assert FlatRecordCheck.compile(schema) is None


# --------------------------------------------------------------------------- the whole gate


def test_a_fifo_named_like_an_alert_log_never_hangs_the_gate(
    reference: Path, run_gate: Any
) -> None:
    """Group B's one whole run (every case is judged at check level above): a FIFO among the
    alert logs is refused by every requirement that reads them, the rest is still read and
    listed in the evidence, and the check-level harness finds exactly the run's blockers."""
    _, mutate, first, rule, file = next(
        case for case in HOSTILE_CASES_B if case[0] == "FIFO named like an alert log"
    )
    mutate(reference)
    gate = run_gate(reference)
    assert gate.verdict == "NO-GO" and gate.exit_code != 0
    for requirement in ("PRE-3", "ACT-4", "ESC-1"):
        assert gate.status(requirement) == "failed"
        assert "input.refused" in gate.rules(requirement)
        assert f"[{requirement}]" in gate.output
    findings = [f for f in gate.requirement(first)["findings"] if f["rule"] == rule]
    assert any(file in f.get("file", "") for f in findings), findings
    artifacts = [a["path"] for r in gate.evidence["requirements"] for a in r["artifacts"]]
    assert f"{AUDIT_DIR}/alerts-20261119.jsonl" in artifacts
    assert not any(path.endswith("alerts-20261116.jsonl") for path in artifacts)
    judged = judge_checks(reference)
    for outcome in gate.evidence["requirements"]:
        assert judged.rules(outcome["id"]) == gate.rules(outcome["id"]), outcome["id"]
