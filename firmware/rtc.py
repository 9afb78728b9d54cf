# The optional battery-backed real-time clock: a DS3231 on the board's I2C bus
# (hardware/README.md). Its time registers 0x00-0x06 hold seconds, minutes, hours, weekday,
# day, month and year in BCD (24-hour mode; the year 2000 to 2099); bit 7 of the status
# register 0x0F (OSF) says the oscillator stopped since it was last cleared, so the time is
# not to be trusted (a flat or missing coin cell). Time here is Unix seconds, UTC.

from micropython import const

_TIME = const(0x00)
_STATUS = const(0x0F)
_OSF = const(0x80)
_Y2000 = const(946684800)  # 2000-01-01 00:00:00 UTC in Unix seconds
_DAY = const(86400)


def _bcd(b):
    return (b >> 4) * 10 + (b & 0x0F)


def _to_bcd(v):
    return ((v // 10) << 4) | (v % 10)


def days_from_2000(y, m, d):
    """Days from 2000-01-01 to the date (proleptic Gregorian), for 2000 <= y <= 2099."""
    days = (y - 2000) * 365 + (y - 1997) // 4  # and the leap days of 2000 to y - 1
    k = 0
    for month in range(1, m):
        k += _month_days(y, month)
    return days + k + d - 1


def _month_days(y, m):
    if m == 2:
        return 29 if y % 4 == 0 else 28
    return 30 if m in (4, 6, 9, 11) else 31


class Clock:
    """The DS3231 at `addr` on `i2c`, read and set in Unix seconds; buffers made once."""

    def __init__(self, i2c, addr):
        self.i2c = i2c
        self.addr = addr
        self._regs = bytearray(7)
        self._one = bytearray(1)

    def read(self):
        """Unix seconds now, or 0 when there is no clock, it stopped, or it holds no date."""
        try:
            self.i2c.readfrom_mem_into(self.addr, _STATUS, self._one)
            if self._one[0] & _OSF:
                return 0
            self.i2c.readfrom_mem_into(self.addr, _TIME, self._regs)
        except OSError:
            return 0
        r = self._regs
        s = _bcd(r[0] & 0x7F)
        mi = _bcd(r[1] & 0x7F)
        h = _bcd(r[2] & 0x3F)
        d = _bcd(r[4] & 0x3F)
        mo = _bcd(r[5] & 0x1F)
        y = 2000 + _bcd(r[6])
        if s > 59 or mi > 59 or h > 23 or not 1 <= mo <= 12 or not 1 <= d <= _month_days(y, mo):
            return 0
        return _Y2000 + days_from_2000(y, mo, d) * _DAY + h * 3600 + mi * 60 + s

    def write(self, unix_s):
        """Set the clock to Unix seconds unix_s (2000 to 2099) and clear OSF; False when
        there is no clock or the time is out of its range."""
        t = unix_s - _Y2000
        if t < 0:
            return False
        days = t // _DAY
        rest = t % _DAY
        y = 2000
        while True:
            n = 366 if y % 4 == 0 else 365
            if days < n:
                break
            days -= n
            y += 1
        if y > 2099:
            return False
        mo = 1
        while days >= _month_days(y, mo):
            days -= _month_days(y, mo)
            mo += 1
        r = self._regs
        r[0] = _to_bcd(rest % 60)
        r[1] = _to_bcd((rest // 60) % 60)
        r[2] = _to_bcd(rest // 3600)
        r[3] = (t // _DAY + 5) % 7 + 1  # weekday 1..7, Monday 1 (2000-01-01 was a Saturday)
        r[4] = _to_bcd(days + 1)
        r[5] = _to_bcd(mo)
        r[6] = _to_bcd(y - 2000)
        try:
            self.i2c.writeto_mem(self.addr, _TIME, r)
            self.i2c.readfrom_mem_into(self.addr, _STATUS, self._one)
            self._one[0] &= ~_OSF & 0xFF
            self.i2c.writeto_mem(self.addr, _STATUS, self._one)
        except OSError:
            return False
        return True
