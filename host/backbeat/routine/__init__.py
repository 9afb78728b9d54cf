"""The routine language: YAML routines checked, and compiled to timelines.

``load_routine(path, level)`` gives the :class:`~backbeat.timeline.Timeline`
of one file or raises :class:`RoutineErrors` with every error in it;
``check_files(paths)`` gives the error messages of many files.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from backbeat.routine import loader
from backbeat.routine.compiler import Levels, compile_routine
from backbeat.routine.errors import Invalid, MultipleInvalid, RoutineError, RoutineErrors
from backbeat.routine.model import Routine, top_level
from backbeat.routine.structure import build_routine
from backbeat.timeline import Timeline

__all__ = [
    "DEVICE_ID_HINT",
    "RoutineError",
    "RoutineErrors",
    "check_file",
    "check_files",
    "load_routine",
    "read_routine",
    "routine_id",
    "valid_device_id",
]

# The routine ids the device accepts (firmware/link.py valid_name): they name a file in
# /routines, so they stay inside it.
_DEVICE_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
DEVICE_ID_HINT = ("lower-case letters, digits, - and _, at most 64 characters, starting with "
                  "a letter or digit, e.g. lower-back")


def routine_id(path: str | Path) -> str:
    """A routine's id: its file name without the extension."""
    return Path(path).stem


def valid_device_id(rid: str) -> bool:
    """True when the device accepts ``rid`` as a routine id (DEVICE_ID_HINT says which)."""
    return _DEVICE_ID.fullmatch(rid) is not None


def _located(path: str, problems: list[Invalid]) -> RoutineErrors:
    return RoutineErrors([RoutineError.at(path, p) for p in problems])


def read_routine(path: str | Path) -> Routine:
    """The checked routine in ``path``, before compiling; raises :class:`RoutineErrors`."""
    try:
        return build_routine(loader.load(path))
    except Invalid as problem:
        raise _located(str(path), [problem]) from None
    except MultipleInvalid as many:
        raise _located(str(path), many.problems) from None


def load_routine(path: str | Path, level: int | Levels = 0) -> Timeline:
    """The timeline of the routine in ``path`` at progression ``level`` (or a plan's
    :class:`~backbeat.routine.compiler.Levels`).

    Raises :class:`RoutineErrors` carrying every error found, each with its
    file, line and column.
    """
    routine = read_routine(path)
    try:
        timeline = compile_routine(routine, level)
    except MultipleInvalid as many:
        raise _located(str(path), many.problems) from None
    return replace(timeline, meta={"id": routine_id(path), "path": str(path)})


def check_file(path: str | Path) -> list[RoutineError]:
    """Every error of one file; the limits that depend on the level are checked at
    level 0 and at the level where every progression has reached its end."""
    try:
        routine = read_routine(path)
    except RoutineErrors as errors:
        return errors.errors
    found: list[RoutineError] = []
    for level in sorted({0, top_level(routine)}):
        try:
            compile_routine(routine, level)
        except MultipleInvalid as many:
            found.extend(_located(str(path), many.problems).errors)
    return RoutineErrors(found).errors


def check_files(paths) -> list[str]:
    """The error messages of all ``paths``, file by file, in order of position."""
    return [str(error) for path in paths for error in check_file(path)]
