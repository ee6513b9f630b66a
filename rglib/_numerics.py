r"""Numerical helpers shared by the rglib modules (private): stable logarithms of hyperbolic functions.

All functions act elementwise on float64 arrays and stay finite (or exactly ``-inf``) for any real input.
"""
from __future__ import annotations

import numpy as np

LN2 = float(np.log(2.0))


def scalar_or_array(x: np.ndarray):
    """A Python float for a 0-d result, the array otherwise (the return convention of the exact modules)."""
    return float(x) if np.ndim(x) == 0 else x


def log_abs_2sinh(x: np.ndarray) -> np.ndarray:
    r"""$\ln|2\sinh x|$, stable for large $|x|$ (``-inf`` at ``x = 0``)."""
    ax = np.abs(x)
    with np.errstate(divide="ignore"):
        return ax + np.log(-np.expm1(-2.0 * ax))


def log_2cosh(x: np.ndarray) -> np.ndarray:
    r"""$\ln(2\cosh x)$, stable for large $|x|$."""
    ax = np.abs(x)
    return ax + np.log1p(np.exp(-2.0 * ax))
