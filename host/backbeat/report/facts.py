"""The report's index of the store: a session and a segment a row, in SQLite tables with
indexes, kept in a cache file and rebuilt from the store's sessions only when the store has
changed. Reports aggregate over it in SQL; the store itself is only read."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL,
    routine TEXT NOT NULL,
    at_s INTEGER NOT NULL,  -- the start in Unix seconds, or the earliest it can have been
    exact INTEGER NOT NULL,  -- 1: at_s is the start; 0: only bounds are known
    ending TEXT NOT NULL  -- completed, stopped or unfinished
);
CREATE TABLE segments (  -- work on an exercise only: no prepare, rest or switch
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    seq INTEGER NOT NULL,  -- its place among the session's work segments: 0, 1, ...
    exercise TEXT,  -- NULL when the session's routine is not in the store's archive
    side TEXT,
    kind TEXT NOT NULL,
    outcome TEXT NOT NULL,
    pain INTEGER,  -- 0 to 10 when answered so
    level INTEGER,
    planned_ms INTEGER NOT NULL,
    achieved_ms INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq)
);
CREATE TABLE mornings (
    at_s INTEGER NOT NULL,
    answer TEXT NOT NULL  -- better, same or worse: the back this morning against yesterday
);
CREATE INDEX sessions_by_time ON sessions (at_s);
"""


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
    """One row per stored session and per work segment, as the store builds them."""
    from backbeat.store import Store

    with Store(store, create=False) as st:
        sessions = st.sessions()
    for n, s in enumerate(sessions, 1):
        exact = s.dated == "exact"
        db.execute("INSERT INTO sessions (id, uid, routine, at_s, exact, ending) "
                   "VALUES (?,?,?,?,?,?)",
                   (n, s.device, s.routine_id, s.start_s if exact else s.earliest_s, exact,
                    s.ending))
        db.executemany(
            "INSERT INTO segments (session_id, seq, exercise, side, kind, outcome, pain, level, "
            "planned_ms, achieved_ms) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(n, k, g.exercise, g.side, g.kind, g.outcome, g.pain, g.level, g.planned_ms,
              g.achieved_ms) for k, g in enumerate(g for g in s.segments if g.work)])


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
