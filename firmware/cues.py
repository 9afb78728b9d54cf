# Buzzer and vibration patterns, played without ever blocking the loop.
#
# A cue is a list of steps (tone in Hz or 0 for silence, length in ms, motor on
# or off). play(cue, now_ms) starts one at once, replacing whatever was
# playing; update(now_ms) moves to the next step when its time has come. Step
# ends are computed from the cue's start (ticks_add), so a late update never
# stretches the cue. Sound and vibration can each be switched off.

import time

from micropython import const

GET_READY = const(0)
START = const(1)
INHALE = const(2)
EXHALE = const(3)
HOLD = const(4)
REST = const(5)
SWITCH = const(6)
TICK = const(7)
BEAT = const(8)
DONE = const(9)
ASK = const(10)
ERROR = const(11)
REMIND = const(12)
REMIND_TONE = const(13)

NAMES = (
    "get_ready", "start", "inhale", "exhale", "hold", "rest",
    "switch", "tick", "beat", "done", "ask", "error", "remind", "remind_tone",
)

# Steps per cue, flat: hz, ms, motor, hz, ms, motor, ...
PATTERNS = (
    # GET_READY: two short mid beeps, one buzz.
    (660, 100, 1, 0, 100, 0, 660, 100, 0),
    # START: one long high tone with a long buzz.
    (880, 350, 1),
    # INHALE: a rising glide; one long buzz.
    (392, 60, 1, 440, 60, 1, 494, 60, 1, 523, 60, 0, 587, 60, 0, 659, 60, 0),
    # EXHALE: a falling glide; two short buzzes.
    (659, 60, 1, 587, 60, 0, 523, 60, 1, 494, 60, 0, 440, 60, 0, 392, 60, 0),
    # HOLD: one flat tone, one short buzz.
    (523, 150, 1),
    # REST: a high note then a low one; one buzz.
    (523, 200, 1, 0, 60, 0, 392, 300, 0),
    # SWITCH: low-high-low, three buzzes.
    (587, 100, 1, 0, 50, 0, 784, 100, 1, 0, 50, 0, 587, 100, 1),
    # TICK: the last three seconds of a segment.
    (1000, 40, 1),
    # BEAT: a counting pace.
    (1319, 25, 1),
    # DONE: a rising arpeggio, a long buzz.
    (523, 150, 1, 659, 150, 1, 784, 150, 1, 1047, 400, 0),
    # ASK: a rising two-note question, two buzzes.
    (784, 100, 1, 0, 60, 0, 988, 150, 1),
    # ERROR: two low tones, a long buzz.
    (220, 400, 1, 0, 100, 1, 220, 400, 1),
    # REMIND: a routine is due (a reminder time): two slow buzzes, no sound.
    (0, 400, 1, 0, 400, 0, 0, 400, 1),
    # REMIND_TONE: the same without a motor: two short low notes, no buzz.
    (330, 80, 0, 0, 300, 0, 294, 80, 0),
)


def duration_ms(cue):
    """How long a cue plays, in ms."""
    steps = PATTERNS[cue]
    total = 0
    for i in range(1, len(steps), 3):
        total += steps[i]
    return total


class Cues:
    """Plays cues on a buzzer PWM and an optional motor Pin (None when not fitted)."""

    # duty_u16 of a sounding tone: a square wave, the loudest a piezo gets.
    duty = 32768

    def __init__(self, pwm, motor=None, sound=True, vibration=True):
        self.pwm = pwm
        self.motor = motor
        self.sound = sound
        self.vibration = vibration
        self._steps = None
        self._i = 0
        self._end = 0
        self.cue = -1
        self._tone = 0
        self._motor_on = False
        self._silence()

    def set_sound(self, on):
        self.sound = bool(on)
        if not self.sound:
            self._set_tone(0)

    def set_vibration(self, on):
        self.vibration = bool(on)
        if not self.vibration:
            self._set_motor(False)

    def busy(self):
        """Whether a cue is playing."""
        return self._steps is not None

    def play(self, cue, now_ms):
        """Start cue at now_ms, cutting off any cue still playing."""
        self._steps = PATTERNS[cue]
        self.cue = cue
        self._i = 0
        self._end = time.ticks_add(now_ms, self._steps[1])
        self._apply(self._steps)

    def stop(self):
        self._steps = None
        self.cue = -1
        self._set_tone(0)
        self._set_motor(False)

    def update(self, now_ms):
        """Move on to the step due at now_ms; returns whether a cue is still playing."""
        steps = self._steps
        if steps is None:
            return False
        while time.ticks_diff(now_ms, self._end) >= 0:
            self._i += 3
            if self._i >= len(steps):
                self.stop()
                return False
            self._end = time.ticks_add(self._end, steps[self._i + 1])
        self._apply(steps)
        return True

    def _apply(self, steps):
        i = self._i
        self._set_tone(steps[i] if self.sound else 0)
        self._set_motor(bool(steps[i + 2]) and self.vibration)

    def _silence(self):
        self._tone = -1
        self._set_tone(0)
        self._motor_on = True
        self._set_motor(False)

    def _set_tone(self, hz):
        if hz == self._tone:
            return
        self._tone = hz
        if hz:
            self.pwm.freq(hz)
            self.pwm.duty_u16(self.duty)
        else:
            self.pwm.duty_u16(0)

    def _set_motor(self, on):
        if on == self._motor_on:
            return
        self._motor_on = on
        if self.motor is not None:
            self.motor.value(1 if on else 0)
