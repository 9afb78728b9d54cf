"""The backbeat command line: one click group, one command per user task."""

from __future__ import annotations

import click

from backbeat import __version__
from backbeat.device.cli import register as register_device_commands
from backbeat.emulator.cli import register as register_emulator_commands
from backbeat.export_cli import register as register_export_commands
from backbeat.report.cli import register as register_report_commands


class _Commands(click.Group):
    """The group, with Ctrl-C ending any command with status 130 (128 + SIGINT), as a shell
    expects, rather than click's "Aborted!" and 1."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("\ninterrupted", err=True)
            raise SystemExit(130) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="backbeat")
def main() -> None:
    """backbeat: routines for a clip-on back-exercise timer.

    Write routines in YAML, check and compile them, flash them onto the
    device, and pull session logs back.
    """



@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
def check(files: tuple[str, ...]) -> None:
    """Check routine FILEs and report every error in all of them.

    Errors go to stderr as FILE:LINE:COL: error: WHAT (hint: FIX); the exit
    status is 2 when there is any. A file name the device would not take as a routine's
    name is a warning.
    """
    from backbeat.routine import DEVICE_ID_HINT, routine_id, valid_device_id
    from backbeat.routine.report import check_report

    messages, summary, ok = check_report(files)
    for message in messages:
        click.echo(message, err=True)
    for path in files:
        if not valid_device_id(routine_id(path)):
            click.echo(f"{path}: warning: the file name makes the routine id "
                       f"{routine_id(path)!r}, which the device does not accept (hint: rename "
                       f"the file: {DEVICE_ID_HINT})", err=True)
    click.echo(summary, err=not ok)
    if not ok:
        raise SystemExit(2)


def _history_options(f):  # type: ignore[no-untyped-def]
    f = click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
                     help="Read the history from this database [default: the one sync fills].")(f)
    f = click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                     help="The day to plan (YYYY-MM-DD) [default: today].")(f)
    return click.option("--history", "history_path", type=click.Path(dir_okay=False),
                        default=None, help="A history file (JSON) instead of the store.")(f)


def _planned(files, history_path, db_path, on):  # type: ignore[no-untyped-def]
    """The plan of routine ``files`` from the history (file or store), or exit 2 saying why."""
    from datetime import date

    from backbeat.history import HistoryError, read_history
    from backbeat.plan import make_plan
    from backbeat.planning import store_history
    from backbeat.routine import RoutineErrors, read_routine, routine_id
    from backbeat.store import StoreError

    routines, failed = [], False
    for path in files:
        try:
            routines.append((routine_id(path), read_routine(path)))
        except RoutineErrors as errors:
            failed = True
            for error in errors.errors:
                click.echo(str(error), err=True)
    if failed:
        raise SystemExit(2)
    try:
        if history_path is not None:
            history = read_history(history_path)
        else:
            history = store_history(db_path, dict(routines))
    except (HistoryError, StoreError) as e:
        click.echo(f"error: {e}", err=True)
        raise SystemExit(2) from None
    return make_plan(routines, history, on.date() if on else date.today())


@main.command()
@click.argument("file", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the timeline as JSON.")
@click.option("--level", type=click.IntRange(min=0), default=None,
              help="Every exercise at this level (capped at its top)  [default: 0].")
@click.option("--plan", "use_plan", is_flag=True,
              help="At the levels the history earned, gates and targets applied (see plan).")
@_history_options
def show(file: str, as_json: bool, level: int | None, use_plan: bool, history_path: str | None,
         on, db_path: str | None) -> None:  # type: ignore[no-untyped-def]
    """Dry run: print the timeline of the routine in FILE, segment by segment."""
    from backbeat.routine import RoutineErrors, load_routine
    from backbeat.routine.report import dry_run_json, dry_run_table

    if use_plan and level is not None:
        click.echo("error: --plan and --level both set the levels (hint: keep one)", err=True)
        raise SystemExit(2)
    at = level or 0
    if use_plan:
        at = _planned([file], history_path, db_path, on).routines[0].levels
    try:
        timeline = load_routine(file, at)
    except RoutineErrors as errors:
        for error in errors.errors:
            click.echo(str(error), err=True)
        raise SystemExit(2) from None
    click.echo(dry_run_json(timeline) if as_json else dry_run_table(timeline))


@main.command()
@click.argument("files", nargs=-1, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@_history_options
def plan(files: tuple[str, ...], as_json: bool, history_path: str | None, on,
         db_path: str | None) -> None:  # type: ignore[no-untyped-def]
    """Each exercise's level earned from the logs, its gates and targets, and what is due.

    FILEs are routines (the library by default). The history is what sync
    stored, or a --history file; --on plans another day from the history up to
    its end.
    """
    import json

    from backbeat.plan import plan_text
    from backbeat.resources import library_dir

    paths = list(files) or [str(p) for p in sorted(library_dir().glob("*.yaml"))]
    made = _planned(paths, history_path, db_path, on)
    click.echo(json.dumps(made.as_json(), indent=2) if as_json else plan_text(made))


@main.command("compile")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", "out_dir", required=True, metavar="DIR",
              type=click.Path(file_okay=False), help="Directory for the .bbr files (made if missing).")
@click.option("--level", type=click.IntRange(min=0, max=65535), default=0, show_default=True,
              help="Progression level.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="SQLite database whose archive keeps each compiled routine "
                   "[default: $XDG_DATA_HOME/backbeat/backbeat.db].")
def compile_(files: tuple[str, ...], out_dir: str, level: int, db_path: str | None) -> None:
    """Compile routine FILEs to DIR/NAME.bbr, NAME being each file's name without .yaml.

    Errors are reported as by check, and then nothing is written. Each routine is also
    kept in the database's archive, so the sessions that run it can be named.
    """
    from backbeat.compiling import archive_compiled, compile_files, write_compiled
    from backbeat.text import count

    compiled, errors = compile_files(files, level)
    for message in errors:
        click.echo(message, err=True)
    if errors:
        click.echo(f"{count(len(errors), 'error')}, nothing written", err=True)
        raise SystemExit(2)
    try:
        written = write_compiled(compiled, out_dir)
    except OSError as e:
        click.echo(f"{e.filename or out_dir}: error: cannot write ({e.strerror})", err=True)
        raise SystemExit(2) from None
    # The folder once, then a line per routine: 80 columns hold them whatever the folder.
    click.echo(f"wrote {count(len(written), 'routine')} to {out_dir} (NAME.bbr):")
    for item in compiled:
        click.echo(f"  {item.summary()}")
    warning = archive_compiled(compiled, db_path, "compiled")
    if warning:
        click.echo(warning, err=True)


@main.command()
def schema() -> None:
    """Print the JSON Schema of the routine language (for yaml-language-server)."""
    from backbeat.routine.schema import schema_json

    click.echo(schema_json())


@main.command()
@click.option("--speed", type=click.FloatRange(min=0.1, max=1000), default=20.0,
              show_default=True, help="Clock speed of the virtual device's session.")
@click.option("--keep", type=click.Path(file_okay=False), default=None,
              help="Keep the compiled library, the virtual flash and the database here "
                   "[default: a temporary folder, removed at the end].")
def demo(speed: float, keep: str | None) -> None:
    """Show backbeat at work, from any folder: the routine library checked, compiled and
    read back, then a session on a virtual device, flashed, run, synced and listed."""
    import shutil
    import tempfile
    from pathlib import Path

    from backbeat.demo import main as library_demo
    from backbeat.emulator.demo import main as session_demo

    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="backbeat-demo-"))
    try:
        status = library_demo(["--out", str(work / "routines")])
        if status == 0:
            click.echo()
            status = session_demo(["--speed", repr(speed), "--keep", str(work / "device")])
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
    if status:
        raise SystemExit(status)


register_device_commands(main)
register_emulator_commands(main)
register_report_commands(main)
register_export_commands(main)

if __name__ == "__main__":  # pragma: no cover
    main()
