# Tests for firmware/button.py: events for exact press timings, in virtual time.

import button
import fakes

STEP = 10


def run(levels, until, step=STEP, start=0, b=None, pin=None):
    """Poll every step ms; levels is a list of (ms, level) changes. Returns [(ms, event)]."""
    if pin is None:
        pin = fakes.Pin(14, fakes.Pin.IN, fakes.Pin.PULL_UP)
    if b is None:
        b = button.Button(pin, start)
    events = []
    i = 0
    t = start
    while t <= until:
        while i < len(levels) and levels[i][0] <= t:
            pin.drive(levels[i][1])
            i += 1
        e = b.update(t)
        if e != button.NONE:
            events.append((t, button.NAMES[e]))
        t += step
    return events


def test_tunables_are_class_attributes():
    assert button.Button.debounce_ms == 20
    assert button.Button.long_ms == 800
    assert button.Button.double_ms == 300


def test_short_press_reported_after_double_window():
    # Down at 1000, up at 1150: released (debounced) at 1170, the window closes 300 ms
    # after the release at 1150, so the short is reported at 1450.
    assert run([(1000, 0), (1150, 1)], 2000) == [(1450, "short")]


def test_long_press_fires_while_held():
    assert run([(1000, 0), (3000, 1)], 4000) == [(1800, "long")]


def test_long_press_measured_from_the_finger_not_the_poll():
    # Polled every 25 ms: the press is seen at 1000 and long fires at the first poll >= 1800.
    assert run([(990, 0), (2500, 1)], 3000, step=25) == [(1800, "long")]


def test_press_just_under_long_is_short():
    assert run([(1000, 0), (1790, 1)], 3000) == [(2090, "short")]


def test_double_press():
    levels = [(1000, 0), (1100, 1), (1300, 0), (1400, 1)]
    assert run(levels, 3000) == [(1420, "double")]


def test_second_press_too_late_gives_two_shorts():
    levels = [(1000, 0), (1100, 1), (1400, 0), (1500, 1)]
    assert run(levels, 3000) == [(1400, "short"), (1800, "short")]


def test_second_press_starting_at_window_edge_still_counts():
    # Released at 1100; the second press begins at 1390 (inside 300 ms) and settles at 1410.
    levels = [(1000, 0), (1100, 1), (1390, 0), (1450, 1)]
    assert run(levels, 3000) == [(1470, "double")]


def test_second_press_held_long_reports_long_only():
    levels = [(1000, 0), (1100, 1), (1300, 0), (2500, 1)]
    assert run(levels, 3000) == [(2100, "long")]


def test_bounce_is_ignored():
    # Contact bounce: 5 ms glitches on press and release.
    levels = [
        (1000, 0), (1005, 1), (1010, 0), (1015, 1), (1020, 0),
        (1200, 1), (1205, 0), (1210, 1),
    ]
    assert run(levels, 2000, step=5) == [(1510, "short")]


def test_glitch_shorter_than_debounce_is_no_press():
    assert run([(1000, 0), (1010, 1)], 2000) == []


def test_double_disabled_reports_short_at_release():
    pin = fakes.Pin(14, fakes.Pin.IN, fakes.Pin.PULL_UP)
    b = button.Button(pin, 0)
    b.double_ms = 0
    levels = [(1000, 0), (1100, 1), (1300, 0), (1400, 1)]
    assert run(levels, 3000, b=b, pin=pin) == [(1120, "short"), (1420, "short")]


def test_press_held_at_start_is_ignored():
    pin = fakes.Pin(14, fakes.Pin.IN, fakes.Pin.PULL_UP)
    pin.drive(0)
    b = button.Button(pin, 0)
    assert b.is_down()
    assert run([(2000, 1), (3000, 0), (3100, 1)], 4000, b=b, pin=pin) == [(3400, "short")]


def test_ignore_until_release_drops_the_press():
    pin = fakes.Pin(14, fakes.Pin.IN, fakes.Pin.PULL_UP)
    b = button.Button(pin, 0)
    pin.drive(0)
    assert b.update(0) == button.NONE
    assert b.update(30) == button.NONE
    assert b.held_ms(130) == 130
    b.ignore_until_release()
    assert run([(3000, 1)], 4000, start=40, b=b, pin=pin) == []
    assert b.held_ms(4000) == 0


def test_times_wrap_around_the_tick_period():
    # ticks_ms wraps at 2**30 on MicroPython: a press across the wrap still works.
    period = 1 << 30
    pin = fakes.Pin(14, fakes.Pin.IN, fakes.Pin.PULL_UP)
    start = period - 500
    b = button.Button(pin, start)
    events = []
    t = start
    for i in range(200):
        if i == 10:
            pin.drive(0)
        e = b.update(t)
        if e != button.NONE:
            events.append((i, button.NAMES[e]))
        t = (t + STEP) & (period - 1)
    assert events == [(90, "long")]
