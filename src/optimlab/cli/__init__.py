"""The ``optimlab`` command line (typer); one module per subcommand."""
