"""firmware/ type-checks with mypy against the MicroPython rp2 stubs.

The stub packages (micropython-rp2-rpi_pico-stubs, micropython-stdlib-stubs) are
gathered into one directory that serves as mypy's typeshed and search path, so the
firmware sees MicroPython's machine, time, framebuf and builtins, not CPython's.
Options: tests/firmware/mypy.ini.
"""

from __future__ import annotations

import importlib.metadata as md
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "tests" / "firmware" / "mypy.ini"
STUB_DISTS = ("micropython-rp2-rpi_pico-stubs", "micropython-stdlib-stubs")


@pytest.fixture(scope="module")
def stubs(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("mpstubs")
    for dist_name in STUB_DISTS:
        dist = md.distribution(dist_name)
        for f in dist.files or ():
            if f.suffix == ".pyi" or f.name in ("VERSIONS", "py.typed"):
                dst = out / f
                dst.parent.mkdir(parents=True, exist_ok=True)
                if not dst.exists():
                    os.symlink(Path(str(dist.locate_file(f))).resolve(), dst)
    assert (out / "stdlib" / "VERSIONS").is_file()
    assert (out / "machine.pyi").is_file()
    return out


def mypy(stubs: Path, cache: Path, *targets: str, extra_path: str = "") -> tuple[int, str]:
    env = dict(os.environ)
    env["MYPYPATH"] = os.pathsep.join(p for p in (str(stubs), extra_path) if p)
    proc = subprocess.run(
        [
            sys.executable, "-m", "mypy",
            "--config-file", str(CONFIG),
            "--custom-typeshed-dir", str(stubs),
            "--cache-dir", str(cache),
            *targets,
        ],
        cwd=str(ROOT),
        env=env,
        capture_output=True,
        text=True,
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_firmware_type_checks(stubs, tmp_path):
    code, out = mypy(stubs, tmp_path / "cache", "firmware", extra_path=str(ROOT / "firmware"))
    assert code == 0, "mypy finds type errors in firmware/:\n" + out
    assert out.startswith("Success: no issues found in ")


def test_the_stubs_are_micropythons(stubs, tmp_path):
    # What CPython lacks passes; what MicroPython's rp2 port lacks is an error.
    src = tmp_path / "probe.py"
    src.write_text(
        "import time\n"
        "import machine\n"
        "from micropython import const\n"
        "_N = const(3)\n"
        "def f():\n"
        "    t = time.ticks_add(time.ticks_ms(), _N)\n"
        "    p = machine.Pin(14, machine.Pin.IN, machine.Pin.PULL_UP)\n"
        "    time.sleep_ms(time.ticks_diff(t, 0))\n"
        "    p.value(1)\n"
        "    machine.Pin(14, machine.Pin.IN, machine.Pin.PULL_SIDEWAYS)\n"
        "    time.ticks_add(1)\n"
    )
    code, out = mypy(stubs, tmp_path / "cache", str(src))
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert code == 1
    assert len(errors) == 2, out
    assert 'probe.py:10: error: "type[Pin]" has no attribute "PULL_SIDEWAYS"' in errors[0]
    assert "probe.py:11: error: " in errors[1] and "ticks_add" in errors[1]
