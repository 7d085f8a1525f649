"""Tuning alpha by 5-fold CV: optimlab.tuning.tune against GridSearchCV, LogisticRegressionCV, Optuna.

Problem, the same for every method: L2-logistic regression with an unpenalized intercept, the
same five folds (one explicit list of ``StratifiedKFold(5, shuffle=True, random_state=0)``
splits given to all), the same 20 regularization strengths and the same metric, the held-out
log-loss (scikit-learn's ``neg_log_loss``, reported as a positive loss). scikit-learn gets
``C`` in ``np.logspace(-4, 4, 20)`` (the grid of ``LogisticRegressionCV(Cs=20)``); ours the
same strengths in its scaling, ``alpha = 1 / (C n_train)`` (``optimlab.models.alpha_from_C``)
with ``n_train`` the mean training-fold size: the folds differ by at most one sample, so each
fold's alpha is off by at most ``1 / n_train`` relative (printed).

Methods:

- ``optimlab tune``: ``tune(LogisticRegression(penalty="l2", tol=1e-4), {"alpha":
  Categorical(20 alphas)}, cv=folds, scoring="log_loss", refit=False)``: one path-aware trial,
  which fits the warm-started path of the 20 alphas in each fold (solver ``auto``: Newton on
  the path, Cholesky steps when forming the Hessian is cheap, as on a9a, else CG); the remaining
  space is empty, so the study stops after that trial. A second row runs the same with
  ``solver="lbfgs"`` (the path's rule before Newton measured faster);
- ``optimlab LogisticRegressionCV`` (ours, ``l1_ratio=0``, same alphas and folds; it always
  refits on all the data, which is in its time; iterations not exposed): for reference;
- ``sklearn GridSearchCV``: ``LogisticRegression(C, tol=1e-4, max_iter=1000)`` (lbfgs, cold start
  for every C and fold), ``refit=False``, 100 fits;
- ``sklearn LogisticRegressionCV``: ``Cs`` the same 20 values, lbfgs warm-started along the Cs
  in each fold, ``refit=False``; its choice is taken as the argmax of the mean score, the rule
  of its ``refit=True`` (with ``refit=False`` its ``C_`` is the mean of the folds' best Cs);
- ``Optuna TPE + sklearn``: a bare Optuna study (``TPESampler(seed=0)``, in-memory storage),
  20 trials over ``C`` log-uniform in ``[1e-4, 1e4]``, each a ``cross_validate`` of scikit-learn's
  ``LogisticRegression`` on the folds (not restricted to the grid).

Tolerances: every library at its default ``tol = 1e-4``: scikit-learn's lbfgs stops on the
projected gradient (``max |g| <= tol``, mean-loss scaling); ours on the duality gap,
``gap <= tol * P(0)`` with ``P(0)`` the null model's objective. Since these do not mean the same
accuracy, the column "subopt" gives, for the first fold, the largest relative suboptimality
``(P(w) - P*) / P*`` over the 20 alphas of each method's fits (P* from ours, Newton at
``tol=1e-10``). Solver iterations are each library's own: sklearn's ``n_iter_`` summed over every
fit (GridSearchCV's counted by a subclass), ours ``TuningResult.n_iter``; no refit is counted
(``refit=False`` everywhere). An L-BFGS iteration and a Newton-CG iteration (several
Hessian-vector products) do not cost the same.

The choice: each method's alpha (grid index) and CV log-loss, and whether it is distinguishable
from GridSearchCV's: the per-fold scores of the method at its choice are paired with
GridSearchCV's at its choice; the table gives the mean difference, the standard error of
GridSearchCV's best score across folds, and the Nadeau-Bengio corrected paired t statistic
(variance inflated by ``1/K + n_test/n_train``; indistinguishable at 5% when ``|t| < 2.78``,
4 degrees of freedom).

Per-trial overhead of ``tune`` over bare Optuna: a do-nothing classifier (class prior; its
parameter ``c`` unused) on 40 x 4 data with 2 folds, ``N`` trials of ``tune(...,
random_state=0, refit=False)`` against an Optuna loop doing the same clone/fit/score per fold
with the same sampler (multivariate grouped TPE, or random) and ``InMemoryStorage``:
``(time ours - time bare) / N``, median over repeats.

Times: median of ``--repeats`` runs, the methods run round-robin (one run of each per repeat),
after a warm-up on a 2,000-row subset (numba compilation). By default every library runs with
one BLAS and one numba thread (``--threads 1``): on this 2-core shared machine scikit-learn's
lbfgs otherwise spends most of its time waiting for OpenBLAS threads on tiny operations
(up to 5x, see RESULTS.md); ``--threads 0`` leaves the libraries' defaults.

L1 variant (``--l1``): ``penalty="l1"`` for ours (path solver ``auto``: coordinate descent) and
scikit-learn's liblinear for the anchors, which also penalizes the intercept (saga, the solver
with a free intercept, takes 38 s for the 20 Cs of one fold of the synthetic data).

Run: ``python benchmarks/tuning.py [--quick] [--repeats 3] [--threads 1] [--trials 200] [--l1]``
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import platform
import time
import warnings

import numpy as np
import optuna
import scipy.sparse as sp
from scipy import stats
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import load_svmlight_file, make_classification
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.linear_model import LogisticRegressionCV as SkLogisticRegressionCV
from sklearn.metrics import get_scorer
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate

from optimlab.models import LogisticRegression
from optimlab.models.cv import LogisticRegressionCV
from optimlab.models.path import path
from optimlab.tuning import Categorical, Float, tune

A9A = "/work/shared/data/glm/a9a.svm.gz"
TOL = 1e-4
SK_MAX_ITER = 1000
N_FOLDS = 5
N_GRID = 20
TPE_TRIALS = 20
T_CRIT = float(stats.t.ppf(0.975, N_FOLDS - 1))
L1_RATIO = {"l2": 0.0, "l1": 1.0}
#: scikit-learn's LogisticRegression for each penalty (L1: liblinear, which penalizes the intercept
#: too; saga, the other L1 solver with an intercept, takes 38 s for the 20 Cs of one fold here).
SK_PARAMS = {"l2": dict(tol=TOL, max_iter=SK_MAX_ITER),
             "l1": dict(penalty="l1", solver="liblinear", tol=TOL, max_iter=SK_MAX_ITER)}

optuna.logging.set_verbosity(optuna.logging.WARNING)


@contextlib.contextmanager
def limit_threads(threads: int):
    """BLAS/OpenMP (threadpoolctl) and numba threads limited to ``threads`` (0: leave them)."""
    if not threads:
        yield
        return
    import numba
    from threadpoolctl import threadpool_limits

    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads):
            yield
    finally:
        numba.set_num_threads(previous)


# -- the methods: each returns time, iterations, chosen alpha and per-fold scores -------------------
_SK_ITERS: list[int] = []


class CountingLogisticRegression(SkLogisticRegression):
    """scikit-learn's LogisticRegression recording ``n_iter_`` of every fit (GridSearchCV drops them)."""

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight=sample_weight)
        _SK_ITERS.append(int(np.sum(self.n_iter_)))
        return self


def run_tune(X, y, folds, alphas, solver, penalty):
    res = tune(LogisticRegression(penalty=penalty, tol=TOL, solver=solver),
               {"alpha": Categorical(list(alphas))}, X, y, cv=folds, scoring="log_loss", refit=False,
               random_state=0)
    assert len(res.trials) == 1, "alpha alone on a path: one trial expected"
    index = int(np.argmin(np.abs(alphas - res.best_params["alpha"])))
    return dict(n_iter=res.n_iter, index=index, alpha=alphas[index], score=res.best_score,
                folds=np.asarray(res.fold_scores), not_converged=int(res.trials["not_converged"].sum()))


def run_ours_cv(X, y, folds, alphas, penalty):
    cv = LogisticRegressionCV(l1_ratio=L1_RATIO[penalty], alphas=alphas, cv=folds, scoring="neg_log_loss",
                              tol=TOL).fit(X, y)
    index = int(np.argmin(np.abs(alphas - cv.alpha_)))
    return dict(n_iter=None, index=index, alpha=alphas[index], score=-cv.mean_score_[index],
                folds=-cv.scores_[:, index], not_converged=None)


def run_grid_search(X, y, folds, Cs, n_train, penalty):
    _SK_ITERS.clear()
    gs = GridSearchCV(CountingLogisticRegression(**SK_PARAMS[penalty]), {"C": Cs}, cv=folds,
                      scoring="neg_log_loss", refit=False).fit(X, y)
    index = int(gs.best_index_)
    split = -np.array([gs.cv_results_[f"split{k}_test_score"] for k in range(len(folds))])
    return dict(n_iter=sum(_SK_ITERS), index=index, alpha=1.0 / (Cs[index] * n_train), score=-gs.best_score_,
                folds=split[:, index], not_converged=sum(i >= SK_MAX_ITER for i in _SK_ITERS), split=split)


def run_sk_cv(X, y, folds, Cs, n_train, penalty):
    cv = SkLogisticRegressionCV(Cs=Cs, cv=folds, scoring="neg_log_loss", refit=False,
                                **SK_PARAMS[penalty]).fit(X, y)
    scores = -next(iter(cv.scores_.values()))  # (n_folds, n_Cs)
    index = int(np.argmin(scores.mean(axis=0)))
    return dict(n_iter=int(cv.n_iter_.sum()), index=index, alpha=1.0 / (Cs[index] * n_train),
                score=scores[:, index].mean(), folds=scores[:, index],
                not_converged=int(np.sum(cv.n_iter_ >= SK_MAX_ITER)), estimator=cv)


def run_optuna_tpe(X, y, folds, Cs, n_train, penalty):
    iters: list[int] = []

    def objective(trial):
        C = trial.suggest_float("C", Cs[0], Cs[-1], log=True)
        out = cross_validate(SkLogisticRegression(C=C, **SK_PARAMS[penalty]), X, y, cv=folds,
                             scoring="neg_log_loss", return_estimator=True)
        iters.extend(int(np.sum(e.n_iter_)) for e in out["estimator"])
        trial.set_user_attr("folds", (-out["test_score"]).tolist())
        return float(-out["test_score"].mean())

    study = optuna.create_study(storage=optuna.storages.InMemoryStorage(),
                                sampler=optuna.samplers.TPESampler(seed=0), direction="minimize")
    study.optimize(objective, n_trials=TPE_TRIALS)
    C = study.best_params["C"]
    return dict(n_iter=sum(iters), index=None, alpha=1.0 / (C * n_train), score=study.best_value,
                folds=np.asarray(study.best_trial.user_attrs["folds"]),
                not_converged=sum(i >= SK_MAX_ITER for i in iters))


# -- accuracy of each method's fits on the first fold ---------------------------------------------
def logistic_objective(X, y_pm, w, b, alpha, penalty):
    m = y_pm * (X @ w + b)
    reg = np.sum(np.abs(w)) if penalty == "l1" else 0.5 * (w @ w)
    return float(np.mean(np.logaddexp(0.0, -m)) + alpha * reg)


def fold0_subopt(X, y, folds, alphas, Cs, sk_cv, penalty, rows):
    """Largest relative suboptimality over the grid of each method's fits on the first fold."""
    train = folds[0][0]
    Xt, yt = X[train], y[train]
    y_pm = np.where(yt == np.max(yt), 1.0, -1.0)
    l1_ratio = L1_RATIO[penalty]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = path(Xt, yt, datafit="logistic", l1_ratio=l1_ratio, alphas=alphas, tol=1e-10,
                   solver="newton" if penalty == "l2" else "auto", max_iter=2000)
    f_ref = np.array([logistic_objective(Xt, y_pm, ref.coefs[i], ref.intercepts[i], a, penalty)
                      for i, a in enumerate(alphas)])

    def worst(coefs, intercepts):
        f = np.array([logistic_objective(Xt, y_pm, w, b, a, penalty)
                      for w, b, a in zip(coefs, intercepts, alphas, strict=True)])
        return float(np.max((f - f_ref) / f_ref))

    out = {}
    for name, (kind, solver) in rows.items():
        if kind != "tune":
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = path(Xt, yt, datafit="logistic", l1_ratio=l1_ratio, alphas=alphas, tol=TOL, solver=solver)
        out[name] = worst(fit.coefs, fit.intercepts)
    out["optimlab LogisticRegressionCV"] = out["optimlab tune"]  # the same path() call
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = [SkLogisticRegression(C=C, **SK_PARAMS[penalty]).fit(Xt, yt) for C in Cs]
    out["sklearn GridSearchCV"] = worst([m.coef_[0] for m in fits], [m.intercept_[0] for m in fits])
    out["Optuna TPE + sklearn"] = out["sklearn GridSearchCV"]  # the same solver; not on the grid
    paths = next(iter(sk_cv.coefs_paths_.values()))[0]  # fold 0: (n_Cs, n_features + 1)
    out["sklearn LogisticRegressionCV"] = worst(paths[:, :-1], paths[:, -1])
    return out


# -- one dataset ------------------------------------------------------------------------------------
def corrected_t(diff, n_train, n_test):
    """Nadeau-Bengio corrected paired t statistic of per-fold differences (0 when all equal)."""
    var = np.var(diff, ddof=1)
    if var == 0.0:
        return 0.0 if np.mean(diff) == 0.0 else np.inf * np.sign(np.mean(diff))
    return float(np.mean(diff) / np.sqrt((1.0 / diff.size + n_test / n_train) * var))


def bench_dataset(name, X, y, repeats, threads, penalty="l2"):
    folds = [(np.asarray(a), np.asarray(b)) for a, b in
             StratifiedKFold(N_FOLDS, shuffle=True, random_state=0).split(X, y)]
    sizes = np.array([len(train) for train, _ in folds])
    n_train, n_test = float(sizes.mean()), float(X.shape[0] - sizes.mean())
    Cs = np.logspace(-4, 4, N_GRID)
    alphas = 1.0 / (Cs * n_train)  # decreasing, index i <-> Cs[i]
    sk_solver = SK_PARAMS[penalty].get("solver", "lbfgs")
    print(f"\n== {name}, {penalty.upper()}-logistic: {X.shape[0]} x {X.shape[1]}"
          f"{' sparse' if hasattr(X, 'tocsr') else ''}, {N_FOLDS} folds (train sizes "
          f"{sizes.min()}-{sizes.max()}: alpha = 1/(C n_train) off by at most "
          f"{(sizes.max() - sizes.min()) / n_train:.1e} relative), {N_GRID} C in [1e-4, 1e4], tol {TOL:g}, "
          f"sklearn solver {sk_solver}, threads {threads or 'default'}, median of {repeats}")
    # ours: name -> (kind, solver)
    rows = {"optimlab tune": ("tune", "auto")}
    if penalty == "l2":
        rows["optimlab tune (lbfgs)"] = ("tune", "lbfgs")
    methods = {m: (lambda X, y, f, solver=solver: run_tune(X, y, f, alphas, solver, penalty))
               for m, (_, solver) in rows.items()}
    methods.update({
        "optimlab LogisticRegressionCV": lambda X, y, f: run_ours_cv(X, y, f, alphas, penalty),
        "sklearn GridSearchCV": lambda X, y, f: run_grid_search(X, y, f, Cs, n_train, penalty),
        "sklearn LogisticRegressionCV": lambda X, y, f: run_sk_cv(X, y, f, Cs, n_train, penalty),
        "Optuna TPE + sklearn": lambda X, y, f: run_optuna_tpe(X, y, f, Cs, n_train, penalty),
    })
    times = {m: [] for m in methods}
    out = {}
    with limit_threads(threads), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings: counted in the "not conv." column
        small = np.arange(min(2000, X.shape[0]))
        small_folds = list(StratifiedKFold(N_FOLDS, shuffle=True, random_state=0).split(X[small], y[small]))
        for run in methods.values():  # warm-up: numba compilation, imports
            run(X[small], y[small], small_folds)
        for _ in range(repeats):
            for m, run in methods.items():
                start = time.perf_counter()
                out[m] = run(X, y, folds)
                times[m].append(time.perf_counter() - start)
        subopt = fold0_subopt(X, y, folds, alphas, Cs, out["sklearn LogisticRegressionCV"]["estimator"],
                              penalty, rows)
    t = {m: float(np.median(v)) for m, v in times.items()}
    gs = out["sklearn GridSearchCV"]
    gs_se = float(np.std(gs["folds"], ddof=1) / np.sqrt(N_FOLDS))
    ours = out["optimlab tune"]

    print(f"{'method':<31} {'time (s)':>9} {'ours/it':>8} {'iters':>7} {'it/ours':>8} {'not conv.':>9} "
          f"{'subopt':>8} {'C':>9} {'alpha':>9} {'idx':>4} {'CV logloss':>11} {'-GS':>9} {'t vs GS':>8}")
    for m, r in out.items():
        tstat = corrected_t(r["folds"] - gs["folds"], n_train, n_test)
        C = 1.0 / (r["alpha"] * n_train)
        it = "-" if r["n_iter"] is None else f"{r['n_iter']:d}"
        it_ratio = "-" if r["n_iter"] in (None, 0) else f"{r['n_iter'] / ours['n_iter']:.2f}"
        nc = "-" if r["not_converged"] is None else f"{r['not_converged']:d}"
        idx = "-" if r["index"] is None else f"{r['index']:d}"
        print(f"{m:<31} {t[m]:>9.3f} {t['optimlab tune'] / t[m]:>8.2f} {it:>7} {it_ratio:>8} {nc:>9} "
              f"{subopt[m]:>8.1e} {C:>9.3g} {r['alpha']:>9.3g} {idx:>4} {r['score']:>11.6f} "
              f"{r['score'] - gs['score']:>+9.1e} {tstat:>+8.2f}")
    print(f"(ours/it: time of optimlab tune / the row's; it/ours: the row's iterations / optimlab tune's; "
          f"subopt: fold 0, max over the grid; t vs GS: corrected paired t against GridSearchCV's choice, "
          f"|t| < {T_CRIT:.2f}: indistinguishable at 5%; GridSearchCV's best score has fold standard error "
          f"{gs_se:.1e})")
    if penalty == "l1":
        print("(L1: liblinear also penalizes the intercept, |b| / intercept_scaling: not quite the same "
              "problem; its iterations are newGLMNET outer iterations, ours coordinate-descent outer "
              "iterations)")
    lines = []
    for m in rows:
        r = out[m]
        tstat = corrected_t(r["folds"] - gs["folds"], n_train, n_test)
        same = r["index"] == gs["index"]
        close = same or abs(tstat) < T_CRIT
        choice = "same alpha" if same else (f"indistinguishable (t = {tstat:+.2f})" if close
                                            else f"DIFFERENT (t = {tstat:+.2f})")
        iter_ratio = gs["n_iter"] / max(r["n_iter"], 1)
        time_ratio = t[m] / t["sklearn GridSearchCV"]
        lrcv_ratio = t[m] / t["sklearn LogisticRegressionCV"]
        t_gs, t_cv = t["sklearn GridSearchCV"], t["sklearn LogisticRegressionCV"]
        lines += [f"[{name}, {penalty.upper()}] {m}: choice vs GridSearchCV: {choice}",
                  f"  {'PASS' if iter_ratio >= 3 else 'MISS'}  >= 3x fewer solver iterations than "
                  f"GridSearchCV: {iter_ratio:.2f}x ({r['n_iter']} vs {gs['n_iter']})",
                  f"  {'PASS' if time_ratio <= 0.5 and close else 'MISS'}  <= 0.5x GridSearchCV's wall time, "
                  f"same or indistinguishable choice: {time_ratio:.2f}x ({t[m]:.3f} s vs {t_gs:.3f} s)",
                  f"  {'PASS' if lrcv_ratio <= 1 else 'MISS'}  no slower than sklearn LogisticRegressionCV: "
                  f"{lrcv_ratio:.2f}x ({t[m]:.3f} s vs {t_cv:.3f} s)"]
    print("\n".join(lines))
    return lines


# -- overhead of tune over bare Optuna ------------------------------------------------------------------
class Prior(ClassifierMixin, BaseEstimator):
    """Predicts the training class frequencies; ``c`` is a parameter to tune that does nothing."""

    def __init__(self, c=1.0):
        self.c = c

    def fit(self, X, y):
        self.classes_, counts = np.unique(y, return_counts=True)
        self.p_ = counts / counts.sum()
        return self

    def predict_proba(self, X):
        return np.tile(self.p_, (X.shape[0], 1))

    def predict(self, X):
        return np.full(X.shape[0], self.classes_[np.argmax(self.p_)])


def _bare_sampler(name):
    if name == "tpe":  # what tune's "tpe" builds (optimlab.tuning._study)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.TPESampler(seed=0, multivariate=True, group=True)
    return optuna.samplers.RandomSampler(seed=0)


def bench_overhead(n_trials, repeats):
    X, y = make_classification(n_samples=40, n_features=4, n_informative=2, n_redundant=0, random_state=0)
    folds = [(np.asarray(a), np.asarray(b))
             for a, b in StratifiedKFold(2, shuffle=True, random_state=0).split(X, y)]
    scorer = get_scorer("neg_log_loss")

    def bare(sampler):
        def objective(trial):
            model = Prior(c=trial.suggest_float("c", 1e-3, 1e3, log=True))
            scores = [-scorer(clone(model).fit(X[tr], y[tr]), X[te], y[te]) for tr, te in folds]
            return float(np.mean(scores))

        study = optuna.create_study(storage=optuna.storages.InMemoryStorage(), sampler=_bare_sampler(sampler),
                                    direction="minimize")
        study.optimize(objective, n_trials=n_trials)
        assert len(study.trials) == n_trials

    def ours(sampler):
        res = tune(Prior(), {"c": Float(1e-3, 1e3, log=True)}, X, y, cv=folds, scoring="log_loss",
                   n_trials=n_trials, sampler=sampler, random_state=0, refit=False)
        assert len(res.trials) == n_trials

    print(f"\n== per-trial overhead of tune() over bare Optuna: class-prior classifier, 40 x 4, 2 folds, "
          f"{n_trials} trials, InMemoryStorage, median of {repeats}")
    print(f"{'sampler':<8} {'bare (s)':>9} {'tune (s)':>9} {'overhead/trial (ms)':>20}")
    result = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for sampler in ("tpe", "random"):
            bare(sampler), ours(sampler)  # warm-up
            tb, to, per = [], [], []
            for _ in range(repeats):
                start = time.perf_counter()
                bare(sampler)
                tb.append(time.perf_counter() - start)
                start = time.perf_counter()
                ours(sampler)
                to.append(time.perf_counter() - start)
                per.append((to[-1] - tb[-1]) / n_trials * 1e3)
            result[sampler] = float(np.median(per))
            print(f"{sampler:<8} {np.median(tb):>9.3f} {np.median(to):>9.3f} {result[sampler]:>20.2f}")
    worst = max(result.values())
    line = (f"  {'PASS' if worst < 10 else 'MISS'}  per-trial overhead of tune over bare Optuna < 10 ms: "
            f"{result['tpe']:.2f} ms (TPE), {result['random']:.2f} ms (random), {n_trials} trials")
    print(line)
    return ["[overhead]", line]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 5,000 synthetic rows, the first 8,000 of a9a, 1 repeat, "
                             "50 overhead trials")
    parser.add_argument("--repeats", type=int, default=None, help="default 3 (1 with --quick)")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS and numba threads; 0: the libraries' defaults")
    parser.add_argument("--trials", type=int, default=None, help="trials of the overhead test (default 200)")
    parser.add_argument("--l1", action="store_true",
                        help="also L1-logistic (sklearn liblinear; about 3 min a repeat on a9a)")
    parser.add_argument("--no-l2", action="store_true", help="skip the L2 runs")
    parser.add_argument("--no-overhead", action="store_true", help="skip the overhead test")
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)
    n_trials = args.trials or (50 if args.quick else 200)
    started = time.perf_counter()
    loadavg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    import sklearn

    print(f"{datetime.date.today()}  {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {loadavg:.2f}; Python {platform.python_version()}, numpy {np.__version__}, "
          f"scikit-learn {sklearn.__version__}, optuna {optuna.__version__}")

    n = 5000 if args.quick else 20000
    datasets = [(f"make_classification({n}, 50)", lambda: make_classification(n_samples=n, n_features=50,
                                                                             random_state=0))]
    if os.path.exists(A9A):
        def load_a9a():
            X, y = load_svmlight_file(A9A)
            # 32-bit indices (the loader gives 64-bit ones, which liblinear refuses)
            X = sp.csr_matrix((X.data, X.indices.astype(np.int32), X.indptr.astype(np.int32)), shape=X.shape)
            return (X[:8000], y[:8000]) if args.quick else (X, y)
        datasets.append(("a9a" + (" (first 8,000 rows)" if args.quick else ""), load_a9a))
    penalties = ([] if args.no_l2 else ["l2"]) + (["l1"] if args.l1 else [])
    summary = []
    for penalty in penalties:
        for name, load in datasets:
            X, y = load()
            summary += bench_dataset(name, X, y, repeats, args.threads, penalty)
    if not os.path.exists(A9A):
        print(f"\n== a9a: skipped, {A9A} not found")
    if not args.no_overhead:
        summary += bench_overhead(n_trials, repeats)
    print("\n== summary\n" + "\n".join(summary))
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
