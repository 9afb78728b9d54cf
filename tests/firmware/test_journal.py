# Tests for firmware/journal.py: the switch of a flash, carried out once, again after a cut
# inside it, and after a power cut at every step.

import journal as J
from memfs import MemFs


def _staged(fs):
    fs.dirs.append("/.flash")
    fs.files["/.flash/aa"] = bytearray(b"new app")
    fs.files["/.flash/bb"] = bytearray(b"new routine")
    fs.files["/app.mpy"] = bytearray(b"old app")
    fs.files["/app.py"] = bytearray(b"shadow")
    fs.files["/routines/gone.bbr"] = bytearray(b"old routine")
    fs.files[J.JOURNAL] = bytearray(
        b"R /.flash/aa /app.mpy\nR /.flash/bb /routines/new.bbr\nD /app.py\nD /routines/gone.bbr\n"
    )


def test_finish__carries_out_the_journal_once():
    fs = MemFs()
    fs.dirs.append("/routines")
    _staged(fs)
    assert J.finish(fs, fs.open) is True
    assert sorted(fs.files) == ["/app.mpy", "/routines/new.bbr"]
    assert fs.files["/app.mpy"] == bytearray(b"new app")
    assert J.finish(fs, fs.open) is False


def test_finish__after_a_cut_inside_it():
    fs = MemFs()
    fs.dirs.append("/routines")
    _staged(fs)
    # A first run moved the app and was cut: running the journal again finishes it.
    fs.files["/app.mpy"] = fs.files.pop("/.flash/aa")
    assert J.finish(fs, fs.open) is True
    assert sorted(fs.files) == ["/app.mpy", "/routines/new.bbr"]
    assert fs.files["/app.mpy"] == bytearray(b"new app")


def _journal_ops(fs):
    ops = []
    for line in str(bytes(fs.files[J.JOURNAL]), "ascii").split("\n"):
        if line:
            ops.append(line.split(" "))
    return ops


def test_finish__power_cut_after_every_step_of_the_switch():
    base = MemFs()
    base.dirs.append("/routines")
    _staged(base)
    ops = _journal_ops(base)
    for cut in range(len(ops) + 1):
        fs = base.copy()
        # The switch ran `cut` steps (as the host's commit does them), then the power went.
        for op in ops[:cut]:
            if op[0] == "R":
                fs.files[op[2]] = fs.files.pop(op[1])
            else:
                fs.files.pop(op[1], None)
        assert J.finish(fs, fs.open) is True
        assert sorted(fs.files) == ["/app.mpy", "/routines/new.bbr"]
        assert fs.files["/app.mpy"] == bytearray(b"new app")
        assert fs.files["/routines/new.bbr"] == bytearray(b"new routine")
        yield


def test_finish__clears_what_an_earlier_flash_staged():
    fs = MemFs()
    fs.dirs.append("/routines")
    _staged(fs)
    fs.files["/.flash/cc"] = bytearray(b"staged by a flash that was given up")
    assert J.finish(fs, fs.open) is True
    assert sorted(fs.files) == ["/app.mpy", "/routines/new.bbr"]
    assert fs.listdir("/.flash") == []
