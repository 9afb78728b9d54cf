// A model of the SSD1306 OLED controller (128x64) on the I2C bus, from its datasheet:
// the 1 KB display RAM, the command stream (addressing modes, column and page ranges,
// display on/off, contrast, invert, entire-display-on, segment remap, COM scan
// direction, start line, display offset, multiplex ratio, charge pump) and the data
// stream. visible() gives what the glass shows, in the controller's page layout.

// Number of parameter bytes after each multi-byte command.
const PARAMS = new Map([
  [0x20, 1], [0x21, 2], [0x22, 2], [0x81, 1], [0x8d, 1], [0xa8, 1], [0xd3, 1],
  [0xd5, 1], [0xd9, 1], [0xda, 1], [0xdb, 1], [0x26, 6], [0x27, 6], [0x29, 5],
  [0x2a, 5], [0xa3, 2],
]);

export const WIDTH = 128;
export const HEIGHT = 64;
const PAGES = HEIGHT / 8;

export class Ssd1306 {
  constructor() {
    this.ram = new Uint8Array(WIDTH * PAGES);
    this.powerOn();
    this.changes = 0;
    this.bytesReceived = 0;
  }

  // Reset state, as after power-up (datasheet section 8.9 and the command table defaults).
  powerOn() {
    this.ram.fill(0);
    this.displayOn = false;
    this.contrast = 0x7f;
    this.inverse = false;
    this.entireOn = false;
    this.segRemap = false;
    this.comRemap = false;
    this.startLine = 0;
    this.offset = 0;
    this.mux = 63;
    this.chargePump = false;
    this.mode = 2; // page addressing
    this.colStart = 0;
    this.colEnd = WIDTH - 1;
    this.pageStart = 0;
    this.pageEnd = PAGES - 1;
    this.col = 0;
    this.page = 0;
    this.cmd = []; // a multi-byte command being received
    this.transaction = null;
  }

  // The controller's whole state, to carry it over a reset of the Pico (the OLED keeps
  // its RAM and settings while it stays powered).
  snapshot() {
    const { cmd, transaction, ...state } = this;
    return { ...state, ram: Uint8Array.from(this.ram) };
  }

  restore(state) {
    Object.assign(this, state, { ram: Uint8Array.from(state.ram), cmd: [], transaction: null });
  }

  // One I2C transaction is begin(), bytes(...) one or more times, end().
  begin() {
    this.transaction = { control: -1, single: false };
  }

  end() {
    this.transaction = null;
  }

  bytes(data) {
    const t = this.transaction ?? { control: -1, single: false };
    this.bytesReceived += data.length;
    for (let i = 0; i < data.length; i++) {
      const b = data[i];
      if (t.control < 0) {
        // A control byte: Co (bit 7) says one byte follows then another control byte;
        // D/C# (bit 6) says data (1) or commands (0).
        t.control = b & 0x40;
        t.single = (b & 0x80) !== 0;
        continue;
      }
      if (t.control) this.data(b);
      else this.command(b);
      if (t.single) t.control = -1;
    }
    this.transaction = t;
  }

  data(b) {
    const i = this.page * WIDTH + this.col;
    if (this.ram[i] !== b) {
      this.ram[i] = b;
      this.changes++;
    }
    if (this.mode === 2) {
      // Page addressing: the column wraps within the page.
      this.col = this.col >= WIDTH - 1 ? 0 : this.col + 1;
    } else if (this.mode === 0) {
      if (this.col >= this.colEnd) {
        this.col = this.colStart;
        this.page = this.page >= this.pageEnd ? this.pageStart : this.page + 1;
      } else this.col++;
    } else {
      if (this.page >= this.pageEnd) {
        this.page = this.pageStart;
        this.col = this.col >= this.colEnd ? this.colStart : this.col + 1;
      } else this.page++;
    }
  }

  command(b) {
    if (this.cmd.length) {
      this.cmd.push(b);
      if (this.cmd.length - 1 < PARAMS.get(this.cmd[0])) return;
      const c = this.cmd;
      this.cmd = [];
      this.longCommand(c);
      return;
    }
    if (PARAMS.has(b)) {
      this.cmd = [b];
      return;
    }
    const before = this.visibleState();
    if (b <= 0x0f) {
      this.col = (this.col & 0xf0) | b;
    } else if (b <= 0x1f) {
      this.col = ((b & 0x07) << 4) | (this.col & 0x0f);
    } else if (b >= 0x40 && b <= 0x7f) {
      this.startLine = b & 0x3f;
    } else if (b === 0xa0 || b === 0xa1) {
      this.segRemap = b === 0xa1;
    } else if (b === 0xa4 || b === 0xa5) {
      this.entireOn = b === 0xa5;
    } else if (b === 0xa6 || b === 0xa7) {
      this.inverse = b === 0xa7;
    } else if (b === 0xae || b === 0xaf) {
      this.displayOn = b === 0xaf;
    } else if (b >= 0xb0 && b <= 0xb7) {
      this.page = b & 0x07;
    } else if (b === 0xc0 || b === 0xc8) {
      this.comRemap = b === 0xc8;
    }
    // Scrolling (0x2e, 0x2f) and NOP (0xe3) change nothing the model shows.
    if (this.visibleState() !== before) this.changes++;
  }

  longCommand(c) {
    const before = this.visibleState();
    switch (c[0]) {
      case 0x20:
        this.mode = c[1] & 0x03;
        if (this.mode === 3) this.mode = 2;
        break;
      case 0x21:
        this.colStart = c[1] & 0x7f;
        this.colEnd = c[2] & 0x7f;
        this.col = this.colStart;
        break;
      case 0x22:
        this.pageStart = c[1] & 0x07;
        this.pageEnd = c[2] & 0x07;
        this.page = this.pageStart;
        break;
      case 0x81:
        this.contrast = c[1];
        break;
      case 0x8d:
        this.chargePump = (c[1] & 0x04) !== 0;
        break;
      case 0xa8:
        this.mux = Math.max(15, c[1] & 0x3f);
        break;
      case 0xd3:
        this.offset = c[1] & 0x3f;
        break;
      default:
        break;
    }
    if (this.visibleState() !== before) this.changes++;
  }

  visibleState() {
    return [this.displayOn, this.contrast, this.inverse, this.entireOn, this.segRemap,
      this.comRemap, this.startLine, this.offset, this.mux, this.chargePump].join();
  }

  // Whether the panel emits light at all: display on with its charge pump running.
  lit() {
    return this.displayOn && this.chargePump;
  }

  // The picture on the glass, row r and column x, as page-layout bytes (bit r&7 of byte
  // (r>>3)*128+x). The glass is wired as on the usual 128x64 modules: SEG0 at the right
  // edge and COM0 at the bottom, so the common set-up (0xA1, 0xC8) shows the RAM upright.
  // COM lines beyond the multiplex ratio stay dark.
  visible() {
    const out = new Uint8Array(WIDTH * PAGES);
    if (!this.lit()) return out;
    for (let r = 0; r < HEIGHT; r++) {
      const com = HEIGHT - 1 - r;
      if (com > this.mux) continue;
      const line = this.comRemap ? this.mux - com : com;
      const row = (line + this.startLine + this.offset) & 63;
      for (let x = 0; x < WIDTH; x++) {
        const col = this.segRemap ? x : WIDTH - 1 - x;
        let on = (this.ram[(row >> 3) * WIDTH + col] >> (row & 7)) & 1;
        if (this.entireOn) on = 1;
        else if (this.inverse) on ^= 1;
        if (on) out[(r >> 3) * WIDTH + x] |= 1 << (r & 7);
      }
    }
    return out;
  }
}
