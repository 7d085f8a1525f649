"""Pieces every subcommand shares: the consoles and the no-overwrite rule for outputs."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

__all__ = ["consoles", "output_paths"]


def consoles() -> tuple[Console, Console]:
    """The output console and the error console (stderr)."""
    console = Console()
    if not console.is_terminal:  # piped or captured output is not bound by a terminal's width
        console = Console(width=150)
    return console, Console(stderr=True)


def output_paths(out: Path, names, *, force: bool) -> list[Path]:
    """The output files ``out / name``; files that exist already are an error unless ``force``."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file; give a folder.")
    paths = [out / name for name in names]
    existing = [str(p) for p in paths if p.exists()]
    if existing and not force:
        raise ValueError(
            f"Would overwrite {', '.join(existing)}; pass --force to replace them or choose another --out."
        )
    return paths
