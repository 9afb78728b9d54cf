"""The report's index of the store: a session and a segment a row, in SQLite tables with
indexes, kept in a cache file and rebuilt from the store's sessions only when the store has
changed. Reports aggregate over it in SQL; the store itself is only read."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

SCHEMA_VERSION = 2

# Days are local dates as ordinals (date.toordinal()); a segment carries its session's day,
# week (its Monday) and month (its first day), so figures group by whole numbers with no
# join, and the month figures of a long history read one index in order.
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL,
    routine TEXT NOT NULL,
    at_s INTEGER NOT NULL,  -- the start in Unix seconds, or the earliest it can have been
    exact INTEGER NOT NULL,  -- 1: at_s is the start; 0: only bounds are known
    ending TEXT NOT NULL,  -- completed, stopped or unfinished
    day INTEGER NOT NULL,
    sets INTEGER NOT NULL,  -- its work segments, named or not
    sets_done INTEGER NOT NULL,
    pain INTEGER  -- the highest answer
);
CREATE TABLE exercises (
    id INTEGER PRIMARY KEY,
    routine TEXT NOT NULL,
    name TEXT NOT NULL,
    place INTEGER NOT NULL,  -- its first place among a session's work segments
    UNIQUE (routine, name)
);
CREATE TABLE segments (  -- work on an exercise the store could name (no prepare, rest, switch)
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    seq INTEGER NOT NULL,  -- its place among the session's work segments: 0, 1, ...
    exercise INTEGER NOT NULL REFERENCES exercises(id),
    side INTEGER NOT NULL,  -- 0 none, 1 left, 2 right
    open INTEGER NOT NULL,  -- 1: an open hold (hold_open)
    done INTEGER NOT NULL,  -- 1: done; 0: skipped or stopped
    pain INTEGER,  -- 0 to 10 when answered so
    level INTEGER NOT NULL,
    planned_ms INTEGER NOT NULL,
    achieved_ms INTEGER NOT NULL,
    at_s INTEGER NOT NULL, day INTEGER NOT NULL, week INTEGER NOT NULL, month INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq)
);
CREATE TABLE mornings (
    at_s INTEGER NOT NULL,
    answer TEXT NOT NULL  -- better, same or worse: the back this morning against yesterday
);
CREATE INDEX sessions_by_time ON sessions (at_s);
CREATE INDEX segments_by_month ON segments
    (exercise, side, level, month, done, open, achieved_ms, planned_ms, day);
CREATE INDEX segments_by_time ON segments (at_s);
CREATE INDEX pain_by_attempt ON segments (session_id, exercise, pain, day, week, month)
    WHERE pain IS NOT NULL;
"""
SIDES = {None: 0, "left": 1, "right": 2}


class FactsError(Exception):
    """The store cannot be reported on; str() says why and what to do."""


def cache_dir() -> Path:
    """$XDG_CACHE_HOME/backbeat/reports (~/.cache when XDG_CACHE_HOME is not set)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "backbeat" / "reports"


def facts_path(store: Path, directory: Path | None = None) -> Path:
    """The cache file of the store at ``store`` (one per store file)."""
    name = hashlib.sha256(str(store.resolve()).encode()).hexdigest()[:16]
    return (directory or cache_dir()) / f"{name}.db"


def stamp(store: Path) -> str:
    """What changes whenever the store is written: its size and time of change."""
    st = store.stat()
    return f"{SCHEMA_VERSION}:{st.st_size}:{st.st_mtime_ns}"


def create(db: sqlite3.Connection, store_stamp: str) -> None:
    db.executescript(SCHEMA)
    db.execute("INSERT INTO meta (key, value) VALUES ('stamp', ?)", (store_stamp,))


def local_day(at_s: int) -> date:
    """The local date of Unix time ``at_s``."""
    return datetime.fromtimestamp(at_s).date()


class Writer:
    """Adds sessions to a new index, naming each routine's exercises once."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.exercises: dict[tuple[str, str], list[int]] = {}  # -> [id, place]

    def session(self, sid: int, uid: str, routine: str, at_s: int, exact: bool, ending: str,
                work: list[tuple[str | None, str | None, str, str, int | None, int | None, int,
                                 int]]) -> None:
        """One session and its work segments in order: (exercise, side, kind, outcome, pain,
        level, planned_ms, achieved_ms), exercise None when the store could not name it."""
        d = local_day(at_s)
        day, week, month = d.toordinal(), d.toordinal() - d.weekday(), d.replace(day=1).toordinal()
        pains = [w[4] for w in work if w[4] is not None]
        self.db.execute("INSERT INTO sessions (id, uid, routine, at_s, exact, ending, day, sets, "
                        "sets_done, pain) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (sid, uid, routine, at_s, exact, ending, day, len(work),
                         sum(w[3] == "done" for w in work), max(pains, default=None)))
        rows = []
        for seq, (name, side, kind, outcome, pain, level, planned, achieved) in enumerate(work):
            if name is None:
                continue
            known = self.exercises.get((routine, name))
            if known is None:
                known = self.exercises[routine, name] = [len(self.exercises) + 1, seq]
            known[1] = min(known[1], seq)
            rows.append((sid, seq, known[0], SIDES[side], kind == "hold_open",
                         outcome == "done", pain, level or 0, planned, achieved, at_s, day, week,
                         month))
        self.db.executemany("INSERT INTO segments VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)

    def morning(self, at_s: int, answer: str) -> None:
        self.db.execute("INSERT INTO mornings (at_s, answer) VALUES (?, ?)", (at_s, answer))

    def finish(self) -> None:
        """Write the exercises named so far (after the last session; again after more)."""
        self.db.executemany("INSERT OR REPLACE INTO exercises (id, routine, name, place) "
                            "VALUES (?,?,?,?)",
                            [(i, r, n, place) for (r, n), (i, place) in self.exercises.items()])
        self.db.execute("ANALYZE")  # so a short range reads the time index, not every row


def _stamp_of(path: Path) -> str | None:
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone()
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def _fill(db: sqlite3.Connection, store: Path) -> None:
    """The store's sessions, as the store builds them (named and dated), into the index."""
    from backbeat.store import Store

    with Store(store, create=False) as st:
        sessions = st.sessions()
    out = Writer(db)
    for n, s in enumerate(sessions, 1):
        exact = s.dated == "exact"
        out.session(n, s.device, s.routine_id, s.start_s if exact else s.earliest_s, exact,
                    s.ending, [(g.exercise, g.side, g.kind, g.outcome, g.pain, g.level,
                                g.planned_ms, g.achieved_ms) for g in s.segments if g.work])
    out.finish()


def refresh(store: Path, directory: Path | None = None) -> Path:
    """The cache file of ``store``, rebuilt first when the store changed since."""
    if not store.is_file():
        raise FactsError(f"{store}: no database here (hint: `backbeat sync` fills it, or "
                         "pass --db PATH)")
    path = facts_path(store, directory)
    before = stamp(store)
    if _stamp_of(path) == before:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
    fresh.unlink(missing_ok=True)
    db = sqlite3.connect(str(fresh))
    try:
        with db:
            create(db, before)
            _fill(db, store)
            # Reading may have touched the store's file (a schema check): stamp it as it is now.
            db.execute("UPDATE meta SET value = ? WHERE key = 'stamp'", (stamp(store),))
    except BaseException:
        db.close()
        fresh.unlink(missing_ok=True)
        raise
    db.close()
    os.replace(fresh, path)  # whole or not at all, whoever else is reading
    return path


@contextmanager
def open_facts(path: Path) -> Iterator[sqlite3.Connection]:
    """A cache file, read-only."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        yield db
    finally:
        db.close()
