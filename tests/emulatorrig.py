"""A virtual device for tests: `backbeat emulate` as a subprocess, driven by its line
commands, with mpremote and a raw pty connection to its serial port."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import termios
import threading
import time
import tty
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The real rp2 port's binaries, beside the checkout (../shared/rp2/README.md) or where
# $BACKBEAT_RP2_DIR says, for the rp2040 board; tests skip, saying why, where they are absent.
RP2 = Path(os.environ.get("BACKBEAT_RP2_DIR") or ROOT.parent / "shared" / "rp2")
RP2_UF2 = RP2 / "micropython-rpi_pico-v1.27.0.uf2"
RP2_BOOTROM = RP2 / "rp2040-bootrom-b1.bin"


def rp2_missing() -> str:
    """Why the rp2040 board cannot run here, or "" when it can."""
    for p in (RP2_UF2, RP2_BOOTROM):
        if not p.is_file():
            return f"{p} is absent: the real rp2 port's tests need ../shared/rp2/"
    if not (ROOT / "node_modules" / "rp2040js").is_dir():
        return "rp2040js is not installed (npm ci)"
    return ""
MPREMOTE = str(Path(sys.executable).parent / "mpremote")
# Generous: two cores are shared by many test runs.
TIMEOUT = 60.0


def firmware_flash(flash: Path, *routines: str) -> Path:
    """A new flash folder holding the firmware's source files and the named library
    routines compiled by `backbeat compile` into its /routines."""
    flash.mkdir()
    for f in sorted((ROOT / "firmware").glob("*.py")):
        shutil.copy(f, flash / f.name)
    if routines:
        r = subprocess.run([sys.executable, "-m", "backbeat.cli", "compile", "-o",
                            str(flash / "routines"),
                            *(str(ROOT / "routines" / f"{name}.yaml") for name in routines)],
                           capture_output=True, text=True, cwd=ROOT, timeout=TIMEOUT)
        assert r.returncode == 0, r.stderr
    return flash


def own_folders(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Point the runtime, config and data folders of backbeat at tmp_path, so a test's
    devices, settings and database are its own."""
    for var, sub in (("XDG_RUNTIME_DIR", "run"), ("XDG_CONFIG_HOME", "config"),
                     ("XDG_DATA_HOME", "data")):
        monkeypatch.setenv(var, str(tmp_path / sub))


def own_emulator(tmp_path: Path, monkeypatch, speed: float) -> Emulator:  # type: ignore[no-untyped-def]
    """A virtual device on a blank flash in tmp_path/flash, with its own folders
    (own_folders); the caller stops it."""
    own_folders(tmp_path, monkeypatch)
    flash = tmp_path / "flash"
    flash.mkdir()
    return Emulator(flash, speed=speed)


class Emulator:
    def __init__(self, flash: Path, speed: float = 1.0, backbeat: list[str] | None = None,
                 cwd: Path = ROOT, env: dict[str, str] | None = None, rtc: bool = True):
        """`backbeat emulate` as `backbeat` names it (this checkout's, by default), run in
        `cwd` with `env`; with rtc False, without the clock chip."""
        self.flash = flash
        self.proc = subprocess.Popen(
            [*(backbeat or [sys.executable, "-m", "backbeat.cli"]), "emulate", "--flash",
             str(flash), "--speed", str(speed), "--rtc" if rtc else "--no-rtc"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, cwd=cwd, env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.errors: list[str] = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines.put),
                         daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.errors.append),
                         daemon=True).start()
        first = self.line()
        assert first.startswith("port: /dev/pts/"), first
        self.port = first[len("port: "):]

    @staticmethod
    def _pump(stream, put) -> None:  # type: ignore[no-untyped-def]
        for line in stream:
            put(line.rstrip("\n"))

    def line(self, timeout: float = TIMEOUT) -> str:
        return self.lines.get(timeout=timeout)

    def command(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def block(self, command: str) -> list[str]:
        """Run `screen` or `picture` and return the lines it printed."""
        self.command(command)
        head = self.line()
        name, _, count = head.partition(": ")
        assert name == command, head
        if count == "off":
            return ["off"]
        return [self.line() for _ in range(int(count.split()[0]))]

    def screen(self) -> list[str]:
        return self.block("screen")

    def until(self, text: str) -> list[str]:
        """Wait until text is on the screen; the screen that had it."""
        self.command("until " + text)
        head = self.line()
        assert head.startswith("screen: "), head
        return [self.line() for _ in range(int(head.split()[1]))]

    def mpremote(self, *args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
        return subprocess.run([MPREMOTE, "connect", self.port, *args], capture_output=True,
                              text=True, timeout=timeout)

    def mp_ok(self, *args: str, timeout: float = TIMEOUT) -> str:
        r = self.mpremote(*args, timeout=timeout)
        assert r.returncode == 0, (r.stdout, r.stderr, self.errors)
        return r.stdout

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.command("quit")
            except (BrokenPipeError, ValueError):
                pass
            try:
                self.proc.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for s in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if s:
                try:
                    s.close()
                except (BrokenPipeError, ValueError, OSError):
                    pass

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Serial:
    """The emulator's port opened raw, for byte-exact exchanges."""

    def __init__(self, port: str, keep: bool = False):
        """keep: read what the device said before the port was opened, too."""
        self.fd = os.open(port, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd, termios.TCSANOW if keep else termios.TCSAFLUSH)
        os.set_blocking(self.fd, False)
        self.seen = b""

    def write(self, data: bytes) -> None:
        os.write(self.fd, data)

    def read_until(self, marker: bytes, timeout: float = TIMEOUT) -> bytes:
        """Everything up to and including marker (the rest stays for the next read)."""
        end = time.monotonic() + timeout
        while marker not in self.seen:
            if time.monotonic() > end:
                raise TimeoutError(f"{marker!r} not seen; got {self.seen[-300:]!r}")
            try:
                self.seen += os.read(self.fd, 4096)
            except BlockingIOError:
                time.sleep(0.01)
        i = self.seen.index(marker) + len(marker)
        out, self.seen = self.seen[:i], self.seen[i:]
        return out

    def raw_start(self, code: str) -> None:
        """Interrupt what runs, enter the raw REPL and start code; its output is left for
        read_until (the second Ctrl-C reaches the REPL: the virtual device's next sleep
        ends at once, as an interrupted one)."""
        self.write(b"\r\x03\x03\r\x01")
        self.read_until(b"raw REPL; CTRL-B to exit\r\n>")
        self.write(code.encode() + b"\x04")

    def raw_exec(self, code: str, timeout: float = TIMEOUT) -> bytes:
        """Interrupt what runs, enter the raw REPL, run code; returns its output."""
        self.write(b"\r\x03\x03")
        time.sleep(0.2)
        self.write(b"\r\x01")
        self.read_until(b"raw REPL; CTRL-B to exit\r\n>", timeout)
        self.write(code.encode() + b"\x04")
        self.read_until(b"OK", timeout)
        out = self.read_until(b"\x04", timeout)[:-1]
        err = self.read_until(b"\x04", timeout)[:-1]
        assert err == b"", err
        return out

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> Serial:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def device_ms_until(flash: Path, text: str, speed: float = 1.0,
                    timeout: float = TIMEOUT) -> float:
    """Device milliseconds from power-up to the first frame showing `text`, on a virtual
    device run in this process (`backbeat emulate`'s VirtualDevice) from `flash`."""
    from backbeat.emulator.console import screen_text
    from backbeat.emulator.device import VirtualDevice

    dev = VirtualDevice(flash, speed)
    seen: list[float] = []

    def on_frame(frame) -> None:  # type: ignore[no-untyped-def]
        if not seen and text in "\n".join(screen_text(dev)):
            seen.append(dev.state.device_ms)

    dev.on_frame = on_frame
    dev.start()
    try:
        end = time.monotonic() + timeout
        while not seen and dev.alive and time.monotonic() < end:
            dev.step(0.02)
    finally:
        dev.close()
    assert seen, f"{text!r} never shown on the virtual device from {flash}"
    return seen[0]
