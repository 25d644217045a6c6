"""ACT-2 KYC/AML vs register: the sign-offs of every entrypoint bound to the live environment
include every sign-off the current compliance register requires for it (runbook §2.2)."""

from __future__ import annotations

from datetime import datetime

from live_gate.checks import Findings
from live_gate.kit import schemas
from live_gate.paths import PathEscapesDeployment
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment, UnreadableInput
from live_gate.timeutil import InvalidInstant, iso, parse_instant

REQUIREMENT = "ACT-2"


def check_register(environment: Environment, policy: Policy, as_of: datetime) -> Findings:
    deployment = environment.deployment
    out = Findings(REQUIREMENT, deployment.config_file)
    configured = policy.compliance_register_path
    try:
        confined = deployment.resolve_document(configured)
    except PathEscapesDeployment as exc:
        out.escaped(exc, field="gate policy compliance_register_path")
        return out
    relative = confined.relative
    if not deployment.files.is_file(confined):
        out.block(
            "register.missing",
            "the deployment has no compliance register",
            file=relative,
            expected=f"a register at {relative} (schema compliance_register)",
            found="no such file",
        )
        return out
    out.read(relative)
    document = deployment.files.yaml(confined)
    errors = sorted(
        schemas.validator("compliance_register").iter_errors(document.data),
        key=lambda e: list(e.absolute_path),
    )
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise UnreadableInput(
            f"the compliance register does not match its schema at {where}: {first.message}",
            relative,
            document.line_of(*first.absolute_path),
        )
    register = document.data
    for key in ("updated_at", "valid_until"):
        if key in register:
            try:
                parse_instant(str(register[key]))
            except InvalidInstant as exc:
                raise UnreadableInput(
                    f"compliance register {key}: {exc}", relative, document.line_of(key)
                ) from exc
    valid_until = register.get("valid_until")
    if valid_until and parse_instant(str(valid_until)) <= as_of:
        out.block(
            "register.expired",
            "the compliance register is no longer current",
            file=relative,
            line=document.line_of("valid_until"),
            field="valid_until",
            expected=f"valid after {iso(as_of)}",
            found=str(valid_until),
        )
    if parse_instant(str(register["updated_at"])) > as_of:
        out.block(
            "register.from_future",
            "the compliance register is dated after the evaluation instant",
            file=relative,
            line=document.line_of("updated_at"),
            field="updated_at",
            expected=f"at or before {iso(as_of)}",
            found=str(register["updated_at"]),
        )
    entry = register["environments"].get(environment.name)
    if entry is None:
        out.block(
            "register.environment_absent",
            f"the compliance register names no signers for {environment.name}",
            file=relative,
            line=document.line_of("environments"),
            field=f"environments.{environment.name}",
            expected=f"required_signoffs for {environment.name}",
            found="absent",
        )
        return out
    required = entry["required_signoffs"]
    bound = environment.bound_entrypoints()
    if not bound:
        out.block(
            "register.no_entrypoint",
            f"no runtime entrypoint is bound to {environment.name}, so none carries the "
            "register's sign-offs",
            line=deployment.line("runtime_entrypoints"),
            field="runtime_entrypoints.*.environment",
            expected=", ".join(r["signoff"] for r in required),
            found="no entrypoint",
        )
        return out
    known = {r["signoff"].lower() for r in required}
    for entrypoint in bound:
        compliance = entrypoint.compliance
        present = {s.lower() for s in (compliance.signoffs if compliance else ())}
        missing = [r for r in required if r["signoff"].lower() not in present]
        line = deployment.line("runtime_entrypoints", entrypoint.name, "compliance", "signoffs")
        field = f"runtime_entrypoints.{entrypoint.name}.compliance.signoffs"
        for item in missing:
            who = f" ({item['name']})" if item.get("name") else ""
            out.block(
                "register.signoff_missing",
                f"entrypoint {entrypoint.name} lacks the {item['role']} sign-off "
                f"{item['signoff']!r}{who} required by register {register['register_id']}",
                line=line or entrypoint.line,
                field=field,
                expected=f"includes {item['signoff']!r}",
                found=sorted(compliance.signoffs) if compliance else "no compliance packet",
            )
        for extra in sorted(present - known):
            out.warn(
                "register.signoff_unknown",
                f"entrypoint {entrypoint.name} carries sign-off {extra!r}, which the current "
                f"register {register['register_id']} does not list",
                line=line or entrypoint.line,
                field=field,
            )
    return out
