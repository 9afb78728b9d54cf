"""Benchmarks of the routine compiler on the routine library: speed, and .bbr size against JSON."""

from __future__ import annotations

import json
import time
from pathlib import Path

from backbeat.codec.bbr import encode
from backbeat.routine import load_routine
from backbeat.routine.loader import plain_data

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "routines"
ROUNDS = 5  # timing rounds; the fastest is reported, as timeit does
MIN_ROUND_S = 0.2  # each round repeats the whole library for at least this long


def library() -> list[Path]:
    paths = sorted(LIBRARY.glob("*.yaml"))
    if not paths:
        raise RuntimeError(f"no routines in {LIBRARY}")
    return paths


def _round_s(work, items: list, passes: int) -> float:
    """Seconds taken by ``passes`` passes of ``work`` over every item."""
    began = time.perf_counter()
    for _ in range(passes):
        for item in items:
            work(item)
    return time.perf_counter() - began


def best_ms_per_item(work, items: list) -> float:
    """Fastest of ROUNDS rounds of ``work`` over every item, in ms per item."""
    passes = 1
    while (first := _round_s(work, items, passes)) < MIN_ROUND_S:
        passes *= 2  # calibrate: enough passes that one round lasts MIN_ROUND_S
    best = min([first] + [_round_s(work, items, passes) for _ in range(ROUNDS - 1)])
    return best * 1000 / (passes * len(items))


def compile_file(path: Path) -> bytes:
    return encode(load_routine(path, 0))


def run() -> dict:
    paths = library()
    texts = [p.read_text(encoding="utf-8") for p in paths]
    compile_ms = best_ms_per_item(compile_file, paths)
    parse_ms = best_ms_per_item(plain_data, texts)

    timelines = [load_routine(p, 0) for p in paths]
    bbr_bytes = sum(len(encode(t)) for t in timelines)
    json_bytes = sum(len(json.dumps(t.dry_run(), separators=(",", ":"))) for t in timelines)
    segments = sum(len(t.segments) for t in timelines)

    n = len(paths)
    return {
        "compile.ms_per_routine": {
            "value": round(compile_ms, 4),
            "unit": "ms",
            "compared_with": (
                f"yaml.safe_load alone of the same {n} files (routines/*.yaml): "
                f"{parse_ms:.4f} ms per routine; compiling (read, parse with positions, "
                f"check, timeline, encode) takes {compile_ms / parse_ms:.2f}x that"
            ),
        },
        "compile.bbr_to_json_size_ratio": {
            "value": round(bbr_bytes / json_bytes, 4),
            "unit": "ratio",
            "compared_with": (
                f"target at most 0.35: {bbr_bytes} bytes of .bbr over {json_bytes} bytes of "
                f"compact JSON dry runs (json.dumps(timeline.dry_run(), "
                f"separators=(',', ':'))) for the same {n} routines, {segments} segments"
            ),
        },
    }
