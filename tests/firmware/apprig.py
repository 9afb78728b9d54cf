# The app on the fake board in virtual time, for the app's tests (test_app.py and
# test_app_days.py): two routines, a recording screen, the button pressed by the test.

import app
import bbr
import board
import fakes
import logbook
from bbrmake import build, seg
from memfs import MemFs

CAT_SAY = "Round your back,\ntuck your hips"
EASY = build(
    [
        seg(bbr.PREPARE, 5000, flags=9, exercise="Cat", say=CAT_SAY),
        seg(bbr.HOLD, 6000, breath=0, flags=14, exercise="Cat", say=CAT_SAY),
        seg(bbr.HOLD_OPEN, 3000, param=10000, exercise="Plank", flags=3),
        seg(bbr.REST, 2000, say="Breathe out"),
    ],
    breaths=((4000, 0, 2000, 0),),
    name="Easy",
)
LONG = build([seg(bbr.HOLD, 30000, exercise="Wall sit", flags=11)], name="Long one")


class Screen(fakes.Canvas):
    """The display: a recording canvas that counts show() calls and power changes."""

    def __init__(self):
        super().__init__()
        self.shows = 0
        self.on = True

    def show(self):
        self.shows += 1

    def poweroff(self):
        self.on = False

    def poweron(self):
        self.on = True


class Rig:
    """The app on a fake board, its button pressed by the test, time moved 10 ms a turn."""

    def __init__(self, fs=None, corrupt=True, settings=None):
        self.m = fakes.FakeMachine()
        self.clock = self.m.clock
        self.board = board.open_board(self.m, "Raspberry Pi Pico with RP2040")
        self.pin = self.board.button
        if fs is None:
            fs = MemFs()
        self.fs = fs
        if "/routines" not in fs.dirs:
            fs.dirs.append("/routines")
            fs.files["/routines/easy.bbr"] = bytearray(EASY)
            fs.files["/routines/b-long.bbr"] = bytearray(LONG)
            if corrupt:
                fs.files["/routines/c.bbr"] = bytearray(b"XXXX" + LONG[4:])
            fs.files["/routines/notes.txt"] = bytearray(b"not a routine file")
        if settings is not None:
            fs.files["/settings.txt"] = bytearray(settings)
        self.screen = Screen()
        self.lb = logbook.Logbook(fs)
        self.app = app.App(self.board, self.screen, self.lb, self.clock.now, fs=fs,
                           ticks_ms=self._now)

    def _now(self):
        return self.clock.now

    def run(self, ms):
        end = self.clock.now + ms
        while self.clock.now < end:
            self.app.step(self.clock.now)
            self.clock.advance(10)

    def hold(self, ms):
        self.pin.drive(0)
        self.run(ms)
        self.pin.drive(1)

    def short(self):
        self.hold(100)
        self.run(400)

    def long(self):
        self.hold(1000)
        self.run(50)

    def double(self):
        self.hold(80)
        self.run(100)
        self.hold(80)
        self.run(50)

    def texts(self):
        return self.screen.strings()

    def records(self):
        out = []

        def take(seq, rtype, buf, size):
            out.append((rtype, bytes(buf[8 : size - 4])))

        logbook.Logbook(self.fs).records(0, take)
        return out
