# Tests for firmware/b64native.py and the loops link.py and logbook.py fall back on:
# responses are encoded and log records copied out of the read block by machine code on
# the rp2 port (tests/test_rp2_firmware_units.py runs these there), by the loops
# elsewhere; both write standard base64 (RFC 4648), both copy the same bytes, without
# allocating. The expected text is written out here: the WebAssembly port's binascii is
# Python and allocates too much to be the reference under a 192 KB heap.

import binascii
import sys

import link as K
import logbook as L
import micropython
from testdata import data_path, heap_locked

# Base64 of the first n bytes of _source().
SHORT = (b"", b"Aw==", b"Awo=", b"AwoR", b"AwoRGA==", b"AwoRGB8=", b"AwoRGB8m",
         b"AwoRGB8mLQ==", b"AwoRGB8mLTQ=")
WHOLE_CRC = 0x9CE2ACC1  # CRC-32 of the base64 of all 1034 bytes (1380 characters)


def _source():
    src = bytearray(1034)
    for i in range(len(src)):
        src[i] = (i * 7 + 3) & 0xFF
    return src


def test_machine_code_on_the_rp2_port_only():
    assert K.NATIVE_BASE64 == (sys.platform == "rp2")


def test_every_padding_and_a_whole_frame():
    src = _source()
    dst = bytearray(1400)
    for encode in (K._base64, K._base64_py):
        for n in range(len(SHORT)):
            dst[0] = 0x21
            end = encode(src, n, dst, 1, K._ENC)
            assert dst[0] == 0x21
            assert bytes(dst[1:end]) == SHORT[n]
        end = encode(src, 1034, dst, 1, K._ENC)
        assert end == 1381
        assert binascii.crc32(dst[1:end]) & 0xFFFFFFFF == WHOLE_CRC


def test_a_whole_response_line():
    r = K.Link(None, None)
    r._resp[:] = _source()[: len(r._resp)]
    n = r._encode(1034)
    assert n == 1382
    assert r._out[0] == 0x21 and r._out[1381] == 10
    assert binascii.crc32(r._out[1:1381]) & 0xFFFFFFFF == WHOLE_CRC


def test_encoding_allocates_nothing():
    lock = getattr(micropython, "heap_lock", None)
    if lock is None:
        return  # CPython: nothing to lock
    src = _source()
    dst = bytearray(1400)
    lock()
    try:
        end = K._base64(src, 1034, dst, 1, K._ENC)
    finally:
        micropython.heap_unlock()
    assert end == 1381


def test_record_copy_by_machine_code_on_the_rp2_port_only():
    assert L.NATIVE_COPY == (sys.platform == "rp2")


def test_a_record_copied_out_of_a_block():
    src = _source()
    for copy in (L._copy, L._copy_py):
        dst = bytearray(260)
        copy(src, 777, dst, 252)
        assert bytes(dst[:252]) == bytes(src[777:1029])
        assert bytes(dst[252:]) == bytes(8)
        copy(src, 5, dst, 0)
        assert dst[0] == src[777]


def test_copying_allocates_nothing():
    src = _source()
    dst = bytearray(252)
    heap_locked(lambda: L._copy(src, 1034 - 252, dst, 252)) or L._copy(src, 1034 - 252, dst, 252)
    assert bytes(dst) == bytes(src[1034 - 252 :])


def _walks(data, o, end, want, stop, most):
    """What b64native.walk (on the rp2 port) and the loop elsewhere find in a scanner's
    block holding data: (bytes, count)."""
    sc = L.Scanner()
    sc._blk[: len(data)] = data
    sc._len = len(data)
    a = L.array("I", (o, end, want, stop, most))
    got = sc._walk(sc._blk, a, sc._crc)
    b = L.array("I", (o, end, want, stop, most))
    got_py = sc._walk_py(sc._blk, b, None)
    assert (got, a[4]) == (got_py, b[4])
    return got, a[4]


def test_walking_the_golden_session():
    # session.log: 9 records of 24, 52, 34, 34, 34, 34, 30, 34 and 25 bytes.
    with open(data_path("golden/log/session.log"), "rb") as f:
        data = bytearray(f.read())
    n = len(data)
    assert n == 301
    assert _walks(data, 0, n, 1, 0, 255) == (n, 9)
    assert _walks(data, 0, n, 1, 0, 2) == (24 + 52, 2)
    assert _walks(data, 0, n, 1, 4, 255) == (24 + 52 + 34, 3)  # below number 4
    assert _walks(data, 0, 24 + 51, 1, 0, 255) == (24, 1)  # the second record cut off
    assert _walks(data, 24, n, 2, 0, 255) == (n - 24, 8)
    assert _walks(data, 24, n, 3, 0, 255) == (0, 0)  # not the number wanted
    assert _walks(data, 1, n, 1, 0, 255) == (0, 0)  # no record begins there
    data[24 + 20] ^= 1  # the second record damaged: the run ends before it
    assert _walks(data, 0, n, 1, 0, 255) == (24, 1)
    data[24 + 20] ^= 1
    data[24 + 52 - 1] ^= 0x80  # its CRC
    assert _walks(data, 0, n, 1, 0, 255) == (24, 1)
    data[24 + 52 - 1] ^= 0x80
    data[24] = 0xB0  # its sync byte
    assert _walks(data, 0, n, 1, 0, 255) == (24, 1)


def test_walking_allocates_nothing():
    with open(data_path("golden/log/session.log"), "rb") as f:
        data = f.read()
    a = L.array("I", (0, len(data), 1, 0, 255))
    sc = L.Scanner()
    sc._blk[: len(data)] = data
    sc._len = len(data)
    walk = sc._walk
    walk(sc._blk, a, sc._crc)  # (without machine code, each record size's view is made once)
    a[4] = 255
    got = [0]

    def run():
        got[0] = walk(sc._blk, a, sc._crc)

    heap_locked(run) or run()
    assert (got[0], a[4]) == (len(data), 9)
