"""Finding devices: virtual devices advertised in the runtime directory, port resolution."""

from __future__ import annotations

import json
import os

import pytest
from backbeat.device import ports
from backbeat.device.serialport import pico_ports


@pytest.fixture
def runtime(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    return tmp_path / "backbeat"


def test_advertise_and_withdraw(runtime, tmp_path):
    port = tmp_path / "pts-standin"
    port.write_text("")
    path = ports.advertise(str(port), "/flash/dir")
    assert path == runtime / f"virtual-{os.getpid()}.json"
    assert json.loads(path.read_text()) == {"port": str(port), "pid": os.getpid(),
                                            "flash": "/flash/dir"}
    assert ports.virtual_devices() == [ports.Found(str(port), "virtual", f"virtual-{os.getpid()}")]
    ports.withdraw(path)
    ports.withdraw(path)
    assert ports.virtual_devices() == []


def test_stale_and_broken_adverts_are_ignored(runtime, tmp_path):
    runtime.mkdir(parents=True)
    (runtime / "virtual-1.json").write_text("{not json")
    (runtime / "virtual-2.json").write_text(json.dumps({"port": "/dev/null"}))
    # A process that has exited: its pid is not running any more.
    (runtime / "virtual-3.json").write_text(json.dumps({"port": "/dev/null", "pid": 2**22 + 7}))
    # A live process whose port is gone.
    (runtime / "virtual-4.json").write_text(json.dumps({"port": str(tmp_path / "gone"),
                                                        "pid": os.getpid()}))
    assert ports.virtual_devices() == []


def test_runtime_dir_without_xdg(monkeypatch):
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    assert ports.runtime_dir().name == f"backbeat-{os.getuid()}"


def test_resolve_port(runtime, tmp_path):
    if pico_ports():
        pytest.skip("a real Pico is attached: auto would find it too")
    assert ports.resolve_port("/dev/ttyACM3") == "/dev/ttyACM3"
    with pytest.raises(ports.NoDevice) as e:
        ports.resolve_port("auto")
    assert str(e.value).startswith("no device found: plug in a Pico with MicroPython")
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("")
    b.write_text("")
    ports.advertise(str(a), "x")
    assert ports.resolve_port("auto") == str(a)
    ports.advertise(str(b), "y", pid=os.getppid())
    with pytest.raises(ports.NoDevice) as e:
        ports.resolve_port("auto")
    by_file = sorted([(f"virtual-{os.getpid()}.json", a), (f"virtual-{os.getppid()}.json", b)])
    assert str(e.value) == (f"2 devices found ({by_file[0][1]}, {by_file[1][1]}): "
                            "say which with --port")
