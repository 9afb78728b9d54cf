"""The JSON backup: exported from one store, imported into another, merged, refused whole
when damaged."""

from __future__ import annotations

import json

import pytest
from backbeat.backup import BackupError, dumps, export_backup, import_backup, parse_backup
from backbeat.store import Store
from test_store import BBR, CRC, _golden_records, clock, end, segment, start

# The side-plank session of test_store, its routine archived: named segments, pain 0..10.
SIDE = [clock(1, boot=1, mono=1000, wall=1_800_000_000),
        start(2, boot=1, mono=3000, crc=CRC, name="side", count=5),
        segment(3, 0, kind=1, version=2, pain=255),
        segment(4, 1, version=2, pain=255, start_ms=5000, end_ms=33000, achieved=20000),
        segment(5, 2, kind=10, version=2, pain=255),
        segment(6, 3, version=2, pain=3),
        segment(7, 4, kind=3, version=2, pain=0, achieved=41000),
        end(8, done=5, elapsed=90_000, paused=8000, wall=1_800_000_090)]


def _two_devices(db: Store) -> None:
    """Device aaaa: the golden version 1 session, its routine not archived. Device bbbb: the
    side-plank session, then its log wiped and a clockless session bounded by two syncs."""
    db.note_device("aaaa", "Raspberry Pi Pico", "1.0", 1_800_000_100)
    db.add_records("aaaa", 0, _golden_records(), db.begin_sync("aaaa", 1_800_000_100))
    db.archive(BBR, "side", "flashed", source="name: Side plank and more\n",
               levels={"Plank": 0, "Side plank": 2}, now_s=1_799_999_000)
    db.note_device("bbbb", "virtual", "dev", 1_800_000_200)
    db.add_records("bbbb", 0, SIDE, db.begin_sync("bbbb", 1_800_000_200))
    assert db.new_epoch("bbbb") == 1
    db.note_device("bbbb", "virtual", "dev", 1_800_090_000)
    db.add_records("bbbb", 1, [start(1, boot=1, name="hollow-back"), segment(2, 0)],
                   db.begin_sync("bbbb", 1_800_090_000))


def _sessions(db: Store) -> list[dict]:
    return [s.as_json() for s in db.sessions()]


def test_export_then_import_into_an_empty_store__identical_sessions(tmp_path):
    a = Store(tmp_path / "a.db")
    _two_devices(a)
    backup = export_backup(a, now_s=1_800_000_300)
    text = dumps(backup)
    want = _sessions(a)
    assert [(s["id"], s["routine_found"], s["dated"]) for s in want] == [
        ("aaaa/0/2", False, "exact"), ("bbbb/0/2", True, "exact"), ("bbbb/1/1", False, "bounded")]
    assert (want[2]["earliest_s"], want[2]["latest_s"]) == (1_800_000_200, 1_800_090_000)
    assert [g["exercise"] for g in want[1]["segments"]] == ["Side plank"] * 4 + ["Plank"]
    with Store(tmp_path / "b.db") as b:
        res = import_backup(b, parse_backup(text))
        assert (res.devices, res.records, res.sessions, res.routines) == (2, 18, 3, 1)
        assert _sessions(b) == want
        assert b.routines() == a.routines()
        assert export_backup(b, now_s=1_800_000_300) == backup
        assert [(d, b.epoch(d)) for d in ("aaaa", "bbbb")] == [("aaaa", 0), ("bbbb", 1)]
    a.close()


def test_backup__what_the_store_keeps_byte_for_byte_and_readable_sessions(tmp_path):
    with Store(tmp_path / "a.db") as a:
        _two_devices(a)
        backup = json.loads(dumps(export_backup(a, "bbbb", now_s=5)))
    assert (backup["format"], backup["version"], backup["exported_at"]) == (
        "backbeat-backup", 1, 5)
    assert backup["devices"] == [{"uid": "bbbb", "epoch": 1, "board": "virtual",
                                  "firmware": "dev", "synced_at": 1_800_090_000}]
    assert backup["syncs"] == [{"id": 2, "device": "bbbb", "at_s": 1_800_000_200},
                               {"id": 3, "device": "bbbb", "at_s": 1_800_090_000}]
    assert [(r["device"], r["epoch"], r["seq"], r["sync"]) for r in backup["records"]] == [
        ("bbbb", 0, n, 2) for n in range(1, 9)] + [("bbbb", 1, 1, 3), ("bbbb", 1, 2, 3)]
    assert [bytes.fromhex(r["raw"]) for r in backup["records"][:8]] == SIDE
    assert backup["routines"] == [{
        "crc": CRC, "routine_id": "side", "name": "Side plank and more", "level": 2,
        "levels": {"Plank": 0, "Side plank": 2}, "source": "name: Side plank and more\n",
        "origin": "flashed", "added_s": 1_799_999_000, "bbr": BBR.hex()}]
    assert [(s["id"], s["routine_name"], s["start_s"]) for s in backup["sessions"]] == [
        ("bbbb/0/2", "Side plank and more", 1_800_000_002), ("bbbb/1/1", None, None)]


def test_import_twice__stored_once(tmp_path):
    with Store(tmp_path / "a.db") as a:
        _two_devices(a)
        text = dumps(export_backup(a))
    with Store(tmp_path / "b.db") as b:
        import_backup(b, parse_backup(text))
        again = import_backup(b, parse_backup(text))
        assert (again.devices, again.records, again.sessions, again.routines) == (0, 0, 0, 0)
        assert b.record_count() == 18 and b.session_count() == 3
        assert b.db.execute("SELECT COUNT(*) FROM syncs").fetchone()[0] == 3


def test_import__merges_with_what_the_store_holds(tmp_path):
    with Store(tmp_path / "a.db") as a:
        _two_devices(a)
        text = dumps(export_backup(a))
        want = _sessions(a)
    with Store(tmp_path / "b.db") as b:
        b.note_device("bbbb", "virtual", "dev", 1_800_900_000)
        b.add_records("bbbb", 0, SIDE[:2], b.begin_sync("bbbb", 1_800_000_200))
        b.add_records("cccc", 0, [start(1, name="other"), end(2)])
        res = import_backup(b, parse_backup(text))
        assert (res.devices, res.records, res.sessions, res.routines) == (1, 16, 2, 1)
        assert [s for s in _sessions(b) if s["device"] != "cccc"] == want
        assert [s["routine_id"] for s in _sessions(b) if s["device"] == "cccc"] == ["other"]
        # The newer sync's board and firmware, the highest epoch; a sync held once.
        assert b.db.execute("SELECT epoch, synced_at FROM devices WHERE uid = 'bbbb'"
                            ).fetchone() == (1, 1_800_900_000)
        assert b.db.execute("SELECT COUNT(*) FROM syncs").fetchone()[0] == 3


def _damaged(text: str, change) -> str:
    backup = json.loads(text)
    change(backup)
    return json.dumps(backup)


@pytest.fixture
def backup_text(tmp_path):
    with Store(tmp_path / "a.db") as a:
        _two_devices(a)
        return dumps(export_backup(a))


def _flip_crc(b):
    raw = bytearray.fromhex(b["records"][9]["raw"])
    raw[-1] ^= 1
    b["records"][9]["raw"] = raw.hex()


@pytest.mark.parametrize(("change", "message"), [
    (lambda b: b.update(format="other"), 'not a backbeat backup (no "format": "backbeat-backup")'),
    (lambda b: b.update(version=2), "backup version 2 is newer than this backbeat reads (1): "
                                    "upgrade backbeat"),
    (lambda b: b.pop("records"), "backup: missing 'records'"),
    (lambda b: b["devices"][1].update(epoch="1"), 'devices[1].epoch: expected int, got "1"'),
    (lambda b: b["records"][3].update(seq=True), "records[3].seq: expected int, got true"),
    (lambda b: b["records"][3].update(raw="b1zz"),
     "records[3].raw: non-hexadecimal number found in fromhex() arg at position 2"),
    (_flip_crc, "records[9].raw: record 2: CRC mismatch"),
    (lambda b: b["records"][4].update(seq=7), "records[4]: seq 7, but its raw record is number 5"),
    (lambda b: b["records"][9].update(sync=9), "records[9].sync: no sync 9 in the backup"),
    (lambda b: b["syncs"][0].pop("at_s"), "syncs[0]: missing 'at_s'"),
    (lambda b: b["routines"][0].update(crc=7),
     f"routines[0]: crc 7, but its .bbr's CRC is {CRC}"),
    (lambda b: b["routines"][0].update(bbr=b["routines"][0]["bbr"][:-2]),
     "routines[0].bbr: truncated: 208 bytes, the header says 209"),
    (lambda b: b["routines"][0]["levels"].update(Plank="2"),
     "routines[0].levels: expected a level (int) per exercise"),
])
def test_damaged_backup__clear_error(backup_text, change, message):
    with pytest.raises(BackupError) as e:
        parse_backup(_damaged(backup_text, change))
    assert str(e.value) == message


def test_not_json__line_and_column(backup_text):
    with pytest.raises(BackupError) as e:
        parse_backup(backup_text[:200])
    assert str(e.value).startswith("not JSON (line ")


def test_import__a_record_the_store_holds_otherwise__nothing_changed(tmp_path, backup_text):
    with Store(tmp_path / "b.db") as b:
        b.add_records("bbbb", 0, [clock(1, boot=1, mono=1000, wall=1_800_000_000),
                                  start(2, boot=1, mono=3000, name="other-job")])
        with pytest.raises(BackupError) as e:
            import_backup(b, parse_backup(backup_text))
        assert str(e.value) == ("record 2 of device bbbb (epoch 0) is not the one this database "
                                "holds under that number")
        assert b.record_count() == 2 and b.session_count() == 1
        assert b.db.execute("SELECT uid FROM devices").fetchall() == []


def test_import__records_of_a_device_the_backup_does_not_list(tmp_path, backup_text):
    backup = json.loads(backup_text)
    backup["devices"] = []
    with Store(tmp_path / "b.db") as b:
        import_backup(b, parse_backup(json.dumps(backup)))
        assert [(d, b.epoch(d)) for d in b.devices()] == [("aaaa", 0), ("bbbb", 1)]
        assert b.session_count() == 3


def test_backup_covers_every_table_the_store_keeps(tmp_path, backup_text):
    """A table added to the store must be added to the backup too (and to docs/export.md)."""
    with Store(tmp_path / "s.db") as db:
        tables = {r[0] for r in db.db.execute("SELECT name FROM sqlite_master WHERE type = "
                                              "'table' AND name NOT LIKE 'sqlite_%'")}
    assert tables == {"devices", "syncs", "records", "routines"}
    assert set(json.loads(backup_text)) == {"format", "version", "exported_at", "devices",
                                            "syncs", "records", "routines", "sessions"}
