"""The plan over a history made by real syncs: sessions written by the firmware's logbook (under
CPython), pulled over a pseudo-terminal into the store, and read back by `backbeat plan`."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from backbeat.cli import main
from backbeat.device.link import LinkClient
from backbeat.device.serialport import SerialPort
from backbeat.device.sync import sync_device
from backbeat.routine import load_routine
from backbeat.store import Store
from backbeat.timeline import CHECK_PAIN, KINDS
from click.testing import CliRunner
from linkrig import PtyDevice

NOW = 1_800_000_000  # the sync sets the device's clock to this
ROUTINE = """name: Back
steps:
  - exercise: Partial cobra
    hold: {from: 10s, to: 20s, step: 5s}
    check: pain
  - exercise: Plank
    hold: max
    target: 20s
"""
PAIN = {"no": 0, "yes": 8}  # the answers, 0 to 10 (log format 2); 255: not asked


@pytest.fixture
def dev():
    d = PtyDevice()
    yield d
    d.close()


def run_session(dev: PtyDevice, path, level: int, pain: str, plank_ms: int) -> None:
    """One whole session of the routine at ``level``, logged as the app logs one."""
    timeline = load_routine(path, level)
    lb = dev.logbook
    lb.begin_session("back", 0x1234ABCD, level, len(timeline.segments), timeline.total_ms, 1000)
    t = 0
    for i, seg in enumerate(timeline.segments):
        lasted = plank_ms if seg.kind == "hold_open" else seg.duration_ms
        asked = PAIN[pain] if seg.flags & CHECK_PAIN else 255
        lb.add_segment(i, KINDS.index(seg.kind) + 1, 1, asked, t, t + lasted, seg.duration_ms, lasted)
        lb.flush()
        t += lasted
    lb.end_session(1, len(timeline.segments), 0, t, 0, 1000 + t)


def sync_and_plan(dev: PtyDevice, tmp_path, path) -> list[tuple]:
    port = SerialPort(dev.path)
    try:
        with Store(tmp_path / "b.db") as store:
            sync_device(LinkClient(port, timeout=0.5), store, NOW)
    finally:
        port.close()
    on = datetime.fromtimestamp(NOW).date().isoformat()
    result = CliRunner().invoke(
        main, ["plan", str(path), "--db", str(tmp_path / "b.db"), "--on", on, "--json"]
    )
    assert result.exit_code == 0, result.output
    return [(e["exercise"], e["level"], e["clean"], e["target_ms"])
            for e in json.loads(result.stdout)["routines"][0]["exercises"]]


def test_plan__three_clean_synced_sessions_earn_a_level_and_pain_takes_it_back(dev, tmp_path):
    path = tmp_path / "back.yaml"
    path.write_text(ROUTINE)
    for plank in (21_000, 25_400, 23_000):
        run_session(dev, path, 0, "no", plank)
    assert sync_and_plan(dev, tmp_path, path) == [
        ("Partial cobra", 1, 0, None),
        ("Plank", 0, 3, 25_000),
    ]
    run_session(dev, path, 1, "no", 30_000)
    assert sync_and_plan(dev, tmp_path, path) == [
        ("Partial cobra", 1, 1, None),
        ("Plank", 0, 4, 30_000),
    ]
    run_session(dev, path, 1, "yes", 19_000)
    assert sync_and_plan(dev, tmp_path, path) == [
        ("Partial cobra", 0, 0, None),  # pain 8: more than hold, back one level
        ("Plank", 0, 5, 30_000),  # the best of the last three holds
    ]
