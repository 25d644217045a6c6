"""PRE-9: the deployment's own quick test commands (runbook §1.1) passed recently."""

from __future__ import annotations

from datetime import datetime, timedelta

from live_gate.checks import Findings
from live_gate.kit.files import InputRefused
from live_gate.paths import PathEscapesDeployment
from live_gate.policy import Policy
from live_gate.resources.deployment import Deployment, UnreadableInput
from live_gate.resources.junit import QUICK_TESTS, MalformedJUnit, parse_junit

REQUIREMENT = "PRE-9"


def check_quick_test(
    deployment: Deployment, command: str, policy: Policy, as_of: datetime
) -> Findings:
    files = deployment.files
    out = Findings(REQUIREMENT, None)
    if command not in QUICK_TESTS:
        raise UnreadableInput(f"unknown quick test {command!r}; known: {', '.join(QUICK_TESTS)}")
    run_it = f"run `{QUICK_TESTS[command]}`"
    try:
        folder = deployment.resolve_from_root(policy.quick_tests_dir)
    except PathEscapesDeployment as exc:
        out.escaped(exc, field="gate policy quick_tests_dir", file=policy.quick_tests_dir)
        return out
    try:
        confined = files.at(f"{folder.relative}/{command}.xml")
    except InputRefused as exc:
        out.refused(exc)
        return out
    where = {"file": confined.relative}
    if files.kind(confined) == "missing":
        out.block(
            "quick_test.missing",
            f"no recorded result for the quick test {command}: {run_it}",
            expected=f"a JUnit XML result at {confined.relative}",
            found="no such file",
            **where,
        )
        return out
    try:
        data = files.read_bytes(confined)
    except InputRefused as exc:
        out.refused(exc)
        return out
    out.read(confined.relative)
    try:
        result = parse_junit(data)
    except MalformedJUnit as exc:
        out.block(
            "quick_test.malformed",
            f"the recorded result of {command} is not JUnit XML: {exc}; {run_it}",
            line=exc.line,
            expected="pytest --junitxml output",
            found=str(exc),
            **where,
        )
        return out
    if result.executed < 1:
        out.block(
            "quick_test.empty",
            f"the quick test {command} ran no test; {run_it}",
            expected="at least one <testcase> executed",
            found=f"{result.tests} test(s), {result.skipped} skipped, "
            f"{result.executed} executed test case(s)",
            **where,
        )
    if result.failures or result.errors:
        shown = ", ".join(result.failed_cases[:5]) or "see the file"
        out.block(
            "quick_test.failed",
            f"the quick test {command} recorded {result.failures} failure(s) and "
            f"{result.errors} error(s): {shown}; fix them and {run_it}",
            expected="0 failures, 0 errors",
            found=f"{result.failures} failures, {result.errors} errors",
            **where,
        )
    # every suite's timestamp: none after the evaluation instant, none too old
    for index, stamp in enumerate(result.timestamps):
        out.instant(
            "quick_test.timestamp",
            f"the recorded result of {command}",
            stamp,
            as_of=as_of,
            skew=timedelta(seconds=policy.clock_skew_seconds),
            max_age=timedelta(hours=policy.quick_tests_max_age_hours),
            field=f"testsuite[{index}]@timestamp"
            if len(result.timestamps) > 1
            else "testsuite@timestamp",
            file=confined.relative,
        )
    return out
