"""Recommendation benchmark: optimlab's recommenders against Surprise and implicit, side by side.

Three parts, each run in this one process (``--part`` picks; default all):

1. ``explicit``: MovieLens 100k, the five canonical splits u1..u5 (``../shared/data/recsys``):
   test RMSE, MAE and fit time of ``MatrixFactorization()`` (our defaults, SGD; the ALS solver
   too) against Surprise's ``SVD()`` with its defaults. Fit times are medians over ``--repeats``
   fits per fold, ours and Surprise's interleaved; the ratio is ours / Surprise per fold, and
   its median over folds is reported. Targets: mean RMSE <= 0.925, time ratio <= 0.3.
2. ``implicit``: ImplicitALS with 64 factors and 15 iterations on ML-100k (every rating as an
   interaction) and Last.fm 2k (play counts), each split 80/20 per user (seed 0): fit time,
   precision@10 and NDCG@10 with the standard definitions (``optimlab.recommend.metrics``;
   implicit's own "precision", which divides by min(k, n_test), is shown as ``p@10 trunc``),
   against ``implicit.als.AlternatingLeastSquares(factors=64, iterations=15)``. Rows:
   ``implicit`` (its defaults), ``ours`` (our defaults), ``ours (tuned)``: the best of a small grid
   chosen on a validation split carved from the training set (never on the test set), then refit
   on the whole training set. Both libraries run with BLAS on one thread (implicit's own advice)
   and their compiled loops on all cores. Targets: fit time <= implicit's, metrics >= implicit's.
3. ``scale``: a synthetic matrix of MovieLens-1M size (6,040 x 3,706, 1,000,209 ratings, item
   popularity Zipf-like): seconds per epoch of each model (median over the epochs of one fit),
   and the one-shot fit of the closed-form baselines.

Run: ``python benchmarks/recommend.py`` (needs ``pip install 'optimlab[bench]'`` for the anchors;
parts whose anchor is missing run ours alone). Numba compilation is excluded: every model is
fitted once on a tiny problem first (``--no-warmup`` to include it).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from optimlab.recommend import (
    BPR,
    EASE,
    ImplicitALS,
    Interactions,
    ItemKNN,
    MatrixFactorization,
    Popularity,
    evaluate,
    movielens_folds,
    per_user_split,
)
from optimlab.recommend.evaluate import test_matrix
from optimlab.recommend.metrics import precision_at_k_truncated, ranking_metrics

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "recsys"
K = 10


def have(module: str) -> bool:
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def warm_up() -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"u": rng.integers(0, 30, 400), "i": rng.integers(0, 40, 400),
                       "r": rng.integers(1, 6, 400).astype(float)}).drop_duplicates(["u", "i"])
    explicit = Interactions.from_frame(df, user="u", item="i", rating="r")
    implicit = Interactions.from_frame(df, user="u", item="i")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for solver in ("sgd", "als"):
            MatrixFactorization(solver=solver, epochs=2).fit(explicit, validation=explicit)
        for solver in ("cg", "cholesky"):
            ImplicitALS(solver=solver, epochs=2).fit(implicit, validation=implicit)
        BPR(epochs=2).fit(implicit)


def table(rows: list[dict], title: str) -> None:
    print(f"\n## {title}\n")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.4f}"))


# -- part 1 ----------------------------------------------------------------------------------------


def part_explicit(repeats: int) -> None:
    folder = DATA / "ml-100k"
    if not folder.exists():
        print(f"[explicit] skipped: {folder} is absent.")
        return
    surprise = have("surprise")
    if surprise:
        from surprise import SVD, Dataset, Reader
    else:
        print("[explicit] scikit-surprise is not installed: ours only.")
    rows = []
    for f, (train, test) in enumerate(movielens_folds(folder), start=1):
        tu, ti, tv = test.user_ids[test.users], test.item_ids[test.items], np.asarray(test.values)
        row = {"fold": f"u{f}"}
        times = {"ours": [], "ours-als": [], "surprise": []}
        for _ in range(repeats):
            for name, model in (("ours", MatrixFactorization(random_state=0)),
                                ("ours-als", MatrixFactorization(solver="als", epochs=10, random_state=0))):
                t0 = time.perf_counter()
                model.fit(train)
                times[name].append(time.perf_counter() - t0)
                pred = model.predict(tu, ti)
                row[f"{name} rmse"] = float(np.sqrt(np.mean((pred - tv) ** 2)))
                row[f"{name} mae"] = float(np.mean(np.abs(pred - tv)))
            if surprise:
                frame = train.to_frame()[["user", "item", "value"]]
                trainset = Dataset.load_from_df(frame, Reader(rating_scale=(1, 5))).build_full_trainset()
                algo = SVD(random_state=0)
                t0 = time.perf_counter()
                algo.fit(trainset)
                times["surprise"].append(time.perf_counter() - t0)
                pred = np.array([algo.predict(u, i).est for u, i in zip(tu, ti, strict=True)])
                row["surprise rmse"] = float(np.sqrt(np.mean((pred - tv) ** 2)))
                row["surprise mae"] = float(np.mean(np.abs(pred - tv)))
        for name, ts in times.items():
            if ts:
                row[f"{name} s"] = statistics.median(ts)
        if surprise:
            row["ours/surprise time"] = row["ours s"] / row["surprise s"]
        rows.append(row)
    mean = {"fold": "mean"}
    for key in rows[0]:
        if key != "fold":
            mean[key] = float(np.mean([r[key] for r in rows]))
    if surprise:
        mean["ours/surprise time"] = statistics.median(r["ours/surprise time"] for r in rows)
    rows.append(mean)
    table(rows, "ML-100k u1..u5, explicit ratings (time ratio in the mean row: median over folds)")


# -- part 2 ----------------------------------------------------------------------------------------


def load_implicit(name: str) -> Interactions | None:
    if name == "ml-100k":
        path = DATA / "ml-100k" / "u.data.gz"
        if not path.exists():
            return None
        df = pd.read_csv(path, sep="\t", header=None, names=["user", "item", "rating", "t"])
        return Interactions.from_frame(df, user="user", item="item")
    path = DATA / "lastfm-2k" / "user_artists.dat.gz"
    if not path.exists():
        return None
    df = pd.read_csv(path, sep="\t", header=None, names=["user", "item", "plays"])
    return Interactions.from_frame(df, user="user", item="item", rating="plays", implicit=True)


TUNING_GRID = [
    dict(confidence="log", alpha=a, regularization=r, unobserved_weight=w, reg_exponent=nu)
    for a in (1.0, 2.0, 5.0)
    for w, nu, r in ((1.0, 0.0, 0.05), (0.1, 1.0, 0.03), (0.2, 1.0, 0.03), (0.5, 1.0, 0.03))
]


def tuned(train: Interactions) -> dict:
    """Best of TUNING_GRID by NDCG@10 on a validation split of ``train``."""
    fit_part, val_part = per_user_split(train, test_size=0.2, random_state=1)
    best, best_score = None, -1.0
    for params in TUNING_GRID:
        model = ImplicitALS(factors=64, epochs=15, random_state=0, **params)
        score = evaluate({"m": model}, fit_part, val_part, k=K).iloc[0][f"ndcg@{K}"]
        if score > best_score:
            best, best_score = params, score
    return best


def ranking(model, test: Interactions, recommend) -> dict:
    """Precision and NDCG at K (and implicit's truncated precision) of ``recommend(users)`` on the
    test items, in ``model``'s index space (the anchor gets the same indices)."""
    relevant = test_matrix(model, test)
    users = np.flatnonzero(np.diff(relevant.indptr))
    rec = np.full((relevant.shape[0], K), -1, np.int64)
    rec[users] = recommend(users)
    got = ranking_metrics(rec, relevant, k=K)
    return {f"p@{K}": got[f"precision@{K}"], f"ndcg@{K}": got[f"ndcg@{K}"],
            f"p@{K} trunc": precision_at_k_truncated(rec, relevant, k=K)}


def part_implicit(repeats: int) -> None:
    anchor = have("implicit")
    if anchor:
        from implicit.als import AlternatingLeastSquares
    else:
        print("[implicit] the implicit package is not installed: ours only.")
    rows = []
    for name in ("ml-100k", "lastfm-2k"):
        data = load_implicit(name)
        if data is None:
            print(f"[implicit] {name} skipped: the data is absent.")
            continue
        train, test = per_user_split(data, test_size=0.2, random_state=0)
        best = tuned(train)
        configs = {"ours": {}, "ours (tuned)": best}
        X32 = train.tocsr().astype(np.float32)
        results = {}
        for _ in range(repeats):
            for label, params in configs.items():
                model = ImplicitALS(factors=64, epochs=15, random_state=0, **params)
                t0 = time.perf_counter()
                model.fit(train)
                results.setdefault(label, {"times": []})["times"].append(time.perf_counter() - t0)
                results[label]["model"] = model
            if anchor:
                with threadpool_limits(limits=1, user_api="blas"):
                    als = AlternatingLeastSquares(factors=64, iterations=15, random_state=0)
                    t0 = time.perf_counter()
                    als.fit(X32, show_progress=False)
                    results.setdefault("implicit", {"times": []})["times"].append(time.perf_counter() - t0)
                results["implicit"]["model"] = als
        base = None
        for label in ("implicit", "ours", "ours (tuned)"):
            if label not in results:
                continue
            model = results[label]["model"]
            ref = results["ours"]["model"]
            if label == "implicit":
                def rec(users, als=model, X=X32):
                    ids, _ = als.recommend(users, X[users], N=K, filter_already_liked_items=True)
                    return ids
            else:
                def rec(users, m=model):
                    return m._top_k_index(users, K, exclude_seen=True)
            row = {"data": name, "model": label, "fit s": statistics.median(results[label]["times"]),
                   **ranking(ref, test, rec)}
            if label == "implicit":
                base = row["fit s"]
            if base:
                row["time / implicit"] = row["fit s"] / base
            if label == "ours (tuned)":
                row["settings"] = ", ".join(f"{k}={v}" for k, v in best.items())
            rows.append(row)
    table(rows, f"Implicit ALS, 64 factors, 15 iterations, 80/20 per-user split (k={K})")


# -- part 3 ----------------------------------------------------------------------------------------


def synthetic_ml1m(seed: int = 0) -> tuple[Interactions, Interactions]:
    rng = np.random.default_rng(seed)
    n_users, n_items, nnz = 6040, 3706, 1_000_209
    item_p = 1.0 / np.arange(1, n_items + 1) ** 0.8
    item_p /= item_p.sum()
    user_p = rng.gamma(0.7, size=n_users)
    user_p /= user_p.sum()
    codes = np.empty(0, np.int64)
    while codes.size < nnz:
        need = int((nnz - codes.size) * 1.3) + 1000
        new = rng.choice(n_users, need, p=user_p) * n_items + rng.choice(n_items, need, p=item_p)
        codes = np.unique(np.concatenate([codes, new]))
    codes = rng.permutation(codes)[:nnz]
    users, items = codes // n_items, codes % n_items
    U, V = rng.normal(size=(n_users, 8)), rng.normal(size=(n_items, 8))
    raw = np.einsum("ij,ij->i", U[users], V[items]) / 2.0 + 3.6 + rng.normal(0, 0.8, nnz)
    ratings = np.clip(np.round(raw), 1, 5)
    df = pd.DataFrame({"user": users, "item": items, "rating": ratings})
    return (Interactions.from_frame(df, user="user", item="item", rating="rating"),
            Interactions.from_frame(df, user="user", item="item"))


def part_scale() -> None:
    explicit, implicit = synthetic_ml1m()
    print(f"\n[scale] synthetic ML-1M: {explicit!r}")
    rows = []
    models = [
        ("MatrixFactorization(sgd), 16 factors", MatrixFactorization(random_state=0, epochs=5), explicit),
        ("MatrixFactorization(sgd), 100 factors", MatrixFactorization(factors=100, random_state=0, epochs=5),
         explicit),
        ("MatrixFactorization(als), 16 factors", MatrixFactorization(solver="als", random_state=0, epochs=5),
         explicit),
        ("ImplicitALS(cg), 64 factors", ImplicitALS(random_state=0, epochs=5), implicit),
        ("ImplicitALS(cholesky), 64 factors", ImplicitALS(solver="cholesky", random_state=0, epochs=5),
         implicit),
        ("BPR, 64 factors", BPR(random_state=0, epochs=5), implicit),
    ]
    for label, model, data in models:
        t0 = time.perf_counter()
        model.fit(data)
        total = time.perf_counter() - t0
        per_epoch = float(np.median(np.diff(model.result_.history.time)))
        rows.append({"model": label, "s / epoch": per_epoch, "fit s (5 epochs)": total})
    for label, model in (("Popularity", Popularity()), ("ItemKNN(100 neighbors)", ItemKNN()),
                         ("EASE(l2=500)", EASE())):
        t0 = time.perf_counter()
        model.fit(implicit)
        rows.append({"model": label, "s / epoch": float("nan"), "fit s (5 epochs)": time.perf_counter() - t0})
    if have("surprise"):
        from surprise import SVD, Dataset, Reader

        frame = explicit.to_frame()[["user", "item", "value"]]
        trainset = Dataset.load_from_df(frame, Reader(rating_scale=(1, 5))).build_full_trainset()
        algo = SVD(n_epochs=5, random_state=0)
        t0 = time.perf_counter()
        algo.fit(trainset)
        total = time.perf_counter() - t0
        rows.append({"model": "anchor: Surprise SVD, 100 factors", "s / epoch": total / 5,
                     "fit s (5 epochs)": total})
    if have("implicit"):
        from implicit.als import AlternatingLeastSquares

        X32 = implicit.tocsr().astype(np.float32)
        with threadpool_limits(limits=1, user_api="blas"):
            als = AlternatingLeastSquares(factors=64, iterations=5, random_state=0)
            t0 = time.perf_counter()
            als.fit(X32, show_progress=False)
            total = time.perf_counter() - t0
        rows.append({"model": "anchor: implicit ALS(cg), 64 factors", "s / epoch": total / 5,
                     "fit s (5 epochs)": total})
    table(rows, "Synthetic ML-1M size (6,040 x 3,706, 1,000,209 interactions)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("explicit", "implicit", "scale", "all"), default="all")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-warmup", action="store_true")
    args = parser.parse_args(argv)
    print(f"# optimlab recommendation benchmark ({platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()})")
    if not args.no_warmup:
        warm_up()
    if args.part in ("explicit", "all"):
        part_explicit(args.repeats)
    if args.part in ("implicit", "all"):
        part_implicit(args.repeats)
    if args.part in ("scale", "all"):
        part_scale()
    return 0


if __name__ == "__main__":
    sys.exit(main())
