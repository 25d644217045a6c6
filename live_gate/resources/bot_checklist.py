"""The bot's own live-readiness checklist, recomputed from the configuration.

``build_live_readiness_checklist()`` (``bootstrap.py:1633-1907``, FORMATS.md §1.9) returns items
``kyc_aml_signoff``, ``live_checklist`` (only with a ``live_readiness`` block), ``risk_limits``
and ``alerting``, each ``ok`` or ``blocked`` with reasons. The rules here are the bot's, not the
gate's stricter ones: ESC-2 asks whether the bot itself would report a blocked item. So flags are
read with the bot's truthiness (``live_allowed: "false"`` is a non-empty string, which the bot
takes as true): the strict reading, where such a value is a finding, is PRE-1's and PRE-3's. One
deliberate exception: a risk limit must be a finite number to count as positive (NaN passes the
bot's ``<= 0`` test; here it blocks the item, stricter on purpose).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from live_gate.kit.values import finite_number
from live_gate.resources.deployment import Environment
from live_gate.resources.readiness import read_live_readiness


@dataclass
class ChecklistItem:
    item: str
    status: str
    reasons: list[str] = field(default_factory=list)


def _entrypoint_reasons(environment: Environment) -> tuple[bool, list[str]]:
    bound = environment.bound_entrypoints()
    if not bound:
        return False, ["no runtime entrypoints bound to environment"]
    reasons: list[str] = []
    any_ok = False
    for entrypoint in bound:
        compliance = entrypoint.compliance
        own: list[str] = []
        if compliance is None:
            own.append("missing compliance declaration")
        else:
            if not compliance.live_allowed:
                own.append("live mode disabled")
            if not compliance.signed:
                own.append("unsigned compliance packet")
            profile = environment.risk_profile_name
            if compliance.risk_profiles and profile not in compliance.risk_profiles:
                own.append("risk profile not permitted")
            if compliance.require_signoff and not compliance.signoffs:
                own.append("missing sign-off")
        if not own:
            any_ok = True
        reasons += [f"{entrypoint.name}: {r}" for r in own]
    return any_ok, reasons


def _live_checklist_reasons(environment: Environment) -> list[str] | None:
    checklist = read_live_readiness(environment)
    if checklist is None:
        return None
    reasons: list[str] = []
    if not checklist.signed:
        reasons.append("checklist not signed")
    else:
        if not checklist.signed_by:
            reasons.append("missing checklist signers")
        if not checklist.signature_path:
            reasons.append("missing checklist signature artifact")
    required = {n.lower() for n in checklist.required_documents}
    for document in checklist.documents:
        if not (document.required or document.name.lower() in required):
            continue
        if not document.signed:
            reasons.append(f"{document.name}: document not signed")
        if not document.signed_by:
            reasons.append(f"{document.name}: missing signer entries")
        if not document.signature_path:
            reasons.append(f"{document.name}: missing signature artifact")
        if not document.sha256:
            reasons.append(f"{document.name}: missing sha256 digest")
    defined = {d.name.lower() for d in checklist.documents}
    for name in checklist.required_documents:
        if name.lower() not in defined:
            reasons.append(f"{name}: document metadata not provided")
    return reasons


def _positive(value: Any) -> bool:
    number = finite_number(value)
    return number is not None and number > 0


def build_checklist(environment: Environment) -> list[ChecklistItem]:
    items = []
    ok, reasons = _entrypoint_reasons(environment)
    items.append(ChecklistItem("kyc_aml_signoff", "ok" if ok else "blocked", [] if ok else reasons))
    live = _live_checklist_reasons(environment)
    if live is not None:
        items.append(ChecklistItem("live_checklist", "blocked" if live else "ok", live))
    profile = environment.risk_profile or {}
    risk_reasons = [
        f"{key} is not positive"
        for key in ("max_daily_loss_pct", "hard_drawdown_pct", "max_position_pct")
        if not _positive(profile.get(key))
    ]
    if environment.risk_profile is None:
        risk_reasons = [f"risk profile {environment.risk_profile_name!r} is not defined"]
    items.append(ChecklistItem("risk_limits", "blocked" if risk_reasons else "ok", risk_reasons))
    alert_reasons = []
    channels = [] if environment.offline_mode else environment.alert_channels
    if not channels:
        alert_reasons.append(
            "no alert channels" + (" (offline_mode)" if environment.offline_mode else "")
        )
    if environment.block("alert_throttle") is None:
        alert_reasons.append("alert throttle not configured")
    items.append(ChecklistItem("alerting", "blocked" if alert_reasons else "ok", alert_reasons))
    return items
