"""End to end on the virtual device: the firmware and a compiled library routine on its
flash, run at speed with button commands, the screen read at chosen moments, and the
session found in the device's /logs."""

from __future__ import annotations

import re
import struct

from backbeat.codec.logrec import read_log
from emulatorrig import Emulator, firmware_flash

# The size of a routine's slot in the logbook's "last done" summary (docs/log-format.md).
SLOT = 92


def test_a_routine_with_pause_and_skip_is_shown_and_logged(tmp_path):
    flash = firmware_flash(tmp_path / "flash", "strength-four")

    with Emulator(flash, speed=20) as emu:
        menu = emu.until("hold=go")
        # The clock chip knows the day: the daily routine is due, at its level 0.
        assert menu[0] == "due 1 of 1  1/1"
        assert {"Four strength", "moves", "time 2:00     L0", "never done",
                "1=next hold=go"} <= set(menu)
        emu.command("long")
        # The first segment gets the squat ready, then the 1-minute hold starts.
        assert emu.until("READY")[:2] == ["Squat", "READY"]
        hold = emu.until("HOLD")
        assert hold[:3] == ["Squat", "HOLD", "1/1"] and "1=pause 2=skip" in hold
        emu.command("press")
        paused = emu.until("PAUSED")
        assert re.fullmatch(r"PAUSED +0:\d\d", paused[0])
        assert paused[1] == "Squat"
        assert any(re.fullmatch(r"left 0:\d\d", s) for s in paused)
        assert "1=go on 2=skip" in paused
        emu.command("press")
        assert emu.until("1=pause")[:2] == ["Squat", "HOLD"]
        emu.command("double")
        assert emu.until("Superman")[:2] == ["Superman", "READY"]
        done = emu.until("1=ok")
        assert done[0] == "DONE" and any(re.fullmatch(r"took 1:\d\d", s) for s in done)
        assert {"Four strength", "moves", "done 7 skip 1"} <= set(done)
        assert any(re.fullmatch(r"paused 0:\d\d", s) for s in done)
        emu.command("press")
        assert emu.until("hold=go")[0] == "done today  1/1"
        menu = emu.until("hold=go")
        assert any(re.fullmatch(r"last \d+ min ago", s) for s in menu)

    log = read_log((flash / "logs" / "00000001.log").read_bytes(), 1)
    assert not log.torn
    start, *segments, end = log.records
    assert start["type"] == "session_start"
    assert (start["routine"], start["segment_count"], start["total_ms"]) == ("strength-four", 8,
                                                                             120000)
    assert [(s["index"], s["kind"], s["outcome"]) for s in segments] == [
        (0, "prepare", "done"), (1, "hold", "skipped"), (2, "prepare", "done"),
        (3, "hold", "done"), (4, "prepare", "done"), (5, "count", "done"),
        (6, "prepare", "done"), (7, "count", "done"),
    ]
    assert [s["achieved_ms"] for s in segments if s["outcome"] == "done"] == [
        5000, 5000, 10000, 5000, 15000, 5000, 15000]
    assert (end["type"], end["end"], end["done"], end["skipped"]) == ("session_end",
                                                                      "completed", 7, 1)
    assert end["paused_ms"] > 0


def test_start_up_with_a_long_log_reaches_the_menu_and_keeps_when_last_done(tmp_path):
    # 50 sessions of 30 segments (1605 records) written by the firmware's own logbook, as
    # five earlier starts of the device left them, and no "last done" summary: reading the
    # whole log at start-up once made the virtual device run out of memory.
    from linkrig import logbook as fw_logbook

    flash = firmware_flash(tmp_path / "flash", "strength-four")
    logs = flash / "logs"
    for b in range(5):
        lb = fw_logbook.Logbook(root=str(logs))
        for i in range(10):
            name = "strength-four" if i == 9 and b == 4 else f"retired-{i}"
            lb.begin_session(name, 1, 0, 30, 30000, 5000 + i)
            for j in range(30):
                lb.add_segment(j, 2, 1, 255, 1000 * j, 1000 * j + 1000, 1000, 1000)
                lb.flush()
            lb.end_session(1, 30, 0, 30000, 0, 35000)
    before = {p.name: p.read_bytes() for p in logs.iterdir()}
    assert sorted(before) == ["%08x.log" % (1 + 320 * b) for b in range(5)]

    # No clock chip: the device knows no time but what a sync gives it. At 5x the stop below
    # lands inside the 5 s prepare even on a loaded machine.
    with Emulator(flash, speed=5, rtc=False) as emu:
        menu = emu.until("hold=go")
        # Done in an earlier start, and the clock not set since: done, but undated.
        assert menu[0] == "ROUTINE     1/1"
        assert {"Four strength", "moves", "time 2:00     L0", "done, undated"} <= set(menu)
        summary = (logs / "last").read_bytes()
        emu.command("long")
        emu.until("READY")
        emu.command("long")  # stop
        emu.until("1=ok")
        emu.command("press")
        menu = emu.until("hold=go")
        assert "last 0 min ago" in menu
        emu.command("reset")  # started again: that session is in an earlier start now
        menu = emu.until("undated")
        assert {"Four strength", "done, undated", "1=next hold=go"} <= set(menu)
    # Every record is still there, and the summary names the eleven routines.
    for name, data in before.items():
        assert (logs / name).read_bytes() == data
    log = read_log((logs / "00000641.log").read_bytes(), 1601)
    assert [r["type"] for r in log.records] == ["session_start", "segment", "session_end"]
    assert log.records[0]["routine"] == "strength-four" and log.records[0]["boot"] == 1601
    upto, slots, size = struct.unpack_from("<IHH", summary)
    assert (upto, slots, size, len(summary)) == (1600, 11, SLOT, 8 + SLOT * 11 + 4)
    ids = [summary[8 + SLOT * k + 17 : 8 + SLOT * k + 17 + summary[8 + SLOT * k + 16]]
           for k in range(11)]
    assert sorted(ids) == [f"retired-{i}".encode() for i in range(10)] + [b"strength-four"]
    assert struct.unpack_from("<IIII", summary, 8 + SLOT * ids.index(b"strength-four")) == (
        1 + 320 * 4 + 9 * 32, 1 + 320 * 4, 5009, 0)
    after = (logs / "last").read_bytes()
    assert struct.unpack_from("<IH", after) == (1603, 11)


def test_the_button_held_at_power_up_starts_safe_mode(tmp_path):
    flash = firmware_flash(tmp_path / "flash")
    with Emulator(flash, speed=5) as emu:
        emu.command("hold")
        emu.command("reset")
        assert emu.until("REPL is free")[:3] == ["SAFE MODE", "App not started.",
                                                 "REPL is free."]
        emu.command("release")
        out = emu.mp_ok("resume", "exec", "print('free')")
        assert out.strip() == "free"
