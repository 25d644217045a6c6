"""Build the reference deployment for an evaluation instant.

Everything is derived from ``as_of`` (sign-offs ten days before it, alert logs in the days before
it), so the deployment is byte-for-byte deterministic for a given ``as_of`` and never goes stale.
Keys under ``secrets/`` are demo keys, unique strings that exist nowhere else, so the self-tests
can prove that no secret reaches the report, the evidence or the terminal.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from live_gate import signing
from live_gate.checksums import write_checksums
from live_gate.freeze import write_freeze
from live_gate.localfiles import sha256_file
from live_gate.reference import REFERENCE_LIVE_ENV, REFERENCE_PAPER_ENV
from live_gate.timeutil import iso

__all__ = ["REFERENCE_LIVE_ENV", "REFERENCE_PAPER_ENV", "build"]
# Risk profiles with names of their own: a profile named conservative/balanced/aggressive is the
# bot's built-in class whatever core.yaml says (risk/profiles/loader.py:57-61), and the built-in
# limits (max_position_pct 0.30, max_daily_loss_pct 0.04) exceed the gate's caps. Any other name
# is a ManualProfile built from the configured values, which are the ones reviewed here.
PROFILE_LIVE = "conservative_live"
PROFILE_PAPER = "balanced_paper"

# Demo HMAC keys. Never used outside the reference deployment; the self-tests look for them in
# every output to prove that secrets do not leak.
DEMO_KEYS: dict[str, str] = {
    "kl-compliance-demo": "demo-compliance-hmac-7f3c9a1e5b2d4c6a8e0f1a3b5c7d9e1f",
    "kl-risk-demo": "demo-risk-hmac-2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e0b",
    "kl-security-demo": "demo-security-hmac-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b",
    "kl-freeze-demo": "demo-freeze-hmac-5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f",
}

# Licence HMAC keys (key files use the bot's "hex:" encoding, FORMATS.md §3.1).
LICENCE_KEYS: dict[str, dict[str, str]] = {
    "license_keys.json": {"lic-oem-demo": "demo-licence-hmac-4d1e8c7b2a9f6e3d0c5b8a7f4e1d2c3b"},
    "fingerprint_keys.json": {"fp-demo": "demo-fingerprint-hmac-8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e"},
    "revocation_keys.json": {"rev-demo": "demo-revocation-hmac-1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d"},
}
LICENCE_ID = "OEM-KL-2026-0042"
FINGERPRINT = "3f1c5a7e9b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a"

SIGNOFFS = {
    "compliance": ("compliance:a.nowak", "Anna Nowak"),
    "security": ("security:p.wisniewski", "Piotr Wiśniewski"),
    "risk": ("risk:k.zielinska", "Katarzyna Zielińska"),
}

# (name, folder, file, signer role, key id)
DOCUMENTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("kyc_packet", "compliance/live/binance", "kyc_packet.pdf", "compliance", "kl-compliance-demo"),
    (
        "risk_profile_alignment",
        "risk/live/binance",
        "risk_profile_alignment.pdf",
        "risk",
        "kl-risk-demo",
    ),
    (
        "penetration_report",
        "security/live/binance",
        "penetration_report.pdf",
        "security",
        "kl-security-demo",
    ),
    (
        "alerting_playbook",
        "sre/live/binance",
        "alerting_playbook.pdf",
        "compliance",
        "kl-compliance-demo",
    ),
)

ALERT_CHANNELS = ["telegram:primary", "sms:orange_local", "email:ops"]


def _risk_profiles() -> dict[str, Any]:
    # The values of the bot's own profiles (core.yaml:1-75), under names of their own.
    return {
        PROFILE_LIVE: {
            "max_daily_loss_pct": 0.01,
            "max_position_pct": 0.03,
            "target_volatility": 0.07,
            "max_leverage": 2.0,
            "stop_loss_atr_multiple": 1.0,
            "max_open_positions": 3,
            "hard_drawdown_pct": 0.05,
            "data_quality": {"max_gap_minutes": 1440.0, "min_ok_ratio": 0.92},
        },
        PROFILE_PAPER: {
            "max_daily_loss_pct": 0.015,
            "max_position_pct": 0.05,
            "target_volatility": 0.11,
            "max_leverage": 3.0,
            "stop_loss_atr_multiple": 1.5,
            "max_open_positions": 5,
            "hard_drawdown_pct": 0.1,
            "data_quality": {"max_gap_minutes": 2160.0, "min_ok_ratio": 0.9},
        },
    }


def _throttle() -> dict[str, Any]:
    return {
        "window_seconds": 180,
        "exclude_severities": ["critical"],
        "exclude_categories": ["health"],
        "max_entries": 4096,
    }


def _audit() -> dict[str, Any]:
    return {
        "backend": "file",
        "directory": "audit/alerts",
        "filename_pattern": "alerts-%Y%m%d.jsonl",
        "retention_days": 730,
        "fsync": True,
    }


def _journal() -> dict[str, Any]:
    return {
        "backend": "file",
        "directory": "audit/decisions",
        "filename_pattern": "decisions-%Y%m%d.jsonl",
        "retention_days": 730,
        "fsync": True,
    }


def _document_bytes(name: str, as_of: datetime) -> bytes:
    # A small, valid-looking PDF whose content is deterministic for the instant.
    text = f"KryptoLowca live readiness - {name} - prepared {iso(as_of - timedelta(days=12))}"
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n% " + text.encode("utf-8") + b"\n%%EOF\n"


def _core_config(as_of: datetime, documents: list[dict[str, Any]]) -> dict[str, Any]:
    signed_at = iso(as_of - timedelta(days=10))
    live_env: dict[str, Any] = {
        "exchange": "binance_spot",
        "environment": "live",
        "keychain_key": "binance_live_trading",
        "credential_purpose": "trading",
        "data_cache_path": "./var/data/binance_live",
        "risk_profile": PROFILE_LIVE,
        "default_strategy": "core_daily_trend",
        "default_controller": "daily_trend_core",
        "alert_channels": list(ALERT_CHANNELS),
        "ip_allowlist": ["203.0.113.10", "203.0.113.11"],
        "required_permissions": ["read", "trade"],
        "forbidden_permissions": ["withdraw"],
        "instrument_universe": "core_spot",
        "alert_throttle": _throttle(),
        "alert_audit": _audit(),
        "decision_journal": _journal(),
        "live_readiness": {
            "checklist_id": f"stage6-binance-{as_of.year}q{(as_of.month - 1) // 3 + 1}",
            "signed": True,
            "signed_by": ["compliance", "security", "risk"],
            "signed_at": signed_at,
            "signature_path": "compliance/live/binance/checklist.sig",
            "required_documents": [d["name"] for d in documents],
            "documents": documents,
        },
    }
    paper_env: dict[str, Any] = {
        "exchange": "binance_spot",
        "environment": "paper",
        "keychain_key": "binance_paper_trading",
        "credential_purpose": "trading",
        "data_cache_path": "./var/data/binance_paper",
        "risk_profile": PROFILE_PAPER,
        "default_strategy": "core_daily_trend",
        "default_controller": "daily_trend_core",
        "alert_channels": ["telegram:primary", "email:ops"],
        "ip_allowlist": [],
        "required_permissions": ["read", "trade"],
        "forbidden_permissions": ["withdraw"],
        "instrument_universe": "core_spot",
        "data_quality": {"max_gap_minutes": 240, "min_ok_ratio": 0.95},
        "adapter_settings": {
            "paper_trading": {
                "valuation_asset": "USDT",
                "position_size": 0.1,
                "initial_balances": {"USDT": 100000.0},
                "default_market": {"min_quantity": 0.001, "min_notional": 10.0, "step_size": 0.001},
                "ledger_directory": "audit/ledger",
                "ledger_retention_days": 730,
                "ledger_fsync": True,
            }
        },
        "alert_throttle": {**_throttle(), "window_seconds": 300},
        "alert_audit": _audit(),
        "decision_journal": _journal(),
    }
    signoffs = [SIGNOFFS[role][0] for role in ("compliance", "security", "risk")]
    return {
        "risk_profiles": _risk_profiles(),
        "license": _licence_section(),
        "permission_profiles": {
            "trading_default": {
                "required_permissions": ["read", "trade"],
                "forbidden_permissions": ["withdraw"],
            },
        },
        "runtime_entrypoints": {
            "auto_trader_live": {
                "environment": REFERENCE_LIVE_ENV,
                "description": "AutoTrader runtime for the Binance live window.",
                "controller": "daily_trend_core",
                "strategy": "core_daily_trend",
                "risk_profile": PROFILE_LIVE,
                "tags": ["live", "autotrader"],
                "trusted_auto_confirm": False,
                "compliance": {
                    "live_allowed": True,
                    "signed": True,
                    "risk_profiles": [PROFILE_LIVE],
                    "signoffs": signoffs,
                    "require_signoff": True,
                },
            },
            "auto_trader": {
                "environment": REFERENCE_PAPER_ENV,
                "description": "AutoTrader runtime (paper).",
                "controller": "daily_trend_core",
                "strategy": "core_daily_trend",
                "risk_profile": PROFILE_PAPER,
                "tags": ["desktop", "autotrader"],
                "trusted_auto_confirm": False,
                "compliance": {
                    "live_allowed": False,
                    "signed": False,
                    "risk_profiles": [PROFILE_PAPER],
                    "signoffs": [],
                    "require_signoff": True,
                },
            },
        },
        "exchange_lifecycle": {"zonda_spot": {"status": "disabled"}},
        "execution": {
            "live_router": {
                "decision_log": {
                    "path": "audit/decision_logs/live_execution.jsonl",
                    "hmac_key_env": "LIVE_DECISION_LOG_HMAC",
                    "key_id": "live-router",
                },
                "routes": [
                    {
                        "name": "core_spot",
                        "exchanges": ["binance_spot", "kraken_spot"],
                        "symbols": ["BTCUSDT", "ETHUSDT"],
                        "risk_profiles": [PROFILE_LIVE, PROFILE_PAPER],
                        "latency_budget_ms": 250.0,
                        "max_retries_per_exchange": 2,
                        "allow_cross_exchange_fallback": True,
                        "metadata": {"escalation_channel": "ops"},
                    },
                ],
                "qos": {"per_exchange_concurrency": {"binance_spot": 2, "kraken_spot": 2}},
                "metrics": {"latency_alert_threshold_ms": 350.0, "fallback_alert_threshold": 3},
            }
        },
        # The strategy and controller the environments' default_strategy/default_controller
        # name: the bot's assert_core_config_valid (PRE-0) refuses defaults that name nothing.
        # The controller's interval must be one the universe backfills (1h here).
        "strategies": {
            "core_daily_trend": {
                "engine": "daily_trend_momentum",
                "parameters": {
                    "fast_ma": 25,
                    "slow_ma": 100,
                    "breakout_lookback": 55,
                    "momentum_window": 20,
                    "atr_window": 14,
                    "atr_multiplier": 2.0,
                    "min_trend_strength": 0.005,
                    "min_momentum": 0.001,
                },
            },
        },
        "runtime": {"controllers": {"daily_trend_core": {"tick_seconds": 3600, "interval": "1h"}}},
        "instrument_universes": {"core_spot": UNIVERSE},
        "environments": {REFERENCE_PAPER_ENV: paper_env, REFERENCE_LIVE_ENV: live_env},
        "alerts": {
            "telegram_channels": {
                "primary": {
                    "chat_id": "100200300",
                    "token_secret": "telegram_primary_token",
                    "parse_mode": "MarkdownV2",
                },
            },
            "email_channels": {
                "ops": {
                    "host": "smtp.example.com",
                    "port": 587,
                    "from_address": "bot@example.com",
                    "recipients": ["ops@example.com"],
                    "credential_secret": "smtp_ops_credentials",
                    "use_tls": True,
                },
            },
            "sms_providers": {
                "orange_local": {
                    "provider": "orange_pl",
                    "api_base_url": "https://api.orange.pl/sms/v1",
                    "from_number": "+48500100100",
                    "recipients": ["+48555111222"],
                    "allow_alphanumeric_sender": True,
                    "sender_id": "BOT-ORANGE",
                    "credential_key": "orange_sms_credentials",
                },
            },
        },
    }


def _licence_section() -> dict[str, Any]:
    # The bot's own licence policy (core.yaml:338-352), with a live profile allowed.
    return {
        "license_path": "var/licenses/active/license.json",
        "fingerprint_path": "var/licenses/active/fingerprint.json",
        "license_keys_path": "secrets/license_keys.json",
        "fingerprint_keys_path": "secrets/fingerprint_keys.json",
        "allowed_profiles": ["live", "paper"],
        "allowed_issuers": ["qa", "security"],
        "max_validity_days": 1095,
        "required_schema": "core.oem.license",
        "allowed_schema_versions": ["1.0"],
        "revocation_list_path": "var/licenses/active/revocations.json",
        "revocation_required": True,
        "revocation_list_max_age_hours": 12,
        "revocation_keys_path": "secrets/revocation_keys.json",
        "revocation_signature_required": True,
    }


def _write_licences(root: Path, as_of: datetime) -> None:
    for name, keys in LICENCE_KEYS.items():
        encoded = {k: "hex:" + v.encode("utf-8").hex() for k, v in keys.items()}
        _write(root / "secrets" / name, json.dumps({"keys": encoded}, indent=2))

    def key(file: str, key_id: str) -> bytes:
        return LICENCE_KEYS[file][key_id].encode("utf-8")

    active = root / "var" / "licenses" / "active"
    licence = {
        "schema": "core.oem.license",
        "schema_version": "1.0",
        "license_id": LICENCE_ID,
        "issuer": "security",
        "profile": "live",
        "issued_at": iso(as_of - timedelta(days=30)),
        "expires_at": iso(as_of + timedelta(days=335)),
        "fingerprint": {"algorithm": "sha256", "value": FINGERPRINT},
    }
    envelope = signing.sign(
        licence, key("license_keys.json", "lic-oem-demo"), "lic-oem-demo", "HMAC-SHA384"
    )
    _write(active / "license.json", json.dumps(envelope, indent=2, sort_keys=True))
    fingerprint = {
        "version": 1,
        "collected_at": iso(as_of - timedelta(days=30)),
        "components": {"cpu": "x86_64", "host": "kl-live-01"},
        "component_digests": {"cpu": "sha256:2c1f", "host": "sha256:9ab0"},
        "fingerprint": {"algorithm": "sha256", "value": FINGERPRINT},
    }
    _write(
        active / "fingerprint.json",
        json.dumps(
            signing.sign(fingerprint, key("fingerprint_keys.json", "fp-demo"), "fp-demo"),
            indent=2,
            sort_keys=True,
        ),
    )
    revocations = {
        "generated_at": iso(as_of - timedelta(hours=1)),
        "revoked": [
            {
                "license_id": "OEM-KL-2025-0007",
                "reason": "superseded",
                "revoked_at": iso(as_of - timedelta(days=40)),
            }
        ],
    }
    _write(
        active / "revocations.json",
        json.dumps(
            signing.sign(revocations, key("revocation_keys.json", "rev-demo"), "rev-demo"),
            indent=2,
            sort_keys=True,
        ),
    )


# Test cases named after the bot's own tests (FORMATS.md §6.5), per runbook §1.1 command.
QUICK_TEST_CASES: dict[str, tuple[str, ...]] = {
    "lint_paths": ("scripts.lint_paths::bot_core", "scripts.lint_paths::scripts"),
    "mypy": ("mypy::bot_core",),
    "e2e_demo_paper": ("tests.e2e.test_demo_paper::test_demo_to_paper_flow",),
    "paper_execution": (
        "tests.test_paper_execution::test_buy_consumes_quote_and_adds_base",
        "tests.test_paper_execution::test_short_with_zero_balance_is_rejected",
        "tests.test_paper_execution::test_slippage_direction",
        "tests.test_paper_execution::test_ledger_entry_fields",
    ),
    "router_failover": (
        "tests.integration.test_execution_router_failover::"
        "test_live_router_failover_to_backup_exchange",
        "tests.integration.test_execution_router_failover::"
        "test_live_router_enforces_rate_limit_per_exchange",
    ),
}


def _write_quick_tests(root: Path, as_of: datetime) -> None:
    stamp = (as_of - timedelta(hours=2)).isoformat()
    for command, cases in QUICK_TEST_CASES.items():
        body = "".join(
            f'<testcase classname="{case.split("::")[0]}" name="{case.split("::")[1]}" '
            'time="0.012" />'
            for case in cases
        )
        xml = (
            '<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests">'
            f'<testsuite name="{command}" errors="0" failures="0" skipped="0" '
            f'tests="{len(cases)}" time="1.204" timestamp="{stamp}" hostname="kl-live-01">'
            f"{body}</testsuite></testsuites>\n"
        )
        _write(root / "var" / "audit" / "quick_tests" / f"{command}.xml", xml)


def _ai_reports(as_of: datetime) -> dict[str, dict[str, Any]]:
    """The three AI audit reports, shaped as bot_core/ai/audit.py writes them."""
    generated = (as_of - timedelta(days=2)).replace(microsecond=0)
    stamp = generated.isoformat()  # the bot writes +00:00, not Z
    start = generated.timestamp() - 90 * 86400
    windows = [
        {
            "start_timestamp": float(start + i * 86400 * 30),
            "end_timestamp": float(start + (i + 1) * 86400 * 30),
            "mae": mae,
            "directional_accuracy": accuracy,
        }
        for i, (mae, accuracy) in enumerate(((11.8, 0.58), (13.1, 0.56), (12.4, 0.57)))
    ]
    walk_forward = {
        "job_name": "daily_trend:BTCUSDT",
        "generated_at": stamp,
        "trainer_backend": "builtin",
        "dataset": {"rows": 129600, "metadata": {"symbol": "BTCUSDT", "interval": "1m"}},
        "walk_forward": {
            "average_mae": 12.43,
            "average_directional_accuracy": 0.57,
            "windows": windows,
            "train_window": 43200,
            "test_window": 43200,
            "step": 43200,
        },
        "sign_off": {
            "compliance": {
                "status": "approved",
                "signed_by": "compliance:a.nowak",
                "timestamp": stamp,
                "notes": "Reviewed with the KYC packet",
            },
            "risk": {
                "status": "approved",
                "signed_by": "risk:k.zielinska",
                "timestamp": stamp,
                "notes": "Within conservative limits",
            },
        },
    }
    data_quality = {
        "generated_at": stamp,
        "job_name": "pipeline:BTCUSDT:completeness",
        "source": "ai_manager:completeness",
        "tags": ["binance_live", "ohlcv"],
        "issues": [],
        "summary": {
            "status": "ok",
            "observed_rows": 129600,
            "expected_rows": 129600,
            "total_gaps": 0,
            "missing_ratio": 0.0,
            "ok_ratio": 1.0,
            "frequency_seconds": 60,
        },
    }
    features = {
        name: {
            "baseline_mean": mean,
            "production_mean": mean * 1.01,
            "baseline_std": 1.0,
            "production_std": 1.02,
            "baseline_count": 4320,
            "production_count": 1440,
            "psi": psi,
            "ks": ks,
        }
        for name, mean, psi, ks in (
            ("momentum_1h", 0.12, 0.04, 0.03),
            ("volatility_1d", 0.31, 0.07, 0.05),
        )
    }
    drift = {
        "generated_at": stamp,
        "job_name": "pipeline:BTCUSDT",
        "detector": "ai_manager.detect_drift",
        "threshold": 0.35,
        "baseline_window": {
            "rows": 4320,
            "start": iso(generated - timedelta(days=4)),
            "end": iso(generated - timedelta(days=1)),
        },
        "production_window": {
            "rows": 1440,
            "start": iso(generated - timedelta(days=1)),
            "end": iso(generated),
        },
        "metrics": {
            "feature_drift": {"score": 0.07, "psi": 0.07, "ks": 0.05, "threshold": 0.35},
            "volatility_shift": {"score": 0.02},
            "triggered": {"value": False},
            "distribution_summary": {
                "features_evaluated": 2,
                "insufficient_features": [],
                "psi_threshold": 0.35,
                "ks_threshold": 0.1,
                "max_psi": 0.07,
                "max_ks": 0.05,
                "triggered_features": [],
            },
            "features": features,
        },
    }
    return {"walk_forward": walk_forward, "data_quality": data_quality, "drift": drift}


def _write_ai_reports(root: Path, as_of: datetime) -> None:
    audit = root / "audit" / "ai_decision"
    for kind, report in _ai_reports(as_of).items():
        generated = datetime.fromisoformat(report["generated_at"])
        for age, body in (
            (
                timedelta(days=9),
                {**report, "generated_at": (generated - timedelta(days=9)).isoformat()},
            ),
            (timedelta(0), report),
        ):
            name = (generated - age).strftime("%Y%m%dT%H%M%SZ") + ".json"
            text = json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False)
            _write(audit / kind / name, text)


UNIVERSE: dict[str, Any] = {
    "description": "Reference spot basket: BTC and ETH against USDT.",
    "instruments": {
        "BTC_USDT": {
            "base_asset": "BTC",
            "quote_asset": "USDT",
            "categories": ["core", "btc"],
            "exchanges": {"binance_spot": "BTCUSDT", "kraken_spot": "XBTUSDT"},
            "backfill": [
                {"interval": "1m", "lookback_days": 3},
                {"interval": "1h", "lookback_days": 60},
            ],
        },
        "ETH_USDT": {
            "base_asset": "ETH",
            "quote_asset": "USDT",
            "categories": ["core", "eth"],
            "exchanges": {"binance_spot": "ETHUSDT", "kraken_spot": "ETHUSDT"},
            "backfill": [{"interval": "1h", "lookback_days": 60}],
        },
    },
}


def write_ohlcv_cache(
    cache: Path,
    namespace: str,
    exchange: str,
    as_of: datetime,
    universe: dict[str, Any] = UNIVERSE,
    *,
    extra_bars: int = 24,
) -> None:
    """The bot's OHLCV cache: monthly Parquet partitions and the SQLite manifest, with bars up
    to the last complete one before ``as_of``."""
    import sqlite3

    import pyarrow as pa
    import pyarrow.parquet as pq

    from live_gate.resources.market_data import INTERVAL_MINUTES

    manifest: dict[str, str] = {}
    for instrument in universe["instruments"].values():
        symbol = instrument["exchanges"].get(exchange)
        if not symbol:
            continue
        base_price = 64_000.0 if symbol.startswith(("BTC", "XBT")) else 3_400.0
        for window in instrument["backfill"]:
            interval = window["interval"]
            step = INTERVAL_MINUTES[interval] * 60_000
            now_ms = int(as_of.timestamp() * 1000)
            last = (now_ms // step) * step - step
            count = -(-int(window["lookback_days"] * 1440) // INTERVAL_MINUTES[interval])
            count += extra_bars
            times = [last - (count - 1 - i) * step for i in range(count)]
            by_month: dict[tuple[int, int], list[int]] = {}
            for stamp in times:
                day = datetime.fromtimestamp(stamp / 1000, tz=as_of.tzinfo)
                by_month.setdefault((day.year, day.month), []).append(stamp)
            for (year, month), stamps in by_month.items():
                closes = [base_price * (1 + 0.01 * ((t // step) % 17 - 8) / 8) for t in stamps]
                table = pa.table(
                    {
                        "open_time": [float(t) for t in stamps],
                        "open": closes,
                        "high": [c * 1.001 for c in closes],
                        "low": [c * 0.999 for c in closes],
                        "close": closes,
                        "volume": [12.5 + (t // step) % 7 for t in stamps],
                    }
                )
                target = (
                    cache
                    / "ohlcv_parquet"
                    / namespace
                    / symbol
                    / interval
                    / f"year={year:04d}"
                    / f"month={month:02d}"
                    / "data.parquet"
                )
                target.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(table, target)
            manifest[f"last_timestamp::{symbol}::{interval}"] = str(last)
            manifest[f"row_count::{symbol}::{interval}"] = str(count)
    cache.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(cache / "ohlcv_manifest.sqlite")
    with connection:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS metadata (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
        )
        connection.executemany(
            "INSERT INTO metadata(key, value) VALUES(?, ?)", sorted(manifest.items())
        )
    connection.close()


def _risk_state(profile: str, as_of: datetime) -> str:
    """What ``FileRiskRepository.store`` writes (``risk/repository.py:122-136``,
    ``risk/state.py:82-107``): compact JSON, non-ASCII kept, a newline. Only dates: current_day is
    the evaluation's UTC date."""
    day = as_of.astimezone(UTC).date()
    state = {
        "profile": profile,
        "current_day": day.isoformat(),
        "start_of_week": (day - timedelta(days=day.weekday())).isoformat(),
        "start_of_day_equity": 250_000.0,
        "daily_realized_pnl": -310.5,
        "weekly_realized_pnl": -310.5,
        "peak_equity": 250_000.0,
        "force_liquidation": False,
        "last_equity": 249_689.5,
        "positions": {},
        "start_of_week_equity": 250_000.0,
        "rolling_profit_30d": 0.0,
        "rolling_costs_30d": 0.0,
        "hedge_mode": False,
        "hedge_reason": None,
        "hedge_activated_at": None,
        "hedge_cooldown_until": None,
    }
    return json.dumps(state, ensure_ascii=False, separators=(",", ":")) + "\n"


def _alert_records(as_of: datetime, channels: list[str]) -> list[dict[str, str]]:
    """Three days of the bot's own alert traffic, in FileAlertAuditLog's key order: heartbeats,
    a risk warning, one acknowledged critical alert, and the runbook §2.4 test alert of severity
    critical on every channel three hours before the evaluation instant."""
    base = as_of.replace(microsecond=0)
    traffic: list[tuple[timedelta, str, str, str, dict[str, str]]] = [
        (timedelta(days=3), "health", "info", "Heartbeat", {}),
        (timedelta(days=2), "risk", "warning", "Daily loss at 60% of limit", {}),
        (
            timedelta(hours=30),
            "execution",
            "critical",
            "Exchange latency above budget",
            {"alert_id": "alrt-0001"},
        ),
        (
            timedelta(hours=3),
            "alerting_test",
            "critical",
            "Alert integration test",
            {"test_run": "runbook-2.4"},
        ),
        (timedelta(hours=1), "health", "info", "Heartbeat", {}),
    ]
    records = []
    for ago, category, severity, title, context in traffic:
        stamp = (base - ago).isoformat()
        for channel in channels:
            record = {
                "channel": channel,
                "category": category,
                "title": title,
                "severity": severity,
                "timestamp": stamp,
                "created_at": stamp,
            }
            record.update({f"ctx_{k}": v for k, v in context.items()})
            record["body"] = f"{title} ({category})"
            records.append(record)
    ack = (base - timedelta(hours=29)).isoformat()
    records.append(
        {
            "channel": channels[0],
            "category": "acknowledgement",
            "title": "Acknowledged: Exchange latency above budget",
            "severity": "info",
            "timestamp": ack,
            "created_at": ack,
            "ctx_acknowledges": "alrt-0001",
            "ctx_acknowledged_by": "sre:m.lewandowski",
            "body": "Failover to backup route confirmed",
        }
    )
    return records


PAPER_FILLS: tuple[tuple[float, str, str, float, float, str], ...] = (
    # (hours before as-of, symbol, side, quantity, fill price, maker|taker)
    (70.0, "BTCUSDT", "buy", 0.02, 64_032.0, "taker"),
    (69.5, "ETHUSDT", "buy", 0.5, 3_401.7, "maker"),
    (50.0, "BTCUSDT", "sell", 0.02, 64_467.75, "taker"),
    (26.0, "ETHUSDT", "sell", 0.5, 3_378.31, "maker"),
    (20.0, "BTCUSDT", "buy", 0.03, 64_232.1, "taker"),
)


def _write_paper_ledger(cache: Path, as_of: datetime) -> None:
    """Fills of the paper simulator (paper.py ledger format), small enough for the live
    conservative profile: ACT-3 compares them with it."""
    fees = {"maker": 0.0004, "taker": 0.0006}
    by_day: dict[str, list[str]] = {}
    for index, (hours, symbol, side, quantity, price, kind) in enumerate(PAPER_FILLS, start=1):
        when = as_of - timedelta(hours=hours)
        notional = quantity * price
        entry = {
            "timestamp": when.timestamp(),
            "order_id": f"paper-{index}",
            "symbol": symbol,
            "side": side,
            "quantity": quantity,
            "price": price,
            "fee": notional * fees[kind],
            "fee_asset": "USDT",
            "status": "filled",
            "leverage": 1.0,
            "position_value": notional,
        }
        name = when.strftime("ledger-%Y%m%d.jsonl")
        by_day.setdefault(name, []).append(json.dumps(entry, separators=(",", ":")))
    for name, lines in by_day.items():
        _write(cache / "audit" / "ledger" / name, "\n".join(lines) + "\n")


SLO_DEFINITIONS = """\
# The bot's SLO definitions (bot_core/observability/slo.py): metric, objective, comparator,
# aggregation, window.
slo:
  decision_latency:
    metric: bot_core_decision_latency_ms
    objective: 220.0
    comparator: "<="
    aggregation: p95
    window_minutes: 60.0
  fill_rate:
    metric: bot_core_fill_rate_pct
    objective: 0.94
    comparator: ">="
    aggregation: average
    window_minutes: 60.0
  risk_service_availability:
    metric: risk_service_availability_ratio
    objective: 0.999
    comparator: ">="
    aggregation: average
    window_minutes: 60.0
  ui_render_latency:
    metric: bot_ui_render_latency_ms
    objective: 500.0
    comparator: "<="
    aggregation: p95
    window_minutes: 60.0
"""
SLO_VALUES = {
    "decision_latency": 143.0,
    "fill_rate": 0.975,
    "risk_service_availability": 0.9997,
    "ui_render_latency": 212.0,
}


def _slo_report(start: datetime, end: datetime) -> dict[str, Any]:
    """The shape of SLOMonitor.evaluate() + summary() (bot_core/observability/slo.py)."""
    objectives = {
        "decision_latency": ("bot_core_decision_latency_ms", 220.0, "<="),
        "fill_rate": ("bot_core_fill_rate_pct", 0.94, ">="),
        "risk_service_availability": ("risk_service_availability_ratio", 0.999, ">="),
        "ui_render_latency": ("bot_ui_render_latency_ms", 500.0, "<="),
    }
    results = {
        name: {
            "name": name,
            "indicator": metric,
            "value": SLO_VALUES[name],
            "target": target,
            "comparison": comparison,
            "status": "ok",
            "severity": "info",
            "warning_threshold": target,
            "error_budget_pct": None,
            "sample_size": 480,
            "window_start": start.isoformat(),
            "window_end": end.isoformat(),
        }
        for name, (metric, target, comparison) in objectives.items()
    }
    return {
        "generated_at": iso(end),
        "results": results,
        "summary": {
            "evaluated": len(results),
            "status_counts": {"ok": len(results), "warning": 0, "breach": 0, "unknown": 0},
            "breached": [],
        },
    }


def _write_live_window(root: Path, core: dict[str, Any], as_of: datetime) -> None:
    """A closed live window: the bot's logs of it, archived with checksums (runbook §4)."""
    env = core["environments"][REFERENCE_LIVE_ENV]
    start = (as_of - timedelta(hours=9)).replace(second=0, microsecond=0)
    end = (as_of - timedelta(hours=1)).replace(second=0, microsecond=0)
    archive = root / "var" / "audit" / "live" / start.strftime("%Y%m%d")
    cache = root / env["data_cache_path"]
    for path in sorted((cache / "audit" / "alerts").iterdir()):
        _write(archive / "alerts" / path.name, path.read_bytes())
    decision = {
        "allowed": True,
        "notional": 640.0,
        "price": 64000.0,
        "profile": PROFILE_LIVE,
        "quantity": 0.01,
        "side": "buy",
        "symbol": "BTCUSDT",
        "timestamp": (start + timedelta(minutes=30)).isoformat(),
    }
    _write(
        archive / "risk_decisions.jsonl",
        json.dumps(decision, sort_keys=True, separators=(",", ":")) + "\n",
    )
    payload = {
        "attempts": [{"attempt": 1, "exchange": "binance_spot", "status": "success"}],
        "context": {
            "environment": "live",
            "metadata": {},
            "portfolio_id": "core",
            "risk_profile": PROFILE_LIVE,
        },
        "fallback_used": False,
        "latency_seconds": 0.143,
        "metadata": {},
        "request": {
            "client_order_id": "kl-0001",
            "order_type": "limit",
            "price": 64000.0,
            "quantity": 0.01,
            "side": "buy",
            "symbol": "BTCUSDT",
            "time_in_force": "GTC",
        },
        "result": {
            "avg_price": 64000.0,
            "filled_quantity": 0.01,
            "order_id": "28",
            "status": "filled",
        },
        "route": "core_spot",
        "timestamp": (start + timedelta(minutes=31)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    _write(
        archive / "live_execution.jsonl", json.dumps({"payload": payload}, sort_keys=True) + "\n"
    )
    profile = core["risk_profiles"][env["risk_profile"]]
    passphrase = {
        "provided": True,
        "source": "env",
        "identifier": "KL_VAULT_PASSPHRASE",
        "used": True,
        "rotated": False,
    }
    summary = {
        "profile_name": "conservative",
        "runtime_entrypoint": "auto_trader_live",
        "core_config_destination": "config/core.yaml",
        "core_backup_requested": True,
        "core_backup_path": "var/backups/core.yaml.bak",
        "core_backup_checksum": None,
        "core_diff_requested": False,
        "dry_run": False,
        "desktop_root": ".",
        "timestamp": iso(end),
        "core_original_checksum": None,
        "core_rendered_checksum": sha256_file(root / "config" / "core.yaml"),
        "cli_invocation": {
            "argv": ["--profile", "conservative", "--secret-passphrase", "***REDACTED***"],
            "command": "python -m bot_core.runtime.stage6_preset_cli",
        },
        "warnings": [],
        "tool": {
            "package": "dudzian-bot",
            "version": None,
            "package_available": False,
            "python": "3.11.7",
            "executable": "python3",
            "platform": "linux",
            "module": "bot_core.runtime.stage6_preset_cli",
            "git_commit": None,
            "git_available": False,
            "git_commit_error": None,
        },
        "secrets": {
            "source_label": "vault",
            "output_passphrase": passphrase,
            "rotation_passphrase": {
                **passphrase,
                "provided": False,
                "used": False,
                "source": None,
                "identifier": None,
            },
        },
        "kyc_status": "approved",
        "limits": {
            k: profile[k]
            for k in (
                "max_daily_loss_pct",
                "hard_drawdown_pct",
                "max_position_pct",
                "max_open_positions",
            )
        },
        "alerts": {"channels": env["alert_channels"], "critical_alerts": 1, "acknowledged": 1},
        "live_window": {
            "started_at": iso(start),
            "ended_at": iso(end),
            "duration_minutes": (end - start) / timedelta(minutes=1),
        },
    }
    _write(archive / "migration_summary.json", json.dumps(summary, indent=2, sort_keys=True))
    _write(
        archive / "slo_first_hour.json",
        json.dumps(_slo_report(start, start + timedelta(minutes=60)), indent=2),
    )
    _write(archive / "slo_window.json", json.dumps(_slo_report(start, end), indent=2))
    write_checksums(archive)
    journal = {
        "event": "paper_to_live_transition",
        "timestamp": iso(start),
        "environment": REFERENCE_LIVE_ENV,
        "portfolio": "core",
        "risk_profile": PROFILE_LIVE,
        "status": "approved",
        "approved_by": "compliance:a.nowak",
        "previous_environment": REFERENCE_PAPER_ENV,
    }
    _write(
        cache / "audit" / "decisions" / start.strftime("decisions-%Y%m%d.jsonl"),
        json.dumps(journal, separators=(",", ":")) + "\n",
    )


def _write_smoke_summary(root: Path, as_of: datetime) -> None:
    """A paper smoke run's summary (upstream audit/smoke_reports/*/summary.json)."""
    end = as_of - timedelta(hours=12)
    summary = {
        "environment": REFERENCE_PAPER_ENV,
        "window": {"start": (end - timedelta(days=3)).isoformat(), "end": end.isoformat()},
        "orders": [],
        "ledger_entries": len(PAPER_FILLS),
        "metrics": {
            "side_counts": {"buy": 3, "sell": 2},
            "total_fees": 3.6,
            "realized_pnl_total": -2.4,
        },
        "risk_state": {
            "profile": PROFILE_PAPER,
            "start_of_day_equity": 100_000.0,
            "daily_realized_pnl": -2.4,
            "peak_equity": 100_010.0,
            "last_equity": 99_997.6,
            "active_positions": 1,
            "daily_loss_pct": 0.0004,
            "drawdown_pct": 0.0006,
            "limits": {
                "max_positions": 5,
                "daily_loss_limit": 0.015,
                "drawdown_limit": 0.1,
                "max_position_pct": 0.05,
            },
        },
    }
    _write(
        root / "audit" / "smoke_reports" / "daily_trend_smoke_reference" / "summary.json",
        json.dumps(summary, indent=2),
    )


def _failover_status(exchange: str, as_of: datetime) -> dict[str, Any]:
    """``failover_status()`` of the environment's adapters (FORMATS.md §6.2)."""
    healthy = {
        "throttle_active": False,
        "throttle_remaining": 0.0,
        "throttle_reason": None,
        "reconnect_required": False,
        "reconnect_remaining": 0.0,
        "reconnect_reason": None,
    }
    return {"generated_at": iso(as_of - timedelta(minutes=5)), "adapters": {exchange: healthy}}


def _write_dry_run(root: Path, core: dict[str, Any], as_of: datetime) -> None:
    """The promotion report (scripts/promotion_to_live.py, FORMATS.md §5.4) of the read-only
    dry run, with the gate's record that auto-trade was disabled."""
    env = core["environments"][REFERENCE_LIVE_ENV]
    profile = core["risk_profiles"][env["risk_profile"]]
    readiness = env["live_readiness"]
    generated = as_of - timedelta(hours=6)
    report = {
        "generated_at": iso(generated),
        "environment": REFERENCE_LIVE_ENV,
        "exchange": env["exchange"],
        "risk_profile": env["risk_profile"],
        "risk_profile_details": {
            k: profile[k]
            for k in (
                "max_daily_loss_pct",
                "max_position_pct",
                "hard_drawdown_pct",
                "max_open_positions",
            )
        },
        "alerting": {
            "channels": env["alert_channels"],
            "throttle_configured": True,
            "audit_backend": "file",
        },
        "license": {"status": "ok", "errors": [], "warnings": [], "is_valid": True},
        "live_readiness_checklist": [
            {
                "item": "kyc_aml_signoff",
                "status": "ok",
                "description": "KYC/AML sign-off of the runtime entrypoints",
                "details": [
                    {
                        "entrypoint": "auto_trader_live",
                        "risk_profile": PROFILE_LIVE,
                        "bootstrap_risk_profile": PROFILE_LIVE,
                        "signoffs": [SIGNOFFS[r][0] for r in ("compliance", "security", "risk")],
                        "status": "ok",
                    }
                ],
            },
            {
                "item": "live_checklist",
                "status": "ok",
                "description": "Signed live-readiness checklist",
                "details": {
                    "checklist": {
                        "checklist_id": readiness["checklist_id"],
                        "signed": True,
                        "signed_by": readiness["signed_by"],
                        "signed_at": readiness["signed_at"],
                        "signature_path": readiness["signature_path"],
                        "status": "ok",
                    },
                    "documents": [
                        {"name": d["name"], "status": "ok"} for d in readiness["documents"]
                    ],
                },
            },
            {
                "item": "risk_limits",
                "status": "ok",
                "description": "Risk limits",
                "details": {
                    k: profile[k]
                    for k in (
                        "max_daily_loss_pct",
                        "hard_drawdown_pct",
                        "max_position_pct",
                        "max_open_positions",
                    )
                },
            },
            {
                "item": "alerting",
                "status": "ok",
                "description": "Alert routing",
                "details": {
                    "channels": sorted(env["alert_channels"]),
                    "audit_backend": "FileAlertAuditLog",
                    "throttle_enabled": True,
                },
            },
        ],
        "canary_contract": {
            "report_only": True,
            "canary_status": "not_configured",
            "allowed_exchanges": [env["exchange"]],
            "blocking_reasons": [],
            "no_go_reason": None,
            "kill_switch_required": True,
        },
        "dry_run": {
            "enable_auto_trade": False,
            "started_at": iso(generated - timedelta(hours=1)),
            "finished_at": iso(generated),
            "operator": "sre:m.lewandowski",
        },
    }
    name = f"promotion_{REFERENCE_LIVE_ENV}_{generated.strftime('%Y%m%dT%H%M%SZ')}.json"
    _write(
        root / "var" / "audit" / "live" / "dry_run" / name,
        json.dumps(report, indent=2, sort_keys=True),
    )


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)


def _write_alert_logs(root: Path, env_name: str, as_of: datetime, channels: list[str]) -> None:
    directory = root / "var" / "data" / env_name / "audit" / "alerts"
    by_file: dict[str, list[str]] = {}
    for record in _alert_records(as_of, channels):
        name = datetime.fromisoformat(record["timestamp"]).strftime("alerts-%Y%m%d.jsonl")
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        by_file.setdefault(name, []).append(line)
    for name, lines in by_file.items():
        _write(directory / name, "\n".join(lines) + "\n")


def build(target: Path, as_of: datetime) -> Path:
    """Write the reference deployment into ``target`` (which must be empty or absent)."""
    target = target.absolute()
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(
            f"{target} is not empty; the reference deployment needs an empty folder"
        )
    config_dir = target / "config"
    for key_id, secret in DEMO_KEYS.items():
        _write(
            target / "secrets" / "hmac" / f"{signing.normalise_key_id(key_id)}.key", secret + "\n"
        )
    signed_at = iso(as_of - timedelta(days=10))
    documents: list[dict[str, Any]] = []
    for name, folder, filename, role, key_id in DOCUMENTS:
        relative = f"{folder}/{filename}"
        content = _document_bytes(name, as_of)
        _write(config_dir / relative, content)
        digest = sha256_file(config_dir / relative)
        payload = {
            "document": {
                "name": name,
                "path": relative,
                "sha256": digest,
                "signed_by": [role],
                "signed_at": signed_at,
            },
            "hashes": {"sha256": digest},
            "generated_at": signed_at,
        }
        envelope = signing.sign(payload, DEMO_KEYS[key_id].encode("utf-8"), key_id)
        signature_relative = relative.rsplit(".", 1)[0] + ".sig"
        _write(config_dir / signature_relative, json.dumps(envelope, indent=2, sort_keys=True))
        documents.append(
            {
                "name": name,
                "path": relative,
                "sha256": digest,
                "signature_path": signature_relative,
                "signed": True,
                "signed_by": [role],
                "signed_at": signed_at,
                "required": True,
            }
        )
    core = _core_config(as_of, documents)
    checklist = core["environments"][REFERENCE_LIVE_ENV]["live_readiness"]
    checklist_payload = {
        "checklist_id": checklist["checklist_id"],
        "environment": REFERENCE_LIVE_ENV,
        "signed_by": checklist["signed_by"],
        "signed_at": signed_at,
        "documents": {d["name"]: d["sha256"] for d in documents},
    }
    _write(
        config_dir / checklist["signature_path"],
        json.dumps(
            signing.sign(
                checklist_payload, DEMO_KEYS["kl-compliance-demo"].encode(), "kl-compliance-demo"
            ),
            indent=2,
            sort_keys=True,
        ),
    )
    header = (
        "# Reference deployment of live-gate, generated for "
        f"{iso(as_of)} by `live-gate example`.\n"
        "# Formats: the bot's (bot_core) core.yaml; keys under secrets/ are demo keys.\n"
    )
    _write(
        config_dir / "core.yaml",
        header + yaml.safe_dump(core, sort_keys=False, allow_unicode=True, width=100),
    )
    register = {
        "schema": "live_gate.compliance_register",
        "schema_version": 1,
        "register_id": f"kl-compliance-register-{as_of.year}",
        "updated_at": iso(as_of - timedelta(days=14)),
        "valid_until": iso(as_of + timedelta(days=90)),
        "maintained_by": "compliance",
        "environments": {
            REFERENCE_LIVE_ENV: {
                "required_signoffs": [
                    {"signoff": SIGNOFFS[role][0], "role": role, "name": SIGNOFFS[role][1]}
                    for role in ("compliance", "security", "risk")
                ]
            }
        },
    }
    _write(
        config_dir / "compliance" / "register.yaml",
        yaml.safe_dump(register, sort_keys=False, allow_unicode=True),
    )
    _write_licences(target, as_of)
    _write_quick_tests(target, as_of)
    _write_ai_reports(target, as_of)
    for env in core["environments"].values():
        cache = target / env["data_cache_path"]
        write_ohlcv_cache(cache, env["exchange"], env["exchange"], as_of)
        # RotationRegistry: {"<keychain_key>::<purpose>": "<ISO Z>"}, compact, newline
        rotation = {
            f"{env['keychain_key']}::{env['credential_purpose']}": iso(as_of - timedelta(days=20))
        }
        _write(
            cache / "security" / "rotation_log.json",
            json.dumps(rotation, separators=(",", ":")) + "\n",
        )
        _write(
            cache / "risk_state" / f"{env['risk_profile']}.json",
            _risk_state(env["risk_profile"], as_of),
        )
    _write_alert_logs(target, REFERENCE_LIVE_ENV, as_of, ALERT_CHANNELS)
    _write_alert_logs(target, REFERENCE_PAPER_ENV, as_of, ["telegram:primary", "email:ops"])
    _write_dry_run(target, core, as_of)
    _write(config_dir / "observability" / "slo.yml", SLO_DEFINITIONS)
    _write_paper_ledger(
        target / core["environments"][REFERENCE_PAPER_ENV]["data_cache_path"], as_of
    )
    _write_smoke_summary(target, as_of)
    for env in core["environments"].values():
        _write(
            target / env["data_cache_path"] / "adapters" / "failover_status.json",
            json.dumps(_failover_status(env["exchange"], as_of), indent=2),
        )
    _write_live_window(target, core, as_of)
    # runbook §2.1: the configuration is frozen once it is final, a day before the gate runs
    write_freeze(
        target,
        "kl-freeze-demo",
        (as_of - timedelta(days=1)).replace(microsecond=0),
        ("compliance", "risk", "sre"),
    )
    return target
