"""The fleet: ``live-gate run --env all`` (or a glob) judges every environment of the phase's kind
in one run (each environment's session in a child forked after the shared work), one bundle
each, a summary in the terminal and an index page; exit 0 only if every environment is GO, else
the worst status."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from live_gate import cli
from live_gate.fleet import Member, expand, fleet_status, is_fleet, read_member
from live_gate.usage import GateUsageError
from tests.conftest import AS_OF, REPO, GateResult, edit_core, live_gate_command, refreeze

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


def _fleet_args(deployment: Path, env: str, evidence: Path, *more: str) -> list[str]:
    return [
        "run", "--deployment", str(deployment), "--env", env, "--as-of", AS_OF,
        "--evidence-dir", str(evidence), "-q", "-p", "no:unraisableexception", *more,
    ]  # fmt: skip


def _fleet(
    deployment: Path, env: str, evidence: Path, *more: str
) -> subprocess.CompletedProcess[str]:
    """``live-gate run --env ENV`` in a real process, as an operator runs a fleet."""
    return live_gate_command(*_fleet_args(deployment, env, evidence, *more))


def _in_process(capsys: pytest.CaptureFixture[str], *args: str) -> subprocess.CompletedProcess[str]:
    """``live-gate ARGS`` in this process (``live_gate.cli.main``): what a command that judges
    at most one environment (no fork) or stops at a usage error does, without an interpreter's
    start; its exit status and output as a process would give them."""
    capsys.readouterr()
    with _modules_restored():
        code = cli.main(list(args))
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(list(args), code, out, err)


@contextlib.contextmanager
def _modules_restored() -> Iterator[None]:
    """The modules a gate session run in this process imports are forgotten after it, as
    pytester does for each in-process run (``run_gate``): the step modules bind their feature
    files when imported (pytest-bdd's ``scenarios()``), so a later in-process run of another
    test, with another ``bdd_features_base_dir``, must import them again."""
    before = set(sys.modules)
    try:
        yield
    finally:
        for name in set(sys.modules) - before:
            del sys.modules[name]


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


def _two_live(deployment: Path) -> Path:
    """The reference with a second live environment, a copy of binance_live that has none of
    its records (entrypoint, register signers, dry run): NO-GO for those reasons alone."""

    def add(data: dict[str, Any]) -> None:
        data["environments"]["binance2_live"] = copy.deepcopy(data["environments"]["binance_live"])

    edit_core(deployment, add)
    refreeze(deployment)
    return deployment


@dataclass
class SharedFleet:
    """One real fleet (``live-gate run --env 'binance*'``) on the reference with a second live
    environment, read by every test below that only reads its outcome."""

    deployment: Path
    evidence: Path
    done: subprocess.CompletedProcess[str]
    parent: int  # the fleet's process id
    parses: list[int]  # the process ids that parsed core.yaml's text


@pytest.fixture(scope="module")
def two_live_fleet(
    tmp_path_factory: pytest.TempPathFactory, _reference_template: Path
) -> Iterator[SharedFleet]:
    """The fleet judges binance2_live (first: the names sort so) and binance_live, each in a
    child forked from this process (``live_gate.cli.main``, as ``live-gate run`` calls it; the
    real configuration's fleet above runs as a command), and names binance_paper (matched, of
    another kind) as not judged. It counts who parses core.yaml's text
    (``live_gate.yamlsource.parse_yaml``): the parent, once."""
    from live_gate import yamlsource

    folder = tmp_path_factory.mktemp("two-live")
    deployment = _two_live(
        Path(shutil.copytree(_reference_template, folder / "deployment", symlinks=True))
    )
    evidence = folder / "evidence"
    log = folder / "parses.log"
    core = (deployment / "config" / "core.yaml").read_text(encoding="utf-8")
    original = yamlsource.parse_yaml

    def counted(text: str, **limits: Any) -> Any:
        if text == core:
            with open(log, "a") as out:
                out.write(f"{os.getpid()}\n")
        return original(text, **limits)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yamlsource, "parse_yaml", counted)
        with _captured() as output, _modules_restored():
            code = cli.main(_fleet_args(deployment, "binance*", evidence))
    parses = [int(pid) for pid in log.read_text().split()] if log.exists() else []
    done = subprocess.CompletedProcess(["live-gate"], code, *output())
    yield SharedFleet(deployment, evidence, done, os.getpid(), parses)


@contextlib.contextmanager
def _captured() -> Iterator[Callable[[], tuple[str, str]]]:
    """This process's stdout and stderr, both the file descriptors (which the fleet's children
    and the warm-up's redirection use) and ``sys.stdout``/``sys.stderr`` (which pytest's capture
    replaced), into files, read back when the block ends."""
    texts: list[str] = []
    with contextlib.ExitStack() as stack:
        files = [stack.enter_context(tempfile.TemporaryFile()) for _ in (1, 2)]
        saved = [os.dup(1), os.dup(2)]
        streams = (sys.stdout, sys.stderr)
        streams[0].flush()
        streams[1].flush()
        try:
            for fd, file in zip((1, 2), files, strict=True):
                os.dup2(file.fileno(), fd)
            sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            yield lambda: (texts[0], texts[1])
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            sys.stdout, sys.stderr = streams
            for fd, old in zip((1, 2), saved, strict=True):
                os.dup2(old, fd)
                os.close(old)
            for file in files:
                file.seek(0)
                texts.append(file.read().decode("utf-8", "replace"))


def test_a_fleet_is_no_go_when_one_environment_is(two_live_fleet: SharedFleet) -> None:
    done, evidence = two_live_fleet.done, two_live_fleet.evidence
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr
    bundles = _bundles(evidence)
    assert {env: b["verdict"] for env, b in bundles.items()} == {
        "binance_live": "GO",
        "binance2_live": "NO-GO",
    }
    assert "2 environment(s), 1 GO, 1 NO-GO" in done.stdout
    # the glob matched the paper environment too: named, not judged by a live phase
    assert "not of the kind phase live_gate judges, not judged: binance_paper" in done.stdout
    page = _page(evidence)
    assert 'data-fleet-verdict="NO-GO"' in page and "binance_paper" in page
    assert "no runtime entrypoint is bound to environment binance2_live" in page


def test_each_bundle_of_a_fleet_is_a_bundle_like_any_other(
    two_live_fleet: SharedFleet, capsys: pytest.CaptureFixture[str]
) -> None:
    for env in ("binance_live", "binance2_live"):
        bundle = (two_live_fleet.evidence / env / "live_gate" / "latest").resolve()
        verified = _in_process(capsys, "verify", str(bundle))
        assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_members_judgement_is_the_one_it_gets_alone(
    two_live_fleet: SharedFleet, run_gate: Callable[..., GateResult]
) -> None:
    """Nothing leaks between a fleet's runs: binance2_live's judgement is the one a run of it
    alone gets (binance_live's, judged after binance2_live's NO-GO: in the test below)."""
    alone = run_gate(two_live_fleet.deployment, "--env", "binance2_live")
    assert alone.exit_code == 1, alone.output[-2000:]
    in_fleet = _bundles(two_live_fleet.evidence)["binance2_live"]
    assert _judged(alone.evidence) == _judged(in_fleet)


def test_the_children_do_not_parse_the_configuration_again(two_live_fleet: SharedFleet) -> None:
    """core.yaml is parsed by the fleet's parent, once; its children, forked after, read the
    parent's parse (live_gate.yamlsource.parse_yaml_shared), never the text again."""
    assert two_live_fleet.done.returncode == 1, two_live_fleet.done.stderr
    assert two_live_fleet.parent and two_live_fleet.parses == [two_live_fleet.parent]
    assert sorted(_bundles(two_live_fleet.evidence)) == ["binance2_live", "binance_live"]


def test_a_fleet_of_go_environments_is_go(
    tmp_path: Path, two_live_fleet: SharedFleet, capsys: pytest.CaptureFixture[str]
) -> None:
    """All GO: exit 0 (one environment matched: judged in this process, as a single run). That
    run is binance_live judged alone: the fleet's judgement of it is the same (nothing leaked
    from binance2_live's NO-GO, judged before it)."""
    evidence = tmp_path / "evidence"
    done = _in_process(capsys, *_fleet_args(two_live_fleet.deployment, "binance_*", evidence))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert sorted(_bundles(evidence)) == ["binance_live"]
    in_fleet = _bundles(two_live_fleet.evidence)["binance_live"]
    assert _judged(_bundles(evidence)["binance_live"]) == _judged(in_fleet)
    assert "not of the kind phase live_gate judges, not judged: binance_paper" in done.stdout
    assert "live-gate fleet verdict: GO (exit 0)" in done.stdout
    page = _page(evidence)
    assert 'data-fleet-verdict="GO"' in page and "binance_paper" in page


def _judged(evidence: dict[str, Any]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    return [
        (q["id"], q["status"], sorted((f["rule"], f["message"]) for f in q["findings"]))
        for q in evidence["requirements"]
    ]


# ----------------------------------------------------------------------- usage errors


def test_a_pattern_that_matches_nothing_is_a_usage_error(
    tmp_path: Path, reference: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evidence = tmp_path / "evidence"
    done = _in_process(capsys, *_fleet_args(reference, "*_nowhere", evidence))
    assert done.returncode == 2
    assert "--env *_nowhere matches no live environment" in done.stderr
    assert "candidates: binance_live" in done.stderr
    assert not evidence.exists()


def test_the_fleets_own_options_are_checked(
    tmp_path: Path, reference: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for option, value, said in (
        ("--fleet-workers", "0", "--fleet-workers 0: at least 1"),
        ("--fleet-timeout", "0", "--fleet-timeout 0.0: more than 0 s"),
    ):
        done = _in_process(
            capsys, *_fleet_args(reference, "all", tmp_path / "evidence", option, value)
        )
        assert done.returncode == 2 and said in done.stderr, done.stderr
    assert not (tmp_path / "evidence").exists()


def test_plain_pytest_asks_for_live_gate_run(
    tmp_path: Path,
    reference: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``pytest -m live_gate --env all`` from the checkout (``pytest.main`` in this process):
    one session judges one environment, so it names the command that runs a fleet."""
    monkeypatch.chdir(REPO)
    with _modules_restored():
        code = pytest.main(
            [
                "-m", "live_gate", f"--deployment={reference}", "--env", "all",
                f"--evidence-dir={tmp_path / 'evidence'}", f"--as-of={AS_OF}",
            ]
        )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert "live-gate run --env 'all'" in err
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


def test_an_unreadable_configuration_is_one_no_go_bundle(
    tmp_path: Path, reference: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No environment can be named: one run judges what it can, NO-GO with its bundle, as a
    single run would (in this process: one run, no fork); the fleet is NO-GO (exit 1), never a
    usage error nor a GO."""
    (reference / "config" / "core.yaml").write_text("environments: [unclosed\n", encoding="utf-8")
    evidence = tmp_path / "evidence"
    done = _in_process(capsys, *_fleet_args(reference, "all", evidence))
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


def test_the_shared_parse_keeps_no_large_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory stays flat: a large document, or a small one that aliases expand, is parsed each
    time and never kept. The caps themselves are those the bot's 84 kB core.yaml fits in; the
    values cap is lowered here so that the expanding document is small to parse."""
    from live_gate import yamlsource

    assert yamlsource._PARSED_MAX_CHARS <= 512 * 1024 and yamlsource._PARSED_ENTRIES <= 8
    assert yamlsource._PARSED_MAX_VALUES <= 100_000
    big = "k: " + "x" * (yamlsource._PARSED_MAX_CHARS + 1) + "\n"  # one value over the cap
    monkeypatch.setattr(yamlsource, "_PARSED_MAX_VALUES", 1_000)
    expanding = (
        "a: &a [" + ", ".join(["x"] * 40) + "]\n" + "".join(f"b{i}: *a\n" for i in range(30))
    )  # 1,200 values from 500 bytes
    kept = "a: [" + ", ".join(["x"] * 40) + "]\n"  # the same values once: kept
    for text in (big, expanding):
        yamlsource.parse_yaml_shared(text)
        assert all(key[0] != text for key in yamlsource._PARSED)
    yamlsource.parse_yaml_shared(kept)
    assert any(key[0] == kept for key in yamlsource._PARSED)


# ----------------------------------------------------------------------- forked children


def _forked(
    envs: list[str], judge: Any, *, workers: int = 2, timeout: float = 60.0, **more: Any
) -> tuple[list[tuple[str, Any]], list[tuple[bytes, bytes]]]:
    from live_gate.fleet import judge_forked

    shown: list[tuple[bytes, bytes]] = []
    judged = list(
        judge_forked(
            envs,
            judge,
            workers=workers,
            timeout=timeout,
            replay=lambda out, err: shown.append((out, err)),
            stop=more.pop("stop", lambda code, bundle: False),
            **more,
        )
    )
    return judged, shown


def test_children_run_at_most_one_per_cpu_and_report_in_order(tmp_path: Path) -> None:
    """Each environment in its own child, never more at a time than workers and CPUs; each
    child's output replayed whole, in the fleet's order, whatever order they finish in."""
    import time

    from live_gate.fleet import cpus

    def judge(env: str) -> tuple[int, Path | None]:
        (tmp_path / f"{env}.start").write_text(repr(time.monotonic()))
        time.sleep({"a": 0.15, "b": 0.03}.get(env, 0.01))  # a finishes after b and c
        print(f"out of {env}", flush=True)
        print(f"err of {env}", file=sys.stderr, flush=True)
        (tmp_path / f"{env}.end").write_text(repr(time.monotonic()))
        return (0 if env != "c" else 1), tmp_path / env

    envs = ["a", "b", "c", "d", "e"]
    judged, shown = _forked(envs, judge, workers=8)
    assert judged == [(env, (0 if env != "c" else 1, tmp_path / env, None)) for env in envs]
    assert shown == [(f"out of {e}\n".encode(), f"err of {e}\n".encode()) for e in envs]
    spans = [
        (float((tmp_path / f"{e}.start").read_text()), float((tmp_path / f"{e}.end").read_text()))
        for e in envs
    ]
    overlap = max(sum(1 for s, e in spans if s <= t < e) for t, _ in spans)
    assert overlap <= min(8, cpus())


def test_a_crashed_child_is_that_environments_run_problem(tmp_path: Path) -> None:
    import signal

    def judge(env: str) -> tuple[int, Path | None]:
        if env == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
        if env == "raises":
            raise RuntimeError("a bug in the gate")
        return 0, tmp_path

    judged, shown = _forked(["killed", "raises", "fine"], judge)
    assert judged[0] == (
        "killed",
        (3, None, "the run's process ended without a verdict (killed by signal SIGKILL)"),
    )
    assert judged[1] == (
        "raises",
        (3, None, "the run's process ended without a verdict (exit status 3)"),
    )
    assert b"RuntimeError: a bug in the gate" in shown[1][1]  # its traceback, on its stderr
    assert judged[2] == ("fine", (0, tmp_path, None))


def test_a_hung_child_is_stopped_and_is_a_run_problem(tmp_path: Path) -> None:
    import time

    def judge(env: str) -> tuple[int, Path | None]:
        if env == "hangs":
            time.sleep(60)
        return 0, tmp_path

    started = time.monotonic()
    judged, _ = _forked(["hangs", "fine"], judge, timeout=0.3)
    assert time.monotonic() - started < 30
    assert judged == [
        ("hangs", (3, None, "no verdict within 0.3 s: the run was stopped as hung")),
        ("fine", (0, tmp_path, None)),
    ]


def test_a_fleet_of_children_names_every_environment(tmp_path: Path) -> None:
    """Through run_fleet: a crash is the member's run problem (not "no bundle"); a stop after
    the first environment leaves those not started not judged, never lost."""
    import signal

    from live_gate.fleet import Fleet, run_fleet

    evidence = {"verdict": "GO", "environment": "fine", "requirements": []}
    (tmp_path / "evidence.json").write_text(json.dumps(evidence))

    def judge(env: str) -> tuple[int, Path | None]:
        if env == "crash":
            os.kill(os.getpid(), signal.SIGKILL)
        if env == "stop":
            return 2, None
        return 0, tmp_path

    def fleet() -> Fleet:
        return Fleet("live_gate", "all", "d", AS_OF, datetime(2026, 11, 20, tzinfo=UTC), tmp_path)

    crashed = fleet()
    assert run_fleet(crashed, ["fine", "crash"], judge, workers=2) == 3
    assert [(m.env, m.status) for m in crashed.members] == [("fine", 0), ("crash", 3)]
    assert crashed.members[1].problems == [
        "the run's process ended without a verdict (killed by signal SIGKILL)"
    ]
    stopped = fleet()
    assert run_fleet(stopped, ["fine", "stop", "rest"], judge, workers=1) == 3
    assert [m.env for m in stopped.members] == ["fine", "stop", "rest"]
    assert stopped.members[2].problems == ["not judged: the fleet was interrupted"]
    first = fleet()
    assert run_fleet(first, ["stop", "fine"], judge, workers=1) == 2  # a usage error
    assert not first.members


def test_a_heavy_module_a_run_needed_is_imported_once_for_the_next_children(
    tmp_path: Path,
) -> None:
    """The first child that imports a shareable module says so; the parent imports it before
    the next fork, so the children after it start with it."""
    module = f"live_gate_fleet_probe_{os.getpid()}"
    (tmp_path / f"{module}.py").write_text("VALUE = 1\n")
    sys.path.insert(0, str(tmp_path))
    try:

        def judge(env: str) -> tuple[int, Path | None]:
            had = module in sys.modules
            __import__(module)
            return (1 if had else 0), None

        judged, _ = _forked(["a", "b", "c"], judge, workers=1, shareable=(module,))
        assert [j[1][0] for j in judged] == [0, 1, 1]  # only the first imported it itself
        assert module in sys.modules
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop(module, None)


def test_ctrl_c_starts_no_further_child(tmp_path: Path) -> None:
    """Ctrl-C while children run: they finish (a terminal's Ctrl-C ends their own sessions);
    no further child starts; those never started are named, not judged."""
    import signal
    import time

    def judge(env: str) -> tuple[int, Path | None]:
        os.kill(os.getppid(), signal.SIGINT)  # the parent is waiting for this child
        time.sleep(0.2)
        return 0, tmp_path

    judged, _ = _forked(["a", "b", "c"], judge, workers=1)
    assert judged == [("a", (0, tmp_path, None)), ("b", None), ("c", None)]


def test_the_gate_features_are_parsed_once_per_content(tmp_path: Path) -> None:
    """A fleet's parent parses the gate's feature files and its children reuse that parse
    (live_gate.scenarios): keyed by each file's bytes, so a file changed since is parsed again,
    never served the older parse; what is kept cannot be changed by a run."""
    import dataclasses

    from live_gate.catalogue import load_catalogue
    from live_gate.scenarios import features_dir, load_gate_features

    root = Path(shutil.copytree(features_dir(), tmp_path / "features"))
    catalogue = load_catalogue()
    first = load_gate_features(catalogue, root)
    again = load_gate_features(catalogue, root)
    assert not first.problems and again.scenarios == first.scenarios
    assert all(a is b for a, b in zip(again.scenarios, first.scenarios, strict=True))  # reused
    feature = root / "act_1_config_freeze.feature"
    text = feature.read_text(encoding="utf-8")
    old = "Scenario: The configuration matches its signed freeze"
    assert old in text
    feature.write_text(text.replace(old, old + " again"), encoding="utf-8")
    changed = load_gate_features(catalogue, root)
    names = {s.name for s in changed.scenarios if s.feature == feature.name}
    assert "The configuration matches its signed freeze again" in names
    assert {f.sha256 for f in changed.files} != {f.sha256 for f in first.files}
    feature.write_text(text, encoding="utf-8")
    assert load_gate_features(catalogue, root).files == first.files
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.scenarios[0].name = "changed"  # type: ignore[misc]
