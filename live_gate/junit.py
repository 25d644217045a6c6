"""The JUnit XML (``--junitxml``) a CI server reads, made to agree with the gate's verdict.

pytest's junitxml plugin writes one ``testcase`` per scenario as pytest saw it, before the gate
has applied waivers or judged the run as a whole. Left alone it contradicts the verdict: a waived
failure stays a JUnit failure (a GO whose job shows red), and a run-level NO-GO (a partial run, a
test that is not one of the gate's scenarios, a missing step) can show zero failures (a NO-GO
whose job shows green). So, once pytest has written the file and the verdict is decided:

- every scenario carries its requirement ID(s), owner roles and gate scenario id as
  ``<property>`` elements (``requirement``, ``owners``, ``scenario``), put in the item's
  ``user_properties`` at collection, which junitxml writes itself;
- a failed scenario whose every requirement is waived loses its ``<failure>`` and gains a
  ``waived`` property (requirement, reason, approvers, expiry);
- one testcase ``live-gate verdict`` (classname ``live-gate``) is added: passed on GO, a
  ``<failure>`` on a NO-GO of the deployment, an ``<error>`` when the run itself has problems;
  its properties and the suite's say verdict, environment, phase, exit status and bundle.

The suite's ``tests``/``failures``/``errors`` counts are recomputed from the testcases.
"""

from __future__ import annotations

import os
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from live_gate.outcomes import Status, Verdict
from live_gate.run import GateRun, closing_lines

VERDICT_CASE = "live-gate verdict"


def scenario_properties(
    requirements: tuple[str, ...], owners: list[str], scenario: str | None
) -> list[tuple[str, object]]:
    """What a scenario's testcase carries: one ``requirement`` per ID, its owner roles, and the
    gate's scenario id (``feature:line``)."""
    props: list[tuple[str, object]] = [("requirement", r) for r in requirements]
    if owners:
        props.append(("owners", ", ".join(owners)))
    if scenario:
        props.append(("scenario", scenario))
    return props


def _properties(element: ET.Element) -> ET.Element:
    found = element.find("properties")
    if found is None:
        found = ET.Element("properties")
        element.insert(0, found)
    return found


def _add_property(element: ET.Element, name: str, value: str) -> None:
    ET.SubElement(_properties(element), "property", name=name, value=value)


def _verdict_facts(run: GateRun) -> list[tuple[str, str]]:
    waived = [o.id for o in run.outcomes if o.status is Status.WAIVED]
    return [
        ("verdict", run.verdict.value),
        ("environment", run.env_name),
        ("phase", run.phase),
        ("exit_status", str(run.exit_status)),
        ("bundle", str(run.bundle or "")),
        ("waived", ", ".join(waived) or "none"),
    ]


def _verdict_case(run: GateRun) -> ET.Element:
    case = ET.Element("testcase", classname="live-gate", name=VERDICT_CASE, time="0.000")
    for name, value in _verdict_facts(run):
        _add_property(case, name, value)
    if run.verdict is Verdict.NO_GO:
        text = "\n".join(line for line in closing_lines(run) if line)
        unmet = [o.id for o in run.outcomes if o.status in (Status.FAILED, Status.ERROR)]
        if run.problems:
            first = run.problems[0].splitlines()[0]
            node = ET.SubElement(case, "error", message=f"NO-GO, run problem: {first}"[:1000])
        else:
            node = ET.SubElement(
                case,
                "failure",
                message=f"NO-GO for {run.env_name}: {', '.join(unmet) or 'nothing passed'}",
            )
        node.text = run.redactor.text(text)
    return case


def _suite(root: ET.Element) -> ET.Element:
    if root.tag == "testsuite":
        return root
    suite = root.find("testsuite")
    if suite is None:
        raise ValueError("no <testsuite> element")
    return suite


def _recount(suite: ET.Element) -> None:
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))


def align_junit(path: Path, run: GateRun) -> None:
    """Rewrite pytest's JUnit XML at ``path`` so that it agrees with ``run``'s verdict."""
    tree = ET.parse(path)  # the file pytest's junitxml wrote a moment ago
    suite = _suite(tree.getroot())
    waived = {o.id: o for o in run.outcomes if o.status is Status.WAIVED}
    for case in suite.findall("testcase"):
        props = case.find("properties")
        ids = [
            str(p.get("value"))
            for p in (props.findall("property") if props is not None else [])
            if p.get("name") == "requirement"
        ]
        failures = case.findall("failure")
        if not ids or not failures or not all(i in waived for i in ids):
            continue
        for failure in failures:
            case.remove(failure)
        for rid in ids:
            waiver = waived[rid].waiver or {}
            approved = waiver.get("approved_by")
            approvers = ", ".join(str(a) for a in approved) if isinstance(approved, list) else ""
            _add_property(
                case,
                "waived",
                f"{rid}: {waiver.get('reason', '')} (approved by {approvers}; "
                f"expires {waiver.get('expires_at', '')})",
            )
    suite.append(_verdict_case(run))
    for name, value in _verdict_facts(run):
        _add_property(suite, f"live-gate {name}", value)
    _recount(suite)
    _replace(path, ET.tostring(tree.getroot(), encoding="unicode"))


def verdict_junit(run: GateRun) -> str:
    """A JUnit file of the verdict alone, for when pytest's cannot be read back."""
    suites = ET.Element("testsuites", name="live-gate")
    suite = ET.SubElement(suites, "testsuite", name="live-gate")
    suite.append(_verdict_case(run))
    _recount(suite)
    return '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(suites, encoding="unicode")


def _replace(path: Path, text: str) -> None:
    """Write next to the file and rename: a CI job never reads half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write('<?xml version="1.0" encoding="utf-8"?>' + text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
