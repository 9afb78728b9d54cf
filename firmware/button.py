# The one push button: debounced by polling, turned into short, long and double presses.
#
# Call update(now_ms) every loop turn (every 10 ms or so); it returns one event:
#   SHORT   a press shorter than long_ms, reported once double_ms has passed after
#           its release with no second press (so it is never half of a double);
#   LONG    a press held for long_ms, reported at that moment while still held
#           (the release that follows reports nothing);
#   DOUBLE  two short presses, the second starting within double_ms of the
#           first one's release; reported when the second is released.
# If the second press of a pair is held long, it reports LONG and the first
# press is dropped. With double_ms = 0 a SHORT is reported at its release.
# Press and release times are taken when the pin level first changed, so a
# long press lasts long_ms from the finger, whatever the polling rate.
# A press already in progress when the Button is made (or after
# ignore_until_release()) reports nothing.

import time

from micropython import const

NONE = const(0)
SHORT = const(1)
LONG = const(2)
DOUBLE = const(3)

NAMES = ("none", "short", "long", "double")


class Button:
    """An active-low button on a Pin with a pull-up; a pure function of its level and now_ms."""

    # A level must hold this long to count (contact bounce is shorter).
    debounce_ms = 20
    # Held this long, a press is LONG.
    long_ms = 800
    # A second press starting this soon after a short release makes a DOUBLE.
    double_ms = 300

    def __init__(self, pin, now_ms=0):
        self.pin = pin
        level = pin.value()
        self._raw = level
        self._raw_at = now_ms
        self._down = level == 0
        self._down_at = now_ms
        self._suppress = self._down
        self._long_sent = False
        self._pending = False
        self._pending_at = 0
        self._second = False

    def is_down(self):
        """Whether the button is held, after debouncing."""
        return self._down

    def held_ms(self, now_ms):
        """How long the current press has lasted (0 when not pressed)."""
        if not self._down:
            return 0
        return time.ticks_diff(now_ms, self._down_at)

    def ignore_until_release(self):
        """Drop whatever is under way: the current press, and a short waiting for its pair."""
        self._pending = False
        self._second = False
        if self._down:
            self._suppress = True

    def update(self, now_ms):
        level = self.pin.value()
        if level != self._raw:
            self._raw = level
            self._raw_at = now_ms
        down = level == 0
        if down != self._down and time.ticks_diff(now_ms, self._raw_at) >= self.debounce_ms:
            self._down = down
            if down:
                return self._pressed(self._raw_at)
            return self._released(self._raw_at)
        if self._down:
            # Held until now, or until the release that is still settling.
            held_to = now_ms if level == 0 else self._raw_at
            if (
                not self._suppress
                and not self._long_sent
                and time.ticks_diff(held_to, self._down_at) >= self.long_ms
            ):
                self._long_sent = True
                self._second = False
                return LONG
        elif self._pending and time.ticks_diff(now_ms, self._pending_at) >= self.double_ms:
            # A second press that began inside the window is still settling: wait for it.
            if level == 1 or time.ticks_diff(self._raw_at, self._pending_at) >= self.double_ms:
                self._pending = False
                return SHORT
        return NONE

    def _pressed(self, at):
        self._down_at = at
        self._long_sent = False
        if self._suppress:
            return NONE
        if self._pending:
            self._pending = False
            if time.ticks_diff(at, self._pending_at) < self.double_ms:
                self._second = True
                return NONE
            return SHORT
        return NONE

    def _released(self, at):
        if self._suppress:
            self._suppress = False
            return NONE
        if self._long_sent:
            self._long_sent = False
            return NONE
        if self._second:
            self._second = False
            return DOUBLE
        if self.double_ms <= 0:
            return SHORT
        self._pending = True
        self._pending_at = at
        return NONE
