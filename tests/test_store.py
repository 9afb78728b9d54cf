"""The SQLite store: records kept once, sessions built from them, dates from clock records."""

from __future__ import annotations

import sqlite3
import struct
import zlib
from pathlib import Path

import pytest
from backbeat.store import Store, StoreError, default_db_path

GOLDEN = Path(__file__).parent / "golden" / "log"
ROOT = Path(__file__).resolve().parent.parent


def _rec(rtype: int, seq: int, payload: bytes) -> bytes:
    head = struct.pack("<BBHI", 0xB1, rtype, len(payload), seq) + payload
    return head + struct.pack("<I", zlib.crc32(head))


def start(seq, boot=1, mono=10_000, wall=0, name="desk-job", count=2):
    p = struct.pack("<IIIIIHHB", boot, mono, wall, 0xABCD, 60_000, 1, count, len(name))
    return _rec(1, seq, p + name.encode())


def segment(seq, index, outcome=1, pain=0, kind=2, start_ms=0, end_ms=5000, achieved=5000):
    return _rec(2, seq, struct.pack("<HBBBBIIII", index, kind, outcome, pain, 0, start_ms, end_ms,
                                    5000, achieved))


def end(seq, how=1, done=2, skipped=0, elapsed=10_000, paused=0):
    return _rec(3, seq, struct.pack("<BBHHII", how, 0, done, skipped, elapsed, paused))


def clock(seq, boot=1, mono=4_000, wall=1_800_000_000):
    return _rec(5, seq, struct.pack("<III", boot, mono, wall))


def _golden_records() -> list[bytes]:
    data = (GOLDEN / "session.log").read_bytes()
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


def test_sessions__golden_session_with_every_segment(tmp_path):
    with Store(tmp_path / "s.db") as db:
        db.add_records("dev1", 0, _golden_records())
        (s,) = db.sessions()
        j = s.as_json()
        assert (j["routine"], j["start_unix_s"], j["level"], j["ending"]) == (
            "lower-back-easy", 1790000007, 1, "stopped")
        assert (j["done"], j["skipped"], j["elapsed_ms"], j["paused_ms"]) == (2, 1, 47000, 3000)
        assert [(g["index"], g["kind"], g["outcome"], g["pain"]) for g in j["segments"]] == [
            (0, "prepare", "done", None), (1, "hold_open", "done", "yes"),
            (2, "rest", "skipped", None), (3, "hold", "stopped", "unanswered")]


def test_sessions__dated_by_a_later_clock_record_of_the_same_boot(tmp_path):
    with Store(tmp_path / "s.db") as db:
        db.add_records("d", 0, [start(1, boot=1, mono=10_000), segment(2, 0), end(3)])
        assert db.sessions()[0].wall_s is None
        db.add_records("d", 0, [clock(4, boot=1, mono=70_000, wall=1_800_000_000)])
        assert db.sessions()[0].wall_s == 1_800_000_000 - 60


def test_sessions__a_clock_of_another_boot_does_not_date_it(tmp_path):
    with Store(tmp_path / "s.db") as db:
        db.add_records("d", 0, [start(1, boot=1), clock(2, boot=2)])
        assert db.sessions()[0].wall_s is None


def test_sessions__unfinished_when_the_end_is_missing(tmp_path):
    with Store(tmp_path / "s.db") as db:
        db.add_records("d", 0, [start(1, count=3), segment(2, 0), segment(3, 1, outcome=2)])
        (s,) = db.sessions()
        assert (s.ending, s.done, s.skipped, s.elapsed_ms) == ("unfinished", 1, 1, None)


def test_epochs__same_numbers_kept_apart(tmp_path):
    with Store(tmp_path / "s.db") as db:
        db.add_records("d", 0, [start(1, name="a"), end(2)])
        assert db.new_epoch("d") == 1 and db.epoch("d") == 1
        db.add_records("d", 1, [start(1, name="b"), end(2)])
        assert [s.routine for s in db.sessions()] == ["a", "b"]
        assert db.last_record("d", 1) == (2, end(2))


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
    assert [(s.routine, s.damaged, s.ending, s.wall_s, [g.index for g in s.segments])
            for s in got] == [
        ("desk-job", False, "completed", 1_800_000_100, [0, 1]),
        ("", True, "stopped", None, [0, 1]),
        ("hollow-back", False, "completed", 1_800_000_900, [0, 2]),
    ]
    assert got[1].as_json()["damaged"] is True and (got[1].done, got[1].skipped) == (1, 1)


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
