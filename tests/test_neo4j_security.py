"""`kg cypher` without --write reads no file, fetches no URL, administers nothing (issue #10.3).

Each vector is tried through the real CLI (click's CliRunner, in-process)
against a real Neo4j: refused with one line, and the effect checked where it
shows (a bait HTTP server counts its visits, /etc/passwd's content is absent,
the other session's transaction survives, the graph and users are unchanged).
The bundled server is also checked with --write: it reads no file and fetches
no URL itself (file URLs off, every address blocked).
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from http_fixture import BaitServer

from kg.cli import main

pytestmark = pytest.mark.neo4j

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def env(neo4j_uri, neo4j_auth):
    return {"NEO4J_URI": neo4j_uri, "NEO4J_USER": neo4j_auth[0], "NEO4J_PASSWORD": neo4j_auth[1],
            "NEO4J_DATABASE": None}


def cypher(env, *args):
    return CliRunner().invoke(main, ["cypher", *args], env=env)


def assert_one_line_error(result, *words):
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for word in words:
        assert word in lines[0], result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def assert_refused(result, *words):
    assert_one_line_error(result, "refused without --write", *words)


FILE_QUERIES = [
    "LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r",
    "load csv from 'file:///etc/passwd' as r return r",
    "/* a comment */ LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r",
    "WITH 'file:///etc/' + 'passwd' AS u LOAD CSV FROM u AS r RETURN r",
    "CALL () { LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r } RETURN r",
    "UNWIND [1] AS x CALL (x) { LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r LIMIT 1 } RETURN r",
]


@pytest.mark.parametrize("query", FILE_QUERIES)
def test_load_csv_from_a_file_is_refused(env, query):
    result = cypher(env, query)
    assert_refused(result, "LOAD CSV")
    assert "root:" not in result.output


def test_the_bundled_server_reads_no_file_even_with_write(env, neo4j_browser):
    result = cypher(env, "--write", "LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r")
    assert_one_line_error(result, "allow_csv_import_from_file_urls")
    assert "root:" not in result.output


def url_queries(base: str) -> list[str]:
    port = base.rsplit(":", 1)[1]
    return [
        f"LOAD CSV FROM '{base}/data.csv' AS r RETURN r",
        f"LOAD CSV WITH HEADERS FROM 'http://localhost:{port}/data.csv' AS r RETURN r",
        f"WITH '{base}' + '/data.csv' AS u LOAD CSV FROM u AS r RETURN r",
        f"CALL () {{ LOAD CSV FROM '{base}/data.csv' AS r RETURN r }} RETURN count(r)",
    ]


def test_load_csv_from_a_url_is_refused_and_never_fetched(env):
    with BaitServer() as bait:
        for query in url_queries(bait.url):
            assert_refused(cypher(env, query), "LOAD CSV")
        assert bait.visits == []


def test_the_bundled_server_fetches_no_url_even_with_write(env, neo4j_browser):
    with BaitServer() as bait:
        for query in url_queries(bait.url):
            assert_one_line_error(cypher(env, "--write", query), "blocked")
        assert bait.visits == []


@pytest.mark.parametrize("query", [
    "CALL dbms.listConfig()",                                   # the server's configuration
    "CALL dbms.listConfig() YIELD name, value RETURN name, value",
    "CALL dbms.queryJmx('*:*')",                                # JVM, paths, system properties
    "CALL db.stats.retrieve('QUERIES')",                        # other users' query texts
    "CALL db.stats.collect('QUERIES')",
    "CALL dbms.killConnections(['bolt-1'])",                    # other users' connections
    "CALL () { CALL dbms.listConfig() YIELD name RETURN name } RETURN name",
    "SHOW SETTINGS",
])
def test_procedures_and_commands_that_read_the_server_are_refused(env, query):
    result = cypher(env, query)
    assert_refused(result)
    assert "dbms.security" not in result.output and "java" not in result.output.lower()


@pytest.mark.parametrize("query", [
    "CALL db.labels()", "CALL dbms.components() YIELD name RETURN name", "SHOW INDEXES YIELD name",
    "SHOW PROCEDURES YIELD name RETURN count(*) AS n",
])
def test_read_only_procedures_and_schema_listings_still_run(env, query):
    result = cypher(env, query)
    assert result.exit_code == 0, result.output


def test_show_and_terminate_transactions_are_refused(env, neo4j_driver):
    with neo4j_driver.session() as other:
        tx = other.begin_transaction()
        tx.run("RETURN 'another users query' AS s").consume()
        ids = [r["transactionId"] for r in neo4j_driver.execute_query(
            "SHOW TRANSACTIONS YIELD transactionId, currentQuery").records]
        assert ids
        for query in ["SHOW TRANSACTIONS", "SHOW TRANSACTIONS YIELD *",
                      "SHOW TRANSACTIONS YIELD currentQuery, username RETURN currentQuery, username",
                      *[f"TERMINATE TRANSACTIONS '{i}'" for i in ids],
                      f"TERMINATE TRANSACTION {', '.join(repr(i) for i in ids)}"]:
            result = cypher(env, query)
            assert_refused(result, "TRANSACTIONS")
            assert "another users query" not in result.output
        assert tx.run("RETURN 1 AS one").single()["one"] == 1  # still alive
        tx.commit()


@pytest.mark.parametrize("query", [
    "SHOW USERS", "SHOW CURRENT USER", "SHOW DATABASES", "SHOW ROLES",
    "CREATE USER intruder SET PASSWORD 'abcdefghijk'", "ALTER USER neo4j SET PASSWORD 'abcdefghijk'",
    "STOP DATABASE neo4j", "CREATE DATABASE other",
])
def test_administration_commands_are_refused(env, neo4j_driver, query):
    users = {r["user"] for r in neo4j_driver.execute_query("SHOW USERS", database_="system").records}
    # Refused by kg, or by Community Edition itself ("Unsupported administration command").
    assert_one_line_error(cypher(env, query), "administration")
    assert_one_line_error(cypher(env, "--neo4j-database", "system", query), "administration")
    assert {r["user"] for r in neo4j_driver.execute_query("SHOW USERS", database_="system").records} == users


@pytest.mark.parametrize("query", [
    "CREATE (:Probe)", "MERGE (:Probe {n: 1})", "MATCH (n) SET n.probe = 1", "MATCH (n) DETACH DELETE n",
    "MATCH (n) REMOVE n.key", "FOREACH (x IN [1] | CREATE (:Probe))", "CALL () { CREATE (:Probe) }",
    "CREATE INDEX probe FOR (n:Probe) ON (n.x)", "CREATE CONSTRAINT probe FOR (n:Probe) REQUIRE n.x IS UNIQUE",
    "DROP INDEX instrument_symbol IF EXISTS", "CALL db.createLabel('Probe')", "CALL db.clearQueryCaches()",
    "CALL db.resampleOutdatedIndexes()", "LOAD CSV FROM 'file:///x.csv' AS r CREATE (:Probe {r: r})",
])
def test_writes_are_refused_and_nothing_changes(env, neo4j_driver, query):
    def state():
        nodes = neo4j_driver.execute_query("MATCH (n) RETURN count(n) AS n").records[0]["n"]
        labels = sorted(r["label"] for r in neo4j_driver.execute_query("CALL db.labels()").records)
        indexes = sorted(r["name"] for r in neo4j_driver.execute_query("SHOW INDEXES YIELD name").records)
        return nodes, labels, indexes

    before = state()
    assert_refused(cypher(env, query))
    assert state() == before


def test_a_server_error_is_one_line_never_a_traceback(neo4j_uri, neo4j_auth, neo4j_driver):
    """A running `kg cypher` whose transaction the server terminates: one line on stderr, exit 1."""
    env = dict(os.environ, NEO4J_URI=neo4j_uri, NEO4J_USER=neo4j_auth[0], NEO4J_PASSWORD=neo4j_auth[1])
    slow = "UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b WITH a, b WHERE a * b = -1 RETURN count(*) AS n"
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "cypher", slow], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        ids: list[str] = []
        while not ids and time.monotonic() < deadline:
            ids = [r["transactionId"] for r in neo4j_driver.execute_query(  # $slow: not matching itself
                "SHOW TRANSACTIONS YIELD transactionId, currentQuery WHERE currentQuery = $slow "
                "RETURN transactionId", slow=slow).records]
            time.sleep(0.1)
        assert ids, "the query never showed up"
        neo4j_driver.execute_query("TERMINATE TRANSACTIONS $ids", ids=ids)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 1
    assert "Traceback" not in err and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "terminated" in lines[0].lower(), err


def test_syntax_and_runtime_errors_are_one_line(env):
    assert_one_line_error(cypher(env, "MATC (n) RETURN n"), "Invalid input")
    assert_one_line_error(cypher(env, "RETURN 1 / 0 AS x"), "by zero")
    assert_one_line_error(cypher(env, "CALL no.such.procedure()"), "no.such.procedure")
    # A value Neo4j sends but the Python driver cannot read (a datetime past year 9999).
    assert_one_line_error(cypher(env, "RETURN datetime({epochSeconds: 99999999999999999}) AS d"), "cannot read")


def test_a_query_past_its_time_limit_is_stopped_by_the_server(env):
    slow = "UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b WITH a, b WHERE a * b = -1 RETURN count(*) AS n"
    assert_one_line_error(cypher(env, "--timeout", "1", slow), "timeout")
