# What the app does outside a session: the menu's input and screens, reminders, the
# morning question, settings, messages and the idle sleep, as functions of the App
# (app.py calls them through App._m). A module of its own so that a session holds none of
# this code: the app lets it go when a session starts and imports it again at the first
# turn after the session.

import time

import button
import cues
import logbook
import ui
from app import (
    DONE,
    DUE_KIND,
    DUE_VALUE,
    HAS_AT,
    MENU,
    MESSAGE,
    MORNING,
    RANKS,
    REFUSED,
    RT,
    SETTINGS,
    SLEEP,
)

_SETTINGS_LABELS = ("sound", "vibration", "back")


def press(a, s, ev, now_ms):
    """A button event ev on screen s (not a session's)."""
    if s == MENU:
        _menu_input(a, ev, now_ms)
    elif s == DONE:
        _done_input(a, ev, now_ms)
    elif s == SETTINGS:
        _settings_input(a, ev)
    elif s == MESSAGE:
        _message_input(a, ev)
    elif s == MORNING:
        _morning_input(a, ev, now_ms)


def draw(a, now_ms):
    """The screen of a.screen (not a session's) into the display; False when it has none."""
    s = a.screen
    fb = a.display
    if s == MENU:
        _draw_menu(a, now_ms)
    elif s == DONE:
        sm = a.summary
        done_screen(fb, a.entry.name, sm[0], sm[1], sm[2], sm[3], sm[4])
    elif s == SETTINGS:
        settings_screen(fb, _SETTINGS_LABELS, (a.cues.sound, a.cues.vibration, None), a._row)
    elif s == MESSAGE:
        ui.message(fb, a.message_title, a.message_text)
    elif s == MORNING:
        morning_screen(fb, a.morning)
    else:
        return False
    return True


def plan_reminder(a, now_ms):
    # The next reminder time after _slot_done (today's, or the first of tomorrow).
    a._slot_s = None
    local = a.logbook.local_s(now_ms)
    if not local:
        return
    after = a._slot_done if a._slot_done > local else local
    midnight = after - after % 86400
    best = -1
    first = -1
    for m in a._at:
        if first < 0 or m < first:
            first = m
        t = midnight + 60 * m
        if t > after and (best < 0 or t < best):
            best = t
    if first < 0:
        return
    if best < 0:
        best = midnight + 86400 + 60 * first
    a._slot_s = best
    a._slot_at = time.ticks_add(now_ms, (best - local) * 1000)


def show_reminder(a, i, now_ms):
    # Entry i shown in the menu with a gentle cue: a buzz, or without a motor (or with
    # vibration switched off) two soft notes.
    c = a.cues
    c.play(cues.REMIND if c.motor is not None and c.vibration else cues.REMIND_TONE,
           now_ms)
    a.selected = i
    a._fresh = False
    if a.screen != MENU:
        a.engine = None
        a.screen = MENU
    a._dirty = True
    # Left alone, it sleeps again after remind_ms.
    a._last_input = time.ticks_add(now_ms, a.remind_ms - a.idle_ms)


def due_of(a, i, day):
    """(times due on `day`, sessions completed that day) of routine i (its index)."""
    lb = a.logbook
    lb.done_on(a._names, day, a._ends[i - 1] if i else 0, a._ends[i])
    o = i * RT
    import schedule  # imported on use: a session lets it go

    n = schedule.times_due(a._rt[o + DUE_KIND], a._rt[o + DUE_VALUE], day, lb.q_week,
                           lb.q_before)
    return n, lb.q_today


def order(a, now_ms):
    """The menu in order: due first, then done today, then the others, each by name (a
    sort by rank that allocates nothing); the menu stays on the routine it shows, or
    after a start-up, a session or a sleep shows the first due. Every header is read
    first."""
    a._ordered = True
    plan_reminder(a, now_ms)
    day = a.today(now_ms)
    count = a._count
    if not day or not count:
        return
    if a._next_unread() >= 0:
        a._ordered = False
        return
    menu = a._menu
    rt = a._rt
    shown = menu[a.selected] if a.selected < count else -1
    n = len(a._ends)
    for i in range(n):
        o = i * RT
        if not rt[o] & REFUSED:
            due, done = due_of(a, i, day)
            rank = 2 if not due else (1 if done >= due else 0)
            rt[o] = (rt[o] & ~RANKS) | (rank << 5)
    k = 0
    for rank in range(3):
        for i in range(n):
            f = rt[i * RT]
            if not f & REFUSED and (f & RANKS) >> 5 == rank:
                menu[k] = i
                if i == shown:
                    a.selected = k
                k += 1
    if a._fresh and not rt[menu[0] * RT] & RANKS:
        a.selected = 0
    a._dirty = True


def slot_reached(a, slot, now_ms):
    """The reminder time `slot` (_slot_s) has come: the index of the first routine in the
    menu due and not done for that slot (its k-th time of the day is due while fewer than
    k sessions, as many as are due at most, were completed), or -1. Each time is looked at
    once; the next one is planned."""
    found = -1
    a._slot_done = slot
    day = slot // 86400
    minute = (slot % 86400) // 60
    order(a, now_ms)
    import listing

    k = 0
    while k < a._count:
        i = a._menu[k]
        if a._rt[i * RT] & HAS_AT:
            r = listing.load(a, i)
            if r is None:
                continue  # taken out: the next one is at k now
            j = 0
            while j < r.at_count and r.at[j] != minute:
                j += 1
            if j < r.at_count:
                n, done = due_of(a, i, day)
                if done < (j + 1 if j + 1 < n else n):
                    found = k
                    break
        k += 1
    plan_reminder(a, now_ms)
    return found


def due_status(a, en, now_ms):
    """What the menu says of routine en's day (a Shown): "due 2 of 3" (the next session
    is the second of three today), "done today", or "" (not due, no schedule, no
    clock)."""
    day = a.today(now_ms) if en.due_kind else 0
    if not day:
        return ""
    n, done = due_of(a, en.ix, day)
    if not n:
        return ""
    return "done today" if done >= n else "due %d of %d" % (done + 1, n)


def problems_or_menu(a):
    if a.bad:
        fname, err = a.bad[0]
        a._show_message("SKIPPED", _clip(fname, 16) + "\n" + _clip(err, 16) + "\nnot offered")
    elif not a._count:
        a._show_message("NO ROUTINES", "Flash routines\nfrom the laptop:\nbackbeat flash")
    else:
        a.screen = MENU
        a._dirty = True


def load_settings(a):
    a.cues.set_sound(True)
    a.cues.set_vibration(True)
    try:
        f = a.fs.open(a.settings_path, "rb")
        try:
            raw = f.read(2)
        finally:
            f.close()
    except OSError:
        return
    if len(raw) == 2:
        a.cues.set_sound(raw[0] == 0x31)
        a.cues.set_vibration(raw[1] == 0x31)


def _save_settings(a):
    raw = b"1" if a.cues.sound else b"0"
    raw += b"1" if a.cues.vibration else b"0"
    try:
        f = a.fs.open(a.settings_path, "wb")
        try:
            f.write(raw)
        finally:
            f.close()
    except OSError:
        pass


def _menu_input(a, ev, now_ms):
    a._fresh = False
    count = a._count + 1  # the last row is "Settings"
    if ev == button.SHORT:
        a.selected = (a.selected + 1) % count
        a._dirty = True
        a._ready()
    elif ev == button.DOUBLE:
        a.selected = (a.selected - 1) % count
        a._dirty = True
        a._ready()
    elif ev == button.LONG:
        if a.selected == a._count:
            a.screen = SETTINGS
            a._row = 0
            a._dirty = True
        else:
            a.start(a.entries[a.selected], now_ms)


def last_done_s(a, stem, now_ms):
    """Seconds since the routine was last started; ui.NEVER, or ui.UNDATED when it was
    done but the date is unknown."""
    rec = a.last.get(stem)
    if rec is None:
        return ui.NEVER
    boot, mono, wall = rec
    lb = a.logbook
    # The clock first: a ticks difference holds only 2**29 ms (about 6 days).
    if wall and lb.wall_offset_s:
        s = lb.wall_s(now_ms) - wall
        return s if s > 0 else 0  # the clock set back since: not "never"
    if boot == lb.boot:
        return time.ticks_diff(now_ms, mono) // 1000
    return ui.UNDATED


def morning_due(a, now_ms):
    # The first session start of a local day, a session having been completed the day
    # before: ask how the back is this morning (once a day).
    day = a.today(now_ms)
    lb = a.logbook
    return (day and day != a._asked_day and not lb.started_on(day)
            and lb.done_on_day(day - 1))


def _morning_input(a, ev, now_ms):
    # Short press: the next answer; double: the one before; long: this one, then the
    # session starts.
    if ev == button.SHORT:
        a.morning = (a.morning + 1) % 3
    elif ev == button.DOUBLE:
        a.morning = (a.morning + 2) % 3
    elif ev == button.LONG:
        a.logbook.log_morning(logbook.BETTER + a.morning, now_ms)
        a._asked_day = a.today(now_ms)
        i = a._morning_ix
        a._morning_ix = -1
        a.screen = MENU
        a.button.ignore_until_release()
        if i >= 0:
            a.start(a._fill(i, a._view), now_ms)
    a._dirty = True


def _done_input(a, ev, now_ms):
    if ev == button.SHORT or ev == button.LONG:
        a.engine = None
        a.screen = MENU
        a._dirty = True


def _settings_input(a, ev):
    if ev == button.SHORT:
        a._row = (a._row + 1) % len(_SETTINGS_LABELS)
    elif ev == button.LONG:
        if a._row == 0:
            a.cues.set_sound(not a.cues.sound)
        elif a._row == 1:
            a.cues.set_vibration(not a.cues.vibration)
        else:
            _save_settings(a)
            a.screen = MENU
    a._dirty = True


def _message_input(a, ev):
    if a.bad:
        a.bad.pop(0)
    if a.bad or (not a._count and a.message_title != "NO ROUTINES"):
        problems_or_menu(a)
    else:
        a.screen = MENU  # with no routines it offers Settings alone
        a._dirty = True


def sleep(a):
    """Screen off and light sleep until the button is pressed."""
    a.screen = SLEEP
    a.cues.stop()
    a.display.poweroff()
    pin = a.board.button
    # A timer to the next reminder time, not a poll: each sleep lasts until it, or
    # sleep_chunk_ms at most.
    remind = -1
    while pin.value() != 0:
        ms = a.sleep_chunk_ms
        slot = a._slot_s
        if slot is not None:
            d = time.ticks_diff(a._slot_at, a.ticks_ms())
            if d <= 0:
                remind = slot_reached(a, slot, a.ticks_ms())
                if remind >= 0:
                    break
                continue  # nothing due then: asleep on, to the next time
            if d < ms:
                ms = d
        a.board.lightsleep(ms)
        a.logbook.wall_s(a.ticks_ms())  # keeps the clock's ticks anchor in range
    a.display.poweron()
    now = a.ticks_ms()
    # The press that woke the board is not a command.
    a.button = button.Button(pin, now)
    a._last_input = now
    a.screen = MENU
    a._ordered = False
    a._fresh = True
    a._dirty = True
    if remind >= 0:
        show_reminder(a, remind, now)


def _draw_menu(a, now_ms):
    fb = a.display
    count = a._count  # routines only: the Settings row is not one
    if a.selected == count:
        ui.message(fb, "SETTINGS", "sound, vibration", "1=next hold=open")
        return
    en = a._view  # _ready() read its header
    last = last_done_s(a, en.stem, now_ms)
    menu_screen(fb, en.name, (en.total_ms + 999) // 1000, last, a.selected, count,
            due_status(a, en, now_ms), en.level)


def _clip(s, n):
    return s if len(s) <= n else s[:n]


# ------------------------------------------------------------ the menu's screens


def ago(seconds):
    """When a routine was last done, from the seconds since; ui.UNDATED when it was done while
    the clock was not set, any other negative value (NEVER) when it never was."""
    if seconds == ui.UNDATED:
        return "done, undated"
    if seconds < 0:
        return "never done"
    if seconds < 3600:
        return "last %d min ago" % (seconds // 60)
    if seconds < 86400:
        return "last %d h ago" % (seconds // 3600)
    days = seconds // 86400
    if days == 1:
        return "last 1 day ago"
    if days > 99:
        return "last 99+ days"
    return "last %d days ago" % days


def menu_screen(fb, name, total_s, last_s, index, count, status="", level=0):
    """The routine picker: what is due of it today (status, "ROUTINE" when nothing), name
    (up to 3 lines), planned time and level, when last done, position."""
    fb.fill(0)
    ui.title_bar(fb, status or "ROUTINE", "%d/%d" % (index + 1, count))
    ui.text_lines(fb, name, 0, 12, 3)
    fb.text("time " + ui.mmss(total_s), 0, 38)
    fb.text(ago(last_s), 0, 46)
    fb.text("1=next hold=go", 0, 56)
    ui.text_right(fb, "L%d" % level, 38)


def done_screen(fb, name, completed, elapsed_s, done_n, skipped_n, paused_s):
    """The summary after a session, completed or stopped."""
    fb.fill(0)
    ui.title_bar(fb, "DONE" if completed else "STOPPED")
    ui.text_lines(fb, name, 0, 12, 2)
    fb.text("took " + ui.mmss(elapsed_s), 0, 30)
    fb.text("done %d skip %d" % (done_n, skipped_n), 0, 38)
    fb.text("paused " + ui.mmss(paused_s), 0, 46)
    fb.text("1=ok", 0, 56)


MORNING_WORDS = ("better", "same", "worse")


def morning_screen(fb, selected):
    """The next-morning question, "your back this morning:", and the three answers; the
    one a long press picks (selected, 0 to 2) is shown inverted."""
    fb.fill(0)
    ui.title_bar(fb, "THIS MORNING")
    fb.text("your back is", 0, 12)
    for i in range(3):
        y = 23 + 10 * i
        c = 1
        if i == selected:
            fb.fill_rect(0, y - 1, ui.WIDTH, 10, 1)
            c = 0
        ui.text_centered(fb, MORNING_WORDS[i], y, c)
    fb.text("1=next hold=pick", 0, 56)


def settings_screen(fb, labels, values, selected):
    """A list of up to 4 switches: labels, values (True/False, or None for an action),
    the selected row shown inverted."""
    fb.fill(0)
    ui.title_bar(fb, "SETTINGS")
    for i in range(len(labels)):
        y = 12 + 10 * i
        c = 1
        if i == selected:
            fb.fill_rect(0, y - 1, ui.WIDTH, 10, 1)
            c = 0
        fb.text(labels[i], 1, y, c)
        v = values[i]
        if v is not None:
            s = "on" if v else "off"
            fb.text(s, ui.WIDTH - ui.CHAR * len(s) - 1, y, c)
    fb.text("1=next hold=set", 0, 56)


def question_screen(fb, text, no="no", yes="yes"):
    """A yes/no question in a frame: a short press answers no, a long press yes."""
    fb.fill(0)
    fb.rect(0, 0, ui.WIDTH, 48, 1)
    lines = 1 + text.count("\n")
    if lines > 5:
        lines = 5
    y = (48 - ui.CHAR * lines) // 2
    for i in range(lines):
        ui.text_centered(fb, ui.line_of(text, i), y + ui.CHAR * i)
    fb.text("1=" + no + " hold=" + yes, 0, 56)
