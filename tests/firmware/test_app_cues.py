# Tests for the session path of firmware/app.py against the clock: every cue starts when
# it is due, before the file work of its moment (reading the next segment, building and
# writing the log) and whatever a frame costs on the bus, on the fake board in 1 ms turns.

import app
import bbr
import cues
import engine as E
import fakes
import logbook
from apprig import EASY, Rig
from bbrmake import build, seg
from memfs import MemFs

# A count whose beats fall 28 ms after a redraw every 100 ms (the refresh of the screen
# after each beat): over the old fixed 25 ms of quiet, under a frame of 30 ms.
BEAT_MS = 728
COUNTED = build(
    [
        seg(bbr.COUNT, 7 * BEAT_MS, param=BEAT_MS, exercise="Count", rep=1, reps=1),
        seg(bbr.HOLD, 3000, breath=0, flags=8, exercise="Hold"),
    ],
    breaths=((1000, 0, 1000, 0),),
    name="Counted",
)
FRAME_MS = 30  # a whole SSD1306 frame on a 400 kHz bus takes about this long


class SlowScreen(fakes.Canvas):
    """A display whose show() takes FRAME_MS of the clock, as a paced I2C bus does."""

    def __init__(self, clock):
        super().__init__()
        self.clock = clock
        self.shows = 0

    def show(self):
        self.shows += 1
        self.clock.advance(FRAME_MS)

    def poweroff(self):
        pass

    def poweron(self):
        pass


def _rig(image, name):
    fs = MemFs()
    fs.dirs.append("/routines")
    fs.files["/routines/" + name + ".bbr"] = bytearray(image)
    return Rig(fs=fs)


def _lateness(rig, until_screen):
    """Turn the app every 1 ms until it shows until_screen; each event that came out of
    the engine (which the app turns into its cue at once) and how late, in ms."""
    late = []
    advance = E.Engine.advance
    clock = rig.clock

    def timed(e, now):
        n = advance(e, now)
        for k in range(n):
            late.append((e.ev_code[k], clock.now - e.ev_at[k]))
        return n

    E.Engine.advance = timed
    try:
        while rig.app.screen != until_screen:
            rig.app.step(clock.now)
            clock.advance(1)
    finally:
        E.Engine.advance = advance
    return late


def test_a_frame_never_makes_a_cue_late():
    rig = _rig(COUNTED, "counted")
    rig.app.display = screen = SlowScreen(rig.clock)
    rig.run(20)
    rig.hold(900)  # the long press starts it, at 800 ms
    late = _lateness(rig, app.DONE)
    # Every beat, breath phase, segment start and the end on time, and yet the screen
    # was redrawn about every 100 ms (each frame measured; none begun that would still be
    # on the bus when a cue is due).
    assert [code for code, _ in late] == [E.EV_BEAT] * 6 + [
        E.EV_SEG_END, E.EV_RESULT, E.EV_SEG_START, E.EV_PHASE, E.EV_TICK, E.EV_PHASE,
        E.EV_TICK, E.EV_PHASE, E.EV_TICK, E.EV_SEG_END, E.EV_RESULT, E.EV_DONE]
    assert [ms for _, ms in late] == [0] * 18, late
    assert rig.app._frame_ms == FRAME_MS + 1
    assert screen.shows > 60


def test_a_log_write_never_makes_a_cue_late():
    # Breaths whose out-breath comes 40 ms after each hold's start, and a log write that
    # takes a flash sector's erase (45 ms): the record of the hold before waits for it.
    quick = build([seg(bbr.HOLD, 1000, breath=0, exercise="Hold")] * 3,
                  breaths=((40, 0, 960, 0),), name="Quick")
    rig = _rig(quick, "quick")
    flush = logbook.Logbook.flush
    writes = []

    def slow(lb):
        if lb.pending():
            writes.append(rig.clock.now)
            rig.clock.advance(45)
        return flush(lb)

    rig.run(20)
    rig.hold(900)
    start = rig.app.engine.start_ms
    logbook.Logbook.flush = slow
    try:
        late = _lateness(rig, app.DONE)
    finally:
        logbook.Logbook.flush = flush
    # (The first hold's breaths came while the rig still held the button.)
    assert [code for code, _ in late].count(E.EV_PHASE) == 4
    assert [ms for _, ms in late] == [0] * len(late), late
    # Each hold's record written at the next one's out-breath, 40 ms after it began; the
    # last one's with the session's end.
    assert writes == [start + 1040, start + 2040, start + 3000]
    assert [r[0] for r in rig.records()] == [logbook.SESSION_START] + [logbook.SEGMENT] * 3 + [
        logbook.SESSION_END]


def test_each_cue_comes_before_the_file_work_of_its_moment():
    rig = _rig(EASY, "easy")
    log = []
    clock = rig.clock
    kept = (bbr.Routine.read_segment, bbr.Routine.read_breath, bbr.Routine.string,
            logbook.Logbook.add_result, logbook.Logbook.flush, logbook.Logbook.end_session,
            logbook.Logbook.save_last, cues.Cues.play)

    def noted(what, fn):
        def call(*args):
            log.append((clock.now, what))
            return fn(*args)

        return call

    (bbr.Routine.read_segment, bbr.Routine.read_breath, bbr.Routine.string,
     logbook.Logbook.add_result, logbook.Logbook.flush, logbook.Logbook.end_session,
     logbook.Logbook.save_last) = [noted("file", fn) for fn in kept[:-1]]
    cues.Cues.play = noted("cue", kept[-1])
    try:
        rig.run(20)
        rig.hold(900)
        start = clock.now
        rig.run(11000)
        assert rig.app.engine.state == E.ASKING
        rig.long()  # pain 0: the open hold starts
        rig.run(3000)
        rig.short()  # it is done: the rest
        rig.run(2500)
        assert rig.app.screen == app.DONE
    finally:
        (bbr.Routine.read_segment, bbr.Routine.read_breath, bbr.Routine.string,
         logbook.Logbook.add_result, logbook.Logbook.flush, logbook.Logbook.end_session,
         logbook.Logbook.save_last, cues.Cues.play) = kept
    # After the session's start (whose schedule begins once its file work is done), no
    # turn of the loop touches a file before a cue it hands out.
    turns = {}
    for t, what in log:
        if t > start:
            turns.setdefault(t, []).append(what)
    with_cues = [w for w in turns.values() if "cue" in w]
    # prepare's 3 ticks, the hold's start and 2 breaths, 3 ticks, the question, the open
    # hold, the rest, the end; 2 presses start cues of their own (answer, done).
    assert len(with_cues) >= 12
    for what in with_cues:
        last_cue = len(what) - 1 - what[::-1].index("cue")
        assert "file" not in what[:last_cue], what
    # The end's cue first, then its writes, and the session is whole in the log.
    end = [w for w in with_cues if w.count("file") >= 3][-1]
    assert end[0] == "cue"
    recs = rig.records()
    assert [r[0] for r in recs] == [logbook.SESSION_START] + [logbook.SEGMENT] * 4 + [
        logbook.SESSION_END]


def test_the_next_segment_is_read_while_this_one_runs():
    rig = _rig(COUNTED, "counted")
    log = []
    read = bbr.Routine.read_segment
    play = cues.Cues.play
    clock = rig.clock

    def noted_read(r, i):
        log.append((clock.now, "read", i))
        return read(r, i)

    def noted_play(c, cue, now):
        log.append((clock.now, "cue", cue))
        return play(c, cue, now)

    rig.run(300)  # the menu checks the routine in the background meanwhile
    assert rig.app.entries[0].checked
    bbr.Routine.read_segment = noted_read
    cues.Cues.play = noted_play
    try:
        rig.hold(900)
        e = rig.app.engine
        began = clock.now - 100  # the long press was taken at 800 ms of the hold
        rig.run(200)
    finally:
        bbr.Routine.read_segment = read
        cues.Cues.play = play
    # The first segment is read as the session starts, and the second right after the
    # first one's cue, 5 s before it begins; the engine itself still reports the first.
    assert log[:3] == [(began, "read", 0), (began, "cue", cues.START), (began, "read", 1)]
    assert [x for x in log[3:] if x[1] == "read"] == []
    assert e.index == 0 and e.kind == bbr.COUNT and e.exercise != bbr.NO_STRING
    assert rig.app.exercise == "Count"


def test_the_last_milliseconds_before_a_cue_are_waited_on_the_clock():
    rig = _rig(COUNTED, "counted")
    rig.run(20)
    rig.hold(900)
    a = rig.app
    clock = rig.clock
    slept = []
    # Far from the next beat: a sleep of a turn at most.
    assert a.engine.next_due_ms(clock.now) > app.LOOP_MS + 8
    a.wait(slept.append)
    assert slept == [app.LOOP_MS]
    # Within 8 ms of it: no sleep, the clock read until the beat's millisecond begins (a
    # clock that moves 1 ms a read, so each read is seen).
    due = clock.now + a.engine.next_due_ms(clock.now)
    clock.advance(due - 6 - clock.now)

    def ticking():
        clock.advance(1)
        return clock.now

    a.ticks_ms = ticking
    a.wait(slept.append)
    assert slept == [app.LOOP_MS] and clock.now == due
