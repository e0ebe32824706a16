"""The endpoint under hostile input and load (issue #10): real HTTP, real worker processes."""
from __future__ import annotations

import concurrent.futures
import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import rdflib
from http_fixture import BaitServer, RunningServer, free_port
from processes import alive, children  # noqa: E402
from rdflib import Literal, Namespace

from kg.query_pool import MB
from kg.sandbox import deny_network
from kg.server import create_app
from kg.stores.base import ReportGraph
from kg.stores.oxigraph import OxigraphStore

LKG = Namespace("https://w3id.org/legal-kg/ontology#")
ID = Namespace("https://w3id.org/legal-kg/id/")
NOISE = 300
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
ROOT = Path(__file__).resolve().parents[1]


def make_store(path: Path) -> Path:
    noise = rdflib.Graph()
    for i in range(NOISE):
        noise.add((ID[f"noise/{i}"], LKG.n, Literal(i)))
        noise.add((ID[f"noise/{i}"], LKG.text, Literal(f"value number {i} " * 20)))
    with OxigraphStore(path) as store:
        store.save(ReportGraph("noise", str(ID["graph/noise"]), "hash-noise", noise))
    return path


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    return make_store(tmp_path_factory.mktemp("security") / "db")


def serving(store_path: Path, **options):
    store = OxigraphStore.open_read_only(store_path)
    options.setdefault("workers", 4)
    return RunningServer(create_app(store, **options)), store


@pytest.fixture(scope="module")
def endpoint(store_path):
    server, store = serving(store_path, timeout=8, result_limit=1000, max_response_bytes=64 * 1024,
                            memory_limit=400 * MB)
    with server as url:
        yield url + "/sparql"
    store.close()


def get(endpoint, query, accept=None, **params):
    headers = {"Accept": accept} if accept else {}
    return httpx.get(endpoint, params={"query": query, **params}, headers=headers, timeout=60)


def still_serving(endpoint) -> None:
    r = get(endpoint, "ASK { ?s ?p ?o }")
    assert r.status_code == 200 and r.json()["boolean"] is True, r.text


# --- SERVICE: no request leaves the endpoint, whatever the query says ------------------------


def service_queries(url: str) -> list[str]:
    """The vectors of issue #10 and a generated product of keyword spellings, escapes, comments,
    prefixed names and places a SERVICE clause can stand."""
    vectors = [
        f"PREFIX ex: <http://e/> SELECT * WHERE {{ BIND(ex:a\\# AS ?q) SERVICE <{url}/x> {{ ?x ?y ?z }} }}",
        f"SELECT * WHERE {{ BIND(<http://e/\\u0041#> AS ?q) SERVICE <{url}/x> {{ ?x ?y ?z }} }}",
    ]
    keywords = ["SERVICE", "service", "SeRvIcE"]
    silences = ["", " SILENT"]
    targets = [f"<{url}/a>", f"<\\u0068ttp://127.0.0.1:{url.rsplit(':', 1)[1]}/b>", "s:c", "?endpoint"]
    decoys = [  # what a text scanner could mistake for a comment, a string or the end of an IRI
        "",
        "BIND(ex:a\\# AS ?q) ",
        'BIND("#" AS ?q) ',
        "BIND('''}#''' AS ?q) ",
        "# SERVICE is harmless here\n",
        "BIND(<http://e/\\u0023> AS ?q) ",
    ]

    def places(clause: str) -> list[str]:
        return [
            f"{{ {clause} }}",
            f"{{ VALUES ?s {{ 1 }} OPTIONAL {{ {clause} }} }}",
            f"{{ {{ VALUES ?s {{ 1 }} }} UNION {{ {clause} }} }}",
            f"{{ {{ SELECT * WHERE {{ {clause} }} }} }}",
        ]

    prologue = f"PREFIX ex: <http://e/> PREFIX s: <{url}/>\n"
    queries = list(vectors)
    for keyword, silent, target, decoy in itertools.product(keywords, silences, targets, decoys):
        clause = f"{decoy}{keyword}{silent} {target} {{ ?x ?y ?z }}"
        if target == "?endpoint":
            clause = f"VALUES ?endpoint {{ <{url}/v> }} {clause}"
        for where in places(clause):
            queries.append(f"{prologue}SELECT * WHERE {where}")
    return queries


def test_service_never_reaches_out(endpoint):
    with BaitServer() as bait:
        queries = service_queries(bait.url)
        assert len(queries) > 300
        with httpx.Client(timeout=60) as client:
            replies = [client.get(endpoint, params={"query": q}) for q in queries]
        assert bait.visits == [], f"the endpoint made {len(bait.visits)} requests"
    for query, r in zip(queries, replies):
        assert BaitServer.MARKER not in r.text, query
        assert r.status_code in (200, 400), (query, r.status_code, r.text)
        if r.status_code == 400:
            assert any(w in r.text for w in ("SERVICE", "service", "malformed")), (query, r.text)
    plain = [r for q, r in zip(queries, replies) if " SILENT" not in q and "SILENT" not in q.upper()]
    assert any("SERVICE (federated query) is not allowed" in r.text for r in plain)
    still_serving(endpoint)


def test_the_reported_vectors_are_refused_by_name(endpoint):
    with BaitServer() as bait:
        for query in service_queries(bait.url)[:2]:
            r = get(endpoint, query)
            assert r.status_code == 400 and "SERVICE" in r.text, r.text
        assert bait.visits == []


def test_sandbox_denies_sockets_to_the_thread_only():
    outcome = {}
    left, right = socket.socketpair()

    def sandboxed():
        deny_network()
        try:
            socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            outcome["inet"] = "created"
        except PermissionError:
            outcome["inet"] = "denied"
        try:
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            outcome["unix"] = "created"
        except PermissionError:
            outcome["unix"] = "denied"
        left.sendall(b"still talks to its parent")

    thread = threading.Thread(target=sandboxed)
    thread.start()
    thread.join()
    assert outcome == {"inet": "denied", "unix": "denied"}
    assert right.recv(100) == b"still talks to its parent"
    socket.socket().close()  # the rest of the process is untouched
    left.close()
    right.close()


# --- nesting and sizes ------------------------------------------------------------------------


def test_deep_nesting_refused_before_parsing(endpoint):
    r = get(endpoint, "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000)
    assert r.status_code == 400 and "nests" in r.text, r.text
    r = httpx.post(endpoint, data={"query": "SELECT * WHERE { " + "(" * 25000 + " }"}, timeout=60)
    assert r.status_code == 400 and "brackets" in r.text, r.text
    still_serving(endpoint)


def test_nesting_hidden_behind_strings_cannot_crash_a_worker(endpoint):
    """Closing brackets in a string fool a count, not the parser: the worker's stack holds anyway."""
    depth = 5000
    query = 'SELECT * WHERE { BIND("' + "}" * depth + '" AS ?x) ' + "{" * depth + " ?s ?p ?o " + "}" * depth + "}"
    r = httpx.post(endpoint, data={"query": query}, timeout=60)
    assert r.status_code in (200, 400), r.text
    still_serving(endpoint)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000,
    'SELECT * WHERE { BIND("' + "}" * 5000 + '" AS ?x) ' + "{" * 5000 + " ?s ?p ?o " + "}" * 5000 + "}",
])
def test_kg_sparql_survives_deep_nesting(tmp_path, store_path, query):
    path = tmp_path / "deep.rq"
    path.write_text(query, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "kg.cli", "sparql", str(path), "--store", str(store_path)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode in (0, 1), (run.returncode, run.stderr[-500:])
    if run.returncode == 1:
        assert run.stderr.startswith("Error:") and "Traceback" not in run.stderr, run.stderr[-500:]


def _raw_request(url: str, head: bytes, body: bytes = b"", timeout: float = 10) -> bytes:
    host, port = url.split("//")[1].split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(head + body)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def test_oversized_body_refused_on_its_declared_length(endpoint):
    started = time.monotonic()
    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 400000000\r\n\r\n")
    reply = _raw_request(endpoint, head)  # nothing of the 400 MB is sent: the answer comes anyway
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert time.monotonic() - started < 5


def test_streamed_body_stops_at_the_limit(endpoint):
    def chunks():
        for _ in range(100):
            yield b"#" * 65536

    r = httpx.post(endpoint, content=chunks(), headers={"Content-Type": "application/sparql-query"}, timeout=60)
    assert r.status_code == 413, r.text
    still_serving(endpoint)


def test_response_bytes_bounded(endpoint):
    """One row can be huge (GROUP_CONCAT): the byte limit refuses it, as the row limit does rows."""
    query = f"PREFIX lkg: <{LKG}> SELECT (GROUP_CONCAT(?t) AS ?all) WHERE {{ ?s lkg:text ?t }}"
    r = get(endpoint, query)
    assert r.status_code == 400 and "larger than 65,536 bytes" in r.text, r.text[:300]
    r = get(endpoint, query.replace("WHERE {", "WHERE { ?s lkg:n 7 ."))
    assert r.status_code == 200


# --- load: heavy queries, memory, time -------------------------------------------------------


def test_memory_limit_stops_a_query(endpoint):
    query = (f"PREFIX lkg: <{LKG}> SELECT ?a ?b ?c WHERE {{ ?a lkg:n ?x . ?b lkg:n ?y . ?c lkg:n ?z }} "
             "ORDER BY ?c ?b ?a")  # ORDER BY holds all 27 million rows
    r = get(endpoint, query)
    assert r.status_code == 503 and "memory" in r.text, r.text
    still_serving(endpoint)


def test_cheap_queries_answered_while_heavy_ones_run(endpoint):
    """With two heavy queries running, quick ones still get workers and CPU; a third heavy one,
    past --max-heavy (half of the 4 workers), is stopped with 503."""
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        heavy = [pool.submit(get, endpoint, HEAVY) for _ in range(2)]
        time.sleep(1.0)  # both are past heavy_after now
        slowest = 0.0
        for _ in range(20):
            started = time.monotonic()
            still_serving(endpoint)
            slowest = max(slowest, time.monotonic() - started)
        third = pool.submit(get, endpoint, HEAVY).result()
        replies = [f.result() for f in heavy]
    assert slowest < 2.0, f"a quick query took {slowest:.2f} s while heavy ones ran"
    assert third.status_code == 503 and "long-running" in third.text, third.text
    assert [r.status_code for r in replies] == [503, 503] and all("time limit" in r.text for r in replies), [r.text for r in replies]
    still_serving(endpoint)


@contextlib.contextmanager
def kg_serve(store_path: Path, *options: str):
    """`kg serve` as a real process on a free port; yields (process, base URL) once it answers."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--store", str(store_path),
                               "--port", str(port), *options],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/sparql", params={"query": "ASK {}"}).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, server.stderr.read()
            time.sleep(0.2)
        yield server, url
    finally:
        if server.poll() is None:
            server.kill()
        server.wait(10)


def test_workers_exit_with_the_server(store_path):
    with kg_serve(store_path, "--workers", "2") as (server, _):
        workers = children(server.pid)
        assert len(workers) >= 2
        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if alive(pid)], "query workers outlived the server"


def test_no_ingest_into_a_served_store(tmp_path, store_path, example_path):
    """Workers would disagree about a store written under them: the writer is refused, in one line."""
    from click.testing import CliRunner

    from kg.cli import main

    def count(url):
        r = httpx.get(url + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"})
        return r.json()["results"]["bindings"][0]["n"]["value"]

    with kg_serve(store_path, "--workers", "2") as (_, url):
        before = count(url)
        result = CliRunner().invoke(main, ["ingest", "--store", str(store_path), str(example_path)])
        assert result.exit_code == 1, result.output
        assert "in use by another process" in result.output and "Traceback" not in result.output
        assert count(url) == before


# --- protocol details --------------------------------------------------------------------------


def test_invalid_dataset_iri_is_a_bad_request(endpoint):
    r = get(endpoint, "ASK {}", **{"default-graph-uri": "not an iri"})
    assert r.status_code == 400 and "default-graph-uri" in r.text
    r = get(endpoint, "ASK {}", **{"named-graph-uri": "<bad>"})
    assert r.status_code == 400 and "named-graph-uri" in r.text


def test_trailing_slash_redirects(endpoint):
    r = httpx.get(endpoint + "/", params={"query": "ASK {}"})
    assert r.status_code == 308 and r.headers["location"].endswith("/sparql?query=ASK+%7B%7D")
    r = httpx.post(endpoint + "/", data={"query": "ASK {}"}, follow_redirects=True)
    assert r.status_code == 200 and r.json()["boolean"] is True


def test_charset_of_the_body_is_honoured(endpoint):
    query = 'SELECT ?x WHERE { BIND("Nghệ An é" AS ?x) }'
    for charset in ("utf-8", "utf-16", "iso-8859-1"):
        text = query if charset != "iso-8859-1" else query.replace("Nghệ An ", "")
        r = httpx.post(endpoint, content=text.encode(charset),
                       headers={"Content-Type": f"application/sparql-query; charset={charset}"})
        assert r.status_code == 200, r.text
        assert r.json()["results"]["bindings"][0]["x"]["value"] == text.split('"')[1]
    r = httpx.post(endpoint, content=b"ASK {}", headers={"Content-Type": "application/sparql-query; charset=x-nope"})
    assert r.status_code == 415


def test_relative_iris_resolve_against_the_endpoint(endpoint):
    r = get(endpoint, "CONSTRUCT { <s> <p> 1 } WHERE {}", "application/n-triples")
    assert r.status_code == 200, r.text
    base = endpoint.rsplit("/", 1)[0]
    assert r.text.strip() == f'<{base}/s> <{base}/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .'


def test_security_headers(endpoint):
    r = get(endpoint, "ASK {}")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in r.headers  # only pages carry one
