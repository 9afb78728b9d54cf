"""backbeat export and backbeat import through the CLI: files read back with the csv and
json modules, errors that change nothing."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from backbeat.cli import main
from backbeat.exporting import CSV_COLUMNS
from backbeat.store import Store
from click.testing import CliRunner
from test_backup import _sessions, _two_devices
from test_store import start

DOCS = Path(__file__).resolve().parent.parent / "docs" / "export.md"


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "a.db"
    with Store(path) as store:
        _two_devices(store)
    return str(path)


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_csv_to_stdout__one_row_per_segment(db):
    r = _run("export", "--db", db, "--csv", "-")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert list(rows[0]) == [name for name, _ in CSV_COLUMNS]
    assert [(x["device"], x["routine"], x["segment"], x["kind"], x["outcome"], x["pain"])
            for x in rows] == [
        ("aaaa", "lower-back-easy", "0", "prepare", "done", ""),
        ("aaaa", "lower-back-easy", "1", "hold_open", "done", "yes"),
        ("aaaa", "lower-back-easy", "2", "rest", "skipped", ""),
        ("aaaa", "lower-back-easy", "3", "hold", "stopped", "unanswered"),
        ("bbbb", "desk-job", "0", "hold", "done", ""),
        ("bbbb", "desk-job", "1", "hold", "skipped", ""),
        ("bbbb", "hollow-back", "0", "hold", "done", "")]
    desk = rows[4]
    assert (desk["start_utc"], desk["routine_level"], desk["ending"], desk["start_s"],
            desk["end_s"], desk["planned_s"], desk["achieved_s"], desk["paused_s"]) == (
        "2027-01-15T08:00:02Z", "1", "completed", "0.000", "5.000", "5.000", "5.000", "0.000")
    assert rows[6]["start_utc"] == "" and rows[6]["ending"] == "unfinished"


def test_csv_filtered_by_device(db, tmp_path):
    out = tmp_path / "b.csv"
    r = _run("export", "--db", db, "--csv", str(out), "--device", "bbbb")
    assert r.exit_code == 0, r.output
    assert r.output == f"{out}: 3 segments of 2 sessions\n"
    rows = list(csv.DictReader(out.open(newline="")))
    assert {x["device"] for x in rows} == {"bbbb"} and len(rows) == 3


def test_json_then_import_into_an_empty_database__identical_sessions(db, tmp_path):
    backup = tmp_path / "backup.json"
    r = _run("export", "--db", db, "--json", str(backup))
    assert r.exit_code == 0, r.output
    assert r.output == f"{backup}: backup of 2 devices, 15 records, 3 sessions\n"
    fresh = tmp_path / "fresh" / "b.db"
    r = _run("import", "--db", str(fresh), str(backup))
    assert r.exit_code == 0, r.output
    assert r.output == f"imported {backup}: 3 new sessions, 15 new records, 2 new devices\n"
    with Store(db) as a, Store(fresh) as b:
        assert _sessions(b) == _sessions(a)
    r = _run("import", "--db", str(fresh), str(backup))
    assert r.output == f"imported {backup}: 0 new sessions, 0 new records, 0 new devices\n"


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
