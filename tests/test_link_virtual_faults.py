"""Fault injection against the virtual device (the firmware in real MicroPython): a serial
proxy that damages bytes, and cuts at every phase of flash and sync. Afterwards the
database and the device agree, nothing lost, nothing doubled; the device always boots an
app with one complete routine set, the old or the new."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from backbeat.compiling import compile_files
from backbeat.device import flasher as F
from backbeat.device.link import LinkClient, LinkError
from backbeat.device.serialport import SerialPort
from backbeat.device.sync import SyncError, sync_device
from backbeat.store import Store
from emulatorrig import Emulator
from linkrig import Device
from serialproxy import Faults, SerialProxy

ROOT = Path(__file__).resolve().parent.parent
NOW = 1_800_000_000


def _routines(*names: str) -> dict[str, bytes]:
    compiled, errors = compile_files([ROOT / "routines" / f"{n}.yaml" for n in names])
    assert not errors
    return {c.file_name[:-4]: c.data for c in compiled}


SET_A = _routines("hollow-back")
SET_B = _routines("strength-four", "chinese-neck")


def _install(flash: Path, routines: dict[str, bytes]) -> None:
    """Files on the emulated flash as a finished flash leaves them."""
    for path, data in F.image(F.firmware_files(ROOT / "firmware"), routines).items():
        target = flash / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _logs_from_cpython(flash: Path, sessions: int) -> list[bytes]:
    """Log files written by the firmware's logbook (under CPython), put on the flash."""
    dev = Device()
    for i in range(sessions):
        dev.session(segments=10, name=f"r{i}")
    (flash / "logs").mkdir(exist_ok=True)
    raw: list[bytes] = []
    for name in sorted(k for k in dev.fs.files if k.startswith("/logs/") and k.endswith(".log")):
        (flash / name.lstrip("/")).write_bytes(bytes(dev.fs.files[name]))
    dev.logbook.records(0, lambda seq, rtype, buf, size: raw.append(bytes(buf[:size])))
    return raw


def _flash_with_logs(flash: Path, sessions: int) -> tuple[Path, list[bytes]]:
    """A new flash folder as flashed with SET_A, holding `sessions` logged sessions; and
    their raw records."""
    flash.mkdir()
    _install(flash, SET_A)
    return flash, _logs_from_cpython(flash, sessions)


def _stored(db: Store) -> list[bytes]:
    return [bytes(r[0]) for r in db.db.execute("SELECT raw FROM records ORDER BY seq")]


def _hello(port: str, wall: int = 0):
    with SerialPort(port) as sp:
        return LinkClient(sp).connect(wall)


@pytest.fixture
def runtime(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    return tmp_path


def test_sync_through_a_damaging_proxy(runtime):
    flash, written = _flash_with_logs(runtime / "flash", sessions=4)
    emu = Emulator(flash, speed=1)
    proxy = SerialProxy(emu.port, Faults(drop=0.0005, corrupt=0.0005, duplicate=0.0005,
                                         delay_s=0.002), seed=11)
    try:
        with Store(runtime / "f.db") as db:
            for attempt in range(6):
                try:
                    with SerialPort(proxy.path) as sp:
                        sync_device(LinkClient(sp, timeout=1.0, tries=6), db, NOW)
                    break
                except (LinkError, SyncError):
                    assert attempt < 5
            stored = _stored(db)
            # The sessions' records once each, then the clock record(s) of the device's starts
            # (a damaged byte may have been a Ctrl-C: the app was restarted then).
            assert stored[: len(written)] == written
            assert all(r[1] == 5 for r in stored[len(written):]) and len(stored) > len(written)
            assert [len(s.segments) for s in db.sessions()] == [10] * 4
        assert sum(proxy.injected.values()) > 0
        proxy.close()  # the port has one user at a time
        assert _hello(emu.port).acked == struct.unpack_from("<I", stored[-1], 4)[0]
    finally:
        proxy.close()
        emu.stop()


def test_sync_survives_a_stray_ctrl_c(runtime):
    flash, written = _flash_with_logs(runtime / "flash", sessions=3)
    # No clock chip: each start of the app takes the time from the host's HELLO.
    emu = Emulator(flash, speed=1, rtc=False)
    proxy = SerialProxy(emu.port, Faults(), seed=0)
    proxy.stray = (60, b"\x03")  # inside the first READ: the app stops, the REPL answers
    try:
        with Store(runtime / "s.db") as db:
            with SerialPort(proxy.path) as sp:
                client = LinkClient(sp, timeout=1.0)
                res = sync_device(client, db, NOW, read_bytes=1024)
            assert proxy.stray is None
            stored = _stored(db)
            assert stored[: len(written)] == written and res.new_sessions == 3
            # Two starts of the app, each clock set once: the Ctrl-C stopped it, the host
            # restarted it and went on.
            assert [r[1] for r in stored[len(written):]] == [5, 5]
            assert [len(s.segments) for s in db.sessions()] == [10] * 3
        proxy.close()
        assert _hello(emu.port).acked == len(stored)
    finally:
        proxy.close()
        emu.stop()


def test_sync_cut_at_every_phase(runtime):
    flash, written = _flash_with_logs(runtime / "flash", sessions=3)
    emu = Emulator(flash, speed=1)
    try:
        with Store(runtime / "c.db") as db:
            # Cut the cable after so many bytes from the host: in HELLO, in the READs (2 KB
            # each), in and after the ACKs.
            for cut in (10, 60, 90, 130, 170, 220, 300):
                proxy = SerialProxy(emu.port, Faults(), seed=0)
                proxy.cut_after_host_bytes = cut
                try:
                    with SerialPort(proxy.path) as sp:
                        sync_device(LinkClient(sp, timeout=1.0), db, NOW, read_bytes=2048)
                except (LinkError, SyncError):
                    pass
                finally:
                    proxy.close()
                h = _hello(emu.port)
                top = db.db.execute("SELECT MAX(seq) FROM records").fetchone()[0] or 0
                assert h.acked <= top  # never acknowledged what the database lacks
            with SerialPort(emu.port) as sp:
                sync_device(LinkClient(sp), db, NOW)
            stored = _stored(db)
            assert stored[: len(written)] == written
            assert all(r[1] == 5 for r in stored[len(written):])
            assert [len(s.segments) for s in db.sessions()] == [10] * 3
            assert _hello(emu.port).acked == len(stored)
    finally:
        emu.stop()


def _variant(tmp: Path) -> Path:
    """The firmware with every module's lines moved down one: other .mpy bytes, same app."""
    out = tmp / "firmware-b"
    out.mkdir()
    for src in (ROOT / "firmware").glob("*.py"):
        (out / src.name).write_text("# variant b\n" + src.read_text())
    return out


def _files_on(port: str) -> dict[str, str]:
    f = F.Flasher(port)
    try:
        f.enter_raw_repl()
        hashes, _mpy, _v = f.listing()
    finally:
        f.close()
    return {p: h for p, h in hashes.items() if not p.startswith("/.flash/")}


def _which(on: dict[str, str], wanted: list[dict[str, str]]) -> int:
    """Which image the device's files are: every file of it, and its routines only."""
    routines = {p for p in on if p.startswith("/routines/")}
    for k, w in enumerate(wanted):
        if all(on.get(p) == h for p, h in w.items()) and routines == {
                p for p in w if p.startswith("/routines/")}:
            return k
    raise AssertionError(f"the device holds a mix: {sorted(on.items())}")


def test_flash_cut_at_every_phase_leaves_old_or_new(runtime):
    flash = runtime / "flash"
    flash.mkdir()
    _install(flash, SET_A)
    fw = (ROOT / "firmware", _variant(runtime))
    # What a flash writes: the machine code compiled for the Pico the virtual device says
    # it is (sys.implementation._mpy names armv6m), whatever it was installed with.
    arch = F.native_arch(6 | 3 << 8 | 4 << 10, ROOT / "firmware")
    images = [F.image(F.firmware_files(fw[0], arch), SET_A),
              F.image(F.firmware_files(fw[1], arch), SET_B)]
    wanted = [{p: F.sha256(d) for p, d in img.items()} for img in images]
    emu = Emulator(flash, speed=1)
    try:
        # A whole flash from A to B, through the proxy, counts the bytes the host sends.
        proxy = SerialProxy(emu.port, Faults(), seed=0)
        try:
            F.flash(proxy.path, fw[1], SET_B, prune=True)
            total = proxy.host_bytes
        finally:
            proxy.close()
        assert total > 40000
        at = 1
        outcomes = []
        # Cut in entering the raw REPL, the listing, the uploads, the journal, the switch.
        # (A cut flash resumes: the uploads staged before are not sent again, so the fourth
        # cut comes at half of the whole, before the rest of the uploads is through.)
        for cut in (40, 1500, total // 3, total // 2, total - 2500, total - 900,
                    total - 200):
            target = 1 - at
            proxy = SerialProxy(emu.port, Faults(), seed=0)
            proxy.cut_after_host_bytes = cut
            try:
                F.flash(proxy.path, fw[target], SET_B if target else SET_A, prune=True)
            except F.FlashError:
                pass
            finally:
                proxy.close()
            emu.command("reset")  # and the power goes too
            h = _hello(emu.port)  # the app runs
            on = _files_on(emu.port)
            at = _which(on, wanted)
            outcomes.append((cut, target, at))
            assert h.firmware == F.firmware_version(images[at])
        # Early cuts leave the old files, late ones (once the journal is written) the new:
        # both happened, and nothing else.
        assert [t == a for _c, t, a in outcomes][:4] == [False] * 4
        assert {t == a for _c, t, a in outcomes} == {False, True}
    finally:
        emu.stop()


def test_the_link_answers_at_once_after_a_megabyte_of_noise(runtime):
    # The virtual device's serial input is bounded like a Pico's USB serial: the host's
    # writes wait while the firmware reads, so after 1 MB of noise (no Ctrl-C, which
    # stops the app by design) little is left to read, and HELLO is answered within half
    # a second, not after seconds of noise queued in the bridge.
    import random
    import time

    rnd = random.Random(14)
    noise = bytes(rnd.getrandbits(8) for _ in range(1 << 20)).replace(b"\x03", b"\x02")
    flash = runtime / "flash"
    flash.mkdir()
    _install(flash, SET_A)
    with Emulator(flash) as emu, SerialPort(emu.port) as sp:
        client = LinkClient(sp)
        uid = client.hello(NOW).uid
        for k in range(0, len(noise), 4096):
            sp.write(noise[k : k + 4096])
            sp.read_some(0.001)  # the answers to noise are read, as a port's are
        t0 = time.monotonic()
        assert client.hello(NOW).uid == uid
        assert time.monotonic() - t0 < 0.5
