# The serial link to the host: framed, CRC-checked, numbered requests answered by the running
# app without the REPL (docs/link-protocol.md). The app polls it once a turn of its main loop.

import binascii
import sys
import time

from micropython import const

PROTOCOL = const(1)
MAX_REQUEST = const(512)
MAX_RESPONSE = const(1024)
MAX_CHUNK = const(508)
_LINE = const(704)
_BODY_MIN = const(10)
LINE_TIMEOUT_MS = const(1000)
_PUSH_RESERVE = const(8192)
_MAX_NAME = const(64)

# Commands.
HELLO = const(1)
SET_CLOCK = const(2)
INFO = const(3)
LIST = const(4)
READ = const(5)
ACK = const(6)
PUSH_BEGIN = const(7)
PUSH_DATA = const(8)
PUSH_END = const(9)
REMOVE = const(10)
GET_ROUTINE = const(11)

# Statuses.
OK = const(0)
BAD_FRAME = const(1)
UNKNOWN = const(2)
BAD_ARGUMENT = const(3)
BUSY = const(4)
BAD_NAME = const(5)
NO_SPACE = const(6)
VERIFY_FAILED = const(7)
NO_PUSH = const(8)
BAD_OFFSET = const(9)
IO_ERROR = const(10)
NOT_FOUND = const(11)

MORE = const(1)

_HASH = const(0x23)  # '#', a request line

_SESSION_START = const(1)
_REC_HEADER = const(8)

# base64 (RFC 4648), coded here into buffers allocated once: no allocation per frame.
_ENC = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_PAD = const(0x3D)  # '='
_BAD = const(0xFF)


def _decoder():
    t = bytearray(b"\xff" * 256)
    for i in range(64):
        t[_ENC[i]] = i
    return bytes(t)


_DEC = _decoder()
_BODY = const(528)  # the most a full line of base64 decodes to
_OUT = const(1382)  # '!' + base64 of the largest response + '\n'

MANIFEST = "/manifest.txt"


def _base64_py(src, size, dst, at, table):
    # The base64 of src[0:size] into dst from `at`; returns where it ends (as b64native).
    o = at
    i = 0
    full = size - size % 3
    while i < full:
        v = (src[i] << 16) | (src[i + 1] << 8) | src[i + 2]
        dst[o] = table[v >> 18]
        dst[o + 1] = table[(v >> 12) & 63]
        dst[o + 2] = table[(v >> 6) & 63]
        dst[o + 3] = table[v & 63]
        o += 4
        i += 3
    if i < size:
        v = src[i] << 16
        if i + 1 < size:
            v |= src[i + 1] << 8
        dst[o] = table[v >> 18]
        dst[o + 1] = table[(v >> 12) & 63]
        dst[o + 2] = table[(v >> 6) & 63] if i + 1 < size else _PAD
        dst[o + 3] = _PAD
        o += 4
    return o


# Responses are encoded by machine code where the port compiles b64native (the rp2 port),
# else (or when the heap has no room to compile it) by the loop above.
try:
    from b64native import encode as _base64

    NATIVE_BASE64 = True
except (ImportError, SyntaxError, AttributeError, NotImplementedError, MemoryError, ValueError):
    _base64 = _base64_py
    NATIVE_BASE64 = False


def _u16(b, o):
    return b[o] | (b[o + 1] << 8)


def _u32(b, o):
    return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)


def _put16(b, o, v):
    b[o] = v & 0xFF
    b[o + 1] = (v >> 8) & 0xFF


def _put32(b, o, v):
    b[o] = v & 0xFF
    b[o + 1] = (v >> 8) & 0xFF
    b[o + 2] = (v >> 16) & 0xFF
    b[o + 3] = (v >> 24) & 0xFF


# The times a clock may be set to: the years 2024 to 2100 (Unix seconds).
CLOCK_FIRST = 1704067200  # 2024-01-01 00:00:00 UTC
CLOCK_END = 4133980800  # 2101-01-01 00:00:00 UTC


def clock_in_range(wall_s):
    """True when Unix time wall_s lies in the years 2024 to 2100."""
    return CLOCK_FIRST <= wall_s < CLOCK_END


def valid_name(raw):
    """True when raw (bytes) is a routine name that stays inside /routines."""
    n = len(raw)
    if n < 1 or n > _MAX_NAME:
        return False
    for i in range(n):
        c = raw[i]
        if 0x61 <= c <= 0x7A or 0x30 <= c <= 0x39:
            continue
        if i > 0 and (c == 0x2D or c == 0x5F):
            continue
        return False
    return True


class _Enough(Exception):
    """A READ has what it can send: the log is read no further."""


class Link:
    """Requests read from `inp` (a byte stream), responses written to `out`.

    `pollable` is what select.poll() watches for input (sys.stdin on the board);
    without it `inp.readinto` must return 0 or None when nothing is waiting.
    """

    # Bytes taken from the port per turn of the main loop, and while a session runs.
    read_budget = 1024
    busy_read_budget = 64

    def __init__(self, inp, out, pollable=None):
        self.inp = inp
        self.out = out
        self._line = bytearray(_LINE)
        self._n = 0
        self._overflow = False
        self._spoilt = False
        self._line_ms = 0
        self._one = bytearray(1)
        self._resp = bytearray(6 + MAX_RESPONSE + 4)
        self._rmv = memoryview(self._resp)
        self._body = bytearray(_BODY)
        self._bmv = memoryview(self._body)
        self._out = bytearray(_OUT)
        self._omv = memoryview(self._out)
        self._o = 0
        self._seq = 0
        self._about = None  # HELLO's strings, once made
        self._poll = None
        self._ipoll = None
        if pollable is not None:
            import select

            p = select.poll()
            p.register(pollable, select.POLLIN)
            self._poll = p
            self._ipoll = getattr(p, "ipoll", None)
        self._push_name = None
        self._push_size = 0
        self._push_crc = 0
        self._bbr_crc = 0  # the stored CRC of the routine pushed, once it is verified
        self._held = 0
        self._pushed = False
        self._started = False
        self._limit = 0
        self._sent = 0
        self._last = 0
        self.requests = 0
        self.bad_frames = 0

    # ------------------------------------------------------------ input

    def _readable(self):
        # Without ipoll (CPython): poll, or a stream that answers 0 when nothing waits.
        return self._poll is None or bool(self._poll.poll(0))

    def poll(self, now_ms, app):
        """Read what the host sent (a bounded number of bytes) and answer whole requests."""
        if self._n and time.ticks_diff(now_ms, self._line_ms) > LINE_TIMEOUT_MS:
            self._reset_line()
        budget = self.busy_read_budget if app.busy() else self.read_budget
        one = self._one
        line = self._line
        readinto = self.inp.readinto
        ipoll = self._ipoll
        while budget > 0:
            if ipoll is not None:
                # A byte waiting? Asked here, not in a call (a call costs 20 us on a Pico,
                # where the whole check takes 32).
                for _ in ipoll(0):
                    break
                else:
                    break
            elif not self._readable():
                break
            if not readinto(one):
                break
            budget -= 1
            c = one[0]
            n = self._n
            if 0x23 < c < 0x7F and 0 < n < _LINE:
                # The body of a request line (what _byte would do with it, without a call).
                line[n] = c
                self._n = n + 1
            else:
                self._byte(c, now_ms, app)

    def _reset_line(self):
        self._n = 0
        self._overflow = False
        self._spoilt = False

    def _byte(self, c, now_ms, app):
        if c == 10:
            if self._n and self._line[0] == _HASH:
                if self._overflow or self._spoilt:
                    self.bad_frames += 1
                    self._send(BAD_FRAME, 0, 0, 0)
                else:
                    self._request(now_ms, app)
            self._reset_line()
            return
        if c == 13:
            return
        if c == _HASH:
            # '#' is not in base64: it always begins a request, whatever came before.
            self._reset_line()
        if self._n == 0:
            self._line_ms = now_ms
        if c < 0x20 or c > 0x7E:
            self._spoilt = True
        if self._n < _LINE:
            self._line[self._n] = c
            self._n += 1
        else:
            self._overflow = True

    def _request(self, now_ms, app):
        if not self._started:
            # Before the first request, not at start-up: the menu does not wait for it.
            self._started = True
            self._clean_tmp(app)
        size = self._decode()
        if size < _BODY_MIN:
            self._bad()
            return
        body = self._body
        n = _u16(body, 4)
        if n > MAX_REQUEST or size != _BODY_MIN + n:
            self._bad()
            return
        if binascii.crc32(self._bmv[: 6 + n]) & 0xFFFFFFFF != _u32(body, 6 + n):
            self._bad()
            return
        self.requests += 1
        self._seq = _u16(body, 2)
        self._dispatch(body[0], self._bmv[6 : 6 + n], now_ms, app)

    def _decode(self):
        # The base64 text of the request line into self._body: its length, or -1.
        src = self._line
        end = self._n
        if (end - 1) & 3:
            return -1
        dst = self._body
        dec = _DEC
        o = 0
        i = 1
        while i < end:
            a = dec[src[i]]
            b = dec[src[i + 1]]
            c = src[i + 2]
            d = src[i + 3]
            if a == _BAD or b == _BAD:
                return -1
            v = (a << 18) | (b << 12)
            if c == _PAD:
                if d != _PAD or i + 4 != end:
                    return -1
                dst[o] = v >> 16
                return o + 1
            c = dec[c]
            if c == _BAD:
                return -1
            v |= c << 6
            if d == _PAD:
                if i + 4 != end:
                    return -1
                dst[o] = v >> 16
                dst[o + 1] = (v >> 8) & 0xFF
                return o + 2
            d = dec[d]
            if d == _BAD:
                return -1
            v |= d
            dst[o] = v >> 16
            dst[o + 1] = (v >> 8) & 0xFF
            dst[o + 2] = v & 0xFF
            o += 3
            i += 4
        return o

    def _bad(self):
        self.bad_frames += 1
        self._send(BAD_FRAME, 0, 0, 0)

    # ------------------------------------------------------------ output

    def _write(self, data):
        out = self.out
        mv = memoryview(data)
        while len(mv):
            w = out.write(mv)
            if not w:
                break  # no progress: the rest is dropped and the host asks again
            mv = mv[w:]

    def _send(self, status, flags, seq, n):
        b = self._resp
        b[0] = status
        b[1] = flags
        _put16(b, 2, seq)
        _put16(b, 4, n)
        _put32(b, 6 + n, binascii.crc32(self._rmv[: 6 + n]) & 0xFFFFFFFF)
        self._write(self._omv[: self._encode(_BODY_MIN + n)])

    def _encode(self, size):
        # '!', the base64 of self._resp[0:size] and '\n' into self._out; returns the length.
        dst = self._out
        dst[0] = 0x21
        o = _base64(self._resp, size, dst, 1, _ENC)
        dst[o] = 10
        return o + 1

    def _reply(self, status, text=None):
        n = 0
        if text is not None:
            raw = text.encode() if isinstance(text, str) else text
            n = min(len(raw), MAX_RESPONSE)
            self._rmv[6 : 6 + n] = raw[:n]
        self._send(status, 0, self._seq, n)

    def _room(self, k):
        # Makes room for k payload bytes, sending the frame so far (MORE) when full.
        if self._o + k > MAX_RESPONSE:
            self._send(OK, MORE, self._seq, self._o)
            self._o = 0
        return 6 + self._o

    def _add32(self, v):
        p = self._room(4)
        _put32(self._resp, p, v)
        self._o += 4

    def _add_str(self, s):
        raw = s.encode() if isinstance(s, str) else s
        n = min(len(raw), 255)
        p = self._room(1 + n)
        self._resp[p] = n
        self._rmv[p + 1 : p + 1 + n] = raw[:n]
        self._o += 1 + n

    # ------------------------------------------------------------ commands

    def _dispatch(self, code, p, now_ms, app):
        self._o = 0
        busy = app.busy()
        if code == HELLO:
            self._hello(p, now_ms, app, busy)
        elif code == INFO:
            self._info(app)
        elif code < HELLO or code > GET_ROUTINE:
            self._reply(UNKNOWN)
        elif busy:
            self._reply(BUSY)
        elif code == SET_CLOCK:
            if len(p) < 4:
                self._reply(BAD_ARGUMENT)
            elif not clock_in_range(_u32(p, 0)):
                self._reply(BAD_ARGUMENT, "time out of range: the years 2024 to 2100")
            else:
                app.set_clock(_u32(p, 0), now_ms)
                self._reply(OK)
        elif code == LIST:
            self._list(p, app)
        elif code == READ:
            self._read(p, app)
        elif code == ACK:
            self._ack(p, app)
        elif code == PUSH_BEGIN:
            self._push_begin(p, app)
        elif code == PUSH_DATA:
            self._push_data(p, app)
        elif code == PUSH_END:
            self._push_end(now_ms, app)
        elif code == REMOVE:
            self._remove(p, now_ms, app)
        else:
            self._get_routine(p, app)

    def _hello(self, p, now_ms, app, busy):
        lb = app.logbook
        wall = _u32(p, 0) if len(p) >= 4 else 0
        if wall and not busy and clock_in_range(wall):
            off = lb.wall_s(now_ms) - wall
            if not lb.wall_offset_s or off > 2 or off < -2:
                app.set_clock(wall, now_ms)
            if len(p) >= 6:
                zone = _u16(p, 4)
                app.set_zone(zone - 0x10000 if zone & 0x8000 else zone, now_ms)
        b = self._resp
        b[6] = PROTOCOL
        b[7] = 1 if busy else 0
        b[8] = 1 if lb.wall_offset_s else 0
        b[9] = 0
        self._o = 4
        self._add32(lb.next_seq)
        self._add32(lb.acked)
        impl = sys.implementation
        self._add32(getattr(impl, "_mpy", 0))
        about = self._about
        if about is None:
            # What does not change while the app runs, read once (the manifest is a file).
            self._add_str(app.board.unique_id())
            self._add_str(self._firmware(app))
            v = impl.version
            self._add_str("%d.%d.%d" % (v[0], v[1], v[2]))
            self._add_str(app.board.name)
            self._about = bytes(self._rmv[22 : 6 + self._o])
        else:
            self._rmv[22 : 22 + len(about)] = about
            self._o = 16 + len(about)
        self._send(OK, 0, self._seq, self._o)

    def _firmware(self, app):
        try:
            f = app.fs.open(MANIFEST, "rb")
        except OSError:
            return "dev"
        try:
            head = f.read(64)
        finally:
            f.close()
        k = head.find(b"\n")
        if k >= 0:
            head = head[:k]
        k = head.rfind(b" ")
        return head[k + 1 :] if k >= 0 else head

    def _info(self, app):
        app.load_all()
        for en in app.entries:
            p = self._room(2 + len(en.stem) + 12)
            self._resp[p] = 1
            self._o += 1
            self._add_str(en.stem)
            self._add32(en.crc)
            self._add32(en.total_ms)
            p = self._room(4)
            _put16(self._resp, p, en.level)
            _put16(self._resp, p + 2, en.segments)
            self._o += 4
        for fname, err in app.bad:
            stem = fname[:-4] if fname.endswith(".bbr") else fname
            p = self._room(3 + len(stem) + len(err))
            self._resp[p] = 2
            self._o += 1
            self._add_str(stem)
            self._add_str(err)
        self._send(OK, 0, self._seq, self._o)

    def _list(self, p, app):
        if len(p) < 4:
            self._reply(BAD_ARGUMENT)
            return

        def take(seq, rtype, buf, size):
            if rtype != _SESSION_START:
                return
            h = _REC_HEADER
            k = buf[h + 24]
            q = self._room(13 + k)
            b = self._resp
            _put32(b, q, seq)
            _put32(b, q + 4, _u32(buf, h))
            _put32(b, q + 8, _u32(buf, h + 8))
            b[q + 12] = k
            for j in range(k):
                b[q + 13 + j] = buf[h + 25 + j]
            self._o += 13 + k

        app.logbook.records(_u32(p, 0), take)
        self._send(OK, 0, self._seq, self._o)

    def _read(self, p, app):
        if len(p) < 8:
            self._reply(BAD_ARGUMENT)
            return
        start = _u32(p, 0)
        self._limit = _u32(p, 4)
        self._sent = 0
        self._last = start - 1 if start else 0
        lb = app.logbook

        def room():
            # The bytes a run may have: what the frame holds yet, and no more than the
            # READ asked for (a record that crosses that goes to take alone).
            r = MAX_RESPONSE - self._o
            k = self._limit - self._sent
            return r if r < k else (k if k > 0 else 0)

        def take(seq, rtype, rec, size):
            if self._sent and (self._sent >= self._limit or seq != self._last + 1):
                raise _Enough  # no later record can go either: the scan ends here
            o = self._o
            if o + size > MAX_RESPONSE:
                self._send(OK, MORE, self._seq, o)  # as _room, in line: a call per record
                o = 0
            self._rmv[6 + o : 6 + o + size] = rec
            self._o = o + size
            self._sent += size
            self._last = seq
            return room()

        def run(seq, count, block, at, size):
            # Records seq to seq + count - 1, one after another in block[at:at + size].
            o = self._o
            self._rmv[6 + o : 6 + o + size] = block[at : at + size]
            self._o = o + size
            self._sent += size
            self._last = seq + count - 1
            return room()

        try:
            lb.records(start, take, run, room())
        except _Enough:
            pass
        p2 = self._room(8)
        _put32(self._resp, p2, self._last)
        _put32(self._resp, p2 + 4, lb.next_seq)
        self._o += 8
        self._send(OK, 0, self._seq, self._o)

    def _ack(self, p, app):
        if len(p) < 4:
            self._reply(BAD_ARGUMENT)
            return
        lb = app.logbook
        try:
            lb.ack(_u32(p, 0), False)
        except OSError as e:
            self._reply(IO_ERROR, "ack: %s" % e)
            return
        _put32(self._resp, 6, lb.acked)
        self._send(OK, 0, self._seq, 4)
        # Once answered (the watermark is kept): the log files and the routines kept for
        # sessions now acknowledged are not needed any more. What fails here is done again
        # at the next ACK, or when a session needs the room.
        try:
            lb.reclaim()
            import retain

            retain.prune(app.fs, lb)
        except OSError:
            pass

    # ------------------------------------------------------------ routines

    def _path(self, app, name, ext):
        return app.routines + "/" + name + ext

    def _clean_tmp(self, app):
        try:
            names = app.fs.ilistdir(app.routines)  # one at a time: no list of them all
        except OSError:
            return
        for e in names:
            name = e[0]
            if name.endswith(".tmp"):
                try:
                    app.fs.remove(app.routines + "/" + name)
                except OSError:
                    pass

    def _push_begin(self, p, app):
        if len(p) < 8:
            self._reply(BAD_ARGUMENT)
            return
        raw = bytes(p[8:])
        if not valid_name(raw):
            self._reply(BAD_NAME)
            return
        size = _u32(p, 0)
        fs = app.fs
        try:
            st = fs.statvfs("/")
            free = st[0] * st[3]
        except OSError:
            free = 0
        if size + _PUSH_RESERVE > free:
            self._reply(NO_SPACE)
            return
        name = str(raw, "ascii")
        try:
            try:
                fs.mkdir(app.routines)
            except OSError:
                pass
            fs.open(self._path(app, name, ".tmp"), "wb").close()
        except OSError as e:
            self._reply(IO_ERROR, "push: %s" % e)
            return
        self._push_name = name
        self._push_size = size
        self._push_crc = _u32(p, 4)
        self._held = 0
        self._pushed = False
        self._reply(OK)

    def _push_data(self, p, app):
        if self._push_name is None:
            self._reply(NO_PUSH)
            return
        if len(p) < 4 or len(p) - 4 > MAX_CHUNK:
            self._reply(BAD_ARGUMENT)
            return
        off = _u32(p, 0)
        k = len(p) - 4
        if off == self._held and self._held + k <= self._push_size:
            try:
                f = app.fs.open(self._path(app, self._push_name, ".tmp"), "ab")
                try:
                    f.write(p[4:])
                finally:
                    f.close()
            except OSError as e:
                self._reply(IO_ERROR, "push: %s" % e)
                return
            self._held += k
        elif off + k != self._held:
            _put32(self._resp, 6, self._held)
            self._send(BAD_OFFSET, 0, self._seq, 4)
            return
        _put32(self._resp, 6, self._held)
        self._send(OK, 0, self._seq, 4)

    def _push_end(self, now_ms, app):
        name = self._push_name
        if name is None:
            self._reply(OK if self._pushed else NO_PUSH)
            return
        fs = app.fs
        tmp = self._path(app, name, ".tmp")
        why = self._verify(fs, tmp)
        if why is not None:
            self._push_name = None
            try:
                fs.remove(tmp)
            except OSError:
                pass
            self._reply(VERIFY_FAILED, why)
            return
        final = self._path(app, name, ".bbr")
        import retain

        try:
            retain.save(fs, final, self._rmv[6 : 6 + MAX_RESPONSE], False)
            try:
                fs.rename(tmp, final)
            except OSError:
                fs.remove(final)
                fs.rename(tmp, final)
        except OSError as e:
            self._reply(IO_ERROR, "push: %s" % e)
            return
        self._push_name = None
        self._pushed = True
        app.remember_checked(name + ".bbr", self._push_size, self._bbr_crc)
        app.reload(now_ms)
        self._reply(OK)

    def _verify(self, fs, path):
        # None when the file has the announced size and CRC and reads as a .bbr, else why not.
        if self._held != self._push_size:
            return "size %d, expected %d" % (self._held, self._push_size)
        buf = self._rmv[:MAX_RESPONSE]
        crc = 0
        total = 0
        try:
            f = fs.open(path, "rb")
            try:
                while True:
                    got = f.readinto(buf)
                    if not got:
                        break
                    crc = binascii.crc32(buf[:got], crc)
                    total += got
            finally:
                f.close()
        except OSError as e:
            return "read: %s" % e
        crc &= 0xFFFFFFFF
        if total != self._push_size or crc != self._push_crc:
            return "crc %08x, expected %08x" % (crc, self._push_crc)
        import bbr

        try:
            f = fs.open(path, "rb")
        except OSError as e:
            return "read: %s" % e
        try:
            self._bbr_crc = bbr.Routine(f).crc32
        except bbr.BbrError as e:
            return str(e)
        finally:
            f.close()
        return None

    def _remove(self, p, now_ms, app):
        raw = bytes(p)
        if not valid_name(raw):
            self._reply(BAD_NAME)
            return
        fname = str(raw, "ascii") + ".bbr"
        fs = app.fs
        try:
            names = fs.listdir(app.routines)
        except OSError:
            names = ()
        if fname in names:
            import retain

            path = app.routines + "/" + fname
            try:
                if not retain.save(fs, path, self._rmv[6 : 6 + MAX_RESPONSE], True):
                    fs.remove(path)
            except OSError as e:
                self._reply(IO_ERROR, "remove: %s" % e)
                return
            app.reload(now_ms)
        self._reply(OK)

    def _get_routine(self, p, app):
        if len(p) < 8:
            self._reply(BAD_ARGUMENT)
            return
        fs = app.fs
        crc = _u32(p, 0)
        # The app's own table first (no file opened), then the kept copies; the folder is
        # searched file by file only when the app does not know every routine's CRC.
        from logbook import crc_of, exists, kept_path

        buf = self._rmv[6 : 6 + MAX_RESPONSE]
        path = app.routine_path(crc)
        if path and crc_of(fs, path, buf) != crc:
            path = None  # changed since the app read it: searched for below
        if not path:
            sure = path == ""
            path = kept_path(crc)
            if not exists(fs, path):
                path = None
                if not sure:
                    import retain

                    path = retain.search(fs, crc, app.routines, buf)
        if path is None:
            self._reply(NOT_FOUND)
            return
        off = _u32(p, 4)
        try:
            f = fs.open(path, "rb")
            try:
                size = f.seek(0, 2)
                if size is None:
                    size = f.tell()
                n = 0
                if off < size:
                    f.seek(off)
                    n = f.readinto(self._rmv[10 : 6 + MAX_RESPONSE]) or 0
            finally:
                f.close()
        except OSError as e:
            self._reply(IO_ERROR, "get: %s" % e)
            return
        _put32(self._resp, 6, size)
        self._send(OK, 0, self._seq, 4 + n)
