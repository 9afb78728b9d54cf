"""A serial proxy for fault injection: a new pseudo-terminal for the host, forwarding to a
device's port while it drops, corrupts, duplicates and delays bytes, or cuts the link."""

from __future__ import annotations

import os
import random
import select
import threading
import time
import tty
from dataclasses import dataclass


@dataclass
class Faults:
    """Chances per byte (0 to 1) and the longest delay before forwarding a chunk."""

    drop: float = 0.0
    corrupt: float = 0.0
    duplicate: float = 0.0
    delay_s: float = 0.0


class SerialProxy:
    """Host side: `path` (open it like any port). Device side: the port at device_path."""

    def __init__(self, device_path: str, faults: Faults, seed: int) -> None:
        self.faults = faults
        self.rng = random.Random(seed)
        self.dev = os.open(device_path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.dev)
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.injected = {"drop": 0, "corrupt": 0, "duplicate": 0}
        self.host_bytes = 0  # bytes from the host forwarded so far
        self.cut_after_host_bytes: int | None = None  # pull the cable there
        self.stray: tuple[int, bytes] | None = None  # (after so many host bytes, these bytes)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _mangle(self, data: bytes) -> bytes:
        f = self.faults
        out = bytearray()
        for b in data:
            r = self.rng.random()
            if r < f.drop:
                self.injected["drop"] += 1
                continue
            if r < f.drop + f.corrupt:
                self.injected["corrupt"] += 1
                b ^= 1 << self.rng.randrange(8)
            out.append(b)
            if self.rng.random() < f.duplicate:
                self.injected["duplicate"] += 1
                out.append(b)
        return bytes(out)

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master, self.dev], [], [], 0.02)
            for fd in ready:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    continue
                if self.faults.delay_s:
                    time.sleep(self.rng.random() * self.faults.delay_s)
                if fd == self.master and self.stray is not None:
                    at, extra = self.stray
                    if self.host_bytes + len(data) >= at:
                        k = max(0, at - self.host_bytes)
                        data = data[:k] + extra + data[k:]
                        self.host_bytes -= len(extra)
                        self.stray = None
                if fd == self.master:
                    limit = self.cut_after_host_bytes
                    if limit is not None and self.host_bytes + len(data) >= limit:
                        data = data[: max(0, limit - self.host_bytes)]
                        os.write(self.dev, self._mangle(data))
                        self._pull()
                        return
                    self.host_bytes += len(data)
                data = self._mangle(data)
                to = self.dev if fd == self.master else self.master
                try:
                    os.write(to, data)
                except OSError:
                    pass

    def _pull(self) -> None:
        self._stop.set()
        os.close(self.master)
        os.close(self.dev)

    def cut(self) -> None:
        """The cable is pulled: the host's port goes away."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join(2)
        os.close(self.master)
        os.close(self.dev)

    def close(self) -> None:
        self.cut()
        if self.slave >= 0:
            os.close(self.slave)
            self.slave = -1
