# Streaming reader of compiled routines (.bbr, docs/bbr-format.md): verify once, then read
# one segment at a time from the open file with buffers allocated once.

from array import array

try:
    from binascii import crc32 as _c_crc32
except ImportError:  # a port built without it
    _c_crc32 = None  # type: ignore[assignment]  # (tested before each use)

from micropython import const

VERSION = const(3)  # this reader also reads versions 1 (no per-segment level) and 2 (no schedule)
HEADER_SIZE = const(48)
_OLD_HEADER_SIZE = const(32)  # versions 1 and 2
SEGMENT_SIZE = const(24)
BREATH_SIZE = const(8)
NO_BREATH = const(255)
NO_STRING = const(0xFFFF)

# Segment kinds (their codes in the file).
PREPARE = const(1)
HOLD = const(2)
HOLD_OPEN = const(3)
BREATHE = const(4)
STRETCH = const(5)
CONTRACT = const(6)
RELAX = const(7)
COUNT = const(8)
REST = const(9)
SWITCH = const(10)

KIND_NAMES = (
    None,
    "prepare",
    "hold",
    "hold_open",
    "breathe",
    "stretch",
    "contract",
    "relax",
    "count",
    "rest",
    "switch",
)

# Segment flags.
STEP_START = const(1)
STEP_END = const(2)
CHECK_PAIN = const(4)
COUNTDOWN = const(8)
BEATS = const(16)
_KNOWN_FLAGS = const(0x1F)

# The schedule's `due` kinds (Routine.due_kind; 0: none). due_value is the count, or for
# DUE_DAYS a mask of weekdays (bit 0 Monday .. bit 6 Sunday).
DUE_PER_DAY = const(1)
DUE_DAYS = const(2)
DUE_PER_WEEK = const(3)
DUE_EVERY_DAYS = const(4)
MAX_AT = const(6)
_MINUTES_A_DAY = const(1440)

_CHUNK = const(256)
# Where a check is (Routine.check_some).
_DONE = const(0)
_CRC = const(1)
_HEADER = const(2)
_SEGMENTS = const(3)
_MAX_COUNTER = const(100)
_COLUMNS = const(16)
_LINES = const(3)


class BbrError(Exception):
    """A .bbr file the device refuses; str(e) is the reader error name of the format doc."""

    def __init__(self, name):
        super().__init__(name)
        self.name = name


def _u16(b, o):
    return b[o] | (b[o + 1] << 8)


# The CRC-32 (IEEE, reflected: binascii.crc32's) of each byte value, in two halves: the
# check keeps the CRC as two 16-bit small ints, so it allocates nothing per chunk (a
# 32-bit int above 2**30 is a long int on MicroPython, allocated at every step).
# Made by the first check and let go by drop_tables() (a session checks nothing: its
# 1 KB is free while the heap is at its fullest).
_CRC_LO = None
_CRC_HI = None


def drop_tables():
    """Let the CRC tables go until the next check needs them."""
    global _CRC_LO, _CRC_HI
    _CRC_LO = _CRC_HI = None


def _crc_tables():
    global _CRC_LO, _CRC_HI
    if _CRC_LO is not None:
        return
    _CRC_LO = array("H", range(256))
    _CRC_HI = array("H", range(256))
    for n in range(256):
        lo = n
        hi = 0
        for _ in range(8):
            carry = lo & 1
            lo = (lo >> 1) | ((hi & 1) << 15)
            hi >>= 1
            if carry:
                lo ^= 0x8320  # the polynomial 0xEDB88320, reflected
                hi ^= 0xEDB8
        _CRC_LO[n] = lo
        _CRC_HI[n] = hi


def _u32(b, o):
    return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)


class Routine:
    """An open .bbr file, read segment by segment.

    Routine(stream) reads the header and checks the whole file (magic, version, size,
    CRC, header, every segment), raising BbrError naming the first problem; with
    checked=True (a file of this size and CRC was checked before) it reads the header
    alone. open() points the same object at another file, so one set of buffers serves
    every routine. The whole check can also be done a little at a time: begin_check(),
    then check_some(n) until it returns True. Afterwards read_segment(i) loads segment i
    into the attributes kind, flags, side, breath, rep, reps, round, rounds, step,
    exercise, say, duration_ms and param; string(offset) fetches a display string. The
    header's schedule is in due_kind, due_value, at_count and at[0:at_count] (minutes
    after midnight); a version 1 or 2 file has none.
    RAM use does not depend on the routine's length, and checking allocates nothing
    per segment.
    """

    def __init__(self, stream=None, checked=False):
        self._f = None
        self._hdr = bytearray(HEADER_SIZE)
        self._hdr_mv = memoryview(self._hdr)
        self._seg = bytearray(SEGMENT_SIZE)
        self._seg_mv = memoryview(self._seg)
        self._seg8 = self._seg_mv[:BREATH_SIZE]
        self._seg4 = self._seg_mv[:4]
        # A string (its length byte first) is read into _str; the CRC is taken over it too.
        self._str = bytearray(_CHUNK)
        self._str_mv = memoryview(self._str)
        self._phases = [0, 0, 0, 0]
        # Every attribute is made here: one made later may grow the instance's dict while
        # the heap is locked.
        self.version = VERSION
        self.header_size = HEADER_SIZE
        self.seg_level = 0
        self.at = [0] * MAX_AT
        self.at_count = 0
        self.due_kind = 0
        self.due_value = 0
        self.kind = 0
        self.flags = 0
        self.side = 0
        self.breath = NO_BREATH
        self.rep = 0
        self.reps = 0
        self.round = 0
        self.rounds = 0
        self.step = 0
        self.exercise = NO_STRING
        self.say = NO_STRING
        self.duration_ms = 0
        self.param = 0
        self.index = -1
        self.size = 0
        self.crc32 = 0
        self._crc_lo = 0  # the stored CRC, in halves
        self._crc_hi = 0
        self._lo = 0
        self._hi = 0
        self._phase = _DONE
        self._lazy = False  # each segment checked as it is read (begin_lazy)
        if stream is not None:
            self.open(stream, checked)

    def open(self, stream, checked=False):
        """Read the header of `stream` (and check the whole file unless `checked`).

        Raises BbrError; the caller closes the stream then.
        """
        self._f = stream
        self.index = -1
        self._lazy = False
        try:
            if not self._read_header():
                checked = False  # the header does not add up: the full check names why
            if not checked:
                self.begin_check()
                self.check_rest()
        except Exception:
            self._f = None
            self._phase = _DONE
            raise
        return self

    def close(self):
        if self._f is not None:
            self._f.close()
            self._f = None
        self._phase = _DONE
        self._lazy = False

    # ------------------------------------------------------------ reading

    def _read_at(self, offset, mv, want=-1):
        # Reads into mv from offset until `want` bytes (all of mv unless given) are there
        # or the file ends; returns how many were read (more than want when they came).
        f = self._f
        f.seek(offset)
        if want < 0:
            want = len(mv)
        got = 0
        while got < want:
            n = f.readinto(mv[got:]) if got else f.readinto(mv)
            if not n:
                break
            got += n
        return got

    def read_segment(self, i):
        """Load segment i (0-based) into this object's segment attributes."""
        b = self._seg
        self._read_at(self.segments_offset + SEGMENT_SIZE * i, self._seg_mv)
        self.index = i
        self.kind = b[0]
        self.flags = b[1] & _KNOWN_FLAGS
        self.side = b[2]
        self.breath = b[3]
        self.rep = b[4]
        self.reps = b[5]
        self.round = b[6]
        self.rounds = b[7]
        self.step = _u16(b, 8)
        self.exercise = _u16(b, 10)
        self.say = _u16(b, 12)
        # The level of the segment's exercise; version 1 has one level, the header's.
        self.seg_level = _u16(b, 14) if self.version != 1 else self.level
        self.duration_ms = _u32(b, 16)
        self.param = _u32(b, 20)
        if self._lazy and not (
            self._valid_segment(self._phases)
            and self._string_ok(self.exercise)
            and self._string_ok(self.say)
        ):
            raise BbrError("bad segment %d" % i)
        return self

    def read_breath(self, index, out):
        """Fill out[0:4] with breath pattern `index`: inhale, hold, exhale, hold (ms)."""
        b = self._seg
        self._read_at(self.header_size + BREATH_SIZE * index, self._seg8)
        out[0] = _u16(b, 0)
        out[1] = _u16(b, 2)
        out[2] = _u16(b, 4)
        out[3] = _u16(b, 6)
        return out

    def string(self, offset):
        """The display string at `offset` of the string table, or None for 65535."""
        if offset == NO_STRING:
            return None
        n = self._load_string(offset)
        return str(bytes(self._str_mv[1 : 1 + n]), "ascii")

    def _load_string(self, offset):
        # Reads the string at `offset` (its length byte, then its bytes) into self._str;
        # returns its length or -1 if it is invalid.
        if offset >= self.strings_size:
            return -1
        # One read of up to 256 bytes: near the end of the file it is short, and reading on
        # (with a view of the rest) is needed only when it stopped before the string's end.
        f = self._f
        f.seek(self.strings_offset + offset)
        got = f.readinto(self._str_mv) or 0
        n = self._str[0] if got else 0
        if not got or offset + 1 + n > self.strings_size:
            return -1
        if got < 1 + n and self._read_at(self.strings_offset + offset, self._str_mv) < 1 + n:
            return -1
        return n

    def _valid_string(self, offset):
        n = self._load_string(offset)
        if n < 0:
            return False
        b = self._str
        lines = 1
        col = 0
        i = 1
        while i <= n:
            c = b[i]
            i += 1
            if c == 10:
                lines += 1
                col = 0
                if lines > _LINES:
                    return False
            elif 0x20 <= c <= 0x7E:
                col += 1
                if col > _COLUMNS:
                    return False
            else:
                return False
        return True

    # ------------------------------------------------------------ checking

    def _read_header(self):
        # The header, the file's size and its stored CRC; raises BbrError for the problems
        # found without reading the whole file, and returns False when the header's sizes
        # and offsets do not add up (the full check then says what comes first).
        f = self._f
        hdr = self._hdr
        f.seek(0)
        n = 0
        while n < HEADER_SIZE:
            got = f.readinto(self._hdr_mv[n:]) if n else f.readinto(self._hdr_mv)
            if not got:
                break
            n += got
        if n < 4 or hdr[0] != 0x42 or hdr[1] != 0x42 or hdr[2] != 0x52 or hdr[3] != 0x54:
            raise BbrError("not a routine")
        if n < 5:
            raise BbrError("truncated")
        if hdr[4] != VERSION and hdr[4] != 1 and hdr[4] != 2:
            raise BbrError("incompatible version %d" % hdr[4])
        self.version = hdr[4]
        self.header_size = HEADER_SIZE if self.version == VERSION else _OLD_HEADER_SIZE
        if n < self.header_size:
            raise BbrError("truncated")
        self.breath_count = hdr[7]
        self.segment_count = _u16(hdr, 8)
        self.name_offset = _u16(hdr, 10)
        self.total_ms = _u32(hdr, 12)
        self.segments_offset = _u32(hdr, 16)
        self.strings_offset = _u32(hdr, 20)
        self.strings_size = _u32(hdr, 24)
        self.level = _u16(hdr, 28)
        self._read_schedule()
        size = self.strings_offset + self.strings_size + 4
        file_size = f.seek(0, 2)
        if file_size is None:
            file_size = f.tell()
        if file_size < size:
            raise BbrError("truncated")
        if file_size > size:
            raise BbrError("trailing bytes")
        self.size = size
        self._read_at(size - 4, self._seg4)
        self.crc32 = _u32(self._seg, 0)
        self._crc_lo = _u16(self._seg, 0)
        self._crc_hi = _u16(self._seg, 2)
        return self._header_adds_up()

    def _read_schedule(self):
        hdr = self._hdr
        at = self.at
        if self.version != VERSION:
            self.due_kind = self.due_value = self.at_count = 0
            return
        self.due_kind = hdr[32]
        self.due_value = hdr[33]
        self.at_count = hdr[34]
        i = 0
        while i < MAX_AT:
            at[i] = _u16(hdr, 36 + 2 * i)
            i += 1

    def _schedule_ok(self):
        # The schedule's fields in range (docs/bbr-format.md, "Header").
        if self.version != VERSION:
            return True
        kind = self.due_kind
        v = self.due_value
        if kind == 0:
            ok = v == 0
        elif kind == DUE_PER_DAY:
            ok = 1 <= v <= 6
        elif kind == DUE_DAYS:
            ok = 1 <= v <= 0x7F
        elif kind == DUE_PER_WEEK:
            ok = 1 <= v <= 21
        elif kind == DUE_EVERY_DAYS:
            ok = 2 <= v <= 14
        else:
            ok = False
        n = self.at_count
        if not ok or n > MAX_AT or self._hdr[35] != 0:
            return False
        at = self.at
        i = 0
        while i < MAX_AT:
            t = at[i]
            if (i >= n and t != 0) or (i < n and (t >= _MINUTES_A_DAY or (i and t <= at[i - 1]))):
                return False
            i += 1
        return True

    def _header_adds_up(self):
        hdr = self._hdr
        return (
            hdr[5] == self.header_size
            and hdr[6] == SEGMENT_SIZE
            and self.segment_count != 0
            and self.segments_offset == self.header_size + BREATH_SIZE * self.breath_count
            and self.strings_offset == self.segments_offset + SEGMENT_SIZE * self.segment_count
            and self.strings_size <= 0xFFFF
            and _u16(hdr, 30) == 0
            and self._schedule_ok()
            and self._valid_string(self.name_offset)
        )

    def begin_check(self):
        """Start checking the open file from its start (check_some() goes on)."""
        _crc_tables()
        self._phase = _CRC
        self._pos = 0
        self._lo = 0xFFFF  # the CRC register, inverted, in halves
        self._hi = 0xFFFF

    def check_rest(self):
        """The rest of the check at once, as fast as the port allows, for when a person
        waits for it (a routine started before its check in the background ended, or one
        opened unchecked): the CRC by binascii.crc32, in C, where the port has it (50
        times the Python loop's speed on a Pico; it makes a long int per chunk, which the
        background check_some() does not). Raises BbrError as check_some() does."""
        if self._phase == _CRC and _c_crc32 is not None:
            self._c_crc()
        while not self.check_some(0x3FFFFFFF):
            pass

    def begin_lazy(self):
        """Check the open file (opened checked=True) but its segments: the CRC (in C where
        the port has it), the header and the breath patterns; then each segment, with its
        strings, as read_segment() reads it, raising BbrError("bad segment N") for a bad
        one. For a routine started before its whole check: the wait does not grow with its
        segments. What the whole check adds (the durations' sum against the header's
        total) is left to a later check_some()."""
        self.begin_check()
        if _c_crc32 is None:
            while self._phase == _CRC:
                self.check_some(1)
        else:
            self._c_crc()
        self.check_some(1)  # the header and its breath patterns
        self._phase = _DONE
        self._lazy = True

    def _c_crc(self):
        # The CRC from where the check is, by binascii.crc32; raises BbrError("bad CRC").
        end = self.size - 4
        crc = ((self._hi ^ 0xFFFF) << 16) | (self._lo ^ 0xFFFF)
        mv = self._str_mv
        pos = self._pos
        while pos < end:
            want = end - pos
            if want > _CHUNK:
                want = _CHUNK
            if self._read_at(pos, mv, want) < want:
                raise BbrError("truncated")
            crc = _c_crc32(mv[:want], crc)  # (tested by the caller)
            pos += want
        self._pos = pos
        if crc != self.crc32:
            self._phase = _DONE
            raise BbrError("bad CRC")
        self._phase = _HEADER

    def checking(self):
        """True between begin_check() and the end of the check (or close())."""
        return self._phase != _DONE

    def check_some(self, n):
        """Check at most n more parts (a 256-byte chunk for the CRC, the header, or one
        segment); True once the whole file is checked. Raises BbrError at the first
        problem, in the order of docs/bbr-format.md."""
        while n > 0:
            n -= 1
            ph = self._phase
            if ph == _SEGMENTS:
                self._check_segment()
            elif ph == _CRC:
                self._check_chunk()
            elif ph == _HEADER:
                self._check_header()
            else:
                return True
        return self._phase == _DONE

    def _check_chunk(self):
        end = self.size - 4
        want = end - self._pos
        mv = self._str_mv
        if want > _CHUNK:
            want = _CHUNK
        got = self._read_at(self._pos, mv, want)  # the last chunk's read takes the CRC too
        if got < want:
            raise BbrError("truncated")
        lo = self._lo
        hi = self._hi
        tlo = _CRC_LO
        thi = _CRC_HI
        for i in range(want):
            x = (lo ^ mv[i]) & 0xFF
            lo = ((lo >> 8) | ((hi & 0xFF) << 8)) ^ tlo[x]  # type: ignore[index]  # (made)
            hi = (hi >> 8) ^ thi[x]  # type: ignore[index]  # by begin_check
        self._lo = lo
        self._hi = hi
        self._pos += want
        if self._pos >= end:
            if lo ^ 0xFFFF != self._crc_lo or hi ^ 0xFFFF != self._crc_hi:
                self._phase = _DONE
                raise BbrError("bad CRC")
            self._phase = _HEADER

    def _check_header(self):
        self._phase = _DONE
        if not self._header_adds_up():
            raise BbrError("bad header")
        phases = self._phases
        i = 0
        while i < self.breath_count:
            self.read_breath(i, phases)
            if phases[0] == 0 or phases[2] == 0 or (phases[1] == 0 and phases[3] != 0):
                raise BbrError("bad header")
            i += 1
        self._pos = 0  # the next segment
        self._sum = 0  # their durations so far
        self._bad = -1  # the first bad segment
        self._ok_a = -1  # the last two strings found valid (neighbours often share them)
        self._ok_b = -1
        self._phase = _SEGMENTS

    def _check_segment(self):
        i = self._pos
        self.read_segment(i)
        self._sum += self.duration_ms
        if self._bad < 0 and not (
            self._valid_segment(self._phases)
            and self._string_ok(self.exercise)
            and self._string_ok(self.say)
        ):
            self._bad = i
        self._pos = i + 1
        if self._pos < self.segment_count:
            return
        self._phase = _DONE
        self.index = -1
        if self._sum != self.total_ms:
            raise BbrError("bad header")
        if self._bad >= 0:
            raise BbrError("bad segment %d" % self._bad)

    def _string_ok(self, off):
        if off == NO_STRING or off == self._ok_a or off == self._ok_b:
            return True
        if not self._valid_string(off):
            return False
        self._ok_b = self._ok_a
        self._ok_a = off
        return True

    def _valid_segment(self, phases):
        b = self._seg
        kind = self.kind
        if kind < PREPARE or kind > SWITCH or self.side > 2:
            return False
        if self.version == 1 and _u16(b, 14) != 0:
            return False
        if self.duration_ms == 0:
            return False
        if self.breath != NO_BREATH:
            if self.breath >= self.breath_count or (kind != HOLD and kind != BREATHE):
                return False
            if kind == BREATHE:
                self.read_breath(self.breath, phases)
                cycle = phases[0] + phases[1] + phases[2] + phases[3]
                if self.duration_ms % cycle:
                    return False
        elif kind == BREATHE:
            return False
        if self.reps > _MAX_COUNTER or self.rep > self.reps or (self.rep == 0) != (self.reps == 0):
            return False
        if self.rounds > _MAX_COUNTER or self.round > self.rounds:
            return False
        if kind == HOLD_OPEN:
            return self.param >= self.duration_ms
        if kind == COUNT:
            return self.param != 0
        return self.param == 0


def open_routine(path):
    """Open and verify the .bbr file at `path`; the caller closes the Routine."""
    f = open(path, "rb")
    try:
        return Routine(f)
    except Exception:
        f.close()
        raise
