"""MatrixFactorization against dense NumPy references: objective, gradient, ALS solves, fold-in."""

import numpy as np
import pandas as pd
import pytest

from optimlab.recommend import BPR, Interactions, MatrixFactorization, Popularity, rmse
from optimlab.result import Status


def planted(seed=0, n_users=30, n_items=40, rank=3, density=0.6, noise=0.1):
    """Ratings = 3 + user bias + item bias + a rank-``rank`` term (+ noise), string ids.

    Returns the data (a random ``density`` share of the pairs) and the full noiseless matrix.
    """
    rng = np.random.default_rng(seed)
    P = rng.normal(0.0, 0.6, (n_users, rank))
    Q = rng.normal(0.0, 0.6, (n_items, rank))
    full = 3.0 + rng.normal(0, 0.5, n_users)[:, None] + rng.normal(0, 0.5, n_items)[None, :] + P @ Q.T
    mask = rng.random((n_users, n_items)) < density
    mask[np.arange(n_users), rng.integers(0, n_items, n_users)] = True  # every user has a rating
    mask[rng.integers(0, n_users, n_items), np.arange(n_items)] = True  # every item too
    u, i = np.nonzero(mask)
    values = full[u, i] + noise * rng.normal(size=u.size)
    df = pd.DataFrame({"user": [f"u{x:02d}" for x in u], "item": [f"i{x:02d}" for x in i], "r": values})
    return Interactions.from_frame(df, user="user", item="item", rating="r"), full


def dense_objective(data, model):
    """F and its gradient (dP, dQ, dbu, dbi), recomputed from the docstring's formula."""
    u, i, r = data.users, data.items, data.values
    N = r.size
    mu = r.mean()
    P, Q, bu, bi = model.user_factors_, model.item_factors_, model.user_bias_, model.item_bias_
    reg = model.regularization
    reg_b = reg if model.bias_regularization is None else model.bias_regularization
    nu = np.bincount(u, minlength=P.shape[0])
    ni = np.bincount(i, minlength=Q.shape[0])
    e = r - (mu + bu[u] + bi[i] + np.sum(P[u] * Q[i], axis=1))
    F = (0.5 * e @ e + 0.5 * reg * (nu @ np.sum(P**2, 1) + ni @ np.sum(Q**2, 1))
         + 0.5 * reg_b * (nu @ bu**2 + ni @ bi**2)) / N
    E = np.zeros((P.shape[0], Q.shape[0]))
    E[u, i] = e
    gP = (-E @ Q + reg * nu[:, None] * P) / N
    gQ = (-E.T @ P + reg * ni[:, None] * Q) / N
    gbu = (-E.sum(1) + reg_b * nu * bu) / N
    gbi = (-E.sum(0) + reg_b * ni * bi) / N
    return F, (gP, gQ, gbu, gbi)


def grad_norm(grads):
    return np.sqrt(sum(np.sum(g**2) for g in grads))


def ridge_solve(Z, t, reg_vec):
    """argmin |Z x - t|^2 + sum reg_vec * x^2 by least squares on the stacked system."""
    A = np.vstack([Z, np.diag(np.sqrt(reg_vec))])
    b = np.concatenate([t, np.zeros(reg_vec.size)])
    return np.linalg.lstsq(A, b, rcond=None)[0]


@pytest.fixture(scope="module")
def data():
    return planted()[0]


@pytest.mark.parametrize("solver", ["sgd", "als"])
@pytest.mark.parametrize("bias_reg", [None, 0.3])
def test_fun_and_certificate_match_dense_recomputation(data, solver, bias_reg):
    model = MatrixFactorization(factors=4, epochs=5, solver=solver, regularization=0.05,
                                bias_regularization=bias_reg, random_state=1).fit(data)
    F, grads = dense_objective(data, model)
    assert model.result_.fun == pytest.approx(F, rel=1e-10)
    assert model.result_.certificate == pytest.approx(grad_norm(grads), rel=1e-9)
    assert model.result_.certificate_kind == "gradient_norm"
    assert model.global_mean_ == pytest.approx(data.values.mean(), rel=1e-14)
    # the history's last entry is the final state
    assert model.result_.history.fun[-1] == model.result_.fun
    assert model.result_.history.certificate[-1] == model.result_.certificate


def test_dense_gradient_agrees_with_finite_differences():
    data = planted(seed=3, n_users=5, n_items=6, rank=2)[0]
    model = MatrixFactorization(factors=2, epochs=1, regularization=0.1, bias_regularization=0.2,
                                random_state=0).fit(data)
    _, grads = dense_objective(data, model)
    params = [model.user_factors_, model.item_factors_, model.user_bias_, model.item_bias_]
    h = 1e-6
    for arr, g in zip(params, grads, strict=True):
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + h
            fp = dense_objective(data, model)[0]
            arr[idx] = old - h
            fm = dense_objective(data, model)[0]
            arr[idx] = old
            assert (fp - fm) / (2 * h) == pytest.approx(g[idx], abs=1e-8)
    # and the model's own certificate is that gradient's norm
    assert model.result_.certificate == pytest.approx(grad_norm(grads), rel=1e-9)


def test_als_half_steps_are_exact_ridge_solves(data):
    reg, reg_b = 0.05, 0.2
    model = MatrixFactorization(factors=3, epochs=3, solver="als", regularization=reg,
                                bias_regularization=reg_b, random_state=0).fit(data)
    mu = data.values.mean()
    P, Q, bu, bi = model.user_factors_, model.item_factors_, model.user_bias_, model.item_bias_
    k = model.factors
    # the last half-step of an epoch solves the items with the users fixed: exact
    for item in range(data.n_items):
        sel = data.items == item
        m = int(sel.sum())
        Z = np.hstack([P[data.users[sel]], np.ones((m, 1))])
        t = data.values[sel] - mu - bu[data.users[sel]]
        want = ridge_solve(Z, t, np.r_[np.full(k, reg * m), reg_b * m])
        np.testing.assert_allclose(np.r_[Q[item], bi[item]], want, rtol=1e-8, atol=1e-10)
    # the user half-step: fold_in of an existing user is that solve with the final items
    for user in range(0, data.n_users, 7):
        sel = data.users == user
        m = int(sel.sum())
        Z = np.hstack([Q[data.items[sel]], np.ones((m, 1))])
        t = data.values[sel] - mu - bi[data.items[sel]]
        want = ridge_solve(Z, t, np.r_[np.full(k, reg * m), reg_b * m])
        model.fold_in(data.user_ids[user], data.item_ids[data.items[sel]], data.values[sel])
        np.testing.assert_allclose(np.r_[model.user_factors_[user], model.user_bias_[user]], want,
                                   rtol=1e-8, atol=1e-10)


def test_als_converges_to_a_certified_stationary_point(data):
    model = MatrixFactorization(factors=3, epochs=500, solver="als", regularization=0.05, tol=1e-6,
                                random_state=0).fit(data)
    res = model.result_
    assert res.certificate < 1e-6
    assert res.success and res.status == Status.CONVERGED
    assert res.n_iter < 500
    # at a stationary point the users are also (nearly) their exact ridge solves
    mu, Q, bi, k = data.values.mean(), model.item_factors_, model.item_bias_, 3
    for user in range(data.n_users):
        sel = data.users == user
        m = int(sel.sum())
        Z = np.hstack([Q[data.items[sel]], np.ones((m, 1))])
        want = ridge_solve(Z, data.values[sel] - mu - bi[data.items[sel]], np.full(k + 1, 0.05 * m))
        np.testing.assert_allclose(np.r_[model.user_factors_[user], model.user_bias_[user]], want,
                                   atol=1e-4)


def test_sgd_learns_planted_low_rank_matrix():
    data, full = planted(seed=5, n_users=60, n_items=50, rank=2, density=0.7, noise=0.05)
    rng = np.random.default_rng(0)
    test = rng.random(data.nnz) < 0.2
    train, held = data.subset(~test), data.subset(test)
    model = MatrixFactorization(factors=4, epochs=120, learning_rate=0.03, regularization=0.01,
                                random_state=0).fit(train)
    pred = model.predict(held.user_ids[held.users], held.item_ids[held.items])
    base = rmse(held.values, np.full(held.nnz, train.values.mean()))
    got = rmse(held.values, pred)
    assert got < 0.2 * base, (got, base)
    # and close to the noiseless planted matrix on the held-out pairs
    rows = np.array([int(x[1:]) for x in held.user_ids[held.users]])
    cols = np.array([int(x[1:]) for x in held.item_ids[held.items]])
    assert rmse(full[rows, cols], pred) < 0.1
    # and the loss went down over the epochs
    hist = model.result_.history.fun
    assert hist[-1] < 0.2 * hist[0]


@pytest.mark.parametrize("solver", ["sgd", "als"])
def test_reproducible_with_random_state(data, solver):
    a = MatrixFactorization(factors=3, epochs=4, solver=solver, random_state=7).fit(data)
    b = MatrixFactorization(factors=3, epochs=4, solver=solver, random_state=7).fit(data)
    np.testing.assert_array_equal(a.user_factors_, b.user_factors_)
    np.testing.assert_array_equal(a.item_factors_, b.item_factors_)
    np.testing.assert_array_equal(a.user_bias_, b.user_bias_)
    c = MatrixFactorization(factors=3, epochs=4, solver=solver, random_state=8).fit(data)
    assert not np.allclose(a.item_factors_, c.item_factors_)


def test_predict_raw_ids_unknown_and_clip(data):
    model = MatrixFactorization(factors=3, epochs=3, random_state=0, clip=False).fit(data)
    u, i = data.users[:10], data.items[:10]
    want = (model.global_mean_ + model.user_bias_[u] + model.item_bias_[i]
            + np.sum(model.user_factors_[u] * model.item_factors_[i], 1))
    np.testing.assert_allclose(model.predict(data.user_ids[u], data.item_ids[i]), want, rtol=1e-12)
    np.testing.assert_allclose(model.score(data.user_ids[u], data.item_ids[i]), want, rtol=1e-12)
    # one user, many items
    np.testing.assert_allclose(model.predict("u00", ["i00", "i01"]),
                               model.predict(["u00", "u00"], ["i00", "i01"]), rtol=1e-14)
    # unknown ids: baseline predictions
    mu, bu, bi = model.global_mean_, model.user_bias_, model.item_bias_
    uidx = list(data.user_ids).index("u03")
    iidx = list(data.item_ids).index("i05")
    got = model.predict(["u03", "nobody", "nobody"], ["zzz", "i05", "zzz"])
    np.testing.assert_allclose(got, [mu + bu[uidx], mu + bi[iidx], mu], rtol=1e-12)
    with pytest.raises(ValueError, match="Unknown user"):
        model.predict(["nobody"], ["i05"], unknown="error")
    with pytest.raises(ValueError, match="Unknown item"):
        model.predict(["u03"], ["zzz"], unknown="error")
    with pytest.raises(ValueError, match="unknown must be"):
        model.predict(["u03"], ["i05"], unknown="zero")
    with pytest.raises(ValueError, match="same length"):
        model.predict(["u03", "u04"], ["i05", "i06", "i07"])


def test_clip_to_training_range():
    df = pd.DataFrame({"u": [0, 0, 1, 1, 2], "i": [0, 1, 0, 1, 2], "r": [1.0, 5.0, 5.0, 1.0, 3.0]})
    data = Interactions.from_frame(df, user="u", item="i", rating="r")
    model = MatrixFactorization(factors=2, epochs=2, random_state=0).fit(data)
    # push the vectors so that unclipped predictions leave [1, 5]
    model.user_factors_[:] = 10.0
    model.item_factors_[:] = 10.0
    assert np.all(model.predict([0, 1, 2], [0, 1, 2]) == 5.0)
    model.item_factors_[:] = -10.0
    assert np.all(model.predict([0, 1, 2], [0, 1, 2]) == 1.0)
    assert np.all(model.score(0, [0, 1, 2]) == 1.0)
    model.clip = False
    assert np.all(model.predict([0, 1, 2], [0, 1, 2]) < 1.0)


def test_fold_in_is_the_user_ridge_solve_and_recommend_excludes(data):
    reg, reg_b = 0.05, 0.1
    model = MatrixFactorization(factors=3, epochs=4, solver="als", regularization=reg,
                                bias_regularization=reg_b, random_state=0).fit(data)
    items = ["i03", "i10", "i17", "i22", "i30"]
    values = [4.0, 2.5, 3.0, 5.0, 1.0]
    n_before = len(model.user_ids_)
    model.fold_in("newbie", items, values)
    assert len(model.user_ids_) == n_before + 1 and model.user_ids_[-1] == "newbie"
    cols = [list(model.item_ids_).index(x) for x in items]
    Q, bi = model.item_factors_[cols], model.item_bias_[cols]
    Z = np.hstack([Q, np.ones((5, 1))])
    want = ridge_solve(Z, np.asarray(values) - model.global_mean_ - bi, np.r_[np.full(3, reg * 5), reg_b * 5])
    np.testing.assert_allclose(np.r_[model.user_factors_[-1], model.user_bias_[-1]], want, rtol=1e-10)
    rec = model.recommend("newbie", k=data.n_items)
    got = [x for x in rec if x is not None]
    assert len(got) == data.n_items - 5 and not set(items) & set(got)
    assert set(model.recommend("newbie", k=data.n_items, exclude_seen=False)) == set(data.item_ids)
    # ratings are required
    with pytest.raises(ValueError, match="values"):
        model.fold_in("other", items)


def test_history_and_validation_rmse(data):
    rng = np.random.default_rng(1)
    test = rng.random(data.nnz) < 0.2
    train, held = data.subset(~test), data.subset(test)
    model = MatrixFactorization(factors=3, epochs=6, random_state=0).fit(train, validation=held)
    hist = model.result_.history
    assert len(hist) == 7
    np.testing.assert_array_equal(hist.iteration, np.arange(7))
    assert set(hist.metrics) == {"val_rmse", "val_mae"}
    assert hist.metrics["val_rmse"].shape == (7,)
    # validation keeps the pairs whose user and item are known to the training data
    known = np.isin(held.users, np.unique(train.users)) & np.isin(held.items, np.unique(train.items))
    pred = model.predict(held.user_ids[held.users[known]], held.item_ids[held.items[known]])
    assert hist.metrics["val_rmse"][-1] == pytest.approx(rmse(held.values[known], pred), rel=1e-12)
    assert hist.metrics["val_mae"][-1] == pytest.approx(
        np.mean(np.abs(held.values[known] - pred)), rel=1e-12)


def test_callback_stop_iteration_stops_after_that_epoch(data):
    seen = []

    def cb(res):
        seen.append(res.n_iter)
        if res.n_iter == 3:
            raise StopIteration

    model = MatrixFactorization(factors=3, epochs=10, random_state=0).fit(data, callback=cb)
    assert seen == [1, 2, 3]
    assert model.result_.status == Status.CALLBACK == 3
    assert model.result_.n_iter == 3
    assert len(model.result_.history) == 4
    assert not model.result_.success


def test_errors(data):
    implicit = Interactions.from_frame(pd.DataFrame({"u": [0, 1], "i": [0, 1]}), user="u", item="i")
    with pytest.raises(ValueError, match="explicit ratings"):
        MatrixFactorization().fit(implicit)
    with pytest.raises(TypeError, match="Interactions"):
        MatrixFactorization().fit(pd.DataFrame({"u": [0], "i": [0], "r": [1.0]}))
    with pytest.raises(RuntimeError, match="not fitted"):
        MatrixFactorization().predict([0], [0])
    with pytest.raises(RuntimeError, match="not fitted"):
        MatrixFactorization().recommend(0)
    with pytest.raises(ValueError, match="factors"):
        MatrixFactorization(factors=0).fit(data)
    with pytest.raises(ValueError, match="solver"):
        MatrixFactorization(solver="x").fit(data)
    with pytest.raises(ValueError, match="learning_rate"):
        MatrixFactorization(learning_rate=0.0).fit(data)
    with pytest.raises(ValueError, match="regularization"):
        MatrixFactorization(regularization=-1.0).fit(data)
    with pytest.raises(TypeError, match="callback"):
        MatrixFactorization(epochs=1).fit(data, callback=3)
    # a failed fit leaves the model unfitted
    model = MatrixFactorization(factors=0)
    with pytest.raises(ValueError):
        model.fit(data)
    assert not hasattr(model, "result_")


def test_divergent_sgd_reports_numerical_failure(data):
    model = MatrixFactorization(factors=3, epochs=50, learning_rate=5.0, init_std=1.0,
                                random_state=0)
    with np.errstate(all="ignore"):
        model.fit(data)
    assert model.result_.status == Status.NUMERICAL
    assert not model.result_.success


def test_repr_and_explicit_flag():
    assert "factors=5" in repr(MatrixFactorization(factors=5))
    assert MatrixFactorization.explicit and not Popularity.explicit


def test_time_limit_and_immediate_convergence(data):
    model = MatrixFactorization(factors=3, epochs=1000, time_limit=1e-9, random_state=0).fit(data)
    assert model.result_.status == Status.TIME_LIMIT
    assert model.result_.n_iter <= 1
    done = MatrixFactorization(factors=3, epochs=5, tol=1e6, random_state=0).fit(data)
    assert done.result_.status == Status.CONVERGED and done.result_.n_iter == 0 and done.result_.success


def test_refit_on_other_data_forgets_the_first(data):
    other = planted(seed=9, n_users=12, n_items=15)[0]
    model = MatrixFactorization(factors=3, epochs=3, random_state=0).fit(data)
    model.fold_in("newbie", ["i01"], [4.0])
    model.fit(other)
    fresh = MatrixFactorization(factors=3, epochs=3, random_state=0).fit(other)
    np.testing.assert_array_equal(model.user_factors_, fresh.user_factors_)
    assert list(model.user_ids_) == list(other.user_ids)
    with pytest.raises(ValueError, match="fold_in"):
        model.recommend("newbie")


def test_default_regularization_depends_on_the_solver():
    from optimlab.recommend.mf import DEFAULT_REGULARIZATION

    rng = np.random.default_rng(3)
    df = pd.DataFrame({"u": rng.integers(0, 20, 300), "i": rng.integers(0, 25, 300),
                       "r": rng.integers(1, 6, 300).astype(float)}).drop_duplicates(["u", "i"])
    data = Interactions.from_frame(df, user="u", item="i", rating="r")
    for solver in ("sgd", "als"):
        default = MatrixFactorization(solver=solver, epochs=3, random_state=0).fit(data)
        explicit = MatrixFactorization(solver=solver, epochs=3, random_state=0,
                                       regularization=DEFAULT_REGULARIZATION[solver]).fit(data)
        np.testing.assert_array_equal(default.user_factors_, explicit.user_factors_)
    assert DEFAULT_REGULARIZATION == {"sgd": 0.08, "als": 0.12}
    with pytest.raises(TypeError, match="regularization"):
        BPR(regularization=None).fit(Interactions.from_frame(df, user="u", item="i"))
