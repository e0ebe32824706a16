"""Model → RDF (one report's triples, in ontology terms) and RDF → networkx.

The RDF terms are those of ``ontology/legal-kg.ttl``: ELI for what ELI has
(``eli:LegalResource``, ``eli:cites``, ``eli:amends`` …), ``lkg:`` for the rest,
PROV-O for provenance and SKOS concepts for document types, issuers and
jurisdictions. The concept schemes themselves are generated from the YAML
vocabulary by :func:`vocabulary_graphs` (``scripts/build_vocab.py`` writes them
to ``ontology/vocabularies/``), so the YAML stays the one source of truth.

IRIs are deterministic, derived from :attr:`Instrument.key` and
:attr:`Report.key` under a configurable base: :class:`kg.iris.IriScheme`.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import networkx as nx
import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from extractors.vocab import DocType, Issuer, Jurisdiction, vocabulary
from kg.iris import DEFAULT_BASE, ELI, INSTRUMENTS_GRAPH, LKG, VOCAB, VOCABULARY_GRAPH, IriScheme
from kg.model import Extraction, Instrument, RelationKind, Report, slugify
from kg.resources import data_dir
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

# Terms as module constants: Namespace attribute access builds a new URIRef
# every time, which shows on the hot path.
_TYPE = RDF.type
_LABEL = RDFS.label
_TITLE = DCTERMS.title
_LEGAL_RESOURCE = ELI.LegalResource
_CITES = ELI.cites
_ID_LOCAL = ELI.id_local
_NUMBER = ELI.number
_TYPE_DOCUMENT = ELI.type_document
_PASSED_BY = ELI.passed_by
_DATE_DOCUMENT = ELI.date_document
_JURISDICTION = ELI.jurisdiction
_REPORT = LKG.Report
_MENTION = LKG.Mention
_RELATION_STATEMENT = LKG.RelationStatement
_EXTRACTION = LKG.Extraction
_SOURCE_FILE = LKG.sourceFile
_CONTENT_HASH = LKG.contentHash
_IDENTIFIED_AS = LKG.identifiedAs
_IN_REPORT = LKG.inReport
_REFERS_TO = LKG.refersTo
_START = LKG.start
_END = LKG.end
_SURFACE = LKG.surface
_PAGE = LKG.page
_YEAR = LKG.year
_RELATION_KIND = LKG.relationKind
_RELATION_SOURCE = LKG.relationSource
_RELATION_TARGET = LKG.relationTarget
_EFFECTIVE_DATE = LKG.effectiveDate
_NAME_MENTION = LKG.NameMention
_NAME = LKG.name
_NAME_KEY = LKG.nameKey
_NAME_YEAR = LKG.nameYear
_EXTRACTOR_VERSION = LKG.extractorVersion
_GENERATED_BY = PROV.wasGeneratedBy
_USED = PROV.used
_ASSOCIATED_WITH = PROV.wasAssociatedWith
_SOFTWARE_AGENT = PROV.SoftwareAgent
_CONCEPT = SKOS.Concept
_PREF_LABEL = SKOS.prefLabel
_NOTATION = SKOS.notation
_IN_SCHEME = SKOS.inScheme

# ELI where ELI has the relation (eli:implements is deprecated in ELI 1.1 in
# favour of eli:applies, so "implements" is lkg:, declared a sub-property).
RELATION_PROPERTIES: dict[RelationKind, URIRef] = {
    RelationKind.AMENDS: ELI.amends,
    RelationKind.REPLACES: LKG.replaces,
    RelationKind.REPEALS: ELI.repeals,
    RelationKind.GUIDES: LKG.guides,
    RelationKind.BASED_ON: ELI.based_on,
    RelationKind.IMPLEMENTS: LKG.implements,
}
_EDGE_LABELS = {str(p): k.value for k, p in RELATION_PROPERTIES.items()} | {str(_CITES): "cites"}

#: What a report says of an instrument that another report may say otherwise
#: (a date misread by OCR, another type word, the year of a symbol that has
#: none, taken from the report's own date): kept in each report's graph as
#: that report's claim, and decided once per instrument (:func:`choose`) in
#: the instruments graph, so the default graph holds one value.
CLAIMED = frozenset({_ID_LOCAL, _TYPE_DOCUMENT, _DATE_DOCUMENT, _TITLE, _YEAR})


def split_claims(triples: Iterable[tuple]) -> tuple[list[tuple], list[tuple]]:
    """``(shared, claims)``: the triples any report would state alike, and one report's claims.

    A claim is a :data:`CLAIMED` property of an instrument (an IRI typed
    ``eli:LegalResource`` in these triples that is not the report itself).
    """
    triples = list(triples)
    typed = {(s, o) for s, p, o in triples if p == _TYPE}
    instruments = ({s for s, o in typed if o == _LEGAL_RESOURCE and isinstance(s, URIRef)}
                   - {s for s, o in typed if o == _REPORT})
    shared, claims = [], []
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
    jurisdictions, places = {"vn": "vn", "viet-nam": "vn"}, {}
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
    """The three SKOS concept schemes, built from the YAML vocabulary.

    Keys are the file stems written to ``ontology/vocabularies/``:
    ``document-types``, ``issuers``, ``jurisdictions``.
    """
    v = _vocab()
    out = {}

    def scheme(name: str, en: str, vi: str, comment: str) -> tuple[rdflib.Graph, URIRef, URIRef]:
        g = rdflib.Graph()
        for prefix, ns in (("skos", SKOS), ("eli", ELI), ("dcterms", DCTERMS), ("rdfs", RDFS), ("owl", OWL)):
            g.bind(prefix, ns)
        g.bind(name.replace("-", ""), VOCAB + name + "/")
        iri, cls = _SCHEMES[name]
        g.add((iri, _TYPE, SKOS.ConceptScheme))
        g.add((iri, _TYPE, OWL.NamedIndividual))
        g.add((iri, _PREF_LABEL, Literal(vi, lang="vi")))
        g.add((iri, _PREF_LABEL, Literal(en, lang="en")))
        g.add((iri, RDFS.comment, Literal(comment, lang="en")))
        g.add((iri, DCTERMS.source, Literal("extractors/vocab (generated by scripts/build_vocab.py)")))
        return g, iri, cls

    def concept(g, iri, cls, c, codes, vi, en, alt_vi=(), top=True):
        g.add((c, _TYPE, _CONCEPT))
        g.add((c, _TYPE, cls))
        # owl:NamedIndividual: OWL tools (and pyshacl's ont_graph mixing) treat
        # the concepts as individuals of the ontology, not as stray data.
        g.add((c, _TYPE, OWL.NamedIndividual))
        g.add((c, _IN_SCHEME, iri))
        if top:
            g.add((c, SKOS.topConceptOf, iri))
        g.add((c, _PREF_LABEL, Literal(vi, lang="vi")))
        g.add((c, SKOS.altLabel, Literal(en, lang="en")))
        for a in alt_vi:
            if a != vi:
                g.add((c, SKOS.altLabel, Literal(a, lang="vi")))
        for code in codes:
            g.add((c, _NOTATION, Literal(code)))

    g, iri, cls = scheme("document-type", "Document types", "Loại văn bản",
                         "Types of Vietnamese legal and administrative documents; notation = the code used inside symbols.")
    for slug, d in v.doc_types.items():
        concept(g, iri, cls, _concept_iri("document-type", slug), [d.code], d.vi, d.en, d.words)
    out["document-types"] = g

    g, iri, cls = scheme("issuer", "Issuing bodies", "Cơ quan ban hành",
                         "Bodies that issue documents; notation = the code used inside symbols. "
                         "Members of the national, provincial and district collections.")
    levels: dict[str, URIRef] = {}
    for slug, (codes, issuer) in v.issuers.items():
        c = _concept_iri("issuer", slug)
        concept(g, iri, cls, c, codes, issuer.vi, issuer.en, issuer.names)
        level = issuer.level
        if issuer.pattern is not None:
            g.add((c, SKOS.scopeNote, Literal(f"Also stands for the codes matching {issuer.pattern.pattern}.",
                                              lang="en")))
        if level not in levels:
            levels[level] = col = URIRef(f"{VOCAB}issuer/level/{level}")
            g.add((col, _TYPE, SKOS.Collection))
            g.add((col, _PREF_LABEL, Literal(f"{level} issuing bodies", lang="en")))
        g.add((levels[level], SKOS.member, c))
    out["issuers"] = g

    g = rdflib.Graph()
    for prefix, ns in (("skos", SKOS), ("eli", ELI), ("owl", OWL), ("issuer", VOCAB + "issuer/"),
                       ("jurisdiction", VOCAB + "jurisdiction/")):
        g.bind(prefix, ns)
    for slug, (_, issuer) in v.issuers.items():  # each province's own bodies (UBND tỉnh Nghệ An …)
        if issuer.level == "provincial":
            for place in v.places:
                for triple in _body_description(slug, place):
                    g.add(triple)
    out["issuing-bodies"] = g

    g, iri, cls = scheme("jurisdiction", "Jurisdictions", "Địa bàn",
                         "Viet Nam and its provinces and centrally-run cities: the jurisdictions of instruments. "
                         "notation = ISO 3166-2 code.")
    concept(g, iri, cls, NATIONAL_JURISDICTION, ["VN"], "Việt Nam", "Viet Nam")
    for slug, place in v.places.items():
        c = _concept_iri("jurisdiction", slug)
        concept(g, iri, cls, c, [place.code], place.name, _unaccent(place.name), place.names, top=False)
        # broader only: skos:narrower, its inverse, would add nothing and makes
        # pyshacl's ont_graph mixing recurse through vn ↔ province forever.
        g.add((c, SKOS.broader, NATIONAL_JURISDICTION))
    out["jurisdictions"] = g
    return out


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
    known = [_known_issuer(p) for p in parts]
    if len(parts) > 1 and all(known):  # a joint symbol (BTC-BNV): passed by each body
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
def _concept_links(pred: URIRef, node: URIRef, scheme: str, value: str) -> tuple[tuple, ...]:
    """``node pred concept`` triples, plus the description of any concept the vocabulary lacks."""
    lookup = {"document-type": _doc_type, "issuer": _issuer, "jurisdiction": _jurisdiction}[scheme]
    out = []
    for iri, unknown in lookup(value):
        out.append((node, pred, iri))
        if unknown is not None:  # e.g. an issuer code met only in text: label = code
            out += [(iri, _TYPE, _CONCEPT), (iri, _TYPE, _SCHEMES[scheme][1]),
                    (iri, _IN_SCHEME, _SCHEMES[scheme][0]),
                    (iri, _PREF_LABEL, Literal(unknown)), (iri, _NOTATION, Literal(unknown))]
    return tuple(out)


def _describe(node, symbol, doc_type, issuer, date, title, jurisdiction, national) -> list[tuple]:
    """ELI metadata shared by instruments and reports."""
    t = []
    if symbol:
        t.append((node, _ID_LOCAL, Literal(symbol)))
    if doc_type:
        t += _concept_links(_TYPE_DOCUMENT, node, "document-type", doc_type)
    if issuer:
        body = None if national or not jurisdiction else _concrete_body(issuer, jurisdiction)
        if body is None:
            t += _concept_links(_PASSED_BY, node, "issuer", issuer)
        else:
            t.append((node, _PASSED_BY, body))
    if date:
        t.append((node, _DATE_DOCUMENT, Literal(date)))
    if title:
        t.append((node, _TITLE, Literal(title, lang="vi")))
    if national:
        t.append((node, _JURISDICTION, NATIONAL_JURISDICTION))
    elif jurisdiction:
        t += _concept_links(_JURISDICTION, node, "jurisdiction", jurisdiction)
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


def _body_description(slug: str, place: str) -> list[tuple]:
    """The concept of province ``place``'s body of kind ``slug``: in the issuer scheme, narrower
    than the kind of body (UBND), with its code, its names and its province."""
    v = _vocab()
    codes, issuer = v.issuers[slug]
    province = v.places[place]
    kind = province.kind
    body = URIRef(f"{VOCAB}issuer/{slug}.{place}")
    en_kind = "City" if kind == "thành phố" else "Province"
    return [
        (body, _TYPE, _CONCEPT), (body, _TYPE, ELI.Organization), (body, _TYPE, OWL.NamedIndividual),
        (body, _IN_SCHEME, _SCHEMES["issuer"][0]), (body, SKOS.broader, _concept_iri("issuer", slug)),
        (body, _PREF_LABEL, Literal(f"{issuer.vi} {kind} {province.name}", lang="vi")),
        (body, SKOS.altLabel, Literal(f"{issuer.en} of {_unaccent(province.name)} {en_kind}", lang="en")),
        (body, _NOTATION, Literal(codes[0])),
        (body, _JURISDICTION, _concept_iri("jurisdiction", place)),
    ]


@functools.lru_cache(maxsize=1 << 14)
def _instrument_triples(node: URIRef, inst: Instrument) -> tuple[tuple, ...]:
    """An instrument's own triples; cached because the same decree recurs in report after report."""
    t = [(node, _TYPE, _LEGAL_RESOURCE)]
    if inst.number:
        t.append((node, _NUMBER, Literal(inst.number)))
    if inst.year:
        t.append((node, _YEAR, _int(inst.year)))
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


def report_triples(extraction: Extraction, *, base: str = DEFAULT_BASE) -> list[tuple]:
    """All triples of one report (rdflib terms; may repeat a triple).

    The report node with its own metadata and ``eli:cites`` to each instrument
    it cites; the instruments (symbol, number, year, type, issuer, date,
    jurisdiction, title); a ``lkg:Mention`` per citation; each relation as a
    direct triple and as a ``lkg:RelationStatement``; the extraction activity
    and its software agent. Instruments are merged by key within the report
    (first date, title … wins), so each has at most one value per property in
    one report graph; the union of many reports may hold several (see
    ontology/shapes.ttl). Building these takes ~0.2 ms for 30 mentions; rdflib
    indexing them is most of :func:`build_report_graph`'s ~1 ms, so a store
    that loads triples itself can call this instead.
    """
    rep, text = extraction.report, extraction.text
    key = rep.key
    iris_of = IriScheme(base)
    r = URIRef(iris_of.report(key))
    t: list[tuple] = []
    add = t.append

    # Instruments, merged by key over mentions and relations. Instrument.key
    # slugifies on every call: compute it once per object.
    keys: dict[int, str] = {}
    cited: dict[str, Instrument] = {}
    for inst in [m.instrument for m in extraction.mentions] + [
        i for rel in extraction.relations for i in (rel.source, rel.target) if i is not None
    ]:
        k = keys.get(id(inst))
        if k is None:
            k = keys[id(inst)] = inst.key
        cited[k] = _merge(cited[k], inst) if k in cited and cited[k] is not inst else inst
    own = _own_instrument(rep, cited)
    own_key = own.key if own is not None else None
    if own is not None and own_key not in cited:
        cited[own_key] = own
    iris = {k: URIRef(iris_of.instrument(k)) for k in cited}

    # The report.
    add((r, _TYPE, _REPORT))
    add((r, _LABEL, Literal(rep.symbol or rep.title or rep.source)))
    add((r, _SOURCE_FILE, Literal(rep.source)))
    add((r, _CONTENT_HASH, Literal(rep.content_hash)))
    t += _describe(r, rep.symbol, rep.doc_type, rep.issuer, rep.date, rep.title, rep.jurisdiction,
                   own is not None and own.national)
    if own is not None:
        add((r, _IDENTIFIED_AS, iris[own_key]))

    for k, inst in cited.items():
        node = iris[k]
        t += _instrument_triples(node, inst)
        if k != own_key:  # its own header is not a citation
            add((r, _CITES, node))

    # Provenance: one extraction activity per content version.
    activity = URIRef(iris_of.extraction(key, rep.content_hash))
    version = extraction.extractor_version or "unknown"
    agent = URIRef(iris_of.agent(version))
    add((activity, _TYPE, _EXTRACTION))
    add((activity, _USED, r))
    add((activity, _ASSOCIATED_WITH, agent))
    add((agent, _TYPE, _SOFTWARE_AGENT))
    add((agent, _LABEL, Literal(f"legal-kg extractor {version}")))
    add((agent, _EXTRACTOR_VERSION, Literal(version)))

    paged = len(text.pages) > 1
    for m in extraction.mentions:
        node = URIRef(iris_of.mention(key, m.start, m.end))
        add((node, _TYPE, _MENTION))
        add((node, _IN_REPORT, r))
        add((node, _REFERS_TO, iris[keys[id(m.instrument)]]))
        add((node, _START, _int(m.start)))
        add((node, _END, _int(m.end)))
        add((node, _SURFACE, Literal(m.surface)))
        if paged:
            add((node, _PAGE, _int(text.page_of(m.start))))
        add((node, _GENERATED_BY, activity))

    for n in extraction.names:  # laws cited by name: a name mention, or the name of the citation after it
        if n.instrument is not None:
            node = iris[keys[id(n.instrument)]]
            add((node, _NAME, Literal(n.name)))
            add((node, _NAME_KEY, Literal(n.key)))
            continue
        node = URIRef(iris_of.mention(key, n.start, n.end))
        add((node, _TYPE, _NAME_MENTION))
        add((node, _IN_REPORT, r))
        add((node, _START, _int(n.start)))
        add((node, _END, _int(n.end)))
        add((node, _SURFACE, Literal(n.surface)))
        add((node, _NAME, Literal(n.name)))
        add((node, _NAME_KEY, Literal(n.key)))
        if n.year:
            add((node, _NAME_YEAR, _int(n.year)))
        if paged:
            add((node, _PAGE, _int(text.page_of(n.start))))
        add((node, _GENERATED_BY, activity))

    for rel in extraction.relations:
        kind = RelationKind(rel.kind)
        prop = RELATION_PROPERTIES[kind]
        src = r if rel.source is None else iris[keys[id(rel.source)]]
        tgt = iris[keys[id(rel.target)]]
        add((src, prop, tgt))
        h = hashlib.sha1(f"{src} {tgt}".encode()).hexdigest()[:8]
        node = URIRef(iris_of.relation(key, rel.start, rel.end, kind.value, h))
        add((node, _TYPE, _RELATION_STATEMENT))
        add((node, _RELATION_KIND, prop))
        add((node, _RELATION_SOURCE, src))
        add((node, _RELATION_TARGET, tgt))
        add((node, _IN_REPORT, r))
        add((node, _START, _int(rel.start)))
        add((node, _END, _int(rel.end)))
        add((node, _SURFACE, Literal(text.content[rel.start:rel.end])))
        if rel.effective is not None:
            add((node, _EFFECTIVE_DATE, Literal(rel.effective)))
        add((node, _GENERATED_BY, activity))

    return t


# --------------------------------------------------------------------------
# RDF → networkx, and the analyses behind `kg stats`
# --------------------------------------------------------------------------

def _str(term: Any) -> str:
    """IRI or lexical form of an rdflib term (a str) or a pyoxigraph term (.value)."""
    # str(): rdflib terms compare unequal to plain str, which the lookups below use.
    return str(term) if isinstance(term, str) else term.value


_S_TYPE, _S_REPORT, _S_LR = str(_TYPE), str(_REPORT), str(_LEGAL_RESOURCE)
_S_ID_LOCAL, _S_LABEL, _S_IDENTIFIED_AS = str(_ID_LOCAL), str(_LABEL), str(_IDENTIFIED_AS)


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
