"""tests/firmware/cpython/mpcompat.py computes ticks exactly as MicroPython does."""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS / "mp"))
sys.path.insert(0, str(TESTS / "firmware" / "cpython"))

import mpcompat  # noqa: E402 - both found through the paths set just above
import mprun  # noqa: E402

PERIOD = 1 << 30
HALF = PERIOD // 2


def _cases() -> tuple[list[int], list[int]]:
    rng = random.Random(20261120)
    # -2**30 is left out: MicroPython may hold it as a long int, and then computes garbage.
    ticks = [0, 1, HALF - 1, HALF, HALF + 1, PERIOD - 2, PERIOD - 1, -1, 1 - PERIOD]
    ticks += [rng.randrange(1 - PERIOD, PERIOD) for _ in range(40)]
    deltas = [0, 1, -1, HALF - 1, -(HALF - 1), HALF, -HALF, HALF + 1, -HALF - 1, PERIOD]
    deltas += [rng.randrange(-HALF, HALF) for _ in range(20)]
    return ticks, deltas


def _table(add, diff, ticks, deltas) -> list[str]:
    rows = []
    for a in ticks:
        for d in deltas:
            try:
                rows.append(str(add(a, d)))
            except OverflowError as exc:
                rows.append("OverflowError " + str(exc))
        for b in ticks[::3]:
            rows.append(str(diff(a, b)))
    return rows


def test_ticks_arithmetic_is_micropythons():
    ticks, deltas = _cases()
    code = (
        "import time\n"
        "def table(add, diff, ticks, deltas):\n"
        "    rows = []\n"
        "    for a in ticks:\n"
        "        for d in deltas:\n"
        "            try:\n"
        "                rows.append(str(add(a, d)))\n"
        "            except OverflowError as exc:\n"
        "                rows.append('OverflowError ' + str(exc))\n"
        "        for b in ticks[::3]:\n"
        "            rows.append(str(diff(a, b)))\n"
        "    return rows\n"
        f"for row in table(time.ticks_add, time.ticks_diff, {ticks!r}, {deltas!r}):\n"
        "    print(row)\n"
    )
    mp_rows = mprun.run_micropython(code, firmware=False).splitlines()
    ours = _table(mpcompat.ticks_add, mpcompat.ticks_diff, ticks, deltas)
    assert len(ours) == len(ticks) * (len(deltas) + len(ticks[::3])) == len(mp_rows)
    assert ours == mp_rows
    assert "OverflowError ticks interval overflow" in ours


def test_install_adds_to_time_and_sys():
    mpcompat.install()
    assert time.ticks_add is mpcompat.ticks_add
    assert time.ticks_diff(5, PERIOD - 5) == 10
    assert sys.print_exception is mpcompat.print_exception


def test_ticks_outside_micropythons_small_ints_are_refused():
    with pytest.raises(ValueError):
        mpcompat.ticks_add(PERIOD, 0)
    with pytest.raises(ValueError):
        mpcompat.ticks_diff(0, -PERIOD)
    assert mpcompat.ticks_diff(0, 1 - PERIOD) == signed_diff(0, 1 - PERIOD)
    with pytest.raises(TypeError):
        mpcompat.ticks_add(1.5, 0)
    with pytest.raises(TypeError):
        mpcompat.ticks_add(0, 1.5)


def signed_diff(a: int, b: int) -> int:
    """ticks_diff written out: the signed distance modulo 2**30."""
    return (a - b + HALF) % PERIOD - HALF


def test_clocks_stay_in_the_period():
    for fn in (mpcompat.ticks_ms, mpcompat.ticks_us, mpcompat.ticks_cpu):
        assert 0 <= fn() < PERIOD
