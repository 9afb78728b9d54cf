"""Tests of backbeat.history: the history file read exactly, and every mistake named with its place."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from backbeat.history import (
    Attempt,
    History,
    HistoryError,
    Morning,
    Session,
    from_json,
    read_history,
)

GOOD = {
    "sessions": [
        {"routine": "core-stability", "at": "2026-12-01T08:05:00", "completed": True,
         "exercises": [{"exercise": "Bird dog", "level": 0, "completed": True, "pain": 1,
                        "best_ms": None},
                       {"exercise": "Plank", "level": 2, "completed": False, "pain": 0,
                        "best_ms": 31000}]},
    ],
    "mornings": [{"at": "2026-12-02T07:50:00+01:00", "answer": "worse"}],
}


def test_from_json__valid():
    assert from_json(GOOD) == History(
        (Session("core-stability", datetime(2026, 12, 1, 8, 5), True,
                 (Attempt("Bird dog", 0, True, 1, None), Attempt("Plank", 2, False, 0, 31000))),),
        (Morning(datetime(2026, 12, 2, 7, 50), "worse"),),
    )
    assert from_json({"sessions": []}) == History()


def test_read_history__valid(tmp_path):
    path = tmp_path / "h.json"
    path.write_text(json.dumps(GOOD))
    assert read_history(path) == from_json(GOOD)


def _with(change) -> dict:
    data = json.loads(json.dumps(GOOD))
    change(data)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "history: not a JSON object (hint: start with {\"sessions\": [...]})"),
        ({}, "history: no 'sessions' (hint: add \"sessions\")"),
        (_with(lambda d: d["sessions"][0].pop("routine")),
         "history.sessions[0]: no 'routine' (hint: add \"routine\")"),
        (_with(lambda d: d["sessions"][0].update(completed="yes")),
         "history.sessions[0].completed: \"yes\" is not true or false"),
        (_with(lambda d: d["sessions"][0]["exercises"][1].update(pain=11)),
         "history.sessions[0].exercises[1]: pain 11 is outside 0 to 10"),
        (_with(lambda d: d["sessions"][0]["exercises"][0].update(level=-1)),
         "history.sessions[0].exercises[0]: level -1 is below 0"),
        (_with(lambda d: d["sessions"][0]["exercises"][0].update(level=True)),
         "history.sessions[0].exercises[0].level: true is not a whole number"),
        (_with(lambda d: d["sessions"][0]["exercises"][0].update(best_ms="long")),
         "history.sessions[0].exercises[0].best_ms: \"long\" is not a whole number"),
        (_with(lambda d: d["mornings"][0].update(answer="fine")),
         "history.mornings[0].answer: 'fine' is not one of better, same, worse"),
        (_with(lambda d: d["mornings"][0].update(at="Dec 2")),
         "history.mornings[0].at: 'Dec 2' is not a time (hint: write local time as 2026-12-01T08:05:00)"),
    ],
)
def test_from_json__invalid(data, message):
    with pytest.raises(HistoryError) as caught:
        from_json(data)
    assert str(caught.value) == message


def test_read_history__unreadable(tmp_path):
    with pytest.raises(HistoryError, match=r"h.json: cannot read it \(No such file or directory\)"):
        read_history(tmp_path / "h.json")
    (tmp_path / "h.json").write_text("{")
    with pytest.raises(HistoryError, match=r"h.json: not JSON \(Expecting property name"):
        read_history(tmp_path / "h.json")
