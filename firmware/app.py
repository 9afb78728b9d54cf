# The device app: the routine menu, the session loop, the pain question, the summary,
# settings and "sync me" (what it does outside a session is in menu.py, which a session
# lets go). It is handed its hardware and its clock, so tests drive it in virtual time
# with fakes; main.py hands it the real board.

import gc
import sys
import time
from array import array

import bbr
import button
import cues
import engine as E
import ui
from logbook import get_u16, get_u32
from micropython import const

MENU = const(1)
SESSION = const(2)
DONE = const(3)
SETTINGS = const(4)
MESSAGE = const(5)
SLEEP = const(6)
MORNING = const(7)

# A turn of the loop sleeps at most this long.
LOOP_MS = const(10)
# The loop stops sleeping this long before a cue is due.
_SPIN_MS = const(8)
# Records are written, and a collection done, between segments only when the next cue is
# at least this far (a flash sector's erase takes 45 ms).
_GC_GAP_MS = const(100)
# While the host talks (a request this recently), the menu's work in the background
# (checking routines, ordering the menu) waits, and the loop sleeps 1 ms a turn, not
# LOOP_MS, so that the host's next request is read as it comes.
_TALK_MS = const(500)
# The screen is not redrawn when an event is due sooner than this, or than the longest
# frame drawn so far took (cues first); a frame measured longer than ui.REFRESH_MS is
# taken as the machine stalled (a virtual device's host), not as the bus.
_QUIET_MS = const(25)
# After a pain answer, a double press this soon is the end of the counting, not a skip.
_ANSWER_GRACE_MS = const(2000)
# Routines read or listed in one go (the link's INFO) between two garbage collections,
# outside a session.
COLLECT_EVERY = const(16)

# What the app keeps of each routine file, by its index in the listing (in name order):
# RT bytes of App._rt (listing.py and menu.py use them too). Byte F holds these flags
# and the routine's rank in the menu's order (bits 5-6: 0 due, 1 done today, 2 neither).
READ = const(1)  # its header was read: the fields below hold its values
CHECKED = const(2)  # the file of this size and CRC was found good
REFUSED = const(4)  # not offered (named in App.bad)
HAS_AT = const(8)  # it has reminder times
KNOWN = const(16)  # a verdict on the file of this size and CRC: CHECKED, or App._verr's
RANKS = const(0x60)
RT = const(20)
F = const(0)
DUE_KIND = const(1)
DUE_VALUE = const(2)
LEVEL = const(4)
SEGMENTS = const(6)
SIZE = const(8)
CRC = const(12)
TOTAL = const(16)

# Cues for the start of each segment kind (by .bbr kind code).
_START_CUES = (
    cues.START,
    cues.GET_READY,  # prepare
    cues.START,  # hold
    cues.START,  # hold_open
    cues.START,  # breathe
    cues.START,  # stretch
    cues.START,  # contract
    cues.START,  # relax
    cues.START,  # count
    cues.REST,  # rest
    cues.SWITCH,  # switch
)
_PHASE_CUES = (-1, cues.INHALE, cues.HOLD, cues.EXHALE, cues.HOLD)


class Shown:
    """A routine as the menu, a session and the link see it (App.entries[k]): filled from
    what the app keeps of it; name is read from its header for the menu (else None)."""

    def __init__(self):
        self.ix = -1  # its index in the listing
        self.stem = ""
        self.name = None
        self.total_ms = 0
        self.crc = 0
        self.level = 0
        self.segments = 0
        self.size = 0
        self.checked = False
        self.due_kind = 0
        self.due_value = 0


class App:
    """Everything on the device after boot; step(now_ms) runs one turn of the loop."""

    # Idle this long outside a session: screen off and light sleep until the button wakes
    # it (then the menu shows).
    idle_ms = 180000
    # Each light sleep lasts at most this long (a lightsleep's timer is 32 bits of µs, and
    # the clock's ticks anchor is kept in range); it ends sooner at the next reminder.
    sleep_chunk_ms = 3600000
    # After a reminder the device goes back to sleep this long without a press.
    remind_ms = 60000

    def __init__(self, board, display, logbook, now_ms, routines="/routines",
                 settings_path="/settings.txt", fs=None, ticks_ms=time.ticks_ms,
                 index_path="/routines.idx", clock=None, power_up=True):
        self.board = board
        self.clock = clock  # the battery-backed clock chip (rtc.Clock), None without one
        self.ticks_ms = ticks_ms
        self.display = display
        self.logbook = logbook
        self.routines = routines
        self.settings_path = settings_path
        self.index_path = index_path
        self.fs = fs if fs is not None else logbook.fs
        # One reader for every routine: listing, checking and the session's segments.
        self._rd = bbr.Routine()
        self._checking = -1  # the routine whose check is under way, a part a turn
        self._unchecked = False  # some routine is not checked yet
        # The routines: their ids one after another in _names (routine i's ends at
        # _ends[i]), RT bytes each in _rt, the menu's order in _menu[:_count] (those
        # offered), and the reminder times (minutes after midnight) of them all in _at.
        # Nothing per routine is an object of its own.
        self._names = bytearray()
        self._ends = array("H")
        self._rt = bytearray()
        self._menu = array("H")
        self._count = 0
        self._at = array("H")
        self._cursor = 0  # the headers before it are read (or the routine refused)
        # The listing came from the index and is being compared with the folder, a few
        # entries a turn (listing.py): the folder's iterator, the index's ids seen in it,
        # whether the folder has one the index has not.
        self._listed = True
        self._lister = None
        self._seen = 0
        self._stale = False
        self._verr = {}  # index -> the verdict on a file found bad (KNOWN)
        self._verdicts_changed = False
        self._pushed = None  # (file name, size, CRC) of a routine the link put on flash
        self._view = Shown()  # the routine the menu shows (and App.entries' items)
        self._menu_code = None  # menu.py, while it is imported (App._m)
        # The routines the menu offers, in its order: len(), [k] and iteration; each item
        # is the one shared Shown, filled again for each k (read it before the next).
        self.entries = self
        self.entry = Shown()  # the session's routine
        self.button = button.Button(board.button, now_ms)
        self.cues = cues.Cues(board.buzzer, board.motor)
        self.bad = []  # (file name, error) of the routines that cannot be run
        self.last = {}
        self.selected = 0
        self.screen = MENU
        self.engine = None
        self.reader = None
        self.summary = (False, 0, 0, 0, 0)  # the last session: completed, s, done, skipped, paused s
        self.exercise = ""
        self._exercise_top = ""  # its first line, for the session screen (made once per segment)
        self.say = ()  # the current step's `say` text, its lines (read once per segment)
        self.link = None  # the serial link, polled every turn once it is set
        self.message_title = ""
        self.message_text = ""
        self._last_input = now_ms
        self._talking = False  # the host made a request in the last _TALK_MS
        self._talk_ms = now_ms  # when
        self._drawn_at = now_ms
        self._frame_ms = _QUIET_MS  # the longest frame (drawn and sent) so far, +1 ms
        self._dirty = True
        self._row = 0
        self._unsaved = False
        self.pain = 0  # the pain answer being counted up
        self._answered_at = time.ticks_add(now_ms, -_ANSWER_GRACE_MS)
        # The menu is put in order of what is due once every header is read (and again
        # when the day, the clock or what was done changes); after a start-up, a session
        # or a sleep, and until a press, it shows the first routine due.
        self._ordered = False
        self._fresh = True
        # The next-morning question: the routine started once it is answered, the answer
        # shown (0 better, 1 same, 2 worse), the day it was last asked.
        self._morning_ix = -1
        self.morning = 1
        self._asked_day = 0
        # Reminders: the next `at` time of any routine, in local seconds (_slot_s) and as a
        # ticks deadline (_slot_at); None when there is none or no clock. Slots up to
        # _slot_done (local seconds) are past: each is looked at once. Planned with the
        # menu's order (every header read), and again after each.
        self._slot_s = None
        self._slot_at = 0
        self._slot_done = 0
        if power_up:
            self.power_up(now_ms)

    def power_up(self, now_ms):
        """The settings and the clock read, the routines listed and the menu shown: what
        making the app does, unless made with power_up=False (main.py then calls this once
        the app is made: on the virtual device, garbage cannot be collected inside a call
        of a class with arguments, and the listing of a full flash makes plenty)."""
        self._m().load_settings(self)
        self.read_clock(now_ms)
        self.reload(now_ms, True)
        self._slot_done = self.logbook.local_s(now_ms)  # no reminder for a time before now

    def __len__(self):
        return self._count

    def _m(self):
        # What the app does outside a session (menu.py): a session lets it go (start), and
        # the first turn after the session imports it again.
        m = self._menu_code
        if m is None:
            import menu

            m = self._menu_code = menu
        return m

    def __getitem__(self, k):
        if k < 0:
            k += self._count
        if k < 0 or k >= self._count:
            raise IndexError
        if k % COLLECT_EVERY == COLLECT_EVERY - 1 and self.reader is None:
            gc.collect()  # a listing of them all (INFO) leaves a little garbage per item
        return self._fill(self._menu[k], self._view)

    # ------------------------------------------------------------ the clock

    def read_clock(self, now_ms):
        """Take the time from the clock chip, when there is one and it holds a date."""
        if self.clock is not None:
            wall = self.clock.read()
            if wall:
                self.logbook.know_time(wall, now_ms)

    def set_clock(self, wall_s, now_ms):
        """The host gave the time: the log records it and the clock chip keeps it."""
        self.logbook.set_clock(wall_s, now_ms)
        if self.clock is not None:
            self.clock.write(wall_s)
        self._ordered = False
        if not self._slot_done:
            self._slot_done = self.logbook.local_s(now_ms)

    def set_zone(self, minutes, now_ms):
        """The host's local time is `minutes` ahead of UTC: the device's is too."""
        if minutes * 60 != self.logbook.zone_s and self.logbook.set_zone(minutes):
            self._ordered = False

    def today(self, now_ms):
        """The local day now (days since 1970-01-01), 0 while the clock is not known."""
        lb = self.logbook
        return lb.local_day(lb.wall_s(now_ms))

    # ------------------------------------------------------------ routines and settings

    def reload(self, now_ms, start=False):
        """List the routines again (after a change on flash) and show the menu or a
        problem (listing.reload)."""
        import listing

        listing.reload(self, now_ms, start)

    def stem(self, i):
        """The id of routine i (its file's name without .bbr)."""
        return str(self._names[self._ends[i - 1] if i else 0 : self._ends[i]], "utf-8")

    def _path(self, i):
        return self.routines + "/" + self.stem(i) + ".bbr"

    def routine_path(self, crc):
        """The path of the routine file whose CRC is crc, from what the app keeps of each
        (no file opened); "" when the app knows every file's CRC and none has it, None
        when it does not know them all."""
        rt = self._rt
        sure = self._listed
        for i in range(len(self._ends)):
            o = i * RT
            if rt[o] & (READ | KNOWN):
                if get_u32(rt, o + CRC) == crc:
                    return self._path(i)
            else:
                sure = False
        return "" if sure else None

    def _fill(self, i, v):
        # The Shown v, filled with what is known of routine i (its name kept if it was i's).
        if v.ix != i:
            v.ix = i
            v.name = None
        rt = self._rt
        o = i * RT
        v.stem = self.stem(i)
        v.total_ms = get_u32(rt, o + TOTAL)
        v.crc = get_u32(rt, o + CRC)
        v.level = get_u16(rt, o + LEVEL)
        v.segments = get_u16(rt, o + SEGMENTS)
        v.size = get_u32(rt, o + SIZE)
        v.checked = bool(rt[o + F] & CHECKED)
        v.due_kind = rt[o + DUE_KIND]
        v.due_value = rt[o + DUE_VALUE]
        return v

    def _next_unread(self):
        # The first routine whose header is not read (nor refused), or -1.
        rt = self._rt
        n = len(self._ends)
        k = self._cursor
        while k < n and rt[k * RT] & (READ | REFUSED):
            k += 1
        self._cursor = k
        return k if k < n else -1

    def _ready(self):
        # The routine the menu shows has its header read (refused ones skipped).
        v = self._view
        while self.selected < self._count:
            i = self._menu[self.selected]
            if v.ix == i and v.name is not None:
                return
            import listing

            if listing.load(self, i, v) is not None:
                return

    def load_all(self):
        """Read every routine's header not read yet (the link's INFO lists them all)."""
        import listing

        listing.load_all(self)

    def _open_routine(self, path, checked):
        f = self.fs.open(path, "rb")
        try:
            return self._rd.open(f, checked)
        except Exception:
            f.close()
            raise

    def remember_checked(self, fname, size, crc):
        """The routine file fname, of this size and CRC, was found good (by the link); it
        is remembered at the next reload()."""
        self._pushed = (fname, size, crc)
        self._verdicts_changed = True

    def _show_message(self, title, text):
        self.screen = MESSAGE
        self.message_title = title
        self.message_text = text
        self._dirty = True

    def busy(self):
        """True while a session runs (the link refuses routine changes then)."""
        return self.screen == SESSION

    # ------------------------------------------------------------ the loop

    def step(self, now_ms):
        """One turn: the button, the engine, the cues, the link, the screen."""
        ev = self.button.update(now_ms)
        if ev != button.NONE:
            self._last_input = now_ms
        s = self.screen
        if s == SESSION:
            try:
                self._session_input(ev, now_ms)
                self._run_engine(now_ms)
            except bbr.BbrError as err:
                self._bad_segment(err, now_ms)
        elif ev != button.NONE:
            self._m().press(self, s, ev, now_ms)
        elif self._talking and time.ticks_diff(now_ms, self._talk_ms) < _TALK_MS:
            pass  # the host's requests first
        elif self._unchecked and not self.cues.busy() and not self._dirty:
            import listing

            listing.check_turn(self)  # after the frame due: the menu first at start-up
        elif not self._ordered and s == MENU:
            self._m().order(self, now_ms)
        slot = self._slot_s
        if (slot is not None and s != SESSION and s != MORNING
                and time.ticks_diff(now_ms, self._slot_at) >= 0):
            m = self._m()
            i = m.slot_reached(self, slot, now_ms)
            if i >= 0:
                m.show_reminder(self, i, now_ms)
        self.cues.update(now_ms)
        link = self.link
        if link is not None:
            before = link.requests
            link.poll(now_ms, self)
            if link.requests != before:
                self._last_input = now_ms  # a host talking to it keeps the device awake
                self._talking = True
                self._talk_ms = now_ms
            elif self._talking and time.ticks_diff(now_ms, self._talk_ms) >= _TALK_MS:
                self._talking = False
        self._draw(now_ms)
        if (
            self.screen != SESSION
            and not self.cues.busy()
            and time.ticks_diff(now_ms, self._last_input) >= self.idle_ms
        ):
            self._m().sleep(self)

    def wait_ms(self, now_ms):
        """How long the loop may sleep before its next turn (at most LOOP_MS).

        Close to a cue it wakes _SPIN_MS early and then waits without sleeping (wait), so
        a late wake-up from sleep_ms does not make the cue late.
        """
        if self.screen == SESSION and self.engine is not None:
            d = self.engine.next_due_ms(now_ms) - _SPIN_MS
            if d < LOOP_MS:
                return d if d > 0 else 0
        elif self._talking:
            return 1  # the host's next request read within a millisecond of its coming
        return LOOP_MS

    def wait(self, sleep_ms=time.sleep_ms):
        """Wait for the next turn of the loop: sleep wait_ms(now), and within _SPIN_MS of a
        cue watch the clock alone until the cue's millisecond begins (a turn of the loop
        takes about 0.8 ms on a Pico, so turning until then would start it up to that late).
        """
        ticks_ms = self.ticks_ms
        now = ticks_ms()
        d = self.wait_ms(now)
        if d:
            sleep_ms(d)
        elif self.screen == SESSION and self.engine is not None:
            due = time.ticks_add(now, self.engine.next_due_ms(now))
            while time.ticks_diff(due, ticks_ms()) > 0:
                pass

    def run(self, sleep_ms=time.sleep_ms):
        """The board's main loop; returns only through an exception (Ctrl-C included).
        sleep_ms(ms) is its wait between turns (main.py's ends early when the host sends
        a byte)."""
        ticks_ms = self.ticks_ms
        while True:
            self.step(ticks_ms())
            self.wait(sleep_ms)

    # ------------------------------------------------------------ menu

    # ------------------------------------------------------------ session

    def start(self, entry, now_ms):
        """Start a session of `entry` (a Shown, App.entries[k]), or say "sync me" when the
        log has no room for it."""
        i = entry.ix
        rt = self._rt
        o = i * RT
        if not rt[o + F] & READ:
            import listing

            if listing.load(self, i) is None:
                return False
        lb = self.logbook
        if not lb.room_for(get_u16(rt, o + SEGMENTS)):
            self._show_message("SYNC ME", "Log space is\nfull. Sync with\nthe laptop to\nfree it.")
            self.cues.play(cues.ERROR, now_ms)
            return False
        if self._m().morning_due(self, now_ms):
            self._morning_ix = i
            self.morning = 1
            self.screen = MORNING
            self.button.ignore_until_release()
            self._dirty = True
            return False
        rd = self._rd
        try:
            self._checking = -1
            rd.close()  # a check under way begins again after the session
            r = self._open_routine(self._path(i), True)
            if r.crc32 != get_u32(rt, o + CRC) or r.size != get_u32(rt, o + SIZE):
                # Not the file the menu offers (changed behind its back): list them again.
                r.close()
                self.reload(now_ms)
                return False
            if not rt[o + F] & CHECKED:
                # Not checked whole yet: its CRC and header now, each segment as the session
                # reads it (a bad one ends the session, _bad_segment); the whole check after.
                r.begin_lazy()
            eng = E.Engine(r)  # reads the first segment
        except (bbr.BbrError, OSError) as e:
            rd.close()
            import listing

            listing.refuse(self, i, e)
            return False
        self.reader = r
        bbr.drop_tables()  # no check in a session
        v = self._view
        en = self._fill(i, self.entry)
        en.name = v.name if v.ix == i and v.name is not None else r.string(r.name_offset)
        # The chip's time again: the ticks drift (and run fast on a sped-up virtual device).
        self.read_clock(now_ms)
        lb.begin_session(en.stem, r.crc32, r.level, r.segment_count, r.total_ms, now_ms)
        # The schedule starts once the file work is done, so the first cue is not late.
        now_ms = self.ticks_ms()
        eng.start(now_ms)
        self.engine = eng
        self.screen = SESSION
        # A session runs without the menu's code nor the listing's: they are let go until
        # the session is over.
        self._menu_code = None
        sys.modules.pop("menu", None)
        sys.modules.pop("schedule", None)
        sys.modules.pop("listing", None)
        self.button.ignore_until_release()
        self._dirty = True
        self._run_engine(now_ms)
        return True

    def _session_input(self, ev, now_ms):
        e = self.engine
        if ev == button.NONE:
            return
        if e.state == E.ASKING:
            # Counting up from 0: a short press adds one, a double press two, and holding
            # saves the number. Nothing here skips or stops.
            if ev == button.SHORT or ev == button.DOUBLE:
                self.pain += 1 if ev == button.SHORT else 2
                if self.pain > E.PAIN_MAX:
                    self.pain = E.PAIN_MAX
                self._dirty = True
            elif ev == button.LONG:
                e.answer(now_ms, self.pain)
                self._answered_at = now_ms
                self.button.ignore_until_release()
        elif ev == button.DOUBLE and time.ticks_diff(now_ms, self._answered_at) < _ANSWER_GRACE_MS:
            return
        elif ev == button.LONG:
            e.stop(now_ms)
        elif ev == button.DOUBLE:
            e.skip(now_ms)
        elif ev == button.SHORT:
            if e.open_hold():
                e.end_hold(now_ms)
            elif e.state == E.PAUSED:
                e.resume(now_ms)
            else:
                e.pause(now_ms)
        self._dirty = True

    def _run_engine(self, now_ms):
        e = self.engine
        guard = 0
        while guard < 64:
            n = e.advance(now_ms)
            if n == 0:
                break
            # The cues first: a new segment's texts are read, its predecessor's record
            # built and the session's end written once every cue of the moment started.
            result = False
            begun = False
            done = 0
            for k in range(n):
                code = e.ev_code[k]
                if code == E.EV_RESULT:
                    result = True
                elif code == E.EV_DONE:
                    done = e.ev_arg[k]
                    self.cues.play(cues.DONE, now_ms)
                else:
                    begun = begun or code == E.EV_SEG_START
                    self._on_event(code, e.ev_arg[k], now_ms)
            if begun:
                self._read_texts()
            if result:
                self.logbook.add_result(e)
                self._unsaved = True
            if done:
                self._finish(done, now_ms)
            guard += 1
            if self.screen != SESSION:
                break
        if (self._unsaved and self.engine is not None
                and e.next_due_ms(self.ticks_ms()) >= _GC_GAP_MS):
            # Between segments, once every due cue has started and while no cue is near:
            # now the flash write, and a garbage collection (none in the middle of a cue).
            self._unsaved = False
            self.logbook.flush()
            gc.collect()

    def _on_event(self, code, arg, now_ms):
        e = self.engine
        c = self.cues
        if code == E.EV_SEG_START:
            c.play(_START_CUES[e.kind], now_ms)
        elif code == E.EV_PHASE:
            c.play(_PHASE_CUES[arg], now_ms)
        elif code == E.EV_TICK:
            c.play(cues.TICK, now_ms)
        elif code == E.EV_BEAT:
            if arg > 1:
                c.play(cues.BEAT, now_ms)
        elif code == E.EV_TARGET:
            c.play(cues.START, now_ms)
        elif code == E.EV_ASK_PAIN:
            self.pain = 0
            c.play(cues.ASK, now_ms)
        self._dirty = True

    def _read_texts(self):
        # The current segment's exercise and `say` lines, for its screens.
        e = self.engine
        self.exercise = self.reader.string(e.exercise) or ""
        self._exercise_top = ui.line_of(self.exercise, 0)
        say = self.reader.string(e.say)
        self.say = say.split("\n") if say else ()

    def _finish(self, how, now_ms):
        # The session is over and its cue playing: its end written, the summary shown.
        e = self.engine
        elapsed = time.ticks_diff(now_ms, e.start_ms)
        self.read_clock(now_ms)
        self.logbook.end_session(how, e.done_count, e.skipped_count, elapsed, e.paused_ms,
                                 now_ms)
        # Between sessions: "when last done" saved, so the next start-up need not read the log.
        self.logbook.save_last()
        self.summary = (how == E.END_COMPLETED, elapsed // 1000, e.done_count, e.skipped_count,
                        e.paused_ms // 1000)
        self.reader.close()
        self.reader = None
        self.last[self.entry.stem] = (self.logbook.boot, e.start_ms, self.logbook.wall_s(e.start_ms))
        self._ordered = False
        self._fresh = True
        self.screen = DONE
        self.button.ignore_until_release()
        self._dirty = True

    def _bad_segment(self, err, now_ms):
        # A segment of the routine under way, not checked whole before its start, is bad:
        # the session ends there (stopped, its record written), the error is logged, and
        # the routine is named and no longer offered.
        e = self.engine
        lb = self.logbook
        lb.end_session(E.END_STOPPED, e.done_count, e.skipped_count,
                       time.ticks_diff(now_ms, e.start_ms), e.paused_ms, now_ms)
        en = self.entry
        lb.log_error("%s.bbr: %s" % (en.stem, err), now_ms)
        self.reader.close()
        self.reader = None
        self.engine = None
        self.screen = MENU
        self.cues.play(cues.ERROR, now_ms)
        import listing

        listing.refuse(self, en.ix, err)

    # ------------------------------------------------------------ settings, messages

    def show_error(self, text, now_ms):
        """An unexpected error: logged, shown, and the ERROR cue; a press goes back to the menu."""
        try:
            self.logbook.log_error(text, now_ms)
        except Exception:
            pass
        if self.reader is not None:
            self.reader.close()
            self.reader = None
        self.engine = None
        self.screen = MESSAGE
        self.message_title = "ERROR"
        self.message_text = wrap16(text, 5)
        self.cues.play(cues.ERROR, now_ms)
        self._dirty = True

    # ------------------------------------------------------------ sleep

    # ------------------------------------------------------------ screen

    def _draw(self, now_ms):
        s = self.screen
        t = self.ticks_ms()  # not now_ms: this turn's flash writes may have taken a while
        if s == SESSION:
            e = self.engine
            if e.state == E.RUNNING and e.next_due_ms(t) < self._frame_ms:
                return
            if not self._dirty and time.ticks_diff(now_ms, self._drawn_at) < ui.REFRESH_MS:
                return
            self._draw_session(now_ms)
        else:
            if not self._dirty:
                return
            if s == MENU:
                self._ready()  # its header read; a refused routine shows why instead
            if not self._m().draw(self, now_ms):
                return
        self.display.show()
        d = time.ticks_diff(self.ticks_ms(), t) + 1
        if d > self._frame_ms:
            self._frame_ms = d if d < ui.REFRESH_MS else ui.REFRESH_MS
        self._dirty = False
        self._drawn_at = now_ms

    def _draw_session(self, now_ms):
        e = self.engine
        fb = self.display
        if e.state == E.ASKING:
            ui.pain(fb, self.pain)
        elif e.state == E.PAUSED:
            ui.paused(fb, self.exercise, self.say, (e.remaining_ms(now_ms) + 999) // 1000,
                      e.paused_for_ms(now_ms) // 1000)
        else:
            up = e.open_hold()
            if up:
                secs = e.elapsed_ms(now_ms) // 1000
            else:
                secs = (e.remaining_ms(now_ms) + 999) // 1000
            ui.session(fb, self._exercise_top, self.say, e.kind, secs, up, e.phase(),
                       e.breath_level(now_ms), e.side, e.rep, e.reps, e.progress(now_ms))


def wrap16(text, max_lines):
    """text cut into lines of 16 characters (breaking at its own line ends too)."""
    out = ""
    lines = 0
    for part in text.split("\n"):
        while lines < max_lines:
            if lines:
                out += "\n"
            out += part[:16]
            lines += 1
            part = part[16:]
            if not part:
                break
    return out

