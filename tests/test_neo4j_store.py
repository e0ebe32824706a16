"""The Neo4j store (kg/stores/neo4j.py) against a real Neo4j 5.26 server.

The database is cleared at the start of every test that writes (the tests of
this module run one after another against the session's server).
"""
from __future__ import annotations

import socket
from pathlib import Path

import pytest
import rdflib

from extractors import extract
from kg.graph import build_report_graph, vocabulary_report_graph
from kg.ingest import ingest
from kg.model import Report
from kg.stores.base import ReportGraph, StoreError
from kg.stores.neo4j import Neo4jStore, WriteRefused
from kg.stores.oxigraph import OxigraphStore
from synthetic import write_corpus

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "nghean-skhcn-cchc-2023.ocr.txt"

HEADER = """\
UBND TỈNH {PROVINCE}
SỞ TƯ PHÁP
Số: 15/BC-STP                    {Province}, ngày 10 tháng 3 năm 2023

BÁO CÁO
Kết quả thực hiện công tác cải cách hành chính

"""
BODY = (
    "Thực hiện Quyết định số 4288/QĐ-UBND ngày 12/12/2022 của UBND tỉnh về kế hoạch cải cách "
    "hành chính năm 2023; căn cứ Nghị định số 60/2021/NĐ-CP ngày 29/6/2021 của Chính phủ; "
    "Nghị định số 96/2010/NĐ-CP ngày 20/9/2010 sửa đổi, bổ sung một số điều của Nghị định "
    "số 115/2005/NĐ-CP ngày 5/9/2005 của Chính phủ, Sở Tư pháp báo cáo như sau.\n"
)


def report_text(province: str, body: str = BODY) -> str:
    return HEADER.format(PROVINCE=province.upper(), Province=province) + body


def report_key(path: Path) -> str:
    from kg import readers

    return Report(source=path.name, text=readers.read(path)).key


def sparql_count(ox: OxigraphStore, where: str) -> int:
    return int(next(iter(ox.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")))["n"].value)


def assert_same_as_oxigraph(neo: Neo4jStore, ox: OxigraphStore) -> dict:
    """Reports, instruments, mentions, citations and relation statements agree."""
    c = neo.counts()
    o = ox.counts()
    assert (c["reports"], c["instruments"], c["mentions"]) == (o["reports"], o["instruments"], o["mentions"])
    assert c.get("CITES", 0) == sparql_count(ox, "SELECT DISTINCT ?r ?i WHERE { ?r eli:cites ?i }")
    assert c.get("IDENTIFIED_AS", 0) == sparql_count(ox, "SELECT DISTINCT ?r ?i WHERE { ?r lkg:identifiedAs ?i }")
    statements = sparql_count(ox, "SELECT DISTINCT ?s WHERE { ?s a lkg:RelationStatement }")
    relations = sum(c.get(t, 0) for t in ("AMENDS", "REPLACES", "REPEALS", "GUIDES", "BASED_ON", "IMPLEMENTS"))
    assert relations == statements
    return c


def report_edges(neo: Neo4jStore, key: str) -> list:
    """Every relationship a report stated, with its properties, in a stable order."""
    _, rows = neo.run_cypher(
        """
        MATCH (a)-[e]->(b) WHERE e.report = $key
        RETURN type(e) AS type, coalesce(a.key, a.iri) AS a, coalesce(b.key, b.iri) AS b, properties(e) AS p
        """, {"key": key})
    return sorted((t, a, b, sorted(p.items())) for t, a, b, p in rows)


@pytest.mark.neo4j
def test_constraints_exist_after_init(neo, neo4j_driver):
    neo.init()  # twice: idempotent
    records, _, _ = neo4j_driver.execute_query("SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties, type")
    unique = {(r["labelsOrTypes"][0], r["properties"][0]) for r in records if r["type"] == "UNIQUENESS"}
    assert {("Report", "key"), ("Instrument", "key"), ("Issuer", "iri"), ("DocumentType", "iri"),
            ("Jurisdiction", "iri"), ("Vocabulary", "key")} <= unique
    records, _, _ = neo4j_driver.execute_query("SHOW INDEXES YIELD labelsOrTypes, properties, state")
    indexed = {(r["labelsOrTypes"][0], r["properties"][0]) for r in records if r["labelsOrTypes"]}
    assert {("Instrument", "symbol"), ("Report", "source")} <= indexed
    assert all(r["state"] == "ONLINE" for r in records)


@pytest.mark.neo4j
def test_ingest_example_then_again(neo):
    ox = OxigraphStore(None)
    summary = ingest([EXAMPLE], [ox, neo])
    assert [o.status for o in summary.outcomes] == ["ingested"]
    counts = assert_same_as_oxigraph(neo, ox)
    assert counts["reports"] == 1 and counts["Vocabulary"] == 1
    assert counts["instruments"] > 10 and counts["mentions"] >= counts["instruments"]
    # Each instrument has its type and issuer; the vocabulary gave the concepts their labels.
    assert counts["OF_TYPE"] >= counts["instruments"] and counts["ISSUED_BY"] >= counts["instruments"]
    _, rows = neo.run_cypher("MATCH (t:DocumentType {code: 'NĐ'}) RETURN t.name, t.name_en")
    assert rows == [["Nghị định", "Decree"]]
    _, rows = neo.run_cypher("MATCH (j:Jurisdiction) WHERE j.name = 'Nghệ An' RETURN j.code")
    assert len(rows) == 1
    vocab = vocabulary_report_graph()
    assert neo.stored_hash("_vocabulary") == vocab.content_hash
    assert list(neo.report_keys()) == ["_vocabulary", report_key(EXAMPLE)]

    for stores in ([ox, neo], [neo]):  # Neo4j as the primary store too: it knows the hash
        again = ingest([EXAMPLE], stores)
        assert [o.status for o in again.outcomes] == ["unchanged"]
    assert neo.save(ox.load(report_key(EXAMPLE))) is False
    assert neo.counts() == counts


@pytest.mark.neo4j
def test_save_many_returning_exceptions_saves_the_other_reports(neo):
    """One batch, one transaction: a report that cannot be stored fails the batch; with
    ``return_exceptions`` (as kg ingest asks) that report gets its error and the others are saved."""
    good = build_report_graph(extract(report_text("Nghệ An"), source="good.txt"))
    bad = ReportGraph(key="bad", iri="https://example.org/graph/bad", content_hash="0" * 64,
                      graph=rdflib.Graph())  # no lkg:Report node
    with pytest.raises(ValueError, match="lkg:Report"):
        neo.save_many([good, bad])
    assert list(neo.report_keys()) == []
    result = neo.save_many([good, bad], return_exceptions=True)
    assert result[0] is True
    assert isinstance(result[1], ValueError) and "'bad' has 0 lkg:Report nodes" in str(result[1])
    assert list(neo.report_keys()) == [good.key]
    assert neo.save_many([good], return_exceptions=True) == [False]  # stored: unchanged


@pytest.mark.neo4j
def test_changed_report_replaces_exactly_its_own_edges(neo, tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(report_text("Nghệ An"), encoding="utf-8")
    b.write_text(report_text("Hà Tĩnh"), encoding="utf-8")
    ox = OxigraphStore(None)
    ingest([a, b], [ox, neo])
    assert_same_as_oxigraph(neo, ox)
    ka, kb = report_key(a), report_key(b)
    b_before = report_edges(neo, kb)
    assert any(t == "CITES" and i == "vn/60-2021-nd-cp" for t, _, i, _ in b_before)
    assert any(t == "AMENDS" and i == "vn/115-2005-nd-cp" for t, _, i, _ in b_before)
    assert neo.stored_hash(ka) is not None

    # a now cites another plan instead of 4288/QĐ-UBND, and no longer 60/2021/NĐ-CP.
    a.write_text(report_text("Nghệ An", "Thực hiện Kế hoạch số 12/KH-UBND ngày 05/01/2023 của UBND tỉnh.\n"),
                 encoding="utf-8")
    summary = ingest([a], [ox, neo])
    assert [o.status for o in summary.outcomes] == ["ingested"]
    assert_same_as_oxigraph(neo, ox)
    assert report_edges(neo, kb) == b_before  # b untouched
    assert neo.stored_hash(ka) is None  # a report is its text: the new text is a new report, replacing the old
    ka = report_key(a)
    _, rows = neo.run_cypher("MATCH (:Report {key: $k})-[:CITES]->(i) RETURN i.symbol ORDER BY i.symbol", {"k": ka})
    assert rows == [["12/KH-UBND"]]
    _, rows = neo.run_cypher("MATCH (i:Instrument) RETURN i.key ORDER BY i.key")
    keys = [k for (k,) in rows]
    assert "vn/60-2021-nd-cp" in keys  # still cited by b
    assert "vn-nghe-an/2022/4288-qd-ubnd" not in keys  # only the old a cited it
    assert "vn-ha-tinh/2022/4288-qd-ubnd" in keys

    neo.delete(kb)
    ox.delete(kb)
    assert_same_as_oxigraph(neo, ox)
    assert report_edges(neo, kb) == []
    _, rows = neo.run_cypher("MATCH (i:Instrument) RETURN i.key ORDER BY i.key")
    assert "vn/60-2021-nd-cp" not in [k for (k,) in rows]


@pytest.mark.neo4j
def test_two_provinces_citing_4288_give_two_instruments(neo, tmp_path):
    for province in ("Nghệ An", "Hà Tĩnh"):
        (tmp_path / f"{province}.txt").write_text(report_text(province), encoding="utf-8")
    ingest([tmp_path], [neo])
    _, rows = neo.run_cypher(
        """
        MATCH (i:Instrument {symbol: '4288/QĐ-UBND'})-[:IN_JURISDICTION]->(j:Jurisdiction)
        RETURN i.key, i.year, j.name ORDER BY j.name
        """)
    assert rows == [["vn-ha-tinh/2022/4288-qd-ubnd", 2022, "Hà Tĩnh"],
                    ["vn-nghe-an/2022/4288-qd-ubnd", 2022, "Nghệ An"]]
    _, rows = neo.run_cypher("MATCH (i:Instrument {symbol: '60/2021/NĐ-CP'})<-[:CITES]-(r) RETURN count(r)")
    assert rows == [[2]]  # national: one instrument


@pytest.mark.neo4j
def test_run_cypher_refuses_writes_unless_asked(neo):
    with pytest.raises(WriteRefused, match="this query writes; refused without --write"):
        neo.run_cypher("CREATE (:Probe {n: 1})")
    assert neo.run_cypher("MATCH (p:Probe) RETURN count(p) AS n") == (["n"], [[0]])
    assert neo.run_cypher("CREATE (p:Probe {n: $n}) RETURN p.n AS n", {"n": 1}, write=True) == (["n"], [[1]])
    neo.run_cypher("MATCH (p:Probe) DELETE p", write=True)
    columns, rows = neo.run_cypher("RETURN date('2023-01-02') AS d, $missing AS m")
    assert (columns, rows) == (["d", "m"], [["2023-01-02", None]])


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the socket is


def test_unreachable_server_gives_a_clear_store_error():
    port = _closed_port()
    with pytest.raises(StoreError) as info:
        Neo4jStore(f"bolt://127.0.0.1:{port}", connection_timeout=3)
    message = str(info.value)
    assert message.startswith(f"cannot reach Neo4j at bolt://127.0.0.1:{port}: connection refused")
    assert "scripts/neo4j start" in message and "\n" not in message


@pytest.mark.neo4j
def test_sync_from_oxigraph_gives_the_same_counts(neo, tmp_path):
    write_corpus(tmp_path, 15, seed=3, noise=0.2)
    ox = OxigraphStore(None)
    ingest([tmp_path, EXAMPLE], [ox, neo], include=["*.txt"])
    direct = assert_same_as_oxigraph(neo, ox)

    neo.clear()
    result = neo.sync_from(ox)
    assert result == {"saved": 17, "unchanged": 0, "deleted": 0}  # 16 reports + the vocabulary
    assert neo.counts() == direct
    assert neo.sync_from(ox) == {"saved": 0, "unchanged": 17, "deleted": 0}

    key = report_key(EXAMPLE)
    ox.delete(key)
    assert neo.sync_from(ox, prune=True) == {"saved": 0, "unchanged": 16, "deleted": 1}
    assert_same_as_oxigraph(neo, ox)
    with pytest.raises(KeyError):
        neo.load(key)


@pytest.mark.neo4j
def test_one_date_per_instrument_decided_as_the_rdf_store_decides(neo, tmp_path):
    """Reports disagree on a decree's date (an OCR slip): Neo4j and the RDF default graph keep the same
    one, the date most reports state, and change it together when a report goes (#11.9)."""
    texts = {
        "a.txt": "Căn cứ Nghị định số 60/2021/NĐ-CP ngày 21/6/2021 của Chính phủ.\n",
        "b.txt": "Thực hiện Nghị định số 60/2021/NĐ-CP ngày 21/6/2021 của Chính phủ về tài chính.\n",
        "c.txt": "Theo Nghị định số 60/2021/NĐ-CP ngày 27/6/2021 của Chính phủ.\n",
    }
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    ox = OxigraphStore(None)
    ingest([tmp_path / name for name in texts], [ox, neo])

    def dates() -> tuple:
        _, rows = neo.run_cypher("MATCH (i:Instrument {key: 'vn/60-2021-nd-cp'}) RETURN toString(i.date)")
        rdf = [r["d"].value for r in ox.query(
            "SELECT ?d WHERE { ?i eli:id_local '60/2021/NĐ-CP' ; eli:date_document ?d }")]
        return rows[0][0], rdf

    assert dates() == ("2021-06-21", ["2021-06-21"])  # two reports against one
    for key in (report_key(tmp_path / "a.txt"), report_key(tmp_path / "b.txt")):
        neo.delete(key)
        ox.delete(key)
    assert dates() == ("2021-06-27", ["2021-06-27"])  # only c's date is left
    claims = ox.query("SELECT ?d WHERE { GRAPH ?g { ?i eli:id_local '60/2021/NĐ-CP' ; eli:date_document ?d } "
                      "FILTER(?g != <https://w3id.org/legal-kg/graph/instruments>) }")
    assert [r["d"].value for r in claims] == ["2021-06-27"]  # each report's claim stays in its own graph
