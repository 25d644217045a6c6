"""Digests and keys of files the gate itself owns or writes (the freeze writer, the reference
builder, the evidence bundle), never the judged deployment's: those are read through
:class:`live_gate.kit.files.DeploymentFiles` only."""

from __future__ import annotations

import hashlib
from pathlib import Path

from live_gate.signing import key_from_file_bytes


def read_key_file(path: Path) -> bytes:
    """A ``.key`` file holds the raw secret; trailing CR/LF are not part of it (bot behaviour)."""
    return key_from_file_bytes(path.read_bytes())


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
