"""YAML values that remember where they were written: scalars, mappings and lists with line:col."""

from __future__ import annotations

from collections.abc import Iterator


class Node:
    """A value at a 1-based ``line`` and ``col`` of its file."""

    __slots__ = ("line", "col")
    kind = "value"

    def __init__(self, line: int, col: int) -> None:
        self.line = line
        self.col = col


class Scalar(Node):
    """A single value: ``value`` is what YAML made of it, ``text`` is how it was written."""

    __slots__ = ("value", "text", "tag", "quoted")
    kind = "scalar"

    def __init__(self, value, text: str, tag: str, quoted: bool, line: int, col: int) -> None:
        super().__init__(line, col)
        self.value = value
        self.text = text
        self.tag = tag
        self.quoted = quoted

    @property
    def is_null(self) -> bool:
        return self.value is None

    def shown(self) -> str:
        """The value as a message quotes it."""
        if self.is_null:
            return "nothing"
        return repr(self.text) if self.quoted or isinstance(self.value, str) else self.text

    def __repr__(self) -> str:
        return f"Scalar({self.text!r} at {self.line}:{self.col})"


class Mapping(Node):
    """``key: value`` pairs in file order; keys are scalars, so they keep their position too."""

    __slots__ = ("entries",)
    kind = "mapping"

    def __init__(self, entries: list[tuple[Scalar, Node]], line: int, col: int) -> None:
        super().__init__(line, col)
        self.entries = entries

    def __contains__(self, key: str) -> bool:
        return any(k.text == key for k, _ in self.entries)

    def __iter__(self) -> Iterator[tuple[Scalar, Node]]:
        return iter(self.entries)

    def get(self, key: str) -> Node | None:
        for k, v in self.entries:
            if k.text == key:
                return v
        return None

    def key_node(self, key: str) -> Scalar | None:
        for k, _ in self.entries:
            if k.text == key:
                return k
        return None

    def keys(self) -> list[str]:
        return [k.text for k, _ in self.entries]

    def __repr__(self) -> str:
        return f"Mapping({self.keys()} at {self.line}:{self.col})"


class Sequence(Node):
    """A list of values."""

    __slots__ = ("items",)
    kind = "list"

    def __init__(self, items: list[Node], line: int, col: int) -> None:
        super().__init__(line, col)
        self.items = items

    def __iter__(self) -> Iterator[Node]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return f"Sequence({len(self.items)} items at {self.line}:{self.col})"


def describe(node: Node) -> str:
    """What a message calls a value that is not what was expected."""
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, Sequence):
        return "a list"
    assert isinstance(node, Scalar)
    return node.shown()
