"""`backbeat report`: the command line of the reports."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import click


class _Day(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date (hint: write it as YYYY-MM-DD, e.g. 2026-12-04)",
                      param, ctx)


def _routine_files(ids: list[str]) -> list[Path]:
    """The YAML of each routine of ``ids`` in the routines folder that flash sends (the
    library until one is set), where there is one."""
    from backbeat.resources import library_dir
    from backbeat.settings import routines_folder

    folder = routines_folder() or library_dir()
    return [p for p in (folder / f"{i}.yaml" for i in ids) if p.is_file()]


def _routines(paths: list[Path]) -> dict:
    """Each routine of ``paths`` that checks, by routine id; one that does not is left out,
    and said so on stderr."""
    from backbeat.routine import RoutineErrors, read_routine, routine_id

    out = {}
    for path in paths:
        try:
            out[routine_id(path)] = read_routine(path)
        except RoutineErrors:
            click.echo(f"{path}: has errors, its adherence is left out (hint: backbeat check "
                       f"{path})", err=True)
    return out


def _next_levels(routines: dict,
                 db_path: Path) -> dict[tuple[str, str], tuple[int, str, str]]:
    """(routine id, exercise) -> the level today's plan gives it for the next session (what
    flash and sync compile the routine at: backbeat plan), what that level means, and why
    it last changed ("" when it never did), for ``routines`` (id -> routine)."""
    from backbeat.planning import plan_routines

    return {(rid, e.exercise): (e.level, e.meaning, e.why.reason if e.why else "")
            for rid, p in plan_routines(routines, db_path, date.today()).items()
            for e in p.exercises}


def register(main: click.Group) -> None:
    @main.command()
    @click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
                  help="SQLite database [default: $XDG_DATA_HOME/backbeat/backbeat.db].")
    @click.option("--since", type=_Day(), help="First day (YYYY-MM-DD) [default: the first "
                  "session].")
    @click.option("--until", type=_Day(), help="Last day (YYYY-MM-DD) [default: today].")
    @click.option("--routine", metavar="ID", help="Only this routine (its file name without .yaml).")
    @click.option("--device", metavar="UID", help="Only this device.")
    @click.option("--html", "html_path", type=click.Path(dir_okay=False),
                  help="Write the report as one HTML file here instead.")
    def report(db_path: str | None, since: date | None, until: date | None,
               routine: str | None, device: str | None, html_path: str | None) -> None:
        """Show adherence, levels, holds, left/right and pain from the synced sessions.

        In the terminal by default; with --html FILE, one self-contained file that
        prints on A4 and needs no network.
        """
        from backbeat.report.data import Filters, build
        from backbeat.report.facts import FactsError, open_facts, refresh
        from backbeat.settings import SettingsError
        from backbeat.store import StoreError, default_db_path

        if since and until and since > until:
            raise click.BadParameter(f"--since {since} is after --until {until}",
                                     param_hint="--since")
        path = Path(db_path) if db_path else default_db_path()
        try:
            with open_facts(refresh(path)) as db:
                ran = [r for (r,) in db.execute("SELECT DISTINCT routine FROM sessions")]
                routines = _routines(_routine_files(ran))
                schedules = {rid: r.due for rid, r in routines.items() if r.due is not None}
                figures = build(db, Filters(since, until, routine, device), date.today(),
                                schedules, _next_levels(routines, path))
        except (FactsError, StoreError, SettingsError) as e:
            click.echo(f"error: {e}", err=True)
            raise SystemExit(2) from None
        except sqlite3.Error as e:
            click.echo(f"error: {path}: cannot read the database ({e})", err=True)
            raise SystemExit(2) from None
        except OSError as e:
            click.echo(f"error: {e.filename}: cannot keep the report's index there "
                       f"({e.strerror}) (hint: set XDG_CACHE_HOME to a folder you can write)",
                       err=True)
            raise SystemExit(2) from None
        if html_path is None:
            from backbeat.report.terminal import print_report

            print_report(figures)
            return
        from backbeat.report.html import render

        try:
            Path(html_path).write_text(render(figures), encoding="utf-8")
        except OSError as e:
            click.echo(f"error: {html_path}: cannot write ({e.strerror})", err=True)
            raise SystemExit(2) from None
        click.echo(f"wrote {html_path}")
