"""``optimlab recommend``: fit, evaluate and query recommenders from interaction files."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from optimlab.cli._common import consoles, output_paths
from optimlab.cli.compare import EXIT_BAD_INPUT
from optimlab.result import Status

app = typer.Typer(
    name="recommend",
    help="Recommender systems: fit a model, evaluate models side by side, list a user's top items.",
    no_args_is_help=True,
    add_completion=False,
)

_MOVIELENS = re.compile(r"^(u\.data|u\d\.(base|test)|u[ab]\.(base|test)|ratings\.dat)(\.gz)?$")
SPLITS = ("random", "user", "time", "leave-one-out")
# compare.py's names, in the words of an epoch-based fit ("max_iter" is every epoch run)
_STATUS_WORDS = {Status.CONVERGED: "converged", Status.MAX_ITER: "all epochs run",
                 Status.TIME_LIMIT: "time limit", Status.CALLBACK: "stopped by callback",
                 Status.NUMERICAL: "numerical failure", Status.NOT_CERTIFIED: "not certified"}

# -- shared options -----------------------------------------------------------------------------

Data = Annotated[Path, typer.Argument(
    show_default=False,
    help="Interactions: a CSV/TSV file (columns named by --user-col/--item-col/--rating-col), or a "
         "MovieLens u.data, uK.base/uK.test or ratings.dat file (.gz too).")]
UserCol = Annotated[str | None, typer.Option("--user-col", help="User id column.", show_default=False)]
ItemCol = Annotated[str | None, typer.Option("--item-col", help="Item id column.", show_default=False)]
RatingCol = Annotated[str | None, typer.Option(
    "--rating-col", help="Rating column (explicit feedback).", show_default=False)]
TimeCol = Annotated[str | None, typer.Option(
    "--timestamp-col", help="Timestamp column (for --split time and leave-one-out by time).",
    show_default=False)]
Implicit = Annotated[bool, typer.Option(
    "--implicit", help="Implicit feedback: each row is an interaction (a --rating-col then holds counts).")]
Sep = Annotated[str | None, typer.Option(
    "--sep", help="Column separator (default: tab for .tsv/.dat/.data, else comma).", show_default=False)]
NoHeader = Annotated[bool, typer.Option(
    "--no-header", help="The file has no header line; columns are then named 0, 1, 2, ...")]
Factors = Annotated[int | None, typer.Option(help="Latent factors.", show_default=False)]
Epochs = Annotated[int | None, typer.Option(help="Epochs (passes or alternations).", show_default=False)]
LearningRate = Annotated[float | None, typer.Option(
    "--learning-rate", help="SGD step (mf, bpr).", show_default=False)]
Regularization = Annotated[float | None, typer.Option(help="L2 regularization.", show_default=False)]
Params = Annotated[list[str] | None, typer.Option(
    "--param", help="Any other model parameter as name=value (repeatable), e.g. --param solver=als.",
    show_default=False)]
Seed = Annotated[int, typer.Option("--random-state", help="Seed (fits and splits are reproducible).")]


def _load(path: Path, *, user, item, rating, implicit: bool, sep, no_header: bool, timestamp=None):
    from optimlab.recommend import Interactions, load_movielens

    if not path.exists():
        raise ValueError(f"No such file: {path}")
    if _MOVIELENS.match(path.name) and user is None and item is None:
        data = load_movielens(path)
        if implicit:
            data = Interactions(data.users, data.items, np.ones(data.nnz), user_ids=data.user_ids,
                                item_ids=data.item_ids, timestamps=data.timestamps, implicit=True)
        return data
    if user is None or item is None:
        raise ValueError("Give the id columns with --user-col and --item-col (only MovieLens files are "
                         "recognised without them).")
    if rating is None and not implicit:
        raise ValueError("Give --rating-col for explicit ratings, or --implicit for implicit feedback.")
    if sep is None:
        stem = path.name.removesuffix(".gz")
        sep = "\t" if stem.endswith((".tsv", ".dat", ".data", ".tab")) else ","
    import pandas as pd

    try:
        return Interactions.from_csv(path, user=user, item=item, rating=rating, timestamp=timestamp, sep=sep,
                                     header=None if no_header else "infer",
                                     implicit=True if implicit else None)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path} is empty: there are no interactions to read.") from None


def _parse_value(text: str):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False, "none": None}.get(text.lower(), text)


def _make_model(name: str, *, factors, epochs, learning_rate, regularization, params, seed):
    from optimlab.recommend import MODELS

    key = name.lower()
    if key not in MODELS:
        raise ValueError(f"Unknown model {name!r}; choose from {', '.join(MODELS)}.")
    cls = MODELS[key]
    accepted = set(inspect.signature(cls).parameters)
    kwargs = {}
    for opt, value in (("factors", factors), ("epochs", epochs), ("learning_rate", learning_rate),
                       ("regularization", regularization)):
        if value is not None:
            if opt not in accepted:
                raise ValueError(f"--{opt.replace('_', '-')} does not apply to {key} ({cls.__name__}).")
            kwargs[opt] = value
    for item in params or []:
        if "=" not in item:
            raise ValueError(f"--param takes name=value, got {item!r}.")
        pname, value = item.split("=", 1)
        pname = pname.strip().replace("-", "_")
        if pname not in accepted:
            raise ValueError(
                f"{cls.__name__} has no parameter {pname!r}; it takes {', '.join(sorted(accepted))}."
            )
        kwargs[pname] = _parse_value(value.strip())
    if "random_state" in accepted:
        kwargs.setdefault("random_state", seed)
    return cls(**kwargs)


class _EpochBar:
    """A progress bar per epoch (stderr, transient), fed by the fit's callback."""

    def __init__(self, console: Console, label: str, total: int | None) -> None:
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=console, transient=True)
        self.task = self.bar.add_task(label, total=total)
        self.label = label

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)

    def __call__(self, result) -> None:
        self.bar.update(self.task, completed=result.n_iter,
                        description=f"{self.label}  loss {result.fun:.4g}, "
                                    f"certificate {result.certificate:.1e}")


def _fail(errors: Console, exc: Exception) -> None:
    errors.print(f"Error: {exc}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT) from None


# -- commands -----------------------------------------------------------------------------------


@app.command("fit")
def fit(
    data: Data,
    out: Annotated[Path, typer.Option(help="Where to save the fitted model.", show_default=False)],
    model: Annotated[str, typer.Option(help="mf, ials, bpr, popularity, itemknn or ease.")] = "mf",
    user_col: UserCol = None, item_col: ItemCol = None, rating_col: RatingCol = None,
    implicit: Implicit = False, sep: Sep = None, no_header: NoHeader = False,
    factors: Factors = None, epochs: Epochs = None, learning_rate: LearningRate = None,
    regularization: Regularization = None, param: Params = None, random_state: Seed = 0,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --out if it exists.")] = False,
) -> None:
    """Fit a recommender on a file of interactions and save it (with a progress bar per epoch)."""
    console, errors = consoles()
    try:
        if out.exists() and not force:
            raise ValueError(f"--out {out} exists; pass --force to overwrite it or choose another path.")
        inter = _load(data, user=user_col, item=item_col, rating=rating_col, implicit=implicit, sep=sep,
                      no_header=no_header)
        rec = _make_model(model, factors=factors, epochs=epochs, learning_rate=learning_rate,
                          regularization=regularization, params=param, seed=random_state)
        console.print(f"Data: {inter!r}")
        with _EpochBar(errors, type(rec).__name__, getattr(rec, "epochs", None)) as bar:
            rec.fit(inter, callback=bar)
        out.parent.mkdir(parents=True, exist_ok=True)
        rec.save(out, overwrite=True)
    except (OSError, ValueError, TypeError) as exc:
        _fail(errors, exc)
    res = rec.result_
    table = Table(title=f"optimlab recommend fit: {type(rec).__name__}")
    for col in ("epochs", "training loss", "certificate", "kind", "status", "time (s)"):
        table.add_column(col, justify="right")
    table.add_row(str(res.n_iter), f"{res.fun:.6g}", f"{res.certificate:.3e}", res.certificate_kind,
                  _STATUS_WORDS.get(res.status, str(res.status)), f"{res.time:.3f}")
    console.print(table)
    console.print(f"Saved {out} ({len(rec.user_ids_)} users, {len(rec.item_ids_)} items).")


@app.command("evaluate")
def evaluate_cmd(
    data: Data,
    models: Annotated[list[str] | None, typer.Option(
        "--models", "--model",
        help="Models to compare, comma-separated or repeated (popularity is always added) "
             "[default: mf,ials,bpr,itemknn,ease].", show_default=False)] = None,
    user_col: UserCol = None, item_col: ItemCol = None, rating_col: RatingCol = None,
    timestamp_col: TimeCol = None,
    implicit: Implicit = False, sep: Sep = None, no_header: NoHeader = False,
    test: Annotated[Path | None, typer.Option(
        help="A separate test file (same format); otherwise DATA is split by --split.",
        show_default=False)] = None,
    split: Annotated[str, typer.Option(
        help="random, user (a share of each user's interactions), time, or leave-one-out.")] = "user",
    test_size: Annotated[float, typer.Option("--test-size", help="Share held out.")] = 0.2,
    k: Annotated[int, typer.Option("--k", help="Cut-off of the ranking metrics.")] = 10,
    relevance_threshold: Annotated[float | None, typer.Option(
        "--relevance-threshold", help="Only test ratings at or above this count as relevant.",
        show_default=False)] = None,
    factors: Factors = None, epochs: Epochs = None, param: Params = None, random_state: Seed = 0,
    out: Annotated[Path | None, typer.Option(
        help="Folder for metrics.csv and metrics.json.", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files in --out.")] = False,
) -> None:
    """Fit models on a training split and print their metrics side by side."""
    from optimlab.recommend import evaluate, leave_k_out, per_user_split, random_split, time_split

    console, errors = consoles()
    try:
        if k < 1:
            raise ValueError(f"--k must be at least 1, got {k}.")
        if split not in SPLITS:
            raise ValueError(f"--split must be one of {', '.join(SPLITS)}, got {split!r}.")
        paths = output_paths(out, ["metrics.csv", "metrics.json"], force=force) if out else None
        opts = dict(user=user_col, item=item_col, rating=rating_col, implicit=implicit, sep=sep,
                    no_header=no_header, timestamp=timestamp_col)
        inter = _load(data, **opts)
        if test is not None:
            train, held = inter, _load(test, **opts)
        elif split == "random":
            train, held = random_split(inter, test_size=test_size, random_state=random_state)
        elif split == "user":
            train, held = per_user_split(inter, test_size=test_size, random_state=random_state)
        elif split == "time":
            train, held = time_split(inter, test_size=test_size)
        else:
            train, held = leave_k_out(inter, k=1, by_time=inter.timestamps is not None,
                                      random_state=random_state)
        names = [m.strip().lower() for m in ",".join(models or ["mf,ials,bpr,itemknn,ease"]).split(",")
                 if m.strip()]
        if "popularity" not in names:
            names.insert(0, "popularity")
        per_model: dict[str, list[str]] = {}
        for item in param or []:
            target, sepd, rest = item.partition(":")
            if not sepd or "=" not in rest:
                raise ValueError(
                    f"In evaluate, --param takes model:name=value (e.g. ials:alpha=5), got {item!r}."
                )
            if target.lower() not in names:
                raise ValueError(f"--param {item!r} names model {target!r}, which is not being evaluated.")
            per_model.setdefault(target.lower(), []).append(rest)
        chosen = {}
        for name in dict.fromkeys(names):
            if name == "mf" and train.implicit:
                errors.print("Skipping mf: it models explicit ratings and the data is implicit.")
                continue
            factor_model = name in ("mf", "ials", "bpr")
            chosen[name] = _make_model(name, factors=factors if factor_model else None,
                                       epochs=epochs if factor_model else None, learning_rate=None,
                                       regularization=None, params=per_model.get(name), seed=random_state)
        console.print(f"Train: {train!r}\nTest:  {held!r}")
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=errors, transient=True) as bar:
            task = bar.add_task("fitting", total=len(chosen))
            frames = []
            for name, model in chosen.items():
                bar.update(task, description=f"fitting {name}")
                try:
                    frames.append(evaluate({name: model}, train, held, k=k,
                                           relevance_threshold=relevance_threshold))
                except ValueError as exc:
                    if name == "popularity":  # the baseline failing means the data or split is unusable
                        raise
                    errors.print(f"Skipping {name}: {exc}", markup=False, highlight=False, soft_wrap=True)
                bar.advance(task)
    except (OSError, ValueError, TypeError) as exc:
        _fail(errors, exc)
    import pandas as pd

    table_df = pd.concat(frames)
    table = Table(title=f"optimlab recommend evaluate: {data.name} (k={k})")
    table.add_column("model")
    cols = [c for c in table_df.columns if not table_df[c].isna().all()]
    for c in cols:
        table.add_column(c, justify="right")
    for name, row in table_df.iterrows():
        table.add_row(name, *(f"{row[c]:.4f}" if c != "fit_time" else f"{row[c]:.2f}s" for c in cols))
    console.print(table)
    if paths:
        paths[0].parent.mkdir(parents=True, exist_ok=True)
        table_df.to_csv(paths[0])
        paths[1].write_text(json.dumps({"data": str(data), "k": k, "split": split,
                                        "metrics": json.loads(table_df.to_json(orient="index"))}, indent=1))
        console.print(f"Wrote {paths[0]}, {paths[1]}.")


@app.command("top")
def top(
    model: Annotated[Path, typer.Option(
        help="A model saved by 'optimlab recommend fit'.", show_default=False)],
    user: Annotated[str, typer.Option(help="Raw user id.", show_default=False)],
    k: Annotated[int, typer.Option("--k", help="Number of items.")] = 10,
    include_seen: Annotated[bool, typer.Option(
        "--include-seen", help="Also list items the user interacted with in training.")] = False,
) -> None:
    """Print a user's top-k items from a saved model."""
    from optimlab.recommend import load_model

    console, errors = consoles()
    try:
        if k < 1:
            raise ValueError(f"--k must be at least 1, got {k}.")
        rec = load_model(model)
        ids = rec.user_ids_
        raw = user
        if ids.dtype.kind in "iu":
            try:
                raw = int(user)
            except ValueError:
                raise ValueError(f"User ids of this model are integers; got {user!r}.") from None
        elif ids.dtype.kind == "f":
            raw = float(user)
        items, scores = rec.recommend(raw, k, exclude_seen=not include_seen, return_scores=True)
    except (OSError, ValueError, TypeError) as exc:
        _fail(errors, exc)
    table = Table(title=f"Top {k} for user {user} ({type(rec).__name__})")
    table.add_column("rank", justify="right")
    table.add_column("item")
    table.add_column("score", justify="right")
    for rank, (item, score) in enumerate(zip(items, scores, strict=True), start=1):
        if item is None:
            break
        table.add_row(str(rank), str(item), f"{score:.4f}")
    console.print(table)
