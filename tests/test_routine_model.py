"""Tests of backbeat.routine.model: progressions at a level, and finding every progression."""

from __future__ import annotations

import pytest
from backbeat.routine.model import (
    Breathe,
    Count,
    ExerciseStep,
    Hold,
    Progression,
    Repeat,
    RestStep,
    Routine,
    at_level,
    progressions,
    top_level,
)
from backbeat.timeline import BreathPattern


@pytest.mark.parametrize(
    "level, value", [(0, 10000), (1, 15000), (4, 30000), (5, 30000), (100, 30000)]
)
def test_progression__at_is_min_of_to_and_from_plus_level_times_step(level, value):
    assert Progression(10000, 30000, 5000).at(level) == value


def test_progression__a_step_that_overshoots_stops_at_to():
    p = Progression(10, 20, 3)
    assert [p.at(level) for level in range(6)] == [10, 13, 16, 19, 20, 20]
    assert p.last_level == 4


def test_progression__last_level():
    assert Progression(10000, 30000, 5000).last_level == 4
    assert Progression(5, 5, 1).last_level == 0


def test_at_level__plain_values_do_not_change():
    assert at_level(7, 0) == at_level(7, 9) == 7
    assert at_level(Progression(1, 3, 1), 9) == 3


def test_breathe__cycles_for_a_time_are_whole_and_at_least_one():
    pattern = BreathPattern(4000, 0, 6000, 0)
    assert Breathe(pattern, None, 300000).cycles_at(0) == 30
    assert Breathe(pattern, None, 59999).cycles_at(0) == 5
    assert Breathe(pattern, None, 3000).cycles_at(0) == 1
    assert Breathe(pattern, 7, None).cycles_at(0) == 7
    assert Breathe(pattern, None, Progression(60000, 120000, 30000)).cycles_at(1) == 9


def test_progressions__found_everywhere_and_top_level():
    a = Progression(1, 3, 1)
    b = Progression(10000, 30000, 5000)
    c = Progression(1000, 4000, 1000)
    routine = Routine(
        "R",
        (
            ExerciseStep("A", Hold(b, None), reps=a),
            Repeat(2, (RestStep(c), ExerciseStep("B", Count(5, 3000))), 0),
        ),
    )
    assert progressions(routine) == [b, a, c]
    assert top_level(routine) == 4
    assert top_level(Routine("R", (RestStep(1000),))) == 0
