"""What the virtual OLED shows: a 128x64 frame, drawn in a terminal with half blocks (or
braille, in half the width), read back as text (MicroPython's own 8x8 font, learnt from the device at boot, at
scales 1 to 4, normal or inverted), and written as a PNG."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

WIDTH = 128
HEIGHT = 64


@dataclass(frozen=True)
class Frame:
    """The glass of the OLED: page-layout pixels (bit y&7 of byte (y>>3)*128+x)."""

    pixels: bytes
    lit: bool = True
    contrast: int = 0xCF

    def pixel(self, x: int, y: int) -> int:
        return (self.pixels[(y >> 3) * WIDTH + x] >> (y & 7)) & 1

    def columns(self) -> list[int]:
        """Each column as an int, bit y set when pixel (x, y) is lit."""
        cols = []
        for x in range(WIDTH):
            v = 0
            for page in range(HEIGHT // 8):
                v |= self.pixels[page * WIDTH + x] << (8 * page)
            cols.append(v)
        return cols


def blank() -> Frame:
    return Frame(bytes(WIDTH * HEIGHT // 8), lit=False)


def half_blocks(frame: Frame) -> list[str]:
    """The frame as 32 lines of 128 characters, two pixel rows per character."""
    chars = (" ", "\u2580", "\u2584", "\u2588")  # none, upper half, lower half, full
    lines = []
    for y in range(0, HEIGHT, 2):
        lines.append("".join(chars[frame.pixel(x, y) | frame.pixel(x, y + 1) << 1]
                             for x in range(WIDTH)))
    return lines


# Braille dot bits for the pixels of a 2x4 cell, by row, then column (U+2800 + bits).
_DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))


def braille(frame: Frame) -> list[str]:
    """The frame as 16 lines of 64 braille characters, a 2x4 block of pixels in each."""
    lines = []
    for y in range(0, HEIGHT, 4):
        row = []
        for x in range(0, WIDTH, 2):
            bits = 0
            for dy, (left, right) in enumerate(_DOTS):
                if frame.pixel(x, y + dy):
                    bits |= left
                if frame.pixel(x + 1, y + dy):
                    bits |= right
            row.append(chr(0x2800 + bits))
        lines.append("".join(row))
    return lines


def boxed(rows: list[str], width: int = WIDTH) -> list[str]:
    """Rows of the screen (half blocks; braille with width WIDTH // 2) in a line-drawn box
    (short rows padded)."""
    return (["\u250c" + "\u2500" * width + "\u2510"]
            + ["\u2502" + r.ljust(width) + "\u2502" for r in rows]
            + ["\u2514" + "\u2500" * width + "\u2518"])


def read_text(frame: Frame, glyphs: dict[bytes, str], max_scale: int = 4) -> list[str]:
    """The text on the screen, top to bottom, one string per line of text.

    glyphs maps a character's 8 column bytes (bit 0 the top row) to the character.
    A glyph is found where its 8x8 cells match exactly, drawn lit on dark (the column
    left of it dark, unless a glyph ends there) or dark on lit (that column lit), at
    scales 1 to max_scale. Text
    at one height forms one line; a gap of a character or more becomes a space.
    """
    if not frame.lit or not glyphs:
        return []
    cols = frame.columns()
    full = (1 << HEIGHT) - 1
    found: list[tuple[int, int, int, str]] = []  # (y, x, scale, char)
    taken = [0] * WIDTH  # rows already claimed by a found glyph, per column
    for scale in range(max_scale, 0, -1):
        size = 8 * scale
        mask = (1 << size) - 1
        for y in range(0, HEIGHT - size + 1):
            x = 0
            while x <= WIDTH - size:
                ch = _glyph_at(cols, x, y, scale, mask, full, glyphs, taken)
                if ch is None:
                    x += 1
                    continue
                found.append((y, x, scale, ch))
                for i in range(x, x + size):
                    taken[i] |= mask << y
                x += size
    found.sort()
    lines: list[list[tuple[int, int, int, str]]] = []
    for item in found:
        if lines and lines[-1][0][0] == item[0]:
            lines[-1].append(item)
        else:
            lines.append([item])
    text = []
    for line in lines:
        line.sort(key=lambda t: t[1])
        s = ""
        end = None
        for _, x, scale, ch in line:
            if end is not None and x - end >= 8 * scale:
                s += " " * ((x - end) // (8 * scale))
            elif end is not None and x > end + 2:
                s += " "
            s += ch
            end = x + 8 * scale
        text.append(s)
    return text


def _glyph_at(cols, x, y, scale, mask, full, glyphs, taken):
    size = 8 * scale
    if any((taken[i] >> y) & mask for i in range(x, x + size)):
        return None
    block = [(cols[x + i] >> y) & mask for i in range(size)]
    left = (cols[x - 1] >> y) & mask if x > 0 else None
    if left is not None and (taken[x - 1] >> y) & mask == mask:
        left = None  # right after a glyph of the same line: its last column may be lit
    for inverted in (False, True):
        if inverted:
            block = [b ^ mask for b in block]
            if left is not None and left != mask:
                return None
        elif left is not None and left != 0:
            continue
        key = bytearray(8)
        ok = True
        for c in range(8):
            col = block[c * scale]
            if any(block[c * scale + k] != col for k in range(1, scale)):
                ok = False
                break
            v = 0
            for r in range(8):
                cell = (col >> (r * scale)) & ((1 << scale) - 1)
                if cell == (1 << scale) - 1:
                    v |= 1 << r
                elif cell:
                    ok = False
                    break
            if not ok:
                break
            key[c] = v
        if ok and any(key):
            ch = glyphs.get(bytes(key))
            if ch == "_" and not _underscore(cols, x, y, scale, inverted):
                ch = None  # the top edge of a bar or a digit, not an underscore
            if ch is not None:
                return ch
    return None


def _underscore(cols, x, y, scale, inverted):
    # A real underscore is small text: scale 1, dark under it and right after it.
    if scale != 1:
        return False
    dark = 0 if not inverted else 1
    if y + 8 < HEIGHT and any((cols[i] >> (y + 8)) & 1 != dark for i in range(x, x + 8)):
        return False
    return x + 8 >= WIDTH or (cols[x + 8] >> (y + 7)) & 1 == dark


def png(frame: Frame, scale: int = 4) -> bytes:
    """The frame as a grayscale PNG, each pixel scale x scale, lit pixels as bright as
    the contrast setting makes them."""
    on = 64 + frame.contrast * 191 // 255 if frame.lit else 0
    rows = []
    for y in range(HEIGHT):
        row = bytes(on if frame.lit and frame.pixel(x, y) else 0
                    for x in range(WIDTH) for _ in range(scale))
        rows.extend([b"\x00" + row] * scale)
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", WIDTH * scale, HEIGHT * scale, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
