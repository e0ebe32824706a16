"""The title (trích yếu) a text gives a cited instrument, and the date a relation takes effect.

Both are read in the words right after something already found: a title after
a citation's phrase (its symbol, date and issuer: "Nghị định số 60/2021/NĐ-CP
ngày 21/6/2021 của Chính phủ quy định cơ chế tự chủ …"), an effective date
after its cue ("có hiệu lực thi hành kể từ ngày 01/7/2021"). Vocabulary:
``vocab/titles.yaml``, ``vocab/effective.yaml``. Pure functions; offsets are
into the text as given.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Sequence, Set
from typing import NamedTuple

from kg.model import Relation, RelationKind

from .context import (
    _DAY_MONTH_YEAR,
    NGAY,
    SENTENCE_BREAK,
    SPACES,
    from_marks,
    sentence_end,
    sentence_start,
    spelled_date,
)
from .normalize import fold_lower, folded
from .relations import HARD_BREAK
from .vocab import per_vocabulary, vocabulary

TITLE_REACH = 500  # the most characters a title may run
_ISSUER_WORDS = 14  # the most words of "của …" between a citation's phrase and its title's opener
_CAPITAL = "A-ZĐÀ-ÝẠ-Ỹ"
_SPACES = r"\s+"


def _words(phrases) -> list[list[str]]:
    """The folded words of each of ``phrases``, the longest phrase first."""
    ordered = sorted({fold_lower(p) for p in phrases}, key=len, reverse=True)
    return [p.replace(",", " ").split() for p in ordered]


def _alternation(phrases) -> str:
    """A regex of folded ``phrases`` (longest first), spaces matching any run of spaces."""
    return "|".join(r"\s+".join(map(re.escape, ws)) for ws in _words(phrases))


def _whole_words(phrases) -> str:
    r"""A regex of folded ``phrases`` as whole words, the same as ``(?<!\w)(?:…)(?!\w)`` of their
    alternation, written by first letter ("d(?<!\w.)(?:uoc …|a …)") so that the pattern opens with
    a literal: the engine then skips to the letters that may start one instead of trying each place."""
    by_letter: dict[str, list[str]] = {}
    for first, *rest in _words(phrases):
        by_letter.setdefault(first[0], []).append(r"\s+".join([re.escape(first[1:]), *map(re.escape, rest)]))
    return "|".join(rf"{re.escape(c)}(?<!\w.)(?:{'|'.join(alts)})(?!\w)" for c, alts in by_letter.items())


_OF = r"c[uilth]\S{0,2}"  # "của" (OCR: cia, cla, ctia)
# A word of an issuer: no marks or numbers (it opens with a letter; OCR may put a digit inside: "B6 Tài chính").
# Folding leaves these marks and digits as they are, so the pattern reads the raw text as well.
_ISSUER_WORD = r"[^\s,;:.()\[\]\d][^\s,;:.()\[\]]*"


class _TitlePatterns(NamedTuple):
    lead: re.Pattern  # what leads to the opener: the issuer ("của …"), then the opener
    lead_first: re.Pattern  # the folded first word of a lead: "của" or an opener's first word
    lead_words: re.Pattern  # as many words as a lead may have, and no further than its words may go
    stops: re.Pattern  # what ends a title
    trailing: re.Pattern  # the words a title does not end with
    trailing_reach: int  # the longest of those words
    trailing_last: tuple[str, ...]  # the last word of each of them
    naming: re.Pattern  # a type word: the name of what follows


@per_vocabulary(maxsize=1)
def _title_patterns() -> _TitlePatterns:
    v = vocabulary()
    openers = _alternation(v.titles["openers"])
    # ", của Chính phủ", "của Bộ trưởng Bộ Tài chính"
    lead = re.compile(rf"[\s,]*(?:{_OF}(?:\s+{_ISSUER_WORD}){{1,{_ISSUER_WORDS}}}?\s+)?"
                      rf"(?P<opener>{openers})(?=\s)")
    cues = [c for roles in v.relation_cues.values() for role in ("active", "passive") for c in roles.get(role, ())]
    stops = re.compile(rf"{_whole_words(v.titles['stops'])}|,\s*(?:{_alternation(cues)})(?!\w)|;|:|\(")
    trailing = re.compile(rf"(?:[\s,;.]+|(?<!\w)(?:{_alternation(v.titles['trailing'])})(?!\w))+$")
    types = [w for t in v.doc_types.values() for w in t.words]
    naming = re.compile(_whole_words(types))
    first = "|".join(sorted({re.escape(ws[0]) for ws in _words(v.titles["openers"])}))
    most = 1 + _ISSUER_WORDS + max(len(o.split()) for o in v.titles["openers"])  # "của", its words, the opener
    # (an opener's words are read as an issuer's are, unless one holds what those may not)
    word = _ISSUER_WORD if all(re.fullmatch(_ISSUER_WORD, w) for ws in _words(v.titles["openers"]) for w in ws) else r"\S+"
    return _TitlePatterns(lead, re.compile(f"{_OF}|{first}"), re.compile(rf"\S+(?:\s+{word}){{0,{most - 1}}}"),
                          stops, trailing, max(len(w) for w in v.titles["trailing"]),
                          tuple(sorted({ws[-1] for ws in _words(v.titles["trailing"])})), naming)


# Where a clause ends in the raw text: a sentence's full stop, a list item or "Căn cứ"
# on the next line, a blank line, a line break before a capital or a number. (Each starts
# at a stop, a ";", a line break or the spaces before one: said first, so the engine skips ahead.)
_END = re.compile(rf"(?=[.;\n{SPACES}])(?:{HARD_BREAK.pattern}|{SENTENCE_BREAK.pattern}|\n(?=\s*[{_CAPITAL}\d])|\.\s*$)")
_FIRST_WORD = re.compile(r"[\s,]*+(\S+)")  # the first word after a citation's phrase


def titles(text: str, phrase_ends: Sequence[int], starts: Sequence[int], skip: frozenset[int] | set[int] = frozenset()) -> list[str | None]:
    """The title written after each citation: ``phrase_ends[i]`` is where its phrase (symbol,
    date) ends, ``starts[i + 1]`` where the next citation starts. None where there is none, and
    for the citations in ``skip`` (the header's own symbol: what follows it is not a title)."""
    patterns = _title_patterns()
    n = len(starts)
    out: list[str | None] = []
    for i, end in enumerate(phrase_ends):
        nxt = starts[i + 1] if i + 1 < n else len(text)
        out.append(None if i in skip else _title(text, end, nxt, patterns))
    return out


def _title(text: str, end: int, nxt: int, p: _TitlePatterns) -> str | None:
    """The title in ``text[end:nxt]`` (at most TITLE_REACH characters of it), if one is written there."""
    hi = min(nxt, end + TITLE_REACH)
    # Most citations have no title: their first word folded is neither "của" nor an opener's.
    word = _FIRST_WORD.match(text, end, hi)
    if word is None or not _may_lead(word[1]):
        return None
    # Folded in two: the words a lead may have, then, where there is one, the rest.
    words = p.lead_words.match(text, word.start(1), hi)
    reach = min(hi, words.end() + 1) - end  # type: ignore[union-attr]  # (the first word at least)
    low = folded(text[end:end + reach])
    m = p.lead.match(low)
    if m is None:
        return None
    window = text[end:hi]
    begin = m.start("opener")
    stop = len(window)
    cut_by_citation = hi == nxt
    brk = next(from_marks(_END, window, m.end(), len(window)), None)  # (the first)
    if brk is not None:
        stop, cut_by_citation = brk.start(), False
    if reach < stop:  # (nothing after the clause's end is looked at)
        low += folded(window[reach:stop])
    s = p.stops.search(low, m.end(), stop)
    if s is not None:
        stop, cut_by_citation = s.start(), False
    if stop == len(window) and not cut_by_citation:
        return None  # runs on past what a title may: not one
    if cut_by_citation:  # "… của Luật Đất đai số": the next citation's name is not this title's
        named = list(p.naming.finditer(low, m.end(), stop))
        if named and len(low[named[-1].start():stop].split()) <= 12:
            stop = named[-1].start()
    stop = _trailing_start(low, m.end(), stop, p)
    # The opener is followed by a space: words after it remain, if it does not end the title.
    return " ".join(window[begin:stop].split()) if stop > m.end() else None


@per_vocabulary(maxsize=4096)
def _may_lead(word: str) -> bool:
    """May a lead start with ``word``? (Asked again and again of the same few words.)"""
    return _title_patterns().lead_first.fullmatch(folded(word)) is not None


def _trailing_start(low: str, lo: int, stop: int, p: _TitlePatterns) -> int:
    """Where the words a title does not end with begin in ``low[lo:stop]`` (``stop`` if none).

    The same as ``p.trailing.search(low, lo, stop)``, searched in a growing tail: a search
    over the whole title tries the pattern at every character of it."""
    # Most titles end in a word none of those words ends like: it ends where the title's
    # last word does, after which there are only spaces and punctuation.
    core = low[lo:stop].rstrip()
    while core.endswith((",", ";", ".")):
        core = core[:-1].rstrip()
    if not core.endswith(p.trailing_last):
        return lo + len(core)
    reach = 4 * p.trailing_reach
    while True:
        a = max(lo, stop - reach)
        t = p.trailing.search(low, a, stop)
        # Material begun before ``a`` would also match from a word's start within its first word.
        if a == lo or t is None or t.start() > a + p.trailing_reach:
            return stop if t is None else t.start()
        reach *= 4


# --- effective dates -------------------------------------------------------------------

def _word(word: str) -> str:
    """An OCR-tolerant pattern of a folded word: its first letter and about as many letters."""
    return rf"{re.escape(word[0])}\S{{0,{max(2, len(word))}}}"


@per_vocabulary(maxsize=1)
def _effective() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(a cue and its date, the same after "… này": the document's own, and the "y" of "này" with
    the cue's words after it as written: every word's first letter is a plain one, which folding keeps)."""
    cues, searched = [], []
    for cue in vocabulary().effective_cues:
        parts = []
        for chunk in re.findall(r"\([^)]*\)|[^\s()]+", fold_lower(cue)):
            if chunk.startswith("("):
                optional = _SPACES.join(map(_word, chunk[1:-1].split()))
                parts.append(rf"(?:\s+{optional})?")
            else:
                parts.append(rf"\s+{_word(chunk)}")
        cues.append("".join(parts)[3:])
        # "(?<!\w)" said after the first letter: a pattern that opens with a letter is searched for faster
        first = re.escape(fold_lower(cue)[0])
        searched.append(rf"{first}(?<!\w.){cues[-1].removeprefix(first)}")
    date = rf"[\s:]*(?:{NGAY}[\s:]*)?(?P<date>{_DAY_MONTH_YEAR})"
    pattern = rf"(?:{'|'.join(searched)}){date}"
    own = rf"\S{{0,2}}y\s+(?:{'|'.join(cues)})"  # after "n" ("này")
    # As written, from the "y": a "y" before a space is much rarer than an "n", so tried far less often.
    return (re.compile(pattern), re.compile(rf"(?<!\w)n{own}{date}"),
            re.compile(rf"[yY](?=\s)(?i:\s+(?:{'|'.join(cues)}))"))


_NAY = re.compile(r"(?<!\w)[nN]\S{0,2}")  # "n", "N" and up to two characters before the "y" of "này"


def _date_of(m: re.Match) -> dt.date | None:
    return spelled_date(text) if (text := m["date"]) else None


def stated_effective(text: str, lo: int, hi: int) -> dt.date | None:
    """The effective date a cue in ``text[lo:hi]`` states, if any."""
    m = _effective()[0].search(folded(text[lo:hi]))
    return _date_of(m) if m else None


_DATE_REACH = 120  # characters a cue's date may take after its words


def own_effective(text: str) -> list[tuple[int, dt.date]]:
    """Where the text says "X này có hiệu lực … từ ngày …" (the document takes effect), and the date."""
    _, pattern, words = _effective()
    found = []
    for w in words.finditer(text):
        y = w.start()
        lo = next((at for at in range(max(y - 3, 0), y) if _NAY.fullmatch(text, at, y)), None)
        if lo is None:
            continue
        # Folded only after the cue's words as written: folding a whole text costs more than the rest.
        m = pattern.match(folded(text[lo:w.end() + _DATE_REACH]))
        if m is not None and (day := _date_of(m)) is not None:
            found.append((lo + m.start(), day))
    return found


def effective_dates(text: str, relations: Sequence[Relation], own_dates: Callable[[], dict[str, dt.date]],
                    owners: Set[str]) -> list[Relation]:
    """``relations`` with the date each takes effect where the text states it: in the sentence of the
    relation's later citation or of its first, else, for a relation stated by a document of the text (``owners``: their keys),
    the date of its "X này có hiệu lực …" (``own_dates()``: key → date, read only if needed).
    ``based_on`` has none."""
    out = []
    dates: dict[str, dt.date] | None = None
    stated: dict[tuple[int, int], dt.date | None] = {}
    for r in relations:
        if r.kind == RelationKind.BASED_ON:
            out.append(r)
            continue
        day = None
        # (the sentence of its later citation, then of its first: not those between, a list's other items,
        # "… bổ sung bởi:\n1. …;\n2. Thông tư số B …, có hiệu lực kể từ ngày …;\n3. …")
        for at in (r.end, r.start):
            sentence = sentence_start(text, at), sentence_end(text, at)
            if sentence not in stated:  # (a sentence states several relations: read once)
                stated[sentence] = stated_effective(text, *sentence)
            day = day or stated[sentence]
        if day is None and r.source is not None and r.source.key in owners:
            if dates is None:
                dates = own_dates()
            day = dates.get(r.source.key)
        out.append(dataclasses.replace(r, effective=day) if day else r)
    return out
