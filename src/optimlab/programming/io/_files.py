"""Reading and writing model files as text: ``.gz`` transparently, never replacing a file unasked."""

from __future__ import annotations

import gzip
from pathlib import Path

from ._errors import ModelFileError

__all__ = ["read_text", "write_text"]


def read_text(path: Path) -> str:
    """The file's text (latin-1: old model files are not always UTF-8); ``.gz`` is decompressed."""
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rt", encoding="latin-1") as fh:
                return fh.read()
        return path.read_text(encoding="latin-1")
    except (OSError, EOFError) as exc:
        raise ModelFileError(path, None, f"cannot read the file ({exc}).") from exc


def write_text(path: Path, text: str, *, overwrite: bool) -> Path:
    """Write ``text`` to ``path`` (compressed for ``.gz``); an existing file needs ``overwrite``."""
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it.")
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="latin-1") as fh:
            fh.write(text)
    else:
        path.write_text(text, encoding="latin-1")
    return path
