"""Instrument and report pages as Linked Data (kg/pages), against a real ``kg serve``.

The store holds the corpus of known status (tests/status_corpus.py) and the
bundled example, ingested with the default base (https://w3id.org/legal-kg/id/):
a fresh ``kg serve`` answers its IRIs at its own address. HTTP tests check
the 303s, content negotiation and what each page says; browser tests (Debian's
chromium through playwright, as tests/test_web_page.py) check that pages
render with no console error, CSP violation or request elsewhere, and that
every link of every page resolves. Run as a script to regenerate the
screenshots in docs/::

    .venv/bin/python tests/test_pages.py
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
import rdflib
from bs4 import BeautifulSoup
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # when run as a script
sys.path.insert(0, str(ROOT / "tests"))

import status_corpus  # noqa: E402
import test_web_page as web  # noqa: E402  (its helpers; a module object, so its tests are not collected twice)

from kg.cli import main  # noqa: E402
from kg.graph import DEFAULT_BASE  # noqa: E402
from kg.pages import CONTENT_SECURITY_POLICY  # noqa: E402
from kg.pages.data import query_symbols, word_pattern  # noqa: E402

EXAMPLE = ROOT / "examples" / "nghean-skhcn-cchc-2023.ocr.txt"
ND61, ND45 = "instrument/vn/61-2018-nd-cp", "instrument/vn/45-2020-nd-cp"
ELI = "http://data.europa.eu/eli/ontology#"
LKG = "https://w3id.org/legal-kg/ontology#"


def write_corpus(directory: Path, changing: bool = True) -> Path:
    """The corpus of known status, the bundled example, and (``changing``) two reports whose files
    the tests move or change after ingest."""
    status_corpus.write(directory)
    shutil.copy(EXAMPLE, directory / EXAMPLE.name)
    for name in ("bc-moved.txt", "bc-edited.txt") if changing else ():
        (directory / name).write_text(status_corpus.TEXTS["bc-2019.txt"].replace("101/BC-SNV", f"10{len(name)}/BC-SNV")
                                      .replace("năm 2019\n", f"năm 2019 ({name})\n"), encoding="utf-8")
    return directory


def ingest(corpus: Path, store: Path, *extra: str) -> None:
    result = CliRunner().invoke(main, ["ingest", "-q", "--store", str(store), *extra, str(corpus)])
    assert result.exit_code == 0, result.output


@contextmanager
def kg_serve(store: Path, *args: str, port: int | None = None):
    """``kg serve`` in its own process on a loopback port (a free one by default); yields its URL (ending in /)."""
    with web.kg_serve(store, port, options=("--workers", "2", *args)) as url:
        yield url + "/"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("pages") / "corpus")


@pytest.fixture(scope="module")
def store(corpus) -> Path:
    path = corpus.parent / "store"
    ingest(corpus, path)
    (corpus / "bc-moved.txt").rename(corpus.parent / "elsewhere.txt")
    with open(corpus / "bc-edited.txt", "a", encoding="utf-8") as f:
        f.write("Một dòng thêm sau khi nạp.\n")
    return path


@pytest.fixture(scope="module")
def server(store, corpus):
    with kg_serve(store, "--texts", str(corpus.parent)) as url:
        yield url


def get(url: str, **kwargs) -> httpx.Response:
    return httpx.get(url, timeout=30, **kwargs)


def page(url: str) -> BeautifulSoup:
    r = get(url)
    assert r.status_code == 200, (url, r.status_code, r.text[:500])
    return BeautifulSoup(r.text, "html.parser")


def report_keys(store: Path) -> dict[str, str]:
    """File name → report key, from the store."""
    result = CliRunner().invoke(main, ["sparql", "--store", str(store), "--format", "csv",
                                       "SELECT ?s ?r WHERE { ?r a lkg:Report ; lkg:sourceFile ?s }"])
    rows = [line.split(",") for line in result.output.strip().splitlines()[1:]]
    return {Path(s).name: r.rsplit("/", 1)[1] for s, r in rows}


@pytest.fixture(scope="module")
def keys(store) -> dict[str, str]:
    return report_keys(store)


# --- identifiers, documents, content negotiation ------------------------------------


@pytest.mark.parametrize("accept, suffix", [
    (None, ".html"), ("*/*", ".html"), ("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", ".html"),
    ("text/turtle", ".ttl"), ("application/ld+json", ".jsonld"), ("application/rdf+xml", ".rdf"),
    ("application/rdf+xml;q=0.5, text/turtle;q=0.9", ".ttl"), ("text/*", ".html"),
])
def test_identifiers_303_to_the_accepted_document(server, keys, accept, suffix):
    headers = {"Accept": accept} if accept else {}
    for path in (ND61, f"report/{keys['bc-2021.txt']}"):
        r = get(server + path + "?at=2019-06-01", headers=headers)
        assert r.status_code == 303 and "Accept" in r.headers["vary"]
        assert r.headers["location"] == f"{server}{path}{suffix}?at=2019-06-01"
        assert get(r.headers["location"]).status_code == 200


def test_a_report_graph_iri_goes_to_the_reports_data(server, keys):
    key = keys["bc-2021.txt"]
    assert get(server + f"graph/{key}").headers["location"] == f"{server}report/{key}.ttl"
    r = get(server + f"graph/{key}", headers={"Accept": "application/ld+json"})
    assert r.status_code == 303 and r.headers["location"] == f"{server}report/{key}.jsonld"
    assert get(server + "graph/x.y").status_code == 404


def test_nothing_acceptable_is_406(server):
    r = get(server + ND61, headers={"Accept": "image/png"})
    assert r.status_code == 406 and "text/turtle" in r.text


@pytest.mark.parametrize("suffix, fmt", [(".ttl", "turtle"), (".jsonld", "json-ld"), (".rdf", "xml")])
def test_data_documents(server, keys, suffix, fmt):
    r = get(server + ND61 + suffix)
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        {".ttl": "text/turtle", ".jsonld": "application/ld+json", ".rdf": "application/rdf+xml"}[suffix])
    assert 'rel="alternate"' in r.headers["link"]
    g = rdflib.Graph().parse(data=r.text, format=fmt)
    thing = rdflib.URIRef(DEFAULT_BASE + ND61)  # the identifier minted at ingest, not rewritten
    assert (thing, rdflib.URIRef(ELI + "id_local"), rdflib.Literal("61/2018/NĐ-CP")) in g
    assert (rdflib.URIRef(DEFAULT_BASE + ND45), rdflib.URIRef(LKG + "replaces"), thing) in g
    assert (rdflib.URIRef(server + ND61 + suffix), rdflib.URIRef("http://xmlns.com/foaf/0.1/primaryTopic"), thing) in g
    assert not list(g.triples((None, rdflib.URIRef(LKG + "refersTo"), None)))  # mentions: in the reports' documents
    report = rdflib.Graph().parse(data=get(server + f"report/{keys['bc-2021.txt']}{suffix}").text, format=fmt)
    mentions = set(report.subjects(rdflib.RDF.type, rdflib.URIRef(LKG + "Mention")))
    assert len(mentions) == 5  # its own symbol and four citations: its whole graph


def test_mention_and_relation_iris_go_to_the_highlighted_text(server, keys):
    key = keys["nd-45-2020.txt"]
    for path in (f"report/{key}/mention/315-328", f"report/{key}/relation/279-328-replaces-17904b57"):
        r = get(server + path)
        assert r.status_code == 303
        start = path.rsplit("/", 1)[1].split("-")[0]
        assert r.headers["location"] == f"{server}report/{key}.html?hl={start}-328#hl"


@pytest.mark.parametrize("path, status", [
    ("instrument/vn/99-2099-nd-cp", 303), ("instrument/vn/99-2099-nd-cp.html", 404),
    ("instrument/VN/61-2018-ND-CP.html", 404), ("instrument/vn/61-2018-nd-cp.exe", 404),
    ("instrument/x.html", 404), ("report/no-such-report.html", 404), ("report/a/b.html", 404),
    ("report/x/mention/1-2-3", 404), (ND61 + ".html?at=2021-02-30", 400), (ND61 + ".html?at=yesterday", 400),
    (ND61 + ".html?cited=abc", 200), (ND61 + ".html?cited=99999", 200),
    ("report/{bc2021}.html?hl=5-999999999", 200), ("report/{bc2021}.html?hl=x", 200),
    ("assets/nope.css", 404), ("search?q=" + "9" * 5000, 200),
])
def test_bad_requests_get_clear_answers(server, keys, path, status):
    r = get(server + path.format(bc2021=keys["bc-2021.txt"]))
    assert r.status_code == status, r.text[:300]
    if r.headers.get("content-type", "").startswith("text/html"):
        assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


# --- what the pages say -------------------------------------------------------


def status_of(soup: BeautifulSoup, when: str) -> tuple[str, list[str]]:
    box = soup.select_one(f"#status-{when}")
    return box["class"][1], [" ".join(li.get_text().split()) for li in box.select("li")]


def test_status_today_and_at_a_date(server, keys):
    soup = page(server + ND61 + ".html")
    kind, changes = status_of(soup, "today")
    assert kind == "ended" and len(changes) == 1
    assert changes[0].startswith("Bị thay thế bởi / Replaced by 45/2020/NĐ-CP (Nghị định) — từ ngày / since 08/04/2020")
    evidence = soup.select_one("#status-today li .evidence a")
    assert evidence["href"] == f"{server}report/{keys['nd-45-2020.txt']}.html?hl=279-328#hl"
    assert soup.select_one("#status-at") is None

    soup = page(server + ND61 + ".html?at=2019-06-01")
    kind, changes = status_of(soup, "at")
    assert kind == "in-force" and changes[0].startswith("Về sau / Later: Bị thay thế bởi / Replaced by 45/2020/NĐ-CP")
    assert soup.select_one("form.at input[name=at]")["value"] == "2019-06-01"
    assert status_of(page(server + ND61 + ".html?at=2018-01-01"), "at")[0] == "not-issued"

    kind, changes = status_of(page(server + "instrument/vn/05-2017-tt-bnv.html"), "today")
    assert kind == "ended" and changes[0].startswith("Bị bãi bỏ bởi / Repealed by 02/2021/TT-BNV")
    kind, changes = status_of(page(server + ND45 + ".html"), "today")
    assert kind == "in-force" and changes[0].startswith("Được sửa đổi, bổ sung bởi / Amended by 107/2021/NĐ-CP")
    kind, changes = status_of(page(server + "instrument/vn/140-2016-nd-cp.html?at=2022-06-01"), "at")
    assert kind == "in-force" and changes[0].startswith("có thể / possibly: Bị thay thế bởi / Replaced by 10/2022/NĐ-CP")
    assert "trong năm / in 2022" in changes[0]


def test_properties_sections_and_citing_reports(server, keys):
    soup = page(server + ND45 + ".html")
    assert soup.h1.get_text(" ", strip=True) == "Nghị định 45/2020/NĐ-CP"
    assert soup.select_one("p.title").get_text(" ", strip=True).startswith(
        "Về thực hiện thủ tục hành chính trên môi trường điện tử")  # from its own document
    props = {dt.get_text(" ", strip=True): dd.get_text(" ", strip=True)
             for dt, dd in zip(soup.select(".properties dt"), soup.select(".properties dd"))}
    assert props["Số, ký hiệu / Local id"] == "45/2020/NĐ-CP"
    assert props["Loại văn bản / Type of document"] == "Nghị định / Decree (NĐ)"
    assert props["Cơ quan ban hành / Passed by"] == "Chính phủ / Government (CP)"
    assert props["Ngày ban hành / Date of document"] == "08/04/2020"  # decided: the decree's own date
    assert props["Địa bàn / Jurisdiction"] == "Việt Nam / Viet Nam (VN)"
    sections = {div.h3.get_text(" ", strip=True).rsplit(" (", 1)[0]: [a.get_text() for a in div.select("li > a:first-child")]
                for div in soup.select(".relations .relation")}
    assert sections == {"Văn bản căn cứ / Based on": ["76/2015/QH13"], "Văn bản bị thay thế / Replaces": ["61/2018/NĐ-CP"],
                        "Văn bản sửa đổi, bổ sung / Amended by": ["107/2021/NĐ-CP"]}
    svg = soup.select_one(".diagram svg")
    assert sorted(t.get_text() for t in svg.select("a text:first-of-type")) == [
        "107/2021/NĐ-CP", "61/2018/NĐ-CP", "76/2015/QH13"]
    citing = soup.select(".citing ol > li")
    assert [li.a.get_text() for li in citing] == ["12/BC-SNV", "107/2021/NĐ-CP", "55/BC-SNV"]  # newest first
    quote = citing[2].blockquote
    assert quote.get_text() == "Sở áp dụng Nghị định số 45/2020/NĐ-CP ngày 09/4/2020 của Chính phủ"  # as the extractor cuts it
    assert quote.mark.get_text() == "45/2020/NĐ-CP"
    assert quote.a["href"].startswith(f"{server}report/{keys['bc-2021.txt']}.html?hl=")


def test_report_page_shows_its_text_highlighted_and_its_check(server, keys):
    key = keys["bc-2021.txt"]
    text = status_corpus.TEXTS["bc-2021.txt"]
    soup = page(server + f"report/{key}.html?hl=159-172")
    marks = soup.select(".text .body mark.c")
    for mark in marks:  # each highlight is exactly its span of the text as read
        start, end = map(int, mark["id"][1:].split("-"))
        assert text[start:end] == mark.get_text()
    assert [m.get_text() for m in marks] == ["55/BC-SNV", "61/2018/NĐ-CP", "05/2017/TT-BNV", "45/2020/NĐ-CP",
                                             "59/SKHCN-VP"]
    assert soup.select_one(".text .body").get_text() == text
    assert soup.select_one("#hl").get_text() == "61/2018/NĐ-CP"
    assert marks[1].a["href"] == server + ND61 + ".html"
    findings = [" ".join(li.get_text().split()) for li in soup.select(".check li")]
    assert findings == [
        "05/2017/TT-BNV: Bị bãi bỏ bởi / Repealed by 02/2021/TT-BNV từ ngày / since 01/03/2021 "
        "Nguồn / Stated in: tt-02-2021.txt",
        "45/2020/NĐ-CP: trích dẫn với ngày / cited with the date 09/04/2020; cơ sở dữ liệu ghi / the store has "
        "08/04/2020 (3 báo cáo / reports)",
        "61/2018/NĐ-CP: Bị thay thế bởi / Replaced by 45/2020/NĐ-CP từ ngày / since 08/04/2020 "
        "Nguồn / Stated in: nd-45-2020.txt",
    ]
    own = page(server + f"report/{keys['nd-45-2020.txt']}.html")
    assert own.select_one(".properties p a")["href"] == server + ND45 + ".html"
    assert [li.get_text(" ", strip=True).split(" nguồn")[0] for li in own.select(".stated li")] == [
        "45/2020/NĐ-CP Văn bản căn cứ / Based on 76/2015/QH13",
        "45/2020/NĐ-CP Văn bản bị thay thế / Replaces 61/2018/NĐ-CP"]
    assert own.select_one(".check .clean")  # its own replacement is not held against it


def test_a_text_that_moved_or_changed_is_not_shown(server, keys, corpus):
    moved = page(server + f"report/{keys['bc-moved.txt']}.html")
    assert moved.select_one(".text .body") is None
    assert "is not in the folders this server reads texts from" in moved.select_one(".text .missing").get_text()
    edited = page(server + f"report/{keys['bc-edited.txt']}.html")
    assert "has changed since it was ingested" in edited.select_one(".text .missing").get_text()
    assert edited.select(".cites li")  # the rest of the page is there
    citing = page(server + ND61 + ".html")
    assert any("has changed since it was ingested" in p.get_text() for p in citing.select(".citing .missing"))


def test_texts_are_found_by_label_under_the_folders_given(tmp_path):
    from kg.pages.texts import Texts

    archive = tmp_path / "srv" / "archive"
    (archive / "2023").mkdir(parents=True)
    (archive / "2023" / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("y", encoding="utf-8")
    for root in (tmp_path / "srv", archive):  # the archive's parent, or the archive itself
        assert Texts([root]).find("archive/2023/a.txt") == archive / "2023" / "a.txt"
    texts = Texts([archive])
    assert texts.find("archive/../../secret.txt") is None and texts.find(str(tmp_path / "secret.txt")) is None
    assert texts.find("archive/2023/b.txt") is None


@pytest.mark.parametrize("q", ["61/2018/NĐ-CP", "61/2018/nđ-cp", "61/2018/ND-CP", "61/2018/nd-cp", " 61/2018/Nd-Cp "])
def test_search_by_symbol_redirects_to_the_one_instrument(server, q):
    r = get(server + "search", params={"q": q})
    assert r.status_code == 303 and r.headers["location"] == server + ND61 + ".html"


def test_search_lists_several_and_finds_title_words(server):
    soup = page(server + "search?q=59/skhcn-vp")  # one symbol, two instruments (2021 and 2023, Nghệ An)
    assert [a.get_text() for a in soup.select(".results li > a")] == ["59/SKHCN-VP", "59/SKHCN-VP"]
    for q in ("môi trường điện tử", "moi truong dien tu", "MÔI TRƯỜNG"):
        soup = page(server + "search?q=" + q)
        assert "45/2020/NĐ-CP" in [a.get_text() for a in soup.select(".results li > a")], q
    assert "50/BC-SNV" not in page(server + "search?q=môi tường").get_text()
    soup = page(server + "search?q=" + "\"} } ; DROP ALL ; SELECT * {")
    assert soup.select_one(".missing")  # nothing found, nothing broken
    soup = page(server + "search?q=61/2018")  # part of a symbol
    assert [a.get_text() for a in soup.select(".results li > a")] == ["61/2018/NĐ-CP"]
    assert page(server + "search").select_one(".results") is None


def test_search_reads_symbols_as_the_extractor_does():
    assert query_symbols("60/2021/nd-cp") == ["60/2021/NĐ-CP"]
    assert query_symbols("26/ct-ttg") == ["26/CT-TTg"]
    assert re.fullmatch(word_pattern("tu chu"), "tự chủ") and re.fullmatch(word_pattern("tu chu"), "tu chu")
    assert not re.fullmatch(word_pattern("tự"), "tư")  # typed with its accent: only that accent


def test_pages_go_through_the_query_pool_and_its_limits(store, keys):
    """With --limit 2 the pages' queries are refused by the pool as the endpoint's are: no other way in."""
    with kg_serve(store, "--limit", "2") as url:
        r = get(url + ND45 + ".html")
        assert r.status_code == 400 and "more than 2 rows" in r.text
        assert r.headers["content-type"].startswith("text/html")


def test_another_base(corpus, tmp_path):
    """--base sets the public URL; a store ingested under that URL has its IRIs answered as they are."""
    public = "https://kg.example.gov.vn/"
    path = tmp_path / "store"
    ingest(corpus, path, "--base", public)
    with kg_serve(path, "--base", public) as url:
        r = get(url + ND61)
        assert r.status_code == 303 and r.headers["location"] == public + ND61 + ".html"
        g = rdflib.Graph().parse(data=get(url + ND61 + ".ttl").text, format="turtle")
        assert (rdflib.URIRef(public + ND61), rdflib.URIRef(ELI + "id_local"), None) in g
        soup = page(url + ND61 + ".html")
        assert soup.select_one("#status-today .evidence a")["href"].startswith(public + "report/")
        assert soup.select_one(".data code").get_text() == public + ND61
    with kg_serve(path) as url:  # the same store, served at its own address
        assert get(url + ND61 + ".html").status_code == 200


def test_a_base_that_holds_report(corpus, tmp_path):
    """A base with ``/report/`` in it: a report's data is its named graph under that base."""
    public = "https://kg.example.gov.vn/report/"
    path = tmp_path / "store"
    ingest(corpus, path, "--base", public)
    key = report_keys(path)["bc-2021.txt"]
    with kg_serve(path) as url:
        g = rdflib.Graph().parse(data=get(f"{url}report/{key}.ttl").text, format="turtle")
        assert (rdflib.URIRef(f"{public}report/{key}"), rdflib.URIRef(LKG + "sourceFile"), None) in g
        assert (None, rdflib.URIRef(ELI + "cites"), None) in g


# --- in the browser -----------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    missing = web.browser_missing()
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    with web.chromium() as b:
        yield b


def pages_to_visit(server: str, keys: dict[str, str]) -> list[str]:
    return [server + ND61 + ".html?at=2019-06-01", server + ND45 + ".html",
            server + f"report/{keys['bc-2021.txt']}.html?hl=159-172#hl",
            server + f"report/{keys[EXAMPLE.name]}.html", server + "search?q=cai cach", server + "search?q=59/skhcn-vp",
            server + "instrument/vn/no-such.html"]


def test_pages_render_clean_in_the_browser(browser, server, keys):
    w = web.Watched(browser, server.rstrip("/"))
    try:
        for url in pages_to_visit(server, keys):
            response = w.page.goto(url)
            assert response.status == (404 if "no-such" in url else 200), url
            if response.status == 404:  # the browser reports the page's own status; nothing else may go wrong
                assert w.problems.pop().endswith("status of 404 (Not Found)")
            assert w.page.locator("h1").count() == 1
            assert w.page.locator("script").count() == 0  # no script at all
            assert w.page.evaluate("getComputedStyle(document.querySelector('header.top')).display") == "flex"
        w.page.goto(server + ND45 + ".html")
        assert w.page.locator(".diagram svg a").count() == 3
        w.page.fill("header input[name=q]", "61/2018/nd-cp")  # the search form, typed without Đ
        w.page.click("header button[type=submit]")
        w.page.wait_for_url(server + ND61 + ".html")
        w.page.fill("form.at input[name=at]", "2019-06-01")
        w.page.click("form.at button")
        w.page.wait_for_url(re.compile(r".*\?at=2019-06-01$"))
        assert "in-force" in w.page.locator("#status-at").get_attribute("class")
        assert w.all_problems() == []
    finally:
        w.close()


def crawl(server: str, urls: list[str]) -> dict[str, int]:
    """The status of every link of the pages at ``urls`` (anchors, stylesheets, icons, alternates,
    forms), each followed through its redirects; every one must be on ``server``."""
    seen: dict[str, int] = {}
    for url in urls:
        soup = page(url)
        for tag in soup.select("a[href], link[href], form[action]"):
            target = urljoin(url, tag.get("href") or tag.get("action")).split("#")[0]
            assert urlsplit(target).netloc == urlsplit(server).netloc, target  # nothing elsewhere
            if target not in seen:
                seen[target] = get(target, follow_redirects=True).status_code
    return seen


def test_every_link_resolves(server, keys):
    """Crawl each page's links: none is broken."""
    seen = crawl(server, pages_to_visit(server, keys)[:-1])
    broken = {u: s for u, s in seen.items() if s >= 400}
    assert not broken and len(seen) > 40


def screenshots(server: str, keys: dict[str, str], browser, out: Path) -> list[Path]:
    """The instrument page (61/2018/NĐ-CP, seen at a date before it was replaced) and a report page."""
    shots = [(server + ND61 + ".html?at=2019-06-01", out / "instrument-page.png"),
             (server + f"report/{keys['bc-2021.txt']}.html?hl=159-172", out / "report-page.png")]
    w = web.Watched(browser, server.rstrip("/"))
    try:
        w.page.set_viewport_size({"width": 1200, "height": 900})
        for url, png in shots:
            w.page.goto(url)
            w.page.screenshot(path=str(png), full_page=True)
        assert w.all_problems() == []
    finally:
        w.close()
    return [png for _, png in shots]


def test_screenshots(browser, server, keys, tmp_path):
    from PIL import Image

    for png in screenshots(server, keys, browser, tmp_path):
        with Image.open(png) as im:
            assert im.size[0] == 1200 and im.size[1] > 900
            assert len(im.convert("RGB").getcolors(maxcolors=1 << 20)) > 50  # not a blank page


if __name__ == "__main__":
    problem = web.browser_missing()
    if problem:
        sys.exit(problem)
    with tempfile.TemporaryDirectory() as tmp:
        files = write_corpus(Path(tmp) / "corpus", changing=False)
        ingest(files, Path(tmp) / "store")
        with socket.socket() as s:  # the screenshots show the default port when it is free
            port = 8000 if s.connect_ex(("127.0.0.1", 8000)) else None
        with kg_serve(Path(tmp) / "store", "--texts", tmp, port=port) as url, web.chromium() as b:
            for png in screenshots(url, report_keys(Path(tmp) / "store"), b, ROOT / "docs"):
                print(f"wrote {png.relative_to(ROOT)}")
