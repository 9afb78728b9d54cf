"""The virtual device's host side: a pseudo-terminal as its USB serial port, and Node
running the firmware in MicroPython (vm/device.mjs), bridged byte for byte.

VirtualDevice owns the pty and the Node process; step() moves bytes between them and
hands display frames and events (tones, pins, boots) to whoever drives it (console.py).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import selectors
import shutil
import struct
import subprocess
import threading
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from backbeat.emulator.display import Frame

VM_DIR = Path(__file__).resolve().parent / "vm"
MICROPYTHON_MJS = Path("node_modules/@micropython/micropython-webassembly-pyscript/micropython.mjs")
RP2040JS = Path("node_modules/rp2040js/package.json")
# The virtual board's buzzer and motor pins (firmware/board.py, hardware/).
BUZZER_PIN = 15
MOTOR_PIN = 16
# Output the port holds while nobody reads the serial port, as a board's USB buffer would.
MAX_PENDING = 1 << 16


class EmulatorError(Exception):
    """The virtual device cannot start; str() says why and what to do."""


def find_micropython(start: Path | None = None) -> Path:
    """The MicroPython WebAssembly port: $BACKBEAT_MICROPYTHON, or node_modules found
    upwards from the current directory or from this package (a checkout), or the per-user
    cache, where it is installed with npm on first use (emulator/wasmport.py)."""
    from backbeat.emulator.wasmport import PortMissing, cache_dir
    from backbeat.emulator.wasmport import install as install_port

    env = os.environ.get("BACKBEAT_MICROPYTHON")
    if env:
        if not Path(env).is_file():
            raise EmulatorError(f"BACKBEAT_MICROPYTHON names {env}, which is not a file "
                                "(hint: point it at the port's micropython.mjs)")
        return Path(env)
    found = _node_module(MICROPYTHON_MJS, start)
    if found is not None:
        return found
    cached = cache_dir() / MICROPYTHON_MJS
    if cached.is_file():
        return cached
    try:
        return install_port(MICROPYTHON_MJS)
    except PortMissing as e:
        raise EmulatorError(str(e)) from None


def _node_module(rel: Path, start: Path | None = None) -> Path | None:
    """rel in node_modules found upwards from start (the current directory) or from
    this package."""
    for base in (start or Path.cwd(), Path(__file__).resolve()):
        for d in (base, *base.parents):
            p = d / rel
            if p.is_file():
                return p
    return None


def find_rp2040js(start: Path | None = None) -> Path:
    """The RP2040 emulator's package folder (rp2040js, pinned in package.json): in
    node_modules as for the port, or in the per-user cache, which gets it with the port."""
    from backbeat.emulator.wasmport import cache_dir

    found = _node_module(RP2040JS, start)
    if found is None and (cache_dir() / RP2040JS).is_file():
        found = cache_dir() / RP2040JS
    if found is None:
        raise EmulatorError("the RP2040 emulator rp2040js is not installed "
                            "(hint: run `npm ci` in the backbeat checkout)")
    return found.parent


@dataclass(frozen=True)
class Rp2040Board:
    """The real rp2 port on an emulated RP2040: MicroPython's UF2 for the Pico and the
    chip's boot ROM (rp2040js does not ship one)."""

    uf2: Path
    bootrom: Path

    def check(self) -> None:
        for what, p, hint in (("--uf2", self.uf2, "MicroPython's RPI_PICO firmware .uf2"),
                              ("--bootrom", self.bootrom, "the RP2040 B1 boot ROM, 16 KB")):
            if not p.is_file():
                raise EmulatorError(f"{what} {p}: no such file (hint: name {hint})")
        if self.bootrom.stat().st_size != 16384:
            raise EmulatorError(f"--bootrom {self.bootrom}: {self.bootrom.stat().st_size} "
                                "bytes, not a boot ROM (hint: the RP2040's is 16384 bytes)")


def unique_id_for(flash_dir: Path) -> str:
    """A stable 8-byte board id per flash directory, as a Pico's flash chip has one."""
    return hashlib.sha256(str(flash_dir.resolve()).encode()).hexdigest()[:16]


@dataclass
class DeviceState:
    """What the host knows of the device: the latest frame, tone, pins and boots."""

    frame: Frame | None = None
    tone_hz: int = 0
    last_tone_hz: int = 0
    last_tone_ms: float = 0.0
    pins: dict[int, int] = field(default_factory=dict)
    sleeping: bool = False
    boots: int = 0
    last_boot: str = ""
    glyphs: dict[bytes, str] = field(default_factory=dict)
    device_ms: float = 0.0
    clock_ms: float = 0.0  # the board's clock at its last answer to clock_ms()
    clock_waited: float = 0.0  # device ms run by the last run_device()
    clock_answers: int = 0


class VirtualDevice:
    """One virtual Pico: start() gives its port; step() runs it for a while."""

    def __init__(self, flash_dir: Path, speed: float = 1.0, node: str | None = None,
                 board: Rp2040Board | None = None, rtc: bool = True):
        """board: None for the WebAssembly port, or the real rp2 port's files; rtc: fit the
        clock chip (the WebAssembly board only)."""
        self.flash_dir = Path(flash_dir)
        self.board = board
        self.speed = speed
        self._stepping = threading.RLock()
        self.rtc = rtc  # a battery-backed clock chip on the I2C bus (vm/ds3231.mjs)
        self.node = node or shutil.which("node") or "node"
        self.state = DeviceState()
        self.on_frame: Callable[[Frame], None] | None = None
        self.on_event: Callable[[dict], None] | None = None
        self.port = ""
        self._proc: subprocess.Popen | None = None
        self._sel = selectors.DefaultSelector()
        self._master = -1
        self._slave = -1
        self._to_port = bytearray()
        self._from_node = bytearray()
        self._dead = False
        # The board's serial receive buffer ("A" from device.mjs; None: unbounded), the
        # bytes sent into it and the bytes its firmware has taken, counted mod 2**32.
        self._rx_size: int | None = None
        self._rx_sent = 0
        self._rx_taken = 0

    # ------------------------------------------------------------ life

    def start(self) -> str:
        mp = find_micropython()
        if self.board is not None:
            self.board.check()
            script = ["rp2040.mjs", "--rp2040js", str(find_rp2040js()), "--uf2",
                      str(self.board.uf2), "--bootrom", str(self.board.bootrom)]
        else:
            script = ["device.mjs", *([] if self.rtc else ["--no-rtc"])]
        if shutil.which(self.node) is None and not Path(self.node).is_file():
            raise EmulatorError("node is not installed (hint: install Node.js 20 or newer)")
        try:
            self.flash_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise EmulatorError(f"{self.flash_dir}: cannot keep the flash there: "
                                f"{e.strerror or e} (hint: --flash names a folder you may "
                                "write to)") from None
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        os.set_blocking(self._master, False)
        self._proc = subprocess.Popen(
            [self.node, str(VM_DIR / script[0]), *script[1:], "--mp", str(mp), "--flash",
             str(self.flash_dir), "--speed", repr(float(self.speed)),
             "--unique-id", unique_id_for(self.flash_dir)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )
        assert self._proc.stdout is not None
        os.set_blocking(self._proc.stdout.fileno(), False)
        self._sel.register(self._master, selectors.EVENT_READ, "port")
        self._sel.register(self._proc.stdout.fileno(), selectors.EVENT_READ, "node")
        return self.port

    @property
    def alive(self) -> bool:
        return self._proc is not None and not self._dead and self._proc.poll() is None

    def close(self) -> None:
        if self._proc is not None:
            try:
                if self._proc.stdin:
                    self._proc.stdin.close()
            except OSError:
                pass
            try:
                self._proc.wait(3)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._proc.stdout:
                self._proc.stdout.close()
            self._proc = None
        self._sel.close()
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1

    # ------------------------------------------------------------ commands

    def _send(self, kind: bytes, payload: bytes) -> None:
        if self._proc is None or self._proc.stdin is None or self._dead:
            return
        try:
            self._proc.stdin.write(kind + struct.pack("<I", len(payload)) + payload)
            self._proc.stdin.flush()
        except BrokenPipeError:
            self._dead = True

    def press(self, kind: str = "short") -> None:
        """A gesture on the button: short, long, double, hold or release."""
        code = {"short": b"p", "long": b"l", "double": b"d", "hold": b"h", "release": b"u"}
        self._send(b"C", code[kind])

    def power_cycle(self) -> None:
        self._send(b"P", b"")

    def cut_power_after(self, operations: int) -> None:
        """rp2040 board: cut the power halfway through the flash erase or program that
        comes after this many more (0: the next one); it boots again from the flash."""
        self._send(b"K", struct.pack("<I", operations))

    # ------------------------------------------------------------ running

    def _rx_room(self) -> int:
        # Bytes the device can still receive: the pty is read no further than that, so a
        # host that sends faster than the firmware reads waits, as a USB host does.
        if self._rx_size is None:
            return 65536
        return max(0, self._rx_size - ((self._rx_sent - self._rx_taken) & 0xFFFFFFFF))

    def step(self, timeout: float) -> None:
        """Move bytes for up to timeout seconds (returns sooner when something happened).
        Threads may share a device: one steps at a time."""
        with self._stepping:
            self._step(timeout)

    def _step(self, timeout: float) -> None:
        want = selectors.EVENT_READ if self._rx_room() else 0
        if self._to_port:
            want |= selectors.EVENT_WRITE
        if want:
            self._sel.modify(self._master, want, "port")
        else:
            self._sel.unregister(self._master)
        for key, events in self._sel.select(timeout):
            if key.data == "port":
                if events & selectors.EVENT_READ:
                    self._read_port()
                if events & selectors.EVENT_WRITE:
                    self._write_port()
            else:
                self._read_node()
        if not want:
            self._sel.register(self._master, selectors.EVENT_READ, "port")

    def _read_port(self) -> None:
        room = self._rx_room()
        if not room:
            return
        try:
            data = os.read(self._master, room)
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EIO):
                return
            raise
        if data:
            self._rx_sent = (self._rx_sent + len(data)) & 0xFFFFFFFF
            self._send(b"S", data)

    def _write_port(self) -> None:
        try:
            n = os.write(self._master, self._to_port)
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EIO):
                return
            raise
        del self._to_port[:n]

    def _read_node(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        try:
            data = os.read(self._proc.stdout.fileno(), 1 << 20)
        except BlockingIOError:
            return
        if not data:
            self._dead = True
            self._sel.unregister(self._proc.stdout.fileno())
            return
        buf = self._from_node
        buf += data
        while len(buf) >= 5:
            (n,) = struct.unpack_from("<I", buf, 1)
            if len(buf) < 5 + n:
                break
            kind = buf[0:1]
            payload = bytes(buf[5:5 + n])
            del buf[:5 + n]
            self._message(kind, payload)

    def _message(self, kind: bytes, payload: bytes) -> None:
        st = self.state
        if kind == b"S":
            self._to_port += payload
            if len(self._to_port) > MAX_PENDING:
                del self._to_port[:len(self._to_port) - MAX_PENDING]
            self._write_port()
        elif kind == b"F":
            lit, contrast = payload[0], payload[1]
            (at,) = struct.unpack_from("<d", payload, 2)
            st.frame = Frame(bytes(payload[10:]), bool(lit), contrast)
            st.device_ms = max(st.device_ms, at)
            if self.on_frame:
                self.on_frame(st.frame)
        elif kind == b"E":
            ev = json.loads(payload)
            st.device_ms = max(st.device_ms, ev.get("at", 0.0))
            if ev["kind"] == "pwm" and ev["pin"] == BUZZER_PIN:
                st.tone_hz = ev["freq"] if ev["duty"] else 0
                if st.tone_hz:
                    st.last_tone_hz, st.last_tone_ms = st.tone_hz, ev["at"]
            elif ev["kind"] == "pin":
                st.pins[ev["pin"]] = ev["value"]
            elif ev["kind"] == "sleep":
                st.sleeping = ev["on"]
            if self.on_event:
                self.on_event(ev)
        elif kind == b"G":
            for i, h in enumerate(payload.decode().split()):
                g = bytes.fromhex(h)
                if any(g):
                    st.glyphs.setdefault(g, chr(32 + i))
        elif kind == b"T":
            st.clock_ms, st.clock_waited = struct.unpack("<dd", payload)
            st.clock_answers += 1
        elif kind == b"A":
            self._rx_size, self._rx_taken = struct.unpack("<II", payload)
        elif kind == b"B":
            st.boots += 1
            st.last_boot = json.loads(payload)["mode"]
            st.tone_hz = 0
            st.sleeping = False
            if self.on_event:
                self.on_event({"kind": "boot", "mode": st.last_boot})

    def clock_ms(self) -> float:
        """The device's clock now, in ms since it booted, as the board counts it."""
        return self._clock(b"T", b"")

    def run_device(self, seconds: float) -> float:
        """Run until this many seconds have passed on the device's own clock (on the
        rp2040 board emulated time, which falls behind `speed` while the CPU is busy).
        The board times it: returns the device ms it ran, counted by the board."""
        self._clock(b"W", struct.pack("<d", seconds * 1000))
        return self.state.clock_waited

    def _clock(self, kind: bytes, payload: bytes) -> float:
        answers = self.state.clock_answers
        self._send(kind, payload)
        while self.alive and self.state.clock_answers == answers:
            self.step(0.05)
        return self.state.clock_ms

    def run_for(self, seconds: float) -> None:
        """Run the bridge for this many wall seconds."""
        end = time.monotonic() + seconds
        while self.alive:
            left = end - time.monotonic()
            if left <= 0:
                return
            self.step(min(left, 0.05))
