"""Ways to break a copy of the reference deployment, shared by the seeded-defect and hostile
self-tests: each returns a ``Mutation`` that applies the break to a deployment root."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

Mutation = Callable[[Path], None]
#: a path inside the deployment, or a function that finds it there
Where = str | Callable[[Path], Path]


def at(root: Path, where: Where) -> Path:
    return root / where if isinstance(where, str) else where(root)


def delete(where: Where) -> Mutation:
    def apply(root: Path) -> None:
        target = at(root, where)
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()

    return apply


def write(where: Where, data: bytes) -> Mutation:
    def apply(root: Path) -> None:
        at(root, where).write_bytes(data)

    return apply


def append(where: Where, data: bytes) -> Mutation:
    def apply(root: Path) -> None:
        with at(root, where).open("ab") as handle:
            handle.write(data)

    return apply


def link_out(where: Where) -> Mutation:
    """Replace a file or folder by a symbolic link to a copy of it outside the deployment (or,
    where there is nothing, link to a small JSON document outside)."""

    def apply(root: Path) -> None:
        source = at(root, where)
        outside = root.parent / "outside"
        outside.mkdir(exist_ok=True)
        target = outside / source.relative_to(root).as_posix().replace("/", "_")
        if source.is_dir():
            shutil.copytree(source, target)
            shutil.rmtree(source)
        elif source.exists():
            shutil.copy2(source, target)
            source.unlink()
        else:
            target.write_text("{}\n")
        source.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, source)

    return apply


def fifo(where: Where) -> Mutation:
    """Replace a file or folder by a FIFO nobody writes to (or add one): opening it for reading
    would block for ever."""

    def apply(root: Path) -> None:
        path = at(root, where)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(path)

    return apply
