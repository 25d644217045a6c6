"""Configuration freeze archives (runbook §2.1, ACT-1), shaped like the bot's own signed
``stage6.runbook.manifest`` (FORMATS.md §5.2).

An archive is ``var/audit/stage6/config_freeze_<UTC stamp>/`` holding byte copies of
``config/core.yaml`` (and ``config/runtime.yaml`` when the deployment has one), a manifest
``var/audit/stage6/config_freeze_<stamp>.manifest.json`` with the bot's keys (``archived_path``,
``generated_at``, ``hashes{sha256, sha384}``, ``schema``, ``schema_version``, ``source_path``,
``signature_path``, ``stakeholders``) plus ``files`` (one entry per frozen file), and its HMAC
signature ``<manifest>.sig`` shaped like ``stage6.runbook.signature``.

``write_freeze`` is the only code of the gate that writes into a deployment, and only there.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from live_gate import signing
from live_gate.localfiles import read_key_file
from live_gate.timeutil import bundle_stamp

STAGE6 = Path("var/audit/stage6")
FROZEN_FILES = ("config/core.yaml", "config/runtime.yaml")
MANIFEST_SCHEMA = "stage6.runbook.manifest"
SIGNATURE_SCHEMA = "stage6.runbook.signature"


class FreezeError(RuntimeError):
    pass


def _digests(path: Path) -> dict[str, str]:
    data = path.read_bytes()
    return {"sha256": hashlib.sha256(data).hexdigest(), "sha384": hashlib.sha384(data).hexdigest()}


def key_path(root: Path, key_id: str) -> Path:
    return root / "secrets" / "hmac" / f"{signing.normalise_key_id(key_id)}.key"


def write_freeze(
    root: Path, key_id: str, now: datetime, stakeholders: tuple[str, ...] = ("compliance",)
) -> Path:
    """Archive the configuration of ``root`` and sign the manifest; returns the manifest path."""
    root = root.absolute()
    key_file = key_path(root, key_id)
    if not key_file.is_file():
        raise FreezeError(f"no HMAC key for {key_id!r}: expected {key_file}")
    sources = [rel for rel in FROZEN_FILES if (root / rel).is_file()]
    if "config/core.yaml" not in sources:
        raise FreezeError(f"{root} has no config/core.yaml to freeze")
    name = f"config_freeze_{bundle_stamp(now)}"
    archive = STAGE6 / name
    if (root / archive).exists():
        raise FreezeError(f"{root / archive} already exists")
    files: list[dict[str, Any]] = []
    for relative in sources:
        target = root / archive / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / relative, target)
        files.append(
            {
                "source_path": relative,
                "archived_path": (archive / relative).as_posix(),
                "sha256": _digests(target)["sha256"],
            }
        )
    manifest_rel = STAGE6 / f"{name}.manifest.json"
    signature_rel = STAGE6 / f"{name}.manifest.json.sig"
    manifest = {
        "archived_path": files[0]["archived_path"],
        "files": files,
        "generated_at": now.isoformat(),
        "hashes": _digests(root / archive / "config/core.yaml"),
        "schema": MANIFEST_SCHEMA,
        "schema_version": 1,
        "signature_path": signature_rel.as_posix(),
        "source_path": "config/core.yaml",
        "stakeholders": list(stakeholders),
    }
    (root / manifest_rel).write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    envelope = signing.sign(manifest, read_key_file(key_file), key_id)
    signed = {
        "payload": envelope["payload"],
        "schema": SIGNATURE_SCHEMA,
        "schema_version": 1,
        "signature": envelope["signature"],
    }
    (root / signature_rel).write_text(
        json.dumps(signed, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return root / manifest_rel
