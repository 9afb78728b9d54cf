"""The demo: the library checked, compiled, read back, and one routine's dry run shown."""

from __future__ import annotations

import shutil
from pathlib import Path

from backbeat.codec.bbr import decode
from backbeat.demo import expected_read_back, main, read_back
from backbeat.routine import load_routine

GOLDEN = Path(__file__).parent / "golden" / "bbr"


def library(tmp_path: Path, *names: str) -> Path:
    routines = tmp_path / "routines"
    routines.mkdir()
    for name in names:
        shutil.copy(GOLDEN / f"{name}.yaml", routines / f"{name}.yaml")
    return routines


def test_demo__checks_compiles_and_shows_the_shortest(tmp_path, capsys):
    routines = library(tmp_path, "example", "counts", "tiny")
    out = tmp_path / "build"
    assert main(["--routines", str(routines), "--out", str(out)]) == 0
    stdout, stderr = capsys.readouterr()
    assert stderr == ""
    lines = stdout.splitlines()
    assert lines[:9] == [
        f"== backbeat check {routines}/*.yaml",
        "3 files ok",
        "",
        f"== backbeat compile {routines}/*.yaml -o {out}",
        "counts     8 segments   3m22.5s    357 B  Side to side",
        "example   53 segments    16m34s   1462 B  Lower back, easy",
        "tiny       1 segment         1m     89 B  One",
        "3 files, 1908 bytes; each one read back, checked and equal to its timeline",
        "",
    ]
    assert lines[9] == f"== backbeat show {routines / 'tiny.yaml'}"
    assert lines[10] == "One (level 0)"
    assert lines[-1] == "total 1m (60000 ms), 1 segment"
    for name in ("example", "counts", "tiny"):
        assert (out / f"{name}.bbr").read_bytes() == (GOLDEN / f"{name}.bbr").read_bytes()


def test_demo__show_a_chosen_routine(tmp_path, capsys):
    routines = library(tmp_path, "example", "tiny")
    assert main(["--routines", str(routines), "--out", str(tmp_path / "o"), "--show", "example"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "total 16m34s (994000 ms), 53 segments"
    assert "Lower back, easy (level 0)" in lines


def test_demo__unknown_routine_to_show(tmp_path, capsys):
    routines = library(tmp_path, "tiny")
    assert main(["--routines", str(routines), "--out", str(tmp_path / "o"), "--show", "x"]) == 2
    assert capsys.readouterr().err == f"--show: error: no routine 'x' in {routines}\n"


def test_demo__stops_on_errors_and_writes_nothing(tmp_path, capsys):
    routines = library(tmp_path, "tiny")
    (routines / "bad.yaml").write_text("name: x\nsteps:\n  - exercise: a\n    hold: 0.5s\n")
    out = tmp_path / "o"
    assert main(["--routines", str(routines), "--out", str(out)]) == 2
    stdout, stderr = capsys.readouterr()
    assert stderr == (
        f"{routines / 'bad.yaml'}:4:11: error: hold is 500ms, shorter than 1s "
        "(hint: make it at least 1s)\n"
    )
    assert "== backbeat compile" not in stdout
    assert not out.exists()


def test_demo__no_routines(tmp_path, capsys):
    assert main(["--routines", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.startswith(f"{tmp_path}: error: no routines (*.yaml) here")


def test_read_back__equals_the_timeline_with_stored_names():
    timeline = load_routine(GOLDEN / "breath-shapes.yaml")
    decoded = decode((GOLDEN / "breath-shapes.bbr").read_bytes())
    assert read_back(decoded) == expected_read_back(timeline)
    assert read_back(decoded)["name"] == "Breathing in 3\nand 4 phases"
    assert read_back(decoded) != timeline.dry_run()
