"""The firmware on the real rp2 port (an emulated RP2040) at power-up: safe mode with the
button held, and the self-test from the free REPL."""

from __future__ import annotations

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
                                "switch", "tick", "beat", "done", "ask", "error", "remind",
                                "remind_tone")]
    assert "motor: 3 pulses" in lines
    assert [s for s in lines if s.startswith("button: ") and "press it" not in s] == [
        "button: short", "button: long"]
    assert lines[-1] == "selftest: done, 2 presses"
    assert pico.until("SELFTEST DONE")[:2] == ["SELFTEST DONE", "display ok"]

