"""The virtual device in stress mode (BACKBEAT_VD_GC_STRESS=1, docs/virtual-device.md,
"Garbage collection"): garbage collected at every safe point and the freed memory filled
with 0xa5, so an object freed while still in use shows at once. A blank device is flashed
with `backbeat flash`, boots to its menu, runs a whole session (the menu's code let go and
taken back, the "last done" summary let go and read again) and shows its menu again."""

from __future__ import annotations

import subprocess
import sys

from emulatorrig import ROOT, TIMEOUT, own_emulator


def test_flash_boot_and_a_whole_session_under_gc_stress(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKBEAT_VD_GC_STRESS", "1")
    emu = own_emulator(tmp_path, monkeypatch, speed=50)
    with emu:
        r = subprocess.run([sys.executable, "-m", "backbeat.cli", "flash", "--port", emu.port,
                            str(ROOT / "routines" / "strength-four.yaml")],
                           capture_output=True, text=True, cwd=ROOT, timeout=4 * TIMEOUT)
        assert r.returncode == 0, r.stderr
        menu = emu.until("hold=go")
        assert menu[:3] == ["due 1 of 1  1/1", "Four strength", "moves"]
        emu.command("long")
        done = emu.until("1=ok")
        assert done[0] == "DONE" and "done 8 skip 0" in done
        emu.command("press")
        assert emu.until("hold=go")[:3] == ["done today  1/1", "Four strength", "moves"]
    assert emu.errors == []
