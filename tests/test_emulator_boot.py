"""Start-up on the virtual device (the firmware in real MicroPython, as `backbeat flash`
installs it): 30 routines, 310 (about as many as fit in a Pico's flash), or one of
10,000 segments, show the menu within a second of device time; the routines are then
checked in the background and remembered in the index."""

from __future__ import annotations

import struct
import time
from pathlib import Path

import pytest
from backbeat.compiling import compile_files
from backbeat.device import flasher as F
from backbeat.device.link import LinkClient
from backbeat.device.serialport import SerialPort
from emulatorrig import TIMEOUT, Emulator, device_ms_until

ROOT = Path(__file__).resolve().parent.parent
TEN_THOUSAND = ROOT / "tests" / "data" / "ten-thousand.yaml"


def _compiled(path: Path) -> bytes:
    compiled, errors = compile_files([path])
    assert not errors
    return compiled[0].data


def _flash(d: Path, routines: dict[str, bytes]) -> Path:
    for path, data in F.image(F.firmware_files(ROOT / "firmware"), routines).items():
        target = d / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return d


def _best_boot_ms(flash: Path) -> float:
    # Device time is wall time at --speed 1: the best of three boots, so a moment of load
    # on a shared machine is not taken for the firmware's start-up.
    return min(device_ms_until(flash, "hold=go") for _ in range(3))


@pytest.mark.parametrize("kind", ["30 routines", "10000 segments"])
def test_the_menu_shows_within_a_second(tmp_path, kind):
    if kind == "30 routines":
        neck = _compiled(ROOT / "routines" / "chinese-neck.yaml")
        routines = {f"neck-{i:02d}": neck for i in range(30)}
    else:
        routines = {"ten-thousand": _compiled(TEN_THOUSAND)}
        assert len(routines["ten-thousand"]) == 240070
    flash = _flash(tmp_path / "flash", routines)
    assert _best_boot_ms(flash) < 1000


def test_as_many_routines_as_fit_in_a_picos_flash_reach_the_menu(tmp_path):
    # 310 routine files (docs/firmware.md): listed one entry at a time, at start-up alone.
    neck = _compiled(ROOT / "routines" / "chinese-neck.yaml")
    flash = _flash(tmp_path / "flash", {f"neck-{i:03d}": neck for i in range(310)})
    assert device_ms_until(flash, "1/310") < 1000


def test_routines_are_checked_after_the_menu_shows_and_remembered(tmp_path):
    neck = _compiled(ROOT / "routines" / "chinese-neck.yaml")
    bad = bytearray(neck)
    bad[-10] ^= 0x20  # a letter of a string: the CRC no longer matches
    flash = _flash(tmp_path / "flash", {"a-bad": bytes(bad), "neck": neck})
    crc = int.from_bytes(neck[-4:], "little")
    bad_crc = int.from_bytes(bad[-4:], "little")
    with Emulator(flash) as emu:
        assert emu.until("SKIPPED")[:3] == ["SKIPPED", "a-bad.bbr", "bad CRC"]
        end = time.monotonic() + TIMEOUT
        while not (flash / "routines.idx").exists() and time.monotonic() < end:
            time.sleep(0.05)
    # The index (docs/firmware.md): the two ids, then each file's flags, size and CRC, then
    # the bad one's verdict.
    index = (flash / "routines.idx").read_bytes()
    assert index[:12] == b"BBRI\x01\x14\x02\x00\x09\x00\x0a\x00"
    assert index[20:33] == b"\x05\x00\x09\x00a-badneck"
    assert index[33:34] + index[41:49] == b"\x10" + struct.pack("<II", len(bad), bad_crc)
    assert index[53:54] + index[61:69] == b"\x12" + struct.pack("<II", len(neck), crc)
    assert index[73:] == b"0 bad CRC\n"
    # The next start-up names it at once, from the index.
    assert device_ms_until(flash, "SKIPPED") < 1000


def test_200_routines_reach_the_menu_due_first_and_answer_the_link(tmp_path, monkeypatch):
    # The clock chip holds the date at power-up, so the menu reads every header to put what
    # is due first: 199 routines with no schedule, then one due daily, last by name. The
    # app keeps no object per routine, and reads the headers a few a turn of its loop.
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    text = (ROOT / "routines" / "chinese-neck.yaml").read_text()
    assert "\ndue: daily\n" in text
    plain = tmp_path / "plain.yaml"
    plain.write_text(text.replace("\ndue: daily\n", "\n"))
    routines = {f"a-{i:03d}": _compiled(plain) for i in range(199)}
    routines["zz-neck"] = _compiled(ROOT / "routines" / "chinese-neck.yaml")
    flash = _flash(tmp_path / "flash", routines)
    assert device_ms_until(flash, "due 1 of 1 1/200") < 1000
    with Emulator(flash) as emu:
        assert emu.until("due 1 of 1 1/200")
        with SerialPort(emu.port) as sp:
            link = LinkClient(sp)
            hello = link.hello(1_800_000_000)
            info = link.info()
        assert len(info) == 200
        assert emu.screen()[0] == "due 1 of 1 1/200"
    assert (hello.protocol, hello.busy, hello.board) == (1, False, "pico")
