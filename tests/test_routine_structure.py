"""Tests of backbeat.routine.structure: which keys go where, defaults, and every shape error."""

from __future__ import annotations

import pytest
from backbeat.routine import values as v
from backbeat.routine.errors import MultipleInvalid
from backbeat.routine.loader import parse
from backbeat.routine.model import (
    Breathe,
    Count,
    Due,
    ExerciseStep,
    Hold,
    HoldMax,
    Needs,
    Pnf,
    Progress,
    Progression,
    Repeat,
    RestStep,
)
from backbeat.routine.structure import build_routine
from backbeat.timeline import BreathPattern


def problems(text: str) -> list[str]:
    try:
        build_routine(parse(text))
    except MultipleInvalid as many:
        found = sorted(many.problems, key=lambda p: (p.node.line, p.node.col))
        return [f"{p.node.line}:{p.node.col}: {p.message} (hint: {p.hint})" for p in found]
    return []


def steps_of(text: str):
    return build_routine(parse("name: R\n" + text)).steps


def test_build_routine__valid_minimal():
    routine = build_routine(parse("name: Easy\nsteps:\n  - rest: 30s\n"))
    assert routine.name == "Easy"
    assert routine.about is None and routine.source is None
    assert routine.steps == (RestStep(30000),)
    assert (routine.node.line, routine.node.col) == (2, 1)


def test_build_routine__valid_text_fields_are_stripped():
    routine = build_routine(
        parse(
            "name: '  Easy  '\nabout: |\n  Two lines\n  of text\nsource: 123\nsteps:\n  - rest: 1\n"
        )
    )
    assert routine.name == "Easy"
    assert routine.about == "Two lines\nof text"
    assert routine.source == "123"


def test_build_routine__builtin_defaults():
    (step,) = steps_of("steps:\n  - exercise: Cat\n    hold: 15s\n")
    assert step == ExerciseStep(
        exercise="Cat",
        work=Hold(15000, None),
        say=None,
        sides=(None,),
        reps=1,
        prepare=5000,
        rest=10000,
        switch=5000,
        check_pain=False,
    )


def test_build_routine__routine_defaults_apply_and_steps_override():
    text = (
        "defaults: {prepare: 3s, rest: 0, switch: 2s, breath: 4-7-8, pace: 2s}\n"
        "steps:\n"
        "  - exercise: A\n    hold: 20s\n"
        "  - exercise: B\n    hold: 20s\n    prepare: 0\n    rest: 4s\n    switch: 0\n    breath: none\n"
        "  - exercise: C\n    count: 10\n"
        "  - exercise: D\n    count: 10\n    pace: 1.5s\n"
    )
    a, b, c, d = steps_of(text)
    assert (a.prepare, a.rest, a.switch) == (3000, 0, 2000)
    assert a.work == Hold(20000, BreathPattern(4000, 7000, 8000, 0))
    assert (b.prepare, b.rest, b.switch) == (0, 4000, 0)
    assert b.work == Hold(20000, None)
    assert c.work == Count(10, 2000)
    assert d.work == Count(10, 1500)


def test_build_routine__empty_defaults_is_allowed():
    (step,) = steps_of("defaults:\nsteps:\n  - exercise: A\n    hold: 2s\n")
    assert step.prepare == 5000


def test_build_routine__every_step_key():
    text = (
        "steps:\n  - exercise: Bird dog\n    say: Slowly\n    sides: both\n    reps: 3\n"
        "    hold: {from: 10s, to: 30s, step: 5s}\n    breath: 5.5-5.5\n    check: pain\n"
    )
    (step,) = steps_of(text)
    assert step.exercise == "Bird dog" and step.say == "Slowly"
    assert step.sides == ("left", "right")
    assert step.reps == 3
    assert step.check_pain is True
    assert step.work == Hold(Progression(10000, 30000, 5000), BreathPattern(5500, 0, 5500, 0))


def test_build_routine__hold_max_with_default_and_given_cap():
    a, b = steps_of(
        "steps:\n  - exercise: Plank\n    hold: max\n    target: 30s\n"
        "  - exercise: Plank\n    hold: max\n    target: 30s\n    cap: 2m\n"
    )
    assert a.work == HoldMax(30000, 300000)
    assert b.work == HoldMax(30000, 120000)


def test_build_routine__breathe_forms():
    a, b, c = steps_of(
        "defaults: {breath: 4-6}\nsteps:\n"
        "  - exercise: A\n    breathe: {pattern: 4-4-4-4, cycles: 6}\n"
        "  - exercise: B\n    breathe: {for: 5m}\n"
        "  - exercise: C\n    breathe: {cycles: 3}\n    breath: 3-3\n"
    )
    assert a.work == Breathe(BreathPattern(4000, 4000, 4000, 4000), 6, None)
    assert b.work == Breathe(BreathPattern(4000, 0, 6000, 0), None, 300000)
    assert c.work == Breathe(BreathPattern(3000, 0, 3000, 0), 3, None)


def test_build_routine__pnf_and_count():
    a, b = steps_of(
        "steps:\n  - exercise: H\n    pnf: {stretch: 10s, contract: 6s, relax: 3s, deeper: 30s, rounds: 3}\n"
        "  - exercise: S\n    count: {from: 10, to: 20, step: 2}\n"
    )
    assert a.work == Pnf(10000, 6000, 3000, 30000, 3)
    assert b.work == Count(Progression(10, 20, 2), 3000)


def test_build_routine__sides_list_and_single():
    a, b = steps_of(
        "steps:\n  - exercise: A\n    hold: 2s\n    sides: [right, left, right]\n"
        "  - exercise: B\n    hold: 2s\n    sides: left\n"
    )
    assert a.sides == ("right", "left", "right")
    assert b.sides == ("left",)


def test_build_routine__repeat_and_rest_steps():
    (block,) = steps_of(
        "steps:\n  - repeat: {from: 2, to: 4, step: 1}\n    rest: 20s\n    steps:\n"
        "      - rest: 5s\n        say: Breathe\n      - repeat: 2\n        steps:\n          - rest: 1s\n"
    )
    assert block == Repeat(
        Progression(2, 4, 1),
        (RestStep(5000, "Breathe"), Repeat(2, (RestStep(1000),), 0)),
        20000,
    )


def test_build_routine__keys_as_yaml_booleans_are_words():
    # `yes:` would be the boolean true in YAML 1.1; keys are taken as written.
    assert problems("name: R\nyes: 1\nsteps:\n  - rest: 1\n") == [
        "2:1: unknown key 'yes' in the routine (hint: the keys here are name, about, source, defaults, progress, due, at, steps)"
    ]


BAD = [
    pytest.param(
        "name: R\nsteps:\n  - exercise: A\n    hold: 2s\n    rest: {from: 0, to: 10s, step: 300ms}\n",
        [
            "5:36: rest.step is 300ms: from 0 the next level would be shorter than 1s "
            "(hint: a progression from 0 steps by at least 1s)"
        ],
        id="gap_from_zero_small_step",
    ),
    pytest.param(
        "name: R\ncolour: red\nsteps:\n  - rest: 5s\n",
        [
            "2:1: unknown key 'colour' in the routine (hint: the keys here are name, about, source, defaults, progress, due, at, steps)"
        ],
        id="unknown_top",
    ),
    pytest.param(
        "steps:\n  - rest: 5s\n",
        ["1:1: the routine has no name (hint: add `name: ...` at the top, 32 characters at most)"],
        id="no_name",
    ),
    pytest.param(
        "name: R\n",
        ["1:1: the routine has no steps (hint: add `steps:` with at least one step)"],
        id="no_steps",
    ),
    pytest.param(
        "name: R\nsteps: []\n",
        ["2:8: steps is empty (hint: list at least one step, each starting with `- `)"],
        id="empty_steps",
    ),
    pytest.param(
        "name: R\nsteps: hold\n",
        [
            "2:8: steps must be a list, not 'hold' (hint: write each step on its own line starting with `- `)"
        ],
        id="steps_scalar",
    ),
    pytest.param(
        "name: This routine name is far too long to fit\nsteps:\n  - rest: 5s\n",
        ["1:7: name has 40 characters, more than 32 (hint: shorten it to 32 characters at most)"],
        id="name_long",
    ),
    pytest.param(
        "name: [a, b]\nsteps:\n  - rest: 5s\n",
        ["1:7: name must be text, not a list (hint: write the text on the same line as the key)"],
        id="name_list",
    ),
    pytest.param(
        "name:\nsteps:\n  - rest: 5s\n",
        ["1:6: name is empty (hint: write the name text, or leave the key out)"],
        id="name_empty",
    ),
    pytest.param(
        "- rest: 5s\n",
        [
            "1:1: a routine is a mapping of keys, not a list (hint: start the file with `name:` and `steps:`)"
        ],
        id="root_list",
    ),
    pytest.param(
        "name: R\nsteps:\n  - Cat\n",
        [
            "3:5: a step must be a mapping of keys, not 'Cat' (hint: start a step with `- exercise: NAME`, `- rest: 30s` or `- repeat: N`)"
        ],
        id="step_scalar",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n",
        [
            "3:5: exercise 'Cat' has no work kind (hint: add one of hold, breathe, pnf, count (e.g. `hold: 30s`))"
        ],
        id="no_work",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: 10s\n    count: 5\n",
        [
            "5:5: two work kinds in one step: hold and count (hint: keep one work kind per step; make another step for the other)"
        ],
        id="two_work",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: 10s\n    holds: 3\n",
        ["5:5: unknown key 'holds' in an exercise step (hint: did you mean 'hold'?)"],
        id="unknown_step_key",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: 10s\n    colour: red\n",
        [
            "5:5: unknown key 'colour' in an exercise step (hint: the keys here are exercise, say, hold, breathe, pnf, count, target, cap, sides, reps, prepare, rest, switch, breath, pace, check, progress, needs)"
        ],
        id="unknown_far",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: 500ms\n",
        ["4:11: hold is 500ms, shorter than 1s (hint: make it at least 1s)"],
        id="hold_short",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: 1h1s\n",
        [
            "4:11: hold is 1h1s, longer than 1h (hint: make it at most 1h, or split it into several steps)"
        ],
        id="hold_long",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: 10 parsecs\n",
        [
            "4:11: hold '10 parsecs' is not a duration (hint: write seconds (30, 2.5) or a time with units h, m, s, ms (30s, 1m30s, 500ms))"
        ],
        id="hold_bad",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: 1m30\n",
        [
            "4:11: hold '1m30' is not a duration (hint: give every number its unit, e.g. 30s or 1m30s)"
        ],
        id="hold_nounit",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: '30'\n",
        ["4:11: hold '30' is not a duration (hint: give every number its unit, e.g. 30s or 1m30s)"],
        id="hold_quoted_num",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: -5\n",
        [
            "4:11: hold must not be negative (hint: write seconds (30, 2.5) or a time with units h, m, s, ms (30s, 1m30s, 500ms))"
        ],
        id="hold_neg",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: 2.0005s\n",
        [
            "4:11: hold 2.0005s is not a whole number of milliseconds (hint: durations count whole milliseconds; round it, e.g. 2.5s or 2501ms)"
        ],
        id="hold_frac",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: 2.0005\n",
        [
            "4:11: hold 2.0005 is not a whole number of milliseconds (hint: durations count whole milliseconds; round it, e.g. 2.5s or 2501ms)"
        ],
        id="hold_frac_num",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: yes\n",
        [
            "4:11: hold must be a duration, not yes (hint: write seconds (30, 2.5) or a time with units h, m, s, ms (30s, 1m30s, 500ms))"
        ],
        id="hold_bool",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold:\n",
        [
            "4:10: hold has no value (hint: write seconds (30, 2.5) or a time with units h, m, s, ms (30s, 1m30s, 500ms))"
        ],
        id="hold_null",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Plank\n    hold: max\n",
        [
            "4:11: `hold: max` needs a target (hint: add `target: 30s`, the time the hold is planned for)"
        ],
        id="max_no_target",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Plank\n    hold: 30s\n    target: 30s\n",
        ["5:5: target only goes with `hold: max` (hint: remove it, or write `hold: max`)"],
        id="target_no_max",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Plank\n    hold: max\n    target: 30s\n    cap: 20s\n",
        [
            "6:10: cap 20s is shorter than target 30s (hint: the cap stops the hold; make it at least the target)"
        ],
        id="cap_lt_target",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: 10s\n    reps: 0\n",
        ["5:11: reps is 0, outside 1 to 100 (hint: reps is a whole number 1 to 100)"],
        id="reps_zero",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: 10s\n    reps: 101\n",
        ["5:11: reps is 101, outside 1 to 100 (hint: reps is a whole number 1 to 100)"],
        id="reps_101",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: 10s\n    reps: 2.5\n",
        [
            "5:11: reps must be a whole number, not 2.5 (hint: write a number 1 to 100, e.g. reps: 3)"
        ],
        id="reps_float",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Sit-ups\n    count: 0\n",
        ["4:12: count is 0, outside 1 to 100 (hint: count is a whole number 1 to 100)"],
        id="count_0",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: H\n    pnf: {stretch: 10s, contract: 6s, relax: 3s, deeper: 30s, rounds: 200}\n",
        ["4:71: rounds is 200, outside 1 to 100 (hint: rounds is a whole number 1 to 100)"],
        id="rounds_200",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: H\n    pnf: {stretch: 10s, contract: 6s, relax: 3s, rounds: 2}\n",
        [
            "4:10: pnf has no deeper (hint: pnf needs all five: `pnf: {stretch: 10s, contract: 6s, relax: 3s, deeper: 30s, rounds: 3}`)"
        ],
        id="pnf_missing",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: H\n    pnf: 10s\n",
        [
            "4:10: pnf must be a mapping, not '10s' (hint: write e.g. `pnf: {stretch: 10s, contract: 6s, relax: 3s, deeper: 30s, rounds: 3}`)"
        ],
        id="pnf_scalar",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: B\n    breathe: {pattern: 4-6, cycles: 3, for: 1m}\n",
        [
            "4:40: breathe has both cycles and for (hint: keep one: cycles counts breaths, for gives a time)"
        ],
        id="breathe_both",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: B\n    breathe: {pattern: 4-6}\n",
        ["4:14: breathe has neither cycles nor for (hint: add `cycles: 10` or `for: 5m`)"],
        id="breathe_neither",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: B\n    breathe: {cycles: 3}\n",
        [
            "4:14: breathe has no pattern (hint: add `pattern: 4-6`, or set `breath:` in the step or the defaults)"
        ],
        id="breathe_nopattern",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: B\n    breathe: {pattern: none, cycles: 3}\n",
        [
            "4:24: breathe cannot have pattern none (hint: write a pattern such as 4-6, or leave `pattern` out to use `breath`)"
        ],
        id="breathe_none",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: B\n    breathe: {pattern: 4-4-4-4-4, cycles: 3}\n",
        [
            "4:24: pattern '4-4-4-4-4' has 5 phases, not 2 to 4 (hint: write 2 to 4 numbers of seconds joined by '-': in-out (4-6), in-hold-out (4-7-8), in-hold-out-hold (4-4-4-4); or none)"
        ],
        id="pattern_5",
    ),
    pytest.param(
        "name: R\ndefaults:\n  breath: 4\nsteps:\n  - rest: 5s\n",
        [
            "3:11: defaults.breath '4' has 1 phase, not 2 to 4 (hint: write 2 to 4 numbers of seconds joined by '-': in-out (4-6), in-hold-out (4-7-8), in-hold-out-hold (4-4-4-4); or none)"
        ],
        id="pattern_1",
    ),
    pytest.param(
        "name: R\ndefaults:\n  breath: 0.2-4\nsteps:\n  - rest: 5s\n",
        [
            "3:11: defaults.breath '0.2-4': the in phase is 200ms, outside 0.5s to 60s (hint: each breath phase lasts 0.5s to 60s)"
        ],
        id="pattern_short",
    ),
    pytest.param(
        "name: R\ndefaults:\n  breath: 4-61\nsteps:\n  - rest: 5s\n",
        [
            "3:11: defaults.breath '4-61': the out phase is 1m1s, outside 0.5s to 60s (hint: each breath phase lasts 0.5s to 60s)"
        ],
        id="pattern_long",
    ),
    pytest.param(
        "name: R\ndefaults:\n  breath: slow\nsteps:\n  - rest: 5s\n",
        [
            "3:11: defaults.breath 'slow' is not a breath pattern (hint: write 2 to 4 numbers of seconds joined by '-': in-out (4-6), in-hold-out (4-7-8), in-hold-out-hold (4-4-4-4); or none)"
        ],
        id="pattern_word",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: 10s\n    sides: up\n",
        [
            "5:12: sides must be both, left, right or a list, not 'up' (hint: write both, left, right, or a list such as [left, right, left])"
        ],
        id="sides_up",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: 10s\n    sides: [left, up]\n",
        ["5:19: 'up' is not a side (hint: each side in the list is left or right)"],
        id="sides_list",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: 10s\n    sides: [left, right, left, right, left]\n",
        [
            "5:12: sides lists 5 sides, not 1 to 4 (hint: write both, left, right, or a list such as [left, right, left])"
        ],
        id="sides_5",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: 10s\n    sides: []\n",
        [
            "5:12: sides lists 0 sides, not 1 to 4 (hint: write both, left, right, or a list such as [left, right, left])"
        ],
        id="sides_empty",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: 10s\n    check: dizzy\n",
        ["5:12: check must be pain, not 'dizzy' (hint: write `check: pain`, or leave it out)"],
        id="check_bad",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: {from: 30s, to: 10s, step: 5s}\n",
        [
            "4:27: the progression of hold goes down: from 30s to 10s (hint: `from` is the value at level 0; make `to` at least `from`)"
        ],
        id="prog_down",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: {from: 10s, to: 30s}\n",
        [
            "4:11: the progression of hold has no 'step' (hint: a progression is {from: A, to: B, step: C}: A at level 0, C more each level, never above B)"
        ],
        id="prog_missing",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: {from: 10s, to: 30s, step: 0}\n",
        [
            "4:38: hold.step is 0 (hint: a progression grows by more than 0 each level, e.g. step: 5s)"
        ],
        id="prog_step0",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: {from: 10s, to: 30s, by: 5s}\n",
        [
            "4:32: unknown key 'by' in the progression of hold (hint: the keys here are from, to, step)"
        ],
        id="prog_unknown",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    count: {from: 10, to: 20, step: 0}\n",
        ["4:37: count.step is 0, less than 1 (hint: make it 1 or more)"],
        id="prog_count_step",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: 10s\n    say: Round your back slowly and tuck your hips under as far as is comfortable\n",
        [
            "5:10: say takes 5 lines on the 16-column screen, more than 3 (hint: shorten it: 3 lines hold at most 48 characters, fewer when words do not fill a line)"
        ],
        id="say_long",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Supercalifragilisticexpialidociou\n    hold: 10s\n",
        [
            "3:15: exercise has 33 characters, more than 32 (hint: shorten it to 32 characters at most)"
        ],
        id="exercise_long_lines",
    ),
    pytest.param(
        "name: R\nsteps:\n  - rest: 0\n",
        ["3:11: rest is 0s, shorter than 1s (hint: make it at least 1s)"],
        id="rest_zero",
    ),
    pytest.param(
        "name: R\nsteps:\n  - rest: 10s\n    hold: 5s\n",
        ["3:5: a step with hold has no exercise (hint: name it: add `exercise: NAME`)"],
        id="rest_extra",
    ),
    pytest.param(
        "name: R\nsteps:\n  - hold: 10s\n",
        ["3:5: a step with hold has no exercise (hint: name it: add `exercise: NAME`)"],
        id="work_no_exercise",
    ),
    pytest.param(
        "name: R\nsteps:\n  - steps:\n      - rest: 5s\n",
        [
            "3:5: a step with steps has no repeat (hint: write `repeat: N` to repeat these steps N times)"
        ],
        id="steps_no_repeat",
    ),
    pytest.param(
        "name: R\nsteps:\n  - say: hello\n",
        [
            "3:5: a step needs exercise, rest or repeat (hint: start a step with `- exercise: NAME`, `- rest: 30s` or `- repeat: N`)"
        ],
        id="nothing",
    ),
    pytest.param(
        "name: R\nsteps:\n  - repeat: 0\n    steps:\n      - rest: 5s\n",
        ["3:13: repeat is 0, outside 1 to 100 (hint: repeat is a whole number 1 to 100)"],
        id="repeat_0",
    ),
    pytest.param(
        "name: R\nsteps:\n  - repeat: 2\n",
        ["3:5: a repeat block has no steps (hint: list the steps to repeat under `steps:`)"],
        id="repeat_nosteps",
    ),
    pytest.param(
        "name: R\nsteps:\n  - repeat: 2\n    exercise: Cat\n    hold: 5s\n",
        [
            "3:5: a step cannot be both an exercise and a repeat block (hint: put the exercise in the repeat block's `steps`)"
        ],
        id="repeat_exercise",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: S\n    count: 5\n    pace: 200ms\n",
        ["5:11: pace is 200ms, shorter than 500ms (hint: make it at least 500ms)"],
        id="pace_short",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: S\n    hold: 5s\n    pace: 2s\n",
        ["5:5: pace only goes with `count` (hint: remove it; pace sets the beat of counted reps)"],
        id="pace_on_hold",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: S\n    count: 5\n    breath: 4-6\n",
        [
            "5:5: breath does not apply to count (hint: remove it; breathing guidance goes with `hold: D` and `breathe`)"
        ],
        id="breath_on_count",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: S\n    hold: max\n    target: 10s\n    breath: 4-6\n",
        [
            "6:5: breath does not apply to hold: max (hint: remove it; breathing guidance goes with `hold: D` and `breathe`)"
        ],
        id="breath_on_max",
    ),
    pytest.param(
        "name: R\ndefaults:\n  hold: 5s\nsteps:\n  - rest: 5s\n",
        [
            "3:3: unknown key 'hold' in defaults (hint: the keys here are prepare, rest, switch, breath, pace)"
        ],
        id="defaults_unknown",
    ),
    pytest.param(
        "name: R\ndefaults: [5s]\nsteps:\n  - rest: 5s\n",
        [
            "2:11: defaults must be a mapping, not a list (hint: indent `prepare:`, `rest:` ... under `defaults:`)"
        ],
        id="defaults_list",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: 10s\n    prepare: 0.5s\n",
        ["5:14: prepare is 500ms, shorter than 1s (hint: write 0 to leave it out, or at least 1s)"],
        id="prepare_half",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: Cat\n    hold: 0.5s\n    reps: 0\n  - rest: 1s\n  - exercise: Dog\n",
        [
            "4:11: hold is 500ms, shorter than 1s (hint: make it at least 1s)",
            "5:11: reps is 0, outside 1 to 100 (hint: reps is a whole number 1 to 100)",
            "7:5: exercise 'Dog' has no work kind (hint: add one of hold, breathe, pnf, count (e.g. `hold: 30s`))",
        ],
        id="multi",
    ),
]


@pytest.mark.parametrize("text, expected", BAD)
def test_build_routine__invalid(text, expected):
    assert problems(text) == expected


def test_bad_inputs_are_many():
    assert len(BAD) >= 30


# ---------------------------------------------------------------------------
# progress, needs, due, at


def test_build_routine__progress_defaults_and_overrides():
    routine = build_routine(
        parse(
            "name: R\nprogress: {after: 5, hold: 6}\nsteps:\n"
            "  - exercise: A\n    hold: 5s\n"
            "  - exercise: B\n    hold: 5s\n    progress: {clean: 0, back: 2}\n"
        )
    )
    assert routine.progress == Progress(after=5, clean=2, hold=6, back=1)
    a, b = routine.steps
    assert a.progress == Progress(after=5, clean=2, hold=6, back=1)
    assert b.progress == Progress(after=5, clean=0, hold=6, back=2)
    plain = build_routine(parse("name: R\nsteps:\n  - exercise: A\n    hold: 5s\n"))
    assert plain.progress == plain.steps[0].progress == Progress(3, 2, 5, 1)
    assert (plain.due, plain.at) == (None, ())


def test_build_routine__progress_invalid():
    assert problems(
        "name: R\nprogress: {after: 0, clean: 6, hold: 5, pain: 3}\nsteps:\n"
        "  - exercise: A\n    hold: 5s\n    progress: {clean: 7}\n"
        "  - exercise: B\n    hold: 5s\n    progress: 3\n"
    ) == [
        "2:19: progress.after is 0, outside 1 to 20 (hint: progress.after is a whole number 1 to 20)",
        "2:29: progress: clean 6 is above hold 5 (hint: pain 0..clean is clean and clean+1..hold "
        "keeps the level; make clean at most hold)",
        "2:41: unknown key 'pain' in progress (hint: the keys here are after, clean, hold, back)",
        "6:23: progress: clean 7 is above hold 5 (hint: pain 0..clean is clean and clean+1..hold "
        "keeps the level; make clean at most hold)",
        "9:15: progress must be a mapping, not 3 (hint: write e.g. "
        "`progress: {after: 3, clean: 2, hold: 5, back: 1}`)",
    ]


def test_build_routine__needs_valid():
    routine = build_routine(
        parse(
            "name: R\nsteps:\n  - exercise: Partial cobra\n    hold: 5s\n"
            "  - exercise: Cobra\n    hold: 5s\n    needs: Partial cobra\n"
            "  - exercise: Plank\n    hold: 5s\n    needs: {exercise: Cobra, clean: 4}\n"
        )
    )
    assert [s.needs for s in routine.steps] == [
        None,
        Needs("Partial cobra"),
        Needs("Cobra", 4),
    ]


def test_build_routine__needs_a_missing_exercise():
    assert problems(
        "name: R\nsteps:\n  - exercise: Partial cobra\n    hold: 5s\n"
        "  - exercise: Cobra\n    hold: 5s\n    needs: Partial kobra\n"
        "  - exercise: Plank\n    hold: 5s\n    needs: Side plank\n"
    ) == [
        "7:12: needs 'Partial kobra', but this routine has no exercise of that name "
        "(hint: did you mean 'Partial cobra'?)",
        "10:12: needs 'Side plank', but this routine has no exercise of that name "
        "(hint: name an exercise of this routine as its `exercise:` says it)",
    ]


def test_build_routine__needs_that_loop():
    assert problems(
        "name: R\nsteps:\n"
        "  - exercise: A\n    hold: 5s\n    needs: C\n"
        "  - repeat: 2\n    steps:\n"
        "      - exercise: B\n        hold: 5s\n        needs: A\n"
        "      - exercise: C\n        hold: 5s\n        needs: {exercise: B}\n"
        "  - exercise: D\n    hold: 5s\n    needs: D\n"
    ) == [
        "5:12: the needs loop: 'A' needs 'C' needs 'B' needs 'A' (hint: remove one of these "
        "needs; a loop would keep every step in it locked)",
        "16:12: the needs loop: 'D' needs 'D' (hint: remove one of these needs; a loop would "
        "keep every step in it locked)",
    ]


@pytest.mark.parametrize(
    ("written", "due"),
    [
        ("daily", Due(per_day=1)),
        ("twice a day", Due(per_day=2)),
        ("3 times a day", Due(per_day=3)),
        ("1 time a day", Due(per_day=1)),
        ("weekdays", Due(days=(0, 1, 2, 3, 4))),
        ("Weekends", Due(days=(5, 6))),
        ("mon wed fri", Due(days=(0, 2, 4))),
        ("'sunday, Tuesday'", Due(days=(1, 6))),
        ("3 times a week", Due(per_week=3)),
        ("every 2 days", Due(every_days=2)),
    ],
)
def test_build_routine__due_valid(written, due):
    routine = build_routine(parse(f"name: R\ndue: {written}\nsteps:\n  - rest: 1\n"))
    assert routine.due == due


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("mon wed fry", "due 'mon wed fry': 'fry' is not a day (hint: did you mean 'fri'?)"),
        ("mon xyz", "due 'mon xyz': 'xyz' is not a day (hint: write days as mon tue wed thu fri sat sun)"),
        ("mon mon", "due 'mon mon' names mon twice (hint: name each day once)"),
        ("7 times a day", f"due '7 times a day': 7 is outside 1 to 6 (hint: {v.DUE_HINT})"),
        ("22 times a week", f"due '22 times a week': 22 is outside 1 to 21 (hint: {v.DUE_HINT})"),
        ("every 1 day", f"due 'every 1 day': 1 is outside 2 to 14 (hint: {v.DUE_HINT})"),
        ("often", f"due 'often' is not a schedule (hint: {v.DUE_HINT})"),
        ("3 times an hour", f"due '3 times an hour' is not a schedule (hint: {v.DUE_HINT})"),
        ("[mon]", f"due must be a schedule, not a list (hint: {v.DUE_HINT})"),
    ],
)
def test_build_routine__due_invalid(written, message):
    assert problems(f"name: R\ndue: {written}\nsteps:\n  - rest: 1\n") == [f"2:6: {message}"]


def test_build_routine__at_valid():
    routine = build_routine(
        parse("name: R\ndue: 3 times a day\nat: [19:00, 08:00, '13:30']\nsteps:\n  - rest: 1\n")
    )
    assert routine.at == (8 * 60, 13 * 60 + 30, 19 * 60)
    one = build_routine(parse("name: R\ndue: daily\nat: 7:05\nsteps:\n  - rest: 1\n"))
    assert one.at == (7 * 60 + 5,)


def test_build_routine__at_invalid():
    hint = "write 24-hour times such as 08:00 or [08:00, 13:00, 19:00]"
    assert problems("name: R\ndue: daily\nat: [08:00, 24:00, 8]\nsteps:\n  - rest: 1\n") == [
        f"3:13: at 24:00 is not a time of day (hint: {hint})"
    ]
    assert problems("name: R\ndue: daily\nat: [08:00, 8:00]\nsteps:\n  - rest: 1\n") == [
        "3:13: at lists 8:00 twice (hint: give each reminder time once)"
    ]
    assert problems("name: R\nat: 08:00\nsteps:\n  - rest: 1\n") == [
        "2:1: at gives reminder times, but the routine says no due (hint: add `due: ...` "
        "(e.g. `due: 3 times a day`); reminders come on the days it is due)"
    ]
