"""Serial ports: finding Picos by USB id, opening a port for the link, the errors of talking
to a device, and MicroPython's REPL control bytes (pyserial lives here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import serial
from serial.tools import list_ports

RASPBERRY_PI_VID = 0x2E8A

# What pyserial raises when a port vanishes under it: its own errors, OSError, and on POSIX
# termios.error from tcdrain (seen when a pseudo-terminal's other end closes mid-write).
try:
    import termios

    _GONE: tuple[type[BaseException], ...] = (serial.SerialException, OSError, TypeError,
                                              termios.error)
except ImportError:  # Windows
    _GONE = (serial.SerialException, OSError, TypeError)


@dataclass(frozen=True)
class UsbPort:
    path: str
    serial_number: str
    description: str


def pico_ports() -> list[UsbPort]:
    """Every serial port whose USB vendor id is Raspberry Pi's (a Pico running MicroPython)."""
    out = []
    for info in list_ports.comports():
        if info.vid == RASPBERRY_PI_VID:
            out.append(UsbPort(info.device, info.serial_number or "", info.description or ""))
    out.sort(key=lambda p: p.path)
    return out


class Port(Protocol):
    """What the link client talks through: SerialPort, or a test's stand-in."""

    name: str

    def write(self, data: bytes) -> None: ...

    def read_some(self, wait_s: float) -> bytes: ...


class LinkError(Exception):
    """Something went wrong talking to a device; str() is a sentence for people."""


class PortError(LinkError):
    """The port could not be opened or went away."""


def port_url(path: str) -> str:
    """What pyserial opens for a --port value: a device path, or a URL such as
    rfc2217://localhost:4000 (Wokwi), written bare or as mpremote writes it (port:URL)."""
    return path[len("port:"):] if path.startswith("port:") else path


class SerialPort:
    """An open serial port with the read_some/write the link client uses."""

    def __init__(self, path: str, exclusive: bool = True, opened: serial.Serial | None = None) \
            -> None:
        """Open `path`, or take over `opened`, a port that is already open under that name
        (mpremote's, so a flash opens the port once)."""
        self.name = path
        if opened is not None:
            self._s = opened
            return
        try:
            self._s = serial.serial_for_url(port_url(path), 115200, timeout=0.05,
                                            write_timeout=5, exclusive=exclusive)
        except serial.SerialException as e:
            text = str(e)
            if "lock" in text.lower() or "busy" in text.lower() or "Errno 16" in text:
                raise PortError(f"{path} is held by another program (mpremote, Thonny, screen?): "
                                "close it and try again") from None
            if "No such file" in text or "Errno 2" in text:
                raise PortError(f"there is no port {path} (is the device plugged in?)") from None
            raise PortError(f"cannot open {path}: {text}") from None

    def write(self, data: bytes) -> None:
        try:
            self._s.write(data)
            self._s.flush()
        except _GONE as e:
            raise PortError(f"{self.name} went away while writing ({e}): "
                            "nothing was lost, run the command again") from None

    def read_some(self, wait_s: float) -> bytes:
        try:
            self._s.timeout = max(wait_s, 0.001)
            first = self._s.read(1)
            if not first:
                return b""
            waiting = self._s.in_waiting
            return first + (self._s.read(waiting) if waiting else b"")
        except _GONE as e:
            raise PortError(f"{self.name} went away while reading ({e}): "
                            "nothing was lost, run the command again") from None

    def hand_back(self) -> None:
        """Leave a port taken over from mpremote as it opened it (reads that wait); a port
        gone meanwhile is left for mpremote's next read to report."""
        try:
            self._s.timeout = None
        except _GONE:
            pass

    def close(self) -> None:
        try:
            self._s.close()
        except _GONE:
            pass

    def __enter__(self) -> SerialPort:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def restart_app(port: Port) -> None:
    """Start the app again from wherever MicroPython is: interrupt what runs (a clear line,
    Ctrl-C twice), leave the raw REPL (Ctrl-B), soft-reset (Ctrl-D) so main.py runs. The
    only place backbeat writes REPL control bytes; mpremote writes its own."""
    port.write(b"\r\x03\x03")
    port.read_some(0.2)
    port.write(b"\x02")
    port.read_some(0.2)
    port.write(b"\x04")
