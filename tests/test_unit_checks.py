"""Checks as plain functions: unreadable inputs are errors that name the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from live_gate import signing
from live_gate.checks.alerting import check_alert_audit
from live_gate.checks.kyc_aml import check_live_readiness_documents
from live_gate.policy import Policy
from live_gate.resources.alert_audit import record_validator
from live_gate.resources.deployment import Deployment, UnreadableInput
from live_gate.timeutil import parse_instant
from tests.conftest import AS_OF


def _denied(*_: object, **__: object) -> object:
    raise PermissionError(13, "Permission denied")


def test_unreadable_document_names_the_file(
    reference: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = Deployment(reference).environment("binance_live")
    monkeypatch.setattr(signing, "sha256_file", _denied)
    with pytest.raises(UnreadableInput) as error:
        check_live_readiness_documents(environment, Policy(), parse_instant(AS_OF))
    assert error.value.file == "config/compliance/live/binance/kyc_packet.pdf"
    assert "Permission denied" in str(error.value)


def test_unreadable_audit_file_names_the_file(
    reference: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = Deployment(reference).environment("binance_live")
    record_validator()  # the schema itself is read before the files are made unreadable
    monkeypatch.setattr(Path, "open", _denied)
    with pytest.raises(UnreadableInput) as error:
        check_alert_audit(environment, Policy())
    assert str(error.value.file).startswith("var/data/binance_live/audit/alerts/alerts-")


def test_checks_record_the_artifacts_they_read(reference: Path) -> None:
    environment = Deployment(reference).environment("binance_live")
    findings = check_live_readiness_documents(environment, Policy(), parse_instant(AS_OF))
    assert not findings
    assert "config/compliance/live/binance/kyc_packet.sig" in findings.artifacts
    assert not any(a.startswith("secrets/") for a in findings.artifacts)
