"""Every saved Cypher query answers exactly as its SPARQL twin (queries/NAME.cypher ↔ NAME.rq).

Both stores receive the same ingest (the bundled example and a seeded
synthetic corpus, 40 reports with OCR noise 0.3); each pair is run for a few
parameter values, including left-out parameters, and must give the same
columns and the same rows in the same order (values normalised to str, int
or None). Rows that tie on the ORDER BY columns may come in either order.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.ingest import ingest
from kg.stores.neo4j import Neo4jStore
from kg.stores.oxigraph import OxigraphStore
from synthetic import write_corpus

pytestmark = pytest.mark.neo4j

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries"
EXAMPLE = ROOT / "examples" / "nghean-skhcn-cchc-2023.ocr.txt"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

# The saved queries, and the columns each orders its rows by.
ORDER = {
    "reports-citing": ["source", "symbol"],
    "report-instruments": ["symbol"],
    "amendment-chain": ["symbol", "direction", "related"],
    "most-cited": ["reports", "mentions", "symbol"],
    "cited-not-ingested": ["reports", "symbol"],
    "reports-by-jurisdiction-year": ["source"],
    "outdated-citations": ["source", "symbol", "issue"],
}


def test_every_query_has_both_twins():
    cypher = {p.stem for p in QUERIES.glob("*.cypher")}
    sparql = {p.stem for p in QUERIES.glob("*.rq")}
    missing = {f"{stem}.{ext}" for stem in ORDER for ext, have in (("cypher", cypher), ("rq", sparql))
               if stem not in have}
    assert not missing, f"missing saved queries: {sorted(missing)}"
    assert cypher <= sparql, f"Cypher queries without a SPARQL twin: {sorted(cypher - sparql)}"


@pytest.fixture(scope="module")
def stores(neo4j_uri, neo4j_auth, tmp_path_factory):
    corpus = tmp_path_factory.mktemp("corpus")
    write_corpus(corpus, 40, seed=5, noise=0.3)
    oxigraph = OxigraphStore(None)
    neo = Neo4jStore(neo4j_uri, *neo4j_auth)
    neo.init()
    neo.clear()
    summary = ingest([EXAMPLE, corpus], [oxigraph, neo], include=["*.txt"])
    assert summary.count("ingested") == 41, [o for o in summary.outcomes if o.status != "ingested"]
    yield oxigraph, neo
    neo.close()


def sparql_rows(store: OxigraphStore, text: str, params: dict) -> tuple[list[str], list[list]]:
    subs = {ox.Variable(k): ox.Literal(v) for k, v in params.items()}  # int → xsd:integer
    result = store.query(text, substitutions=subs)
    columns = [v.value for v in result.variables]
    rows = []
    for solution in result:
        row = []
        for v in result.variables:
            term = solution[v]
            if term is None:
                row.append(None)
            elif isinstance(term, ox.Literal) and term.datatype.value == XSD_INTEGER:
                row.append(int(term.value))
            else:
                row.append(term.value)
        rows.append(row)
    return columns, rows


def parameter_sets(stem: str, store: OxigraphStore) -> list[dict]:
    """A few values for each query's parameters, read from the data (and left out)."""
    def values(sparql: str) -> list:
        return [row[0] for row in sparql_rows(store, sparql, {})[1]]

    if stem == "reports-citing":
        top = values("SELECT ?s WHERE { ?r eli:cites ?i . ?i eli:id_local ?s } GROUP BY ?s "
                     "ORDER BY DESC(COUNT(DISTINCT ?r)) ?s LIMIT 2")
        shared = values("SELECT ?s WHERE { ?i a eli:LegalResource ; eli:id_local ?s } GROUP BY ?s "
                        "HAVING (COUNT(DISTINCT ?i) > 1) ORDER BY ?s LIMIT 1")
        return [{}, {"symbol": "60/2021/NĐ-CP"}, {"symbol": "no/such/symbol"}] + [{"symbol": s} for s in top + shared]
    if stem == "report-instruments":
        some = values("SELECT ?f WHERE { ?r a lkg:Report ; lkg:sourceFile ?f } ORDER BY ?f LIMIT 2")
        return [{}, {"file": EXAMPLE.name}] + [{"file": Path(f).name} for f in some]
    if stem == "amendment-chain":
        chained = values("SELECT DISTINCT ?s WHERE { ?a eli:amends ?b . { ?a eli:id_local ?s } UNION "
                         "{ ?b eli:id_local ?s } } ORDER BY ?s LIMIT 3")
        return [{}, {"symbol": "115/2005/NĐ-CP"}] + [{"symbol": s} for s in chained]
    if stem == "reports-by-jurisdiction-year":
        some = sparql_rows(store, "SELECT ?j ?y WHERE { ?r a lkg:Report ; eli:date_document ?d ; "
                                  "eli:jurisdiction/skos:prefLabel ?l BIND(STR(?l) AS ?j) BIND(YEAR(?d) AS ?y) } "
                                  "ORDER BY ?j ?y LIMIT 2", {})[1]
        return [{}, {"jurisdiction": "Nghệ An", "year": 2023}, {"jurisdiction": "Nghệ An"}, {"year": 2024}] + [
            {"jurisdiction": j, "year": y} for j, y in some]
    if stem == "outdated-citations":
        flagged = values("SELECT DISTINCT ?f WHERE { ?r a lkg:Report ; lkg:sourceFile ?f ; eli:date_document ?d ; "
                         "eli:cites/^eli:amends ?x } ORDER BY ?f LIMIT 2")
        return [{}, {"file": EXAMPLE.name}] + [{"file": Path(f).name} for f in flagged]
    return [{}]


@pytest.mark.parametrize("stem", sorted(ORDER))
def test_cypher_answers_as_sparql(stem, stores):
    rq, cypher = QUERIES / f"{stem}.rq", QUERIES / f"{stem}.cypher"
    if not (rq.exists() and cypher.exists()):
        pytest.fail(f"{stem}: needs both {rq.name} and {cypher.name}")
    oxigraph, neo = stores
    nonempty = False
    for params in parameter_sets(stem, oxigraph):
        s_cols, s_rows = sparql_rows(oxigraph, rq.read_text(encoding="utf-8"), params)
        c_cols, c_rows = neo.run_cypher(cypher.read_text(encoding="utf-8"), params)
        assert c_cols == s_cols, f"{stem} {params}: columns differ"
        assert Counter(map(tuple, c_rows)) == Counter(map(tuple, s_rows)), f"{stem} {params}: rows differ"
        keys = [c_cols.index(c) for c in ORDER[stem]]
        in_order = [[row[i] for i in keys] for row in c_rows]
        assert in_order == [[row[i] for i in keys] for row in s_rows], f"{stem} {params}: order differs"
        nonempty = nonempty or bool(s_rows)
    assert nonempty, f"{stem}: no parameter value gave any row; the comparison proves nothing"
