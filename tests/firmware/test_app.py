# Tests for firmware/app.py: menu, sessions driven by the button, the log they leave,
# settings, "sync me", errors and idle sleep, on the fake board in virtual time.

import gc
import os
import sys

import app
import bbr
import cues
import fakes
import framebuf
import logbook
import ui
from apprig import EASY, LONG, Rig
from bbrmake import build, seg
from memfs import MemFs
from testdata import allocated, heap_locked, scratch_dir


def _segment_fields(payload):
    g2 = logbook.get_u16
    g4 = logbook.get_u32
    return (g2(payload, 0), payload[2], payload[3], payload[4], g4(payload, 6), g4(payload, 10),
            g4(payload, 14), g4(payload, 18))


def _to_menu(rig):
    assert rig.app.screen == app.MESSAGE
    rig.short()
    assert rig.app.screen == app.MENU


# ---------------------------------------------------------------- menu


def test_a_corrupt_routine_is_named_and_skipped():
    rig = Rig()
    rig.run(20)
    assert rig.texts() == ["SKIPPED", "c.bbr", "not a routine", "not offered", "1=ok"]
    assert [e.stem for e in rig.app.entries] == ["b-long", "easy"]
    assert rig.app.bad == [("c.bbr", "not a routine")]
    _to_menu(rig)
    assert "Long one" in rig.texts() and "time 0:30" in rig.texts()
    assert "never done" in rig.texts() and "1/2" in rig.texts()


def test_when_last_done_before_and_after_the_clock_was_set():
    rig = Rig(corrupt=False)
    _start_easy(rig)
    rig.long()  # stop
    rig.short()
    assert rig.app.screen == app.MENU and rig.screen.texts[4] == ("last 0 min ago", 0, 46, 1)
    # Each app let go before the next is made, and its garbage collected: the menu's code,
    # imported again after each session, leaves plenty.
    fs = rig.fs
    rig = None
    yield
    # A restart: the session was in another boot and the clock was never set.
    again = Rig(fs=fs)
    again.run(20)
    assert "never done" in again.texts()
    again.short()
    assert again.texts() == ["ROUTINE", "2/2", "Easy", "time 0:16", "done, undated",
                             "1=next hold=go", "L0"]
    assert again.screen.texts[4] == ("done, undated", 0, 46, 1)
    # Done with the clock set, seen after a restart once the host has set it again.
    again.lb.set_clock(1800000000, again.clock.now)
    again.long()
    again.long()  # stop
    again.short()
    again = None
    yield
    later = Rig(fs=fs)
    later.lb.set_clock(1800000000 + 7300, later.clock.now)
    later.run(20)
    later.short()
    assert later.screen.texts[4] == ("last 2 h ago", 0, 46, 1)
    later = None
    yield
    # The clock set back since: done moments ago, not never.
    back = Rig(fs=fs)
    back.lb.set_clock(1800000000 - 600, back.clock.now)
    back.run(20)
    back.short()
    assert back.screen.texts[4] == ("last 0 min ago", 0, 46, 1)


class DiskLogs(MemFs):
    """A MemFs whose /logs is a real directory: a long log outside the heap (MicroPython's
    192 KB would hold it, but not grown file by file in memory)."""

    def __init__(self, root):
        super().__init__()
        self.root = root
        os.mkdir(root)
        self.dirs.append("/logs")

    def _disk(self, path):
        if path == "/logs" or path.startswith("/logs/"):
            return self.root + path[5:]
        return None

    def open(self, path, mode):
        d = self._disk(path)
        return open(d, mode) if d else super().open(path, mode)

    def listdir(self, path):
        d = self._disk(path)
        return os.listdir(d) if d else super().listdir(path)

    def remove(self, path):
        d = self._disk(path)
        if d:
            os.remove(d)
        else:
            super().remove(path)

    def rename(self, a, b):
        if self._disk(a):
            os.rename(self._disk(a), self._disk(b))
        else:
            super().rename(a, b)


def _long_log(fs, sessions):
    """sessions of 30 segments over 5 boots (one log file each), easy and b-long in turn,
    each boot setting the clock first."""
    per_boot = sessions // 5
    for b in range(5):
        lb = logbook.Logbook(fs)
        lb.set_clock(1800000000 + 100000 * b, 1000)
        for i in range(per_boot):
            k = b * per_boot + i
            lb.begin_session("easy" if k % 2 == 0 else "b-long", 1, 0, 30, 30000, 2000 + k)
            for j in range(30):
                lb.add_segment(j, 2, 1, 255, 1000 * j, 1000 * j + 1000, 1000, 1000)
                lb.flush()
            lb.end_session(1, 30, 0, 30000, 0, 35000)
            yield


def test_start_up_with_a_long_log_shows_when_last_done_and_does_not_grow_with_it():
    if not hasattr(gc, "mem_alloc"):
        # Once first, so what CPython sets up on first use is not counted below.
        allocated(Rig, MemFs(), False)
    used = []
    for sessions in (5, 50):
        fs = DiskLogs(scratch_dir("app-long-log-%d" % sessions) + "/logs")
        yield from _long_log(fs, sessions)
        assert logbook.Logbook(fs).next_seq == 5 * (1 + 32 * sessions // 5) + 1
        assert sorted(fs.listdir("/logs")) == ["%08x.log" % (1 + k * (1 + 32 * sessions // 5))
                                               for k in range(5)]
        yield
        first, rig = allocated(Rig, fs, False)  # the summary made from the log
        assert "last" in fs.listdir("/logs")
        rig = None
        yield
        again, rig = allocated(Rig, fs, False)  # from the summary
        yield
        reload, _ = allocated(rig.app.reload, rig.clock.now)
        used.append((first, again, reload))
        print("%d sessions: start-up %d bytes (summary made), %d (summary read), reload %d"
              % (sessions, first, again, reload))
        # The last sessions, both in the last boot at 1800400001, seen 2 h later.
        rig.run(20)
        assert rig.texts() == ["ROUTINE", "1/2", "Long one", "time 0:30", "done, undated",
                               "1=next hold=go", "L0"]
        rig.lb.set_clock(1800400001 + 7300, rig.clock.now)
        rig.short()
        assert rig.texts() == ["ROUTINE", "2/2", "Easy", "time 0:16", "last 2 h ago",
                               "1=next hold=go", "L0"]
        rig = fs = None
        yield
    # 1440 more records, the same five files: less than 256 bytes more at each step.
    for k in range(3):
        assert used[1][k] < used[0][k] + 256, used


def _routines_fs(files):
    fs = MemFs()
    fs.dirs.append("/routines")
    for name in files:
        fs.files["/routines/" + name] = bytearray(files[name])
    return fs


def _verdict(name, data, verdict):
    return (name, len(data), logbook.get_u32(data, len(data) - 4), verdict)


def _index(fs):
    # The routines in /routines.idx (docs/firmware.md, "Routines at start-up"): (file name,
    # size, CRC, verdict) of each file with a verdict, after its header is checked.
    raw = bytes(fs.files["/routines.idx"])
    assert raw[0:6] == b"BBRI\x01\x14" and raw[12:16] == bytes(4)
    n = logbook.get_u16(raw, 6)
    size = logbook.get_u16(raw, 8)
    tail = logbook.get_u16(raw, 10)
    assert len(raw) == 20 + 2 * n + size + 20 * n + tail
    body = raw[20:]
    import binascii

    assert binascii.crc32(body) == logbook.get_u32(raw, 16)
    ends = [logbook.get_u16(body, 2 * k) for k in range(n)]
    ids = body[2 * n : 2 * n + size]
    rt = body[2 * n + size : 2 * n + size + 20 * n]
    errors = {}
    for line in body[2 * n + size + 20 * n :].split(b"\n"):
        if line:
            k, err = line.split(b" ", 1)
            errors[int(k)] = str(err, "ascii")
    out = []
    for k in range(n):
        name = str(ids[ends[k - 1] if k else 0 : ends[k]], "ascii") + ".bbr"
        o = 20 * k
        if rt[o]:
            verdict = "ok" if rt[o] & 2 else errors[k]
            out.append((name, logbook.get_u32(rt, o + 8), logbook.get_u32(rt, o + 12), verdict))
    return out


_MANY = []


def _many():
    # A routine of 175 segments (more than 16 CRC chunks), "Many": built once (under
    # MicroPython the heap is in areas, and the tests after the first leave too few long
    # stretches free to build it again; 200 segments no longer fit).
    if not _MANY:
        _MANY.append(build([seg(bbr.HOLD, 1000, exercise="Cat") for _ in range(175)], name="Many"))
    return _MANY[0]


_many()  # built with the module, while the heap still has long stretches free


def test_routines_are_offered_at_once_then_checked_a_little_a_turn_and_remembered():
    broken = bytearray(EASY)
    broken[-8] ^= 1  # a byte of the string table: the CRC no longer matches
    many = _many()
    yield  # building it left garbage
    fs = _routines_fs({"a-broken.bbr": broken, "easy.bbr": EASY, "many.bbr": many})
    rig = Rig(fs=fs)
    # Start-up listed them and read the header of the one the menu shows: none checked yet.
    # (The app keeps no object per routine: each item is filled as it is asked for.)
    assert [(e.stem, e.name, e.total_ms, e.checked) for e in rig.app.entries] == [
        ("a-broken", "Easy", 16000, False), ("easy", None, 0, False), ("many", None, 0, False)]
    assert rig.app.screen == app.MENU and rig.app.bad == []
    rig.run(30)  # three turns: the menu drawn, the other headers, then 16 parts of a check
    assert [(e.stem, e.total_ms, e.segments, e.checked) for e in rig.app.entries] == [
        ("easy", 16000, 4, False), ("many", 175000, 175, False)]
    assert rig.app.bad == [("a-broken.bbr", "bad CRC")]
    assert rig.texts() == ["SKIPPED", "a-broken.bbr", "bad CRC", "not offered", "1=ok"]
    rig.run(20)
    assert [(e.stem, e.checked) for e in rig.app.entries] == [("easy", True), ("many", False)]
    yield
    rig.run(200)
    assert [(e.stem, e.checked) for e in rig.app.entries] == [("easy", True), ("many", True)]
    assert _index(fs) == [_verdict("a-broken.bbr", broken, "bad CRC"),
                          _verdict("easy.bbr", EASY, "ok"), _verdict("many.bbr", many, "ok")]
    rig = None
    yield
    # The next start-up knows them all: the bad one is named at once, nothing is checked again.
    again = Rig(fs=fs).app
    assert again.bad == [("a-broken.bbr", "bad CRC")] and again.screen == app.MESSAGE
    again.load_all()
    assert [(e.stem, e.checked) for e in again.entries] == [("easy", True), ("many", True)]
    again = None
    yield
    # A file changed since is checked again; one removed is forgotten.
    fs.files["/routines/easy.bbr"] = bytearray(LONG)
    del fs.files["/routines/many.bbr"]
    rig = Rig(fs=fs)
    # The listing is the index's until the folder is compared with it, in the next turns.
    assert [(e.stem, e.checked) for e in rig.app.entries] == [("easy", False), ("many", True)]
    rig.run(40)  # the frame, the folder compared, the frame, the headers
    assert [e.stem for e in rig.app.entries] == ["easy"] and rig.app.bad == [
        ("a-broken.bbr", "bad CRC")]
    rig.run(50)
    assert _index(fs) == [_verdict("a-broken.bbr", broken, "bad CRC"),
                          _verdict("easy.bbr", LONG, "ok")]


def test_start_up_takes_the_index_and_a_stale_one_never_shows_a_wrong_routine():
    fs = _routines_fs({"b.bbr": EASY, "c.bbr": LONG})
    rig = Rig(fs=fs)
    rig.run(100)
    assert _index(fs) == [_verdict("b.bbr", EASY, "ok"), _verdict("c.bbr", LONG, "ok")]
    rig = None
    # Copied by hand: a.bbr appears once the folder is compared with the index.
    fs.files["/routines/a.bbr"] = bytearray(LONG)
    rig = Rig(fs=fs)
    rig.run(10)  # the frame first, of the index's listing
    assert [e.stem for e in rig.app.entries] == ["b", "c"] and not rig.app._listed
    assert rig.texts()[:3] == ["ROUTINE", "1/2", "Easy"]
    rig.run(10)  # the folder's three entries in one turn
    assert [(e.stem, e.checked) for e in rig.app.entries] == [
        ("a", False), ("b", True), ("c", True)]
    rig.run(100)
    assert _index(fs) == [_verdict("a.bbr", LONG, "ok"), _verdict("b.bbr", EASY, "ok"),
                          _verdict("c.bbr", LONG, "ok")]
    rig = None
    # The routine the menu would show removed: the folder is listed at once instead.
    del fs.files["/routines/a.bbr"]
    rig = Rig(fs=fs)
    assert [(e.stem, e.checked) for e in rig.app.entries] == [("b", True), ("c", True)]
    rig.run(10)
    assert rig.app.bad == [] and rig.texts()[:3] == ["ROUTINE", "1/2", "Easy"]
    rig = None
    # A damaged index is not believed: the folder is listed and every file checked again.
    fs.files["/routines.idx"][30] ^= 1
    rig = Rig(fs=fs)
    assert [(e.stem, e.checked) for e in rig.app.entries] == [("b", False), ("c", False)]
    assert rig.app._listed


def test_a_routine_started_before_its_check_has_its_crc_checked_at_once_and_its_segments_as_it_runs():
    good = build([seg(bbr.HOLD, 1000, exercise="Cat"), seg(bbr.HOLD, 2000, exercise="Cow")],
                 name="Good")
    broken = bytearray(good)
    broken[-8] ^= 1
    fs = _routines_fs({"a-broken.bbr": broken, "easy.bbr": good})
    rig = Rig(fs=fs)
    a = rig.app
    assert not a.start(a.entries[0], rig.clock.now)
    assert a.bad == [("a-broken.bbr", "bad CRC")] and [e.stem for e in a.entries] == ["easy"]
    assert a.screen == app.MESSAGE and a.message_text == "a-broken.bbr\nbad CRC\nnot offered"
    assert a.start(a.entries[0], rig.clock.now) and a.screen == app.SESSION
    assert not a.entries[0].checked and a.reader._lazy
    # The session runs to its end; the whole check comes after it, in the background.
    rig.run(3500)
    assert a.screen == app.DONE and [r[0] for r in rig.records()] == [1, 2, 2, 3]
    rig.short()
    rig.run(100)
    assert a.entries[0].checked


def test_a_bad_segment_found_as_the_routine_runs_ends_the_session_and_is_logged():
    # Its CRC is right, its third segment bad (a hold has no parameter): refused once the
    # session reads it ahead, a second into the second segment.
    bad = build([seg(bbr.HOLD, 1000, exercise="Cat"), seg(bbr.HOLD, 2000, exercise="Cow"),
                 seg(bbr.HOLD, 1000, param=5, exercise="Cat")], name="Bad")
    fs = _routines_fs({"bad.bbr": bad, "easy.bbr": EASY})
    rig = Rig(fs=fs)
    a = rig.app
    assert a.start(a.entries[0], rig.clock.now) and a.screen == app.SESSION
    yield  # the session let the menu's code go: its room given back
    rig.run(2000)
    assert a.screen == app.MESSAGE and a.message_title == "SKIPPED"
    assert a.message_text == "bad.bbr\nbad segment 2\nnot offered"
    assert a.bad == [("bad.bbr", "bad segment 2")] and [e.stem for e in a.entries] == ["easy"]
    assert a.engine is None and a.reader is None
    recs = rig.records()
    assert [r[0] for r in recs] == [1, 2, 3, 4]
    assert recs[2][1][0] == 2  # the end: stopped
    assert recs[3][1][8:] == b"bad.bbr: bad segment 2"
    rig.short()
    rig.run(100)
    assert a.screen == app.MENU and rig.texts()[:3] == ["ROUTINE", "1/1", "Easy"]


def test_a_routine_started_while_its_check_is_under_way_has_it_begin_again_after():
    good = _routines_fs({"many.bbr": _many()})
    bad = _routines_fs({"many.bbr": _many()})
    bad.files["/routines/many.bbr"][-8] ^= 1
    yield
    for fs, started in ((good, True), (bad, False)):
        rig = Rig(fs=fs)
        yield
        rig.run(20)  # two turns: the menu drawn, a part of its check
        a = rig.app
        assert a._checking == a.entries[0].ix == 0 and not a.entries[0].checked
        assert a.start(a.entries[0], rig.clock.now) is started
        if started:
            assert a.screen == app.SESSION and a._checking < 0 and not a.entries[0].checked
        else:
            assert len(a.entries) == 0 and a.bad == [("many.bbr", "bad CRC")]
        rig = a = fs = good = None
        yield


def test_menu_moves_with_short_and_double_and_ends_with_settings():
    rig = Rig(corrupt=False)
    rig.run(20)
    assert rig.app.screen == app.MENU
    rig.short()
    assert rig.app.selected == 1 and "Easy" in rig.texts() and "time 0:16" in rig.texts()
    rig.short()
    assert rig.app.selected == 2 and "SETTINGS" in rig.texts()
    rig.short()
    assert rig.app.selected == 0
    rig.double()
    assert rig.app.selected == 2


def test_no_routines_says_how_to_get_some():
    fs = MemFs()
    fs.dirs.append("/routines")
    rig = Rig(fs=fs)
    rig.run(20)
    assert rig.texts()[:2] == ["NO ROUTINES", "Flash routines"]
    rig.short()
    assert rig.app.screen == app.MENU and rig.texts()[0] == "SETTINGS"
    rig.long()
    assert rig.app.screen == app.SETTINGS


# ---------------------------------------------------------------- sessions


def _start_easy(rig):
    rig.run(20)
    rig.short()  # menu -> easy
    assert rig.app.selected == 1
    rig.long()
    assert rig.app.screen == app.SESSION


def test_a_session_lets_the_menus_and_the_listings_code_go_and_the_menu_takes_it_back():
    rig = Rig(corrupt=False)
    rig.run(200)
    assert "menu" in sys.modules and "listing" in sys.modules
    assert not rig.app._unchecked  # both routines checked already
    yield
    _start_easy(rig)
    assert "menu" not in sys.modules and "listing" not in sys.modules
    assert rig.app._menu_code is None
    yield
    rig.long()  # stop
    rig.short()
    assert rig.app.screen == app.MENU and "menu" in sys.modules
    # Every routine checked and its header read: the menu needs no listing.py after it.
    rig.run(20)
    assert "listing" not in sys.modules
    # A change on flash lists them again: imported again.
    rig.app.reload(rig.clock.now)
    assert "listing" in sys.modules and [e.stem for e in rig.app.entries] == ["b-long", "easy"]


def test_a_whole_session_with_pain_answer_and_open_hold():
    rig = Rig(corrupt=False)
    _start_easy(rig)
    t0 = rig.app.engine.start_ms
    rig.run(5000 + 6000 - 250)
    assert rig.app.engine.index == 1
    rig.run(300)
    assert rig.texts() == ["PAIN 0 TO 10", "none", "1=more hold=save"]
    rig.short()
    assert rig.texts()[1] == "a little" and rig.app.pain == 1
    rig.double()  # two more
    assert rig.texts()[1] == "ok" and rig.app.pain == 3
    assert rig.app.engine.index == 1
    rig.long()  # saves 3
    assert rig.app.engine.index == 2 and rig.app.engine.open_hold()
    rig.double()  # the counting's end, so soon after the answer: not a skip
    assert rig.app.engine.index == 2 and rig.app.engine.open_hold()
    rig.run(3500)
    assert "1=done 2=skip" in rig.texts()
    rig.short()  # ends the open hold
    assert rig.app.engine.index == 3
    rig.run(2500)
    assert rig.app.screen == app.DONE
    assert rig.texts()[0] == "DONE"
    assert "done 4 skip 0" in rig.texts()
    recs = rig.records()
    assert [r[0] for r in recs] == [1, 2, 2, 2, 2, 3]
    start = recs[0][1]
    assert start[25:] == b"easy" and logbook.get_u32(start, 4) == t0
    assert logbook.get_u32(start, 12) == logbook.get_u32(EASY, len(EASY) - 4)
    assert logbook.get_u32(start, 16) == 16000 and logbook.get_u16(start, 22) == 4
    segs = [_segment_fields(r[1]) for r in recs[1:5]]
    assert segs[0] == (0, bbr.PREPARE, 1, 255, 0, 5000, 5000, 5000)
    assert segs[1][:4] == (1, bbr.HOLD, 1, 3) and segs[1][4:6] == (5000, 11000)
    # The answer came 1910 ms after the question: a short press (reported 300 ms after its
    # release), a double press, and a long press (reported at 800 ms, while held); the
    # hold was ended 4460 ms in (the rest of the long press, the double press, 3500 ms and
    # a short press), past its 3000 ms target.
    assert segs[2] == (2, bbr.HOLD_OPEN, 1, 255, 12910, 17370, 3000, 4460)
    assert segs[3][:4] == (3, bbr.REST, 1, 255) and segs[3][7] == 2000
    end = recs[5][1]
    assert end[0] == 1 and logbook.get_u16(end, 2) == 4 and logbook.get_u16(end, 4) == 0


def test_pause_skip_and_stop_from_the_button():
    rig = Rig(corrupt=False)
    _start_easy(rig)
    rig.run(1000)
    rig.short()  # pause
    assert rig.app.engine.state == 2 and rig.texts()[0] == "PAUSED"
    rig.run(2000)
    rig.short()  # resume
    assert rig.app.engine.state == 1
    rig.double()  # skip the prepare
    assert rig.app.engine.index == 1
    rig.long()  # stop
    assert rig.app.screen == app.DONE and rig.texts()[0] == "STOPPED"
    recs = rig.records()
    assert [r[0] for r in recs] == [1, 2, 2, 3]
    prep = _segment_fields(recs[1][1])
    hold = _segment_fields(recs[2][1])
    # Paused 1400 to 3900 ms in, skipped at 4530, stopped at 5360 (press times plus the
    # button's reporting delays).
    assert prep == (0, bbr.PREPARE, 2, 255, 0, 4530, 5000, 2030)  # skipped, pain not asked
    assert hold == (1, bbr.HOLD, 3, 255, 4530, 5360, 6000, 830)  # stopped
    end = recs[3][1]
    assert end[0] == 2 and logbook.get_u16(end, 4) == 1
    assert logbook.get_u32(end, 10) == 2500 and logbook.get_u32(end, 6) == 5360
    rig.short()
    assert rig.app.screen == app.MENU
    assert "last 0 min ago" in rig.texts()


def test_a_long_press_on_the_question_answers_0_and_starts_nothing_after():
    rig = Rig(corrupt=False)
    _start_easy(rig)
    rig.run(11200)
    assert rig.app.engine.state == 3
    rig.hold(3000)  # held on and on, as by someone lying on the button: one answer only
    rig.run(50)
    assert rig.app.engine.index == 2 and rig.app.screen == app.SESSION
    rig.long()  # stop during the open hold
    recs = rig.records()
    hold = _segment_fields(recs[2][1])
    assert hold[3] == 0  # pain: none
    assert _segment_fields(recs[3][1])[2] == 3  # the open hold: stopped


def test_pain_counts_up_to_10_and_stays_there():
    rig = Rig(corrupt=False)
    _start_easy(rig)
    rig.run(11200)
    for _ in range(6):
        rig.double()
    assert rig.app.pain == 10 and rig.texts()[:2] == ["PAIN 0 TO 10", "too much"]
    rig.long()
    rig.long()
    assert _segment_fields(rig.records()[2][1])[3] == 10


def test_cues_follow_the_engine():
    rig = Rig(corrupt=False)
    _start_easy(rig)
    pwm = rig.board.buzzer
    pwm.changes = []
    start = rig.clock.now
    rig.run(5100)
    heard = pwm.sounding()
    # The last three seconds of the prepare tick, then the hold starts with an inhale.
    tick_hz = cues.PATTERNS[cues.TICK][0]
    ticks = [t - start for t, hz in heard if hz == tick_hz]
    assert len(ticks) == 3
    assert ticks[1] - ticks[0] == 1000 and ticks[2] - ticks[1] == 1000
    inhale_hz = cues.PATTERNS[cues.INHALE][0]
    assert any(hz == inhale_hz for t, hz in heard)


def test_the_say_text_while_getting_ready_resting_and_paused():
    rig = Rig(corrupt=False)
    read = []
    string = bbr.Routine.string

    def counted(self, offset):
        read.append(offset)
        return string(self, offset)

    bbr.Routine.string = counted
    try:
        _start_easy(rig)
        rig.run(100)
        assert rig.screen.texts == [
            ("Cat", 0, 0, 1),
            ("READY", 72, 9, 1),
            ("Round your back,", 0, 34, 1),
            ("tuck your hips", 0, 42, 1),
            ("2=skip hold=stop", 0, 50, 1),
        ]
        rig.short()  # pause
        assert rig.screen.texts[2:] == [
            ("Cat", 0, 12, 1),
            ("Round your back,", 0, 20, 1),
            ("tuck your hips", 0, 28, 1),
            ("left 0:05", 0, 38, 1),
            ("1=go on 2=skip", 0, 48, 1),
            ("hold=stop", 0, 56, 1),
        ]
        rig.short()  # resume
        rig.run(5000)
        # The hold itself: the breath bar and the hint, not the say text.
        assert rig.app.engine.index == 1
        assert rig.screen.texts == [("Cat", 0, 0, 1), ("IN", 72, 9, 1),
                                    ("1=pause 2=skip", 0, 50, 1)]
        rig.run(6000)
        assert rig.texts() == ["PAIN 0 TO 10", "none", "1=more hold=save"]
        rig.long()
        assert rig.texts() == ["Plank", "HOLD", "1=done 2=skip"]
        rig.short()  # the hold is done: the rest says what to do
        assert rig.app.engine.index == 3
        assert rig.screen.texts == [("", 0, 0, 1), ("REST", 72, 9, 1), ("Breathe out", 0, 34, 1),
                                    ("2=skip hold=stop", 0, 50, 1)]
        rig.run(2500)
        assert rig.app.screen == app.DONE
    finally:
        bbr.Routine.string = string
    # Strings come from the file once per segment (its exercise and its say), not per frame;
    # the first is the other routine's name, its header read while the menu waited.
    assert read[0] == 0 and len(read) == 1 + 8 and rig.screen.shows > 150


class Panel(framebuf.FrameBuffer):
    """A display that keeps nothing but its pixels (drawing on it allocates nothing)."""

    def __init__(self):
        self.buffer = bytearray(1024)
        super().__init__(self.buffer, 128, 64, framebuf.MONO_VLSB)
        self.shows = 0

    def show(self):
        self.shows += 1


def test_a_frame_between_cues_allocates_nothing():
    # The exercise's first line and the rep text are made once, not for every frame.
    wall = build([seg(bbr.HOLD, 60000, exercise="Wall sit,\nback flat", rep=2, reps=3)],
                 name="Wall")
    fs = MemFs()
    fs.dirs.append("/routines")
    fs.files["/routines/wall.bbr"] = bytearray(wall)
    rig = Rig(fs=fs)
    rig.app.display = panel = Panel()
    rig.run(20)
    rig.long()
    assert rig.app.screen == app.SESSION
    rig.run(5000)
    before = panel.shows

    def frames():
        for _ in range(20):
            rig.app._dirty = True  # a redraw on every turn
            rig.app.step(rig.clock.now)
            rig.clock.advance(10)

    if not heap_locked(frames):
        frames()
    assert panel.shows == before + 20
    last = rig.clock.now - 10
    e = rig.app.engine
    assert (e.remaining_ms(last) + 999) // 1000 == 55
    want = fakes.Canvas()
    ui.session(want, "Wall sit,", (), bbr.HOLD, 55, False, 0, 0, 0, 2, 3, e.progress(last))
    assert bytes(panel.buffer) == bytes(want.buffer)


# ---------------------------------------------------------------- space, settings, errors, sleep


def test_sync_me_when_the_log_is_full():
    fs = MemFs(capacity=8 * 1024, block=1024)
    rig = Rig(fs=fs, corrupt=False)
    rig.run(20)
    rig.short()
    rig.long()
    assert rig.app.screen == app.MESSAGE and rig.texts()[0] == "SYNC ME"
    assert rig.records() == []
    rig.short()
    assert rig.app.screen == app.MENU


def test_settings_switch_sound_and_vibration_and_persist():
    rig = Rig(corrupt=False)
    rig.run(20)
    rig.short()
    rig.short()
    rig.long()
    assert rig.app.screen == app.SETTINGS
    rig.long()  # sound off
    assert rig.app.cues.sound is False
    rig.short()
    rig.long()  # vibration off
    assert rig.app.cues.vibration is False
    rig.short()
    rig.long()  # back
    assert rig.app.screen == app.MENU
    assert bytes(rig.fs.files["/settings.txt"]) == b"00"
    again = Rig(fs=rig.fs)
    assert again.app.cues.sound is False and again.app.cues.vibration is False
    on = Rig(corrupt=False, settings=b"10")
    assert on.app.cues.sound is True and on.app.cues.vibration is False


def test_an_error_is_logged_and_shown():
    rig = Rig(corrupt=False)
    _start_easy(rig)
    rig.app.show_error("ZeroDivisionError: divide by zero\nfile app.py, line 3", rig.clock.now)
    rig.run(20)
    assert rig.app.screen == app.MESSAGE
    assert rig.texts()[:4] == ["ERROR", "ZeroDivisionErro", "r: divide by zer", "o"]
    recs = rig.records()
    assert recs[-1][0] == logbook.ERROR
    assert recs[-1][1][8:] == b"ZeroDivisionError: divide by zero\nfile app.py, line 3"
    rig.short()
    assert rig.app.screen == app.MENU


def test_idle_menu_sleeps_until_the_button():
    rig = Rig(corrupt=False)
    m = rig.m
    pin = rig.pin
    calls = []
    lit = []

    def lightsleep(ms=0):
        calls.append(ms)
        lit.append(rig.screen.on)
        rig.clock.advance(ms)
        if len(calls) == 3:
            pin.drive(0)

    m.lightsleep = lightsleep
    rig.run(app.App.idle_ms - 100)
    assert calls == [] and rig.screen.on
    rig.run(200)
    assert calls == [3600000] * 3 and lit == [False, False, False]
    assert rig.screen.on and rig.app.screen == app.MENU
    pin.drive(1)
    rig.run(500)
    assert rig.app.selected == 0  # the waking press moved nothing


def test_when_last_done_after_a_week_asleep():
    # Longer than a ticks difference holds (2**29 ms, about 6 days): the set clock tells.
    rig = Rig(corrupt=False)
    rig.lb.set_clock(1800000000, rig.clock.now)
    _start_easy(rig)
    rig.long()  # stop
    rig.short()
    assert rig.screen.texts[4] == ("last 0 min ago", 0, 46, 1)
    rig.app.sleep_chunk_ms = 3600000  # an hour a chunk: fewer turns to record
    asleep = []

    def lightsleep(ms=0):
        asleep.append(ms)
        rig.clock.advance(ms)
        if len(asleep) == 8 * 24:
            rig.pin.drive(0)

    rig.m.lightsleep = lightsleep
    rig.run(app.App.idle_ms + 100)
    assert asleep == [3600000] * (8 * 24) and rig.app.screen == app.MENU
    rig.pin.drive(1)
    rig.run(500)
    assert rig.screen.texts[4] == ("last 8 days ago", 0, 46, 1)


class TalkingLink:
    """A serial link that answers one request every `every` turns."""

    def __init__(self, every):
        self.every = every
        self.turns = 0
        self.requests = 0
        self.busy_turns = 0
        self.busy_now = False

    def poll(self, now_ms, a):
        self.turns += 1
        self.busy_now = a.busy()
        if self.busy_now:
            self.busy_turns += 1
        if self.turns % self.every == 0:
            self.requests += 1


def test_a_host_talking_over_the_link_keeps_the_device_awake():
    rig = Rig(corrupt=False)
    slept = []
    rig.m.lightsleep = lambda ms=0: slept.append(ms) or rig.pin.drive(0)
    link = TalkingLink(1000)  # a request every 10 s
    rig.app.link = link
    rig.run(app.App.idle_ms + 60000)
    assert slept == [] and link.requests == (app.App.idle_ms + 60000) // 10000
    assert link.busy_turns == 0
    rig.long()
    rig.run(100)
    assert link.busy_now is True  # a session runs: the link refuses routine changes


def test_the_summary_left_alone_also_sleeps_and_wakes_to_the_menu():
    rig = Rig(corrupt=False)
    _start_easy(rig)
    rig.long()  # stop at once
    assert rig.app.screen == app.DONE
    slept = []

    def lightsleep(ms=0):
        slept.append(rig.screen.on)
        rig.clock.advance(ms)
        rig.pin.drive(0)

    rig.m.lightsleep = lightsleep
    rig.run(app.App.idle_ms + 100)
    assert slept == [False]
    assert rig.app.screen == app.MENU and rig.screen.on


def test_the_clock_chip_dates_sessions_and_keeps_the_time_the_host_gives():
    import rtc
    from test_rtc import FakeDs3231

    chip = FakeDs3231()
    clock = rtc.Clock(chip, 0x68)
    clock.write(1800000000)
    rig = Rig(corrupt=False)
    rig.app = app.App(rig.board, rig.screen, rig.lb, rig.clock.now, fs=rig.fs,
                      ticks_ms=rig._now, clock=clock)
    yield  # two apps made: their garbage
    assert rig.lb.wall_offset_s  # known from the chip at start-up, no record written
    assert rig.records() == []
    chip.regs[0] = 0x30  # the chip says 30 s later when the session starts
    _start_easy(rig)
    start = rig.records()[0][1]
    assert logbook.get_u32(start, 8) == 1800000030
    yield  # the session let the menu's code go: its room given back
    rig.long()  # stop
    rig.app.set_clock(1800003600, rig.clock.now)
    assert clock.read() == 1800003600
    assert [r[0] for r in rig.records()][-1] == logbook.CLOCK
