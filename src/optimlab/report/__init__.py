"""Reports: terminal tables and plots of what the solvers found."""

from optimlab.report.plots import convergence_plot
from optimlab.report.tables import comparison_table, format_value, save_table

__all__ = ["comparison_table", "convergence_plot", "format_value", "save_table"]
