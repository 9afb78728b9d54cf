"""Run Python under the real MicroPython (the pinned WebAssembly port) from CPython.

Used by tests/test_firmware_micropython.py and by the benchmarks (bench/ puts this
directory on sys.path and imports mprun):

    out = run_micropython("import engine\\nprint(engine.X)")

Inside, the firmware modules sit at the root of the port's filesystem, as on a Pico's
flash, and "/" is on sys.path. The GC heap is bounded to `heap` bytes (192 KB by
default, like a Pico): an allocation that does not fit raises MemoryError.

This port collects garbage only at safe points (tests/firmware/README.md): gc.collect()
and each return to JavaScript.
Code that allocates more than the heap over its whole run must give it that chance:
bind a generator to `mp_steps` and the runner resumes it until it ends, each `yield`
being a point where garbage is collected (one turn of a main loop, say).
gc.mem_alloc() and gc.mem_free() count the bounded heap.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RUNNER = HERE / "runner.mjs"
FIRMWARE = ROOT / "firmware"
TESTS = ROOT / "tests"
PICO_HEAP = 192 * 1024

# Where things go in the port's filesystem (documented in tests/firmware/README.md).
DEVICE_FIRMWARE = "/"
DEVICE_TESTS = "/tests/firmware"
DEVICE_DATA_DIRS = ("golden", "data")


class MicroPythonError(Exception):
    """The code raised under MicroPython, or the runner itself failed."""

    def __init__(self, message: str, output: str = "", traceback: str = ""):
        super().__init__(message)
        self.output = output
        self.traceback = traceback


def node() -> str:
    found = shutil.which("node")
    if found is None:
        raise MicroPythonError("node (Node.js 20) is needed to run MicroPython: not on PATH")
    return found


def firmware_files() -> list[tuple[str, str]]:
    """[(host path, device path)] for every firmware module, placed at the root."""
    return [(str(p), DEVICE_FIRMWARE + p.name) for p in sorted(FIRMWARE.glob("*.py"))]


def firmware_test_files() -> list[tuple[str, str]]:
    """The firmware tests and their helper modules, and the test data directories."""
    pairs = []
    for p in sorted((TESTS / "firmware").glob("*.py")):
        if p.name in ("conftest.py", "__init__.py"):
            continue
        pairs.append((str(p), DEVICE_TESTS + "/" + p.name))
    for name in DEVICE_DATA_DIRS:
        top = TESTS / name
        if not top.is_dir():
            continue
        for p in sorted(top.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                rel = p.relative_to(TESTS).as_posix()
                pairs.append((str(p), "/tests/" + rel))
    return pairs


def _expand(files) -> list[tuple[str, str]]:
    """files: {device path: host path (file or directory) or bytes} -> [(host, device)]."""
    pairs = []
    if not files:
        return pairs
    scratch = None
    for dev, src in files.items():
        if isinstance(src, (bytes, bytearray)):
            if scratch is None:
                import tempfile

                scratch = Path(tempfile.mkdtemp(prefix="mprun-"))
            host = scratch / str(len(pairs))
            host.write_bytes(bytes(src))
            pairs.append((str(host), dev))
            continue
        src = Path(src)
        if src.is_dir():
            for p in sorted(src.rglob("*")):
                if p.is_file() and "__pycache__" not in p.parts:
                    pairs.append((str(p), dev.rstrip("/") + "/" + p.relative_to(src).as_posix()))
        else:
            pairs.append((str(src), dev))
    return pairs


def run_job(job: dict, timeout: float = 300.0) -> tuple[list[dict], str]:
    """Run one runner job; returns (the JSON events, stderr). A timeout keeps the events so far."""
    proc = subprocess.Popen(
        [node(), str(RUNNER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=str(ROOT),
    )
    try:
        out, err = proc.communicate(json.dumps(job), timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        timed_out = True
    events = []
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                events.append(json.loads(line))
            except ValueError:
                pass
    if timed_out:
        events.append({"event": "timeout", "seconds": timeout})
    return events, err


def run_micropython(
    code: str,
    files: dict | None = None,
    heap: int = PICO_HEAP,
    firmware: bool = True,
    test_data: bool = False,
    timeout: float = 300.0,
    stress: bool = False,
) -> str:
    """Run `code` under MicroPython and return what it printed.

    files: extra {device path: host path (file or directory) or bytes}.
    firmware: put firmware/*.py at the root of the filesystem (on sys.path).
    test_data: also copy the firmware tests' helpers and tests/golden, tests/data.
    stress: every collection fills the freed blocks with 0xa5 (vm/mpport.mjs).
    Raises MicroPythonError (with .output and .traceback) if the code raises.
    """
    pairs = firmware_files() if firmware else []
    if test_data:
        pairs += firmware_test_files()
    pairs += _expand(files)
    job = {
        "heap": heap,
        "files": pairs,
        "path": ["/", DEVICE_TESTS] if test_data else ["/"],
        "cwd": "/",
        "code": code,
        "stress": stress,
    }
    events, err = run_job(job, timeout=timeout)
    for ev in events:
        if ev["event"] == "code":
            if ev["ok"]:
                return ev["output"]
            raise MicroPythonError(
                ev["error"].strip().splitlines()[-1], ev["output"], ev["error"]
            )
    raise MicroPythonError(_runner_failure(events, err))


def _imported(path: Path) -> list[str]:
    """The module names a Python file imports when it is imported (its top-level statements,
    not those inside functions or classes), in the order they appear."""
    names: list[str] = []

    def scan(body: list[ast.stmt]) -> None:
        for st in body:
            if isinstance(st, ast.Import):
                names.extend(a.name.split(".")[0] for a in st.names)
            elif isinstance(st, ast.ImportFrom) and st.module and not st.level:
                names.append(st.module.split(".")[0])
            elif isinstance(st, (ast.If, ast.Try)):
                for part in ("body", "orelse", "finalbody"):
                    scan(getattr(st, part, []))
                for h in getattr(st, "handlers", []):
                    scan(h.body)

    try:
        tree = ast.parse(path.read_text(), str(path))
    except SyntaxError:
        return names  # MicroPython's import says where, as it would without a preload
    scan(tree.body)
    return names


def preload_order(module: str) -> list[str]:
    """The firmware modules and test helpers that tests/firmware/<module>.py imports, directly
    or not, each after the ones it imports itself (the module left out)."""
    local = {p.stem: p for p in sorted(FIRMWARE.glob("*.py"))}
    local.update((p.stem, p) for p in sorted((TESTS / "firmware").glob("*.py")))
    order: list[str] = []
    seen = {module}

    def visit(name: str) -> None:
        for dep in _imported(local[name]):
            if dep in local and dep not in seen:
                seen.add(dep)
                visit(dep)
                order.append(dep)

    visit(module)
    return order


def run_test_module(module: str, names: list[str], heap: int = PICO_HEAP,
                    timeout: float = 300.0) -> tuple[list[dict], str]:
    """Import tests/firmware/<module>.py under MicroPython and run the named functions (the
    modules it imports are imported first, one at a time: see runner.mjs's `preload`)."""
    job = {
        "heap": heap,
        "files": firmware_files() + firmware_test_files(),
        "path": [DEVICE_FIRMWARE, DEVICE_TESTS],
        "cwd": "/",
        "preload": preload_order(module),
        "module": module,
        "tests": names,
    }
    return run_job(job, timeout=timeout)


def _runner_failure(events: list[dict], err: str) -> str:
    for ev in events:
        if ev["event"] == "error":
            return "the MicroPython runner failed: " + ev["error"]
        if ev["event"] == "timeout":
            return f"MicroPython did not finish within {ev['seconds']:g} s"
    tail = err.strip()[-2000:]
    return "the MicroPython runner ended without a result" + (": " + tail if tail else "")


def heap_total(heap: int = PICO_HEAP) -> int:
    """Bytes of GC heap the runner's MicroPython has (allocated plus free)."""
    events, err = run_job({"heap": heap, "files": [], "code": ""})
    for ev in events:
        if ev["event"] == "ready":
            return ev["heap"]
    raise MicroPythonError(_runner_failure(events, err))


if __name__ == "__main__":
    import sys

    src = sys.stdin.read() if len(sys.argv) < 2 else Path(sys.argv[1]).read_text()
    try:
        sys.stdout.write(run_micropython(src, test_data=True))
    except MicroPythonError as exc:
        sys.stdout.write(exc.output)
        sys.stderr.write(exc.traceback or str(exc) + "\n")
        sys.exit(1)
