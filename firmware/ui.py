# The screens, drawn on any 128x64 FrameBuffer: pure functions of the values passed in (the
# menu's own screens are in menu.py, which a session lets go).
#
# Text uses the built-in 8x8 font, 16 columns by 8 lines; strings arrive already
# wrapped ("\n" between lines). Big numbers use seven-segment glyphs drawn here
# with filled rectangles. Button hints on screen: "1" is a short press, "2" a
# double press, "hold" a long press.

from micropython import const

WIDTH = const(128)
HEIGHT = const(64)
COLUMNS = const(16)
CHAR = const(8)

# How often the session screen is redrawn while nothing else changes (the breath bar moves).
REFRESH_MS = const(100)

# Big glyphs: seven segments in a 16 x 24 cell, strokes 3 px wide.
DIGIT_W = const(16)
DIGIT_H = const(24)
_GAP = const(4)
_COLON = const(10)
_PLUS = const(11)
_COLON_W = const(5)
_PLUS_W = const(11)

# Segment bits: a top, b upper right, c lower right, d bottom, e lower left, f upper left, g middle.
SEGMENTS = (0x3F, 0x06, 0x5B, 0x4F, 0x66, 0x6D, 0x7D, 0x07, 0x7F, 0x6F)
# x, y, w, h of segments a to g inside the cell.
_SEG_RECTS = (
    (0, 0, 16, 3),
    (13, 0, 3, 12),
    (13, 12, 3, 12),
    (0, 21, 16, 3),
    (0, 12, 3, 12),
    (0, 0, 3, 12),
    (0, 10, 16, 3),
)

# Breath phases as the engine numbers them (0 none, 1 in, 2 hold after in, 3 out, 4 hold after out).
PHASE_WORDS = ("", "IN", "HOLD", "OUT", "HOLD")
# What a segment is, by .bbr kind code, when no breath phase is running.
KIND_WORDS = ("", "READY", "HOLD", "HOLD", "BREATHE", "STRETCH", "PUSH", "RELAX", "COUNT",
              "REST", "SWITCH")
SIDE_WORDS = ("", "LEFT", "RIGHT")

# What menu.ago() is given for a routine never done, and for one done before the clock was set.
NEVER = const(-1)
UNDATED = const(-2)

# The segment kinds whose screen shows the step's `say` text: get ready, rest, switch sides
# (the person reads what to do next while the seconds run).
_PREPARE = const(1)
_REST = const(9)
_SWITCH = const(10)
SAY_LINES = const(3)

# Layout of the session screen (y of each part): the exercise on the top line; the big
# seconds with a panel of up to three words on their right; three text rows for the `say`
# text, or for the breath bar and the hints; the progress bar at the bottom.
_BIG_Y = const(9)
_BIG_BOX_W = const(70)
_PANEL_X = const(72)
_ROWS_Y = const(34)
_BREATH_Y = const(39)
_BAR_H = const(6)
_HINT_Y = const(50)
_PROGRESS_Y = const(59)
_PROGRESS_H = const(5)

_glyphs = bytearray(5)
# The last "rep/reps" text drawn and its numbers: made once per rep, not once per frame.
_rep_key = -1
_rep_text = ""


# ------------------------------------------------------------ text


def line_of(s, n):
    """Line n (from 0) of a pre-wrapped string, or '' when it has fewer lines."""
    start = 0
    while n > 0:
        i = s.find("\n", start)
        if i < 0:
            return ""
        start = i + 1
        n -= 1
    end = s.find("\n", start)
    if end < 0:
        return s[start:] if start else s
    return s[start:end]


def text_lines(fb, s, x, y, max_lines, c=1):
    """Draw up to max_lines lines of s from (x, y), 8 px apart; returns how many were drawn."""
    n = 0
    start = 0
    while n < max_lines:
        end = s.find("\n", start)
        if end < 0:
            fb.text(s[start:], x, y + n * CHAR, c)
            return n + 1
        fb.text(s[start:end], x, y + n * CHAR, c)
        n += 1
        start = end + 1
    return n


def text_centered(fb, s, y, c=1):
    fb.text(s, (WIDTH - CHAR * len(s)) // 2, y, c)


def text_right(fb, s, y, c=1):
    fb.text(s, WIDTH - CHAR * len(s), y, c)


def mmss(seconds):
    """'m:ss' for a number of seconds (at least 0)."""
    if seconds < 0:
        seconds = 0
    return "%d:%02d" % (seconds // 60, seconds % 60)


def title_bar(fb, left, right=""):
    """An inverted bar on the top line with a title on the left and a note on the right."""
    fb.fill_rect(0, 0, WIDTH, 9, 1)
    fb.text(left, 1, 1, 0)
    if right:
        fb.text(right, WIDTH - CHAR * len(right) - 1, 1, 0)


def bar(fb, y, permille, h=_BAR_H):
    """A 128 x h outlined bar filled permille/1000 of the way."""
    if permille < 0:
        permille = 0
    elif permille > 1000:
        permille = 1000
    fb.rect(0, y, WIDTH, h, 1)
    w = (WIDTH - 2) * permille // 1000
    if w:
        fb.fill_rect(1, y + 1, w, h - 2, 1)


# ------------------------------------------------------------ big glyphs


def big_digit(fb, x, y, d, c=1):
    """A 16 x 24 seven-segment digit 0 to 9 with its top left corner at (x, y)."""
    bits = SEGMENTS[d]
    for i in range(7):
        if bits & (1 << i):
            r = _SEG_RECTS[i]
            fb.fill_rect(x + r[0], y + r[1], r[2], r[3], c)


def _glyph_width(g):
    if g == _COLON:
        return _COLON_W
    if g == _PLUS:
        return _PLUS_W
    return DIGIT_W


def _big_glyph(fb, x, y, g, c):
    if g == _COLON:
        fb.fill_rect(x + 1, y + 6, 3, 3, c)
        fb.fill_rect(x + 1, y + 15, 3, 3, c)
    elif g == _PLUS:
        fb.fill_rect(x, y + 10, 11, 3, c)
        fb.fill_rect(x + 4, y + 6, 3, 11, c)
    else:
        big_digit(fb, x, y, g, c)


def big_time(fb, x, y, box_w, seconds, plus=False, c=1):
    """seconds in big glyphs centred in a box box_w wide: 'ss' below 100, 'm:ss' below 600,
    whole minutes and a small 'min' from there on; plus puts a '+' in front (counting up).
    Returns the width drawn."""
    g = _glyphs
    n = 0
    if seconds < 0:
        seconds = 0
    if plus:
        g[n] = _PLUS
        n += 1
    minutes = False
    if seconds < 100:
        if seconds >= 10:
            g[n] = seconds // 10
            n += 1
        g[n] = seconds % 10
        n += 1
    elif seconds < 600:
        g[n] = seconds // 60
        g[n + 1] = _COLON
        g[n + 2] = (seconds % 60) // 10
        g[n + 3] = seconds % 10
        n += 4
    else:
        m = seconds // 60
        if m > 99:
            m = 99
        g[n] = m // 10
        g[n + 1] = m % 10
        n += 2
        minutes = True
    w = 0
    for i in range(n):
        w += _glyph_width(g[i])
    w += _GAP * (n - 1)
    if minutes:
        w += 2 + 3 * CHAR
    left = x + (box_w - w) // 2
    if left < x:
        left = x
    px = left
    for i in range(n):
        _big_glyph(fb, px, y, g[i], c)
        px += _glyph_width(g[i]) + _GAP
    if minutes:
        fb.text("min", px - _GAP + 2, y + DIGIT_H - CHAR, c)
    return w


# ------------------------------------------------------------ screens


def session(fb, exercise, say, kind, seconds, up, phase, breath, side, rep, reps, progress):
    """A segment running: exercise, big seconds (left, or held so far when up), the phase
    or kind word, side, rep, the breath bar (0-1000, while a breath phase runs) and the
    progress of the whole routine (0-1000). say is the step's `say` text as a sequence of
    lines (split once per segment, so drawing a frame allocates nothing for it); it is
    shown while getting ready, resting or switching sides, over the hint row when it has
    three lines."""
    fb.fill(0)
    fb.text(line_of(exercise, 0), 0, 0)
    big_time(fb, 0, _BIG_Y, _BIG_BOX_W, seconds, up)
    word = PHASE_WORDS[phase] if phase else KIND_WORDS[kind]
    fb.text(word, _PANEL_X, _BIG_Y)
    if side:
        fb.text(SIDE_WORDS[side], _PANEL_X, _BIG_Y + CHAR)
    if reps:
        fb.text(_rep_of(rep, reps), _PANEL_X, _BIG_Y + 2 * CHAR)
    n = 0
    if phase:
        bar(fb, _BREATH_Y, breath)
    elif kind == _PREPARE or kind == _REST or kind == _SWITCH:
        n = len(say)
        if n > SAY_LINES:
            n = SAY_LINES
        for i in range(n):
            fb.text(say[i], 0, _ROWS_Y + CHAR * i)
    if n < SAY_LINES:
        if kind == _PREPARE or kind == _REST or kind == _SWITCH:
            hint = "2=skip hold=stop"  # between the work: how to end the session
        else:
            hint = "1=done 2=skip" if up else "1=pause 2=skip"
        fb.text(hint, 0, _HINT_Y)
    bar(fb, _PROGRESS_Y, progress, _PROGRESS_H)


def _rep_of(rep, reps):
    global _rep_key, _rep_text
    key = (rep << 16) | reps
    if key != _rep_key:
        _rep_key = key
        _rep_text = "%d/%d" % (rep, reps)
    return _rep_text


def paused(fb, exercise, say, left_s, paused_s):
    """The session on hold: what was running (its exercise, then the step's `say` lines,
    three rows together: the exercise gives up its later lines to the say), its time
    left, how long it has been paused. A say of three lines takes a fourth row, and the
    stop hint gives way for it."""
    fb.fill(0)
    title_bar(fb, "PAUSED", mmss(paused_s))
    n = len(say)
    if n > SAY_LINES:
        n = SAY_LINES
    full = n == SAY_LINES
    y = 11 if full else 12
    y += CHAR * text_lines(fb, exercise, 0, y, 1 if full else 3 - n)
    for i in range(n):
        fb.text(say[i], 0, y + CHAR * i)
    left = "left " + mmss(left_s)
    if full:
        fb.text(left, 0, 46)
        fb.text("1=go on 2=skip", 0, 56)
    else:
        fb.text(left, 0, 38)
        fb.text("1=go on 2=skip", 0, 48)
        fb.text("hold=stop", 0, 56)


# What a pain answer means (the pain-monitoring model): by the highest number of each band.
_PAIN_WORDS = ((0, "none"), (2, "a little"), (5, "ok"), (10, "too much"))


def pain_word(n):
    for top, word in _PAIN_WORDS:
        if n <= top:
            return word
    return _PAIN_WORDS[-1][1]


def pain(fb, n):
    """The pain question: the number so far in big digits with its meaning; a short press
    adds one, holding saves it."""
    fb.fill(0)
    title_bar(fb, "PAIN 0 TO 10")
    big_time(fb, 0, 13, WIDTH, n)
    text_centered(fb, pain_word(n), 42)
    fb.text("1=more hold=save", 0, 56)


def message(fb, title, text, hint="1=ok"):
    """A title bar and up to 5 lines of text; the hint on the bottom line if any."""
    fb.fill(0)
    title_bar(fb, title)
    text_lines(fb, text, 0, 14, 5)
    if hint:
        fb.text(hint, 0, 56)


def error(fb, text, hint="1=ok"):
    message(fb, "ERROR", text, hint)

