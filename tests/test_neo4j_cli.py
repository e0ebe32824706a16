"""`kg cypher` and `kg neo4j` as a user sees them, against a real Neo4j (CliRunner, in-process).

Output like cypher-shell's (nodes, relationships, paths), column names as
written, "1 row", typed JSON, parameters decided by Neo4j's parser, symbols
in -p made canonical, wrong credentials in one line.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from neo4j_fixture import wait_for_login

from kg.cli import main
from kg.ingest import ingest
from kg.stores.neo4j import GraphNode, GraphPath, Neo4jStore

pytestmark = pytest.mark.neo4j

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "nghean-skhcn-cchc-2023.ocr.txt"
AMENDED = "MATCH p = (:Report)-[:CITES]->(i:Instrument {symbol: $s})<-[:AMENDS]-(:Instrument) RETURN p AS `the path`"


@pytest.fixture(scope="module")
def env(neo4j_uri, neo4j_auth):
    store = Neo4jStore(neo4j_uri, *neo4j_auth)
    store.clear()
    ingest([EXAMPLE], [store])
    store.close()
    return {"NEO4J_URI": neo4j_uri, "NEO4J_USER": neo4j_auth[0], "NEO4J_PASSWORD": neo4j_auth[1],
            "NEO4J_DATABASE": None}


def cypher(env, *args):
    result = CliRunner().invoke(main, ["cypher", *args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_paths_print_like_cypher_shell_with_their_relationships(env):
    result = cypher(env, AMENDED, "-p", "s=115/2005/NĐ-CP")
    assert result.exit_code == 0, result.output
    header, row = result.stdout.splitlines()
    assert header.strip() == "the path"  # as written, not upper-cased
    # (:Report {…})-[:CITES {…}]->(:Instrument {…})<-[:AMENDS {…}]-(:Instrument {…})
    assert row.startswith("(:Report {")
    assert ')-[:CITES {' in row and ']->(:Instrument {' in row and ')<-[:AMENDS {' in row and ']-(:Instrument {' in row
    assert 'symbol: "115/2005/NĐ-CP"' in row and 'symbol: "96/2010/NĐ-CP"' in row
    assert "mentions: 2" in row  # integers bare, strings quoted
    assert result.stderr.strip() == "(1 row)"


def test_nodes_and_values_print_like_cypher_shell(env):
    result = cypher(env, "MATCH (i:Instrument {symbol: '59/SKHCN-VP'}) "
                         "RETURN i, i.date AS d, [1, 'a', null, true] AS l, {n: 1, `a b`: i.date} AS m, i.symbol")
    assert result.exit_code == 0, result.output
    header, row = result.stdout.splitlines()
    assert header.split() == ["i", "d", "l", "m", "i.symbol"]
    assert row.startswith('(:Instrument {') and 'symbol: "59/SKHCN-VP"' in row and 'type: "KH"' in row
    assert "date: 2023-01-31" in row  # a date is not a string
    assert '[1, "a", NULL, TRUE]' in row and "`a b`: 2023-01-31" in row and "n: 1" in row
    assert row.rstrip().endswith("59/SKHCN-VP")


def test_row_counts_read_as_english(env):
    assert cypher(env, "RETURN 1 AS x").stderr.strip() == "(1 row)"
    assert cypher(env, "UNWIND [1, 2] AS x RETURN x").stderr.strip() == "(2 rows)"
    assert cypher(env, "MATCH (n:NoSuchLabel) RETURN n").stderr.strip() == "(0 rows)"


def test_json_is_an_array_of_objects_with_typed_values(env):
    result = cypher(env, AMENDED + ", 2 AS two, 0.5 AS half, true AS yes, null AS nothing, date('2024-01-02') AS day",
                    "-p", "s=115/2005/NĐ-CP", "--format", "json")
    assert result.exit_code == 0, result.output
    [record] = json.loads(result.stdout)
    assert list(record) == ["the path", "two", "half", "yes", "nothing", "day"]
    assert (record["two"], record["half"], record["yes"], record["nothing"], record["day"]) == (
        2, 0.5, True, None, "2024-01-02")
    path = record["the path"]
    assert [n["labels"] for n in path["nodes"]] == [["Report"], ["Instrument"], ["Instrument"]]
    assert [r["type"] for r in path["relationships"]] == ["CITES", "AMENDS"]
    cites, amends = path["relationships"]
    report, cited, amending = path["nodes"]
    assert (cites["startNodeElementId"], cites["endNodeElementId"]) == (report["elementId"], cited["elementId"])
    assert (amends["startNodeElementId"], amends["endNodeElementId"]) == (amending["elementId"], cited["elementId"])
    assert cited["properties"]["year"] == 2005 and cites["properties"]["mentions"] == 2


def test_csv_has_the_columns_and_cypher_shell_cells(env):
    result = cypher(env, "MATCH (i:Instrument {symbol: '59/SKHCN-VP'}) RETURN i.symbol AS symbol, [1, 'a'] AS l, i",
                    "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["symbol", "l", "i"]
    assert rows[1][:2] == ["59/SKHCN-VP", '[1, "a"]'] and rows[1][2].startswith("(:Instrument {")


def test_a_parameter_the_query_does_not_use_is_an_error(env):
    result = cypher(env, "reports-citing", "-p", "symbl=60/2021/NĐ-CP")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: the query does not use $symbl (it uses $symbol)"
    # Neo4j's parser decides: a $ in a string or a comment is not a parameter.
    result = cypher(env, "RETURN '$notaparam' AS s // $commented", "-p", "notaparam=1")
    assert result.output.strip() == "Error: the query does not use $notaparam (it uses no parameters)"
    result = cypher(env, "RETURN $`a b` AS x", "-p", "a b=1")
    assert result.exit_code == 0 and result.stdout.splitlines()[1].strip() == "1"


def test_a_parameter_left_out_is_null(env):
    result = cypher(env, "RETURN $missing IS NULL AS missing")
    assert result.stdout.splitlines()[1].strip() == "TRUE"


@pytest.mark.parametrize("typed", ["60/2021/ND-CP", "60/2021/nd-cp", "60/2021/NĐ-CP", " 60/2021/ND-CP "])
def test_symbols_in_p_are_made_canonical(env, typed):
    result = cypher(env, "reports-citing", "-p", f"symbol={typed}", "--format", "json")
    assert [r["symbol"] for r in json.loads(result.stdout)] == ["60/2021/NĐ-CP"]


def test_other_values_in_p_are_left_as_typed(env):
    result = cypher(env, "RETURN $a AS a, $b AS b, $c AS c", "-p", "a=Nghệ An", "-p", "b=2023", "-p", "c=no/such/symbol",
                    "--format", "json")
    assert json.loads(result.stdout) == [{"a": "Nghệ An", "b": 2023, "c": "no/such/symbol"}]


def test_saved_query_names_are_checked(env):
    result = cypher(env, "most-citd")
    assert result.exit_code == 1
    assert result.output.startswith("Error: no saved query 'most-citd'; did you mean most-cited? (saved queries: ")
    result = cypher(env, "queries/no-such.cypher")
    assert result.output.strip() == "Error: no such query file: queries/no-such.cypher"
    assert cypher(env, "most-cited").exit_code == 0


def test_instruments_carry_their_caption_properties(env):
    result = cypher(env, "MATCH (i:Instrument) WHERE i.symbol IN ['60/2021/NĐ-CP', '17-CT/TU'] "
                         "RETURN i.symbol AS symbol, i.type AS type ORDER BY symbol", "--format", "json")
    assert json.loads(result.stdout) == [{"symbol": "17-CT/TU", "type": "CT"}, {"symbol": "60/2021/NĐ-CP", "type": "NĐ"}]
    result = cypher(env, "MATCH (i:Instrument) WHERE i.type IS NULL RETURN count(i) AS n", "--format", "json")
    assert json.loads(result.stdout) == [{"n": 0}]


def test_wrong_credentials_give_one_clear_line(env, neo4j_uri, neo4j_auth):
    for args in (["cypher", "RETURN 1"], ["neo4j", "status"]):
        result = CliRunner().invoke(main, [*args, "--neo4j-password", "not-the-password"], env=env)
        assert result.exit_code == 1
        lines = result.output.strip().splitlines()
        assert len(lines) == 1, result.output
        assert lines[0].startswith(f"Error: Neo4j at {neo4j_uri} refused the credentials (")
        assert "NEO4J_PASSWORD" in lines[0]
        wait_for_login(neo4j_uri, neo4j_auth)


def test_library_values(neo4j_uri, neo4j_auth, env):
    store = Neo4jStore(neo4j_uri, *neo4j_auth)
    columns, [[path]] = store.run_cypher(AMENDED, {"s": "115/2005/NĐ-CP"})
    store.close()
    assert columns == ["the path"] and isinstance(path, GraphPath)
    assert all(isinstance(n, GraphNode) for n in path.nodes) and len(path.relationships) == 2
    assert str(path).count("(:Instrument {") == 2


@pytest.mark.parametrize("command", [["stats"], ["graph", "-o", "graph.html"], ["validate"]])
def test_commands_that_read_the_saved_triples_say_at_once_that_neo4j_keeps_none(env, neo4j_uri, command, tmp_path):
    result = CliRunner().invoke(main, [*command[:1], "--store", neo4j_uri, *command[1:]], env=env)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert lines == [f"Error: {neo4j_uri}: Neo4jStore does not keep the saved triples, which this command reads; "
                     "give it the embedded store or a SPARQL server"], result.output


def test_load_and_quads_raise_a_store_error_for_neo4j(env, neo4j_uri, neo4j_auth):
    from kg.stores.base import StoreError, TriplesNotKept

    with Neo4jStore(neo4j_uri, *neo4j_auth) as store:
        assert not store.keeps_triples
        stored = next(key for key in store.report_keys() if key != "_vocabulary")
        with pytest.raises(TriplesNotKept, match="keeps a property graph"):
            store.load(stored)
        with pytest.raises(StoreError):
            list(store.quads())
        with pytest.raises(KeyError):
            store.load("no/such/report")
