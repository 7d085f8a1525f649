"""Modeling-layer benchmark: build + solve a transportation LP in optimlab's ``Model`` and in the anchors.

Problem (the same data for every layer, generated from ``--seed``): ``S`` sources and ``D``
destinations, ``S x D`` arcs, ``min sum_ij cost_ij x_ij`` s.t. ``sum_j x_ij <= supply_i``,
``sum_i x_ij >= demand_j``, ``x >= 0``, with costs uniform in [1, 100], supplies uniform in
[50, 150] and demands summing to 90% of the supply.

Layers, each run in its own child process (two HiGHS builds in one process crash), all solving
with HiGHS through highspy:

- ``highs-raw``: the constraint matrix built with NumPy/SciPy (CSC) and handed to ``Highs.passModel``;
  the floor every layer is measured against;
- ``optimlab``: ``Model.add_variables``, ``x.sum(axis=1) <= supply``, ``(cost * x).sum()``, ``solve``
  (includes our certificate: residuals and duality gap recomputed from the solution);
- ``highspy``: highspy's own modeling API (``addVariables(..., out_array=True)``, ``addConstrs``);
- ``linopy``, ``cvxpy``, ``pulp``, ``pyomo``: where installed (``pip install 'optimlab[bench]'``).

Time = wall time from the data in NumPy arrays to the optimal values back in a NumPy array, in
the child process (imports excluded); ``solver`` = HiGHS's own run time where the layer exposes
it; ``build`` = time - solver. Layers run round-robin, ``--repeats`` times; medians are printed
with the ratio to ``highs-raw`` (the target: optimlab at most 1.2x at 1000 x 1000 and faster than
every other layer). Every layer's objective is checked against the raw one (1e-6 relative).

Run: ``python benchmarks/programming.py`` (defaults: sizes 200 and 1000, 3 repeats).

``--maros-meszaros``: every Maros-Meszaros QP in ``../shared/data/mathprog`` with each QP backend
and ``auto``, one child process per solve with a 60 s limit (``--time-limit``); counts the problems
solved to 1e-6 relative of ``reference_optimum`` per backend (the target: ``auto`` solves at least
as many as the best single backend). ``--testsets``: all Netlib LPs and the easy MIPLIB 3 tier
through our reader and ``auto`` (``mip_gap = 1e-9``), against ``reference_optimum``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

LAYERS = ("highs-raw", "optimlab", "highspy", "linopy", "cvxpy", "pulp", "pyomo")
PACKAGES = {"highs-raw": "highspy", "optimlab": "optimlab", "highspy": "highspy", "linopy": "linopy",
            "cvxpy": "cvxpy", "pulp": "pulp", "pyomo": "pyomo"}


def make_data(S: int, D: int, seed: int):
    rng = np.random.default_rng(seed)
    cost = rng.uniform(1.0, 100.0, (S, D))
    supply = rng.uniform(50.0, 150.0, S)
    demand = rng.uniform(0.0, 1.0, D)
    demand *= 0.9 * supply.sum() / demand.sum()
    return cost, supply, demand


# ----------------------------------------------------------------------------- layers (child side)
def run_highs_raw(cost, supply, demand):
    import highspy
    import scipy.sparse as sp

    start = time.perf_counter()
    S, D = cost.shape
    n = S * D
    cols = np.arange(n)
    rows = np.concatenate([cols // D, S + cols % D])
    A = sp.csc_matrix((np.ones(2 * n), (rows, np.concatenate([cols, cols]))), shape=(S + D, n))
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, S + D
    lp.col_cost_ = cost.ravel()
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.full(n, inf)
    lp.row_lower_ = np.concatenate([np.full(S, -inf), demand])
    lp.row_upper_ = np.concatenate([supply, np.full(D, inf)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr
    lp.a_matrix_.index_ = A.indices
    lp.a_matrix_.value_ = A.data
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    t0 = time.perf_counter()
    h.run()
    solver = time.perf_counter() - t0
    x = np.asarray(h.getSolution().col_value).reshape(S, D)
    total = time.perf_counter() - start
    return total, solver, float(h.getInfo().objective_function_value), x


def run_optimlab(cost, supply, demand):
    from optimlab.programming import Model

    start = time.perf_counter()
    m = Model()
    x = m.add_variables(cost.shape, lb=0.0, name="x")
    m.add_constraints(x.sum(axis=1) <= supply, name="supply")
    m.add_constraints(x.sum(axis=0) >= demand, name="demand")
    m.minimize((cost * x).sum())
    sol = m.solve(backend="highs")
    values = sol["x"]
    total = time.perf_counter() - start
    return total, sol.time, float(sol.objective), values


def run_highspy(cost, supply, demand):
    import highspy

    start = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    S, D = cost.shape
    x = h.addVariables(S, D, out_array=True)
    h.addConstrs(x.sum(axis=1) <= supply)
    h.addConstrs(x.sum(axis=0) >= demand)
    objective = (x * cost).sum()
    t0 = time.perf_counter()
    h.minimize(objective)
    solver = time.perf_counter() - t0
    values = np.asarray(h.getSolution().col_value).reshape(S, D)
    total = time.perf_counter() - start
    return total, solver, float(h.getInfo().objective_function_value), values


def run_linopy(cost, supply, demand):
    import linopy
    import xarray as xr

    start = time.perf_counter()
    S, D = cost.shape
    m = linopy.Model()
    coords = [np.arange(S), np.arange(D)]
    x = m.add_variables(lower=0.0, coords=coords, dims=["i", "j"], name="x")
    m.add_constraints(x.sum("j") <= xr.DataArray(supply, coords=[coords[0]], dims=["i"]), name="supply")
    m.add_constraints(x.sum("i") >= xr.DataArray(demand, coords=[coords[1]], dims=["j"]), name="demand")
    m.add_objective((xr.DataArray(cost, coords=coords, dims=["i", "j"]) * x).sum())
    m.solve(solver_name="highs", io_api="direct", output_flag=False)
    values = x.solution.values
    total = time.perf_counter() - start
    return total, float("nan"), float(m.objective.value), values


def run_cvxpy(cost, supply, demand):
    import cvxpy as cp

    start = time.perf_counter()
    x = cp.Variable(cost.shape, nonneg=True)
    prob = cp.Problem(cp.Minimize(cp.sum(cp.multiply(cost, x))),
                      [cp.sum(x, axis=1) <= supply, cp.sum(x, axis=0) >= demand])
    prob.solve(solver=cp.HIGHS)
    values = x.value
    total = time.perf_counter() - start
    solver = prob.solver_stats.solve_time if prob.solver_stats.solve_time is not None else float("nan")
    return total, float(solver), float(prob.value), values


def run_pulp(cost, supply, demand):
    import pulp

    start = time.perf_counter()
    S, D = cost.shape
    prob = pulp.LpProblem("transport", pulp.LpMinimize)
    x = [[pulp.LpVariable(f"x_{i}_{j}", lowBound=0) for j in range(D)] for i in range(S)]
    prob += pulp.lpSum(cost[i, j] * x[i][j] for i in range(S) for j in range(D))
    for i in range(S):
        prob += pulp.lpSum(x[i]) <= supply[i]
    for j in range(D):
        prob += pulp.lpSum(x[i][j] for i in range(S)) >= demand[j]
    prob.solve(pulp.HiGHS(msg=False))
    values = np.array([[v.varValue for v in row] for row in x])
    total = time.perf_counter() - start
    return total, float("nan"), float(pulp.value(prob.objective)), values


def run_pyomo(cost, supply, demand):
    import pyomo.environ as pyo

    start = time.perf_counter()
    S, D = cost.shape
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(0, S - 1)
    m.J = pyo.RangeSet(0, D - 1)
    m.x = pyo.Var(m.I, m.J, domain=pyo.NonNegativeReals)
    m.obj = pyo.Objective(expr=sum(cost[i, j] * m.x[i, j] for i in range(S) for j in range(D)))
    m.supply = pyo.Constraint(m.I, rule=lambda m, i: sum(m.x[i, j] for j in range(D)) <= supply[i])
    m.demand = pyo.Constraint(m.J, rule=lambda m, j: sum(m.x[i, j] for i in range(S)) >= demand[j])
    pyo.SolverFactory("appsi_highs").solve(m)
    values = np.array([[pyo.value(m.x[i, j]) for j in range(D)] for i in range(S)])
    total = time.perf_counter() - start
    return total, float("nan"), float(pyo.value(m.obj)), values


RUNNERS = {"highs-raw": run_highs_raw, "optimlab": run_optimlab, "highspy": run_highspy,
           "linopy": run_linopy, "cvxpy": run_cvxpy, "pulp": run_pulp, "pyomo": run_pyomo}


MATHPROG = __import__("pathlib").Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mathprog"
QP_BACKENDS = ("auto", "piqp", "clarabel", "highs", "osqp")


def qp_worker(name: str, backends: str, time_limit: float) -> None:
    from optimlab.programming import SolveOptions, solve_problem
    from optimlab.programming.io import read_mat

    problem = read_mat(MATHPROG / "maros_meszaros" / f"{name}.mat")
    for backend in backends.split(","):
        start = time.perf_counter()
        try:
            sol = solve_problem(problem, backend=backend, options=SolveOptions(time_limit=time_limit))
            status, objective = sol.status.value, sol.objective if np.isfinite(sol.objective) else None
        except Exception as exc:  # a backend that raises counts as a failure, the run goes on
            status, objective = f"error: {exc}"[:60], None
        print(json.dumps({"backend": backend, "status": status, "objective": objective,
                          "time": time.perf_counter() - start}), flush=True)


def run_maros_meszaros(args) -> None:
    import csv

    with open(MATHPROG / "maros_meszaros_optimal_values.csv", newline="") as fh:
        refs = {r["name"]: float(r["reference_optimum"]) for r in csv.DictReader(fh)}
    names = sorted(refs) if not args.problems else args.problems
    solved = {b: set() for b in args.backends}
    times = {b: [] for b in args.backends}
    rows = []
    for name in names:
        line = [f"{name:10s}"]
        cmd = [sys.executable, __file__, "--qp-worker", name, ",".join(args.backends), str(args.time_limit)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True,
                                  timeout=(args.time_limit + 30) * len(args.backends))
            stdout = proc.stdout
        except subprocess.TimeoutExpired as exc:
            stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        results = {}
        for ln in stdout.splitlines():
            if ln.startswith("{"):
                res = json.loads(ln)
                results[res["backend"]] = res
        for backend in args.backends:
            res = results.get(backend, {"status": "crashed or killed", "objective": None, "time": None})
            obj = res.get("objective")
            rel = abs(obj - refs[name]) / max(1.0, abs(refs[name])) if obj is not None else np.inf
            ok = res["status"] == "optimal" and rel <= 1e-6
            if ok:
                solved[backend].add(name)
                times[backend].append(res["time"])
            rows.append((name, backend, res["status"], rel, res.get("time")))
            line.append(f"{backend}:{'OK' if ok else res['status'][:12]}")
        print(" ".join(line), flush=True)
    if args.out:
        with open(args.out, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["problem", "backend", "status", "rel_error", "time"])
            w.writerows(rows)
    print(f"\n== Maros-Meszaros: solved to 1e-6 relative of the reference, {len(names)} problems, "
          f"{args.time_limit:.0f} s limit")
    for backend in args.backends:
        t = times[backend]
        median = np.median(t) if t else 0.0
        print(f"{backend:9s} {len(solved[backend]):4d}   median time of the solved {median:.3f} s")
    singles = [b for b in args.backends if b != "auto"]
    if "auto" in solved and singles:
        best = max(singles, key=lambda b: len(solved[b]))
        ok = len(solved["auto"]) >= len(solved[best])
        print(f"  {'PASS' if ok else 'MISS'}  auto solves at least as many as the best single backend "
              f"({best}): {len(solved['auto'])} vs {len(solved[best])}")
    nobody = sorted(set(names) - set().union(*solved.values()))
    print(f"solved by no backend: {', '.join(nobody) if nobody else 'none'}")


def run_testsets() -> None:
    import csv

    from optimlab.programming import SolveOptions, solve_problem
    from optimlab.programming.io import read_problem

    for csv_name, options, keep in (
        ("netlib_optimal_values.csv", SolveOptions(), lambda r: True),
        ("miplib3_optimal_values.csv", SolveOptions(mip_gap=1e-9, time_limit=120),
         lambda r: r["tier"] == "easy"),
    ):
        with open(MATHPROG / csv_name, newline="") as fh:
            rows = [r for r in csv.DictReader(fh) if keep(r)]
        good, total_time, bad = 0, 0.0, []
        for r in rows:
            start = time.perf_counter()
            sol = solve_problem(read_problem(MATHPROG / r["file"]), options=options)
            total_time += time.perf_counter() - start
            ref = float(r["reference_optimum"])
            if sol.status == "optimal" and abs(sol.objective - ref) / max(1.0, abs(ref)) <= 1e-6:
                good += 1
            else:
                bad.append(f"{r['name']} ({sol.status.value}, {sol.objective:.10g} vs {ref:.10g})")
        print(f"{csv_name}: {good}/{len(rows)} to 1e-6 relative of reference_optimum, {total_time:.1f} s "
              f"(read + solve){'; not: ' + ', '.join(bad) if bad else ''}", flush=True)


def worker(layer: str, size: int, seed: int) -> None:
    cost, supply, demand = make_data(size, size, seed)
    total, solver, objective, values = RUNNERS[layer](cost, supply, demand)
    values = np.asarray(values, dtype=float)
    feasible = bool(
        values.min() >= -1e-7
        and np.all(values.sum(axis=1) <= supply + 1e-6)
        and np.all(values.sum(axis=0) >= demand - 1e-6)
    )
    print(json.dumps({"total": total, "solver": solver, "objective": objective, "feasible": feasible}))


# ----------------------------------------------------------------------------- driver
def installed(layer: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(PACKAGES[layer]) is not None


def run_child(layer: str, size: int, seed: int, timeout: float) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    cmd = [sys.executable, __file__, "--worker", layer, str(size), str(seed)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"error": f"exit {proc.returncode}: {tail[0][:200]}"}
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--layers", nargs="+", default=list(LAYERS), choices=LAYERS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=600.0, help="Seconds per child run.")
    parser.add_argument("--worker", nargs=3, metavar=("LAYER", "SIZE", "SEED"), help=argparse.SUPPRESS)
    parser.add_argument("--qp-worker", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--maros-meszaros", action="store_true", help="Run the Maros-Meszaros QP set.")
    parser.add_argument("--testsets", action="store_true", help="Run all Netlib and easy MIPLIB 3.")
    parser.add_argument("--backends", nargs="+", default=list(QP_BACKENDS))
    parser.add_argument("--problems", nargs="*", default=None)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--out", default=None, help="CSV of the Maros-Meszaros runs.")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]), int(args.worker[2]))
        return
    if args.qp_worker:
        qp_worker(args.qp_worker[0], args.qp_worker[1], float(args.qp_worker[2]))
        return
    if args.maros_meszaros:
        run_maros_meszaros(args)
        return
    if args.testsets:
        run_testsets()
        return
    import highspy

    print(f"{time.strftime('%Y-%m-%d')}  {platform.machine()}, {os.cpu_count()} CPUs, load "
          f"{os.getloadavg()[0]:.2f}; Python {platform.python_version()}, highspy "
          f"{highspy.Highs().version()}")
    layers = [layer for layer in args.layers if installed(layer)]
    missing = [layer for layer in args.layers if layer not in layers]
    if missing:
        print(f"not installed (skipped): {', '.join(missing)}")
    verdicts = []
    for size in args.sizes:
        print(f"\n== transportation {size} x {size} ({size * size:,} arcs), median of {args.repeats}")
        runs = {layer: [] for layer in layers}
        for _ in range(args.repeats):
            for layer in layers:
                runs[layer].append(run_child(layer, size, args.seed, args.timeout))
        ref = statistics.median(r["objective"] for r in runs["highs-raw"] if "error" not in r)
        raw_total = statistics.median(r["total"] for r in runs["highs-raw"] if "error" not in r)
        print(f"{'layer':<10} {'time (s)':>9} {'/raw':>6} {'solver':>8} {'build':>8}  objective check")
        medians = {}
        for layer in layers:
            ok = [r for r in runs[layer] if "error" not in r]
            if not ok:
                print(f"{layer:<10} {runs[layer][0]['error']}")
                continue
            total = statistics.median(r["total"] for r in ok)
            solver = statistics.median(r["solver"] for r in ok)
            medians[layer] = total
            rel = abs(statistics.median(r["objective"] for r in ok) - ref) / max(1.0, abs(ref))
            check = "ok" if rel <= 1e-6 and all(r["feasible"] for r in ok) else f"WRONG ({rel:.1e})"
            build = f"{total - solver:8.3f}" if np.isfinite(solver) else f"{'-':>8}"
            solver_text = f"{solver:8.3f}" if np.isfinite(solver) else f"{'-':>8}"
            print(f"{layer:<10} {total:9.3f} {total / raw_total:6.2f} {solver_text} {build}  {check}")
        if "optimlab" in medians:
            ratio = medians["optimlab"] / raw_total
            others = {k: v for k, v in medians.items() if k not in ("optimlab", "highs-raw")}
            if size >= 1000:
                verdicts.append((f"{size}x{size}: optimlab <= 1.2x raw HiGHS", ratio <= 1.2, f"{ratio:.2f}x"))
            slower = [k for k, v in others.items() if v <= medians["optimlab"]]
            verdicts.append((f"{size}x{size}: optimlab faster than every other layer", not slower,
                             "beaten by " + ", ".join(slower) if slower else
                             ", ".join(f"{k} {v / medians['optimlab']:.1f}x" for k, v in others.items())))
    print("\n== targets")
    for text, ok, detail in verdicts:
        print(f"  {'PASS' if ok else 'MISS'}  {text}: {detail}")


if __name__ == "__main__":
    main()
