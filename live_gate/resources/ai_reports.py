"""AI decision audit reports (``bot_core/ai/audit.py``, FORMATS.md §2.1).

"Latest" is chosen as the bot chooses it: the greatest file *name* among the regular ``*.json``
files (suffix case-insensitive) of ``<audit root>/<kind>/``; not the newest mtime, not the newest
``generated_at``. Unlike the bot's loader, nothing is ever created, and the listing is the kit's:
an entry that is a symbolic link leaving the deployment, a FIFO or anything else but a regular
file is a finding, never a candidate. Stricter than the bot on purpose: a report whose *name* is
a ``%Y%m%dT%H%M%SZ`` instant after the evaluation instant (plus the clock skew) is a finding too,
and never the latest (a future-dated copy would otherwise win every comparison of names).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from live_gate.kit.files import DeploymentFiles
from live_gate.kit.schemas import first_error
from live_gate.paths import ConfinedPath

if TYPE_CHECKING:
    from live_gate.findings import Findings

KINDS = ("walk_forward", "data_quality", "drift")
NAME_FORMAT = "%Y%m%dT%H%M%SZ"  # bot_core/ai/audit.py _persist_report


@dataclass(frozen=True)
class AiReport:
    kind: str
    relative: str
    data: dict[str, Any]


def is_report_name(name: str) -> bool:
    return name.lower().endswith(".json")


def name_instant(name: str) -> datetime | None:
    """The instant a report's name states, when it is the bot's ``<%Y%m%dT%H%M%SZ>.json``."""
    try:
        return datetime.strptime(name[: -len(".json")], NAME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


@dataclass(frozen=True)
class Candidates:
    """The reports of one kind: those that may be the latest, and those named after the
    evaluation instant (never the latest)."""

    usable: list[ConfinedPath]
    from_future: list[tuple[ConfinedPath, datetime]]

    def latest(self) -> ConfinedPath | None:
        return max(self.usable, key=lambda c: c.relative.rsplit("/", 1)[-1], default=None)


def candidates(
    files: DeploymentFiles,
    folder: ConfinedPath,
    out: Findings,
    *,
    as_of: datetime,
    skew: timedelta,
) -> Candidates:
    usable: list[ConfinedPath] = []
    future: list[tuple[ConfinedPath, datetime]] = []
    for entry in files.listing(folder, out, accept=is_report_name):
        stated = name_instant(entry.relative.rsplit("/", 1)[-1])
        if stated is not None and stated > as_of + skew:
            future.append((entry, stated))
        else:
            usable.append(entry)
    return Candidates(usable, future)


def schema_problem(kind: str, data: Any) -> tuple[str, str] | None:
    """``(JSON path, message)`` of the first way ``data`` is not a report of ``kind``."""
    if not isinstance(data, dict):
        return "$", "the top level is not a JSON object"
    return first_error(f"ai_{kind}", data)
