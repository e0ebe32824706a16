"""Every format yields the same citations: readers + extractors, and `kg ingest`, end to end.

The corpus (tests/make_corpus.py) is one report written as UTF-8, UTF-8 with
BOM, UTF-16, cp1258, TCVN3 and VNI text, DOCX, a text PDF, a 2-page PDF, a
scanned PDF, a PNG and an HTML page, built into a temporary directory. The
scans go through the real Tesseract; nothing is mocked.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from make_corpus import build_corpus, clean_text, symbols  # noqa: E402

from extractors import extract  # noqa: E402
from kg import readers  # noqa: E402
from kg.stores.oxigraph import OxigraphStore  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OCR_FORMATS = {"clean.png", "clean.scanned.pdf"}
LKG = "https://w3id.org/legal-kg/ontology#"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    if not shutil.which("tesseract"):
        pytest.fail("tesseract is not installed: run scripts/setup-system.sh")
    return build_corpus(tmp_path_factory.mktemp("formats") / "corpus")


def instruments(path: Path) -> dict[str, str]:
    """Canonical symbol → instrument key of every instrument cited in a file."""
    return {i.symbol: i.key for i in extract(readers.read(path)).instruments}


@pytest.fixture(scope="module")
def reference(corpus):
    """What the UTF-8 text of each report yields."""
    return {stem: instruments(corpus[f"{stem}.utf-8.txt"].path) for stem in ("clean", "example")}


def test_reference_is_complete(corpus, reference):
    # The baseline itself: every symbol printed in the clean report is found.
    assert set(reference["clean"]) == set(symbols(clean_text()))
    assert len(reference["example"]) >= 20


# Names are filled in by build_corpus; listed here so each is its own test.
EXACT = [
    f"{stem}.{kind}"
    for stem in ("clean", "example")
    for kind in ["utf-8-sig.txt", "utf-16.txt", "cp1258.txt", "tcvn3.txt", "vni.txt", "docx", "odt", "pdf", "html"]
] + ["clean.2pages.pdf"]


@pytest.mark.parametrize("name", EXACT)
def test_every_format_yields_the_same_instruments(corpus, reference, name):
    found = instruments(corpus[name].path)
    want = reference[name.split(".")[0]]
    assert set(found) == set(want), f"missing {set(want) - set(found)}, extra {set(found) - set(want)}"
    assert found == want  # same identity (jurisdiction, year) for local instruments too


@pytest.mark.parametrize("name", sorted(OCR_FORMATS))
def test_ocr_formats_yield_most_instruments(corpus, reference, name):
    found = instruments(corpus[name].path)
    want = reference["clean"]
    hits = set(found) & set(want)
    assert len(hits) >= 0.9 * len(want), f"missing {set(want) - set(found)}"
    # Misreadings may add a symbol or two, not a pile of them.
    assert len(set(found) - set(want)) <= 0.1 * len(want), set(found) - set(want)


def test_corpus_is_what_the_tests_cover(corpus):
    assert set(corpus) == set(EXACT) | OCR_FORMATS | {"clean.utf-8.txt", "example.utf-8.txt"}


# --- kg ingest of the whole folder -----------------------------------------------------------------


def kg(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "LEGAL_KG_STORE"}
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def select(store: OxigraphStore, query: str) -> list[tuple]:
    rows = store.query(f"PREFIX lkg: <{LKG}> {query}")
    return [tuple(None if s[v] is None else s[v].value for v in rows.variables) for s in rows]


@pytest.fixture(scope="module")
def ingested(corpus, tmp_path_factory):
    """The corpus folder ingested with the real CLI: (result, store path)."""
    folder = next(iter(corpus.values())).path.parent
    store = tmp_path_factory.mktemp("formats-store") / "store"
    result = kg("ingest", "--store", str(store), str(folder), cwd=folder.parent)
    return result, store


@pytest.mark.slow
def test_ingest_of_the_folder_makes_a_report_of_each_text(corpus, reference, ingested):
    """Every file is read; files whose text is the same (a .txt and the .html of it) are one report."""
    result, store_path = ingested
    keys = {name: readers.read(sample.path).content_hash[:16] for name, sample in corpus.items()}
    texts = len(set(keys.values()))
    assert 1 < texts < len(corpus)  # the corpus holds several formats of the same texts
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert re.search(rf"^{texts} ingested, {len(corpus) - texts} unchanged, 0 skipped, 0 failed;", result.stdout,
                     re.M), result.stdout
    store = OxigraphStore(store_path, read_only=True)
    try:
        assert store.counts()["reports"] == texts
        sources = {f for (f,) in select(store, "SELECT DISTINCT ?f WHERE { ?r a lkg:Report ; lkg:sourceFile ?f }")}
        folder = next(iter(corpus.values())).path.parent.name
        assert len(sources) == texts and sources <= {f"{folder}/{name}" for name in corpus}
        # Every report of the clean text cites (at least 90% of) its instruments.
        cited = select(store, """SELECT ?r ?sym WHERE { ?m lkg:inReport ?r ; lkg:refersTo ?i .
                                   ?i <http://data.europa.eu/eli/ontology#id_local> ?sym }""")
        by_key: dict[str, set[str]] = {}
        for report, sym in cited:
            by_key.setdefault(report.rsplit("/", 1)[-1], set()).add(sym)
        for name in corpus:
            want = set(reference[name.split(".")[0]])
            got = by_key.get(keys[name], set())
            if name in OCR_FORMATS:
                assert len(got & want) >= 0.9 * len(want), (name, want - got)
            else:
                assert got == want, (name, want - got, got - want)
    finally:
        store.close()


def _expected_page(symbol: str) -> int:
    """make_corpus puts the first 8 lines of the clean report on page 1, the rest on page 2."""
    first = "\n".join(clean_text().splitlines()[:8])
    return 1 if symbol in first else 2


@pytest.mark.slow
@pytest.mark.parametrize("name", ["clean.2pages.pdf", "clean.scanned.pdf"])
def test_mentions_in_a_two_page_pdf_carry_their_page(corpus, ingested, name):
    _, store_path = ingested
    store = OxigraphStore(store_path, read_only=True)
    try:
        key = readers.read(corpus[name].path).content_hash[:16]  # the report of this file's text
        rows = select(store, f"""SELECT ?m ?surface ?page ?start WHERE {{
            ?r a lkg:Report FILTER(STRENDS(STR(?r), "/report/{key}")) .
            ?m a lkg:Mention ; lkg:inReport ?r ; lkg:surface ?surface ; lkg:start ?start .
            OPTIONAL {{ ?m lkg:page ?page }} }}""")
    finally:
        store.close()
    assert rows
    pages = {1: 0, 2: 0}
    for _, surface, page, start in rows:
        assert page is not None, f"mention {surface!r} has no page"
        [symbol] = [s for s in symbols(clean_text()) if s in surface] or [None]
        if symbol is None and name in OCR_FORMATS:
            continue  # an OCR misreading: it has a page, but no known place
        assert symbol is not None, surface
        assert int(page) == _expected_page(symbol), (surface, page, start)
        pages[int(page)] += 1
    assert pages[1] >= 3 and pages[2] >= 5, pages  # both pages have citations


def test_extract_json_reports_the_page(corpus):
    result = kg("extract", "--json", str(corpus["clean.2pages.pdf"].path), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    import json

    rows = [json.loads(line) for line in result.stdout.splitlines()]
    mentions = [r for r in rows if "relation" not in r]
    assert mentions
    for row in mentions:
        assert row["page"] == _expected_page(row["id"]), row
