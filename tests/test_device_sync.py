"""Sync from the firmware (under CPython, over a pseudo-terminal) into the store: idempotent,
resumable after a cut at any point, acknowledged only after the commit."""

from __future__ import annotations

import pytest
from backbeat.codec.logrec import decode_record
from backbeat.device.link import LinkClient
from backbeat.device.serialport import PortError, SerialPort
from backbeat.device.sync import SyncError, sync_device
from backbeat.store import Store
from linkrig import PtyDevice

NOW = 1_800_000_000


class CutPort:
    """A serial port that goes away once `budget` bytes have come from the device."""

    def __init__(self, port: SerialPort, budget: int | None = None) -> None:
        self.port = port
        self.name = port.name
        self.budget = budget
        self.seen = 0
        self.lines: list[int] = []  # byte counts at which a line ended

    def write(self, data: bytes) -> None:
        if self.budget is not None and self.seen >= self.budget:
            raise PortError(f"{self.name} went away while writing")
        self.port.write(data)

    def read_some(self, wait_s: float) -> bytes:
        if self.budget is not None and self.seen >= self.budget:
            raise PortError(f"{self.name} went away while reading")
        data = self.port.read_some(wait_s)
        if self.budget is not None:
            data = data[: self.budget - self.seen]
        for i, b in enumerate(data):
            if b == 10:
                self.lines.append(self.seen + i + 1)
        self.seen += len(data)
        return data


def _sync(dev: PtyDevice, db: Store, budget: int | None = None, read_bytes: int = 300):
    port = SerialPort(dev.path)
    cut = CutPort(port, budget)
    try:
        client = LinkClient(cut, timeout=0.5)
        return sync_device(client, db, NOW, read_bytes=read_bytes), cut
    finally:
        port.close()


@pytest.fixture
def dev():
    d = PtyDevice()
    yield d
    d.close()


def _raw_records(dev: PtyDevice) -> list[bytes]:
    out: list[bytes] = []
    dev.logbook.records(0, lambda seq, rtype, buf, size: out.append(bytes(buf[:size])))
    return out


def _stored(db: Store, uid: str) -> list[bytes]:
    rows = db.db.execute("SELECT raw FROM records WHERE uid = ? ORDER BY epoch, seq", (uid,))
    return [bytes(r[0]) for r in rows]


def test_sync__of_another_device_than_the_last_passes_over_the_read_sent_ahead(dev, tmp_path):
    dev.session(segments=2)
    other = PtyDevice()
    try:
        other.machine.uid = b"\x01" * 8
        for _ in range(3):
            other.session(segments=1)
        with Store(tmp_path / "b.db") as db:
            first, _ = _sync(dev, db, read_bytes=4096)  # the READ that went ahead, from 1
            # HELLO, READ, GET_ROUTINE (a routine neither has), ACK
            assert (first.new_records, first.round_trips, first.missing) == (
                5, 4, ["easy (1234abcd)"])
            second, _ = _sync(other, db, read_bytes=4096)  # ahead as for the first: wrong
            assert (second.uid, second.new_records) == ("01" * 8, 10)
            assert second.round_trips == 5  # HELLO, that READ, the right one, GET_ROUTINE, ACK
            assert _stored(db, second.uid) == _raw_records(other)
            assert _sync(other, db, read_bytes=4096)[0].round_trips == 2  # HELLO, READ
    finally:
        other.close()


def test_sync__everything_once_then_nothing(dev, tmp_path):
    dev.session(segments=2)
    dev.session(segments=3, name="other")
    with Store(tmp_path / "b.db") as db:
        first, _ = _sync(dev, db)
        assert (first.new_records, first.new_sessions) == (10, 2)  # clock + 4 + 5 records
        assert first.acked == 10 and dev.logbook.acked == 10
        assert _stored(db, first.uid) == _raw_records(dev)
        again, _ = _sync(dev, db)
        assert (again.new_records, again.new_sessions, again.round_trips) == (0, 0, 2)
        sessions = db.sessions()
        assert [(s.routine_id, s.ending, len(s.segments), s.done) for s in sessions] == [
            ("easy", "completed", 2, 2), ("other", "completed", 3, 3)]


def test_sync__sessions_dated_from_the_clock_record(dev, tmp_path):
    dev.session(segments=1)  # before the clock is set: wall_s 0 on the device
    with Store(tmp_path / "b.db") as db:
        res, _ = _sync(dev, db)
        (raw,) = db.db.execute("SELECT raw FROM records WHERE type = 5").fetchone()
        clock_mono = decode_record(bytes(raw))["mono_ms"]
        (s,) = db.sessions()
        # The session started at ticks 1000; the clock record says ticks clock_mono is NOW.
        assert s.start_s == NOW + round((1000 - clock_mono) / 1000)
        assert res.new_sessions == 1


def test_sync__a_session_running_is_not_interrupted(dev, tmp_path):
    with dev.lock:
        assert dev.app.start(dev.app.entries[0], dev.now_ms())
    with Store(tmp_path / "b.db") as db, pytest.raises(SyncError) as e:
        _sync(dev, db)
    assert str(e.value) == "a session is running on the device: sync again once it has ended"


def test_sync__a_wiped_device_log_starts_a_new_epoch(dev, tmp_path):
    dev.session(segments=2)
    with Store(tmp_path / "b.db") as db:
        first, _ = _sync(dev, db)
        # The same device with its /logs wiped and one shorter session since.
        for k in [k for k in dev.fs.files if k.startswith("/logs/")]:
            del dev.fs.files[k]
        with dev.lock:
            dev.logbook.__init__(dev.fs)
            dev.logbook.wall_offset_s = 0
        dev.session(segments=1, name="after")
        res, _ = _sync(dev, db)
        assert res.epoch == 1 and res.new_records == 4
        assert [s.routine_id for s in db.sessions()] == ["easy", "after"]
        assert db.record_count() == first.new_records + 4


def test_sync__same_numbers_other_bytes_is_a_new_epoch(dev, tmp_path):
    dev.session(segments=2)
    with Store(tmp_path / "b.db") as db:
        _sync(dev, db)
        for k in [k for k in dev.fs.files if k.startswith("/logs/")]:
            del dev.fs.files[k]
        with dev.lock:
            dev.logbook.__init__(dev.fs)
            dev.logbook.wall_offset_s = 0
        dev.session(segments=3, name="longer")  # seq 1..5, past the 5 the database holds
        res, _ = _sync(dev, db)
        assert res.epoch == 1
        assert [s.routine_id for s in db.sessions()] == ["easy", "longer"]


def test_sync__cut_anywhere_loses_and_doubles_nothing(tmp_path):
    setup = PtyDevice()
    try:
        for i in range(3):
            setup.session(segments=6, name=f"r{i}")
        fs = setup.fs.copy()
        orig = _raw_records(setup)
        with Store(tmp_path / "probe.db") as db:
            _res, probe = _sync(setup, db)
        ends = probe.lines
    finally:
        setup.close()
    # Cut right after each line the device sent, in the middle of each, and every 50 bytes,
    # up to the last line (once it has arrived the sync is over).
    cuts = sorted(set(ends[:-1]) | {(a + b) // 2 for a, b in zip([0] + ends, ends, strict=False)}
                  | set(range(1, ends[-1], 50)))
    # 7 lines: HELLO, the READs of 300 bytes, the GET_ROUTINE for the routine the sessions
    # ran (the device has none of that CRC), and one ACK once all are stored.
    assert len(ends) == 7 and len(cuts) == 40
    for n, cut in enumerate(cuts):
        dev = PtyDevice(fs.copy())
        try:
            with Store(tmp_path / f"cut{n}.db") as db:
                with pytest.raises(PortError):
                    _sync(dev, db, budget=cut)
                stored = db.db.execute("SELECT MAX(seq) FROM records").fetchone()[0] or 0
                assert dev.logbook.acked <= stored  # never acknowledged before the commit
                res, _ = _sync(dev, db)
                # The records of the sessions, then the clock record this start of the device
                # wrote (acknowledged files were removed from the device).
                clock = [r for r in _raw_records(dev) if int.from_bytes(r[4:8], "little") > 24]
                assert len(orig) == 24 and len(clock) == 1
                assert _stored(db, res.uid) == orig + clock
                assert dev.logbook.acked == 25
                assert [s.routine_id for s in db.sessions()] == ["r0", "r1", "r2"]
                assert all(len(s.segments) == 6 for s in db.sessions())
        finally:
            dev.close()


def test_sync__fetches_the_routine_a_session_ran_then_a_replaced_one_from_those_kept(dev, tmp_path):
    import zlib

    from linkrig import EASY, OTHER

    crc = zlib.crc32(EASY[:-4])
    with dev.lock:
        dev.logbook.begin_session("easy", crc, 0, 2, 7000, 1000)
        dev.logbook.end_session(1, 2, 0, 7000, 0, 8000)
        # A new version of the routine arrives before the sync (the device keeps the old one).
        import retain

        retain.save(dev.fs, "/routines/easy.bbr", bytearray(64), False)
        dev.fs.files["/routines/easy.bbr"] = bytearray(OTHER)
    with Store(tmp_path / "f.db") as db:
        res, _ = _sync(dev, db)
        assert (res.fetched, res.missing) == ([f"easy ({crc:08x})"], [])
        (s,) = db.sessions()
        assert (s.routine_found, s.routine_name) == (True, "Easy")
        assert db.routine(crc).origin == "device"
    assert dev.fs.listdir("/kept") == []  # acknowledged: the device let it go


def test_sync__a_routine_nowhere_is_said_and_the_session_stored(dev, tmp_path):
    dev.session(segments=1)  # it ran a routine of CRC 1234abcd, which the device lacks
    with Store(tmp_path / "m.db") as db:
        res, _ = _sync(dev, db)
        assert (res.new_sessions, res.fetched, res.missing) == (1, [], ["easy (1234abcd)"])
        assert db.sessions()[0].routine_found is False


def test_sync__a_few_sessions_in_one_read(dev, tmp_path):
    # 6 KB of log (5 sessions of one routine): HELLO, one READ of 16 KB, GET_ROUTINE for
    # the routine the archive lacks, one ACK (4 KB READs took two more round trips).
    for _ in range(5):
        dev.session(segments=30)
    size = sum(len(r) for r in _raw_records(dev))
    assert 4096 < size < 8192
    with Store(tmp_path / "b.db") as db, SerialPort(dev.path) as port:
        client = LinkClient(port)
        result = sync_device(client, db, NOW)
        assert (result.new_sessions, result.acked, client.round_trips) == (5, 161, 4)
