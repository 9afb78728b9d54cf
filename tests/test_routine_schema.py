"""Tests of backbeat.routine.schema: a valid draft 2020-12 schema that accepts good routines and
rejects bad ones, as an editor using yaml-language-server would apply it."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml
from backbeat.routine import check_file
from backbeat.routine.schema import SCHEMA_URI, routine_schema, schema_json

ROOT = Path(__file__).parent.parent
SPEC_EXAMPLE = Path(__file__).parent / "data" / "spec_example.yaml"
LIBRARY = sorted((ROOT / "routines").glob("*.yaml"))


@pytest.fixture(scope="module")
def validator():
    schema = routine_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema__is_draft_2020_12():
    schema = routine_schema()
    assert schema["$schema"] == SCHEMA_URI == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["name", "steps"]
    assert list(schema["properties"]) == [
        "name", "about", "source", "defaults", "progress", "due", "at", "steps"
    ]


def test_schema_json__round_trips():
    import json

    assert json.loads(schema_json()) == routine_schema()


def test_schema__accepts_the_spec_example(validator):
    document = yaml.safe_load(SPEC_EXAMPLE.read_text())
    assert list(validator.iter_errors(document)) == []


@pytest.mark.parametrize("path", LIBRARY, ids=[p.stem for p in LIBRARY])
def test_schema__accepts_every_routine_that_checks(validator, path):
    if check_file(path):
        pytest.skip(f"{path.name} does not pass `backbeat check`")
    assert [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text()))] == []


GOOD = [
    "name: R\nsteps:\n  - rest: 1m30s\n",
    "name: R\nsteps:\n  - exercise: A\n    hold: 2.5\n    sides: [left, right, left]\n    breath: 4-7-8\n",
    "name: R\nsteps:\n  - exercise: A\n    hold: max\n    target: {from: 10s, to: 30s, step: 5s}\n    cap: 1m\n",
    "name: R\nsteps:\n  - exercise: A\n    count: {from: 5, to: 20, step: 5}\n    pace: 500ms\n",
    "name: R\ndefaults: {prepare: 0, breath: none}\nsteps:\n  - repeat: 2\n    steps:\n      - rest: 1s\n",
    "name: R\nsteps:\n  - exercise: A\n    breathe: {cycles: 3}\n    breath: 5.5-5.5\n",
]


@pytest.mark.parametrize("text", GOOD)
def test_schema__accepts(validator, text):
    assert list(validator.iter_errors(yaml.safe_load(text))) == []


BAD = [
    pytest.param("steps:\n  - rest: 1s\n", id="no-name"),
    pytest.param("name: R\n", id="no-steps"),
    pytest.param("name: R\nsteps: []\n", id="empty-steps"),
    pytest.param("name: R\ncolour: red\nsteps:\n  - rest: 1s\n", id="unknown-top-key"),
    pytest.param("name: " + "x" * 33 + "\nsteps:\n  - rest: 1s\n", id="long-name"),
    pytest.param("name: R\nsteps:\n  - exercise: A\n", id="no-work-kind"),
    pytest.param(
        "name: R\nsteps:\n  - exercise: A\n    hold: 5s\n    count: 3\n", id="two-work-kinds"
    ),
    pytest.param("name: R\nsteps:\n  - exercise: A\n    hold: max\n", id="max-without-target"),
    pytest.param(
        "name: R\nsteps:\n  - exercise: A\n    hold: 5s\n    target: 5s\n", id="target-without-max"
    ),
    pytest.param("name: R\nsteps:\n  - exercise: A\n    hold: 10 parsecs\n", id="bad-duration"),
    pytest.param("name: R\nsteps:\n  - exercise: A\n    hold: 0.5\n", id="short-hold"),
    pytest.param("name: R\nsteps:\n  - exercise: A\n    hold: 5s\n    reps: 0\n", id="zero-reps"),
    pytest.param("name: R\nsteps:\n  - exercise: A\n    count: 101\n", id="count-101"),
    pytest.param("name: R\nsteps:\n  - exercise: A\n    hold: 5s\n    sides: up\n", id="bad-side"),
    pytest.param(
        "name: R\nsteps:\n  - exercise: A\n    hold: 5s\n    sides: [l, r, l, r, l]\n",
        id="five-sides",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: A\n    hold: 5s\n    breath: slow\n", id="bad-breath"
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: A\n    hold: 5s\n    check: dizzy\n", id="bad-check"
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: A\n    hold: 5s\n    pace: 2s\n", id="pace-without-count"
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: A\n    count: 5\n    breath: 4-6\n", id="breath-on-count"
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: A\n    breathe: {pattern: 4-6, cycles: 3, for: 1m}\n",
        id="cycles-and-for",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: A\n    breathe: {pattern: 4-6}\n",
        id="neither-cycles-nor-for",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: A\n    pnf: {stretch: 10s, contract: 6s}\n",
        id="pnf-incomplete",
    ),
    pytest.param(
        "name: R\nsteps:\n  - exercise: A\n    hold: {from: 10s, to: 30s}\n",
        id="progression-no-step",
    ),
    pytest.param("name: R\nsteps:\n  - rest: 5s\n    hold: 5s\n", id="rest-with-hold"),
    pytest.param("name: R\nsteps:\n  - repeat: 2\n", id="repeat-without-steps"),
    pytest.param("name: R\nsteps:\n  - Cat\n", id="step-not-mapping"),
    pytest.param("name: R\ndefaults: {hold: 5s}\nsteps:\n  - rest: 1s\n", id="unknown-default"),
]


@pytest.mark.parametrize("text", BAD)
def test_schema__rejects(validator, text):
    assert list(validator.iter_errors(yaml.safe_load(text))) != []


NEW_KEYS_GOOD = [
    "name: R\nprogress: {after: 5, clean: 1, hold: 4, back: 2}\ndue: 3 times a day\n"
    "at: [08:00, 13:00, 19:30]\nsteps:\n  - exercise: A\n    hold: 5s\n"
    "  - exercise: B\n    hold: 5s\n    needs: A\n    progress: {after: 2}\n"
    "  - exercise: C\n    hold: 5s\n    needs: {exercise: A, clean: 4}\n",
    "name: R\ndue: mon wed fri\nat: 07:15\nsteps:\n  - rest: 1s\n",
    "name: R\ndue: every 2 days\nsteps:\n  - rest: 1s\n",
    "name: R\ndue: 21 times a week\nsteps:\n  - rest: 1s\n",
]


@pytest.mark.parametrize("text", NEW_KEYS_GOOD)
def test_schema__accepts_progress_needs_due_and_at(validator, text):
    assert list(validator.iter_errors(yaml.safe_load(text))) == []
    assert check_text(text) == []


NEW_KEYS_BAD = [
    "name: R\nprogress: {after: 0}\nsteps:\n  - rest: 1s\n",
    "name: R\nprogress: {clean: 11}\nsteps:\n  - rest: 1s\n",
    "name: R\nprogress: {pain: 3}\nsteps:\n  - rest: 1s\n",
    "name: R\ndue: 7 times a day\nsteps:\n  - rest: 1s\n",
    "name: R\ndue: every 15 days\nsteps:\n  - rest: 1s\n",
    "name: R\ndue: mon fry\nsteps:\n  - rest: 1s\n",
    "name: R\ndue: daily\nat: '25:00'\nsteps:\n  - rest: 1s\n",
    "name: R\nsteps:\n  - exercise: A\n    hold: 5s\n    needs: {clean: 3}\n",
]


@pytest.mark.parametrize("text", NEW_KEYS_BAD)
def test_schema__rejects_bad_progress_needs_due_and_at(validator, text):
    assert list(validator.iter_errors(yaml.safe_load(text))) != []
    assert check_text(text) != []


def check_text(text: str) -> list:
    from backbeat.routine.errors import MultipleInvalid
    from backbeat.routine.loader import parse
    from backbeat.routine.structure import build_routine

    try:
        build_routine(parse(text))
    except MultipleInvalid as many:
        return many.problems
    return []


def test_schema__offers_the_new_keys_and_schedules_for_completion():
    schema = routine_schema()
    assert list(schema["$defs"]["exerciseStep"]["properties"])[-2:] == ["progress", "needs"]
    assert list(schema["$defs"]["progress"]["properties"]) == ["after", "clean", "hold", "back"]
    assert schema["$defs"]["due"]["anyOf"][0]["enum"] == [
        "daily", "twice a day", "3 times a day", "weekdays", "weekends", "mon wed fri",
        "3 times a week", "every 2 days",
    ]
    assert schema["$defs"]["defaults"]["properties"]["rest"]["description"] == (
        "Rest between reps. 0 leaves the segment out. Default 10s."
    )
