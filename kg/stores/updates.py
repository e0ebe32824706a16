"""The SPARQL Update requests that keep a store's layout, shared by the embedded and the remote store.

The layout (:class:`~kg.stores.oxigraph.OxigraphStore` and
:class:`~kg.stores.sparql.SparqlStore` alike): each report in its own named
graph; the default graph, the set merge of the report graphs without their
claims (:data:`kg.graph.CLAIMED`) plus each instrument's decided claims, which
the instruments graph holds too; and the bookkeeping graph :data:`META_GRAPH`::

    <urn:legal-kg:report:KEY> meta:key "KEY" ; meta:graph <REPORT-GRAPH> ;
        meta:contentHash "…" ; meta:recipe "…" ; meta:source "…" ; meta:fileHash "…" .
    MARK meta:pending <INSTRUMENT> .       # to be decided (settle)

A report counts as stored only when its entry has a content hash. Each store
sequences these requests its own way (the embedded store: one transaction per
write; the remote store: docs/remote-stores.md). Terms are written with
pyoxigraph, whose N-Triples forms are valid SPARQL.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple
from urllib.parse import quote

import pyoxigraph as ox

from kg.graph import CLAIMED, choose
from kg.iris import ELI, INSTRUMENTS_GRAPH, LKG

__all__ = [
    "META_GRAPH", "META", "KEY", "GRAPH", "HASH", "RECIPE", "SOURCE", "FILE_HASH", "PENDING", "LAYOUT",
    "INSTRUMENTS", "IDENTIFIED_AS", "CLAIMED_PREDICATES", "report_node", "claim_subjects",
    "entry", "finished_entry", "marks", "removal_ops", "clear_ops", "replace_ops", "finish_ops",
    "Change", "StoredGraph", "decide", "decision_ops", "guarded_decision_ops",
]

META_GRAPH = "urn:legal-kg:meta"
META = ox.NamedNode(META_GRAPH)
KEY = ox.NamedNode("urn:legal-kg:meta#key")
GRAPH = ox.NamedNode("urn:legal-kg:meta#graph")
HASH = ox.NamedNode("urn:legal-kg:meta#contentHash")
RECIPE = ox.NamedNode("urn:legal-kg:meta#recipe")
SOURCE = ox.NamedNode("urn:legal-kg:meta#source")
FILE_HASH = ox.NamedNode("urn:legal-kg:meta#fileHash")
PENDING = ox.NamedNode("urn:legal-kg:meta#pending")  # an instrument whose description is to be decided
LAYOUT = ox.NamedNode("urn:legal-kg:meta#layout")
INSTRUMENTS = ox.NamedNode(INSTRUMENTS_GRAPH)
IDENTIFIED_AS = ox.NamedNode(str(LKG.identifiedAs))
CLAIMED_PREDICATES = [ox.NamedNode(str(p)) for p in sorted(CLAIMED)]
_CLAIMED_VALUES = " ".join(map(str, CLAIMED_PREDICATES))
_LEGAL_RESOURCE = ox.NamedNode(str(ELI.LegalResource))
_REPORT = ox.NamedNode(str(LKG.Report))
_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


class StoredGraph(NamedTuple):
    """A stored report a write replaces: its key and the IRI of its graph (None: it has none)."""

    key: str
    graph: str | None


def report_graphs(query) -> dict[str, str]:
    """Report key → graph IRI of every report stored whole (its hash written), from the bookkeeping,
    through a store's ``query``; the vocabulary's left out."""
    solutions = query(f"SELECT ?key ?graph WHERE {{ GRAPH {META} {{ ?r {KEY} ?key ; {GRAPH} ?graph ; {HASH} ?h }} }}")
    return {s["key"].value: s["graph"].value for s in solutions if not s["key"].value.startswith("_")}


def report_node(key: str) -> ox.NamedNode:
    """The bookkeeping node of report ``key``."""
    return ox.NamedNode("urn:legal-kg:report:" + quote(key, safe=""))


def claim_subjects(claims: str) -> list[str]:
    """The subjects (as written) of N-Triples claim lines: the instruments they describe."""
    return list(dict.fromkeys(line.split(" ", 1)[0] for line in claims.splitlines() if line))


# --- bookkeeping -------------------------------------------------------------------


def entry(report) -> str:
    """The start of ``report``'s entry (key and graph): without :func:`finished_entry`, an unfinished write."""
    return f"{report_node(report.key)} {KEY} {ox.Literal(report.key)} ; {GRAPH} {ox.NamedNode(report.iri)} ."


def finished_entry(report, mark: ox.NamedNode = META) -> str:
    """What makes ``report``'s entry complete (hash, recipe, source, file hash), and the marks of its instruments."""
    text = (f"{report_node(report.key)} {HASH} {ox.Literal(report.content_hash)} ; "
            f"{RECIPE} {ox.Literal(report.recipe)}")
    if report.source:
        text += f" ; {SOURCE} {ox.Literal(report.source)}"
    if report.file_hash:
        text += f" ; {FILE_HASH} {ox.Literal(report.file_hash)}"
    return f"{text} . {marks(claim_subjects(report.claims), mark)}"


def marks(instruments: Iterable, mark: ox.NamedNode = META) -> str:
    """Pending marks (triples of the bookkeeping graph) of ``instruments`` (terms or their text)."""
    return " ".join(f"{mark} {PENDING} {i} ." for i in instruments)


# --- writing reports -------------------------------------------------------------------


def removal_ops(key: str, graph: str | None, mark: ox.NamedNode = META) -> list[str]:
    """Operations that remove report ``key`` (stored in ``graph``, if any) and mark its instruments pending.

    A triple leaves the default graph only when no other graph holds it.
    Instruments are what :func:`kg.graph.split_claims` takes them for: IRIs
    typed ``eli:LegalResource`` in the graph, not the report itself.
    """
    ops = []
    if graph is not None:
        g = ox.NamedNode(graph)
        ops += [
            f"INSERT {{ GRAPH {META} {{ {mark} {PENDING} ?i }} }} WHERE {{ GRAPH {g} {{ ?i ?p ?v ; {_TYPE} "
            f"{_LEGAL_RESOURCE} FILTER(isIRI(?i)) FILTER NOT EXISTS {{ ?i {_TYPE} {_REPORT} }} }} VALUES ?p {{ {_CLAIMED_VALUES} }} }}",
            f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} FILTER NOT EXISTS {{ GRAPH ?other "
            f"{{ ?s ?p ?o }} FILTER(?other != {g} && ?other != {META}) }} }}",
            f"DROP SILENT GRAPH {g}",
        ]
    ops.append(f"DELETE WHERE {{ GRAPH {META} {{ {report_node(key)} ?p ?o }} }}")
    return ops


def clear_ops(report, stored: Sequence[StoredGraph], mark: ox.NamedNode = META) -> list[str]:
    """Operations that remove what ``report`` (a PreparedReport) replaces: the reports ``stored``."""
    return [*(op for key, graph in stored for op in removal_ops(key, graph, mark)),
            f"DROP SILENT GRAPH {ox.NamedNode(report.iri)}"]  # a graph left by a key no longer stored


def replace_ops(report, stored: Sequence[StoredGraph], mark: ox.NamedNode = META) -> str:
    """One request that replaces the reports ``stored`` by ``report``, with its entry and marks."""
    iri = ox.NamedNode(report.iri)
    return " ;\n".join([
        *clear_ops(report, stored, mark),
        f"INSERT DATA {{ GRAPH {iri} {{\n{report.ntriples}{report.claims}}}\n{report.ntriples}\n"
        f"GRAPH {META} {{ {entry(report)} {finished_entry(report, mark)} }} }}",
    ])


def finish_ops(report, mark: ox.NamedNode = META) -> list[str]:
    """Operations that complete ``report`` once its graph holds its shared triples (the remote store's last step).

    The graph is copied into the default graph on the server, so that its
    blank nodes are the same nodes in both; then its claims are added to it,
    its entry completed and its instruments marked — only if the graph is
    not empty: another writer of the same report may have cleared it since
    the ``PUT`` (and then writes it again itself).
    """
    iri = ox.NamedNode(report.iri)
    return [f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH {iri} {{ ?s ?p ?o }} }}",
            f"INSERT {{ GRAPH {iri} {{\n{report.claims}}}\nGRAPH {META} {{ {finished_entry(report, mark)} }} }} "
            f"WHERE {{ FILTER EXISTS {{ GRAPH {iri} {{ ?s ?p ?o }} }} }}"]


# --- deciding instruments (settle) -----------------------------------------------------


class Change(NamedTuple):
    """One decision to write: the values stored now give way to ``chosen`` (None: no value)."""

    instrument: object
    predicate: object
    current: list
    chosen: object


def decide(claims: Iterable[tuple]) -> list[Change]:
    """The decisions that differ from those stored, from every claim of some instruments.

    ``claims`` are ``(instrument, predicate, value, graph, own)``: each value
    of a claimed property in a named graph (pyoxigraph terms); ``graph`` is
    :data:`INSTRUMENTS` for the stored decision, else a report graph, which
    is the instrument's own document when ``own``. The rule is
    :func:`kg.graph.choose`.
    """
    tally: dict[tuple, dict] = {}    # (instrument, predicate) → {value: [reports stating it, own documents stating it]}
    current: dict[tuple, list] = {}  # (instrument, predicate) → values in the instruments graph
    for instrument, predicate, value, graph, own in claims:
        key = (instrument, predicate)
        if graph == INSTRUMENTS:
            current.setdefault(key, []).append(value)
        else:
            counts = tally.setdefault(key, {}).setdefault(value, [0, 0])
            counts[0] += 1
            counts[1] += bool(own)
    changes = []
    for instrument, predicate in dict.fromkeys([*tally, *current]):
        key = (instrument, predicate)
        chosen = choose((value, n, o) for value, (n, o) in tally.get(key, {}).items())
        values = current.get(key, [])
        if values != ([chosen] if chosen is not None else []):
            changes.append(Change(instrument, predicate, values, chosen))
    return changes


def _decision_triples(changes: Iterable[Change]) -> tuple[str, str]:
    drop = "\n".join(f"{c.instrument} {c.predicate} {value} ." for c in changes for value in c.current)
    add = "\n".join(f"{c.instrument} {c.predicate} {c.chosen} ." for c in changes if c.chosen is not None)
    return drop, add


def decision_ops(changes: Sequence[Change], instruments: Iterable, mark: ox.NamedNode = META) -> str:
    """One request that writes ``changes`` (instruments graph and default graph) and removes the marks of ``instruments``.

    For a single writer: nothing may change the claims between reading them and this request.
    """
    drop, add = _decision_triples(changes)
    ops = []
    if drop:
        ops.append(f"DELETE DATA {{ GRAPH {INSTRUMENTS} {{ {drop} }} {drop} }}")
    if add:
        ops.append(f"INSERT DATA {{ GRAPH {INSTRUMENTS} {{ {add} }} {add} }}")
    ops.append(f"DELETE DATA {{ GRAPH {META} {{ {marks(instruments, mark)} }} }}")
    return " ;\n".join(ops)


def guarded_decision_ops(changes: Sequence[Change], read_marks: dict) -> Iterator[str]:
    """Operations that write ``changes`` only where no other writer came between: for several writers.

    ``read_marks`` maps each instrument settled to the marks read for it
    (unique per write). An instrument's decision and marks are written only
    if its marks are still exactly those: a write since the claims were read
    added a mark, and another settle removed some; either way that
    instrument is left to the writer that settles it next.
    """
    by_instrument: dict = {}
    for change in changes:
        by_instrument.setdefault(change.instrument, []).append(change)
    for instrument, tokens in read_marks.items():
        drop, add = _decision_triples(by_instrument.get(instrument, []))
        mine = " ".join(f"{token} {PENDING} {instrument} ." for token in tokens)
        yield (f"DELETE {{ GRAPH {INSTRUMENTS} {{ {drop} }} {drop} GRAPH {META} {{ {mine} }} }} "
               f"INSERT {{ GRAPH {INSTRUMENTS} {{ {add} }} {add} }} "
               f"WHERE {{ {{ SELECT (COUNT(*) AS ?marks) WHERE {{ GRAPH {META} {{ ?mark {PENDING} {instrument} }} }} }} "
               f"FILTER(?marks = {len(tokens)}) GRAPH {META} {{ {mine} }} }}")
