"""`kg serve` in front of a remote store (#14.2): read-only, with the same limits, against both real servers.

The servers are those of tests/sparql_fixture.py (started by scripts/fuseki and scripts/oxigraph); the
endpoint is the real ASGI app under uvicorn with its sandboxed judge workers (kg.remote_pool).
"""
from __future__ import annotations

import concurrent.futures
import time

import httpx
import pytest
import rdflib
from click.testing import CliRunner
from http_fixture import BaitServer, RunningServer
from rdflib import Literal
from test_server_security import get, service_queries
from test_store_oxigraph import ID, LKG
from test_store_sparql import INSTRUMENT, claiming

from kg.cli import main
from kg.query_pool import MB
from kg.server import create_app
from kg.stores.base import ReportGraph
from kg.stores.sparql import SparqlStore

NOISE = 200
LIMIT = 100
PREFIXES = "PREFIX eli: <http://data.europa.eu/eli/ontology#> PREFIX lkg: <https://w3id.org/legal-kg/ontology#>\n"
# 1.6 billion rows to count: far past the endpoint's limit below on either server (which stop it by their own).
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a lkg:n ?w . ?b lkg:n ?x . ?c lkg:n ?y . ?d lkg:n ?z }"


def noise() -> ReportGraph:
    g = rdflib.Graph()
    for i in range(NOISE):
        g.add((ID[f"noise/{i}"], LKG.n, Literal(i)))
        g.add((ID[f"noise/{i}"], LKG.text, Literal(f"value number {i} " * 20)))
    return ReportGraph("noise", str(ID["graph/noise"]), "hash-noise", g)


@pytest.fixture
def endpoint(sparql_server):
    with SparqlStore(sparql_server.url) as writer:
        writer.save_many([claiming("a", "2021-06-21"), claiming("b", "2021-07-01"), claiming("c", "2021-07-01"),
                          noise()])
    store = SparqlStore(sparql_server.url, read_only=True)  # as `kg serve --store URL` opens it
    app = create_app(store, workers=2, timeout=2, heavy_after=0.25, result_limit=LIMIT,
                     max_response_bytes=64 * 1024, memory_limit=400 * MB)
    with RunningServer(app) as url:
        yield url + "/sparql"
    store.close()


def still_serving(endpoint) -> None:
    r = get(endpoint, PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?r a lkg:Report }")
    assert r.status_code == 200 and r.json()["results"]["bindings"][0]["n"]["value"] == "3", r.text


def test_the_endpoint_answers_from_the_remote_store(endpoint):
    still_serving(endpoint)
    r = get(endpoint, PREFIXES + f"SELECT ?d WHERE {{ <{INSTRUMENT}> eli:date_document ?d }}", "text/csv")
    assert r.status_code == 200 and r.text.split() == ["d", "2021-07-01"]  # one decided date
    r = get(endpoint, PREFIXES + f"SELECT ?d FROM <{ID['graph/a']}> WHERE {{ <{INSTRUMENT}> eli:date_document ?d }}")
    assert [b["d"]["value"] for b in r.json()["results"]["bindings"]] == ["2021-06-21"]  # FROM: a's claim
    r = get(endpoint, PREFIXES + "SELECT ?r WHERE { ?r a lkg:Report }", **{"default-graph-uri": str(ID["graph/b"])})
    assert [b["r"]["value"] for b in r.json()["results"]["bindings"]] == [str(ID["report/b"])]
    assert get(endpoint, "ASK { ?s ?p ?o }").json()["boolean"] is True
    r = get(endpoint, PREFIXES + "CONSTRUCT { ?r a lkg:Report } WHERE { ?r a lkg:Report }", "text/turtle")
    assert r.status_code == 200 and len(rdflib.Graph().parse(data=r.text, format="turtle")) == 3
    r = get(endpoint, "CONSTRUCT { <s> <p> 1 } WHERE {}", "application/n-triples")  # relative IRIs: the endpoint's
    assert r.status_code == 200 and f"<{endpoint.rsplit('/', 1)[0]}/s>" in r.text, r.text
    assert get(endpoint, "SELECT WHERE").status_code == 400
    assert get(endpoint, "ASK {}", "text/csv").status_code == 406


def test_updates_are_refused(endpoint, sparql_server):
    update = f"INSERT DATA {{ <{ID['x']}> <{LKG.p}> 1 }}"
    with BaitServer() as bait:
        for r in (
            httpx.post(endpoint, data={"update": update}),
            httpx.post(endpoint, content=update.encode(), headers={"Content-Type": "application/sparql-update"}),
            get(endpoint, update),  # an update sent as a query
            get(endpoint, f"LOAD <{bait.url}/data.ttl>"),
            get(endpoint, "DROP ALL"),
        ):
            assert r.status_code == 403 and "read-only" in r.text, r.text
        assert bait.visits == []
    assert get(endpoint, f"ASK {{ <{ID['x']}> ?p ?o }}").json()["boolean"] is False
    still_serving(endpoint)


def test_service_never_reaches_out(endpoint, sparql_server):
    """Through the endpoint, and straight to the server our script started: the bait sees nothing."""
    with BaitServer() as bait:
        queries = service_queries(bait.url)
        with httpx.Client(timeout=60) as client:
            replies = [client.get(endpoint, params={"query": q}) for q in queries]
            with SparqlStore(sparql_server.url) as store:  # its URL and credentials
                direct = [client.post(store.query_url, data={"query": q}, auth=store._client.auth,
                                      headers={"Accept": "application/sparql-results+json"}) for q in queries[::7]]
        assert bait.visits == [], f"{len(bait.visits)} requests reached the bait"
    for query, r in zip(queries, replies):
        assert BaitServer.MARKER not in r.text, query
        # 400: refused (here or by the server); 502: the server failed in the middle of its answer.
        assert r.status_code in (200, 400, 502), (query, r.status_code, r.text)
    assert all(BaitServer.MARKER not in r.text for r in direct)
    plain = [r for q, r in zip(queries, replies) if "SILENT" not in q.upper()]
    assert all(r.status_code in (400, 502) for r in plain)  # a failed SERVICE fails the query
    still_serving(endpoint)


def test_row_and_byte_limits(endpoint):
    r = get(endpoint, PREFIXES + "SELECT ?s WHERE { ?s lkg:n ?n }")
    assert r.status_code == 400 and f"more than {LIMIT:,} rows" in r.text and "LIMIT" in r.text, r.text
    r = get(endpoint, PREFIXES + "SELECT ?s WHERE { ?s lkg:n ?n } LIMIT 10")
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 10
    r = get(endpoint, PREFIXES + "CONSTRUCT WHERE { ?s lkg:n ?n }")
    assert r.status_code == 400 and f"more than {LIMIT:,} triples" in r.text, r.text
    r = get(endpoint, PREFIXES + "SELECT (GROUP_CONCAT(?t) AS ?all) WHERE { ?s lkg:text ?t }")
    assert r.status_code == 400 and "larger than 65,536 bytes" in r.text, r.text[:300]


def test_timeout_then_still_serving(endpoint):
    t0 = time.monotonic()
    r = get(endpoint, PREFIXES + SLOW)
    assert r.status_code == 503 and "2 s time limit" in r.text, r.text
    assert time.monotonic() - t0 < 10
    still_serving(endpoint)


def test_heavy_queries_are_limited(endpoint):
    """Two workers, so one heavy query at a time: a second one past 0.25 s is stopped with 503."""
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(get, endpoint, PREFIXES + SLOW)
        time.sleep(0.6)
        second = get(endpoint, PREFIXES + SLOW.replace("?z", "?zz"))
        assert second.status_code == 503 and "too many long-running queries" in second.text, second.text
        assert first.result().status_code == 503
    still_serving(endpoint)


def test_cli_serve_takes_a_store_url(sparql_server, monkeypatch):
    """kg serve --store URL hands the remote store to the endpoint (the server itself is not started here)."""
    seen = {}
    monkeypatch.setattr("kg.server.serve", lambda store, host, port, **options: seen.update(store=store, **options))
    result = CliRunner().invoke(main, ["serve", "--store", sparql_server.url, "--timeout", "5"])
    assert result.exit_code == 0, result.output
    assert isinstance(seen["store"], SparqlStore) and seen["store"].read_only
    assert seen["limits"].timeout == 5
    seen["store"].close()
