"""End to end on the virtual device: sessions run with button presses, synced with `backbeat sync`,
and `backbeat plan` reading the store: three clean sessions earn a level, pain takes it back."""

from __future__ import annotations

import json

import pytest
from backbeat.cli import main
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


# Pain from 0 to 10: holding saves the number counted so far (0 at once); each double
# press adds two, and the screen's word for 8 shows it was counted before it is saved.
NO_PAIN = ("long",)
PAIN_8 = ("double", "double", "double", "double", "until too much", "long")


def run_session(emulator: Emulator, answer: tuple[str, ...]) -> None:
    """Start the routine, answer the pain question with the button commands `answer`."""
    emulator.until("hold=go")
    emulator.command("long")
    emulator.until("PAIN")
    for line in answer:
        emulator.command(line)
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

    def sync_and_plan() -> tuple[int, int]:
        r = runner.invoke(main, ["sync", "--port", emulator.port, "--db", db])
        assert r.exit_code == 0, r.output
        r = runner.invoke(main, ["plan", str(routine), "--db", db, "--json"])
        assert r.exit_code == 0, r.output
        (bridge,) = json.loads(r.output)["routines"][0]["exercises"]
        return bridge["level"], bridge["clean"]

    flash(0)
    for _ in range(3):
        run_session(emulator, NO_PAIN)
    assert sync_and_plan() == (1, 0)
    flash(1)  # what flash will do with the plan's levels
    emulator.until("time 0:03")  # the app started again with the routine at level 1
    run_session(emulator, NO_PAIN)
    assert sync_and_plan() == (1, 1)
    run_session(emulator, PAIN_8)  # it hurt: more than `hold`
    assert sync_and_plan() == (0, 0)
