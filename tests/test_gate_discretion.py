"""Read-only and discreet: the gate never writes into the deployment, and no secret of the
deployment reaches the terminal, the evidence or the report, even when a check echoes input."""

from __future__ import annotations

import base64
import html
import json
import os
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import markupsafe
import pytest
import yaml

from live_gate.redaction import REDACTED, Redactor, collect_secrets, forms
from live_gate.reference.builder import DEMO_KEYS
from tests.conftest import edit_core, live_env
from tests.shared_runs import SharedRun
from tests.test_kit import BILLION_LAUGHS, within

SECRET = DEMO_KEYS["kl-security-demo"]


def test_the_gate_does_not_write_into_the_deployment(reference_go_run: SharedRun) -> None:
    """The session's whole GO run on the reference deployment left every file and folder of it
    as it was (size, mtime, content)."""
    assert reference_go_run.after == reference_go_run.before
    assert reference_go_run.before  # the state of a real tree, not of an empty one


def test_a_secret_echoed_by_a_finding_is_redacted(reference: Path, run_gate) -> None:
    # an operator pasted a key where a channel name belongs: the finding quotes the entry
    edit_core(
        reference, lambda d: live_env(d).__setitem__("alert_channels", [f"telegram:{SECRET}"])
    )
    gate = run_gate(reference)  # run_gate asserts no demo secret appears anywhere
    assert gate.verdict == "NO-GO"
    assert "channel.undefined" in gate.rules("PRE-3")
    assert "[REDACTED]" in json.dumps(gate.evidence)
    assert "[REDACTED]" in gate.output


def test_a_secret_in_an_unparseable_config_is_redacted(reference: Path, run_gate) -> None:
    (reference / "config/core.yaml").write_text(f"environments: {{ key: {SECRET}\n")
    gate = run_gate(reference)
    assert gate.verdict == "NO-GO"


def test_a_secret_in_a_malformed_audit_record_is_redacted(reference: Path, run_gate) -> None:
    audit = sorted((reference / "var/data/binance_live/audit/alerts").iterdir())[0]
    with audit.open("a") as handle:
        handle.write(
            json.dumps(
                {
                    "channel": "telegram:primary",
                    "category": "x",
                    "title": "t",
                    "severity": "info",
                    "timestamp": "t",
                    "created_at": "t",
                    "body": "b",
                    "ctx_token": 1,
                    SECRET: SECRET,
                }
            )
            + "\n"
        )
    gate = run_gate(reference)
    assert gate.verdict == "NO-GO"
    assert "audit.line_invalid" in gate.rules("PRE-3")


# ----------------------------------------------------------------------------- every source,
# every encoding: a secret echoed back by a finding never reaches the terminal, the evidence or
# the report, whatever form it was pasted in


# One secret per source. Each holds characters that make every encoding differ from the raw
# value: '/', '+', '?' for base64 and URL-encoding, '"' and a non-ASCII letter for JSON escaping,
# lengths that need base64 padding.
SOURCES: dict[str, str] = {
    "key file under secrets/": 'raw-key?>/"ĳ-1',
    "key file in config/secrets linked inside the deployment": 'vault-key?>/"é-22',
    "credential in config/core.yaml": 'core-pw?>/"ø-333',
    "credential in secrets/*.json": 'json-secret?>/"ü-4',
    "credential in secrets/*.yaml": 'yaml-pass?>/"å-55',
    "environment variable named by a *_env key": 'env-named?>/"ß-666',
    "environment variable named by env:NAME": 'env-ref?>/"ç-7777',
    "environment variable the bot reads (hmac_key_env in the reference)": 'bot-env?>/"ñ-88',
    "short credential (whole token)": "Zq7",
}


def _b64(value: str, urlsafe: bool = False, padded: bool = True) -> str:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    text = encode(value.encode()).decode()
    return text if padded else text.rstrip("=")


ENCODINGS: dict[str, Callable[[str], str]] = {
    "raw": lambda s: s,
    "base64": lambda s: _b64(s),
    "base64 unpadded": lambda s: _b64(s, padded=False),
    "base64 url-safe": lambda s: _b64(s, urlsafe=True),
    "base64 url-safe unpadded": lambda s: _b64(s, urlsafe=True, padded=False),
    "hex": lambda s: s.encode().hex(),
    "HEX": lambda s: s.encode().hex().upper(),
    "URL-encoded": lambda s: urllib.parse.quote(s, safe=""),
    "JSON-escaped": lambda s: json.dumps(s)[1:-1],
}


def plant_secrets(deployment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Put each secret of SOURCES where the deployment keeps that kind of secret."""
    (deployment / "secrets" / "exchange").mkdir(parents=True)
    (deployment / "secrets" / "exchange" / "binance.key").write_text(
        SOURCES["key file under secrets/"] + "\n", encoding="utf-8"
    )
    (deployment / "vault").mkdir()
    (deployment / "vault" / "kraken.key").write_text(
        SOURCES["key file in config/secrets linked inside the deployment"], encoding="utf-8"
    )
    os.symlink("../vault", deployment / "config" / "secrets")
    (deployment / "secrets" / "exchange.json").write_text(
        json.dumps(
            {"exchange": "binance_spot", "api_secret": SOURCES["credential in secrets/*.json"]}
        ),
        encoding="utf-8",
    )
    (deployment / "secrets" / "broker.yaml").write_text(
        "broker:\n  user: ops\n  password: "
        + json.dumps(SOURCES["credential in secrets/*.yaml"], ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("LG_SELFTEST_API_KEY", SOURCES["environment variable named by a *_env key"])
    monkeypatch.setenv("LG_SELFTEST_SECRET", SOURCES["environment variable named by env:NAME"])
    monkeypatch.setenv(
        "LIVE_DECISION_LOG_HMAC",
        SOURCES["environment variable the bot reads (hmac_key_env in the reference)"],
    )

    def credentials(data: dict[str, object]) -> None:
        data["exchange_credentials"] = {
            "binance_live": {
                "api_key_env": "LG_SELFTEST_API_KEY",
                "api_secret": "env:LG_SELFTEST_SECRET",
                "passphrase": SOURCES["credential in config/core.yaml"],
                "pin_token": SOURCES["short credential (whole token)"],
            }
        }

    edit_core(deployment, credentials)


def test_every_source_and_encoding_of_a_secret_is_redacted_in_every_output(
    reference: Path, run_gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    plant_secrets(reference, monkeypatch)
    pasted = [
        (source, encoding, encode(secret))
        for source, secret in SOURCES.items()
        for encoding, encode in ENCODINGS.items()
    ]
    # an operator pasted secrets where channel names belong: each finding quotes its entry
    channels = [f"telegram:{value}" for _, _, value in pasted]
    edit_core(reference, lambda d: live_env(d).__setitem__("alert_channels", channels))
    gate = run_gate(reference)
    assert gate.verdict == "NO-GO"
    outputs = {
        "terminal": gate.output,
        "evidence.json": (gate.bundle / "evidence.json").read_text(encoding="utf-8"),
        "report.html": gate.report(),
    }
    leaks = [
        f"{source} / {encoding} in {name}: {form!r}"
        for source, encoding, value in pasted
        for name, text in outputs.items()
        for form in {value, json.dumps(value)[1:-1], repr(value)[1:-1]}
        if form in text
    ]
    assert leaks == []
    # every entry was echoed, and redacted (not silently dropped)
    findings = [
        f for f in gate.requirement("PRE-3")["findings"] if f["rule"] == "channel.undefined"
    ]
    assert len(findings) == len(pasted)
    assert all(REDACTED in f["message"] for f in findings)
    for name, text in outputs.items():
        assert REDACTED in text, name
    # the short secret goes only where it stands alone: ordinary words around it survive
    assert "telegram:[REDACTED]" in gate.output


def test_each_source_is_collected(reference: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plant_secrets(reference, monkeypatch)
    secrets = collect_secrets(reference)
    missing = [source for source, secret in SOURCES.items() if secret not in secrets]
    assert missing == []
    # names of secrets, descriptive fields and ordinary configuration are not secrets
    for value in ("LG_SELFTEST_API_KEY", "env:LG_SELFTEST_SECRET", "binance_spot", "ops"):
        assert value not in secrets


def test_each_form_is_redacted_and_ordinary_words_survive() -> None:
    secret = 'raw-key?>/"ĳ-1'
    redactor = Redactor({secret, "Zq7", "ab"})
    for encoding, encode in ENCODINGS.items():
        form = encode(secret)
        assert form in forms(secret), encoding
        assert redactor.text(f"x {form} y") == f"x {REDACTED} y", encoding
    for escaped in (html.escape(secret), markupsafe.escape(secret)):
        assert redactor.text(f"<td>{escaped}</td>") == f"<td>{REDACTED}</td>"
    # short secrets: whole tokens only, never inside a word, an HTML tag name or an entity
    assert redactor.text("Zq7 and about, tab, <ab>x</ab> &ab; ab") == (
        f"{REDACTED} and about, tab, <ab>x</ab> &ab; {REDACTED}"
    )
    # the evidence's own fields (enums, digests, ids) are never redacted: the schema holds
    assert redactor.data({"verdict": "ab", "message": "ab"}) == {
        "verdict": "ab",
        "message": REDACTED,
    }


def test_a_binary_key_is_redacted_in_its_printable_forms(tmp_path: Path) -> None:
    key = bytes(range(256))[::7]
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "binary.key").write_bytes(key)
    redactor = Redactor(collect_secrets(tmp_path))
    for form in (key.hex(), key.hex().upper(), base64.b64encode(key).decode()):
        assert redactor.text(f"found {form}.") == f"found {REDACTED}."


def test_secrets_are_collected_through_the_kit_only(tmp_path: Path) -> None:
    deployment = tmp_path / "deployment"
    (deployment / "secrets").mkdir(parents=True)
    outside = tmp_path / "outside.key"
    outside.write_text("not-the-deployments-secret")
    os.symlink(outside, deployment / "secrets" / "linked.key")
    os.mkfifo(deployment / "secrets" / "pipe.key")
    os.symlink("/dev/zero", deployment / "secrets" / "zero.key")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "a.key").write_text("another-outside-secret")
    (deployment / "config").mkdir()
    os.symlink(tmp_path / "elsewhere", deployment / "config" / "secrets")
    (deployment / "secrets" / "ok.key").write_text("inside-secret\n")
    secrets = within(10, lambda: collect_secrets(deployment))
    assert "inside-secret" in secrets
    assert not any("outside" in s for s in secrets)


def test_a_malformed_or_bomb_configuration_still_has_its_credentials_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config").mkdir()
    monkeypatch.setenv("LG_SELFTEST_TOKEN", "token-from-the-environment")
    (tmp_path / "config" / "core.yaml").write_text(
        BILLION_LAUGHS
        + "exchange: {api_key: 'flow-api-key', token_env: LG_SELFTEST_TOKEN}\n"
        + 'password: "quoted pass"  # a comment\n'
        + "broken: [\n"
    )
    secrets = within(10, lambda: collect_secrets(tmp_path))
    assert {"flow-api-key", "quoted pass", "token-from-the-environment"} <= secrets
    assert collect_secrets(tmp_path / "missing") == set()


def test_key_files_the_configuration_names_are_secrets(tmp_path: Path) -> None:
    (tmp_path / "config" / "keys").mkdir(parents=True)
    (tmp_path / "config" / "keys" / "licence.json").write_text(
        json.dumps({"keys": {"lic-1": "base64:" + base64.b64encode(b"licence-key-1").decode()}})
    )
    (tmp_path / "config" / "core.yaml").write_text(
        "license:\n  license_keys_path: config/keys/licence.json\n"
    )
    assert "licence-key-1" in collect_secrets(tmp_path)


def test_descriptive_fields_and_counts_of_a_secret_file_are_not_secrets(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "db.json").write_text(
        json.dumps(
            {
                "exchange": "binance_spot",
                "key_id": "kl-db",
                "created_at": "2026-11-01T00:00:00Z",
                "port": 5432,
                "retries": 3,
                "enabled": True,
                "password": 9876,
                "dsn": "postgres://ops:pw-in-dsn@db",
            }
        )
    )
    secrets = collect_secrets(tmp_path)
    assert {"9876", "postgres://ops:pw-in-dsn@db"} <= secrets
    assert not {"binance_spot", "kl-db", "2026-11-01T00:00:00Z", "5432", "3", "True"} & secrets
    # a requirement id in a message survives a short secret of the same digits
    assert Redactor({"3"}).text("PRE-3 failed: 3 of 4") == f"PRE-3 failed: {REDACTED} of 4"


def test_credential_headers_of_grpc_metadata_are_secrets(tmp_path: Path) -> None:
    """The bot sends runtime.*.grpc_metadata with each call: an ``authorization`` header holds a
    token under no key that says so. Its value, its last word and the whole text entry are
    redacted, in every form the loader reads; a header that is not a credential is not."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "core.yaml").write_text(
        yaml.safe_dump(
            {
                "runtime": {
                    "metrics_service": {
                        "grpc_metadata": [
                            "authorization=Bearer tok-in-a-text-entry",
                            "authorization Bearer tok-with-no-separator",
                            {"key": "x-api-key", "value": "tok-in-an-entry"},
                            "x-team=operations",
                        ]
                    },
                    "risk_service": {"grpc_metadata": {"Authorization": "Bearer tok-in-a-map"}},
                }
            }
        ),
        encoding="utf-8",
    )
    redactor = Redactor(collect_secrets(tmp_path))
    for token in (
        "tok-in-a-text-entry",
        "tok-with-no-separator",
        "tok-in-an-entry",
        "tok-in-a-map",
    ):
        assert token not in redactor.text(f"the loader refused {token} here"), token
    assert redactor.text("x-team=operations") == "x-team=operations"
