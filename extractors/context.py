"""Read what surrounds a symbol: its type word, issue date, issuing place.

Everything here works on the *lowered* folded text (accent-free, lower case,
offsets shared with the original) and tolerates OCR damage: ``Ké hoach s6``,
``K& hoach sb``, ``ngdy 31/01/2023``, ``ngay 29 thang 12 nim 2022``.
"""
from __future__ import annotations

import datetime as dt
import re
from difflib import SequenceMatcher
from functools import lru_cache

from .normalize import fold_lower
from .vocab import vocabulary

# "số", as OCR leaves it: so, s6, sb, sd, sé, s0, s…
_SO = re.compile(r"s[a-z0-9&@¢]?\.?")
_WORD = re.compile(r"[^\s(),:;\"“”'‘’\[\]{}]+")

_DAY_MONTH_YEAR = (
    r"(?P<d>[0-3]?[0-9Oo])\s*[/.-]\s*(?P<m>[01]?[0-9Oo])\s*[/.-]\s*(?P<y>(?:19|20)[0-9Oo]{2})"
    r"|(?P<d2>[0-3]?[0-9Oo])\s+th\S{1,3}ng\s+(?P<m2>[01]?[0-9Oo])\s+n\S{1,2}m\s+(?P<y2>(?:19|20)[0-9Oo]{2})"
)
# "ngày", as OCR leaves it: ngay, ngdy, ngiy (the "ay" is what gets garbled).
_NGAY = r"ng\S{0,2}y"

# A date right after a symbol: maybe glued (CPngay), maybe after "của <issuer>" on
# the next line; the gap holds no digits (another number would own the date) and
# no sentence break.
DATE_AFTER = re.compile(
    rf"(?:|(?P<gap>[^\d;()\[\]{{}}.!?]{{1,90}}?)(?<![a-z]))[ ,]*{_NGAY}[ :]*(?:\n\s*)?(?:{_DAY_MONTH_YEAR})"
)
# A date earlier in the same sentence: "Ngày 12/3/2024, UBND tỉnh ban hành Quyết định số …"
DATE_ANYWHERE = re.compile(rf"(?<![a-z]){_NGAY}[ :]*(?:\n\s*)?(?:{_DAY_MONTH_YEAR})")
# Words before "ngày" that make the date something else than the issue date.
_NOT_ISSUE_DATE = re.compile(r"(?:\b(?:tu|den|ke tu|truoc|sau|hieu luc|thi hanh|hop|luc)\s*)$")


def to_date(d: str, m: str, y: str) -> dt.date | None:
    """A calendar date from OCR'd parts (``O`` read for ``0``), or None if impossible."""
    try:
        day, month, year = (int(x.replace("O", "0").replace("o", "0")) for x in (d, m, y))
        date = dt.date(year, month, day)
    except ValueError:
        return None
    return date if 1945 <= year <= 2100 else None


def _match_date(m: re.Match) -> dt.date | None:
    if m["d"] is not None:
        return to_date(m["d"], m["m"], m["y"])
    return to_date(m["d2"], m["m2"], m["y2"])


def date_after(lower: str, end: int) -> tuple[dt.date, int] | None:
    """The issue date stated right after a symbol ending at ``end``, and where it ends."""
    m = DATE_AFTER.match(lower, end)
    if not m:
        return None
    gap = m["gap"] or ""
    if _NOT_ISSUE_DATE.search(gap.strip()):
        return None
    date = _match_date(m)
    return (date, m.end()) if date else None


def date_before(lower: str, sentence_start: int, start: int) -> dt.date | None:
    """An issue date stated earlier in the sentence, with nothing numbered in between."""
    found = None
    for m in DATE_ANYWHERE.finditer(lower, sentence_start, start):
        if not re.search(r"\d", lower[m.end():start]) and not _NOT_ISSUE_DATE.search(lower[sentence_start:m.start()].strip()):
            found = _match_date(m)
    return found


@lru_cache(maxsize=1)
def _type_words() -> list[tuple[str, int, str]]:
    """(code, syllable count, folded phrase) for every type word in the vocabulary."""
    out = []
    for code, t in vocabulary().doc_types.items():
        for word in t.words:
            phrase = fold_lower(word)
            out.append((code, len(phrase.split()), phrase))
    return out


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def type_word_before(lower: str, start: int) -> str | None:
    """Document-type code named just before a symbol ("Kế hoạch số" → ``KH``), if any."""
    words = _WORD.findall(lower[max(0, start - 48):start])
    if words and _SO.fullmatch(words[-1]):
        words.pop()
    scored = []
    for code, n, phrase in _type_words():
        if len(words) >= n:
            score = _similar(" ".join(words[-n:]), phrase)
            if score >= 0.8:
                scored.append((score, n, code))  # ties go to the longer phrase: TTLT over TT
    return max(scored)[2] if scored else None


@lru_cache(maxsize=1)
def _province_pattern() -> re.Pattern:
    names = {}
    for j in vocabulary().jurisdictions.values():
        for name in (j.name, *j.names):
            names[fold_lower(name)] = j.name
    alternatives = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![a-z])(?P<name>{alternatives})(?![a-z])"), names


def provinces_in(lower: str, start: int = 0, end: int | None = None) -> list[tuple[str, int]]:
    """Provinces named in ``lower[start:end]``: (proper name, offset) in order."""
    pattern, names = _province_pattern()
    end = len(lower) if end is None else end
    return [(names[re.sub(r"\s+", " ", m["name"])], m.start()) for m in pattern.finditer(lower, start, end)]


def document_jurisdiction(lower: str) -> str | None:
    """The province a document belongs to: the one it names most, "tỉnh X" counting double."""
    votes: dict[str, int] = {}
    for name, pos in provinces_in(lower):
        before = lower[max(0, pos - 12):pos]
        weight = 2 if re.search(r"(tinh|pho|tp\.?)\s*$", before) else 1
        votes[name] = votes.get(name, 0) + weight
    return max(votes, key=votes.get) if votes else None
