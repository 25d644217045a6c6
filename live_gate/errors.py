"""Errors every layer shares (here so that the file kit, the resources and the checks need not
import each other to raise them)."""

from __future__ import annotations


class UnreadableInput(Exception):
    """An input the gate must read cannot be read or parsed: always NO-GO."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.file and self.line else (self.file or "")
        return f"{where}: {self.message}" if where else self.message
