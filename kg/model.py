"""The domain model every part of legal-kg shares.

Data flows one way: a reader produces a :class:`Text`, the extractors turn it
into :class:`Mention` s (each resolved to an :class:`Instrument`) and
:class:`Relation` s, gathered with the document's own metadata in an
:class:`Extraction`. The graph builder and the stores only ever read these.

All offsets are character offsets into ``Text.content`` (the text as read,
after decoding and before any normalisation).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = [
    "plain",
    "citation_rows",
    "Text",
    "Instrument",
    "Mention",
    "NameMention",
    "RelationKind",
    "Relation",
    "Report",
    "Extraction",
    "slugify",
]


def plain(obj) -> dict:
    """An :class:`Instrument`, :class:`Relation` or :class:`Report` as plain data (JSON and msgpack
    can hold it): dates in ISO form, a report without its text. ``type(obj).from_plain`` reverses it."""
    out = {}
    for name in _plain_fields(type(obj)):
        value = getattr(obj, name)
        if value is None or type(value) in _PLAIN_TYPES:
            pass
        elif isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, enum.Enum):
            value = value.value
        elif dataclasses.is_dataclass(value):
            value = plain(value)
        out[name] = value
    return out


_PLAIN_TYPES = frozenset({str, int, float, bool})  # kept as they are (checked first: most values are)


_FIELDS: dict[type, tuple[str, ...]] = {}


def _plain_fields(cls: type) -> tuple[str, ...]:
    """The fields :func:`plain` keeps of a dataclass: all but a report's text (read once per class)."""
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.name != "text")
    return names


def _date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


@functools.lru_cache(maxsize=65536)
def slugify(value: str) -> str:
    """ASCII slug for identifiers and IRIs: ``"60/2021/NĐ-CP"`` → ``"60-2021-nd-cp"``."""
    value = value.replace("đ", "d").replace("Đ", "D")
    if not value.isascii():  # (most symbols are, once Đ is D)
        value = unicodedata.normalize("NFKD", value)
        value = "".join(c for c in value if not unicodedata.combining(c))
    value = re.sub(r"[^A-Za-z0-9]+", "-", value).strip("-").lower()
    return value or "_"


@dataclass(frozen=True)
class Text:
    """A document's text as read, with where it came from.

    ``pages`` holds the character offset at which each page starts (page 1
    starts at 0); a single-page or unpaged source has ``(0,)``.
    """

    content: str
    source: str = "-"
    media_type: str = "text/plain"
    encoding: str | None = "utf-8"
    pages: tuple[int, ...] = (0,)

    @functools.cached_property
    def content_hash(self) -> str:
        """SHA-256 of the decoded text: the identity of this version of a report
        (worked out when first asked: only storing needs it)."""
        return hashlib.sha256(self.content.encode("utf-8")).hexdigest()

    def page_of(self, offset: int) -> int:
        """1-based page number holding ``offset``."""
        import bisect

        return max(1, bisect.bisect_right(self.pages, offset))


@dataclass(frozen=True)
class Instrument:
    """A legal or administrative instrument, identified by its canonical symbol.

    ``symbol`` is the official number-and-code in NFC with diacritics restored
    (``60/2021/NĐ-CP``). National instruments are identified by their symbol
    alone; provincial and departmental numbers repeat in every province and
    every year, so their identity also carries ``jurisdiction`` and ``year``.
    """

    symbol: str
    number: str
    doc_type: str
    issuer: str
    year: int | None = None
    date: dt.date | None = None
    jurisdiction: str | None = None
    national: bool = True
    title: str | None = None

    @classmethod
    def from_plain(cls, data: dict) -> Instrument:
        return cls(**{**data, "date": _date(data.get("date"))})

    @functools.cached_property
    def key(self) -> str:
        """Stable, jurisdiction-aware identity, shared by the RDF and Neo4j stores.

        ``vn/60-2021-nd-cp`` for national instruments;
        ``vn-nghe-an/2022/4288-qd-ubnd`` for local ones (``_`` when the year is
        unknown, ``vn-unknown`` when the jurisdiction is).
        """
        if self.national:
            return f"vn/{slugify(self.symbol)}"
        place = f"vn-{slugify(self.jurisdiction)}" if self.jurisdiction else "vn-unknown"
        year = str(self.year) if self.year else "_"
        return f"{place}/{year}/{slugify(self.symbol)}"


class Mention(NamedTuple):
    """One place in a text where an instrument is cited.

    A named tuple rather than a frozen dataclass: as immutable, and about three
    times cheaper to make, which counts when a text holds tens of thousands.
    """

    start: int
    end: int
    surface: str
    instrument: Instrument
    title: str | None = None  # the title (trích yếu) written after this citation

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


class NameMention(NamedTuple):
    """A law or code cited by its name ("Luật Đất đai", "Bộ luật Lao động năm 2019").

    ``name`` is the name as written, spaces normalised, without its year;
    ``key`` its folded form ("luat dat dai"), what names are matched by (OCR
    drops diacritics); ``year`` the year the name gives ("năm 2019"), if any.
    ``instrument`` is the citation written right after it ("Luật Đất đai số
    31/2024/QH15"): such a name teaches the name index; one without is to be
    resolved through it (:mod:`kg.names`).
    """

    start: int
    end: int
    surface: str
    name: str
    key: str
    year: int | None = None
    instrument: Instrument | None = None


class RelationKind(str, enum.Enum):
    """How one instrument stands to another."""

    AMENDS = "amends"
    REPLACES = "replaces"
    REPEALS = "repeals"
    GUIDES = "guides"
    BASED_ON = "based_on"
    IMPLEMENTS = "implements"


@dataclass(frozen=True)
class Relation:
    """``source`` *kind* ``target`` (e.g. 96/2010/NĐ-CP amends 115/2005/NĐ-CP).

    ``source`` is ``None`` when the relation starts at the report itself (its
    own "Căn cứ …" clauses, for a report that prints no symbol of its own).
    ``start``/``end`` is the evidence span in the text. ``effective`` is the
    date the relation takes effect where the text states it ("có hiệu lực từ
    ngày …"), else None (readers then take the source instrument's date).
    """

    kind: RelationKind
    source: Instrument | None
    target: Instrument
    start: int
    end: int
    effective: dt.date | None = None

    @classmethod
    def from_plain(cls, data: dict) -> Relation:
        return cls(RelationKind(data["kind"]), data["source"] and Instrument.from_plain(data["source"]),
                   Instrument.from_plain(data["target"]), data["start"], data["end"], _date(data.get("effective")))


@dataclass(frozen=True)
class Report:
    """The document being read: where it came from and what it says of itself.

    ``source`` is where it was read, as shown to users: a path relative to the
    folder given to ``kg ingest`` (never an absolute server path), a URL, or
    ``-``. ``text`` is the text it was read from.
    """

    source: str
    symbol: str | None = None
    doc_type: str | None = None
    issuer: str | None = None
    date: dt.date | None = None
    title: str | None = None
    jurisdiction: str | None = None
    text: Text | None = field(default=None, repr=False)

    @classmethod
    def from_plain(cls, data: dict) -> Report:
        return cls(**{**data, "date": _date(data.get("date"))})

    @property
    def content_hash(self) -> str:
        """SHA-256 of the text read (:attr:`Text.content_hash`); ``""`` without a text."""
        return self.text.content_hash if self.text is not None else ""

    @property
    def key(self) -> str:
        """The report's identity: its text (the first 16 hex digits of :attr:`content_hash`).

        The same text is one report wherever and however often it is read, so
        moving or re-mounting an archive changes nothing; a changed file is a
        new report, which replaces the one stored from the same source
        (:attr:`source`, a label relative to the ingested folder).
        """
        if self.text is None:
            raise ValueError(f"report {self.source!r} has no text: its key is its content")
        return self.content_hash[:16]


@dataclass(frozen=True)
class Extraction:
    """Everything extracted from one text."""

    text: Text
    report: Report
    mentions: tuple[Mention, ...] = ()
    relations: tuple[Relation, ...] = ()
    extractor_version: str = field(default="")
    names: tuple[NameMention, ...] = ()  # laws and codes cited by name

    @property
    def instruments(self) -> tuple[Instrument, ...]:
        """Distinct instruments cited, in order of first mention (merged by key)."""
        seen: dict[str, Instrument] = {}
        for m in self.mentions:
            seen.setdefault(m.instrument.key, m.instrument)
        return tuple(seen.values())


def citation_rows(ex: Extraction):
    """JSON-ready rows, one per mention, then one per relation: the ``kg extract --json`` format.

    A mention row: ``file``, ``start``/``end`` (character offsets into the text
    as read), ``surface``, ``id`` (the canonical symbol), ``type``, ``date``
    (ISO or None), ``issuer``, ``jurisdiction``, ``national``, ``key``,
    ``page``, ``kind`` (``"symbol"``), ``title`` (the instrument's title in
    this text, or None). A law cited by name without a number: ``file``,
    ``start``, ``end``, ``surface``, ``id`` (None), ``page``, ``kind``
    (``"name"``), ``name``, ``year``. A relation row: ``file``, ``relation``,
    ``from``, ``to``, ``start``, ``end``, ``effective`` (ISO or None).
    """
    for m in ex.mentions:
        i = m.instrument
        yield {
            "file": ex.text.source,
            "start": m.start,
            "end": m.end,
            "surface": m.surface,
            "id": i.symbol,
            "type": i.doc_type,
            "date": i.date.isoformat() if i.date else None,
            "issuer": i.issuer,
            "jurisdiction": i.jurisdiction,
            "national": i.national,
            "key": i.key,
            "page": ex.text.page_of(m.start),
            "kind": "symbol",
            "title": i.title,
        }
    for n in ex.names:
        if n.instrument is None:
            yield {"file": ex.text.source, "start": n.start, "end": n.end, "surface": n.surface, "id": None,
                   "page": ex.text.page_of(n.start), "kind": "name", "name": n.name, "year": n.year}
    for r in ex.relations:
        yield {
            "file": ex.text.source,
            "relation": r.kind.value,
            "from": r.source.symbol if r.source else ex.report.symbol,
            "to": r.target.symbol,
            "start": r.start,
            "end": r.end,
            "effective": r.effective.isoformat() if r.effective else None,
        }
