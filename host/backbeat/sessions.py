"""What a stored session says to a person: its exercises, and the text `backbeat sessions`
prints.

An attempt (../PROGRESS.md) is one session's work on one exercise: all its work segments,
both sides, every rep and round. `attempts()` gathers them in the order the exercises
first came; the text and any report read those.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from backbeat.store import Session
from backbeat.text import count


@dataclass
class Attempt:
    exercise: str
    level: int | None
    completed: bool  # every work segment done (an open hold ended by a press or its cap)
    pain: int | None  # the highest answer 0..10; None when none was given on that scale
    pain_yes_no: str | None  # a log format 1 answer: "yes" when any was yes, else "no"
    side_ms: dict[str, int] = field(default_factory=dict)  # achieved per side, in order
    reps: int = 0  # the step's reps (the most of its segments), 0 when it has none
    reps_done: int = 0  # work segments done
    reps_planned: int = 0  # work segments
    open_holds: list[tuple[int, int]] = field(default_factory=list)  # done: (held, target ms)
    achieved_ms: int = 0
    counted: int | None = None  # counts done, when the exercise is counted
    paused_ms: int = 0


def attempts(session: Session) -> list[Attempt]:
    """The session's attempts, one per exercise, in the order they first came; empty when
    its routine was not found (its segments have no names)."""
    out: dict[str, Attempt] = {}
    for g in session.segments:
        if g.exercise is None:
            continue
        a = out.get(g.exercise)
        if a is None:
            a = out[g.exercise] = Attempt(g.exercise, g.level, True, None, None)
        a.paused_ms += g.paused_ms
        if g.pain_answer == "scale" and g.pain is not None:
            a.pain = max(a.pain or 0, g.pain)
        elif g.pain_answer in ("yes", "no"):
            a.pain_yes_no = "yes" if "yes" in (a.pain_yes_no, g.pain_answer) else "no"
        if not g.work:
            continue
        a.reps_planned += 1
        a.reps = max(a.reps, g.reps or 0)
        a.achieved_ms += g.achieved_ms
        if g.outcome == "done":
            a.reps_done += 1
        else:
            a.completed = False
        if g.side is not None:
            a.side_ms[g.side] = a.side_ms.get(g.side, 0) + g.achieved_ms
        if g.kind == "count" and g.pace_ms:
            a.counted = (a.counted or 0) + g.achieved_ms // g.pace_ms
        if g.kind == "hold_open" and g.outcome == "done":
            a.open_holds.append((g.achieved_ms, g.planned_ms))
    for a in out.values():
        # Work the session never reached (it was stopped before) is not done either.
        a.reps_planned = max(a.reps_planned, session.work_planned.get(a.exercise, 0))
        a.completed = a.completed and a.reps_done == a.reps_planned
    # An exercise whose every segment is a prepare, rest or switch was never worked on.
    return [a for a in out.values() if a.reps_planned]


def select(sessions: Iterable[Session], since: date | None = None, routine: str | None = None,
           device: str | None = None) -> list[Session]:
    """The sessions that started on or after `since` (local time; a bounded start counts
    when its latest bound is), ran `routine` (its id or its name, any case), on `device`."""
    out = []
    for s in sessions:
        if since is not None and datetime.fromtimestamp(s.latest_s).date() < since:
            continue
        if routine is not None and routine.casefold() not in (
                s.routine_id.casefold(), (s.routine_name or "").casefold()):
            continue
        if device is not None and s.device != device:
            continue
        out.append(s)
    return out


def when(s: Session) -> str:
    """The start in local time: exact, or the bounds it lies between."""
    if s.start_s is not None:
        return _local(s.start_s)
    if not s.earliest_s:
        return f"before {_local(s.latest_s)} (the device had no clock)"
    return f"between {_local(s.earliest_s)} and {_local(s.latest_s)} (the device had no clock)"


def _local(unix_s: int) -> str:
    t = datetime.fromtimestamp(unix_s)
    return f"{t:%a} {t.day} {t:%b %Y %H:%M}"


def seconds(ms: int) -> str:
    """ms as a person says it: "28 s", "2 min 5 s"."""
    s = round(ms / 1000)
    if s < 60:
        return f"{s} s"
    return f"{s // 60} min" + (f" {s % 60} s" if s % 60 else "")


def session_text(s: Session, with_device: bool = False) -> list[str]:
    """The lines `backbeat sessions` prints for one session."""
    name = s.routine_name or s.routine_id or "(routine unknown)"
    head = f"{when(s)}  {name}"
    if with_device:
        head += f"  [{s.device}]"
    took = "" if s.elapsed_ms is None else f" in {seconds(s.elapsed_ms)}"
    ending = {"completed": f"completed{took}", "stopped": f"stopped{took}",
              "unfinished": "unfinished (the power went)"}[s.ending]
    paused = f", paused {seconds(s.paused_ms)}" if s.paused_ms else ""
    lines = [head, f"  {ending}{paused}"]
    if s.damaged:
        lines.append(f"  its start record was damaged on the device: "
                     f"{count(s.done, 'segment')} done, {s.skipped} skipped")
        return lines
    if not s.routine_found:
        lines.append(f"  routine {s.routine_id} (CRC {s.routine_crc:08x}) not found: "
                     f"{count(s.done, 'segment')} done, {s.skipped} skipped")
        return lines
    for a in attempts(s):
        lines.append("  " + attempt_text(a))
    return lines


def attempt_text(a: Attempt) -> str:
    parts = [a.exercise]
    if a.level is not None:
        parts.append(f"level {a.level}")
    if a.open_holds:
        parts.append(", ".join(f"held {seconds(held)} (target {seconds(target)})"
                               for held, target in a.open_holds))
    elif a.side_ms:
        parts.append(", ".join(f"{side} {seconds(ms)}" for side, ms in a.side_ms.items()))
    elif a.counted is not None:
        parts.append(f"{a.counted} counted")
    else:
        parts.append(seconds(a.achieved_ms))
    if a.reps > 1:
        parts.append(f"{a.reps} reps" if a.completed else
                     f"{a.reps_done} of {a.reps_planned} done")
    elif not a.completed:
        parts.append("not done")
    if a.pain is not None:
        parts.append(f"pain {a.pain}")
    elif a.pain_yes_no is not None:
        parts.append(f"pain: {a.pain_yes_no}")
    if a.paused_ms:
        parts.append(f"paused {seconds(a.paused_ms)}")
    return "  ".join(parts)

