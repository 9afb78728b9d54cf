"""The device's session log records (docs/log-format.md): checked and decoded as data.

decode_record() turns one raw record into the dict the golden JSON spells;
read_log() reads a whole log file the way the firmware does: past damaged records,
dropping the torn tail.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Any

from backbeat.timeline import KINDS

SYNC = 0xB1
SYNC_BYTE = bytes([SYNC])
HEADER = 8
TRAILER = 4
MAX_PAYLOAD = 240

SESSION_START, SEGMENT, SESSION_END, ERROR, CLOCK = 1, 2, 3, 4, 5
TYPE_NAMES = {SESSION_START: "session_start", SEGMENT: "segment", SESSION_END: "session_end",
              ERROR: "error", CLOCK: "clock"}
OUTCOMES = {1: "done", 2: "skipped", 3: "stopped"}
# Version 1 pain codes (yes/no); version 2 logs the answer 0..10 itself.
PAINS = {0: None, 1: "no", 2: "yes", 3: "unanswered"}
PAIN_MAX = 10
PAIN_NOT_ASKED = 255  # version 2
PAIN_UNANSWERED = 254  # version 2
# The version byte of segment and session end records (0 in version 1 logs).
LOG_VERSION = 2
ENDS = {1: "completed", 2: "stopped"}

# Ticks (time.ticks_ms) wrap after this many ms on the device.
TICKS_PERIOD = 1 << 30


class RecordError(ValueError):
    """A record that is damaged or not in the format; str() says what is wrong."""


@dataclass(frozen=True)
class LogFile:
    records: list[dict[str, Any]]
    good_bytes: int  # where the last good record ends
    torn: bool  # bytes that are no good record follow it
    damaged: int = 0  # damaged stretches skipped before good records


def _code(table: dict[int, Any], value: int, what: str) -> Any:
    if value not in table:
        raise RecordError(f"unknown {what} code {value}")
    return table[value]


def _version(byte: int) -> int:
    """The record's log format version from its version byte (0 in version 1 logs)."""
    if byte == 0:
        return 1
    if byte == LOG_VERSION:
        return LOG_VERSION
    raise RecordError(f"log format version {byte} is newer than this backbeat reads "
                      f"(1 and {LOG_VERSION}): upgrade backbeat")


def _pain(code: int, version: int) -> int | str | None:
    if version == 1:
        return _code(PAINS, code, "pain")
    if code == PAIN_NOT_ASKED:
        return None
    if code == PAIN_UNANSWERED:
        return "unanswered"
    if code > PAIN_MAX:
        raise RecordError(f"pain {code} is outside 0..{PAIN_MAX}")
    return code


def check_record(raw: bytes) -> tuple[int, int, bytes]:
    """(type, seq, payload) of a whole raw record, or RecordError when it is not one."""
    if len(raw) < HEADER + TRAILER:
        raise RecordError(f"a record is at least 12 bytes, this is {len(raw)}")
    sync, rtype, n, seq = struct.unpack_from("<BBHI", raw)
    if sync != SYNC:
        raise RecordError(f"sync byte 0x{sync:02x}, expected 0xb1")
    if rtype not in TYPE_NAMES:
        raise RecordError(f"unknown record type {rtype}")
    if n > MAX_PAYLOAD:
        raise RecordError(f"payload of {n} bytes (at most {MAX_PAYLOAD})")
    if len(raw) != HEADER + n + TRAILER:
        raise RecordError(f"record of {len(raw)} bytes, its header says {HEADER + n + TRAILER}")
    crc = struct.unpack_from("<I", raw, HEADER + n)[0]
    if zlib.crc32(raw[: HEADER + n]) != crc:
        raise RecordError(f"record {seq}: CRC mismatch")
    return rtype, seq, raw[HEADER : HEADER + n]


def _need(p: bytes, size: int, what: str) -> None:
    if len(p) < size:
        raise RecordError(f"{what} payload of {len(p)} bytes, expected {size}")


def decode_record(raw: bytes) -> dict[str, Any]:
    """One raw record (header, payload, CRC) as a dict named as in docs/log-format.md."""
    rtype, seq, p = check_record(raw)
    if rtype == SESSION_START:
        _need(p, 25, "session start")
        boot, mono, wall, crc, total, level, count, k = struct.unpack_from("<IIIIIHHB", p)
        if len(p) != 25 + k:
            raise RecordError(f"session start payload of {len(p)} bytes, expected {25 + k}")
        return {"seq": seq, "type": "session_start", "boot": boot, "mono_ms": mono,
                "wall_s": wall, "routine_crc": crc, "total_ms": total, "level": level,
                "segment_count": count, "routine": p[25:].decode("ascii", "replace")}
    if rtype == SEGMENT:
        _need(p, 22, "segment")
        index, kind, outcome, pain, version, start, end, planned, achieved = struct.unpack_from(
            "<HBBBBIIII", p)
        if not 1 <= kind <= len(KINDS):
            raise RecordError(f"unknown kind code {kind}")
        version = _version(version)
        return {"seq": seq, "type": "segment", "version": version, "index": index,
                "kind": KINDS[kind - 1], "outcome": _code(OUTCOMES, outcome, "outcome"),
                "pain": _pain(pain, version), "start_ms": start, "end_ms": end,
                "planned_ms": planned, "achieved_ms": achieved}
    if rtype == SESSION_END:
        _need(p, 14, "session end")
        end, version, done, skipped, elapsed, paused = struct.unpack_from("<BBHHII", p)
        version = _version(version)
        wall = 0
        if version == LOG_VERSION:
            _need(p, 18, "session end")
            wall = struct.unpack_from("<I", p, 14)[0]
        return {"seq": seq, "type": "session_end", "version": version,
                "end": _code(ENDS, end, "end"), "done": done, "skipped": skipped,
                "elapsed_ms": elapsed, "paused_ms": paused, "wall_s": wall}
    if rtype == ERROR:
        _need(p, 8, "error")
        boot, mono = struct.unpack_from("<II", p)
        return {"seq": seq, "type": "error", "boot": boot, "mono_ms": mono,
                "text": p[8:].decode("ascii", "replace")}
    _need(p, 12, "clock")
    boot, mono, wall = struct.unpack_from("<III", p)
    return {"seq": seq, "type": "clock", "boot": boot, "mono_ms": mono, "wall_s": wall}


def _record_at(data: bytes, at: int, want: int) -> dict[str, Any] | None:
    """The good record that begins at data[at], numbered want or more, or None."""
    if at + HEADER > len(data) or data[at] != SYNC:
        return None
    n = struct.unpack_from("<H", data, at + 2)[0]
    if n > MAX_PAYLOAD or at + HEADER + n + TRAILER > len(data):
        return None
    try:
        rec = decode_record(data[at : at + HEADER + n + TRAILER])
    except RecordError:
        return None
    return rec if rec["seq"] >= want else None


def read_log(data: bytes, first_seq: int) -> LogFile:
    """The good records of a log file whose first record is first_seq, as the device reads
    them: past a damaged record to the next good one, dropping a torn tail."""
    records = []
    at = 0
    end = 0
    want = first_seq
    damaged = 0
    while at < len(data):
        rec = _record_at(data, at, want)
        if rec is None:
            at = data.find(SYNC_BYTE, at + 1)
            while at >= 0 and _record_at(data, at, want) is None:
                at = data.find(SYNC_BYTE, at + 1)
            if at < 0:
                break
            damaged += 1
            continue
        records.append(rec)
        want = rec["seq"] + 1
        at += HEADER + struct.unpack_from("<H", data, at + 2)[0] + TRAILER
        end = at
    return LogFile(records, end, end < len(data), damaged)


def ticks_diff(a: int, b: int) -> int:
    """a - b for device tick values, as time.ticks_diff computes it (they wrap at 2**30)."""
    half = TICKS_PERIOD >> 1
    return ((a - b + half) % TICKS_PERIOD) - half
