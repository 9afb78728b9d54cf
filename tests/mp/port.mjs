// The pinned MicroPython WebAssembly port, started with a GC heap bounded like a Pico's.
//
//   import { loadPicoMicroPython } from "./port.mjs";
//   const mp = await loadPicoMicroPython({ heap: 192 * 1024, stdout, stderr });
//
// The port adds GC heap areas with malloc whenever an allocation does not fit, so its
// `heapsize` alone bounds nothing. Here, once the port is up, its WebAssembly memory
// refuses to grow and the malloc arena is used up except `reserve` bytes kept for the
// port's own bookkeeping (smaller than any heap area the collector would add, which is
// at least the current heap), so Python gets MemoryError where a Pico would.
//
// The port collects garbage only when control returns to JavaScript (between calls
// such as runPython or a call of a Python function); see tests/firmware/README.md.

import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const PORT = path.resolve(
    HERE, "..", "..", "node_modules", "@micropython", "micropython-webassembly-pyscript",
    "micropython.mjs");
export const PICO_HEAP = 192 * 1024;

// Emscripten reports every refused memory growth on stderr; here refusals are the point.
let quietInstalled = false;
function quietGrowthRefusals() {
    if (quietInstalled) return;
    quietInstalled = true;
    const consoleError = console.error;
    console.error = (...args) => {
        const first = String(args[0]);
        if (first.startsWith("growMemory:") || first.startsWith("Failed to grow the heap")) {
            return;
        }
        consoleError(...args);
    };
}

function useUpMalloc(module, reserveBytes) {
    const reserve = module._malloc(reserveBytes);
    if (!reserve) {
        throw new Error("cannot keep " + reserveBytes + " bytes for the port");
    }
    let size = 1 << 30;
    while (size >= 8) {
        if (!module._malloc(size)) {
            size >>= 1;
        }
    }
    module._free(reserve);
}

export async function loadPicoMicroPython(options = {}) {
    const { heap = PICO_HEAP, reserve = 64 * 1024, ...rest } = options;
    quietGrowthRefusals();
    const { loadMicroPython } = await import(PORT);
    const instantiate = WebAssembly.instantiate;
    let memory = null;
    WebAssembly.instantiate = async (...args) => {
        const result = await instantiate.apply(WebAssembly, args);
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
        throw new Error("the port's WebAssembly memory was not found");
    }
    memory.grow = () => {
        throw new RangeError("this MicroPython's memory is fixed, like a Pico's");
    };
    useUpMalloc(mp._module, reserve);
    return mp;
}
