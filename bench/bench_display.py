"""Display traffic: I2C bytes of whole-frame redraws against what the SSD1306 driver sends.

One library routine runs through the firmware's engine in virtual time, in the real
MicroPython (the WebAssembly port, 192 KB heap, its built-in framebuf and font); the
session screen is redrawn every ui.REFRESH_MS and shown on the driver, which sends only
the columns that changed, over the recording I2C bus of tests/firmware/fakes.py with an
SSD1306 model that must end up showing every frame. The figure is
(redraws x bytes of one whole frame) / bytes sent.
"""

from __future__ import annotations

import sys
from pathlib import Path

from backbeat.codec.bbr import encode
from backbeat.routine import load_routine

ROOT = Path(__file__).resolve().parent.parent
ROUTINE = ROOT / "routines" / "lower-back-easy.yaml"
DEVICE_ROUTINE = "/routines/bench.bbr"

# Runs under MicroPython: the session loop of the firmware, 10 ms a turn, in virtual time.
SESSION = """
import bbr
import engine
import fakes
import ssd1306
import ui

LOOP_MS = 10


def steps():
    reader = bbr.open_routine("ROUTINE_PATH")
    model = fakes.SSD1306Model()
    bus = fakes.I2C(0, devices={0x3C: model})
    oled = ssd1306.SSD1306(bus)
    init_bytes = oled.bytes_sent
    e = engine.Engine(reader, 0)
    index = -1
    exercise = ""
    say = ()
    redraws = 0
    last_draw = -ui.REFRESH_MS
    t = 0
    while e.state != engine.FINISHED:
        while True:
            n = e.advance(t)
            if n == 0:
                break
            for k in range(n):
                code = e.ev_code[k]
                if code == engine.EV_ASK_PAIN:
                    e.answer(t, 0)
                elif code == engine.EV_TARGET:
                    e.end_hold(t)
        if e.state == engine.FINISHED:
            break
        if e.index != index:
            index = e.index
            seg = reader.read_segment(index)
            exercise = reader.string(seg.exercise) or ""
            text = reader.string(seg.say)
            say = text.split("\\n") if text else ()
        if t - last_draw >= ui.REFRESH_MS:
            last_draw = t
            up = e.open_hold()
            if up:
                seconds = e.elapsed_ms(t) // 1000
            else:
                seconds = (e.remaining_ms(t) + 999) // 1000
            ui.session(oled, exercise, say, e.kind, seconds, up, e.phase(), e.breath_level(t),
                       e.side, e.rep, e.reps, e.progress(t))
            oled.show()
            redraws += 1
            if model.ram != oled.buffer:
                raise AssertionError("the panel does not show the frame at %d ms" % t)
            bus.clear()
            model.commands = []
            yield
        t += LOOP_MS
    print("result", redraws, oled.full_frame_bytes(), oled.bytes_sent - init_bytes, t,
          reader.segment_count, ui.REFRESH_MS)


mp_steps = steps()
""".replace("ROUTINE_PATH", DEVICE_ROUTINE)


def session_traffic(data: bytes) -> dict:
    """Run one compiled routine through the session screen in MicroPython; the byte counts."""
    sys.path.insert(0, str(ROOT / "tests" / "mp"))
    try:
        import mprun
    finally:
        sys.path.pop(0)
    out = mprun.run_micropython(SESSION, files={DEVICE_ROUTINE: data}, test_data=True)
    fields = out.split("result", 1)[1].split()
    redraws, frame, sent, session_ms, segments, refresh_ms = (int(f) for f in fields)
    return {
        "redraws": redraws,
        "frame_bytes": frame,
        "sent": sent,
        "session_ms": session_ms,
        "segments": segments,
        "refresh_ms": refresh_ms,
    }


def run() -> dict:
    data = encode(load_routine(ROUTINE, 0))
    r = session_traffic(data)
    refresh_ms = r["refresh_ms"]
    full = r["redraws"] * r["frame_bytes"]
    ratio = full / r["sent"]
    return {
        "display.full_frame_to_actual_bytes_ratio": {
            "value": round(ratio, 2),
            "unit": "ratio",
            "compared_with": (
                f"whole-frame redraws: {r['redraws']} session-screen updates every "
                f"{refresh_ms} ms over {ROUTINE.name} ({r['segments']} segments, "
                f"{r['session_ms'] / 60000:.1f} min) x {r['frame_bytes']} bytes = {full} bytes, "
                f"against {r['sent']} bytes the driver sent (MicroPython, virtual time); "
                "target at least 8"
            ),
        },
        "display.bytes_per_second": {
            "value": round(r["sent"] * 1000 / r["session_ms"], 1),
            "unit": "B/s",
            "compared_with": (
                f"I2C bytes the driver sent per second of session on {ROUTINE.name}; whole "
                f"frames every {refresh_ms} ms would be {r['frame_bytes'] * 1000 // refresh_ms} B/s"
            ),
        },
    }


if __name__ == "__main__":
    for name, figure in run().items():
        print(name, figure["value"], figure["unit"], "-", figure["compared_with"])
