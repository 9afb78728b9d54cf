"""What backbeat carries in its package (pyproject.toml's package data), found where it is
installed: the firmware, the routine library, and the npm pin of the virtual device's
MicroPython port. In a checkout these folders are links to firmware/, routines/ and the
top package.json, so the same lookup serves both."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _folder(name: str) -> Path:
    return Path(str(files("backbeat").joinpath(name)))


def firmware_dir() -> Path:
    """The firmware's MicroPython files (firmware/)."""
    return _folder("firmware")


def library_dir() -> Path:
    """The routine library (routines/)."""
    return _folder("library")


def npm_dir() -> Path:
    """package.json and package-lock.json: the pinned MicroPython WebAssembly port."""
    return _folder("npm")
