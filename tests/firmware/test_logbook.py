# Tests for firmware/logbook.py: records, sequence numbers, power cuts at every byte, ack and space.

import gc
import json
import struct
import time

import logbook as L
import logread as R
from memfs import MemFs, PowerCut
from testdata import allocated, scratch_dir

_HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
GOLDEN = _HERE + "/../golden/log"

_KINDS = (None, "prepare", "hold", "hold_open", "breathe", "stretch", "contract", "relax",
          "count", "rest", "switch")
_OUTCOMES = (None, "done", "skipped", "stopped")
_PAINS = (None, "no", "yes", "unanswered")  # log format version 1


def _version(byte):
    return 1 if byte == 0 else byte


def _pain(code, version):
    if version == 1:
        return _PAINS[code]
    return None if code == 255 else "unanswered" if code == 254 else code
_ENDS = (None, "completed", "stopped")
_ANSWERS = (None, "better", "same", "worse")


def decode(buf, size):
    """One raw record as the golden JSON spells it (docs/log-format.md), parsed with struct."""
    sync, rtype, n, seq = struct.unpack_from("<BBHI", buf, 0)
    assert sync == 0xB1 and size == 12 + n
    p = 8
    if rtype == 1:
        boot, mono, wall, crc, total, level, count, idlen = struct.unpack_from("<IIIIIHHB", buf, p)
        return {
            "seq": seq, "type": "session_start", "boot": boot, "mono_ms": mono, "wall_s": wall,
            "routine_crc": crc, "total_ms": total, "level": level, "segment_count": count,
            "routine": bytes(buf[p + 25 : p + 25 + idlen]).decode(),
        }
    if rtype == 2:
        index, kind, outcome, pain, version, start, end, planned, achieved = struct.unpack_from(
            "<HBBBBIIII", buf, p
        )
        version = _version(version)
        return {
            "seq": seq, "type": "segment", "version": version, "index": index,
            "kind": _KINDS[kind], "outcome": _OUTCOMES[outcome], "pain": _pain(pain, version),
            "start_ms": start,
            "end_ms": end, "planned_ms": planned, "achieved_ms": achieved,
        }
    if rtype == 3:
        end, version, done, skipped, elapsed, paused = struct.unpack_from("<BBHHII", buf, p)
        version = _version(version)
        wall = struct.unpack_from("<I", buf, p + 14)[0] if version == 2 else 0
        return {
            "seq": seq, "type": "session_end", "version": version, "end": _ENDS[end],
            "done": done, "skipped": skipped, "elapsed_ms": elapsed, "paused_ms": paused,
            "wall_s": wall,
        }
    if rtype == 4:
        boot, mono = struct.unpack_from("<II", buf, p)
        return {
            "seq": seq, "type": "error", "boot": boot, "mono_ms": mono,
            "text": bytes(buf[p + 8 : p + n]).decode(),
        }
    if rtype == 5:
        boot, mono, wall = struct.unpack_from("<III", buf, p)
        return {"seq": seq, "type": "clock", "boot": boot, "mono_ms": mono, "wall_s": wall}
    if rtype == 6:
        boot, mono, wall, answer = struct.unpack_from("<IIIB", buf, p)
        return {"seq": seq, "type": "morning", "boot": boot, "mono_ms": mono, "wall_s": wall,
                "answer": _ANSWERS[answer]}
    raise AssertionError("unknown record type %d" % rtype)


def read_all(fs, from_seq=0):
    lb = L.Logbook(fs)
    out = []

    def take(seq, rtype, buf, size):
        assert seq == struct.unpack_from("<I", buf, 4)[0]
        out.append(decode(buf, size))

    lb.records(from_seq, take)
    return out


def write_session(lb, segments=3, mono=1000, name="lower-back"):
    """A session as the app writes it: start, one record per segment, end."""
    lb.begin_session(name, 0x1234ABCD, 2, segments, 5000 * segments, mono)
    for i in range(segments):
        lb.add_segment(i, 2, 1, 255, 5000 * i, 5000 * i + 5000, 5000, 5000)
        lb.flush()
    lb.end_session(1, segments, 0, 5000 * segments, 0, mono + 5000 * segments)


# ---------------------------------------------------------------- the golden scenario


def golden_scenario(lb):
    """The session behind tests/golden/log/session.log: every record type and value kind."""
    lb.set_clock(1790000000, 5000)
    lb.begin_session("lower-back-easy", 0xDEADBEEF, 1, 4, 50000, 12345)
    lb.add_segment(0, 1, 1, 255, 0, 5000, 5000, 5000)
    lb.flush()
    lb.add_segment(1, 3, 1, 3, 5000, 41200, 30000, 36200)
    lb.flush()
    lb.add_segment(2, 9, 2, 255, 44000, 46500, 10000, 2500)
    lb.flush()
    lb.add_segment(3, 2, 3, 254, 46500, 47000, 5000, 500)
    lb.end_session(2, 2, 1, 47000, 3000, 12345 + 47000)
    lb.log_error("MemoryError: x", 99000)
    lb.log_morning(L.WORSE, 100000)


GOLDEN_RECORDS = [
    {"seq": 1, "type": "clock", "boot": 1, "mono_ms": 5000, "wall_s": 1790000000},
    {"seq": 2, "type": "session_start", "boot": 1, "mono_ms": 12345, "wall_s": 1790000007,
     "routine_crc": 0xDEADBEEF, "total_ms": 50000, "level": 1, "segment_count": 4,
     "routine": "lower-back-easy"},
    {"seq": 3, "type": "segment", "version": 2, "index": 0, "kind": "prepare",
     "outcome": "done", "pain": None, "start_ms": 0, "end_ms": 5000, "planned_ms": 5000,
     "achieved_ms": 5000},
    {"seq": 4, "type": "segment", "version": 2, "index": 1, "kind": "hold_open",
     "outcome": "done", "pain": 3, "start_ms": 5000, "end_ms": 41200, "planned_ms": 30000,
     "achieved_ms": 36200},
    {"seq": 5, "type": "segment", "version": 2, "index": 2, "kind": "rest",
     "outcome": "skipped", "pain": None, "start_ms": 44000, "end_ms": 46500,
     "planned_ms": 10000, "achieved_ms": 2500},
    {"seq": 6, "type": "segment", "version": 2, "index": 3, "kind": "hold",
     "outcome": "stopped", "pain": "unanswered", "start_ms": 46500, "end_ms": 47000,
     "planned_ms": 5000, "achieved_ms": 500},
    {"seq": 7, "type": "session_end", "version": 2, "end": "stopped", "done": 2,
     "skipped": 1, "elapsed_ms": 47000, "paused_ms": 3000, "wall_s": 1790000054},
    {"seq": 8, "type": "error", "boot": 1, "mono_ms": 99000, "text": "MemoryError: x"},
    {"seq": 9, "type": "morning", "boot": 1, "mono_ms": 100000, "wall_s": 1790000095,
     "answer": "worse"},
]


def golden_bytes():
    fs = MemFs()
    golden_scenario(L.Logbook(fs))
    return bytes(fs.files["/logs/00000001.log"])


def _records_of(data):
    fs = MemFs()
    fs.dirs.append("/logs")
    fs.files["/logs/00000001.log"] = bytearray(data)
    out = []
    count, good, torn = R.Scanner().scan(
        fs, "/logs/00000001.log", 1, lambda seq, t, buf, size: out.append(decode(buf, size))
    )
    assert count == len(out)
    return out, good, torn


def test_golden_session_bytes_and_decode():
    with open(GOLDEN + "/session.log", "rb") as f:
        data = f.read()
    with open(GOLDEN + "/session.json") as f:
        want = json.load(f)
    assert data == golden_bytes()
    assert want["records"] == GOLDEN_RECORDS
    recs, good, torn = _records_of(data)
    assert recs == want["records"]
    assert (good, torn) == (want["good_bytes"], want["torn"]) == (len(data), False)


def test_golden_damaged_vector():
    with open(GOLDEN + "/damaged.log", "rb") as f:
        data = f.read()
    with open(GOLDEN + "/damaged.json") as f:
        want = json.load(f)
    fs = MemFs()
    fs.dirs.append("/logs")
    fs.files["/logs/00000001.log"] = bytearray(data)
    out = []
    sc = R.Scanner()
    count, good, torn = sc.scan(
        fs, "/logs/00000001.log", 1, lambda seq, t, buf, size: out.append(decode(buf, size)))
    assert out == want["records"] == GOLDEN_RECORDS[:1] + GOLDEN_RECORDS[2:]
    assert (count, good, torn, sc.damaged) == (
        len(out), want["good_bytes"], want["torn"], want["damaged"])


def test_golden_torn_vector():
    with open(GOLDEN + "/torn.log", "rb") as f:
        data = f.read()
    with open(GOLDEN + "/torn.json") as f:
        want = json.load(f)
    recs, good, torn = _records_of(data)
    assert torn is True and want["torn"] is True
    assert recs == want["records"] == GOLDEN_RECORDS[:4]
    assert good == want["good_bytes"] < len(data)


# ---------------------------------------------------------------- records


def test_a_session_reads_back_record_by_record():
    fs = MemFs()
    write_session(L.Logbook(fs), segments=2)
    recs = read_all(fs)
    assert [r["type"] for r in recs] == ["session_start", "segment", "segment", "session_end"]
    assert [r["seq"] for r in recs] == [1, 2, 3, 4]
    assert recs[0]["routine"] == "lower-back" and recs[0]["wall_s"] == 0
    assert recs[0]["routine_crc"] == 0x1234ABCD and recs[0]["boot"] == 1
    assert recs[2] == {
        "seq": 3, "type": "segment", "version": 2, "index": 1, "kind": "hold", "outcome": "done",
        "pain": None, "start_ms": 5000, "end_ms": 10000, "planned_ms": 5000,
        "achieved_ms": 5000,
    }
    assert list(fs.files) == ["/logs/00000001.log"]


def test_a_session_lets_the_log_reader_go_and_reading_takes_it_back():
    # A session reads no record: the reader (logread.py, its block and buffer) is let go
    # when it begins, and imported again by the next read, which finds the same records.
    import sys

    fs = MemFs()
    write_session(L.Logbook(fs), segments=1)
    lb = L.Logbook(fs)  # start-up reads the last file with the reader
    assert lb._scan is not None and "logread" in sys.modules
    lb.begin_session("b", 1, 0, 1, 5000, 10000)
    assert lb._scan is None and "logread" not in sys.modules
    lb.end_session(1, 0, 1, 5000, 0, 15000)
    seqs = []
    lb.records(1, lambda seq, rtype, rec, size: seqs.append((seq, rtype, size)) or 0)
    assert "logread" in sys.modules
    assert seqs == [(1, 1, 47), (2, 2, 34), (3, 3, 30), (4, 1, 38), (5, 3, 30)]


def test_the_first_session_ends_without_reading_the_log():
    # With nothing summed up yet, the summary is saved as the first session begins, so its
    # end (while the end cue plays) finds it and reads no record: no reader is imported.
    import sys

    fs = MemFs()
    lb = L.Logbook(fs)
    assert lb.last_sessions({}) == {} and "/logs/last" not in fs.files
    lb.begin_session("a", 1, 0, 1, 5000, 0)
    assert "/logs/last" in fs.files and "logread" not in sys.modules
    lb.end_session(1, 1, 0, 5000, 0, 5000)
    assert "logread" not in sys.modules and lb._loaded and lb._upto == 0
    assert lb.save_last() and lb.last_sessions({}) == {"a": (1, 0, 0)}


def test_segments_wait_in_the_buffer_until_flush():
    fs = MemFs()
    lb = L.Logbook(fs)
    lb.begin_session("r", 1, 0, 2, 2000, 0)
    after_start = fs.written
    lb.add_segment(0, 2, 1, 0, 0, 1000, 1000, 1000)
    assert fs.written == after_start and lb.pending() == 34
    assert lb.flush() is True
    assert fs.written == after_start + 34 and lb.pending() == 0


def test_each_boot_writes_a_new_file_and_the_sequence_goes_on():
    fs = MemFs()
    write_session(L.Logbook(fs), segments=1)
    lb = L.Logbook(fs)
    assert lb.next_seq == 4 and lb.boot == 4 and lb.torn is False
    write_session(lb, segments=1)
    assert sorted(fs.files) == ["/logs/00000001.log", "/logs/00000004.log"]
    recs = read_all(fs)
    assert [r["seq"] for r in recs] == [1, 2, 3, 4, 5, 6]
    assert recs[3]["boot"] == 4
    assert [r["seq"] for r in read_all(fs, 5)] == [5, 6]


def count_records(fs):
    """How many good records there are; asserts their sequence numbers run 1, 2, 3..."""
    seen = [0]

    def take(seq, rtype, buf, size):
        seen[0] += 1
        assert seq == seen[0]

    L.Logbook(fs).records(0, take)
    return seen[0]


def test_large_files_rotate_at_a_session_start():
    fs = MemFs()
    lb = L.Logbook(fs)
    n = 0
    while len(fs.files) < 2:
        write_session(lb, segments=20)
        n += 1
        yield
    # 753-byte sessions: the 22nd takes the file past 16384 bytes, the 23rd begins a new one.
    assert n == 23
    assert sorted(fs.files) == ["/logs/00000001.log", "/logs/%08x.log" % (22 * 22 + 1)]
    assert count_records(fs) == lb.next_seq - 1 == 23 * 22


def test_a_flipped_bit_costs_its_record_alone():
    fs = MemFs()
    write_session(L.Logbook(fs), segments=3)
    data = fs.files["/logs/00000001.log"]
    data[47 + 34 + 20] ^= 4  # inside the second segment record
    recs = read_all(fs)
    assert [r["seq"] for r in recs] == [1, 2, 4, 5]
    lb = L.Logbook(fs)
    assert lb.torn is False and lb.next_seq == 6
    sc = R.Scanner()
    assert sc.scan(fs, "/logs/00000001.log", 1) == (4, len(data), False)
    assert (sc.last_seq, sc.damaged) == (5, 1)


def test_a_damaged_byte_anywhere_loses_at_most_its_record():
    # Two sessions in one file; every byte in turn set to 0xB1 (a false sync byte where it
    # was another) or inverted: the records read are all but the one it is in.
    fs = MemFs()
    lb = L.Logbook(fs)
    write_session(lb, segments=2, name="first")
    write_session(lb, segments=2, name="second", mono=90000)
    whole = bytes(fs.files["/logs/00000001.log"])
    good = read_all(fs)
    sizes = [12 + 25 + 5, 34, 34, 30, 12 + 25 + 6, 34, 34, 30]
    assert len(good) == len(sizes) == 8 and sum(sizes) == len(whole)
    owner = []
    for k in range(len(sizes)):
        owner.extend([k] * sizes[k])
    sc = R.Scanner()
    for i in range(len(whole)):
        for value in (0xB1, whole[i] ^ 0xFF):
            if value == whole[i]:
                continue
            data = bytearray(whole)
            data[i] = value
            fs.files["/logs/00000001.log"] = data
            got = []
            _count, _end, torn = sc.scan(fs, "/logs/00000001.log", 1,
                                         lambda seq, t, buf, size, got=got: got.append(decode(buf, size)))
            want = good[: owner[i]] + good[owner[i] + 1 :]
            assert got == want, (i, value)
            # The last record damaged is no different from a torn tail.
            last = owner[i] == len(sizes) - 1
            assert (sc.damaged, torn) == ((0, True) if last else (1, False)), i
        if i % 32 == 0:
            yield


def test_power_cut_at_every_byte_of_a_session():
    # A first session is on flash; the second is cut after k bytes, for every k.
    base = MemFs()
    write_session(L.Logbook(base), segments=2, name="first")
    full = base.copy()
    lb = L.Logbook(full)
    write_session(lb, segments=4, name="second")
    lb.log_error("boom", 777)
    whole = read_all(full)
    first = whole[:4]
    second = whole[4:]
    sizes = [12 + 25 + 6] + [34] * 4 + [30] + [12 + 8 + 4]
    ends = []
    total = 0
    for s in sizes:
        total += s
        ends.append(total)
    assert len(second) == len(sizes) and full.written == total
    for k in range(total + 1):
        fs = base.copy()
        fs.budget = k
        try:
            lb = L.Logbook(fs)
            write_session(lb, segments=4, name="second")
            lb.log_error("boom", 777)
            assert k == total
        except PowerCut:
            assert k < total
        fs.budget = None
        kept = 0
        while kept < len(ends) and ends[kept] <= k:
            kept += 1
        after = L.Logbook(fs)
        assert after.torn == (k not in ends and k != 0), k
        assert read_all(fs) == first + second[:kept], k
        assert after.next_seq == 5 + kept, k
        # The next boot's session is readable after whatever was cut.
        write_session(after, segments=1, name="third")
        recs = read_all(fs)
        assert recs[: 4 + kept] == first + second[:kept], k
        assert [r["seq"] for r in recs] == list(range(1, 5 + kept + 3)), k
        assert recs[-3]["routine"] == "third"
        yield


# ---------------------------------------------------------------- clock and errors


def test_clock_dates_later_sessions():
    fs = MemFs()
    lb = L.Logbook(fs)
    lb.set_clock(1800000000, 60500)
    assert lb.wall_s(60500) == 1800000000
    lb.begin_session("r", 1, 0, 1, 1000, 120700)
    recs = read_all(fs)
    assert recs[0] == {"seq": 1, "type": "clock", "boot": 1, "mono_ms": 60500,
                       "wall_s": 1800000000}
    assert recs[1]["wall_s"] == 1800000060


def test_clock_goes_on_across_the_ticks_wrap():
    # Ticks wrap at 2**30 ms (about 12 days): the wall clock does not jump back with them.
    fs = MemFs()
    lb = L.Logbook(fs)
    at = 2**30 - 1500
    lb.set_clock(1800000000, at)
    after = time.ticks_add(at, 4000)
    assert after == 2500
    assert lb.wall_s(after) == 1800000004
    lb.begin_session("r", 1, 0, 1, 1000, after)
    assert read_all(fs)[1]["wall_s"] == 1800000004
    # A day at a time for 20 days: past the range of one ticks difference (2**29 ms).
    t = at
    for day in range(1, 21):
        t = time.ticks_add(t, 86400000)
        assert lb.wall_s(t) == 1800000000 + day * 86400, day
        assert lb.wall_s(time.ticks_add(t, -90500)) == 1800000000 + day * 86400 - 91, day


def test_error_text_is_cut_and_made_plain():
    fs = MemFs()
    lb = L.Logbook(fs)
    lb.log_error("caf\u00e9\tx" + "y" * 300, 5)
    rec = read_all(fs)[0]
    assert rec["text"] == "caf??" + "?x" + "y" * 193
    assert len(rec["text"]) == L.MAX_TEXT


def test_last_sessions_per_routine():
    fs = MemFs()
    lb = L.Logbook(fs)
    write_session(lb, segments=1, mono=100, name="a")
    write_session(lb, segments=1, mono=200, name="b")
    write_session(lb, segments=1, mono=300, name="a")
    got = L.Logbook(fs).last_sessions({})
    assert got == {"a": (1, 300, 0), "b": (1, 200, 0)}


# ---------------------------------------------------------------- when last done: the summary


def summary_fields(fs, days=False):
    """The summary file: (upto, [(seq, boot, mono, wall, routine)]), checked byte by byte;
    with days=True each slot also has (day, done that day, done earlier that week, day before)."""
    data = bytes(fs.files["/logs/last"])
    upto, slots, size = struct.unpack_from("<IHH", data, 0)
    assert size == 92 and len(data) == 8 + 92 * slots + 4
    assert struct.unpack_from("<I", data, len(data) - 4)[0] == L.binascii.crc32(data[:-4])
    out = []
    for k in range(slots):
        o = 8 + 92 * k
        seq, boot, mono, wall, n = struct.unpack_from("<IIIIB", data, o)
        assert data[o + 17 + n : o + 84] == bytes(84 - 17 - n)
        assert data[o + 90 : o + 92] == bytes(2)
        slot = (seq, boot, mono, wall, data[o + 17 : o + 17 + n].decode())
        out.append(slot + (struct.unpack_from("<HBBH", data, o + 84),) if days else slot)
    return upto, out


def test_the_summary_is_saved_between_sessions_and_read_at_start_up():
    fs = MemFs()
    lb = L.Logbook(fs)
    assert lb.last_sessions({}) == {} and "/logs/last" not in fs.files
    write_session(lb, segments=2, mono=100, name="a")
    lb.set_clock(1800000000, 150000)
    write_session(lb, segments=1, mono=200000, name="bb")
    assert lb.save_last() is True
    assert summary_fields(fs) == (
        8, [(1, 1, 100, 0, "a"), (6, 1, 200000, 1800000050, "bb")]
    )
    assert "/logs/last.tmp" not in fs.files
    # The next boot reads the summary and no log file at all.
    again = L.Logbook(fs)
    reads = []
    opener = fs.open

    def spy(path, mode):
        reads.append(path)
        return opener(path, mode)

    fs.open = spy
    assert again.last_sessions({}) == {"a": (1, 100, 0), "bb": (1, 200000, 1800000050)}
    assert reads == ["/logs/last"]
    fs.open = opener
    write_session(again, segments=1, mono=5, name="a")
    assert again.last_sessions({})["a"] == (9, 5, 0)


def test_records_after_the_summary_are_read_and_the_summary_caught_up():
    fs = MemFs()
    lb = L.Logbook(fs)
    write_session(lb, segments=1, mono=100, name="a")
    lb.save_last()
    write_session(lb, segments=1, mono=200, name="b")  # power off before the next save
    later = L.Logbook(fs)
    write_session(later, segments=1, mono=300, name="a")  # never saved either
    last = L.Logbook(fs)
    assert last.last_sessions({}) == {"a": (7, 300, 0), "b": (1, 200, 0)}
    assert summary_fields(fs) == (9, [(7, 7, 300, 0, "a"), (4, 1, 200, 0, "b")])


def test_a_missing_damaged_or_foreign_summary_is_rebuilt_from_the_log():
    fs = MemFs()
    lb = L.Logbook(fs)
    write_session(lb, segments=1, mono=100, name="a")
    write_session(lb, segments=1, mono=200, name="b")
    lb.save_last()
    good = bytes(fs.files["/logs/last"])
    want = {"a": (1, 100, 0), "b": (1, 200, 0)}
    for k in range(len(good)):
        bad = bytearray(good)
        bad[k] ^= 0x20
        fs.files["/logs/last"] = bad
        assert L.Logbook(fs).last_sessions({}) == want, k
        assert bytes(fs.files["/logs/last"]) == good, k
        yield
    for cut in range(len(good)):
        fs.files["/logs/last"] = bytearray(good[:cut])
        assert L.Logbook(fs).last_sessions({}) == want, cut
        assert bytes(fs.files["/logs/last"]) == good, cut
        yield
    # A summary ahead of the log (it came from another one) is not believed.
    ahead = bytearray(good)
    ahead[0] = 200
    struct.pack_into("<I", ahead, len(ahead) - 4, L.binascii.crc32(bytes(ahead[:-4])))
    fs.files["/logs/last"] = ahead
    assert L.Logbook(fs).last_sessions({}) == want
    assert bytes(fs.files["/logs/last"]) == good
    del fs.files["/logs/last"]
    assert L.Logbook(fs).last_sessions({}) == want
    assert bytes(fs.files["/logs/last"]) == good


def test_a_power_cut_while_saving_the_summary_leaves_the_old_one():
    base = MemFs()
    lb = L.Logbook(base)
    write_session(lb, segments=1, mono=100, name="a")
    lb.save_last()
    write_session(lb, segments=1, mono=200, name="b")
    old = bytes(base.files["/logs/last"])
    size = len(old) + 92
    for k in range(size + 1):
        fs = base.copy()
        lb = L.Logbook(fs)
        lb.last_sessions({})  # the summary is loaded (and behind: it is saved)
        fs.files["/logs/last"] = bytearray(old)
        fs.budget = k
        try:
            lb.save_last()
            assert k == size
        except PowerCut:
            assert k < size
        fs.budget = None
        after = L.Logbook(fs)
        assert after.last_sessions({}) == {"a": (1, 100, 0), "b": (1, 200, 0)}, k
        assert "/logs/last.tmp" not in fs.files
        yield


def test_nothing_is_saved_while_records_wait_and_a_full_flash_keeps_the_old_summary():
    fs = MemFs()
    lb = L.Logbook(fs)
    write_session(lb, segments=1, mono=100, name="a")
    lb.save_last()
    old = bytes(fs.files["/logs/last"])
    lb.begin_session("b", 1, 0, 2, 2000, 300)
    lb.add_segment(0, 2, 1, 0, 0, 1000, 1000, 1000)
    assert lb.save_last() is False and bytes(fs.files["/logs/last"]) == old
    lb.end_session(1, 1, 0, 1000, 0, 1300)
    fs.capacity = fs.used() + 100
    assert lb.save_last() is False
    assert bytes(fs.files["/logs/last"]) == old and "/logs/last.tmp" not in fs.files
    fs.capacity = 1 << 20
    assert lb.save_last() is True
    assert L.Logbook(fs).last_sessions({}) == {"a": (1, 100, 0), "b": (1, 300, 0)}


def test_a_session_start_still_in_the_buffer_is_counted():
    fs = MemFs(capacity=30)
    lb = L.Logbook(fs)
    lb.begin_session("a", 1, 0, 1, 1000, 700)
    assert lb.write_failed is True and lb.pending() == 38
    assert lb.last_sessions({}) == {"a": (1, 700, 0)}


def test_the_summary_keeps_the_routines_done_last():
    fs = MemFs()
    lb = L.Logbook(fs)
    lb.last_sessions({})
    for i in range(L.MAX_ROUTINES + 3):
        lb.begin_session("r%d" % i, 1, 0, 0, 0, i)
        if i == 5:
            lb.begin_session("r0", 1, 0, 0, 0, 99)
    got = lb.last_sessions({})
    assert len(got) == L.MAX_ROUTINES
    want = {"r0": (1, 99, 0)}
    for i in range(4, L.MAX_ROUTINES + 3):
        if i != 0:
            want["r%d" % i] = (1, i, 0)
    assert got == want
    lb.save_last()
    assert L.Logbook(fs).last_sessions({}) == want
    del fs.files["/logs/last"]
    assert L.Logbook(fs).last_sessions({}) == want


def test_acknowledged_files_removed_do_not_forget_when_last_done():
    fs = MemFs()
    lb = L.Logbook(fs)
    write_session(lb, segments=1, mono=100, name="a")
    lb.save_last()
    lb = L.Logbook(fs)
    write_session(lb, segments=1, mono=200, name="b")
    lb.save_last()
    lb.ack(6)
    assert sorted(fs.files) == ["/logs/00000004.log", "/logs/acked", "/logs/last"]
    assert L.Logbook(fs).last_sessions({}) == {"a": (1, 100, 0), "b": (4, 200, 0)}


# ---------------------------------------------------------------- sync watermark and space


def test_the_log_files_are_listed_once_and_kept_as_the_logbook_makes_and_removes_them():
    fs = MemFs()
    write_session(L.Logbook(fs), segments=1)  # seq 1..3, file 1
    write_session(L.Logbook(fs), segments=1)  # seq 4..6, file 4
    listed = []
    real = fs.listdir

    def listing(path):
        listed.append(path)
        return real(path)

    fs.listdir = listing
    lb = L.Logbook(fs)
    assert listed == ["/logs"]

    def seqs():
        out = []
        lb.records(1, lambda seq, rtype, rec, size: out.append(seq))
        return out

    assert seqs() == [1, 2, 3, 4, 5, 6]
    write_session(lb, segments=1)  # a new file, 7
    assert seqs() == list(range(1, 10)) and listed == ["/logs"]
    lb.ack(5)  # file 1 removed: listed again once
    assert seqs() == list(range(4, 10))
    assert sorted(fs.files) == ["/logs/00000004.log", "/logs/00000007.log", "/logs/acked"]
    assert listed == ["/logs", "/logs"]
    assert seqs() == list(range(4, 10)) and len(listed) == 2


def test_ack_persists_and_reclaims_only_acknowledged_files():
    fs = MemFs()
    write_session(L.Logbook(fs), segments=1)  # seq 1..3, file 1
    write_session(L.Logbook(fs), segments=1)  # seq 4..6, file 4
    lb = L.Logbook(fs)
    write_session(lb, segments=1)  # seq 7..9, file 7
    assert lb.unsynced() == 9
    lb.ack(5)
    assert lb.acked == 5 and lb.unsynced() == 4
    assert sorted(fs.files) == ["/logs/00000004.log", "/logs/00000007.log", "/logs/acked"]
    lb.ack(9)
    assert sorted(fs.files) == ["/logs/00000007.log", "/logs/acked"]
    again = L.Logbook(fs)
    assert again.acked == 9 and again.unsynced() == 0 and again.next_seq == 10
    lb.ack(3)
    assert lb.acked == 9
    lb.ack(50)
    assert lb.acked == 9


def test_power_cut_while_acknowledging():
    base = MemFs()
    lb = L.Logbook(base)
    write_session(lb, segments=3)
    lb.ack(2)
    # Slot 1 written next, then slot 0 again (over the 2): a cut at any byte of either
    # keeps the value before it.
    for before, seq in ((2, 3), (3, 4), (4, 5)):
        for k in range(9):
            fs = base.copy()
            fs.budget = k
            try:
                L.Logbook(fs).ack(seq)
            except PowerCut:
                pass
            fs.budget = None
            assert L.Logbook(fs).acked == (seq if k == 8 else before), (seq, k)
            # Slot 1 grows the file, as far as the cut let it; the next writes go over.
            assert len(fs.files["/logs/acked"]) == (8 + k if seq == 3 else 16)
            yield  # the logbooks' buffers collected before the next two
        L.Logbook(base).ack(seq)
    assert L.Logbook(base).acked == 5


def test_the_watermark_takes_its_highest_good_slot():
    fs = MemFs()
    lb = L.Logbook(fs)
    write_session(lb, segments=8)
    assert "/logs/acked" not in fs.files and lb.acked == 0
    lb.ack(3)
    assert len(fs.files["/logs/acked"]) == 8  # slot 0 alone, as firmware before wrote it
    lb.ack(5)
    lb.ack(7)
    raw = fs.files["/logs/acked"]
    assert struct.unpack("<II", raw[:8])[0] == 7 and struct.unpack("<II", raw[8:])[0] == 5
    assert L.Logbook(fs).acked == 7
    raw[1] ^= 0x40  # slot 0 spoilt: slot 1 holds what came before it
    assert L.Logbook(fs).acked == 5
    raw[9] ^= 0x40  # both spoilt: nothing acknowledged, and the next write goes to slot 0
    again = L.Logbook(fs)
    assert again.acked == 0
    again.ack(6)
    assert L.Logbook(fs).acked == 6 and struct.unpack("<II", raw[:8])[0] == 6
    del fs.files["/logs/acked"]  # gone behind its back: written anew
    again.ack(8)
    assert len(fs.files["/logs/acked"]) == 8 and L.Logbook(fs).acked == 8
    fs.files["/logs/acked.tmp"] = bytearray(8)  # left by a firmware that renamed
    assert L.Logbook(fs).acked == 8 and "/logs/acked.tmp" not in fs.files


def test_sync_me_when_flash_is_low_and_nothing_unsynced_is_removed():
    fs = MemFs(capacity=24 * 1024, block=1024)
    lb = L.Logbook(fs)
    need = lb.bytes_for(50)
    assert need == 12 + 25 + 64 + 50 * 34 + 30 + L.RESERVE_BYTES
    sessions = 0
    while lb.room_for(50):
        write_session(lb, segments=50)
        lb = L.Logbook(fs)  # one session per boot: one file each
        sessions += 1
        yield
    # 1773-byte sessions in 24 KB, free space counted in whole 1 KB blocks, while 10019
    # bytes (8 KB of it reserve) stay free: after 8 sessions 10240 bytes are free, after 9
    # only 8192.
    assert sessions == 9
    before = sorted(fs.files)
    assert lb.room_for(50) is False
    assert sorted(fs.files) == before
    assert count_records(fs) == sessions * 52
    yield
    lb.ack(52 * 4)
    assert lb.room_for(50) is True
    assert lb.unsynced() == (sessions - 4) * 52
    assert len(fs.files) == sessions - 4 + 1  # and the acked file
    assert "/logs/%08x.log" % (52 * 4 + 1) in fs.files


def test_a_failed_write_keeps_earlier_records_and_moves_on():
    fs = MemFs(capacity=120)
    lb = L.Logbook(fs)
    lb.begin_session("r", 1, 0, 9, 9000, 0)
    for i in range(4):
        lb.add_segment(i, 2, 1, 0, 0, 1000, 1000, 1000)
        lb.flush()
    assert lb.write_failed is True
    fs.capacity = 10000
    assert lb.flush() is True and lb.write_failed is False
    recs = read_all(fs)
    assert [r["seq"] for r in recs] == [1, 2, 3, 4, 5]
    assert sorted(fs.files) == ["/logs/00000001.log", "/logs/00000004.log"]



def test_a_failed_first_write_to_a_file_is_written_again_whole():
    # The file it began holds only a torn copy of what is still buffered: written anew,
    # not appended to (after torn bytes every record would be unreadable, and the next
    # start-up would remove the file as empty).
    fs = MemFs(capacity=30)
    lb = L.Logbook(fs)
    lb.begin_session("r", 1, 0, 9, 9000, 0)
    assert lb.write_failed is True and len(fs.files["/logs/00000001.log"]) == 30
    fs.capacity = 10000
    lb.add_segment(0, 2, 1, 0, 0, 1000, 1000, 1000)
    assert lb.flush() is True
    assert sorted(fs.files) == ["/logs/00000001.log"]
    assert len(fs.files["/logs/00000001.log"]) == (8 + 26 + 4) + (8 + 22 + 4)
    assert [r["seq"] for r in read_all(fs)] == [1, 2]
    assert L.Logbook(fs).next_seq == 3



def test_records_cut_in_a_failed_write_are_read_once():
    # A write of two records that fails after the first: that one is good in the old file
    # and is written again at the head of the next; it is read back once.
    fs = MemFs(capacity=(8 + 26 + 4) + (8 + 22 + 4) + 10)
    lb = L.Logbook(fs)
    lb.begin_session("r", 1, 0, 9, 9000, 0)
    lb.add_segment(0, 2, 1, 0, 0, 1000, 1000, 1000)
    lb.add_segment(1, 2, 1, 0, 1000, 2000, 1000, 1000)
    assert lb.flush() is False
    fs.capacity = 10000
    assert lb.flush() is True
    assert sorted(fs.files) == ["/logs/00000001.log", "/logs/00000002.log"]
    recs = read_all(fs)
    assert [r["seq"] for r in recs] == [1, 2, 3]
    assert [r["start_ms"] for r in recs[1:]] == [0, 1000]
    assert [r["seq"] for r in read_all(fs, 2)] == [2, 3]


# ---------------------------------------------------------------- start-up memory


def write_log(root, sessions):
    """sessions of 30 segments on the real file system under root, over 5 boots (one file
    each), each boot setting the clock first."""
    per_boot = sessions // 5
    lb = None
    for i in range(sessions):
        b = i // per_boot
        if i % per_boot == 0:
            lb = L.Logbook(root=root)
            lb.set_clock(1800000000 + 100000 * b, 1000)
        write_session(lb, segments=30, mono=2000 + 10 * i, name="routine-%d" % (i % 3))
        yield


def start_up(root):
    return L.Logbook(root=root).last_sessions({})


def test_start_up_memory_does_not_grow_with_the_log():
    import os

    if not hasattr(gc, "mem_alloc"):
        # Once first, so what CPython sets up on first use is not counted below.
        allocated(start_up, scratch_dir("startup-memory-0") + "/logs")
    used = []
    for sessions in (5, 50):
        root = scratch_dir("startup-memory-%d" % sessions) + "/logs"
        yield from write_log(root, sessions)
        per_boot = sessions // 5
        records = 1 + 32 * per_boot
        assert L.Logbook(root=root).next_seq == 5 * records + 1
        assert len(os.listdir(root)) == 5
        want = {}
        for i in range(sessions - 3, sessions):
            b = i // per_boot
            want["routine-%d" % (i % 3)] = (1 + records * b, 2000 + 10 * i,
                                            1800000001 + 100000 * b)
        yield
        rebuild, got = allocated(start_up, root)  # no summary: the whole log is read
        assert got == want
        assert summary_fields(_Disk(root))[0] == 5 * records
        yield
        normal, got = allocated(start_up, root)  # the summary, and the last file
        assert got == want
        yield
        used.append((rebuild, normal))
        print("%d sessions (%d records): rebuild %d bytes, start-up %d bytes"
              % (sessions, 5 * records, rebuild, normal))
    # 1605 records or 165, in five files each: 1440 more records cost less than 256 bytes
    # (before the summary and the scanner, each record cost 32 or more under MicroPython).
    # CPython's figure is a peak of live objects, among them the few numbers a scan holds
    # at once (sequence numbers, counts, positions), each an object of 32 bytes once it
    # passes 256, as in the larger log: a dozen of them more there.
    slack = 256 if hasattr(gc, "mem_alloc") else 512
    assert used[1][0] < used[0][0] + slack
    assert used[1][1] < used[0][1] + slack


class _Disk:
    """summary_fields() on a real directory."""

    def __init__(self, root):
        with open(root + "/last", "rb") as f:
            self.files = {"/logs/last": f.read()}


# ---------------------------------------------------------------- the days sessions were done

_MONDAY = 20829  # 2027-01-11, days since 1970-01-01


def _at_day(lb, day, hour_min, mono):
    """Tell the logbook it is `hour_min` minutes after UTC midnight of `day` at ticks `mono`."""
    lb.know_time(day * 86400 + hour_min * 60, mono)


def test_completed_sessions_count_on_the_local_day_of_their_start():
    fs = MemFs()
    lb = L.Logbook(fs)
    assert lb.set_zone(60) is True and bytes(fs.files["/logs/zone"]) == b"60"
    lb.last_sessions({})
    _at_day(lb, _MONDAY, 600, 0)
    write_session(lb, segments=1, mono=0, name="a")
    write_session(lb, segments=1, mono=10000, name="a")
    lb.begin_session("a", 1, 0, 1, 5000, 20000)
    lb.end_session(2, 0, 1, 5000, 0, 25000)  # stopped: not counted
    _at_day(lb, _MONDAY + 2, 23 * 60 + 30, 30000)  # 00:30 on Thursday, local time
    write_session(lb, segments=1, mono=30000, name="a")
    write_session(lb, segments=1, mono=40000, name="b")
    lb.save_last()
    thursday = _MONDAY + 3
    assert summary_fields(fs, days=True)[1] == [
        (9, 1, 30000, (_MONDAY + 2) * 86400 + 84600, "a", (thursday, 1, 2, _MONDAY)),
        (12, 1, 40000, (_MONDAY + 2) * 86400 + 84610, "b", (thursday, 1, 0, 0)),
    ]
    rebuilt = fs.copy()
    del rebuilt.files["/logs/last"]
    for book in (lb, L.Logbook(fs), L.Logbook(rebuilt)):
        assert book.zone_s == 3600
        assert book.done_on("a", thursday) and (book.q_today, book.q_week, book.q_before) == (
            1, 2, _MONDAY)
        assert book.done_on("a", thursday + 1)
        assert (book.q_today, book.q_week, book.q_before) == (0, 3, thursday)
        assert book.done_on("a", _MONDAY + 7)  # the next week
        assert (book.q_today, book.q_week, book.q_before) == (0, 0, thursday)
        assert book.done_on("a", _MONDAY) and (book.q_today, book.q_week) == (0, 0)
        assert not book.done_on("c", thursday) and (book.q_today, book.q_week, book.q_before) == (
            0, 0, 0)
        assert book.started_on(thursday) and not book.started_on(_MONDAY + 2)
        assert book.done_on_day(_MONDAY) and book.done_on_day(thursday)
        assert not book.done_on_day(_MONDAY + 1)


def test_sessions_without_a_known_time_count_on_no_day():
    fs = MemFs()
    lb = L.Logbook(fs)
    lb.last_sessions({})
    write_session(lb, segments=1, mono=0, name="a")
    assert lb.done_on("a", 20000) and (lb.q_today, lb.q_week, lb.q_before) == (0, 0, 0)
    assert not lb.started_on(20000) and not lb.done_on_day(20000)


def test_the_zone_is_kept_and_a_bad_one_refused():
    fs = MemFs()
    lb = L.Logbook(fs)
    assert lb.zone_s == 0 and lb.local_day(0) == 0 and lb.local_s(0) == 0
    assert lb.set_zone(-300) and L.Logbook(fs).zone_s == -18000
    assert lb.set_zone(1081) is False and lb.zone_s == -18000
    assert lb.set_zone(-1081) is False
    fs.files["/logs/zone"] = bytearray(b"x1")
    assert L.Logbook(fs).zone_s == 0
    fs.files["/logs/zone"] = bytearray(b"2000")
    assert L.Logbook(fs).zone_s == 0
    fs.files["/logs/zone.tmp"] = bytearray(b"7")
    L.Logbook(fs)
    assert "/logs/zone.tmp" not in fs.files
    lb.know_time(86400 * 3 + 3600 * 4, 0)  # 04:00 UTC on day 3 is 23:00 on day 2 at -5 h
    assert lb.local_day(lb.wall_s(0)) == 2 and lb.local_s(0) == 86400 * 3 - 3600


def test_a_session_lets_the_summary_go_and_notes_itself_at_its_end():
    # A session reads no summary: its 3 KB image and its code (lastdone) are let go when
    # it begins, the summary saved first, and read again with the session noted at its end.
    import sys

    fs = MemFs()
    lb = L.Logbook(fs)
    _at_day(lb, _MONDAY, 600, 0)
    write_session(lb, segments=1, mono=0, name="a")
    assert lb.save_last()
    lb.begin_session("b", 1, 0, 1, 5000, 10000)
    assert lb._sum is None and "lastdone" not in sys.modules
    cut = fs.copy()  # the power cut mid-session: the start is in the log, not the summary
    lb.add_segment(0, 2, 1, 255, 0, 5000, 5000, 5000)
    lb.end_session(1, 1, 0, 5000, 0, 15000)
    assert lb._sum is not None and lb.save_last()
    for book in (lb, L.Logbook(fs)):
        assert sorted(book.last_sessions({})) == ["a", "b"]
        assert book.done_on("b", _MONDAY) and book.q_today == 1
    again = L.Logbook(cut)
    assert again.last_sessions({})["b"] == (1, 10000, _MONDAY * 86400 + 36010)
    assert again.done_on("b", _MONDAY) and again.q_today == 0  # begun, not completed
    yield
