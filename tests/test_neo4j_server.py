"""Real round trips against Neo4j over Bolt (bundled 5.26 server or NEO4J_URI)."""

from __future__ import annotations

import uuid

import pytest

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
