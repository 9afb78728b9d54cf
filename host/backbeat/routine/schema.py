"""A JSON Schema (draft 2020-12) of the routine language, for editors that check YAML as it is typed.

It describes the shape of a routine (keys, work kinds, value forms and the
limits a schema can express); `backbeat check` remains the full judge, with
limits that need arithmetic (segment lengths, the 3 h total, display lines).
"""

from __future__ import annotations

import json

from backbeat.routine import structure
from backbeat.routine.values import COUNT_MAX, NAME_MAX_CHARS

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"

_NUM = r"\d+(\.\d+)?"
DURATION_PATTERN = (
    rf"^(?=\s*\d)\s*({_NUM}\s*h)?\s*({_NUM}\s*m(?!s))?\s*({_NUM}\s*s)?\s*({_NUM}\s*ms)?\s*$"
)
PATTERN_PATTERN = rf"^\s*(none|{_NUM}(\s*-\s*{_NUM}){{1,3}})\s*$"


def _ref(name: str) -> dict:
    return {"$ref": f"#/$defs/{name}"}


def _progression(of: str, description: str) -> dict:
    return {
        "description": description,
        "anyOf": [
            _ref(of),
            {
                "type": "object",
                "description": "A progression: `from` at level 0, `step` more each level, never above `to`.",
                "properties": {"from": _ref(of), "to": _ref(of), "step": _ref(of)},
                "required": ["from", "to", "step"],
                "additionalProperties": False,
            },
        ],
    }


def _text(description: str, max_length: int | None = None) -> dict:
    out: dict = {"type": "string", "minLength": 1, "description": description}
    if max_length is not None:
        out["maxLength"] = max_length
    return out


def _not_any(*keys: str) -> dict:
    return {"not": {"anyOf": [{"required": [k]} for k in keys]}}


def routine_schema() -> dict:
    """The schema as a JSON-ready dict."""
    say = _text("What the screen says during the step (3 lines of 16 characters at most).")
    gap = "0 leaves the segment out."
    exercise_properties = {
        "exercise": _text("The exercise's name, shown on the screen.", NAME_MAX_CHARS),
        "say": say,
        "hold": {
            "description": "Hold still for a time, or `max`: as long as you can (needs `target`).",
            "anyOf": [{"const": "max"}, _ref("segmentOrProgression")],
        },
        "target": {"description": "Planned time of `hold: max`.", **_ref("segmentOrProgression")},
        "cap": {
            "description": "Longest time of `hold: max` (default 5m).",
            **_ref("segmentOrProgression"),
        },
        "breathe": _ref("breathe"),
        "pnf": _ref("pnf"),
        "count": {"description": "Reps counted at `pace`.", **_ref("countOrProgression")},
        "sides": _ref("sides"),
        "reps": {"description": "Reps on each side (default 1).", **_ref("countOrProgression")},
        "prepare": {"description": f"Countdown before the step. {gap}", **_ref("gapOrProgression")},
        "rest": {"description": f"Rest between reps. {gap}", **_ref("gapOrProgression")},
        "switch": {"description": f"Pause between sides. {gap}", **_ref("gapOrProgression")},
        "breath": {
            "description": "Breathing guidance for this step's hold.",
            **_ref("breathPattern"),
        },
        "pace": {"description": "Time between counted reps.", **_ref("paceOrProgression")},
        "check": {"description": "Ask about pain after the step.", "const": "pain"},
    }
    exercise_step = {
        "type": "object",
        "description": "An exercise step: `exercise` and exactly one of hold, breathe, pnf, count.",
        "properties": exercise_properties,
        "required": ["exercise"],
        "additionalProperties": False,
        "oneOf": [{"required": [kind]} for kind in structure.WORK_KINDS],
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
            "description": "both (left then right), left, right, or a list of 1 to 4 sides in order.",
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
        "breathe": {
            "type": "object",
            "description": "Paced breathing: a pattern and either cycles or for.",
            "properties": {
                "pattern": _ref("breathPattern"),
                "cycles": _ref("cyclesOrProgression"),
                "for": _ref("segmentOrProgression"),
            },
            "additionalProperties": False,
            "oneOf": [{"required": ["cycles"]}, {"required": ["for"]}],
        },
        "pnf": {
            "type": "object",
            "description": "Contract-relax stretching: stretch, then rounds of contract, relax, deeper stretch.",
            "properties": {
                "stretch": _ref("segmentOrProgression"),
                "contract": _ref("segmentOrProgression"),
                "relax": _ref("segmentOrProgression"),
                "deeper": _ref("segmentOrProgression"),
                "rounds": _ref("countOrProgression"),
            },
            "required": list(structure.PNF_KEYS),
            "additionalProperties": False,
        },
        "exerciseStep": exercise_step,
        "restStep": {
            "type": "object",
            "description": "A rest step: one rest of this length.",
            "properties": {"rest": _ref("segmentOrProgression"), "say": say},
            "required": ["rest"],
            "additionalProperties": False,
        },
        "repeatBlock": {
            "type": "object",
            "description": "Steps done N times, with an optional rest between rounds.",
            "properties": {
                "repeat": _ref("countOrProgression"),
                "steps": _ref("steps"),
                "rest": _ref("gapOrProgression"),
            },
            "required": ["repeat", "steps"],
            "additionalProperties": False,
        },
        "step": {"oneOf": [_ref("exerciseStep"), _ref("restStep"), _ref("repeatBlock")]},
        "steps": {"type": "array", "minItems": 1, "items": _ref("step")},
    }
    return {
        "$schema": SCHEMA_URI,
        "title": "backbeat routine",
        "description": "An exercise routine for the backbeat timer.",
        "type": "object",
        "properties": {
            "name": _text("The routine's name (32 characters at most).", NAME_MAX_CHARS),
            "about": _text("What the routine is for."),
            "source": _text("Where the exercises come from."),
            "defaults": {
                "type": "object",
                "description": "Values for every step that does not set its own.",
                "properties": {
                    "prepare": {"description": "Default 5s.", **_ref("gapOrProgression")},
                    "rest": {"description": "Default 10s.", **_ref("gapOrProgression")},
                    "switch": {"description": "Default 5s.", **_ref("gapOrProgression")},
                    "breath": {"description": "Default none.", **_ref("breathPattern")},
                    "pace": {"description": "Default 3s.", **_ref("paceOrProgression")},
                },
                "additionalProperties": False,
            },
            "steps": _ref("steps"),
        },
        "required": ["name", "steps"],
        "additionalProperties": False,
        "$defs": defs,
    }


def schema_json() -> str:
    """The schema as `backbeat schema` prints it."""
    return json.dumps(routine_schema(), indent=2)
