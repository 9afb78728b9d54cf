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


def _fail(message: str, status: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(status)


def _port_option(f):  # type: ignore[no-untyped-def]
    return click.option("--port", default="auto", show_default=True,
                        help="Serial port of the device, or auto for the one connected.")(f)


def _db_option(f):  # type: ignore[no-untyped-def]
    return click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
                        help="SQLite database [default: $XDG_DATA_HOME/backbeat/backbeat.db].")(f)


def _open_store(db_path: str | None, create: bool = True):  # type: ignore[no-untyped-def]
    """The store, or None when it does not exist and a read-only command asks
    (create=False): reading never makes a database."""
    from backbeat.store import Store, StoreError, default_db_path

    path = Path(db_path) if db_path else default_db_path()
    if not create and not path.exists():
        return None
    try:
        return Store(path)
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
    """What `backbeat devices` says about the device on `port`, asked over the link. One
    that does not answer is told apart by what it sends back: nothing (a backbeat app
    asleep), MicroPython's REPL, or other text (not backbeat)."""
    from backbeat.device.link import LinkClient, LinkError, NoAnswer
    from backbeat.device.serialport import SerialPort

    out: dict[str, object] = {"port": port}
    try:
        with SerialPort(port) as sp:
            c = LinkClient(sp, timeout=timeout, tries=2)
            try:
                h = c.hello(0)
            except NoAnswer as e:
                # What came back, but for our own requests echoed by a terminal.
                said = "\n".join(ln for ln in bytes(c.console).decode("utf-8", "replace")
                                  .splitlines() if ln.strip() and not ln.startswith("#"))
                out["state"] = "repl" if e.repl else "other" if said else "asleep"
                out["error"] = {
                    "asleep": "asleep: press the button, or backbeat sync wakes it",
                    "repl": "MicroPython's REPL answers, not the backbeat app (hint: backbeat "
                            "flash installs it; backbeat sync starts it again)",
                    "other": f"not backbeat: it sends {said[-60:]!r}",
                }[str(out["state"])]
                return out
            routines = c.info()
            waiting = [] if h.busy else c.list_sessions(h.acked + 1)
    except LinkError as e:
        out["state"], out["error"] = "error", str(e)
        return out
    out.update({
        "state": "busy" if h.busy else "ready",
        "uid": h.uid, "board": h.board, "micropython": h.micropython, "firmware": h.firmware,
        "busy": h.busy, "routines": sorted(r.name for r in routines if r.ok),
        "bad_routines": [f"{r.name}: {r.error}" for r in routines if not r.ok],
        "sessions_waiting": None if h.busy else len(waiting),
    })
    return out


def _routine_paths(routines: tuple[str, ...], folder: str | None) -> list[str]:
    """The YAML files a flash sends: those named, else the --folder (remembered from then
    on), else the remembered folder, else the library."""
    from backbeat.resources import library_dir
    from backbeat.settings import SettingsError, routines_folder, set_routines_folder

    if routines:
        if folder is not None:
            _fail("--folder flashes a folder's routines: name routines or a folder, not both", 2)
        return list(routines)
    try:
        if folder is not None:
            set_routines_folder(Path(folder))
            chosen = Path(folder)
            click.echo(f"{chosen.resolve()} is your routines folder from now on "
                       "(backbeat flash with no routines flashes it)", err=True)
        else:
            mine = routines_folder()
            chosen = mine or library_dir()
            click.echo(f"no routines named: flashing your routines folder {mine}" if mine else
                       f"no routines named: flashing the library ({chosen}; backbeat flash "
                       "--folder DIR flashes your own from now on)", err=True)
    except SettingsError as e:
        _fail(str(e))
        raise
    paths = [str(p) for p in sorted(chosen.glob("*.yaml"))]
    if not paths:
        _fail(f"{chosen}: no routines (*.yaml) there (hint: name YAML files, or set your "
              "folder with backbeat flash --folder DIR)", 2)
    return paths


def _planned_levels(paths: list[str], db_path: str | None):  # type: ignore[no-untyped-def]
    """Routine id -> the levels today's plan gives it from the store."""
    from datetime import date

    from backbeat.planning import plan_files
    from backbeat.store import StoreError

    try:
        return {rid: p.levels for rid, p in plan_files(paths, db_path, date.today()).items()}
    except StoreError as e:
        _fail(str(e))
        raise


def _sources(names: list[str]) -> tuple[dict[str, str], list[str]]:
    """The YAML file of each routine name, looked for in the routines folder and then the
    library, as a flash with no routines named finds them; and the names with none."""
    from backbeat.resources import library_dir
    from backbeat.settings import SettingsError, routines_folder

    try:
        folders = [f for f in (routines_folder(), library_dir()) if f is not None]
    except SettingsError as e:
        _fail(str(e))
        raise
    found: dict[str, str] = {}
    for name in names:
        path = next((f / f"{name}.yaml" for f in folders if (f / f"{name}.yaml").is_file()), None)
        if path is not None:
            found[name] = str(path)
    return found, [n for n in names if n not in found]


def _archived_source(store, crc: int) -> str | None:  # type: ignore[no-untyped-def]
    old = store.routine(crc)
    return old.source if old is not None else None


def _apply_plan(client, store, db_path: str | None, target: str,  # type: ignore[no-untyped-def]
                news: bool) -> None:
    """Send the device's routines whose compiled form today's plan changed, saying what
    changed and why; leave alone those whose YAML is not found here, said when the sync
    brought news and the plan would move something in them."""
    import zlib
    from datetime import date

    from backbeat.compiling import archive_compiled, compile_files
    from backbeat.planning import changes, plan_files, planned_source

    on_device = {r.name: r.crc for r in client.info() if r.ok}
    sources, unknown = _sources(sorted(on_device))
    unknown = [n for n in unknown if planned_source(_archived_source(store, on_device[n]))]
    if unknown and news:
        click.echo(f"left as they are on the device (no YAML for them in your routines folder "
                   f"or the library): {', '.join(unknown)}", err=True)
    plans = plan_files(list(sources.values()), db_path or store.path, date.today())
    compiled, errors = compile_files([sources[rid] for rid in sorted(plans)],
                                     {rid: p.levels for rid, p in plans.items()})
    for message in errors:
        click.echo(f"{message} (that routine is left as it is on the device)", err=True)
    send = [c for c in compiled
            if zlib.crc32(c.data[:-4]) != on_device[c.file_name[:-4]]]
    if not send:
        return  # nothing the plan changed: nothing to say
    # Archived before they are sent: a session may run them the moment they arrive.
    warning = archive_compiled(send, db_path or store.path, "flashed")
    if warning:
        click.echo(warning, err=True)
    for c in send:
        name = c.file_name[:-4]
        old = store.routine(on_device[name])
        said = changes(plans[name], old.levels if old is not None else {}) or [
            "its YAML or an open-hold target changed since it was flashed"]
        client.push(name, c.data)
        click.echo(f"sent {name} to {target}:")
        for change in said:  # one line each: they fit 80 columns
            click.echo(f"  {change}")


def _said_synced(res, target: str) -> None:  # type: ignore[no-untyped-def]
    """What a sync stored and fetched."""
    # Records without a session (the app's start-ups, clock settings) are not news.
    news = (f"{count(res.new_sessions, 'new session')} ({count(res.new_records, 'record')})"
            if res.new_sessions else "no new sessions")
    click.echo(f"synced {target} (device {res.uid}): {news}")  # two lines: 80 columns
    click.echo(f"  acknowledged up to record {res.acked}")
    if res.fetched:
        click.echo(f"fetched from the device: {', '.join(res.fetched)}")
    if res.missing:
        click.echo(f"warning: neither this computer nor the device has {', '.join(res.missing)}"
                   ": the sessions that ran it are stored, without exercise names (hint: "
                   "compile or flash that routine's YAML here and they are named)", err=True)


class _Bar:
    """click's progress bar, drawn only once there is something to send."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar = None  # type: ignore[var-annotated]

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


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
                click.echo(f"  {d['error']}")
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
                  default=None, help="Firmware folder [default: the one backbeat carries].")
    @click.option("--level", type=click.IntRange(min=0, max=65535), default=None,
                  help="Compile every exercise at this level [default: the levels backbeat "
                       "plan gives from the synced sessions; 0 before any].")
    @click.option("--folder", type=click.Path(file_okay=False, exists=True), default=None,
                  help="Flash the routines in this folder, and flash it from now on when no "
                       "routines are named [default: the library, until a folder is set].")
    @click.option("--prune", is_flag=True,
                  help="Also remove the device's routines that this flash does not send.")
    @_db_option
    @click.argument("routines", nargs=-1, type=click.Path())
    def flash(port: str, firmware_dir: str | None, level: int | None, folder: str | None,
              prune: bool,
              db_path: str | None, routines: tuple[str, ...]) -> None:
        """Install the firmware and ROUTINES (YAML files) on the device, keeping its others.

        With no ROUTINES, your routines folder (--folder) or else the library is flashed.
        Each routine is compiled at the levels backbeat plan gives it from the synced
        sessions (gates and open-hold targets applied), unless --level.
        Only files that changed are sent; the device switches to the new set at once, so a
        cut leaves the old set or the new one, never a mix. Routines are removed only with
        --prune (or backbeat rm), and never while their sessions are not yet synced.
        """
        from backbeat.compiling import archive_compiled, compile_files
        from backbeat.device.flasher import FlashError
        from backbeat.device.flasher import flash as do_flash
        from backbeat.resources import firmware_dir as packaged_firmware

        paths = _routine_paths(routines, folder)
        compiled, errors = compile_files(paths, _planned_levels(paths, db_path)
                                         if level is None else level)
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
        bar = _Bar(f"flashing {target}")
        try:
            res = do_flash(target, Path(firmware_dir) if firmware_dir else packaged_firmware(),
                           bbrs, bar, prune=prune)
        except FlashError as e:
            bar.close()
            _fail(str(e))
            raise
        bar.close()
        on = count(len(res.routines), "routine")
        if res.removed:
            click.echo(f"removed from {target}: {', '.join(res.removed)}")
        if res.switched or res.removed:
            click.echo(f"flashed {target}: firmware {res.version}, {on} on the device\n"
                       f"  {count(res.switched, 'file')} replaced ({res.staged_bytes} bytes sent)")
        else:
            click.echo(f"{target} is up to date (firmware {res.version}, {on}): nothing sent")
        if not res.app_started:
            click.echo(f"warning: the app on {target} did not answer after the flash (hint: "
                       "its screen says why; backbeat devices tells more)", err=True)

    @main.command()
    @_port_option
    @click.argument("names", nargs=-1, required=True)
    def rm(port: str, names: tuple[str, ...]) -> None:
        """Remove the routines NAMES (e.g. desk-job) from the device.

        Refused, with nothing removed, for a routine whose sessions are not yet synced
        (run backbeat sync first) and while a session runs.
        """
        from backbeat.device.flasher import (
            AppState,
            FlashError,
            refuse_unsynced,
            routine_names,
            unsynced_sessions,
        )
        from backbeat.device.link import LinkClient, LinkError
        from backbeat.device.serialport import SerialPort

        target = _resolve(port)
        try:
            routine_names(names)
            with SerialPort(target) as sp:
                c = LinkClient(sp)
                h = c.connect(int(time.time()))
                if h.busy:
                    _fail(f"a session is running on {target}: remove routines once it has ended")
                present = {r.name for r in c.info()}
                missing = [n for n in names if n not in present]
                if missing:
                    _fail(f"not on {target}: {', '.join(missing)} (it has "
                          f"{', '.join(sorted(present)) or 'no routines'})", 2)
                refuse_unsynced(names, AppState(unsynced_sessions(c, h.acked)), target)
                for n in names:
                    c.remove(n)
        except (LinkError, FlashError) as e:
            _fail(str(e))
            raise
        click.echo(f"removed from {target}: {', '.join(names)}")

    @main.command()
    @_port_option
    @_db_option
    @click.option("--no-update", is_flag=True,
                  help="Leave the device's routines as they are, whatever the plan says.")
    def sync(port: str, db_path: str | None, no_update: bool) -> None:
        """Pull new sessions from the device into the database, then let the device free them.

        Then the device's routines whose levels, gates or open-hold targets the plan
        changed (see backbeat plan) are compiled again and sent, unless --no-update.
        """
        from backbeat.device.link import LinkClient, LinkError
        from backbeat.device.serialport import SerialPort
        from backbeat.device.sync import SyncError, sync_device
        from backbeat.store import StoreError

        target = _resolve(port)
        store = _open_store(db_path)

        def waking() -> None:
            click.echo(f"waking the app on {target} (asleep or stopped): a few seconds...",
                       err=True)

        try:
            with SerialPort(target) as sp:
                client = LinkClient(sp)
                res = sync_device(client, store, int(time.time()), waking=waking)
                _said_synced(res, target)
                if not no_update:
                    _apply_plan(client, store, db_path, target, res.new_sessions > 0)
        except (LinkError, SyncError, StoreError) as e:
            _fail(str(e))
            raise
        except sqlite3.Error as e:
            _fail(f"{store.path}: database error ({e}); nothing was acknowledged, so the device "
                  "keeps every record (hint: close the program holding the database, then sync "
                  "again)")
            raise
        finally:
            store.close()

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
