# When a routine is due (../shared/PROGRESS.md, "Schedules"), reckoned on the device from
# the .bbr's schedule (bbr.DUE_*) and the logbook's days of completed sessions. Days are
# local calendar days counted from 1970-01-01, a Thursday.

from bbr import DUE_DAYS, DUE_EVERY_DAYS, DUE_PER_DAY, DUE_PER_WEEK


def weekday(day):
    """0 Monday to 6 Sunday."""
    return (day + 3) % 7


def times_due(kind, value, day, week_before, last_before):
    """How many times a routine is due on `day`: week_before sessions were completed
    earlier in its week, the last one before it on day last_before (0: none)."""
    if kind == DUE_PER_DAY:
        return value
    if kind == DUE_DAYS:
        return (value >> weekday(day)) & 1
    if kind == DUE_PER_WEEK:
        return 1 if week_before < value else 0
    if kind == DUE_EVERY_DAYS:
        return 1 if not last_before or day - last_before >= value else 0
    return 0
