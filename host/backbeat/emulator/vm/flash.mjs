// The emulated flash: a host directory mirrored into /flash of the port's memory
// filesystem. Every write, truncation, removal, rename and new directory under /flash
// is done on the host directory at once, so files survive a restart as on the Pico.
// Capacity and block use follow the Pico's littlefs: 352 blocks of 4 KB (1.4 MB).

import fs from "node:fs";
import path from "node:path";

export const BLOCK = 4096;
export const BLOCKS = 352;
const ROOT = "/flash";
const O_ACCMODE = 3;
const O_TRUNC = 512;
const O_APPEND = 1024;
// Raised by a write that does not fit. Errors of FS.write reach MicroPython unchanged,
// so this is MicroPython's ENOSPC (28), not Emscripten's (51).
const MP_ENOSPC = 28;

export class Flash {
  // beforeWrite, when given, is called at each write to a file of the flash (the virtual
  // device's garbage collection point, docs/virtual-device.md).
  constructor(FS, hostDir, beforeWrite = null) {
    this.FS = FS;
    this.beforeWrite = beforeWrite;
    this.hostDir = path.resolve(hostDir);
    fs.mkdirSync(this.hostDir, { recursive: true });
    FS.mkdir(ROOT);
    this.load(this.hostDir, ROOT);
    this.patch();
  }

  load(hostDir, dir) {
    for (const name of fs.readdirSync(hostDir).sort()) {
      const h = path.join(hostDir, name);
      const st = fs.statSync(h);
      const p = dir + "/" + name;
      if (st.isDirectory()) {
        this.FS.mkdir(p);
        this.load(h, p);
      } else if (st.isFile()) {
        this.FS.writeFile(p, fs.readFileSync(h));
      }
    }
  }

  // The host path of an absolute path under /flash, or null for any other path.
  host(p) {
    if (typeof p !== "string") return null;
    const n = path.posix.normalize(p);
    if (n === ROOT) return this.hostDir;
    if (!n.startsWith(ROOT + "/")) return null;
    return path.join(this.hostDir, n.slice(ROOT.length + 1));
  }

  // Blocks in use: two for each directory (its metadata pair), and for each file its
  // size in blocks, at least one.
  usedBlocks(dir = ROOT) {
    let used = 2;
    for (const name of this.FS.readdir(dir)) {
      if (name === "." || name === "..") continue;
      const p = dir + "/" + name;
      const st = this.FS.stat(p);
      if (this.FS.isDir(st.mode)) used += this.usedBlocks(p);
      else used += Math.max(1, Math.ceil(st.size / BLOCK));
    }
    return used;
  }

  freeBlocks() {
    return Math.max(0, BLOCKS - this.usedBlocks());
  }

  patch() {
    const FS = this.FS;
    const flash = this;
    const orig = {
      open: FS.open, write: FS.write, close: FS.close, unlink: FS.unlink, rmdir: FS.rmdir,
      mkdir: FS.mkdir, rename: FS.rename, truncate: FS.truncate, ftruncate: FS.ftruncate,
    };
    FS.open = function (p, flags, mode) {
      const stream = orig.open.call(FS, p, flags, mode);
      const h = typeof flags === "number" && (flags & O_ACCMODE) ? flash.host(stream.path) : null;
      if (h !== null) {
        stream.hostFd = fs.openSync(h, fs.existsSync(h) ? "r+" : "w+");
        if (flags & O_TRUNC) fs.ftruncateSync(stream.hostFd, 0);
      }
      return stream;
    };
    FS.write = function (stream, buffer, offset, length, position, canOwn) {
      if (stream.hostFd === undefined) {
        return orig.write.call(FS, stream, buffer, offset, length, position, canOwn);
      }
      if (flash.beforeWrite !== null) flash.beforeWrite();
      const explicit = typeof position === "number";
      const size = stream.node.usedBytes ?? FS.stat(stream.path).size;
      const at = explicit ? position : (stream.flags & O_APPEND ? size : stream.position);
      const grow = Math.max(1, Math.ceil(Math.max(size, at + length) / BLOCK))
        - Math.max(1, Math.ceil(size / BLOCK));
      if (grow > 0 && grow > flash.freeBlocks()) throw new FS.ErrnoError(MP_ENOSPC);
      const n = orig.write.call(FS, stream, buffer, offset, length, position, canOwn);
      const where = explicit ? position : stream.position - n;
      fs.writeSync(stream.hostFd, buffer, offset, n, where);
      return n;
    };
    FS.close = function (stream) {
      const r = orig.close.call(FS, stream);
      if (stream.hostFd !== undefined) {
        fs.closeSync(stream.hostFd);
        stream.hostFd = undefined;
      }
      return r;
    };
    FS.unlink = function (p) {
      orig.unlink.call(FS, p);
      const h = flash.host(p);
      if (h !== null) fs.rmSync(h, { force: true });
    };
    FS.rmdir = function (p) {
      orig.rmdir.call(FS, p);
      const h = flash.host(p);
      if (h !== null) fs.rmSync(h, { recursive: true, force: true });
    };
    FS.mkdir = function (p, mode) {
      const r = orig.mkdir.call(FS, p, mode);
      const h = flash.host(p);
      if (h !== null && flash.patched) fs.mkdirSync(h, { recursive: true });
      return r;
    };
    FS.rename = function (a, b) {
      orig.rename.call(FS, a, b);
      const ha = flash.host(a);
      const hb = flash.host(b);
      if (ha !== null && hb !== null) fs.renameSync(ha, hb);
    };
    FS.truncate = function (p, len) {
      orig.truncate.call(FS, p, len);
      const h = flash.host(typeof p === "string" ? p : p.path);
      if (h !== null) fs.truncateSync(h, len);
    };
    FS.ftruncate = function (fd, len) {
      orig.ftruncate.call(FS, fd, len);
      const stream = FS.getStream(fd);
      if (stream?.hostFd !== undefined) fs.ftruncateSync(stream.hostFd, len);
    };
    this.patched = true;
  }
}
