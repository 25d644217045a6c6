"""PRE-8 and ACT-3 share one replay of the paper ledger per opened deployment, and find exactly
what each would find with a replay of its own."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from live_gate.checks import paper
from live_gate.findings import Findings
from live_gate.policy import Policy
from live_gate.resources.deployment import Deployment
from live_gate.timeutil import parse_instant
from tests.conftest import AS_OF

LEDGER = Path("var/data/binance_paper/audit/ledger")
LIVE = "binance_live"


@pytest.fixture
def replays(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paper environments replayed, one entry per pass over a ledger."""
    seen: list[str] = []
    real = paper.replay_paper

    def counting(environment: Any, out: Findings, **kwargs: Any) -> Any:
        seen.append(environment.name)
        return real(environment, out, **kwargs)

    monkeypatch.setattr(paper, "replay_paper", counting)
    return seen


def _shown(found: Findings) -> list[Any]:
    return [(f.requirement, f.rule, f.file, f.line, f.found) for f in found] + [
        sorted(found.artifacts),
        found.facts,
    ]


def _break_fee(deployment: Path) -> None:
    """One fill's fee off the configured rates (a PRE-8 accounting defect, not ACT-3's)."""
    last = sorted((deployment / LEDGER).iterdir())[-1]
    lines = last.read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[0])
    entry["fee"] = entry["fee"] * 3
    lines[0] = json.dumps(entry, separators=(",", ":"))
    last.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_pre8_and_act3_replay_the_ledger_once(reference: Path, replays: list[str]) -> None:
    as_of, policy = parse_instant(AS_OF), Policy()
    environment = Deployment(reference).environment(LIVE)
    pre8 = paper.check_paper_ledger(environment, policy, as_of)
    act3 = paper.check_limits_against_paper(environment, policy, as_of)
    assert replays == ["binance_paper"]
    # the same findings, artifacts and facts as each check with a deployment of its own
    alone_act3 = paper.check_limits_against_paper(
        Deployment(reference).environment(LIVE), policy, as_of
    )
    alone_pre8 = paper.check_paper_ledger(Deployment(reference).environment(LIVE), policy, as_of)
    assert replays == ["binance_paper"] * 3
    assert _shown(pre8) == _shown(alone_pre8)
    assert _shown(act3) == _shown(alone_act3)
    assert not pre8.blocking_count() and not act3.blocking_count()
    ledger = str(LEDGER / "ledger-20261119.jsonl")
    assert ledger in pre8.artifacts and ledger in act3.artifacts


def test_a_defect_stays_pre8s_whichever_check_replays_first(
    reference: Path, replays: list[str]
) -> None:
    _break_fee(reference)
    as_of, policy = parse_instant(AS_OF), Policy()
    environment = Deployment(reference).environment(LIVE)
    act3 = paper.check_limits_against_paper(environment, policy, as_of)  # replays first
    pre8 = paper.check_paper_ledger(environment, policy, as_of)
    assert len(replays) == 1
    assert {f.rule for f in pre8 if f.blocking} == {"ledger.fee_mismatch"}
    assert {f.requirement for f in pre8} == {"PRE-8"}
    assert not [f for f in act3 if f.rule.startswith("ledger.")]
    assert {f.requirement for f in act3} <= {"ACT-3"}


def test_another_deployment_or_instant_is_replayed_again(
    reference: Path, replays: list[str]
) -> None:
    as_of, policy = parse_instant(AS_OF), Policy()
    first = paper.check_paper_ledger(Deployment(reference).environment(LIVE), policy, as_of)
    assert not first.blocking_count()
    # the ledger changed and the deployment was opened again: never the previous replay
    _break_fee(reference)
    environment = Deployment(reference).environment(LIVE)
    again = paper.check_paper_ledger(environment, policy, as_of)
    assert {f.rule for f in again if f.blocking} == {"ledger.fee_mismatch"}
    # another judging instant or clock skew on the same deployment: replayed for it
    paper.check_paper_ledger(environment, policy, as_of + timedelta(hours=1))
    paper.check_paper_ledger(environment, Policy(clock_skew_seconds=5), as_of)
    paper.check_paper_ledger(environment, policy, as_of)  # remembered
    assert replays == ["binance_paper"] * 4


def test_a_failed_replay_is_not_remembered(
    reference: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def broken(*_: Any, **__: Any) -> Any:
        calls.append(1)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(paper, "replay_paper", broken)
    as_of, policy = parse_instant(AS_OF), Policy()
    environment = Deployment(reference).environment(LIVE)
    for check in (paper.check_paper_ledger, paper.check_limits_against_paper):
        with pytest.raises(RuntimeError):
            check(environment, policy, as_of)
    assert len(calls) == 2  # each requirement meets the failure itself: both are errors
