"""What the plan reads of the past: sessions, their attempts at each exercise, and morning answers.

A :class:`History` comes from a history file (PROGRESS.md, "The plan") or from
the store that `sync` fills (:func:`from_store`, the one place that knows the
store's model).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

ANSWERS = ("better", "same", "worse")


class HistoryError(ValueError):
    """A history file that cannot be read; str() names the file, the place and the fix."""


@dataclass(frozen=True)
class Attempt:
    """One session's work on one exercise."""

    exercise: str
    level: int
    completed: bool
    pain: int  # the highest answer, 0 to 10; 0 when none was asked
    best_ms: int | None = None  # the longest achieved open hold


@dataclass(frozen=True)
class Session:
    routine: str
    at: datetime  # local time of the start
    completed: bool  # ended completed, not stopped
    exercises: tuple[Attempt, ...] = ()


@dataclass(frozen=True)
class Morning:
    at: datetime
    answer: str  # better, same or worse


@dataclass(frozen=True)
class History:
    sessions: tuple[Session, ...] = ()
    mornings: tuple[Morning, ...] = ()


def _get(obj: dict, key: str, kind: type, where: str, optional: bool = False):
    if key not in obj:
        if optional:
            return None
        raise HistoryError(f"{where}: no {key!r} (hint: add \"{key}\")")
    value = obj[key]
    if optional and value is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise HistoryError(f"{where}.{key}: {json.dumps(value)} is not {_KINDS[kind]}")
    return value


_KINDS = {int: "a whole number", bool: "true or false", str: "text", list: "a list"}


def _time(obj: dict, where: str) -> datetime:
    text = _get(obj, "at", str, where)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise HistoryError(
            f"{where}.at: {text!r} is not a time (hint: write local time as 2026-12-01T08:05:00)"
        ) from None
    return at.replace(tzinfo=None)


def from_json(data: object, where: str = "history") -> History:
    """The history in a parsed history file; raises :class:`HistoryError` naming the bad part."""
    if not isinstance(data, dict):
        raise HistoryError(f"{where}: not a JSON object (hint: start with {{\"sessions\": [...]}})")
    sessions = []
    for i, s in enumerate(_get(data, "sessions", list, where)):
        at = f"{where}.sessions[{i}]"
        if not isinstance(s, dict):
            raise HistoryError(f"{at}: not a JSON object")
        attempts = []
        for j, e in enumerate(_get(s, "exercises", list, at)):
            place = f"{at}.exercises[{j}]"
            if not isinstance(e, dict):
                raise HistoryError(f"{place}: not a JSON object")
            pain = _get(e, "pain", int, place)
            level = _get(e, "level", int, place)
            if not 0 <= pain <= 10 or level < 0:
                bad = f"pain {pain} is outside 0 to 10" if not 0 <= pain <= 10 else f"level {level} is below 0"
                raise HistoryError(f"{place}: {bad}")
            attempts.append(
                Attempt(
                    _get(e, "exercise", str, place),
                    level,
                    _get(e, "completed", bool, place),
                    pain,
                    _get(e, "best_ms", int, place, optional=True),
                )
            )
        sessions.append(
            Session(
                _get(s, "routine", str, at),
                _time(s, at),
                _get(s, "completed", bool, at),
                tuple(attempts),
            )
        )
    mornings = []
    for i, m in enumerate(_get(data, "mornings", list, where, optional=True) or []):
        at = f"{where}.mornings[{i}]"
        if not isinstance(m, dict):
            raise HistoryError(f"{at}: not a JSON object")
        answer = _get(m, "answer", str, at)
        if answer not in ANSWERS:
            raise HistoryError(f"{at}.answer: {answer!r} is not one of {', '.join(ANSWERS)}")
        mornings.append(Morning(_time(m, at), answer))
    return History(tuple(sessions), tuple(mornings))


def read_history(path: str | Path) -> History:
    """The history file at ``path``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise HistoryError(f"{path}: cannot read it ({e.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise HistoryError(f"{path}: not JSON ({e})") from None
    return from_json(data, str(path))


# Log format 1 answers the pain question yes or no; "yes" (it hurt) counts as more than the
# default `hold` of 5, "no" as 0.
PAIN_OF_ANSWER = {"no": 0, "yes": 6}


def _when(s) -> datetime:  # type: ignore[no-untyped-def]
    """A stored session's local start: exact, or the latest it can have been (a session
    without a clock, before the sync that fetched it)."""
    return datetime.fromtimestamp(s.start_s if s.start_s is not None else s.latest_s)


def _named(s, routine):  # type: ignore[no-untyped-def]
    """The session with its segments named from its archived routine; for one the archive
    lacks (synced before routines were kept), from the routine compiled again at the
    session's level, when it still has as many segments; else None."""
    if s.routine_found:
        return s
    from backbeat.routine.compiler import compile_routine
    from backbeat.store import WORK_KINDS, work_planned

    timeline = compile_routine(routine, s.level)
    if len(timeline.segments) != s.segment_count:
        return None
    out = []
    for g in s.segments:
        if g.index < len(timeline.segments):
            seg = timeline.segments[g.index]
            g = replace(g, exercise=seg.exercise, side=seg.side, rep=seg.rep, reps=seg.reps,
                        level=seg.level, work=seg.kind in WORK_KINDS)
        out.append(g)
    return replace(s, segments=out, work_planned=work_planned(
        (seg.exercise, seg.kind) for seg in timeline.segments))


def from_store(store, routines: dict) -> History:  # type: ignore[no-untyped-def]
    """The history in the store that `sync` fills, for the routines given (id -> Routine).

    Each session's attempts are read from its segments, named by the routine it ran
    (backbeat.sessions.attempts); pain asked yes or no (log format 1) counts as
    PAIN_OF_ANSWER says. A session of no routine given, or whose segments cannot be
    named, is left out.
    """
    from backbeat.sessions import attempts

    sessions = []
    for s in store.sessions():
        routine = routines.get(s.routine_id)
        if routine is None:
            continue
        named = _named(s, routine)
        if named is None:
            continue
        made = []
        for a in attempts(named):
            pain = a.pain if a.pain is not None else PAIN_OF_ANSWER.get(a.pain_yes_no or "no", 0)
            best = max((held for held, _target in a.open_holds), default=None)
            made.append(Attempt(a.exercise, a.level or 0, a.completed, pain, best))
        sessions.append(Session(s.routine_id, _when(s), s.ending == "completed", tuple(made)))
    return History(tuple(sessions))
