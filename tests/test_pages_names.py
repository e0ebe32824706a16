"""Laws cited by name on the report and instrument pages (kg/pages), against a real ``kg serve``.

Three reports of one department, written for these tests (none is copied from the
shared corpus), ingested with ``kg ingest`` into an embedded store: the first
writes "Luật Đất đai số 31/2024/QH15" (it teaches the name), the second, of 2025,
cites "Luật Đất đai" by name only (resolved to 31/2024/QH15) beside two laws no
stored text names with a number, the third, of 2023, cites it before that law was
passed (no version in force: not resolved).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import rdflib

sys.path.insert(0, str(Path(__file__).resolve().parent))

import test_pages as pages  # noqa: E402  (its helpers; a module object, so its tests are not collected twice)
import test_web_page as web  # noqa: E402

from kg.pages import CONTENT_SECURITY_POLICY  # noqa: E402

HEAD = "UBND TỈNH ĐỒNG THÁP\nSỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG\nSố: {symbol}\nĐồng Tháp, ngày {date}\nBÁO CÁO\n"
TEXTS = {
    "teaches.txt": HEAD.format(symbol="214/BC-STNMT", date="15 tháng 10 năm 2024")
    + "Về việc rà soát hồ sơ giao đất ven sông Tiền\n\n"
      "Căn cứ Luật Đất đai số 31/2024/QH15 ngày 18 tháng 01 năm 2024 của Quốc hội;\n"
      "Sở đã rà soát 126 hồ sơ giao đất dọc bờ sông Tiền trong quý III và đề xuất thu hồi 9 hồ sơ.\n",
    "names.txt": HEAD.format(symbol="37/BC-STNMT", date="20 tháng 3 năm 2025")
    + "Về việc cấp giấy chứng nhận cho hộ nuôi cá tra\n\n"
      "Sở báo cáo kết quả quý I như sau.\n"
      "Trước tháng 6, các hộ nuôi cá tra ven sông được cấp giấy chứng nhận theo Luật Đất đai.\n"
      "Hồ sơ xin chuyển mục đích ao nuôi được xét theo Luat Dat dai.\n"
      "Việc cho thuê mặt nước ao hồ thực hiện theo Luật Thủy lợi và Bộ luật Dân sự năm 2015.\n",
    "before.txt": HEAD.format(symbol="88/BC-STNMT", date="4 tháng 7 năm 2023")
    + "Về việc kiểm kê đất bãi bồi\n\n"
      "Năm nay Sở kiểm kê đất bãi bồi theo Luật Đất đai và báo cáo Ủy ban nhân dân tỉnh.\n",
}
LAND_LAW = "instrument/vn/31-2024-qh15"
UNRESOLVED = "chưa xác định văn bản / not resolved"
browser = pages.browser  # the fixture: Debian's Chromium (a skip without it, a failure in CI)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("names") / "corpus"
    directory.mkdir()
    for name, text in TEXTS.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def keys(corpus) -> dict[str, str]:
    pages.ingest(corpus, corpus.parent / "store")
    return pages.report_keys(corpus.parent / "store")


@pytest.fixture(scope="module")
def server(corpus, keys):
    with pages.kg_serve(corpus.parent / "store", "--texts", str(corpus.parent)) as url:
        yield url


def marks_of(soup, text: str) -> list:
    """The name highlights of a report page, each checked to be exactly its span of ``text``."""
    marks = soup.select(".text .body mark.n")
    for mark in marks:
        start, end = map(int, mark["id"][1:].split("-"))
        assert text[start:end] == mark.get_text()
    return marks


def rows_of(soup) -> list[list[str]]:
    return [[" ".join(td.get_text().split()) for td in tr.select("td")] for tr in soup.select(".names tbody tr")]


def test_a_law_cited_by_name_is_highlighted_and_linked_to_the_instrument_it_resolves_to(server, keys):
    text = TEXTS["names.txt"]
    r = pages.get(server + f"report/{keys['names.txt']}.html")
    assert r.status_code == 200 and r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    soup = pages.BeautifulSoup(r.text, "html.parser")
    marks = marks_of(soup, text)
    assert [m.get_text() for m in marks] == ["Luật Đất đai", "Luat Dat dai", "Luật Thủy lợi", "Bộ luật Dân sự năm 2015"]
    land, ocr, water, civil = marks
    for mark in (land, ocr):  # the name as written, with or without its diacritics: one law
        assert mark["class"] == ["n"] and mark.a["href"] == server + LAND_LAW + ".html"
        assert mark["title"] == f"{mark.get_text()} → 31/2024/QH15"
    for mark in (water, civil):  # no stored text names them with a number: no link, and the page says so
        assert mark["class"] == ["n", "unresolved"] and mark.a is None and UNRESOLVED in mark["title"]
    assert soup.select_one(".text .body").get_text() == text  # the highlights add no text
    assert [m.get_text() for m in soup.select(".text .body mark.c")] == ["37/BC-STNMT"]  # its own, as before

    assert rows_of(soup) == [["Bộ luật Dân sự", "2015", UNRESOLVED, "1 lần"],  # by name, Đ with D
                             ["Luật Đất đai", "", "31/2024/QH15 Luật · 18/01/2024", "2 lần"],
                             ["Luật Thủy lợi", "", UNRESOLVED, "1 lần"]]
    land_row = soup.select(".names tbody tr")[1]
    assert land_row["class"] == ["resolved"] and land_row.select_one("td a")["href"] == server + LAND_LAW + ".html"
    anchor = land_row.select("td a")[-1]["href"]
    assert anchor == f"#n{land['id'][1:]}" and soup.select_one(anchor)  # to the first mention in the text
    assert [li.get_text(" ", strip=True) for li in soup.select(".cites li")] == []  # cited by number: nothing


def test_a_name_cited_before_any_law_of_that_name_is_not_resolved(server, keys):
    soup = pages.page(server + f"report/{keys['before.txt']}.html")
    [mark] = marks_of(soup, TEXTS["before.txt"])
    assert mark.get_text() == "Luật Đất đai" and mark.a is None and "unresolved" in mark["class"]
    assert rows_of(soup) == [["Luật Đất đai", "", UNRESOLVED, "1 lần"]]


def test_the_name_written_with_its_number_is_that_citation_not_a_name_mention(server, keys):
    soup = pages.page(server + f"report/{keys['teaches.txt']}.html")
    assert soup.select(".text .body mark.n") == [] and soup.select_one(".names") is None
    own, cited = soup.select(".text .body mark.c")  # its own symbol (the header), then the law
    assert own.get_text() == "214/BC-STNMT"
    assert cited.get_text() == "31/2024/QH15" and cited.a["href"] == server + LAND_LAW + ".html"


def test_the_instrument_page_tells_citing_by_name_from_citing_by_number(server, keys):
    soup = pages.page(server + LAND_LAW + ".html")
    by_number, by_name = soup.select_one("#cited-by"), soup.select_one("#cited-by-name")
    assert by_number.h2.get_text(" ", strip=True) == "Báo cáo trích dẫn Reports citing it (1)"
    assert [li.p.a.get_text() for li in by_number.select("ol > li")] == ["214/BC-STNMT"]
    assert by_name.h2.get_text(" ", strip=True) == "Báo cáo trích dẫn theo tên Reports citing it by name (1)"
    [report] = by_name.select("ol > li")
    assert report.p.a.get_text() == "37/BC-STNMT"
    quotes = report.select("blockquote")
    assert [q.mark.get_text() for q in quotes] == ["Luật Đất đai", "Luat Dat dai"]
    assert all(q.mark["class"] == ["n"] for q in quotes)
    assert quotes[0].get_text() == "Trước tháng 6, các hộ nuôi cá tra ven sông được cấp giấy chứng nhận theo Luật Đất đai"  # as the extractor cuts it
    start = TEXTS["names.txt"].index("Luật Đất đai")
    link = quotes[0].a["href"]
    assert link == f"{server}report/{keys['names.txt']}.html?hl={start}-{start + len('Luật Đất đai')}#hl"
    assert pages.page(link).select_one("#hl").get_text() == "Luật Đất đai"  # the place in the report
    r = pages.get(f"{server}report/{keys['names.txt']}/mention/{start}-{start + 12}")  # the name mention's IRI
    assert r.status_code == 303 and r.headers["location"] == link

    own = pages.page(server + f"report/{keys['teaches.txt']}.html").select_one(".properties p a")["href"]
    assert pages.page(own).select_one("#cited-by-name") is None  # no one cites the report's own symbol by name
    assert pages.get(server + LAND_LAW + ".html?named=abc").status_code == 200


def test_resolutions_are_in_the_reports_data_not_the_instruments(server, keys):
    """As mentions by number: a law cited by name in thousands of reports keeps a small document."""
    resolved, name_mention = rdflib.URIRef(pages.LKG + "resolvedTo"), rdflib.URIRef(pages.LKG + "NameMention")
    law = rdflib.URIRef(pages.DEFAULT_BASE + LAND_LAW)
    g = rdflib.Graph().parse(data=pages.get(server + LAND_LAW + ".ttl").text, format="turtle")
    assert (None, resolved, None) not in g and (None, rdflib.URIRef(pages.ELI + "cites"), law) in g
    report = rdflib.Graph().parse(data=pages.get(server + f"report/{keys['names.txt']}.ttl").text, format="turtle")
    assert len(set(report.subjects(rdflib.RDF.type, name_mention))) == 4
    spans = [(text.index(name), text.index(name) + len(name)) for text in [TEXTS["names.txt"]]
             for name in ("Luật Đất đai", "Luat Dat dai")]
    assert sorted(str(m).rsplit("/", 1)[1] for m in report.subjects(resolved, law)) == [f"{s}-{e}" for s, e in spans]
    before = rdflib.Graph().parse(data=pages.get(server + f"report/{keys['before.txt']}.ttl").text, format="turtle")
    assert len(set(before.subjects(rdflib.RDF.type, name_mention))) == 1 and (None, resolved, None) not in before


def test_every_link_of_the_name_pages_resolves(server, keys):
    seen = pages.crawl(server, [server + f"report/{key}.html" for key in keys.values()] + [server + LAND_LAW + ".html"])
    assert not {u: s for u, s in seen.items() if s >= 400} and server + LAND_LAW + ".html" in seen


def style(w: web.Watched, selector: str, *properties: str) -> list[str]:
    return w.page.evaluate("([s, ps]) => { const c = getComputedStyle(document.querySelector(s)); "
                           "return ps.map((p) => c.getPropertyValue(p)); }", [selector, list(properties)])


def test_names_are_visible_in_their_own_style_in_the_browser(browser, server, keys):
    w = web.Watched(browser, server.rstrip("/"))
    try:
        for name in ("before.txt", "teaches.txt", "names.txt"):
            assert w.page.goto(server + f"report/{keys[name]}.html").status == 200
            assert w.all_problems() == [] and w.page.locator("script").count() == 0
            if name == "teaches.txt":
                cited = style(w, ".text .body mark.c", "background-color")
        resolved = style(w, ".text .body mark.n:not(.unresolved)", "background-color", "border-bottom-style")
        unresolved = style(w, ".text .body mark.n.unresolved", "background-color", "border-bottom-style")
        assert resolved[1] == "solid" and unresolved[1] == "dashed"
        assert len({cited[0], resolved[0], unresolved[0]}) == 3  # three styles, none transparent
        assert "rgba(0, 0, 0, 0)" not in (cited[0], resolved[0], unresolved[0])
        assert w.page.locator(".text .body mark.n").first.is_visible()
        w.page.click(".text .body mark.n >> a")  # a name resolved: its instrument's page
        w.page.wait_for_url(server + LAND_LAW + ".html")
        assert w.page.locator("#cited-by-name blockquote mark.n").count() == 2
        assert w.page.locator("script").count() == 0
        assert w.all_problems() == []
    finally:
        w.close()


def test_highlights_never_nest_and_a_citation_wins_over_a_name():
    """The extractor ends a name before the next symbol; were a name to overlap one, the citation stays."""
    from kg.pages.data import Mention, NameCitation
    from kg.pages.views import Links, _text_marks

    links = Links("http://127.0.0.1/", [pages.DEFAULT_BASE])
    law = pages.DEFAULT_BASE + LAND_LAW
    cited = [Mention("r", 10, 20, law), Mention("r", 40, 50, law)]
    names = [NameCitation("r", s, e, "x" * (e - s), "Luật X", "luat x") for s, e in
             [(0, 10), (5, 12), (18, 25), (20, 30), (30, 41), (45, 48), (50, 60)]]
    spans = [(s, e, opening.split('"')[1].split()[0]) for s, e, opening, _ in _text_marks(links, cited, names)]
    assert spans == [(0, 10, "n"), (10, 20, "c"), (20, 30, "n"), (40, 50, "c"), (50, 60, "n")]
