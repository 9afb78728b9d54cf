"""Tests of backbeat.routine.errors: the FILE:LINE:COL message and the error collection."""

from __future__ import annotations

from backbeat.routine.errors import Invalid, MultipleInvalid, RoutineError, RoutineErrors
from backbeat.routine.nodes import Scalar


def test_routine_error__format():
    e = RoutineError("r.yaml", 3, 7, "hold is 0s, shorter than 1s", "make it at least 1s")
    assert str(e) == "r.yaml:3:7: error: hold is 0s, shorter than 1s (hint: make it at least 1s)"


def test_routine_error__at_a_node_or_the_file():
    node = Scalar("x", "x", "tag", False, 4, 9)
    assert RoutineError.at("a.yaml", Invalid("bad", "fix", node)) == RoutineError(
        "a.yaml", 4, 9, "bad", "fix"
    )
    assert RoutineError.at("a.yaml", Invalid("bad", "fix")) == RoutineError(
        "a.yaml", 1, 1, "bad", "fix"
    )


def test_routine_errors__sorted_by_file_and_place_without_repeats():
    late = RoutineError("a.yaml", 9, 1, "late", "h")
    early = RoutineError("a.yaml", 2, 5, "early", "h")
    other = RoutineError("0.yaml", 7, 1, "other", "h")
    errors = RoutineErrors([late, early, other, late])
    assert errors.errors == [other, early, late]
    assert str(errors) == "\n".join(str(e) for e in [other, early, late])


def test_multiple_invalid__keeps_every_problem():
    problems = [Invalid("a", "b"), Invalid("c", "d")]
    assert MultipleInvalid(problems).problems == problems
