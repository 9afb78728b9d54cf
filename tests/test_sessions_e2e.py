"""End to end on the virtual device: two routines run with pain answers 0, 3 and 8 (one with
both sides and an open hold), a power cycle between them, a new version of one routine
flashed before the sync; then every stored segment is named, every session dated (exactly
with the clock chip, by bounds without it) and its pain kept."""

from __future__ import annotations

import json
import queue
import shutil
import time
from pathlib import Path

import pytest
from backbeat.cli import main
from backbeat.store import Store
from click.testing import CliRunner
from emulatorrig import Emulator

E2E = Path(__file__).resolve().parent / "data" / "e2e"

# Each run starts from the menu ("ROUTINE", a screen the summary before it does not show)
# and ends on the summary.
RUN_SIDES = ("until ROUTINE", "long", "until PAIN", "long",  # pain 0 at once
             "until Plank", "wait 4s", "press",  # the open hold, ended by a press
             "until PAIN", "press", "press", "press", "until ok", "long",  # pain 3
             "until DONE")
RUN_EASY = ("until ROUTINE", "press", "until Quick hug", "long", "until PAIN",
            *["press"] * 8, "until too much", "long",  # pain 8
            "until DONE")


def _run(emu: Emulator, commands: tuple[str, ...]) -> tuple[float, float]:
    """Send the commands; wait until the session is over; (real time before, after)."""
    before = time.time()
    for line in commands:
        emu.command(line)
    seen = [""]
    try:
        while "DONE" not in seen[-1]:
            seen.append(emu.line())
    except queue.Empty:
        raise AssertionError(f"the session did not end: {seen}, {emu.errors}") from None
    assert emu.errors == [], (emu.errors, seen)
    return before, time.time()


def _scenario(tmp_path: Path, rtc: bool) -> tuple[list[dict], str, list[tuple[float, float]]]:
    flash = tmp_path / "flash"
    flash.mkdir()
    runner = CliRunner()
    # 5x: a press lasts 30 ms of real time, long enough to be seen on a loaded machine.
    emu = Emulator(flash, speed=5, rtc=rtc)
    try:
        r = runner.invoke(main, ["flash", "--port", emu.port, "--db", str(tmp_path / "a.db"),
                                 str(E2E / "a-sides.yaml"), str(E2E / "b-easy.yaml")])
        assert r.exit_code == 0, r.output
        times = [_run(emu, RUN_SIDES)]
        emu.command("reset")  # a power cycle: without the chip the device forgets the time
        times.append(_run(emu, RUN_EASY))
        # A new version of the first routine replaces it on the device before any sync.
        newer = tmp_path / "newer"
        newer.mkdir()
        text = (E2E / "a-sides.yaml").read_text().replace("hold: 2s", "hold: 3s")
        (newer / "a-sides.yaml").write_text(text)
        shutil.copy(E2E / "b-easy.yaml", newer / "b-easy.yaml")
        r = runner.invoke(main, ["flash", "--port", emu.port, "--db", str(tmp_path / "a.db"),
                                 str(newer / "a-sides.yaml"), str(newer / "b-easy.yaml")])
        assert r.exit_code == 0, r.output
        # Each flash kept what it sent: both versions of the first routine, the second once.
        with Store(tmp_path / "a.db") as kept:
            assert sorted((r.routine_id, r.origin, r.source is not None)
                          for r in kept.routines()) == [
                ("a-sides", "flashed", True), ("a-sides", "flashed", True),
                ("b-easy", "flashed", True)]
        # Synced into a database that never saw the routines: they come from the device,
        # the replaced one from what it kept.
        db = str(tmp_path / "sync.db")
        r = runner.invoke(main, ["sync", "--port", emu.port, "--db", db])
        assert r.exit_code == 0, r.output
        assert ": 2 new sessions (" in r.stdout
        fetched = r.stdout.splitlines()[2]  # (after the sync and acknowledgement lines)
        assert fetched.startswith("fetched from the device: ") and r.stderr == ""
        assert sorted(f.split(" ")[0] for f in fetched.split(": ")[1].split(", ")) == [
            "a-sides", "b-easy"]
    finally:
        emu.stop()
    found = json.loads(runner.invoke(main, ["sessions", "--db", db, "--json"]).output)
    text = runner.invoke(main, ["sessions", "--db", db]).output
    return found, text, times


def _check_named_with_pain(found: list[dict], text: str) -> None:
    sides, easy = found
    assert [(s["routine_id"], s["routine_name"], s["routine_found"], s["ending"])
            for s in found] == [("a-sides", "Side and hold", True, "completed"),
                                ("b-easy", "Quick hug", True, "completed")]
    assert all(g["exercise"] for s in found for g in s["segments"])
    assert [(g["exercise"], g["side"], g["rep"]) for g in sides["segments"] if g["work"]] == [
        ("Side bend", "left", 1), ("Side bend", "right", 1), ("Plank", None, 1)]
    assert [(g["exercise"], g["rep"]) for g in easy["segments"] if g["work"]] == [("Knee hug", 1)]
    assert [(g["exercise"], g["pain"]) for s in found for g in s["segments"]
            if g["pain_answer"]] == [("Side bend", 0), ("Plank", 3), ("Knee hug", 8)]
    # The replaced version ran: two 2 s holds a side, and the open hold past its 2 s target.
    holds = [g for g in sides["segments"] if g["work"]]
    assert [g["planned_ms"] for g in holds] == [2000, 2000, 2000]
    assert holds[2]["kind"] == "hold_open" and holds[2]["achieved_ms"] >= 2000
    assert "  Side bend  level 0  left 2 s, right 2 s  pain 0\n" in text
    assert "  Knee hug  level 0  2 s  pain 8\n" in text
    assert "  Plank  level 0  held " in text and "(target 2 s)  pain 3\n" in text


def test_without_a_clock__named_sessions_bounded_around_the_real_time(tmp_path):
    found, text, times = _scenario(tmp_path, rtc=False)
    _check_named_with_pain(found, text)
    for s, (before, after) in zip(found, times, strict=True):
        assert s["dated"] == "bounded" and s["start_s"] is None
        assert s["earliest_s"] <= before and s["latest_s"] >= after - 1
    assert "(the device had no clock)" in text


def test_with_the_clock_chip__exact_dates(tmp_path):
    found, text, times = _scenario(tmp_path, rtc=True)
    _check_named_with_pain(found, text)
    for s, (before, after) in zip(found, times, strict=True):
        assert s["dated"] == "exact"
        assert before - 1 <= s["start_s"] <= after + 1
    assert "no clock" not in text


@pytest.fixture(autouse=True)
def _runtime_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
