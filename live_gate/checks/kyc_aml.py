"""PRE-1 KYC/AML: entrypoint compliance packets and the signed live-readiness checklist."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from live_gate import signing
from live_gate.checks import Findings
from live_gate.paths import ConfinedPath, PathEscapesDeployment
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment, UnreadableInput
from live_gate.resources.readiness import (
    ChecklistDocument,
    MalformedSignature,
    parse_signature_file,
    read_live_readiness,
)
from live_gate.timeutil import InvalidInstant, iso, parse_instant

REQUIREMENT = "PRE-1"


def check_entrypoint_compliance(environment: Environment) -> Findings:
    """Every runtime entrypoint bound to the environment declares a live-ready compliance packet.

    The bot accepts the environment if *any* bound entrypoint passes (bootstrap.py:1662-1734);
    the gate requires *every* bound entrypoint to pass, because any of them can start trading.
    """
    deployment = environment.deployment
    out = Findings(REQUIREMENT, deployment.config_file)
    bound = environment.bound_entrypoints()
    if not bound:
        out.block(
            "entrypoint.none_bound",
            f"no runtime entrypoint is bound to environment {environment.name}",
            line=deployment.line("runtime_entrypoints"),
            field="runtime_entrypoints.*.environment",
            expected=f"an entrypoint with environment: {environment.name}",
            found="entrypoints bound to: "
            + (", ".join(sorted({e.environment for e in deployment.entrypoints()})) or "none"),
        )
        return out
    env_profile = environment.risk_profile_name
    for entrypoint in bound:
        prefix = f"runtime_entrypoints.{entrypoint.name}.compliance"
        compliance = entrypoint.compliance
        if compliance is None:
            out.block(
                "entrypoint.compliance_missing",
                f"entrypoint {entrypoint.name} declares no compliance packet",
                line=entrypoint.line,
                field=prefix,
                expected="a compliance mapping (live_allowed, signed, risk_profiles, signoffs)",
                found="absent",
            )
            continue

        def line(key: str, name: str = entrypoint.name) -> int | None:
            return deployment.line("runtime_entrypoints", name, "compliance", key)

        if compliance.live_allowed is not True:
            out.block(
                "entrypoint.live_not_allowed",
                f"entrypoint {entrypoint.name}: live mode is not allowed by its compliance packet",
                line=line("live_allowed"),
                field=f"{prefix}.live_allowed",
                expected="true",
                found=compliance.live_allowed,
            )
        if compliance.signed is not True:
            out.block(
                "entrypoint.unsigned",
                f"entrypoint {entrypoint.name}: the compliance packet is not signed",
                line=line("signed"),
                field=f"{prefix}.signed",
                expected="true",
                found=compliance.signed,
            )
        profiles_to_check = [p for p in (env_profile, entrypoint.risk_profile) if p]
        if compliance.risk_profiles:
            for profile in dict.fromkeys(profiles_to_check):
                if profile not in compliance.risk_profiles:
                    out.block(
                        "entrypoint.risk_profile_not_permitted",
                        f"entrypoint {entrypoint.name}: risk profile {profile!r} is not "
                        "permitted by its compliance packet",
                        line=line("risk_profiles"),
                        field=f"{prefix}.risk_profiles",
                        expected=f"a list containing {profile!r}",
                        found=list(compliance.risk_profiles),
                    )
        if not compliance.signoffs:
            out.block(
                "entrypoint.signoff_missing",
                f"entrypoint {entrypoint.name}: the compliance packet has no sign-offs",
                line=line("signoffs"),
                field=f"{prefix}.signoffs",
                expected="at least one sign-off",
                found="[]",
            )
    return out


def check_live_readiness_signoff(
    environment: Environment, policy: Policy, as_of: datetime
) -> Findings:
    """The live-readiness checklist is signed, by the required roles, recently enough, and its
    signature artifact exists (``bootstrap.build_live_readiness_checklist`` item
    ``live_checklist``, plus the age the runbook's "aktualność sign-offów" asks for)."""
    deployment = environment.deployment
    out = Findings(REQUIREMENT, deployment.config_file)
    checklist = read_live_readiness(environment)
    base = "live_readiness"
    if checklist is None:
        out.block(
            "readiness.missing",
            f"environment {environment.name} has no live_readiness checklist",
            line=environment.line(),
            field=f"environments.{environment.name}.live_readiness",
            expected="a signed live_readiness checklist with its documents",
            found="absent",
        )
        return out

    def line(*path: str | int) -> int | None:
        return environment.line(base, *path)

    field = f"environments.{environment.name}.{base}"
    if checklist.signed is not True:
        out.block(
            "readiness.unsigned",
            "the live-readiness checklist is not signed",
            line=line("signed"),
            field=f"{field}.signed",
            expected="true",
            found=checklist.signed,
        )
    signers = {s.lower() for s in checklist.signed_by}
    missing_roles = [r for r in policy.required_signer_roles if r.lower() not in signers]
    if missing_roles:
        out.block(
            "readiness.signer_roles_missing",
            "the live-readiness checklist is not signed by every required role: "
            + ", ".join(missing_roles),
            line=line("signed_by"),
            field=f"{field}.signed_by",
            expected=f"includes {', '.join(policy.required_signer_roles)}",
            found=list(checklist.signed_by),
        )
    _check_signed_at(
        out,
        "the live-readiness checklist",
        checklist.signed_at,
        policy,
        as_of,
        line=line("signed_at"),
        field=f"{field}.signed_at",
    )
    if not checklist.signature_path:
        out.block(
            "readiness.signature_missing",
            "the live-readiness checklist has no signature artifact",
            line=line(),
            field=f"{field}.signature_path",
            expected="a path to the checklist's signature",
            found="absent",
        )
    else:
        confined = _confine(
            out,
            deployment.resolve_document,
            checklist.signature_path,
            line=line("signature_path"),
            field=f"{field}.signature_path",
        )
        if confined is not None and confined.path.is_file():
            out.read(confined.relative)
        elif confined is not None:
            out.block(
                "readiness.signature_missing",
                "the live-readiness checklist's signature artifact does not exist",
                line=line("signature_path"),
                field=f"{field}.signature_path",
                expected=f"a file at config/{checklist.signature_path}",
                found="no such file",
            )

    return out


def check_live_readiness_documents(
    environment: Environment, policy: Policy, as_of: datetime
) -> Findings:
    """Every required document of the checklist exists inside the deployment, its SHA-256 is 64
    hex digits and matches the file, its HMAC signature verifies, its sign-off is current, and
    the verified documents cover the categories the bot requires for a live bootstrap."""
    deployment = environment.deployment
    out = Findings(REQUIREMENT, deployment.config_file)
    checklist = read_live_readiness(environment)
    if checklist is None:
        out.block(
            "readiness.missing",
            f"environment {environment.name} has no live_readiness checklist, so no signed "
            "document vouches for it",
            line=environment.line(),
            field=f"environments.{environment.name}.live_readiness.documents",
            expected="the signed documents of a live_readiness checklist",
            found="absent",
        )
        return out

    def line(*path: str | int) -> int | None:
        return environment.line("live_readiness", *path)

    field = f"environments.{environment.name}.live_readiness"
    to_verify, undefined = checklist.documents_to_verify()
    for name in undefined:
        out.block(
            "document.undefined",
            f"required document {name!r} has no definition in the checklist",
            line=line("required_documents"),
            field=f"{field}.required_documents",
            expected=f"a documents entry named {name!r}",
            found="none",
        )
    for name in checklist.duplicate_names():
        out.block(
            "document.duplicate",
            f"document {name!r} is defined more than once",
            line=line("documents"),
            field=f"{field}.documents",
        )
    if not to_verify and not undefined:
        out.block(
            "document.none",
            "the live-readiness checklist names no required document",
            line=line(),
            field=f"{field}.documents",
            expected="required documents (compliance, risk, penetration)",
            found="none",
        )
    verified_categories: set[str] = set()
    for document in to_verify:
        if _check_document(out, environment, document, policy, as_of):
            verified_categories |= document.categories()
    for category in policy.required_document_categories:
        if category not in verified_categories:
            out.block(
                "document.category_missing",
                f"no verified {category} document: the bot refuses to bootstrap a live "
                f"environment without a signed {category} document",
                line=line("documents"),
                field=f"{field}.documents",
                expected=f"a required, signed and verified {category} document "
                + (
                    "(name contains 'penetration' or 'pentest')"
                    if category == "penetration"
                    else f"(signed_by contains '{category}')"
                ),
                found="categories verified: " + (", ".join(sorted(verified_categories)) or "none"),
            )
    return out


def _read(confined: ConfinedPath) -> bytes:
    try:
        return confined.path.read_bytes()
    except OSError as exc:
        raise UnreadableInput(f"cannot read: {exc.strerror}", confined.relative) from exc


def _digest(confined: ConfinedPath) -> str:
    try:
        return signing.sha256_file(confined.path)
    except OSError as exc:
        raise UnreadableInput(f"cannot read: {exc.strerror}", confined.relative) from exc


def _confine(
    out: Findings,
    resolve: Callable[[str], ConfinedPath],
    configured: str,
    *,
    line: int | None,
    field: str,
) -> ConfinedPath | None:
    try:
        confined: ConfinedPath = resolve(configured)
    except PathEscapesDeployment as exc:
        out.escaped(exc, line=line, field=field)
        return None
    return confined


def _check_signed_at(
    out: Findings,
    what: str,
    value: object,
    policy: Policy,
    as_of: datetime,
    *,
    line: int | None,
    field: str,
) -> None:
    if value is None or value == "":
        out.block(
            "signoff.date_missing",
            f"{what} has no sign-off date",
            line=line,
            field=field,
            expected="an ISO-8601 signed_at",
            found="absent",
        )
        return
    try:
        signed_at = parse_instant(str(value))
    except InvalidInstant:
        out.block(
            "signoff.date_invalid",
            f"{what} has an unreadable sign-off date",
            line=line,
            field=field,
            expected="an ISO-8601 timestamp",
            found=value,
        )
        return
    age = as_of - signed_at
    if age < -timedelta(seconds=policy.clock_skew_seconds):
        out.block(
            "signoff.in_future",
            f"{what} is signed in the future of the evaluation instant",
            line=line,
            field=field,
            expected=f"signed at or before {iso(as_of)}",
            found=iso(signed_at),
        )
    elif age > timedelta(days=policy.signoff_max_age_days):
        out.block(
            "signoff.stale",
            f"{what} sign-off is {age.days} days old at {iso(as_of)}",
            line=line,
            field=field,
            expected=f"signed within {policy.signoff_max_age_days:g} days "
            f"(on or after {iso(as_of - timedelta(days=policy.signoff_max_age_days))})",
            found=iso(signed_at),
        )


def _check_document(
    out: Findings,
    environment: Environment,
    document: ChecklistDocument,
    policy: Policy,
    as_of: datetime,
) -> bool:
    """Strict verification of one document; True when it fully verifies."""
    deployment = environment.deployment
    field = f"environments.{environment.name}.live_readiness.documents[{document.index}]"

    def line(key: str | None = None) -> int | None:
        path: tuple[str | int, ...] = ("live_readiness", "documents", document.index)
        return environment.line(*path, key) if key else environment.line(*path)

    label = f"document {document.name!r}"
    before = len(out)
    if document.signed is not True:
        out.block(
            "document.unsigned",
            f"{label} is not signed",
            line=line("signed"),
            field=f"{field}.signed",
            expected="true",
            found=document.signed,
        )
    if not document.signed_by:
        out.block(
            "document.signers_missing",
            f"{label} names no signer",
            line=line("signed_by"),
            field=f"{field}.signed_by",
            expected="at least one signer role",
            found="[]",
        )
    _check_signed_at(
        out,
        label,
        document.signed_at,
        policy,
        as_of,
        line=line("signed_at"),
        field=f"{field}.signed_at",
    )

    declared = document.sha256
    declared_ok = isinstance(declared, str) and bool(signing.SHA256_HEX.match(declared))
    if declared is None or declared == "":
        out.block(
            "document.sha256_missing",
            f"{label} declares no SHA-256 digest",
            line=line(),
            field=f"{field}.sha256",
            expected="64 hexadecimal digits",
            found="absent",
        )
    elif not declared_ok:
        shown = str(declared)
        out.block(
            "document.sha256_malformed",
            f"{label} declares a SHA-256 digest that is not 64 hexadecimal digits "
            f"({len(shown)} characters)",
            line=line("sha256"),
            field=f"{field}.sha256",
            expected="64 hexadecimal digits",
            found=shown,
        )

    actual: str | None = None
    if not document.path:
        out.block(
            "document.path_missing",
            f"{label} has no path",
            line=line(),
            field=f"{field}.path",
            expected="a path relative to config/",
            found="absent",
        )
    else:
        confined = _confine(
            out,
            deployment.resolve_document,
            document.path,
            line=line("path"),
            field=f"{field}.path",
        )
        if confined is not None:
            if not confined.path.is_file():
                out.block(
                    "document.file_missing",
                    f"{label} does not exist in the deployment",
                    line=line("path"),
                    field=f"{field}.path",
                    expected=f"a file at {confined.relative}",
                    found="no such file",
                )
            else:
                out.read(confined.relative)
                actual = _digest(confined)
                if declared_ok and str(declared).lower() != actual:
                    out.block(
                        "document.sha256_mismatch",
                        f"{label}: the file's SHA-256 does not match the declared digest",
                        file=confined.relative,
                        field=f"{field}.sha256",
                        expected=str(declared).lower(),
                        found=actual,
                    )

    if not document.signature_path:
        out.block(
            "document.signature_missing",
            f"{label} has no signature artifact",
            line=line(),
            field=f"{field}.signature_path",
            expected="a signature file (HMAC-SHA256)",
            found="absent",
        )
    else:
        confined_sig = _confine(
            out,
            deployment.resolve_document,
            document.signature_path,
            line=line("signature_path"),
            field=f"{field}.signature_path",
        )
        if confined_sig is not None:
            _verify_signature(
                out,
                environment,
                label,
                confined_sig,
                actual,
                line=line("signature_path"),
                field=f"{field}.signature_path",
            )
    # The category counts documents whose integrity and signature hold; a stale sign-off already
    # blocks on its own and must not also hide which categories are present.
    return not any(not f.rule.startswith("signoff.") for f in out[before:])


def _verify_signature(
    out: Findings,
    environment: Environment,
    label: str,
    sig: ConfinedPath,
    file_digest: str | None,
    *,
    line: int | None,
    field: str,
) -> None:
    deployment = environment.deployment
    if not sig.path.is_file():
        out.block(
            "document.signature_missing",
            f"{label}: the signature file does not exist",
            line=line,
            field=field,
            expected=f"a file at {sig.relative}",
            found="no such file",
        )
        return
    out.read(sig.relative)
    try:
        envelope = parse_signature_file(_read(sig))
    except MalformedSignature as exc:
        out.block(
            "document.signature_malformed",
            f"{label}: the signature file is malformed: {exc}",
            file=sig.relative,
            expected='{"payload": {...}, "signature": {"algorithm": '
            '"HMAC-SHA256", "key_id": ..., "value": ...}}',
            found=str(exc),
        )
        return
    algorithm = envelope.signature["algorithm"]
    if algorithm != "HMAC-SHA256":
        out.block(
            "document.signature_algorithm",
            f"{label}: unsupported signature algorithm",
            file=sig.relative,
            field="signature.algorithm",
            expected="HMAC-SHA256",
            found=algorithm,
        )
        return
    key_id = str(envelope.signature["key_id"])
    key_name = signing.normalise_key_id(key_id)
    key_path = None
    for base in (deployment.config_dir, deployment.root):
        try:
            candidate = deployment.paths.resolve(base, f"secrets/hmac/{key_name}.key")
        except PathEscapesDeployment:  # a key outside the deployment is not a candidate
            continue
        if candidate.path.is_file():
            key_path = candidate
            break
    if key_path is None:
        out.block(
            "document.key_missing",
            f"{label}: no HMAC key for key_id {key_id!r}",
            file=sig.relative,
            field="signature.key_id",
            expected=f"config/secrets/hmac/{key_name}.key or secrets/hmac/{key_name}.key",
            found="no such key file",
        )
        return
    key = signing.read_key_file(key_path.path)
    payload = signing.normalise_payload_paths(envelope.payload)
    if not (
        signing.verify(payload, envelope.signature, key)
        or signing.verify(signing.strip_digests(payload), envelope.signature, key)
    ):
        out.block(
            "document.signature_invalid",
            f"{label}: the HMAC signature does not verify with key {key_id!r}",
            file=sig.relative,
            field="signature.value",
            expected=f"a valid HMAC-SHA256 by {key_path.relative}",
            found="signature mismatch",
        )
        return
    signed_digest = signing.payload_digest(envelope.payload)
    if signed_digest is None:
        out.block(
            "document.signed_digest_missing",
            f"{label}: the signed payload does not state the document's SHA-256",
            file=sig.relative,
            field="payload.sha256",
            expected="the file's digest",
            found="absent",
        )
    elif file_digest is not None and signed_digest.lower() != file_digest:
        out.block(
            "document.signed_digest_mismatch",
            f"{label}: the signature vouches for a different file than the one shipped",
            file=sig.relative,
            field="payload.hashes.sha256",
            expected=file_digest,
            found=signed_digest,
        )
