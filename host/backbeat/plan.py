"""The plan: each exercise's level, its gates, open-hold targets and what is due (PROGRESS.md).

:func:`make_plan` is a pure function of the routines, the history and the day:
the same three always give the same plan. It reads only the history up to the
end of that day. :meth:`Plan.as_json` is `backbeat plan --json`;
:func:`plan_text` is its readable form, which says why each level is what it is.
"""

from __future__ import annotations

import bisect
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from backbeat.history import Attempt, History, Session
from backbeat.routine.compiler import Levels
from backbeat.routine.model import (
    Breathe,
    Count,
    Due,
    ExerciseStep,
    HoldMax,
    Pnf,
    Progress,
    Progression,
    Routine,
    at_level,
    exercise_steps,
    exercise_tops,
    progressions,
)
from backbeat.routine.values import format_ms
from backbeat.text import count

ADHERENCE_DAYS = 7


@dataclass(frozen=True)
class Why:
    """When and why an exercise's level last changed."""

    on: date
    reason: str


@dataclass(frozen=True)
class ExercisePlan:
    exercise: str
    level: int
    top: int
    clean: int  # clean attempts at this level, towards the next
    after: int
    locked: bool
    target_ms: int | None  # open holds only
    meaning: str  # what the level means: "hold 25s", "12 reps"
    why: Why | None = None
    unlock: str | None = None  # what opens a locked step

    def as_json(self) -> dict:
        return {
            "exercise": self.exercise,
            "level": self.level,
            "top": self.top,
            "clean": self.clean,
            "locked": self.locked,
            "target_ms": self.target_ms,
        }


@dataclass(frozen=True)
class RoutinePlan:
    routine: str  # the id: the file name without .yaml
    name: str
    due: str | None
    due_today: int
    done_today: int
    exercises: tuple[ExercisePlan, ...]
    adherence: float | None  # over the due days of the week before the day; None: none was due
    levels: Levels = field(default_factory=Levels)  # what to compile the routine at

    def as_json(self) -> dict:
        return {
            "routine": self.routine,
            "due_today": self.due_today,
            "done_today": self.done_today,
            "exercises": [e.as_json() for e in self.exercises],
        }


@dataclass(frozen=True)
class Plan:
    on: date
    routines: tuple[RoutinePlan, ...]

    def as_json(self) -> dict:
        return {"on": self.on.isoformat(), "routines": [r.as_json() for r in self.routines]}


class _Exercise:
    """The running state of one exercise while its history is replayed."""

    def __init__(self, progress: Progress, top: int) -> None:
        self.progress = progress
        self.top = top
        self.level = 0
        self.clean = 0
        self.clean_days: list[date] = []  # the days of the clean attempts counted in `clean`
        self.clean_in_all = 0  # at any level, for gates
        self.last_pain: int | None = None
        self.last_day: date | None = None
        self.day_before_last: date | None = None  # the latest day with an attempt before last_day
        self.holds: deque[int] = deque(maxlen=progress.after)  # open holds with pain <= hold
        self.why: Why | None = None

    def attempt(self, a: Attempt, day: date) -> None:
        """The four rules for one completed attempt."""
        p = self.progress
        if day != self.last_day:
            self.day_before_last = self.last_day
        self.last_day = day
        self.last_pain = a.pain
        if a.pain <= p.clean:
            self.clean_in_all += 1
        if a.pain <= p.hold and a.best_ms is not None:
            self.holds.append(a.best_ms)
        if a.pain > p.hold:
            self.step_back(day, f"pain {a.pain} on {_day(day)}")
        elif a.level == self.level and a.pain <= p.clean:
            self.clean += 1
            self.clean_days.append(day)
            if self.clean >= p.after and self.level < self.top:
                self.level += 1
                self.why = Why(day, f"{p.after} clean sessions on {_days(self.clean_days)}")
                self.clean = 0
                self.clean_days = []

    def had_attempt_on(self, day: date) -> bool:
        return day in (self.last_day, self.day_before_last)

    def step_back(self, day: date, what: str) -> None:
        self.level = max(0, self.level - self.progress.back)
        self.clean = 0
        self.clean_days = []
        self.why = Why(day, f"{what}: back to {self.level}")


def _day(d: date) -> str:
    return f"{d:%b} {d.day}"


def _days(days: list[date]) -> str:
    """Dec 2, 3, 4; Nov 30, Dec 1 (each day once)."""
    out: list[str] = []
    month = None
    for d in dict.fromkeys(days):
        out.append(_day(d) if (d.year, d.month) != month else str(d.day))
        month = (d.year, d.month)
    return ", ".join(out)


def times_due(due: Due | None, day: date, done: Sequence[date]) -> int:
    """How many times a routine is due on ``day``, given the days of its completed sessions
    (sorted) before that day."""
    if due is None:
        return 0
    if due.per_day:
        return due.per_day
    if due.days:
        return 1 if day.weekday() in due.days else 0
    if due.per_week:
        monday = day - timedelta(days=day.weekday())
        this_week = bisect.bisect_left(done, day) - bisect.bisect_left(done, monday)
        return 1 if this_week < due.per_week else 0
    last = bisect.bisect_left(done, day)
    return 1 if last == 0 or (day - done[last - 1]).days >= due.every_days else 0


def adherence(due: Due | None, day: date, done: Sequence[date], days: int = ADHERENCE_DAYS) -> float | None:
    """The mean of min(done, due) / due over the days the routine was due among the ``days``
    before ``day``, from the day of its first completed session on; None when it was due on
    none of them."""
    if not done:
        return None
    per_day = Counter(done)
    shares = []
    for back in range(days, 0, -1):
        d = day - timedelta(days=back)
        if d < done[0]:
            continue
        due_n = times_due(due, d, done)
        if due_n:
            shares.append(min(per_day[d], due_n) / due_n)
    return sum(shares) / len(shares) if shares else None


def _shown_in_plan(step: ExerciseStep) -> bool:
    return bool(progressions(step)) or step.needs is not None or isinstance(step.work, HoldMax)


def _meaning(step: ExerciseStep, level: int, target_ms: int | None) -> str:
    """What a level means for a step: its work, and any other value that grows."""
    work = step.work
    parts: list[str] = []
    if isinstance(work, HoldMax):
        parts.append(f"as long as you can, target {format_ms(target_ms or 0)}")
    elif isinstance(work, Count):
        parts.append(f"{at_level(work.count, level)} reps")
    elif isinstance(work, Breathe):
        if work.cycles is not None:
            parts.append(count(at_level(work.cycles, level), "breath"))
        else:
            parts.append(f"breathe {format_ms(at_level(work.for_ms or 0, level))}")
    elif isinstance(work, Pnf):
        parts.append(f"stretch {format_ms(at_level(work.stretch, level))}")
        if isinstance(work.deeper, Progression):
            parts.append(f"deeper {format_ms(at_level(work.deeper, level))}")
        parts.append(count(at_level(work.rounds, level), "round"))
    else:
        parts.append(f"hold {format_ms(at_level(work.duration, level))}")
    if len(step.sides) > 1:
        parts[0] += " a side"
    if isinstance(step.reps, Progression) or at_level(step.reps, level) > 1:
        parts.append(f"{at_level(step.reps, level)} times")
    return ", ".join(parts)


def _target(step: ExerciseStep, level: int, st: _Exercise) -> int:
    """An open hold's target: the best recent hold, whole seconds, within the written target and cap."""
    assert isinstance(step.work, HoldMax)
    written = at_level(step.work.target, level)
    cap = at_level(step.work.cap, level)
    if not st.holds:
        return written
    return min(cap, max(written, max(st.holds) // 1000 * 1000))


def _gate(step: ExerciseStep, states: dict[str, _Exercise]) -> str | None:
    """Why a step with `needs` is locked, or None when it is open."""
    if step.needs is None:
        return None
    name = step.needs.exercise
    needed = states[name]
    wanted = step.needs.clean or needed.progress.after
    if needed.clean_in_all < wanted:
        return f"opens after {count(wanted, 'clean ' + name + ' session')} ({needed.clean_in_all} so far)"
    if needed.last_pain is not None and needed.last_pain > needed.progress.hold:
        assert needed.last_day is not None
        return (
            f"locked again: pain {needed.last_pain} in {name} on {_day(needed.last_day)}; opens "
            f"after a {name} with pain {needed.progress.hold} or less"
        )
    return None


def plan_routine(routine_id: str, routine: Routine, history: History, on: date) -> RoutinePlan:
    """The plan of one routine on the day ``on``, from every session and morning up to its end."""
    steps = exercise_steps(routine.steps)
    tops = exercise_tops(routine)
    first: dict[str, ExerciseStep] = {}
    for step in steps:
        first.setdefault(step.exercise, step)
    states = {name: _Exercise(step.progress, tops[name]) for name, step in first.items()}
    sessions = sorted(
        (s for s in history.sessions if s.routine == routine_id and s.at.date() <= on),
        key=lambda s: s.at,
    )
    worse = sorted(m.at for m in history.mornings if m.answer == "worse" and m.at.date() <= on)
    _replay(sessions, worse, states)

    done_days = [s.at.date() for s in sessions if s.completed]
    before = done_days[: bisect.bisect_left(done_days, on)]
    plans = []
    locked: set[str] = set()
    targets: dict[str, int] = {}
    for name, step in first.items():
        named = [s for s in steps if s.exercise == name]
        if not any(_shown_in_plan(s) for s in named):
            continue
        st = states[name]
        level = min(st.level, st.top)
        unlock = next((why for why in (_gate(s, states) for s in named) if why), None)
        if unlock:
            locked.add(name)
        target = _target(step, level, st) if isinstance(step.work, HoldMax) else None
        if target is not None:
            targets[name] = target
        plans.append(
            ExercisePlan(
                exercise=name,
                level=level,
                top=st.top,
                clean=st.clean,
                after=st.progress.after,
                locked=unlock is not None,
                target_ms=target,
                meaning=_meaning(step, level, target),
                why=st.why,
                unlock=unlock,
            )
        )
    levels = Levels(
        exercises={name: min(st.level, st.top) for name, st in states.items()},
        locked=frozenset(locked),
        targets=targets,
    )
    return RoutinePlan(
        routine=routine_id,
        name=routine.name,
        due=routine.due.text if routine.due else None,
        due_today=times_due(routine.due, on, before),
        done_today=len(done_days) - len(before),
        exercises=tuple(plans),
        adherence=adherence(routine.due, on, before),
        levels=levels,
    )


def _replay(sessions: list[Session], worse: list, states: dict[str, _Exercise]) -> None:
    """Every completed attempt and every "worse" morning, in time order."""
    mornings = iter(worse)
    morning = next(mornings, None)
    for session in sessions:
        while morning is not None and morning <= session.at:
            _worse_morning(morning.date(), states)
            morning = next(mornings, None)
        day = session.at.date()
        for a in session.exercises:
            st = states.get(a.exercise)
            if st is not None and a.completed:
                st.attempt(a, day)
    while morning is not None:
        _worse_morning(morning.date(), states)
        morning = next(mornings, None)


def _worse_morning(day: date, states: dict[str, _Exercise]) -> None:
    """Rule 1, once, for every exercise with a completed attempt on the day before."""
    yesterday = day - timedelta(days=1)
    for st in states.values():
        if st.had_attempt_on(yesterday):
            st.step_back(day, f"worse on the morning of {_day(day)}")


def make_plan(routines: Sequence[tuple[str, Routine]], history: History, on: date) -> Plan:
    """The plan of ``routines`` (id, routine) on the day ``on``."""
    by_routine: dict[str, list[Session]] = {rid: [] for rid, _ in routines}
    for s in history.sessions:
        mine = by_routine.get(s.routine)
        if mine is not None:
            mine.append(s)
    return Plan(
        on,
        tuple(
            plan_routine(rid, r, History(tuple(by_routine[rid]), history.mornings), on)
            for rid, r in routines
        ),
    )


def plan_text(plan: Plan) -> str:
    """The plan as `backbeat plan` prints it: each level, and why it is what it is."""
    lines = [f"Plan for {plan.on:%a} {_day(plan.on)} {plan.on.year}"]
    for r in plan.routines:
        lines.append("")
        head = f"{r.name} ({r.routine})"
        if r.due is None:
            lines.append(f"{head}: no schedule")
        else:
            today = "done today" if r.due_today and r.done_today >= r.due_today else (
                f"due {r.due_today}, done {r.done_today} today" if r.due_today
                else f"not due today, done {r.done_today}"
            )
            kept = f"; last {ADHERENCE_DAYS} days {round(100 * r.adherence)}% done" if r.adherence is not None else ""
            lines.append(f"{head}: {r.due}, {today}{kept}")
        for e in r.exercises:
            lines += _exercise_lines(e)
    return "\n".join(lines)


def _exercise_lines(e: ExercisePlan) -> list[str]:
    """The exercise's level and what it means, then why, each reason on a line of its own
    (so that a line fits 80 columns)."""
    if e.locked:
        return [f"  {e.exercise}: locked", *(f"    {part}" for part in (e.unlock or "").split("; ")
                                               if part)]
    head = f"  {e.exercise}: level {e.level} of {e.top}, {e.meaning}"
    if e.level < e.top:
        head += f"; {e.clean} of {e.after} clean towards {e.level + 1}"
    return [head, f"    {e.why.reason}"] if e.why else [head]
