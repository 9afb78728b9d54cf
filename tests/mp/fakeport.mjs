// A stand-in for the MicroPython WebAssembly port's micropython.mjs, for testing the
// bootstrap (emulator/vm/mpport.mjs) against a port it must refuse. It instantiates a
// WebAssembly module that only has a memory, and "runs" Python by calling back the
// probes the bootstrap registers, as the real port would.
//
// FAKEPORT_DEPTH=1 in the environment keeps a call-depth counter in its memory (word 16),
// so only the pending-collection flag is missing; without it, neither is there.

// (module (memory (export "memory") 1))
const WASM = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x05, 0x03, 0x01, 0x00, 0x01,
  0x07, 0x0a, 0x01, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00,
]);
const DEPTH_WORD = 16;

export async function loadMicroPython() {
  const env = { emscripten_resize_heap: () => 0 };
  const result = await WebAssembly.instantiate(WASM, { env });
  const memory = result.instance.exports.memory;
  const keepsDepth = process.env.FAKEPORT_DEPTH === "1";
  const modules = new Map();
  const call = (fn) => {
    const words = new Int32Array(memory.buffer);
    if (keepsDepth) words[DEPTH_WORD]++;
    try {
      return fn();
    } finally {
      if (keepsDepth) words[DEPTH_WORD]--;
    }
  };
  return {
    registerJsModule: (name, mod) => modules.set(name, mod),
    runPython: (src) => call(() => {
      const probe = modules.get("_mpprobe");
      if (src.includes("_mpprobe.outer(")) probe.outer(() => call(() => probe.inner()));
      if (src.includes("_mpprobe.seen()")) probe.seen();
    }),
    pyimport: () => ({}),
    FS: {},
    _module: { _malloc: () => 0, _free: () => {} },
  };
}
