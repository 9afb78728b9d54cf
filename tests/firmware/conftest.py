"""Firmware tests under CPython: the firmware's view of the world, set up at start.

- firmware/ and tests/firmware/ are put on sys.path, so tests `import engine` and
  their helpers (`import fakes`) as they do under MicroPython;
- tests/firmware/cpython/ provides the `micropython` module (const, kbd_intr) and
  `framebuf`;
- time gains ticks_ms/ticks_us/ticks_cpu/ticks_add/ticks_diff/sleep_ms/sleep_us with
  MicroPython's arithmetic (period 2**30, as on the rp2 port), and sys gains
  print_exception;
- a test written as a generator is run to its end (under MicroPython each `yield` lets
  the garbage collector run: see tests/firmware/README.md);
- a test module that cannot be imported (a syntax error in it or in the firmware module
  it imports) is one failed test, `<module>.py::<import>`, and the run goes on.
"""

import inspect
import sys
import traceback
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


class ImportFailure(pytest.Item):
    """Stands for a firmware test module that could not be imported."""

    def __init__(self, *, error: str, **kwargs):
        super().__init__(**kwargs)
        self.error = error

    def runtest(self):
        pytest.fail(self.error, pytrace=False)

    def reportinfo(self):
        return self.path, None, "<import>"


class FirmwareTestModule(pytest.Module):
    def collect(self):
        try:
            return super().collect()
        except self.CollectError as exc:
            message = "%s could not be imported:\n%s" % (self.path.name, _explain(exc))
            return [ImportFailure.from_parent(self, name="<import>", error=message)]


def _explain(exc) -> str:
    """The cause of a failed import, as FILE:LINE:COL for a syntax error, else the frames
    of the test and firmware code (not importlib's or pytest's) and the error."""
    cause = exc.__cause__
    if isinstance(cause, SyntaxError):
        where = cause.filename or "?"
        try:
            where = str(Path(where).resolve().relative_to(_ROOT))
        except ValueError:
            pass
        return "%s:%s:%s: %s: %s" % (where, cause.lineno, cause.offset,
                                     type(cause).__name__, cause.msg)
    if cause is None:
        return str(exc)
    frames = [
        f for f in traceback.extract_tb(cause.__traceback__)
        if "importlib" not in f.filename and "_pytest" not in f.filename
    ]
    return "".join(traceback.format_list(frames) + traceback.format_exception_only(cause))


def pytest_pycollect_makemodule(module_path, parent):
    if Path(module_path).resolve().parent == _HERE and module_path.name.startswith("test_"):
        return FirmwareTestModule.from_parent(parent, path=module_path)
    return None
