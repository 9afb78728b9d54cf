// The frames between the Python side (emulator/device.py) and a board, both ways: a type
// byte, a uint32 LE length, the payload. Both boards (device.mjs, rp2040.mjs) read the
// ones on stdin and write theirs on stdout here.

// Writes one frame to the Python side.
export function send(type, payload) {
  const head = Buffer.alloc(5);
  head[0] = type.charCodeAt(0);
  head.writeUInt32LE(payload.length, 1);
  process.stdout.write(Buffer.concat([head, Buffer.from(payload)]));
}

// The answer to a "T" frame: the device's clock, in ms since it booted (float64 LE); to
// a "W" frame, then also the device ms that passed since the frame came.
export function sendClock(ms, waited = 0) {
  const b = Buffer.alloc(16);
  b.writeDoubleLE(ms, 0);
  b.writeDoubleLE(waited, 8);
  send("T", b);
}

// Calls handle(type, payload) for each whole frame, in order; payload is the board's own
// copy. Then, once the chunk is taken apart, after() if given.
export function onFrames(handle, after) {
  let inbox = Buffer.alloc(0);
  process.stdin.on("data", (chunk) => {
    inbox = inbox.length ? Buffer.concat([inbox, chunk]) : chunk;
    while (inbox.length >= 5) {
      const len = inbox.readUInt32LE(1);
      if (inbox.length < 5 + len) break;
      const type = String.fromCharCode(inbox[0]);
      const payload = Buffer.from(inbox.subarray(5, 5 + len));
      inbox = inbox.subarray(5 + len);
      handle(type, payload);
    }
    if (after) after();
  });
}
