"""Reports' texts, read again from their source files to show them highlighted.

The graph keeps offsets, not texts. A page shows a report's text only when
its file is still where it was ingested and still the same text: its SHA-256
must equal the stored ``lkg:contentHash``, so the offsets hold and nothing
that was not ingested is ever shown. The server runs no OCR (a scan's text is
not read again), reads at most :attr:`Texts.max_bytes` per file, two files at
a time, and keeps recent texts in memory.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path

from extractors.context import sentence_end, sentence_start
from kg import readers
from kg.model import Text
from kg.render import highlight

__all__ = ["Texts", "Unavailable", "sentence", "marked", "excerpt"]


class Unavailable(Exception):
    """A report's text cannot be shown; the message says why, for a reader of the page."""


class Texts:
    """Source texts by file, checked against their content hash; thread-safe."""

    def __init__(self, max_bytes: int = 16 * 1024 * 1024, cache_chars: int = 32 * 1024 * 1024, readers_at_once: int = 2):
        self.max_bytes = max_bytes
        self.cache_chars = cache_chars
        self._cache: OrderedDict[tuple, Text | Unavailable] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._reading = threading.BoundedSemaphore(readers_at_once)

    def get(self, source: str | None, content_hash: str | None) -> Text:
        """The text of ``source`` if it is still the one ingested (:class:`Unavailable` otherwise)."""
        if not source or "://" in source or not os.path.isabs(source):
            raise Unavailable(f"the report was read from {source or 'standard input'}, not a file on this server")
        try:
            st = os.stat(source)
        except OSError:
            raise Unavailable(f"{source} is no longer on this server") from None
        key = (source, st.st_size, st.st_mtime_ns, content_hash)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
        if found is None:
            found = self._read(source, content_hash)
            size = len(found.content) if isinstance(found, Text) else 100
            with self._lock:
                self._cache[key] = found
                self._size += size
                while self._size > self.cache_chars and len(self._cache) > 1:
                    _, old = self._cache.popitem(last=False)
                    self._size -= len(old.content) if isinstance(old, Text) else 100
        if isinstance(found, Unavailable):
            raise found
        return found

    def _read(self, source: str, content_hash: str | None) -> Text | Unavailable:
        limits = readers.Limits(max_bytes=self.max_bytes, ocr_timeout=0)  # no OCR on the server
        with self._reading:
            try:
                text = readers.read(Path(source), limits=limits)
            except (readers.ReadError, readers.UnsupportedFormat) as e:
                return Unavailable(f"{source} cannot be read again here ({e.reason}; the server does not run OCR)")
        if text.content_hash != content_hash:
            return Unavailable(f"{source} has changed since it was ingested: its text is not shown, as the "
                               "offsets in the graph belong to the text that was ingested")
        return text


def sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the sentence around ``text[start:end]``, as the extractor cuts sentences
    (without the spaces and line breaks at its ends)."""
    lo, hi = sentence_start(text, start), max(end, sentence_end(text, end))
    while lo < start and text[lo].isspace():
        lo += 1
    while hi > end and text[hi - 1].isspace():
        hi -= 1
    return lo, hi


def marked(text: str, marks: list[tuple[int, int, str, str]], region: tuple[int, int] | None = None,
           region_tags: tuple[str, str] = ('<span class="hl" id="hl">', "</span>")) -> str:
    """``text`` as HTML with ``marks`` (in order, not overlapping: see kg.render.highlight) and
    ``region`` wrapped in ``region_tags`` around them (widened so that it cuts no mark)."""
    if region is None:
        return highlight(text, marks)
    start, end = max(0, region[0]), min(len(text), region[1])
    for s, e, *_ in marks:
        if s < start < e:
            start = s
        if s < end < e:
            end = e
    parts = []
    for lo, hi in ((0, start), (start, end), (end, len(text))):
        inside = [(s - lo, e - lo, o, c) for s, e, o, c in marks if lo <= s and e <= hi]
        parts.append(highlight(text[lo:hi], inside))
    return parts[0] + region_tags[0] + parts[1] + region_tags[1] + parts[2]


def excerpt(text: str, start: int, end: int, marks: list[tuple[int, int, str, str]]) -> str:
    """The sentence around ``text[start:end]`` as HTML, with the ``marks`` inside it; the line
    breaks of a hard-wrapped scan become spaces (one for one, so the offsets hold)."""
    lo, hi = sentence(text, start, end)
    return highlight(text[lo:hi].replace("\n", " "),
                     [(s - lo, e - lo, o, c) for s, e, o, c in marks if lo <= s and e <= hi])
