"""`backbeat emulate` run for tests: the virtual device in a subprocess, its port and its
command input."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


class Emulator:
    """`backbeat emulate` in a subprocess: its port, and its command input."""

    def __init__(self, flash: Path, speed: float) -> None:
        self.p = subprocess.Popen(
            [sys.executable, "-m", "backbeat.cli", "emulate", "--flash", str(flash), "--speed",
             str(speed)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)
        assert self.p.stdout is not None
        first = self.p.stdout.readline().strip()
        assert first.startswith("port: "), first
        self.port = first[len("port: "):]

    def command(self, line: str) -> None:
        assert self.p.stdin is not None
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def read_until(self, text: str, timeout: float = 60) -> str:
        assert self.p.stdout is not None
        seen = []
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            line = self.p.stdout.readline()
            if not line:
                break
            seen.append(line)
            if text in line:
                return "".join(seen)
        raise AssertionError(f"{text!r} not seen; the emulator said: {''.join(seen)!r}")

    def close(self) -> None:
        try:
            self.command("quit")
        except (BrokenPipeError, OSError):
            pass
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait(10)
