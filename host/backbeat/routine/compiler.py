"""From a checked routine to its timeline at one progression level (ROUTINES.md, "The timeline").

An exercise step is PREPARE, then for each side its reps of WORK with REST
between them, and SWITCH between the sides; a rest step is one REST; a repeat
block is its steps N times with REST between the rounds. Limits that depend on
the level (a counted or breathed segment, a cap below its target, the total)
are checked here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from backbeat.routine import values as v
from backbeat.routine.errors import Invalid, MultipleInvalid
from backbeat.routine.model import (
    Breathe,
    Count,
    ExerciseStep,
    Hold,
    HoldMax,
    Item,
    Pnf,
    Repeat,
    RestStep,
    Routine,
    at_level,
    exercise_tops,
)
from backbeat.timeline import (
    BEATS,
    CHECK_PAIN,
    COUNTDOWN,
    COUNTDOWN_MIN_MS,
    NO_COUNTDOWN_KINDS,
    STEP_END,
    STEP_START,
    Segment,
    Timeline,
)


@dataclass(frozen=True)
class Levels:
    """What a routine is compiled at: a level per exercise, the steps left out, moved targets.

    ``exercises`` maps an exercise name to its level (missing: 0), each capped at
    the exercise's top. ``locked`` names exercises whose steps are left out with
    their prepare, rests and switches; ``targets`` gives the planned time (ms) of
    open holds whose target moved. A progression outside an exercise step (a
    rest step, a repeat block's count or rest) takes the lowest level of the
    routine's exercises that have a progression.
    """

    exercises: Mapping[str, int] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()
    targets: Mapping[str, int] = field(default_factory=dict)


class _At:
    """The level of each part of one routine, from one level for all or from :class:`Levels`."""

    def __init__(self, routine: Routine | None, level: int | Levels) -> None:
        self.tops = exercise_tops(routine) if routine is not None else {}
        self.given = level
        if isinstance(level, Levels):
            self.plan = level
            earned = [self.step_level(n) for n, top in self.tops.items() if top > 0]
            self.outside = min(earned, default=0)
        else:
            self.plan = Levels()
            self.outside = level

    def step_level(self, exercise: str) -> int:
        wanted = self.given if isinstance(self.given, int) else self.plan.exercises.get(exercise, 0)
        return min(wanted, self.tops.get(exercise, wanted))

    def of(self, step: ExerciseStep) -> int:
        return self.step_level(step.exercise)

    def kept(self, item: Item) -> bool:
        return not (isinstance(item, ExerciseStep) and item.exercise in self.plan.locked)

    @property
    def timeline_level(self) -> int:
        """The level a timeline records: the one given, or the highest earned."""
        if isinstance(self.given, int):
            return self.given
        return max((self.step_level(n) for n in self.tops), default=0)


def planned_ms(item: Item | Routine, level: int | Levels, at: _At | None = None) -> int:
    """The planned length of a routine or an item, computed without unrolling it."""
    if at is None:
        at = _At(item if isinstance(item, Routine) else None, level)
    if isinstance(item, Routine):
        return sum(planned_ms(i, level, at) for i in item.steps if at.kept(i))
    if isinstance(item, RestStep):
        return at_level(item.duration, at.outside)
    if isinstance(item, Repeat):
        times = at_level(item.times, at.outside)
        once = sum(planned_ms(i, level, at) for i in item.steps if at.kept(i))
        return times * once + (times - 1) * at_level(item.rest, at.outside) if once else 0
    step_level = at.of(item)
    work_ms = sum(d for _, d in _work_parts(item, step_level, at.plan.targets))
    return work_ms * len(item.sides) * at_level(item.reps, step_level) + _gaps_ms(item, step_level)


def _gaps_ms(step: ExerciseStep, level: int) -> int:
    reps = at_level(step.reps, level)
    k = len(step.sides)
    return (
        at_level(step.prepare, level)
        + k * (reps - 1) * at_level(step.rest, level)
        + (k - 1) * at_level(step.switch, level)
    )


def _target_ms(step: ExerciseStep, level: int, targets: Mapping[str, int]) -> int:
    assert isinstance(step.work, HoldMax)
    return targets.get(step.exercise, at_level(step.work.target, level))


def _work_parts(step: ExerciseStep, level: int, targets: Mapping[str, int]) -> list[tuple[str, int]]:
    """The (kind, duration) of the segments of one WORK."""
    work = step.work
    if isinstance(work, Hold):
        return [("hold", at_level(work.duration, level))]
    if isinstance(work, HoldMax):
        return [("hold_open", _target_ms(step, level, targets))]
    if isinstance(work, Breathe):
        return [("breathe", work.cycles_at(level) * work.pattern.cycle_ms)]
    if isinstance(work, Count):
        return [("count", at_level(work.count, level) * at_level(work.pace, level))]
    assert isinstance(work, Pnf)
    parts = [("stretch", at_level(work.stretch, level))]
    for _ in range(at_level(work.rounds, level)):
        parts += [
            ("contract", at_level(work.contract, level)),
            ("relax", at_level(work.relax, level)),
            ("stretch", at_level(work.deeper, level)),
        ]
    return parts


def _check_step(step: ExerciseStep, level: int, problems: list[Invalid]) -> None:
    work = step.work
    at = f" at level {level}" if level else ""
    if isinstance(work, Count):
        ms = at_level(work.count, level) * at_level(work.pace, level)
        if not v.SEGMENT_MIN_MS <= ms <= v.SEGMENT_MAX_MS:
            problems.append(
                Invalid(
                    f"count {at_level(work.count, level)} at pace {v.format_ms(at_level(work.pace, level))} "
                    f"lasts {v.format_ms(ms)}{at}, outside 1s to 1h",
                    "change the count or the pace: a counted segment lasts 1s to 1h",
                    work.node,
                )
            )
    elif isinstance(work, Breathe):
        n = work.cycles_at(level)
        ms = n * work.pattern.cycle_ms
        if ms > v.SEGMENT_MAX_MS:
            problems.append(
                Invalid(
                    f"breathe lasts {v.format_ms(ms)} ({n} cycles of {v.format_ms(work.pattern.cycle_ms)}){at}, longer than 1h",
                    "fewer cycles or a shorter time: a segment lasts at most 1h",
                    work.node,
                )
            )
    elif isinstance(work, HoldMax):
        cap, target = at_level(work.cap, level), at_level(work.target, level)
        if cap < target:
            problems.append(
                Invalid(
                    f"cap {v.format_ms(cap)} is shorter than target {v.format_ms(target)}{at}",
                    "the cap stops the hold; make it at least the target",
                    work.node,
                )
            )


def _walk_checks(items: tuple[Item, ...], at: _At, problems: list[Invalid]) -> None:
    for item in items:
        if isinstance(item, ExerciseStep) and at.kept(item):
            _check_step(item, at.of(item), problems)
        elif isinstance(item, Repeat):
            _walk_checks(item.steps, at, problems)


class _Builder:
    def __init__(self, at: _At) -> None:
        self.at = at
        self.level = at.outside  # the level of what is being built: its exercise's, in a step
        self.segments: list[Segment] = []
        self.t = 0
        self.step_index = 0

    def add(self, kind: str, duration_ms: int, **fields) -> None:
        flags = fields.pop("flags", 0)
        if duration_ms >= COUNTDOWN_MIN_MS and kind not in NO_COUNTDOWN_KINDS:
            flags |= COUNTDOWN
        if kind == "count":
            flags |= BEATS
        self.segments.append(
            Segment(kind=kind, start_ms=self.t, duration_ms=duration_ms, flags=flags,
                    level=self.level, **fields)
        )
        self.t += duration_ms

    def items(self, items: tuple[Item, ...]) -> None:
        for item in items:
            if not self.at.kept(item):
                continue
            if isinstance(item, ExerciseStep):
                self.exercise(item)
            elif isinstance(item, RestStep):
                self.add(
                    "rest", at_level(item.duration, self.level), step=self.step_index, say=item.say
                )
                self.step_index += 1
            else:
                self.repeat(item)

    def repeat(self, block: Repeat) -> None:
        times = at_level(block.times, self.level)
        rest = at_level(block.rest, self.level)
        if not any(self.at.kept(i) for i in block.steps):
            return
        for n in range(times):
            self.items(block.steps)
            if rest and n < times - 1:
                self.add("rest", rest, step=self.step_index)
                self.step_index += 1

    def exercise(self, step: ExerciseStep) -> None:
        outside = self.level
        self.level = level = self.at.of(step)
        first = len(self.segments)
        common = {"exercise": step.exercise, "say": step.say, "step": self.step_index}
        prepare = at_level(step.prepare, level)
        rest = at_level(step.rest, level)
        switch = at_level(step.switch, level)
        reps = at_level(step.reps, level)
        if prepare:
            self.add("prepare", prepare, **common)
        for i, side in enumerate(step.sides):
            for rep in range(1, reps + 1):
                self.work(step, side, rep, reps, common)
                if rest and rep < reps:
                    self.add("rest", rest, side=side, **common)
            if switch and i < len(step.sides) - 1:
                self.add("switch", switch, side=step.sides[i + 1], **common)
        self.segments[first] = _with_flags(self.segments[first], STEP_START)
        self.segments[-1] = _with_flags(
            self.segments[-1], STEP_END | (CHECK_PAIN if step.check_pain else 0)
        )
        self.step_index += 1
        self.level = outside

    def work(self, step: ExerciseStep, side: str | None, rep: int, reps: int, common: dict) -> None:
        work = step.work
        level = self.level
        mine = dict(common, side=side, rep=rep, reps=reps)
        if isinstance(work, Hold):
            self.add("hold", at_level(work.duration, level), breath=work.breath, **mine)
        elif isinstance(work, HoldMax):
            target = _target_ms(step, level, self.at.plan.targets)
            self.add("hold_open", target, cap_ms=at_level(work.cap, level), **mine)
        elif isinstance(work, Breathe):
            self.add(
                "breathe",
                work.cycles_at(level) * work.pattern.cycle_ms,
                breath=work.pattern,
                **mine,
            )
        elif isinstance(work, Count):
            pace = at_level(work.pace, level)
            self.add("count", at_level(work.count, level) * pace, pace_ms=pace, **mine)
        else:
            rounds = at_level(work.rounds, level)
            self.add("stretch", at_level(work.stretch, level), rounds=rounds, **mine)
            for r in range(1, rounds + 1):
                self.add("contract", at_level(work.contract, level), round=r, rounds=rounds, **mine)
                self.add("relax", at_level(work.relax, level), round=r, rounds=rounds, **mine)
                self.add("stretch", at_level(work.deeper, level), round=r, rounds=rounds, **mine)


def _with_flags(segment: Segment, flags: int) -> Segment:
    return replace(segment, flags=segment.flags | flags)


def compile_routine(routine: Routine, level: int | Levels = 0) -> Timeline:
    """The timeline of ``routine`` at ``level`` (every exercise at that level, capped at its
    top) or at the :class:`Levels` of a plan; raises :class:`MultipleInvalid` past a limit."""
    if isinstance(level, int) and level < 0:
        raise ValueError(f"level must be 0 or more, not {level}")
    at_ = _At(routine, level)
    problems: list[Invalid] = []
    _walk_checks(routine.steps, at_, problems)
    if problems:
        raise MultipleInvalid(problems)
    total = planned_ms(routine, level, at_)
    if total > v.TOTAL_MAX_MS:
        at = f" at level {at_.timeline_level}" if at_.timeline_level else ""
        raise MultipleInvalid(
            [
                Invalid(
                    f"the routine lasts {v.format_ms(total)}{at}, longer than 3h",
                    "a routine lasts at most 3h; split it into several routines",
                    routine.node,
                )
            ]
        )
    builder = _Builder(at_)
    builder.items(routine.steps)
    return Timeline(
        name=routine.name,
        segments=tuple(builder.segments),
        level=at_.timeline_level,
        about=routine.about,
        source=routine.source,
    )
