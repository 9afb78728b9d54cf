"""The benchmark runner: every bench_*.py run, figures checked, printed and merged into JSON."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location(
    "bench_run", Path(__file__).parent.parent / "bench" / "run.py")
bench_run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_run)


def bench(directory: Path, area: str, body: str) -> None:
    (directory / f"bench_{area}.py").write_text(f"def run():\n    return {body}\n")


FIG_A = '{"a.speed": {"value": 2.5, "unit": "ms", "compared_with": "nothing"}}'
FIG_B = '{"b.size": {"value": 3, "unit": "bytes", "compared_with": "target at most 4"}}'


def test_main__runs_every_module_and_writes_results(tmp_path, capsys):
    bench(tmp_path, "a", FIG_A)
    bench(tmp_path, "b", FIG_B)
    assert bench_run.main([], tmp_path) == 0
    assert json.loads((tmp_path / "results.json").read_text()) == {
        "a.speed": {"value": 2.5, "unit": "ms", "compared_with": "nothing"},
        "b.size": {"value": 3, "unit": "bytes", "compared_with": "target at most 4"},
    }
    out = capsys.readouterr().out
    assert "a.speed = 2.5 ms  (compared with: nothing)\n" in out
    assert "b.size = 3 bytes  (compared with: target at most 4)\n" in out
    assert f"wrote {tmp_path / 'results.json'} (2 figures)\n" in out


def test_main__one_area_replaces_only_its_figures(tmp_path, capsys):
    bench(tmp_path, "a", FIG_A)
    bench(tmp_path, "b", FIG_B)
    assert bench_run.main([], tmp_path) == 0
    capsys.readouterr()
    bench(tmp_path, "b", FIG_B.replace("3", "1"))
    assert bench_run.main(["b"], tmp_path) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["b.size"]["value"] == 1
    assert results["a.speed"]["value"] == 2.5
    out = capsys.readouterr().out
    assert out.startswith("== b (bench_b.py)\nb.size = 1 bytes")
    assert "== a" not in out


def test_main__a_broken_benchmark_fails_without_hiding_the_others(tmp_path, capsys):
    bench(tmp_path, "a", FIG_A)
    bench(tmp_path, "b", "1 / 0")
    assert bench_run.main([], tmp_path) == 1
    assert list(json.loads((tmp_path / "results.json").read_text())) == ["a.speed"]
    err = capsys.readouterr().err
    assert "ZeroDivisionError" in err
    assert err.endswith("bench: failed: b\n")


def test_main__the_same_metric_from_two_modules(tmp_path, capsys):
    bench(tmp_path, "a", FIG_A)
    bench(tmp_path, "b", FIG_A)
    assert bench_run.main([], tmp_path) == 1
    assert "bench: bench_b.py and bench_a.py both give a.speed" in capsys.readouterr().err


def test_main__unknown_area(tmp_path, capsys):
    bench(tmp_path, "a", FIG_A)
    assert bench_run.main(["zzz"], tmp_path) == 2
    assert capsys.readouterr().err == "bench: no bench_zzz.py (areas: a)\n"
    assert not (tmp_path / "results.json").exists()


@pytest.mark.parametrize(
    "figures, message",
    [
        ({}, "run() returned {}, not a non-empty dict"),
        ([1], "run() returned [1], not a non-empty dict"),
        ({"speed": {"value": 1, "unit": "ms", "compared_with": "x"}},
         "metric 'speed' is not named <area>.<metric>"),
        ({"a.x": {"value": 1, "unit": "ms"}},
         "a.x: {'value': 1, 'unit': 'ms'} is not {value, unit, compared_with}"),
        ({"a.x": {"value": "1", "unit": "ms", "compared_with": "x"}},
         "a.x: value '1' is not a finite number"),
        ({"a.x": {"value": True, "unit": "ms", "compared_with": "x"}},
         "a.x: value True is not a finite number"),
        ({"a.x": {"value": float("nan"), "unit": "ms", "compared_with": "x"}},
         "a.x: value nan is not a finite number"),
        ({"a.x": {"value": 1, "unit": "ms", "compared_with": None}},
         "a.x: unit and compared_with must be strings"),
    ],
)
def test_check_figures__invalid(figures, message):
    with pytest.raises(bench_run.BadFigures) as info:
        bench_run.check_figures(figures)
    assert str(info.value) == message
