# Tests for firmware/main.py: holding the button at power-up is safe mode (the app does not
# start, the REPL stays free), with the screen saying so, or without a screen at all.

import sys

import fakes
import ui


class Stuck(BaseException):
    """Raised by the held button when main.py keeps reading it: it did not stop."""


class HeldPins:
    """machine.Pin for a FakeMachine whose button (GP14) is held down at power-up (or up,
    `level` 1); read more than `reads` times, it raises Stuck."""

    IN = fakes.Pin.IN
    OUT = fakes.Pin.OUT
    OPEN_DRAIN = fakes.Pin.OPEN_DRAIN
    PULL_UP = fakes.Pin.PULL_UP
    PULL_DOWN = fakes.Pin.PULL_DOWN
    IRQ_FALLING = fakes.Pin.IRQ_FALLING
    IRQ_RISING = fakes.Pin.IRQ_RISING

    def __init__(self, factory, level=0, reads=50):
        self.factory = factory
        self.level = level
        self.reads = reads
        self.button_reads = 0
        self.stuck = Stuck()  # made now: it may be raised with the heap full

    def __call__(self, id, mode=-1, pull=-1, value=None):
        pin = self.factory(id, mode, pull, value)
        if id == 14:
            outer = self
            read = pin.value

            def value(v=None):
                if v is None:
                    outer.button_reads += 1
                    if outer.button_reads > outer.reads:
                        raise outer.stuck
                return read(v)

            pin.level = self.level
            pin.value = value
        return pin


def start(devices):
    """Power up main.py on a fake machine with the button held; returns the machine."""
    m = fakes.FakeMachine(devices=devices)
    m.Pin = HeldPins(m.Pin)
    sys.modules["machine"] = m
    sys.modules.pop("main", None)
    try:
        import main  # noqa: F401 - main.py runs at import, as on the board
    finally:
        del sys.modules["machine"]
    return m


def test_held_button_at_power_up_is_safe_mode_on_the_screen():
    model = fakes.SSD1306Model()
    m = start({0x3C: model})
    assert m.Pin.button_reads == 1  # read once, then main.py returned
    want = fakes.Canvas()
    ui.message(want, "SAFE MODE", "App not started.\nREPL is free.", "")
    assert model.on is True
    assert bytes(model.ram) == bytes(want.buffer)


def test_safe_mode_without_a_display():
    m = start({})
    assert m.Pin.button_reads == 1
    assert m.i2cs[0].transactions == []


class NoMemoryApp:
    """Stands for the app module: making the app runs out of memory. Under MicroPython it
    fills the heap first with objects it keeps (a chain in HOG, as many as fit, garbage
    collected first), so the error path has no heap but what main.py set aside before
    start-up."""

    HOG = None
    hogged = 0

    class App:
        def __init__(self, *args, **kw):
            if sys.implementation.name != "micropython":
                raise MemoryError("memory allocation failed, allocating 4096 bytes")
            import gc

            gc.collect()
            chain = None
            n = 0
            for size in (1024, 64, 16, 1):
                try:
                    while True:
                        chain = (chain, bytearray(size))
                        n += 1
                except MemoryError:
                    pass
            NoMemoryApp.HOG = chain
            NoMemoryApp.hogged = n
            chain = bytearray(4096)  # the real MemoryError


def test_a_memory_error_while_starting_is_shown_kept_and_logged():
    import gc

    import logbook
    from memfs import MemFs

    fs = MemFs()

    class Flash:
        """Stands for the logbook module: its Flash is the in-memory file system."""

        Flash = None
        get_u16 = logbook.get_u16
        get_u32 = logbook.get_u32
        put_u16 = logbook.put_u16
        put_u32 = logbook.put_u32

        @staticmethod
        def Logbook(fs=None, root="/logs"):
            return logbook.Logbook(fs, root)

    Flash.Flash = lambda: fs
    model = fakes.SSD1306Model()
    m = fakes.FakeMachine(devices={0x3C: model})
    m.Pin = HeldPins(m.Pin, level=1, reads=1)  # up at power-up; waiting for a press, stuck
    sys.modules["machine"] = m
    sys.modules["app"] = NoMemoryApp
    sys.modules["logbook"] = Flash
    sys.modules.pop("main", None)
    try:
        import main  # noqa: F401 - main.py runs at import, as on the board

        raise AssertionError("main.py returned instead of waiting for a press")
    except Stuck:
        pass
    finally:
        NoMemoryApp.HOG = None
        gc.collect()
        del sys.modules["machine"]
        del sys.modules["app"]
        sys.modules["logbook"] = logbook
    if sys.implementation.name == "micropython":
        assert NoMemoryApp.hogged > 100  # the heap was full of the app's objects
    text = str(bytes(fs.files["/error.txt"]), "ascii")
    if sys.implementation.name == "micropython":
        # With the heap full, MicroPython raises it without a message (none could be made).
        assert text.startswith("MemoryError: ")
    else:
        assert text.split("\n")[0] == "MemoryError: memory allocation failed, allocating 4096 bytes"
    logged = []
    logbook.Logbook(fs).records(0, lambda seq, rtype, buf, size: logged.append(
        (rtype, str(bytes(buf[16 : size - 4]), "ascii"))))
    assert logged == [(logbook.ERROR, text)]
    want = fakes.Canvas()
    ui.message(want, "ERROR", text[:80], "1=retry")
    assert bytes(model.ram) == bytes(want.buffer)
