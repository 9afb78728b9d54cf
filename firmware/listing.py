# The app's routines outside a session: the folder listed, the index of the routines read,
# compared with the folder and saved (docs/firmware.md, "Routines at start-up"), the
# headers read and the files checked a few a turn, and the ones found bad refused; as
# functions of the App. A module of its own so that a session holds none of this code: the
# app imports it on use and lets it go when a session starts (as menu.py).

import gc
import time
from array import array

try:
    from binascii import crc32
except ImportError:  # a port built without it: no index (the folder listed at start-up)
    crc32 = None  # type: ignore[assignment]

import bbr
from app import (
    CHECKED,
    COLLECT_EVERY,
    CRC,
    DUE_KIND,
    DUE_VALUE,
    HAS_AT,
    KNOWN,
    LEVEL,
    MENU,
    RANKS,
    READ,
    REFUSED,
    RT,
    SEGMENTS,
    SIZE,
    TOTAL,
    F,
)
from logbook import get_u16, get_u32, put_u16, put_u32
from micropython import const

# Parts of a routine's check (bbr.Routine.check_some) done per turn of the loop outside a
# session, until every routine is checked; before that, this many headers read a turn.
_CHECK_PARTS = const(16)
_HEADERS = const(8)
# Entries of the routines folder compared with the index in one turn of the loop.
_LIST_STEP = const(8)
# The index of the routines (save_index): its header's size, and the flags it keeps.
_INDEX_HEAD = const(20)
_INDEX_VERSION = const(1)


def reload(a, now_ms, start=False):
    """List the routines again (after a change on flash) and show the menu or a problem.

    At start-up (start) the listing is the index's, when it has a good one, compared
    with the folder a few entries a turn afterwards (and the folder listed again at
    once should a file it names be missing); else the folder is listed. Only the
    header of the routine the menu shows is read: the other headers are read a few a
    turn of the loop (App.step). A routine whose size and CRC were checked before is
    offered as it is; the others are checked a little each turn, or as they run when
    started first.
    """
    if a._verdicts_changed and a._listed:
        save_index(a)
    a.bad = []
    if not (start and _read_index(a)):
        _relist(a)
    pushed = a._pushed
    if pushed is not None:
        a._pushed = None
        raw = pushed[0].encode()
        i = _find(a, raw, 0, len(raw) - 4)
        if i >= 0:
            _known(a, i, pushed[1], pushed[2], "ok")
    a._fresh = True
    a.last = a.logbook.last_sessions({})
    a.screen = MENU
    a._ready()
    a._m().problems_or_menu(a)


def _relist(a):
    # The folder listed (_list), keeping what was known of the files still in it.
    a._rd.close()
    a._checking = -1
    a._morning_ix = -1
    a._view.ix = -1
    a._lister = None
    a.bad = []  # named again as their headers are read
    ids, ends, rt, verr = a._names, a._ends, a._rt, a._verr
    _list(a)
    for k in range(len(ends)):
        o = k * RT
        if rt[o] & KNOWN:
            i = _find(a, ids, ends[k - 1] if k else 0, ends[k])
            if i >= 0:
                _known(a, i, get_u32(rt, o + SIZE), get_u32(rt, o + CRC),
                       "ok" if rt[o] & CHECKED else verr.get(k, "bad"))
    a._unchecked = True
    a._ordered = False
    if a.selected > a._count:
        a.selected = 0


def _list(a):
    # The .bbr files of the routines folder, in name order, into _names and _ends, and
    # room for what is learnt of each (_rt); all offered in name order until the menu
    # is put in order. One entry at a time (no list of the folder): the ids in the
    # order listed in one bytearray, their places (start << 8 | length) put in name
    # order as they come (after the last, or by a binary search), then copied in that
    # order.
    # The garbage so far collected first: importing this module leaves some, and on the
    # virtual device an import is no safe point (docs/virtual-device.md), nor is this loop.
    gc.collect()
    buf = bytearray()
    order = []  # type: list[int]
    try:
        for e in a.fs.ilistdir(a.routines):
            name = e[0]
            if not name.endswith(".bbr"):
                continue
            raw = name.encode()
            m = len(raw) - 4
            lo = 0
            hi = len(order)
            if hi:
                p = order[hi - 1]
                if not _before(raw, m, buf, p >> 8, p & 0xFF):
                    lo = hi  # after the last (littlefs lists in name order)
            while lo < hi:
                mid = (lo + hi) // 2
                p = order[mid]
                if _before(raw, m, buf, p >> 8, p & 0xFF):
                    hi = mid
                else:
                    lo = mid + 1
            order.insert(lo, (len(buf) << 8) | m)
            buf.extend(raw)
    except OSError:
        pass  # no folder: no routines
    n = len(order)
    # The listing's garbage collected (by a 1 ms sleep, for a port that collects only
    # while asleep, as the virtual device does) and the old ones let go before the new
    # are made.
    time.sleep_ms(1)
    a._names = a._rt = bytearray()
    a._ends = a._menu = array("H")
    a._at = array("H")
    a._verr = {}
    ids = bytearray(len(buf) - 4 * n)
    a._ends = ends = array("H", range(n))
    a._menu = array("H", range(n))
    o = 0
    for k in range(n):
        p = order[k]
        s = p >> 8
        m = p & 0xFF
        ids[o : o + m] = buf[s : s + m]
        o += m
        ends[k] = o
    a._names = ids
    a._rt = bytearray(RT * n)
    a._count = n
    a._cursor = 0
    a._listed = True


def _before(raw, m, buf, s, n):
    # raw[:m] sorts before buf[s : s + n] (bytes compared as the file names' order).
    j = 0
    while j < m and j < n:
        c = raw[j] - buf[s + j]
        if c:
            return c < 0
        j += 1
    return m < n


def _find(a, raw, b0, b):
    # The index of the routine whose id is raw[b0:b] (bytes), or -1: a binary search.
    ids = a._names
    ends = a._ends
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
                c = 0 if b0 + j == b else 1  # the id is a prefix of raw's, or equal
                break
            if b0 + j == b:
                c = -1
                break
            c = raw[b0 + j] - ids[s + j]
            j += 1
        if not c:
            return mid
        if c < 0:
            hi = mid
        else:
            lo = mid + 1
    return -1


def load(a, i, v=None):
    """Reads routine i's header (and into the Shown v, its name too): the reader that
    read it, or None when the routine is refused (then it is taken out of the menu and
    named). The app's reader serves unless a session or a check holds it."""
    rd = a._rd if a.reader is None and a._checking < 0 else bbr.Routine()
    rt = a._rt
    o = i * RT
    try:
        f = a.fs.open(a._path(i), "rb")
        try:
            rd.open(f, True)
        except Exception:
            f.close()
            raise
    except (bbr.BbrError, OSError) as e:
        if not a._listed and not isinstance(e, bbr.BbrError):
            # The index names a file no longer there (or one unreadable): the folder
            # is listed now, and that one named only if it is still there.
            _relist(a)
            a._verdicts_changed = True
            return None
        rt[o + F] &= ~READ
        refuse(a, i, e)
        return None
    try:
        f = rt[o + F]
        err = None
        if f & KNOWN and get_u32(rt, o + SIZE) == rd.size and get_u32(rt, o + CRC) == rd.crc32:
            err = None if f & CHECKED else a._verr.get(i, "bad")
        else:
            f &= ~(KNOWN | CHECKED)  # another file than the verdict's
        rt[o + F] = READ | (f & (KNOWN | CHECKED | RANKS)) | (HAS_AT if rd.at_count else 0)
        rt[o + DUE_KIND] = rd.due_kind
        rt[o + DUE_VALUE] = rd.due_value
        put_u16(rt, o + LEVEL, rd.level)
        put_u16(rt, o + SEGMENTS, rd.segment_count)
        put_u32(rt, o + SIZE, rd.size)
        put_u32(rt, o + CRC, rd.crc32)
        put_u32(rt, o + TOTAL, rd.total_ms)
        _add_at(a, rd)
        if v is not None:
            a._fill(i, v)
            v.name = rd.string(rd.name_offset)
    finally:
        rd.close()
    if err is not None:
        refuse(a, i, err)
        return None
    return rd


def _add_at(a, r):
    # Reader r's reminder times into _at (each minute once).
    at = a._at
    for j in range(r.at_count):
        m = r.at[j]
        k = 0
        while k < len(at) and at[k] != m:
            k += 1
        if k == len(at):
            at.append(m)


def load_all(a):
    """Read every routine's header not read yet (the link's INFO lists them all)."""
    reads = 0
    while True:
        i = a._next_unread()
        if i < 0:
            return
        load(a, i)
        reads += 1
        if reads % COLLECT_EVERY == 0:
            gc.collect()  # each read leaves a little garbage


def _known(a, i, size, crc, verdict):
    # The verdict on routine i's file of this size and CRC.
    rt = a._rt
    o = i * RT
    put_u32(rt, o + SIZE, size)
    put_u32(rt, o + CRC, crc)
    if verdict == "ok":
        rt[o + F] |= KNOWN | CHECKED
        a._verr.pop(i, None)
    else:
        rt[o + F] = (rt[o + F] | KNOWN) & ~CHECKED
        a._verr[i] = verdict
    a._verdicts_changed = True


def _note(a, i, verdict):
    # The verdict on routine i's file, under the size and CRC its header gave.
    rt = a._rt
    o = i * RT
    _known(a, i, get_u32(rt, o + SIZE), get_u32(rt, o + CRC), verdict)


def _read_index(a):
    # The listing from the index (save_index): the ids, and the size, CRC and verdict of
    # each file checked, read in one go. False (nothing taken) when there is no good one.
    # The headers are read again, a few a turn.
    if crc32 is None:
        return False
    try:
        f = a.fs.open(a.index_path, "rb")
    except OSError:
        return False
    try:
        head = bytearray(_INDEX_HEAD)
        if (f.readinto(head) != _INDEX_HEAD or head[0:4] != b"BBRI"
                or head[4] != _INDEX_VERSION or head[5] != RT):
            return False
        n = get_u16(head, 6)
        ids = bytearray(get_u16(head, 8))
        tail = bytearray(get_u16(head, 10))
        ends = array("H", range(n))
        rt = bytearray(RT * n)
        for part, size in ((ends, 2 * n), (ids, len(ids)), (rt, len(rt)),
                           (tail, len(tail))):
            if size and f.readinto(part) != size:
                return False
        c = crc32(tail, crc32(rt, crc32(ids, crc32(ends))))
        if c != get_u32(head, 16) or (n and ends[n - 1] != len(ids)):
            return False
        verr = {}
        for line in tail.split(b"\n"):
            if line:
                k, err = line.split(b" ", 1)
                verr[int(k)] = str(err, "ascii")
    except (OSError, ValueError):
        return False
    finally:
        f.close()
    a._rd.close()
    a._checking = -1
    a._morning_ix = -1
    a._view.ix = -1
    a._names = ids
    a._ends = ends
    a._rt = rt
    a._verr = verr
    a._menu = array("H", range(n))
    a._at = array("H")
    a._count = n
    a._cursor = 0
    a._unchecked = True
    a._ordered = False
    a._listed = False
    a._lister = None
    a._verdicts_changed = False
    if a.selected > n:
        a.selected = 0
    return True


def _verify_turn(a):
    # The next entries of the folder compared with the listing the index gave; once they
    # are all seen, the folder is listed again if they differ.
    if a._lister is None:
        a._seen = 0
        a._stale = False
        try:
            a._lister = a.fs.ilistdir(a.routines)
        except OSError:
            a._lister = ()
    n = 0
    for e in a._lister:
        name = e[0]
        if name.endswith(".bbr"):
            raw = name.encode()
            if _find(a, raw, 0, len(raw) - 4) < 0:
                a._stale = True
            else:
                a._seen += 1
        n += 1
        if n == _LIST_STEP:
            return
    a._lister = None
    a._listed = True
    if a._stale or a._seen != len(a._ends):
        _relist(a)
        a._verdicts_changed = True
        a._m().problems_or_menu(a)


def save_index(a):
    """The index of the routines now on flash (docs/firmware.md, "Routines at
    start-up"): written to index_path + ".tmp", then renamed."""
    a._verdicts_changed = False
    if crc32 is None:
        return
    n = len(a._ends)
    rt = bytearray(a._rt)
    tail = bytearray()
    for i in range(n):
        o = i * RT
        f = rt[o] & (KNOWN | CHECKED)
        if not f:
            rt[o : o + RT] = bytes(RT)
        else:
            rt[o] = f
            if not f & CHECKED:
                tail.extend(("%d %s\n" % (i, a._verr.get(i, "bad"))).encode())
    head = bytearray(_INDEX_HEAD)
    head[0:4] = b"BBRI"
    head[4] = _INDEX_VERSION
    head[5] = RT
    put_u16(head, 6, n)
    put_u16(head, 8, len(a._names))
    put_u16(head, 10, len(tail))
    put_u32(head, 16, crc32(tail, crc32(rt, crc32(a._names, crc32(a._ends)))))
    tmp = a.index_path + ".tmp"
    fs = a.fs
    try:
        f = fs.open(tmp, "wb")
        try:
            for part in (head, a._ends, a._names, rt, tail):
                f.write(part)
        finally:
            f.close()
        try:
            fs.rename(tmp, a.index_path)
        except OSError:
            fs.remove(a.index_path)
            fs.rename(tmp, a.index_path)
    except OSError:
        pass  # not kept: the folder is listed at the next start-up


def check_turn(a):
    """A few headers, or a part of the next unchecked routine's check; the verdicts
    saved once all are done."""
    rd = a._rd
    i = a._checking
    if i < 0:
        if not a._listed:
            _verify_turn(a)
            return
        n = 0  # headers read this turn
        while n < _HEADERS:
            j = a._next_unread()
            if j < 0:
                break
            load(a, j)
            n += 1
        if n:
            return
        if not a._ordered:
            a._m().order(a, a.ticks_ms())
        k = 0
        while k < a._count and a._rt[a._menu[k] * RT] & CHECKED:
            k += 1
        if k == a._count:
            a._unchecked = False
            if a._verdicts_changed:
                save_index(a)
            return
        i = a._menu[k]
        try:
            a._open_routine(a._path(i), True)
            rd.begin_check()
        except (bbr.BbrError, OSError) as e:
            refuse(a, i, e)
            return
        a._checking = i
    try:
        if not rd.check_some(_CHECK_PARTS):
            return
        rd.close()
        a._checking = -1
        _note(a, i, "ok")
    except (bbr.BbrError, OSError) as e:
        refuse(a, i, e)


def refuse(a, i, e):
    """Routine i found bad after it was offered: named, and no longer offered. The
    verdict is remembered when its header was read (it has a size and a CRC)."""
    if a._checking >= 0:
        a._rd.close()
        a._checking = -1
    rt = a._rt
    o = i * RT
    if isinstance(e, str):
        err = e
    else:
        err = str(e) if isinstance(e, bbr.BbrError) else "unreadable"
        if rt[o + F] & READ:
            _note(a, i, err)
    rt[o + F] |= REFUSED
    menu = a._menu
    k = 0
    while k < a._count and menu[k] != i:
        k += 1
    if k < a._count:
        a._count -= 1
        for j in range(k, a._count):
            menu[j] = menu[j + 1]
        if a.selected > k:
            a.selected -= 1
    if a._view.ix == i:
        a._view.ix = -1
    a.bad.append((a.stem(i) + ".bbr", err))
    if a.screen == MENU:
        a._m().problems_or_menu(a)
