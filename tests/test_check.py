"""``kg check`` and kg.check on a corpus whose legal status is known (tests/status_corpus.py).

The expected findings are written out by hand from the corpus's dates: which
instrument a report cites was replaced, repealed or amended before the
report's date, and which it cites with another date or type than the graph
holds. The saved query outdated-citations must agree, in SPARQL and in Cypher.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import rdflib
import status_corpus
from click.testing import CliRunner

from extractors import extract
from kg import readers
from kg.check import Change, check_extraction, check_report, data_bases, status_at, store_select
from kg.cli import main
from kg.graph import DEFAULT_BASE, LKG, build_report_graph
from kg.ingest import ingest
from kg.stores.oxigraph import OxigraphStore

ROOT = Path(__file__).resolve().parents[1]
QUERY = ROOT / "queries" / "outdated-citations"
ND45, ND61, ND107, ND140, ND10 = "45/2020/NĐ-CP", "61/2018/NĐ-CP", "107/2021/NĐ-CP", "140/2016/NĐ-CP", "10/2022/NĐ-CP"
TT02, TT05, KH59 = "02/2021/TT-BNV", "05/2017/TT-BNV", "59/SKHCN-VP"

# (issue, symbol, by, since, uncertain, cited, known) for each file, at its own date.
EXPECTED = {
    "bc-2019.txt": [],  # 61/2018 is replaced and 05/2017 repealed only later
    "bc-2021.txt": [
        ("date", ND45, None, None, False, "2020-04-09", "2020-04-08"),  # amended only in December
        ("repealed", TT05, TT02, "2021-03-01", False, None, None),
        ("replaced", ND61, ND45, "2020-04-08", False, None, None),
    ],
    "bc-2022.txt": [
        ("replaced", ND140, ND10, None, True, None, None),  # 10/2022: no date, the report's year
        ("amended", ND45, ND107, "2021-12-06", False, None, None),
        ("replaced", ND61, ND45, "2020-04-08", False, None, None),
    ],
    "bc-2023.txt": [  # it states 10/2022 replaces 140/2016 itself: not held against it
        ("type", KH59, None, None, False, "QĐ", "KH"),
    ],
    "nd-45-2020.txt": [],  # its own replacement of 61/2018 is not held against it
    "nd-107-2021.txt": [],
    "tt-02-2021.txt": [],
}


def rows_of(result: dict) -> list[tuple]:
    return sorted((f["issue"], f["symbol"], f.get("by"), f.get("since"), f.get("uncertain", False),
                   f.get("cited"), f.get("known")) for f in result["findings"])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("status") / "corpus"
    status_corpus.write(directory)
    return directory


@pytest.fixture(scope="module")
def store(corpus) -> Path:
    path = corpus.parent / "store"
    s = OxigraphStore(path)
    try:
        summary = ingest([corpus], [s], jobs=1)
    finally:
        s.close()
    assert summary.count("ingested") == len(status_corpus.TEXTS) and not summary.failed
    return path


def kg(*args) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def test_the_corpus_says_what_it_should(corpus):
    """The extractor reads the relations and dates the expectations rest on."""
    said = {}
    for path in sorted(corpus.glob("*.txt")):
        ex = extract(readers.read(path))
        said[path.name] = {(r.kind.value, r.source.symbol, r.target.symbol) for r in ex.relations
                           if r.kind.value != "based_on"}
        said[path.name + " date"] = ex.report.date
    assert said["nd-45-2020.txt"] == {("replaces", ND45, ND61)}
    assert said["tt-02-2021.txt"] == {("repeals", TT02, TT05)}
    assert said["nd-107-2021.txt"] == {("amends", ND107, ND45)}
    assert said["bc-2023.txt"] == {("replaces", ND10, ND140)}
    assert said["bc-2022.txt"] == {("guides", "01/2018/TT-VPCP", ND61)}
    assert said["bc-2021.txt date"] == dt.date(2021, 6, 15) and said["bc-2022.txt date"] == dt.date(2022, 3, 1)


def test_check_files_finds_what_is_known(store, corpus):
    code, out = kg("check", "--json", "--store", store, *sorted(corpus.glob("*.txt")))
    assert code == 1, out
    results = {Path(r["source"]).name: r for r in map(json.loads, out.splitlines())}
    assert {name: rows_of(r) for name, r in results.items()} == {k: sorted(v) for k, v in EXPECTED.items()}
    bc2021 = results["bc-2021.txt"]
    assert (bc2021["checked_at"], bc2021["checked_at_from"], bc2021["symbol"]) == ("2021-06-15", "report", "55/BC-SNV")
    assert bc2021["cited"] == 4 and bc2021["unknown"] == []
    replaced = next(f for f in bc2021["findings"] if f["issue"] == "replaced")
    assert replaced["since_stated"] is False and replaced["by_iri"] == DEFAULT_BASE + "instrument/vn/45-2020-nd-cp"
    [evidence] = replaced["evidence"]  # where that is stated: the decree's own text
    assert Path(evidence["source"]).name == "nd-45-2020.txt"
    text = status_corpus.TEXTS["nd-45-2020.txt"]
    assert text[evidence["start"]:evidence["end"]] == evidence["surface"] == f"{ND45} thay thế Nghị định số {ND61}"
    date = next(f for f in bc2021["findings"] if f["issue"] == "date")
    assert date["known_by_reports"] == 3  # the decree itself, 107/2021 and bc-2022


def test_check_prints_findings_for_people(store, corpus):
    code, out = kg("check", "--store", store, corpus / "bc-2021.txt", corpus / "bc-2019.txt")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].endswith("(55/BC-SNV, 2021-06-15): 3 findings in 4 cited instruments, "
                             "checked at 2021-06-15 (its date)")
    assert lines[1:4] == [  # by symbol
        f"  {TT05}  repealed by {TT02} since 2021-03-01; stated in tt-02-2021.txt:300-348",
        f"  {ND45}  cited with date 2020-04-09; the graph has 2020-04-08 (3 reports)",
        f"  {ND61}  replaced by {ND45} since 2020-04-08; stated in nd-45-2020.txt:279-328",
    ]
    assert lines[4].endswith("(101/BC-SNV, 2019-12-10): 0 findings in 2 cited instruments, "
                             "checked at 2019-12-10 (its date)")
    code, out = kg("check", "--store", store, corpus / "bc-2022.txt")
    assert f"  {ND140}  possibly replaced by {ND10} in 2022, date unknown; stated in bc-2023.txt" in out


def test_exit_codes(store, corpus, tmp_path):
    assert kg("check", "--store", store, corpus / "bc-2019.txt")[0] == 0
    code, out = kg("check", "--store", store, tmp_path / "missing.txt", corpus / "bc-2019.txt")
    assert code == 2  # one could not be read; the other was still checked
    assert "missing.txt" in out and "bc-2019.txt (101/BC-SNV, 2019-12-10): 0 findings" in out
    code, out = kg("check", "--store", store, "--report", "no-such-report")
    assert code == 2 and "no stored report with key 'no-such-report'" in out
    code, out = kg("check", "--store", store)
    assert code == 2 and "give FILES to check, or --report KEY" in out  # a usage error


def test_check_report_gives_what_the_file_gives(store, corpus):
    s = OxigraphStore.open_read_only(store)
    try:
        select = store_select(s)
        keys = {Path(r["s"]).name: r["k"] for r in select(
            "SELECT ?s (REPLACE(STR(?r), '^.*/', '') AS ?k) WHERE { ?r a lkg:Report ; lkg:sourceFile ?s }")}
    finally:
        s.close()
    for name, expected in EXPECTED.items():
        code, out = kg("check", "--json", "--store", store, "--report", keys[name])
        result = json.loads(out)
        assert code == (1 if expected else 0)
        assert rows_of(result) == sorted(expected), name
        assert result["report"] == f"{DEFAULT_BASE}report/{keys[name]}"


def test_check_at_a_given_date(store, corpus):
    code, out = kg("check", "--json", "--at", "2024-01-01", "--store", store, corpus / "bc-2019.txt")
    result = json.loads(out)
    assert (result["checked_at"], result["checked_at_from"]) == ("2024-01-01", "given")
    assert rows_of(result) == sorted([("repealed", TT05, TT02, "2021-03-01", False, None, None),
                                      ("replaced", ND61, ND45, "2020-04-08", False, None, None)])
    code, out = kg("check", "--json", "--at", "2024-01-01", "--store", store, corpus / "bc-2022.txt")
    # By 2024 the replacement made in 2022 has taken effect, whatever its day.
    assert ("replaced", ND140, ND10, None, False, None, None) in rows_of(json.loads(out))
    assert kg("check", "--at", "01/01/2024", "--store", store, corpus / "bc-2022.txt")[0] == 2


def test_a_draft_not_ingested_undated(store, tmp_path):
    draft = tmp_path / "draft.txt"
    draft.write_text("Dự thảo báo cáo.\nThực hiện Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 và "
                     "Nghị định số 99/2099/NĐ-CP ngày 01/01/2099 của Chính phủ.\n", encoding="utf-8")
    code, out = kg("check", "--json", "--store", store, draft)
    result = json.loads(out)
    assert code == 1 and result["report"] is None and result["date"] is None
    assert (result["checked_at"], result["checked_at_from"]) == (dt.date.today().isoformat(), "today")
    assert rows_of(result) == [("replaced", ND61, ND45, "2020-04-08", False, None, None)]
    assert result["unknown"] == ["99/2099/NĐ-CP"]


def test_status_at_dates(store):
    s = OxigraphStore.open_read_only(store)
    try:
        select = store_select(s)
        from kg.check import changes

        target = DEFAULT_BASE + "instrument/vn/61-2018-nd-cp"
        found = changes(select, [target])[target]
    finally:
        s.close()
    assert [(c.kind, c.by_symbol, c.since) for c in found] == [("replaced", ND45, dt.date(2020, 4, 8))]
    assert status_at(found, dt.date(2020, 4, 7)).in_force
    assert status_at(found, dt.date(2020, 4, 7)).later == found
    assert not status_at(found, dt.date(2020, 4, 8)).in_force  # from the day of the decree that replaces it


def test_a_change_dated_by_year_only():
    change = Change("repealed", "t", "b", "1/2022/NĐ-CP", None, 2022, None, ())
    assert change.applies(dt.date(2021, 12, 31)) is False
    assert change.applies(dt.date(2022, 6, 1)) is None  # some day in 2022: the graph cannot tell
    assert change.applies(dt.date(2023, 1, 1)) is True
    unknown = Change("repealed", "t", "b", None, None, None, None, ())
    assert unknown.applies(dt.date(2023, 1, 1)) is None
    status = status_at([change], dt.date(2022, 6, 1))
    assert status.in_force and status.undated == [change]


def sparql_rows(store: Path, **params) -> list[tuple]:
    args = ["sparql", "outdated-citations", "--store", str(store), "--format", "json"]
    for k, v in params.items():
        args += ["-p", f"{k}={v}"]
    code, out = kg(*args)
    assert code == 0, out
    return [(Path(r["source"]).name, r["date"], r["symbol"], r["issue"], r["by"], r["since"], r["cited"], r["known"])
            for r in json.loads(out)]  # an array of objects, values typed (dates in ISO form), unbound null


OUTDATED = [  # certain findings with a date, at each dated report's date, ordered as the query orders them
    ("bc-2021.txt", "2021-06-15", TT05, "repealed", TT02, "2021-03-01", None, None),
    ("bc-2021.txt", "2021-06-15", ND45, "date", None, None, "2020-04-09", "2020-04-08"),
    ("bc-2021.txt", "2021-06-15", ND61, "replaced", ND45, "2020-04-08", None, None),
    ("bc-2022.txt", "2022-03-01", ND45, "amended", ND107, "2021-12-06", None, None),
    ("bc-2022.txt", "2022-03-01", ND61, "replaced", ND45, "2020-04-08", None, None),
]


def test_outdated_citations_query(store):
    assert sparql_rows(store) == OUTDATED
    assert sparql_rows(store, file="bc-2022.txt") == OUTDATED[3:]
    assert sparql_rows(store, file="bc-2019.txt") == []


def test_effective_date_is_read_when_present(corpus, tmp_path):
    """A relation statement with lkg:effectiveDate takes effect then, not on its source's date.

    The triple is added to the report graph as the extractor writes it for a stated date
    (the status corpus states none)."""
    path = tmp_path / "store"
    s = OxigraphStore(path)
    try:
        for file in sorted(corpus.glob("*.txt")):
            report = build_report_graph(extract(readers.read(file)))
            if file.name == "tt-02-2021.txt":
                [statement] = report.graph.subjects(LKG.relationKind, rdflib.URIRef(
                    "http://data.europa.eu/eli/ontology#repeals"))
                report.graph.add((statement, LKG.effectiveDate, rdflib.Literal(dt.date(2021, 7, 1))))
            s.save(report)
    finally:
        s.close()
    code, out = kg("check", "--json", "--store", path, corpus / "bc-2021.txt")
    assert ("repealed", TT05, TT02, "2021-03-01", False, None, None) not in rows_of(json.loads(out))
    code, out = kg("check", "--json", "--at", "2021-07-01", "--store", path, corpus / "bc-2021.txt")
    repealed = next(f for f in json.loads(out)["findings"] if f["issue"] == "repealed")
    assert (repealed["since"], repealed["since_stated"]) == ("2021-07-01", True)
    assert sparql_rows(path) == [row for row in OUTDATED if row[3] != "repealed"]


def test_bases_of_the_store(store):
    s = OxigraphStore.open_read_only(store)
    try:
        assert data_bases(store_select(s)) == [DEFAULT_BASE]
    finally:
        s.close()


def test_another_base(corpus, tmp_path):
    """A store ingested under another base is checked all the same."""
    path = tmp_path / "store"
    code, out = kg("ingest", "-q", "--base", "https://kg.example.gov.vn/id/", "--store", path, corpus)
    assert code == 0, out
    s = OxigraphStore.open_read_only(path)
    try:
        select = store_select(s)
        assert data_bases(select) == ["https://kg.example.gov.vn/id/"]
        result = check_extraction(select, extract(readers.read(corpus / "bc-2021.txt")))
        assert sorted((f.issue, f.symbol) for f in result.findings) == sorted((r[0], r[1]) for r in EXPECTED["bc-2021.txt"])
        [row] = select("SELECT (REPLACE(STR(?r), '^.*/', '') AS ?k) WHERE { ?r lkg:sourceFile ?s "
                       "FILTER(STRENDS(?s, 'bc-2022.txt')) }")
        assert len(check_report(select, row["k"]).findings) == len(EXPECTED["bc-2022.txt"])
    finally:
        s.close()


def test_a_base_that_holds_report(corpus, tmp_path):
    """A base with ``/report/`` in it: the report's graph is found under that base, not a shorter one."""
    path = tmp_path / "store"
    base = "https://kg.example.gov.vn/report/"
    code, out = kg("ingest", "-q", "--base", base, "--store", path, corpus)
    assert code == 0, out
    s = OxigraphStore.open_read_only(path)
    try:
        select = store_select(s)
        assert data_bases(select) == [base]
        [row] = select("SELECT (REPLACE(STR(?r), '^.*/', '') AS ?k) WHERE { ?r lkg:sourceFile ?s "
                       "FILTER(STRENDS(?s, 'bc-2022.txt')) }")
        result = check_report(select, row["k"])
        assert result.cited > 0
        assert len(result.findings) == len(EXPECTED["bc-2022.txt"])
    finally:
        s.close()


@pytest.mark.neo4j
def test_cypher_twin_on_the_known_corpus(store, corpus, neo4j_uri, neo4j_auth):
    """outdated-citations.cypher gives the same rows as the SPARQL query (and as written above)."""
    from kg.stores.neo4j import Neo4jStore

    neo = Neo4jStore(neo4j_uri, *neo4j_auth)
    try:
        neo.init()
        neo.clear()
        s = OxigraphStore.open_read_only(store)
        try:
            neo.sync_from(s)
        finally:
            s.close()
        columns, rows = neo.run_cypher((ROOT / "queries" / "outdated-citations.cypher").read_text(encoding="utf-8"))
    finally:
        neo.close()
    assert columns == ["source", "date", "symbol", "issue", "by", "since", "cited", "known", "file"]
    assert [(Path(r[0]).name, *r[1:8]) for r in rows] == OUTDATED


def test_help_has_examples():
    code, out = kg("check", "--help")
    assert code == 0 and "Examples:" in out and "kg check --report" in out
