"""ACT-7 dry run (runbook §2.7): a recorded read-only run of this environment, recent, with
auto-trade disabled, whose ``live_readiness_checklist`` reports ``ok`` for every item.

The record is the upstream promotion report (``scripts/promotion_to_live.py``, FORMATS.md §5.4)
in ``var/audit/live/dry_run/`` (gate policy ``dry_run_dir``). The promotion script does not
record whether auto-trade was disabled (no bot code writes it; ``canary_contract.report_only``
only says the script enforces nothing): the gate requires ``dry_run.enable_auto_trade: false``
(or a top-level ``enable_auto_trade: false``) in the record, as a JSON boolean, added by the
operator who ran the pipeline read-only; the finding says exactly what to add. Records are listed
and read through the kit (a link out or a FIFO is a finding); one dated after the evaluation
instant is a finding and never the newest. Blocking reasons are recomputed
from the items, because the report's own ``canary_contract.blocking_reasons`` is always empty
(FORMATS.md §0.12).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from live_gate.checks import Findings, read_document
from live_gate.kit.values import describe_flag, strict_bool
from live_gate.paths import PathEscapesDeployment
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment
from live_gate.timeutil import iso

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


def _records(
    environment: Environment, policy: Policy, as_of: datetime, out: Findings
) -> tuple[list[tuple[datetime, str, dict[str, Any]]], str | None]:
    """The environment's dry-run records that may be the newest, and the folder listed. A record
    dated after the evaluation instant (plus the skew) is a finding and never the newest."""
    deployment = environment.deployment
    files = deployment.files
    skew = timedelta(seconds=policy.clock_skew_seconds)
    try:
        folder = deployment.resolve_from_root(policy.dry_run_dir)
    except PathEscapesDeployment as exc:
        out.escaped(exc, field="gate policy dry_run_dir", file=policy.dry_run_dir)
        return [], None
    records: list[tuple[datetime, str, dict[str, Any]]] = []
    for entry in files.listing(folder, out, accept=lambda name: name.endswith(".json")):
        document = read_document(
            files,
            entry,
            out,
            malformed_rule="dry_run.malformed",
            what="a dry-run record",
            expected="a promotion report (JSON object)",
        )
        if document is None:
            continue
        data = document.data
        if not isinstance(data, dict) or data.get("environment") != environment.name:
            continue
        when = out.instant(
            "dry_run.generated_at",
            f"the dry-run record {entry.relative}",
            data.get("generated_at"),
            as_of=as_of,
            skew=skew,
            file=entry.relative,
            field="generated_at",
        )
        if when is not None:
            records.append((when, entry.relative, data))
    return records, folder.relative


def check_dry_run(environment: Environment, policy: Policy, as_of: datetime) -> Findings:
    out = Findings(REQUIREMENT, None)
    records, folder = _records(environment, policy, as_of, out)
    if folder is None:
        return out
    if not records:
        if not out.blocking_count():
            out.block(
                "dry_run.missing",
                f"no read-only dry run of {environment.name} is "
                "recorded: run the pipeline with enable_auto_trade=False and record "
                "its promotion report",
                file=folder,
                expected=f"a promotion report of {environment.name}",
                found="none",
            )
        return out
    when, relative, report = max(records, key=lambda r: (r[0], r[1]))
    out.fact("dry run", f"{relative} ({iso(when)})")
    max_age = timedelta(hours=policy.dry_run_max_age_hours)
    if as_of - when > max_age:
        out.block(
            "dry_run.generated_at.stale",
            f"the newest dry run is {(as_of - when) / timedelta(hours=1):.0f} hours old",
            file=relative,
            field="generated_at",
            expected=f"within {policy.dry_run_max_age_hours:g} hours of {iso(as_of)}",
            found=iso(when),
        )
    _check_read_only(report, relative, out)
    items = report.get("live_readiness_checklist")
    if not isinstance(items, list) or not items:
        out.block(
            "dry_run.no_checklist",
            "the dry run recorded no live_readiness_checklist",
            file=relative,
            field="live_readiness_checklist",
            expected="the checklist items",
            found="none" if items in (None, []) else repr(items),
        )
        return out
    blocked = 0
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            blocked += 1
            out.block(
                "dry_run.item_not_ok",
                f"the dry run's checklist item {index} is not an item the bot writes",
                file=relative,
                field=f"live_readiness_checklist[{index}]",
                expected="{item, status: ok, ...}",
                found=repr(item),
            )
            continue
        out.fact(str(item.get("item")), str(item.get("status")))
        flag = item.get("ok")
        if "ok" in item and strict_bool(flag) is None:
            out.block(
                "dry_run.flag_not_boolean",
                f"the dry run's checklist item {item.get('item')} states ok as "
                f"{describe_flag(flag)}",
                file=relative,
                field=f"live_readiness_checklist[{index}].ok",
                expected="true or false (a JSON boolean)",
                found=describe_flag(flag),
            )
        if item.get("status") != "ok" or flag is False:
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


def _check_read_only(report: dict[str, Any], relative: str, out: Findings) -> None:
    """``dry_run.enable_auto_trade`` (or a top-level ``enable_auto_trade``) is the boolean
    false: the string "false" is not (it is truthy to the bot), and neither is absence."""
    block = report.get("dry_run")
    if block is not None and not isinstance(block, dict):
        out.block(
            "dry_run.malformed",
            "the dry run's record of how it ran is not an object",
            file=relative,
            field="dry_run",
            expected="{enable_auto_trade: false, started_at, finished_at, operator}",
            found=repr(block),
        )
        return
    if isinstance(block, dict) and "enable_auto_trade" in block:
        flag, field = block["enable_auto_trade"], "dry_run.enable_auto_trade"
    else:
        flag, field = report.get("enable_auto_trade"), "enable_auto_trade"
    if flag is not None and strict_bool(flag) is None:
        out.block(
            "dry_run.flag_not_boolean",
            f"the dry run records enable_auto_trade as {describe_flag(flag)}",
            file=relative,
            field=field,
            expected="false (a JSON boolean)",
            found=describe_flag(flag),
        )
    elif flag is not False:
        # The bot records auto-trade nowhere: scripts/promotion_to_live.py writes no such field
        # (its keys: promotion_to_live.py:169-236) and AutoTrader defaults to
        # enable_auto_trade=True. canary_contract.report_only is no substitute: it says the
        # promotion script enforces nothing, not that the pipeline ran without trading. So the
        # rule stays, and the operator who ran the pipeline read-only records it.
        out.block(
            "dry_run.auto_trade_enabled",
            "the dry run is not recorded as read-only (enable_auto_trade=False)"
            + (
                ": the bot's promotion script never records it, so after running the pipeline "
                'with enable_auto_trade=False add "dry_run": {"enable_auto_trade": false, '
                '"started_at": ..., "finished_at": ..., "operator": ...} to this promotion '
                "report (canary_contract.report_only only says the script enforces nothing)"
                if flag is None
                else ""
            ),
            file=relative,
            field="dry_run.enable_auto_trade",
            expected="false (added by the operator: no bot code writes this field)",
            found=describe_flag(flag),
        )
