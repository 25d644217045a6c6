"""Recorded results of the deployment's quick test commands, as JUnit XML (pytest --junitxml,
mypy --junit-xml). Runbook §1.1 lists the commands; the gate reads their recorded results from
``var/audit/quick_tests/<command>.xml`` (gate policy ``quick_tests_dir``)."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

# Runbook §1.1, in its order: id -> the command the operator runs (and how to record it)
QUICK_TESTS: dict[str, str] = {
    "lint_paths": "python scripts/lint_paths.py (recorded as JUnit XML)",
    "mypy": "mypy --junit-xml var/audit/quick_tests/mypy.xml",
    "e2e_demo_paper": "pytest -m e2e_demo_paper --maxfail=1 --disable-warnings "
    "--junitxml=var/audit/quick_tests/e2e_demo_paper.xml",
    "paper_execution": "pytest tests/test_paper_execution.py "
    "--junitxml=var/audit/quick_tests/paper_execution.xml",
    "router_failover": "pytest tests/integration/test_execution_router_failover.py "
    "--junitxml=var/audit/quick_tests/router_failover.xml",
}


class MalformedJUnit(ValueError):
    pass


@dataclass(frozen=True)
class JUnitResult:
    tests: int
    failures: int
    errors: int
    skipped: int
    timestamp: str | None
    failed_cases: tuple[str, ...]

    @property
    def executed(self) -> int:
        return self.tests - self.skipped


def _count(element: ElementTree.Element, name: str) -> int:
    value = element.get(name, "0") or "0"
    try:
        return int(float(value))
    except ValueError as exc:
        raise MalformedJUnit(f"attribute {name}={value!r} is not a number") from exc


def read_junit(path: Path) -> JUnitResult:
    try:
        root = ElementTree.parse(path).getroot()  # expat refuses entity-expansion bombs
    except ElementTree.ParseError as exc:
        raise MalformedJUnit(f"not well-formed XML ({exc})") from exc
    if root.tag == "testsuite":
        suites = [root]
    elif root.tag == "testsuites":
        suites = list(root.iter("testsuite"))
    else:
        raise MalformedJUnit(f"root element is <{root.tag}>, not <testsuite(s)>")
    if not suites:
        raise MalformedJUnit("no <testsuite> element")
    failed = tuple(
        f"{case.get('classname', '')}::{case.get('name', '')}".strip(":")
        for suite in suites
        for case in suite.iter("testcase")
        if case.find("failure") is not None or case.find("error") is not None
    )
    stamps = [str(s.get("timestamp")) for s in suites if s.get("timestamp")]
    return JUnitResult(
        tests=sum(_count(s, "tests") for s in suites),
        failures=sum(_count(s, "failures") for s in suites),
        errors=sum(_count(s, "errors") for s in suites),
        skipped=sum(_count(s, "skipped") for s in suites),
        timestamp=min(stamps) if stamps else None,
        failed_cases=failed,
    )
