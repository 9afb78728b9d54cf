"""The host's store of synced sessions: SQLite, by default under the user's data directory.

What is stored is what came from outside, exactly as it came:
- `records`: every log record as the device wrote it, keyed by device, log epoch and
  sequence number (so storing a record twice changes nothing), with the sync that
  fetched it;
- `syncs`: when each sync of a device happened (the upper bound of what it fetched);
- `routines`: the archive of every routine this host compiled, flashed or fetched from a
  device: the .bbr bytes keyed by their CRC, with the source YAML and the levels.

Sessions and their segments are never stored: `Store.sessions()` builds them from the
records and the archive each time, so a routine archived later names the segments of
sessions synced before, and a backup of records, syncs and routines is complete.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from backbeat.codec.bbr import BbrError, decode
from backbeat.codec.logrec import (
    MORNING,
    SESSION_START,
    decode_record,
    ticks_diff,
)

SCHEMA_VERSION = 2
# How long a write waits for another program that holds the database.
LOCK_TIMEOUT_S = 10.0

# Kinds of segment that are work on an exercise (the others prepare, rest or switch).
WORK_KINDS = ("hold", "hold_open", "breathe", "stretch", "contract", "relax", "count")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS devices (
    uid TEXT PRIMARY KEY,
    epoch INTEGER NOT NULL DEFAULT 0,
    board TEXT NOT NULL DEFAULT '',
    firmware TEXT NOT NULL DEFAULT '',
    synced_at INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS syncs (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL,
    at_s INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    uid TEXT NOT NULL, epoch INTEGER NOT NULL, seq INTEGER NOT NULL,
    type INTEGER NOT NULL, raw BLOB NOT NULL,
    sync_id INTEGER REFERENCES syncs(id),
    PRIMARY KEY (uid, epoch, seq)
);
CREATE TABLE IF NOT EXISTS routines (
    crc INTEGER PRIMARY KEY,
    bbr BLOB NOT NULL,
    routine_id TEXT NOT NULL,
    name TEXT NOT NULL,
    level INTEGER NOT NULL,
    levels TEXT NOT NULL DEFAULT '{}',
    source TEXT,
    origin TEXT NOT NULL,
    added_s INTEGER NOT NULL
);
"""

# Schema 1 stored sessions, segments and clocks derived from the records; schema 2 builds
# them on reading, and gives every record the sync that fetched it. A schema 1 database's
# records are put under one sync per device at its last sync time (all of them were
# fetched by then).
_MIGRATE_1_TO_2 = """
DROP TABLE IF EXISTS segments;
DROP TABLE IF EXISTS sessions;
DROP TABLE IF EXISTS clocks;
ALTER TABLE records ADD COLUMN sync_id INTEGER REFERENCES syncs(id);
INSERT INTO syncs (uid, at_s) SELECT uid, synced_at FROM devices
    WHERE uid IN (SELECT DISTINCT uid FROM records);
UPDATE records SET sync_id = (SELECT MAX(id) FROM syncs WHERE syncs.uid = records.uid);
"""


def default_db_path() -> Path:
    """$XDG_DATA_HOME/backbeat/backbeat.db (~/.local/share when XDG_DATA_HOME is not set)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "backbeat" / "backbeat.db"


class StoreError(Exception):
    """The database cannot be used; str() says why and what to do."""


@dataclass
class Segment:
    """One segment of a session as the device ran it, named from the routine's .bbr."""

    index: int  # in the routine (0-based)
    kind: str  # the .bbr kind: prepare, hold, hold_open, ... switch
    work: bool  # work on an exercise (not prepare, rest or switch)
    exercise: str | None  # None when the routine is not found or the segment has none
    side: str | None  # left, right or None
    rep: int | None
    reps: int | None
    round: int | None
    rounds: int | None
    pace_ms: int | None  # a count's time per counted rep (so achieved_ms // pace_ms were done)
    step: int | None  # the routine item it comes from
    level: int | None  # the level its exercise was compiled at; None: routine not found
    outcome: str  # done, skipped, stopped
    start_ms: int  # after the session start, pauses included
    end_ms: int
    planned_ms: int  # an open hold's target
    achieved_ms: int  # pauses excluded; an open hold: the time held
    paused_ms: int
    pain: int | None  # 0..10 when answered so (log format 2), else None
    # How pain was asked: None not asked; "scale" answered 0..10 (pain says how much);
    # "unanswered" (the session was stopped at the question); "yes" or "no" (log format 1).
    pain_answer: str | None
    seq: int  # the record's sequence number

    @property
    def counted(self) -> int | None:
        """A count's reps done (achieved_ms // pace_ms); None for any other segment."""
        return self.achieved_ms // self.pace_ms if self.kind == "count" and self.pace_ms else None


@dataclass
class Session:
    """One session: its start record, its segments and its end, dated and named."""

    id: str  # DEVICE/EPOCH/SEQ of its start record: the same in every store
    device: str
    epoch: int
    seq: int
    boot: int  # the device start it ran in (the first record's sequence number of that start)
    routine_id: str  # the .bbr file name on the device
    routine_crc: int
    routine_found: bool  # its .bbr is in the archive: segments are named
    routine_name: str | None  # the routine's name as written in its YAML
    level: int  # the .bbr's level
    planned_ms: int
    segment_count: int
    # The start in Unix seconds: exact (start_s set, earliest_s == latest_s == start_s), or
    # bounded (start_s None, earliest_s <= the real start <= latest_s).
    start_s: int | None
    earliest_s: int
    latest_s: int
    dated: str  # "exact" or "bounded"
    ending: str  # completed, stopped, or unfinished (no end record: power lost)
    elapsed_ms: int | None
    paused_ms: int  # from the end record, or the sum of the segments' pauses when unfinished
    done: int
    skipped: int
    end_s: int | None  # the device's wall time at the end, when it knew it
    synced_s: int | None  # when the sync that fetched its start ran
    segments: list[Segment] = field(default_factory=list)
    # Exercise -> how many work segments the routine has for it (empty when not found):
    # an exercise whose work was cut short by a stop has fewer done than this.
    work_planned: dict[str, int] = field(default_factory=dict)
    # Its session start record was damaged on the device: the routine, plan and start are
    # unknown (bounded), its segments and end are kept (docs/log-format.md, "Reading").
    damaged: bool = False

    @property
    def when_s(self) -> int:
        """The start if exact, else the middle of its bounds (for ordering and filters)."""
        return self.start_s if self.start_s is not None else (self.earliest_s + self.latest_s) // 2

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ArchivedRoutine:
    crc: int
    bbr: bytes
    routine_id: str
    name: str
    level: int
    levels: dict[str, int]
    source: str | None  # the YAML it was compiled from; None when fetched from a device
    origin: str  # compiled, flashed or device
    added_s: int


class Store:
    """An open database; use as a context manager or call close()."""

    def __init__(self, path: str | os.PathLike[str], create: bool = True) -> None:
        """Open the database at `path`; with create=False a missing one is a StoreError
        and nothing is made (read-only commands)."""
        self.path = Path(path)
        try:
            if not create and not self.path.is_file():
                raise StoreError(f"{self.path}: no database yet (hint: run backbeat sync)")
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(self.path), timeout=LOCK_TIMEOUT_S)
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"{self.path}: written by a newer backbeat (schema {version}); "
                                 "upgrade backbeat")
            if version < SCHEMA_VERSION:
                with self.db:
                    if version == 1:
                        self.db.executescript("BEGIN;" + _SCHEMA + _MIGRATE_1_TO_2 + "COMMIT;")
                    else:
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

    # ------------------------------------------------------------ devices, epochs, syncs

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

    def devices(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT uid FROM devices ORDER BY uid")]

    def last_device(self) -> str | None:
        """The device synced most recently, if any."""
        row = self.db.execute("SELECT uid FROM devices ORDER BY synced_at DESC, uid "
                              "LIMIT 1").fetchone()
        return row[0] if row else None

    def begin_sync(self, uid: str, at_s: int) -> int:
        """A sync of device `uid` at Unix time `at_s`: its id, to pass to add_records()."""
        with self.db:
            return int(self.db.execute("INSERT INTO syncs (uid, at_s) VALUES (?, ?)",
                                       (uid, at_s)).lastrowid or 0)

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
        q = "SELECT COUNT(*) FROM records WHERE type = ?"
        if uid is None:
            return self.db.execute(q, (SESSION_START,)).fetchone()[0]
        return self.db.execute(q + " AND uid = ?", (SESSION_START, uid)).fetchone()[0]

    # ------------------------------------------------------------ adding records

    def add_records(self, uid: str, epoch: int, raws: Iterable[bytes],
                    sync_id: int | None = None) -> int:
        """Store the records (all checked and decoded first) in one transaction; returns how
        many were new. A record already stored is skipped, so adding twice adds nothing."""
        decoded = [(bytes(raw), decode_record(bytes(raw))) for raw in raws]
        added = 0
        with self.db:
            for raw, rec in decoded:
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO records (uid, epoch, seq, type, raw, sync_id) "
                    "VALUES (?,?,?,?,?,?)", (uid, epoch, rec["seq"], raw[1], raw, sync_id))
                added += cur.rowcount
        return added

    # ------------------------------------------------------------ the routine archive

    def archive(self, bbr: bytes, routine_id: str, origin: str, source: str | None = None,
                levels: dict[str, int] | None = None, now_s: int | None = None) -> int:
        """Keep a routine's .bbr (checked first; BbrError when it is not one) under its CRC;
        returns the CRC. A routine already kept keeps its first record, except that a
        source YAML or levels given now fill in what a device-fetched copy lacked."""
        with self.db:
            return self.archive_in_transaction(bbr, routine_id, origin, source, levels,
                                               int(time.time()) if now_s is None else now_s)

    def archive_in_transaction(self, bbr: bytes, routine_id: str, origin: str,
                               source: str | None, levels: dict[str, int] | None,
                               added_s: int) -> int:
        """archive() inside the caller's transaction (the caller commits or rolls back)."""
        info = decode(bbr)
        crc: int = info["crc32"]
        self.db.execute(
            "INSERT INTO routines (crc, bbr, routine_id, name, level, levels, source, origin, "
            "added_s) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (crc) DO UPDATE SET "
            "source = COALESCE(routines.source, excluded.source), "
            "levels = CASE WHEN routines.levels = '{}' THEN excluded.levels "
            "ELSE routines.levels END",
            (crc, bytes(bbr), routine_id, _plain(info["name"]), info["level"],
             json.dumps(levels or {}, sort_keys=True), source, origin, added_s))
        return crc

    def routine(self, crc: int) -> ArchivedRoutine | None:
        row = self.db.execute("SELECT crc, bbr, routine_id, name, level, levels, source, origin, "
                              "added_s FROM routines WHERE crc = ?", (crc,)).fetchone()
        if row is None:
            return None
        return ArchivedRoutine(row[0], bytes(row[1]), row[2], row[3], row[4], json.loads(row[5]),
                               row[6], row[7], row[8])

    def routines(self) -> list[ArchivedRoutine]:
        crcs = [r[0] for r in self.db.execute("SELECT crc FROM routines ORDER BY added_s, crc")]
        return [r for r in map(self.routine, crcs) if r is not None]

    def missing_routines(self, uid: str) -> dict[int, str]:
        """CRC -> routine id of every routine a stored session of `uid` ran that the archive
        lacks."""
        out: dict[int, str] = {}
        for (raw,) in self.db.execute("SELECT raw FROM records WHERE uid = ? AND type = ?",
                                      (uid, SESSION_START)):
            rec = decode_record(bytes(raw))
            out[rec["routine_crc"]] = rec["routine"]
        have = {r[0] for r in self.db.execute("SELECT crc FROM routines")}
        return {crc: rid for crc, rid in out.items() if crc not in have}

    # ------------------------------------------------------------ reading sessions

    def sessions(self, device: str | None = None) -> list[Session]:
        """Every stored session (of `device` when given), oldest first, by device, epoch and
        sequence number."""
        q = ("SELECT r.uid, r.epoch, r.raw, s.at_s FROM records r "
             "LEFT JOIN syncs s ON s.id = r.sync_id")
        args: tuple[Any, ...] = ()
        if device is not None:
            q += " WHERE r.uid = ?"
            args = (device,)
        rows = self.db.execute(q + " ORDER BY r.uid, r.epoch, r.seq", args).fetchall()
        syncs: dict[str, list[int]] = {}
        for uid, at in self.db.execute("SELECT uid, at_s FROM syncs ORDER BY at_s"):
            syncs.setdefault(uid, []).append(at)
        routines: dict[int, dict | None] = {}
        out: list[Session] = []
        by_device: dict[str, list[tuple[int, dict[str, Any], int | None]]] = {}
        for uid, epoch, raw, at in rows:
            by_device.setdefault(uid, []).append((epoch, decode_record(bytes(raw)), at))
        for uid, recs in by_device.items():
            out += _Builder(uid, recs, syncs.get(uid, []), self._timeline, routines).sessions
        return out

    def mornings(self) -> list[tuple[int, str]]:
        """Every stored answer to "back this morning?": (Unix time, better / same / worse),
        in time order. The device asks only when it knows the date, so each has its time."""
        out = []
        for (raw,) in self.db.execute("SELECT raw FROM records WHERE type = ?", (MORNING,)):
            rec = decode_record(bytes(raw))
            if rec["wall_s"]:
                out.append((rec["wall_s"], rec["answer"]))
        return sorted(out)

    def _timeline(self, crc: int, cache: dict[int, dict | None]) -> dict | None:
        if crc not in cache:
            row = self.db.execute("SELECT bbr FROM routines WHERE crc = ?", (crc,)).fetchone()
            try:
                cache[crc] = decode(bytes(row[0])) if row else None
            except BbrError:
                cache[crc] = None
            if cache[crc] is not None:
                cache[crc]["plain_name"] = self.db.execute(
                    "SELECT name FROM routines WHERE crc = ?", (crc,)).fetchone()[0]
        return cache[crc]


def _plain(wrapped: str) -> str:
    """A stored (wrapped) display string as one line."""
    return " ".join(wrapped.split("\n"))


class _Builder:
    """The sessions of one device from its records in (epoch, seq) order."""

    def __init__(self, uid: str, recs: list[tuple[int, dict[str, Any], int | None]],
                 syncs: list[int], timeline: Any, cache: dict[int, dict | None]) -> None:
        self.sessions: list[Session] = []
        # Every record's moment in ticks and, when it says one, its wall time; the boot
        # (device start) it belongs to.
        monos: list[int] = []
        walls: list[int] = []
        boot_of: list[int] = []
        boot = mono = 0
        current: dict[str, Any] | None = None
        for _epoch, r, _at in recs:
            if "boot" in r:
                boot = r["boot"]
            if "mono_ms" in r:
                mono = r["mono_ms"]
            if r["type"] == "session_start":
                current = r
            elif r["type"] == "session_end" and current is not None:
                mono = (current["mono_ms"] + r["elapsed_ms"]) % (1 << 30)
            elif r["type"] == "segment" and current is not None:
                mono = (current["mono_ms"] + r["end_ms"]) % (1 << 30)
            boot_of.append(boot)
            monos.append(mono)
            walls.append(r["wall_s"] if r["type"] != "error" and "wall_s" in r else 0)
        # Anchors: (epoch, boot) -> the indexes of its records that say their wall time.
        anchors: dict[tuple[int, int], list[int]] = {}
        for i, (epoch, _r, _at) in enumerate(recs):
            if walls[i]:
                anchors.setdefault((epoch, boot_of[i]), []).append(i)
        # Each session start's date: its own wall time, else from the nearest record of the
        # same device start that has one (ticks drift, and run fast on a sped-up virtual device, so such
        # a date is kept within the bounds below), else None.
        dates: list[int | None] = []
        for i, (epoch, r, _at) in enumerate(recs):
            if walls[i] or r["type"] != "session_start":  # only session starts are dated
                dates.append(walls[i] or None)
                continue
            near = anchors.get((epoch, boot_of[i]))
            if not near:
                dates.append(None)
                continue
            j = min(near, key=lambda k: abs(k - i))
            dates.append(walls[j] + round(ticks_diff(monos[i], monos[j]) / 1000))
        # Bounds from the times records say themselves (a time worked out from ticks is only
        # as good as the ticks) and from the syncs: the latest said before each record, the
        # earliest said after it.
        n = len(recs)
        before = [0] * (n + 1)
        for i in range(n):
            before[i + 1] = max(before[i], walls[i])
        after: list[int | None] = [None] * (n + 1)
        for i in range(n - 1, -1, -1):
            w = walls[i] or None
            after[i] = w if after[i + 1] is None else (after[i + 1] if w is None
                                                        else min(w, after[i + 1]))
        for group in _groups(recs):
            i, epoch, r, at, tail = group
            lower = max([before[i]] + [s for s in syncs if at is not None and s < at])
            # A lost start lies before its first record, whose own time (an end's) may bound it.
            options = [x for x in (after[i + 1] if r is not None else after[i], at)
                       if x is not None]
            upper = min(options) if options else None
            if r is None:
                self.sessions.append(self._damaged(uid, epoch, tail, lower, upper, at))
            else:
                self.sessions.append(self._session(uid, epoch, r, tail, dates[i], lower, upper,
                                                   at, timeline(r["routine_crc"], cache)))

    @classmethod
    def _damaged(cls, uid: str, epoch: int, tail: list[dict[str, Any]], lower: int,
                 upper: int | None, synced: int | None) -> Session:
        """A session whose start record the device lost to damage: its segments and end."""
        seq = tail[0]["seq"] - 1
        lost = {"seq": seq, "boot": 0, "routine": "", "routine_crc": 0, "level": 0,
                "total_ms": 0, "segment_count": 0}
        return replace(cls._session(uid, epoch, lost, tail, None, lower, upper, synced, None),
                       damaged=True)

    @staticmethod
    def _session(uid: str, epoch: int, r: dict[str, Any], tail: list[dict[str, Any]],
                 date: int | None, lower: int, upper: int | None, synced: int | None,
                 info: dict | None) -> Session:
        end = next((t for t in tail if t["type"] == "session_end"), None)
        segs = [_segment(t, info) for t in tail if t["type"] == "segment"]
        if date is not None:
            # Never after the sync that fetched it (a clock run fast, a sped-up virtual
            # device) nor before an earlier dated record.
            date = max(lower, date if upper is None else min(date, upper))
            earliest = latest = date
        else:
            earliest = lower
            latest = upper if upper is not None else lower
        return Session(
            id=f"{uid}/{epoch}/{r['seq']}", device=uid, epoch=epoch, seq=r["seq"], boot=r["boot"],
            routine_id=r["routine"], routine_crc=r["routine_crc"], routine_found=info is not None,
            routine_name=None if info is None else info["plain_name"], level=r["level"],
            planned_ms=r["total_ms"], segment_count=r["segment_count"], start_s=date,
            earliest_s=earliest, latest_s=latest,
            dated="exact" if date is not None else "bounded",
            ending=end["end"] if end else "unfinished",
            elapsed_ms=end["elapsed_ms"] if end else None,
            paused_ms=end["paused_ms"] if end else sum(s.paused_ms for s in segs),
            done=end["done"] if end else sum(s.outcome == "done" for s in segs),
            skipped=end["skipped"] if end else sum(s.outcome == "skipped" for s in segs),
            end_s=(end["wall_s"] or None) if end else None, synced_s=synced, segments=segs,
            work_planned=work_planned(
                (b["exercise"], b["kind"]) for b in (info["segments"] if info else ())))


def work_planned(parts: Iterable[tuple[str | None, str]]) -> dict[str, int]:
    """Exercise -> its work segments, from (exercise name as stored, kind) of a routine's
    segments."""
    out: dict[str, int] = {}
    for exercise, kind in parts:
        if exercise is not None and kind in WORK_KINDS:
            name = _plain(exercise)
            out[name] = out.get(name, 0) + 1
    return out


def _groups(recs: list[tuple[int, dict[str, Any], int | None]]
            ) -> list[tuple[int, int, dict[str, Any] | None, int | None, list[dict[str, Any]]]]:
    """Each session's records: (index of its start, or of its first record when the start
    was lost; epoch; the start record or None; the sync time of that index; its segment and
    end records). A segment or end belongs to the session started last in its epoch, but
    when it follows a record the device lost to damage (a gap in the numbers) and cannot
    belong to that session (there is none, it ended, or it is past this segment's index),
    the lost record was its own session's start. Records before any start of their epoch
    (the device reclaimed that start before a first sync) belong to none."""
    out: list[tuple[int, int, dict[str, Any] | None, int | None, list[dict[str, Any]]]] = []
    current: tuple[int, int, dict[str, Any] | None, int | None, list[dict[str, Any]]] | None
    current = None
    ended = False
    last_index = -1
    prev: tuple[int, int] | None = None  # (epoch, seq) of the record before
    for i, (epoch, r, at) in enumerate(recs):
        rtype = r["type"]
        if current is not None and current[1] != epoch:
            current = None
        if rtype == "session_start":
            current = (i, epoch, r, at, [])
            out.append(current)
            ended, last_index = False, -1
        elif rtype in ("segment", "session_end"):
            gap = prev is not None and prev[0] == epoch and prev[1] != r["seq"] - 1
            fits = current is not None and not ended and (
                rtype != "segment" or r["index"] > last_index)
            if gap and not fits:
                current = (i, epoch, None, at, [])
                out.append(current)
                ended, last_index = False, -1
            if current is not None:
                current[4].append(r)
                if rtype == "session_end":
                    ended = True
                else:
                    last_index = r["index"]
        prev = (epoch, r["seq"])
    return out


def _segment(t: dict[str, Any], info: dict | None) -> Segment:
    b: dict[str, Any] = {}
    if info is not None and t["index"] < len(info["segments"]):
        b = info["segments"][t["index"]]
    pain = t["pain"]
    answer = "scale" if isinstance(pain, int) else pain
    return Segment(
        index=t["index"], kind=t["kind"], work=t["kind"] in WORK_KINDS,
        exercise=_plain(b["exercise"]) if b.get("exercise") else None,
        side=b.get("side"), rep=b.get("rep"), reps=b.get("reps"), round=b.get("round"),
        rounds=b.get("rounds"), pace_ms=b.get("param") if t["kind"] == "count" else None,
        step=b.get("step"), level=b.get("level"),
        outcome=t["outcome"], start_ms=t["start_ms"], end_ms=t["end_ms"],
        planned_ms=t["planned_ms"], achieved_ms=t["achieved_ms"],
        paused_ms=max(0, t["end_ms"] - t["start_ms"] - t["achieved_ms"]),
        pain=pain if isinstance(pain, int) else None, pain_answer=answer, seq=t["seq"])

