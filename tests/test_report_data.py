"""The report's figures over crafted stores: adherence, streaks, sides, bests, pain, levels,
and the edges (no sessions, one day, a stopped session, a day not due, a bounded date)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from backbeat.report.data import Filters, build, period_of
from backbeat.report.facts import open_facts
from backbeat.routine.model import Due
from reportstore import CraftedFacts, hold

TODAY = date(2026, 12, 4)  # a Friday


THREE_A_DAY = Due(per_day=3, text="3 times a day")
WEEKDAYS = Due(days=(0, 1, 2, 3, 4), text="weekdays")


def at(day: int, hour: int = 8, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, 5)


@pytest.fixture
def crafted(tmp_path):
    s = CraftedFacts(tmp_path / "crafted.db")
    yield s
    s.close()


def report(s: CraftedFacts, schedules=None, **filters):
    s.commit()
    with open_facts(s.path) as db:
        return build(db, Filters(**filters), TODAY, schedules or {})


def three_sessions_a_day(s: CraftedFacts) -> None:
    """Mon Nov 30 to Fri Dec 4: 3, 2 and a stop, none, 3, 3 completed sessions."""
    plan = {(11, 30): ["completed"] * 3, (12, 1): ["completed", "stopped", "completed"],
            (12, 3): ["completed"] * 3, (12, 4): ["completed"] * 3}
    for (month, day), endings in plan.items():
        for k, ending in enumerate(endings):
            s.session("core", at(day, 8 + 5 * k, month), [hold("Bird dog", 10)], ending=ending)


def test_adherence__week_month_and_streak(crafted):
    three_sessions_a_day(crafted)
    r = report(crafted, {"core": THREE_A_DAY})
    (a,) = r.routines
    assert [(d.day.day, d.due, d.done) for d in a.days] == [
        (30, 3, 3), (1, 3, 2), (2, 3, 0), (3, 3, 3), (4, 3, 3)]
    assert a.week == pytest.approx((1 + 2 / 3 + 0 + 1 + 1) / 5)
    assert round(a.week * 100) == 73
    assert a.month == a.week  # the range starts at the first session
    assert a.streak == 2
    assert (r.session_count, r.completed) == (12, 11)


def test_adherence__a_stopped_session_does_not_count(crafted):
    crafted.session("core", at(4, 8), [hold("Bird dog", 10)], ending="stopped")
    crafted.session("core", at(4, 9), [hold("Bird dog", 10)], ending="unfinished")
    crafted.session("core", at(3, 8), [hold("Bird dog", 10)])
    (a,) = report(crafted, {"core": THREE_A_DAY}).routines
    assert [(d.due, d.done) for d in a.days] == [(3, 1), (3, 0)]
    assert (a.week, a.streak) == (pytest.approx(1 / 6), 0)


def test_adherence__the_last_30_days_and_the_week_differ(crafted):
    crafted.session("core", at(5, month=11), [hold("Bird dog", 10)])
    for day in (1, 2, 3, 4):
        crafted.session("core", at(day), [hold("Bird dog", 10)])
    (a,) = report(crafted, {"core": WEEKDAYS}, since=date(2026, 11, 1)).routines
    # This week Mon 30 missed, Tue to Fri kept: 4 of 5. The last 30 days (Nov 5 to Dec 4)
    # hold 22 weekdays of which 5 were kept.
    assert a.week == pytest.approx(4 / 5)
    assert a.month == pytest.approx(5 / 22)
    assert a.streak == 4


def test_adherence__a_day_not_due_neither_counts_nor_breaks_the_streak(crafted):
    for day in (3, 4):  # Thursday, Friday
        crafted.session("core", at(day), [hold("Bird dog", 10)])
    crafted.session("core", at(6), [hold("Bird dog", 10)])  # Sunday, after the range
    for day in (28, 27):  # Saturday and Friday of the week before
        crafted.session("core", at(day, month=11), [hold("Bird dog", 10)])
    r = report(crafted, {"core": WEEKDAYS}, since=date(2026, 11, 27))
    (a,) = r.routines
    assert [d.adherence for d in a.days] == [1.0, None, None, 0.0, 0.0, 0.0, 1.0, 1.0]
    assert a.streak == 2
    assert [(d.day.day, d.due, d.done) for d in r.calendar][:3] == [(27, 1, 1), (28, 0, 0),
                                                                   (29, 0, 0)]


def test_adherence__history_before_the_range_reaches_the_schedule(crafted):
    # Every 3 days: done on Dec 1 (before the range), so due again on the 4th, not before.
    crafted.session("core", at(1), [hold("Bird dog", 10)])
    (a,) = report(crafted, {"core": Due(every_days=3)}, since=date(2026, 12, 2)).routines
    assert [(x.day.day, x.due) for x in a.days] == [(2, 0), (3, 0), (4, 1)]
    # The week is the week, whatever --since says: Dec 1 kept, Dec 4 not.
    assert (a.week, a.streak) == (0.5, 0)


def test_sides__mean_time_a_side_ratio_and_the_side_behind(crafted):
    crafted.session("core", at(3), [
        hold("Side plank", 30, side="left", kind="hold_open", planned=30),
        hold("Side plank", 24, side="right", kind="hold_open", planned=30),
        hold("Bird dog", 10, side="left"), hold("Bird dog", 9.2, side="right")])
    crafted.session("core", at(4), [
        hold("Side plank", 32, side="left", kind="hold_open", planned=30),
        hold("Side plank", 26, side="right", kind="hold_open", planned=30)])
    ex = {e.exercise: e for e in report(crafted).exercises}
    plank, dog = ex["Side plank"], ex["Bird dog"]
    assert (plank.left_ms, plank.right_ms) == (31000, 25000)
    assert plank.ratio == pytest.approx(1.24)
    assert plank.side_behind == "right"  # 6 of 31 s: 19 % behind
    assert dog.ratio == pytest.approx(10 / 9.2)
    assert dog.side_behind is None  # 8 % behind is within 10 %


def test_sides__exactly_ten_percent_is_not_flagged_and_one_side_alone_has_no_ratio(crafted):
    crafted.session("core", at(4), [
        hold("Clam", 10, side="left"), hold("Clam", 9, side="right"),
        hold("Lunge", 10, side="left")])
    ex = {e.exercise: e for e in report(crafted).exercises}
    assert ex["Clam"].side_behind is None
    assert ex["Lunge"].ratio is None and ex["Lunge"].side_behind is None


def test_holds__best_done_open_hold_per_period_against_its_target(crafted):
    crafted.session("core", at(1), [hold("Plank", 41.5, kind="hold_open", planned=30)])
    crafted.session("core", at(2), [hold("Plank", 38, kind="hold_open", planned=40)])
    # A stopped hold is no best, however long it ran.
    crafted.session("core", at(3), [hold("Plank", 90, kind="hold_open", planned=40,
                                         outcome="stopped")], ending="stopped")
    (plank,) = report(crafted).exercises
    assert plank.holds == [(date(2026, 12, 1), 41500, 30000), (date(2026, 12, 2), 38000, 40000)]
    assert plank.best_ms == 41500
    assert (plank.done, plank.planned) == (2, 3)


def test_pain__an_attempt_counts_its_highest_answer_once(crafted):
    crafted.session("core", at(3, 8), [hold("Cat cow", 10, pain=1), hold("Cat cow", 10, pain=3)])
    crafted.session("core", at(3, 13), [hold("Cat cow", 10, pain=8)])
    crafted.session("core", at(4, 8), [hold("Cat cow", 10, pain=0), hold("Cat cow", 10)])
    (cat,) = report(crafted).exercises
    assert cat.pain == [(date(2026, 12, 3), 5.5, 8), (date(2026, 12, 4), 0.0, 0)]


def test_levels__each_level_with_its_first_and_last_day(crafted):
    crafted.session("core", at(1), [hold("Bird dog", 10, level=0)])
    crafted.session("core", at(2), [hold("Bird dog", 10, level=1)])
    crafted.session("core", at(3), [hold("Bird dog", 10, level=1)])
    crafted.session("core", at(4), [hold("Bird dog", 10, level=0)])
    (dog,) = report(crafted).exercises
    assert dog.levels == [(0, date(2026, 12, 1), date(2026, 12, 4)),
                          (1, date(2026, 12, 2), date(2026, 12, 3))]
    # Back at 0 after the last day at 1.
    assert dog.level_now() == (0, date(2026, 12, 3), True)


def test_levels__going_up_the_latest_level_since_its_first_day(crafted):
    for day, level in ((1, 0), (2, 1), (3, 1), (4, 2)):
        crafted.session("core", at(day), [hold("Bird dog", 10, level=level)])
    (dog,) = report(crafted).exercises
    assert dog.level_now() == (2, date(2026, 12, 4), False)


def test_no_sessions__an_empty_report_on_today(crafted):
    r = report(crafted, {"core": THREE_A_DAY})
    assert (r.first, r.last, r.session_count, r.exercises, r.sessions) == (TODAY, TODAY, 0, [], [])
    assert (r.routines, r.calendar) == ([], [])


def test_one_day(crafted):
    crafted.session("core", at(4, 9), [hold("Bird dog", 10, side="left"),
                                       hold("Bird dog", 10, side="right")])
    r = report(crafted, {"core": THREE_A_DAY})
    assert (r.first, r.last, r.period) == (TODAY, TODAY, "day")
    assert r.routines[0].week == pytest.approx(1 / 3)
    assert r.routines[0].streak == 0
    assert [(s.day, s.time, s.done, s.planned) for s in r.sessions] == [(TODAY, "09:05", 2, 2)]


def test_bounded_date__counted_on_its_earliest_day_and_marked(crafted):
    crafted.session("core", None, [hold("Bird dog", 10)],
                    bounds=(datetime(2026, 12, 3, 21, 30), datetime(2026, 12, 4, 7, 0)))
    crafted.session("core", at(4, 10), [hold("Bird dog", 10)])
    r = report(crafted, {"core": Due(per_day=1)})
    assert r.bounded == 1
    assert [(d.day.day, d.done) for d in r.routines[0].days] == [(3, 1), (4, 1)]
    assert [(s.day.day, s.time) for s in r.sessions] == [(4, "10:05"), (3, "~21:30")]


def test_filters__routine_device_and_dates(crafted):
    crafted.session("core", at(2), [hold("Bird dog", 10)], device="aaaa")
    crafted.session("core", at(3), [hold("Bird dog", 10)], device="bbbb")
    crafted.session("neck", at(4), [hold("Nod", 10)], device="aaaa")
    assert report(crafted, routine="core").session_count == 2
    assert [e.exercise for e in report(crafted, routine="neck").exercises] == ["Nod"]
    assert report(crafted, device="aaaa").session_count == 2
    r = report(crafted, since=date(2026, 12, 3), until=date(2026, 12, 3))
    assert (r.session_count, r.first, r.last) == (1, date(2026, 12, 3), date(2026, 12, 3))
    assert [s.device for s in r.sessions] == ["bbbb"]


def test_period_of__day_week_month_by_the_span():
    d = date(2026, 1, 1)
    assert [period_of(d, date(2026, 2, 1)), period_of(d, date(2026, 2, 2)),
            period_of(d, date(2027, 1, 2)), period_of(d, date(2027, 1, 3))] == [
        "day", "week", "week", "month"]


def test_weeks_start_on_monday(crafted):
    crafted.session("core", at(1, month=10), [hold("Plank", 20, kind="hold_open")])  # Thu
    crafted.session("core", at(4), [hold("Plank", 25, kind="hold_open")])  # Fri
    (plank,) = report(crafted).exercises
    assert [p for p, _, _ in plank.holds] == [date(2026, 9, 28), date(2026, 11, 30)]


def test_mornings__counted_in_range(crafted):
    crafted.session("core", at(3), [hold("Bird dog", 10)])
    crafted.morning(at(4, 7), "better")
    crafted.morning(at(3, 7), "worse")
    crafted.morning(at(2, 7), "better")
    crafted.morning(at(5, 7), "same")  # after the range
    assert report(crafted).mornings == {"better": 1, "worse": 1}
    assert report(crafted, since=date(2026, 12, 1)).mornings == {"better": 2, "worse": 1}
