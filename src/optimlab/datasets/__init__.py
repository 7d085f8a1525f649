"""Datasets: loaders for user files (CSV, LIBSVM/svmlight) and small built-in datasets."""

from optimlab.datasets.loaders import (
    BUILTIN_DATASETS,
    DataError,
    Table,
    check_target,
    infer_task,
    load_builtin,
    load_table,
)

__all__ = [
    "BUILTIN_DATASETS",
    "DataError",
    "Table",
    "check_target",
    "infer_task",
    "load_builtin",
    "load_table",
]
