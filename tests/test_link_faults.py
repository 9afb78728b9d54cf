"""Sync and push through a serial proxy that drops, corrupts, duplicates and delays bytes:
afterwards the database and the device agree, with nothing lost and nothing doubled."""

from __future__ import annotations

import pytest
from backbeat.device.link import LinkClient, LinkError
from backbeat.device.serialport import SerialPort
from backbeat.device.sync import SyncError, sync_device
from backbeat.store import Store
from linkrig import OTHER, PtyDevice
from serialproxy import Faults, SerialProxy

NOW = 1_800_000_000


def _device_records(dev: PtyDevice) -> list[bytes]:
    out: list[bytes] = []
    dev.logbook.records(0, lambda seq, rtype, buf, size: out.append(bytes(buf[:size])))
    return out


def _stored(db: Store) -> list[bytes]:
    return [bytes(r[0]) for r in db.db.execute("SELECT raw FROM records ORDER BY epoch, seq")]


@pytest.mark.parametrize("seed", range(6))
def test_sync_through_a_faulty_line(tmp_path, seed):
    dev = PtyDevice()
    for i in range(4):
        dev.session(segments=12, name=f"r{i}")
    before = _device_records(dev)
    proxy = SerialProxy(dev.path, Faults(drop=0.001, corrupt=0.001, duplicate=0.001,
                                         delay_s=0.002), seed)
    try:
        with Store(tmp_path / "f.db") as db:
            attempts = 0
            while True:
                attempts += 1
                try:
                    with SerialPort(proxy.path) as port:
                        sync_device(LinkClient(port, timeout=0.3, tries=6), db, NOW,
                                    read_bytes=900)
                    break
                except (LinkError, SyncError):
                    assert attempts < 5  # a retry of the whole sync is what a person would do
            stored = _stored(db)
            # Every record of the sessions once, then this start's clock record.
            assert stored[: len(before)] == before
            assert len(stored) == len(before) + 1 and stored[-1][1] == 5
            assert dev.logbook.acked == len(stored)
            assert [len(s.segments) for s in db.sessions()] == [12, 12, 12, 12]
        assert sum(proxy.injected.values()) > 0
    finally:
        proxy.close()
        dev.close()


@pytest.mark.parametrize("seed", range(3))
def test_push_through_a_faulty_line(seed):
    dev = PtyDevice()
    proxy = SerialProxy(dev.path, Faults(drop=0.001, corrupt=0.001, duplicate=0.001), seed)
    try:
        for _ in range(4):
            try:
                with SerialPort(proxy.path) as port:
                    LinkClient(port, timeout=0.3, tries=6).push("wall-sit", bytes(OTHER))
                break
            except LinkError:
                continue
        assert bytes(dev.fs.files["/routines/wall-sit.bbr"]) == bytes(OTHER)
        assert [e.stem for e in dev.app.entries] == ["easy", "wall-sit"]
        assert not [k for k in dev.fs.files if k.endswith(".tmp")]
    finally:
        proxy.close()
        dev.close()


def test_cut_cable_mid_sync_then_resume(tmp_path):
    dev = PtyDevice()
    for i in range(6):
        dev.session(segments=20, name=f"r{i}")
    before = _device_records(dev)
    proxy = SerialProxy(dev.path, Faults(), 0)
    try:
        with Store(tmp_path / "c.db") as db:
            port = SerialPort(proxy.path)
            client = LinkClient(port, timeout=0.3)
            hello = client.hello(NOW)
            records, last, _next = client.read(1, 1500)
            db.add_records(hello.uid, 0, records)
            proxy.cut()
            with pytest.raises(LinkError):
                client.ack(last)
            port.close()
            assert dev.logbook.acked == 0 and 0 < len(_stored(db)) < len(before)
            started = db.session_count()
            with SerialPort(dev.path) as direct:
                res = sync_device(LinkClient(direct), db, NOW)
            assert _stored(db) == before + _device_records(dev)[-1:]
            assert started == 3 and res.new_sessions == 3
            assert len(db.sessions()) == 6
    finally:
        proxy.close()
        dev.close()


def test_the_link_answers_at_once_after_a_megabyte_of_noise():
    # Random bytes (no Ctrl-C, which stops the app by design) written through the pty as a
    # USB port takes them, the device reading as fast as it can: the noise's lines get
    # "bad frame" answers, and the HELLO right after it is answered within half a second.
    import random
    import time

    rnd = random.Random(14)
    noise = bytes(rnd.getrandbits(8) for _ in range(1 << 20)).replace(b"\x03", b"\x02")
    dev = PtyDevice()
    try:
        with SerialPort(dev.path) as sp:
            client = LinkClient(sp)
            uid = client.hello(NOW).uid
            for k in range(0, len(noise), 4096):
                sp.write(noise[k : k + 4096])
                sp.read_some(0.001)  # the answers to noise are read, as a port's are
            assert dev.link.bad_frames > 1000
            t0 = time.monotonic()
            assert client.hello(NOW).uid == uid
            assert time.monotonic() - t0 < 0.5
    finally:
        dev.close()
