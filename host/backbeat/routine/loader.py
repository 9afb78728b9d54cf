"""Reading a routine file: safe YAML into positioned values, every failure a located error.

This is the only module that uses PyYAML. It composes the YAML node graph with
the safe loader and builds :mod:`backbeat.routine.nodes` values from it, so that
every value keeps its line and column. Duplicate keys, aliases, tabs in the
indentation and text that is not UTF-8 are refused here with a clear message.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from yaml.events import AliasEvent

from backbeat.routine.errors import Invalid, MultipleInvalid
from backbeat.routine.nodes import Mapping, Node, Scalar, Sequence

MAX_BYTES = 1_000_000  # a routine is a page of text; anything this large is a mistake
MAX_DEPTH = 40  # lists and mappings inside each other; a routine with nested repeats needs a dozen

# Characters YAML does not allow in a stream (YAML 1.1, "printable characters").
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)

_SYNTAX_HINTS = (
    (
        "mapping values are not allowed",
        "quote text that contains ': ', or put the key on a line of its own",
    ),
    (
        "could not find expected ':'",
        "write each entry as `key: value`, indented like its neighbours",
    ),
    (
        "expected <block end>",
        "check the indentation: items of one list or mapping start in the same column",
    ),
    ("found unexpected end of stream", "close the quote or bracket that was opened"),
    (
        "found unknown escape character",
        "in double quotes write \\\\ for a backslash, or use single quotes",
    ),
    ("did not find expected node content", "a value is missing or a list item is misplaced"),
)
_DEFAULT_SYNTAX_HINT = "check the indentation, the colons and the quotes around here"


class _AliasFound(Exception):
    def __init__(self, mark) -> None:
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing aliases before they are resolved."""

    def compose_node(self, parent, index):  # noqa: D102 - PyYAML hook
        if self.check_event(AliasEvent):
            raise _AliasFound(self.peek_event().start_mark)
        return super().compose_node(parent, index)


class _Where:
    """A position for an error that has no node (file-level problems)."""

    def __init__(self, line: int, col: int) -> None:
        self.line = line
        self.col = col


def read_text(path: str | Path) -> str:
    """The file's text, or :class:`Invalid` saying why it cannot be read as a routine."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise Invalid("no such file", "check the path and the file name") from None
    except IsADirectoryError:
        raise Invalid(
            "is a directory, not a routine file", "name the .yaml files in it, e.g. DIR/*.yaml"
        ) from None
    except PermissionError:
        raise Invalid(
            "cannot read the file: permission denied", "check the file's permissions"
        ) from None
    except OSError as exc:
        raise Invalid(f"cannot read the file: {exc.strerror or exc}", "check the path") from None
    if len(data) > MAX_BYTES:
        raise Invalid(
            f"the file is {len(data)} bytes, larger than a routine can be ({MAX_BYTES} bytes)",
            "a routine is a short YAML text file; check that this is the right file",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8")
        _refuse_control_characters(before)
        line, col = _position(before)
        raise Invalid(
            f"not UTF-8 text: byte 0x{data[exc.start]:02X} cannot be read",
            "a routine is YAML text; save it as UTF-8",
            _Where(line, col),
        ) from None
    _refuse_control_characters(text)
    return text


def _refuse_control_characters(text: str) -> None:
    bad = _NOT_PRINTABLE.search(text)
    if bad:
        line, col = _position(text[: bad.start()])
        raise Invalid(
            f"control character U+{ord(bad.group()):04X} is not allowed",
            "a routine is YAML text; this looks like a binary file",
            _Where(line, col),
        )


def _position(before: str) -> tuple[int, int]:
    """1-based line and column of the character that follows ``before``."""
    lines = before.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return len(lines), len(lines[-1]) + 1


def _tab_indents(text: str) -> list[Invalid]:
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            problems.append(
                Invalid(
                    "tab character in the indentation",
                    "indent with spaces only; YAML does not allow tabs there",
                    _Where(number, indent.index("\t") + 1),
                )
            )
    return problems


def parse(text: str) -> Node:
    """The single YAML document in ``text`` as positioned values.

    Raises :class:`Invalid` (one problem) or :class:`MultipleInvalid`.
    """
    tabs = _tab_indents(text)
    if tabs:
        raise MultipleInvalid(tabs)
    loader = _Loader(text)
    try:
        try:
            root = loader.get_single_node()
        except _AliasFound as found:
            raise Invalid(
                "aliases (*name) are not supported",
                "write the value out in full where it is needed",
                _Where(found.mark.line + 1, found.mark.column + 1),
            ) from None
        except yaml.MarkedYAMLError as exc:
            raise _syntax_error(exc) from None
        except RecursionError:
            raise Invalid(
                f"the file nests lists or mappings too deeply (more than {MAX_DEPTH} levels)",
                "a routine needs only a few levels; check the brackets and the indentation",
            ) from None
        except yaml.YAMLError as exc:  # reader errors carry no mark
            raise Invalid(f"YAML cannot read this file: {exc}", _DEFAULT_SYNTAX_HINT) from None
        if root is None:
            raise Invalid("the file is empty", "a routine has at least `name:` and `steps:`")
        problems: list[Invalid] = []
        value = _build(root, loader, problems, 1)
        if problems:
            raise MultipleInvalid(problems)
        return value
    finally:
        loader.dispose()


def load(path: str | Path) -> Node:
    """Read and parse one routine file."""
    return parse(read_text(path))


def plain_data(text: str) -> object:
    """``text`` read by PyYAML's safe loader alone: no positions, no checks.

    The compile benchmark's baseline; routines are read with :func:`parse`.
    """
    return yaml.safe_load(text)


def _syntax_error(exc: yaml.MarkedYAMLError) -> Invalid:
    mark = exc.problem_mark or exc.context_mark
    problem = (exc.problem or exc.context or "cannot be read").strip()
    if "expected a single document" in (exc.context or ""):
        return Invalid(
            "more than one YAML document in the file",
            "a routine file holds one routine: remove the `---` line and what follows, or split the file",
            _Where(mark.line + 1, mark.column + 1),
        )
    if "found character '\\t'" in problem:
        return Invalid(
            "tab character where YAML does not allow one",
            "use spaces instead of tabs",
            _Where(mark.line + 1, mark.column + 1),
        )
    hint = next((h for key, h in _SYNTAX_HINTS if key in problem), _DEFAULT_SYNTAX_HINT)
    where = _Where(mark.line + 1, mark.column + 1) if mark is not None else None
    return Invalid(f"YAML syntax: {problem}", hint, where)


def _where(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _build(node: yaml.Node, loader: _Loader, problems: list[Invalid], depth: int) -> Node:
    line, col = _where(node)
    if depth > MAX_DEPTH and not isinstance(node, yaml.ScalarNode):
        raise Invalid(
            f"the file nests lists or mappings too deeply (more than {MAX_DEPTH} levels)",
            "a routine needs only a few levels; check the brackets and the indentation",
            _Where(line, col),
        )
    if isinstance(node, yaml.MappingNode):
        entries: list[tuple[Scalar, Node]] = []
        seen: dict[str, Scalar] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                kl, kc = _where(key_node)
                problems.append(
                    Invalid(
                        "a key must be a plain word", "write keys such as `hold:`", _Where(kl, kc)
                    )
                )
                continue
            key = _scalar(key_node, loader, problems)
            if key.text in seen:
                first = seen[key.text]
                problems.append(
                    Invalid(
                        f"duplicate key {key.text!r}",
                        f"it is already set on line {first.line}; keep one of them",
                        key,
                    )
                )
                continue
            seen[key.text] = key
            entries.append((key, _build(value_node, loader, problems, depth + 1)))
        return Mapping(entries, line, col)
    if isinstance(node, yaml.SequenceNode):
        return Sequence(
            [_build(item, loader, problems, depth + 1) for item in node.value], line, col
        )
    return _scalar(node, loader, problems)


def _scalar(node: yaml.ScalarNode, loader: _Loader, problems: list[Invalid]) -> Scalar:
    line, col = _where(node)
    quoted = node.style in ("'", '"', "|", ">")
    try:
        value = loader.construct_object(node)
    except yaml.constructor.ConstructorError:
        problems.append(
            Invalid(
                f"the tag {node.tag.replace('tag:yaml.org,2002:', '!!')!r} is not supported",
                "remove the `!` tag; plain values need none",
                _Where(line, col),
            )
        )
        value = node.value
    except Exception:  # noqa: BLE001 - PyYAML's constructors raise KeyError, AttributeError...
        implicit = (True, False) if node.style is None else (False, True)
        if loader.resolve(yaml.ScalarNode, node.value, implicit) == node.tag:
            value = node.value  # e.g. a date-like text that is no date: keep the text
        else:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            problems.append(
                Invalid(
                    f"{node.value!r} cannot be read as {tag}",
                    f"remove the `{tag}` tag; plain values need none",
                    _Where(line, col),
                )
            )
            value = node.value
    return Scalar(value, node.value, node.tag, quoted, line, col)
