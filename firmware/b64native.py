# Machine code for the link, by MicroPython's viper emitter: the base64 encoder of its
# responses (what it saves: docs/link-protocol.md, "What the link needs from the device's
# port"). `backbeat flash` compiles it for the device's architecture (an .mpy of machine
# code, the rp2 port's armv6m), or where mpy-cross has no emitter for it flashes it as
# source for the board to compile: a port without a native emitter (the WebAssembly one)
# refuses it, and CPython has no viper, so there link.py uses its own loop. Both write the same bytes
# (tests/firmware/test_b64native.py). The log reader's machine code is lognative.py.

import micropython


@micropython.viper
def encode(s: ptr8, size: int, d: ptr8, at: int, e: ptr8) -> int:  # type: ignore[name-defined]  # noqa: F821
    """The base64 of s[0:size] written into d from `at` with the 64 characters of e;
    returns where it ends. Allocates nothing."""
    # ptr8: viper's pointer to bytes, built into the emitter (no stub or name elsewhere).
    # Viper keeps a function's first three locals in registers: the arguments that the
    # loop reads through, typed as pointers, are those.
    o = at
    i = 0
    full = size - size % 3
    while i < full:
        v = (s[i] << 16) | (s[i + 1] << 8) | s[i + 2]
        d[o] = e[v >> 18]
        d[o + 1] = e[(v >> 12) & 63]
        d[o + 2] = e[(v >> 6) & 63]
        d[o + 3] = e[v & 63]
        o += 4
        i += 3
    if i < size:
        v = s[i] << 16
        if i + 1 < size:
            v |= s[i + 1] << 8
        d[o] = e[v >> 18]
        d[o + 1] = e[(v >> 12) & 63]
        d[o + 2] = e[(v >> 6) & 63] if i + 1 < size else 0x3D  # '='
        d[o + 3] = 0x3D
        o += 4
    return o
