"""A JSON Schema (draft 2020-12) of the routine language, for editors that check YAML as it is typed.

It describes the shape of a routine (keys, work kinds, value forms and the
limits a schema can express); `backbeat check` remains the full judge, with
limits that need arithmetic (segment lengths, the 3 h total, display lines).
"""

from __future__ import annotations

import json

from backbeat.routine import language as lang
from backbeat.routine.language import Key, ref
from backbeat.routine.values import COUNT_MAX, PER_DAY_MAX, format_ms

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"

_NUM = r"\d+(\.\d+)?"
DURATION_PATTERN = (
    rf"^(?=\s*\d)\s*({_NUM}\s*h)?\s*({_NUM}\s*m(?!s))?\s*({_NUM}\s*s)?\s*({_NUM}\s*ms)?\s*$"
)
PATTERN_PATTERN = rf"^\s*(none|{_NUM}(\s*-\s*{_NUM}){{1,3}})\s*$"


def _progression(of: str, description: str) -> dict:
    return {
        "description": description,
        "anyOf": [
            ref(of),
            {
                "type": "object",
                "description": "A progression: `from` at level 0, `step` more each level, never above `to`.",
                "properties": {"from": ref(of), "to": ref(of), "step": ref(of)},
                "required": ["from", "to", "step"],
                "additionalProperties": False,
            },
        ],
    }


def _not_any(*keys: str) -> dict:
    return {"not": {"anyOf": [{"required": [k]} for k in keys]}}


def _properties(keys: tuple[Key, ...], with_default: bool = False) -> dict:
    """The schema of each key of a table, described by its help (and its default)."""
    out = {}
    for key in keys:
        description = key.help
        if with_default:
            description += f" Default {_shown(key.default)}."
        out[key.name] = {"description": description, **key.schema}
    return out


def _shown(default) -> str:
    return "none" if default is None else format_ms(default)


def _object(keys: tuple[Key, ...], description: str, required: tuple[str, ...] = ()) -> dict:
    out: dict = {
        "type": "object",
        "description": description,
        "properties": _properties(keys),
        "additionalProperties": False,
    }
    if required:
        out["required"] = list(required)
    return out


_TIME = r"^\s*([01]?\d|2[0-3]):[0-5]\d\s*$"
_DAY = r"(mon|tue|wed|thu|fri|sat|sun)(day|sday|nesday|rsday|urday)?"
DUE_PATTERN = (
    r"^\s*(daily|twice a day|weekdays|weekends|[1-6] times? a day"
    r"|([1-9]|1\d|2[01]) times? a week|every ([2-9]|1[0-4]) days?"
    rf"|{_DAY}([\s,]+{_DAY})*)\s*$"
)
DUE_EXAMPLES = [
    "daily",
    "twice a day",
    "3 times a day",
    "weekdays",
    "weekends",
    "mon wed fri",
    "3 times a week",
    "every 2 days",
]


def routine_schema() -> dict:
    """The schema as a JSON-ready dict."""
    exercise_step = {
        **_object(
            lang.EXERCISE,
            "An exercise step: `exercise` and exactly one of hold, breathe, pnf, count.",
            ("exercise",),
        ),
        "oneOf": [{"required": [kind]} for kind in lang.WORK_KINDS],
        "allOf": [
            {
                "if": {"properties": {"hold": {"const": "max"}}, "required": ["hold"]},
                "then": {"required": ["target"]},
                "else": _not_any("target", "cap"),
            },
            {"if": {"required": ["pace"]}, "then": {"required": ["count"]}},
            {
                "if": {"required": ["breath"]},
                "then": {
                    "anyOf": [
                        {"required": ["breathe"]},
                        {"required": ["hold"], "properties": {"hold": {"not": {"const": "max"}}}},
                    ]
                },
            },
        ],
    }
    breathe = _object(lang.BREATHE, "Paced breathing: a pattern and either cycles or for.")
    breathe["oneOf"] = [{"required": ["cycles"]}, {"required": ["for"]}]
    time = {
        "description": "A time of day, 24-hour (08:00, 19:30).",
        "anyOf": [
            {"type": "string", "pattern": _TIME},
            # YAML 1.1 readers take 13:00 as 780 (base 60); the minutes of the day.
            {"type": "integer", "minimum": 0, "maximum": 23 * 60 + 59},
        ],
    }
    defs = {
        "duration": {
            "description": "Seconds (30, 2.5) or a time with units h, m, s, ms (30s, 1m30s, 500ms).",
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": DURATION_PATTERN},
            ],
        },
        "segment": {
            "description": "A segment's duration, 1s to 1h.",
            "anyOf": [
                {"type": "number", "minimum": 1, "maximum": 3600},
                {"type": "string", "pattern": DURATION_PATTERN},
            ],
        },
        "gap": {
            "description": "A duration of 0 or 1s to 1h.",
            "anyOf": [
                {"type": "number", "const": 0},
                {"type": "number", "minimum": 1, "maximum": 3600},
                {"type": "string", "pattern": DURATION_PATTERN},
            ],
        },
        "pace": {
            "description": "At least 0.5s.",
            "anyOf": [
                {"type": "number", "minimum": 0.5, "maximum": 3600},
                {"type": "string", "pattern": DURATION_PATTERN},
            ],
        },
        "count": {"type": "integer", "minimum": 1, "maximum": COUNT_MAX},
        "cycles": {"type": "integer", "minimum": 1},
        "segmentOrProgression": _progression("segment", "A duration, 1s to 1h, or a progression."),
        "gapOrProgression": _progression("gap", "A duration (0 leaves it out), or a progression."),
        "paceOrProgression": _progression("pace", "A duration of at least 0.5s, or a progression."),
        "countOrProgression": _progression("count", "A whole number 1 to 100, or a progression."),
        "cyclesOrProgression": _progression(
            "cycles", "A whole number of breaths, or a progression."
        ),
        "breathPattern": {
            "description": "2 to 4 numbers of seconds joined by '-': in-out, in-hold-out, "
            "in-hold-out-hold (4-6, 4-7-8, 4-4-4-4); or none.",
            "type": "string",
            "pattern": PATTERN_PATTERN,
        },
        "sides": {
            "anyOf": [
                {"enum": ["both", "left", "right"]},
                {
                    "type": "array",
                    "items": {"enum": ["left", "right"]},
                    "minItems": 1,
                    "maxItems": 4,
                },
            ],
        },
        "defaults": {
            **_object((), "Values for every step that does not set its own."),
            "properties": _properties(lang.DEFAULTS, with_default=True),
        },
        "progress": _object(
            lang.PROGRESS,
            "The pain rules (of 10): clean 0..clean, keep the level up to hold, "
            f"step back above it. Defaults: {_progress_defaults()}.",
        ),
        "needs": {
            "anyOf": [
                {"type": "string", "minLength": 1},
                _object(lang.NEEDS, "The exercise, and how many clean attempts.", ("exercise",)),
            ],
        },
        "due": {
            "anyOf": [
                {"enum": DUE_EXAMPLES},
                {"type": "string", "pattern": DUE_PATTERN},
            ],
        },
        "time": time,
        "times": {
            "anyOf": [
                ref("time"),
                {"type": "array", "items": ref("time"), "minItems": 1, "maxItems": PER_DAY_MAX},
            ],
        },
        "breathe": breathe,
        "pnf": _object(
            lang.PNF,
            "Contract-relax stretching: stretch, then rounds of contract, relax, deeper stretch.",
            lang.names(lang.PNF),
        ),
        "exerciseStep": exercise_step,
        "restStep": _object(lang.REST_STEP, "A rest step: one rest of this length.", ("rest",)),
        "repeatBlock": _object(
            lang.REPEAT,
            "Steps done N times, with an optional rest between rounds.",
            ("repeat", "steps"),
        ),
        "step": {"oneOf": [ref("exerciseStep"), ref("restStep"), ref("repeatBlock")]},
        "steps": {"type": "array", "minItems": 1, "items": ref("step")},
    }
    return {
        "$schema": SCHEMA_URI,
        "title": "backbeat routine",
        **_object(lang.TOP, "An exercise routine for the backbeat timer.", ("name", "steps")),
        "$defs": defs,
    }


def _progress_defaults() -> str:
    return ", ".join(f"{k.name} {k.default}" for k in lang.PROGRESS)


def schema_json() -> str:
    """The schema as `backbeat schema` prints it."""
    return json.dumps(routine_schema(), indent=2)
