# Start-up: safe mode when the button is held, else the app, with every error shown and logged.

import gc
import sys
import time

import board


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


def _keep(text):
    # The error that stopped the app from starting: in /error.txt and in the log (each
    # as far as the file system and the heap allow).
    try:
        import logbook

        fs = logbook.Flash()
        f = fs.open("/error.txt", "wb")
        try:
            f.write(text.encode())
        finally:
            f.close()
        logbook.Logbook(fs).log_error(text, time.ticks_ms())
    except Exception:
        pass


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
    import link

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
    import app
    import logbook
    import rtc

    while True:
        a = None
        try:
            lb = logbook.Logbook()
            a = app.App(b, display, lb, time.ticks_ms(), clock=rtc.Clock(b.i2c, b.rtc_addr))
            a.link = link.Link(sys.stdin.buffer, sys.stdout.buffer, sys.stdin)
            last_error = None
            while True:
                try:
                    a.run()
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
            # held is let go first, and nothing here may end main.py.
            a = None
            lb = None
            try:
                gc.collect()
                time.sleep_ms(1)  # a port that collects garbage only in a sleep does too
            except MemoryError:
                pass
            text = _error_text(exc)
            try:
                print("backbeat: " + text)
            except Exception:
                pass
            _keep(text)
            try:
                _show(display, "ERROR", text[:80], "1=retry")
            except Exception:
                pass
            _wait_for_press(b.button)


main()
