"""Entry point of the ``optimlab`` command."""

import typer

from optimlab import __version__
from optimlab.cli import allocate as allocate_cmd
from optimlab.cli import compare as compare_cmd
from optimlab.cli import recommend as recommend_cmd
from optimlab.cli import select as select_cmd
from optimlab.cli import solve as solve_cmd
from optimlab.cli import solvers as solvers_cmd
from optimlab.cli import tune as tune_cmd

app = typer.Typer(
    name="optimlab",
    help="Optimization for machine learning, with certificates of optimality.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("solvers")(solvers_cmd.main)
app.command("compare")(compare_cmd.main)
app.command("select")(select_cmd.main)
app.command("tune")(tune_cmd.main)
app.command("solve")(solve_cmd.main)
app.command("allocate")(allocate_cmd.main)
app.add_typer(recommend_cmd.app, name="recommend")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"optimlab {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Optimization for machine learning, with certificates of optimality."""
