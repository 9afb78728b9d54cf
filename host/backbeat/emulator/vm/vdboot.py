# Start-up of the virtual Pico, run inside MicroPython before boot.py.
#
# It makes the WebAssembly port look like a Pico to the firmware and to mpremote:
# the emulated flash mounted as the root filesystem with MicroPython's errno
# values and a Pico's capacity, time.sleep* through the device clock, the
# `machine` module, os.uname() and sys.implementation of a Pico (the Pico's gc is
# put in by vm/mpport.mjs).

import gc as _gc
import os
import sys as _sys
import time

import _vd
import machine
import vfs

# Emscripten errno values -> MicroPython's (the Linux numbers).
_ERRNO = {
    63: 1, 44: 2, 27: 4, 29: 5, 8: 9, 6: 11, 48: 12, 2: 13, 10: 16, 20: 17, 75: 18,
    43: 19, 54: 20, 31: 21, 28: 22, 41: 23, 33: 24, 51: 28, 70: 29, 69: 30, 37: 36,
    55: 39, 32: 40, 52: 38,
}

_BLOCK = 4096


def _mp_error(e):
    n = e.args[0] if e.args else 0
    return OSError(_ERRNO.get(n, n))


def _join(cwd, path):
    if not path.startswith("/"):
        path = cwd.rstrip("/") + "/" + path
    parts = []
    for p in path.split("/"):
        if p == "" or p == ".":
            continue
        if p == "..":
            if parts:
                parts.pop()
            continue
        parts.append(p)
    return "/" + "/".join(parts)


def _listing(p, entries):
    # The entries one at a time, each with its size, making little garbage: os.listdir
    # takes them from C, which holds the list it builds where the collector cannot see
    # it, so no garbage may be collected in here (_vd.fs_size is no safe point).
    for name, kind, _ in entries:
        yield (name, kind, 0, _vd.fs_size(p + "/" + name) if kind == 0x8000 else 0)


class FlashVfs:
    """The flash as a Pico's root filesystem, kept in /flash of the port's memory FS."""

    def __init__(self, root):
        # Paths are joined here: VfsPosix(root).rename() would join both paths in one
        # buffer and rename the new path onto itself.
        self._v = vfs.VfsPosix()
        self._root = root
        self._cwd = "/"

    def mount(self, readonly, mkfs):
        pass

    def umount(self):
        pass

    def _p(self, path):
        return self._root + _join(self._cwd, path).rstrip("/")

    def open(self, path, mode):
        try:
            return self._v.open(self._p(path), mode)
        except OSError as e:
            raise _mp_error(e) from None

    def ilistdir(self, path):
        p = self._p(path)
        try:
            entries = sorted(self._v.ilistdir(p))  # littlefs lists names in order
        except OSError as e:
            raise _mp_error(e) from None
        return _listing(p, entries)

    def stat(self, path):
        try:
            return self._v.stat(self._p(path))
        except OSError as e:
            raise _mp_error(e) from None

    def statvfs(self, path):
        total, free = _vd.fs_blocks()
        return (_BLOCK, _BLOCK, total, free, free, 0, 0, 0, 0, 255)

    def remove(self, path):
        try:
            self._v.remove(self._p(path))
        except OSError as e:
            raise _mp_error(e) from None

    def rename(self, old, new):
        try:
            self._v.rename(self._p(old), self._p(new))
        except OSError as e:
            raise _mp_error(e) from None

    def mkdir(self, path):
        try:
            self._v.mkdir(self._p(path))
        except OSError as e:
            raise _mp_error(e) from None

    def rmdir(self, path):
        try:
            self._v.rmdir(self._p(path))
        except OSError as e:
            raise _mp_error(e) from None

    def chdir(self, path):
        try:
            st = self._v.stat(self._p(path))
        except OSError as e:
            raise _mp_error(e) from None
        if not st[0] & 0x4000:
            raise OSError(20)
        self._cwd = _join(self._cwd, path)

    def getcwd(self):
        return self._cwd

    def __repr__(self):
        return "<VfsFlash>"


class _Uname:
    def __init__(self):
        self.sysname = "rp2"
        self.nodename = "rp2"
        self.release = "1.27.0"
        self.version = "v1.27.0 on backbeat virtual device"
        self.machine = "Raspberry Pi Pico with RP2040"

    def __getitem__(self, i):
        return (self.sysname, self.nodename, self.release, self.version, self.machine)[i]

    def __len__(self):
        return 5

    def __repr__(self):
        return ("(sysname='rp2', nodename='rp2', release='1.27.0', version='" + self.version
                + "', machine='" + self.machine + "')")


_UNAME = _Uname()


def _uname():
    return _UNAME


class _Implementation:
    name = "micropython"
    version = (1, 27, 0, "")
    _machine = "Raspberry Pi Pico with RP2040"
    # A Pico's: .mpy version 6.3 with the armv6m architecture.
    _mpy = 6 | 3 << 8 | 4 << 10

    def __getitem__(self, i):
        return (self.name, self.version, self._machine, self._mpy)[i]

    def __len__(self):
        return 4

    def __repr__(self):
        return ("(name='micropython', version=(1, 27, 0, ''), _machine='" + self._machine
                + "', _mpy=" + str(self._mpy) + ")")


def _print_exception(e, name):
    # The traceback as the board prints it: without the virtual device's own frames.
    import io

    buf = io.StringIO()
    _sys.print_exception(e, buf)
    for line in buf.getvalue().split("\n")[:-1]:
        if line.startswith('  File "/vd/'):
            continue
        print(line.replace('"<string>"', '"' + name + '"'))


def run_file(name):
    """Run a file of the flash as the board does at start-up; 1 asks for a soft reset."""
    try:
        os.stat(name)
    except OSError:
        return 0
    import micropython

    import __main__

    # Ctrl-C interrupts a script the board runs at start-up (as pyexec sets it up).
    micropython.kbd_intr(3)
    try:
        with open(name) as f:
            src = f.read()
        exec(src, __main__.__dict__)
    except SystemExit:
        return 1
    except BaseException as e:  # noqa: B036 - the board prints every uncaught exception
        try:
            _print_exception(e, name)
        except MemoryError:
            _sys.print_exception(e)  # the heap is full: print as it comes, no copy
    finally:
        micropython.kbd_intr(-1)
    return 0


def setup():
    _sys.modules["machine"] = machine
    time.sleep_ms = machine._sleep_ms
    time.sleep_us = machine._sleep_us
    time.sleep = machine._sleep_s
    os.uname = _uname
    # sys as a Pico shows it; everything else is the port's own object.
    import vdsys

    vdsys.implementation = _Implementation()
    _sys.modules["sys"] = vdsys
    import vdselect

    _sys.modules["select"] = vdselect
    vfs.umount("/")
    vfs.mount(FlashVfs("/flash"), "/")
    os.chdir("/")
    _sys.path.clear()
    _sys.path.extend(("", ".frozen", "/lib"))
    _gc.collect()
