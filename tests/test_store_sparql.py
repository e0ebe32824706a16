"""SparqlStore against real servers (Fuseki and the Oxigraph server, started by scripts/), and --store URL.

Every test runs against both servers (``sparql_server``, tests/sparql_fixture.py);
Fuseki requires HTTP basic credentials, which come from the environment.
"""
from __future__ import annotations

import re
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from http_fixture import LoopbackServer, QuietHandler
from rdflib import RDF, XSD, Literal
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS
from sparql_fixture import Server, free_port, unavailable

# The embedded store's tests of the Store interface, run here against each server (with this module's `store`).
from test_store_oxigraph import (  # noqa: F401
    ELI,
    ID,
    LKG,
    report,
    test_changed_content_replaces_only_that_report,
    test_counts,
    test_delete,
    test_save_load_roundtrip,
)

from kg.cli import main
from kg.graph import INSTRUMENTS_GRAPH
from kg.query import QueryTimeout, serialize_results
from kg.stores import backends, open_store
from kg.stores.base import ReportGraph, StoreError
from kg.stores.oxigraph import META_GRAPH, OxigraphStore
from kg.stores.sparql import SparqlStore

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(sparql_server):
    with SparqlStore(sparql_server.url) as s:
        yield s


def update(store: SparqlStore, sparql: str) -> None:
    """A SPARQL update straight to the server, as another client (or a crash) would leave things."""
    httpx.post(store.update_url, data={"update": sparql}, auth=store._client.auth).raise_for_status()


def assert_same_graphs(one: str, other: str, format: str) -> None:
    """The two serializations hold the same named graphs, each isomorphic (blank nodes aside)."""
    graphs = []
    for text in (one, other):
        ds = rdflib.Dataset()
        ds.parse(data=text, format=format)
        graphs.append({str(g.identifier): g for g in ds.graphs() if len(g)})
    assert graphs[0].keys() == graphs[1].keys()
    for name, graph in graphs[0].items():
        assert len(graph) == len(graphs[1][name]) and isomorphic(graph, graphs[1][name]), name


# --- the Store interface ----------------------------------------------------------------


def test_same_hash_writes_nothing(store):
    assert store.save(report("a"))
    counts = store.counts()
    assert store.save(report("a")) is False
    assert store.save_many([report("a"), report("b")]) == [False, True]
    assert store.counts()["reports"] == counts["reports"] + 1


def test_last_of_two_versions_in_one_call_wins(store):
    assert store.save_many([report("c", "v1"), report("c", "v2")]) == [True, True]
    assert store.stored_hash("c") == "c-v2"
    assert isomorphic(store.load("c").graph, report("c", "v2").graph)


def test_graph_iri_change_drops_old_graph(store):
    store.save(report("a"))
    moved = report("a", "v2")
    moved.iri = str(ID["graph/a-renamed"])
    store.save(moved)
    graphs = {s["g"].value for s in store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert graphs == {moved.iri, META_GRAPH}


def test_counts_and_export_match_the_embedded_store(store, tmp_path):
    reports = [report("a", instruments=3), report("b", instruments=5)]  # b shares instruments 0-2 with a
    embedded = OxigraphStore(None)
    embedded.save_many(reports)
    store.save_many(reports)
    quads = len(set(reports[0].graph) | set(reports[1].graph))  # the merge: shared triples once
    assert store.counts() == embedded.counts() == {"reports": 2, "quads": quads, "instruments": 5, "mentions": 8}
    for fmt, rdflib_format in [("nt", "nt"), ("nquads", "nquads")]:
        store.export(tmp_path / f"remote.{fmt}", fmt)
        embedded.export(tmp_path / f"embedded.{fmt}", fmt)
        assert_same_graphs((tmp_path / f"remote.{fmt}").read_text(), (tmp_path / f"embedded.{fmt}").read_text(),
                           rdflib_format)


def test_query_gives_the_embedded_store_results(store):
    reports = [report("a"), report("b", instruments=4)]
    embedded = OxigraphStore(None)
    embedded.save_many(reports)
    store.save_many(reports)
    # DISTINCT: the embedded store's union graph repeats a triple once per graph (kg.stores.oxigraph)
    select = "SELECT DISTINCT ?i ?title WHERE { ?i a eli:LegalResource ; eli:title ?title } ORDER BY ?i"
    bound = {ox.Variable("i"): ox.NamedNode(str(ID["vn/3-2021-nd-cp"]))}
    for kwargs in [{}, {"substitutions": bound}]:
        remote, local = store.query(select, **kwargs), embedded.query(select, **kwargs)
        assert type(remote) is type(local) is ox.QuerySolutions
        assert [(s["i"], s["title"]) for s in remote] == [(s["i"], s["title"]) for s in local]
    assert bool(store.query("ASK { ?m a lkg:Mention }")) and not store.query("ASK { ?m a lkg:Nothing }")
    construct = "CONSTRUCT { ?r a lkg:Report } WHERE { ?r a lkg:Report }"
    assert set(store.query(construct)) == set(embedded.query(construct))
    body, media = serialize_results(store.query(construct), "turtle")
    assert len(rdflib.Graph().parse(data=body, format="turtle")) == 2
    with pytest.raises(SyntaxError):
        store.query("SELECT WHERE")
    with pytest.raises(RuntimeError, match="projection"):  # as the embedded store says
        store.query("SELECT ?i WHERE { ?i a eli:LegalResource }", substitutions={ox.Variable("x"): ox.Literal("1")})
    with pytest.raises(ValueError, match="VALUES"):
        store.query("SELECT ?i WHERE { ?i ?p ?o } VALUES ?i { <urn:x> }", substitutions=bound)


def test_query_timeout(store):
    g = rdflib.Graph()
    for i in range(150):
        g.add((ID[f"x{i}"], LKG.p, Literal(i)))
    store.save(ReportGraph("big", str(ID["graph/big"]), "h", g))
    with pytest.raises(QueryTimeout):  # ~3.4 million rows; the server stops within its own limit
        store.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout=0.05)
    result = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?a lkg:p ?c } }", timeout=30)
    assert int(next(iter(result))["n"].value) == 150


def test_read_only(store, sparql_server):
    store.save(report("a"))
    with open_store(sparql_server.url, read_only=True) as ro:
        assert ro.stored_hash("a") == "a-v1"
        for write in (lambda: ro.save(report("b")), lambda: ro.delete("a")):
            with pytest.raises(StoreError, match="read-only"):
                write()


# --- crashes: a half-written report never looks stored ------------------------------------


def test_graph_written_without_its_hash_is_written_again(store):
    """What a crash between the PUT of a report's graph and its bookkeeping leaves."""
    r = report("a")
    node = "<urn:legal-kg:report:a>"
    update(store, f"INSERT DATA {{ GRAPH <{r.iri}> {{ <urn:x> <urn:y> 'half' }} "
                  f"GRAPH <{META_GRAPH}> {{ {node} <urn:legal-kg:meta#key> 'a' ; <urn:legal-kg:meta#graph> <{r.iri}> }} }}")
    assert store.stored_hash("a") is None and list(store.report_keys()) == []
    with pytest.raises(KeyError):
        store.load("a")
    assert store.save(r) is True
    assert isomorphic(store.load("a").graph, r.graph)
    # A replacement interrupted after its old hash was removed: the old graph is there, unfinished.
    update(store, f"DELETE WHERE {{ GRAPH <{META_GRAPH}> {{ {node} <urn:legal-kg:meta#contentHash> ?h }} }}")
    assert store.stored_hash("a") is None
    assert store.save(r) is True and store.stored_hash("a") == "a-v1"


# --- credentials, bad locations, unreachable servers --------------------------------------


@pytest.mark.parametrize("sparql_server", ["fuseki"], indirect=True)  # the Oxigraph server has no authentication
def test_credentials_come_from_the_environment(sparql_server, monkeypatch):
    for name, value in [("LEGAL_KG_SPARQL_PASSWORD", "wrong"), ("LEGAL_KG_SPARQL_PASSWORD", None),
                        ("LEGAL_KG_SPARQL_TOKEN", "a-token")]:
        with monkeypatch.context() as m:
            if value is None:
                m.delenv(name)
            elif name == "LEGAL_KG_SPARQL_TOKEN":
                m.delenv("LEGAL_KG_SPARQL_USER")
                m.delenv("LEGAL_KG_SPARQL_PASSWORD")
                m.setenv(name, value)
            else:
                m.setenv(name, value)
            with pytest.raises(StoreError, match=r"^SPARQL server http://127\.0\.0\.1:\d+/kg refused the "
                                                 r"credentials \(HTTP 401\); set LEGAL_KG_SPARQL_USER"):
                SparqlStore(sparql_server.url)
    with SparqlStore(sparql_server.url) as good:  # the fixture's, from the environment
        assert good.counts()["reports"] == 0


def test_bad_locations():
    with pytest.raises(StoreError, match="credentials do not belong in the store URL"):
        open_store("http://user:secret@127.0.0.1:1/kg")
    with pytest.raises(StoreError, match="fragment names endpoints"):
        open_store("http://127.0.0.1:1/#sparql=query")
    with pytest.raises(StoreError, match=r"no store backend for ftp:// locations.*installed: .*http://"):
        open_store("ftp://127.0.0.1/kg")


def test_unreachable_server_is_one_clear_error():
    port = free_port()  # nothing listens there
    t0 = time.monotonic()
    with pytest.raises(StoreError, match=rf"^cannot reach SPARQL server http://127\.0\.0\.1:{port}/kg: .*"
                                         r"\(tried 3 times\) — start one with scripts/fuseki start"):
        SparqlStore(f"http://127.0.0.1:{port}/kg", retries=2, backoff=0.05)
    assert time.monotonic() - t0 < 5
    result = CliRunner().invoke(main, ["stats", "--store", f"http://127.0.0.1:{port}/kg"])
    assert result.exit_code == 1 and "Error: cannot reach SPARQL server" in result.stderr
    assert "Traceback" not in result.output


def test_transient_failures_are_retried(sparql_server):
    """A server that is down for a moment (a restart) costs a retry, not an error."""
    with SparqlStore(sparql_server.url, retries=8, backoff=0.2) as store:
        store.save(report("a"))
        sparql_server.kill()
        restarted = threading.Timer(0.5, sparql_server.start)
        restarted.start()
        try:
            assert store.stored_hash("a") == "a-v1"  # refused at first, answered after the restart
        finally:
            restarted.join()


def test_registry_opens_each_kind_of_location(tmp_path, sparql_server):
    assert {"file", "http", "https", "bolt", "neo4j"} <= set(backends())
    with pytest.raises(StoreError, match="no store at"):
        open_store(tmp_path / "none")
    with open_store(tmp_path / "new", create=True) as embedded:
        assert isinstance(embedded, OxigraphStore)
    with open_store((tmp_path / "new").as_uri(), read_only=True) as embedded:
        assert isinstance(embedded, OxigraphStore) and embedded.read_only
    with open_store(sparql_server.url) as remote:
        assert isinstance(remote, SparqlStore)


# --- the scripts ---------------------------------------------------------------------------


def test_scripts_are_idempotent_and_clear(sparql_server, tmp_path):
    again = sparql_server._run("start", "--port", str(sparql_server.port), timeout=60)
    assert again.returncode == 0 and again.stdout.strip() == sparql_server.url
    assert "already running" in again.stderr
    status = sparql_server._run("status", timeout=60)
    assert status.returncode == 0 and status.stdout.startswith("running pid=") and sparql_server.url in status.stdout
    other = subprocess.run([str(sparql_server.script), "start", "--port", str(sparql_server.port),
                            "--home", str(tmp_path / "other")], capture_output=True, text=True, timeout=60)
    assert other.returncode == 1
    assert re.search(rf"error: port 127\.0\.0\.1:{sparql_server.port} is already in use", other.stderr)
    stopped = subprocess.run([str(sparql_server.script), "stop", "--home", str(tmp_path / "other")],
                             capture_output=True, text=True, timeout=60)
    assert stopped.returncode == 0 and stopped.stdout == stopped.stderr == ""


# --- the CLI against a server --------------------------------------------------------------


def kg(*args) -> click.testing.Result:  # noqa: F821
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result


def test_cli_ingest_sparql_stats_export_as_with_the_embedded_store(sparql_server, tmp_path):
    embedded = tmp_path / "store"
    outputs = {}
    for where in (str(embedded), sparql_server.url):
        first = kg("ingest", ROOT / "examples", "--store", where, "-j", "1", "-q")
        assert first.exit_code == 0, first.output
        assert first.stdout.startswith("1 ingested, 0 unchanged, 1 skipped, 0 failed")
        again = kg("ingest", ROOT / "examples", "--store", where, "-j", "1", "-q")  # a no-op
        assert again.stdout.startswith("0 ingested, 1 unchanged, 1 skipped, 0 failed")
        assert again.stdout.splitlines()[1].split(":", 2)[-1] == first.stdout.splitlines()[1].split(":", 2)[-1]
        runs = {name: kg(*args, "--store", where) for name, args in [
            ("most-cited", ["sparql", "most-cited"]),
            ("reports-citing", ["sparql", "reports-citing", "-p", "symbol=115/2005/NĐ-CP", "--format", "csv"]),
            ("stats", ["stats"]),
            ("export", ["export", "--format", "nquads"]),
        ]}
        for name, run in runs.items():
            assert run.exit_code == 0, (name, run.output)
        outputs[where] = runs
    local, remote = outputs[str(embedded)], outputs[sparql_server.url]
    assert "115/2005/NĐ-CP" in local["most-cited"].stdout
    for name in ("most-cited", "reports-citing", "stats"):
        assert remote[name].stdout == local[name].stdout, name
    assert_same_graphs(remote["export"].stdout, local["export"].stdout, "nquads")
    assert len(remote["export"].stdout.splitlines()) > 1000


def test_server_going_away_mid_run_names_the_files_not_stored(sparql_server, tmp_path):
    """#14.4c: the server dies during `kg ingest`; every file not stored is named, and a rerun stores exactly those."""
    from synthetic import generate

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for r in generate(48, seed=7):
        (corpus / f"{r.name}.txt").write_text(r.text, encoding="utf-8")
    files = {str(p.resolve()) for p in corpus.iterdir()}

    killed = threading.Event()

    def kill_after_first_reports():
        with SparqlStore(sparql_server.url, retries=0) as watcher:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if sum(1 for _ in watcher.report_keys()) >= 2:  # the vocabulary and a report
                    sparql_server.kill()
                    killed.set()
                    return
                time.sleep(0.02)

    watcher = threading.Thread(target=kill_after_first_reports)
    watcher.start()
    try:
        run = kg("ingest", corpus, "--store", sparql_server.url, "-j", "1", "-q")
    finally:
        watcher.join()
        sparql_server.start()
    assert killed.is_set()
    assert run.exit_code == 1
    failed = set(re.findall(rf"^error: (.+?): could not store: StoreError: cannot reach SPARQL server "
                            rf"http://127\.0\.0\.1:{sparql_server.port}/", run.stderr, re.M))
    summary = re.match(r"(\d+) ingested, 0 unchanged, 0 skipped, (\d+) failed", run.stdout)
    assert summary, run.output
    ingested, n_failed = int(summary[1]), int(summary[2])
    # The batch the watcher saw may be committed with its answer lost in the kill: named failed,
    # then found unchanged by the rerun. No file is both, and none is lost.
    assert n_failed == len(failed) >= 1 and ingested + n_failed == len(files)
    assert failed <= files
    assert "no counts (cannot reach SPARQL server" in run.stdout

    rerun = kg("ingest", corpus, "--store", sparql_server.url, "-j", "1", "-q")
    assert rerun.exit_code == 0, rerun.output
    again = re.match(r"(\d+) ingested, (\d+) unchanged, 0 skipped, 0 failed", rerun.stdout)
    assert again, rerun.output
    assert int(again[2]) >= ingested and int(again[1]) + int(again[2]) == len(files)
    assert int(again[1]) <= len(failed) and int(again[1]) >= 1  # what was not stored, and only that
    with SparqlStore(sparql_server.url) as store:
        assert sum(1 for _ in store.report_keys()) == len(files) + 1  # and the vocabulary
    whole = tmp_path / "embedded"
    assert kg("ingest", corpus, "--store", whole, "-j", "1", "-q").exit_code == 0
    assert kg("stats", "--store", sparql_server.url).stdout == kg("stats", "--store", whole).stdout


# --- the embedded store's layout: one decided description per instrument --------------------

XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
INSTRUMENT = ID["vn/60-2021-nd-cp"]


def claiming(key: str, date: str, *, own: bool = False, version: str = "v1") -> ReportGraph:
    """A report that dates the instrument INSTRUMENT (a claim); ``own``: the report is that instrument's document."""
    g = report(key, version, instruments=1).graph
    g.add((INSTRUMENT, RDF.type, ELI.LegalResource))
    g.add((INSTRUMENT, ELI.date_document, Literal(date, datatype=XSD.date)))
    g.add((INSTRUMENT, DCTERMS.title, Literal(f"Nghị định 60 theo {key}", lang="vi")))
    g.add((ID[f"report/{key}"], ELI.cites, INSTRUMENT))
    if own:
        g.add((ID[f"report/{key}"], LKG.identifiedAs, INSTRUMENT))
    return ReportGraph(key=key, iri=str(ID[f"graph/{key}"]), content_hash=f"{key}-{version}", graph=g,
                       recipe="r1", source=f"archive/{key}.pdf")


def dates(store) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """INSTRUMENT's dates: in the default graph, in the instruments graph, and as each report graph claims them."""
    default = [s["d"].value for s in store.query(f"SELECT ?d WHERE {{ <{INSTRUMENT}> eli:date_document ?d }}")]
    decided = [s["d"].value for s in store.query(
        f"SELECT ?d WHERE {{ GRAPH <{INSTRUMENTS_GRAPH}> {{ <{INSTRUMENT}> eli:date_document ?d }} }}")]
    claims = sorted((s["g"].value.rsplit("/", 1)[-1], s["d"].value) for s in store.query(
        f"SELECT ?g ?d WHERE {{ GRAPH ?g {{ <{INSTRUMENT}> eli:date_document ?d }} "
        f"FILTER(?g != <{INSTRUMENTS_GRAPH}>) }}"))
    return default, decided, claims


def same_dataset(remote: SparqlStore, embedded: OxigraphStore, tmp_path) -> None:
    """The two stores hold the same graphs (N-Quads) and the same default graph (N-Triples)."""
    for fmt in ("nquads", "nt"):
        remote.export(tmp_path / f"remote.{fmt}", fmt)
        embedded.export(tmp_path / f"embedded.{fmt}", fmt)
        assert_same_graphs((tmp_path / f"remote.{fmt}").read_text(), (tmp_path / f"embedded.{fmt}").read_text(), fmt)


def test_conflicting_dates_are_decided_as_the_embedded_store_does(store, tmp_path):
    embedded = OxigraphStore(None)
    steps = [
        (lambda s: s.save_many([claiming("a", "2021-06-21"), claiming("b", "2021-07-01")]),  # a tie: the earliest
         ["2021-06-21"]),
        (lambda s: s.save(claiming("c", "2021-07-01")), ["2021-07-01"]),                      # the most reports
        (lambda s: s.save(claiming("a", "2021-06-21", own=True, version="v2")), ["2021-06-21"]),  # its own document
        (lambda s: s.delete("a"), ["2021-07-01"]),                                            # a deletion decides again
    ]
    for step, expected in steps:
        step(store)
        step(embedded)
        default, decided, claims = dates(store)
        assert default == decided == expected
        assert (default, decided, claims) == dates(embedded)
        assert store.counts() == embedded.counts()
        same_dataset(store, embedded, tmp_path)
    assert dates(store)[2] == [("b", "2021-07-01"), ("c", "2021-07-01")]  # each report keeps its own claim


def test_only_instruments_are_decided(store):
    """The report's own date is no claim: replacing a report leaves it out of the instruments graph."""
    for s in (store, OxigraphStore(None)):
        s.save(claiming("a", "2021-06-21"))
        s.save(claiming("a", "2021-06-21", version="v2"))  # marks what the old version described
        decided = {row["s"].value for row in s.query(
            f"SELECT DISTINCT ?s WHERE {{ GRAPH <{INSTRUMENTS_GRAPH}> {{ ?s ?p ?o }} }}")}
        assert decided == {str(INSTRUMENT)}


def test_deleting_every_report_empties_the_default_graph(store):
    store.save_many([claiming("a", "2021-06-21"), claiming("b", "2021-07-01"), report("c")])
    assert store.counts()["quads"] > 0
    for key in ("a", "b", "c"):
        store.delete(key)
    assert not store.query("ASK { ?s ?p ?o }")  # blank nodes included: they are the report graphs' own
    graphs = {s["g"].value for s in store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert graphs <= {META_GRAPH}  # nothing left to decide, no entries (an empty graph may not be kept)


def test_from_and_from_named_restrict_the_dataset(store):
    reports = [claiming("a", "2021-06-21"), claiming("b", "2021-07-01")]
    embedded = OxigraphStore(None)
    embedded.save_many(reports)
    store.save_many(reports)
    a, b = reports[0].iri, reports[1].iri
    queries = [
        ("SELECT ?r WHERE { ?r a lkg:Report } ORDER BY ?r", {}, [str(ID["report/a"]), str(ID["report/b"])]),
        (f"SELECT ?r FROM <{a}> WHERE {{ ?r a lkg:Report }}", {}, [str(ID["report/a"])]),
        (f"SELECT ?d FROM <{b}> WHERE {{ <{INSTRUMENT}> eli:date_document ?d }}", {}, ["2021-07-01"]),
        (f"SELECT ?g FROM NAMED <{b}> WHERE {{ GRAPH ?g {{ ?r a lkg:Report }} }}", {}, [b]),
        ("SELECT ?r WHERE { ?r a lkg:Report }", {"default_graph": [b]}, [str(ID["report/b"])]),
        ("SELECT ?g WHERE { GRAPH ?g { ?r a lkg:Report } }", {"named_graphs": [a]}, [a]),
        (f"SELECT ?r FROM <{a}> WHERE {{ ?r a lkg:Report }}", {"default_graph": [b]}, [str(ID["report/b"])]),
    ]
    for query, kwargs, expected in queries:
        rows = [[term.value for term in solution] for solution in store.query(query, **kwargs)]
        assert [row[0] for row in rows] == expected, (query, kwargs)
        assert rows == [[term.value for term in solution] for solution in embedded.query(query, **kwargs)]
    construct = f"CONSTRUCT {{ ?r a lkg:Report }} FROM <{a}> WHERE {{ ?r a lkg:Report }}"
    assert {t.subject.value for t in store.query(construct)} == {str(ID["report/a"])}


def test_recipe_and_source_are_kept_as_the_embedded_store_keeps_them(store):
    embedded = OxigraphStore(None)
    for s in (store, embedded):
        assert s.save(claiming("a", "2021-06-21")) is True
        assert (s.stored_recipe("a"), s.keys_for_source("archive/a.pdf"), s.keys_for_source("other")) == ("r1", ["a"], [])
        assert s.save(claiming("a", "2021-06-21")) is False  # same content, same recipe
        changed = claiming("a", "2021-06-21")
        changed.recipe = "r2"  # another extractor: written again
        assert s.save(changed) is True and s.stored_recipe("a") == "r2"
        loaded = s.load("a")
        assert (loaded.recipe, loaded.source) == ("r2", "archive/a.pdf")
        assert s.stored_recipe("missing") is None


class CrashingStore(SparqlStore):
    """A client that dies before the last request of a write (``step``: the request's index, 0 first)."""

    def __init__(self, url, step: int):
        super().__init__(url)
        self.updates_left = step

    def _update(self, sparql: str) -> None:
        if self.updates_left == 0:
            raise KeyboardInterrupt("the client dies here")
        self.updates_left -= 1
        super()._update(sparql)


@pytest.mark.parametrize("step", [0, 1], ids=["after-nothing", "after-the-put"])
def test_a_crash_mid_write_leaves_no_report_looking_stored(sparql_server, tmp_path, step):
    with SparqlStore(sparql_server.url) as store:
        store.save_many([claiming("a", "2021-06-21"), claiming("b", "2021-07-01")])
    crashing = CrashingStore(sparql_server.url, step)
    with pytest.raises(KeyboardInterrupt):
        crashing.save(claiming("b", "2021-08-01", version="v2"))
    crashing._unsettled = False  # a dead client settles nothing
    crashing._client.close()
    with SparqlStore(sparql_server.url) as store:
        assert store.stored_hash("b") == (None if step else "b-v1")  # removed (step 1) or untouched
        if step:
            assert sorted(store.report_keys()) == ["a"]
            # The half-written graph is not in the default graph: only what a stores.
            assert not store.query("ASK { ?s ?p ?o FILTER(CONTAINS(STR(?o), 'theo b')) }")
            with pytest.raises(KeyError):
                store.load("b")
        assert store.save(claiming("b", "2021-08-01", version="v2")) is True  # the rerun
        embedded = OxigraphStore(None)
        embedded.save_many([claiming("a", "2021-06-21"), claiming("b", "2021-08-01", version="v2")])
        assert dates(store) == dates(embedded)
        same_dataset(store, embedded, tmp_path)


def test_a_decision_read_before_another_writer_wrote_is_not_written(sparql_server, tmp_path):
    """Two processes write the same instrument: the one that settles on stale claims leaves it to the other."""
    with SparqlStore(sparql_server.url) as first, SparqlStore(sparql_server.url) as second:
        first.save(claiming("a", "2021-06-21"))
        write = first._update

        def another_writer_comes_between(sparql: str) -> None:  # after first read the claims, before it writes
            if "FILTER(?marks" in sparql:
                second.save(claiming("b", "2021-01-01"))
                second.settle()
            write(sparql)

        first._update = another_writer_comes_between
        first.settle()
        first._update = write
        embedded = OxigraphStore(None)
        embedded.save_many([claiming("a", "2021-06-21"), claiming("b", "2021-01-01")])
        assert dates(first) == dates(embedded) and dates(first)[0] == ["2021-01-01"]
        same_dataset(first, embedded, tmp_path)


# --- answers cut short: one clear StoreError, never a parser's exception ---------------------

CROSS = "?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l FILTER(STRLEN(CONCAT(STR(?c), STR(?f), STR(?i), STR(?l))) < 7)"


@pytest.fixture(params=["oxigraph", "fuseki"])
def impatient_server(request):
    """A server of its own whose queries may run 1 s: past that it ends the answer it is streaming
    (Oxigraph with a line of text, Fuseki with a comment), which the client then reads truncated."""
    prefix = request.param.upper()
    server = Server(request.param, {}, env={f"{prefix}_QUERY_TIMEOUT": "1"})
    try:
        server.start()
    except RuntimeError as e:
        server.stop()
        unavailable(f"{request.param} is not available: {e}")
    yield server
    server.stop()


def test_an_answer_the_server_cuts_short_is_a_store_error(impatient_server, monkeypatch):
    for name in ("LEGAL_KG_SPARQL_USER", "LEGAL_KG_SPARQL_PASSWORD", "LEGAL_KG_SPARQL_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    g = rdflib.Graph()
    for i in range(150):
        g.add((ID[f"x{i}"], LKG.p, Literal(str(i))))
    # A first row at once (the UNION's first branch), so the server has begun its answer when its limit passes,
    # however loaded the machine: then it cuts the answer short, rather than refusing the query (503).
    queries = {"SPARQL JSON results": f"SELECT ?a WHERE {{ {{ BIND(<urn:first> AS ?a) }} UNION {{ {CROSS} }} }}"}
    if impatient_server.name == "oxigraph":  # Fuseki builds a graph whole before answering: a 503, not a cut
        queries["N-Triples"] = f"CONSTRUCT {{ ?a ?b ?l }} WHERE {{ {CROSS} }}"
    with SparqlStore(impatient_server.url) as store:
        store.save(ReportGraph("big", str(ID["graph/big"]), "h", g))
        for expected, query in queries.items():
            with pytest.raises(StoreError) as caught:
                list(store.query(query))  # each row read: the cut is found before any is handed out
            message = str(caught.value)
            assert re.fullmatch(rf"SPARQL server http://127\.0\.0\.1:{impatient_server.port}/\S* sent an incomplete "
                                rf"or malformed answer to the query \(POST http://127\.0\.0\.1:"
                                rf"{impatient_server.port}/\S+\): not {expected}: .+", message), message
        result = CliRunner().invoke(main, ["sparql", "--store", impatient_server.url, queries["SPARQL JSON results"]])
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert re.fullmatch(r"Error: SPARQL server \S+ sent an incomplete or malformed answer to the query .+\n",
                            result.stderr), result.stderr


class CuttingServer(LoopbackServer):
    """A real HTTP server on loopback that answers ASK, and cuts every other answer after a few bytes:
    with ``framed`` its Content-Length promises more than it sends, else the body ends at the close."""

    def __init__(self, framed: bool):
        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1" if framed else "HTTP/1.0"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                answer = b'{"head": {}, "boolean": true}' if b"ASK" in body else b'{"head": {"vars": ["a"]}, "resu'
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                if framed:
                    self.send_header("Content-Length", str(len(answer) if b"ASK" in body else 10_000))
                self.end_headers()
                self.wfile.write(answer)
                self.close_connection = b"ASK" not in body or not framed

        super().__init__(Handler, path="/kg")


@pytest.mark.parametrize("framed", [True, False], ids=["content-length", "close-delimited"])
def test_a_connection_cut_mid_answer_is_a_store_error(framed):
    with (CuttingServer(framed) as server, SparqlStore(server.url, retries=1, backoff=0.05) as store,
          pytest.raises(StoreError) as caught):
        list(store.query("SELECT ?a WHERE { ?a ?b ?c }"))
    message = str(caught.value)
    assert "\n" not in message
    if framed:  # the connection broke before the promised body: tried again, like a reset
        assert re.fullmatch(rf"cannot reach SPARQL server {server.url}: its answer to the query \(POST {server.url}\) "
                            r"was cut short: peer closed connection without sending complete message body .+ "
                            r"\(tried 2 times\) — .+", message), message
    else:  # nothing tells the body is short but the body itself
        assert re.fullmatch(rf"SPARQL server {server.url} sent an incomplete or malformed answer to the query "
                            rf"\(POST {server.url}\): not SPARQL JSON results: .+", message), message
