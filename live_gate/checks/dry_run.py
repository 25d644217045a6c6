"""ACT-7 dry run (runbook §2.7): a recorded read-only run of this environment, recent, with
auto-trade disabled, whose ``live_readiness_checklist`` reports ``ok`` for every item.

The record is the upstream promotion report (``scripts/promotion_to_live.py``, FORMATS.md §5.4)
in ``var/audit/live/dry_run/`` (gate policy ``dry_run_dir``). The promotion script does not
record whether auto-trade was disabled: the gate requires ``dry_run.enable_auto_trade: false``
(or a top-level ``enable_auto_trade: false``) in the record. Blocking reasons are recomputed
from the items, because the report's own ``canary_contract.blocking_reasons`` is always empty
(FORMATS.md §0.12).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from live_gate.checks import Findings
from live_gate.paths import PathEscapesDeployment
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment, UnreadableInput
from live_gate.timeutil import InvalidInstant, iso, parse_instant

REQUIREMENT = "ACT-7"


def _item_reasons(item: dict[str, Any]) -> list[str]:
    reasons: list[str] = [str(r) for r in item.get("reasons") or []]
    details = item.get("details")
    entries = details if isinstance(details, list) else [details] if details else []
    for entry in entries:
        if isinstance(entry, dict):
            for nested in (entry, entry.get("checklist") or {}):
                if isinstance(nested, dict):
                    reasons += [str(r) for r in nested.get("reasons") or []]
            for document in entry.get("documents") or []:
                if isinstance(document, dict) and document.get("status") not in (None, "ok"):
                    reasons.append(
                        f"{document.get('name')}: "
                        + ", ".join(str(r) for r in document.get("reasons") or [])
                    )
    return list(dict.fromkeys(reasons)) or ["no reason recorded"]


def check_dry_run(environment: Environment, policy: Policy, as_of: datetime) -> Findings:
    deployment = environment.deployment
    out = Findings(REQUIREMENT, None)
    try:
        folder = deployment.resolve_from_root(policy.dry_run_dir)
    except PathEscapesDeployment as exc:
        out.escaped(exc, field="gate policy dry_run_dir")
        return out
    records: list[tuple[datetime, str, dict[str, Any]]] = []
    for path in sorted(folder.path.glob("*.json")) if folder.path.is_dir() else []:
        relative = path.relative_to(deployment.root).as_posix()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise UnreadableInput(f"cannot read: {exc.strerror}", relative) from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            out.block(
                "dry_run.malformed",
                f"a dry-run record is not JSON ({exc})",
                file=relative,
                expected="a promotion report",
                found="malformed",
            )
            continue
        if not isinstance(data, dict) or data.get("environment") != environment.name:
            continue
        try:
            when = parse_instant(str(data.get("generated_at")))
        except InvalidInstant:
            out.block(
                "dry_run.undated",
                "the dry-run record has no readable generated_at",
                file=relative,
                field="generated_at",
                expected="an ISO-8601 time",
                found=data.get("generated_at"),
            )
            continue
        records.append((when, relative, data))
    if not records:
        if not out.blocking_count():
            out.block(
                "dry_run.missing",
                f"no read-only dry run of {environment.name} is "
                "recorded: run the pipeline with enable_auto_trade=False and record "
                "its promotion report",
                file=folder.relative,
                expected=f"a promotion report of {environment.name}",
                found="none",
            )
        return out
    when, relative, report = max(records, key=lambda r: (r[0], r[1]))
    out.read(relative)
    out.fact("dry run", f"{relative} ({iso(when)})")
    if as_of - when > timedelta(hours=policy.dry_run_max_age_hours):
        out.block(
            "dry_run.stale",
            f"the newest dry run is {(as_of - when) / timedelta(hours=1):.0f} hours old",
            file=relative,
            field="generated_at",
            expected=f"within {policy.dry_run_max_age_hours:g} hours of {iso(as_of)}",
            found=iso(when),
        )
    flag = (report.get("dry_run") or {}).get("enable_auto_trade", report.get("enable_auto_trade"))
    if flag is not False:
        out.block(
            "dry_run.auto_trade_enabled",
            "the dry run was not recorded as read-only (enable_auto_trade=False)",
            file=relative,
            field="dry_run.enable_auto_trade",
            expected="false",
            found="absent" if flag is None else flag,
        )
    items = report.get("live_readiness_checklist")
    if not isinstance(items, list) or not items:
        out.block(
            "dry_run.no_checklist",
            "the dry run recorded no live_readiness_checklist",
            file=relative,
            field="live_readiness_checklist",
            expected="the checklist items",
            found="none",
        )
        return out
    blocked = 0
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        out.fact(str(item.get("item")), str(item.get("status")))
        if item.get("status") != "ok":
            blocked += 1
            out.block(
                "dry_run.item_not_ok",
                f"the dry run's checklist item {item.get('item')} "
                f"is {item.get('status')}: " + "; ".join(_item_reasons(item)),
                file=relative,
                field=f"live_readiness_checklist[{index}]",
                expected="ok",
                found=item.get("status"),
            )
    contract = report.get("canary_contract") or {}
    if blocked and isinstance(contract, dict) and not contract.get("blocking_reasons"):
        out.warn(
            "dry_run.report_blocking_reasons_empty",
            "the report's own canary_contract.blocking_reasons is empty although items are "
            "blocked (upstream bug, FORMATS.md §0.12); the gate recomputed them",
            file=relative,
            field="canary_contract.blocking_reasons",
        )
    return out
