"""Text for people: display text for the device screen (plain ASCII, wrapped to 16 columns
of the 8x8 font), and counted nouns for the host's messages."""

from __future__ import annotations

import unicodedata

WIDTH = 16  # characters per line of the 128-pixel screen
MAX_LINES = 3  # lines a name, an exercise or a `say` text may take

# Letters and signs that Unicode decomposition does not turn into ASCII.
_FOLD = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u00b4": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u2022": "*",
    "\u00b7": "*",
    "\u00d7": "x",
    "\u00f7": "/",
    "\u2044": "/",
    "\u00b0": " deg",
    "\u00df": "ss",
    "\u00e6": "ae",
    "\u00c6": "AE",
    "\u0153": "oe",
    "\u0152": "OE",
    "\u00f8": "o",
    "\u00d8": "O",
    "\u0111": "d",
    "\u0110": "D",
    "\u00f0": "d",
    "\u00d0": "D",
    "\u0142": "l",
    "\u0141": "L",
    "\u00fe": "th",
    "\u00de": "Th",
    "\u0131": "i",
}


def to_ascii(text: str) -> str:
    """``text`` as printable ASCII and newlines: accents dropped, typographic signs made plain.

    Tabs and other control characters become spaces; a character with no plain
    form becomes ``?``.
    """
    out = []
    for ch in unicodedata.normalize("NFKD", text):
        if ch == "\n" or " " <= ch <= "~":
            out.append(ch)
        elif ch in _FOLD:
            out.append(_FOLD[ch])
        elif unicodedata.combining(ch):
            continue
        elif ch.isspace() or unicodedata.category(ch) == "Cc":
            out.append(" ")
        else:
            out.append("?")
    return "".join(out)


def wrap(text: str, width: int = WIDTH) -> list[str]:
    """Lines of at most ``width`` characters.

    Breaks at spaces, and inside a word only when the word is longer than a
    line. A newline in ``text`` always starts a new line; blank lines and runs
    of spaces are dropped.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            while len(word) > width:
                if line:
                    lines.append(line)
                    line = ""
                lines.append(word[:width])
                word = word[width:]
            if not word:
                continue
            if not line:
                line = word
            elif len(line) + 1 + len(word) <= width:
                line += " " + word
            else:
                lines.append(line)
                line = word
        if line:
            lines.append(line)
    return lines


def display_lines(text: str, width: int = WIDTH) -> list[str]:
    """``text`` folded to ASCII and wrapped, as the device shows it."""
    return wrap(to_ascii(text), width)


def count(n: int, noun: str) -> str:
    """``n`` and ``noun``, plural unless ``n`` is 1: ``1 routine``, ``0 files``, ``2 new records``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def display_text(text: str, width: int = WIDTH) -> str:
    """``text`` as stored in a .bbr string table: ASCII lines joined by ``\\n``."""
    return "\n".join(display_lines(text, width))
