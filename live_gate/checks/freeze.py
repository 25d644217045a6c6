"""ACT-1 configuration freeze: the newest signed archive under ``var/audit/stage6/`` holds the
configuration with true digests, and the deployment's current files are byte for byte those."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from live_gate import signing
from live_gate.checks import Findings
from live_gate.freeze import FROZEN_FILES, MANIFEST_SCHEMA, STAGE6
from live_gate.paths import ConfinedPath, PathEscapesDeployment
from live_gate.resources.deployment import Deployment, UnreadableInput
from live_gate.timeutil import InvalidInstant, parse_instant

REQUIREMENT = "ACT-1"
REMEDY = "freeze the configuration again (live-gate freeze DIR) after review"


def _load(path: Path, relative: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UnreadableInput(f"cannot read: {exc.strerror}", relative) from exc
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def _newest_manifest(deployment: Deployment, out: Findings) -> tuple[str, dict[str, Any]] | None:
    folder = deployment.root / STAGE6
    candidates: list[tuple[Any, str, dict[str, Any]]] = []
    for path in sorted(folder.glob("*.manifest.json")) if folder.is_dir() else []:
        relative = path.relative_to(deployment.root).as_posix()
        data = _load(path, relative)
        if not isinstance(data, dict) or data.get("schema") != MANIFEST_SCHEMA:
            out.warn(
                "freeze.manifest_ignored", "not a stage6.runbook.manifest; ignored", file=relative
            )
            continue
        try:
            when = parse_instant(str(data.get("generated_at")))
        except InvalidInstant:
            out.block(
                "freeze.manifest_undated",
                "the freeze manifest has no readable generated_at",
                file=relative,
                field="generated_at",
                expected="an ISO-8601 time",
                found=data.get("generated_at"),
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
        return deployment.resolve_from_root(str(configured))
    except PathEscapesDeployment as exc:
        out.escaped(exc, file=file, field=field)
        return None


def _verify_signature(
    deployment: Deployment, out: Findings, manifest: dict[str, Any], relative: str
) -> None:
    sig = _confine(
        deployment,
        out,
        manifest.get("signature_path") or f"{relative}.sig",
        relative,
        "signature_path",
    )
    if sig is None:
        return
    if not sig.path.is_file():
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
    envelope = _load(sig.path, sig.relative)
    if not isinstance(envelope, dict) or not isinstance(envelope.get("signature"), dict):
        out.block(
            "freeze.signature_malformed",
            "the freeze signature is malformed",
            file=sig.relative,
            expected="a stage6.runbook.signature",
            found="malformed",
        )
        return
    if envelope.get("payload") != manifest:
        out.block(
            "freeze.signature_other_payload",
            "the signature covers a different manifest than the one archived",
            file=sig.relative,
            field="payload",
            expected=f"the content of {relative}",
            found="another payload",
        )
        return
    signature = envelope["signature"]
    key_id = str(signature.get("key_id", ""))
    keys = sorted((deployment.root / "secrets" / "hmac").glob("*.key"))
    named = deployment.root / "secrets" / "hmac" / f"{signing.normalise_key_id(key_id)}.key"
    ordered = [named, *[k for k in keys if k != named]] if named.is_file() else keys
    for key_file in ordered:
        if signing.verify(manifest, signature, signing.read_key_file(key_file)):
            if key_file != named:
                out.warn(
                    "freeze.key_name",
                    f"the freeze signature verifies with "
                    f"{key_file.name}, a key file not named after key_id {key_id!r}",
                    file=sig.relative,
                    field="signature.key_id",
                )
            return
    out.block(
        "freeze.signature_invalid",
        f"the freeze signature ({key_id!r}) verifies with no HMAC key of the deployment",
        file=sig.relative,
        field="signature.value",
        expected="a valid HMAC-SHA256",
        found="signature mismatch",
    )


def check_config_freeze(deployment: Deployment) -> Findings:
    out = Findings(REQUIREMENT, None)
    newest = _newest_manifest(deployment, out)
    if newest is None:
        out.block(
            "freeze.missing",
            f"the configuration was never frozen: {REMEDY}",
            file=STAGE6.as_posix(),
            expected="a signed stage6.runbook.manifest of the configuration",
            found="none",
        )
        return out
    relative, manifest = newest
    out.read(relative)
    out.fact("newest freeze", f"{relative} ({manifest.get('generated_at')})")
    _verify_signature(deployment, out, manifest, relative)
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
        if not archived.path.is_file():
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
        actual = signing.sha256_file(archived.path)
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
        current = deployment.root / source
        if source == "config/core.yaml" or current.is_file():
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
            actual = signing.sha256_file(current)
            if actual != frozen[source]:
                out.block(
                    "freeze.config_changed",
                    f"{source} changed after the freeze: what "
                    f"would trade is not what was approved; {REMEDY}",
                    file=source,
                    expected=f"SHA-256 {frozen[source]} (frozen)",
                    found=actual,
                )
    return out
