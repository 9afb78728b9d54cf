"""Tests of backbeat.routine (the package's API): load_routine, check_file(s), located errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from backbeat.routine import (
    RoutineError,
    RoutineErrors,
    check_file,
    check_files,
    load_routine,
    read_routine,
    routine_id,
)

SPEC_EXAMPLE = Path(__file__).parent / "data" / "spec_example.yaml"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_load_routine__spec_example_total_and_segments():
    timeline = load_routine(SPEC_EXAMPLE)
    assert timeline.total_ms == 994000
    assert len(timeline.segments) == 53
    assert timeline.level == 0
    assert timeline.meta == {"id": "spec_example", "path": str(SPEC_EXAMPLE)}


def test_load_routine__spec_example_at_levels():
    # Bird dog's hold goes 10s, 15s, 20s, 25s, 30s: six holds, 30 s more per level until level 4.
    assert [load_routine(SPEC_EXAMPLE, level).total_ms for level in range(6)] == [
        994000,
        1024000,
        1054000,
        1084000,
        1114000,
        1114000,
    ]


def test_load_routine__spec_example_dry_run_head():
    dry = load_routine(SPEC_EXAMPLE).dry_run()
    assert dry["name"] == "Lower back, easy" and dry["total_ms"] == 994000
    assert dry["segments"][:3] == [
        {
            "kind": "prepare",
            "exercise": "Cat",
            "side": None,
            "rep": None,
            "start_ms": 0,
            "duration_ms": 5000,
        },
        {
            "kind": "hold",
            "exercise": "Cat",
            "side": None,
            "rep": 1,
            "start_ms": 5000,
            "duration_ms": 15000,
        },
        {
            "kind": "prepare",
            "exercise": "Knee to chest",
            "side": None,
            "rep": None,
            "start_ms": 20000,
            "duration_ms": 5000,
        },
    ]


def test_load_routine__every_error_located(tmp_path):
    path = write(
        tmp_path,
        "bad.yaml",
        "name: R\nsteps:\n  - exercise: A\n    hold: 0.5s\n  - rest: 2h\n  - exercise: B\n",
    )
    with pytest.raises(RoutineErrors) as caught:
        load_routine(path)
    assert [str(e) for e in caught.value.errors] == [
        f"{path}:4:11: error: hold is 500ms, shorter than 1s (hint: make it at least 1s)",
        f"{path}:5:11: error: rest is 2h, longer than 1h (hint: make it at most 1h, or split it into several steps)",
        f"{path}:6:5: error: exercise 'B' has no work kind (hint: add one of hold, breathe, pnf, count (e.g. `hold: 30s`))",
    ]


def test_load_routine__file_errors_are_routine_errors(tmp_path):
    with pytest.raises(RoutineErrors) as caught:
        load_routine(tmp_path / "missing.yaml")
    assert caught.value.errors == [
        RoutineError(
            str(tmp_path / "missing.yaml"), 1, 1, "no such file", "check the path and the file name"
        )
    ]


def test_load_routine__limit_at_the_requested_level(tmp_path):
    path = write(
        tmp_path,
        "long.yaml",
        "name: R\nsteps:\n  - repeat: {from: 2, to: 4, step: 1}\n    steps:\n      - exercise: S\n        hold: 1h\n        prepare: 0\n",
    )
    assert load_routine(path, 1).total_ms == 3 * 3600000
    with pytest.raises(RoutineErrors) as caught:
        load_routine(path, 2)
    assert [str(e) for e in caught.value.errors] == [
        f"{path}:2:1: error: the routine lasts 4h at level 2, longer than 3h "
        "(hint: a routine lasts at most 3h; split it into several routines)"
    ]


def test_read_routine__the_model():
    routine = read_routine(SPEC_EXAMPLE)
    assert routine.name == "Lower back, easy"
    assert len(routine.steps) == 8


def test_check_file__clean_file_has_no_errors():
    assert check_file(SPEC_EXAMPLE) == []


def test_check_file__checks_the_top_level_too(tmp_path):
    path = write(
        tmp_path,
        "grow.yaml",
        "name: R\nsteps:\n  - exercise: P\n    hold: max\n    target: {from: 10s, to: 60s, step: 10s}\n    cap: 40s\n",
    )
    assert [str(e) for e in check_file(path)] == [
        f"{path}:6:10: error: cap 40s is shorter than target 1m at level 5 "
        "(hint: the cap stops the hold; make it at least the target)"
    ]


def test_check_files__all_errors_of_all_files_in_order(tmp_path):
    a = write(tmp_path, "a.yaml", "name: A\nsteps:\n  - rest: 0\n")
    b = write(tmp_path, "b.yaml", "name: B\nname: C\nsteps:\n  - rest: 1\n")
    assert check_files([SPEC_EXAMPLE, a, tmp_path / "c.yaml", b]) == [
        f"{a}:3:11: error: rest is 0s, shorter than 1s (hint: make it at least 1s)",
        f"{tmp_path / 'c.yaml'}:1:1: error: no such file (hint: check the path and the file name)",
        f"{b}:2:1: error: duplicate key 'name' (hint: it is already set on line 1; keep one of them)",
    ]


def test_routine_id__is_the_file_stem():
    assert routine_id("routines/lower-back.yaml") == "lower-back"


@pytest.mark.parametrize("insert", ["", ":", "\t", "- ", "{", "'", "\n  x", "\xff"])
def test_check_file__damaged_spec_example_never_raises(tmp_path, insert):
    """Every damaged copy gives a list of located errors (or none), never an exception."""
    text = SPEC_EXAMPLE.read_text()
    path = tmp_path / "damaged.yaml"
    damaged_ok = 0
    for i in range(0, len(text), 23):
        damaged = text[:i] + insert + text[i + (0 if insert else 1) :]
        path.write_bytes(
            damaged.encode("utf-8", "surrogateescape")
            if insert != "\xff"
            else damaged.encode("latin-1", "replace")
        )
        errors = check_file(path)
        assert all(e.path == str(path) and e.line >= 1 and e.col >= 1 for e in errors)
        damaged_ok += not errors
    assert damaged_ok < len(range(0, len(text), 23))
