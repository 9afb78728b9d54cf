"""Tests of `backbeat check`: every error of every file on stderr, exit 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from backbeat.cli import main
from click.testing import CliRunner

SPEC_EXAMPLE = str(Path(__file__).parent / "data" / "spec_example.yaml")


def run(*args: str):
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


def test_check__good_file():
    result = run(SPEC_EXAMPLE)
    assert result.exit_code == 0
    assert result.stdout == "1 file ok\n"
    assert result.stderr == ""


def test_check__needs_a_file():
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 2
    assert "Missing argument 'FILES...'" in result.stderr


BROKEN = [
    pytest.param(
        b"\x00\x01\x02\xff\xfe binary \x00",
        "1:1: error: control character U+0000 is not allowed (hint: a routine is YAML text; this looks like a binary file)",
        id="binary-junk",
    ),
    pytest.param(
        b"\x89PNG\r\n\x1a\n",
        "1:1: error: not UTF-8 text: byte 0x89 cannot be read (hint: a routine is YAML text; save it as UTF-8)",
        id="png",
    ),
    pytest.param(
        b"",
        "1:1: error: the file is empty (hint: a routine has at least `name:` and `steps:`)",
        id="empty",
    ),
    pytest.param(
        b"name: R\nsteps:\n\t- rest: 5s\n",
        "3:1: error: tab character in the indentation (hint: indent with spaces only; YAML does not allow tabs there)",
        id="tabs",
    ),
    pytest.param(
        b"name: R\nsteps:\n  - rest: 5s\n    rest: 6s\n",
        "4:5: error: duplicate key 'rest' (hint: it is already set on line 3; keep one of them)",
        id="duplicate-keys",
    ),
    pytest.param(
        b"name: R\nsteps:\n  - exercise: Cat\n    say: Hold: then breathe\n",
        "4:14: error: YAML syntax: mapping values are not allowed here "
        "(hint: quote text that contains ': ', or put the key on a line of its own)",
        id="yaml-syntax",
    ),
]


@pytest.mark.parametrize("content, message", BROKEN)
def test_check__broken_file_is_a_clean_error(tmp_path, content, message):
    path = tmp_path / "broken.yaml"
    path.write_bytes(content)
    result = run(str(path))
    assert result.exit_code == 2
    assert result.stderr == f"{path}:{message}\n1 error in 1 of 1 file\n"
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_check__missing_file_and_directory(tmp_path):
    result = run(str(tmp_path / "nope.yaml"), str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{tmp_path / 'nope.yaml'}:1:1: error: no such file (hint: check the path and the file name)",
        f"{tmp_path}:1:1: error: is a directory, not a routine file (hint: name the .yaml files in it, e.g. DIR/*.yaml)",
        "2 errors in 2 of 2 files",
    ]


def test_check__all_errors_of_all_files(tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text("name: A\nsteps:\n  - exercise: Cat\n    hold: 10s\n    count: 5\n  - rest: 0\n")
    b = tmp_path / "b.yaml"
    b.write_text("name: B\nsteps:\n  - exercise: Plank\n    hold: max\n    reps: 101\n")
    result = run(str(a), SPEC_EXAMPLE, str(b))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{a}:5:5: error: two work kinds in one step: hold and count "
        "(hint: keep one work kind per step; make another step for the other)",
        f"{a}:6:11: error: rest is 0s, shorter than 1s (hint: make it at least 1s)",
        f"{b}:4:11: error: `hold: max` needs a target (hint: add `target: 30s`, the time the hold is planned for)",
        f"{b}:5:11: error: reps is 101, outside 1 to 100 (hint: reps is a whole number 1 to 100)",
        "4 errors in 2 of 3 files",
    ]


def test_check__several_good_files():
    result = run(SPEC_EXAMPLE, SPEC_EXAMPLE, SPEC_EXAMPLE)
    assert (result.exit_code, result.stdout) == (0, "3 files ok\n")


def test_check__a_file_name_the_device_would_refuse_is_a_warning(tmp_path):
    odd = tmp_path / "Desk Job.yaml"
    odd.write_text(Path(SPEC_EXAMPLE).read_text())
    result = run(str(odd))
    assert result.exit_code == 0
    assert result.stdout == "1 file ok\n"
    assert result.stderr == (
        f"{odd}: warning: the file name makes the routine id 'Desk Job', which the device does "
        "not accept (hint: rename the file: lower-case letters, digits, - and _, at most 64 "
        "characters, starting with a letter or digit, e.g. lower-back)\n")
