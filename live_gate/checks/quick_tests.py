"""PRE-9: the deployment's own quick test commands (runbook §1.1) passed recently."""

from __future__ import annotations

from datetime import datetime, timedelta

from live_gate.checks import Findings
from live_gate.paths import PathEscapesDeployment
from live_gate.policy import Policy
from live_gate.resources.deployment import Deployment, UnreadableInput
from live_gate.resources.junit import QUICK_TESTS, MalformedJUnit, read_junit
from live_gate.timeutil import InvalidInstant, iso, parse_instant

REQUIREMENT = "PRE-9"


def check_quick_test(
    deployment: Deployment, command: str, policy: Policy, as_of: datetime
) -> Findings:
    out = Findings(REQUIREMENT, None)
    if command not in QUICK_TESTS:
        raise UnreadableInput(f"unknown quick test {command!r}; known: {', '.join(QUICK_TESTS)}")
    run_it = f"run `{QUICK_TESTS[command]}`"
    configured = f"{policy.quick_tests_dir}/{command}.xml"
    try:
        confined = deployment.resolve_from_root(configured)
    except PathEscapesDeployment as exc:
        out.escaped(exc, field="gate policy quick_tests_dir")
        return out
    where = {"file": confined.relative}
    if not confined.path.is_file():
        out.block(
            "quick_test.missing",
            f"no recorded result for the quick test {command}: {run_it}",
            expected=f"a JUnit XML result at {confined.relative}",
            found="no such file",
            **where,
        )
        return out
    out.read(confined.relative)
    try:
        result = read_junit(confined.path)
    except OSError as exc:
        raise UnreadableInput(f"cannot read: {exc.strerror}", confined.relative) from exc
    except MalformedJUnit as exc:
        out.block(
            "quick_test.malformed",
            f"the recorded result of {command} is not JUnit XML: {exc}; {run_it}",
            expected="pytest --junitxml output",
            found=str(exc),
            **where,
        )
        return out
    if result.executed < 1:
        out.block(
            "quick_test.empty",
            f"the quick test {command} ran no test; {run_it}",
            expected="at least one test executed",
            found=f"{result.tests} test(s), {result.skipped} skipped",
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
    if result.timestamp is None:
        out.block(
            "quick_test.undated",
            f"the recorded result of {command} has no timestamp; {run_it}",
            field="testsuite@timestamp",
            expected="the run's timestamp",
            found="absent",
            **where,
        )
        return out
    try:
        when = parse_instant(result.timestamp)
    except InvalidInstant:
        out.block(
            "quick_test.undated",
            f"the recorded result of {command} has an unreadable timestamp",
            field="testsuite@timestamp",
            expected="an ISO-8601 timestamp",
            found=result.timestamp,
            **where,
        )
        return out
    max_age = timedelta(hours=policy.quick_tests_max_age_hours)
    if when > as_of + timedelta(seconds=policy.clock_skew_seconds):
        out.block(
            "quick_test.in_future",
            f"the result of {command} is dated after the evaluation instant",
            field="testsuite@timestamp",
            expected=f"at or before {iso(as_of)}",
            found=iso(when),
            **where,
        )
    elif as_of - when > max_age:
        out.block(
            "quick_test.stale",
            f"the result of {command} is {(as_of - when) / timedelta(hours=1):.0f} hours "
            f"old at {iso(as_of)}; {run_it}",
            field="testsuite@timestamp",
            expected=f"recorded within {policy.quick_tests_max_age_hours:g} hours",
            found=iso(when),
            **where,
        )
    return out
