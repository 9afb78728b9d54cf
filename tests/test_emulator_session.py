"""End to end on the virtual device: the firmware and a compiled library routine on its
flash, run at speed with button commands, the screen read at chosen moments, and the
session found in the device's /logs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

from backbeat.codec.logrec import read_log
from emulatorrig import ROOT, Emulator


def test_a_routine_with_pause_and_skip_is_shown_and_logged(tmp_path):
    flash = tmp_path / "flash"
    flash.mkdir()
    for f in sorted((ROOT / "firmware").glob("*.py")):
        shutil.copy(f, flash / f.name)
    r = subprocess.run([sys.executable, "-m", "backbeat.cli", "compile", "-o",
                        str(flash / "routines"), str(ROOT / "routines" / "strength-four.yaml")],
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 0, r.stderr

    with Emulator(flash, speed=20) as emu:
        menu = emu.until("hold=go")
        assert menu[0] == "ROUTINE     1/2"
        assert {"Four strength", "moves", "time 2:00", "never done", "1=next hold=go"} <= set(menu)
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
        assert re.fullmatch(r"DONE +1:\d\d", done[0])
        assert {"Four strength", "moves", "done 7 skip 1"} <= set(done)
        assert any(re.fullmatch(r"paused 0:\d\d", s) for s in done)
        emu.command("press")
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


def test_the_button_held_at_power_up_starts_safe_mode(tmp_path):
    flash = tmp_path / "flash"
    flash.mkdir()
    for f in sorted((ROOT / "firmware").glob("*.py")):
        shutil.copy(f, flash / f.name)
    with Emulator(flash, speed=5) as emu:
        emu.command("hold")
        emu.command("reset")
        assert emu.until("REPL is free")[:3] == ["SAFE MODE", "App not started.",
                                                 "REPL is free."]
        emu.command("release")
        out = emu.mp_ok("resume", "exec", "print('free')")
        assert out.strip() == "free"
