"""live_close: the closed window of the reference deployment is GO; each rule can fail (judged at
check level, tests/checklevel.py, and one defect per requirement through the whole gate)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from live_gate.catalogue import load_catalogue
from tests.checklevel import judge_checks
from tests.conftest import scenario_count
from tests.mutations import Mutation, delete
from tests.test_gate_defects import core


def archive_dir(root: Path) -> Path:
    return next(p for p in (root / "var/audit/live").iterdir() if p.name.isdigit())


def in_archive(name: str, change: Callable[[Path], None]) -> Mutation:
    return lambda root: change(archive_dir(root) / name)


def summary(change: Callable[[dict[str, Any]], None]) -> Mutation:
    def apply(root: Path) -> None:
        from live_gate.checksums import write_checksums

        path = archive_dir(root) / "migration_summary.json"
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data))
        write_checksums(archive_dir(root))  # keep CLOSE-1 intact: only the summary is wrong

    return apply


def slo(name: str, change: Callable[[dict[str, Any]], None]) -> Mutation:
    def apply(root: Path) -> None:
        from live_gate.checksums import write_checksums

        path = archive_dir(root) / name
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data))
        write_checksums(archive_dir(root))

    return apply


def set_value(slo_name: str, value: float) -> Callable[[dict[str, Any]], None]:
    return lambda d: d["results"][slo_name].__setitem__("value", value)


CLOSE_DEFECTS: list[tuple[str, Mutation, str, str]] = [
    # CLOSE-1
    ("no archive", delete("var/audit/live"), "CLOSE-1", "close.no_archive"),
    (
        "execution log not archived",
        in_archive("live_execution.jsonl", Path.unlink),
        "CLOSE-1",
        "archive.listed_file_missing",
    ),
    (
        "risk decisions not archived",
        lambda r: (
            (archive_dir(r) / "risk_decisions.jsonl").unlink(),
            (archive_dir(r) / "SHA256SUMS").write_text(
                "\n".join(
                    line
                    for line in (archive_dir(r) / "SHA256SUMS").read_text().splitlines()
                    if "risk_decisions" not in line
                )
                + "\n"
            ),
        ),
        "CLOSE-1",
        "archive.log_missing",
    ),
    (
        "archived log edited",
        in_archive("risk_decisions.jsonl", lambda p: p.write_text("{}\n")),
        "CLOSE-1",
        "archive.checksum_mismatch",
    ),
    (
        "file archived without checksum",
        in_archive("notes.txt", lambda p: p.write_text("x")),
        "CLOSE-1",
        "archive.unlisted_file",
    ),
    ("no checksums", in_archive("SHA256SUMS", Path.unlink), "CLOSE-1", "archive.no_checksums"),
    (
        "checksum line garbled",
        in_archive("SHA256SUMS", lambda p: p.write_text(p.read_text() + "not a checksum line\n")),
        "CLOSE-1",
        "archive.checksum_line_invalid",
    ),
    # CLOSE-2
    (
        "no migration summary",
        in_archive("migration_summary.json", Path.unlink),
        "CLOSE-2",
        "summary.missing",
    ),
    (
        "summary without KYC status",
        summary(lambda d: d.pop("kyc_status")),
        "CLOSE-2",
        "summary.field",
    ),
    (
        "summary with warnings",
        summary(lambda d: d.__setitem__("warnings", ["checksum failed"])),
        "CLOSE-2",
        "summary.warnings",
    ),
    (
        "passphrase recorded",
        summary(
            lambda d: d["cli_invocation"].__setitem__(
                "argv", ["--secret-passphrase", "hunter2-hunter2"]
            )
        ),
        "CLOSE-2",
        "summary.passphrase_recorded",
    ),
    (
        "passphrase value in secrets",
        summary(lambda d: d["secrets"]["output_passphrase"].__setitem__("value", "hunter2")),
        "CLOSE-2",
        "summary.field",
    ),
    (
        "window duration wrong",
        summary(lambda d: d["live_window"].__setitem__("duration_minutes", 5)),
        "CLOSE-2",
        "summary.window_inconsistent",
    ),
    (
        "window times unreadable",
        summary(lambda d: d["live_window"].__setitem__("started_at", "this morning")),
        "CLOSE-2",
        "summary.window.invalid",
    ),
    # CLOSE-3
    (
        "no transition in the journal",
        delete("var/data/binance_live/audit/decisions"),
        "CLOSE-3",
        "journal.no_transition",
    ),
    (
        "no file journal",
        core(lambda d: d["environments"]["binance_live"].pop("decision_journal")),
        "CLOSE-3",
        "journal.not_file",
    ),
    # ACT-8 and CLOSE-4
    (
        "first hour latency breached",
        slo("slo_first_hour.json", set_value("decision_latency", 250)),
        "ACT-8",
        "slo.breached",
    ),
    (
        "window fill rate breached",
        slo("slo_window.json", set_value("fill_rate", 0.9)),
        "CLOSE-4",
        "slo.breached",
    ),
    (
        "SLO not measured",
        slo("slo_window.json", lambda d: d["results"].pop("ui_render_latency")),
        "CLOSE-4",
        "slo.not_measured",
    ),
    (
        "SLO measured over part of the window",
        slo(
            "slo_window.json",
            lambda d: d["results"]["fill_rate"].__setitem__(
                "window_end", d["results"]["fill_rate"]["window_start"]
            ),
        ),
        "CLOSE-4",
        "slo.period_not_covered",
    ),
    (
        "SLO period unknown",
        slo("slo_first_hour.json", lambda d: d["results"]["fill_rate"].pop("window_start")),
        "ACT-8",
        "slo.period.missing",
    ),
    (
        "no first-hour report",
        in_archive("slo_first_hour.json", Path.unlink),
        "ACT-8",
        "slo.report_missing",
    ),
    (
        "SLO report without results",
        slo("slo_window.json", lambda d: d.pop("results")),
        "CLOSE-4",
        "slo.report_malformed",
    ),
    ("no SLO definitions", delete("config/observability/slo.yml"), "CLOSE-4", "slo.no_definitions"),
    ("window unknown", summary(lambda d: d.pop("live_window")), "ACT-8", "close.no_window"),
]


def test_reference_closed_window_is_go(reference: Path, run_gate) -> None:
    gate = run_gate(reference, phase="live_close")
    assert gate.verdict == "GO", gate.output
    assert {r["id"] for r in gate.evidence["requirements"]} == {
        r.id for r in load_catalogue().in_phase("live_close")
    }
    coverage = gate.evidence["coverage"]
    assert (
        coverage["ran_scenarios"] == coverage["expected_scenarios"] == scenario_count("live_close")
    )


@pytest.mark.parametrize(
    ("defect", "mutate", "requirement", "rule"),
    CLOSE_DEFECTS,
    ids=[d[0].replace(" ", "-") for d in CLOSE_DEFECTS],
)
def test_close_defect_is_caught_by_its_check(
    defect: str, mutate: Mutation, requirement: str, rule: str, reference: Path
) -> None:
    """Check level (tests/checklevel.py): the gate's own live_close steps for the requirement."""
    mutate(reference)
    judged = judge_checks(reference, requirements={requirement}, phase="live_close")
    assert rule in judged.rules(requirement), (defect, judged.findings.get(requirement))


def _one_defect_per_requirement() -> list[tuple[str, Mutation, str, str]]:
    first: dict[str, tuple[str, Mutation, str, str]] = {}
    for defect in CLOSE_DEFECTS:
        first.setdefault(defect[2], defect)
    # CLOSE-2's: a passphrase in the summary, which must reach no output of the run either
    first["CLOSE-2"] = next(d for d in CLOSE_DEFECTS if d[0] == "passphrase recorded")
    return [first[r] for r in sorted(first)]


WHOLE_GATE = _one_defect_per_requirement()


@pytest.mark.parametrize(
    ("defect", "mutate", "requirement", "rule"), WHOLE_GATE, ids=[d[2] for d in WHOLE_GATE]
)
def test_close_defect_is_no_go_in_a_whole_gate_run(
    defect: str, mutate: Mutation, requirement: str, rule: str, reference: Path, run_gate
) -> None:
    """One whole live_close run per requirement (every defect is judged at check level above):
    the verdict, the explanation, the evidence, no passphrase anywhere in the output; and the
    check-level harness finds exactly the blockers the whole run found."""
    mutate(reference)
    gate = run_gate(reference, phase="live_close")
    assert gate.verdict == "NO-GO" and gate.exit_code != 0, gate.output
    assert gate.status(requirement) == "failed", (defect, gate.requirement(requirement))
    assert rule in gate.rules(requirement), (defect, gate.rules(requirement))
    assert f"[{requirement}]" in gate.output and "runbook:" in gate.output
    assert "hunter2" not in gate.output + json.dumps(gate.evidence) + gate.report()
    judged = judge_checks(reference, phase="live_close")
    for outcome in gate.evidence["requirements"]:
        assert judged.rules(outcome["id"]) == gate.rules(outcome["id"]), outcome["id"]


def test_every_live_close_requirement_has_a_whole_gate_no_go_run() -> None:
    """Those of live_gate too have theirs: test_gate_defects.py."""
    wanted = {
        r.id
        for r in load_catalogue().requirements
        if "live_close" in r.phases and "live_gate" not in r.phases
    }
    assert wanted <= {d[2] for d in WHOLE_GATE}
    assert "passphrase recorded" in {d[0] for d in WHOLE_GATE}


def test_an_open_window_is_not_closed(reference: Path) -> None:
    """At 05:00 the reference's live window (closed at 11:00) is still open: NO-GO."""
    judged = judge_checks(reference, phase="live_close", as_of="2026-11-20T05:00:00Z")
    assert judged.blocked, judged.findings
    for requirement in ("ACT-8", "CLOSE-4"):
        assert "close.window.in_future" in judged.rules(requirement), judged.rules(requirement)
