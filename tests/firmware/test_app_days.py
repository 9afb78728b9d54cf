# Tests for firmware/app.py and the days: what the menu says is due today, and the
# next-morning question (test_app.py has the rest; split so each fits MicroPython's heap).

import app
import bbr
import cues
import logbook
from apprig import Rig
from bbrmake import build, seg
from memfs import MemFs

MONDAY = 20829  # 2027-01-11


def _scheduled_rig(day, minute):
    """A menu of three routines on a device whose clock says `minute` after midnight of
    `day`, an hour ahead of UTC: none (no schedule), twice (2 a day, level 3), fri (Fridays)."""
    fs = MemFs()
    fs.dirs.append("/routines")
    one = [seg(bbr.HOLD, 1000, exercise="Cat", flags=3)]
    fs.files["/routines/a-none.bbr"] = bytearray(build(one, name="None"))
    fs.files["/routines/b-twice.bbr"] = bytearray(
        build(one, name="Twice", level=3, schedule=(bbr.DUE_PER_DAY, 2, (480, 1140))))
    fs.files["/routines/c-fri.bbr"] = bytearray(
        build(one, name="Fri", schedule=(bbr.DUE_DAYS, 1 << 4, ())))
    fs.files["/logs/zone"] = bytearray(b"60")
    fs.dirs.append("/logs")
    rig = Rig(fs=fs)
    rig.app.set_clock(day * 86400 + minute * 60 - 3600, rig.clock.now)
    return rig


def _menu_stems(rig):
    return [e.stem for e in rig.app.entries]


def _one_session(rig):
    rig.long()
    assert rig.app.screen == app.SESSION
    rig.run(1500)
    assert rig.app.screen == app.DONE
    rig.short()
    assert rig.app.screen == app.MENU


def test_the_menu_shows_what_is_due_today_first_and_how_much_is_done():
    rig = _scheduled_rig(MONDAY, 9 * 60)
    rig.run(50)
    assert _menu_stems(rig) == ["b-twice", "a-none", "c-fri"]
    assert rig.app.selected == 0
    assert rig.texts() == ["due 1 of 2", "1/3", "Twice", "time 0:01", "never done",
                           "1=next hold=go", "L3"]
    _one_session(rig)
    assert rig.texts()[0] == "due 2 of 2" and rig.app.selected == 0
    rig.short()
    assert rig.texts()[:3] == ["ROUTINE", "2/3", "None"]
    rig.double()  # back to Twice
    _one_session(rig)
    assert _menu_stems(rig) == ["b-twice", "a-none", "c-fri"]
    assert rig.texts()[:3] == ["done today", "1/3", "Twice"]
    # On Friday both are due: fri comes before twice by name, each due once more.
    rig.app.set_clock((MONDAY + 4) * 86400 + 7 * 3600, rig.clock.now)
    rig.run(50)
    assert _menu_stems(rig) == ["b-twice", "c-fri", "a-none"]
    assert rig.texts()[0] == "due 1 of 2"
    rig.short()
    assert rig.texts()[:3] == ["due 1 of 1", "2/3", "Fri"]


def test_after_a_session_the_menu_shows_the_first_routine_still_due():
    rig = _scheduled_rig(MONDAY + 4, 10 * 60)
    rig.run(50)
    assert _menu_stems(rig) == ["b-twice", "c-fri", "a-none"]
    rig.short()
    _one_session(rig)  # fri, done: it moves after twice, and the menu shows twice
    assert _menu_stems(rig) == ["b-twice", "c-fri", "a-none"]
    assert rig.app.selected == 0 and rig.texts()[0] == "due 1 of 2"
    rig.short()
    assert rig.texts()[:3] == ["done today", "2/3", "Fri"]


def test_without_a_clock_the_menu_says_nothing_of_what_is_due():
    fs = MemFs()
    fs.dirs.append("/routines")
    fs.files["/routines/a.bbr"] = bytearray(
        build([seg(bbr.HOLD, 1000)], name="A", schedule=(bbr.DUE_PER_DAY, 3, ())))
    rig = Rig(fs=fs)
    rig.run(50)
    assert rig.texts()[:3] == ["ROUTINE", "1/1", "A"]


# ---------------------------------------------------------------- the next-morning question


def _morning_records(rig):
    return [(p[12], logbook.get_u32(p, 8)) for t, p in rig.records() if t == logbook.MORNING]


def test_the_first_start_of_a_day_after_a_day_of_sessions_asks_about_the_back():
    rig = _scheduled_rig(MONDAY, 20 * 60)
    rig.run(50)
    _one_session(rig)  # Monday evening, Twice
    assert _morning_records(rig) == []
    # Tuesday 07:00 local: the first start asks, "same" first.
    tuesday = (MONDAY + 1) * 86400 + 7 * 3600 - 3600
    rig.app.set_clock(tuesday, rig.clock.now)
    rig.run(50)
    rig.long()
    assert rig.app.screen == app.MORNING
    assert rig.texts() == ["THIS MORNING", "your back is", "better", "same", "worse",
                           "1=next hold=pick"]
    assert rig.screen.texts[3] == ("same", 48, 33, 0)  # inverted: the one a hold picks
    rig.short()
    assert rig.app.morning == 2 and rig.screen.texts[4] == ("worse", 44, 43, 0)
    rig.short()
    assert rig.app.morning == 0
    rig.double()
    assert rig.app.morning == 2
    rig.long()  # worse, and the session starts
    assert rig.app.screen == app.SESSION and rig.app.entry.stem == "b-twice"
    when = _morning_records(rig)
    assert when == [(logbook.WORSE, when[0][1])] and tuesday < when[0][1] < tuesday + 60
    rig.run(1500)
    rig.short()
    # The second start that day asks nothing.
    rig.long()
    assert rig.app.screen == app.SESSION and len(_morning_records(rig)) == 1


def test_no_morning_question_without_a_session_the_day_before_or_without_a_clock():
    rig = _scheduled_rig(MONDAY, 20 * 60)
    rig.run(50)
    _one_session(rig)
    rig.app.set_clock((MONDAY + 2) * 86400 + 7 * 3600, rig.clock.now)  # Wednesday
    rig.run(50)
    rig.long()
    assert rig.app.screen == app.SESSION and _morning_records(rig) == []
    yield  # the menu's code, imported again after the session, leaves its garbage
    plain = Rig(corrupt=False)
    plain.run(20)
    plain.short()  # menu -> easy
    plain.long()
    assert plain.app.screen == app.SESSION
    plain.long()  # stop
    plain.short()
    plain.long()  # no clock: no day, no question
    assert plain.app.screen == app.SESSION and _morning_records(plain) == []


# ---------------------------------------------------------------- reminders

HOUR = 3600000


def _sleeps(rig):
    """Record the board's light sleeps (each moves the clock on by its length)."""
    calls = []

    def lightsleep(ms=0):
        calls.append(ms)
        rig.clock.advance(ms)

    rig.m.lightsleep = lightsleep
    return calls


def test_a_sleeping_device_wakes_at_a_reminder_time_and_only_then():
    rig = _scheduled_rig(MONDAY, 7 * 60)  # 07:00; Twice is due at 08:00 and 19:00
    t0 = rig.clock.now
    rig.run(50)
    calls = _sleeps(rig)
    rig.run(app.App.idle_ms + 100)
    # One timer to 08:00, not a poll: then the screen, the buzz and the routine due (within
    # the second: the wall clock counts whole seconds).
    assert len(calls) == 1 and 0 <= rig.clock.now - (t0 + HOUR) <= 1000
    assert rig.screen.on and rig.app.screen == app.MENU
    assert rig.app.cues.cue == cues.REMIND
    rig.run(10)  # the next turn draws the menu
    assert rig.texts()[:3] == ["due 1 of 2", "1/3", "Twice"]
    # Left alone it sleeps again after a minute, to 19:00 in hour-long sleeps at most.
    del calls[:]
    rig.run(app.App.remind_ms + 100)
    assert calls[:10] == [HOUR] * 10 and len(calls) == 11
    assert 0 <= rig.clock.now - (t0 + 12 * HOUR) <= 1000 and rig.app.cues.cue == cues.REMIND


def test_no_reminder_for_a_slot_already_done_and_one_per_slot():
    rig = _scheduled_rig(MONDAY, 7 * 60)
    t0 = rig.clock.now
    rig.run(50)
    _one_session(rig)
    _one_session(rig)  # both of the day's sessions done before 08:00
    assert rig.texts()[0] == "done today"
    calls = _sleeps(rig)
    rig.run(app.App.idle_ms + 100)
    # 08:00 and 19:00 pass asleep; the next reminder is Tuesday's 08:00.
    assert 0 <= rig.clock.now - (t0 + 25 * HOUR) <= 1000 and rig.app.cues.cue == cues.REMIND
    assert len(calls) == 1 + 11 + 13  # to 08:00, to 19:00, to 08:00: an hour at most each
    rig.run(10)  # the next turn draws the menu
    assert rig.texts()[:3] == ["due 1 of 2", "1/3", "Twice"]


def test_an_idle_awake_device_is_reminded_too_with_a_soft_tone_without_vibration():
    rig = _scheduled_rig(MONDAY, 7 * 60 + 59)
    rig.app.cues.set_vibration(False)
    rig.run(50)
    rig.short()  # looking at another routine
    assert rig.texts()[2] == "None"
    rig.run(60000)
    assert rig.app.selected == 0 and rig.texts()[:3] == ["due 1 of 2", "1/3", "Twice"]
    assert rig.app.cues.cue == -1  # played, and over
    assert [f for t, f in rig.board.buzzer.sounding() if f] == [330, 294]


def test_no_reminders_without_a_clock():
    fs = MemFs()
    fs.dirs.append("/routines")
    fs.files["/routines/a.bbr"] = bytearray(
        build([seg(bbr.HOLD, 1000)], name="A", schedule=(bbr.DUE_PER_DAY, 3, (0, 1))))
    rig = Rig(fs=fs)
    rig.run(50)
    calls = []

    def lightsleep(ms=0):
        calls.append(ms)
        rig.clock.advance(ms)
        if len(calls) == 30:
            rig.pin.drive(0)  # a press after 30 hours asleep

    rig.m.lightsleep = lightsleep
    rig.run(app.App.idle_ms + 100)
    assert calls == [HOUR] * 30 and rig.app.cues.cue != cues.REMIND
