"""kg reports, stats, graph and show on a SPARQL server (Fuseki, the Oxigraph server), and kg reports on Neo4j,
as on the embedded store."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main

ROOT = Path(__file__).resolve().parents[1]


def kg(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def test_reports_stats_graph_and_show_on_a_server(sparql_server, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # where kg ingest runs, so kg show finds examples/… again
    outputs = {}
    for where in (str(tmp_path / "store"), sparql_server.url):
        kg("ingest", "examples", "--store", where, "-j", "1", "-q")
        page = tmp_path / "graph.html"
        key = json.loads(kg("reports", "--store", where, "--format", "json").stdout)[0]["key"]
        outputs[where] = {
            "reports": json.loads(kg("reports", "--store", where, "--format", "json").stdout),
            "stats": json.loads(kg("stats", "--store", where, "--format", "json").stdout),
            "graph": kg("graph", "--store", where, "--around", "115/2005/nd-cp", "-o", page).stdout,
            "colours": page.read_text(encoding="utf-8").count('fill="#a6c8f4"'),  # the decrees (NĐ)
            "show": kg("show", key[:8], "--store", where, "-o", tmp_path / "r.html").stdout,
        }
    local, remote = outputs.values()
    assert local["reports"][0]["title"] == "Cong tac cai cach hanh chinh nam 2023"
    assert local["colours"] == 2 and "(3 nodes, 3 edges)" in local["graph"]
    # The servers count the triples of every named graph; the embedded store, its default graph's.
    for figures in (local["stats"], remote["stats"]):
        figures[:] = [r for r in figures if r["item"] != "triples"]
    assert remote == local


@pytest.mark.neo4j
def test_reports_on_neo4j(neo4j_uri, neo4j_auth, tmp_path):
    """kg reports --store bolt://…: the Report nodes, the same rows as the embedded store's."""
    from kg.stores.neo4j import Neo4jStore
    from kg.stores.oxigraph import OxigraphStore

    embedded = tmp_path / "store"
    kg("ingest", ROOT / "examples", "--store", embedded, "-j", "1", "-q")
    with Neo4jStore(neo4j_uri, *neo4j_auth) as neo, OxigraphStore(embedded, read_only=True) as source:
        neo.init()
        neo.clear()
        neo.sync_from(source)
    user, password = neo4j_auth
    on_neo4j = CliRunner(env={"NEO4J_USER": user, "NEO4J_PASSWORD": password}).invoke(
        main, ["reports", "--store", neo4j_uri, "--format", "json"])
    assert on_neo4j.exit_code == 0, on_neo4j.output
    assert json.loads(on_neo4j.stdout) == json.loads(kg("reports", "--store", embedded, "--format", "json").stdout)
    # (the commands that read the saved triples, which Neo4j does not keep: tests/test_neo4j_cli.py)
