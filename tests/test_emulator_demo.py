"""The virtual device demo of `make demo`: flash, a session with the screen shown, two more,
sync (which sends the routine back at the levels earned), plan, report."""

from __future__ import annotations

import io
import re

from backbeat.codec.bbr import decode
from backbeat.emulator.demo import demo_session
from backbeat.resources import library_dir


def test_the_demo_flashes_runs_and_syncs_a_session(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out = io.StringIO()
    demo_session(library_dir() / "strength-four.yaml", 20.0, tmp_path, out)
    text = out.getvalue()
    for title in ("menu: Four strength / moves", "session started (long press)",
                  "paused (short press)", "segment skipped (double press)", "done"):
        # In 80 columns the pictures are in braille, 66 wide.
        assert "\n" + title + "\n\u250c" + "\u2500" * 64 + "\u2510\n" in text
    assert re.search(r"flashed /dev/pts/\d+: firmware \w+, 1 routine on the device$", text, re.MULTILINE)
    # The device's own menu: done for today, and the routine marked at its new level.
    assert re.search(r"^menu after the sync: done today 1/1 / time \d+:\d\d L1\n\u250c", text,
                     re.MULTILINE)
    assert "session 2 done, straight through\nsession 3 done, straight through\n" in text
    assert re.search(r"synced /dev/pts/\d+ \(device [0-9a-f]{16}\): 3 new sessions", text)
    # Three clean sessions at level 0 earn level 1 for every exercise with a progression that
    # the first session did not skip, and the routine goes back to the device at it.
    day = r"\w{3} \d+"
    sent = re.search(r"^sent strength-four to /dev/pts/\d+:\n((?:  .*\n)+)", text, re.MULTILINE)
    assert sent is not None
    changes = sent.group(1).splitlines()
    assert len(changes) >= 2
    for change in changes:
        assert re.fullmatch(r"  (Superman|Sit-ups|Press-ups): level 0 -> 1, 3 clean sessions on "
                            + day, change)
    if "Superman: level 0 -> 1" in sent.group(1):  # and plan says why
        assert re.search(r"^  Superman: level 1 of 5, hold 20s; 0 of 3 clean towards 2\n"
                         r"    3 clean sessions on " + day + "$", text, re.MULTILINE)
    flashed = decode((tmp_path / "flash" / "routines" / "strength-four.bbr").read_bytes())
    levels = {s["exercise"]: s["level"] for s in flashed["segments"] if s["exercise"]}
    assert levels["Squat"] == 0
    assert sorted(e for e, n in levels.items() if n == 1) == \
        sorted(c.split(":")[0].strip() for c in changes)
    # The session is named (the flash kept the routine in the demo's database), dated (the
    # virtual device's clock chip), and lists each exercise with its level (the double
    # press skips the squat or the rest after it, as the timing falls).
    assert re.search(r"^\w{3} \d+ \w{3} \d{4} \d\d:\d\d  Four strength moves\n"
                     r"  completed in \d+ min( \d+ s)?, paused \d+ s\n"
                     r"  Squat  level 0  \d+ (s|min)(  not done)?  paused \d+ s\n"
                     r"  Superman  level 0  10 s\n"
                     r"  Sit-ups  level 0  5 counted\n"
                     r"  Press-ups  level 0  5 counted\n", text, re.MULTILINE)
    assert (tmp_path / "flash" / "main.py").is_file()
    assert (tmp_path / "backbeat.db").is_file()
    # It ends with the report, and the HTML report where it says.
    assert re.search(r"^3 sessions, 3 completed$", text, re.MULTILINE)
    assert re.search(r"^strength-four +daily +", text, re.MULTILINE)
    assert text.endswith(f"wrote {tmp_path / 'report.html'}\n")
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")
