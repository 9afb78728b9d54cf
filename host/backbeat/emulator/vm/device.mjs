// The virtual Pico's main thread, started by backbeat.emulator (Python) as
//   node device.mjs --mp MICROPYTHON.mjs --flash DIR --speed N --unique-id HEX [--no-rtc]
// It talks to Python over stdin/stdout in frames (a type byte, a uint32 LE length, the
// payload) and runs the interpreter in a worker (worker.mjs), starting a new worker at
// every reset.
//   from Python: S serial bytes for the device, C button gestures (p short, l long,
//                d double, h hold, u release), P power cycle, T the clock, W wait
//                (device ms, float64 LE)
//   to Python:   S serial bytes from the device, F display frame, E event (JSON),
//                G the font's glyphs (hex), B boot (JSON: mode power, hard, soft or
//                soft-raw), A the serial receive buffer's size and the bytes the device
//                has taken so far (two uint32 LE), T the answer to T or W (frames.mjs)
//
// The serial receive buffer is bounded like a Pico's USB CDC endpoint (RX_BUFFER bytes):
// Python reads the pseudo-terminal only while fewer bytes than that are on their way in,
// so a host that sends faster than the firmware reads is held back, as USB holds it.

import { Worker } from "node:worker_threads";
import { onFrames, send, sendClock } from "./frames.mjs";
import { Ring } from "./ring.mjs";

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const mpModule = option("--mp");
const flashDir = option("--flash");
const speed = Number(option("--speed", "1"));
const uniqueId = option("--unique-id", "e66038b713000000");
// The battery-backed clock chip (vm/ds3231.mjs), fitted unless --no-rtc: its state outlives
// every reset and power cycle of the Pico, as the coin cell keeps the chip running.
const rtcState = process.argv.includes("--no-rtc") ? null : new SharedArrayBuffer(16);
if (!mpModule || !flashDir || !(speed > 0)) {
  process.stderr.write("usage: node device.mjs --mp FILE --flash DIR [--speed N] [--unique-id HEX] " +
    "[--no-rtc]\n");
  process.exit(2);
}

// What the device's USB serial holds that the firmware has not read; then the host waits.
// A Pico holds 768 bytes (MicroPython's 512-byte stdin buffer behind TinyUSB's 256-byte
// FIFO); here four times that, since the firmware takes what waited once a turn of its
// loop and the host's bytes come back in at most 1 ms later.
const RX_BUFFER = 4096;
const serialSab = Ring.create(1 << 18);
// [bytes taken by the firmware, ever; bytes the running worker holds] (worker.mjs).
const rxSab = new SharedArrayBuffer(8);
const rx = new Int32Array(rxSab);
const controlSab = Ring.create(1 << 10);
const serial = new Ring(serialSab);
const control = new Ring(controlSab);
const doorbellSab = new SharedArrayBuffer(4);
const doorbell = new Int32Array(doorbellSab);

let bootRealMs = performance.timeOrigin + performance.now();
// The device's clock, as the worker counts it (worker.mjs deviceNow).
const clockMs = () => (performance.timeOrigin + performance.now() - bootRealMs) * speed;

// A "W" frame: answer with the clock once ms of it have passed (counted across a restart).
function waitFor(ms) {
  let waited = 0;
  let last = clockMs();
  const check = () => {
    const now = clockMs();
    waited += now >= last ? now - last : now;
    last = now;
    if (waited >= ms) sendClock(now, waited);
    else setTimeout(check, Math.max(1, (ms - waited) / speed));
  };
  check();
}
let worker = null;
let glyphsSent = false;
// Whether the button is held down (h) and not yet released (u): a reset keeps it held.
let held = false;

// What the OLED showed when the Pico last reset; a power cycle clears it.
let oledState = null;

// Modes: power (power-up, the OLED too), hard (machine.reset: the Pico restarts, its
// clock too), soft and soft-raw (a soft reset from the friendly or the raw REPL).
function start(mode) {
  if (mode === "power") oledState = null;
  // What the interpreter that ended held is gone with it.
  Atomics.add(rx, 0, Atomics.exchange(rx, 1, 0));
  if (mode === "power" || mode === "hard") {
    bootRealMs = performance.timeOrigin + performance.now();
  }
  const w = new Worker(new URL("./worker.mjs", import.meta.url), {
    workerData: {
      mpModule, flashDir, speed, bootRealMs, mode, uniqueId,
      heapBytes: 192 * 1024, wantGlyphs: !glyphsSent, held, oledState, rtcState,
      serial: serialSab, control: controlSab, doorbell: doorbellSab, rx: rxSab,
    },
  });
  worker = w;
  w.on("message", (m) => {
    if (w !== worker) return;
    if (m.t === "out") send("S", m.data);
    else if (m.t === "frame") {
      const b = Buffer.alloc(10 + m.pixels.length);
      b[0] = m.lit ? 1 : 0;
      b[1] = m.contrast;
      b.writeDoubleLE(m.at, 2);
      Buffer.from(m.pixels).copy(b, 10);
      send("F", b);
    } else if (m.t === "event") send("E", Buffer.from(JSON.stringify(m.e)));
    else if (m.t === "glyphs") {
      glyphsSent = true;
      send("G", Buffer.from(m.hex));
    } else if (m.t === "boot") send("B", Buffer.from(JSON.stringify({ mode: m.mode })));
    else if (m.t === "reset") {
      oledState = m.oled;
      restart(m.mode);
    }
  });
  // A worker that cannot make the port like a Pico (exit code 3) stops the device.
  w.on("exit", (code) => {
    if (w === worker && code === 3) process.exit(3);
  });
  w.on("error", (e) => {
    if (w !== worker) return;
    process.stderr.write(`virtual device: the interpreter stopped: ${e?.stack ?? e}\n`);
    restart("hard");
  });
}

function restart(mode) {
  const old = worker;
  worker = null;
  old?.terminate();
  start(mode);
}

function ring() {
  Atomics.add(doorbell, 0, 1);
  Atomics.notify(doorbell, 0);
}

// Serial bytes that did not fit in the ring yet.
const waiting = [];
let retry = null;

// Python learns how many bytes the device has taken, while some are on their way in.
let received = 0;
let reported = -1;
let watching = null;

function reportTaken() {
  watching = null;
  const taken = Atomics.load(rx, 0) >>> 0;
  if (taken !== reported) {
    reported = taken;
    const b = Buffer.alloc(8);
    b.writeUInt32LE(RX_BUFFER, 0);
    b.writeUInt32LE(taken, 4);
    send("A", b);
  }
  if (((received - taken) >>> 0) !== 0) watching = setTimeout(reportTaken, 1);
}

function pushSerial(bytes) {
  received = (received + bytes.length) >>> 0;
  waiting.push(bytes);
  drain();
  if (watching === null) watching = setTimeout(reportTaken, 1);
}

function drain() {
  while (waiting.length) {
    const n = serial.write(waiting[0]);
    if (n) ring();
    if (n === waiting[0].length) waiting.shift();
    else {
      waiting[0] = waiting[0].subarray(n);
      break;
    }
  }
  if (waiting.length && retry === null) {
    retry = setTimeout(() => {
      retry = null;
      drain();
    }, 2);
  }
}

onFrames((type, payload) => {
  if (type === "S") pushSerial(Uint8Array.from(payload));
  else if (type === "C") {
    for (const c of payload) {
      if (c === 0x68) held = true;
      else held = false;
    }
    control.write(payload);
    ring();
  } else if (type === "P") restart("power");
  else if (type === "T") sendClock(clockMs());
  else if (type === "W") waitFor(payload.readDoubleLE(0));
  reportTaken();
});
process.stdin.on("end", () => process.exit(0));

start("power");
reportTaken();
