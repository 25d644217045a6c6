"""PRE-1 KYC/AML: entrypoint compliance packets and the signed live-readiness checklist.

Every signature (each document's and the checklist's own) is verified through
:mod:`live_gate.kit.signatures` with a key the policy trusts for a role it claims
(``trusted_signature_keys``; a role without an entry keeps the bot's rule: any key file found for
the key_id), and an HMAC proves only what its payload says: the payload must name the same
document, path, digest, signers and date as the configuration (or, for the checklist, the same
checklist_id, environment, signers, date and document digests).

Where the gate is stricter than the bot, on purpose:

- ``live_allowed``/``signed`` must be the YAML boolean ``true``. The bot's loader passes the
  string ``"true"`` or the number ``1`` through and treats it as truthy (so would ``"false"``):
  such a value is a finding (``flag.not_boolean``), never read as "signed";
- ``signed_by`` must be a list of roles; a plain string is a finding (``signers.not_a_list``);
- the checklist's signature is verified (the bot only checks that the file exists, FORMATS.md
  §1.1.1), and a document's signature payload must state its name, path, signers and date;
- one file, signature or digest may stand for one checklist entry only (``document.reused_file``).

``required: "false"`` is read as the bot reads it (:func:`live_gate.resources.readiness.
_required_flag`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from live_gate.checks import Findings
from live_gate.errors import UnreadableInput
from live_gate.kit.signatures import (
    ClaimMismatch,
    Envelope,
    MalformedSignature,
    compare_claims,
    document_claims_source,
    hmac_key_file,
    read_envelope,
    read_hmac_key,
    trusted_key_ids,
    verifies,
)
from live_gate.kit.values import describe_flag, strict_bool
from live_gate.paths import ConfinedPath, PathEscapesDeployment
from live_gate.policy import Policy
from live_gate.resources.deployment import Environment
from live_gate.resources.readiness import ChecklistDocument, read_live_readiness
from live_gate.signing import SHA256_HEX, normalise_key_id, payload_digest
from live_gate.timeutil import iso

REQUIREMENT = "PRE-1"
DOCUMENT_ALGORITHMS = ("HMAC-SHA256",)  # verify_hmac_signature: exactly HMAC-SHA256


def _flag(
    out: Findings,
    value: Any,
    *,
    what: str,
    rule: str,
    message: str,
    line: int | None,
    field: str,
) -> bool:
    """True only for the boolean ``true``; ``"true"``/``1`` is ``flag.not_boolean``."""
    flag = strict_bool(value)
    if flag is None and value is not None:
        out.block(
            "flag.not_boolean",
            f"{what}: {field.rsplit('.', 1)[-1]} is {describe_flag(value)}; the gate reads only "
            'the boolean true (the bot would take any non-empty string, "false" too, as true)',
            line=line,
            field=field,
            expected="true (a YAML boolean)",
            found=describe_flag(value),
        )
        return False
    if flag is not True:
        out.block(
            rule, message, line=line, field=field, expected="true", found=describe_flag(value)
        )
        return False
    return True


def _signers(
    out: Findings, raw: Any, *, what: str, line: int | None, field: str
) -> tuple[str, ...] | None:
    """The roles of ``signed_by``; None (and ``signers.not_a_list``) for anything but a list of
    non-empty strings."""
    if raw is None:
        return ()
    if isinstance(raw, list) and all(isinstance(v, str) and v.strip() for v in raw):
        return tuple(raw)
    out.block(
        "signers.not_a_list",
        f"{what}: signed_by is not a list of signer roles",
        line=line,
        field=field,
        expected="a YAML list of roles, e.g. [compliance, security]",
        found=f"{raw!r} ({type(raw).__name__})",
    )
    return None


def _instant_text(value: Any) -> Any:
    return iso(value) if isinstance(value, datetime) else value


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

        what = f"entrypoint {entrypoint.name}"
        _flag(
            out,
            compliance.live_allowed,
            what=what,
            rule="entrypoint.live_not_allowed",
            message=f"{what}: live mode is not allowed by its compliance packet",
            line=line("live_allowed"),
            field=f"{prefix}.live_allowed",
        )
        _flag(
            out,
            compliance.signed,
            what=what,
            rule="entrypoint.unsigned",
            message=f"{what}: the compliance packet is not signed",
            line=line("signed"),
            field=f"{prefix}.signed",
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
    signature artifact verifies and vouches for this checklist (``bootstrap.
    build_live_readiness_checklist`` item ``live_checklist``, plus the age the runbook's
    "aktualność sign-offów" asks for, plus the verification the bot never does)."""
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
    what = "the live-readiness checklist"
    _flag(
        out,
        checklist.signed,
        what=what,
        rule="readiness.unsigned",
        message=f"{what} is not signed",
        line=line("signed"),
        field=f"{field}.signed",
    )
    roles = _signers(
        out, checklist.signed_by_raw, what=what, line=line("signed_by"), field=f"{field}.signed_by"
    )
    if roles is not None:
        signers = {s.lower() for s in roles}
        missing_roles = [r for r in policy.required_signer_roles if r.lower() not in signers]
        if missing_roles:
            out.block(
                "readiness.signer_roles_missing",
                f"{what} is not signed by every required role: " + ", ".join(missing_roles),
                line=line("signed_by"),
                field=f"{field}.signed_by",
                expected=f"includes {', '.join(policy.required_signer_roles)}",
                found=list(roles),
            )
    out.instant(
        "signoff",
        f"{what}'s sign-off",
        checklist.signed_at,
        as_of=as_of,
        skew=timedelta(seconds=policy.clock_skew_seconds),
        max_age=timedelta(days=policy.signoff_max_age_days),
        line=line("signed_at"),
        field=f"{field}.signed_at",
    )
    if not checklist.signature_path:
        out.block(
            "signature.missing",
            f"{what} has no signature artifact",
            line=line(),
            field=f"{field}.signature_path",
            expected="a path to the checklist's signature (HMAC-SHA256)",
            found="absent",
        )
        return out
    sig = _confine(
        out,
        environment,
        checklist.signature_path,
        line=line("signature_path"),
        field=f"{field}.signature_path",
    )
    if sig is None:
        return out
    envelope = _verified_envelope(
        out,
        environment,
        policy,
        what,
        sig,
        roles or (),
        line=line("signature_path"),
        field=f"{field}.signature_path",
    )
    if envelope is None:
        return out
    claims: dict[str, Any] = {
        "checklist_id": checklist.checklist_id or "",
        "environment": environment.name,
        "signed_by": list(roles or ()),
        "signed_at": _instant_text(checklist.signed_at) or "",
    }
    mismatches = compare_claims(envelope.payload, claims)
    signed_documents = envelope.payload.get("documents")
    if not isinstance(signed_documents, dict):
        mismatches.append(
            ClaimMismatch(
                "documents", "{name: sha256} of every document", "not stated by the payload"
            )
        )
    else:
        configured = {d.name: d.sha256 for d in checklist.documents}
        for name, declared in configured.items():
            if not isinstance(declared, str) or not declared:
                continue  # the documents scenario reports the missing digest
            signed = signed_documents.get(name)
            if not isinstance(signed, str) or signed.lower() != declared.lower():
                mismatches.append(
                    ClaimMismatch(
                        f"documents.{name}",
                        declared.lower(),
                        "not stated by the payload" if signed is None else str(signed),
                    )
                )
        for name in sorted(set(map(str, signed_documents)) - set(configured)):
            mismatches.append(
                ClaimMismatch(f"documents.{name}", "no such document in the checklist", "signed")
            )
    for mismatch in mismatches:
        _claims_mismatch(out, what, envelope, mismatch.field, mismatch.expected, mismatch.found)
    return out


def _claims_mismatch(
    out: Findings, what: str, envelope: Envelope, field: str, expected: str, found: str
) -> None:
    out.block(
        "signature.claims_mismatch",
        f"{what}: the signature's payload says something else than the configuration about "
        f"{field}: the signature does not vouch for it",
        file=envelope.file,
        field=f"payload.{field}",
        expected=expected,
        found=found,
    )


def check_live_readiness_documents(
    environment: Environment, policy: Policy, as_of: datetime
) -> Findings:
    """Every required document of the checklist exists inside the deployment, its SHA-256 is 64
    hex digits and matches the file, its HMAC signature verifies with a trusted key and its
    payload names this document, its sign-off is current, no file stands for two entries, and
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
    _check_reuse(out, environment, to_verify)
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


def _check_reuse(
    out: Findings, environment: Environment, documents: list[ChecklistDocument]
) -> None:
    """One file, one signature, one digest per entry: the penetration-test entry pointing at the
    KYC packet, its digest and its signature is one document standing in for another."""
    deployment = environment.deployment
    seen: dict[tuple[str, str], str] = {}
    for document in documents:
        keys: list[tuple[str, str, str]] = []
        for what, configured in (
            ("path", document.path),
            ("signature_path", document.signature_path),
        ):
            if not configured:
                continue
            try:
                relative = deployment.files.resolve(deployment.config_dir, configured).relative
            except PathEscapesDeployment:
                continue  # reported where the entry is checked
            keys.append((what, relative, relative))
        if isinstance(document.sha256, str) and SHA256_HEX.match(document.sha256):
            keys.append(("sha256", document.sha256.lower(), document.sha256))
        for what, key, shown in keys:
            first = seen.setdefault((what, key), document.name)
            if first != document.name:
                out.block(
                    "document.reused_file",
                    f"documents {first!r} and {document.name!r} share one {what}: one document "
                    "cannot stand in for another",
                    line=environment.line("live_readiness", "documents", document.index, what),
                    field=f"environments.{environment.name}.live_readiness.documents"
                    f"[{document.index}].{what}",
                    expected=f"a {what} of its own",
                    found=f"{shown} (also {first!r})",
                )


def _confine(
    out: Findings,
    environment: Environment,
    configured: str,
    *,
    line: int | None,
    field: str,
) -> ConfinedPath | None:
    deployment = environment.deployment
    try:
        return deployment.files.resolve(deployment.config_dir, configured)
    except PathEscapesDeployment as exc:
        out.escaped(exc, line=line, field=field)
        return None


def _check_document(
    out: Findings,
    environment: Environment,
    document: ChecklistDocument,
    policy: Policy,
    as_of: datetime,
) -> bool:
    """Strict verification of one document; True when it fully verifies."""
    files = environment.deployment.files
    field = f"environments.{environment.name}.live_readiness.documents[{document.index}]"

    def line(key: str | None = None) -> int | None:
        path: tuple[str | int, ...] = ("live_readiness", "documents", document.index)
        return environment.line(*path, key) if key else environment.line(*path)

    label = f"document {document.name!r}"
    before = len(out)
    _flag(
        out,
        document.signed,
        what=label,
        rule="document.unsigned",
        message=f"{label} is not signed",
        line=line("signed"),
        field=f"{field}.signed",
    )
    roles = _signers(
        out, document.signed_by_raw, what=label, line=line("signed_by"), field=f"{field}.signed_by"
    )
    if roles == ():
        out.block(
            "document.signers_missing",
            f"{label} names no signer",
            line=line("signed_by"),
            field=f"{field}.signed_by",
            expected="at least one signer role",
            found="[]",
        )
    out.instant(
        "signoff",
        f"{label}'s sign-off",
        document.signed_at,
        as_of=as_of,
        skew=timedelta(seconds=policy.clock_skew_seconds),
        max_age=timedelta(days=policy.signoff_max_age_days),
        line=line("signed_at"),
        field=f"{field}.signed_at",
    )

    declared = document.sha256
    declared_ok = isinstance(declared, str) and bool(SHA256_HEX.match(declared))
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
            out, environment, document.path, line=line("path"), field=f"{field}.path"
        )
        if confined is not None:
            try:
                present = files.present(confined)
                if present:
                    out.read(confined.relative)
                    actual = files.sha256(confined)
            except UnreadableInput as exc:
                out.refused(exc)
            else:
                if not present:
                    out.block(
                        "document.file_missing",
                        f"{label} does not exist in the deployment",
                        line=line("path"),
                        field=f"{field}.path",
                        expected=f"a file at {confined.relative}",
                        found="no such file",
                    )
                elif declared_ok and str(declared).lower() != actual:
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
            "signature.missing",
            f"{label} has no signature artifact",
            line=line(),
            field=f"{field}.signature_path",
            expected="a signature file (HMAC-SHA256)",
            found="absent",
        )
    else:
        sig = _confine(
            out,
            environment,
            document.signature_path,
            line=line("signature_path"),
            field=f"{field}.signature_path",
        )
        envelope = (
            _verified_envelope(
                out,
                environment,
                policy,
                label,
                sig,
                roles or (),
                line=line("signature_path"),
                field=f"{field}.signature_path",
            )
            if sig is not None
            else None
        )
        if envelope is not None:
            _compare_document_claims(out, label, document, envelope, actual, declared_ok)
    # The category counts documents whose integrity and signature hold; a stale sign-off already
    # blocks on its own and must not also hide which categories are present.
    return not any(not f.rule.startswith("signoff.") for f in out[before:])


def _compare_document_claims(
    out: Findings,
    label: str,
    document: ChecklistDocument,
    envelope: Envelope,
    actual: str | None,
    declared_ok: bool,
) -> None:
    """What the verified payload vouches for against the checklist entry."""
    signed_digest = payload_digest(envelope.payload)
    vouched = actual or (str(document.sha256).lower() if declared_ok else None)
    if signed_digest is None:
        out.block(
            "document.signed_digest_missing",
            f"{label}: the signed payload does not state the document's SHA-256",
            file=envelope.file,
            field="payload.hashes.sha256",
            expected=vouched or "the file's digest",
            found="absent",
        )
    elif vouched is not None and signed_digest.lower() != vouched:
        out.block(
            "document.signed_digest_mismatch",
            f"{label}: the signature vouches for a different file than the one shipped",
            file=envelope.file,
            field="payload.hashes.sha256",
            expected=vouched,
            found=signed_digest,
        )
    claims: dict[str, Any] = {
        "name": document.name,
        "path": document.path,
        "signed_by": list(document.signed_by),
        "signed_at": _instant_text(document.signed_at),
    }
    for mismatch in compare_claims(document_claims_source(envelope.payload), claims):
        _claims_mismatch(out, label, envelope, mismatch.field, mismatch.expected, mismatch.found)


def _verified_envelope(
    out: Findings,
    environment: Environment,
    policy: Policy,
    label: str,
    sig: ConfinedPath,
    roles: tuple[str, ...],
    *,
    line: int | None,
    field: str,
) -> Envelope | None:
    """The signature file's envelope when its HMAC verifies with a key trusted for one of
    ``roles``; otherwise the finding that says why, and None."""
    deployment = environment.deployment
    files = deployment.files
    try:
        if not files.present(sig):
            out.block(
                "signature.missing",
                f"{label}: the signature file does not exist",
                line=line,
                field=field,
                expected=f"a file at {sig.relative}",
                found="no such file",
            )
            return None
        out.read(sig.relative)
        envelope = read_envelope(files, sig)
    except MalformedSignature as exc:
        out.block(
            "signature.malformed",
            f"{label}: the signature file is malformed: {exc}",
            file=sig.relative,
            expected='{"payload": {...}, "signature": {"algorithm": '
            '"HMAC-SHA256", "key_id": ..., "value": ...}}',
            found=str(exc),
        )
        return None
    except UnreadableInput as exc:
        out.refused(exc)
        return None
    if envelope.algorithm not in DOCUMENT_ALGORITHMS:
        out.block(
            "signature.algorithm",
            f"{label}: unsupported signature algorithm",
            file=sig.relative,
            field="signature.algorithm",
            expected=" or ".join(DOCUMENT_ALGORITHMS),
            found=envelope.algorithm,
        )
        return None
    key_id = envelope.key_id
    trusted = trusted_key_ids(policy.trusted_signature_keys, roles)
    if trusted is not None and key_id not in trusted:
        out.block(
            "signature.key_not_trusted",
            f"{label}: signed with key {key_id!r}, which the policy does not trust for "
            f"{', '.join(roles) or 'its signers'}",
            file=sig.relative,
            field="signature.key_id",
            expected="one of " + ", ".join(sorted(trusted)) + " (policy trusted_signature_keys)",
            found=key_id,
        )
        return None
    try:
        key_file = hmac_key_file(files, (deployment.config_dir, deployment.root), key_id)
    except UnreadableInput as exc:
        out.refused(exc)
        return None
    if key_file is None:
        key_name = normalise_key_id(key_id)
        out.block(
            "signature.key_missing",
            f"{label}: no HMAC key for key_id {key_id!r}",
            file=sig.relative,
            field="signature.key_id",
            expected=f"config/secrets/hmac/{key_name}.key or secrets/hmac/{key_name}.key",
            found="no such key file",
        )
        return None
    try:
        key = read_hmac_key(files, key_file)
    except UnreadableInput as exc:
        out.refused(exc)
        return None
    if not verifies(envelope, key, algorithms=DOCUMENT_ALGORITHMS):
        out.block(
            "signature.invalid",
            f"{label}: the HMAC signature does not verify with key {key_id!r}",
            file=sig.relative,
            field="signature.value",
            expected=f"a valid HMAC-SHA256 by {key_file.relative}",
            found="signature mismatch",
        )
        return None
    return envelope
