"""Keeping the deployment's secrets out of the report, the evidence and the terminal.

Checks never put a secret into a message on purpose; this is the second line of defence for what
they cannot control (an exception text, a malformed file echoed back). Every secret value the
deployment ships (the contents of files under ``secrets/`` in the deployment root or the config
folder, and the decoded forms of key files) is replaced by ``[REDACTED]`` in every string that
leaves the gate.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from pathlib import Path
from typing import Any

REDACTED = "[REDACTED]"
MIN_SECRET_LENGTH = 8  # shorter strings would redact ordinary words


def _key_file_values(data: Any) -> list[str]:
    # {"keys": {id: "hex:..."|"base64:..."|raw}} or the bare mapping (FORMATS.md §3.1)
    if isinstance(data, dict) and isinstance(data.get("keys"), dict):
        data = data["keys"]
    values: list[str] = []
    if isinstance(data, dict):
        for value in data.values():
            if isinstance(value, str):
                values.append(value)
                prefix, _, rest = value.partition(":")
                try:
                    if prefix == "hex":
                        values.append(bytes.fromhex(rest).decode("utf-8", "ignore"))
                    elif prefix == "base64":
                        values.append(base64.b64decode(rest).decode("utf-8", "ignore"))
                except (ValueError, binascii.Error):
                    pass
                if prefix in ("hex", "base64"):
                    values.append(rest)
    return values


def collect_secrets(deployment_root: Path) -> set[str]:
    secrets: set[str] = set()
    for folder in (deployment_root / "secrets", deployment_root / "config" / "secrets"):
        if not folder.is_dir() or folder.is_symlink():
            continue
        for path in folder.rglob("*"):
            if not path.is_file() or path.is_symlink():
                continue
            try:
                raw = path.read_bytes()[: 1 << 20]
            except OSError:
                continue
            text = raw.decode("utf-8", "ignore")
            candidates = [text, text.strip(), *text.splitlines()]
            with contextlib.suppress(json.JSONDecodeError, ValueError):
                candidates += _key_file_values(json.loads(text))
            secrets.update(c.strip() for c in candidates if len(c.strip()) >= MIN_SECRET_LENGTH)
    return secrets


class Redactor:
    def __init__(self, secrets: set[str] | None = None) -> None:
        # longest first, so that a secret containing another is replaced whole
        self._secrets = sorted(secrets or set(), key=len, reverse=True)

    def add(self, secrets: set[str]) -> None:
        self._secrets = sorted(set(self._secrets) | secrets, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def data(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.data(v) for v in value]
        if isinstance(value, dict):
            return {self.text(str(k)): self.data(v) for k, v in value.items()}
        return value
