# MicroPython's 8x8 font as the screen reader learns it, on either board (run in the
# WebAssembly port, whose framebuf draws the same font as the rp2 port's).


def glyphs():
    """MicroPython's own 8x8 font, as hex columns per character 32..126, for reading text."""
    import framebuf

    b = bytearray(8)
    fb = framebuf.FrameBuffer(b, 8, 8, framebuf.MONO_VLSB)
    out = []
    for c in range(32, 127):
        fb.fill(0)
        fb.text(chr(c), 0, 0, 1)
        out.append(b.hex())
    return " ".join(out)
