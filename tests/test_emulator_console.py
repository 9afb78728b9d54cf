"""`backbeat emulate` line commands, and the SSD1306 model seen through them: code run
on the device (mpremote exec) sends raw I2C bytes, `picture` and `screen` show what
the glass shows."""

from __future__ import annotations

import subprocess
import sys
import zlib

import pytest
from backbeat.emulator.console import CommandError, parse_wait
from emulatorrig import ROOT, Emulator

MAIN = "import time\nwhile True:\n    time.sleep_ms(10)\n"
# The device-side helper: send commands or data to the OLED at 0x3C on I2C0 (GP4/GP5).
OLED = """import machine
i2c = machine.I2C(0, sda=machine.Pin(4), scl=machine.Pin(5), freq=400000)
def cmd(*c):
    i2c.writeto(0x3C, bytes((0,) + c))
def data(*d):
    i2c.writeto(0x3C, bytes((0x40,) + d))
"""
INIT = "cmd(0xAE, 0xA8, 63, 0xD3, 0, 0x40, 0x8D, 0x14, 0x20, 0x00, 0xA1, 0xC8, 0xA6, 0xAF)\n"


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    flash = tmp_path_factory.mktemp("console") / "flash"
    flash.mkdir()
    (flash / "main.py").write_text(MAIN)
    e = Emulator(flash)
    e.mp_ok("exec", OLED + INIT)
    yield e
    e.stop()


def lit(emu: Emulator) -> set[tuple[int, int]]:
    """The lit pixels, read back from `picture`'s half blocks."""
    rows = emu.block("picture")
    assert len(rows) == 32
    out = set()
    for r, line in enumerate(rows):
        for x, ch in enumerate(line):
            if ch in "\u2580\u2588":
                out.add((x, 2 * r))
            if ch in "\u2584\u2588":
                out.add((x, 2 * r + 1))
    return out


def show(emu: Emulator, code: str) -> set[tuple[int, int]]:
    emu.mp_ok("resume", "exec", OLED + "cmd(0x20, 0, 0x21, 0, 127, 0x22, 0, 7)\n"
              "i2c.writeto(0x3C, b'\\x40' + bytes(1024))\n" + code)
    return lit(emu)


def test_horizontal_addressing_fills_the_window(emu):
    got = show(emu, "cmd(0x20, 0x00, 0x21, 10, 17, 0x22, 2, 3)\ndata(*([0xFF] * 16))\n")
    assert got == {(x, y) for x in range(10, 18) for y in range(16, 32)}


def test_vertical_addressing_moves_down_the_pages_first(emu):
    got = show(emu, "cmd(0x20, 0x01, 0x21, 0, 1, 0x22, 0, 1)\ndata(0x01, 0x80, 0x01, 0x80)\n")
    assert got == {(0, 0), (0, 15), (1, 0), (1, 15)}


def test_page_addressing_wraps_within_the_page(emu):
    got = show(emu, "cmd(0x20, 0x02, 0xB7, 0x0E, 0x17)\ndata(0xFF, 0xFF, 0xFF)\n")
    assert got == {(x, y) for x in (126, 127, 0) for y in range(56, 64)}


def test_control_bytes_with_the_continuation_bit(emu):
    # Co=1: one command, then another control byte; 0xC0: one data byte.
    got = show(emu, "cmd(0x20, 0x02)\ni2c.writeto(0x3C, bytes([0x80, 0xB0, 0x80, 0x05, 0xC0, 0x03]))\n")
    assert got == {(5, 0), (5, 1)}


def test_invert_entire_on_remap_and_display_off(emu):
    base = "cmd(0x20, 0x02, 0xB0, 0x00, 0x10)\ndata(0x01)\n"
    assert show(emu, base) == {(0, 0)}
    inverted = show(emu, base + "cmd(0xA7)\n")
    assert len(inverted) == 128 * 64 - 1 and (0, 0) not in inverted
    assert len(show(emu, base + "cmd(0xA5)\n")) == 128 * 64
    # Undo the module's usual remapping: the picture turns by 180 degrees.
    assert show(emu, base + "cmd(0xA4, 0xA6, 0xA0, 0xC0)\n") == {(127, 63)}
    show(emu, base + "cmd(0xA1, 0xC8, 0xAE)\n")
    assert emu.screen() == ["off"]
    assert show(emu, base + "cmd(0xAF)\n") == {(0, 0)}


def test_contrast_sets_the_brightness_of_the_snapshot(emu, tmp_path):
    show(emu, "cmd(0x20, 0x02, 0xB0, 0x00, 0x10, 0x81, 0x40)\ndata(0x01)\n")
    out = tmp_path / "shot.png"
    emu.command(f"snapshot {out}")
    assert emu.line() == f"snapshot: {out}"
    data = out.read_bytes()
    idat = data.index(b"IDAT")
    (n,) = __import__("struct").unpack(">I", data[idat - 4:idat])
    raw = zlib.decompress(data[idat + 4:idat + 4 + n])
    assert raw[1] == 111  # 64 + 0x40 * 191 // 255, pixel (0, 0) at scale 4
    emu.mp_ok("resume", "exec", OLED + "cmd(0x81, 0xCF)")


def test_screen_reads_back_text_drawn_with_the_devices_font(emu):
    code = ("import framebuf\nb = bytearray(1024)\nfb = framebuf.FrameBuffer(b, 128, 64, framebuf.MONO_VLSB)\n"
            "fb.text('Hello 42', 0, 0)\nfb.fill_rect(0, 30, 128, 10, 1)\nfb.text('NEXT', 8, 31, 0)\n"
            "fb.text('x=1 y=2', 20, 50)\n"
            "cmd(0x20, 0, 0x21, 0, 127, 0x22, 0, 7)\ni2c.writeto(0x3C, b'\\x40' + b)\n")
    show(emu, code)
    assert emu.screen() == ["Hello 42", "NEXT", "x=1 y=2"]
    assert emu.until("y=2") == ["Hello 42", "NEXT", "x=1 y=2"]


def test_wait_runs_the_device_and_bad_commands_say_why(emu):
    before = emu.mp_ok("resume", "exec", "import time\nprint(time.ticks_ms())")
    emu.command("wait 300ms")
    emu.command("bogus")
    emu.command("wait soon")
    emu.command("screen")
    emu.line()
    after = emu.mp_ok("resume", "exec", "import time\nprint(time.ticks_ms())")
    assert int(after) - int(before) >= 300
    assert emu.errors[-2:] == [
        "error: unknown command 'bogus' (hint: press, long, double, wait 1s, until TEXT, "
        "screen, picture, snapshot FILE.png, reset, quit)",
        "error: wait: cannot read 'soon' (hint: wait 1.5s or wait 200ms)",
    ]


def test_parse_wait():
    assert parse_wait("1.5s") == 1.5
    assert parse_wait("200ms") == 0.2
    assert parse_wait("2") == 2.0
    with pytest.raises(CommandError, match="cannot read '1.5 minutes'"):
        parse_wait("1.5 minutes")


def test_snapshot_on_exit_and_quit(tmp_path):
    flash = tmp_path / "flash"
    flash.mkdir()
    (flash / "main.py").write_text(MAIN)
    shot = tmp_path / "end.png"
    r = subprocess.run(
        [sys.executable, "-m", "backbeat.cli", "emulate", "--flash", str(flash),
         "--snapshot", str(shot)],
        input="wait 100ms\nscreen\nquit\n", capture_output=True, text=True, cwd=ROOT,
        timeout=60)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("port: /dev/pts/")
    assert lines[1:] == ["screen: off"]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_oled_keeps_its_picture_through_pico_resets_not_a_power_cycle(tmp_path):
    flash = tmp_path / "flash"
    flash.mkdir()
    (flash / "main.py").write_text(MAIN)
    with Emulator(flash) as emu:
        emu.mp_ok("exec", OLED + INIT + "cmd(0x20, 0x02, 0xB0, 0x00, 0x10)\ndata(0x01)\n")
        assert lit(emu) == {(0, 0)}
        emu.mp_ok("resume", "soft-reset")
        assert lit(emu) == {(0, 0)}
        emu.mp_ok("resume", "reset")
        emu.mp_ok("resume", "exec", "print(1)")
        assert lit(emu) == {(0, 0)}
        emu.command("reset")
        emu.command("wait 500ms")
        assert emu.screen() == ["off"]
