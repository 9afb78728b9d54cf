"""The SQLite store: records kept once; sessions built from them and the routine archive,
named, dated exactly or by bounds."""

from __future__ import annotations

import sqlite3
import struct
import zlib
from pathlib import Path

import pytest
from backbeat.codec.bbr import encode
from backbeat.store import Store, StoreError, default_db_path
from backbeat.timeline import Segment, Timeline

GOLDEN = Path(__file__).parent / "golden" / "log"
ROOT = Path(__file__).resolve().parent.parent

# A routine with an exercise done on both sides, an open hold, and levels per exercise.
ROUTINE = Timeline(name="Side plank and more", level=2, segments=(
    Segment("prepare", 0, 5000, exercise="Side plank", step=0, level=2, flags=1),
    Segment("hold", 5000, 20000, exercise="Side plank", side="left", rep=1, reps=1, step=0,
            level=2),
    Segment("switch", 25000, 5000, exercise="Side plank", step=0, level=2),
    Segment("hold", 30000, 20000, exercise="Side plank", side="right", rep=1, reps=1, step=0,
            level=2, flags=6),
    Segment("hold_open", 50000, 30000, exercise="Plank", rep=1, reps=1, step=1, level=0,
            cap_ms=60000, flags=7),
))
BBR = encode(ROUTINE)
CRC = zlib.crc32(BBR[:-4])


def _rec(rtype: int, seq: int, payload: bytes) -> bytes:
    head = struct.pack("<BBHI", 0xB1, rtype, len(payload), seq) + payload
    return head + struct.pack("<I", zlib.crc32(head))


def start(seq, boot=1, mono=10_000, wall=0, name="desk-job", count=2, crc=0xABCD):
    p = struct.pack("<IIIIIHHB", boot, mono, wall, crc, 60_000, 1, count, len(name))
    return _rec(1, seq, p + name.encode())


def segment(seq, index, outcome=1, pain=0, kind=2, start_ms=0, end_ms=5000, achieved=5000,
            version=0):
    return _rec(2, seq, struct.pack("<HBBBBIIII", index, kind, outcome, pain, version, start_ms,
                                    end_ms, 5000, achieved))


def end(seq, how=1, done=2, skipped=0, elapsed=10_000, paused=0, wall=None):
    p = struct.pack("<BBHHII", how, 0 if wall is None else 2, done, skipped, elapsed, paused)
    return _rec(3, seq, p + (b"" if wall is None else struct.pack("<I", wall)))


def clock(seq, boot=1, mono=4_000, wall=1_800_000_000):
    return _rec(5, seq, struct.pack("<III", boot, mono, wall))


def _golden_records(name: str = "session-v1.log") -> list[bytes]:
    data = (GOLDEN / name).read_bytes()
    out, at = [], 0
    while at < len(data):
        n = struct.unpack_from("<H", data, at + 2)[0]
        out.append(data[at : at + 12 + n])
        at += 12 + n
    return out


def test_add_records__twice_adds_nothing(tmp_path):
    with Store(tmp_path / "s.db") as db:
        recs = _golden_records()
        assert db.add_records("dev1", 0, recs) == len(recs) == 8
        assert db.add_records("dev1", 0, recs) == 0
        assert db.record_count() == 8 and db.session_count() == 1
        assert db.last_record("dev1", 0) == (8, recs[-1])


def test_sessions__version_1_golden_session_without_its_routine(tmp_path):
    with Store(tmp_path / "s.db") as db:
        db.add_records("dev1", 0, _golden_records())
        (s,) = db.sessions()
        assert (s.id, s.routine_id, s.routine_found, s.routine_name) == (
            "dev1/0/2", "lower-back-easy", False, None)
        assert (s.start_s, s.earliest_s, s.latest_s, s.dated) == (
            1790000007, 1790000007, 1790000007, "exact")
        assert (s.level, s.ending, s.done, s.skipped, s.elapsed_ms, s.paused_ms) == (
            1, "stopped", 2, 1, 47000, 3000)
        assert [(g.index, g.kind, g.work, g.outcome, g.pain, g.pain_answer, g.exercise, g.level)
                for g in s.segments] == [
            (0, "prepare", False, "done", None, None, None, None),
            (1, "hold_open", True, "done", None, "yes", None, None),
            (2, "rest", False, "skipped", None, None, None, None),
            (3, "hold", True, "stopped", None, "unanswered", None, None)]
        assert [g.paused_ms for g in s.segments] == [0, 0, 0, 0]


def test_sessions__named_from_the_archive_even_when_archived_after_the_sync(tmp_path):
    with Store(tmp_path / "s.db") as db:
        sync = db.begin_sync("d", 1_800_000_500)
        db.add_records("d", 0, [
            start(1, wall=1_800_000_000, crc=CRC, name="side", count=5),
            segment(2, 0, kind=1, version=2, pain=255),
            segment(3, 1, version=2, pain=255, start_ms=5000, end_ms=33000, achieved=20000),
            segment(4, 2, kind=10, version=2, pain=255),
            segment(5, 3, version=2, pain=3),
            segment(6, 4, kind=3, version=2, pain=0, achieved=41000),
            end(7, done=5, elapsed=90_000, paused=8000, wall=1_800_000_090)], sync)
        assert db.missing_routines("d") == {CRC: "side"}
        assert db.sessions()[0].segments[1].exercise is None
        assert db.archive(BBR, "side", "device", now_s=5) == CRC
        assert db.missing_routines("d") == {}
        (s,) = db.sessions()
        assert (s.routine_found, s.routine_name, s.end_s, s.synced_s) == (
            True, "Side plank and more", 1_800_000_090, 1_800_000_500)
        assert [(g.exercise, g.side, g.rep, g.reps, g.level, g.work, g.pain, g.pain_answer)
                for g in s.segments] == [
            ("Side plank", None, None, None, 2, False, None, None),
            ("Side plank", "left", 1, 1, 2, True, None, None),
            ("Side plank", None, None, None, 2, False, None, None),
            ("Side plank", "right", 1, 1, 2, True, 3, "scale"),
            ("Plank", None, 1, 1, 0, True, 0, "scale")]
        assert s.segments[1].paused_ms == 8000


def test_archive__keeps_the_first_copy_and_fills_in_the_source(tmp_path):
    with Store(tmp_path / "s.db") as db:
        db.archive(BBR, "side", "device", now_s=5)
        db.archive(BBR, "other", "compiled", source="name: x\n", levels={"Plank": 0}, now_s=9)
        (r,) = db.routines()
        assert (r.crc, r.routine_id, r.name, r.level, r.origin, r.added_s) == (
            CRC, "side", "Side plank and more", 2, "device", 5)
        assert (r.source, r.levels, r.bbr) == ("name: x\n", {"Plank": 0}, BBR)
        with pytest.raises(ValueError):
            db.archive(BBR[:-1], "side", "device")


def test_sessions__dated_by_a_later_clock_record_of_the_same_boot(tmp_path):
    with Store(tmp_path / "s.db") as db:
        db.add_records("d", 0, [start(1, boot=1, mono=10_000), segment(2, 0), end(3)])
        assert db.sessions()[0].dated == "bounded"
        db.add_records("d", 0, [clock(4, boot=1, mono=70_000, wall=1_800_000_000)])
        s = db.sessions()[0]
        assert (s.start_s, s.dated) == (1_800_000_000 - 60, "exact")


def test_sessions__a_clockless_start_is_bounded_by_dated_records_and_syncs(tmp_path):
    with Store(tmp_path / "s.db") as db:
        first = db.begin_sync("d", 1_800_000_000)
        db.add_records("d", 0, [start(1, boot=1, wall=1_799_990_000), end(2)], first)
        second = db.begin_sync("d", 1_800_100_000)
        # Switched on without a clock: the sessions of boot 3 lie after the first sync and
        # before the second; the one after them in boot 5 ends with a known time.
        db.add_records("d", 0, [start(3, boot=3), end(4), start(5, boot=3), end(6)], second)
        third = db.begin_sync("d", 1_800_300_000)
        db.add_records("d", 0, [start(7, boot=7), end(8, wall=1_800_200_000)], third)
        got = [(s.seq, s.dated, s.start_s, s.earliest_s, s.latest_s) for s in db.sessions()]
        assert got == [
            (1, "exact", 1_799_990_000, 1_799_990_000, 1_799_990_000),
            (3, "bounded", None, 1_800_000_000, 1_800_100_000),
            (5, "bounded", None, 1_800_000_000, 1_800_100_000),
            (7, "exact", 1_800_200_000 - 10, 1_800_200_000 - 10, 1_800_200_000 - 10)]


def test_sessions__a_date_after_the_sync_that_fetched_it_is_the_sync_time(tmp_path):
    with Store(tmp_path / "s.db") as db:
        sync = db.begin_sync("d", 1_800_000_100)
        # a clock run fast (a sped-up virtual device): an hour ahead of the sync
        db.add_records("d", 0, [clock(1, mono=0, wall=1_800_000_000),
                                start(2, mono=3_600_000), end(3)], sync)
        assert db.sessions()[0].start_s == 1_800_000_100


def test_sessions__a_clock_of_another_boot_does_not_date_it(tmp_path):
    with Store(tmp_path / "s.db") as db:
        db.add_records("d", 0, [start(1, boot=1), clock(2, boot=2)])
        s = db.sessions()[0]
        assert (s.dated, s.earliest_s, s.latest_s) == ("bounded", 0, 1_800_000_000)


def test_sessions__unfinished_when_the_end_is_missing(tmp_path):
    with Store(tmp_path / "s.db") as db:
        db.add_records("d", 0, [start(1, count=3), segment(2, 0),
                                segment(3, 1, outcome=2, end_ms=7000, achieved=4000)])
        (s,) = db.sessions()
        assert (s.ending, s.done, s.skipped, s.elapsed_ms, s.paused_ms) == (
            "unfinished", 1, 1, None, 3000)


def test_sessions__two_devices_apart_and_together(tmp_path):
    with Store(tmp_path / "s.db") as db:
        db.add_records("a", 0, [start(1, name="one"), end(2)])
        db.add_records("b", 0, [start(1, name="two"), end(2)])
        assert [(s.id, s.routine_id) for s in db.sessions()] == [("a/0/1", "one"),
                                                                 ("b/0/1", "two")]
        assert [s.routine_id for s in db.sessions("b")] == ["two"]
        assert db.session_count("a") == 1 and db.session_count() == 2


def test_epochs__same_numbers_kept_apart(tmp_path):
    with Store(tmp_path / "s.db") as db:
        db.add_records("d", 0, [start(1, name="a"), end(2)])
        assert db.new_epoch("d") == 1 and db.epoch("d") == 1
        db.add_records("d", 1, [start(1, name="b"), end(2)])
        assert [s.routine_id for s in db.sessions()] == ["a", "b"]
        assert db.last_record("d", 1) == (2, end(2))


def test_schema_1__migrated_with_its_records_under_the_last_sync(tmp_path):
    p = tmp_path / "old.db"
    con = sqlite3.connect(p)
    con.executescript(SCHEMA_1)
    con.execute("INSERT INTO devices VALUES ('d', 0, 'rp2', '1', 1800000000)")
    for raw in (start(1), end(2)):
        con.execute("INSERT INTO records VALUES ('d', 0, ?, ?, ?)",
                    (struct.unpack_from("<I", raw, 4)[0], raw[1], raw))
    con.execute("INSERT INTO sessions (uid, epoch, start_seq, boot, mono_ms, wall_s, routine, "
                "routine_crc, total_ms, level, segment_count) "
                "VALUES ('d', 0, 1, 1, 0, 0, 'x', 1, 1, 0, 0)")
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()
    with Store(p) as db:
        (s,) = db.sessions()
        assert (s.routine_id, s.dated, s.latest_s, s.synced_s) == (
            "desk-job", "bounded", 1_800_000_000, 1_800_000_000)
        tables = {r[0] for r in db.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert tables == {"devices", "syncs", "records", "routines"}
        assert db.db.execute("PRAGMA user_version").fetchone()[0] == 2


def test_read_only__a_missing_database_is_an_error_and_nothing_is_made(tmp_path):
    p = tmp_path / "no" / "such.db"
    with pytest.raises(StoreError) as e:
        Store(p, create=False)
    assert str(e.value) == f"{p}: no database yet (hint: run backbeat sync)"
    assert not (tmp_path / "no").exists()


# The schema of backbeat's first store, for the migration test.
SCHEMA_1 = """
CREATE TABLE devices (uid TEXT PRIMARY KEY, epoch INTEGER NOT NULL DEFAULT 0,
    board TEXT NOT NULL DEFAULT '', firmware TEXT NOT NULL DEFAULT '',
    synced_at INTEGER NOT NULL DEFAULT 0);
CREATE TABLE records (uid TEXT NOT NULL, epoch INTEGER NOT NULL, seq INTEGER NOT NULL,
    type INTEGER NOT NULL, raw BLOB NOT NULL, PRIMARY KEY (uid, epoch, seq));
CREATE TABLE clocks (uid TEXT NOT NULL, epoch INTEGER NOT NULL, seq INTEGER NOT NULL,
    boot INTEGER NOT NULL, mono_ms INTEGER NOT NULL, wall_s INTEGER NOT NULL,
    PRIMARY KEY (uid, epoch, seq));
CREATE TABLE sessions (id INTEGER PRIMARY KEY, uid TEXT NOT NULL, epoch INTEGER NOT NULL,
    start_seq INTEGER NOT NULL, boot INTEGER NOT NULL, mono_ms INTEGER NOT NULL,
    wall_s INTEGER NOT NULL, routine TEXT NOT NULL, routine_crc INTEGER NOT NULL,
    total_ms INTEGER NOT NULL, level INTEGER NOT NULL, segment_count INTEGER NOT NULL,
    end_seq INTEGER, ending TEXT, done INTEGER, skipped INTEGER, elapsed_ms INTEGER,
    paused_ms INTEGER, UNIQUE (uid, epoch, start_seq));
CREATE TABLE segments (session_id INTEGER NOT NULL REFERENCES sessions(id),
    seq INTEGER NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL, outcome TEXT NOT NULL,
    pain TEXT, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
    planned_ms INTEGER NOT NULL, achieved_ms INTEGER NOT NULL, PRIMARY KEY (session_id, seq));
"""


def test_damaged_record__nothing_of_the_batch_stored(tmp_path):
    with Store(tmp_path / "s.db") as db:
        bad = bytearray(end(2))
        bad[-1] ^= 1
        with pytest.raises(ValueError) as e:
            db.add_records("d", 0, [start(1), bytes(bad)])
        assert str(e.value) == "record 2: CRC mismatch"
        assert db.record_count() == 0


def test_default_db_path(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_db_path() == tmp_path / "backbeat" / "backbeat.db"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_db_path() == tmp_path / ".local" / "share" / "backbeat" / "backbeat.db"


def test_not_a_database(tmp_path):
    p = tmp_path / "x.db"
    p.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError) as e:
        Store(p)
    assert str(e.value).startswith(f"{p}: cannot use this database (")


def test_newer_schema_refused(tmp_path):
    p = tmp_path / "n.db"
    con = sqlite3.connect(p)
    con.execute("PRAGMA user_version = 9")
    con.close()
    with pytest.raises(StoreError) as e:
        Store(p)
    assert str(e.value) == f"{p}: written by a newer backbeat (schema 9); upgrade backbeat"


def test_sessions__a_start_with_its_own_time_keeps_it_whatever_its_end_says(tmp_path):
    with Store(tmp_path / "s.db") as db:
        # Ticks that ran ten times fast (a sped-up virtual device): the end's own time says
        # 3 s passed, the ticks 30 s; the start and the segments between keep to the start.
        db.add_records("d", 0, [
            start(1, mono=10_000, wall=1_800_000_000),
            *[segment(2 + k, k, version=2, pain=255, start_ms=5000 * k, end_ms=5000 * k + 5000)
              for k in range(6)],
            end(8, elapsed=30_000, wall=1_800_000_003)])
        s = db.sessions()[0]
        assert (s.dated, s.start_s, s.end_s) == ("exact", 1_800_000_000, 1_800_000_003)


def test_sessions__a_damaged_start_keeps_its_segments_in_a_session_marked_damaged(tmp_path):
    # Record 6 (the second session's start) was lost to damage on the device; record 12
    # (a segment inside the third session) too.
    recs = [clock(1), start(2, wall=1_800_000_100), segment(3, 0), segment(4, 1), end(5),
            segment(7, 0, outcome=2), segment(8, 1), end(9, how=2, done=1, skipped=1),
            start(10, name="hollow-back", count=3, wall=1_800_000_900), segment(11, 0),
            segment(13, 2), end(14, done=2, skipped=0)]
    with Store(tmp_path / "s.db") as db:
        db.add_records("dev1", 0, recs)
        got = db.sessions()
    assert [(s.routine_id, s.damaged, s.ending, s.start_s, [g.index for g in s.segments])
            for s in got] == [
        ("desk-job", False, "completed", 1_800_000_100, [0, 1]),
        ("", True, "stopped", None, [0, 1]),
        ("hollow-back", False, "completed", 1_800_000_900, [0, 2]),
    ]
    assert got[1].as_json()["damaged"] is True and (got[1].done, got[1].skipped) == (1, 1)
    # The lost start lies between the times the records around it say.
    assert (got[1].id, got[1].earliest_s, got[1].latest_s) == (
        "dev1/0/6", 1_800_000_100, 1_800_000_900)


def test_sessions__a_lost_start_after_an_unfinished_session_is_seen_by_the_segment_index(
        tmp_path):
    recs = [clock(1), start(2), segment(3, 0), segment(4, 1), segment(6, 0), end(7)]
    with Store(tmp_path / "s.db") as db:
        db.add_records("dev1", 0, recs)
        got = db.sessions()
    assert [(s.damaged, s.ending, [g.index for g in s.segments]) for s in got] == [
        (False, "unfinished", [0, 1]), (True, "completed", [0])]


def test_a_folder_without_write_permission_says_so_and_how_to_fix_it():
    # Permissions bind root only on a read-only disk: as root, the check runs as nobody.
    import os
    import shutil
    import subprocess
    import sys
    import tempfile

    top = Path(tempfile.mkdtemp(prefix="backbeat-perm-"))
    try:
        top.chmod(0o755)
        folder = top / "ro"
        folder.mkdir(mode=0o555)
        folder.chmod(0o555)
        for path, where in ((folder / "b.db", folder), (folder / "sub" / "b.db", folder)):
            code = ("from backbeat.store import Store, StoreError\n"
                    f"try:\n    Store({str(path)!r})\nexcept StoreError as e:\n    print(e)\n")
            if os.geteuid() == 0:  # as nobody, with a Python nobody may run
                python = shutil.which("python3", path="/usr/bin:/usr/local/bin")
                if python is None:
                    pytest.skip("no system python3 to run as nobody")
                run = {"user": 65534, "env": {"PYTHONPATH": str(ROOT / "host")}}
            else:
                python, run = sys.executable, {}
            out = subprocess.run([python, "-c", code], capture_output=True, text=True,
                                 check=True, timeout=60, **run).stdout
            assert out == (f"{path}: cannot open the database for writing: no permission to "
                           f"write {where} (hint: give yourself write access to it, e.g. chmod "
                           f"u+w {where}, or use another file with --db PATH)\n")
    finally:
        (top / "ro").chmod(0o755)
        shutil.rmtree(top)
