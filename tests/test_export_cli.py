"""backbeat export and backbeat import through the CLI: files read back with the csv and
json modules, errors that change nothing."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import time
import zlib
from datetime import datetime, timezone
from pathlib import Path

import pytest
from backbeat.backup import import_backup, parse_backup
from backbeat.cli import main
from backbeat.codec.bbr import encode
from backbeat.exporting import CSV_COLUMNS
from backbeat.fit import decode
from backbeat.store import Store
from backbeat.timeline import Segment as TSegment
from backbeat.timeline import Timeline
from click.testing import CliRunner
from test_backup import _sessions, _two_devices
from test_store import clock, end, segment, start

DOCS = Path(__file__).resolve().parent.parent / "docs" / "export.md"


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "a.db"
    with Store(path) as store:
        _two_devices(store)
    return str(path)


@pytest.fixture
def utc(monkeypatch):
    """Local time is UTC (CSV times are local)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_csv_to_stdout__one_row_per_segment(db, utc):
    r = _run("export", "--db", db, "--csv", "-")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert list(rows[0]) == [name for name, _ in CSV_COLUMNS]
    assert [x["routine_found"] for x in rows] == ["0"] * 4 + ["1"] * 5 + ["0"]
    assert [(x["session"], x["segment"], x["exercise"], x["side"], x["rep"], x["kind"],
             x["work"], x["level"], x["outcome"], x["pain"], x["pain_answer"]) for x in rows] == [
        ("aaaa/0/2", "0", "", "", "", "prepare", "0", "", "done", "", ""),
        ("aaaa/0/2", "1", "", "", "", "hold_open", "1", "", "done", "", "yes"),
        ("aaaa/0/2", "2", "", "", "", "rest", "0", "", "skipped", "", ""),
        ("aaaa/0/2", "3", "", "", "", "hold", "1", "", "stopped", "", "unanswered"),
        ("bbbb/0/2", "0", "Side plank", "", "", "prepare", "0", "2", "done", "", ""),
        ("bbbb/0/2", "1", "Side plank", "left", "1", "hold", "1", "2", "done", "", ""),
        ("bbbb/0/2", "2", "Side plank", "", "", "switch", "0", "2", "done", "", ""),
        ("bbbb/0/2", "3", "Side plank", "right", "1", "hold", "1", "2", "done", "3", "scale"),
        ("bbbb/0/2", "4", "Plank", "", "1", "hold_open", "1", "0", "done", "0", "scale"),
        ("bbbb/1/1", "0", "", "", "", "hold", "1", "", "done", "", "")]
    assert rows[5] == {
        "device": "bbbb", "session": "bbbb/0/2", "dated": "exact",
        "start": "2027-01-15 08:00:02", "earliest": "2027-01-15 08:00:02",
        "latest": "2027-01-15 08:00:02", "routine": "side", "routine_found": "1",
        "routine_name": "Side plank and more", "routine_level": "1", "ending": "completed",
        "segment": "1", "exercise": "Side plank", "side": "left", "rep": "1", "reps": "1",
        "round": "", "rounds": "", "kind": "hold", "counted": "", "work": "1", "level": "2", "outcome": "done",
        "start_s": "5.000", "end_s": "33.000", "planned_s": "5.000", "achieved_s": "20.000",
        "paused_s": "8.000", "pain": "", "pain_answer": ""}
    # Switched on without a clock: between the sync before and the sync that fetched it.
    assert (rows[9]["dated"], rows[9]["start"], rows[9]["earliest"], rows[9]["latest"],
            rows[9]["ending"]) == ("bounded", "2027-01-15 20:31:40", "2027-01-15 08:03:20",
                                   "2027-01-16 09:00:00", "unfinished")


def test_csv_filtered_by_device(db, tmp_path):
    out = tmp_path / "b.csv"
    r = _run("export", "--db", db, "--csv", str(out), "--device", "bbbb")
    assert r.exit_code == 0, r.output
    assert r.output == f"{out}: 6 segments of 2 sessions\n"
    rows = list(csv.DictReader(out.open(newline="")))
    assert {x["device"] for x in rows} == {"bbbb"} and len(rows) == 6


def test_json_then_import_into_an_empty_database__identical_sessions(db, tmp_path):
    backup = tmp_path / "backup.json"
    r = _run("export", "--db", db, "--json", str(backup))
    assert r.exit_code == 0, r.output
    assert r.output == f"{backup}: backup of 2 devices, 18 records, 1 routine, 3 sessions\n"
    fresh = tmp_path / "fresh" / "b.db"
    r = _run("import", "--db", str(fresh), str(backup))
    assert r.exit_code == 0, r.output
    assert r.output == (f"imported {backup}: 3 new sessions, 18 new records, 2 new devices, "
                        "1 new routine\n")
    with Store(db) as a, Store(fresh) as b:
        assert _sessions(b) == _sessions(a)
    r = _run("import", "--db", str(fresh), str(backup))
    assert r.output == (f"imported {backup}: 0 new sessions, 0 new records, 0 new devices, "
                        "0 new routines\n")


def test_json_to_stdout_is_the_backup(db):
    r = _run("export", "--db", db, "--json", "-")
    assert r.exit_code == 0
    assert json.loads(r.output)["format"] == "backbeat-backup"


def test_damaged_backup__clear_error_and_nothing_imported(db, tmp_path):
    backup = tmp_path / "backup.json"
    _run("export", "--db", db, "--json", str(backup))
    data = json.loads(backup.read_text())
    data["records"][12]["raw"] = data["records"][12]["raw"][:-2] + "00"
    backup.write_text(json.dumps(data))
    other = tmp_path / "other.db"
    with Store(other) as store:
        store.add_records("cccc", 0, [start(1, name="other")])
    r = _run("import", "--db", str(other), str(backup))
    assert r.exit_code == 1
    assert r.output == (f"error: {backup}: records[12].raw: record 5: CRC mismatch; "
                        "nothing imported\n")
    with Store(other) as store:
        assert store.record_count() == 1


def test_import__a_file_that_is_not_there(tmp_path):
    r = _run("import", "--db", str(tmp_path / "x.db"), str(tmp_path / "nope.json"))
    assert r.exit_code == 1
    assert r.output == f"error: {tmp_path / 'nope.json'}: cannot read (No such file or directory)\n"
    assert not (tmp_path / "x.db").exists()


def test_export__reads_only_and_creates_no_database(tmp_path):
    missing = tmp_path / "none" / "x.db"
    r = _run("export", "--db", str(missing), "--csv", "-")
    assert r.exit_code == 1
    assert r.output == f"error: {missing}: no database yet (hint: run backbeat sync)\n"
    assert not missing.parent.exists()


def test_export__nothing_asked_or_two_to_stdout(db):
    r = _run("export", "--db", db)
    assert (r.exit_code, r.output) == (2, "error: say what to write: --csv FILE, --json FILE or "
                                          "--fit DIR (- for stdout)\n")
    r = _run("export", "--db", db, "--csv", "-", "--json", "-")
    assert (r.exit_code, r.output) == (2, "error: only one of --csv and --json can go to "
                                          "stdout (-)\n")


def test_export__unknown_device(db):
    r = _run("export", "--db", db, "--csv", "-", "--device", "zzzz")
    assert (r.exit_code, r.output) == (1, f"error: no device zzzz in {db}\n")


def test_export__a_file_that_cannot_be_written_leaves_nothing(db, tmp_path):
    target = tmp_path / "not-a-dir"
    target.write_text("x")
    r = _run("export", "--db", db, "--csv", str(target / "out.csv"))
    assert r.exit_code == 1
    assert r.output == f"error: {target / 'out.csv'}: cannot write (Not a directory)\n"
    assert target.read_text() == "x"


def test_docs_describe_every_csv_column():
    text = DOCS.read_text()
    section = text.split("## CSV", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `(\w+)` \|", section, re.M)
    assert documented == [name for name, _ in CSV_COLUMNS]


def test_fit__a_file_per_session_with_a_lap_per_exercise(db, tmp_path):
    out = tmp_path / "fit" / "new"
    r = _run("export", "--db", db, "--fit", str(out))
    assert r.exit_code == 0, r.output
    assert r.output == f"{out}: 3 FIT files\n"
    names = sorted(p.name for p in out.iterdir())
    assert names == ["2026-09-21-1413-lower-back-easy-aaaa-0-2.fit",
                     "2027-01-15-0800-side-bbbb-0-2.fit",
                     "2027-01-15-2031-hollow-back-bbbb-1-1.fit"]
    m = decode((out / names[1]).read_bytes())
    t0 = datetime.fromtimestamp(1_800_000_002, timezone.utc)
    assert m["file_id_mesgs"] == [{
        "type": "activity", "manufacturer": "development", "product": 0,
        "serial_number": zlib.crc32(b"bbbb"), "time_created": t0, "number": 2,
        "product_name": "backbeat"}]
    assert m["sport_mesgs"] == [{"sport": "training", "sub_sport": "strength_training",
                                 "name": "Side plank and more"}]
    assert [t["wkt_step_name"] for t in m["exercise_title_mesgs"]] == ["Side plank", "Plank"]
    assert [(s["wkt_step_index"], s["set_type"], s["duration"]) for s in m["set_mesgs"]] == [
        (0, "rest", 5.0), (0, "active", 20.0), (0, "rest", 5.0), (0, "active", 5.0),
        (1, "active", 41.0)]
    assert [(lap["message_index"], lap["sport"], lap["sub_sport"], lap["total_timer_time"])
            for lap in m["lap_mesgs"]] == [(0, "training", "strength_training", 35.0),
                                           (1, "training", "strength_training", 41.0)]
    (session,) = m["session_mesgs"]
    assert (session["sport"], session["sub_sport"], session["start_time"], session["num_laps"],
            session["total_elapsed_time"], session["total_timer_time"]) == (
        "training", "strength_training", t0, 2, 90.0, 76.0)
    # Its routine not archived: one lap named by the routine's id.
    m = decode((out / names[0]).read_bytes())
    assert [t["wkt_step_name"] for t in m["exercise_title_mesgs"]] == ["lower-back-easy"]
    assert m["sport_mesgs"][0]["name"] == "lower-back-easy"
    assert [s["set_type"] for s in m["set_mesgs"]] == ["rest", "active", "rest", "active"]
    # Bounded: at the middle of its bounds; unfinished: until its last segment ended.
    (session,) = decode((out / names[2]).read_bytes())["session_mesgs"]
    assert (session["start_time"], session["total_elapsed_time"]) == (
        datetime.fromtimestamp((1_800_000_200 + 1_800_090_000) // 2, timezone.utc), 5.0)
    again = _run("export", "--db", db, "--fit", str(out))
    assert again.exit_code == 0 and sorted(p.name for p in out.iterdir()) == names


def test_fit__a_directory_that_cannot_be_written(db, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = _run("export", "--db", db, "--fit", str(blocker / "fit"))
    assert r.exit_code == 1
    assert r.output == (f"error: {blocker / 'fit'}: cannot write (Not a directory); no FIT "
                        "file is left half written\n")
    assert blocker.read_text() == "x"


def test_fit__a_file_that_cannot_be_replaced_leaves_no_part_behind(db, tmp_path):
    out = tmp_path / "fit"
    out.mkdir()
    # A directory where the first file should go: renaming onto it fails.
    (out / "2026-09-21-1413-lower-back-easy-aaaa-0-2.fit").mkdir()
    r = _run("export", "--db", db, "--fit", str(out))
    assert r.exit_code == 1
    assert r.output == (f"error: {out / '2026-09-21-1413-lower-back-easy-aaaa-0-2.fit'}: cannot "
                        "write (Is a directory); no FIT file is left half written\n")
    assert [p.name for p in out.iterdir()] == ["2026-09-21-1413-lower-back-easy-aaaa-0-2.fit"]


def test_import__a_database_locked_by_another_program(db, tmp_path, monkeypatch):
    from backbeat import store as store_module

    monkeypatch.setattr(store_module, "LOCK_TIMEOUT_S", 0.2)
    backup = tmp_path / "backup.json"
    _run("export", "--db", db, "--json", str(backup))
    other = tmp_path / "other.db"
    Store(other).close()
    holder = sqlite3.connect(str(other))
    holder.execute("BEGIN EXCLUSIVE")
    r = _run("import", "--db", str(other), str(backup))
    holder.rollback()
    holder.close()
    assert r.exit_code == 1
    assert r.output == (f"error: {other}: the database is locked by another program (hint: "
                        "close that program, then try again); nothing imported\n")
    # Opened before the lock: the import's own transaction waits, then gives up whole.
    with Store(other) as store:
        holder = sqlite3.connect(str(other))
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(sqlite3.OperationalError):
            import_backup(store, parse_backup(backup.read_text()))
        holder.rollback()
        holder.close()
        assert store.record_count() == 0
    r = _run("import", "--db", str(other), str(backup))
    assert r.exit_code == 0 and ": 3 new sessions, 18 new records" in r.output


def test_fit__a_session_stopped_before_any_segment_ended(tmp_path):
    db = tmp_path / "s.db"
    with Store(db) as store:
        store.add_records("cccc", 0, [clock(1, mono=0, wall=1_800_000_000),
                                      start(2, mono=1000, name="desk-job"),
                                      end(3, how=2, done=0, elapsed=2500)])
    out = tmp_path / "fit"
    assert _run("export", "--db", str(db), "--fit", str(out)).exit_code == 0
    (path,) = out.iterdir()
    m = decode(path.read_bytes())
    assert [(lap["total_elapsed_time"], lap["total_timer_time"]) for lap in m["lap_mesgs"]] == [
        (2.5, 0.0)]
    assert [t["wkt_step_name"] for t in m["exercise_title_mesgs"]] == ["desk-job"]
    assert "set_mesgs" not in m and m["session_mesgs"][0]["num_laps"] == 1


def test_import_from_stdin(db, tmp_path):
    backup = _run("export", "--db", db, "--json", "-").output
    fresh = tmp_path / "c.db"
    r = CliRunner().invoke(main, ["import", "--db", str(fresh), "-"], input=backup)
    assert r.exit_code == 0, r.output
    assert r.output == ("imported -: 3 new sessions, 18 new records, 2 new devices, "
                        "1 new routine\n")
    r = CliRunner().invoke(main, ["import", "--db", str(fresh), "-"], input="{")
    assert r.exit_code == 1
    assert r.output == ("error: -: not JSON (line 1 column 2: Expecting property name enclosed "
                        "in double quotes); nothing imported\n")


def test_counted_reps__in_the_csv_and_as_the_fit_set_s_repetitions(tmp_path, utc):
    routine = Timeline(name="Sit-ups", level=0, segments=(
        TSegment("count", 0, 20_000, exercise="Sit-ups", rep=1, reps=1, step=0, pace_ms=2000),))
    bbr = encode(routine)
    db = tmp_path / "s.db"
    with Store(db) as store:
        store.archive(bbr, "sit", "flashed", now_s=1)
        # count (kind 8) stopped after 13.9 s: 6 reps of 2 s counted
        store.add_records("d", 0, [
            clock(1, mono=0, wall=1_800_000_000),
            start(2, mono=1000, name="sit", count=1, crc=zlib.crc32(bbr[:-4])),
            segment(3, 0, kind=8, outcome=3, end_ms=13_900, achieved=13_900),
            end(4, how=2, done=0, elapsed=13_900)])
    rows = list(csv.DictReader(io.StringIO(_run("export", "--db", str(db), "--csv", "-").output)))
    assert [(x["exercise"], x["kind"], x["counted"], x["achieved_s"]) for x in rows] == [
        ("Sit-ups", "count", "6", "13.900")]
    out = tmp_path / "fit"
    assert _run("export", "--db", str(db), "--fit", str(out)).exit_code == 0
    (path,) = out.iterdir()
    (got,) = decode(path.read_bytes())["set_mesgs"]
    assert (got["set_type"], got["repetitions"], got["duration"]) == ("active", 6, 13.9)
