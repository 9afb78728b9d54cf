"""Run the benchmarks: every bench/bench_*.py, each figure printed, all of them in bench/results.json.

Usage: python bench/run.py [AREA...]   (AREA is the part after bench_, e.g. compile)

Each bench module defines run() -> {metric: {"value": number, "unit": str,
"compared_with": str}}. With areas named, only those run and their figures
replace the same metrics in an existing results.json; without, every module
runs and results.json is written afresh.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


class BadFigures(Exception):
    """A bench module returned something that is not a dict of figures."""


def load_module(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_figures(figures) -> dict:
    """``figures`` if it is a dict of well-formed figures named ``area.metric``."""
    if not isinstance(figures, dict) or not figures:
        raise BadFigures(f"run() returned {figures!r}, not a non-empty dict")
    for name, figure in figures.items():
        if not isinstance(name, str) or "." not in name.strip("."):
            raise BadFigures(f"metric {name!r} is not named <area>.<metric>")
        if not isinstance(figure, dict) or set(figure) != {"value", "unit", "compared_with"}:
            raise BadFigures(f"{name}: {figure!r} is not {{value, unit, compared_with}}")
        value = figure["value"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise BadFigures(f"{name}: value {value!r} is not a finite number")
        if not isinstance(figure["unit"], str) or not isinstance(figure["compared_with"], str):
            raise BadFigures(f"{name}: unit and compared_with must be strings")
    return figures


def shown(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    return f"{value:.4g}"


def main(argv: list[str], directory: Path = HERE) -> int:
    results_path = directory / "results.json"
    paths = sorted(directory.glob("bench_*.py"))
    areas = [p.stem[len("bench_") :] for p in paths]
    wanted = argv or areas
    unknown = sorted(set(wanted) - set(areas))
    if unknown:
        print(f"bench: no bench_{unknown[0]}.py (areas: {', '.join(areas)})", file=sys.stderr)
        return 2
    results: dict = {}
    if argv and results_path.exists():
        results = json.loads(results_path.read_text())
    failed = []
    source: dict[str, str] = {}
    for path, area in zip(paths, areas, strict=True):
        if area not in wanted:
            continue
        print(f"== {area} ({path.name})", flush=True)
        began = time.perf_counter()
        try:
            figures = check_figures(load_module(path).run())
        except Exception:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(area)
            continue
        clash = sorted(name for name in figures if source.get(name, path.name) != path.name)
        if clash:
            print(f"bench: {path.name} and {source[clash[0]]} both give {clash[0]}", file=sys.stderr)
            failed.append(area)
            continue
        for name, figure in figures.items():
            source[name] = path.name
            print(f"{name} = {shown(figure['value'])} {figure['unit']}"
                  f"  (compared with: {figure['compared_with']})")
            results[name] = figure
        print(f"   ({time.perf_counter() - began:.1f} s)")
    results_path.write_text(json.dumps(dict(sorted(results.items())), indent=2) + "\n")
    print(f"wrote {results_path} ({len(results)} figures)")
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
