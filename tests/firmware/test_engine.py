# Tests for firmware/engine.py: the schedule, its events and the commands, in virtual time.

import time

import bbr
import engine as E
from bbrmake import routine, seg
from testdata import heap_locked

_WRAP = 1 << 30


def drive(e, start, until, take, step=1, actions=None, at=0):
    """Advance `e` from `at` to `until` ms after `start` in `step`s, calling take(k) for
    each event k waiting in ev_*. actions maps an offset to a function(engine, now)."""
    t = at
    while t <= until:
        now = time.ticks_add(start, t)
        if actions is not None and t in actions:
            actions[t](e, now)
        while True:
            n = e.advance(now)
            if n == 0:
                break
            for k in range(n):
                take(k)
        if e.state == E.FINISHED:
            break
        t += step


def run(e, start, until, step=1, actions=None, at=0):
    """drive() `e`; returns every event as (code, arg, due ms after start)."""
    out = []

    def take(k):
        out.append((e.ev_code[k], e.ev_arg[k], time.ticks_diff(e.ev_at[k], start)))

    drive(e, start, until, take, step, actions, at)
    return out


BREATHS = ((4000, 0, 6000, 0), (4000, 2000, 4000, 0))


def sample():
    return routine(
        [
            seg(bbr.PREPARE, 5000, flags=9, exercise="Cat"),
            seg(bbr.HOLD, 10000, breath=0, flags=10, exercise="Cat", rep=1, reps=1, side=1),
            seg(bbr.REST, 2000),
            seg(bbr.COUNT, 3000, param=1000, flags=16, rep=1, reps=1),
            seg(bbr.BREATHE, 20000, breath=1),
            seg(bbr.HOLD_OPEN, 3000, param=6000),
            seg(bbr.SWITCH, 1000, flags=6),
        ],
        breaths=BREATHS,
    )


S, X, PH, TK, BT, TG, ASK, RES, DONE = (
    E.EV_SEG_START, E.EV_SEG_END, E.EV_PHASE, E.EV_TICK, E.EV_BEAT, E.EV_TARGET,
    E.EV_ASK_PAIN, E.EV_RESULT, E.EV_DONE,
)

SAMPLE_EVENTS = [
    (S, 0, 0), (TK, 3, 2000), (TK, 2, 3000), (TK, 1, 4000), (X, 0, 5000), (RES, 0, 5000),
    (S, 1, 5000), (PH, 1, 5000), (PH, 3, 9000), (TK, 3, 12000),
    (TK, 2, 13000), (TK, 1, 14000), (X, 1, 15000), (RES, 1, 15000),
    (S, 2, 15000), (X, 2, 17000), (RES, 2, 17000),
    (S, 3, 17000), (BT, 1, 17000), (BT, 2, 18000), (BT, 3, 19000), (X, 3, 20000), (RES, 3, 20000),
    (S, 4, 20000), (PH, 1, 20000), (PH, 2, 24000), (PH, 3, 26000), (PH, 1, 30000),
    (PH, 2, 34000), (PH, 3, 36000), (X, 4, 40000), (RES, 4, 40000),
    (S, 5, 40000), (TG, 5, 43000), (X, 5, 46000), (RES, 5, 46000),
    (S, 6, 46000), (X, 6, 47000), (ASK, 6, 47000),
    (RES, 6, 50000), (DONE, E.END_COMPLETED, 50000),
]


def _answer_yes(e, now):
    e.answer(now, 7)


def test_every_event_at_its_scheduled_ms():
    e = E.Engine(sample(), 1000)
    got = run(e, 1000, 60000, step=1, actions={50000: _answer_yes})
    assert got == SAMPLE_EVENTS
    assert e.end == E.END_COMPLETED
    assert e.res_pain == 7


def test_coarse_polling_reports_the_same_due_times():
    e = E.Engine(sample(), 1000)
    got = run(e, 1000, 60000, step=10, actions={50000: _answer_yes})
    assert got == SAMPLE_EVENTS


def test_one_big_jump_delivers_everything_in_order():
    e = E.Engine(sample(), 0)
    got = run(e, 0, 48000, step=48000)
    assert got == SAMPLE_EVENTS[:-2]
    assert e.state == E.ASKING


def test_the_schedule_crosses_the_ticks_wrap():
    start = _WRAP - 20000
    e = E.Engine(sample(), start)
    got = run(e, start, 60000, step=5, actions={50000: _answer_yes})
    assert got == SAMPLE_EVENTS


def _results(e, start, until, step=1, actions=None):
    out = []

    def take(k):
        if e.ev_code[k] == E.EV_RESULT:
            out.append(
                (e.res_index, e.res_outcome, e.res_pain, e.res_start_ms, e.res_end_ms,
                 e.res_planned_ms, e.res_achieved_ms)
            )

    drive(e, start, until, take, step, actions)
    return out


def test_results_record_actual_times_and_outcomes():
    e = E.Engine(sample(), 0)
    res = _results(e, 0, 60000, actions={50000: _answer_yes})
    assert res == [
        (0, E.OUT_DONE, E.PAIN_NOT_ASKED, 0, 5000, 5000, 5000),
        (1, E.OUT_DONE, E.PAIN_NOT_ASKED, 5000, 15000, 10000, 10000),
        (2, E.OUT_DONE, E.PAIN_NOT_ASKED, 15000, 17000, 2000, 2000),
        (3, E.OUT_DONE, E.PAIN_NOT_ASKED, 17000, 20000, 3000, 3000),
        (4, E.OUT_DONE, E.PAIN_NOT_ASKED, 20000, 40000, 20000, 20000),
        (5, E.OUT_DONE, E.PAIN_NOT_ASKED, 40000, 46000, 3000, 6000),
        (6, E.OUT_DONE, 7, 46000, 47000, 1000, 1000),
    ]
    assert e.done_count == 7 and e.skipped_count == 0


def test_pause_shifts_everything_after_it():
    e = E.Engine(sample(), 0)

    def pause(e, now):
        e.pause(now)
        assert e.remaining_ms(now) == 3000

    def check_frozen(e, now):
        assert e.state == E.PAUSED
        assert e.remaining_ms(now) == 3000
        assert e.elapsed_ms(now) == 2000

    got = run(
        e, 0, 70000,
        actions={2000: pause, 5000: check_frozen, 9000: lambda e, now: e.resume(now),
                 57000: _answer_yes},
    )
    want = []
    for code, arg, t in SAMPLE_EVENTS:
        if t >= 2000:
            t += 7000
        want.append((code, arg, t))
    want[-2] = (RES, 6, 57000)
    want[-1] = (DONE, E.END_COMPLETED, 57000)
    assert got[:3] == [(S, 0, 0), (TK, 3, 9000), (TK, 2, 10000)]
    assert got == want
    assert e.paused_ms == 7000


def test_skip_ends_the_segment_and_moves_the_rest_up():
    e = E.Engine(sample(), 0)
    res = []

    def skip(e, now):
        e.skip(now)
        res.append(e.res_outcome)

    got = run(e, 0, 60000, actions={7000: skip, 43000: _answer_yes})
    assert res == [E.OUT_SKIPPED]
    assert got[:16] == [
        (S, 0, 0), (TK, 3, 2000), (TK, 2, 3000), (TK, 1, 4000), (X, 0, 5000), (RES, 0, 5000),
        (S, 1, 5000), (PH, 1, 5000), (X, 1, 7000), (RES, 1, 7000), (S, 2, 7000),
        (X, 2, 9000), (RES, 2, 9000), (S, 3, 9000), (BT, 1, 9000), (BT, 2, 10000),
    ]
    assert (DONE, E.END_COMPLETED, 43000) in got
    assert e.skipped_count == 1 and e.done_count == 6


def test_skip_while_paused_counts_the_pause():
    e = E.Engine(sample(), 0)
    run(e, 0, 1000)
    e.pause(1000)
    e.skip(4000)
    assert e.paused_ms == 3000
    assert e.res_outcome == E.OUT_SKIPPED and e.res_achieved_ms == 1000
    assert e.res_end_ms == 4000
    assert e.state == E.RUNNING and e.index == 1


def test_open_hold_ends_on_a_press_with_the_time_held():
    e = E.Engine(sample(), 0)
    res = _results(
        e, 0, 60000,
        actions={44500: lambda e, now: e.end_hold(now), 46000: _answer_yes},
    )
    assert res[5] == (5, E.OUT_DONE, E.PAIN_NOT_ASKED, 40000, 44500, 3000, 4500)
    assert res[6] == (6, E.OUT_DONE, 7, 44500, 45500, 1000, 1000)


def test_open_hold_counts_up_and_press_elsewhere_does_nothing():
    e = E.Engine(sample(), 0)
    run(e, 0, 41234)
    assert e.index == 5 and e.open_hold()
    assert e.elapsed_ms(41234) == 1234
    assert e.elapsed_ms(45000) == 5000  # past the target it keeps counting
    e.end_hold(41234)
    assert e.res_achieved_ms == 1234
    f = E.Engine(sample(), 0)
    run(f, 0, 1000)
    f.end_hold(1000)
    assert f.index == 0 and f.state == E.RUNNING and not f.open_hold()


def test_pain_question_waits_for_a_number_from_0_to_10():
    e = E.Engine(sample(), 0)
    got = run(e, 0, 49000)
    assert e.state == E.ASKING
    assert got[-1] == (ASK, 6, 47000)
    assert run(e, 0, 49500, at=49000) == []
    e.answer(49500, 0)
    assert e.res_pain == 0
    assert e.advance(49500) == 2
    assert (e.ev_code[1], e.ev_arg[1]) == (DONE, E.END_COMPLETED)


def test_stop_ends_the_session():
    e = E.Engine(sample(), 0)
    run(e, 0, 6000)
    e.stop(6500)
    assert e.state == E.FINISHED and e.end == E.END_STOPPED
    assert e.res_outcome == E.OUT_STOPPED and e.res_index == 1 and e.res_achieved_ms == 1500
    n = e.advance(7000)
    assert [(e.ev_code[k], e.ev_arg[k]) for k in range(n)] == [
        (X, 1), (RES, 1), (DONE, E.END_STOPPED)
    ]
    assert e.advance(8000) == 0


def test_stop_while_asking_leaves_the_answer_unanswered():
    e = E.Engine(sample(), 0)
    run(e, 0, 48000)
    e.stop(48000)
    assert e.res_pain == E.PAIN_UNANSWERED and e.end == E.END_STOPPED


def test_an_answer_above_10_is_10():
    e = E.Engine(sample(), 0)
    run(e, 0, 48000)
    e.answer(48000, 12)
    assert e.res_pain == 10


def test_phase_word_and_breath_bar():
    e = E.Engine(sample(), 0)
    run(e, 0, 5000)
    assert e.phase_word() == "IN" and e.breath_level(5000) == 0
    assert e.breath_level(7000) == 500
    run(e, 0, 9000, at=5001)
    assert e.phase() == E.PHASE_OUT and e.phase_word() == "OUT"
    assert e.breath_level(9000) == 1000
    assert e.breath_level(12000) == 500
    assert e.remaining_ms(12000) == 3000
    run(e, 0, 25000, at=9001)
    assert e.index == 4 and e.phase() == E.PHASE_HOLD_IN and e.phase_word() == "HOLD"
    assert e.breath_level(25000) == 1000
    run(e, 0, 40500, at=25001)
    assert e.phase() == E.PHASE_NONE and e.phase_word() == ""


def test_progress_and_labels():
    e = E.Engine(sample(), 0)
    assert e.total_ms == 44000 and e.segment_count == 7
    run(e, 0, 11000)
    assert e.progress(11000) == 250
    assert e.side == 1 and e.rep == 1 and e.reps == 1 and e.kind == bbr.HOLD
    run(e, 0, 18500, at=11001)
    assert e.beat == 2 and e.beats == 3


def test_event_lists_are_reused():
    e = E.Engine(sample(), 0)
    code, arg, at = e.ev_code, e.ev_arg, e.ev_at
    run(e, 0, 60000, step=3, actions={50001: _answer_yes})
    assert e.ev_code is code and e.ev_arg is arg and e.ev_at is at
    assert len(code) == E.CAPACITY and len(arg) == E.CAPACITY


def _hold_events(i):
    # What one 30 s hold with 4-6 breathing and the countdown reports, from its start.
    t = 30000 * i
    return [
        (S, i, t), (PH, 1, t), (PH, 3, t + 4000), (PH, 1, t + 10000), (PH, 3, t + 14000),
        (PH, 1, t + 20000), (PH, 3, t + 24000), (TK, 3, t + 27000), (TK, 2, t + 28000),
        (TK, 1, t + 29000), (X, i, t + 30000), (RES, i, t + 30000),
    ]


def test_three_hours_in_virtual_time_without_drift():
    # 360 holds of 30 s with 4-6 breathing and the last-three-seconds countdown: 3 h,
    # polled every 997 ms; each event is checked as it comes (a generator test: the
    # collector runs at each yield under MicroPython).
    n = 360
    r = routine([seg(bbr.HOLD, 30000, breath=0, flags=8)] * n, breaths=BREATHS)
    start = _WRAP - 3600000  # crosses the ticks wrap an hour in
    e = E.Engine(r, start)
    seg_i = 0
    expected = _hold_events(0)
    k = 0
    count = 0
    t = 0
    turns = 0
    while t <= 11000000:
        now = time.ticks_add(start, t)
        while True:
            m = e.advance(now)
            if m == 0:
                break
            for j in range(m):
                got = (e.ev_code[j], e.ev_arg[j], time.ticks_diff(e.ev_at[j], start))
                assert got == expected[k], (got, expected[k])
                count += 1
                k += 1
                if k == len(expected):
                    seg_i += 1
                    k = 0
                    if seg_i < n:
                        expected = _hold_events(seg_i)
                    else:
                        expected = [(DONE, E.END_COMPLETED, 10800000)]
        if e.state == E.FINISHED:
            break
        t += 997
        turns += 1
        if turns % 200 == 0:
            yield
    assert count == 12 * n + 1
    assert e.res_end_ms == 10800000 and e.end == E.END_COMPLETED


def test_advance_and_the_queries_allocate_nothing():
    # Across segment boundaries too: the next segment is read into buffers made once.
    e = E.Engine(sample(), 0)

    def turns():
        t = 0
        while t < 46000:
            e.advance(t)
            e.remaining_ms(t)
            e.elapsed_ms(t)
            e.breath_level(t)
            e.progress(t)
            e.phase_word()
            e.next_due_ms(t)
            t += 7

    if not heap_locked(turns):
        turns()
    assert e.index == 5 and e.done_count == 5
