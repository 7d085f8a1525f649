"""``optimlab solvers``: the solver registry as a table."""

from rich.console import Console
from rich.table import Table

from optimlab.solvers import available_solvers


def main() -> None:
    """List the solvers, what each needs from an objective and which problems it handles."""
    table = Table(title="optimlab solvers")
    for column in ("solver", "needs", "handles", "stochastic", "summary"):
        table.add_column(column)
    for name, spec in sorted(available_solvers().items()):
        table.add_row(
            name,
            ", ".join(sorted(spec.requires)),
            ", ".join(sorted(spec.handles)) or "smooth only",
            "yes" if spec.stochastic else "no",
            spec.summary,
        )
    Console().print(table)
