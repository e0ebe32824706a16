"""Fold text for matching, keeping a map back to the original offsets.

OCR and typing put the same symbol in many dresses: ``NĐ-CP``, ``ND-CP``,
``NÐ-CP`` (an Icelandic eth), ``QĐ–UBND`` with an en dash. The finders work on
a *folded* copy where each letter loses its diacritics (``Đ``/``Ð`` → ``D``),
dashes become ``-`` and odd spaces become `` ``; case is kept, because symbol
codes are case-sensitive (``TTg``).

Folding is one character for one character for text in NFC, which is what
readers produce, so offsets are shared and no map is needed: that is the fast
path. Text holding combining marks (NFD) folds by dropping the marks, and then
:class:`Folded` keeps the map back to the original.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_COMBINING = re.compile(r"[\u0300-\u036f\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in list(range(0x00C0, 0x0250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        base = unicodedata.normalize("NFD", ch)[0]
        if base != ch and base.isascii() and base.isalpha():
            table[cp] = base
    table.update({ord("Đ"): "D", ord("đ"): "d", ord("Ð"): "D", ord("ð"): "d", ord("Ɖ"): "D"})
    for dash in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212":
        table[ord(dash)] = "-"
    for space in "\u00a0\u2002\u2003\u2007\u2009\u200a\u202f\u3000\t":
        table[ord(space)] = " "
    table[ord("\u2044")] = "/"  # fraction slash
    table[ord("\u2215")] = "/"  # division slash
    return table


@dataclass(frozen=True)
class Folded:
    """The folded text, and how to get back to the original's offsets."""

    text: str
    original: str
    _starts: tuple[int, ...] | None = None  # folded index → original index (slow path only)

    def start(self, i: int) -> int:
        """Original offset of folded offset ``i`` (a span start)."""
        if self._starts is None:
            return i
        return self._starts[i] if i < len(self._starts) else len(self.original)

    def end(self, j: int) -> int:
        """Original offset of folded end ``j`` (exclusive): takes trailing combining marks along."""
        return self.start(j)


def fold(text: str) -> Folded:
    """Fold ``text`` for matching (see module docstring)."""
    folded = text.translate(_fold_table())
    if not _COMBINING.search(text):
        return Folded(folded, text)
    # Slow path: decomposed input. Drop the marks and remember where each kept char came from.
    chars: list[str] = []
    starts: list[int] = []
    for i, ch in enumerate(folded):
        if _COMBINING.match(ch):
            continue
        chars.append(ch)
        starts.append(i)
    return Folded("".join(chars), text, tuple(starts))


def has_combining_marks(text: str) -> bool:
    """Is ``text`` (partly) decomposed, accents stored as separate combining marks?"""
    return _COMBINING.search(text) is not None


def fold_lower(text: str) -> str:
    """Accent-free lower case, for comparing words (not offset-preserving on NFD input)."""
    return _COMBINING.sub("", text.translate(_fold_table())).lower()
