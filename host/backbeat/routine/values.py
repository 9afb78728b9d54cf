"""Validators for the values of the routine language: each returns the value or raises Invalid.

A validator takes a positioned node (:mod:`backbeat.routine.nodes`) and the
name the message should use for it (``what``), and returns plain Python values:
durations in whole milliseconds, counts as ints, breath patterns, sides, text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from backbeat import text as display
from backbeat.routine.errors import Invalid
from backbeat.routine.model import Amount, Due, Needs, Progression
from backbeat.routine.nodes import Mapping, Node, Scalar, Sequence, describe
from backbeat.timeline import SIDES, BreathPattern

SECOND = 1000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE

SEGMENT_MIN_MS = SECOND
SEGMENT_MAX_MS = HOUR
PHASE_MIN_MS = 500
PHASE_MAX_MS = 60 * SECOND
PACE_MIN_MS = 500
TOTAL_MAX_MS = 3 * HOUR
NAME_MAX_CHARS = 32
COUNT_MAX = 100

DURATION_HINT = "write seconds (30, 2.5) or a time with units h, m, s, ms (30s, 1m30s, 500ms)"
PATTERN_HINT = (
    "write 2 to 4 numbers of seconds joined by '-': in-out (4-6), in-hold-out (4-7-8), "
    "in-hold-out-hold (4-4-4-4); or none"
)
SIDES_HINT = "write both, left, right, or a list such as [left, right, left]"

_NUMBER = r"\d+(?:\.\d+)?"
_DURATION = re.compile(
    rf"(?:(?P<h>{_NUMBER})\s*h)?\s*"
    rf"(?:(?P<m>{_NUMBER})\s*m(?!s))?\s*"
    rf"(?:(?P<s>{_NUMBER})\s*s)?\s*"
    rf"(?:(?P<ms>{_NUMBER})\s*ms)?"
)
_UNIT_MS = {"h": HOUR, "m": MINUTE, "s": SECOND, "ms": 1}
_PHASE_NAMES = {2: ("in", "out"), 3: ("in", "hold", "out"), 4: ("in", "hold", "out", "hold")}


def format_ms(ms: int) -> str:
    """A duration as the language writes it: ``1h``, ``1m30s``, ``2.5s``, ``500ms``, ``0s``."""
    if ms == 0:
        return "0s"
    if ms < SECOND:
        return f"{ms}ms"
    hours, rest = divmod(ms, HOUR)
    minutes, rest = divmod(rest, MINUTE)
    seconds, millis = divmod(rest, SECOND)
    out = ""
    if hours:
        out += f"{hours}h"
    if minutes:
        out += f"{minutes}m"
    if seconds or millis:
        out += f"{seconds}.{millis:03d}".rstrip("0") + "s" if millis else f"{seconds}s"
    return out


def _is_number(node: Scalar) -> bool:
    return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)


def _seconds_of_number(node: Scalar) -> Decimal:
    """The exact decimal written for a YAML number (floats are not trusted to be exact)."""
    if isinstance(node.value, int):
        return Decimal(node.value)
    try:
        value = Decimal(node.text.replace("_", ""))
    except InvalidOperation:
        value = Decimal(repr(node.value))
    if not value.is_finite():
        raise Invalid(f"{node.text} is not a duration", DURATION_HINT, node)
    return value


def _whole_ms(seconds: Decimal, node: Scalar, what: str) -> int:
    ms = seconds * SECOND
    if ms != ms.to_integral_value():
        raise Invalid(
            f"{what} {node.text} is not a whole number of milliseconds",
            "durations count whole milliseconds; round it, e.g. 2.5s or 2501ms",
            node,
        )
    return int(ms)


def parse_duration(node: Node, what: str) -> int:
    """A duration in milliseconds, 0 or more, with no other limit."""
    if not isinstance(node, Scalar):
        raise Invalid(f"{what} must be a duration, not {describe(node)}", DURATION_HINT, node)
    if node.is_null:
        raise Invalid(f"{what} has no value", DURATION_HINT, node)
    if _is_number(node):
        seconds = _seconds_of_number(node)
        if seconds < 0:
            raise Invalid(f"{what} must not be negative", DURATION_HINT, node)
        return _whole_ms(seconds, node, what)
    if not isinstance(node.value, str):
        raise Invalid(f"{what} must be a duration, not {node.shown()}", DURATION_HINT, node)
    written = node.value.strip()
    if written.startswith("-"):
        raise Invalid(f"{what} must not be negative", DURATION_HINT, node)
    match = _DURATION.fullmatch(written)
    if not written or match is None or not any(match.groupdict().values()):
        if re.fullmatch(_NUMBER, written) or re.fullmatch(rf"(.*\d\s*[hms])?\s*{_NUMBER}", written):
            hint = "give every number its unit, e.g. 30s or 1m30s"
        else:
            hint = DURATION_HINT
        raise Invalid(f"{what} {written!r} is not a duration", hint, node)
    seconds = Decimal(0)
    for unit, number in match.groupdict().items():
        if number is not None:
            seconds += Decimal(number) * _UNIT_MS[unit] / SECOND
    return _whole_ms(seconds, node, what)


def duration(
    node: Node,
    what: str,
    minimum: int = SEGMENT_MIN_MS,
    maximum: int = SEGMENT_MAX_MS,
    zero_ok: bool = False,
) -> int:
    """A duration between ``minimum`` and ``maximum`` ms (or 0 when ``zero_ok``)."""
    ms = parse_duration(node, what)
    if ms == 0 and zero_ok:
        return 0
    if ms < minimum:
        if zero_ok:
            hint = f"write 0 to leave it out, or at least {format_ms(minimum)}"
        else:
            hint = f"make it at least {format_ms(minimum)}"
        raise Invalid(f"{what} is {format_ms(ms)}, shorter than {format_ms(minimum)}", hint, node)
    if ms > maximum:
        raise Invalid(
            f"{what} is {format_ms(ms)}, longer than {format_ms(maximum)}",
            f"make it at most {format_ms(maximum)}, or split it into several steps",
            node,
        )
    return ms


def count(node: Node, what: str, minimum: int = 1, maximum: int | None = COUNT_MAX) -> int:
    """A whole number between ``minimum`` and ``maximum``."""
    limits = f"{minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
    if (
        not isinstance(node, Scalar)
        or node.is_null
        or not isinstance(node.value, int)
        or isinstance(node.value, bool)
    ):
        shown = describe(node) if not (isinstance(node, Scalar) and node.is_null) else "nothing"
        raise Invalid(
            f"{what} must be a whole number, not {shown}",
            f"write a number {limits}, e.g. {what}: 3",
            node,
        )
    value = node.value
    if maximum is None and value < minimum:
        raise Invalid(f"{what} is {value}, less than {minimum}", f"make it {minimum} or more", node)
    if value < minimum or (maximum is not None and value > maximum):
        raise Invalid(
            f"{what} is {value}, outside {limits}", f"{what} is a whole number {limits}", node
        )
    return value


def progressive(
    node: Node,
    what: str,
    check: Callable[[Node, str], int],
    step: Callable[[Node, str], int],
) -> Amount:
    """A value that may be a progression ``{from: A, to: B, step: C}``.

    ``check`` validates a plain value (and ``from`` and ``to``); ``step``
    validates the step.
    """
    if not isinstance(node, Mapping):
        return check(node, what)
    unknown_keys(node, ("from", "to", "step"), f"the progression of {what}")
    missing = [k for k in ("from", "to", "step") if k not in node]
    if missing:
        raise Invalid(
            f"the progression of {what} has no {' or '.join(repr(k) for k in missing)}",
            "a progression is {from: A, to: B, step: C}: A at level 0, C more each level, never above B",
            node,
        )
    start = check(node.get("from"), f"{what}.from")
    stop = check(node.get("to"), f"{what}.to")
    increment = step(node.get("step"), f"{what}.step")
    if stop < start:
        raise Invalid(
            f"the progression of {what} goes down: from {node.get('from').text} to {node.get('to').text}",
            "`from` is the value at level 0; make `to` at least `from`",
            node.get("to"),
        )
    return Progression(start, stop, increment)


def duration_step(node: Node, what: str) -> int:
    """The step of a duration progression: more than 0."""
    ms = parse_duration(node, what)
    if ms == 0:
        raise Invalid(
            f"{what} is 0", "a progression grows by more than 0 each level, e.g. step: 5s", node
        )
    return ms


def count_step(node: Node, what: str) -> int:
    """The step of a count progression: 1 or more."""
    return count(node, what, 1, None)


def breath_pattern(node: Node, what: str) -> BreathPattern | None:
    """A breath pattern, or None for ``none``."""
    if not isinstance(node, Scalar) or node.is_null:
        raise Invalid(f"{what} must be a breath pattern, not {describe(node)}", PATTERN_HINT, node)
    written = node.text.strip()
    if written == "none":
        return None
    parts = [p.strip() for p in written.split("-")]
    if not all(re.fullmatch(_NUMBER, p) for p in parts):
        raise Invalid(f"{what} {written!r} is not a breath pattern", PATTERN_HINT, node)
    if not 2 <= len(parts) <= 4:
        raise Invalid(f"{what} {written!r} has {display.count(len(parts), 'phase')}, not 2 to 4",
                      PATTERN_HINT, node)
    phases = []
    for name, part in zip(_PHASE_NAMES[len(parts)], parts, strict=True):
        ms = Decimal(part) * SECOND
        if ms != ms.to_integral_value():
            raise Invalid(
                f"{what} {written!r}: {part} is not a whole number of milliseconds",
                "durations count whole milliseconds; round it",
                node,
            )
        ms_int = int(ms)
        if not PHASE_MIN_MS <= ms_int <= PHASE_MAX_MS:
            raise Invalid(
                f"{what} {written!r}: the {name} phase is {format_ms(ms_int)}, outside 0.5s to 60s",
                "each breath phase lasts 0.5s to 60s",
                node,
            )
        phases.append(ms_int)
    if len(phases) == 2:
        return BreathPattern(phases[0], 0, phases[1], 0)
    if len(phases) == 3:
        return BreathPattern(phases[0], phases[1], phases[2], 0)
    return BreathPattern(*phases)


def sides(node: Node) -> tuple[str, ...]:
    """The sides of a step in order: ``both`` is left then right."""
    if isinstance(node, Sequence):
        if not 1 <= len(node) <= 4:
            raise Invalid(f"sides lists {len(node)} sides, not 1 to 4", SIDES_HINT, node)
        out = []
        for item in node:
            if not isinstance(item, Scalar) or item.text not in SIDES:
                raise Invalid(
                    f"{describe(item)} is not a side",
                    "each side in the list is left or right",
                    item,
                )
            out.append(item.text)
        return tuple(out)
    if isinstance(node, Scalar) and not node.is_null:
        if node.text == "both":
            return ("left", "right")
        if node.text in SIDES:
            return (node.text,)
    raise Invalid(
        f"sides must be both, left, right or a list, not {describe(node)}", SIDES_HINT, node
    )


def text(node: Node, what: str, max_chars: int | None = None, max_lines: int | None = None) -> str:
    """A text, stripped; at most ``max_chars`` characters and ``max_lines`` display lines."""
    if not isinstance(node, Scalar):
        raise Invalid(
            f"{what} must be text, not {describe(node)}",
            "write the text on the same line as the key",
            node,
        )
    written = node.text.strip() if not node.is_null else ""
    if not written:
        raise Invalid(f"{what} is empty", f"write the {what} text, or leave the key out", node)
    if max_chars is not None and len(written) > max_chars:
        raise Invalid(
            f"{what} has {len(written)} characters, more than {max_chars}",
            f"shorten it to {max_chars} characters at most",
            node,
        )
    if max_lines is not None:
        lines = display.display_lines(written)
        if len(lines) > max_lines:
            fit = max_lines * display.WIDTH
            raise Invalid(
                f"{what} takes {len(lines)} lines on the {display.WIDTH}-column screen, more than {max_lines}",
                f"shorten it: {max_lines} lines hold at most {fit} characters, fewer when words do not fill a line",
                node,
            )
    return written


def check(node: Node) -> bool:
    """``check: pain``: ask about pain after the step."""
    if isinstance(node, Scalar) and node.text == "pain":
        return True
    raise Invalid(
        f"check must be pain, not {describe(node)}", "write `check: pain`, or leave it out", node
    )


def unknown_keys(node: Mapping, allowed: tuple[str, ...], place: str) -> None:
    """Raise for the first key of ``node`` that is not ``allowed``."""
    for key, _ in node:
        if key.text not in allowed:
            raise unknown_key(key, allowed, place)


def unknown_key(key: Scalar, allowed: tuple[str, ...], place: str) -> Invalid:
    """The error for a key that does not belong in ``place``."""
    close = difflib.get_close_matches(key.text, allowed, n=1, cutoff=0.6)
    if close:
        hint = f"did you mean {close[0]!r}?"
    else:
        hint = "the keys here are " + ", ".join(allowed)
    return Invalid(f"unknown key {key.text!r} in {place}", hint, key)


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DUE_HINT = (
    "write daily, twice a day, N times a day (1 to 6), weekdays, weekends, days such as "
    "mon wed fri, N times a week (1 to 21) or every N days (2 to 14)"
)
PER_DAY_MAX = 6
PER_WEEK_MAX = 21
EVERY_DAYS = (2, 14)
AT_HINT = "write 24-hour times such as 08:00 or [08:00, 13:00, 19:00]"
_DUE_NUMBERED = re.compile(r"(\d+) times? a (day|week)|every (\d+) days?")


def due(node: Node, what: str) -> Due:
    """A schedule: ``daily``, ``3 times a day``, ``mon wed fri``, ``3 times a week``, ``every 2 days``."""
    if not isinstance(node, Scalar) or node.is_null or not node.text.strip():
        shown = "nothing" if isinstance(node, Scalar) and node.is_null else describe(node)
        raise Invalid(f"{what} must be a schedule, not {shown}", DUE_HINT, node)
    written = " ".join(node.text.replace(",", " ").lower().split())
    fixed = {
        "daily": Due(per_day=1),
        "twice a day": Due(per_day=2),
        "weekdays": Due(days=(0, 1, 2, 3, 4)),
        "weekends": Due(days=(5, 6)),
    }
    if written in fixed:
        return replace(fixed[written], text=written)
    numbered = _DUE_NUMBERED.fullmatch(written)
    if numbered:
        times, unit, every = numbered.groups()
        if every is not None:
            n, low, high, made = int(every), *EVERY_DAYS, Due(every_days=int(every))
        elif unit == "day":
            n, low, high, made = int(times), 1, PER_DAY_MAX, Due(per_day=int(times))
        else:
            n, low, high, made = int(times), 1, PER_WEEK_MAX, Due(per_week=int(times))
        if not low <= n <= high:
            raise Invalid(f"{what} {written!r}: {n} is outside {low} to {high}", DUE_HINT, node)
        return replace(made, text=written)
    words = written.split()
    near_days = [w for w in words if difflib.get_close_matches(w, DAYS + _FULL_DAYS, n=1, cutoff=0.6)]
    if not near_days or not all(w.isalpha() for w in words):
        raise Invalid(f"{what} {written!r} is not a schedule", DUE_HINT, node)
    days = []
    for word in words:
        if word not in DAYS and word not in _FULL_DAYS:
            close = difflib.get_close_matches(word, DAYS + _FULL_DAYS, n=1, cutoff=0.6)
            hint = f"did you mean {close[0][:3]!r}?" if close else "write days as " + " ".join(DAYS)
            raise Invalid(f"{what} {written!r}: {word!r} is not a day", hint, node)
        day = word[:3]
        if DAYS.index(day) in days:
            raise Invalid(f"{what} {written!r} names {day} twice", "name each day once", node)
        days.append(DAYS.index(day))
    return Due(days=tuple(sorted(days)), text=written)


def at_times(node: Node, what: str) -> tuple[int, ...]:
    """Reminder times of day, in minutes after midnight, in order."""
    items = list(node) if isinstance(node, Sequence) else [node]
    if not 1 <= len(items) <= PER_DAY_MAX:
        raise Invalid(f"{what} lists {len(items)} times, not 1 to {PER_DAY_MAX}", AT_HINT, node)
    out: list[int] = []
    for item in items:
        written = item.text.strip() if isinstance(item, Scalar) and not item.is_null else ""
        m = re.fullmatch(r"(\d{1,2}):(\d\d)", written)
        if m is None or int(m[1]) > 23 or int(m[2]) > 59:
            raise Invalid(f"{what} {describe(item)} is not a time of day", AT_HINT, item)
        minutes = int(m[1]) * 60 + int(m[2])
        if minutes in out:
            raise Invalid(f"{what} lists {written} twice", "give each reminder time once", item)
        out.append(minutes)
    return tuple(sorted(out))


def needs(node: Node, what: str) -> Needs:
    """``needs: NAME`` or ``needs: {exercise: NAME, clean: N}``."""
    if isinstance(node, Mapping):
        unknown_keys(node, ("exercise", "clean"), what)
        if "exercise" not in node:
            raise Invalid(f"{what} names no exercise", "write `needs: {exercise: NAME, clean: 3}`", node)
        name = text(node.get("exercise"), f"{what}.exercise")
        clean = count(node.get("clean"), f"{what}.clean", 1, 100) if "clean" in node else None
        return Needs(name, clean, node.get("exercise"))
    return Needs(text(node, what), None, node)
