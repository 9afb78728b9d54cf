"""Tests of backbeat.routine.nodes: positioned values and how messages describe them."""

from __future__ import annotations

from backbeat.routine.nodes import Mapping, Scalar, Sequence, describe


def scalar(value, text, quoted=False, line=1, col=1):
    return Scalar(value, text, "tag", quoted, line, col)


def test_mapping__lookup_by_key_text_in_file_order():
    key_a, key_b = scalar("a", "a", line=1), scalar("b", "b", line=2)
    value_a, value_b = scalar(1, "1", line=1, col=4), scalar(2, "2", line=2, col=4)
    m = Mapping([(key_a, value_a), (key_b, value_b)], 1, 1)
    assert m.keys() == ["a", "b"]
    assert "a" in m and "c" not in m
    assert m.get("b") is value_b and m.get("c") is None
    assert m.key_node("a") is key_a and m.key_node("c") is None
    assert list(m) == [(key_a, value_a), (key_b, value_b)]


def test_sequence__items_and_length():
    items = [scalar(1, "1"), scalar(2, "2")]
    s = Sequence(items, 3, 5)
    assert len(s) == 2 and list(s) == items and (s.line, s.col) == (3, 5)


def test_describe():
    assert describe(Mapping([], 1, 1)) == "a mapping"
    assert describe(Sequence([], 1, 1)) == "a list"
    assert describe(scalar("up", "up")) == "'up'"
    assert describe(scalar("30", "30", quoted=True)) == "'30'"
    assert describe(scalar(2.5, "2.5")) == "2.5"
    assert describe(scalar(True, "yes")) == "yes"
    assert describe(scalar(None, "")) == "nothing"
