"""Adherence by day (PROGRESS.md), over a stretch of days, and the streak."""

from __future__ import annotations

from datetime import date, timedelta

from backbeat.report.adherence import Day, days, over, streak
from backbeat.routine.model import Due

MON = date(2026, 11, 30)
THREE_A_DAY = Due(per_day=3)
WEEKDAYS = Due(days=(0, 1, 2, 3, 4))


def d(n: int) -> date:
    return MON + timedelta(days=n)


def test_day__adherence_is_done_capped_at_due_over_due():
    assert Day(MON, 3, 2).adherence == 2 / 3
    assert Day(MON, 3, 5).adherence == 1.0
    assert Day(MON, 3, 5).kept == 3
    assert Day(MON, 1, 0).adherence == 0.0


def test_day__not_due_has_no_adherence():
    assert Day(MON, 0, 2).adherence is None


def test_days__what_was_due_and_done_each_day():
    got = days(THREE_A_DAY, MON, d(2), [MON, MON, d(2), d(2), d(2), d(2)])
    assert [(x.day, x.due, x.done) for x in got] == [(MON, 3, 2), (d(1), 3, 0), (d(2), 3, 4)]


def test_days__a_schedule_that_looks_back():
    # 2 times a week: due until two sessions are done that week, then not.
    got = days(Due(per_week=2), MON, d(6), [d(1), d(3)])
    assert [x.due for x in got] == [1, 1, 1, 1, 0, 0, 0]


def test_over__the_mean_of_the_due_days_from_the_first_completed_session():
    done = [MON, d(1), d(5)]  # Mon and Tue kept, Wed to Fri not; Saturday's is extra
    assert over(WEEKDAYS, d(6), 7, done) == 2 / 5
    assert over(WEEKDAYS, d(1), 30, done) == 1.0  # nothing before Monday counts
    assert over(WEEKDAYS, d(6), 7, []) is None


def test_streak__counts_kept_due_days_back_and_skips_days_not_due():
    done = [d(-3), d(3), d(4), d(7)]
    ds = days(WEEKDAYS, d(-3), d(7), done)
    # Fri 27th kept, Mon 30th missed, Thu and Fri kept, the weekend skipped, Mon 7th kept.
    assert streak(ds, d(7)) == 3


def test_streak__today_not_yet_kept_does_not_break_it():
    ds = days(THREE_A_DAY, MON, d(2), [MON] * 3 + [d(1)] * 3 + [d(2)])
    assert streak(ds, d(2)) == 2
    assert streak(ds, d(1)) == 2
    assert streak(ds, d(3)) == 0  # the 2nd was missed


def test_streak__nothing_due_or_nothing_done_is_zero():
    assert streak(days(Due(days=(6,)), MON, d(5), []), d(5)) == 0
    assert streak([], MON) == 0
