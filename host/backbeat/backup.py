"""The JSON backup of a store (docs/export.md): what the devices wrote, exactly, and what
the host knows about them; imported back by merging, in one transaction.

Only what the store keeps is read back: the devices, the syncs, the raw log records (as
hex, byte for byte, clock records among them) and the routine archive. The store builds
sessions from those on reading, so a backup imported into an empty database gives
identical sessions; the sessions written in the backup are there for a person to read
and are not read back.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from backbeat.codec.bbr import decode as decode_bbr
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
    routines: int  # routines new to the archive


def export_backup(store: Store, uid: str | None = None, now_s: int | None = None) -> dict[str, Any]:
    """Everything the store holds (of the device `uid` alone when given) as a JSON-able dict."""
    where, args = ("WHERE uid = ?", (uid,)) if uid is not None else ("", ())
    devices = [
        {"uid": u, "epoch": e, "board": b, "firmware": f, "synced_at": s}
        for u, e, b, f, s in store.db.execute(
            f"SELECT uid, epoch, board, firmware, synced_at FROM devices {where} ORDER BY uid",
            args)]
    syncs = [{"id": i, "device": u, "at_s": at} for i, u, at in store.db.execute(
        f"SELECT id, uid, at_s FROM syncs {where} ORDER BY id", args)]
    records = [
        {"device": u, "epoch": e, "seq": s, "sync": sync, "raw": bytes(raw).hex()}
        for u, e, s, sync, raw in store.db.execute(
            f"SELECT uid, epoch, seq, sync_id, raw FROM records {where} "
            "ORDER BY uid, epoch, seq", args)]
    sessions = store.sessions(uid)
    crcs = {s.routine_crc for s in sessions}
    routines = [
        {"crc": r.crc, "routine_id": r.routine_id, "name": r.name, "level": r.level,
         "levels": r.levels, "source": r.source, "origin": r.origin, "added_s": r.added_s,
         "bbr": r.bbr.hex()}
        for r in store.routines() if uid is None or r.crc in crcs]
    return {
        "format": FORMAT, "version": VERSION,
        "exported_at": int(time.time()) if now_s is None else now_s,
        "devices": devices, "syncs": syncs, "records": records, "routines": routines,
        "sessions": [s.as_json() for s in sessions],
    }


def dumps(backup: dict[str, Any]) -> str:
    return json.dumps(backup, indent=1) + "\n"


def _field(obj: Any, key: str, kind: type, where: str, null: bool = False) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise BackupError(f"{where}: missing {key!r}")
    value = obj[key]
    if value is None and null:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BackupError(f"{where}.{key}: expected {kind.__name__}, got {json.dumps(value)}")
    return value


def _list(backup: dict[str, Any], key: str) -> list[Any]:
    return _field(backup, key, list, "backup")  # type: ignore[no-any-return]


def parse_backup(text: str) -> dict[str, Any]:
    """The backup in `text`, checked whole: its format and version, every device and sync,
    every record (CRC and decoding included) and every routine (its .bbr decoded).
    BackupError names the first thing wrong."""
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
    sync_ids = set()
    for i, y in enumerate(_list(backup, "syncs")):
        where = f"syncs[{i}]"
        sync_ids.add(_field(y, "id", int, where))
        _field(y, "device", str, where)
        _field(y, "at_s", int, where)
    for i, r in enumerate(_list(backup, "records")):
        where = f"records[{i}]"
        _field(r, "device", str, where)
        _field(r, "epoch", int, where)
        seq = _field(r, "seq", int, where)
        sync = _field(r, "sync", int, where, null=True)
        if sync is not None and sync not in sync_ids:
            raise BackupError(f"{where}.sync: no sync {sync} in the backup")
        try:
            raw = bytes.fromhex(_field(r, "raw", str, where))
            rec = decode_record(raw)
        except ValueError as e:  # a bad hex digit, or a RecordError
            raise BackupError(f"{where}.raw: {e}") from None
        if rec["seq"] != seq:
            raise BackupError(f"{where}: seq {seq}, but its raw record is number {rec['seq']}")
    for i, t in enumerate(_list(backup, "routines")):
        where = f"routines[{i}]"
        crc = _field(t, "crc", int, where)
        for key in ("routine_id", "origin"):
            _field(t, key, str, where)
        _field(t, "source", str, where, null=True)
        _field(t, "added_s", int, where)
        levels = _field(t, "levels", dict, where)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in levels.values()):
            raise BackupError(f"{where}.levels: expected a level (int) per exercise")
        try:
            info = decode_bbr(bytes.fromhex(_field(t, "bbr", str, where)))
        except ValueError as e:  # a bad hex digit, or a BbrError
            raise BackupError(f"{where}.bbr: {e}") from None
        if info["crc32"] != crc:
            raise BackupError(f"{where}: crc {crc}, but its .bbr's CRC is {info['crc32']}")
    return backup  # type: ignore[no-any-return]


def import_backup(store: Store, backup: dict[str, Any]) -> ImportResult:
    """Merge a backup checked by parse_backup into the store, in one transaction: what the
    store already holds is kept once. A record that the store holds with other bytes under
    the same device, epoch and sequence number is refused (BackupError), and nothing is
    changed."""
    db = store.db

    def counts() -> tuple[int, int, int, int]:
        return (db.execute("SELECT COUNT(*) FROM devices").fetchone()[0], store.record_count(),
                store.session_count(), db.execute("SELECT COUNT(*) FROM routines").fetchone()[0])

    before = counts()
    with db:
        for d in backup["devices"]:
            db.execute(
                "INSERT INTO devices (uid, epoch, board, firmware, synced_at) VALUES (?,?,?,?,?) "
                "ON CONFLICT (uid) DO UPDATE SET epoch = max(epoch, excluded.epoch), "
                "board = iif(excluded.synced_at > synced_at, excluded.board, board), "
                "firmware = iif(excluded.synced_at > synced_at, excluded.firmware, firmware), "
                "synced_at = max(synced_at, excluded.synced_at)",
                (d["uid"], d["epoch"], d["board"], d["firmware"], d["synced_at"]))
        # A sync already held (same device, same time) is the same sync.
        sync_ids: dict[int, int] = {}
        for y in backup["syncs"]:
            row = db.execute("SELECT id FROM syncs WHERE uid = ? AND at_s = ?",
                             (y["device"], y["at_s"])).fetchone()
            if row is None:
                row = (db.execute("INSERT INTO syncs (uid, at_s) VALUES (?, ?)",
                                  (y["device"], y["at_s"])).lastrowid,)
            sync_ids[y["id"]] = row[0]
        for r in backup["records"]:
            uid, epoch, seq, raw = r["device"], r["epoch"], r["seq"], bytes.fromhex(r["raw"])
            held = db.execute("SELECT raw FROM records WHERE uid = ? AND epoch = ? AND seq = ?",
                              (uid, epoch, seq)).fetchone()
            if held is None:
                # A device's epoch is never below that of a record it holds.
                db.execute("INSERT INTO devices (uid, epoch) VALUES (?, ?) ON CONFLICT (uid) "
                           "DO UPDATE SET epoch = max(epoch, excluded.epoch)", (uid, epoch))
                db.execute("INSERT INTO records (uid, epoch, seq, type, raw, sync_id) "
                           "VALUES (?,?,?,?,?,?)", (uid, epoch, seq, raw[1], raw,
                                                    sync_ids.get(r["sync"])))
            elif bytes(held[0]) != raw:
                raise BackupError(f"record {seq} of device {uid} (epoch {epoch}) is not "
                                  "the one this database holds under that number")
        for t in backup["routines"]:
            store.archive_in_transaction(bytes.fromhex(t["bbr"]), t["routine_id"], t["origin"],
                                         t["source"], t["levels"], t["added_s"])
    after = counts()
    return ImportResult(*(a - b for a, b in zip(after, before, strict=True)))
