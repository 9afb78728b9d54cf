"""The virtual OLED on the host: pixels, half blocks, text read back, PNG."""

from __future__ import annotations

import struct
import zlib

from backbeat.emulator.display import (
    HEIGHT,
    WIDTH,
    Frame,
    blank,
    boxed,
    braille,
    half_blocks,
    png,
    read_text,
)

# Three made-up 8x8 glyphs (column bytes, bit 0 the top row).
GLYPHS = {
    bytes([0x00, 0x7E, 0x11, 0x11, 0x11, 0x7E, 0x00, 0x00]): "A",
    bytes([0x00, 0x7F, 0x49, 0x49, 0x49, 0x36, 0x00, 0x00]): "B",
    bytes([0x00, 0x3E, 0x41, 0x41, 0x41, 0x41, 0x00, 0x00]): "C",
    bytes([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]): "_",
}
COLS = {ch: g for g, ch in GLYPHS.items()}


def canvas() -> list[list[int]]:
    return [[0] * WIDTH for _ in range(HEIGHT)]


def draw(px: list[list[int]], text: str, x: int, y: int, scale: int = 1, inverted=False) -> None:
    for i, ch in enumerate(text):
        cols = COLS.get(ch, bytes(8))
        for c in range(8):
            for r in range(8):
                on = (cols[c] >> r) & 1
                if inverted:
                    on ^= 1
                for dx in range(scale):
                    for dy in range(scale):
                        px[y + r * scale + dy][x + (i * 8 + c) * scale + dx] = on


def frame_of(px: list[list[int]], **kw) -> Frame:
    b = bytearray(WIDTH * HEIGHT // 8)
    for y in range(HEIGHT):
        for x in range(WIDTH):
            if px[y][x]:
                b[(y >> 3) * WIDTH + x] |= 1 << (y & 7)
    return Frame(bytes(b), **kw)


def test_pixel_and_columns_follow_the_page_layout():
    b = bytearray(1024)
    b[3 * 128 + 5] = 0b0000_0100  # page 3, column 5, bit 2: pixel (5, 26)
    f = Frame(bytes(b))
    assert [(x, y) for y in range(HEIGHT) for x in range(WIDTH) if f.pixel(x, y)] == [(5, 26)]
    assert f.columns()[5] == 1 << 26


def test_half_blocks_put_two_rows_in_a_character():
    px = canvas()
    px[0][0] = 1
    px[1][1] = 1
    px[2][2] = px[3][2] = 1
    lines = half_blocks(frame_of(px))
    assert len(lines) == 32 and all(len(s) == 128 for s in lines)
    assert lines[0][:3] == "\u2580\u2584 "
    assert lines[1][:3] == "  \u2588"
    assert lines[2] == " " * 128


def test_braille_puts_a_two_by_four_block_in_a_character():
    px = canvas()
    px[0][0] = 1  # dot 1
    px[3][1] = 1  # dot 8
    px[1][2] = px[2][3] = 1  # dots 2 and 6 of the next character
    px[63][127] = 1  # the last pixel: dot 8 of the last character
    lines = braille(frame_of(px))
    assert len(lines) == 16 and all(len(s) == 64 for s in lines)
    assert lines[0][:3] == "\u2881\u2822\u2800"
    assert lines[15][63] == "\u2880" and lines[15][:63] == "\u2800" * 63
    assert boxed(lines, WIDTH // 2)[0] == "\u250c" + "\u2500" * 64 + "\u2510"


def test_read_text_finds_lines_words_and_gaps():
    px = canvas()
    draw(px, "ABC", 0, 0)
    draw(px, "CAB", 10, 20)
    draw(px, "A", 42, 20)  # a gap of one character after CAB
    assert read_text(frame_of(px), GLYPHS) == ["ABC", "CAB A"]


def test_read_text_reads_inverted_and_scaled_text():
    px = canvas()
    for y in range(0, 10):
        for x in range(WIDTH):
            px[y][x] = 1  # a lit title bar
    draw(px, "BA", 1, 1, inverted=True)
    draw(px, "CB", 30, 24, scale=3)
    assert read_text(frame_of(px), GLYPHS) == ["BA", "CB"]


def test_read_text_ignores_bars_that_look_like_underscores():
    px = canvas()
    for y in range(40, 46):
        for x in range(0, 100):
            px[y][x] = 1
    draw(px, "A_B", 0, 50)
    assert read_text(frame_of(px), GLYPHS) == ["A_B"]


def test_a_dark_screen_has_no_text():
    px = canvas()
    draw(px, "ABC", 0, 0)
    assert read_text(frame_of(px, lit=False), GLYPHS) == []
    assert read_text(blank(), GLYPHS) == []


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    out = []
    i = 8
    while i < len(data):
        (n,) = struct.unpack(">I", data[i:i + 4])
        kind, body = data[i + 4:i + 8], data[i + 8:i + 8 + n]
        (crc,) = struct.unpack(">I", data[i + 8 + n:i + 12 + n])
        assert crc == zlib.crc32(kind + body)
        out.append((kind, body))
        i += 12 + n
    return out


def test_png_is_a_valid_grayscale_image_of_the_frame():
    px = canvas()
    px[0][0] = 1
    px[63][127] = 1
    data = png(frame_of(px, contrast=0xFF), scale=2)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    parts = chunks(data)
    assert [k for k, _ in parts] == [b"IHDR", b"IDAT", b"IEND"]
    assert struct.unpack(">IIBBBBB", parts[0][1]) == (256, 128, 8, 0, 0, 0, 0)
    raw = zlib.decompress(parts[1][1])
    rows = [raw[r * 257:(r + 1) * 257] for r in range(128)]
    assert all(row[0] == 0 for row in rows)  # filter type none
    assert rows[0][1:3] == bytes([255, 255]) and rows[1][1:3] == bytes([255, 255])
    assert rows[0][3] == 0
    assert rows[127][255:257] == bytes([255, 255])
    assert sum(sum(row[1:]) for row in rows) == 8 * 255


def test_png_brightness_follows_contrast_and_a_dark_panel_is_black():
    px = canvas()
    px[0][0] = 1
    raw = zlib.decompress(chunks(png(frame_of(px, contrast=0x40), scale=1))[1][1])
    assert raw[1] == 64 + 0x40 * 191 // 255 == 111
    dark = zlib.decompress(chunks(png(frame_of(px, lit=False), scale=1))[1][1])
    assert set(dark) == {0}


def test_boxed__rows_padded_to_the_screen_width_in_a_box():
    box = boxed(["\u2588" * WIDTH, "ab"])
    assert box == [
        "\u250c" + "\u2500" * 128 + "\u2510",
        "\u2502" + "\u2588" * 128 + "\u2502",
        "\u2502ab" + " " * 126 + "\u2502",
        "\u2514" + "\u2500" * 128 + "\u2518",
    ]
