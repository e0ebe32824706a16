"""Laws cited by name resolved across reports in every store (issue 15.4), and the Neo4j ``effective`` property.

The embedded store, the remote SPARQL stores (Fuseki and the Oxigraph server:
``sparql_server``) and Neo4j give the same resolutions, whichever report is
stored first: a later report teaches the names of the earlier ones. Every
sentence is written for these tests (none is copied from the shared corpus).
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from extractors import extract
from kg.graph import build_report_graph
from kg.model import Text
from kg.stores.neo4j import Neo4jStore
from kg.stores.oxigraph import OxigraphStore

TEACHES = ("UBND TỈNH BẮC NINH\nSố: 12/BC-UBND\nBắc Ninh, ngày 3 tháng 6 năm 2024\nBÁO CÁO\nVề đất đai\n"
           "Căn cứ Luật Đất đai số 31/2024/QH15 ngày 18 tháng 01 năm 2024 của Quốc hội;\n")
USES = ("UBND TỈNH BẮC NINH\nSố: 40/BC-UBND\nBắc Ninh, ngày 9 tháng 3 năm 2025\nBÁO CÁO\nVề giao đất\n"
        "Thực hiện Luật Đất đai và Luat Dat dai, Luật Lâm nghiệp, các xã đã rà soát.\n")
#: (surface, symbol resolved to) of every name mention, before and after the teaching report is stored.
ALONE = [("Luat Dat dai", None), ("Luật Lâm nghiệp", None), ("Luật Đất đai", None)]
TAUGHT = [("Luat Dat dai", "31/2024/QH15"), ("Luật Lâm nghiệp", None),  # unresolved stays a mention, never a guess
          ("Luật Đất đai", "31/2024/QH15")]

SPARQL = ("SELECT ?surface ?symbol WHERE { ?m a lkg:NameMention ; lkg:surface ?surface . "
          "OPTIONAL { ?m lkg:resolvedTo ?i . ?i eli:id_local ?symbol } } ORDER BY ?surface")
CYPHER = """
    MATCH (r:Report)-[c:CITES_NAME]->(n:Name)
    OPTIONAL MATCH (r)-[b:CITES_BY_NAME {name_key: n.key}]->(i:Instrument) WHERE b.starts = c.starts
    UNWIND c.surfaces AS surface
    RETURN surface, i.symbol AS symbol ORDER BY surface"""


def graph(text: str, source: str):
    return dataclasses.replace(build_report_graph(extract(Text(text, source=source))), source=source)


def sparql_rows(store) -> list[tuple]:
    return [(s["surface"].value, s["symbol"].value if s["symbol"] else None) for s in store.query(SPARQL)]


def cypher_rows(store: Neo4jStore) -> list[tuple]:
    return [tuple(row) for row in store.run_cypher(CYPHER)[1]]


ORDERS = pytest.mark.parametrize("first, second", [((USES, "uses.txt"), (TEACHES, "teaches.txt")),
                                                   ((TEACHES, "teaches.txt"), (USES, "uses.txt"))],
                                 ids=["user-first", "teacher-first"])


def check(store, rows, first, second) -> None:
    """Store the two reports one after the other, then take the teacher away: the resolutions follow."""
    store.save(graph(*first))
    assert rows(store) == (ALONE if first[0] is USES else [])
    store.save(graph(*second))
    assert rows(store) == TAUGHT
    store.delete(graph(TEACHES, "teaches.txt").key)
    assert rows(store) == ALONE


@ORDERS
def test_names_resolved_across_reports_in_the_embedded_store(tmp_path, first, second):
    with OxigraphStore(tmp_path / "store") as store:
        check(store, sparql_rows, first, second)


@ORDERS
def test_names_resolved_across_reports_in_a_remote_store(sparql_server, first, second):
    from kg.stores.sparql import SparqlStore

    with SparqlStore(sparql_server.url) as store:
        check(store, sparql_rows, first, second)
        store.save_many([graph(TEACHES, "teaches.txt")])
    with SparqlStore(sparql_server.url, read_only=True) as reader:  # as a reader sees it once the writer closed
        assert sparql_rows(reader) == TAUGHT


@pytest.mark.neo4j
@ORDERS
def test_names_resolved_across_reports_in_neo4j(neo, first, second):
    check(neo, cypher_rows, first, second)
    # Both in one batch, and the teacher's file changed to a text that no longer names the law.
    neo.save_many([graph(USES, "uses.txt"), graph(TEACHES, "teaches.txt")])
    assert cypher_rows(neo) == TAUGHT
    neo.save(graph(TEACHES.replace("Luật Đất đai số", "Luật số"), "teaches.txt"))
    assert cypher_rows(neo) == ALONE
    _, [[names]] = neo.run_cypher("MATCH (n:Name) RETURN collect(n.key) AS keys")
    assert sorted(names) == ["luat dat dai", "luat lam nghiep"]


@pytest.mark.neo4j
def test_the_effective_date_of_a_relation_is_a_neo4j_relationship_property(neo):
    text = ("BỘ XÂY DỰNG\nSố: 14/2023/TT-BXD\nHà Nội, ngày 2 tháng 10 năm 2023\nTHÔNG TƯ\nHướng dẫn định mức\n"
            "1. Thông tư này có hiệu lực thi hành từ ngày 20/11/2023.\n"
            "2. Thông tư này thay thế Thông tư số 9/2016/TT-BXD ngày 10/3/2016 của Bộ Xây dựng.\n"
            "3. Thông tư số 5/2020/TT-BXD hướng dẫn Nghị định số 10/2021/NĐ-CP.\n")
    neo.save(graph(text, "tt.txt"))
    _, rows = neo.run_cypher("MATCH (a)-[e:REPLACES|GUIDES]->(b) RETURN type(e), b.symbol, e.effective ORDER BY type(e)")
    assert rows == [["GUIDES", "10/2021/NĐ-CP", None], ["REPLACES", "9/2016/TT-BXD", "2023-11-20"]]
    _, [[kind]] = neo.run_cypher("MATCH ()-[e:REPLACES]->() RETURN valueType(e.effective)")
    assert kind == "DATE NOT NULL"
    assert dt.date(2023, 11, 20).isoformat() == rows[1][2]
