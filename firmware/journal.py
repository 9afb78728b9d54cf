# The flash journal: the switch from the old files to the new ones in a flash
# (docs/link-protocol.md, "Flashing"). main.py runs it at every start, before the app, and
# the host's flasher sends this file's text to run it through the raw REPL, so the steps
# are written once. It imports nothing from the firmware: it runs on a device whose other
# modules may still be the old ones, or none.

import os

STAGE = "/.flash"
JOURNAL = "/.flash/journal"


def _exists(opener, path):
    try:
        opener(path, "rb").close()
        return True
    except OSError:
        return False


def _ensure_dir(fs, path):
    k = path.rfind("/")
    if k > 0:
        try:
            fs.mkdir(path[:k])
        except OSError:
            pass


def finish(fs=os, opener=open):
    """Carry out /.flash/journal if there is one, then clear /.flash; True when there was.

    Each line is `R STAGED TARGET` (move a staged file into place, unless it was moved
    already) or `D TARGET` (remove it). Running it twice does no harm. fs gives mkdir,
    remove, rename and listdir (the os module on the board), opener opens a file.
    """
    try:
        f = opener(JOURNAL, "rb")
    except OSError:
        return False
    try:
        text = f.read()
    finally:
        f.close()
    for line in str(text, "ascii").split("\n"):
        parts = line.split(" ")
        if parts[0] == "R" and len(parts) == 3:
            if _exists(opener, parts[1]):
                _ensure_dir(fs, parts[2])
                try:
                    fs.rename(parts[1], parts[2])
                except OSError:
                    try:
                        fs.remove(parts[2])
                    except OSError:
                        pass
                    fs.rename(parts[1], parts[2])
        elif parts[0] == "D" and len(parts) == 2:
            try:
                fs.remove(parts[1])
            except OSError:
                pass
    fs.remove(JOURNAL)
    # What is left in /.flash was staged for a flash that this one replaced.
    for name in fs.listdir(STAGE):
        try:
            fs.remove(STAGE + "/" + name)
        except OSError:
            pass
    return True
