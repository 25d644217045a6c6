"""The HTML a compliance officer reads, in the runbook's words: the verdict, the waivers it
relies on, who must act, every blocker grouped by the role that owns it (what is wrong, what the
runbook says to do, who accepts), the requirements, the evidence of each requirement met (its
scenarios, key figures, files with their SHA-256), coverage, warnings, and the run's details;
then, for engineers, pytest-html's own page with each scenario's Gherkin steps (pytest-html does
not render them, TOOLING_NOTES.md §C). ``data/report.css`` lays it out on screen, on a phone and
on paper; every status is a word with a symbol, never a colour alone."""

from __future__ import annotations

from html import escape
from typing import Any

from live_gate.catalogue import OWNER_ROLES, ROLE_NAMES, Catalogue
from live_gate.findings import Finding
from live_gate.outcomes import RequirementOutcome, ScenarioRecord, Verdict

STATUS_LABEL = {
    "passed": "passed",
    "failed": "failed",
    "error": "error",
    "waived": "waived",
    "not_applicable": "not applicable",
}


#: a symbol beside every status word: meaning is never carried by colour alone (and the words
#: survive a black-and-white printer)
STATUS_ICON = {
    "passed": "✔",
    "failed": "✘",
    "error": "⚠",
    "waived": "⚑",
    "not_applicable": "–",
}

#: the viewport a phone needs: without it a mobile browser lays the page out 980 px wide
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'


def _status(value: str) -> str:
    icon = STATUS_ICON.get(value, "?")
    return (
        f'<span class="st st-{escape(value)}"><span aria-hidden="true">{icon}</span> '
        f"{escape(STATUS_LABEL.get(value, value))}</span>"
    )


def _accepted_by(owners: tuple[str, ...] | list[str]) -> str:
    names = [ROLE_NAMES.get(r, r) for r in owners]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def with_viewport(html: str) -> str:
    """pytest-html's template has no viewport; put one in the head of the report it wrote."""
    if 'name="viewport"' in html:
        return html
    head = html.find("<head>")
    if head < 0:
        return html
    at = head + len("<head>")
    return html[:at] + VIEWPORT + html[at:]


def waiver_count(waived: list[RequirementOutcome]) -> str:
    return f"with {len(waived)} waiver{'s' if len(waived) != 1 else ''}"


def waived_finding(outcome: RequirementOutcome) -> str:
    """What failed, under the waiver (``apply_waivers`` keeps it in the outcome's reason)."""
    return outcome.reason.split("(finding: ", 1)[-1].rstrip(")")


def waiver_lines(waived: list[RequirementOutcome]) -> list[str]:
    """One line per waiver applied: requirement, reason, approvers, expiry, what failed."""
    return [
        f"{o.id} {o.title}: {o.waiver.get('reason', '')} (approved by "
        f"{', '.join(str(a) for a in o.waiver.get('approved_by') or [])}; expires "  # type: ignore[attr-defined]
        f"{o.waiver.get('expires_at', '')}); what failed: {waived_finding(o)}"
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
    # the waivers themselves are listed right below the banner (waivers_section), once
    return (
        f'<div class="verdict {css}" data-verdict="{escape(verdict.value)}" '
        f'data-bundle-id="{escape(bundle_id)}"><h2>{escape(headline)}</h2>{note}{rows}'
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


#: distinct findings shown per requirement; evidence.json and the engineers' table hold all
MAX_FINDINGS_SHOWN = 12


def _primary_owner(outcome: RequirementOutcome) -> str:
    return outcome.owners[0] if outcome.owners else "unowned"


def _unmet(outcomes: list[RequirementOutcome]) -> list[RequirementOutcome]:
    return [o for o in outcomes if o.status.value in ("failed", "error")]


def _owner_order(outcomes: list[RequirementOutcome]) -> list[str]:
    roles = {_primary_owner(o) for o in outcomes}
    return [r for r in OWNER_ROLES if r in roles] + sorted(roles - set(OWNER_ROLES))


def owners_summary(outcomes: list[RequirementOutcome]) -> str:
    """One line under the verdict: who must act on what (every owner, co-owners included)."""
    unmet = _unmet(outcomes)
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status.value] = counts.get(outcome.status.value, 0) + 1
    tally = ", ".join(
        f"{STATUS_ICON[s]} {n} {STATUS_LABEL[s]}" for s, n in sorted(counts.items()) if n
    )
    if not unmet:
        if not outcomes:
            return ""
        return (
            '<div class="gate-section owners-summary"><h3>No requirement blocks</h3>'
            f"<p>{len(outcomes)} requirement(s) judged: {escape(tally)}.</p></div>"
        )
    items = []
    for role in OWNER_ROLES:
        ids = [o.id for o in unmet if role in o.owners]
        if ids:
            items.append(
                f'<li><a href="#owner-{role}"><b>{escape(ROLE_NAMES[role])}</b></a>: '
                f"{len(ids)} ({escape(', '.join(ids))})</li>"
            )
    return (
        '<div class="gate-section owners-summary"><h3>Who must act</h3>'
        f"<p>{len(outcomes)} requirement(s) judged: {escape(tally)}. {len(unmet)} block; "
        "the roles that accept them:</p>"
        f'<ul class="owners">{"".join(items)}</ul></div>'
    )


def _blocker_items(outcome: RequirementOutcome) -> list[str]:
    """The distinct blocking findings of a requirement (one finding repeated by several
    scenarios is shown once, with how many scenarios found it)."""
    counted: dict[str, int] = {}
    for scenario in outcome.scenarios:
        blocking = [f for f in scenario.findings if f.blocking]
        if blocking:
            texts = [finding_html(f) for f in blocking]
        elif scenario.effective_status().value in ("failed", "error"):
            lines = scenario.effective_message().strip().splitlines()
            texts = [
                f"{escape(scenario.name)}: "
                f'<span class="finding-meta">{escape(lines[0] if lines else "")}</span>'
            ]
        else:
            texts = []
        for text in dict.fromkeys(texts):
            counted[text] = counted.get(text, 0) + 1
    if not counted and outcome.reason:
        counted[escape(outcome.reason)] = 1
    items = [
        f"<li>{text}"
        + (f' <span class="times">(found by {n} scenarios)</span>' if n > 1 else "")
        + "</li>"
        for text, n in counted.items()
    ]
    if len(items) > MAX_FINDINGS_SHOWN:
        more = len(items) - MAX_FINDINGS_SHOWN
        items = [
            *items[:MAX_FINDINGS_SHOWN],
            f'<li class="more">… and {more} more distinct finding(s): evidence.json lists '
            "every one, and so does the engineers' table of the on-screen report</li>",
        ]
    return items


def findings_section(outcomes: list[RequirementOutcome], remedies: dict[str, str]) -> str:
    """Every requirement that blocks, grouped by the role that owns it, in the runbook's words:
    what is wrong, what the runbook says to do, who accepts."""
    unmet = _unmet(outcomes)
    if not unmet:
        return ""
    groups = []
    for role in _owner_order(unmet):
        mine = [o for o in unmet if _primary_owner(o) == role]
        cards = []
        for outcome in mine:
            cards.append(
                f'<article class="blocker" data-requirement="{escape(outcome.id)}">'
                f'<h5><span class="rid">{escape(outcome.id)}</span> {escape(outcome.title)} '
                f"{_status(outcome.status.value)}</h5>"
                '<p class="label">What is wrong:</p>'
                f'<ul class="findings">{"".join(_blocker_items(outcome))}</ul>'
                f'<div class="remedy"><b>What the runbook says to do:</b> '
                f"{escape(remedies.get(outcome.id, ''))}</div>"
                f'<p class="accepts"><b>Who accepts:</b> {escape(_accepted_by(outcome.owners))}'
                "</p></article>"
            )
        name = ROLE_NAMES.get(role, role)
        groups.append(
            f'<section class="owner-group" id="owner-{escape(role)}">'
            f"<h4>Owner: {escape(name)} ({len(mine)} requirement(s))</h4>{''.join(cards)}"
            "</section>"
        )
    return (
        '<div class="gate-section blockers"><h3>What blocks, and what to do</h3>'
        + "".join(groups)
        + "</div>"
    )


def waivers_section(outcomes: list[RequirementOutcome]) -> str:
    """Failures the policy waived: the verdict relies on them, so they stand next to it."""
    waived = [o for o in outcomes if o.status.value == "waived"]
    if not waived:
        return ""
    cards = []
    for outcome in waived:
        waiver: dict[str, Any] = dict(outcome.waiver or {})
        approvers = ", ".join(str(a) for a in waiver.get("approved_by") or []) or "unknown"
        finding = waived_finding(outcome)
        cards.append(
            f'<article class="waiver" data-requirement="{escape(outcome.id)}">'
            f'<h5><span class="rid">{escape(outcome.id)}</span> {escape(outcome.title)} '
            f"{_status('waived')}</h5><dl>"
            f"<dt>Reason</dt><dd>{escape(str(waiver.get('reason', '')))}</dd>"
            f"<dt>Approved by</dt><dd>{escape(approvers)}</dd>"
            f"<dt>Expires</dt><dd>{escape(str(waiver.get('expires_at', '')))}</dd>"
            f"<dt>What failed</dt><dd>{escape(finding)}</dd>"
            f"<dt>Who accepts</dt><dd>{escape(_accepted_by(outcome.owners))}</dd>"
            "</dl></article>"
        )
    return (
        '<div class="gate-section waivers">'
        f"<h3>Waivers in force ({len(waived)}): this verdict relies on them</h3>"
        + "".join(cards)
        + "</div>"
    )


def evidence_section(
    outcomes: list[RequirementOutcome], artifacts: dict[str, list[dict[str, Any]]]
) -> str:
    """What was checked for each requirement that passed: its scenarios, the key figures the
    checks recorded, and the files read with their SHA-256 (the digests of evidence.json)."""
    shown = [o for o in outcomes if o.status.value in ("passed", "waived")]
    if not shown:
        return ""
    cards = []
    for outcome in shown:
        scenarios = "".join(
            f"<li>{_status(s.effective_status().value)} {escape(s.name or s.nodeid)}</li>"
            for s in outcome.scenarios
        )
        figures = list(
            dict.fromkeys((label, value) for s in outcome.scenarios for label, value in s.facts)
        )
        facts_html = (
            '<table class="gate facts"><caption>Key figures</caption>'
            + "".join(
                f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>"
                for label, value in figures
            )
            + "</table>"
            if figures
            else ""
        )
        files = artifacts.get(outcome.id) or []
        files_html = (
            '<table class="gate files"><caption>Files read, with their SHA-256</caption>'
            "<tr><th>File</th><th>SHA-256</th></tr>"
            + "".join(
                f'<tr><td class="path">{escape(str(a.get("path", "")))}</td>'
                f'<td class="digest">{escape(str(a.get("sha256") or "not digested"))}</td></tr>'
                for a in files
            )
            + "</table>"
            if files
            else ""
        )
        advisory = list(
            dict.fromkeys(
                finding_html(f) for s in outcome.scenarios for f in s.findings if not f.blocking
            )
        )
        warnings = (
            '<p class="label">Warnings (not blocking):</p><ul class="findings">'
            + "".join(f"<li>{w}</li>" for w in advisory)
            + "</ul>"
            if advisory
            else ""
        )
        cards.append(
            f'<article class="evidence-req" data-requirement="{escape(outcome.id)}">'
            f'<h5><span class="rid">{escape(outcome.id)}</span> {escape(outcome.title)} '
            f"{_status(outcome.status.value)}</h5>"
            f'<p class="accepts"><b>Accepted by:</b> {escape(_accepted_by(outcome.owners))}</p>'
            f'<p class="label">Scenarios checked:</p><ul class="scenarios">{scenarios}</ul>'
            f"{facts_html}{files_html}{warnings}</article>"
        )
    return (
        '<div class="gate-section evidence"><h3>What was checked: evidence for the requirements '
        "met</h3>" + "".join(cards) + "</div>"
    )


def run_details(facts: dict[str, str]) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts.items())
    return (
        '<div class="gate-section run-details"><h3>About this run</h3>'
        f'<table class="gate facts">{rows}</table></div>'
    )


#: the facts the verdict banner shows; run_details shows them all
BANNER_FACTS = ("Environment", "Phase", "Deployment", "As of", "Operator")


def for_engineers() -> str:
    """The heading above pytest-html's own page (environment, counts, the per-test table), which
    report.css moves below the compliance officer's part."""
    return (
        '<h2 id="for-engineers" class="for-engineers">For engineers</h2>'
        '<p class="for-engineers-note">pytest-html\'s report of the same run: every scenario '
        "as a test, with its node id, duration, Gherkin steps and log.</p>"
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
