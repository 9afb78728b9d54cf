# Tests for firmware/bbr.py: the streaming .bbr reader against the golden vectors and hand-made files.

import io
import json
import os
import struct

import bbr
from bbrmake import build, seal, seg, unseal
from testdata import data_path, heap_locked, scratch_dir

GOLDEN = data_path("golden/bbr")
_SIDES = (None, "left", "right")


def _none_if_zero(v):
    return v if v else None


def full_decode(r):
    """The reader's view of a routine in the golden JSON layout (docs/bbr-format.md)."""
    breath = []
    phases = [0, 0, 0, 0]
    for i in range(r.breath_count):
        r.read_breath(i, phases)
        breath.append(list(phases))
    segments = []
    start = 0
    for i in range(r.segment_count):
        r.read_segment(i)
        segments.append(
            {
                "kind": bbr.KIND_NAMES[r.kind],
                "flags": r.flags,
                "side": _SIDES[r.side],
                "breath": None if r.breath == bbr.NO_BREATH else r.breath,
                "rep": _none_if_zero(r.rep),
                "reps": _none_if_zero(r.reps),
                "round": _none_if_zero(r.round),
                "rounds": _none_if_zero(r.rounds),
                "step": r.step,
                "exercise": r.string(r.exercise),
                "say": r.string(r.say),
                "level": r.seg_level,
                "start_ms": start,
                "duration_ms": r.duration_ms,
                "param": r.param,
            }
        )
        start += r.duration_ms
    return {
        "version": r.version,
        "name": r.string(r.name_offset),
        "level": r.level,
        "total_ms": r.total_ms,
        "crc32": r.crc32,
        "due": _due(r),
        "at": list(r.at[: r.at_count]),
        "breath": breath,
        "segments": segments,
    }


_DUE_NAMES = (None, "per_day", "days", "per_week", "every_days")


def _due(r):
    if not r.due_kind:
        return None
    v = r.due_value
    if r.due_kind == bbr.DUE_DAYS:
        v = [d for d in range(7) if v >> d & 1]
    return {_DUE_NAMES[r.due_kind]: v}


def _golden_names():
    names = []
    for name in os.listdir(GOLDEN):
        if name.endswith(".bbr"):
            names.append(name[:-4])
    names.sort()
    return names


def _open_bytes(data):
    return bbr.Routine(io.BytesIO(data))


def _error_of(data):
    try:
        _open_bytes(data).close()
    except bbr.BbrError as e:
        return str(e)
    return None


# ---------------------------------------------------------------- hand-made files


SAMPLE = build(
    [
        seg(bbr.PREPARE, 5000, exercise="Cat", say="Round your back,\ntuck your hips", flags=9),
        (bbr.HOLD, 6, 1, 0, 1, 2, 0, 0, 0, "Cat", None, 0, 15000, 0),
        (bbr.REST, 8, 0, 255, 0, 0, 0, 0, 0, None, None, 0, 10000, 0),
        seg(bbr.BREATHE, 20000, breath=1, exercise="Relax"),
        seg(bbr.HOLD_OPEN, 30000, param=300000, exercise="Plank"),
        seg(bbr.COUNT, 60000, param=3000, rep=1, reps=1, exercise="Sit-ups", flags=16),
    ],
    breaths=((4000, 0, 6000, 0), (4000, 2000, 4000, 0)),
    name="Lower back,\neasy",
    level=2,
)


def test_sample_decodes_field_by_field():
    r = _open_bytes(SAMPLE)
    d = full_decode(r)
    assert d["name"] == "Lower back,\neasy"
    assert d["level"] == 2
    assert d["total_ms"] == 140000
    assert d["breath"] == [[4000, 0, 6000, 0], [4000, 2000, 4000, 0]]
    assert r.segment_count == 6
    segs = d["segments"]
    assert segs[0] == {
        "kind": "prepare", "flags": 9, "side": None, "breath": None, "rep": None,
        "reps": None, "round": None, "rounds": None, "step": 0, "exercise": "Cat",
        "say": "Round your back,\ntuck your hips", "level": 2, "start_ms": 0,
        "duration_ms": 5000, "param": 0,
    }
    assert segs[1]["side"] == "left" and segs[1]["breath"] == 0 and segs[1]["rep"] == 1
    assert segs[1]["reps"] == 2 and segs[1]["start_ms"] == 5000 and segs[1]["say"] is None
    assert [s["start_ms"] for s in segs] == [0, 5000, 20000, 30000, 50000, 80000]
    assert segs[4]["kind"] == "hold_open" and segs[4]["param"] == 300000
    assert segs[5]["flags"] == 16 and segs[5]["param"] == 3000
    assert r.crc32 == struct.unpack("<I", SAMPLE[-4:])[0]
    r.close()


def test_segments_read_in_any_order():
    r = _open_bytes(SAMPLE)
    r.read_segment(4)
    assert r.kind == bbr.HOLD_OPEN and r.duration_ms == 30000 and r.index == 4
    r.read_segment(0)
    assert r.kind == bbr.PREPARE and r.string(r.exercise) == "Cat"
    r.read_segment(5)
    assert r.kind == bbr.COUNT and r.string(r.say) is None


def test_flag_bits_5_to_7_are_ignored():
    data = unseal(SAMPLE)
    data[32 + 16 + 1] |= 0xE0
    r = _open_bytes(seal(data))
    r.read_segment(0)
    assert r.flags == 9


def test_open_routine_reads_a_file_and_closes():
    path = scratch_dir("bbr") + "/sample.bbr"
    with open(path, "wb") as f:
        f.write(SAMPLE)
    try:
        r = bbr.open_routine(path)
        assert r.total_ms == 140000
        r.close()
        with open(path, "wb") as f:
            f.write(SAMPLE[:-1])
        try:
            bbr.open_routine(path)
            raise AssertionError("a truncated file was accepted")
        except bbr.BbrError as e:
            assert str(e) == "truncated"
    finally:
        os.remove(path)


# ---------------------------------------------------------------- errors, in order


def test_not_a_routine():
    assert _error_of(b"") == "not a routine"
    assert _error_of(b"BBR") == "not a routine"
    assert _error_of(b"XBRT" + SAMPLE[4:]) == "not a routine"


def test_version():
    assert _error_of(b"BBRT") == "truncated"
    assert _error_of(b"BBRT\x04") == "incompatible version 4"
    assert _error_of(b"BBRT\x00") == "incompatible version 0"
    data = bytearray(SAMPLE)
    data[4] = 7
    assert _error_of(bytes(data)) == "incompatible version 7"


def test_version_2_reads_each_segment_level():
    data = bytearray(unseal(SAMPLE))
    data[4] = 2
    for i, level in enumerate((0, 5, 65535, 1, 2, 3)):
        struct.pack_into("<H", data, 32 + 16 + 24 * i + 14, level)
    r = _open_bytes(seal(data))
    assert r.version == 2 and r.level == 2
    assert [s["level"] for s in full_decode(r)["segments"]] == [0, 5, 65535, 1, 2, 3]
    r.close()


SCHEDULED = build([seg(bbr.HOLD, 1000)], schedule=(bbr.DUE_DAYS, 0b1010101, (450, 1200)))


def test_version_3_reads_the_schedule():
    r = _open_bytes(SCHEDULED)
    assert (r.version, r.header_size, r.due_kind, r.due_value) == (3, 48, bbr.DUE_DAYS, 0x55)
    assert (r.at_count, r.at) == (2, [450, 1200, 0, 0, 0, 0])
    assert full_decode(r)["segments"][0]["duration_ms"] == 1000
    r.close()
    r = _open_bytes(SAMPLE)
    assert (r.version, r.header_size, r.due_kind, r.due_value, r.at_count) == (1, 32, 0, 0, 0)
    r.close()


def test_a_schedule_out_of_range_is_a_bad_header():
    def error(offset, fmt, value):
        return _error_of(_patched(offset, fmt, value, data=SCHEDULED))

    assert error(32, "<B", 5) == "bad header"  # due kind
    assert error(33, "<B", 0x80) == "bad header"  # a day mask with bit 7
    assert error(33, "<B", 0) == "bad header"  # no day at all
    assert error(34, "<B", 7) == "bad header"  # seven reminder times
    assert error(35, "<B", 1) == "bad header"  # reserved
    assert error(36, "<H", 1200) == "bad header"  # times not in order
    assert error(38, "<H", 1440) == "bad header"  # 24:00
    assert error(40, "<H", 1) == "bad header"  # a time past at_count
    assert error(33, "<B", 0x7F) is None
    assert _error_of(build([seg(bbr.HOLD, 1000)], schedule=(0, 0, ()))) is None
    assert _error_of(build([seg(bbr.HOLD, 1000)], schedule=(0, 1, ()))) == "bad header"
    assert _error_of(build([seg(bbr.HOLD, 1000)], schedule=(bbr.DUE_EVERY_DAYS, 1, ()))) == "bad header"
    assert _error_of(build([seg(bbr.HOLD, 1000)], schedule=(bbr.DUE_PER_WEEK, 21, ()))) is None


def test_truncated_and_trailing():
    assert _error_of(SAMPLE[:31]) == "truncated"
    for cut in (32, 100, len(SAMPLE) - 1):
        assert _error_of(SAMPLE[:cut]) == "truncated"
    assert _error_of(SAMPLE + b"\x00") == "trailing bytes"


def test_bad_crc():
    data = bytearray(SAMPLE)
    data[40] ^= 1
    assert _error_of(bytes(data)) == "bad CRC"
    data = bytearray(SAMPLE)
    data[-1] ^= 0x80
    assert _error_of(bytes(data)) == "bad CRC"


def _patched(offset, fmt, value, data=SAMPLE):
    d = unseal(data)
    struct.pack_into(fmt, d, offset, value)
    return seal(d)


def test_bad_header():
    assert _error_of(_patched(5, "<B", 33)) == "bad header"  # header_size
    assert _error_of(_patched(6, "<B", 25)) == "bad header"  # segment_size
    assert _error_of(_patched(12, "<I", 140001)) == "bad header"  # total_ms
    assert _error_of(_patched(30, "<H", 1)) == "bad header"  # reserved
    assert _error_of(_patched(10, "<H", 0xFFFF)) == "bad header"  # name offset
    # A breath pattern with a hold after exhale but none after inhale.
    assert _error_of(_patched(32 + 2, "<H", 0, data=_patched(32 + 6, "<H", 1000))) == "bad header"
    # An exhale of 0 ms.
    assert _error_of(_patched(32 + 4, "<H", 0)) == "bad header"
    # Offsets that move data around without changing the file size.
    d = unseal(SAMPLE)
    struct.pack_into("<I", d, 16, 40)
    assert _error_of(seal(d)) == "bad header"


def test_bad_header_name_string():
    long_line = build([seg(bbr.HOLD, 1000)], name="A" * 17)
    assert _error_of(long_line) == "bad header"
    four_lines = build([seg(bbr.HOLD, 1000)], name="a\nb\nc\nd")
    assert _error_of(four_lines) == "bad header"
    assert _error_of(build([seg(bbr.HOLD, 1000)], name="a\nb\nc")) is None
    tab = build([seg(bbr.HOLD, 1000)], name="a\tb")
    assert _error_of(tab) == "bad header"


def test_zero_segments_is_a_bad_header():
    d = unseal(build([seg(bbr.HOLD, 1000)]))
    # segment_count 0 with consistent offsets: drop the one record.
    struct.pack_into("<H", d, 8, 0)
    struct.pack_into("<I", d, 12, 0)
    struct.pack_into("<I", d, 20, 32)
    d = d[:32] + d[56:]
    assert _error_of(seal(d)) == "bad header"


def _seg_error(index, field_offset, fmt, value):
    return _error_of(_patched(48 + 24 * index + field_offset, fmt, value))


def test_bad_segment():
    assert _seg_error(2, 0, "<B", 11) == "bad segment 2"  # kind
    assert _seg_error(2, 0, "<B", 0) == "bad segment 2"
    assert _seg_error(0, 2, "<B", 3) == "bad segment 0"  # side
    assert _seg_error(1, 3, "<B", 2) == "bad segment 1"  # breath index out of range
    assert _seg_error(2, 3, "<B", 0) == "bad segment 2"  # breath on a rest
    assert _seg_error(3, 3, "<B", 255) == "bad segment 3"  # breathe without a pattern
    assert _seg_error(1, 4, "<B", 3) == "bad segment 1"  # rep over reps
    assert _seg_error(1, 4, "<B", 0) == "bad segment 1"  # rep 0 with reps 2
    assert _seg_error(1, 6, "<B", 1) == "bad segment 1"  # round without rounds
    assert _seg_error(0, 14, "<H", 1) == "bad segment 0"  # reserved in version 1
    assert _seg_error(0, 10, "<H", 999) == "bad segment 0"  # exercise string out of range
    assert _seg_error(0, 12, "<H", 1) == "bad segment 0"  # say offset inside a string
    assert _seg_error(4, 20, "<I", 29999) == "bad segment 4"  # cap below target
    assert _seg_error(5, 20, "<I", 0) == "bad segment 5"  # count without pace
    assert _seg_error(2, 20, "<I", 1) == "bad segment 2"  # param on a rest


def test_breathe_must_be_whole_cycles():
    assert _error_of(build([seg(bbr.BREATHE, 20000, breath=0)], breaths=((4000, 0, 6000, 0),))) is None
    assert (
        _error_of(build([seg(bbr.BREATHE, 25000, breath=0)], breaths=((4000, 0, 6000, 0),)))
        == "bad segment 0"
    )


def test_duration_zero_is_a_bad_segment():
    d = unseal(build([seg(bbr.HOLD, 1000), seg(bbr.REST, 1000)]))
    struct.pack_into("<I", d, 32 + 24 + 16, 0)
    struct.pack_into("<I", d, 12, 1000)
    assert _error_of(seal(d)) == "bad segment 1"


def test_reading_a_segment_allocates_nothing():
    # Under MicroPython the heap is locked: any allocation would raise MemoryError.
    import micropython

    r = _open_bytes(SAMPLE)
    buf = r._seg
    phases = [0, 0, 0, 0]
    kinds = bytearray(r.segment_count)

    def reads():
        for i in range(r.segment_count):
            r.read_segment(i)
            kinds[i] = r.kind
            if r.breath != bbr.NO_BREATH:
                r.read_breath(r.breath, phases)

    lock = getattr(micropython, "heap_lock", None)
    if lock is not None:
        lock()
        try:
            reads()
        finally:
            micropython.heap_unlock()
    else:
        reads()
    assert r._seg is buf
    assert list(kinds) == [bbr.PREPARE, bbr.HOLD, bbr.REST, bbr.BREATHE, bbr.HOLD_OPEN, bbr.COUNT]
    assert phases == [4000, 2000, 4000, 0]


def test_checking_allocates_nothing():
    # The CRC (kept in two 16-bit halves), the header and every segment and string of a
    # 300-segment routine are checked with the heap locked under MicroPython (the reader
    # has checked once before: its attributes exist).
    names = ("Cat", "Cow", "Dog")
    data = build([seg(bbr.HOLD, 1000, exercise=names[i % 3], say="Slowly") for i in range(300)],
                 name="Many")
    r = bbr.Routine()
    r.open(io.BytesIO(data), False)
    r.open(io.BytesIO(data), True)
    assert (r.size, r.segment_count, r.checking()) == (len(data), 300, False)
    done = [None]

    def whole():
        r.begin_check()
        done[0] = r.check_some(0x3FFFFFFF)

    heap_locked(whole) or whole()
    assert done[0] is True and not r.checking()
    bad = bytearray(data)
    bad[len(data) // 2] ^= 1
    r.open(io.BytesIO(bytes(bad)), True)
    r.begin_check()
    try:
        r.check_some(0x3FFFFFFF)
        raise AssertionError("a flipped bit passed the CRC")
    except bbr.BbrError as e:
        assert str(e) == "bad CRC"


def test_a_check_a_little_at_a_time_finds_what_the_whole_check_finds():
    bad = bytearray(unseal(SAMPLE))
    bad[32 + 8 * 2 + 24 * 3 + 2] = 3  # segment 3's side (after the header and two breaths)
    for data, want in ((SAMPLE, None), (seal(bad), "bad segment 3"),
                       (SAMPLE[:-1] + b"\x00", "bad CRC")):
        r = bbr.Routine()
        r.open(io.BytesIO(data), True)
        r.begin_check()
        got = None
        parts = 0
        try:
            while not r.check_some(1):
                parts += 1
        except bbr.BbrError as e:
            got = str(e)
        assert got == want == _error_of(data)
        assert parts > 6 or want == "bad CRC"


def test_check_rest_ends_a_check_as_the_slow_check_would():
    # What a person waits for (a routine started before its background check ended): the
    # rest at once, the CRC in C where the port has it, else as check_some() does it.
    bad = bytearray(unseal(SAMPLE))
    bad[32 + 8 * 2 + 24 * 3 + 2] = 3  # segment 3's side
    cases = ((SAMPLE, None), (seal(bad), "bad segment 3"), (SAMPLE[:-1] + b"\x00", "bad CRC"),
             (SAMPLE[:40] + bytes([SAMPLE[40] ^ 1]) + SAMPLE[41:], "bad CRC"))
    c_crc32 = bbr._c_crc32
    try:
        for port_crc in (c_crc32, None):
            bbr._c_crc32 = port_crc
            for data, want in cases:
                for before in (0, 1, 3):  # parts done a little at a time first
                    r = bbr.Routine()
                    got = None
                    try:
                        r.open(io.BytesIO(data), True)
                        r.begin_check()
                        if before:
                            r.check_some(before)
                        r.check_rest()
                    except bbr.BbrError as e:
                        got = str(e)
                    assert (got, r.checking()) == (want, False), (port_crc, data, before)
    finally:
        bbr._c_crc32 = c_crc32


# ---------------------------------------------------------------- golden vectors


def test_golden_full_decodes():
    names = _golden_names()
    assert names == ["breath-shapes", "counts", "example", "progression", "tiny"]
    for name in names:
        with open(GOLDEN + "/" + name + ".json") as f:
            want = json.load(f)
        r = bbr.open_routine(GOLDEN + "/" + name + ".bbr")
        got = full_decode(r)
        r.close()
        assert got == want, name


def test_golden_corrupt_files_name_the_expected_error():
    with open(GOLDEN + "/corrupt.json") as f:
        cases = json.load(f)
    assert len(cases) == len(os.listdir(GOLDEN + "/corrupt"))
    for case in cases:
        try:
            bbr.open_routine(GOLDEN + "/" + case["file"]).close()
            got = None
        except bbr.BbrError as e:
            got = str(e)
        assert got == case["error"], case["file"]
        yield


def test_begin_lazy_checks_the_crc_and_header_at_once_and_each_segment_as_it_is_read():
    bad = build([seg(bbr.HOLD, 1000, exercise="Cat"), seg(bbr.HOLD, 2000, exercise="Cow"),
                 seg(bbr.HOLD, 1000, param=5, exercise="Cat")], name="Bad")
    broken = bytearray(bad)
    broken[-8] ^= 1  # a byte of the string table: the CRC no longer matches
    c_crc32 = bbr._c_crc32
    try:
        for crc in (c_crc32, None):  # binascii's, or the Python loop of a port without it
            bbr._c_crc32 = crc
            r = bbr.Routine(io.BytesIO(bad), checked=True)
            r.begin_lazy()
            assert not r.checking()
            assert r.read_segment(1).duration_ms == 2000 and r.string(r.exercise) == "Cow"
            try:
                r.read_segment(2)
                raise AssertionError("a bad segment read")
            except bbr.BbrError as e:
                assert e.name == "bad segment 2"
            r.open(io.BytesIO(bytes(broken)), True)
            try:
                r.begin_lazy()
                raise AssertionError("a bad CRC taken")
            except bbr.BbrError as e:
                assert e.name == "bad CRC"
            # Opened again, the reader reads without checking.
            r.open(io.BytesIO(bad), True)
            assert r.read_segment(2).param == 5
    finally:
        bbr._c_crc32 = c_crc32
