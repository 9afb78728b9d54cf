// The one bootstrap of MicroPython's WebAssembly port, for the virtual device (worker.mjs)
// and the firmware tests' runner (tests/mp/runner.mjs):
//
//   import { loadPicoMicroPython } from ".../emulator/vm/mpport.mjs";
//   const port = await loadPicoMicroPython({ port: MICROPYTHON_MJS, stdout, stderr });
//   port.mp          // the port's API (runPython, pyimport, FS, ...)
//   port.collect()   // collect garbage now
//   port.point()     // a safe point: collect if the port has asked for a collection
//   port.registerModule(name, obj)  // obj's functions as a Python module, looked up once
//
// It loads the port, finds three of its variables in memory by probing (below), bounds
// the heap like a Pico's, and puts in a `gc` whose collect() collects at once (vdgc.py).
// A port in which one cannot be found is refused with a PortUnfit error: its heap could
// not be collected while Python runs, so it would not behave like a Pico.
//
// Why the probing: this port (ports/webassembly/main.c) cannot scan the C stack, so its
// gc_collect() only sets a flag, gc_collect_pending, and the collection runs when the
// outermost call from JavaScript into C returns (its counter external_call_depth drops
// to 0). The port sets that flag at the first allocation after 16 KB have been allocated
// since the last collection (gc_alloc_amount reaching gc_alloc_threshold), and when an
// allocation does not fit. At a safe point (docs/virtual-device.md says which are, and
// why) that is due, collect() sets the depth to 0 around a cheap call in, so the
// collector runs as it would at the top level, and puts the depth back.
//
// With the option stress (BACKBEAT_VD_GC_STRESS=1 on the virtual device), every safe point
// collects and every collection fills the heap's free blocks with 0xa5, so an object the
// collector freed while something still used it reads as nonsense at once, at the place
// that freed it, instead of some time later when its memory is given to another.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));

export const PICO_HEAP = 192 * 1024;
// Malloc room kept for the port's own C and JavaScript glue once the heap is bounded:
// smaller than any area the collector would add to its heap (at least the heap it has).
export const MALLOC_RESERVE = 96 * 1024;
// Bytes of the port's memory searched for its two words: its static data is below this.
const PROBE_BYTES = 4 << 20;

// A port that cannot be made to behave like a Pico.
export class PortUnfit extends Error {
  constructor(message) {
    super(message);
    this.name = "PortUnfit";
  }
}

// The word that reads 0, 1 and 2 at the matching depths of nested calls from JavaScript.
function findCallDepth(mp, words) {
  const at0 = words().slice();
  let at1 = null;
  let at2 = null;
  mp.registerJsModule("_mpprobe", {
    outer: (inner) => {
      at1 = words().slice();
      inner();
    },
    inner: () => {
      at2 = words().slice();
    },
  });
  mp.runPython("import _mpprobe\ndef _mpin():\n    _mpprobe.inner()\n_mpprobe.outer(_mpin)\n" +
    "del _mpin, _mpprobe");
  const after = words();
  const found = [];
  for (let i = 0; i < at0.length; i++) {
    if (at0[i] === 0 && at1[i] === 1 && at2[i] === 2 && after[i] === 0) found.push(i);
  }
  return found.length === 1 ? found[0] : -1;
}

// The byte that is 1 inside a call once it has allocated more than the port's 16 KB
// threshold or has called gc.collect(), 0 inside a call that did neither, and 0 again
// after each returned.
function findPending(mp, bytes) {
  let during = null;
  mp.registerJsModule("_mpprobe", { seen: () => { during = bytes().slice(); } });
  mp.runPython("import _mpprobe, gc");
  let candidates = null;
  for (let round = 0; round < 3; round++) {
    const before = bytes().slice();
    mp.runPython("_mpx = [bytearray(1024) for _ in range(24)]\n_mpprobe.seen()\ndel _mpx");
    const busy = during;
    const after = bytes().slice();
    mp.runPython("_mpprobe.seen()");
    const idle = during;
    mp.runPython("gc.collect()\n_mpprobe.seen()");
    const asked = during;
    const next = [];
    const test = (i) => before[i] === 0 && busy[i] === 1 && after[i] === 0 && idle[i] === 0 &&
      asked[i] === 1;
    if (candidates === null) {
      for (let i = 0; i < before.length; i++) if (test(i)) next.push(i);
    } else {
      for (const i of candidates) if (test(i)) next.push(i);
    }
    candidates = next;
  }
  mp.runPython("del _mpprobe, gc");
  return candidates.length === 1 ? candidates[0] : -1;
}

// The word that counts the GC blocks allocated since the last collection (the port's
// MP_STATE_MEM(gc_alloc_amount)), the next word being its threshold (16 KB in blocks of
// 16 bytes, as the port sets it): within one call it grows by 1024 more for 32 KB than for
// 16 KB, and a collection sets it back.
function findAllocCounter(mp, words) {
  const seen = [];
  mp.registerJsModule("_mpprobe", { seen: () => { seen.push(words().slice()); } });
  mp.runPython("import _mpprobe\n_mpprobe.seen()\n_mpa = bytearray(16384)\n_mpprobe.seen()\n" +
    "_mpb = bytearray(32768)\n_mpprobe.seen()\ndel _mpa, _mpb, _mpprobe");
  const after = words();
  const [a, b, c] = seen;
  const found = [];
  for (let i = 0; i + 1 < a.length; i++) {
    const d1 = b[i] - a[i];
    if (d1 >= 1025 && d1 < 1100 && c[i] - b[i] === d1 + 1024 && after[i] < c[i] &&
        c[i + 1] === 1024) {
      found.push(i);
    }
  }
  return found.length === 1 ? found[0] : -1;
}

// The word where the port's first heap area (MP_STATE_MEM(area)) starts: its allocation
// table's address and length in bytes, its finaliser table's address, then its pool's start
// and end, the pool holding a bytearray just made and 64 bytes of pool for each byte of
// table (4 blocks of 16 bytes).
function findArea(mp, words) {
  mp.runPython("import uctypes\n_mpb = bytearray(64)\n_mpa = uctypes.addressof(_mpb)");
  const at = mp.globals.get("_mpa");
  mp.runPython("del _mpa, _mpb, uctypes");
  const w = words();
  const found = [];
  for (let i = 0; i + 4 < w.length; i++) {
    const [atb, len, , start, end] = [w[i], w[i + 1], w[i + 2], w[i + 3], w[i + 4]];
    if (len > 0 && atb > 0 && atb + len <= start && start <= at && at < end &&
        end - start === len * 64) {
      found.push(i);
    }
  }
  return found.length === 1 ? found[0] : -1;
}

// The wasm functions (by index in the port's binary) that call back into Python while they
// hold a new heap object only in a C local, so that no collection may run below them:
// making an instance of a class whose __init__ takes arguments (the port copies them into
// a block it frees itself when __init__ returns), list() of a generator, sorted() with a
// key, str.join() of a generator, "%s" of an object with __str__. Found by calling a probe
// from Python inside each and inside plain calls (a method, a bound method, *args, a for
// loop over a generator, exec): the frames only the former have.
const PROBE_UNSAFE = `
import _mpprobe
class _K:
    def m(self, t, b=0):
        _mpprobe.here(0)
    def __str__(self):
        _mpprobe.here(1)
        return ""
class _C:
    def __init__(self, t, b=0):
        _mpprobe.here(1)
def _f(*a, **kw):
    _mpprobe.here(a[0])
def _g(t):
    _mpprobe.here(t)
    yield 1
_k = _K()
_b = _k.m
_f(0)
exec("_f(0)")
_k.m(0, b=1)
_b(0)
_f(*(0,), **{"z": 1})
for _x in _g(0):
    pass
_C(1, b=2)
list(_g(1))
sorted([2, 1], key=lambda x: _f(1) or x)
"".join(str(x) for x in _g(1))
"%s" % _k
del _K, _C, _f, _g, _k, _b, _x, _mpprobe
`;

function wasmFrames() {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Infinity;
  const stack = new Error().stack;
  Error.stackTraceLimit = limit;
  const out = [];
  for (const m of stack.matchAll(/wasm-function\[(\d+)\]/g)) out.push(+m[1]);
  return out;
}

function findUnsafeFrames(mp) {
  const plain = new Set();
  const held = new Set();
  mp.registerJsModule("_mpprobe", {
    here: (unsafe) => { for (const f of wasmFrames()) (unsafe ? held : plain).add(f); },
  });
  mp.runPython(PROBE_UNSAFE);
  for (const f of plain) held.delete(f);
  return held;
}

// Take all of the C heap but `reserve` bytes, for the life of the interpreter.
function useUpMalloc(M, reserveBytes) {
  const reserve = M._malloc(reserveBytes);
  if (!reserve) throw new PortUnfit(`cannot keep ${reserveBytes} bytes of C heap for the port`);
  for (let size = 1 << 30; size >= 8; size >>= 1) {
    while (M._malloc(size)) { /* held */ }
  }
  M._free(reserve);
}

// Options: port (the path of the port's micropython.mjs, required), heap (bytes),
// reserve (bytes of C heap left to the port), imports (called with the port's `env`
// imports before it is instantiated, to put in a clock, say), stress (above); the rest is
// given to the
// port's loadMicroPython (stdout, stderr, stdin, linebuffer). The safe point it makes
// itself is gc.collect(); the caller makes its own JavaScript functions safe points by
// calling point() first. (Not the clock: C code reads it too, holding objects the
// collector cannot see, as the REPL does between compiling a line and running it.)
export async function loadPicoMicroPython(options) {
  const { port, heap = PICO_HEAP, reserve = MALLOC_RESERVE, imports, stress = false,
    ...rest } = options;
  const { loadMicroPython } = await import(pathToFileURL(port).href);
  let bounded = false;
  let memory = null;
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = async (binary, imp) => {
    const env = imp.env;
    const grow = env.emscripten_resize_heap;
    // Once bounded, the port's memory never grows: malloc fails as a Pico's heap is full.
    env.emscripten_resize_heap = (size) => (bounded ? 0 : grow(size));
    if (imports) imports(env);
    const result = await instantiate.call(WebAssembly, binary, imp);
    memory = (result.instance ?? result).exports.memory;
    return result;
  };
  let mp;
  try {
    mp = await loadMicroPython({ ...rest, heapsize: heap });
  } finally {
    WebAssembly.instantiate = instantiate;
  }
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new PortUnfit("the port's WebAssembly memory was not found");
  }
  const span = () => Math.min(PROBE_BYTES, memory.buffer.byteLength);
  const depthAt = findCallDepth(mp, () => new Int32Array(memory.buffer, 0, span() >> 2));
  if (depthAt < 0) {
    throw new PortUnfit("this MicroPython port's call-depth counter was not found, so its " +
      "garbage cannot be collected while Python runs (hint: use the port pinned in " +
      "package.json)");
  }
  const pendingAt = findPending(mp, () => new Uint8Array(memory.buffer, 0, span()));
  if (pendingAt < 0) {
    throw new PortUnfit("this MicroPython port's pending-collection flag was not found, so " +
      "its garbage cannot be collected when the heap fills (hint: use the port pinned in " +
      "package.json)");
  }
  const amountAt = findAllocCounter(mp, () => new Int32Array(memory.buffer, 0, span() >> 2));
  if (amountAt < 0) {
    throw new PortUnfit("this MicroPython port's allocation counter was not found, so its " +
      "garbage cannot be collected when the heap fills (hint: use the port pinned in " +
      "package.json)");
  }
  const areaAt = findArea(mp, () => new Uint32Array(memory.buffer, 0, span() >> 2));
  if (areaAt < 0) {
    throw new PortUnfit("this MicroPython port's heap area was not found (hint: use the " +
      "port pinned in package.json)");
  }
  const unsafe = findUnsafeFrames(mp);
  if (unsafe.size === 0) {
    throw new PortUnfit("this MicroPython port's call stack cannot be read, so a collection " +
      "could free what its C code holds (hint: run it in Node, with the port pinned in " +
      "package.json)");
  }
  mp.runPython("import sys\nsys.modules.pop('_mpprobe')\ndel sys");
  bounded = true;
  useUpMalloc(mp._module, reserve);

  // The cheap call in: an attribute of a module read through its proxy (no bytecode runs,
  // so a pending Ctrl-C is not taken, and nothing new is proxied).
  const sys = mp.pyimport("sys");
  let collections = 0;
  const collect = () => {
    const depth = new Int32Array(memory.buffer);
    const was = depth[depthAt];
    new Uint8Array(memory.buffer)[pendingAt] = 1;
    depth[depthAt] = 0;
    try {
      void sys.platform;
    } finally {
      depth[depthAt] = was;
    }
    collections++;
    if (stress) poison();
  };
  // Every free block of the heap filled with 0xa5, so that an object still in use after
  // the collector freed it reads as nonsense at once (stress mode, below).
  const poison = () => {
    const w = new Uint32Array(memory.buffer);
    const [atb, len, , start] = [w[areaAt], w[areaAt + 1], w[areaAt + 2], w[areaAt + 3]];
    const bytes = new Uint8Array(memory.buffer);
    for (let block = 0; block < len * 4; block++) {
      if (((bytes[atb + (block >> 2)] >> ((block & 3) * 2)) & 3) === 0) {
        bytes.fill(0xa5, start + block * 16, start + block * 16 + 16);
      }
    }
  };
  // Due once the port has asked for a collection, or has allocated its threshold since
  // the last one (it asks only at the allocation after that, which may not fit).
  // Not below a C function that holds a new object only in a local (findUnsafeFrames):
  // there the collection waits for the next safe point.
  let deferred = 0;
  const safe = () => {
    for (const f of wasmFrames()) {
      if (unsafe.has(f)) {
        deferred++;
        return false;
      }
    }
    return true;
  };
  const point = () => {
    const words = new Int32Array(memory.buffer);
    if ((stress || new Uint8Array(memory.buffer)[pendingAt] ||
        (words[amountAt] >>> 0) >= (words[amountAt + 1] >>> 0)) && safe()) {
      collect();
    }
  };
  // gc.collect(): at once, unless C code below holds what the collector cannot see.
  const collectNow = () => {
    if (safe()) collect();
  };

  // A module of JavaScript functions for the Python side, each looked up once, here.
  // The port registers a JavaScript object's reference before it allocates the proxy
  // for it, so a lookup that meets a full heap raises MemoryError and leaves that
  // attribute unreadable for good (the reference is known, its proxy never made: every
  // later lookup raises AttributeError). Looked up while the heap has room and held in
  // a plain object, the functions are never looked up again; calling one allocates
  // nothing. (docs/virtual-device.md; the upstream fix is to make the proxy first.)
  const registerModule = (name, obj) => {
    mp.registerJsModule("_mpjs", obj);
    const names = Object.keys(obj).filter((k) => typeof obj[k] === "function");
    mp.runPython("import sys\nclass _JsModule:\n    pass\n_m = _JsModule()\n" +
      "_j = sys.modules.pop('_mpjs')\n" + names.map((n) => `_m.${n} = _j.${n}\n`).join("") +
      `sys.modules[${JSON.stringify(name)}] = _m\ndel _m, _j, _JsModule, sys`);
  };

  // `gc` as a Pico shows it (vdgc.py), its collect() this one; the file is imported from
  // /vd (whose frames the virtual device leaves out of tracebacks) and not left there.
  registerModule("_mpport", { collect: collectNow, point });
  mp.FS.mkdir("/vd");
  mp.FS.writeFile("/vd/vdgc.py", fs.readFileSync(path.join(HERE, "vdgc.py")));
  mp.runPython("import sys\nsys.path.insert(0, '/vd')\nimport vdgc\nsys.path.pop(0)\n" +
    "sys.modules['gc'] = vdgc\ndel vdgc, sys");
  mp.FS.unlink("/vd/vdgc.py");
  mp.FS.rmdir("/vd");

  return {
    mp, memory, collect, point, registerModule, depthAt, pendingAt, amountAt, unsafe,
    get collections() { return collections; },
    get deferred() { return deferred; },
  };
}
