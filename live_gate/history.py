"""History: bundles at ``<evidence-dir>/<env>/<phase>/<UTC stamp>/``, a ``latest`` link per
environment and phase, what changed since the previous run, ``live-gate diff`` and the index page
of an evidence folder.

Every earlier bundle is read through :func:`live_gate.sealing.verify_bundle` (confined, never
following a link, never blocking): a comparison is only made with a bundle that verifies, and a
bundle that does not is named as such instead of being compared.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from live_gate.sealing import BundleReader, verify_bundle

STAMP = re.compile(r"^\d{8}T\d{6}Z$")
LATEST = "latest"
INDEX = "index.html"


def bundles_of(folder: Path) -> list[Path]:
    """The bundles of one environment and phase, oldest first (``latest`` and anything that is
    not a stamped folder are left out; links are never followed)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    return [folder / n for n in names if STAMP.match(n) and _is_real_dir(folder / n)]


def _is_real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def update_latest(bundle: Path) -> None:
    """``latest`` names the newest bundle: a relative symbolic link, replaced atomically; a file
    holding the stamp where links cannot be made."""
    folder = bundle.parent
    temporary = folder / f".{LATEST}.{os.getpid()}"
    try:
        if temporary.is_symlink() or temporary.exists():
            temporary.unlink()
        os.symlink(bundle.name, temporary)
        os.replace(temporary, folder / LATEST)
    except (OSError, NotImplementedError):
        temporary.write_text(bundle.name + "\n", encoding="utf-8")
        os.replace(temporary, folder / LATEST)


def _finding_key(finding: dict[str, Any]) -> tuple[str, ...]:
    # lines move when a file is edited: a finding is the same one at another line
    return tuple(
        str(finding.get(k) or "") for k in ("requirement", "rule", "file", "field", "message")
    )


def _finding_text(finding: dict[str, Any]) -> str:
    where = finding.get("file") or ""
    if where and finding.get("line"):
        where = f"{where}:{finding['line']}"
    return f"{finding.get('requirement')} {finding.get('rule')}: {finding.get('message')}" + (
        f" ({where})" if where else ""
    )


def _blocking(evidence: dict[str, Any]) -> dict[tuple[str, ...], dict[str, Any]]:
    found: dict[tuple[str, ...], dict[str, Any]] = {}
    for requirement in evidence.get("requirements") or []:
        for finding in requirement.get("findings") or []:
            if finding.get("severity") == "blocker":
                found.setdefault(_finding_key(finding), finding)
    return found


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Requirements whose status changed, blocking findings new and resolved."""
    before = {q["id"]: q.get("status") for q in old.get("requirements") or []}
    after = {q["id"]: q.get("status") for q in new.get("requirements") or []}
    changed = [
        {"id": rid, "from": before.get(rid, "not judged"), "to": after.get(rid, "not judged")}
        for rid in sorted(set(before) | set(after))
        if before.get(rid) != after.get(rid)
    ]
    old_findings, new_findings = _blocking(old), _blocking(new)
    return {
        "bundle": (old.get("bundle") or {}).get("path", ""),
        "generated_at": old.get("generated_at", ""),
        "verdict": old.get("verdict", ""),
        "verified": True,
        "changed": changed,
        "new_findings": [
            _finding_text(f) for k, f in new_findings.items() if k not in old_findings
        ],
        "resolved_findings": [
            _finding_text(f) for k, f in old_findings.items() if k not in new_findings
        ],
    }


def since_previous(bundle: Path, evidence: dict[str, Any], key: bytes | None) -> dict[str, Any]:
    """The comparison with the newest earlier bundle of the same environment and phase."""
    earlier = [b for b in bundles_of(bundle.parent) if b.name < bundle.name]
    if not earlier:
        return {"bundle": None, "verified": False, "first_run": True}
    previous = earlier[-1]
    where = "/".join(previous.parts[-3:])
    checked = verify_bundle(previous, key)
    if checked.discrepancies or checked.evidence is None:
        return {
            "bundle": where,
            "verified": False,
            "problems": checked.discrepancies[:5],
        }
    return compare(checked.evidence, evidence)


def describe(previous: dict[str, Any]) -> list[str]:
    """The lines of "Since the previous run", for the report and the terminal."""
    if previous.get("first_run"):
        return ["This is the first run of this environment and phase in this evidence folder."]
    if not previous.get("verified"):
        return [
            f"The previous bundle {previous.get('bundle')} does not verify, so nothing is "
            "compared with it: " + "; ".join(previous.get("problems") or [])
        ]
    lines = [
        f"Compared with {previous['bundle']} ({previous['verdict']}, generated "
        f"{previous['generated_at']})."
    ]
    lines += [f"{c['id']}: {c['from']} → {c['to']}" for c in previous["changed"]]
    if not previous["changed"]:
        lines.append("No requirement changed status.")
    lines += [f"new finding: {f}" for f in previous["new_findings"]]
    lines += [f"resolved: {f}" for f in previous["resolved_findings"]]
    return lines


# --------------------------------------------------------------------------- index page


def _runs(root: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for env in sorted(os.listdir(root)) if root.is_dir() else []:
        if not _is_real_dir(root / env):
            continue
        for phase in sorted(os.listdir(root / env)):
            if not _is_real_dir(root / env / phase):
                continue
            for bundle in bundles_of(root / env / phase):
                rows.append(_row(root, bundle))
    rows.sort(key=lambda r: (r["stamp"], r["environment"], r["phase"]), reverse=True)
    return rows


def _row(root: Path, bundle: Path) -> dict[str, Any]:
    row: dict[str, Any] = {
        "environment": bundle.parent.parent.name,
        "phase": bundle.parent.name,
        "stamp": bundle.name,
        "href": bundle.relative_to(root).as_posix() + "/report.html",
        "verdict": "unreadable",
        "when": "",
        "operator": "",
        "waivers": [],
        "signature": "",
    }
    evidence: dict[str, Any] | None = None
    try:
        reader = BundleReader(bundle)
        try:
            loaded = json.loads(reader.read("evidence.json"))
            evidence = loaded if isinstance(loaded, dict) else None
        finally:
            reader.close()
    except (OSError, ValueError):
        evidence = None
    if evidence is None:
        return row
    waived = [q for q in evidence.get("requirements") or [] if q.get("status") == "waived"]
    row.update(
        verdict=str(evidence.get("verdict", "unreadable")),
        when=str(evidence.get("generated_at", "")),
        as_of=str(evidence.get("as_of", "")),
        operator=str(evidence.get("operator", "")),
        waivers=[
            f"{q['id']} (until {(q.get('waiver') or {}).get('expires_at', '?')})" for q in waived
        ],
        signature="signed" if (evidence.get("bundle") or {}).get("signed") else "unsigned",
    )
    return row


INDEX_CSS = """
body{font-family:system-ui,sans-serif;color:#1a1a1a;margin:1rem;line-height:1.4}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #767676;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#eee}.GO{color:#0a5d1e;font-weight:bold}
.NO-GO{color:#a30000;font-weight:bold}@media (max-width:600px){td,th{font-size:.85rem}}
"""


def index_html(root: Path) -> str:
    rows = _runs(root)
    body = "".join(
        "<tr>"
        f"<td>{escape(r['environment'])}</td><td>{escape(r['phase'])}</td>"
        f'<td class="{escape(r["verdict"])}" data-verdict="{escape(r["verdict"])}">'
        f"{escape(r['verdict'])}"
        + (f" with {len(r['waivers'])} waiver(s)" if r["waivers"] and r["verdict"] == "GO" else "")
        + f"</td><td>{escape(r['when'])}</td><td>{escape(r['operator'])}</td>"
        f"<td>{escape('; '.join(r['waivers']) or 'none')}</td><td>{escape(r['signature'])}</td>"
        f'<td><a href="{escape(r["href"])}">{escape(r["stamp"])}</a></td>'
        "</tr>"
        for r in rows
    )
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>live-gate runs in {escape(root.name)}</title><style>{INDEX_CSS}</style></head>"
        f"<body><h1>live-gate runs</h1><p>{len(rows)} run(s) in {escape(str(root))}, newest "
        f"first; written {now}. Check a bundle with <code>live-gate verify BUNDLE</code>.</p>"
        "<table><thead><tr><th>Environment</th><th>Phase</th><th>Verdict</th><th>When (UTC)</th>"
        "<th>Operator</th><th>Waivers</th><th>Signature</th><th>Report</th></tr></thead>"
        f"<tbody>{body}</tbody></table></body></html>"
    )


def write_index(root: Path) -> Path:
    target = root / INDEX
    temporary = root / f".{INDEX}.{os.getpid()}"
    temporary.write_text(index_html(root), encoding="utf-8")
    os.replace(temporary, target)
    return target
