# Board profile: every pin in one place, and the only module that creates machine objects.
#
# Wiring (Raspberry Pi Pico / Pico W / Pico 2; the same header pins on each):
#
#   part                      signal        Pico pin (GPIO)     physical pin
#   ------------------------  ------------  ------------------  ------------
#   push button               to GND        GP14 (pull-up)      19
#   passive piezo buzzer      + via 100 R   GP15 (PWM 7B)       20
#   SSD1306 128x64 OLED       SDA           GP4  (I2C0 SDA)     6
#   SSD1306 128x64 OLED       SCL           GP5  (I2C0 SCL)     7
#   SSD1306 128x64 OLED       VCC / GND     3V3(OUT) / GND      36 / 38
#   vibration motor (option)  NPN base 1 k  GP16                21
#   DS3231 clock (option)     SDA / SCL     GP4 / GP5 (shared)  6 / 7
#   DS3231 clock (option)     VCC / GND     3V3(OUT) / GND      36 / 38
#
# The OLED answers at I2C address 0x3C and runs at 400 kHz; the optional battery-backed
# clock shares its bus at 0x68. The button pulls
# its pin low when pressed (active low). The motor is switched by an NPN
# transistor with a flyback diode across the motor; GP16 high runs it.

import os
import sys

from micropython import const

BUTTON_PIN = const(14)
BUZZER_PIN = const(15)
I2C_ID = const(0)
SDA_PIN = const(4)
SCL_PIN = const(5)
OLED_ADDR = const(0x3C)
RTC_ADDR = const(0x68)
I2C_FREQ = const(400000)
MOTOR_PIN = const(16)

# Whether a vibration motor is fitted (the board still works without one).
MOTOR_FITTED = True

# PWM frequency the buzzer pin idles at (silent: duty 0).
BUZZER_IDLE_HZ = 2000


class Profile:
    """What differs between supported boards: their name, chip and clock."""

    def __init__(self, name, chip, cpu_hz):
        self.name = name
        self.chip = chip
        self.cpu_hz = cpu_hz


PICO = Profile("pico", "RP2040", 125000000)
PICO2 = Profile("pico2", "RP2350", 150000000)


def profile_for(machine_name):
    """The profile for an os.uname().machine string such as 'Raspberry Pi Pico with RP2040'."""
    if "RP2350" in machine_name:
        return PICO2
    return PICO


class Board:
    """The opened hardware: I2C bus, button pin, buzzer PWM, optional motor pin."""

    def __init__(self, machine, profile, motor=True):
        self._machine = machine
        self.profile = profile
        self.name = profile.name
        Pin = machine.Pin
        self.i2c = machine.I2C(I2C_ID, sda=Pin(SDA_PIN), scl=Pin(SCL_PIN), freq=I2C_FREQ)
        self.oled_addr = OLED_ADDR
        self.rtc_addr = RTC_ADDR
        self.button = Pin(BUTTON_PIN, Pin.IN, Pin.PULL_UP)
        self.buzzer = machine.PWM(Pin(BUZZER_PIN))
        self.buzzer.freq(BUZZER_IDLE_HZ)
        self.buzzer.duty_u16(0)
        if motor:
            self.motor = Pin(MOTOR_PIN, Pin.OUT)
            self.motor.value(0)
        else:
            self.motor = None
        self.wakes = 0
        self._wake_armed = False

    def _on_wake(self, pin):
        self.wakes += 1

    def lightsleep(self, ms):
        """Sleep with clocks stopped for up to ms; a button press wakes the board early."""
        if not self._wake_armed:
            self.button.irq(self._on_wake, trigger=self._machine.Pin.IRQ_FALLING)
            self._wake_armed = True
        self.buzzer.duty_u16(0)
        if self.motor is not None:
            self.motor.value(0)
        self._machine.lightsleep(ms)

    def unique_id(self):
        """The chip's unique id as a lower-case hex string."""
        out = ""
        for b in self._machine.unique_id():
            out += "%02x" % b
        return out


def board_machine_name():
    """The board and chip this MicroPython runs on, e.g. 'Raspberry Pi Pico2 with RP2350'."""
    try:
        return sys.implementation._machine
    except AttributeError:
        return os.uname().machine


def open_board(machine=None, machine_name=None, motor=MOTOR_FITTED):
    """Open the board this runs on; tests pass a fake machine module and a machine name."""
    if machine is None:
        import machine
    if machine_name is None:
        machine_name = board_machine_name()
    return Board(machine, profile_for(machine_name), motor)
