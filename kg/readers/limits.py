"""What one file may cost to read: bytes, unpacked bytes, pages, OCR time.

Every limit is decided on the parsed container (the file's size, a ZIP's
central directory, a PDF's page tree, an image's frames) before the costly
work starts, except OCR time, which is a budget spent page by page.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from .errors import Unreadable

__all__ = ["Limits", "OcrBudget"]

MB = 1_000_000


@dataclass(frozen=True)
class Limits:
    """Per-file limits, each with a safe default (the CLI's ``--max-…`` options)."""

    #: Largest file read, in bytes.
    max_bytes: int = 64 * MB
    #: Largest total a ZIP-based document (DOCX, ODT) may unpack to, in bytes,
    #: as its central directory declares (zipfile never inflates past that).
    max_unpacked: int = 64 * MB
    #: Most pages (PDF pages, image frames) read from one file.
    max_pages: int = 1000
    #: Seconds of OCR spent on one file, all its pages together.
    ocr_timeout: float = 600.0

    def check_pages(self, pages: int, what: str) -> None:
        if pages > self.max_pages:
            raise Unreadable(f"{what} has {pages:,} pages (> {self.max_pages:,} limit, --max-pages)")

    def check_unpacked(self, size: int, what: str) -> None:
        if size > self.max_unpacked:
            raise Unreadable(f"{what} unpacks to {size / MB:,.1f} MB "
                             f"(> {self.max_unpacked / MB:,.1f} MB limit, --max-unpacked)")


class OcrBudget:
    """The OCR time left for one file; :meth:`left` refuses once it is spent."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def left(self, page: int | None = None, pages: int | None = None) -> float:
        """Seconds left for the next page (raises :class:`Unreadable` when none)."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self.spent(page, pages)
        return left

    def spent(self, page: int | None = None, pages: int | None = None) -> Unreadable:
        where = f" (at page {page:,} of {pages:,})" if page and pages else ""
        return Unreadable(f"OCR took longer than {self.seconds:g} s{where} (limit, --ocr-timeout)")
