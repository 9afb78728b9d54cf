"""Flash and sync apply the plan, on the virtual device: a routine flashed before any sync
is at level 0; three clean sessions, synced, send it back at level 1 (read back from the
device's own file), saying why; pain 8 steps it back; --no-update leaves the device as it
is; flash compiles at the plan's levels; a routine without YAML here is left alone."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from backbeat.cli import main
from backbeat.codec.bbr import decode
from backbeat.device.link import LinkClient
from backbeat.device.serialport import SerialPort
from click.testing import CliRunner
from emulatorrig import Emulator, own_emulator
from test_plan_e2e import ROUTINE, run_session


@pytest.fixture
def emulator(tmp_path, monkeypatch):
    emu = own_emulator(tmp_path, monkeypatch, speed=10)
    yield emu
    emu.stop()


def cli(*args: str) -> str:
    r = CliRunner().invoke(main, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def bridge_level(emu: Emulator) -> int:
    """The level the device's own tiny.bbr holds its Bridge at."""
    data = (emu.flash / "routines" / "tiny.bbr").read_bytes()
    (level,) = {s["level"] for s in decode(data)["segments"] if s["exercise"] == "Bridge"}
    return level


def test_sync_sends_the_levels_earned_and_taken_back(emulator, tmp_path):
    port = emulator.port
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "tiny.yaml").write_text(ROUTINE)
    loose = tmp_path / "elsewhere" / "walk.yaml"  # after tiny in the menu
    loose.parent.mkdir()
    loose.write_text(ROUTINE.replace("Tiny", "Walk"))
    cli("flash", "--port", port, "--folder", str(mine))
    cli("flash", "--port", port, str(loose))  # its YAML is in neither folder nor library
    loose.unlink()
    assert bridge_level(emulator) == 0  # nothing synced: level 0, as before any plan
    for _ in range(3):
        run_session(emulator, 0)
    today = date.today()
    day = f"{today:%b} {today.day}"

    out = cli("sync", "--port", port, "--no-update")
    assert "3 new sessions" in out and "sent" not in out
    assert bridge_level(emulator) == 0

    assert "left as they are on the device (no YAML for them in your routines folder or the " \
        "library): walk\n" not in out  # --no-update: nothing is sent, so nothing left
    out = cli("sync", "--port", port)
    assert "no new sessions" in out
    assert f"sent tiny to {port}:\n  Bridge: level 0 -> 1, 3 clean sessions on {day}\n" in out
    assert "walk" not in out  # said only when new sessions came
    assert (emulator.flash / "routines" / "walk.bbr").exists()
    assert bridge_level(emulator) == 1
    with SerialPort(port) as sp:  # the app runs the new copy
        (tiny,) = [r for r in LinkClient(sp).info() if r.name == "tiny"]
    assert tiny.crc == decode((emulator.flash / "routines" / "tiny.bbr").read_bytes())["crc32"]

    out = cli("flash", "--port", port)  # the folder, at the plan's levels: nothing changes
    assert "is up to date" in out and bridge_level(emulator) == 1
    out = cli("sync", "--port", port)
    assert "sent" not in out

    run_session(emulator, 8)
    out = cli("sync", "--port", port)
    assert "1 new session" in out
    assert f"sent tiny to {port}:\n  Bridge: level 1 -> 0, pain 8 on {day}: back to 0\n" in out
    assert out.count("walk") == 1  # left on the device, said once
    assert "left as they are on the device (no YAML for them in your routines folder or the " \
        "library): walk\n" in out
    assert bridge_level(emulator) == 0
    assert Path(emulator.flash / "routines" / "walk.bbr").exists()
