"""``SHA256SUMS`` files in ``sha256sum -c`` format: written for evidence bundles and live-window
archives, and checked again by ``live-gate verify``.

A module of its own, with no dependency on the gate's run, so that the reference deployment's
builder and the evidence writer can both use it without importing each other.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

SUMS = "SHA256SUMS"


def write_checksums(folder: Path) -> Path:
    """``SHA256SUMS`` over every other file under ``folder``, sorted by path."""
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name == SUMS and path.parent == folder:
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {path.relative_to(folder).as_posix()}\n")
    target = folder / SUMS
    target.write_text("".join(lines), encoding="utf-8")
    return target


def checksum_problems(folder: Path) -> list[str]:
    """What does not match ``folder/SHA256SUMS``: a missing, changed or unlisted file."""
    sums = folder / SUMS
    if not sums.is_file():
        return [f"no {SUMS}"]
    problems: list[str] = []
    listed = set()
    for number, line in enumerate(sums.read_text(encoding="utf-8").splitlines(), start=1):
        digest, separator, name = line.partition("  ")
        if not separator or len(digest) != 64:
            problems.append(f"{SUMS}:{number}: not a sha256sum line")
            continue
        listed.add(name)
        target = folder / name
        if not target.is_file():
            problems.append(f"{name}: missing")
        elif hashlib.sha256(target.read_bytes()).hexdigest() != digest:
            problems.append(f"{name}: checksum does not match")
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if name != SUMS and name not in listed:
            problems.append(f"{name}: not listed in {SUMS}")
    return problems
