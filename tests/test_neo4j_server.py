"""Real round trips against Neo4j over Bolt (bundled 5.26 server or NEO4J_URI), and scripts/neo4j's password."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main

pytestmark = pytest.mark.neo4j


def test_return_one(neo4j_driver):
    records, _, _ = neo4j_driver.execute_query("RETURN 1 AS one")
    assert [r["one"] for r in records] == [1]


def test_write_then_read_node(neo4j_driver):
    key = f"test-{uuid.uuid4()}"

    def create(tx):
        rec = tx.run(
            "CREATE (n:LegalKgServerTest {key: $key, title: $title}) RETURN n.key AS key",
            key=key,
            title="Nghị định 15/2020/NĐ-CP",
        ).single()
        return rec["key"]

    def read(tx):
        return [
            dict(r)
            for r in tx.run(
                "MATCH (n:LegalKgServerTest {key: $key}) RETURN n.key AS key, n.title AS title",
                key=key,
            )
        ]

    with neo4j_driver.session() as session:
        try:
            assert session.execute_write(create) == key
            assert session.execute_read(read) == [
                {"key": key, "title": "Nghị định 15/2020/NĐ-CP"}
            ]
        finally:
            session.execute_write(
                lambda tx: tx.run(
                    "MATCH (n:LegalKgServerTest {key: $key}) DELETE n", key=key
                ).consume()
            )
        assert session.execute_read(read) == []


def test_server_is_neo4j_5_26(neo4j_driver):
    records, _, _ = neo4j_driver.execute_query(
        "CALL dbms.components() YIELD name, versions, edition "
        "RETURN name, versions, edition"
    )
    kernel = [r for r in records if r["name"] == "Neo4j Kernel"]
    assert kernel, f"no 'Neo4j Kernel' component in {records!r}"
    version = kernel[0]["versions"][0]
    assert version.startswith("5.26."), f"expected Neo4j 5.26.x, got {version}"


# --------------------------------------------------------------------------
# scripts/neo4j: the password (a server of its own, started and stopped here)
# --------------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "neo4j"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _logs_in(uri: str, password: str) -> bool:
    from neo4j import GraphDatabase
    from neo4j.exceptions import ClientError

    try:
        with GraphDatabase.driver(uri, auth=("neo4j", password)) as driver:
            driver.verify_connectivity()
        return True
    except ClientError:
        return False


@pytest.mark.slow
def test_the_password_is_generated_printed_once_kept_and_changeable(tmp_path):
    home = tmp_path / "home"
    bolt, http = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("NEO4J_PASSWORD", "LEGAL_KG_NEO4J_HOME")}
    env["NEO4J_HEAP"] = "512m"
    start = [str(SCRIPT), "start", "--port", str(bolt), "--http-port", str(http), "--home", str(home)]
    uri = f"bolt://127.0.0.1:{bolt}"

    def run(cmd, **extra):
        return subprocess.run(cmd, env={**env, **extra}, capture_output=True, text=True, timeout=900,
                              stdin=subprocess.DEVNULL)

    try:
        first = run(start)
        assert first.returncode == 0, first.stderr
        assert first.stdout == uri + "\n"  # only the URI on stdout
        said = [line for line in first.stderr.splitlines() if "generated a password" in line]
        password = (home / "password").read_text(encoding="utf-8").strip()
        assert len(said) == 1 and said[0].endswith(password) and len(password) >= 16
        assert stat.S_IMODE((home / "password").stat().st_mode) == 0o600
        pid = (home / "neo4j.pid").read_text().strip()
        assert password not in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        assert password not in (home / "logs" / "launcher.log").read_text(errors="replace")
        assert f"http://127.0.0.1:{http}/browser/" in run([str(SCRIPT), "status", "--home", str(home)]).stdout

        # kg finds the bundled server's password on its own; a wrong one is one line.
        kg_env = {"LEGAL_KG_NEO4J_HOME": str(home), "NEO4J_URI": uri, "NEO4J_PASSWORD": None, "NEO4J_USER": None}
        ok = CliRunner().invoke(main, ["neo4j", "status"], env=kg_env)
        assert ok.exit_code == 0 and "5.26." in ok.output, ok.output
        wrong = CliRunner().invoke(main, ["cypher", "RETURN 1", "--neo4j-password", "wrong-password"], env=kg_env)
        assert wrong.exit_code == 1 and len(wrong.output.strip().splitlines()) == 1
        assert "refused the credentials" in wrong.output

        # Started again: the same password, not printed again.
        assert run([str(SCRIPT), "stop", "--home", str(home)]).returncode == 0
        second = run(start)
        assert second.returncode == 0 and "generated a password" not in second.stderr and password not in second.stderr
        assert (home / "password").read_text(encoding="utf-8").strip() == password
        assert _logs_in(uri, password)

        # NEO4J_PASSWORD chooses a new one, for the server and the home; a short one is refused.
        assert run([str(SCRIPT), "stop", "--home", str(home)]).returncode == 0
        short = run(start, NEO4J_PASSWORD="short")
        assert short.returncode != 0 and "at least 8 characters" in short.stderr
        third = run(start, NEO4J_PASSWORD="a-new-password-1")
        assert third.returncode == 0, third.stderr
        assert (home / "password").read_text(encoding="utf-8").strip() == "a-new-password-1"
        assert _logs_in(uri, "a-new-password-1") and not _logs_in(uri, password)
    finally:
        run([str(SCRIPT), "stop", "--home", str(home)])
