# Test data, scratch files and memory use for firmware tests, the same call under CPython
# and MicroPython.
#
#   data_path("golden/bbr/x.bbr")  -> tests/golden/bbr/x.bbr (under MicroPython the
#                                     runner copies tests/golden and tests/data there)
#   scratch_dir("logbook")         -> an empty directory of its own for the test to write in
#   allocated(fn, *args)           -> (bytes fn(*args) allocates, what it returns)
#   heap_locked(fn)                -> fn() run with MicroPython's heap locked (False: CPython)

import gc
import os
import sys

# tests/, from this file's place in tests/firmware/ (the same under both interpreters).
TESTS_DIR = __file__.replace("\\", "/").rsplit("/", 2)[0]
MICROPYTHON = sys.implementation.name == "micropython"


def data_path(rel):
    """The path of tests/<rel>, e.g. data_path("golden/bbr/x.bbr")."""
    return TESTS_DIR + "/" + rel.lstrip("/")


def _rmtree(path):
    for entry in os.listdir(path):
        full = path + "/" + entry
        if os.stat(full)[0] & 0x4000:
            _rmtree(full)
        else:
            os.remove(full)
    os.rmdir(path)


def _exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def scratch_dir(name):
    """A fresh, empty directory named after `name`; whatever it held before is removed."""
    if MICROPYTHON:
        base = "/tmp/bbtest"
    else:
        import tempfile

        base = tempfile.gettempdir().replace("\\", "/") + "/bbtest-%d" % os.getpid()
    if not _exists(base):
        os.mkdir(base)
    path = base + "/" + name
    if _exists(path):
        _rmtree(path)
    os.mkdir(path)
    return path


def allocated(fn, *args):
    """What fn(*args) allocates, in bytes, and what it returns.

    MicroPython: every byte it allocates (the collector off, garbage counted too, which
    is what the WebAssembly port cannot collect while the firmware runs). CPython: the
    peak of what it holds at once (tracemalloc).
    """
    if hasattr(gc, "mem_alloc"):
        gc.disable()
        try:
            before = gc.mem_alloc()
            out = fn(*args)
            used = gc.mem_alloc() - before
        finally:
            gc.enable()
        return used, out
    import tracemalloc

    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        out = fn(*args)
        used = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        gc.enable()
    return used, out


def heap_locked(fn):
    """Run fn with the heap locked (MicroPython: any allocation raises MemoryError).
    Returns False where there is no heap lock to use (CPython)."""
    import micropython

    lock = getattr(micropython, "heap_lock", None)
    if lock is None:
        return False
    lock()
    try:
        fn()
    finally:
        micropython.heap_unlock()
    return True
