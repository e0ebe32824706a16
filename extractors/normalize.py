"""Fold short pieces of text for OCR-tolerant comparison.

Words around a citation come in many dresses: "Kế hoạch", "Ké hoach",
"KE HOACH"; "ngày", "ngdy"; "tỉnh Nghệ An", "tinh Nghé An". The context
readers compare them *folded*: accent-free (``Đ``/``Ð`` → ``d``), dashes as
``-``, odd spaces as `` ``, lower case. Folding is only ever applied to small
windows and to vocabulary; offsets always come from the unfolded text, so no
offset map is needed (see :mod:`extractors.find`).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_MARKS = "\u0300-\u036f\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_COMBINING = re.compile(f"[{_MARKS}]")
_OTHER = re.compile(f"[^\x00-\x7f{_MARKS}]")  # neither ASCII nor a combining mark


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


def has_combining_marks(text: str) -> bool:
    """Is ``text`` (partly) decomposed, accents stored as separate combining marks?"""
    return _COMBINING.search(text) is not None


def fold(text: str) -> str:
    """Accent-free, case kept (not offset-preserving)."""
    if text.isascii():
        return text.replace("\t", " ")
    # Decomposing and dropping the marks is much faster than a character-by-character
    # table; the table is only needed for what is left (dashes, odd spaces, Ð …).
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    if _OTHER.search(text) is None:  # (the common case: letters and their marks; the marks dropped at once)
        return text.encode("ascii", "ignore").decode("ascii")
    text = _COMBINING.sub("", text)
    # What is left is rare (a dash, an odd space, Ð): replaced where found, faster than translating it all.
    return text if text.isascii() else _OTHER.sub(_fold_char, text)


def _fold_char(m: re.Match) -> str:
    ch = m.group()
    return _fold_table().get(ord(ch), ch)


def fold_lower(text: str) -> str:
    """Accent-free lower case, for comparing words (not offset-preserving on NFD input)."""
    return fold(text).lower()


def folded(text: str) -> str:
    """``text`` folded (accent-free, lower case) character for character, so that offsets hold."""
    out = fold_lower(text)
    # (equal lengths can hide a shift: marks stored apart dropped, a Hangul syllable split in jamo)
    if len(out) == len(text) and (out.isascii() or not has_combining_marks(text)):
        return out
    return "".join((f[0] if f else "\x00") for f in map(fold_lower, text))
