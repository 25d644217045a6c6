"""Instants. Every freshness rule is judged at ``as_of`` (``--as-of``), never at the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime


class InvalidInstant(ValueError):
    pass


def parse_instant(text: str, *, assume_utc: bool = True) -> datetime:
    """Parse an ISO-8601 instant ('Z' accepted). Naive values are taken as UTC, as the bot does."""
    value = text.strip()
    if not value:
        raise InvalidInstant("empty timestamp")
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInstant(f"not an ISO-8601 timestamp: {text!r}") from exc
    if parsed.tzinfo is None:
        if not assume_utc:
            raise InvalidInstant(f"timestamp without a time zone: {text!r}")
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def bundle_stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
