"""Benchmark of the plan engine: five years of history against one month, for the 15 routines."""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from backbeat.history import Attempt, History, Morning, Session
from backbeat.plan import make_plan
from backbeat.routine import read_routine, routine_id
from backbeat.routine.model import exercise_steps, exercise_tops

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "routines"
FIRST_DAY = date(2022, 1, 3)  # a Monday
YEARS_DAYS = 5 * 365
MONTH_DAYS = 30
SESSION_HOURS = (8, 13, 21)  # three sessions a day
ROUNDS = 3  # the fastest round is reported, as timeit does


def history(routines: list, days: int, seed: int = 1) -> History:
    """``days`` of three sessions a day, taking the routines in turn, and a morning answer each
    day: pain mostly low, now and then too much, levels growing slowly."""
    rng = random.Random(seed)
    names = [(rid, list(dict.fromkeys(s.exercise for s in exercise_steps(r.steps))),
              exercise_tops(r)) for rid, r in routines]
    sessions = []
    mornings = []
    for d in range(days):
        day = FIRST_DAY + timedelta(days=d)
        mornings.append(Morning(datetime(day.year, day.month, day.day, 7, 30),
                                rng.choices(("better", "same", "worse"), (10, 9, 1))[0]))
        for k, hour in enumerate(SESSION_HOURS):
            rid, exercises, tops = names[(3 * d + k) % len(names)]
            completed = rng.random() > 0.05
            attempts = tuple(
                Attempt(name, min(tops[name], d // 40), completed or rng.random() > 0.5,
                        rng.choices((0, 1, 2, 3, 4, 6, 8), (30, 25, 20, 10, 8, 5, 2))[0],
                        rng.randrange(10_000, 120_000))
                for name in exercises
            )
            sessions.append(Session(rid, datetime(day.year, day.month, day.day, hour),
                                    completed, attempts))
    return History(tuple(sessions), tuple(mornings))


def best_ms(work, rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return min(times) * 1000


def run() -> dict:
    routines = [(routine_id(p), read_routine(p)) for p in sorted(LIBRARY.glob("*.yaml"))]
    long, short = history(routines, YEARS_DAYS), history(routines, MONTH_DAYS)
    on_long = FIRST_DAY + timedelta(days=YEARS_DAYS)
    on_short = FIRST_DAY + timedelta(days=MONTH_DAYS)
    ms_5y = best_ms(lambda: make_plan(routines, long, on_long))
    ms_1m = best_ms(lambda: make_plan(routines, short, on_short), rounds=10 * ROUNDS)
    grows = len(long.sessions) / len(short.sessions)
    attempts = sum(len(s.exercises) for s in long.sessions)
    return {
        "plan.ms_5y": {
            "value": round(ms_5y, 3),
            "unit": "ms",
            "compared_with": (
                f"make_plan for the {len(routines)} routines over five years of three sessions a "
                f"day ({len(long.sessions)} sessions, {attempts} attempts, {len(long.mornings)} "
                f"morning answers); one month ({len(short.sessions)} sessions) takes {ms_1m:.3f} ms"
            ),
        },
        "plan.ratio_5y_to_1m": {
            "value": round(ms_5y / ms_1m, 2),
            "unit": "ratio",
            "compared_with": (
                f"the history grows {grows:.1f}x from one month to five years; the plan's time "
                f"{ms_5y / ms_1m:.1f}x ({ms_1m:.3f} ms to {ms_5y:.3f} ms)"
            ),
        },
    }
