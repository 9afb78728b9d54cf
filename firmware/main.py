# Start-up: safe mode when the button is held, else the app, with every error shown and logged.

import gc
import sys
import time

import board
from micropython import const

# Heap set aside before the app starts and let go when it cannot start, so that showing,
# printing, keeping and logging why never lack memory (a full heap of live objects too).
_SPARE = const(4096)
# The app's modules, each imported after those it needs. Imported one at a time with the
# garbage collected after each, a firmware kept as .py source never holds the compiler's
# garbage of more than one module (about 25 KB at most) beside what the others keep.
_APP_MODULES = ("bbr", "button", "cues", "engine", "schedule", "logbook", "ui", "rtc", "app")


def _collect():
    # Collect garbage now, and on a port that collects only while asleep too; a full heap
    # is no reason to stop.
    try:
        gc.collect()
        time.sleep_ms(1)
    except MemoryError:
        pass


def _input_wait():
    # The main loop's sleep: up to ms, ended by a byte from the host, so that a request is
    # read as it comes, not after the rest of a 10 ms sleep. A poll's wait sleeps as
    # sleep_ms does (until an interrupt, on rp2); ipoll allocates nothing.
    import select

    p = select.poll()
    try:
        p.register(sys.stdin, select.POLLIN)
    except OSError:
        return time.sleep_ms  # a stdin that cannot be watched: a plain sleep
    ipoll = p.ipoll

    def wait(ms):
        for _ in ipoll(ms):
            break

    return wait


def _error_text(exc):
    # "Type: message" and the innermost lines of the traceback, as much as the log keeps;
    # the type's name alone when even that cannot be made (the heap is full).
    try:
        text = "%s: %s" % (type(exc).__name__, exc)
    except MemoryError:
        return type(exc).__name__
    try:
        import io

        buf = io.StringIO()
        sys.print_exception(exc, buf)
        trace = buf.getvalue().strip()
        lines = trace.split("\n")
        if len(lines) > 1:
            text = text + "\n" + lines[-2].strip()
    except Exception:
        pass
    return text


def _show(display, title, text, hint):
    import ui

    ui.message(display, title, text, hint)
    display.show()


def _open_display(i2c):
    import ssd1306

    try:
        return ssd1306.SSD1306(i2c)
    except OSError:
        return ssd1306.Dark()  # no screen answers: the app still runs on its cues


def _report(display, fs, lb, text):
    # The error that stopped the app from starting: printed, on the screen, in /error.txt
    # and in the log (lb, made before start-up), each as far as it goes.
    try:
        print("backbeat:", text)
    except Exception:
        pass
    try:
        _show(display, "ERROR", text[:80], "1=retry")
    except Exception:
        pass
    try:
        f = fs.open("/error.txt", "wb")
        try:
            f.write(text.encode())
        finally:
            f.close()
    except Exception:
        pass
    try:
        lb.log_error(text, time.ticks_ms())
    except Exception:
        pass  # (no log: it could not be opened)


def _wait_for_press(pin):
    while pin.value() != 0:
        time.sleep_ms(20)
    while pin.value() == 0:
        time.sleep_ms(20)


def _interrupted_at_start():
    # Bytes the host sent while the port started up, before MicroPython armed Ctrl-C for
    # main.py, wait in stdin as plain data (mpremote sends Ctrl-C, then Ctrl-A for the raw
    # REPL, as soon as the USB serial is there). Unread, the app's link would take them;
    # a Ctrl-C among them ends the start-up here instead, and the REPL reads what follows.
    import select

    p = select.poll()
    try:
        p.register(sys.stdin, select.POLLIN)
    except OSError:
        return False  # a stdin that cannot be watched (a test runner's) has nothing waiting
    one = bytearray(1)
    while p.poll(0):
        if not sys.stdin.buffer.readinto(one):
            return False
        if one[0] == 3:
            return True
    return False


def main():
    import journal

    if _interrupted_at_start():
        print("backbeat: Ctrl-C at start-up, app not started")
        return None
    if journal.finish():
        import machine

        machine.soft_reset()  # a flash was cut in its switch: start again on the new files
    b = board.open_board()
    display = _open_display(b.i2c)
    if b.button.value() == 0:
        # Held at power-up: safe mode, the REPL stays free for mpremote.
        _show(display, "SAFE MODE", "App not started.\nREPL is free.", "")
        print("backbeat: safe mode, app not started")
        return None
    # What the error path needs: the screen's module and the file system first; the log
    # (the app's too) and the spare heap once the modules are in (made before, they would
    # split the heap that compiling a module needs in one piece), before the app is made.
    import logbook
    import ui  # noqa: F401 - for _show, whatever happens to the app's imports

    fs = logbook.Flash()
    lb = None
    spare = [bytearray(0)]  # the spare heap (made below)
    spare.pop()
    while True:
        a = None
        try:
            for name in _APP_MODULES:
                if name not in sys.modules:
                    __import__(name)
                    _collect()
            import app
            import link
            import rtc

            if lb is None:
                lb = logbook.Logbook(fs)
            if not spare:
                spare.append(bytearray(_SPARE))
            a = app.App(b, display, lb, time.ticks_ms(), clock=rtc.Clock(b.i2c, b.rtc_addr),
                        power_up=False)
            a.power_up(time.ticks_ms())
            _collect()  # what the start left (listing the routines), before the link's buffers
            a.link = link.Link(sys.stdin.buffer, sys.stdout.buffer, sys.stdin)
            wait = _input_wait()
            last_error = None
            while True:
                try:
                    a.run(wait)
                except KeyboardInterrupt:
                    raise
                except Exception as exc:
                    now = time.ticks_ms()
                    if last_error is not None and time.ticks_diff(now, last_error) < 2000:
                        raise  # failing again at once: stop and wait for a press
                    last_error = now
                    text = _error_text(exc)
                    print("backbeat: " + text)
                    a.show_error(text, now)
        except KeyboardInterrupt:
            raise
        except Exception as exc:
            # The app could not even start (or failed twice at once): show why, keep a copy
            # in /error.txt and the log, retry on a press. A MemoryError too: what the app
            # held and the spare heap are let go first, and nothing here may end main.py.
            a = None
            if spare:
                spare.pop()  # made again before the next try (a pop allocates nothing)
            _collect()
            if lb is None:
                try:
                    lb = logbook.Logbook(fs)
                except Exception:
                    pass  # (no log: the error goes to the screen and /error.txt)
            _report(display, fs, lb, _error_text(exc))
            exc = None
            _wait_for_press(b.button)


main()
