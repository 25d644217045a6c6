"""Contract tests: files written by the bot's own code (tests/contract/corpus, see README.md
there) read by the gate through the same checks it runs, at check level. For every file the
gate's verdict on the requirement agrees with the bot's validator verdict recorded in
MANIFEST.json, or differs where the gate is deliberately stricter (the tables below say which
file, what the gate does and why; README "Where the gate is stricter than the bot, and why").
A file the bot's writer produced is never reported as malformed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from live_gate.findings import Finding
from live_gate.policy import Policy
from live_gate.resources.deployment import Deployment
from live_gate.timeutil import parse_instant
from tests.conftest import AS_OF, edit_core

CORPUS = Path(__file__).resolve().parent / "corpus"
MANIFEST: dict[str, Any] = json.loads((CORPUS / "MANIFEST.json").read_text(encoding="utf-8"))
UPSTREAM_COMMIT = "f59f9e732d9724279f1453b48c2d9b829610be42"
GOOD_CORE: dict[str, Any] = yaml.safe_load(
    (CORPUS / "core_config" / "good" / "core.yaml").read_text(encoding="utf-8")
)
# Rules that say "this file cannot be read as the bot writes it": never for a bot-written file.
MALFORMED_MARKERS = ("malformed", "schema_invalid", "not_json", "unreadable", "invalid_json")


def entries(kind: str, *, role: str = "artifact") -> list[dict[str, Any]]:
    return [e for e in MANIFEST["files"] if e["kind"] == kind and e["role"] == role]


def bot_accepts(entry: dict[str, Any]) -> bool:
    verdict = str(entry["verdict"])
    assert verdict.split()[0] in ("accept", "reject", "warn"), verdict
    return not verdict.startswith("reject")


def blocking(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings if f.blocking}


def assert_not_malformed(findings: list[Finding]) -> None:
    bad = [f for f in findings if any(m in f.rule for m in MALFORMED_MARKERS)]
    assert not bad, f"a file written by the bot's writer was reported as malformed: {bad}"


def test_the_manifest_describes_every_corpus_file() -> None:
    assert MANIFEST["upstream"]["commit"] == UPSTREAM_COMMIT
    listed = {e["path"] for e in MANIFEST["files"] if (CORPUS / e["path"]).is_file()}
    on_disk = {
        p.relative_to(CORPUS).as_posix()
        for p in CORPUS.rglob("*")
        if p.is_file() and p.name not in ("MANIFEST.json", "FINDINGS.md", "REFERENCE_VS_BOT.md")
    }
    assert on_disk == listed
    for entry in MANIFEST["files"]:
        assert entry["upstream_commit"] == UPSTREAM_COMMIT
        assert entry["writer"] and entry["validator"]


# -- PRE-4 licence ------------------------------------------------------------------------------


# file -> (gate blocks?, why), where the gate deliberately differs from the bot
LICENCE_STRICTER: dict[str, tuple[bool, str]] = {}
# Each case the bot rejects, with the bot's error codes (MANIFEST) and the gate rules that must
# be exactly the gate's blockers: the same reason, not merely the same verdict.
LICENCE_RULES: dict[str, tuple[tuple[str, ...], set[str]]] = {
    "bad_fingerprint_signature": (
        ("license.signature.mismatch",),
        {"license.fingerprint_payload.signature_invalid"},
    ),
    "bad_fingerprint_payload_mismatch": (
        ("license.fingerprint.payload_mismatch",),
        {"license.fingerprint_payload.mismatch"},
    ),
    "bad_fingerprint_payload_unsigned": (
        ("license.fingerprint.signature_missing",),
        {"license.fingerprint_payload.unsigned"},
    ),
    "bad_seat_hard_unassigned": (
        ("license.seats.fingerprint_not_assigned",),
        {"license.seats.not_assigned"},
    ),
    "edge_multi_seat_alias": (
        ("license.seats.fingerprint_not_assigned",),
        {"license.seats.not_assigned"},
    ),
    "bad_subscription_unparsable": (
        ("license.timestamp.invalid",),
        {"license.subscription.timestamp_invalid"},
    ),
    "bad_schema_version": (
        ("license.field.schema_version_unsupported",),
        {"license.schema_version"},
    ),
    "bad_expired": (("license.time.expired",), {"license.expired"}),
    "bad_max_validity": (("license.time.max_validity_exceeded",), {"license.validity_too_long"}),
    # a demo profile is neither allowed by the config nor live (the runbook's own rule)
    "bad_profile_not_allowed": (
        ("license.field.profile_not_allowed",),
        {"license.profile_not_allowed", "license.profile_not_live"},
    ),
    "bad_issuer_not_allowed": (
        ("license.field.issuer_not_allowed",),
        {"license.issuer_not_allowed"},
    ),
    "bad_licence_signature_wrong_key": (
        ("license.signature.mismatch",),
        {"license.signature_invalid"},
    ),
    "bad_missing_license_id": (("license.field.id_missing",), {"license.field_missing"}),
    "bad_revoked": (("license.revocation.entry_match",), {"license.revoked"}),
    "bad_fingerprint_file_other_device": (
        ("license.fingerprint.external_mismatch",),
        {"license.fingerprint_mismatch"},
    ),
    "bad_revocations_no_section": (
        ("license.revocation.missing_section",),
        {"revocation.section_missing"},
    ),
    "bad_revocations_top_level_list": (
        ("license.revocation.generated_at_missing",),
        {"revocation.generated_at.missing"},
    ),
    "bad_revocations_stale": (
        ("license.revocation.list_stale",),
        {"revocation.generated_at.stale"},
    ),
    "bad_revocations_unsigned": (
        (
            "license.revocation.signature_required_missing",
            "license.revocation.signature_section_missing",
        ),
        {"revocation.unsigned"},
    ),
    "bad_revocations_unparsable_generated_at": (
        ("license.timestamp.invalid",),
        {"revocation.generated_at.invalid"},
    ),
}


def licence_deployment(reference: Path, config_paths: dict[str, str]) -> Deployment:
    """The reference with the corpus licence set dropped in where the bot's config points
    (paths relative to the working directory, as the bot resolves them)."""
    shutil.copytree(CORPUS / "licence", reference / "licence")
    section = dict(GOOD_CORE["license"])
    section.update(config_paths)
    edit_core(reference, lambda data: data.__setitem__("license", section))
    return Deployment(reference)


LICENCE_CASES = [e for e in entries("licence") if "config_paths" in e["inputs"]]


@pytest.mark.parametrize("entry", LICENCE_CASES, ids=[e["path"] for e in LICENCE_CASES])
def test_licence_verdict_agrees_with_validate_license_from_config(
    entry: dict[str, Any], reference: Path
) -> None:
    from live_gate.checks.licence import check_licence

    deployment = licence_deployment(reference, entry["inputs"]["config_paths"])
    findings = check_licence(deployment, Policy(), parse_instant(AS_OF))
    assert_not_malformed(findings)
    expected_block, why = LICENCE_STRICTER.get(entry["path"], (not bot_accepts(entry), "bot"))
    assert bool(blocking(findings)) == expected_block, (
        entry["path"],
        why,
        entry["errors"],
        [(f.rule, f.message) for f in findings],
    )
    if not bot_accepts(entry):
        codes, rules = LICENCE_RULES[entry["case"]]
        assert tuple(e["code"] for e in entry["errors"]) == codes
        assert blocking(findings) == rules


def test_the_provisioning_scripts_licences(reference: Path) -> None:
    """scripts/oem_provision_license.py output: "rich" mode is accepted; "simple" mode writes no
    license_id and a bare-string fingerprint of another device, which the bot itself rejects
    (license.field.id_missing, license.fingerprint.external_mismatch)."""
    from live_gate.checks.licence import check_licence

    verdicts = {}
    for case in ("script_rich", "script_simple"):
        root = reference.parent / case
        shutil.copytree(reference, root, symlinks=True)
        deployment = licence_deployment(
            root,
            {
                "license_path": f"licence/{case}/license.json",
                "fingerprint_path": "licence/good/fingerprint.json",
                "revocation_list_path": "licence/good/revocations.json",
            },
        )
        findings = check_licence(deployment, Policy(), parse_instant(AS_OF))
        assert_not_malformed(findings)
        verdicts[case] = blocking(findings)
    assert verdicts["script_rich"] == set()
    assert verdicts["script_simple"] == {"license.field_missing", "license.fingerprint_mismatch"}


Check = Callable[[Deployment], list[Finding]]


# -- PRE-6 AI reports ---------------------------------------------------------------------------

# The bot's loaders (load_latest_*_report) accept any JSON object, so the bot accepts every corpus
# AI report. The gate judges what the reports say (runbook §1 Walidacja modeli AI): these files
# are NO-GO for the gate on purpose, by a verdict rule (never as malformed), for the reason given.
AI_STRICTER: dict[str, tuple[str, str]] = {
    "ai_reports/edge_pending_sign_off/audit/ai_decision/walk_forward/20261118T120000Z.json": (
        "ai.sign_off_incomplete",
        "runbook: compliance and risk sign the walk-forward report before live",
    ),
    "ai_reports/edge_extra_role_and_unknown_status/audit/ai_decision/walk_forward/"
    "20261118T120000Z.json": (
        "ai.sign_off_incomplete",
        "the bot silently keeps an unknown status as pending: not signed",
    ),
    "ai_reports/edge_pipeline_gaps_critical/audit/ai_decision/data_quality/20261118T120000Z.json": (
        "ai.data_quality_not_ok",
        "runbook: the latest data-quality report must be ok (summary.status critical)",
    ),
    "ai_reports/edge_assessment_object_summary_dropped/audit/ai_decision/data_quality/"
    "20261118T120000Z.json": (
        "ai.data_quality_not_ok",
        "its issues say the data is not ok (the bot dropped the summary that said so)",
    ),
    "ai_reports/edge_triggered/audit/ai_decision/drift/20261118T120000Z.json": (
        "ai.drift_triggered",
        "the bot's own drift detector triggered",
    ),
}
AI_CASES = entries("ai_reports")


def ai_check(kind: str) -> Callable[[Deployment, Policy, Any], list[Finding]]:
    from live_gate.checks import ai_validation

    return {
        "walk_forward": ai_validation.check_walk_forward,
        "data_quality": ai_validation.check_data_quality,
        "drift": ai_validation.check_drift,
    }[kind]


@pytest.mark.parametrize("entry", AI_CASES, ids=[e["path"] for e in AI_CASES])
def test_ai_report_read_as_the_bot_writes_it(entry: dict[str, Any], reference: Path) -> None:
    source = CORPUS / entry["path"]
    kind = source.parent.name
    folder = reference / "audit" / "ai_decision" / kind
    shutil.rmtree(folder)
    folder.mkdir()
    shutil.copy(source, folder / source.name)
    findings = ai_check(kind)(Deployment(reference), Policy(), parse_instant(AS_OF))
    assert_not_malformed(findings)
    assert "ai.report_invalid" not in blocking(findings), [f.message for f in findings]
    assert bot_accepts(entry)
    if entry["path"] in AI_STRICTER:
        rule, why = AI_STRICTER[entry["path"]]
        assert rule in blocking(findings), (why, [(f.rule, f.message) for f in findings])
    else:
        assert blocking(findings) == set(), [(f.rule, f.message) for f in findings]


def test_a_healthy_pipeline_writes_no_data_quality_report(reference: Path) -> None:
    """Case edge_pipeline_ok_writes_nothing: the bot's pipeline writes nothing (not even the
    folder) when its check is ok. The runbook wants the data_quality/ section in the audit
    folder, so the gate still asks for a report, and its remedy says how to record one."""
    assert not (CORPUS / "ai_reports" / "edge_pipeline_ok_writes_nothing").exists()
    shutil.rmtree(reference / "audit" / "ai_decision" / "data_quality")
    findings = ai_check("data_quality")(Deployment(reference), Policy(), parse_instant(AS_OF))
    (missing,) = [f for f in findings if f.rule == "ai.report_missing"]
    assert "save_data_quality_report" in str(missing.expected)


# -- shared: a corpus case dropped into the reference where the bot writes it ---------------------


def drop_in(reference: Path, kind: str, case: str) -> None:
    """Copy ``corpus/<kind>/<case>/`` over the reference deployment, replacing each folder the
    bot would have written (so nothing of the reference's own artifacts is judged with it)."""
    source = CORPUS / kind / case
    files = [p for p in source.rglob("*") if p.is_file()]
    for folder in {p.parent.relative_to(source) for p in files}:
        shutil.rmtree(reference / folder, ignore_errors=True)
    for path in files:
        target = reference / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)


def live(reference: Path) -> Any:
    return Deployment(reference).environment("binance_live")


def cases(kind: str) -> list[tuple[str, dict[str, Any]]]:
    """One (case, a manifest entry of it) per case of an artifact kind."""
    seen: dict[str, dict[str, Any]] = {}
    for entry in entries(kind):
        seen.setdefault(entry["case"], entry)
    return sorted(seen.items())


# -- PRE-0 core configuration ------------------------------------------------------------------

CORE_CASES = [
    e
    for e in MANIFEST["files"]
    if e["kind"] == "core_config"
    and e["path"].endswith(".yaml")
    and "validate_co" in e["validator"]
]


@pytest.mark.parametrize("entry", CORE_CASES, ids=[e["path"] for e in CORE_CASES])
def test_core_config_verdict_agrees_with_validate_core_config(
    entry: dict[str, Any], tmp_path: Path
) -> None:
    """The bot's assert_core_config_valid (and its loader's errors): same verdict, and the same
    error messages, verbatim, each with a line of config/core.yaml."""
    from live_gate.checks.bot_config import check_bot_config

    (tmp_path / "config").mkdir()
    shutil.copy(CORPUS / entry["path"], tmp_path / "config" / "core.yaml")
    findings = check_bot_config(Deployment(tmp_path))
    assert all(f.line for f in findings)
    assert bool(blocking(findings)) == (not bot_accepts(entry))
    said = {str(f.found) for f in findings}
    for error in entry["errors"]:
        text = str(error).removeprefix("load_core_config raised ").removeprefix("ValueError: ")
        assert any(text in s or s.endswith(text) for s in said), (text, said)


def test_the_reference_passes_the_bots_configuration_validation(reference: Path) -> None:
    """REFERENCE_VS_BOT.md §1: the bot rejected the reference core.yaml with four
    default_strategy/default_controller errors; the reference now defines both."""
    from live_gate.checks.bot_config import check_bot_config

    assert list(check_bot_config(Deployment(reference))) == []


# -- ACT-5 key rotation log (scripts/check_key_rotation.py) --------------------------------------

# The bot's script says overdue at "more than 90 days" measured after its own start-up, so a key
# rotated exactly 90 days before --as-of is overdue for the script (exit 2) and not for the gate,
# which measures at --as-of: the same rule, read at the instant judged.
ROTATION_DIFFERS = {
    "edge_90_days_at_validator_start": (
        False,
        "exactly 90 days at --as-of is not overdue; the script read its clock after start-up",
    ),
}


@pytest.mark.parametrize(("case", "entry"), cases("rotation_log"))
def test_rotation_log_verdict_agrees_with_check_key_rotation(
    case: str, entry: dict[str, Any], reference: Path
) -> None:
    from live_gate.checks.secrets import check_key_rotation

    drop_in(reference, "rotation_log", case)
    findings = check_key_rotation(live(reference), Policy(), parse_instant(AS_OF))
    assert_not_malformed(findings)
    expected, why = ROTATION_DIFFERS.get(case, (not bot_accepts(entry), "bot"))
    assert bool(blocking(findings)) == expected, (why, [(f.rule, f.message) for f in findings])


# -- PRE-3 alert audit log (FileAlertAuditLog) ---------------------------------------------------

# No bot validator reads these back but FileAlertAuditLog.export(); every file is a valid record
# set. Where the gate blocks, it is a rule of the runbook, not the format:
ALERT_AUDIT_STRICTER = {
    "edge_retention_2_days": (
        "audit.retention_short",
        "runbook §1: the audit log is kept at least as long as the policy says (730 days)",
    ),
}


def alert_config(reference: Path, inputs: dict[str, Any]) -> None:
    def change(data: dict[str, Any]) -> None:
        env = data["environments"]["binance_live"]
        env["alert_audit"] = {
            **env["alert_audit"],
            "filename_pattern": inputs["filename_pattern"],
            "retention_days": inputs["retention_days"],
        }
        env["alert_throttle"] = {**env["alert_throttle"], **inputs["throttle"]}

    edit_core(reference, change)


@pytest.mark.parametrize(("case", "entry"), cases("alert_audit"))
def test_alert_audit_read_as_the_bot_writes_it(
    case: str, entry: dict[str, Any], reference: Path
) -> None:
    from live_gate.checks.alerting import check_alert_audit, check_alert_throttle

    drop_in(reference, "alert_audit", case)
    alert_config(reference, entry["inputs"])
    environment = live(reference)
    findings = check_alert_audit(environment, Policy(), parse_instant(AS_OF))
    assert_not_malformed(findings)
    assert not {r for r in blocking(findings) if "invalid" in r}, [f.message for f in findings]
    if case in ALERT_AUDIT_STRICTER:
        rule, why = ALERT_AUDIT_STRICTER[case]
        assert rule in blocking(findings), (why, [(f.rule, f.message) for f in findings])
    else:
        assert blocking(findings) == set(), [(f.rule, f.message) for f in findings]
    throttle = blocking(check_alert_throttle(environment))
    # bad_suppressed_critical: the router suppressed a critical alert because the throttle's
    # exclude_severities lacked critical; the gate refuses that throttle before any alert
    assert bool(throttle) == (case == "bad_suppressed_critical"), throttle


# -- PRE-5 OHLCV cache (backfill + SQLiteCacheStorage) --------------------------------------------

# evaluate_coverage reads only the manifest's row counts and last timestamps: it cannot see holes.
# The gate also reads the Parquet partitions and judges gaps against the profile's data_quality
# (max_gap_minutes); the corpus' 10-hour hole lies within the reference profile's bound, so both
# accept it (a longer hole is the gate's rule data.gap, with its seeded defect).
OHLCV_STRICTER: dict[str, tuple[str, str]] = {}
CORPUS_UNIVERSE = GOOD_CORE["instrument_universes"]["corpus_spot"]


def ohlcv_config(reference: Path) -> None:
    """The corpus universe (what the backfill wrote), under the reference's universe name."""

    def change(data: dict[str, Any]) -> None:
        data["instrument_universes"]["core_spot"] = CORPUS_UNIVERSE
        data["runtime"]["controllers"]["daily_trend_core"]["interval"] = "1d"

    edit_core(reference, change)


OHLCV_LIVE_CASES = [(c, e) for c, e in cases("ohlcv_cache") if c != "seed_paper_1d"]


@pytest.mark.parametrize(("case", "entry"), OHLCV_LIVE_CASES)
def test_ohlcv_cache_verdict_agrees_with_evaluate_coverage(
    case: str, entry: dict[str, Any], reference: Path
) -> None:
    from live_gate.checks.market_data import check_market_data

    drop_in(reference, "ohlcv_cache", case)
    ohlcv_config(reference)
    findings = check_market_data(live(reference), Policy(), parse_instant(AS_OF))
    assert_not_malformed(findings)
    # the risk state is issue 10 item 1 (branch issue10b): judged by its own test below
    rules = {r for r in blocking(findings) if not r.startswith("risk_")}
    if case in OHLCV_STRICTER:
        rule, why = OHLCV_STRICTER[case]
        assert rule in rules, (why, [(f.rule, f.message) for f in findings])
    else:
        assert bool(rules) == (not bot_accepts(entry)), [(f.rule, f.message) for f in findings]


# -- PRE-5 risk state (FileRiskRepository) -------------------------------------------------------


def risk_state_case(reference: Path, case: str) -> list[Finding]:
    """The bot wrote ``risk_state/conservative.json`` for its built-in conservative profile: the
    live environment trades with that profile here (PRE-5 only: PRE-2 judges its limits)."""
    from live_gate.checks.market_data import check_market_data

    def trade_with_conservative(d: dict[str, Any]) -> None:
        d["risk_profiles"]["conservative"] = d["risk_profiles"]["conservative_live"]
        d["environments"]["binance_live"]["risk_profile"] = "conservative"
        d["runtime_entrypoints"]["auto_trader_live"]["risk_profile"] = "conservative"

    edit_core(reference, trade_with_conservative)
    drop_in(reference, "risk_state", case)
    return check_market_data(live(reference), Policy(), parse_instant(AS_OF))


def test_the_bots_own_risk_state_is_read(reference: Path) -> None:
    findings = risk_state_case(reference, "good")
    assert_not_malformed(findings)
    assert not {r for r in blocking(findings) if r.startswith("risk")}, [
        (f.rule, f.message) for f in findings
    ]


def test_a_risk_state_in_breach_is_no_go(reference: Path) -> None:
    """force_liquidation: the bot's kill-switch is on (its pre-trade check refuses)."""
    assert blocking(risk_state_case(reference, "bad_drawdown_breach"))


# -- PRE-8 paper ledger (PaperTradingExecutionService) -------------------------------------------


def paper(reference: Path) -> Any:
    return Deployment(reference).environment("binance_paper")


@pytest.mark.parametrize(
    "case",
    [
        "good",
        "edge_custom_pattern_with_subdirs",
    ],
)
def test_paper_ledger_read_as_the_bot_writes_it(case: str, reference: Path) -> None:
    from live_gate.checks.paper import check_paper_ledger

    shutil.rmtree(reference / "var/data/binance_paper/audit/ledger")
    drop_in(reference, "paper_ledger", case)
    (entry,) = [e for e in entries("paper_ledger") if e["case"] == case][:1]
    pattern = entry["inputs"].get("ledger_filename_pattern")
    if pattern:
        edit_core(
            reference,
            lambda d: d["environments"]["binance_paper"]["adapter_settings"][
                "paper_trading"
            ].__setitem__("ledger_filename_pattern", pattern),
        )
    findings = check_paper_ledger(paper(reference), Policy(), parse_instant(AS_OF))
    assert_not_malformed(findings)
    # every line (fills, and cancels with symbol "*") is read as a ledger entry, wherever the
    # bot's ledger_filename_pattern put it
    assert blocking(findings) == set(), [(f.rule, f.message) for f in findings]


# -- ESC-3 adapter failover status (failover_status() of the bot's adapters) ----------------------

# Nothing in the bot writes failover_status() to a file: the corpus holds {adapter: status} as
# returned by the bot's adapter. The gate's snapshot wraps it with the instant it was taken
# (README "Formats read as the bot writes them"); the statuses themselves are read as written.


@pytest.mark.parametrize(("case", "entry"), cases("failover_status"))
def test_adapter_status_read_as_the_bot_returns_it(
    case: str, entry: dict[str, Any], reference: Path
) -> None:
    from live_gate.checks.adapters import check_adapters

    if not case.startswith("adapter_"):
        pytest.skip("the Stage6 drill report is not an artifact the gate reads")
    source = CORPUS / entry["path"]
    target = reference / "var/data/binance_live/adapters/failover_status.json"
    statuses = json.loads(source.read_text(encoding="utf-8"))
    target.write_text(
        json.dumps({"generated_at": "2026-11-20T11:55:00Z", "adapters": statuses}),
        encoding="utf-8",
    )
    findings = check_adapters(live(reference), Policy(), parse_instant(AS_OF))
    assert_not_malformed(findings)
    assert bool(blocking(findings)) == (not bot_accepts(entry)), [
        (f.rule, f.message) for f in findings
    ]


# -- ACT-7 promotion report (scripts/promotion_to_live.py) ---------------------------------------


def test_the_promotion_scripts_own_report_is_read_and_asks_for_the_read_only_record(
    reference: Path,
) -> None:
    """Deliberately stricter (README): the bot records auto-trade nowhere, so its promotion
    report is read (never malformed) but is not a read-only dry run until the operator adds
    ``dry_run.enable_auto_trade: false``; the finding says exactly that."""
    from live_gate.checks.dry_run import check_dry_run

    folder = reference / "var/audit/live/dry_run"
    shutil.rmtree(folder)
    folder.mkdir()
    shutil.copy(CORPUS / "promotion_report/good/promotion_binance_live.json", folder)
    findings = check_dry_run(live(reference), Policy(), parse_instant(AS_OF))
    assert_not_malformed(findings)
    assert blocking(findings) == {"dry_run.auto_trade_enabled"}, [
        (f.rule, f.message) for f in findings
    ]
    assert any("enable_auto_trade" in f.message for f in findings)


# -- CLOSE-3 decision journal (JsonlTradingDecisionJournal) --------------------------------------


@pytest.mark.parametrize(("case", "entry"), cases("decision_journal"))
def test_decision_journal_read_as_the_bot_writes_it(
    case: str, entry: dict[str, Any], reference: Path
) -> None:
    """Every value a string, AIManager's own events: read, never malformed. The bot has no
    paper_to_live_transition event (the gate's own name, CLOSE-3), so the verdict is the gate's."""
    from live_gate.checks.close import check_journal

    drop_in(reference, "decision_journal", case)
    findings = check_journal(live(reference), parse_instant(AS_OF))
    assert_not_malformed(findings)
    assert not {r for r in blocking(findings) if "line" in r}, [
        (f.rule, f.message) for f in findings
    ]


# -- PRE-1 live-readiness document signatures (_verify_live_document_signature) ------------------

# The corpus documents are configured as ../../live_documents/<case>/ from the bot's config
# folder, which lies outside any deployment the gate accepts (config/core.yaml at its root), so
# the whole PRE-1 check cannot run on them unchanged. The gate's own signature reader and
# verifier (live_gate.kit.signatures, what PRE-1 calls) are run on them instead, with the digest
# the configuration declares.
DOC_CASES = [
    e
    for e in entries("live_documents")
    if e["path"].endswith(".sig") and not e["path"].endswith("checklist.sig")
]


@pytest.mark.parametrize("entry", DOC_CASES, ids=[e["path"] for e in DOC_CASES])
def test_document_signature_verdict_agrees_with_the_bots_verifier(
    entry: dict[str, Any], tmp_path: Path
) -> None:
    import hashlib

    from live_gate import signing
    from live_gate.checks.kyc_aml import DOCUMENT_ALGORITHMS
    from live_gate.kit.files import DeploymentFiles
    from live_gate.kit.signatures import document_claims_source, read_envelope, verifies

    case_folder = (CORPUS / entry["path"]).parent
    shutil.copytree(case_folder, tmp_path / "docs")
    files = DeploymentFiles(tmp_path)
    envelope = read_envelope(files, files.at(f"docs/{Path(entry['path']).name}"))  # never raises
    pdf = (tmp_path / "docs" / Path(entry["path"]).name).with_suffix(".pdf").read_bytes()
    actual = hashlib.sha256(pdf).hexdigest()
    declared = entry["inputs"].get("declared_sha256_in_config") or actual
    key_id = str(envelope.signature.get("key_id"))
    key_file = CORPUS / "core_config/good/secrets/hmac" / f"{signing.normalise_key_id(key_id)}.key"
    verified = key_file.is_file() and verifies(
        envelope,
        signing.key_from_file_bytes(key_file.read_bytes()),
        algorithms=DOCUMENT_ALGORITHMS,
    )
    claimed = document_claims_source(envelope.payload).get("sha256")
    gate_accepts = bool(verified) and declared == actual and claimed in (None, actual)
    assert gate_accepts == bot_accepts(entry), (entry["path"], entry["errors"])
