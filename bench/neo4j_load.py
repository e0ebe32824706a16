"""Benchmark: the Neo4j store's batched loader against one MERGE/CREATE per row.

    .venv/bin/python bench/neo4j_load.py [--reports 10000] [--warmup 2] [--per-row 300] [--batch 500] [--uri bolt://…]

Generates ``--reports`` synthetic reports (``synthetic.generate``),
extracts them (``extractors.extract``) and builds their RDF graphs
(``kg.graph.build_report_graph``) up front; only loading is timed. Then, in
the same run and against the same server:

* batched: :meth:`Neo4jStore.save_stream`, ``--batch`` reports per write
  transaction, one ``UNWIND $rows`` statement per kind of row (the timing
  includes turning RDF into rows, done for the next batch while one is written);
* per row: one statement per node and per relationship (the same Cypher,
  run with a one-row list; an instrument's type, issuer and jurisdiction
  links one MERGE each), one write transaction per report, on the first
  ``--per-row`` reports (it is slow: a subset keeps the run within minutes;
  rates are per relationship).

Before the measured load, the same load runs ``--warmup`` times (3) into an
emptied database, each printed: a freshly started server runs its first loads
while the JVM compiles the code they use (the first is about a third slower,
the third is as fast as later ones), and that is not the loader's throughput. The per-row loader runs after them.
Relationships are counted in the database after each load. Targets (issue):
≥ 20,000 relationships/s batched, and ≥ 10× the per-row loader.

The Python driver packs parameters in pure Python unless the optional
``neo4j-rust-ext`` package is installed, which makes the client side about
twice as fast; the run says which it used.

Without ``--uri`` or ``NEO4J_URI`` the bundled server is started
(``scripts/neo4j start``) with a throw-away home and stopped at the end.
The database is CLEARED: never point this at a database you care about.
"""
from __future__ import annotations

import argparse
import gc
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors import extract  # noqa: E402
from kg.graph import build_report_graph, vocabulary_report_graph  # noqa: E402
from kg.model import Text  # noqa: E402
from kg.stores.neo4j import Neo4jStore, graph_rows, write_order, write_statement  # noqa: E402
from synthetic import generate  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server() -> tuple[str, Path]:
    home = Path(tempfile.mkdtemp(prefix="legal-kg-bench-neo4j-"))
    cmd = [str(ROOT / "scripts" / "neo4j"), "start", "--port", str(free_port()), "--http-port", str(free_port()),
           "--home", str(home)]
    # A bulk load holds 500 reports' changes in the server's heap until commit: 2 GB (not
    # the script's 1 GB default) spares it garbage collection. NEO4J_HEAP overrides.
    env = {**os.environ, "NEO4J_HEAP": os.environ.get("NEO4J_HEAP", "2g")}
    print(f"starting the bundled Neo4j ({' '.join(cmd[1:])}, heap {env['NEO4J_HEAP']}) …", file=sys.stderr)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env)
    return out.stdout.strip().splitlines()[-1], home


def stop_server(home: Path) -> None:
    subprocess.run([str(ROOT / "scripts" / "neo4j"), "stop", "--home", str(home)],
                   capture_output=True, stdin=subprocess.DEVNULL)
    shutil.rmtree(home, ignore_errors=True)


def build_graphs(n: int, seed: int, noise: float) -> list:
    graphs = []
    for r in generate(n, seed=seed, noise=noise):
        text = Text(content=r.text, source=f"/bench/{r.name}.txt")
        graphs.append(build_report_graph(extract(text)))
    return graphs


def relationships(store: Neo4jStore) -> int:
    return store.counts()["relationships"]


def load_batched(store: Neo4jStore, graphs: list, batch: int) -> float:
    t0 = time.perf_counter()
    store.save_stream(graphs, batch=batch)
    return time.perf_counter() - t0


# The per-row loader links an instrument to its type, issuer and jurisdiction
# with one statement per link (the batched one does it inside its UNWIND).
LINK = {
    "OF_TYPE": "MATCH (i:Instrument {key: $key}) MATCH (c:DocumentType {iri: $iri}) MERGE (i)-[:OF_TYPE]->(c)",
    "ISSUED_BY": "MATCH (i:Instrument {key: $key}) MATCH (c:Issuer {iri: $iri}) MERGE (i)-[:ISSUED_BY]->(c)",
    "IN_JURISDICTION": "MATCH (i:Instrument {key: $key}) MATCH (c:Jurisdiction {iri: $iri}) "
                       "MERGE (i)-[:IN_JURISDICTION]->(c)",
}


def load_per_row(store: Neo4jStore, graphs: list) -> float:
    """One statement per node and per relationship, one write transaction per report."""
    t0 = time.perf_counter()
    with store._driver.session(database=store.database) as session:
        for graph in graphs:
            rows = graph_rows(graph)

            def work(tx):
                for name in sorted(rows.rows, key=write_order):
                    statement = write_statement(name)
                    for row in rows.rows[name]:
                        if name != "node:Instrument":
                            tx.run(statement, rows=[row]).consume()
                            continue
                        tx.run(statement, rows=[{**row, **{rel: [] for rel in LINK}}]).consume()
                        for rel, link in LINK.items():
                            for iri in row[rel]:
                                tx.run(link, key=row["key"], iri=iri).consume()

            session.execute_write(work)
    return time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=10_000, help="reports to load with the batched loader")
    ap.add_argument("--per-row", type=int, default=300, help="reports to load one row at a time")
    ap.add_argument("--batch", type=int, default=500, help="reports per write transaction (batched)")
    ap.add_argument("--warmup", type=int, default=3, help="loads of the same reports (each cleared) before the "
                    "measured one, while the server's JIT warms up [default: 3]")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--noise", type=float, default=0.0)
    ap.add_argument("--uri", default=os.environ.get("NEO4J_URI"), help="Neo4j Bolt URI [default: NEO4J_URI, "
                    "else start the bundled server]")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    graphs = build_graphs(args.reports, args.seed, args.noise)
    triples = sum(len(g.graph) for g in graphs)
    print(f"built {len(graphs):,} report graphs ({triples:,} triples) in {time.perf_counter() - t0:.1f} s")
    # Millions of long-lived rdflib objects: keep the collector from walking
    # them again and again during the timed loads (an ingest holds one graph).
    gc.collect()
    gc.freeze()
    t0 = time.perf_counter()
    for g in graphs:
        graph_rows(g)
    rows_s = time.perf_counter() - t0

    home = None
    uri = args.uri
    password = None  # NEO4J_PASSWORD for a server of your own
    if not uri:
        uri, home = start_server()
        password = (home / "password").read_text(encoding="utf-8").strip()
    try:
        store = Neo4jStore(uri, password=password)
        store.init()
        try:
            import neo4j._rust  # noqa: F401
            codec = "neo4j-rust-ext"
        except ImportError:
            codec = "pure-Python packstream (pip install neo4j-rust-ext for a faster client)"
        print(f"Neo4j {store.status()['version']} at {uri}; driver codec: {codec}; the database is cleared")

        # A freshly started server runs its first loads while the JVM compiles the
        # code they use: the same load, repeated into an emptied database, gets
        # faster until the server is warm. Measure the loader, not the warm-up.
        for i in range(args.warmup):
            store.clear()
            store.save(vocabulary_report_graph())
            base = relationships(store)
            warm_s = load_batched(store, graphs, args.batch)
            print(f"warm-up {i + 1}/{args.warmup}: {(relationships(store) - base) / warm_s:,.0f} rel/s"
                  + (" (a cold server)" if i == 0 else ""))
        store.clear()
        store.save(vocabulary_report_graph())
        base = relationships(store)
        batched_s = load_batched(store, graphs, args.batch)
        batched_rels = relationships(store) - base
        counts = store.counts()
        print(f"batched : {len(graphs):,} reports, {batched_rels:,} relationships in {batched_s:.2f} s "
              f"= {batched_rels / batched_s:,.0f} rel/s ({len(graphs) / batched_s:,.0f} reports/s; "
              f"RDF → rows alone {rows_s:.2f} s, overlapped with writing)")
        print(f"          {counts['instruments']:,} instruments, {counts['mentions']:,} mentions")

        subset = graphs[:args.per_row]
        store.clear()
        store.save(vocabulary_report_graph())
        base = relationships(store)
        per_row_s = load_per_row(store, subset)
        per_row_rels = relationships(store) - base
        print(f"per row : {len(subset):,} reports, {per_row_rels:,} relationships in {per_row_s:.2f} s "
              f"= {per_row_rels / per_row_s:,.0f} rel/s ({len(subset) / per_row_s:,.0f} reports/s)")
        store.clear()
        store.close()
    finally:
        if home is not None:
            stop_server(home)

    rate, per_row_rate = batched_rels / batched_s, per_row_rels / per_row_s
    ratio = rate / per_row_rate
    ok = rate >= 20_000 and ratio >= 10
    print(f"ratio   : {ratio:.1f}× the per-row loader "
          f"(targets ≥ 20,000 rel/s and ≥ 10×: {'met' if ok else 'NOT met'})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
