"""The pytest plugin: options, the judged deployment, outcomes by requirement tag, the verdict,
the evidence bundle and the report.

It is active only for gate runs (the collected paths are the project's ``steps/`` or
``features/``), so the self-test suite under ``tests/`` runs as a plain pytest suite.

Fail closed: every way a run can go wrong (bad option, unreadable input, collection error, missing
step, skipped or deselected required scenario, nothing collected, interruption) is recorded as a
run problem or an ``error`` outcome, and either makes the verdict NO-GO with a non-zero exit.
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import socket
import sys
import traceback
from collections.abc import Callable, Generator
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from live_gate import PHASES, report
from live_gate.catalogue import OWNER_ROLES, Catalogue, load_catalogue, owner_tag
from live_gate.checksums import write_checksums
from live_gate.evidence import (
    build_evidence,
    minimal_evidence,
    validation_errors,
    write_evidence,
)
from live_gate.findings import Finding
from live_gate.outcomes import ScenarioRecord, Status, StepRecord, Verdict
from live_gate.policy import Policy, PolicyError, load_policy
from live_gate.resources.deployment import Deployment, Environment, UnreadableInput
from live_gate.run import (
    GateRun,
    RequirementNotMet,
    closing_lines,
    conclude,
    coverage,
    coverage_caveat,
    create_bundle,
    facts,
    fallback_report,
    open_deployment,
)
from live_gate.timeutil import InvalidInstant, parse_instant, utc_now

GATE_RUN = pytest.StashKey[GateRun]()


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
        default="reports",
        metavar="DIR",
        help="where evidence bundles are written (default: reports/)",
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


def _is_gate_run(config: pytest.Config) -> bool:
    root = config.rootpath
    gate_dirs = (root / "steps", root / "features")
    for arg in config.args:
        path = Path(str(arg).split("::", 1)[0])
        path = path if path.is_absolute() else Path(config.invocation_params.dir) / path
        path = Path(os.path.abspath(path))
        if any(path == d or d in path.parents for d in gate_dirs):
            return True
    return False


def _phase_from_markexpr(markexpr: str) -> tuple[str | None, list[str]]:
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_\-]*", markexpr or ""))
    named = [p for p in PHASES if p in words]
    return (named[0] if len(named) == 1 else None), named


def _operator(config: pytest.Config) -> str:
    configured = config.getoption("gate_operator") or os.environ.get("LIVE_GATE_OPERATOR")
    if configured:
        return str(configured)
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _project_root(start: Path) -> Path | None:
    """The live-gate checkout the operator runs from (it holds features/ and steps/)."""
    for candidate in (start, *start.parents):
        if (candidate / "steps" / "test_runbook.py").is_file() and (
            candidate / "features"
        ).is_dir():
            return candidate
    return None


def _reexec_with_project_config(config: pytest.Config) -> None:
    """pytest picks its rootdir and ini file before any plugin can declare options, treating the
    value of ``--deployment DIR`` or ``--evidence-dir DIR`` as a test path: with a deployment
    outside the checkout, pytest then runs without live-gate's configuration (or with the bot's
    own). When that happened, start pytest again, pinned to the checkout's configuration."""
    project = _project_root(Path(config.invocation_params.dir))
    if project is None or os.environ.get("LIVE_GATE_REEXEC") == "1":
        return
    expected = project / "pyproject.toml"
    if config.inipath is not None and Path(config.inipath) == expected:
        return
    args = list(config.invocation_params.args)
    if args != sys.argv[1:]:
        return  # pytest.main() inside another program: never replace that process
    if not any(a in ("--deployment", "--evidence-dir", "--gate-config") for a in args):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    env = {**os.environ, "LIVE_GATE_REEXEC": "1"}
    os.execve(
        sys.executable,
        [sys.executable, "-m", "pytest", f"--rootdir={project}", "-c", str(expected), *args],
        env,
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        _reexec_with_project_config(config)
    catalogue = load_catalogue()
    # Requirement IDs and owner roles are markers too (`-m PRE-2`, `-m owner-risk`); they are
    # registered so that --strict-markers turns any other tag into a collection error.
    for requirement in catalogue.requirements:
        config.addinivalue_line("markers", f"{requirement.id}: {requirement.title}")
    for role in OWNER_ROLES:
        config.addinivalue_line("markers", f"{owner_tag(role)}: owned by {role}")
    if not _is_gate_run(config) or hasattr(config, "workerinput"):
        return

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

    evidence_root = Path(os.path.abspath(str(config.getoption("evidence_dir"))))
    run = GateRun(
        phase=phase,
        as_of=as_of,
        generated_at=generated_at,
        catalogue=catalogue,
        policy=policy,
        evidence_root=evidence_root,
        operator=_operator(config),
        host=socket.gethostname(),
    )
    for text in problems:
        run.problem(text)
    if getattr(config.option, "numprocesses", None) or getattr(config.option, "dist", "no") != "no":
        # outcomes are gathered in this process; xdist workers would report nothing here
        run.problem("the gate does not run distributed (pytest-xdist -n/--dist): run it without -n")
    config.stash[GATE_RUN] = run
    try:
        open_deployment(run, config.getoption("deployment"), config.getoption("gate_env"))
    except Exception as exc:  # whatever happens, the run ends in NO-GO with a bundle
        run.load_error = UnreadableInput(f"the gate could not open the deployment: {exc}")
        run.problem(str(run.load_error))
        run.env_name = run.env_name or "unknown"
    try:
        bundle = create_bundle(run)
    except OSError as exc:
        raise pytest.UsageError(
            f"live-gate cannot write its evidence under {run.evidence_root}: {exc.strerror}"
        ) from exc
    config.option.htmlpath = str(bundle / "report.html")
    config.option.self_contained_html = True
    css = str(files("live_gate").joinpath("data/report.css"))
    config.option.css = [*list(getattr(config.option, "css", None) or []), css]


def _describe_environment(run: GateRun, config: pytest.Config) -> None:
    try:
        from pytest_metadata.plugin import metadata_key
    except ImportError:  # pragma: no cover - pytest-metadata is a dependency of pytest-html
        return
    metadata = config.stash[metadata_key]
    # The package list says nothing to compliance and lengthens the page; the gate version does.
    for noisy in ("Packages", "Plugins"):
        metadata.pop(noisy, None)
    metadata.update(facts(run))


# --------------------------------------------------------------------------- collection


def _requirement_ids(item: pytest.Item, catalogue: Catalogue) -> tuple[str, ...]:
    ids = set(catalogue.ids())
    return tuple(sorted({m.name for m in item.iter_markers() if m.name in ids}))


def _phases(item: pytest.Item) -> tuple[str, ...]:
    return tuple(p for p in PHASES if item.get_closest_marker(p) is not None)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    run = config.stash.get(GATE_RUN, None)
    if run is None:
        return
    explicit_phase, _ = _phase_from_markexpr(str(config.option.markexpr or ""))
    keep, other_phase = [], []
    for item in items:
        record = ScenarioRecord(
            nodeid=item.nodeid,
            requirements=_requirement_ids(item, run.catalogue),
            phases=_phases(item),
        )
        run.records[item.nodeid] = record
        if not record.requirements:
            run.problem(f"{item.nodeid} is not tagged with a requirement ID of the catalogue")
        if not record.phases:
            run.problem(f"{item.nodeid} is not tagged with a phase ({', '.join(PHASES)})")
        if explicit_phase is None and run.phase not in record.phases:
            other_phase.append(item)
        else:
            keep.append(item)
    if other_phase:
        # a bare `pytest` means `pytest -m live_gate`: other phases are not part of this run
        run.own_deselected.update(i.nodeid for i in other_phase)
        items[:] = keep
        config.hook.pytest_deselected(items=other_phase)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if not report.failed:
        return
    config = _current_config
    run = config.stash.get(GATE_RUN, None) if config else None
    if run is None:
        return
    text = str(report.longrepr).strip().splitlines()
    last = text[-1] if text else "unknown error"
    run.problem(f"collection error in {report.nodeid or 'the test suite'}: {last}")


def pytest_collection_finish(session: pytest.Session) -> None:
    run = session.config.stash.get(GATE_RUN, None)
    if run is None:
        return
    run.selected = [item.nodeid for item in session.items]
    selected = set(run.selected)
    skipped_required = [
        nodeid
        for nodeid, record in run.records.items()
        if run.phase in record.phases
        and nodeid not in selected
        and nodeid not in run.own_deselected
    ]
    if skipped_required:
        shown = ", ".join(skipped_required[:5]) + (" …" if len(skipped_required) > 5 else "")
        run.problem(
            f"{len(skipped_required)} required scenario(s) of phase {run.phase} were deselected "
            f"(-k/-m or node ids): a partial run cannot be GO ({shown})"
        )
    if not run.selected:
        run.problem(f"the run collected no scenario for phase {run.phase}: nothing was checked")
    kind = run.environment_kind
    for item in session.items:
        record = run.records[item.nodeid]
        if kind is None:
            continue
        inapplicable = [
            r for r in record.requirements if kind not in run.catalogue.get(r).applies_to
        ]
        if inapplicable and len(inapplicable) == len(record.requirements):
            record.not_applicable_reason = (
                f"{', '.join(inapplicable)} does not apply to a {kind} environment"
            )


_current_config: pytest.Config | None = None


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    global _current_config
    _current_config = session.config
    run = session.config.stash.get(GATE_RUN, None)
    if run is not None:
        # pytest-metadata fills its stash in its own pytest_configure, after ours
        _describe_environment(run, session.config)


# --------------------------------------------------------------------------- fixtures


def _gate_run(request: pytest.FixtureRequest) -> GateRun:
    run = request.config.stash.get(GATE_RUN, None)
    if run is None:
        pytest.fail("live-gate fixtures are only available in a gate run", pytrace=False)
    return run


@pytest.fixture(scope="session")
def gate_run(request: pytest.FixtureRequest) -> GateRun:
    return _gate_run(request)


@pytest.fixture(scope="session")
def deployment(gate_run: GateRun) -> Deployment:
    if gate_run.deployment is None:
        raise gate_run.load_error or UnreadableInput("the deployment could not be opened")
    return gate_run.deployment


@pytest.fixture(scope="session")
def environment(gate_run: GateRun, deployment: Deployment) -> Environment:
    if gate_run.environment is None:
        raise gate_run.load_error or UnreadableInput("the environment could not be opened")
    return gate_run.environment


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


# --------------------------------------------------------------------------- running


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    run = item.config.stash.get(GATE_RUN, None)
    if run is None:
        return
    record = run.records.get(item.nodeid)
    if record is not None and record.not_applicable_reason:
        pytest.skip(f"not applicable: {record.not_applicable_reason}")


def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    run = request.config.stash.get(GATE_RUN, None)
    record = run.records.get(request.node.nodeid) if run else None
    if record is None:
        return
    record.feature = str(feature.name)
    record.name = str(scenario.name)
    record.steps = [StepRecord(keyword=str(s.keyword), text=str(s.name)) for s in scenario.steps]


def _step_record(request: pytest.FixtureRequest, step: Any) -> StepRecord | None:
    run = request.config.stash.get(GATE_RUN, None)
    record = run.records.get(request.node.nodeid) if run else None
    if record is None:
        return None
    for candidate in record.steps:
        if candidate.text == str(step.name) and candidate.status == "not run":
            return candidate
    return None


def pytest_bdd_after_step(
    request: pytest.FixtureRequest,
    feature: Any,
    scenario: Any,
    step: Any,
    step_func: Any,
    step_func_args: Any,
) -> None:
    found = _step_record(request, step)
    if found:
        found.status = "passed"


def pytest_bdd_step_error(
    request: pytest.FixtureRequest,
    feature: Any,
    scenario: Any,
    step: Any,
    step_func: Any,
    step_func_args: Any,
    exception: Exception,
) -> None:
    found = _step_record(request, step)
    if found:
        found.status = "failed"


def pytest_bdd_step_func_lookup_error(
    request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any, exception: Exception
) -> None:
    found = _step_record(request, step)
    if found:
        found.status = "undefined"
    run = request.config.stash.get(GATE_RUN, None)
    if run is not None:
        run.problem(
            f"missing step definition for '{step.keyword} {step.name}' ({request.node.nodeid})"
        )


def _classify(
    run: GateRun, record: ScenarioRecord, excinfo: pytest.ExceptionInfo[BaseException], when: str
) -> tuple[Status, str]:
    error = excinfo.value
    if isinstance(error, RequirementNotMet):
        return Status.FAILED, str(error)
    if isinstance(error, UnreadableInput):
        remedies = "; ".join(run.catalogue.get(r).remedy for r in record.requirements)
        return Status.ERROR, f"cannot read an input the check needs: {error}\n  runbook: {remedies}"
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
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    run = item.config.stash.get(GATE_RUN, None)
    if run is None:
        return
    result: pytest.TestReport = outcome.get_result()
    record = run.records.get(item.nodeid)
    if record is None:
        return
    if result.skipped and result.when in ("setup", "call"):
        if record.not_applicable_reason:
            record.status = Status.NOT_APPLICABLE
            record.message = record.not_applicable_reason
        else:
            reason = (
                result.longrepr[2] if isinstance(result.longrepr, tuple) else str(result.longrepr)
            )
            record.status = Status.ERROR
            record.message = f"a required scenario was skipped ({reason}); skipped is not passed"
    elif call.excinfo is not None and result.failed:
        status, message = _classify(run, record, call.excinfo, result.when)
        if record.status not in (Status.FAILED, Status.ERROR):
            record.status, record.message = status, message
        if result.when == "teardown" and status is Status.FAILED:
            record.status = Status.ERROR
        result.longrepr = run.redactor.text(message)
    elif result.when == "call" and result.passed and record.status is None:
        record.status = Status.PASSED
        record.message = "all steps passed"
    result.sections = [(t, run.redactor.text(c)) for t, c in result.sections]
    if result.when == "teardown":
        remedy = "; ".join(run.catalogue.get(r).remedy for r in record.requirements)
        try:
            from pytest_html import extras
        except ImportError:  # pragma: no cover
            return
        html = run.redactor.text(report.scenario_extra(record, remedy))
        # pytest-html reads `report.extras` (TOOLING_NOTES.md §C), an attribute it adds itself
        result.extras = [*getattr(result, "extras", []), extras.html(html)]  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- report hooks


def pytest_html_report_title(report: Any) -> None:
    config = _current_config
    run = config.stash.get(GATE_RUN, None) if config else None
    if run is None:
        return
    run.report_data = report
    report.title = f"live-gate {run.env_name}: verdict pending"


def pytest_html_results_table_header(cells: list[str]) -> None:
    if _current_config is None or _current_config.stash.get(GATE_RUN, None) is None:
        return
    cells.insert(1, '<th class="sortable" data-column-type="requirement">Requirement</th>')
    cells.insert(2, "<th>Scenario</th>")


def pytest_html_results_table_row(report: pytest.TestReport, cells: list[str]) -> None:
    config = _current_config
    run = config.stash.get(GATE_RUN, None) if config else None
    if run is None:
        return
    record = run.records.get(report.nodeid)
    requirement = ", ".join(record.requirements) if record else ""
    name = record.name if record else report.nodeid
    from html import escape

    cells.insert(1, f'<td class="col-requirement">{escape(requirement)}</td>')
    cells.insert(2, f"<td>{escape(name)}</td>")


def pytest_html_results_summary(
    prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
) -> None:
    run = session.config.stash.get(GATE_RUN, None)
    if run is None:
        return
    if run.report_data is not None:
        run.report_data.title = f"live-gate {run.env_name}: {run.verdict.value}"
    covered, uncovered = coverage(run)
    remedies = {r.id: r.remedy for r in run.catalogue.requirements}
    prefix.extend(
        run.redactor.text(html)
        for html in (
            report.verdict_banner(run.verdict, facts(run), coverage_caveat(run)),
            report.run_problems(run.problems),
            report.requirements_table(run.outcomes),
            report.findings_section(run.outcomes, remedies),
            report.coverage_section(run.catalogue, covered, uncovered),
            report.warnings_section(run.warnings),
        )
    )


# --------------------------------------------------------------------------- verdict and evidence


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> Generator[None, Any, Any]:
    run = session.config.stash.get(GATE_RUN, None)
    evidence: dict[str, Any] | None = None
    if run is not None:
        try:
            stopped = session.shouldstop or session.shouldfail
            session.exitstatus = conclude(
                run, int(session.exitstatus), str(stopped) if stopped else None
            )
        except Exception as exc:  # a defect of the gate must still end in NO-GO with a bundle
            run.problem(f"the gate failed while deciding the verdict: {type(exc).__name__}: {exc}")
            run.verdict = Verdict.NO_GO
            session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
            run.exit_status = int(session.exitstatus)
        # decided before pytest-html renders, so the report and the evidence never disagree
        evidence = _prepare_evidence(run, session)
    try:
        result = yield  # pytest-html writes report.html here
    finally:
        if run is not None and evidence is not None:
            _write_bundle(run, evidence)
    return result


def _prepare_evidence(run: GateRun, session: pytest.Session) -> dict[str, Any]:
    command = [run.redactor.text(a) for a in ["pytest", *session.config.invocation_params.args]]
    try:
        evidence = build_evidence(run, command)
        errors = validation_errors(evidence)
    except Exception as exc:
        errors = [f"{type(exc).__name__}: {exc}"]
    if errors:
        run.problem("the evidence does not match its schema: " + "; ".join(errors[:3]))
        run.verdict = Verdict.NO_GO
        if session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        run.exit_status = int(session.exitstatus)
        evidence = minimal_evidence(run, command)
    return evidence


def _write_bundle(run: GateRun, evidence: dict[str, Any]) -> None:
    assert run.bundle is not None
    if not (run.bundle / "report.html").exists():
        # pytest-html did not run (e.g. disabled with -p no:html): the bundle still needs a report
        (run.bundle / "report.html").write_text(fallback_report(run), encoding="utf-8")
    write_evidence(run.bundle, evidence)
    write_checksums(run.bundle)


def pytest_unconfigure(config: pytest.Config) -> None:
    run = config.stash.get(GATE_RUN, None)
    if run is None:
        return
    if run.reference_tmp is not None:
        shutil.rmtree(run.reference_tmp, ignore_errors=True)
    lines = closing_lines(run)
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None:
        for line in lines:
            terminal.write_line(
                line, bold=True, red=run.verdict is Verdict.NO_GO, green=run.verdict is Verdict.GO
            )
    else:
        print("\n".join(lines), file=sys.stderr)
