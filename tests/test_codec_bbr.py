"""The .bbr codec: exact bytes, round trips, every reader error, and the golden vectors."""

from __future__ import annotations

import importlib.util
import json
import struct
import zlib
from pathlib import Path

import pytest
from backbeat.codec.bbr import BbrError, decode, encode
from backbeat.routine import load_routine
from backbeat.text import display_text
from backbeat.timeline import BreathPattern, Segment, Timeline

GOLDEN = Path(__file__).parent / "golden" / "bbr"


def hexbytes(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


BREATH_4_6 = BreathPattern(4000, 0, 6000, 0)

TINY = Timeline(
    name="Tiny",
    level=1,
    segments=(
        Segment("prepare", 0, 5000, exercise="Cat", say="Round up", step=0, level=1, flags=9),
        Segment(
            "hold", 5000, 15000, exercise="Cat", say="Round up", rep=1, reps=1, step=0,
            level=1, breath=BREATH_4_6, flags=14,
        ),
        Segment(
            "count", 20000, 6000, exercise="Sit-ups", side="left", rep=1, reps=1, step=1,
            level=2, pace_ms=2000, flags=19,
        ),
    ),
)

# The file of TINY, byte by byte (docs/bbr-format.md).
TINY_BYTES = hexbytes(
    # header: magic, version 2, sizes 32 and 24, 1 breath pattern, 3 segments, name at 0,
    # total 26000 ms, segments at 40, strings at 112, 26 bytes of strings, level 1, reserved
    "42425254 02 20 18 01 0300 0000 90650000 28000000 70000000 1a000000 0100 0000"
    # breath pattern 0: in 4000, hold 0, out 6000, hold 0
    "a00f 0000 7017 0000"
    # prepare, STEP_START|COUNTDOWN, no side, no breath, no rep/round, step 0,
    # exercise at 5, say at 9, level 1, 5000 ms
    "01 09 00 ff 00 00 00 00 0000 0500 0900 0100 88130000 00000000"
    # hold, COUNTDOWN|STEP_END|CHECK_PAIN, breath 0, rep 1 of 1, level 1, 15000 ms
    "02 0e 00 00 01 01 00 00 0000 0500 0900 0100 983a0000 00000000"
    # count, STEP_START|STEP_END|BEATS, left, step 1, exercise at 18, no say, level 2, 6000 ms,
    # pace 2000
    "08 13 01 ff 01 01 00 00 0100 1200 ffff 0200 70170000 d0070000"
    # strings: "Tiny", "Cat", "Round up", "Sit-ups"
    "04 54696e79 03 436174 08 526f756e64207570 07 5369742d757073"
    # CRC32 of everything before
    "f909fde8"
)

TINY_DECODED = {
    "version": 2,
    "name": "Tiny",
    "level": 1,
    "total_ms": 26000,
    "crc32": 0xE8FD09F9,
    "breath": [[4000, 0, 6000, 0]],
    "segments": [
        {"kind": "prepare", "flags": 9, "side": None, "breath": None, "rep": None,
         "reps": None, "round": None, "rounds": None, "step": 0, "exercise": "Cat",
         "say": "Round up", "level": 1, "start_ms": 0, "duration_ms": 5000, "param": 0},
        {"kind": "hold", "flags": 14, "side": None, "breath": 0, "rep": 1, "reps": 1,
         "round": None, "rounds": None, "step": 0, "exercise": "Cat", "say": "Round up",
         "level": 1, "start_ms": 5000, "duration_ms": 15000, "param": 0},
        {"kind": "count", "flags": 19, "side": "left", "breath": None, "rep": 1, "reps": 1,
         "round": None, "rounds": None, "step": 1, "exercise": "Sit-ups", "say": None,
         "level": 2, "start_ms": 20000, "duration_ms": 6000, "param": 2000},
    ],
}


# ---------------------------------------------------------------- raw files for reader tests

HEADER = struct.Struct("<4sBBBBHHIIIIHH")
SEGMENT = struct.Struct("<BBBBBBBBHHHHII")


def build(
    segments: list[tuple],
    strings: bytes = b"\x04Tiny\x03Cat",
    breaths: list[tuple] = (),
    **header,
) -> bytes:
    """A .bbr written field by field, independently of the encoder; header fields overridable."""
    fields = {
        "magic": b"BBRT", "version": 1, "header_size": 32, "segment_size": 24,
        "breath_count": len(breaths), "segment_count": len(segments), "name": 0,
        "total_ms": sum(s[12] for s in segments), "segments_offset": 32 + 8 * len(breaths),
        "strings_offset": 32 + 8 * len(breaths) + 24 * len(segments),
        "strings_size": len(strings), "level": 0, "reserved": 0,
    }
    fields.update(header)
    body = HEADER.pack(*fields.values())
    body += b"".join(struct.pack("<HHHH", *b) for b in breaths)
    body += b"".join(SEGMENT.pack(*s) for s in segments)
    body += strings
    return body + struct.pack("<I", zlib.crc32(body))


def seg(kind=2, flags=0, side=0, breath=255, rep=1, reps=1, round_=0, rounds=0, step=0,
        exercise=5, say=0xFFFF, reserved=0, duration=10000, param=0) -> tuple:
    return (kind, flags, side, breath, rep, reps, round_, rounds, step, exercise, say,
            reserved, duration, param)


def reseal(data: bytes) -> bytes:
    """``data`` with its CRC recomputed."""
    return data[:-4] + struct.pack("<I", zlib.crc32(data[:-4]))


def patch(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def reader_error(data: bytes) -> str:
    with pytest.raises(BbrError) as info:
        decode(data)
    return info.value.name


# ---------------------------------------------------------------- encoding


def test_encode__exact_bytes_of_a_small_timeline():
    assert TINY_BYTES[-4:] == struct.pack("<I", zlib.crc32(TINY_BYTES[:-4]))
    assert encode(TINY) == TINY_BYTES


def test_decode__exact_full_decode_of_a_small_timeline():
    assert decode(TINY_BYTES) == TINY_DECODED


def test_encode__strings_and_breath_patterns_stored_once():
    box = BreathPattern(4000, 4000, 4000, 4000)
    segments = []
    start = 0
    for i, pattern in enumerate([BREATH_4_6, box, BREATH_4_6, box, BREATH_4_6]):
        segments.append(Segment("hold", start, 20000, exercise="Same", say="Same", rep=1,
                                reps=1, step=i, breath=pattern))
        start += 20000
    data = encode(Timeline("Same", tuple(segments)))
    decoded = decode(data)
    assert decoded["breath"] == [[4000, 0, 6000, 0], [4000, 4000, 4000, 4000]]
    assert [s["breath"] for s in decoded["segments"]] == [0, 1, 0, 1, 0]
    # one string "Same": 1 length byte + 4 characters, shared by name, exercise and say
    assert struct.unpack_from("<I", data, 24)[0] == 5
    assert len(data) == 32 + 2 * 8 + 5 * 24 + 5 + 4


def test_encode__display_text_is_folded_and_wrapped():
    timeline = Timeline(
        "Hüft-Beuger dehnen für Anfänger",
        (Segment("hold", 0, 30000, exercise="Café crème", rep=1, reps=1,
                 say="Let the knee sink towards the floor"),),
    )
    decoded = decode(encode(timeline))
    assert decoded["name"] == "Huft-Beuger\ndehnen fur\nAnfanger"
    assert decoded["segments"][0]["exercise"] == "Cafe creme"
    assert decoded["segments"][0]["say"] == "Let the knee\nsink towards the\nfloor"


def test_encode__every_kind_side_and_counter_round_trips():
    segments = [
        Segment("prepare", 0, 5000, exercise="PNF", step=0, flags=9),
        Segment("stretch", 5000, 10000, exercise="PNF", side="right", rep=1, reps=2,
                rounds=3, step=0, flags=8),
        Segment("contract", 15000, 6000, exercise="PNF", side="right", rep=1, reps=2,
                round=1, rounds=3, step=0, flags=8),
        Segment("relax", 21000, 3000, exercise="PNF", side="right", rep=1, reps=2,
                round=1, rounds=3, step=0),
        Segment("switch", 24000, 5000, exercise="PNF", step=0, flags=8),
        Segment("hold_open", 29000, 30000, exercise="Plank", rep=100, reps=100, step=1,
                cap_ms=300000, flags=3),
        Segment("breathe", 59000, 285000, exercise="Relax", rep=1, reps=1, step=2,
                breath=BreathPattern(4000, 7000, 8000, 0), flags=3),
        Segment("rest", 344000, 3600000, step=3, say="Rest", flags=8),
    ]
    timeline = Timeline("All kinds", tuple(segments), level=65535)
    decoded = decode(encode(timeline))
    assert decoded["level"] == 65535
    assert decoded["total_ms"] == 3944000
    assert decoded["breath"] == [[4000, 7000, 8000, 0]]
    got = [(s["kind"], s["side"], s["rep"], s["reps"], s["round"], s["rounds"], s["step"],
            s["start_ms"], s["duration_ms"], s["param"], s["flags"], s["exercise"], s["say"])
           for s in decoded["segments"]]
    assert got == [
        ("prepare", None, None, None, None, None, 0, 0, 5000, 0, 9, "PNF", None),
        ("stretch", "right", 1, 2, None, 3, 0, 5000, 10000, 0, 8, "PNF", None),
        ("contract", "right", 1, 2, 1, 3, 0, 15000, 6000, 0, 8, "PNF", None),
        ("relax", "right", 1, 2, 1, 3, 0, 21000, 3000, 0, 0, "PNF", None),
        ("switch", None, None, None, None, None, 0, 24000, 5000, 0, 8, "PNF", None),
        ("hold_open", None, 100, 100, None, None, 1, 29000, 30000, 300000, 3, "Plank", None),
        ("breathe", None, 1, 1, None, None, 2, 59000, 285000, 0, 3, "Relax", None),
        ("rest", None, None, None, None, None, 3, 344000, 3600000, 0, 8, None, "Rest"),
    ]


def one(**kwargs) -> Timeline:
    fields = {"kind": "hold", "start_ms": 0, "duration_ms": 10000, "rep": 1, "reps": 1}
    fields.update(kwargs)
    return Timeline("Bad", (Segment(**fields),))


@pytest.mark.parametrize(
    "timeline, message",
    [
        (Timeline("Empty", ()), "a routine has 1 to 65535 segments, not 0"),
        (one(kind="jump"), "segment 0 (jump): unknown kind"),
        (one(side="up"), "segment 0 (hold): unknown side 'up'"),
        (one(flags=32), "segment 0 (hold): flags 32 outside 0..31"),
        (one(start_ms=5), "segment 0 (hold): starts at 5 ms, not at 0 ms"),
        (one(duration_ms=0), "segment 0 (hold): duration 0 ms does not fit"),
        (one(rep=2, reps=1), "segment 0 (hold): rep 2 of 1"),
        (one(rep=None), "segment 0 (hold): rep None of 1"),
        (one(rep=101, reps=101), "segment 0 (hold): rep 101 is outside 1..100"),
        (one(round=1), "segment 0 (hold): round 1 of None"),
        (one(step=65536), "segment 0 (hold): step 65536 does not fit in 16 bits"),
        (one(kind="rest", breath=BREATH_4_6),
         "segment 0 (rest): only hold and breathe take a breath pattern"),
        (one(breath=BreathPattern(0, 0, 6000, 0)),
         "segment 0 (hold): breath pattern (0, 0, 6000, 0): "
         "inhale and exhale must be longer than 0 ms"),
        (one(kind="breathe"), "segment 0 (breathe): breathe needs a breath pattern"),
        (one(kind="breathe", breath=BREATH_4_6, duration_ms=25000),
         "segment 0 (breathe): 25000 ms is not whole breath cycles"),
        (one(kind="hold_open", cap_ms=9999),
         "segment 0 (hold_open): hold_open needs a cap of at least its target, not 9999"),
        (one(cap_ms=20000), "segment 0 (hold): only hold_open has a cap, this is hold"),
        (one(kind="count"), "segment 0 (count): count needs a pace, not None"),
        (one(kind="count", pace_ms=-5), "segment 0 (count): count needs a pace, not -5"),
        (one(kind="hold_open", cap_ms=1 << 32),
         "segment 0 (hold_open): hold_open needs a cap of at least its target, not 4294967296"),
        (one(pace_ms=3000), "segment 0 (hold): only count has a pace, this is hold"),
        (Timeline("Bad", one().segments, level=65536), "level 65536 does not fit in 16 bits"),
    ],
)
def test_encode__invalid(timeline, message):
    with pytest.raises(ValueError) as info:
        encode(timeline)
    assert str(info.value) == message


def test_encode__text_too_long_for_the_screen():
    say = "one two three four five six seven eight nine ten eleven twelve thirteen"
    with pytest.raises(ValueError, match=r"takes [4-9] display lines, at most 3"):
        encode(one(say=say))


# ---------------------------------------------------------------- reader errors


def test_decode__valid_raw_file():
    data = build([seg()])
    assert decode(data)["segments"][0]["exercise"] == "Cat"
    assert decode(bytearray(data))["name"] == "Tiny"


@pytest.mark.parametrize(
    "data, name",
    [
        (b"", "not a routine"),
        (b"BBR", "not a routine"),
        (b"BBRX" + TINY_BYTES[4:], "not a routine"),
        (b"\x00" * 200, "not a routine"),
        (b"BBRT", "truncated"),
        (TINY_BYTES[:31], "truncated"),
        (TINY_BYTES[:-1], "truncated"),
        (TINY_BYTES[:100], "truncated"),
        (patch(TINY_BYTES, 4, "<B", 3), "incompatible version 3"),
        (patch(TINY_BYTES, 4, "<B", 0), "incompatible version 0"),
        (patch(TINY_BYTES[:10], 4, "<B", 255), "incompatible version 255"),
        (TINY_BYTES + b"\x00", "trailing bytes"),
        (patch(TINY_BYTES, 24, "<I", 25), "trailing bytes"),
        (patch(TINY_BYTES, 24, "<I", 27), "truncated"),
        (patch(TINY_BYTES, 120, "<B", ord("X")), "bad CRC"),
        (patch(TINY_BYTES, len(TINY_BYTES) - 4, "<I", 0), "bad CRC"),
        (patch(TINY_BYTES, 28, "<H", 2), "bad CRC"),
    ],
)
def test_decode__framing_errors(data, name):
    assert reader_error(data) == name


def test_decode__truncated_before_the_version():
    assert reader_error(TINY_BYTES[:4]) == "truncated"
    assert reader_error(TINY_BYTES[:5]) == "truncated"


@pytest.mark.parametrize(
    "data, detail",
    [
        (build([seg()], header_size=33), "header size 33 and segment size 24, not 32 and 24"),
        (build([seg()], segment_size=20), "header size 32 and segment size 20, not 32 and 24"),
        (build([seg()], segment_count=0, strings_offset=56), "no segments"),
        (build([seg()], segments_offset=40), "segments at 40, not after 0 breath patterns"),
        (build([seg()], breaths=[(4000, 0, 6000, 0)], breath_count=0, segments_offset=32),
         "strings at 64, not after 1 segments"),
        (build([seg()], reserved=1), "reserved field is 1, not 0"),
        (build([seg()], name=9), "routine name: string offset 9 is outside the 9-byte string table"),
        (build([seg()], strings=b"\x09Tiny\x03Cat"),
         "routine name: string at offset 0 runs past the string table"),
        (build([seg()], strings=b"\x04Ti\tn\x03Cat"),
         "routine name: string at offset 0: byte 0x09 is neither printable ASCII nor a line break"),
        (build([seg()], strings=b"\x04Ti\xe9n\x03Cat"),
         "routine name: string at offset 0: byte 0xe9 is neither printable ASCII nor a line break"),
        (build([seg(exercise=8)], strings=b"\x07a\nb\nc\nd\x03Cat"),
         "routine name: string at offset 0: 4 lines, at most 3"),
        (build([seg(exercise=18)], strings=b"\x1100000000000000000\x03Cat"),
         "routine name: string at offset 0: line '00000000000000000' is longer than 16 columns"),
        (build([seg(breath=0)], breaths=[(0, 0, 6000, 0)]),
         "breath pattern 0 [0, 0, 6000, 0]: inhale and exhale must be longer than 0 ms"),
        (build([seg(breath=0)], breaths=[(4000, 0, 0, 0)]),
         "breath pattern 0 [4000, 0, 0, 0]: inhale and exhale must be longer than 0 ms"),
        (build([seg(breath=0)], breaths=[(4000, 0, 6000, 2000)]),
         "breath pattern 0 [4000, 0, 6000, 2000]: a hold after exhale needs a hold after inhale"),
        (build([seg(), seg()], total_ms=20001), "total_ms is 20001, the segments add up to 20000"),
    ],
)
def test_decode__bad_header(data, detail):
    with pytest.raises(BbrError) as info:
        decode(data)
    assert info.value.name == "bad header"
    assert info.value.detail == detail
    assert str(info.value) == f"bad header: {detail}"


def test_decode__bad_header_string_table_over_65535_bytes():
    table = b"\x04Tiny" + b"\x00" * 65531
    data = build([seg(exercise=0xFFFF)], strings=table)
    assert len(table) == 65536
    with pytest.raises(BbrError) as info:
        decode(data)
    assert str(info.value) == "bad header: string table of 65536 bytes, at most 65535"


@pytest.mark.parametrize(
    "segment, detail",
    [
        (seg(kind=0), "unknown kind 0"),
        (seg(kind=11), "unknown kind 11"),
        (seg(kind=255), "unknown kind 255"),
        (seg(side=3), "unknown side 3"),
        (seg(reserved=7), "reserved field is 7, not 0"),
        (seg(duration=0), "duration of 0 ms"),
        (seg(breath=1), "breath pattern 1 of 1"),
        (seg(kind=1, rep=0, reps=0, breath=0), "a breath pattern on prepare"),
        (seg(kind=4), "breathe without a breath pattern"),
        (seg(kind=4, breath=0, duration=25000), "breathe of 25000 ms is not whole cycles"),
        (seg(exercise=9), "string offset 9 is outside the 9-byte string table"),
        (seg(exercise=65534), "string offset 65534 is outside the 9-byte string table"),
        (seg(say=8), "string at offset 8 runs past the string table"),
        (seg(say=7), "string at offset 7 runs past the string table"),
        (seg(rep=2, reps=1), "rep 2 of 1"),
        (seg(rep=0, reps=1), "rep 0 of 1"),
        (seg(rep=1, reps=0), "rep 1 of 0"),
        (seg(rep=101, reps=101), "rep 101 of 101"),
        (seg(round_=2, rounds=1), "round 2 of 1"),
        (seg(round_=1, rounds=101), "round 1 of 101"),
        (seg(kind=3, param=9999), "hold_open cap 9999 ms is below its target 10000 ms"),
        (seg(kind=8, param=0), "count with a pace of 0 ms"),
        (seg(kind=9, rep=0, reps=0, param=1), "param 1 on rest"),
    ],
)
def test_decode__bad_segment(segment, detail):
    good = seg(kind=9, rep=0, reps=0, exercise=0xFFFF)
    data = build([good, good, segment], breaths=[(4000, 0, 6000, 0)])
    with pytest.raises(BbrError) as info:
        decode(data)
    assert info.value.name == "bad segment 2"
    assert str(info.value) == f"bad segment 2: {detail}"


def test_decode__first_problem_wins():
    # a bad CRC is named before the bad header behind it
    data = build([seg()], header_size=33)
    assert reader_error(data[:-1] + bytes([data[-1] ^ 1])) == "bad CRC"
    # a bad header is named before a bad segment
    assert reader_error(build([seg(kind=0)], reserved=1)) == "bad header"
    # the first bad segment is the one named
    assert reader_error(build([seg(), seg(kind=0), seg(side=9)])) == "bad segment 1"
    # a wrong version is named before the truncation
    assert reader_error(patch(TINY_BYTES, 4, "<B", 3)[:40]) == "incompatible version 3"


def test_decode__flag_bits_5_to_7_are_ignored():
    data = reseal(patch(TINY_BYTES, 41, "<B", 0xE9))
    assert decode(data)["segments"][0]["flags"] == 9
    assert decode(data)["crc32"] != TINY_DECODED["crc32"]


def test_decode__reseal_makes_a_patched_kind_a_segment_error():
    data = reseal(patch(TINY_BYTES, 40 + 24, "<B", 11))
    assert reader_error(data) == "bad segment 1"

# ---------------------------------------------------------------- golden vectors


def load_golden_module():
    spec = importlib.util.spec_from_file_location("make_golden", GOLDEN.parent / "make_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def committed_golden() -> dict[str, bytes]:
    return {
        str(p.relative_to(GOLDEN)): p.read_bytes()
        for p in sorted(GOLDEN.rglob("*"))
        if p.is_file() and p.suffix in (".bbr", ".json")
    }


def test_golden__committed_files_are_what_the_code_produces():
    produced = load_golden_module().golden_files()
    assert sorted(produced) == sorted(committed_golden())
    for name, data in produced.items():
        assert data == (GOLDEN / name).read_bytes(), name


def test_golden__every_vector_decodes_to_its_json():
    vectors = sorted(GOLDEN.glob("*.bbr"))
    assert 5 <= len(vectors) <= 8
    for path in vectors:
        expected = json.loads(path.with_suffix(".json").read_text())
        assert decode(path.read_bytes()) == expected, path.name


def test_golden__the_spec_example():
    example = decode((GOLDEN / "example.bbr").read_bytes())
    assert (example["total_ms"], len(example["segments"])) == (994000, 53)
    assert example["breath"] == [[4000, 0, 6000, 0]]
    progression = decode((GOLDEN / "progression.bbr").read_bytes())
    assert progression["level"] == 3


def test_golden__vectors_cover_the_format():
    decoded = [json.loads(p.read_text()) for p in sorted(GOLDEN.glob("*.json"))
               if p.name != "corrupt.json"]
    segments = [s for d in decoded for s in d["segments"]]
    assert {s["kind"] for s in segments} == {
        "prepare", "hold", "hold_open", "breathe", "stretch", "contract", "relax", "count",
        "rest", "switch"}
    flags = 0
    for s in segments:
        flags |= s["flags"]
    assert flags == 31
    assert {s["side"] for s in segments} == {None, "left", "right"}
    shapes = {sum(1 for p in b if p) for d in decoded for b in d["breath"]}
    assert shapes == {2, 3, 4}
    assert any(s["round"] == 3 and s["rounds"] == 3 for s in segments)
    assert any(s["kind"] == "hold_open" and s["param"] > s["duration_ms"] for s in segments)
    assert any(d["level"] > 0 for d in decoded)
    assert any(s["say"] and "\n" in s["say"] for s in segments)
    assert any("\n" in d["name"] for d in decoded)


def test_golden__corrupt_vectors_fail_with_their_error():
    listing = json.loads((GOLDEN / "corrupt.json").read_text())
    names = {entry["error"] for entry in listing}
    assert {"not a routine", "incompatible version 3", "truncated", "trailing bytes",
            "bad CRC", "bad header"} <= names
    assert any(n.startswith("bad segment ") for n in names)
    for entry in listing:
        data = (GOLDEN / entry["file"]).read_bytes()
        assert reader_error(data) == entry["error"], entry["file"]


def routine_sources() -> list[Path]:
    library = Path(__file__).parent.parent / "routines"
    return sorted(GOLDEN.glob("*.yaml")) + sorted(library.glob("*.yaml"))


@pytest.mark.parametrize("source", routine_sources(), ids=lambda p: p.stem)
@pytest.mark.parametrize("level", [0, 3])
def test_round_trip__every_field_of_every_segment(source, level):
    timeline = load_routine(source, level)
    data = encode(timeline)
    decoded = decode(data)
    assert decoded["name"] == display_text(timeline.name)
    assert decoded["level"] == level
    assert decoded["total_ms"] == timeline.total_ms
    assert decoded["crc32"] == zlib.crc32(data[:-4])
    assert len(decoded["segments"]) == len(timeline.segments)
    for seg, got in zip(timeline.segments, decoded["segments"], strict=True):
        breath = decoded["breath"][got["breath"]] if got["breath"] is not None else None
        assert got == {
            "kind": seg.kind, "flags": seg.flags, "side": seg.side,
            "breath": got["breath"], "rep": seg.rep, "reps": seg.reps, "round": seg.round,
            "rounds": seg.rounds, "step": seg.step,
            "exercise": display_text(seg.exercise) if seg.exercise is not None else None,
            "say": display_text(seg.say) if seg.say is not None else None, "level": seg.level,
            "start_ms": seg.start_ms, "duration_ms": seg.duration_ms,
            "param": seg.cap_ms or seg.pace_ms or 0,
        }
        assert breath == (list(seg.breath.as_tuple()) if seg.breath else None)
    # encoding is deterministic
    assert encode(timeline) == data


def test_decode__version_1_gives_every_segment_the_header_level():
    data = build([seg(), seg(kind=9, rep=0, reps=0, exercise=0xFFFF)], level=4)
    got = decode(data)
    assert (got["version"], got["level"]) == (1, 4)
    assert [s["level"] for s in got["segments"]] == [4, 4]


def test_decode__version_2_reads_each_segment_level_from_the_reserved_field_of_version_1():
    data = build([seg(reserved=3), seg(reserved=0), seg(reserved=65535)], version=2, level=1)
    got = decode(data)
    assert (got["version"], got["level"]) == (2, 1)
    assert [s["level"] for s in got["segments"]] == [3, 0, 65535]
