"""The HTML report: one self-contained file, each chart a figure with words and a data table,
the same bytes for the same data."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from html.parser import HTMLParser

import pytest
from backbeat.report.data import Filters, build
from backbeat.report.facts import open_facts
from backbeat.report.html import render
from test_report_terminal import TODAY, WEEKDAYS, make_store


class Page(HTMLParser):
    """The tags, attributes and figures of a page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.figures: list[dict[str, object]] = []
        self._in: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "figure":
            self.figures.append({"id": a["id"], "tags": [], "caption": ""})
        elif self.figures and "figure" in self._in:
            self.figures[-1]["tags"].append((tag, a))
        self._in.append(tag)

    def handle_endtag(self, tag):
        while self._in and self._in.pop() != tag:
            pass

    def handle_data(self, data):
        if self._in and self._in[-1] == "figcaption":
            self.figures[-1]["caption"] += data


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    path = make_store(tmp_path_factory.mktemp("html") / "crafted.db")
    with open_facts(path) as db:
        return render(build(db, Filters(), TODAY, {"core-stability": WEEKDAYS}))


def test_render__every_chart_is_a_figure_with_words_an_svg_and_a_table(page):
    figures = Page(page).figures
    assert [f["id"] for f in figures] == ["calendar", "holds", "sides", "pain"]
    for f in figures:
        tags = [t for t, _ in f["tags"]]
        assert tags.count("svg") == 1 and "table" in tags and "caption" in tags
        (svg,) = [a for t, a in f["tags"] if t == "svg"]
        assert svg["role"] == "img" and svg["aria-labelledby"] == f"{f['id']}-alt"
        assert ("p", {"id": f"{f['id']}-alt", "class": "note"}) in f["tags"]
    assert [f["caption"] for f in figures] == [
        "Adherence calendar, 2026-11-30 to 2026-12-04", "Open holds: best time held by day",
        "Mean time a side, and left:right (1.0 is even)",
        "Pain by day (mean of each session's highest answer, 0 to 10)"]


def test_render__the_words_say_what_the_charts_show(page):
    assert ('<p id="sides-alt" class="note">Side plank: right side behind (left:right 1.20).'
            in page)
    assert "Side plank: best 20s in the first day, 25s in the last, target 20s." in page
    assert "Bird dog: 3.0 at first, 0.0 lately, highest 3." in page
    assert "Kept in full: 4 of 5 days with something due." in page


def test_render__data_tables(page):
    assert ("<tr><td>week of 2026-11-30</td><td class=\"n\">1 of 1</td><td class=\"n\">0 of 1"
            "</td><td class=\"n\">1 of 1</td><td class=\"n\">1 of 1</td><td class=\"n\">1 of 1"
            "</td><td class=\"n\"></td><td class=\"n\"></td></tr>") in page
    assert ('<tr><td>Side plank</td><td class="n">22.8s</td><td class="n">19s</td>'
            '<td class="n">1.20</td><td><span class="flag">right behind</span></td></tr>') in page
    assert ('<tr><td>core-stability</td><td>Side plank</td><td class="n">2</td>'
            "<td>2026-12-04</td><td>1 from 2026-12-02 to 2026-12-03, 0 from 2026-11-30 to "
            "2026-12-01</td><td></td></tr>") in page


def test_render__nothing_from_outside(page):
    tags = Page(page).tags
    assert not [t for t, _ in tags if t in ("script", "link", "img", "iframe", "object")]
    assert not [a for _, a in tags if "src" in a or ("href" in a)]
    assert not re.search(r"https?:|url\([^#]|@import|@font-face", re.sub(
        r'xmlns(:\w+)?="[^"]*"', "", page))


def test_render__prints_on_a4(page):
    assert "@page { size: A4;" in page
    assert "@media print" in page


def test_render__svg_text_stays_text_and_carries_no_date(page):
    assert "<text" in page and "Mon" in page  # svg.fonttype none: labels are text
    assert "dc:date" not in page and "<metadata" not in page


def test_render__the_same_bytes_in_another_process(page, tmp_path):
    path = make_store(tmp_path / "again.db")
    code = "\n".join([
        "import sys, pathlib",
        "sys.path.insert(0, 'tests')",
        "from test_report_terminal import TODAY, WEEKDAYS",
        "from backbeat.report.data import Filters, build",
        "from backbeat.report.facts import open_facts",
        "from backbeat.report.html import render",
        f"with open_facts(pathlib.Path({str(path)!r})) as db:",
        "    sys.stdout.write(render(build(db, Filters(), TODAY, {'core-stability': WEEKDAYS})))"])
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert other.stderr == ""
    assert other.stdout == page


def test_render__no_sessions_says_so(tmp_path):
    from reportstore import CraftedFacts

    s = CraftedFacts(tmp_path / "empty.db")
    s.close()
    with open_facts(s.path) as db:
        text = render(build(db, Filters(), date(2026, 12, 4), {}))
    assert '<p class="note">No sessions in this range.</p>' in text
    assert "<figure" not in text
    assert "no adherence to show" in text


def test_render__the_next_level_the_plan_gives(tmp_path):
    path = make_store(tmp_path / "crafted.db")
    plans = {("core-stability", "Side plank"): (3, "hold 25s a side",
                                                "3 clean sessions on Dec 2, 3, 4 & <5>")}
    with open_facts(path) as db:
        page = render(build(db, Filters(), TODAY, {}, plans))
    assert ("<td>3, hold 25s a side (3 clean sessions on Dec 2, 3, 4 &amp; &lt;5&gt;)</td>"
            "</tr>") in page
    assert '<td class="n">0</td><td>2026-11-30</td><td></td><td></td></tr>' in page  # Bird dog
