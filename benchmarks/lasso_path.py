"""Lasso path, dense 500 x 5,000: optimlab.models.path vs celer, scikit-learn and skglm.

Problem: ``make_regression(n_samples=500, n_features=5000, n_informative=50, noise=1,
random_state=0)``, 100 alphas from alpha_max to alpha_max / 1000, intercept fitted (the anchors
get centered data, which is the same problem). Times are the median of ``--repeats`` runs after
one warm-up run (numba compilation excluded). Tolerances: ours is ``gap <= tol * P(0)`` with
``P(0) = var(y) / 2`` the null model's objective; celer's and scikit-learn's is
``gap <= tol * ||y||^2 / n = 2 tol P(0)`` (centered ``y``), so at equal ``tol`` ours is twice as
strict. Ours is run twice: at ``tol`` (row ``optimlab``, stricter) and at ``2 tol`` (row
``optimlab=gap``, the same absolute gap as celer's and scikit-learn's at ``tol``); the ratio
columns divide each of these two times by the row's.

Every library's objective at every alpha is compared with a tight reference (ours at
``tol=1e-10``): the table shows the largest suboptimality relative to ``P(0)`` (the scale of
``tol``) and relative to the optimal value.

Run: ``python benchmarks/lasso_path.py [--repeats 7] [--tol 1e-4]``
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import warmed_median_time
from sklearn.datasets import make_regression
from sklearn.linear_model import lasso_path

from optimlab.models.path import path


def objectives(Xc, yc, alphas, coefs):
    """Lasso objective 1/(2n)||yc - Xc w||^2 + alpha ||w||_1 at each alpha (centered data)."""
    n = Xc.shape[0]
    resid = yc[:, None] - Xc @ coefs.T
    return 0.5 * np.sum(resid**2, axis=0) / n + alphas * np.abs(coefs).sum(axis=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--tol", type=float, default=1e-4)
    args = parser.parse_args()

    X, y = make_regression(n_samples=500, n_features=5000, n_informative=50, noise=1, random_state=0)
    X = np.asfortranarray(X)
    Xc, yc = np.asfortranarray(X - X.mean(axis=0)), y - y.mean()
    n = X.shape[0]
    alpha_max = np.max(np.abs(Xc.T @ yc)) / n
    alphas = alpha_max * np.geomspace(1.0, 1e-3, 100)
    p_null = 0.5 * np.mean(yc**2)

    ref = path(X, y, alphas=alphas, tol=1e-10)
    assert all(r.success for r in ref.results)
    ref_obj = objectives(Xc, yc, alphas, ref.coefs)

    runs = {
        "optimlab": lambda: path(X, y, alphas=alphas, tol=args.tol).coefs,
        "optimlab=gap": lambda: path(X, y, alphas=alphas, tol=2.0 * args.tol).coefs,
    }
    try:
        from celer import celer_path

        runs["celer"] = lambda: celer_path(Xc, yc, "lasso", alphas=alphas, tol=args.tol)[1].T
    except ImportError:
        pass
    runs["sklearn"] = lambda: lasso_path(Xc, yc, alphas=alphas, tol=args.tol)[1].T
    try:
        from skglm import Lasso as SkglmLasso

        runs["skglm"] = lambda: SkglmLasso(tol=args.tol, fit_intercept=False).path(Xc, yc, alphas)[1].T
    except ImportError:
        pass

    print(f"Lasso path 500 x 5000 dense, 100 alphas, tol={args.tol:g}, median of {args.repeats}")
    print(f"{'library':<13} {'time (s)':>9} {'ours/it':>8} {'ours=gap/it':>12} {'max (P-P*)/P(0)':>16} "
          f"{'max (P-P*)/P*':>14}")
    timings = {name: warmed_median_time(run, args.repeats) for name, run in runs.items()}
    for name, (seconds, coefs) in timings.items():
        gap = objectives(Xc, yc, alphas, coefs) - ref_obj
        print(f"{name:<13} {seconds:>9.4f} {timings['optimlab'][0] / seconds:>8.2f} "
              f"{timings['optimlab=gap'][0] / seconds:>12.2f} "
              f"{np.max(gap) / p_null:>16.2e} {np.max(gap / ref_obj):>14.2e}")


if __name__ == "__main__":
    main()
