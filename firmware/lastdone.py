# "When last done": the logbook's summary of each routine's last session start and of the
# days its sessions were completed (docs/log-format.md, "When last done"), as
# functions of the Logbook (logbook.py calls them). A module of its own, so that a session,
# which reads none of it, holds neither this code nor the summary's 3 KB image: the
# logbook lets both go when a session begins (put_away) and takes them back at its end
# (come_back).

import binascii
import sys

from logbook import (
    HEADER,
    LAST_TMP,
    MAX_ROUTINES,
    SESSION_END,
    SESSION_START,
    TRAILER,
    _read_full,
    get_u16,
    get_u32,
    put_u16,
    put_u32,
)
from micropython import const

_SUM_HEAD = const(8)  # u32 upto, u16 slots, u16 slot size
# u32 seq, u32 boot, u32 mono_ms, u32 wall_s, u8 id length, 64 id, 3 zero, then the days
# of completed sessions: u16 the last day one was, u8 how many that day, u8 how many
# earlier in that day's week, u16 the day of the one before that day, 2 zero.
_SLOT = const(92)
_S_DAY = const(84)
_S_N = const(86)
_S_WEEK = const(87)
_S_BEFORE = const(88)
_SUM_BYTES = const(2956)  # _SUM_HEAD + MAX_ROUTINES * _SLOT + TRAILER
_LAST = "last"


def put_away(lb):
    """A session begins: the summary, saved first if records came after it, and this
    module are let go. True when they were (lb._sum is then None); the session's start and
    end are noted when it ends (come_back)."""
    if lb._upto != lb.next_seq - 1 and not save(lb):
        return False
    lb._sum = None
    lb._loaded = False
    sys.modules.pop(__name__, None)
    return True


def come_back(lb, seq, start, buf, p):
    """The session put away began with record seq (its payload in start) and ends with the
    session end record whose payload is at buf[p:]: the summary read again with both
    noted."""
    if lb._sum is None:
        lb._sum = bytearray(_SUM_BYTES)
    if _read(lb, seq) and lb._upto == seq - 1:
        lb._loaded = True
        lb._seen = lb._upto
        note_start(lb, seq, start, 0)
    else:
        load(lb)  # the file changed or went: every record after it read again
    note_end(lb, buf, p)


def sessions(lb, into):
    """Fill the dict `into` with routine id -> (boot, mono_ms, wall_s) of its last start.

    The first call loads the summary (load).
    """
    if not lb._loaded:
        load(lb)
    s = lb._sum
    for k in range(lb._slots):
        o = _SUM_HEAD + k * _SLOT
        n = s[o + 16]
        rid = str(bytes(s[o + 17 : o + 17 + n]), "ascii")
        into[rid] = (get_u32(s, o + 4), get_u32(s, o + 8), get_u32(s, o + 12))
    return into


def load(lb):
    """Read the summary file and the records written after it (or, when it is missing or
    damaged, every record) into the logbook's image; save it again if it was behind."""
    if lb._sum is None:
        lb._sum = bytearray(_SUM_BYTES)
    lb._loaded = True
    from_seq = 1
    if _read(lb):
        from_seq = lb._upto + 1
    else:
        lb._slots = 0
        lb._upto = 0
    lb._seen = lb._upto

    def take(seq, rtype, buf, size):
        lb._seen = seq
        if rtype == SESSION_START:
            note_start(lb, seq, buf, HEADER)
        elif rtype == SESSION_END:
            note_end(lb, buf, HEADER)

    if from_seq < lb.next_seq:
        lb.records(from_seq, take)
    # Session starts still waiting in the buffer (a write that failed).
    b = lb._buf
    o = 0
    while o < lb._n:
        if b[o + 1] == SESSION_START:
            note_start(lb, get_u32(b, o + 4), b, o + HEADER)
        elif b[o + 1] == SESSION_END:
            note_end(lb, b, o + HEADER)
        o += HEADER + get_u16(b, o + 2) + TRAILER
    if lb._seen != lb._upto:
        save(lb)


def _read(lb, below=0):
    # The summary file into lb._sum; False when it is missing, damaged or ahead of the log
    # (from another log than this one): it must cover records below this boot's first, or
    # below `below` for one this boot saved.
    s = lb._sum
    try:
        f = lb.fs.open(lb.root + "/" + _LAST, "rb")
    except OSError:
        return False
    try:
        got = _read_full(f, memoryview(s))
    finally:
        f.close()
    if got < _SUM_HEAD + TRAILER:
        return False
    slots = get_u16(s, 4)
    if (
        slots > MAX_ROUTINES
        or get_u16(s, 6) != _SLOT
        or got != _SUM_HEAD + slots * _SLOT + TRAILER
        or binascii.crc32(memoryview(s)[: got - TRAILER]) != get_u32(s, got - TRAILER)
    ):
        return False
    upto = get_u32(s, 0)
    if upto >= (below or lb.boot):
        return False
    lb._slots = slots
    lb._upto = upto
    return True


def note_start(lb, seq, buf, p):
    # The session start record seq, its payload at buf[p:], into its routine's slot.
    s = lb._sum
    n = buf[p + 24]
    k = 0
    while k < lb._slots:
        o = _SUM_HEAD + k * _SLOT
        if s[o + 16] == n:
            i = 0
            while i < n and s[o + 17 + i] == buf[p + 25 + i]:
                i += 1
            if i == n:
                break
        k += 1
    new = k == lb._slots
    if new:
        if k < MAX_ROUTINES:
            lb._slots = k + 1
        else:
            # Full: the routine last done longest ago gives up its slot.
            k = 0
            for j in range(1, MAX_ROUTINES):
                if get_u32(s, _SUM_HEAD + j * _SLOT) < get_u32(s, _SUM_HEAD + k * _SLOT):
                    k = j
    lb._cur = k
    o = _SUM_HEAD + k * _SLOT
    put_u32(s, o, seq)
    for i in range(12):
        s[o + 4 + i] = buf[p + i]
    s[o + 16] = n
    for i in range(n):
        s[o + 17 + i] = buf[p + 25 + i]
    for i in range(17 + n, _SLOT if new else _S_DAY):
        s[o + i] = 0


def note_end(lb, buf, p):
    # The session end record with payload at buf[p:]: a completed session counts on
    # the local day its start has (as the host's plan counts it), when that is known.
    k = lb._cur
    lb._cur = -1
    if k < 0 or buf[p] != 1:
        return
    s = lb._sum
    o = _SUM_HEAD + k * _SLOT
    day = lb._day_at(s, o + 12)
    if not day:
        return
    last = get_u16(s, o + _S_DAY)
    if day <= last:
        if s[o + _S_N] < 255:
            s[o + _S_N] += 1
        return
    week = 0
    if last and (last + 3) // 7 == (day + 3) // 7:  # the same week, Monday to Sunday
        week = s[o + _S_WEEK] + s[o + _S_N]
        if week > 255:
            week = 255
    put_u16(s, o + _S_BEFORE, last)
    put_u16(s, o + _S_DAY, day)
    s[o + _S_N] = 1
    s[o + _S_WEEK] = week


def _slot_of(lb, rid, start, end):
    # The slot of the routine id rid[start:end] (rid bytes-like), or -1.
    if not lb._loaded:
        load(lb)
    s = lb._sum
    n = end - start
    for k in range(lb._slots):
        o = _SUM_HEAD + k * _SLOT + 17
        if s[o - 1] == n:
            i = 0
            while i < n and s[o + i] == rid[start + i]:
                i += 1
            if i == n:
                return k
    return -1


def done_on(lb, rid, day, start=0, end=-1):
    """Completed sessions of routine rid (its id, or bytes holding it at [start:end],
    so a caller with many ids in one buffer makes no object per routine) as seen on
    local day `day`: q_today those of that day, q_week those earlier in its week
    (Monday to Sunday), q_before the day of the last one before it (0: none). False
    when the routine has no slot."""
    lb.q_today = lb.q_week = lb.q_before = 0
    if isinstance(rid, str):
        rid = rid.encode()
    k = _slot_of(lb, rid, start, len(rid) if end < 0 else end)
    if k < 0:
        return False
    s = lb._sum
    o = _SUM_HEAD + k * _SLOT
    last = get_u16(s, o + _S_DAY)
    n = s[o + _S_N]
    week = s[o + _S_WEEK]
    if last == day:
        lb.q_today = n
        lb.q_week = week
        lb.q_before = get_u16(s, o + _S_BEFORE)
    elif last and last < day:
        lb.q_before = last
        if (last + 3) // 7 == (day + 3) // 7:
            lb.q_week = week + n
    return True


def started_on(lb, day):
    """True when a session (of any routine) started on local day `day`."""
    if not lb._loaded:
        load(lb)
    s = lb._sum
    for k in range(lb._slots):
        if lb._day_at(s, _SUM_HEAD + k * _SLOT + 12) == day:
            return True
    return False


def done_on_day(lb, day):
    """True when a session (of any routine) was completed on local day `day`."""
    if not lb._loaded:
        load(lb)
    s = lb._sum
    for k in range(lb._slots):
        o = _SUM_HEAD + k * _SLOT
        if get_u16(s, o + _S_DAY) == day or get_u16(s, o + _S_BEFORE) == day:
            return True
    return False


def save(lb):
    """Write the summary (between sessions): True when it now covers every record.

    Nothing is written while records wait in the buffer. A failed write leaves the
    previous summary, which is still right for the records it covers.
    """
    if not lb._loaded:
        load(lb)
    if lb._n:
        return False
    s = lb._sum
    upto = lb.next_seq - 1
    put_u32(s, 0, upto)
    put_u16(s, 4, lb._slots)
    put_u16(s, 6, _SLOT)
    end = _SUM_HEAD + lb._slots * _SLOT
    mv = memoryview(s)
    put_u32(s, end, binascii.crc32(mv[:end]) & 0xFFFFFFFF)
    tmp = lb.root + "/" + LAST_TMP
    try:
        f = lb.fs.open(tmp, "wb")
        try:
            f.write(mv[: end + TRAILER])
        finally:
            f.close()
        lb.fs.rename(tmp, lb.root + "/" + _LAST)
    except OSError:
        try:
            lb.fs.remove(tmp)
        except OSError:
            pass
        return False
    lb._upto = upto
    return True
