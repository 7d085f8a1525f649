"""ImplicitALS against a dense weighted least-squares reference."""

import inspect

import numpy as np
import pandas as pd
import pytest

from optimlab.recommend import ImplicitALS, Interactions, ndcg_at_k, per_user_split
from optimlab.result import Status

# Factors in float64 where the model offers a choice, so that the solves check to machine precision.
F64 = {"dtype": np.float64} if "dtype" in inspect.signature(ImplicitALS).parameters else {}


def ials(**kwargs):
    return ImplicitALS(**{**F64, **kwargs})


def counts_data(seed=0, n_users=30, n_items=40, n_events=500):
    """Implicit counts (repeated events summed), integer ids shifted off the indices."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"u": rng.integers(0, n_users, n_events) + 100,
                       "i": rng.integers(0, n_items, n_events) * 2})
    return Interactions.from_frame(df, user="u", item="i")


def blocks(seed=0, n_users=100, n_items=60, n_blocks=4, p_in=0.4, p_out=0.01):
    """Users and items in ``n_blocks`` groups; users interact mostly within their group."""
    rng = np.random.default_rng(seed)
    gu = np.arange(n_users) % n_blocks
    gi = np.arange(n_items) % n_blocks
    prob = np.where(gu[:, None] == gi[None, :], p_in, p_out)
    X = (rng.random((n_users, n_items)) < prob).astype(float)
    X[np.arange(n_users), gu] = 1.0  # every user has at least one item of their group
    return Interactions.from_matrix(X), gu, gi


def dense_parts(data, model):
    """Dense W (weights), Pref (0/1), per-user and per-item lambdas."""
    X = data.tocsr().toarray()
    obs = X != 0
    f = X if model.confidence == "linear" else np.log1p(X)
    w0 = model.unobserved_weight
    W = np.where(obs, w0 + model.alpha * f, w0)
    Pref = obs.astype(float)
    n_users, n_items = X.shape
    lam_u = model.regularization * (obs.sum(1) + w0 * n_items) ** model.reg_exponent
    lam_i = model.regularization * (obs.sum(0) + w0 * n_users) ** model.reg_exponent
    return W, Pref, lam_u, lam_i


def dense_loss_grad(data, model):
    W, Pref, lam_u, lam_i = dense_parts(data, model)
    U, V = model.user_factors_, model.item_factors_
    E = Pref - U @ V.T
    L = np.sum(W * E**2) + lam_u @ np.sum(U**2, 1) + lam_i @ np.sum(V**2, 1)
    gU = -2 * (W * E) @ V + 2 * lam_u[:, None] * U
    gV = -2 * (W * E).T @ U + 2 * lam_i[:, None] * V
    return L, np.sqrt(np.sum(gU**2) + np.sum(gV**2))


def row_solve(W_row, pref_row, Y, lam):
    """The weighted ridge normal equations of one row: (Y' W Y + lam I) x = Y' W p."""
    A = Y.T @ (W_row[:, None] * Y) + lam * np.eye(Y.shape[1])
    return np.linalg.solve(A, Y.T @ (W_row * pref_row))


@pytest.fixture(scope="module")
def data():
    return counts_data()


@pytest.mark.parametrize("confidence", ["linear", "log"])
@pytest.mark.parametrize("reg_exponent", [0.0, 1.0])
def test_fun_and_certificate_match_dense_loss(data, confidence, reg_exponent):
    model = ials(factors=4, epochs=3, solver="cholesky", confidence=confidence, alpha=3.0,
                        unobserved_weight=0.5, regularization=0.02, reg_exponent=reg_exponent,
                        init_std=0.1, random_state=0).fit(data)
    L, g = dense_loss_grad(data, model)
    assert model.result_.fun == pytest.approx(L / data.nnz, rel=1e-8)
    assert model.result_.certificate == pytest.approx(g / data.nnz, rel=1e-8)
    assert model.result_.certificate_kind == "gradient_norm"


@pytest.mark.parametrize("cg_steps", [1, 3])
def test_cg_fun_and_certificate_match_dense_loss(data, cg_steps):
    model = ials(factors=4, epochs=4, solver="cg", cg_steps=cg_steps, confidence="log", alpha=3.0,
                 unobserved_weight=0.5, regularization=0.02, reg_exponent=1.0, init_std=0.1,
                 random_state=0).fit(data)
    L, g = dense_loss_grad(data, model)
    assert model.result_.fun == pytest.approx(L / data.nnz, rel=1e-8)
    assert model.result_.certificate == pytest.approx(g / data.nnz, rel=1e-6)
    # the first history entry is the loss at the random start
    start = ials(factors=4, epochs=1, solver="cg", cg_steps=cg_steps, confidence="log", alpha=3.0,
                 unobserved_weight=0.5, regularization=0.02, reg_exponent=1.0, init_std=0.1,
                 random_state=0)
    rng = np.random.default_rng(0)
    start.user_factors_ = rng.normal(0.0, 0.1, (data.n_users, 4))
    start.item_factors_ = rng.normal(0.0, 0.1, (data.n_items, 4))
    L0, g0 = dense_loss_grad(data, start)
    assert model.result_.history.fun[0] == pytest.approx(L0 / data.nnz, rel=1e-8)
    assert model.result_.history.certificate[0] == pytest.approx(g0 / data.nnz, rel=1e-6)


@pytest.mark.skipif(not F64, reason="ImplicitALS has no dtype parameter")
@pytest.mark.parametrize("solver", ["cg", "cholesky"])
def test_default_float32_factors_agree_with_float64(data, solver):
    kw = dict(factors=4, epochs=3, solver=solver, cg_steps=3, init_std=0.1, random_state=0)
    single = ImplicitALS(**kw).fit(data)
    double = ials(**kw).fit(data)
    assert single.user_factors_.dtype == np.float32 and double.user_factors_.dtype == np.float64
    np.testing.assert_allclose(single.item_factors_, double.item_factors_, rtol=1e-3, atol=1e-4)
    L, g = dense_loss_grad(data, single)
    assert single.result_.fun == pytest.approx(L / data.nnz, rel=1e-4)
    assert single.result_.certificate == pytest.approx(g / data.nnz, rel=1e-2)
    assert single.recommend(data.user_ids[0], k=5).shape == (5,)


@pytest.mark.parametrize("confidence", ["linear", "log"])
@pytest.mark.parametrize("reg_exponent", [0.0, 1.0])
def test_cholesky_half_steps_solve_normal_equations(data, confidence, reg_exponent):
    model = ials(factors=4, epochs=2, solver="cholesky", confidence=confidence, alpha=3.0,
                        unobserved_weight=0.5, regularization=0.02, reg_exponent=reg_exponent,
                        init_std=0.1, random_state=0).fit(data)
    W, Pref, lam_u, lam_i = dense_parts(data, model)
    U, V = model.user_factors_.copy(), model.item_factors_.copy()
    # the item half-step came last: each item vector solves its equations with the users fixed
    for i in range(data.n_items):
        np.testing.assert_allclose(V[i], row_solve(W[:, i], Pref[:, i], U, lam_i[i]), rtol=1e-8, atol=1e-12)
    # and fold_in of an existing user is the user solve with the final items
    for u in range(data.n_users):
        cols = np.flatnonzero(Pref[u])
        model.fold_in(data.user_ids[u], data.item_ids[cols], data.tocsr()[u].toarray().ravel()[cols])
        np.testing.assert_allclose(model.user_factors_[u], row_solve(W[u], Pref[u], V, lam_u[u]),
                                   rtol=1e-8, atol=1e-12)


def test_cg_with_many_steps_matches_cholesky(data):
    kw = dict(factors=5, epochs=4, alpha=2.0, regularization=0.05, unobserved_weight=0.5, reg_exponent=1.0,
              confidence="log", init_std=0.1, random_state=3)
    chol = ials(solver="cholesky", **kw).fit(data)
    cg = ials(solver="cg", cg_steps=50, **kw).fit(data)
    np.testing.assert_allclose(cg.user_factors_, chol.user_factors_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(cg.item_factors_, chol.item_factors_, rtol=1e-6, atol=1e-8)
    assert cg.result_.fun == pytest.approx(chol.result_.fun, rel=1e-8)
    # a few CG steps still decrease the loss every epoch (each step is a descent step per row)
    few = ials(solver="cg", cg_steps=2, **{**kw, "epochs": 8}).fit(data)
    assert np.all(np.diff(few.result_.history.fun) <= 1e-12)


def test_converges_with_many_epochs(data):
    model = ials(factors=3, epochs=300, solver="cholesky", regularization=0.1, init_std=0.1,
                        confidence="log", unobserved_weight=0.2, reg_exponent=1.0, tol=1e-7,
                        random_state=0).fit(data)
    assert model.result_.success and model.result_.status == Status.CONVERGED
    assert model.result_.certificate <= 1e-7
    assert np.all(np.diff(model.result_.history.fun) <= 1e-12)


def test_fold_in_new_user_is_the_user_solve(data):
    model = ials(factors=4, epochs=3, solver="cholesky", confidence="log", alpha=4.0, unobserved_weight=0.3,
                 reg_exponent=1.0, regularization=0.05, random_state=0).fit(data)
    items = [0, 6, 14, 14, 40]  # item 14 twice: the counts add up
    values = [1.0, 3.0, 2.0, 1.0, 5.0]
    model.fold_in("new", items, values)
    V = model.item_factors_
    cols = [list(model.item_ids_).index(x) for x in (0, 6, 14, 40)]
    counts = np.zeros(data.n_items)
    counts[cols] = [1.0, 3.0, 3.0, 5.0]
    W = np.full(data.n_items, 0.3)
    W[cols] = 0.3 + 4.0 * np.log1p(counts[cols])
    pref = (counts > 0).astype(float)
    lam = 0.05 * (4 + 0.3 * data.n_items) ** 1.0
    np.testing.assert_allclose(model.user_factors_[-1], row_solve(W, pref, V, lam), rtol=1e-10)
    rec = model.recommend("new", k=data.n_items - 4)
    assert not set(rec.tolist()) & {0, 6, 14, 40}
    assert None not in rec.tolist()
    with pytest.warns(UserWarning, match="does not know"):
        model.fold_in("new2", [0, 999], [1.0, 1.0])
    with pytest.raises(ValueError, match="at least one item"), pytest.warns(UserWarning):
        model.fold_in("new3", [999])


def test_ranks_planted_block_items_first():
    data, gu, gi = blocks()
    train, test = per_user_split(data, test_size=0.3, random_state=0)
    model = ials(factors=4, epochs=10, regularization=0.1, confidence="linear", unobserved_weight=1.0,
                        reg_exponent=0.0, random_state=0).fit(train)
    rec = model.recommend(model.user_ids_, k=5)
    # nearly every recommended item is in the user's block
    in_block = gi[rec.astype(int)] == gu[:, None]
    assert in_block.mean() > 0.95
    # and the held-out items come back far better than at random
    rows = model._top_k_index(np.arange(data.n_users), 10, exclude_seen=True)
    assert ndcg_at_k(rows, test.tocsr()) > 0.45


def test_validation_metrics_recorded_per_epoch():
    data = blocks(seed=1)[0]
    train, test = per_user_split(data, test_size=0.3, random_state=1)
    model = ials(factors=8, epochs=4, random_state=0, validation_k=5).fit(train, validation=test)
    m = model.result_.history.metrics
    assert set(m) == {"val_precision@5", "val_recall@5", "val_ndcg@5"}
    assert all(v.shape == (5,) for v in m.values())
    rows = model._top_k_index(np.arange(data.n_users), 5, exclude_seen=True)
    assert m["val_ndcg@5"][-1] == pytest.approx(ndcg_at_k(rows, test.tocsr()), rel=1e-12)


def test_reproducible_and_errors(data):
    a = ials(factors=3, epochs=2, random_state=5).fit(data)
    b = ials(factors=3, epochs=2, random_state=5).fit(data)
    np.testing.assert_array_equal(a.user_factors_, b.user_factors_)
    np.testing.assert_array_equal(a.item_factors_, b.item_factors_)
    for bad, match in [({"solver": "lu"}, "solver"), ({"confidence": "sqrt"}, "confidence"),
                       ({"unobserved_weight": 0.0}, "unobserved_weight"), ({"cg_steps": 0}, "cg_steps"),
                       ({"reg_exponent": -1.0}, "reg_exponent"), ({"factors": 0}, "factors")]:
        with pytest.raises(ValueError, match=match):
            ials(**bad).fit(data)
