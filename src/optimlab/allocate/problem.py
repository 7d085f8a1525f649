"""The one door: read a problem (file or dict), check it, send it to its kind, return the result."""

from __future__ import annotations

import importlib
import tomllib
from collections.abc import Mapping
from pathlib import Path

from ._schema import ProblemError, check_keys, choice, suggest, text
from .result import AllocationResult

__all__ = ["KINDS", "example", "load_problem", "solve"]

#: The kinds of problem, each solved by the module of the same name in ``optimlab.allocate.kinds``.
KINDS = ("budget", "assignment", "transportation", "production", "portfolio", "selection")
COMMON = ("name", "description")
SUFFIXES = (".yaml", ".yml", ".toml")


def _kind_module(kind: str):
    return importlib.import_module(f"optimlab.allocate.kinds.{kind}")


def load_problem(path) -> dict:
    """Read a problem file (``.yaml``, ``.yml`` or ``.toml``) into a dict.

    CSV tables it names stay file names; :func:`solve` reads them relative to the file's folder.
    The result has a ``"_base_dir"`` entry holding that folder.
    """
    import yaml

    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise ProblemError(f"{path}: a problem file ends with {', '.join(SUFFIXES)}; got {path.suffix!r}.")
    if not path.is_file():
        raise ProblemError(f"{path}: no such file.")
    raw = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(raw) if path.suffix.lower() == ".toml" else yaml.safe_load(raw)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise ProblemError(f"{path} is not valid {path.suffix[1:].upper()}: {exc}") from None
    if not isinstance(data, Mapping):
        raise ProblemError(f"{path}: expected fields (kind: ..., ...) at the top; got {type(data).__name__}.")
    data = dict(data)
    data.setdefault("name", path.stem)
    data["_base_dir"] = path.parent
    return data


def solve(problem) -> AllocationResult:
    """Solve an allocation problem described in a file or a dict.

    Parameters
    ----------
    problem : str, Path or dict
        A ``.yaml``/``.yml``/``.toml`` file, or the same fields as a dict, where tables may also be
        pandas DataFrames or lists of records. CSV file names are read relative to the file's folder
        (the working directory for a dict).

    Returns
    -------
    AllocationResult

    Raises
    ------
    ProblemError
        A ``ValueError`` naming the field (``production.resources[2].capacity``), the value and what
        was expected, with the closest name for a misspelled field.

    Examples
    --------
    >>> from optimlab.allocate import solve
    >>> res = solve({"kind": "selection", "budgets": [{"name": "cost", "amount": 50}],
    ...              "projects": [{"name": "a", "value": 60, "cost": 10},
    ...                           {"name": "b", "value": 100, "cost": 20},
    ...                           {"name": "c", "value": 120, "cost": 30}]})
    >>> res.objective, res.plan.loc[res.plan.chosen, "project"].tolist()
    (220.0, ['b', 'c'])
    """
    if isinstance(problem, str | Path):
        spec = load_problem(problem)
    elif isinstance(problem, Mapping):
        spec = dict(problem)
    else:
        raise ProblemError(f"problem must be a file path or a dict; got {type(problem).__name__}.")
    base_dir = spec.pop("_base_dir", None)
    base_dir = Path(base_dir) if base_dir is not None else Path.cwd()
    if spec.get("kind") is None:
        raise ProblemError(
            f"kind is missing: say which kind of problem this is ({', '.join(KINDS)})"
            + suggest_key(spec, "kind")
            + "."
        )
    kind = choice(spec["kind"], "kind", KINDS)
    module = _kind_module(kind)
    check_keys(
        {k: v for k, v in spec.items() if k != "kind"},
        kind,
        required=module.REQUIRED,
        optional=(*module.OPTIONAL, *COMMON),
    )
    name = text(spec.get("name", kind), f"{kind}.name")
    return module.solve(spec, base_dir=base_dir, name=name)


def suggest_key(spec: Mapping, key: str) -> str:
    hint = suggest(key, [str(k) for k in spec])
    return f" (found a field {hint[len('; did you mean ') : -1]}, misspelled?)" if hint else ""


def example(kind: str) -> str:
    """The complete, commented YAML text of an example problem of ``kind`` (it solves as written)."""
    return _kind_module(choice(kind, "kind", KINDS)).EXAMPLE
