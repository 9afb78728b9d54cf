# The MicroPython side of tests/mp/runner.mjs: imports test modules, runs test functions
# and snippets, and keeps failures for the runner to fetch.
#
# Every function here is called from JavaScript and returns a small int, so nothing the
# caller needs lives only on the C stack when the port collects garbage on the way back.
# Results that are text go through the global _bb_text.

import gc
import json
import os
import sys


def _bb_gen_fn():
    yield


_bb_gentype = type(_bb_gen_fn())
_bb_mod = None
_bb_gen = None
_bb_exc = None
_bb_text = ""
_bb_src = ""
_bb_cwd = "/"
_bb_heap_full = "MemoryError: the heap was still full when the failure was reported"


def _bb_setup(path_json, cwd):
    global _bb_cwd
    sys.path[0:0] = json.loads(path_json)
    _bb_cwd = cwd
    os.chdir(cwd)
    return 0


def _bb_heap_total():
    gc.collect()
    return gc.mem_alloc() + gc.mem_free()


def _bb_collect():
    gc.collect()
    return 0


def _bb_preload(name):
    try:
        __import__(name)
    except BaseException:  # noqa: B036 - the test module's own import reports it
        return 2
    return 0


def _bb_import(name):
    global _bb_mod, _bb_exc
    _bb_exc = None
    try:
        _bb_mod = __import__(name)
    except BaseException as e:  # noqa: B036 - every failure is reported, SystemExit too
        _bb_exc = e
        return 2
    return 0


def _bb_begin(result):
    global _bb_gen
    if type(result) is _bb_gentype:
        _bb_gen = result
        gc.collect()
        return 1
    return 0


def _bb_start(name):
    global _bb_exc, _bb_gen
    _bb_exc = None
    _bb_gen = None
    fn = getattr(_bb_mod, name, None)
    if fn is None:
        return 3
    os.chdir(_bb_cwd)
    try:
        result = fn()
    except BaseException as e:  # noqa: B036
        _bb_exc = e
        return 2
    return _bb_begin(result)


def _bb_step():
    global _bb_exc, _bb_gen
    try:
        next(_bb_gen)
    except StopIteration:
        _bb_gen = None
        return 0
    except BaseException as e:  # noqa: B036
        _bb_gen = None
        _bb_exc = e
        return 2
    gc.collect()
    return 1


def _bb_exec():
    global _bb_exc, _bb_gen, _bb_src
    _bb_exc = None
    _bb_gen = None
    ns = {"__name__": "__main__"}
    src = _bb_src
    _bb_src = ""
    try:
        exec(src, ns)
    except BaseException as e:  # noqa: B036
        _bb_exc = e
        return 2
    return _bb_begin(ns.get("mp_steps"))


def _bb_format():
    global _bb_exc, _bb_text
    exc = _bb_exc
    _bb_exc = None
    try:
        import io

        buf = io.StringIO()
        sys.print_exception(exc, buf)
        _bb_text = buf.getvalue()
    except MemoryError:
        _bb_text = _bb_heap_full
    gc.collect()
    return 0
