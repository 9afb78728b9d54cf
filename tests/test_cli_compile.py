"""Tests of `backbeat compile`: one NAME.bbr per routine, errors as check prints them."""

from __future__ import annotations

from pathlib import Path

from backbeat.cli import main
from click.testing import CliRunner

GOLDEN = Path(__file__).parent / "golden" / "bbr"


def run(*args: str):
    return CliRunner().invoke(main, ["compile", *args], catch_exceptions=False)


def test_compile__writes_one_file_per_routine(tmp_path):
    out = tmp_path / "out"
    result = run(str(GOLDEN / "example.yaml"), str(GOLDEN / "tiny.yaml"), "-o", str(out))
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == (
        f"wrote 2 routines to {out} (NAME.bbr):\n"
        "  example: 53 segments, 16m34s total, 1462 bytes\n"
        "  tiny: 1 segment, 1m total, 89 bytes\n"
    )
    assert (out / "example.bbr").read_bytes() == (GOLDEN / "example.bbr").read_bytes()
    assert (out / "tiny.bbr").read_bytes() == (GOLDEN / "tiny.bbr").read_bytes()


def test_compile__level(tmp_path):
    result = run(str(GOLDEN / "progression.yaml"), "--level", "3", "--output", str(tmp_path))
    assert result.exit_code == 0
    assert (tmp_path / "progression.bbr").read_bytes() == (
        GOLDEN / "progression.bbr").read_bytes()


def test_compile__errors_and_nothing_written(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsteps:\n  - exercise: a\n    hold: 0.5s\n")
    out = tmp_path / "out"
    result = run(str(GOLDEN / "tiny.yaml"), str(bad), str(tmp_path / "none.yaml"), "-o", str(out))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"{bad}:4:11: error: hold is 500ms, shorter than 1s (hint: make it at least 1s)\n"
        f"{tmp_path / 'none.yaml'}:1:1: error: no such file (hint: check the path and the file name)\n"
        "2 errors, nothing written\n"
    )
    assert not out.exists()


def test_compile__output_is_a_file(tmp_path):
    target = tmp_path / "file"
    target.write_text("")
    result = CliRunner().invoke(main, ["compile", str(GOLDEN / "tiny.yaml"), "-o", str(target)])
    assert result.exit_code == 2
    assert "is a file" in result.stderr


def test_compile__output_cannot_be_made(tmp_path):
    (tmp_path / "file").write_text("")
    out = tmp_path / "file" / "sub"
    result = run(str(GOLDEN / "tiny.yaml"), "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == f"{out}: error: cannot write (Not a directory)\n"


def test_compile__needs_files_and_an_output():
    result = CliRunner().invoke(main, ["compile", "-o", "x"])
    assert result.exit_code == 2
    assert "Missing argument 'FILES...'" in result.stderr
    result = CliRunner().invoke(main, ["compile", str(GOLDEN / "tiny.yaml")])
    assert result.exit_code == 2
    assert "Missing option '-o' / '--output'" in result.stderr


def test_compile__keeps_each_routine_in_the_archive(tmp_path):
    from backbeat.store import Store

    db = tmp_path / "a.db"
    result = run(str(GOLDEN / "progression.yaml"), "--level", "3", "-o", str(tmp_path / "o"),
                 "--db", str(db))
    assert result.exit_code == 0 and result.stderr == ""
    data = (GOLDEN / "progression.bbr").read_bytes()
    with Store(db) as store:
        (r,) = store.routines()
    assert (r.bbr, r.routine_id, r.name, r.level, r.origin) == (
        data, "progression", "Building up", 3, "compiled")
    assert r.source == (GOLDEN / "progression.yaml").read_text()
    assert set(r.levels.values()) == {3} and r.levels


def test_compile__an_unusable_database_is_a_warning_and_the_files_are_written(tmp_path):
    db = tmp_path / "bad.db"
    db.write_bytes(b"not sqlite" * 200)
    result = run(str(GOLDEN / "tiny.yaml"), "-o", str(tmp_path / "o"), "--db", str(db))
    assert result.exit_code == 0
    assert result.stderr.startswith(f"warning: the routines were not archived ({db}: cannot use")
    assert (tmp_path / "o" / "tiny.bbr").is_file()


def test_compile__ids_the_device_refuses_are_located_errors(tmp_path):
    body = (GOLDEN / "tiny.yaml").read_text()
    names = ["a b", "ünï", ".", "UPPER", "-dash", "x" * 65]
    paths = []
    for n in names:
        paths.append(tmp_path / f"{n}.yaml")
        paths[-1].write_text(body)
    out = tmp_path / "out"
    result = run(*map(str, paths), "-o", str(out))
    assert result.exit_code == 2
    hint = ("lower-case letters, digits, - and _, at most 64 characters, starting with a "
            "letter or digit, e.g. lower-back")
    assert result.stderr.splitlines() == [
        f"{p}:1:1: error: the file name makes the routine id {n!r}, which the device does not "
        f"accept (hint: rename the file: {hint})" for p, n in zip(paths, names, strict=True)
    ] + ["6 errors, nothing written"]
    assert not out.exists()


def test_compile__a_write_error_names_the_file_not_its_temporary(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "tiny.bbr").mkdir()  # the .bbr cannot replace a directory
    result = run(str(GOLDEN / "tiny.yaml"), "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == f"{out / 'tiny.bbr'}: error: cannot write (Is a directory)\n"
    assert sorted(p.name for p in out.iterdir()) == ["tiny.bbr"]
