// A byte ring in a SharedArrayBuffer: one thread writes, one other thread reads.
// Head and tail count bytes ever written and read (wrapping int32); the size is a
// power of two so an index is a count masked by size - 1.

export class Ring {
  static create(size) {
    return new SharedArrayBuffer(8 + size);
  }

  constructor(sab) {
    this.hdr = new Int32Array(sab, 0, 2);
    this.data = new Uint8Array(sab, 8);
    this.mask = this.data.length - 1;
  }

  available() {
    return (Atomics.load(this.hdr, 0) - Atomics.load(this.hdr, 1)) | 0;
  }

  space() {
    return this.data.length - this.available();
  }

  // Writes as much of bytes as fits; returns how many were written.
  write(bytes) {
    const n = Math.min(bytes.length, this.space());
    const head = Atomics.load(this.hdr, 0);
    for (let i = 0; i < n; i++) this.data[(head + i) & this.mask] = bytes[i];
    Atomics.store(this.hdr, 0, (head + n) | 0);
    return n;
  }

  // The next byte, or -1 when the ring is empty.
  readByte() {
    const tail = Atomics.load(this.hdr, 1);
    if (((Atomics.load(this.hdr, 0) - tail) | 0) === 0) return -1;
    const b = this.data[tail & this.mask];
    Atomics.store(this.hdr, 1, (tail + 1) | 0);
    return b;
  }
}
