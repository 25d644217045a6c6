"""CI wiring: the JUnit XML agrees with the verdict and names requirements and owners; the CI
templates have the shape the README promises, and their gate step really runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import yaml

from live_gate.catalogue import load_catalogue
from live_gate.reference import build
from live_gate.timeutil import utc_now
from tests.conftest import REPO, GateResult, edit_core, live_env
from tests.shared_runs import junit_of
from tests.test_gate_defects import compliance, refreeze

GITHUB = REPO / "ci" / "github-actions-nightly-paper.yml"
GITLAB = REPO / "ci" / "gitlab-ci-nightly-paper.yml"


def _junit(path: Path) -> tuple[ET.Element, dict[str, ET.Element]]:
    root = ET.parse(path).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert suite is not None
    return suite, {c.get("name", ""): c for c in suite.iter("testcase")}


def _props(case: ET.Element, name: str) -> list[str]:
    return [str(p.get("value")) for p in case.iter("property") if p.get("name") == name]


def _counts(suite: ET.Element) -> dict[str, int]:
    cases = suite.findall("testcase")
    stated = {k: int(suite.get(k, "-1")) for k in ("tests", "failures", "errors")}
    assert stated == {
        "tests": len(cases),
        "failures": sum(1 for c in cases if c.find("failure") is not None),
        "errors": sum(1 for c in cases if c.find("error") is not None),
    }, "the suite's counts disagree with its testcases"
    return stated


def _run(run_gate: Any, deployment: Path, tmp_path: Path, *extra: str) -> tuple[GateResult, Path]:
    xml = tmp_path / f"junit-{len(list(tmp_path.glob('junit-*')))}.xml"
    return run_gate(deployment, f"--junitxml={xml}", *extra), xml


def test_junit_cases_name_requirements_and_owners_and_a_go_has_no_failure(
    reference_go: GateResult,
) -> None:
    gate, xml = reference_go, junit_of(reference_go)  # the shared run wrote --junitxml
    assert gate.verdict == "GO"
    suite, cases = _junit(xml)
    assert _counts(suite)["failures"] == 0 and _counts(suite)["errors"] == 0
    catalogue = load_catalogue()
    scenarios = {s["id"]: s for s in gate.evidence["scenarios"]}
    tested = [c for name, c in cases.items() if name != "live-gate verdict"]
    assert len(tested) == len(scenarios)
    for case in tested:
        (scenario_id,) = _props(case, "scenario")
        requirements = _props(case, "requirement")
        assert requirements == scenarios[scenario_id]["requirements"]
        owners = [o for r in requirements for o in catalogue.get(r).owners]
        assert _props(case, "owners") == [", ".join(dict.fromkeys(owners))]
    verdict = cases["live-gate verdict"]
    assert verdict.find("failure") is None and verdict.find("error") is None
    assert _props(verdict, "verdict") == ["GO"]
    assert _props(suite, "live-gate verdict") == ["GO"]
    assert _props(verdict, "bundle") == [str(gate.bundle)]


def test_a_waived_failure_is_not_a_junit_failure(reference: Path, tmp_path: Path, run_gate) -> None:
    compliance("signoffs", ["compliance:a.nowak", "risk:k.zielinska"])(reference)
    refreeze(reference)
    policy = tmp_path / "policy.yaml"
    waiver = {
        "requirement": "ACT-2",
        "environment": "binance_live",
        "reason": "security sign-off delegated during the audit freeze",
        "approved_by": ["compliance:a.nowak", "cro:j.kowalski"],
        "expires_at": "2026-11-30T00:00:00Z",
    }
    policy.write_text(yaml.safe_dump({"waivers": [waiver]}))
    gate, xml = _run(run_gate, reference, tmp_path, f"--gate-config={policy}")
    assert gate.verdict == "GO" and gate.status("ACT-2") == "waived"
    suite, cases = _junit(xml)
    assert _counts(suite)["failures"] == 0 and _counts(suite)["errors"] == 0
    act2 = [c for c in cases.values() if _props(c, "requirement") == ["ACT-2"]]
    assert act2 and all(c.find("failure") is None for c in act2)
    waived = [w for c in act2 for w in _props(c, "waived")]
    assert any(
        "security sign-off delegated" in w and "cro:j.kowalski" in w and "2026-11-30" in w
        for w in waived
    ), waived
    assert _props(cases["live-gate verdict"], "waived") == ["ACT-2"]


def test_a_no_go_of_the_deployment_is_a_junit_failure(
    reference: Path, tmp_path: Path, run_gate
) -> None:
    edit_core(
        reference, lambda d: live_env(d)["alert_throttle"].__setitem__("exclude_severities", [])
    )
    gate, xml = _run(run_gate, reference, tmp_path)
    assert gate.verdict == "NO-GO"
    suite, cases = _junit(xml)
    failed = [c for c in cases.values() if c.find("failure") is not None]
    assert any(_props(c, "requirement") == ["PRE-3"] for c in failed)
    verdict = cases["live-gate verdict"]
    failure = verdict.find("failure")
    assert failure is not None and "PRE-3" in failure.get("message", "")
    assert "live-gate verdict: NO-GO" in (failure.text or "")
    _counts(suite)


def test_a_run_problem_is_a_junit_error_even_when_every_test_passed(
    reference: Path, tmp_path: Path, run_gate
) -> None:
    """A partial run: every scenario that ran passed, so pytest alone reports no failure."""
    gate, xml = _run(run_gate, reference, tmp_path, "-k", "not throttled")
    assert gate.verdict == "NO-GO" and "partial run" in gate.problems
    suite, cases = _junit(xml)
    assert all(c.find("failure") is None for n, c in cases.items() if n != "live-gate verdict")
    error = cases["live-gate verdict"].find("error")
    assert error is not None and "partial run" in error.get("message", "")
    assert _counts(suite)["errors"] >= 1


# --------------------------------------------------------------------------- templates


def _readme_ci_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("\n## CI\n") :]
    section = section[: section.index("\n## ", 5)]
    return re.findall(r"^(live-gate run .+)$", section, re.M)


def test_the_readme_names_the_templates_command() -> None:
    commands = _readme_ci_commands()
    assert commands, "README's CI section shows the command the templates run"
    for template in (GITHUB, GITLAB):
        text = template.read_text(encoding="utf-8")
        assert any(f".venv/bin/{c}" in text for c in commands), template.name


def test_github_actions_template_shape() -> None:
    workflow = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads `on` as true
    assert triggers["schedule"][0]["cron"] and "workflow_dispatch" in triggers
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/checkout@") for u in uses)
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert python["with"]["cache"] == "pip"
    gate = next(s for s in steps if s.get("id") == "gate")
    assert "live-gate run -m paper_nightly --env binance_paper" in gate["run"]
    assert "--junitxml junit/live-gate.xml" in gate["run"]
    assert 'exit "$status"' in gate["run"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()", "the bundle of a NO-GO is the one compliance needs"
    assert "evidence/" in upload["with"]["path"]
    assert upload["with"]["retention-days"]
    assert workflow["env"]["EVIDENCE_RETENTION_DAYS"] == "90"


def test_gitlab_ci_template_shape() -> None:
    pipeline = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))
    job = pipeline["live-gate-paper-nightly"]
    assert {"if": '$CI_PIPELINE_SOURCE == "schedule"'} in job["rules"]
    assert job["cache"]["paths"] == [".cache/pip"]
    assert pipeline["variables"]["PIP_CACHE_DIR"] == "$CI_PROJECT_DIR/.cache/pip"
    script = "\n".join(job["script"])
    assert "live-gate run -m paper_nightly --env binance_paper" in script
    assert 'exit "$status"' in script
    artifacts = job["artifacts"]
    assert artifacts["when"] == "always" and artifacts["expire_in"] == "90 days"
    assert "evidence/" in artifacts["paths"]
    assert artifacts["reports"]["junit"] == "junit/live-gate.xml"


def _gate_step(template: Path) -> str:
    if template == GITHUB:
        workflow = yaml.safe_load(template.read_text(encoding="utf-8"))
        (job,) = workflow["jobs"].values()
        return str(next(s for s in job["steps"] if s.get("id") == "gate")["run"])
    job = yaml.safe_load(template.read_text(encoding="utf-8"))["live-gate-paper-nightly"]
    return str(job["script"][-1])


def _run_step(script: str, workdir: Path, deployment: Path) -> tuple[int, str, str]:
    workdir.mkdir()
    (workdir / ".venv").symlink_to(Path(sys.executable).parent.parent)
    output = workdir / "github_output"
    env = {
        **os.environ,
        "DEPLOYMENT_DIR": str(deployment),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_WORKFLOW": "nightly",
        "GITHUB_RUN_NUMBER": "7",
        "CI_PIPELINE_ID": "7",
    }
    done = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    written = output.read_text() if output.exists() else ""
    return done.returncode, done.stdout + done.stderr, written


def test_the_templates_gate_step_runs_and_fails_the_job_on_no_go(tmp_path: Path) -> None:
    """The GitHub step as CI runs it (bash -eo pipefail) on a fresh paper deployment: GO passes
    the job with a JUnit file; the GitLab step on a deployment broken for paper fails it with the
    NO-GO message, never the run-problem one."""
    deployment = build(tmp_path / "deployment", utc_now())  # `live-gate example DIR`: for now
    status, output, written = _run_step(_gate_step(GITHUB), tmp_path / "gh", deployment)
    assert status == 0, output[-3000:]
    assert "status=0" in written and "live-gate: GO" in output
    suite, _ = _junit(tmp_path / "gh" / "junit" / "live-gate.xml")
    assert _props(suite, "live-gate verdict") == ["GO"]
    assert list((tmp_path / "gh" / "evidence" / "binance_paper").glob("*/*/report.html"))

    edit_core(deployment, lambda d: d["risk_profiles"]["balanced_paper"].pop("max_daily_loss_pct"))
    status, output, _ = _run_step(_gate_step(GITLAB), tmp_path / "gl", deployment)
    assert status == 1, output[-3000:]
    assert "live-gate NO-GO: the deployment is not ready" in output
    assert "run problem" not in output.splitlines()[-1]


def test_ci_report_files_never_land_in_the_deployment(
    reference: Path, tmp_path: Path, run_pytest
) -> None:
    before = sorted(p.relative_to(reference) for p in reference.rglob("*"))
    for option in ("--junitxml", "--cucumberjson"):
        code, output = run_pytest(
            f"--rootdir={REPO}",
            "-c",
            str(REPO / "pyproject.toml"),
            str(REPO / "steps"),
            "-m",
            "live_gate",
            f"--deployment={reference}",
            f"--evidence-dir={tmp_path / 'evidence'}",
            f"{option}={reference / 'var' / 'report.out'}",
        )
        assert code == 4, output
        assert f"{option} " in output and "never writes into the deployment" in output
    assert sorted(p.relative_to(reference) for p in reference.rglob("*")) == before
