"""The MicroPython WebAssembly port for an installed backbeat: where it is looked for, and
what is said when npm is not there to install it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from backbeat.emulator import wasmport
from backbeat.emulator.device import MICROPYTHON_MJS, EmulatorError, find_micropython
from backbeat.resources import npm_dir

ROOT = Path(__file__).resolve().parent.parent


def test_the_pin_is_the_checkouts_package_json():
    deps = json.loads((npm_dir() / "package.json").read_text())["dependencies"]
    # The WebAssembly port and the RP2040 emulator, both installed into the cache.
    assert wasmport.pinned() == ("@micropython/micropython-webassembly-pyscript@1.27.0 "
                                 "rp2040js@1.4.1")
    assert deps == {"@micropython/micropython-webassembly-pyscript": "1.27.0",
                    "rp2040js": "1.4.1"}
    assert (npm_dir() / "package-lock.json").read_bytes() == \
        (ROOT / "package-lock.json").read_bytes()


def test_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert wasmport.cache_dir() == tmp_path / "backbeat" / "micropython"


def test_without_npm_it_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no npm here
    with pytest.raises(wasmport.PortMissing) as e:
        wasmport.install(MICROPYTHON_MJS)
    assert str(e.value) == (
        "the MicroPython WebAssembly port is not installed, and npm is not there to install "
        "it (hint: install Node.js 20 or newer with npm, e.g. `apt install nodejs npm`; "
        f"backbeat emulate then installs {wasmport.pinned()} into "
        f"{tmp_path / 'cache' / 'backbeat' / 'micropython'} once)")
    assert not (tmp_path / "cache").exists()


def test_found_in_the_cache_once_installed(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("BACKBEAT_MICROPYTHON", raising=False)
    monkeypatch.chdir(tmp_path)
    # Run from a checkout, its node_modules is found from the package; the cache is the
    # fallback for an installed backbeat.
    assert find_micropython() == ROOT / MICROPYTHON_MJS
    cached = wasmport.cache_dir() / MICROPYTHON_MJS
    monkeypatch.setattr("backbeat.emulator.device.__file__", str(tmp_path / "pkg" / "device.py"))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(EmulatorError) as e:
        find_micropython()
    assert str(e.value).startswith("the MicroPython WebAssembly port is not installed, and npm")
    cached.parent.mkdir(parents=True)
    cached.write_text("// the port")
    assert find_micropython() == cached
