# The routines on flash as the app holds them: without an object per routine, so a
# device with hundreds reaches its menu and answers the link as one with a few does.
# What is kept of routine i is App._rt[i * _RT : (i + 1) * _RT] (below) and its id in
# App._names; the menu's order is App._menu. These functions take the App; the app
# imports this module when it needs it and lets it go while a session runs.

import gc
import time
from array import array

import app as appmod
import bbr
import button
import cues
import logbook
import schedule
import ui
from logbook import get_u16, get_u32, put_u16, put_u32
from micropython import const

# Parts of a routine's check (bbr.Routine.check_some) done per turn of the loop outside a
# session, until every routine is checked; before that, this many headers read a turn.
_CHECK_PARTS = const(16)
_HEADERS = const(16)
# Routines read or listed in one go (the link's INFO) between two garbage collections,
# outside a session.
_COLLECT_EVERY = const(16)

# What the app keeps of each routine file, by its index in the listing (in name order):
# _RT bytes of App._rt. Byte _F holds these flags and the routine's rank in the menu's
# order (bits 5-6: 0 due, 1 done today, 2 neither).
_READ = const(1)  # its header was read: the fields below hold its values
_CHECKED = const(2)  # the file of this size and CRC was found good
_REFUSED = const(4)  # not offered (named in App.bad)
_HAS_AT = const(8)  # it has reminder times
_KNOWN = const(16)  # a verdict on the file of this size and CRC: _CHECKED, or App._verr's
_RANKS = const(0x60)
_RT = const(20)
_F = const(0)
_DUE_KIND = const(1)
_DUE_VALUE = const(2)
_LEVEL = const(4)
_SEGMENTS = const(6)
_SIZE = const(8)
_CRC = const(12)
_TOTAL = const(16)


def reload(app, now_ms):
    """List the routines again (after a change on flash) and show the menu or a problem.

    Only the file names are listed, and the header of the routine the menu shows is
    read: start-up does not grow with the routines. The other headers are read a few
    a turn of the loop (step). A routine whose size and CRC were checked before
    (checked_path remembers) is offered as it is; the others are checked a little each
    turn, or at once when started.
    """
    if app._verdicts_changed:
        save_verdicts(app)
    app.bad = []
    app._rd.close()
    app._checking = -1
    app._morning_ix = -1
    app._view.ix = -1
    _listing(app)
    _read_verdicts(app)
    pushed = app._pushed
    if pushed is not None:
        app._pushed = None
        raw = pushed[0].encode()
        i = _find(app, raw, 0, len(raw) - 4)
        if i >= 0:
            _known(app, i, pushed[1], pushed[2], "ok")
    app._unchecked = True
    app._ordered = False
    app._fresh = True
    app.last = app.logbook.last_sessions({})
    if app.selected > app._count:
        app.selected = 0
    app.screen = appmod.MENU
    ready(app)
    problems_or_menu(app)


def _listing(app):
    # The .bbr files of the routines folder, in name order, into _names and _ends, and
    # room for what is learnt of each (_rt); all offered in name order until the menu
    # is put in order.
    try:
        names = app.fs.listdir(app.routines)
    except OSError:
        names = []
    names.sort()
    n = 0
    size = 0
    for fname in names:
        if fname.endswith(".bbr"):
            n += 1
            size += len(fname.encode()) - 4
    app._names = app._rt = app._ends = app._menu = None  # let go before the new
    app._at = array("H")
    app._verr = {}
    ids = bytearray(size)
    app._ends = ends = array("H", range(n))
    app._menu = array("H", range(n))
    o = 0
    k = 0
    for fname in names:
        if fname.endswith(".bbr"):
            raw = fname.encode()
            m = len(raw) - 4
            ids[o : o + m] = raw[:m]
            o += m
            ends[k] = o
            k += 1
    app._names = ids
    app._rt = bytearray(_RT * n)
    app._count = n
    app._cursor = 0


def stem(app, i):
    """The id of routine i (its file's name without .bbr)."""
    return str(app._names[app._ends[i - 1] if i else 0 : app._ends[i]], "utf-8")


def _find(app, raw, a, b):
    # The index of the routine whose id is raw[a:b] (bytes), or -1: a binary search.
    ids = app._names
    ends = app._ends
    lo = 0
    hi = len(ends)
    while lo < hi:
        mid = (lo + hi) // 2
        s = ends[mid - 1] if mid else 0
        e = ends[mid]
        c = 0
        j = 0
        while not c:
            if s + j == e:
                c = 0 if a + j == b else 1  # the id is a prefix of raw's, or equal
                break
            if a + j == b:
                c = -1
                break
            c = raw[a + j] - ids[s + j]
            j += 1
        if not c:
            return mid
        if c < 0:
            hi = mid
        else:
            lo = mid + 1
    return -1


def path(app, i):
    return app.routines + "/" + stem(app, i) + ".bbr"


def fill(app, i, v):
    # The Shown v, filled with what is known of routine i (its name kept if it was i's).
    if v.ix != i:
        v.ix = i
        v.name = None
    rt = app._rt
    o = i * _RT
    v.stem = stem(app, i)
    v.total_ms = get_u32(rt, o + _TOTAL)
    v.crc = get_u32(rt, o + _CRC)
    v.level = get_u16(rt, o + _LEVEL)
    v.segments = get_u16(rt, o + _SEGMENTS)
    v.size = get_u32(rt, o + _SIZE)
    v.checked = bool(rt[o + _F] & _CHECKED)
    v.due_kind = rt[o + _DUE_KIND]
    v.due_value = rt[o + _DUE_VALUE]
    return v


def load(app, i, v=None):
    # Reads routine i's header (and into the Shown v, its name too): the reader that
    # read it, or None when the routine is refused (then it is taken out of the menu
    # and named). The app's reader serves unless a session or a check holds it.
    rd = app._rd if app.reader is None and app._checking < 0 else bbr.Routine()
    rt = app._rt
    o = i * _RT
    try:
        f = app.fs.open(path(app, i), "rb")
        try:
            rd.open(f, True)
        except Exception:
            f.close()
            raise
    except (bbr.BbrError, OSError) as e:
        rt[o + _F] &= ~_READ
        refuse(app, i, e)
        return None
    try:
        f = rt[o + _F]
        err = None
        if f & _KNOWN and get_u32(rt, o + _SIZE) == rd.size and get_u32(rt, o + _CRC) == rd.crc32:
            err = None if f & _CHECKED else app._verr.get(i, "bad")
        else:
            f &= ~(_KNOWN | _CHECKED)  # another file than the verdict's
        rt[o + _F] = _READ | (f & (_KNOWN | _CHECKED | _RANKS)) | (
            _HAS_AT if rd.at_count else 0)
        rt[o + _DUE_KIND] = rd.due_kind
        rt[o + _DUE_VALUE] = rd.due_value
        put_u16(rt, o + _LEVEL, rd.level)
        put_u16(rt, o + _SEGMENTS, rd.segment_count)
        put_u32(rt, o + _SIZE, rd.size)
        put_u32(rt, o + _CRC, rd.crc32)
        put_u32(rt, o + _TOTAL, rd.total_ms)
        _add_at(app, rd)
        if v is not None:
            fill(app, i, v)
            v.name = rd.string(rd.name_offset)
    finally:
        rd.close()
    if err is not None:
        refuse(app, i, err)
        return None
    return rd


def _add_at(app, r):
    # Reader r's reminder times into _at (each minute once).
    at = app._at
    for j in range(r.at_count):
        m = r.at[j]
        k = 0
        while k < len(at) and at[k] != m:
            k += 1
        if k == len(at):
            at.append(m)


def next_unread(app):
    # The first routine whose header is not read (nor refused), or -1.
    rt = app._rt
    n = len(app._ends)
    k = app._cursor
    while k < n and rt[k * _RT] & (_READ | _REFUSED):
        k += 1
    app._cursor = k
    return k if k < n else -1


def ready(app):
    # The routine the menu shows has its header read (refused ones skipped).
    v = app._view
    while app.selected < app._count:
        i = app._menu[app.selected]
        if (v.ix == i and v.name is not None) or load(app, i, v) is not None:
            return


def load_all(app):
    """Read every routine's header not read yet (the link's INFO lists them all)."""
    reads = 0
    while True:
        i = next_unread(app)
        if i < 0:
            return
        load(app, i)
        reads += 1
        if reads % _COLLECT_EVERY == 0:
            gc.collect()  # each read leaves a little garbage


def _known(app, i, size, crc, verdict):
    # The verdict on routine i's file of this size and CRC.
    rt = app._rt
    o = i * _RT
    put_u32(rt, o + _SIZE, size)
    put_u32(rt, o + _CRC, crc)
    if verdict == "ok":
        rt[o + _F] |= _KNOWN | _CHECKED
        app._verr.pop(i, None)
    else:
        rt[o + _F] = (rt[o + _F] | _KNOWN) & ~_CHECKED
        app._verr[i] = verdict
    app._verdicts_changed = True


def note(app, i, verdict):
    # The verdict on routine i's file, under the size and CRC its header gave.
    rt = app._rt
    o = i * _RT
    _known(app, i, get_u32(rt, o + _SIZE), get_u32(rt, o + _CRC), verdict)


def _read_verdicts(app):
    # checked_path: one line per routine file, "NAME SIZE CRC VERDICT" (the CRC in
    # 8 hex digits, the verdict "ok" or the reader's error); a damaged file is ignored.
    # Read as one bytes object and parsed in place: nothing is made per line.
    try:
        f = app.fs.open(app.checked_path, "rb")
        try:
            data = f.read()
        finally:
            f.close()
    except OSError:
        return
    n = len(data)
    p = 0
    while p < n:
        e = data.find(b"\n", p)
        if e < 0:
            e = n
        a = data.find(b" ", p, e)
        b = data.find(b" ", a + 1, e) if a > p + 4 else -1
        c = data.find(b" ", b + 1, e) if b > a + 1 else -1
        size = _number(data, a + 1, b, 10)
        crc = _number(data, b + 1, c, 16) if c == b + 9 else -1
        if size < 0 or crc < 0 or c + 1 >= e or data[a - 4 : a] != b".bbr":
            # Damaged: nothing of it is believed.
            for i in range(len(app._ends)):
                app._rt[i * _RT] &= ~(_KNOWN | _CHECKED)
            app._verr = {}
            return
        i = _find(app, data, p, a - 4)
        if i >= 0:
            ok = e - c == 3 and data[c + 1] == 0x6F and data[c + 2] == 0x6B  # "ok"
            _known(app, i, size, crc, "ok" if ok else str(data[c + 1 : e], "ascii"))
        p = e + 1
    app._verdicts_changed = False


def save_verdicts(app):
    # The verdicts on the routines now on flash, a line each.
    app._verdicts_changed = False
    tmp = app.checked_path + ".tmp"
    fs = app.fs
    rt = app._rt
    ids = app._names
    try:
        f = fs.open(tmp, "wb")
        try:
            for i in range(len(app._ends)):
                o = i * _RT
                s = app._ends[i - 1] if i else 0
                e = app._ends[i]
                if not rt[o + _F] & _KNOWN or b" " in ids[s:e] or b"\n" in ids[s:e]:
                    continue
                f.write(ids[s:e])
                f.write((".bbr %d %08x %s\n" % (
                    get_u32(rt, o + _SIZE), get_u32(rt, o + _CRC),
                    "ok" if rt[o + _F] & _CHECKED else app._verr.get(i, "bad"))).encode())
        finally:
            f.close()
        try:
            fs.rename(tmp, app.checked_path)
        except OSError:
            fs.remove(app.checked_path)
            fs.rename(tmp, app.checked_path)
    except OSError:
        pass  # not remembered: checked again at the next start-up


def check_turn(app):
    # A few headers, or a part of the next unchecked routine's check; the verdicts
    # saved once all are done.
    rd = app._rd
    i = app._checking
    if i < 0:
        n = 0  # headers read this turn
        while n < _HEADERS:
            j = next_unread(app)
            if j < 0:
                break
            load(app, j)
            n += 1
        if n:
            return
        if not app._ordered:
            order(app, app.ticks_ms())
        k = 0
        while k < app._count and app._rt[app._menu[k] * _RT] & _CHECKED:
            k += 1
        if k == app._count:
            app._unchecked = False
            if app._verdicts_changed:
                save_verdicts(app)
            return
        i = app._menu[k]
        try:
            app._open_routine(path(app, i), True)
            rd.begin_check()
        except (bbr.BbrError, OSError) as e:
            refuse(app, i, e)
            return
        app._checking = i
    try:
        if not rd.check_some(_CHECK_PARTS):
            return
        rd.close()
        app._checking = -1
        note(app, i, "ok")
    except (bbr.BbrError, OSError) as e:
        refuse(app, i, e)


def refuse(app, i, e):
    # Routine i found bad after it was offered: named, and no longer offered. The
    # verdict is remembered when its header was read (it has a size and a CRC).
    if app._checking >= 0:
        app._rd.close()
        app._checking = -1
    rt = app._rt
    o = i * _RT
    if isinstance(e, str):
        err = e
    else:
        err = str(e) if isinstance(e, bbr.BbrError) else "unreadable"
        if rt[o + _F] & _READ:
            note(app, i, err)
    rt[o + _F] |= _REFUSED
    menu = app._menu
    k = 0
    while k < app._count and menu[k] != i:
        k += 1
    if k < app._count:
        app._count -= 1
        for j in range(k, app._count):
            menu[j] = menu[j + 1]
        if app.selected > k:
            app.selected -= 1
    if app._view.ix == i:
        app._view.ix = -1
    app.bad.append((stem(app, i) + ".bbr", err))
    if app.screen == appmod.MENU:
        problems_or_menu(app)


def problems_or_menu(app):
    if app.bad:
        fname, err = app.bad[0]
        app._show_message("SKIPPED", _clip(fname, 16) + "\n" + _clip(err, 16) + "\nnot offered")
    elif not app._count:
        app._show_message("NO ROUTINES", "Flash routines\nfrom the laptop:\nbackbeat flash")
    else:
        app.screen = appmod.MENU
        app._dirty = True


def due_of(app, i, day):
    """(times due on `day`, sessions completed that day) of routine i (its index)."""
    lb = app.logbook
    lb.done_on(app._names, day, app._ends[i - 1] if i else 0, app._ends[i])
    o = i * _RT
    n = schedule.times_due(app._rt[o + _DUE_KIND], app._rt[o + _DUE_VALUE], day,
                           lb.q_week, lb.q_before)
    return n, lb.q_today


def order(app, now_ms):
    # Due first, then done today, then the others, each by name (a sort by rank that
    # allocates nothing); the menu stays on the routine it shows, or after a start-up,
    # a session or a sleep shows the first due. Every header is read first.
    app._ordered = True
    plan_reminder(app, now_ms)
    day = today(app, now_ms)
    count = app._count
    if not day or not count:
        return
    if next_unread(app) >= 0:
        app._ordered = False
        return
    menu = app._menu
    rt = app._rt
    shown = menu[app.selected] if app.selected < count else -1
    n = len(app._ends)
    for i in range(n):
        o = i * _RT
        if not rt[o] & _REFUSED:
            due, done = due_of(app, i, day)
            rank = 2 if not due else (1 if done >= due else 0)
            rt[o] = (rt[o] & ~_RANKS) | (rank << 5)
    k = 0
    for rank in range(3):
        for i in range(n):
            f = rt[i * _RT]
            if not f & _REFUSED and (f & _RANKS) >> 5 == rank:
                menu[k] = i
                if i == shown:
                    app.selected = k
                k += 1
    if app._fresh and not rt[menu[0] * _RT] & _RANKS:
        app.selected = 0
    app._dirty = True


def plan_reminder(app, now_ms):
    # The next reminder time after _slot_done (today's, or the first of tomorrow).
    app._slot_s = None
    local = app.logbook.local_s(now_ms)
    if not local:
        return
    after = app._slot_done if app._slot_done > local else local
    midnight = after - after % 86400
    best = -1
    first = -1
    for m in app._at:
        if first < 0 or m < first:
            first = m
        t = midnight + 60 * m
        if t > after and (best < 0 or t < best):
            best = t
    if first < 0:
        return
    if best < 0:
        best = midnight + 86400 + 60 * first
    app._slot_s = best
    app._slot_at = time.ticks_add(now_ms, (best - local) * 1000)


def slot_reached(app, slot, now_ms):
    # The reminder time `slot` (_slot_s) has come: the index of the first routine in the
    # menu due and not done for that slot (its k-th time of the day is due while fewer
    # than k sessions, as many as are due at most, were completed), or -1. Each time is
    # looked at once; the next one is planned.
    found = -1
    app._slot_done = slot
    day = slot // 86400
    minute = (slot % 86400) // 60
    order(app, now_ms)
    k = 0
    while k < app._count:
        i = app._menu[k]
        if app._rt[i * _RT] & _HAS_AT:
            r = load(app, i)
            if r is None:
                continue  # taken out: the next one is at k now
            j = 0
            while j < r.at_count and r.at[j] != minute:
                j += 1
            if j < r.at_count:
                n, done = due_of(app, i, day)
                if done < (j + 1 if j + 1 < n else n):
                    found = k
                    break
        k += 1
    plan_reminder(app, now_ms)
    return found


def item(app, k):
    """The Shown of the k-th routine of the menu (App.entries[k])."""
    if k % _COLLECT_EVERY == _COLLECT_EVERY - 1 and app.reader is None:
        gc.collect()  # a listing of them all (INFO) leaves a little garbage per item
    return fill(app, app._menu[k], app._view)


def _number(b, a, e, base):
    # The number written in b[a:e] (digits of this base, 10 or 16), or -1.
    if a >= e or a < 0:
        return -1
    v = 0
    while a < e:
        c = b[a] | 0x20  # hex digits in either case
        d = c - 0x30 if 0x30 <= c <= 0x39 else (c - 0x57 if base == 16 and 0x61 <= c <= 0x66 else -1)
        if d < 0:
            return -1
        v = v * base + d
        a += 1
    return v


def _clip(s, n):
    return s if len(s) <= n else s[:n]


def segments(app, i):
    """Routine i's segment count, its header read first if need be; -1 when it is refused."""
    o = i * _RT
    if not app._rt[o + _F] & _READ and load(app, i) is None:
        return -1
    return get_u16(app._rt, o + _SEGMENTS)


def open_checked(app, i, now_ms):
    """Routine i opened in the app's reader for a session, checked to its end first unless
    it was; None when it is refused, or changed since the menu offered it (the routines
    are then listed again)."""
    rd = app._rd
    rt = app._rt
    o = i * _RT
    try:
        if app._checking == i:
            # Its check is under way: it goes on to the end now.
            while not rd.check_some(0x3FFFFFFF):
                pass
            note(app, i, "ok")
        app._checking = -1
        rd.close()  # another routine's check under way begins again after the session
        r = app._open_routine(path(app, i), bool(rt[o + _F] & _CHECKED))
    except (bbr.BbrError, OSError) as e:
        refuse(app, i, e)
        return None
    if r.crc32 != get_u32(rt, o + _CRC) or r.size != get_u32(rt, o + _SIZE):
        # Not the file the menu offers (changed behind its back): list them again.
        r.close()
        reload(app, now_ms)
        return None
    if not rt[o + _F] & _CHECKED:
        note(app, i, "ok")
    return r


def today(app, now_ms):
    """The local day now (days since 1970-01-01), 0 while the clock is not known."""
    lb = app.logbook
    return lb.local_day(lb.wall_s(now_ms))


def show_reminder(app, i, now_ms):
    # Entry i shown in the menu with a gentle cue: a buzz, or without a motor (or with
    # vibration switched off) two soft notes.
    c = app.cues
    c.play(cues.REMIND if c.motor is not None and c.vibration else cues.REMIND_TONE,
           now_ms)
    app.selected = i
    app._fresh = False
    if app.screen != appmod.MENU:
        app.engine = None
        app.screen = appmod.MENU
    app._dirty = True
    # Left alone, it sleeps again after remind_ms.
    app._last_input = time.ticks_add(now_ms, app.remind_ms - app.idle_ms)


def due_status(app, en, now_ms):
    """What the menu says of routine en's day (a Shown): "due 2 of 3" (the next session
    is the second of three today), "done today", or "" (not due, no schedule, no
    clock)."""
    day = today(app, now_ms) if en.due_kind else 0
    if not day:
        return ""
    n, done = due_of(app, en.ix, day)
    if not n:
        return ""
    return "done today" if done >= n else "due %d of %d" % (done + 1, n)


def load_settings(app):
    app.cues.set_sound(True)
    app.cues.set_vibration(True)
    try:
        f = app.fs.open(app.settings_path, "rb")
        try:
            raw = f.read(2)
        finally:
            f.close()
    except OSError:
        return
    if len(raw) == 2:
        app.cues.set_sound(raw[0] == 0x31)
        app.cues.set_vibration(raw[1] == 0x31)


def save_settings(app):
    raw = b"1" if app.cues.sound else b"0"
    raw += b"1" if app.cues.vibration else b"0"
    try:
        f = app.fs.open(app.settings_path, "wb")
        try:
            f.write(raw)
        finally:
            f.close()
    except OSError:
        pass


def menu_input(app, ev, now_ms):
    app._fresh = False
    count = app._count + 1  # the last row is "Settings"
    if ev == button.SHORT:
        app.selected = (app.selected + 1) % count
        app._dirty = True
        ready(app)
    elif ev == button.DOUBLE:
        app.selected = (app.selected - 1) % count
        app._dirty = True
        ready(app)
    elif ev == button.LONG:
        if app.selected == app._count:
            app.screen = appmod.SETTINGS
            app._row = 0
            app._dirty = True
        else:
            app.start(app.entries[app.selected], now_ms)


def last_done_s(app, stem, now_ms):
    """Seconds since the routine was last started; ui.NEVER, or ui.UNDATED when it was
    done but the date is unknown."""
    rec = app.last.get(stem)
    if rec is None:
        return ui.NEVER
    boot, mono, wall = rec
    lb = app.logbook
    # The clock first: a ticks difference holds only 2**29 ms (about 6 days).
    if wall and lb.wall_offset_s:
        s = lb.wall_s(now_ms) - wall
        return s if s > 0 else 0  # the clock set back since: not "never"
    if boot == lb.boot:
        return time.ticks_diff(now_ms, mono) // 1000
    return ui.UNDATED


def morning_due(app, now_ms):
    # The first session start of a local day, a session having been completed the day
    # before: ask how the back is this morning (once a day).
    day = today(app, now_ms)
    lb = app.logbook
    return (day and day != app._asked_day and not lb.started_on(day)
            and lb.done_on_day(day - 1))


def morning_input(app, ev, now_ms):
    # Short press: the next answer; double: the one before; long: this one, then the
    # session starts.
    if ev == button.SHORT:
        app.morning = (app.morning + 1) % 3
    elif ev == button.DOUBLE:
        app.morning = (app.morning + 2) % 3
    elif ev == button.LONG:
        app.logbook.log_morning(logbook.BETTER + app.morning, now_ms)
        app._asked_day = today(app, now_ms)
        i = app._morning_ix
        app._morning_ix = -1
        app.screen = appmod.MENU
        app.button.ignore_until_release()
        if i >= 0:
            app.start(fill(app, i, app._view), now_ms)
    app._dirty = True


def settings_input(app, ev):
    if ev == button.SHORT:
        app._row = (app._row + 1) % len(appmod._SETTINGS_LABELS)
    elif ev == button.LONG:
        if app._row == 0:
            app.cues.set_sound(not app.cues.sound)
        elif app._row == 1:
            app.cues.set_vibration(not app.cues.vibration)
        else:
            save_settings(app)
            app.screen = appmod.MENU
    app._dirty = True


def message_input(app, ev):
    if app.bad:
        app.bad.pop(0)
    if app.bad or (not app._count and app.message_title != "NO ROUTINES"):
        problems_or_menu(app)
    else:
        app.screen = appmod.MENU  # with no routines it offers Settings alone
        app._dirty = True


def sleep(app):
    """Screen off and light sleep until the button is pressed."""
    app.screen = appmod.SLEEP
    app.cues.stop()
    app.display.poweroff()
    pin = app.board.button
    # A timer to the next reminder time, not a poll: each sleep lasts until it, or
    # sleep_chunk_ms at most.
    remind = -1
    while pin.value() != 0:
        ms = app.sleep_chunk_ms
        slot = app._slot_s
        if slot is not None:
            d = time.ticks_diff(app._slot_at, app.ticks_ms())
            if d <= 0:
                remind = slot_reached(app, slot, app.ticks_ms())
                if remind >= 0:
                    break
                continue  # nothing due then: asleep on, to the next time
            if d < ms:
                ms = d
        app.board.lightsleep(ms)
        app.logbook.wall_s(app.ticks_ms())  # keeps the clock's ticks anchor in range
    app.display.poweron()
    now = app.ticks_ms()
    # The press that woke the board is not a command.
    app.button = button.Button(pin, now)
    app._last_input = now
    app.screen = appmod.MENU
    app._ordered = False
    app._fresh = True
    app._dirty = True
    if remind >= 0:
        show_reminder(app, remind, now)


def draw_menu(app, now_ms):
    fb = app.display
    count = app._count  # routines only: the Settings row is not one
    if app.selected == count:
        ui.message(fb, "SETTINGS", "sound, vibration", "1=next hold=open")
        return
    en = app._view  # _ready() read its header
    last = last_done_s(app, en.stem, now_ms)
    ui.menu(fb, en.name, (en.total_ms + 999) // 1000, last, app.selected, count,
            due_status(app, en, now_ms), en.level)
