# SSD1306 OLED driver over I2C: a FrameBuffer that sends only the bytes that changed.
#
# The display RAM is 8 pages of 8-pixel-high rows; each byte is one column of
# a page, bit 0 at the top (framebuf.MONO_VLSB). show() compares the frame
# with a shadow of what the panel already holds and, for each page that
# changed, sends only the column range that changed; neighbouring changed pages
# go out as one window when that is fewer bytes.

import framebuf
from micropython import const

# Control bytes (first byte of every I2C transaction): Co=0, D/C#=0 or 1.
_CTRL_CMD = const(0x00)
_CTRL_DATA = const(0x40)

# Commands (SSD1306 datasheet, section 9).
_SET_CONTRAST = const(0x81)
_ENTIRE_ON_RESUME = const(0xA4)
_NORMAL = const(0xA6)
_INVERT = const(0xA7)
_DISPLAY_OFF = const(0xAE)
_DISPLAY_ON = const(0xAF)
_MEMORY_MODE = const(0x20)
_COLUMN_ADDR = const(0x21)
_PAGE_ADDR = const(0x22)
_SCROLL_OFF = const(0x2E)
_START_LINE = const(0x40)
_SEG_REMAP = const(0xA0)
_MUX_RATIO = const(0xA8)
_COM_SCAN_INC = const(0xC0)
_COM_SCAN_DEC = const(0xC8)
_DISPLAY_OFFSET = const(0xD3)
_COM_PINS = const(0xDA)
_CLOCK_DIV = const(0xD5)
_PRECHARGE = const(0xD9)
_VCOM_DESELECT = const(0xDB)
_CHARGE_PUMP = const(0x8D)

# Bytes of one window command transaction: control, 0x21 c0 c1, 0x22 p0 p1.
_WINDOW_COST = const(7)


class SSD1306(framebuf.FrameBuffer):
    """A width x height SSD1306 on an I2C bus that is already set up."""

    def __init__(self, i2c, width=128, height=64, addr=0x3C, external_vcc=False):
        self.i2c = i2c
        self.addr = addr
        self.width = width
        self.height = height
        self.pages = height // 8
        self.external_vcc = external_vcc
        size = width * self.pages
        self.buffer = bytearray(size)
        self._shadow = bytearray(size)
        self._buf_mv = memoryview(self.buffer)
        self._shadow_mv = memoryview(self._shadow)
        # A view of each page of both, made once: comparing pages allocates nothing.
        self._page_mv = [self._buf_mv[p * width:(p + 1) * width] for p in range(self.pages)]
        self._shadow_page_mv = [
            self._shadow_mv[p * width:(p + 1) * width] for p in range(self.pages)
        ]
        self._window = bytearray(_WINDOW_COST)
        self._window[0] = _CTRL_CMD
        self._window[1] = _COLUMN_ADDR
        self._window[4] = _PAGE_ADDR
        self._cmd = bytearray(3)
        self._cmd_mv = memoryview(self._cmd)
        prefix = bytearray(1)
        prefix[0] = _CTRL_DATA
        self._prefix = memoryview(prefix)
        self._vector = [self._prefix, self._buf_mv]
        # A window narrower than the panel is gathered here, after the data control byte.
        self._tx = bytearray(1 + size)
        self._tx[0] = _CTRL_DATA
        self._tx_mv = memoryview(self._tx)
        # Bytes handed to the I2C bus since the driver was made.
        self.bytes_sent = 0
        # Whether the panel's RAM is unknown (after power-up): the next show() sends all.
        self._stale = True
        self.rotated = False
        super().__init__(self.buffer, width, height, framebuf.MONO_VLSB)
        self.init_display()

    def init_sequence(self):
        """The power-up commands, in order, as one bytes object (without the control byte)."""
        vcc = self.external_vcc
        return bytes(
            (
                _DISPLAY_OFF,
                _CLOCK_DIV, 0x80,  # oscillator default, divide ratio 1
                _MUX_RATIO, self.height - 1,
                _DISPLAY_OFFSET, 0x00,
                _START_LINE | 0,
                _CHARGE_PUMP, 0x10 if vcc else 0x14,  # internal pump on unless VCC is supplied
                _MEMORY_MODE, 0x00,  # horizontal addressing
                _SEG_REMAP | 1,  # column 127 on SEG0: not mirrored on the usual modules
                _COM_SCAN_DEC,
                _COM_PINS, 0x02 if self.height == 32 else 0x12,
                _SET_CONTRAST, 0x9F if vcc else 0xCF,
                _PRECHARGE, 0x22 if vcc else 0xF1,
                _VCOM_DESELECT, 0x30,  # about 0.83 x VCC
                _ENTIRE_ON_RESUME,
                _NORMAL,
                _SCROLL_OFF,
                _DISPLAY_ON,
            )
        )

    def init_display(self):
        """Configure the controller, then clear the panel (its RAM is random at power-up)."""
        seq = self.init_sequence()
        self._send(self._prefix_cmd(seq))
        self._stale = True
        self.fill(0)
        self.show()

    def _prefix_cmd(self, seq):
        out = bytearray(len(seq) + 1)
        out[0] = _CTRL_CMD
        out[1:] = seq
        return out

    def _send(self, buf):
        self.i2c.writeto(self.addr, buf)
        self.bytes_sent += len(buf)

    def _command(self, c, arg=-1):
        cmd = self._cmd
        cmd[0] = _CTRL_CMD
        cmd[1] = c
        if arg < 0:
            self._send(self._cmd_mv[0:2])
        else:
            cmd[2] = arg
            self._send(cmd)

    def poweroff(self):
        """Display off (sleep); the RAM keeps the picture."""
        self._command(_DISPLAY_OFF)

    def poweron(self):
        self._command(_DISPLAY_ON)

    def contrast(self, value):
        """Brightness 0 to 255."""
        self._command(_SET_CONTRAST, value & 0xFF)

    def invert(self, on):
        """White on black (False) or black on white (True), done by the panel."""
        self._command(_INVERT if on else _NORMAL)

    def rotate(self, on):
        """Turn the picture by 180 degrees (for wearing the device the other way up)."""
        self.rotated = bool(on)
        self._command(_SEG_REMAP | (0 if on else 1))
        self._command(_COM_SCAN_INC if on else _COM_SCAN_DEC)

    def _first_diff(self, a, lo, hi):
        # Smallest column in [lo, hi] of the page at offset a that differs (one is known to).
        # Byte by byte: a slice to compare would allocate, on every frame.
        buf = self.buffer
        sh = self._shadow
        while lo < hi and buf[a + lo] == sh[a + lo]:
            lo += 1
        return lo

    def _last_diff(self, a, lo, hi):
        # Largest column in [lo, hi] of the page at offset a that differs (one is known to).
        buf = self.buffer
        sh = self._shadow
        while lo < hi and buf[a + hi] == sh[a + hi]:
            hi -= 1
        return hi

    def _flush(self, p0, p1, c0, c1):
        # Send pages p0..p1, columns c0..c1, and remember them as sent.
        w = self.width
        win = self._window
        win[2] = c0
        win[3] = c1
        win[5] = p0
        win[6] = p1
        self._send(win)
        if c0 == 0 and c1 == w - 1:
            a = p0 * w
            b = (p1 + 1) * w
            buf = self._buf_mv
            vec = self._vector
            vec[1] = buf[a:b]
            self.i2c.writevto(self.addr, vec)
            vec[1] = buf
            self.bytes_sent += 1 + b - a
            self._shadow_mv[a:b] = buf[a:b]
            return
        # Byte by byte into the buffer made once (slices would allocate on every frame).
        src = self.buffer
        sh = self._shadow
        tx = self._tx
        n = 1
        for p in range(p0, p1 + 1):
            a = p * w + c0
            for i in range(a, a + c1 - c0 + 1):
                v = src[i]
                tx[n] = v
                sh[i] = v
                n += 1
        self.i2c.writeto(self.addr, self._tx_mv[:n])
        self.bytes_sent += n

    def show(self):
        """Send what changed since the last show(); returns the number of windows sent."""
        w = self.width
        if self._stale:
            self._stale = False
            self._flush(0, self.pages - 1, 0, w - 1)
            return 1
        if self.buffer == self._shadow:
            return 0
        pages = self._page_mv
        shadow = self._shadow_page_mv
        sent = 0
        p0 = -1
        p1 = c0 = c1 = 0
        for p in range(self.pages):
            a = p * w
            if pages[p] == shadow[p]:
                if p0 >= 0:
                    self._flush(p0, p1, c0, c1)
                    sent += 1
                    p0 = -1
                continue
            f = self._first_diff(a, 0, w - 1)
            last = self._last_diff(a, f, w - 1)
            if p0 >= 0:
                m0 = c0 if c0 < f else f
                m1 = c1 if c1 > last else last
                n = p1 - p0 + 1
                merged = (n + 1) * (m1 - m0 + 1)
                apart = n * (c1 - c0 + 1) + _WINDOW_COST + 1 + (last - f + 1)
                if merged <= apart:
                    p1 = p
                    c0 = m0
                    c1 = m1
                    continue
                self._flush(p0, p1, c0, c1)
                sent += 1
            p0 = p
            p1 = p
            c0 = f
            c1 = last
        if p0 >= 0:
            self._flush(p0, p1, c0, c1)
            sent += 1
        return sent

    def full_frame_bytes(self):
        """I2C bytes one whole-frame update costs: the window command and every page."""
        return _WINDOW_COST + 1 + self.width * self.pages


class Dark(framebuf.FrameBuffer):
    """Stands in for a display that does not answer: drawing goes nowhere."""

    def __init__(self):
        self.buffer = bytearray(1024)
        super().__init__(self.buffer, 128, 64, framebuf.MONO_VLSB)

    def show(self):
        return 0

    def poweroff(self):
        pass

    def poweron(self):
        pass
