"""The `backbeat emulate` command: options, defaults, errors for people."""

from __future__ import annotations

from pathlib import Path

from backbeat.cli import main
from backbeat.emulator.cli import default_flash_dir
from backbeat.emulator.device import unique_id_for
from click.testing import CliRunner


def test_the_default_flash_is_in_the_users_data_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_flash_dir() == tmp_path / "backbeat" / "virtual-flash"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_flash_dir() == Path.home() / ".local" / "share" / "backbeat" / "virtual-flash"


def test_a_missing_port_is_an_error_with_a_hint(monkeypatch, tmp_path):
    monkeypatch.setenv("BACKBEAT_MICROPYTHON", str(tmp_path / "none.mjs"))
    r = CliRunner().invoke(main, ["emulate", "--flash", str(tmp_path / "f")], input="quit\n")
    assert r.exit_code == 1
    assert r.output == (f"error: BACKBEAT_MICROPYTHON names {tmp_path / 'none.mjs'}, which is "
                        "not a file (hint: point it at the port's micropython.mjs)\n")


def test_a_flash_that_cannot_be_a_folder_is_an_error_with_a_hint(tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("a file, not a folder")
    r = CliRunner().invoke(main, ["emulate", "--flash", str(taken / "flash")], input="quit\n")
    assert r.exit_code == 1
    assert r.output == (f"error: {taken / 'flash'}: cannot keep the flash there: Not a directory "
                        "(hint: --flash names a folder you may write to)\n")


def test_speed_must_be_positive(tmp_path):
    r = CliRunner().invoke(main, ["emulate", "--flash", str(tmp_path), "--speed", "0"])
    assert r.exit_code == 2
    assert r.output.splitlines()[-1] == (
        "Error: Invalid value for '--speed': 0.0 is not in the range 0.001<=x<=1000.")


def test_the_board_id_is_fixed_per_flash_directory(tmp_path):
    a = unique_id_for(tmp_path / "a")
    assert len(a) == 16 and int(a, 16) >= 0
    assert a == unique_id_for(tmp_path / "a")
    assert a != unique_id_for(tmp_path / "b")


def test_the_rp2040_board_needs_its_firmware_and_boot_rom(tmp_path):
    r = CliRunner().invoke(main, ["emulate", "--flash", str(tmp_path), "--board", "rp2040"])
    assert r.exit_code == 2
    assert r.output == ("error: --board rp2040 needs --uf2 FILE and --bootrom FILE (hint: "
                        "MicroPython's RPI_PICO .uf2 and the RP2040 boot ROM)\n")
    r = CliRunner().invoke(main, ["emulate", "--flash", str(tmp_path), "--uf2", "x.uf2"])
    assert r.exit_code == 2
    assert r.output == "error: --uf2 and --bootrom are for --board rp2040\n"


def test_a_missing_or_wrong_rp2040_file_is_an_error_with_a_hint(tmp_path):
    uf2 = tmp_path / "fw.uf2"
    uf2.write_bytes(b"\0" * 512)
    rom = tmp_path / "rom.bin"
    args = ["emulate", "--flash", str(tmp_path / "f"), "--board", "rp2040", "--uf2", str(uf2),
            "--bootrom", str(rom)]
    r = CliRunner().invoke(main, args, input="quit\n")
    assert r.exit_code == 1
    assert r.output == (f"error: --bootrom {rom}: no such file (hint: name the RP2040 B1 boot "
                        "ROM, 16 KB)\n")
    rom.write_bytes(b"\0" * 1000)
    r = CliRunner().invoke(main, args, input="quit\n")
    assert r.exit_code == 1
    assert r.output == (f"error: --bootrom {rom}: 1000 bytes, not a boot ROM (hint: the "
                        "RP2040's is 16384 bytes)\n")
