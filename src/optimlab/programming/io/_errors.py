"""The one error type of the file readers: it names the file and the line."""

from __future__ import annotations

__all__ = ["ModelFileError"]


class ModelFileError(ValueError):
    """A model file that cannot be read, with the path and the 1-based line number.

    Attributes
    ----------
    path : str
    line : int or None
    reason : str
    """

    def __init__(self, path, line: int | None, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"{where}: {reason}")
