"""MicroPython's time.ticks_* and sleep_*, and sys.print_exception, for CPython.

Same arithmetic as MicroPython 1.27 on the rp2 port (and the WebAssembly port): ticks
wrap at TICKS_PERIOD = 2**30, ticks_diff() is signed in [-2**29, 2**29), and
ticks_add() raises OverflowError("ticks interval overflow") unless
-2**29 < delta < 2**29. Where MicroPython would compute with a value that is not a
small int (a tick outside (-2**30, 2**30), a float), this raises instead, so a test
that relies on it fails here too.
"""

import sys
import time
import traceback

TICKS_PERIOD = 1 << 30
TICKS_MAX = TICKS_PERIOD - 1
_HALF = TICKS_PERIOD // 2
# -2**30 fits a small int but may be held as a long int (it is -(2**30)), so it is out too.
_SMALL_MIN = 1 - (1 << 30)


def _tick(value):
    if type(value) is bool or not isinstance(value, int):
        raise TypeError("ticks must be an int from ticks_ms() or ticks_add(), not %r" % (value,))
    if not _SMALL_MIN <= value <= TICKS_MAX:
        raise ValueError("ticks value %d is not a MicroPython small int" % value)
    return value


def ticks_ms():
    return (time.monotonic_ns() // 1_000_000) & TICKS_MAX


def ticks_us():
    return (time.monotonic_ns() // 1_000) & TICKS_MAX


def ticks_cpu():
    return time.perf_counter_ns() & TICKS_MAX


def ticks_add(ticks, delta):
    ticks = _tick(ticks)
    if not isinstance(delta, int):
        raise TypeError("can't convert %s to int" % type(delta).__name__)
    if not -_HALF < delta < _HALF:
        raise OverflowError("ticks interval overflow")
    return (ticks + delta) & TICKS_MAX


def ticks_diff(ticks1, ticks2):
    diff = (_tick(ticks1) - _tick(ticks2)) & TICKS_MAX
    return ((diff + _HALF) & TICKS_MAX) - _HALF


def sleep_ms(ms):
    if ms > 0:
        time.sleep(ms / 1000)


def sleep_us(us):
    if us > 0:
        time.sleep(us / 1_000_000)


def print_exception(exc, file=None):
    """sys.print_exception(exc, file=sys.stdout): the traceback, as MicroPython prints it."""
    traceback.print_exception(type(exc), exc, exc.__traceback__,
                              file=sys.stdout if file is None else file)


def install():
    """Add the functions above to CPython's time and sys modules where they lack them."""
    for name in ("ticks_ms", "ticks_us", "ticks_cpu", "ticks_add", "ticks_diff",
                 "sleep_ms", "sleep_us"):
        if not hasattr(time, name):
            setattr(time, name, globals()[name])
    if not hasattr(sys, "print_exception"):
        sys.print_exception = print_exception
