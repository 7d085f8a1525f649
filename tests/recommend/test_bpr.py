"""BPR: it learns to rank (held-out AUC), its loss goes down, fits are reproducible, fold-in ranks."""

import numpy as np
import pytest

from optimlab.recommend import BPR, Interactions, per_user_split
from optimlab.result import Status


def blocks(seed=0, n_users=100, n_items=60, n_blocks=4, p_in=0.4, p_out=0.01):
    rng = np.random.default_rng(seed)
    gu = np.arange(n_users) % n_blocks
    gi = np.arange(n_items) % n_blocks
    X = (rng.random((n_users, n_items)) < np.where(gu[:, None] == gi[None, :], p_in, p_out)).astype(float)
    X[np.arange(n_users), gu] = 1.0
    return Interactions.from_matrix(X, user_ids=[f"user{u}" for u in range(n_users)]), gu, gi


def auc(model, train, test):
    """Mean over users of P(score of a held-out positive > score of an item never interacted with)."""
    S = model._scores(np.arange(train.n_users))
    seen = train.tocsr().toarray() > 0
    held = test.tocsr().toarray() > 0
    out = []
    for u in range(train.n_users):
        pos, neg = S[u, held[u]], S[u, ~(held[u] | seen[u])]
        if pos.size and neg.size:
            out.append(np.mean(pos[:, None] > neg[None, :]))
    return float(np.mean(out))


@pytest.fixture(scope="module")
def split():
    data = blocks()[0]
    return per_user_split(data, test_size=0.3, random_state=0)


def test_training_ranks_held_out_positives_first(split):
    train, test = split
    model = BPR(factors=8, epochs=30, learning_rate=0.05, regularization=0.01, random_state=0).fit(train)
    untrained = BPR(factors=8, epochs=1, learning_rate=1e-9, regularization=0.01, random_state=0).fit(train)
    assert auc(untrained, train, test) < 0.65
    assert auc(model, train, test) > 0.85
    fun = model.result_.history.fun
    assert len(fun) == 31
    assert fun[-1] < 0.5 * fun[0]
    # mostly decreasing: at least 80% of the epochs lower the monitored loss
    assert np.mean(np.diff(fun) < 0) >= 0.8
    assert model.result_.certificate_kind == "sampled_gradient_norm"
    assert np.isfinite(model.result_.certificate)


def test_reproducible(split):
    train, _ = split
    a = BPR(factors=4, epochs=3, regularization=0.01, random_state=11).fit(train)
    b = BPR(factors=4, epochs=3, regularization=0.01, random_state=11).fit(train)
    np.testing.assert_array_equal(a.user_factors_, b.user_factors_)
    np.testing.assert_array_equal(a.item_factors_, b.item_factors_)
    np.testing.assert_array_equal(a.item_bias_, b.item_bias_)
    np.testing.assert_array_equal(a.result_.history.fun, b.result_.history.fun)
    c = BPR(factors=4, epochs=3, regularization=0.01, random_state=12).fit(train)
    assert not np.allclose(a.item_factors_, c.item_factors_)


def test_fold_in_ranks_the_users_block(split):
    train, _ = split
    data, _, gi = blocks()
    model = BPR(factors=8, epochs=30, learning_rate=0.05, regularization=0.01, random_state=0).fit(train)
    block_items = np.flatnonzero(gi == 2)
    given, rest = block_items[:5], block_items[5:]
    model.fold_in("fresh", given)
    p = model.user_factors_[-1]
    assert p.shape == (8,) and np.all(np.isfinite(p))
    s = model.score("fresh", np.arange(data.n_items))
    others = np.setdiff1d(np.arange(data.n_items), block_items)
    # the rest of the block outranks the other blocks' items
    assert np.mean(s[rest][:, None] > s[others][None, :]) > 0.8
    # the fold-in vector minimizes its convex objective: the gradient vanishes there
    neg = np.setdiff1d(np.arange(data.n_items), given)
    D = (model.item_factors_[given][:, None, :] - model.item_factors_[neg][None, :, :]).reshape(-1, 8)
    off = (model.item_bias_[given][:, None] - model.item_bias_[neg][None, :]).ravel()
    x = D @ p + off
    g = -(D.T @ (1.0 / (1.0 + np.exp(x)))) / x.size + model.regularization * p
    assert np.linalg.norm(g) < 1e-6
    rec = model.recommend("fresh", k=10)
    assert not set(rec.tolist()) & set(given.tolist())


def test_callback_and_errors(split):
    train, _ = split

    def stop_at_two(res):
        if res.n_iter == 2:
            raise StopIteration

    model = BPR(factors=4, epochs=10, random_state=0).fit(train, callback=stop_at_two)
    assert model.result_.status == Status.CALLBACK and model.result_.n_iter == 2
    full = Interactions.from_matrix(np.ones((3, 4)))
    with pytest.raises(ValueError, match="not interacted"):
        BPR(epochs=1).fit(full)
    with pytest.raises(ValueError, match="learning_rate"):
        BPR(learning_rate=0).fit(train)
    with pytest.raises(ValueError, match="factors"):
        BPR(factors=0).fit(train)
