"""The backbeat command line: one click group, one command per user task."""

from __future__ import annotations

import click

from backbeat import __version__
from backbeat.device.cli import register as register_device_commands
from backbeat.emulator.cli import register as register_emulator_commands
from backbeat.export_cli import register as register_export_commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    status is 2 when there is any.
    """
    from backbeat.routine.report import check_report

    messages, summary, ok = check_report(files)
    for message in messages:
        click.echo(message, err=True)
    click.echo(summary, err=not ok)
    if not ok:
        raise SystemExit(2)


@main.command()
@click.argument("file", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the timeline as JSON.")
@click.option("--level", type=click.IntRange(min=0), default=0, show_default=True, help="Progression level.")
def show(file: str, as_json: bool, level: int) -> None:
    """Dry run: print the timeline of the routine in FILE, segment by segment."""
    from backbeat.routine import RoutineErrors, load_routine
    from backbeat.routine.report import dry_run_json, dry_run_table

    try:
        timeline = load_routine(file, level)
    except RoutineErrors as errors:
        for error in errors.errors:
            click.echo(str(error), err=True)
        raise SystemExit(2) from None
    click.echo(dry_run_json(timeline) if as_json else dry_run_table(timeline))


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
    for item, path in zip(compiled, written, strict=True):
        click.echo(f"{path}  {item.summary()}")
    warning = archive_compiled(compiled, db_path, "compiled")
    if warning:
        click.echo(warning, err=True)


@main.command()
def schema() -> None:
    """Print the JSON Schema of the routine language (for yaml-language-server)."""
    from backbeat.routine.schema import schema_json

    click.echo(schema_json())


register_device_commands(main)
register_emulator_commands(main)
register_export_commands(main)

if __name__ == "__main__":  # pragma: no cover
    main()
