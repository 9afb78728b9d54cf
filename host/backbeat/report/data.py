"""The report's questions answered by SQL aggregation over the report's index of the store
(`facts`): what a report shows, never every row."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from backbeat.report import adherence
from backbeat.routine.model import Due

# One side more than this fraction behind the other is flagged.
SIDE_BEHIND = 0.10
# The sessions table shows at most this many, the latest.
SESSION_ROWS = 40

_WORK = "seg.exercise IS NOT NULL"  # a segment of a routine the store could name
# One row per session in range (its local day and period) and one per work segment of those
# sessions.
_FACTS = """
WITH s AS MATERIALIZED (
    SELECT id, uid AS device, routine, ending, at_s, exact,
           date(at_s, 'unixepoch', 'localtime') AS day, {period} AS p
    FROM sessions WHERE 1 {where}
), g AS (
    SELECT s.id AS session_id, seg.seq, s.day, s.p, s.routine, seg.exercise, seg.side, seg.kind,
           seg.outcome, seg.level, seg.planned_ms, seg.achieved_ms, seg.pain
    FROM s JOIN segments AS seg ON seg.session_id = s.id
    WHERE {work}
)
""".replace("{work}", _WORK)


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
    span = (last - first).days
    return "day" if span <= 31 else "week" if span <= 366 else "month"


_PERIOD_SQL = {
    "day": "date(at_s, 'unixepoch', 'localtime')",
    "week": "date(at_s, 'unixepoch', 'localtime', 'weekday 0', '-6 days')",
    "month": "strftime('%Y-%m-01', at_s, 'unixepoch', 'localtime')",
}


def local_s(day: date) -> int:
    """Unix time of local midnight at the start of ``day``."""
    return int(time.mktime(day.timetuple()))


def _where(f: Filters) -> tuple[str, list[object]]:
    """The filters as SQL over sessions: the dates as a range of at_s, which is indexed."""
    clauses, args = [], []
    if f.since:
        clauses.append("at_s >= ?")
        args.append(local_s(f.since))
    if f.until:
        clauses.append("at_s < ?")
        args.append(local_s(f.until + timedelta(days=1)))
    if f.routine:
        clauses.append("routine = ?")
        args.append(f.routine)
    if f.device:
        clauses.append("uid = ?")
        args.append(f.device)
    return "".join(" AND " + c for c in clauses), args


def build(db: sqlite3.Connection, f: Filters, today: date,
          schedules: Mapping[str, Due]) -> Report:
    """The report over ``db``'s sessions within ``f``; ``today`` ends an open range, and
    ``schedules`` says when each routine (by id) is due."""
    where, args = _where(f)
    first_day, last_day = db.execute(
        _FACTS.format(where=where, period="NULL") + "SELECT MIN(day), MAX(day) FROM s",
        args).fetchone()
    last = f.until or today
    first = min(f.since or (date.fromisoformat(first_day) if first_day else last), last)
    per = period_of(first, last)
    facts = _FACTS.format(where=where, period=_PERIOD_SQL[per])

    def q(sql: str, extra: tuple[object, ...] = ()) -> list[tuple]:
        return db.execute(facts + sql, [*args, *extra]).fetchall()

    count, completed, bounded = q(
        "SELECT COUNT(*), COALESCE(SUM(ending = 'completed'), 0), COALESCE(SUM(NOT exact), 0)"
        " FROM s")[0]
    routines, calendar = _adherence(db, f, first, last, schedules)

    exercises: dict[tuple[str, str], Exercise] = {}

    def ex(routine: str, name: str) -> Exercise:
        return exercises.setdefault((routine, name), Exercise(routine, name))

    # One pass over the work segments, grouped as finely as any figure needs.
    levels: dict[tuple[str, str, int], list[str]] = {}
    holds: dict[tuple[str, str, str], list[int]] = {}
    sides: dict[tuple[str, str, str], list[int]] = {}
    place: dict[tuple[str, str], int] = {}
    for routine, name, side, level, p, n, done_n, best, target, done_ms, lo, hi, pos in q(
            "SELECT routine, exercise, side, level, p, COUNT(*), SUM(outcome = 'done'), "
            "MAX(CASE WHEN kind = 'hold_open' AND outcome = 'done' THEN achieved_ms END), "
            "MAX(CASE WHEN kind = 'hold_open' AND outcome = 'done' THEN planned_ms END), "
            "SUM(CASE WHEN outcome = 'done' THEN achieved_ms END), MIN(day), MAX(day), MIN(seq) "
            "FROM g GROUP BY 1, 2, 3, 4, 5"):
        e = ex(routine, name)
        place[routine, name] = min(place.get((routine, name), pos), pos)
        e.done += done_n
        e.planned += n
        span = levels.setdefault((routine, name, level), [lo, hi])
        span[0], span[1] = min(span[0], lo), max(span[1], hi)
        if best is not None:
            h = holds.setdefault((routine, name, p), [best, target])
            h[0], h[1] = max(h[0], best), max(h[1], target)
        if side is not None and done_n:
            t = sides.setdefault((routine, name, side), [0, 0])
            t[0] += done_ms
            t[1] += done_n
    for (routine, name, level), (lo, hi) in sorted(levels.items(), key=lambda kv: kv[1][0]):
        ex(routine, name).levels.append((level, date.fromisoformat(lo), date.fromisoformat(hi)))
    for (routine, name, p), (best, target) in sorted(holds.items()):
        ex(routine, name).holds.append((date.fromisoformat(p), best, target))
    for (routine, name, side), (achieved, n) in sides.items():
        setattr(ex(routine, name), f"{side}_ms", achieved / n)
    # An attempt's pain is the highest answer for its exercise in the session.
    for routine, name, p, mean, high in q(
            "SELECT routine, exercise, p, AVG(pain), MAX(pain) FROM ("
            "SELECT routine, exercise, p, MAX(pain) AS pain FROM g WHERE pain IS NOT NULL "
            "GROUP BY session_id, exercise) GROUP BY 1, 2, 3 ORDER BY 3"):
        ex(routine, name).pain.append((date.fromisoformat(p), mean, high))

    sessions = [
        SessionRow(date.fromisoformat(day), ("" if exact else "~") + hhmm, routine, device,
                   ending or "unfinished", done_n or 0, planned, pain)
        for day, hhmm, exact, routine, device, ending, done_n, planned, pain in q(
            "SELECT s.day, strftime('%H:%M', s.at_s, 'unixepoch', 'localtime'), s.exact, "
            "s.routine, s.device, s.ending, SUM(seg.outcome = 'done'), COUNT(seg.session_id), "
            "MAX(seg.pain) FROM (SELECT * FROM s ORDER BY at_s DESC, id DESC LIMIT ?) AS s "
            f"LEFT JOIN segments AS seg ON seg.session_id = s.id AND {_WORK} "
            "GROUP BY s.id ORDER BY s.at_s DESC, s.id DESC",
            (SESSION_ROWS,))]

    return Report(first, last, per, count, completed, bounded, routines, calendar,
                  sorted(exercises.values(),
                         key=lambda e: (e.routine, place.get((e.routine, e.exercise), 0),
                                        e.exercise)),
                  _mornings(db, first, last), sessions)


def _adherence(db: sqlite3.Connection, f: Filters, first: date, last: date,
               schedules: Mapping[str, Due]
               ) -> tuple[list[RoutineAdherence], list[adherence.Day]]:
    """The adherence of each routine that has a schedule and sessions, and every day's of all
    of them together."""
    # The days of completed sessions, earlier ones too: some schedules look back.
    where, args = _where(Filters(None, f.until, f.routine, f.device))
    done: dict[str, list[date]] = {}
    for routine, day, n in db.execute(
            _FACTS.format(where=where, period="NULL") + "SELECT routine, day, "
            "SUM(ending = 'completed') FROM s GROUP BY routine, day ORDER BY routine, day", args):
        done.setdefault(routine, []).extend([date.fromisoformat(day)] * n)
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
