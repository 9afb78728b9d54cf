// The virtual Pico's battery-backed clock: a DS3231 on I2C0 at 0x68 (hardware/README.md,
// firmware/rtc.py). It keeps real time, whatever the device's speed, like the chip's own
// crystal, and survives resets and power cycles of the Pico (its coin cell). Its state
// lives in a shared buffer the main thread keeps: [ms the chip is ahead of the host's
// clock, 1 when its oscillator-stop flag is set].

export const RTC_ADDR = 0x68;

const TIME_REGS = 7;
const STATUS = 0x0f;
const OSF = 0x80;
const REGS = 0x13;

const toBcd = (v) => ((Math.floor(v / 10) << 4) | (v % 10));
const fromBcd = (b) => (b >> 4) * 10 + (b & 0x0f);

export class Ds3231 {
  constructor(state) {
    this.state = state; // Float64Array(2), shared
    this.ptr = 0;
    this.image = null; // registers being written, from the start of a write until its stop
  }

  // The 19 registers now: time and date in BCD (24-hour mode, Monday = 1), the status.
  registers() {
    const r = new Uint8Array(REGS);
    const t = new Date(Date.now() + this.state[0]);
    r[0] = toBcd(t.getUTCSeconds());
    r[1] = toBcd(t.getUTCMinutes());
    r[2] = toBcd(t.getUTCHours());
    r[3] = ((t.getUTCDay() + 6) % 7) + 1;
    r[4] = toBcd(t.getUTCDate());
    r[5] = toBcd(t.getUTCMonth() + 1);
    r[6] = toBcd(t.getUTCFullYear() % 100);
    r[STATUS] = this.state[1] ? OSF : 0;
    return r;
  }

  // A write: its first byte sets the register pointer, the rest are stored from there on.
  write(bytes, first, last) {
    let i = 0;
    if (first) {
      this.image = this.registers();
      this.touched = false;
      if (!bytes.length) return;
      this.ptr = bytes[0];
      i = 1;
    }
    for (; i < bytes.length; i++) {
      if (this.ptr < TIME_REGS) this.touched = true;
      if (this.ptr < REGS) this.image[this.ptr] = bytes[i];
      this.ptr++;
    }
    if (last) this.stop();
  }

  stop() {
    const r = this.image;
    if (this.touched) {
      const ms = Date.UTC(2000 + fromBcd(r[6]), fromBcd(r[5] & 0x1f) - 1, fromBcd(r[4] & 0x3f),
        fromBcd(r[2] & 0x3f), fromBcd(r[1] & 0x7f), fromBcd(r[0] & 0x7f));
      this.state[0] = ms - Date.now();
    }
    this.state[1] = r[STATUS] & OSF ? 1 : 0;
  }

  // A read from the register pointer on, which moves on with it.
  read(out) {
    const r = this.registers();
    for (let i = 0; i < out.length; i++) {
      out[i] = this.ptr < REGS ? r[this.ptr] : 0;
      this.ptr++;
    }
  }
}
