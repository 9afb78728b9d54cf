# Machine code for the link, by MicroPython's viper emitter: the base64 encoder of its
# responses (what it saves: docs/link-protocol.md, "What the link needs from the device's
# port"), and the log reader's copy of a record out of its read block and its walk over
# good records in that block (docs/log-format.md, "Reading"). Flashed as source, the board compiles it when link.py or
# logbook.py imports it: a port without a native emitter (the WebAssembly one) refuses
# it, and CPython has no viper, so there they use their own loops. Both write the same
# bytes (tests/firmware/test_b64native.py).

import micropython


@micropython.viper
def encode(src, size: int, dst, at: int, table) -> int:
    """The base64 of src[0:size] written into dst from `at` with the 64 characters of
    `table`; returns where it ends. Allocates nothing."""
    # ptr8: viper's pointer to bytes, built into the emitter (no stub or name elsewhere).
    s = ptr8(src)  # type: ignore[name-defined]  # noqa: F821
    d = ptr8(dst)  # type: ignore[name-defined]  # noqa: F821
    e = ptr8(table)  # type: ignore[name-defined]  # noqa: F821
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


@micropython.viper
def copy(src, at: int, dst, n: int):
    """src[at:at + n] into dst[0:n]. Allocates nothing."""
    s = ptr8(src)  # type: ignore[name-defined]  # noqa: F821
    d = ptr8(dst)  # type: ignore[name-defined]  # noqa: F821
    i = 0
    while i < n:
        d[i] = s[at + i]
        i += 1


@micropython.viper
def crc_table(table):
    """The CRC-32 (as zlib's) of each byte value, as 256 u32 in table (1024 bytes)."""
    t = ptr32(table)  # type: ignore[name-defined]  # noqa: F821
    poly = (uint(0xEDB8) << 16) | uint(0x8320)  # type: ignore[name-defined]  # noqa: F821
    v = 0
    while v < 256:
        c = uint(v)  # type: ignore[name-defined]  # noqa: F821
        j = 0
        while j < 8:
            if c & 1:
                c = (c >> 1) ^ poly
            else:
                c = c >> 1
            j += 1
        t[v] = c
        v += 1


@micropython.viper
def walk(blk, args, table) -> int:
    """Good log records one after another in blk from args[0], all within blk[:args[1]],
    numbered args[2], args[2] + 1 and so on, below args[3] (0: no bound), at most
    args[4] of them: returns their bytes, and leaves their count in args[4]. A good
    record has the sync byte 0xB1, a type 1 to 6, a payload of at most 240 bytes and
    CRC-32 residue 0x2144DF1C over all of it (docs/log-format.md); `table` is
    crc_table's. Allocates nothing."""
    b = ptr8(blk)  # type: ignore[name-defined]  # noqa: F821
    a = ptr32(args)  # type: ignore[name-defined]  # noqa: F821
    t = ptr32(table)  # type: ignore[name-defined]  # noqa: F821
    o = a[0]
    end = a[1]
    want = a[2]
    stop = a[3]
    most = a[4]
    # The CRC register after a good record (the residue before its final inversion).
    good = (uint(0xDEBB) << 16) | uint(0x20E3)  # type: ignore[name-defined]  # noqa: F821
    ones = (uint(0xFFFF) << 16) | uint(0xFFFF)  # type: ignore[name-defined]  # noqa: F821
    start = o
    k = 0
    while k < most and o + 8 <= end:
        ty = b[o + 1]
        n = b[o + 2] | (b[o + 3] << 8)
        size = n + 12
        if b[o] != 0xB1 or ty == 0 or ty > 6 or n > 240 or o + size > end:
            break
        seq = b[o + 4] | (b[o + 5] << 8) | (b[o + 6] << 16) | (b[o + 7] << 24)
        if seq != want or (stop != 0 and seq >= stop):
            break
        c = ones
        i = o
        e = o + size
        while i < e:
            c = uint(t[(c ^ uint(b[i])) & 0xFF]) ^ (c >> 8)  # type: ignore[name-defined]  # noqa: F821
            i += 1
        if c != good:
            break
        o = e
        want += 1
        k += 1
    a[4] = k
    return o - start
