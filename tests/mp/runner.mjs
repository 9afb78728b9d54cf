// Runs Python under the real MicroPython (the pinned WebAssembly port) with a heap
// bounded like a Pico's, for the firmware tests and the benchmarks.
//
// Usage: node tests/mp/runner.mjs < job.json
//
// The job (JSON on stdin):
//   heap     GC heap in bytes (default 196608, 192 KB)
//   reserve  bytes of the C heap left free for the port's own bookkeeping (default 96 KB)
//   port     the port's micropython.mjs (default: the one pinned in package.json)
//   files    [[host_path, device_path], ...] copied into the port's filesystem first
//   path     directories put at the front of sys.path (default ["/"])
//   cwd      working directory (default "/")
//   stress   true: every collection fills the freed blocks with 0xa5 (vm/mpport.mjs)
//   code     Python source run at the top level; if it binds `mp_steps` to a generator,
//            the generator is then resumed from here until it ends (see below)
//   preload  modules imported first, one per call from here with garbage collected after
//            each, as the firmware's main.py imports the app (compiling a module from
//            source leaves garbage that one call for all of them would pile up)
//   module   a test module to import, and
//   tests    the names of its test functions, run in that order
//
// Each result is one JSON line on stdout ("event" is ready, import, test, code or done);
// everything the Python side prints is captured into the "output" field of the result.
//
// The port is started by the virtual device's bootstrap (emulator/vm/mpport.mjs): the GC
// heap bounded to `heap` bytes as on a Pico, and gc.collect() collecting at once. The
// port itself collects only when control returns to JavaScript (the C stack cannot be
// scanned), so every test function is its own call from here, and a test written as a
// generator is resumed one step per call: each `yield` is a point where garbage is
// collected, like one turn of the main loop.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { loadPicoMicroPython, PICO_HEAP } from "../../host/backbeat/emulator/vm/mpport.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PINNED_PORT = path.join(
    HERE, "..", "..", "node_modules", "@micropython", "micropython-webassembly-pyscript", "micropython.mjs");

function emit(obj) {
    fs.writeSync(1, JSON.stringify(obj) + "\n");
}

let captured = [];
function takeOutput() {
    const text = Buffer.from(captured).toString("utf8");
    captured = [];
    return text;
}

function mkdirs(FS, dir) {
    let cur = "";
    for (const part of dir.split("/").filter((p) => p)) {
        cur += "/" + part;
        try {
            FS.mkdir(cur);
        } catch (e) {
            if (!(e && e.errno === 20)) {
                // 20 is EEXIST in Emscripten's numbering
                throw e;
            }
        }
    }
}

async function main() {
    const job = JSON.parse(fs.readFileSync(0, "utf8"));
    const heap = job.heap ?? PICO_HEAP;
    const sink = (bytes) => {
        for (const b of bytes) captured.push(b);
    };
    const { mp } = await loadPicoMicroPython({
        port: job.port ?? PINNED_PORT,
        heap,
        ...(job.reserve === undefined ? {} : { reserve: job.reserve }),
        stress: job.stress === true,
        stdout: sink,
        stderr: sink,
        linebuffer: false,
    });

    for (const [hostPath, devPath] of job.files ?? []) {
        mkdirs(mp.FS, path.posix.dirname(devPath));
        mp.FS.writeFile(devPath, fs.readFileSync(hostPath));
    }

    mp.runPython(fs.readFileSync(path.join(HERE, "driver.py"), "utf8"));
    const py = (name) => mp.globals.get(name);
    const text = () => mp.globals.get("_bb_text");
    if (py("_bb_setup")(JSON.stringify(job.path ?? ["/"]), job.cwd ?? "/") !== 0) {
        emit({ event: "error", error: "setup failed", output: takeOutput() });
        return 1;
    }
    emit({ event: "ready", heap: py("_bb_heap_total")(), output: takeOutput() });

    const failure = () => {
        py("_bb_format")();
        return text();
    };
    const drive = (first) => {
        // first: 0 finished, 1 a generator to resume, 2 raised
        let state = first;
        let steps = 0;
        const step = py("_bb_step");
        while (state === 1) {
            state = step();
            steps += 1;
        }
        return { state, steps };
    };

    if (job.code !== undefined) {
        mp.globals.set("_bb_src", job.code);
        const { state, steps } = drive(py("_bb_exec")());
        const output = takeOutput();
        emit(state === 0
            ? { event: "code", ok: true, output, steps }
            : { event: "code", ok: false, output, steps, error: failure() });
    }

    if (job.module !== undefined) {
        for (const name of job.preload ?? []) {
            // A module that fails here fails again, and is reported, in the import below.
            py("_bb_preload")(name);
            py("_bb_collect")();
        }
        const ok = py("_bb_import")(job.module) === 0;
        emit(ok
            ? { event: "import", module: job.module, ok, output: takeOutput() }
            : { event: "import", module: job.module, ok, output: takeOutput(), error: failure() });
        if (ok) {
            const collect = py("_bb_collect");
            for (const name of job.tests ?? []) {
                collect();
                const first = py("_bb_start")(name);
                if (first === 3) {
                    emit({ event: "test", name, outcome: "missing", output: takeOutput() });
                    continue;
                }
                const { state, steps } = drive(first);
                const output = takeOutput();
                emit(state === 0
                    ? { event: "test", name, outcome: "passed", output, steps }
                    : { event: "test", name, outcome: "failed", output, steps, error: failure() });
            }
        }
    }
    emit({ event: "done", heap: py("_bb_heap_total")() });
    return 0;
}

main().then(
    (code) => process.exit(code),
    (err) => {
        emit({ event: "error", error: String(err && err.stack ? err.stack : err).slice(0, 4000),
            output: takeOutput() });
        process.exit(2);
    },
);
