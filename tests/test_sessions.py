"""What `backbeat sessions` says of a stored session: its attempts and its lines."""

from __future__ import annotations

from datetime import datetime

from backbeat.codec.bbr import encode
from backbeat.sessions import attempts, session_text, when
from backbeat.store import Store
from backbeat.timeline import Segment, Timeline
from test_store import BBR, CRC, end, segment, start

COUNTED = Timeline(name="Sit-ups", segments=(
    Segment("count", 0, 15000, exercise="Sit-ups", rep=1, reps=2, step=0, level=3,
            pace_ms=3000, flags=17),
    Segment("rest", 15000, 5000, exercise="Sit-ups", step=0, level=3),
    Segment("count", 20000, 15000, exercise="Sit-ups", rep=2, reps=2, step=0, level=3,
            pace_ms=3000, flags=19),
))


def local(unix_s: int) -> str:
    t = datetime.fromtimestamp(unix_s)
    return f"{t:%a} {t.day} {t:%b %Y %H:%M}"


def test_sides_side_by_side_open_hold_pain_and_level(tmp_path):
    with Store(tmp_path / "s.db") as db:
        db.archive(BBR, "side", "compiled", now_s=1)
        db.add_records("d", 0, [
            start(1, wall=1_800_000_000, crc=CRC, name="side", count=5),
            segment(2, 0, kind=1, version=2, pain=255),
            segment(3, 1, version=2, pain=255, start_ms=5000, end_ms=33000, achieved=28000),
            segment(4, 2, kind=10, version=2, pain=255),
            segment(5, 3, version=2, pain=3, start_ms=40000, end_ms=62000, achieved=22000),
            segment(6, 4, kind=3, version=2, pain=0, end_ms=41000, achieved=41000),
            end(7, done=5, elapsed=100_000, paused=6000, wall=1_800_000_100)])
        (s,) = db.sessions()
    side, plank = attempts(s)
    assert (side.exercise, side.level, side.completed, side.pain, side.side_ms) == (
        "Side plank", 2, True, 3, {"left": 28000, "right": 22000})
    assert (plank.exercise, plank.level, plank.pain, plank.open_holds) == (
        "Plank", 0, 0, [(41000, 5000)])
    assert session_text(s) == [
        f"{local(1_800_000_000)}  Side plank and more",
        "  completed in 1 min 40 s, paused 6 s",
        "  Side plank  level 2  left 28 s, right 22 s  pain 3",
        "  Plank  level 0  held 41 s (target 5 s)  pain 0"]


def test_counts_reps_a_skip_and_a_yes_no_answer(tmp_path):
    data = encode(COUNTED)
    with Store(tmp_path / "s.db") as db:
        crc = db.archive(data, "sit", "compiled", now_s=1)
        db.add_records("d", 0, [
            start(1, wall=1_800_000_000, crc=crc, name="sit", count=3),
            segment(2, 0, kind=8, start_ms=0, end_ms=15000, achieved=15000),
            segment(3, 1, kind=9, outcome=2, start_ms=15000, end_ms=16000, achieved=1000),
            segment(4, 2, kind=8, outcome=3, pain=3, start_ms=16000, end_ms=22000,
                    achieved=6000),
            end(5, how=2, done=1, skipped=1, elapsed=22_000)])
        (s,) = db.sessions()
    (a,) = attempts(s)
    assert (a.counted, a.reps, a.reps_done, a.reps_planned, a.completed, a.pain_yes_no) == (
        7, 2, 1, 2, False, None)
    assert session_text(s)[1:] == ["  stopped in 22 s",
                                   "  Sit-ups  level 3  7 counted  1 of 2 done"]


def test_when__bounded_sessions_say_between_or_before(tmp_path):
    with Store(tmp_path / "s.db") as db:
        first = db.begin_sync("d", 1_800_000_000)
        db.add_records("d", 0, [start(1, boot=1), end(2)], first)
        second = db.begin_sync("d", 1_800_100_000)
        db.add_records("d", 0, [start(3, boot=3), end(4)], second)
        a, b = db.sessions()
    assert when(a) == f"before {local(1_800_000_000)} (the device had no clock)"
    assert when(b) == (f"between {local(1_800_000_000)} and {local(1_800_100_000)} "
                       "(the device had no clock)")


def test_work_the_session_never_reached_leaves_the_attempt_not_completed(tmp_path):
    with Store(tmp_path / "s.db") as db:
        db.archive(BBR, "side", "compiled", now_s=1)
        # Stopped during the switch, after the left side: the right side never ran.
        db.add_records("d", 0, [
            start(1, wall=1_800_000_000, crc=CRC, name="side", count=5),
            segment(2, 0, kind=1, version=2, pain=255),
            segment(3, 1, version=2, pain=255, start_ms=5000, end_ms=25000, achieved=20000),
            segment(4, 2, kind=10, outcome=3, version=2, pain=255),
            end(5, how=2, done=2, elapsed=26_000)])
        (s,) = db.sessions()
    assert s.work_planned == {"Side plank": 2, "Plank": 1}
    (side,) = attempts(s)
    assert (side.reps_done, side.reps_planned, side.completed) == (1, 2, False)
    assert session_text(s)[2] == "  Side plank  level 2  left 20 s  not done"
