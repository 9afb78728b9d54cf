"""What `backbeat check` and `backbeat show` print: error summaries, the dry-run table and JSON."""

from __future__ import annotations

import json

from backbeat.routine import check_file
from backbeat.routine.values import format_ms
from backbeat.text import count
from backbeat.timeline import Segment, Timeline

_PHASE_NAMES = ("in", "hold", "out", "hold")


def check_report(paths) -> tuple[list[str], str, bool]:
    """The error messages of ``paths``, a one-line summary, and whether all files are fine."""
    messages: list[str] = []
    bad_files = 0
    for path in paths:
        errors = check_file(path)
        if errors:
            bad_files += 1
            messages.extend(str(e) for e in errors)
    total = len(list(paths))
    if not bad_files:
        return messages, f"{count(total, 'file')} ok", True
    summary = f"{count(len(messages), 'error')} in {bad_files} of {count(total, 'file')}"
    return messages, summary, False


def dry_run_json(timeline: Timeline) -> str:
    """The dry run as ROUTINES.md defines it: name, total_ms and the segments."""
    return json.dumps(timeline.dry_run(), indent=2, ensure_ascii=False)


def clock(ms: int) -> str:
    """A start time: ``m:ss`` or ``h:mm:ss``, with tenths when not on a whole second."""
    seconds, millis = divmod(ms, 1000)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    out = f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
    if millis:
        out += f".{millis:03d}".rstrip("0")
    return out


def pattern_text(segment: Segment) -> str:
    """The breath pattern as a routine writes it: ``4-6``, ``4-7-8``, ``5.5-5.5``."""
    assert segment.breath is not None
    inhale, hold_in, exhale, hold_out = segment.breath.as_tuple()
    if not hold_in and not hold_out:
        phases = [inhale, exhale]
    elif not hold_out:
        phases = [inhale, hold_in, exhale]
    else:
        phases = [inhale, hold_in, exhale, hold_out]
    return "-".join(f"{ms / 1000:g}" for ms in phases)


def breath_line(segment: Segment) -> str:
    """The breathing phases of a hold or breathe segment in one line.

    Whole cycles are counted, and the cut last cycle of a hold is listed
    phase by phase: ``breath 4-6: 1 x (in 4s, out 6s) + in 4s, out 1s``.
    """
    pattern = segment.breath
    assert pattern is not None
    cycle = ", ".join(
        f"{name} {format_ms(ms)}"
        for name, ms in zip(_PHASE_NAMES, pattern.as_tuple(), strict=True)
        if ms
    )
    full, left = divmod(segment.duration_ms, pattern.cycle_ms)
    parts = []
    if full:
        parts.append(f"{full} x ({cycle})")
    if left:
        cut = pattern.phases(left)
        parts.append(", ".join(f"{name} {format_ms(ms)}" for name, _, ms in cut))
    return f"breath {pattern_text(segment)}: " + " + ".join(parts)


def _what(segment: Segment) -> str:
    if segment.round is not None:
        return f"{segment.kind} {segment.round}/{segment.rounds}"
    return segment.kind


def _duration(segment: Segment) -> str:
    shown = format_ms(segment.duration_ms)
    if segment.kind == "hold_open" and segment.cap_ms is not None:
        return f"{shown} (target, cap {format_ms(segment.cap_ms)})"
    if segment.kind == "count" and segment.pace_ms:
        return f"{shown} ({segment.duration_ms // segment.pace_ms} x {format_ms(segment.pace_ms)})"
    return shown


def dry_run_table(timeline: Timeline) -> str:
    """The dry run as a table: start, segment, exercise, side, rep, duration; breath under holds."""
    header = ("start", "segment", "exercise", "side", "rep", "duration")
    rows = []
    for s in timeline.segments:
        rep = f"{s.rep}/{s.reps}" if s.rep is not None else ""
        rows.append(
            (clock(s.start_ms), _what(s), s.exercise or "", s.side or "", rep, _duration(s))
        )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells) -> str:
        return "  ".join(
            c.rjust(w) if i == 0 else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    indent = " " * (widths[0] + 2)
    out = [f"{timeline.name} (level {timeline.level})", line(header)]
    for s, row in zip(timeline.segments, rows, strict=True):
        out.append(line(row))
        if s.breath is not None and s.kind in ("hold", "breathe"):
            out.append(indent + breath_line(s))
    out.append(
        f"total {format_ms(timeline.total_ms)} ({timeline.total_ms} ms), {count(len(timeline.segments), 'segment')}"
    )
    return "\n".join(out)
