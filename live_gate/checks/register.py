"""ACT-2 KYC/AML vs register: the sign-offs of every entrypoint bound to the live environment
include every sign-off the current compliance register requires for it (runbook §2.2)."""

from __future__ import annotations

from datetime import datetime, timedelta

from live_gate.checks import Findings
from live_gate.kit import InputRefused, schemas
from live_gate.kit.values import read_instant
from live_gate.paths import PathEscapesDeployment
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment, UnreadableInput
from live_gate.timeutil import iso

REQUIREMENT = "ACT-2"


def check_register(environment: Environment, policy: Policy, as_of: datetime) -> Findings:
    """The register is read through the kit (confined, a regular file, bounded YAML); its
    ``updated_at`` may not lie after ``--as-of`` (plus the clock skew), and ``valid_until`` must
    lie after it. A register that does not match its schema is an error naming file and line."""
    deployment = environment.deployment
    files = deployment.files
    out = Findings(REQUIREMENT, deployment.config_file)
    configured = policy.compliance_register_path
    try:
        confined = files.resolve(deployment.config_dir, configured)
    except PathEscapesDeployment as exc:
        out.escaped(
            exc,
            field="gate policy compliance_register_path",
            file=f"{deployment.config_dir.name}/{configured}",
        )
        return out
    relative = confined.relative
    try:
        exists = files.present(confined)
    except InputRefused as exc:
        out.refused(exc)
        return out
    if not exists:
        out.block(
            "register.missing",
            "the deployment has no compliance register",
            file=relative,
            expected=f"a register at {relative} (schema compliance_register)",
            found="no such file",
        )
        return out
    out.read(relative)
    document = files.yaml(confined)  # unparseable: an error naming the file and line
    error = schemas.first_error("compliance_register", document.data)
    if error is not None:
        path, message = error
        parts = [p for p in path.lstrip("$").replace("[", ".").replace("]", "").split(".") if p]
        raise UnreadableInput(
            f"the compliance register does not match its schema at {path}: {message}",
            relative,
            document.line_of(*(int(p) if p.isdigit() else p for p in parts)),
        )
    register = document.data
    out.instant(
        "register.updated_at",
        "the compliance register",
        register["updated_at"],
        as_of=as_of,
        skew=timedelta(seconds=policy.clock_skew_seconds),
        file=relative,
        line=document.line_of("updated_at"),
        field="updated_at",
    )
    if "valid_until" in register:
        valid_until, problem = read_instant(register["valid_until"])
        if problem is not None:
            out.block(
                "register.valid_until_invalid",
                "the compliance register's valid_until is not an ISO-8601 instant",
                file=relative,
                line=document.line_of("valid_until"),
                field="valid_until",
                expected=problem.expected,
                found=problem.found,
            )
        elif valid_until is not None and valid_until <= as_of:
            out.block(
                "register.expired",
                "the compliance register is no longer current",
                file=relative,
                line=document.line_of("valid_until"),
                field="valid_until",
                expected=f"valid after {iso(as_of)}",
                found=iso(valid_until),
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
