"""Model files: MPS (free and fixed), QPS, CPLEX LP, and the Maros-Meszaros ``.mat`` files."""

from __future__ import annotations

from pathlib import Path

from ..problem import Problem
from ._errors import ModelFileError
from .lp import read_lp, write_lp
from .mat import read_mat
from .mps import read_mps, write_mps

__all__ = ["ModelFileError", "read_lp", "read_mat", "read_mps", "read_problem", "write_lp", "write_mps",
           "write_problem"]

_READERS = {"mps": read_mps, "qps": read_mps, "lp": read_lp, "mat": read_mat}


def _format(path: Path, format: str | None) -> str:
    if format is not None:
        fmt = format.lower()
    else:
        name = path.name.lower().removesuffix(".gz")
        fmt = name.rsplit(".", 1)[-1] if "." in name else ""
    if fmt not in _READERS:
        raise ValueError(
            f"Cannot tell the format of {path.name!r}: expected .mps, .qps, .lp or .mat (optionally .gz), "
            "or pass format=."
        )
    return fmt


def read_problem(path, *, format: str | None = None) -> Problem:
    """Read a model file into a :class:`Problem`, by extension: .mps/.qps (and .gz), .lp (.gz), .mat.

    Raises ``FileNotFoundError`` for a missing file and :class:`ModelFileError` (a ``ValueError``
    naming the line) for a malformed one.
    """
    path = Path(path)
    fmt = _format(path, format)
    if not path.is_file():
        raise FileNotFoundError(f"No such model file: {path}")
    if fmt == "mat" and path.name.endswith(".gz"):
        raise ValueError(f"{path.name}: .mat files are read uncompressed.")
    return _READERS[fmt](path)


def write_problem(problem: Problem, path, *, format: str | None = None, overwrite: bool = False) -> Path:
    """Write ``problem`` by extension: .mps or .qps (free MPS; ``.gz`` compresses) or .lp.

    Refuses to replace an existing file unless ``overwrite=True``.
    """
    path = Path(path)
    fmt = _format(path, format)
    if fmt == "mat":
        raise ValueError("Writing .mat files is not supported; write .mps, .qps or .lp.")
    if fmt == "lp":
        return write_lp(problem, path, overwrite=overwrite)
    return write_mps(problem, path, overwrite=overwrite)
