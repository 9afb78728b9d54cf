"""Tests of backbeat.routine.compiler: exact timelines for every rule of ROUTINES.md."""

from __future__ import annotations

from pathlib import Path

import pytest
from backbeat.routine.compiler import Levels, compile_routine, planned_ms
from backbeat.routine.errors import MultipleInvalid
from backbeat.routine.loader import load, parse
from backbeat.routine.structure import build_routine
from backbeat.timeline import BEATS, CHECK_PAIN, COUNTDOWN, STEP_END, STEP_START, BreathPattern

SPEC_EXAMPLE = Path(__file__).parent / "data" / "spec_example.yaml"
S, E, P, C, B = STEP_START, STEP_END, CHECK_PAIN, COUNTDOWN, BEATS


def timeline(text: str, level: int = 0):
    return compile_routine(build_routine(parse("name: R\n" + text)), level)


def rows(text: str, level: int = 0) -> list[tuple]:
    """(kind, start_ms, duration_ms, side, rep, flags) of every segment."""
    return [
        (s.kind, s.start_ms, s.duration_ms, s.side, s.rep, s.flags)
        for s in timeline(text, level).segments
    ]


def compile_problems(text: str, level: int = 0) -> list[str]:
    with pytest.raises(MultipleInvalid) as caught:
        timeline(text, level)
    return [
        f"{p.node.line}:{p.node.col}: {p.message} (hint: {p.hint})" for p in caught.value.problems
    ]


def test_compile_routine__hold_is_prepare_then_hold():
    assert rows("steps:\n  - exercise: Cat\n    hold: 15s\n") == [
        ("prepare", 0, 5000, None, None, S | C),
        ("hold", 5000, 15000, None, 1, E | C),
    ]


def test_compile_routine__prepare_zero_is_left_out():
    assert rows("steps:\n  - exercise: Cat\n    hold: 15s\n    prepare: 0s\n") == [
        ("hold", 0, 15000, None, 1, S | E | C),
    ]


def test_compile_routine__rest_between_reps_not_after_the_last():
    assert rows(
        "steps:\n  - exercise: K\n    hold: 30s\n    reps: 3\n    rest: 4s\n    prepare: 0\n"
    ) == [
        ("hold", 0, 30000, None, 1, S | C),
        ("rest", 30000, 4000, None, None, 0),
        ("hold", 34000, 30000, None, 2, C),
        ("rest", 64000, 4000, None, None, 0),
        ("hold", 68000, 30000, None, 3, E | C),
    ]


def test_compile_routine__rest_zero_is_left_out():
    assert rows(
        "steps:\n  - exercise: K\n    hold: 2s\n    reps: 2\n    rest: 0\n    prepare: 0\n"
    ) == [
        ("hold", 0, 2000, None, 1, S),
        ("hold", 2000, 2000, None, 2, E),
    ]


def test_compile_routine__sides_both_switch_between_sides():
    assert rows(
        "steps:\n  - exercise: D\n    sides: both\n    hold: 10s\n    reps: 2\n    rest: 5s\n"
    ) == [
        ("prepare", 0, 5000, None, None, S | C),
        ("hold", 5000, 10000, "left", 1, C),
        ("rest", 15000, 5000, "left", None, C),
        ("hold", 20000, 10000, "left", 2, C),
        ("switch", 30000, 5000, "right", None, C),
        ("hold", 35000, 10000, "right", 1, C),
        ("rest", 45000, 5000, "right", None, C),
        ("hold", 50000, 10000, "right", 2, E | C),
    ]


def test_compile_routine__sides_list_in_order_and_switch_zero():
    assert rows(
        "steps:\n  - exercise: D\n    sides: [right, left, right]\n    hold: 3s\n    switch: 0\n    prepare: 0\n"
    ) == [
        ("hold", 0, 3000, "right", 1, S),
        ("hold", 3000, 3000, "left", 1, 0),
        ("hold", 6000, 3000, "right", 1, E),
    ]


def test_compile_routine__single_side_has_no_switch():
    assert rows("steps:\n  - exercise: D\n    sides: left\n    hold: 3s\n    prepare: 0\n") == [
        ("hold", 0, 3000, "left", 1, S | E),
    ]


def test_compile_routine__hold_max_is_planned_as_target_with_cap():
    t = timeline("steps:\n  - exercise: Plank\n    hold: max\n    target: 30s\n    cap: 90s\n")
    prepare, hold = t.segments
    assert (hold.kind, hold.start_ms, hold.duration_ms, hold.cap_ms, hold.flags) == (
        "hold_open",
        5000,
        30000,
        90000,
        E,
    )
    assert hold.breath is None
    assert t.total_ms == 35000


def test_compile_routine__hold_max_default_cap_is_five_minutes():
    t = timeline("steps:\n  - exercise: Plank\n    hold: max\n    target: 30s\n")
    assert t.segments[1].cap_ms == 300000


def test_compile_routine__breathe_cycles_is_cycles_times_cycle():
    t = timeline(
        "steps:\n  - exercise: B\n    breathe: {pattern: 4-7-8, cycles: 4}\n    prepare: 0\n"
    )
    (seg,) = t.segments
    assert (seg.kind, seg.duration_ms, seg.flags) == ("breathe", 76000, S | E)
    assert seg.breath == BreathPattern(4000, 7000, 8000, 0)


@pytest.mark.parametrize(
    "for_, expected_ms",
    [("5m", 300000), ("59s", 50000), ("60s", 60000), ("3s", 10000)],
)
def test_compile_routine__breathe_for_is_whole_cycles_at_least_one(for_, expected_ms):
    t = timeline(
        f"steps:\n  - exercise: B\n    breathe: {{pattern: 4-6, for: {for_}}}\n    prepare: 0\n"
    )
    assert t.segments[0].duration_ms == expected_ms


def test_compile_routine__breathe_takes_the_step_or_routine_breath():
    t = timeline(
        "defaults: {breath: 4-6}\nsteps:\n  - exercise: A\n    breathe: {cycles: 2}\n"
        "  - exercise: B\n    breathe: {cycles: 2}\n    breath: 2-2\n"
    )
    assert [(s.kind, s.duration_ms) for s in t.segments] == [
        ("prepare", 5000),
        ("breathe", 20000),
        ("prepare", 5000),
        ("breathe", 8000),
    ]


def test_compile_routine__pnf_stretch_then_rounds():
    t = timeline(
        "steps:\n  - exercise: H\n    pnf: {stretch: 10s, contract: 6s, relax: 3s, deeper: 30s, rounds: 2}\n    prepare: 0\n"
    )
    assert [
        (s.kind, s.start_ms, s.duration_ms, s.round, s.rounds, s.rep, s.flags) for s in t.segments
    ] == [
        ("stretch", 0, 10000, None, 2, 1, S | C),
        ("contract", 10000, 6000, 1, 2, 1, C),
        ("relax", 16000, 3000, 1, 2, 1, 0),
        ("stretch", 19000, 30000, 1, 2, 1, C),
        ("contract", 49000, 6000, 2, 2, 1, C),
        ("relax", 55000, 3000, 2, 2, 1, 0),
        ("stretch", 58000, 30000, 2, 2, 1, E | C),
    ]


def test_compile_routine__count_is_count_times_pace_with_beats():
    t = timeline(
        "defaults: {pace: 2s}\nsteps:\n  - exercise: Sit-ups\n    count: 20\n    prepare: 0\n"
    )
    (seg,) = t.segments
    assert (seg.kind, seg.duration_ms, seg.pace_ms, seg.flags) == ("count", 40000, 2000, S | E | B)


def test_compile_routine__rest_step_is_one_rest():
    t = timeline("steps:\n  - rest: 30s\n    say: Lie still\n")
    (seg,) = t.segments
    assert (
        seg.kind,
        seg.duration_ms,
        seg.exercise,
        seg.side,
        seg.rep,
        seg.say,
        seg.step,
        seg.flags,
    ) == (
        "rest",
        30000,
        None,
        None,
        None,
        "Lie still",
        0,
        C,
    )


def test_compile_routine__repeat_rests_between_rounds_only():
    t = timeline(
        "steps:\n  - repeat: 3\n    rest: 20s\n    steps:\n      - exercise: A\n        hold: 2s\n        prepare: 0\n"
    )
    assert [(s.kind, s.start_ms, s.duration_ms, s.step) for s in t.segments] == [
        ("hold", 0, 2000, 0),
        ("rest", 2000, 20000, 1),
        ("hold", 22000, 2000, 2),
        ("rest", 24000, 20000, 3),
        ("hold", 44000, 2000, 4),
    ]


def test_compile_routine__repeat_without_rest_and_nested():
    t = timeline(
        "steps:\n  - repeat: 2\n    steps:\n      - rest: 1s\n      - repeat: 2\n        rest: 0\n"
        "        steps:\n          - rest: 2s\n"
    )
    assert [(s.duration_ms, s.step) for s in t.segments] == [
        (1000, 0),
        (2000, 1),
        (2000, 2),
        (1000, 3),
        (2000, 4),
        (2000, 5),
    ]


def test_compile_routine__nothing_between_items():
    t = timeline(
        "steps:\n  - exercise: A\n    hold: 2s\n  - rest: 3s\n  - exercise: B\n    hold: 4s\n"
    )
    assert [(s.kind, s.start_ms, s.duration_ms, s.exercise, s.step) for s in t.segments] == [
        ("prepare", 0, 5000, "A", 0),
        ("hold", 5000, 2000, "A", 0),
        ("rest", 7000, 3000, None, 1),
        ("prepare", 10000, 5000, "B", 2),
        ("hold", 15000, 4000, "B", 2),
    ]


def test_compile_routine__say_and_reps_on_the_step_segments():
    t = timeline("steps:\n  - exercise: A\n    say: Slowly\n    hold: 2s\n    reps: 2\n")
    assert [(s.kind, s.say, s.reps) for s in t.segments] == [
        ("prepare", "Slowly", None),
        ("hold", "Slowly", 2),
        ("rest", "Slowly", None),
        ("hold", "Slowly", 2),
    ]


def test_compile_routine__check_pain_on_the_last_segment():
    t = timeline(
        "steps:\n  - exercise: A\n    hold: 2s\n    reps: 2\n    rest: 0\n    check: pain\n"
    )
    assert [s.flags for s in t.segments] == [S | C, 0, E | P]


@pytest.mark.parametrize("hold, flags", [("4.999s", S | E), ("5s", S | E | C)])
def test_compile_routine__countdown_from_five_seconds(hold, flags):
    t = timeline(f"steps:\n  - exercise: A\n    hold: {hold}\n    prepare: 0\n")
    assert t.segments[0].flags == flags


def test_compile_routine__no_countdown_on_breathe_count_hold_open():
    t = timeline(
        "steps:\n  - exercise: A\n    breathe: {pattern: 4-6, cycles: 3}\n    prepare: 0\n"
        "  - exercise: B\n    count: 10\n    prepare: 0\n"
        "  - exercise: C\n    hold: max\n    target: 20s\n    prepare: 0\n"
    )
    assert [s.flags for s in t.segments] == [S | E, S | E | B, S | E]


def test_compile_routine__hold_breath_is_split_into_phases_cut_at_the_end():
    t = timeline(
        "defaults: {breath: 4-6}\nsteps:\n  - exercise: A\n    hold: 15s\n    prepare: 0\n"
    )
    hold = t.segments[0]
    assert hold.breath == BreathPattern(4000, 0, 6000, 0)
    assert hold.breath.phases(hold.duration_ms) == [
        ("in", 0, 4000),
        ("out", 4000, 6000),
        ("in", 10000, 4000),
        ("out", 14000, 1000),
    ]


def test_compile_routine__breath_not_on_pnf_or_hold_open():
    t = timeline(
        "defaults: {breath: 4-6}\nsteps:\n  - exercise: P\n    hold: max\n    target: 10s\n"
        "  - exercise: H\n    pnf: {stretch: 10s, contract: 6s, relax: 3s, deeper: 30s, rounds: 1}\n"
    )
    assert [s.breath for s in t.segments] == [None] * 7


@pytest.mark.parametrize(
    "level, hold", [(0, 10000), (1, 15000), (3, 25000), (4, 30000), (9, 30000)]
)
def test_compile_routine__progression_at_level(level, hold):
    t = timeline(
        "steps:\n  - exercise: A\n    hold: {from: 10s, to: 30s, step: 5s}\n    prepare: 0\n", level
    )
    assert t.segments[0].duration_ms == hold
    assert t.level == level


def test_compile_routine__progression_of_counts_at_level():
    text = (
        "steps:\n  - repeat: {from: 1, to: 3, step: 1}\n    steps:\n      - exercise: S\n"
        "        count: {from: 5, to: 12, step: 5}\n        pace: {from: 1s, to: 2s, step: 500ms}\n        prepare: 0\n"
    )
    assert [s.duration_ms for s in timeline(text, 0).segments] == [5000]
    assert [s.duration_ms for s in timeline(text, 1).segments] == [15000, 15000]
    assert [s.duration_ms for s in timeline(text, 2).segments] == [24000, 24000, 24000]


def test_compile_routine__spec_example():
    routine = build_routine(load(SPEC_EXAMPLE))
    t = compile_routine(routine)
    assert t.total_ms == 994000
    assert len(t.segments) == 53
    assert t.name == "Lower back, easy"
    assert t.about == "Cat, camel, knee to chest and bridge."
    assert t.source == 'natural-arthritis-relief.com, "Back Pain Exercise"'
    assert [s.kind for s in t.segments].count("hold") == 11
    assert [(s.kind, s.start_ms, s.duration_ms) for s in t.segments[-4:]] == [
        ("prepare", 914000, 5000),
        ("count", 919000, 60000),
        ("prepare", 979000, 5000),
        ("hold", 984000, 10000),
    ]
    assert compile_routine(routine, 4).total_ms == 1114000


@pytest.mark.parametrize("level", range(6))
def test_planned_ms__matches_the_unrolled_total(level):
    routine = build_routine(load(SPEC_EXAMPLE))
    assert planned_ms(routine, level) == compile_routine(routine, level).total_ms


def test_compile_routine__three_hours_exactly_is_allowed():
    t = timeline(
        "steps:\n  - repeat: 3\n    steps:\n      - exercise: S\n        hold: 1h\n        prepare: 0\n"
    )
    assert t.total_ms == 3 * 3600000


def test_compile_routine__negative_level():
    with pytest.raises(ValueError, match="level must be 0 or more, not -1"):
        timeline("steps:\n  - rest: 1s\n", -1)


def test_compile_routine__invalid_count_too_short():
    assert compile_problems("steps:\n  - exercise: S\n    count: 1\n    pace: 0.5s\n") == [
        "4:12: count 1 at pace 500ms lasts 500ms, outside 1s to 1h (hint: change the count or the pace: a counted segment lasts 1s to 1h)"
    ]


def test_compile_routine__invalid_count_too_long():
    assert compile_problems("steps:\n  - exercise: S\n    count: 100\n    pace: 40s\n") == [
        "4:12: count 100 at pace 40s lasts 1h6m40s, outside 1s to 1h (hint: change the count or the pace: a counted segment lasts 1s to 1h)"
    ]


def test_compile_routine__invalid_breathe_too_long():
    assert compile_problems(
        "steps:\n  - exercise: B\n    breathe: {pattern: 30-30, cycles: 61}\n"
    ) == [
        "4:14: breathe lasts 1h1m (61 cycles of 1m), longer than 1h (hint: fewer cycles or a shorter time: a segment lasts at most 1h)"
    ]


def test_compile_routine__invalid_total_too_long():
    assert compile_problems(
        "steps:\n  - repeat: 4\n    steps:\n      - exercise: S\n        hold: 1h\n        prepare: 0\n"
    ) == [
        "2:1: the routine lasts 4h, longer than 3h (hint: a routine lasts at most 3h; split it into several routines)"
    ]


def test_compile_routine__invalid_total_at_a_level():
    text = "steps:\n  - repeat: {from: 1, to: 4, step: 1}\n    steps:\n      - exercise: S\n        hold: 1h\n        prepare: 0\n"
    assert timeline(text, 2).total_ms == 3 * 3600000
    assert compile_problems(text, 3) == [
        "2:1: the routine lasts 4h at level 3, longer than 3h (hint: a routine lasts at most 3h; split it into several routines)"
    ]


def test_compile_routine__invalid_cap_below_target_at_a_level():
    text = "steps:\n  - exercise: P\n    hold: max\n    target: {from: 10s, to: 60s, step: 10s}\n    cap: 40s\n"
    assert timeline(text, 3).segments[1].cap_ms == 40000
    assert compile_problems(text, 4) == [
        "6:10: cap 40s is shorter than target 50s at level 4 (hint: the cap stops the hold; make it at least the target)"
    ]


def test_compile_routine__rest_growing_from_zero():
    text = "steps:\n  - exercise: A\n    hold: 2s\n    reps: 2\n    prepare: 0\n    rest: {from: 0, to: 3s, step: 2s}\n"
    assert [(s.kind, s.duration_ms) for s in timeline(text, 0).segments] == [
        ("hold", 2000),
        ("hold", 2000),
    ]
    assert [(s.kind, s.duration_ms) for s in timeline(text, 1).segments] == [
        ("hold", 2000),
        ("rest", 2000),
        ("hold", 2000),
    ]
    assert [(s.kind, s.duration_ms) for s in timeline(text, 2).segments] == [
        ("hold", 2000),
        ("rest", 3000),
        ("hold", 2000),
    ]


# ---------------------------------------------------------------------------
# Levels per exercise (PROGRESS.md): a level each, gates, moved targets

LEVELS_ROUTINE = (
    "steps:\n"
    "  - exercise: A\n    hold: {from: 10s, to: 30s, step: 5s}\n    prepare: 2s\n"
    "  - exercise: B\n    count: {from: 5, to: 20, step: 5}\n    pace: 1s\n    prepare: 0\n"
    "  - rest: {from: 10s, to: 20s, step: 5s}\n"
    "  - repeat: 2\n    rest: 3s\n    steps:\n"
    "      - exercise: C\n        sides: both\n        hold: 4s\n        switch: 1s\n"
    "        needs: A\n"
    "  - exercise: P\n    hold: max\n    target: {from: 10s, to: 20s, step: 5s}\n    cap: 1m\n"
)


def level_rows(levels, text: str = LEVELS_ROUTINE) -> list[tuple]:
    """(kind, exercise, side, start_ms, duration_ms, level) of every segment."""
    tl = compile_routine(build_routine(parse("name: R\n" + text)), levels)
    return [(s.kind, s.exercise, s.side, s.start_ms, s.duration_ms, s.level) for s in tl.segments]


def test_compile_routine__a_level_per_exercise():
    levels = Levels(exercises={"A": 2, "B": 9, "P": 1})
    assert level_rows(levels) == [
        ("prepare", "A", None, 0, 2000, 2),
        ("hold", "A", None, 2000, 20000, 2),
        ("count", "B", None, 22000, 20000, 3),  # B's top is 3
        ("rest", None, None, 42000, 15000, 1),  # outside exercises: their lowest level
        ("prepare", "C", None, 57000, 5000, 0),
        ("hold", "C", "left", 62000, 4000, 0),
        ("switch", "C", "right", 66000, 1000, 0),
        ("hold", "C", "right", 67000, 4000, 0),
        ("rest", None, None, 71000, 3000, 1),
        ("prepare", "C", None, 74000, 5000, 0),
        ("hold", "C", "left", 79000, 4000, 0),
        ("switch", "C", "right", 83000, 1000, 0),
        ("hold", "C", "right", 84000, 4000, 0),
        ("prepare", "P", None, 88000, 5000, 1),
        ("hold_open", "P", None, 93000, 15000, 1),
    ]
    tl = compile_routine(build_routine(parse("name: R\n" + LEVELS_ROUTINE)), levels)
    assert tl.level == 3
    assert tl.total_ms == planned_ms(build_routine(parse("name: R\n" + LEVELS_ROUTINE)), levels)


def test_compile_routine__one_level_for_all_is_capped_at_each_top():
    assert [(r[0], r[1], r[4], r[5]) for r in level_rows(9) if r[0] in ("hold", "count", "hold_open")] == [
        ("hold", "A", 30000, 4),
        ("count", "B", 20000, 3),
        ("hold", "C", 4000, 0),
        ("hold", "C", 4000, 0),
        ("hold", "C", 4000, 0),
        ("hold", "C", 4000, 0),
        ("hold_open", "P", 20000, 2),
    ]
    assert compile_routine(build_routine(parse("name: R\n" + LEVELS_ROUTINE)), 9).level == 9


def test_compile_routine__locked_steps_are_left_out_with_their_gaps():
    levels = Levels(exercises={"A": 0}, locked=frozenset({"C"}), targets={"P": 37000})
    assert level_rows(levels) == [
        ("prepare", "A", None, 0, 2000, 0),
        ("hold", "A", None, 2000, 10000, 0),
        ("count", "B", None, 12000, 5000, 0),
        ("rest", None, None, 17000, 10000, 0),
        ("prepare", "P", None, 27000, 5000, 0),
        ("hold_open", "P", None, 32000, 37000, 0),
    ]
    routine = build_routine(parse("name: R\n" + LEVELS_ROUTINE))
    assert planned_ms(routine, levels) == 69000
    assert [s.step for s in compile_routine(routine, levels).segments] == [0, 0, 1, 2, 3, 3]


def test_compile_routine__a_block_keeps_its_round_rests_while_a_step_in_it_is_kept():
    text = (
        "steps:\n  - repeat: 2\n    rest: 3s\n    steps:\n"
        "      - exercise: A\n        hold: 2s\n        prepare: 0\n"
        "      - exercise: B\n        hold: 2s\n        prepare: 0\n        needs: A\n"
    )
    assert [r[:2] for r in level_rows(Levels(locked=frozenset({"B"})), text)] == [
        ("hold", "A"), ("rest", None), ("hold", "A"),
    ]
    assert level_rows(Levels(locked=frozenset({"A", "B"})), text + "  - rest: 1s\n") == [
        ("rest", None, None, 0, 1000, 0),
    ]
