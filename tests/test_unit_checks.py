"""Checks as plain functions: unreadable inputs are errors that name the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from live_gate.checks.alerting import check_alert_audit
from live_gate.checks.kyc_aml import check_live_readiness_documents
from live_gate.policy import Policy
from live_gate.resources.deployment import Deployment
from live_gate.timeutil import parse_instant
from tests.conftest import AS_OF


def _denied(*_: object, **__: object) -> object:
    raise PermissionError(13, "Permission denied")


def test_unreadable_document_names_the_file(
    reference: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from live_gate.kit import files as kit_files

    environment = Deployment(reference).environment("binance_live")
    real_open = os.open

    def denied(path: str, flags: int, *args: object) -> int:
        if str(path).endswith("kyc_packet.pdf"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(kit_files.os, "open", denied)
    findings = check_live_readiness_documents(environment, Policy(), parse_instant(AS_OF))
    (refused,) = [f for f in findings if f.rule == "input.refused"]
    assert refused.file == "config/compliance/live/binance/kyc_packet.pdf"
    assert "Permission denied" in refused.message


def test_unreadable_audit_file_names_the_file(
    reference: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    environment = Deployment(reference).environment("binance_live")
    monkeypatch.setattr(os, "open", _denied)  # the kit opens every file with os.open
    findings = check_alert_audit(environment, Policy(), parse_instant(AS_OF))
    monkeypatch.undo()
    refused = [f for f in findings if f.rule == "input.refused"]
    assert refused, findings
    assert all(
        str(f.file).startswith("var/data/binance_live/audit/alerts/alerts-") for f in refused
    )
    assert all("Permission denied" in str(f.found) for f in refused)


def test_checks_record_the_artifacts_they_read(reference: Path) -> None:
    environment = Deployment(reference).environment("binance_live")
    findings = check_live_readiness_documents(environment, Policy(), parse_instant(AS_OF))
    assert not findings
    assert "config/compliance/live/binance/kyc_packet.sig" in findings.artifacts
    assert not any(a.startswith("secrets/") for a in findings.artifacts)


def test_scan_bars_finds_holes_and_disorder_across_partitions(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from live_gate.findings import Findings
    from live_gate.kit.files import DeploymentFiles
    from live_gate.resources import market_data

    series = tmp_path / "BTCUSDT" / "1m"
    minute = 60_000
    start = 1_790_000_000_000 - 1_790_000_000_000 % minute
    months = {
        "year=2026/month=09": [start + i * minute for i in range(100)],
        # a hole of 30 minutes after the 100th bar, then a duplicate and a late bar
        "year=2026/month=10": [start + (130 + i) * minute for i in range(50)]
        + [start + 179 * minute, start + 150 * minute],
    }
    for partition, times in months.items():
        path = series / partition / "data.parquet"
        path.parent.mkdir(parents=True)
        pq.write_table(pa.table({"open_time": [float(t) for t in times]}), path)
    market_data_batch = market_data.BATCH_ROWS
    try:
        market_data.BATCH_ROWS = 7  # batch boundaries inside partitions
        files = DeploymentFiles(tmp_path)
        refused = Findings("PRE-5")
        partitions = market_data.partition_files(files, files.at("BTCUSDT/1m"), refused)
        scan = market_data.scan_bars(files, partitions, 1)
    finally:
        market_data.BATCH_ROWS = market_data_batch
    assert scan.rows == 152
    assert scan.max_gap_minutes == 30  # bars at minutes 99 and 130: minutes 100-129 missing
    assert scan.gap_after_ms == start + 99 * minute
    assert scan.out_of_order == 2
    assert scan.first_ms == start and scan.last_ms == start + 179 * minute
    assert not refused
