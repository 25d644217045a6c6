"""ACT-5 secrets: the trade keys were rotated recently, the IP allowlist is set and literal, and
the key's permissions allow trading but never withdrawals (runbook §2.5)."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from typing import Any

from live_gate.checks import Findings, data_file, read_document
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment
from live_gate.timeutil import iso

REQUIREMENT = "ACT-5"
ROTATION_LOG = "security/rotation_log.json"  # scripts/check_key_rotation.py:68-69


def check_key_rotation(environment: Environment, policy: Policy, as_of: datetime) -> Findings:
    """``RotationRegistry``: ``{"<keychain_key>::<purpose>": "<ISO Z>"}`` under data_cache_path;
    overdue when more than the interval (90 days) has passed; a warning within 14 days of it.
    Read through the kit; a rotation dated after the evaluation instant is a finding (it would
    otherwise never be overdue)."""
    out = Findings(REQUIREMENT, environment.deployment.config_file)
    files = environment.deployment.files
    key = str(environment.raw.get("keychain_key") or "").strip().lower()
    purpose = str(environment.raw.get("credential_purpose") or "trading").strip().lower()
    entry = f"{key}::{purpose}"
    log = data_file(environment, ROTATION_LOG, out)
    if log is None:
        return out
    if files.kind(log) == "missing":
        out.block(
            "rotation.log_missing",
            "there is no key rotation log: rotate the trade keys "
            "and record it (scripts/rotate_keys.py)",
            file=log.relative,
            expected=f"a rotation log with {entry!r}",
            found="no such file",
        )
        return out
    # the bot treats an unparseable registry as empty: every key is then overdue
    document = read_document(
        files,
        log,
        out,
        malformed_rule="rotation.log_malformed",
        what="the rotation log (the bot would treat every key as never rotated)",
        expected='{"<key>::<purpose>": "<ISO time>"}',
    )
    if document is None:
        return out
    registry = document.data
    stamp = registry.get(entry) if isinstance(registry, dict) else None
    if stamp is None:
        out.block(
            "rotation.entry_missing",
            f"the rotation log has no entry for {entry}: the trade key was never rotated",
            file=log.relative,
            field=entry,
            expected="the time of the last rotation",
            found="absent" if isinstance(registry, dict) else "the log is not a JSON object",
        )
        return out
    rotated = out.instant(
        "rotation.rotated_at",
        f"the rotation of {entry}",
        stamp,
        as_of=as_of,
        skew=timedelta(seconds=policy.clock_skew_seconds),
        file=log.relative,
        field=entry,
    )
    if rotated is None:
        return out
    days = (as_of - rotated) / timedelta(days=1)
    interval, warn = policy.key_rotation_interval_days, policy.key_rotation_warn_days
    out.fact("last rotation", f"{iso(rotated)} ({days:.0f} days before {iso(as_of)})")
    if days > interval:
        out.block(
            "rotation.overdue",
            f"the trade key {entry} was last rotated {days:.0f} days ago",
            file=log.relative,
            field=entry,
            expected=f"rotated within {interval:g} days",
            found=iso(rotated),
        )
    elif interval - days <= warn:
        out.warn(
            "rotation.due_soon",
            f"the trade key {entry} is due for rotation in {interval - days:.0f} days",
            file=log.relative,
            field=entry,
            expected=f"more than {warn:g} days before the {interval:g}-day limit",
            found=iso(rotated),
        )
    return out


def check_ip_allowlist(environment: Environment) -> Findings:
    """``network_guard``: entries are compared by exact string with the source IP; no CIDR, no
    hostnames. An empty list switches the check off."""
    out = Findings(REQUIREMENT, environment.deployment.config_file)
    field = f"environments.{environment.name}.ip_allowlist"
    entries = environment.raw.get("ip_allowlist") or []
    if not isinstance(entries, list) or not entries:
        out.block(
            "allowlist.empty",
            "the IP allowlist is empty: the bot then checks no source address at all",
            line=environment.line("ip_allowlist") or environment.line(),
            field=field,
            expected="the literal IP addresses of the trading hosts",
            found="[]",
        )
        return out
    for index, entry in enumerate(entries):
        text = str(entry).strip()
        try:
            ipaddress.ip_address(text)
        except ValueError:
            kind = "a CIDR range" if "/" in text else "not an IP address (a hostname?)"
            out.block(
                "allowlist.not_literal",
                f"IP allowlist entry {text!r} is {kind}: the bot "
                "compares exact strings, so it never matches",
                line=environment.line("ip_allowlist", index),
                field=f"{field}[{index}]",
                expected="a single literal IP address",
                found=text,
            )
    return out


def _permissions(environment: Environment, kind: str) -> tuple[Any, tuple[str, ...]]:
    """The permissions the key must have (``required``) or must not (``forbidden``) as the
    configuration writes them, and where: the environment's own list, else its permission
    profile's (an absent or explicit empty list falls back to the profile, validation.py)."""
    key = f"{kind}_permissions"
    own = environment.raw.get(key)
    if own:
        return own, ("environments", environment.name, key)
    name = str(environment.raw.get("permission_profile") or "")
    profile = environment.deployment.section("permission_profiles").get(name) or {}
    values = profile.get(key) if isinstance(profile, dict) else profile
    return values or [], ("permission_profiles", name, key)


def check_permissions(environment: Environment) -> Findings:
    out = Findings(REQUIREMENT, environment.deployment.config_file)
    written = [_permissions(environment, kind) for kind in ("required", "forbidden")]
    for value, place in written:
        if not isinstance(value, list):
            field = ".".join(place)
            out.block(
                "permissions.not_a_list",
                f"{field} is not a list of permissions: neither the bot nor the gate can tell "
                "what the key may do",
                line=environment.deployment.line(*place) or environment.line(),
                field=field,
                # its kind, never its value: anything could be pasted there, a secret included
                expected="a list such as [read, trade]",
                found=f"a {type(value).__name__}",
            )
            return out
    (required_written, required_place), (forbidden_written, forbidden_place) = written
    required = [str(p).lower() for p in required_written]
    forbidden = [str(p).lower() for p in forbidden_written]
    required_field, forbidden_field = ".".join(required_place), ".".join(forbidden_place)
    if "trade" not in required:
        out.block(
            "permissions.trade_missing",
            "the key is not required to have the trade permission",
            line=environment.line("required_permissions") or environment.line(),
            field=required_field,
            expected="includes trade",
            found=required,
        )
    if "withdraw" not in forbidden:
        out.block(
            "permissions.withdraw_allowed",
            "withdrawals are not forbidden for the key",
            line=environment.line("forbidden_permissions") or environment.line(),
            field=forbidden_field,
            expected="includes withdraw",
            found=forbidden,
        )
    overlap = sorted(set(required) & set(forbidden))
    if overlap:
        out.block(
            "permissions.overlap",
            "permissions are both required and forbidden: " + ", ".join(overlap),
            line=environment.line("required_permissions"),
            field=required_field,
            expected="disjoint lists",
            found=overlap,
        )
    return out
