"""The bundled reference deployment: complete, in the bot's real formats, GO by construction."""

from live_gate.reference.builder import REFERENCE_LIVE_ENV, REFERENCE_PAPER_ENV, build

__all__ = ["REFERENCE_LIVE_ENV", "REFERENCE_PAPER_ENV", "build"]
