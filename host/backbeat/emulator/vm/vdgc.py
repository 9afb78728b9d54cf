# `gc` as a Pico shows it, installed as gc by vm/mpport.mjs (the virtual device and the
# firmware tests' runner): collect() collects at once, as on a Pico (the port alone only
# asks for a collection when control goes back to JavaScript), and mem_free() counts
# only the bounded heap.
import gc as _gc
from gc import disable, enable, isenabled, mem_alloc, threshold  # noqa: F401

import _mpport

# The port counts this much room for heap areas it could still add (gc_get_max_new_split
# in ports/webassembly/main.c) into its mem_free(); mpport.mjs makes sure none is added.
_SPLIT_ROOM = 128 * 1024 * 1024


def collect():
    _mpport.collect()


def mem_free():
    free = _gc.mem_free()
    return free - _SPLIT_ROOM if free >= _SPLIT_ROOM else free
