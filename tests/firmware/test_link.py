# Tests for firmware/link.py: request lines, CRC and size checks, the read budget, stale
# lines, pushes with retried chunks.

import binascii
import struct
import sys

import app
import board
import fakes
import link as K
import logbook
from bbrmake import build, seg
from memfs import MemFs

EASY = build([seg(1, 5000, flags=9, exercise="Cat"), seg(9, 2000)], name="Easy")


class Stream:
    """Bytes waiting on the port (readinto gives 0 when none) and what was written back."""

    def __init__(self):
        self.data = bytearray()
        self.pos = 0
        self.written = bytearray()

    def left(self):
        return len(self.data) - self.pos

    def readinto(self, buf):
        if self.pos >= len(self.data):
            return 0
        buf[0] = self.data[self.pos]
        self.pos += 1
        return 1

    def write(self, data):
        self.written.extend(data)
        return len(data)


class Screen(fakes.Canvas):
    def show(self):
        pass


def frame(line):
    """A response line decoded: (status, flags, seq, payload)."""
    assert line[:1] == b"!"
    body = binascii.a2b_base64(line[1:])
    status, flags, seq, n = struct.unpack("<BBHH", body[:6])
    assert len(body) == 10 + n
    assert binascii.crc32(body[: 6 + n]) & 0xFFFFFFFF == struct.unpack("<I", body[6 + n :])[0]
    return (status, flags, seq, bytes(body[6 : 6 + n]))


class Rig:
    def __init__(self):
        fs = MemFs()
        fs.dirs.append("/routines")
        fs.files["/routines/easy.bbr"] = bytearray(EASY)
        self.fs = fs
        self.m = fakes.FakeMachine()
        self.board = board.open_board(self.m, "Raspberry Pi Pico with RP2040")
        self.lb = logbook.Logbook(fs)
        self.app = app.App(self.board, Screen(), self.lb, 0, fs=fs, ticks_ms=self.now)
        self.s = Stream()
        self.link = K.Link(self.s, self.s)
        self.t = 0

    def now(self):
        return self.t

    def send(self, line):
        self.s.data.extend(line)

    def poll(self, turns=1):
        for _ in range(turns):
            self.link.poll(self.t, self.app)
            self.t += 10

    def lines(self):
        """The response lines written so far (taken)."""
        out = [line for line in bytes(self.s.written).split(b"\n") if line]
        self.s.written = bytearray()
        return out

    def responses(self):
        """The response frames written so far, decoded: (status, flags, seq, payload)."""
        return [frame(line) for line in self.lines()]


    def ask(self, code, seq, payload=b""):
        self.send(request(code, seq, payload))
        self.poll(20)
        return self.responses()


def request(code, seq, payload=b""):
    body = struct.pack("<BBHH", code, 0, seq, len(payload)) + payload
    body += struct.pack("<I", binascii.crc32(body) & 0xFFFFFFFF)
    return b"#" + binascii.b2a_base64(body).strip() + b"\n"


def test_hello__fields():
    r = Rig()
    (status, flags, seq, p), = r.ask(K.HELLO, 41, struct.pack("<I", 0))
    assert (status, flags, seq) == (K.OK, 0, 41)
    assert p[:4] == b"\x01\x00\x00\x00"
    assert struct.unpack("<III", p[4:16])[:2] == (1, 0)
    n = p[16]
    assert p[17 : 17 + n] == b"e6613852832a4f2c"
    # The strings are read once; the numbers are the log's as it is now.
    r.lb.log_error("x", 0)
    r.fs.files["/manifest.txt"] = bytearray(b"backbeat 9.9\n")
    (status, flags, seq, again), = r.ask(K.HELLO, 42, struct.pack("<I", 0))
    assert (status, seq) == (K.OK, 42)
    assert struct.unpack("<II", again[4:12]) == (2, 0)
    assert again[:4] == p[:4] and again[12:] == p[12:]


def test_hello__sets_the_clock_once():
    r = Rig()
    r.ask(K.HELLO, 1, struct.pack("<I", 1800000000))
    assert r.lb.next_seq == 2 and r.lb.wall_offset_s == 1800000000
    r.t += 1000
    r.ask(K.HELLO, 2, struct.pack("<I", 1800000001))
    assert r.lb.next_seq == 2
    r.ask(K.HELLO, 3, struct.pack("<I", 1800000100))
    assert r.lb.next_seq == 3


def test_hello__keeps_the_hosts_utc_offset_with_its_time():
    r = Rig()
    r.ask(K.HELLO, 1, struct.pack("<Ih", 1800000000, -300))
    assert r.lb.zone_s == -18000 and bytes(r.fs.files["/logs/zone"]) == b"-300"
    r.ask(K.HELLO, 2, struct.pack("<I", 1800000000))  # no offset: left as it is
    assert r.lb.zone_s == -18000
    r.ask(K.HELLO, 3, struct.pack("<Ih", 0, 60))  # no time: no offset either
    r.ask(K.HELLO, 4, struct.pack("<Ih", 1800000000, 1200))  # past 18 hours
    assert r.lb.zone_s == -18000
    r.ask(K.HELLO, 5, struct.pack("<Ih", 1800000000, 330))
    assert r.lb.zone_s == 19800 and bytes(r.fs.files["/logs/zone"]) == b"330"
    assert r.lb.next_seq == 2  # one clock record: the offset writes none


def test_set_clock__only_the_years_2024_to_2100():
    r = Rig()
    why = b"time out of range: the years 2024 to 2100"
    for wall in (0, 5, 1704067199, 4133980800, 0xFFFFFFFF):
        yield  # MicroPython's WebAssembly port collects garbage between calls only
        assert r.ask(K.SET_CLOCK, 1, struct.pack("<I", wall)) == [(K.BAD_ARGUMENT, 0, 1, why)]
        r.ask(K.HELLO, 2, struct.pack("<I", wall))
        assert r.lb.wall_offset_s == 0 and r.lb.next_seq == 1, wall
        yield  # each round's garbage collected (MicroPython's 192 KB heap)
    assert r.ask(K.SET_CLOCK, 3, struct.pack("<I", 1704067200)) == [(K.OK, 0, 3, b"")]
    assert r.lb.wall_offset_s > 0 and r.lb.next_seq == 2  # set, and a clock record
    assert r.ask(K.SET_CLOCK, 4, struct.pack("<I", 4133980799)) == [(K.OK, 0, 4, b"")]
    assert r.lb.next_seq == 3


def test_request_in_pieces__one_answer():
    r = Rig()
    line = request(K.HELLO, 5, b"\x00\x00\x00\x00")
    for i in range(len(line)):
        r.send(line[i : i + 1])
        r.poll()
    got = r.responses()
    assert len(got) == 1 and got[0][2] == 5


def test_read_budget__bytes_per_turn():
    r = Rig()
    r.send(b"x" * 3000)
    r.poll()
    assert r.s.left() == 3000 - 1024
    r.app.screen = app.SESSION
    r.poll()
    assert r.s.left() == 3000 - 1024 - 64


def test_stale_partial_line__dropped_after_a_second():
    r = Rig()
    line = request(K.HELLO, 6, b"\x00\x00\x00\x00")
    r.send(line[:10])
    r.poll()
    r.t += 1001
    r.send(line[10:])
    r.poll(5)
    assert r.responses() == []  # the rest does not start with '#': not a request
    (status, _f, seq, _p), = r.ask(K.HELLO, 7, b"\x00\x00\x00\x00")
    assert (status, seq) == (K.OK, 7)


def test_bad_lines__bad_frame_and_nothing_else():
    r = Rig()
    good = request(K.HELLO, 8, b"\x00\x00\x00\x00")
    r.send(good[:6] + (b"B" if good[6:7] == b"A" else b"A") + good[7:])  # CRC mismatch
    r.send(good[:6] + b"\x03" + good[6:])  # a control byte
    r.send(b"#" + b"Q" * 800 + b"\n")  # longer than the line buffer
    r.send(b"#!!!!\n")  # not base64
    r.send(b"hello there\r\n")  # console text: not for the link
    r.poll(50)
    got = r.responses()
    assert got == [(K.BAD_FRAME, 0, 0, b"")] * 4
    assert r.link.bad_frames == 4 and r.link.requests == 0
    assert len(r.link._line) == 704


def test_declared_payload_over_the_cap__bad_frame():
    r = Rig()
    body = struct.pack("<BBHH", K.HELLO, 0, 9, 513) + b"\x00" * 4
    body += struct.pack("<I", binascii.crc32(body) & 0xFFFFFFFF)
    r.send(b"#" + binascii.b2a_base64(body).strip() + b"\n")
    r.poll(5)
    assert r.responses() == [(K.BAD_FRAME, 0, 0, b"")]


def test_unknown_command():
    r = Rig()
    assert r.ask(77, 3) == [(K.UNKNOWN, 0, 3, b"")]


def test_busy__only_hello_and_info():
    r = Rig()
    r.app.screen = app.SESSION
    assert r.ask(K.READ, 4, struct.pack("<II", 1, 100)) == [(K.BUSY, 0, 4, b"")]
    assert r.ask(K.SET_CLOCK, 5, struct.pack("<I", 5)) == [(K.BUSY, 0, 5, b"")]
    assert r.ask(K.INFO, 6)[0][0] == K.OK


def test_push__retried_chunk_and_gap():
    r = Rig()
    data = bytes(EASY)
    crc = binascii.crc32(data) & 0xFFFFFFFF
    assert r.ask(K.PUSH_BEGIN, 1, struct.pack("<II", len(data), crc) + b"two")[0][0] == K.OK
    half = len(data) // 2
    chunk = struct.pack("<I", 0) + data[:half]
    assert r.ask(K.PUSH_DATA, 2, chunk) == [(K.OK, 0, 2, struct.pack("<I", half))]
    yield
    assert r.ask(K.PUSH_DATA, 3, chunk) == [(K.OK, 0, 3, struct.pack("<I", half))]  # a retry
    yield
    gap = struct.pack("<I", half + 1) + data[half + 1 :]
    assert r.ask(K.PUSH_DATA, 4, gap) == [(K.BAD_OFFSET, 0, 4, struct.pack("<I", half))]
    yield
    rest = struct.pack("<I", half) + data[half:]
    assert r.ask(K.PUSH_DATA, 5, rest)[0][0] == K.OK
    yield
    assert r.ask(K.PUSH_END, 6) == [(K.OK, 0, 6, b"")]
    yield
    assert r.ask(K.PUSH_END, 7) == [(K.OK, 0, 7, b"")]  # the answer was lost: asked again
    assert bytes(r.fs.files["/routines/two.bbr"]) == data
    assert [e.stem for e in r.app.entries] == ["easy", "two"]
    # Checked on arrival: once its header is read, the app knows it need not check it.
    r.app.load_all()
    assert [e.checked for e in r.app.entries] == [False, True]


def test_push__size_mismatch_fails_verification():
    r = Rig()
    yield  # making the app imported the menu's code: its garbage
    data = bytes(EASY)
    r.ask(K.PUSH_BEGIN, 1, struct.pack("<II", len(data) + 1, 0) + b"three")
    r.ask(K.PUSH_DATA, 2, struct.pack("<I", 0) + data)
    (status, _f, _s, why), = r.ask(K.PUSH_END, 3)
    assert status == K.VERIFY_FAILED
    assert why == b"size %d, expected %d" % (len(data), len(data) + 1)
    assert "/routines/three.tmp" not in r.fs.files
    assert r.ask(K.PUSH_END, 4) == [(K.NO_PUSH, 0, 4, b"")]


def test_push__no_space():
    r = Rig()
    r.fs.capacity = len(EASY) + 8192 + 4096
    p = struct.pack("<II", 9000, 0) + b"big"
    assert r.ask(K.PUSH_BEGIN, 1, p) == [(K.NO_SPACE, 0, 1, b"")]


def test_stale_tmp_files_removed_before_the_first_request():
    r = Rig()
    r.fs.files["/routines/old.tmp"] = bytearray(b"half")
    r.poll()
    assert "/routines/old.tmp" in r.fs.files  # not at start-up: the menu does not wait
    r.ask(K.HELLO, 1, struct.pack("<I", 1800000000))
    assert "/routines/old.tmp" not in r.fs.files
    assert "/routines/easy.bbr" in r.fs.files


def test_valid_name():
    for ok in (b"a", b"lower-back", b"x_1", b"9" * 64):
        assert K.valid_name(ok)
    for bad in (b"", b"../a", b"a/b", b"a.bbr", b"A", b"-a", b"_a", b"a b", b"a" * 65, b"\xc3\xa9"):
        assert not K.valid_name(bad)


def test_base64__every_padding_and_damage():
    r = Rig()
    for n in range(7):
        # Bodies of 10 to 16 bytes: base64 with "==", "=" and no padding.
        assert r.ask(99, 100 + n, b"\x07" * n) == [(K.UNKNOWN, 0, 100 + n, b"")]
        yield
    good = request(K.HELLO, 9, b"\x00\x00\x00\x00")
    assert good.endswith(b"=\n")
    for bad in (good[:5] + b"=" + good[6:], good[:5] + b"*" + good[6:], good[:-3] + b"\n",
                good[:-2] + b"A=\n"):
        r.send(bad)
        r.poll(20)
        assert r.responses() == [(K.BAD_FRAME, 0, 0, b"")]
        yield


def test_responses__every_length_codes_back():
    r = Rig()
    # Error texts of every length mod 3 come back intact (the reference decoder reads them).
    r.ask(K.PUSH_BEGIN, 1, struct.pack("<II", 3, 0) + b"abc")
    for k in range(1, 4):
        r.ask(K.PUSH_DATA, 1 + k, struct.pack("<I", k - 1) + b"x")
        yield
    (status, _f, _s, why), = r.ask(K.PUSH_END, 9)
    assert status == K.VERIFY_FAILED and why.startswith(b"crc ")
    for n in (1, 2, 3, 4, 5, 6):
        r.link._seq = 7
        r.link._reply(K.IO_ERROR, "e" * n)
        assert r.responses() == [(K.IO_ERROR, 0, 7, b"e" * n)]
        yield


def test_frames__the_examples_in_the_protocol_doc():
    r = Rig()
    assert request(K.HELLO, 1, struct.pack("<I", 1800000000)) == b"#AQABAAQAANJJawLspS4=\n"
    K._put32(r.link._resp, 6, 7)
    r.link._send(K.OK, 0, 1, 4)
    assert bytes(r.s.written) == b"!AAABAAQABwAAAEcSZik=\n"


EASY2 = build([seg(1, 5000, flags=9, exercise="Cat"), seg(9, 3000)], name="Easy")


def _crc(data):
    return binascii.crc32(data) & 0xFFFFFFFF


def _push(r, seq, name, data):
    # A generator (yield from it): each step's garbage is collected (MicroPython's heap).
    assert r.ask(K.PUSH_BEGIN, seq, struct.pack("<II", len(data), _crc(data)) + name)[0][0] == K.OK
    yield
    assert r.ask(K.PUSH_DATA, seq + 1, struct.pack("<I", 0) + data)[0][0] == K.OK
    yield
    assert r.ask(K.PUSH_END, seq + 2) == [(K.OK, 0, seq + 2, b"")]


def _get(r, seq, crc, offset=0):
    return r.ask(K.GET_ROUTINE, seq, struct.pack("<II", crc, offset))


def test_get_routine__by_crc_in_pieces_and_not_found():
    r = Rig()
    crc = struct.unpack("<I", EASY[-4:])[0]
    ((status, flags, _s, p),) = _get(r, 1, crc)
    assert (status, flags, struct.unpack("<I", p[:4])[0], p[4:]) == (K.OK, 0, len(EASY), EASY)
    ((status, _f, _s, p),) = _get(r, 2, crc, 10)
    assert p[4:] == EASY[10:]
    assert _get(r, 3, crc, len(EASY)) == [(K.OK, 0, 3, struct.pack("<I", len(EASY)))]
    assert _get(r, 4, crc ^ 1) == [(K.NOT_FOUND, 0, 4, b"")]
    assert r.ask(K.GET_ROUTINE, 5, b"\x00") == [(K.BAD_ARGUMENT, 0, 5, b"")]


def _two_files(r):
    # A generator (yield from it): 80 error records of 220 bytes (17600 in all) fill the
    # first log file, and a session start begins the second.
    yield  # what making the rig left is collected first (the heap is near full here)
    for i in range(80):
        r.lb.log_error("e" * 200, 0)
        if i % 10 == 9:
            yield
    r.lb.begin_session("easy", 1, 0, 2, 7000, 0)
    assert len([n for n in r.fs.listdir("/logs") if logbook._first_seq(n) >= 0]) == 2


def test_get_routine__found_from_the_menus_crcs_without_listing_the_folder():
    r = Rig()
    r.app.load_all()  # the app knows every routine's CRC (as from its index)
    r.ask(K.HELLO, 9, struct.pack("<I", 0))  # (the first request clears stale .tmp files)
    listed = []
    real = r.fs.listdir

    def listing(path):
        listed.append(path)
        return real(path)

    r.fs.listdir = listing
    r.fs.ilistdir = listing
    crc = struct.unpack("<I", EASY[-4:])[0]
    ((status, _f, _s, p),) = _get(r, 1, crc)
    assert (status, p[4:]) == (K.OK, EASY)
    assert _get(r, 2, crc ^ 1) == [(K.NOT_FOUND, 0, 2, b"")]
    assert listed == []
    # A file changed behind the app's back is not taken on the app's word: it is read.
    r.fs.files["/routines/easy.bbr"] = bytearray(EASY2)
    assert _get(r, 3, crc) == [(K.NOT_FOUND, 0, 3, b"")]
    assert listed == ["/routines"]


def test_ack__answered_before_the_acknowledged_files_are_removed():
    r = Rig()
    yield from _two_files(r)
    first = sorted(n for n in r.fs.listdir("/logs") if logbook._first_seq(n) >= 0)
    answered = []
    real = r.fs.remove

    def removing(path):
        answered.append(bool(r.s.written))
        real(path)

    r.fs.remove = removing
    assert r.ask(K.ACK, 1, struct.pack("<I", 80)) == [(K.OK, 0, 1, struct.pack("<I", 80))]
    assert answered == [True]  # the old file, removed once the answer was out
    assert sorted(n for n in r.fs.listdir("/logs") if logbook._first_seq(n) >= 0) == first[1:]


def test_a_replaced_routine_is_kept_while_an_unsynced_session_ran_it():
    r = Rig()
    yield  # making it left garbage (MicroPython's 192 KB heap)
    old = struct.unpack("<I", EASY[-4:])[0]
    r.lb.begin_session("easy", old, 0, 2, 7000, 0)
    r.lb.end_session(1, 2, 0, 7000, 0, 7000)
    yield
    yield from _push(r, 1, b"easy", EASY2)  # a new version over the one the session ran
    yield  # the push's garbage is collected (MicroPython's 192 KB heap)
    assert bytes(r.fs.files["/routines/easy.bbr"]) == EASY2
    assert bytes(r.fs.files["/kept/%08x.bbr" % old]) == EASY
    ((status, _f, _s, p),) = _get(r, 4, old)
    assert (status, p[4:]) == (K.OK, EASY)
    yield  # MicroPython's WebAssembly port collects garbage between calls only
    # Removing the new version keeps it too, though no session ran it (until the next ACK).
    assert r.ask(K.REMOVE, 5, b"easy") == [(K.OK, 0, 5, b"")]
    assert "/routines/easy.bbr" not in r.fs.files
    new = struct.unpack("<I", EASY2[-4:])[0]
    assert sorted(r.fs.listdir("/kept")) == sorted(["%08x.bbr" % old, "%08x.bbr" % new])
    yield
    # An ACK of everything but the session start keeps the old one, not the new.
    assert r.ask(K.ACK, 6, struct.pack("<I", 0))[0][0] == K.OK
    assert r.fs.listdir("/kept") == ["%08x.bbr" % old]
    yield
    assert r.ask(K.ACK, 7, struct.pack("<I", 2))[0][0] == K.OK
    assert r.fs.listdir("/kept") == []
    assert _get(r, 8, old) == [(K.NOT_FOUND, 0, 8, b"")]


def test_read__the_log_read_no_further_than_the_answer_needs():
    r = Rig()
    yield from _two_files(r)
    opened = []
    real = r.fs.open

    def counting(path, mode):
        opened.append(path)
        return real(path, mode)

    r.fs.open = counting
    # The menu's code let go, as the app lets it go in a session: under MicroPython this
    # test's own code shares the 192 KB heap, and the answer's reading needs room.
    r.app._menu_code = None
    sys.modules.pop("menu", None)
    r.send(request(K.READ, 5, struct.pack("<II", 1, 1000)))
    yield  # each part's garbage collected before the next (the heap is near full here)
    for _ in range(20):
        r.poll()
        yield
    frames = []
    for line in r.lines():
        frames.append(frame(line))
        yield  # a line's decoding garbage collected before the next
    assert [(f[0], f[1], f[2]) for f in frames] == [(K.OK, K.MORE, 5), (K.OK, 0, 5)]
    payload = frames[0][3] + frames[1][3]
    assert len(payload) == 5 * 220 + 8
    assert struct.unpack("<II", payload[-8:]) == (5, 82)
    assert opened == ["/logs/" + logbook.file_name(1)]


def test_the_menus_background_work_waits_while_the_host_talks():
    r = Rig()
    r.app.link = r.link
    for _ in range(5):
        r.app.step(r.t)
        r.t += 10
    assert r.app._ordered
    r.send(request(K.HELLO, 1, struct.pack("<I", 1800000000)))  # sets the clock
    r.app.step(r.t)
    assert r.responses()[0][0] == K.OK
    assert not r.app._ordered and r.app._talking
    assert r.app.wait_ms(r.t) == 1  # the next request read as it comes
    r.t += 400
    r.app.step(r.t)
    assert not r.app._ordered  # the host may go on: the menu waits
    r.t += 150
    r.app.step(r.t)  # quiet for 550 ms
    r.app.step(r.t)
    assert r.app._ordered and not r.app._talking
    assert r.app.wait_ms(r.t) == app.LOOP_MS
