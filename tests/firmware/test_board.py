# Tests for firmware/board.py: the pin map, the profiles and what open_board() sets up.

import board
import fakes


def test_pin_map_constants():
    assert board.BUTTON_PIN == 14
    assert board.BUZZER_PIN == 15
    assert board.I2C_ID == 0
    assert board.SDA_PIN == 4
    assert board.SCL_PIN == 5
    assert board.OLED_ADDR == 0x3C
    assert board.I2C_FREQ == 400000
    assert board.MOTOR_PIN == 16


def test_profile_for_pico_and_pico2():
    assert board.profile_for("Raspberry Pi Pico with RP2040") is board.PICO
    assert board.profile_for("Raspberry Pi Pico W with RP2040") is board.PICO
    assert board.profile_for("Raspberry Pi Pico2 with RP2350") is board.PICO2
    assert board.PICO.chip == "RP2040"
    assert board.PICO2.chip == "RP2350"
    assert board.PICO.name == "pico"
    assert board.PICO2.name == "pico2"


def test_open_board_creates_each_part_on_its_pin():
    m = fakes.FakeMachine()
    b = board.open_board(m, "Raspberry Pi Pico with RP2040")
    assert b.name == "pico"
    bus = b.i2c
    assert bus.id == 0
    assert bus.sda.id == 4
    assert bus.scl.id == 5
    assert bus.bus_hz == 400000
    assert b.button.id == 14
    assert b.button.mode == fakes.Pin.IN
    assert b.button.pull == fakes.Pin.PULL_UP
    assert b.button.value() == 1
    assert b.buzzer.pin.id == 15
    assert b.buzzer.duty_u16() == 0
    assert b.buzzer.freq() == board.BUZZER_IDLE_HZ
    assert b.motor.id == 16
    assert b.motor.mode == fakes.Pin.OUT
    assert b.motor.levels() == [0]
    assert len(m.i2cs) == 1
    assert len(m.pwms) == 1


def test_open_board_pico2_profile():
    m = fakes.FakeMachine()
    b = board.open_board(m, "Raspberry Pi Pico2 with RP2350")
    assert b.name == "pico2"
    assert b.profile.cpu_hz == 150000000
    assert b.button.id == 14


def test_open_board_without_motor():
    m = fakes.FakeMachine()
    b = board.open_board(m, "Raspberry Pi Pico with RP2040", motor=False)
    assert b.motor is None
    assert m.pin(16) is None
    b.lightsleep(10)
    assert m.sleeps == [(0, 10)]


def test_unique_id_is_hex():
    m = fakes.FakeMachine(uid=b"\x01\xab\x00\xff")
    b = board.open_board(m, "Raspberry Pi Pico with RP2040")
    assert b.unique_id() == "01ab00ff"


def test_lightsleep_silences_and_wakes_on_button():
    m = fakes.FakeMachine()
    b = board.open_board(m, "Raspberry Pi Pico with RP2040")
    b.buzzer.freq(880)
    b.buzzer.duty_u16(30000)
    b.motor.value(1)
    m.clock.now = 500
    b.lightsleep(60000)
    assert m.sleeps == [(500, 60000)]
    assert m.clock.now == 60500
    assert b.buzzer.duty_u16() == 0
    assert b.motor.levels() == [0, 1, 0]
    assert b.button.irq_trigger == fakes.Pin.IRQ_FALLING
    b.button.drive(0)
    b.button.drive(1)
    assert b.wakes == 1
    b.lightsleep(5)
    b.button.drive(0)
    assert b.wakes == 2
