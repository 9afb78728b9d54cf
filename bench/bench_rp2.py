"""Figures of the firmware on the real rp2 port (MicroPython's RPI_PICO build in the
emulated RP2040, `backbeat emulate --board rp2040`), each beside the same figure of the
WebAssembly board measured in the same run. Both boards start blank and get the
firmware (.mpy) and one short routine through `backbeat flash`.

- rp2.boot_to_menu_ms: emulated time from power-up to the first frame with the menu.
- rp2.cpu_busy_fraction: the share of emulated time during a session (the routine from
  the long press to its done screen) in which the CPU is not waiting for an interrupt
  (rp2040js counts executed cycles; WFI/WFE time is idle). The WebAssembly board has no
  such count: its figure is the menu's share on the rp2 board, from the same run.
- rp2.p99_cue_error_ms: the 60 s timing routine of bench_firmware (60 holds of 1 s,
  breathing in and out 0.5 s each) run by the app from the menu; each cue's start is
  where the buzzer's PWM goes from silent to a tone, in emulated time. The cues are due
  on a 500 ms grid; the app never starts one early, so the most punctual cue fixes the
  grid, and a cue's error is how late it starts against it. Beside the WebAssembly
  board's figure, timed the same way from its PWM. `python bench/bench_rp2.py cues`
  measures this figure alone, on both boards.
- rp2.peak_heap_bytes_2000: the live heap (gc.mem_alloc after a collection every 20
  loop turns) while the app runs the 2000-segment routine, by bench_firmware's own
  script run on the port from its REPL (virtual time, no display traffic); on the
  emulated CPU it runs the first LIMIT_2000 segments of it (the figure does not grow
  with segments: bench_firmware's ratio 2000 vs 20). Beside bench_firmware's
  WebAssembly figure for the whole routine, from the same run.
- rp2.display_update_ms: one whole SSD1306 frame (1 KB) through the port's I2C, the bus
  paced at 400 kHz (9 bit times a byte), timed on the device with ticks_us, against
  the same call on the WebAssembly board (whose I2C costs nothing).
- rp2.sync_kib_per_s: log bytes `backbeat sync` stores per second of wall time over the
  port's USB CDC (the firmware's own logbook wrote the logs of a few sessions, a daily
  sync; mpremote put them on the flash), against `mpremote cp` of the same files from
  the same board, and the WebAssembly board's sync of them. As for a daily sync, the
  app is up, its work after its start done, its clock set by a HELLO before, and the
  host's store holds the routine the sessions ran (this host flashed it, or fetched it
  at an earlier sync), so the sync reads and acknowledges. The sync is timed from the
  open port (sync_device, as `backbeat sync` calls it, without the command's own start
  and its plan step); mpremote cp as the command, its own start included, which the
  figure also gives apart (mpremote --help with no board).
- rp2.sync_month_kib_per_s: the same for a month of sessions (bench_sync's pty log, tens
  of KB), after it on the same board, against `mpremote cp` of those files: a first
  sync, into a store without the sessions' routine, which it asks the device for.
  `python bench/bench_rp2.py sync` measures these two alone.

Skipped (no figures) where ../shared/rp2/ is absent.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "host"))

QUICK = ROOT / "tests" / "data" / "rp2-quick.yaml"
CUE_GRID_MS = 500  # the timing routine's cues are due on this grid from the first
LIMIT_2000 = 200  # segments of the 2000-segment routine run on the emulated CPU
SHOW = ("import board, ssd1306, time\nb = board.open_board()\nd = ssd1306.SSD1306(b.i2c)\n"
        "best = 10 ** 9\nfor i in range(5):\n    d.fill((i + 1) & 1)\n    t = time.ticks_us()\n"
        "    d.show()\n    best = min(best, time.ticks_diff(time.ticks_us(), t))\nprint(best)")


def _busy(events: list[dict], since: int) -> tuple[float, float]:
    cpu = [e for e in events[since:] if e["kind"] == "cpu"]
    a, b = cpu[0], cpu[-1]
    return b["busy_ns"] - a["busy_ns"], (b["busy_ns"] + b["idle_ns"]) - (a["busy_ns"] + a["idle_ns"])


def _logs(tmp: Path, sessions: int, crc: int | None = None) -> list[Path]:
    """The logs of `sessions` sessions (of the routine whose CRC is crc, if given),
    written by the firmware's logbook (bench_sync's)."""
    from bench_sync import _fill
    from linkrig import Device

    dev = Device()
    _fill(dev, sessions, crc)
    tmp.mkdir()
    out = []
    for k, v in sorted(dev.fs.files.items()):
        if k.endswith(".log"):
            out.append(tmp / k.rsplit("/", 1)[1])
            out[-1].write_bytes(bytes(v))
    return out


def _settle(pico, timeout: float = 60.0) -> None:
    """Until the app's work after its start is done: a second of emulated time in which
    the CPU was busy less than a fifth of it (the rp2 board's count; the WebAssembly board
    has none, and gets two seconds)."""
    seen = len(pico.events)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        cpu = [e for e in pico.events[seen:] if e["kind"] == "cpu"]
        if len(cpu) >= 2:
            a, b = cpu[-2], cpu[-1]
            busy = b["busy_ns"] - a["busy_ns"]
            if busy < 0.2 * (busy + b["idle_ns"] - a["idle_ns"]):
                return
        elif not cpu and time.monotonic() > end - timeout + 2:
            return
        time.sleep(0.05)
    raise RuntimeError("the app stayed busy after its start")


def _sync(pico, tmp: Path, logs: list[Path], known: bytes | None) -> tuple[float, float]:
    """Wall seconds of mpremote cp of the logs, and of backbeat sync of them into a new
    database, the device's /logs holding them alone (it is in safe mode). With `known`
    (the .bbr of the routine the sessions ran) the database holds that routine, as when
    this host flashed it or fetched it at an earlier sync: a daily sync."""
    from backbeat.device.link import LinkClient, split_records
    from backbeat.device.serialport import SerialPort
    from backbeat.device.sync import sync_device
    from backbeat.store import Store

    pico.mpremote("exec", "import os\nfor n in os.listdir('/logs'): os.remove('/logs/' + n)")
    cp = []
    for f in logs:
        cp += ["cp", str(f), ":/logs/" + f.name, "+"]
    pico.mpremote(*cp[:-1], timeout=600)
    pico.power_cycle()
    pico.until("hold=go")
    copy = tmp / "copy"
    copy.mkdir()
    t0 = time.perf_counter()
    pico.mpremote("cp", *(":/logs/" + f.name for f in logs), str(copy) + "/", timeout=600)
    cp_s = time.perf_counter() - t0
    # The app is up, its work after its start done, and its clock set, as on a device
    # synced before (its start, and the clock record a first sync writes, are not part of
    # a daily sync). mpremote left it stopped: it starts again. The clock is set once its
    # start-up work is done: the emulated clock falls behind the wall clock while the
    # emulated CPU is busy (a Pico's does not), and the HELLO of the sync would set it
    # again.
    pico.power_cycle()
    pico.until("hold=go")
    _settle(pico)
    with SerialPort(pico.port) as sp:
        LinkClient(sp).connect(int(time.time()))
    _settle(pico)
    with Store(tmp / "b.db") as db:
        if known is not None:
            db.archive(known, "rp2-bench", "flash")
        with SerialPort(pico.port) as sp:
            t0 = time.perf_counter()
            res = sync_device(LinkClient(sp), db, int(time.time()))
            sync_s = time.perf_counter() - t0
    records = sum(len(split_records(f.read_bytes())) for f in logs)
    # Every record, the clock record the HELLO before wrote, and one more if the sync's
    # HELLO found the clock off by more than it allows and set it again.
    if not records <= res.new_records <= records + 2:
        raise RuntimeError(f"the sync stored {res.new_records} records of {records}")
    if known is not None and (res.fetched or res.missing):
        raise RuntimeError(f"a daily sync asked for routines: {res.fetched + res.missing}")
    return cp_s, sync_s


def _sync_figures(pico, tmp: Path, month: bool) -> dict:
    """The log bytes, and the wall seconds of mpremote cp and of backbeat sync of them: a
    few sessions and, with `month`, a month's (bench_sync's pty figure's log) after them."""
    from backbeat.codec.bbr import decode, encode
    from bench_firmware import holds
    from bench_sync import SESSIONS, VIRTUAL_SESSIONS

    out = {}
    for key, sessions in (("", VIRTUAL_SESSIONS), ("month_", SESSIONS))[: 2 if month else 1]:
        where = tmp / f"sync{sessions}"
        where.mkdir()
        # A daily sync's store holds the routine its sessions ran; a month's is the first
        # sync into a new store, which fetches (here: asks for) the routine.
        known = None if key else encode(holds(3, "Daily"))
        logs = _logs(where / "logs", sessions, None if known is None else decode(known)["crc32"])
        if key:
            pico.safe_mode()
        cp_s, sync_s = _sync(pico, where, logs, known)
        out[key + "log_bytes"] = sum(f.stat().st_size for f in logs)
        out[key + "cp_s"] = cp_s
        out[key + "sync_s"] = sync_s
    out["mpremote_start_s"] = _mpremote_start_s()
    return out


def _mpremote_start_s() -> float:
    """Wall seconds mpremote takes to start and end with no board (its --help), best of 3:
    the part of mpremote cp's time that is not the board's."""
    from rp2rig import MPREMOTE

    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([MPREMOTE, "--help"], capture_output=True, check=True)
        best = min(best, time.perf_counter() - t0)
    return best


def _cue_errors(pico, tmp: Path) -> list[float]:
    """The timing routine alone on the device, run from the menu: each cue's start (ms of
    emulated time) against its due time."""
    from backbeat.codec.bbr import encode
    from bench_firmware import holds

    timing = tmp / "timing.bbr"
    timing.write_bytes(encode(holds(60, "Sixty seconds")))
    pico.safe_mode()
    pico.mpremote("rm", ":/routines/rp2-quick.bbr", "+", "cp", str(timing),
                  ":/routines/timing.bbr")
    pico.power_cycle()
    pico.until("Sixty seconds")
    pico.until("hold=go")
    since = len(pico.events)
    pico.press("long")
    start = pico.wait_event("button", since)["at"]
    pico.until("1=ok", timeout=600)
    tones = pico.until_quiet(start, after=since)
    onsets = [at for (at, hz), (_, before) in zip(tones[1:], tones, strict=False)
              if hz and not before]
    onsets.insert(0, tones[0][0])
    # 60 holds: a cue at each one's start (breathing in) and halfway (out), and the end.
    if len(onsets) != 121:
        raise RuntimeError(f"{len(onsets)} cues heard, not 121: {tones[:12]}")
    # The app hands a cue out when it is due, never before: the most punctual cue fixes
    # where the grid starts.
    late = [at - k * CUE_GRID_MS for k, at in enumerate(onsets)]
    return [t - min(late) for t in late]


def _heap(pico, tmp: Path) -> tuple[int, int]:
    """Peak live heap (bytes) with the 20- and the 2000-segment routine running, by
    bench_firmware's script on the port's REPL (safe mode)."""
    import bench_firmware as bf
    from backbeat.codec.bbr import encode

    cp = ["mkdir", ":/bench"]
    for n, name in ((20, "Twenty"), (2000, "Two thousand")):
        f = tmp / f"r{n}.bbr"
        f.write_bytes(encode(bf.holds(n, name)))
        cp += ["+", "mkdir", f":/bench/r{n}", "+", "cp", str(f), f":/bench/r{n}/routine.bbr"]
    pico.safe_mode()
    pico.mpremote(*cp, timeout=600)
    # Where the WebAssembly runner collects (each yield), the port collects when told.
    script = (bf._MP_COMMON + bf._MP_MEMORY + f"LIMIT = {LIMIT_2000}\n"
              "for _ in mp_steps:\n    gc.collect()\n")
    (p20, done20), (p2000, done2000) = bf._result(pico.mpremote("exec", script, timeout=1200))
    if (done20, done2000) != (20, LIMIT_2000):
        raise RuntimeError(f"sessions ended after {done20} and {done2000} segments")
    return p20, p2000


def _board(tmp: Path, wasm: bool) -> dict:
    from rp2rig import Rp2, backbeat, blank_pico

    out: dict = {}
    with Rp2(blank_pico(tmp), speed=1.0, wasm=wasm) as pico:
        r = backbeat("flash", "--port", pico.port, str(QUICK))
        assert r.returncode == 0, r.stderr
        pico.until("hold=go")
        pico.power_cycle()
        out["boot_ms"] = pico.frame_at("hold=go")
        # The app idles at its menu for a while, then runs the routine.
        since = len(pico.events)
        time.sleep(3)
        if not wasm:
            out["menu_busy"] = _busy(pico.events, since)
        since = len(pico.events)
        pico.press("long")
        pico.until("PAIN 0 TO 10")
        pico.press("long")
        pico.until("1=ok")
        if not wasm:
            out["session_busy"] = _busy(pico.events, since)
        pico.press("short")
        pico.until("hold=go")
        out["cue_errors"] = _cue_errors(pico, tmp)
        pico.safe_mode()
        out["show_us"] = int(pico.mpremote("exec", SHOW).strip())
        out.update(_sync_figures(pico, tmp, month=not wasm))
        if not wasm:  # (the WebAssembly figure is bench_firmware's)
            out["heap"] = _heap(pico, tmp)
    return out


def _sync_figure(rp2: dict, wasm: dict) -> dict:
    from bench_sync import SEGMENTS, SESSIONS, VIRTUAL_SESSIONS

    def kib(board: dict, key: str = "") -> float:
        return board[key + "log_bytes"] / 1024 / board[key + "sync_s"]

    def cp(board: dict, key: str = "") -> str:
        cp_s, sync_s, start_s = board[key + "cp_s"], board[key + "sync_s"], board["mpremote_start_s"]
        return (f"mpremote cp of the same {board[key + 'log_bytes']} log bytes from the same "
                f"board: {board[key + 'log_bytes'] / 1024 / cp_s:.2f} KiB/s "
                f"(sync {cp_s / sync_s:.1f}x faster, target 5x; {(cp_s - start_s) / sync_s:.1f}x "
                f"without mpremote's own start, {start_s * 1000:.0f} ms)")

    return {
        "rp2.sync_kib_per_s": {
            "value": round(kib(rp2), 2), "unit": "KiB/s (wall)",
            "compared_with": f"{cp(rp2)}; {VIRTUAL_SESSIONS} sessions; the WebAssembly "
                             f"board's sync: {kib(wasm):.2f} KiB/s",
        },
        "rp2.sync_month_kib_per_s": {
            "value": round(kib(rp2, "month_"), 2), "unit": "KiB/s (wall)",
            "compared_with": f"{cp(rp2, 'month_')}; {SESSIONS} sessions of {SEGMENTS} "
                             "segments (the log of sync.pty_kib_per_s), same run",
        },
    }


def run_sync() -> dict:
    """rp2.sync_kib_per_s alone (`python bench/bench_rp2.py sync`): each board flashed,
    then the sync part of run()."""
    from rp2rig import Rp2, backbeat, blank_pico

    tmp = Path(tempfile.mkdtemp())
    try:
        boards = []
        for wasm in (False, True):
            where = tmp / ("wasm" if wasm else "rp2")
            with Rp2(blank_pico(where), speed=1.0, wasm=wasm) as pico:
                r = backbeat("flash", "--port", pico.port, str(QUICK))
                assert r.returncode == 0, r.stderr
                pico.safe_mode()
                boards.append(_sync_figures(pico, where, month=not wasm))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return _sync_figure(*boards)


def _p99(errors: list[float]) -> float:
    from bench_firmware import percentile

    return percentile(errors, 0.99)


def _cue_figure(errors: list[float], wasm_errors: list[float]) -> dict:
    from bench_firmware import percentile

    worst = sorted(errors)[-2:]
    return {
        "value": round(_p99(errors), 2), "unit": "ms (emulated)",
        "compared_with": f"target <= 2; the WebAssembly board: "
                         f"{_p99(wasm_errors):.2f} ms (same routine and timing, same run, "
                         f"median {percentile(wasm_errors, 0.5):.2f}, max "
                         f"{max(wasm_errors):.2f}); {len(errors)} cues each, rp2 median "
                         f"{percentile(errors, 0.5):.2f} ms, the two latest "
                         f"{worst[0]:.2f} and {worst[1]:.2f} ms",
    }


def cues_only() -> dict:
    """rp2.p99_cue_error_ms alone (`python bench/bench_rp2.py cues`): each board blank,
    the firmware flashed, then the timing routine as in run()."""
    from emulatorrig import rp2_missing
    from rp2rig import Rp2, backbeat, blank_pico

    why = rp2_missing()
    if why:
        return {"rp2.skipped": {"value": 1, "unit": "flag", "compared_with": why}}
    tmp = Path(tempfile.mkdtemp())
    errors = {}
    try:
        for wasm in (False, True):
            board = tmp / ("wasm" if wasm else "rp2")
            with Rp2(blank_pico(board), speed=1.0, wasm=wasm) as pico:
                r = backbeat("flash", "--port", pico.port, str(QUICK))
                assert r.returncode == 0, r.stderr
                pico.until("hold=go")
                errors[wasm] = _cue_errors(pico, board)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"rp2.p99_cue_error_ms": _cue_figure(errors[False], errors[True])}


def run() -> dict:
    from emulatorrig import rp2_missing

    why = rp2_missing()
    if why:
        print(f"bench_rp2: skipped: {why}")
        return {"rp2.skipped": {"value": 1, "unit": "flag", "compared_with": why}}
    tmp = Path(tempfile.mkdtemp())
    try:
        rp2 = _board(tmp / "rp2", wasm=False)
        wasm = _board(tmp / "wasm", wasm=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    from bench_firmware import mp_memory

    wasm_p20, wasm_p2000 = mp_memory()
    errors = rp2["cue_errors"]
    busy, total = rp2["session_busy"]
    mbusy, mtotal = rp2["menu_busy"]
    return {
        "rp2.boot_to_menu_ms": {
            "value": round(rp2["boot_ms"]), "unit": "ms (emulated)",
            "compared_with": f"the WebAssembly board: {wasm['boot_ms']:.0f} ms of device time "
                             "(power-up to the first frame with the menu, same run)",
        },
        "rp2.cpu_busy_fraction": {
            "value": round(busy / total, 3), "unit": "fraction of emulated time",
            "compared_with": f"the menu idling on the same board: {mbusy / mtotal:.3f} "
                             f"(session: {busy / 1e6:.0f} ms busy of {total / 1e6:.0f} ms)",
        },
        "rp2.p99_cue_error_ms": _cue_figure(errors, wasm["cue_errors"]),
        "rp2.peak_heap_bytes_2000": {
            "value": rp2["heap"][1], "unit": "bytes",
            "compared_with": f"target < 65536; the first {LIMIT_2000} segments of the "
                             f"2000-segment routine (the 20-segment one: {rp2['heap'][0]} "
                             "bytes); the WebAssembly port with the whole routine: "
                             f"{wasm_p2000} bytes (20 segments: {wasm_p20}), same run",
        },
        **_sync_figure(rp2, wasm),
        "rp2.display_update_ms": {
            "value": round(rp2["show_us"] / 1000, 1), "unit": "ms (emulated)",
            "compared_with": f"the WebAssembly board: {wasm['show_us'] / 1000:.1f} ms for the "
                             "same whole-frame show() (best of 5 each)",
        },
    }


if __name__ == "__main__":
    only = {"cues": cues_only, "sync": run_sync}.get(" ".join(sys.argv[1:]), run)
    for name, fig in only().items():
        print(name, fig)
