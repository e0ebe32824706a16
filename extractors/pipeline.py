"""The extraction pipeline: text → :class:`~kg.model.Extraction`.

fold (normalize) → find candidates → read context → resolve → date lists and
document-wide merging → the document's own header → relations. Pure functions
throughout; offsets always point into the text as given.
"""
from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, replace

from kg import __version__
from kg.model import Extraction, Instrument, Mention, Report, Text

from . import context, relations
from .find import find_candidates
from .normalize import Folded, fold, fold_lower
from .resolve import Symbol, resolve
from .vocab import vocabulary

EXTRACTOR_VERSION = f"legal-kg-extractors/{__version__}"

_HEADER_CHARS = 2500  # how far the letterhead, own symbol and title may reach
# A sentence ends at ";", a blank line, ". " before a capital, or a new bullet line.
_SENTENCE_BREAK = re.compile(r";|\n[ \t]*\n|\.(?=\s+[A-Z])|\n(?=[ \t]*[-+•][ \t])")
# What may stand between symbols listed together: "số 008/CĐ-UBND và số 009/CĐ-UBND".
_LIST_JOIN = re.compile(r"[\s,]*(?:v\S{0,2}|hoac|,)?\s*(?:[^\d\s;.()]{1,12}\s+){0,3}?(?:s[a-z0-9&@¢]?\.?)?\s*")
_OWN_SYMBOL = re.compile(r"(?:^|\n)[ \t]*s[a-z0-9&@¢]?[ \t]*[:;.][ \t]*$")
_DATE_LINE = re.compile(rf",[ \t]*{context._NGAY}")


@dataclass
class _Found:
    """A citation being assembled: symbol, its context, and what it resolves to."""

    sym: Symbol
    type_code: str
    date: dt.date | None
    date_end: int | None
    jurisdiction: str | None


def _lowered(folded: Folded) -> str:
    lower = folded.text.lower()
    if len(lower) != len(folded.text):  # a few exotic capitals lower to two chars
        lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in folded.text)
    return lower


def _sentence_starts(folded: str) -> list[int]:
    return [0] + [m.end() for m in _SENTENCE_BREAK.finditer(folded)]


def _type_code(sym: Symbol, type_word: str | None) -> str:
    if sym.doc_type:
        return sym.doc_type
    if sym.law_family:
        return type_word if type_word in ("NQ", "PL") else "LUẬT"
    return type_word or "CV"


def _local_place(lower: str, sym: Symbol, date_end: int | None, default: str | None) -> str | None:
    """Province named in "của UBND tỉnh X" right after a local symbol, else the document's."""
    stop = date_end or min(len(lower), sym.end + 70)
    digit = re.search(r"\d", lower[sym.end:stop])
    if digit:
        stop = sym.end + digit.start()
    places = context.provinces_in(lower, sym.end, stop)
    return places[0][0] if places else default


def _header(folded: str, lower: str, found: list[_Found], jurisdiction: str | None) -> dict:
    """What the document says of itself in its header: own symbol, type, title, issuer, date."""
    head = lower[:_HEADER_CHARS]
    vocab = vocabulary()
    meta: dict = {"jurisdiction": jurisdiction}
    own = next((f for f in found if f.sym.start < _HEADER_CHARS
                and _OWN_SYMBOL.search(lower, max(0, f.sym.start - 16), f.sym.start)), None)
    if own:
        meta.update(symbol=own.sym.symbol, doc_type=own.type_code, issuer=own.sym.issuer.split("-")[0])
    date_line = _DATE_LINE.search(head)
    if date_line:
        m = context.DATE_ANYWHERE.search(head, date_line.start() + 1)
        if m and m.start() - date_line.start() < 8:
            meta["date"] = context._match_date(m)
    # The title: a line of capitals naming a document type, and the line(s) after it.
    lines = folded[:_HEADER_CHARS].split("\n")
    for i, line in enumerate(lines[:30]):
        words = line.strip()
        if len(words) < 4 or words.upper() != words or not re.search(r"[A-Z]", words):
            continue
        code = next((c for c, t in vocab.doc_types.items() for w in t.words if fold_lower(w) == words.lower()), None)
        if code:
            meta.setdefault("doc_type", code)
            title = []
            for nxt in lines[i + 1:i + 6]:
                if nxt.strip():
                    title.append(nxt.strip())
                elif title:
                    break
            if title:
                offset = folded.index(title[0])
                meta["title_span"] = (offset, offset + len(" ".join(title)))
            break
    if "issuer" not in meta:
        for line in lines[:8]:
            low = fold_lower(line).strip()
            for code, issuer in vocab.issuers.items():
                if low and low.startswith(fold_lower(issuer.vi)) and line.strip().upper() == line.strip():
                    meta["issuer"] = code
                    break
            if "issuer" in meta:
                break
    return meta


def extract(text: str | Text, *, source: str | None = None, jurisdiction: str | None = None) -> Extraction:
    """Extract every citation from ``text`` and resolve it to an instrument.

    ``jurisdiction`` (a province name) overrides the one read from the document;
    it gives local instruments (``QĐ-UBND``, ``CT/TU``, department letters) their identity.
    """
    doc = text if isinstance(text, Text) else Text(text, source=source or "-")
    raw = doc.content
    folded = fold(raw)
    lower = _lowered(folded)
    place = jurisdiction or context.document_jurisdiction(lower)
    starts = _sentence_starts(folded.text)

    def sentence_of(offset: int) -> int:
        return bisect.bisect_right(starts, offset) - 1

    found: list[_Found] = []
    for cand in find_candidates(folded.text):
        type_word = context.type_word_before(lower, cand.start)
        sym = resolve(cand, folded.text, type_word)
        if sym is None:
            continue
        date, date_end = None, None
        after = context.date_after(lower, sym.end)
        if after:
            date, date_end = after
        else:
            date = context.date_before(lower, starts[sentence_of(sym.start)], sym.start)
        local = None if sym.national else _local_place(lower, sym, date_end, place)
        found.append(_Found(sym, _type_code(sym, type_word), date, date_end, local))

    # Symbols listed together share the date stated after the last of them.
    for a, b in reversed(list(zip(found, found[1:]))):
        if a.date is None and b.date is not None and _LIST_JOIN.fullmatch(lower, a.sym.end, b.sym.start):
            a.date = b.date

    # One instrument per symbol and place: the date stated anywhere in the document.
    dates: dict[tuple, Counter] = {}
    for f in found:
        if f.date:
            dates.setdefault((f.sym.symbol, f.jurisdiction), Counter())[f.date] += 1

    def instrument(f: _Found) -> Instrument:
        votes = dates.get((f.sym.symbol, f.jurisdiction))
        date = votes.most_common(1)[0][0] if votes else None
        return Instrument(
            symbol=f.sym.symbol,
            number=f.sym.number,
            doc_type=f.type_code,
            issuer=f.sym.issuer,
            year=f.sym.year or (date.year if date else None),
            date=date,
            jurisdiction=f.jurisdiction if not f.sym.national else None,
            national=f.sym.national,
        )

    mentions = tuple(
        Mention(folded.start(f.sym.start), folded.end(f.sym.end),
                raw[folded.start(f.sym.start):folded.end(f.sym.end)], instrument(f))
        for f in found
    )

    meta = _header(folded.text, lower, found, place)
    title_span = meta.pop("title_span", None)
    title = " ".join(raw[folded.start(title_span[0]):folded.end(title_span[1])].split()) if title_span else None
    own = next((m.instrument for m in mentions if m.instrument.symbol == meta.get("symbol")), None)
    if own and meta.get("date") and own.date is None:
        own = replace(own, date=meta["date"], year=own.year or meta["date"].year)
        mentions = tuple(replace(m, instrument=own) if m.instrument.symbol == own.symbol else m for m in mentions)
    report = Report(
        source=doc.source,
        content_hash=doc.content_hash,
        symbol=meta.get("symbol"),
        doc_type=meta.get("doc_type"),
        issuer=meta.get("issuer"),
        date=meta.get("date") or (own.date if own else None),
        title=title,
        jurisdiction=place,
    )

    def clause_end(offset: int) -> int:
        i = bisect.bisect_right(starts, offset)
        return starts[i] if i < len(starts) else len(raw)

    # Relations use folded offsets internally; mentions in folded coordinates for that.
    folded_mentions = [replace(m, start=f.sym.start, end=f.sym.end) for m, f in zip(mentions, found)]
    rels = relations.relations_between(lower, folded_mentions, sentence_of)
    rels += relations.based_on(lower, folded_mentions, own, clause_end)
    rels = [replace(r, start=folded.start(r.start), end=folded.end(r.end)) for r in relations.unique(rels)]
    return Extraction(doc, report, mentions, tuple(rels), EXTRACTOR_VERSION)
