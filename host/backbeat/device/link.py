"""The host end of the link protocol (docs/link-protocol.md): frames, retries, commands.

It talks through any object with write(data), read_some(wait_s) -> bytes and a `name`
(host/backbeat/device/serialport.py gives one for a serial port). What the device sends
is only ever decoded as data, never run.
"""

from __future__ import annotations

import base64
import binascii
import struct
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from backbeat.device.serialport import LinkError, Port, restart_app

PROTOCOL = 1
MAX_REQUEST = 512
MAX_RESPONSE = 1024
MAX_CHUNK = 508
MAX_LINE = 1 + 4 * ((10 + MAX_RESPONSE + 2) // 3) + 2

(HELLO, SET_CLOCK, INFO, LIST, READ, ACK, PUSH_BEGIN, PUSH_DATA, PUSH_END, REMOVE,
 GET_ROUTINE) = range(1, 12)
(OK, BAD_FRAME, UNKNOWN, BAD_ARGUMENT, BUSY, BAD_NAME, NO_SPACE, VERIFY_FAILED, NO_PUSH,
 BAD_OFFSET, IO_ERROR, NOT_FOUND) = range(12)
MORE = 1
# After a damaged answer, a request is sent again once the line is this quiet (answers to
# noise that came before it arrive in a burst).
QUIET_S = 0.05

STATUS_NAMES = {
    OK: "ok", BAD_FRAME: "bad frame", UNKNOWN: "unknown command", BAD_ARGUMENT: "bad argument",
    BUSY: "a session is running", BAD_NAME: "bad routine name", NO_SPACE: "no space on the device",
    VERIFY_FAILED: "the device could not verify the file", NO_PUSH: "no push under way",
    BAD_OFFSET: "bad push offset", IO_ERROR: "file system error on the device",
    NOT_FOUND: "the device has no such routine",
}

# What the console shows when the app is not running and MicroPython's REPL is.
_REPL_SIGNS = (b"KeyboardInterrupt", b"raw REPL; CTRL-B to exit", b"\n>>> ", b"Type \"help()\"")


class NoAnswer(LinkError):
    """The device did not answer (several tries)."""

    def __init__(self, message: str, repl: bool) -> None:
        super().__init__(message)
        self.repl = repl


class Refused(LinkError):
    """The device answered with a status other than OK."""

    def __init__(self, status: int, detail: bytes) -> None:
        self.status = status
        self.detail = detail
        text = STATUS_NAMES.get(status, f"status {status}")
        if detail and status in (VERIFY_FAILED, IO_ERROR):
            text += ": " + detail.decode("ascii", "replace")
        super().__init__(text)


def encode_request(code: int, seq: int, payload: bytes = b"") -> bytes:
    """One request line: '#', base64 of code, flags, seq, length, payload and CRC-32, '\\n'."""
    if len(payload) > MAX_REQUEST:
        raise ValueError(f"request payload of {len(payload)} bytes (at most {MAX_REQUEST})")
    body = struct.pack("<BBHH", code, 0, seq, len(payload)) + payload
    body += struct.pack("<I", zlib.crc32(body))
    return b"#" + base64.b64encode(body) + b"\n"


@dataclass(frozen=True)
class Frame:
    code: int
    flags: int
    seq: int
    payload: bytes


def decode_body(text: bytes) -> Frame | None:
    """The frame in a line's base64 text, or None when it is damaged."""
    try:
        body = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(body) < 10:
        return None
    code, flags, seq, n = struct.unpack_from("<BBHH", body)
    if n > MAX_RESPONSE or len(body) != 10 + n:
        return None
    if zlib.crc32(body[: 6 + n]) != struct.unpack_from("<I", body, 6 + n)[0]:
        return None
    return Frame(code, flags, seq, body[6 : 6 + n])


def encode_response(status: int, flags: int, seq: int, payload: bytes = b"") -> bytes:
    """A response line as the device writes it (for tests and the protocol doc's examples)."""
    body = struct.pack("<BBHH", status, flags, seq, len(payload)) + payload
    body += struct.pack("<I", zlib.crc32(body))
    return b"!" + base64.b64encode(body) + b"\n"


@dataclass(frozen=True)
class Hello:
    protocol: int
    busy: bool
    clock_set: bool
    next_seq: int
    acked: int
    mpy: int
    uid: str
    firmware: str
    micropython: str
    board: str


@dataclass(frozen=True)
class RoutineInfo:
    name: str
    ok: bool
    crc: int = 0
    total_ms: int = 0
    level: int = 0
    segments: int = 0
    error: str = ""


@dataclass(frozen=True)
class SessionEntry:
    seq: int
    boot: int
    wall_s: int
    routine: str


@contextmanager
def _answer_to(command: str) -> Iterator[None]:
    """Reading a response payload: one too short or out of shape is a LinkError, not a crash."""
    try:
        yield
    except (struct.error, IndexError):
        raise LinkError(f"the device's answer to {command} cannot be read (hint: flash its "
                        "firmware with backbeat flash)") from None


def _strings(data: bytes, at: int, count: int) -> tuple[list[str], int]:
    out = []
    for _ in range(count):
        n = data[at]
        if at + 1 + n > len(data):
            raise IndexError("a string cut short")
        out.append(data[at + 1 : at + 1 + n].decode("ascii", "replace"))
        at += 1 + n
    return out, at


def split_records(data: bytes) -> list[bytes]:
    """The raw log records in a READ response's joined payload (without its 8-byte tail)."""
    out = []
    at = 0
    while at < len(data):
        if at + 8 > len(data):
            raise LinkError("a record cut short in the device's answer")
        n = struct.unpack_from("<H", data, at + 2)[0]
        size = 12 + n
        if at + size > len(data):
            raise LinkError("a record cut short in the device's answer")
        out.append(data[at : at + size])
        at += size
    return out


class LinkClient:
    """Requests to the firmware over `port`, each retried on damage or silence."""

    def __init__(self, port: Port, timeout: float = 1.0, tries: int = 4,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.port = port
        self.timeout = timeout
        self.tries = tries
        self.monotonic = monotonic
        self._seq = 0
        self._buf = bytearray()
        self.console = bytearray()
        self.round_trips = 0
        self.retries = 0
        # A request to send right after the next one, without waiting for its answer
        # (follow()), and that request once sent: (code, payload, seq).
        self._follow: tuple[int, bytes] | None = None
        self._ahead: tuple[int, bytes, int] | None = None

    # ------------------------------------------------------------ frames

    def _next_seq(self) -> int:
        self._seq = self._seq % 65535 + 1
        return self._seq

    def _line(self, deadline: float) -> bytes | None:
        while True:
            k = self._buf.find(b"\n")
            if k >= 0:
                line = bytes(self._buf[:k]).rstrip(b"\r")
                del self._buf[: k + 1]
                return line
            if len(self._buf) > MAX_LINE:
                self._keep_console(bytes(self._buf))
                self._buf.clear()
            left = deadline - self.monotonic()
            if left <= 0:
                return None
            self._buf += self.port.read_some(min(left, 0.05))

    def _keep_console(self, text: bytes) -> None:
        self.console += text + b"\n"
        del self.console[:-4096]

    def repl_showing(self) -> bool:
        """True when the console text says the app stopped and the REPL runs."""
        tail = bytes(self.console[-600:]) + bytes(self._buf[-200:])
        return any(sign in tail for sign in _REPL_SIGNS) or tail.endswith(b">>> ")

    def follow(self, code: int, payload: bytes = b"") -> None:
        """Send this request right after the next one, before that one's answer: the device
        answers them in order, and the next request() of the same code and payload takes
        its answer instead of asking again (a line round trip saved)."""
        self._follow = (code, bytes(payload))

    def _send(self, code: int, payload: bytes) -> int:
        seq = self._next_seq()
        self.port.write(encode_request(code, seq, payload))
        self.round_trips += 1
        return seq

    def request(self, code: int, payload: bytes = b"") -> bytes:
        """Send a request and return its response payloads joined; raises on failure."""
        ahead, self._ahead = self._ahead, None
        for attempt in range(self.tries):
            if attempt:
                if self.repl_showing():
                    break  # MicroPython's REPL has the port: asking again will not help
                self.retries += 1
                self._ahead = None  # its answer may have been passed over as a late one
            if not attempt and ahead is not None and ahead[:2] == (code, bytes(payload)):
                seq = ahead[2]  # sent already, after the request before this one
            else:
                seq = self._send(code, payload)
                follow, self._follow = self._follow, None
                if follow is not None and not attempt:
                    self._ahead = (*follow, self._send(*follow))
            parts: list[bytes] = []
            deadline = self.monotonic() + self.timeout
            resend = 0.0  # when to send again: the line was quiet since a damaged answer
            spoiled = False  # a frame was damaged: the rest of this answer has a hole
            while True:
                line = self._line(min(deadline, resend) if resend else deadline)
                if line is None:
                    if resend and self.monotonic() < deadline:
                        # Ours was damaged, or our answer was: ask again (a new number, so
                        # an answer to the old one is told apart) within this try's time.
                        seq = self._send(code, payload)
                        self._ahead = None
                        parts.clear()
                        resend = 0.0
                        spoiled = False
                        continue
                    break
                k = line.rfind(b"!")
                if k < 0:
                    self._keep_console(line)
                    continue
                if k:
                    self._keep_console(line[:k])  # '!' is not in base64: a frame starts there
                frame = decode_body(line[k + 1 :])
                if frame is None or frame.code == BAD_FRAME and frame.seq == 0:
                    # A damaged answer, or "bad frame" for our request or for noise sent
                    # before it: once no more come for a moment, ask again. A damaged frame
                    # may be a part of our answer: the parts around it are not joined.
                    if frame is None:
                        parts.clear()
                        spoiled = True
                    resend = self.monotonic() + QUIET_S
                    continue
                if frame.seq != seq or spoiled:
                    continue  # a late answer to an earlier try
                if frame.code != OK:
                    raise Refused(frame.code, frame.payload)
                parts.append(frame.payload)
                if not frame.flags & MORE:
                    return b"".join(parts)
                deadline = self.monotonic() + self.timeout
        repl = self.repl_showing()
        if repl:
            raise NoAnswer(f"the app on {self.port.name} is not running: MicroPython's REPL "
                           "answered instead (a Ctrl-C stopped it, or mpremote left it so)", True)
        raise NoAnswer(f"no answer from {self.port.name} after {self.tries} tries "
                       "(is it a backbeat device with its app running?)", False)

    def wake(self, wall_s: int = 0, wait_s: float = 5.0) -> Hello:
        """Restart the app from the REPL (clear the line, leave raw REPL, soft reset) and
        say hello once it answers."""
        restart_app(self.port)
        self.console.clear()
        self._buf.clear()
        self._follow = self._ahead = None
        deadline = self.monotonic() + wait_s
        tries = self.tries
        self.tries = 1
        try:
            while True:
                try:
                    return self.hello(wall_s)
                except NoAnswer:
                    if self.monotonic() >= deadline:
                        raise NoAnswer(f"no answer from {self.port.name}, even after restarting "
                                       "its app (is it a backbeat device? hint: flash it with "
                                       "backbeat flash)", self.repl_showing()) from None
        finally:
            self.tries = tries

    def connect(self, wall_s: int, waking: Callable[[], None] | None = None) -> Hello:
        """HELLO, restarting the app once when it does not answer (saying so to `waking`
        first: it takes a few seconds)."""
        try:
            return self.hello(wall_s)
        except NoAnswer:
            if waking is not None:
                waking()
            return self.wake(wall_s)

    # ------------------------------------------------------------ commands

    def hello(self, wall_s: int, zone_min: int | None = None) -> Hello:
        """HELLO with the host's time and, with a time, its local offset from UTC in minutes
        (by default this computer's at that time)."""
        if wall_s and zone_min is None:
            offset = datetime.fromtimestamp(wall_s).astimezone().utcoffset()
            zone_min = int(offset.total_seconds()) // 60 if offset is not None else 0
        request = struct.pack("<Ih", wall_s, zone_min) if wall_s else struct.pack("<I", 0)
        p = self.request(HELLO, request)
        with _answer_to("HELLO"):
            if p[0] != PROTOCOL:
                raise LinkError(f"the device speaks link protocol {p[0]}, this backbeat "
                                f"{PROTOCOL} (hint: flash its firmware with backbeat flash)")
            proto, busy, clock, _z, next_seq, acked, mpy = struct.unpack_from("<BBBBIII", p)
            (uid, fw, mp, board), _end = _strings(p, 16, 4)
        return Hello(proto, bool(busy), bool(clock), next_seq, acked, mpy, uid, fw, mp, board)

    def set_clock(self, wall_s: int) -> None:
        self.request(SET_CLOCK, struct.pack("<I", wall_s))

    def info(self) -> list[RoutineInfo]:
        p = self.request(INFO)
        out = []
        at = 0
        with _answer_to("INFO"):
            while at < len(p):
                kind = p[at]
                (name,), at = _strings(p, at + 1, 1)
                if kind == 1:
                    crc, total, level, segs = struct.unpack_from("<IIHH", p, at)
                    at += 12
                    out.append(RoutineInfo(name, True, crc, total, level, segs))
                else:
                    (err,), at = _strings(p, at, 1)
                    out.append(RoutineInfo(name, False, error=err))
        return out

    def list_sessions(self, from_seq: int) -> list[SessionEntry]:
        p = self.request(LIST, struct.pack("<I", from_seq))
        out = []
        at = 0
        with _answer_to("LIST"):
            while at < len(p):
                seq, boot, wall = struct.unpack_from("<III", p, at)
                (name,), at = _strings(p, at + 12, 1)
                out.append(SessionEntry(seq, boot, wall, name))
        return out

    @staticmethod
    def read_request(from_seq: int, max_bytes: int) -> tuple[int, bytes]:
        """The READ read() sends (for follow())."""
        return READ, struct.pack("<II", from_seq, max_bytes)

    def read(self, from_seq: int, max_bytes: int) -> tuple[list[bytes], int, int]:
        """Raw records from from_seq on (about max_bytes), the last one's seq, next_seq."""
        p = self.request(*self.read_request(from_seq, max_bytes))
        if len(p) < 8:
            raise LinkError("the device's answer to READ is too short")
        last, next_seq = struct.unpack_from("<II", p, len(p) - 8)
        return split_records(p[:-8]), last, next_seq

    def ack(self, seq: int) -> int:
        p = self.request(ACK, struct.pack("<I", seq))
        with _answer_to("ACK"):
            return struct.unpack("<I", p[:4])[0]

    def push(self, name: str, data: bytes,
             progress: Callable[[int], None] | None = None) -> None:
        """Put routine `name` (.bbr bytes) on the device: temporary file, verify, rename."""
        raw = name.encode("ascii")
        self.request(PUSH_BEGIN, struct.pack("<II", len(data), zlib.crc32(data)) + raw)
        at = 0
        while at < len(data):
            chunk = data[at : at + MAX_CHUNK]
            with _answer_to("PUSH_DATA"):
                try:
                    held = struct.unpack("<I", self.request(PUSH_DATA,
                                                            struct.pack("<I", at) + chunk))[0]
                except Refused as e:
                    if e.status != BAD_OFFSET:
                        raise
                    held = struct.unpack("<I", e.detail[:4])[0]
            at = held
            if progress is not None:
                progress(at)
        self.request(PUSH_END)

    def remove(self, name: str) -> None:
        self.request(REMOVE, name.encode("ascii"))

    def get_routine(self, crc: int) -> bytes | None:
        """The .bbr file whose CRC-32 is `crc`, from the device's routines or those it kept
        for unsynced sessions; None when it has none (or what came does not have that CRC)."""
        data = b""
        while True:
            try:
                p = self.request(GET_ROUTINE, struct.pack("<II", crc, len(data)))
            except Refused as e:
                if e.status == NOT_FOUND:
                    return None
                raise
            with _answer_to("GET_ROUTINE"):
                size = struct.unpack_from("<I", p)[0]
            data += p[4:]
            if len(data) >= size or len(p) <= 4:
                break
        if len(data) != size or zlib.crc32(data[:-4]) != crc:
            return None
        return data
