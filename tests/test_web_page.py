"""The SPARQL page at ``/`` (kg/web): YASGUI in a real headless Chromium against a
real ``kg serve`` over a store built by ingesting the bundled example.

The browser is Debian's chromium driven by the ``playwright`` Python package
(no browser download, no network). Skipped when either is missing, except in
CI (CI=true), where they must be there (scripts/setup.sh installs both).
Run as a script to regenerate the README's screenshot::

    .venv/bin/python tests/test_web_page.py   # writes docs/sparql-page.png
"""
from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
import uvicorn
from bs4 import BeautifulSoup
from click.testing import CliRunner
from starlette.applications import Starlette

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # when run as a script

from kg.cli import main  # noqa: E402
from kg.iris import PREFIXES  # noqa: E402
from kg.web import CONTENT_SECURITY_POLICY, default_query, routes  # noqa: E402

EXAMPLE = ROOT / "examples" / "nghean-skhcn-cchc-2023.ocr.txt"
SAVED = sorted(path.stem for path in (ROOT / "queries").glob("*.rq"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"]
ACTIVE = ".tabPanel.active"
SYMBOLS = f"PREFIX eli: <{PREFIXES['eli']}>\nSELECT DISTINCT ?symbol WHERE {{ ?i eli:id_local ?symbol }}\n"
# Collects what a page must not do: console errors, uncaught exceptions, CSP violations.
WATCH = """
window.__problems = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__problems.push(`CSP ${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`));
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {process.stderr.read()}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout} s")
        time.sleep(0.1)


def ingest_example(store: Path) -> None:
    result = CliRunner().invoke(main, ["ingest", str(EXAMPLE), "--store", str(store)])
    assert result.exit_code == 0, result.output


@contextmanager
def kg_serve(store: Path, port: int | None = None, options: tuple[str, ...] = ("--workers", "1")):
    """``kg serve`` in its own process on a loopback port (a free one by default); yields its base URL."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--store", str(store), "--port", str(port), *options],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/sparql", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def page_only_server(port: int, **options):
    """Just the page (``kg.web.routes(**options)``) under uvicorn on ``port``."""
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=routes(**options)), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "page server did not start"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


def kg_csv(store: Path, *args: str) -> list[list[str]]:
    """Rows of ``kg sparql … --format csv`` (header first)."""
    result = CliRunner().invoke(main, ["sparql", *args, "--store", str(store), "--format", "csv"])
    assert result.exit_code == 0, result.output
    return list(csv.reader(io.StringIO(result.output)))


# --- fixtures ---------------------------------------------------------------


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("web") / "store"
    ingest_example(path)
    return path


@pytest.fixture(scope="module")
def server(store):
    with kg_serve(store) as base:
        yield base


def browser_missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is not installed (scripts/setup-system.sh installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (scripts/setup.sh installs it)"
    return None


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def browser():
    missing = browser_missing()
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    with chromium() as b:
        yield b


class Watched:
    """A page in a fresh browser context (its own localStorage) and what went wrong on it."""

    def __init__(self, browser, origin: str):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        self.page = self.context.new_page()
        self.origin = origin
        self.problems: list[str] = []
        self.page.add_init_script(WATCH)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))
        self.page.on("request", self._request)

    def _console(self, message) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("data", "blob") and f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.problems.append(f"request off the server: {request.url}")

    def all_problems(self) -> list[str]:
        # The page's own list does not survive a navigation; read it last.
        return self.problems + self.page.evaluate("window.__problems || []")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser, server):
    w = Watched(browser, server)
    yield w
    w.close()


# --- driving the page ---------------------------------------------------------


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => window.yasgui && window.yasgui.persistentConfig")


def tab_names(page) -> list[str]:
    return page.locator(".tabsList .tab a > span").all_inner_texts()


def editor_text(page) -> str:
    return page.evaluate("yasgui.getTab().getQuery()")


def run_active_tab(page) -> None:
    """Run the shown tab's query and wait until its answer is drawn."""
    page.evaluate("""() => {
        window.__drawn = false;
        yasgui.getTab().getYasr().once("drawn", () => { window.__drawn = true; });
    }""")
    page.locator(f"{ACTIVE} .yasqe_queryButton").click()
    page.wait_for_function("() => window.__drawn")


def wait_for_results(page) -> None:
    """On a freshly opened page: wait until a results table is there."""
    page.wait_for_selector(f"{ACTIVE} .yasr .dt-info")


def result_count(page) -> int:
    """Rows in the answer the page received."""
    return page.evaluate("yasgui.getTab().getYasr().results.getBindings().length")


def column(page, index: int) -> list[str]:
    """The shown cells of column ``index`` (1 = the first variable; 0 is the row number)."""
    return [text.strip() for text in page.locator(f"{ACTIVE} .yasr table tbody tr td:nth-child({index + 1})")
            .all_inner_texts()]


def sort_by(page, name: str, direction: str) -> None:
    """Click column ``name``'s header until it sorts ``ascending`` or ``descending``
    (DataTables cycles ascending, descending, unsorted)."""
    header = page.locator(f"{ACTIVE} .yasr table thead th").filter(has_text=name)
    for _ in range(3):
        before = header.get_attribute("aria-sort")
        if before == direction:
            return
        header.click()
        page.wait_for_function("([h, b]) => h.getAttribute('aria-sort') !== b", arg=[header.element_handle(), before])
    raise AssertionError(f"column {name} does not sort {direction}")


# --- the HTTP side, no browser ---------------------------------------------------


def test_page_headers_and_markup(server):
    r = httpx.get(server + "/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["x-content-type-options"] == "nosniff"
    csp = r.headers["content-security-policy"]
    assert csp == CONTENT_SECURITY_POLICY
    assert "unsafe" not in csp and "script-src 'self';" in csp and "default-src 'none'" in csp
    soup = BeautifulSoup(r.text, "html.parser")
    scripts = soup.find_all("script")
    assert [s.get("src", "").split("?")[0] for s in scripts] == [
        "", "static/vendor/yasgui.min.js", "static/page.js"]
    assert scripts[0]["type"] == "application/json"  # data, not code
    assert not soup.find_all("style") and not soup.select("[style]")
    assert not [tag for tag in soup.find_all(True) if any(a.startswith("on") for a in tag.attrs)]
    for tag in soup.find_all(["script", "link"]):  # nothing from another site
        url = tag.get("src") or tag.get("href")
        assert url is None or not urlsplit(url).netloc


def test_static_assets_are_cached_for_long(server):
    page = BeautifulSoup(httpx.get(server + "/").text, "html.parser")
    url = server + "/" + page.find("script", src=lambda s: s and "yasgui.min.js" in s)["src"]
    r = httpx.get(url, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-security-policy"] == "default-src 'none'"
    assert b"Yasgui" in r.content  # httpx decoded it
    plain = httpx.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == r.content
    # The same file under another version asks again; a known ETag gets 304.
    other = httpx.get(url.split("?")[0] + "?v=old")
    assert other.headers["cache-control"] == "no-cache"
    again = httpx.get(url, headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and not again.content
    css = httpx.get(server + "/static/page.css")
    assert css.headers["content-type"] == "text/css; charset=utf-8"


@pytest.mark.parametrize("path", [
    "/static/nope.js", "/static/%2e%2e/server.py", "/static/..%2f__init__.py",
    "/static/vendor", "/static/", "/static/page.html",
])
def test_static_serves_only_its_files(server, path):
    r = httpx.get(server + path)
    assert r.status_code == 404 and r.headers["x-content-type-options"] == "nosniff"


def test_page_without_its_assets_says_what_to_run(tmp_path):
    port = free_port()
    with page_only_server(port, static=tmp_path) as base:
        r = httpx.get(base + "/")
    assert r.status_code == 503
    assert "vendor/yasgui.min.js" in r.text and "scripts/setup.sh" in r.text


def test_default_query_is_cheap():
    """LIMIT, and nothing that reads the whole store first (ORDER BY, GROUP BY, DISTINCT)."""
    from rdflib.plugins.sparql import algebra
    from rdflib.plugins.sparql.parser import parseQuery

    query = algebra.translateQuery(parseQuery(default_query()))
    top = query.algebra.p
    assert top.name == "Slice" and 0 < top.length <= 1000

    def names(node):
        if hasattr(node, "name"):
            yield node.name
        if isinstance(node, dict):
            for value in node.values():
                yield from names(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                yield from names(value)

    assert not {"OrderBy", "Group", "AggregateJoin", "Distinct", "Reduced"} & set(names(query.algebra))


# --- in the browser ------------------------------------------------------------


def test_page_loads_clean_and_runs_its_default_query(watched, server, store):
    page = watched.page
    open_page(page, server + "/")
    assert tab_names(page) == ["Query", *SAVED]
    assert editor_text(page) == default_query()
    run_active_tab(page)
    expected = kg_csv(store, default_query())
    assert result_count(page) == len(expected) - 1 == 1
    assert column(page, 2) == [expected[1][1]]  # the report's file
    assert watched.all_problems() == []


@pytest.mark.parametrize("name", SAVED)
def test_saved_query_tab_runs_and_shows_rows(watched, server, store, name):
    page = watched.page
    open_page(page, server + "/")
    page.locator(".tabsList .tab a").filter(has_text=name).click()
    assert editor_text(page) == (ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    run_active_tab(page)
    expected = kg_csv(store, name)
    assert result_count(page) == len(expected) - 1
    shown = page.locator(f"{ACTIVE} .yasr table thead th").all_inner_texts()
    assert [h.strip() for h in shown[1:]] == expected[0]
    if len(expected) > 1:  # the bundled example has no report date: that query has no rows
        assert column(page, 1)[: len(expected) - 1] == [row[0] for row in expected[1:51]]
    assert watched.all_problems() == []


def test_query_link_opens_and_runs_the_query(watched, browser, server, store):
    query = SYMBOLS + "ORDER BY ?symbol LIMIT 3"
    page = watched.page
    open_page(page, server + "/?" + urlencode({"query": query}))
    assert editor_text(page) == query
    wait_for_results(page)  # run on opening, no click
    assert column(page, 1) == [row[0] for row in kg_csv(store, query)[1:]]
    # The share button gives such a link, for what the editor holds now.
    page.locator(f"{ACTIVE} .yasqe_share").click()
    link = page.locator(".yasqe_sharePopup input").input_value()
    assert link == server + "/?" + urlencode({"query": query})
    other = Watched(browser, server)  # someone else, who has never been here
    try:
        open_page(other.page, link)
        wait_for_results(other.page)
        assert column(other.page, 1) == column(page, 1)
        assert other.all_problems() == []
    finally:
        other.close()
    assert watched.all_problems() == []


def test_results_sort_page_and_download(watched, server, store):
    page = watched.page
    open_page(page, server + "/")
    page.locator(".tabsList .tab a").filter(has_text="most-cited").click()
    run_active_tab(page)
    symbols = column(page, 1)
    # As people sort numbered symbols: 16/… before 115/…, 1053/… (DataTables' string order).
    collated = page.evaluate("xs => [...xs].sort(new Intl.Collator(undefined, {numeric: true}).compare)", symbols)
    assert collated != symbols  # the answer's own order (by reports) is another
    sort_by(page, "symbol", "ascending")
    assert column(page, 1) == collated
    sort_by(page, "symbol", "descending")
    assert column(page, 1) == collated[::-1]
    sort_by(page, "mentions", "descending")
    mentions = [int(cell.split('"')[1]) for cell in column(page, 3)]  # "2"^^xsd:integer
    assert mentions == sorted(mentions, reverse=True) and mentions[0] > mentions[-1]

    # Columns resize by dragging their edge (YASR's resizer styles the cursor meanwhile).
    grip = page.locator(f"{ACTIVE} .grip-handle").first.bounding_box()
    width = page.locator(f"{ACTIVE} .yasr table thead th").nth(1).bounding_box()["width"]
    page.mouse.move(grip["x"] + grip["width"] / 2, grip["y"] + 5)
    page.mouse.down()
    page.mouse.move(grip["x"] + 80, grip["y"] + 5, steps=5)
    page.mouse.up()
    assert page.locator(f"{ACTIVE} .yasr table thead th").nth(1).bounding_box()["width"] != width

    # Download: the table as CSV.
    with page.expect_download() as info:
        page.locator(f"{ACTIVE} .yasr_downloadIcon").click()
    downloaded = list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    expected = kg_csv(store, "most-cited")
    assert downloaded[0] == expected[0] and sorted(downloaded[1:]) == sorted(expected[1:])

    # Paging: 120 triples, 50 a page.
    page.evaluate("q => yasgui.getTab().getYasqe().setValue(q)", "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 120")
    run_active_tab(page)
    assert result_count(page) == 120 and len(column(page, 0)) == 50
    page.locator(f"{ACTIVE} .dt-paging button.next").click()
    assert column(page, 0) == [str(n) for n in range(51, 101)]
    assert watched.all_problems() == []


def test_saved_tabs_come_back_and_follow_updates_unless_edited(browser, tmp_path):
    """Closed saved tabs return; a saved query updated on the server replaces the
    tab's text unless the user edited it. (Two page-only servers on one origin.)"""
    one, two = tmp_path / "one", tmp_path / "two"
    for directory, version in ((one, 1), (two, 2)):
        directory.mkdir()
        for name in ("alpha", "beta"):
            (directory / f"{name}.rq").write_text(f"# {name} v{version}\nASK {{}}\n", encoding="utf-8")
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    w = Watched(browser, origin)
    page = w.page
    try:
        with page_only_server(port, queries=one):
            open_page(page, origin + "/")
            assert tab_names(page) == ["Query", "alpha", "beta"]
            page.locator(".tabsList .tab a").filter(has_text="beta").click()
            page.locator(f"{ACTIVE} .CodeMirror").click()
            page.keyboard.press("Control+End")
            page.keyboard.type("# mine\n")
            page.locator(".tabsList .tab a").filter(has_text="alpha").locator(".closeTab").click()
            assert tab_names(page) == ["Query", "beta"]
            open_page(page, origin + "/")
            assert tab_names(page) == ["Query", "beta", "alpha"]
        with page_only_server(port, queries=two):
            open_page(page, origin + "/")
            assert tab_names(page) == ["Query", "beta", "alpha"]
            texts = page.evaluate(
                "yasgui.persistentConfig.getTabs().map(id => yasgui.persistentConfig.getTab(id).yasqe.value)")
            assert texts[1:] == ["# beta v1\nASK {}\n# mine\n", "# alpha v2\nASK {}\n"]
        assert w.all_problems() == []
    finally:
        w.close()


def screenshot(base: str, png: Path, browser) -> None:
    """The page as a new visitor sees it after running most-cited."""
    w = Watched(browser, base)
    try:
        page = w.page
        page.set_viewport_size({"width": 1280, "height": 1000})
        open_page(page, base + "/")
        page.locator(".tabsList .tab a").filter(has_text="most-cited").click()
        run_active_tab(page)
        page.screenshot(path=str(png))
        assert w.all_problems() == []
    finally:
        w.close()


def test_screenshot(browser, server, tmp_path):
    from PIL import Image

    png = tmp_path / "page.png"
    screenshot(server, png, browser)
    with Image.open(png) as im:
        assert im.size == (1280, 1000)
        assert len(im.convert("RGB").getcolors(maxcolors=1 << 20)) > 50  # not a blank page


if __name__ == "__main__":
    problem = browser_missing()
    if problem:
        sys.exit(problem)
    with tempfile.TemporaryDirectory() as tmp:
        ingest_example(Path(tmp) / "store")
        with socket.socket() as s:  # the README shows the default port when it is free
            port = 8000 if s.connect_ex(("127.0.0.1", 8000)) else None
        with kg_serve(Path(tmp) / "store", port) as base, chromium() as b:
            screenshot(base, ROOT / "docs" / "sparql-page.png", b)
    print("wrote docs/sparql-page.png")
