"""The Neo4j store: the same report graphs as a property graph, over Bolt.

The RDF that :mod:`kg.graph` builds is mapped onto nodes and relationships
(so ``kg neo4j sync`` can push whatever the embedded store holds); keys are
the RDF's (``Instrument.key``, ``Report.key``, concept IRIs). The model, why
mentions are data on ``CITES``, how instruments are decided and how reports
are replaced: docs/neo4j.md.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import logging
import os
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import neo4j
from neo4j import GraphDatabase
from neo4j import exceptions as nx
from rdflib import Literal

from kg.graph import VOCABULARY_KEY, choose
from kg.iris import VOCAB, IriScheme
from kg.names import Candidate, pick
from kg.shape import (
    CONCEPT,
    FIELD_OF,
    RELATION_PROPERTIES,
    TYPE,
    ConceptShape,
    InstrumentShape,
    MentionShape,
    NameMentionShape,
    ReportShape,
    StatementShape,
)
from kg.stores.base import ReportGraph, Store, StoredVersion, StoreError, StoreLocation, TriplesNotKept

__all__ = ["Neo4jStore", "QueryRefused", "WriteRefused", "CypherError", "GraphNode", "GraphRelationship",
           "GraphPath", "TemporalValue", "cypher_text", "json_value", "bundled_password", "DEFAULT_URI", "RELATIONSHIP_TYPES"]

DEFAULT_URI = "bolt://127.0.0.1:7687"
HINT = "start one with scripts/neo4j start, or set NEO4J_URI"
_SCHEMES = {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}
# scripts/neo4j keeps the bundled server's home (password, ports) here by default.
BUNDLED_HOME = Path(__file__).resolve().parents[2] / ".neo4j"

_NO_TRIPLES = ("the Neo4j store keeps a property graph, not the saved triples: "
               "read them from the embedded store or a SPARQL server (kg ingest --store writes both)")

# run_cypher reads the server's notifications on purpose (the parameters a query
# uses); without a handler, logging's last resort would print them on stderr.
logging.getLogger("neo4j.notifications").addHandler(logging.NullHandler())
# Nor the driver's "will be retried" lines: what outlives its retries is a StoreError naming the files.
logging.getLogger("neo4j.session").addHandler(logging.NullHandler())


class QueryRefused(StoreError):
    """A query given to :meth:`Neo4jStore.run_cypher` needs ``write`` (it writes, reads files, administers…)."""


class WriteRefused(QueryRefused):
    """A query given to :meth:`Neo4jStore.run_cypher` writes, and ``write`` was not set."""


class CypherError(ValueError):
    """The server rejected a Cypher query (syntax, unknown function, bad parameter…)."""


# What a read-only query may call. Procedures are allowed by name, not by the
# mode Neo4j gives them: DBMS-mode ones run in a READ session (dbms.listConfig,
# dbms.killConnections) and some READ ones show other users' queries
# (db.stats.retrieve).
READ_ONLY_PROCEDURES = frozenset({
    "db.labels", "db.relationshipTypes", "db.propertyKeys", "db.info", "db.ping",
    "db.schema.visualization", "db.schema.nodeTypeProperties", "db.schema.relTypeProperties",
    "db.index.fulltext.queryNodes", "db.index.fulltext.queryRelationships",
    "db.index.vector.queryNodes", "db.index.vector.queryRelationships", "dbms.components",
})
# SHOW commands that list the schema only (not SHOW TRANSACTIONS, SHOW SETTINGS…).
READ_ONLY_COMMANDS = frozenset({"ShowIndexes", "ShowConstraints", "ShowProcedures", "ShowFunctions"})


# RDF property IRI → relationship type.
RELATION_TYPES: dict[str, str] = {str(p): k.name for k, p in RELATION_PROPERTIES.items()}
RELATIONSHIP_TYPES = ("CITES", "IDENTIFIED_AS", *RELATION_TYPES.values(), "ISSUED_BY", "IN_JURISDICTION", "OF_TYPE",
                      "NAMED", "CITES_NAME", "CITES_BY_NAME")
_RELATIONS = "|".join(RELATION_TYPES.values())

# Concept scheme (IRI prefix) → node label; RDF property → relationship to it.
_CONCEPT_LABELS = {
    VOCAB + "document-type/": "DocumentType",
    VOCAB + "issuer/": "Issuer",
    VOCAB + "jurisdiction/": "Jurisdiction",
}
_CONCEPT_EDGES = {  # field of kg.shape.Described → (relationship, label of the concept node)
    "doc_type": ("OF_TYPE", "DocumentType"),
    "issuer": ("ISSUED_BY", "Issuer"),
    "jurisdiction": ("IN_JURISDICTION", "Jurisdiction"),
}

_TYPE = str(TYPE)
_REPORT, _INSTRUMENT, _MENTION = str(ReportShape.cls), str(InstrumentShape.cls), str(MentionShape.cls)
_STATEMENT, _CONCEPT = str(StatementShape.cls), str(ConceptShape.cls)
_NAME_MENTION = str(NameMentionShape.cls)
_UNREAD = {"cites", "in_report", "generated_by", "used", "associated_with", "in_scheme", "alt_label"}
#: The fields of kg.shape that :func:`graph_rows` reads, by predicate IRI (the rest left out, for speed).
_READ = {p: name for p, name in FIELD_OF.items() if name not in _UNREAD}


def _label_of(concept_iri: str) -> str | None:
    for prefix, label in _CONCEPT_LABELS.items():
        if concept_iri.startswith(prefix) and "/" not in concept_iri[len(prefix):]:
            return label
    return None


def _instrument_key(iri: str) -> str:
    return IriScheme.key_of(iri, "instrument") or iri


# --------------------------------------------------------------------------
# RDF → rows
# --------------------------------------------------------------------------

@dataclass
class Rows:
    """One or more report graphs as rows, one list per write statement (see :data:`WRITES`)."""

    keys: list[str] = field(default_factory=list)
    rows: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    replaced: list[str] = field(default_factory=list)  # reports stored from the same sources before

    def extend(self, other: Rows) -> None:
        self.keys += other.keys
        self.replaced += other.replaced
        for name, rows in other.rows.items():
            self.rows[name] += rows


@dataclass
class _Batch:
    """Reports ready to write: their keys in order, the vocabulary among them, the rows of the changed ones."""

    keys: list[str]
    vocabulary: list[ReportGraph]
    rows: Rows


def _value(term: Any) -> Any:
    """Python value of an rdflib term: IRIs and plain literals as str, dates and ints as such."""
    if isinstance(term, Literal):
        value = term.toPython()
        if isinstance(value, (int, dt.date)) and not isinstance(value, bool):
            return value
    return str(term)


def _date(value: Any) -> dt.date | None:
    """A Neo4j date as a Python one."""
    return value.to_native() if value is not None else None


class _Evidence(NamedTuple):
    """Where a report cites an instrument or a name (a ``lkg:Mention`` or ``lkg:NameMention``)."""

    start: int
    end: int
    surface: str
    page: int | None
    name: str = ""  # a name mention's name


@dataclass
class _Nodes:
    """A report graph read node by node: each node's RDF types, and its values by field name
    (:data:`kg.shape.FIELD_OF`)."""

    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    props: dict[str, dict[str, list]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))

    @classmethod
    def read(cls, report: ReportGraph) -> _Nodes:
        nodes = cls()
        types, props = nodes.types, nodes.props
        for s, predicate, o in report.graph:
            p = str(predicate)
            if p == _TYPE:
                types[str(s)].add(str(o))
            else:
                name = _READ.get(p)
                if name is not None:
                    props[str(s)][name].append(o)
        return nodes

    def of_type(self, cls: str) -> list[str]:
        """The nodes typed ``cls``, in the order the graph gave them."""
        return [s for s, t in self.types.items() if cls in t]

    def one(self, node: str, name: str) -> Any:
        """The (smallest) value of field ``name`` of ``node`` as Python, or None."""
        values = self.props[node].get(name)
        return _value(min(values)) if values else None

    def evidence(self, node: str, name: str = "") -> _Evidence:
        """Where mention ``node`` is; with ``name``, the name of a name mention."""
        m = self.props[node]
        return _Evidence(int(m["start"][0]), int(m["end"][0]), str(m["surface"][0]), self.one(node, "page"),
                         str(m[name][0]) if name else "")


def _cited_by(row: dict, evidence: list[_Evidence]) -> dict:
    """``row`` with the columns of a citing relationship: its mentions' count, starts, ends, surfaces
    (and pages, when all have one), in text order."""
    evidence.sort()
    row.update(mentions=len(evidence), starts=[m.start for m in evidence], ends=[m.end for m in evidence],
               surfaces=[m.surface for m in evidence])
    if evidence and all(m.page is not None for m in evidence):
        row["pages"] = [m.page for m in evidence]
    return row


def graph_rows(report: ReportGraph) -> Rows:
    """The rows that write ``report`` (a report graph built by :mod:`kg.graph`)."""
    nodes = _Nodes.read(report)
    key = report.key
    reports = nodes.of_type(_REPORT)
    if len(reports) != 1:
        raise ValueError(f"report graph {key!r} has {len(reports)} lkg:Report nodes, expected 1")
    r = reports[0]
    out = Rows(keys=[key])
    rows = out.rows
    rows["node:Report"].append(_report_row(nodes, report, r))
    for s in nodes.of_type(_CONCEPT):  # concepts the graph describes itself (codes the vocabulary does not know)
        if label := _label_of(s):
            code = nodes.one(s, "notation")
            rows[f"node:{label}"].append({"iri": s, "code": code, "name": nodes.one(s, "pref_label") or code})
    linked = _instrument_rows(nodes, key, r, rows)
    for name, (rel, label) in _CONCEPT_EDGES.items():
        for c in nodes.props[r].get(name, ()):
            rows[f"report:{rel}:{label}"].append({"report": key, "iri": str(c)})
            linked[label].add(str(c))
    for label, iris in linked.items():  # so that each exists before it is linked
        rows[f"node:{label}"] += [{"iri": c} for c in sorted(iris)]
    _statement_rows(nodes, key, r, rows)
    _name_rows(nodes, key, rows)
    return out


def _report_row(nodes: _Nodes, report: ReportGraph, r: str) -> dict:
    """The ``Report`` node's properties (those the graph states)."""
    extractor = next((nodes.one(s, "extractor_version") for s in nodes.props
                      if nodes.props[s].get("extractor_version")), None)
    return {k: v for k, v in {
        "key": report.key, "iri": r, "source": nodes.one(r, "source_file"), "content_hash": report.content_hash,
        "recipe": report.recipe or None, "file_hash": report.file_hash or None,
        "label": nodes.one(r, "label"), "symbol": nodes.one(r, "symbol"), "title": nodes.one(r, "title"),
        "date": nodes.one(r, "date"), "extractor": extractor,
    }.items() if v is not None}


def _instrument_rows(nodes: _Nodes, key: str, r: str, rows: dict[str, list[dict]]) -> dict[str, set[str]]:
    """Each instrument's node and its ``CITES`` (or ``IDENTIFIED_AS``) from report ``r``, with the
    mentions of it and this report's claims; returns the concepts they link to, by label."""
    mentions: dict[str, list[_Evidence]] = defaultdict(list)  # by the node they refer to
    for s in nodes.of_type(_MENTION):
        mentions[str(nodes.props[s]["refers_to"][0])].append(nodes.evidence(s))
    own = {str(o) for o in nodes.props[r].get("identified_as", ())}
    linked: dict[str, set[str]] = defaultdict(set)
    for s in nodes.of_type(_INSTRUMENT):
        ik = _instrument_key(s)
        row = {"key": ik, "iri": s, **{name: v for name in ("symbol", "number", "year", "date", "title")
                                      if (v := nodes.one(s, name)) is not None}}
        for name, (rel, label) in _CONCEPT_EDGES.items():
            row[rel] = concepts = sorted({str(c) for c in nodes.props[s].get(name, ())})
            linked[label].update(concepts)
        rows["node:Instrument"].append(row)
        edge = _cited_by({"report": key, "key": ik}, mentions.get(s, []))
        for name in ("date", "title", "year"):  # this report's claims (kg.graph.CLAIMED)
            if (v := nodes.one(s, name)) is not None:
                edge[name] = v
        rows["IDENTIFIED_AS" if s in own else "CITES"].append(edge)
    return linked


def _statement_rows(nodes: _Nodes, key: str, r: str, rows: dict[str, list[dict]]) -> None:
    """A relationship per relation statement, from the report or an instrument, with its evidence."""
    for s in nodes.of_type(_STATEMENT):
        st = nodes.props[s]
        src, tgt = str(st["relation_source"][0]), str(st["relation_target"][0])
        rel = RELATION_TYPES[str(st["relation_kind"][0])]
        kind = "report" if src == r else "instrument"
        rows[f"{kind}-rel:{rel}"].append({
            "report": key, "src": key if src == r else _instrument_key(src), "tgt": _instrument_key(tgt),
            "start": int(st["start"][0]), "end": int(st["end"][0]), "surface": str(st["surface"][0]),
            **({"effective": _value(st["effective_date"][0])} if st.get("effective_date") else {})})


def _name_rows(nodes: _Nodes, key: str, rows: dict[str, list[dict]]) -> None:
    """Laws cited by name: the names reports teach (an instrument's ``lkg:nameKey``, ``NAMED``), the
    name mentions, one ``CITES_NAME`` per name and year (resolved after the write:
    ``Neo4jStore._resolve_names``), and the ``Name`` nodes, each with its greatest spelling."""
    names: dict[str, str] = {}
    for s in nodes.of_type(_INSTRUMENT):
        props = nodes.props[s]
        for name, name_key in sorted(zip(map(str, props.get("name", ())), map(str, props.get("name_key", ())))):
            names[name_key] = max(names.get(name_key, ""), name)
            rows["NAMED"].append({"report": key, "key": _instrument_key(s), "name_key": name_key, "name": name})
    cited: dict[tuple[str, int | None], list[_Evidence]] = defaultdict(list)
    for s in nodes.of_type(_NAME_MENTION):
        cited[(str(nodes.props[s]["name_key"][0]), nodes.one(s, "name_year"))].append(nodes.evidence(s, "name"))
    for (name_key, year), ms in sorted(cited.items(), key=lambda item: min(item[1])):
        ms.sort()
        names[name_key] = max(names.get(name_key, ""), *(m.name for m in ms))
        row = _cited_by({"report": key, "name_key": name_key, "name": ms[0].name}, ms)
        if year is not None:
            row["year"] = year
        rows["CITES_NAME"].append(row)
    rows["node:Name"] += [{"key": k, "name": n} for k, n in sorted(names.items())]


_NOTATION, _PREF_LABEL, _ALT_LABEL = str(CONCEPT.notation), str(CONCEPT.pref_label), str(CONCEPT.alt_label)


def vocabulary_rows(report: ReportGraph) -> list[tuple[str, dict]]:
    """``(label, row)`` for every SKOS concept of the ``_vocabulary`` graph."""
    concepts: dict[str, dict] = defaultdict(lambda: {"codes": []})
    for subject, predicate, o in report.graph.triples((None, None, None)):
        s, p = str(subject), str(predicate)
        if _label_of(s) is None:
            continue
        c = concepts[s]
        if p == _NOTATION:
            c["codes"].append(str(o))
        elif p == _PREF_LABEL and getattr(o, "language", None) in ("vi", None):
            c["name"] = str(o)
        elif p == _ALT_LABEL and getattr(o, "language", None) == "en":
            c["name_en"] = str(o)
    out = []
    for iri, c in concepts.items():
        label = _label_of(iri)
        if label is None or not c["codes"]:
            continue
        c["codes"].sort()
        out.append((label, {"iri": iri, "code": c["codes"][0], **c}))
    return out


# --------------------------------------------------------------------------
# Write statements: each runs once per batch with UNWIND $rows
# --------------------------------------------------------------------------

_SMALLEST = ("symbol", "number", "year", "date", "title")  # an instrument's: the smallest any report states

_SET_SMALLEST = "\n        ".join(
    f"FOREACH (_ IN CASE WHEN row.{p} IS NOT NULL AND (i.{p} IS NULL OR row.{p} < i.{p}) THEN [1] END | "
    f"SET i.{p} = row.{p})" for p in _SMALLEST)

_NODE_WRITES = {
    "node:Report": "UNWIND $rows AS row MERGE (r:Report {key: row.key}) SET r = row",
    # An instrument's type, issuer and jurisdiction follow from its symbol and
    # key: linked once, when it has none yet (CREATE, no MERGE against the
    # thousands of instruments an issuer or a province has).
    "node:Instrument": """
        UNWIND $rows AS row
        MERGE (i:Instrument {key: row.key})
        ON CREATE SET i += row {.iri, .symbol, .number, .year, .date, .title}
        WITH i, row
        // The smallest value any report states, whatever the order of the writes (date and title are
        // then decided from the claims); written only when smaller (most rows change nothing).
        """ + _SET_SMALLEST + """
        WITH i, row WHERE NOT EXISTS { (i)-[:OF_TYPE|ISSUED_BY|IN_JURISDICTION]->() }
        CALL (i, row) {
            UNWIND row.OF_TYPE AS iri MATCH (c:DocumentType {iri: iri}) CREATE (i)-[:OF_TYPE]->(c)
            SET i.type = c.code
        }
        CALL (i, row) {
            UNWIND row.ISSUED_BY AS iri MATCH (c:Issuer {iri: iri}) CREATE (i)-[:ISSUED_BY]->(c)
        }
        CALL (i, row) {
            UNWIND row.IN_JURISDICTION AS iri MATCH (c:Jurisdiction {iri: iri}) CREATE (i)-[:IN_JURISDICTION]->(c)
        }""",
    **{f"node:{label}": f"""
        UNWIND $rows AS row
        MERGE (c:{label} {{iri: row.iri}})
        ON CREATE SET c.code = row.code, c.codes = CASE WHEN row.code IS NULL THEN null ELSE [row.code] END,
                      c.name = row.name"""
       for label in _CONCEPT_LABELS.values()},
    # The greatest spelling of a name, whichever report came first (accented letters sort after plain
    # ones: "Luật Đất đai" over OCR's "Luat Dat dai"): one writer or many, the same node.
    "node:Name": "UNWIND $rows AS row MERGE (n:Name {key: row.key}) "
                 "SET n.name = CASE WHEN n.name IS NULL OR row.name > n.name THEN row.name ELSE n.name END",
}


def write_statement(name: str) -> str:
    """The Cypher that writes the rows called ``name`` (see :func:`graph_rows`)."""
    if name in _NODE_WRITES:
        return _NODE_WRITES[name]
    kind, _, rest = name.partition(":")
    if kind in ("CITES", "IDENTIFIED_AS"):
        return f"""
            UNWIND $rows AS row
            MATCH (r:Report {{key: row.report}}) MATCH (i:Instrument {{key: row.key}})
            CREATE (r)-[c:{kind}]->(i)
            SET c = row {{.report, .mentions, .starts, .ends, .surfaces, .pages, .date, .title, .year}}"""
    if kind == "report":
        rel, label = rest.split(":")
        return f"""
            UNWIND $rows AS row
            MATCH (r:Report {{key: row.report}}) MATCH (c:{label} {{iri: row.iri}})
            CREATE (r)-[:{rel} {{report: row.report}}]->(c)"""
    if kind == "NAMED":
        return """
            UNWIND $rows AS row
            MATCH (i:Instrument {key: row.key}) MATCH (n:Name {key: row.name_key})
            CREATE (i)-[:NAMED {report: row.report, name: row.name}]->(n)"""
    if kind == "CITES_NAME":
        return """
            UNWIND $rows AS row
            MATCH (r:Report {key: row.report}) MATCH (n:Name {key: row.name_key})
            CREATE (r)-[c:CITES_NAME]->(n) SET c = row {.report, .name, .year, .mentions, .starts, .ends, .surfaces, .pages}"""
    if kind in ("report-rel", "instrument-rel"):
        source = "Report" if kind == "report-rel" else "Instrument"
        return f"""
            UNWIND $rows AS row
            MATCH (s:{source} {{key: row.src}}) MATCH (t:Instrument {{key: row.tgt}})
            CREATE (s)-[e:{rest}]->(t) SET e = row {{.report, .start, .end, .surface, .effective}}"""
    raise KeyError(name)


def write_order(name: str) -> tuple[int, str]:
    """Nodes (reports, then concepts, then instruments) before the relationships between them."""
    rank = {"node:Report": 0, "node:Instrument": 2}.get(name, 1 if name.startswith("node:") else 3)
    return rank, name


def _dedupe(name: str, rows: list[dict]) -> list[dict]:
    """Fewer rows for the shared MERGEs: one per instrument or concept in a batch, in key order
    (so that concurrent writers take the nodes' locks in the same order)."""
    if name == "node:Instrument":
        merged: dict[str, dict] = {}
        for row in rows:
            old = merged.get(row["key"])
            if old is None:
                merged[row["key"]] = dict(row)
                continue
            for f, v in row.items():
                if f in _SMALLEST:
                    if old.get(f) is None or v < old[f]:
                        old[f] = v
                elif old.get(f) in (None, []):
                    old[f] = v
        return [merged[key] for key in sorted(merged)]
    if name == "node:Name":  # the greatest name of a key; in key order, as writers lock
        greatest: dict[str, dict] = {}
        for row in rows:
            if row["key"] not in greatest or row["name"] > greatest[row["key"]]["name"]:
                greatest[row["key"]] = row
        return [greatest[key] for key in sorted(greatest)]
    if name.startswith("node:") and name != "node:Report":
        best: dict[str, dict] = {}
        for row in rows:  # a described (unknown) concept wins over a bare reference
            if row["iri"] not in best or row.get("code") is not None:
                best[row["iri"]] = row
        return [best[iri] for iri in sorted(best)]
    return sorted(rows, key=lambda row: (row.get("key") or row.get("tgt") or "", row.get("report", "")))


# Write locks taken first (a property set and removed: the lock stays until the commit), in key
# order: a transaction that writes a report, or decides an instrument, waits for any other doing the
# same to commit, and then reads what that one wrote (docs/scaling.md, "Parallel writers").
_LOCK_REPORTS = "UNWIND $keys AS k MERGE (r:Report {key: k}) SET r._lock = true REMOVE r._lock"
_LOCK_INSTRUMENTS = "UNWIND $keys AS k MATCH (i:Instrument {key: k}) SET i._lock = true REMOVE i._lock"

# Deleting a report's own data (every relationship carrying report = key).
_STORED = "UNWIND $keys AS k MATCH (r:Report {key: k}) WHERE r.content_hash IS NOT NULL RETURN collect(k) AS keys"
_OLD_INSTRUMENTS = """
    UNWIND $keys AS k
    MATCH (:Report {key: k})-[:CITES|IDENTIFIED_AS]->(i:Instrument)
    RETURN collect(DISTINCT i.key) AS keys"""
_DELETE_RELATIONS = f"""
    UNWIND $keys AS k
    MATCH (:Report {{key: k}})-[:CITES|IDENTIFIED_AS]->(:Instrument)-[e:{_RELATIONS}|NAMED]->()
    WHERE e.report = k
    DELETE e"""
_DELETE_REPORT_EDGES = """
    UNWIND $keys AS k
    MATCH (:Report {key: k})-[e]->()
    DELETE e"""
_DROP_ORPHANS = """
    UNWIND $keys AS k
    MATCH (i:Instrument {key: k})
    WHERE NOT EXISTS { ()-[:CITES|IDENTIFIED_AS]->(i) }
    DETACH DELETE i"""
_CLAIMS = """
    UNWIND $keys AS k
    MATCH (i:Instrument {key: k})
    OPTIONAL MATCH (r:Report)-[c:CITES|IDENTIFIED_AS]->(i)
    RETURN k AS key, collect({report: r.key, date: c.date, title: c.title, year: c.year,
                              own: type(c) = 'IDENTIFIED_AS'}) AS claims"""
_SET_DECIDED = """
    UNWIND $rows AS row
    MATCH (i:Instrument {key: row.key})
    SET i.date = row.date, i.title = row.title, i.year = row.year"""
_DROP_UNUSED_CONCEPTS = """
    MATCH (c) WHERE (c:DocumentType OR c:Issuer OR c:Jurisdiction OR c:Name)
      AND c.vocabulary IS NULL AND NOT EXISTS { (c)--() }
    DELETE c"""
# Laws cited by name (kg.names): the names whose resolutions a write may change, the index, the mentions.
_REPORT_NAMES = """
    UNWIND $keys AS k
    MATCH (:Report {key: k})-[:CITES_NAME]->(n:Name) RETURN n.key AS key
    UNION
    UNWIND $keys AS k
    MATCH (:Report {key: k})-[:CITES|IDENTIFIED_AS]->(:Instrument)-[e:NAMED]->(n:Name) WHERE e.report = k
    RETURN n.key AS key"""
_INSTRUMENT_NAMES = """
    UNWIND $keys AS k
    MATCH (:Instrument {key: k})-[:NAMED]->(n:Name) RETURN DISTINCT n.key AS key"""
_NAME_INDEX = """
    UNWIND $keys AS k
    MATCH (i:Instrument)-[:NAMED]->(:Name {key: k})
    RETURN DISTINCT k AS key, i.key AS instrument, i.date AS date, i.year AS year"""
_NAME_MENTIONS = """
    UNWIND $keys AS k
    MATCH (r:Report)-[c:CITES_NAME]->(:Name {key: k})
    RETURN elementId(c) AS id, k AS key, c.year AS year, r.date AS date"""
_UNRESOLVE = """
    UNWIND $keys AS k
    MATCH (:Name {key: k})<-[:CITES_NAME]-(:Report)-[b:CITES_BY_NAME {name_key: k}]->()
    WITH DISTINCT b DELETE b"""
_RESOLVED = """
    UNWIND $rows AS row
    MATCH (r:Report)-[c:CITES_NAME]->() WHERE elementId(c) = row.id
    MATCH (i:Instrument {key: row.instrument})
    CREATE (r)-[b:CITES_BY_NAME]->(i)
    SET b = c {.report, .year, .mentions, .starts, .ends, .surfaces, .pages}, b.name_key = row.key"""

SCHEMA = [
    "CREATE CONSTRAINT report_key IF NOT EXISTS FOR (n:Report) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT instrument_key IF NOT EXISTS FOR (n:Instrument) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT document_type_iri IF NOT EXISTS FOR (n:DocumentType) REQUIRE n.iri IS UNIQUE",
    "CREATE CONSTRAINT issuer_iri IF NOT EXISTS FOR (n:Issuer) REQUIRE n.iri IS UNIQUE",
    "CREATE CONSTRAINT jurisdiction_iri IF NOT EXISTS FOR (n:Jurisdiction) REQUIRE n.iri IS UNIQUE",
    "CREATE CONSTRAINT vocabulary_key IF NOT EXISTS FOR (n:Vocabulary) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT name_key IF NOT EXISTS FOR (n:Name) REQUIRE n.key IS UNIQUE",
    "CREATE INDEX instrument_symbol IF NOT EXISTS FOR (n:Instrument) ON (n.symbol)",
    # A TEXT index: saved queries match a report's source by its end (ENDS WITH), which Neo4j 5.26
    # plans on a RANGE index and then refuses; equality (a changed file's report) uses it too.
    "DROP INDEX report_source IF EXISTS",
    "CREATE TEXT INDEX report_source_text IF NOT EXISTS FOR (n:Report) ON (n.source)",
    "CREATE INDEX report_date IF NOT EXISTS FOR (n:Report) ON (n.date)",
    "CREATE INDEX document_type_code IF NOT EXISTS FOR (n:DocumentType) ON (n.code)",
    "CREATE INDEX issuer_code IF NOT EXISTS FOR (n:Issuer) ON (n.code)",
    "CREATE INDEX jurisdiction_name IF NOT EXISTS FOR (n:Jurisdiction) ON (n.name)",
]


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------

def _reason(exc: Exception) -> str:
    text = getattr(exc, "message", None) or str(exc)
    low = text.lower()
    if "refused" in low:
        return "connection refused"
    if "dns resolve" in low or "name or service not known" in low:
        return "unknown host"
    if "timed out" in low or "timeout" in low:
        return "timed out"
    return _first_line(text) or type(exc).__name__


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:300]


def _credentials(uri: str, user: str | None, password: str | None) -> tuple[str, str] | None:
    """``(user, password)`` to log in with: those given, else the environment's, else the bundled server's."""
    user = user if user is not None else os.environ.get("NEO4J_USER")
    password = password if password is not None else os.environ.get("NEO4J_PASSWORD")
    if password is None:
        password = bundled_password(uri)
    return (user or "neo4j", password or "") if (user or password) else None


def bundled_password(uri: str) -> str | None:
    """The password ``scripts/neo4j`` keeps for the bundled server, if ``uri`` is that server.

    The home is ``LEGAL_KG_NEO4J_HOME`` (else ``.neo4j`` in the checkout); the
    password is only given to a loopback URI on the port that home's server listens on.
    """
    home = Path(os.environ.get("LEGAL_KG_NEO4J_HOME") or BUNDLED_HOME)
    try:
        parts = urlsplit(uri)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            return None
        if (home / "neo4j.port").read_text().strip() != str(parts.port or 7687):
            return None
        return (home / "password").read_text(encoding="utf-8").splitlines()[0].strip() or None
    except (OSError, ValueError, IndexError):
        return None


# --------------------------------------------------------------------------
# Values: what queries return, as plain Python, and how kg cypher prints them
# --------------------------------------------------------------------------

class TemporalValue(str):
    """A date, time, datetime or duration as its ISO text: a ``str`` that :func:`cypher_text` prints unquoted."""


@dataclass
class GraphNode:
    element_id: str
    labels: tuple[str, ...]
    properties: dict[str, Any]

    def __str__(self) -> str:
        return f"({''.join(':' + _name(l) for l in self.labels)}{_props(self.properties)})"


@dataclass
class GraphRelationship:
    element_id: str
    type: str
    start: str  # element ids of its end nodes
    end: str
    properties: dict[str, Any]

    def __str__(self) -> str:
        return f"[:{_name(self.type)}{_props(self.properties)}]"


@dataclass
class GraphPath:
    nodes: tuple[GraphNode, ...]
    relationships: tuple[GraphRelationship, ...]

    def __str__(self) -> str:
        """``(a)-[:R]->(b)<-[:S]-(c)``: each relationship points the way it was stored."""
        out = [str(self.nodes[0])]
        for prev, rel, node in zip(self.nodes, self.relationships, self.nodes[1:]):
            forward = rel.start == prev.element_id
            out.append(f"-{rel}->{node}" if forward else f"<-{rel}-{node}")
        return "".join(out)


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _name(name: str) -> str:
    return name if _IDENTIFIER.fullmatch(name) else "`" + name.replace("`", "``") + "`"


def _props(properties: dict) -> str:
    return " {" + ", ".join(f"{_name(k)}: {cypher_text(v, nested=True)}" for k, v in properties.items()) + "}" \
        if properties else ""


def cypher_text(value: Any, *, nested: bool = False) -> str:
    """``value`` as cypher-shell prints it: ``(:Instrument {symbol: "60/2021/NĐ-CP"})``, ``[1, 2]``, ``NULL``.

    Strings are quoted inside lists, maps, nodes and relationships; at the top
    (a cell of a table or CSV) they are printed as they are, and null is empty.
    """
    if value is None:
        return "NULL" if nested else ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False) if nested and not isinstance(value, TemporalValue) else value
    if isinstance(value, list):
        return "[" + ", ".join(cypher_text(v, nested=True) for v in value) + "]"
    if isinstance(value, dict):
        return _props(value).strip() or "{}"
    return str(value)


def json_value(value: Any) -> Any:
    """``value`` for JSON: nodes, relationships and paths as objects (the shape of Neo4j's Query API)."""
    if isinstance(value, GraphNode):
        return {"elementId": value.element_id, "labels": list(value.labels), "properties": json_value(value.properties)}
    if isinstance(value, GraphRelationship):
        return {"elementId": value.element_id, "type": value.type, "startNodeElementId": value.start,
                "endNodeElementId": value.end, "properties": json_value(value.properties)}
    if isinstance(value, GraphPath):
        return {"nodes": [json_value(n) for n in value.nodes],
                "relationships": [json_value(r) for r in value.relationships]}
    if isinstance(value, list):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)  # a point


def _plain(value: Any) -> Any:
    """Driver values as plain Python: temporal values as ISO strings, graph values as :class:`GraphNode`…"""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, neo4j.graph.Node):
        return GraphNode(value.element_id, tuple(sorted(value.labels)), _plain(dict(value.items())))
    if isinstance(value, neo4j.graph.Relationship):
        start, end = value.start_node, value.end_node
        assert start is not None and end is not None  # the driver gives a returned relationship both ends
        return GraphRelationship(value.element_id, value.type, start.element_id, end.element_id,
                                 _plain(dict(value.items())))
    if isinstance(value, neo4j.graph.Path):
        return GraphPath(tuple(_plain(n) for n in value.nodes), tuple(_plain(r) for r in value.relationships))
    if hasattr(value, "iso_format"):
        return TemporalValue(value.iso_format())
    return value


# --------------------------------------------------------------------------
# Checking a query before it runs, from its plan (EXPLAIN)
# --------------------------------------------------------------------------

def _operators(plan: dict | None) -> Iterator[tuple[str, str]]:
    """``(operator, details)`` of every step of an EXPLAIN plan (``LoadCSV``, ``ProcedureCall``…)."""
    if plan is None:
        return
    yield plan["operatorType"].partition("@")[0], str(plan.get("args", {}).get("Details") or "")
    for child in plan.get("children", ()):
        yield from _operators(child)


def _refusal(summary: neo4j.ResultSummary) -> QueryRefused | None:
    """Why a query may not run read-only, from its plan and query type; None if it may."""
    if summary.plan is None:
        return QueryRefused("Neo4j gave no plan for this query, so it cannot be checked; use --write to run it")
    procedures = []
    for operator, details in _operators(summary.plan):
        if operator == "LoadCSV":
            return QueryRefused("LOAD CSV reads files and URLs on the server; refused without --write")
        if operator == "AdministrationCommand":
            return QueryRefused("administration commands are refused without --write")
        if operator.startswith(("Show", "Terminate")) and operator not in READ_ONLY_COMMANDS:
            return QueryRefused(f"{_command_name(operator)} shows or changes the server's state; "
                                "refused without --write")
        if operator == "ProcedureCall":
            name = details.partition("(")[0].strip()
            if name not in READ_ONLY_PROCEDURES:
                return QueryRefused(f"procedure {name} is not one of the read-only ones (see "
                                    "READ_ONLY_PROCEDURES); refused without --write")
            procedures.append(name)
    if summary.query_type in ("rw", "w") or (summary.query_type == "s" and not procedures):
        return WriteRefused("this query writes; refused without --write")
    return None


def _command_name(operator: str) -> str:
    """``ShowTransactions`` → ``SHOW TRANSACTIONS``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", operator).upper()


_QUOTED_PARAMETER = re.compile(r"\$`((?:[^`]|``)*)`")


def _parameters(summary: neo4j.ResultSummary) -> set[str]:
    """The parameters a query uses: those Neo4j reports missing when EXPLAINed without any.

    Neo4j names them in its notification 01N60 as ``$`name```; servers before
    5.23 in ``(Missing parameters: a, b)``.
    """
    names: set[str] = set()
    for status in summary.gql_status_objects:
        text = status.status_description
        if status.gql_status == "01N60":
            names.update(n.replace("``", "`") for n in _QUOTED_PARAMETER.findall(text))
        elif "(Missing parameters: " in text:  # an older server's notification, as the driver passes it on
            names.update(n.strip() for n in text.rpartition("Missing parameters: ")[2].rstrip(")").split(","))
    return names - {""}


# --------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------

class Neo4jStore(Store):
    """Report graphs in a Neo4j 5 database (see the module docstring for the model).

    ``uri``, ``user``, ``password`` and ``database`` default to ``NEO4J_URI``
    (else ``bolt://127.0.0.1:7687``), ``NEO4J_USER`` (else ``neo4j``),
    ``NEO4J_PASSWORD`` (else, for the bundled server, the one ``scripts/neo4j``
    keeps: :func:`bundled_password`) and ``NEO4J_DATABASE`` (else the server's
    default database). Connects at once: a server that cannot be reached, or
    refuses the credentials, raises :class:`StoreError` with a one-line message.
    """

    keeps_triples = False  # (a property graph: kg stats, kg graph, kg validate read an RDF store)

    #: Seconds after the server was found unreachable during which calls fail at once (the driver
    #: has just spent its retries on it): a run whose server went away names its files quickly.
    cooldown = 10.0
    _down_until = 0.0
    _down_error: StoreError | None = None

    def __init__(self, uri: str | None = None, user: str | None = None, password: str | None = None,
                 database: str | None = None, *, connection_timeout: float = 10.0):
        self.uri = uri or os.environ.get("NEO4J_URI") or DEFAULT_URI
        self.database = database or os.environ.get("NEO4J_DATABASE") or None
        auth = _credentials(self.uri, user, password)
        # Parallel writers take theirs from their own environment: only when these are the ones it gives.
        self._shareable = auth == _credentials(self.uri, None, None)
        self._ready = False
        self._driver: neo4j.Driver | None = None
        scheme = self.uri.partition("://")[0]
        if scheme not in _SCHEMES:
            raise StoreError(f"invalid Neo4j URI {self.uri!r}: use bolt://HOST:PORT or neo4j://HOST:PORT")
        try:
            self._driver = GraphDatabase.driver(
                self.uri, auth=auth, connection_timeout=connection_timeout,
                notifications_min_severity="OFF")
        except (ValueError, nx.ConfigurationError) as e:
            raise StoreError(f"invalid Neo4j URI {self.uri!r}: {_reason(e)}") from None
        with self._errors():
            self._driver.verify_connectivity()
            with self._session() as session:  # the database exists and answers
                session.run("CALL db.ping()").consume()

    @contextlib.contextmanager
    def _errors(self):
        """Connection-level driver errors → one-line :class:`StoreError`."""
        if self._down_error is not None and time.monotonic() < self._down_until:
            raise StoreError(str(self._down_error))
        try:
            yield
        except nx.ClientError as e:
            code = e.code or ""
            if isinstance(e, nx.AuthError) or code.endswith("Security.AuthenticationRateLimit"):
                raise StoreError(f"Neo4j at {self.uri} refused the credentials ({_reason(e)}); "
                                 "set NEO4J_USER and NEO4J_PASSWORD (scripts/neo4j keeps the bundled "
                                 "server's in .neo4j/password)") from None
            if "DatabaseNotFound" in code:
                raise StoreError(f"Neo4j at {self.uri} has no database {self.database!r}; "
                                 "check NEO4J_DATABASE") from None
            raise
        except nx.TransientError as e:  # still a deadlock or a busy server after the driver's retries
            raise StoreError(f"Neo4j at {self.uri} could not write after retrying: "
                             f"{_first_line(e.message or str(e)) or e.code}") from None
        except (nx.ServiceUnavailable, nx.SessionExpired) as e:
            self._down_error = StoreError(f"cannot reach Neo4j at {self.uri}: {_reason(e)} — {HINT}")
            self._down_until = time.monotonic() + self.cooldown
            raise self._down_error from None

    def _session(self, read: bool = False, notifications: bool = False) -> neo4j.Session:
        """A session; ``notifications``: with the server's warnings (the driver's are off)."""
        mode = neo4j.READ_ACCESS if read else neo4j.WRITE_ACCESS
        extra: dict[str, Any] = {"notifications_min_severity": "WARNING"} if notifications else {}
        return self._live_driver().session(database=self.database, default_access_mode=mode, **extra)

    def _live_driver(self) -> neo4j.Driver:
        if self._driver is None:
            raise StoreError(f"the Neo4j store at {self.uri} is closed")
        return self._driver

    def _read(self, query: str, **params) -> list[neo4j.Record]:
        with self._errors(), self._session(read=True) as session:
            return session.execute_read(lambda tx: list(tx.run(query, params)))

    # -- schema --

    def init(self) -> None:
        """Uniqueness constraints and indexes (idempotent), and wait until they are online."""
        with self._errors(), self._session() as session:
            for statement in SCHEMA:
                session.run(statement).consume()
            session.run("CALL db.awaitIndexes(300)").consume()
        self._ready = True

    def _ensure_schema(self) -> None:
        if not self._ready:  # MERGE on an unindexed key would scan every node
            self.init()

    # -- Store interface --

    def stored_hash(self, key: str) -> str | None:
        if key == VOCABULARY_KEY:
            records = self._read("MATCH (v:Vocabulary {key: $key}) RETURN v.content_hash AS h", key=key)
        else:
            records = self._read("MATCH (r:Report {key: $key}) RETURN r.content_hash AS h", key=key)
        return records[0]["h"] if records else None

    def save(self, report: ReportGraph) -> bool:
        return self._write(self._prepare([report]))[0]

    def save_many(self, reports: Iterable[ReportGraph], *, return_exceptions: bool = False) -> list[bool | Exception]:
        """Save several reports in one write transaction; for each, whether it was written.

        The batched loader: all rows of all reports go in one ``UNWIND``
        statement per kind of row. A report whose stored hash is unchanged
        is skipped (False). With ``return_exceptions``, a batch that fails is
        saved again one report at a time: a report that fails gets its
        exception in the list, the others are saved.
        """
        reports = list(reports)  # (read again where a batch fails)
        try:
            return list(self._write(self._prepare(reports)))
        except Exception:
            if not return_exceptions:
                raise
        return super().save_many(reports, return_exceptions=True)

    def save_stream(self, reports: Iterable[ReportGraph], *, batch: int = 500) -> tuple[int, int]:
        """:meth:`save_many` over ``reports``, ``batch`` at a time; ``(saved, unchanged)``.

        The next batch is read into rows in a helper thread while the current
        one is written (the client mostly waits for the server meanwhile).
        """
        saved = unchanged = 0

        def batches() -> Iterator[list[ReportGraph]]:
            it = iter(reports)
            while chunk := list(itertools.islice(it, batch)):
                yield chunk

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-neo4j-rows") as pool:
            pending = None
            for chunk in batches():
                ahead = pool.submit(self._prepare, chunk)
                if pending is not None:
                    done = self._write(pending)
                    saved, unchanged = saved + sum(done), unchanged + len(done) - sum(done)
                pending = ahead.result()
            if pending is not None:
                done = self._write(pending)
                saved, unchanged = saved + sum(done), unchanged + len(done) - sum(done)
        return saved, unchanged

    def _prepare(self, reports: Sequence[ReportGraph]) -> _Batch:
        """Which reports changed (stored hash), and their rows."""
        self._ensure_schema()
        wanted = {r.key: r for r in reports if r.key != VOCABULARY_KEY}  # the last of a key wins
        stored = self._versions(list(wanted))
        rows = Rows()
        for key, report in wanted.items():
            if stored.get(key) != (report.content_hash, report.recipe or None):
                rows.extend(graph_rows(report))
        sources = {r.source: k for k, r in wanted.items() if r.source}
        if sources:  # a file that changed: its new report replaces the one stored from it
            records = self._read("UNWIND $sources AS s MATCH (r:Report {source: s}) RETURN s, r.key AS key",
                                 sources=list(sources))
            rows.replaced = sorted({r["key"] for r in records if r["key"] != sources[r["s"]]})
        vocabulary = [r for r in reports if r.key == VOCABULARY_KEY]
        return _Batch([r.key for r in reports], vocabulary, rows)

    def _write(self, batch: _Batch) -> list[bool]:
        done = {r.key: self._save_vocabulary(r) for r in batch.vocabulary}
        if batch.rows.keys or batch.rows.replaced:
            with self._errors(), self._session() as session:
                session.execute_write(self._write_rows, batch.rows)
        done.update((k, True) for k in batch.rows.keys)
        return [done.get(k, False) for k in batch.keys]

    def _versions(self, keys: list[str]) -> dict[str, tuple[str, str | None]]:
        """Stored (content hash, recipe) of each of ``keys`` that is stored."""
        records = self._read("UNWIND $keys AS k MATCH (r:Report {key: k}) "
                             "RETURN k AS key, r.content_hash AS h, r.recipe AS recipe", keys=keys)
        return {r["key"]: (r["h"], r["recipe"]) for r in records}

    def stored_version(self, source: str) -> StoredVersion | None:
        records = self._read("MATCH (r:Report {source: $source}) RETURN r.key AS key, r.content_hash AS h, "
                             "r.recipe AS recipe, r.file_hash AS file_hash", source=source)
        if len(records) != 1:
            return None
        r = records[0]
        return StoredVersion(r["key"], r["h"], r["recipe"] or "", r["file_hash"] or "")

    @staticmethod
    def _remove(tx, keys: list[str]) -> list[str]:
        """Delete every relationship of reports ``keys``; the instruments they pointed to."""
        # Most reports of a load are new: find the stored ones first (a cheap index look-up).
        keys = tx.run(_STORED, keys=keys).single()["keys"]
        if not keys:
            return []
        old = tx.run(_OLD_INSTRUMENTS, keys=keys).single()["keys"]
        tx.run(_DELETE_RELATIONS, keys=keys).consume()
        tx.run(_DELETE_REPORT_EDGES, keys=keys).consume()
        return old

    @staticmethod
    def _tidy(tx, old: list[str]) -> None:
        """After a removal: drop instruments nothing points to."""
        if not old:
            return
        tx.run(_DROP_ORPHANS, keys=old).consume()
        tx.run(_DROP_UNUSED_CONCEPTS).consume()

    @staticmethod
    def _decide(tx, keys: list[str]) -> None:
        """Each instrument's date and title, from what the reports say, as the RDF stores decide
        (:func:`kg.graph.choose`: its own document first, then the value most reports state)."""
        if not keys:
            return
        tx.run(_LOCK_INSTRUMENTS, keys=keys).consume()  # then the claims, as the last to decide them left them
        decided = []
        for record in tx.run(_CLAIMS, keys=keys):
            row = {"key": record["key"]}
            for name in ("date", "title", "year"):
                tally: dict = {}
                for claim in record["claims"]:
                    if claim[name] is not None:
                        counts = tally.setdefault(claim[name], [set(), 0])
                        counts[0].add(claim["report"])
                        counts[1] += claim["own"]
                row[name] = choose((value, len(reports), own) for value, (reports, own) in tally.items())
            decided.append(row)
        tx.run(_SET_DECIDED, rows=decided).consume()

    @staticmethod
    def _names_of(tx, query: str, keys: list[str]) -> set[str]:
        return {record["key"] for record in tx.run(query, keys=keys)} if keys else set()

    @classmethod
    def _resolve_names(cls, tx, names: set[str], instruments: list[str]) -> None:
        """Resolve again the name mentions of ``names`` and of the names of ``instruments`` (their dates
        may have changed), as the RDF stores do (:func:`kg.names.pick`), as ``CITES_BY_NAME``."""
        keys = sorted(names | cls._names_of(tx, _INSTRUMENT_NAMES, instruments))
        if not keys:
            return
        index: dict[str, list[Candidate]] = defaultdict(list)
        for record in tx.run(_NAME_INDEX, keys=keys):
            index[record["key"]].append(Candidate(record["instrument"], _date(record["date"]), record["year"]))
        tx.run(_UNRESOLVE, keys=keys).consume()
        resolved = []
        for record in list(tx.run(_NAME_MENTIONS, keys=keys)):
            chosen = pick(index.get(record["key"], ()), _date(record["date"]), record["year"])
            if chosen is not None:
                resolved.append({"id": record["id"], "key": record["key"], "instrument": chosen})
        if resolved:
            tx.run(_RESOLVED, rows=resolved).consume()

    @classmethod
    def _write_rows(cls, tx, rows: Rows) -> None:
        # Every report's earlier version goes, even one stored since _prepare looked (by another
        # writer: its lock is waited for); so do the reports stored from the same sources before.
        tx.run(_LOCK_REPORTS, keys=sorted(set(rows.keys + rows.replaced))).consume()
        names = cls._names_of(tx, _REPORT_NAMES, rows.keys + rows.replaced)
        names.update(row["key"] for row in rows.rows.get("node:Name", ()))
        old = cls._remove(tx, rows.keys + rows.replaced)
        if rows.replaced:
            tx.run("UNWIND $keys AS k MATCH (r:Report {key: k}) DETACH DELETE r", keys=rows.replaced).consume()
        for name in sorted(rows.rows, key=write_order):
            batch = _dedupe(name, rows.rows[name])
            if batch:
                tx.run(write_statement(name), rows=batch).consume()
        cls._tidy(tx, old)
        decided = sorted(set(old) | {row["key"] for row in rows.rows.get("node:Instrument", ())})
        cls._decide(tx, decided)
        cls._resolve_names(tx, names, decided)

    def _save_vocabulary(self, report: ReportGraph) -> bool:
        if self.stored_hash(report.key) == report.content_hash:
            return False
        by_label: dict[str, list[dict]] = defaultdict(list)
        for label, row in vocabulary_rows(report):
            by_label[label].append(row)

        def work(tx):
            for label, rows in by_label.items():
                tx.run(f"""
                    UNWIND $rows AS row
                    MERGE (c:{label} {{iri: row.iri}})
                    SET c.code = row.code, c.codes = row.codes, c.name = row.name,
                        c.name_en = row.name_en, c.vocabulary = true""", rows=rows).consume()
            tx.run("MERGE (v:Vocabulary {key: $key}) SET v.content_hash = $hash",
                   key=report.key, hash=report.content_hash).consume()
            # Instruments stored before their type had a code (the vocabulary came later).
            tx.run("MATCH (i:Instrument)-[:OF_TYPE]->(c:DocumentType) WHERE i.type IS NULL AND c.code IS NOT NULL "
                   "SET i.type = c.code").consume()

        with self._errors(), self._session() as session:
            session.execute_write(work)
        return True

    def delete(self, key: str) -> None:
        self._ensure_schema()

        def work(tx):
            if key == VOCABULARY_KEY:  # the concepts stay: reports still point to them
                tx.run("MATCH (v:Vocabulary {key: $key}) DELETE v", key=key).consume()
                return
            tx.run(_LOCK_REPORTS, keys=[key]).consume()
            names = self._names_of(tx, _REPORT_NAMES, [key])
            old = self._remove(tx, [key])
            tx.run("MATCH (r:Report {key: $key}) DETACH DELETE r", key=key).consume()
            self._tidy(tx, old)
            self._decide(tx, old)
            self._resolve_names(tx, names, old)

        with self._errors(), self._session() as session:
            session.execute_write(work)

    def report_keys(self) -> Iterator[str]:
        records = self._read("MATCH (v:Vocabulary) RETURN v.key AS key "
                             "UNION ALL MATCH (r:Report) RETURN r.key AS key")
        return iter([r["key"] for r in records])

    def load(self, key: str) -> ReportGraph:
        if self.stored_hash(key) is None:
            raise KeyError(key)
        raise TriplesNotKept(_NO_TRIPLES)

    def quads(self) -> Iterator[tuple]:
        raise TriplesNotKept(_NO_TRIPLES)

    def counts(self) -> dict[str, int]:
        """``reports``, ``instruments``, ``mentions``, then nodes per label and relationships per type."""
        with self._errors(), self._session(read=True) as session:
            def work(tx):
                labels = [r["label"] for r in tx.run("CALL db.labels() YIELD label RETURN label")]
                types = [r["t"] for r in tx.run(
                    "CALL db.relationshipTypes() YIELD relationshipType AS t RETURN t")]
                out = {}
                for label in sorted(labels):  # count store lookups: O(1) each
                    out[label] = tx.run(f"MATCH (n:`{label}`) RETURN count(n) AS n").single()["n"]
                for t in sorted(types):
                    out[t] = tx.run(f"MATCH ()-[r:`{t}`]->() RETURN count(r) AS n").single()["n"]
                mentions = tx.run("MATCH ()-[c:CITES|IDENTIFIED_AS]->() RETURN sum(c.mentions) AS n"
                                  ).single()["n"]
                return out, mentions

            per, mentions = session.execute_read(work)
        per = {k: v for k, v in per.items() if v}  # labels and types linger in the catalogue
        return {
            "reports": per.get("Report", 0),
            "instruments": per.get("Instrument", 0),
            "mentions": mentions or 0,
            "nodes": sum(v for k, v in per.items() if not k.isupper()),
            "relationships": sum(v for k, v in per.items() if k.isupper()),
            **per,
        }

    def close(self) -> None:
        if self._driver is not None:
            self._driver.close()
            self._driver = None

    def __repr__(self) -> str:
        return f"Neo4jStore({self.uri}{', database ' + self.database if self.database else ''})"

    def writer_location(self) -> StoreLocation | None:
        """The same server and database, the user and password from each writer's own environment;
        None when this store was given others (a password on the command line is not passed on)."""
        return StoreLocation(Neo4jStore, (self.uri,), (("database", self.database),)) if self._shareable else None

    # -- beyond the interface --

    def sync_from(self, store: Store, *, batch: int = 200, prune: bool = False) -> dict[str, int]:
        """Push every report of ``store`` (e.g. an OxigraphStore) here; unchanged ones are skipped.

        With ``prune``, reports stored here but not in ``store`` are deleted.
        Returns ``{"saved", "unchanged", "deleted"}``.
        """
        keys = list(store.report_keys())
        ours: dict[str, str | None] = {k: h for k, (h, _) in self._versions(keys).items()}
        ours[VOCABULARY_KEY] = self.stored_hash(VOCABULARY_KEY)
        todo = [k for k in keys if store.stored_hash(k) != ours.get(k)]
        todo.sort(key=lambda k: k != VOCABULARY_KEY)  # labels first
        deleted = 0
        saved, _ = self.save_stream((store.load(k) for k in todo), batch=batch)
        if prune:
            for key in set(self.report_keys()) - set(keys):
                self.delete(key)
                deleted += 1
        return {"saved": saved, "unchanged": len(keys) - saved, "deleted": deleted}

    def run_cypher(self, query: str, params: dict | None = None, *, write: bool = False,
                   timeout: float | None = None) -> tuple[list[str], list[list]]:
        """Run ``query``; return ``(columns, rows)`` with plain Python values.

        Values: numbers, strings, booleans, None, lists and dicts as such;
        temporal values as ISO strings (:class:`TemporalValue`); nodes,
        relationships and paths as :class:`GraphNode`, :class:`GraphRelationship`,
        :class:`GraphPath`.

        The query is first EXPLAINed (planned, not run), and what Neo4j's plan
        says decides, never the query's text:

        * ``params`` naming a parameter the query does not use is an error
          (:class:`CypherError`); a parameter it uses but ``params`` lacks is
          passed as null (a saved query then does not filter on it).
        * Read-only by default: :class:`QueryRefused` for a query that writes
          (:class:`WriteRefused`), changes the schema, runs LOAD CSV (which reads
          files and fetches URLs on the server), an administration command, a
          SHOW or TERMINATE command other than SHOW INDEXES / CONSTRAINTS /
          PROCEDURES / FUNCTIONS, or a procedure not in
          :data:`READ_ONLY_PROCEDURES`. What passes runs in a READ session, so
          the server refuses any write too.

        With ``write=True`` the query runs as it is (so ``CALL {…} IN
        TRANSACTIONS`` and schema commands work). Either way it runs once, in an
        auto-commit transaction the server ends after ``timeout`` seconds. Any
        error is a :class:`CypherError` (the query's fault) or a
        :class:`StoreError` (the server's), with a one-line message.
        """
        params = dict(params or {})
        try:
            with self._errors(), self._session(read=not write, notifications=True) as session:
                plan = session.run("EXPLAIN " + query).consume()
            used = _parameters(plan)
            unused = sorted(set(params) - used)
            if unused:
                uses = ", ".join(f"${n}" for n in sorted(used)) or "no parameters"
                raise CypherError(f"the query does not use {', '.join(f'${n}' for n in unused)} (it uses {uses})")
            params = {**dict.fromkeys(used), **params}
            if not write and (refusal := _refusal(plan)) is not None:
                raise refusal
            with self._errors(), self._session(read=not write) as session:
                result = session.run(neo4j.Query(query, timeout=timeout), params)
                rows = [[_plain(v) for v in record.values()] for record in result]
                return list(result.keys()), rows
        except nx.ClientError as e:
            if "AccessMode" in (e.code or ""):
                raise WriteRefused("this query writes; refused without --write") from None
            raise CypherError(_first_line(e.message or str(e)) or e.code) from None
        except nx.Neo4jError as e:  # DatabaseError, TransientError: the server's fault
            raise StoreError(f"Neo4j at {self.uri} failed: {_first_line(e.message or str(e)) or e.code}") from None
        except nx.BrokenRecordError as e:
            raise CypherError(f"the result holds a value Python cannot read: {e.args[0]} ({e.__cause__})") from None
        except nx.DriverError as e:
            raise StoreError(f"Neo4j at {self.uri}: {_reason(e)}") from None

    def status(self) -> dict[str, Any]:
        """Server version, edition and address, the database, and :meth:`counts`."""
        with self._errors(), self._session(read=True) as session:
            components = session.execute_read(lambda tx: tx.run(
                "CALL dbms.components() YIELD name, versions, edition "
                "RETURN name, versions[0] AS version, edition").data())
        info = self._live_driver().get_server_info()
        kernel = next((c for c in components if c["name"] == "Neo4j Kernel"), components[0] if components else {})
        return {
            "uri": self.uri,
            "address": str(info.address),
            "agent": info.agent,
            "version": kernel.get("version"),
            "edition": kernel.get("edition"),
            "database": self.database or "(default)",
            "counts": self.counts(),
        }

    def clear(self) -> None:
        """Delete every node and relationship (constraints and indexes stay)."""
        with self._errors(), self._session() as session:
            session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
