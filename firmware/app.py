# The device app: the routine menu, the session loop, the pain question, the summary,
# settings and "sync me". It is handed its hardware and its clock, so tests drive it
# in virtual time with fakes; main.py hands it the real board.

import gc
import time

import bbr
import button
import cues
import engine as E
import logbook
import schedule
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
# Records are written, and a collection done, between segments only when the next cue is
# at least this far (a flash sector's erase takes 45 ms).
_GC_GAP_MS = const(100)
# The screen is not redrawn when an event is due sooner than this, or than the longest
# frame drawn so far took (cues first); a frame measured longer than ui.REFRESH_MS is
# taken as the machine stalled (a virtual device's host), not as the bus.
_QUIET_MS = const(25)
# After a pain answer, a double press this soon is the end of the counting, not a skip.
_ANSWER_GRACE_MS = const(2000)
# Parts of a routine's check (bbr.Routine.check_some) done per turn of the loop outside a
# session, until every routine is checked; before that, this many headers read a turn.
_CHECK_PARTS = const(16)
_HEADERS = const(4)

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


class Entry:
    """One routine offered in the menu: its file's name, and once its header is read
    (name not None) what the menu shows; `checked` once its whole file was found good.

    Until then the values are the class's: an entry not read yet holds its stem alone.
    """

    name = None
    total_ms = 0
    crc = 0
    level = 0
    segments = 0
    size = 0
    checked = False
    due_kind = 0  # the .bbr's schedule (bbr.DUE_*, 0 none)
    due_value = 0
    at = ()  # reminder times, minutes after local midnight
    rank = 2  # its place in the menu: 0 due, 1 done today, 2 neither

    def __init__(self, stem):
        self.stem = stem


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
        self._checking = None  # the entry whose check is under way, a part a turn
        self._unchecked = False  # some entry is not checked yet
        # File name -> (size, crc, verdict) of the routines checked: what checked_path holds.
        self._verdicts = self._read_verdicts()
        self._verdicts_changed = False
        self.button = button.Button(board.button, now_ms)
        self.cues = cues.Cues(board.buzzer, board.motor)
        self.entries = []
        self.bad = []  # (file name, error) of the routines that cannot be run
        self.last = {}
        self.selected = 0
        self.screen = MENU
        self.engine = None
        self.reader = None
        self.entry = None
        self.summary = (False, 0, 0, 0, 0)  # the last session: completed, s, done, skipped, paused s
        self.exercise = ""
        self._exercise_top = ""  # its first line, for the session screen (made once per segment)
        self.say = ()  # the current step's `say` text, its lines (read once per segment)
        self.link = None  # the serial link, polled every turn once it is set
        self.message_title = ""
        self.message_text = ""
        self._last_input = now_ms
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
        self._morning_entry = None
        self.morning = 1
        self._asked_day = 0
        # Reminders: the next `at` time of any routine, in local seconds (_slot_s) and as a
        # ticks deadline (_slot_at); None when there is none or no clock. Slots up to
        # _slot_done (local seconds) are past: each is looked at once. Planned with the
        # menu's order (every header read), and again after each.
        self._slot_s = None
        self._slot_at = 0
        self._slot_done = 0
        self._load_settings()
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

    def today(self, now_ms):
        """The local day now (days since 1970-01-01), 0 while the clock is not known."""
        lb = self.logbook
        return lb.local_day(lb.wall_s(now_ms))

    def due_of(self, en, day):
        """(times due on `day`, sessions completed that day) of entry en."""
        lb = self.logbook
        lb.done_on(en.stem, day)
        n = schedule.times_due(en.due_kind, en.due_value, day, lb.q_week, lb.q_before)
        return n, lb.q_today

    def _order(self, now_ms):
        # Due first, then done today, then the others, each by name; the menu stays on the
        # routine it shows, or after a start-up, a session or a sleep shows the first due.
        self._ordered = True
        self._plan_reminder(now_ms)
        day = self.today(now_ms)
        if not day or not self.entries:
            return
        self.load_all()
        shown = self.entries[self.selected] if self.selected < len(self.entries) else None
        for en in self.entries:
            n, done = self.due_of(en, day)
            en.rank = 2 if not n else (1 if done >= n else 0)
        self.entries.sort(key=_menu_key)
        if self._fresh and self.entries[0].rank == 0:
            self.selected = 0
        elif shown is not None:
            self.selected = self.entries.index(shown)
        self._dirty = True

    # ------------------------------------------------------------ reminders

    def _plan_reminder(self, now_ms):
        # The next reminder time after _slot_done (today's, or the first of tomorrow).
        self._slot_s = None
        local = self.logbook.local_s(now_ms)
        if not local:
            return
        self.load_all()
        after = self._slot_done if self._slot_done > local else local
        midnight = after - after % 86400
        best = -1
        first = -1
        for en in self.entries:
            for m in en.at:
                if first < 0 or m < first:
                    first = m
                t = midnight + 60 * m
                if t > after and (best < 0 or t < best):
                    best = t
        if first < 0:
            return
        if best < 0:
            best = midnight + 86400 + 60 * first
        self._slot_s = best
        self._slot_at = time.ticks_add(now_ms, (best - local) * 1000)

    def _slot_reached(self, slot, now_ms):
        # The reminder time `slot` (_slot_s) has come: the index of the first routine in the
        # menu due and not done for that slot (its k-th time of the day is due while fewer
        # than k sessions, as many as are due at most, were completed), or -1. Each time is
        # looked at once; the next one is planned.
        found = -1
        self._slot_done = slot
        day = slot // 86400
        minute = (slot % 86400) // 60
        self._order(now_ms)
        for i in range(len(self.entries)):
            en = self.entries[i]
            if minute in en.at:
                n, done = self.due_of(en, day)
                k = en.at.index(minute) + 1
                if done < (k if k < n else n):
                    found = i
                    break
        self._plan_reminder(now_ms)
        return found

    def _show_reminder(self, i, now_ms):
        # Entry i shown in the menu with a gentle cue: a buzz, or without a motor (or with
        # vibration switched off) two soft notes.
        c = self.cues
        c.play(cues.REMIND if c.motor is not None and c.vibration else cues.REMIND_TONE,
               now_ms)
        self.selected = i
        self._fresh = False
        if self.screen != MENU:
            self.engine = None
            self.screen = MENU
        self._dirty = True
        # Left alone, it sleeps again after remind_ms.
        self._last_input = time.ticks_add(now_ms, self.remind_ms - self.idle_ms)

    def due_status(self, en, now_ms):
        """What the menu says of entry en's day: "due 2 of 3" (the next session is the
        second of three today), "done today", or "" (not due, no schedule, no clock)."""
        day = self.today(now_ms) if en.due_kind else 0
        if not day:
            return ""
        n, done = self.due_of(en, day)
        if not n:
            return ""
        return "done today" if done >= n else "due %d of %d" % (done + 1, n)

    # ------------------------------------------------------------ routines and settings

    def reload(self, now_ms):
        """List the routines again (after a change on flash) and show the menu or a problem.

        Only the file names are listed, and the header of the routine the menu shows is
        read: start-up does not grow with the routines. The other headers are read a few
        a turn of the loop (step), or when the menu comes to them. A routine whose size
        and CRC were checked before (checked_path remembers) is offered as it is; the
        others are checked a little each turn, or at once when started.
        """
        self.entries = []
        self.bad = []
        self._rd.close()
        self._checking = None
        try:
            names = self.fs.listdir(self.routines)
        except OSError:
            names = []
        names.sort()
        for fname in names:
            if fname.endswith(".bbr"):
                self.entries.append(Entry(fname[:-4]))
        self._unchecked = True
        self._ordered = False
        self._fresh = True
        self.last = self.logbook.last_sessions({})
        if self.selected > len(self.entries):
            self.selected = 0
        self.screen = MENU
        self._ready()
        self._problems_or_menu()

    def _path(self, en):
        return self.routines + "/" + en.stem + ".bbr"

    def _load(self, en):
        # Reads en's header: True when it is offered, False when it is refused (then it is
        # taken out of the menu and named).
        try:
            r = self._open_routine(self._path(en), True)
        except (bbr.BbrError, OSError) as e:
            self._refuse(en, e)
            return False
        try:
            en.name = r.string(r.name_offset)
            en.total_ms = r.total_ms
            en.crc = r.crc32
            en.level = r.level
            en.segments = r.segment_count
            en.size = r.size
            en.due_kind = r.due_kind
            en.due_value = r.due_value
            en.at = tuple(r.at[: r.at_count])
        finally:
            r.close()
        v = self._verdicts.get(en.stem + ".bbr")
        if v is not None and v[0] == en.size and v[1] == en.crc:
            en.checked = True
            if v[2] != "ok":
                self._refuse(en, v[2])
                return False
        return True

    def _ready(self):
        # The routine the menu shows has its header read (refused ones skipped).
        while self.selected < len(self.entries):
            if self.entries[self.selected].name is not None or self._load(
                    self.entries[self.selected]):
                return

    def load_all(self):
        """Read every routine's header not read yet (the link's INFO lists them all)."""
        for en in list(self.entries):
            if en.name is None:
                self._load(en)

    def _open_routine(self, path, checked):
        f = self.fs.open(path, "rb")
        try:
            return self._rd.open(f, checked)
        except Exception:
            f.close()
            raise

    def remember_checked(self, fname, size, crc):
        """The routine file fname, of this size and CRC, was found good (by the link)."""
        self._verdicts[fname] = (size, crc, "ok")
        self._verdicts_changed = True

    def _note(self, en, verdict):
        # The verdict on an entry's file, remembered under the size and CRC it was listed with.
        en.checked = True
        fname = en.stem + ".bbr"
        if " " not in fname and "\n" not in fname:
            self._verdicts[fname] = (en.size, en.crc, verdict)
            self._verdicts_changed = True

    def _read_verdicts(self):
        # checked_path: one line per routine file, "NAME SIZE CRC VERDICT" (the CRC in
        # 8 hex digits, the verdict "ok" or the reader's error); a damaged file is ignored.
        out = {}
        try:
            f = self.fs.open(self.checked_path, "rb")
            try:
                text = str(f.read(), "ascii")
            finally:
                f.close()
            for line in text.split("\n"):
                parts = line.split(" ", 3)
                if len(parts) == 4:
                    out[parts[0]] = (int(parts[1]), int(parts[2], 16), parts[3])
        except (OSError, ValueError):
            return {}
        return out

    def _save_verdicts(self):
        # The verdicts on the routines still on flash (the others are forgotten).
        self._verdicts_changed = False
        here = {}
        for en in self.entries:
            here[en.stem + ".bbr"] = True
        for fname, _err in self.bad:
            here[fname] = True
        tmp = self.checked_path + ".tmp"
        fs = self.fs
        try:
            f = fs.open(tmp, "wb")
            try:
                for fname in sorted(self._verdicts):
                    if fname not in here:
                        continue
                    v = self._verdicts[fname]
                    f.write(("%s %d %08x %s\n" % (fname, v[0], v[1], v[2])).encode())
            finally:
                f.close()
            try:
                fs.rename(tmp, self.checked_path)
            except OSError:
                fs.remove(self.checked_path)
                fs.rename(tmp, self.checked_path)
        except OSError:
            pass  # not remembered: checked again at the next start-up

    def _check_turn(self):
        # A part of the next unchecked routine's check; the verdicts saved once all are done.
        rd = self._rd
        en = self._checking
        if en is None:
            n = 0  # headers read this turn
            k = 0
            while k < len(self.entries) and n < _HEADERS:
                e = self.entries[k]
                if e.name is None:
                    n += 1
                    if not self._load(e):
                        continue  # taken out: the next one is at k now
                k += 1
            if n:
                return
            if not self._ordered:
                self._order(self.ticks_ms())
            for e in self.entries:
                if not e.checked:
                    en = e
                    break
            if en is None:
                self._unchecked = False
                if self._verdicts_changed:
                    self._save_verdicts()
                return
            try:
                self._open_routine(self._path(en), True)
                rd.begin_check()
            except (bbr.BbrError, OSError) as e:
                self._refuse(en, e)
                return
            self._checking = en
        try:
            if not rd.check_some(_CHECK_PARTS):
                return
            rd.close()
            self._checking = None
            self._note(en, "ok")
        except (bbr.BbrError, OSError) as e:
            self._refuse(en, e)

    def _refuse(self, en, e):
        # A routine found bad after it was offered: named, and no longer offered. The
        # verdict is remembered when its header was read (it has a size and a CRC).
        self._rd.close()
        self._checking = None
        if isinstance(e, str):
            err = e
        else:
            err = str(e) if isinstance(e, bbr.BbrError) else "unreadable"
            if en.name is not None:
                self._note(en, err)
        k = self.entries.index(en)
        self.entries.pop(k)
        if self.selected > k:
            self.selected -= 1
        self.bad.append((en.stem + ".bbr", err))
        if self.screen == MENU:
            self._problems_or_menu()

    def _problems_or_menu(self):
        if self.bad:
            fname, err = self.bad[0]
            self._show_message("SKIPPED", _clip(fname, 16) + "\n" + _clip(err, 16) + "\nnot offered")
        elif not self.entries:
            self._show_message("NO ROUTINES", "Flash routines\nfrom the laptop:\nbackbeat flash")
        else:
            self.screen = MENU
            self._dirty = True

    def _show_message(self, title, text):
        self.screen = MESSAGE
        self.message_title = title
        self.message_text = text
        self._dirty = True

    def _load_settings(self):
        self.cues.set_sound(True)
        self.cues.set_vibration(True)
        try:
            f = self.fs.open(self.settings_path, "rb")
            try:
                raw = f.read(2)
            finally:
                f.close()
        except OSError:
            return
        if len(raw) == 2:
            self.cues.set_sound(raw[0] == 0x31)
            self.cues.set_vibration(raw[1] == 0x31)

    def _save_settings(self):
        raw = b"1" if self.cues.sound else b"0"
        raw += b"1" if self.cues.vibration else b"0"
        try:
            f = self.fs.open(self.settings_path, "wb")
            try:
                f.write(raw)
            finally:
                f.close()
        except OSError:
            pass

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
            self._session_input(ev, now_ms)
            self._run_engine(now_ms)
        elif ev != button.NONE:
            if s == MENU:
                self._menu_input(ev, now_ms)
            elif s == DONE:
                self._done_input(ev, now_ms)
            elif s == SETTINGS:
                self._settings_input(ev)
            elif s == MESSAGE:
                self._message_input(ev)
            elif s == MORNING:
                self._morning_input(ev, now_ms)
        elif self._unchecked and not self.cues.busy():
            self._check_turn()
        elif not self._ordered and s == MENU:
            self._order(now_ms)
        slot = self._slot_s
        if (slot is not None and s != SESSION and s != MORNING
                and time.ticks_diff(now_ms, self._slot_at) >= 0):
            i = self._slot_reached(slot, now_ms)
            if i >= 0:
                self._show_reminder(i, now_ms)
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
            self.sleep()

    def wait_ms(self, now_ms):
        """How long the loop may sleep before its next turn (at most LOOP_MS).

        Close to a cue it wakes _SPIN_MS early and then waits without sleeping (wait), so
        a late wake-up from sleep_ms does not make the cue late.
        """
        if self.screen == SESSION and self.engine is not None:
            d = self.engine.next_due_ms(now_ms) - _SPIN_MS
            if d < LOOP_MS:
                return d if d > 0 else 0
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
        """The board's main loop; returns only through an exception (Ctrl-C included)."""
        ticks_ms = self.ticks_ms
        while True:
            self.step(ticks_ms())
            self.wait(sleep_ms)

    # ------------------------------------------------------------ menu

    def _menu_input(self, ev, now_ms):
        self._fresh = False
        count = len(self.entries) + 1  # the last row is "Settings"
        if ev == button.SHORT:
            self.selected = (self.selected + 1) % count
            self._dirty = True
            self._ready()
        elif ev == button.DOUBLE:
            self.selected = (self.selected - 1) % count
            self._dirty = True
            self._ready()
        elif ev == button.LONG:
            if self.selected == len(self.entries):
                self.screen = SETTINGS
                self._row = 0
                self._dirty = True
            else:
                self.start(self.entries[self.selected], now_ms)

    def last_done_s(self, stem, now_ms):
        """Seconds since the routine was last started; ui.NEVER, or ui.UNDATED when it was
        done but the date is unknown."""
        rec = self.last.get(stem)
        if rec is None:
            return ui.NEVER
        boot, mono, wall = rec
        lb = self.logbook
        # The clock first: a ticks difference holds only 2**29 ms (about 6 days).
        if wall and lb.wall_offset_s:
            s = lb.wall_s(now_ms) - wall
            return s if s > 0 else 0  # the clock set back since: not "never"
        if boot == lb.boot:
            return time.ticks_diff(now_ms, mono) // 1000
        return ui.UNDATED

    # ------------------------------------------------------------ session

    def start(self, entry, now_ms):
        """Start a session of `entry`, or say "sync me" when the log has no room for it."""
        lb = self.logbook
        if not lb.room_for(entry.segments):
            self._show_message("SYNC ME", "Log space is\nfull. Sync with\nthe laptop to\nfree it.")
            self.cues.play(cues.ERROR, now_ms)
            return False
        if entry.name is None and not self._load(entry):
            return False
        if self._morning_due(now_ms):
            self._morning_entry = entry
            self.morning = 1
            self.screen = MORNING
            self.button.ignore_until_release()
            self._dirty = True
            return False
        rd = self._rd
        try:
            if self._checking is entry:
                # Its check is under way: it goes on to the end now.
                rd.check_rest()
                self._note(entry, "ok")
            self._checking = None
            rd.close()  # another routine's check under way begins again after the session
            r = self._open_routine(self._path(entry), entry.checked)
        except (bbr.BbrError, OSError) as e:
            self._refuse(entry, e)
            return False
        if r.crc32 != entry.crc or r.size != entry.size:
            # Not the file the menu offers (changed behind its back): list them again.
            r.close()
            self.reload(now_ms)
            return False
        if not entry.checked:
            self._note(entry, "ok")
        self.reader = r
        self.entry = entry
        # The chip's time again: the ticks drift (and run fast on a sped-up virtual device).
        self.read_clock(now_ms)
        eng = E.Engine(r)  # reads the first segment
        lb.begin_session(entry.stem, r.crc32, r.level, r.segment_count, r.total_ms, now_ms)
        # The schedule starts once the file work is done, so the first cue is not late.
        now_ms = self.ticks_ms()
        eng.start(now_ms)
        self.engine = eng
        self.screen = SESSION
        self.button.ignore_until_release()
        self._dirty = True
        self._run_engine(now_ms)
        return True

    def _morning_due(self, now_ms):
        # The first session start of a local day, a session having been completed the day
        # before: ask how the back is this morning (once a day).
        day = self.today(now_ms)
        lb = self.logbook
        return (day and day != self._asked_day and not lb.started_on(day)
                and lb.done_on_day(day - 1))

    def _morning_input(self, ev, now_ms):
        # Short press: the next answer; double: the one before; long: this one, then the
        # session starts.
        if ev == button.SHORT:
            self.morning = (self.morning + 1) % 3
        elif ev == button.DOUBLE:
            self.morning = (self.morning + 2) % 3
        elif ev == button.LONG:
            self.logbook.log_morning(logbook.BETTER + self.morning, now_ms)
            self._asked_day = self.today(now_ms)
            entry = self._morning_entry
            self._morning_entry = None
            self.screen = MENU
            self.button.ignore_until_release()
            self.start(entry, now_ms)
        self._dirty = True

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

    def _done_input(self, ev, now_ms):
        if ev == button.SHORT or ev == button.LONG:
            self.engine = None
            self.screen = MENU
            self._dirty = True

    # ------------------------------------------------------------ settings, messages

    def _settings_input(self, ev):
        if ev == button.SHORT:
            self._row = (self._row + 1) % len(_SETTINGS_LABELS)
        elif ev == button.LONG:
            if self._row == 0:
                self.cues.set_sound(not self.cues.sound)
            elif self._row == 1:
                self.cues.set_vibration(not self.cues.vibration)
            else:
                self._save_settings()
                self.screen = MENU
        self._dirty = True

    def _message_input(self, ev):
        if self.bad:
            self.bad.pop(0)
        if self.bad or (not self.entries and self.message_title != "NO ROUTINES"):
            self._problems_or_menu()
        else:
            self.screen = MENU  # with no routines it offers Settings alone
            self._dirty = True

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

    def sleep(self):
        """Screen off and light sleep until the button is pressed."""
        self.screen = SLEEP
        self.cues.stop()
        self.display.poweroff()
        pin = self.board.button
        # A timer to the next reminder time, not a poll: each sleep lasts until it, or
        # sleep_chunk_ms at most.
        remind = -1
        while pin.value() != 0:
            ms = self.sleep_chunk_ms
            slot = self._slot_s
            if slot is not None:
                d = time.ticks_diff(self._slot_at, self.ticks_ms())
                if d <= 0:
                    remind = self._slot_reached(slot, self.ticks_ms())
                    if remind >= 0:
                        break
                    continue  # nothing due then: asleep on, to the next time
                if d < ms:
                    ms = d
            self.board.lightsleep(ms)
            self.logbook.wall_s(self.ticks_ms())  # keeps the clock's ticks anchor in range
        self.display.poweron()
        now = self.ticks_ms()
        # The press that woke the board is not a command.
        self.button = button.Button(pin, now)
        self._last_input = now
        self.screen = MENU
        self._ordered = False
        self._fresh = True
        self._dirty = True
        if remind >= 0:
            self._show_reminder(remind, now)

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
                s = self.screen
            fb = self.display
            if s == MENU:
                self._draw_menu(now_ms)
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
        d = time.ticks_diff(self.ticks_ms(), t) + 1
        if d > self._frame_ms:
            self._frame_ms = d if d < ui.REFRESH_MS else ui.REFRESH_MS
        self._dirty = False
        self._drawn_at = now_ms

    def _draw_menu(self, now_ms):
        fb = self.display
        count = len(self.entries)  # routines only: the Settings row is not one
        if self.selected == count:
            ui.message(fb, "SETTINGS", "sound, vibration", "1=next hold=open")
            return
        en = self.entries[self.selected]
        last = self.last_done_s(en.stem, now_ms)
        ui.menu(fb, en.name, (en.total_ms + 999) // 1000, last, self.selected, count,
                self.due_status(en, now_ms), en.level)

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


def _menu_key(en):
    return (en.rank, en.stem)


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


def _clip(s, n):
    return s if len(s) <= n else s[:n]
