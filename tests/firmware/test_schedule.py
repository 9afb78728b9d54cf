# Tests for firmware/schedule.py: when a routine is due, as the host's plan reckons it.

import bbr
import schedule as S

MONDAY = 20829  # 2027-01-11


def test_weekday_counts_from_monday():
    assert S.weekday(0) == 3  # 1970-01-01 was a Thursday
    assert [S.weekday(MONDAY + i) for i in range(8)] == [0, 1, 2, 3, 4, 5, 6, 0]


def test_n_times_a_day_is_due_n_times_every_day():
    assert [S.times_due(bbr.DUE_PER_DAY, 3, MONDAY + i, 9, MONDAY) for i in range(3)] == [3, 3, 3]


def test_days_are_due_once_on_each_listed_day():
    mon_wed_fri = 0b10101
    assert [S.times_due(bbr.DUE_DAYS, mon_wed_fri, MONDAY + i, 0, 0) for i in range(7)] == [
        1, 0, 1, 0, 1, 0, 0]
    weekends = 0b1100000
    assert [S.times_due(bbr.DUE_DAYS, weekends, MONDAY + i, 0, 0) for i in range(7)] == [
        0, 0, 0, 0, 0, 1, 1]


def test_n_times_a_week_is_due_while_fewer_were_done_earlier_that_week():
    assert S.times_due(bbr.DUE_PER_WEEK, 3, MONDAY + 4, 2, MONDAY + 3) == 1
    assert S.times_due(bbr.DUE_PER_WEEK, 3, MONDAY + 4, 3, MONDAY + 3) == 0
    assert S.times_due(bbr.DUE_PER_WEEK, 1, MONDAY, 0, 0) == 1


def test_every_n_days_is_due_n_days_after_the_last_and_every_day_after():
    last = MONDAY
    assert [S.times_due(bbr.DUE_EVERY_DAYS, 2, last + i, 0, last) for i in range(1, 5)] == [
        0, 1, 1, 1]
    assert S.times_due(bbr.DUE_EVERY_DAYS, 14, MONDAY, 0, 0) == 1  # never done: due


def test_no_schedule_is_never_due():
    assert S.times_due(0, 0, MONDAY, 0, 0) == 0
