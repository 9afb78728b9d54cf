"""The live view of `backbeat emulate` on a real terminal (a pseudo-terminal whose size we
set): braille in 80 columns, half blocks once it is wide enough, drawn afresh on resize."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time

BRAILLE_BOX = "\u250c" + "\u2500" * 64 + "\u2510"
BRAILLE_END = "\u2514" + "\u2500" * 64 + "\u2518"
HALF_BLOCK_END = "\u2514" + "\u2500" * 128 + "\u2518"
_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _size(fd: int, rows: int, columns: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def _read_until(fd: int, text: str, seen: list[str], timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    got = ""
    while text not in got:
        assert time.monotonic() < deadline, f"no {text!r} in {got[-500:]!r}"
        if select.select([fd], [], [], 0.2)[0]:
            got += os.read(fd, 65536).decode("utf-8", "replace")
    seen.append(got)
    return got


def _controlling_terminal() -> None:
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def test_the_live_view_fits_the_terminal_and_follows_its_size(tmp_path):
    master, slave = os.openpty()
    _size(slave, 40, 80)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["XDG_RUNTIME_DIR"] = str(tmp_path / "run")
    proc = subprocess.Popen([sys.executable, "-m", "backbeat.cli", "emulate", "--flash",
                             str(tmp_path / "flash")], stdin=slave, stdout=slave, stderr=slave,
                            env=env, preexec_fn=_controlling_terminal)
    seen: list[str] = []
    try:
        narrow = _read_until(master, BRAILLE_END, seen)
        lines = [_ESCAPE.sub("", ln).rstrip("\r") for ln in narrow.split("\n")]
        drawn = lines[lines.index(BRAILLE_BOX) - 1:]
        assert drawn[0].startswith("keys: space = short press")
        assert drawn[2:18] == ["\u2502" + "\u2800" * 64 + "\u2502"] * 16  # a blank device
        assert max(len(ln) for ln in drawn) <= 80
        # A blank device says how to flash it, on the terminal before the view and under it.
        assert (f"the virtual device is blank (no firmware in {tmp_path / 'flash'}): flash it "
                "from another terminal with `backbeat flash --port ") in narrow
        assert drawn[20].startswith("blank: no firmware yet (backbeat flash --port /dev/pts/")
        _size(master, 40, 140)  # the kernel tells the emulator with SIGWINCH
        wide = _read_until(master, HALF_BLOCK_END, seen)
        assert "\x1b[H\x1b[2J" in wide
        os.write(master, b"q")
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
        os.close(slave)
