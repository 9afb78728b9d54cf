# The session logbook: append-only, CRC-checked, sequence-numbered records in /logs
# (docs/log-format.md). Records are built in a buffer allocated once and written to
# flash only between segments and at a session's end. Reading them back allocates
# nothing per record, and "when last done" comes from a small summary file, so
# start-up does not grow with the log.

import binascii
import os
import sys
import time

from micropython import const

SYNC = const(0xB1)
HEADER = const(8)
TRAILER = const(4)
MAX_PAYLOAD = const(240)
MAX_RECORD = const(252)  # HEADER + MAX_PAYLOAD + TRAILER

# Record types.
SESSION_START = const(1)
SEGMENT = const(2)
SESSION_END = const(3)
ERROR = const(4)
CLOCK = const(5)
MORNING = const(6)
MORNING_PAYLOAD = const(13)
# The morning answers (MORNING records).
BETTER = const(1)
SAME = const(2)
WORSE = const(3)

SEGMENT_PAYLOAD = const(22)
SESSION_END_PAYLOAD = const(18)
# The version byte of segment and session end records (docs/log-format.md).
LOG_VERSION = const(2)
START_FIXED = const(25)  # SESSION_START payload without the routine id
MAX_ID = const(64)
MAX_TEXT = const(200)

# A new file is begun at a session start once the current one is this big.
ROTATE_BYTES = const(16384)
# Free space kept beyond what a session needs (file system metadata, the acked file).
RESERVE_BYTES = const(8192)
_BUFFER = const(1024)
# The clock's ticks anchor moves up once it is this far behind (a ticks difference only
# holds 2**29 ms; ticks wrap at 2**30).
_ANCHOR_MS = const(0x10000000)

# The "last done" summary (lastdone.py) has a slot for this many routines.
MAX_ROUTINES = const(32)
_DAY_S = const(86400)
_ZONE_MAX_MIN = const(1080)  # a UTC offset is at most 18 hours either way

_ACKED = "acked"
_ACKED_TMP = "acked.tmp"  # left by firmware that wrote the watermark by renaming
# The watermark file: two slots, each a u32 and its CRC-32, written in turn.
_ACK_SLOT = const(8)
_ACK_SLOTS = const(2)
_ACK_BYTES = const(16)
LAST_TMP = "last.tmp"
_ZONE = "zone"
_ZONE_TMP = "zone.tmp"
_SUFFIX = ".log"


class Flash:
    """The board's file system, as the logbook uses it (tests hand in their own)."""

    def open(self, path, mode):
        return open(path, mode)

    def listdir(self, path):
        return os.listdir(path)

    def ilistdir(self, path):
        return os.ilistdir(path)

    def mkdir(self, path):
        os.mkdir(path)

    def remove(self, path):
        os.remove(path)

    def rename(self, a, b):
        os.rename(a, b)

    def statvfs(self, path):
        return os.statvfs(path)


def put_u16(b, o, v):
    b[o] = v & 0xFF
    b[o + 1] = (v >> 8) & 0xFF


def put_u32(b, o, v):
    b[o] = v & 0xFF
    b[o + 1] = (v >> 8) & 0xFF
    b[o + 2] = (v >> 16) & 0xFF
    b[o + 3] = (v >> 24) & 0xFF


def get_u16(b, o):
    return b[o] | (b[o + 1] << 8)


def get_u32(b, o):
    return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)


# Routines kept for the host under their CRC (retain.py); the link looks there too.
KEPT = "/kept"


def kept_path(crc):
    return "%s/%08x.bbr" % (KEPT, crc)


def exists(fs, path):
    """True when the file at path can be opened."""
    try:
        fs.open(path, "rb").close()
        return True
    except OSError:
        return False


def crc_of(fs, path, buf):
    """The CRC-32 a .bbr file ends with (its last 4 bytes), read into buf; None when the
    file cannot be read or is shorter than 4 bytes."""
    try:
        f = fs.open(path, "rb")
    except OSError:
        return None
    try:
        size = f.seek(0, 2)
        if size is None:
            size = f.tell()
        if size < 4:
            return None
        f.seek(size - 4)
        if f.readinto(memoryview(buf)[:4]) != 4:
            return None
    finally:
        f.close()
    return get_u32(buf, 0)


def file_name(first_seq):
    """The name of the log file whose first record has sequence number first_seq."""
    return "%08x%s" % (first_seq, _SUFFIX)


def _first_seq(name):
    # The sequence number in a log file's name, or -1 if it is not a log file.
    if len(name) != 12 or not name.endswith(_SUFFIX):
        return -1
    try:
        return int(name[:8], 16)
    except ValueError:
        return -1


def _read_full(f, mv):
    # Bytes read into mv, all of it unless the file ends; a view of the rest is made only
    # after a short read.
    want = len(mv)
    got = f.readinto(mv) or 0
    while 0 < got < want:
        n = f.readinto(mv[got:])
        if not n:
            break
        got += n
    return got


class Logbook:
    """The records in `root` on `fs`: reading them back, appending, acknowledging."""

    def __init__(self, fs=None, root="/logs"):
        self.fs = fs if fs is not None else Flash()
        self.root = root
        self._buf = bytearray(_BUFFER)
        self._mv = memoryview(self._buf)
        self._n = 0
        # The reader of log files (Scanner), made when records are read and let go when a
        # session begins: a session reads none, and the heap is then at its fullest.
        self._scan = None
        self._ack = bytearray(_ACK_BYTES)  # the watermark file's image
        self._ack_slot = 1  # its slot holding acked (1 until one is read: slot 0 is next)
        self._firsts = None  # the log files' first numbers, once listed (kept up to date)
        self._path = None
        self._file_bytes = 0
        self.write_failed = False
        self.lost = 0
        # Unix seconds are wall_offset_s + (_clock_ms + ticks since _clock_at) // 1000;
        # wall_offset_s 0 means the clock was never set.
        self.wall_offset_s = 0
        self._clock_at = 0
        self._clock_ms = 0
        try:
            self.fs.mkdir(root)
        except OSError:
            pass
        self._clean_tmp()
        self.acked = self._read_acked()
        # The sequence number after the last good record: the last file tells.
        self.torn = False
        self.next_seq = 1
        firsts = self._files()
        if firsts:
            last = firsts[-1]
            scan = self._scanner()
            count, _pos, torn = scan.scan(self.fs, self._file(last), last)
            self.torn = torn
            self.next_seq = scan.last_seq + 1
            if count == 0:
                # No good record in it (cut within the first): its name is free again.
                self.fs.remove(self._file(last))
                self._firsts = None
        if self.next_seq <= self.acked:
            self.next_seq = self.acked + 1
        # Records written in this boot carry this number (the first sequence number).
        self.boot = self.next_seq
        # "When last done": the summary's image (docs/log-format.md, lastdone.py), made and
        # read on first use, let go while a session runs.
        self._sum = None
        # The session start record of a session begun with the summary let go: its
        # sequence number (0: none) and its payload.
        self._away = 0
        self._start = bytearray(START_FIXED + MAX_ID)
        self._slots = 0
        self._upto = 0  # the summary accounts for every record up to this one
        self._seen = 0
        self._loaded = False
        self._cur = -1  # the slot of the session last started, while its end is awaited
        # Local time is Unix time plus zone_s (the host says it; UTC until then).
        self.zone_s = self._read_zone()
        # What done_on() found for a routine.
        self.q_today = 0
        self.q_week = 0
        self.q_before = 0

    # ------------------------------------------------------------ files

    def _file(self, first_seq):
        return self.root + "/" + file_name(first_seq)

    def _files(self):
        # The first sequence numbers of the log files, in order: listed once, then kept as
        # the logbook makes and removes files (only it writes in root while the app runs).
        # The list is not to be changed by the caller.
        if self._firsts is not None:
            return self._firsts
        out = []
        for name in self.fs.listdir(self.root):
            s = _first_seq(name)
            if s >= 0:
                out.append(s)
        out.sort()
        self._firsts = out
        return out

    def _clean_tmp(self):
        for name in (_ACKED_TMP, LAST_TMP, _ZONE_TMP):
            try:
                self.fs.remove(self.root + "/" + name)
            except OSError:
                pass

    def _read_zone(self):
        try:
            f = self.fs.open(self.root + "/" + _ZONE, "rb")
        except OSError:
            return 0
        try:
            raw = f.read(8)
        finally:
            f.close()
        try:
            m = int(raw)
        except ValueError:
            return 0
        return m * 60 if -_ZONE_MAX_MIN <= m <= _ZONE_MAX_MIN else 0

    def set_zone(self, minutes):
        """Local time is minutes ahead of UTC from now on (kept on flash); False when it is
        out of range or could not be kept."""
        if not -_ZONE_MAX_MIN <= minutes <= _ZONE_MAX_MIN:
            return False
        if minutes * 60 == self.zone_s:
            return True
        tmp = self.root + "/" + _ZONE_TMP
        try:
            f = self.fs.open(tmp, "wb")
            try:
                f.write(b"%d" % minutes)
            finally:
                f.close()
            self.fs.rename(tmp, self.root + "/" + _ZONE)
        except OSError:
            return False
        self.zone_s = minutes * 60
        return True

    def local_day(self, wall_s):
        """The local calendar day of Unix time wall_s, as days since 1970-01-01 (a
        Thursday); 0 when wall_s is 0 (not known)."""
        return (wall_s + self.zone_s) // _DAY_S if wall_s else 0

    def _day_at(self, b, o):
        # local_day() of the u32 wall_s at b[o:], in small ints only (a Unix time of now is
        # past MicroPython's small ints, and rebuilding the summary allocates nothing per
        # record): wall_s = 4 t + lo with t = hi * 16384, and t = 21600 a + r.
        lo = get_u16(b, o)
        hi = get_u16(b, o + 2)
        if not lo and not hi:
            return 0
        t = hi * 16384
        return t // 21600 + (4 * (t % 21600) + lo + self.zone_s) // _DAY_S

    def local_s(self, mono_ms):
        """Seconds since local midnight of 1970-01-01 at ticks mono_ms; 0 when the clock is
        not known."""
        w = self.wall_s(mono_ms)
        return w + self.zone_s if w else 0

    def _scanner(self):
        # The log reader (logread.py), imported again after a session let it go.
        if self._scan is None:
            import logread

            self._scan = logread.Scanner()
        return self._scan

    def _read_acked(self):
        # The highest good slot of the watermark file (0 without one); notes its slot.
        b = self._ack
        try:
            f = self.fs.open(self.root + "/" + _ACKED, "rb")
        except OSError:
            return 0
        try:
            got = _read_full(f, memoryview(b))
        finally:
            f.close()
        best = 0
        for k in range(_ACK_SLOTS):
            o = k * _ACK_SLOT
            if (o + _ACK_SLOT <= got
                    and binascii.crc32(memoryview(b)[o : o + 4]) & 0xFFFFFFFF == get_u32(b, o + 4)
                    and get_u32(b, o) >= best):
                best = get_u32(b, o)
                self._ack_slot = k
        return best

    # ------------------------------------------------------------ building records

    def _start_record(self, rtype, n):
        # Room for a record of payload n in the buffer; returns its offset or -1.
        size = HEADER + n + TRAILER
        if self._n + size > _BUFFER:
            self.flush()
            if self._n + size > _BUFFER:
                self.lost += 1
                return -1
        o = self._n
        b = self._buf
        b[o] = SYNC
        b[o + 1] = rtype
        put_u16(b, o + 2, n)
        put_u32(b, o + 4, self.next_seq)
        return o + HEADER

    def _end_record(self, p, n):
        o = p - HEADER
        crc = binascii.crc32(self._mv[o : p + n]) & 0xFFFFFFFF
        put_u32(self._buf, p + n, crc)
        self._n = p + n + TRAILER
        self.next_seq += 1

    def _timed_record(self, rtype, n, mono_ms):
        # A record whose payload begins with boot, mono_ms and the wall time then.
        p = self._start_record(rtype, n)
        if p >= 0:
            b = self._buf
            put_u32(b, p, self.boot)
            put_u32(b, p + 4, mono_ms)
            put_u32(b, p + 8, self.wall_s(mono_ms))
        return p

    def wall_s(self, mono_ms):
        """Unix seconds at ticks value mono_ms, 0 when the clock was never set.

        mono_ms must lie within 2**29 ms of the last value asked about (or of the clock's
        setting): the anchor moves up with the values asked, so the clock goes on across
        the ticks wrap.
        """
        if not self.wall_offset_s:
            return 0
        d = time.ticks_diff(mono_ms, self._clock_at)
        ms = self._clock_ms + d
        s = self.wall_offset_s + ms // 1000
        if d >= _ANCHOR_MS:
            self._clock_at = mono_ms
            self.wall_offset_s = s
            self._clock_ms = ms % 1000
        return s

    def begin_session(self, routine_id, crc, level, segment_count, total_ms, mono_ms):
        """Record a session start and write it to flash at once. A session reads no
        summary: it is let go (lastdone.put_away) until the session ends, and no log
        reader (logread.py and lognative.py, imported again when records are next read)."""
        self._scan = None
        sys.modules.pop("logread", None)
        sys.modules.pop("lognative", None)
        self.flush()
        self._away = 0
        away = self._loaded and _last().put_away(self)
        if self._path is not None and self._file_bytes >= ROTATE_BYTES:
            self._path = None
        rid = routine_id.encode()
        if len(rid) > MAX_ID:
            rid = rid[:MAX_ID]
        n = START_FIXED + len(rid)
        p = self._timed_record(SESSION_START, n, mono_ms)
        if p < 0:
            return
        b = self._buf
        put_u32(b, p + 12, crc)
        put_u32(b, p + 16, total_ms)
        put_u16(b, p + 20, level)
        put_u16(b, p + 22, segment_count)
        b[p + 24] = len(rid)
        for i in range(len(rid)):
            b[p + 25 + i] = rid[i]
        if self._loaded:
            _last().note_start(self, self.next_seq, b, p)
        elif away:
            self._away = self.next_seq
            self._start[:n] = self._mv[p : p + n]
        self._end_record(p, n)
        self.flush()

    def add_segment(self, index, kind, outcome, pain, start_ms, end_ms, planned_ms, achieved_ms):
        """Buffer one segment's outcome (flush() writes it, between segments)."""
        p = self._start_record(SEGMENT, SEGMENT_PAYLOAD)
        if p < 0:
            return
        b = self._buf
        put_u16(b, p, index)
        b[p + 2] = kind
        b[p + 3] = outcome
        b[p + 4] = pain
        b[p + 5] = LOG_VERSION
        put_u32(b, p + 6, start_ms)
        put_u32(b, p + 10, end_ms)
        put_u32(b, p + 14, planned_ms)
        put_u32(b, p + 18, achieved_ms)
        self._end_record(p, SEGMENT_PAYLOAD)

    def add_result(self, e):
        """Buffer the outcome of the segment an engine just finished (its res_* values)."""
        self.add_segment(
            e.res_index, e.res_kind, e.res_outcome, e.res_pain, e.res_start_ms, e.res_end_ms,
            e.res_planned_ms, e.res_achieved_ms,
        )

    def end_session(self, end, done, skipped, elapsed_ms, paused_ms, mono_ms):
        """Record a session's end (with the wall time at mono_ms, 0 when the clock is not
        known) and write everything buffered."""
        p = self._start_record(SESSION_END, SESSION_END_PAYLOAD)
        if p >= 0:
            b = self._buf
            b[p] = end
            b[p + 1] = LOG_VERSION
            put_u16(b, p + 2, done)
            put_u16(b, p + 4, skipped)
            put_u32(b, p + 6, elapsed_ms)
            put_u32(b, p + 10, paused_ms)
            put_u32(b, p + 14, self.wall_s(mono_ms))
            if self._loaded:
                _last().note_end(self, b, p)
            elif self._away:
                _last().come_back(self, self._away, self._start, b, p)
            self._away = 0
            self._end_record(p, SESSION_END_PAYLOAD)
        self.flush()

    def log_error(self, text, mono_ms):
        """Record an error message (plain ASCII, cut to 200 bytes) and write it at once."""
        raw = text.encode()
        if len(raw) > MAX_TEXT:
            raw = raw[:MAX_TEXT]
        n = 8 + len(raw)
        p = self._start_record(ERROR, n)
        if p < 0:
            return
        b = self._buf
        put_u32(b, p, self.boot)
        put_u32(b, p + 4, mono_ms)
        for i in range(len(raw)):
            c = raw[i]
            b[p + 8 + i] = c if 0x20 <= c <= 0x7E or c == 10 else 0x3F
        self._end_record(p, n)
        self.flush()

    def log_morning(self, answer, mono_ms):
        """Record the answer to "back this morning?" (BETTER, SAME or WORSE) and write it."""
        p = self._timed_record(MORNING, MORNING_PAYLOAD, mono_ms)
        if p < 0:
            return
        self._buf[p + 12] = answer
        self._end_record(p, MORNING_PAYLOAD)
        self.flush()

    def know_time(self, wall_s, mono_ms):
        """The time is wall_s at ticks mono_ms (from the clock chip): remember it, with no
        record (the session starts carry it)."""
        self.wall_offset_s = wall_s - mono_ms // 1000
        self._clock_at = mono_ms
        self._clock_ms = mono_ms

    def set_clock(self, wall_s, mono_ms):
        """The host told the time: remember the offset and record it."""
        self.know_time(wall_s, mono_ms)
        p = self._start_record(CLOCK, 12)
        if p < 0:
            return
        b = self._buf
        put_u32(b, p, self.boot)
        put_u32(b, p + 4, mono_ms)
        put_u32(b, p + 8, wall_s)
        self._end_record(p, 12)
        self.flush()

    def pending(self):
        """Bytes built but not yet written."""
        return self._n

    def flush(self):
        """Append the buffered records to the current log file; True when all were written."""
        if self._n == 0:
            return True
        mode = "ab"
        if self._path is None:
            first = get_u32(self._buf, 4)
            self._path = self._file(first)
            self._file_bytes = 0
            # A new file. One of this name can only hold a torn copy of these same records
            # (a write of them that failed): it is written anew.
            mode = "wb"
        try:
            f = self.fs.open(self._path, mode)
            try:
                f.write(self._mv[: self._n])
            finally:
                f.close()
        except OSError:
            # Whatever reached the file may be torn: later records go to a new file.
            self.write_failed = True
            self._path = None
            self._firsts = None
            return False
        if mode == "wb" and self._firsts is not None:
            first = get_u32(self._buf, 4)
            if first not in self._firsts:
                self._firsts.append(first)  # the highest number yet
        self._file_bytes += self._n
        self._n = 0
        self.write_failed = False
        return True

    # ------------------------------------------------------------ reading back

    def records(self, from_seq, on_record, on_run=None, room=0):
        """Call on_record(seq, rtype, rec, size) for every good record from from_seq on
        (logread.Scanner.scan: rec is a view of its raw bytes; on_run and room as there).

        A file's records from the next file's first on are not read: they were cut off
        in a failed write and written again at the head of the next file.
        """
        firsts = self._files()
        scan = self._scanner()
        for k in range(len(firsts)):
            # The records taken from this file are below upto (0: no limit).
            upto = firsts[k + 1] if k + 1 < len(firsts) else 0
            if upto and upto <= from_seq:
                continue
            scan.scan(self.fs, self._file(firsts[k]), firsts[k], on_record, from_seq, upto,
                      on_run, room)
            room = scan.room

    # ------------------------------------------------------------ space and sync

    def unsynced(self):
        """How many records the host has not acknowledged."""
        return self.next_seq - 1 - self.acked

    def ack(self, seq, reclaim=True):
        """The host has stored every record up to seq: persist the watermark, and (with
        reclaim; the link does it after its answer) free space."""
        if seq <= self.acked:
            return
        if seq >= self.next_seq:
            seq = self.next_seq - 1
        # Into the slot not holding the present value, in place: a cut spoils at most
        # that slot, and the other keeps the present value (docs/log-format.md).
        path = self.root + "/" + _ACKED
        try:
            f = self.fs.open(path, "r+b")
            k = 1 - self._ack_slot
        except OSError:
            f = self.fs.open(path, "wb")  # none yet: slot 0 begins it
            k = 0
        o = k * _ACK_SLOT
        b = self._ack
        put_u32(b, o, seq)
        put_u32(b, o + 4, binascii.crc32(memoryview(b)[o : o + 4]) & 0xFFFFFFFF)
        try:
            f.seek(o)
            f.write(memoryview(b)[o : o + _ACK_SLOT])
        finally:
            f.close()
        self._ack_slot = k
        self.acked = seq
        if reclaim:
            self.reclaim()

    def reclaim(self):
        """Remove log files whose every record is acknowledged; returns how many."""
        firsts = self._files()
        removed = 0
        for k in range(len(firsts) - 1):
            last = firsts[k + 1] - 1
            path = self._file(firsts[k])
            if last <= self.acked and path != self._path:
                self._firsts = None  # listed again next time (a removal may fail half way)
                self.fs.remove(path)
                removed += 1
        return removed

    def free_bytes(self):
        st = self.fs.statvfs(self.root)
        return st[0] * st[3]

    def bytes_for(self, segment_count):
        """Flash a session of segment_count segments needs, reserve included."""
        return (
            (HEADER + START_FIXED + MAX_ID + TRAILER)
            + segment_count * (HEADER + SEGMENT_PAYLOAD + TRAILER)
            + (HEADER + SESSION_END_PAYLOAD + TRAILER)
            + RESERVE_BYTES
        )

    def room_for(self, segment_count):
        """True when a session fits; acknowledged files are removed first if needed.

        False means "sync me": nothing unacknowledged is ever removed to make room.
        """
        need = self.bytes_for(segment_count)
        if self.free_bytes() >= need:
            return True
        self.reclaim()
        return self.free_bytes() >= need

    # ------------------------------------------------------------ when last done
    # (lastdone.py, imported on use: a session holds none of it)

    def last_sessions(self, into):
        """Fill the dict `into` with routine id -> (boot, mono_ms, wall_s) of its last start."""
        return _last().sessions(self, into)

    def done_on(self, rid, day, start=0, end=-1):
        """Completed sessions of routine rid (its id, or bytes holding it at [start:end],
        so a caller with many ids in one buffer makes no object per routine) as seen on
        local day `day`: q_today those of that day, q_week those earlier in its week
        (Monday to Sunday), q_before the day of the last one before it (0: none). False
        when the routine has no slot."""
        return _last().done_on(self, rid, day, start, end)

    def started_on(self, day):
        """True when a session (of any routine) started on local day `day`."""
        return _last().started_on(self, day)

    def done_on_day(self, day):
        """True when a session (of any routine) was completed on local day `day`."""
        return _last().done_on_day(self, day)

    def save_last(self):
        """Write the summary (between sessions): True when it now covers every record.

        Nothing is written while records wait in the buffer. A failed write leaves the
        previous summary, which is still right for the records it covers.
        """
        return _last().save(self)


def _last():
    # The summary's code (lastdone.py), imported again after a session let it go.
    import lastdone

    return lastdone
