"""``assignment``: workers (or machines) to tasks, at the least cost or the most value (LP).

.. math::

    \\min \\text{ or } \\max \\sum_{(w,t)} c_{wt} x_{wt} \\quad \\text{s.t.} \\quad
    \\sum_t x_{wt} \\le \\text{capacity}_w, \\quad \\sum_w x_{wt} = \\text{required}_t, \\quad 0 \\le x \\le 1

The constraint matrix is that of a bipartite graph, totally unimodular, so the LP's optimal vertex is
whole: an assignment, with shadow prices for the workers' capacities and the tasks.
``one-to-one`` gives every worker at most one task; ``many-to-one`` lets a worker take up to its
``capacity`` tasks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._build import Builder, Row
from .._schema import ProblemError, choice, names, numbers, pairs, table

REQUIRED = ("workers", "tasks")
OPTIONAL = ("costs", "values", "mode")
MODES = ("one-to-one", "many-to-one")


def solve(spec: dict, *, base_dir, name: str):
    mode = choice(spec.get("mode", "one-to-one"), "assignment.mode", MODES)
    workers = table(
        spec["workers"], "assignment.workers", base_dir, required=("name",), optional=("capacity",)
    )
    tasks = table(spec["tasks"], "assignment.tasks", base_dir, required=("name",), optional=("required",))
    W = names(workers, "name", "assignment.workers")
    T = names(tasks, "name", "assignment.tasks")
    capacity = numbers(workers, "capacity", "assignment.workers", default=1.0, minimum=0.0, integer=True)
    if mode == "one-to-one" and np.any(capacity > 1):
        i = int(np.flatnonzero(capacity > 1)[0])
        raise ProblemError(
            f"assignment.workers[{i}].capacity is {capacity[i]:g}, but mode is one-to-one "
            "(one task per worker): set mode: many-to-one to give a worker several tasks."
        )
    required = numbers(tasks, "required", "assignment.tasks", default=1.0, minimum=0.0, integer=True)
    if (spec.get("costs") is None) == (spec.get("values") is None):
        raise ProblemError("assignment: give exactly one of costs (minimized) or values (maximized).")
    field = "costs" if spec.get("costs") is not None else "values"
    sense = "minimize" if field == "costs" else "maximize"
    score = pairs(
        table(spec[field], f"assignment.{field}", base_dir, extra=True),
        f"assignment.{field}",
        row_key="worker",
        col_key="task",
        value_key=field[:-1],
        row_names=W,
        col_names=T,
    )
    wi, ti = np.nonzero(np.isfinite(score))
    if wi.size == 0:
        raise ProblemError(f"assignment.{field} gives no (worker, task) pair.")

    b = Builder("assignment", name, objective_name="cost" if sense == "minimize" else "value")
    n = wi.size
    x = b.variables([f"{W[i]} -> {T[j]}" for i, j in zip(wi, ti, strict=True)], ub=1.0, name="assign")
    by_worker = sp.csr_matrix((np.ones(n), (wi, np.arange(n))), shape=(len(W), n))
    by_task = sp.csr_matrix((np.ones(n), (ti, np.arange(n))), shape=(len(T), n))
    b.constrain(
        by_worker @ x <= capacity,
        [Row(f"workers[{w}].capacity", f"tasks given to {w}", w, "task", prep="for") for w in W],
        name="capacity",
    )
    b.constrain(
        by_task @ x == required,
        [Row(f"tasks[{t}].required", f"workers on {t}", t, "worker", prep="on") for t in T],
        name="required",
    )
    c = score[wi, ti]
    (b.model.minimize if sense == "minimize" else b.model.maximize)(c @ x)
    sol = b.solve()
    if sol.x is not None and np.max(np.abs(sol.x - np.round(sol.x))) > 1e-6:
        raise RuntimeError("The assignment LP returned a fractional vertex; please report this problem.")

    def plan(sol) -> pd.DataFrame:
        keep = sol["assign"] > 0.5
        return pd.DataFrame(
            {"worker": np.asarray(W)[wi[keep]], "task": np.asarray(T)[ti[keep]], field[:-1]: c[keep]}
        )

    return b.finish(sol, plan, sense=sense, plot_column=field[:-1])


EXAMPLE = """\
# optimlab allocate: an assignment problem.
# Give each task to one worker so that the total cost is as small as possible (or, with "values"
# instead of "costs", the total value as large as possible). Solve with:  optimlab allocate assignment.yaml
kind: assignment
name: crew scheduling
mode: one-to-one             # one-to-one: at most one task per worker; many-to-one: up to its capacity

workers:                     # name (and, for many-to-one, capacity: how many tasks it can take)
  - {name: Ann}
  - {name: Bob}
  - {name: Cem}
  - {name: Dee}

tasks:                       # name (and optionally required: how many workers it needs, default 1)
  - {name: welding}
  - {name: painting}
  - {name: assembly}

# Cost of each worker on each task: one row per worker, one column per task (or long form: columns
# worker, task, cost). A missing entry means the worker cannot do that task.
costs:
  - {worker: Ann, welding: 9, painting: 2, assembly: 7}
  - {worker: Bob, welding: 6, painting: 4, assembly: 3}
  - {worker: Cem, welding: 5, painting: 8, assembly: 1}
  - {worker: Dee, welding: 7, painting: 6, assembly: 9}
"""
