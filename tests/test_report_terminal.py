"""The terminal report: exact text when piped (no colour codes, 80 columns), colour and bars
on a terminal."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from datetime import date, datetime

import pytest
from backbeat.report.data import Filters, build
from backbeat.report.facts import open_facts
from backbeat.report.terminal import bar, print_report, spark
from backbeat.routine.model import Due
from reportstore import CraftedFacts, hold, real_store

TODAY = date(2026, 12, 4)


WEEKDAYS = Due(days=(0, 1, 2, 3, 4), text="weekdays")


@pytest.fixture
def store(tmp_path):
    return make_store(tmp_path / "crafted.db")


@pytest.fixture
def real(tmp_path, monkeypatch):
    """A store as sync fills it (the report's cache beside it): Dec 2 and 3 done, Dec 4
    stopped."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return real_store(tmp_path / "store.db", (datetime(2026, 12, 2, 8, 5),
                                              datetime(2026, 12, 3, 8, 5)),
                      stopped=(datetime(2026, 12, 4, 8, 5),))


def make_store(path):
    """Four days of core-stability, the right side behind and levels going up; a stop."""
    s = CraftedFacts(path)
    for day, left, right, pain, level in ((30, 20, 17, 3, 0), (2, 22, 18, 2, 1),
                                          (3, 24, 20, 1, 1), (4, 25, 21, 0, 2)):
        month = 11 if day == 30 else 12
        s.session("core-stability", datetime(2026, month, day, 8, 5), [
            hold("Side plank", left, side="left", kind="hold_open", planned=20, level=level),
            hold("Side plank", right, side="right", kind="hold_open", planned=20, level=level),
            hold("Bird dog", 10, side="left", pain=pain),
            hold("Bird dog", 10, side="right")])
    s.session("core-stability", datetime(2026, 12, 1, 8, 5), [
        hold("Side plank", 5, side="left", kind="hold_open", outcome="stopped", planned=20)],
        ending="stopped")
    s.close()
    return s.path


def text_of(path, schedules=None) -> str:
    out = io.StringIO()
    with open_facts(path) as db:
        print_report(build(db, Filters(), TODAY, schedules or {}), out)
    return out.getvalue()


EXPECTED = """\
backbeat report: 2026-11-30 to 2026-12-04 (5 days)
5 sessions, 4 completed

Adherence
routine         due       this week       last 30 days    streak
core-stability  weekdays  ██████▍   80 %  ██████▍   80 %  3 days

Exercises
Side plank  (core-stability)
  level 2 since 2026-12-04 (before: 1 from 2026-12-02, 0 from 2026-11-30)
  done 8 of 9 sets (89 %)
  open hold best 25s, by day ▇▇██ 20s -> 25s, target 20s
  left 22.8s, right 19s a side, L:R 1.20  ! right 16 % behind
Bird dog  (core-stability)
  level 0 since 2026-11-30
  done 8 of 8 sets (100 %)
  left 10s, right 10s a side, L:R 1.00
  pain by day ▃▂▂▁ latest 0.0, highest 3 of 10
"""


def test_print_report__exact_text_when_piped(store):
    assert text_of(store, {"core-stability": WEEKDAYS}) == EXPECTED


def test_print_report__the_next_level_under_the_level(store):
    plans = {("core-stability", "Bird dog"): (1, "hold 15s a side",
                                              "3 clean sessions on Dec 1, 2, 3")}
    out = io.StringIO()
    with open_facts(store) as db:
        print_report(build(db, Filters(), TODAY, {}, plans), out)
    lines = out.getvalue().splitlines()
    dog = lines.index("Bird dog  (core-stability)")
    assert lines[dog + 1:dog + 3] == [
        "  level 0 since 2026-11-30",
        "  next: level 1, hold 15s a side (3 clean sessions on Dec 1, 2, 3)"]
    side = lines.index("Side plank  (core-stability)")
    assert lines[side + 2].startswith("  done ")  # no plan for it: no line


def test_print_report__no_line_over_80_columns_and_no_escape_codes(store):
    text = text_of(store, {"core-stability": WEEKDAYS})
    assert "\x1b" not in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_cli__piped_output_has_no_colour_codes(real):
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("FORCE_COLOR", None)
    out = subprocess.run([sys.executable, "-m", "backbeat.cli", "report", "--db", str(real),
                          "--until", "2026-12-04"], capture_output=True, text=True, env=env,
                         check=True).stdout
    assert "\x1b[" not in out
    assert out.splitlines()[:2] == ["backbeat report: 2026-12-02 to 2026-12-04 (3 days)",
                                    "3 sessions, 2 completed"]


def test_cli__a_terminal_gets_colour(real):
    main, child = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "backbeat.cli", "report", "--db", str(real),
                             "--until", "2026-12-04"], stdout=child, stderr=child, env=env)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child closed its side
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert proc.wait(timeout=30) == 0
    out = b"".join(chunks).decode()
    assert "\x1b[1mbackbeat report\x1b[0m" in out
    assert "3 sessions, 2 completed" in out


def test_bar__eighths_of_a_fixed_width():
    assert [bar(x, 4) for x in (0.0, 0.5, 1 / 32, 0.99, 1.0)] == [
        "    ", "██  ", "▏   ", "████", "████"]
    assert bar(None, 3) == "   "


def test_spark__scaled_to_the_top():
    assert spark([0, 5, 10], 10) == "▁▅█"
    assert spark([0, 0], 0) == "▁▁"
