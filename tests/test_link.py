"""The link protocol end to end: the host client over a real pseudo-terminal, the
firmware's link (under CPython, in a thread) answering from the app it serves."""

from __future__ import annotations

import base64
import struct
import sys
import time
import zlib
from pathlib import Path

import pytest
from backbeat.device import link as L
from backbeat.device.serialport import PortError, SerialPort, port_url
from linkrig import EASY, OTHER, PtyDevice


@pytest.fixture
def dev():
    d = PtyDevice()
    yield d
    d.close()


@pytest.fixture
def client(dev):
    port = SerialPort(dev.path)
    yield L.LinkClient(port, timeout=0.5)
    port.close()


def test_frames__the_examples_in_the_protocol_doc():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "link-protocol.md").read_text()
    line = L.encode_request(L.HELLO, 1, struct.pack("<I", 1_800_000_000))
    assert line == b"#AQABAAQAANJJawLspS4=\n"
    assert base64.b64decode(line[1:]).hex(" ") == "01 00 01 00 04 00 00 d2 49 6b 02 ec a5 2e"
    assert "`01 00 01 00 04 00 00 d2 49 6b 02 ec a5 2e`" in doc
    assert "`#AQABAAQAANJJawLspS4=`" in doc
    answer = L.encode_response(L.OK, 0, 1, struct.pack("<I", 7))
    assert answer == b"!AAABAAQABwAAAEcSZik=\n" and "`!AAABAAQABwAAAEcSZik=`" in doc
    assert L.decode_body(answer[1:-1]) == L.Frame(L.OK, 0, 1, struct.pack("<I", 7))


def test_hello__reports_the_device_and_sets_the_clock_once(dev, client):
    h = client.hello(1_800_000_000)
    v = sys.implementation.version
    assert h == L.Hello(1, False, True, 2, 0, 0, "e6613852832a4f2c", "dev",
                        f"{v[0]}.{v[1]}.{v[2]}", dev.board.name)
    assert dev.logbook.next_seq == 2  # one clock record
    # Within 2 s of the device's clock: nothing written again.
    assert client.hello(1_800_000_000).next_seq == 2
    assert client.hello(0).next_seq == 2
    assert client.round_trips == 3


def test_hello__firmware_version_from_the_manifest(dev, client):
    dev.fs.files["/manifest.txt"] = bytearray(b"backbeat-firmware 3f2a9c01d4e5\n/app.mpy 00\n")
    assert client.hello(0).firmware == "3f2a9c01d4e5"


def test_read__returns_the_records_as_on_flash_and_ack_persists(dev, client):
    dev.session(segments=3)
    flash = bytes(dev.fs.files["/logs/00000001.log"])
    records, last, next_seq = client.read(1, 1 << 20)
    assert b"".join(records) == flash
    assert [struct.unpack_from("<I", r, 4)[0] for r in records] == [1, 2, 3, 4, 5]
    assert (last, next_seq) == (5, 6)
    assert client.ack(5) == 5
    assert dev.logbook.acked == 5
    assert len(dev.fs.files["/logs/acked"]) == 8


def test_read__many_records_span_frames_and_max_bytes_limits(dev, client):
    for _ in range(6):
        dev.session(segments=20)  # 6 * 22 records of 34 or more bytes: several frames
    records, last, next_seq = client.read(1, 1 << 20)
    assert len(records) == 132 and last == 132 and next_seq == 133
    first, last1, _ = client.read(1, 100)
    assert last1 == len(first) == 3  # 49 + 34 + 34 bytes: stops once 100 are reached
    rest, last2, _ = client.read(last1 + 1, 1 << 20)
    assert first + rest == records and last2 == 132


class _Watched:
    """A port that notes each write, and each read that brought bytes ("r")."""

    def __init__(self, port):
        self.port, self.name, self.seen = port, port.name, []

    def write(self, data):
        self.seen.append(data[:1] + bytes([base64.b64decode(data[1:9])[0]]))
        self.port.write(data)

    def read_some(self, wait_s):
        got = self.port.read_some(wait_s)
        if got and self.seen[-1:] != [b"r"]:
            self.seen.append(b"r")
        return got


def test_follow__the_read_goes_right_behind_hello_and_is_not_asked_again(dev, client):
    dev.session(segments=3)
    client.port = watched = _Watched(client.port)
    client.follow(*client.read_request(1, 4096))
    assert client.hello(0).next_seq == 6
    records, last, _n = client.read(1, 4096)
    assert len(records) == 5 and last == 5
    # Both requests written before the first answer was read, and the READ not again.
    assert watched.seen == [b"#" + bytes([L.HELLO]), b"#" + bytes([L.READ]), b"r"]
    assert client.round_trips == 2
    # A READ of other bytes than the one that went ahead is sent: its answer is the one taken.
    client.follow(*client.read_request(1, 4096))
    client.hello(0)
    assert client.read(3, 4096)[1:] == (5, 6) and client.round_trips == 5


def test_read__nothing_new(dev, client):
    dev.session()
    records, last, next_seq = client.read(5, 4096)
    assert (records, last, next_seq) == ([], 4, 5)


def test_list__session_starts_from_a_sequence_number(dev, client):
    dev.session(segments=1)
    dev.session(segments=2, name="other")
    got = client.list_sessions(1)
    assert got == [L.SessionEntry(1, 1, 0, "easy"), L.SessionEntry(4, 1, 0, "other")]
    assert client.list_sessions(2) == [L.SessionEntry(4, 1, 0, "other")]


def test_push__temp_file_verified_renamed_and_offered(dev, client):
    seen = []
    data = bytes(OTHER) * 1
    client.push("wall-sit", data, seen.append)
    assert bytes(dev.fs.files["/routines/wall-sit.bbr"]) == data
    assert "/routines/wall-sit.tmp" not in dev.fs.files
    assert [e.stem for e in dev.app.entries] == ["easy", "wall-sit"]
    assert seen == [len(data)]
    info = client.info()
    assert [(r.name, r.ok, r.segments) for r in info] == [("easy", True, 2), ("wall-sit", True, 1)]
    assert info[1].crc == struct.unpack("<I", data[-4:])[0] == zlib.crc32(data[:-4])


def test_push__large_file_in_chunks_replaces_the_old_one(dev, client):
    big = bytes(EASY) + bytes(2000)  # not a valid .bbr: refused after the transfer
    with pytest.raises(L.Refused) as e:
        client.push("easy", big)
    assert e.value.status == L.VERIFY_FAILED
    assert bytes(dev.fs.files["/routines/easy.bbr"]) == bytes(EASY)  # old one untouched
    assert "/routines/easy.tmp" not in dev.fs.files
    assert str(e.value).startswith("the device could not verify the file: ")


@pytest.mark.parametrize("name", ["../boot", "a/b", "x.bbr", "", "Upper", "-lead", "a" * 65])
def test_push__names_that_could_leave_routines_are_refused(dev, client, name):
    with pytest.raises(L.Refused) as e:
        client.push(name, bytes(OTHER))
    assert e.value.status == L.BAD_NAME
    assert sorted(dev.fs.files) == ["/routines/easy.bbr"]


def test_push_and_remove__refused_while_a_session_runs(dev, client):
    with dev.lock:
        assert dev.app.start(dev.app.entries[0], dev.now_ms())
    assert client.hello(0).busy is True
    for call in (lambda: client.push("x", bytes(OTHER)), lambda: client.remove("easy"),
                 lambda: client.read(1, 100), lambda: client.ack(1)):
        with pytest.raises(L.Refused) as e:
            call()
        assert e.value.status == L.BUSY
    assert [r.name for r in client.info()] == ["easy"]


class _SpoilFirstAnswer:
    """The client's port with the first byte of the device's first answer frame changed,
    as line noise would change it."""

    def __init__(self, port: SerialPort) -> None:
        self.port = port
        self.name = port.name
        self.armed = False  # a frame's "!" ended the last read: spoil what comes next
        self.done = False

    def write(self, data: bytes) -> None:
        self.port.write(data)

    def read_some(self, wait_s: float) -> bytes:
        data = self.port.read_some(wait_s)
        if self.done or not data:
            return data
        k = 0 if self.armed else data.find(b"!") + 1
        if k <= 0:
            return data
        if k == len(data):
            self.armed = True
            return data
        self.done = True
        return data[:k] + (b"B" if data[k:k + 1] == b"A" else b"A") + data[k + 1:]


def test_read__a_damaged_frame_of_a_long_answer_spoils_it_all_and_it_is_asked_again(dev):
    for _ in range(6):
        dev.session(segments=20)  # several frames
    port = SerialPort(dev.path)
    try:
        client = L.LinkClient(_SpoilFirstAnswer(port), timeout=0.5)
        records, last, next_seq = client.read(1, 1 << 20)
    finally:
        port.close()
    # The frames after the damaged first one are not taken as the answer.
    assert [struct.unpack_from("<I", r, 4)[0] for r in records] == list(range(1, 133))
    assert (last, next_seq, client.round_trips) == (132, 133, 2)


def test_remove__routine_goes_and_a_missing_one_is_fine(dev, client):
    client.remove("easy")
    assert "/routines/easy.bbr" not in dev.fs.files
    assert len(dev.app.entries) == 0
    client.remove("easy")


def test_damaged_request__bad_frame_then_the_retry_succeeds(dev, client):
    line = L.encode_request(L.HELLO, 7, struct.pack("<I", 0))
    bad = line[:10] + (b"A" if line[10:11] != b"A" else b"B") + line[11:]
    client.port.write(bad)
    assert client._line(client.monotonic() + 2) == L.encode_response(L.BAD_FRAME, 0, 0)[:-1]
    assert dev.link.bad_frames == 1
    assert client.hello(0).next_seq == 1


def test_stray_control_byte_in_a_line_spoils_only_that_line(dev, client):
    line = L.encode_request(L.HELLO, 9, struct.pack("<I", 0))
    client.port.write(line[:5] + b"\x03" + line[5:])
    assert client._line(client.monotonic() + 2) == L.encode_response(L.BAD_FRAME, 0, 0)[:-1]
    assert client.hello(0).protocol == 1


def test_oversized_line__dropped_without_growing_the_buffer(dev, client):
    client.port.write(b"#" + b"A" * 5000 + b"\n")
    assert client._line(client.monotonic() + 2) == L.encode_response(L.BAD_FRAME, 0, 0)[:-1]
    assert len(dev.link._line) == 704
    assert client.hello(0).protocol == 1


def test_oversized_declared_payload__refused(dev, client):
    body = struct.pack("<BBHH", L.HELLO, 0, 3, 600) + bytes(600)
    body += struct.pack("<I", zlib.crc32(body))
    client.port.write(b"#" + base64.b64encode(body)[:690] + b"\n")
    assert client._line(client.monotonic() + 2) == L.encode_response(L.BAD_FRAME, 0, 0)[:-1]


def test_console_lines_are_kept_apart_and_never_taken_for_answers(dev, client):
    dev.write_raw(b"backbeat: hello from print\r\n!notbase64***\r\n")
    assert client.hello(0).protocol == 1
    assert b"backbeat: hello from print" in client.console
    assert client.repl_showing() is False


def test_silent_device__no_answer_after_the_tries(dev, client):
    dev.stop()
    with pytest.raises(L.NoAnswer) as e:
        client.hello(0)
    assert e.value.repl is False
    assert client.round_trips == 4 and client.retries == 3


def test_repl_answering__named_as_the_app_not_running(dev, client):
    dev.stop()
    dev.write_raw( b"Traceback (most recent call last):\r\nKeyboardInterrupt: \r\n"
                         b"MicroPython v1.27.0 on 2026-01-01; Raspberry Pi Pico\r\n>>> ")
    with pytest.raises(L.NoAnswer) as e:
        client.hello(0)
    assert e.value.repl is True
    assert "REPL" in str(e.value)


def test_connect__restarts_an_app_stopped_at_the_repl(dev, client):
    dev.at_repl(b"Traceback (most recent call last):\r\nKeyboardInterrupt: \r\n"
                b"MicroPython v1.27.0 on 2026-01-01; Raspberry Pi Pico with RP2040\r\n>>> ")
    h = client.connect(0)
    assert h.protocol == 1 and h.busy is False
    # The request echoed by the REPL was never taken for an answer. Once the REPL showed,
    # one unanswered HELLO was enough: the restart, then a HELLO after the soft reset (a
    # second one when the first went out while the device was still restarting).
    assert client.retries == 0 and client.round_trips in (2, 3)


def test_port_vanishing__a_clear_message(dev, client):
    dev.close()
    with pytest.raises(PortError) as e:
        client.hello(0)
    assert str(e.value).startswith(f"{dev.path} went away while ")
    assert str(e.value).endswith(": nothing was lost, run the command again")


def test_second_program_holding_the_port(dev, client):
    with pytest.raises(PortError) as e:
        SerialPort(dev.path)
    assert "held by another program" in str(e.value)


def test_port_urls__loop_back_through_pyserial():
    with SerialPort("port:loop://") as port:
        port.write(b"#abc\n")
        assert port.read_some(0.5) == b"#abc\n"
    assert port_url("rfc2217://localhost:4000") == "rfc2217://localhost:4000"
    assert port_url("port:rfc2217://localhost:4000") == "rfc2217://localhost:4000"


def test_missing_port():
    with pytest.raises(PortError) as e:
        SerialPort("/dev/backbeat-no-such-port")
    assert str(e.value) == "there is no port /dev/backbeat-no-such-port (is the device plugged in?)"


class Answering:
    """A port whose device answers every request with one OK frame carrying `payload`."""

    name = "/dev/fake"

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.waiting = b""

    def write(self, data: bytes) -> None:
        seq = L.decode_body(data[1:-1]).seq
        self.waiting += L.encode_response(L.OK, 0, seq, self.payload)

    def read_some(self, wait_s: float) -> bytes:
        out, self.waiting = self.waiting, b""
        return out


@pytest.mark.parametrize(("ask", "payload", "command"), [
    (lambda c: c.hello(0), b"", "HELLO"),
    (lambda c: c.hello(0), bytes([1, 0, 0, 0]) + bytes(8), "HELLO"),
    (lambda c: c.hello(0), bytes([1]) + bytes(15) + b"\x10ab", "HELLO"),
    (lambda c: c.info(), b"\x01\x04easy" + bytes(5), "INFO"),
    (lambda c: c.list_sessions(1), bytes(12) + b"\x05ea", "LIST"),
    (lambda c: c.ack(3), b"\x03", "ACK"),
    (lambda c: c.push("easy", b"x"), b"", "PUSH_DATA"),
])
def test_answers_out_of_shape__a_link_error_not_a_crash(ask, payload, command):
    client = L.LinkClient(Answering(payload), timeout=0.2)
    with pytest.raises(L.LinkError) as e:
        ask(client)
    assert str(e.value) == (f"the device's answer to {command} cannot be read "
                            "(hint: flash its firmware with backbeat flash)")
    assert client.retries == 0


def test_hello__another_protocol_version_is_refused():
    client = L.LinkClient(Answering(bytes([2, 0, 0, 0]) + bytes(12) + bytes(4)), timeout=0.2)
    with pytest.raises(L.LinkError) as e:
        client.hello(0)
    assert str(e.value) == ("the device speaks link protocol 2, this backbeat 1 "
                            "(hint: flash its firmware with backbeat flash)")


def test_hello__tells_the_device_the_local_offset_at_its_time(dev, client, monkeypatch):
    client.hello(1_800_000_000, 90)
    assert dev.logbook.zone_s == 5400
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        client.hello(1_800_000_000)  # 2027-01-15: standard time, 5 hours behind UTC
        assert dev.logbook.zone_s == -18000
        client.hello(1_790_000_000)  # 2026-09-21: daylight saving time
        assert dev.logbook.zone_s == -14400
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
