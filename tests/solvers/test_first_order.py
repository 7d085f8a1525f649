"""First-order solvers against reference optima, their contracts, and the transformations they share."""

import time

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize

from optimlab import ConvergenceWarning, Status, UnsupportedProblemError
from optimlab.objectives import L1, L2, Objective
from optimlab.objectives.objective import BaseObjective
from optimlab.solvers import _transforms as tx
from optimlab.solvers import first_order as fo

DATAFITS = ["squared", "logistic", "multinomial"]
DETERMINISTIC = ["gd", "momentum", "nesterov"]
STOCHASTIC = ["sgd", "adagrad", "rmsprop", "adam", "adamw"]

# Full-batch settings under which each stochastic method reaches 1e-6 relative suboptimality.
FULL_BATCH = {
    "sgd": {},
    "adagrad": {"schedule": "constant", "learning_rate": 1.0, "max_iter": 2000},
    "rmsprop": {"schedule": "cosine", "learning_rate": 0.01, "max_iter": 2000},
    "adam": {"schedule": "constant", "learning_rate": 0.01, "max_iter": 3000},
    "adamw": {"schedule": "constant", "learning_rate": 0.01, "max_iter": 3000, "weight_decay": 0.0},
}


def _problem(datafit, sparse=False, alpha=0.01, n=200, p=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    z = X @ rng.standard_normal(p)
    if datafit == "squared":
        y = z + 0.5 * rng.standard_normal(n)
    elif datafit == "logistic":
        y = (z + rng.standard_normal(n) > 0).astype(int)
    else:
        y = np.argmax(np.column_stack([z, -z, 0.5 * z]) + rng.gumbel(size=(n, 3)), axis=1)
    if sparse:
        X[rng.random(X.shape) < 0.5] = 0.0
        X = sp.csr_matrix(X)
    return Objective(X, y, datafit=datafit, penalty=L2(alpha))


_REFERENCE = {}


def _fstar(obj):
    key = id(obj)
    if key not in _REFERENCE:
        ref = minimize(obj.value_and_grad, obj.default_x0(), jac=True, method="L-BFGS-B",
                       options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10_000})
        _REFERENCE[key] = ref.fun
    return _REFERENCE[key]


@pytest.fixture(scope="module")
def problems():
    return {(d, s): _problem(d, s) for d in DATAFITS for s in (False, True)}


def _rel(obj, res):
    fstar = _fstar(obj)
    return (res.fun - fstar) / abs(fstar)


class Quadratic(BaseObjective):
    """A user function without Lipschitz constant or mini-batches: 0.5 x'Ax - b'x."""

    capabilities = frozenset({"gradient"})

    def __init__(self, A, b):
        super().__init__()
        self.A, self.b, self.size = A, b, b.size

    def smooth_value_and_grad(self, x):
        self.n_fev += 1
        Ax = self.A @ x
        return 0.5 * x @ Ax - self.b @ x, Ax - self.b

    def certificate(self, x, grad=None):
        return float(np.linalg.norm(self.smooth_value_and_grad(x)[1] if grad is None else grad))


def _quadratic():
    rng = np.random.default_rng(1)
    Q = rng.standard_normal((5, 5))
    return Quadratic(Q @ Q.T + np.eye(5), rng.standard_normal(5))


# -- accuracy ----------------------------------------------------------------------------------
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("datafit", DATAFITS)
@pytest.mark.parametrize("solver", DETERMINISTIC)
def test_deterministic_reach_reference(problems, solver, datafit, sparse):
    obj = problems[datafit, sparse]
    res = getattr(fo, solver)(obj, tol=1e-8)
    assert res.success and res.status == Status.CONVERGED
    assert res.certificate <= res.tol
    assert _rel(obj, res) <= 1e-6
    assert res.solver == solver and len(res.history) == res.n_iter + 1


@pytest.mark.parametrize("solver", DETERMINISTIC + STOCHASTIC)
def test_user_function_without_lipschitz(solver):
    obj = _quadratic()
    options = FULL_BATCH.get(solver, {})
    res = getattr(fo, solver)(obj, tol=1e-7, **{"max_iter": 5000, **options})
    assert res.success
    np.testing.assert_allclose(res.x, np.linalg.solve(obj.A, obj.b), atol=1e-6)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("datafit", DATAFITS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_stochastic_full_batch_reach_reference(problems, solver, datafit, sparse):
    obj = problems[datafit, sparse]
    res = getattr(fo, solver)(obj, batch_size=None, tol=1e-8, **FULL_BATCH[solver])
    assert _rel(obj, res) <= 1e-6
    assert len(res.history) == res.n_iter + 1


@pytest.mark.filterwarnings("ignore::optimlab.ConvergenceWarning")
def test_adamw_weight_decay_is_a_small_bias(problems):
    """Decoupled decay moves AdamW's fixed point only slightly while ||x||_inf << 1/weight_decay."""
    obj = problems["logistic", False]
    res = fo.adamw(obj, batch_size=None, schedule="constant", learning_rate=0.01, beta2=0.99,
                   max_iter=3000, tol=1e-8)
    assert _rel(obj, res) <= 1e-6


@pytest.mark.filterwarnings("ignore::optimlab.ConvergenceWarning")
@pytest.mark.parametrize("datafit", DATAFITS)
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_stochastic_minibatch_defaults_reach_loose_tolerance(problems, solver, datafit):
    obj = problems[datafit, False]
    res = getattr(fo, solver)(obj, random_state=0)
    assert _rel(obj, res) <= 1e-3
    assert res.n_iter == 1000 and len(res.history) == 1001


@pytest.mark.filterwarnings("ignore::optimlab.ConvergenceWarning")
def test_minibatch_sparse(problems):
    obj = problems["logistic", True]
    res = fo.adam(obj, random_state=0, max_iter=100)
    assert _rel(obj, res) <= 1e-3


@pytest.mark.filterwarnings("ignore::optimlab.ConvergenceWarning")
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_same_seed_same_result(problems, solver):
    obj = problems["logistic", False]
    run = getattr(fo, solver)
    a, b = run(obj, random_state=3, max_iter=5), run(obj, random_state=3, max_iter=5)
    c = run(obj, random_state=4, max_iter=5)
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, c.x)


@pytest.mark.filterwarnings("ignore::optimlab.ConvergenceWarning")
def test_sgd_single_rows_stable(problems):
    """The default rate 1/L(b) accounts for the noise of one-row batches, where 1/L diverges."""
    obj = problems["squared", False]
    res = fo.sgd(obj, batch_size=1, random_state=0, max_iter=20)
    assert _rel(obj, res) <= 1e-3


@pytest.mark.filterwarnings("ignore::optimlab.ConvergenceWarning")
def test_sgd_momentum_and_nesterov(problems):
    obj = problems["logistic", False]
    for nest in (False, True):
        res = fo.sgd(obj, momentum=0.9, nesterov=nest, random_state=0, max_iter=100)
        assert _rel(obj, res) <= 1e-3
    res = fo.rmsprop(obj, momentum=0.5, random_state=0, max_iter=100)
    assert _rel(obj, res) <= 1e-3


def test_adamw_without_decay_is_adam(problems):
    obj = problems["squared", False]
    with pytest.warns(ConvergenceWarning):
        a = fo.adam(obj, random_state=0, max_iter=3)
    with pytest.warns(ConvergenceWarning):
        b = fo.adamw(obj, random_state=0, max_iter=3, weight_decay=0.0)
    np.testing.assert_array_equal(a.x, b.x)


def test_callable_schedule(problems):
    from optimlab.solvers.schedules import make_schedule

    obj = problems["squared", False]
    res = fo.sgd(obj, batch_size=None, schedule=make_schedule("step", 0.5, n_steps=100, step_size=50),
                 tol=1e-8, max_iter=100)
    assert res.success
    with pytest.raises(ValueError, match="learning_rate must be None"):
        fo.sgd(obj, schedule=lambda t: 0.1, learning_rate=0.1)


# -- contracts ---------------------------------------------------------------------------------
@pytest.mark.parametrize("solver", ["gd", "adam", "nesterov", "sgd"])
def test_l1_is_refused_naming_capable_solvers(solver):
    rng = np.random.default_rng(0)
    obj = Objective(rng.standard_normal((20, 3)), rng.standard_normal(20), penalty=L1(0.1))
    with pytest.raises(UnsupportedProblemError, match="fista"):
        getattr(fo, solver)(obj)


@pytest.mark.parametrize("solver", DETERMINISTIC + STOCHASTIC)
def test_callback_stop_iteration(problems, solver):
    obj = problems["logistic", False]
    seen = []

    def callback(res):
        seen.append(res.n_iter)
        if res.n_iter == 2:
            raise StopIteration

    res = getattr(fo, solver)(obj, callback=callback, tol=1e-14)
    assert res.status == Status.CALLBACK and res.n_iter == 2 and seen == [1, 2]
    assert len(res.history) == 3


@pytest.mark.parametrize("solver", DETERMINISTIC + STOCHASTIC)
def test_max_iter_warns(problems, solver):
    obj = problems["multinomial", False]
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        res = getattr(fo, solver)(obj, max_iter=2, tol=1e-12)
    assert not res.success and res.status == Status.MAX_ITER
    assert res.n_iter == 2 and len(res.history) == 3
    assert np.all(np.diff(res.history.iteration) == 1)


@pytest.mark.parametrize("solver", ["gd", "adam"])
def test_time_limit(problems, solver):
    obj = problems["multinomial", True]
    with pytest.warns(ConvergenceWarning):
        # A slow callback (5 ms an iteration) makes the limit come before any precision limit.
        res = getattr(fo, solver)(obj, tol=0.0, max_iter=10**6, time_limit=0.2,
                                  callback=lambda r: time.sleep(0.005))
    assert res.status == Status.TIME_LIMIT
    assert 0.2 <= res.time < 2.0


# The objective's certificate overflows on the way to infinity, before the iterate does.
@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_divergence_is_numerical(problems):
    obj = problems["squared", False]
    with pytest.warns(ConvergenceWarning):
        res = fo.sgd(obj, batch_size=None, schedule="constant", learning_rate=1e6, max_iter=2000)
    assert res.status == Status.NUMERICAL and np.all(np.isfinite(res.x))


def test_start_at_optimum(problems):
    obj = problems["squared", False]
    x = fo.gd(obj, tol=1e-10).x
    res = fo.momentum(obj, x0=x, tol=1e-6)
    assert res.n_iter == 0 and res.success


@pytest.mark.parametrize(
    ("solver", "options", "error", "match"),
    [
        ("gd", {"learning_rate": -1.0}, ValueError, "learning_rate"),
        ("momentum", {"momentum": 1.0}, ValueError, "momentum"),
        ("nesterov", {"restart": "yes"}, TypeError, "restart"),
        ("sgd", {"batch_size": 0}, ValueError, "batch_size"),
        ("sgd", {"batch_size": 2.5}, TypeError, "batch_size"),
        ("sgd", {"nesterov": 1}, TypeError, "nesterov"),
        ("adam", {"beta1": 1.0}, ValueError, "beta1"),
        ("adam", {"beta2": -0.1}, ValueError, "beta2"),
        ("rmsprop", {"eps": 0.0}, ValueError, "eps"),
        ("adamw", {"weight_decay": -1.0}, ValueError, "weight_decay"),
        ("adagrad", {"schedule": "linear"}, ValueError, "cosine"),
        ("adam", {"random_state": "seed"}, TypeError, "random_state"),
        ("adam", {"tol": -1.0}, ValueError, "tol"),
    ],
)
def test_bad_options(problems, solver, options, error, match):
    with pytest.raises(error, match=match):
        getattr(fo, solver)(problems["squared", False], **options)


def test_batch_size_at_least_n_is_full_batch(problems):
    obj = problems["logistic", False]
    a = fo.adam(obj, batch_size=None, tol=1e-8, **FULL_BATCH["adam"])
    b = fo.adam(obj, batch_size=10_000, tol=1e-8, **FULL_BATCH["adam"])
    np.testing.assert_array_equal(a.x, b.x)


def test_registry_declares_the_solvers():
    from optimlab.solvers._registry import available_solvers

    specs = available_solvers()
    for name in DETERMINISTIC + STOCHASTIC:
        assert specs[name].requires == frozenset({"gradient"}) and specs[name].handles == frozenset()
        assert specs[name].stochastic == (name in STOCHASTIC)
    for name in STOCHASTIC:
        assert {"random_state", "batch_size", "learning_rate", "schedule"} <= set(specs[name].options)


# -- transformations ---------------------------------------------------------------------------
def _run(transform, grads, x):
    state = transform.init(x)
    out = []
    for g in grads:
        d, state = transform.update(g, state, x)
        out.append(d)
    return out, state


def test_scale_by_adam_matches_hand_written():
    rng = np.random.default_rng(0)
    grads, x = rng.standard_normal((4, 3)), rng.standard_normal(3)
    b1, b2, eps = 0.8, 0.95, 1e-6
    m = v = np.zeros(3)
    expected = []
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        expected.append((m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps))
    got, state = _run(tx.scale_by_adam(b1, b2, eps), grads, x)
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    assert isinstance(state, tx.AdamState) and state.count == 4
    # first step of Adam is the sign of the gradient, whatever its scale
    np.testing.assert_allclose(got[0], np.sign(grads[0]), rtol=1e-5)


def test_momentum_rms_adagrad_match_hand_written():
    rng = np.random.default_rng(1)
    grads, x = rng.standard_normal((4, 3)), rng.standard_normal(3)
    v, nu, G = np.zeros(3), np.zeros(3), np.zeros(3)
    heavy, nest, rms, ada = [], [], [], []
    for g in grads:
        v = 0.9 * v + g
        heavy.append(v)
        nest.append(g + 0.9 * v)
        nu = 0.9 * nu + 0.1 * g**2
        rms.append(g / (np.sqrt(nu) + 1e-8))
        G = G + g**2
        ada.append(g / (np.sqrt(G) + 1e-10))
    np.testing.assert_allclose(_run(tx.scale_by_momentum(0.9), grads, x)[0], heavy, rtol=1e-14)
    np.testing.assert_allclose(_run(tx.scale_by_momentum(0.9, nesterov=True), grads, x)[0], nest,
                               rtol=1e-14)
    np.testing.assert_allclose(_run(tx.scale_by_rms(0.9, 1e-8), grads, x)[0], rms, rtol=1e-14)
    np.testing.assert_allclose(_run(tx.scale_by_adagrad(1e-10), grads, x)[0], ada, rtol=1e-14)


def test_chain_and_decoupled_decay():
    rng = np.random.default_rng(2)
    grads, x = rng.standard_normal((3, 4)), rng.standard_normal(4)
    mask = np.array([True, True, True, False])
    chained, state = _run(tx.chain(tx.scale_by_adam(), tx.add_decayed_weights(0.1, mask)), grads, x)
    plain, _ = _run(tx.scale_by_adam(), grads, x)
    decay = np.where(mask, 0.1 * x, 0.0)
    np.testing.assert_allclose(np.array(chained) - np.array(plain), np.tile(decay, (3, 1)))
    assert isinstance(state, tuple) and isinstance(state[1], tx.EmptyState)


def test_transforms_are_pure():
    x, g = np.ones(3), np.arange(3.0)
    for transform in (tx.scale_by_adam(), tx.scale_by_rms(), tx.scale_by_adagrad(), tx.scale_by_momentum(),
                      tx.chain(tx.scale_by_rms(), tx.scale_by_momentum(0.5))):
        state = transform.init(x)
        before = [np.array(leaf, copy=True) for leaf in _leaves(state)]
        _, new_state = transform.update(g, state, x)
        for old, leaf in zip(before, _leaves(state), strict=True):
            np.testing.assert_array_equal(old, leaf)
        assert type(new_state) is type(state)
        np.testing.assert_array_equal(g, np.arange(3.0))
        np.testing.assert_array_equal(x, np.ones(3))


def _leaves(state):
    if isinstance(state, np.ndarray):
        return [state]
    if isinstance(state, tuple):
        return [leaf for item in state for leaf in _leaves(item)]
    return []
