"""backbeat as a person installs it: the wheel built from this checkout, installed into a
fresh virtual environment, used from a folder with no checkout in sight (and its demo). The MicroPython
port is installed on first use into a per-user cache (from npm's cache, warm after
`make setup`); the dependencies come from the package index (pip's cache)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from emulatorrig import Emulator

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 300

# Due every day: the menu shows it first (what is due comes first, then by file name).
MINE = """\
name: A minute at the wall
due: daily
steps:
  - exercise: Wall sit
    hold: 1m
    prepare: 0s
"""


def _source_copy(dest: Path) -> Path:
    """The checkout's files (tracked, and new ones not ignored), links kept as links."""
    names = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, names):
        src, dst = ROOT / name, dest / name
        if not src.is_symlink() and not src.exists():
            continue  # deleted in the working tree
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            os.symlink(os.readlink(src), dst)
        else:
            shutil.copy2(src, dst)
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `backbeat` of a fresh virtual environment holding only the wheel and its needs."""
    top = tmp_path_factory.mktemp("wheel")
    src = _source_copy(top / "src")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w",
                    str(top / "dist"), str(src)], check=True, timeout=TIMEOUT,
                   capture_output=True)
    (wheel,) = (top / "dist").glob("backbeat-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(top / "venv")], check=True,
                   timeout=TIMEOUT)
    subprocess.run([str(top / "venv" / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    str(wheel)], check=True, timeout=TIMEOUT, capture_output=True)
    return top / "venv" / "bin" / "backbeat"


def test_the_wheel_works_from_anywhere(installed: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "XDG_DATA_HOME": str(home / "data"),
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_CACHE_HOME": str(home / "cache"),
           "XDG_RUNTIME_DIR": str(home / "run")}
    env.pop("BACKBEAT_MICROPYTHON", None)
    env.pop("PYTHONPATH", None)

    def backbeat(*args: str) -> str:
        r = subprocess.run([str(installed), *args], cwd=work, env=env, capture_output=True,
                           text=True, timeout=TIMEOUT)
        assert r.returncode == 0, (args, r.stdout, r.stderr)
        return r.stdout

    library = sorted(p.stem for p in (ROOT / "routines").glob("*.yaml"))
    with Emulator(home / "flash", speed=20, backbeat=[str(installed)], cwd=work,
                  env=env) as emu:
        cache = home / "cache" / "backbeat" / "micropython"
        # The port came from the per-user cache, installed there once, saying so.
        assert (cache / "node_modules" / "@micropython").is_dir()
        deps = json.loads((ROOT / "package.json").read_text())["dependencies"]
        pins = " ".join(f"{n}@{v}" for n, v in sorted(deps.items()))
        assert emu.errors[:1] == [f"backbeat: installing {pins} into {cache} with npm (once)"]
        out = backbeat("flash", "--port", emu.port)
        assert re.fullmatch(rf"flashed {emu.port}: firmware [0-9a-f]{{12}}, {len(library)} "
                            r"routines on the device\n  \d+ files replaced \(\d+ bytes sent\)\n",
                            out), out
        assert (home / "flash" / "main.py").is_file()

        (work / "a-minute.yaml").write_text(MINE)
        out = backbeat("flash", "--port", emu.port, "a-minute.yaml")
        assert f", {len(library) + 1} routines on the device\n  1 file replaced" in out
        # The sync waits for the app the flash restarted; an idle device has nothing new.
        assert ": no new sessions\n" in backbeat("sync", "--port", emu.port)
        (device,) = json.loads(backbeat("devices", "--json"))
        assert device["routines"] == ["a-minute", *library]

        emu.until("hold=go")
        assert "A minute at" in emu.screen()[1]
        emu.command("long")
        emu.until("1=ok")  # the summary: the session is over
        out = backbeat("sync", "--port", emu.port)
        assert ": 1 new session (" in out
    sessions = json.loads(backbeat("sessions", "--json"))
    assert [(s["routine_id"], s["routine_name"], s["ending"]) for s in sessions] == [
        ("a-minute", "A minute at the wall", "completed")]
    assert (home / "data" / "backbeat" / "backbeat.db").is_file()
    assert not (work / "build").exists() and sorted(os.listdir(work)) == ["a-minute.yaml"]

    # The demo, from the same folder: the library, then a session on its own virtual device
    # (at 10x, so a loaded machine still shows every screen it waits for).
    out = backbeat("demo", "--speed", "10")
    assert f"{len(library)} files, " in out and "each one read back, checked and equal" in out
    assert re.search(r"^\w{3} \d+ \w{3} \d{4} \d\d:\d\d  Four strength moves\n"
                     r"  completed in \d+ min( \d+ s)?, paused \d+ s\n", out, re.MULTILINE)
    assert sorted(os.listdir(work)) == ["a-minute.yaml"]
