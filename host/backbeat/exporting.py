"""Stored sessions for other programs: a CSV table of segments for a spreadsheet, and FIT
activity files for Garmin Connect or Strava (docs/export.md says what each holds)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime, timezone
from typing import IO, Any

from backbeat.store import Segment, Session


def _iso(unix_s: int | None) -> str:
    if unix_s is None:
        return ""
    return datetime.fromtimestamp(unix_s, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _s(ms: int | None) -> str:
    return "" if ms is None else f"{ms / 1000:.3f}"


# The CSV columns in order: name, value of (session, segment). docs/export.md describes
# each one; a test holds the two lists equal.
CSV_COLUMNS: list[tuple[str, Callable[[Session, Segment], Any]]] = [
    ("device", lambda s, g: s.device),
    ("session", lambda s, g: s.id),
    ("start_utc", lambda s, g: _iso(s.wall_s)),
    ("routine", lambda s, g: s.routine),
    ("routine_level", lambda s, g: s.level),
    ("ending", lambda s, g: s.ending),
    ("segment", lambda s, g: g.index),
    ("kind", lambda s, g: g.kind),
    ("outcome", lambda s, g: g.outcome),
    ("start_s", lambda s, g: _s(g.start_ms)),
    ("end_s", lambda s, g: _s(g.end_ms)),
    ("planned_s", lambda s, g: _s(g.planned_ms)),
    ("achieved_s", lambda s, g: _s(g.achieved_ms)),
    ("paused_s", lambda s, g: _s(g.end_ms - g.start_ms - g.achieved_ms)),
    ("pain", lambda s, g: g.pain or ""),
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
