// The frames the Python side (emulator/device.py) sends a board on stdin: a type byte, a
// uint32 LE length, the payload. Both boards (device.mjs, rp2040.mjs) read them here.

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
