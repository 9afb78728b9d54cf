"""Start-up and routine start of the firmware on the real rp2 port (MicroPython's RPI_PICO
build in the emulated RP2040), each beside the same figure of the WebAssembly board from
the same run, both driven the same way (tests/rp2rig.py). Each set of routines goes by
mpremote (in safe mode) on a Pico that `backbeat flash` gave the firmware: copies of the
library's chinese-neck (10 segments), made on the device, and the 10,000-segment routine
of tests/data/ten-thousand.yaml (240 KB), sent compressed and inflated there.

- rp2.boot_ms_1_routine, rp2.boot_ms_200_routines, rp2.boot_ms_most_routines (as many
  as fit), rp2.boot_ms_10k_segments: device ms from power-up to the first frame of the menu, best
  of three power cycles, once the first start-up after the set was copied has checked
  them and written the index (that first start-up's figure beside); the ratio
  rp2.boot_ratio_200_vs_1 should be close to 1.
- rp2.start_ms_10k_segments: the long press that starts the routine (from its press
  down) to its first cue, the buzzer's first tone, in device ms; the first start after
  a boot, once the menu has idled long enough to check it in the background. Beside
  the same for chinese-neck, and for a start at once after the first boot (the routine
  not yet checked: its CRC then, its segments as they are read).

Skipped (no figures) where ../shared/rp2/ is absent.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests"), str(ROOT / "host")]

QUICK = ROOT / "tests" / "data" / "rp2-quick.yaml"
TEN_THOUSAND = ROOT / "tests" / "data" / "ten-thousand.yaml"
# Device seconds at the menu before a start: the background check's time (the rp2040
# board checks the 10,000-segment routine in 10 to 30 s; the WebAssembly board's CPU is
# the host's).
IDLE_S = {False: 30.0, True: 5.0}
# Routine files fill the flash but this much, kept for the logs and the index.
FREE = 32768


# Run on the device in safe mode: the routines of /routines removed (before anything is
# put there: the flash may be full), then a set made there.
_CLEAR = """import os
for n in os.listdir('/routines'):
    os.remove('/routines/' + n)
"""
_COPIES = """data = open('/neck.bbr', 'rb').read()
for i in range(COUNT):
    with open('/routines/neck-%03d.bbr' % i, 'wb') as f:
        f.write(data)
"""
# As many copies as fit, leaving FREE bytes for the logs and the index; prints how many.
_FILL = """import os
data = open('/neck.bbr', 'rb').read()
n = 0
while n < 1000:
    st = os.statvfs('/')
    if st[0] * st[3] < FREE + len(data):
        break
    with open('/routines/neck-%03d.bbr' % n, 'wb') as f:
        f.write(data)
    n += 1
print('copies', n)
"""
_INFLATE = """import deflate, os
buf = bytearray(1024)
with open('/huge.z', 'rb') as src, open('/routines/ten-thousand.bbr', 'wb') as out:
    z = deflate.DeflateIO(src, deflate.ZLIB)
    while True:
        n = z.readinto(buf)
        if not n:
            break
        out.write(memoryview(buf)[:n])
os.remove('/huge.z')
"""


def _put(pico, tmp: Path, code: str, files: dict[str, bytes]) -> str:
    """In safe mode: these files put at the root by mpremote, then code run there. The
    sets are made on the device (copies, or inflated), as sending 200 files or 240 KB
    over the link would take minutes."""
    pico.safe_mode()
    pico.mpremote("exec", _CLEAR, timeout=600)
    cp = []
    for name, data in files.items():
        (tmp / name).write_bytes(data)
        cp += ["cp", str(tmp / name), ":/" + name, "+"]
    return pico.mpremote(*cp, "exec", code, timeout=600)


def _menu_after_power_up(pico) -> float:
    """Power-cycle; the device ms of the first menu frame after it. Watched from before
    the cut: the menu comes so soon after the boot event that a watch set then can miss
    it (and an idle menu draws no other frame)."""
    from backbeat.emulator.console import screen_text

    since = len(pico.events)
    seen: list[float] = []

    def look(frame) -> None:  # type: ignore[no-untyped-def]
        booted = any(e["kind"] == "boot" for e in pico.events[since:])
        if booted and not seen and frame.lit and "hold=go" in "\n".join(screen_text(pico.dev)):
            seen.append(pico.dev.state.device_ms)

    pico.dev.on_frame = look
    try:
        pico.power_cycle()
        end = time.monotonic() + 120.0
        while not seen:
            assert time.monotonic() < end, "no menu after power-up"
            time.sleep(0.02)
    finally:
        pico.dev.on_frame = None
    return seen[0]


def _settle(pico, idle_s: float) -> float:
    """Power-up after the routines changed, then the menu idle for idle_s while the
    routines are checked in the background and the index written: device ms from power-up
    to the menu of that first start-up (the index, written for the routines of before,
    found stale)."""
    first = _menu_after_power_up(pico)
    pico.dev.run_device(idle_s)
    return first


def _boot_ms(pico) -> float:
    best = float("inf")
    for _ in range(3):
        best = min(best, _menu_after_power_up(pico))
    return best


def _start_ms(pico, idle_s: float) -> float:
    """Power-up, the menu idle for idle_s, then the long press (another after the pain
    question, where the routine asks it): device ms from the press that starts the
    routine, from its press down, to its first cue."""
    since = len(pico.events)
    pico.power_cycle()
    pico.wait_event("boot", since)
    pico.until("hold=go")
    pico.dev.run_device(idle_s)
    while True:
        since = len(pico.events)
        pico.press("long")
        pressed = pico.wait_event("button", since)["at"]
        while True:  # the pain question, or the routine under way
            screen = "\n".join(pico.screen())
            if "PAIN 0 TO 10" in screen or "pause" in screen:
                break
            time.sleep(0.02)
        if "PAIN 0 TO 10" not in screen:
            break
    pico.wait_event("pwm", since)
    return pico.tones(pressed, since)[0][0] - pressed


def _board(tmp: Path, wasm: bool, neck: bytes, huge: bytes) -> dict:
    from rp2rig import Rp2, backbeat, blank_pico

    out = {}
    tmp.mkdir(parents=True)
    # Emulated time on the rp2040 board is the chip's whatever the speed; the WebAssembly
    # board's device time is wall time x speed, so it runs at 1.
    with Rp2(blank_pico(tmp), speed=1.0 if wasm else 5.0, wasm=wasm) as pico:
        r = backbeat("flash", "--port", pico.port, str(QUICK))
        assert r.returncode == 0, r.stderr
        pico.until("hold=go")
        z = zlib.compressobj(9, zlib.DEFLATED, 10)  # a 1 KB window for the device
        for key, code, files in (
                ("one", _COPIES.replace("COUNT", "1"), {"neck.bbr": neck}),
                ("many", _COPIES.replace("COUNT", "200"), {}),
                ("most", _FILL.replace("FREE", str(FREE)), {}),
                ("huge", _INFLATE, {"huge.z": z.compress(huge) + z.flush()})):
            said = _put(pico, tmp, code, files)
            if key == "most":
                out["most_count"] = int(said.split("copies ")[1].split()[0])
            if key == "huge":  # first at once, never checked yet; then checked
                out["start_unchecked"] = _start_ms(pico, 0.0)
            out["first_" + key] = _settle(pico, IDLE_S[wasm])
            out[key] = _boot_ms(pico)
            if key == "one" or key == "huge":
                out["start_" + key] = _start_ms(pico, IDLE_S[wasm])
    return out


def run() -> dict:
    from backbeat.compiling import compile_files
    from emulatorrig import rp2_missing

    why = rp2_missing()
    if why:
        print(f"bench_rp2boot: skipped: {why}")
        return {"rp2.boot_skipped": {"value": 1, "unit": "flag", "compared_with": why}}
    compiled, errors = compile_files([ROOT / "routines" / "chinese-neck.yaml", TEN_THOUSAND])
    assert not errors, errors
    neck, huge = compiled[0].data, compiled[1].data
    tmp = Path(tempfile.mkdtemp())
    try:
        rp2 = _board(tmp / "rp2", False, neck, huge)
        wasm = _board(tmp / "wasm", True, neck, huge)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "rp2.boot_ms_1_routine": {
            "value": round(rp2["one"]), "unit": "ms (emulated)",
            "compared_with": f"the WebAssembly board: {wasm['one']:.0f} ms of device time, "
                             "same run; the menu within 1000 ms"},
        "rp2.boot_ms_200_routines": {
            "value": round(rp2["many"]), "unit": "ms (emulated)",
            "compared_with": f"{rp2['one']:.0f} ms with 1 routine (ratio below); the "
                             f"first start-up after they were copied, the index stale and the "
                             f"folder listed: {rp2['first_many']:.0f} ms; the WebAssembly "
                             f"board: {wasm['many']:.0f} ms, same run; main before this "
                             "change: 1048 ms (647 with 1)"},
        "rp2.boot_ms_most_routines": {
            "value": round(rp2["most"]), "unit": "ms (emulated)",
            "compared_with": f"{rp2['most_count']} routines, as many as fit in the flash "
                             f"with {FREE // 1024} KB left; {rp2['one']:.0f} ms with 1 "
                             f"routine; the first start-up after they were copied: "
                             f"{rp2['first_most']:.0f} ms; the WebAssembly board: "
                             f"{wasm['most']:.0f} ms with {wasm['most_count']}, same run "
                             "(before: MemoryError there)"},
        "rp2.boot_ratio_200_vs_1": {
            "value": round(rp2["many"] / rp2["one"], 2), "unit": "x",
            "compared_with": f"close to 1 is the goal; the first start-up after they "
                             f"were copied (the folder listed): "
                             f"{rp2['first_many'] / rp2['one']:.2f}x; the WebAssembly board: "
                             f"{wasm['many'] / wasm['one']:.2f}x, same run; main before this "
                             "change: 1.62x"},
        "rp2.boot_ms_10k_segments": {
            "value": round(rp2["huge"]), "unit": "ms (emulated)",
            "compared_with": f"{rp2['one']:.0f} ms with chinese-neck (10 segments); the "
                             f"WebAssembly board: {wasm['huge']:.0f} ms, same run; before: "
                             "about 4.4 s more than a short routine (issue 14)"},
        "rp2.start_ms_10k_segments": {
            "value": round(rp2["start_huge"]), "unit": "ms (emulated)",
            "compared_with": f"{rp2['start_one']:.0f} ms for chinese-neck, same board; the "
                             f"WebAssembly board: {wasm['start_huge']:.0f} ms (chinese-neck "
                             f"{wasm['start_one']:.0f} ms), same run; started at once after "
                             f"a boot, before the background check: {rp2['start_unchecked']:.0f} "
                             f"ms (WebAssembly {wasm['start_unchecked']:.0f} ms; its CRC in C "
                             "and header then, each segment as the session reads it; main "
                             "before this change: 5426 ms, the segments checked at once)"},
    }
