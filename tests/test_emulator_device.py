"""The virtual device through its serial port: mpremote (as a subprocess) through every
command users run, resets, Ctrl-C, errno values, the heap and flash limits, the clock
and --speed, stdin and select for the link, pins, timers and light sleep."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from emulatorrig import Emulator, Serial

# A board that counts its boots, then runs a main loop that sleeps like the firmware's.
BOOT = "with open('boots.txt', 'a') as f:\n    f.write('b')\n"
MAIN = """import time
with open('mains.txt', 'a') as f:
    f.write('m')
print('main running')
n = 0
while True:
    n += 1
    time.sleep_ms(10)
"""


def make_flash(d: Path) -> Path:
    d.mkdir()
    (d / "boot.py").write_text(BOOT)
    (d / "main.py").write_text(MAIN)
    return d


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    e = Emulator(make_flash(tmp_path_factory.mktemp("dev") / "flash"))
    yield e
    e.stop()


def counts(emu: Emulator) -> tuple[int, int]:
    # `resume`: without it mpremote soft-resets the board before its first exec.
    out = emu.mp_ok("resume", "exec",
                    "print(len(open('boots.txt').read()), len(open('mains.txt').read()))")
    b, m = out.split()
    return int(b), int(m)


def test_ls_shows_the_flash_as_the_root_with_sizes(emu):
    out = emu.mp_ok("ls", ":")
    assert out.splitlines()[0] == "ls :"
    assert f"{len(BOOT):12} boot.py" in out.splitlines()
    assert f"{len(MAIN):12} main.py" in out.splitlines()


def test_cp_both_ways_cat_sha256sum_mkdir_rm(emu, tmp_path):
    data = bytes(range(256)) * 40 + b"end"
    src = tmp_path / "blob.bin"
    src.write_bytes(data)
    emu.mp_ok("mkdir", ":d", "+", "cp", str(src), ":d/blob.bin")
    assert (emu.flash / "d" / "blob.bin").read_bytes() == data
    out = emu.mp_ok("sha256sum", ":d/blob.bin")
    assert hashlib.sha256(data).hexdigest() in out
    back = tmp_path / "back.bin"
    emu.mp_ok("cp", ":d/blob.bin", str(back))
    assert back.read_bytes() == data
    (tmp_path / "t.txt").write_text("line one\nline two\n")
    emu.mp_ok("cp", str(tmp_path / "t.txt"), ":d/t.txt")
    assert emu.mp_ok("cat", ":d/t.txt").endswith("line one\nline two\n")
    emu.mp_ok("rm", ":d/blob.bin", "+", "rm", ":d/t.txt", "+", "rmdir", ":d")
    assert not (emu.flash / "d").exists()
    assert "d/" not in emu.mp_ok("ls", ":")


def test_exec_and_run(emu, tmp_path):
    assert emu.mp_ok("exec", "print(6 * 7)").strip() == "42"
    script = tmp_path / "s.py"
    script.write_text("import sys\nprint(sys.platform, sum(range(10)))\n")
    assert emu.mp_ok("run", str(script)).strip() == "rp2 45"


def test_the_board_looks_like_a_pico(emu):
    out = emu.mp_ok("exec", "import os, sys, machine\n"
                    "print(sys.implementation._mpy, sys.implementation._machine)\n"
                    "print(os.uname().sysname, os.uname().machine)\n"
                    "print(machine.unique_id() == machine.unique_id(), len(machine.unique_id()))\n"
                    "print(machine.freq())")
    assert out.splitlines() == [
        "4870 Raspberry Pi Pico with RP2040",
        "rp2 Raspberry Pi Pico with RP2040",
        "True 8",
        "125000000",
    ]


def test_df_and_statvfs_report_a_pico_flash(emu):
    out = emu.mp_ok("exec", "import os\nprint(os.statvfs('/'))")
    # 352 blocks of 4 KB; in use: the root (2), boot.py, main.py, boots.txt, mains.txt.
    assert out.strip() == "(4096, 4096, 352, 346, 346, 0, 0, 0, 0, 255)"
    df = emu.mp_ok("df")
    assert "1441792" in df


def test_errno_values_are_micropythons(emu):
    code = """import os
def err(f, *a):
    try:
        f(*a)
    except OSError as e:
        return e.errno
print(err(open, 'missing.txt'), err(os.stat, 'missing'), err(os.mkdir, 'main.py'),
      err(os.remove, 'missing'), err(os.listdir, 'missing'))
os.mkdir('full')
open('full/x', 'w').close()
print(err(os.rmdir, 'full'), err(open, 'full', 'w'))
os.remove('full/x')
os.rmdir('full')
"""
    assert emu.mp_ok("exec", code).split() == ["2", "2", "17", "2", "2", "39", "21"]


def test_a_file_bigger_than_the_flash_fails_with_enospc(emu):
    code = """import os
f = open('big.bin', 'wb')
b = bytes(4096)
n = 0
try:
    while True:
        f.write(b)
        n += 1
except OSError as e:
    print(e.errno, n, os.statvfs('/')[3])
f.close()
os.remove('big.bin')
print(os.statvfs('/')[3])
"""
    # 346 free blocks: the file gets them all, then ENOSPC (28).
    assert emu.mp_ok("exec", code, timeout=120).split() == ["28", "346", "0", "346"]


def test_the_heap_is_bounded_like_a_picos(emu):
    code = """import gc
gc.collect()
print(gc.mem_free() + gc.mem_alloc())
try:
    b = bytearray(200 * 1024)
    print('allocated')
except MemoryError:
    print('MemoryError')
"""
    total, result = emu.mp_ok("exec", code).split()
    assert int(total) <= 192 * 1024
    assert int(total) == 192064
    assert result == "MemoryError"


def test_files_persist_across_a_restart(tmp_path):
    flash = make_flash(tmp_path / "flash")
    with Emulator(flash) as e:
        e.mp_ok("resume", "exec",
                "f = open('keep.txt', 'w'); f.write('kept across restarts'); f.close()")
    assert (flash / "keep.txt").read_text() == "kept across restarts"
    with Emulator(flash) as e:
        assert e.mp_ok("resume", "cat", ":keep.txt").endswith("kept across restarts")
        assert counts(e) == (2, 2)


def test_soft_reset_runs_boot_py_and_reset_runs_both(emu):
    b0, m0 = counts(emu)
    emu.mp_ok("soft-reset")
    # mpremote soft-resets in the raw REPL: boot.py runs, main.py does not (as on a Pico).
    assert counts(emu) == (b0 + 1, m0)
    with Serial(emu.port, keep=True) as s:
        emu.mp_ok("resume", "reset")
        # Wait until the board is back (a Pico's USB port would be gone until then).
        s.read_until(b"main running\n")
    # A hard reset starts the board as at power-up: boot.py, then main.py.
    assert counts(emu) == (b0 + 2, m0 + 1)


def test_ctrl_d_at_the_friendly_repl_soft_resets_and_runs_main(emu):
    b0, m0 = counts(emu)
    with Serial(emu.port) as s:
        s.write(b"\r\x03\x03")
        s.read_until(b">>> ")
        s.write(b"\x04")
        s.read_until(b"MPY: soft reboot\r\n")
        s.read_until(b"main running\n")
        s.write(b"\x03")
        s.read_until(b"KeyboardInterrupt")
        s.read_until(b">>> ")
        s.write(b"print('back', 1 + 1)\r")
        # At the friendly REPL, text goes out with \r\n line ends, as from a Pico.
        assert s.read_until(b">>> ").endswith(b"back 2\r\n>>> ")
    assert counts(emu) == (b0 + 1, m0 + 1)


def test_raw_paste_is_refused_cleanly(emu):
    with Serial(emu.port) as s:
        s.write(b"\r\x03\x03\r\x01")
        s.read_until(b"raw REPL; CTRL-B to exit\r\n>")
        s.write(b"\x05A\x01")
        assert s.read_until(b"R\x00") == b"R\x00"
        s.write(b"print('raw', 3)\x04")
        assert s.read_until(b"\x04\x04>") == b"OKraw 3\n\x04\x04>"
        s.write(b"\x02")
        s.read_until(b">>> ")


def test_stdin_and_select_see_the_serial_bytes(emu):
    code = """import select, sys
p = select.poll()
p.register(sys.stdin, select.POLLIN)
before = len(p.poll(0))
print('ready')
got = sys.stdin.buffer.read(5)
print(before, len(p.poll(0)), got)
"""
    with Serial(emu.port) as s:
        s.raw_start(code)
        s.read_until(b"ready\n")
        s.write(b"hello")
        assert s.read_until(b"\x04").endswith(b"0 0 b'hello'\n\x04")


def test_a_polls_wait_is_device_time_and_ends_when_a_byte_comes(emu):
    # As on the board, where the firmware's main loop waits so (main.py, _input_wait):
    # timers run during the wait, as in any sleep.
    # (The sleep first takes raw_start's second Ctrl-C.)
    code = """import machine, select, sys, time
time.sleep_ms(1)
p = select.poll()
p.register(sys.stdin, select.POLLIN)
ticks = []
tm = machine.Timer(period=100, callback=lambda t: ticks.append(1))
t = time.ticks_ms()
n0 = len(p.poll(350))
d0 = time.ticks_diff(time.ticks_ms(), t)
tm.deinit()
print('ready', len(ticks))
t = time.ticks_ms()
n1 = 0
for _ in p.ipoll(600000):
    n1 += 1
    break
d1 = time.ticks_diff(time.ticks_ms(), t)
print(n0, d0 >= 300, n1, d1 < 600000, sys.stdin.buffer.read(1))
"""
    with Serial(emu.port) as s:
        s.raw_start(code)
        s.read_until(b"ready 3\n")
        s.write(b"k")
        assert s.read_until(b"\x04").endswith(b"0 True 1 True b'k'\n\x04")


def test_pin_irq_lightsleep_and_timer(emu):
    code = """import machine, time
p = machine.Pin(14, machine.Pin.IN, machine.Pin.PULL_UP)
edges = []
p.irq(lambda pin: edges.append(pin.value()), trigger=machine.Pin.IRQ_FALLING | machine.Pin.IRQ_RISING)
print('armed', p.value())
t0 = time.ticks_ms()
machine.lightsleep(600000)
slept = time.ticks_diff(time.ticks_ms(), t0)
time.sleep_ms(2000)
ticks = []
t = machine.Timer(period=100, callback=lambda t: ticks.append(1))
time.sleep_ms(1050)
t.deinit()
time.sleep_ms(300)
print(slept < 600000, edges, len(ticks))
"""
    with Serial(emu.port) as s:
        s.raw_start(code)
        s.read_until(b"armed 1\n")
        emu.command("press")
        out = s.read_until(b"\x04")
    # Ten periods in 1050 ms; an eleventh if the host woke the device 50 ms late.
    assert out.endswith((b"True [0, 1] 10\n\x04", b"True [0, 1] 11\n\x04")), out


def test_ticks_and_time_follow_the_pico_clock(emu):
    out = emu.mp_ok("exec", "import time\nt = time.ticks_ms()\ntime.sleep_ms(250)\n"
                    "d = time.ticks_diff(time.ticks_ms(), t)\n"
                    "print(d >= 250, time.localtime()[0])")
    assert out.split() == ["True", "2021"]


def test_speed_runs_the_device_clock_faster(tmp_path):
    with Emulator(make_flash(tmp_path / "flash"), speed=50) as e:
        # 100 device seconds of sleep; at speed 1 this exec would time out.
        out = e.mp_ok("exec", "import time\nt = time.ticks_ms()\ntime.sleep(100)\n"
                      "print(time.ticks_diff(time.ticks_ms(), t) >= 100000)", timeout=40)
        assert out.strip() == "True"

