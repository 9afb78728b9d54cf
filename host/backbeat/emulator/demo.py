"""Sessions on a fresh virtual device, for `backbeat demo`: the firmware and one routine
(strength-four unless --routine names another) flashed with `backbeat flash`; a session run
at speed with the screen shown at each step, then two more straight through; `backbeat
sync` pulls the three and sends the routine back at the levels they earned, `backbeat plan`
says why, and the sessions are listed and reported (`backbeat report`, and its HTML file,
kept in the reports' cache folder unless --report names another; nothing is left in the
current folder).

Usage: python -m backbeat.emulator.demo [--speed N] [--routine FILE] [--keep DIR] [--report FILE]
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from backbeat.emulator.display import WIDTH, boxed
from backbeat.report.facts import cache_dir
from backbeat.resources import library_dir

TIMEOUT = 120.0


class _Emulator:
    def __init__(self, flash: Path, speed: float):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "backbeat.cli", "emulate", "--flash", str(flash), "--speed",
             str(speed)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        first = self.line()
        if not first.startswith("port: "):
            raise RuntimeError(f"backbeat emulate said {first!r}")
        self.port = first[len("port: "):]

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def line(self) -> str:
        return self.lines.get(timeout=TIMEOUT)

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def block(self) -> list[str]:
        head = self.line()
        n = head.split(": ", 1)[1].split()[0]
        return [] if n == "off" else [self.line() for _ in range(int(n))]

    def until(self, text: str) -> list[str]:
        self.send("until " + text)
        return self.block()

    def picture(self, wide: bool) -> list[str]:
        self.send("picture" if wide else "picture braille")
        return self.block()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.send("quit")
            self.proc.wait(TIMEOUT)


def _show(title: str, emu: _Emulator, out) -> None:  # type: ignore[no-untyped-def]
    # Half blocks when the terminal is wide enough for them, else braille (fits 80 columns).
    wide = shutil.get_terminal_size().columns >= WIDTH + 2
    rows = emu.picture(wide)
    out.write(f"\n{title}\n")
    out.write("".join(line + "\n" for line in boxed(rows, WIDTH if wide else WIDTH // 2)))
    out.flush()


def _run(args: list[str], out, env: dict[str, str] | None = None) -> None:  # type: ignore[no-untyped-def]
    r = subprocess.run([sys.executable, "-m", "backbeat.cli", *args], capture_output=True,
                       text=True, timeout=TIMEOUT, env={**os.environ, **(env or {})})
    out.write(r.stdout)
    if r.returncode != 0:
        raise RuntimeError(f"backbeat {args[0]} failed: {r.stderr.strip()}")


def demo_session(routine: Path, speed: float, work: Path, out=sys.stdout,  # type: ignore[no-untyped-def]
                 html: Path | None = None) -> None:
    """Flash a fresh virtual device in work/flash, run routine on it, sync it into
    work/backbeat.db, list the sessions and report them (the HTML report in ``html``,
    work/report.html by default)."""
    flash = work / "flash"
    flash.mkdir(parents=True, exist_ok=True)
    emu = _Emulator(flash, speed)
    try:
        out.write(f"virtual device on {emu.port}, speed x{speed:g}\n  flash {flash}\n")
        db = work / "backbeat.db"  # flash archives the routine there, naming the session's segments
        _run(["flash", "--port", emu.port, "--db", str(db), str(routine)], out)
        menu = emu.until("hold=go")
        _show("menu: " + " / ".join(menu[1:3]), emu, out)
        emu.send("long")
        emu.until("1=pause")
        _show("session started (long press)", emu, out)
        emu.send("wait 20s")
        emu.send("press")
        emu.until("PAUSED")
        _show("paused (short press)", emu, out)
        emu.send("press")
        emu.until("1=pause")
        emu.send("double")
        emu.send("wait 1s")
        _show("segment skipped (double press)", emu, out)
        emu.until("1=ok")
        _show("done", emu, out)
        emu.send("press")
        emu.until("hold=go")
        # Three clean sessions at one level earn the next (PROGRESS.md): two more, straight
        # through, and the sync sends the routine back at the levels earned.
        for n in (2, 3):
            emu.send("long")
            emu.until("1=ok")
            emu.send("press")
            emu.until("hold=go")
            out.write(f"session {n} done, straight through\n")
        out.write("\n")
        _run(["sync", "--port", emu.port, "--db", str(db)], out)
        # The menu's status line, and the routine's time and level mark, both now at level 1
        # (the menu is ordered again once the host has been quiet for half a second).
        emu.send("wait 1s")
        after = [" ".join(line.split()) for line in emu.until("hold=go")]
        _show("menu after the sync: " + " / ".join((after[0], after[3])), emu, out)
        out.write("\n")
        _run(["plan", "--db", str(db), str(routine)], out)
        out.write("\n")
        _run(["sessions", "--db", str(db)], out)
        out.write("\n")
        # The report's index of the demo's store lives and goes with the demo's folder.
        index = {"XDG_CACHE_HOME": str(work / "cache")}
        _run(["report", "--db", str(db)], out, index)
        html = html or work / "report.html"
        html.parent.mkdir(parents=True, exist_ok=True)
        _run(["report", "--db", str(db), "--html", str(html)], out, index)
    finally:
        emu.stop()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--speed", type=float, default=20.0)
    p.add_argument("--routine", type=Path, default=library_dir() / "strength-four.yaml")
    p.add_argument("--keep", type=Path, default=None,
                   help="Keep the flash and the database in this directory.")
    p.add_argument("--report", type=Path, default=None,
                   help="Write the HTML report here (default: demo.html in the reports' "
                        "cache folder, $XDG_CACHE_HOME/backbeat/reports).")
    a = p.parse_args(argv)
    work = a.keep or Path(tempfile.mkdtemp(prefix="backbeat-demo-"))
    try:
        demo_session(a.routine, a.speed, work,
                     html=(a.report or cache_dir() / "demo.html").resolve())
    except (RuntimeError, OSError, queue.Empty) as e:
        print(f"error: the virtual device demo stopped: {e}", file=sys.stderr)
        return 1
    finally:
        if a.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
