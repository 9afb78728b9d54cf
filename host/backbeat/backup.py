"""The JSON backup of a store (docs/export.md): what the devices wrote, exactly, and what
the host knows about them; imported back by merging, in one transaction.

Only what cannot be rebuilt is read back: the devices and the raw log records (as hex,
byte for byte). Sessions are rebuilt from the records by the store, the same way a sync
builds them, so a backup imported into an empty database gives identical sessions; the
sessions written in the backup are there for a person to read and are not read back.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from backbeat.codec.logrec import decode_record
from backbeat.store import Store

FORMAT = "backbeat-backup"
VERSION = 1


class BackupError(ValueError):
    """A backup that cannot be imported; str() says where and why. Nothing was changed."""


@dataclass
class ImportResult:
    devices: int  # devices new to the database
    records: int  # records new to the database
    sessions: int  # sessions new to the database


def export_backup(store: Store, uid: str | None = None, now_s: int | None = None) -> dict[str, Any]:
    """Everything the store holds (of the device `uid` alone when given) as a JSON-able dict."""
    where, args = ("WHERE uid = ?", (uid,)) if uid is not None else ("", ())
    devices = [
        {"uid": u, "epoch": e, "board": b, "firmware": f, "synced_at": s}
        for u, e, b, f, s in store.db.execute(
            f"SELECT uid, epoch, board, firmware, synced_at FROM devices {where} ORDER BY uid",
            args)]
    records = [
        {"device": u, "epoch": e, "seq": s, "raw": bytes(raw).hex()}
        for u, e, s, raw in store.db.execute(
            f"SELECT uid, epoch, seq, raw FROM records {where} ORDER BY uid, epoch, seq", args)]
    return {
        "format": FORMAT, "version": VERSION,
        "exported_at": int(time.time()) if now_s is None else now_s,
        "devices": devices, "records": records,
        "sessions": [s.as_json() for s in store.sessions(uid)],
    }


def dumps(backup: dict[str, Any]) -> str:
    return json.dumps(backup, indent=1) + "\n"


def _field(obj: Any, key: str, kind: type, where: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise BackupError(f"{where}: missing {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BackupError(f"{where}.{key}: expected {kind.__name__}, got {json.dumps(value)}")
    return value


def _list(backup: dict[str, Any], key: str) -> list[Any]:
    return _field(backup, key, list, "backup")  # type: ignore[no-any-return]


def parse_backup(text: str) -> dict[str, Any]:
    """The backup in `text`, checked whole: its format and version, every device and every
    record (CRC and decoding included). BackupError names the first thing wrong."""
    try:
        backup = json.loads(text)
    except json.JSONDecodeError as e:
        raise BackupError(f"not JSON (line {e.lineno} column {e.colno}: {e.msg})") from None
    if not isinstance(backup, dict) or backup.get("format") != FORMAT:
        raise BackupError(f"not a backbeat backup (no \"format\": \"{FORMAT}\")")
    version = _field(backup, "version", int, "backup")
    if version > VERSION:
        raise BackupError(f"backup version {version} is newer than this backbeat reads "
                          f"({VERSION}): upgrade backbeat")
    for i, d in enumerate(_list(backup, "devices")):
        where = f"devices[{i}]"
        _field(d, "uid", str, where)
        for key in ("epoch", "synced_at"):
            _field(d, key, int, where)
        for key in ("board", "firmware"):
            _field(d, key, str, where)
    for i, r in enumerate(_list(backup, "records")):
        where = f"records[{i}]"
        _field(r, "device", str, where)
        _field(r, "epoch", int, where)
        seq = _field(r, "seq", int, where)
        try:
            raw = bytes.fromhex(_field(r, "raw", str, where))
            rec = decode_record(raw)
        except ValueError as e:  # a bad hex digit, or a RecordError
            raise BackupError(f"{where}.raw: {e}") from None
        if rec["seq"] != seq:
            raise BackupError(f"{where}: seq {seq}, but its raw record is number {rec['seq']}")
    return backup  # type: ignore[no-any-return]


def _raw_records(backup: dict[str, Any]) -> Iterable[tuple[str, int, bytes]]:
    """(device, epoch, raw) in the order a sync adds them: by device, epoch and number."""
    rows = sorted(backup["records"], key=lambda r: (r["device"], r["epoch"], r["seq"]))
    return [(r["device"], r["epoch"], bytes.fromhex(r["raw"])) for r in rows]


def import_backup(store: Store, backup: dict[str, Any]) -> ImportResult:
    """Merge a backup checked by parse_backup into the store, in one transaction: what the
    store already holds is kept once. A record that the store holds with other bytes under
    the same device, epoch and sequence number is refused (BackupError), and nothing is
    changed."""
    db = store.db
    devices_before = db.execute("SELECT COUNT(*) FROM devices").fetchone()[0]
    records_before = store.record_count()
    sessions_before = store.session_count()
    with db:
        for d in backup["devices"]:
            db.execute(
                "INSERT INTO devices (uid, epoch, board, firmware, synced_at) VALUES (?,?,?,?,?) "
                "ON CONFLICT (uid) DO UPDATE SET epoch = max(epoch, excluded.epoch), "
                "board = iif(excluded.synced_at > synced_at, excluded.board, board), "
                "firmware = iif(excluded.synced_at > synced_at, excluded.firmware, firmware), "
                "synced_at = max(synced_at, excluded.synced_at)",
                (d["uid"], d["epoch"], d["board"], d["firmware"], d["synced_at"]))
        for uid, epoch, raw in _raw_records(backup):
            rec = decode_record(raw)
            held = db.execute("SELECT raw FROM records WHERE uid = ? AND epoch = ? AND seq = ?",
                              (uid, epoch, rec["seq"])).fetchone()
            if held is None:
                db.execute("INSERT INTO devices (uid) VALUES (?) ON CONFLICT (uid) DO NOTHING",
                           (uid,))
                db.execute("INSERT INTO records (uid, epoch, seq, type, raw) VALUES (?,?,?,?,?)",
                           (uid, epoch, rec["seq"], raw[1], raw))
                store._derive(uid, epoch, raw[1], rec)
            elif bytes(held[0]) != raw:
                raise BackupError(f"record {rec['seq']} of device {uid} (epoch {epoch}) is not "
                                  "the one this database holds under that number")
    return ImportResult(db.execute("SELECT COUNT(*) FROM devices").fetchone()[0] - devices_before,
                        store.record_count() - records_before,
                        store.session_count() - sessions_before)

