"""One gate run: what is judged, at which instant, under which policy, and what was found.

Independent of pytest's objects so that the verdict rules can be followed (and tested) without a
session: the plugin feeds it collection and test outcomes and asks it for the verdict.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any

from live_gate import __version__, report
from live_gate.catalogue import Catalogue
from live_gate.findings import Finding
from live_gate.outcomes import (
    RequirementOutcome,
    ScenarioRecord,
    Status,
    Verdict,
    aggregate,
    decide,
)
from live_gate.policy import Policy, Waiver
from live_gate.redaction import Redactor, collect_secrets
from live_gate.reference import REFERENCE_LIVE_ENV, REFERENCE_PAPER_ENV, build
from live_gate.resources.deployment import Deployment, Environment, UnreadableInput
from live_gate.scenarios import ExpectedScenario, GateFeatures
from live_gate.timeutil import bundle_stamp, iso, utc_now
from live_gate.usage import EXIT_GO, EXIT_NO_GO, EXIT_RUN_PROBLEM, PHASE_KINDS

EXIT_OK = 0
EXIT_TESTS_FAILED = 1


class RequirementNotMet(AssertionError):
    """Raised by a step when a check returned blocking findings."""

    def __init__(self, findings: list[Finding], remedy: str) -> None:
        self.findings = findings
        self.remedy = remedy
        lines = [f.explain() for f in findings]
        lines.append(f"  runbook: {remedy}")
        super().__init__("\n".join(lines))


@dataclass
class GateRun:
    phase: str
    as_of: datetime
    generated_at: datetime
    catalogue: Catalogue
    policy: Policy
    evidence_root: Path
    features: GateFeatures
    env_name: str = ""
    deployment_root: Path | None = None
    deployment_kind: str = "supplied"
    deployment: Deployment | None = None
    environment: Environment | None = None
    load_error: UnreadableInput | None = None
    operator: str = ""
    host: str = ""
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    records: dict[str, ScenarioRecord] = field(default_factory=dict)
    selected: list[str] = field(default_factory=list)
    own_deselected: set[str] = field(default_factory=set)
    deselected: set[str] = field(default_factory=set)
    redactor: Redactor = field(default_factory=Redactor)
    reference_tmp: Path | None = None
    bundle: Path | None = None
    report_data: Any = None
    verdict: Verdict = Verdict.NO_GO
    outcomes: list[RequirementOutcome] = field(default_factory=list)
    exit_status: int = 1
    bundle_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    signing_key: bytes | None = None
    # the deployment's own faults among the problems (unreadable or ambiguous configuration):
    # NO-GO on the deployment (exit 1), not a run problem (exit 3)
    deployment_problems: set[str] = field(default_factory=set)
    previous: dict[str, Any] | None = None  # "since the previous run", live_gate.history

    def problem(self, text: str, *, deployment: bool = False) -> None:
        text = self.redactor.text(text)
        if text not in self.problems:
            self.problems.append(text)
        if deployment:
            self.deployment_problems.add(text)

    @property
    def run_problems(self) -> list[str]:
        """Problems of the run itself, not of the deployment: exit status 3."""
        return [p for p in self.problems if p not in self.deployment_problems]

    def waiver_in_force(self, requirement: str) -> Waiver | None:
        """The policy's first waiver of ``requirement`` for this environment that is valid at
        ``as_of``, if any: what may turn the requirement's failure (never its error) into
        ``waived``."""
        for waiver in self.policy.waivers:
            if (
                waiver.environment == self.env_name
                and waiver.requirement == requirement
                and waiver.state_at(self.as_of) == "valid"
            ):
                return waiver
        return None

    @property
    def waived(self) -> list[RequirementOutcome]:
        return [o for o in self.outcomes if o.status is Status.WAIVED]

    @property
    def bundle_path(self) -> str:
        """``<env>/<phase>/<stamp>``: the bundle's place in the evidence folder."""
        return "/".join(self.bundle.parts[-3:]) if self.bundle else ""

    @property
    def environment_kind(self) -> str | None:
        return self.environment.kind if self.environment else None


def open_deployment(run: GateRun, supplied: str | None, env_name: str | None) -> None:
    """Find the deployment (or build the reference one) and the environment to judge."""
    if supplied:
        run.deployment_root = Path(os.path.abspath(str(supplied)))
        run.deployment_kind = "supplied"
    else:
        run.reference_tmp = Path(tempfile.mkdtemp(prefix="live-gate-reference-"))
        run.deployment_root = run.reference_tmp / "deployment"
        run.deployment_kind = "reference"
        build(run.deployment_root, run.as_of)
    if not env_name and run.deployment_kind == "reference":
        env_name = REFERENCE_PAPER_ENV if run.phase == "paper_nightly" else REFERENCE_LIVE_ENV
    run.env_name = str(env_name or "")
    # Secrets are gathered before anything is read, so that even a parse error cannot echo one.
    run.redactor.add(collect_secrets(run.deployment_root))
    if not run.deployment_root.is_dir():
        run.load_error = UnreadableInput(
            f"the deployment folder {run.deployment_root} does not exist"
        )
        run.problem(str(run.load_error))
        run.env_name = run.env_name or "unknown"
        return
    try:
        run.deployment = Deployment(run.deployment_root, run.policy.input_limits)
    except UnreadableInput as exc:
        run.load_error = exc
        run.problem(f"cannot read the deployment's configuration: {exc}", deployment=True)
        run.env_name = run.env_name or "unknown"
        return
    for duplicate in run.deployment.duplicate_keys:
        run.warnings.append(
            f"{run.deployment.config_file}:{duplicate.duplicate_line}: {duplicate.path} is "
            f"defined twice (first at line {duplicate.first_line}); the bot keeps the last "
            "definition, and so does the gate"
        )
    kinds = PHASE_KINDS[run.phase]
    if not run.env_name:
        candidates = [
            name
            for name in run.deployment.environment_names()
            if str(
                (run.deployment.section("environments").get(name) or {}).get("environment", "")
            ).lower()
            in kinds
        ]
        if len(candidates) == 1:
            run.env_name = candidates[0]
        else:
            run.env_name = "unknown"
            run.load_error = UnreadableInput(
                f"choose the environment to judge with --env (phase {run.phase} judges "
                f"{'/'.join(kinds)} environments; candidates: {', '.join(candidates) or 'none'})"
            )
            run.problem(str(run.load_error))
            return
    try:
        run.environment = run.deployment.environment(run.env_name)
    except UnreadableInput as exc:
        run.load_error = exc
        run.problem(str(exc))
        return
    if run.environment.kind not in kinds:
        run.problem(
            f"phase {run.phase} judges {'/'.join(kinds)} environments, but {run.env_name} is a "
            f"{run.environment.kind or 'undeclared'} environment "
            f"(config/core.yaml:{run.environment.line('environment') or run.environment.line()})"
        )
    for duplicate in run.deployment.duplicate_keys:
        if duplicate.path.startswith(f"environments.{run.env_name}.") or (
            duplicate.path == f"environments.{run.env_name}"
        ):
            run.problem(
                f"the configuration of {run.env_name} is ambiguous: {duplicate.path} is "
                f"defined at lines {duplicate.first_line} and {duplicate.duplicate_line}",
                deployment=True,
            )


def evidence_dir_conflict(evidence_root: Path, deployment: Path) -> str | None:
    """Why ``--evidence-dir`` cannot be used with this deployment, if it cannot: the gate never
    writes into the deployment it inspects, so neither folder may lie inside the other (symbolic
    links resolved: a link that leads into the deployment is the deployment)."""
    evidence, judged = evidence_root.resolve(), deployment.resolve()
    if evidence == judged or judged in evidence.parents:
        where = "is" if evidence == judged else "lies inside"
        return (
            f"--evidence-dir {evidence_root} {where} the deployment it would judge ({judged}"
            f"{', after resolving symbolic links' if evidence != evidence_root else ''}): the gate "
            "never writes into the deployment it inspects; choose an evidence folder outside it"
        )
    if evidence in judged.parents:
        return (
            f"the deployment {deployment} lies inside --evidence-dir {evidence_root} "
            f"({evidence}): bundles written there could land inside the deployment the gate "
            "judges; choose an evidence folder outside it"
        )
    return None


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text or "unknown").lstrip(".") or "unknown"


def create_bundle(run: GateRun) -> Path:
    """``<evidence-dir>/<env>/<phase>/<UTC %Y%m%dT%H%M%SZ>/``, never an existing one."""
    for _ in range(5):
        bundle = (
            run.evidence_root / safe_name(run.env_name) / run.phase / bundle_stamp(run.generated_at)
        )
        if not bundle.exists():
            break
        # two runs in the same second: never overwrite archived evidence
        time.sleep(1.0)
        run.generated_at = utc_now()
    bundle.mkdir(parents=True, exist_ok=False)
    run.bundle = bundle
    return bundle


def facts(run: GateRun) -> dict[str, str]:
    deployment = f"{run.deployment_root} ({run.deployment_kind})"
    if run.deployment_kind == "reference":
        deployment = (
            f"the reference deployment, built for this as-of in a temporary folder "
            f"(rebuild it with: live-gate example DIR --as-of {iso(run.as_of)})"
        )
    return {
        "Environment": f"{run.env_name} ({run.environment_kind or 'unknown kind'})",
        "Phase": run.phase,
        "Deployment": deployment,
        "Config SHA-256": run.deployment.config_sha256 if run.deployment else "unreadable",
        "As of": iso(run.as_of),
        "Generated at": iso(run.generated_at),
        "Gate version": __version__,
        "Gate features SHA-256": run.features.digest,
        "Operator": run.operator,
        "Host": run.host,
    }


@dataclass
class ScenarioCoverage:
    """What ran, compared with what the gate's own features define for the phase."""

    expected: tuple[ExpectedScenario, ...]
    ran: list[ExpectedScenario]  # at least one completed record
    missing: list[ExpectedScenario]  # no completed record: not collected, deselected, stopped
    foreign: list[ScenarioRecord]  # selected, but not a scenario of the gate's own features
    other_phase: list[ScenarioRecord]  # the gate's own, selected, of another phase

    @property
    def partial(self) -> bool:
        return bool(self.missing) or not self.expected


def scenario_coverage(run: GateRun) -> ScenarioCoverage:
    expected = run.features.in_phase(run.phase)
    in_phase = {s.id for s in expected}
    completed: set[str] = set()
    foreign, other_phase = [], []
    for nodeid in run.selected:
        record = run.records[nodeid]
        if record.expected_id is None:
            foreign.append(record)
        elif record.expected_id not in in_phase:
            other_phase.append(record)
        elif record.status is not None:
            completed.add(record.expected_id)
    return ScenarioCoverage(
        expected=expected,
        ran=[s for s in expected if s.id in completed],
        missing=[s for s in expected if s.id not in completed],
        foreign=foreign,
        other_phase=other_phase,
    )


def coverage(run: GateRun) -> tuple[list[str], dict[str, str]]:
    """Requirements of the catalogue this run checked completely, and why the others were not."""
    scenarios = scenario_coverage(run)
    missing: dict[str, int] = {}
    for scenario in scenarios.missing:
        for rid in scenario.requirements:
            missing[rid] = missing.get(rid, 0) + 1
    defined: dict[str, int] = {}
    for scenario in scenarios.expected:
        for rid in scenario.requirements:
            defined[rid] = defined.get(rid, 0) + 1
    covered: list[str] = []
    uncovered: dict[str, str] = {}
    for requirement in run.catalogue.requirements:
        rid = requirement.id
        if run.phase not in requirement.phases:
            uncovered[rid] = (
                f"not part of phase {run.phase} (runs in {', '.join(requirement.phases)})"
            )
        elif rid not in defined:
            uncovered[rid] = f"no scenario of the gate's features checks it in phase {run.phase}"
        elif rid in missing:
            uncovered[rid] = f"{missing[rid]} of its {defined[rid]} scenario(s) did not run"
        else:
            covered.append(rid)
    return covered, uncovered


def coverage_note(run: GateRun) -> str:
    """One sentence on how much of the phase ran, for the banner and the terminal."""
    scenarios = scenario_coverage(run)
    total, ran = len(scenarios.expected), len(scenarios.ran)
    if ran == total and total:
        return (
            f"All {total} scenarios the gate's features define for phase {run.phase} ran "
            f"(features SHA-256 {run.features.digest[:16]}…)."
        )
    return (
        f"Partial run: {ran} of {total} scenarios of phase {run.phase} ran; a partial run is "
        "never GO."
    )


def _shown(items: list[str], limit: int = 10) -> str:
    more = (
        f" … and {len(items) - limit} more (evidence.json lists them all)"
        if len(items) > limit
        else ""
    )
    return "; ".join(items[:limit]) + more


def judge_coverage(run: GateRun) -> ScenarioCoverage:
    """Run problems for anything less than, or other than, the phase's scenarios."""
    scenarios = scenario_coverage(run)
    for text in run.features.problems:
        run.problem(text)
    if not scenarios.expected:
        run.problem(
            f"the gate's features ({run.features.root}) define no scenario for phase {run.phase}"
        )
    if scenarios.missing:
        deselected = sum(
            1
            for nodeid in run.deselected
            if run.records.get(nodeid) is not None
            and run.records[nodeid].expected_id in {s.id for s in scenarios.missing}
        )
        why = f"; {deselected} of them were deselected (-k, -m, --deselect)" if deselected else ""
        run.problem(
            f"partial run: {len(scenarios.ran)} of {len(scenarios.expected)} scenarios of phase "
            f"{run.phase} ran; a GO needs every scenario the gate's own features define for the "
            f"phase{why}. Not run: "
            + _shown(
                [f"{', '.join(s.requirements)} {s.name!r} ({s.id})" for s in scenarios.missing]
            )
        )
    if scenarios.foreign:
        run.problem(
            f"{len(scenarios.foreign)} collected test(s) are not scenarios of the gate's own "
            f"feature files ({run.features.root}) and never count towards a GO: "
            + _shown(
                [
                    f"{r.nodeid} ({r.feature_file})"
                    if r.feature
                    else f"{r.nodeid} (not a scenario)"
                    for r in scenarios.foreign
                ]
            )
        )
    if scenarios.other_phase:
        run.problem(
            f"{len(scenarios.other_phase)} scenario(s) of another phase ran in a {run.phase} run: "
            + _shown([f"{r.name} ({r.expected_id})" for r in scenarios.other_phase])
        )
    return scenarios


def conclude(run: GateRun, exitstatus: int, stopped: str | None) -> int:
    """Outcomes by requirement, waivers, the verdict; returns the exit status to report."""
    scenarios = judge_coverage(run)
    by_requirement: dict[str, list[ScenarioRecord]] = {}
    for nodeid in run.selected:
        record = run.records[nodeid]
        for requirement in record.requirements:
            by_requirement.setdefault(requirement, []).append(record)
    not_run: dict[str, list[str]] = {}
    for scenario in scenarios.missing:
        for requirement in scenario.requirements:
            not_run.setdefault(requirement, []).append(f"{scenario.name!r} ({scenario.id})")
    run.outcomes = [
        aggregate(rid, run.catalogue, by_requirement.get(rid, []), not_run.get(rid, ()))
        for rid in run.catalogue.ids()
        if rid in by_requirement or rid in not_run
    ]
    apply_waivers(run)
    if exitstatus not in (EXIT_OK, EXIT_TESTS_FAILED) and not run.problems:
        run.problem(f"pytest ended with exit status {exitstatus}")
    if stopped:
        run.problem(f"the run was stopped early: {stopped}")
    run.verdict = decide(run.outcomes, run.problems)
    # README "Exit statuses": pytest's own statuses are not passed through; 2 (usage error)
    # never reaches here (live_gate.usage ends the session before it starts)
    if run.verdict is Verdict.GO:
        run.exit_status = EXIT_GO
    elif run.run_problems:
        run.exit_status = EXIT_RUN_PROBLEM
    else:
        run.exit_status = EXIT_NO_GO
    return run.exit_status


def apply_waivers(run: GateRun) -> None:
    """A failed requirement becomes waived under a waiver of the policy for this environment
    that is valid at ``as_of``; every other waiver for the environment is reported (expired,
    not yet valid, unused) and changes nothing. Errors are never waived."""
    mine = [w for w in run.policy.waivers if w.environment == run.env_name]
    used: set[int] = set()  # id() of the waivers applied
    for outcome in run.outcomes:
        if outcome.status is not Status.FAILED:
            continue
        waiver = run.waiver_in_force(outcome.id)
        if waiver is not None:
            used.add(id(waiver))
            outcome.status = Status.WAIVED
            outcome.reason = (
                f"waived until {waiver.expires_at} by "
                f"{', '.join(waiver.approved_by)}: {waiver.reason} "
                f"(finding: {outcome.reason})"
            )
            outcome.waiver = {
                "reason": waiver.reason,
                "approved_by": list(waiver.approved_by),
                "expires_at": waiver.expires_at,
                **({"valid_from": waiver.valid_from} if waiver.valid_from else {}),
            }
    statuses = {o.id: o.status.value for o in run.outcomes}
    for waiver in mine:
        state = waiver.state_at(run.as_of)
        about = f"waiver of {waiver.requirement} for {waiver.environment}"
        if state == "expired":
            run.warnings.append(
                f"{about} expired at {waiver.expires_at} (as of {iso(run.as_of)}): not applied"
            )
        elif state == "not yet valid":
            run.warnings.append(
                f"{about} is valid only from {waiver.valid_from} (as of {iso(run.as_of)}): "
                "not applied"
            )
        elif id(waiver) not in used:
            found = statuses.get(waiver.requirement, "not judged in this run")
            run.warnings.append(
                f"{about} is unused: {waiver.requirement} is {found}, not failed; remove the "
                "waiver from the policy"
            )


def closing_lines(run: GateRun) -> list[str]:
    lines = [""]
    for outcome in run.outcomes:
        if outcome.status.value in ("failed", "error"):
            lines.append(
                run.redactor.text(f"  {outcome.id} {outcome.status.value}: {outcome.reason}")
            )
    for warning in run.warnings:
        lines.append(f"  warning: {warning}")
    for problem in run.problems:
        lines.append(f"  run problem: {problem}")
    lines.append(f"  scenarios: {coverage_note(run)}")
    if run.previous is not None:
        from live_gate.history import describe

        lines += [f"  since the previous run: {line}" for line in describe(run.previous)]
    verdict = run.verdict.value
    if run.verdict is Verdict.GO and run.waived:
        verdict = f"GO {report.waiver_count(run.waived)}"
        lines += [
            run.redactor.text(f"  waived: {line}") for line in report.waiver_lines(run.waived)
        ]
    lines.append(
        f"live-gate verdict: {verdict} for {run.env_name} (phase {run.phase}, "
        f"as of {iso(run.as_of)})"
    )
    signed = ", signature.json" if run.signing_key is not None else ", unsigned"
    lines.append(
        f"live-gate evidence: {run.bundle} (report.html, evidence.json, SHA256SUMS{signed})"
    )
    return lines


def fallback_report(run: GateRun, evidence: dict[str, Any] | None = None) -> str:
    """The report when pytest-html did not write one (disabled, or pytest-metadata disabled):
    the same compliance part as the full report, without pytest-html's per-test table."""
    from live_gate.evidence import artifacts_by_requirement  # evidence imports this module

    covered, uncovered = coverage(run)
    run_facts = facts(run)
    body = (
        report.verdict_banner(
            run.verdict,
            {k: v for k, v in run_facts.items() if k in report.BANNER_FACTS},
            coverage_note(run),
            bundle_id=run.bundle_id,
            waived=run.waived,
        )
        + report.run_problems(run.problems)
        + report.since_previous(run.previous)
        + report.waivers_section(run.outcomes)
        + report.owners_summary(run.outcomes)
        + report.findings_section(
            run.outcomes, {r.id: r.remedy for r in run.catalogue.requirements}
        )
        + report.requirements_table(run.outcomes)
        + report.evidence_section(run.outcomes, artifacts_by_requirement(evidence))
        + report.coverage_section(run.catalogue, covered, uncovered)
        + report.warnings_section(run.warnings)
        + report.run_details(run_facts)
    )
    css = files("live_gate").joinpath("data/report.css").read_text("utf-8")
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'>{report.VIEWPORT}<title>live-gate "
        f"{escape(run.env_name)}: {run.verdict.value}</title><style>{css}</style></head><body>"
        f'<h1 id="title">live-gate {escape(run.env_name)}: {run.verdict.value}</h1>'
        f'<div class="additional-summary prefix">{run.redactor.text(body)}</div>'
        "</body></html>"
    )
