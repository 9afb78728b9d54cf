"""Adherence arithmetic: a day's figure (PROGRESS.md), a period's mean, the streak."""

from __future__ import annotations

from datetime import date, timedelta

from backbeat.report.adherence import Day, days, period, streak

MON = date(2026, 11, 30)


def three_a_day(day, done):
    return 3


def weekdays(day, done):
    return 0 if day.weekday() >= 5 else 1


def test_day__adherence_is_done_capped_at_due_over_due():
    assert Day(MON, 3, 2).adherence == 2 / 3
    assert Day(MON, 3, 5).adherence == 1.0
    assert Day(MON, 3, 5).kept == 3
    assert Day(MON, 1, 0).adherence == 0.0


def test_day__not_due_has_no_adherence():
    assert Day(MON, 0, 2).adherence is None


def test_days__one_entry_a_day_with_the_schedule_and_the_done_counts():
    done = {MON: 2, MON + timedelta(days=2): 4}
    got = days(MON, MON + timedelta(days=2), done, three_a_day)
    assert [(d.day, d.due, d.done) for d in got] == [
        (MON, 3, 2), (MON + timedelta(days=1), 3, 0), (MON + timedelta(days=2), 3, 4)]


def test_days__the_schedule_sees_every_done_count():
    seen = []

    def schedule(day, done):
        seen.append(dict(done))
        return 1

    days(MON, MON, {MON - timedelta(days=3): 1}, schedule)
    assert seen == [{MON - timedelta(days=3): 1}]


def test_period__mean_of_the_due_days_only():
    ds = days(MON, MON + timedelta(days=6), {MON: 1, MON + timedelta(days=1): 1,
                                              MON + timedelta(days=5): 1}, weekdays)
    # Mon and Tue kept, Wed to Fri not; the weekend is not due (Saturday's session is extra).
    assert period(ds, MON, MON + timedelta(days=6)) == 2 / 5
    assert period(ds, MON + timedelta(days=5), MON + timedelta(days=6)) is None


def test_streak__counts_kept_due_days_back_and_skips_days_not_due():
    fri = MON + timedelta(days=4)
    done = {MON - timedelta(days=3): 1, fri - timedelta(days=1): 1, fri: 1,
            MON + timedelta(days=7): 1}
    ds = days(MON - timedelta(days=3), MON + timedelta(days=7), done, weekdays)
    # Fri 27th kept, Mon 30th missed, Thu and Fri kept, the weekend skipped, Mon 7th kept.
    assert streak(ds, MON + timedelta(days=7)) == 3


def test_streak__today_not_yet_kept_does_not_break_it():
    ds = days(MON, MON + timedelta(days=2), {MON: 3, MON + timedelta(days=1): 3,
                                              MON + timedelta(days=2): 1}, three_a_day)
    assert streak(ds, MON + timedelta(days=2)) == 2
    assert streak(ds, MON + timedelta(days=1)) == 2
    assert streak(ds, MON + timedelta(days=3)) == 0  # yesterday (the 2nd) was missed


def test_streak__nothing_due_or_nothing_done_is_zero():
    assert streak(days(MON, MON + timedelta(days=6), {}, lambda d, done: 0),
                  MON + timedelta(days=6)) == 0
    assert streak([], MON) == 0
