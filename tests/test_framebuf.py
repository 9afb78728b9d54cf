"""tests/firmware/cpython/framebuf.py sets the same pixels as MicroPython's framebuf."""

from __future__ import annotations

import random
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS / "mp"))
sys.path.insert(0, str(TESTS / "firmware" / "cpython"))

import framebuf  # noqa: E402 - both found through the paths set just above
import mprun  # noqa: E402

W, H = 128, 64


def _ops() -> list[tuple]:
    """Drawing calls with clipping at every edge, thin and empty shapes, both colours."""
    rng = random.Random(5)
    ops: list[tuple] = [("fill", 0), ("pixel", 0, 0, 1), ("pixel", 127, 63, 1), ("pixel", 128, 0, 1),
                        ("pixel", -1, 5, 1), ("fill_rect", -5, -5, 10, 10, 1),
                        ("fill_rect", 120, 60, 20, 20, 1), ("fill_rect", 10, 10, 0, 5, 1),
                        ("rect", 0, 0, 128, 64, 1), ("rect", 30, 20, 1, 1, 1),
                        ("rect", 40, 20, 2, 9, 1, True), ("hline", -3, 30, 200, 1),
                        ("vline", 64, -10, 100, 1), ("line", 0, 0, 127, 63, 1),
                        ("line", 127, 0, 0, 63, 1), ("line", 5, 50, 120, 47, 1),
                        ("line", 60, 2, 63, 60, 1), ("line", -20, 10, 150, 40, 1)]
    for _ in range(120):
        kind = rng.choice(("fill_rect", "rect", "hline", "vline", "pixel", "line"))
        c = rng.randrange(2)
        x, y = rng.randrange(-20, 140), rng.randrange(-20, 80)
        if kind == "fill_rect":
            ops.append((kind, x, y, rng.randrange(0, 50), rng.randrange(0, 30), c))
        elif kind == "rect":
            ops.append((kind, x, y, rng.randrange(1, 50), rng.randrange(1, 30), c,
                        bool(rng.randrange(2))))
        elif kind == "hline":
            ops.append((kind, x, y, rng.randrange(0, 60), c))
        elif kind == "vline":
            ops.append((kind, x, y, rng.randrange(0, 60), c))
        elif kind == "pixel":
            ops.append((kind, x, y, c))
        else:
            ops.append((kind, x, y, rng.randrange(-20, 140), rng.randrange(-20, 80), c))
    return ops


def _draw(module, ops) -> list[str]:
    """Hex of the buffer after each call."""
    buf = bytearray(W * H // 8)
    fb = module.FrameBuffer(buf, W, H, module.MONO_VLSB)
    out = []
    for op in ops:
        getattr(fb, op[0])(*op[1:])
        out.append(buf.hex())
    return out


def test_same_pixels_as_micropython():
    ops = _ops()
    code = (
        "import framebuf\nimport binascii\n"
        f"buf = bytearray({W * H // 8})\n"
        f"fb = framebuf.FrameBuffer(buf, {W}, {H}, framebuf.MONO_VLSB)\n"
        f"for op in {ops!r}:\n"
        "    getattr(fb, op[0])(*op[1:])\n"
        "    print(binascii.hexlify(buf).decode())\n"
    )
    expected = mprun.run_micropython(code, heap=4 * 1024 * 1024).split()
    got = _draw(framebuf, ops)
    assert len(expected) == len(ops)
    for i, op in enumerate(ops):
        assert got[i] == expected[i], f"call {i} {op} draws other pixels than MicroPython's"


def test_pixel_reads_back_and_text_stays_in_its_cells():
    buf = bytearray(W * H // 8)
    fb = framebuf.FrameBuffer(buf, W, H, framebuf.MONO_VLSB)
    fb.pixel(3, 9, 1)
    assert fb.pixel(3, 9) == 1
    assert fb.pixel(3, 8) == 0
    assert buf[128 + 3] == 0x02
    fb.fill(0)
    fb.text("Hi?", 8, 16, 1)
    lit = [(x, y) for y in range(H) for x in range(W) if fb.pixel(x, y)]
    assert lit
    assert all(8 <= x < 32 and 16 <= y < 24 for x, y in lit)
    for cell in range(3):
        assert any(8 + 8 * cell <= x < 16 + 8 * cell for x, _ in lit)
