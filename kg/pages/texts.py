"""Reports' texts, read again from their source files to show them highlighted.

The graph keeps offsets, not texts, and a report's source as a label: its
path from the parent of the folder given to ``kg ingest`` (``archive/2023/a.pdf``).
The server looks for that file under the folders it is told the archives are
in (``kg serve --texts``) and shows the text only when it is still the one
ingested: its SHA-256 must equal the stored ``lkg:contentHash``, so the
offsets hold and nothing that was not ingested is ever shown. It runs no OCR
(a scan's text is not read again), reads at most :attr:`Texts.max_bytes` a
file, two files at a time, and keeps recent texts in memory.
"""
from __future__ import annotations

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
    """Source texts by label, found under ``roots`` and checked against their content hash; thread-safe."""

    def __init__(self, roots=(".",), max_bytes: int = 16 * 1024 * 1024, cache_chars: int = 32 * 1024 * 1024,
                 readers_at_once: int = 2):
        self.roots = [Path(root).resolve() for root in roots]
        self.max_bytes = max_bytes
        self.cache_chars = cache_chars
        self._cache: OrderedDict[tuple, Text | Unavailable] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._reading = threading.BoundedSemaphore(readers_at_once)

    def find(self, label: str) -> Path | None:
        """The file a source label names under one of the roots: ``ROOT/label``, or ``ROOT/rest`` when
        the label starts with the root's own name (``--texts /srv/archive`` for ``archive/…``)."""
        parts = Path(label).parts
        if not parts or Path(label).is_absolute() or ".." in parts:
            return None
        for root in self.roots:
            for candidate in (root.joinpath(*parts), root.joinpath(*parts[1:]) if parts[0] == root.name else None):
                if candidate is not None and candidate.is_file():
                    return candidate
        return None

    def get(self, source: str | None, content_hash: str | None) -> Text:
        """The text of the report read from ``source`` if it is still the one ingested
        (:class:`Unavailable` otherwise)."""
        if not source or source == "-" or "://" in source:
            raise Unavailable(f"the report was read from {source or 'standard input'}, not from a file")
        path = self.find(source)
        if path is None:
            where = ", ".join(str(root) for root in self.roots)
            raise Unavailable(f"{source} is not in the folders this server reads texts from ({where}; "
                              "kg serve --texts)")
        try:
            st = path.stat()
        except OSError:
            raise Unavailable(f"{source} is no longer there") from None
        key = (str(path), st.st_size, st.st_mtime_ns, content_hash)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
        if found is None:
            found = self._read(path, source, content_hash)
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

    def _read(self, path: Path, source: str, content_hash: str | None) -> Text | Unavailable:
        limits = readers.Limits(max_bytes=self.max_bytes, ocr_timeout=0)  # no OCR on the server
        with self._reading:
            try:
                text = readers.read(path, limits=limits)
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
