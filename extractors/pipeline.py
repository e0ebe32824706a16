"""The extraction pipeline: text → :class:`~kg.model.Extraction`.

find candidates → read the words before them → resolve → dates → places →
date lists and document-wide merging → the document's own header → relations.
Pure functions throughout; offsets always point into the text as given. Only
the candidate scan and two cheap look-ups (province, "Căn cứ") pass over the
whole text; everything else reads small windows around citations.

Each step runs over every citation before the next starts (as in eyecite):
a step's patterns and look-up tables then stay in the processor's caches,
and the whole takes about a sixth less time than taking citations one by one
through all the steps (bench/README.md).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from kg import __version__
from kg.model import Extraction, Instrument, Mention, Report, Text

from . import context, relations
from .find import find_candidates
from .normalize import fold_lower
from .resolve import Symbol, resolve
from .vocab import vocabulary

EXTRACTOR_VERSION = f"legal-kg-extractors/{__version__}"

HEADER_CHARS = 2500  # how far the letterhead, own symbol and title may reach
# What may stand between symbols listed together: "số 008/CĐ-UBND và số 009/CĐ-UBND".
_LIST_JOIN = re.compile(rf"[\s,]*(?:v\S{{0,2}}|hoac|,)?\s*(?:[^\d\s;.()]{{1,12}}\s+){{0,3}}?(?:{context.SO}\.?)?\s*")
# Who issued a symbol with no date after it: the words up to a number or a stop.
_ISSUER_WORDS = re.compile(r"[^\d;.]*")
# "Số: 123/BC-SKHCN" opening a header line: the document's own symbol.
_OWN_SYMBOL = re.compile(rf"(?:^|\n)[ \t]*{context.SO}[ \t]*[:;.]?[ \t]*$")


@dataclass(slots=True)
class _Found:
    """A citation being assembled: symbol, its context, and what it resolves to."""

    sym: Symbol
    date: dt.date | None
    jurisdiction: str | None
    key: tuple[str, str | None]  # one instrument per symbol and place


def _place(text: str, sym: Symbol, after: tuple | None, place: str | None) -> str | None:
    """The jurisdiction of a local symbol: the province named right after it
    ("của UBND tỉnh Hà Tĩnh"), else the document's. None for a national one."""
    if sym.national:
        return None
    # The words between the symbol and its date, or else up to a number or a stop.
    issuer_words = after[1] if after else _ISSUER_WORDS.match(text, sym.end, sym.end + 70).group()
    named = context.provinces_in(issuer_words) if issuer_words else ()
    return named[0] if named else place


def _header(text: str, found: list[_Found]) -> dict:
    """What the document says of itself in its header: own symbol, type, title, issuer, date."""
    vocab = vocabulary()
    meta: dict = {}
    own = next((f for f in found if f.sym.start < HEADER_CHARS
                and _OWN_SYMBOL.search(fold_lower(text[max(0, f.sym.start - 16):f.sym.start]))), None)
    if own:
        meta.update(symbol=own.sym.symbol, doc_type=own.sym.doc_type, issuer=own.sym.issuer.split("-")[0])
    for m in context.DATE.finditer(text, 0, HEADER_CHARS):
        if re.search(rf"[^\W\d_],{context.SPACE}*$", text[max(0, m.start() - 3):m.start()]):  # "Nghệ An, ngày …"
            meta["date"] = context.spelled_date(m["date"])
            break
    # The title: a line of capitals naming a document type, and the line(s) after it.
    lines = text[:HEADER_CHARS].split("\n")
    for i, line in enumerate(lines[:30]):
        words = line.strip()
        if len(words) < 4 or words.upper() != words or not any(c.isalpha() for c in words):
            continue
        folded = fold_lower(words)
        code = next((c for c, t in vocab.doc_types.items() for w in t.words if fold_lower(w) == folded), None)
        if code:
            meta.setdefault("doc_type", code)
            title: list[str] = []
            for nxt in lines[i + 1:i + 6]:
                if nxt.strip():
                    title.append(nxt.strip())
                elif title:
                    break
            if title:
                meta["title"] = " ".join(" ".join(title).split())
            break
    if "issuer" not in meta:  # the letterhead: "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
        for line in lines[:8]:
            folded = fold_lower(line).strip()
            code = next((code for code, issuer in vocab.issuers.items()
                         if folded and folded.startswith(fold_lower(issuer.vi)) and line.strip().isupper()), None)
            if code:
                meta["issuer"] = code
                break
    return meta


def extract(text: str | Text, *, source: str | None = None, jurisdiction: str | None = None) -> Extraction:
    """Extract every citation from ``text`` and resolve it to an instrument.

    ``jurisdiction`` (a province name) overrides the one read from the document;
    it gives local instruments (``QĐ-UBND``, ``CT/TU``, department letters) their identity.
    """
    doc = text if isinstance(text, Text) else Text(text, source=source or "-")
    raw = doc.content
    place = jurisdiction or context.document_jurisdiction(raw, HEADER_CHARS)

    candidates = list(find_candidates(raw))
    named = context.words_before(raw, [c.start() for c in candidates])  # (a citation?, type word)
    symbols = [resolve(c, type_word) for c, (citation, type_word) in zip(candidates, named) if citation]
    symbols = [sym for sym in symbols if sym is not None]
    afters = [context.date_after(raw, sym.end) for sym in symbols]  # (date, words before it) or None
    stated = [after[0] if after else context.date_before(raw, sym.start) for sym, after in zip(symbols, afters)]
    places = [_place(raw, sym, after, place) for sym, after in zip(symbols, afters)]
    found = [_Found(sym, date, local, (sym.symbol, local)) for sym, date, local in zip(symbols, stated, places)]

    # Symbols listed together share the date stated after the last of them.
    for i in range(len(found) - 2, -1, -1):
        a, b = found[i], found[i + 1]
        if a.date is None and b.date is not None and b.sym.start - a.sym.end < 80 \
                and _LIST_JOIN.fullmatch(fold_lower(raw[a.sym.end:b.sym.start])):
            a.date = b.date

    meta = _header(raw, found)
    own_symbol = meta.get("symbol")
    # One instrument per symbol and place: the date stated anywhere in the document
    # (the header's date for the document's own symbol).
    votes: dict[tuple, dict[dt.date, int]] = {}
    for f in found:
        date = f.date or (meta.get("date") if f.sym.symbol == own_symbol else None)
        if date:
            counts = votes.get(f.key)
            if counts is None:
                counts = votes[f.key] = {}
            counts[date] = counts.get(date, 0) + 1
    # The date stated most often; on a tie, the first stated (most have only one).
    dates = {key: next(iter(counts)) if len(counts) == 1 else max(counts, key=counts.__getitem__)
             for key, counts in votes.items()}

    # One shared Instrument per symbol and place.
    instruments: dict[tuple, Instrument] = {}
    mentions: list[Mention] = []
    for f in found:
        sym = f.sym
        instrument = instruments.get(f.key)
        if instrument is None:
            date = dates.get(f.key)
            # (symbol, number, doc_type, issuer, year, date, jurisdiction, national)
            instrument = instruments[f.key] = Instrument(
                sym.symbol, sym.number, sym.doc_type, sym.issuer,
                sym.year or (date.year if date else None), date, f.jurisdiction, sym.national)
        mentions.append(Mention(sym.start, sym.end, raw[sym.start:sym.end], instrument))
    own = next((m.instrument for m in mentions if m.instrument.symbol == own_symbol), None)
    report = Report(
        source=doc.source,
        symbol=own_symbol,
        doc_type=meta.get("doc_type"),
        issuer=meta.get("issuer"),
        date=meta.get("date") or (own.date if own else None),
        title=meta.get("title"),
        jurisdiction=place,
        text=doc,
    )
    rels = relations.relations_between(raw, mentions)
    rels += relations.based_on(raw, mentions, own)
    return Extraction(doc, report, tuple(mentions), tuple(relations.unique(rels)), EXTRACTOR_VERSION)
