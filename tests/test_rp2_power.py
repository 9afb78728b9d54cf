"""The firmware on the real rp2 port (an emulated RP2040) at power-up and power loss: safe
mode with the button held, the self-test from the free REPL, and the power cut at chosen
flash operations while the logbook writes a session and while `backbeat flash` switches
files (the emulator stops halfway through the Nth flash erase or program and boots again
from the flash as it was left): no stored session is lost and the device always boots."""

from __future__ import annotations

import json
import subprocess
import threading
import time

import pytest
from backbeat.device.serialport import SerialPort
from backbeat.emulator.device import unique_id_for
from rp2rig import MPREMOTE, ROOT, TIMEOUT, Rp2, backbeat, blank_pico

QUICK = ROOT / "tests" / "data" / "rp2-quick.yaml"
SECOND = ROOT / "routines" / "strength-four.yaml"


@pytest.fixture(scope="module")
def pico(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rp2")
    with Rp2(blank_pico(tmp)) as p:
        p.tmp = tmp
        r = backbeat("flash", "--port", p.port, str(QUICK))
        assert r.returncode == 0, r.stderr
        p.until("hold=go")
        yield p


def power_up(pico: Rp2, held: bool = False) -> None:
    boots = len(pico.events)
    if held:
        pico.press("hold")
        while not [e for e in pico.events[boots:] if e["kind"] == "button" and not e["level"]]:
            time.sleep(0.02)
    pico.dev.power_cycle()
    assert pico.wait_event("boot", boots)["mode"] == "power"


def test_safe_mode_with_the_button_held_leaves_the_repl_free(pico):
    power_up(pico, held=True)
    assert pico.until("SAFE MODE")[:3] == ["SAFE MODE", "App not started.", "REPL is free."]
    assert pico.mpremote("exec", "print(6 * 7)").strip() == "42"
    pico.press("release")


def test_the_self_test_sees_the_display_sounds_and_presses(pico):
    power_up(pico, held=True)
    pico.until("SAFE MODE")
    pico.press("release")
    run = subprocess.Popen([MPREMOTE, "connect", pico.port, "exec",
                            "import selftest; selftest.main()"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def press_when_asked() -> None:
        pico.until("BUTTON")
        pico.press("short")
        pico.until("last: short")
        pico.press("long")

    presser = threading.Thread(target=press_when_asked, daemon=True)
    presser.start()
    out, err = run.communicate(timeout=TIMEOUT * 2)
    presser.join(TIMEOUT)
    assert run.returncode == 0, err
    lines = out.splitlines()
    # Its own id, from the emulated flash chip (rp2040js alone reads all zeros).
    assert lines[0] == f"selftest: pico RP2040 id {unique_id_for(pico.dev.flash_dir)}"
    assert lines[1:4] == ["display: ok at 0x3c", "display: border and checkerboard",
                          "display: 8 rows of text"]
    assert [s for s in lines if s.startswith("sound: ")] == [
        "sound: " + n for n in ("get_ready", "start", "inhale", "exhale", "hold", "rest",
                                "switch", "tick", "beat", "done", "ask", "error", "remind",
                                "remind_tone")]
    assert "motor: 3 pulses" in lines
    assert [s for s in lines if s.startswith("button: ") and "press it" not in s] == [
        "button: short", "button: long"]
    assert lines[-1] == "selftest: done, 2 presses"
    assert pico.until("SELFTEST DONE")[:2] == ["SELFTEST DONE", "display ok"]



def test_ctrl_c_sent_while_the_port_starts_up_gives_the_repl(pico):
    # What mpremote sends (Ctrl-C, then Ctrl-A for the raw REPL), written as the power
    # comes back: the bytes reach the port once its USB serial is up, before MicroPython
    # arms Ctrl-C for main.py, so they arrive as plain data. main.py finds the Ctrl-C
    # before the app's link could take it, and the REPL answers.
    with SerialPort(pico.port) as sp:
        boots = len(pico.events)
        pico.dev.power_cycle()
        sp.write(b"\r\x03\r\x01")
        assert pico.wait_event("boot", boots)["mode"] == "power"
        got = b""
        end = time.monotonic() + TIMEOUT
        while not got.endswith(b"raw REPL; CTRL-B to exit\r\n>"):
            assert time.monotonic() < end, got
            got += sp.read_some(0.1)
        assert got.startswith(b"backbeat: Ctrl-C at start-up, app not started\r\n"), got
        sp.write(b"\x02")  # back to the friendly REPL
    assert pico.mpremote("exec", "print(6 * 7)").strip() == "42"


def flash_ops(pico: Rp2, since: int) -> list[dict]:
    """The flash operations from events[since:] on, up to a power cut if there was one."""
    out = []
    for e in pico.events[since:]:
        if e["kind"] == "cut":
            break
        if e["kind"] == "flash":
            out.append(e)
    return out


def settle(pico: Rp2) -> None:
    """At the menu, until the device has written what an idle menu writes (the verdicts
    of its background checks, in /routines.idx): no flash operation for 2 s of its time.
    A cut counted from before such a write would fall one operation early."""
    pico.until("hold=go")
    while True:
        mark = len(pico.events)
        pico.dev.run_device(2.0)
        if not flash_ops(pico, mark):
            return


def cut_session_at(pico: Rp2, operation: int) -> None:
    """Start the routine with the power set to go halfway through the flash operation
    after this many (0: the first, the session start); answer the pain question if the
    session gets there; wait until the device boots again from what the flash kept."""
    settle(pico)
    cuts = len(pico.events)
    pico.dev.cut_power_after(operation)
    pico.press("long")
    end = time.monotonic() + TIMEOUT
    answered = False
    while not any(e["kind"] == "cut" for e in pico.events[cuts:]):
        assert time.monotonic() < end, "no cut"
        if not answered and "PAIN 0 TO 10" in pico.screen():
            pico.press("long")  # pain 0
            answered = True
        time.sleep(0.02)
    assert len(flash_ops(pico, cuts)) == operation + 1
    assert pico.wait_event("boot", cuts)["mode"] == "power"
    pico.until("hold=go")


def sessions(pico: Rp2) -> list[dict]:
    db = pico.tmp / "power.db"
    r = backbeat("sync", "--port", pico.port, "--db", str(db))
    assert r.returncode == 0, r.stderr
    return json.loads(backbeat("sessions", "--db", str(db), "--json").stdout)


def test_power_cuts_across_a_session_end_lose_no_stored_session(pico):
    power_up(pico)
    settle(pico)
    since = len(pico.events)
    pico.press("long")
    pico.until("PAIN 0 TO 10")
    pico.press("long")
    pico.until("1=ok")
    pico.press("short")
    pico.until("hold=go")
    # A whole session of the routine writes the flash this many times, from the press:
    # the session start (a new log file, then its first record), the logbook's flushes
    # between segments (Bridge's ready and hold, its pain answer, Plank's ready), Plank's
    # hold with the session end, and the menu's summary (written, then renamed over the
    # old one). The device's first session writes the empty summary before its start
    # (written, then renamed: 3 more), so that its end reads no record; the sessions
    # cut below come after it and write the 9.
    ops = flash_ops(pico, since)
    assert [e["op"] for e in ops] == ["program"] * 12, ops
    # Cut in the session start's record, in the session end's (so Plank's hold, flushed
    # with it, is lost too) and in the summary after it.
    for operation in (1, 5, 7):
        cut_session_at(pico, operation)
    got = sessions(pico)
    assert [(s["routine_id"], s["ending"], s["done"]) for s in got] == [
        ("rp2-quick", "completed", 4), ("rp2-quick", "unfinished", 0),
        ("rp2-quick", "unfinished", 3), ("rp2-quick", "completed", 4)]
    assert [g["outcome"] for g in got[0]["segments"]] == ["done"] * 4


def test_power_cuts_during_a_flash_leave_a_device_that_boots(pico):
    # Each flash adds a routine to the device's (a flash keeps the others): two, then
    # three. A flash of one new routine writes the flash about eight times: its file
    # staged, then the journal written and carried out. Erases count too, and where
    # littlefs erases depends on what the flash holds (with the firmware's files of now,
    # none comes before the staged file's three programs, so the cut after it is the
    # fourth operation). Cut in the staging (the device boots on the old files; the flash
    # done again keeps the staged file and sends nothing new) and in the switch (it boots
    # on the new files, the journal finished at start-up; the flash done again has
    # nothing to do).
    for operation, other, menu, again in (
            (3, SECOND, "1/1", "2 routines on the device\n  1 file replaced (0 bytes sent)"),
            (6, ROOT / "routines" / "hollow-back.yaml", "1/3",
             "is up to date (firmware ")):
        settle(pico)
        cuts = len(pico.events)
        pico.dev.cut_power_after(operation)
        backbeat("flash", "--port", pico.port, str(QUICK), str(other))
        pico.wait_event("cut", cuts)
        assert len(flash_ops(pico, cuts)) == operation + 1
        assert pico.until("1=next hold=go")[0] == "ROUTINE     " + menu
        r = backbeat("flash", "--port", pico.port, str(QUICK), str(other))
        assert r.returncode == 0, r.stderr
        assert again in r.stdout, r.stdout
    assert pico.until("1=next hold=go")[0] == "ROUTINE     1/3"
