# Tests for firmware/ssd1306.py: exact bytes on the bus, and only what changed is sent.

import gc

import fakes
import ssd1306
from testdata import allocated

INIT = bytes(
    (
        0x00,  # control byte: commands follow
        0xAE,
        0xD5, 0x80,
        0xA8, 0x3F,
        0xD3, 0x00,
        0x40,
        0x8D, 0x14,
        0x20, 0x00,
        0xA1,
        0xC8,
        0xDA, 0x12,
        0x81, 0xCF,
        0xD9, 0xF1,
        0xDB, 0x30,
        0xA4,
        0xA6,
        0x2E,
        0xAF,
    )
)


def make():
    model = fakes.SSD1306Model()
    bus = fakes.I2C(0, devices={0x3C: model})
    oled = ssd1306.SSD1306(bus)
    return oled, bus, model


def window(c0, c1, p0, p1):
    return bytes((0x00, 0x21, c0, c1, 0x22, p0, p1))


def test_init_sequence_then_whole_clear():
    oled, bus, model = make()
    assert bus.transactions[0] == (0x3C, INIT)
    assert bus.transactions[1] == (0x3C, window(0, 127, 0, 7))
    assert bus.transactions[2] == (0x3C, b"\x40" + bytes(1024))
    assert len(bus.transactions) == 3
    assert oled.bytes_sent == len(INIT) + 7 + 1025
    assert oled.bytes_sent == bus.bytes_written
    assert model.on
    assert model.contrast == 0xCF
    assert model.mode == 0
    assert (0x8D, 0x14) in model.commands


def test_init_external_vcc_and_32_rows():
    bus = fakes.I2C(0, devices={0x3D: None})
    oled = ssd1306.SSD1306(bus, 128, 32, 0x3D, external_vcc=True)
    seq = bus.transactions[0][1]
    assert seq[4:6] == b"\xa8\x1f"
    assert seq[9:11] == b"\x8d\x10"
    assert seq[15:17] == b"\xda\x02"
    assert seq[17:19] == b"\x81\x9f"
    assert seq[19:21] == b"\xd9\x22"
    assert bus.transactions[2] == (0x3D, b"\x40" + bytes(512))
    assert oled.full_frame_bytes() == 7 + 1 + 512


def test_show_without_change_sends_nothing():
    oled, bus, model = make()
    bus.clear()
    assert oled.show() == 0
    oled.fill(0)
    assert oled.show() == 0
    assert bus.transactions == []


def test_one_pixel_sends_one_byte_window():
    oled, bus, model = make()
    bus.clear()
    before = oled.bytes_sent
    oled.pixel(10, 20, 1)
    assert oled.show() == 1
    assert bus.transactions == [(0x3C, window(10, 10, 2, 2)), (0x3C, b"\x40\x10")]
    assert oled.bytes_sent - before == 9
    assert model.pixel(10, 20) == 1
    bus.clear()
    assert oled.show() == 0
    assert bus.transactions == []


def test_changed_column_range_inside_a_page():
    oled, bus, model = make()
    bus.clear()
    oled.pixel(3, 0, 1)
    oled.pixel(100, 7, 1)
    oled.show()
    data = b"\x40\x01" + bytes(96) + b"\x80"
    assert bus.transactions == [(0x3C, window(3, 100, 0, 0)), (0x3C, data)]


def test_far_apart_pages_go_as_separate_windows():
    oled, bus, model = make()
    bus.clear()
    oled.pixel(5, 0, 1)
    oled.pixel(120, 63, 1)
    assert oled.show() == 2
    assert bus.transactions == [
        (0x3C, window(5, 5, 0, 0)),
        (0x3C, b"\x40\x01"),
        (0x3C, window(120, 120, 7, 7)),
        (0x3C, b"\x40\x80"),
    ]


def test_adjacent_pages_with_same_columns_merge():
    oled, bus, model = make()
    bus.clear()
    oled.fill_rect(40, 8, 4, 16, 1)
    assert oled.show() == 1
    assert bus.transactions == [
        (0x3C, window(40, 43, 1, 2)),
        (0x3C, b"\x40" + b"\xff" * 8),
    ]


def test_adjacent_pages_far_apart_in_columns_stay_separate():
    oled, bus, model = make()
    bus.clear()
    oled.pixel(0, 8, 1)
    oled.pixel(127, 16, 1)
    assert oled.show() == 2
    assert bus.transactions[0] == (0x3C, window(0, 0, 1, 1))
    assert bus.transactions[2] == (0x3C, window(127, 127, 2, 2))


def test_full_width_change_is_one_contiguous_write():
    oled, bus, model = make()
    bus.clear()
    oled.fill(1)
    oled.show()
    assert bus.transactions == [(0x3C, window(0, 127, 0, 7)), (0x3C, b"\x40" + b"\xff" * 1024)]
    assert oled.full_frame_bytes() == 1032


def test_model_ram_follows_the_frame():
    oled, bus, model = make()
    seed = 12345
    for _ in range(60):
        for _ in range(5):
            seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
            x = seed % 128
            y = (seed >> 8) % 64
            w = (seed >> 14) % 40 + 1
            h = (seed >> 20) % 20 + 1
            c = (seed >> 26) & 1
            oled.fill_rect(x, y, w, h, c)
        oled.show()
        assert bytes(model.ram) == bytes(oled.buffer)
        bus.clear()
        yield


def test_panel_commands():
    oled, bus, model = make()
    bus.clear()
    oled.poweroff()
    oled.poweron()
    oled.contrast(0x10)
    oled.invert(True)
    oled.invert(False)
    oled.rotate(True)
    oled.rotate(False)
    assert [t[1] for t in bus.transactions] == [
        b"\x00\xae",
        b"\x00\xaf",
        b"\x00\x81\x10",
        b"\x00\xa7",
        b"\x00\xa6",
        b"\x00\xa0",
        b"\x00\xc0",
        b"\x00\xa1",
        b"\x00\xc8",
    ]
    assert model.contrast == 0x10
    assert model.on
    assert not model.inverted


def test_missing_panel_raises_oserror():
    bus = fakes.I2C(0, devices={})
    try:
        ssd1306.SSD1306(bus)
    except OSError:
        return
    raise AssertionError("no panel at 0x3C must raise")


class QuietBus:
    """An I2C bus that keeps nothing (so what show() allocates is the driver's own)."""

    def writeto(self, addr, buf, stop=True):
        return len(buf)

    def writevto(self, addr, vector, stop=True):
        return 0


def test_a_frame_of_small_changes_allocates_one_view_per_window():
    # Pages are compared through views made once, changed columns found byte by byte and
    # gathered into a buffer made once: only the view of what is sent is new.
    oled = ssd1306.SSD1306(QuietBus())
    oled.text("12", 8, 12)
    oled.fill_rect(1, 40, 60, 4, 1)
    used, sent = allocated(oled.show)
    assert sent == 2 and oled.show() == 0
    if hasattr(gc, "mem_alloc"):
        assert used == 2 * 16  # MicroPython: a memoryview is 16 bytes
