"""The device's own clock as the line command `wait` uses it, on both boards: a wait is
so many seconds of device time, whatever the wall clock did (the rp2040 board's emulated
time runs slower than --speed while its CPU is busy)."""

from __future__ import annotations

import pytest
from rp2rig import Rp2

# A busy loop for a second of device time, then idle: the rp2040 board's emulated time
# falls behind speed x wall time while it runs.
MAIN = ("import time\nt = time.ticks_ms()\nwhile time.ticks_diff(time.ticks_ms(), t) < 1000:\n"
        "    pass\nwhile True:\n    time.sleep_ms(50)\n")


@pytest.mark.parametrize("wasm", [True, False], ids=["wasm", "rp2040"])
def test_wait_runs_for_that_much_device_time(tmp_path, wasm):
    flash = tmp_path / "flash"
    flash.mkdir()
    (flash / "main.py").write_text(MAIN)
    with Rp2(flash, speed=5.0, wasm=wasm) as dev:
        dev.wait_event("boot")
        start = dev.dev.clock_ms()
        ran = dev.dev.run_device(3.0)
        end = dev.dev.clock_ms()
    assert end - start >= ran >= 3000
    if wasm:
        # Device time is wall time x speed here, looked at when a host timer fires.
        assert ran < 3000 + 2000
    else:
        # An alarm in emulated time: exact.
        assert ran == 3000
