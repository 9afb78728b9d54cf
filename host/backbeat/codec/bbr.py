"""The .bbr compiled routine format, version 2 (docs/bbr-format.md): encode, and decode
versions 1 and 2."""

from __future__ import annotations

import struct
import zlib

from backbeat.text import display_lines
from backbeat.timeline import KINDS, SIDES, BreathPattern, Segment, Timeline

MAGIC = b"BBRT"
VERSION = 2
# Versions a reader accepts: version 1 has no per-segment level (its header level is
# every segment's).
READABLE_VERSIONS = (1, 2)
HEADER_SIZE = 32
SEGMENT_SIZE = 24
BREATH_SIZE = 8
CRC_SIZE = 4

NO_BREATH = 255  # segment.breath when the segment has no pattern
NO_STRING = 0xFFFF  # segment.exercise / segment.say when absent
MAX_BREATHS = 255
MAX_SEGMENTS = 0xFFFF
MAX_STRINGS_SIZE = 0xFFFF
MAX_STRING_BYTES = 255
MAX_COUNTER = 100  # rep, reps, round, rounds
DISPLAY_COLUMNS = 16
DISPLAY_LINES = 3  # at most, for the name, an exercise name and a say text
KNOWN_FLAGS = 0x1F  # bits 5 to 7 are ignored by readers

KIND_CODES = {kind: code for code, kind in enumerate(KINDS, start=1)}
SIDE_CODES: dict[str | None, int] = {None: 0, "left": 1, "right": 2}
assert tuple(SIDE_CODES)[1:] == SIDES

# magic, version, header_size, segment_size, breath_count, segment_count, name,
# total_ms, segments_offset, strings_offset, strings_size, level, reserved
_HEADER = struct.Struct("<4sBBBBHHIIIIHH")
# kind, flags, side, breath, rep, reps, round, rounds, step, exercise, say, level
# (reserved, 0, in version 1), duration_ms, param
_SEGMENT = struct.Struct("<BBBBBBBBHHHHII")
_BREATH = struct.Struct("<HHHH")
_U32 = struct.Struct("<I")

assert _HEADER.size == HEADER_SIZE and _SEGMENT.size == SEGMENT_SIZE
assert _BREATH.size == BREATH_SIZE

# Reader error names (docs/bbr-format.md, "Reader errors"), in the order they are checked.
NOT_A_ROUTINE = "not a routine"
INCOMPATIBLE = "incompatible version"
TRUNCATED = "truncated"
TRAILING_BYTES = "trailing bytes"
BAD_CRC = "bad CRC"
BAD_HEADER = "bad header"
BAD_SEGMENT = "bad segment"


class BbrError(ValueError):
    """A .bbr file a reader must refuse.

    ``name`` is the reader error name of docs/bbr-format.md (``"bad segment 3"``,
    ``"incompatible version 2"``); ``detail`` says what exactly is wrong.
    """

    def __init__(self, name: str, detail: str = "") -> None:
        self.name = name
        self.detail = detail
        super().__init__(f"{name}: {detail}" if detail else name)


# ---------------------------------------------------------------- encoding


def stored_text(text: str) -> str:
    """``text`` as stored: plain ASCII, wrapped to 16 columns, lines joined by ``\\n``."""
    lines = display_lines(text)
    stored = "\n".join(lines)
    if len(lines) > DISPLAY_LINES:
        raise ValueError(f"{text!r} takes {len(lines)} display lines, at most {DISPLAY_LINES}")
    problem = "" if stored.isascii() else "not plain ASCII"
    problem = problem or _string_problem(stored.encode("ascii"))
    if problem:
        raise ValueError(f"{text!r} wraps to {stored!r}: {problem}")
    return stored


class _StringTable:
    """Strings in order of first use, each stored once, addressed by byte offset."""

    def __init__(self) -> None:
        self._offsets: dict[str, int] = {}
        self._data = bytearray()

    def add(self, text: str | None) -> int:
        if text is None:
            return NO_STRING
        stored = stored_text(text)
        offset = self._offsets.get(stored)
        if offset is None:
            raw = stored.encode("ascii")
            offset = len(self._data)
            self._data.append(len(raw))
            self._data += raw
            if len(self._data) > MAX_STRINGS_SIZE:
                raise ValueError(f"string table over {MAX_STRINGS_SIZE} bytes")
            self._offsets[stored] = offset
        return offset

    def bytes(self) -> bytes:
        return bytes(self._data)


def _counter(value: int | None, what: str, where: str) -> int:
    if value is None:
        return 0
    if not 1 <= value <= MAX_COUNTER:
        raise ValueError(f"{where}: {what} {value} is outside 1..{MAX_COUNTER}")
    return value


def _segment_param(seg: Segment, where: str) -> int:
    if seg.kind == "hold_open":
        if seg.cap_ms is None or not seg.duration_ms <= seg.cap_ms <= 0xFFFFFFFF:
            raise ValueError(f"{where}: hold_open needs a cap of at least its target, not {seg.cap_ms}")
        return seg.cap_ms
    if seg.cap_ms is not None:
        raise ValueError(f"{where}: only hold_open has a cap, this is {seg.kind}")
    if seg.kind == "count":
        if not seg.pace_ms or not 0 < seg.pace_ms <= 0xFFFFFFFF:
            raise ValueError(f"{where}: count needs a pace, not {seg.pace_ms}")
        return seg.pace_ms
    if seg.pace_ms is not None:
        raise ValueError(f"{where}: only count has a pace, this is {seg.kind}")
    return 0


def _breath_tuple(pattern: BreathPattern, where: str) -> tuple[int, int, int, int]:
    phases = pattern.as_tuple()
    problem = _breath_problem(phases)
    if problem:
        raise ValueError(f"{where}: breath pattern {phases}: {problem}")
    return phases


def encode(timeline: Timeline) -> bytes:
    """The .bbr file of ``timeline``.

    Raises ValueError naming the offending segment and value when the timeline
    cannot be stored (the routine language rules out every such case first).
    """
    segments = timeline.segments
    if not 1 <= len(segments) <= MAX_SEGMENTS:
        raise ValueError(f"a routine has 1 to {MAX_SEGMENTS} segments, not {len(segments)}")
    if not 0 <= timeline.level <= 0xFFFF:
        raise ValueError(f"level {timeline.level} does not fit in 16 bits")

    strings = _StringTable()
    name = strings.add(timeline.name)
    breaths: dict[tuple[int, int, int, int], int] = {}
    records = bytearray()
    start_ms = 0
    for i, seg in enumerate(segments):
        where = f"segment {i} ({seg.kind})"
        kind = KIND_CODES.get(seg.kind)
        if kind is None:
            raise ValueError(f"{where}: unknown kind")
        if seg.side not in SIDE_CODES:
            raise ValueError(f"{where}: unknown side {seg.side!r}")
        if not 0 <= seg.flags <= KNOWN_FLAGS:
            raise ValueError(f"{where}: flags {seg.flags} outside 0..{KNOWN_FLAGS}")
        if seg.start_ms != start_ms:
            raise ValueError(f"{where}: starts at {seg.start_ms} ms, not at {start_ms} ms")
        if not 1 <= seg.duration_ms <= 0xFFFFFFFF:
            raise ValueError(f"{where}: duration {seg.duration_ms} ms does not fit")
        if (seg.rep is None) != (seg.reps is None) or (seg.rep or 0) > (seg.reps or 0):
            raise ValueError(f"{where}: rep {seg.rep} of {seg.reps}")
        if (seg.rounds is None and seg.round is not None) or (seg.round or 0) > (seg.rounds or 0):
            raise ValueError(f"{where}: round {seg.round} of {seg.rounds}")
        if not 0 <= seg.step <= 0xFFFF:
            raise ValueError(f"{where}: step {seg.step} does not fit in 16 bits")
        if not 0 <= seg.level <= 0xFFFF:
            raise ValueError(f"{where}: level {seg.level} does not fit in 16 bits")
        breath = NO_BREATH
        if seg.breath is not None:
            if seg.kind not in ("hold", "breathe"):
                raise ValueError(f"{where}: only hold and breathe take a breath pattern")
            phases = _breath_tuple(seg.breath, where)
            if seg.kind == "breathe" and seg.duration_ms % seg.breath.cycle_ms:
                raise ValueError(f"{where}: {seg.duration_ms} ms is not whole breath cycles")
            breath = breaths.setdefault(phases, len(breaths))
            if breath >= MAX_BREATHS:
                raise ValueError(f"more than {MAX_BREATHS} different breath patterns")
        elif seg.kind == "breathe":
            raise ValueError(f"{where}: breathe needs a breath pattern")
        records += _SEGMENT.pack(
            kind,
            seg.flags,
            SIDE_CODES[seg.side],
            breath,
            _counter(seg.rep, "rep", where),
            _counter(seg.reps, "reps", where),
            _counter(seg.round, "round", where),
            _counter(seg.rounds, "rounds", where),
            seg.step,
            strings.add(seg.exercise),
            strings.add(seg.say),
            seg.level,
            seg.duration_ms,
            _segment_param(seg, where),
        )
        start_ms += seg.duration_ms
    if start_ms > 0xFFFFFFFF:
        raise ValueError(f"total {start_ms} ms does not fit in 32 bits")

    table = strings.bytes()
    segments_offset = HEADER_SIZE + BREATH_SIZE * len(breaths)
    strings_offset = segments_offset + SEGMENT_SIZE * len(segments)
    out = bytearray(
        _HEADER.pack(
            MAGIC,
            VERSION,
            HEADER_SIZE,
            SEGMENT_SIZE,
            len(breaths),
            len(segments),
            name,
            start_ms,
            segments_offset,
            strings_offset,
            len(table),
            timeline.level,
            0,
        )
    )
    for phases in breaths:  # dicts keep insertion order: index order
        out += _BREATH.pack(*phases)
    out += records
    out += table
    out += _U32.pack(zlib.crc32(out))
    return bytes(out)


# ---------------------------------------------------------------- decoding


def _string_problem(raw: bytes) -> str:
    """Why ``raw`` is not a valid stored display string, or "" when it is."""
    if len(raw) > MAX_STRING_BYTES:
        return f"{len(raw)} bytes, at most {MAX_STRING_BYTES}"
    for byte in raw:
        if byte != 0x0A and not 0x20 <= byte <= 0x7E:
            return f"byte 0x{byte:02x} is neither printable ASCII nor a line break"
    lines = raw.split(b"\n")
    if len(lines) > DISPLAY_LINES:
        return f"{len(lines)} lines, at most {DISPLAY_LINES}"
    for line in lines:
        if len(line) > DISPLAY_COLUMNS:
            return f"line {line.decode()!r} is longer than {DISPLAY_COLUMNS} columns"
    return ""


def _breath_problem(phases: tuple[int, ...]) -> str:
    """Why four phase lengths are not a pattern of 2, 3 or 4 phases, or "" when they are."""
    inhale, hold_in, exhale, hold_out = phases
    if not all(0 <= p <= 0xFFFF for p in phases):
        return "a phase does not fit in 16 bits"
    if inhale == 0 or exhale == 0:
        return "inhale and exhale must be longer than 0 ms"
    if hold_in == 0 and hold_out != 0:
        return "a hold after exhale needs a hold after inhale"
    return ""


def _read_string(table: bytes, offset: int) -> str:
    """The string at ``offset`` of the string table; ValueError when there is none."""
    if offset >= len(table):
        raise ValueError(f"string offset {offset} is outside the {len(table)}-byte string table")
    end = offset + 1 + table[offset]
    if end > len(table):
        raise ValueError(f"string at offset {offset} runs past the string table")
    raw = table[offset + 1 : end]
    problem = _string_problem(raw)
    if problem:
        raise ValueError(f"string at offset {offset}: {problem}")
    return raw.decode("ascii")


def _optional_string(table: bytes, offset: int) -> str | None:
    return None if offset == NO_STRING else _read_string(table, offset)


def decode(data: bytes) -> dict:
    """The full decode of a .bbr file (docs/bbr-format.md, "Full decode").

    Checks everything the format promises and raises BbrError with the first
    problem found, in the order of the format's "Reader errors".
    """
    data = bytes(data)
    if data[:4] != MAGIC:
        raise BbrError(NOT_A_ROUTINE, f"starts with {data[:4]!r}, not {MAGIC!r}")
    if len(data) < 5:
        raise BbrError(TRUNCATED, f"{len(data)} bytes, no version")
    version = data[4]
    if version not in READABLE_VERSIONS:
        raise BbrError(f"{INCOMPATIBLE} {version}",
                       f"this reader knows versions {READABLE_VERSIONS[0]} to {VERSION} "
                       "(hint: upgrade backbeat)")
    if len(data) < HEADER_SIZE:
        raise BbrError(TRUNCATED, f"{len(data)} bytes, shorter than the {HEADER_SIZE}-byte header")
    (
        _magic,
        _version,
        header_size,
        segment_size,
        breath_count,
        segment_count,
        name_offset,
        total_ms,
        segments_offset,
        strings_offset,
        strings_size,
        level,
        reserved,
    ) = _HEADER.unpack_from(data)
    size = strings_offset + strings_size + CRC_SIZE
    if len(data) < size:
        raise BbrError(TRUNCATED, f"{len(data)} bytes, the header says {size}")
    if len(data) > size:
        raise BbrError(TRAILING_BYTES, f"{len(data) - size} bytes after the CRC")
    (stored_crc,) = _U32.unpack_from(data, size - CRC_SIZE)
    crc = zlib.crc32(data[: size - CRC_SIZE])
    if crc != stored_crc:
        raise BbrError(BAD_CRC, f"stored 0x{stored_crc:08x}, computed 0x{crc:08x}")

    def bad_header(detail: str) -> BbrError:
        return BbrError(BAD_HEADER, detail)

    if header_size != HEADER_SIZE or segment_size != SEGMENT_SIZE:
        raise bad_header(f"header size {header_size} and segment size {segment_size}, "
                         f"not {HEADER_SIZE} and {SEGMENT_SIZE}")
    if segment_count == 0:
        raise bad_header("no segments")
    if segments_offset != HEADER_SIZE + BREATH_SIZE * breath_count:
        raise bad_header(f"segments at {segments_offset}, not after {breath_count} breath patterns")
    if strings_offset != segments_offset + SEGMENT_SIZE * segment_count:
        raise bad_header(f"strings at {strings_offset}, not after {segment_count} segments")
    if strings_size > MAX_STRINGS_SIZE:
        raise bad_header(f"string table of {strings_size} bytes, at most {MAX_STRINGS_SIZE}")
    if reserved != 0:
        raise bad_header(f"reserved field is {reserved}, not 0")
    table = data[strings_offset : strings_offset + strings_size]
    try:
        name = _read_string(table, name_offset)
    except ValueError as e:
        raise bad_header(f"routine name: {e}") from None
    breaths = []
    for i in range(breath_count):
        phases = _BREATH.unpack_from(data, HEADER_SIZE + BREATH_SIZE * i)
        problem = _breath_problem(phases)
        if problem:
            raise bad_header(f"breath pattern {i} {list(phases)}: {problem}")
        breaths.append(list(phases))
    durations = sum(
        _U32.unpack_from(data, segments_offset + SEGMENT_SIZE * i + 16)[0]
        for i in range(segment_count)
    )
    if durations != total_ms:
        raise bad_header(f"total_ms is {total_ms}, the segments add up to {durations}")

    segments = []
    start_ms = 0
    for i in range(segment_count):
        fields = _SEGMENT.unpack_from(data, segments_offset + SEGMENT_SIZE * i)
        try:
            segment = _decode_segment(fields, breaths, table, version, level)
        except ValueError as e:
            raise BbrError(f"{BAD_SEGMENT} {i}", str(e)) from None
        segment["start_ms"] = start_ms
        segment["duration_ms"] = fields[12]
        segment["param"] = fields[13]
        segments.append(segment)
        start_ms += fields[12]
    return {
        "version": version,
        "name": name,
        "level": level,
        "total_ms": total_ms,
        "crc32": stored_crc,
        "breath": breaths,
        "segments": segments,
    }


def _decode_segment(fields: tuple, breaths: list[list[int]], table: bytes, version: int,
                    header_level: int) -> dict:
    """One segment record as a dict without its times; ValueError says what is wrong."""
    (kind_code, flags, side, breath, rep, reps, round_, rounds, step, exercise, say,
     level, duration_ms, param) = fields
    reserved = level if version == 1 else 0
    if not 1 <= kind_code <= len(KINDS):
        raise ValueError(f"unknown kind {kind_code}")
    kind = KINDS[kind_code - 1]
    if side >= len(SIDE_CODES):
        raise ValueError(f"unknown side {side}")
    if reserved != 0:
        raise ValueError(f"reserved field is {reserved}, not 0")
    if duration_ms == 0:
        raise ValueError("duration of 0 ms")
    if breath != NO_BREATH:
        if breath >= len(breaths):
            raise ValueError(f"breath pattern {breath} of {len(breaths)}")
        if kind not in ("hold", "breathe"):
            raise ValueError(f"a breath pattern on {kind}")
        if kind == "breathe" and duration_ms % sum(breaths[breath]):
            raise ValueError(f"breathe of {duration_ms} ms is not whole cycles")
    elif kind == "breathe":
        raise ValueError("breathe without a breath pattern")
    if reps > MAX_COUNTER or rep > reps or (rep == 0) != (reps == 0):
        raise ValueError(f"rep {rep} of {reps}")
    if rounds > MAX_COUNTER or round_ > rounds:
        raise ValueError(f"round {round_} of {rounds}")
    if kind == "hold_open":
        if param < duration_ms:
            raise ValueError(f"hold_open cap {param} ms is below its target {duration_ms} ms")
    elif kind == "count":
        if param == 0:
            raise ValueError("count with a pace of 0 ms")
    elif param != 0:
        raise ValueError(f"param {param} on {kind}")
    return {
        "kind": kind,
        "flags": flags & KNOWN_FLAGS,
        "side": SIDES[side - 1] if side else None,
        "breath": None if breath == NO_BREATH else breath,
        "rep": rep or None,
        "reps": reps or None,
        "round": round_ or None,
        "rounds": rounds or None,
        "step": step,
        "exercise": _optional_string(table, exercise),
        "say": _optional_string(table, say),
        "level": header_level if version == 1 else level,
    }
