"""Recorded results of the deployment's quick test commands, as JUnit XML (pytest --junitxml,
mypy --junit-xml). Runbook §1.1 lists the commands; the gate reads their recorded results from
``var/audit/quick_tests/<command>.xml`` (gate policy ``quick_tests_dir``), as bytes the kit
read: the stdlib parser only ever sees a document without a DTD or entity declaration."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

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
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class JUnitResult:
    tests: int
    failures: int
    errors: int
    skipped: int
    executed: int
    # every <testsuite>'s timestamp attribute, in document order (None where absent)
    timestamps: tuple[str | None, ...]
    failed_cases: tuple[str, ...]


# JUnit XML never declares a DTD or entities; a document that does is refused before it is
# parsed, so that no entity is ever expanded (a "billion laughs" bomb is a few hundred bytes).
_DECLARATIONS = (b"<!doctype", b"<!entity")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class _RefusingBuilder(ElementTree.TreeBuilder):
    """Also refuses a DOCTYPE that a byte search could not see (another encoding)."""

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise MalformedJUnit("declares a DOCTYPE, which JUnit XML never does; it was not parsed")


def _declares_dtd(data: bytes) -> bool:
    text = data.lower()
    if data.startswith(_UTF16_BOMS):
        try:
            text = data.decode("utf-16").lower().encode("utf-8")
        except UnicodeDecodeError:
            return True
    return any(declaration in text for declaration in _DECLARATIONS)


def _count(element: ElementTree.Element, *names: str) -> int:
    """A count attribute (the first of ``names`` present): a whole number, nothing else."""
    value = next((element.get(n) for n in names if element.get(n) is not None), None)
    if value is None or not value.strip():
        return 0
    try:
        number = float(value)
    except ValueError as exc:
        raise MalformedJUnit(f"attribute {names[0]}={value!r} is not a number") from exc
    if not math.isfinite(number) or number < 0 or number != int(number):
        raise MalformedJUnit(f"attribute {names[0]}={value!r} is not a whole number of tests")
    return int(number)


def parse_junit(data: bytes) -> JUnitResult:
    """JUnit XML (pytest ``--junitxml``, mypy ``--junit-xml``) from bytes the kit read.

    Stricter than a plain reader on purpose: counts are whole numbers; a ``<failure>`` or
    ``<error>`` element counts even when the suite's attributes say 0; only ``<testcase>``
    elements without ``<skipped>`` count as executed (a ``tests="4"`` with no test case ran
    nothing the file can show).
    """
    if _declares_dtd(data):
        raise MalformedJUnit(
            "declares a DTD or entities (<!DOCTYPE / <!ENTITY), which JUnit XML never does; "
            "it was not parsed"
        )
    parser = ElementTree.XMLParser(target=_RefusingBuilder())
    try:
        parser.feed(data)
        root = parser.close()
    except ElementTree.ParseError as exc:
        raise MalformedJUnit(f"not well-formed XML ({exc})", exc.position[0]) from exc
    if root.tag == "testsuite":
        suites = [root]
    elif root.tag == "testsuites":
        suites = list(root.iter("testsuite"))
    else:
        raise MalformedJUnit(f"root element is <{root.tag}>, not <testsuite(s)>")
    if not suites:
        raise MalformedJUnit("no <testsuite> element")
    cases = [case for suite in suites for case in suite.iter("testcase")]
    failed = tuple(
        f"{case.get('classname', '')}::{case.get('name', '')}".strip(":")
        for case in cases
        if case.find("failure") is not None or case.find("error") is not None
    )
    failures = sum(_count(s, "failures") for s in suites)
    errors = sum(_count(s, "errors") for s in suites)
    return JUnitResult(
        tests=sum(_count(s, "tests") for s in suites),
        failures=max(failures, sum(1 for c in cases if c.find("failure") is not None)),
        errors=max(errors, sum(1 for c in cases if c.find("error") is not None)),
        skipped=sum(_count(s, "skipped", "skips") for s in suites),
        executed=sum(1 for c in cases if c.find("skipped") is None),
        timestamps=tuple(s.get("timestamp") for s in suites),
        failed_cases=failed,
    )
