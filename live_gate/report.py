"""The HTML a compliance officer reads: verdict banner, requirements, coverage, and each
scenario's Gherkin steps (pytest-html does not render them, TOOLING_NOTES.md §C)."""

from __future__ import annotations

from html import escape

from live_gate.catalogue import Catalogue
from live_gate.findings import Finding
from live_gate.outcomes import RequirementOutcome, ScenarioRecord, Verdict

STATUS_LABEL = {
    "passed": "passed",
    "failed": "failed",
    "error": "error",
    "waived": "waived",
    "not_applicable": "not applicable",
}


def _status(value: str) -> str:
    return f'<span class="st st-{escape(value)}">{escape(STATUS_LABEL.get(value, value))}</span>'


def waiver_count(waived: list[RequirementOutcome]) -> str:
    return f"with {len(waived)} waiver{'s' if len(waived) != 1 else ''}"


def waiver_lines(waived: list[RequirementOutcome]) -> list[str]:
    """One line per waiver applied: requirement, reason, approvers, expiry."""
    return [
        f"{o.id} {o.title}: {o.waiver.get('reason', '')} (approved by "
        f"{', '.join(str(a) for a in o.waiver.get('approved_by') or [])}; expires "  # type: ignore[attr-defined]
        f"{o.waiver.get('expires_at', '')})"
        for o in waived
        if o.waiver
    ]


def verdict_banner(
    verdict: Verdict,
    facts: dict[str, str],
    caveat: str = "",
    *,
    bundle_id: str = "",
    waived: list[RequirementOutcome] | None = None,
) -> str:
    """The verdict, machine-checkably: ``data-verdict`` and ``data-bundle-id`` are what
    ``live-gate verify`` compares with evidence.json."""
    css = "go" if verdict is Verdict.GO else "nogo"
    waived = waived or []
    headline = (
        "GO: this deployment may proceed to the next runbook step"
        if verdict is Verdict.GO
        else "NO-GO: this deployment must not trade real money"
    )
    if verdict is Verdict.GO and waived:
        headline = (
            f"GO {waiver_count(waived)}: this deployment may proceed to the next runbook step "
            "only because the waived requirements below were accepted as failed"
        )
    rows = "".join(f"<p><b>{escape(k)}:</b> {escape(v)}</p>" for k, v in facts.items())
    note = f'<p class="caveat">{escape(caveat)}</p>' if caveat else ""
    waivers = (
        '<div class="waivers"><b>Waivers applied:</b><ul>'
        + "".join(f"<li>{escape(line)}</li>" for line in waiver_lines(waived))
        + "</ul></div>"
        if waived
        else ""
    )
    return (
        f'<div class="verdict {css}" data-verdict="{escape(verdict.value)}" '
        f'data-bundle-id="{escape(bundle_id)}"><h2>{escape(headline)}</h2>{note}{waivers}{rows}'
        "</div>"
    )


def since_previous(previous: dict[str, object] | None) -> str:
    """ "Since the previous run" of the same environment and phase (``live_gate.history``)."""
    if previous is None:
        return ""
    from live_gate.history import describe

    items = "".join(f"<li>{escape(line)}</li>" for line in describe(previous))
    return f'<div class="gate-section since"><h3>Since the previous run</h3><ul>{items}</ul></div>'


def run_problems(problems: list[str]) -> str:
    if not problems:
        return ""
    items = "".join(f"<li>{escape(p)}</li>" for p in problems)
    return (
        '<div class="gate-section problems"><h3>Why the run itself cannot be trusted</h3>'
        f"<ul>{items}</ul></div>"
    )


def requirements_table(outcomes: list[RequirementOutcome]) -> str:
    rows = []
    for outcome in outcomes:
        rows.append(
            f'<tr data-requirement="{escape(outcome.id)}" '
            f'data-status="{escape(outcome.status.value)}">'
            f"<td><b>{escape(outcome.id)}</b></td><td>{escape(outcome.title)}</td>"
            f"<td>{escape(', '.join(outcome.owners))}</td><td>{_status(outcome.status.value)}</td>"
            f"<td>{escape(outcome.reason)}</td>"
            "</tr>"
        )
    return (
        '<div class="gate-section"><h3>Requirements checked</h3><table class="gate">'
        "<tr><th>ID</th><th>Requirement</th><th>Owners</th><th>Status</th><th>Reason</th></tr>"
        + "".join(rows)
        + "</table></div>"
    )


def findings_section(outcomes: list[RequirementOutcome], remedies: dict[str, str]) -> str:
    blocks = []
    for outcome in outcomes:
        if outcome.status.value not in ("failed", "error"):
            continue
        items = []
        for scenario in outcome.scenarios:
            blocking = [f for f in scenario.findings if f.blocking]
            if blocking:
                items += [f"<li>{finding_html(f)}</li>" for f in blocking]
            elif scenario.effective_status().value in ("failed", "error"):
                items.append(
                    f"<li>{escape(scenario.name)}: "
                    f'<span class="finding-meta">{escape(scenario.effective_message())}</span></li>'
                )
        blocks.append(
            f"<h4>{escape(outcome.id)} {escape(outcome.title)}</h4>"
            f'<div class="remedy"><b>What the runbook says to do:</b> '
            f"{escape(remedies.get(outcome.id, ''))}</div>"
            f'<ul class="findings">{"".join(items)}</ul>'
        )
    if not blocks:
        return ""
    return (
        '<div class="gate-section"><h3>What blocks, and what to do</h3>'
        + "".join(blocks)
        + "</div>"
    )


def finding_html(finding: Finding) -> str:
    meta = []
    if finding.location():
        meta.append(f"where: {finding.location()}")
    if finding.field:
        meta.append(f"field: {finding.field}")
    if finding.expected is not None:
        meta.append(f"expected: {finding.expected}")
    if finding.found is not None:
        meta.append(f"found: {finding.found}")
    return f"{escape(finding.message)}" + (
        f'<div class="finding-meta">{escape(chr(10).join(meta))}</div>' if meta else ""
    )


def coverage_section(catalogue: Catalogue, covered: list[str], uncovered: dict[str, str]) -> str:
    items = "".join(
        f"<tr><td>{escape(i)}</td><td>{escape(catalogue.get(i).title)}</td>"
        f"<td>{escape(reason)}</td></tr>"
        for i, reason in uncovered.items()
    )
    return (
        '<div class="gate-section"><h3>Coverage of the runbook</h3>'
        f"<p>This run checked <b>{len(covered)} of {len(catalogue.requirements)}</b> catalogue "
        f"requirements: {escape(', '.join(covered) or 'none')}.</p>"
        + (
            '<table class="gate"><tr><th>Not checked</th><th>Requirement</th><th>Why</th></tr>'
            + items
            + "</table>"
            if items
            else ""
        )
        + "</div>"
    )


def warnings_section(warnings: list[str]) -> str:
    if not warnings:
        return ""
    items = "".join(f"<li>{escape(w)}</li>" for w in warnings)
    return f'<div class="gate-section"><h3>Warnings (not blocking)</h3><ul>{items}</ul></div>'


def scenario_extra(record: ScenarioRecord, remedy: str | None) -> str:
    lines = [
        f'<div class="gherkin"><div><span class="kw">Feature:</span> {escape(record.feature)}</div>'
        f'<div><span class="kw">Scenario:</span> {escape(record.name)}</div>'
    ]
    for step in record.steps:
        css = "step-" + step.status.replace(" ", "")
        lines.append(
            f'<div class="{css}">&nbsp;&nbsp;<span class="kw">{escape(step.keyword)}</span> '
            f"{escape(step.text)}"
            + (f" <i>({escape(step.status)})</i>" if step.status != "passed" else "")
            + "</div>"
        )
    lines.append("</div>")
    blocking = [f for f in record.findings if f.blocking]
    advisory = [f for f in record.findings if not f.blocking]
    if blocking:
        lines.append(
            '<ul class="findings">'
            + "".join(f"<li>{finding_html(f)}</li>" for f in blocking)
            + "</ul>"
        )
        if remedy:
            lines.append(f'<div class="remedy"><b>Runbook:</b> {escape(remedy)}</div>')
    if advisory:
        lines.append(
            '<p><b>Warnings:</b></p><ul class="findings">'
            + "".join(f"<li>{finding_html(f)}</li>" for f in advisory)
            + "</ul>"
        )
    if record.facts:
        lines.append(
            '<table class="gate facts">'
            + "".join(
                f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>"
                for label, value in record.facts
            )
            + "</table>"
        )
    if record.artifacts:
        lines.append(
            "<p><b>Artifacts inspected:</b> " + escape(", ".join(record.artifacts)) + "</p>"
        )
    return "".join(lines)
