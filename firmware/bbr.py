# Streaming reader of compiled routines (.bbr, docs/bbr-format.md): verify once, then read
# one segment at a time from the open file with buffers allocated once.

import binascii

from micropython import const

VERSION = const(2)  # this reader also reads version 1 (no per-segment level)
HEADER_SIZE = const(32)
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

_CHUNK = const(64)
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


def _u32(b, o):
    return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)


class Routine:
    """An open, verified .bbr file.

    The constructor checks the whole file (magic, version, size, CRC, header,
    every segment) and raises BbrError naming the first problem. Afterwards
    read_segment(i) loads segment i into the attributes kind, flags, side,
    breath, rep, reps, round, rounds, step, exercise, say, duration_ms and
    param; string(offset) fetches a display string. RAM use does not depend
    on the routine's length.
    """

    def __init__(self, stream):
        self._f = stream
        self._seg = bytearray(SEGMENT_SIZE)
        self._seg_mv = memoryview(self._seg)
        self._seg8 = self._seg_mv[:BREATH_SIZE]
        self._seg4 = self._seg_mv[:4]
        self._chunk = bytearray(_CHUNK)
        self._chunk_mv = memoryview(self._chunk)
        self._str = bytearray(256)
        self._str_mv = memoryview(self._str)
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
        self._verify()

    def close(self):
        if self._f is not None:
            self._f.close()
            self._f = None

    # ------------------------------------------------------------ reading

    def _read_at(self, offset, mv):
        f = self._f
        f.seek(offset)
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
        return self

    def read_breath(self, index, out):
        """Fill out[0:4] with breath pattern `index`: inhale, hold, exhale, hold (ms)."""
        b = self._seg
        self._read_at(HEADER_SIZE + BREATH_SIZE * index, self._seg8)
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
        return str(bytes(self._str_mv[:n]), "ascii")

    def _load_string(self, offset):
        # Reads the string at `offset` into self._str; returns its length or -1 if it is invalid.
        if offset >= self.strings_size:
            return -1
        mv = self._str_mv
        if self._read_at(self.strings_offset + offset, mv[:1]) != 1:
            return -1
        n = self._str[0]
        if offset + 1 + n > self.strings_size:
            return -1
        if n and self._read_at(self.strings_offset + offset + 1, mv[:n]) != n:
            return -1
        return n

    def _valid_string(self, offset):
        n = self._load_string(offset)
        if n < 0:
            return False
        b = self._str
        lines = 1
        col = 0
        for i in range(n):
            c = b[i]
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

    # ------------------------------------------------------------ verifying

    def _verify(self):
        f = self._f
        h = self._seg  # 24 bytes: the header is read in two parts
        hdr = bytearray(HEADER_SIZE)
        f.seek(0)
        n = 0
        while n < HEADER_SIZE:
            got = f.readinto(memoryview(hdr)[n:])
            if not got:
                break
            n += got
        if n < 4 or hdr[0] != 0x42 or hdr[1] != 0x42 or hdr[2] != 0x52 or hdr[3] != 0x54:
            raise BbrError("not a routine")
        if n < 5:
            raise BbrError("truncated")
        if hdr[4] != VERSION and hdr[4] != 1:
            raise BbrError("incompatible version %d" % hdr[4])
        self.version = hdr[4]
        if n < HEADER_SIZE:
            raise BbrError("truncated")
        header_size = hdr[5]
        segment_size = hdr[6]
        self.breath_count = hdr[7]
        self.segment_count = _u16(hdr, 8)
        self.name_offset = _u16(hdr, 10)
        self.total_ms = _u32(hdr, 12)
        self.segments_offset = _u32(hdr, 16)
        self.strings_offset = _u32(hdr, 20)
        self.strings_size = _u32(hdr, 24)
        self.level = _u16(hdr, 28)
        reserved = _u16(hdr, 30)
        size = self.strings_offset + self.strings_size + 4
        file_size = f.seek(0, 2)
        if file_size is None:
            file_size = f.tell()
        if file_size < size:
            raise BbrError("truncated")
        if file_size > size:
            raise BbrError("trailing bytes")
        # CRC32 of everything before the last 4 bytes, in small chunks.
        crc = 0
        pos = 0
        end = size - 4
        mv = self._chunk_mv
        f.seek(0)
        while pos < end:
            want = end - pos
            if want > _CHUNK:
                want = _CHUNK
            got = f.readinto(mv[:want]) if want < _CHUNK else f.readinto(mv)
            if not got:
                raise BbrError("truncated")
            crc = binascii.crc32(mv[:got], crc) if got < _CHUNK else binascii.crc32(mv, crc)
            pos += got
        self._read_at(end, self._seg4)
        self.crc32 = _u32(h, 0)
        if crc & 0xFFFFFFFF != self.crc32:
            raise BbrError("bad CRC")
        # The header's sizes and offsets.
        if (
            header_size != HEADER_SIZE
            or segment_size != SEGMENT_SIZE
            or self.segment_count == 0
            or self.segments_offset != HEADER_SIZE + BREATH_SIZE * self.breath_count
            or self.strings_offset != self.segments_offset + SEGMENT_SIZE * self.segment_count
            or self.strings_size > 0xFFFF
            or reserved != 0
            or not self._valid_string(self.name_offset)
        ):
            raise BbrError("bad header")
        phases = [0, 0, 0, 0]
        for i in range(self.breath_count):
            self.read_breath(i, phases)
            if phases[0] == 0 or phases[2] == 0 or (phases[1] == 0 and phases[3] != 0):
                raise BbrError("bad header")
        total = 0
        for i in range(self.segment_count):
            self._read_at(self.segments_offset + SEGMENT_SIZE * i + 16, self._seg4)
            total += _u32(h, 0)
        if total != self.total_ms:
            raise BbrError("bad header")
        # Every segment record; consecutive segments often share strings.
        ok_a = -1
        ok_b = -1
        for i in range(self.segment_count):
            self.read_segment(i)
            if not self._valid_segment(phases):
                raise BbrError("bad segment %d" % i)
            for off in (self.exercise, self.say):
                if off == NO_STRING or off == ok_a or off == ok_b:
                    continue
                if not self._valid_string(off):
                    raise BbrError("bad segment %d" % i)
                ok_b = ok_a
                ok_a = off
        self.index = -1

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
