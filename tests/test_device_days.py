"""The device's days on the virtual device (the firmware as `backbeat flash` installs it,
its clock chip keeping real time at any --speed): the next-morning question after a day
with a completed session, answered with one button and logged, asked once a day; and a
reminder at a routine's `at` time waking the sleeping device, once."""

from __future__ import annotations

import time
from pathlib import Path

from backbeat.codec.logrec import read_log
from backbeat.compiling import compile_files
from backbeat.device import flasher as F
from backbeat.emulator.console import screen_text
from backbeat.emulator.device import BUZZER_PIN, MOTOR_PIN, VirtualDevice
from emulatorrig import TIMEOUT
from linkrig import logbook as fw_logbook

ROOT = Path(__file__).resolve().parent.parent
DAY_S = 86400


def _flash(tmp_path: Path, yaml: str) -> Path:
    src = tmp_path / "walk.yaml"
    src.write_text(yaml)
    compiled, errors = compile_files([src])
    assert not errors
    flash = tmp_path / "flash"
    for path, data in F.image(F.firmware_files(ROOT / "firmware"),
                              {"walk": compiled[0].data}).items():
        target = flash / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return flash


class Device:
    """A virtual device run in this process, its events kept in order."""

    def __init__(self, flash: Path, speed: float):
        self.dev = VirtualDevice(flash, speed)
        self.events: list[dict] = []
        self.dev.on_event = self.events.append
        self.dev.start()

    def until(self, text: str, picked: int = -1) -> list[str]:
        """Run until `text` is on the lit screen (and with picked, the morning question's
        answer `picked` is the one shown inverted); that screen."""
        end = time.monotonic() + TIMEOUT
        while self.dev.alive and time.monotonic() < end:
            frame = self.dev.state.frame
            lines = screen_text(self.dev)
            if (frame is not None and frame.lit and text in "\n".join(lines)
                    and (picked < 0 or [frame.pixel(0, 22 + 10 * i) for i in range(3)]
                         == [int(i == picked) for i in range(3)])):
                return lines
            self.dev.step(0.02)
        raise AssertionError(f"{text!r} never shown; last screen {screen_text(self.dev)}")

    def until_event(self, kind: str, on: bool) -> float:
        """Run until a sleep event (on: asleep) comes; its device ms."""
        end = time.monotonic() + TIMEOUT
        seen = len(self.events)
        while self.dev.alive and time.monotonic() < end:
            for ev in self.events[seen:]:
                if ev["kind"] == kind and ev["on"] == on:
                    return ev["at"]
            seen = len(self.events)
            self.dev.step(0.02)
        raise AssertionError(f"no {kind} event on={on}")

    def close(self) -> None:
        self.dev.close()


def test_the_morning_after_a_session_asks_once_and_logs_the_answer(tmp_path):
    flash = _flash(tmp_path, "name: Walk\ndue: twice a day\nsteps:\n"
                             "  - exercise: Walk\n    hold: 5s\n    prepare: 0s\n")
    # Yesterday noon (UTC, the device's local time until a host says its offset): a
    # session of it completed, written by the firmware's own logbook.
    now = int(time.time())
    yesterday = (now // DAY_S - 1) * DAY_S + 43200
    lb = fw_logbook.Logbook(root=str(flash / "logs"))
    lb.set_clock(yesterday, 0)
    lb.begin_session("walk", 1, 0, 1, 5000, 1000)
    lb.end_session(1, 1, 0, 5000, 0, 6000)
    dev = Device(flash, speed=10)
    try:
        assert dev.until("hold=go")[0] == "due 1 of 2  1/1"
        dev.dev.press("long")
        # "same" is the answer a hold picks at first (shown inverted).
        asked = dev.until("THIS MORNING", picked=1)
        assert asked == ["THIS MORNING", "your back is", "better", "same", "worse",
                         "1=next hold=pick"]
        dev.dev.press("short")
        dev.until("worse", picked=2)
        dev.dev.press("long")  # worse picked: the session starts
        assert dev.until("HOLD")[0] == "Walk"
        assert dev.until("1=ok")[0] == "DONE"
        dev.dev.press("short")
        assert dev.until("hold=go")[0] == "due 2 of 2  1/1"
        dev.dev.press("long")  # the second start of the day asks nothing
        assert dev.until("HOLD")[0] == "Walk"
        assert dev.until("1=ok")[0] == "DONE"
        dev.dev.press("short")
        assert dev.until("hold=go")[0] == "done today  1/1"
    finally:
        dev.close()
    logs = sorted((flash / "logs").glob("*.log"))
    records = read_log(logs[-1].read_bytes(), int(logs[-1].stem, 16)).records
    assert [r["type"] for r in records] == [
        "morning", "session_start", "segment", "session_end",
        "session_start", "segment", "session_end"]
    assert records[0]["answer"] == "worse"
    assert records[0]["wall_s"] // DAY_S == now // DAY_S
    assert [r["end"] for r in records if r["type"] == "session_end"] == ["completed"] * 2


def test_a_reminder_wakes_the_sleeping_device_once_with_a_buzz(tmp_path):
    # The reminder time is the whole minute 4 to 5 minutes from now: after the device has
    # gone to sleep (3 minutes idle), at 60 times real speed a few seconds from now.
    t0 = time.time()
    at = (int(t0) + 300) // 60 * 60
    hhmm = f"{at % DAY_S // 3600:02d}:{at % 3600 // 60:02d}"
    flash = _flash(tmp_path, f"name: Walk\ndue: daily\nat: [\"{hhmm}\"]\nsteps:\n"
                             "  - exercise: Walk\n    hold: 5s\n")
    dev = Device(flash, speed=60)
    try:
        dev.until("hold=go")
        # Device time then, and real time: when the device's clock reaches `at`. The host
        # sees the menu a moment after it is drawn (0.1 s later puts due_ms 6 s early).
        due_ms = dev.dev.state.device_ms + (at - time.time()) * 1000
        asleep = dev.until_event("sleep", True)
        woke = dev.until_event("sleep", False)
        assert asleep < woke
        assert due_ms - 2000 <= woke <= due_ms + 30000
        menu = dev.until("hold=go")
        assert menu[0] == "due 1 of 1  1/1" and "Walk" in menu
        # Left alone it sleeps again a minute later, and that reminder time is over.
        again = dev.until_event("sleep", True)
        assert 59000 <= again - woke <= 62000
        dev.dev.run_for(2.0)  # two more minutes asleep
        assert dev.dev.state.sleeping
    finally:
        dev.close()
    cue = [(ev["pin"], ev.get("value", ev.get("duty"))) for ev in dev.events
           if ev["kind"] in ("pin", "pwm") and ev["pin"] in (MOTOR_PIN, BUZZER_PIN)
           and woke <= ev["at"] <= again]
    # Two slow buzzes of the motor (vibration is fitted and on), no sound.
    assert [v for pin, v in cue if pin == MOTOR_PIN] == [1, 0, 1, 0]
    assert not any(v for pin, v in cue if pin == BUZZER_PIN)
    assert [ev for ev in dev.events if ev["kind"] == "pin" and ev["pin"] == MOTOR_PIN
            and ev["value"] and ev["at"] > again] == []
