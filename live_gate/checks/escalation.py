"""Runbook §3, escalation: conditions that stop the migration whatever else is true."""

from __future__ import annotations

from live_gate.checks import Findings
from live_gate.resources.bot_checklist import build_checklist
from live_gate.resources.deployment import Environment


def check_no_blocked_checklist_item(environment: Environment) -> Findings:
    """ESC-2: the bot's own live-readiness checklist, recomputed, has no ``blocked`` item."""
    out = Findings("ESC-2", environment.deployment.config_file)
    for item in build_checklist(environment):
        out.fact(item.item, item.status)
        if item.status == "blocked":
            out.block(
                "checklist.blocked",
                f"the live-readiness checklist item {item.item} is blocked: "
                + "; ".join(item.reasons),
                line=environment.line(),
                field=f"live_readiness_checklist.{item.item}",
                expected="ok",
                found="blocked",
            )
    return out
