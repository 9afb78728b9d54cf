"""Driving the virtual device from `backbeat emulate`: keys and a live OLED when stdin
is a terminal, line commands when it is not.

Line commands (one per line; times are device time, so `--speed` shortens them):
  press | long | double     a gesture on the button
  hold | release            keep the button down, let it go
  wait 1.5s | wait 200ms    let the device run for that much of its own time
  until TEXT                wait (up to 60 s of wall time) until TEXT is on the screen,
                            then print that screen as `screen` does
  screen                    the text on the screen: `screen: N lines`, then the lines
  picture [braille]         the screen in half blocks (`picture: 32 lines`, then the lines),
                            or in braille, half as wide (`picture: 16 lines`)
  snapshot FILE.png         write the screen as a PNG
  reset                     power-cycle the board
  quit                      stop
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import sys
import termios
import time
import tty
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from backbeat.emulator.device import MOTOR_PIN, VirtualDevice
from backbeat.emulator.display import (
    WIDTH,
    Frame,
    blank,
    boxed,
    braille,
    half_blocks,
    png,
    read_text,
)

UNTIL_TIMEOUT_S = 60.0
_WAIT = re.compile(r"^(\d+(?:\.\d+)?)\s*(ms|s)?$")


class CommandError(Exception):
    """A line command that cannot be done; str() is the message."""


def parse_wait(arg: str) -> float:
    """Device seconds from `1.5s`, `200ms` or `2` (seconds)."""
    m = _WAIT.match(arg.strip())
    if not m:
        raise CommandError(f"wait: cannot read {arg!r} (hint: wait 1.5s or wait 200ms)")
    value = float(m.group(1))
    return value / 1000 if m.group(2) == "ms" else value


def screen_text(dev: VirtualDevice) -> list[str]:
    return read_text(dev.state.frame or blank(), dev.state.glyphs)


def write_snapshot(frame: Frame | None, path: Path) -> None:
    path.write_bytes(png(frame or blank()))


class LineCommands:
    """Runs the line commands read from a stream while the device runs."""

    def __init__(self, dev: VirtualDevice, out: TextIO, err: TextIO):
        self.dev = dev
        self.out = out
        self.err = err
        self.quit = False

    def run_line(self, line: str) -> None:
        words = line.strip().split(None, 1)
        if not words or words[0].startswith("#"):
            return
        cmd, arg = words[0], (words[1] if len(words) > 1 else "")
        dev = self.dev
        if cmd in ("press", "long", "double", "hold", "release"):
            dev.press({"press": "short"}.get(cmd, cmd))
        elif cmd == "wait":
            dev.run_device(parse_wait(arg))
        elif cmd == "until":
            if not arg:
                raise CommandError("until: say which text to wait for (hint: until Done)")
            end = time.monotonic() + UNTIL_TIMEOUT_S
            while True:
                lines = screen_text(dev)
                if arg in "\n".join(lines):
                    break
                if time.monotonic() > end or not dev.alive:
                    raise CommandError(f"until: {arg!r} not on the screen after "
                                       f"{UNTIL_TIMEOUT_S:.0f} s")
                dev.run_for(0.02)
            self.print_screen(lines)
        elif cmd == "screen":
            frame = dev.state.frame
            self.print_screen(screen_text(dev) if frame is not None and frame.lit else None)
        elif cmd == "picture":
            if arg not in ("", "braille"):
                raise CommandError(f"picture: {arg!r} is not a way to draw it (hint: picture, "
                                   "or picture braille)")
            lines = (braille if arg else half_blocks)(dev.state.frame or blank())
            self.out.write(f"picture: {len(lines)} lines\n")
            for s in lines:
                self.out.write(s.rstrip() + "\n")
        elif cmd == "snapshot":
            if not arg:
                raise CommandError("snapshot: name a file (hint: snapshot screen.png)")
            write_snapshot(dev.state.frame, Path(arg))
            self.out.write(f"snapshot: {arg}\n")
        elif cmd == "reset":
            dev.power_cycle()
        elif cmd == "quit":
            self.quit = True
        else:
            raise CommandError(f"unknown command {cmd!r} (hint: press, long, double, wait 1s, "
                               "until TEXT, screen, picture, snapshot FILE.png, reset, quit)")
        self.out.flush()

    def print_screen(self, lines: list[str] | None) -> None:
        if lines is None:
            self.out.write("screen: off\n")
            return
        self.out.write(f"screen: {len(lines)} lines\n")
        for s in lines:
            self.out.write(s + "\n")

    def run(self, fd: int) -> None:
        """Read commands from fd until `quit` (end of input leaves the device running)."""
        buf = b""
        eof = False
        while not self.quit and self.dev.alive:
            if not eof and select.select([fd], [], [], 0)[0]:
                chunk = os.read(fd, 4096)
                if not chunk:
                    eof = True
                buf += chunk
                while b"\n" in buf and not self.quit:
                    line, buf = buf.split(b"\n", 1)
                    try:
                        self.run_line(line.decode("utf-8", "replace"))
                    except CommandError as e:
                        self.err.write(f"error: {e}\n")
                        self.err.flush()
            self.dev.step(0.02)


class LiveScreen:
    """The OLED drawn in the terminal and redrawn in place, with a status line; keys
    press the button (space short, enter long, d double) and q quits. The OLED is drawn
    in half blocks when the terminal has HALF_BLOCKS columns, else in braille (66), and
    drawn again from a cleared terminal when its size changes."""

    HALF_BLOCKS = WIDTH + 2
    KEYS = "keys: space = short press, enter = long press, d = double press, q = quit"

    def __init__(self, dev: VirtualDevice, out: TextIO,
                 columns: Callable[[], int] = lambda: shutil.get_terminal_size().columns):
        self.dev = dev
        self.out = out
        self.columns = columns
        self.drawn = 0  # lines drawn last time, to go back over
        self.last = 0.0
        self.last_text = ""
        self.resized = False

    def lines(self, columns: int) -> list[str]:
        """What the terminal shows, each line at most `columns` wide."""
        st = self.dev.state
        frame = st.frame or blank()
        if columns >= self.HALF_BLOCKS:
            screen = boxed(half_blocks(frame))
        else:
            screen = boxed(braille(frame), WIDTH // 2)
        tone = f"tone {st.tone_hz} Hz" if st.tone_hz else "quiet"
        if st.last_tone_hz:
            tone += f" (last {st.last_tone_hz} Hz at {st.last_tone_ms / 1000:.1f}s)"
        motor = "motor on" if st.pins.get(MOTOR_PIN) else "motor off"
        lit = "screen off" if not frame.lit else f"contrast {frame.contrast}"
        status = (f"t={st.device_ms / 1000:.1f}s x{self.dev.speed:g}  {tone}  {motor}  {lit}"
                  f"{'  sleeping' if st.sleeping else ''}")
        lines = [self.KEYS, *screen, status]
        if not (self.dev.flash_dir / "main.py").is_file():
            lines.append(f"blank: no firmware yet (backbeat flash --port {self.dev.port})")
        return [line[:columns] for line in lines]

    def draw(self) -> None:
        if self.resized:
            self.resized = False
            self.out.write("\x1b[H\x1b[2J")  # the old lines may have wrapped: start afresh
            self.drawn = 0
            self.last_text = ""
        lines = self.lines(self.columns())
        text = "\n".join(line + "\x1b[K" for line in lines)
        if text == self.last_text:
            return
        self.last_text = text
        if self.drawn:
            self.out.write(f"\x1b[{self.drawn}F")
        self.out.write(text + "\n\x1b[J")  # and clear below: a line may have gone
        self.out.flush()
        self.drawn = len(lines)

    def _on_resize(self, *_: object) -> None:
        self.resized = True

    def run(self, fd: int) -> None:
        saved = termios.tcgetattr(fd)
        tty.setcbreak(fd)
        before = signal.signal(signal.SIGWINCH, self._on_resize)
        try:
            while self.dev.alive:
                if select.select([fd], [], [], 0)[0]:
                    key = os.read(fd, 16)
                    if key in (b"q", b"\x03", b"\x04") or not key:
                        return
                    if key == b" ":
                        self.dev.press("short")
                    elif key in (b"\r", b"\n"):
                        self.dev.press("long")
                    elif key == b"d":
                        self.dev.press("double")
                now = time.monotonic()
                if now - self.last > 0.05:
                    self.last = now
                    self.draw()
                self.dev.step(0.02)
        finally:
            signal.signal(signal.SIGWINCH, before)
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def run(dev: VirtualDevice, stdin_fd: int | None = None, out: TextIO | None = None,
        err: TextIO | None = None) -> bool:
    """Drive the device until the user quits (True) or the device stops (False)."""
    fd = sys.stdin.fileno() if stdin_fd is None else stdin_fd
    out = out or sys.stdout
    err = err or sys.stderr
    if os.isatty(fd):
        LiveScreen(dev, out).run(fd)
    else:
        LineCommands(dev, out, err).run(fd)
    return dev.alive
