// The virtual Pico's CPU: MicroPython's WebAssembly port running the firmware, in a
// worker thread so the firmware's blocking main loop can block. The main thread
// (device.mjs) fills two shared rings, serial input and control (button gestures);
// this thread reads them whenever the firmware sleeps, reads the clock, reads
// stdin or sits at the REPL. One worker is one run of the interpreter: a soft or
// hard reset ends it and the main thread starts the next one.

import { parentPort, workerData } from "node:worker_threads";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ring } from "./ring.mjs";
import { Ssd1306 } from "./ssd1306.mjs";
import { Ds3231, RTC_ADDR } from "./ds3231.mjs";
import { Flash, BLOCKS } from "./flash.mjs";
import { gesturePhases } from "./gesture.mjs";
import { loadPicoMicroPython, PortUnfit } from "./mpport.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { mpModule, flashDir, speed, bootRealMs, mode, uniqueId, heapBytes, wantGlyphs,
  held, oledState, rtcState } = workerData;
// The clock chip, when the device has one (rtcState is null without).
const rtc = rtcState ? new Ds3231(new Float64Array(rtcState)) : null;
const serial = new Ring(workerData.serial);
const control = new Ring(workerData.control);
const doorbell = new Int32Array(workerData.doorbell);
const never = new Int32Array(new SharedArrayBuffer(4));

// The board's wiring (hardware/ and firmware/board.py): what the virtual Pico has on its pins.
const BUTTON_PIN = 14;
const I2C0_SDA = 4;
const I2C0_SCL = 5;
const OLED_ADDR = 0x3c;

// The Pico's clock starts at 2021-01-01 00:00:00 when nobody has set it.
const PICO_EPOCH_MS = Date.UTC(2021, 0, 1);

const realNow = () => performance.timeOrigin + performance.now();
const deviceNow = () => (realNow() - bootRealMs) * speed;

// ---------------------------------------------------------------- output to the serial port

let out = [];
let lastFlush = realNow();
let muted = false;
let heard = null; // what the REPL said while one byte was fed to it

// While a line typed at the friendly REPL runs, text goes out as a Pico's USB serial
// sends it, each \n as \r\n (main.py's output is left alone: the serial link of the app
// writes binary frames to the same stdout).
let cooked = false;
let lastByte = -1;

function emit(byte) {
  if (muted) return;
  if (cooked && byte === 10 && lastByte !== 13) emit(13);
  lastByte = byte;
  if (heard !== null) heard.push(byte);
  out.push(byte);
  if (out.length >= 4096) flushOut();
}

function emitText(s) {
  for (const c of Buffer.from(s, "latin1")) emit(c);
}

function flushOut() {
  lastFlush = realNow();
  if (!out.length) return;
  parentPort.postMessage({ t: "out", data: Uint8Array.from(out) });
  out = [];
}

// ---------------------------------------------------------------- display and cues

const oled = new Ssd1306();
if (oledState) oled.restore(oledState);
let postedChanges = -1;
let lastFrame = 0;

function postFrame(force) {
  if (oled.changes === postedChanges) return;
  const now = realNow();
  if (!force && now - lastFrame < 20) return;
  lastFrame = now;
  postedChanges = oled.changes;
  parentPort.postMessage({
    t: "frame", at: deviceNow(), lit: oled.lit(), contrast: oled.contrast,
    pixels: oled.visible(),
  });
}

function event(e) {
  e.at = deviceNow();
  parentPort.postMessage({ t: "event", e });
}

// ---------------------------------------------------------------- pins and the button

const pins = new Map(); // n -> {mode, pull, out, irq}
let buttonLevel = held ? 0 : 1;
// The button's gestures as phases {level, ms} still to come, and the phase under way.
// A phase ends once it has lasted its time and the firmware has read the pin at least
// twice during it (or, if it does not poll the pin, after PHASE_GIVE_UP_MS of real
// time), so a fast clock never lets a press slip between two turns of its loop.
const phases = [];
let phase = null;
const PHASE_GIVE_UP_MS = 500;
let pendingIrq = [];
let irqPins = 0;

function pin(n) {
  let p = pins.get(n);
  if (!p) {
    p = { mode: 0, pull: 0, out: 0, irq: 0 };
    pins.set(n, p);
  }
  return p;
}

function inputLevel(n) {
  if (n === BUTTON_PIN) {
    // Pressed, the button pulls the pin to ground; released, only a pull-up lifts it.
    if (buttonLevel === 0) return 0;
    return pin(n).pull === 1 ? 1 : 0;
  }
  const p = pin(n);
  return p.pull === 1 ? 1 : 0;
}

function phaseOver(now) {
  if (now - phase.at < phase.ms) return false;
  return phase.reads >= 2 || realNow() - phase.real > PHASE_GIVE_UP_MS;
}

function advanceButton(now) {
  while (phases.length && (phase === null || phaseOver(now))) {
    const next = phases.shift();
    phase = { level: next.level, ms: next.ms, at: now, real: realNow(), reads: 0 };
    if (next.level === buttonLevel) continue;
    const p = pin(BUTTON_PIN);
    const before = inputLevel(BUTTON_PIN);
    buttonLevel = next.level;
    const after = inputLevel(BUTTON_PIN);
    event({ kind: "button", level: next.level });
    if (before !== after && p.irq) {
      const edge = after ? 8 : 4; // IRQ_RISING : IRQ_FALLING
      if (p.irq & edge) pendingIrq.push(BUTTON_PIN);
    }
  }
}

// A gesture on the button, as presses of fixed device durations (gesture.mjs).
function schedule(kind) {
  phases.push(...gesturePhases(kind));
  advanceButton(deviceNow());
}

// ---------------------------------------------------------------- input

const stdinBuf = [];
// The device's serial receive buffer is bounded (device.mjs): what the firmware has taken
// from it is counted here, and what this thread holds in stdinBuf, for the main thread.
const rx = new Int32Array(workerData.rx);
function rxTook(n) {
  Atomics.add(rx, 0, n);
}
function rxHeld(n) {
  Atomics.add(rx, 1, n);
}
let kbdPending = false;
let M = null; // the Emscripten module

function takeGestures() {
  let c;
  while ((c = control.readByte()) >= 0) schedule(String.fromCharCode(c));
}

function service() {
  let c;
  takeGestures();
  // Serial bytes that arrive while Python runs go to stdin, except the interrupt
  // character, which raises KeyboardInterrupt and clears what was waiting (as on rp2).
  while ((c = serial.readByte()) >= 0) {
    if (M !== null && c === M._mp_hal_get_interrupt_char()) {
      rxTook(stdinBuf.length + 1);
      rxHeld(-stdinBuf.length);
      stdinBuf.length = 0;
      M._mp_sched_keyboard_interrupt();
      kbdPending = true;
    } else {
      stdinBuf.push(c);
      rxHeld(1);
    }
  }
  advanceButton(deviceNow());
}

// Wait up to ms real milliseconds for the main thread to put something in a ring.
function waitReal(ms) {
  const seen = Atomics.load(doorbell, 0);
  if (serial.available() || control.available()) return;
  if (ms > 0) Atomics.wait(doorbell, 0, seen, ms);
}

// Device ms until the button may change, for sleeps to wake then.
function nextTransitionIn(now) {
  if (!phases.length) return Infinity;
  return phase === null ? 0 : Math.max(phase.at + phase.ms - now, 1);
}

// The firmware sleeps ms device milliseconds. Returns 0 when the time is up, 1 when a
// pin IRQ is waiting (machine.py dispatches it), -1 when Ctrl-C interrupted, 2 when
// `wake` has WAKE_INPUT and a serial byte waits in stdin. With WAKE_PIN (a light
// sleep) a pin IRQ ends the sleep; without, machine.py sleeps on after dispatching it.
const WAKE_PIN = 1;
const WAKE_INPUT = 2;
function sleepDevice(ms, wake) {
  const end = deviceNow() + Math.max(0, ms);
  for (;;) {
    service();
    if (kbdPending) {
      kbdPending = false;
      return -1;
    }
    if (pendingIrq.length && ((wake & WAKE_PIN) || irqPins)) return 1;
    if ((wake & WAKE_INPUT) && stdinBuf.length) return 2;
    const now = deviceNow();
    let left = end - now;
    if (left <= 0) return 0;
    left = Math.min(left, nextTransitionIn(now));
    postFrame(false);
    if (out.length) flushOut();
    waitReal(Math.min(Math.max(left, 0) / speed, 20));
  }
}

function patchStdin(FS) {
  const ops = FS.getStream(0).stream_ops;
  ops.read = (stream, buffer, offset, length) => {
    for (;;) {
      service();
      if (stdinBuf.length) {
        const n = Math.min(length, stdinBuf.length);
        for (let i = 0; i < n; i++) buffer[offset + i] = stdinBuf[i];
        stdinBuf.splice(0, n);
        rxTook(n);
        rxHeld(-n);
        return n;
      }
      if (kbdPending) {
        kbdPending = false;
        throw new FS.ErrnoError(27); // EINTR: MicroPython then raises KeyboardInterrupt
      }
      postFrame(true);
      flushOut();
      waitReal(20);
    }
  };
  ops.poll = () => {
    service();
    return stdinBuf.length ? 1 : 0; // POLLIN
  };
}

// ---------------------------------------------------------------- the _vd module

let flash = null;
const buses = [];

const vd = {
  sleep: (ms, wake) => sleepDevice(ms, wake | 0),
  sleeping: (on) => event({ kind: "sleep", on: !!on }),
  reset: () => {
    flushOut();
    postFrame(true);
    parentPort.postMessage({ t: "reset", mode: "hard", oled: oled.snapshot() });
    for (;;) Atomics.wait(never, 0, 0);
  },
  unique_id: () => uniqueId,
  pin_mode: (n, mode, pull) => {
    const p = pin(n);
    if (mode >= 0) p.mode = mode;
    if (pull >= 0) p.pull = pull;
  },
  pin_get: (n) => {
    takeGestures();
    advanceButton(deviceNow());
    if (n === BUTTON_PIN && phase !== null) phase.reads++;
    const p = pin(n);
    return p.mode === 1 ? p.out : inputLevel(n);
  },
  pin_set: (n, v) => {
    const p = pin(n);
    if (p.out !== v) {
      p.out = v;
      if (p.mode === 1) event({ kind: "pin", pin: n, value: v });
    }
  },
  pin_irq: (n, trigger) => {
    pin(n).irq = trigger;
    irqPins = 0;
    for (const p of pins.values()) if (p.irq) irqPins++;
  },
  irq_next: () => (pendingIrq.length ? pendingIrq.shift() : -1),
  pwm: (n, freq, duty) => event({ kind: "pwm", pin: n, freq, duty }),
  i2c_bus: (id, sda, scl) => {
    buses.push({ oled: id === 0 && sda === I2C0_SDA && scl === I2C0_SCL });
    return buses.length - 1;
  },
  i2c_present: (bus, addr) => buses[bus].oled && (addr === OLED_ADDR || (rtc && addr === RTC_ADDR)),
  i2c_write: (bus, addr, ptr, len, first, last) => {
    const bytes = new Uint8Array(memory().buffer, ptr, len);
    if (addr === RTC_ADDR) {
      rtc.write(bytes, first, last);
      return;
    }
    if (first) oled.begin();
    oled.bytes(bytes);
    if (last) oled.end();
  },
  // A read of len bytes into memory at ptr: the clock's registers, or the display's status
  // byte (bit 6 set while the display is off).
  i2c_read: (bus, addr, ptr, len) => {
    const out = new Uint8Array(memory().buffer, ptr, len);
    if (addr === RTC_ADDR) rtc.read(out);
    else out.fill(oled.displayOn ? 0 : 0x40);
  },
  fs_blocks: () => [BLOCKS, flash.freeBlocks()],
  // The size of a file of the port's memory filesystem (vdboot lists directories with it).
  fs_size: (p) => mp.FS.stat(p).size,
};

// ---------------------------------------------------------------- the interpreter

let port = null;
const memory = () => port.memory;

// Each call from the firmware into _vd is a safe point (docs/virtual-device.md): garbage
// is collected there once the port has asked for it, so a heap that fills between two
// sleeps is collected as a Pico's would be. reset never returns; fs_size is called while
// C code holds objects the collector cannot see (vdboot's directory listing).
for (const name of Object.keys(vd)) {
  if (name === "reset" || name === "fs_size") continue;
  const hook = vd[name];
  vd[name] = (...args) => {
    port.point();
    return hook(...args);
  };
}

try {
  port = await loadPicoMicroPython({
    port: mpModule,
    heap: heapBytes,
    stress: process.env.BACKBEAT_VD_GC_STRESS === "1",
    stdout: (b) => { for (const c of b) emit(c); },
    stderr: (b) => { for (const c of b) emit(c); },
    stdin: () => undefined,
    linebuffer: false,
    // The port reads its clocks through these imports: the device's clock goes in.
    imports: (env) => {
      env.mp_js_ticks_ms = () => {
        if (serial.available() || control.available()) service();
        if (out.length && realNow() - lastFlush > 5) flushOut();
        return Math.floor(deviceNow()) | 0;
      };
      env.mp_js_time_ms = () => PICO_EPOCH_MS + Math.floor(deviceNow());
    },
  });
} catch (e) {
  if (!(e instanceof PortUnfit)) throw e;
  // Unbounded or never collected, it would not be a Pico: the device stops (the tests fail).
  process.stderr.write(`virtual device: ${e.message}\n`);
  process.exit(3);
}
const mp = port.mp;
M = mp._module;
flash = new Flash(mp.FS, flashDir, port.point);
patchStdin(mp.FS);
port.registerModule("_vd", vd);
mp.FS.mkdir("/vd");
for (const name of ["machine.py", "vdboot.py", "vdsys.py", "vdselect.py", "vdfont.py"]) {
  mp.FS.writeFile("/vd/" + name, fs.readFileSync(path.join(HERE, name)));
}
if (wantGlyphs) {
  mp.runPython("import sys\nsys.path.insert(0, '/vd')\nimport vdfont");
  parentPort.postMessage({ t: "glyphs", hex: mp.pyimport("vdfont").glyphs() });
}
mp.runPython("import sys\nsys.path.insert(0, '/vd')\nimport vdboot\nvdboot.setup()\ndel vdboot, sys");
const vdboot = mp.pyimport("vdboot");

function runFile(name) {
  try {
    return vdboot.run_file(name);
  } catch (e) {
    if (e.name !== "PythonError") throw e;
    emitText(e.message.replace(/\n/g, "\r\n"));
    return 0;
  }
}

if (mode === "soft" || mode === "soft-raw") emitText("MPY: soft reboot\r\n");
parentPort.postMessage({ t: "boot", mode });
let wantReset = runFile("boot.py");
if (!wantReset && mode !== "soft-raw") wantReset = runFile("main.py");
postFrame(true);
if (wantReset) softReset(false);

// ---------------------------------------------------------------- the REPL

let raw = false;
let rawLineEmpty = true;

function softReset(rawMode) {
  flushOut();
  parentPort.postMessage({ t: "reset", mode: rawMode ? "soft-raw" : "soft",
    oled: oled.snapshot() });
  for (;;) Atomics.wait(never, 0, 0);
}

function nextByte() {
  for (;;) {
    if (stdinBuf.length) {
      rxTook(1);
      rxHeld(-1);
      return stdinBuf.shift();
    }
    let c;
    while ((c = control.readByte()) >= 0) schedule(String.fromCharCode(c));
    advanceButton(deviceNow());
    const b = serial.readByte();
    if (b >= 0) {
      rxTook(1);
      return b;
    }
    postFrame(true);
    flushOut();
    waitReal(phases.length ? Math.max(1, nextTransitionIn(deviceNow()) / speed) : 100);
  }
}

function feed(b) {
  heard = [];
  cooked = !raw;
  const r = mp.replProcessChar(b);
  cooked = false;
  const said = Buffer.from(heard).toString("latin1");
  heard = null;
  if (raw) {
    if (b === 0x02) raw = false; // Ctrl-B: back to the friendly REPL, whatever the line
    rawLineEmpty = b === 0x01 || b === 0x03 || b === 0x04;
  } else if (b === 0x01) {
    if (said.includes("raw REPL; CTRL-B to exit")) {
      raw = true;
      rawLineEmpty = true;
    }
  }
  if (r) softReset(raw);
}

if (mode === "soft-raw") {
  muted = true;
  mp.replInit();
  mp.replProcessChar(0x01);
  muted = false;
  raw = true;
  emitText("raw REPL; CTRL-B to exit\r\n>");
} else {
  mp.replInit();
}

for (;;) {
  const b = nextByte();
  if (raw && rawLineEmpty && b === 0x05) {
    // mpremote asks for raw-paste mode with 0x05 'A' 0x01; this device answers that it
    // understands the request but has no raw-paste mode, so mpremote uses the raw REPL.
    const b2 = nextByte();
    if (b2 === 0x41) {
      const b3 = nextByte();
      if (b3 === 0x01) {
        emitText("R\x00");
        flushOut();
        continue;
      }
      feed(b);
      feed(b2);
      feed(b3);
      continue;
    }
    feed(b);
    feed(b2);
    continue;
  }
  feed(b);
}
