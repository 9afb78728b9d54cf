"""Crafted stores for the report's tests and benchmarks: sessions with named segments at
chosen local times, written as the store keeps them."""

from __future__ import annotations

import sqlite3
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from backbeat.store import Store


def local_s(when: datetime) -> int:
    """Unix time of the local ``when``."""
    return int(time.mktime(when.timetuple()))


# Columns of the store's named sessions (issue 9) that a store may not have yet.
_V2_COLUMNS = (("sessions", "date_lo_s"), ("sessions", "date_hi_s"), ("segments", "exercise"),
               ("segments", "side"), ("segments", "level"))


class CraftedStore:
    """A store file with sessions added one by one; ``db`` is its connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        Store(path).close()
        self.db = sqlite3.connect(str(path))
        for table, column in _V2_COLUMNS:
            names = [row[1] for row in self.db.execute(f"PRAGMA table_info({table})")]
            if column not in names:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
        self._next = 1

    def session(self, routine: str, at: datetime | None, work: list[tuple],
                ending: str = "completed", device: str = "e6614103e7a1b2c3",
                bounds: tuple[datetime, datetime] | None = None) -> int:
        """Add a session started at local ``at`` (None with ``bounds``: a clockless start).

        ``work`` holds (exercise, side, kind, outcome, pain, level, planned_ms, achieved_ms).
        """
        sid = self._next
        self._next += 1
        lo, hi = (local_s(bounds[0]), local_s(bounds[1])) if bounds else (None, None)
        self.db.execute(
            "INSERT INTO sessions (id, uid, epoch, start_seq, boot, mono_ms, wall_s, date_lo_s, "
            "date_hi_s, routine, routine_crc, total_ms, level, segment_count, ending) "
            "VALUES (?,?,0,?,0,0,?,?,?,?,0,0,0,?,?)",
            (sid, device, sid * 1000, local_s(at) if at else 0, lo, hi, routine, len(work),
             None if ending == "unfinished" else ending))
        self.db.executemany(
            "INSERT INTO segments (session_id, seq, idx, exercise, side, kind, outcome, pain, "
            "level, start_ms, end_ms, planned_ms, achieved_ms) VALUES (?,?,?,?,?,?,?,?,?,0,0,?,?)",
            [(sid, sid * 1000 + i + 1, i, *w) for i, w in enumerate(work)])
        return sid

    def commit(self) -> None:
        self.db.commit()

    def close(self) -> None:
        self.db.commit()
        self.db.close()


def hold(exercise: str, seconds: float, *, side: str | None = None, outcome: str = "done",
         pain: int | None = None, level: int = 0, planned: float | None = None,
         kind: str = "hold") -> tuple:
    """One work segment: ``seconds`` achieved of ``planned`` (the same when not given)."""
    return (exercise, side, kind, outcome, pain, level,
            round((seconds if planned is None else planned) * 1000), round(seconds * 1000))


def years_of_sessions(store: CraftedStore, last: date, days: int, per_day: int = 3) -> None:
    """``days`` days up to ``last`` of ``per_day`` sessions, each 30 work segments over 6
    exercises (both sides, open holds growing, pain easing), one in 20 stopped."""
    n = 0
    for d in range(days):
        day = last - timedelta(days=days - 1 - d)
        for k in range(per_day):
            n += 1
            at = datetime(day.year, day.month, day.day, 8 + 5 * k, 5)
            level = min(5, d // 60)
            work = []
            for e in range(6):
                name = f"Exercise {e + 1}"
                for side in ("left", "right"):
                    for rep in range(2):
                        if e < 3:
                            held = 20 + d % 40 + (3 if side == "left" else 0) + rep
                            work.append(hold(name, held, side=side, kind="hold_open",
                                             planned=30, level=level))
                        else:
                            work.append(hold(name, 15, side=side, level=level))
                work.append(hold(name, 10, pain=(d + e) % 4, level=level, kind="count"))
            store.session(f"routine-{k}", at, work[:30],
                          ending="stopped" if n % 20 == 0 else "completed")
    store.commit()
