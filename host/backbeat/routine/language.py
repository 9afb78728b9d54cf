"""The routine language as one table: each key of each place, with its validator, default and help.

`structure` checks a routine against these tables and `schema` writes the
JSON Schema from them, so adding a key is one entry here. A key's ``schema``
is the JSON Schema of its value (references name the value forms that
`schema` defines); ``validate(node, what)`` returns the value or raises
:class:`~backbeat.routine.errors.Invalid`; a key without a validator is built
by `structure` from its own table (a mapping) or from the keys beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from backbeat import text as display
from backbeat.routine import values as v
from backbeat.routine.errors import Invalid
from backbeat.routine.model import Amount, Progress, Progression
from backbeat.routine.nodes import Mapping, Node


@dataclass(frozen=True)
class Key:
    """One key of one place of a routine."""

    name: str
    help: str
    schema: dict
    validate: Callable[[Node, str], Any] | None = None
    default: Any = None


def ref(name: str) -> dict:
    """A reference to a value form of the schema's ``$defs``."""
    return {"$ref": f"#/$defs/{name}"}


def names(keys: tuple[Key, ...]) -> tuple[str, ...]:
    return tuple(k.name for k in keys)


def by_name(keys: tuple[Key, ...]) -> dict[str, Key]:
    return {k.name: k for k in keys}


# Validators of amounts that may be progressions, by what they measure.
def segment_duration(node: Node, what: str) -> Amount:
    return v.progressive(node, what, v.duration, v.duration_step)


def gap_duration(node: Node, what: str) -> Amount:
    """prepare, rest, switch: 0 leaves the segment out."""
    amount = v.progressive(node, what, lambda n, w: v.duration(n, w, zero_ok=True), v.duration_step)
    if isinstance(amount, Progression) and amount.start == 0 < amount.stop and amount.step < v.SEGMENT_MIN_MS:
        # Level 1 would give min(to, step): more than 0 but less than a segment can last.
        assert isinstance(node, Mapping)
        raise Invalid(
            f"{what}.step is {v.format_ms(amount.step)}: from 0 the next level would be shorter than 1s",
            "a progression from 0 steps by at least 1s",
            node.get("step"),
        )
    return amount


def pace_duration(node: Node, what: str) -> Amount:
    return v.progressive(
        node, what, lambda n, w: v.duration(n, w, minimum=v.PACE_MIN_MS), v.duration_step
    )


def hundred(node: Node, what: str) -> Amount:
    """reps, count, rounds, repeat: 1 to 100."""
    return v.progressive(node, what, v.count, v.count_step)


def cycles(node: Node, what: str) -> Amount:
    return v.progressive(node, what, lambda n, w: v.count(n, w, 1, None), v.count_step)


def name_text(node: Node, what: str) -> str:
    return v.text(node, what, v.NAME_MAX_CHARS, display.MAX_LINES)


def screen_text(node: Node, what: str) -> str:
    return v.text(node, what, None, display.MAX_LINES)


def _between(low: int, high: int) -> Callable[[Node, str], int]:
    return lambda node, what: v.count(node, what, low, high)


def _integer(low: int, high: int) -> dict:
    return {"type": "integer", "minimum": low, "maximum": high}


def _text_schema(max_length: int | None = None) -> dict:
    out: dict = {"type": "string", "minLength": 1}
    if max_length is not None:
        out["maxLength"] = max_length
    return out


GAP = "0 leaves the segment out."
DEFAULT_PROGRESS = Progress()

# The pain rules of an exercise (PROGRESS.md): `progress:` of a routine or of a step.
PROGRESS = (
    Key("after", "Clean attempts at one level before the next level (1 to 20).",
        _integer(1, 20), _between(1, 20), DEFAULT_PROGRESS.after),
    Key("clean", "Pain 0 to this (of 10) is clean.",
        _integer(0, 10), _between(0, 10), DEFAULT_PROGRESS.clean),
    Key("hold", "Pain above clean and up to this keeps the level; more steps back.",
        _integer(0, 10), _between(0, 10), DEFAULT_PROGRESS.hold),
    Key("back", "Levels to step back after too much pain (1 to 20).",
        _integer(1, 20), _between(1, 20), DEFAULT_PROGRESS.back),
)
assert names(PROGRESS) == tuple(f.name for f in fields(Progress))

# `needs: {exercise: NAME, clean: N}`; `needs: NAME` is short for it.
NEEDS = (
    Key("exercise", "The exercise of this routine that must go well first.", _text_schema()),
    Key("clean", "Clean attempts it needs (default: its `after`).", _integer(1, 100)),
)

PROGRESS_KEY = Key(
    "progress",
    "How the logs earn levels: after N clean attempts the next level; pain above hold steps back.",
    ref("progress"),
)

# Keys that `defaults:` sets for every exercise step, and each step may set for itself.
PREPARE = Key("prepare", f"Countdown before the step. {GAP}", ref("gapOrProgression"), gap_duration, 5000)
REST = Key("rest", f"Rest between reps. {GAP}", ref("gapOrProgression"), gap_duration, 10000)
SWITCH = Key("switch", f"Pause between sides. {GAP}", ref("gapOrProgression"), gap_duration, 5000)
BREATH = Key("breath", "Breathing guidance for holds.", ref("breathPattern"), v.breath_pattern, None)
PACE = Key("pace", "Time between counted reps.", ref("paceOrProgression"), pace_duration, 3000)
DEFAULTS = (PREPARE, REST, SWITCH, BREATH, PACE)

TOP = (
    Key("name", "The routine's name (32 characters at most).",
        _text_schema(v.NAME_MAX_CHARS), name_text),
    Key("about", "What the routine is for.", _text_schema(), v.text),
    Key("source", "Where the exercises come from.", _text_schema(), v.text),
    Key("defaults", "Values for every step that does not set its own.", ref("defaults")),
    PROGRESS_KEY,
    Key("due", "When the routine is due: daily, 3 times a day, weekdays, mon wed fri, "
        "3 times a week, every 2 days.", ref("due"), v.due),
    Key("at", "Reminder times on the days it is due (08:00 or [08:00, 13:00, 19:00]).",
        ref("times"), v.at_times, ()),
    Key("steps", "The steps, in order.", ref("steps")),
)

WORK_KINDS = ("hold", "breathe", "pnf", "count")
CAP_DEFAULT_MS = 5 * v.MINUTE

EXERCISE = (
    Key("exercise", "The exercise's name, shown on the screen.",
        _text_schema(v.NAME_MAX_CHARS), name_text),
    Key("say", "What the screen says during the step (3 lines of 16 characters at most).",
        _text_schema(), screen_text),
    Key("hold", "Hold still for a time, or `max`: as long as you can (needs `target`).",
        {"anyOf": [{"const": "max"}, ref("segmentOrProgression")]}, segment_duration),
    Key("breathe", "Paced breathing: a pattern and either cycles or for.", ref("breathe")),
    Key("pnf", "Contract-relax stretching: stretch, then rounds of contract, relax, deeper stretch.",
        ref("pnf")),
    Key("count", "Reps counted at `pace`.", ref("countOrProgression"), hundred),
    Key("target", "Planned time of `hold: max`; it moves up with the best recent holds.",
        ref("segmentOrProgression"), segment_duration),
    Key("cap", "Longest time of `hold: max` (default 5m).", ref("segmentOrProgression"),
        segment_duration, CAP_DEFAULT_MS),
    Key("sides", "both (left then right), left, right, or a list of 1 to 4 sides in order.",
        ref("sides"), lambda node, what: v.sides(node), (None,)),
    Key("reps", "Reps on each side (default 1).", ref("countOrProgression"), hundred, 1),
    PREPARE,
    REST,
    SWITCH,
    BREATH,
    PACE,
    Key("check", "Ask about pain after the step.", {"const": "pain"},
        lambda node, what: v.check(node), False),
    PROGRESS_KEY,
    Key("needs", "Leave this step out until another exercise of the routine went well: "
        "NAME or {exercise: NAME, clean: N}.", ref("needs"), v.needs),
)

REST_STEP = (
    Key("rest", "A rest of this length.", ref("segmentOrProgression"), segment_duration),
    Key("say", "What the screen says during the rest.", _text_schema(), screen_text),
)

REPEAT = (
    Key("repeat", "How many times to do the steps.", ref("countOrProgression"), hundred),
    Key("steps", "The steps to repeat.", ref("steps")),
    Key("rest", f"Rest between rounds. {GAP}", ref("gapOrProgression"), gap_duration, 0),
)

BREATHE = (
    Key("pattern", "The breath pattern (default: `breath`).", ref("breathPattern"), v.breath_pattern),
    Key("cycles", "Breaths to take.", ref("cyclesOrProgression"), cycles),
    Key("for", "Breathe for this long (whole cycles, at least one).",
        ref("segmentOrProgression"), segment_duration),
)

PNF = (
    Key("stretch", "The first stretch.", ref("segmentOrProgression"), segment_duration),
    Key("contract", "Push against the stretch.", ref("segmentOrProgression"), segment_duration),
    Key("relax", "Let go.", ref("segmentOrProgression"), segment_duration),
    Key("deeper", "The deeper stretch after each contraction.", ref("segmentOrProgression"),
        segment_duration),
    Key("rounds", "Rounds of contract, relax, deeper stretch.", ref("countOrProgression"), hundred),
)
