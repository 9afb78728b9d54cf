"""The firmware on the real rp2 port (an emulated RP2040) at power-up and power loss: safe
mode with the button held, the self-test from the free REPL, and the power cut at
chosen instants while the logbook writes and while `backbeat flash` switches files
(the emulator stops halfway through a flash erase or program and boots again from the
flash as it was left): no stored session is lost and the device always boots."""

from __future__ import annotations

import json
import subprocess
import threading
import time

import pytest
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
                                "switch", "tick", "beat", "done", "ask", "error")]
    assert "motor: 3 pulses" in lines
    assert [s for s in lines if s.startswith("button: ") and "press it" not in s] == [
        "button: short", "button: long"]
    assert lines[-1] == "selftest: done, 2 presses"
    assert pico.until("SELFTEST DONE")[:2] == ["SELFTEST DONE", "display ok"]


def cut_after(pico: Rp2, operations: int) -> None:
    """Start the routine; once the button is let go, cut the power halfway through the
    flash operation after this many more (a press answers the pain question); wait
    until the device has booted again from what the flash kept."""
    presses = len(pico.events)
    pico.press("long")
    while not [e for e in pico.events[presses:] if e["kind"] == "button" and e["level"]]:
        time.sleep(0.02)
    cuts = len(pico.events)
    pico.dev.cut_power_after(operations)
    answered = False
    end = time.monotonic() + TIMEOUT
    while not any(e["kind"] == "cut" for e in pico.events[cuts:]):
        assert time.monotonic() < end, "no cut"
        if not answered and "pain" in "\n".join(pico.screen()):
            pico.press("short")
            answered = True
        time.sleep(0.05)
    assert pico.wait_event("boot", cuts)["mode"] == "power"


def sessions(pico: Rp2) -> list[dict]:
    db = pico.tmp / "power.db"
    r = backbeat("sync", "--port", pico.port, "--db", str(db))
    assert r.returncode == 0, r.stderr
    return json.loads(backbeat("sessions", "--db", str(db), "--json").stdout)


def test_power_cuts_while_the_log_is_written_lose_no_stored_session(pico):
    power_up(pico)
    pico.until("hold=go")
    pico.press("long")
    pico.until("pain")
    pico.press("short")
    pico.until("1=ok")
    pico.press("short")
    pico.until("hold=go")
    for operations in (0, 3):
        cut_after(pico, operations)
        pico.until("hold=go")
    got = sessions(pico)
    # The session stored before the cuts is whole; each cut one is kept as far as its
    # log reached, and ends as unfinished.
    assert [(s["routine"], s["ending"]) for s in got] == [
        ("rp2-quick", "completed"), ("rp2-quick", "unfinished"), ("rp2-quick", "unfinished")]
    assert got[0]["done"] == 4
    assert [g["outcome"] for g in got[0]["segments"]] == ["done"] * 4
    assert all(s["done"] < 4 for s in got[1:])


def test_power_cuts_during_a_flash_leave_a_device_that_boots(pico):
    # Cut early (files being staged) and late (the switch), each time flashing a set
    # that differs from the one on the device: it boots again on the old files or the
    # new ones, and the flash done again completes.
    # A flash keeps the device's other routines: two, then three.
    for operations, other, before, after in ((5, SECOND, "1/1", "1/2"),
                                             (12, ROOT / "routines" / "hollow-back.yaml",
                                              "1/2", "1/3")):
        cuts = len(pico.events)
        pico.dev.cut_power_after(operations)
        backbeat("flash", "--port", pico.port, str(QUICK), str(other))
        pico.wait_event("cut", cuts)
        menu = pico.until("hold=go")
        assert menu[0] in ("ROUTINE     " + before, "ROUTINE     " + after), menu
        # Again: what the cut left undone is sent (nothing, if the switch was done).
        r = backbeat("flash", "--port", pico.port, str(QUICK), str(other))
        assert r.returncode == 0, r.stderr
        last = r.stdout.splitlines()[-1]
        assert (last.startswith(f"flashed {pico.port}: firmware ")
                or last.startswith(f"{pico.port} is up to date (firmware ")), last
        pico.until("ROUTINE     " + after)
        assert pico.until("hold=go")[0] == "ROUTINE     " + after
