"""Many devices, one store: two virtual devices, each running its own routine, synced into
one database, keep their sessions apart (--device) and together."""

from __future__ import annotations

import csv
import io
import json
import re

from backbeat.cli import main
from backbeat.fit import decode
from backbeat.store import default_db_path
from click.testing import CliRunner
from emulatorrig import Emulator, firmware_flash


def _run_session(emu: Emulator, last: str) -> None:
    emu.until("hold=go")
    emu.command("long")
    # A double press skips the prepare of the last exercise: the button used near the end
    # keeps the device awake on its DONE screen for its idle time (3 minutes, 9 s at 20x).
    emu.until(last)
    emu.command("double")
    emu.until("1=ok")  # the DONE screen
    assert emu.errors == []


def test_two_devices_synced_into_one_database(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    # The database `backbeat compile` keeps the routines in (this test's own data directory),
    # so the synced sessions are named.
    db = str(default_db_path())
    runner = CliRunner()
    flashes = {"desk-job": firmware_flash(tmp_path / "a", "desk-job"),
               "strength-four": firmware_flash(tmp_path / "b", "strength-four")}
    uids = {}
    # One after the other: a device left in its menu while the other runs goes to sleep.
    for routine, last in (("desk-job", "Calf stretch"), ("strength-four", "Press-ups")):
        with Emulator(flashes[routine], speed=20) as emu:
            _run_session(emu, last)
            r = runner.invoke(main, ["sync", "--port", emu.port, "--db", db])
        assert r.exit_code == 0, r.output
        m = re.search(r"\(device (\w+)\): 1 new session ", r.output)
        assert m, r.output
        uids[routine] = m.group(1)
    assert uids["desk-job"] != uids["strength-four"]

    together = json.loads(runner.invoke(main, ["sessions", "--db", db, "--json"]).output)
    assert sorted((s["device"], s["routine_id"]) for s in together) == sorted(
        (uid, routine) for routine, uid in uids.items())
    for routine, uid in uids.items():
        (s,) = [s for s in together if s["device"] == uid]
        assert s["routine_found"] and s["dated"] == "exact"
        apart = json.loads(runner.invoke(main, ["sessions", "--db", db, "--json",
                                                "--device", uid]).output)
        assert apart == [s]
        r = runner.invoke(main, ["export", "--db", db, "--csv", "-", "--device", uid])
        assert r.exit_code == 0, r.output
        rows = list(csv.DictReader(io.StringIO(r.output)))
        assert {(x["device"], x["routine"]) for x in rows} == {(uid, routine)}
        assert [x["exercise"] for x in rows] == [g["exercise"] for g in s["segments"]]
        assert len(rows) == s["segment_count"]
    r = runner.invoke(main, ["export", "--db", db, "--csv", "-"])
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert {x["device"] for x in rows} == set(uids.values())
    assert len(rows) == sum(len(s["segments"]) for s in together)
    # A FIT file per session, a lap per exercise, read back by the FIT SDK.
    fit_dir = tmp_path / "fit"
    assert runner.invoke(main, ["export", "--db", db, "--fit", str(fit_dir)]).exit_code == 0
    laps = {}
    for path in sorted(fit_dir.iterdir()):
        m = decode(path.read_bytes())
        (session,) = m["session_mesgs"]
        assert (session["sport"], session["sub_sport"]) == ("training", "strength_training")
        assert len(m["lap_mesgs"]) == session["num_laps"]
        laps[m["sport_mesgs"][0]["name"]] = [t["wkt_step_name"]
                                             for t in m["exercise_title_mesgs"]]
    assert laps == {
        "Desk-job flexibility": ["Wall sit", "Buttock stretch", "Hamstring stretch",
                                 "Calf stretch"],
        "Four strength moves": ["Squat", "Superman", "Sit-ups", "Press-ups"]}
    # Both devices' sessions through a backup into an empty database: the same sessions.
    backup, fresh = str(tmp_path / "backup.json"), str(tmp_path / "fresh.db")
    assert runner.invoke(main, ["export", "--db", db, "--json", backup]).exit_code == 0
    assert runner.invoke(main, ["import", "--db", fresh, backup]).exit_code == 0
    assert json.loads(runner.invoke(main, ["sessions", "--db", fresh, "--json"]).output) == together
