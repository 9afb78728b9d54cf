# Machine code for the log reader (logread.py), by MicroPython's viper emitter: the copy
# of a record out of its read block and the walk over good records in that block
# (docs/log-format.md, "Reading"). A file apart from b64native.py, which the link keeps
# loaded: this one is let go with the reader when a session begins. Flashed as
# b64native.py is, and compiled, refused or replaced by loops the same way
# (tests/firmware/test_b64native.py).

import micropython


@micropython.viper
def copy(s: ptr8, at: int, d: ptr8, n: int):  # type: ignore[name-defined]  # noqa: F821
    """s[at:at + n] into d[0:n]. Allocates nothing."""
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
def walk(b: ptr8, a: ptr32, t: ptr32) -> int:  # type: ignore[name-defined]  # noqa: F821
    """Good log records one after another in blk from args[0], all within blk[:args[1]],
    numbered args[2], args[2] + 1 and so on, below args[3] (0: no bound), at most
    args[4] of them: returns their bytes, and leaves their count in args[4]. A good
    record has the sync byte 0xB1, a type 1 to 6, a payload of at most 240 bytes and
    CRC-32 residue 0x2144DF1C over all of it (docs/log-format.md); `table` is
    crc_table's. Allocates nothing."""
    # The arguments are the three locals viper keeps in registers: the block, the
    # arguments and the table are read through them in the loops.
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
        e4 = e - 3
        while i < e4:  # four bytes a pass (the loop's own work, a quarter as often)
            c = uint(t[(c ^ uint(b[i])) & 0xFF]) ^ (c >> 8)  # type: ignore[name-defined]  # noqa: F821
            c = uint(t[(c ^ uint(b[i + 1])) & 0xFF]) ^ (c >> 8)  # type: ignore[name-defined]  # noqa: F821
            c = uint(t[(c ^ uint(b[i + 2])) & 0xFF]) ^ (c >> 8)  # type: ignore[name-defined]  # noqa: F821
            c = uint(t[(c ^ uint(b[i + 3])) & 0xFF]) ^ (c >> 8)  # type: ignore[name-defined]  # noqa: F821
            i += 4
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
