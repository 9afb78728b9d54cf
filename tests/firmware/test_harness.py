# Tests for the firmware test harness itself: the same results under CPython (with the
# shims in tests/firmware/cpython/) and under MicroPython (tests/mp/runner.mjs).

import time

from micropython import const
from testdata import MICROPYTHON, allocated, data_path, heap_locked, scratch_dir

_ANSWER = const(42)
_ADDR = const(0x3C)
PERIOD = 1 << 30


def test_const_gives_the_value():
    assert _ANSWER == 42
    assert _ADDR == 60
    assert const(-7) == -7


def test_kbd_intr_takes_a_character_code():
    import micropython

    micropython.kbd_intr(-1)
    micropython.kbd_intr(3)
    try:
        micropython.kbd_intr("x")
    except TypeError:
        pass
    else:
        raise AssertionError("kbd_intr accepted a str")


def test_ticks_add_wraps_at_2_pow_30():
    assert time.ticks_add(PERIOD - 5, 10) == 5
    assert time.ticks_add(3, -10) == PERIOD - 7
    assert time.ticks_add(PERIOD - 1, 1) == 0
    assert time.ticks_add(0, -1) == PERIOD - 1


def test_ticks_diff_across_the_wrap():
    assert time.ticks_diff(5, PERIOD - 5) == 10
    assert time.ticks_diff(PERIOD - 5, 5) == -10
    assert time.ticks_diff(0, PERIOD - 1) == 1


def test_ticks_diff_is_signed_over_half_a_period():
    half = PERIOD // 2
    assert time.ticks_diff(half - 1, 0) == half - 1
    assert time.ticks_diff(half, 0) == -half
    assert time.ticks_diff(0, half) == -half
    assert time.ticks_diff(0, half - 1) == -(half - 1)


def test_ticks_add_refuses_a_delta_ticks_diff_cannot_undo():
    half = PERIOD // 2
    for delta in (half, -half, half + 1, -half - 1):
        try:
            time.ticks_add(0, delta)
        except OverflowError:
            pass
        else:
            raise AssertionError("ticks_add(0, %d) did not raise OverflowError" % delta)
    for start in (0, 12345, PERIOD - 3):
        for delta in (half - 1, -(half - 1), 1000, -1000):
            end = time.ticks_add(start, delta)
            assert 0 <= end < PERIOD
            assert time.ticks_diff(end, start) == delta
            assert time.ticks_diff(start, end) == -delta


def test_ticks_ms_stays_in_the_period():
    for _ in range(3):
        assert 0 <= time.ticks_ms() < PERIOD
        assert 0 <= time.ticks_us() < PERIOD


def test_data_path_reaches_the_golden_vectors():
    with open(data_path("golden/bbr/example.bbr"), "rb") as f:
        assert f.read(4) == b"BBRT"
    assert data_path("/golden/bbr/example.bbr") == data_path("golden/bbr/example.bbr")
    assert data_path("golden/log/session.log").endswith("tests/golden/log/session.log")


def test_scratch_dir_is_fresh_each_time():
    import os

    d = scratch_dir("harness")
    with open(d + "/a.txt", "w") as f:
        f.write("x")
    os.mkdir(d + "/sub")
    with open(d + "/sub/b.txt", "w") as f:
        f.write("y")
    assert sorted(os.listdir(d)) == ["a.txt", "sub"]
    again = scratch_dir("harness")
    assert again == d
    assert os.listdir(again) == []


def test_a_generator_test_runs_to_its_end():
    # 1 MB of garbage in 32 KB pieces, more than the 192 KB heap holds at once: under
    # MicroPython each yield gives the collector its chance.
    total = 0
    for i in range(32):
        block = bytearray(32 * 1024)
        block[-1] = i
        total += len(block) + block[-1] - i
        yield
    assert total == 32 * 32 * 1024


def test_allocated_counts_what_a_call_allocates_and_returns_its_result():
    used, got = allocated(bytearray, 1000)
    assert got == bytearray(1000)
    # MicroPython: the object and its 1000 bytes in 16-byte blocks; CPython: what
    # tracemalloc sees held at the peak.
    assert used == (1024 if MICROPYTHON else 1057)
    used, got = allocated(len, "abc")
    assert (used, got) == (0, 3)


def test_heap_locked_refuses_any_allocation_under_micropython():
    # Under MicroPython fn runs with the heap locked; under CPython it is not run at all
    # (the caller runs it plainly).
    seen = [0]

    def grow():
        try:
            bytearray(10)
            seen[0] = 1
        except MemoryError:
            seen[0] = 2

    if heap_locked(grow):
        assert seen == [2]
    else:
        assert seen == [0]
