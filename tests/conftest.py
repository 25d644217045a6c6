"""Self-test helpers: the reference deployment, ways to break it, and the gate run in-process."""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Imported once here: pytester's in-process runs keep modules that were loaded before them, so
# heavy libraries are not imported again by every gate run of the self-tests (pytester forgets
# every module a run imports: pyarrow.compute, which the market-data check imports lazily,
# rebuilt its ~300 wrappers, 45 ms of a 0.5 s run, each time).
import ccxt  # noqa: F401
import pyarrow.compute
import pyarrow.parquet  # noqa: F401
import pytest
import responses  # noqa: F401
import yaml

import live_gate.exchanges
import live_gate.plugin
import live_gate.router.reference
from live_gate.catalogue import load_catalogue
from live_gate.evidence import recompute, validation_errors
from live_gate.freeze import write_freeze
from live_gate.reference import build
from live_gate.reference.builder import DEMO_KEYS, LICENCE_KEYS
from live_gate.scenarios import load_gate_features
from live_gate.timeutil import parse_instant

pytest_plugins = ["pytester", "tests.shared_runs"]  # shared_runs: whole runs shared by tests

REPO = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-20T12:00:00Z"


def scenario_count(phase: str = "live_gate") -> int:
    """How many scenarios the gate's features define for a phase (47 for live_gate today)."""
    return len(load_gate_features(load_catalogue()).in_phase(phase))


@dataclass
class GateResult:
    exit_code: int
    output: str
    bundle: Path
    evidence: dict[str, Any]

    @property
    def verdict(self) -> str:
        return str(self.evidence["verdict"])

    def requirement(self, requirement_id: str) -> dict[str, Any]:
        for requirement in self.evidence["requirements"]:
            if requirement["id"] == requirement_id:
                return dict(requirement)
        raise AssertionError(
            f"{requirement_id} not in evidence: {[r['id'] for r in self.evidence['requirements']]}"
        )

    def status(self, requirement_id: str) -> str:
        return str(self.requirement(requirement_id)["status"])

    def rules(self, requirement_id: str) -> set[str]:
        return {
            f["rule"]
            for f in self.requirement(requirement_id)["findings"]
            if f["severity"] == "blocker"
        }

    def report(self) -> str:
        return (self.bundle / "report.html").read_text(encoding="utf-8")

    @property
    def problems(self) -> str:
        return "\n".join(self.evidence["run_problems"])


@pytest.fixture(scope="session")
def _reference_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("template") / "deployment", parse_instant(AS_OF))


# Several hundred self-tests each break a copy of the reference: on a tmpfs the copy costs a sixth
# of one on disk (5 ms against 30 ms on the shared CI machine), and far less under disk load.
SCRATCH = Path("/dev/shm")


def _scratch_usable() -> bool:
    """A writable tmpfs with room to spare (a container's default /dev/shm is 64 MB)."""
    if not (SCRATCH.is_dir() and os.access(SCRATCH, os.W_OK | os.X_OK)):
        return False
    room = os.statvfs(SCRATCH)
    return room.f_bavail * room.f_frsize >= 1024**3


def _copy_reference(template: Path, target: Path) -> Path:
    """A copy of the template: the files' contents, without their times and modes (copystat is
    a third of a copy of 160 files, and the gate reads neither: the template's files are all
    0644 and were written a moment ago, as their copies are)."""
    return Path(shutil.copytree(template, target, symlinks=True, copy_function=shutil.copyfile))


@pytest.fixture
def reference(request: pytest.FixtureRequest, _reference_template: Path) -> Iterator[Path]:
    """A fresh copy of the reference deployment for AS_OF, for one test to break (on a tmpfs
    when the machine has one, removed after the test; else in ``tmp_path``)."""
    if not _scratch_usable():
        tmp_path: Path = request.getfixturevalue("tmp_path")
        yield _copy_reference(_reference_template, tmp_path / "deployment")
        return
    scratch = Path(tempfile.mkdtemp(prefix="live-gate-reference-", dir=SCRATCH))
    try:
        yield _copy_reference(_reference_template, scratch / "deployment")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def gate_arguments(
    project: Path, phase: str | None, paths: list[str] | None, pinned: bool
) -> list[str]:
    args = [f"--rootdir={project}", "-c", str(project / "pyproject.toml")] if pinned else []
    args += [str(project / "steps")] if paths is None else paths
    return [*args, "-m", phase] if phase else args


LICENCE = "var/licenses/active/license.json"


@pytest.fixture
def no_licence(reference: Path) -> Path:
    """The reference deployment with its OEM licence deleted: NO-GO (PRE-4) however the gate is
    started, so a route that makes it GO has skipped the gate's judgement."""
    (reference / LICENCE).unlink()
    return reference


@pytest.fixture
def run_pytest(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[int, str]]:
    """pytest in this process, from ``cwd`` (default: an empty folder of pytester).

    A gate session started here settles the heap as the first one of a process does, as every
    ``live-gate run`` and ``pytest -m live_gate`` does (live_gate.plugin.settle_heap: it
    freezes what is alive, so the collector's full collections skip this process's 400,000
    objects, 0.1 s of a 0.5 s run), and hands it back to the collector when it is over.
    ``fresh_process=False`` leaves the count of this process's gate runs alone (the heap
    settling self-tests)."""

    def run(*args: str, cwd: Path | None = None, fresh_process: bool = True) -> tuple[int, str]:
        with monkeypatch.context() as patch:
            if cwd is not None:
                patch.chdir(cwd)
            if fresh_process:
                patch.setattr(live_gate.plugin, "_GATE_RUNS", 0)
            try:
                # pytest's gc-heavy unraisable-exception check costs 0.2 s per in-process run
                result = pytester.runpytest_inprocess(*args, "-p", "no:unraisableexception")
            finally:
                if fresh_process:
                    gc.unfreeze()
        return int(result.ret), result.stdout.str() + result.stderr.str()

    return run


@pytest.fixture
def run_gate(
    run_pytest: Callable[..., tuple[int, str]], tmp_path: Path
) -> Callable[..., GateResult]:
    """Run the gate in-process (pytester) on a deployment; return verdict, output and evidence.

    Every evidence file produced is validated against the published schema, its verdict must be
    the one ``live-gate verify`` recomputes from it, and no demo secret may appear in the
    terminal output, the evidence or the report. ``paths`` replaces the gate's ``steps/`` as the
    test paths, ``pinned=False`` leaves out ``--rootdir``/``-c`` and ``cwd`` changes the working
    directory: the ways an operator can start pytest; ``fresh_process`` as ``run_pytest``'s.
    """
    counter = {"n": 0}

    def run(
        deployment: Path | None,
        *extra: str,
        as_of: str | None = AS_OF,
        phase: str | None = "live_gate",
        project: Path = REPO,
        subprocess_run: bool = False,
        paths: list[str] | None = None,
        pinned: bool = True,
        cwd: Path | None = None,
        fresh_process: bool = True,
    ) -> GateResult:
        counter["n"] += 1
        evidence_dir = tmp_path / f"evidence-{counter['n']}"
        args = [*gate_arguments(project, phase, paths, pinned), f"--evidence-dir={evidence_dir}"]
        if as_of is not None:
            args.append(f"--as-of={as_of}")
        if deployment is not None:
            args.append(f"--deployment={deployment}")
        if subprocess_run or project != REPO:
            # a separate interpreter: the only way to load another project's `steps` package
            done = subprocess.run(
                [sys.executable, "-m", "pytest", *args, *extra],
                cwd=cwd or project,
                capture_output=True,
                text=True,
                check=False,
                timeout=300,
            )
            exit_code, output = done.returncode, done.stdout + done.stderr
        else:
            exit_code, output = run_pytest(*args, *extra, cwd=cwd, fresh_process=fresh_process)
        return read_bundle(evidence_dir, exit_code, output)

    return run


def read_bundle(evidence_dir: Path, exit_code: int, output: str) -> GateResult:
    """The one bundle a run left, checked: schema, recomputed verdict, no secret anywhere."""
    # <env>/<phase>/<stamp>; `latest` is a link to the newest, not a bundle of its own
    bundles = sorted(p for p in evidence_dir.glob("*/*/*") if p.is_dir() and not p.is_symlink())
    assert len(bundles) == 1, f"expected one evidence bundle, found {bundles}\n{output}"
    evidence = json.loads((bundles[0] / "evidence.json").read_text(encoding="utf-8"))
    assert validation_errors(evidence) == [], validation_errors(evidence)
    again = recompute(evidence)
    assert again.verdict.value == evidence["verdict"] and not again.inconsistencies, again
    gate = GateResult(exit_code, output, bundles[0], evidence)
    everything = output + json.dumps(evidence) + gate.report()
    secrets = [
        *DEMO_KEYS.values(),
        *(value for keys in LICENCE_KEYS.values() for value in keys.values()),
    ]
    for secret in secrets:
        assert secret not in everything, "a demo secret leaked into the gate's output"
        assert secret.encode().hex() not in everything, "a hex-encoded secret leaked"
    assert (gate.exit_code == 0) == (gate.verdict == "GO"), output
    return gate


def live_gate_command(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``live-gate ARGS`` in a real process, as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "live_gate.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


# libyaml where PyYAML has it: hundreds of seeded defects edit core.yaml, 2 ms each instead of 16
# (the same text: only the parser and the emitter are C, the representer is PyYAML's)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def edit_core(deployment: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = deployment / "config" / "core.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    change(data)
    text = yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8")


def refreeze(deployment: Path) -> None:
    """Freeze the configuration again after a deliberate edit (runbook §2.1), so that a test
    about something else is not also a test about the freeze."""
    write_freeze(deployment, "kl-freeze-demo", parse_instant("2026-11-20T11:00:00Z"))


def live_env(data: dict[str, Any]) -> dict[str, Any]:
    env: dict[str, Any] = data["environments"]["binance_live"]
    return env


def copy_project(target: Path) -> Path:
    """A copy of the gate's own project (features, steps, config) to break in self-tests."""
    target.mkdir(parents=True)
    for name in ("features", "steps"):
        shutil.copytree(REPO / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy2(REPO / name, target / name)
    return target


# The self-tests that take seconds each (whole runs in real processes), in the order of their
# cost as measured (`pytest tests -n 2 --durations=0`). Only the order of the run depends on
# this list: a renamed test just loses its place.
SLOW_FIRST = (
    "tests/test_fleet.py::test_a_fleet_is_no_go_when_one_environment_is",
    "tests/test_fleet.py::test_the_real_configurations_nine_live_environments",
    "tests/test_ci.py::test_the_templates_gate_step_runs",
    "tests/test_fleet.py::test_the_children_do_not_parse_the_configuration_again",
    "tests/test_gate_cli.py::",
    "tests/test_heap_settling.py::",
    "tests/test_fleet.py::",
    "tests/test_gate_router.py::",  # router benches that wait on the wall clock (0.5-1 s)
)
#: a test that asks for one of these runs the whole gate at least once (0.3-1 s)
WHOLE_RUN_FIXTURES = frozenset({"run_gate", "run_pytest", "pytester"})
#: session fixtures that start processes, each made once per xdist worker that needs it:
#: two `live-gate run`s, a whole run as the README starts it, a headless Chromium
SHARED = ("signed_runs", "reference_go_run", "browser")


def _shared_group(item: pytest.Item) -> int | None:
    """Which block of tests sharing a session fixture an item belongs to: the blocks are
    signed runs, the GO run alone, the GO run in the browser, the browser alone (so that the
    two users of both stand between the users of either)."""
    uses = [name in getattr(item, "fixturenames", ()) for name in SHARED]
    if uses[0]:
        return 0
    if uses[1]:
        return 2 if uses[2] else 1
    return 3 if uses[2] else None


def _uses_module_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(defs and defs[-1].scope == "module" for defs in info.name2fixturedefs.values())


@pytest.hookimpl(trylast=True)  # after pytest's own grouping of items by fixture scope
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """First the tests that share a session fixture, each block together: pytest-xdist's work
    stealing gives the first half of the list to one worker and moves tests from the end of a
    busy worker's queue, so each block's fixture is made by one worker, not by both (2-3 s
    each). Then the slow self-tests spread evenly through the rest, the slowest first: however
    the list is cut into chunks for the workers, each chunk holds its share of the whole runs,
    and no worker is left with a 5 s test at the end while the other idles. (A stable order:
    within each group, pytest's.)"""
    if config.getoption("failedfirst", False) or config.getoption("newfirst", False):
        return  # --ff/--nf: the operator's order

    def weight(item: pytest.Item) -> int:
        for rank, prefix in enumerate(SLOW_FIRST):
            if item.nodeid.startswith(prefix):
                return rank
        whole = WHOLE_RUN_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        return len(SLOW_FIRST) + (0 if whole else 1)

    shared = sorted((i for i in items if _shared_group(i) is not None), key=_shared_group)
    # a module-scoped fixture is torn down whenever the next test is in another module: the
    # tests that share one stay together, or each interleaving would make it again (a fleet)
    modules = [i for i in items if _shared_group(i) is None and _uses_module_fixture(i)]
    modules.sort(key=lambda item: str(item.path))
    grouped = {id(i) for i in shared + modules}
    ranked = sorted((i for i in items if id(i) not in grouped), key=weight)
    slow = [item for item in ranked if weight(item) <= len(SLOW_FIRST)]
    quick = ranked[len(slow) :]
    # each item at its fraction of its own list: the slow ones one every few quick ones
    placed = [(i / len(slow), 0, item) for i, item in enumerate(slow)]
    placed += [(i / len(quick), 1, item) for i, item in enumerate(quick)]
    items[:] = shared + modules + [item for _, _, item in sorted(placed, key=lambda e: e[:2])]


def _dist_chosen(config: pytest.Config) -> bool:
    """Whether the command line (or PYTEST_ADDOPTS) names a pytest-xdist --dist mode."""
    words = [*config.invocation_params.args, *os.environ.get("PYTEST_ADDOPTS", "").split()]
    return any(str(word).startswith(("--dist", "--distload")) for word in words)


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # optional: -p no:xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``pytest tests -n auto`` distributes by work stealing unless --dist says otherwise.
    pytest-xdist's default (load) sends each worker a quarter of its share up front and never
    takes it back: the first chunk, where the slow tests are (see pytest_collection_modifyitems),
    kept one worker busy 40 s after the other had finished. Work stealing moves a busy worker's
    pending tests to an idle one."""
    if config.getvalue("dist") != "load" or _dist_chosen(config):
        return None
    from xdist.scheduler import WorkStealingScheduling

    return WorkStealingScheduling(config, log)
