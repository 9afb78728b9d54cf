"""Ctrl-C ends a command with status 130, as a shell expects, and no traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tty


def test_ctrl_c_exits_130(tmp_path):
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        # Nothing answers on this port: sync waits for the device, long enough to interrupt.
        p = subprocess.Popen([sys.executable, "-m", "backbeat.cli", "sync", "--port",
                              os.ttyname(slave), "--db", str(tmp_path / "db")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while not os.read(master, 100) and time.monotonic() < deadline:
            pass  # the first request shows the command is under way
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
    finally:
        os.close(master)
        os.close(slave)
    assert p.returncode == 130
    assert (out, err) == ("", "\ninterrupted\n")
