"""The fleet: ``live-gate run --env all`` (or a glob) judges every environment of the phase's kind
in one process, one bundle each, a summary in the terminal and an index page; exit 0 only if
every environment is GO, else the worst status."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from live_gate.fleet import Member, expand, fleet_status, is_fleet, read_member
from live_gate.usage import GateUsageError
from tests.conftest import AS_OF, REPO, edit_core, live_gate_command, refreeze

REAL_WORLD = Path(os.environ.get("LIVE_GATE_REAL_WORLD", REPO.parent / "shared" / "real-world"))
REAL_LIVE = sorted(
    [
        "binance_live",
        "binance_futures_live",
        "deribit_futures_live",
        "bitmex_futures_live",
        "kraken_live",
        "kraken_futures_live",
        "nowa_gielda_live",
        "coinbase_futures_live",
        "zonda_live",
    ]
)


def _fleet(deployment: Path, env: str, evidence: Path) -> subprocess.CompletedProcess[str]:
    return live_gate_command(
        "run", "--deployment", str(deployment), "--env", env, "--as-of", AS_OF,
        "--evidence-dir", str(evidence), "-q", "-p", "no:unraisableexception",
    )  # fmt: skip


def _bundles(evidence: Path) -> dict[str, dict[str, Any]]:
    """environment -> its one bundle's evidence.json (`latest` links are not bundles)."""
    found: dict[str, dict[str, Any]] = {}
    for bundle in sorted(evidence.glob("*/*/*")):
        if bundle.is_dir() and not bundle.is_symlink():
            env = bundle.parts[-3]
            assert env not in found, f"two bundles for {env}"
            found[env] = json.loads((bundle / "evidence.json").read_text(encoding="utf-8"))
    return found


def _page(evidence: Path, phase: str = "live_gate") -> str:
    pages = sorted(evidence.glob(f"fleet-{phase}-*.html"))
    assert len(pages) == 1, pages
    return pages[0].read_text(encoding="utf-8")


# ----------------------------------------------------------------------- whole fleets


@pytest.mark.skipif(
    not (REAL_WORLD / "config" / "core.yaml").is_file(),
    reason="../shared/real-world is not beside this checkout",
)
def test_the_real_configurations_nine_live_environments_are_judged_in_one_run(
    tmp_path: Path,
) -> None:
    evidence = tmp_path / "evidence"
    done = _fleet(REAL_WORLD, "all", evidence)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr
    bundles = _bundles(evidence)
    assert sorted(bundles) == REAL_LIVE  # the live ones only: phase live_gate judges live
    for env, judged in bundles.items():
        assert judged["environment"] == env and judged["verdict"] == "NO-GO"
        assert judged["exit_status"] == 1
    summary = done.stdout[done.stdout.index("live-gate fleet: ") :]
    assert "9 environment(s), 0 GO, 9 NO-GO" in summary
    assert "live-gate fleet verdict: NO-GO (exit 1)" in summary
    for env in REAL_LIVE:  # each with its blockers, by requirement
        assert f"PRE-1: [PRE-1] no runtime entrypoint is bound to environment {env}" in summary
    page = _page(evidence)
    assert 'data-fleet-verdict="NO-GO"' in page
    assert page.count('data-verdict="NO-GO"') == 9
    for env in REAL_LIVE:
        assert f"{env}/live_gate/" in page and f"<td>{env}</td>" in page


def _two_live(reference: Path) -> Path:
    """The reference with a second live environment, a copy of binance_live that has none of
    its records (entrypoint, register signers, dry run): NO-GO for those reasons alone."""

    def add(data: dict[str, Any]) -> None:
        data["environments"]["binance2_live"] = copy.deepcopy(data["environments"]["binance_live"])

    edit_core(reference, add)
    refreeze(reference)
    return reference


def test_a_fleet_is_no_go_when_one_environment_is(tmp_path: Path, reference: Path) -> None:
    evidence = tmp_path / "evidence"
    done = _fleet(_two_live(reference), "*_live", evidence)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr
    bundles = _bundles(evidence)
    assert {env: b["verdict"] for env, b in bundles.items()} == {
        "binance_live": "GO",
        "binance2_live": "NO-GO",
    }
    assert "2 environment(s), 1 GO, 1 NO-GO" in done.stdout
    page = _page(evidence)
    assert 'data-fleet-verdict="NO-GO"' in page
    assert "no runtime entrypoint is bound to environment binance2_live" in page
    # each bundle is a bundle like any other: verify accepts it
    for env in bundles:
        bundle = (evidence / env / "live_gate" / "latest").resolve()
        assert live_gate_command("verify", str(bundle)).returncode == 0
    # nothing leaks from one run to the next (binance_live is judged after binance2_live's
    # NO-GO): each environment's judgement is the one it gets alone
    for env in bundles:
        alone = tmp_path / f"alone-{env}"
        single = _fleet(reference, env, alone)
        assert single.returncode == (0 if env == "binance_live" else 1), single.stdout[-2000:]
        assert _judged(_bundles(alone)[env]) == _judged(bundles[env])


def _judged(evidence: dict[str, Any]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    return [
        (q["id"], q["status"], sorted((f["rule"], f["message"]) for f in q["findings"]))
        for q in evidence["requirements"]
    ]


def test_a_fleet_of_go_environments_is_go(tmp_path: Path, reference: Path) -> None:
    evidence = tmp_path / "evidence"
    done = _fleet(reference, "binance_*", evidence)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert sorted(_bundles(evidence)) == ["binance_live"]
    # the glob matched the paper environment too: named, not judged by a live phase
    assert "not of the kind phase live_gate judges, not judged: binance_paper" in done.stdout
    assert "live-gate fleet verdict: GO (exit 0)" in done.stdout
    page = _page(evidence)
    assert 'data-fleet-verdict="GO"' in page and "binance_paper" in page


# ----------------------------------------------------------------------- usage errors


def test_a_pattern_that_matches_nothing_is_a_usage_error(tmp_path: Path, reference: Path) -> None:
    evidence = tmp_path / "evidence"
    done = _fleet(reference, "*_nowhere", evidence)
    assert done.returncode == 2
    assert "--env *_nowhere matches no live environment" in done.stderr
    assert "candidates: binance_live" in done.stderr
    assert not evidence.exists()


def test_plain_pytest_asks_for_live_gate_run(tmp_path: Path, reference: Path) -> None:
    done = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-m", "live_gate", f"--deployment={reference}",
            "--env", "all", f"--evidence-dir={tmp_path / 'evidence'}", f"--as-of={AS_OF}",
        ],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert "live-gate run --env 'all'" in done.stderr
    assert not (tmp_path / "evidence").exists()


# ----------------------------------------------------------------------- the parts


def test_patterns() -> None:
    assert is_fleet("all") and is_fleet("*_live") and is_fleet("binance_[lp]*")
    assert not is_fleet("binance_live") and not is_fleet(None)
    kinds = {"a_live": "live", "b_live": "live", "a_paper": "paper", "c_testnet": "testnet"}
    assert expand("all", kinds, "live_gate") == (["a_live", "b_live"], [])
    assert expand("all", kinds, "paper_nightly") == (["a_paper", "c_testnet"], [])
    assert expand("a_*", kinds, "live_gate") == (["a_live"], ["a_paper"])
    with pytest.raises(GateUsageError, match="candidates: a_live, b_live"):
        expand("z*", kinds, "live_gate")


def test_the_fleet_status_is_the_worst(tmp_path: Path) -> None:
    go = Member("a", 0, tmp_path, verdict="GO")
    no_go = Member("b", 1, tmp_path, verdict="NO-GO")
    problem = Member("c", 3, tmp_path, verdict="NO-GO")
    assert fleet_status([go, go]) == 0
    assert fleet_status([go, no_go]) == 1
    assert fleet_status([no_go, problem, go]) == 3
    assert fleet_status([]) == 3  # nothing judged is never GO
    # a GO exit with a NO-GO bundle (or the reverse) cannot be trusted
    assert Member("d", 0, tmp_path, verdict="NO-GO").status == 3
    assert Member("e", 1, tmp_path, verdict="GO").status == 3


def test_a_member_is_what_its_bundle_says(tmp_path: Path) -> None:
    assert read_member("a", 0, None).status == 3  # no bundle: a run problem, never GO
    assert read_member("a", 0, tmp_path).status == 3  # no evidence.json
    (tmp_path / "evidence.json").write_text(
        json.dumps({"verdict": "GO", "environment": "other", "requirements": []})
    )
    member = read_member("a", 0, tmp_path)
    assert member.status == 3 and "not 'a'" in member.problems[0]


def test_the_page_escapes_what_it_shows(tmp_path: Path) -> None:
    from live_gate.fleet import Fleet

    fleet = Fleet("live_gate", "all", "<dep>", AS_OF, datetime(2026, 11, 20, tzinfo=UTC), tmp_path)
    bad = Member("<script>x</script>", 1, None, verdict="NO-GO", blockers=["PRE-1: <b>"])
    fleet.members.append(bad)
    page = fleet.write().read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;" in page
    assert fleet.write().name.endswith("-1.html")  # never overwrites an earlier fleet's page


def test_a_shared_parse_is_never_shared_state() -> None:
    """core.yaml is parsed once per process (live_gate.yamlsource.parse_yaml_shared): each
    reader gets its own copy, so one run (or check) cannot change what the next one reads."""
    from live_gate.yamlsource import parse_yaml_shared

    text = "environments:\n  a_live:\n    environment: live\n    keys: [1, 2]\n"
    first = parse_yaml_shared(text)
    first.data["environments"]["a_live"]["environment"] = "paper"
    first.data["environments"]["a_live"]["keys"].append(3)
    first.lines.clear()
    second = parse_yaml_shared(text)
    assert second.data == {"environments": {"a_live": {"environment": "live", "keys": [1, 2]}}}
    assert second.line_of("environments", "a_live", "environment") == 3
    assert parse_yaml_shared(text, max_nodes=1000).data == second.data  # other caps: parsed again


def test_an_unreadable_configuration_is_one_no_go_bundle(tmp_path: Path, reference: Path) -> None:
    """No environment can be named: one run judges what it can, NO-GO with its bundle, as a
    single run would; the fleet is NO-GO (exit 1), never a usage error nor a GO."""
    (reference / "config" / "core.yaml").write_text("environments: [unclosed\n", encoding="utf-8")
    evidence = tmp_path / "evidence"
    done = _fleet(reference, "all", evidence)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr
    assert {env: b["verdict"] for env, b in _bundles(evidence).items()} == {"unknown": "NO-GO"}
    assert "live-gate fleet verdict: NO-GO (exit 1)" in done.stdout
    assert "cannot read the deployment&#x27;s configuration: config/core.yaml:2" in _page(evidence)


def test_a_stop_after_the_first_environment_is_a_run_problem(tmp_path: Path) -> None:
    from live_gate.fleet import Fleet, run_fleet

    def judge(env: str) -> tuple[int, Path | None]:
        return (2, None) if env == "b" else (0, None)

    fleet = Fleet("live_gate", "all", "d", AS_OF, datetime(2026, 11, 20, tzinfo=UTC), tmp_path)
    assert run_fleet(fleet, ["a", "b", "c"], judge) == 3
    assert [(m.env, m.status) for m in fleet.members] == [("a", 3), ("b", 3), ("c", 3)]
    assert fleet.members[2].problems == ["not judged: the fleet was interrupted"]
    first = Fleet("live_gate", "all", "d", AS_OF, datetime(2026, 11, 20, tzinfo=UTC), tmp_path)
    assert run_fleet(first, ["b", "c"], judge) == 2 and not first.members  # a usage error


def test_the_shared_parse_keeps_no_large_document() -> None:
    """Memory stays flat: a large document, or a small one that aliases expand, is parsed each
    time and never kept."""
    from live_gate import yamlsource

    big = "".join(f"k{i}: {i}\n" for i in range(60_000))  # ~600 kB
    expanding = (
        "a: &a [" + ", ".join(["x"] * 400) + "]\n" + "".join(f"b{i}: *a\n" for i in range(300))
    )  # 120,000 values from 5 kB
    for text in (big, expanding):
        yamlsource.parse_yaml_shared(text)
        assert all(key[0] != text for key in yamlsource._PARSED)
