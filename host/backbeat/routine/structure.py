"""The checked model of a routine, built by the tables of `language` (which keys go where, their
validators and defaults) and the rules between keys (one work kind, `target` only with
`hold: max`, `clean` not above `hold`, needs that name an exercise and do not loop).

Every problem found is collected, so that one run reports all the errors of a
file; a part with an error is left out of the model, and the caller gets
:class:`MultipleInvalid` instead of a routine.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from backbeat.routine import language as lang
from backbeat.routine import values as v
from backbeat.routine.errors import Invalid, MultipleInvalid
from backbeat.routine.model import (
    Breathe,
    Count,
    ExerciseStep,
    Hold,
    HoldMax,
    Item,
    Needs,
    Pnf,
    Progress,
    Repeat,
    RestStep,
    Routine,
    at_level,
    exercise_steps,
)
from backbeat.routine.nodes import Mapping, Node, Scalar, Sequence, describe
from backbeat.timeline import BreathPattern

TOP_KEYS = lang.names(lang.TOP)
DEFAULT_KEYS = lang.names(lang.DEFAULTS)
WORK_KINDS = lang.WORK_KINDS
EXERCISE_KEYS = lang.names(lang.EXERCISE)
REST_KEYS = lang.names(lang.REST_STEP)
REPEAT_KEYS = lang.names(lang.REPEAT)
BREATHE_KEYS = lang.names(lang.BREATHE)
PNF_KEYS = lang.names(lang.PNF)
PROGRESS_KEYS = lang.names(lang.PROGRESS)

TOP = lang.by_name(lang.TOP)
EXERCISE = lang.by_name(lang.EXERCISE)
BREATHE = lang.by_name(lang.BREATHE)
BUILTIN_DEFAULTS = {k.name: k.default for k in lang.DEFAULTS}

STEP_HINT = "start a step with `- exercise: NAME`, `- rest: 30s` or `- repeat: N`"
PNF_EXAMPLE = "pnf: {stretch: 10s, contract: 6s, relax: 3s, deeper: 30s, rounds: 3}"

T = TypeVar("T")


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

    def value(self, node: Mapping, key: lang.Key, what: str | None = None):
        """The checked value of ``key`` in ``node`` (None when it has a problem)."""
        assert key.validate is not None
        return self.get(key.validate, node.get(key.name), what or key.name)


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
    name = about = source = due = None
    if "name" in root:
        name = c.value(root, TOP["name"])
    else:
        c.add(
            Invalid(
                "the routine has no name", "add `name: ...` at the top, 32 characters at most", root
            )
        )
    if "about" in root:
        about = c.value(root, TOP["about"])
    if "source" in root:
        source = c.value(root, TOP["source"])
    defaults = dict(BUILTIN_DEFAULTS)
    if "defaults" in root:
        _defaults(c, root.get("defaults"), defaults)
    progress = _progress(c, root.get("progress"), Progress()) if "progress" in root else Progress()
    defaults["progress"] = progress
    if "due" in root:
        due = c.value(root, TOP["due"])
    at = TOP["at"].default
    if "at" in root:
        at = c.value(root, TOP["at"])
        if "due" not in root:
            c.add(
                Invalid(
                    "at gives reminder times, but the routine says no due",
                    "add `due: ...` (e.g. `due: 3 times a day`); reminders come on the days it is due",
                    root.key_node("at"),
                )
            )
    steps: tuple[Item, ...] = ()
    steps_key = root.key_node("steps")
    if steps_key is None:
        c.add(Invalid("the routine has no steps", "add `steps:` with at least one step", root))
    else:
        steps = _steps(c, root.get("steps"), "steps", defaults)
    _check_needs(c, steps)
    if c.problems:
        raise MultipleInvalid(c.problems)
    assert name is not None
    return Routine(
        name=name,
        steps=steps,
        about=about,
        source=source,
        progress=progress,
        due=due,
        at=at or (),
        node=steps_key,
    )


def _progress(c: _Collector, node: Node, base: Progress) -> Progress:
    """``base`` with the rules written in ``node``; `clean` may not be above `hold`."""
    if not isinstance(node, Mapping):
        c.add(
            Invalid(
                f"progress must be a mapping, not {describe(node)}",
                "write e.g. `progress: {after: 3, clean: 2, hold: 5, back: 1}`",
                node,
            )
        )
        return base
    c.keys(node, PROGRESS_KEYS, "progress")
    written = {}
    for key in lang.PROGRESS:
        if key.name in node:
            value = c.value(node, key, f"progress.{key.name}")
            if value is not None:
                written[key.name] = value
    merged = replace(base, **written)
    if merged.clean > merged.hold:
        where = node.get("clean") if "clean" in written else node.get("hold")
        c.add(
            Invalid(
                f"progress: clean {merged.clean} is above hold {merged.hold}",
                "pain 0..clean is clean and clean+1..hold keeps the level; make clean at most hold",
                where,
            )
        )
        return base
    return merged


def _check_needs(c: _Collector, steps: tuple[Item, ...]) -> None:
    """Every `needs` names an exercise of the routine, and no chain of needs loops."""
    exercises = exercise_steps(steps)
    known = list(dict.fromkeys(s.exercise for s in exercises))
    graph: dict[str, list[Needs]] = {}
    for step in exercises:
        if step.needs is None:
            continue
        if step.needs.exercise not in known:
            close = difflib.get_close_matches(step.needs.exercise, known, n=1, cutoff=0.6)
            c.add(
                Invalid(
                    f"needs {step.needs.exercise!r}, but this routine has no exercise of that name",
                    f"did you mean {close[0]!r}?" if close
                    else "name an exercise of this routine as its `exercise:` says it",
                    step.needs.node,
                )
            )
            continue
        graph.setdefault(step.exercise, []).append(step.needs)
    reported: set[str] = set()
    for start in graph:
        path = _loop(graph, start)
        if path is None or start in reported:
            continue
        reported.update(path)
        first = path[1] if len(path) > 1 else start
        shown = " needs ".join(repr(n) for n in [*path, start])
        c.add(
            Invalid(
                f"the needs loop: {shown}",
                "remove one of these needs; a loop would keep every step in it locked",
                next(n for n in graph[start] if n.exercise == first).node,
            )
        )


def _loop(graph: dict[str, list[Needs]], start: str) -> list[str] | None:
    """The exercises from ``start`` along needs back to ``start``, if the needs loop."""
    stack = [[start]]
    while stack:
        path = stack.pop()
        for need in graph.get(path[-1], []):
            if need.exercise == start:
                return path
            if need.exercise not in path:
                stack.append([*path, need.exercise])
    return None


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
    for key in lang.DEFAULTS:
        if key.name in node:
            assert key.validate is not None
            try:
                defaults[key.name] = key.validate(node.get(key.name), f"defaults.{key.name}")
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
    keys = lang.by_name(lang.REST_STEP)
    duration = c.value(node, keys["rest"])
    say = c.value(node, keys["say"]) if "say" in node else None
    if len(c.problems) > before:
        return None
    return RestStep(duration=duration, say=say, node=node.get("rest"))


def _repeat(c: _Collector, node: Mapping, defaults: dict) -> Repeat | None:
    before = len(c.problems)
    c.keys(node, REPEAT_KEYS, "a repeat block")
    keys = lang.by_name(lang.REPEAT)
    times = c.value(node, keys["repeat"])
    rest = c.value(node, keys["rest"]) if "rest" in node else keys["rest"].default
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
    exercise = c.value(node, EXERCISE["exercise"])
    say = c.value(node, EXERCISE["say"]) if "say" in node else None

    settings: dict = {}
    for key in ("prepare", "rest", "switch"):
        settings[key] = c.value(node, EXERCISE[key]) if key in node else defaults[key]
    for key, field_name in (("sides", "sides"), ("reps", "reps"), ("check", "check_pain")):
        if key in node:
            settings[field_name] = c.value(node, EXERCISE[key])
    if "needs" in node:
        settings["needs"] = c.value(node, EXERCISE["needs"])
    settings["progress"] = defaults["progress"]
    if "progress" in node:
        settings["progress"] = _progress(c, node.get("progress"), defaults["progress"])

    breath = defaults["breath"]
    if "breath" in node:
        breath = c.value(node, EXERCISE["breath"])
    pace = defaults["pace"]
    if "pace" in node:
        pace = c.value(node, EXERCISE["pace"])

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
            duration = c.get(EXERCISE["hold"].validate, value, "hold")
            work = Hold(duration, breath, value)
        elif kind == "breathe":
            work = _breathe(c, value, breath)
        elif kind == "pnf":
            work = _pnf(c, value)
        else:
            number = c.get(EXERCISE["count"].validate, value, "count")
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
    target = c.value(node, EXERCISE["target"])
    cap = EXERCISE["cap"].default
    where = value
    if "cap" in node:
        where = node.get("cap")
        cap = c.value(node, EXERCISE["cap"])
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
        pattern = c.value(node, BREATHE["pattern"])
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
        number = c.value(node, BREATHE["cycles"])
    elif "for" in node:
        for_ms = c.value(node, BREATHE["for"])
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
    for key in lang.PNF:
        if key.name not in node:
            c.add(Invalid(f"pnf has no {key.name}", f"pnf needs all five: `{PNF_EXAMPLE}`", node))
            continue
        parts[key.name] = c.value(node, key)
    if len(c.problems) > before:
        return None
    return Pnf(node=node, **parts)
