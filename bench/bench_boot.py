"""Start-up and routine checks of the firmware on the WebAssembly board.

The firmware app runs in the MicroPython WebAssembly port (192 KB heap, real clock, its
in-memory file system) on the fake board of the firmware tests; the routines are copies
of the library's chinese-neck (10 segments) and a routine of 10,000 one-second holds
(`repeat: 100` of `repeat: 100`, 240 KB).

- boot.ms_1_routine, boot.ms_200_routines: from making the logbook and the app to the
  menu drawn, the listing taken from each set's index (the mean of 20, the sets started
  in turns, each beside a start-up with no index, the folder listed); their ratio,
  boot.ratio_200_vs_1, should be close to 1, and is compared with listing the folder and
  with checking every routine at start-up, as the firmware did before.
- boot.ms_10k_segments: the same with the 10,000-segment routine alone.
- start.ms_10k_segments: the long press on the menu to the first cue (App.start), the
  routine checked before (as it is once the menu has waited a moment), beside its first
  start, before its check.
- check.bytes_allocated_per_routine: what checking chinese-neck allocates as the menu
  checks it in the background (the reader reused, the collector off), and
  check.bytes_allocated_per_segment: the extra bytes the 10,000-segment routine costs
  per segment (the goal is 0).
- boot.device_ms_1_routine, boot.device_ms_30_routines, boot.device_ms_200_routines,
  boot.device_ms_310_routines, boot.device_ms_10k_segments: on the virtual device (`backbeat emulate`, the firmware
  as `backbeat flash` installs it), device milliseconds from power-up to the menu, best
  of three.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests" / "mp"), str(ROOT / "tests"), str(ROOT / "host")]

# 10,000 one-second holds: `repeat: 100` of `repeat: 100`, 240 KB compiled.
TEN_THOUSAND = ROOT / "tests" / "data" / "ten-thousand.yaml"

# Runs in MicroPython: the app made on the fake board, timed to its first menu frame.
_SETUP = """
import gc, json, time

def setup():
    # The modules compiled and imported in a step of their own: their garbage is
    # collected before anything is timed.
    global app, bbr, board, cues, listing, logbook, ssd1306, fakes
    import app, bbr, board, cues, listing, logbook, ssd1306
    import fakes
"""

_BOOT = _SETUP + """
def boot(where, count, index):
    t0 = time.ticks_us()
    lb = logbook.Logbook()
    a = app.App(board.open_board(fakes.FakeMachine(), 'Raspberry Pi Pico with RP2040'),
                ssd1306.Dark(), lb, time.ticks_ms(), routines=where, index_path=index)
    a.step(time.ticks_ms())
    assert a.screen == app.MENU and len(a.entries) == count, (a.screen, a.bad)
    return time.ticks_diff(time.ticks_us(), t0) / 1000, a

def check_all(where):
    # What start-up did before besides: every routine read and checked whole (one reader
    # here, so the heap holds it; before, each had its own).
    import os
    rd = bbr.Routine()
    t0 = time.ticks_us()
    for name in sorted(os.listdir(where)):
        rd.open(open(where + '/' + name, 'rb'), False)
        rd.close()
    return time.ticks_diff(time.ticks_us(), t0) / 1000

def steps():
    # The three sets side by side, in turns; this port's clock counts whole milliseconds:
    # the mean of 20 start-ups each, and of 3 rounds of checking every routine.
    setup()
    yield
    out = {}
    for where, count in SETS:
        out[where] = [0, 0, 0]
        listing.save_index(boot(where, count, where + '.idx')[1])  # each set's index
        yield
    for k in range(20):
        for where, count in SETS:
            out[where][0] += boot(where, count, where + '.idx')[0] / 20
            yield
            out[where][2] += boot(where, count, '/none.idx')[0] / 20  # the folder listed
            yield
    for k in range(3):
        for where, count in SETS:
            out[where][1] += check_all(where) / 3
            yield
    print(json.dumps(out))

mp_steps = steps()
"""

_START = _SETUP + """
def make():
    return app.App(board.open_board(fakes.FakeMachine(), 'Raspberry Pi Pico with RP2040'),
                   ssd1306.Dark(), logbook.Logbook(), time.ticks_ms())

def start(a):
    played = []
    play = a.cues.play
    a.cues.play = lambda cue, now: played.append(time.ticks_us()) or play(cue, now)
    t0 = time.ticks_us()
    assert a.start(a.entries[0], time.ticks_ms())
    return time.ticks_diff(played[0], t0) / 1000

def steps():
    setup()
    yield
    a = make()
    yield
    first = start(a)  # not checked yet: its CRC at once, each segment as it is read
    a._finish(2, time.ticks_ms())
    a.engine = None
    a.screen = app.MENU
    yield
    while a._unchecked:  # then checked whole in the background, and remembered
        listing.check_turn(a)
    a = None
    yield
    total = 0
    for k in range(20):
        a = make()
        yield
        assert a.entries[0].checked
        total += start(a)
        a._finish(2, time.ticks_ms())
        a = None
        yield
    print(json.dumps({"ms": total / 20, "unchecked_ms": first}))

mp_steps = steps()
"""

_ALLOC = """
import gc, json
import bbr
r = bbr.Routine()
r.open(open('/routines/neck.bbr', 'rb'), False)  # the reader's attributes made once
r.close()
out = {}
for name in ('neck', 'huge', 'huge-at-once'):
    f = open('/routines/%s.bbr' % name.split('-')[0], 'rb')
    r.open(f, True)
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    r.begin_check()
    if name == 'huge-at-once':
        r.check_rest()  # as when a person starts it unchecked: the CRC in C
    else:
        while not r.check_some(8):  # as the menu checks in the background
            pass
    used = gc.mem_alloc() - before
    gc.enable()
    out[name] = (used, r.segment_count)
    r.close()
print(json.dumps(out))
"""


def _compiled() -> tuple[bytes, bytes]:
    from backbeat.compiling import compile_files

    compiled, errors = compile_files([ROOT / "routines" / "chinese-neck.yaml", TEN_THOUSAND])
    assert not errors, errors
    return compiled[0].data, compiled[1].data


def _boot(neck: bytes, huge: bytes) -> dict:
    from mprun import run_micropython

    files = {"/r1/neck.bbr": neck, "/r10k/huge.bbr": huge}
    files.update({f"/r200/neck-{i:03d}.bbr": neck for i in range(200)})
    code = "SETS = (('/r1', 1), ('/r200', 200), ('/r10k', 1))\n" + _BOOT
    out = json.loads(run_micropython(code, files=files, test_data=True).strip().splitlines()[-1])
    return {k: {"ms": v[0], "full_check_ms": v[2] + v[1], "listed_ms": v[2]}
            for k, v in out.items()}


def _virtual_device_ms(tmp: Path, routines: dict[str, bytes]) -> float:
    from backbeat.device import flasher as F
    from emulatorrig import device_ms_until

    flash = tmp / f"flash-{len(routines)}-{sum(map(len, routines.values()))}"
    for path, data in F.image(F.firmware_files(ROOT / "firmware"), routines).items():
        target = flash / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return min(device_ms_until(flash, "hold=go") for _ in range(3))


def run() -> dict:
    from mprun import run_micropython

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        neck, huge = _compiled()
        boots = _boot(neck, huge)
        one, many, big = boots["/r1"], boots["/r200"], boots["/r10k"]
        start = json.loads(run_micropython(_START, files={"/routines/huge.bbr": huge},
                                           test_data=True).strip().splitlines()[-1])
        alloc = json.loads(run_micropython(
            _ALLOC, files={"/routines/neck.bbr": neck, "/routines/huge.bbr": huge}
        ).strip().splitlines()[-1])
        vd1 = _virtual_device_ms(tmp, {"neck": neck})
        vd30 = _virtual_device_ms(tmp, {f"neck-{i:02d}": neck for i in range(30)})
        vd200 = _virtual_device_ms(tmp, {f"neck-{i:03d}": neck for i in range(200)})
        vd310 = _virtual_device_ms(tmp, {f"neck-{i:03d}": neck for i in range(310)})
        vd10k = _virtual_device_ms(tmp, {"ten-thousand": huge})
    (neck_bytes, neck_segs), (huge_bytes, huge_segs) = alloc["neck"], alloc["huge"]
    at_once = alloc["huge-at-once"][0]
    per_segment = (huge_bytes - neck_bytes) / (huge_segs - neck_segs)
    return {
        "boot.ms_1_routine": {
            "value": round(one["ms"], 2), "unit": "ms",
            "compared_with": f"{one['listed_ms']:.2f} ms listing the folder (no index); "
                             f"{one['full_check_ms']:.1f} ms checking it whole at start-up, "
                             "as before that"},
        "boot.ms_200_routines": {
            "value": round(many["ms"], 2), "unit": "ms",
            "compared_with": f"{one['ms']:.2f} ms with 1 routine (ratio below); "
                             f"{many['listed_ms']:.2f} ms listing the folder (no index, as "
                             f"before); {many['full_check_ms']:.1f} ms checking all 200 whole, "
                             "as before that"},
        "boot.ratio_200_vs_1": {
            "value": round(many["ms"] / one["ms"], 2), "unit": "x",
            "compared_with": f"{many['listed_ms'] / one['listed_ms']:.2f}x listing the folder "
                             f"(no index, as before); {many['full_check_ms'] / one['full_check_ms']:.2f}x "
                             "when every routine was checked whole at start-up"},
        "boot.ms_10k_segments": {
            "value": round(big["ms"], 2), "unit": "ms",
            "compared_with": f"{big['full_check_ms']:.1f} ms checking it whole at start-up, "
                             f"as before; {one['ms']:.1f} ms with a 10-segment routine"},
        "start.ms_10k_segments": {
            "value": round(start["ms"], 2), "unit": "ms",
            "compared_with": f"{start['unchecked_ms']:.1f} ms the first time, before its check "
                             "(its CRC, in C, and header at once, each segment as the session "
                             "reads it; before: checked whole at once, 349 ms)"},
        "check.bytes_allocated_per_routine": {
            "value": neck_bytes, "unit": "bytes",
            "compared_with": f"{huge_bytes} bytes for the 10,000-segment routine (checked "
                             f"at once when started unchecked, its CRC in C: {at_once} bytes); "
                             "before: 2.7 to 5.7 KB per routine, MemoryError after 233 KB for "
                             "that one"},
        "check.bytes_allocated_per_segment": {
            "value": round(per_segment, 2) + 0.0, "unit": "bytes",  # never -0.0
            "compared_with": "goal 0; 2.25 bytes when the CRC was binascii.crc32's 32-bit "
                             "value (a long int per 256-byte chunk), about 23 bytes before "
                             "that (a tuple and views)"},
        "boot.device_ms_1_routine": {
            "value": round(vd1), "unit": "ms",
            "compared_with": "the menu within 1000 ms of device time"},
        "boot.device_ms_200_routines": {
            "value": round(vd200), "unit": "ms",
            "compared_with": f"{vd1:.0f} ms with 1 routine on the virtual device (ratio "
                             f"{vd200 / vd1:.2f}); before the virtual device collected "
                             "garbage when its heap filled, 200 never reached the menu"},
        "boot.device_ms_310_routines": {
            "value": round(vd310), "unit": "ms",
            "compared_with": f"{vd1:.0f} ms with 1 routine (about as many as fit in a Pico's "
                             "flash, docs/firmware.md); before: MemoryError, the folder listed "
                             "in one go at start-up and again by the link"},
        "boot.device_ms_30_routines": {
            "value": round(vd30), "unit": "ms",
            "compared_with": "the menu within 1000 ms of device time (issue 14: never shown "
                             "with 18 or more routines)"},
        "boot.device_ms_10k_segments": {
            "value": round(vd10k), "unit": "ms",
            "compared_with": "the menu within 1000 ms of device time (issue 14: nothing "
                             "shown for over 90 s)"},
    }
