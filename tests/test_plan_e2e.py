"""End to end on the virtual device: sessions run with button presses, synced with `backbeat sync`,
and `backbeat plan` reading the store: three clean sessions earn a level, pain takes it back."""

from __future__ import annotations

import json

import pytest
from backbeat.cli import main
from backbeat.device.link import LinkClient
from backbeat.device.serialport import SerialPort
from click.testing import CliRunner
from emulatorrig import Emulator

ROUTINE = """name: Tiny
steps:
  - exercise: Bridge
    say: Hips up
    hold: {from: 2s, to: 4s, step: 1s}
    prepare: 0
    check: pain
"""


@pytest.fixture
def emulator(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    flash = tmp_path / "flash"
    flash.mkdir()
    emu = Emulator(flash, speed=10)
    yield emu
    emu.stop()


def run_session(emulator: Emulator, pain: int) -> None:
    """Start the routine and answer the pain question: a short press adds one, holding the
    button saves the number."""
    emulator.until("hold=go")
    emulator.command("long")
    emulator.until("PAIN")
    for _ in range(pain):
        emulator.command("press")
    emulator.command("long")
    emulator.until("DONE")
    assert emulator.errors == []
    emulator.command("press")  # back to the menu


def test_plan_over_real_syncs_of_the_virtual_device(emulator, tmp_path):
    routine = tmp_path / "tiny.yaml"
    routine.write_text(ROUTINE)
    db = str(tmp_path / "plan.db")
    runner = CliRunner()

    def flash(level: int) -> None:
        r = runner.invoke(main, ["flash", "--port", emulator.port, "--level", str(level), str(routine)])
        assert r.exit_code == 0, r.output
        # Back in the app (the screen before the flash may still show its menu).
        with SerialPort(emulator.port) as port:
            LinkClient(port).connect(0)

    def sync_and_plan() -> tuple[int, int]:
        r = runner.invoke(main, ["sync", "--port", emulator.port, "--db", db])
        assert r.exit_code == 0, r.output
        r = runner.invoke(main, ["plan", str(routine), "--db", db, "--json"])
        assert r.exit_code == 0, r.output
        (bridge,) = json.loads(r.output)["routines"][0]["exercises"]
        return bridge["level"], bridge["clean"]

    flash(0)
    for _ in range(3):
        run_session(emulator, 0)
    assert sync_and_plan() == (1, 0)
    flash(1)  # what flash will do with the plan's levels
    run_session(emulator, 1)  # a little: still clean
    assert sync_and_plan() == (1, 1)
    run_session(emulator, 6)  # it hurt: more than `hold`
    assert sync_and_plan() == (0, 0)
