"""The real rp2 port on an emulated RP2040 (backbeat's rp2040 board) for tests: one
VirtualDevice run by a thread, its events kept with their emulated times, its screen read
from the SSD1306 model, and the CLI or mpremote on its serial port."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from backbeat.emulator.console import screen_text
from backbeat.emulator.device import Rp2040Board, VirtualDevice
from emulatorrig import MPREMOTE, ROOT, RP2_BOOTROM, RP2_UF2, rp2_missing

# Generous: two cores are shared by many test runs, and the emulated CPU runs at about
# half a real chip's speed.
TIMEOUT = 120.0


def need_rp2() -> None:
    why = rp2_missing()
    if why:
        pytest.skip(why)


class Rp2:
    """One emulated Pico; `with Rp2(flash_dir) as pico:` runs it until the block ends."""

    def __init__(self, flash: Path, speed: float = 20.0, wasm: bool = False):
        """wasm: the WebAssembly board instead, driven the same way (for comparisons)."""
        if not wasm:
            need_rp2()
        board = None if wasm else Rp2040Board(RP2_UF2, RP2_BOOTROM)
        self.dev = VirtualDevice(flash, speed, board=board)
        self.events: list[dict] = []
        self.dev.on_event = self._event
        self.port = self.dev.start()
        self._stop = False
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _event(self, e: dict) -> None:
        if e["kind"] == "boot":
            self.dev.state.frame = None  # the screen of before the boot is gone
            self.dev.state.device_ms = 0.0  # and the clock starts again
        self.events.append(e)

    def _pump(self) -> None:
        while not self._stop and self.dev.alive:
            self.dev.step(0.02)

    def close(self) -> None:
        self._stop = True
        self._thread.join(10)
        self.dev.close()

    def __enter__(self) -> Rp2:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ looking and pressing

    def frame_at(self, text: str, timeout: float = TIMEOUT) -> float:
        """The emulated ms of the first frame with text on it, from now on."""
        seen: list[float] = []

        def look(frame) -> None:  # type: ignore[no-untyped-def]
            if not seen and frame.lit and text in "\n".join(screen_text(self.dev)):
                seen.append(self.dev.state.device_ms)

        self.dev.on_frame = look
        end = time.monotonic() + timeout
        while not seen:
            assert time.monotonic() < end, f"{text!r} not seen"
            time.sleep(0.02)
        self.dev.on_frame = None
        return seen[0]

    def screen(self) -> list[str]:
        f = self.dev.state.frame
        return screen_text(self.dev) if f is not None and f.lit else []

    def until(self, text: str, timeout: float = TIMEOUT) -> list[str]:
        """Wait until text is on the screen; the screen that had it."""
        end = time.monotonic() + timeout
        while True:
            lines = self.screen()
            if text in "\n".join(lines):
                return lines
            assert self.dev.alive, "the emulator stopped"
            assert time.monotonic() < end, f"{text!r} not seen; the screen: {lines}"
            time.sleep(0.02)

    def wait_event(self, kind: str, after: int = 0, timeout: float = TIMEOUT) -> dict:
        """The first event of this kind from events[after:] on."""
        end = time.monotonic() + timeout
        while True:
            for e in self.events[after:]:
                if e["kind"] == kind:
                    return e
            assert time.monotonic() < end, f"no {kind} event"
            time.sleep(0.02)

    def power_cycle(self) -> dict:
        """Cut the power and restore it; returns the boot event (the screen of before the
        cycle is gone by then)."""
        boots = len(self.events)
        self.dev.power_cycle()
        return self.wait_event("boot", boots)

    def safe_mode(self) -> None:
        """Power-cycle into safe mode (the button held at power-up): the REPL is free."""
        self.press("hold")
        self.power_cycle()
        self.until("SAFE MODE")
        self.press("release")

    def press(self, kind: str = "short") -> None:
        self.dev.press(kind)

    def tones(self, since_ms: float = 0.0, after: int = 0) -> list[tuple[float, int]]:
        """(emulated ms, Hz) at each change of the buzzer's tone (0 Hz: silent), from the
        first tone after since_ms, among events[after:] (emulated time starts again at
        each boot)."""
        out: list[tuple[float, int]] = []
        for e in self.events[after:]:
            if e["kind"] == "pwm" and e["at"] >= since_ms:
                hz = e["freq"] if e["duty"] else 0
                if (out and out[-1][1] != hz) or (not out and hz):
                    out.append((e["at"], hz))
        return out

    def until_quiet(self, since_ms: float, timeout: float = TIMEOUT,
                    after: int = 0) -> list[tuple[float, int]]:
        """tones(since_ms, after) once the last tone has ended."""
        end = time.monotonic() + timeout
        while True:
            tones = self.tones(since_ms, after)
            if tones and tones[-1][1] == 0:
                return tones
            assert time.monotonic() < end, f"still sounding: {tones[-3:]}"
            time.sleep(0.02)

    # ------------------------------------------------------------ the serial port

    def mpremote(self, *args: str, timeout: float = TIMEOUT) -> str:
        r = subprocess.run([MPREMOTE, "connect", self.port, *args], capture_output=True,
                           text=True, timeout=timeout)
        assert r.returncode == 0, (r.stdout, r.stderr)
        return r.stdout


def backbeat(*args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    """The backbeat CLI as a user runs it."""
    return subprocess.run([str(Path(MPREMOTE).parent / "backbeat"), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def blank_pico(tmp: Path) -> Path:
    d = tmp / "pico"
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    return d
