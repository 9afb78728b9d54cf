// The virtual Pico on the real rp2 port: MicroPython's own RPI_PICO firmware (a UF2)
// running in the RP2040 emulator rp2040js, started by backbeat.emulator (Python) as
//   node rp2040.mjs --rp2040js DIR --mp MICROPYTHON.mjs --uf2 FILE --bootrom FILE
//                   --flash DIR --speed N --unique-id HEX
// It speaks the frames of device.mjs (the WebAssembly board) with Python, plus
//   from Python: K cut the power after N more flash operations (uint32 LE), for tests
//   to Python:   E {kind: "cut"} when it did, E {kind: "flash", op: "erase"|"program",
//                offset, bytes} at each flash operation (so tests can choose where to
//                cut), E {kind: "cpu"} the cycle counts
// The board around the chip: the USB CDC serial, the SSD1306 at 0x3C on I2C0 (GP4/GP5)
// with the bus paced at its clock, the button on GP14 to ground, the buzzer's PWM on
// GP15 read from the PWM registers, the motor on GP16, and the 2 MB flash chip kept in
// the --flash folder (rp2040-flash.bin) with its own unique id.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { onFrames, send, sendClock } from "./frames.mjs";
import { Ssd1306 } from "./ssd1306.mjs";
import { gesturePhases } from "./gesture.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const rp2040js = option("--rp2040js");
const mpModule = option("--mp");
const uf2File = option("--uf2");
const bootromFile = option("--bootrom");
const flashDir = option("--flash");
const speed = Number(option("--speed", "1"));
const uniqueId = Buffer.from(option("--unique-id", "e66038b713000000"), "hex");
if (!rp2040js || !mpModule || !uf2File || !bootromFile || !flashDir || !(speed > 0)) {
  process.stderr.write("usage: node rp2040.mjs --rp2040js DIR --mp FILE --uf2 FILE " +
    "--bootrom FILE --flash DIR [--speed N] [--unique-id HEX]\n");
  process.exit(2);
}
const { Simulator, USBCDC } = await import(pathToFileURL(path.join(rp2040js, "dist/esm/index.js")).href);

// The board's wiring (hardware/ and firmware/board.py).
const BUTTON_PIN = 14;
const BUZZER_PIN = 15;
const MOTOR_PIN = 16;
const SDA_PIN = 4;
const SCL_PIN = 5;
const OLED_ADDR = 0x3c;

// The Pico's flash chip (W25Q16JV): 2 MB, and what an erase or a program costs
// (typical figures from its datasheet: a 4 KB sector 45 ms, a 256-byte page 0.4 ms).
const FLASH_BYTES = 2 * 1024 * 1024;
const SECTOR_ERASE_NS = 45e6;
const PAGE_PROGRAM_NS = 0.4e6;
const CYCLE_NS = 8; // the emulator counts cycles at 125 MHz


// ---------------------------------------------------------------- the font

// The screen reader learns MicroPython's 8x8 font from the WebAssembly port (the same
// font the rp2 port draws).
{
  const { loadMicroPython } = await import(pathToFileURL(mpModule).href);
  const mp = await loadMicroPython({ heapsize: 64 * 1024, stdout: () => {}, stderr: () => {} });
  mp.FS.writeFile("/vdfont.py", fs.readFileSync(path.join(HERE, "vdfont.py")));
  mp.runPython("import sys\nsys.path.insert(0, '/')\nimport vdfont");
  send("G", Buffer.from(mp.pyimport("vdfont").glyphs()));
}

// ---------------------------------------------------------------- the flash chip

const flashPath = path.join(flashDir, "rp2040-flash.bin");
const flash = new Uint8Array(FLASH_BYTES).fill(0xff);
if (fs.existsSync(flashPath)) flash.set(fs.readFileSync(flashPath).subarray(0, FLASH_BYTES));
// The UF2's blocks go to their addresses, as the boot ROM's USB drive writes them; the
// filesystem beyond the firmware is left as it was.
{
  const uf2 = fs.readFileSync(uf2File);
  for (let at = 0; at + 512 <= uf2.length; at += 512) {
    if (uf2.readUInt32LE(at) !== 0x0a324655 || uf2.readUInt32LE(at + 4) !== 0x9e5d5157) continue;
    const target = uf2.readUInt32LE(at + 12) - 0x10000000;
    const size = uf2.readUInt32LE(at + 16);
    flash.set(uf2.subarray(at + 32, at + 32 + size), target);
  }
}
const flashFd = fs.openSync(flashPath, fs.existsSync(flashPath) ? "r+" : "w+");
fs.writeSync(flashFd, flash, 0, FLASH_BYTES, 0);

function persist(offset, length) {
  fs.writeSync(flashFd, flash, offset, length, offset);
}

const bootrom = new Uint32Array(new Uint8Array(fs.readFileSync(bootromFile)).buffer);

// The boot ROM's function table (at 0x14, entries of a two-letter code and an address).
function romFunction(mcu, a, b) {
  let p = mcu.readUint16(0x14);
  const code = a.charCodeAt(0) | (b.charCodeAt(0) << 8);
  for (;;) {
    const c = mcu.readUint16(p);
    if (!c) return -1;
    if (c === code) return mcu.readUint16(p + 2);
    p += 4;
  }
}

// ---------------------------------------------------------------- the board's state

let sim = null;
let mcu = null;
let cdc = null;
const oled = new Ssd1306();
let buttonDown = false;
const phases = [];
let phase = null; // {level, until (ns)}
let cutAfter = -1; // flash operations before the power is cut, -1 never
let stopWith = null; // "hard" (watchdog), "power" (a cut): rebuild the chip
let busyNs = 0;
let idleNs = 0;
let lastTone = "";
let postedChanges = -1;
let lastFrameWall = 0;

const wallNow = () => performance.timeOrigin + performance.now();
const deviceMs = () => sim.clock.nanos / 1e6;

function event(e) {
  e.at = deviceMs();
  send("E", Buffer.from(JSON.stringify(e)));
}

function postFrame(force) {
  if (oled.changes === postedChanges) return;
  const now = wallNow();
  if (!force && now - lastFrameWall < 20) return;
  lastFrameWall = now;
  postedChanges = oled.changes;
  const px = oled.visible();
  const b = Buffer.alloc(10 + px.length);
  b[0] = oled.lit() ? 1 : 0;
  b[1] = oled.contrast;
  b.writeDoubleLE(deviceMs(), 2);
  Buffer.from(px).copy(b, 10);
  send("F", b);
}

// ---------------------------------------------------------------- rp2040js, corrected
// rp2040js 1.4.1 leaves out or gets wrong what this board needs; every correction is
// here, each with what an upstream fix would be.

function correct(mcu, cdc, onReset) {
  // 1. Flash erase and program are stubs there (its SSI answers but keeps nothing), so
  //    littlefs could not format. The boot ROM's flash_range_erase and
  //    flash_range_program are trapped at their entry and done on the flash array.
  //    Upstream: model the SSI's serial commands (06, 20/D8, 02, 05) on mcu.flash.
  const erase = romFunction(mcu, "R", "E") & ~1;
  const program = romFunction(mcu, "R", "P") & ~1;
  const trap = (pc) => {
    const r = mcu.core.registers;
    let offset = r[0];
    let n = r[pc === erase ? 1 : 2];
    if (offset + n > FLASH_BYTES) n = Math.max(0, FLASH_BYTES - offset);
    let cut = false;
    if (cutAfter >= 0 && cutAfter-- === 0) {
      cut = true;
      n >>= 1; // the power goes halfway through the operation
    }
    if (pc === erase) {
      flash.fill(0xff, offset, offset + n);
      sim.clock.tick(Math.ceil(n / 4096) * SECTOR_ERASE_NS);
      busyNs += Math.ceil(n / 4096) * SECTOR_ERASE_NS;
    } else {
      // NOR flash: programming only clears bits.
      for (let i = 0; i < n; i++) flash[offset + i] &= mcu.readUint8(r[1] + i);
      sim.clock.tick(Math.ceil(n / 256) * PAGE_PROGRAM_NS);
      busyNs += Math.ceil(n / 256) * PAGE_PROGRAM_NS;
    }
    persist(offset, n);
    event({ kind: "flash", op: pc === erase ? "erase" : "program", offset, bytes: n });
    mcu.flash.set(flash.subarray(offset, offset + n), offset);
    if (cut) {
      stopWith = "cut";
      return;
    }
    mcu.core.PC = mcu.core.LR & ~1;
  };

  // 2. The flash chip's unique id (command 0x4B: four dummy bytes, then eight bytes of
  //    id) reads as zeros: the SSI here answers the id command.
  //    Upstream: an SSI that runs flash commands would answer it from a settable id.
  const ssi = mcu.peripherals[0x18000];
  const ssiWrite = ssi.writeUint32.bind(ssi);
  const ssiRead = ssi.readUint32.bind(ssi);
  const answers = [];
  let idByte = -1;
  ssi.writeUint32 = (offset, value) => {
    if (offset === 0x60 && (idByte >= 0 || (value & 0xff) === 0x4b)) {
      if (idByte < 0) idByte = 0;
      answers.push(idByte >= 5 ? uniqueId[idByte - 5] : 0);
      idByte = idByte === 12 ? -1 : idByte + 1;
      return;
    }
    ssiWrite(offset, value);
  };
  ssi.readUint32 = (offset) => (offset === 0x60 && answers.length ? answers.shift() : ssiRead(offset));

  // 3. After an I2C abort (a NACK) the transmit-empty flag is never raised, so the port
  //    waits for it and reports ETIMEDOUT instead of EIO: raise it with the abort.
  //    Upstream: RPI2C.abort() sets R_TX_EMPTY once the FIFO is flushed.
  for (const bus of mcu.i2c) {
    const abort = bus.abort.bind(bus);
    bus.abort = (reason) => {
      abort(reason);
      bus.setInterrupts(1 << 4);
    };
  }

  // 4. Nothing feeds pin outputs and pulls back to the inputs: the pads are modelled
  //    below (padLevels). Upstream: GPIOPin derives rawInputValue from its own output
  //    and pulls when nothing external drives it.
  for (const pin of mcu.gpio) pin.addListener(() => padLevels(pin.index));

  // 5. A watchdog reset (machine.reset()) freezes the emulator: the chip is rebuilt,
  //    with the flash kept. Upstream: RPWatchdog resets the core and peripherals.
  mcu.peripherals[0x40058].onWatchdogTrigger = () => onReset();

  // 6. The host side answers the device's every USB read at once, with nothing, which
  //    keeps the CPU busy and time from being skipped: a read waits here until the host
  //    has bytes. Upstream: USBCDC holds an OUT transfer while its FIFO is empty.
  cdc.pending = 0;
  mcu.usbCtrl.onEndpointRead = (endpoint, size) => {
    if (endpoint !== cdc.outEndpoint) return;
    cdc.pending = size;
    answerRead();
  };

  // 7. One core is emulated, and its SIO lacks the inter-core FIFO that the port polls
  //    when it resets core 1 (with a warning on the console at every access). Core 1's
  //    boot ROM answers a reset by posting a 0, so the FIFO reads as holding that 0 and
  //    ready; writes are dropped. Upstream: RPSIO models FIFO_ST/WR/RD.
  const sio = mcu.sio;
  const sioRead = sio.readUint32.bind(sio);
  const sioWrite = sio.writeUint32.bind(sio);
  sio.readUint32 = (offset) => (offset === 0x50 ? 3 : offset === 0x58 ? 0 : sioRead(offset));
  sio.writeUint32 = (offset, value) => {
    if (offset !== 0x54) sioWrite(offset, value);
  };

  return (pc) => {
    if (pc === erase || pc === program) trap(pc);
  };
}

// Bytes from the host, waiting for the device's next USB read.
let hostBytes = Buffer.alloc(0);

function answerRead() {
  if (!cdc || !cdc.pending || !hostBytes.length) return;
  const n = Math.min(cdc.pending, hostBytes.length);
  cdc.pending = 0;
  mcu.usbCtrl.endpointReadDone(cdc.outEndpoint, Uint8Array.from(hostBytes.subarray(0, n)));
  hostBytes = hostBytes.subarray(n);
}

// ---------------------------------------------------------------- pads and the bus

// The pads: a pin driven by the chip reads its own output; an undriven one reads its
// pull-up or pull-down (or keeps its level). The button pulls GP14 to ground while
// pressed. GP4 and GP5 carry the OLED's I2C with the module's pull-ups: the bus reads
// low while the chip or the OLED pulls it low (the OLED answers the port's bit-banged
// address probes, as i2c.scan() sends them).
const probe = { sdaLow: false, state: "idle", bits: 0, byte: 0, scl: true, sda: true };

function driven(pin) {
  return pin.outputEnable && !pin.outputValue ? 0 : pin.outputEnable ? 1 : -1;
}

function padLevels(index) {
  const pins = mcu.gpio;
  if (index === SDA_PIN || index === SCL_PIN) {
    busLevels();
    return;
  }
  const pin = pins[index];
  let level;
  const d = driven(pin);
  if (index === BUTTON_PIN && buttonDown) level = false;
  else if (d >= 0) level = d === 1;
  else if (pin.pullupEnabled) level = true;
  else if (pin.pulldownEnabled) level = false;
  else level = pin.rawInputValue;
  if (level !== pin.rawInputValue) pin.setInputValue(level);
  if (index === MOTOR_PIN) {
    const on = d === 1 ? 1 : 0;
    if (on !== motorOn) {
      motorOn = on;
      event({ kind: "pin", pin: MOTOR_PIN, value: on });
    }
  }
}
let motorOn = 0;

function busLevels() {
  const pins = mcu.gpio;
  const scl = driven(pins[SCL_PIN]) !== 0;
  let sda = driven(pins[SDA_PIN]) !== 0 && !probe.sdaLow;
  const p = probe;
  if (scl && p.scl && p.sda && !sda) {
    p.state = "address"; // start
    p.bits = 0;
    p.byte = 0;
  } else if (scl && p.scl && !p.sda && sda) {
    p.state = "idle"; // stop
  } else if (scl && !p.scl && p.state === "address") {
    p.byte = (p.byte << 1) | (sda ? 1 : 0);
    p.bits++;
  } else if (!scl && p.scl) {
    if (p.state === "address" && p.bits === 8) {
      p.state = (p.byte >> 1) === OLED_ADDR ? "ack" : "idle";
      p.sdaLow = p.state === "ack";
    } else if (p.state === "ack") {
      p.state = "data";
      p.sdaLow = false;
    }
    sda = driven(pins[SDA_PIN]) !== 0 && !p.sdaLow;
  }
  p.scl = scl;
  p.sda = sda;
  if (pins[SCL_PIN].rawInputValue !== scl) pins[SCL_PIN].setInputValue(scl);
  if (pins[SDA_PIN].rawInputValue !== sda) pins[SDA_PIN].setInputValue(sda);
}

// The OLED on the I2C0 peripheral. rp2040js completes a transfer at once; a board's bus
// takes 9 bit times a byte (8 bits and the ACK) at the clock the port configured, so
// each step completes after that much emulated time.
function attachOled(bus) {
  const byteNs = () => {
    const bits = bus.sclLowPeriod + bus.sclHighPeriod; // clk_sys cycles per SCL period
    return (9 * bits * 1e9) / mcu.clkSys;
  };
  const later = (ns, fn) => sim.clock.createAlarm(fn).schedule(ns);
  let ours = false;
  bus.onStart = () => later(byteNs() / 9, () => bus.completeStart());
  bus.onConnect = (addr, mode) => {
    ours = addr === OLED_ADDR;
    if (ours && mode === 0) oled.begin();
    later(byteNs(), () => bus.completeConnect(ours));
  };
  bus.onWriteByte = (value) => {
    if (ours) oled.bytes([value]);
    later(byteNs(), () => bus.completeWrite(ours));
  };
  bus.onReadByte = () => later(byteNs(), () => bus.completeRead(oled.displayOn ? 0 : 0x40));
  bus.onStop = () => {
    if (ours) oled.end();
    ours = false;
    later(byteNs() / 9, () => bus.completeStop());
  };
}

// The buzzer: the tone its PWM slice (7, channel B) makes, from the registers as the
// port writes them: clk_sys / (DIV / 16) / (TOP + 1), halved in phase-correct mode. The
// port writes TOP, DIV and the level one after the other, so a tone is reported once the
// registers have been left alone for TONE_SETTLE_NS, at the time of the last write.
const TONE_SETTLE_NS = 50e3;
let toneWriteNs = -1;

function watchBuzzer() {
  const ch = mcu.pwm.channels[(BUZZER_PIN >> 1) & 7];
  const write = ch.writeRegister.bind(ch);
  ch.writeRegister = (offset, value) => {
    write(offset, value);
    toneWriteNs = sim.clock.nanos;
  };
}

function settleTone() {
  if (toneWriteNs < 0 || sim.clock.nanos - toneWriteNs < TONE_SETTLE_NS) return;
  const ch = mcu.pwm.channels[(BUZZER_PIN >> 1) & 7];
  const on = (ch.csr & 1) && mcu.gpio[BUZZER_PIN].functionSelect === 4;
  const div = (ch.div >> 4) + (ch.div & 15) / 16 || 256;
  const period = (ch.top + 1) * ((ch.csr & 2) ? 2 : 1);
  const freq = on ? Math.round(mcu.clkSys / div / period) : 0;
  const cc = BUZZER_PIN & 1 ? ch.cc >>> 16 : ch.cc & 0xffff;
  const duty = on ? Math.min(65535, Math.round((cc * 65536) / (ch.top + 1))) : 0;
  const key = `${freq}/${duty}`;
  if (key !== lastTone) {
    lastTone = key;
    send("E", Buffer.from(JSON.stringify({ kind: "pwm", pin: BUZZER_PIN, freq, duty,
      at: toneWriteNs / 1e6 })));
  }
  toneWriteNs = -1;
}

// ---------------------------------------------------------------- power and resets

let check = () => {};

// A "W" frame: answer with the clock once this much emulated time has passed (a restart
// on the way keeps the time left, as a gesture's phase does).
let waitUntilNs = null;
let waitNs = 0;
function waitFor(ns, total = ns) {
  waitUntilNs = sim.clock.nanos + ns;
  waitNs = total;
  sim.clock.createAlarm(() => {
    waitUntilNs = null;
    sendClock(deviceMs(), waitNs / 1e6);
  }).schedule(ns);
}

function powerUp(mode) {
  // A gesture under way goes on across the restart: its phase keeps the time it has left
  // (the new chip's clock starts at 0).
  if (phase && sim) phase.until = Math.max(0, phase.until - sim.clock.nanos);
  const waitLeftNs = waitUntilNs === null || !sim ? null :
    Math.max(0, waitUntilNs - sim.clock.nanos);
  sim = new Simulator();
  if (waitLeftNs !== null) waitFor(waitLeftNs, waitNs);
  mcu = sim.rp2040;
  mcu.logger = { debug() {}, info() {}, warn() {}, error() {} };
  mcu.loadBootrom(bootrom);
  mcu.flash.set(flash);
  cdc = new USBCDC(mcu.usbCtrl);
  cdc.onSerialData = (b) => send("S", b);
  check = correct(mcu, cdc, () => { stopWith = "hard"; });
  attachOled(mcu.i2c[0]);
  watchBuzzer();
  if (mode === "power") oled.powerOn();
  postedChanges = -1;
  lastTone = "";
  toneWriteNs = -1;
  motorOn = 0;
  for (const pin of mcu.gpio) padLevels(pin.index);
  // Straight into the flash's second stage (boot2), as the boot ROM ends up doing.
  mcu.core.PC = 0x10000000;
  wallStart = wallNow();
  nanosStart = 0;
  send("B", Buffer.from(JSON.stringify({ mode })));
}

// ---------------------------------------------------------------- the button

function advanceButton() {
  const now = sim.clock.nanos;
  while (phases.length && (phase === null || now >= phase.until)) {
    const next = phases.shift();
    phase = { level: next.level, until: now + next.ms * 1e6 };
    const down = next.level === 0;
    if (down !== buttonDown) {
      buttonDown = down;
      event({ kind: "button", level: next.level });
      padLevels(BUTTON_PIN);
    }
  }
  if (!phases.length && phase && now >= phase.until) phase = null;
}

// ---------------------------------------------------------------- running

// Emulated time runs at most `speed` times the wall clock; time the CPU spends waiting
// for an interrupt is skipped up to that bound. A late emulation (a busy CPU runs at
// about half a real chip's speed here) carries at most 250 ms of wall time of debt.
let wallStart = 0;
let nanosStart = 0;
let timer = null; // the next run(): a timeout, or an immediate when no wait is due
let immediate = false;
// Wall milliseconds of emulation per run(). Bytes from the host are taken between runs,
// so this bounds how late a request reaches the CPU; a run is scheduled with
// setImmediate (no timer's 1 ms floor) when it need not wait.
const BATCH_MS = 2;

function allowedNanos() {
  const wall = wallNow();
  let t = nanosStart + (wall - wallStart) * 1e6 * speed;
  const now = sim.clock.nanos;
  if (t - now > 250e6 * speed) {
    nanosStart = now;
    wallStart = wall - 250;
    t = now + 250e6 * speed;
  }
  return t;
}

function run() {
  timer = null;
  const wallEnd = wallNow() + BATCH_MS;
  const { core } = mcu;
  const clock = sim.clock;
  let wait = 0;
  outer: for (;;) {
    // The bounds are looked at once per batch of instructions (the wall clock is slow
    // to read); a batch is about 10 us of emulated time.
    const allowed = allowedNanos();
    if (phases.length || phase) advanceButton();
    const button = phase && phases.length ? phase.until : Infinity;
    const horizon = Math.min(allowed, button);
    for (let n = 0; n < 1024; n++) {
      if (core.waiting) {
        const next = clock.nanosToNextAlarm;
        const at = next > 0 ? clock.nanos + next : Infinity;
        if (at > horizon) {
          if (horizon > clock.nanos) {
            idleNs += horizon - clock.nanos;
            clock.tick(horizon - clock.nanos);
          }
          if (horizon === button) continue outer;
          wait = Math.min((Math.min(at, button) - allowed) / 1e6 / speed, 20);
          break outer;
        }
        idleNs += next;
        clock.tick(next);
      } else {
        if (clock.nanos > horizon) {
          if (horizon === button) continue outer;
          wait = 1;
          break outer;
        }
        check(core.PC);
        if (stopWith) break outer;
        const cycles = core.executeInstruction();
        clock.tick(cycles * CYCLE_NS);
        busyNs += cycles * CYCLE_NS;
        if (stopWith) break outer;
      }
    }
    settleTone();
    if (wallNow() > wallEnd) break;
  }
  if (stopWith) {
    const mode = stopWith === "cut" ? "power" : "hard";
    if (stopWith === "cut") event({ kind: "cut" });
    stopWith = null;
    powerUp(mode);
    wait = 0;
  }
  settleTone();
  postFrame(false);
  reportCpu();
  schedule(wait);
}

function schedule(wait) {
  immediate = !(wait > 0);
  timer = immediate ? setImmediate(run) : setTimeout(run, wait);
}

// The CPU's busy and idle emulated nanoseconds, every second of emulated time.
let cpuReported = 0;
function reportCpu(force) {
  const total = busyNs + idleNs;
  if (!force && total - cpuReported < 1e9) return;
  cpuReported = total;
  event({ kind: "cpu", busy_ns: busyNs, idle_ns: idleNs });
}

function poke() {
  if (timer !== null && !immediate) {
    clearTimeout(timer);
    schedule(0);
  }
}

onFrames((type, payload) => {
  if (type === "S") {
    hostBytes = hostBytes.length ? Buffer.concat([hostBytes, payload]) : payload;
    answerRead();
  } else if (type === "C") {
    for (const c of payload) phases.push(...gesturePhases(String.fromCharCode(c)));
    if (phase === null && phases.length) advanceButton();
  } else if (type === "K") {
    cutAfter = payload.readUInt32LE(0);
  } else if (type === "P") {
    powerUp("power");
  } else if (type === "T") {
    sendClock(deviceMs());
  } else if (type === "W") {
    waitFor(payload.readDoubleLE(0) * 1e6);
  }
}, poke);
process.stdin.on("end", () => {
  reportCpu(true);
  fs.closeSync(flashFd);
  process.exit(0);
});

powerUp("power");
run();
