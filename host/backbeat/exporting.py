"""Stored sessions for other programs: a CSV table of segments for a spreadsheet, and FIT
activity files for Garmin Connect or Strava (docs/export.md says what each holds)."""

from __future__ import annotations

import contextlib
import csv
import os
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

from backbeat.fit import FitActivity, FitLap, FitSet, encode_activity
from backbeat.store import Segment, Session


def _local(unix_s: int) -> str:
    return datetime.fromtimestamp(unix_s).strftime("%Y-%m-%d %H:%M:%S")


def _s(ms: int) -> str:
    return f"{ms / 1000:.3f}"


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _of_segment(name: str) -> Callable[[Session, Segment], Any]:
    return lambda s, g: _blank(getattr(g, name))


def _seconds_of_segment(name: str) -> Callable[[Session, Segment], str]:
    return lambda s, g: _s(getattr(g, name))


# The CSV columns in order: name, value of (session, segment). docs/export.md describes
# each one; a test holds the two lists equal.
CSV_COLUMNS: list[tuple[str, Callable[[Session, Segment], Any]]] = [
    ("device", lambda s, g: s.device),
    ("session", lambda s, g: s.id),
    ("dated", lambda s, g: s.dated),
    ("start", lambda s, g: _local(s.when_s)),
    ("earliest", lambda s, g: _local(s.earliest_s)),
    ("latest", lambda s, g: _local(s.latest_s)),
    ("routine", lambda s, g: s.routine_id),
    ("routine_found", lambda s, g: int(s.routine_found)),
    ("routine_name", lambda s, g: _blank(s.routine_name)),
    ("routine_level", lambda s, g: s.level),
    ("ending", lambda s, g: s.ending),
    ("segment", lambda s, g: g.index),
    *((name, _of_segment(name)) for name in ("exercise", "side", "rep", "reps", "round",
                                              "rounds", "kind", "counted")),
    ("work", lambda s, g: int(g.work)),
    ("level", _of_segment("level")),
    ("outcome", _of_segment("outcome")),
    *((f"{name}_s", _seconds_of_segment(f"{name}_ms")) for name in ("start", "end", "planned",
                                                                    "achieved", "paused")),
    ("pain", _of_segment("pain")),
    ("pain_answer", _of_segment("pain_answer")),
]


def write_csv(sessions: list[Session], out: IO[str]) -> int:
    """One row per stored segment, after a header row; returns the number of rows."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow([name for name, _ in CSV_COLUMNS])
    rows = 0
    for s in sessions:
        for g in s.segments:
            w.writerow([value(s, g) for _, value in CSV_COLUMNS])
            rows += 1
    return rows


# ------------------------------------------------------------------ FIT


def fit_start_s(s: Session) -> int:
    """When a FIT file says the session started: its start when exact; a bounded one at the
    middle of its bounds, or at its latest bound when nothing bounds it from below."""
    if s.start_s is not None:
        return s.start_s
    return s.when_s if s.earliest_s else s.latest_s


def _laps(s: Session) -> list[FitLap]:
    """A lap per exercise (per run of segments of one exercise); a segment of no exercise
    joins the lap before it, or the first one. A routine not found: one lap, its id."""
    groups: list[tuple[str, list[Segment]]] = []
    loose: list[Segment] = []
    for g in s.segments:
        name = g.exercise if s.routine_found else s.routine_id
        if name is None:
            (groups[-1][1] if groups else loose).append(g)
        elif groups and groups[-1][0] == name:
            groups[-1][1].append(g)
        else:
            groups.append((name, loose + [g]))
            loose = []
    if loose:  # no segment of the session names an exercise
        groups.append((s.routine_id, loose))
    return [FitLap(name, segs[0].start_ms, segs[-1].end_ms,
                   [FitSet(g.start_ms, g.achieved_ms, g.work, g.counted) for g in segs])
            for name, segs in groups]


def fit_activity(s: Session) -> FitActivity:
    """The session as a FIT activity (backbeat.fit)."""
    elapsed = s.elapsed_ms
    if elapsed is None:  # unfinished: until its last segment ended
        elapsed = max((g.end_ms for g in s.segments), default=0)
    start = datetime.fromtimestamp(fit_start_s(s), timezone.utc)
    offset = (start + timedelta(milliseconds=elapsed)).astimezone().utcoffset()
    # Stopped before its first segment ended: one lap without sets, as FIT wants a lap.
    laps = _laps(s) or [FitLap(s.routine_id, 0, elapsed)]
    return FitActivity(s.routine_name or s.routine_id, start, elapsed, laps,
                       zlib.crc32(s.device.encode()) or 1, s.seq & 0xFFFF,
                       int(offset.total_seconds()) if offset else 0)


def fit_name(s: Session) -> str:
    """The file name: UTC start, routine, then the session's id (device, epoch, number)."""
    when = datetime.fromtimestamp(fit_start_s(s), timezone.utc).strftime("%Y-%m-%d-%H%M")
    return f"{when}-{s.routine_id}-{s.device}-{s.epoch}-{s.seq}.fit"


def write_aside(path: Path, data: bytes) -> None:
    """data into the file `path`, written beside it and renamed over it, so a failed write
    leaves what was there. OSError (naming `path`) when it cannot be written."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise OSError(e.errno, e.strerror, str(path)) from None


def write_fit(sessions: list[Session], out_dir: Path) -> list[Path]:
    """One FIT file per session in out_dir (made if missing; files of the same sessions are
    replaced), each by write_aside(). OSError when the directory cannot be made or a file
    cannot be written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for s in sessions:
        path = out_dir / fit_name(s)
        write_aside(path, encode_activity(fit_activity(s)))
        written.append(path)
    return written
