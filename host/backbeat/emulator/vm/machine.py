# The `machine` module of the virtual Pico, run inside MicroPython's WebAssembly port.
#
# Pins, PWM and the I2C bus are thin classes over the `_vd` JavaScript module
# (vm/worker.mjs), which keeps the pin levels, the button's presses, the tones
# and the SSD1306 model. Sleeping goes through _vd.sleep so that serial bytes,
# presses and Ctrl-C are handled while the firmware waits, like on the board.

import time

import _vd
import uctypes

_irq_pins = {}
_timers = []
def _dispatch():
    # Pin IRQ handlers whose edge happened, then timers that are due.
    n = _vd.irq_next()
    while n >= 0:
        p = _irq_pins.get(n)
        if p is not None and p._handler is not None:
            p._handler(p)
        n = _vd.irq_next()
    if _timers:
        now = time.ticks_ms()
        for t in list(_timers):
            if t._due is not None and time.ticks_diff(now, t._due) >= 0:
                t._fire(now)


def _next_timer_ms(limit):
    if not _timers:
        return limit
    now = time.ticks_ms()
    for t in _timers:
        if t._due is not None:
            d = time.ticks_diff(t._due, now)
            if d < limit:
                limit = d if d > 0 else 0
    return limit


_WAKE_PIN = 1
_WAKE_INPUT = 2


def _sleep(ms, wake=0):
    # Sleep ms device milliseconds. wake _WAKE_PIN: an edge on a pin with an IRQ ends it
    # early; _WAKE_INPUT: a serial byte waiting does. Returns 2 when input ended it.
    if ms < 0:
        raise ValueError("negative sleep")
    end = time.ticks_add(time.ticks_ms(), int(ms))
    left = ms
    while True:
        r = _vd.sleep(_next_timer_ms(left), wake)
        _dispatch()
        if r < 0 or (r == 1 and wake & _WAKE_PIN) or r == 2:
            return r
        left = time.ticks_diff(end, time.ticks_ms())
        if left <= 0:
            return 0


def _sleep_input(ms):
    # Sleep up to ms device milliseconds (without end when ms < 0), until a serial byte
    # waits: a poll's wait on stdin (vdselect.py).
    if ms >= 0:
        _sleep(ms, _WAKE_INPUT)
        return
    while _sleep(1000, _WAKE_INPUT) != 2:
        pass


def _sleep_ms(ms):
    _sleep(ms)


def _sleep_us(us):
    _sleep(us / 1000)


def _sleep_s(s):
    _sleep(s * 1000)


def lightsleep(ms=None):
    """Stop until ms pass or a pin with an IRQ sees its edge."""
    _vd.sleeping(1)
    try:
        _sleep(86400000 if ms is None else ms, _WAKE_PIN)
    finally:
        _vd.sleeping(0)


def deepsleep(ms=None):
    lightsleep(ms)
    reset()


def idle():
    _sleep(0)


def reset():
    """Restart the board: the interpreter starts again with boot.py and main.py."""
    _vd.reset()


def soft_reset():
    raise SystemExit


def unique_id():
    return bytes.fromhex(_vd.unique_id())


def freq(hz=None):
    if hz is None:
        return 125000000
    return None


def disable_irq():
    return 0


def enable_irq(state=0):
    return None


def bootloader(*args):
    reset()


def _pin_number(pin):
    if isinstance(pin, Pin):
        return pin._n
    if pin == "LED":
        return 25
    if isinstance(pin, int) and 0 <= pin <= 29:
        return pin
    raise ValueError("invalid pin")


class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    ALT = 3
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_LOW_LEVEL = 1
    IRQ_HIGH_LEVEL = 2
    IRQ_FALLING = 4
    IRQ_RISING = 8

    def __init__(self, id, mode=-1, pull=-1, value=None, **kw):
        self._n = _pin_number(id)
        self._handler = None
        self._trigger = 0
        self.init(mode, pull, value)

    def init(self, mode=-1, pull=-1, value=None, **kw):
        _vd.pin_mode(self._n, mode, pull)
        if value is not None:
            self.value(value)

    def value(self, v=None):
        if v is None:
            return _vd.pin_get(self._n)
        _vd.pin_set(self._n, 1 if v else 0)
        return None

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        _vd.pin_set(self._n, 1)

    def off(self):
        _vd.pin_set(self._n, 0)

    high = on
    low = off

    def toggle(self):
        _vd.pin_set(self._n, 1 - _vd.pin_get(self._n))

    def irq(self, handler=None, trigger=12, hard=False, wake=None):
        self._handler = handler
        self._trigger = trigger if handler is not None else 0
        if handler is None:
            _irq_pins.pop(self._n, None)
        else:
            _irq_pins[self._n] = self
        _vd.pin_irq(self._n, self._trigger)
        return self

    def flags(self):
        return self._trigger

    def trigger(self):
        return self._trigger

    def __repr__(self):
        return "Pin(GPIO" + str(self._n) + ")"


class PWM:
    def __init__(self, pin, freq=0, duty_u16=0, **kw):
        self._n = _pin_number(pin)
        self._freq = 0
        self._duty = 0
        if freq:
            self.freq(freq)
        if duty_u16:
            self.duty_u16(duty_u16)

    def init(self, freq=0, duty_u16=0, **kw):
        if freq:
            self.freq(freq)
        self.duty_u16(duty_u16)

    def freq(self, hz=None):
        if hz is None:
            return self._freq
        hz = int(hz)
        if hz < 8 or hz > 62500000:
            raise ValueError("freq out of range")
        self._freq = hz
        _vd.pwm(self._n, self._freq, self._duty)
        return None

    def duty_u16(self, d=None):
        if d is None:
            return self._duty
        d = int(d)
        self._duty = 0 if d < 0 else (65535 if d > 65535 else d)
        _vd.pwm(self._n, self._freq, self._duty)
        return None

    def duty_ns(self, ns=None):
        if ns is None:
            return 0 if not self._freq else self._duty * 1000000000 // (65535 * self._freq)
        self.duty_u16(ns * self._freq * 65535 // 1000000000)
        return None

    def deinit(self):
        self._duty = 0
        _vd.pwm(self._n, 0, 0)


# I2C pins of the RP2040: SDA, SCL for bus 0 and bus 1.
_I2C_SDA = ((0, 4, 8, 12, 16, 20, 24, 28), (2, 6, 10, 14, 18, 22, 26))
_I2C_SCL = ((1, 5, 9, 13, 17, 21, 25, 29), (3, 7, 11, 15, 19, 23, 27))
_I2C_DEFAULT = ((8, 9), (6, 7))


class I2C:
    def __init__(self, id=0, scl=None, sda=None, freq=400000, timeout=50000):
        if id not in (0, 1):
            raise ValueError("I2C(" + str(id) + ") doesn't exist")
        sda_n = _I2C_DEFAULT[id][0] if sda is None else _pin_number(sda)
        scl_n = _I2C_DEFAULT[id][1] if scl is None else _pin_number(scl)
        if sda_n not in _I2C_SDA[id]:
            raise ValueError("bad SDA pin")
        if scl_n not in _I2C_SCL[id]:
            raise ValueError("bad SCL pin")
        self._bus = _vd.i2c_bus(id, sda_n, scl_n, freq)
        self._one = bytearray(1)

    def scan(self):
        found = []
        for a in range(0x08, 0x78):
            if _vd.i2c_present(self._bus, a):
                found.append(a)
        return found

    def _start(self, addr):
        if not _vd.i2c_present(self._bus, addr):
            raise OSError(5)

    def writeto(self, addr, buf, stop=True):
        self._start(addr)
        _vd.i2c_write(self._bus, addr, uctypes.addressof(buf), len(buf), 1, 1)
        return len(buf)

    def writevto(self, addr, vector, stop=True):
        self._start(addr)
        n = 0
        last = len(vector) - 1
        for i, buf in enumerate(vector):
            _vd.i2c_write(self._bus, addr, uctypes.addressof(buf), len(buf),
                          1 if i == 0 else 0, 1 if i == last else 0)
            n += len(buf)
        return n

    def writeto_mem(self, addr, memaddr, buf, addrsize=8):
        self._one[0] = memaddr
        return self.writevto(addr, (self._one, buf))

    def readfrom_into(self, addr, buf, stop=True):
        self._start(addr)
        _vd.i2c_read(self._bus, addr, uctypes.addressof(buf), len(buf))

    def readfrom(self, addr, nbytes, stop=True):
        buf = bytearray(nbytes)
        self.readfrom_into(addr, buf)
        return bytes(buf)

    def readfrom_mem_into(self, addr, memaddr, buf, addrsize=8):
        self._one[0] = memaddr
        self.writeto(addr, self._one, False)
        self.readfrom_into(addr, buf)

    def readfrom_mem(self, addr, memaddr, nbytes, addrsize=8):
        buf = bytearray(nbytes)
        self.readfrom_mem_into(addr, memaddr, buf)
        return bytes(buf)


SoftI2C = I2C


class Timer:
    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(self, id=-1, mode=1, period=-1, freq=-1, callback=None, tick_hz=1000):
        self._due = None
        self._period = 0
        self._mode = mode
        self._callback = None
        if callback is not None:
            self.init(mode=mode, period=period, freq=freq, callback=callback, tick_hz=tick_hz)

    def init(self, mode=1, period=-1, freq=-1, callback=None, tick_hz=1000):
        if freq > 0:
            ms = 1000 / freq
        elif period >= 0:
            ms = period * 1000 / tick_hz
        else:
            raise ValueError("period or freq needed")
        self._period = max(1, int(ms))
        self._mode = mode
        self._callback = callback
        self._due = time.ticks_add(time.ticks_ms(), self._period)
        if self not in _timers:
            _timers.append(self)

    def _fire(self, now):
        # A periodic timer fires once for every period that has passed (none is lost when
        # the host was slow to wake the device).
        while self._due is not None and time.ticks_diff(now, self._due) >= 0:
            if self._mode == Timer.PERIODIC:
                self._due = time.ticks_add(self._due, self._period)
            else:
                self.deinit()
            if self._callback is not None:
                self._callback(self)

    def deinit(self):
        self._due = None
        if self in _timers:
            _timers.remove(self)
