"""Mutated routines: `check` and `compile` end every one in located errors or accept it,
never in a traceback, whatever YAML PyYAML can load (tags, merge keys, anchors, junk)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from backbeat.compiling import compile_files
from backbeat.routine import check_files
from fuzzing import cases
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
SEEDS = [
    (ROOT / "routines" / n).read_text()
    for n in ("chinese-neck.yaml", "pnf-minor.yaml", "hollow-back.yaml", "core-stability.yaml",
              "hip-crossover.yaml")
]
TAGS = [
    "!!bool", "!!int", "!!float", "!!timestamp", "!!binary", "!!null", "!!str", "!!set",
    "!!omap", "!!pairs", "!!seq", "!!map", "!!merge", "!!value", "!!python/tuple", "!local",
    "!<tag:example.com,2000:x>", "&anchor", "&a !!str",
]
PIECES = [
    "<<: {hold: 5s}", "<<: [{exercise: X}]", "- &r {rest: 5s}", "<<:", "? [a, b]\n: c",
    "hold: !!float .nan", "reps: !!int 0x7fffffffffffffff", "hold: 1e400", "sides: ~",
    "check: !!bool", "name: !!binary aGVsbG8=", "prepare: 2024-01-01", "rest: -5s",
    "count: 1_000", "steps: {}", "repeat: 100000", "- {}", "- []", "'': x", "=: 1",
    "due: !!int 3", "due: every 0 days", "due: [daily]", "at: 25:99", "at: [20:00, 99:99]",
    "at: !!timestamp 2024-01-01", "needs: ''", "needs: [a, b]", "needs: !!null",
    "hold: {from: 10s, to: 5s, step: 0s}", "hold: {from: 10s}", "hold: {from: !!bool x}",
    "progress: {every: 0}", "progress: ~",
]
WORD = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@st.composite
def mutants(draw) -> str:
    lines = draw(st.sampled_from(SEEDS)).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        line = lines[at]
        op = draw(st.integers(0, 5))
        if op == 0 and ": " in line:  # a tag or anchor before a value
            k = line.index(": ") + 2
            lines[at] = f"{line[:k]}{draw(st.sampled_from(TAGS))} {line[k:]}"
        elif op == 1 and ": " in line:  # the value replaced by anything
            k = line.index(": ") + 2
            lines[at] = line[:k] + draw(st.sampled_from([*TAGS, ""])) + " " + draw(WORD)
        elif op == 2:  # a piece of YAML inserted at this line's indentation
            indent = line[: len(line) - len(line.lstrip())]
            lines.insert(at, indent + draw(st.sampled_from(PIECES)))
        elif op == 3:
            del lines[at]
        elif op == 4:
            lines.insert(at, line)
        else:  # a few characters anywhere in the line
            k = draw(st.integers(0, len(line)))
            lines[at] = line[:k] + draw(WORD) + line[k:]
        if not lines:
            lines = [""]
    return "\n".join(lines) + "\n"


_DIR = tempfile.TemporaryDirectory(prefix="backbeat-fuzz-")
PATH = Path(_DIR.name) / "mutant.yaml"
LOCATED = re.compile(re.escape(str(PATH)) + r":\d+:\d+: error: .+ \(hint: .+\)$", re.S)


@cases(2000)
@given(mutants())
def test_check_and_compile__mutants_give_located_errors_or_pass(text):
    PATH.write_text(text, encoding="utf-8")
    messages = check_files([PATH])
    for m in messages:
        assert LOCATED.match(m), m
    compiled, errors = compile_files([PATH])
    if messages:
        assert not compiled and errors
    for m in errors:
        assert LOCATED.match(m), m


def test_check__the_tags_the_fuzzing_campaign_found(tmp_path):
    path = tmp_path / "r.yaml"
    body = "steps:\n  - exercise: Cat\n    hold: 5s\n    sides: !!timestamp both\n"
    path.write_text("name: !!bool Neck\n" + body + "  - {rest: !!bool }\n")
    assert check_files([path]) == [
        f"{path}:1:7: error: 'Neck' cannot be read as !!bool "
        "(hint: remove the `!!bool` tag; plain values need none)",
        f"{path}:5:12: error: 'both' cannot be read as !!timestamp "
        "(hint: remove the `!!timestamp` tag; plain values need none)",
        f"{path}:6:12: error: '' cannot be read as !!bool "
        "(hint: remove the `!!bool` tag; plain values need none)",
    ]


def test_check_show_and_compile__a_tag_that_does_not_fit_is_an_error_not_a_traceback(tmp_path):
    from backbeat.cli import main
    from click.testing import CliRunner

    path = tmp_path / "neck.yaml"
    path.write_text("name: !!bool Neck\nsteps:\n  - exercise: Cat\n    hold: 5s\n")
    want = (f"{path}:1:7: error: 'Neck' cannot be read as !!bool "
            "(hint: remove the `!!bool` tag; plain values need none)\n")
    for args in (["check", str(path)], ["show", str(path)],
                 ["compile", str(path), "-o", str(tmp_path / "out")]):
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 2, args
        assert result.stderr.startswith(want), (args, result.stderr)
