"""Figures of the firmware on the real rp2 port (MicroPython's RPI_PICO build in the
emulated RP2040, `backbeat emulate --board rp2040`), each beside the same figure of the
WebAssembly board measured in the same run. Both boards start blank and get the
firmware (.mpy) and one short routine through `backbeat flash`.

- rp2.boot_to_menu_ms: emulated time from power-up to the first frame with the menu.
- rp2.cpu_busy_fraction: the share of emulated time during a session (the routine from
  the long press to its done screen) in which the CPU is not waiting for an interrupt
  (rp2040js counts executed cycles; WFI/WFE time is idle). The WebAssembly board has no
  such count: its figure is the menu's share on the rp2 board, from the same run.
- rp2.display_update_ms: one whole SSD1306 frame (1 KB) through the port's I2C, the bus
  paced at 400 kHz (9 bit times a byte), timed on the device with ticks_us, against
  the same call on the WebAssembly board (whose I2C costs nothing).

Skipped (no figures) where ../shared/rp2/ is absent.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "host"))

QUICK = ROOT / "tests" / "data" / "rp2-quick.yaml"
SHOW = ("import board, ssd1306, time\nb = board.open_board()\nd = ssd1306.SSD1306(b.i2c)\n"
        "best = 10 ** 9\nfor i in range(5):\n    d.fill((i + 1) & 1)\n    t = time.ticks_us()\n"
        "    d.show()\n    best = min(best, time.ticks_diff(time.ticks_us(), t))\nprint(best)")


def _busy(events: list[dict], since: int) -> tuple[float, float]:
    cpu = [e for e in events[since:] if e["kind"] == "cpu"]
    a, b = cpu[0], cpu[-1]
    return b["busy_ns"] - a["busy_ns"], (b["busy_ns"] + b["idle_ns"]) - (a["busy_ns"] + a["idle_ns"])


def _board(tmp: Path, wasm: bool) -> dict:
    from rp2rig import Rp2, backbeat, blank_pico

    out: dict = {}
    with Rp2(blank_pico(tmp), speed=1.0, wasm=wasm) as pico:
        r = backbeat("flash", "--port", pico.port, str(QUICK))
        assert r.returncode == 0, r.stderr
        pico.until("hold=go")
        pico.dev.power_cycle()
        out["boot_ms"] = pico.frame_at("hold=go")
        # The app idles at its menu for a while, then runs the routine.
        since = len(pico.events)
        time.sleep(3)
        if not wasm:
            out["menu_busy"] = _busy(pico.events, since)
        since = len(pico.events)
        pico.press("long")
        pico.until("pain")
        pico.press("short")
        pico.until("1=ok")
        if not wasm:
            out["session_busy"] = _busy(pico.events, since)
        pico.press("hold")
        pico.dev.power_cycle()
        pico.until("SAFE MODE")
        pico.press("release")
        out["show_us"] = int(pico.mpremote("exec", SHOW).strip())
    return out


def run() -> dict:
    from emulatorrig import rp2_missing

    why = rp2_missing()
    if why:
        print(f"bench_rp2: skipped: {why}")
        return {"rp2.skipped": {"value": 1, "unit": "flag", "compared_with": why}}
    tmp = Path(tempfile.mkdtemp())
    try:
        rp2 = _board(tmp / "rp2", wasm=False)
        wasm = _board(tmp / "wasm", wasm=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    busy, total = rp2["session_busy"]
    mbusy, mtotal = rp2["menu_busy"]
    return {
        "rp2.boot_to_menu_ms": {
            "value": round(rp2["boot_ms"]), "unit": "ms (emulated)",
            "compared_with": f"the WebAssembly board: {wasm['boot_ms']:.0f} ms of device time "
                             "(power-up to the first frame with the menu, same run)",
        },
        "rp2.cpu_busy_fraction": {
            "value": round(busy / total, 3), "unit": "fraction of emulated time",
            "compared_with": f"the menu idling on the same board: {mbusy / mtotal:.3f} "
                             f"(session: {busy / 1e6:.0f} ms busy of {total / 1e6:.0f} ms)",
        },
        "rp2.display_update_ms": {
            "value": round(rp2["show_us"] / 1000, 1), "unit": "ms (emulated)",
            "compared_with": f"the WebAssembly board: {wasm['show_us'] / 1000:.1f} ms for the "
                             "same whole-frame show() (best of 5 each)",
        },
    }


if __name__ == "__main__":
    for name, fig in run().items():
        print(name, fig)
