"""The report's index of the store: built from the store's sessions, kept while the store is
unchanged, rebuilt when it changes, and never a database made where there was none."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest
from backbeat.report.facts import FactsError, facts_path, refresh
from backbeat.store import Store
from reportstore import local_s, real_store

DAYS = (datetime(2026, 12, 2, 8, 5), datetime(2026, 12, 3, 8, 5))


def rows(path):
    db = sqlite3.connect(path)
    try:
        return (db.execute("SELECT uid, routine, at_s, exact, ending, sets, sets_done, pain "
                           "FROM sessions ORDER BY id").fetchall(),
                db.execute("SELECT session_id, seq, routine, name, place, side, open, done, pain, "
                           "level, planned_ms, achieved_ms FROM segments JOIN exercises "
                           "ON exercises.id = exercise ORDER BY session_id, seq").fetchall())
    finally:
        db.close()


def test_refresh__a_session_and_a_segment_a_row(tmp_path):
    store = real_store(tmp_path / "s.db", DAYS, stopped=(datetime(2026, 12, 4, 9, 0),))
    path = refresh(store, tmp_path / "cache")
    assert path == facts_path(store, tmp_path / "cache")
    sessions, segments = rows(path)
    assert sessions == [
        ("e6614103e7a1b2c3", "core-stability", local_s(DAYS[0]), 1, "completed", 3, 3, 2),
        ("e6614103e7a1b2c3", "core-stability", local_s(DAYS[1]), 1, "completed", 3, 3, 2),
        ("e6614103e7a1b2c3", "core-stability", local_s(datetime(2026, 12, 4, 9)), 1,
         "stopped", 3, 3, 2)]
    # Work segments only, in routine order, named from the archived routine, with their
    # level and pain.
    assert segments[:3] == [
        (1, 0, "core-stability", "Side plank", 0, 1, 0, 1, None, 2, 5000, 20000),
        (1, 1, "core-stability", "Side plank", 0, 2, 0, 1, 2, 2, 5000, 16000),
        (1, 2, "core-stability", "Plank", 2, 0, 1, 1, 0, 0, 5000, 30000)]
    assert len(segments) == 9


def test_refresh__kept_while_the_store_is_unchanged_and_rebuilt_after(tmp_path):
    store = real_store(tmp_path / "s.db", DAYS[:1])
    path = refresh(store, tmp_path / "cache")
    built = path.stat().st_mtime_ns, path.stat().st_ino
    assert refresh(store, tmp_path / "cache") == path
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == built
    real_store(store, DAYS[1:], seq=7)  # a later sync adds a session
    refresh(store, tmp_path / "cache")
    assert len(rows(path)[0]) == 2


def test_refresh__a_clockless_session_at_its_earliest_and_an_unknown_routine_unnamed(tmp_path):
    from test_store import end, segment, start

    with Store(tmp_path / "s.db") as s:
        s.add_records("d", 0, [start(1, wall=0), segment(2, 0), end(3)],
                      s.begin_sync("d", 1_800_000_000))
        (session,) = s.sessions()
    sessions, segments = rows(refresh(tmp_path / "s.db", tmp_path / "cache"))
    assert session.dated == "bounded"
    # Its segment counts for the session; with no name it is in no exercise's figures.
    assert sessions == [("d", "desk-job", session.earliest_s, 0, "completed", 1, 1, None)]
    assert segments == []


def test_refresh__no_store_is_an_error_and_nothing_is_made(tmp_path):
    with pytest.raises(FactsError, match=r"no database here \(hint: `backbeat sync` fills it"):
        refresh(tmp_path / "none.db", tmp_path / "cache")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_facts_path__one_cache_file_per_store(tmp_path):
    a, b = facts_path(tmp_path / "a.db", tmp_path), facts_path(tmp_path / "b.db", tmp_path)
    assert a != b and a.parent == b.parent == tmp_path
    assert facts_path(tmp_path / "a.db", tmp_path) == a
