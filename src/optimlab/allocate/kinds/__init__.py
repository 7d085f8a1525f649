"""One module per kind of allocation problem: its fields, its model and its commented example."""
