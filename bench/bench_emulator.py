"""Virtual device figures.

- emulator.boot_to_menu_ms: wall time from starting `backbeat emulate` to the menu on
  its screen, with the firmware as .mpy (as `backbeat flash` installs it), against the
  same firmware as .py sources.
- emulator.speed_factor: device seconds per wall second with --speed 50, over the whole
  2-minute strength-four routine run from the long press to the done screen (target at
  least 20).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "host"))

from backbeat.device.flasher import firmware_files  # noqa: E402 - host is put on the path above

SPEED = 50
RUNS = 3


def _flash(d: Path, mpy: bool) -> Path:
    d.mkdir()
    if mpy:  # the files the flasher sends (the native modules as source: no -march)
        for path, data in firmware_files(ROOT / "firmware").items():
            (d / path.lstrip("/")).write_bytes(data)
    else:
        for f in sorted((ROOT / "firmware").glob("*.py")):
            shutil.copy(f, d / f.name)
    subprocess.run([sys.executable, "-m", "backbeat.cli", "compile", "-o", str(d / "routines"),
                    str(ROOT / "routines" / "strength-four.yaml")], check=True,
                   capture_output=True, cwd=ROOT)
    return d


def _boot_ms(flash: Path) -> float:
    from emulatorrig import Emulator

    best = float("inf")
    for _ in range(RUNS):
        t0 = time.perf_counter()
        emu = Emulator(flash)
        try:
            emu.until("hold=go")
            best = min(best, (time.perf_counter() - t0) * 1000)
        finally:
            emu.stop()
    return best


def _speed_factor(flash: Path) -> float:
    from backbeat.codec.logrec import read_log
    from emulatorrig import Emulator

    with Emulator(flash, speed=SPEED) as emu:
        emu.until("hold=go")
        t0 = time.perf_counter()
        emu.command("long")
        emu.until("1=ok")
        wall = time.perf_counter() - t0
    logs = sorted((flash / "logs").glob("*.log"))
    records = read_log(logs[-1].read_bytes(), int(logs[-1].stem, 16)).records
    end = [r for r in records if r["type"] == "session_end"][-1]
    return end["elapsed_ms"] / 1000 / wall


def run() -> dict:
    tmp = Path(tempfile.mkdtemp())
    try:
        mpy_ms = _boot_ms(_flash(tmp / "mpy", True))
        py_ms = _boot_ms(_flash(tmp / "py", False))
        factor = _speed_factor(_flash(tmp / "speed", True))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "emulator.boot_to_menu_ms": {
            "value": round(mpy_ms),
            "unit": "ms",
            "compared_with": f"the same firmware as .py sources: {py_ms:.0f} ms (best of "
                             f"{RUNS}, from starting `backbeat emulate` to the menu on screen)",
        },
        "emulator.speed_factor": {
            "value": round(factor, 1),
            "unit": "device s per wall s",
            "compared_with": f"--speed {SPEED}, target at least 20 (the 2-minute strength-four "
                             "routine from the long press to the done screen)",
        },
    }


if __name__ == "__main__":
    for name, fig in run().items():
        print(name, fig)
