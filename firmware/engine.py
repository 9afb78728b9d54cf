# The timing engine: a pure state machine that runs a routine on an absolute schedule.
#
# advance(now_ms) takes a time.ticks_ms() value (real or virtual) and reports what is
# due by then as events in preallocated lists; nothing is allocated per call. Every
# deadline is computed from the schedule origin with ticks_add/ticks_diff; pause, skip,
# the end of an open hold and the pain question shift the origin. Segment i + 1 is read
# from the file while segment i runs (when advance has nothing to report), so at a
# segment's start its events come out with no file read before them.

import time

import bbr
from micropython import const

# Events: ev_code[k], ev_arg[k], ev_at[k] (the ticks_ms the event was due) for k < n.
EV_SEG_START = const(1)  # arg: segment index
EV_SEG_END = const(2)  # arg: segment index
EV_PHASE = const(3)  # arg: PHASE_IN, PHASE_HOLD_IN, PHASE_OUT or PHASE_HOLD_OUT
EV_TICK = const(4)  # arg: seconds left, 3, 2, 1
EV_BEAT = const(5)  # arg: beat number from 1
EV_TARGET = const(6)  # arg: segment index (an open hold reached its target)
EV_ASK_PAIN = const(7)  # arg: segment index (answer with answer())
EV_RESULT = const(8)  # arg: segment index; the res_* attributes hold its outcome
EV_DONE = const(9)  # arg: END_COMPLETED or END_STOPPED

PHASE_NONE = const(0)
PHASE_IN = const(1)
PHASE_HOLD_IN = const(2)
PHASE_OUT = const(3)
PHASE_HOLD_OUT = const(4)

# Engine states.
RUNNING = const(1)
PAUSED = const(2)
ASKING = const(3)
FINISHED = const(4)

# Segment outcomes (res_outcome).
OUT_DONE = const(1)
OUT_SKIPPED = const(2)
OUT_STOPPED = const(3)

# Pain answers (res_pain): 0 to PAIN_MAX the answer, or one of these (log format 2).
PAIN_MAX = const(10)
PAIN_NOT_ASKED = const(255)
PAIN_UNANSWERED = const(254)

END_COMPLETED = const(1)
END_STOPPED = const(2)

CAPACITY = const(16)
_PER_STEP = const(3)  # at most this many events come out of one step of the loop
_NEVER = const(0x3FFFFFFF)
# The next segment is read ahead only when no event is due for at least this long (reading
# a segment and its breath pattern takes about 0.5 ms on a Pico's flash).
_AHEAD_GAP_MS = const(2)

_WORDS = ("", "IN", "HOLD", "OUT", "HOLD")


class Engine:
    """Runs one routine (a verified bbr.Routine) from `start_ms` (a ticks_ms value); made
    without it, it reads the first segment and waits for start(start_ms)."""

    def __init__(self, reader, start_ms=None):
        self.reader = reader
        self.segment_count = reader.segment_count
        self.total_ms = reader.total_ms
        shift = 0
        while (self.total_ms >> shift) >= 1000000:
            shift += 1
        self._pshift = shift
        self.ev_code = bytearray(CAPACITY)
        self.ev_arg = [0] * CAPACITY
        self.ev_at = [0] * CAPACITY
        self.n = 0
        self._stale = False
        self._result = False
        self._pattern = [0, 0, 0, 0]
        # The segment read ahead (-1: none), left in the reader's attributes, and its
        # breath pattern.
        self._ahead = -1
        self._ahead_pattern = [0, 0, 0, 0]
        self.start_ms = 0
        self._t0 = 0
        self.state = 0
        self.paused_ms = 0
        self._paused_at = 0
        self._ask_at = 0
        self.end = 0
        # The outcome of the last finished segment (valid from its EV_RESULT on).
        self.res_index = -1
        self.res_kind = 0
        self.res_outcome = 0
        self.res_pain = PAIN_NOT_ASKED
        self.res_start_ms = 0
        self.res_end_ms = 0
        self.res_planned_ms = 0
        self.res_achieved_ms = 0
        self.done_count = 0
        self.skipped_count = 0
        self.index = -1
        self._seg_end = 0
        self.exercise = bbr.NO_STRING  # the segment's display strings (reader.string offsets)
        self.say = bbr.NO_STRING
        self._phase_at = _NEVER
        self._beat_at = _NEVER
        self._tick_at = _NEVER
        self._target_at = _NEVER
        self._end_at = _NEVER
        self._read_ahead(0)
        if start_ms is not None:
            self.start(start_ms)

    def start(self, start_ms):
        """Begin the schedule at start_ms: the first segment's events are due then."""
        self.start_ms = start_ms
        self._t0 = start_ms
        self.state = RUNNING
        self._begin(0, 0)

    # ------------------------------------------------------------ events

    def _emit(self, code, arg, rel):
        if self._stale:
            self.n = 0
            self._stale = False
            self._result = False
        if code == EV_RESULT:
            self._result = True
        k = self.n
        self.ev_code[k] = code
        self.ev_arg[k] = arg
        self.ev_at[k] = time.ticks_add(self._t0, rel)
        self.n = k + 1

    def advance(self, now_ms):
        """Process everything due by `now_ms`; returns the number of events in ev_*.

        It stops early when the event lists are nearly full or before a second
        EV_RESULT (the res_* attributes hold the first until the next call), so callers
        repeat until it returns 0. Everything due at a segment's end comes out together:
        its result, the next segment's start and what is due at that start.
        """
        if self._stale:
            self.n = 0
            self._stale = False
            self._result = False
        while self.state == RUNNING and self.n + _PER_STEP <= CAPACITY:
            rel = time.ticks_diff(now_ms, self._t0)
            t = self._phase_at
            which = 0
            if self._beat_at < t:
                t = self._beat_at
                which = 1
            if self._tick_at < t:
                t = self._tick_at
                which = 2
            if self._target_at < t:
                t = self._target_at
                which = 3
            if self._end_at < t:
                t = self._end_at
                which = 4
            if t > rel:
                if self.n == 0 and self._ahead < 0 and t - rel >= _AHEAD_GAP_MS:
                    self._read_ahead(self.index + 1)
                break
            if which == 4 and self._result:
                break  # the result not yet taken would be overwritten
            if which == 0:
                self._next_phase(t)
            elif which == 1:
                self.beat += 1
                self._emit(EV_BEAT, self.beat, t)
                self._beat_at = t + self.param if self.beat < self.beats else _NEVER
            elif which == 2:
                self._emit(EV_TICK, self._tick_n, t)
                self._tick_n -= 1
                self._tick_at = t + 1000 if self._tick_n > 0 else _NEVER
            elif which == 3:
                self._emit(EV_TARGET, self.index, t)
                self._target_at = _NEVER
            else:
                self._finish(t, OUT_DONE, t - self.seg_start)
        self._stale = True
        return self.n

    # ------------------------------------------------------------ segments

    def _read_ahead(self, i):
        # Segment i (with its breath pattern) into the reader's attributes, to begin later.
        if i >= self.segment_count:
            self._ahead = i
            return
        r = self.reader.read_segment(i)
        if r.breath != bbr.NO_BREATH:
            r.read_breath(r.breath, self._ahead_pattern)
        self._ahead = i

    def _begin(self, i, start_rel):
        r = self.reader
        if self._ahead != i or r.index != i:
            self._read_ahead(i)  # not read ahead, or the reader read another since
        self._ahead = -1
        self.index = i
        self.kind = r.kind
        self.flags = r.flags
        self.side = r.side
        self.rep = r.rep
        self.reps = r.reps
        self.round = r.round
        self.rounds = r.rounds
        self.step = r.step
        self.duration_ms = r.duration_ms
        self.param = r.param
        self.exercise = r.exercise
        self.say = r.say
        self.seg_start = start_rel
        self._seg_end = start_rel + r.duration_ms
        self.seg_start_ms = time.ticks_diff(time.ticks_add(self._t0, start_rel), self.start_ms)
        self._emit(EV_SEG_START, i, start_rel)
        # The end: an open hold runs to its cap unless a press ends it.
        if r.kind == bbr.HOLD_OPEN:
            self._end_at = start_rel + r.param
            self._target_at = self._seg_end
        else:
            self._end_at = self._seg_end
            self._target_at = _NEVER
        # Countdown: the last three whole seconds.
        if r.flags & bbr.COUNTDOWN and r.duration_ms >= 3000 and r.kind != bbr.HOLD_OPEN:
            self._tick_n = 3
            self._tick_at = self._seg_end - 3000
        else:
            self._tick_n = 0
            self._tick_at = _NEVER
        # Beats: one every `param` ms from the start, duration // param of them.
        self.beat = 0
        if r.kind == bbr.COUNT:
            self.beats = r.duration_ms // r.param
            self._beat_at = start_rel if self.beats else _NEVER
        else:
            self.beats = 0
            self._beat_at = _NEVER
        # Breath phases from the start, the last one cut at the end.
        self._phase = -1
        self._phase_next = 0
        self._phase_start = start_rel
        self._phase_len = 0
        if r.breath != bbr.NO_BREATH:
            p = self._pattern
            self._pattern = self._ahead_pattern
            self._ahead_pattern = p
            self._phase_at = start_rel
        else:
            self._phase_at = _NEVER

    def _next_phase(self, t):
        # The next breath phase begins at schedule time t.
        p = self._phase_next
        pat = self._pattern
        self._emit(EV_PHASE, p + 1, t)
        self._phase = p
        self._phase_start = t
        self._phase_len = pat[p]
        q = (p + 1) & 3
        while not pat[q]:
            q = (q + 1) & 3
        self._phase_next = q
        at = t + pat[p]
        self._phase_at = at if at < self._seg_end else _NEVER

    def _finish(self, t, outcome, achieved):
        # Segment self.index ends at schedule time t; shift the schedule so it ends as planned.
        i = self.index
        self._emit(EV_SEG_END, i, t)
        self.res_index = i
        self.res_kind = self.kind
        self.res_outcome = outcome
        self.res_pain = PAIN_NOT_ASKED
        self.res_start_ms = self.seg_start_ms
        self.res_end_ms = time.ticks_diff(time.ticks_add(self._t0, t), self.start_ms)
        self.res_planned_ms = self.duration_ms
        self.res_achieved_ms = achieved
        if outcome == OUT_SKIPPED:
            self.skipped_count += 1
        elif outcome == OUT_DONE:
            self.done_count += 1
        if t != self._seg_end:
            self._t0 = time.ticks_add(self._t0, t - self._seg_end)
        self._phase_at = _NEVER
        self._beat_at = _NEVER
        self._tick_at = _NEVER
        self._target_at = _NEVER
        self._end_at = _NEVER
        if outcome == OUT_STOPPED:
            self._emit(EV_RESULT, i, self._seg_end)
            self._close(END_STOPPED)
        elif self.flags & bbr.CHECK_PAIN:
            self.state = ASKING
            self._ask_at = time.ticks_add(self._t0, self._seg_end)
            self._emit(EV_ASK_PAIN, i, self._seg_end)
        else:
            self._emit(EV_RESULT, i, self._seg_end)
            self._next()

    def _next(self):
        i = self.index + 1
        if i >= self.segment_count:
            self._close(END_COMPLETED)
        else:
            self._begin(i, self._seg_end)

    def _close(self, how):
        self.state = FINISHED
        self.end = how
        self._emit(EV_DONE, how, self._seg_end)

    # ------------------------------------------------------------ commands

    def pause(self, now_ms):
        if self.state == RUNNING:
            self.state = PAUSED
            self._paused_at = now_ms

    def resume(self, now_ms):
        if self.state == PAUSED:
            d = time.ticks_diff(now_ms, self._paused_at)
            self._t0 = time.ticks_add(self._t0, d)
            self.paused_ms += d
            self.state = RUNNING

    def _now_rel(self, now_ms):
        rel = time.ticks_diff(now_ms, self._t0)
        if rel > self._end_at:
            rel = self._end_at
        if rel < self.seg_start:
            rel = self.seg_start
        return rel

    def skip(self, now_ms):
        """End the current segment now (outcome skipped); the rest of the schedule moves up."""
        self.resume(now_ms)
        if self.state == RUNNING:
            rel = self._now_rel(now_ms)
            self._finish(rel, OUT_SKIPPED, rel - self.seg_start)

    def end_hold(self, now_ms):
        """A press during an open hold: it ends now, done, with the time held."""
        if self.state == RUNNING and self.kind == bbr.HOLD_OPEN:
            rel = self._now_rel(now_ms)
            self._finish(rel, OUT_DONE, rel - self.seg_start)

    def answer(self, now_ms, pain):
        """The answer to the pain question, 0 to PAIN_MAX; the next segment starts now."""
        if self.state != ASKING:
            return
        d = time.ticks_diff(now_ms, self._ask_at)
        self._t0 = time.ticks_add(self._t0, d)
        self.res_pain = pain if pain < PAIN_MAX else PAIN_MAX
        self.state = RUNNING
        self._emit(EV_RESULT, self.index, self._seg_end)
        self._next()

    def stop(self, now_ms):
        """End the session now; the current segment's outcome is stopped."""
        self.resume(now_ms)
        if self.state == RUNNING:
            rel = self._now_rel(now_ms)
            self._finish(rel, OUT_STOPPED, rel - self.seg_start)
        elif self.state == ASKING:
            self.res_pain = PAIN_UNANSWERED
            self._emit(EV_RESULT, self.index, self._seg_end)
            self._close(END_STOPPED)

    # ------------------------------------------------------------ queries for the screen

    def _rel_at(self, now_ms):
        if self.state == PAUSED:
            now_ms = self._paused_at
        elif self.state != RUNNING:
            return self._seg_end
        return time.ticks_diff(now_ms, self._t0)

    def paused_for_ms(self, now_ms):
        """How long the current pause has lasted (0 when not paused)."""
        if self.state != PAUSED:
            return 0
        return time.ticks_diff(now_ms, self._paused_at)

    def next_due_ms(self, now_ms):
        """Milliseconds until the next event is due (0 if one is due; large when none can be)."""
        if self.state != RUNNING:
            return _NEVER
        t = self._phase_at
        if self._beat_at < t:
            t = self._beat_at
        if self._tick_at < t:
            t = self._tick_at
        if self._target_at < t:
            t = self._target_at
        if self._end_at < t:
            t = self._end_at
        d = t - time.ticks_diff(now_ms, self._t0)
        return d if d > 0 else 0

    def open_hold(self):
        return self.state == RUNNING and self.kind == bbr.HOLD_OPEN

    def remaining_ms(self, now_ms):
        """Time left in the current segment (0 when over; an open hold's target)."""
        left = self._seg_end - self._rel_at(now_ms)
        return left if left > 0 else 0

    def elapsed_ms(self, now_ms):
        """Time spent in the current segment (what an open hold counts up)."""
        e = self._rel_at(now_ms) - self.seg_start
        if e < 0:
            return 0
        if self.kind != bbr.HOLD_OPEN and e > self.duration_ms:
            return self.duration_ms
        return e

    def phase(self):
        """The breath phase now: PHASE_NONE, PHASE_IN, PHASE_HOLD_IN, PHASE_OUT, PHASE_HOLD_OUT."""
        if self._phase < 0 or self.state == FINISHED or self.state == ASKING:
            return PHASE_NONE
        return self._phase + 1

    def phase_word(self):
        return _WORDS[self.phase()]

    def breath_level(self, now_ms):
        """How full the breath bar is, 0 to 1000: grows on IN, shrinks on OUT."""
        p = self.phase()
        if p == PHASE_NONE or p == PHASE_HOLD_OUT:
            return 0
        if p == PHASE_HOLD_IN:
            return 1000
        length = self._phase_len
        e = self._rel_at(now_ms) - self._phase_start
        if e < 0:
            e = 0
        if e > length:
            e = length
        f = e * 1000 // length if length else 1000
        return f if p == PHASE_IN else 1000 - f

    def progress(self, now_ms):
        """How much of the planned routine is behind, 0 to 1000."""
        if self.state == FINISHED:
            return 1000
        pos = self.seg_start + self.elapsed_ms(now_ms)
        if pos > self._seg_end:
            pos = self._seg_end
        s = self._pshift
        total = self.total_ms >> s
        if total == 0:
            return 0
        return (pos >> s) * 1000 // total
