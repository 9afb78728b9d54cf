"""Firmware tests under CPython: the firmware's view of the world, set up at start.

- firmware/ and tests/firmware/ are put on sys.path, so tests `import engine` and
  their helpers (`import fakes`) as they do under MicroPython;
- tests/firmware/cpython/ provides the `micropython` module (const, kbd_intr);
- time gains ticks_ms/ticks_us/ticks_cpu/ticks_add/ticks_diff/sleep_ms/sleep_us with
  MicroPython's arithmetic (period 2**30, as on the rp2 port), and sys gains
  print_exception;
- a test written as a generator is run to its end (under MicroPython each `yield` lets
  the garbage collector run: see tests/firmware/README.md).
"""

import inspect
import sys
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parent.parent

for _p in (_HERE / "cpython", _HERE, _ROOT / "firmware"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import mpcompat  # noqa: E402 - found through the path set just above

mpcompat.install()


def _in_firmware_tests(collector) -> bool:
    path = getattr(collector, "path", None)
    return path is not None and Path(path).resolve().parent == _HERE


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector, name, obj):
    if (
        _in_firmware_tests(collector)
        and inspect.isgeneratorfunction(obj)
        and collector.funcnamefilter(name)
    ):
        return pytest.Function.from_parent(collector, name=name)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    fn = pyfuncitem.obj
    if not inspect.isgeneratorfunction(fn):
        return None
    args = {a: pyfuncitem.funcargs[a] for a in pyfuncitem._fixtureinfo.argnames}
    for _ in fn(**args):
        pass
    return True
