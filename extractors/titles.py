"""The title (trích yếu) a text gives a cited instrument, and the date a relation takes effect.

Both are read in the words right after something already found: a title after
a citation's phrase (its symbol, date and issuer: "Nghị định số 60/2021/NĐ-CP
ngày 21/6/2021 của Chính phủ quy định cơ chế tự chủ …"), an effective date
after its cue ("có hiệu lực thi hành kể từ ngày 01/7/2021"). Vocabulary:
``vocab/titles.yaml``, ``vocab/effective.yaml``. Pure functions; offsets are
into the text as given.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import lru_cache

from kg.model import Relation, RelationKind

from .context import _DAY_MONTH_YEAR, NGAY, SENTENCE_BREAK, sentence_end, sentence_start, spelled_date
from .normalize import fold_lower, folded
from .relations import HARD_BREAK
from .vocab import vocabulary

TITLE_REACH = 500  # the most characters a title may run
_ISSUER_WORDS = 14  # the most words of "của …" between a citation's phrase and its title's opener
_CAPITAL = "A-ZĐÀ-ÝẠ-Ỹ"
_SPACES = r"\s+"


def _alternation(phrases) -> str:
    """A regex of folded ``phrases`` (longest first), spaces matching any run of spaces."""
    ordered = sorted({fold_lower(p) for p in phrases}, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, p.replace(",", " ").split())) for p in ordered)


@lru_cache(maxsize=1)
def _title_patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    """(what leads to the opener, what ends a title, trailing words, a type word naming what follows)."""
    v = vocabulary()
    openers = _alternation(v.titles["openers"])
    # ", của Chính phủ", "của Bộ trưởng Bộ Tài chính" (OCR: cia, cla, ctia), words without marks or numbers
    lead = re.compile(rf"[\s,]*(?:c[uilth]\S{{0,2}}(?:\s+[^\s,;:.()\[\]\d]+){{1,{_ISSUER_WORDS}}}?\s+)?"
                      rf"(?P<opener>{openers})(?=\s)")
    cues = [c for roles in v.relation_cues.values() for role in ("active", "passive") for c in roles.get(role, ())]
    stops = re.compile(rf"(?<!\w)(?:{_alternation(v.titles['stops'])})(?!\w)|,\s*(?:{_alternation(cues)})(?!\w)"
                       r"|[;:(]")
    trailing = re.compile(rf"(?:[\s,;.]+|(?<!\w)(?:{_alternation(v.titles['trailing'])})(?!\w))+$")
    types = [w for t in v.doc_types.values() for w in t.words]
    naming = re.compile(rf"(?<!\w)(?:{_alternation(types)})(?!\w)")
    return lead, stops, trailing, naming


# Where a clause ends in the raw text: a sentence's full stop, a list item or "Căn cứ"
# on the next line, a blank line, a line break before a capital or a number.
_END = re.compile(rf"{HARD_BREAK.pattern}|{SENTENCE_BREAK.pattern}|\n(?=\s*[{_CAPITAL}\d])|\.\s*$")


def titles(text: str, phrase_ends: Sequence[int], starts: Sequence[int], skip: frozenset[int] | set[int] = frozenset()) -> list[str | None]:
    """The title written after each citation: ``phrase_ends[i]`` is where its phrase (symbol,
    date) ends, ``starts[i + 1]`` where the next citation starts. None where there is none, and
    for the citations in ``skip`` (the header's own symbol: what follows it is not a title)."""
    lead, stops, trailing, naming = _title_patterns()
    out: list[str | None] = []
    n = len(starts)
    for i, end in enumerate(phrase_ends):
        if i in skip:
            out.append(None)
            continue
        nxt = starts[i + 1] if i + 1 < n else len(text)
        hi = min(nxt, end + TITLE_REACH)
        window = text[end:hi]
        low = folded(window)
        m = lead.match(low)
        if m is None:
            out.append(None)
            continue
        begin = m.start("opener")
        stop = len(window)
        cut_by_citation = hi == nxt
        brk = _END.search(window, m.end())
        if brk is not None:
            stop, cut_by_citation = brk.start(), False
        s = stops.search(low, m.end(), stop)
        if s is not None:
            stop, cut_by_citation = s.start(), False
        if stop == len(window) and not cut_by_citation:
            out.append(None)  # runs on past what a title may: not one
            continue
        if cut_by_citation:  # "… của Luật Đất đai số": the next citation's name is not this title's
            named = [t for t in naming.finditer(low, m.end(), stop)]
            if named and len(low[named[-1].start():stop].split()) <= 12:
                stop = named[-1].start()
        t = trailing.search(low, m.end(), stop)
        if t is not None:
            stop = t.start()
        title = " ".join(window[begin:stop].split())
        out.append(title if len(title.split()) > len(m["opener"].split()) else None)
    return out


# --- effective dates -------------------------------------------------------------------

def _word(word: str) -> str:
    """An OCR-tolerant pattern of a folded word: its first letter and about as many letters."""
    return rf"{re.escape(word[0])}\S{{0,{max(2, len(word))}}}"


@lru_cache(maxsize=1)
def _effective() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(a cue and its date, the same after "… này": the document's own, and that one's words without
    the date, for the text as written: every word's first letter is a plain one, which folding keeps)."""
    cues = []
    for cue in vocabulary().effective_cues:
        parts = []
        for chunk in re.findall(r"\([^)]*\)|[^\s()]+", fold_lower(cue)):
            if chunk.startswith("("):
                optional = _SPACES.join(map(_word, chunk[1:-1].split()))
                parts.append(rf"(?:\s+{optional})?")
            else:
                parts.append(rf"\s+{_word(chunk)}")
        cues.append("".join(parts)[3:])
    date = rf"[\s:]*(?:{NGAY}[\s:]*)?(?P<date>{_DAY_MONTH_YEAR})"
    pattern = rf"(?<!\w)(?:{'|'.join(cues)}){date}"
    own = rf"\S{{0,2}}y\s+(?:{'|'.join(cues)})"  # after "n" ("này")
    # As written, "n" first and then whether a word ends before it: searched for much faster.
    return (re.compile(pattern), re.compile(rf"(?<!\w)n{own}{date}"),
            re.compile(rf"[nN](?<!\w[nN])(?i:{own})"))


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
    # Folded only after the cue's words as written: folding a whole text costs more than the rest.
    matches = ((w.start(), pattern.match(folded(text[w.start():w.end() + _DATE_REACH]))) for w in words.finditer(text))
    found = []
    for lo, m in matches:
        if m is not None and (day := _date_of(m)) is not None:
            found.append((lo + m.start(), day))
    return found


def effective_dates(text: str, relations: Sequence[Relation], own_dates: dict[str, dt.date]) -> list[Relation]:
    """``relations`` with the date each takes effect where the text states it: in the relation's
    own sentence, else, for a relation the document itself (``own_dates``: its key → the date of
    its "X này có hiệu lực …") states, that date. ``based_on`` has none."""
    import dataclasses

    out = []
    for r in relations:
        if r.kind == RelationKind.BASED_ON:
            out.append(r)
            continue
        day = stated_effective(text, sentence_start(text, r.start), sentence_end(text, r.end))
        if day is None and r.source is not None:
            day = own_dates.get(r.source.key)
        out.append(dataclasses.replace(r, effective=day) if day else r)
    return out
