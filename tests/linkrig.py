"""A device for host-side link tests: the firmware's app, logbook and link under CPython.

The firmware modules run unchanged on a fake board and an in-memory flash; the link
answers on the master side of a pseudo-terminal, from a thread, while the host opens
the slave side with the real serial layer.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import tty
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The firmware's world under CPython, as tests/firmware/conftest.py sets it up: the firmware
# and its test helpers importable, `micropython`, and MicroPython's time.ticks_* functions.
for _p in (ROOT / "tests" / "firmware", ROOT / "firmware", ROOT / "tests" / "firmware" / "cpython"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import mpcompat  # noqa: E402

mpcompat.install()

import app  # noqa: E402
import board  # noqa: E402
import fakes  # noqa: E402
import link  # noqa: E402
import logbook  # noqa: E402
import logread  # noqa: E402, F401 - the log reader, for tests that read records
import ssd1306  # noqa: E402
from bbrmake import build, seg  # noqa: E402
from memfs import MemFs  # noqa: E402

EASY = build([seg(1, 5000, flags=9, exercise="Cat"), seg(9, 2000)], name="Easy")
OTHER = build([seg(2, 6000, exercise="Wall sit", flags=11)], name="Other")


class Device:
    """The firmware's App with a Link, on a fake board and a MemFs."""

    def __init__(self, fs: MemFs | None = None) -> None:
        if fs is None:
            fs = MemFs()
            fs.dirs.append("/routines")
            fs.files["/routines/easy.bbr"] = bytearray(EASY)
        self.fs = fs
        self.machine = fakes.FakeMachine()
        self.board = board.open_board(self.machine, "Raspberry Pi Pico with RP2040")
        self.logbook = logbook.Logbook(fs)
        # Switched on a minute ago: the sessions the tests log at ticks 1000 came before now.
        self._booted = time.ticks_add(time.ticks_ms(), -60_000)  # type: ignore[attr-defined]
        self.app = app.App(self.board, ssd1306.Dark(), self.logbook, 0, fs=fs, ticks_ms=self.now_ms)
        self.lock = threading.Lock()

    def now_ms(self) -> int:
        """Milliseconds since this device was switched on, as a Pico's ticks_ms() counts from
        power-up (the host's monotonic clock counts from its own boot, maybe days before)."""
        return time.ticks_diff(time.ticks_ms(), self._booted)  # type: ignore[attr-defined]

    def session(self, segments: int = 2, name: str = "easy", crc: int = 0x1234ABCD) -> None:
        """A finished session of the routine whose CRC is crc in the log, as the app
        writes one."""
        lb = self.logbook
        lb.begin_session(name, crc, 0, segments, 7000, 1000)
        for i in range(segments):
            lb.add_segment(i, 2, 1, 255, 3000 * i, 3000 * i + 3000, 3000, 3000)
            lb.flush()
        lb.end_session(1, segments, 0, 3000 * segments, 0, 1000 + 3000 * segments)


class PtyDevice(Device):
    """A Device whose link answers on a pseudo-terminal; `path` is the port to open."""

    def __init__(self, fs: MemFs | None = None) -> None:
        super().__init__(fs)
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.inp = os.fdopen(self.master, "rb", buffering=0)
        self.out = os.fdopen(os.dup(self.master), "wb", buffering=0)
        self.link = link.Link(self.inp, self.out, self.inp)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def start(self) -> None:
        """The app runs again (after a soft reset): a new link answers."""
        self.link = link.Link(self.inp, self.out, self.inp)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def at_repl(self, banner: bytes) -> None:
        """The app stopped and MicroPython's REPL has the port: it prints `banner`, echoes
        what it is sent, and on Ctrl-D (a soft reset) starts the app again."""
        self.stop()
        self.out.write(banner)

        def repl() -> None:
            while True:
                try:
                    data = self.inp.read(256)
                except (OSError, ValueError):
                    return  # the rig closed its port
                if not data:
                    return
                if b"\x04" in data:
                    self.out.write(b"MPY: soft reboot\r\n")
                    self.start()
                    return
                # Ctrl-C and each line typed give a new prompt, as MicroPython's REPL does.
                self.out.write(data.replace(b"\x03", b"\r\n>>> ").replace(b"\n", b"\r\n>>> "))

        threading.Thread(target=repl, daemon=True).start()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self.lock:
                self.link.poll(self.now_ms(), self.app)
            time.sleep(0.001)

    def write_raw(self, data: bytes) -> None:
        """Bytes from the device that the link did not send (console output)."""
        with self.lock:
            self.out.write(data)

    def stop(self) -> None:
        """The link stops answering (the port stays open)."""
        self._stop.set()
        self._thread.join(2)

    def close(self) -> None:
        if self.out.closed:
            return
        self.stop()
        self.out.close()
        self.inp.close()
        os.close(self.slave)
