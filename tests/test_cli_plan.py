"""Tests of `backbeat plan` and `backbeat show --plan`: a history file in, PROGRESS.md's numbers out."""

from __future__ import annotations

import json
import struct
import zlib
from datetime import datetime

from backbeat.cli import main
from backbeat.store import Store
from click.testing import CliRunner

ROUTINE = """name: Back
due: mon wed fri
steps:
  - exercise: Partial cobra
    hold: {from: 10s, to: 20s, step: 5s}
    prepare: 0
  - exercise: Cobra
    hold: 10s
    needs: {exercise: Partial cobra, clean: 2}
    prepare: 0
  - exercise: Plank
    hold: max
    target: 20s
    prepare: 0
"""


def attempt(name, level, pain, best=None):
    return {"exercise": name, "level": level, "completed": True, "pain": pain, "best_ms": best}


HISTORY = {
    "sessions": [
        {"routine": "back", "at": f"2026-12-0{d}T08:05:00", "completed": True,
         "exercises": [attempt("Partial cobra", 0, 1), attempt("Plank", 0, 0, 31_250)]}
        for d in (1, 2, 3)
    ],
    "mornings": [{"at": "2026-12-02T07:50:00", "answer": "better"}],
}


def files(tmp_path, history=HISTORY):
    (tmp_path / "back.yaml").write_text(ROUTINE)
    (tmp_path / "h.json").write_text(json.dumps(history))
    return str(tmp_path / "back.yaml"), str(tmp_path / "h.json")


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_plan__json_from_a_history_file(tmp_path):
    routine, history = files(tmp_path)
    result = run("plan", routine, "--history", history, "--on", "2026-12-04", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "on": "2026-12-04",
        "routines": [{"routine": "back", "due_today": 1, "done_today": 0, "exercises": [
            {"exercise": "Partial cobra", "level": 1, "top": 2, "clean": 0, "locked": False,
             "target_ms": None},
            {"exercise": "Cobra", "level": 0, "top": 0, "clean": 0, "locked": False,
             "target_ms": None},
            {"exercise": "Plank", "level": 0, "top": 0, "clean": 3, "locked": False,
             "target_ms": 31_000},
        ]}],
    }


def test_plan__readable(tmp_path):
    routine, history = files(tmp_path)
    result = run("plan", routine, "--history", history, "--on", "2026-12-04")
    assert result.stdout.splitlines() == [
        "Plan for Fri Dec 4 2026",
        "",
        "Back (back): mon wed fri, due 1, done 0 today; last 7 days 100% done",
        "  Partial cobra: level 1 of 2, hold 15s; 0 of 3 clean towards 2",
        "    3 clean sessions on Dec 1, 2, 3",
        "  Cobra: level 0 of 0, hold 10s",
        "  Plank: level 0 of 0, as long as you can, target 31s",
    ]


def test_show_plan__the_timeline_at_the_earned_levels(tmp_path):
    routine, history = files(tmp_path)
    result = run("show", routine, "--plan", "--history", history, "--on", "2026-12-01", "--json")
    assert [(s["exercise"], s["duration_ms"]) for s in json.loads(result.stdout)["segments"]] == [
        ("Partial cobra", 10_000),
        ("Plank", 31_000),
    ]
    result = run("show", routine, "--plan", "--history", history, "--on", "2026-12-03", "--json")
    assert [(s["exercise"], s["duration_ms"]) for s in json.loads(result.stdout)["segments"]] == [
        ("Partial cobra", 15_000),
        ("Cobra", 10_000),
        ("Plank", 31_000),
    ]


def test_show_plan__and_level_together_is_an_error(tmp_path):
    routine, history = files(tmp_path)
    result = CliRunner().invoke(main, ["show", routine, "--plan", "--level", "2"])
    assert result.exit_code == 2
    assert result.stderr == "error: --plan and --level both set the levels (hint: keep one)\n"


def test_plan__a_bad_history_file_is_a_clear_error(tmp_path):
    bad = {"sessions": [{"routine": "back", "at": "yesterday", "completed": True, "exercises": []}]}
    routine, history = files(tmp_path, bad)
    result = CliRunner().invoke(main, ["plan", routine, "--history", history])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {history}.sessions[0].at: 'yesterday' is not a time "
        "(hint: write local time as 2026-12-01T08:05:00)\n"
    )


def test_plan__a_routine_with_errors_is_reported_as_by_check(tmp_path):
    routine, history = files(tmp_path)
    (tmp_path / "back.yaml").write_text(ROUTINE.replace("clean: 2}", "clean: 2}\n    due: daily"))
    result = CliRunner().invoke(main, ["plan", routine, "--history", history])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{routine}:10:5: error: unknown key 'due' in an exercise step")


# The store as sync fills it (log format 1: yes/no pain answers, the session's one level).

def _rec(rtype: int, seq: int, payload: bytes) -> bytes:
    head = struct.pack("<BBHI", 0xB1, rtype, len(payload), seq) + payload
    return head + struct.pack("<I", zlib.crc32(head))


def _session(seq: int, wall: int, outcomes: list[tuple[int, int, int, int]]) -> list[bytes]:
    """A completed session of back.yaml at level 0: (index, kind, outcome, pain, achieved)."""
    name = b"back"
    recs = [_rec(1, seq, struct.pack("<IIIIIHHB", 1, 0, wall, 0xABCD, 40_000, 0, 3, len(name))
                 + name)]
    for i, (index, kind, outcome, pain, achieved) in enumerate(outcomes, 1):
        recs.append(_rec(2, seq + i, struct.pack("<HBBBBIIII", index, kind, outcome, pain, 0, 0,
                                                 achieved, achieved, achieved)))
    recs.append(_rec(3, seq + len(outcomes) + 1, struct.pack("<BBHHII", 1, 0, 3, 0, 40_000, 0)))
    return recs


def test_plan__reads_the_store_without_a_history_file(tmp_path):
    routine, _ = files(tmp_path)
    db = tmp_path / "b.db"
    day = [int(datetime(2026, 12, d, 8).timestamp()) for d in (1, 2, 3)]
    with Store(db) as store:
        records = []
        # kinds: 2 hold, 3 hold_open; outcome 1 done, 2 skipped; pain 1 no, 2 yes
        records += _session(1, day[0], [(0, 2, 1, 1, 10_000), (1, 2, 1, 0, 10_000), (2, 3, 1, 0, 24_700)])
        records += _session(10, day[1], [(0, 2, 1, 0, 10_000), (1, 2, 2, 0, 0), (2, 3, 1, 0, 33_000)])
        records += _session(20, day[2], [(0, 2, 1, 2, 10_000), (1, 2, 1, 0, 10_000), (2, 3, 2, 0, 0)])
        store.add_records("dev1", 0, records)
    result = run("plan", routine, "--db", str(db), "--on", "2026-12-03", "--json")
    exercises = json.loads(result.stdout)["routines"][0]["exercises"]
    assert [(e["exercise"], e["level"], e["clean"], e["locked"], e["target_ms"]) for e in exercises] == [
        ("Partial cobra", 0, 0, False, None),  # pain "yes" on Dec 3: too much, back to 0
        ("Cobra", 0, 2, True, None),  # and the gate locks again
        ("Plank", 0, 2, False, 33_000),  # skipped on Dec 3
    ]


def test_plan__the_readme_example_is_what_plan_prints(tmp_path):
    from pathlib import Path

    root = Path(__file__).parent.parent
    readme = (root / "routines" / "README.md").read_text()
    yaml_text = readme.split("<!-- file: my-plan.yaml -->\n```yaml\n")[1].split("```")[0]
    (tmp_path / "my-plan.yaml").write_text(yaml_text)
    history = str(root / "tests" / "data" / "my-plan-history.json")
    result = run("plan", str(tmp_path / "my-plan.yaml"), "--history", history, "--on", "2026-12-04")
    assert "```\n" + result.stdout + "```\n" in readme


def test_plan__the_library_by_default(tmp_path):
    from pathlib import Path

    _, history = files(tmp_path)
    library = sorted(p.stem for p in (Path(__file__).parent.parent / "routines").glob("*.yaml"))
    result = run("plan", "--history", history, "--on", "2026-12-04", "--json")
    routines = json.loads(result.stdout)["routines"]
    assert [r["routine"] for r in routines] == library
    assert {r["routine"]: r["due_today"] for r in routines if r["due_today"] != 1} == {
        "pnf-lower-back": 3, "pnf-minor": 3, "pnf-neck": 3,
    }


def test_plan__with_nothing_synced_makes_no_database(tmp_path):
    routine, _ = files(tmp_path)
    db = tmp_path / "none" / "backbeat.db"
    result = run("plan", routine, "--db", str(db), "--on", "2026-12-04", "--json")
    (back,) = json.loads(result.stdout)["routines"]
    assert (back["routine"], back["done_today"]) == ("back", 0)
    assert not db.parent.exists()
