"""The host's store of synced sessions: SQLite, by default under the user's data directory.

Raw log records are kept exactly as the device wrote them, keyed by device, log epoch
and sequence number, so storing a record twice changes nothing. Sessions and their
segments are built from the records in the same transaction.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backbeat.codec.logrec import (
    CLOCK,
    SEGMENT,
    SESSION_END,
    SESSION_START,
    decode_record,
    ticks_diff,
)

SCHEMA_VERSION = 1
# How long a write waits for another program that holds the database.
LOCK_TIMEOUT_S = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS devices (
    uid TEXT PRIMARY KEY,
    epoch INTEGER NOT NULL DEFAULT 0,
    board TEXT NOT NULL DEFAULT '',
    firmware TEXT NOT NULL DEFAULT '',
    synced_at INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS records (
    uid TEXT NOT NULL, epoch INTEGER NOT NULL, seq INTEGER NOT NULL,
    type INTEGER NOT NULL, raw BLOB NOT NULL,
    PRIMARY KEY (uid, epoch, seq)
);
CREATE TABLE IF NOT EXISTS clocks (
    uid TEXT NOT NULL, epoch INTEGER NOT NULL, seq INTEGER NOT NULL,
    boot INTEGER NOT NULL, mono_ms INTEGER NOT NULL, wall_s INTEGER NOT NULL,
    PRIMARY KEY (uid, epoch, seq)
);
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL, epoch INTEGER NOT NULL, start_seq INTEGER NOT NULL,
    boot INTEGER NOT NULL, mono_ms INTEGER NOT NULL, wall_s INTEGER NOT NULL,
    routine TEXT NOT NULL, routine_crc INTEGER NOT NULL, total_ms INTEGER NOT NULL,
    level INTEGER NOT NULL, segment_count INTEGER NOT NULL,
    end_seq INTEGER, ending TEXT, done INTEGER, skipped INTEGER,
    elapsed_ms INTEGER, paused_ms INTEGER,
    UNIQUE (uid, epoch, start_seq)
);
CREATE TABLE IF NOT EXISTS segments (
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    seq INTEGER NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL, outcome TEXT NOT NULL,
    pain TEXT, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
    planned_ms INTEGER NOT NULL, achieved_ms INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq)
);
"""


def default_db_path() -> Path:
    """$XDG_DATA_HOME/backbeat/backbeat.db (~/.local/share when XDG_DATA_HOME is not set)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "backbeat" / "backbeat.db"


class StoreError(Exception):
    """The database cannot be used; str() says why and what to do."""


@dataclass
class Segment:
    index: int
    kind: str
    outcome: str
    pain: str | None
    start_ms: int
    end_ms: int
    planned_ms: int
    achieved_ms: int


@dataclass
class Session:
    id: int
    device: str
    routine: str
    wall_s: int | None  # Unix time of the start, None when the device never learnt the date
    total_ms: int
    level: int
    segment_count: int
    ending: str  # completed, stopped, or unfinished (no end record: power lost)
    elapsed_ms: int | None
    paused_ms: int | None
    done: int
    skipped: int
    segments: list[Segment] = field(default_factory=list)
    # Its session start record was damaged on the device: the routine, plan and date are
    # unknown, its segments and end are kept (docs/log-format.md, "Reading").
    damaged: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "device": self.device, "routine": self.routine,
            "start_unix_s": self.wall_s, "level": self.level, "planned_ms": self.total_ms,
            "elapsed_ms": self.elapsed_ms, "paused_ms": self.paused_ms, "ending": self.ending,
            "done": self.done, "skipped": self.skipped, "segment_count": self.segment_count,
            "damaged": self.damaged, "segments": [vars(s) for s in self.segments],
        }


class Store:
    """An open database; use as a context manager or call close()."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(self.path), timeout=LOCK_TIMEOUT_S)
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"{self.path}: written by a newer backbeat (schema {version}); "
                                 "upgrade backbeat")
            with self.db:
                self.db.executescript(_SCHEMA)
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.OperationalError as e:
            if "locked" in str(e):
                raise StoreError(f"{self.path}: the database is locked by another program "
                                 "(hint: close that program, then try again)") from None
            if "unable to open" in str(e) or "readonly" in str(e):
                raise self._not_writable() from None
            raise StoreError(f"{self.path}: cannot use this database ({e})") from None
        except PermissionError:
            raise self._not_writable() from None
        except (sqlite3.DatabaseError, OSError) as e:
            raise StoreError(f"{self.path}: cannot use this database ({e})") from None

    def _not_writable(self) -> StoreError:
        """The database or its folder may not be written (permissions, a read-only disk)."""
        where = next(p for p in (self.path, *self.path.parents) if p.exists())
        return StoreError(f"{self.path}: cannot open the database for writing: no permission "
                          f"to write {where} (hint: give yourself write access to it, e.g. "
                          f"chmod u+w {where}, or use another file with --db PATH)")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ devices and epochs

    def epoch(self, uid: str) -> int:
        row = self.db.execute("SELECT epoch FROM devices WHERE uid = ?", (uid,)).fetchone()
        return row[0] if row else 0

    def new_epoch(self, uid: str) -> int:
        """The device's log was wiped: its sequence numbers start again in a new epoch."""
        e = self.epoch(uid) + 1
        with self.db:
            self.db.execute("INSERT INTO devices (uid, epoch) VALUES (?, ?) "
                            "ON CONFLICT (uid) DO UPDATE SET epoch = excluded.epoch", (uid, e))
        return e

    def note_device(self, uid: str, board: str, firmware: str, synced_at: int) -> None:
        with self.db:
            self.db.execute(
                "INSERT INTO devices (uid, board, firmware, synced_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (uid) DO UPDATE SET board = excluded.board, "
                "firmware = excluded.firmware, synced_at = excluded.synced_at",
                (uid, board, firmware, synced_at))

    def last_record(self, uid: str, epoch: int) -> tuple[int, bytes] | None:
        """(seq, raw) of the highest record stored for the device's epoch, if any."""
        row = self.db.execute("SELECT seq, raw FROM records WHERE uid = ? AND epoch = ? "
                              "ORDER BY seq DESC LIMIT 1", (uid, epoch)).fetchone()
        return (row[0], bytes(row[1])) if row else None

    def record_count(self, uid: str | None = None) -> int:
        if uid is None:
            return self.db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        return self.db.execute("SELECT COUNT(*) FROM records WHERE uid = ?", (uid,)).fetchone()[0]

    def session_count(self, uid: str | None = None) -> int:
        if uid is None:
            return self.db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
        return self.db.execute("SELECT COUNT(*) FROM sessions WHERE uid = ?", (uid,)).fetchone()[0]

    # ------------------------------------------------------------ adding records

    def add_records(self, uid: str, epoch: int, raws: Iterable[bytes]) -> int:
        """Store the records (checked and decoded first) in one transaction; returns how many
        were new. A record already stored is skipped, so adding twice adds nothing."""
        decoded = [(bytes(raw), decode_record(bytes(raw))) for raw in raws]
        added = 0
        with self.db:
            for raw, rec in decoded:
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO records (uid, epoch, seq, type, raw) VALUES (?,?,?,?,?)",
                    (uid, epoch, rec["seq"], raw[1], raw))
                if cur.rowcount == 0:
                    continue
                added += 1
                self._derive(uid, epoch, raw[1], rec)
        return added

    def _derive(self, uid: str, epoch: int, rtype: int, r: dict[str, Any]) -> None:
        db = self.db
        if rtype == SESSION_START:
            db.execute(
                "INSERT INTO sessions (uid, epoch, start_seq, boot, mono_ms, wall_s, routine, "
                "routine_crc, total_ms, level, segment_count) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (uid, epoch, r["seq"], r["boot"], r["mono_ms"], r["wall_s"], r["routine"],
                 r["routine_crc"], r["total_ms"], r["level"], r["segment_count"]))
        elif rtype == CLOCK:
            db.execute("INSERT INTO clocks (uid, epoch, seq, boot, mono_ms, wall_s) "
                       "VALUES (?,?,?,?,?,?)",
                       (uid, epoch, r["seq"], r["boot"], r["mono_ms"], r["wall_s"]))
        elif rtype in (SEGMENT, SESSION_END):
            row = db.execute("SELECT id, end_seq FROM sessions WHERE uid = ? AND epoch = ? AND "
                             "start_seq < ? ORDER BY start_seq DESC LIMIT 1",
                             (uid, epoch, r["seq"])).fetchone()
            if self._after_lost_start(uid, epoch, r, row):
                cur = db.execute(
                    "INSERT INTO sessions (uid, epoch, start_seq, boot, mono_ms, wall_s, "
                    "routine, routine_crc, total_ms, level, segment_count) "
                    "VALUES (?,?,?,0,0,0,'',0,0,0,0)", (uid, epoch, r["seq"] - 1))
                row = (cur.lastrowid, None)
            if row is None:
                return  # its start was reclaimed on the device before a first sync
            if rtype == SEGMENT:
                db.execute(
                    "INSERT OR IGNORE INTO segments (session_id, seq, idx, kind, outcome, pain, "
                    "start_ms, end_ms, planned_ms, achieved_ms) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (row[0], r["seq"], r["index"], r["kind"], r["outcome"], r["pain"],
                     r["start_ms"], r["end_ms"], r["planned_ms"], r["achieved_ms"]))
            else:
                db.execute("UPDATE sessions SET end_seq = ?, ending = ?, done = ?, skipped = ?, "
                           "elapsed_ms = ?, paused_ms = ? WHERE id = ?",
                           (r["seq"], r["end"], r["done"], r["skipped"], r["elapsed_ms"],
                            r["paused_ms"], row[0]))

    def _after_lost_start(self, uid: str, epoch: int, r: dict[str, Any], row) -> bool:
        """True when segment or end record r follows a record the device lost to damage
        (a gap in the numbers) and cannot belong to the session before it (none, ended,
        or already past this segment's index): the lost record was its session's start."""
        db = self.db
        if db.execute("SELECT 1 FROM records WHERE uid = ? AND epoch = ? AND seq = ?",
                      (uid, epoch, r["seq"] - 1)).fetchone() is not None:
            return False
        if db.execute("SELECT 1 FROM records WHERE uid = ? AND epoch = ? AND seq < ?",
                      (uid, epoch, r["seq"])).fetchone() is None:
            return False  # nothing before it here: a first sync after the device reclaimed
        if row is None or row[1] is not None:
            return True
        if r["type"] != "segment":
            return False
        last = db.execute("SELECT MAX(idx) FROM segments WHERE session_id = ?",
                          (row[0],)).fetchone()[0]
        return last is not None and r["index"] <= last

    # ------------------------------------------------------------ reading sessions

    def _date(self, uid: str, epoch: int, boot: int, mono: int, wall: int) -> int | None:
        if wall:
            return wall
        row = self.db.execute("SELECT mono_ms, wall_s FROM clocks WHERE uid = ? AND epoch = ? "
                              "AND boot = ? ORDER BY seq LIMIT 1", (uid, epoch, boot)).fetchone()
        if row is None:
            return None
        return row[1] + round(ticks_diff(mono, row[0]) / 1000)

    def sessions(self, uid: str | None = None) -> list[Session]:
        """Every stored session, oldest first (by device, epoch and sequence number)."""
        q = ("SELECT id, uid, epoch, boot, mono_ms, wall_s, routine, total_ms, level, "
             "segment_count, ending, elapsed_ms, paused_ms, done, skipped, NOT EXISTS "
             "(SELECT 1 FROM records r WHERE r.uid = sessions.uid AND r.epoch = sessions.epoch "
             "AND r.seq = sessions.start_seq) FROM sessions")
        args: tuple[Any, ...] = ()
        if uid is not None:
            q += " WHERE uid = ?"
            args = (uid,)
        out = []
        for row in self.db.execute(q + " ORDER BY uid, epoch, start_seq", args).fetchall():
            (sid, dev, epoch, boot, mono, wall, routine, total, level, count, ending, elapsed,
             paused, done, skipped, damaged) = row
            segs = [Segment(*s) for s in self.db.execute(
                "SELECT idx, kind, outcome, pain, start_ms, end_ms, planned_ms, achieved_ms "
                "FROM segments WHERE session_id = ? ORDER BY seq", (sid,)).fetchall()]
            if ending is None:
                done = sum(1 for s in segs if s.outcome == "done")
                skipped = sum(1 for s in segs if s.outcome == "skipped")
            out.append(Session(sid, dev, routine, self._date(dev, epoch, boot, mono, wall),
                               total, level, count, ending or "unfinished", elapsed, paused,
                               done, skipped, segs, bool(damaged)))
        return out
