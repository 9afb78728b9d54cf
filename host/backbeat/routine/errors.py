"""Errors in routine files: a problem found at a node, and the located message a person reads."""

from __future__ import annotations

from dataclasses import dataclass


class Invalid(Exception):
    """A value that breaks a rule of the language; ``node`` says where (None: the whole file)."""

    def __init__(self, message: str, hint: str, node=None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.node = node


class MultipleInvalid(Exception):
    """Several :class:`Invalid` found in one pass, so that all of them are reported."""

    def __init__(self, problems: list[Invalid]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass(frozen=True, order=True)
class RoutineError:
    """One error in one file, with its 1-based line and column."""

    path: str
    line: int
    col: int
    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: error: {self.message} (hint: {self.hint})"

    @classmethod
    def at(cls, path: str, problem: Invalid) -> RoutineError:
        node = problem.node
        line, col = (node.line, node.col) if node is not None else (1, 1)
        return cls(path, line, col, problem.message, problem.hint)


class RoutineErrors(Exception):
    """A routine that cannot be used, with every error found in it."""

    def __init__(self, errors: list[RoutineError]) -> None:
        self.errors = sorted(set(errors), key=lambda e: (e.path, e.line, e.col, e.message))
        super().__init__("\n".join(str(e) for e in self.errors))
