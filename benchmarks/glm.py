"""GLM benchmark: optimlab's solvers against scikit-learn, skglm, celer and glum, side by side.

Every case is a problem in optimlab's scaling (DESIGN.md),
``(1/n) sum_i loss(y_i, x_i @ w + b) + alpha * (l1_ratio ||w||_1 + (1 - l1_ratio)/2 ||w||_2^2)``,
with the intercept fitted and unpenalized; the anchors are given the same problem
(scikit-learn ``C = 1 / (alpha n)``; skglm's datafits are mean losses and its L2 is
``alpha/2 ||w||^2``; glum minimizes the mean half deviance, which is the mean log-loss, with the
same ``alpha``). Each solution is scored with *our* objective, so a scaling mismatch would show up
as a suboptimality that never reaches the target.

Time is the time to reach relative suboptimality ``1e-6`` against a reference objective computed
at the tightest tolerance (ours, certified by a duality gap <= 1e-11 |f*| where there is a dual).
Two protocols are reported:

- **time to target, the same for everyone** (the ratios compared with the targets): every solver,
  ours included, is run at the tolerances of :data:`SWEEP` from loose to tight, and the first run
  whose objective meets the target is timed. Ours gets ``tol = t * objective.certificate_scale()``
  (our tolerances are relative to the null model's objective or gradient norm), the anchors their
  own ``tol``. This is an oracle's choice for everyone alike: in use, one cannot know which
  tolerance is enough.
- **ours, time to a certified target** (extra column): one run at ``tol = 1e-6 |f_ref|`` on the
  duality gap, which bounds the suboptimality, so the run itself knows it is done; a guarantee the
  anchors do not give. Not available where our certificate is a gradient norm (multinomial).

Times are medians of ``--repeats`` runs after a warm-up run (numba compilation excluded). The table
gives, per case, every solver's time and its ratio to scikit-learn's best solver, and a summary
line per case with the targets.

Cases: (1) L2-logistic, dense 200,000 x 100 (``make_classification(random_state=0)``),
alpha = 1/n; (2) L2- and L1-logistic on a9a (LIBSVM, sparse), alpha = 1/n for L2 and alpha with
about 10% non-zero weights for L1; (3) Lasso path, dense 500 x 5,000
(``make_regression(n_informative=50, noise=1, random_state=0)``), 100 alphas from alpha_max to
alpha_max / 1000, suboptimality taken as the worst over the path; (4) multinomial L2-logistic
on scikit-learn's digits (pixels / 16), alpha = 1/n.

Run: ``python benchmarks/glm.py [--repeats 5] [--quick] [--cases 1 2 3 4]``
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import os
import platform
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from _timing import Timing, time_to_target
from sklearn.datasets import load_digits, load_svmlight_file, make_classification, make_regression
from sklearn.linear_model import LogisticRegression, lasso_path

from optimlab.objectives import L1, L2, Objective
from optimlab.solvers import solve

A9A = "/work/shared/data/glm/a9a.svm.gz"
TARGET = 1e-6
#: Tolerances tried, loosest first, by every solver (ours: relative to ``certificate_scale()``).
SWEEP = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10)
#: A single run longer than this (seconds) stops the search over tolerances for that solver.
BUDGET = 20.0
#: L1-logistic on a9a: alpha = ratio * alpha_max gives about 10% non-zero weights.
A9A_L1_RATIO = 0.08


@dataclass
class Case:
    """A problem and the runs to time on it.

    ``subopt`` turns what a run returns into a relative suboptimality. Our runs take absolute
    tolerances; the sweep gives them ``t * scale`` (``scale``: ``certificate_scale()``).
    ``certified`` is the relative ``t`` at which our certificate guarantees the target (None
    when it cannot: a gradient norm).
    """

    name: str
    f_ref: float
    subopt: Callable[[object], float]
    scale: float
    certified: float | None
    ours: dict[str, Callable] = field(default_factory=dict)
    anchors: dict[str, Callable] = field(default_factory=dict)


def glm_case(name: str, objective: Objective) -> Case:
    """A single-fit case: the reference optimum and the suboptimality of a flat ``x``."""
    f_ref = reference(objective)
    scale = objective.certificate_scale()
    certified = objective.certificate_kind == "duality_gap"
    return Case(name, f_ref, lambda x: (objective.value(x) - f_ref) / abs(f_ref), scale,
                TARGET * abs(f_ref) / scale if certified else None)


def reference(objective: Objective) -> float:
    """The optimum, from ours at the tightest tolerance (certified where there is a dual)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = solve(objective, "newton", tol=1e-8)
        tol = 1e-11 * abs(first.fun) if objective.certificate_kind == "duality_gap" else 1e-12
        return solve(objective, "newton", x0=first.x, tol=tol, max_iter=500).fun


# -- the runs: each takes a tolerance and returns the flat x = [coef, intercept] ---------------
def ours(make_objective, solver, **options):
    def run(tol):
        return solve(make_objective(), solver, tol=tol, max_iter=100_000, **options).x

    return run


def sklearn_logistic(X, y, alpha, l1_ratio, solver):
    def run(tol):
        model = LogisticRegression(C=1.0 / (alpha * X.shape[0]), l1_ratio=l1_ratio, solver=solver, tol=tol,
                                   max_iter=100_000).fit(X, y)
        coef = model.coef_.T if model.coef_.shape[0] > 1 else model.coef_.ravel()
        return np.concatenate([coef.ravel(), np.atleast_1d(model.intercept_)])

    return run


def skglm_logistic(X, y, alpha, l1_ratio):
    from skglm import GeneralizedLinearEstimator
    from skglm.datafits import Logistic
    from skglm.penalties import L1 as SkglmL1
    from skglm.penalties import L1_plus_L2
    from skglm.solvers import ProxNewton

    # skglm's L2 has no prox_1d, which ProxNewton needs; L1_plus_L2 with l1_ratio=0 is the same
    # penalty, alpha/2 ||w||^2, with one.
    penalty = SkglmL1(alpha) if l1_ratio == 1.0 else L1_plus_L2(alpha, l1_ratio=0.0)
    y_pm = np.where(y == np.max(y), 1.0, -1.0)

    def run(tol):
        solver = ProxNewton(tol=tol, fit_intercept=True, max_iter=1000)
        model = GeneralizedLinearEstimator(Logistic(), penalty, solver)
        model.fit(X, y_pm)
        return np.concatenate([model.coef_.ravel(), np.atleast_1d(model.intercept_)])

    return run


def glum_logistic(X, y, alpha, l1_ratio, solver):
    from glum import GeneralizedLinearRegressor

    def run(tol):
        model = GeneralizedLinearRegressor(family="binomial", alpha=alpha, l1_ratio=l1_ratio, solver=solver,
                                           gradient_tol=tol, max_iter=10_000).fit(X, y)
        return np.concatenate([model.coef_.ravel(), [model.intercept_]])

    return run


def logistic_anchors(X, y, alpha, l1_ratio):
    sk_solvers = ("saga",) if l1_ratio == 1.0 else ("lbfgs", "newton-cg", "newton-cholesky", "sag", "saga")
    runs = {f"sklearn {s}": sklearn_logistic(X, y, alpha, l1_ratio, s) for s in sk_solvers}
    try:
        runs["skglm prox-newton"] = skglm_logistic(X, y, alpha, l1_ratio)
    except ImportError:
        pass
    try:
        glum_solvers = ("irls-cd",) if l1_ratio == 1.0 else ("irls-cd", "irls-ls", "lbfgs")
        for s in glum_solvers:
            runs[f"glum {s}"] = glum_logistic(X, y, alpha, l1_ratio, s)
    except ImportError:
        pass
    return runs


# -- the cases ---------------------------------------------------------------------------------
def case_dense_l2(quick):
    n = 20_000 if quick else 200_000
    X, y = make_classification(n_samples=n, n_features=100, random_state=0)
    alpha = 1.0 / n

    def make():
        return Objective(X, y, datafit="logistic", penalty=L2(alpha))

    case = glm_case(f"L2-logistic dense {n}x100", make())
    case.ours = {"lbfgs": ours(make, "lbfgs"), "newton (cg)": ours(make, "newton", inner="cg"),
                 "newton (cholesky)": ours(make, "newton", inner="cholesky")}
    case.anchors = logistic_anchors(X, y, alpha, 0.0)
    return [case]


def load_a9a():
    X, y = load_svmlight_file(gzip.open(A9A), n_features=123)
    X = X.tocsr()
    # scikit-learn's liblinear/sag(a) accept 32-bit sparse indices only.
    X.indices, X.indptr = X.indices.astype(np.int32), X.indptr.astype(np.int32)
    return X, y


def case_a9a(quick):
    X, y = load_a9a()
    n = X.shape[0]
    cases = []
    alpha2 = 1.0 / n

    def make_l2():
        return Objective(X, y, datafit="logistic", penalty=L2(alpha2))

    l2 = glm_case("L2-logistic a9a", make_l2())
    l2.ours = {"lbfgs": ours(make_l2, "lbfgs"), "newton (cg)": ours(make_l2, "newton", inner="cg"),
               "newton (cholesky)": ours(make_l2, "newton", inner="cholesky"), "cd": ours(make_l2, "cd")}
    l2.anchors = logistic_anchors(X, y, alpha2, 0.0)
    cases.append(l2)

    alpha1 = A9A_L1_RATIO * Objective(X, y, datafit="logistic").alpha_max()

    def make_l1():
        return Objective(X, y, datafit="logistic", penalty=L1(alpha1))

    objective = make_l1()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = solve(objective, "cd", tol=1e-12, max_iter=10_000)
    nnz = int(np.count_nonzero(ref.x[:-1]))
    f_ref = ref.fun
    scale = objective.certificate_scale()
    l1 = Case(f"L1-logistic a9a ({nnz}/123 non-zero)", f_ref,
              lambda x: (objective.value(x) - f_ref) / abs(f_ref), scale, TARGET * abs(f_ref) / scale)
    l1.ours = {"cd": ours(make_l1, "cd"), "saga": ours(make_l1, "saga", random_state=0)}
    l1.anchors = logistic_anchors(X, y, alpha1, 1.0)
    cases.append(l1)
    return cases


def case_lasso_path(quick):
    from optimlab.models.path import path

    n_alphas = 20 if quick else 100
    X, y = make_regression(n_samples=500, n_features=5000, n_informative=50, noise=1, random_state=0)
    X = np.asfortranarray(X)
    Xc, yc = np.asfortranarray(X - X.mean(axis=0)), y - y.mean()
    n = X.shape[0]
    alphas = np.max(np.abs(Xc.T @ yc)) / n * np.geomspace(1.0, 1e-3, n_alphas)
    p_null = 0.5 * np.mean(yc**2)

    def values(coefs):
        resid = yc[:, None] - Xc @ coefs.T
        return 0.5 * np.mean(resid**2, axis=0) + alphas * np.abs(coefs).sum(axis=1)

    ref = path(X, y, alphas=alphas, tol=1e-11)
    f_ref = values(ref.coefs)
    # Ours stops at gap <= tol * P(0) on every alpha (tol is already relative: scale 1); this tol
    # certifies the target on all of them.
    case = Case(f"Lasso path dense 500x5000, {n_alphas} alphas", float(np.min(f_ref)),
                lambda coefs: float(np.max((values(coefs) - f_ref) / f_ref)), 1.0,
                TARGET * float(np.min(f_ref)) / p_null)
    case.ours = {"path (cd)": lambda tol: path(X, y, alphas=alphas, tol=tol).coefs}
    case.anchors = {"sklearn lasso_path": lambda tol: lasso_path(Xc, yc, alphas=alphas, tol=tol)[1].T}
    try:
        from celer import celer_path

        case.anchors["celer"] = lambda tol: celer_path(Xc, yc, "lasso", alphas=alphas, tol=tol)[1].T
    except ImportError:
        pass
    try:
        from skglm import Lasso as SkglmLasso

        case.anchors["skglm"] = lambda tol: SkglmLasso(tol=tol, fit_intercept=False).path(Xc, yc, alphas)[1].T
    except ImportError:
        pass
    return [case]


def case_digits(quick):
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    alpha = 1.0 / X.shape[0]

    def make():
        return Objective(X, y, datafit="multinomial", penalty=L2(alpha))

    case = glm_case("multinomial L2-logistic digits 1797x64, 10 classes", make())
    case.ours = {"lbfgs": ours(make, "lbfgs"), "newton (cg)": ours(make, "newton", inner="cg"),
                 "newton (cholesky)": ours(make, "newton", inner="cholesky")}
    case.anchors = {f"sklearn {s}": sklearn_logistic(X, y, alpha, 0.0, s)
                    for s in ("lbfgs", "newton-cg", "newton-cholesky", "sag", "saga")}
    return [case]


CASES = {"1": case_dense_l2, "2": case_a9a, "3": case_lasso_path, "4": case_digits}


# -- timing and report -------------------------------------------------------------------------
def time_case(case: Case, repeats: int) -> tuple[dict[str, Timing], dict[str, Timing]]:
    """Time to target under the common sweep for every solver, and ours at the certified tolerance."""
    timings, certified = {}, {}
    for name, run in case.ours.items():
        def scaled(t, run=run):
            return run(t * case.scale)

        key = f"optimlab {name}"
        timings[key] = time_to_target(scaled, case.subopt, SWEEP, target=TARGET, repeats=repeats,
                                      budget=BUDGET)
        line = f"  {key}: {timings[key]}"
        if case.certified is not None:
            certified[key] = time_to_target(scaled, case.subopt, (case.certified,), target=TARGET,
                                            repeats=repeats, budget=BUDGET)
            line += f"; certified: {certified[key]}"
        print(line, flush=True)
    for name, run in case.anchors.items():
        try:
            timings[name] = time_to_target(run, case.subopt, SWEEP, target=TARGET, repeats=repeats,
                                           budget=BUDGET)
        except Exception as exc:  # an anchor that cannot run this problem is reported, not fatal
            print(f"  {name}: failed ({type(exc).__name__}: {exc})")
            continue
        print(f"  {name}: {timings[name]}", flush=True)
    return timings, certified


def best(timings: dict[str, Timing], prefix: str) -> tuple[str, float]:
    met = {k: t.seconds for k, t in timings.items() if k.startswith(prefix) and t.met}
    if not met:
        return "-", float("nan")
    name = min(met, key=met.get)
    return name, met[name]


def report(case: Case, timings: dict[str, Timing], certified: dict[str, Timing]) -> list[str]:
    sk_name, sk_best = best(timings, "sklearn")
    ours_name, ours_best = best(timings, "optimlab")
    lines = [f"\n### {case.name}", "",
             "| solver | time (s) | tol | rel. subopt | / sklearn best | certified: time (s) | rel. subopt |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, t in sorted(timings.items(), key=lambda kv: (not kv[1].met, kv[1].seconds)):
        time_s = f"{t.seconds:.3f}" if t.met else "not reached"
        tol = f"{t.tol:.0e}" if t.met else "-"
        ratio = f"{t.seconds / sk_best:.2f}" if t.met and np.isfinite(sk_best) else "-"
        c = certified.get(name)
        cert = "- | -" if c is None else f"{f'{c.seconds:.3f}' if c.met else 'not reached'} | {c.subopt:.1e}"
        lines.append(f"| {name} | {time_s} | {tol} | {t.subopt:.1e} | {ratio} | {cert} |")
    lines.append("")
    lines.append(f"ours best: {ours_name} {ours_best:.3f} s; sklearn best: {sk_name} {sk_best:.3f} s; "
                 f"ratio {ours_best / sk_best:.2f} (target <= 0.7)")
    for anchor in ("celer", "skglm", "glum"):
        name, seconds = best(timings, anchor)
        if np.isfinite(seconds):
            lines.append(f"ours / {anchor} best ({name}): {ours_best / seconds:.2f}")
    cert_name, cert_best = best(certified, "optimlab")
    if np.isfinite(cert_best):
        lines.append(f"ours certified best: {cert_name} {cert_best:.3f} s "
                     f"({cert_best / sk_best:.2f} x sklearn best)")
    return lines


def machine() -> str:
    from threadpoolctl import threadpool_info

    blas = ", ".join(f"{i['internal_api']} {i['num_threads']} threads" for i in threadpool_info())
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {blas}; "
            f"load average at start {load:.1f}; Python {platform.python_version()}, numpy {np.__version__}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller problems and one repeat (smoke run)")
    parser.add_argument("--cases", nargs="+", default=sorted(CASES), choices=sorted(CASES))
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    print(f"# GLM benchmark, {datetime.date.today()}: {machine()}")
    print(f"target: relative suboptimality {TARGET:g}; median of {repeats} after a warm-up")
    start = time.perf_counter()
    for key in args.cases:
        for case in CASES[key](args.quick):
            print(f"\n{case.name} (f* = {case.f_ref:.10g})", flush=True)
            print("\n".join(report(case, *time_case(case, repeats))), flush=True)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
