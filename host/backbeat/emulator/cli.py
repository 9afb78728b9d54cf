"""The `backbeat emulate` command: a virtual Pico running the firmware in DIR."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click


def default_flash_dir() -> Path:
    """$XDG_DATA_HOME/backbeat/virtual-flash (~/.local/share when XDG_DATA_HOME is not set)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "backbeat" / "virtual-flash"


@click.command()
@click.option("--flash", "flash_dir", type=click.Path(file_okay=False), default=None,
              help="The emulated flash: its files survive restarts "
                   "[default: $XDG_DATA_HOME/backbeat/virtual-flash].")
@click.option("--speed", type=click.FloatRange(min=0.001, max=1000), default=1.0,
              show_default=True, help="Run the device's clock this many times faster.")
@click.option("--snapshot", type=click.Path(dir_okay=False), default=None,
              help="Write the screen to this PNG file when the device stops.")
@click.option("--board", type=click.Choice(["wasm", "rp2040"]), default="wasm",
              show_default=True,
              help="wasm: MicroPython's WebAssembly port; rp2040: the real rp2 port "
                   "(--uf2) on an emulated RP2040 (rp2040js, --bootrom).")
@click.option("--uf2", type=click.Path(dir_okay=False), default=None,
              help="rp2040: MicroPython's firmware for the Pico (RPI_PICO .uf2).")
@click.option("--bootrom", type=click.Path(dir_okay=False), default=None,
              help="rp2040: the RP2040's boot ROM image (16 KB).")
@click.option("--rtc/--no-rtc", default=True, show_default=True,
              help="Fit the battery-backed clock chip (it keeps real time at any --speed; "
                   "--board wasm only).")
def emulate(flash_dir: str | None, speed: float, snapshot: str | None, board: str,
            uf2: str | None, bootrom: str | None, rtc: bool) -> None:
    """Run the firmware stored in the flash DIR on a virtual Pico (--board wasm: the
    WebAssembly port; --board rp2040: MicroPython's Pico firmware on an emulated RP2040).

    The first line printed is `port: /dev/pts/N`, a serial port that behaves like
    the Pico's USB serial (mpremote and backbeat flash/sync work against it). On a
    terminal the screen is drawn live (space = short press, enter = long press,
    d = double press, q = quit); otherwise commands are read one per line: press,
    long, double, hold, release, wait 1.5s, until TEXT, screen, picture,
    snapshot FILE.png, reset, quit.
    """
    from backbeat.device.ports import advertise, withdraw
    from backbeat.emulator import console
    from backbeat.emulator.device import EmulatorError, Rp2040Board, VirtualDevice

    chip = None
    if board == "rp2040":
        if not uf2 or not bootrom:
            click.echo("error: --board rp2040 needs --uf2 FILE and --bootrom FILE "
                       "(hint: MicroPython's RPI_PICO .uf2 and the RP2040 boot ROM)", err=True)
            raise SystemExit(2)
        chip = Rp2040Board(Path(uf2), Path(bootrom))
    elif uf2 or bootrom:
        click.echo("error: --uf2 and --bootrom are for --board rp2040", err=True)
        raise SystemExit(2)
    flash = Path(flash_dir) if flash_dir else default_flash_dir()
    dev = VirtualDevice(flash, speed, board=chip, rtc=rtc)
    try:
        port = dev.start()
    except (EmulatorError, OSError) as e:
        click.echo(f"error: {e}", err=True)
        raise SystemExit(1) from None
    click.echo(f"port: {port}")
    sys.stdout.flush()
    if not (flash / "main.py").is_file() and sys.stdin.isatty():
        click.echo(f"the virtual device is blank (no firmware in {flash}): flash it from "
                   f"another terminal with `backbeat flash --port {port}`", err=True)
    ad = advertise(port, str(flash.resolve()))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    stopped = interrupted = False
    try:
        stopped = not console.run(dev)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        withdraw(ad)
        if snapshot:
            console.write_snapshot(dev.state.frame, Path(snapshot))
        dev.close()
    if interrupted:
        raise SystemExit(130)
    if stopped:
        click.echo("error: the virtual device stopped (hint: see the messages above; "
                   "is Node.js 20 installed?)", err=True)
        raise SystemExit(1)


def register(group: click.Group) -> None:
    group.add_command(emulate)
