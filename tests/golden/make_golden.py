"""Write the .bbr golden vectors: tests/golden/bbr/NAME.bbr and NAME.json from NAME.yaml, and
the corrupt vectors listed in tests/golden/bbr/corrupt.json.

Usage: python tests/golden/make_golden.py [--check]

--check writes nothing and exits 1 when a committed file differs from what
the code produces now (the test suite does the same).
"""

from __future__ import annotations

import json
import struct
import sys
import zlib
from pathlib import Path

from backbeat.codec.bbr import decode, encode
from backbeat.routine import RoutineErrors, load_routine

HERE = Path(__file__).resolve().parent / "bbr"

# Progression level each source is compiled at (0 when not listed).
LEVELS = {"progression": 3}

# The valid vector the corrupt ones are made from, and which of its segments they break.
CORRUPT_BASE = "counts"
CORRUPT_SEGMENT = 1


def full_decode_json(decoded: dict) -> str:
    """The full decode as committed: one line per header field and per segment."""
    lines = ["{"]
    for key in ("version", "name", "level", "total_ms", "crc32", "breath"):
        lines.append(f"  {json.dumps(key)}: {json.dumps(decoded[key])},")
    lines.append('  "segments": [')
    segments = [json.dumps(s) for s in decoded["segments"]]
    lines.append(",\n".join(f"    {s}" for s in segments))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def reseal(data: bytes) -> bytes:
    """``data`` with its CRC32 recomputed, so that a reader gets past the CRC check."""
    return data[:-4] + struct.pack("<I", zlib.crc32(data[:-4]))


def patched(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def corrupt_vectors(base: bytes) -> list[tuple[str, bytes, str, str]]:
    """(file, bytes, expected reader error, what was done) for each corrupt vector."""
    segments_offset, _strings_offset, strings_size = struct.unpack_from("<III", base, 16)
    segment = segments_offset + 24 * CORRUPT_SEGMENT
    breath_count = base[7]
    total_ms = struct.unpack_from("<I", base, 12)[0]
    last = bytes([base[-1] ^ 0xFF])
    bad = f"bad segment {CORRUPT_SEGMENT}"
    return [
        ("empty.bbr", b"", "not a routine", "an empty file"),
        ("bad-magic.bbr", b"BBRX" + base[4:], "not a routine", "magic BBRX"),
        ("version-3.bbr", patched(base, 4, "<B", 3), "incompatible version 3",
         "version byte 3, CRC not recomputed"),
        ("short-header.bbr", base[:20], "truncated", "the first 20 bytes"),
        ("truncated.bbr", base[:-10], "truncated", "the last 10 bytes cut"),
        ("trailing-bytes.bbr", base + b"\x00\x00", "trailing bytes", "two zero bytes appended"),
        ("bad-crc.bbr", base[:-1] + last, "bad CRC", "the last CRC byte inverted"),
        ("bad-crc-data.bbr", patched(base, segment + 16, "<I", 7000), "bad CRC",
         f"segment {CORRUPT_SEGMENT} duration changed, CRC not recomputed"),
        ("bad-segments-offset.bbr", reseal(patched(base, 16, "<I", segments_offset + 8)),
         "bad header", "segments_offset 8 bytes too far, CRC recomputed"),
        ("bad-total.bbr", reseal(patched(base, 12, "<I", total_ms + 1)), "bad header",
         "total_ms one more than the segments add up to, CRC recomputed"),
        ("bad-kind.bbr", reseal(patched(base, segment, "<B", 11)), bad,
         f"segment {CORRUPT_SEGMENT} kind 11, CRC recomputed"),
        ("bad-string-offset.bbr", reseal(patched(base, segment + 10, "<H", strings_size)), bad,
         f"segment {CORRUPT_SEGMENT} exercise at strings_size, CRC recomputed"),
        ("bad-breath-index.bbr", reseal(patched(base, segment + 3, "<B", breath_count)), bad,
         f"segment {CORRUPT_SEGMENT} breath index = breath_count, CRC recomputed"),
    ]


def golden_files() -> dict[str, bytes]:
    """Every golden file, by path relative to tests/golden/bbr, with its content."""
    files: dict[str, bytes] = {}
    for source in sorted(HERE.glob("*.yaml")):
        data = encode(load_routine(source, LEVELS.get(source.stem, 0)))
        files[f"{source.stem}.bbr"] = data
        files[f"{source.stem}.json"] = full_decode_json(decode(data)).encode()
    listing = []
    for name, data, error, what in corrupt_vectors(files[f"{CORRUPT_BASE}.bbr"]):
        files[f"corrupt/{name}"] = data
        listing.append({"file": f"corrupt/{name}", "error": error, "what": what})
    files["corrupt.json"] = (json.dumps(listing, indent=1) + "\n").encode()
    return files


def main(argv: list[str]) -> int:
    try:
        produced = golden_files()
    except RoutineErrors as found:
        for error in found.errors:
            print(error, file=sys.stderr)
        return 2
    committed = {
        str(p.relative_to(HERE)): p.read_bytes()
        for p in HERE.rglob("*")
        if p.is_file() and p.suffix in (".bbr", ".json")
    }
    stale = sorted(name for name in committed if name not in produced)
    changed = sorted(name for name, data in produced.items() if committed.get(name) != data)
    if "--check" in argv:
        for name in changed:
            print(f"differs: {name}")
        for name in stale:
            print(f"not produced: {name}")
        return 1 if changed or stale else 0
    for name in stale:
        (HERE / name).unlink()
        print(f"removed {name}")
    for name in changed:
        path = HERE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(produced[name])
        print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
