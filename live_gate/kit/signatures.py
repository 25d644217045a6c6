"""One signature verifier: an HMAC proves only what its payload says, so the payload is compared
with what the configuration claims (name, path, digest, signers, date), and the key must be one
the policy trusts for the role that signed.

The envelope and the HMAC are the bot's (``bot_core/security/signing.py``, FORMATS.md §1.9):
``{"payload": {...}, "signature": {"algorithm", "key_id", "value"}}`` or a flat object holding
``signature``; canonical JSON; ``path``/``*_path`` values normalised; retried once with the
digests stripped, as the bot does.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from live_gate import signing
from live_gate.errors import UnreadableInput
from live_gate.kit.files import DeploymentFiles, InputRefused
from live_gate.paths import ConfinedPath, PathEscapesDeployment


@dataclass(frozen=True)
class Envelope:
    file: str
    payload: dict[str, Any]
    signature: dict[str, Any]

    @property
    def algorithm(self) -> str:
        return str(self.signature.get("algorithm", ""))

    @property
    def key_id(self) -> str:
        return str(self.signature.get("key_id", ""))


class MalformedSignature(ValueError):
    pass


def envelope_from(data: Any, file: str) -> Envelope:
    if not isinstance(data, dict):
        raise MalformedSignature("not a JSON object")
    signature = data.get("signature")
    if not isinstance(signature, dict):
        raise MalformedSignature("no 'signature' object")
    if isinstance(data.get("payload"), dict):
        payload = data["payload"]
    else:
        payload = {k: v for k, v in data.items() if k != "signature"}
    for key in ("algorithm", "key_id", "value"):
        if not isinstance(signature.get(key), str) or not signature.get(key):
            raise MalformedSignature(f"signature.{key} is missing")
    return Envelope(file=file, payload=payload, signature=signature)


def read_envelope(files: DeploymentFiles, confined: ConfinedPath) -> Envelope:
    """Raises :class:`MalformedSignature` for a file that is not a signature envelope, and
    :class:`UnreadableInput` for one the kit refuses."""
    try:
        data = files.json(confined)
    except UnreadableInput as exc:
        if exc.file == confined.relative and "not valid JSON" in exc.message:
            raise MalformedSignature(exc.message) from exc
        raise
    return envelope_from(data, confined.relative)


def hmac_key_file(files: DeploymentFiles, bases: Iterable[Any], key_id: str) -> ConfinedPath | None:
    """``<base>/secrets/hmac/<normalised key_id>.key`` for the first base holding it (the bot
    looks in the config folder, then the working directory). Raises :class:`InputRefused`
    naming the key file when a candidate is a link out of the deployment, a FIFO or anything but
    a regular file: such a key is never used, and never silently skipped for the next base."""
    name = signing.normalise_key_id(key_id)
    for base in bases:
        relative = f"secrets/hmac/{name}.key"
        try:
            candidate = files.resolve(base, relative)
        except PathEscapesDeployment as exc:
            lexical = files.relative(Path(base) / relative)
            raise InputRefused(f"{exc.reason}; it was not read", lexical) from exc
        if files.present(candidate):
            return candidate
    return None


def read_hmac_key(files: DeploymentFiles, confined: ConfinedPath) -> bytes:
    """A ``.key`` file holds the raw secret; trailing CR/LF are not part of it (the bot's rule)."""
    return signing.key_from_file_bytes(files.read_bytes(confined))


def verifies(
    envelope: Envelope,
    key: bytes,
    *,
    algorithms: tuple[str, ...] = ("HMAC-SHA256",),
    normalise_paths: bool = True,
    retry_without_digests: bool = True,
) -> bool:
    if envelope.algorithm not in algorithms:
        return False
    payload: Any = envelope.payload
    if normalise_paths:
        payload = signing.normalise_payload_paths(payload)
    if signing.verify(payload, envelope.signature, key):
        return True
    return retry_without_digests and signing.verify(
        signing.strip_digests(payload), envelope.signature, key
    )


@dataclass(frozen=True)
class ClaimMismatch:
    field: str
    expected: str
    found: str


def _norm_path(value: Any) -> str:
    text = str(value).replace("\\", "/")
    while "//" in text:
        text = text.replace("//", "/")
    return posixpath.normpath(text).strip("/")  # "./a/b" and "a/./b" name "a/b"


def trusted_key_ids(
    trusted: Mapping[str, Iterable[str]], roles: Iterable[str]
) -> frozenset[str] | None:
    """The key ids the policy (``trusted_signature_keys: {role: [key_id, ...]}``) trusts for any
    of ``roles`` (case-insensitive), or None when none of the roles has an entry: then the
    bot's rule applies, and any key file found for the signature's key_id is accepted
    (``secrets/hmac/<key_id>.key``, FORMATS.md §1.9)."""
    by_role = {str(role).lower(): tuple(ids) for role, ids in trusted.items()}
    found: set[str] = set()
    listed = False
    for role in roles:
        ids = by_role.get(str(role).lower())
        if ids is not None:
            listed = True
            found.update(ids)
    return frozenset(found) if listed else None


def compare_claims(signed: Mapping[str, Any], claims: Mapping[str, Any]) -> list[ClaimMismatch]:
    """What the signed payload says against what the configuration claims.

    ``claims`` maps a payload field to the configured value; ``sha256`` and ``path`` compare
    normalised (case, separators), ``signed_by`` as sets of roles (case-insensitive), ``signed_at``
    as instants; anything else as text. A claim the payload does not state is a mismatch: a
    signature that says nothing about a field proves nothing about it.
    """
    from live_gate.timeutil import InvalidInstant, parse_instant

    mismatches: list[ClaimMismatch] = []
    for field, claimed in claims.items():
        if claimed is None:
            continue
        found = signed.get(field)
        expected_text = (
            ", ".join(sorted(str(v) for v in claimed))
            if isinstance(claimed, list | tuple)
            else str(claimed)
        )
        if found is None or found == "":
            mismatches.append(ClaimMismatch(field, expected_text, "not stated by the payload"))
            continue
        same: bool
        if field == "sha256":
            same = str(found).lower() == str(claimed).lower()
        elif field == "path":
            same = _norm_path(found) == _norm_path(claimed)
        elif field == "signed_by":
            found_roles = (
                {str(v).lower() for v in found} if isinstance(found, list) else {str(found).lower()}
            )
            claimed_roles = (
                {str(v).lower() for v in claimed}
                if isinstance(claimed, list | tuple)
                else {str(claimed).lower()}
            )
            same = found_roles == claimed_roles
        elif field == "signed_at":
            try:
                same = parse_instant(str(found)) == parse_instant(str(claimed))
            except InvalidInstant:
                same = False
        else:
            same = str(found) == str(claimed)
        if not same:
            shown = ", ".join(sorted(str(v) for v in found)) if isinstance(found, list) else found
            mismatches.append(ClaimMismatch(field, expected_text, str(shown)))
    return mismatches


def document_claims_source(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """The part of a document signature's payload that describes the document: the bot's
    fixture generator nests it under ``document`` (``{document: {name, path, sha256,
    signed_by, signed_at}, hashes: {sha256}}``); a flat payload states the fields itself."""
    document = payload.get("document")
    merged: dict[str, Any] = dict(payload)
    if isinstance(document, dict):
        merged.update(document)
    digest = signing.payload_digest(dict(payload))
    if digest is not None:
        merged["sha256"] = digest
    return merged
