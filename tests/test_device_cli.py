"""The device commands through the CLI: a device advertised like a virtual one, answering
from the firmware's link over a pseudo-terminal."""

from __future__ import annotations

import json
import os
import threading
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
    assert r.output == (f"synced {dev.path} (device e6613852832a4f2c): 1 new session "
                        "(5 records); acknowledged up to record 5\n")
    assert (tmp_path / "data" / "backbeat" / "backbeat.db").is_file()
    again = CliRunner().invoke(main, ["sync", "--port", dev.path])
    assert again.output.endswith(": no new sessions; acknowledged up to record 5\n")
    r = CliRunner().invoke(main, ["sessions", "--json"])
    (s,) = json.loads(r.output)
    assert (s["routine"], s["ending"], s["done"], s["elapsed_ms"]) == ("easy", "completed", 2, 6000)
    assert [g["outcome"] for g in s["segments"]] == ["done", "done"]
    text = CliRunner().invoke(main, ["sessions"]).output.splitlines()
    assert text[0].endswith("  easy  0:06  completed  2 done, 0 skipped")
    assert text[1:] == ["          0 hold      done     3.0s of 3.0s",
                        "          1 hold      done     3.0s of 3.0s"]


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
    with Store(db) as store, SerialPort(dev.path) as port:
        sync_device(LinkClient(port), store, 0)  # no time to give: nothing dates it
    out = CliRunner().invoke(main, ["sessions", "--db", db]).output.splitlines()
    assert out[0] == "   1  date unknown  easy  -  unfinished  1 done, 0 skipped"
    assert out[1] == "          0 hold      done     3.0s of 3.0s  pain: yes"


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
    assert ": 1 new session (5 records); acknowledged up to record 5" in again.output


def test_sessions__reading_never_makes_a_database(tmp_path):
    db = tmp_path / "none" / "backbeat.db"
    r = CliRunner().invoke(main, ["sessions", "--db", str(db)])
    assert (r.exit_code, r.output) == (0, "no sessions yet (run backbeat sync)\n")
    r = CliRunner().invoke(main, ["sessions", "--db", str(db), "--json"])
    assert (r.exit_code, r.output) == (0, "[]\n")
    assert not db.parent.exists()
