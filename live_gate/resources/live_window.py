"""A closed live window (runbook §4) and its archive ``var/audit/live/<YYYYMMDD>/``.

The bot defines no layout (FORMATS.md §5.3); the gate's, written by the operator's close-out:

- ``alerts/``, ``risk_decisions.jsonl``, ``live_execution.jsonl``: the window's audit logs;
- ``migration_summary.json``: the bot's summary (FORMATS.md §5.1) plus the runbook's fields
  (``kyc_status``, ``limits``, ``alerts``, ``live_window{started_at, ended_at,
  duration_minutes}``);
- ``slo_first_hour.json`` and ``slo_window.json``: the bot's SLO evaluation
  (``bot_core/observability/slo.py``: ``results{name: {indicator, value, target, comparison,
  status, window_start, window_end, ...}}``, ``summary``) for the first 60 minutes after
  activation and for the whole window;
- ``SHA256SUMS`` (``sha256sum`` format) over every other file of the archive.

Day folders are listed through the kit: one that is a link leaving the deployment (or not a
folder) is a finding, and one dated after the evaluation instant is a finding and never "the
newest" archive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from live_gate.kit.files import DeploymentFiles, InputRefused
from live_gate.paths import ConfinedPath

if TYPE_CHECKING:
    from live_gate.findings import Findings

ARCHIVE_ROOT = "var/audit/live"
DAY = re.compile(r"^\d{8}$")


@dataclass(frozen=True)
class LiveArchive:
    folder: ConfinedPath

    @property
    def relative(self) -> str:
        return self.folder.relative

    def entry(self, name: str) -> ConfinedPath:
        """A name of the archive's layout, not yet resolved: the kit confines it when it is
        asked what it is or to read it (a link that leaves is then refused, naming it)."""
        return ConfinedPath(self.folder.path / name, f"{self.folder.relative}/{name}")


def newest_archive(
    files: DeploymentFiles, out: Findings, *, as_of: datetime, skew: timedelta
) -> LiveArchive | None:
    """The greatest day folder dated at or before the evaluation instant."""
    try:
        root = files.at(ARCHIVE_ROOT)
    except InputRefused as exc:
        out.refused(exc)
        return None
    usable = []
    for folder in files.listing(root, out, accept=lambda name: bool(DAY.match(name)), want="dir"):
        name = folder.relative.rsplit("/", 1)[-1]
        try:
            day = datetime.strptime(name, "%Y%m%d").replace(tzinfo=UTC)
        except ValueError:
            continue  # eight digits that are no date: not an archive of a day
        dated = out.instant(
            "close.archive_day",
            f"the live archive {folder.relative} (never taken as the newest)",
            day,
            as_of=as_of,
            skew=skew,
            file=folder.relative,
            field="folder name (<YYYYMMDD>)",
        )
        if dated is not None:
            usable.append(folder)
    if not usable:
        return None
    return LiveArchive(max(usable, key=lambda f: f.relative))
