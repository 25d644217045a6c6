"""The pytest plugin: options, then one registered ``GatePlugin`` object per gate run that holds
the run and judges it against the gate's own scenarios.

The module is the package's ``pytest11`` entry point, so pytest loads it in every session. It
declares the options and the requirement markers, and decides in ``pytest_configure`` whether the
session is meant to be a gate run: ``-m`` names a phase, a gate option is given (``--deployment``,
``--env``, ``--as-of``, ``--evidence-dir``, ``--gate-config``, ``--operator``), or the collected
paths are the gate's own ``steps/`` or ``features/`` (a bare ``pytest`` in the checkout). Any
other session (the self-tests under ``tests/``) stays a plain pytest session. Informational
sessions (``--help``, ``--markers``, ``--fixtures``, ``--collect-only``, ``--setup-plan``) give no
verdict and write no bundle.

Usage errors (unknown or wrong-kind environment, a deployment that is not a folder, a malformed
``--as-of``, an invalid policy, ...) end the session in ``pytest_cmdline_main`` before it starts:
one message, exit status 2, no bundle (``live_gate.usage``).

Fail closed: every other way a gate run can go wrong (unreadable input, collection error,
missing step, a scenario of the phase that did not run, a test that is not one of the gate's
scenarios, a report plugin disabled, interruption) is recorded as a run problem or an ``error``
outcome, and either makes the verdict NO-GO with a non-zero exit.
"""

from __future__ import annotations

import gc
import getpass
import os
import re
import shutil
import socket
import sys
import traceback
from collections.abc import Callable, Generator
from datetime import datetime
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from live_gate import PHASES, history, report, usage
from live_gate.catalogue import OWNER_ROLES, Catalogue, load_catalogue, owner_tag
from live_gate.checksums import write_checksums
from live_gate.evidence import (
    artifacts_by_requirement,
    build_evidence,
    minimal_evidence,
    recompute,
    validation_errors,
    write_evidence,
)
from live_gate.findings import Finding
from live_gate.junit import align_junit, scenario_properties, verdict_junit
from live_gate.outcomes import ScenarioRecord, Status, StepRecord, Verdict
from live_gate.pinning import CannotRepin, repin
from live_gate.policy import Policy, PolicyError, load_policy
from live_gate.resources.deployment import Deployment, Environment, UnreadableInput
from live_gate.run import (
    GateRun,
    RequirementNotMet,
    closing_lines,
    conclude,
    coverage,
    coverage_note,
    create_bundle,
    evidence_dir_conflict,
    facts,
    fallback_report,
    open_deployment,
)
from live_gate.scenarios import GATE_PROJECT, catalogue_problems, load_gate_features
from live_gate.sealing import SigningKeyError, load_signing_key, seal
from live_gate.timeutil import InvalidInstant, parse_instant, utc_now

PLUGIN_NAME = "live-gate"

#: set in each environment's process of a fleet (live_gate.fleet), whose parent writes the
#: evidence folder's index once after all its runs: rewritten by every run, it would be read
#: back whole once per environment (and by concurrent runs, each missing the others' bundles)
FLEET_WRITES_INDEX = False

#: option destinations that make a session a gate run when given
GATE_OPTIONS = (
    "deployment",
    "gate_env",
    "as_of",
    "evidence_dir",
    "gate_config",
    "gate_operator",
    "signing_key_file",
)
_EARLY_PROBLEM = pytest.StashKey[str]()
_FREEZING = pytest.StashKey[bool]()


# --------------------------------------------------------------------------- options


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("live-gate", "live-gate: paper to live acceptance")
    group.addoption(
        "--deployment",
        default=None,
        metavar="DIR",
        help="the bot's working directory (default: the bundled reference deployment, "
        "built for --as-of)",
    )
    group.addoption(
        "--env",
        dest="gate_env",
        default=None,
        metavar="NAME",
        help="environment to judge (default: the deployment's only environment of "
        "the kind the phase judges)",
    )
    group.addoption(
        "--as-of",
        dest="as_of",
        default=None,
        metavar="ISO-8601",
        help="instant every freshness rule is judged at (default: now)",
    )
    group.addoption(
        "--evidence-dir",
        dest="evidence_dir",
        default=None,
        metavar="DIR",
        help="where evidence bundles are written (default: reports/); never inside the "
        "deployment judged",
    )
    group.addoption(
        "--gate-config",
        dest="gate_config",
        default=None,
        metavar="FILE",
        help="policy file (YAML/JSON, schema live_gate/schemas/gate_config.schema.json)",
    )
    group.addoption(
        "--operator",
        dest="gate_operator",
        default=None,
        help="who runs the gate (default: $LIVE_GATE_OPERATOR or the login name)",
    )
    group.addoption(
        "--signing-key-file",
        dest="signing_key_file",
        default=None,
        metavar="FILE",
        help="HMAC-SHA256 key (hex or raw) the bundle is signed with, held by compliance "
        "(default: $LIVE_GATE_SIGNING_KEY; never a file inside the deployment judged)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    """``--deployment DIR``: pytest took DIR for a test path when it chose its rootdir and
    configuration, before this plugin's options existed; choose again (``live_gate.pinning``)."""
    namespace = early_config.known_args_namespace
    given = any(getattr(namespace, name, None) for name in GATE_OPTIONS)
    if given or _phase_from_markexpr(str(namespace.markexpr or ""))[1]:
        # a gate run writes nothing but its bundle: no .pytest_cache in the folder pytest chose
        # as rootdir, which may be the deployment (the gate's own configuration says the same)
        for name in ("cacheprovider", "stepwise"):
            early_config.pluginmanager.set_blocked(name)
        # pytest's own objects are here for the whole run (see settle_heap)
        settle_heap(early_config)
    if not given:
        return
    try:
        note = repin(early_config, parser, args)
    except CannotRepin as exc:
        note = (
            f"pytest may have taken an option's value for a test path and could not be pinned "
            f"to the gate's configuration ({exc}): use --deployment=DIR (with '=') or "
            "live-gate run"
        )
    if note:
        early_config.stash[_EARLY_PROBLEM] = note


def _phase_from_markexpr(markexpr: str) -> tuple[str | None, list[str]]:
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_\-]*", markexpr or ""))
    named = [p for p in PHASES if p in words]
    return (named[0] if len(named) == 1 else None), named


def _under_gate_project(config: pytest.Config) -> bool:
    gate_dirs = (GATE_PROJECT / "steps", GATE_PROJECT / "features")
    for arg in config.args:
        path = Path(str(arg).split("::", 1)[0])
        path = path if path.is_absolute() else Path(config.invocation_params.dir) / path
        resolved = path.resolve()
        if any(resolved == d or d in resolved.parents for d in gate_dirs):
            return True
    return False


def is_gate_run(config: pytest.Config) -> bool:
    """Is this session meant to judge a deployment?"""
    if _phase_from_markexpr(str(config.option.markexpr or ""))[1]:
        return True
    if any(config.getoption(name) is not None for name in GATE_OPTIONS):
        return True
    return _under_gate_project(config)


INFORMATIONAL = {
    "help": "--help",
    "version": "--version",
    "markers": "--markers",
    "showfixtures": "--fixtures",
    "show_fixtures_per_test": "--fixtures-per-test",
    "collectonly": "--collect-only",
    "setupplan": "--setup-plan",
    "setuponly": "--setup-only",
    "generate_missing": "--generate-missing",
}


def informational(config: pytest.Config) -> str | None:
    """The option that makes this session show information instead of running the gate."""
    for dest, option in INFORMATIONAL.items():
        if getattr(config.option, dest, None):
            return option
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    catalogue = load_catalogue()
    # Requirement IDs, owner roles and phases are markers (`-m PRE-2`, `-m owner-risk`); they
    # are registered so that --strict-markers turns any other tag into a collection error.
    declared = {str(line).split(":", 1)[0].strip() for line in config.getini("markers")}
    for requirement in catalogue.requirements:
        config.addinivalue_line("markers", f"{requirement.id}: {requirement.title}")
    for role in OWNER_ROLES:
        config.addinivalue_line("markers", f"{owner_tag(role)}: owned by {role}")
    for phase in PHASES:
        if phase not in declared:
            config.addinivalue_line("markers", f"{phase}: a live-gate phase")
    if hasattr(config, "workerinput") or not is_gate_run(config):
        return
    shown = informational(config)
    if shown is not None:
        config.pluginmanager.register(NoVerdict(shown), f"{PLUGIN_NAME}-no-verdict")
        return
    plugin = GatePlugin.start(config, catalogue)
    config.pluginmanager.register(plugin, PLUGIN_NAME)
    _count_gate_run(config)
    settle_heap(config)


#: sessions that judge (a GatePlugin registered) this process has started: more than one in the
#: self-tests' in-process runs and a fleet judged in turn; a collect-only or --help session that
#: warms a process before it forks (live_gate.fleet) judges nothing and is not counted
_GATE_RUNS = 0


def _count_gate_run(config: pytest.Config) -> None:
    global _GATE_RUNS
    _GATE_RUNS += 1
    config.stash[_FREEZING] = _GATE_RUNS == 1
    if _GATE_RUNS > 1:
        gc.unfreeze()  # what the first run froze goes back to the collector (see settle_heap)


def settle_heap(config: pytest.Config) -> None:
    """Collect the young garbage, then move every object still alive out of the cyclic
    collector's reach (``gc.freeze``). A gate run holds a quarter of a million long-lived objects
    (pytest, ccxt's API tables, the parsed deployment) and the collector traversed all of them at
    every full collection: 0.4-0.5 s of a 1.7 s GO, more than any check. Settled when pytest has
    started, before the first scenario, after each one and at the end, a full collection only
    traverses what the current step of the run made: pytest's own last ones, and the
    interpreter's at exit, included (unfreezing at the end would cost that exit collection 0.3 s).

    Only the first judging session of a process freezes (``live-gate run``, ``pytest -m
    live_gate`` and each forked member of a fleet run one; what a parent froze before forking
    stays frozen, shared): a later one (the self-tests' in-process runs, a fleet judged in turn)
    gives the heap back to the collector (``gc.unfreeze``, with what the first run left: a pytest
    session's worth of cycles at most) and runs with the collector as it is."""
    if config.stash.get(_FREEZING, _GATE_RUNS == 0):
        gc.collect(1)
        gc.freeze()


def signing_key(path: str | None, deployment: Path | None) -> bytes | None:
    try:
        return load_signing_key(path, os.environ.get("LIVE_GATE_SIGNING_KEY"), deployment)
    except SigningKeyError as exc:
        raise usage.GateUsageError(str(exc)) from exc


def usage_error(config: pytest.Config) -> str | None:
    """What makes this gate run impossible to judge at all (``live_gate.usage``), if anything."""
    markexpr = str(config.option.markexpr or "")
    phase, named = _phase_from_markexpr(markexpr)
    try:
        if len(named) > 1:
            raise usage.GateUsageError(
                f"-m {markexpr!r} names several phases ({', '.join(named)}); a run judges "
                "exactly one phase"
            )
        usage.check_as_of(config.getoption("as_of"))
        policy = usage.check_policy(config.getoption("gate_config"))
        root = usage.check_deployment(config.getoption("deployment"))
        evidence_root = Path(os.path.abspath(str(config.getoption("evidence_dir") or "reports")))
        if root is not None:
            conflict = evidence_dir_conflict(evidence_root, root)
            if conflict:
                raise usage.GateUsageError(conflict)
        signing_key(config.getoption("signing_key_file"), root)
        usage.check_environment(root, config.getoption("gate_env"), phase or "live_gate", policy)
    except usage.GateUsageError as exc:
        return str(exc)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    """Usage errors end the session before it starts: one message, exit status 2, no scenario
    run, no bundle. pytest_cmdline_main is where pytest itself answers --help and --version; an
    implementation that returns a status is the session's result (pytest maps no own status to
    2 here: its INTERRUPTED, which a session that never started cannot be)."""
    if hasattr(config, "workerinput") or not is_gate_run(config) or informational(config):
        return None
    message = usage_error(config)
    if message is None:
        return None
    sys.stderr.write(f"live-gate: usage error: {message}\n")
    sys.stderr.flush()
    return usage.EXIT_USAGE


class NoVerdict:
    """A gate session that only shows information: say so, judge nothing, write nothing."""

    def __init__(self, option: str) -> None:
        self.option = option

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_line(
            f"live-gate: no verdict ({self.option} judges nothing and writes no evidence)"
        )


# --------------------------------------------------------------------------- fixtures


def _gate_run(config: pytest.Config) -> GateRun:
    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    if not isinstance(plugin, GatePlugin):
        pytest.fail("live-gate fixtures are only available in a gate run", pytrace=False)
    return plugin.run


@pytest.fixture(scope="session")
def gate_run(request: pytest.FixtureRequest) -> GateRun:
    return _gate_run(request.config)


@pytest.fixture(scope="session")
def deployment(gate_run: GateRun) -> Deployment:
    if gate_run.deployment is None:
        raise _fresh(gate_run.load_error, "the deployment could not be opened")
    return gate_run.deployment


@pytest.fixture(scope="session")
def environment(gate_run: GateRun, deployment: Deployment) -> Environment:
    if gate_run.environment is None:
        raise _fresh(gate_run.load_error, "the environment could not be opened")
    return gate_run.environment


def _fresh(error: UnreadableInput | None, default: str) -> UnreadableInput:
    """A new exception per scenario: re-raising one object makes its traceback grow with every
    scenario that raises it (pytest then renders thousands of frames)."""
    if error is None:
        return UnreadableInput(default)
    return UnreadableInput(error.message, error.file, error.line)


@pytest.fixture(scope="session")
def policy(gate_run: GateRun) -> Policy:
    return gate_run.policy


@pytest.fixture(scope="session")
def as_of(gate_run: GateRun) -> datetime:
    return gate_run.as_of


@pytest.fixture
def gate_check(
    request: pytest.FixtureRequest, gate_run: GateRun
) -> Callable[[list[Finding]], None]:
    """Record a check's findings on the current scenario; fail it if any finding blocks."""
    record = gate_run.records[request.node.nodeid]

    def judge(findings: list[Finding]) -> None:
        record.findings.extend(findings)
        for artifact in getattr(findings, "artifacts", []):
            if artifact not in record.artifacts:
                record.artifacts.append(artifact)
        record.facts.extend(getattr(findings, "facts", []))
        blocking = [f for f in findings if f.blocking]
        if blocking:
            remedy = "; ".join(
                dict.fromkeys(gate_run.catalogue.get(f.requirement).remedy for f in blocking)
            )
            raise RequirementNotMet(blocking, remedy)

    return judge


# --------------------------------------------------------------------------- the run


def _operator(config: pytest.Config) -> str:
    configured = config.getoption("gate_operator") or os.environ.get("LIVE_GATE_OPERATOR")
    if configured:
        return str(configured)
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _pinning_problem(config: pytest.Config, phase: str) -> str | None:
    """Is pytest running on the gate's own configuration and rootdir?"""
    ini = GATE_PROJECT / "pyproject.toml"
    inipath = Path(config.inipath).resolve() if config.inipath is not None else None
    if config.rootpath.resolve() == GATE_PROJECT and inipath == ini:
        return None
    return (
        f"pytest did not run on the gate's own configuration (rootdir {config.rootpath}, "
        f"configuration file {config.inipath or 'none'}; the gate's is {ini}), so it cannot "
        f"have run the gate's scenarios: run `live-gate run -m {phase} [options]` from any "
        f"directory, or run pytest from the checkout {GATE_PROJECT}"
    )


def _bdd_identity(item: pytest.Item) -> tuple[str, int, tuple[tuple[str, str], ...], str] | None:
    """(feature file, scenario line, Examples row, feature name) of a pytest-bdd scenario item,
    from the registry pytest-bdd keeps of the scenarios it bound; None for any other test."""
    try:
        from pytest_bdd.scenario import scenario_wrapper_template_registry
    except ImportError:
        return None
    try:
        obj: Any = getattr(item, "obj", None)
        template = scenario_wrapper_template_registry.get(obj)
    except TypeError:  # not weak-referenceable: not a scenario
        return None
    if template is None:
        return None
    callspec = getattr(item, "callspec", None)
    example = dict(callspec.params.get("_pytest_bdd_example", {})) if callspec else {}
    return (
        str(template.feature.filename),
        int(template.line_number),
        tuple((str(k), str(v)) for k, v in example.items()),
        str(template.feature.name),
    )


#: pytest's and pytest-bdd's report files a CI job asks for (option destination, option)
CI_REPORT_FILES = (("xmlpath", "--junitxml"), ("cucumber_json_path", "--cucumberjson"))


def _report_file_in_deployment(config: pytest.Config, deployment: Path) -> str | None:
    """The gate never writes into the deployment it judges: nor may the JUnit XML or the
    Cucumber JSON land there (symbolic links resolved, as for --evidence-dir)."""
    judged = deployment.resolve()
    for dest, option in CI_REPORT_FILES:
        target = getattr(config.option, dest, None)
        if not target:
            continue
        path = Path(os.path.abspath(os.path.expanduser(str(target)))).resolve()
        if path == judged or judged in path.parents:
            return (
                f"{option} {target} lies inside the deployment it would judge ({judged}): the "
                "gate never writes into the deployment it inspects; write it elsewhere"
            )
    return None


class GatePlugin:
    """One gate run: collection, outcomes by requirement, the verdict, the bundle, the report.

    Registered as ``live-gate`` from ``pytest_configure`` (as pytest's junitxml and pytest-html
    register their report objects); its methods are the hooks. The pytest-bdd and pytest-html
    hooks are optional, so that disabling either plugin is a NO-GO, never an internal error.
    """

    def __init__(self, config: pytest.Config, run: GateRun, html: bool) -> None:
        self.config = config
        self.run = run
        self.html = html  # pytest-html writes report.html (else the fallback report)
        self.written = False
        self.evidence: dict[str, Any] | None = None
        self.explicit_phase = _phase_from_markexpr(str(config.option.markexpr or ""))[0]

    @classmethod
    def start(cls, config: pytest.Config, catalogue: Catalogue) -> GatePlugin:
        generated_at = utc_now()
        markexpr = str(config.option.markexpr or "")
        phase, named = _phase_from_markexpr(markexpr)
        problems: list[str] = []
        if len(named) > 1:
            problems.append(
                f"-m {markexpr!r} names several phases ({', '.join(named)}); a run "
                "judges exactly one phase"
            )
        phase = phase or "live_gate"
        early = config.stash.get(_EARLY_PROBLEM, None)
        if early:
            problems.append(early)
        pinning = _pinning_problem(config, phase)
        if pinning:
            problems.append(pinning)
        features = load_gate_features(catalogue)
        problems.extend(features.problems)
        problems.extend(
            f"the gate's features disagree with its catalogue: {p}"
            for p in catalogue_problems(features, catalogue)
        )

        as_of = generated_at
        if config.getoption("as_of"):
            try:
                as_of = parse_instant(str(config.getoption("as_of")))
            except InvalidInstant as exc:
                problems.append(f"--as-of: {exc}; the run was judged at the wall clock instead")
        policy = Policy()
        gate_config = config.getoption("gate_config")
        if gate_config:
            try:
                policy = load_policy(Path(gate_config))
            except PolicyError as exc:
                problems.append(f"--gate-config: {exc}")

        evidence_root = Path(os.path.abspath(str(config.getoption("evidence_dir") or "reports")))
        supplied = config.getoption("deployment")
        if supplied:
            conflict = evidence_dir_conflict(evidence_root, Path(os.path.abspath(str(supplied))))
            if conflict:
                raise pytest.UsageError(f"live-gate: {conflict}")
            report_file = _report_file_in_deployment(config, Path(os.path.abspath(str(supplied))))
            if report_file:
                raise pytest.UsageError(f"live-gate: {report_file}")

        html = config.pluginmanager.hasplugin("html")
        metadata = config.pluginmanager.hasplugin("metadata")
        if not html:
            problems.append(
                "pytest-html is disabled (-p no:html): the bundle carries the gate's fallback "
                "report, without the per-scenario table; a GO needs the full report"
            )
        elif not metadata:
            problems.append(
                "pytest-metadata is disabled (-p no:metadata), without which pytest-html "
                "cannot write its report: the bundle carries the gate's fallback report; "
                "a GO needs the full report"
            )
        try:
            signing = signing_key(config.getoption("signing_key_file"), None)
        except usage.GateUsageError as exc:  # checked in pytest_cmdline_main; a race since
            raise pytest.UsageError(f"live-gate: {exc}") from exc
        run = GateRun(
            signing_key=signing,
            phase=phase,
            as_of=as_of,
            generated_at=generated_at,
            catalogue=catalogue,
            policy=policy,
            evidence_root=evidence_root,
            features=features,
            operator=_operator(config),
            host=socket.gethostname(),
        )
        for text in problems:
            run.problem(text)
        if getattr(config.option, "numprocesses", None) or (
            getattr(config.option, "dist", "no") != "no"
        ):
            # outcomes are gathered in this process; xdist workers would report nothing here
            run.problem(
                "the gate does not run distributed (pytest-xdist -n/--dist): run it without -n"
            )
        try:
            open_deployment(run, supplied, config.getoption("gate_env"))
        except Exception as exc:  # whatever happens, the run ends in NO-GO with a bundle
            run.load_error = UnreadableInput(f"the gate could not open the deployment: {exc}")
            run.problem(str(run.load_error))
            run.env_name = run.env_name or "unknown"
        try:
            bundle = create_bundle(run)
        except OSError as exc:
            if run.reference_tmp is not None:
                shutil.rmtree(run.reference_tmp, ignore_errors=True)
            raise pytest.UsageError(
                f"live-gate cannot write its evidence under {run.evidence_root}: {exc.strerror}"
            ) from exc
        plugin = cls(config, run, html=html and metadata)
        if plugin.html:
            config.option.htmlpath = str(bundle / "report.html")
            config.option.self_contained_html = True
            css = str(files("live_gate").joinpath("data/report.css"))
            config.option.css = [*list(getattr(config.option, "css", None) or []), css]
        elif html:
            config.option.htmlpath = None  # pytest-html would fail without pytest-metadata
        return plugin

    # ----------------------------------------------------------------------- collection

    def _record(self, item: pytest.Item) -> ScenarioRecord:
        ids = set(self.run.catalogue.ids())
        record = ScenarioRecord(
            nodeid=item.nodeid,
            requirements=tuple(sorted({m.name for m in item.iter_markers() if m.name in ids})),
            phases=tuple(p for p in PHASES if item.get_closest_marker(p) is not None),
            feature_file=str(item.path),
        )
        identity = _bdd_identity(item)
        if identity is None:
            return record
        filename, line, example, feature_name = identity
        record.feature = feature_name
        own = self.run.features.is_own(filename)
        record.feature_file = own or filename
        expected = self.run.features.lookup(own, line, example) if own else None
        if expected is not None:
            record.expected_id = expected.id
            record.name = expected.name
        elif own:
            record.feature_file = f"{own} (as pytest-bdd read it, not as the gate's own file is)"
        return record

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        run = self.run
        keep, other_phase = [], []
        for item in items:
            record = self._record(item)
            run.records[item.nodeid] = record
            self._report_findings_not_tracebacks(item, record)
            # JUnit XML: the requirement, its owners and the scenario on every testcase
            owners = dict.fromkeys(
                o for r in record.requirements for o in run.catalogue.get(r).owners
            )
            item.user_properties.extend(
                scenario_properties(record.requirements, list(owners), record.expected_id)
            )
            if not record.requirements:
                run.problem(f"{item.nodeid} is not tagged with a requirement ID of the catalogue")
            if not record.phases:
                run.problem(f"{item.nodeid} is not tagged with a phase ({', '.join(PHASES)})")
            if self.explicit_phase is None and run.phase not in record.phases:
                other_phase.append(item)
            else:
                keep.append(item)
        if other_phase:
            # a bare `pytest` means `pytest -m live_gate`: other phases are not part of this run
            run.own_deselected.update(i.nodeid for i in other_phase)
            items[:] = keep
            config.hook.pytest_deselected(items=other_phase)

    def _report_findings_not_tracebacks(self, item: pytest.Item, record: ScenarioRecord) -> None:
        """A failed scenario's report is its findings (requirement, file:line, expected, found,
        remedy), never a Python traceback: pytest would otherwise re-parse the source of every
        frame of every failed scenario (most of a NO-GO's run time) only for the text that
        ``pytest_runtest_makereport`` replaces with the findings anyway."""

        def render(excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
            return self.run.redactor.text(self._classify(record, excinfo, "the scenario")[1])

        # instance attributes shadow the item's methods for this item only
        setattr(item, "repr_failure", render)  # noqa: B010 - mypy refuses assigning a method
        setattr(item, "_repr_failure_py", render)  # noqa: B010

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.run.deselected.update(i.nodeid for i in items)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if not report.failed:
            return
        text = str(report.longrepr).strip().splitlines()
        last = text[-1] if text else "unknown error"
        self.run.problem(f"collection error in {report.nodeid or 'the test suite'}: {last}")

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._collection_finish(session)
        settle_heap(self.config)

    def _collection_finish(self, session: pytest.Session) -> None:
        run = self.run
        run.selected = [item.nodeid for item in session.items]
        if not run.selected:
            run.problem(f"the run collected no scenario for phase {run.phase}: nothing was checked")
        kind = run.environment_kind
        if kind is None:
            return
        for item in session.items:
            record = run.records[item.nodeid]
            inapplicable = [
                r for r in record.requirements if kind not in run.catalogue.get(r).applies_to
            ]
            if inapplicable and len(inapplicable) == len(record.requirements):
                record.not_applicable_reason = (
                    f"{', '.join(inapplicable)} does not apply to a {kind} environment"
                )

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        # pytest-metadata fills its stash in its own pytest_configure, after ours
        try:
            from pytest_metadata.plugin import metadata_key
        except ImportError:  # pragma: no cover - pytest-metadata is a dependency
            return
        if metadata_key not in session.config.stash:
            return
        metadata = session.config.stash[metadata_key]
        # The package list says nothing to compliance and lengthens the page; the gate's does.
        for noisy in ("Packages", "Plugins"):
            metadata.pop(noisy, None)
        metadata.update(facts(self.run))

    # ----------------------------------------------------------------------- running

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        record = self.run.records.get(item.nodeid)
        if record is not None and record.not_applicable_reason:
            pytest.skip(f"not applicable: {record.not_applicable_reason}")

    def pytest_runtest_logfinish(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        settle_heap(self.config)  # what the scenario left is garbage or kept to the end of the run

    @pytest.hookimpl(optionalhook=True)
    def pytest_bdd_before_scenario(
        self, request: pytest.FixtureRequest, feature: Any, scenario: Any
    ) -> None:
        record = self.run.records.get(request.node.nodeid)
        if record is None:
            return
        record.feature = str(feature.name)
        record.name = record.name or str(scenario.name)
        record.steps = [
            StepRecord(keyword=str(s.keyword), text=str(s.name)) for s in scenario.steps
        ]
        expected = next(
            (s for s in self.run.features.scenarios if s.id == record.expected_id), None
        )
        if expected is not None and [t for _, t in expected.steps] != [
            s.text for s in record.steps
        ]:
            # the file changed, or pytest-bdd read another text: this is not the gate's scenario
            record.expected_id = None
            record.feature_file += " (its steps differ from the gate's own feature file)"
            self.run.problem(
                f"{request.node.nodeid} ran steps that differ from the gate's own scenario "
                f"{expected.id}: the run did not check what the gate's features say"
            )

    def _step(self, request: pytest.FixtureRequest, scenario: Any, step: Any) -> StepRecord | None:
        """The record of ``step``, found by its position in the scenario pytest-bdd runs."""
        record = self.run.records.get(request.node.nodeid)
        if record is None:
            return None
        for index, candidate in enumerate(scenario.steps):
            if candidate is step and index < len(record.steps):
                return record.steps[index]
        return None

    @pytest.hookimpl(optionalhook=True)
    def pytest_bdd_after_step(
        self,
        request: pytest.FixtureRequest,
        feature: Any,
        scenario: Any,
        step: Any,
        step_func: Any,
        step_func_args: Any,
    ) -> None:
        found = self._step(request, scenario, step)
        if found:
            found.status = "passed"

    @pytest.hookimpl(optionalhook=True)
    def pytest_bdd_step_error(
        self,
        request: pytest.FixtureRequest,
        feature: Any,
        scenario: Any,
        step: Any,
        step_func: Any,
        step_func_args: Any,
        exception: Exception,
    ) -> None:
        found = self._step(request, scenario, step)
        if found:
            found.status = "failed"

    @pytest.hookimpl(optionalhook=True)
    def pytest_bdd_step_func_lookup_error(
        self,
        request: pytest.FixtureRequest,
        feature: Any,
        scenario: Any,
        step: Any,
        exception: Exception,
    ) -> None:
        found = self._step(request, scenario, step)
        if found:
            found.status = "undefined"
        self.run.problem(
            f"missing step definition for '{step.keyword} {step.name}' ({request.node.nodeid})"
        )

    def _classify(
        self, record: ScenarioRecord, excinfo: pytest.ExceptionInfo[BaseException], when: str
    ) -> tuple[Status, str]:
        error = excinfo.value
        if isinstance(error, RequirementNotMet):
            return Status.FAILED, str(error)
        if isinstance(error, UnreadableInput):
            remedies = "; ".join(self.run.catalogue.get(r).remedy for r in record.requirements)
            return (
                Status.ERROR,
                f"cannot read an input the check needs: {error}\n  runbook: {remedies}",
            )
        name = type(error).__name__
        if name == "StepDefinitionNotFoundError":
            return Status.ERROR, f"missing step definition: {error}"
        if isinstance(error, AssertionError):
            return Status.FAILED, f"{error}"
        tb = "".join(traceback.format_exception(type(error), error, error.__traceback__, limit=-3))
        return Status.ERROR, (
            f"the check itself failed during {when} ({name}: {error}); this is a "
            f"gate defect, and the requirement counts as not verified\n{tb}"
        )

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, Any, None]:
        outcome = yield
        run = self.run
        result: pytest.TestReport = outcome.get_result()
        record = run.records.get(item.nodeid)
        if record is None:
            return
        record.duration += max(0.0, float(result.duration or 0.0))
        if result.skipped and result.when in ("setup", "call"):
            if record.not_applicable_reason:
                record.status = Status.NOT_APPLICABLE
                record.message = record.not_applicable_reason
            else:
                reason = (
                    result.longrepr[2]
                    if isinstance(result.longrepr, tuple)
                    else str(result.longrepr)
                )
                record.status = Status.ERROR
                record.message = (
                    f"a required scenario was skipped ({reason}); skipped is not passed"
                )
        elif call.excinfo is not None and result.failed:
            status, message = self._classify(record, call.excinfo, result.when)
            if record.status not in (Status.FAILED, Status.ERROR):
                record.status, record.message = status, message
            if result.when == "teardown" and status is Status.FAILED:
                record.status = Status.ERROR
            result.longrepr = run.redactor.text(message)
        elif result.when == "call" and result.passed and record.status is None:
            record.status = Status.PASSED
            record.message = "all steps passed"
        result.sections = [(t, run.redactor.text(c)) for t, c in result.sections]
        if result.when == "teardown" and self.html:
            from pytest_html import extras

            remedy = "; ".join(run.catalogue.get(r).remedy for r in record.requirements)
            html = run.redactor.text(report.scenario_extra(record, remedy))
            # pytest-html reads `report.extras` (TOOLING_NOTES.md §C), an attribute it adds
            result.extras = [*getattr(result, "extras", []), extras.html(html)]  # type: ignore[attr-defined]

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(
        self, report: pytest.TestReport, config: pytest.Config
    ) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
        """A scenario that failed (its check's finding, never an error) only for requirements
        a waiver in force excuses is counted ``waived`` in the terminal (``W``, "1 waived"), not
        listed under FAILURES: the line above the verdict "GO with 1 waiver" does not say
        "1 failed". The requirement's outcome, the evidence and the JUnit file decide as before
        (a requirement one of whose scenarios errs is not waived, whatever this one says)."""
        if report.when != "call" or not report.failed:
            return None
        record = self.run.records.get(report.nodeid)
        if (
            record is None
            or record.status is not Status.FAILED
            or not record.requirements
            or not all(self.run.waiver_in_force(r) for r in record.requirements)
        ):
            return None
        return "waived", "W", ("WAIVED", {"yellow": True})

    # ----------------------------------------------------------------------- report hooks

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        self.run.report_data = report
        report.title = f"live-gate {self.run.env_name}: verdict pending"

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(1, '<th class="sortable" data-column-type="requirement">Requirement</th>')
        cells.insert(2, "<th>Scenario</th>")

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        record = self.run.records.get(report.nodeid)
        requirement = ", ".join(record.requirements) if record else ""
        name = record.name if record else report.nodeid
        cells.insert(1, f'<td class="col-requirement">{escape(requirement)}</td>')
        cells.insert(2, f"<td>{escape(name)}</td>")

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(
        self, prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
    ) -> None:
        run = self.run
        if run.report_data is not None:
            run.report_data.title = f"live-gate {run.env_name}: {run.verdict.value}"
        covered, uncovered = coverage(run)
        remedies = {r.id: r.remedy for r in run.catalogue.requirements}
        run_facts = facts(run)
        # the compliance officer's part; report.css puts it above pytest-html's own page
        prefix.extend(
            run.redactor.text(html)
            for html in (
                report.verdict_banner(
                    run.verdict,
                    {k: v for k, v in run_facts.items() if k in report.BANNER_FACTS},
                    coverage_note(run),
                    bundle_id=run.bundle_id,
                    waived=run.waived,
                ),
                report.run_problems(run.problems),
                report.since_previous(run.previous),
                report.waivers_section(run.outcomes),
                report.owners_summary(run.outcomes),
                report.findings_section(run.outcomes, remedies),
                report.requirements_table(run.outcomes),
                report.evidence_section(run.outcomes, artifacts_by_requirement(self.evidence)),
                report.coverage_section(run.catalogue, covered, uncovered),
                report.warnings_section(run.warnings),
                report.run_details(run_facts),
                report.for_engineers(),
            )
        )

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_html(self, report: pytest.TestReport, data: list[str]) -> None:
        # "No log output captured." under every passed scenario says nothing to anyone
        if data == ["No log output captured."]:
            data.clear()

    # ----------------------------------------------------------------------- verdict, evidence

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_sessionfinish(
        self, session: pytest.Session, exitstatus: int
    ) -> Generator[None, Any, Any]:
        run = self.run
        try:
            stopped = session.shouldstop or session.shouldfail
            session.exitstatus = conclude(
                run, int(session.exitstatus), str(stopped) if stopped else None
            )
        except Exception as exc:  # a defect of the gate must still end in NO-GO with a bundle
            run.problem(f"the gate failed while deciding the verdict: {type(exc).__name__}: {exc}")
            run.verdict = Verdict.NO_GO
            session.exitstatus = usage.EXIT_RUN_PROBLEM
            run.exit_status = int(session.exitstatus)
        # decided before pytest-html renders, so the report and the evidence never disagree
        evidence = self._prepare_evidence(session)
        self.evidence = evidence
        try:
            result = yield  # pytest-html writes report.html here, and junitxml its XML
        finally:
            self._write_bundle(evidence)
            self._align_junit(session)
        return result

    def _align_junit(self, session: pytest.Session) -> None:
        """Make the JUnit XML (--junitxml) agree with the verdict: see live_gate.junit."""
        path = getattr(session.config.option, "xmlpath", None)
        if not path or not os.path.isfile(path):
            return
        try:
            align_junit(Path(path), self.run)
        except Exception as exc:  # never let CI read a JUnit file that contradicts the verdict
            print(
                f"live-gate: the JUnit XML {path} could not be read back ({exc}); it now holds "
                "the verdict alone",
                file=sys.stderr,
            )
            Path(path).write_text(verdict_junit(self.run), encoding="utf-8")

    def _no_go(self, session: pytest.Session, problem: str) -> None:
        self.run.problem(problem)
        self.run.verdict = Verdict.NO_GO
        session.exitstatus = usage.EXIT_RUN_PROBLEM  # a gate defect: the run cannot be trusted
        self.run.exit_status = int(session.exitstatus)

    def _prepare_evidence(self, session: pytest.Session) -> dict[str, Any]:
        run = self.run
        args = ["pytest", *session.config.invocation_params.args]
        command = [run.redactor.text(a) for a in args]
        try:
            evidence = build_evidence(run, command)
            errors = validation_errors(evidence)
            if not errors:
                again = recompute(evidence)
                if again.verdict is not run.verdict or again.inconsistencies:
                    self._no_go(
                        session,
                        "the evidence does not support the verdict (a gate defect): it gives "
                        f"{again.verdict.value}"
                        + (
                            f"; {'; '.join(again.inconsistencies)}" if again.inconsistencies else ""
                        ),
                    )
                    evidence = build_evidence(run, command)
                    errors = validation_errors(evidence)
        except Exception as exc:
            errors = [f"{type(exc).__name__}: {exc}"]
        if errors:
            self._no_go(session, "the evidence does not match its schema: " + "; ".join(errors[:3]))
            evidence = minimal_evidence(run, command)
        self._compare_with_previous(evidence)
        return evidence

    def _compare_with_previous(self, evidence: dict[str, Any]) -> None:
        """ "Since the previous run": informative, never part of the verdict."""
        run = self.run
        assert run.bundle is not None
        try:
            run.previous = run.redactor.data(
                history.since_previous(run.bundle, evidence, run.signing_key)
            )
        except Exception as exc:  # a broken history must not break the run's own evidence
            run.previous = {
                "bundle": None,
                "verified": False,
                "problems": [f"the previous bundle could not be read: {exc}"],
            }
        evidence["previous"] = run.previous

    def _write_bundle(self, evidence: dict[str, Any]) -> None:
        bundle = self.run.bundle
        assert bundle is not None
        page = bundle / "report.html"
        if not page.exists():
            # pytest-html did not write it (disabled, or without pytest-metadata)
            page.write_text(fallback_report(self.run, evidence), encoding="utf-8")
        else:
            # pytest-html's template has no viewport: a phone would lay the page out 980 px wide
            page.write_text(report.with_viewport(page.read_text("utf-8")), encoding="utf-8")
        write_evidence(bundle, evidence)
        write_checksums(bundle)
        if self.run.signing_key is not None:
            seal(bundle, self.run.bundle_id, str(evidence["verdict"]), self.run.signing_key)
        self.written = True
        try:
            history.update_latest(bundle)
            if not FLEET_WRITES_INDEX:
                history.write_index(self.run.evidence_root)
        except OSError as exc:  # the bundle is complete; only the conveniences around it failed
            self.run.warnings.append(f"the evidence folder's latest link or index: {exc}")

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        run = self.run
        if not self.written:
            # pytest stopped before the session finished (another plugin's configure failed,
            # an interruption before the first test): the bundle still says NO-GO, and why
            run.problem("the pytest session ended before the gate could run its scenarios")
            conclude(run, pytest.ExitCode.TESTS_FAILED, None)
            command = [run.redactor.text(a) for a in ["pytest", *config.invocation_params.args]]
            self._write_bundle(minimal_evidence(run, command))
        if run.reference_tmp is not None:
            shutil.rmtree(run.reference_tmp, ignore_errors=True)
        lines = closing_lines(run)
        terminal = config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            for line in lines:
                terminal.write_line(
                    line,
                    bold=True,
                    red=run.verdict is Verdict.NO_GO,
                    green=run.verdict is Verdict.GO,
                )
        else:
            print("\n".join(lines), file=sys.stderr)
        config.pluginmanager.unregister(self)
        # pytest's last full collections (unraisable exceptions) need not go through the run
        settle_heap(config)
