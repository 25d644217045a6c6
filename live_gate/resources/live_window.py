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
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from live_gate.resources.deployment import Deployment, UnreadableInput

ARCHIVE_ROOT = Path("var/audit/live")
DAY = re.compile(r"^\d{8}$")


@dataclass(frozen=True)
class LiveArchive:
    path: Path
    relative: str

    def file(self, name: str) -> Path:
        return self.path / name


def newest_archive(deployment: Deployment, as_of: datetime) -> LiveArchive | None:
    root = deployment.root / ARCHIVE_ROOT
    if not root.is_dir():
        return None
    limit = as_of.strftime("%Y%m%d")
    days = sorted(p for p in root.iterdir() if p.is_dir() and DAY.match(p.name) and p.name <= limit)
    if not days:
        return None
    newest = days[-1]
    return LiveArchive(newest, newest.relative_to(deployment.root).as_posix())


def read_json(path: Path, relative: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UnreadableInput(f"cannot read: {exc.strerror}", relative) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableInput(f"not valid JSON: {exc}", relative) from exc
