"""kg reports, stats, graph and show on a SPARQL server (Fuseki, the Oxigraph server) as on the embedded store."""
import json
from pathlib import Path

from click.testing import CliRunner

from kg.cli import main
from sparql_fixture import _stop_servers, sparql_server  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]


def kg(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def test_reports_stats_graph_and_show_on_a_server(sparql_server, tmp_path):
    outputs = {}
    for where in (str(tmp_path / "store"), sparql_server.url):
        kg("ingest", ROOT / "examples", "--store", where, "-j", "1", "-q")
        page = tmp_path / "graph.html"
        outputs[where] = {
            "reports": json.loads(kg("reports", "--store", where, "--format", "json").stdout),
            "stats": json.loads(kg("stats", "--store", where, "--format", "json").stdout),
            "graph": kg("graph", "--store", where, "--around", "115/2005/nd-cp", "-o", page).stdout,
            "colours": page.read_text(encoding="utf-8").count('fill="#a6c8f4"'),  # the decrees (NĐ)
            "show": kg("show", "nghean-skhcn-cchc-2023", "--store", where, "-o", tmp_path / "r.html").stdout,
        }
    local, remote = outputs.values()
    assert local["reports"][0]["title"] == "Cong tac cai cach hanh chinh nam 2023"
    assert local["colours"] == 2 and "(3 nodes, 3 edges)" in local["graph"]
    # The servers count the triples of every named graph; the embedded store, its default graph's.
    for figures in (local["stats"], remote["stats"]):
        figures[:] = [r for r in figures if r["item"] != "triples"]
    assert remote == local
