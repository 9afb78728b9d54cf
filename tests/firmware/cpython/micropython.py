"""The `micropython` module for firmware tests under CPython.

const() is the identity, as MicroPython's is at run time. kbd_intr() records the
character the firmware asked for (CPython has no raw serial line to apply it to).
"""

kbd_intr_char = 3


def const(value):
    return value


def kbd_intr(chr):
    global kbd_intr_char
    if not isinstance(chr, int):
        raise TypeError("can't convert %s to int" % type(chr).__name__)
    kbd_intr_char = chr

