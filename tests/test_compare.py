"""compare(): every solver on one objective, scored against the best objective found."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine

from optimlab.compare import SUBOPT_FLOOR, compare

pytestmark = pytest.mark.filterwarnings("error::optimlab.exceptions.ConvergenceWarning")

DETERMINISTIC = "newton,lbfgs,cd,nesterov,fista"


@pytest.fixture(scope="module")
def cancer():
    return load_breast_cancer(return_X_y=True)


def test_best_has_zero_subopt_and_certified_solvers_agree(cancer):
    X, y = cancer
    result = compare(X, y, solvers=DETERMINISTIC, tol=1e-9, time_limit=5.0)
    assert result.task == "classification" and result.datafit == "logistic"
    assert result.alpha == pytest.approx(1.0 / result.n_train)
    rows = result.rows()
    assert {r["solver"] for r in rows} == set(DETERMINISTIC.split(","))
    assert min(r["rel_subopt"] for r in rows) == 0.0
    assert all(r["rel_subopt"] >= 0.0 for r in rows)
    certified = [r for r in rows if r["converged"]]
    assert len(certified) >= 3
    best = min(r["objective"] for r in certified)
    for r in certified:
        assert abs(r["objective"] - best) <= 1e-6 * abs(best), r["solver"]
        assert r["certificate"] <= result.tol_abs
    for r in rows:
        assert r["accuracy"] > 0.9 and r["f1"] > 0.9 and 0.0 < r["log_loss"] < 0.3
    assert result.best in {r["solver"] for r in certified}
    # ranked: certified solvers first, by time
    times = [r["time_s"] for r in rows if r["converged"]]
    assert times == sorted(times) and rows[0]["converged"]


def test_curves_start_above_floor_and_are_clipped(cancer):
    X, y = cancer
    result = compare(X, y, solvers="newton,gd", time_limit=2.0)
    curves = result.curves()
    for curve in curves.values():
        assert curve["subopt"].shape == curve["time"].shape == curve["iteration"].shape
        assert curve["subopt"][0] > 1e-3 and curve["subopt"].min() >= SUBOPT_FLOOR
        assert np.all(np.diff(curve["time"]) >= 0)


def test_not_converged_is_reported_not_warned(cancer):
    X, y = cancer
    result = compare(X, y, solvers="sgd", max_iter=2, time_limit=1.0)  # ConvergenceWarning is an error here
    (row,) = result.rows()
    assert not row["converged"] and row["status"] == "max_iter" and row["n_iter"] == 2


def test_l1_default_alpha_is_sparse_not_empty(cancer):
    X, y = cancer
    result = compare(X, y, penalty="l1", solvers="cd", time_limit=2.0)
    assert "alpha_max" in result.alpha_note
    coef = result.runs[0].result.x[:-1]
    assert 0 < np.count_nonzero(coef) < coef.size


def test_requested_solver_must_apply(cancer):
    X, y = cancer
    with pytest.raises(ValueError, match=r"'lbfgs' cannot solve this problem.*solvers for this problem: cd"):
        compare(X, y, penalty="l1", solvers="lbfgs")
    with pytest.raises(ValueError, match="Unknown solver 'bogus'"):
        compare(X, y, solvers="newton,bogus")
    with pytest.raises(ValueError, match="l1_ratio applies to penalty='elasticnet'"):
        compare(X, y, l1_ratio=0.5)
    with pytest.raises(ValueError, match="penalty must be one of"):
        compare(X, y, penalty="l3")


def test_regression_metrics():
    X, y = load_diabetes(return_X_y=True)
    result = compare(X, y, penalty="elasticnet", solvers="cd,fista", time_limit=2.0)
    assert result.task == "regression" and result.metric_names == ("mse", "r2")
    for row in result.rows():
        assert row["converged"] and 0.2 < row["r2"] < 0.7 and row["mse"] > 0


def test_multiclass_and_sparse_input():
    X, y = load_wine(return_X_y=True)
    result = compare(sp.csr_matrix(X), y, solvers="lbfgs,saga", time_limit=2.0, test_size=0.3)
    assert result.datafit == "multinomial" and result.classes == [0, 1, 2]
    for row in result.rows():
        assert row["accuracy"] > 0.8 and row["f1"] > 0.8


def test_no_held_out_rows(cancer):
    X, y = cancer
    result = compare(X, y, solvers="newton", test_size=0.0)
    assert result.n_test == 0 and result.metric_names == ()
    assert result.n_train == X.shape[0]


def test_progress_events(cancer):
    X, y = cancer
    events = []
    compare(X, y, solvers="newton,gd", progress=events.append)
    stages = [(e.solver, e.stage) for e in events if e.stage != "iteration"]
    assert stages == [("newton", "start"), ("newton", "done"), ("gd", "start"), ("gd", "done")]
    assert events[-1].total == 2 and events[-1].n_iter > 0
