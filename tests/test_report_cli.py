"""`backbeat report`: options, errors people read, and the HTML file written."""

from __future__ import annotations

from backbeat.cli import main
from click.testing import CliRunner
from test_report_terminal import make_store


def run(*args: str):
    return CliRunner().invoke(main, ["report", *args])


def test_report__terminal_over_a_range(tmp_path):
    db = make_store(tmp_path / "s.db")
    result = run("--db", str(db), "--since", "2026-12-02", "--until", "2026-12-03")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "backbeat report: 2026-12-02 to 2026-12-03 (2 days)", "2 sessions, 2 completed"]


def test_report__routine_and_device_filters(tmp_path):
    db = make_store(tmp_path / "s.db")
    assert "0 sessions" in run("--db", str(db), "--routine", "neck", "--until",
                               "2026-12-04").output
    assert "5 sessions" in run("--db", str(db), "--device", "e6614103e7a1b2c3", "--until",
                               "2026-12-04").output
    assert "No sessions in this range" in run("--db", str(db), "--device", "ffff").output


def test_report__html_file(tmp_path):
    db = make_store(tmp_path / "s.db")
    out = tmp_path / "report.html"
    result = run("--db", str(db), "--until", "2026-12-04", "--html", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {out}\n"
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_report__no_database_is_an_error_and_creates_nothing(tmp_path):
    result = run("--db", str(tmp_path / "none" / "x.db"))
    assert result.exit_code == 2
    assert result.output == (f"error: {tmp_path / 'none' / 'x.db'}: no database here (hint: "
                             "`backbeat sync` fills it, or pass --db PATH)\n")
    assert not (tmp_path / "none").exists()


def test_report__bad_dates(tmp_path):
    db = make_store(tmp_path / "s.db")
    result = run("--db", str(db), "--since", "4.12.2026")
    assert result.exit_code == 2
    assert "'4.12.2026' is not a date (hint: write it as YYYY-MM-DD" in result.output
    result = run("--db", str(db), "--since", "2026-12-04", "--until", "2026-12-01")
    assert result.exit_code == 2
    assert "--since 2026-12-04 is after --until 2026-12-01" in result.output


def test_report__html_that_cannot_be_written(tmp_path):
    db = make_store(tmp_path / "s.db")
    result = run("--db", str(db), "--html", str(tmp_path / "no" / "dir" / "r.html"))
    assert result.exit_code == 2
    assert result.output == (f"error: {tmp_path / 'no' / 'dir' / 'r.html'}: cannot write "
                             "(No such file or directory)\n")
