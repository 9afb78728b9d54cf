"""The JSON backup: exported from one store, imported into another, merged, refused whole
when damaged."""

from __future__ import annotations

import json

import pytest
from backbeat.backup import BackupError, dumps, export_backup, import_backup, parse_backup
from backbeat.store import Store
from test_store import _golden_records, clock, end, segment, start


def _two_devices(db: Store) -> None:
    db.note_device("aaaa", "Raspberry Pi Pico", "1.0", 1_800_000_100)
    db.add_records("aaaa", 0, _golden_records())
    db.note_device("bbbb", "virtual", "dev", 1_800_000_200)
    db.add_records("bbbb", 0, [clock(1, boot=1, mono=1000, wall=1_800_000_000),
                               start(2, boot=1, mono=3000, name="desk-job"),
                               segment(3, 0), segment(4, 1, outcome=2, achieved=0), end(5)])
    assert db.new_epoch("bbbb") == 1
    db.add_records("bbbb", 1, [start(1, boot=1, name="hollow-back"), segment(2, 0)])


def _sessions(db: Store) -> list[dict]:
    return [{k: v for k, v in s.as_json().items() if k != "id"} for s in db.sessions()]


def test_export_then_import_into_an_empty_store__identical_sessions(tmp_path):
    with Store(tmp_path / "a.db") as a:
        _two_devices(a)
        backup = export_backup(a, now_s=1_800_000_300)
        text = dumps(backup)
        want = _sessions(a)
    assert len(want) == 3
    with Store(tmp_path / "b.db") as b:
        res = import_backup(b, parse_backup(text))
        assert (res.devices, res.records, res.sessions) == (2, 15, 3)
        assert _sessions(b) == want
        assert export_backup(b, now_s=1_800_000_300) == backup
        assert [(d, b.epoch(d)) for d in ("aaaa", "bbbb")] == [("aaaa", 0), ("bbbb", 1)]


def test_backup__records_byte_for_byte_with_devices_and_readable_sessions(tmp_path):
    with Store(tmp_path / "a.db") as a:
        _two_devices(a)
        backup = json.loads(dumps(export_backup(a, "aaaa", now_s=5)))
    assert (backup["format"], backup["version"], backup["exported_at"]) == (
        "backbeat-backup", 1, 5)
    assert backup["devices"] == [{"uid": "aaaa", "epoch": 0, "board": "Raspberry Pi Pico",
                                  "firmware": "1.0", "synced_at": 1_800_000_100}]
    assert [(r["device"], r["epoch"], r["seq"]) for r in backup["records"]] == [
        ("aaaa", 0, n) for n in range(1, 9)]
    assert [bytes.fromhex(r["raw"]) for r in backup["records"]] == _golden_records()
    (s,) = backup["sessions"]
    assert (s["device"], s["routine"], s["start_unix_s"], s["ending"]) == (
        "aaaa", "lower-back-easy", 1790000007, "stopped")


def test_import_twice__stored_once(tmp_path):
    with Store(tmp_path / "a.db") as a:
        _two_devices(a)
        text = dumps(export_backup(a))
    with Store(tmp_path / "b.db") as b:
        import_backup(b, parse_backup(text))
        again = import_backup(b, parse_backup(text))
        assert (again.devices, again.records, again.sessions) == (0, 0, 0)
        assert b.record_count() == 15 and b.session_count() == 3


def test_import__merges_with_what_the_store_holds(tmp_path):
    with Store(tmp_path / "a.db") as a:
        _two_devices(a)
        text = dumps(export_backup(a))
        want = _sessions(a)
    with Store(tmp_path / "b.db") as b:
        b.note_device("bbbb", "virtual", "dev", 1_800_000_900)
        b.add_records("bbbb", 0, [clock(1, boot=1, mono=1000, wall=1_800_000_000),
                                  start(2, boot=1, mono=3000, name="desk-job")])
        b.add_records("cccc", 0, [start(1, name="other"), end(2)])
        res = import_backup(b, parse_backup(text))
        assert (res.devices, res.records, res.sessions) == (1, 13, 2)
        assert [s for s in _sessions(b) if s["device"] != "cccc"] == want
        assert [s["routine"] for s in _sessions(b) if s["device"] == "cccc"] == ["other"]
        # The newer sync's board and firmware, the highest epoch.
        assert b.db.execute("SELECT epoch, synced_at FROM devices WHERE uid = 'bbbb'"
                            ).fetchone() == (1, 1_800_000_900)


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
