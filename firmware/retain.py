# Routines kept for the host (docs/link-protocol.md, "Kept routines"): a routine replaced or
# removed while sessions that ran it are not yet synced stays in /kept under its CRC, so the
# host can still fetch it by the CRC the session start names. Pruned at each ACK.

from logbook import KEPT, crc_of, exists, get_u32, kept_path
from micropython import const

_SESSION_START = const(1)
_CRC_AT = const(20)  # record header 8 + the session start's routine_crc at 12


def save(fs, path, buf, move):
    """Keep the routine file at `path` under its CRC before it is replaced (move False: a
    copy, so the file stays in place until the replacing rename) or removed (move True).
    `buf` is a scratch buffer of at least 4 bytes. True when the file was moved away;
    nothing happens when there is no file (or a copy is kept already)."""
    crc = crc_of(fs, path, buf)
    if crc is None:
        return False
    dest = kept_path(crc)
    try:
        fs.mkdir(KEPT)
    except OSError:
        pass
    if exists(fs, dest):
        return False
    if move:
        fs.rename(path, dest)
        return True
    tmp = dest + ".tmp"
    src = fs.open(path, "rb")
    try:
        out = fs.open(tmp, "wb")
        try:
            while True:
                n = src.readinto(buf)
                if not n:
                    break
                out.write(memoryview(buf)[:n])
        finally:
            out.close()
    finally:
        src.close()
    fs.rename(tmp, dest)
    return False


def needed(logbook, into):
    """Append to `into` the routine CRC of every session start not yet acknowledged."""

    def take(seq, rtype, buf, size):
        if rtype == _SESSION_START:
            crc = get_u32(buf, _CRC_AT)
            if crc not in into:
                into.append(crc)

    logbook.records(logbook.acked + 1, take)


def prune(fs, logbook):
    """Remove the kept routines no unacknowledged session ran (and copies cut short)."""
    try:
        names = fs.listdir(KEPT)
    except OSError:
        return
    want = []  # type: list[int]
    needed(logbook, want)
    for name in names:
        drop = not name.endswith(".bbr")
        if not drop:
            try:
                drop = int(name[:-4], 16) not in want
            except ValueError:
                drop = True
        if drop:
            try:
                fs.remove(KEPT + "/" + name)
            except OSError:
                pass


def search(fs, crc, routines, buf):
    """The path of a routine file in the `routines` folder whose CRC is `crc`, each file's
    read in turn; None when there is none (the kept copies are the caller's: kept_path)."""
    try:
        names = fs.listdir(routines)
    except OSError:
        return None
    for name in names:
        if name.endswith(".bbr"):
            path = routines + "/" + name
            if crc_of(fs, path, buf) == crc:
                return path
    return None
