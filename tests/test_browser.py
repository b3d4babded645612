"""The web page in a real browser: headless Chromium (Debian's `chromium` package) driven by
Playwright for Python with `executable_path` (no browser download).

Type a query, see results with a marked snippet, open the partners panel, follow a source
link, save a screenshot. The screenshot's path is printed; set GFMD_SCREENSHOT=path to also
copy it there (docs/screenshot.png is made that way).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import LiveServer
from gfmd_search_api.main import create_app

CHROMIUM = os.environ.get("GFMD_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"no Chromium at {CHROMIUM}: `apt-get install -y chromium` (or set GFMD_CHROMIUM)",
)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the Python package only)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(sample_engine):
    with LiveServer(create_app(sample_engine)) as s:
        yield s


def _watch(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    # Nothing may be requested from anywhere but the app (no CDN, no fonts, no trackers).
    page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else errors.append(f"external request: {r.url}"))
    return errors


def test_search_partners_and_source_link(browser, server, tmp_path):
    context = browser.new_context(viewport={"width": 1360, "height": 1000}, device_scale_factor=1)
    page = context.new_page()
    errors = _watch(page)
    page.goto(f"{server.url}/")
    page.locator("#type option").nth(1).wait_for(state="attached")  # the filters came from /stats

    # Type a query and see results with a marked snippet.
    page.fill("#q", "skills partnerships for migrant workers")
    page.press("#q", "Enter")
    page.wait_for_selector("#hits .hit .hit__snippet mark")
    hits = page.locator("#hits .hit")
    assert hits.count() == 10
    first = hits.first
    assert first.locator(".hit__title").inner_text().strip()
    meta = first.locator(".hit__meta").inner_text()
    assert "p. " in meta
    assert "passages for" in page.locator("#status").inner_text()
    assert "q=skills+partnerships" in page.url  # the search is in the address: shareable, back button works

    # Open the partners panel for the same text.
    page.click("#partners-toggle")
    page.wait_for_selector("#partners:not([hidden])")
    assert page.get_attribute("#partners-toggle", "aria-expanded") == "true"
    # (locators, not wait_for_function: the page's CSP forbids evaluating strings, rightly)
    page.locator("#partner-list .partner").first.wait_for()
    card = page.locator("#partner-list .partner").first
    assert card.locator(".partner__name").inner_text().strip()
    card.locator("summary").click()
    evidence = card.locator(".evidence li").first
    evidence.wait_for()
    assert evidence.locator(".evidence__where").inner_text().strip()

    shot = tmp_path / "search-page.png"
    page.screenshot(path=str(shot), full_page=False)
    print(f"\nscreenshot: {shot}")
    if os.environ.get("GFMD_SCREENSHOT"):
        target = Path(os.environ["GFMD_SCREENSHOT"])
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)
        print(f"screenshot copied to {target}")

    # Show a related-passages list (GET /documents/{id}/similar) on the first hit.
    first.locator(".hit__related").click()
    first.locator(".hit__related-list .related li").first.wait_for()

    # Follow a source link: it opens the file at the passage's page in a new tab.
    link = page.locator("#hits .hit a.hit__open").first  # practices are records: they link to their source
    href = link.get_attribute("href")
    assert href.startswith("/files/")
    with context.expect_page() as popup_info:
        link.click()
    popup = popup_info.value
    popup.wait_for_load_state()
    assert popup.url.startswith(f"{server.url}/files/")
    response = context.request.get(f"{server.url}{href.split('#')[0]}")
    assert response.ok and len(response.body()) > 100
    if not href.split("#")[0].endswith(".pdf"):
        assert popup.locator("body").inner_text().strip()
    popup.close()

    assert not errors, errors
    context.close()


def test_errors_are_shown_in_the_page(browser, server):
    page = browser.new_page()
    errors = _watch(page)
    page.goto(f"{server.url}/?q={'x' * 2001}")
    page.wait_for_selector("#status.status--error")
    assert "2,000" in page.locator("#status").inner_text()
    errors[:] = [e for e in errors if "422" not in e]
    assert not errors, errors
    page.close()


def test_page_works_on_a_phone(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{server.url}/?q=remittances&mode=bm25")
    page.wait_for_selector("#hits .hit mark")
    assert page.is_checked("#mode-bm25")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    context.close()


def test_examples_filters_and_history(browser, server):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors = _watch(page)
    page.goto(f"{server.url}/")
    page.locator("#type option").nth(1).wait_for(state="attached")
    page.click("#examples .chip >> nth=1")  # an example search, one click
    page.wait_for_selector("#hits .hit mark")
    first_query = page.input_value("#q")
    assert first_query and "q=" in page.url

    page.check("#mode-bm25", force=True)  # the radio is visually hidden behind its label
    page.wait_for_url("**mode=bm25**")
    page.select_option("#type", "meeting record")
    page.wait_for_url("**type=meeting+record**")
    page.locator("#hits .hit").first.wait_for()
    assert all(t == "meeting record" for t in page.locator("#hits .hit .tag").all_inner_texts())

    page.fill("#q", "qqqzzzxxy")
    page.press("#q", "Enter")
    page.wait_for_selector("#hits .empty")  # a clear "nothing found" with advice

    page.go_back()
    page.locator("#hits .hit").first.wait_for()
    assert page.input_value("#q") == first_query
    assert not errors, errors
    page.close()


def test_facets_narrow_the_results_and_active_filters_can_be_removed(browser, server):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors = _watch(page)
    page.goto(f"{server.url}/?q=circular+migration+of+workers&group=1")
    page.wait_for_selector("#hits .hit")
    country = page.locator("#facets .facet[data-facet=country]")
    country.wait_for()
    first = country.locator(".facet__value").first
    value = first.get_attribute("data-value")
    count = int(first.locator(".facet__count").inner_text())
    assert value and count >= 1
    assert page.locator("#facets .facet[data-facet=theme] .facet__value").count() >= 1
    assert page.is_hidden("#active-filters")

    first.click()  # narrow to that country
    page.wait_for_url("**where=country**")
    chip = page.locator("#active-filters .chip--active")
    chip.wait_for()
    assert value in chip.inner_text()
    page.locator("#hits .hit").first.wait_for()
    hits = page.locator("#hits .hit")
    # filters act before ranking, so every document the facet counted is still found (one hit each, up to k)
    assert hits.count() >= min(count, 10)
    countries = [hits.nth(i).locator(".hit__facet[data-facet=country]").get_attribute("title") for i in range(hits.count())]
    assert all(value in c.split(", ") for c in countries), countries
    assert page.locator("#facets .facet__value[data-facet=country]").evaluate_all(
        "(nodes) => nodes.map((n) => n.dataset.value)").count(value) == 0  # the chosen value is not offered again

    chip.click()  # remove the filter
    page.wait_for_selector("#active-filters", state="hidden")
    assert "where=" not in page.url
    page.locator("#hits .hit").first.wait_for()
    assert page.locator("#hits .hit").count() == 10
    assert not errors, errors
    page.close()
