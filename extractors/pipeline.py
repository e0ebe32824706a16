"""The extraction pipeline: text → :class:`~kg.model.Extraction`, one step over every citation at a time
(the steps: docs/extraction.md)."""
from __future__ import annotations

import bisect
import datetime as dt
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from kg import __version__
from kg.model import Extraction, Instrument, Mention, Relation, Report, Text

from . import context, evidence, names, relations, titles
from .find import SYMBOL, find_candidates
from .normalize import fold, fold_lower
from .resolve import Symbol, resolve
from .vocab import Vocabulary, per_vocabulary, using, vocabulary

EXTRACTOR_VERSION = f"legal-kg-extractors/{__version__}"
_T = TypeVar("_T")

HEADER_CHARS = 2500  # how far the letterhead, own symbol and title may reach
# Who issued a local symbol: the words after it (or its date) up to a number or a stop.
_ISSUER_WORDS = re.compile(r"[^\d;.]*(?:\.(?=[^\W\d_])[^\d;.]*)*")  # (a dot inside an abbreviation: "TP.HCM")
# "Số: 123/BC-SKHCN" (OCR: S6:, $6:, Sé, and with its colon 86:, 56:, 6: (the S lost), a speck before it: ‘$6:)
# opening a header line, the symbol maybe on the next: the document's own symbol. Matched on
# the folded text, case kept.
_OWN_SYMBOL = re.compile(r"(?:^|\n)[ \t]*[^\w\s]?(?:(?:S[^\s\d]?|S\d|\$\S?)[ \t]*[:;.]?|(?:[58]\d|6)[ \t]*:)\s*$")
# The place before the header's date ("Hà Nội, ngày …", "TP. Hồ Chí Minh, ngày …"):
# a few capitalised words opening a line or following the own symbol; after the first, a
# ward's or district's number ("Phường 7", "Quận 3": one or two digits, not a year), and
# the second syllable of a unit's name before a capitalised word ("Thị trấn Phú Mỹ",
# "Thành phố Hồ Chí Minh"; not "Theo đó, ngày …"); a speck OCR left before it ("=Đồng Nai").
_PLACE = re.compile(r"\s*[^\w\s]?[A-ZĐ][^\s,]*(?:[ \t]+[^\W\d_]+(?=[ \t]+[A-ZĐ]))?"
                    r"(?:[ \t]+(?:[A-ZĐ][^\s,]*|\d\d?)){0,4},[ \t]*$")  # (OCR: "Ha N6i")
# A codified passage's source note, "(Điều 7 Thông tư số 301/2016/TT-BTC, …)", before
# its citation (folded); and the heading that comes before the note ("Điều 33.3.TT.116.7.").
_NOTE = re.compile(r"\(\s*d\S{1,3}u\s+\d+[a-z]?\s+(?:[^\s()]+\s+){1,6}$")
_NOTE_OPEN = re.compile(r"\([ĐDd]")  # where one may open (looked for once in the whole text)…
_NOTE_REACH = 60  # …at most this far before its citation
_HEADING = re.compile(r"\s*d\S{1,3}u\s+\d+\.\d+\.[a-z]{1,3}\.")
# A type named in capitals after the header's date (the title): "QUYẾT ĐỊNH", "CHỈ THỊ".
_STRAY_WINDOW = 160  # how far after a closed phrase a date closing an outer one is looked for
_OUTER_REACH = 800  # how far before it the phrase it closes may open
_LIST_GAP = 80  # the most characters between two citations listed together ("A, Nghị định số B")
_TITLE_WORDS = re.compile(r"\s*([^\s\d]+(?:[ \t]+[^\s\d]+){0,2})")  # (those in capitals are taken)
_SO_WORD = re.compile(context.SO + ":?")  # "số" (as OCR leaves it), the word before a number
_SPECKS = re.compile(r"[\W_]+$")  # marks, no letter or digit, ending a line
_SAME_DAY = re.compile(r"c[uùúiì]\S?ng")  # "cùng" (OCR: cing) before "ngày": a list's members of one day


@dataclass(slots=True)
class _Found:
    """A citation being assembled: symbol, its context, and what it resolves to."""

    sym: Symbol
    date: dt.date | None
    jurisdiction: str | None
    key: tuple[str, str | None]  # one instrument per symbol and place


class _Header(NamedTuple):
    """What the document says of itself: its own citation (index), type, title, issuer,
    date, and where that date is written (its "ngày")."""

    own: int | None = None
    doc_type: str | None = None
    title: str | None = None
    issuer: str | None = None
    date: dt.date | None = None
    date_at: int | None = None
    heading: str | None = None  # the type its title in capitals names ("QUY ĐỊNH" under "Số 80-QĐ/TW")


def _place(text: str, sym: Symbol, after: context.After | None, place: str | None) -> str | None:
    """The jurisdiction of a local symbol: the province named right after it, or after its
    date ("ngày 3/3/2023 của UBND tỉnh Hà Tĩnh"), else the document's. None for a national one."""
    if sym.national:
        return None
    # The words between the symbol and its date; then (or else) the words up to a number or a stop.
    if after is not None and after.words and (named := context.provinces_in(after.words)):
        return named[0]
    start = after.end if after is not None else sym.end
    words = _ISSUER_WORDS.match(text, start, start + 70)
    named = context.provinces_in(words.group()) if words and words.group().strip() else ()
    return named[0] if named else place


def _in_capitals(word: str) -> bool:
    """Is ``word`` written in capitals? OCR may read one capital with a mark as a small
    letter or a sign ("CHi THI", "CHI TH]" for "CHỈ THỊ")."""
    upper = sum(c.isupper() for c in word)
    return upper >= 1 and sum(c.islower() for c in word) <= (1 if upper >= 2 else 0)


def _type_named(words: str) -> str | None:
    """The document type a few words in capitals name ("QUYẾT ĐỊNH", OCR'd "CHI TH]")."""
    found = context.naming_phrases().scan(context.words(words))
    return next((str(code) for i, n, code in found if i == 0 and code), None)


def _header(text: str, symbols: Sequence[Symbol]) -> _Header:
    """What the document says of itself in its header: own symbol, type, title, issuer, date."""
    own = next((i for i, s in enumerate(symbols) if s.start < HEADER_CHARS
                and _OWN_SYMBOL.search(fold(text[max(0, s.start - 16):s.start]))), None)
    header = _Header()
    if own is not None:
        header = header._replace(own=own, issuer=symbols[own].issuer.split("-")[0],
                                 doc_type=symbols[own].doc_type if symbols[own].typed else None)
    header = _dated_header(text, symbols, header)
    lines = text[:HEADER_CHARS].split("\n")
    doc_type, title = _title_lines(lines)
    header = header._replace(doc_type=header.doc_type or doc_type, title=title, heading=doc_type)
    if header.issuer is None:
        header = header._replace(issuer=_letterhead(lines))
    if own is not None and header.doc_type is None:
        header = header._replace(doc_type=symbols[own].doc_type)
    return header


def _dated_header(text: str, symbols: Sequence[Symbol], header: _Header) -> _Header:
    """``header`` with the date of "Hà Nội, ngày …" (and the type a title in capitals after it names)."""
    ends = [s.end for s in symbols if s.start < HEADER_CHARS]
    for m in context.DATE.finditer(text, 0, HEADER_CHARS):
        line = text.rfind("\n", 0, m.start()) + 1
        after = ends[bisect.bisect_right(ends, m.start()) - 1] if ends and ends[0] <= m.start() else line
        if _PLACE.fullmatch(text, max(line, after), m.start()):  # "Hà Nội, ngày …"
            header = header._replace(date=context.date_of(m), date_at=m.start())
            words = _TITLE_WORDS.match(text, m.end())
            capitals = list(itertools.takewhile(_in_capitals, words.group(1).split())) if words else []
            code = _type_named(" ".join(capitals)) if capitals else None
            if code and header.doc_type is None:  # the title after the date: "… ngày 10 tháng 11 năm 1980 CHỈ THỊ"
                header = header._replace(doc_type=code)
            break
    return header


def _title_lines(lines: Sequence[str]) -> tuple[str | None, str | None]:
    """(type, title) of a line of capitals naming a document type, and the line(s) after it."""
    vocab = vocabulary()
    for i, line in enumerate(lines[:30]):
        words = _SPECKS.sub("", line).strip()  # (what OCR made of specks after it: "NGHỊ ĐỊNH : -")
        if len(words) < 4 or not any(c.isalpha() for c in words) or words.upper() != words \
                and not all(_in_capitals(w) or not any(c.isalpha() for c in w) for w in words.split()):
            continue
        folded = fold_lower(words)
        code = next((c for c, t in vocab.doc_types.items() for w in t.words if fold_lower(w) == folded), None)
        if code:
            title: list[str] = []
            for nxt in lines[i + 1:i + 6]:
                if nxt.strip():
                    title.append(nxt.strip())
                elif title:
                    break
            return code, " ".join(" ".join(title).split()) if title else None
    return None, None


def _letterhead(lines: Sequence[str]) -> str | None:
    """The issuer a letterhead in capitals names: "SỞ KHOA HỌC VÀ CÔNG NGHỆ"."""
    vocab = vocabulary()
    for line in lines[:8]:
        folded = fold_lower(line).strip()
        code = next((code for code, issuer in vocab.issuers.items()
                     if folded and folded.startswith(fold_lower(issuer.vi)) and line.strip().isupper()), None)
        if code:
            return code
    return None


def _sections(text: str, symbols: Sequence[Symbol], own: int | None) -> tuple[list[int], list[int | None]]:
    """Where each part of the text starts and whose it is: the header's own symbol from
    the start, then each codified passage's, from its heading or source note
    ("(Điều 7 Thông tư số 301/2016/TT-BTC, …)")."""
    starts, owners = [0], [own]
    # (the citations a bracket opening "(Đ…" stands up to _NOTE_REACH characters before: few)
    at = [s.start for s in symbols]
    near = sorted({j for m in _NOTE_OPEN.finditer(text)
                   for j in range(bisect.bisect_right(at, m.start()), bisect.bisect_right(at, m.start() + _NOTE_REACH))})
    for i in near:
        s = symbols[i]
        bracket = text.rfind("(", max(0, s.start - _NOTE_REACH), s.start)
        if bracket >= 0 and text[bracket + 1:bracket + 2] in "ĐDd" \
                and _NOTE.search(fold_lower(text[bracket:s.start])):
            line = text.rfind("\n", 0, s.start) + 1
            previous = text.rfind("\n", 0, max(0, line - 1)) + 1
            if line and _HEADING.match(fold_lower(text[previous:line])):
                line = previous
            starts.append(line)
            owners.append(i)
    return starts, owners


def _before_in_reach(symbols: Sequence[Symbol], i: int) -> range:
    """The citations before the ``i``-th, nearest first, whose phrase a date after it may close."""
    j = i
    while j > 0 and symbols[i].start - symbols[j - 1].end < _OUTER_REACH:
        j -= 1
    return range(i - 1, j - 1, -1)


def _fits(sym: Symbol, date: dt.date) -> bool:
    """Can ``date`` be the issue date of ``sym``? Not when the symbol's year says otherwise."""
    return sym.year is None or sym.year == date.year


class _Stray(NamedTuple):
    """A date no citation right before it took: the citation before it, the date, where it is written."""

    before: int
    date: dt.date | None
    at: int


def _dates(text: str, symbols: Sequence[Symbol], afters: Sequence[context.After | None],
           reading: relations.Reading, header: _Header) -> list[dt.date | None]:
    """The issue date each citation's own words state: the date that closes its phrase
    (CONVENTIONS.md). Right after it, unless its year says otherwise; after a list, for
    every member, or for the instrument whose cue the list is the object of; a date
    after a phrase already closed ("… ngày 24/11/2010 của Quốc hội về … ngày 24/02/2017
    của Chính phủ") for the outermost phrase still open; else a date earlier in the sentence."""
    claimed = {a.start for a in afters if a is not None}
    if header.date_at is not None:
        claimed.add(header.date_at)
    listed = list(reading.lists)
    dates, stray = _dates_after(text, symbols, afters, reading, listed)
    _dates_of_lists(symbols, reading, listed, dates)
    _dates_of_outer_phrases(text, symbols, reading, stray, dates, claimed)
    previous = 0  # where the citation before, or its date, ends
    issued: tuple[int, dt.date] | None = None  # the last citation an issuing act's date before it dated, the date
    for i, after in enumerate(afters):
        if dates[i] is None and i != header.own:
            m = context.date_before(text, symbols[i].start, claimed, previous)
            before = context.date_of(m) if m is not None else None
            if m is not None and before is not None and _fits(symbols[i], before):
                dates[i] = before
                issued = (i, before) if _issuing(text, m.end(), symbols[i].start) else None
            elif issued is not None and issued[0] == i - 1 and _fits(symbols[i], issued[1]) \
                    and _listed_after(text, symbols[i - 1], symbols[i]):
                dates[i] = issued[1]  # "Ngày …, UBND tỉnh ban hành Kế hoạch số A về … và Quyết định số B"
                issued = (i, issued[1])
        previous = after.end if after is not None else symbols[i].end
    if header.own is not None and header.date is not None and _fits(symbols[header.own], header.date):
        dates[header.own] = header.date
    return dates


@per_vocabulary(maxsize=1)
def _issuing_verbs() -> re.Pattern:
    """The verbs of an issuing act (``vocab/dates.yaml``), folded, as whole words."""
    verbs = sorted((fold_lower(v).split() for v in vocabulary().issuing_verbs), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(r"\s+".join(map(re.escape, v)) for v in verbs) + r")(?!\w)")


def _issuing(text: str, lo: int, hi: int) -> bool:
    """Does ``text[lo:hi]``, between a date and the citation it dates, say the citation was issued then?"""
    return _issuing_verbs().search(fold_lower(text[lo:hi])) is not None


def _listed_after(text: str, first: Symbol, then: Symbol) -> bool:
    """Is ``then`` listed right after ``first`` as another object of the same verb: joined to it,
    with nothing but ``first``'s title in between ("A về … và Quyết định số B", "A, B")?"""
    if not relations.joined(text, first.end, then.start):
        return False
    gap = text[first.end:then.start].lstrip(context.SPACES + "\r\n")
    return gap[:1] == "," or gap[:3].lower() in ("và ", "va ") \
        or titles.titles(text, [first.end], [first.start, then.start])[0] is not None


def _dates_after(text: str, symbols: Sequence[Symbol], afters: Sequence[context.After | None],
                 reading: relations.Reading, listed: list[list[int]]) -> tuple[list[dt.date | None], list[_Stray]]:
    """The date right after each citation that fits it, and the dates none took. Adds to
    ``listed`` the lists no clause reading joined ("số 008/CĐ-UBND và số 009/CĐ-UBND ngày …")."""
    n = len(symbols)
    dates: list[dt.date | None] = [None] * n
    stray: list[_Stray] = []
    last_open = None  # the last citation so far without a date of its own (and with a year)
    for i, after in enumerate(afters):
        sym = symbols[i]
        if after is None or not _fits(sym, after.date):
            if after is not None:
                stray.append(_Stray(i, after.date, after.start))
            if sym.year is not None:
                last_open = i
            continue
        dates[i] = after.date
        same = _SAME_DAY.fullmatch(after.words) is not None  # ("A và B cùng ngày …": of any types, however read)
        if i and dates[i - 1] is None and sym.start - symbols[i - 1].end < _LIST_GAP \
                and (same or reading.group[i] == i and reading.group[i - 1] == i - 1):
            j = i
            while j > 0 and dates[j - 1] is None and (same or symbols[j - 1].doc_type == sym.doc_type) \
                    and symbols[j].start - symbols[j - 1].end < _LIST_GAP \
                    and relations.joined(text, symbols[j - 1].end, symbols[j].start):
                j -= 1
            if j < i:
                listed.append(list(range(j, i + 1)))
        if last_open is not None and sym.start - symbols[last_open].end <= _OUTER_REACH:
            # a date after a phrase already closed, while an earlier one is open
            hi = min(symbols[i + 1].start if i + 1 < n else len(text), after.end + _STRAY_WINDOW)
            m = context.find_date(text, after.end, hi)
            if m and not context.NOT_ISSUE_DATE.search(fold_lower(text[after.end:m.start()])):
                stray.append(_Stray(i, context.date_of(m), m.start()))
    return dates, stray


def _dates_of_lists(symbols: Sequence[Symbol], reading: relations.Reading, listed: Sequence[list[int]],
                    dates: list[dt.date | None]) -> None:
    """A date after a list is every member's, or, where the list is the object of a cue, its subject's."""
    direct = [d is not None for d in dates]
    for group in listed:
        last = group[-1]
        date = dates[last]
        if date is None or not direct[last]:
            continue
        if any(direct[i] for i in group[:-1]):  # "A ngày …; B và C ngày …": the date is those after A's
            group = group[max(k for k, i in enumerate(group[:-1]) if direct[i]) + 1:]
            if len(group) < 2:
                continue
        subject = reading.subject[last]
        if subject == relations.NOT_NUMBERED or isinstance(subject, int) and not direct[subject]:
            dates[last] = None  # the list is an object: the date closes the subject's phrase
            if isinstance(subject, int) and _fits(symbols[subject], date):
                dates[subject] = date
        else:
            for i in group[:-1]:
                if _fits(symbols[i], date):
                    dates[i] = date


def _dates_of_outer_phrases(text: str, symbols: Sequence[Symbol], reading: relations.Reading,
                            stray: Sequence[_Stray], dates: list[dt.date | None], claimed: set[int]) -> None:
    """A date no citation right before it took closes the outermost phrase of its clause still open."""
    for i, date, at in stray:
        if date is None or reading.subject[i] == relations.NOT_NUMBERED \
                or relations.ends_clause(text, symbols[i].end, at):
            continue  # (after an object of an instrument with no number, the date is that one's)
        outer = None
        for j in (i, *_before_in_reach(symbols, i)):  # the outermost open phrase of the clause
            if j < i and relations.ends_clause(text, symbols[j].end, symbols[j + 1].start):
                break
            if dates[j] is None and symbols[j].year == date.year:
                outer = j
        if outer is not None:
            dates[outer] = date
            claimed.add(at)


def extract(text: str | Text, *, source: str | None = None, jurisdiction: str | None = None,
            vocabulary: Vocabulary | None = None) -> Extraction:
    """Extract every citation from ``text`` and resolve it to an instrument.

    ``jurisdiction`` (a province name) overrides the one read from the document;
    it gives local instruments (``QĐ-UBND``, ``CT/TU``, department letters) their identity.
    ``vocabulary`` (:func:`extractors.vocab.load_vocabulary`) replaces the bundled one.
    """
    with using(vocabulary):
        return _extract(text, source, jurisdiction)


def _extract(text: str | Text, source: str | None, jurisdiction: str | None) -> Extraction:
    doc = text if isinstance(text, Text) else Text(text, source=source or "-")
    raw = doc.content
    place = jurisdiction or context.document_jurisdiction(raw, HEADER_CHARS)
    symbols = _symbols(raw)
    header = _header(raw, symbols)
    if header.own is not None and not symbols[header.own].typed and header.doc_type:
        symbols[header.own] = _read_as(raw, symbols[header.own], header.doc_type)
    afters = [context.date_after(raw, sym.end) for sym in symbols]  # After(date, words, …) or None
    if header.date_at is not None:  # the header's "Hà Nội, ngày …" is the own symbol's, never one cited before it
        afters = [None if a is not None and a.start == header.date_at and i != header.own else a
                  for i, a in enumerate(afters)]
    speaker = _speaker(symbols, header)  # (whose the document's own words are)
    sections = _Sections(*_sections(raw, symbols, speaker), symbols, header, speaker)
    reading = relations.read(raw, [s.start for s in symbols], [s.end for s in symbols],
                             [s.doc_type for s in symbols], sections.own_at, sections.owner_indices)
    stated = _dates(raw, symbols, afters, reading, header)
    found = [_Found(sym, date, local, (sym.symbol, local))
             for sym, date, local in zip(symbols, stated, (_place(raw, s, a, place) for s, a in zip(symbols, afters)))]
    written = titles.titles(raw, [a.end if a is not None else s.end for s, a in zip(symbols, afters)],
                            [s.start for s in symbols], {header.own} if header.own is not None else set())
    mentions = _mentions(raw, found, written)
    own = mentions[header.own].instrument if header.own is not None else None
    report = Report(source=doc.source, symbol=own.symbol if own else None, doc_type=header.doc_type,
                    issuer=header.issuer, date=header.date or (own.date if own else None), title=header.title,
                    jurisdiction=place, text=doc)
    rels = _relations(raw, mentions, reading, sections)
    rels += relations.based_on(raw, mentions, mentions[speaker].instrument if speaker is not None else None, reading)
    return Extraction(doc, report, tuple(mentions), tuple(relations.unique(rels)), EXTRACTOR_VERSION,
                      tuple(names.names(raw, mentions)))


def _symbols(text: str) -> list[Symbol]:
    """The citations' symbols: candidates the words before them do not rule out, resolved,
    then mended with the document's evidence."""
    candidates = list(find_candidates(text))
    starts = [_split_number(text, c.start()) for c in candidates]
    named = context.words_before(text, starts)  # (a citation?, type word)
    resolved: list[Symbol] = []
    law_family, law_family_words = vocabulary().defaults["law_family"], vocabulary().defaults["law_family_words"]
    last_word = None  # the type word of the last symbol resolved
    for c, start, (citation, type_word) in zip(candidates, starts, named):
        if not citation:
            continue
        if type_word is None and last_word is not None and not resolved[-1].typed \
                and c.start() - resolved[-1].end < _LIST_GAP and context.listed_after(text[resolved[-1].end:c.start()]):
            type_word = last_word  # "Kế hoạch số 59/SKHCN-VP, 60/SKHCN-VP": one type for a list
        sym = resolve(c, type_word)
        if sym is not None and type_word is None and not sym.typed and sym.doc_type == law_family:
            head_type = names.head_type_before(text, start)  # "Pháp lệnh Ưu đãi … số 02/2020/UBTVQH14"
            if head_type is not None and head_type in law_family_words:
                sym = sym._replace(doc_type=head_type)
        if sym is not None and start != c.start():
            number = text[start:c.start() - 1] + sym.number
            sym = sym._replace(start=start, number=number, symbol=number + sym.symbol[len(sym.number):])
        if sym is not None:
            resolved.append(sym)
            last_word = type_word
    return evidence.mend(text, resolved)


def _read_as(text: str, sym: Symbol, doc_type: str) -> Symbol:
    """The own symbol with no type part, read again as the type the heading names: a type OCR
    misread ("Số: 02/2022/T1BTNMT … THÔNG TƯ": TT-BTNMT), or else one its symbol leaves out
    ("Số: 299/TTg … CHỈ THỊ")."""
    m = SYMBOL.match(text, sym.start)
    again = resolve(m, doc_type) if m is not None else None
    if again is not None and again.typed and again.doc_type == doc_type:
        return again
    return sym._replace(doc_type=doc_type)


def _speaker(symbols: Sequence[Symbol], header: _Header) -> int | None:
    """The citation the document's own words speak for: its own, or for a consolidated text
    (``consolidates`` in doc_types.yaml), the first cited of the type its heading names."""
    own = header.own
    doc_type = vocabulary().doc_types.get(symbols[own].doc_type) if own is not None else None
    if own is None or doc_type is None or not doc_type.consolidates or header.heading is None:
        return own
    return next((i for i in range(own + 1, len(symbols)) if symbols[i].doc_type == header.heading), own)


def _split_number(text: str, start: int) -> int:
    """Where a number OCR split with a space begins ("số 6 0/2021/NĐ-CP" is 60): the digits
    one space before ``start`` when "số" comes right before them; else ``start``. Digits
    that may be "số" itself as OCR reads it (86, 6) need "số" plainly written before them
    ("Hình sự 86 15/1999/QH10" is "Hình sự số 15/1999/QH10")."""
    if text[start - 1:start] != " " or not text[start - 2:start - 1].isdigit():
        return start
    j = start - 2
    while j > start - 5 and text[j - 1:j].isdigit():
        j -= 1
    word = text[max(0, j - 6):j].split()
    if text[j - 1:j] not in (" ", "\u00a0") or not word or word[-1][0].isdigit() \
            or not _SO_WORD.fullmatch(fold_lower(word[-1])) \
            or _SO_WORD.fullmatch(text[j:start - 1]) and fold_lower(word[-1]).rstrip(":") != "so":
        return start
    return j


class _Sections:
    """Whose each part of the text is: the document's own citation, then each codified passage's."""

    def __init__(self, starts: list[int], owners: list[int | None], symbols: Sequence[Symbol], header: _Header,
                 speaker: int | None):
        self.starts, self.owners, self.symbols = starts, owners, symbols
        self.owner_indices = [o for o in owners if o is not None]
        self.header, self.speaker = header, speaker

    def own_at(self, offset: int, doc_type: str | None) -> int | None:
        """The citation that owns ``offset`` ("này" there is that one), if of ``doc_type`` (None: any):
        its symbol's type, or for the document's own, the type its heading names ("Quy định này"
        in a Party "QUY ĐỊNH" whose symbol says QĐ)."""
        owner = self.owners[bisect.bisect_right(self.starts, offset) - 1]
        if owner is None or doc_type is not None and self.symbols[owner].doc_type != doc_type \
                and not (owner == self.speaker and doc_type == self.header.heading):
            return None
        return owner


def _most_often(votes: dict[tuple[str, str | None], dict[_T, int]]) -> dict[tuple[str, str | None], _T]:
    """For each key, the value voted for most often; on a tie, the first voted for."""
    return {key: max(counts, key=counts.__getitem__) for key, counts in votes.items()}


def _mentions(text: str, found: Sequence[_Found], written: Sequence[str | None]) -> list[Mention]:
    """One mention per citation, one shared :class:`Instrument` per symbol and place: with the
    date stated anywhere in the document, the title written most often after it, and for a
    symbol without a type part, the type any of its mentions is called."""
    date_votes: dict[tuple[str, str | None], dict[dt.date, int]] = {}
    title_votes: dict[tuple[str, str | None], dict[str, int]] = {}
    for f, title in zip(found, written):
        if f.date:
            counts = date_votes.setdefault(f.key, {})
            counts[f.date] = counts.get(f.date, 0) + 1
        if title:
            written_counts = title_votes.setdefault(f.key, {})
            written_counts[title] = written_counts.get(title, 0) + 1
    dates, chosen_titles, named_types = _most_often(date_votes), _most_often(title_votes), _named_types(found)
    instruments: dict[tuple[str, str | None], Instrument] = {}
    mentions: list[Mention] = []
    for f, title in zip(found, written):
        sym = f.sym
        instrument = instruments.get(f.key)
        if instrument is None:
            date = dates.get(f.key)
            instrument = instruments[f.key] = Instrument(
                symbol=sym.symbol, number=sym.number, doc_type=named_types.get(f.key, sym.doc_type),
                issuer=sym.issuer, year=sym.year or (date.year if date else None), date=date,
                jurisdiction=f.jurisdiction, national=sym.national, title=chosen_titles.get(f.key))
        mentions.append(Mention(sym.start, sym.end, text[sym.start:sym.end], instrument, title))
    return mentions


def _relations(text: str, mentions: Sequence[Mention], reading: relations.Reading, sections: _Sections) -> list[Relation]:
    """The relations the clauses state, with the date each takes effect where the text states it."""
    rels = relations.stated(mentions, reading)

    def own_dates() -> dict[str, dt.date]:
        """When each document in the text takes effect ("Thông tư này có hiệu lực từ ngày …")."""
        dates: dict[str, dt.date] = {}
        for at, day in titles.own_effective(text):
            owner = sections.own_at(at, None)
            if owner is not None:
                dates.setdefault(mentions[owner].instrument.key, day)
        return dates

    owner_keys = {mentions[o].instrument.key for o in sections.owner_indices}
    return titles.effective_dates(text, rels, own_dates, owner_keys)


def _named_types(found: Sequence[_Found]) -> dict[tuple[str, str | None], str]:
    """For symbols without a type part (118/TTg, 84-CP), the type the words before one
    of their mentions name, where another mention had none ("số 118/TTg" in a list)."""
    defaults = {vocabulary().defaults["untyped"], vocabulary().defaults["law_family"]}
    named: dict[tuple[str, str | None], str] = {}
    for f in found:
        if not f.sym.typed and f.sym.doc_type not in defaults:
            named.setdefault(f.key, f.sym.doc_type)
    return named
