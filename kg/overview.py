"""What a store holds, as rows of typed values: its reports (``kg reports``) and its figures (``kg stats``).

Both work on any store: the reports come from :meth:`Store.report_keys`, and
what each one is (file, symbol, title, date) from what the store's default
graph says of its ``lkg:Report`` node; the figures from the networkx view of
the whole graph (:func:`kg.graph.to_networkx`). Print the rows with
:mod:`kg.tabular`.
"""
from __future__ import annotations

from kg.graph import VOCABULARY_KEY, amendment_chains, cited_not_ingested, most_cited, to_networkx
from kg.iris import IriScheme
from kg.stores.base import Store

__all__ = ["REPORT_COLUMNS", "STATS_COLUMNS", "reports", "find_reports", "stats"]

#: The columns of :func:`reports`.
REPORT_COLUMNS = ["key", "file", "symbol", "title", "date"]
#: The columns of :func:`stats`.
STATS_COLUMNS = ["section", "item", "value", "iri"]

_DESCRIBED = """
SELECT ?report ?file ?symbol ?title ?date WHERE {
  ?report a lkg:Report .
  OPTIONAL { ?report lkg:sourceFile ?file }
  OPTIONAL { ?report eli:id_local ?symbol }
  OPTIONAL { ?report dcterms:title ?title }
  OPTIONAL { ?report eli:date_document ?date }
}"""
_NEO4J_DESCRIBED = ("MATCH (r:Report) RETURN r.key AS key, r.source AS file, r.symbol AS symbol, "
                    "r.title AS title, r.date AS date")


def _descriptions(store: Store) -> dict[str, dict]:
    """What the store says of each report node, by report key."""
    from kg.query import rows

    if store.answers_sparql:  # an RDF store: its default graph
        found: dict[str, dict] = {}
        # Sorted, so a report the graph gives two titles always shows the same one.
        for row in sorted(rows(store.query(_DESCRIBED)), key=lambda r: [str(v) for v in r.values()]):
            key = IriScheme.key_of(row.pop("report"), "report")
            if key is not None:
                found.setdefault(key, row)
        return found
    if hasattr(store, "run_cypher"):  # Neo4j: the Report nodes
        columns, values = store.run_cypher(_NEO4J_DESCRIBED)
        found = {r["key"]: r for r in (dict(zip(columns, v)) for v in values)}
        for r in found.values():  # the driver's Date → datetime.date
            r["date"] = r["date"].to_native() if hasattr(r["date"], "to_native") else r["date"]
        return found
    return {key: _described_by_graph(store, key) for key in store.report_keys()}


def _described_by_graph(store: Store, key: str) -> dict:
    """What report ``key``'s own graph says of its report node (for a store that only loads graphs)."""
    from rdflib.term import Literal

    from kg.shape import REPORT, TYPE, ReportShape

    graph = store.load(key).graph
    node = next(graph.subjects(TYPE, ReportShape.cls), None)
    if node is None:
        return {}
    values = {name: graph.value(node, prop) for name, prop in
              [("file", REPORT.source_file), ("symbol", REPORT.symbol), ("title", REPORT.title),
               ("date", REPORT.date)]}
    return {name: v.toPython() if name == "date" and isinstance(v, Literal) else None if v is None else str(v)
            for name, v in values.items()}


def reports(store: Store) -> list[dict]:
    """Every stored report as ``{key, file, symbol, title, date}`` (date a ``datetime.date``; missing: None),
    ordered by file."""
    described = _descriptions(store)
    out = [{"key": key, **{c: described.get(key, {}).get(c) for c in REPORT_COLUMNS[1:]}}
           for key in store.report_keys() if key != VOCABULARY_KEY]
    return sorted(out, key=lambda r: (r["file"] or "", r["key"]))


def find_reports(store: Store, wanted: str) -> list[dict]:
    """The stored reports (rows of :func:`reports`) that ``wanted`` names: by key; else by symbol, as
    a user may type it (:func:`extractors.canonical_symbol`); else by the start of their key."""
    from extractors import canonical_symbol

    symbol = canonical_symbol(wanted) or wanted.strip()
    every = reports(store)
    return ([r for r in every if r["key"] == wanted] or [r for r in every if r["symbol"] == symbol]
            or [r for r in every if wanted and r["key"].startswith(wanted)])


#: How the figures of Store.counts are named for people (quads are the RDF stores' triples).
COUNT_NAMES = {"reports": "reports", "instruments": "instruments", "mentions": "mentions", "quads": "triples",
               "relationships": "relationships"}


def stats(store: Store, top: int = 10) -> list[dict]:
    """The store's figures as rows ``{section, item, value, iri}``, in four sections:

    ``counts`` (item: reports, instruments, mentions, triples…; value: the
    count), ``most_cited`` (the ``top`` instruments cited by the most
    reports; value: how many), ``amendment_chain`` (every chain, newest
    first, as "A → amends → B"; value: its length; iri: its instruments'
    IRIs, space-separated) and ``cited_not_ingested`` (every instrument
    cited but with no report of its own; value: the reports citing it).
    """
    counts = store.counts()
    g = to_networkx(store.quads())

    def label(n):
        return g.nodes[n].get("symbol") or g.nodes[n].get("label") or n

    def citing(n):
        return sum(1 for _, _, k in g.in_edges(n, keys=True) if k == "cites")

    out = [{"section": "counts", "item": name, "value": counts[k], "iri": None}
           for k, name in COUNT_NAMES.items() if k in counts]
    out += [{"section": "most_cited", "item": label(n), "value": c, "iri": n} for n, c in most_cited(g, top)]
    out += [{"section": "amendment_chain", "item": " → amends → ".join(label(n) for n in chain), "value": len(chain),
             "iri": " ".join(chain)} for chain in amendment_chains(g)]
    out += [{"section": "cited_not_ingested", "item": label(n), "value": citing(n), "iri": n}
            for n in cited_not_ingested(g)]
    return out
