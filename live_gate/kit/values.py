"""Plain values as a hostile file can write them: numbers that must be finite, flags that must be
booleans, instants bounded on both sides.

The bot reads its files with ``json.loads``/``yaml.safe_load`` and compares what it gets: NaN
passes every comparison, a future timestamp is never "too old", and the string ``"false"`` is
truthy. The gate never reads a value that way: each helper returns the value when it is what the
bot writes, or ``None`` and a reason (the caller turns it into a finding naming the field).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from live_gate.kit.parse import NonFinite
from live_gate.timeutil import InvalidInstant, iso, parse_instant


def finite_number(value: Any) -> float | None:
    """An int or float that is finite; never a bool, a string or NaN/±Infinity."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def is_non_finite(value: Any) -> bool:
    """NaN or ±Infinity, as the gate's readers keep it (:class:`NonFinite`) or as a float."""
    return isinstance(value, NonFinite) or (isinstance(value, float) and not math.isfinite(value))


def leaves(value: Any) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every value under ``value`` that is neither a mapping nor a list, with its path of keys
    and list indices, in document order; walked with a stack, so that no nesting a file can
    write reaches Python's recursion limit."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, dict):
            stack.extend(((*path, str(k)), x) for k, x in reversed(list(item.items())))
        elif isinstance(item, list):
            stack.extend(((*path, i), x) for i, x in reversed(list(enumerate(item))))
        else:
            yield path, item


def non_finite_paths(value: Any, root: str = "$") -> list[tuple[str, Any]]:
    """Every NaN/±Infinity under ``value``, with its path (``root.key[index]``), sorted."""
    from live_gate.kit.schemas import json_path

    found = [(json_path(path, root), leaf) for path, leaf in leaves(value) if is_non_finite(leaf)]
    return sorted(found, key=lambda pair: pair[0])


def describe_non_number(value: Any) -> str:
    if is_non_finite(value):
        return f"{value} (not a finite number)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        return f"{value!r} (a string)"
    if value is None:
        return "absent"
    return f"{value!r} ({type(value).__name__})"


def strict_bool(value: Any) -> bool | None:
    """``True``/``False`` only: the string ``"true"`` or the number ``1`` is not a boolean."""
    return value if isinstance(value, bool) else None


def describe_flag(value: Any) -> str:
    if value is None:
        return "absent"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f"{value!r} (a string, not the boolean the bot writes)"
    return f"{value!r} ({type(value).__name__}, not a boolean)"


@dataclass(frozen=True)
class InstantProblem:
    """Why an instant cannot be used: ``missing``, ``invalid``, ``in_future`` or ``stale``."""

    kind: str
    expected: str
    found: str


def read_instant(
    value: Any, tz: tzinfo | None = UTC
) -> tuple[datetime | None, InstantProblem | None]:
    """An ISO-8601 instant (or the datetime YAML makes of an unquoted one), with no bound: for
    deadlines such as ``expires_at``/``valid_until``, which lie in the future by design. Problems
    are ``missing`` or ``invalid``."""
    if value is None or value == "":
        return None, InstantProblem("missing", "an ISO-8601 timestamp", "absent")
    if isinstance(value, datetime):  # YAML reads unquoted timestamps as datetimes
        return (value if value.tzinfo else value.replace(tzinfo=tz)), None
    if isinstance(value, str):
        try:
            return parse_instant(value), None
        except InvalidInstant:
            return None, InstantProblem("invalid", "an ISO-8601 timestamp", repr(value))
    return None, InstantProblem(
        "invalid", "an ISO-8601 timestamp", f"{value!r} ({type(value).__name__})"
    )


def judge_instant(
    value: Any,
    *,
    as_of: datetime,
    skew: timedelta,
    max_age: timedelta | None = None,
) -> tuple[datetime | None, InstantProblem | None]:
    """An ISO-8601 instant no later than ``as_of + skew`` and, with ``max_age``, no older than
    ``as_of - max_age``. A future instant is a problem everywhere: an artifact dated after the
    evaluation instant cannot be evidence at that instant, and must never be "the newest"."""
    parsed, problem = read_instant(value, as_of.tzinfo)
    if parsed is None:
        return None, problem
    if parsed > as_of + skew:
        return parsed, InstantProblem(
            "in_future",
            f"at or before {iso(as_of)} (the evaluation instant, --as-of; clock skew "
            f"{skew.total_seconds():g} s)",
            iso(parsed),
        )
    if max_age is not None and as_of - parsed > max_age:
        return parsed, InstantProblem(
            "stale",
            f"on or after {iso(as_of - max_age)} (at most {_age(max_age)} old)",
            iso(parsed),
        )
    return parsed, None


def _age(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    if seconds % 86400 == 0:
        return f"{seconds / 86400:g} days"
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g} hours"
    return f"{seconds / 60:g} minutes"
