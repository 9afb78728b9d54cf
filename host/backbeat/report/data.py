"""The report's questions answered by SQL aggregation over the report's index of the store
(`facts`): what a report shows, never every row."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from backbeat.report import adherence
from backbeat.routine.model import Due

# One side more than this fraction behind the other is flagged.
SIDE_BEHIND = 0.10
# The sessions table shows at most this many, the latest.
SESSION_ROWS = 40


@dataclass(frozen=True)
class Filters:
    since: date | None = None
    until: date | None = None
    routine: str | None = None
    device: str | None = None


@dataclass
class RoutineAdherence:
    routine: str
    due: str  # the schedule as written: "3 times a day"
    week: float | None  # Monday to the report's last day
    month: float | None  # the last 30 days
    streak: int
    days: list[adherence.Day]


@dataclass
class Exercise:
    routine: str
    exercise: str
    levels: list[tuple[int, date, date]] = field(default_factory=list)  # level, first, last day
    done: int = 0  # work segments done
    planned: int = 0  # work segments that started
    # Open holds, per period: (period start, best achieved ms, target ms).
    holds: list[tuple[date, int, int]] = field(default_factory=list)
    # Pain, per period: (period start, mean of the attempts' pain, highest).
    pain: list[tuple[date, float, int]] = field(default_factory=list)
    left_ms: float | None = None  # mean time achieved in a left set done
    right_ms: float | None = None
    # The level today's plan gives the next session, what it means ("hold 15s a side") and
    # why it last changed ("": never); None when the routine's YAML is not at hand.
    next_level: tuple[int, str, str] | None = None

    @property
    def ratio(self) -> float | None:
        """Left over right; None unless both sides were done."""
        if not self.left_ms or not self.right_ms:
            return None
        return self.left_ms / self.right_ms

    @property
    def side_behind(self) -> str | None:
        """The side more than SIDE_BEHIND behind the other, if one is."""
        if self.left_ms is None or self.right_ms is None:
            return None
        low, high = sorted((self.left_ms, self.right_ms))
        if high and (high - low) / high > SIDE_BEHIND:
            return "left" if self.left_ms < self.right_ms else "right"
        return None

    def level_now(self) -> tuple[int, date, bool]:
        """The level of the latest session, and since when: the first day at it, or, when
        another level came after that (a step back, say), the last day of the other
        (``True``: back at it after that day)."""
        level, lo, hi = max(self.levels, key=lambda x: (x[2], x[1]))
        after = max((h for lv, _, h in self.levels if lv != level and h >= lo), default=None)
        return (level, lo, False) if after is None else (level, after, True)

    @property
    def best_ms(self) -> int | None:
        return max((best for _, best, _ in self.holds), default=None)


@dataclass
class SessionRow:
    day: date
    time: str  # HH:MM local, "~HH:MM" when the date is bounded
    routine: str
    device: str
    ending: str
    done: int
    planned: int
    pain: int | None  # the highest pain answered


@dataclass
class Report:
    first: date
    last: date
    period: str  # "day", "week" or "month": how the series are grouped
    session_count: int
    completed: int
    bounded: int  # sessions whose date is only known within bounds
    routines: list[RoutineAdherence]
    calendar: list[adherence.Day]  # all routines together
    exercises: list[Exercise]
    mornings: dict[str, int]  # answer -> count; empty when none are stored
    sessions: list[SessionRow]


def period_of(first: date, last: date) -> str:
    """How the series of a range are grouped: by day up to 31 days, by week up to 366."""
    span = (last - first).days
    return "day" if span <= 31 else "week" if span <= 366 else "month"


def local_s(day: date) -> int:
    """Unix time of local midnight at the start of ``day``."""
    return int(time.mktime(day.timetuple()))


def _filters(f: Filters, sessions: bool) -> tuple[str, list[object]]:
    """``f`` as SQL conditions on the sessions table or on the segments table; the dates as
    a range of at_s, which both index."""
    clauses, args = [], []
    if f.since:
        clauses.append("at_s >= ?")
        args.append(local_s(f.since))
    if f.until:
        clauses.append("at_s < ?")
        args.append(local_s(f.until + timedelta(days=1)))
    if f.routine:
        clauses.append("routine = ?" if sessions else
                       "exercise IN (SELECT id FROM exercises WHERE routine = ?)")
        args.append(f.routine)
    if f.device:
        clauses.append("uid = ?" if sessions else
                       "session_id IN (SELECT id FROM sessions WHERE uid = ?)")
        args.append(f.device)
    return "".join(" AND " + c for c in clauses), args


def build(db: sqlite3.Connection, f: Filters, today: date,
          schedules: Mapping[str, Due],
          next_levels: Mapping[tuple[str, str], tuple[int, str, str]] | None = None) -> Report:
    """The report over the index ``db`` within ``f``; ``today`` ends an open range,
    ``schedules`` says when each routine (by id) is due, and ``next_levels`` the plan's
    level for each exercise's next session (by routine id and exercise)."""
    where, args = _filters(f, sessions=True)
    first_day, count, completed, bounded = db.execute(
        "SELECT MIN(day), COUNT(*), COALESCE(SUM(ending = 'completed'), 0), "
        f"COALESCE(SUM(NOT exact), 0) FROM sessions WHERE 1{where}", args).fetchone()
    last = f.until or today
    first = min(f.since or (date.fromordinal(first_day) if first_day else last), last)
    per = period_of(first, last)
    routines, calendar = _adherence(db, f, first, last, schedules)

    named = {i: (routine, name, place) for i, routine, name, place in
             db.execute("SELECT id, routine, name, place FROM exercises")}
    exercises: dict[int, Exercise] = {}

    def ex(i: int) -> Exercise:
        if i not in exercises:
            exercises[i] = Exercise(named[i][0], named[i][1],
                                    next_level=(next_levels or {}).get(named[i][:2]))
        return exercises[i]

    gwhere, gargs = _filters(f, sessions=False)
    # A range of dates reads only its rows, through the time index.
    segments = "segments INDEXED BY segments_by_time" if f.since or f.until else "segments"
    # One pass over the work segments, grouped as finely as any figure needs.
    levels: dict[tuple[int, int], list[int]] = {}
    holds: dict[tuple[int, int], list[int]] = {}
    sides: dict[tuple[int, int], list[int]] = {}
    for i, side, level, p, n, done_n, best, target, done_ms, lo, hi in db.execute(
            f"SELECT exercise, side, level, {per}, COUNT(*), SUM(done), "
            "MAX(CASE WHEN open AND done THEN achieved_ms END), "
            "MAX(CASE WHEN open AND done THEN planned_ms END), "
            "SUM(CASE WHEN done THEN achieved_ms END), MIN(day), MAX(day) "
            f"FROM {segments} WHERE 1{gwhere} GROUP BY 1, 2, 3, 4", gargs):
        e = ex(i)
        e.done += done_n
        e.planned += n
        span = levels.setdefault((i, level), [lo, hi])
        span[0], span[1] = min(span[0], lo), max(span[1], hi)
        if best is not None:
            h = holds.setdefault((i, p), [best, target])
            h[0], h[1] = max(h[0], best), max(h[1], target)
        if side and done_n:
            t = sides.setdefault((i, side), [0, 0])
            t[0] += done_ms
            t[1] += done_n
    for (i, level), (lo, hi) in sorted(levels.items(), key=lambda kv: kv[1][0]):
        ex(i).levels.append((level, date.fromordinal(lo), date.fromordinal(hi)))
    for (i, p), (best, target) in sorted(holds.items()):
        ex(i).holds.append((date.fromordinal(p), best, target))
    for (i, side), (achieved, n) in sides.items():
        setattr(ex(i), "left_ms" if side == 1 else "right_ms", achieved / n)
    # An attempt's pain is the highest answer for its exercise in the session.
    for i, p, mean, high in db.execute(
            "SELECT exercise, p, AVG(pain), MAX(pain) FROM ("
            f"SELECT exercise, MAX({per}) AS p, MAX(pain) AS pain FROM segments "
            f"WHERE pain IS NOT NULL{gwhere} GROUP BY session_id, exercise) "
            "GROUP BY 1, 2 ORDER BY 2", gargs):
        ex(i).pain.append((date.fromordinal(p), mean, high))

    sessions = [
        SessionRow(date.fromordinal(day),
                   ("" if exact else "~") + f"{datetime.fromtimestamp(at_s):%H:%M}", routine,
                   device, ending, done_n, planned, pain)
        for day, at_s, exact, routine, device, ending, done_n, planned, pain in db.execute(
            "SELECT day, at_s, exact, routine, uid, ending, sets_done, sets, pain FROM sessions "
            f"WHERE 1{where} ORDER BY at_s DESC, id DESC LIMIT ?", [*args, SESSION_ROWS])]

    return Report(first, last, per, count, completed, bounded, routines, calendar,
                  [exercises[i] for i in sorted(exercises, key=lambda i: (named[i][0], named[i][2]))],
                  _mornings(db, first, last), sessions)


def _adherence(db: sqlite3.Connection, f: Filters, first: date, last: date,
               schedules: Mapping[str, Due]
               ) -> tuple[list[RoutineAdherence], list[adherence.Day]]:
    """The adherence of each routine that has a schedule and sessions, and every day's of all
    of them together."""
    # The days of completed sessions, earlier ones too: some schedules look back.
    where, args = _filters(Filters(None, f.until, f.routine, f.device), sessions=True)
    done: dict[str, list[date]] = {}
    for routine, day, n in db.execute(
            "SELECT routine, day, SUM(ending = 'completed') FROM sessions "
            f"WHERE 1{where} GROUP BY routine, day ORDER BY routine, day", args):
        done.setdefault(routine, []).extend([date.fromordinal(day)] * n)
    routines = []
    calendar: dict[date, list[int]] = {}
    for routine in sorted(set(done) & set(schedules)):
        due, dates = schedules[routine], done[routine]
        ds = adherence.days(due, first, last, dates)
        for d in ds:
            cell = calendar.setdefault(d.day, [0, 0])
            cell[0] += d.due
            cell[1] += d.kept
        routines.append(RoutineAdherence(
            routine, due.text, adherence.over(due, last, last.weekday() + 1, dates),
            adherence.over(due, last, 30, dates), adherence.streak(ds, last), ds))
    return routines, [adherence.Day(day, due, kept) for day, (due, kept) in sorted(calendar.items())]


def _mornings(db: sqlite3.Connection, first: date, last: date) -> dict[str, int]:
    """How often each next-morning answer was given in range; empty when none was."""
    return dict(db.execute("SELECT answer, COUNT(*) FROM mornings WHERE at_s >= ? AND at_s < ? "
                           "GROUP BY answer",
                           (local_s(first), local_s(last + timedelta(days=1)))).fetchall())
