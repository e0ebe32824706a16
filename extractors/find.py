"""Find candidate symbols in folded text.

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
parts, tolerating OCR damage (spaces and line breaks around separators, a
doubled slash, ``O``/``l`` in numbers, a code glued to the next word as in
``NB-CPngay``). Deciding what the parts mean is :mod:`extractors.resolve`'s job.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Spaces, and at most one line break, may surround a separator in OCR'd text.
_GAP = r"[ ]?(?:\n[ ]?)?"
_NUMBER = r"(?:[0-9][0-9OolI]{0,5}|[OolI][0-9][0-9OolI]{0,4})"
_YEAR = r"(?:19|20)[0-9OolI]{2}"
# A code: capitals and digits, maybe a lower-case tail (TTg, CTr) — or a glued word, trimmed later.
_CODE = r"[A-Z][A-Z0-9]*[a-z]*"
_HYPHEN = rf"{_GAP}-{_GAP}"
_SLASH = rf"{_GAP}/{{1,2}}{_GAP}"

SYMBOL = re.compile(
    rf"""
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
    """A raw symbol found in folded text: offsets and parts exactly as written."""

    start: int
    end: int
    number: str
    year: str | None
    codes: tuple[tuple[str, int, int], ...]  # (code, start, end) in folded text
    party: bool


def find_candidates(folded: str) -> list[Candidate]:
    """Every place in ``folded`` shaped like a symbol, in text order."""
    found = []
    for m in SYMBOL.finditer(folded):
        if m["party_type"]:
            codes = ((m["party_type"], m.start("party_type"), m.end("party_type")),
                     (m["party_issuer"], m.start("party_issuer"), m.end("party_issuer")))
        else:
            codes, pos = [], m.start("codes")
            for part in _CODE_SPLIT.split(m["codes"]):
                start = folded.index(part, pos)
                codes.append((part, start, start + len(part)))
                pos = start + len(part)
            codes = tuple(codes)
        found.append(Candidate(m.start(), m.end(), m["number"], m["year"], codes, bool(m["party_type"])))
    return found
