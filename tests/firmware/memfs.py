# An in-memory file system for the logbook tests, able to cut the power after any byte.

from array import array


class PowerCut(Exception):
    """Raised by a write when the power budget runs out (the program stops there)."""


class _File:
    def __init__(self, fs, path, data, writable, append=False):
        self.fs = fs
        self.path = path
        self.data = data
        self.pos = 0
        self.writable = writable
        self.append = append  # every write at the end, wherever the position is

    def readinto(self, buf):
        if isinstance(buf, array):
            # An array("H"), read as a board reads one: its bytes, little-endian.
            raw = bytearray(len(bytes(buf)))
            n = self.readinto(raw)
            for k in range(n // 2):
                buf[k] = raw[2 * k] | (raw[2 * k + 1] << 8)
            return n
        n = len(buf)
        avail = len(self.data) - self.pos
        if n > avail:
            n = avail
        for i in range(n):
            buf[i] = self.data[self.pos + i]
        self.pos += n
        return n

    def read(self, n=-1):
        if n < 0:
            n = len(self.data) - self.pos
        out = bytes(self.data[self.pos : self.pos + n])
        self.pos += len(out)
        return out

    def seek(self, pos, whence=0):
        if whence == 2:
            pos += len(self.data)
        elif whence == 1:
            pos += self.pos
        self.pos = pos
        return pos

    def write(self, b):
        if not self.writable:
            raise OSError(9)
        if isinstance(b, array):
            b = bytes(b)  # its bytes, as a board writes them
        n = len(b)
        fs = self.fs
        if self.append:
            self.pos = len(self.data)
        room = fs.free() + len(self.data) - self.pos  # bytes written over take no room
        if n > room:
            self._put(b[:room])
            raise OSError(28)
        if fs.budget is not None and n > fs.budget:
            cut = fs.budget
            self._put(b[:cut])
            fs.written += cut
            fs.budget = 0
            raise PowerCut(self.path)
        self._put(b)
        fs.written += n
        if fs.budget is not None:
            fs.budget -= n
        return n

    def _put(self, b):
        # b at the position, over what is there and on past the end.
        b = bytes(b)
        over = min(len(self.data) - self.pos, len(b))  # equal lengths, as MicroPython wants
        if over > 0:
            self.data[self.pos : self.pos + over] = b[:over]
        self.data.extend(b[max(over, 0) :])
        self.pos += len(b)

    def close(self):
        self.data = None


class MemFs:
    """Files in a dict; `budget` bytes may be written before a PowerCut (None: no limit)."""

    def __init__(self, capacity=1 << 20, block=4096):
        self.files = {}
        self.dirs = ["/"]
        self.capacity = capacity
        self.block = block
        self.budget = None
        self.written = 0

    def used(self):
        total = 0
        for k in self.files:
            total += len(self.files[k])
        return total

    def free(self):
        return self.capacity - self.used()

    def open(self, path, mode):
        if "r" in mode:
            if path not in self.files:
                raise OSError(2)
            return _File(self, path, self.files[path], "+" in mode)
        if "w" in mode or path not in self.files:
            self.files[path] = bytearray()
        f = _File(self, path, self.files[path], True, "a" in mode)
        f.pos = len(f.data)
        return f

    def listdir(self, path):
        if path not in self.dirs:
            raise OSError(2)
        prefix = path.rstrip("/") + "/"
        out = []
        for k in self.files:
            if k.startswith(prefix) and "/" not in k[len(prefix) :]:
                out.append(k[len(prefix) :])
        return out

    def ilistdir(self, path):
        # (name, type, inode) of each entry, as os.ilistdir gives them, in no order.
        for name in self.listdir(path):
            yield (name, 0x8000, 0)

    def mkdir(self, path):
        if path in self.dirs:
            raise OSError(17)
        self.dirs.append(path)

    def remove(self, path):
        if path not in self.files:
            raise OSError(2)
        del self.files[path]

    def rename(self, a, b):
        if a not in self.files:
            raise OSError(2)
        self.files[b] = self.files.pop(a)

    def statvfs(self, path):
        blocks = self.capacity // self.block
        free = self.free() // self.block
        return (self.block, self.block, blocks, free, free, 0, 0, 0, 0, 255)

    def copy(self):
        """An independent copy of what is on this file system (the flash after a reboot)."""
        other = MemFs(self.capacity, self.block)
        for k in self.files:
            other.files[k] = bytearray(self.files[k])
        other.dirs = list(self.dirs)
        return other
