"""The firmware's unit tests that need no fakes (the .bbr reader, the link's base64
encoders and the log reader's record copy with the machine code the port compiles, and the test harness's own helpers; the engine's are left to the WebAssembly port, as their 2000-segment
routines take minutes of emulated CPU here), run again on the real rp2 port in the emulated RP2040: the
modules, the tests and their golden files are copied to a blank Pico with mpremote, and
tests/mp/driver.py (the WebAssembly runner's MicroPython side) runs each test function
there. Each becomes one test here, named <module>.<function>."""

from __future__ import annotations

import ast
import json

import pytest
from rp2rig import ROOT, TIMEOUT, Rp2, blank_pico, need_rp2

TESTS = ROOT / "tests"
MODULES = ("test_bbr", "test_harness", "test_b64native")
# What they import and read, at their places under /tests as testdata.data_path() finds
# them; the firmware modules at the root.
FILES = [(ROOT / "firmware" / f, f) for f in ("bbr.py", "link.py", "logbook.py", "b64native.py")] + [
    (TESTS / "mp" / "driver.py", "driver.py"),
    *((TESTS / "firmware" / f, "tests/firmware/" + f)
      for f in ("testdata.py", "bbrmake.py", *(m + ".py" for m in MODULES))),
    *((p, "tests/golden/bbr/" + p.name) for p in sorted((TESTS / "golden" / "bbr").glob("*"))
      if p.is_file()),
    *((p, "tests/golden/bbr/corrupt/" + p.name)
      for p in sorted((TESTS / "golden" / "bbr" / "corrupt").glob("*"))),
    (TESTS / "golden" / "log" / "session.log", "tests/golden/log/session.log"),
]
DIRS = ("tmp", "tests", "tests/firmware", "tests/golden", "tests/golden/bbr",
        "tests/golden/bbr/corrupt", "tests/golden/log")

# Runs every test function of the modules with driver.py; one JSON line per test.
RUN = """
import json, driver as d
d._bb_setup(json.dumps(["/tests/firmware", "/"]), "/")
for mod, names in json.loads(%r):
    if d._bb_import(mod):
        d._bb_format()
        print(json.dumps([mod, "<import>", d._bb_text]))
        continue
    for n in names:
        r = d._bb_start(n)
        while r == 1:
            r = d._bb_step()
        text = ""
        if r:
            d._bb_format()
            text = d._bb_text or "missing"
        print(json.dumps([mod, n, text]))
"""


def _names(module: str) -> list[str]:
    tree = ast.parse((TESTS / "firmware" / f"{module}.py").read_text())
    return [n.name for n in tree.body
            if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]


PLAN = [(m, _names(m)) for m in MODULES]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    need_rp2()
    with Rp2(blank_pico(tmp_path_factory.mktemp("rp2"))) as pico:
        mk = f"import os\nfor d in {DIRS!r}:\n    os.mkdir(d)"
        pico.mpremote("exec", mk)
        cp = []
        for host, dev in FILES:
            cp += ["cp", str(host), ":" + dev, "+"]
        pico.mpremote(*cp[:-1], timeout=TIMEOUT * 2)
        out = pico.mpremote("exec", RUN % json.dumps(PLAN), timeout=TIMEOUT * 3)
    got = {}
    for line in out.splitlines():
        mod, name, text = json.loads(line)
        got[f"{mod}.{name}"] = text
    return got


@pytest.mark.parametrize("test", [f"{m}.{n}" for m, names in PLAN for n in names])
def test_on_the_real_port(results, test):
    assert f"{test.split('.')[0]}.<import>" not in results, results
    assert test in results, f"{test} did not run on the rp2 port"
    assert results[test] == "", results[test]
