"""Finding devices: Picos on USB (by vendor id) and running virtual devices.

A virtual device advertises itself with a small JSON file in the runtime directory
(advertise() writes it, withdraw() removes it); stale files, whose process or port
is gone, are ignored.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from backbeat.device.serialport import pico_ports


@dataclass(frozen=True)
class Found:
    port: str
    kind: str  # "pico" or "virtual"
    serial_number: str


class NoDevice(Exception):
    """No device, or several when one is needed; str() says what to do."""


def runtime_dir() -> Path:
    """$XDG_RUNTIME_DIR/backbeat, or backbeat-UID in the temporary directory."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    if base:
        return Path(base) / "backbeat"
    return Path(tempfile.gettempdir()) / f"backbeat-{os.getuid()}"


def advertise(port: str, flash_dir: str, pid: int | None = None) -> Path:
    """Announce a virtual device on `port`; returns the file to withdraw() at exit."""
    pid = os.getpid() if pid is None else pid
    d = runtime_dir()
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"virtual-{pid}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"port": port, "pid": pid, "flash": flash_dir}))
    tmp.replace(path)
    return path


def withdraw(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def virtual_devices() -> list[Found]:
    out = []
    d = runtime_dir()
    if not d.is_dir():
        return out
    for f in sorted(d.glob("virtual-*.json")):
        try:
            info = json.loads(f.read_text())
            port, pid = str(info["port"]), int(info["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if _alive(pid) and os.path.exists(port):
            out.append(Found(port, "virtual", f"virtual-{pid}"))
    return out


def find_devices() -> list[Found]:
    """Every Pico on USB, then every running virtual device."""
    found = [Found(p.path, "pico", p.serial_number) for p in pico_ports()]
    return found + virtual_devices()


def resolve_port(port: str) -> str:
    """`port` itself, or for "auto" the one device found (an error when none or several)."""
    if port != "auto":
        return port
    found = find_devices()
    if not found:
        raise NoDevice("no device found: plug in a Pico with MicroPython, or start a virtual one "
                       "with `backbeat emulate` (hint: --port names a port)")
    if len(found) > 1:
        names = ", ".join(f.port for f in found)
        raise NoDevice(f"{len(found)} devices found ({names}): say which with --port")
    return found[0].port
