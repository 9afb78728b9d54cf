"""The firmware on the real rp2 port (MicroPython's RPI_PICO build on an emulated RP2040):
`backbeat flash` puts it as .mpy with a routine on a blank Pico, it boots to the menu,
a routine runs with presses (screens from the SSD1306 model, cues from the PWM), the
pain question is answered, and `backbeat sync` brings the session into SQLite."""

from __future__ import annotations

import json
import re

import pytest
from backbeat.device.flasher import SOURCE_FILES
from rp2rig import ROOT, Rp2, backbeat, blank_pico

QUICK = ROOT / "tests" / "data" / "rp2-quick.yaml"


def _within(seq: list[int], part: list[int]) -> bool:
    return any(seq[i:i + len(part)] == part for i in range(len(seq)))


@pytest.fixture(scope="module")
def pico(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rp2")
    with Rp2(blank_pico(tmp)) as p:
        p.tmp = tmp
        yield p


def test_flash_puts_the_firmware_as_mpy_on_a_blank_pico(pico):
    boot = pico.wait_event("boot")
    assert boot["mode"] == "power"
    assert pico.mpremote("exec", "import os; print(sorted(os.listdir('/')))").strip() == "[]"
    r = backbeat("flash", "--port", pico.port, str(QUICK))
    assert r.returncode == 0, r.stderr
    said = r.stdout.splitlines()
    assert said[-2].startswith(f"flashed {pico.port}: firmware ")
    assert said[-1].endswith(" bytes sent)")
    # The app starts with the new files; the REPL is asked for once it idles at its menu.
    pico.until("hold=go")
    names = set(eval(pico.mpremote("exec", "import os; print(sorted(os.listdir('/')))")))
    # As .mpy but for main.py; b64native.py and lognative.py as .mpy of armv6m machine
    # code, which this port loads as it is (nothing left for it to compile).
    files = sorted((ROOT / "firmware").glob("*.py"))
    sources = {f.name for f in files if f.name in SOURCE_FILES}
    modules = {f.stem + ".mpy" for f in files if f.name not in SOURCE_FILES}
    assert sources == {"main.py"}
    assert modules | sources | {"manifest.txt", "routines", ".flash"} <= names
    assert {n for n in names if n.endswith(".py")} == sources
    native = pico.mpremote("exec", "import link, logread\n"
                                   "print(link.NATIVE_BASE64, logread.NATIVE_COPY)\n"
                                   "print(open('lognative.mpy', 'rb').read(3))")
    assert native.split() == ["True", "True", repr(bytes((ord("M"), 6, 4 << 2 | 3)))]
    # The port's own identity, not the WebAssembly one's.
    assert "Raspberry Pi Pico with RP2040" in pico.mpremote("exec", "import os; print(os.uname())")


def test_boots_to_the_menu(pico):
    boots = len(pico.events)
    pico.dev.power_cycle()
    assert pico.wait_event("boot", boots)["mode"] == "power"
    # The menu shows each routine once its header is read (a few a turn of the loop); its
    # lowest line is waited for, as the paced bus draws a frame page by page from the top.
    menu = pico.until("1=next hold=go")
    assert menu[:2] == ["ROUTINE     1/1", "Quick check"]


def test_a_routine_runs_with_presses_cues_and_the_pain_question(pico):
    pico.until("hold=go")
    since = len(pico.events)
    pico.press("long")
    ready = pico.until("READY")
    assert ready[:2] == ["Bridge", "READY"]
    start = pico.wait_event("button", since)["at"]
    # Waiting for the rep count, the hold screen's lowest new line: the SSD1306 model is
    # read while the paced bus may still be writing a frame, page by page from the top, so
    # "HOLD" can be seen above the ready screen's text before the rest is drawn.
    assert pico.until("1/1")[:3] == ["Bridge", "HOLD", "1/1"]
    pico.until("PAIN 0 TO 10")
    for _ in range(3):
        pico.press("short")  # pain 3
    pico.until("ok")  # 3 reads "ok"
    pico.press("long")
    assert pico.until("Plank")[0] == "Plank"
    done = pico.until("1=ok")
    assert done[:2] == ["DONE", "Quick check"]
    assert re.fullmatch(r"took 0:2\d", done[2]), done
    assert (done[3], done[-1]) == ("done 4 skip 0", "1=ok")
    tones = pico.until_quiet(start)
    heard = [hz for _, hz in tones]
    # The cues, read from the PWM registers: get ready (660, a gap, 660), the pain
    # question (784, a gap, 988) and the session's end, an arpeggio of notes of 150, 150,
    # 150 and 400 ms of emulated time, then silence. The cue's steps move on at turns of
    # the app's loop, so each lasts its time to within a turn (LOOP_MS, 10 ms).
    assert heard[:4] == [660, 0, 660, 0]
    assert _within(heard, [784, 0, 988, 0])
    assert heard[-5:] == [523, 659, 784, 1047, 0]
    steps = [b[0] - a[0] for a, b in zip(tones[-5:-1], tones[-4:], strict=True)]
    assert all(abs(ms - want) <= 10
               for ms, want in zip(steps, (150, 150, 150, 400), strict=True)), steps
    # The end's cue starts as Plank's 5 s hold ends, timed from the hold's start cue (880 Hz,
    # both at a segment's boundary), to within 1 ms: before the session's end is written.
    hold_at = [at for at, hz in tones if hz == 880][-1]
    assert abs(tones[-5][0] - hold_at - 5000) <= 1, (hold_at, tones[-5:])
    pico.press("short")
    pico.until("hold=go")


def test_sync_brings_the_session_into_sqlite(pico):
    db = pico.tmp / "rp2.db"
    r = backbeat("sync", "--port", pico.port, "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert ": 1 new session (7 records)\n  acknowledged up to record 7\n" in r.stdout
    r = backbeat("sessions", "--db", str(db), "--json")
    (s,) = json.loads(r.stdout)
    assert (s["routine_id"], s["ending"], s["done"], s["skipped"]) == ("rp2-quick", "completed",
                                                                    4, 0)
    assert [(g["exercise"], g["pain"]) for g in s["segments"] if g["pain_answer"]] == [
        ("Bridge", 3)]
