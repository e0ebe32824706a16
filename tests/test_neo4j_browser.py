"""Neo4j Browser from the bundled server, in headless Chromium (/usr/bin/chromium) driven by Playwright.

The page is loaded with every request that leaves the machine aborted and
recorded: it must load, log in, open the saved-queries guide and run a saved
query without any. In CI (CI=true) these tests run, never skip.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from neo4j_fixture import wait_for_login

from kg.ingest import ingest
from kg.stores.neo4j import Neo4jStore

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "nghean-skhcn-cchc-2023.ocr.txt"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is not installed (scripts/setup-system.sh installs it)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
                                     headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def example_in_neo4j(neo4j_uri, neo4j_auth):
    store = Neo4jStore(neo4j_uri, *neo4j_auth)
    store.clear()
    ingest([EXAMPLE], [store])
    yield
    store.close()


class Page:
    """A Browser tab on the bundled server; requests leaving 127.0.0.1 are aborted and kept in ``outside``."""

    def __init__(self, browser, base: str):
        self.outside: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.page.route("**/*", self._route)
        self.page.goto(f"{base}/browser/")
        self.page.locator("input[data-testid=username]").wait_for(timeout=60_000)  # the login form

    def _route(self, route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1:", "http://localhost:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def log_in(self, user: str, password: str) -> None:
        self.page.fill("input[data-testid=username]", user)
        self.page.fill("input[data-testid=password]", password)
        self.page.click("button[data-testid=connect]")

    def wait_for_guide(self) -> None:
        """After connecting, the Browser loads the style, then opens the saved queries' guide."""
        self.page.get_by_text("legal-kg: saved queries").first.wait_for(timeout=60_000)

    def run(self, query: str) -> None:
        editor = self.page.locator(".monaco-editor textarea").first
        editor.click()
        self.page.keyboard.insert_text(query)
        self.page.click("button[data-testid=editor-Run]")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_browser_loads_offline_logs_in_and_runs_a_saved_query_from_the_guide(
        browser, neo4j_browser, neo4j_auth, example_in_neo4j, host):
    tab = Page(browser, neo4j_browser.replace("127.0.0.1", host))
    page = tab.page
    tab.log_in(*neo4j_auth)
    tab.wait_for_guide()
    for name in ("amendment-chain", "most-cited", "reports-citing"):
        assert page.get_by_text(name, exact=True).count() or page.locator("b", has_text=name).count()
    for _ in range(10):
        if page.locator("h3", has_text="most-cited").first.is_visible():
            break
        page.get_by_text("Next", exact=True).click()
    page.locator("pre.runnable").first.click()  # puts the query into the editor
    page.click("button[data-testid=editor-Run]")
    # The table of most-cited on the example: 60/2021/NĐ-CP is cited twice by the one report.
    page.get_by_text('"60/2021/NĐ-CP"').first.wait_for(timeout=60_000)
    assert tab.outside == []
    page.close()


def test_browser_captions_instruments_by_symbol(browser, neo4j_browser, neo4j_auth, example_in_neo4j):
    tab = Page(browser, neo4j_browser)
    page = tab.page
    tab.log_in(*neo4j_auth)
    tab.wait_for_guide()
    tab.run("MATCH (i:Instrument {symbol: '115/2005/NĐ-CP'}) RETURN i")
    caption = page.locator("svg text", has_text="115/2005/NĐ-CP")
    caption.first.wait_for(timeout=60_000)
    assert tab.outside == []
    page.close()


def test_browser_refuses_wrong_credentials(browser, neo4j_browser, neo4j_uri, neo4j_auth):
    tab = Page(browser, neo4j_browser)
    page = tab.page
    tab.log_in(neo4j_auth[0], "not-the-password")
    try:
        page.get_by_text("unauthorized", exact=False).first.wait_for(timeout=60_000)
        assert page.get_by_text("legal-kg: saved queries").count() == 0
        assert tab.outside == []
    finally:
        page.close()
        wait_for_login(neo4j_uri, neo4j_auth)
