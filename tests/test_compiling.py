"""Compiling routine files to .bbr: one file per routine, errors as check reports them."""

from __future__ import annotations

from pathlib import Path

from backbeat.codec.bbr import decode
from backbeat.compiling import compile_files, write_compiled

GOLDEN = Path(__file__).parent / "golden" / "bbr"
EXAMPLE = GOLDEN / "example.yaml"
TINY = GOLDEN / "tiny.yaml"
PROGRESSION = GOLDEN / "progression.yaml"


def test_compile_files__each_routine_gives_its_golden_bytes():
    compiled, errors = compile_files([EXAMPLE, TINY])
    assert errors == []
    assert [c.file_name for c in compiled] == ["example.bbr", "tiny.bbr"]
    assert compiled[0].data == (GOLDEN / "example.bbr").read_bytes()
    assert compiled[1].data == (GOLDEN / "tiny.bbr").read_bytes()
    assert compiled[0].summary() == "example: 53 segments, 16m34s total, 1462 bytes"
    assert compiled[1].summary() == "tiny: 1 segment, 1m total, 89 bytes"


def test_compile_files__at_a_level():
    (compiled,), errors = compile_files([PROGRESSION], level=3)
    assert errors == []
    assert compiled.data == (GOLDEN / "progression.bbr").read_bytes()
    assert decode(compiled.data)["level"] == 3
    (level0,), _ = compile_files([PROGRESSION], level=0)
    assert decode(level0.data)["level"] == 0
    assert level0.timeline.total_ms < compiled.timeline.total_ms


def test_compile_files__every_error_of_every_file(tmp_path):
    short = tmp_path / "short.yaml"
    short.write_text("name: x\nsteps:\n  - exercise: a\n    hold: 0.5s\n")
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("name: x\nsteps:\n  - exercise: a\n    hold: 5s\n    colour: red\n")
    missing = tmp_path / "missing.yaml"
    compiled, errors = compile_files([short, TINY, missing, unknown])
    assert [c.file_name for c in compiled] == ["tiny.bbr"]
    assert errors[0] == f"{short}:4:11: error: hold is 500ms, shorter than 1s (hint: make it at least 1s)"
    assert errors[1] == f"{missing}:1:1: error: no such file (hint: check the path and the file name)"
    assert errors[2].startswith(f"{unknown}:5:5: error: ")
    assert "colour" in errors[2]
    assert len(errors) == 3


def test_compile_files__two_files_for_one_name(tmp_path):
    other = tmp_path / "tiny.yaml"
    other.write_text(TINY.read_text())
    compiled, errors = compile_files([TINY, other])
    assert [c.source for c in compiled] == [TINY]
    assert errors == [
        f"{other}:1:1: error: {other} and {TINY} would both compile to tiny.bbr "
        "(hint: rename one of them; the file name is the routine's id)"
    ]


def test_compile_files__a_timeline_the_format_cannot_hold(tmp_path):
    steps = "".join(
        f"  - exercise: e{i}\n    hold: 2s\n    prepare: 0\n    breath: {1 + i // 100}-{1 + (i % 100) / 2}\n"
        for i in range(256)
    )
    path = tmp_path / "many.yaml"
    path.write_text("name: Many patterns\nsteps:\n" + steps)
    compiled, errors = compile_files([path])
    assert compiled == []
    assert errors == [
        f"{path}:1:1: error: the routine does not fit the .bbr format: more than 255 different "
        "breath patterns (hint: make the routine shorter or simpler)"
    ]


def test_write_compiled__files_named_after_the_routines(tmp_path):
    compiled, _ = compile_files([EXAMPLE, TINY])
    out = tmp_path / "a" / "b"
    written = write_compiled(compiled, out)
    assert written == [out / "example.bbr", out / "tiny.bbr"]
    assert sorted(p.name for p in out.iterdir()) == ["example.bbr", "tiny.bbr"]
    assert (out / "tiny.bbr").read_bytes() == (GOLDEN / "tiny.bbr").read_bytes()
    # writing again replaces the files
    (out / "tiny.bbr").write_bytes(b"old")
    write_compiled(compiled, out)
    assert (out / "tiny.bbr").read_bytes() == (GOLDEN / "tiny.bbr").read_bytes()
    assert sorted(p.name for p in out.iterdir()) == ["example.bbr", "tiny.bbr"]
