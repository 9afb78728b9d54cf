"""The flasher's parts: compiling for the device, the plan of what changed, the .mpy check,
and the on-device listing and switch run in real MicroPython (the WebAssembly port)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from backbeat.device import flasher as F
from backbeat.emulator.device import MICROPYTHON_MJS

ROOT = Path(__file__).resolve().parent.parent
MP = ROOT / MICROPYTHON_MJS

_RUNNER = """
import { loadMicroPython } from %s;
import fs from "fs";
const job = JSON.parse(fs.readFileSync(0, "utf8"));
let out = "";
const mp = await loadMicroPython({heapsize: 192 * 1024, linebuffer: false,
  stdout: (b) => { out += Buffer.from(b).toString("latin1"); },
  stderr: (b) => { out += Buffer.from(b).toString("latin1"); }});
mp.FS.mkdir("/fw");
for (const [name, text] of Object.entries(job.modules)) mp.FS.writeFile("/fw/" + name, text);
for (const d of job.dirs) mp.FS.mkdir(d);
for (const [path, b64] of Object.entries(job.files)) mp.FS.writeFile(path, Buffer.from(b64, "base64"));
const results = [];
for (const code of job.runs) {
  out = "";
  try { mp.runPython(code); } catch (e) { out += "EXC " + e; }
  results.push(out);
}
process.stdout.write(JSON.stringify(results));
"""


def run_micropython(tmp_path: Path, files: dict[str, bytes], dirs: list[str],
                    runs: list[str]) -> list[str]:
    """Run each code string in one MicroPython whose file system holds `files`."""
    import base64

    script = tmp_path / "runner.mjs"
    script.write_text(_RUNNER % json.dumps(str(MP)))
    modules = {n: (ROOT / "firmware" / n).read_text()
               for n in (F.JOURNAL_MODULE, "logbook.py", "retain.py")}
    job = {"modules": modules, "dirs": dirs, "runs": runs,
           "files": {p: base64.b64encode(d).decode() for p, d in files.items()}}
    r = subprocess.run(["node", str(script)], input=json.dumps(job), capture_output=True,
                       text=True, timeout=120, check=True)
    return json.loads(r.stdout)


_SNAPSHOT = """
import os
for _d in ('/', '/routines', '/.flash'):
    try:
        _n = sorted(os.listdir(_d))
    except OSError:
        continue
    for _f in _n:
        _p = _d.rstrip('/') + '/' + _f
        if os.stat(_p)[0] & 0x4000:
            continue
        print(_p, open(_p, 'rb').read())
"""


def test_compile_module__mpy_of_the_version_mpy_cross_writes():
    data = F.compile_module(ROOT / "firmware" / "link.py")
    assert data[:2] == b"M\x06"
    assert F.mpy_cross_version() == 6


def test_compile_module__syntax_error_named(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(:\n")
    with pytest.raises(F.FlashError) as e:
        F.compile_module(bad)
    assert str(e.value).startswith(f"{bad}: mpy-cross failed: ")


def test_firmware_files__entry_as_source_the_rest_compiled():
    files = F.firmware_files(ROOT / "firmware")
    assert files["/main.py"] == (ROOT / "firmware" / "main.py").read_bytes()
    for name in ("b64native.py", "lognative.py"):
        assert files["/" + name] == (ROOT / "firmware" / name).read_bytes()
    modules = sorted(p.stem for p in (ROOT / "firmware").glob("*.py")
                     if p.name not in F.SOURCE_FILES + F.NATIVE_FILES)
    assert sorted(p[1:-4] for p in files if p.endswith(".mpy")) == modules
    # Portable: no architecture in the header's third byte, only the .mpy sub-version.
    assert all(files[p][:2] == b"M\x06" and files[p][2] >> 2 == 0
               for p in files if p.endswith(".mpy"))


def test_firmware_files__machine_code_compiled_for_the_devices_architecture():
    rp2040 = 6 | 3 << 8 | 4 << 10  # sys.implementation._mpy of MicroPython 1.27 on a Pico
    assert F.native_arch(rp2040, ROOT / "firmware") == "armv6m"
    assert F.native_arch(6 | 3 << 8, ROOT / "firmware") is None  # no native emitter (WebAssembly)
    assert F.native_arch(6 | 2 << 8 | 4 << 10, ROOT / "firmware") is None  # other sub-version
    files = F.firmware_files(ROOT / "firmware", "armv6m")
    assert sorted(p for p in files if "native" in p) == ["/b64native.mpy", "/lognative.mpy"]
    assert files["/lognative.mpy"][:3] == bytes((ord("M"), 6, 4 << 2 | 3))
    assert files["/app.mpy"][2] >> 2 == 0  # the others stay portable


def test_native_archs__as_mpy_cross_numbers_them(tmp_path):
    src = tmp_path / "v.py"
    src.write_text("import micropython\n@micropython.viper\ndef f(x: int) -> int:\n    return x\n")
    for number, arch in F.NATIVE_ARCHS.items():
        assert F.compile_module(src, arch)[2] >> 2 == number, arch


def test_firmware_files__no_main(tmp_path):
    with pytest.raises(F.FlashError) as e:
        F.firmware_files(tmp_path)
    assert str(e.value) == f"{tmp_path}: no main.py (hint: --firmware names the firmware folder)"


def test_image_and_manifest():
    fw = {"/main.py": b"print(1)\n", "/app.mpy": b"M\x06app"}
    img = F.image(fw, {"desk-job": b"BBRT1"})
    version = F.firmware_version(img)
    assert version == F.firmware_version(F.image(fw, {"other": b"BBRT2"}))  # routines aside
    assert version != F.firmware_version(F.image({**fw, "/app.mpy": b"M\x06new"}, {}))
    lines = img["/manifest.txt"].decode().splitlines()
    assert lines[0] == f"backbeat-firmware {version}"
    # The manifest lists the firmware's files: routines come and go on their own.
    app_h, main_h = F.sha256(fw["/app.mpy"]), F.sha256(fw["/main.py"])
    assert lines[1:] == [f"/app.mpy {app_h}", f"/main.py {main_h}"]
    assert img["/routines/desk-job.bbr"] == b"BBRT1"


_OLD_MANIFEST = "backbeat-firmware 1\n/ui.mpy x\n/app.mpy y\n/routines/old.bbr z\n"


def _plan_case() -> tuple[dict[str, bytes], dict[str, str]]:
    files = {"/main.py": b"m2", "/app.mpy": b"a1", "/routines/a.bbr": b"r1"}
    dev = {"/main.py": F.sha256(b"m1"), "/app.mpy": F.sha256(b"a1"), "/app.py": F.sha256(b"x"),
           "/routines/old.bbr": F.sha256(b"o"), "/ui.mpy": F.sha256(b"u"), "/mine.py": "0" * 64,
           "/logs/00000001.log": "1" * 64}
    return files, dev


def test_plan__only_what_changed_and_what_must_go_keeping_other_routines():
    files, dev = _plan_case()
    p = F.plan(files, dev, old_manifest=_OLD_MANIFEST)
    s_main, s_rt = F.staged_name("/main.py", b"m2"), F.staged_name("/routines/a.bbr", b"r1")
    assert p.upload == {s_main: b"m2", s_rt: b"r1"}
    # old.bbr stays, though an older manifest named it: routines go only when named.
    assert p.journal == [f"R {s_main} /main.py", f"R {s_rt} /routines/a.bbr", "D /app.py",
                         "D /ui.mpy"]


def test_plan__removes_the_routines_named():
    files, dev = _plan_case()
    p = F.plan(files, dev, old_manifest=_OLD_MANIFEST, remove=["old", "not-there"])
    assert p.journal[2:] == ["D /app.py", "D /routines/old.bbr", "D /ui.mpy"]


def test_refuse_unsynced():
    F.refuse_unsynced([], F.AppState(None), "/dev/x")  # nothing to remove: nothing to ask
    F.refuse_unsynced(["a"], F.AppState({"b": 2}), "/dev/x")
    with pytest.raises(F.FlashError) as e:
        F.refuse_unsynced(["a", "b", "c"], F.AppState({"b": 2, "c": 1}), "/dev/x")
    assert str(e.value) == ("b (2 not synced), c (1 not synced): sessions not yet synced, so "
                            "not removed; nothing was changed (hint: run backbeat sync first)")
    with pytest.raises(F.FlashError) as e:
        F.refuse_unsynced(["a"], F.AppState(None), "/dev/x")
    assert str(e.value) == ("the app on /dev/x did not answer, so backbeat cannot tell whether "
                            "the sessions of a are synced; nothing was changed (hint: run "
                            "backbeat sync first)")


def test_plan__staged_already_not_sent_again():
    files = {"/main.py": b"m2"}
    stage = F.staged_name("/main.py", b"m2")
    p = F.plan(files, {stage: F.sha256(b"m2")})
    assert p.upload == {} and p.journal == [f"R {stage} /main.py"]
    assert F.plan(files, {"/main.py": F.sha256(b"m2")}).nothing_to_do


def test_plan__a_staged_file_cut_short_is_sent_again():
    files = {"/main.py": b"m2", "/app.mpy": b"a2"}
    s_main, s_app = F.staged_name("/main.py", b"m2"), F.staged_name("/app.mpy", b"a2")
    # A flash cut while writing the second file: the first is staged whole, the second not.
    dev = {"/main.py": F.sha256(b"m1"), "/app.mpy": F.sha256(b"a1"), s_main: F.sha256(b"m2"),
           s_app: F.sha256(b"a")}
    p = F.plan(files, dev)
    assert p.upload == {s_app: b"a2"}
    assert p.journal == [f"R {s_app} /app.mpy", f"R {s_main} /main.py"]


def test_staged_name__same_bytes_other_targets_differ():
    assert F.staged_name("/routines/a.bbr", b"x") != F.staged_name("/routines/b.bbr", b"x")
    assert F.staged_name("/a", b"x").startswith("/.flash/") and len(F.staged_name("/a", b"x")) == 24


def test_parse_listing__only_well_formed_lines():
    text = ("F /main.py " + "a" * 64 + "\nF /x.py notahash\nTraceback\n"
            "F /routines/r.bbr " + "b" * 64 + "\r\nV 2566 1.27.0\n")
    assert F.parse_listing(text) == ({"/main.py": "a" * 64, "/routines/r.bbr": "b" * 64},
                                     2566, "1.27.0")


def test_check_mpy():
    F.check_mpy(0x0A06, "1.27.0", 6)
    with pytest.raises(F.FlashError) as e:
        F.check_mpy(5, "1.18.0", 6)
    assert str(e.value) == (
        "the device runs MicroPython 1.18.0, which loads .mpy version 5; this firmware is "
        "compiled to .mpy version 6 (hint: install MicroPython 1.27 or newer from "
        "https://micropython.org/download/RPI_PICO/ , or RPI_PICO2 for a Pico 2)")


def test_flash__a_name_the_device_would_refuse_stops_it_first():
    with pytest.raises(F.FlashError) as e:
        F.flash("/dev/backbeat-no-such-port", ROOT / "firmware", {"Desk Job": b"BBRT"})
    assert str(e.value).startswith("Desk Job: not a routine name the device accepts")


def test_routine_names():
    F.routine_names(["lower-back", "x_1"])
    with pytest.raises(F.FlashError) as e:
        F.routine_names(["../etc"])
    assert str(e.value).startswith("../etc: not a routine name the device accepts")


def _device_state() -> tuple[dict[str, bytes], list[str]]:
    files = {"/main.py": b"old main", "/app.mpy": b"old app", "/app.py": b"shadow",
             "/routines/gone.bbr": b"old routine", "/routines/keep.bbr": b"keep",
             "/manifest.txt": b"backbeat-firmware 000000000000\n/app.mpy x\n/lost.mpy y\n",
             "/lost.mpy": b"module the new firmware lacks"}
    return files, ["/routines", "/.flash"]


def test_listing_and_switch_in_micropython(tmp_path):
    files, dirs = _device_state()
    new = F.image({"/main.py": b"new main", "/app.mpy": b"new app"},
                  {"keep": b"keep", "new": b"new routine"})
    (listing,) = run_micropython(tmp_path, files, dirs, [F._LIST])
    on_device, mpy, version = F.parse_listing(listing)
    assert on_device == {p: F.sha256(d) for p, d in files.items()}
    assert mpy & 0xFF == 6 and version.startswith("1.27.")
    p = F.plan(new, on_device, files["/manifest.txt"].decode(), remove=["gone"])
    staged = dict(files)
    staged.update(p.upload)
    staged["/.flash/left-by-an-earlier-flash"] = b"x"
    staged["/.flash/journal"] = ("\n".join(p.journal) + "\n").encode()
    # The flasher sends the journal module's text; main.py imports it: one switch, two ways.
    sent = (ROOT / "firmware" / F.JOURNAL_MODULE).read_text()
    host_run = run_micropython(tmp_path, staged, dirs,
                               [sent + "\nprint('DONE' if finish() else 'NONE')\n", _SNAPSHOT])
    boot = "import sys\nsys.path.insert(0, '/fw')\nimport journal\nprint(journal.finish())\n"
    boot_run = run_micropython(tmp_path, staged, dirs, [boot, _SNAPSHOT])
    assert host_run[0] == "DONE\n" and boot_run[0] == "True\n"
    want = "".join(f"{path} {data!r}\n" for path, data in sorted(new.items(), key=_order))
    assert host_run[1] == want
    assert boot_run[1] == want


def _order(item: tuple[str, bytes]) -> tuple[int, str]:
    path = item[0]
    return (1 if path.startswith("/routines/") else 0, path)


def test_flasher__port_held_by_another_program():
    from backbeat.device.serialport import SerialPort
    from linkrig import PtyDevice

    dev = PtyDevice()
    try:
        with SerialPort(dev.path):
            with pytest.raises(F.FlashError) as e:
                F.Flasher(dev.path)
        assert str(e.value) == (f"cannot open {dev.path}: failed to access {dev.path} "
                                "(hint: is another program holding it?)")
    finally:
        dev.close()


def test_retain__the_routines_a_flash_replaces_are_kept_under_their_crc(tmp_path):
    import zlib

    old = (ROOT / "tests" / "golden" / "bbr" / "tiny.bbr").read_bytes()
    files = {"/routines/tiny.bbr": old, "/routines/other.bbr": b"stays"}
    journal = ["R /.flash/0123 /routines/tiny.bbr", "D /routines/gone.bbr", "R /.flash/4567 /app.mpy"]
    leaving = F.replaced_routines(journal, {"/routines/tiny.bbr": "x", "/app.mpy": "y"})
    assert leaving == ["/routines/tiny.bbr"]
    show = "import os\nfor _f in sorted(os.listdir('/kept')):\n print(_f, open('/kept/' + _f, 'rb').read() == " \
           + repr(old) + ")\n"
    (out, listing) = run_micropython(tmp_path, files, ["/routines"], [
        "import sys\nsys.path.insert(0, '/fw')\n" + F._RETAIN.format(paths=leaving), show])
    assert out == ""
    assert listing == f"{zlib.crc32(old[:-4]):08x}.bbr True\n"
