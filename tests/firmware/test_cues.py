# Tests for firmware/cues.py: exact tone and motor sequences in virtual time.

import cues
import fakes


def make(sound=True, vibration=True, motor=True):
    clock = fakes.Clock()
    pwm = fakes.PWM(fakes.Pin(15), clock=clock)
    pin = fakes.Pin(16, fakes.Pin.OUT, clock=clock) if motor else None
    c = cues.Cues(pwm, pin, sound, vibration)
    pwm.changes = []
    if pin is not None:
        pin.writes = []
    return c, pwm, pin, clock


def play(c, clock, cue, start, until, step=1):
    clock.now = start
    c.play(cue, start)
    t = start
    while t < until:
        t += step
        clock.now = t
        c.update(t)


def test_constants_and_names():
    assert cues.GET_READY == 0
    assert cues.ERROR == 11
    assert len(cues.NAMES) == 14
    assert len(cues.PATTERNS) == 14
    assert cues.NAMES[cues.REMIND_TONE] == "remind_tone"
    assert cues.NAMES[cues.TICK] == "tick"


def test_get_ready_exact_sequence():
    c, pwm, motor, clock = make()
    play(c, clock, cues.GET_READY, 1000, 1500)
    assert pwm.sounding() == [(1000, 660), (1100, 0), (1200, 660), (1300, 0)]
    assert motor.writes == [(1000, 1), (1100, 0)]
    assert not c.busy()
    assert cues.duration_ms(cues.GET_READY) == 300


def test_inhale_rises_and_exhale_falls():
    c, pwm, motor, clock = make()
    play(c, clock, cues.INHALE, 0, 500)
    rising = [f for t, f in pwm.sounding() if f]
    assert rising == [392, 440, 494, 523, 587, 659]
    assert [t for t, f in pwm.sounding()] == [0, 60, 120, 180, 240, 300, 360]
    assert motor.writes == [(0, 1), (180, 0)]
    c, pwm, motor, clock = make()
    play(c, clock, cues.EXHALE, 0, 500)
    falling = [f for t, f in pwm.sounding() if f]
    assert falling == [659, 587, 523, 494, 440, 392]
    assert motor.writes == [(0, 1), (60, 0), (120, 1), (180, 0)]


def test_every_cue_is_distinct():
    for a in range(12):
        for b in range(a + 1, 12):
            assert cues.PATTERNS[a] != cues.PATTERNS[b]


def test_every_cue_ends_silent_and_still():
    for cue in range(12):
        c, pwm, motor, clock = make()
        play(c, clock, cue, 0, cues.duration_ms(cue) + 5)
        assert pwm.duty == 0
        assert motor.level == 0
        assert not c.busy()
        assert pwm.sounding()[-1] == (cues.duration_ms(cue), 0)


def test_duty_is_half_while_sounding():
    c, pwm, motor, clock = make()
    clock.now = 0
    c.play(cues.START, 0)
    assert pwm.freq() == 880
    assert pwm.duty_u16() == 32768
    c.update(349)
    assert pwm.duty_u16() == 32768
    c.update(350)
    assert pwm.duty_u16() == 0


def test_late_updates_keep_the_absolute_schedule():
    # Polled every 10 ms starting 3 ms off the grid: changes land on the first poll after each step end.
    c, pwm, motor, clock = make()
    clock.now = 1003
    c.play(cues.SWITCH, 1003)
    t = 1003
    while t < 1500:
        t += 10
        clock.now = t
        c.update(t)
    assert pwm.sounding() == [
        (1003, 587), (1103, 0), (1153, 784), (1253, 0), (1303, 587), (1403, 0),
    ]


def test_big_gap_skips_to_the_step_due():
    c, pwm, motor, clock = make()
    c.play(cues.GET_READY, 0)
    clock.now = 250
    # At 250 the third step (660 Hz again) is due: the silence between was skipped.
    assert c.update(250)
    assert pwm.sounding() == [(0, 660)]
    clock.now = 300
    assert not c.update(300)
    assert pwm.sounding() == [(0, 660), (300, 0)]


def test_sound_off_only_vibrates():
    c, pwm, motor, clock = make(sound=False)
    play(c, clock, cues.DONE, 0, 1000)
    assert pwm.changes == []
    assert motor.writes == [(0, 1), (450, 0)]


def test_vibration_off_only_sounds():
    c, pwm, motor, clock = make(vibration=False)
    play(c, clock, cues.SWITCH, 0, 600)
    assert motor.writes == []
    assert [f for t, f in pwm.sounding()] == [587, 0, 784, 0, 587, 0]


def test_switching_off_mid_cue_silences_at_once():
    c, pwm, motor, clock = make()
    c.play(cues.ERROR, 0)
    clock.now = 50
    c.set_sound(False)
    c.set_vibration(False)
    assert pwm.duty == 0
    assert motor.level == 0
    c.update(60)
    assert pwm.duty == 0
    assert motor.level == 0
    c.set_sound(True)
    clock.now = 400
    c.update(400)
    assert pwm.sounding() == [(0, 220), (50, 0)]
    clock.now = 500
    c.update(500)
    assert pwm.sounding() == [(0, 220), (50, 0), (500, 220)]
    assert pwm.duty == 32768
    assert motor.writes == [(0, 1), (50, 0)]


def test_play_replaces_the_cue_playing():
    c, pwm, motor, clock = make()
    c.play(cues.DONE, 0)
    clock.now = 100
    c.play(cues.TICK, 100)
    assert c.cue == cues.TICK
    play(c, clock, cues.TICK, 100, 300)
    assert pwm.sounding() == [(0, 523), (100, 1000), (140, 0)]


def test_no_motor_fitted():
    c, pwm, motor, clock = make(motor=False)
    play(c, clock, cues.REST, 0, 600)
    assert [f for t, f in pwm.sounding()] == [523, 0, 392, 0]


def test_schedule_wraps_with_ticks():
    period = 1 << 30
    c, pwm, motor, clock = make()
    start = period - 30
    clock.now = start
    c.play(cues.BEAT, start)
    assert c.update(period - 6)
    assert not c.update(0)
    assert pwm.duty == 0


def test_the_reminders_buzz_or_sound_softly_but_never_both():
    c, pwm, motor, clock = make()
    play(c, clock, cues.REMIND, 1000, 2500)
    assert pwm.sounding() == []
    assert motor.writes == [(1000, 1), (1400, 0), (1800, 1), (2200, 0)]
    c, pwm, motor, clock = make()
    play(c, clock, cues.REMIND_TONE, 1000, 1600)
    assert pwm.sounding() == [(1000, 330), (1080, 0), (1380, 294), (1460, 0)]
    assert motor.writes == []
    assert (cues.duration_ms(cues.REMIND), cues.duration_ms(cues.REMIND_TONE)) == (1200, 460)
