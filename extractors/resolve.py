"""Turn a raw :class:`~extractors.find.Candidate` into a canonical symbol.

Repairs what OCR and typing do to codes (``ND`` → ``NĐ``, ``QP`` → ``QĐ``,
``QHI5`` → ``QH15``, ``O5`` → ``05``, a code glued to the next word, a code
split by a space), then reads the parts: document type, issuer, national or
local. Rejects what only looks like a symbol (``01/MTK``, a form code).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .find import Candidate
from .vocab import vocabulary

# After a symbol, one or two capitals standing alone may be the rest of its last
# code, split by OCR ("157/SKHCN-V P"); or an issuer after a space for a hyphen
# ("927/QĐ TTg").
_SPLIT_TAIL = re.compile(r"[ ](?P<tail>[A-ZĐ]{1,6})(?![\w/])")
_SPACED_ISSUER = re.compile(r"[ ](?P<code>[A-ZĐ][A-Za-zĐđ0-9]*)(?![\w/])")


@dataclass(frozen=True)
class Symbol:
    """A canonical symbol and its parts; ``end`` may differ from the candidate's."""

    start: int
    end: int
    symbol: str
    number: str
    year: int | None
    doc_type: str | None  # None: no type part, the type word decides
    issuer: str
    national: bool
    law_family: bool  # QH…/UBTVQH…: Luật or Nghị quyết, the type word decides


def _fix_digits(s: str) -> str:
    return s.replace("O", "0").replace("o", "0").replace("l", "1").replace("I", "1")


def _trim_code(code: str) -> str:
    """Drop a word glued to a code (``CPngay`` → ``CP``) unless the tail belongs (``TTg``)."""
    if code.upper() == code:
        return code
    upper = re.match(r"[^a-zđ]*", code).group()
    vocab = vocabulary()
    for cut in range(len(code), len(upper), -1):
        if vocab.canonical_code(code[:cut]) is not None:
            return code[:cut]
    return upper


def resolve(c: Candidate, text: str, type_word: str | None) -> Symbol | None:
    """Canonical :class:`Symbol` for candidate ``c``, or None if it is not a citation."""
    vocab = vocabulary()
    codes: list[str] = []
    end = c.start
    for raw, _, raw_end in c.codes:
        code = _trim_code(raw)
        if not code:
            break
        codes.append(code)
        end = raw_end - (len(raw) - len(code))
        if code != raw:
            break  # the rest was a glued word, not more codes
    if not codes:
        return None

    # Repair a last code split by a space, or an issuer after a space for a hyphen.
    last = codes[-1]
    tail = _SPLIT_TAIL.match(text, end)
    if tail and vocab.canonical_code(last) is None and vocab.canonical_code(last + tail["tail"]):
        codes[-1] = last + tail["tail"]
        end = tail.end()
    elif len(codes) == 1 and not c.party and vocab.is_doc_type(vocab.canonical_code(last) or ""):
        spaced = _SPACED_ISSUER.match(text, end)
        if spaced and vocab.issuer(vocab.canonical_code(spaced["code"]) or "") is not None:
            codes.append(spaced["code"])
            end = spaced.end()

    parts = _read_codes(tuple(codes), c.party, c.year is not None, type_word is not None)
    if parts is None:
        return None
    codes_text, doc_type, issuer, national, law_family = parts
    number = _fix_digits(c.number)
    year = int(_fix_digits(c.year)) if c.year else None
    if c.party:
        symbol = f"{number}-{codes_text}"
    else:
        symbol = f"{number}/{year}/{codes_text}" if year else f"{number}/{codes_text}"
    return Symbol(c.start, end, symbol, number, year, doc_type, issuer, national, law_family)


@lru_cache(maxsize=8192)
def _read_codes(codes: tuple[str, ...], party: bool, has_year: bool, has_type_word: bool):
    """What a symbol's codes say: (canonical codes as written in the symbol, document
    type or None, issuer, national?, law family?) — or None for a non-citation.

    Cached: the same few codes (NĐ-CP, QĐ-UBND …) recur with every number.
    """
    vocab = vocabulary()
    canon = [unicodedata.normalize("NFC", vocab.canonical_code(code) or code) for code in codes]
    first = canon[0]
    first_issuer = vocab.issuer(first)
    law_family = False
    if party:
        if len(canon) != 2:
            return None
        doc_type, issuer = first, canon[1]
        codes_text = f"{doc_type}/{issuer}"
    else:
        law_family = first_issuer is not None and first_issuer.pattern is not None
        if vocab.is_doc_type(first) and len(canon) > 1:
            doc_type, issuer = first, "-".join(canon[1:])
        elif vocab.is_doc_type(first):
            if not has_year:
                return None  # "12/TT": too little to be sure
            doc_type, issuer = first, ""
        else:
            # No type part (157/SKHCN-VP, 118/TTg, 59/2020/QH14): the type word decides.
            if len(canon) == 1 and first_issuer is None and not has_type_word and not has_year:
                return None  # a form code such as 01/MTK
            if vocab.canonical_code(codes[0]) is None and len(codes[0]) < 2:
                return None
            doc_type, issuer = None, first
        codes_text = "-".join(canon)
    if not doc_type and not issuer:
        return None
    head = vocab.issuer(issuer.split("-")[0]) if issuer else None
    national = head.national if head else False
    return codes_text, doc_type, issuer, national, law_family
