"""Errors raised by the readers."""
from __future__ import annotations

__all__ = ["ReadError", "UnsupportedFormat"]


class ReadError(Exception):
    """A file could not be read; ``reason`` is one human line, ``source`` the file."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class UnsupportedFormat(ReadError):
    """Not a format legal-kg reads; callers skip the file with a note."""


class Unreadable(Exception):
    """Raised inside format readers with a one-line reason; ``read`` adds the source."""
