"""Shared problems for the allocation tests."""

import copy

import pytest

# Hillier & Lieberman's Wyndor Glass: max 3 doors + 5 windows; optimum (2, 6), profit 36,
# shadow prices 0, 1.5, 1 for plants 1, 2, 3.
_WYNDOR = {
    "kind": "production",
    "name": "Wyndor",
    "products": [{"name": "doors", "profit": 3}, {"name": "windows", "profit": 5}],
    "resources": [
        {"name": "plant 1", "capacity": 4, "unit": "hour"},
        {"name": "plant 2", "capacity": 12, "unit": "hour"},
        {"name": "plant 3", "capacity": 18, "unit": "hour"},
    ],
    "usage": [
        {"product": "doors", "plant 1": 1, "plant 3": 3},
        {"product": "windows", "plant 2": 2, "plant 3": 2},
    ],
}


@pytest.fixture
def wyndor() -> dict:
    """A fresh copy of the Wyndor Glass product-mix problem (tests may change it)."""
    return copy.deepcopy(_WYNDOR)
