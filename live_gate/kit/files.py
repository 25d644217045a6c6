"""The only code that opens the deployment's files.

Every read of the judged deployment goes through :class:`DeploymentFiles`, so that one mechanism
holds every rule a hostile deployment could otherwise slip past check by check:

- the path resolves inside the deployment after every symbolic link is followed;
- what is opened is a regular file (never a FIFO, device, socket or directory: opening is
  non-blocking, and the type is taken from the opened descriptor, not from a prior ``stat``);
- its size is under the policy's cap, and streamed files are read a bounded line at a time;
- a listing (glob, directory scan) reports every entry it refuses as a finding, instead of
  following it out of the deployment or silently dropping it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import tempfile
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from live_gate.errors import UnreadableInput
from live_gate.kit.parse import parse_json
from live_gate.paths import ConfinedPath, DeploymentPaths, PathEscapesDeployment
from live_gate.yamlsource import YamlDocument, YamlError, parse_yaml_shared

if TYPE_CHECKING:
    from live_gate.findings import Findings

MIB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Caps on what the gate reads (policy ``input_limits``)."""

    # a document read whole and parsed in memory (JSON, YAML, XML, signature, key)
    max_file_bytes: int = 64 * MIB
    # a file streamed in bounded pieces (JSON-lines logs, ledgers, Parquet partitions)
    max_stream_bytes: int = 16 * 1024 * MIB
    # one line of a JSON-lines file
    max_line_bytes: int = 1 * MIB
    # nesting of JSON/YAML containers
    max_nesting: int = 64
    # YAML nodes after aliases are expanded (an alias bomb expands exponentially)
    max_yaml_nodes: int = 2_000_000
    # entries of one directory listing
    max_listing_entries: int = 200_000


class InputRefused(UnreadableInput):
    """An input the gate will not read: it leaves the deployment, is not a regular file, or is
    over a cap. Always NO-GO, naming the file."""

    def __init__(self, message: str, file: str | None, line: int | None = None) -> None:
        super().__init__(message, file, line)


_TYPE_NAMES = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _type_name(mode: int) -> str:
    for test, name in _TYPE_NAMES:
        if test(mode):
            return name
    return "not a regular file"


def _size(count: int) -> str:
    return f"{count:,} bytes"


class _ScratchConnection(sqlite3.Connection):
    """A connection to a private copy of a database: closing it removes the copy."""

    scratch: tempfile.TemporaryDirectory[str] | None = None

    def close(self) -> None:
        super().close()
        if self.scratch is not None:
            self.scratch.cleanup()
            self.scratch = None


class DeploymentFiles:
    """Confined, typed, bounded access to one deployment's files."""

    def __init__(self, root: Path, limits: Limits | None = None) -> None:
        self.paths = DeploymentPaths(root)
        self.root = self.paths.root
        self.limits = limits or Limits()

    # ------------------------------------------------------------------ paths

    def resolve(self, base: Path, configured: str) -> ConfinedPath:
        """A configured path against ``base``; raises :class:`PathEscapesDeployment`."""
        return self.paths.resolve(base, configured)

    def at(self, relative: str) -> ConfinedPath:
        """A path the gate itself knows (``config/core.yaml``, ``var/audit/stage6``...),
        relative to the deployment root. Raises :class:`InputRefused` when a symbolic link on the
        way leaves the deployment."""
        try:
            return self.paths.resolve(self.root, relative)
        except PathEscapesDeployment as exc:
            raise InputRefused(f"{exc.reason}; it was not read", relative) from exc

    def relative(self, path: Path) -> str:
        return Path(os.path.abspath(path)).relative_to(self.root).as_posix()

    def _real(self, confined: ConfinedPath) -> str:
        real = os.path.realpath(confined.path)
        if not _within(real, str(self.paths.real_root)):
            raise InputRefused(
                f"is a symbolic link that leaves the deployment (to {real}); it was not read",
                confined.relative,
            )
        return real

    def kind(self, confined: ConfinedPath) -> str:
        """``file``, ``dir``, ``missing``, or the name of what else it is (never opened)."""
        try:
            real = self._real(confined)
        except InputRefused:
            return "outside the deployment"
        try:
            mode = os.stat(real).st_mode
        except FileNotFoundError:
            return "missing"
        except OSError:
            return "unreadable"
        if stat.S_ISREG(mode):
            return "file"
        if stat.S_ISDIR(mode):
            return "dir"
        return _type_name(mode)

    def is_file(self, confined: ConfinedPath) -> bool:
        return self.kind(confined) == "file"

    def is_dir(self, confined: ConfinedPath) -> bool:
        return self.kind(confined) == "dir"

    def exists(self, confined: ConfinedPath) -> bool:
        return self.kind(confined) != "missing"

    def present(self, confined: ConfinedPath) -> bool:
        """True for a regular file inside the deployment, False when nothing is there; raises
        :class:`InputRefused` for anything else (a link that leaves, a FIFO, a device, a socket,
        a directory), so that a check never reports such an input as merely "missing"."""
        kind = self.kind(confined)
        if kind == "file":
            return True
        if kind == "missing":
            return False
        if kind == "outside the deployment":
            self._real(confined)  # raises, naming where the link goes
        raise InputRefused(f"is {kind}, not a regular file; it was not read", confined.relative)

    # ------------------------------------------------------------------ reading

    def _open(self, confined: ConfinedPath, cap: int, cap_name: str) -> tuple[int, int]:
        real = self._real(confined)
        try:
            mode = os.stat(real).st_mode
        except OSError:
            mode = stat.S_IFREG  # let the open below say why
        if not stat.S_ISREG(mode):
            # never opened: opening a device can act (a watchdog arms, a tape rewinds)
            raise InputRefused(
                f"is {_type_name(mode)}, not a regular file; it was not read", confined.relative
            )
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        flags |= getattr(os, "O_NOFOLLOW", 0)  # realpath already followed every link
        try:
            fd = os.open(real, flags)
        except FileNotFoundError as exc:
            raise UnreadableInput("does not exist", confined.relative) from exc
        except OSError as exc:
            raise UnreadableInput(f"cannot read: {exc.strerror}", confined.relative) from exc
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise InputRefused(
                    f"is {_type_name(info.st_mode)}, not a regular file; it was not read",
                    confined.relative,
                )
            if info.st_size > cap:
                raise InputRefused(
                    f"is {_size(info.st_size)}, over the policy's cap "
                    f"input_limits.{cap_name} = {_size(cap)}; it was not read",
                    confined.relative,
                )
        except BaseException:
            os.close(fd)
            raise
        return fd, info.st_size

    def read_bytes(self, confined: ConfinedPath) -> bytes:
        cap = self.limits.max_file_bytes
        fd, _ = self._open(confined, cap, "max_file_bytes")
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(cap + 1)
        if len(data) > cap:  # grew while being read
            raise InputRefused(
                f"is over the policy's cap input_limits.max_file_bytes = {_size(cap)}",
                confined.relative,
            )
        return data

    def open_stream(self, confined: ConfinedPath) -> BinaryIO:
        """A binary handle for a streamed file (the caller closes it)."""
        fd, _ = self._open(confined, self.limits.max_stream_bytes, "max_stream_bytes")
        return os.fdopen(fd, "rb")

    def parquet_batches(
        self, confined: ConfinedPath, columns: list[str], batch_size: int
    ) -> Iterator[Any]:
        """Record batches of a Parquet file, read with pyarrow from a handle the kit opened (a
        regular file inside the deployment, under the stream cap), one bounded batch at a time.
        A file pyarrow cannot read is :class:`UnreadableInput` naming it."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        with self.open_stream(confined) as handle:
            try:
                yield from pq.ParquetFile(handle).iter_batches(
                    columns=columns, batch_size=batch_size
                )
            except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
                raise UnreadableInput(
                    f"not a readable Parquet file: {exc}", confined.relative
                ) from exc

    def sha256(self, confined: ConfinedPath) -> str:
        digest = hashlib.sha256()
        with self.open_stream(confined) as handle:
            for chunk in iter(lambda: handle.read(MIB), b""):
                digest.update(chunk)
        return digest.hexdigest()

    def lines(self, confined: ConfinedPath) -> Iterator[tuple[int, bytes]]:
        """``(line number, raw line without its end)`` for every line, blank ones included.

        CRLF and a last line without a newline are read as Python's line iteration reads them
        (the bot's readers); a line longer than ``max_line_bytes`` is refused, naming its line.
        """
        cap = self.limits.max_line_bytes
        with self.open_stream(confined) as handle:
            number = 0
            while True:
                line = handle.readline(cap + 1)
                if not line:
                    return
                number += 1
                if len(line) > cap and not line.endswith(b"\n"):
                    raise InputRefused(
                        f"line {number} is longer than the policy's cap "
                        f"input_limits.max_line_bytes = {_size(cap)}",
                        confined.relative,
                        number,
                    )
                yield number, line.rstrip(b"\r\n")

    def json(self, confined: ConfinedPath) -> Any:
        """A whole JSON document (bounded; see :func:`live_gate.kit.parse.parse_json`)."""
        return parse_json(
            self.read_bytes(confined), confined.relative, max_nesting=self.limits.max_nesting
        )

    def json_lines(self, confined: ConfinedPath) -> Iterator[tuple[int, Any, str | None]]:
        """``(line number, value or None, problem or None)`` for every non-blank line, streamed
        (the bot's JSON-lines logs: one compact object per line)."""
        for number, raw in self.lines(confined):
            if not raw.strip():
                continue
            try:
                value = parse_json(
                    raw, confined.relative, max_nesting=self.limits.max_nesting, line=number
                )
            except UnreadableInput as exc:
                yield number, None, exc.message
                continue
            yield number, value, None

    def yaml(self, confined: ConfinedPath) -> YamlDocument:
        """A YAML document as the bot reads it (``safe_load``), with lines and duplicates,
        aliases and nesting bounded."""
        data = self.read_bytes(confined)
        try:
            text = data.decode("utf-8-sig")  # PyYAML reads a leading byte order mark as nothing
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise UnreadableInput("not UTF-8 text", confined.relative, line) from exc
        try:
            return parse_yaml_shared(
                text,
                max_nesting=self.limits.max_nesting,
                max_nodes=self.limits.max_yaml_nodes,
            )
        except YamlError as exc:
            raise UnreadableInput(str(exc), confined.relative, exc.line) from exc

    def sqlite(self, confined: ConfinedPath) -> sqlite3.Connection:
        """A read-only connection to a regular SQLite file inside the deployment, with the
        content the bot has committed to it.

        The bot's cache runs in WAL mode (``PRAGMA journal_mode=WAL``,
        ``data/sources/sqlite_storage.py:98-99``): while it runs, recent commits live in
        ``<name>-wal``, which ``immutable=1`` ignores. When a non-empty ``-wal`` sits beside the
        database, both are copied (through this kit, under the same caps) into a private
        temporary folder and the copy is opened there, so SQLite applies the WAL without
        writing a ``-shm`` or touching the ``-wal`` in the deployment. Without one the file is
        opened in place, ``mode=ro&immutable=1``: SQLite creates nothing beside it."""
        fd, _ = self._open(confined, self.limits.max_stream_bytes, "max_stream_bytes")
        os.close(fd)  # the type and size are checked; SQLite opens the resolved path itself
        real = self._real(confined)
        wal = self.at(f"{confined.relative}-wal")
        wal_kind = self.kind(wal)
        if wal_kind == "outside the deployment":
            raise InputRefused(
                "is a symbolic link that leaves the deployment; it was not read", wal.relative
            )
        if wal_kind not in ("missing", "file"):
            raise InputRefused(f"is {wal_kind}, not a regular file; it was not read", wal.relative)
        if wal_kind == "file" and os.stat(self._real(wal)).st_size > 0:
            return self._sqlite_with_wal(confined, wal)
        uri = "file:" + urllib.parse.quote(real) + "?mode=ro&immutable=1"
        try:
            return sqlite3.connect(uri, uri=True)
        except sqlite3.Error as exc:
            raise UnreadableInput(
                f"not a readable SQLite database ({exc})", confined.relative
            ) from exc

    def _sqlite_with_wal(self, database: ConfinedPath, wal: ConfinedPath) -> sqlite3.Connection:
        scratch = tempfile.TemporaryDirectory(prefix="live-gate-sqlite-")
        try:
            copy = os.path.join(scratch.name, "db.sqlite")
            for source, target in ((database, copy), (wal, copy + "-wal")):
                fd, _ = self._open(source, self.limits.max_stream_bytes, "max_stream_bytes")
                with os.fdopen(fd, "rb") as handle, open(target, "wb") as out:
                    shutil.copyfileobj(handle, out, 1 << 20)
            connection = sqlite3.connect(copy, factory=_ScratchConnection)
            connection.scratch = scratch
            # applies the WAL now: a WAL SQLite cannot use is an unreadable database
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            connection.execute("PRAGMA query_only = ON")
            return connection
        except sqlite3.Error as exc:
            scratch.cleanup()
            raise UnreadableInput(
                f"not a readable SQLite database with its WAL ({exc})", database.relative
            ) from exc
        except BaseException:
            scratch.cleanup()
            raise

    # ------------------------------------------------------------------ listings

    def listing(
        self,
        directory: ConfinedPath,
        out: Findings | None,
        *,
        accept: Callable[[str], bool] = lambda name: True,
        want: str = "file",
        recursive: bool = False,
        skip: tuple[str, ...] | None = None,
    ) -> list[ConfinedPath]:
        """Entries of ``directory`` whose name ``accept`` admits, sorted by relative path.

        Entries that are symbolic links leaving the deployment, or not of the kind wanted
        (``file`` or ``dir``), are never returned: each becomes a blocker finding in ``out`` (or
        raises :class:`InputRefused` when ``out`` is None), so a listing can never silently
        shrink to what a hostile deployment wants judged. ``skip`` names the kinds left out
        silently instead (default: sub-folders of a file listing, files of a folder listing);
        ``skip=()`` refuses a folder
        named like a log, ``skip=("file",)`` lets a folder listing pass over files beside them.
        The same holds for ``directory`` itself: a missing folder lists as nothing, but one that
        leaves the deployment or is not a folder is refused.
        """
        # by default a sub-folder is no candidate for a file listing, nor a file for a folder
        # listing: neither is refused
        skipped = (("dir",) if want == "file" else ("file",)) if skip is None else skip
        kind = self.kind(directory)
        if kind != "dir":
            if kind != "missing":  # a folder that is a link out, a FIFO, a file: never silent
                refused = InputRefused(
                    f"is {'a regular file' if kind == 'file' else kind}, not a folder; "
                    "it was not read"
                    if kind != "outside the deployment"
                    else "is a symbolic link that leaves the deployment; it was not read",
                    directory.relative,
                )
                if out is None:
                    raise refused
                out.refused(refused)
            return []
        real_dir = self._real(directory)
        found: list[ConfinedPath] = []
        count = 0
        stack = [(Path(directory.path), real_dir)]
        # a folder reached again through a link (``loop -> .``, ``up -> ..``) is not listed twice:
        # a link cycle would otherwise be walked until the entry cap, on ever longer paths
        visited = {real_dir}
        while stack:
            lexical_dir, real = stack.pop()
            try:
                entries = sorted(os.scandir(real), key=lambda e: e.name)
            except OSError as exc:
                raise UnreadableInput(
                    f"cannot list: {exc.strerror}", self.relative(lexical_dir)
                ) from exc
            for entry in entries:
                count += 1
                if count > self.limits.max_listing_entries:
                    raise InputRefused(
                        "holds more entries than the policy's cap "
                        f"input_limits.max_listing_entries = {self.limits.max_listing_entries}",
                        directory.relative,
                    )
                lexical = lexical_dir / entry.name
                confined = ConfinedPath(lexical, self.relative(lexical))
                kind = self.kind(confined)
                if recursive and kind == "dir":
                    real_sub = os.path.realpath(lexical)
                    if real_sub not in visited:
                        visited.add(real_sub)
                        stack.append((lexical, real_sub))
                    if want != "dir" or not accept(entry.name):
                        continue
                if not accept(entry.name):
                    continue
                if kind == want:
                    found.append(confined)
                    continue
                if kind in skipped:
                    continue  # e.g. a sub-folder is no candidate for a file listing
                problem = InputRefused(
                    f"is {_KIND_NAMES.get(kind, kind)}, not a "
                    f"{'regular file' if want == 'file' else 'folder'}; "
                    "it was not read"
                    if kind != "outside the deployment"
                    else "is a symbolic link that leaves the deployment; it was not read",
                    confined.relative,
                )
                if out is None:
                    raise problem
                out.refused(problem)
        return sorted(found, key=lambda c: c.relative)


_KIND_NAMES = {"dir": "a folder", "file": "a regular file"}


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def describe(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)
