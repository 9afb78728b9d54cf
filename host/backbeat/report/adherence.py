"""Adherence against a routine's schedule: the day's figure of PROGRESS.md, the week, the last
30 days and the streak, from completed-session counts per day (pure functions, no store)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

# How many times a routine is due on a day, given the completed sessions of every earlier day.
TimesDue = Callable[[date, Mapping[date, int]], int]


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
        """min(done, due) / due; None on a day the routine was not due."""
        return self.kept / self.due if self.due else None


def days(first: date, last: date, done: Mapping[date, int], times_due: TimesDue) -> list[Day]:
    """Every day from ``first`` to ``last`` with what was due and what was done."""
    out = []
    day = first
    while day <= last:
        out.append(Day(day, times_due(day, done), done.get(day, 0)))
        day += timedelta(days=1)
    return out


def period(days_: list[Day], first: date, last: date) -> float | None:
    """The mean of the day adherences from ``first`` to ``last``; None when nothing was due."""
    figures = [d.adherence for d in days_ if first <= d.day <= last and d.due]
    return sum(figures) / len(figures) if figures else None  # type: ignore[arg-type]


def streak(days_: list[Day], today: date) -> int:
    """Due days kept in full, counted back from ``today``.

    Days when nothing was due neither break nor extend it; ``today`` breaks it only once it is
    kept, as the day is not over yet (it counts when already kept).
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
