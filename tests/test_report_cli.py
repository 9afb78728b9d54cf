"""`backbeat report` on a store as sync fills it: options, errors people read, the HTML file,
and the routine library's schedules."""

from __future__ import annotations

from datetime import datetime

import pytest
from backbeat.cli import main
from click.testing import CliRunner
from reportstore import real_store


@pytest.fixture
def db(tmp_path):
    return real_store(tmp_path / "s.db", (datetime(2026, 12, 2, 8, 5), datetime(2026, 12, 3, 8, 5),
                                          datetime(2026, 12, 4, 8, 5)),
                      stopped=(datetime(2026, 12, 3, 18, 0),))


def run(tmp_path, *args: str):
    return CliRunner().invoke(main, ["report", *args],
                              env={"XDG_CACHE_HOME": str(tmp_path / "cache"),
                                   "XDG_CONFIG_HOME": str(tmp_path / "config")})


def test_report__terminal_with_the_library_schedule(tmp_path, db):
    result = run(tmp_path, "--db", str(db), "--until", "2026-12-04")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:2] == ["backbeat report: 2026-12-02 to 2026-12-04 (3 days)",
                         "4 sessions, 3 completed"]
    # core-stability is due daily in the library: three days kept of three.
    assert "core-stability  daily  ████████ 100 %  ████████ 100 %  3 days" in lines
    # Its segments named from the archived routine, through the store's sessions.
    side = lines.index("Side plank  (core-stability)")
    assert lines[side:side + 5] == [
        "Side plank  (core-stability)",
        "  level 2 since 2026-12-02",
        "  done 8 of 8 sets (100 %)",
        "  left 20s, right 16s a side, L:R 1.25  ! right 20 % behind",
        "  pain by day ▂▂▂ latest 2.0, highest 2 of 10"]
    assert lines[side + 5:side + 8] == [
        "Plank  (core-stability)", "  level 0 since 2026-12-02", "  done 4 of 4 sets (100 %)"]
    assert "  open hold best 33s, by day ▇██ 30s -> 33s, target 5s" in lines


def test_report__the_next_level_from_the_plan_of_the_routines_folder(tmp_path, db,
                                                                     monkeypatch):
    from backbeat.settings import set_routines_folder

    folder = tmp_path / "routines"
    folder.mkdir()
    (folder / "core-stability.yaml").write_text(
        "name: Side plank and more\ndue: daily\nsteps:\n"
        "  - exercise: Side plank\n    sides: both\n    hold: {from: 10s, to: 30s, step: 5s}\n"
        "  - exercise: Plank\n    hold: max\n    target: {from: 10s, to: 30s, step: 5s}\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # as run() has it
    set_routines_folder(folder)
    lines = run(tmp_path, "--db", str(db), "--until", "2026-12-04").output.splitlines()
    # The level today's plan compiles each exercise at, as `backbeat plan` says it.
    side = lines.index("Side plank  (core-stability)")
    assert lines[side + 2] == "  next: level 0, hold 10s a side"
    plank = lines.index("Plank  (core-stability)")
    assert lines[plank + 2] == ("  next: level 1, as long as you can, target 33s (3 clean "
                                "sessions on Dec 2, 3)")
    plan = CliRunner().invoke(main, ["plan", "--db", str(db),
                                     str(folder / "core-stability.yaml")]).output
    assert "  Side plank: level 0 of 4, hold 10s a side;" in plan
    assert "  Plank: level 1 of 4, as long as you can, target 33s;" in plan


def test_report__filters(tmp_path, db):
    def head(*args):
        return run(tmp_path, "--db", str(db), "--until", "2026-12-04", *args).output.splitlines()[1]

    assert head("--since", "2026-12-03") == "3 sessions, 2 completed"
    assert head("--routine", "gym") == "0 sessions, 0 completed"
    assert head("--device", "e6614103e7a1b2c3") == "4 sessions, 3 completed"
    assert head("--device", "ffff") == "0 sessions, 0 completed"


def test_report__html_file(tmp_path, db):
    out = tmp_path / "report.html"
    result = run(tmp_path, "--db", str(db), "--until", "2026-12-04", "--html", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {out}\n"
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<figure id="calendar">' in page


def test_report__no_database_is_an_error_and_creates_nothing(tmp_path):
    result = run(tmp_path, "--db", str(tmp_path / "none" / "x.db"))
    assert result.exit_code == 2
    assert result.output == (f"error: {tmp_path / 'none' / 'x.db'}: no database here (hint: "
                             "`backbeat sync` fills it, or pass --db PATH)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_report__bad_dates(tmp_path, db):
    result = run(tmp_path, "--db", str(db), "--since", "4.12.2026")
    assert result.exit_code == 2
    assert "'4.12.2026' is not a date (hint: write it as YYYY-MM-DD" in result.output
    result = run(tmp_path, "--db", str(db), "--since", "2026-12-04", "--until", "2026-12-01")
    assert result.exit_code == 2
    assert "--since 2026-12-04 is after --until 2026-12-01" in result.output


def test_report__html_that_cannot_be_written(tmp_path, db):
    result = run(tmp_path, "--db", str(db), "--html", str(tmp_path / "no" / "dir" / "r.html"))
    assert result.exit_code == 2
    assert result.output == (f"error: {tmp_path / 'no' / 'dir' / 'r.html'}: cannot write "
                             "(No such file or directory)\n")


def test_report__a_cache_that_cannot_be_written(tmp_path, db):
    (tmp_path / "file").write_text("")
    result = CliRunner().invoke(main, ["report", "--db", str(db)],
                                env={"XDG_CACHE_HOME": str(tmp_path / "file")})
    assert result.exit_code == 2
    assert result.output == (
        f"error: {tmp_path / 'file' / 'backbeat' / 'reports'}: cannot keep the report's index there "
        "(Not a directory) (hint: set XDG_CACHE_HOME to a folder you can write)\n")
