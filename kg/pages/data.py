"""What the instrument and report pages show, read through a :data:`kg.check.Select`.

Each function builds one SPARQL query (bounded by a LIMIT) and turns its rows
into plain objects; ``kg serve`` runs them through its query pool. Values that
reports may disagree on are read from the default graph, where each
instrument has its one decided description.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from extractors import extract
from extractors.normalize import fold_lower
from kg.check import Evidence, Select, iri, literal
from kg.iris import sparql_prologue
from kg.model import RelationKind, slugify
from kg.shape import INSTRUMENT, RELATION_PROPERTIES, REPORT, ReportShape

__all__ = [
    "Concept", "Node", "nodes", "Related", "related", "statements", "citing_count", "citing_reports",
    "Mention", "mentions_in", "NameCitation", "names_in", "cited_in", "Statement", "stated_in", "SearchResult",
    "search", "query_symbols", "word_pattern", "RELATION_ORDER",
]

#: Sections of a page, in the order an officer reads them (vbpl.vn's "lược đồ").
RELATION_ORDER = (RelationKind.BASED_ON, RelationKind.AMENDS, RelationKind.REPLACES, RelationKind.REPEALS,
                  RelationKind.GUIDES, RelationKind.IMPLEMENTS)
_KIND = {str(p): k for k, p in RELATION_PROPERTIES.items()}
_REPORT = str(ReportShape.cls)
_IDENTIFIED_AS = str(REPORT.identified_as)
_FIELDS = {  # property → Node attribute
    str(INSTRUMENT.symbol): "symbol", str(INSTRUMENT.number): "number", str(INSTRUMENT.year): "year",
    str(INSTRUMENT.date): "date", str(INSTRUMENT.title): "title",
    str(REPORT.label): "label", str(REPORT.source_file): "source",
    str(REPORT.content_hash): "content_hash",
}
_CONCEPTS = {str(INSTRUMENT.doc_type): "type", str(INSTRUMENT.issuer): "issuers",
             str(INSTRUMENT.jurisdiction): "jurisdiction"}
_CHUNK = 100  # IRIs per query


@dataclass(frozen=True)
class Concept:
    """A concept of the vocabulary (a document type, an issuing body, a jurisdiction)."""

    iri: str
    code: str | None = None
    vi: str | None = None
    en: str | None = None


@dataclass
class Node:
    """An instrument or a report, as the default graph describes it."""

    iri: str
    report: bool = False  # a stored document (lkg:Report) rather than an instrument only cited
    symbol: str | None = None
    number: str | None = None
    year: int | None = None
    date: dt.date | None = None
    title: str | None = None
    label: str | None = None
    source: str | None = None
    content_hash: str | None = None
    type: Concept | None = None
    issuers: list[Concept] = field(default_factory=list)
    jurisdiction: Concept | None = None
    same: list[str] = field(default_factory=list)  # the report that is this instrument, or the reverse

    @property
    def name(self) -> str:
        """What to call it in a list: its symbol, else its title or file."""
        return self.symbol or self.title or self.label or self.iri.rsplit("/", 1)[-1]


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def nodes(select: Select, iris) -> dict[str, Node]:
    """The description of each of ``iris`` that the store holds (absent ones are left out)."""
    iris = list(dict.fromkeys(iris))
    props = " ".join(iri(p) for p in [*_FIELDS, *_CONCEPTS,
                                      "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", _IDENTIFIED_AS])
    out: dict[str, Node] = {}
    concepts: dict[tuple[str, str], dict[str, Concept]] = {}  # (node, property) → concept IRI → concept
    for start in range(0, len(iris), _CHUNK):
        values = " ".join(iri(i) for i in iris[start:start + _CHUNK])
        rows = select(sparql_prologue() + f"""SELECT ?s ?p ?o ?vi ?en ?code WHERE {{
  VALUES ?s {{ {values} }}
  {{
    VALUES ?p {{ {props} }}
    ?s ?p ?o .
    OPTIONAL {{ ?o skos:prefLabel ?vi FILTER(LANG(?vi) IN ("vi", "")) }}
    OPTIONAL {{ ?o skos:altLabel ?en FILTER(LANG(?en) = "en") }}
    OPTIONAL {{ ?o skos:notation ?code }}
  }} UNION {{
    ?o lkg:identifiedAs ?s . BIND("same" AS ?p)
  }}
}}
LIMIT 5000""")
        for row in rows:
            node = out.setdefault(row["s"], Node(row["s"]))
            p, o = row["p"], row["o"]
            if p in _FIELDS:
                name = _FIELDS[p]
                if getattr(node, name) is None:  # one value each in the default graph
                    setattr(node, name, _date(o) if name == "date" else int(o) if name == "year" else o)
            elif p in _CONCEPTS:
                seen = concepts.setdefault((row["s"], p), {})
                old = seen.get(o) or Concept(o)
                codes = [c for c in (row.get("code"), old.code) if c]  # TU and TƯ: one concept, two codes
                seen[o] = Concept(o, min(codes) if codes else None, old.vi or row.get("vi"), old.en or row.get("en"))
            elif p in (_IDENTIFIED_AS, "same"):
                if o not in node.same:
                    node.same.append(o)
            elif o == _REPORT:
                node.report = True
    for (s, p), seen in concepts.items():
        name = _CONCEPTS[p]
        if name == "issuers":
            out[s].issuers = sorted(seen.values(), key=lambda c: c.code or c.iri)
        else:
            setattr(out[s], name, min(seen.values(), key=lambda c: c.iri))
    return out


@dataclass(frozen=True)
class Related:
    """One relation between the page's node and another."""

    kind: RelationKind
    outgoing: bool  # the page's node is the subject (it amends, replaces … the other)
    other: str
    sample: str | None  # one statement of it (an IRI), for its evidence


def related(select: Select, focus: str, limit: int = 100) -> tuple[list[Related], set[tuple[RelationKind, bool]]]:
    """Every relation of ``focus`` in both directions, at most ``limit`` per kind and direction;
    and the (kind, outgoing) sections that hold more."""
    branches = []
    for kind in RELATION_ORDER:
        p = iri(str(RELATION_PROPERTIES[kind]))
        for outgoing in (True, False):
            edge = f"{iri(focus)} {p} ?other" if outgoing else f"?other {p} {iri(focus)}"
            ends = (f"lkg:relationSource {iri(focus)} ; lkg:relationTarget ?other" if outgoing
                    else f"lkg:relationSource ?other ; lkg:relationTarget {iri(focus)}")
            branches.append(f"""{{ {{
    SELECT ?other (MIN(STR(?st)) AS ?one) WHERE {{
      {edge} . FILTER(?other != {iri(focus)})
      OPTIONAL {{ ?st lkg:relationKind {p} ; {ends} }}
    }} GROUP BY ?other ORDER BY ?other LIMIT {limit + 1}
  }} BIND({p} AS ?p) BIND({'true' if outgoing else 'false'} AS ?out) }}""")
    rows = select(sparql_prologue() + "SELECT ?p ?out ?other ?one WHERE {\n  "
                  + "\n  UNION ".join(branches) + "\n}")
    found: dict[tuple[RelationKind, bool], list[Related]] = {}
    for row in rows:
        key = (_KIND[row["p"]], row["out"] == "true")
        found.setdefault(key, []).append(Related(*key, row["other"], row.get("one")))
    more = {key for key, items in found.items() if len(items) > limit}
    return [r for items in found.values() for r in items[:limit]], more


def statements(select: Select, iris) -> dict[str, Evidence]:
    """Where each relation statement (IRI) was read: its report and span."""
    out = {}
    iris = [i for i in dict.fromkeys(iris) if i]
    for start in range(0, len(iris), _CHUNK):
        values = " ".join(iri(i) for i in iris[start:start + _CHUNK])
        for row in select(sparql_prologue() + f"""SELECT ?st ?report ?start ?end ?surface ?source WHERE {{
  VALUES ?st {{ {values} }}
  ?st lkg:inReport ?report ; lkg:start ?start ; lkg:end ?end .
  OPTIONAL {{ ?st lkg:surface ?surface }}
  OPTIONAL {{ ?report lkg:sourceFile ?source }}
}}"""):
            out[row["st"]] = Evidence(row["report"], int(row["start"]), int(row["end"]), row.get("surface", ""),
                                      row.get("source", ""))
    return out


def cited_in(select: Select, report: str) -> list[str]:
    """The instruments ``report`` cites."""
    rows = select(sparql_prologue() + f"SELECT ?i WHERE {{ {iri(report)} eli:cites ?i }} ORDER BY ?i LIMIT 5000")
    return [row["i"] for row in rows]


def _citers(focus: str, by_name: bool) -> str:
    """The pattern binding ``?r`` to each report citing ``focus``: by its number (``eli:cites``),
    or by a name resolved to it (``lkg:resolvedTo``)."""
    return (f"?named lkg:resolvedTo {iri(focus)} ; lkg:inReport ?r ." if by_name
            else f"?r eli:cites {iri(focus)} .")


def citing_count(select: Select, focus: str, by_name: bool = False) -> int:
    """How many stored reports cite ``focus`` (``by_name``: by a name resolved to it)."""
    rows = select(sparql_prologue() + f"SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ {_citers(focus, by_name)} }}")
    return int(rows[0]["n"]) if rows else 0


@dataclass(frozen=True)
class Mention:
    """One citation in a report's text."""

    report: str
    start: int
    end: int
    instrument: str
    symbol: str | None = None
    type_code: str | None = None


def citing_reports(select: Select, focus: str, offset: int, limit: int,
                   by_name: bool = False) -> list[tuple[str, list[Mention]]]:
    """A page of the reports citing ``focus`` (newest first), each with its mentions of it
    (``by_name``: the reports and mentions citing it by a name resolved to it)."""
    reports = [row["r"] for row in select(sparql_prologue() + f"""SELECT DISTINCT ?r ?date WHERE {{
  {_citers(focus, by_name)}
  OPTIONAL {{ ?r eli:date_document ?date }}
}}
ORDER BY DESC(?date) ?r
LIMIT {limit} OFFSET {offset}""")]
    if not reports:
        return []
    found: dict[str, list[Mention]] = {r: [] for r in reports}
    values = " ".join(iri(r) for r in reports)
    points = "lkg:resolvedTo" if by_name else "lkg:refersTo"
    for row in select(sparql_prologue() + f"""SELECT ?r ?start ?end WHERE {{
  VALUES ?r {{ {values} }}
  ?m {points} {iri(focus)} ; lkg:inReport ?r ; lkg:start ?start ; lkg:end ?end .
}}
ORDER BY ?r ?start
LIMIT {limit * 50}"""):
        found[row["r"]].append(Mention(row["r"], int(row["start"]), int(row["end"]), focus))
    return list(found.items())


def mentions_in(select: Select, report: str) -> list[Mention]:
    """Every citation in ``report``'s text, in text order, with its instrument's symbol and type."""
    rows = select(sparql_prologue() + f"""SELECT ?start ?end ?i ?symbol (MIN(?code) AS ?type) WHERE {{
  ?m lkg:inReport {iri(report)} ; lkg:refersTo ?i ; lkg:start ?start ; lkg:end ?end .
  OPTIONAL {{ ?i eli:id_local ?symbol }}
  OPTIONAL {{ ?i eli:type_document/skos:notation ?code }}
}}
GROUP BY ?start ?end ?i ?symbol
ORDER BY ?start
LIMIT 5000""")
    return [Mention(report, int(r["start"]), int(r["end"]), r["i"], r.get("symbol"), r.get("type")) for r in rows]


@dataclass(frozen=True)
class NameCitation:
    """A law or code cited by its name in a report's text, and the instrument it resolves to
    at the report's date (None: the name index cannot tell)."""

    report: str
    start: int
    end: int
    surface: str  # as written, with its year
    name: str  # spaces normalised, without its year
    key: str  # folded: what names are matched by
    year: int | None = None
    instrument: str | None = None
    symbol: str | None = None
    type_code: str | None = None


def names_in(select: Select, report: str) -> list[NameCitation]:
    """Every name mention in ``report``'s text, in text order, with the instrument it resolves to."""
    rows = select(sparql_prologue() + f"""SELECT ?start ?end ?surface ?name ?key ?year ?i ?symbol (MIN(?code) AS ?type)
WHERE {{
  ?m a lkg:NameMention ; lkg:inReport {iri(report)} ; lkg:start ?start ; lkg:end ?end ;
     lkg:surface ?surface ; lkg:name ?name ; lkg:nameKey ?key .
  OPTIONAL {{ ?m lkg:nameYear ?year }}
  OPTIONAL {{ ?m lkg:resolvedTo ?i .
             OPTIONAL {{ ?i eli:id_local ?symbol }}
             OPTIONAL {{ ?i eli:type_document/skos:notation ?code }} }}
}}
GROUP BY ?start ?end ?surface ?name ?key ?year ?i ?symbol
ORDER BY ?start
LIMIT 5000""")
    return [NameCitation(report, int(r["start"]), int(r["end"]), r["surface"], r["name"], r["key"],
                         int(r["year"]) if r.get("year") else None, r.get("i"), r.get("symbol"), r.get("type"))
            for r in rows]


@dataclass(frozen=True)
class Statement:
    """A relation a report states, with its span."""

    kind: RelationKind
    source: str
    target: str
    start: int
    end: int


def stated_in(select: Select, report: str) -> list[Statement]:
    """The relations ``report`` states, in text order."""
    rows = select(sparql_prologue() + f"""SELECT ?kind ?source ?target ?start ?end WHERE {{
  ?st lkg:inReport {iri(report)} ; lkg:relationKind ?kind ; lkg:relationSource ?source ;
      lkg:relationTarget ?target ; lkg:start ?start ; lkg:end ?end .
}}
ORDER BY ?start ?kind
LIMIT 5000""")
    return [Statement(_KIND[r["kind"]], r["source"], r["target"], int(r["start"]), int(r["end"]))
            for r in rows if r["kind"] in _KIND]


# --- search --------------------------------------------------------------------


@dataclass
class SearchResult:
    """Instruments whose symbol is the one asked for, and other matches (symbol prefix, title words)."""

    symbols: list[str] = field(default_factory=list)  # canonical symbols read from the query
    exact: list[str] = field(default_factory=list)  # instruments with one of those symbols
    others: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    more: bool = False


def query_symbols(q: str) -> list[str]:
    """Canonical symbols in ``q`` as the extractor reads them in a document, in any case
    ("60/2021/nd-cp", "26/ct-ttg" → 60/2021/NĐ-CP, 26/CT-TTg)."""
    found: dict[str, None] = {}  # an ordered set
    for text in (q, q.upper()):
        for m in extract(text).mentions:
            found.setdefault(m.instrument.symbol, None)
    return list(found)


@lru_cache(maxsize=1)
def _letter_variants() -> dict[str, str]:
    """Each folded letter → every Vietnamese letter that folds to it (extractors.normalize)."""
    letters = [chr(c) for c in [*range(0xC0, 0x250), *range(0x1EA0, 0x1EFA)] if chr(c).isalpha()]
    variants: dict[str, set[str]] = {}
    for ch in letters:
        folded = fold_lower(ch)
        if len(folded) == 1 and folded.isascii() and folded.isalpha():
            variants.setdefault(folded, {folded}).add(ch.lower())
    return {base: "".join(sorted(chars)) for base, chars in variants.items()}


def word_pattern(word: str) -> str:
    """A regular expression for ``word`` in a title: a letter typed without accents matches it
    with any accent; one typed with accents matches only that."""
    variants = _letter_variants()
    return "".join(f"[{variants[ch]}]" if ch in variants else re.escape(ch) for ch in word.lower())


def search(select: Select, q: str, limit: int = 50) -> SearchResult:
    """Instruments (and stored reports) by symbol, typed with or without Đ in any case, or by title words."""
    q = unicodedata.normalize("NFC", q).strip()
    result = SearchResult(symbols=query_symbols(q))
    if result.symbols:
        values = " ".join(literal(s) for s in result.symbols)
        result.exact = [row["i"] for row in select(sparql_prologue() + f"""SELECT DISTINCT ?i WHERE {{
  VALUES ?symbol {{ {values} }}
  ?i eli:id_local ?symbol ; a eli:LegalResource .
}} ORDER BY ?i LIMIT {limit}""")]
    elif any(ch.isdigit() for ch in q) and "/" in q or re.fullmatch(r"\d+", q):
        # Part of a symbol ("60/2021", "4288"): the keys end in the symbol's slug.
        slug = slugify(q)
        result.others = [row["i"] for row in select(sparql_prologue() + f"""SELECT DISTINCT ?i WHERE {{
  ?i a eli:LegalResource .
  FILTER(STRSTARTS(REPLACE(STR(?i), "^.*/", ""), {literal(slug + "-")}) || STRENDS(STR(?i), {literal("/" + slug)}))
}} ORDER BY ?i LIMIT {limit + 1}""")]
    if not result.exact:
        result.words = [w for w in re.findall(r"\w+", q) if len(w) > 1 or not w.isascii()][:8]
        if result.words and not result.others:
            tests = " && ".join(f"REGEX(?title, {literal(word_pattern(w))}, \"i\")" for w in result.words)
            result.others = [row["x"] for row in select(sparql_prologue() + f"""SELECT DISTINCT ?x WHERE {{
  ?x dcterms:title ?title .
  FILTER({tests})
}} ORDER BY ?x LIMIT {limit + 1}""")]
    result.more = len(result.others) > limit
    result.others = result.others[:limit]
    return result
