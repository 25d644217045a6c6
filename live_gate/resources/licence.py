"""The OEM licence set as the bot validates it (``core.oem.license``, FORMATS.md §3.1).

``license.json`` / ``fingerprint.json`` are ``{"payload": {...}, "signature": {...}}``;
``revocations.json`` is the same envelope or a bare document; key files are
``{"keys": {key_id: "hex:…" | "base64:…" | raw}}`` or the bare mapping. Paths are relative to the
working directory (the deployment root).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from live_gate.kit import DeploymentFiles, InputRefused
from live_gate.paths import ConfinedPath
from live_gate.resources.deployment import Deployment, UnreadableInput

LICENCE_DEFAULTS: dict[str, Any] = {
    "license_path": "var/licenses/active/license.json",
    "fingerprint_path": "var/licenses/active/fingerprint.json",
    "license_keys_path": None,
    "fingerprint_keys_path": None,
    "allowed_profiles": [],
    "allowed_issuers": [],
    "max_validity_days": None,
    "required_schema": "core.oem.license",
    "allowed_schema_versions": ["1.0"],
    "revocation_list_path": None,
    "revocation_required": False,
    "revocation_list_max_age_hours": None,
    "revocation_keys_path": None,
    "revocation_signature_required": False,
}


class MalformedFile(ValueError):
    pass


@dataclass(frozen=True)
class LicenceConfig:
    raw: dict[str, Any]

    def get(self, key: str) -> Any:
        value = self.raw.get(key, LICENCE_DEFAULTS[key])
        return LICENCE_DEFAULTS[key] if value is None and key in LICENCE_DEFAULTS else value

    def strings(self, key: str) -> list[str]:
        value = self.get(key) or []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def licence_config(deployment: Deployment) -> LicenceConfig | None:
    section = deployment.raw.get("license")
    return LicenceConfig(section) if isinstance(section, dict) else None


def resolve(deployment: Deployment, configured: str) -> ConfinedPath:
    """Licence paths are relative to the working directory (the deployment root)."""
    return deployment.resolve_from_root(configured)


def read_json(files: DeploymentFiles, confined: ConfinedPath) -> Any:
    """The document through the kit. Raises :class:`InputRefused` for an input the kit will not
    read (not a regular file, over a cap) and :class:`MalformedFile` for one it cannot parse
    (not JSON, a byte order mark, nested too deep), naming the line."""
    try:
        return files.json(confined)
    except InputRefused:
        raise
    except UnreadableInput as exc:
        where = f" (line {exc.line})" if exc.line else ""
        raise MalformedFile(f"{exc.message}{where}") from exc


def envelope(data: Any, *, bare_allowed: bool = False) -> tuple[Any, dict[str, Any] | None]:
    """Split ``{"payload", "signature"}``; a bare document has no signature."""
    if isinstance(data, dict) and "payload" in data:
        signature = data.get("signature")
        if signature is not None and not isinstance(signature, dict):
            raise MalformedFile("'signature' is not an object")
        return data["payload"], signature
    if bare_allowed:
        return data, None
    raise MalformedFile("no 'payload' object")


def decode_key(value: str) -> bytes:
    """``bot_core/security/fingerprint.py:2215-2221``."""
    if value.startswith("hex:"):
        return bytes.fromhex(value[4:])
    if value.startswith("base64:"):
        return base64.b64decode(value[7:], validate=True)
    return value.encode("utf-8")


def read_keys(files: DeploymentFiles, confined: ConfinedPath) -> dict[str, bytes]:
    data = read_json(files, confined)
    if isinstance(data, dict) and isinstance(data.get("keys"), dict):
        data = data["keys"]
    if not isinstance(data, dict) or not data:
        raise MalformedFile('expected {"keys": {key_id: "hex:…"}} with at least one key')
    keys: dict[str, bytes] = {}
    for key_id, value in data.items():
        if not isinstance(value, str) or not value:
            raise MalformedFile(f"key {key_id!r} is not a string")
        try:
            keys[str(key_id)] = decode_key(value)
        except (ValueError, binascii.Error) as exc:
            raise MalformedFile(f"key {key_id!r} cannot be decoded") from exc
    return keys


def revoked_ids(document: Any) -> dict[str, str] | None:
    """Every accepted shape of the revocation list -> {license_id: reason}; ``None`` for an
    object with none of the sections ``revoked``, ``revocations``, ``licenses`` (the bot reads
    the first that is not null; none is its error license.revocation.missing_section)."""
    entries: Any = document
    if isinstance(document, dict):
        for key in ("revoked", "revocations", "licenses"):
            if document.get(key) is not None:
                entries = document[key]
                break
        else:
            return None
    found: dict[str, str] = {}
    if isinstance(entries, dict):
        return {str(k): str(v) for k, v in entries.items()}
    if not isinstance(entries, list):
        raise MalformedFile("the revocation list holds no list of revoked licences")
    for entry in entries:
        if isinstance(entry, str):
            found[entry] = ""
        elif isinstance(entry, dict):
            ident = next(
                (entry[k] for k in ("license_id", "id", "value", "license") if entry.get(k)), None
            )
            reason = next(
                (
                    entry[k]
                    for k in ("reason", "cause", "message", "comment", "details")
                    if entry.get(k)
                ),
                "",
            )
            if ident is not None:
                found[str(ident)] = str(reason)
    return found


def generated_at(document: Any) -> Any:
    if isinstance(document, dict):
        for key in ("generated_at", "updated_at", "timestamp"):
            if document.get(key):
                return document[key]
    return None
