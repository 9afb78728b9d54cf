# Tests for firmware/selftest.py: the whole self-test on fake hardware in virtual time.

import board
import cues
import fakes
import selftest

PICO = "Raspberry Pi Pico with RP2040"


class Console:
    """Collects console lines; presses the button when the button test begins."""

    def __init__(self, m, b, presses, snapshots):
        self.m = m
        self.b = b
        self.presses = presses
        self.snapshots = snapshots
        self.lines = []
        self.times = {}

    def __call__(self, line):
        self.lines.append(line)
        self.times[line] = self.m.clock.now
        model = self.b.i2c.devices.get(0x3C)
        if line.startswith("display: border") or line.startswith("display: 8 rows"):
            self.snapshots.append(bytes(model.ram))
        if line.startswith("button: press it"):
            t0 = self.m.clock.now
            pin = self.b.button
            for down, up in self.presses:
                self.m.clock.at(t0 + down, lambda: pin.drive(0))
                self.m.clock.at(t0 + up, lambda: pin.drive(1))


def start(presses, devices=None, motor=True):
    m = fakes.FakeMachine(devices=devices)
    b = board.open_board(m, PICO, motor=motor)
    snapshots = []
    console = Console(m, b, presses, snapshots)
    result = selftest.run(b, m.clock, console, presses=6)
    return m, b, console, result, snapshots


PRESSES = ((1000, 1100), (2000, 3000), (4000, 4100), (4300, 4400))


def test_console_report():
    m, b, console, result, snaps = start(PRESSES)
    lines = console.lines
    assert lines[:4] == [
        "selftest: pico RP2040 id e6613852832a4f2c",
        "display: ok at 0x3c",
        "display: border and checkerboard",
        "display: 8 rows of text",
    ]
    assert lines[4:18] == ["sound: " + n for n in cues.NAMES]
    assert lines[18:] == [
        "motor: 3 pulses",
        "button: press it (short, long, double); 10 s without a press ends",
        "button: short",
        "button: long",
        "button: double",
        "selftest: done, 3 presses",
    ]
    assert result == {
        "display": True,
        "cues": 14,
        "motor": True,
        "presses": ["short", "long", "double"],
    }


def test_button_events_come_at_their_times():
    m, b, console, result, snaps = start(PRESSES)
    t0 = console.times["button: press it (short, long, double); 10 s without a press ends"]
    assert console.times["button: short"] - t0 == 1400
    assert console.times["button: long"] - t0 == 2800
    assert console.times["button: double"] - t0 == 4420
    # Ten idle seconds after the last event end the test.
    assert console.times["selftest: done, 3 presses"] - t0 == 14420


def test_test_patterns_reach_the_panel():
    m, b, console, result, snaps = start(PRESSES)
    border, rows = snaps
    model = fakes.SSD1306Model()
    model.ram[:] = border
    assert [model.pixel(x, 0) for x in (0, 64, 127)] == [1, 1, 1]
    assert [model.pixel(0, y) for y in (0, 31, 63)] == [1, 1, 1]
    assert model.pixel(127, 40) == 1 and model.pixel(50, 63) == 1
    # Inside: 8 px squares from (2, 2), alternating.
    assert model.pixel(2, 2) == 1 and model.pixel(9, 9) == 1
    assert model.pixel(10, 2) == 0 and model.pixel(2, 10) == 0 and model.pixel(10, 10) == 1
    assert model.pixel(1, 1) == 0
    # Every text row has something lit.
    for page in range(8):
        assert sum(rows[page * 128:(page + 1) * 128]) > 0


def test_text_rows_cover_printable_ascii():
    c = fakes.Canvas()
    selftest.text_rows(c)
    assert [t[1:] for t in c.texts] == [(0, y, 1) for y in range(0, 64, 8)]
    assert c.texts[0][0] == " !\"#$%&'()*+,-./"
    assert c.texts[5][0] == "pqrstuvwxyz{|}~ "
    joined = "".join(c.strings())
    for code in range(32, 127):
        assert chr(code) in joined


def test_every_cue_sounds_and_motor_pulses():
    m, b, console, result, snaps = start(PRESSES)
    heard = [f for t, f in b.buzzer.sounding() if f]
    # Each cue's first note in turn (the reminder's buzz has none: it is silent).
    firsts = [cues.PATTERNS[c][0] for c in range(14) if cues.PATTERNS[c][0]]
    assert len(firsts) == 13
    i = 0
    for f in heard:
        if i < 13 and f == firsts[i]:
            i += 1
    assert i == 13
    t = console.times["motor: 3 pulses"]
    # Off when the board opens and when the cue player starts (vibration off for sounds).
    assert b.motor.writes == [
        (0, 0),
        (console.times["sound: get_ready"], 0),
        (t, 1), (t + 200, 0), (t + 400, 1), (t + 600, 0), (t + 800, 1), (t + 1000, 0),
    ]
    assert b.buzzer.duty == 0


def test_without_display_or_motor():
    m, b, console, result, snaps = start(((500, 600),), devices={}, motor=False)
    assert console.lines[1] == "display: none at 0x3c (found [])"
    assert "motor: not fitted" in console.lines
    assert console.lines[-2:] == ["button: short", "selftest: done, 1 presses"]
    assert result["display"] is False
    assert result["motor"] is False
    assert result["cues"] == 14


def test_stops_after_enough_presses():
    presses = tuple((1000 * i, 1000 * i + 100) for i in range(1, 9))
    m, b, console, result, snaps = start(presses)
    assert result["presses"] == ["short"] * 6
    assert console.lines[-1] == "selftest: done, 6 presses"
