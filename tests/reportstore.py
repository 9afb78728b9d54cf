"""Crafted report indexes for the report's tests and benchmarks: sessions with named
segments at chosen local times, as `backbeat.report.facts` keeps them."""

from __future__ import annotations

import sqlite3
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from backbeat.report import facts


def local_s(when: datetime) -> int:
    """Unix time of the local ``when``."""
    return int(time.mktime(when.timetuple()))


class CraftedFacts:
    """A report index (``facts``) filled session by session; ``db`` is its connection."""

    def __init__(self, path: Path, stamp: str = "crafted") -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path))
        facts.create(self.db, stamp)
        self.writer = facts.Writer(self.db)
        self._next = 1

    def session(self, routine: str, at: datetime | None, work: list[tuple],
                ending: str = "completed", device: str = "e6614103e7a1b2c3",
                bounds: tuple[datetime, datetime] | None = None) -> int:
        """Add a session started at local ``at`` (None with ``bounds``: a clockless start).

        ``work`` holds (exercise, side, kind, outcome, pain, level, planned_ms, achieved_ms).
        """
        sid = self._next
        self._next += 1
        self.writer.session(sid, device, routine, local_s(at if at else bounds[0]),
                            at is not None, ending, work)
        return sid

    def morning(self, at: datetime, answer: str) -> None:
        self.writer.morning(local_s(at), answer)

    def commit(self) -> None:
        self.writer.finish()
        self.db.commit()

    def close(self) -> None:
        self.commit()
        self.db.close()


def hold(exercise: str, seconds: float, *, side: str | None = None, outcome: str = "done",
         pain: int | None = None, level: int = 0, planned: float | None = None,
         kind: str = "hold") -> tuple:
    """One work segment: ``seconds`` achieved of ``planned`` (the same when not given)."""
    return (exercise, side, kind, outcome, pain, level,
            round((seconds if planned is None else planned) * 1000), round(seconds * 1000))


def years_of_sessions(store: CraftedFacts, last: date, days: int, per_day: int = 3) -> None:
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


def real_store(path: Path, days: tuple[datetime, ...], stopped: tuple[datetime, ...] = (),
               seq: int = 0) -> Path:
    """A store filled as sync fills it, its routine archived: a session of "Side plank and
    more" (test_store.ROUTINE: side plank left and right, an open plank) started at each
    local time of ``days`` (completed) and of ``stopped``, in one device's log after record
    ``seq``. Left is held 20 s, right 16 s, the plank 30 s more each day; pain 2."""
    from backbeat.store import Store
    from test_store import BBR, CRC, end, segment, start

    records = []
    for k, when in enumerate(sorted(days + stopped)):
        seq += 7
        records += [
            start(seq - 6, boot=seq, wall=local_s(when), crc=CRC, name="core-stability",
                  count=5),
            segment(seq - 5, 0, kind=1, version=2, pain=255),
            segment(seq - 4, 1, version=2, pain=255, achieved=20000),
            segment(seq - 3, 2, kind=10, version=2, pain=255),
            segment(seq - 2, 3, version=2, pain=2, achieved=16000),
            segment(seq - 1, 4, kind=3, version=2, pain=0, achieved=30000 + 1000 * k),
            end(seq, how=1 if when in days else 2, done=5)]
    with Store(path) as store:
        store.archive(BBR, "core-stability", "compiled", now_s=0)
        store.add_records("e6614103e7a1b2c3", 0, records, store.begin_sync(
            "e6614103e7a1b2c3", local_s(max(days + stopped)) + 3600))
    return path
