"""Tests of backbeat.plan: every rule of PROGRESS.md pinned with exact levels over crafted histories."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from backbeat.history import Attempt, History, Morning, Session
from backbeat.plan import Why, adherence, make_plan, plan_routine, plan_text, times_due
from backbeat.routine.compiler import Levels
from backbeat.routine.loader import parse
from backbeat.routine.model import Due
from backbeat.routine.structure import build_routine

ROUTINE = """name: Test
steps:
  - exercise: Bird dog
    sides: both
    hold: {from: 10s, to: 30s, step: 5s}
  - exercise: Cat
    hold: 15s
  - exercise: Partial cobra
    hold: {from: 10s, to: 20s, step: 5s}
  - exercise: Cobra
    hold: {from: 10s, to: 30s, step: 10s}
    needs: Partial cobra
  - exercise: Plank
    hold: max
    target: 20s
    cap: 1m
"""


def routine(text: str = ROUTINE):
    return build_routine(parse(text))


def at(day: int, hour: int = 8) -> datetime:
    """A time in December 2026 (Dec 1 is a Tuesday)."""
    return datetime(2026, 12, 1, hour) + timedelta(days=day - 1)


def session(day: int, *attempts: tuple, hour: int = 8, completed: bool = True, rid: str = "r"):
    """attempts: (exercise, level, pain) or (exercise, level, pain, completed, best_ms)."""
    made = []
    for a in attempts:
        name, level, pain, *rest = a
        done = rest[0] if rest else True
        best = rest[1] if len(rest) > 1 else None
        made.append(Attempt(name, level, done, pain, best))
    return Session(rid, at(day, hour), completed, tuple(made))


def plan(*sessions: Session, mornings=(), on: int = 28, text: str = ROUTINE):
    history = History(tuple(sessions), tuple(mornings))
    return plan_routine("r", routine(text), history, date(2026, 12, on))


def levels(p) -> dict[str, tuple[int, int]]:
    """exercise -> (level, clean)."""
    return {e.exercise: (e.level, e.clean) for e in p.exercises}


def of(p, name: str):
    return next(e for e in p.exercises if e.exercise == name)


# ---------------------------------------------------------------------------
# Levels and tops


def test_plan__lists_exercises_with_a_progression_needs_or_open_hold_in_order():
    p = plan()
    assert [(e.exercise, e.level, e.top, e.clean, e.locked, e.target_ms) for e in p.exercises] == [
        ("Bird dog", 0, 4, 0, False, None),
        ("Partial cobra", 0, 2, 0, False, None),
        ("Cobra", 0, 2, 0, True, None),
        ("Plank", 0, 0, 0, False, 20_000),
    ]
    assert [e.meaning for e in p.exercises] == [
        "hold 10s a side",
        "hold 10s",
        "hold 10s",
        "as long as you can, target 20s",
    ]


def test_plan__steps_with_one_name_share_one_level_and_the_higher_top():
    text = (
        "name: T\nsteps:\n  - exercise: A\n    hold: {from: 10s, to: 20s, step: 5s}\n"
        "  - exercise: A\n    count: {from: 5, to: 20, step: 5}\n"
    )
    p = plan(*(session(d, ("A", 0, 0)) for d in (1, 2, 3)), text=text)
    assert [(e.exercise, e.level, e.top) for e in p.exercises] == [("A", 1, 3)]
    assert p.levels.exercises == {"A": 1}


# ---------------------------------------------------------------------------
# The four rules


def test_rule_3__after_clean_attempts_the_next_level():
    p = plan(*(session(d, ("Bird dog", 0, pain)) for d, pain in ((2, 0), (3, 1), (4, 2))))
    assert of(p, "Bird dog").level == 1 and of(p, "Bird dog").clean == 0
    assert of(p, "Bird dog").why == Why(date(2026, 12, 4), "3 clean sessions on Dec 2, 3, 4")
    assert of(p, "Bird dog").meaning == "hold 15s a side"


def test_rule_3__clean_attempts_count_up_to_after_and_stop_at_the_top():
    history = [session(d, ("Partial cobra", (d - 1) // 3, 0)) for d in range(1, 10)]
    p = plan(*history)
    assert (of(p, "Partial cobra").level, of(p, "Partial cobra").clean) == (2, 3)
    assert levels(plan(*history[:8]))["Partial cobra"] == (2, 2)
    assert levels(plan(*history[:5]))["Partial cobra"] == (1, 2)


def test_rule_3__two_clean_sessions_on_one_day_both_count():
    p = plan(session(1, ("Bird dog", 0, 0)), session(1, ("Bird dog", 0, 0), hour=18),
             session(2, ("Bird dog", 0, 0)))
    assert of(p, "Bird dog").why == Why(date(2026, 12, 2), "3 clean sessions on Dec 1, 2")


def test_rule_4__acceptable_pain_keeps_level_and_count():
    p = plan(*(session(d, ("Bird dog", 0, pain)) for d, pain in ((1, 0), (2, 3), (3, 5), (4, 1))))
    assert levels(p)["Bird dog"] == (0, 2)


def test_rule_1__too_much_pain_steps_back_at_any_attempt_level():
    ups = [session(d, ("Bird dog", (d - 1) // 3, 0)) for d in range(1, 7)]  # level 2 on Dec 6
    p = plan(*ups, session(7, ("Bird dog", 2, 1)), session(8, ("Bird dog", 0, 6)))
    assert levels(p)["Bird dog"] == (1, 0)
    assert of(p, "Bird dog").why == Why(date(2026, 12, 8), "pain 6 on Dec 8: back to 1")


def test_rule_1__never_below_zero_and_back_by_its_setting():
    text = ROUTINE.replace("    sides: both\n", "    sides: both\n    progress: {back: 3}\n", 1)
    ups = [session(d, ("Bird dog", (d - 1) // 3, 0)) for d in range(1, 13)]  # level 4
    assert levels(plan(*ups, text=text))["Bird dog"] == (4, 0)
    assert levels(plan(*ups, session(13, ("Bird dog", 4, 9)), text=text))["Bird dog"] == (1, 0)
    p = plan(session(1, ("Bird dog", 0, 0)), session(2, ("Bird dog", 0, 10)), text=text)
    assert levels(p)["Bird dog"] == (0, 0)
    assert of(p, "Bird dog").why == Why(date(2026, 12, 2), "pain 10 on Dec 2: back to 0")


def test_rule_2__an_attempt_at_another_level_counts_for_nothing_more():
    # Sessions run on a routine compiled at level 0 after the level went up.
    ups = [session(d, ("Bird dog", 0, 0)) for d in (1, 2, 3)]
    p = plan(*ups, *(session(d, ("Bird dog", 0, 0)) for d in (4, 5, 6)))
    assert levels(p)["Bird dog"] == (1, 0)
    p = plan(*ups, session(4, ("Bird dog", 1, 0)), session(5, ("Bird dog", 0, 5)))
    assert levels(p)["Bird dog"] == (1, 1)


def test_attempts_not_completed_change_nothing():
    p = plan(
        session(1, ("Bird dog", 0, 0)),
        session(2, ("Bird dog", 0, 9, False)),
        session(3, ("Bird dog", 0, 0, False), completed=False),
        session(4, ("Bird dog", 0, 0)),
    )
    assert levels(p)["Bird dog"] == (0, 2)


def test_progress__routine_rules_and_step_overrides():
    text = ROUTINE.replace("steps:\n", "progress: {after: 2, clean: 0, hold: 3}\nsteps:\n", 1)
    text = text.replace(
        "    hold: {from: 10s, to: 20s, step: 5s}\n",
        "    hold: {from: 10s, to: 20s, step: 5s}\n    progress: {clean: 3, after: 1}\n",
    )
    p = plan(
        session(1, ("Bird dog", 0, 1), ("Partial cobra", 0, 3)),
        session(2, ("Bird dog", 0, 0), ("Partial cobra", 1, 2)),
        session(3, ("Bird dog", 0, 0), ("Partial cobra", 2, 3)),
        session(4, ("Bird dog", 1, 4)),
        text=text,
    )
    assert levels(p) == {"Bird dog": (0, 0), "Partial cobra": (2, 1), "Cobra": (0, 0), "Plank": (0, 0)}
    assert of(p, "Bird dog").why == Why(date(2026, 12, 4), "pain 4 on Dec 4: back to 0")


def test_history_of_other_routines_and_unknown_exercises_is_ignored():
    p = plan(
        *(session(d, ("Bird dog", 0, 0), rid="other") for d in (1, 2, 3)),
        *(session(d, ("Bird cat", 0, 0)) for d in (1, 2, 3)),
    )
    assert levels(p)["Bird dog"] == (0, 0)


# ---------------------------------------------------------------------------
# The next morning


def test_morning_worse_steps_back_what_was_done_the_day_before_once_each():
    ups = [session(d, ("Bird dog", (d - 1) // 3, 0), ("Partial cobra", 0, 3)) for d in range(1, 7)]
    worse = Morning(at(7, 7), "worse")
    p = plan(*ups, mornings=[worse])
    assert levels(p)["Bird dog"] == (1, 0)
    assert levels(p)["Partial cobra"] == (0, 0)
    assert of(p, "Bird dog").why == Why(date(2026, 12, 7), "worse on the morning of Dec 7: back to 1")
    assert of(p, "Partial cobra").why == Why(
        date(2026, 12, 7), "worse on the morning of Dec 7: back to 0"
    )
    # Plank, not done on Dec 6, is untouched; so is everything after "better" or "same".
    assert of(p, "Plank").why is None
    calm = plan(*ups, mornings=[Morning(at(7, 7), "same"), Morning(at(7, 7), "better")])
    assert levels(calm)["Bird dog"] == (2, 0)


def test_morning_worse_needs_a_session_on_the_day_before():
    ups = [session(d, ("Bird dog", (d - 1) // 3, 0)) for d in range(1, 4)]  # level 1 on Dec 3
    assert levels(plan(*ups, mornings=[Morning(at(5, 7), "worse")]))["Bird dog"] == (1, 0)
    assert levels(plan(*ups, mornings=[Morning(at(4, 7), "worse")]))["Bird dog"] == (0, 0)


def test_morning_worse_applies_at_the_time_of_the_answer():
    # Answered before that day's session: the session's clean attempt counts at the new level.
    ups = [session(d, ("Bird dog", (d - 1) // 3, 0)) for d in range(1, 4)]
    p = plan(*ups, session(4, ("Bird dog", 0, 0), hour=9), mornings=[Morning(at(4, 7), "worse")])
    assert levels(p)["Bird dog"] == (0, 1)
    # An answer after a session on the same day still finds the day before.
    p = plan(*ups, session(4, ("Bird dog", 1, 0), hour=6), mornings=[Morning(at(4, 7), "worse")])
    assert levels(p)["Bird dog"] == (0, 0)


# ---------------------------------------------------------------------------
# Open holds


def test_open_hold_target_is_the_best_of_the_last_after_good_attempts():
    def target(*holds: tuple) -> int:
        """holds: (pain, best_ms) or (pain, best_ms, completed), one session a day."""
        return of(plan(*(session(d, ("Plank", 0, h[0], h[2] if len(h) > 2 else True, h[1]))
                         for d, h in enumerate(holds, 1))), "Plank").target_ms

    assert target() == 20_000
    assert target((0, 34_567)) == 34_000  # rounded down to whole seconds
    assert target((0, 12_000)) == 20_000  # never below the written target
    assert target((0, 95_000)) == 60_000  # nor above the cap
    assert target((0, 40_000), (5, 30_000)) == 40_000  # pain up to hold still counts
    assert target((0, 40_000), (6, 50_000)) == 40_000  # more than hold does not
    assert target((0, 50_000), (0, 30_000), (1, 31_000), (2, 29_000)) == 31_000  # only the last 3
    assert target((0, 50_000), (0, 30_000, False)) == 50_000  # nor one not completed
    p = plan(session(1, ("Plank", 0, 0, True, 45_500)))
    assert p.levels.targets == {"Plank": 45_000}
    assert of(p, "Plank").meaning == "as long as you can, target 45s"


# ---------------------------------------------------------------------------
# Gating


def test_gate_opens_after_clean_attempts_in_all_at_any_level():
    p = plan(session(1, ("Partial cobra", 0, 0)), session(2, ("Partial cobra", 0, 4)))
    assert of(p, "Cobra").locked and p.levels.locked == {"Cobra"}
    assert of(p, "Cobra").unlock == "opens after 3 clean Partial cobra sessions (1 so far)"
    p = plan(session(1, ("Partial cobra", 0, 0)), session(2, ("Partial cobra", 5, 1)),
             session(3, ("Partial cobra", 0, 2)))
    assert not of(p, "Cobra").locked and p.levels.locked == frozenset()


def test_gate_locks_again_while_the_latest_attempt_hurt():
    clean = [session(d, ("Partial cobra", 0, 0)) for d in (1, 2, 3)]
    p = plan(*clean, session(4, ("Partial cobra", 0, 6)))
    assert of(p, "Cobra").locked
    assert of(p, "Cobra").unlock == (
        "locked again: pain 6 in Partial cobra on Dec 4; opens after a Partial cobra with pain 5 or less"
    )
    p = plan(*clean, session(4, ("Partial cobra", 0, 6)), session(5, ("Partial cobra", 0, 5)))
    assert not of(p, "Cobra").locked
    # A stopped (not completed) attempt is not the latest completed one.
    p = plan(*clean, session(4, ("Partial cobra", 0, 9, False)))
    assert not of(p, "Cobra").locked


def test_gate_with_its_own_count_and_the_needed_exercises_rules():
    text = ROUTINE.replace("    needs: Partial cobra\n", "    needs: {exercise: Cat, clean: 2}\n")
    text = text.replace("    hold: 15s\n", "    hold: 15s\n    progress: {clean: 0, hold: 1}\n")
    assert of(plan(session(1, ("Cat", 0, 0)), session(2, ("Cat", 0, 1)), text=text), "Cobra").locked
    p = plan(session(1, ("Cat", 0, 0)), session(2, ("Cat", 0, 0)), text=text)
    assert not of(p, "Cobra").locked
    p = plan(session(1, ("Cat", 0, 0)), session(2, ("Cat", 0, 0)), session(3, ("Cat", 0, 2)), text=text)
    assert of(p, "Cobra").locked


# ---------------------------------------------------------------------------
# Schedules

MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 11, 30) + timedelta(days=i) for i in range(7))


@pytest.mark.parametrize(
    ("due", "day", "done", "times"),
    [
        (None, MON, [], 0),
        (Due(per_day=3), SUN, [], 3),
        (Due(days=(0, 2, 4)), WED, [], 1),
        (Due(days=(0, 2, 4)), THU, [], 0),
        (Due(per_week=3), MON, [SUN - timedelta(days=7)] * 3, 1),
        (Due(per_week=3), THU, [MON, TUE], 1),
        (Due(per_week=3), THU, [MON, MON, WED], 0),
        (Due(per_week=3), SUN, [MON, TUE, THU], 0),
        (Due(per_week=2), FRI, [MON], 1),
        (Due(every_days=2), MON, [], 1),
        (Due(every_days=2), WED, [MON], 1),
        (Due(every_days=2), TUE, [MON], 0),
        (Due(every_days=3), SUN, [MON], 1),  # and every day after until one is done
    ],
)
def test_times_due(due, day, done, times):
    assert times_due(due, day, done) == times


def test_adherence_over_the_due_days_of_the_week_before():
    # Monday 2/3, Tuesday 3/3 (more than due counts as due), five days of nothing.
    assert adherence(Due(per_day=3), SUN + timedelta(days=1), [MON, MON, TUE, TUE, TUE, TUE]) == (
        pytest.approx((2 / 3 + 1) / 7)
    )
    assert adherence(Due(days=(2,)), SUN + timedelta(days=1), [WED]) == 1.0
    assert adherence(None, SUN, [MON]) is None
    # Days before the first completed session do not count.
    assert adherence(Due(per_day=1), FRI, [WED]) == 0.5
    assert adherence(Due(per_day=1), FRI, []) is None


def test_due_today_and_done_today_count_completed_sessions():
    text = ROUTINE.replace("steps:\n", "due: 3 times a week\nsteps:\n", 1)
    p = plan(session(1), session(2), session(3, hour=7), session(3, completed=False), on=3, text=text)
    assert (p.due_today, p.done_today, p.due) == (1, 1, "3 times a week")
    p = plan(session(1), session(2), session(3), on=4, text=text)
    assert (p.due_today, p.done_today) == (0, 0)
    assert (plan(on=4).due_today, plan(on=4).due) == (0, None)


def test_the_day_bounds_the_history():
    ups = [session(d, ("Bird dog", (d - 1) // 3, 0)) for d in range(1, 7)]
    assert levels(plan(*ups, on=5))["Bird dog"] == (1, 2)
    assert levels(plan(*ups, on=6))["Bird dog"] == (2, 0)


# ---------------------------------------------------------------------------
# The whole plan


def test_make_plan__json_shape():
    text = ROUTINE.replace("steps:\n", "due: twice a day\nsteps:\n", 1)
    history = History((session(3, ("Bird dog", 0, 0), ("Plank", 0, 1, True, 25_900)),))
    made = make_plan([("r", routine(text))], history, date(2026, 12, 3))
    assert made.as_json() == {
        "on": "2026-12-03",
        "routines": [
            {
                "routine": "r",
                "due_today": 2,
                "done_today": 1,
                "exercises": [
                    {"exercise": "Bird dog", "level": 0, "top": 4, "clean": 1, "locked": False,
                     "target_ms": None},
                    {"exercise": "Partial cobra", "level": 0, "top": 2, "clean": 0,
                     "locked": False, "target_ms": None},
                    {"exercise": "Cobra", "level": 0, "top": 2, "clean": 0, "locked": True,
                     "target_ms": None},
                    {"exercise": "Plank", "level": 0, "top": 0, "clean": 1, "locked": False,
                     "target_ms": 25_000},
                ],
            }
        ],
    }
    assert made.routines[0].levels == Levels(
        exercises={"Bird dog": 0, "Cat": 0, "Partial cobra": 0, "Cobra": 0, "Plank": 0},
        locked=frozenset({"Cobra"}),
        targets={"Plank": 25_000},
    )


def test_plan_text__says_why_each_level_is_what_it_is():
    text = ROUTINE.replace("steps:\n", "due: 3 times a day\nsteps:\n", 1)
    history = History(
        (
            *(session(d, ("Bird dog", 0, 0), ("Partial cobra", 0, 0)) for d in (2, 3, 4)),
            session(5, ("Partial cobra", 1, 7), ("Bird dog", 1, 1)),
        )
    )
    made = make_plan([("r", routine(text))], history, date(2026, 12, 5))
    assert plan_text(made).splitlines() == [
        "Plan for Sat Dec 5 2026",
        "",
        "Test (r): 3 times a day, due 3, done 1 today; last 7 days 33% done",
        "  Bird dog: level 1 of 4, hold 15s a side; 1 of 3 clean towards 2",
        "    3 clean sessions on Dec 2, 3, 4",
        "  Partial cobra: level 0 of 2, hold 10s; 0 of 3 clean towards 1",
        "    pain 7 on Dec 5: back to 0",
        "  Cobra: locked",
        "    locked again: pain 7 in Partial cobra on Dec 5",
        "    opens after a Partial cobra with pain 5 or less",
        "  Plank: level 0 of 0, as long as you can, target 20s",
    ]


def test_the_plan_does_not_depend_on_the_order_the_history_lists_sessions_in():
    rng = random.Random(7)
    names = ("Bird dog", "Partial cobra", "Cobra", "Plank", "Cat")
    sessions = [
        session(d // 3 + 1, *((n, rng.randrange(3), rng.choice((0, 1, 2, 4, 6, 9)),
                               rng.random() > 0.1, rng.randrange(5_000, 90_000)) for n in names),
                hour=8 + 5 * (d % 3))
        for d in range(80)
    ]
    mornings = [Morning(at(d, 7), rng.choice(("better", "same", "worse"))) for d in range(2, 28)]
    first = plan(*sessions, mornings=mornings)
    rng.shuffle(sessions)
    rng.shuffle(mornings)
    assert plan(*sessions, mornings=mornings) == first
    assert all(0 <= e.level <= e.top for e in first.exercises)
