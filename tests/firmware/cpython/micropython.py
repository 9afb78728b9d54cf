"""The `micropython` module for firmware tests under CPython.

const() is the identity, as MicroPython's is at run time. kbd_intr() records the
character the firmware asked for, so tests can check it. heap_lock()/heap_unlock()
keep MicroPython's lock depth (CPython cannot refuse allocations while locked).
"""

kbd_intr_char = 3
_heap_lock_depth = 0


def const(value):
    return value


def kbd_intr(chr):
    global kbd_intr_char
    if not isinstance(chr, int):
        raise TypeError("can't convert %s to int" % type(chr).__name__)
    kbd_intr_char = chr


def heap_lock():
    global _heap_lock_depth
    _heap_lock_depth += 1


def heap_unlock():
    global _heap_lock_depth
    if _heap_lock_depth:
        _heap_lock_depth -= 1
    return _heap_lock_depth
