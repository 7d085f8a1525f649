"""L1-logistic regression on a9a (sparse 32,561 x 123): optimlab cd vs scikit-learn.

alpha is chosen so that ~10% of the coefficients are non-zero (``--alpha-ratio`` times
alpha_max). Ours stops at ``gap <= tol * P(0)`` (P(0) the null model's objective). Anchors:
``LogisticRegression(l1_ratio=1, C=1 / (alpha n))`` with liblinear (which also penalizes the
intercept, so its objective differs slightly) and saga. Times are medians of ``--repeats`` runs
after a warm-up (numba compilation excluded); every solution's objective is printed against ours.

Run: ``python benchmarks/logreg_l1_a9a.py [--repeats 7] [--tol 1e-6]``
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from _timing import warmed_median_time
from sklearn.datasets import load_svmlight_file
from sklearn.linear_model import LogisticRegression

from optimlab.objectives import L1, Objective
from optimlab.solvers import solve

DATA = "/work/shared/data/glm/a9a.svm.gz"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--alpha-ratio", type=float, default=0.08)
    args = parser.parse_args()

    X, y = load_svmlight_file(DATA)
    X = X.tocsc()
    n, p = X.shape
    alpha = args.alpha_ratio * Objective(X, y, datafit="logistic").alpha_max()
    objective = Objective(X, y, datafit="logistic", penalty=L1(alpha))
    tol = args.tol * objective.certificate_scale()
    C = 1.0 / (alpha * n)

    def sklearn_fit(solver, sk_tol):
        def run():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = LogisticRegression(l1_ratio=1.0, C=C, solver=solver, tol=sk_tol, max_iter=1000)
                model.fit(X, y)
            return np.r_[model.coef_.ravel(), model.intercept_]
        return run

    runs = {
        "optimlab cd": lambda: solve(objective, "cd", tol=tol).x,
        "liblinear": sklearn_fit("liblinear", 1e-4),
        "saga": sklearn_fit("saga", 1e-4),
    }
    print(f"L1-logistic a9a {n} x {p}, alpha = {args.alpha_ratio:g} alpha_max, tol={args.tol:g} * P(0), "
          f"median of {args.repeats}")
    print(f"{'solver':<12} {'time (s)':>9} {'ours/it':>8} {'nnz':>5} {'objective':>14}")
    timings = {}
    for name, run in runs.items():
        seconds, x = warmed_median_time(run, args.repeats)
        timings[name] = seconds
        print(f"{name:<12} {seconds:>9.4f} {timings['optimlab cd'] / seconds:>8.2f} "
              f"{np.count_nonzero(x[:p]):>5d} {objective.value(x):>14.10f}")


if __name__ == "__main__":
    main()
