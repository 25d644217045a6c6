"""AI decision audit reports (``bot_core/ai/audit.py``, FORMATS.md §2.1).

"Latest" is chosen exactly as the bot chooses it: the greatest file *name* among the regular
``*.json`` files (suffix case-insensitive) of ``<audit root>/<kind>/``; not the newest mtime,
not the newest ``generated_at``. Unlike the bot's loader, nothing is ever created.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema

from live_gate.paths import ConfinedPath
from live_gate.resources.deployment import UnreadableInput

KINDS = ("walk_forward", "data_quality", "drift")


@dataclass(frozen=True)
class AiReport:
    kind: str
    relative: str
    data: dict[str, Any]


class MalformedReport(ValueError):
    def __init__(self, relative: str, problem: str) -> None:
        super().__init__(f"{relative}: {problem}")
        self.relative = relative
        self.problem = problem


@cache
def report_validator(kind: str) -> jsonschema.Draft202012Validator:
    text = files("live_gate").joinpath(f"schemas/ai_{kind}.schema.json").read_text("utf-8")
    return jsonschema.Draft202012Validator(json.loads(text))


def latest_report_path(directory: Path) -> Path | None:
    if not directory.is_dir():
        return None
    candidates = [p for p in directory.iterdir() if p.is_file() and p.suffix.lower() == ".json"]
    return max(candidates, key=lambda p: p.name) if candidates else None


def json_path(parts: list[str | int] | Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def load_latest(root: ConfinedPath, kind: str, deployment_root: Path) -> AiReport | None:
    path = latest_report_path(root.path / kind)
    if path is None:
        return None
    relative = path.relative_to(deployment_root).as_posix()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnreadableInput(f"cannot read: {exc.strerror}", relative) from exc
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedReport(relative, f"not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise MalformedReport(relative, "the top level is not a JSON object")
    errors = sorted(report_validator(kind).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        raise MalformedReport(relative, f"at {json_path(first.absolute_path)}: {first.message}")
    return AiReport(kind=kind, relative=relative, data=data)
