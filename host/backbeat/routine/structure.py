"""The shape of a routine: which keys go where, defaults, and the checked model built from them.

Every problem found is collected, so that one run reports all the errors of a
file; a part with an error is left out of the model, and the caller gets
:class:`MultipleInvalid` instead of a routine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from backbeat import text as display
from backbeat.routine import values as v
from backbeat.routine.errors import Invalid, MultipleInvalid
from backbeat.routine.model import (
    Amount,
    Breathe,
    Count,
    ExerciseStep,
    Hold,
    HoldMax,
    Item,
    Pnf,
    Progression,
    Repeat,
    RestStep,
    Routine,
    at_level,
)
from backbeat.routine.nodes import Mapping, Node, Scalar, Sequence, describe
from backbeat.timeline import BreathPattern

TOP_KEYS = ("name", "about", "source", "defaults", "steps")
DEFAULT_KEYS = ("prepare", "rest", "switch", "breath", "pace")
WORK_KINDS = ("hold", "breathe", "pnf", "count")
EXERCISE_KEYS = (
    "exercise",
    "say",
    *WORK_KINDS,
    "target",
    "cap",
    "sides",
    "reps",
    "prepare",
    "rest",
    "switch",
    "breath",
    "pace",
    "check",
)
REST_KEYS = ("rest", "say")
REPEAT_KEYS = ("repeat", "steps", "rest")
BREATHE_KEYS = ("pattern", "cycles", "for")
PNF_KEYS = ("stretch", "contract", "relax", "deeper", "rounds")

BUILTIN_DEFAULTS = {"prepare": 5000, "rest": 10000, "switch": 5000, "breath": None, "pace": 3000}
CAP_DEFAULT_MS = 5 * v.MINUTE

STEP_HINT = "start a step with `- exercise: NAME`, `- rest: 30s` or `- repeat: N`"
PNF_EXAMPLE = "pnf: {stretch: 10s, contract: 6s, relax: 3s, deeper: 30s, rounds: 3}"

T = TypeVar("T")


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


@dataclass
class _Collector:
    """Gathers problems; ``get`` runs one validator and keeps going when it fails."""

    problems: list[Invalid]

    def add(self, problem: Invalid) -> None:
        self.problems.append(problem)

    def get(self, validate: Callable[..., T], *args) -> T | None:
        try:
            return validate(*args)
        except MultipleInvalid as many:
            self.problems.extend(many.problems)
        except Invalid as problem:
            self.problems.append(problem)
        return None

    def keys(self, node: Mapping, allowed: tuple[str, ...], place: str) -> None:
        for key, _ in node:
            if key.text not in allowed:
                self.add(v.unknown_key(key, allowed, place))


def build_routine(root: Node) -> Routine:
    """The checked routine of a parsed file; raises :class:`MultipleInvalid` with every problem."""
    c = _Collector([])
    if not isinstance(root, Mapping):
        raise MultipleInvalid(
            [
                Invalid(
                    f"a routine is a mapping of keys, not {describe(root)}",
                    "start the file with `name:` and `steps:`",
                    root,
                )
            ]
        )
    c.keys(root, TOP_KEYS, "the routine")
    name = about = source = None
    if "name" in root:
        name = c.get(v.text, root.get("name"), "name", v.NAME_MAX_CHARS, display.MAX_LINES)
    else:
        c.add(
            Invalid(
                "the routine has no name", "add `name: ...` at the top, 32 characters at most", root
            )
        )
    if "about" in root:
        about = c.get(v.text, root.get("about"), "about")
    if "source" in root:
        source = c.get(v.text, root.get("source"), "source")
    defaults = dict(BUILTIN_DEFAULTS)
    if "defaults" in root:
        _defaults(c, root.get("defaults"), defaults)
    steps: tuple[Item, ...] = ()
    steps_key = root.key_node("steps")
    if steps_key is None:
        c.add(Invalid("the routine has no steps", "add `steps:` with at least one step", root))
    else:
        steps = _steps(c, root.get("steps"), "steps", defaults)
    if c.problems:
        raise MultipleInvalid(c.problems)
    assert name is not None
    return Routine(name=name, steps=steps, about=about, source=source, node=steps_key)


def _defaults(c: _Collector, node: Node, defaults: dict) -> None:
    if isinstance(node, Scalar) and node.is_null:
        return
    if not isinstance(node, Mapping):
        c.add(
            Invalid(
                f"defaults must be a mapping, not {describe(node)}",
                "indent `prepare:`, `rest:` ... under `defaults:`",
                node,
            )
        )
        return
    c.keys(node, DEFAULT_KEYS, "defaults")
    for key, check in (
        ("prepare", gap_duration),
        ("rest", gap_duration),
        ("switch", gap_duration),
        ("pace", pace_duration),
    ):
        if key in node:
            value = c.get(check, node.get(key), f"defaults.{key}")
            if value is not None:
                defaults[key] = value
    if "breath" in node:
        try:
            defaults["breath"] = v.breath_pattern(node.get("breath"), "defaults.breath")
        except Invalid as problem:
            c.add(problem)


def _steps(c: _Collector, node: Node, what: str, defaults: dict) -> tuple[Item, ...]:
    if isinstance(node, Scalar) and node.is_null or isinstance(node, Sequence) and len(node) == 0:
        c.add(Invalid(f"{what} is empty", "list at least one step, each starting with `- `", node))
        return ()
    if not isinstance(node, Sequence):
        c.add(
            Invalid(
                f"{what} must be a list, not {describe(node)}",
                "write each step on its own line starting with `- `",
                node,
            )
        )
        return ()
    items = []
    for item in node:
        built = _item(c, item, defaults)
        if built is not None:
            items.append(built)
    return tuple(items)


def _item(c: _Collector, node: Node, defaults: dict) -> Item | None:
    if not isinstance(node, Mapping):
        c.add(Invalid(f"a step must be a mapping of keys, not {describe(node)}", STEP_HINT, node))
        return None
    if "exercise" in node and "repeat" in node:
        c.add(
            Invalid(
                "a step cannot be both an exercise and a repeat block",
                "put the exercise in the repeat block's `steps`",
                node.key_node("repeat"),
            )
        )
        return None
    if "exercise" in node:
        return _exercise(c, node, defaults)
    if "repeat" in node:
        return _repeat(c, node, defaults)
    kinds = [k for k in node.keys() if k in WORK_KINDS]
    if kinds:
        c.add(
            Invalid(
                f"a step with {kinds[0]} has no exercise", "name it: add `exercise: NAME`", node
            )
        )
        return None
    if "rest" in node:
        return _rest_step(c, node)
    if "steps" in node:
        c.add(
            Invalid(
                "a step with steps has no repeat",
                "write `repeat: N` to repeat these steps N times",
                node,
            )
        )
        return None
    c.add(Invalid("a step needs exercise, rest or repeat", STEP_HINT, node))
    return None


def _rest_step(c: _Collector, node: Mapping) -> RestStep | None:
    before = len(c.problems)
    c.keys(node, REST_KEYS, "a rest step")
    duration = c.get(segment_duration, node.get("rest"), "rest")
    say = c.get(v.text, node.get("say"), "say", None, display.MAX_LINES) if "say" in node else None
    if len(c.problems) > before:
        return None
    return RestStep(duration=duration, say=say, node=node.get("rest"))


def _repeat(c: _Collector, node: Mapping, defaults: dict) -> Repeat | None:
    before = len(c.problems)
    c.keys(node, REPEAT_KEYS, "a repeat block")
    times = c.get(hundred, node.get("repeat"), "repeat")
    rest = c.get(gap_duration, node.get("rest"), "rest") if "rest" in node else 0
    if "steps" in node:
        steps = _steps(c, node.get("steps"), "steps", defaults)
    else:
        c.add(
            Invalid("a repeat block has no steps", "list the steps to repeat under `steps:`", node)
        )
        steps = ()
    if len(c.problems) > before:
        return None
    return Repeat(times=times, steps=steps, rest=rest, node=node.get("repeat"))


def _exercise(c: _Collector, node: Mapping, defaults: dict) -> ExerciseStep | None:
    before = len(c.problems)
    c.keys(node, EXERCISE_KEYS, "an exercise step")
    exercise = c.get(v.text, node.get("exercise"), "exercise", v.NAME_MAX_CHARS, display.MAX_LINES)
    say = c.get(v.text, node.get("say"), "say", None, display.MAX_LINES) if "say" in node else None

    settings: dict = {}
    for key, check in (("prepare", gap_duration), ("rest", gap_duration), ("switch", gap_duration)):
        settings[key] = c.get(check, node.get(key), key) if key in node else defaults[key]
    if "sides" in node:
        settings["sides"] = c.get(v.sides, node.get("sides"))
    if "reps" in node:
        settings["reps"] = c.get(hundred, node.get("reps"), "reps")
    if "check" in node:
        settings["check_pain"] = c.get(v.check, node.get("check"))

    breath = defaults["breath"]
    if "breath" in node:
        breath = c.get(v.breath_pattern, node.get("breath"), "breath")
    pace = defaults["pace"]
    if "pace" in node:
        pace = c.get(pace_duration, node.get("pace"), "pace")

    kinds = [(k, val) for k, val in node if k.text in WORK_KINDS]
    work = None
    if not kinds:
        shown = f" {exercise!r}" if exercise else ""
        c.add(
            Invalid(
                f"exercise{shown} has no work kind",
                "add one of hold, breathe, pnf, count (e.g. `hold: 30s`)",
                node,
            )
        )
    for key, _ in kinds[1:]:
        c.add(
            Invalid(
                f"two work kinds in one step: {kinds[0][0].text} and {key.text}",
                "keep one work kind per step; make another step for the other",
                key,
            )
        )
    kind = kinds[0][0].text if kinds else None
    is_max = kind == "hold" and isinstance(kinds[0][1], Scalar) and kinds[0][1].text == "max"
    for extra in ("target", "cap"):
        if extra in node and not is_max:
            c.add(
                Invalid(
                    f"{extra} only goes with `hold: max`",
                    "remove it, or write `hold: max`",
                    node.key_node(extra),
                )
            )
    if "pace" in node and kind not in (None, "count"):
        c.add(
            Invalid(
                "pace only goes with `count`",
                "remove it; pace sets the beat of counted reps",
                node.key_node("pace"),
            )
        )
    if "breath" in node and kind not in (None, "breathe") and (kind != "hold" or is_max):
        what = "hold: max" if is_max else kind
        c.add(
            Invalid(
                f"breath does not apply to {what}",
                "remove it; breathing guidance goes with `hold: D` and `breathe`",
                node.key_node("breath"),
            )
        )
    if len(kinds) == 1:
        key, value = kinds[0]
        if kind == "hold" and is_max:
            work = _hold_max(c, node, value)
        elif kind == "hold":
            duration = c.get(segment_duration, value, "hold")
            work = Hold(duration, breath, value)
        elif kind == "breathe":
            work = _breathe(c, value, breath)
        elif kind == "pnf":
            work = _pnf(c, value)
        else:
            number = c.get(hundred, value, "count")
            work = Count(number, pace, value)
    if len(c.problems) > before:
        return None
    assert exercise is not None and work is not None
    return ExerciseStep(exercise=exercise, work=work, say=say, node=node, **settings)


def _hold_max(c: _Collector, node: Mapping, value: Node) -> HoldMax | None:
    if "target" not in node:
        c.add(
            Invalid(
                "`hold: max` needs a target",
                "add `target: 30s`, the time the hold is planned for",
                value,
            )
        )
        return None
    target = c.get(segment_duration, node.get("target"), "target")
    cap: Amount | None = CAP_DEFAULT_MS
    where = value
    if "cap" in node:
        where = node.get("cap")
        cap = c.get(segment_duration, where, "cap")
    if target is None or cap is None:
        return None
    if at_level(cap, 0) < at_level(target, 0):
        c.add(
            Invalid(
                f"cap {v.format_ms(at_level(cap, 0))} is shorter than target {v.format_ms(at_level(target, 0))}",
                "the cap stops the hold; make it at least the target",
                where,
            )
        )
        return None
    return HoldMax(target, cap, where)


def _breathe(c: _Collector, node: Node, breath: BreathPattern | None) -> Breathe | None:
    if not isinstance(node, Mapping):
        c.add(
            Invalid(
                f"breathe must be a mapping, not {describe(node)}",
                "write e.g. `breathe: {pattern: 4-6, cycles: 10}` or `breathe: {pattern: 4-6, for: 5m}`",
                node,
            )
        )
        return None
    before = len(c.problems)
    c.keys(node, BREATHE_KEYS, "breathe")
    pattern = breath
    if "pattern" in node:
        pattern = c.get(v.breath_pattern, node.get("pattern"), "pattern")
        if pattern is None and len(c.problems) == before:
            c.add(
                Invalid(
                    "breathe cannot have pattern none",
                    "write a pattern such as 4-6, or leave `pattern` out to use `breath`",
                    node.get("pattern"),
                )
            )
    elif breath is None:
        c.add(
            Invalid(
                "breathe has no pattern",
                "add `pattern: 4-6`, or set `breath:` in the step or the defaults",
                node,
            )
        )
    number = for_ms = None
    if "cycles" in node and "for" in node:
        c.add(
            Invalid(
                "breathe has both cycles and for",
                "keep one: cycles counts breaths, for gives a time",
                node.key_node("for"),
            )
        )
    elif "cycles" in node:
        number = c.get(cycles, node.get("cycles"), "cycles")
    elif "for" in node:
        for_ms = c.get(segment_duration, node.get("for"), "for")
    else:
        c.add(Invalid("breathe has neither cycles nor for", "add `cycles: 10` or `for: 5m`", node))
    if len(c.problems) > before:
        return None
    assert pattern is not None
    return Breathe(pattern, number, for_ms, node)


def _pnf(c: _Collector, node: Node) -> Pnf | None:
    if not isinstance(node, Mapping):
        c.add(
            Invalid(
                f"pnf must be a mapping, not {describe(node)}", f"write e.g. `{PNF_EXAMPLE}`", node
            )
        )
        return None
    before = len(c.problems)
    c.keys(node, PNF_KEYS, "pnf")
    parts: dict = {}
    for key in PNF_KEYS:
        if key not in node:
            c.add(Invalid(f"pnf has no {key}", f"pnf needs all five: `{PNF_EXAMPLE}`", node))
            continue
        check = hundred if key == "rounds" else segment_duration
        parts[key] = c.get(check, node.get(key), key)
    if len(c.problems) > before:
        return None
    return Pnf(node=node, **parts)
