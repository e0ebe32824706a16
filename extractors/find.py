"""Find candidate symbols in a text: one regex scan, tolerant of OCR damage (docs/extraction.md)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

# Spaces, and at most one line break, may surround a separator in OCR'd text.
_GAP = r"[ \u00a0]?(?:\n[ \u00a0]?)?"
_NUMBER = r"(?:[0-9][0-9OolI]{0,5}|[OolI][0-9][0-9OolI]{0,4})"
# A year, maybe with a space OCR put between its digits ("201 1") or letters for digits ("2O21").
_YEAR = r"(?:[1lI]9|2[0Oo])(?:[ ]?[0-9OolI]){2}"
# A code: capitals and digits (Đ as OCR writes it too), maybe a lower-case tail
# (TTg, CTr) — or a glued word, trimmed later.
_CAPITAL = "A-Z\u0110\u00d0\u0189"  # A-Z, Đ, Ð (eth), Ɖ (African D)
# What OCR may read for a hyphen between two codes, glued to both: a dot ("QĐ.UBND"), a quote
# ("CT“TTg"). Whether it stands for one is for resolve to decide.
QUOTES = "\u201c\u201d\"'\u2018\u2019"
READ_FOR_HYPHEN = "." + QUOTES
# Inside a code: an l or o read for a digit (QHl5), a lower-case letter between
# capitals (GDTrH), a dot between capitals (V.I) or what else may be read for a hyphen,
# an ampersand joining two fields (BNN&PTNT; "<" where a web page mangled it).
_CODE = rf"[{_CAPITAL}](?:[{_CAPITAL}0-9]|[lIo](?=[0-9])|[a-z&<{READ_FOR_HYPHEN}](?=[{_CAPITAL}]))*[a-z\u0111]*"
# After a single space, a fragment OCR may have split off a code ("N D-CP",
# "STT TT-VP", "TT g", "SNV CCHC", "ND CPcua"): capitals or lower-case letters,
# maybe glued to the next word ("TT gngay"). Whether it belongs to the symbol is
# for resolve to decide.
_FRAGMENT = rf"[{_CAPITAL}][{_CAPITAL}0-9]*[a-z]*"
_SPACE = "[ \u00a0]"  # one space between a code and a fragment OCR split off (a no-break one too)
_TAIL = rf"{_SPACE}[a-z]+(?![^\W\d_])"  # at most one lower-case fragment, a whole word, and only last
# A hyphen, or what OCR read for one before a code: a dash, an underscore ("TT_BTC"); after
# one that ends a line, OCR may also leave a blank line before the rest ("NĐ-\n\nCP").
_DASH = r"[-_\u2010-\u2015\u2212]"
_BREAK = r"[ \u00a0]?(?:\n[ \u00a0]?){0,2}"  # (a blank line counts as one break)
_HYPHEN = rf"{_GAP}{_DASH}(?:[.,](?=[{_CAPITAL}]))?{_BREAK}"  # (a speck OCR left after it: "SNV-.CCVC")
# After the number of a Party symbol: a hyphen, or a dot or quote OCR read for one ("30.KH/TU").
_PARTY_HYPHEN = rf"(?:{_DASH}|[{READ_FOR_HYPHEN}](?=[{_CAPITAL}][A-Za-z{_CAPITAL}]*/))"
_SLASH = rf"{_GAP}[/\u2044\u2215]{{1,2}}{_GAP}"
_YEAR_SLASH = rf"{_GAP}[/\u2044\u2215]{{1,2}}{_BREAK}"  # after the year, a blank line too ("2023/\n\nNĐ-CP")
# After a space, the digits of a family's code OCR split off ("QH 14"), not a number that opens the next
# symbol ("… VA NGHI DINH SO 96/2010"): whether they belong is for resolve.
_DIGITS = rf"{_SPACE}[0-9]{{1,2}}(?!\w|{_GAP}(?:[/\u2044\u2215]|{_DASH}))"
# After a line break, the issuer's code of a type whose hyphen OCR lost at the line's end
# ("01/2018/TT\nVPCP"): whether it belongs is for resolve.
_WRAPPED = rf"\n[{_CAPITAL}][{_CAPITAL}0-9]+(?![^\W\d_])"

SYMBOL = re.compile(
    rf"""
    (?=[0-9OolI])                                    # (lets the engine skip to digits fast)
    (?<![\w/.,-])(?<!\d:)                             # not inside a number, date, code or 9001:2015
    (?P<number>{_NUMBER})
    (?:
        {_PARTY_HYPHEN}(?P<party>{_CODE}(?:{_SPACE}{_FRAGMENT}|{_TAIL})?(?:/{{1,2}}{_CODE}(?:{_SPACE}{_FRAGMENT}|{_TAIL}|{_DASH}{_CODE})?)?)  # 17-CT/TU, 84-CP, 186-KH/TĐTN-TNNT
      | {_SLASH}(?:(?P<year>{_YEAR}){_YEAR_SLASH})?
        (?P<codes>{_CODE}(?:{_HYPHEN}{_CODE}|{_SPACE}{_FRAGMENT}|{_DIGITS}|/{_CODE}|{_WRAPPED})*(?:{_TAIL})?)  # NĐ-CP, SKHCN-VP, QH14, TTLT/BCA
    )
    """,
    re.VERBOSE,
)

# One code of the codes group, with what separates it from the one before.
_PART = re.compile(rf"(?P<sep>{_HYPHEN}|(?P<space>{_SPACE})|(?P<slash>/{{1,2}})|(?P<wrap>\n))?(?P<code>[^\s/\-_\u2010-\u2015\u2212]+)")

HYPHEN, SPACE, SLASH, WRAP = "-", " ", "/", "\n"  # what may come before a code (the first has nothing)


class Code(NamedTuple):
    """One code of a symbol as written, where it starts within the codes as
    written, and what separates it from the code before: "" (none, the first),
    :data:`HYPHEN`, :data:`SPACE`, :data:`SLASH` or :data:`WRAP` (a line break)."""

    text: str
    start: int
    sep: str = ""


def split_codes(codes: str) -> list[Code]:
    """The codes of a symbol's codes part, offsets relative to its start."""
    found, at = [], 0
    for separator, space, slash, wrap, code in _PART.findall(codes):  # one after another, from the start
        at += len(separator)
        found.append(Code(code, at, SPACE if space else SLASH if slash else WRAP if wrap else HYPHEN if separator else ""))
        at += len(code)
    return found


def find_candidates(text: str) -> Iterator[re.Match]:
    """Every place in ``text`` shaped like a symbol, in text order: :data:`SYMBOL` matches.

    A candidate's groups, in this order (``m.groups()``): ``number``, ``party``
    (the codes of a Party document, ``CT/TU``), ``year`` and ``codes`` (everything
    after the number and year as written: ``NĐ-CP``, ``SKHCN-V P``); the codes
    (or Party codes) close the match. :func:`split_codes` cuts them into :class:`Code` s.
    """
    return SYMBOL.finditer(text)
