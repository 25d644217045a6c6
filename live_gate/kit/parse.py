"""Parsing what the kit read: JSON with bounded nesting and no silent NaN, errors with lines.

``NaN`` and ``Infinity`` are valid for Python's ``json`` (and for the bot, which writes them with
``json.dumps``), but every comparison with them is false, so a NaN model error or drawdown would
pass every threshold. The gate reads them as :class:`NonFinite`, which is not a number: any check
or JSON Schema that wants a number reports the field. This is stricter than the bot on purpose
(README "Where the gate is stricter than the bot").
"""

from __future__ import annotations

import json
import math
from typing import Any

from live_gate.errors import UnreadableInput

BOM = b"\xef\xbb\xbf"


class NonFinite:
    """NaN or ±Infinity read from a file: kept visible, never a number."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def _non_finite(text: str) -> NonFinite:
    return NonFinite(text)


def _finite_float(text: str) -> float | NonFinite:
    value = float(text)
    return value if math.isfinite(value) else NonFinite(text)  # 1e999 is infinity


# One decoder for every document (``json.loads`` with hooks builds a new one per call, a tenth of
# the time of a short JSON line). Decoders keep no state between calls: the stdlib shares one.
_DECODER = json.JSONDecoder(parse_constant=_non_finite, parse_float=_finite_float)


def too_deep(value: Any, limit: int) -> bool:
    """Whether containers nest deeper than ``limit`` (iterative: no recursion to exhaust)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def parse_json(data: bytes, file: str, *, max_nesting: int, line: int | None = None) -> Any:
    """A JSON document as the bot reads it (``json.loads`` of UTF-8 text), bounded.

    Raises :class:`UnreadableInput` naming the file and the line for text that is not UTF-8,
    starts with a byte order mark (the bot's ``json.loads`` refuses it), is not JSON, or nests
    deeper than ``max_nesting``.
    """
    if data.startswith(BOM):
        raise UnreadableInput(
            "starts with a UTF-8 byte order mark, which the bot's JSON reader refuses",
            file,
            line or 1,
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = line or data[: exc.start].count(b"\n") + 1
        raise UnreadableInput(f"not UTF-8 text (byte {exc.start})", file, where) from exc
    try:
        value = _DECODER.decode(text)  # json.loads without the per-call decoder; BOM is above
    except json.JSONDecodeError as exc:
        where = line or exc.lineno
        raise UnreadableInput(
            f"not valid JSON: {exc.msg} (column {exc.colno})", file, where
        ) from exc
    except RecursionError as exc:
        raise UnreadableInput(
            f"nests deeper than the policy's cap input_limits.max_nesting = {max_nesting}",
            file,
            line,
        ) from exc
    # a document deeper than the cap needs more opening brackets than the cap: count first
    if data.count(b"[") + data.count(b"{") > max_nesting and too_deep(value, max_nesting):
        raise UnreadableInput(
            f"nests deeper than the policy's cap input_limits.max_nesting = {max_nesting}",
            file,
            line,
        )
    return value
