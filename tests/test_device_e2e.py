"""End to end on the virtual device: flash the firmware and a routine through mpremote,
run the routine with button commands, sync it, and find it in the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from backbeat.cli import main
from click.testing import CliRunner
from emulatorrig import Emulator

ROOT = Path(__file__).resolve().parent.parent
ROUTINE = ROOT / "routines" / "hollow-back.yaml"


@pytest.fixture
def emulator(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    flash = tmp_path / "flash"
    flash.mkdir()
    emu = Emulator(flash, speed=10)
    yield emu
    emu.stop()


def test_flash_run_sync(emulator, tmp_path):
    db = str(tmp_path / "e2e.db")
    runner = CliRunner()
    r = runner.invoke(main, ["flash", "--port", emulator.port, str(ROUTINE)])
    assert r.exit_code == 0, r.output
    said = r.output.splitlines()
    assert said[-2].startswith(f"flashed {emulator.port}: firmware ")
    assert said[-1].endswith(" bytes sent)")
    again = runner.invoke(main, ["flash", "--port", emulator.port, str(ROUTINE)])
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[-1].endswith("1 routine): nothing sent")
    assert "flashing" not in again.output  # nothing to send: no progress bar at 0 %
    # The app offers the only routine: a long press starts it; at 10x it is over in about 12 s, slow enough that a loaded machine still
    # shows every screen.
    # It asks about pain twice: holding the button at once says 0, a short press first 1.
    # Waiting for the next exercise's name shows that an answer was taken. The commands go
    # out at once, so each press lands as soon as the screen before it is seen.
    for line in ("until Hollow", "long", "until PAIN", "long", "until Cobra", "until PAIN",
                 "press", "until a little", "long", "until Prone", "until DONE"):
        emulator.command(line)
    seen = [emulator.line()]
    while "DONE" not in seen[-1]:
        seen.append(emulator.line())
    assert emulator.errors == [], (emulator.errors, seen)
    r = runner.invoke(main, ["sync", "--port", emulator.port, "--db", db])
    assert r.exit_code == 0, r.output
    assert ": 1 new session (" in r.output
    r = runner.invoke(main, ["sync", "--port", emulator.port, "--db", db])
    assert ": no new sessions\n" in r.output
    (s,) = json.loads(runner.invoke(main, ["sessions", "--db", db, "--json"]).output)
    assert (s["routine_id"], s["ending"], s["done"], s["skipped"]) == (
        "hollow-back", "completed", 9, 0)
    assert [g["outcome"] for g in s["segments"]] == ["done"] * 9
    assert [g["pain"] for g in s["segments"] if g["pain_answer"]] == [0, 1]
    assert s["dated"] == "exact"
