"""A checked routine: its steps, with every default applied and progressions kept for any level."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass

from backbeat.timeline import BreathPattern


@dataclass(frozen=True)
class Progression:
    """A value that grows with the level: ``min(stop, start + level * step)``."""

    start: int
    stop: int
    step: int

    def at(self, level: int) -> int:
        return min(self.stop, self.start + level * self.step)

    @property
    def last_level(self) -> int:
        """The first level at which the value reaches ``stop``."""
        return -(-(self.stop - self.start) // self.step)


# A duration in milliseconds or a count, fixed or growing with the level.
Amount = int | Progression


def at_level(amount: Amount, level: int) -> int:
    """The value of ``amount`` at ``level``."""
    return amount.at(level) if isinstance(amount, Progression) else amount


@dataclass(frozen=True)
class Hold:
    duration: Amount
    breath: BreathPattern | None
    node: object = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class HoldMax:
    target: Amount
    cap: Amount
    node: object = field(default=None, compare=False, repr=False)  # the cap (or hold) value


@dataclass(frozen=True)
class Breathe:
    pattern: BreathPattern
    cycles: Amount | None  # exactly one of cycles and for_ms is set
    for_ms: Amount | None
    node: object = field(default=None, compare=False, repr=False)

    def cycles_at(self, level: int) -> int:
        if self.cycles is not None:
            return at_level(self.cycles, level)
        assert self.for_ms is not None
        return max(1, at_level(self.for_ms, level) // self.pattern.cycle_ms)


@dataclass(frozen=True)
class Pnf:
    stretch: Amount
    contract: Amount
    relax: Amount
    deeper: Amount
    rounds: Amount
    node: object = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Count:
    count: Amount
    pace: Amount
    node: object = field(default=None, compare=False, repr=False)


Work = Hold | HoldMax | Breathe | Pnf | Count


@dataclass(frozen=True)
class Progress:
    """How an exercise earns its levels from the logs (PROGRESS.md, "The rules")."""

    after: int = 3  # clean attempts at one level before the next level
    clean: int = 2  # pain 0..clean is clean
    hold: int = 5  # pain clean+1..hold keeps the level; more steps back
    back: int = 1  # levels to step back


@dataclass(frozen=True)
class Needs:
    """A gate: the step is left out until ``exercise`` has had ``clean`` clean attempts."""

    exercise: str
    clean: int | None = None  # None: the needed exercise's `after`
    node: object = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Due:
    """When a routine is due, in local time; exactly one way is set (PROGRESS.md, "Schedules")."""

    per_day: int = 0  # N times every day
    days: tuple[int, ...] = ()  # once on each of these weekdays (0 Monday .. 6 Sunday)
    per_week: int = 0  # once a day while fewer than N sessions were completed that week
    every_days: int = 0  # N days after the last completed session, and every day after
    text: str = field(default="", compare=False)


@dataclass(frozen=True)
class ExerciseStep:
    exercise: str
    work: Work
    say: str | None = None
    sides: tuple[str | None, ...] = (None,)
    reps: Amount = 1
    prepare: Amount = 5000
    rest: Amount = 10000
    switch: Amount = 5000
    check_pain: bool = False
    progress: Progress = Progress()
    needs: Needs | None = None
    node: object = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class RestStep:
    duration: Amount
    say: str | None = None
    node: object = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Repeat:
    times: Amount
    steps: tuple[Item, ...]
    rest: Amount = 0
    node: object = field(default=None, compare=False, repr=False)


Item = ExerciseStep | RestStep | Repeat


@dataclass(frozen=True)
class Routine:
    name: str
    steps: tuple[Item, ...]
    about: str | None = None
    source: str | None = None
    progress: Progress = Progress()
    due: Due | None = None
    at: tuple[int, ...] = ()  # reminder times, minutes after midnight
    node: object = field(default=None, compare=False, repr=False)  # the `steps` key


def progressions(value) -> list[Progression]:
    """Every progression inside a routine (or any part of one)."""
    found: list[Progression] = []
    if isinstance(value, Progression):
        found.append(value)
    elif isinstance(value, tuple):
        for item in value:
            found.extend(progressions(item))
    elif is_dataclass(value) and not isinstance(value, BreathPattern):
        for f in fields(value):
            if f.name != "node":
                found.extend(progressions(getattr(value, f.name)))
    return found


def top_level(routine: Routine) -> int:
    """The lowest level at which every progression of ``routine`` has reached its end."""
    return max((p.last_level for p in progressions(routine)), default=0)


def exercise_steps(items: tuple[Item, ...]) -> list[ExerciseStep]:
    """Every exercise step of ``items``, in order, inside repeat blocks too (each once)."""
    out: list[ExerciseStep] = []
    for item in items:
        if isinstance(item, ExerciseStep):
            out.append(item)
        elif isinstance(item, Repeat):
            out.extend(exercise_steps(item.steps))
    return out


def exercise_tops(routine: Routine) -> dict[str, int]:
    """Each exercise's top: the lowest level at which every progression of its steps has ended.

    Steps of one routine with the same name are one exercise with one level.
    """
    tops: dict[str, int] = {}
    for step in exercise_steps(routine.steps):
        top = max((p.last_level for p in progressions(step)), default=0)
        tops[step.exercise] = max(tops.get(step.exercise, 0), top)
    return tops
