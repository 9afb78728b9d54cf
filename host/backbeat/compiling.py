"""Compiling routine files to .bbr files: one NAME.bbr per NAME.yaml, all or nothing."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from backbeat.codec.bbr import encode
from backbeat.routine import (
    DEVICE_ID_HINT,
    RoutineErrors,
    load_routine,
    routine_id,
    valid_device_id,
)
from backbeat.routine.compiler import Levels
from backbeat.routine.values import format_ms
from backbeat.text import count
from backbeat.timeline import Timeline


@dataclass(frozen=True)
class Compiled:
    """One routine file compiled: where it came from, its timeline and its .bbr bytes."""

    source: Path
    timeline: Timeline
    data: bytes

    @property
    def file_name(self) -> str:
        return f"{routine_id(self.source)}.bbr"

    def summary(self) -> str:
        """One line: id, segments, planned total, size."""
        t = self.timeline
        return (
            f"{routine_id(self.source)}: {count(len(t.segments), 'segment')}, "
            f"{format_ms(t.total_ms)} total, {len(self.data)} bytes"
        )


def compile_files(paths, level: int | Mapping[str, Levels] = 0) -> tuple[list[Compiled], list[str]]:
    """Every file of ``paths`` compiled at ``level`` (one for all, or routine id -> a plan's
    :class:`Levels`, level 0 for a routine it lacks), and every error message of all of them.

    Messages read ``FILE:LINE:COL: error: WHAT (hint: FIX)``, as ``backbeat check``
    prints them.
    """
    compiled: list[Compiled] = []
    errors: list[str] = []
    first_of: dict[str, str] = {}
    for path in map(str, paths):
        rid = routine_id(path)
        if rid in first_of:
            errors.append(
                f"{path}:1:1: error: {path} and {first_of[rid]} would both compile to {rid}.bbr "
                f"(hint: rename one of them; the file name is the routine's id)"
            )
            continue
        first_of[rid] = path
        if not valid_device_id(rid):
            errors.append(
                f"{path}:1:1: error: the file name makes the routine id {rid!r}, which the "
                f"device does not accept (hint: rename the file: {DEVICE_ID_HINT})"
            )
            continue
        try:
            timeline = load_routine(path, level if isinstance(level, int) else level.get(rid, 0))
        except RoutineErrors as found:
            errors.extend(str(e) for e in found.errors)
            continue
        try:
            data = encode(timeline)
        except ValueError as e:
            errors.append(
                f"{path}:1:1: error: the routine does not fit the .bbr format: {e} "
                f"(hint: make the routine shorter or simpler)"
            )
            continue
        compiled.append(Compiled(Path(path), timeline, data))
    return compiled, errors


def levels_of(timeline: Timeline) -> dict[str, int]:
    """Exercise name -> the level it was compiled at."""
    return {seg.exercise: seg.level for seg in timeline.segments if seg.exercise is not None}


def archive_compiled(compiled: list[Compiled], db_path: str | Path | None, origin: str) -> str:
    """Keep each compiled routine in the store's archive (its .bbr, source YAML and levels),
    so sessions that ran it can be named later. Returns "" or a warning saying why the
    routines could not be kept; the compile or flash itself is not undone."""
    from backbeat.store import Store, StoreError, default_db_path

    try:
        with Store(db_path or default_db_path()) as store:
            for item in compiled:
                try:
                    source: str | None = item.source.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    source = None
                store.archive(item.data, routine_id(item.source), origin, source,
                              levels_of(item.timeline))
    except (StoreError, OSError) as e:
        return f"warning: the routines were not archived ({e})"
    return ""


def write_compiled(compiled: list[Compiled], out_dir: str | Path) -> list[Path]:
    """Write each routine to ``out_dir/NAME.bbr`` (made if missing); the paths written.

    Each file is written under a temporary name and then renamed, so a reader
    never sees half a file. An OSError names the file that was to be written, not the
    temporary one (which is removed).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for item in compiled:
        target = out / item.file_name
        partial = target.with_name(target.name + ".part")
        try:
            partial.write_bytes(item.data)
            os.replace(partial, target)
        except OSError as e:
            try:
                partial.unlink(missing_ok=True)
            except OSError:
                pass
            raise OSError(e.errno, e.strerror, str(target)) from None
        written.append(target)
    return written
