# The log reader (docs/log-format.md, "Reading"): log files read a block at a time, each
# good record copied out of the block, runs of them checked in it. A module of its own,
# imported when records are read (logbook.Logbook._scanner), so that a session, which
# reads none, holds neither this code nor lognative's machine code and its CRC table: the
# logbook lets them go when a session begins.

import binascii
from array import array

from logbook import HEADER, MAX_PAYLOAD, MAX_RECORD, SYNC, TRAILER, _read_full
from micropython import const

_LAST_TYPE = const(6)  # the highest record type (logbook.MORNING)
# The log is read this many bytes at a time.
_BLOCK = const(1024)
# The CRC-32 of any bytes followed by their own CRC-32 (little-endian): a record is
# good when the CRC of all its bytes is this, a small int (no allocation to compare).
_RESIDUE = const(0x2144DF1C)


def _copy_py(src, at, dst, n):
    # src[at:at + n] into dst[0:n] (as lognative.copy).
    for i in range(n):
        dst[i] = src[at + i]


# Records are taken out of the read block, and runs of them checked in it, by machine
# code where the port compiles lognative (the rp2 port), else by the loops here.
try:
    from lognative import copy as _copy
    from lognative import crc_table as _crc_table
    from lognative import walk as _walk

    NATIVE_COPY = True
except (ImportError, SyntaxError, AttributeError, NotImplementedError, MemoryError, ValueError):
    _copy = _copy_py
    _walk = None  # type: ignore[assignment]
    NATIVE_COPY = False


class Scanner:
    """Reads log files a block (`_BLOCK` bytes) at a time, each good record copied out of
    the block into one buffer (`buf`, MAX_RECORD bytes).

    The view of a record of payload n is made the first time that size is met and kept,
    and the CRC is checked against _RESIDUE: after the first few records a scan
    allocates nothing per record. A record costs few calls (on a Pico, a call costs as
    much as reading the record): its header is read in line.
    """

    def __init__(self):
        self.buf = bytearray(MAX_RECORD)
        self._mv = memoryview(self.buf)
        # views[n]: the view of a whole record of payload n, once met (a log has few sizes).
        self._views = {}  # type: dict[int, memoryview]
        self._blk = bytearray(_BLOCK)
        self._bmv = memoryview(self._blk)
        self._at = 0  # the file position of _blk[0]
        self._len = 0  # how many bytes of the file from there _blk holds
        self._end = False  # True when the file ends within them
        # walk()'s arguments: from, end, number, bound, most (then how many it found).
        self._args = array("I", (0, 0, 0, 0, 0))
        self._walk = _walk if _walk is not None else self._walk_py
        # walk()'s CRC table, made by machine code (none for the loop).
        self._crc = None
        if _walk is not None:
            self._crc = bytearray(1024)
            _crc_table(self._crc)
        self.room = 0  # the room for a run a scan ended with
        self.last_seq = 0  # the sequence number of the last good record a scan read
        self.damaged = 0  # how many damaged stretches it skipped

    def scan(self, fs, path, first_seq, on_record=None, from_seq=0, upto=0, on_run=None,
             room=0):
        """Read the good records of one log file in order (docs/log-format.md, "Reading").

        Calls on_record(seq, rtype, rec, size) for each good record numbered from_seq or
        more and, when upto is not 0, below upto; rec is a view of its raw bytes (header,
        payload, CRC), valid until the call returns. A damaged record is skipped: the next
        good record after it is found by its sync byte, sequence number and CRC. Returns
        (records, good_bytes, torn): good_bytes is where the last good record ends, torn
        True when bytes that are no good record follow it (a power cut's torn tail).
        Afterwards last_seq is the last good record's number (first_seq - 1 if none) and
        damaged counts the stretches skipped before good records.

        Records that follow one another in the file and in number are checked a run at a
        time where they can be (lognative.walk). With on_run, they go in runs of up to
        `room` bytes: on_run(seq, count, block, at, size) has them in
        block[at:at + size], the first numbered seq. on_run and on_record each return the
        room for the next run; a record that does not fit goes to on_record alone. The
        same records go, in the same order, as without on_run.
        """
        f = fs.open(path, "rb")
        self._len = 0  # a block read before is not this file as it is now
        self._end = False
        buf = self.buf
        a = self._args
        count = 0
        pos = 0
        torn = False
        want = first_seq
        self.damaged = 0
        try:
            while True:
                o = pos - self._at
                # Records below from_seq are passed over a run at a time, those for on_run
                # taken a run at a time; what no run holds goes one by one below.
                skip = want < from_seq
                if (skip or on_run is not None and room > 0) and 0 <= o < self._len:
                    e = self._len if skip or o + room > self._len else o + room
                    a[0] = o
                    a[1] = e
                    a[2] = want
                    a[3] = upto
                    a[4] = from_seq - want if skip and from_seq - want < 255 else 255
                    got = self._walk(self._blk, a, self._crc)
                    if got:
                        k = a[4]
                        if not skip:
                            room = on_run(want, k, self._bmv, o, got)
                        count += k
                        want += k
                        pos += got
                        continue
                size = self._record_at(f, pos, want)
                if size == 0:
                    break
                if size < 0:
                    # Damaged here: the next good record on, if there is one (in buf).
                    at = self._resync(f, pos + 1, want)
                    if at < 0:
                        torn = True
                        break
                    self.damaged += 1
                    pos = at
                    size = HEADER + (buf[2] | (buf[3] << 8)) + TRAILER
                seq = buf[4] | (buf[5] << 8) | (buf[6] << 16) | (buf[7] << 24)
                if on_record is not None and seq >= from_seq and (not upto or seq < upto):
                    room = on_record(seq, buf[1], self._views[size - HEADER - TRAILER], size)
                count += 1
                want = seq + 1
                pos += size
        finally:
            f.close()
        self.last_seq = want - 1
        self.room = room
        return count, pos, torn

    def _read(self, f, pos):
        # The block read again from file position pos.
        f.seek(pos)
        self._at = pos
        self._len = _read_full(f, self._bmv)
        self._end = self._len < _BLOCK

    def _record_at(self, f, pos, want):
        # The size of the good record at pos, copied into buf (its number at least want);
        # 0 at the end of the file, -1 when the bytes there are not a good record.
        o = pos - self._at
        if o < 0 or (o + MAX_RECORD > self._len and not self._end):
            self._read(f, pos)  # the block may end within the record
            o = 0
        return self._good(o, want)

    def _good(self, o, want):
        # As _record_at, for the record at _blk[o] as far as the block holds it.
        b = self._blk
        got = self._len - o
        if got <= 0:
            return 0
        if got < HEADER or b[o] != SYNC or b[o + 1] == 0 or b[o + 1] > _LAST_TYPE:
            return -1
        n = b[o + 2] | (b[o + 3] << 8)
        seq = b[o + 4] | (b[o + 5] << 8) | (b[o + 6] << 16) | (b[o + 7] << 24)
        if n > MAX_PAYLOAD or seq < want:
            return -1
        size = HEADER + n + TRAILER
        if got < size:
            return -1
        _copy(b, o, self.buf, size)
        whole = self._views.get(n)
        if whole is None:
            whole = self._mv[:size]
            self._views[n] = whole
        # One CRC over the whole record, its own CRC included.
        if binascii.crc32(whole) != _RESIDUE:
            return -1
        return size

    def _walk_py(self, blk, a, _table):
        # lognative.walk where the port has no machine code: the same records, by _good.
        o = a[0]
        start = o
        want = a[2]
        k = 0
        while k < a[4]:
            size = self._good(o, want)
            b = self.buf
            if (size <= 0 or o + size > a[1]
                    or b[4] | (b[5] << 8) | (b[6] << 16) | (b[7] << 24) != want
                    or (a[3] and want >= a[3])):
                break
            o += size
            want += 1
            k += 1
        a[4] = k
        return o - start

    def _resync(self, f, pos, want):
        # The position of the first good record (number want or more) from pos on, or -1.
        # Only a sync byte can begin one: the blocks are searched for them.
        b = self._blk
        while True:
            o = pos - self._at
            if o < 0 or o >= self._len:
                self._read(f, pos)
                o = 0
            end = self._len
            if o >= end:
                return -1
            while o < end and b[o] != SYNC:
                o += 1
            if o < end:
                at = self._at + o
                if self._record_at(f, at, want) > 0:
                    return at
                pos = at + 1
            else:
                pos = self._at + end
