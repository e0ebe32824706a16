"""Model → RDF (one report's triples, in ontology terms) and RDF → networkx.

The RDF terms are those of ``ontology/legal-kg.ttl``: ELI for what ELI has
(``eli:LegalResource``, ``eli:cites``, ``eli:amends`` …), ``lkg:`` for the rest,
PROV-O for provenance and SKOS concepts for document types, issuers and
jurisdictions. The concept schemes themselves are generated from the YAML
vocabulary by :func:`vocabulary_graphs` (``scripts/build_vocab.py`` writes them
to ``ontology/vocabularies/``), so the YAML stays the one source of truth.

IRIs are deterministic, derived from :attr:`Instrument.key` and
:attr:`Report.key` under a configurable base: :class:`kg.iris.IriScheme`.
Which predicate holds which field of each kind of node is the table of
:mod:`kg.shape`, which readers of report graphs go through too.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import networkx as nx
import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDFS, SKOS

from extractors.vocab import DocType, Issuer, Jurisdiction, vocabulary
from kg.iris import DEFAULT_BASE, ELI, INSTRUMENTS_GRAPH, LKG, VOCAB, VOCABULARY_GRAPH, IriScheme
from kg.model import Extraction, Instrument, Mention, NameMention, Relation, RelationKind, Report, Text, slugify
from kg.resources import data_dir
from kg.shape import (
    ACTIVITY,
    AGENT,
    CONCEPT,
    INSTRUMENT,
    MENTION,
    NAME_MENTION,
    RELATION_PROPERTIES,
    REPORT,
    STATEMENT,
    TYPE,
    ActivityShape,
    AgentShape,
    ConceptShape,
    Described,
    InstrumentShape,
    MentionShape,
    NameMentionShape,
    ReportShape,
    StatementShape,
)
from kg.stores.base import ReportGraph

__all__ = [
    "DEFAULT_BASE",
    "ELI",
    "LKG",
    "VOCAB",
    "RELATION_PROPERTIES",
    "CLAIMED",
    "INSTRUMENTS_GRAPH",
    "split_claims",
    "choose",
    "build_report_graph",
    "report_triples",
    "vocabulary_graphs",
    "to_networkx",
    "most_cited",
    "amendment_chains",
    "cited_not_ingested",
]

#: One triple of a report graph, in rdflib terms.
Triple = tuple[URIRef, URIRef, URIRef | Literal]

_EDGE_LABELS = {str(p): k.value for k, p in RELATION_PROPERTIES.items()} | {str(REPORT.cites): "cites"}

#: What a report says of an instrument that another report may say otherwise
#: (a date misread by OCR, another type word, the year of a symbol that has
#: none, taken from the report's own date): kept in each report's graph as
#: that report's claim, and decided once per instrument (:func:`choose`) in
#: the instruments graph, so the default graph holds one value.
CLAIMED = frozenset({INSTRUMENT.symbol, INSTRUMENT.doc_type, INSTRUMENT.date, INSTRUMENT.title, INSTRUMENT.year})


def split_claims(triples: Iterable[Triple]) -> tuple[list[Triple], list[Triple]]:
    """``(shared, claims)``: the triples any report would state alike, and one report's claims.

    A claim is a :data:`CLAIMED` property of an instrument (an IRI typed
    ``eli:LegalResource`` in these triples that is not the report itself).
    """
    triples = list(triples)
    typed = {(s, o) for s, p, o in triples if p == TYPE}
    instruments = ({s for s, o in typed if o == InstrumentShape.cls and isinstance(s, URIRef)}
                   - {s for s, o in typed if o == ReportShape.cls})
    shared: list[Triple] = []
    claims: list[Triple] = []
    for t in triples:
        (claims if t[1] in CLAIMED and t[0] in instruments else shared).append(t)
    return shared, claims


def choose(candidates: Iterable[tuple[Any, int, int]]) -> Any:
    """The one value of a claimed property, from ``(value, reports stating it, own documents stating it)``.

    The instrument's own document (a report whose header prints its symbol)
    is believed first; then the value most reports state; a tie goes to the
    smallest value (the earliest date), so every store decides alike.
    """
    best = None
    for value, reports, own in candidates:
        rank = (-own, -reports, str(getattr(value, "value", value)))  # the lexical form, in any store
        if best is None or rank < best[0]:
            best = (rank, value)
    return None if best is None else best[1]


# --------------------------------------------------------------------------
# Vocabulary: YAML → SKOS concepts (known codes) and lookups for the builder
# --------------------------------------------------------------------------

_SCHEMES = {  # name in IRIs / file names → (scheme IRI, ELI class of its concepts)
    "document-type": (URIRef(VOCAB + "document-type"), ELI.ResourceType),
    "issuer": (URIRef(VOCAB + "issuer"), ELI.Agent),
    "jurisdiction": (URIRef(VOCAB + "jurisdiction"), ELI.AdministrativeArea),
}
NATIONAL_JURISDICTION = URIRef(VOCAB + "jurisdiction/vn")


def _concept_iri(scheme: str, slug: str) -> URIRef:
    return URIRef(f"{VOCAB}{scheme}/{slug}")


@dataclasses.dataclass(frozen=True)
class _Vocab:
    """The extractors' vocabulary (loaded and checked once, extractors.vocab), keyed by IRI slug."""
    doc_types: dict[str, DocType]                   # slug → document type
    issuers: dict[str, tuple[list[str], Issuer]]    # slug → (its codes, the issuer)
    families: tuple[tuple[re.Pattern, str], ...]     # issuer code pattern → slug
    jurisdictions: dict[str, str]                    # slug of name or alias → slug of name
    places: dict[str, Jurisdiction]                  # slug of name → province or city


@functools.cache
def _vocab() -> _Vocab:
    v = vocabulary()
    doc_types: dict[str, DocType] = {}
    for code, doc_type in v.doc_types.items():
        slug = slugify(code)
        if slug in doc_types:
            raise ValueError(f"document types {doc_types[slug].code!r} and {code!r} share slug {slug!r}")
        doc_types[slug] = doc_type
    issuers: dict[str, tuple[list[str], Issuer]] = {}
    families = []
    for code, issuer in v.issuers.items():
        slug = slugify(code)
        if slug in issuers:
            # TU and TƯ (both "Tỉnh ủy") share a slug: one concept, two notations.
            codes, old = issuers[slug]
            if (old.vi, old.en, old.level) != (issuer.vi, issuer.en, issuer.level):
                raise ValueError(f"issuers {codes} and {code!r} share slug {slug!r}")
            codes.append(code)
            continue
        issuers[slug] = ([code], issuer)
        if issuer.pattern is not None:
            families.append((issuer.pattern, slug))
    jurisdictions = {"vn": "vn", "viet-nam": "vn"}
    places: dict[str, Jurisdiction] = {}
    for name, place in v.jurisdictions.items():
        slug = slugify(name)
        places[slug] = place
        for alias in [name, *place.names]:
            jurisdictions.setdefault(slugify(alias), slug)
    return _Vocab(doc_types, issuers, tuple(families), jurisdictions, places)


def _unaccent(s: str) -> str:
    s = s.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def vocabulary_graphs() -> dict[str, rdflib.Graph]:
    """The SKOS concept schemes and the provinces' own bodies, built from the YAML vocabulary.

    Keys are the file stems written to ``ontology/vocabularies/``:
    ``document-types``, ``issuers``, ``issuing-bodies``, ``jurisdictions``.
    """
    v = _vocab()
    return {
        "document-types": _document_types(v),
        "issuers": _issuers(v),
        "issuing-bodies": _issuing_bodies(v),
        "jurisdictions": _jurisdictions(v),
    }


@dataclasses.dataclass(frozen=True)
class _Scheme:
    """A concept scheme being built: its graph, its IRI and the ELI class of its concepts."""

    graph: rdflib.Graph
    iri: URIRef
    cls: URIRef

    def concept(self, c: URIRef, codes: Sequence[str], vi: str, en: str, alt_vi: Iterable[str] = (),
                top: bool = True) -> None:
        """Add concept ``c`` (its notations ``codes``, Vietnamese and English labels) to the scheme."""
        g, C = self.graph, CONCEPT
        g.add((c, TYPE, ConceptShape.cls))
        g.add((c, TYPE, self.cls))
        # owl:NamedIndividual: OWL tools (and pyshacl's ont_graph mixing) treat
        # the concepts as individuals of the ontology, not as stray data.
        g.add((c, TYPE, OWL.NamedIndividual))
        g.add((c, C.in_scheme, self.iri))
        if top:
            g.add((c, SKOS.topConceptOf, self.iri))
        g.add((c, C.pref_label, Literal(vi, lang="vi")))
        g.add((c, C.alt_label, Literal(en, lang="en")))
        for a in alt_vi:
            if a != vi:
                g.add((c, C.alt_label, Literal(a, lang="vi")))
        for code in codes:
            g.add((c, C.notation, Literal(code)))


def _scheme(name: str, en: str, vi: str, comment: str) -> _Scheme:
    """A new graph holding the concept scheme ``name`` (a key of :data:`_SCHEMES`) and its labels."""
    g = rdflib.Graph()
    for prefix, ns in (("skos", SKOS), ("eli", ELI), ("dcterms", DCTERMS), ("rdfs", RDFS), ("owl", OWL)):
        g.bind(prefix, ns)
    g.bind(name.replace("-", ""), VOCAB + name + "/")
    iri, cls = _SCHEMES[name]
    g.add((iri, TYPE, SKOS.ConceptScheme))
    g.add((iri, TYPE, OWL.NamedIndividual))
    g.add((iri, CONCEPT.pref_label, Literal(vi, lang="vi")))
    g.add((iri, CONCEPT.pref_label, Literal(en, lang="en")))
    g.add((iri, RDFS.comment, Literal(comment, lang="en")))
    g.add((iri, DCTERMS.source, Literal("extractors/vocab (generated by scripts/build_vocab.py)")))
    return _Scheme(g, iri, cls)


def _document_types(v: _Vocab) -> rdflib.Graph:
    """The document-type scheme: one concept per type code."""
    s = _scheme("document-type", "Document types", "Loại văn bản",
                "Types of Vietnamese legal and administrative documents; notation = the code used inside symbols.")
    for slug, d in v.doc_types.items():
        s.concept(_concept_iri("document-type", slug), [d.code], d.vi, d.en, d.words)
    return s.graph


def _issuers(v: _Vocab) -> rdflib.Graph:
    """The issuer scheme: one concept per kind of body, in one collection per level."""
    s = _scheme("issuer", "Issuing bodies", "Cơ quan ban hành",
                "Bodies that issue documents; notation = the code used inside symbols. "
                "Members of the national, provincial and district collections.")
    g = s.graph
    levels: dict[str, URIRef] = {}
    for slug, (codes, issuer) in v.issuers.items():
        c = _concept_iri("issuer", slug)
        s.concept(c, codes, issuer.vi, issuer.en, issuer.names)
        level = issuer.level
        if issuer.pattern is not None:
            g.add((c, SKOS.scopeNote, Literal(f"Also stands for the codes matching {issuer.pattern.pattern}.",
                                              lang="en")))
        if level not in levels:
            levels[level] = col = URIRef(f"{VOCAB}issuer/level/{level}")
            g.add((col, TYPE, SKOS.Collection))
            g.add((col, CONCEPT.pref_label, Literal(f"{level} issuing bodies", lang="en")))
        g.add((levels[level], SKOS.member, c))
    return g


def _issuing_bodies(v: _Vocab) -> rdflib.Graph:
    """Each province's own bodies (UBND tỉnh Nghệ An …): :func:`_body_description` of every pair."""
    g = rdflib.Graph()
    for prefix, ns in (("skos", SKOS), ("eli", ELI), ("owl", OWL), ("issuer", VOCAB + "issuer/"),
                       ("jurisdiction", VOCAB + "jurisdiction/")):
        g.bind(prefix, ns)
    for slug, (_, issuer) in v.issuers.items():
        if issuer.level == "provincial":
            for place in v.places:
                for triple in _body_description(slug, place):
                    g.add(triple)
    return g


def _jurisdictions(v: _Vocab) -> rdflib.Graph:
    """The jurisdiction scheme: Viet Nam and, narrower, its provinces and centrally-run cities."""
    s = _scheme("jurisdiction", "Jurisdictions", "Địa bàn",
                "Viet Nam and its provinces and centrally-run cities: the jurisdictions of instruments. "
                "notation = ISO 3166-2 code.")
    s.concept(NATIONAL_JURISDICTION, ["VN"], "Việt Nam", "Viet Nam")
    for slug, place in v.places.items():
        c = _concept_iri("jurisdiction", slug)
        s.concept(c, [place.code] if place.code else [], place.name, _unaccent(place.name), place.names, top=False)
        # broader only: skos:narrower, its inverse, would add nothing and makes
        # pyshacl's ont_graph mixing recurse through vn ↔ province forever.
        s.graph.add((c, SKOS.broader, NATIONAL_JURISDICTION))
    return s.graph


# Concept lookups. Each returns ((iri, code_if_unknown), ...): an unknown code
# gets a concept node in the report graph (label = code) so data never dangles.

@functools.cache
def _doc_type(code: str) -> tuple[tuple[URIRef, str | None], ...]:
    slug = slugify(code)
    return ((_concept_iri("document-type", slug), None if slug in _vocab().doc_types else code),)


def _known_issuer(code: str) -> str | None:
    v = _vocab()
    slug = slugify(code)
    if slug in v.issuers:
        return slug
    for pattern, family in v.families:  # QH14 → QH (the legislature stays in the symbol)
        if pattern.fullmatch(code):
            return family
    return None


@functools.cache
def _issuer(code: str) -> tuple[tuple[URIRef, str | None], ...]:
    slug = _known_issuer(code)
    if slug:
        return ((_concept_iri("issuer", slug), None),)
    parts = [p for p in code.split("-") if p]
    known = [slug for p in parts if (slug := _known_issuer(p))]
    if len(parts) > 1 and len(known) == len(parts):  # a joint symbol (BTC-BNV): passed by each body
        return tuple((_concept_iri("issuer", s), None) for s in dict.fromkeys(known))
    return ((_concept_iri("issuer", slugify(code)), code),)


@functools.cache
def _jurisdiction(name: str) -> tuple[tuple[URIRef, str | None], ...]:
    slug = _vocab().jurisdictions.get(slugify(name))
    if slug:
        return ((_concept_iri("jurisdiction", slug), None),)
    return ((_concept_iri("jurisdiction", slugify(name)), name),)


def _is_national_issuer(code: str | None) -> bool:
    if not code:
        return False
    slug = _known_issuer(code) or _known_issuer(code.split("-")[0])
    return slug is not None and _vocab().issuers[slug][1].national


# --------------------------------------------------------------------------
# Model → RDF
# --------------------------------------------------------------------------

def _merge(a: Instrument, b: Instrument) -> Instrument:
    """``a`` completed with what ``b`` knows (first value wins, so one date per report)."""
    missing = {f: getattr(b, f) for f in ("date", "year", "title", "jurisdiction")
               if getattr(a, f) is None and getattr(b, f) is not None}
    return dataclasses.replace(a, **missing) if missing else a


def _own_instrument(report: Report, cited: dict[str, Instrument]) -> Instrument | None:
    """The instrument a report *is*, when it prints its own symbol.

    Taken from its own header mention when there is one (the resolver's
    judgement); else rebuilt from the report's metadata, national when its
    issuer is a national body.
    """
    if not report.symbol:
        return None
    symbol = unicodedata.normalize("NFC", report.symbol)
    same = [i for i in cited.values() if unicodedata.normalize("NFC", i.symbol) == symbol]
    for i in same:
        if i.national or not report.jurisdiction or i.jurisdiction == report.jurisdiction:
            return i
    m = re.search(r"/((?:19|20)\d\d)/", symbol)
    year = int(m.group(1)) if m else (report.date.year if report.date else None)
    national = _is_national_issuer(report.issuer)
    return Instrument(
        symbol=symbol, number=symbol.split("/")[0], doc_type=report.doc_type or "",
        issuer=report.issuer or "", year=year, date=report.date,
        jurisdiction=None if national else report.jurisdiction, national=national, title=report.title,
    )


# Literal(int) is twice as fast as Literal(str, datatype=...); offsets recur
# across reports, so a cache pays.
_int = functools.lru_cache(maxsize=1 << 16)(Literal)


@functools.lru_cache(maxsize=1 << 14)
def _concept_links(pred: URIRef, node: URIRef, scheme: str, value: str) -> tuple[Triple, ...]:
    """``node pred concept`` triples, plus the description of any concept the vocabulary lacks."""
    lookup = {"document-type": _doc_type, "issuer": _issuer, "jurisdiction": _jurisdiction}[scheme]
    out: list[Triple] = []
    for iri, unknown in lookup(value):
        out.append((node, pred, iri))
        if unknown is not None:  # e.g. an issuer code met only in text: label = code
            out += [(iri, TYPE, ConceptShape.cls), (iri, TYPE, _SCHEMES[scheme][1]),
                    (iri, CONCEPT.in_scheme, _SCHEMES[scheme][0]),
                    (iri, CONCEPT.pref_label, Literal(unknown)), (iri, CONCEPT.notation, Literal(unknown))]
    return tuple(out)


_DESCRIBED = Described()


def _describe(node: URIRef, symbol: str | None, doc_type: str | None, issuer: str | None, date: dt.date | None,
              title: str | None, jurisdiction: str | None, national: bool) -> list[Triple]:
    """ELI metadata shared by instruments and reports."""
    D = _DESCRIBED
    t: list[Triple] = []
    if symbol:
        t.append((node, D.symbol, Literal(symbol)))
    if doc_type:
        t += _concept_links(D.doc_type, node, "document-type", doc_type)
    if issuer:
        body = None if national or not jurisdiction else _concrete_body(issuer, jurisdiction)
        if body is None:
            t += _concept_links(D.issuer, node, "issuer", issuer)
        else:
            t.append((node, D.issuer, body))
    if date:
        t.append((node, D.date, Literal(date)))
    if title:
        t.append((node, D.title, Literal(title, lang="vi")))
    if national:
        t.append((node, D.jurisdiction, NATIONAL_JURISDICTION))
    elif jurisdiction:
        t += _concept_links(D.jurisdiction, node, "jurisdiction", jurisdiction)
    return t


@functools.lru_cache(maxsize=1 << 12)
def _concrete_body(issuer: str, jurisdiction: str) -> URIRef | None:
    """The body of a province that passed a local instrument (UBND tỉnh Nghệ An): its concept's IRI
    (described in the issuing-bodies vocabulary, :func:`_body_description`), or None when ``issuer``
    is not one province's body in the vocabulary (a national body, a joint or unknown code) or the
    province is unknown."""
    v = _vocab()
    slug = _known_issuer(issuer)
    place = v.jurisdictions.get(slugify(jurisdiction))
    if slug is None or place is None or v.issuers[slug][1].level != "provincial":
        return None
    return URIRef(f"{VOCAB}issuer/{slug}.{place}")


def _body_description(slug: str, place: str) -> list[Triple]:
    """The concept of province ``place``'s body of kind ``slug``: in the issuer scheme, narrower
    than the kind of body (UBND), with its code, its names and its province."""
    v = _vocab()
    codes, issuer = v.issuers[slug]
    province = v.places[place]
    kind = province.kind
    body = URIRef(f"{VOCAB}issuer/{slug}.{place}")
    en_kind = "City" if kind == "thành phố" else "Province"
    return [
        (body, TYPE, ConceptShape.cls), (body, TYPE, ELI.Organization), (body, TYPE, OWL.NamedIndividual),
        (body, CONCEPT.in_scheme, _SCHEMES["issuer"][0]), (body, SKOS.broader, _concept_iri("issuer", slug)),
        (body, CONCEPT.pref_label, Literal(f"{issuer.vi} {kind} {province.name}", lang="vi")),
        (body, CONCEPT.alt_label, Literal(f"{issuer.en} of {_unaccent(province.name)} {en_kind}", lang="en")),
        (body, CONCEPT.notation, Literal(codes[0])),
        (body, _DESCRIBED.jurisdiction, _concept_iri("jurisdiction", place)),
    ]


@functools.lru_cache(maxsize=1 << 14)
def _instrument_triples(node: URIRef, inst: Instrument) -> tuple[Triple, ...]:
    """An instrument's own triples; cached because the same decree recurs in report after report."""
    t: list[Triple] = [(node, TYPE, InstrumentShape.cls)]
    if inst.number:
        t.append((node, INSTRUMENT.number, Literal(inst.number)))
    if inst.year:
        t.append((node, INSTRUMENT.year, _int(inst.year)))
    t += _describe(node, inst.symbol, inst.doc_type, inst.issuer, inst.date, inst.title,
                   inst.jurisdiction, inst.national)
    return tuple(t)


VOCABULARY_KEY = "_vocabulary"
ONTOLOGY_DIR = data_dir("ontology")


def _vocabulary_files() -> list[Path]:
    return [ONTOLOGY_DIR / "legal-kg.ttl", *sorted((ONTOLOGY_DIR / "vocabularies").glob("*.ttl"))]


def vocabulary_hash() -> str:
    """The version of the ontology and vocabularies: what :func:`vocabulary_report_graph` is stored under."""
    digest = hashlib.sha256()
    for path in _vocabulary_files():
        digest.update(path.read_bytes())
    return digest.hexdigest()


def vocabulary_report_graph(version: str | None = None) -> ReportGraph:
    """The ontology and the SKOS vocabularies as one stored graph (key ``_vocabulary``).

    Stored beside the reports so that queries can show labels of document
    types, issuers (with every province's own bodies) and provinces; saved
    like a report, so it is only rewritten when the files change. ``version``:
    their :func:`vocabulary_hash`, when the caller has it already.
    """
    g = rdflib.Graph()
    for path in _vocabulary_files():
        g.parse(data=path.read_bytes(), format="turtle")
    return ReportGraph(key=VOCABULARY_KEY, iri=VOCABULARY_GRAPH, content_hash=version or vocabulary_hash(), graph=g)


def store_vocabulary(stores) -> None:
    """Save the vocabulary in each store that lacks its current version (parsed only then)."""
    version = vocabulary_hash()
    behind = [store for store in stores if store.stored_hash(VOCABULARY_KEY) != version]
    if behind:
        vocabulary = vocabulary_report_graph(version)
        for store in behind:
            store.save(vocabulary)


def build_report_graph(extraction: Extraction, *, base: str = DEFAULT_BASE) -> ReportGraph:
    """All triples of one report, in an rdflib Graph named ``{base}graph/{Report.key}``.

    See :func:`report_triples` for what they are. The graph is backed by
    rdflib's SimpleMemory store (twice as fast to fill): iterate, serialize or
    ``+=`` it freely; copy it into a plain ``rdflib.Graph()`` before handing it
    to code that needs a context-aware store (pyshacl, ``Dataset``).
    """
    rep = extraction.report
    key = rep.key
    graph_iri = URIRef(IriScheme(base).graph(key))
    # SimpleMemory (no contexts, no events) fed through store.add: about twice
    # as fast as Graph.add on the default store, and this is the ingest hot path.
    g = rdflib.Graph(store="SimpleMemory", identifier=graph_iri)
    store_add = g.store.add
    for triple in report_triples(extraction, base=base):
        store_add(triple, g)
    return ReportGraph(key=key, iri=str(graph_iri), content_hash=rep.content_hash, graph=g)


def report_triples(extraction: Extraction, *, base: str = DEFAULT_BASE) -> list[Triple]:
    """All triples of one report (rdflib terms; may repeat a triple).

    The report node with its own metadata and ``eli:cites`` to each instrument
    it cites; the instruments (symbol, number, year, type, issuer, date,
    jurisdiction, title); a ``lkg:Mention`` per citation; each relation as a
    direct triple and as a ``lkg:RelationStatement``; the extraction activity
    and its software agent (the shapes of :mod:`kg.shape`). Instruments are
    merged by key within the report (first date, title … wins), so each has at
    most one value per property in one report graph; the union of many reports
    may hold several (see ontology/shapes.ttl). Building them costs far less
    than rdflib indexing them (most of :func:`build_report_graph`), so a store
    that loads triples itself calls this instead.
    """
    rep = extraction.report
    iris_of = IriScheme(base)
    keys, cited = _cited(extraction)
    own = _own_instrument(rep, cited)
    own_key = None
    if own is not None:
        own_key = own.key
        cited.setdefault(own_key, own)
    iris = {k: URIRef(iris_of.instrument(k)) for k in cited}
    ctx = _Context(key=rep.key, iris=iris_of, report=URIRef(iris_of.report(rep.key)),
                   activity=URIRef(iris_of.extraction(rep.key, rep.content_hash)),
                   instruments={i: iris[k] for i, k in keys.items()}, text=extraction.text)

    t = _report_node(ctx.report, rep, own, None if own_key is None else iris[own_key])
    t += _instrument_nodes(ctx.report, cited, iris, own_key)
    t += _provenance(ctx, extraction.extractor_version or "unknown")
    t += _mention_nodes(ctx, extraction.mentions)
    t += _name_nodes(ctx, extraction.names)
    t += _statement_nodes(ctx, extraction.relations)
    return t


def _cited(extraction: Extraction) -> tuple[dict[int, str], dict[str, Instrument]]:
    """The key of each Instrument object of the extraction (by ``id``), and the instruments of its
    mentions and relations merged by key (:func:`_merge`)."""
    keys: dict[int, str] = {}  # Instrument.key slugifies on every call: once per object
    cited: dict[str, Instrument] = {}
    for inst in [m.instrument for m in extraction.mentions] + [
        i for rel in extraction.relations for i in (rel.source, rel.target) if i is not None
    ]:
        k = keys.get(id(inst))
        if k is None:
            k = keys[id(inst)] = inst.key
        cited[k] = _merge(cited[k], inst) if k in cited and cited[k] is not inst else inst
    return keys, cited


class _Context(NamedTuple):
    """What the evidence of one report (mentions, names, relations) is placed by and linked to."""

    key: str  # the report's
    iris: IriScheme
    report: URIRef
    activity: URIRef  # the extraction that found it
    instruments: dict[int, URIRef]  # id of an Instrument object of the extraction → its node
    text: Text

    @property
    def paged(self) -> bool:
        return len(self.text.pages) > 1


def _report_node(r: URIRef, rep: Report, own: Instrument | None, own_node: URIRef | None) -> list[Triple]:
    """The report's own triples: its file, its text's hash, its ELI metadata and the instrument it is."""
    R = REPORT
    t: list[Triple] = [
        (r, TYPE, ReportShape.cls),
        (r, R.label, Literal(rep.symbol or rep.title or rep.source)),
        (r, R.source_file, Literal(rep.source)),
        (r, R.content_hash, Literal(rep.content_hash)),
    ]
    t += _describe(r, rep.symbol, rep.doc_type, rep.issuer, rep.date, rep.title, rep.jurisdiction,
                   own is not None and own.national)
    if own_node is not None:
        t.append((r, R.identified_as, own_node))
    return t


def _instrument_nodes(r: URIRef, cited: dict[str, Instrument], iris: dict[str, URIRef],
                      own_key: str | None) -> list[Triple]:
    """Each instrument's triples, and ``eli:cites`` from report ``r`` to each but the one it is."""
    t: list[Triple] = []
    for k, inst in cited.items():
        node = iris[k]
        t += _instrument_triples(node, inst)
        if k != own_key:  # its own header is not a citation
            t.append((r, REPORT.cites, node))
    return t


def _provenance(ctx: _Context, version: str) -> list[Triple]:
    """The extraction activity (one per content version) and the software agent that ran it."""
    agent = URIRef(ctx.iris.agent(version))
    return [
        (ctx.activity, TYPE, ActivityShape.cls),
        (ctx.activity, ACTIVITY.used, ctx.report),
        (ctx.activity, ACTIVITY.associated_with, agent),
        (agent, TYPE, AgentShape.cls),
        (agent, AGENT.label, Literal(f"legal-kg extractor {version}")),
        (agent, AGENT.extractor_version, Literal(version)),
    ]


def _mention_nodes(ctx: _Context, mentions: Sequence[Mention]) -> list[Triple]:
    """A ``lkg:Mention`` per citation: where it is and the instrument it refers to."""
    # Locals, predicates too: this loop is the hot path of ingest.
    iri, key, report, activity, node_of, paged = (
        ctx.iris.mention, ctx.key, ctx.report, ctx.activity, ctx.instruments, ctx.paged)
    M = MENTION
    cls, in_report, refers_to, start, end, surface, page, by = (
        MentionShape.cls, M.in_report, M.refers_to, M.start, M.end, M.surface, M.page, M.generated_by)
    t: list[Triple] = []
    add = t.append
    for m in mentions:
        node = URIRef(iri(key, m.start, m.end))
        add((node, TYPE, cls))
        add((node, in_report, report))
        add((node, refers_to, node_of[id(m.instrument)]))
        add((node, start, _int(m.start)))
        add((node, end, _int(m.end)))
        add((node, surface, Literal(m.surface)))
        if paged:
            add((node, page, _int(ctx.text.page_of(m.start))))
        add((node, by, activity))
    return t


def _name_nodes(ctx: _Context, names: Sequence[NameMention]) -> list[Triple]:
    """Laws cited by name: the name of the citation written after it (on the instrument), or a
    ``lkg:NameMention`` of its own, resolved later through the name index."""
    N = NAME_MENTION
    t: list[Triple] = []
    add = t.append
    for n in names:
        if n.instrument is not None:
            inst = ctx.instruments[id(n.instrument)]
            add((inst, INSTRUMENT.name, Literal(n.name)))
            add((inst, INSTRUMENT.name_key, Literal(n.key)))
            continue
        node = URIRef(ctx.iris.mention(ctx.key, n.start, n.end))
        add((node, TYPE, NameMentionShape.cls))
        add((node, N.in_report, ctx.report))
        add((node, N.start, _int(n.start)))
        add((node, N.end, _int(n.end)))
        add((node, N.surface, Literal(n.surface)))
        add((node, N.name, Literal(n.name)))
        add((node, N.name_key, Literal(n.key)))
        if n.year:
            add((node, N.name_year, _int(n.year)))
        if ctx.paged:
            add((node, N.page, _int(ctx.text.page_of(n.start))))
        add((node, N.generated_by, ctx.activity))
    return t


def _statement_nodes(ctx: _Context, relations: Sequence[Relation]) -> list[Triple]:
    """Each relation as a direct triple (``source amends target``) and as a ``lkg:RelationStatement``
    with its evidence."""
    S = STATEMENT
    t: list[Triple] = []
    add = t.append
    for rel in relations:
        kind = RelationKind(rel.kind)
        prop = RELATION_PROPERTIES[kind]
        src = ctx.report if rel.source is None else ctx.instruments[id(rel.source)]
        tgt = ctx.instruments[id(rel.target)]
        add((src, prop, tgt))
        h = hashlib.sha1(f"{src} {tgt}".encode()).hexdigest()[:8]
        node = URIRef(ctx.iris.relation(ctx.key, rel.start, rel.end, kind.value, h))
        add((node, TYPE, StatementShape.cls))
        add((node, S.relation_kind, prop))
        add((node, S.relation_source, src))
        add((node, S.relation_target, tgt))
        add((node, S.in_report, ctx.report))
        add((node, S.start, _int(rel.start)))
        add((node, S.end, _int(rel.end)))
        add((node, S.surface, Literal(ctx.text.content[rel.start:rel.end])))
        if rel.effective is not None:
            add((node, S.effective_date, Literal(rel.effective)))
        add((node, S.generated_by, ctx.activity))
    return t


# --------------------------------------------------------------------------
# RDF → networkx, and the analyses behind `kg stats`
# --------------------------------------------------------------------------

def _str(term: Any) -> str:
    """IRI or lexical form of an rdflib term (a str) or a pyoxigraph term (.value)."""
    # str(): rdflib terms compare unequal to plain str, which the lookups below use.
    return str(term) if isinstance(term, str) else term.value


_S_TYPE, _S_REPORT, _S_LR = str(TYPE), str(ReportShape.cls), str(InstrumentShape.cls)
_S_ID_LOCAL, _S_LABEL, _S_IDENTIFIED_AS = str(INSTRUMENT.symbol), str(REPORT.label), str(REPORT.identified_as)


def to_networkx(triples: Iterable) -> nx.MultiDiGraph:
    """Reports and instruments with their ``cites`` and relation edges.

    ``triples`` is any iterable of (s, p, o[, g]): an rdflib Graph or Dataset,
    pyoxigraph quads or CONSTRUCT results. Nodes are IRIs (str) with ``kind``
    (``report`` or ``instrument``), ``symbol`` and ``label``; a report that is
    itself an instrument carries ``instrument`` (that IRI), and the instrument
    ``reports`` (the reports that are it). Edges are keyed by their label
    (``cites``, ``amends``, ``replaces``, ``repeals``, ``guides``, ``based_on``,
    ``implements``), so the same edge stated by two reports is one edge.
    """
    kinds: dict[str, str] = {}
    attrs: dict[str, dict] = {}
    edges: list[tuple[str, str, str]] = []
    own: list[tuple[str, str]] = []
    for s, p, o, *_ in triples:
        s, p = _str(s), _str(p)
        if p == _S_TYPE:
            o = _str(o)
            if o == _S_REPORT:
                kinds[s] = "report"
            elif o == _S_LR:
                kinds.setdefault(s, "instrument")
        elif p in _EDGE_LABELS:
            edges.append((s, _str(o), _EDGE_LABELS[p]))
        elif p == _S_ID_LOCAL:
            attrs.setdefault(s, {})["symbol"] = _str(o)
        elif p == _S_LABEL:
            attrs.setdefault(s, {})["label"] = _str(o)
        elif p == _S_IDENTIFIED_AS:
            own.append((s, _str(o)))
    g = nx.MultiDiGraph()
    for node, kind in kinds.items():
        a = attrs.get(node, {})
        g.add_node(node, kind=kind, symbol=a.get("symbol"), label=a.get("label") or a.get("symbol") or node)
    for s, o, label in edges:
        for n in (s, o):  # an edge to a node never typed still belongs in the graph
            if n not in g:
                g.add_node(n, kind="instrument", symbol=None, label=n)
        g.add_edge(s, o, key=label, label=label)
    for report, inst in own:
        if report in g and inst in g:
            g.nodes[report]["instrument"] = inst
            g.nodes[inst].setdefault("reports", []).append(report)
    return g


def most_cited(g: nx.MultiDiGraph, n: int = 10) -> list[tuple[str, int]]:
    """The ``n`` instruments cited by the most reports: ``[(iri, reports), …]``."""
    counts = Counter(v for _, v, k in g.edges(keys=True) if k == "cites")
    return sorted(counts.items(), key=lambda kv: (-kv[1], g.nodes[kv[0]].get("label", kv[0])))[:n]


def amendment_chains(g: nx.MultiDiGraph) -> list[list[str]]:
    """Maximal paths along ``amends`` edges, longest first.

    ``[A, B, C]`` reads "A amends B, which amends C" (newest first). Cycles,
    which only OCR slips can make, are cut where a path would revisit a node.
    """
    a = nx.DiGraph((u, v) for u, v, k in g.edges(keys=True) if k == "amends")
    starts = [n for n in a if a.in_degree(n) == 0]
    for comp in nx.weakly_connected_components(a):  # a component that is all cycle
        if not any(a.in_degree(n) == 0 for n in comp):
            starts.append(min(comp))
    chains = []

    def walk(path: list[str]) -> None:
        nexts = [v for v in a.successors(path[-1]) if v not in path]
        if not nexts:
            chains.append(list(path))
        for v in sorted(nexts):
            path.append(v)
            walk(path)
            path.pop()

    for s in sorted(starts):
        walk([s])
    return sorted(chains, key=lambda c: (-len(c), c))


def cited_not_ingested(g: nx.MultiDiGraph) -> list[str]:
    """Instruments cited by some report but with no report of their own in the store.

    "Of their own": no report node is identified as that instrument (by its own
    symbol, jurisdiction-aware, through ``lkg:identifiedAs``).
    """
    return sorted(
        v for v in g
        if g.nodes[v].get("kind") == "instrument" and not g.nodes[v].get("reports")
        and any(k == "cites" for _, _, k in g.in_edges(v, keys=True))
    )
