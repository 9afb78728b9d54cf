"""The MicroPython WebAssembly port for an installed backbeat: a per-user cache, filled once
with npm from the pin that backbeat carries (backbeat/npm/package-lock.json)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from backbeat.resources import npm_dir


class PortMissing(Exception):
    """The port is not installed and cannot be; str() says what to install."""


def cache_dir() -> Path:
    """$XDG_CACHE_HOME/backbeat/micropython (~/.cache when XDG_CACHE_HOME is not set)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "backbeat" / "micropython"


def pinned() -> str:
    """`name@version` of each npm package the virtual device needs (the MicroPython port
    first among them), as package.json pins them."""
    deps = json.loads((npm_dir() / "package.json").read_text())["dependencies"]
    return " ".join(f"{name}@{version}" for name, version in sorted(deps.items()))


def install(relative: Path, npm: str | None = None) -> Path:
    """Install the pinned port into the cache with `npm ci`, saying so on stderr; returns
    the cache's copy of `relative` (the port's micropython.mjs)."""
    npm = npm or shutil.which("npm")
    target = cache_dir()
    if npm is None:
        raise PortMissing(
            f"the MicroPython WebAssembly port is not installed, and npm is not there to "
            f"install it (hint: install Node.js 20 or newer with npm, e.g. `apt install "
            f"nodejs npm`; backbeat emulate then installs {pinned()} into {target} once)")
    target.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(npm_dir() / name, target / name)
    print(f"backbeat: installing {pinned()} into {target} with npm (once)", file=sys.stderr,
          flush=True)
    r = subprocess.run([npm, "ci", "--prefer-offline", "--no-audit", "--no-fund",
                        "--loglevel=error"], cwd=target, capture_output=True, text=True)
    found = target / relative
    if r.returncode != 0 or not found.is_file():
        said = (r.stderr.strip() or r.stdout.strip()).splitlines()[-1:] or ["no message"]
        raise PortMissing(f"npm could not install {pinned()} into {target}: {said[0]} "
                          f"(hint: check the network, then run backbeat emulate again)")
    return found
