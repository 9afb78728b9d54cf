"""The HTML report in a real browser (headless Debian chromium): drawn charts, no console
errors, no network, and a print to a few A4 pages."""

from __future__ import annotations

import re

import pytest
from backbeat.report.data import Filters, build
from backbeat.report.facts import open_facts
from backbeat.report.html import render
from chromium import Chromium, find, ink
from test_report_terminal import TODAY, WEEKDAYS, make_store

BROWSER = find()
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no chromium on PATH (Debian: apt-get install chromium)")

FIGURE_BOXES = """JSON.stringify([...document.querySelectorAll('figure')].map(f => {
    const r = f.querySelector('svg').getBoundingClientRect();
    return {id: f.id, x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height};
}))"""


@pytest.fixture(scope="module")
def opened(tmp_path_factory):
    directory = tmp_path_factory.mktemp("browser")
    with open_facts(make_store(directory / "crafted.db")) as db:
        page = render(build(db, Filters(), TODAY, {"core-stability": WEEKDAYS}))
    path = directory / "report.html"
    path.write_text(page, encoding="utf-8")
    with Chromium(BROWSER) as browser:
        browser.open(path.as_uri())
        yield browser, path


def test_no_console_errors_and_no_request_but_the_file(opened):
    browser, path = opened
    assert browser.console_errors() == []
    assert browser.requests() == [path.as_uri()]


def test_every_chart_is_drawn(opened, tmp_path):
    import json

    browser, _ = opened
    png = browser.screenshot()
    (tmp_path / "report.png").write_bytes(png)
    boxes = json.loads(browser.evaluate(FIGURE_BOXES))
    assert [b["id"] for b in boxes] == ["calendar", "holds", "sides", "pain"]
    for box in boxes:
        assert box["width"] > 100 and box["height"] > 50, box
        assert ink(png, box) > 0.03, box["id"]
    # And the page around the charts is blank where nothing is drawn.
    assert ink(png, {"x": 0, "y": 0, "width": 20, "height": 400}) == 0.0


def test_prints_to_a_few_a4_pages(opened):
    browser, _ = opened
    pdf = browser.pdf()
    pages = re.findall(rb"/Type\s*/Page(?!s)", pdf)
    assert 1 <= len(pages) <= 4
    boxes = {tuple(round(float(v)) for v in box.split())
             for box in re.findall(rb"/MediaBox\s*\[([^\]]+)\]", pdf)}
    assert boxes == {(0, 0, 595, 842)}  # A4: 210 x 297 mm in points
