"""The bundled reference deployment: complete, in the bot's real formats, GO by construction.

The builder (``live_gate.reference.builder``, the largest module of the package) is imported only
when a reference deployment is built: a run that judges a deployment it was given never needs it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

REFERENCE_LIVE_ENV = "binance_live"
REFERENCE_PAPER_ENV = "binance_paper"

__all__ = ["REFERENCE_LIVE_ENV", "REFERENCE_PAPER_ENV", "build"]


def build(target: Path, as_of: datetime) -> Path:
    """Write the reference deployment into ``target`` (``live_gate.reference.builder.build``)."""
    from live_gate.reference import builder

    return builder.build(target, as_of)
