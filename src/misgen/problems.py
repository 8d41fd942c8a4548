"""Problems: what validation reports, and the exceptions that carry them.

A :class:`Problem` points at data (file, line, column, field) and says how to fix it.
Commands collect problems and pick the exit code; nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int | None
    column: int | None
    field: str
    message: str
    hint: str = ""

    def location(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
        }


class InputError(Exception):
    """Unusable input (exit 2): carries the problems that explain why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class UsageError(Exception):
    """A command-line mistake (exit 2)."""
