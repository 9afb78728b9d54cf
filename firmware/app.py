# The device app: the routine menu, the session loop, the pain question, the summary,
# settings and "sync me". It is handed its hardware and its clock, so tests drive it
# in virtual time with fakes; main.py hands it the real board.

import gc
import sys
import time

import bbr
import button
import cues
import engine as E
import ui
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
# A collection is done between segments only when the next cue is at least this far.
_GC_GAP_MS = const(100)
# The screen is not redrawn when an event is due sooner than this (cues first).
_QUIET_MS = const(25)
# After a pain answer, a double press this soon is the end of the counting, not a skip.
_ANSWER_GRACE_MS = const(2000)
_SETTINGS_LABELS = ("sound", "vibration", "back")

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


class Entries:
    """The routines the menu offers, in its order: len(), [k] and iteration. Each item is
    one shared Shown, filled again for each k (read what it says before the next)."""

    def __init__(self, app):
        self._app = app

    def __len__(self):
        return self._app._count

    def __getitem__(self, k):
        a = self._app
        if k < 0:
            k += a._count
        if k < 0 or k >= a._count:
            raise IndexError
        return _shelf().item(a, k)


_let_go = [False]  # a session let shelf.py go


def _shelf():
    # The routines' module (shelf.py), imported again if a session let it go.
    if "shelf" not in sys.modules:
        import shelf  # noqa: F401
    return sys.modules["shelf"]


def _reshelve():
    # After a session: shelf.py imported again, with the garbage collected before (the
    # most room for its compiler) and after. Only from the loop's turn: on the WebAssembly
    # port a collection inside App.__init__ (called from C) lost objects.
    _let_go[0] = False
    gc.collect()
    _shelf()
    gc.collect()


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
                 checked_path="/checked.txt", clock=None):
        self.board = board
        self.clock = clock  # the battery-backed clock chip (rtc.Clock), None without one
        self.ticks_ms = ticks_ms
        self.display = display
        self.logbook = logbook
        self.routines = routines
        self.settings_path = settings_path
        self.checked_path = checked_path
        self.fs = fs if fs is not None else logbook.fs
        # One reader for every routine: listing, checking and the session's segments.
        self._rd = bbr.Routine()
        self._checking = -1  # the routine whose check is under way, a part a turn
        self._unchecked = False  # some routine is not checked yet
        # The routines: their ids one after another in _names (routine i's ends at
        # _ends[i]), _RT bytes each in _rt, the menu's order in _menu[:_count] (those
        # offered), and the reminder times (minutes after midnight) of them all in _at.
        # Nothing per routine is an object of its own.
        # (Made by shelf.reload.)
        self._names = self._ends = self._rt = self._menu = self._at = ()
        self._count = 0
        self._cursor = 0  # the headers before it are read (or the routine refused)
        self._verr = {}  # index -> the verdict on a file found bad (_KNOWN)
        self._verdicts_changed = False
        self._pushed = None  # (file name, size, CRC) of a routine the link put on flash
        self._view = Shown()  # the routine the menu shows (and App.entries' items)
        self.entries = Entries(self)
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
        self._drawn_at = now_ms
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
        _shelf().load_settings(self)
        self.read_clock(now_ms)
        self.reload(now_ms)
        self._slot_done = self.logbook.local_s(now_ms)  # no reminder for a time before now

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

    # ------------------------------------------------------------ reminders

    # ------------------------------------------------------------ routines and settings

    def reload(self, now_ms):
        """List the routines again (after a change on flash) and show the menu or a problem
        (shelf.reload)."""
        _shelf().reload(self, now_ms)

    def load_all(self):
        """Read every routine's header not read yet (the link's INFO lists them all)."""
        _shelf().load_all(self)

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
        if _let_go[0] and self.screen != SESSION:
            _reshelve()
        ev = self.button.update(now_ms)
        if ev != button.NONE:
            self._last_input = now_ms
        s = self.screen
        if s == SESSION:
            self._session_input(ev, now_ms)
            self._run_engine(now_ms)
        elif ev != button.NONE:
            if s == MENU:
                _shelf().menu_input(self, ev, now_ms)
            elif s == DONE:
                self._done_input(ev, now_ms)
            elif s == SETTINGS:
                _shelf().settings_input(self, ev)
            elif s == MESSAGE:
                _shelf().message_input(self, ev)
            elif s == MORNING:
                _shelf().morning_input(self, ev, now_ms)
        elif self._unchecked and not self.cues.busy():
            _shelf().check_turn(self)
        elif not self._ordered and s == MENU:
            _shelf().order(self, now_ms)
        slot = self._slot_s
        if (slot is not None and s != SESSION and s != MORNING
                and time.ticks_diff(now_ms, self._slot_at) >= 0):
            i = _shelf().slot_reached(self, slot, now_ms)
            if i >= 0:
                _shelf().show_reminder(self, i, now_ms)
        self.cues.update(now_ms)
        link = self.link
        if link is not None:
            before = link.requests
            link.poll(now_ms, self)
            if link.requests != before:
                self._last_input = now_ms  # a host talking to it keeps the device awake
        self._draw(now_ms)
        if (
            self.screen != SESSION
            and not self.cues.busy()
            and time.ticks_diff(now_ms, self._last_input) >= self.idle_ms
        ):
            _shelf().sleep(self)

    def wait_ms(self, now_ms):
        """How long the loop may sleep before its next turn (at most LOOP_MS).

        Close to a cue it wakes _SPIN_MS early and then turns without sleeping, so a
        late wake-up from sleep_ms does not make the cue late.
        """
        if self.screen == SESSION and self.engine is not None:
            d = self.engine.next_due_ms(now_ms) - _SPIN_MS
            if d < LOOP_MS:
                return d if d > 0 else 0
        return LOOP_MS

    def run(self, sleep_ms=time.sleep_ms):
        """The board's main loop; returns only through an exception (Ctrl-C included)."""
        ticks_ms = self.ticks_ms
        while True:
            now = ticks_ms()
            self.step(now)
            d = self.wait_ms(ticks_ms())
            if d:
                sleep_ms(d)

    # ------------------------------------------------------------ menu

    # ------------------------------------------------------------ session

    def start(self, entry, now_ms):
        """Start a session of `entry` (a Shown, App.entries[k]), or say "sync me" when the
        log has no room for it."""
        sh = _shelf()
        i = entry.ix
        segments = sh.segments(self, i)
        if segments < 0:
            return False
        lb = self.logbook
        if not lb.room_for(segments):
            self._show_message("SYNC ME", "Log space is\nfull. Sync with\nthe laptop to\nfree it.")
            self.cues.play(cues.ERROR, now_ms)
            return False
        if _shelf().morning_due(self, now_ms):
            self._morning_ix = i
            self.morning = 1
            self.screen = MORNING
            self.button.ignore_until_release()
            self._dirty = True
            return False
        r = sh.open_checked(self, i, now_ms)
        if r is None:
            return False
        self.reader = r
        v = self._view
        en = sh.fill(self, i, self.entry)
        en.name = v.name if v.ix == i and v.name is not None else r.string(r.name_offset)
        # A session reads no other routine: its code and the CRC tables are let go.
        sh = None
        sys.modules.pop("shelf", None)
        _let_go[0] = True
        bbr.drop_tables()
        # The chip's time again: the ticks drift (and run fast on a sped-up virtual device).
        self.read_clock(now_ms)
        lb.begin_session(en.stem, r.crc32, r.level, r.segment_count, r.total_ms, now_ms)
        # The schedule starts once the file work is done, so the first cue is not late.
        now_ms = self.ticks_ms()
        self.engine = E.Engine(r, now_ms)
        self.screen = SESSION
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
            for k in range(n):
                self._on_event(e.ev_code[k], e.ev_arg[k], now_ms)
            guard += 1
            if self.screen != SESSION:
                break
        if self._unsaved and self.engine is not None:
            # Between segments, once every due cue has started: now the flash write, and
            # a garbage collection while no cue is near (so none runs in the middle of one).
            self._unsaved = False
            self.logbook.flush()
            if e.next_due_ms(self.ticks_ms()) >= _GC_GAP_MS:
                gc.collect()

    def _on_event(self, code, arg, now_ms):
        e = self.engine
        c = self.cues
        if code == E.EV_SEG_START:
            self.exercise = self.reader.string(self.reader.exercise) or ""
            self._exercise_top = ui.line_of(self.exercise, 0)
            c.play(_START_CUES[e.kind], now_ms)
            say = self.reader.string(self.reader.say)
            self.say = say.split("\n") if say else ()
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
        elif code == E.EV_RESULT:
            self.logbook.add_result(e)
            self._unsaved = True
        elif code == E.EV_DONE:
            self._finish(arg, now_ms)
            return
        self._dirty = True

    def _finish(self, how, now_ms):
        e = self.engine
        elapsed = time.ticks_diff(now_ms, e.start_ms)
        self.read_clock(now_ms)
        self.logbook.end_session(how, e.done_count, e.skipped_count, elapsed, e.paused_ms,
                                 now_ms)
        self.cues.play(cues.DONE, now_ms)
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

    def _done_input(self, ev, now_ms):
        if ev == button.SHORT or ev == button.LONG:
            self.engine = None
            self.screen = MENU
            self._dirty = True

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
        if s == SESSION:
            e = self.engine
            if e.next_due_ms(now_ms) < _QUIET_MS and e.state == E.RUNNING:
                return
            if not self._dirty and time.ticks_diff(now_ms, self._drawn_at) < ui.REFRESH_MS:
                return
            self._draw_session(now_ms)
        else:
            if not self._dirty:
                return
            if s == MENU:
                _shelf().ready(self)  # its header read; a refused routine shows why instead
                s = self.screen
            fb = self.display
            if s == MENU:
                _shelf().draw_menu(self, now_ms)
            elif s == DONE:
                sm = self.summary
                ui.done(fb, self.entry.name, sm[0], sm[1], sm[2], sm[3], sm[4])
            elif s == SETTINGS:
                ui.settings(fb, _SETTINGS_LABELS, (self.cues.sound, self.cues.vibration, None),
                            self._row)
            elif s == MESSAGE:
                ui.message(fb, self.message_title, self.message_text)
            elif s == MORNING:
                ui.morning(fb, self.morning)
            else:
                return
        self.display.show()
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
