"""The plan applied: what `flash` compiles each routine at, and what `sync` sends back.

:func:`store_history` reads what `sync` stored; :func:`plan_files` gives each
routine file's plan from it; :func:`changes` says, for one routine, what the
plan changed since the copy on the device was compiled, and why.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from backbeat.history import History, from_store
from backbeat.plan import RoutinePlan, make_plan, plan_routine
from backbeat.routine import RoutineErrors, read_routine, routine_id
from backbeat.routine.model import Routine


def store_history(db_path: str | Path | None, routines: dict[str, Routine]) -> History:
    """What the store knows of ``routines`` (id -> routine); empty when there is no store yet
    (reading never makes a database). Raises StoreError for a store that cannot be read."""
    from backbeat.store import Store, default_db_path

    db = Path(db_path) if db_path else default_db_path()
    if not db.exists():
        return History()
    with Store(db) as store:
        return from_store(store, routines)


def plan_files(paths, db_path: str | Path | None, on: date) -> dict[str, RoutinePlan]:
    """Routine id -> its plan on ``on`` from the store, for each file of ``paths`` that reads
    (the compiler reports the others) and has a session stored: one never run (or never
    synced) keeps level 0 with every step, as before any plan."""
    routines: dict[str, Routine] = {}
    for path in paths:
        try:
            routines[routine_id(path)] = read_routine(path)
        except RoutineErrors:
            continue
    return plan_routines(routines, db_path, on)


def plan_routines(routines: dict[str, Routine], db_path: str | Path | None,
                  on: date) -> dict[str, RoutinePlan]:
    """plan_files for routines read already (id -> routine)."""
    history = store_history(db_path, routines)
    ran = {s.routine for s in history.sessions}
    made = make_plan([(rid, r) for rid, r in routines.items() if rid in ran], history, on)
    return {r.routine: r for r in made.routines}


def changes(plan: RoutinePlan, before: dict[str, int]) -> list[str]:
    """What the plan changed in a routine whose copy on the device was compiled at the
    levels ``before`` (exercise -> level), each with its reason:
    "Bird dog: level 1 -> 2, 3 clean sessions on Dec 2, 3, 4"."""
    out = []
    for e in plan.exercises:
        was = before.get(e.exercise)
        if was is None or was == e.level:
            continue
        why = f", {e.why.reason}" if e.why else ""
        out.append(f"{e.exercise}: level {was} -> {e.level}{why}")
    return out


def planned_source(source: str | None) -> bool:
    """Whether the plan moves anything in the routine whose YAML is ``source`` (a
    progression, a gate or an open hold); False when that is not known."""
    from backbeat.routine import Invalid, MultipleInvalid, build_routine, loader

    if source is None:
        return False
    try:
        routine = build_routine(loader.parse(source))
    except (Invalid, MultipleInvalid, ValueError):
        return False
    return bool(plan_routine("", routine, History(), date.today()).exercises)
