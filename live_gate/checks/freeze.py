"""ACT-1 configuration freeze: the newest signed archive under ``var/audit/stage6/`` holds the
configuration with true digests, and the deployment's current files are byte for byte those.

Manifests are listed through ``deployment.files.listing``: a manifest that is a link out of the
deployment, a FIFO or anything but a regular file is a finding and never a candidate. A manifest
dated after ``--as-of`` (plus the clock skew) is a finding and never "the newest": a copy dated
in the future cannot hide the freeze that is due. The signature must verify with the key file
named after its key_id (the bot's rule; with ``trusted_signature_keys``, a key trusted for one of
the manifest's stakeholders), over exactly the archived manifest.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from live_gate.checks import Findings
from live_gate.errors import UnreadableInput
from live_gate.freeze import FROZEN_FILES, MANIFEST_SCHEMA, STAGE6
from live_gate.kit import InputRefused
from live_gate.kit.signatures import (
    MalformedSignature,
    hmac_key_file,
    read_envelope,
    read_hmac_key,
    trusted_key_ids,
    verifies,
)
from live_gate.paths import ConfinedPath, PathEscapesDeployment
from live_gate.policy import Policy
from live_gate.resources.deployment import Deployment

REQUIREMENT = "ACT-1"
REMEDY = "freeze the configuration again (live-gate freeze DIR) after review"
CORE = "config/core.yaml"


def _sources(manifest: dict[str, Any]) -> set[str]:
    """The source paths a stage6.runbook.manifest archives (``files[]`` or the bot's
    single-file form)."""
    entries = manifest.get("files")
    if isinstance(entries, list):
        return {str(e.get("source_path")) for e in entries if isinstance(e, dict)}
    return {str(manifest.get("source_path"))}


def _newest_manifest(
    deployment: Deployment, out: Findings, policy: Policy, as_of: datetime
) -> tuple[str, dict[str, Any]] | None:
    files = deployment.files
    try:
        folder = files.at(STAGE6.as_posix())
        manifests = files.listing(folder, out, accept=lambda name: name.endswith(".manifest.json"))
    except UnreadableInput as exc:
        out.refused(exc)
        return None
    candidates: list[tuple[datetime, str, dict[str, Any]]] = []
    for confined in manifests:
        relative = confined.relative
        try:
            data = files.json(confined)
        except UnreadableInput as exc:
            out.refused(exc)
            continue
        if not isinstance(data, dict) or data.get("schema") != MANIFEST_SCHEMA:
            out.warn(
                "freeze.manifest_ignored", "not a stage6.runbook.manifest; ignored", file=relative
            )
            continue
        when = out.instant(
            "freeze.generated_at",
            "the freeze manifest",
            data.get("generated_at"),
            as_of=as_of,
            skew=timedelta(seconds=policy.clock_skew_seconds),
            file=relative,
            field="generated_at",
        )
        if when is None:
            continue
        # the newest manifest *of the configuration*: the bot's own stage6 manifests (the
        # preliminary checklist, resilience/observability bundles) archive other files and
        # never config/core.yaml; the newest of those says nothing about the freeze
        if CORE not in _sources(data):
            out.warn(
                "freeze.manifest_not_config",
                f"a stage6.runbook.manifest that does not archive {CORE} (e.g. the bot's "
                "preliminary checklist); not a freeze of the configuration, passed over",
                file=relative,
                field="files[].source_path",
                expected=CORE,
                found=", ".join(sorted(_sources(data))),
            )
            continue
        candidates.append((when, relative, data))
    if not candidates:
        return None
    _, relative, data = max(candidates, key=lambda c: (c[0], c[1]))
    return relative, data


def _confine(
    deployment: Deployment, out: Findings, configured: Any, file: str, field: str
) -> ConfinedPath | None:
    try:
        return deployment.files.resolve(deployment.root, str(configured))
    except PathEscapesDeployment as exc:
        out.escaped(exc, file=file, field=field)
        return None


def _present(deployment: Deployment, out: Findings, confined: ConfinedPath) -> bool | None:
    try:
        return deployment.files.present(confined)
    except InputRefused as exc:
        out.refused(exc)
        return None


def _verify_signature(
    deployment: Deployment,
    out: Findings,
    policy: Policy,
    manifest: dict[str, Any],
    relative: str,
) -> None:
    files = deployment.files
    sig = _confine(
        deployment,
        out,
        manifest.get("signature_path") or f"{relative}.sig",
        relative,
        "signature_path",
    )
    if sig is None:
        return
    present = _present(deployment, out, sig)
    if present is None:
        return
    if not present:
        out.block(
            "freeze.signature_missing",
            "the freeze manifest is not signed",
            file=relative,
            field="signature_path",
            expected=f"a signature at {sig.relative}",
            found="no such file",
        )
        return
    out.read(sig.relative)
    try:
        envelope = read_envelope(files, sig)
    except MalformedSignature as exc:
        out.block(
            "freeze.signature_malformed",
            "the freeze signature is malformed",
            file=sig.relative,
            expected="a stage6.runbook.signature",
            found=str(exc),
        )
        return
    except UnreadableInput as exc:
        out.refused(exc)
        return
    if envelope.payload != manifest:
        out.block(
            "freeze.signature_other_payload",
            "the signature covers a different manifest than the one archived",
            file=sig.relative,
            field="payload",
            expected=f"the content of {relative}",
            found="another payload",
        )
        return
    key_id = envelope.key_id
    stakeholders = manifest.get("stakeholders")
    roles = [str(r) for r in stakeholders] if isinstance(stakeholders, list) else []
    trusted = trusted_key_ids(policy.trusted_signature_keys, roles)
    if trusted is not None and key_id not in trusted:
        out.block(
            "freeze.key_not_trusted",
            f"the freeze is signed with key {key_id!r}, which the policy does not trust for "
            f"its stakeholders ({', '.join(roles)})",
            file=sig.relative,
            field="signature.key_id",
            expected="one of " + ", ".join(sorted(trusted)) + " (policy trusted_signature_keys)",
            found=key_id,
        )
        return
    try:
        key_file = hmac_key_file(files, (deployment.root,), key_id)
    except UnreadableInput as exc:
        out.refused(exc)
        return
    if key_file is None:
        out.block(
            "freeze.key_missing",
            f"no HMAC key for the freeze signature's key_id {key_id!r}",
            file=sig.relative,
            field="signature.key_id",
            expected="secrets/hmac/<key_id>.key",
            found="no such key file",
        )
        return
    try:
        key = read_hmac_key(files, key_file)
    except UnreadableInput as exc:
        out.refused(exc)
        return
    if not verifies(envelope, key, normalise_paths=False, retry_without_digests=False):
        out.block(
            "freeze.signature_invalid",
            f"the freeze signature ({key_id!r}) does not verify with {key_file.relative}",
            file=sig.relative,
            field="signature.value",
            expected="a valid HMAC-SHA256",
            found="signature mismatch",
        )


def check_config_freeze(deployment: Deployment, policy: Policy, as_of: datetime) -> Findings:
    out = Findings(REQUIREMENT, None)
    files = deployment.files
    newest = _newest_manifest(deployment, out, policy, as_of)
    if newest is None:
        out.block(
            "freeze.missing",
            f"the configuration was never frozen: {REMEDY}. No stage6 manifest the bot itself "
            f"writes archives {CORE} (its bundles and preliminary checklist cover other files), "
            "so the operator freezes it with `live-gate freeze DIR --key-id ID` (runbook §2.1)",
            file=STAGE6.as_posix(),
            expected=f"a signed stage6.runbook.manifest archiving {CORE}, dated at or before "
            "the evaluation instant",
            found="none",
        )
        return out
    relative, manifest = newest
    out.read(relative)
    out.fact("newest freeze", f"{relative} ({manifest.get('generated_at')})")
    _verify_signature(deployment, out, policy, manifest, relative)
    entries = manifest.get("files")
    if not isinstance(entries, list):  # the bot's single-file manifest
        hashes = manifest.get("hashes") or {}
        entries = [
            {
                "source_path": manifest.get("source_path"),
                "archived_path": manifest.get("archived_path"),
                "sha256": hashes.get("sha256") if isinstance(hashes, dict) else None,
            }
        ]
    frozen: dict[str, str] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        field = f"files[{index}]" if "files" in manifest else "archived_path"
        archived = _confine(deployment, out, entry.get("archived_path"), relative, field)
        recorded = str(entry.get("sha256") or "")
        if archived is None:
            continue
        try:
            present = files.present(archived)
            actual = files.sha256(archived) if present else None
        except UnreadableInput as exc:
            out.refused(exc)
            continue
        if actual is None:
            out.block(
                "freeze.archive_missing",
                "a file of the freeze archive is missing",
                file=relative,
                field=field,
                expected=f"a file at {archived.relative}",
                found="no such file",
            )
            continue
        out.read(archived.relative)
        if actual != recorded.lower():
            out.block(
                "freeze.archive_digest_mismatch",
                f"the digest recorded for {archived.relative} does not match the archived "
                f"file: the archive cannot vouch for it; {REMEDY}",
                file=relative,
                field=f"{field}.sha256" if "files" in manifest else "hashes.sha256",
                expected=actual,
                found=recorded or "absent",
            )
            continue
        frozen[str(entry.get("source_path"))] = actual
    for source in FROZEN_FILES:
        try:
            current = files.at(source)
            present = files.present(current)
            current_digest = files.sha256(current) if present else None
        except UnreadableInput as exc:
            out.refused(exc)
            continue
        if source == "config/core.yaml" or current_digest is not None:
            if source not in frozen:
                out.block(
                    "freeze.config_not_frozen",
                    f"the newest freeze does not hold {source}; {REMEDY}",
                    file=relative,
                    field="source_path",
                    expected=source,
                    found=manifest.get("source_path"),
                )
                continue
            if current_digest != frozen[source]:
                out.block(
                    "freeze.config_changed",
                    f"{source} changed after the freeze: what "
                    f"would trade is not what was approved; {REMEDY}",
                    file=source,
                    expected=f"SHA-256 {frozen[source]} (frozen)",
                    found=current_digest or "no such file",
                )
    return out
