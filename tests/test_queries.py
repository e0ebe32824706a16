"""The saved SPARQL queries (queries/*.rq) on real ingested data, through the real CLI.

The store holds the bundled OCR'd report, a seeded synthetic corpus (40
reports, OCR noise 0.3) and one hand-written decree whose own symbol,
60/2021/NĐ-CP, the other reports cite. Every query is run with
``kg sparql NAME -p … --format csv`` and its answer is checked against what
is known without SPARQL:

* the gold annotations (bundled example and synthetic ``NAME.gold.jsonl``) and
  the generator's ``meta`` (each synthetic report's own symbol, date, province);
* the extractor's own output, read in Python (``extractors.extract``), for
  exact expectations where the OCR noise makes the extractor and the gold
  differ (it misses a few citations there, which is not the queries' fault).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.model import RelationKind

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries"
EXAMPLE = ROOT / "examples" / "nghean-skhcn-cchc-2023.ocr.txt"
EXAMPLE_GOLD = ROOT / "examples" / "nghean-skhcn-cchc-2023.ocr.gold.jsonl"
SEED, N, NOISE = 5, 40, 0.3

# A national decree as its own report: 60/2021/NĐ-CP is then "ingested", and
# its text exercises issuers the synthetic corpus lacks (BCA-C06, BTC-KBNN). It
# dates 115/2005/NĐ-CP otherwise than the synthetic reports do (15/9, not 05/9):
# a "date" row of outdated-citations that does not hang on an extraction error.
DECREE_NAME = "nd-60-2021-nd-cp.txt"
DECREE = """\
CHÍNH PHỦ
Số: 60/2021/NĐ-CP

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Hà Nội, ngày 21 tháng 6 năm 2021

NGHỊ ĐỊNH
Quy định cơ chế tự chủ tài chính của đơn vị sự nghiệp công lập

Căn cứ Luật Tổ chức Chính phủ số 76/2015/QH13 ngày 19 tháng 6 năm 2015;
Căn cứ Nghị định số 115/2005/NĐ-CP ngày 15/9/2005 của Chính phủ;
Thực hiện Công văn số 4959/BCA-C06 ngày 12/3/2021 của Bộ Công an và Công văn số 11357/BTC-KBNN ngày 20/4/2021 của Bộ Tài chính;
Theo Thông tư liên tịch số 01/2014/TTLT-BTC-BNV ngày 10/1/2014;
Nghị định số 16/2015/NĐ-CP ngày 14/02/2015 được sửa đổi bởi Nghị định số 60/2021/NĐ-CP.
"""

TESTED = {"reports-citing", "report-instruments", "amendment-chain", "most-cited",
          "cited-not-ingested", "reports-by-jurisdiction-year", "outdated-citations"}


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


# --------------------------------------------------------------------------
# Fixtures: one store for the whole module
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict:
    from synthetic import generate, write_corpus

    root = tmp_path_factory.mktemp("queries")
    syn = root / "syn"
    texts = write_corpus(syn, N, seed=SEED, noise=NOISE)
    meta = {r.name: r.meta for r in generate(N, seed=SEED, noise=NOISE)}
    extra = root / "extra"
    extra.mkdir()
    (extra / DECREE_NAME).write_text(DECREE, encoding="utf-8")
    files = [p.resolve() for p in texts] + [EXAMPLE, (extra / DECREE_NAME).resolve()]
    return {"root": root, "syn": syn, "meta": meta, "files": files}


@pytest.fixture(scope="module")
def store(corpus) -> Path:
    from kg.ingest import ingest
    from kg.stores.oxigraph import OxigraphStore

    path = corpus["root"] / "store"
    s = OxigraphStore(path)
    try:
        summary = ingest([corpus["syn"], EXAMPLE, corpus["root"] / "extra"], [s], jobs=1)
    finally:
        s.close()
    assert summary.count("ingested") == N + 2 and not summary.failed
    return path


@pytest.fixture(scope="module")
def extracted(corpus) -> dict:
    """What the extractor reads in each file, gathered without any RDF or SPARQL.

    Per file name: ``own`` (the report's own symbol), ``title``, ``cited``
    (instrument key → dict of symbol, type, issuer, date, jurisdiction (None
    if national), mentions, in the graph builder's merge order: mentions,
    then relation ends; first value wins, a missing date is filled from a
    later occurrence), and ``amends`` (symbol pairs).
    """
    from extractors import extract
    from kg import readers

    out = {}
    for path in corpus["files"]:
        ex = extract(readers.read(str(path)))
        own = nfc(ex.report.symbol) if ex.report.symbol else None
        cited: dict[str, dict] = {}
        occurrences = [(m.instrument, 1) for m in ex.mentions]
        occurrences += [(i, 0) for r in ex.relations for i in (r.source, r.target) if i is not None]
        for inst, n in occurrences:
            if nfc(inst.symbol) == own:
                continue  # the report's own header is not a citation
            row = cited.setdefault(inst.key, {
                "symbol": inst.symbol, "type": inst.doc_type, "issuer": inst.issuer, "date": None,
                "jurisdiction": None if inst.national else inst.jurisdiction, "mentions": 0})
            row["mentions"] += n
            if row["date"] is None and inst.date is not None:
                row["date"] = inst.date.isoformat()
        amends = {((r.source.symbol if r.source else own), r.target.symbol)
                  for r in ex.relations if r.kind == RelationKind.AMENDS}
        out[path.name] = {"own": own, "title": ex.report.title, "cited": cited, "amends": amends}
    return out


def run(store: Path, name: str, **params) -> list[dict]:
    """``kg sparql NAME -p k=v … --format csv`` through the real CLI; rows as dicts of strings."""
    args = ["sparql", name, "--store", str(store), "--format", "csv"]
    for k, v in params.items():
        args += ["-p", f"{k}={v}"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def gold_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# What the decree cites (by hand: its own 60/2021/NĐ-CP is not a citation).
DECREE_GOLD = Counter({"76/2015/QH13": 1, "115/2005/NĐ-CP": 1, "4959/BCA-C06": 1, "11357/BTC-KBNN": 1,
                       "01/2014/TTLT-BTC-BNV": 1, "16/2015/NĐ-CP": 1})


def gold_citations(corpus) -> dict[str, Counter]:
    """File name → Counter of cited symbols, from the gold files (own header symbol left out)."""
    out = {EXAMPLE.name: Counter(r["id"] for r in gold_rows(EXAMPLE_GOLD) if "id" in r), DECREE_NAME: DECREE_GOLD}
    for name, meta in corpus["meta"].items():
        rows = gold_rows(corpus["syn"] / f"{name}.gold.jsonl")
        out[f"{name}.txt"] = Counter(r["id"] for r in rows if "id" in r and r["id"] != meta["symbol"])
    return out


# --------------------------------------------------------------------------
# The files themselves
# --------------------------------------------------------------------------

def test_every_saved_query_is_tested_and_documented():
    stems = {p.stem for p in QUERIES.glob("*.rq")}
    assert stems == TESTED
    readme = (QUERIES / "README.md").read_text(encoding="utf-8")
    for stem in stems:
        text = (QUERIES / f"{stem}.rq").read_text(encoding="utf-8")
        lines = text.splitlines()
        header = lines[:next(i for i, line in enumerate(lines) if not line.startswith("#"))]
        assert len(header) >= 5, f"{stem}.rq does not start with a comment block"
        comments = "\n".join(header)
        assert "Parameters:" in comments and "Columns:" in comments, stem
        assert f"kg sparql {stem}" in comments, f"{stem}.rq has no example command"
        assert f"## {stem}" in readme, f"README has no section for {stem}"


# --------------------------------------------------------------------------
# One test (or more) per query
# --------------------------------------------------------------------------

def test_reports_citing_bundled_report(store):
    rows = run(store, "reports-citing", symbol="60/2021/NĐ-CP")
    example = [r for r in rows if r["source"] == EXAMPLE.name]  # a file given itself: recorded by its name
    assert example == [{"symbol": "60/2021/NĐ-CP", "source": EXAMPLE.name, "mentions": "2"}]
    # Two mentions, as in the gold file.
    assert gold_citations_example()["60/2021/NĐ-CP"] == 2
    # The decree's own report mentions its own symbol but does not cite itself.
    assert not [r for r in rows if r["source"].endswith(DECREE_NAME)]
    assert [r["source"] for r in rows] == sorted(r["source"] for r in rows)


def gold_citations_example() -> Counter:
    return Counter(r["id"] for r in gold_rows(EXAMPLE_GOLD) if "id" in r)


@pytest.mark.parametrize("symbol", ["60/2021/NĐ-CP", "26/CT-TTg", "115/2005/NĐ-CP"])
def test_reports_citing_matches_gold(store, corpus, symbol):
    expected = {name: c[symbol] for name, c in gold_citations(corpus).items() if c[symbol]}
    rows = run(store, "reports-citing", symbol=symbol)
    assert {Path(r["source"]).name: int(r["mentions"]) for r in rows} == expected
    assert {r["symbol"] for r in rows} == {symbol}
    assert len(expected) >= 8


def test_reports_citing_every_symbol_matches_extraction(store, extracted):
    """Without -p symbol the parameter is free: one row per (symbol, citing report)."""
    expected = Counter()
    for name, ex in extracted.items():
        for row in ex["cited"].values():
            expected[(row["symbol"], name)] += row["mentions"]
    rows = run(store, "reports-citing")
    got = {(r["symbol"], Path(r["source"]).name): int(r["mentions"]) for r in rows}
    assert got == dict(expected)
    assert len(rows) == len(got)  # one row per pair


def test_report_instruments_bundled_report_matches_gold(store):
    rows = run(store, "report-instruments", file=EXAMPLE.name)
    gold = [r for r in gold_rows(EXAMPLE_GOLD) if "id" in r]
    first = {}
    for g in gold:
        first.setdefault(g["id"], g)
    counts = Counter(g["id"] for g in gold)
    assert [r["symbol"] for r in rows] == sorted(first)
    for r in rows:
        g = first[r["symbol"]]
        # (The type is checked against the extraction below: for symbols
        # without a type part it depends on how the OCR'd words before it read.)
        assert (r["issuer"], r["date"] or None, int(r["mentions"])) == \
               (g["issuer"], g["date"], counts[r["symbol"]]), r
        national = r["symbol"].endswith(("-CP", "-TTg"))
        assert r["jurisdiction"] == ("" if national else "Nghệ An"), r
        assert r["file"] == EXAMPLE.name


def test_report_instruments_issuers(store):
    """Issuer codes the way extraction gives them, joint and two-part codes included."""
    rows = {r["symbol"]: r for r in run(store, "report-instruments", file=DECREE_NAME)}
    assert {s: (r["type"], r["issuer"]) for s, r in rows.items()} == {
        "76/2015/QH13": ("LUẬT", "QH13"),
        "115/2005/NĐ-CP": ("NĐ", "CP"),
        "4959/BCA-C06": ("CV", "BCA"),
        "11357/BTC-KBNN": ("CV", "BTC"),
        "01/2014/TTLT-BTC-BNV": ("TTLT", "BTC-BNV"),
        "16/2015/NĐ-CP": ("NĐ", "CP"),
    }  # and not its own 60/2021/NĐ-CP
    assert rows["01/2014/TTLT-BTC-BNV"]["date"] == "2014-01-10"
    assert all(r["jurisdiction"] == "" for r in rows.values())


def test_report_instruments_every_report_matches_extraction(store, extracted):
    total = 0
    for name, ex in extracted.items():
        expected = sorted((c["symbol"], c["type"], c["issuer"], c["date"] or "", c["jurisdiction"] or "",
                           str(c["mentions"])) for c in ex["cited"].values())
        rows = run(store, "report-instruments", file=name)
        got = [(r["symbol"], r["type"], r["issuer"], r["date"], r["jurisdiction"], r["mentions"]) for r in rows]
        assert got == expected, name  # ordered by symbol, hence == sorted
        total += len(got)
    assert total > 500
    # Without -p file: every report's instruments, the file column blank.
    everything = run(store, "report-instruments")
    assert len(everything) == total
    assert {r["file"] for r in everything} == {""}


def _closure(edges: set[tuple[str, str]]) -> dict[str, set[tuple[str, str]]]:
    """symbol → {(related, direction)} along amends edges at any distance."""
    succ, pred = defaultdict(set), defaultdict(set)
    for a, b in edges:
        succ[a].add(b)
        pred[b].add(a)

    def reach(start, nxt):
        seen, todo = set(), [start]
        while todo:
            for n in nxt[todo.pop()]:
                if n not in seen:
                    seen.add(n)
                    todo.append(n)
        return seen - {start}

    nodes = set(succ) | set(pred)
    return {n: {(r, "amends") for r in reach(n, succ)} | {(r, "amended_by") for r in reach(n, pred)}
            for n in nodes}


def test_amendment_chain_known_chains(store):
    def chain(symbol):
        rows = run(store, "amendment-chain", symbol=symbol)
        assert {r["symbol"] for r in rows} <= {symbol}
        assert [(r["direction"], r["related"]) for r in rows] == sorted((r["direction"], r["related"]) for r in rows)
        return [(r["related"], r["direction"]) for r in rows]

    assert ("96/2010/NĐ-CP", "amended_by") in chain("115/2005/NĐ-CP")
    assert chain("16/2015/NĐ-CP") == [("60/2021/NĐ-CP", "amended_by")]  # stated by the decree itself
    assert chain("60/2021/NĐ-CP") == [("16/2015/NĐ-CP", "amends")]
    # 92/2017 amends 130/2005, which amends 103/2005: transitive both ways.
    assert chain("103/2005/NĐ-CP") == [("130/2005/NĐ-CP", "amended_by"), ("92/2017/NĐ-CP", "amended_by")]
    assert chain("130/2005/NĐ-CP") == [("92/2017/NĐ-CP", "amended_by"), ("103/2005/NĐ-CP", "amends")]
    assert chain("60/2021/NĐ-CP-nonexistent") == []


def test_amendment_chain_everything(store, corpus, extracted):
    """Without -p symbol: every chain. Equal to the closure of what was extracted,
    and within the closure of the gold relations (the extractor misses some, never invents)."""
    rows = run(store, "amendment-chain")
    got = defaultdict(set)
    for r in rows:
        got[r["symbol"]].add((r["related"], r["direction"]))
    extracted_edges = set().union(*(ex["amends"] for ex in extracted.values()))
    assert dict(got) == _closure(extracted_edges)
    gold_edges = {(g["from"], g["to"]) for p in corpus["syn"].glob("*.gold.jsonl")
                  for g in gold_rows(p) if g.get("relation") == "amends"}
    gold = _closure(gold_edges | {("60/2021/NĐ-CP", "16/2015/NĐ-CP")})
    assert all(pairs <= gold[s] for s, pairs in got.items())
    assert len(rows) >= 20


def _citation_counts(extracted) -> tuple[dict, Counter]:
    reports, mentions = defaultdict(set), Counter()
    for name, ex in extracted.items():
        for c in ex["cited"].values():
            reports[c["symbol"]].add(name)
            mentions[c["symbol"]] += c["mentions"]
    return reports, mentions


def test_most_cited_matches_extraction_and_gold(store, corpus, extracted):
    rows = [(r["symbol"], int(r["reports"]), int(r["mentions"])) for r in run(store, "most-cited")]
    reports, mentions = _citation_counts(extracted)
    expected = sorted(((s, len(reports[s]), mentions[s]) for s in reports), key=lambda t: (-t[1], -t[2], t[0]))
    assert rows == expected[:20]
    # The head of the ranking is what the gold files say.
    gold_reports, gold_mentions = defaultdict(set), Counter()
    for name, c in gold_citations(corpus).items():
        for symbol, n in c.items():
            gold_reports[symbol].add(name)
            gold_mentions[symbol] += n
    gold = sorted(((s, len(gold_reports[s]), gold_mentions[s]) for s in gold_reports),
                  key=lambda t: (-t[1], -t[2], t[0]))
    assert rows[:10] == gold[:10]
    assert rows[0][0] == "26/CT-TTg" and rows[0][1] > 10


def test_cited_not_ingested(store, extracted):
    rows = [(r["symbol"], int(r["reports"])) for r in run(store, "cited-not-ingested")]
    symbols = dict(rows)
    assert "60/2021/NĐ-CP" not in symbols  # the decree is a stored report of its own
    assert symbols["16/2015/NĐ-CP"] >= 8  # cited by the decree too, but not stored
    reports, _ = _citation_counts(extracted)
    own = {ex["own"] for ex in extracted.values() if ex["own"]}
    expected = sorted(((s, len(names)) for s, names in reports.items() if s not in own),
                      key=lambda t: (-t[1], t[0]))
    assert rows == expected
    assert len(rows) == len(reports) - 1  # only the decree is both cited and stored


def test_reports_by_jurisdiction_year_matches_meta(store, corpus, extracted):
    by_place_year = defaultdict(list)
    for name, m in corpus["meta"].items():
        by_place_year[(m["jurisdiction"], dt.date.fromisoformat(m["date"]).year)].append((name, m))
    assert len(by_place_year) > 10
    for (place, year), reports in by_place_year.items():
        rows = run(store, "reports-by-jurisdiction-year", jurisdiction=place, year=year)
        expected = sorted(reports, key=lambda nm: str(corpus["syn"] / f"{nm[0]}.txt"))
        assert [Path(r["source"]).name for r in rows] == [f"{n}.txt" for n, _ in expected], (place, year)
        for r, (name, m) in zip(rows, expected):
            assert (r["symbol"], r["date"], r["jurisdiction"], r["year"]) == (m["symbol"], m["date"], place, str(year))
            assert r["title"] == extracted[f"{name}.txt"]["title"] and r["title"]
    # A province with reports, in a year without any.
    place, year = next(iter(by_place_year))
    assert run(store, "reports-by-jurisdiction-year", jurisdiction=place, year=1999) == []
    # The decree is national; the bundled report has no date of its own, so no year matches it.
    decree = run(store, "reports-by-jurisdiction-year", jurisdiction="Việt Nam", year=2021)
    assert [(Path(r["source"]).name, r["symbol"], r["date"]) for r in decree] == \
           [(DECREE_NAME, "60/2021/NĐ-CP", "2021-06-21")]


def test_reports_by_jurisdiction_year_free_parameters(store, corpus):
    """A parameter left out is not restricted; its column then shows each report's value."""
    everything = run(store, "reports-by-jurisdiction-year")
    assert len(everything) == N + 1  # every dated report: the synthetic ones and the decree
    expected_years = Counter(dt.date.fromisoformat(m["date"]).year for m in corpus["meta"].values())
    expected_years[2021] += 1
    assert Counter(int(r["year"]) for r in everything) == expected_years
    place = next(iter(corpus["meta"].values()))["jurisdiction"]
    rows = run(store, "reports-by-jurisdiction-year", jurisdiction=place)
    assert len(rows) == sum(m["jurisdiction"] == place for m in corpus["meta"].values())
    assert {r["jurisdiction"] for r in rows} == {place}


def test_outdated_citations_are_what_kg_check_finds(store):
    """The rows are the findings of ``kg check --report`` for every dated report: its changes
    with a known date and its dates (types and changes known by year only have no column)."""
    from kg.check import check_report, store_select
    from kg.stores.oxigraph import OxigraphStore

    rows = run(store, "outdated-citations")
    assert {r["issue"] for r in rows} >= {"amended", "date"}
    s = OxigraphStore.open_read_only(store)
    try:
        select = store_select(s)
        keys = [k for k in s.report_keys() if not k.startswith("_")]
        expected = []
        for key in keys:
            result = check_report(select, key)
            if result.at_from != "report":
                continue  # no date of its own: the query leaves it out
            for f in result.findings:
                change = f.change
                if f.issue == "type" or (change and not change.since):
                    continue  # no column for a type; a change known by its year only is left out
                expected.append({
                    "source": result.source, "date": result.date.isoformat(), "symbol": f.symbol, "issue": f.issue,
                    "by": change.by_symbol if change else "", "since": change.since.isoformat() if change else "",
                    "cited": f.cited or "", "known": f.known or "", "file": ""})
    finally:
        s.close()
    key = lambda r: tuple(r.values())  # noqa: E731
    assert sorted(rows, key=key) == sorted(expected, key=key)
    one = rows[0]["source"]
    assert run(store, "outdated-citations", file=Path(one).name) == [
        {**r, "file": Path(one).name} for r in rows if r["source"] == one]


def test_a_parameter_the_query_does_not_take_is_an_error(store):
    """-p for a variable a query does not select is refused, naming it (pyoxigraph's check)."""
    result = CliRunner().invoke(main, ["sparql", "most-cited", "--store", str(store), "-p", "file=x.txt"])
    assert result.exit_code != 0
    assert "?file" in result.output


def test_report_instruments_without_concepts(tmp_path):
    """A local symbol in a report that names no province has no eli:jurisdiction:
    one row with an empty jurisdiction (the label lookup must not fan out)."""
    from kg.ingest import ingest
    from kg.stores.oxigraph import OxigraphStore

    (tmp_path / "no-province.txt").write_text(
        "BÁO CÁO\nKết quả công tác năm 2023\n"
        "Thực hiện Quyết định số 4288/QĐ-UBND ngày 29/12/2022 của UBND tỉnh và "
        "Nghị định số 60/2021/NĐ-CP ngày 21/6/2021 của Chính phủ.\n", encoding="utf-8")
    s = OxigraphStore(tmp_path / "store")
    try:
        ingest([tmp_path / "no-province.txt"], [s], jobs=1)
    finally:
        s.close()
    rows = run(tmp_path / "store", "report-instruments", file="no-province.txt")
    assert [(r["symbol"], r["type"], r["issuer"], r["date"], r["jurisdiction"], r["mentions"]) for r in rows] == [
        ("4288/QĐ-UBND", "QĐ", "UBND", "2022-12-29", "", "1"),
        ("60/2021/NĐ-CP", "NĐ", "CP", "2021-06-21", "", "1"),
    ]
