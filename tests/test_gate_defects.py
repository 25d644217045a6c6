"""Every check can fail: each case breaks a copy of the reference deployment in exactly one way
and the gate must answer NO-GO, naming the requirement and the rule that caught it."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from live_gate import signing
from live_gate.reference.builder import DEMO_KEYS, LICENCE_ID, LICENCE_KEYS
from tests.checklevel import CheckLevelResult, judge_checks
from tests.conftest import edit_core, live_env, refreeze
from tests.mutations import Mutation, append, delete, write

DOCS = "config/compliance/live/binance"
KYC_PDF = f"{DOCS}/kyc_packet.pdf"
KYC_SIG = f"{DOCS}/kyc_packet.sig"
AUDIT_DIR = "var/data/binance_live/audit/alerts"


def core(change: Callable[[dict[str, Any]], None]) -> Mutation:
    return lambda root: edit_core(root, change)


def env(change: Callable[[dict[str, Any]], None]) -> Mutation:
    return core(lambda data: change(live_env(data)))


def entrypoint(change: Callable[[dict[str, Any]], None]) -> Mutation:
    return core(lambda data: change(data["runtime_entrypoints"]["auto_trader_live"]))


def compliance(key: str, value: Any) -> Mutation:
    return entrypoint(lambda e: e["compliance"].__setitem__(key, value))


def readiness(key: str, value: Any) -> Mutation:
    return env(lambda e: e["live_readiness"].__setitem__(key, value))


def document(index: int, key: str, value: Any) -> Mutation:
    return env(lambda e: e["live_readiness"]["documents"][index].__setitem__(key, value))


def profile(key: str, value: Any) -> Mutation:
    return core(lambda d: d["risk_profiles"]["conservative_live"].__setitem__(key, value))


def drop_profile_key(key: str) -> Mutation:
    return core(lambda d: d["risk_profiles"]["conservative_live"].pop(key))


def env_key(key: str, value: Any) -> Mutation:
    return env(lambda e: e.__setitem__(key, value))


def drop_env_key(key: str) -> Mutation:
    return env(lambda e: e.pop(key))


def block_key(block: str, key: str, value: Any) -> Mutation:
    return env(lambda e: e[block].__setitem__(key, value))


def paper(change: Callable[[dict[str, Any]], None]) -> Mutation:
    return core(lambda data: change(data["environments"]["binance_paper"]))


def universe_window(key: str, value: Any) -> Mutation:
    instrument = "BTC_USDT"
    return core(
        lambda d: d["instrument_universes"]["core_spot"]["instruments"][instrument]["backfill"][
            0
        ].__setitem__(key, value)
    )


def edit_json(relative: str, change: Callable[[dict[str, Any]], None]) -> Mutation:
    def apply(root: Path) -> None:
        path = root / relative
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data))

    return apply


def resign_kyc_with_other_digest(root: Path) -> None:
    """A valid HMAC by the right key, vouching for a different file than the one shipped."""
    path = root / KYC_SIG
    envelope = json.loads(path.read_text())
    payload = envelope["payload"]
    payload["document"]["sha256"] = payload["hashes"]["sha256"] = "ab" * 32
    key = DEMO_KEYS["kl-compliance-demo"].encode()
    path.write_text(json.dumps(signing.sign(payload, key, "kl-compliance-demo")))


def symlink_document_outside(root: Path) -> None:
    outside = root.parent / "outside.pdf"
    outside.write_bytes(b"%PDF-1.4 not part of the deployment")
    target = root / KYC_PDF
    target.unlink()
    os.symlink(outside, target)


def symlink_cache_outside(root: Path) -> None:
    outside = root.parent / "elsewhere"
    (root / "var/data/binance_live").rename(outside)
    os.symlink(outside, root / "var/data/binance_live")


def edit_register(change: Callable[[dict[str, Any]], None]) -> Mutation:
    def apply(root: Path) -> None:
        path = root / "config/compliance/register.yaml"
        data = yaml.safe_load(path.read_text())
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False))

    return apply


def first_audit_file(root: Path) -> Path:
    return sorted((root / AUDIT_DIR).iterdir())[0]


def corrupt_audit_line(root: Path) -> None:
    with first_audit_file(root).open("ab") as handle:
        handle.write(b'{"channel":"telegram:primary","severity":"critical",\n')


def audit_record_missing_field(root: Path) -> None:
    with first_audit_file(root).open("ab") as handle:
        handle.write(
            b'{"channel":"telegram:primary","category":"risk","title":"t",'
            b'"severity":"critical","timestamp":"2026-11-19T10:00:00+00:00"}\n'
        )


LICENCE = "var/licenses/active/license.json"
REVOCATIONS = "var/licenses/active/revocations.json"


def resigned(
    relative: str,
    keys_file: str,
    key_id: str,
    change: Callable[[dict[str, Any]], None],
    algorithm: str = "HMAC-SHA256",
) -> Mutation:
    """Change a signed payload and sign it again properly: only the targeted rule may fail."""

    def apply(root: Path) -> None:
        path = root / relative
        payload = json.loads(path.read_text())["payload"]
        change(payload)
        key = LICENCE_KEYS[keys_file][key_id].encode()
        path.write_text(json.dumps(signing.sign(payload, key, key_id, algorithm)))

    return apply


def licence_payload(change: Callable[[dict[str, Any]], None]) -> Mutation:
    return resigned(LICENCE, "license_keys.json", "lic-oem-demo", change, "HMAC-SHA384")


def embedded_fingerprint(
    change: Callable[[dict[str, Any]], None] = lambda fp: None,
    *,
    signed_by: str | None = "fingerprint_keys.json",
) -> Mutation:
    """The licence with the fingerprint_payload/fingerprint_signature that
    scripts/oem_provision_license.py embeds, built from the shipped fingerprint and changed."""

    def apply(root: Path) -> None:
        fp = json.loads((root / "var/licenses/active/fingerprint.json").read_text())["payload"]
        change(fp)

        def embed(payload: dict[str, Any]) -> None:
            payload["fingerprint_payload"] = fp
            if signed_by is not None:
                key = LICENCE_KEYS[signed_by][next(iter(LICENCE_KEYS[signed_by]))].encode()
                payload["fingerprint_signature"] = signing.sign(fp, key, "fp-demo")["signature"]

        licence_payload(embed)(root)

    return apply


def revocations(change: Callable[[dict[str, Any]], None]) -> Mutation:
    return resigned(REVOCATIONS, "revocation_keys.json", "rev-demo", change)


def licence_config(key: str, value: Any) -> Mutation:
    return core(lambda d: d["license"].__setitem__(key, value))


def unsign_revocations(root: Path) -> None:
    path = root / REVOCATIONS
    path.write_text(json.dumps(json.loads(path.read_text())["payload"]))


QUICK = "var/audit/quick_tests"


def junit(
    command: str,
    timestamp: str | None = "2026-11-20T10:00:00+00:00",
    *,
    tests: int = 4,
    failures: int = 0,
    errors: int = 0,
    skipped: int = 0,
) -> Mutation:
    stamp = f' timestamp="{timestamp}"' if timestamp else ""
    case = '<testcase classname="tests.x" name="test_y"><failure message="boom"/></testcase>'
    xml = (
        f'<testsuites><testsuite name="{command}" tests="{tests}" failures="{failures}" '
        f'errors="{errors}" skipped="{skipped}"{stamp}>{case if failures else ""}'
        "</testsuite></testsuites>"
    )
    return write(f"{QUICK}/{command}.xml", xml.encode())


AI = "audit/ai_decision"


def latest_ai(root: Path, kind: str) -> Path:
    return max((root / AI / kind).glob("*.json"), key=lambda p: p.name)


def ai_report(kind: str, change: Callable[[dict[str, Any]], None]) -> Mutation:
    def apply(root: Path) -> None:
        path = latest_ai(root, kind)
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data, indent=2, sort_keys=True))

    return apply


def ai_raw(kind: str, text: bytes) -> Mutation:
    return lambda root: latest_ai(root, kind).write_bytes(text)


def wf(change: Callable[[dict[str, Any]], None]) -> Mutation:
    return ai_report("walk_forward", change)


def manual_report_wins(root: Path) -> None:
    """A hand-made `zz-manual.json` sorts after every timestamp: the bot takes it as latest."""
    data = json.loads(latest_ai(root, "drift").read_text())
    data["metrics"]["feature_drift"]["score"] = 0.9
    (root / AI / "drift" / "zz-manual.json").write_text(json.dumps(data))


CACHE = "var/data/binance_live"
MANIFEST = f"{CACHE}/ohlcv_manifest.sqlite"
AS_OF_MS = 1_795_176_000_000  # tests.conftest.AS_OF in epoch milliseconds


def manifest_set(key: str, value: str | None) -> Mutation:
    def apply(root: Path) -> None:
        import sqlite3

        with sqlite3.connect(root / MANIFEST) as connection:
            if value is None:
                connection.execute("DELETE FROM metadata WHERE key = ?", (key,))
            else:
                connection.execute("UPDATE metadata SET value = ? WHERE key = ?", (value, key))
        connection.close()

    return apply


def drop_bars(symbol: str, interval: str, start_ms: int, end_ms: int) -> Mutation:
    """Remove the bars in [start, end) from the stored partitions."""

    def apply(root: Path) -> None:
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        series = root / CACHE / "ohlcv_parquet/binance_spot" / symbol / interval
        for path in series.glob("year=*/month=*/data.parquet"):
            table = pq.read_table(path)
            times = table.column("open_time")
            keep = pc.or_(pc.less(times, float(start_ms)), pc.greater_equal(times, float(end_ms)))
            pq.write_table(table.filter(keep), path)

    return apply


RISK_STATE = "var/data/binance_live/risk_state/conservative_live.json"


def risk_snapshot(change: Callable[[dict[str, Any]], None]) -> Mutation:
    """Edit the bot's persisted risk state (FileRiskRepository) of the live profile."""
    return edit_json(RISK_STATE, change)


def many_bad_audit_lines(root: Path) -> None:
    with first_audit_file(root).open("ab") as handle:
        handle.write(b"not json\n" * 25)


def duplicate_bars(root: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    series = root / CACHE / "ohlcv_parquet/binance_spot/ETHUSDT/1h"
    path = sorted(series.glob("year=*/month=*/data.parquet"))[-1]
    table = pq.read_table(path)
    pq.write_table(pa.concat_tables([table, table.slice(0, 3)]), path)


def resign_kyc_without_digest(root: Path) -> None:
    path = root / KYC_SIG
    payload = json.loads(path.read_text())["payload"]
    payload.pop("hashes")
    payload["document"].pop("sha256")
    key = DEMO_KEYS["kl-compliance-demo"].encode()
    path.write_text(json.dumps(signing.sign(payload, key, "kl-compliance-demo")))


def unsign(relative: str) -> Mutation:
    return edit_json(relative, lambda d: d.pop("signature"))


ROTATION = f"{CACHE}/security/rotation_log.json"


def alert_lines(*records: dict[str, str]) -> Mutation:
    """Append FileAlertAuditLog records (key order as the bot writes them)."""

    def apply(root: Path) -> None:
        with first_audit_file(root).open("a") as handle:
            for record in records:
                handle.write(json.dumps(record, separators=(",", ":")) + "\n")

    return apply


def alert(
    channel: str, category: str, severity: str, title: str, when: str, **context: str
) -> dict[str, str]:
    record = {
        "channel": channel,
        "category": category,
        "title": title,
        "severity": severity,
        "timestamp": when,
        "created_at": when,
    }
    record.update({f"ctx_{k}": v for k, v in context.items()})
    record["body"] = title
    return record


def drop_test_alert_on(channel: str) -> Mutation:
    def apply(root: Path) -> None:
        for path in (root / AUDIT_DIR).iterdir():
            kept = [
                line
                for line in path.read_text().splitlines()
                if not ('"alerting_test"' in line and f'"channel":"{channel}"' in line)
            ]
            path.write_text("".join(f"{line}\n" for line in kept))

    return apply


STAGE6 = "var/audit/stage6"


def freeze_file(suffix: str) -> Callable[[Path], Path]:
    return lambda root: next((root / STAGE6).glob(f"config_freeze_*{suffix}"))


def touch_config(root: Path) -> None:
    path = root / "config/core.yaml"
    path.write_text(path.read_text() + "# edited after the freeze\n")


def tamper_archive(root: Path) -> None:
    archived = next((root / STAGE6).glob("config_freeze_*/config/core.yaml"))
    archived.write_text(archived.read_text() + "# tampered\n")


def on(find: Callable[[Path], Path], change: Callable[[Path], None]) -> Mutation:
    return lambda root: change(find(root))


DRY_RUN = "var/audit/live/dry_run"
FAILOVER = f"{CACHE}/adapters/failover_status.json"


def dry_run(change: Callable[[dict[str, Any]], None]) -> Mutation:
    def apply(root: Path) -> None:
        path = next((root / DRY_RUN).glob("*.json"))
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data))

    return apply


def block_item(name: str, *reasons: str) -> Callable[[dict[str, Any]], None]:
    def change(report: dict[str, Any]) -> None:
        for item in report["live_readiness_checklist"]:
            if item["item"] == name:
                item["status"] = "blocked"
                item["reasons"] = list(reasons)

    return change


def adapter_status(**fields: Any) -> Mutation:
    return edit_json(FAILOVER, lambda d: d["adapters"]["binance_spot"].update(fields))


def auto_trader_log(root: Path, messages: list[str]) -> None:
    path = root / CACHE / "logs" / "auto_trader.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(
            json.dumps(
                {
                    "timestamp": f"2026-11-20T0{i}:00:00+00:00",
                    "level": "INFO",
                    "component": "AutoTrader",
                    "message": m,
                }
            )
            + "\n"
            for i, m in enumerate(messages)
        )
    )


LEDGER = "var/data/binance_paper/audit/ledger"


def paper_fill(**fields: Any) -> Mutation:
    """Append one fill, in the simulator's ledger format, to the newest ledger file."""

    def apply(root: Path) -> None:
        path = sorted((root / LEDGER).iterdir())[-1]
        quantity, price = fields.get("quantity", 0.01), fields.get("price", 64_000.0)
        entry = {
            "timestamp": 1_795_170_000.0,
            "order_id": "paper-99",
            "symbol": "BTCUSDT",
            "side": "buy",
            "quantity": quantity,
            "price": price,
            "fee": quantity * price * 0.0006,
            "fee_asset": "USDT",
            "status": "filled",
            "leverage": 1.0,
            "position_value": quantity * price,
        }
        entry.update(fields)
        if (
            "fee" not in fields
            and isinstance(entry["quantity"], float)
            and isinstance(entry["price"], float)
        ):
            entry["fee"] = entry["quantity"] * entry["price"] * 0.0006
        with path.open("a") as handle:
            handle.write(json.dumps(entry, separators=(",", ":")) + "\n")

    return apply


def paper_settings_edit(change: Callable[[dict[str, Any]], None]) -> Mutation:
    return core(
        lambda d: change(d["environments"]["binance_paper"]["adapter_settings"]["paper_trading"])
    )


DEFECTS: list[tuple[str, Mutation, str, str]] = [
    # PRE-0: the bot's own start-up validation (bot_core/config/validation.py at f59f9e73)
    (
        "a NaN limit the bot's validation lets through",
        core(
            lambda d: d["runtime"].__setitem__(
                "resource_limits",
                {"cpu_percent": float("nan"), "memory_mb": 512, "io_read_mb_s": 0},
            )
        ),
        "PRE-0",
        "config.not_finite",
    ),
    (
        "a risk profile without one of its limits: the loader stops",
        core(lambda d: d["risk_profiles"]["balanced_paper"].pop("max_leverage")),
        "PRE-0",
        "config.risk_profile_unloadable",
    ),
    (
        "a quoted false the bot reads as true",
        core(lambda d: d["runtime"].__setitem__("live_routing", {"enabled": "false"})),
        "PRE-0",
        "config.quoted_flag",
    ),
    (
        "default strategy without strategies",
        core(lambda d: d.pop("strategies")),
        "PRE-0",
        "config.default_strategy",
    ),
    (
        "default controller without controllers",
        core(lambda d: d.pop("runtime")),
        "PRE-0",
        "config.default_controller",
    ),
    (
        "default controller interval not backfilled",
        core(lambda d: d["runtime"]["controllers"]["daily_trend_core"].update(interval="1d")),
        "PRE-0",
        "config.controller_interval",
    ),
    (
        "controller tick not positive",
        core(lambda d: d["runtime"]["controllers"]["daily_trend_core"].update(tick_seconds=0)),
        "PRE-0",
        "config.controller_invalid",
    ),
    (
        "environment field missing",
        paper(lambda e: e.pop("keychain_key")),
        "PRE-0",
        "config.environment_field_missing",
    ),
    (
        "environment kind capitalised",
        paper(lambda e: e.update(environment="Paper")),
        "PRE-0",
        "config.environment_kind",
    ),
    (
        "throttle window zero",
        paper(lambda e: e["alert_throttle"].update(window_seconds=0)),
        "PRE-0",
        "config.throttle_window",
    ),
    (
        "risk limit negative",
        core(lambda d: d["risk_profiles"]["balanced_paper"].update(target_volatility=-0.1)),
        "PRE-0",
        "config.risk_limit_negative",
    ),
    (
        "paper risk profile undefined",
        paper(lambda e: e.update(risk_profile="ultra")),
        "PRE-0",
        "config.risk_profile_undefined",
    ),
    (
        "universe undefined",
        paper(lambda e: e.update(instrument_universe="nowhere")),
        "PRE-0",
        "config.universe_undefined",
    ),
    (
        "universe without the exchange",
        paper(lambda e: e.update(exchange="okx_spot")),
        "PRE-0",
        "config.universe_no_exchange",
    ),
    (
        "backfill interval in seconds",
        universe_window("interval", "30s"),
        "PRE-0",
        "config.universe_invalid",
    ),
    (
        "paper alert channel unresolved",
        paper(lambda e: e.update(alert_channels=["pager:oncall"])),
        "PRE-0",
        "config.alert_channel",
    ),
    (
        "paper permission both required and forbidden",
        paper(lambda e: e.update(forbidden_permissions=["withdraw", "TRADE"])),
        "PRE-0",
        "config.permission_overlap",
    ),
    # PRE-0, the core blocks read as load_core_config reads them (bot_config_core.py); each
    # checked against the bot's loader at f59f9e73 (the bot does not start)
    (
        "permission_profiles a string: the loader's .items() raises AttributeError",
        core(lambda d: d.__setitem__("permission_profiles", "x")),
        "PRE-0",
        "config.permission_profile_unloadable",
    ),
    (
        "adapter_settings a string: the loader's .items() raises AttributeError",
        env(lambda e: e.__setitem__("adapter_settings", "x")),
        "PRE-0",
        "config.environment_unloadable",
    ),
    (
        "decision_journal.backend unknown: the loader raises ValueError",
        env(lambda e: e["decision_journal"].__setitem__("backend", "x")),
        "PRE-0",
        "config.environment_unloadable",
    ),
    (
        "alert_throttle.max_entries not a number: int() in the loader raises ValueError",
        env(lambda e: e["alert_throttle"].__setitem__("max_entries", "x")),
        "PRE-0",
        "config.environment_unloadable",
    ),
    (
        "an exchange lifecycle status the loader does not know: it raises ValueError",
        core(lambda d: d["exchange_lifecycle"]["zonda_spot"].__setitem__("status", "paused")),
        "PRE-0",
        "config.exchange_lifecycle_unloadable",
    ),
    (
        "a telegram channel without chat_id: the loader raises KeyError",
        core(lambda d: d["alerts"]["telegram_channels"]["primary"].pop("chat_id")),
        "PRE-0",
        "config.alert_unloadable",
    ),
    (
        "metrics risk profiles file missing",
        core(
            lambda d: d.setdefault("runtime", {}).update(
                metrics_service={
                    "ui_alerts_risk_profiles_file": "configs/telemetry_risk_profiles.yaml"
                }
            )
        ),
        "PRE-0",
        "config.metrics_file_missing",
    ),
    # PRE-1: entrypoint compliance packets
    (
        "no entrypoint bound",
        entrypoint(lambda e: e.__setitem__("environment", "binance_paper")),
        "PRE-1",
        "entrypoint.none_bound",
    ),
    (
        "no compliance packet",
        entrypoint(lambda e: e.pop("compliance")),
        "PRE-1",
        "entrypoint.compliance_missing",
    ),
    ("live not allowed", compliance("live_allowed", False), "PRE-1", "entrypoint.live_not_allowed"),
    ("packet unsigned", compliance("signed", False), "PRE-1", "entrypoint.unsigned"),
    (
        "profile not permitted",
        compliance("risk_profiles", ["balanced_paper"]),
        "PRE-1",
        "entrypoint.risk_profile_not_permitted",
    ),
    ("no sign-offs", compliance("signoffs", []), "PRE-1", "entrypoint.signoff_missing"),
    # PRE-1: the live-readiness checklist
    ("no checklist", drop_env_key("live_readiness"), "PRE-1", "readiness.missing"),
    ("checklist unsigned", readiness("signed", False), "PRE-1", "readiness.unsigned"),
    (
        "checklist lacks security",
        readiness("signed_by", ["compliance"]),
        "PRE-1",
        "readiness.signer_roles_missing",
    ),
    ("checklist stale", readiness("signed_at", "2026-05-01T00:00:00Z"), "PRE-1", "signoff.stale"),
    (
        "checklist from the future",
        readiness("signed_at", "2026-12-24T00:00:00Z"),
        "PRE-1",
        "signoff.in_future",
    ),
    (
        "checklist date unreadable",
        readiness("signed_at", "last tuesday"),
        "PRE-1",
        "signoff.invalid",
    ),
    (
        "checklist signature gone",
        delete(f"{DOCS}/checklist.sig"),
        "PRE-1",
        "signature.missing",
    ),
    # PRE-1: strict document verification
    ("document missing", delete(KYC_PDF), "PRE-1", "document.file_missing"),
    ("document altered", append(KYC_PDF, b"tampered"), "PRE-1", "document.sha256_mismatch"),
    (
        "digest of 63 hex digits",
        document(0, "sha256", "a" * 63),
        "PRE-1",
        "document.sha256_malformed",
    ),
    ("digest absent", document(0, "sha256", None), "PRE-1", "document.sha256_missing"),
    (
        "signature tampered",
        edit_json(
            KYC_SIG,
            lambda d: d["signature"].__setitem__("value", "AAAA" + d["signature"]["value"][4:]),
        ),
        "PRE-1",
        "signature.invalid",
    ),
    ("signature not JSON", write(KYC_SIG, b"not json"), "PRE-1", "signature.malformed"),
    (
        "signature SHA384",
        edit_json(KYC_SIG, lambda d: d["signature"].__setitem__("algorithm", "HMAC-SHA384")),
        "PRE-1",
        "signature.algorithm",
    ),
    ("signature file gone", delete(KYC_SIG), "PRE-1", "signature.missing"),
    (
        "signing key gone",
        delete("secrets/hmac/kl_compliance_demo.key"),
        "PRE-1",
        "signature.key_missing",
    ),
    (
        "signature vouches for another file",
        resign_kyc_with_other_digest,
        "PRE-1",
        "document.signed_digest_mismatch",
    ),
    ("document unsigned", document(0, "signed", False), "PRE-1", "document.unsigned"),
    ("document without signers", document(0, "signed_by", []), "PRE-1", "document.signers_missing"),
    (
        "document sign-off stale",
        document(0, "signed_at", "2026-01-01T00:00:00Z"),
        "PRE-1",
        "signoff.stale",
    ),
    (
        "required document undefined",
        readiness("required_documents", ["kyc_packet", "ghost"]),
        "PRE-1",
        "document.undefined",
    ),
    (
        "no penetration report",
        env(
            lambda e: e["live_readiness"].update(
                documents=[
                    d for d in e["live_readiness"]["documents"] if "penetration" not in d["name"]
                ],
                required_documents=[
                    n for n in e["live_readiness"]["required_documents"] if "penetration" not in n
                ],
            )
        ),
        "PRE-1",
        "document.category_missing",
    ),
    (
        "document path climbs out",
        document(0, "path", "../../outside.pdf"),
        "PRE-1",
        "path.escapes_deployment",
    ),
    (
        "document path absolute",
        document(0, "path", "/etc/hostname"),
        "PRE-1",
        "path.escapes_deployment",
    ),
    ("document is a symlink out", symlink_document_outside, "PRE-1", "path.escapes_deployment"),
    # PRE-2: risk limits
    ("profile undefined", env_key("risk_profile", "yolo"), "PRE-2", "profile.undefined"),
    ("limit missing", drop_profile_key("hard_drawdown_pct"), "PRE-2", "limit.missing"),
    ("limit not numeric", profile("max_daily_loss_pct", "0.01"), "PRE-2", "limit.not_numeric"),
    ("limit zero", profile("max_position_pct", 0.0), "PRE-2", "limit.not_positive"),
    ("limit above cap", profile("hard_drawdown_pct", 0.5), "PRE-2", "limit.above_cap"),
    (
        "daily loss above drawdown",
        core(
            lambda d: d["risk_profiles"]["conservative_live"].update(
                max_daily_loss_pct=0.03, hard_drawdown_pct=0.02
            )
        ),
        "PRE-2",
        "limits.inconsistent",
    ),
    ("fractional position count", profile("max_open_positions", 2.5), "PRE-2", "limit.not_integer"),
    ("percent instead of fraction", profile("max_position_pct", 3), "PRE-2", "limit.not_fraction"),
    # PRE-3: alerts and audit
    ("no alert channel", env_key("alert_channels", []), "PRE-3", "channels.empty"),
    (
        "channel undefined",
        env_key("alert_channels", ["telegram:nobody"]),
        "PRE-3",
        "channel.undefined",
    ),
    (
        "channel type unknown",
        env_key("alert_channels", ["pager:ops"]),
        "PRE-3",
        "channel.unsupported_type",
    ),
    ("channel malformed", env_key("alert_channels", ["telegram"]), "PRE-3", "channel.malformed"),
    ("offline mode", env_key("offline_mode", True), "PRE-3", "channels.offline"),
    ("no throttle", drop_env_key("alert_throttle"), "PRE-3", "throttle.missing"),
    (
        "throttle may suppress critical",
        block_key("alert_throttle", "exclude_severities", []),
        "PRE-3",
        "throttle.throttles_critical",
    ),
    (
        "throttle window zero",
        block_key("alert_throttle", "window_seconds", 0),
        "PRE-3",
        "throttle.window_invalid",
    ),
    ("no audit", drop_env_key("alert_audit"), "PRE-3", "audit.missing"),
    (
        "memory audit",
        block_key("alert_audit", "backend", "memory"),
        "PRE-3",
        "audit.backend_not_file",
    ),
    (
        "short retention",
        block_key("alert_audit", "retention_days", 30),
        "PRE-3",
        "audit.retention_short",
    ),
    (
        "retention disabled",
        block_key("alert_audit", "retention_days", 0),
        "PRE-3",
        "audit.retention_disabled",
    ),
    (
        "audit without directory",
        block_key("alert_audit", "directory", ""),
        "PRE-3",
        "audit.directory_missing",
    ),
    ("audit directory absent", delete(AUDIT_DIR), "PRE-3", "audit.directory_absent"),
    (
        "audit files absent",
        block_key("alert_audit", "filename_pattern", "other-%Y%m%d.jsonl"),
        "PRE-3",
        "audit.no_files",
    ),
    ("audit line not JSON", corrupt_audit_line, "PRE-3", "audit.line_invalid"),
    ("audit record incomplete", audit_record_missing_field, "PRE-3", "audit.line_invalid"),
    (
        "audit directory climbs out",
        block_key("alert_audit", "directory", "../../../../etc"),
        "PRE-3",
        "path.escapes_deployment",
    ),
    ("data cache is a symlink out", symlink_cache_outside, "PRE-3", "path.escapes_deployment"),
    # PRE-4: the OEM licence
    (
        "licence expired",
        licence_payload(lambda p: p.__setitem__("expires_at", "2026-11-19T00:00:00Z")),
        "PRE-4",
        "license.expired",
    ),
    (
        "licence not yet issued",
        licence_payload(lambda p: p.__setitem__("issued_at", "2026-11-21T00:00:00Z")),
        "PRE-4",
        "license.issued_at.in_future",
    ),
    # PRE-4: what validate_license_from_config rejects beyond the signature (contract corpus)
    (
        "licence embeds another device's fingerprint",
        embedded_fingerprint(lambda fp: fp["fingerprint"].__setitem__("value", "ab" * 32)),
        "PRE-4",
        "license.fingerprint_payload.mismatch",
    ),
    (
        "licence embeds an unsigned fingerprint",
        embedded_fingerprint(signed_by=None),
        "PRE-4",
        "license.fingerprint_payload.unsigned",
    ),
    (
        "licence embeds a fingerprint signed with the licence key",
        embedded_fingerprint(signed_by="license_keys.json"),
        "PRE-4",
        "license.fingerprint_payload.signature_invalid",
    ),
    (
        "licence seat total negative",
        licence_payload(lambda p: p.__setitem__("seat_policy", {"total": -1})),
        "PRE-4",
        "license.seats.invalid_total",
    ),
    (
        "licence hard seats without this device",
        licence_payload(
            lambda p: p.__setitem__(
                "multi_seat", {"seats": 2, "devices": ["another"], "mode": "HARD"}
            )
        ),
        "PRE-4",
        "license.seats.not_assigned",
    ),
    (
        "licence subscription date unreadable",
        licence_payload(
            lambda p: p.__setitem__("subscription", {"current_period": {"start": "next monday"}})
        ),
        "PRE-4",
        "license.subscription.timestamp_invalid",
    ),
    (
        "revocation list without a section",
        revocations(lambda p: p.__setitem__("revoked_licences", p.pop("revoked"))),
        "PRE-4",
        "revocation.section_missing",
    ),
    (
        "licence valid too long",
        licence_payload(lambda p: p.__setitem__("expires_at", "2030-01-01T00:00:00Z")),
        "PRE-4",
        "license.validity_too_long",
    ),
    (
        "licence window inverted",
        licence_payload(lambda p: p.__setitem__("expires_at", "2026-01-01T00:00:00Z")),
        "PRE-4",
        "license.window_invalid",
    ),
    (
        "licence wrong issuer",
        licence_payload(lambda p: p.__setitem__("issuer", "intern")),
        "PRE-4",
        "license.issuer_not_allowed",
    ),
    (
        "licence wrong profile",
        licence_payload(lambda p: p.__setitem__("profile", "trading_gui")),
        "PRE-4",
        "license.profile_not_allowed",
    ),
    (
        "licence paper profile",
        licence_payload(lambda p: p.__setitem__("profile", "paper")),
        "PRE-4",
        "license.profile_not_live",
    ),
    (
        "licence policy without live",
        licence_config("allowed_profiles", ["paper", "trading_gui"]),
        "PRE-4",
        "license.no_live_profile",
    ),
    (
        "licence wrong schema",
        licence_payload(lambda p: p.__setitem__("schema", "core.oem.trial")),
        "PRE-4",
        "license.schema",
    ),
    (
        "licence wrong schema version",
        licence_payload(lambda p: p.__setitem__("schema_version", "2.0")),
        "PRE-4",
        "license.schema_version",
    ),
    (
        "licence without id",
        licence_payload(lambda p: p.pop("license_id")),
        "PRE-4",
        "license.field_missing",
    ),
    (
        "licence revoked",
        revocations(lambda p: p["revoked"].append({"license_id": LICENCE_ID, "reason": "fraud"})),
        "PRE-4",
        "license.revoked",
    ),
    (
        "revocation list stale",
        revocations(lambda p: p.__setitem__("generated_at", "2026-11-19T00:00:00Z")),
        "PRE-4",
        "revocation.generated_at.stale",
    ),
    ("revocation list unsigned", unsign_revocations, "PRE-4", "revocation.unsigned"),
    ("revocation list missing", delete(REVOCATIONS), "PRE-4", "revocation.list_missing"),
    (
        "licence signature bad",
        edit_json(LICENCE, lambda d: d["payload"].__setitem__("profile", "live ")),
        "PRE-4",
        "license.signature_invalid",
    ),
    (
        "licence signing key unknown",
        edit_json(LICENCE, lambda d: d["signature"].__setitem__("key_id", "lic-other")),
        "PRE-4",
        "license.key_missing",
    ),
    (
        "licence key file missing",
        delete("secrets/license_keys.json"),
        "PRE-4",
        "license.key_file_missing",
    ),
    (
        "licence keys not configured",
        licence_config("license_keys_path", None),
        "PRE-4",
        "license.license_keys_path_unset",
    ),
    ("licence file missing", delete(LICENCE), "PRE-4", "license.file_missing"),
    ("licence malformed JSON", write(LICENCE, b"{not json"), "PRE-4", "license.malformed"),
    (
        "fingerprint of another machine",
        resigned(
            "var/licenses/active/fingerprint.json",
            "fingerprint_keys.json",
            "fp-demo",
            lambda p: p["fingerprint"].__setitem__("value", "0" * 64),
        ),
        "PRE-4",
        "license.fingerprint_mismatch",
    ),
    ("no licence section", core(lambda d: d.pop("license")), "PRE-4", "license.section_missing"),
    (
        "licence path leaves",
        licence_config("license_path", "../../license.json"),
        "PRE-4",
        "path.escapes_deployment",
    ),
    # PRE-5: market data
    ("no OHLCV manifest", delete(MANIFEST), "PRE-5", "data.manifest_missing"),
    (
        "a hole in the bars",
        drop_bars("BTCUSDT", "1h", AS_OF_MS - 20 * 86_400_000, AS_OF_MS - 18 * 86_400_000),
        "PRE-5",
        "data.gap",
    ),
    (
        "stale series",
        manifest_set("last_timestamp::ETHUSDT::1h", str(AS_OF_MS - 2 * 86_400_000)),
        "PRE-5",
        "data.stale",
    ),
    (
        "series lagging two intervals",
        manifest_set("last_timestamp::BTCUSDT::1m", str(AS_OF_MS - 5 * 60_000)),
        "PRE-5",
        "data.ok_ratio_low",
    ),
    (
        "series from the future",
        manifest_set("last_timestamp::BTCUSDT::1h", str(AS_OF_MS + 86_400_000)),
        "PRE-5",
        "data.last_bar.in_future",
    ),
    (
        "manifest counts too few rows",
        manifest_set("row_count::BTCUSDT::1h", "100"),
        "PRE-5",
        "data.insufficient_rows",
    ),
    (
        "series unknown to the manifest",
        manifest_set("last_timestamp::ETHUSDT::1h", None),
        "PRE-5",
        "data.series_unknown",
    ),
    (
        "bars missing",
        delete(f"{CACHE}/ohlcv_parquet/binance_spot/ETHUSDT"),
        "PRE-5",
        "data.bars_missing",
    ),
    (
        "too little history",
        drop_bars("BTCUSDT", "1m", 0, AS_OF_MS - 2 * 86_400_000),
        "PRE-5",
        "data.insufficient_rows",
    ),
    (
        "no data-quality thresholds",
        core(lambda d: d["risk_profiles"]["conservative_live"].pop("data_quality")),
        "PRE-5",
        "data.threshold_missing",
    ),
    (
        "universe undefined",
        env_key("instrument_universe", "nowhere"),
        "PRE-5",
        "data.universe_invalid",
    ),
    ("no risk state", delete(RISK_STATE), "PRE-5", "risk_state.missing"),
    (
        "risk state stale",
        risk_snapshot(lambda d: d.__setitem__("current_day", "2026-11-18")),
        "PRE-5",
        "risk_state.current_day.stale",
    ),
    (
        "risk state of another profile",
        risk_snapshot(lambda d: d.__setitem__("profile", "balanced_paper")),
        "PRE-5",
        "risk_state.profile",
    ),
    (
        "risk state malformed",
        write(RISK_STATE, b"{"),
        "PRE-5",
        "risk_state.malformed",
    ),
    # PRE-6: AI model validation
    (
        "average MAE too high",
        wf(lambda d: d["walk_forward"].__setitem__("average_mae", 25.0)),
        "PRE-6",
        "ai.average_mae_high",
    ),
    (
        "window MAE too high",
        wf(lambda d: d["walk_forward"]["windows"][1].__setitem__("mae", 31.0)),
        "PRE-6",
        "ai.window_mae_high",
    ),
    (
        "too few rows",
        wf(lambda d: d["dataset"].__setitem__("rows", 12)),
        "PRE-6",
        "ai.dataset_too_small",
    ),
    (
        "directional accuracy low",
        wf(lambda d: d["walk_forward"].__setitem__("average_directional_accuracy", 0.41)),
        "PRE-6",
        "ai.directional_accuracy_low",
    ),
    (
        "risk sign-off pending",
        wf(lambda d: d["sign_off"]["risk"].__setitem__("status", "pending")),
        "PRE-6",
        "ai.sign_off_incomplete",
    ),
    (
        "compliance sign-off absent",
        wf(lambda d: d["sign_off"].pop("compliance")),
        "PRE-6",
        "ai.sign_off_incomplete",
    ),
    (
        "window MAE not a number",
        wf(lambda d: d["walk_forward"]["windows"][1].__setitem__("mae", "low")),
        "PRE-6",
        "ai.report_invalid",
    ),
    (
        "walk-forward without job name",
        wf(lambda d: d.pop("job_name")),
        "PRE-6",
        "ai.report_invalid",
    ),
    (
        "walk-forward stale",
        wf(lambda d: d.__setitem__("generated_at", "2026-10-01T00:00:00+00:00")),
        "PRE-6",
        "ai.generated_at.stale",
    ),
    ("walk-forward not JSON", ai_raw("walk_forward", b"{"), "PRE-6", "ai.report_invalid"),
    ("walk-forward a list", ai_raw("walk_forward", b"[]"), "PRE-6", "ai.report_invalid"),
    ("no walk-forward report", delete(f"{AI}/walk_forward"), "PRE-6", "ai.report_missing"),
    (
        "data quality warning",
        ai_report("data_quality", lambda d: d["summary"].__setitem__("status", "warning")),
        "PRE-6",
        "ai.data_quality_not_ok",
    ),
    (
        "data quality critical issue",
        ai_report(
            "data_quality",
            lambda d: d["issues"].append(
                {"code": "missing_bars", "message": "gap of 90 bars", "severity": "critical"}
            ),
        ),
        "PRE-6",
        "ai.data_quality_critical_issue",
    ),
    (
        "data quality tags not a list",
        ai_report("data_quality", lambda d: d.__setitem__("tags", "binance_live")),
        "PRE-6",
        "ai.report_invalid",
    ),
    (
        "data quality without summary, a warning issue",
        ai_report(
            "data_quality",
            lambda d: (
                d.pop("summary"),
                d["issues"].append(
                    {"code": "missing_bars", "message": "gap of 3 bars", "severity": "warning"}
                ),
            ),
        ),
        "PRE-6",
        "ai.data_quality_not_ok",
    ),
    (
        "drift detector triggered",
        ai_report("drift", lambda d: d["metrics"].__setitem__("triggered", {"value": True})),
        "PRE-6",
        "ai.drift_triggered",
    ),
    (
        "drift above threshold",
        ai_report("drift", lambda d: d["metrics"]["feature_drift"].__setitem__("score", 0.4)),
        "PRE-6",
        "ai.drift_above_threshold",
    ),
    (
        "drift triggered feature",
        ai_report(
            "drift",
            lambda d: d["metrics"]["distribution_summary"].__setitem__(
                "triggered_features", ["volatility_1d"]
            ),
        ),
        "PRE-6",
        "ai.drift_triggered_features",
    ),
    (
        "drift features as a list",
        ai_report("drift", lambda d: d["metrics"].__setitem__("features", [])),
        "PRE-6",
        "ai.report_invalid",
    ),
    ("latest chosen by name, as the bot", manual_report_wins, "PRE-6", "ai.drift_above_threshold"),
    # PRE-9: the deployment's quick tests
    ("quick test never run", delete(f"{QUICK}/mypy.xml"), "PRE-9", "quick_test.missing"),
    (
        "quick test stale",
        junit("router_failover", "2026-11-18T09:00:00+00:00"),
        "PRE-9",
        "quick_test.timestamp.stale",
    ),
    (
        "quick test from the future",
        junit("router_failover", "2026-11-21T09:00:00+00:00"),
        "PRE-9",
        "quick_test.timestamp.in_future",
    ),
    ("quick test failed", junit("paper_execution", failures=1), "PRE-9", "quick_test.failed"),
    ("quick test errored", junit("paper_execution", errors=2), "PRE-9", "quick_test.failed"),
    (
        "quick test ran nothing",
        junit("e2e_demo_paper", tests=3, skipped=3),
        "PRE-9",
        "quick_test.empty",
    ),
    ("quick test undated", junit("lint_paths", None), "PRE-9", "quick_test.timestamp.missing"),
    (
        "quick test not XML",
        write(f"{QUICK}/lint_paths.xml", b"all good, trust me"),
        "PRE-9",
        "quick_test.malformed",
    ),
    # rules the cases above do not reach
    (
        "checklist without a date",
        env(lambda e: e["live_readiness"].pop("signed_at")),
        "PRE-1",
        "signoff.missing",
    ),
    ("document without a path", document(0, "path", None), "PRE-1", "document.path_missing"),
    (
        "document defined twice",
        env(
            lambda e: e["live_readiness"]["documents"].append(
                dict(e["live_readiness"]["documents"][0])
            )
        ),
        "PRE-1",
        "document.duplicate",
    ),
    (
        "no document required",
        env(
            lambda e: e["live_readiness"].update(
                required_documents=[],
                documents=[{**d, "required": False} for d in e["live_readiness"]["documents"]],
            )
        ),
        "PRE-1",
        "document.none",
    ),
    (
        "signature without the digest",
        resign_kyc_without_digest,
        "PRE-1",
        "document.signed_digest_missing",
    ),
    ("environment without a risk profile", drop_env_key("risk_profile"), "PRE-2", "profile.unset"),
    (
        "retention not a number",
        block_key("alert_audit", "retention_days", "two years"),
        "PRE-3",
        "audit.retention_invalid",
    ),
    ("many bad audit lines", many_bad_audit_lines, "PRE-3", "audit.more_invalid_lines"),
    (
        "licence date unreadable",
        licence_payload(lambda p: p.__setitem__("issued_at", "soon")),
        "PRE-4",
        "license.issued_at.invalid",
    ),
    (
        "licence key file malformed",
        write("secrets/license_keys.json", b'{"keys": {}}'),
        "PRE-4",
        "license.key_file_invalid",
    ),
    ("licence unsigned", unsign(LICENCE), "PRE-4", "license.unsigned"),
    (
        "licence signed with MD5",
        edit_json(LICENCE, lambda d: d["signature"].__setitem__("algorithm", "HMAC-MD5")),
        "PRE-4",
        "license.signature_algorithm",
    ),
    (
        "fingerprint tampered",
        edit_json(
            "var/licenses/active/fingerprint.json",
            lambda d: d["payload"]["components"].__setitem__("host", "elsewhere"),
        ),
        "PRE-4",
        "license.fingerprint.signature_invalid",
    ),
    (
        "revocation list tampered",
        edit_json(REVOCATIONS, lambda d: d["payload"].__setitem__("revoked", [])),
        "PRE-4",
        "revocation.signature_invalid",
    ),
    (
        "revocation list signed by an unknown key",
        edit_json(REVOCATIONS, lambda d: d["signature"].__setitem__("key_id", "rev-other")),
        "PRE-4",
        "revocation.key_missing",
    ),
    (
        "revocation list malformed",
        revocations(lambda p: p.__setitem__("revoked", 5)),
        "PRE-4",
        "revocation.malformed",
    ),
    (
        "revocation list undated",
        revocations(lambda p: p.__setitem__("generated_at", "recently")),
        "PRE-4",
        "revocation.generated_at.invalid",
    ),
    (
        "revocation list without a date",
        revocations(lambda p: p.pop("generated_at")),
        "PRE-4",
        "revocation.generated_at.missing",
    ),
    ("no series for the exchange", env_key("exchange", "zonda_spot"), "PRE-5", "data.no_series"),
    ("duplicated bars", duplicate_bars, "PRE-5", "data.unordered"),
    (
        "risk state undated",
        risk_snapshot(lambda d: d.pop("current_day")),
        "PRE-5",
        "risk_state.current_day.missing",
    ),
    (
        "walk-forward date unreadable",
        wf(lambda d: d.__setitem__("generated_at", "yesterday")),
        "PRE-6",
        "ai.generated_at.invalid",
    ),
    (
        "register without a bound entrypoint",
        entrypoint(lambda e: e.__setitem__("environment", "binance_paper")),
        "ACT-2",
        "register.no_entrypoint",
    ),
    # ESC-2: the bot's own checklist
    (
        "checklist item kyc_aml_signoff blocked",
        compliance("live_allowed", False),
        "ESC-2",
        "checklist.blocked",
    ),
    (
        "checklist item alerting blocked",
        drop_env_key("alert_throttle"),
        "ESC-2",
        "checklist.blocked",
    ),
    (
        "checklist item live_checklist blocked",
        readiness("signed", False),
        "ESC-2",
        "checklist.blocked",
    ),
    # ACT-5: secrets
    ("no rotation log", delete(ROTATION), "ACT-5", "rotation.log_missing"),
    ("rotation log malformed", write(ROTATION, b"{"), "ACT-5", "rotation.log_malformed"),
    (
        "key never rotated",
        write(ROTATION, b'{"other::trading":"2026-11-01T00:00:00Z"}'),
        "ACT-5",
        "rotation.entry_missing",
    ),
    (
        "rotation time unreadable",
        write(ROTATION, b'{"binance_live_trading::trading":"soon"}'),
        "ACT-5",
        "rotation.rotated_at.invalid",
    ),
    (
        "key rotated 91 days ago",
        write(ROTATION, b'{"binance_live_trading::trading":"2026-08-21T11:00:00Z"}'),
        "ACT-5",
        "rotation.overdue",
    ),
    ("empty IP allowlist", env_key("ip_allowlist", []), "ACT-5", "allowlist.empty"),
    (
        "CIDR in the allowlist",
        env_key("ip_allowlist", ["203.0.113.0/24"]),
        "ACT-5",
        "allowlist.not_literal",
    ),
    (
        "hostname in the allowlist",
        env_key("ip_allowlist", ["bot.example.com"]),
        "ACT-5",
        "allowlist.not_literal",
    ),
    (
        "key may not trade",
        env_key("required_permissions", ["read"]),
        "ACT-5",
        "permissions.trade_missing",
    ),
    (
        "key may withdraw",
        env_key("forbidden_permissions", ["margin"]),
        "ACT-5",
        "permissions.withdraw_allowed",
    ),
    (
        "permissions overlap",
        env_key("forbidden_permissions", ["withdraw", "trade"]),
        "ACT-5",
        "permissions.overlap",
    ),
    (
        "required permissions not a list",
        env_key("required_permissions", 1),
        "ACT-5",
        "permissions.not_a_list",
    ),
    # ACT-4: the alert test
    (
        "test alert missing on SMS",
        drop_test_alert_on("sms:orange_local"),
        "ACT-4",
        "alert_test.channel_missing",
    ),
    (
        "critical alert throttled",
        alert_lines(
            alert(
                "__suppressed__",
                "risk",
                "critical",
                "Drawdown limit hit",
                "2026-11-20T11:00:00+00:00",
            )
        ),
        "ACT-4",
        "alert_test.critical_suppressed",
    ),
    (
        "excluded category throttled",
        alert_lines(
            alert(
                "__suppressed__",
                "health",
                "warning",
                "Heartbeat missed",
                "2026-11-20T11:00:00+00:00",
            )
        ),
        "ACT-4",
        "alert_test.critical_suppressed",
    ),
    (
        "no file audit log for the test",
        block_key("alert_audit", "backend", "memory"),
        "ACT-4",
        "alert_test.no_audit_log",
    ),
    # ESC-1: open critical alerts
    (
        "unacknowledged critical alert",
        alert_lines(
            alert(
                "telegram:primary",
                "risk",
                "critical",
                "Daily loss limit breached",
                "2026-11-20T10:00:00+00:00",
                alert_id="alrt-0002",
            )
        ),
        "ESC-1",
        "critical.unconfirmed",
    ),
    (
        "acknowledgement of another alert",
        alert_lines(
            alert(
                "telegram:primary",
                "risk",
                "critical",
                "Daily loss limit breached",
                "2026-11-20T10:00:00+00:00",
            ),
            alert(
                "telegram:primary",
                "acknowledgement",
                "info",
                "ack",
                "2026-11-20T10:30:00+00:00",
                acknowledges="alrt-9999",
            ),
        ),
        "ESC-1",
        "critical.unconfirmed",
    ),
    ("no file audit log for alerts", drop_env_key("alert_audit"), "ESC-1", "critical.no_audit_log"),
    # ACT-1: the configuration freeze
    ("never frozen", delete(STAGE6), "ACT-1", "freeze.missing"),
    ("config edited after the freeze", touch_config, "ACT-1", "freeze.config_changed"),
    ("archive tampered", tamper_archive, "ACT-1", "freeze.archive_digest_mismatch"),
    (
        "archive file gone",
        lambda root: next((root / STAGE6).glob("config_freeze_*/config/core.yaml")).unlink(),
        "ACT-1",
        "freeze.archive_missing",
    ),
    (
        "freeze signature gone",
        on(freeze_file(".sig"), Path.unlink),
        "ACT-1",
        "freeze.signature_missing",
    ),
    (
        "freeze signature malformed",
        on(freeze_file(".sig"), lambda p: p.write_text("[]")),
        "ACT-1",
        "freeze.signature_malformed",
    ),
    (
        "freeze signature forged",
        on(
            freeze_file(".sig"),
            lambda p: p.write_text(
                json.dumps(
                    {
                        **json.loads(p.read_text()),
                        "signature": {**json.loads(p.read_text())["signature"], "value": "AAAA"},
                    }
                )
            ),
        ),
        "ACT-1",
        "freeze.signature_invalid",
    ),
    (
        "manifest edited after signing",
        on(
            freeze_file(".manifest.json"),
            lambda p: p.write_text(
                json.dumps({**json.loads(p.read_text()), "stakeholders": ["intern"]})
            ),
        ),
        "ACT-1",
        "freeze.signature_other_payload",
    ),
    (
        "runtime config never frozen",
        write("config/runtime.yaml", b"execution: {live: {}}\n"),
        "ACT-1",
        "freeze.config_not_frozen",
    ),
    (
        "freeze manifest undated",
        on(
            freeze_file(".manifest.json"),
            lambda p: p.write_text(
                json.dumps({**json.loads(p.read_text()), "generated_at": "soon"})
            ),
        ),
        "ACT-1",
        "freeze.generated_at.invalid",
    ),
    (
        "freeze path leaves",
        on(
            freeze_file(".manifest.json"),
            lambda p: p.write_text(
                json.dumps({**json.loads(p.read_text()), "signature_path": "../../x.sig"})
            ),
        ),
        "ACT-1",
        "path.escapes_deployment",
    ),
    # ACT-7: the dry run
    ("no dry run", delete(DRY_RUN), "ACT-7", "dry_run.missing"),
    (
        "dry run of another environment",
        dry_run(lambda d: d.__setitem__("environment", "x_live")),
        "ACT-7",
        "dry_run.missing",
    ),
    (
        "dry run stale",
        dry_run(lambda d: d.__setitem__("generated_at", "2026-11-15T00:00:00Z")),
        "ACT-7",
        "dry_run.generated_at.stale",
    ),
    (
        "dry run undated",
        dry_run(lambda d: d.__setitem__("generated_at", "soon")),
        "ACT-7",
        "dry_run.generated_at.invalid",
    ),
    (
        "dry run with auto-trade on",
        dry_run(lambda d: d["dry_run"].__setitem__("enable_auto_trade", True)),
        "ACT-7",
        "dry_run.auto_trade_enabled",
    ),
    (
        "dry run without the read-only record",
        dry_run(lambda d: d.pop("dry_run")),
        "ACT-7",
        "dry_run.auto_trade_enabled",
    ),
    (
        "dry run item blocked",
        dry_run(block_item("kyc_aml_signoff", "missing sign-off")),
        "ACT-7",
        "dry_run.item_not_ok",
    ),
    (
        "dry run without a checklist",
        dry_run(lambda d: d.__setitem__("live_readiness_checklist", [])),
        "ACT-7",
        "dry_run.no_checklist",
    ),
    (
        "dry run record malformed",
        lambda root: (root / DRY_RUN / "broken.json").write_text("{"),
        "ACT-7",
        "dry_run.malformed",
    ),
    # ESC-3: adapters
    (
        "adapter needs a reconnect",
        adapter_status(reconnect_required=True, reconnect_reason="listen key expired"),
        "ESC-3",
        "adapter.reconnect_required",
    ),
    (
        "adapter reconnect pending",
        adapter_status(reconnect_remaining=12.5),
        "ESC-3",
        "adapter.reconnect_required",
    ),
    ("no adapter status", delete(FAILOVER), "ESC-3", "adapter.status_missing"),
    (
        "adapter status stale",
        edit_json(FAILOVER, lambda d: d.__setitem__("generated_at", "2026-11-20T09:00:00Z")),
        "ESC-3",
        "adapter.generated_at.stale",
    ),
    (
        "adapter status undated",
        edit_json(FAILOVER, lambda d: d.pop("generated_at")),
        "ESC-3",
        "adapter.generated_at.missing",
    ),
    ("adapter status malformed", write(FAILOVER, b"{"), "ESC-3", "adapter.status_malformed"),
    # ACT-6: AutoTrader confirmation
    (
        "paper entrypoint trusts auto-confirm",
        core(
            lambda d: d["runtime_entrypoints"]["auto_trader"].__setitem__(
                "trusted_auto_confirm", True
            )
        ),
        "ACT-6",
        "auto_confirm.paper_trusted",
    ),
    (
        "live auto-confirm without a log",
        entrypoint(lambda e: e.__setitem__("trusted_auto_confirm", True)),
        "ACT-6",
        "auto_confirm.no_log",
    ),
    (
        "live auto-confirm log without a start",
        lambda root: (
            entrypoint(lambda e: e.__setitem__("trusted_auto_confirm", True))(root),
            auto_trader_log(root, ["Controller runner attached"]),
        ),
        "ACT-6",
        "auto_confirm.no_start",
    ),
    (
        "live auto-confirm that waited for a click",
        lambda root: (
            entrypoint(lambda e: e.__setitem__("trusted_auto_confirm", True))(root),
            auto_trader_log(
                root, ["Auto-trade awaiting explicit activation", "AutoTrader started."]
            ),
        ),
        "ACT-6",
        "auto_confirm.waited_for_click",
    ),
    # PRE-8: paper accounting
    ("fee at no configured rate", paper_fill(fee=5.0), "PRE-8", "ledger.fee_mismatch"),
    ("fill below min notional", paper_fill(quantity=0.0001), "PRE-8", "ledger.below_min_notional"),
    ("fill below min quantity", paper_fill(quantity=0.0005), "PRE-8", "ledger.below_min_quantity"),
    (
        "fill off the step size",
        paper_settings_edit(lambda p: p["default_market"].__setitem__("step_size", 0.05)),
        "PRE-8",
        "ledger.step_size",
    ),
    (
        "fill at a negative price",
        paper_fill(price=-64_000.0, fee=0.0),
        "PRE-8",
        "ledger.not_positive",
    ),
    ("fill beyond the balance", paper_fill(quantity=10.0), "PRE-8", "ledger.negative_balance"),
    (
        "short without margin",
        paper_fill(symbol="ETHUSDT", side="sell", quantity=1.0, price=3_400.0, leverage=0.0),
        "PRE-8",
        "ledger.short_without_margin",
    ),
    ("fill undated", paper_fill(timestamp="yesterday"), "PRE-8", "ledger.undated"),
    (
        "ledger line not JSON",
        lambda root: sorted((root / LEDGER).iterdir())[-1].open("a").write("garbage\n"),
        "PRE-8",
        "ledger.line_invalid",
    ),
    ("no paper ledger", delete(LEDGER), "PRE-8", "ledger.empty"),
    (
        "no paper settings",
        core(lambda d: d["environments"]["binance_paper"].pop("adapter_settings")),
        "PRE-8",
        "paper.not_configured",
    ),
    (
        "no paper counterpart",
        core(lambda d: d["environments"]["binance_paper"].__setitem__("exchange", "kraken_spot")),
        "PRE-8",
        "paper.no_counterpart",
    ),
    # ACT-3: limits against paper
    (
        "paper position beyond the live limit",
        paper_fill(quantity=1.0),
        "ACT-3",
        "paper.beyond_live_limit",
    ),
    (
        "live profile undefined for the comparison",
        env_key("risk_profile", "yolo"),
        "ACT-3",
        "paper.live_profile_missing",
    ),
    # PRE-7: the deployment's routes
    (
        "route does not serve the profile",
        core(
            lambda d: d["execution"]["live_router"]["routes"][0].__setitem__(
                "risk_profiles", ["aggressive"]
            )
        ),
        "PRE-7",
        "route.missing",
    ),
    (
        "route without a backup",
        core(
            lambda d: d["execution"]["live_router"]["routes"][0].__setitem__(
                "exchanges", ["binance_spot"]
            )
        ),
        "PRE-7",
        "route.no_backup",
    ),
    # an exchange the gate cannot fake is an error of the gate, not a defect: test_gate_router.py
    (
        "route without exchanges",
        core(lambda d: d["execution"]["live_router"]["routes"].append({"name": "broken"})),
        "PRE-7",
        "route.invalid",
    ),
    (
        "paper smoke run beyond the live drawdown",
        edit_json(
            "audit/smoke_reports/daily_trend_smoke_reference/summary.json",
            lambda d: d["risk_state"].__setitem__("drawdown_pct", 0.08),
        ),
        "ACT-3",
        "paper.beyond_live_limit",
    ),
    # ACT-2: the compliance register
    ("register missing", delete("config/compliance/register.yaml"), "ACT-2", "register.missing"),
    (
        "register expired",
        edit_register(lambda r: r.__setitem__("valid_until", "2026-11-01T00:00:00Z")),
        "ACT-2",
        "register.expired",
    ),
    (
        "register from the future",
        edit_register(lambda r: r.__setitem__("updated_at", "2027-01-01T00:00:00Z")),
        "ACT-2",
        "register.updated_at.in_future",
    ),
    (
        "environment not in register",
        edit_register(lambda r: r["environments"].clear()),
        "ACT-2",
        "register.environment_absent",
    ),
    (
        "register sign-off missing",
        compliance("signoffs", ["compliance:a.nowak", "risk:k.zielinska"]),
        "ACT-2",
        "register.signoff_missing",
    ),
]


@pytest.mark.parametrize(
    ("defect", "mutate", "requirement", "rule"),
    DEFECTS,
    ids=[d[0].replace(" ", "-") for d in DEFECTS],
)
def test_seeded_defect_is_caught_by_its_check(
    defect: str, mutate: Mutation, requirement: str, rule: str, reference: Path
) -> None:
    """Check level (tests/checklevel.py): the gate's own steps for the requirement, run on the
    broken copy without a pytest session."""
    mutate(reference)
    judged = judge_checks(reference, requirements={requirement})
    assert rule in judged.rules(requirement), (defect, judged.findings.get(requirement))
    assert not judged.errors.get(requirement), judged.errors
    assert all(f.file for f in judged.blocking(requirement) if f.rule == rule)


def _one_defect_per_requirement() -> list[tuple[str, Mutation, str, str]]:
    first: dict[str, tuple[str, Mutation, str, str]] = {}
    for defect in DEFECTS:
        first.setdefault(defect[2], defect)
    return [first[r] for r in sorted(first)]


WHOLE_GATE = _one_defect_per_requirement()


@pytest.mark.parametrize(
    ("defect", "mutate", "requirement", "rule"),
    WHOLE_GATE,
    ids=[d[2] for d in WHOLE_GATE],
)
def test_seeded_defect_is_no_go_in_a_whole_gate_run(
    defect: str, mutate: Mutation, requirement: str, rule: str, reference: Path, run_gate
) -> None:
    """One whole run per requirement: the verdict, the explanation, the evidence; and the
    check-level harness finds exactly the blockers the whole run found, requirement by
    requirement (so the harness can stand in for the run in the check-level tests)."""
    mutate(reference)
    gate = run_gate(reference)
    assert gate.verdict == "NO-GO", gate.output
    assert gate.exit_code != 0
    assert gate.status(requirement) == "failed", (defect, gate.requirement(requirement))
    assert rule in gate.rules(requirement), (defect, gate.rules(requirement))
    # the explanation names the requirement and carries the runbook's instruction
    assert f"[{requirement}]" in gate.output and "runbook:" in gate.output
    findings = [f for f in gate.requirement(requirement)["findings"] if f["rule"] == rule]
    assert all(f.get("file") for f in findings), findings
    # the router bench (15 scenarios on fake exchanges) is compared in PRE-7's own run and in
    # test_gate_router.py's whole runs; the other requirements in every run
    compared = {o["id"] for o in gate.evidence["requirements"]}
    if requirement != "PRE-7":
        compared.discard("PRE-7")
    judged = judge_checks(reference, requirements=compared)
    for outcome_id in sorted(compared):
        assert judged.rules(outcome_id) == gate.rules(outcome_id), outcome_id


def test_every_requirement_has_a_whole_gate_no_go_run() -> None:
    from live_gate.catalogue import load_catalogue

    phases = {"live_gate"}
    wanted = {r.id for r in load_catalogue().requirements if set(r.phases) & phases}
    assert wanted <= {d[2] for d in WHOLE_GATE}


@pytest.mark.parametrize(
    ("mutate", "requirement"),
    [
        (edit_register(lambda r: r.pop("register_id")), "ACT-2"),
        (write("config/compliance/register.yaml", b"environments: [unclosed"), "ACT-2"),
    ],
)
def test_unreadable_register_is_an_error(
    mutate: Mutation, requirement: str, reference: Path
) -> None:
    mutate(reference)
    judged = judge_checks(reference, requirements={requirement})
    assert requirement in judged.blocked  # NO-GO
    (error,) = judged.errors[requirement]
    assert "config/compliance/register.yaml" in error


def passed(judged: CheckLevelResult, requirement: str) -> bool:
    """As a whole run's status "passed": the requirement's scenarios ran, nothing blocked,
    nothing raised."""
    return (
        requirement in judged.findings
        and not judged.blocking(requirement)
        and not judged.errors.get(requirement)
    )


def test_policy_caps_come_from_the_gate_config(reference: Path, tmp_path: Path) -> None:
    """The gate config file as ``--gate-config`` reads it (that it reaches a whole run and its
    evidence: test_hostile_a.py's whole run under a policy)."""
    policy = tmp_path / "policy.yaml"
    policy.write_text("risk_caps:\n  max_open_positions: 2\n")
    judged = judge_checks(reference, requirements={"PRE-2"}, policy=policy)
    assert "limit.above_cap" in judged.rules("PRE-2")
    (finding,) = [f for f in judged.blocking("PRE-2") if f.rule == "limit.above_cap"]
    assert finding.field and finding.field.endswith("max_open_positions"), finding.explain()
    assert "2" in (finding.expected or ""), finding.explain()


def test_a_waiver_no_longer_waives_once_expired(reference: Path, tmp_path: Path, run_gate) -> None:
    """The verdict is the whole run's: the same waiver turns ACT-2 into "waived" and the run
    into GO before it expires (test_waivers.py::test_go_with_waivers_is_said_and_listed, on the
    same deployment and waiver), and no longer after."""
    compliance("signoffs", ["compliance:a.nowak", "risk:k.zielinska"])(reference)
    refreeze(reference)
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        yaml.safe_dump(
            {
                "waivers": [
                    {
                        "requirement": "ACT-2",
                        "environment": "binance_live",
                        "reason": "security sign-off delegated during the audit freeze",
                        "approved_by": ["compliance:a.nowak", "cro:j.kowalski"],
                        "expires_at": "2026-11-30T00:00:00Z",
                    }
                ]
            }
        )
    )
    unwaived = judge_checks(reference, requirements={"ACT-2"})  # what the waiver is about
    assert "register.signoff_missing" in unwaived.rules("ACT-2")
    expired = run_gate(reference, f"--gate-config={policy}", as_of="2026-12-01T00:00:00Z")
    assert expired.status("ACT-2") == "failed"
    assert expired.verdict == "NO-GO"


def test_licence_expiry_turns_the_reference_no_go(reference: Path) -> None:
    """Built for 2026-11-20, the licence expires 335 days later: GO before, NO-GO after."""
    assert passed(judge_checks(reference, requirements={"PRE-4"}), "PRE-4")
    late = judge_checks(reference, requirements={"PRE-4"}, as_of="2027-10-22T12:00:00Z")
    assert "license.expired" in late.rules("PRE-4")


def expiring_soon(root: Path) -> None:
    licence_payload(lambda p: p.__setitem__("expires_at", "2026-12-10T00:00:00Z"))(root)


def test_licence_expiring_soon_is_a_warning(reference: Path) -> None:
    expiring_soon(reference)
    judged = judge_checks(reference, requirements={"PRE-4"})
    assert passed(judged, "PRE-4"), (judged.findings, judged.errors)
    assert [w.rule for w in judged.warnings("PRE-4")] == ["license.expiring_soon"]
    assert "expires in 19 days" in judged.warnings("PRE-4")[0].message


def test_a_go_report_shows_its_warnings_and_the_ai_key_figures(reference: Path, run_gate) -> None:
    """What a GO run presents (a whole run): a warning is visible in the requirement's reason
    and in the report, and the report states the AI validation's key figures."""
    expiring_soon(reference)
    gate = run_gate(reference)
    assert gate.verdict == "GO", gate.output
    assert gate.status("PRE-4") == "passed"
    warnings = [f for f in gate.requirement("PRE-4")["findings"] if f["severity"] == "warning"]
    assert [w["rule"] for w in warnings] == ["license.expiring_soon"]
    assert "warning" in gate.requirement("PRE-4")["reason"]
    html = gate.report()
    assert "expires in 19 days" in html
    assert "MAE per window" in html and "11.8, 13.1, 12.4 (maximum 20)" in html
    assert "0.07 against threshold 0.35" in html


def test_schema_failures_name_the_json_path(reference: Path) -> None:
    wf(lambda d: d["walk_forward"]["windows"][1].__setitem__("mae", "low"))(reference)
    judged = judge_checks(reference, requirements={"PRE-6"})
    (finding,) = [f for f in judged.findings["PRE-6"] if f.rule == "ai.report_invalid"]
    assert "$.walk_forward.windows[1].mae" in finding.message
    assert (finding.file or "").startswith("audit/ai_decision/walk_forward/")


def test_an_older_report_with_a_newer_mtime_is_not_latest(reference: Path) -> None:
    oldest = min((reference / AI / "drift").glob("*.json"), key=lambda p: p.name)
    data = json.loads(oldest.read_text())
    data["metrics"]["feature_drift"]["score"] = 0.9
    oldest.write_text(json.dumps(data))  # touched last, but not the greatest name
    judged = judge_checks(reference, requirements={"PRE-6"})
    assert passed(judged, "PRE-6"), (judged.findings, judged.errors)


@pytest.mark.parametrize(
    "relative",
    [
        MANIFEST,
        f"{CACHE}/ohlcv_parquet/binance_spot/BTCUSDT/1h/year=2026/month=11/data.parquet",
    ],
)
def test_unreadable_market_data_is_an_error(relative: str, reference: Path) -> None:
    (reference / relative).write_bytes(b"this is not the bot's format")
    judged = judge_checks(reference, requirements={"PRE-5"})
    assert "PRE-5" in judged.blocked  # NO-GO
    (error,) = judged.errors["PRE-5"]
    assert relative in error


def _rules_in_checks() -> set[str]:
    """Every blocking rule the checks can emit, read from their source."""
    import re

    from tests.conftest import REPO

    rules = set()
    for path in (REPO / "live_gate" / "checks").glob("*.py"):
        for match in re.finditer(r'out\.block\(\s*"([^"]+)"', path.read_text()):
            rules.add(match.group(1))
    return rules


# dynamic rule names: f"license.{key}_unset" and f"{prefix}.<suffix>" with their expansions
TEMPLATED = {
    "license.license_keys_path_unset",
    "license.key_missing",
    "license.fingerprint.signature_invalid",
    "revocation.key_missing",
    "license.unsigned",
    "revocation.unsigned",
    "license.signature_algorithm",
    "license.signature_invalid",
    "license.fingerprint_payload.signature_invalid",
    "revocation.signature_invalid",
}


def test_every_blocking_rule_has_a_seeded_defect() -> None:
    """Principle 2, checked mechanically: a rule nobody breaks on purpose is a rule that may
    never fire."""
    from tests.test_bot_config_metrics import METRICS_DEFECTS
    from tests.test_bot_config_runtime import RUNTIME_DEFECTS
    from tests.test_fidelity import FIDELITY_DEFECTS
    from tests.test_gate_close import CLOSE_DEFECTS
    from tests.test_gate_router import BROKEN_ROUTERS, BROKEN_SIMULATORS
    from tests.test_hostile_a import HOSTILE_DEFECTS_A, HOSTILE_POLICY_DEFECTS_A
    from tests.test_hostile_b import HOSTILE_DEFECTS_B
    from tests.test_hostile_c import HOSTILE_DEFECTS_C

    seeded = DEFECTS + CLOSE_DEFECTS + HOSTILE_DEFECTS_A + HOSTILE_DEFECTS_B + HOSTILE_DEFECTS_C
    seeded += FIDELITY_DEFECTS
    seeded += METRICS_DEFECTS + RUNTIME_DEFECTS
    covered = (
        {rule for *_, rule in seeded}
        | {rule for *_, rule in HOSTILE_POLICY_DEFECTS_A}
        | {r for _, rules in BROKEN_ROUTERS + BROKEN_SIMULATORS for r in rules}
    )
    missing = sorted(_rules_in_checks() - covered)
    assert missing == [], f"blocking rules without a seeded-defect self-test: {missing}"
    assert covered >= TEMPLATED


def test_a_test_alert_older_than_the_window_does_not_count(reference: Path) -> None:
    later = "2026-11-21T10:00:00Z"  # the test alert is 25 h old
    judged = judge_checks(reference, requirements={"ACT-4"}, as_of=later)
    assert "alert_test.channel_missing" in judged.rules("ACT-4")


def test_an_acknowledged_critical_alert_is_not_open(reference: Path) -> None:
    alert_lines(
        alert(
            "telegram:primary",
            "risk",
            "critical",
            "Daily loss limit breached",
            "2026-11-20T10:00:00+00:00",
            alert_id="alrt-0002",
        ),
        alert(
            "email:ops",
            "acknowledgement",
            "info",
            "ack",
            "2026-11-20T10:05:00+00:00",
            acknowledges="alrt-0002",
            acknowledged_by="sre:m.lewandowski",
        ),
    )(reference)
    judged = judge_checks(reference, requirements={"ESC-1"})
    assert passed(judged, "ESC-1"), (judged.findings, judged.errors)


def test_esc1_message_gives_the_runbook_response(reference: Path) -> None:
    alert_lines(
        alert(
            "telegram:primary",
            "risk",
            "critical",
            "Daily loss limit breached",
            "2026-11-20T10:00:00+00:00",
        )
    )(reference)
    message = judge_checks(reference, requirements={"ESC-1"}).findings["ESC-1"][0].message
    assert "enable_auto_trade to False" in message and "activate_emergency_mode" in message
    assert "#sec-alerts" in message


def test_live_gate_freeze_is_accepted_and_later_changes_fail(reference: Path) -> None:
    """`live-gate freeze` as an operator runs it; the freeze judged at check level."""
    import subprocess
    import sys

    def act1() -> CheckLevelResult:
        return judge_checks(reference, requirements={"ACT-1"})

    touch_config(reference)
    assert "freeze.config_changed" in act1().rules("ACT-1")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "live_gate.cli",
            "freeze",
            str(reference),
            "--key-id",
            "kl-freeze-demo",
            "--stakeholder",
            "compliance",
            "--as-of",
            "2026-11-20T11:00:00Z",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    refrozen = act1()
    assert passed(refrozen, "ACT-1"), (refrozen.findings, refrozen.errors)
    touch_config(reference)
    assert "freeze.config_changed" in act1().rules("ACT-1")


def test_freeze_refuses_without_its_key(reference: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "live_gate.cli", "freeze", str(reference), "--key-id", "nobody"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "no HMAC key" in done.stderr


def test_dry_run_reasons_are_recomputed_despite_the_upstream_bug(reference: Path) -> None:
    dry_run(block_item("alerting", "alert throttle not configured"))(reference)
    findings = judge_checks(reference, requirements={"ACT-7"}).findings["ACT-7"]
    blocked = [f for f in findings if f.rule == "dry_run.item_not_ok"]
    assert "alert throttle not configured" in blocked[0].message
    assert any(f.rule == "dry_run.report_blocking_reasons_empty" for f in findings)


def test_esc3_advice(reference: Path) -> None:
    adapter_status(reconnect_required=True)(reference)
    message = judge_checks(reference, requirements={"ESC-3"}).findings["ESC-3"][0].message
    assert "paper/testnet" in message and "STAGE6_RESILIENCE_CHECKLIST" in message


def test_esc3_blocks_the_paper_nightly_run_too(reference: Path) -> None:
    edit_json(
        "var/data/binance_paper/adapters/failover_status.json",
        lambda d: d["adapters"]["binance_spot"].__setitem__("reconnect_required", True),
    )(reference)
    judged = judge_checks(
        reference, requirements={"ESC-3"}, phase="paper_nightly", env="binance_paper"
    )
    assert judged.problems == [] and "ESC-3" in judged.blocked, judged.problems
    assert judged.blocking("ESC-3") and not judged.errors.get("ESC-3"), judged.errors


def test_live_auto_confirm_with_an_unattended_start(reference: Path) -> None:
    entrypoint(lambda e: e.__setitem__("trusted_auto_confirm", True))(reference)
    auto_trader_log(reference, ["Controller runner attached", "AutoTrader started."])
    refreeze(reference)
    judged = judge_checks(reference, requirements={"ACT-6"})
    assert passed(judged, "ACT-6"), (judged.findings, judged.errors)


def test_act3_states_both_numbers(reference: Path) -> None:
    paper_fill(quantity=1.0)(reference)
    finding = next(
        f
        for f in judge_checks(reference, requirements={"ACT-3"}).findings["ACT-3"]
        if f.rule == "paper.beyond_live_limit"
    )
    assert "largest position share" in finding.message
    assert finding.expected == "paper <= 0.03"
    assert float(finding.found or "nan") > 0.5
