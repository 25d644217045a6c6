"""JSON lines, streamed: the bot's audit logs and ledgers are one compact object per line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from live_gate.resources.deployment import UnreadableInput


def json_lines(path: Path, relative: str) -> Iterator[tuple[int, Any, str | None]]:
    """``(line number, parsed value or None, problem or None)`` for every non-blank line."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise UnreadableInput(f"cannot read: {exc.strerror}", relative) from exc
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                yield number, json.loads(raw.decode("utf-8")), None
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                yield number, None, f"not JSON ({exc})"
