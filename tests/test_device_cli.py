"""The device commands through the CLI: a device advertised like a virtual one, answering
from the firmware's link over a pseudo-terminal."""

from __future__ import annotations

import json
import os
import threading
import zlib
from datetime import datetime
from pathlib import Path

import pytest
from backbeat.cli import main
from backbeat.device import ports
from backbeat.device.link import LinkClient
from backbeat.device.serialport import SerialPort, pico_ports
from backbeat.device.sync import sync_device
from backbeat.store import Store
from click.testing import CliRunner
from linkrig import PtyDevice


@pytest.fixture
def dev(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    d = PtyDevice()
    advert = ports.advertise(d.path, "unused")
    yield d
    ports.withdraw(advert)
    d.close()


def test_sync_then_sessions(dev, tmp_path):
    if pico_ports():
        pytest.skip("a real Pico is attached: --port auto would find it too")
    dev.session(segments=2)
    r = CliRunner().invoke(main, ["sync"])
    assert r.exit_code == 0, r.output
    assert r.stdout == (f"synced {dev.path} (device e6613852832a4f2c): 1 new session "
                        "(5 records)\n  acknowledged up to record 5\n")
    assert r.stderr == ("warning: neither this computer nor the device has easy (1234abcd): the "
                        "sessions that ran it are stored, without exercise names (hint: compile "
                        "or flash that routine's YAML here and they are named)\n")
    assert (tmp_path / "data" / "backbeat" / "backbeat.db").is_file()
    again = CliRunner().invoke(main, ["sync", "--port", dev.path])
    assert again.output.endswith(": no new sessions\n  acknowledged up to record 5\n")
    r = CliRunner().invoke(main, ["sessions", "--json"])
    (s,) = json.loads(r.output)
    assert (s["routine_id"], s["ending"], s["done"], s["elapsed_ms"]) == (
        "easy", "completed", 2, 6000)
    assert [g["outcome"] for g in s["segments"]] == ["done", "done"]
    text = CliRunner().invoke(main, ["sessions"]).output.splitlines()
    assert text[0].endswith("  easy")
    assert text[1:] == ["  completed in 6 s",
                        "  routine easy (CRC 1234abcd) not found: 2 segments done, 0 skipped"]


def test_devices(dev):
    dev.session(segments=1)
    r = CliRunner().invoke(main, ["devices", "--json"])
    rows = [d for d in json.loads(r.output) if d["port"] == dev.path]
    assert rows == [{
        "port": dev.path, "state": "ready", "uid": "e6613852832a4f2c", "board": dev.board.name,
        "micropython": rows[0]["micropython"], "firmware": "dev", "busy": False,
        "routines": ["easy"], "bad_routines": [], "sessions_waiting": 1, "kind": "virtual",
        "serial_number": f"virtual-{os.getpid()}",
    }]
    text = CliRunner().invoke(main, ["devices"]).output
    assert f"{dev.path}  virtual  virtual-{os.getpid()}\n" in text
    assert "  routines (1): easy\n  sessions waiting to be synced: 1\n" in text


def test_sync__no_answer_is_a_clear_error(dev):
    dev.stop()
    r = CliRunner().invoke(main, ["sync", "--port", dev.path])
    assert r.exit_code == 1
    assert r.output == (f"waking the app on {dev.path} (asleep or stopped): a few seconds...\n"
                        f"error: no answer from {dev.path}, even after restarting its app "
                        "(is it a backbeat device? hint: flash it with backbeat flash)\n")


def test_sync__unusable_database(dev, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"x" * 4096)
    r = CliRunner().invoke(main, ["sync", "--port", dev.path, "--db", str(bad)])
    assert r.exit_code == 1
    assert r.output.startswith(f"error: {bad}: cannot use this database (")


def test_flash__refused_while_a_session_runs(dev):
    with dev.lock:
        assert dev.app.start(dev.app.entries[0], dev.now_ms())
    routine = Path(__file__).resolve().parent.parent / "routines" / "desk-job.yaml"
    r = CliRunner().invoke(main, ["flash", "--port", dev.path, str(routine)])
    assert r.exit_code == 1
    assert r.output == (f"error: a session is running on {dev.path}: flash once it has ended "
                        "(a flash would stop it)\n")


def test_flash__routine_errors_stop_it_before_the_device(dev, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n")
    r = CliRunner().invoke(main, ["flash", "--port", dev.path, str(bad)])
    assert r.exit_code == 2
    assert r.output.startswith(f"{bad}:")
    assert r.output.endswith("error: 1 routine error, nothing flashed\n")


def _devices_line(port: str) -> str:
    text = CliRunner().invoke(main, ["devices"]).output
    lines = text.splitlines()
    return lines[lines.index(f"{port}  virtual  virtual-{os.getpid()}") + 1]


def test_devices__asleep_the_repl_or_not_backbeat(dev):
    dev.stop()  # the app sleeps: the port is silent
    assert _devices_line(dev.path) == "  asleep: press the button, or backbeat sync wakes it"
    dev.at_repl(b"MicroPython v1.27.0 on 2025-12-09; Raspberry Pi Pico with RP2040\r\n>>> ")
    assert _devices_line(dev.path) == (
        "  MicroPython's REPL answers, not the backbeat app (hint: backbeat flash installs it; "
        "backbeat sync starts it again)")


def test_devices__something_else_talking(dev):
    dev.stop()
    done = threading.Event()

    def chatter() -> None:  # another program on the board, printing as it goes
        while not done.wait(0.1):
            dev.write_raw(b"GPS fix 51.5N 0.1W\r\n")

    threading.Thread(target=chatter, daemon=True).start()
    try:
        line = _devices_line(dev.path)
    finally:
        done.set()
    assert line.startswith("  not backbeat: it sends '") and line.endswith("GPS fix 51.5N 0.1W'")


def test_devices__a_session_running(dev):
    with dev.lock:
        assert dev.app.start(dev.app.entries[0], dev.now_ms())
    text = CliRunner().invoke(main, ["devices"]).output
    assert "  routines (1): easy\n  a session is running\n" in text


def test_sessions__undated_and_unfinished(dev, tmp_path):
    lb = dev.logbook
    lb.begin_session("easy", 1, 0, 3, 9000, 500)  # the clock never set, the power lost
    lb.add_segment(0, 2, 1, 2, 0, 3000, 3000, 3000)
    lb.flush()
    db = str(tmp_path / "u.db")
    with dev.lock:
        lb.wall_offset_s = 0
        lb.boot += 1  # the device started again since: the clock the sync gives cannot date it
    with Store(db) as store, SerialPort(dev.path) as port:
        sync_device(LinkClient(port), store, 1_800_000_000)
    out = CliRunner().invoke(main, ["sessions", "--db", db]).output.splitlines()
    assert out == [
        f"before {when_local(1_800_000_000)} (the device had no clock)  easy",
        "  unfinished (the power went)",
        "  routine easy (CRC 00000001) not found: 1 segment done, 0 skipped"]


def when_local(unix_s: int) -> str:
    t = datetime.fromtimestamp(unix_s)
    return f"{t:%a} {t.day} {t:%b %Y %H:%M}"


def test_sessions__read_only_never_creates_a_database(tmp_path):
    db = tmp_path / "none" / "x.db"
    r = CliRunner().invoke(main, ["sessions", "--db", str(db)])
    assert (r.exit_code, r.output) == (
        0, f"no sessions yet: no database at {db} (run backbeat sync)\n")
    r = CliRunner().invoke(main, ["sessions", "--db", str(db), "--json"])
    assert (r.exit_code, r.output) == (0, "[]\n")
    assert not (tmp_path / "none").exists()


def test_sync_into_a_locked_database_loses_nothing(dev, tmp_path, monkeypatch):
    if pico_ports():
        pytest.skip("a real Pico is attached: --port auto would find it too")
    import sqlite3

    from backbeat import store as store_module

    monkeypatch.setattr(store_module, "LOCK_TIMEOUT_S", 0.2)
    dev.session(segments=2)
    db = tmp_path / "held.db"
    Store(db).close()
    holder = sqlite3.connect(str(db))
    holder.execute("BEGIN EXCLUSIVE")
    r = CliRunner().invoke(main, ["sync", "--db", str(db)])
    assert r.exit_code == 1
    assert "Traceback" not in r.output
    assert r.output == (f"error: {db}: the database is locked by another program "
                        "(hint: close that program, then try again)\n")
    holder.rollback()
    holder.close()
    again = CliRunner().invoke(main, ["sync", "--db", str(db)])
    assert again.exit_code == 0, again.output
    assert ": 1 new session (5 records)\n  acknowledged up to record 5\n" in again.output


def test_two_devices_in_one_database__apart_and_together(tmp_path):
    from linkrig import EASY

    db = str(tmp_path / "two.db")
    crc = zlib.crc32(EASY[:-4])
    devs = [PtyDevice(), PtyDevice()]
    try:
        for k, d in enumerate(devs):
            d.machine.uid = bytes([0xA0 + k]) * 8
            with d.lock:
                d.logbook.begin_session("easy", crc, 0, 2, 7000, 1000)
                d.logbook.end_session(1, 2, 0, 7000 + 1000 * k, 0, 8000)
            r = CliRunner().invoke(main, ["sync", "--port", d.path, "--db", db])
            assert r.exit_code == 0, r.output
    finally:
        for d in devs:
            d.close()
    both = json.loads(CliRunner().invoke(main, ["sessions", "--db", db, "--json"]).output)
    assert [(s["device"], s["elapsed_ms"], s["routine_name"]) for s in both] == [
        ("a0" * 8, 7000, "Easy"), ("a1" * 8, 8000, "Easy")]
    one = json.loads(CliRunner().invoke(
        main, ["sessions", "--db", db, "--json", "--device", "a1" * 8]).output)
    assert [s["device"] for s in one] == ["a1" * 8]
    text = CliRunner().invoke(main, ["sessions", "--db", db]).output
    assert text.count(f"Easy  [{'a0' * 8}]\n") == 1 and text.count(f"Easy  [{'a1' * 8}]\n") == 1


def test_sessions__since_and_routine_filters(tmp_path):
    from test_store import end, start

    db = tmp_path / "f.db"
    day = 86400
    t0 = int(datetime(2027, 1, 10, 12, 0).timestamp())
    with Store(db) as store:
        store.add_records("d", 0, [start(1, wall=t0, name="a"), end(2),
                                   start(3, wall=t0 + 2 * day, name="b"), end(4)])

    def ids(*args: str) -> list[str]:
        r = CliRunner().invoke(main, ["sessions", "--db", str(db), "--json", *args])
        assert r.exit_code == 0, r.output
        return [s["routine_id"] for s in json.loads(r.output)]

    assert ids() == ["a", "b"]
    assert ids("--since", "2027-01-11") == ["b"]
    assert ids("--since", "2027-01-10") == ["a", "b"]
    assert ids("--routine", "A") == ["a"]
    assert ids("--routine", "b", "--since", "2027-01-13") == []
    r = CliRunner().invoke(main, ["sessions", "--db", str(db), "--routine", "zzz"])
    assert r.output == "no sessions match\n"
    r = CliRunner().invoke(main, ["sessions", "--db", str(db), "--since", "10/01/2027"])
    assert r.exit_code == 2
    assert "Invalid value for '--since': '10/01/2027' does not match the format '%Y-%m-%d'" in (
        r.output)
