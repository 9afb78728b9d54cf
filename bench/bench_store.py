"""Store figures: sessions are built from the raw records and the routine archive on every
read (host/backbeat/store.py), so what does that cost for a year of use?

- store.year_sessions_ms: Store.sessions() over a year of three sessions a day (1095
  sessions of 12 segments, each named from an archived routine, clockless ones bounded),
  compared with decoding the same raw records alone, measured side by side in this run.
- store.build_over_decode: the first over the second.
"""

from __future__ import annotations

import shutil
import struct
import tempfile
import time
import zlib
from pathlib import Path

DAYS = 365
PER_DAY = 3
SEGMENTS = 12


def _rec(rtype: int, seq: int, payload: bytes) -> bytes:
    head = struct.pack("<BBHI", 0xB1, rtype, len(payload), seq) + payload
    return head + struct.pack("<I", zlib.crc32(head))


def _year(crc: int, t0: int) -> list[bytes]:
    out = []
    seq = 1
    for k in range(DAYS * PER_DAY):
        wall = 0 if k % 4 == 3 else t0 + k * 28800  # every fourth one without a clock
        name = b"core-stability"
        out.append(_rec(1, seq, struct.pack("<IIIIIHHB", seq, 1000, wall, crc, 60000, 0,
                                            SEGMENTS, len(name)) + name))
        seq += 1
        for i in range(SEGMENTS):
            out.append(_rec(2, seq, struct.pack("<HBBBBIIII", i, 2, 1, 255, 2, 5000 * i,
                                                5000 * i + 5000, 5000, 5000)))
            seq += 1
        out.append(_rec(3, seq, struct.pack("<BBHHIII", 1, 2, SEGMENTS, 0, 60000, 0,
                                            wall + 60 if wall else 0)))
        seq += 1
    return out


def _best(fn, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def run() -> dict:
    from backbeat.codec.bbr import encode
    from backbeat.codec.logrec import decode_record
    from backbeat.store import Store
    from backbeat.timeline import Segment, Timeline

    timeline = Timeline("Core", tuple(
        Segment("hold", 5000 * i, 5000, exercise=f"Move {i // 2}", side=("left", "right")[i % 2],
                rep=1, reps=1, step=i // 2, level=i // 4) for i in range(SEGMENTS)))
    bbr = encode(timeline)
    tmp = Path(tempfile.mkdtemp())
    try:
        with Store(tmp / "y.db") as db:
            crc = db.archive(bbr, "core-stability", "compiled", now_s=1)
            sync = db.begin_sync("dev", 1_900_000_000)
            raws = _year(crc, 1_800_000_000)
            db.add_records("dev", 0, raws, sync)
            built = _best(db.sessions)
            assert len(db.sessions()) == DAYS * PER_DAY

            def decode_only() -> None:
                for (raw,) in db.db.execute("SELECT raw FROM records ORDER BY uid, epoch, seq"):
                    decode_record(bytes(raw))

            decoded = _best(decode_only)
    finally:
        shutil.rmtree(tmp)
    return {
        "store.year_sessions_ms": {
            "value": round(built * 1000, 1), "unit": "ms",
            "compared_with": f"decoding the same {len(raws)} raw records alone: "
                             f"{decoded * 1000:.1f} ms"},
        "store.build_over_decode": {
            "value": round(built / decoded, 2), "unit": "x",
            "compared_with": "Store.sessions() over decoding its raw records, side by side"},
    }
