"""OxigraphStore: replace-by-key semantics, bookkeeping, export, locking, durability."""
from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import rdflib
from rdflib import RDF, XSD, BNode, Literal, Namespace
from rdflib.compare import isomorphic

from kg.graph import INSTRUMENTS_GRAPH
from kg.query import QueryTimeout, ResultTooLarge, serialize_results
from kg.stores.base import ReportGraph, StoreError
from kg.stores.oxigraph import META_GRAPH, OxigraphStore

ELI = Namespace("http://data.europa.eu/eli/ontology#")
LKG = Namespace("https://w3id.org/legal-kg/ontology#")
ID = Namespace("https://w3id.org/legal-kg/id/")


def report(key: str, version: str = "v1", instruments: int = 3) -> ReportGraph:
    """A small report graph: a report, some instruments, one blank-node mention each."""
    g = rdflib.Graph()
    rep = ID[f"report/{key}"]
    g.add((rep, RDF.type, LKG.Report))
    g.add((rep, LKG.version, Literal(version)))
    g.add((rep, ELI.date_document, Literal("2023-05-04", datatype=XSD.date)))
    for i in range(instruments):
        inst = ID[f"vn/{i}-2021-nd-cp"]
        g.add((inst, RDF.type, ELI.LegalResource))
        g.add((inst, ELI.title, Literal(f"Nghị định {i}/2021/NĐ-CP \"trích\" C:\\users\\u0041\n", lang="vi")))
        mention = BNode()
        g.add((mention, RDF.type, LKG.Mention))
        g.add((mention, LKG.refersTo, inst))
        g.add((mention, LKG.start, Literal(i * 10)))
        g.add((mention, LKG.inReport, rep))
    return ReportGraph(key=key, iri=str(ID[f"graph/{key}"]), content_hash=f"{key}-{version}", graph=g)


@pytest.fixture
def store():
    with OxigraphStore(None) as s:
        yield s


def test_save_load_roundtrip(store):
    r = report("a")
    assert store.stored_hash("a") is None
    assert store.save(r) is True
    assert store.stored_hash("a") == "a-v1"
    loaded = store.load("a")
    assert (loaded.key, loaded.iri, loaded.content_hash) == ("a", r.iri, "a-v1")
    assert isomorphic(loaded.graph, r.graph)
    assert list(store.report_keys()) == ["a"]
    with pytest.raises(KeyError):
        store.load("missing")


def test_same_hash_writes_nothing(store):
    assert store.save(report("a"))
    quads = len(store.oxigraph)
    assert store.save(report("a")) is False
    assert len(store.oxigraph) == quads


def test_changed_content_replaces_only_that_report(store):
    store.save(report("a"))
    store.save(report("b"))
    changed = report("a", "v2", instruments=5)
    assert store.save(changed) is True
    assert isomorphic(store.load("a").graph, changed.graph)
    assert isomorphic(store.load("b").graph, report("b").graph)
    assert store.stored_hash("a") == "a-v2" and store.stored_hash("b") == "b-v1"
    assert sorted(store.report_keys()) == ["a", "b"]


class CountingStore(OxigraphStore):
    """An in-memory store that records how many new reports each of its transactions added."""

    def __init__(self):
        super().__init__(None)
        self.batches: list[int] = []

    def _add_new(self, reports):
        self.batches.append(len(reports))
        super()._add_new(reports)


def test_reports_without_a_source_are_added_in_batches():
    """A report without a source replaces no other: such reports share a transaction like any new ones,
    and what ends up stored is what saving them one at a time stores."""
    reports = [report(key, instruments=2 + i % 3) for i, key in enumerate("abcdef")]
    assert all(not r.source for r in reports)
    with CountingStore() as batched, OxigraphStore(None) as one_by_one:
        batched.batch_size = 4
        assert batched.save_many(reports) == [True] * 6
        assert batched.batches == [4, 2]
        for r in reports:
            one_by_one.save(r)
        assert sorted(batched.report_keys()) == list("abcdef")
        for r in reports:
            assert isomorphic(batched.load(r.key).graph, r.graph)
        # The default graph too: the same set of triples (blank nodes aside).
        assert signature(rdflib.Graph().parse(data=_default_graph(batched), format="nt")) == \
            signature(rdflib.Graph().parse(data=_default_graph(one_by_one), format="nt"))
        # A second version of a key in the list ends the batch (it replaces the first, on its own), and wins.
        batched.batches.clear()
        assert batched.save_many([report("g"), report("h"), report("g", "v2"), report("i")]) == [True] * 4
        assert batched.batches == [2, 1] and batched.stored_hash("g") == "g-v2"
        assert batched.save_many(reports) == [False] * 6  # unchanged: nothing written
        assert batched.batches == [2, 1]


def _default_graph(store) -> str:
    out = io.BytesIO()
    store.export(out, "nt")
    return out.getvalue().decode()


def test_graph_iri_change_drops_old_graph(store):
    store.save(report("a"))
    moved = report("a", "v2")
    moved.iri = str(ID["graph/a-renamed"])
    store.save(moved)
    graphs = {g.value for g in store.oxigraph.named_graphs()}
    assert str(ID["graph/a"]) not in graphs and moved.iri in graphs


def test_delete(store):
    store.save(report("a"))
    store.save(report("b"))
    store.delete("a")
    store.delete("never-stored")  # no error
    assert list(store.report_keys()) == ["b"]
    assert store.stored_hash("a") is None
    with pytest.raises(KeyError):
        store.load("a")
    assert isomorphic(store.load("b").graph, report("b").graph)


def test_counts(store):
    store.save(report("a", instruments=3))
    store.save(report("b", instruments=5))  # shares instruments 0-2 with a
    counts = store.counts()
    assert counts["reports"] == 2
    assert counts["instruments"] == 5
    assert counts["mentions"] == 8
    # The default graph is a set: the three instruments both reports describe count once.
    assert counts["quads"] == len(set(report("a", instruments=3).graph) | set(report("b", instruments=5).graph))


def test_query_union_and_serialization(store):
    store.save(report("a"))
    store.save(report("b"))
    result = store.query("SELECT DISTINCT ?i WHERE { ?i a eli:LegalResource } ORDER BY ?i")
    with pytest.raises(ResultTooLarge, match="more than 2 rows"):  # refused whole, never cut short
        serialize_results(result, "json", limit=2)
    body, media = serialize_results(store.query("SELECT DISTINCT ?i WHERE { ?i a eli:LegalResource }"), "json")
    assert media == "application/sparql-results+json"
    assert len(json.loads(body)["results"]["bindings"]) == 3
    for fmt in ("xml", "csv", "tsv"):
        body, _ = serialize_results(store.query("SELECT ?s WHERE { ?s a lkg:Report }"), fmt)
        assert str(ID["report/a"]) in body.decode()
    assert bool(store.query("ASK { ?m a lkg:Mention }"))
    with pytest.raises(ResultTooLarge, match="larger than 10 bytes"):
        serialize_results(store.query("SELECT ?s WHERE { ?s a lkg:Report }"), "csv", max_bytes=10)
    body, media = serialize_results(store.query("CONSTRUCT WHERE { ?s a lkg:Report }"), "turtle")
    assert len(rdflib.Graph().parse(data=body, format="turtle")) == 2


def test_query_timeout(store):
    g = rdflib.Graph()
    for i in range(150):
        g.add((ID[f"x{i}"], LKG.p, Literal(i)))
    store.save(ReportGraph("big", str(ID["graph/big"]), "h", g))
    # ~3.4 million rows: long enough to miss 0.05 s, short enough for the abandoned thread.
    with pytest.raises(QueryTimeout):
        store.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout=0.05)
    result = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?a lkg:p ?c }", timeout=10)
    assert int(next(iter(result))["n"].value) == 150
    with pytest.raises(SyntaxError):
        store.query("SELECT WHERE", timeout=10)


@pytest.mark.parametrize(
    "fmt,rdflib_format,dataset",
    [("turtle", "turtle", False), ("nt", "nt", False), ("jsonld", "json-ld", False),
     ("nquads", "nquads", True), ("trig", "trig", True)],
)
def test_export_parses_back(store, tmp_path, fmt, rdflib_format, dataset):
    a, b = report("a"), report("b", instruments=4)
    store.save(a)
    store.save(b)
    out = tmp_path / f"export.{fmt}"
    store.export(out, fmt)
    if dataset:
        ds = rdflib.Dataset()
        ds.parse(out, format=rdflib_format)
        graphs = {str(g.identifier): g for g in ds.graphs() if len(g)}
        assert set(graphs) == {a.iri, b.iri}  # named graphs kept, bookkeeping left out
        assert isomorphic(graphs[a.iri], a.graph) and isomorphic(graphs[b.iri], b.graph)
    else:
        union = rdflib.Graph().parse(out, format=rdflib_format)
        expected = rdflib.Graph()
        for t in a.graph:
            expected.add(t)
        for t in b.graph:
            expected.add(t)
        # Blank nodes differ per graph, so compare the ground triples and the counts.
        assert signature(union) == signature(expected)
        assert not any("urn:legal-kg:meta" in str(t) for t in union.predicates())
    buffer = io.BytesIO()
    store.export(buffer, fmt)  # also to a binary file object
    assert buffer.getvalue()


def test_export_unknown_format(store, tmp_path):
    with pytest.raises(ValueError):
        store.export(tmp_path / "x", "rdfa")


def test_reopen_keeps_data(tmp_path):
    path = tmp_path / "db"
    with OxigraphStore(path) as s:
        s.save(report("a"))
        s.save(report("b"))
        counts = s.counts()
    with OxigraphStore(path) as s:
        assert s.counts() == counts
        assert isomorphic(s.load("a").graph, report("a").graph)
        assert s.save(report("a")) is False


def test_read_only(tmp_path):
    path = tmp_path / "db"
    with OxigraphStore(path) as s:
        s.save(report("a"))
    with OxigraphStore.open_read_only(path) as ro:
        assert ro.stored_hash("a") == "a-v1"
        with pytest.raises(StoreError, match="read-only"):
            ro.save(report("b"))
        with pytest.raises(StoreError, match="read-only"):
            ro.delete("a")


def test_bad_paths(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        OxigraphStore(tmp_path / "no" / "such" / "db")
    (tmp_path / "file").write_text("not a store")
    with pytest.raises(StoreError, match="is a file"):
        OxigraphStore(tmp_path / "file")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "readme.txt").write_text("hello")
    with pytest.raises(StoreError, match="not an Oxigraph store"):
        OxigraphStore(tmp_path / "docs")
    with pytest.raises(StoreError, match="no store"):
        OxigraphStore.open_read_only(tmp_path / "absent")


HOLD = textwrap.dedent(
    """
    import sys, time
    from kg.stores.oxigraph import OxigraphStore
    store = OxigraphStore(sys.argv[1], read_only=sys.argv[2] == "read")
    print("ready", flush=True)
    time.sleep(60)
    """
)


@contextlib.contextmanager
def held(path, mode):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path), mode], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        yield
    finally:
        holder.kill()
        holder.wait()


def test_locked_store(tmp_path):
    """One writer and no reader, or any number of readers (Oxigraph: reading while another
    process writes is undefined): kg serve and kg ingest never run on one store at once."""
    path = tmp_path / "db"
    OxigraphStore(path).close()
    with held(path, "write"):
        with pytest.raises(StoreError, match="in use by another process"):
            OxigraphStore(path)
        with pytest.raises(StoreError, match="being written by another process"):
            OxigraphStore.open_read_only(path)
    with held(path, "read"):
        with pytest.raises(StoreError, match="in use by another process.*kg serve"):
            OxigraphStore(path)
        with OxigraphStore.open_read_only(path) as ro:  # readers share it
            assert list(ro.report_keys()) == []
    OxigraphStore(path).close()  # free again once the holders are gone


WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[2])
    from test_store_oxigraph import report
    from kg.stores.oxigraph import OxigraphStore
    store = OxigraphStore(sys.argv[1])
    i = 0
    while True:
        for key in ("a", "b"):
            store.save(report(key, f"v{i}", instruments=300 + i % 7))
        if i == 0:
            print("ready", flush=True)  # (both saved once, however slow the machine: then killed mid-way)
        i += 1
    """
)


def signature(graph):
    ground = {t for t in graph if not any(isinstance(x, BNode) for x in t)}
    return len(graph), ground


def test_killed_writer_leaves_whole_versions(tmp_path):
    """SIGKILL a process mid-way through saves: every report is one whole version."""
    path = tmp_path / "db"
    tests_dir = os.path.dirname(__file__)
    for delay in (0.3, 0.55, 0.8):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), tests_dir], stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        with OxigraphStore(path) as s:
            assert sorted(s.report_keys()) == ["a", "b"]
            for key in s.report_keys():
                stored = s.load(key)
                version = stored.content_hash.split("-", 1)[1]
                n = 300 + int(version[1:]) % 7
                # Ground triples and size pin the version down (isomorphic() is slow here).
                assert signature(stored.graph) == signature(report(key, version, instruments=n).graph)


BATCH_WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[2])
    import time
    from test_store_oxigraph import report
    from kg.stores.oxigraph import OxigraphStore, PreparedReport
    run = sys.argv[3]
    batches = [[PreparedReport.of(report(f"{run}{i}-{j}", instruments=40 + j)) for j in range(8)] for i in range(24)]
    store = OxigraphStore(sys.argv[1])
    print("ready", flush=True)
    for batch in batches:  # 8 new reports without a source: one transaction
        store.save_many(batch)
    time.sleep(60)
    """
)


def test_killed_writer_leaves_whole_batches_of_reports_without_a_source(tmp_path):
    """SIGKILL a process adding batches of new reports that have no source: a batch is stored whole or not at all."""
    path = tmp_path / "db"
    for run, delay in (("a", 0.25), ("b", 0.6)):
        writer = subprocess.Popen(
            [sys.executable, "-c", BATCH_WRITER, str(path), os.path.dirname(__file__), run], stdout=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        with OxigraphStore(path) as s:
            keys = sorted(s.report_keys())
            assert keys and len(keys) % 8 == 0
            assert len({key.split("-")[0] for key in keys}) == len(keys) // 8
            for key in keys:
                assert signature(s.load(key).graph) == signature(report(key, instruments=40 + int(key[-1])).graph)
            graphs = {g.value for g in s.oxigraph.named_graphs()} - {META_GRAPH, INSTRUMENTS_GRAPH}
            assert graphs == {str(ID[f"graph/{key}"]) for key in keys}  # no graph without its bookkeeping


def test_read_only_store_repeats_answers_from_memory(tmp_path):
    """A store open read-only cannot change (its lock), so a repeated query may come from memory:
    the answers stay those of the query, per parameter value and per result kind."""
    import pyoxigraph as ox

    path = tmp_path / "db"
    with OxigraphStore(path) as writer:
        writer.save(report("a", instruments=3))
        writer.save(report("b", instruments=5))
    query = "SELECT DISTINCT ?i ?r WHERE { ?m lkg:refersTo ?i ; lkg:inReport ?r } ORDER BY ?r"
    with OxigraphStore.open_read_only(path) as store:
        for _ in range(3):
            for index, reports in ((0, ["a", "b"]), (4, ["b"])):
                bound = {ox.Variable("i"): ox.NamedNode(str(ID[f"vn/{index}-2021-nd-cp"]))}
                rows = [s["r"].value.rsplit("/", 1)[-1] for s in store.query(query, substitutions=bound)]
                assert rows == reports
            assert {t.subject.value for t in store.query("CONSTRUCT WHERE { ?r a lkg:Report }")} == {
                str(ID["report/a"]), str(ID["report/b"])}
            assert bool(store.query("ASK { ?m a lkg:Mention }"))
