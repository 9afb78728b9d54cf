# Tests for firmware/ui.py: exact pixels of the big glyphs and bars, exact text placement.

import fakes
import menu
import ui

DIGIT_2 = (
    ["################"] * 3
    + [".............###"] * 7
    + ["################"] * 3
    + ["###............."] * 8
    + ["################"] * 3
)

DIGIT_1 = [".............###"] * 24

DIGIT_7 = ["################"] * 3 + [".............###"] * 21

# Where each segment's middle is inside the 16 x 24 cell: a, b, c, d, e, f, g.
SEGMENT_PROBES = ((8, 1), (14, 6), (14, 17), (8, 22), (1, 17), (1, 6), (8, 11))


def glyph_rows(c, x, y):
    return [c.row(y + r, x, x + 16) for r in range(24)]


def test_big_digit_pixels():
    c = fakes.Canvas()
    ui.big_digit(c, 10, 20, 2)
    assert glyph_rows(c, 10, 20) == DIGIT_2
    assert c.count(0, 0, 128, 64) == c.count(10, 20, 16, 24)
    c.fill(0)
    ui.big_digit(c, 0, 0, 1)
    assert glyph_rows(c, 0, 0) == DIGIT_1
    c.fill(0)
    ui.big_digit(c, 100, 40, 7)
    assert glyph_rows(c, 100, 40) == DIGIT_7


def test_each_digit_lights_its_segments():
    lit_counts = []
    for d in range(10):
        c = fakes.Canvas()
        ui.big_digit(c, 0, 0, d)
        bits = 0
        for i in range(7):
            x, y = SEGMENT_PROBES[i]
            bits |= c.get(x, y) << i
        assert bits == ui.SEGMENTS[d]
        lit_counts.append(c.count(0, 0, 16, 24))
    assert lit_counts == [204, 72, 189, 189, 141, 189, 213, 111, 234, 210]


def test_big_time_seconds_centred():
    c = fakes.Canvas()
    assert ui.big_time(c, 0, 0, 70, 7) == 16
    assert glyph_rows(c, 27, 0) == DIGIT_7
    assert c.count(0, 0, 128, 64) == 111
    c.fill(0)
    assert ui.big_time(c, 0, 0, 70, 21) == 36
    assert glyph_rows(c, 17, 0) == DIGIT_2
    assert glyph_rows(c, 37, 0) == DIGIT_1


def test_big_time_minutes_and_seconds():
    c = fakes.Canvas()
    assert ui.big_time(c, 0, 11, 70, 125) == 65
    assert glyph_rows(c, 2, 11) == DIGIT_2
    # The colon: two 3 x 3 dots.
    assert c.count(22, 11, 5, 24) == 18
    assert c.get(23, 17) and c.get(25, 19) and c.get(23, 26) and not c.get(22, 17)
    # 0:05 -> the last glyphs are 0 and 5.
    assert c.count(31, 11, 16, 24) == 204
    assert c.count(51, 11, 16, 24) == 189


def test_big_time_counting_up_has_a_plus():
    c = fakes.Canvas()
    assert ui.big_time(c, 0, 0, 70, 12, plus=True) == 51
    assert c.row(10, 9, 20) == "###########"
    assert c.row(6, 9, 20) == "....###...."
    assert c.count(9, 0, 11, 24) == 33 + 24
    assert glyph_rows(c, 24, 0) == DIGIT_1
    assert glyph_rows(c, 44, 0) == DIGIT_2


def test_big_time_whole_minutes_from_ten():
    c = fakes.Canvas()
    assert ui.big_time(c, 0, 11, 70, 700) == 62
    assert c.count(4, 11, 16, 24) == 72
    assert c.texts == [("min", 42, 27, 1)]
    c.fill(0)
    ui.big_time(c, 0, 11, 70, 200 * 60)
    assert c.count(4, 11, 16, 24) == 210
    assert c.count(24, 11, 16, 24) == 210


def test_text_helpers():
    assert ui.line_of("Cat\ncow\nslow", 0) == "Cat"
    assert ui.line_of("Cat\ncow\nslow", 1) == "cow"
    assert ui.line_of("Cat\ncow\nslow", 2) == "slow"
    assert ui.line_of("Cat\ncow\nslow", 3) == ""
    assert ui.line_of("Cat", 0) == "Cat"
    assert ui.mmss(0) == "0:00"
    assert ui.mmss(65) == "1:05"
    assert ui.mmss(3600) == "60:00"
    assert ui.mmss(-5) == "0:00"
    assert menu.ago(ui.NEVER) == "never done"
    assert menu.ago(ui.UNDATED) == "done, undated"
    assert menu.ago(-1) == "never done"
    assert menu.ago(0) == "last 0 min ago"
    assert menu.ago(59) == "last 0 min ago"
    assert menu.ago(3599) == "last 59 min ago"
    assert menu.ago(7200) == "last 2 h ago"
    assert menu.ago(86400) == "last 1 day ago"
    assert menu.ago(3 * 86400 + 5) == "last 3 days ago"
    assert menu.ago(100 * 86400) == "last 99+ days"
    for s in ("last 59 min ago", "last 23 h ago", "last 99 days ago", "never done",
              "done, undated"):
        assert len(s) <= 16
    c = fakes.Canvas()
    assert ui.text_lines(c, "a\nb\nc\nd", 0, 10, 3) == 3
    assert c.texts == [("a", 0, 10, 1), ("b", 0, 18, 1), ("c", 0, 26, 1)]


def test_bar_fill():
    c = fakes.Canvas()
    ui.bar(c, 10, 400)
    assert c.row(10) == "#" * 128
    assert c.row(15) == "#" * 128
    assert c.row(12) == "#" * 51 + "." * 76 + "#"
    c.fill(0)
    ui.bar(c, 0, 1500)
    assert c.row(2) == "#" * 128
    c.fill(0)
    ui.bar(c, 0, -3)
    assert c.row(2) == "#" + "." * 126 + "#"
    c.fill(0)
    ui.bar(c, 59, 500, 5)
    assert c.row(59) == "#" * 128 and c.row(63) == "#" * 128
    assert c.row(60) == c.row(62) == "#" * 64 + "." * 63 + "#"
    assert c.count(0, 0, 128, 59) == 0


def test_session_screen():
    c = fakes.Canvas()
    ui.session(c, "Cat-cow\nslow", ("Breathe slowly",), 4, 125, False, 1, 400, 1, 2, 5, 250)
    # A breath phase runs: the breath bar and the hint, not the say text.
    assert c.texts == [
        ("Cat-cow", 0, 0, 1),
        ("IN", 72, 9, 1),
        ("LEFT", 72, 17, 1),
        ("2/5", 72, 25, 1),
        ("1=pause 2=skip", 0, 50, 1),
    ]
    assert glyph_rows(c, 2, 9) == DIGIT_2
    assert c.count(0, 8, 128, 1) == 0 and c.count(0, 33, 128, 1) == 0
    # Breath bar: 400/1000 of 126 px, rows 39 to 44.
    assert c.row(39) == c.row(44) == "#" * 128
    assert c.row(41) == "#" * 51 + "." * 76 + "#"
    assert c.count(0, 45, 128, 5) == 0
    # Progress bar: 250/1000 of 126 px, rows 59 to 63, a dark row above it.
    assert c.row(58) == "." * 128
    assert c.row(59) == c.row(63) == "#" * 128
    assert c.row(60) == c.row(62) == "#" * 32 + "." * 95 + "#"


def test_breath_bar_grows_on_in_and_shrinks_on_out():
    widths = []
    for phase, level in ((1, 0), (1, 500), (2, 1000), (3, 700), (3, 100), (4, 0)):
        c = fakes.Canvas()
        ui.session(c, "Breathe", (), 4, 30, False, phase, level, 0, 0, 0, 0)
        widths.append(c.count(1, 41, 126, 1))
        assert c.texts[1] == (ui.PHASE_WORDS[phase], 72, 9, 1)
    assert widths == [0, 63, 126, 88, 12, 0]


def test_session_without_breath_side_or_rep():
    c = fakes.Canvas()
    ui.session(c, "Rest", (), 9, 20, False, 0, 0, 0, 0, 0, 1000)
    assert c.strings() == ["Rest", "REST", "2=skip hold=stop"]
    assert c.count(0, 33, 128, 17) == 0
    assert c.row(61) == "#" * 128


def test_session_open_hold_counts_up():
    c = fakes.Canvas()
    ui.session(c, "Plank", ("Straight line,", "head to heels"), 3, 12, True, 0, 0, 2, 1, 3,
               500)
    assert c.strings() == ["Plank", "HOLD", "RIGHT", "1/3", "1=done 2=skip"]
    assert c.row(19, 9, 20) == "###########"
    assert glyph_rows(c, 44, 9) == DIGIT_2


SAY = ("Round your back,", "tuck your hips", "and go slowly")


def test_getting_ready_shows_the_say_text_over_the_hint():
    c = fakes.Canvas()
    ui.session(c, "Cat\nstretch", SAY, 1, 5, False, 0, 0, 0, 0, 0, 0)
    assert c.texts == [
        ("Cat", 0, 0, 1),
        ("READY", 72, 9, 1),
        ("Round your back,", 0, 34, 1),
        ("tuck your hips", 0, 42, 1),
        ("and go slowly", 0, 50, 1),
    ]
    # The big 5 stays where it always is; a dark row above the text and the progress bar.
    assert c.count(27, 9, 16, 24) == 189
    assert c.count(0, 33, 128, 1) == 0
    assert c.row(58) == "." * 128
    assert c.row(59) == "#" * 128 and c.row(61) == "#" + "." * 126 + "#"


def test_descenders_of_the_say_text_stay_off_the_bars():
    # MicroPython's font draws g, j, p, q, y on the last row of their 8 x 8 cell.
    c = fakes.Canvas()
    ui.session(c, "jumping", ("gjpqy", "gjpqy", "gjpqy"), 1, 5, False, 0, 0, 0, 0, 0, 0)
    assert c.count(0, 8, 128, 1) == 0
    assert c.count(0, 33, 128, 1) == 0
    assert c.count(0, 58, 128, 1) == 0


def test_resting_and_switching_show_the_say_text_and_the_hint_when_it_fits():
    c = fakes.Canvas()
    ui.session(c, "Bird dog", SAY[:2], 9, 10, False, 0, 0, 1, 0, 0, 400)
    assert c.texts == [
        ("Bird dog", 0, 0, 1),
        ("REST", 72, 9, 1),
        ("LEFT", 72, 17, 1),
        ("Round your back,", 0, 34, 1),
        ("tuck your hips", 0, 42, 1),
        ("2=skip hold=stop", 0, 50, 1),
    ]
    ui.session(c, "Bird dog", ["Other side now"], 10, 5, False, 0, 0, 2, 0, 0, 500)
    assert c.texts == [
        ("Bird dog", 0, 0, 1),
        ("SWITCH", 72, 9, 1),
        ("RIGHT", 72, 17, 1),
        ("Other side now", 0, 34, 1),
        ("2=skip hold=stop", 0, 50, 1),
    ]
    # Three lines at most, as the .bbr allows.
    ui.session(c, "", SAY + ("more",), 9, 5, False, 0, 0, 0, 0, 0, 500)
    assert c.strings() == ["", "REST"] + list(SAY)


def test_working_segments_leave_the_say_text_out():
    for kind in (2, 3, 5, 6, 7, 8):
        c = fakes.Canvas()
        ui.session(c, "Plank", SAY, kind, 20, kind == 3, 0, 0, 0, 0, 0, 500)
        assert c.strings() == ["Plank", ui.KIND_WORDS[kind],
                               "1=done 2=skip" if kind == 3 else "1=pause 2=skip"]


def test_menu_screen():
    c = fakes.Canvas()
    menu.menu_screen(c, "Lower back,\neasy", 994, 2 * 86400, 1, 8)
    assert c.texts == [
        ("ROUTINE", 1, 1, 0),
        ("2/8", 103, 1, 0),
        ("Lower back,", 0, 12, 1),
        ("easy", 0, 20, 1),
        ("time 16:34", 0, 38, 1),
        ("last 2 days ago", 0, 46, 1),
        ("1=next hold=go", 0, 56, 1),
        ("L0", 112, 38, 1),
    ]
    assert c.get(0, 0) and c.get(127, 8) and c.get(0, 8)
    assert not c.get(0, 9)
    menu.menu_screen(c, "Neck", 300, ui.UNDATED, 0, 3)
    assert c.texts[3:] == [("time 5:00", 0, 38, 1), ("done, undated", 0, 46, 1),
                           ("1=next hold=go", 0, 56, 1), ("L0", 112, 38, 1)]
    menu.menu_screen(c, "Neck", 300, 60, 11, 12, "due 2 of 3", 12)
    assert c.texts[:2] == [("due 2 of 3", 1, 1, 0), ("12/12", 87, 1, 0)]
    assert c.texts[-1] == ("L12", 104, 38, 1)
    menu.menu_screen(c, "Neck", 300, ui.NEVER, 0, 3)
    assert c.texts[4] == ("never done", 0, 46, 1)


def test_paused_and_done_screens():
    c = fakes.Canvas()
    ui.paused(c, "Bird dog", (), 42, 65)
    assert c.texts == [
        ("PAUSED", 1, 1, 0),
        ("1:05", 95, 1, 0),
        ("Bird dog", 0, 12, 1),
        ("left 0:42", 0, 38, 1),
        ("1=go on 2=skip", 0, 48, 1),
        ("hold=stop", 0, 56, 1),
    ]
    ui.paused(c, "Hip flexor\nstretch\nleft", (), 42, 65)
    assert c.strings()[2:5] == ["Hip flexor", "stretch", "left"]
    # The exercise and the say share three rows, the exercise giving up its later lines.
    ui.paused(c, "Hip flexor\nstretch", ["Lean forward"], 30, 5)
    assert c.texts[2:] == [
        ("Hip flexor", 0, 12, 1),
        ("stretch", 0, 20, 1),
        ("Lean forward", 0, 28, 1),
        ("left 0:30", 0, 38, 1),
        ("1=go on 2=skip", 0, 48, 1),
        ("hold=stop", 0, 56, 1),
    ]
    ui.paused(c, "Hip flexor\nstretch", SAY[:2], 30, 5)
    assert c.strings()[2:6] == ["Hip flexor", "Round your back,", "tuck your hips", "left 0:30"]
    # A say of three lines takes a fourth row; the stop hint gives way.
    ui.paused(c, "Hip flexor\nstretch", SAY, 30, 5)
    assert c.texts[2:] == [
        ("Hip flexor", 0, 11, 1),
        ("Round your back,", 0, 19, 1),
        ("tuck your hips", 0, 27, 1),
        ("and go slowly", 0, 35, 1),
        ("left 0:30", 0, 46, 1),
        ("1=go on 2=skip", 0, 56, 1),
    ]
    assert c.count(0, 9, 128, 2) == 0 and c.count(0, 43, 128, 3) == 0
    menu.done_screen(c, "Lower back", True, 872, 12, 2, 45)
    assert c.strings() == ["DONE", "Lower back", "took 14:32", "done 12 skip 2", "paused 0:45",
                           "1=ok"]
    menu.done_screen(c, "Lower back", False, 60, 1, 0, 0)
    assert c.strings()[0] == "STOPPED"


def test_question_screen():
    c = fakes.Canvas()
    menu.question_screen(c, "Pain?")
    assert c.texts == [("Pain?", 44, 20, 1), ("1=no hold=yes", 0, 56, 1)]
    assert c.row(0) == "#" * 128
    assert c.row(47) == "#" * 128
    assert c.row(30, 0, 2) == "#."
    menu.question_screen(c, "Any pain\nnow?")
    assert c.texts[:2] == [("Any pain", 32, 16, 1), ("now?", 48, 24, 1)]


def test_message_and_error_screens():
    c = fakes.Canvas()
    ui.message(c, "SYNC ME", "Log nearly full:\nconnect to the\nlaptop", "")
    assert c.texts == [
        ("SYNC ME", 1, 1, 0),
        ("Log nearly full:", 0, 14, 1),
        ("connect to the", 0, 22, 1),
        ("laptop", 0, 30, 1),
    ]
    ui.error(c, "bad CRC\nneck.bbr")
    assert c.strings() == ["ERROR", "bad CRC", "neck.bbr", "1=ok"]


def test_settings_screen():
    c = fakes.Canvas()
    menu.settings_screen(c, ("Sound", "Vibration", "Back"), (True, False, None), 1)
    assert c.texts == [
        ("SETTINGS", 1, 1, 0),
        ("Sound", 1, 12, 1),
        ("on", 111, 12, 1),
        ("Vibration", 1, 22, 0),
        ("off", 103, 22, 0),
        ("Back", 1, 32, 1),
        ("1=next hold=set", 0, 56, 1),
    ]
    # The selected row is inverted: lit from y 21 to 30 across the width.
    assert c.get(127, 21) and c.get(127, 30) and c.get(0, 21)
    assert not c.get(127, 20) and not c.get(127, 31)


def test_every_hint_fits_one_line():
    for s in ("1=next hold=go", "1=pause 2=skip", "1=done 2=skip", "1=go on 2=skip",
              "hold=stop", "1=no hold=yes", "1=next hold=set"):
        assert len(s) <= ui.COLUMNS
    for w in ui.KIND_WORDS + ui.PHASE_WORDS + ui.SIDE_WORDS:
        assert 72 + 8 * len(w) <= ui.WIDTH


def test_pain_screen():
    c = fakes.Canvas()
    ui.pain(c, 3)
    assert c.texts == [("PAIN 0 TO 10", 1, 1, 0), ("ok", 56, 42, 1), ("1=more hold=save", 0, 56, 1)]
    assert c.count(56, 13, 16, 24) > 0 and c.count(0, 13, 56, 24) == 0  # one big digit, centred
    ui.pain(c, 10)
    assert c.strings()[1] == "too much" and c.count(0, 13, 128, 24) > 0
    words = [ui.pain_word(n) for n in range(11)]
    assert words == ["none", "a little", "a little", "ok", "ok", "ok"] + ["too much"] * 5


def test_morning_screen():
    c = fakes.Canvas()
    menu.morning_screen(c, 0)
    assert c.texts == [
        ("THIS MORNING", 1, 1, 0),
        ("your back is", 0, 12, 1),
        ("better", 40, 23, 0),
        ("same", 48, 33, 1),
        ("worse", 44, 43, 1),
        ("1=next hold=pick", 0, 56, 1),
    ]
    assert c.get(0, 22) and c.get(127, 31) and not c.get(0, 32)
