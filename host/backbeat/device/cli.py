"""The device commands of the CLI: devices, flash, sync, sessions."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from backbeat.text import count

if TYPE_CHECKING:
    from backbeat.store import Store

ROOT = Path(__file__).resolve().parents[3]


def _fail(message: str, status: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(status)


def _port_option(f):  # type: ignore[no-untyped-def]
    return click.option("--port", default="auto", show_default=True,
                        help="Serial port of the device, or auto for the one connected.")(f)


def _db_option(f):  # type: ignore[no-untyped-def]
    return click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
                        help="SQLite database [default: $XDG_DATA_HOME/backbeat/backbeat.db].")(f)


def _open_store(db_path: str | None):  # type: ignore[no-untyped-def]
    from backbeat.store import Store, StoreError, default_db_path

    try:
        return Store(db_path or default_db_path())
    except StoreError as e:
        _fail(str(e))
        raise


@contextlib.contextmanager
def reading_store(path: Path) -> Iterator[Store]:
    """The database at `path` opened for a read-only command (a missing one is not made);
    a database that cannot be read ends the command with a clear error."""
    from backbeat.store import Store, StoreError

    try:
        with Store(path, create=False) as store:
            yield store
    except StoreError as e:
        _fail(str(e))
    except sqlite3.Error as e:
        _fail(f"{path}: database error ({e}) (hint: close the program holding the "
              "database, then try again)")


def _resolve(port: str) -> str:
    from backbeat.device.ports import NoDevice, resolve_port

    try:
        return resolve_port(port)
    except NoDevice as e:
        _fail(str(e))
        raise


def describe(port: str, timeout: float = 0.5) -> dict[str, object]:
    """What `backbeat devices` says about the device on `port`, asked over the link."""
    from backbeat.device.link import LinkClient, LinkError
    from backbeat.device.serialport import SerialPort

    out: dict[str, object] = {"port": port}
    try:
        with SerialPort(port) as sp:
            c = LinkClient(sp, timeout=timeout, tries=2)
            h = c.hello(0)
            routines = c.info()
            waiting = [] if h.busy else c.list_sessions(h.acked + 1)
    except LinkError as e:
        out["error"] = str(e)
        return out
    out.update({
        "uid": h.uid, "board": h.board, "micropython": h.micropython, "firmware": h.firmware,
        "busy": h.busy, "routines": [r.name for r in routines if r.ok],
        "bad_routines": [f"{r.name}: {r.error}" for r in routines if not r.ok],
        "sessions_waiting": None if h.busy else len(waiting),
    })
    return out


def session_running(port: str) -> bool:
    """True when the app on `port` answers that a session runs (False when it does not
    answer at all: no app to disturb)."""
    from backbeat.device.link import LinkClient, LinkError
    from backbeat.device.serialport import SerialPort

    try:
        with SerialPort(port) as sp:
            return LinkClient(sp, timeout=0.5, tries=1).hello(0).busy
    except LinkError:
        return False


def register(main: click.Group) -> None:
    """Add the device commands to the CLI group."""

    @main.command()
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    def devices(as_json: bool) -> None:
        """List connected Picos (USB vendor 0x2E8A) and running virtual devices."""
        from backbeat.device.ports import find_devices

        found = find_devices()
        rows = []
        for f in found:
            d = describe(f.port)
            d["kind"] = f.kind
            d["serial_number"] = f.serial_number
            rows.append(d)
        if as_json:
            click.echo(json.dumps(rows, indent=1))
            return
        if not rows:
            click.echo("no device found (plug in a Pico with MicroPython, or run backbeat emulate)")
            return
        for d in rows:
            click.echo(f"{d['port']}  {d['kind']}  {d['serial_number']}")
            if "error" in d:
                click.echo(f"  not answering: {d['error']}")
                continue
            click.echo(f"  {d['board']}, MicroPython {d['micropython']}, firmware {d['firmware']}, "
                       f"id {d['uid']}")
            names = d["routines"]
            assert isinstance(names, list)
            click.echo(f"  routines ({len(names)}): {', '.join(names) or 'none'}")
            for bad in d["bad_routines"]:  # type: ignore[attr-defined]
                click.echo(f"  cannot run: {bad}")
            if d["busy"]:
                click.echo("  a session is running")
            else:
                click.echo(f"  sessions waiting to be synced: {d['sessions_waiting']}")

    @main.command()
    @_port_option
    @click.option("--firmware", "firmware_dir", type=click.Path(file_okay=False, exists=True),
                  default=str(ROOT / "firmware"), show_default=True, help="Firmware folder.")
    @click.option("--level", type=click.IntRange(min=0, max=65535), default=0, show_default=True,
                  help="Progression level the routines are compiled at.")
    @_db_option
    @click.argument("routines", nargs=-1, type=click.Path())
    def flash(port: str, firmware_dir: str, level: int, db_path: str | None,
              routines: tuple[str, ...]) -> None:
        """Install the firmware and ROUTINES (YAML files; the library when none) on the device.

        Only files that changed are sent; the device switches to the new set at once,
        so a cut leaves the old set or the new one, never a mix.
        """
        from backbeat.compiling import archive_compiled, compile_files
        from backbeat.device.flasher import FlashError
        from backbeat.device.flasher import flash as do_flash

        paths = list(routines) or [str(p) for p in sorted((ROOT / "routines").glob("*.yaml"))]
        compiled, errors = compile_files(paths, level)
        for message in errors:
            click.echo(message, err=True)
        if errors:
            _fail(f"{count(len(errors), 'routine error')}, nothing flashed", 2)
        bbrs = {c.file_name[:-4]: c.data for c in compiled}
        target = _resolve(port)
        # Archived before they are sent: a session may run them the moment they arrive.
        warning = archive_compiled(compiled, db_path, "flashed")
        if warning:
            click.echo(warning, err=True)
        if session_running(target):
            _fail(f"a session is running on {target}: flash once it has ended (a flash would "
                  "stop it)")
        with click.progressbar(length=1, label=f"flashing {target}", file=sys.stderr) as bar:
            def progress(done: int, total: int) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            try:
                res = do_flash(target, Path(firmware_dir), bbrs, progress)
            except FlashError as e:
                _fail(str(e))
                raise
        if res.switched or res.removed:
            click.echo(f"flashed {target}: firmware {res.version}, {count(len(bbrs), 'routine')}; "
                       f"{count(res.switched, 'file')} replaced ({res.staged_bytes} bytes sent), "
                       f"{res.removed} removed")
        else:
            click.echo(f"{target} is up to date (firmware {res.version}, "
                       f"{count(len(bbrs), 'routine')}): nothing sent")

    @main.command()
    @_port_option
    @_db_option
    def sync(port: str, db_path: str | None) -> None:
        """Pull new sessions from the device into the database, then let the device free them."""
        from backbeat.device.link import LinkClient, LinkError
        from backbeat.device.serialport import SerialPort
        from backbeat.device.sync import SyncError, sync_device

        target = _resolve(port)
        store = _open_store(db_path)
        try:
            with SerialPort(target) as sp:
                res = sync_device(LinkClient(sp), store, int(time.time()))
        except (LinkError, SyncError) as e:
            _fail(str(e))
            raise
        except sqlite3.Error as e:
            _fail(f"{store.path}: database error ({e}); nothing was acknowledged, so the device "
                  "keeps every record (hint: close the program holding the database, then sync "
                  "again)")
            raise
        finally:
            store.close()
        click.echo(f"synced {target} (device {res.uid}): {count(res.new_sessions, 'new session')}, "
                   f"{count(res.new_records, 'new record')}; acknowledged up to record {res.acked}")
        if res.fetched:
            click.echo(f"fetched from the device: {', '.join(res.fetched)}")
        if res.missing:
            click.echo(f"warning: neither this computer nor the device has {', '.join(res.missing)}"
                       ": the sessions that ran it are stored, without exercise names (hint: "
                       "compile or flash that routine's YAML here and they are named)", err=True)

    @main.command()
    @_db_option
    @click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, metavar="DATE",
                  help="Only sessions from this day on (YYYY-MM-DD, local time).")
    @click.option("--routine", default=None, metavar="ROUTINE",
                  help="Only sessions of this routine (its id or its name).")
    @click.option("--device", default=None, metavar="UID", help="Only sessions of this device.")
    @click.option("--json", "as_json", is_flag=True, help="Print every field as JSON.")
    def sessions(db_path: str | None, since: datetime | None, routine: str | None,
                 device: str | None, as_json: bool) -> None:
        """List synced sessions: when, which routine, and each exercise done.

        Reads the database only: a missing one is not created.
        """
        from backbeat.sessions import select, session_text
        from backbeat.store import default_db_path

        path = Path(db_path) if db_path else default_db_path()
        if not path.exists():
            click.echo("[]" if as_json else f"no sessions yet: no database at {path} "
                       "(run backbeat sync)")
            return
        with reading_store(path) as store:
            found = select(store.sessions(), since.date() if since else None, routine, device)
            devices = store.devices()
        if as_json:
            click.echo(json.dumps([s.as_json() for s in found], indent=1))
            return
        if not found:
            click.echo("no sessions match" if since or routine or device else
                       "no sessions yet (run backbeat sync)")
            return
        for i, s in enumerate(found):
            if i:
                click.echo("")
            for line in session_text(s, with_device=len(devices) > 1):
                click.echo(line)
