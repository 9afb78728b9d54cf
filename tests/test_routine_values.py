"""Tests of backbeat.routine.values: each validator on good values and the exact message for bad ones."""

from __future__ import annotations

import pytest
from backbeat.routine import values as v
from backbeat.routine.errors import Invalid
from backbeat.routine.loader import parse
from backbeat.routine.model import Progression
from backbeat.timeline import BreathPattern


def node(yaml_value: str):
    """The positioned node of ``x: <yaml_value>``."""
    return parse(f"x: {yaml_value}\n").get("x")


def message(validate, yaml_value: str, *args) -> str:
    with pytest.raises(Invalid) as caught:
        validate(node(yaml_value), *args)
    return f"{caught.value.message} (hint: {caught.value.hint})"


@pytest.mark.parametrize(
    "ms, shown",
    [
        (0, "0s"),
        (1, "1ms"),
        (500, "500ms"),
        (1000, "1s"),
        (2500, "2.5s"),
        (2050, "2.05s"),
        (90000, "1m30s"),
        (3600000, "1h"),
        (3661001, "1h1m1.001s"),
        (60500, "1m0.5s"),
    ],
)
def test_format_ms(ms, shown):
    assert v.format_ms(ms) == shown


@pytest.mark.parametrize(
    "written, ms",
    [
        ("30", 30000),
        ("2.5", 2500),
        ("0", 0),
        ("1:30", 90000),
        ("30s", 30000),
        ("1m30s", 90000),
        ("1m 30s", 90000),
        ("500ms", 500),
        ("1h", 3600000),
        ("1.5m", 90000),
        ("1h2m3s4ms", 3723004),
        ("'45s'", 45000),
        ("0.001", 1),
        ("10 s", 10000),
    ],
)
def test_parse_duration__valid(written, ms):
    assert v.parse_duration(node(written), "hold") == ms


DURATION_HINT = "write seconds (30, 2.5) or a time with units h, m, s, ms (30s, 1m30s, 500ms)"


@pytest.mark.parametrize(
    "written, expected",
    [
        ("30x", f"hold '30x' is not a duration (hint: {DURATION_HINT})"),
        ("s30", f"hold 's30' is not a duration (hint: {DURATION_HINT})"),
        ("30s1m", f"hold '30s1m' is not a duration (hint: {DURATION_HINT})"),
        (
            "1m30",
            "hold '1m30' is not a duration (hint: give every number its unit, e.g. 30s or 1m30s)",
        ),
        (
            "'30'",
            "hold '30' is not a duration (hint: give every number its unit, e.g. 30s or 1m30s)",
        ),
        ("-5", f"hold must not be negative (hint: {DURATION_HINT})"),
        ("-5s", f"hold must not be negative (hint: {DURATION_HINT})"),
        (
            "2.0005s",
            "hold 2.0005s is not a whole number of milliseconds (hint: durations count whole milliseconds; round it, e.g. 2.5s or 2501ms)",
        ),
        (
            "0.0001",
            "hold 0.0001 is not a whole number of milliseconds (hint: durations count whole milliseconds; round it, e.g. 2.5s or 2501ms)",
        ),
        (".inf", f".inf is not a duration (hint: {DURATION_HINT})"),
        ("[30s]", f"hold must be a duration, not a list (hint: {DURATION_HINT})"),
        ("{a: 1}", f"hold must be a duration, not a mapping (hint: {DURATION_HINT})"),
        ("", f"hold has no value (hint: {DURATION_HINT})"),
        ("true", f"hold must be a duration, not true (hint: {DURATION_HINT})"),
    ],
)
def test_parse_duration__invalid(written, expected):
    assert message(v.parse_duration, written, "hold") == expected


def test_duration__limits():
    assert v.duration(node("1s"), "hold") == 1000
    assert v.duration(node("1h"), "hold") == 3600000
    assert v.duration(node("0"), "rest", zero_ok=True) == 0
    assert (
        message(v.duration, "999ms", "hold")
        == "hold is 999ms, shorter than 1s (hint: make it at least 1s)"
    )
    assert message(v.duration, "3600.001", "hold") == (
        "hold is 1h0.001s, longer than 1h (hint: make it at most 1h, or split it into several steps)"
    )
    assert (
        message(v.duration, "0", "hold")
        == "hold is 0s, shorter than 1s (hint: make it at least 1s)"
    )
    with pytest.raises(Invalid) as caught:
        v.duration(node("0.5s"), "rest", zero_ok=True)
    assert caught.value.hint == "write 0 to leave it out, or at least 1s"


@pytest.mark.parametrize("written, value", [("1", 1), ("100", 100), ("42", 42)])
def test_count__valid(written, value):
    assert v.count(node(written), "reps") == value


@pytest.mark.parametrize(
    "written, expected",
    [
        ("0", "reps is 0, outside 1 to 100 (hint: reps is a whole number 1 to 100)"),
        ("101", "reps is 101, outside 1 to 100 (hint: reps is a whole number 1 to 100)"),
        (
            "2.5",
            "reps must be a whole number, not 2.5 (hint: write a number 1 to 100, e.g. reps: 3)",
        ),
        (
            "'3'",
            "reps must be a whole number, not '3' (hint: write a number 1 to 100, e.g. reps: 3)",
        ),
        (
            "yes",
            "reps must be a whole number, not yes (hint: write a number 1 to 100, e.g. reps: 3)",
        ),
        (
            "",
            "reps must be a whole number, not nothing (hint: write a number 1 to 100, e.g. reps: 3)",
        ),
        (
            "[1]",
            "reps must be a whole number, not a list (hint: write a number 1 to 100, e.g. reps: 3)",
        ),
    ],
)
def test_count__invalid(written, expected):
    assert message(v.count, written, "reps") == expected


def test_count__without_upper_limit():
    assert v.count(node("5000"), "cycles", 1, None) == 5000
    assert (
        message(v.count, "0", "cycles", 1, None)
        == "cycles is 0, less than 1 (hint: make it 1 or more)"
    )


def test_progressive__plain_and_progression():
    assert v.progressive(node("10s"), "hold", v.duration, v.duration_step) == 10000
    assert v.progressive(
        node("{from: 10s, to: 30s, step: 5s}"), "hold", v.duration, v.duration_step
    ) == Progression(10000, 30000, 5000)
    assert v.progressive(
        node("{from: 3, to: 3, step: 1}"), "reps", v.count, v.count_step
    ) == Progression(3, 3, 1)


@pytest.mark.parametrize(
    "written, expected",
    [
        (
            "{from: 30s, to: 10s, step: 5s}",
            "the progression of hold goes down: from 30s to 10s (hint: `from` is the value at level 0; make `to` at least `from`)",
        ),
        (
            "{from: 10s, step: 5s}",
            "the progression of hold has no 'to' (hint: a progression is {from: A, to: B, step: C}: A at level 0, C more each level, never above B)",
        ),
        (
            "{}",
            "the progression of hold has no 'from' or 'to' or 'step' (hint: a progression is {from: A, to: B, step: C}: A at level 0, C more each level, never above B)",
        ),
        (
            "{from: 10s, to: 30s, step: 0s}",
            "hold.step is 0 (hint: a progression grows by more than 0 each level, e.g. step: 5s)",
        ),
        (
            "{from: 0.5s, to: 30s, step: 1s}",
            "hold.from is 500ms, shorter than 1s (hint: make it at least 1s)",
        ),
        (
            "{from: 1s, to: 2h, step: 1s}",
            "hold.to is 2h, longer than 1h (hint: make it at most 1h, or split it into several steps)",
        ),
        (
            "{from: 1s, to: 2s, step: 1s, by: 1}",
            "unknown key 'by' in the progression of hold (hint: the keys here are from, to, step)",
        ),
    ],
)
def test_progressive__invalid(written, expected):
    assert message(v.progressive, written, "hold", v.duration, v.duration_step) == expected


@pytest.mark.parametrize(
    "written, pattern",
    [
        ("4-6", BreathPattern(4000, 0, 6000, 0)),
        ("4-7-8", BreathPattern(4000, 7000, 8000, 0)),
        ("4-4-4-4", BreathPattern(4000, 4000, 4000, 4000)),
        ("5.5-5.5", BreathPattern(5500, 0, 5500, 0)),
        ("0.5-60", BreathPattern(500, 0, 60000, 0)),
        ("'4 - 6'", BreathPattern(4000, 0, 6000, 0)),
        ("none", None),
    ],
)
def test_breath_pattern__valid(written, pattern):
    assert v.breath_pattern(node(written), "breath") == pattern


@pytest.mark.parametrize(
    "written, expected",
    [
        ("4", f"breath '4' has 1 phase, not 2 to 4 (hint: {v.PATTERN_HINT})"),
        ("4-4-4-4-4", f"breath '4-4-4-4-4' has 5 phases, not 2 to 4 (hint: {v.PATTERN_HINT})"),
        ("4s-6s", f"breath '4s-6s' is not a breath pattern (hint: {v.PATTERN_HINT})"),
        ("slow", f"breath 'slow' is not a breath pattern (hint: {v.PATTERN_HINT})"),
        ("4--6", f"breath '4--6' is not a breath pattern (hint: {v.PATTERN_HINT})"),
        (
            "0.4-6",
            "breath '0.4-6': the in phase is 400ms, outside 0.5s to 60s (hint: each breath phase lasts 0.5s to 60s)",
        ),
        (
            "4-0-6",
            "breath '4-0-6': the hold phase is 0s, outside 0.5s to 60s (hint: each breath phase lasts 0.5s to 60s)",
        ),
        (
            "4-4-61",
            "breath '4-4-61': the out phase is 1m1s, outside 0.5s to 60s (hint: each breath phase lasts 0.5s to 60s)",
        ),
        (
            "4-1.0001",
            "breath '4-1.0001': 1.0001 is not a whole number of milliseconds (hint: durations count whole milliseconds; round it)",
        ),
        ("[4, 6]", f"breath must be a breath pattern, not a list (hint: {v.PATTERN_HINT})"),
        ("", f"breath must be a breath pattern, not nothing (hint: {v.PATTERN_HINT})"),
    ],
)
def test_breath_pattern__invalid(written, expected):
    assert message(v.breath_pattern, written, "breath") == expected


@pytest.mark.parametrize(
    "written, sides",
    [
        ("both", ("left", "right")),
        ("left", ("left",)),
        ("right", ("right",)),
        ("[right, left]", ("right", "left")),
        ("[left, left, right, right]", ("left", "left", "right", "right")),
    ],
)
def test_sides__valid(written, sides):
    assert v.sides(node(written)) == sides


@pytest.mark.parametrize(
    "written, expected",
    [
        ("up", f"sides must be both, left, right or a list, not 'up' (hint: {v.SIDES_HINT})"),
        ("", f"sides must be both, left, right or a list, not nothing (hint: {v.SIDES_HINT})"),
        ("[]", f"sides lists 0 sides, not 1 to 4 (hint: {v.SIDES_HINT})"),
        (
            "[left, right, left, right, left]",
            f"sides lists 5 sides, not 1 to 4 (hint: {v.SIDES_HINT})",
        ),
        ("[left, both]", "'both' is not a side (hint: each side in the list is left or right)"),
    ],
)
def test_sides__invalid(written, expected):
    assert message(v.sides, written) == expected


def test_text__valid():
    assert v.text(node("'  Cat  '"), "exercise", 32, 3) == "Cat"
    assert v.text(node("42"), "exercise") == "42"
    assert v.text(node("a" * 32), "name", 32, 3) == "a" * 32
    assert v.text(node("Breathe in slowly, let the back sink"), "say", None, 3) == (
        "Breathe in slowly, let the back sink"
    )


@pytest.mark.parametrize(
    "written, args, expected",
    [
        ("''", ("say",), "say is empty (hint: write the say text, or leave the key out)"),
        ("", ("say",), "say is empty (hint: write the say text, or leave the key out)"),
        (
            "[a]",
            ("say",),
            "say must be text, not a list (hint: write the text on the same line as the key)",
        ),
        (
            "a" * 33,
            ("name", 32, 3),
            "name has 33 characters, more than 32 (hint: shorten it to 32 characters at most)",
        ),
        (
            "one two three four five six seven eight nine ten eleven",
            ("say", None, 3),
            "say takes 4 lines on the 16-column screen, more than 3 "
            "(hint: shorten it: 3 lines hold at most 48 characters, fewer when words do not fill a line)",
        ),
    ],
)
def test_text__invalid(written, args, expected):
    assert message(v.text, written, *args) == expected


def test_check__valid_and_invalid():
    assert v.check(node("pain")) is True
    assert (
        message(v.check, "dizzy")
        == "check must be pain, not 'dizzy' (hint: write `check: pain`, or leave it out)"
    )


def test_unknown_key__suggests_a_close_key():
    root = parse("holds: 1\nzzz: 2\n")
    keys = [k for k, _ in root]
    assert v.unknown_key(keys[0], ("hold", "reps"), "a step").hint == "did you mean 'hold'?"
    assert v.unknown_key(keys[1], ("hold", "reps"), "a step").hint == "the keys here are hold, reps"
    assert (
        v.unknown_key(keys[1], ("hold", "reps"), "a step").message == "unknown key 'zzz' in a step"
    )
