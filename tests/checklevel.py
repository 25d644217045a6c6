"""The gate's checks run without a pytest session: a seeded defect judged in milliseconds.

A whole gate run costs a pytest session (0.3 s quiet, more under load); the self-tests break
the reference deployment in several hundred ways, so most of them judge at check level: the
deployment is opened by the gate's own ``open_deployment``, and every step of every scenario of
the phase is executed through **the gate's own step definitions**, found in pytest-bdd's registry
by the scenario's text (nothing here says which check belongs to which requirement: the features
and steps do, as in a gate run). What the whole run adds (collection, the verdict, evidence,
the report) is tested by one whole-gate NO-GO run per requirement in ``test_gate_defects.py``,
which also asserts that both ways find the same blockers.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from pytest_bdd.steps import StepFunctionContext, step_function_context_registry

from live_gate.catalogue import Catalogue, load_catalogue
from live_gate.findings import Finding
from live_gate.policy import Policy, load_policy
from live_gate.resources.deployment import UnreadableInput
from live_gate.router.bench import Benches, BenchUnusable
from live_gate.run import GateRun, open_deployment
from live_gate.scenarios import ExpectedScenario, GateFeatures, load_gate_features
from live_gate.timeutil import parse_instant, utc_now


@cache
def _catalogue_and_features() -> tuple[Catalogue, GateFeatures]:
    import steps  # noqa: F401  (the package; its modules register their step definitions)

    _import_step_modules()
    catalogue = load_catalogue()
    return catalogue, load_gate_features(catalogue)


@cache
def _step_module_names() -> tuple[str, ...]:
    root = Path(__file__).resolve().parent.parent / "steps"
    return tuple(
        f"steps.{path.stem}"
        for path in sorted(root.glob("*.py"))
        if not path.name.startswith(("test_", "_"))
    )


def _import_step_modules() -> None:
    for name in _step_module_names():
        importlib.import_module(name)


def _current(context: StepFunctionContext) -> bool:
    """A definition of the step modules as imported now: pytester's in-process runs may leave
    an older copy of a module in the (weak) registry until the garbage collector frees it."""
    function = context.step_func
    module = sys.modules.get(function.__module__)
    return module is not None and getattr(module, "__dict__", None) is function.__globals__


def _step_definition(keyword: str, text: str) -> tuple[StepFunctionContext, dict[str, Any]]:
    """The gate's step definition for one step of a feature, with its parsed arguments."""
    _import_step_modules()
    wanted = keyword.lower()
    matches = [
        context
        for context in list(step_function_context_registry.values())
        if context.type in (wanted, None) and context.parser.is_matching(text) and _current(context)
    ]
    if len(matches) != 1:
        raise AssertionError(f"{len(matches)} step definitions match '{keyword} {text}'")
    context = matches[0]
    arguments = dict(context.parser.parse_arguments(text) or {})
    for name, convert in context.converters.items():
        arguments[name] = convert(arguments[name])
    return context, arguments


class ScenarioError(Exception):
    """A step raised something other than a finding (an input it cannot read, a gate defect)."""


@dataclass
class CheckLevelResult:
    """What the checks found, by requirement; errors are steps that raised instead."""

    findings: dict[str, list[Finding]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    # by scenario name (distinct within a phase), as the evidence lists them: what each
    # scenario found, the facts it recorded, or why it erred
    scenario_findings: dict[str, list[Finding]] = field(default_factory=dict)
    scenario_errors: dict[str, str] = field(default_factory=dict)
    scenario_facts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def failed_scenarios(self) -> set[str]:
        """Scenarios with a blocking finding: the ones a whole run reports ``failed``."""
        return {n for n, found in self.scenario_findings.items() if any(f.blocking for f in found)}

    def rules(self, requirement: str) -> set[str]:
        """The rules of the requirement's blocking findings (as ``GateResult.rules``)."""
        return {f.rule for f in self.findings.get(requirement, []) if f.blocking}

    def blocking(self, requirement: str) -> list[Finding]:
        return [f for f in self.findings.get(requirement, []) if f.blocking]

    def warnings(self, requirement: str) -> list[Finding]:
        return [f for f in self.findings.get(requirement, []) if not f.blocking]

    @property
    def blocked(self) -> set[str]:
        """Requirements with a blocking finding or an error: NO-GO in a whole run."""
        return {r for r, found in self.findings.items() if any(f.blocking for f in found)} | {
            r for r, errors in self.errors.items() if errors
        }


@contextmanager
def _opened(
    root: Path, phase: str, as_of: datetime, policy: Policy, env: str | None
) -> Iterator[GateRun]:
    catalogue, features = _catalogue_and_features()
    with tempfile.TemporaryDirectory(prefix="live-gate-checklevel-") as evidence:
        run = GateRun(
            phase=phase,
            as_of=as_of,
            generated_at=utc_now(),
            catalogue=catalogue,
            policy=policy,
            evidence_root=Path(evidence),
            features=features,
        )
        open_deployment(run, str(root), env)
        yield run


def judge_checks(
    root: Path,
    *,
    requirements: set[str] | None = None,
    phase: str = "live_gate",
    as_of: str = "2026-11-20T12:00:00Z",
    policy: Path | Policy | None = None,
    env: str | None = None,
) -> CheckLevelResult:
    """Run the gate's checks for ``phase`` (optionally only some requirements) on a deployment.

    Every scenario's steps run in order and the first blocking finding ends the scenario, as
    in a gate run; the router bench (PRE-7) is opened and closed around its scenario as its
    fixture does.
    """
    chosen = policy if isinstance(policy, Policy) else load_policy(policy) if policy else Policy()
    result = CheckLevelResult()
    catalogue, features = _catalogue_and_features()
    with _opened(root, phase, parse_instant(as_of), chosen, env) as run:
        result.problems = list(run.problems)
        for scenario in features.in_phase(phase):
            if requirements is not None and not set(scenario.requirements) & requirements:
                continue
            kind = run.environment_kind
            if kind is not None and all(
                kind not in catalogue.get(r).applies_to for r in scenario.requirements
            ):
                continue  # not applicable to this kind of environment, as in a gate run
            _run_scenario(run, scenario, result)
    return result


class _Blocked(Exception):
    """The scenario stops at its first blocking finding, as ``gate_check`` makes it in a run."""


def _run_scenario(run: GateRun, scenario: ExpectedScenario, result: CheckLevelResult) -> None:
    found: list[Finding] = []
    facts: list[tuple[str, str]] = []

    def gate_check(findings: list[Finding]) -> None:
        found.extend(findings)
        facts.extend(getattr(findings, "facts", []))
        if any(f.blocking for f in findings):
            raise _Blocked

    bench = Benches()
    fixtures: dict[str, Any] = {
        "gate_run": run,
        "policy": run.policy,
        "as_of": run.as_of,
        "gate_check": gate_check,
        "bench_holder": bench,
    }
    error: str | None = None
    keyword = "Given"
    try:
        if run.deployment is None or run.environment is None:
            raise UnreadableInput(str(run.load_error or "the deployment could not be opened"))
        fixtures["deployment"] = run.deployment
        fixtures["environment"] = run.environment
        for written, text in scenario.steps:
            keyword = keyword if written in ("And", "But", "*") else written
            for name, value in scenario.example:
                text = text.replace(f"<{name}>", value)
            context, arguments = _step_definition(keyword, text)
            call_step(context, {**fixtures, **arguments}, fixtures)
    except _Blocked:
        pass
    except BenchUnusable:
        pass  # its findings went through gate_check first
    except UnreadableInput as exc:
        error = f"cannot read an input the check needs: {exc}"
    finally:
        bench.close()
    result.scenario_findings[scenario.name] = found
    result.scenario_facts[scenario.name] = facts
    if error:
        result.scenario_errors[scenario.name] = error
    for requirement in scenario.requirements:
        result.findings.setdefault(requirement, []).extend(found)
        if error:
            result.errors.setdefault(requirement, []).append(error)


def call_step(
    context: StepFunctionContext, available: dict[str, Any], fixtures: dict[str, Any]
) -> None:
    function: Callable[..., Any] = context.step_func
    wanted = inspect.signature(function).parameters
    missing = [name for name in wanted if name not in available]
    if missing:
        raise AssertionError(f"{function.__qualname__} needs fixtures {missing} the harness lacks")
    value = function(**{name: available[name] for name in wanted})
    if context.target_fixture:
        fixtures[context.target_fixture] = value
