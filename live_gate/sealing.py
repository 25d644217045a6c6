"""Signed, self-checking evidence bundles: the signature the gate writes, and ``live-gate verify``.

A bundle is a flat folder: ``report.html``, ``evidence.json``, ``SHA256SUMS`` and, when a
signing key was given, ``signature.json``. The signature is HMAC-SHA256 (the stdlib, the same
canonical JSON as :mod:`live_gate.signing`) over a payload that names the bundle's identity
(``bundle_id``, a random id also recorded in ``evidence.json`` and in ``report.html``), its
verdict and the SHA-256 of every other file but ``SHA256SUMS`` (which may be rewritten in upper
case, as ``sha256sum -c`` accepts, and is checked against the files themselves): recomputing
the sums after an edit does not help, and neither does copying an ``evidence.json`` from another
run.

The key is held by compliance, never by the deployment judged: ``--signing-key-file FILE`` or
``$LIVE_GATE_SIGNING_KEY``, hex or raw bytes, at least 16 bytes; a key file inside the
deployment is refused (usage error).

``verify_bundle`` reads nothing outside the bundle and never hangs: the folder is listed without
following links, every file is opened relative to the folder's descriptor with ``O_NOFOLLOW |
O_NONBLOCK`` and read only if ``fstat`` says it is a regular file; a link, a FIFO, a device or a
sub-folder is a discrepancy, named, never opened. ``SHA256SUMS`` must list exactly the bundle's
files (upper- or lower-case digests, text or binary mode, as ``sha256sum -c`` reads them); a
name with a ``/`` or ``..`` is outside the bundle and never looked up.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from live_gate import signing
from live_gate.checksums import SUMS

SIGNATURE = "signature.json"
SIGNATURE_SCHEMA = "live_gate.bundle-signature/1"
KEY_ENV = "LIVE_GATE_SIGNING_KEY"
MIN_KEY_BYTES = 16
#: nothing the gate writes comes near this; a larger file is not one of its bundles
MAX_FILE_BYTES = 512 * 1024 * 1024
_SUMS_LINE = re.compile(r"^([0-9A-Fa-f]{64}) ([ *])(.+)$")
_STAMP = re.compile(r"^\d{8}T\d{6}Z$")


class SigningKeyError(ValueError):
    pass


def parse_key(raw: bytes, where: str) -> bytes:
    """Hex when the text is hex (even length), else the raw bytes; trailing newline dropped."""
    text = raw.strip()
    if re.fullmatch(rb"(?:[0-9A-Fa-f]{2})+", text):
        key = bytes.fromhex(text.decode("ascii"))
    else:
        key = raw.rstrip(b"\r\n")
    if len(key) < MIN_KEY_BYTES:
        raise SigningKeyError(
            f"the signing key from {where} has {len(key)} bytes; at least {MIN_KEY_BYTES} are "
            "needed (e.g. 32 random bytes in hex: python3 -c 'import secrets; "
            "print(secrets.token_hex(32))')"
        )
    return key


def load_signing_key(
    path: str | None, environ_value: str | None, deployment: Path | None
) -> bytes | None:
    """The key compliance holds, from ``--signing-key-file`` (first) or the environment."""
    if path:
        given = Path(os.path.abspath(path))
        if deployment is not None:
            real, judged = Path(os.path.realpath(given)), Path(os.path.realpath(deployment))
            if real == judged or judged in real.parents:
                raise SigningKeyError(
                    f"--signing-key-file {path} lies inside the deployment judged ({judged}): "
                    "the key that vouches for the evidence must not come from what the evidence "
                    "judges; keep it with compliance"
                )
        try:
            fd = os.open(given, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError as exc:
            raise SigningKeyError(f"--signing-key-file {path}: {exc.strerror}") from exc
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise SigningKeyError(f"--signing-key-file {path} is not a regular file")
            data = handle.read(64 * 1024)
        return parse_key(data, f"--signing-key-file {path}")
    if environ_value:
        return parse_key(environ_value.encode("utf-8"), f"${KEY_ENV}")
    return None


def key_id(key: bytes) -> str:
    """Which key signed, without revealing it: a short digest of the key."""
    return "sha256:" + hashlib.sha256(b"live-gate key id\0" + key).hexdigest()[:16]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def seal(bundle: Path, bundle_id: str, verdict: str, key: bytes) -> Path:
    """Write ``signature.json`` over the bundle's other files (written last)."""
    digests = {
        p.name: _digest(p.read_bytes())
        for p in sorted(bundle.iterdir())
        if p.is_file() and p.name not in (SIGNATURE, SUMS)
    }
    payload = {
        "schema": SIGNATURE_SCHEMA,
        "bundle_id": bundle_id,
        "bundle": "/".join(bundle.parts[-3:]),
        "verdict": verdict,
        "files": digests,
    }
    target = bundle / SIGNATURE
    document = signing.sign(payload, key, key_id(key))
    target.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return target


# --------------------------------------------------------------------------- reading a bundle


class BundleReader:
    """The bundle's regular files, read relative to the folder's descriptor, never following a
    link and never blocking on a FIFO."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        self.files: list[str] = []
        self.strays: list[str] = []  # what is in the folder but is not a regular file
        for name in sorted(os.listdir(self.fd)):
            mode = os.stat(name, dir_fd=self.fd, follow_symlinks=False).st_mode
            if stat.S_ISREG(mode):
                self.files.append(name)
            else:
                self.strays.append(f"{name}: {_kind(mode)} in the bundle; it was not read")

    def close(self) -> None:
        os.close(self.fd)

    def read(self, name: str) -> bytes:
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(name, flags, dir_fd=self.fd)
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise OSError(f"{name} is {_kind(info.st_mode)}, not a regular file")
            if info.st_size > MAX_FILE_BYTES:
                raise OSError(f"{name} is over {MAX_FILE_BYTES} bytes")
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise OSError(f"{name} grew over {MAX_FILE_BYTES} bytes while read")
        return data


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device or special file"


class _ReportClaims(HTMLParser):
    """What report.html states in its machine-checkable attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.verdicts: list[str] = []
        self.bundle_ids: list[str] = []
        self.statuses: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if "data-verdict" in values:
            self.verdicts.append(str(values["data-verdict"]))
        if "data-bundle-id" in values:
            self.bundle_ids.append(str(values["data-bundle-id"]))
        if "data-requirement" in values and "data-status" in values:
            self.statuses.append((str(values["data-requirement"]), str(values["data-status"])))


@dataclass
class Verification:
    """What ``live-gate verify`` found; ``discrepancies`` empty means intact."""

    discrepancies: list[str] = field(default_factory=list)
    signature: str = "unsigned"  # unsigned | verified | not checked (no key) | tampered
    evidence: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def report_discrepancies(html: str, evidence: dict[str, Any]) -> list[str]:
    claims = _ReportClaims()
    claims.feed(html)
    out: list[str] = []
    if len(claims.verdicts) != 1:
        out.append(f"report.html states {len(claims.verdicts)} verdicts (data-verdict); one is due")
    elif claims.verdicts[0] != evidence.get("verdict"):
        out.append(
            f"report.html states verdict {claims.verdicts[0]}, evidence.json "
            f"{evidence.get('verdict')}"
        )
    bundle_id = (evidence.get("bundle") or {}).get("id")
    if set(claims.bundle_ids) != {bundle_id}:
        out.append(
            f"report.html belongs to bundle {', '.join(sorted(set(claims.bundle_ids))) or 'none'}, "
            f"evidence.json to {bundle_id}: the evidence was not written with this report"
        )
    stated = {q["id"]: q.get("status") for q in evidence.get("requirements") or []}
    shown: dict[str, str] = {}
    for rid, status in claims.statuses:
        if rid in shown and shown[rid] != status:
            out.append(f"report.html states {rid} twice, {shown[rid]} and {status}")
        shown.setdefault(rid, status)
    for rid in sorted(set(stated) | set(shown)):
        if stated.get(rid) != shown.get(rid):
            out.append(
                f"{rid}: report.html states {shown.get(rid, 'nothing')}, evidence.json "
                f"{stated.get(rid, 'nothing')}"
            )
    return out


def _sums(text: str) -> tuple[dict[str, str], list[str]]:
    listed: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _SUMS_LINE.match(line)
        if not match:
            problems.append(f"{SUMS}:{number}: not a sha256sum line")
            continue
        digest, name = match[1].lower(), match[3]
        if name.startswith("/") or ".." in name.split("/") or "\\" in name:
            problems.append(f"{SUMS}:{number}: {name!r} lies outside the bundle; not looked up")
        elif "/" in name or name in (SUMS, SIGNATURE):
            problems.append(f"{SUMS}:{number}: {name!r} is not a file a bundle lists")
        elif name in listed:
            problems.append(f"{SUMS}:{number}: {name} is listed twice")
        else:
            listed[name] = digest
    return listed, problems


def verify_bundle(root: Path, key: bytes | None) -> Verification:
    result = Verification()
    out = result.discrepancies
    try:
        reader = BundleReader(root)
    except OSError as exc:
        out.append(f"{root}: not a readable bundle folder ({exc.strerror or exc})")
        return result
    try:
        out.extend(reader.strays)
        contents: dict[str, bytes] = {}
        for name in reader.files:
            try:
                contents[name] = reader.read(name)
            except OSError as exc:
                out.append(f"{name}: not read ({exc.strerror or exc})")
    finally:
        reader.close()
    for required in ("evidence.json", "report.html", SUMS):
        if required not in contents:
            out.append(f"{required}: missing")
    listed, problems = _sums(contents.get(SUMS, b"").decode("utf-8", "replace"))
    out.extend(problems)
    for name, digest in listed.items():
        if name not in contents:
            out.append(f"{name}: listed in {SUMS} but not in the bundle")
        elif _digest(contents[name]) != digest:
            out.append(f"{name}: checksum does not match")
    for name in contents:
        if name not in listed and name not in (SUMS, SIGNATURE):
            out.append(f"{name}: not listed in {SUMS}")
    evidence: dict[str, Any] | None = None
    if "evidence.json" in contents:
        try:
            loaded = json.loads(contents["evidence.json"])
            evidence = loaded if isinstance(loaded, dict) else None
            if evidence is None:
                out.append("evidence.json: not a JSON object")
        except (ValueError, UnicodeDecodeError) as exc:
            out.append(f"evidence.json unreadable: {exc}")
    result.evidence = evidence
    bundle_id = ((evidence or {}).get("bundle") or {}).get("id")
    if evidence is not None:
        if not bundle_id:
            out.append("evidence.json names no bundle id: it cannot be bound to this bundle")
        stamp = ((evidence.get("bundle") or {}).get("path") or "").rsplit("/", 1)[-1]
        if _STAMP.match(root.name) and stamp and stamp != root.name:
            out.append(
                f"evidence.json was written for bundle {stamp}, but this bundle is {root.name}: "
                "an evidence file from another run"
            )
        if "report.html" in contents:
            out.extend(
                report_discrepancies(contents["report.html"].decode("utf-8", "replace"), evidence)
            )
    _check_signature(result, contents, bundle_id, key)
    return result


def _check_signature(
    result: Verification, contents: dict[str, bytes], bundle_id: Any, key: bytes | None
) -> None:
    out = result.discrepancies
    if SIGNATURE not in contents:
        result.signature = "unsigned"
        if key is not None:
            out.append(f"the bundle is unsigned (no {SIGNATURE}), but a signing key was given")
        return
    try:
        document = json.loads(contents[SIGNATURE])
        payload, signature = document["payload"], document["signature"]
        files = dict(payload["files"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        result.signature = "tampered"
        out.append(f"{SIGNATURE} is not a signature the gate writes")
        return
    if key is None:
        result.signature = "not checked (no key)"
    elif signature.get("key_id") != key_id(key):
        result.signature = "tampered"
        out.append(
            f"{SIGNATURE} was made with key {signature.get('key_id')}, not with the key given "
            f"({key_id(key)})"
        )
    elif not signing.verify(payload, signature, key):
        result.signature = "tampered"
        out.append(f"{SIGNATURE}: the signature does not match its payload (TAMPERED)")
    else:
        result.signature = "verified"
    actual = {
        name: _digest(data) for name, data in contents.items() if name not in (SIGNATURE, SUMS)
    }
    for name in sorted(set(files) | set(actual)):
        if files.get(name) != actual.get(name):
            if result.signature != "not checked (no key)":
                result.signature = "tampered"
            what = "changed since it was signed" if name in files else "added after signing"
            if name not in actual:
                what = "signed but missing"
            out.append(f"{name}: {what} (TAMPERED)")
    if payload.get("bundle_id") != bundle_id:
        out.append(
            f"{SIGNATURE} signs bundle {payload.get('bundle_id')}, evidence.json names "
            f"{bundle_id}: an evidence file from another run (TAMPERED)"
        )
