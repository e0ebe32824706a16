"""The ``kg`` commands as a user runs them: real processes, a real store on disk."""
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import rdflib

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "nghean-skhcn-cchc-2023.ocr.txt"


def kg(*args, input=None, check=True, cwd=None):
    """Run ``kg ARGS…`` in a subprocess; returns the CompletedProcess (text)."""
    proc = subprocess.run([sys.executable, "-m", "kg.cli", *map(str, args)], input=input, capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"kg {' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """A store holding the bundled example."""
    path = tmp_path_factory.mktemp("cli") / "store"
    kg("ingest", "--store", path, "-q", EXAMPLE)
    return path


def test_help_teaches_with_examples():
    for command in ["extract", "ingest", "sparql", "export", "validate", "serve", "stats", "show", "graph"]:
        out = kg(command, "--help").stdout
        assert "Example" in out, command
    assert "kg extract" in kg("--help").stdout


def test_extract_table_and_json():
    table = kg("extract", EXAMPLE).stdout
    assert "27 citations of 22 instruments" in table
    assert "60/2021/NĐ-CP" in table and "amends" in table
    rows = [json.loads(line) for line in kg("extract", "--json", EXAMPLE).stdout.splitlines()]
    mentions = [r for r in rows if "relation" not in r]
    text = EXAMPLE.read_text(encoding="utf-8")
    assert len(mentions) == 27
    for r in mentions:
        assert set(r) >= {"start", "end", "surface", "id", "type", "date", "issuer", "jurisdiction", "file"}
        assert text[r["start"]:r["end"]] == r["surface"]
    assert {"relation": "amends", "from": "96/2010/NĐ-CP", "to": "115/2005/NĐ-CP"}.items() <= \
        next(r for r in rows if "relation" in r).items()


def test_extract_reads_stdin_and_reports_bad_files(tmp_path):
    out = kg("extract", "--json", "-", input="Căn cứ Nghị định số 60/2021/NĐ-CP ngày 21/6/2021;").stdout
    assert json.loads(out.splitlines()[0])["id"] == "60/2021/NĐ-CP"
    junk = tmp_path / "junk.txt"
    junk.write_bytes(bytes(range(256)) * 40)
    proc = kg("extract", "--json", junk, EXAMPLE, tmp_path / "missing.txt", check=False)
    assert proc.returncode == 1
    errors = proc.stderr.strip().splitlines()
    assert len(errors) == 2 and all(line.startswith("error: ") for line in errors)
    assert "junk.txt" in errors[0] and "missing.txt" in errors[1]
    assert "Traceback" not in proc.stderr
    assert len(proc.stdout.splitlines()) == 28  # the good file still went through


def test_ingest_twice_changes_nothing(store):
    before = kg("export", "--store", store, "--format", "nquads").stdout
    again = kg("ingest", "--store", store, EXAMPLE)
    assert "0 ingested, 1 unchanged" in again.stdout
    assert kg("export", "--store", store, "--format", "nquads").stdout == before


def test_sparql_formats_parameters_and_errors(store):
    q = "SELECT ?symbol ?i WHERE { ?i eli:id_local ?symbol } ORDER BY ?symbol"
    table = kg("sparql", "--store", store, q).stdout
    assert table.splitlines()[0].split() == ["SYMBOL", "I"] and "60/2021/NĐ-CP" in table
    csv = kg("sparql", "--store", store, q, "-p", "symbol=60/2021/NĐ-CP", "--format", "csv").stdout.splitlines()
    assert csv == ["symbol,i", "60/2021/NĐ-CP,https://w3id.org/legal-kg/id/instrument/vn/60-2021-nd-cp"]
    data = json.loads(kg("sparql", "--store", store, q, "--format", "json").stdout)
    assert len(data["results"]["bindings"]) == 22
    assert kg("sparql", "--store", store, "ASK { ?i eli:amends ?j }").stdout.strip() == "yes"
    ttl = kg("sparql", "--store", store, "CONSTRUCT { ?i eli:amends ?j } WHERE { ?i eli:amends ?j }").stdout
    assert len(rdflib.Graph().parse(data=ttl, format="turtle")) == 1
    bad = kg("sparql", "--store", store, "SELECT WHERE {", check=False)
    assert bad.returncode == 1 and bad.stderr.startswith("Error: malformed query") and "Traceback" not in bad.stderr
    missing = kg("sparql", "--store", store.parent / "nowhere", "ASK {}", check=False)
    assert missing.returncode == 1 and "no store at" in missing.stderr


@pytest.mark.parametrize("fmt, rdf_format", [("turtle", "turtle"), ("nt", "nt"), ("nquads", "nquads"),
                                             ("jsonld", "json-ld"), ("trig", "trig")])
def test_export_parses_back(store, tmp_path, fmt, rdf_format):
    out = tmp_path / f"graph.{fmt}"
    kg("export", "--store", store, "--format", fmt, "-o", out)
    if fmt in ("nquads", "trig"):  # a graph per report, the vocabulary's, the instruments'
        ds = rdflib.Dataset()
        ds.parse(out, format=rdf_format)
        graphs = {str(c.identifier) for c in ds.contexts() if len(c)}
        assert sum("/id/graph/" in g for g in graphs) == 1 and len(graphs) == 3
        n = sum(len(c) for c in ds.contexts())
    else:
        n = len(rdflib.Graph().parse(out, format=rdf_format))
    assert n >= 1900  # 408 triples of the report, the rest ontology and vocabularies


def test_validate_stats_show_graph(store, tmp_path):
    assert "1 of 1 reports conform" in kg("validate", "--store", store).stdout
    stats = kg("stats", "--store", store).stdout
    assert "mentions      27" in stats and "96/2010/NĐ-CP → amends → 115/2005/NĐ-CP" in stats
    html = tmp_path / "r.html"
    kg("show", EXAMPLE, "-o", html)
    assert html.read_text(encoding="utf-8").count('class="citation"') >= 27
    for suffix in ("svg", "png", "html"):
        out = tmp_path / f"g.{suffix}"
        assert "nodes" in kg("graph", "--store", store, "--around", "115/2005/NĐ-CP", "--depth", "2", "-o", out).stdout
        assert out.stat().st_size > 500


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_sparql_over_http(store):
    from SPARQLWrapper import JSON, SPARQLWrapper

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--store", str(store), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, env=os.environ.copy())
    try:
        sparql = SPARQLWrapper(f"http://127.0.0.1:{port}/sparql")
        sparql.setQuery("SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a lkg:Mention }")
        sparql.setReturnFormat(JSON)
        deadline = time.time() + 60
        while True:
            try:
                result = sparql.queryAndConvert()
                break
            except Exception:
                if time.time() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        assert result["results"]["bindings"][0]["n"]["value"] == "27"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_ingest_refuses_a_text_over_the_length_limit(tmp_path):
    proc = kg("ingest", "--store", tmp_path / "store", "--max-chars", 10_000, EXAMPLE, check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"error: {EXAMPLE}: text too long (23,260 characters > 10,000; " \
                                  "split the file, or raise --max-chars)"
    assert "0 ingested" in proc.stdout
