"""Tests of backbeat.text: ASCII folding and wrapping to the 16-column screen."""

from __future__ import annotations

import pytest
from backbeat.text import MAX_LINES, WIDTH, count, display_lines, display_text, to_ascii, wrap


def test_screen_constants():
    assert (WIDTH, MAX_LINES) == (16, 3)


@pytest.mark.parametrize(
    "text, ascii_",
    [
        ("Crème brûlée", "Creme brulee"),
        ("don’t “pull”", 'don\'t "pull"'),
        ("10–20 reps — slowly…", "10-20 reps - slowly..."),
        ("Straße Æsir øre Łódź", "Strasse AEsir ore Lodz"),
        ("½ turn, 45°", "1/2 turn, 45 deg"),
        ("tab\there", "tab here"),
        ("line\nbreak", "line\nbreak"),
        ("no\u00a0break", "no break"),
        ("snow ☃ man", "snow ? man"),
        ("ﬁne", "fine"),
    ],
)
def test_to_ascii(text, ascii_):
    assert to_ascii(text) == ascii_


@pytest.mark.parametrize(
    "text, lines",
    [
        ("", []),
        ("Cat", ["Cat"]),
        ("Lower back, easy", ["Lower back, easy"]),
        ("Round your back, tuck your hips", ["Round your back,", "tuck your hips"]),
        ("  many   spaces  here ", ["many spaces here"]),
        ("abcdefghijklmnopq rest", ["abcdefghijklmnop", "q rest"]),
        (
            "go supercalifragilisticexpialidocious",
            ["go", "supercalifragili", "sticexpialidocio", "us"],
        ),
        ("first\nsecond line", ["first", "second line"]),
        ("a\n\n\nb", ["a", "b"]),
        ("exactly sixteen!", ["exactly sixteen!"]),
    ],
)
def test_wrap(text, lines):
    assert wrap(text) == lines
    assert all(len(line) <= 16 for line in lines)


def test_wrap__other_width():
    assert wrap("one two three", 7) == ["one two", "three"]


def test_display_text__ascii_lines_joined_by_newline():
    assert display_lines("Étirez–vous doucement") == ["Etirez-vous", "doucement"]
    assert display_text("Round your back, tuck your hips") == "Round your back,\ntuck your hips"
    assert display_text("Cat") == "Cat"


def test_count__plural_unless_one():
    assert [count(n, "file") for n in (0, 1, 2)] == ["0 files", "1 file", "2 files"]
    assert count(1, "new record") == "1 new record"
    assert count(11, "routine error") == "11 routine errors"
