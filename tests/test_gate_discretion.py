"""Read-only and discreet: the gate never writes into the deployment, and no secret of the
deployment reaches the terminal, the evidence or the report, even when a check echoes input."""

from __future__ import annotations

import json
from pathlib import Path

from live_gate.reference.builder import DEMO_KEYS
from tests.conftest import edit_core, live_env
from tests.test_gate_real_world import _snapshot

SECRET = DEMO_KEYS["kl-security-demo"]


def test_the_gate_does_not_write_into_the_deployment(reference: Path, run_gate) -> None:
    before = _snapshot(reference)
    run_gate(reference)
    assert _snapshot(reference) == before


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
