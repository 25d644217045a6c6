"""HMAC signatures exactly as the bot makes and checks them.

- canonical JSON: ``sort_keys=True``, separators ``(",", ":")``, UTF-8, non-ASCII kept
  (``bot_core/security/signing.py:31-39``);
- document signatures: ``{"payload": {...}, "signature": {"algorithm": "HMAC-SHA256", "key_id",
  "value": base64}}`` (FORMATS.md §1.9), key file ``secrets/hmac/<normalised key_id>.key``;
- the hash algorithm comes from the signature block (licences also use HMAC-SHA384, §3.1).

Pure functions only: this module never touches a file. The judged deployment's signatures, keys
and documents are read through :mod:`live_gate.kit` (``kit.signatures`` verifies them); the
gate's own files (its freeze writer, the reference builder, the evidence bundle) through
:mod:`live_gate.localfiles`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import Any

ALGORITHMS = {"HMAC-SHA256": hashlib.sha256, "HMAC-SHA384": hashlib.sha384}
SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


def canonical_json(payload: Any) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def hmac_value(payload: Any, key: bytes, algorithm: str = "HMAC-SHA256") -> str:
    digest = ALGORITHMS[algorithm]
    return base64.b64encode(hmac.new(key, canonical_json(payload), digest).digest()).decode("ascii")


def sign(payload: Any, key: bytes, key_id: str, algorithm: str = "HMAC-SHA256") -> dict[str, Any]:
    return {
        "payload": payload,
        "signature": {
            "algorithm": algorithm,
            "key_id": key_id,
            "value": hmac_value(payload, key, algorithm),
        },
    }


def verify(payload: Any, signature: dict[str, Any], key: bytes) -> bool:
    algorithm = signature.get("algorithm")
    value = signature.get("value")
    if algorithm not in ALGORITHMS or not isinstance(value, str):
        return False
    return hmac.compare_digest(hmac_value(payload, key, str(algorithm)), value)


def normalise_key_id(key_id: str) -> str:
    """``bootstrap.py:1926-1928``: runs of non-alphanumerics become ``_``, stripped, lower-cased."""
    return re.sub(r"[^A-Za-z0-9]+", "_", key_id).strip("_").lower()


def key_from_file_bytes(data: bytes) -> bytes:
    """A ``.key`` file holds the raw secret; trailing CR/LF are not part of it (bot behaviour)."""
    return data.rstrip(b"\r\n")


def normalise_payload_paths(payload: Any) -> Any:
    """The bot normalises ``path`` / ``*_path`` values (``\\`` -> ``/``, ``//`` -> ``/``) before
    computing a document signature."""
    if isinstance(payload, dict):
        out: dict[str, Any] = {}
        for key, value in payload.items():
            if isinstance(value, str) and (key == "path" or str(key).endswith("_path")):
                value = value.replace("\\", "/")
                while "//" in value:
                    value = value.replace("//", "/")
            out[key] = normalise_payload_paths(value)
        return out
    if isinstance(payload, list):
        return [normalise_payload_paths(v) for v in payload]
    return payload


def strip_digests(payload: Any) -> Any:
    if isinstance(payload, dict):
        return {k: strip_digests(v) for k, v in payload.items() if k not in ("sha256", "hashes")}
    if isinstance(payload, list):
        return [strip_digests(v) for v in payload]
    return payload


def payload_digest(payload: dict[str, Any]) -> str | None:
    """The file digest a document signature vouches for (``payload.sha256`` and its aliases)."""
    candidates: list[Any] = [payload.get("sha256")]
    hashes = payload.get("hashes")
    if isinstance(hashes, dict):
        candidates.append(hashes.get("sha256"))
    document = payload.get("document")
    if isinstance(document, dict):
        candidates.append(document.get("sha256"))
        doc_hashes = document.get("hashes")
        if isinstance(doc_hashes, dict):
            candidates.append(doc_hashes.get("sha256"))
    for candidate in candidates:
        if isinstance(candidate, str) and candidate:
            return candidate
    return None
