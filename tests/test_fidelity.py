"""Judging as the bot judges (issue 10, items 1, 4, 5, 7, 8, 9): what the bot really writes and
really enforces, read as the bot reads it (upstream Dudzian/Dudzian at f59f9e73).

``FIDELITY_DEFECTS`` are seeded defects for the blocking rules these items added; they are part
of ``test_every_blocking_rule_has_a_seeded_defect`` (tests/test_gate_defects.py), each judged at
check level (tests/checklevel.py) and one of them through the whole gate.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from live_gate.catalogue import load_catalogue
from live_gate.checks.market_data import check_market_data
from live_gate.checks.paper import check_limits_against_paper, check_paper_ledger
from live_gate.checks.risk_limits import check_risk_limits
from live_gate.policy import Policy
from live_gate.resources.deployment import Deployment
from live_gate.scenarios import load_gate_features
from live_gate.timeutil import parse_instant
from tests.checklevel import judge_checks
from tests.conftest import AS_OF, edit_core
from tests.mutations import Mutation, write
from tests.test_gate_defects import (
    RISK_STATE,
    dry_run,
    edit_json,
    risk_snapshot,
)

SMOKE = "audit/smoke_reports/daily_trend_smoke_reference/summary.json"

# --------------------------------------------------------------------------- item 1: risk state

# Written by FileRiskRepository.store at f59f9e73 (corpus risk_state/good, bad_drawdown_breach):
# compact JSON, a newline, only dates.
BOT_RISK_STATE = (
    b'{"profile":"conservative","current_day":"2026-11-20","start_of_week":"2026-11-16",'
    b'"start_of_day_equity":100000.0,"daily_realized_pnl":-12.5,"weekly_realized_pnl":-12.5,'
    b'"peak_equity":100000.0,"force_liquidation":false,"last_equity":99650.0,"positions":'
    b'{"BTCUSDT":{"side":"long","notional":1290.0},"ETHUSDT":{"side":"long","notional":1690.0}},'
    b'"start_of_week_equity":0.0,"rolling_profit_30d":0.0,"rolling_costs_30d":0.0,'
    b'"hedge_mode":false,"hedge_reason":null,"hedge_activated_at":null,'
    b'"hedge_cooldown_until":null}\n'
)
# the same bytes for the reference's live profile (a ManualProfile named conservative_live)
LIVE_STATE = BOT_RISK_STATE.replace(b'"profile":"conservative"', b'"profile":"conservative_live"')
BOT_RISK_STATE_BREACH = LIVE_STATE.replace(
    b'"force_liquidation":false', b'"force_liquidation":true'
)


def _pre5_rules(reference: Path, as_of: str = AS_OF) -> set[str | None]:
    environment = Deployment(reference).environment("binance_live")
    findings = check_market_data(environment, Policy(), parse_instant(as_of))
    return {f.rule for f in findings if f.blocking}


def _trade_with(profile: str) -> Mutation:
    """The live environment and its entrypoint trade with ``profile``."""

    def apply(root: Path) -> None:
        def change(d: dict[str, Any]) -> None:
            d["risk_profiles"][profile] = d["risk_profiles"]["conservative_live"]
            d["environments"]["binance_live"]["risk_profile"] = profile
            d["runtime_entrypoints"]["auto_trader_live"]["risk_profile"] = profile

        edit_core(root, change)

    return apply


def test_the_bots_own_risk_state_is_accepted(reference: Path) -> None:
    """The corpus file verbatim, where the bot keeps it for the built-in conservative profile."""
    _trade_with("Conservative")(reference)  # the loader lower-cases the name; so does the file
    state = reference / "var/data/binance_live/risk_state/conservative.json"
    state.write_bytes(BOT_RISK_STATE)
    assert _pre5_rules(reference) == set()
    state.unlink()
    assert _pre5_rules(reference) == {"risk_state.missing"}


def test_the_bots_risk_state_with_the_kill_switch_engaged_blocks(reference: Path) -> None:
    (reference / RISK_STATE).write_bytes(BOT_RISK_STATE_BREACH)
    assert _pre5_rules(reference) == {"risk_state.force_liquidation"}


@pytest.mark.parametrize(
    ("as_of", "rules"),
    [
        ("2026-11-21T23:59:00Z", set()),  # yesterday (UTC): a bot that ran until last evening
        ("2026-11-22T00:00:00Z", {"risk_state.current_day.stale"}),
        ("2026-11-19T23:59:30Z", set()),  # within the clock skew of midnight
        ("2026-11-19T23:00:00Z", {"risk_state.current_day.in_future"}),
    ],
)
def test_risk_state_freshness_is_judged_from_current_day_only(
    reference: Path, as_of: str, rules: set[str]
) -> None:
    state = reference / RISK_STATE
    state.write_bytes(LIVE_STATE)
    # the modification time is not evidence: a fresh mtime does not make an old day current
    state.touch()
    assert {r for r in _pre5_rules(reference, as_of) if r and r.startswith("risk_state")} == rules


def test_the_freshness_basis_is_said_in_the_findings(reference: Path) -> None:
    environment = Deployment(reference).environment("binance_live")
    findings = check_market_data(environment, Policy(), parse_instant(AS_OF))
    facts = " ".join(str(value) for _, value in findings.facts)
    assert "current_day" in facts and "modification time is not evidence" in facts


def test_the_risk_state_is_judged_even_when_the_ohlcv_cache_is_missing(reference: Path) -> None:
    (reference / "var/data/binance_live/ohlcv_manifest.sqlite").unlink()
    (reference / RISK_STATE).unlink()
    assert {"data.manifest_missing", "risk_state.missing"} <= _pre5_rules(reference)


def _risk_number(root: Path) -> None:
    risk_snapshot(lambda d: d.__setitem__("last_equity", "99650"))(root)


def _smoke_window(end: str) -> Mutation:
    return edit_json(SMOKE, lambda d: d.__setitem__("window", {"start": None, "end": end}))


def test_an_old_smoke_run_still_counts_when_a_recent_one_exists(reference: Path) -> None:
    """The age rule judges the newest run; an older one beside it is still compared."""
    import shutil

    old = reference / "audit/smoke_reports/old_run"
    shutil.copytree((reference / SMOKE).parent, old)
    _smoke_window("2026-08-01T00:00:00+00:00")(reference)  # the reference's own run is now old
    data = json.loads((old / "summary.json").read_text())
    data["window"]["end"] = "2026-11-19T00:00:00+00:00"
    (old / "summary.json").write_text(json.dumps(data))
    judged = judge_checks(reference)
    assert "paper.smoke_stale" not in judged.rules("ACT-3"), judged.rules("ACT-3")
    assert judged.blocked == set() and judged.problems == [], (judged.findings, judged.errors)


# ------------------------------------------------------- item 5: ledger_filename_pattern

LEDGERS = "var/data/binance_paper/audit/ledger"
SUBDIR_PATTERN = (
    "%Y/%m/paper-ledger-%d.jsonl"  # corpus paper_ledger/edge_custom_pattern_with_subdirs
)


def _paper_pattern(pattern: str) -> Mutation:
    def apply(root: Path) -> None:
        edit_core(
            root,
            lambda d: d["environments"]["binance_paper"]["adapter_settings"][
                "paper_trading"
            ].__setitem__("ledger_filename_pattern", pattern),
        )

    return apply


def _paper_facts(reference: Path) -> tuple[dict[str, str], set[str | None]]:
    deployment = Deployment(reference)
    findings = check_paper_ledger(
        deployment.environment("binance_paper"), Policy(), parse_instant(AS_OF)
    )
    return dict(findings.facts), {f.rule for f in findings if f.blocking}


def test_a_ledger_pattern_with_folders_is_read_as_the_bot_writes_it(reference: Path) -> None:
    """The paper ledger accepts '/' in its pattern and writes sub-folders
    (execution/paper.py:554-559): the same fills are read from 2026/11/paper-ledger-DD.jsonl."""
    before, rules = _paper_facts(reference)
    assert rules == set() and "paper ledger" in before
    ledgers = reference / LEDGERS
    for daily in sorted(ledgers.glob("ledger-*.jsonl")):
        day = daily.name[len("ledger-") : -len(".jsonl")]
        target = ledgers / day[:4] / day[4:6] / f"paper-ledger-{day[6:]}.jsonl"
        target.parent.mkdir(parents=True, exist_ok=True)
        daily.rename(target)
    _paper_pattern(SUBDIR_PATTERN)(reference)
    after, rules = _paper_facts(reference)
    assert rules == set(), rules
    assert after["paper ledger"].split(" fills")[0] == before["paper ledger"].split(" fills")[0]
    live = Deployment(reference).environment("binance_live")
    act3 = check_limits_against_paper(live, Policy(), parse_instant(AS_OF))
    assert not [f for f in act3 if f.blocking], [f.rule for f in act3]


def test_a_ledger_pattern_the_bot_would_write_elsewhere_is_a_setting_problem(
    reference: Path,
) -> None:
    # the old files do not match it either: nothing is silently judged empty instead
    for pattern in ("/var/tmp/ledger-%Y%m%d.jsonl", "../ledger-%Y%m%d.jsonl"):
        _paper_pattern(pattern)(reference)
        _, rules = _paper_facts(reference)
        assert "paper.setting_invalid" in rules, (pattern, rules)


# ------------------------------------------------ item 4: the newest freeze of the configuration


def test_a_newer_stage6_manifest_of_other_files_is_not_the_freeze(reference: Path) -> None:
    """Upstream's only stage6.runbook.manifest (var/audit/stage6/
    stage6_preliminary_checklist.manifest.json at f59f9e73) archives a checklist, not the
    configuration: dated after the freeze, it is passed over with a warning."""
    checklist = {
        "archived_path": "var/audit/stage6/stage6_preliminary_checklist.md",
        "generated_at": "2026-11-20T11:00:00+00:00",
        "hashes": {"sha256": "7cf174b8c0257a936d2ce9293c920303269cca1a1b5f75f1e9852b99b428c8ff"},
        "schema": "stage6.runbook.manifest",
        "schema_version": 1,
        "source_path": "docs/runbooks/STAGE6_PRELIMINARY_CHECKLIST.md",
        "signature_path": "var/audit/stage6/stage6_preliminary_checklist.md.sig",
        "stakeholders": ["product", "compliance", "operations"],
    }
    (reference / "var/audit/stage6/stage6_preliminary_checklist.manifest.json").write_text(
        json.dumps(checklist, indent=2)
    )
    judged = judge_checks(reference)
    assert judged.blocked == set() and judged.problems == [], (judged.findings, judged.errors)
    warned = {f.rule for f in judged.warnings("ACT-1")}
    assert "freeze.manifest_not_config" in warned


def test_without_a_freeze_of_core_yaml_the_remedy_says_the_bot_writes_none(
    reference: Path,
) -> None:
    for manifest in (reference / "var/audit/stage6").glob("*.manifest.json"):
        data = json.loads(manifest.read_text())
        data["files"] = [f for f in data.get("files", []) if f["source_path"] != "config/core.yaml"]
        manifest.write_text(json.dumps(data))
    judged = judge_checks(reference, requirements={"ACT-1"})
    missing = [f for f in judged.blocking("ACT-1") if f.rule == "freeze.missing"]
    assert missing and "live-gate freeze" in missing[0].message, judged.rules("ACT-1")
    assert "No stage6 manifest the bot itself writes" in missing[0].message


# ------------------------------------------------------------- item 7: the read-only dry run


def test_the_bots_promotion_report_is_not_taken_for_a_read_only_run(reference: Path) -> None:
    """scripts/promotion_to_live.py writes no auto-trade field (its keys at f59f9e73, corpus
    promotion_report/good); report_only: true says the script enforces nothing. The finding
    tells the operator exactly what to add."""

    def as_the_bot_writes_it(report: dict[str, Any]) -> None:
        report.pop("dry_run", None)
        report.pop("enable_auto_trade", None)
        report.setdefault("canary_contract", {})["report_only"] = True

    dry_run(as_the_bot_writes_it)(reference)
    judged = judge_checks(reference, requirements={"ACT-7"})
    assert judged.rules("ACT-7") == {"dry_run.auto_trade_enabled"}, judged.errors
    (finding,) = [f for f in judged.blocking("ACT-7") if f.rule == "dry_run.auto_trade_enabled"]
    assert '"dry_run": {"enable_auto_trade": false' in finding.message
    assert "no bot code writes this field" in (finding.expected or "")


# ------------------------------------------- item 8: the profile and limits the bot trades with


def _entrypoint_profile(limits: dict[str, float]) -> Mutation:
    """The live entrypoint names a profile of its own (its packet permits it); the environment
    keeps conservative_live. The bot trades with the entrypoint's (bootstrap.py:1105, 2656)."""

    def apply(root: Path) -> None:
        def change(d: dict[str, Any]) -> None:
            d["risk_profiles"]["wild"] = {**d["risk_profiles"]["conservative_live"], **limits}
            entrypoint = d["runtime_entrypoints"]["auto_trader_live"]
            entrypoint["risk_profile"] = "wild"
            entrypoint["compliance"]["risk_profiles"].append("wild")

        edit_core(root, change)
        # its state exists, so that only the limits are judged
        (root / RISK_STATE).with_name("wild.json").write_bytes(
            LIVE_STATE.replace(b'"profile":"conservative_live"', b'"profile":"wild"')
        )

    return apply


def _live_findings(reference: Path, check: Any) -> list[Any]:
    environment = Deployment(reference).environment("binance_live")
    if check is check_risk_limits:
        return list(check(environment, Policy()))
    return list(check(environment, Policy(), parse_instant(AS_OF)))


def test_the_live_entrypoints_own_profile_is_judged(reference: Path) -> None:
    _entrypoint_profile({"max_daily_loss_pct": 0.9, "hard_drawdown_pct": 0.95})(reference)
    blocks = [f for f in _live_findings(reference, check_risk_limits) if f.blocking]
    assert {(f.rule, f.field) for f in blocks} == {
        ("limit.above_cap", "risk_profiles.wild.max_daily_loss_pct"),
        ("limit.above_cap", "risk_profiles.wild.hard_drawdown_pct"),
    }
    assert all("runtime_entrypoints.auto_trader_live.risk_profile" in f.message for f in blocks)


def test_act3_compares_paper_with_the_entrypoints_profile(reference: Path) -> None:
    _entrypoint_profile({"hard_drawdown_pct": 0.000001})(reference)
    blocks = [f for f in _live_findings(reference, check_limits_against_paper) if f.blocking]
    assert {(f.rule, f.field) for f in blocks} == {
        ("paper.beyond_live_limit", "risk_profiles.wild.hard_drawdown_pct")
    }


def test_a_builtin_profile_is_judged_by_the_limits_the_bot_enforces(reference: Path) -> None:
    """core.yaml says 0.01 / 0.03 for conservative; the bot enforces ConservativeProfile's 0.04
    daily loss and 0.30 position share (risk/profiles/conservative.py:20-28)."""
    _trade_with("conservative")(reference)
    findings = _live_findings(reference, check_risk_limits)
    blocks = {(f.rule, f.field, f.found) for f in findings if f.blocking}
    source = "bot_core/risk/profiles/conservative.py (risk/profiles/loader.py:57-61)"
    assert blocks == {
        (
            "limit.above_cap",
            "risk_profiles.conservative.max_daily_loss_pct",
            f"0.04 (enforced by {source})",
        ),
        (
            "limit.above_cap",
            "risk_profiles.conservative.max_position_pct",
            f"0.3 (enforced by {source})",
        ),
    }
    ignored = {f.field for f in findings if f.rule == "profile.builtin_ignores_config"}
    assert "risk_profiles.conservative.max_position_pct" in ignored
    # the same values under a name of its own are a ManualProfile: judged as configured
    _trade_with("conservative_live")(reference)
    assert not [f for f in _live_findings(reference, check_risk_limits) if f.blocking]


# ------------------------------------------------------- item 8: an OHLCV manifest in WAL mode

MANIFEST_DB = "var/data/binance_live/ohlcv_manifest.sqlite"


def _commit_in_wal(root: Path, key_part: str, value: str) -> None:
    """What a running bot leaves: the database in WAL mode (sqlite_storage.py:98-99) and a
    committed change still in ``-wal``, not yet checkpointed into the database."""
    import shutil
    import sqlite3

    database = root / MANIFEST_DB
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with connection:
        connection.execute(
            "UPDATE metadata SET value = ? WHERE key LIKE ?", (value, f"{key_part}%")
        )
    saved = root / "wal-saved"
    saved.mkdir()
    shutil.copy(database, saved / "db")
    shutil.copy(f"{database}-wal", saved / "wal")
    connection.close()  # the last connection checkpoints and removes -wal: put it back
    shutil.copy(saved / "db", database)
    shutil.copy(saved / "wal", f"{database}-wal")
    shutil.rmtree(saved)
    for leftover in (f"{database}-shm",):
        Path(leftover).unlink(missing_ok=True)


def test_committed_wal_content_counts_and_nothing_is_written_beside_it(reference: Path) -> None:
    _commit_in_wal(reference, "last_timestamp::", "1577836800000")  # 2020-01-01
    wal = reference / f"{MANIFEST_DB}-wal"
    before = wal.read_bytes()
    assert before, "the change must sit in the WAL"
    rules = _pre5_rules(reference)
    assert any(r and r.startswith("data.") for r in rules), rules
    assert wal.read_bytes() == before
    assert not (reference / f"{MANIFEST_DB}-shm").exists()


def test_a_manifest_in_wal_mode_without_pending_commits_is_read_in_place(
    reference: Path,
) -> None:
    database = reference / MANIFEST_DB
    import sqlite3

    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.close()  # checkpointed: no -wal left, as in the contract corpus
    assert not Path(f"{database}-wal").exists()
    assert _pre5_rules(reference) == set()
    assert not Path(f"{database}-shm").exists()


def test_a_wal_that_leaves_the_deployment_is_refused(reference: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere-wal"
    outside.write_bytes(b"x" * 64)
    (reference / f"{MANIFEST_DB}-wal").symlink_to(outside)
    environment = Deployment(reference).environment("binance_live")
    findings = check_market_data(environment, Policy(), parse_instant(AS_OF))
    refused = [f for f in findings if f.rule == "input.refused"]
    assert refused and refused[0].file.endswith("ohlcv_manifest.sqlite-wal"), list(findings)


def _stale_in_wal(root: Path) -> None:
    _commit_in_wal(root, "last_timestamp::", "1577836800000")


# --------------------------------------------------------------------------- the seeded defects

FIDELITY_DEFECTS: list[tuple[str, Mutation, str, str]] = [
    (
        "risk state with the kill-switch engaged",
        write(RISK_STATE, BOT_RISK_STATE_BREACH),
        "PRE-5",
        "risk_state.force_liquidation",
    ),
    ("risk state equity is a string", _risk_number, "PRE-5", "risk_state.not_a_number"),
    (
        "newest paper smoke run older than the policy allows",
        _smoke_window("2026-11-12T11:00:00+00:00"),
        "ACT-3",
        "paper.smoke_stale",
    ),
    (
        "live entrypoint trades with a 90 % daily loss profile",
        _entrypoint_profile({"max_daily_loss_pct": 0.9, "hard_drawdown_pct": 0.95}),
        "PRE-2",
        "limit.above_cap",
    ),
    (
        "live profile named like the bot's built-in conservative class",
        _trade_with("conservative"),
        "PRE-2",
        "limit.above_cap",
    ),
    (
        "OHLCV manifest stale in its committed WAL",
        _stale_in_wal,
        "PRE-5",
        "data.stale",
    ),
    (
        "paper ledger written outside its folder",
        _paper_pattern("../../ledger-%Y%m%d.jsonl"),
        "PRE-8",
        "paper.setting_invalid",
    ),
]


@pytest.mark.parametrize(
    ("defect", "mutate", "requirement", "rule"),
    FIDELITY_DEFECTS,
    ids=[d[0].replace(" ", "-") for d in FIDELITY_DEFECTS],
)
def test_fidelity_defect_is_caught_by_its_check(
    defect: str, mutate: Mutation, requirement: str, rule: str, reference: Path
) -> None:
    """Check level (tests/checklevel.py): the gate's own steps for the requirement."""
    mutate(reference)
    judged = judge_checks(reference, requirements={requirement})
    assert rule in judged.rules(requirement), (defect, judged.findings.get(requirement))
    findings = [f for f in judged.blocking(requirement) if f.rule == rule]
    assert all(f.file for f in findings), [f.explain() for f in findings]


def test_a_fidelity_defect_is_no_go_in_a_whole_gate_run(reference: Path, run_gate: Any) -> None:
    """This file's one whole run (every defect is judged at check level above): the bot's own
    risk state with its kill-switch engaged; and the check-level harness finds exactly the
    blockers the whole run found."""
    defect, mutate, requirement, rule = FIDELITY_DEFECTS[0]
    mutate(reference)
    gate = run_gate(reference)
    assert gate.verdict == "NO-GO" and gate.exit_code != 0, gate.output
    assert gate.status(requirement) == "failed", (defect, gate.requirement(requirement))
    assert rule in gate.rules(requirement), (defect, gate.rules(requirement))
    findings = [f for f in gate.requirement(requirement)["findings"] if f["rule"] == rule]
    assert all(f.get("file") for f in findings), findings
    assert f"[{requirement}]" in gate.output and "runbook:" in gate.output
    judged = judge_checks(reference)
    for outcome in gate.evidence["requirements"]:
        assert judged.rules(outcome["id"]) == gate.rules(outcome["id"]), outcome["id"]


# ---------------------------------------------------------------- item 9: digests and secrets


def test_a_secret_equal_to_a_digest_leaves_the_evidence_valid(
    reference: Path, run_gate: Any
) -> None:
    """A digest the gate computes stays in the evidence (its schema requires 64 hex digits);
    run_gate validates every evidence file against the schema and `verify` recomputes it. The
    digests are known beforehand: the features' (as the gate computes it) and config/core.yaml's
    (an artifact of every run)."""
    features = load_gate_features(load_catalogue()).digest
    document = hashlib.sha256((reference / "config/core.yaml").read_bytes()).hexdigest()
    secrets = reference / "secrets"
    secrets.mkdir(exist_ok=True)
    (secrets / "digest_one.key").write_text(features + "\n")
    (secrets / "digest_two.key").write_text(document + "\n")
    # a short hex-looking secret is inside almost every digest
    (secrets / "hexish.env").write_text(f"HEXISH={features[10:16]}\n")
    gate = run_gate(reference)
    assert gate.verdict == "GO", gate.problems
    assert gate.evidence["expected"]["features_sha256"] == features
    digests = {a["sha256"] for r in gate.evidence["requirements"] for a in r.get("artifacts", [])}
    assert document in digests
