"""The library part of `backbeat demo`: check and compile the routine library, read every
file back, and show the dry run of the shortest routine.

Usage: python -m backbeat.demo [--routines DIR] [--out DIR] [--show ID]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from backbeat.codec.bbr import BbrError, decode, stored_text
from backbeat.compiling import compile_files, write_compiled
from backbeat.resources import library_dir
from backbeat.routine.report import check_report, dry_run_table
from backbeat.routine.values import format_ms
from backbeat.timeline import Timeline


def read_back(decoded: dict) -> dict:
    """The dry run (``backbeat show --json``) of a decoded .bbr file."""
    return {
        "name": decoded["name"],
        "total_ms": decoded["total_ms"],
        "segments": [
            {key: s[key] for key in ("kind", "exercise", "side", "rep", "start_ms", "duration_ms")}
            for s in decoded["segments"]
        ],
    }


def expected_read_back(timeline: Timeline) -> dict:
    """The dry run of ``timeline`` with its names as a .bbr file stores them (wrapped)."""
    dry = timeline.dry_run()
    dry["name"] = stored_text(dry["name"])
    for segment in dry["segments"]:
        if segment["exercise"] is not None:
            segment["exercise"] = stored_text(segment["exercise"])
    return dry


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m backbeat.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--routines", default=str(library_dir()),
                        help="routines (default: the library backbeat carries)")
    parser.add_argument("--out", default="build/routines", help=".bbr output (default: build/routines)")
    parser.add_argument("--show", metavar="ID", help="routine to dry-run (default: the shortest)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    library = Path(args.routines)
    paths = sorted(library.glob("*.yaml"))
    if not paths:
        print(f"{library}: error: no routines (*.yaml) here (hint: --routines names a folder "
              "of routines)", file=sys.stderr)
        return 2

    print(f"== backbeat check {library}/*.yaml")
    messages, summary, ok = check_report(paths)
    for message in messages:
        print(message, file=sys.stderr)
    print(summary)
    if not ok:
        return 2

    print(f"\n== backbeat compile {library}/*.yaml -o {args.out}")
    compiled, errors = compile_files(paths)
    for message in errors:
        print(message, file=sys.stderr)
    if errors:
        return 2
    written = write_compiled(compiled, args.out)
    id_width = max(len(item.file_name) for item in compiled)
    for item, path in zip(compiled, written, strict=True):
        t = item.timeline
        n = len(t.segments)
        # Within 80 columns for the library's names: 53 columns before the routine's name.
        print(f"{path.stem:<{id_width - 4}}  {n:3d} segment{' ' if n == 1 else 's'}  "
              f"{format_ms(t.total_ms):>8}  {len(item.data):5d} B  {t.name}")

    # Read every file back as the device will, and check it matches its timeline.
    for item, path in zip(compiled, written, strict=True):
        try:
            decoded = decode(path.read_bytes())
        except BbrError as e:
            print(f"{path}: error: {e}", file=sys.stderr)
            return 1
        if read_back(decoded) != expected_read_back(item.timeline):
            print(f"{path}: error: does not read back as its timeline", file=sys.stderr)
            return 1
    total_bytes = sum(len(item.data) for item in compiled)
    print(f"{len(written)} files, {total_bytes} bytes; each one read back, checked and equal to its timeline")

    if args.show:
        chosen = [item for item in compiled if item.source.stem == args.show]
        if not chosen:
            print(f"--show: error: no routine {args.show!r} in {library}", file=sys.stderr)
            return 2
        item = chosen[0]
    else:
        item = min(compiled, key=lambda c: (c.timeline.total_ms, c.source.stem))
    print(f"\n== backbeat show {item.source}")
    print(dry_run_table(item.timeline))
    return 0


if __name__ == "__main__":
    sys.exit(main())
