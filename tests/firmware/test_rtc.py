# Tests for firmware/rtc.py: the DS3231's BCD registers to Unix seconds and back, a stopped
# oscillator, and no clock on the bus.

import rtc

ADDR = 0x68


class FakeDs3231:
    """The registers of a DS3231 behind readfrom_mem_into / writeto_mem (I2C as on the board)."""

    def __init__(self, present=True):
        self.regs = bytearray(0x13)
        self.present = present

    def readfrom_mem_into(self, addr, memaddr, buf):
        if not self.present or addr != ADDR:
            raise OSError(5)
        for i in range(len(buf)):
            buf[i] = self.regs[memaddr + i]

    def writeto_mem(self, addr, memaddr, buf):
        if not self.present or addr != ADDR:
            raise OSError(5)
        for i in range(len(buf)):
            self.regs[memaddr + i] = buf[i]


# (Unix seconds, the time registers 0x00-0x06: s, min, h, weekday Monday=1, day, month, year)
DATES = (
    (1800000000, (0x00, 0x00, 0x08, 5, 0x15, 0x01, 0x27)),  # 2027-01-15 08:00:00, a Friday
    (1835440496, (0x56, 0x34, 0x12, 2, 0x29, 0x02, 0x28)),  # 2028-02-29 12:34:56, a Tuesday
    (946684800, (0x00, 0x00, 0x00, 6, 0x01, 0x01, 0x00)),  # 2000-01-01, a Saturday
    (4102444799, (0x59, 0x59, 0x23, 4, 0x31, 0x12, 0x99)),  # 2099-12-31 23:59:59, a Thursday
    (1796403600, (0x00, 0x00, 0x17, 5, 0x04, 0x12, 0x26)),  # 2026-12-04 17:00:00, a Friday
)


def test_write_then_read_every_date():
    for unix_s, regs in DATES:
        chip = FakeDs3231()
        chip.regs[0x0F] = 0x88  # OSF set (a new coin cell), and another status bit
        c = rtc.Clock(chip, ADDR)
        assert c.read() == 0  # stopped: not trusted
        assert c.write(unix_s) is True
        assert tuple(chip.regs[:7]) == regs, unix_s
        assert chip.regs[0x0F] == 0x08  # OSF cleared, the rest left alone
        assert c.read() == unix_s


def test_read_registers_set_elsewhere():
    chip = FakeDs3231()
    chip.regs[:7] = bytes(DATES[1][1])
    assert rtc.Clock(chip, ADDR).read() == DATES[1][0]
    chip.regs[4] = 0x30  # 30 February
    assert rtc.Clock(chip, ADDR).read() == 0


def test_no_clock_on_the_bus():
    c = rtc.Clock(FakeDs3231(present=False), ADDR)
    assert c.read() == 0
    assert c.write(1800000000) is False


def test_out_of_range():
    c = rtc.Clock(FakeDs3231(), ADDR)
    assert c.write(946684799) is False
    assert c.write(4102444800) is False
