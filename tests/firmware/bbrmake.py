# Writes small .bbr files for the firmware tests (the layout of docs/bbr-format.md).

import binascii
import struct


def _string_table(strings):
    table = bytearray()
    offsets = {}
    for s in strings:
        if s not in offsets:
            offsets[s] = len(table)
            table.append(len(s))
            table.extend(s.encode())
    return table, offsets


def build(segments, breaths=(), name="Test", level=0, strings=None, fix_total=True, schedule=None):
    """A .bbr file: segments are tuples (kind, flags, side, breath, rep, reps, round, rounds,
    step, exercise, say, reserved, duration_ms, param) with exercise/say given as str or None.
    Version 1, or with schedule=(due kind, due value, reminder minutes) version 3."""
    texts = [name]
    for s in segments:
        for t in (s[9], s[10]):
            if t is not None:
                texts.append(t)
    table, offsets = _string_table(texts)
    nb = len(breaths)
    header_size = 32 if schedule is None else 48
    seg_off = header_size + 8 * nb
    str_off = seg_off + 24 * len(segments)
    total = 0
    body = bytearray(str_off - header_size)  # made once: little garbage for long routines
    o = 0
    for b in breaths:
        struct.pack_into("<HHHH", body, o, b[0], b[1], b[2], b[3])
        o += 8
    for s in segments:
        ex = 0xFFFF if s[9] is None else offsets[s[9]]
        say = 0xFFFF if s[10] is None else offsets[s[10]]
        struct.pack_into(
            "<BBBBBBBBHHHHII", body, o, s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], ex,
            say, s[11], s[12], s[13],
        )
        o += 24
        total += s[12]
    head = bytearray(b"BBRT")
    head.extend(
        struct.pack(
            "<BBBBHHIIIIHH", 1 if schedule is None else 3, header_size, 24, nb, len(segments), offsets[name], total, seg_off,
            str_off, len(table), level, 0,
        )
    )
    if schedule is not None:
        at = list(schedule[2]) + [0] * (6 - len(schedule[2]))
        head.extend(struct.pack("<BBBB6H", schedule[0], schedule[1], len(schedule[2]), 0, *at))
    data = head + body + table
    return seal(data)


def seal(data):
    data = bytearray(data)
    data.extend(struct.pack("<I", binascii.crc32(data) & 0xFFFFFFFF))
    return bytes(data)


def unseal(data):
    return bytearray(data[:-4])


def seg(kind, duration, breath=255, param=0, rep=0, reps=0, exercise=None, say=None, flags=0,
        side=0, step=0):
    """One segment tuple for build(); kind is a code (bbr.HOLD and so on)."""
    return (kind, flags, side, breath, rep, reps, 0, 0, step, exercise, say, 0, duration, param)


def routine(segments, breaths=(), name="Test", level=0):
    """An open bbr.Routine over an in-memory file."""
    import io

    import bbr

    return bbr.Routine(io.BytesIO(build(segments, breaths, name, level)))
