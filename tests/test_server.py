"""The SPARQL endpoint, over real HTTP: a uvicorn server on a loopback port."""
from __future__ import annotations

import concurrent.futures
import csv
import io
import time
import urllib.error

import httpx
import pytest
import rdflib
from http_fixture import RunningServer
from rdflib import RDF, BNode, Literal, Namespace
from SPARQLWrapper import CSV, JSON, JSONLD, POST, POSTDIRECTLY, TSV, TURTLE, URLENCODED, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from kg.query import negotiate
from kg.server import create_app
from kg.stores.base import ReportGraph
from kg.stores.oxigraph import OxigraphStore

ELI = Namespace("http://data.europa.eu/eli/ontology#")
LKG = Namespace("https://w3id.org/legal-kg/ontology#")
ID = Namespace("https://w3id.org/legal-kg/id/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

NOISE = 300  # triples in the "noise" graph: for the result limit and the slow query
LIMIT = 100
PREFIXES = f"PREFIX eli: <{ELI}>\nPREFIX lkg: <{LKG}>\n"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def reports() -> list[ReportGraph]:
    out = []
    for key, symbols in (("a", ["60/2021/NĐ-CP", "15/2020/NĐ-CP"]), ("b", ["60/2021/NĐ-CP"])):
        g = rdflib.Graph()
        rep = ID[f"report/{key}"]
        g.add((rep, RDF.type, LKG.Report))
        for symbol in symbols:
            inst = ID["vn/" + symbol.replace("/", "-").lower()]
            g.add((inst, RDF.type, ELI.LegalResource))
            g.add((inst, ELI.id_local, Literal(symbol)))
            g.add((inst, ELI.title, Literal(f"Nghị định {symbol}", lang="vi")))
            mention = BNode()
            g.add((mention, RDF.type, LKG.Mention))
            g.add((mention, LKG.refersTo, inst))
            g.add((mention, LKG.inReport, rep))
        out.append(ReportGraph(key, str(ID[f"graph/{key}"]), f"hash-{key}", g))
    noise = rdflib.Graph()
    for i in range(NOISE):
        noise.add((ID[f"noise/{i}"], LKG.n, Literal(i)))
    out.append(ReportGraph("noise", str(ID["graph/noise"]), "hash-noise", noise))
    return out


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("sparql") / "db"
    with OxigraphStore(path) as store:
        for r in reports():
            store.save(r)
    store = OxigraphStore.open_read_only(path)  # as `kg serve` opens it
    app = create_app(store, timeout=1.5, result_limit=LIMIT, workers=3)
    with RunningServer(app) as url:
        yield url + "/sparql"
    store.close()


def get(endpoint, query, accept=None, **params):
    headers = {"Accept": accept} if accept else {}
    return httpx.get(endpoint, params={"query": query, **params}, headers=headers, timeout=30)


def assert_still_serving(endpoint):
    r = get(endpoint, PREFIXES + "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a lkg:Report }")
    assert r.status_code == 200
    assert r.json()["results"]["bindings"][0]["n"]["value"] == "2"


def wrapper(endpoint, query, fmt, method="GET", request_method=URLENCODED):
    sparql = SPARQLWrapper(endpoint)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setMethod(method)
    sparql.setRequestMethod(request_method)
    return sparql.query()


# DISTINCT: pyoxigraph 0.5's union graph repeats triples found in several graphs.
INSTRUMENTS = PREFIXES + "SELECT DISTINCT ?i ?id WHERE { ?i a eli:LegalResource ; eli:id_local ?id } ORDER BY ?id"


# --- query forms and formats ----------------------------------------------


def test_select_json(endpoint):
    result = wrapper(endpoint, INSTRUMENTS, JSON)
    assert result.info()["content-type"].startswith("application/sparql-results+json")
    rows = result.convert()["results"]["bindings"]
    assert [r["id"]["value"] for r in rows] == ["15/2020/NĐ-CP", "60/2021/NĐ-CP"]


def test_select_xml(endpoint):
    doc = wrapper(endpoint, INSTRUMENTS, XML).convert()
    literals = [n.firstChild.data for n in doc.getElementsByTagName("literal")]
    assert literals == ["15/2020/NĐ-CP", "60/2021/NĐ-CP"]


def test_select_csv_and_tsv(endpoint):
    body = wrapper(endpoint, INSTRUMENTS, CSV).convert().decode("utf-8")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["i", "id"] and rows[1][1] == "15/2020/NĐ-CP" and len(rows) == 3
    body = wrapper(endpoint, INSTRUMENTS, TSV).convert().decode("utf-8")
    lines = body.strip().split("\n")
    assert lines[0] == "?i\t?id" and '"15/2020/NĐ-CP"' in lines[1]


def test_ask(endpoint):
    assert wrapper(endpoint, PREFIXES + "ASK { ?m a lkg:Mention }", JSON).convert()["boolean"] is True
    assert wrapper(endpoint, PREFIXES + "ASK { ?m a lkg:Nothing }", JSON).convert()["boolean"] is False
    assert get(endpoint, "ASK {}", "application/sparql-results+xml").status_code == 200
    r = get(endpoint, "ASK {}", "text/csv")  # CSV/TSV results are defined for solutions only
    assert r.status_code == 406 and "application/sparql-results+json" in r.text


def test_construct_turtle_and_jsonld(endpoint):
    query = PREFIXES + "CONSTRUCT { ?i eli:id_local ?id } WHERE { ?i eli:id_local ?id }"
    result = wrapper(endpoint, query, TURTLE)
    assert result.info()["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=result.convert(), format="turtle")
    assert len(graph) == 2
    r = get(endpoint, query, "application/ld+json")
    assert r.headers["content-type"] == "application/ld+json"
    assert len(rdflib.Graph().parse(data=r.text, format="json-ld")) == 2
    graph = wrapper(endpoint, query, JSONLD).convert()
    assert len(graph) == 2
    r = get(endpoint, query, "application/n-triples")
    assert len(rdflib.Graph().parse(data=r.text, format="nt")) == 2
    for media, fmt in (("application/n-quads", "nquads"), ("application/trig", "trig")):
        r = get(endpoint, query, media)
        assert r.status_code == 200 and r.headers["content-type"] == media
        assert len(rdflib.Dataset().parse(data=r.text, format=fmt)) == 2


def test_describe(endpoint):
    r = get(endpoint, f"DESCRIBE <{ID['report/a']}>")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert len(rdflib.Graph().parse(data=r.text, format="turtle")) >= 1


def test_post_form_and_direct(endpoint):
    for request_method in (URLENCODED, POSTDIRECTLY):
        rows = wrapper(endpoint, INSTRUMENTS, JSON, POST, request_method).convert()["results"]["bindings"]
        assert len(rows) == 2
    r = httpx.post(endpoint, data={"query": INSTRUMENTS}, headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    r = httpx.post(endpoint, content=INSTRUMENTS.encode(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 2
    r = httpx.post(endpoint, content=b"{}", headers={"Content-Type": "application/json"})
    assert r.status_code == 415


def test_dataset_parameters(endpoint):
    query = PREFIXES + "SELECT ?r WHERE { ?r a lkg:Report }"
    r = get(endpoint, query, **{"default-graph-uri": str(ID["graph/a"])})
    assert [b["r"]["value"] for b in r.json()["results"]["bindings"]] == [str(ID["report/a"])]
    r = get(endpoint, "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", **{"named-graph-uri": str(ID["graph/b"])})
    assert [b["g"]["value"] for b in r.json()["results"]["bindings"]] == [str(ID["graph/b"])]


def test_negotiation(endpoint):
    assert get(endpoint, INSTRUMENTS, "*/*").headers["content-type"] == "application/sparql-results+json"
    r = get(endpoint, INSTRUMENTS, "text/html, application/xhtml+xml;q=0.9, */*;q=0.8")  # a browser
    assert r.status_code == 200 and r.headers["content-type"] == "application/sparql-results+json"
    r = get(endpoint, INSTRUMENTS, "text/csv;q=0.5, application/sparql-results+xml")
    assert r.headers["content-type"] == "application/sparql-results+xml"
    r = get(endpoint, INSTRUMENTS, "image/png")
    assert r.status_code == 406 and "available" in r.text
    assert negotiate("application/json", "graph") == "jsonld"
    assert negotiate("text/*", "solutions") == "csv"
    assert negotiate("text/csv;q=0", "solutions") is None


# --- refusals, errors, limits ----------------------------------------------


def test_update_refused(endpoint):
    update = f"INSERT DATA {{ <{ID['x']}> <{LKG.p}> 1 }}"
    for request_method in (URLENCODED, POSTDIRECTLY):  # update= form field; application/sparql-update
        with pytest.raises(urllib.error.HTTPError) as err:
            wrapper(endpoint, update, JSON, POST, request_method)
        assert err.value.code == 403
    for r in (
        httpx.post(endpoint, data={"update": update}),
        httpx.post(endpoint, content=update.encode(), headers={"Content-Type": "application/sparql-update"}),
        httpx.get(endpoint, params={"update": update}),
        get(endpoint, update),  # an update passed as a query
    ):
        assert r.status_code == 403 and "read-only" in r.text
    assert get(endpoint, f"ASK {{ <{ID['x']}> ?p ?o }}").json()["boolean"] is False
    assert_still_serving(endpoint)


def test_load_refused(endpoint):
    r = httpx.post(endpoint, data={"query": "LOAD <http://127.0.0.1:9/data.ttl>"})
    assert r.status_code == 403 and "read-only" in r.text
    # The words themselves are fine in strings, IRIs, prefixed names, variables and comments.
    harmless = (
        'PREFIX service: <http://example.org/SERVICE/>\n'
        'SELECT ?load WHERE { BIND("SERVICE <x> {}" AS ?load) '
        '?s ?p ?o FILTER(?p != service:LOAD && ?p != <http://example.org/load>) } # SERVICE\nLIMIT 1'
    )
    r = get(endpoint, harmless)
    assert r.status_code == 200 and r.json()["results"]["bindings"][0]["load"]["value"] == "SERVICE <x> {}"
    assert_still_serving(endpoint)


def test_malformed_query(endpoint):
    r = get(endpoint, "SELECT ?x WHERE { ?x ")
    assert r.status_code == 400 and r.text.startswith("malformed query:") and len(r.text) > 20
    with pytest.raises(QueryBadFormed):
        wrapper(endpoint, "SELECT ?x WHERE { ?x ", JSON)
    r = httpx.get(endpoint, params=[("query", "ASK {}"), ("query", "ASK {}")])
    assert r.status_code == 400
    assert_still_serving(endpoint)


def test_timeout_then_still_serving(endpoint):
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        slow = pool.submit(get, endpoint, SLOW)
        time.sleep(0.3)
        started = time.monotonic()
        assert_still_serving(endpoint)  # answered by the other worker meanwhile
        assert time.monotonic() - started < 1.0
        r = slow.result()
    assert r.status_code == 503 and "time limit" in r.text, r.text
    assert_still_serving(endpoint)
    # The killed worker is replaced: two slow queries at once still both time out cleanly.
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        replies = [f.result() for f in [pool.submit(get, endpoint, SLOW) for _ in range(2)]]
        assert [r.status_code for r in replies] == [503, 503], [r.text for r in replies]
    assert_still_serving(endpoint)


def test_result_limit(endpoint):
    """A result over the limit is refused whole (400 saying what to do), never cut short."""
    for query in (PREFIXES + "SELECT ?s ?n WHERE { ?s lkg:n ?n }", PREFIXES + "CONSTRUCT WHERE { ?s lkg:n ?n }"):
        r = get(endpoint, query)
        assert r.status_code == 400 and "LIMIT" in r.text and f"{LIMIT:,}" in r.text, r.text
    r = get(endpoint, PREFIXES + f"SELECT ?s ?n WHERE {{ ?s lkg:n ?n }} LIMIT {LIMIT}", "text/tab-separated-values")
    assert r.status_code == 200 and len(r.text.strip().split("\n")) == LIMIT + 1
    r = get(endpoint, PREFIXES + f"SELECT ?s ?n WHERE {{ ?s lkg:n ?n }} ORDER BY ?n OFFSET {NOISE - 5}")
    assert [b["n"]["value"] for b in r.json()["results"]["bindings"]] == [str(i) for i in range(NOISE - 5, NOISE)]
    with pytest.raises(QueryBadFormed):  # what a SPARQLWrapper user sees
        wrapper(endpoint, PREFIXES + "SELECT ?s ?n WHERE { ?s lkg:n ?n }", JSON)


def test_cors(endpoint):
    r = httpx.get(endpoint, params={"query": INSTRUMENTS}, headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    r = httpx.options(
        endpoint,
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type, Accept",
        },
    )
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]


def test_service_description(endpoint):
    r = httpx.get(endpoint, headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=r.text, format="turtle")
    service = rdflib.URIRef(endpoint)
    assert (service, RDF.type, SD.Service) in graph
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    r = httpx.get(endpoint, headers={"Accept": "application/ld+json"})
    assert len(rdflib.Graph().parse(data=r.text, format="json-ld")) == len(graph)


def test_concurrent_requests(endpoint):
    queries = [INSTRUMENTS, PREFIXES + "ASK { ?m a lkg:Mention }", PREFIXES + "CONSTRUCT WHERE { ?r a lkg:Report }"]

    limits = httpx.Limits(max_connections=60, max_keepalive_connections=0)  # a connection each
    with httpx.Client(limits=limits, timeout=30) as client:

        def one(i):
            return client.get(endpoint, params={"query": queries[i % 3]}).status_code

        with concurrent.futures.ThreadPoolExecutor(60) as pool:
            statuses = list(pool.map(one, range(120)))
    assert statuses == [200] * 120


# --- only a store on disk can be served ------------------------------------------


def test_in_memory_store_refused():
    with pytest.raises(ValueError, match="on disk"):
        create_app(OxigraphStore(None))


# --- the dataset: a set default graph, FROM and FROM NAMED (#11.1, #11.3) ----------------------


def test_default_graph_is_a_set_without_bookkeeping(endpoint):
    not_noise = f'FILTER(!STRSTARTS(STR(?s), "{ID["noise/"]}"))'  # the noise would pass the row limit
    rows = get(endpoint, f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o {not_noise} }}").json()["results"]["bindings"]
    triples = [(r["s"]["value"], r["p"]["value"], r["o"]["value"]) for r in rows]
    assert len(triples) == len(set(triples))  # every triple once, however many reports state it
    assert not [t for t in triples if "urn:legal-kg:meta" in " ".join(t)]  # bookkeeping stays out
    count = get(endpoint, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o {not_noise} }}").json()["results"]["bindings"][0]
    assert int(count["n"]["value"]) == len(set(triples))
    r = get(endpoint, PREFIXES + 'SELECT ?i WHERE { ?i eli:id_local "60/2021/NĐ-CP" }')
    assert len(r.json()["results"]["bindings"]) == 1  # cited by both reports, described once


def test_from_and_from_named_restrict_the_dataset(endpoint):
    query = PREFIXES + f"SELECT ?r FROM <{ID['graph/a']}> WHERE {{ ?r a lkg:Report }}"
    assert [b["r"]["value"] for b in get(endpoint, query).json()["results"]["bindings"]] == [str(ID["report/a"])]
    query = f"SELECT DISTINCT ?g FROM NAMED <{ID['graph/b']}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert [b["g"]["value"] for b in get(endpoint, query).json()["results"]["bindings"]] == [str(ID["graph/b"])]
    # The protocol's parameters override the query's dataset, as SPARQL 1.1 says.
    query = PREFIXES + f"SELECT ?r FROM <{ID['graph/a']}> WHERE {{ ?r a lkg:Report }}"
    r = get(endpoint, query, **{"default-graph-uri": str(ID["graph/b"])})
    assert [b["r"]["value"] for b in r.json()["results"]["bindings"]] == [str(ID["report/b"])]
