"""Adherence by day and the streak, from the days of a routine's completed sessions and its
`due` schedule (PROGRESS.md, "Schedules"; the plan's `times_due` says what is due)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from backbeat.plan import adherence as plan_adherence
from backbeat.plan import times_due
from backbeat.routine.model import Due


@dataclass(frozen=True)
class Day:
    day: date
    due: int
    done: int  # completed sessions, all of them (may exceed due)

    @property
    def kept(self) -> int:
        return min(self.done, self.due)

    @property
    def adherence(self) -> float | None:
        """The day's adherence, min(done, due) / due; None on a day the routine was not due."""
        return self.kept / self.due if self.due else None


def days(due: Due, first: date, last: date, done: Sequence[date]) -> list[Day]:
    """Every day from ``first`` to ``last``: how often the routine was due and done, ``done``
    being the sorted days of its completed sessions (one entry a session, earlier ones too)."""
    per_day = Counter(done)
    out = []
    day = first
    while day <= last:
        out.append(Day(day, times_due(due, day, done), per_day[day]))
        day += timedelta(days=1)
    return out


def over(due: Due, last: date, n: int, done: Sequence[date]) -> float | None:
    """The adherence over the ``n`` days up to ``last``, as the plan counts it (from the first
    completed session on); None when nothing was due in them."""
    return plan_adherence(due, last + timedelta(days=1), done, n)


def streak(days_: list[Day], today: date) -> int:
    """Due days kept in full, counted back from ``today``.

    Days when nothing was due neither break nor extend it; ``today`` breaks it only once it is
    over (it counts when already kept).
    """
    n = 0
    for d in reversed([d for d in days_ if d.day <= today]):
        if not d.due:
            continue
        if d.kept == d.due:
            n += 1
        elif d.day != today:
            break
    return n
