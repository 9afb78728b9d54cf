# Recording stand-ins for machine.Pin, PWM and I2C, and an SSD1306 model, for firmware tests.
#
# Plain Python that runs under CPython and MicroPython alike. Every fake can be
# given a Clock; what it records is then stamped with the clock's virtual ms.

import framebuf

_ENODEV = 19


class Clock:
    """Virtual milliseconds; tests move it forward by hand, or code under test sleeps on it.

    It also stands in for the time module's ticks_ms() and sleep_ms(); at(ms, fn)
    runs fn when the clock reaches ms (a button press in the middle of a sleep).
    """

    def __init__(self, now=0):
        self.now = now
        self._actions = []

    def at(self, ms, fn):
        i = 0
        while i < len(self._actions) and self._actions[i][0] <= ms:
            i += 1
        self._actions.insert(i, (ms, fn))

    def advance(self, ms):
        target = self.now + ms
        while self._actions and self._actions[0][0] <= target:
            when, fn = self._actions.pop(0)
            if when > self.now:
                self.now = when
            fn()
        self.now = target
        return self.now

    def ticks_ms(self):
        return self.now

    def sleep_ms(self, ms):
        self.advance(ms)


def _stamp(clock):
    if clock is None:
        return None
    return clock.now


class Pin:
    """A GPIO pin: outputs record each write, inputs are driven by the test with drive()."""

    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 4
    IRQ_RISING = 8

    def __init__(self, id, mode=-1, pull=-1, value=None, clock=None):
        self.id = id
        self.mode = mode
        self.pull = pull
        self.clock = clock
        self.irq_handler = None
        self.irq_trigger = 0
        self.irq_calls = 0
        # (ms, level) for every value written by the firmware.
        self.writes = []
        if pull == Pin.PULL_UP:
            self.level = 1
        else:
            self.level = 0
        if value is not None:
            self.value(value)

    def value(self, v=None):
        if v is None:
            return self.level
        self.level = 1 if v else 0
        self.writes.append((_stamp(self.clock), self.level))
        return None

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def __call__(self, v=None):
        return self.value(v)

    def irq(self, handler=None, trigger=12, hard=False):
        self.irq_handler = handler
        self.irq_trigger = trigger
        return None

    def drive(self, level):
        """The outside world sets an input pin's level; an enabled edge interrupt fires."""
        level = 1 if level else 0
        old = self.level
        self.level = level
        if self.irq_handler is None or old == level:
            return
        if (level == 0 and self.irq_trigger & Pin.IRQ_FALLING) or (
            level == 1 and self.irq_trigger & Pin.IRQ_RISING
        ):
            self.irq_calls += 1
            self.irq_handler(self)

    def levels(self):
        """The written levels without their time stamps."""
        return [w[1] for w in self.writes]


class PWM:
    """A PWM output. `changes` holds (ms, freq_hz, duty_u16) each time either one changes."""

    def __init__(self, pin, freq=0, duty_u16=0, clock=None):
        self.pin = pin
        self.clock = clock
        self.hz = freq
        self.duty = duty_u16
        self.deinited = False
        self.changes = []

    def _record(self):
        last = self.changes[-1] if self.changes else None
        entry = (_stamp(self.clock), self.hz, self.duty)
        if last is not None and last[1] == self.hz and last[2] == self.duty:
            return
        self.changes.append(entry)

    def freq(self, hz=None):
        if hz is None:
            return self.hz
        self.hz = hz
        self._record()
        return None

    def duty_u16(self, d=None):
        if d is None:
            return self.duty
        if d < 0 or d > 65535:
            raise ValueError("duty out of range")
        self.duty = d
        self._record()
        return None

    def deinit(self):
        self.deinited = True
        self.duty = 0
        self._record()

    def sounding(self):
        """(ms, freq) each time what is heard changes, from silence; freq 0 is silent (duty 0)."""
        out = []
        heard = 0
        for t, hz, duty in self.changes:
            f = hz if duty else 0
            if f != heard:
                out.append((t, f))
                heard = f
        return out


class I2C:
    """An I2C bus. `devices` maps addresses to models (objects with write(bytes)) or None."""

    def __init__(self, id=0, sda=None, scl=None, freq=400000, devices=None, clock=None):
        self.id = id
        self.sda = sda
        self.scl = scl
        self.bus_hz = freq
        self.clock = clock
        if devices is None:
            devices = {0x3C: None}
        self.devices = devices
        # (addr, bytes) per transaction, in order.
        self.transactions = []
        self.bytes_written = 0

    def _deliver(self, addr, data):
        if addr not in self.devices:
            raise OSError(_ENODEV)
        self.transactions.append((addr, data))
        self.bytes_written += len(data)
        model = self.devices[addr]
        if model is not None:
            model.write(data)

    def writeto(self, addr, buf, stop=True):
        self._deliver(addr, bytes(buf))
        return len(buf)

    def writevto(self, addr, vector, stop=True):
        data = b""
        for part in vector:
            data += bytes(part)
        self._deliver(addr, data)
        return len(data)

    def scan(self):
        return sorted(self.devices)

    def clear(self):
        self.transactions = []
        self.bytes_written = 0


class SSD1306Model:
    """The controller side of an SSD1306 on I2C: commands and 128x64 display RAM (GDDRAM).

    Understands the commands a driver needs: addressing mode (0x20), column and
    page ranges (0x21, 0x22), page start in page mode (0xB0-0xB7), column start
    in page mode (0x00-0x0F, 0x10-0x1F), display on/off (0xAF/0xAE), contrast
    (0x81), invert (0xA6/0xA7); other commands are kept with their arguments.
    """

    # Arguments each command takes (commands not listed take none).
    _ARGS = {
        0x20: 1, 0x21: 2, 0x22: 2, 0x81: 1, 0x8D: 1, 0xA8: 1, 0xD3: 1,
        0xD5: 1, 0xD9: 1, 0xDA: 1, 0xDB: 1, 0x26: 6, 0x27: 6, 0x29: 5, 0x2A: 5, 0xA3: 2,
    }

    def __init__(self, width=128, height=64):
        self.width = width
        self.pages = height // 8
        self.ram = bytearray(width * self.pages)
        self.commands = []
        self.on = False
        self.contrast = 0x7F
        self.inverted = False
        self.mode = 2
        self.col_start = 0
        self.col_end = width - 1
        self.page_start = 0
        self.page_end = self.pages - 1
        self.col = 0
        self.page = 0
        self._pending = None
        self._args = None

    def write(self, data):
        if not data:
            return
        control = data[0]
        body = data[1:]
        if control & 0x40:
            for b in body:
                self._data(b)
        else:
            for b in body:
                self._command_byte(b)

    def _command_byte(self, b):
        if self._pending is not None:
            self._args.append(b)
            if len(self._args) == self._ARGS[self._pending]:
                self._run(self._pending, self._args)
                self._pending = None
            return
        if b in self._ARGS:
            self._pending = b
            self._args = []
            return
        self._run(b, [])

    def _run(self, cmd, args):
        self.commands.append((cmd,) + tuple(args))
        if cmd == 0x20:
            self.mode = args[0] & 3
        elif cmd == 0x21:
            self.col_start = args[0] & 0x7F
            self.col_end = args[1] & 0x7F
            self.col = self.col_start
        elif cmd == 0x22:
            self.page_start = args[0] & 7
            self.page_end = args[1] & 7
            self.page = self.page_start
        elif cmd == 0x81:
            self.contrast = args[0]
        elif cmd == 0xAE:
            self.on = False
        elif cmd == 0xAF:
            self.on = True
        elif cmd == 0xA6:
            self.inverted = False
        elif cmd == 0xA7:
            self.inverted = True
        elif 0xB0 <= cmd <= 0xB7:
            self.page = cmd & 7
        elif cmd <= 0x0F:
            self.col = (self.col & 0xF0) | cmd
        elif cmd <= 0x1F:
            self.col = (self.col & 0x0F) | ((cmd & 0x0F) << 4)

    def _data(self, b):
        if self.col < self.width and self.page < self.pages:
            self.ram[self.page * self.width + self.col] = b
        if self.mode == 0:
            if self.col >= self.col_end:
                self.col = self.col_start
                if self.page >= self.page_end:
                    self.page = self.page_start
                else:
                    self.page += 1
            else:
                self.col += 1
        elif self.mode == 1:
            if self.page >= self.page_end:
                self.page = self.page_start
                if self.col >= self.col_end:
                    self.col = self.col_start
                else:
                    self.col += 1
            else:
                self.page += 1
        else:
            if self.col < self.width - 1:
                self.col += 1

    def pixel(self, x, y):
        return (self.ram[(y >> 3) * self.width + x] >> (y & 7)) & 1


class _PinFactory:
    """machine.Pin for a FakeMachine: callable like the class, stamps pins with its clock."""

    IN = Pin.IN
    OUT = Pin.OUT
    OPEN_DRAIN = Pin.OPEN_DRAIN
    PULL_UP = Pin.PULL_UP
    PULL_DOWN = Pin.PULL_DOWN
    IRQ_FALLING = Pin.IRQ_FALLING
    IRQ_RISING = Pin.IRQ_RISING

    def __init__(self, machine):
        self._machine = machine

    def __call__(self, id, mode=-1, pull=-1, value=None):
        pin = Pin(id, mode, pull, value, clock=self._machine.clock)
        self._machine.pins.append(pin)
        return pin


class FakeMachine:
    """A stand-in for the machine module, as board.open_board() uses it."""

    def __init__(self, clock=None, uid=b"\xe6\x61\x38\x52\x83\x2a\x4f\x2c", devices=None):
        if clock is None:
            clock = Clock()
        self.clock = clock
        self.uid = uid
        self.devices = devices
        self.pins = []
        self.pwms = []
        self.i2cs = []
        self.sleeps = []
        self.Pin = _PinFactory(self)

    def PWM(self, pin, freq=0, duty_u16=0):
        pwm = PWM(pin, freq, duty_u16, clock=self.clock)
        self.pwms.append(pwm)
        return pwm

    def I2C(self, id, sda=None, scl=None, freq=400000):
        devices = self.devices
        if devices is None:
            devices = {0x3C: SSD1306Model()}
        bus = I2C(id, sda, scl, freq, devices=devices, clock=self.clock)
        self.i2cs.append(bus)
        return bus

    def lightsleep(self, ms=0):
        self.sleeps.append((self.clock.now, ms))
        self.clock.advance(ms)

    def unique_id(self):
        return self.uid

    def pin(self, id):
        """The last pin created with this GPIO number."""
        found = None
        for p in self.pins:
            if p.id == id:
                found = p
        return found


class Canvas(framebuf.FrameBuffer):
    """A MONO_VLSB FrameBuffer that also keeps (text, x, y, color) for text drawn since fill()."""

    def __init__(self, width=128, height=64):
        self.width = width
        self.height = height
        self.buffer = bytearray(width * ((height + 7) // 8))
        self.texts = []
        super().__init__(self.buffer, width, height, framebuf.MONO_VLSB)

    def fill(self, c):
        self.texts = []
        super().fill(c)

    def text(self, s, x, y, c=1):
        self.texts.append((s, x, y, c))
        super().text(s, x, y, c)

    def strings(self):
        """The texts drawn, without positions."""
        return [t[0] for t in self.texts]

    def get(self, x, y):
        """The pixel at (x, y), read from the buffer."""
        return (self.buffer[(y >> 3) * self.width + x] >> (y & 7)) & 1

    def count(self, x, y, w, h):
        """How many pixels are lit in a rectangle."""
        n = 0
        for yy in range(y, y + h):
            for xx in range(x, x + w):
                n += self.get(xx, yy)
        return n

    def row(self, y, x0=0, x1=None):
        """A string of '#' and '.' for row y from x0 to x1 (exclusive)."""
        if x1 is None:
            x1 = self.width
        out = bytearray(b"." * (x1 - x0))  # one buffer, not a new string per pixel
        for x in range(x0, x1):
            if self.get(x, y):
                out[x - x0] = 35  # '#'
        return str(out, "ascii")

