"""Tests of backbeat.routine.report: the dry-run table and JSON, and the check summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from backbeat.routine import load_routine
from backbeat.routine.report import (
    breath_line,
    check_report,
    clock,
    dry_run_json,
    dry_run_table,
    pattern_text,
)
from backbeat.timeline import BreathPattern, Segment

SPEC_EXAMPLE = Path(__file__).parent / "data" / "spec_example.yaml"

SMALL = """\
name: Small
defaults: {breath: 4-6}
steps:
  - exercise: Bird dog
    sides: both
    hold: 15s
    reps: 2
    rest: 5s
  - exercise: Plank
    hold: max
    target: 30s
    prepare: 0
  - exercise: Sit-ups
    count: 10
    pace: 2.5s
    prepare: 0
  - exercise: Hamstring
    pnf: {stretch: 10s, contract: 6s, relax: 3s, deeper: 20s, rounds: 1}
    prepare: 0
  - exercise: Relax
    breathe: {pattern: 4-7-8, cycles: 2}
    prepare: 0
"""

SMALL_TABLE = """\
Small (level 0)
start  segment       exercise   side   rep  duration
 0:00  prepare       Bird dog               5s
 0:05  hold          Bird dog   left   1/2  15s
       breath 4-6: 1 x (in 4s, out 6s) + in 4s, out 1s
 0:20  rest          Bird dog   left        5s
 0:25  hold          Bird dog   left   2/2  15s
       breath 4-6: 1 x (in 4s, out 6s) + in 4s, out 1s
 0:40  switch        Bird dog   right       5s
 0:45  hold          Bird dog   right  1/2  15s
       breath 4-6: 1 x (in 4s, out 6s) + in 4s, out 1s
 1:00  rest          Bird dog   right       5s
 1:05  hold          Bird dog   right  2/2  15s
       breath 4-6: 1 x (in 4s, out 6s) + in 4s, out 1s
 1:20  hold_open     Plank             1/1  30s (target, cap 5m)
 1:50  count         Sit-ups           1/1  25s (10 x 2.5s)
 2:15  stretch       Hamstring         1/1  10s
 2:25  contract 1/1  Hamstring         1/1  6s
 2:31  relax 1/1     Hamstring         1/1  3s
 2:34  stretch 1/1   Hamstring         1/1  20s
 2:54  breathe       Relax             1/1  38s
       breath 4-7-8: 2 x (in 4s, hold 7s, out 8s)
total 3m32s (212000 ms), 15 segments"""


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return load_routine(path)


def test_dry_run_table__exact(small):
    assert dry_run_table(small) == SMALL_TABLE


def test_dry_run_table__spec_example_ends_with_the_total():
    lines = dry_run_table(load_routine(SPEC_EXAMPLE)).splitlines()
    assert lines[0] == "Lower back, easy (level 0)"
    assert lines[-1] == "total 16m34s (994000 ms), 53 segments"
    assert lines[-3] == "16:24  hold          Superman                1/1  10s"
    assert lines[-2] == "       breath 4-6: 1 x (in 4s, out 6s)"


def test_dry_run_json__matches_the_spec_shape(small):
    data = json.loads(dry_run_json(small))
    assert list(data) == ["name", "total_ms", "segments"]
    assert data["total_ms"] == 212000 and len(data["segments"]) == 15
    assert data["segments"][1] == {
        "kind": "hold",
        "exercise": "Bird dog",
        "side": "left",
        "rep": 1,
        "start_ms": 5000,
        "duration_ms": 15000,
    }
    assert data["segments"][2]["rep"] is None


def test_dry_run_json__keeps_non_ascii_text(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("name: Étirement\nsteps:\n  - rest: 1\n", encoding="utf-8")
    assert '"name": "Étirement"' in dry_run_json(load_routine(path))


@pytest.mark.parametrize(
    "ms, shown",
    [
        (0, "0:00"),
        (5000, "0:05"),
        (994000, "16:34"),
        (3723000, "1:02:03"),
        (2500, "0:02.5"),
        (61001, "1:01.001"),
    ],
)
def test_clock(ms, shown):
    assert clock(ms) == shown


def test_breath_line__cut_cycle_and_patterns():
    hold = Segment("hold", 0, 13000, breath=BreathPattern(4000, 4000, 4000, 4000))
    assert breath_line(hold) == "breath 4-4-4-4: in 4s, hold 4s, out 4s, hold 1s"
    half = Segment("hold", 0, 22000, breath=BreathPattern(5500, 0, 5500, 0))
    assert breath_line(half) == "breath 5.5-5.5: 2 x (in 5.5s, out 5.5s)"
    assert pattern_text(Segment("hold", 0, 1, breath=BreathPattern(4000, 7000, 8000, 0))) == "4-7-8"


def test_check_report__summaries(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: R\nsteps: []\n")
    assert check_report([SPEC_EXAMPLE]) == ([], "1 file ok", True)
    assert check_report([SPEC_EXAMPLE, SPEC_EXAMPLE]) == ([], "2 files ok", True)
    messages, summary, ok = check_report([SPEC_EXAMPLE, bad, tmp_path / "none.yaml"])
    assert messages == [
        f"{bad}:2:8: error: steps is empty (hint: list at least one step, each starting with `- `)",
        f"{tmp_path / 'none.yaml'}:1:1: error: no such file (hint: check the path and the file name)",
    ]
    assert (summary, ok) == ("2 errors in 2 of 3 files", False)
