"""The ``kg`` commands, run in-process with click's CliRunner on a real store on disk."""
import csv
import datetime as dt
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner

from kg.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "nghean-skhcn-cchc-2023.ocr.txt"


def kg(*args, input=None, code=0):
    """``kg ARGS…`` in this process; returns click's Result (``stdout``, ``stderr``, ``exit_code``)."""
    result = CliRunner().invoke(main, [str(a) for a in args], input=input)
    if code is not None and result.exit_code != code:
        raise AssertionError(f"kg {' '.join(map(str, args))} exited {result.exit_code}, not {code}:\n"
                             f"{result.stdout}\n{result.stderr}") from result.exception
    return result


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """A store holding the bundled example."""
    path = tmp_path_factory.mktemp("cli") / "store"
    kg("ingest", "--store", path, "-q", "-j", 1, EXAMPLE)
    return path


def test_help_teaches_with_examples():
    for command in ["extract", "ingest", "sparql", "export", "validate", "serve", "stats", "show", "graph", "reports"]:
        out = kg(command, "--help").stdout
        assert "Example" in out, command
    assert "kg extract" in kg("--help").stdout


# --- kg extract ---------------------------------------------------------------------


def test_extract_table_and_json():
    table = kg("extract", EXAMPLE).stdout
    assert "27 citations of 22 instruments" in table
    assert "60/2021/NĐ-CP" in table and "amends" in table
    rows = [json.loads(line) for line in kg("extract", "--json", EXAMPLE).stdout.splitlines()]
    mentions = [r for r in rows if "relation" not in r]
    text = EXAMPLE.read_text(encoding="utf-8")
    assert len(mentions) == 27
    for r in mentions:
        assert list(r)[:12] == ["file", "start", "end", "surface", "id", "type", "date", "issuer", "jurisdiction",
                                "national", "key", "page"]  # the JSON Lines rows, as they always were…
        assert list(r)[12:] == ["kind", "title"] and r["kind"] == "symbol"  # …then what they gained
        assert text[r["start"]:r["end"]] == r["surface"]
    assert {"relation": "amends", "from": "96/2010/NĐ-CP", "to": "115/2005/NĐ-CP"}.items() <= \
        next(r for r in rows if "relation" in r).items()
    assert kg("extract", "--format", "jsonl", EXAMPLE).stdout == kg("extract", "--json", EXAMPLE).stdout


def test_extract_json_and_csv_are_the_jsonl_mentions_with_their_line():
    lines = [json.loads(line) for line in kg("extract", "--json", EXAMPLE).stdout.splitlines()]
    mentions = [r for r in lines if "relation" not in r]
    relations = [r for r in lines if "relation" in r]
    as_json = json.loads(kg("extract", "--format", "json", EXAMPLE).stdout)
    as_csv = list(csv.DictReader(io.StringIO(kg("extract", "--format", "csv", EXAMPLE).stdout)))
    # (every column in every row: a symbol row's name and year, missing from its JSON Lines row, are null)
    assert [{k: v for k, v in r.items() if k != "line"} for r in as_json] == \
        [{k: r.get(k) for k in as_json[0] if k != "line"} for r in mentions]
    text = EXAMPLE.read_text(encoding="utf-8")
    assert all(r["line"] == text.count("\n", 0, r["start"]) + 1 for r in as_json)
    assert len(as_csv) == len(as_json)
    for c, j in zip(as_csv, as_json):
        assert c == {k: "" if v is None else "true" if v is True else "false" if v is False else str(v)
                     for k, v in j.items()}
    rels = json.loads(kg("extract", "--format", "json", "--relations", EXAMPLE).stdout)
    assert [{k: v for k, v in r.items() if k != "line"} for r in rels] == relations
    assert list(rels[0]) == ["file", "line", "relation", "from", "to", "start", "end", "effective"]
    assert "RELATION" in kg("extract", "--relations", EXAMPLE).stdout
    assert [json.loads(x) for x in kg("extract", "--json", "--relations", EXAMPLE).stdout.splitlines()] == relations


def test_extract_json_is_the_library_rows():
    """kg extract is glue: its json rows are what kg.citations.rows gives a Python user."""
    from extractors import extract
    from kg import readers
    from kg.citations import MENTION_COLUMNS, RELATION_COLUMNS, rows

    ex = extract(readers.read(EXAMPLE))
    for flag, columns in (([], MENTION_COLUMNS), (["--relations"], RELATION_COLUMNS)):
        printed = json.loads(kg("extract", "--format", "json", *flag, EXAMPLE).stdout)
        made = rows(ex, relations=bool(flag))
        assert len(made) > 0 and printed == json.loads(json.dumps([{k: r.get(k) for k in columns} for r in made]))


def test_extract_json_of_nothing_is_an_empty_array(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("Không có trích dẫn nào.", encoding="utf-8")
    assert json.loads(kg("extract", "--format", "json", empty).stdout) == []
    assert kg("extract", "--format", "csv", empty).stdout.startswith("file,line,page,start,end,surface,id,")


def test_extract_json_flag_does_not_mix_with_another_format():
    result = kg("extract", "--json", "--format", "csv", EXAMPLE, code=2)
    assert "--json is --format jsonl" in result.stderr


def test_extract_reads_stdin_and_reports_bad_files(tmp_path):
    out = kg("extract", "--json", "-", input="Căn cứ Nghị định số 60/2021/NĐ-CP ngày 21/6/2021;").stdout
    assert json.loads(out.splitlines()[0])["id"] == "60/2021/NĐ-CP"
    junk = tmp_path / "junk.txt"
    junk.write_bytes(bytes(range(256)) * 40)
    result = kg("extract", "--json", junk, EXAMPLE, tmp_path / "missing.txt", code=1)
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 2 and all(line.startswith("error: ") for line in errors)
    assert "junk.txt" in errors[0] and "missing.txt" in errors[1]
    assert len(result.stdout.splitlines()) == 28  # the good file still went through


# --- the store: ingest, sparql, export, validate ------------------------------------


def test_ingest_twice_changes_nothing(store):
    before = kg("export", "--store", store, "--format", "nquads").stdout
    again = kg("ingest", "--store", store, "-j", 1, EXAMPLE)
    assert "0 ingested, 1 unchanged" in again.stdout
    assert kg("export", "--store", store, "--format", "nquads").stdout == before


def test_sparql_formats_parameters_and_errors(store):
    q = "SELECT ?symbol ?i WHERE { ?i eli:id_local ?symbol } ORDER BY ?symbol"
    table = kg("sparql", "--store", store, q)
    assert table.stdout.splitlines()[0].split() == ["SYMBOL", "I"] and "60/2021/NĐ-CP" in table.stdout
    assert table.stderr.strip() == "(22 rows)"
    rows = kg("sparql", "--store", store, q, "-p", "symbol=60/2021/NĐ-CP", "--format", "csv").stdout.splitlines()
    assert rows == ["symbol,i", "60/2021/NĐ-CP,https://w3id.org/legal-kg/id/instrument/vn/60-2021-nd-cp"]
    w3c = json.loads(kg("sparql", "--store", store, q, "--format", "sparql-json").stdout)
    assert len(w3c["results"]["bindings"]) == 22
    assert kg("sparql", "--store", store, q, "--format", "sparql-csv").stdout.splitlines()[0] == "symbol,i"
    assert kg("sparql", "--store", store, q, "--format", "sparql-tsv").stdout.splitlines()[0] == "?symbol\t?i"
    ET.fromstring(kg("sparql", "--store", store, q, "--format", "sparql-xml").stdout)
    assert kg("sparql", "--store", store, "ASK { ?i eli:amends ?j }").stdout.strip() == "yes"
    assert json.loads(kg("sparql", "--store", store, "ASK { ?i eli:amends ?j }", "--format", "json").stdout) is True
    ttl = kg("sparql", "--store", store, "CONSTRUCT { ?i eli:amends ?j } WHERE { ?i eli:amends ?j }").stdout
    assert len(rdflib.Graph().parse(data=ttl, format="turtle")) == 1
    bad = kg("sparql", "--store", store, "SELECT WHERE {", code=1)
    assert bad.stderr.startswith("Error: malformed query")
    missing = kg("sparql", "--store", store.parent / "nowhere", "ASK {}", code=1)
    assert "no store at" in missing.stderr


def test_sparql_says_which_formats_fit_a_result(store):
    construct = kg("sparql", "--store", store, "CONSTRUCT WHERE { ?s eli:amends ?o }", "--format", "json", code=2)
    assert "does not fit a CONSTRUCT or DESCRIBE result; choose from table, turtle, nt" in construct.stderr
    ask = kg("sparql", "--store", store, "ASK { ?s ?p ?o }", "--format", "csv", code=2)
    assert "choose from table, json, sparql-json, sparql-xml" in ask.stderr


def test_sparql_json_is_an_array_of_objects_with_typed_values(store):
    q = """SELECT ?symbol ?date ?cited ?share ?ratio ?national ?iri ?nothing WHERE {
             ?iri eli:id_local ?symbol ; eli:date_document ?date .
             FILTER(?symbol = "60/2021/NĐ-CP")
             { SELECT ?iri (COUNT(?r) AS ?cited) WHERE { ?r eli:cites ?iri } GROUP BY ?iri }
             BIND(?cited / 4 AS ?share) BIND(xsd:double(?cited) * 2.5e0 AS ?ratio)
             BIND(STRSTARTS(STR(?iri), STR(lkg:)) AS ?national)
             OPTIONAL { ?iri eli:is_about ?nothing } }"""
    rows = json.loads(kg("sparql", "--store", store, q, "--format", "json").stdout)
    assert rows == [{"symbol": "60/2021/NĐ-CP", "date": "2021-06-21", "cited": 1, "share": 0.25, "ratio": 2.5,
                     "national": False, "iri": "https://w3id.org/legal-kg/id/instrument/vn/60-2021-nd-cp",
                     "nothing": None}]
    assert type(rows[0]["cited"]) is int and type(rows[0]["national"]) is bool
    assert json.loads(kg("sparql", "--store", store, "SELECT * WHERE { ?s a <urn:none> }", "--format", "json"
                         ).stdout) == []


def test_sparql_table_and_csv_show_the_same_values(store):
    args = ["sparql", "--store", store, "most-cited"]
    rows = json.loads(kg(*args, "--format", "json").stdout)
    as_csv = list(csv.DictReader(io.StringIO(kg(*args, "--format", "csv").stdout)))
    assert as_csv == [{k: str(v) for k, v in r.items()} for r in rows]
    table = kg(*args).stdout.splitlines()
    assert table[0].split() == [c.upper() for c in rows[0]]
    assert [line.split() for line in table[1:]] == [[str(v) for v in r.values()] for r in rows]


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


def test_validate(store):
    assert "1 of 1 reports conform" in kg("validate", "--store", store).stdout


# --- kg stats -----------------------------------------------------------------------


def test_stats_table(store):
    stats = kg("stats", "--store", store, "--top", 3).stdout
    assert "mentions      27" in stats and "96/2010/NĐ-CP → amends → 115/2005/NĐ-CP" in stats
    assert "cited but not ingested (22)" in stats and "… and 19 more (--format json or csv lists them all)" in stats


def test_stats_json_and_csv_are_one_table_of_figures(store):
    rows = json.loads(kg("stats", "--store", store, "--format", "json", "--top", 3).stdout)
    assert all(list(r) == ["section", "item", "value", "iri"] for r in rows)
    counts = {r["item"]: r["value"] for r in rows if r["section"] == "counts"}
    assert counts == {"reports": 1, "instruments": 22, "mentions": 27, "triples": counts["triples"]}
    assert all(type(v) is int for v in counts.values())
    assert len([r for r in rows if r["section"] == "most_cited"]) == 3
    chain = next(r for r in rows if r["section"] == "amendment_chain")
    assert chain["item"] == "96/2010/NĐ-CP → amends → 115/2005/NĐ-CP" and chain["value"] == 2
    assert chain["iri"].split() == ["https://w3id.org/legal-kg/id/instrument/vn/96-2010-nd-cp",
                                    "https://w3id.org/legal-kg/id/instrument/vn/115-2005-nd-cp"]
    missing = [r for r in rows if r["section"] == "cited_not_ingested"]
    assert len(missing) == 22 and all(r["value"] == 1 for r in missing)  # every one, not --top of them
    as_csv = list(csv.DictReader(io.StringIO(kg("stats", "--store", store, "--format", "csv", "--top", 3).stdout)))
    assert as_csv == [{k: "" if v is None else str(v) for k, v in r.items()} for r in rows]


# --- kg reports ---------------------------------------------------------------------


def test_reports_lists_the_stored_reports(store):
    from extractors import extract
    from kg.model import Text

    key = extract(Text(EXAMPLE.read_text(encoding="utf-8"), source=str(EXAMPLE))).report.key
    rows = json.loads(kg("reports", "--store", store, "--format", "json").stdout)
    assert rows == [{"key": key, "file": EXAMPLE.name, "symbol": None,  # a file given itself: its name
                     "title": "Cong tac cai cach hanh chinh nam 2023", "date": None}]
    as_csv = kg("reports", "--store", store, "--format", "csv").stdout.splitlines()
    assert as_csv == ["key,file,symbol,title,date", f"{key},{EXAMPLE.name},,Cong tac cai cach hanh chinh nam 2023,"]
    table = kg("reports", "--store", store)
    assert table.stdout.split()[:5] == ["KEY", "FILE", "SYMBOL", "TITLE", "DATE"] and key in table.stdout
    assert table.stderr.strip() == "(1 report)"


def test_reports_of_several_reports_with_symbols_and_dates(tmp_path):
    from synthetic import generate

    folder = tmp_path / "reports"
    folder.mkdir()
    made = list(generate(4, seed=5, noise=0.0))
    for report in made:
        (folder / f"{report.name}.txt").write_text(report.text, encoding="utf-8")
    store = tmp_path / "store"
    kg("ingest", "--store", store, "-q", "-j", 1, folder)
    rows = json.loads(kg("reports", "--store", store, "--format", "json").stdout)
    assert [r["file"] for r in rows] == sorted(f"reports/{p.name}" for p in folder.iterdir())  # as kg ingest says
    assert all(re.fullmatch(r"\d+/BC-\S+", r["symbol"]) for r in rows)
    assert all(dt.date.fromisoformat(r["date"]) for r in rows) and all(r["title"] for r in rows)


def test_reports_through_the_bare_store_interface(store):
    """A store that only has the Store interface (no SPARQL, no Cypher) lists the same reports."""
    from kg.overview import reports
    from kg.stores.base import Store
    from kg.stores.oxigraph import OxigraphStore

    class Bare(Store):  # a backend with nothing beyond the abstract interface
        def __init__(self, inner):
            self.inner = inner

        def stored_hash(self, key):
            return self.inner.stored_hash(key)

        def save(self, report):
            return self.inner.save(report)

        def delete(self, key):
            self.inner.delete(key)

        def report_keys(self):
            return self.inner.report_keys()

        def load(self, key):
            return self.inner.load(key)

        def counts(self):
            return self.inner.counts()

    with OxigraphStore(store, read_only=True) as inner:
        assert reports(Bare(inner)) == reports(inner)
        assert reports(inner)[0]["title"] == "Cong tac cai cach hanh chinh nam 2023"


# --- kg show and kg graph: symbols as typed ----------------------------------------------


def test_show_a_file_or_a_stored_report(store, tmp_path, monkeypatch):
    html = tmp_path / "r.html"
    kg("show", EXAMPLE, "-o", html)
    page = html.read_text(encoding="utf-8")
    assert page.count('class="citation"') >= 27
    key = json.loads(kg("reports", "--store", store, "--format", "json").stdout)[0]["key"]
    away = kg("show", key, "--store", store, code=1)  # the file is read where kg ingest read it
    assert away.stderr.strip() == (f"Error: {key}: report {key} was read from {EXAMPLE.name}, which is not here: "
                                   "run kg show in the directory kg ingest ran in, or give the file")
    monkeypatch.chdir(EXAMPLE.parent)
    for name in (key, key[:6]):
        again = tmp_path / "again.html"
        assert kg("show", name, "--store", store, "-o", again).stdout.strip() == f"wrote {again}"
        text = again.read_text(encoding="utf-8")  # the same text and citations; the header names the file as read
        assert text.split('<main id="text">')[1] == page.split('<main id="text">')[1]
    nothing = kg("show", "60/2021/nd-cp", "--store", store, code=1)
    assert "no such file, and no stored report with that key or symbol" in nothing.stderr
    no_store = kg("show", "whatever", "--store", tmp_path / "nowhere", code=1)
    assert "no such file, and no stored report to look it up in (no store at" in no_store.stderr


def test_show_finds_a_stored_report_by_its_symbol_as_typed(tmp_path, monkeypatch):
    from synthetic import generate

    report = next(iter(generate(1, seed=11, noise=0.0)))
    source = tmp_path / f"{report.name}.txt"
    source.write_text(report.text, encoding="utf-8")
    store = tmp_path / "store"
    kg("ingest", "--store", store, "-q", "-j", 1, source)
    symbol = json.loads(kg("reports", "--store", store, "--format", "json").stdout)[0]["symbol"]
    typed = symbol.lower().replace("đ", "d")
    assert typed != symbol
    monkeypatch.chdir(tmp_path)
    kg("show", typed, "--store", store, "-o", tmp_path / "page.html")
    assert symbol in (tmp_path / "page.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("typed", ["115/2005/NĐ-CP", "115/2005/ND-CP", "115/2005/nd-cp", "vn/115-2005-nd-cp"])
def test_graph_around_a_symbol_as_typed(store, tmp_path, typed):
    out = tmp_path / "g.html"
    result = kg("graph", "--store", store, "--around", typed, "--depth", 1, "-o", out)
    assert result.stdout.strip() == f"wrote {out} (3 nodes, 3 edges)"
    page = out.read_text(encoding="utf-8")
    assert "around 115/2005/NĐ-CP" in page and page.count('class="focus"') == 1


def test_graph_writes_svg_png_html(store, tmp_path):
    for suffix in ("svg", "png", "html"):
        out = tmp_path / f"g.{suffix}"
        assert "nodes" in kg("graph", "--store", store, "--around", "115/2005/NĐ-CP", "--depth", 2, "-o", out).stdout
        assert out.stat().st_size > 500


def test_graph_colours_nodes_by_document_type_with_a_legend(store, tmp_path):
    from kg.render import TYPE_COLOURS

    svg = tmp_path / "g.svg"
    kg("graph", "--store", store, "-o", svg)
    text = svg.read_text(encoding="utf-8")
    # Labels are text in the SVG (searchable), and the legend names each type drawn: the report is a Báo cáo.
    assert "60/2021/NĐ-CP" in text
    for label in ["Nghị định / Decree (NĐ)", "Kế hoạch / Plan (KH)", "Báo cáo / Report (BC)"]:
        assert label in text
    for code in ["NĐ", "KH", "QĐ", "CT"]:
        assert f"fill: {TYPE_COLOURS[code]}" in text
    html = tmp_path / "g.html"
    kg("graph", "--store", store, "-o", html)
    page = html.read_text(encoding="utf-8")
    assert 'class="swatch" style="background:' + TYPE_COLOURS["NĐ"] in page and "Nghị định / Decree (NĐ)" in page
    assert page.count(f'fill="{TYPE_COLOURS["NĐ"]}"') == 6  # the six decrees the example cites


def _svg_size(path: Path) -> tuple[float, float]:
    root = ET.parse(path).getroot()
    return float(root.get("width").removesuffix("pt")), float(root.get("height").removesuffix("pt"))


def test_svg_is_sized_to_what_it_draws(store, tmp_path):
    small, large = tmp_path / "small.svg", tmp_path / "large.svg"
    kg("graph", "--store", store, "--around", "96/2010/NĐ-CP", "--depth", 0, "-o", small)
    kg("graph", "--store", store, "-o", large)
    (sw, sh), (lw, lh) = _svg_size(small), _svg_size(large)
    assert sw < 450 and sh < 300  # one node, its label, the legend: no empty page around them
    assert lw > 2 * sw and lh > 2 * sh
    view = ET.parse(large).getroot().get("viewBox").split()
    assert [float(v) for v in view[2:]] == [lw, lh]


def test_graph_checks_the_output_before_reading_the_store(tmp_path):
    nowhere = tmp_path / "no-store"
    for output, message in [("graph.gif", "cannot draw a .gif; use .svg, .png or .html"),
                            ("graph", "cannot draw a file without a suffix"),
                            (str(tmp_path / "missing" / "g.svg"), "no directory")]:
        result = kg("graph", "--store", nowhere, "-o", output, code=2)
        assert message in result.stderr and "no store" not in result.stderr


def test_graph_refuses_too_many_nodes_and_says_how_to_narrow(store, tmp_path):
    out = tmp_path / "g.svg"
    result = kg("graph", "--store", store, "--max-nodes", 10, "-o", out, code=1)
    assert result.stderr.strip() == (
        "Error: the graph has 23 nodes, more than --max-nodes 10: too many to draw readably. Narrow it with "
        "--around SYMBOL (with --depth N), --instruments-only (2 nodes) or --top 10 (the most connected nodes); "
        "or raise --max-nodes.")
    assert not out.exists()
    assert "(10 nodes" in kg("graph", "--store", store, "--max-nodes", 10, "--top", 10, "-o", out).stdout
    assert "(2 nodes, 1 edges)" in kg("graph", "--store", store, "--max-nodes", 10, "--instruments-only", "-o",
                                      out).stdout


def test_graph_instruments_only(store, tmp_path):
    out = tmp_path / "g.html"
    kg("graph", "--store", store, "--instruments-only", "-o", out)
    page = out.read_text(encoding="utf-8")
    assert "<rect" not in page and page.count('class="node"') == 2  # no report; the amendment's two decrees
    missing = kg("graph", "--store", store, "--instruments-only", "--around", "60/2021/NĐ-CP", "-o", out, code=1)
    assert "no node with symbol or key '60/2021/NĐ-CP' among instruments linked to another" in missing.stderr


# --- kg serve -------------------------------------------------------------------------


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
