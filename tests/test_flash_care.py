"""Flashing with care, on the virtual device: a flash adds and updates routines and keeps the
others; routines go only with --prune or backbeat rm, which say what goes and refuse while
a routine's sessions are not synced; with no routines named, the routines folder (set once
with --folder) or else the library is flashed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import serial
from backbeat.cli import main
from backbeat.resources import library_dir
from click.testing import CliRunner
from emulatorrig import Emulator, own_emulator

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = sorted(p.stem for p in (ROOT / "routines").glob("*.yaml"))


def routine(folder: Path, name: str, title: str) -> str:
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(f"name: {title}\nsteps:\n  - exercise: Wall sit\n    hold: 20s\n"
                    "    prepare: 0s\n")
    return str(path)


@pytest.fixture
def emulator(tmp_path, monkeypatch):
    emu = own_emulator(tmp_path, monkeypatch, speed=20)
    yield emu
    emu.stop()


def cli(*args: str, status: int = 0) -> str:
    r = CliRunner().invoke(main, list(args))
    assert r.exit_code == status, r.output
    return r.output


def on_device(emu: Emulator) -> list[str]:
    return sorted(p.stem for p in (emu.flash / "routines").glob("*.bbr"))


def test_flash_keeps_others_and_removes_only_what_is_synced(emulator, tmp_path, monkeypatch):
    port = emulator.port
    mine = tmp_path / "mine"
    x, y, z = (routine(mine, n, n.upper()) for n in ("x", "y", "z"))
    cli("flash", "--port", port, x, y)
    opened = []
    real_open = serial.Serial.open
    with monkeypatch.context() as m:
        m.setattr(serial.Serial, "open", lambda s: opened.append(s.port) or real_open(s))
        out = cli("flash", "--port", port, z)
    assert opened == [port]  # one device session: the app asked, then the raw REPL
    assert out.endswith(f"flashed {port}: firmware {out.split('firmware ')[1][:12]}, 3 routines "
                        "on the device\n  1 file replaced (" + out.split("(")[1])
    assert on_device(emulator) == ["x", "y", "z"]

    # A session of x, not yet synced: neither --prune nor rm removes x, and nothing changes.
    # (The sync waits for the app, which the flash restarted: nothing to sync yet.)
    assert ": no new sessions\n" in cli("sync", "--port", port)
    emulator.until("hold=go")
    emulator.command("long")
    emulator.until("1=ok")  # the summary: the session is over
    out = cli("flash", "--port", port, "--prune", z, status=1)
    assert out == ("error: x (1 not synced): sessions not yet synced, so not removed; nothing "
                   "was changed (hint: run backbeat sync first)\n")
    out = cli("rm", "--port", port, "x", status=1)
    assert out == ("error: x (1 not synced): sessions not yet synced, so not removed; nothing "
                   "was changed (hint: run backbeat sync first)\n")
    assert on_device(emulator) == ["x", "y", "z"]

    assert ": 1 new session (" in cli("sync", "--port", port)
    assert cli("rm", "--port", port, "x") == f"removed from {port}: x\n"
    assert cli("rm", "--port", port, "x", status=2) == (
        f"error: not on {port}: x (it has y, z)\n")
    out = cli("flash", "--port", port, "--prune", z)
    assert out.startswith(f"removed from {port}: y\nflashed {port}: firmware ")
    assert ", 1 routine on the device\n  0 files replaced (0 bytes sent)\n" in out
    assert on_device(emulator) == ["z"]


def test_flash_with_no_routines__the_library_then_the_folder_set(emulator, tmp_path):
    port = emulator.port
    out = cli("flash", "--port", port)
    assert out.startswith(f"no routines named: flashing the library ({library_dir()}; backbeat "
                          "flash --folder DIR flashes your own from now on)\n")
    assert f", {len(LIBRARY)} routines on the device\n" in out
    assert on_device(emulator) == LIBRARY
    mine = tmp_path / "mine"
    routine(mine, "my-own", "Mine")
    r = CliRunner().invoke(main, ["flash", "--port", port, "--folder", str(mine)])
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines()[0] == (f"{mine} is your routines folder from now on "
                                        "(backbeat flash with no routines flashes it)")
    assert json.loads((tmp_path / "config" / "backbeat" / "config.json").read_text()) == {
        "routines": str(mine)}
    routine(mine, "another", "Another")
    out = cli("flash", "--port", port)
    assert out.startswith(f"no routines named: flashing your routines folder {mine}\n")
    assert f", {len(LIBRARY) + 2} routines on the device\n  1 file replaced" in out
    assert on_device(emulator) == sorted([*LIBRARY, "my-own", "another"])


def test_flash__a_folder_or_routines_not_both(tmp_path):
    mine = routine(tmp_path / "mine", "x", "X")
    out = cli("flash", "--port", "/dev/null", "--folder", str(tmp_path / "mine"), mine, status=2)
    assert out == ("error: --folder flashes a folder's routines: name routines or a folder, "
                   "not both\n")


def test_flash__an_app_that_does_not_start_is_a_warning(emulator, tmp_path, monkeypatch):
    from backbeat.device import flasher

    monkeypatch.setattr(flasher, "APP_START_S", 2.0)
    firmware = tmp_path / "firmware"
    firmware.mkdir()
    (firmware / "main.py").write_text("print('not the app')\n")
    (firmware / "journal.py").write_bytes((ROOT / "firmware" / "journal.py").read_bytes())
    r = CliRunner().invoke(main, ["flash", "--port", emulator.port, "--firmware", str(firmware),
                                  routine(tmp_path / "mine", "x", "X")])
    assert r.exit_code == 0, r.output
    assert r.stderr.endswith(f"warning: the app on {emulator.port} did not answer after the "
                             "flash (hint: its screen says why; backbeat devices tells more)\n")
    assert (emulator.flash / "main.py").read_text() == "print('not the app')\n"
