"""Waivers nobody can miss: "GO with N waivers" on the banner and the terminal with each waiver
listed; expired, not-yet-valid and unused waivers reported and not applied; approvers distinct;
non-waivable requirements."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from live_gate.policy import DEFAULT_NON_WAIVABLE, PolicyError, policy_from_mapping
from tests.conftest import refreeze
from tests.test_gate_defects import compliance


def _waiver(requirement: str, **changes: Any) -> dict[str, Any]:
    return {
        "requirement": requirement,
        "environment": "binance_live",
        "reason": "security sign-off delegated during the audit freeze",
        "approved_by": ["compliance:a.nowak", "cro:j.kowalski"],
        "expires_at": "2026-11-30T00:00:00Z",
        **changes,
    }


def test_go_with_waivers_is_said_and_listed(reference: Path, tmp_path: Path, run_gate) -> None:
    compliance("signoffs", ["compliance:a.nowak", "risk:k.zielinska"])(reference)  # ACT-2 fails
    refreeze(reference)
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        yaml.safe_dump(
            {
                "waivers": [
                    _waiver("ACT-2"),
                    _waiver("PRE-9", expires_at="2026-11-01T00:00:00Z"),
                    _waiver("PRE-6", valid_from="2026-11-25T00:00:00Z"),
                    _waiver("PRE-5"),  # PRE-5 passes: unused
                    _waiver("PRE-3", environment="binance_paper"),  # another environment
                ]
            }
        )
    )
    gate = run_gate(reference, f"--gate-config={policy}")
    assert gate.verdict == "GO" and gate.exit_code == 0, gate.output
    assert gate.status("ACT-2") == "waived"
    # the terminal: the verdict line itself says it, and each waiver is listed above it
    assert "live-gate verdict: GO with 1 waiver for binance_live" in gate.output
    assert (
        "waived: ACT-2 Sign-offs match the current compliance register: security sign-off "
        "delegated during the audit freeze (approved by compliance:a.nowak, cro:j.kowalski; "
        "expires 2026-11-30T00:00:00Z)"
    ) in gate.output
    assert (
        "what failed: [ACT-2] entrypoint auto_trader_live lacks the security sign-off "
        "'security:p.wisniewski'"
    ) in gate.output
    # pytest's own count agrees with the verdict: the failure the waiver excuses is "waived",
    # not "failed" under FAILURES just above "GO with 1 waiver"
    assert re.search(r"\b46 passed\b.*\b1 waived\b", gate.output), gate.output
    assert not re.search(r"\b1 failed\b", gate.output)
    assert " FAILURES " not in gate.output and "FAILED " not in gate.output
    # the banner
    report = gate.report()
    assert 'data-verdict="GO"' in report
    assert "GO with 1 waiver: this deployment may proceed" in report
    assert "Waivers in force (1)" in report and "cro:j.kowalski" in report
    # the evidence: still GO, the waiver recorded on its requirement
    assert gate.requirement("ACT-2")["waiver"]["approved_by"] == [
        "compliance:a.nowak",
        "cro:j.kowalski",
    ]
    warnings = "\n".join(gate.evidence["warnings"])
    assert "waiver of PRE-9 for binance_live expired at 2026-11-01T00:00:00Z" in warnings
    assert "waiver of PRE-6 for binance_live is valid only from 2026-11-25T00:00:00Z" in warnings
    assert "waiver of PRE-5 for binance_live is unused: PRE-5 is passed" in warnings
    assert "PRE-3" not in warnings  # another environment's waiver is not this run's business
    for text in ("expired at", "valid only from", "is unused"):
        assert text in gate.output


def test_a_waiver_not_yet_valid_does_not_apply(reference: Path, tmp_path: Path, run_gate) -> None:
    compliance("signoffs", ["compliance:a.nowak", "risk:k.zielinska"])(reference)
    refreeze(reference)
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        yaml.safe_dump({"waivers": [_waiver("ACT-2", valid_from="2026-11-21T00:00:00Z")]})
    )
    gate = run_gate(reference, f"--gate-config={policy}")
    assert gate.verdict == "NO-GO" and gate.exit_code == 1
    assert gate.status("ACT-2") == "failed"
    # a waiver not in force excuses nothing, in pytest's count either
    assert re.search(r"\b1 failed\b", gate.output) and " waived" not in gate.output
    assert "is valid only from 2026-11-21T00:00:00Z" in "\n".join(gate.evidence["warnings"])


@pytest.mark.parametrize(
    "approvers",
    [["cro:j.kowalski", "cro:j.kowalski"], ["cro:j.kowalski", "CRO:J.Kowalski "]],
)
def test_the_same_approver_twice_is_an_invalid_policy(approvers: list[str]) -> None:
    with pytest.raises(PolicyError, match="names the same approver more than once"):
        policy_from_mapping({"waivers": [_waiver("ACT-2", approved_by=approvers)]})


def test_non_waivable_requirements() -> None:
    assert {"PRE-2", "PRE-4", "PRE-7", "ACT-3", "ACT-5", "ESC-1"} == set(DEFAULT_NON_WAIVABLE)
    with pytest.raises(PolicyError, match="PRE-2 is non-waivable"):
        policy_from_mapping({"waivers": [_waiver("PRE-2")]})
    with pytest.raises(PolicyError, match="ACT-2 is non-waivable"):
        policy_from_mapping({"non_waivable": ["ACT-2"], "waivers": [_waiver("ACT-2")]})
    # taking a requirement off the list is possible, on the record (the policy is in evidence)
    policy = policy_from_mapping({"non_waivable": [], "waivers": [_waiver("PRE-2")]})
    assert policy.to_json()["non_waivable"] == []


def test_an_invalid_waiver_is_a_usage_error(tmp_path: Path) -> None:
    from tests.conftest import AS_OF, REPO, gate_arguments
    from tests.test_usage_errors import run_usage

    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump({"waivers": [_waiver("PRE-7")]}))
    code, output = run_usage(
        *gate_arguments(REPO, "live_gate", None, True),
        f"--as-of={AS_OF}",
        f"--gate-config={policy}",
        f"--evidence-dir={tmp_path / 'ev'}",
    )
    assert code == 2 and output.count("PRE-7 is non-waivable") == 1, output
