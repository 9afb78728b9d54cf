"""The export and import commands of the CLI."""

from __future__ import annotations

import io
import sqlite3
import sys
from pathlib import Path

import click

from backbeat.device.cli import _db_option, _fail, reading_store
from backbeat.text import count


def _write_whole(target: str, text: str) -> None:
    """`text` to stdout for "-", else into the file `target` by write_aside(), so a failed
    write leaves the old file as it was."""
    from backbeat.exporting import write_aside

    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        write_aside(Path(target), text.encode("utf-8"))
    except OSError as e:
        _fail(f"{target}: cannot write ({e.strerror})")


def register(main: click.Group) -> None:
    """Add export and import to the CLI group."""

    @main.command()
    @_db_option
    @click.option("--csv", "csv_to", metavar="FILE|-", help="One row per segment (- stdout).")
    @click.option("--json", "json_to", metavar="FILE|-",
                  help="A complete backup for backbeat import (- stdout).")
    @click.option("--fit", "fit_dir", metavar="DIR", type=click.Path(file_okay=False),
                  help="One FIT activity file per session, for Garmin Connect or Strava.")
    @click.option("--device", metavar="UID", help="Only the sessions of this device.")
    def export(db_path: str | None, csv_to: str | None, json_to: str | None,
               fit_dir: str | None, device: str | None) -> None:
        """Write the synced sessions for a spreadsheet (--csv), as a backup (--json) or for
        Garmin Connect and Strava (--fit). The database is only read."""
        from backbeat.backup import dumps, export_backup
        from backbeat.exporting import write_csv, write_fit
        from backbeat.store import default_db_path

        if not (csv_to or json_to or fit_dir):
            _fail("say what to write: --csv FILE, --json FILE or --fit DIR (- for stdout)", 2)
        if csv_to == "-" and json_to == "-":
            _fail("only one of --csv and --json can go to stdout (-)", 2)
        path = Path(db_path) if db_path else default_db_path()
        with reading_store(path) as store:
            if device is not None and device not in store.devices():
                _fail(f"no device {device} in {path}")
            sessions = store.sessions(device)
            backup = export_backup(store, device) if json_to else None
        if csv_to:
            buf = io.StringIO()
            rows = write_csv(sessions, buf)
            _write_whole(csv_to, buf.getvalue())
            if csv_to != "-":
                click.echo(f"{csv_to}: {count(rows, 'segment')} of "
                           f"{count(len(sessions), 'session')}", err=True)
        if backup is not None and json_to:
            _write_whole(json_to, dumps(backup))
            if json_to != "-":
                click.echo(f"{json_to}: backup of {count(len(backup['devices']), 'device')}, "
                           f"{count(len(backup['records']), 'record')}, "
                           f"{count(len(backup['routines']), 'routine')}, "
                           f"{count(len(sessions), 'session')}", err=True)
        if fit_dir:
            try:
                written = write_fit(sessions, Path(fit_dir))
            except OSError as e:
                _fail(f"{e.filename or fit_dir}: cannot write ({e.strerror}); no FIT file is "
                      "left half written")
                raise
            click.echo(f"{fit_dir}: {count(len(written), 'FIT file')}", err=True)

    @main.command("import")
    @_db_option
    @click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
    def import_(db_path: str | None, file: str) -> None:
        """Merge the backup FILE (from backbeat export --json; - reads stdin) into the
        database. What the database already holds is kept once; a damaged backup changes
        nothing."""
        from backbeat.backup import BackupError, import_backup, parse_backup
        from backbeat.store import Store, StoreError, default_db_path

        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            _fail(f"{file}: cannot read ({getattr(e, 'strerror', None) or e})")
            raise
        try:
            backup = parse_backup(text)
        except BackupError as e:
            _fail(f"{file}: {e}; nothing imported")
            raise
        path = Path(db_path) if db_path else default_db_path()
        try:
            with Store(path) as store:
                res = import_backup(store, backup)
        except BackupError as e:
            _fail(f"{file}: {e}; nothing imported")
            raise
        except StoreError as e:
            _fail(f"{e}; nothing imported")
            raise
        except sqlite3.Error as e:
            _fail(f"{path}: database error ({e}); nothing imported (hint: close the program "
                  "holding the database, then try again)")
            raise
        click.echo(f"imported {file}: {count(res.sessions, 'new session')}, "
                   f"{count(res.records, 'new record')}, {count(res.devices, 'new device')}, "
                   f"{count(res.routines, 'new routine')}")
