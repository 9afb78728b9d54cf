"""Sync and flash figures.

- sync.noop_round_trips: requests a sync with nothing new costs (HELLO, READ).
- sync.pty_kib_per_s: log bytes a sync stores per second, the firmware's link running
  under CPython on a pseudo-terminal (protocol and store cost, no device in the way).
- With a virtual device (`backbeat emulate`, issue 4) also:
  sync.speedup_vs_mpremote_cp (the same log bytes pulled by `mpremote cp` over
  `backbeat sync`) and flash.unchanged_to_first_time_ratio (a re-flash with nothing
  changed over the first flash). Without one they are left out, and the reason printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

SESSIONS = 40
SEGMENTS = 30
# The virtual device collects garbage only while the firmware sleeps, and reading a long
# log in one go runs out of its 192 KB: a smaller log there.
VIRTUAL_SESSIONS = 4


def _fill(dev, sessions: int = SESSIONS, crc: int | None = None) -> int:
    for i in range(sessions):
        if crc is None:
            dev.session(segments=SEGMENTS, name=f"routine-{i % 5}")
        else:
            dev.session(segments=SEGMENTS, name=f"routine-{i % 5}", crc=crc)
    return sum(len(v) for k, v in dev.fs.files.items() if k.endswith(".log"))


def _pty_figures() -> dict:
    from backbeat.device.link import LinkClient
    from backbeat.device.serialport import SerialPort
    from backbeat.device.sync import sync_device
    from backbeat.store import Store
    from linkrig import PtyDevice

    dev = PtyDevice()
    tmp = Path(tempfile.mkdtemp())
    try:
        size = _fill(dev)
        with Store(tmp / "b.db") as db:
            with SerialPort(dev.path) as port:
                t0 = time.perf_counter()
                sync_device(LinkClient(port), db, int(time.time()))
                took = time.perf_counter() - t0
            with SerialPort(dev.path) as port:
                noop = sync_device(LinkClient(port), db, int(time.time()))
    finally:
        dev.close()
        shutil.rmtree(tmp)
    return {
        "sync.noop_round_trips": {"value": noop.round_trips, "unit": "requests",
                                  "compared_with": "target at most 2"},
        "sync.pty_kib_per_s": {"value": round(size / 1024 / took, 1), "unit": "KiB/s",
                               "compared_with": f"{size} bytes of log ({SESSIONS} sessions of "
                                                f"{SEGMENTS} segments), firmware link under "
                                                "CPython on a pty"},
    }


def _emulate_available() -> bool:
    r = subprocess.run([sys.executable, "-m", "backbeat.cli", "emulate", "--help"],
                       capture_output=True, text=True)
    return r.returncode == 0


def _start_emulator(flash_dir: Path) -> tuple[subprocess.Popen, str]:
    p = subprocess.Popen([sys.executable, "-m", "backbeat.cli", "emulate", "--flash",
                          str(flash_dir)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    assert p.stdout is not None
    first = p.stdout.readline().strip()
    if not first.startswith("port: "):
        p.kill()
        raise RuntimeError(f"backbeat emulate said {first!r}, not 'port: ...'")
    return p, first[len("port: "):]


def _emulator_figures() -> dict:
    from backbeat.device.flasher import flash
    from backbeat.device.link import LinkClient
    from backbeat.device.serialport import SerialPort
    from backbeat.device.sync import sync_device
    from backbeat.store import Store
    from linkrig import Device

    tmp = Path(tempfile.mkdtemp())
    flash_dir = tmp / "flash"
    flash_dir.mkdir()
    routines = {"easy": bytes(__import__("linkrig").EASY)}
    emu, port = _start_emulator(flash_dir)
    try:
        t0 = time.perf_counter()
        flash(port, ROOT / "firmware", routines)
        first = time.perf_counter() - t0
        time.sleep(2)
        t0 = time.perf_counter()
        flash(port, ROOT / "firmware", routines)
        again = time.perf_counter() - t0
    finally:
        emu.terminate()
        emu.wait(10)
    # A log written by the firmware's own logbook, put on the emulated flash.
    dev = Device()
    _fill(dev, VIRTUAL_SESSIONS)
    logs = flash_dir / "logs"
    logs.mkdir(exist_ok=True)
    names = sorted(k[len("/logs/"):] for k in dev.fs.files if k.endswith(".log"))
    size = 0
    for name in names:
        (logs / name).write_bytes(bytes(dev.fs.files["/logs/" + name]))
        size += len(dev.fs.files["/logs/" + name])
    emu, port = _start_emulator(flash_dir)
    try:
        out = tmp / "copy"
        out.mkdir()
        t0 = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "mpremote"), "connect", port, "cp"]
                       + [":/logs/" + n for n in names] + [str(out) + "/"],
                       check=True, capture_output=True)
        cp_s = time.perf_counter() - t0
        assert sum((out / n).stat().st_size for n in names) == size
    finally:
        emu.terminate()
        emu.wait(10)
    emu, port = _start_emulator(flash_dir)
    try:
        with SerialPort(port) as sp:
            LinkClient(sp).connect(0)  # the app is up (its start is not part of the sync)
        with Store(tmp / "b.db") as db, SerialPort(port) as sp:
            t0 = time.perf_counter()
            res = sync_device(LinkClient(sp), db, int(time.time()))
            sync_s = time.perf_counter() - t0
        assert res.new_records >= VIRTUAL_SESSIONS * (SEGMENTS + 2)
    finally:
        emu.terminate()
        emu.wait(10)
        shutil.rmtree(tmp)
    return {
        "sync.speedup_vs_mpremote_cp": {"value": round(cp_s / sync_s, 2), "unit": "x",
                                        "compared_with": f"mpremote cp of the same {size} "
                                                         "log bytes; target at least 5"},
        "flash.unchanged_to_first_time_ratio": {"value": round(again / first, 3), "unit": "ratio",
                                                "compared_with": "first flash of the firmware "
                                                                 "and one routine; target at "
                                                                 "most 0.2"},
    }


def run() -> dict:
    figures = _pty_figures()
    if _emulate_available():
        figures.update(_emulator_figures())
    else:
        print("bench_sync: no `backbeat emulate` command: sync.speedup_vs_mpremote_cp and "
              "flash.unchanged_to_first_time_ratio need the virtual device", file=sys.stderr)
    return figures


if __name__ == "__main__":
    for k, v in run().items():
        print(k, v)
    os._exit(0)
