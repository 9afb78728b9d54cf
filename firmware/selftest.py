# Self-test for a freshly built device: display pattern, every cue, the motor, the button.
#
# From the REPL:  import selftest; selftest.main()
# Each step is reported on the serial console (one line each) and on the screen,
# so a builder sees which part does not work.

import time

import button
import cues
import ssd1306
import ui

# How long each test picture stays up.
PATTERN_MS = 1500
# The button test ends after this long without a press, or after MAX_PRESSES events.
BUTTON_IDLE_MS = 10000
MAX_PRESSES = 6
# Motor pulses: count, on and off time.
PULSES = 3
PULSE_MS = 200
# Loop step while waiting.
_STEP_MS = 5


def checkerboard(fb, size=8):
    """A border round the screen and a checkerboard of size x size squares inside it."""
    fb.fill(0)
    w = fb.width
    h = fb.height
    for y in range(2, h - 2, size):
        for x in range(2, w - 2, size):
            if ((x - 2) // size + (y - 2) // size) & 1 == 0:
                fb.fill_rect(x, y, min(size, w - 2 - x), min(size, h - 2 - y), 1)
    fb.rect(0, 0, w, h, 1)


def text_rows(fb):
    """All 8 text rows, 16 characters each: the printable ASCII characters in order."""
    fb.fill(0)
    for row in range(8):
        s = ""
        for col in range(16):
            s += chr(32 + (row * 16 + col) % 95)
        fb.text(s, 0, row * 8, 1)


def _wait(clock, ms):
    # Sleep in short steps (a real board stays responsive to Ctrl-C).
    end = time.ticks_add(clock.ticks_ms(), ms)
    while time.ticks_diff(end, clock.ticks_ms()) > 0:
        clock.sleep_ms(_STEP_MS)


def run(board, clock=time, echo=print, presses=MAX_PRESSES):
    """Run every step on an opened board; returns a dict of what was found.

    clock gives ticks_ms() and sleep_ms() (the time module on a board); echo
    prints a console line.
    """
    display = False
    sounds = 0
    codes = bytearray(presses)
    n = 0
    echo("selftest: %s %s id %s" % (board.name, board.profile.chip, board.unique_id()))

    oled = None
    found = board.i2c.scan()
    addr = board.oled_addr
    if addr in found:
        oled = ssd1306.SSD1306(board.i2c, addr=addr)
        display = True
        echo("display: ok at 0x%02x" % addr)
        checkerboard(oled)
        oled.show()
        echo("display: border and checkerboard")
        _wait(clock, PATTERN_MS)
        text_rows(oled)
        oled.show()
        echo("display: 8 rows of text")
        _wait(clock, PATTERN_MS)
    else:
        echo("display: none at 0x%02x (found %s)" % (addr, found))

    player = cues.Cues(board.buzzer, board.motor, True, False)
    for cue in range(len(cues.PATTERNS)):
        name = cues.NAMES[cue]
        if oled is not None:
            ui.message(oled, "SOUND", name, "")
            oled.show()
        echo("sound: " + name)
        player.play(cue, clock.ticks_ms())
        while player.update(clock.ticks_ms()):
            clock.sleep_ms(_STEP_MS)
        _wait(clock, 200)
        sounds += 1

    if board.motor is None:
        echo("motor: not fitted")
    else:
        if oled is not None:
            ui.message(oled, "MOTOR", "%d pulses" % PULSES, "")
            oled.show()
        echo("motor: %d pulses" % PULSES)
        for _ in range(PULSES):
            board.motor.value(1)
            _wait(clock, PULSE_MS)
            board.motor.value(0)
            _wait(clock, PULSE_MS)

    b = button.Button(board.button, clock.ticks_ms())
    echo("button: press it (short, long, double); %d s without a press ends" % (BUTTON_IDLE_MS // 1000))
    last = clock.ticks_ms()
    shown = -1
    while n < presses:
        now = clock.ticks_ms()
        e = b.update(now)
        if e != button.NONE:
            codes[n] = e
            n += 1
            echo("button: " + button.NAMES[e])
            last = now
        if oled is not None and shown != n:
            shown = n
            ui.message(oled, "BUTTON", "presses: %d\nlast: %s" % (n, button.NAMES[codes[n - 1]] if n else "-"), "")
            oled.show()
        if time.ticks_diff(now, last) >= BUTTON_IDLE_MS:
            break
        clock.sleep_ms(_STEP_MS)

    if oled is not None:
        ui.message(oled, "SELFTEST DONE", "display ok\n%d sounds\npresses: %d" % (sounds, n), "")
        oled.show()
    echo("selftest: done, %d presses" % n)
    names = [button.NAMES[c] for c in codes[:n]]
    return {"display": display, "cues": sounds, "motor": board.motor is not None, "presses": names}


def main():
    """Open the board this runs on and test it."""
    import board

    return run(board.open_board())
