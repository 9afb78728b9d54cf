"""Tests of `backbeat show`: the dry run as a table or JSON, at a level."""

from __future__ import annotations

import json
from pathlib import Path

from backbeat.cli import main
from click.testing import CliRunner

SPEC_EXAMPLE = str(Path(__file__).parent / "data" / "spec_example.yaml")


def run(*args: str):
    return CliRunner().invoke(main, ["show", *args], catch_exceptions=False)


def test_show__json_is_the_spec_dry_run():
    result = run(SPEC_EXAMPLE, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["name"] == "Lower back, easy"
    assert data["total_ms"] == 994000
    assert len(data["segments"]) == 53
    assert set(data["segments"][0]) == {
        "kind",
        "exercise",
        "side",
        "rep",
        "start_ms",
        "duration_ms",
    }
    assert data["segments"][21] == {
        "kind": "breathe",
        "exercise": "Relax the back",
        "side": None,
        "rep": 1,
        "start_ms": 250000,
        "duration_ms": 300000,
    }
    assert sum(s["duration_ms"] for s in data["segments"]) == 994000


def test_show__level_changes_the_progression():
    data = json.loads(run(SPEC_EXAMPLE, "--json", "--level", "2").stdout)
    assert data["total_ms"] == 1054000
    assert [
        s["duration_ms"]
        for s in data["segments"]
        if s["exercise"] == "Bird dog" and s["kind"] == "hold"
    ] == [20000] * 6


def test_show__table():
    result = run(SPEC_EXAMPLE)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:5] == [
        "Lower back, easy (level 0)",
        "start  segment       exercise         side   rep  duration",
        " 0:00  prepare       Cat                          5s",
        " 0:05  hold          Cat                     1/1  15s",
        "       breath 4-6: 1 x (in 4s, out 6s) + in 4s, out 1s",
    ]
    assert lines[-1] == "total 16m34s (994000 ms), 53 segments"


def test_show__table_at_a_level():
    lines = run(SPEC_EXAMPLE, "--level", "4").stdout.splitlines()
    assert lines[0] == "Lower back, easy (level 4)"
    assert lines[-1] == "total 18m34s (1114000 ms), 53 segments"


def test_show__errors_go_to_stderr_with_exit_2(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: R\nsteps:\n  - exercise: A\n    hold: 0\n")
    result = run(str(path), "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert (
        result.stderr
        == f"{path}:4:11: error: hold is 0s, shorter than 1s (hint: make it at least 1s)\n"
    )


def test_show__missing_file(tmp_path):
    result = run(str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"{tmp_path / 'nope.yaml'}:1:1: error: no such file (hint: check the path and the file name)\n"
    )


def test_show__negative_level_is_refused():
    result = CliRunner().invoke(main, ["show", SPEC_EXAMPLE, "--level", "-1"])
    assert result.exit_code == 2
    assert "Invalid value for '--level'" in result.stderr
