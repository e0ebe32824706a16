"""Find candidate symbols in a text.

A Vietnamese document symbol is a number followed by codes:

=====================  =========================  ==========================
form                   example                    parts
=====================  =========================  ==========================
number/year/codes      ``60/2021/NĐ-CP``          type NĐ, issuer CP
                       ``59/2020/QH14``           a law: issuer QH14 only
number/codes           ``4288/QĐ-UBND``           type QĐ, issuer UBND
                       ``157/SKHCN-VP``           no type part: SKHCN, VP
number-type/issuer     ``17-CT/TU``               Party documents
=====================  =========================  ==========================

This module only finds where such a thing is written and splits it into raw
parts. It scans the text as given (one compiled regex, no copy of the text),
tolerating OCR damage: ``Đ`` as ``Ð``, en dashes, spaces and line breaks
around separators, a doubled slash, ``O``/``l`` in numbers, a code glued to
the next word as in ``NB-CPngay``. Deciding what the parts mean is :mod:`extractors.resolve`'s job.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Spaces, and at most one line break, may surround a separator in OCR'd text.
_GAP = r"[ \u00a0]?(?:\n[ \u00a0]?)?"
_NUMBER = r"(?:[0-9][0-9OolI]{0,5}|[OolI][0-9][0-9OolI]{0,4})"
_YEAR = r"(?:19|20)[0-9OolI]{2}"
# A code: capitals and digits (Đ as OCR writes it too), maybe a lower-case tail
# (TTg, CTr) — or a glued word, trimmed later.
_CAPITAL = "A-Z\u0110\u00d0\u0189"  # A-Z, Đ, Ð (eth), Ɖ (African D)
_CODE = rf"[{_CAPITAL}][{_CAPITAL}0-9]*[a-z\u0111]*"
_HYPHEN = rf"{_GAP}[-\u2010-\u2015\u2212]{_GAP}"
_SLASH = rf"{_GAP}[/\u2044\u2215]{{1,2}}{_GAP}"

SYMBOL = re.compile(
    rf"""
    (?=[0-9OolI])                                    # (lets the engine skip to digits fast)
    (?<![\w/.,-])(?<!\d:)                             # not inside a number, date, code or 9001:2015
    (?P<number>{_NUMBER})
    (?:
        -(?P<party_type>{_CODE})/(?P<party_issuer>{_CODE})   # 17-CT/TU
      | {_SLASH}(?:(?P<year>{_YEAR}){_SLASH})?
        (?P<codes>{_CODE}(?:{_HYPHEN}{_CODE})*)              # NĐ-CP, SKHCN-VP, QH14
    )
    """,
    re.VERBOSE,
)

_CODE_SPLIT = re.compile(_HYPHEN)


@dataclass(frozen=True)
class Candidate:
    """A raw symbol found in the text: offsets and parts exactly as written."""

    start: int
    end: int
    number: str
    year: str | None
    codes: tuple[tuple[str, int, int], ...]  # (code, start, end) in the text
    party: bool


def find_candidates(text: str) -> list[Candidate]:
    """Every place in ``text`` shaped like a symbol, in text order."""
    found = []
    for m in SYMBOL.finditer(text):
        if m["party_type"]:
            codes = ((m["party_type"], m.start("party_type"), m.end("party_type")),
                     (m["party_issuer"], m.start("party_issuer"), m.end("party_issuer")))
        else:
            codes, pos = [], m.start("codes")
            parts = _CODE_SPLIT.split(m["codes"])
            for part in parts:
                start = text.index(part, pos)
                codes.append((part, start, start + len(part)))
                pos = start + len(part)
            codes = tuple(codes)
        found.append(Candidate(m.start(), m.end(), m["number"], m["year"], codes, bool(m["party_type"])))
    return found
