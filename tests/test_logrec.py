"""The host's log record decoder against the golden vectors and damaged records."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest
from backbeat.codec.logrec import RecordError, check_record, decode_record, read_log, ticks_diff

GOLDEN = Path(__file__).parent / "golden" / "log"


def _golden(name: str) -> tuple[bytes, dict]:
    return (GOLDEN / f"{name}.log").read_bytes(), json.loads((GOLDEN / f"{name}.json").read_text())


@pytest.mark.parametrize("name", ["session", "torn", "damaged", "session-v1"])
def test_read_log__golden(name):
    data, want = _golden(name)
    got = read_log(data, int(want["file"][:8], 16))
    assert got.records == want["records"]
    assert got.good_bytes == want["good_bytes"]
    assert got.torn is want["torn"]
    assert got.damaged == want["damaged"]


@pytest.mark.parametrize("name", ["session", "session-v1"])
def test_decode_record__every_golden_record_alone(name):
    data, want = _golden(name)
    at = 0
    for rec in want["records"]:
        n = struct.unpack_from("<H", data, at + 2)[0]
        assert decode_record(data[at : at + 12 + n]) == rec
        at += 12 + n
    assert at == len(data)


def _record(rtype: int, seq: int, payload: bytes) -> bytes:
    head = struct.pack("<BBHI", 0xB1, rtype, len(payload), seq) + payload
    return head + struct.pack("<I", zlib.crc32(head))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\xb1\x05\x00", "a record is at least 12 bytes, this is 3"),
        (b"\xb2" + _record(5, 1, bytes(12))[1:], "sync byte 0xb2, expected 0xb1"),
        (_record(6, 1, bytes(12)), "unknown record type 6"),
        (_record(5, 1, bytes(12))[:-1] + b"\x00", "record 1: CRC mismatch"),
        (_record(5, 1, bytes(12)) + b"\x00", "record of 25 bytes, its header says 24"),
        (struct.pack("<BBHI", 0xB1, 5, 241, 1) + bytes(245), "payload of 241 bytes (at most 240)"),
    ],
)
def test_check_record__invalid(raw, message):
    with pytest.raises(RecordError) as e:
        check_record(raw)
    assert str(e.value) == message


@pytest.mark.parametrize(
    ("rtype", "payload", "message"),
    [
        (2, bytes(22), "unknown kind code 0"),
        (2, b"\x00\x00\x02\x09" + bytes(18), "unknown outcome code 9"),
        (2, b"\x00\x00\x02\x01\x07" + bytes(17), "unknown pain code 7"),
        (2, b"\x00\x00\x02\x01\x0b\x02" + bytes(16), "pain 11 is outside 0..10"),
        (2, b"\x00\x00\x02\x01\x00\x03" + bytes(16),
         "log format version 3 is newer than this backbeat reads (1 and 2): upgrade backbeat"),
        (3, bytes(14), "unknown end code 0"),
        (3, bytes(13), "session end payload of 13 bytes, expected 14"),
        (3, b"\x01\x02" + bytes(12), "session end payload of 14 bytes, expected 18"),
        (1, bytes(24) + b"\x05abc", "session start payload of 28 bytes, expected 30"),
    ],
)
def test_decode_record__invalid_fields(rtype, payload, message):
    with pytest.raises(RecordError) as e:
        decode_record(_record(rtype, 3, payload))
    assert str(e.value) == message


def test_read_log__a_gap_in_numbers_is_kept_and_an_older_number_skipped():
    data = (_record(5, 7, bytes(12)) + _record(5, 9, bytes(12)) + _record(5, 8, bytes(12))
            + _record(5, 10, bytes(12)))
    got = read_log(data, 7)
    assert [r["seq"] for r in got.records] == [7, 9, 10]
    assert (got.good_bytes, got.torn, got.damaged) == (96, False, 1)


def test_read_log__a_damaged_byte_anywhere_loses_at_most_its_record():
    data = (GOLDEN / "session.log").read_bytes()
    good = read_log(data, 1).records
    starts = [0]
    for _ in good:
        starts.append(starts[-1] + 12 + data[starts[-1] + 2])
    for i in range(len(data)):
        k = max(j for j in range(len(good)) if starts[j] <= i)
        for value in (0xB1, data[i] ^ 0xFF):
            if value == data[i]:
                continue
            got = read_log(data[:i] + bytes([value]) + data[i + 1 :], 1)
            assert got.records == good[:k] + good[k + 1 :], (i, value)
            last = k == len(good) - 1
            assert (got.damaged, got.torn) == ((0, True) if last else (1, False)), i


def test_ticks_diff__wraps_like_the_device():
    assert ticks_diff(5, (1 << 30) - 5) == 10
    assert ticks_diff((1 << 30) - 5, 5) == -10
    assert ticks_diff(3000, 1000) == 2000
