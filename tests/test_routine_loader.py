"""Tests of backbeat.routine.loader: safe YAML with positions, and clean errors for broken files."""

from __future__ import annotations

import pytest
from backbeat.routine.errors import Invalid, MultipleInvalid
from backbeat.routine.loader import MAX_BYTES, load, parse, plain_data, read_text
from backbeat.routine.nodes import Mapping, Scalar, Sequence


def located(problem: Invalid) -> str:
    where = f"{problem.node.line}:{problem.node.col}" if problem.node is not None else "-"
    return f"{where}: {problem.message} (hint: {problem.hint})"


def parse_problems(text: str) -> list[str]:
    try:
        parse(text)
    except Invalid as problem:
        return [located(problem)]
    except MultipleInvalid as many:
        return [located(p) for p in many.problems]
    raise AssertionError("parsed without a problem")


def file_problem(path) -> str:
    with pytest.raises(Invalid) as caught:
        load(path)
    return located(caught.value)


def test_parse__positions_of_keys_and_values():
    root = parse("name: Easy\nsteps:\n  - exercise: Cat\n    hold: 15s\n")
    assert isinstance(root, Mapping) and (root.line, root.col) == (1, 1)
    assert root.keys() == ["name", "steps"]
    name_key = root.key_node("name")
    assert (name_key.line, name_key.col) == (1, 1)
    name = root.get("name")
    assert isinstance(name, Scalar) and name.value == "Easy" and (name.line, name.col) == (1, 7)
    steps = root.get("steps")
    assert isinstance(steps, Sequence) and len(steps) == 1 and (steps.line, steps.col) == (3, 3)
    step = steps.items[0]
    assert (step.line, step.col) == (3, 5)
    hold = step.get("hold")
    assert (hold.text, hold.line, hold.col) == ("15s", 4, 11)


def test_parse__scalar_values_keep_text_and_type():
    root = parse("a: 30\nb: 2.5\nc: 1:30\nd: yes\ne: '30'\nf:\ng: 2026-13-45\nh: 1_000\n")
    got = {k.text: (v.value, v.text, v.quoted) for k, v in root}
    assert got == {
        "a": (30, "30", False),
        "b": (2.5, "2.5", False),
        "c": (90, "1:30", False),
        "d": (True, "yes", False),
        "e": ("30", "30", True),
        "f": (None, "", False),
        "g": ("2026-13-45", "2026-13-45", False),
        "h": (1000, "1_000", False),
    }


def test_parse__flow_and_block_forms_are_the_same():
    a = parse("hold: {from: 10s, to: 30s, step: 5s}\n").get("hold")
    b = parse("hold:\n  from: 10s\n  to: 30s\n  step: 5s\n").get("hold")
    assert a.keys() == b.keys() == ["from", "to", "step"]
    assert (a.get("to").line, a.get("to").col) == (1, 23)
    assert (b.get("to").line, b.get("to").col) == (3, 7)


def test_parse__crlf_line_ends_and_bom(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_bytes(b"\xef\xbb\xbfname: R\r\nsteps: x\r\n")
    root = load(path)
    assert (root.get("steps").line, root.get("steps").col) == (2, 8)


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(
            "",
            ["-: the file is empty (hint: a routine has at least `name:` and `steps:`)"],
            id="empty",
        ),
        pytest.param(
            "# only a comment\n\n",
            ["-: the file is empty (hint: a routine has at least `name:` and `steps:`)"],
            id="comments-only",
        ),
        pytest.param(
            "name: a\nsteps:\n\t- rest: 5s\n",
            [
                "3:1: tab character in the indentation (hint: indent with spaces only; YAML does not allow tabs there)"
            ],
            id="tab",
        ),
        pytest.param(
            "name: a\nsteps:\n  - exercise: x\n  \thold: 5s\n  \t  reps: 2\n",
            [
                "4:3: tab character in the indentation (hint: indent with spaces only; YAML does not allow tabs there)",
                "5:3: tab character in the indentation (hint: indent with spaces only; YAML does not allow tabs there)",
            ],
            id="tabs-on-two-lines",
        ),
        pytest.param(
            "name: a\nname: b\nsteps: []\n",
            ["2:1: duplicate key 'name' (hint: it is already set on line 1; keep one of them)"],
            id="duplicate-key",
        ),
        pytest.param(
            "steps:\n  - exercise: a\n    hold: 5s\n    hold: 6s\n  - rest: 1\n    rest: 2\n",
            [
                "4:5: duplicate key 'hold' (hint: it is already set on line 3; keep one of them)",
                "6:5: duplicate key 'rest' (hint: it is already set on line 5; keep one of them)",
            ],
            id="duplicate-keys-nested",
        ),
        pytest.param(
            "name: a\nsay: Hold: then breathe\n",
            [
                "2:10: YAML syntax: mapping values are not allowed here "
                "(hint: quote text that contains ': ', or put the key on a line of its own)"
            ],
            id="colon-in-text",
        ),
        pytest.param(
            "name: a\nsteps: [rest, 5s\n",
            [
                "3:1: YAML syntax: expected ',' or ']', but got '<stream end>' "
                "(hint: check the indentation, the colons and the quotes around here)"
            ],
            id="unclosed-bracket",
        ),
        pytest.param(
            "name: 'a\n",
            [
                "2:1: YAML syntax: found unexpected end of stream (hint: close the quote or bracket that was opened)"
            ],
            id="unclosed-quote",
        ),
        pytest.param(
            "steps:\n  - rest: 5s\n - rest: 3s\n",
            [
                "3:2: YAML syntax: expected <block end>, but found '<block sequence start>' (hint: check the indentation: "
                "items of one list or mapping start in the same column)"
            ],
            id="bad-indent",
        ),
        pytest.param(
            "name: a\n---\nname: b\n",
            [
                "2:1: more than one YAML document in the file (hint: a routine file holds one routine: "
                "remove the `---` line and what follows, or split the file)"
            ],
            id="two-documents",
        ),
        pytest.param(
            "defaults: &d {rest: 5s}\nmore: *d\n",
            [
                "2:7: aliases (*name) are not supported (hint: write the value out in full where it is needed)"
            ],
            id="alias",
        ),
        pytest.param(
            "a: &x [1]\nb:\n  <<: *x\n",
            [
                "3:7: aliases (*name) are not supported (hint: write the value out in full where it is needed)"
            ],
            id="merge-key",
        ),
        pytest.param(
            "a: *nowhere\n",
            [
                "1:4: aliases (*name) are not supported (hint: write the value out in full where it is needed)"
            ],
            id="undefined-alias",
        ),
        pytest.param(
            "name: !!python/object:os.system echo\n",
            [
                "1:7: the tag '!!python/object:os.system' is not supported (hint: remove the `!` tag; plain values need none)"
            ],
            id="python-tag",
        ),
        pytest.param(
            "name: !custom x\n",
            [
                "1:7: the tag '!custom' is not supported (hint: remove the `!` tag; plain values need none)"
            ],
            id="custom-tag",
        ),
        pytest.param(
            "? [a, b]\n: 1\n",
            ["1:3: a key must be a plain word (hint: write keys such as `hold:`)"],
            id="list-key",
        ),
    ],
)
def test_parse__invalid(text, expected):
    assert parse_problems(text) == expected


def test_load__missing_file(tmp_path):
    assert (
        file_problem(tmp_path / "nope.yaml")
        == "-: no such file (hint: check the path and the file name)"
    )


def test_load__directory(tmp_path):
    assert (
        file_problem(tmp_path)
        == "-: is a directory, not a routine file (hint: name the .yaml files in it, e.g. DIR/*.yaml)"
    )


def test_load__invalid_utf8_names_the_byte_and_its_place(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_bytes(b"name: caf\xc3\xa9\nsay: ab\xffc\n")
    assert (
        file_problem(path)
        == "2:8: not UTF-8 text: byte 0xFF cannot be read (hint: a routine is YAML text; save it as UTF-8)"
    )


def test_load__binary_junk(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    assert (
        file_problem(path)
        == "1:1: control character U+0000 is not allowed (hint: a routine is YAML text; this looks like a binary file)"
    )


def test_load__control_character_in_text(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_bytes(b"name: a\nsay: x\x07y\n")
    assert (
        file_problem(path)
        == "2:7: control character U+0007 is not allowed (hint: a routine is YAML text; this looks like a binary file)"
    )


def test_read_text__too_large(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_bytes(b"#" * (MAX_BYTES + 1))
    with pytest.raises(Invalid) as caught:
        read_text(path)
    assert (
        caught.value.message
        == f"the file is {MAX_BYTES + 1} bytes, larger than a routine can be ({MAX_BYTES} bytes)"
    )


@pytest.mark.parametrize(
    "text, where",
    [("name: a\t# the name\n", "1:8"), ("say: a\tb\n", "1:7"), ("a: [1,\t2]\n", "1:7")],
)
def test_parse__tab_elsewhere(text, where):
    assert parse_problems(text) == [
        f"{where}: tab character where YAML does not allow one (hint: use spaces instead of tabs)"
    ]


def test_parse__nesting_too_deep():
    assert parse_problems("a: " + "[" * 45 + "]" * 45 + "\n") == [
        "1:43: the file nests lists or mappings too deeply (more than 40 levels) "
        "(hint: a routine needs only a few levels; check the brackets and the indentation)"
    ]


def test_parse__nesting_deeper_than_the_parser_can_follow():
    assert parse_problems("a: " + "[" * 5000 + "]" * 5000 + "\n") == [
        "-: the file nests lists or mappings too deeply (more than 40 levels) "
        "(hint: a routine needs only a few levels; check the brackets and the indentation)"
    ]


def test_plain_data__safe_load_without_positions_or_checks():
    assert plain_data("name: Bridge\nsteps:\n  - hold: 30s\n  - rest: 10\n") == {
        "name": "Bridge",
        "steps": [{"hold": "30s"}, {"rest": 10}],
    }
    assert plain_data("a: 1\na: 2\n") == {"a": 2}  # duplicate keys are not refused here
