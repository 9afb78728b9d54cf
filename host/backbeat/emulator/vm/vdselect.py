# `select` as a Pico has it: the port's poll objects, whose wait (a timeout other than 0)
# is a sleep in device time (machine._sleep: pin IRQs, timers, frames and garbage
# collection go on as in any sleep) that ends once a serial byte waits in stdin, as the
# board's poll sleeps until input comes. vdboot.setup() installs this as select.
import select as _select

import machine

POLLIN = _select.POLLIN
POLLOUT = _select.POLLOUT
POLLERR = _select.POLLERR
POLLHUP = _select.POLLHUP


class _Poll:
    def __init__(self):
        self._p = _select.poll()

    def register(self, obj, eventmask=POLLIN | POLLOUT):
        self._p.register(obj, eventmask)

    def unregister(self, obj):
        self._p.unregister(obj)

    def modify(self, obj, eventmask):
        self._p.modify(obj, eventmask)

    def _wait(self, timeout):
        if timeout == 0:
            return
        for _ in self._p.ipoll(0):
            return  # ready now
        machine._sleep_input(timeout)

    def poll(self, timeout=-1):
        self._wait(timeout)
        return self._p.poll(0)

    def ipoll(self, timeout=-1, flags=0):
        self._wait(timeout)
        return self._p.ipoll(0, flags)


def poll():
    return _Poll()
