"""Sync: every new log record from a device into the store, acknowledged after the commit.

Idempotent (records are keyed by device, epoch and sequence number) and resumable (the
read starts from what the database holds; the device keeps everything not acknowledged).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from backbeat.codec.logrec import RecordError
from backbeat.device.link import LinkClient, NoAnswer
from backbeat.store import Store

READ_BYTES = 16384  # per READ: the device answers it in one turn of its loop (link-protocol.md)
MIN_READ_BYTES = 64


class SyncError(Exception):
    """A sync that could not be done; str() says why and what to do."""


@dataclass
class SyncResult:
    uid: str
    epoch: int
    new_records: int
    new_sessions: int
    acked: int
    round_trips: int
    fetched: list[str] = field(default_factory=list)  # routines fetched from the device
    missing: list[str] = field(default_factory=list)  # routines neither stored nor on it


def _fetch_routines(client: LinkClient, store: Store, uid: str, now_s: int,
                    result: SyncResult) -> None:
    """Fetch from the device every routine a stored session of it ran that the archive
    lacks; note those it does not have either."""
    for crc, rid in sorted(store.missing_routines(uid).items()):
        label = f"{rid} ({crc:08x})"
        if label in result.missing:
            continue
        data = client.get_routine(crc)
        if data is None:
            result.missing.append(label)
            continue
        try:
            store.archive(data, rid, "device", now_s=now_s)
        except ValueError:  # a file with the right CRC that is not a routine this host reads
            result.missing.append(label)
            continue
        result.fetched.append(label)


def _seq(raw: bytes) -> int:
    return struct.unpack_from("<I", raw, 4)[0]


def sync_device(client: LinkClient, store: Store, now_s: int, read_bytes: int = READ_BYTES,
                progress: Callable[[int, int], None] | None = None,
                restarts: int = 2, waking: Callable[[], None] | None = None) -> SyncResult:
    """Pull new records from the device behind `client` into `store`.

    When the app stops under way (a stray Ctrl-C byte gives the REPL), it is restarted
    and the sync goes on from what is committed, at most `restarts` times. `waking` is
    told before the app is restarted (asleep, or stopped).
    """
    result = SyncResult("", 0, 0, 0, 0, 0)
    for attempt in range(restarts + 1):
        try:
            _sync_once(client, store, now_s, read_bytes, progress, result, waking)
            result.round_trips = client.round_trips
            return result
        except NoAnswer as e:
            if not e.repl or attempt == restarts:
                raise
            if waking is not None:
                waking()
            client.wake(now_s)
    raise AssertionError("unreachable")


def _held(store: Store, uid: str | None) -> tuple[int, tuple[int, bytes] | None]:
    """The device's log epoch in the store, and the last record stored of it (the first
    READ starts there, or at 1 without one)."""
    if uid is None:
        return 0, None
    epoch = store.epoch(uid)
    return epoch, store.last_record(uid, epoch)


def _sync_once(client: LinkClient, store: Store, now_s: int, read_bytes: int,
               progress: Callable[[int, int], None] | None, result: SyncResult,
               waking: Callable[[], None] | None) -> None:
    # The first READ goes out right behind HELLO, before its answer says which device
    # this is: as for the device synced last (usually the one there is). For another,
    # its answer is passed over and the right READ sent.
    _e, guess = _held(store, store.last_device())
    client.follow(*client.read_request(guess[0] if guess is not None else 1, read_bytes))
    hello = client.connect(now_s, waking)
    if hello.busy:
        raise SyncError("a session is running on the device: sync again once it has ended")
    uid = hello.uid
    result.uid = uid
    store.note_device(uid, hello.board, hello.firmware, now_s)
    sync_id = store.begin_sync(uid, now_s)
    epoch, last = _held(store, uid)
    if last is not None and hello.next_seq - 1 < last[0]:
        epoch = store.new_epoch(uid)  # the device's log is shorter than what we hold: wiped
        last = None
    acked = hello.acked
    start = last[0] if last is not None else 1
    check = last
    size = read_bytes
    upto = 0  # the last record read and committed
    while True:
        try:
            records, last_sent, next_seq = client.read(start, size)
        except NoAnswer as e:
            # A noisy line spoils long answers: ask for fewer records at a time.
            if e.repl or size <= MIN_READ_BYTES:
                raise
            size = max(MIN_READ_BYTES, size // 4)
            continue
        size = min(read_bytes, size * 2)
        if check is not None:
            if records and _seq(records[0]) == check[0]:
                if records[0] != check[1]:
                    # Same sequence number, other bytes: the log was wiped and written again.
                    epoch = store.new_epoch(uid)
                    check = None
                    start = 1
                    continue
                records = records[1:]
            check = None
        if records:
            before = store.session_count(uid)
            try:
                added = store.add_records(uid, epoch, records, sync_id)
            except RecordError as e:
                raise SyncError(f"the device sent a damaged record ({e}); nothing of this read "
                                "was stored: run the sync again") from None
            result.new_records += added
            result.new_sessions += store.session_count(uid) - before
        if records:
            _fetch_routines(client, store, uid, now_s, result)
        upto = max(upto, last_sent)
        if progress is not None:
            progress(last_sent, next_seq - 1)
        if last_sent + 1 >= next_seq or last_sent < start:
            break
        start = last_sent + 1
    if upto > acked:
        # Only now, once for the whole sync: every record read is committed and the
        # routines they ran fetched (the device forgets an old routine once no
        # unacknowledged session ran it).
        acked = client.ack(upto)
    result.epoch = epoch
    result.acked = acked
