r"""Numerical helpers shared by the rglib modules (private): stable logarithms of hyperbolic functions.

All functions act elementwise on float64 arrays and stay finite (or exactly ``-inf``) for any real input.
"""
from __future__ import annotations

import numpy as np

LN2 = float(np.log(2.0))


def scalar_or_array(x: np.ndarray):
    r"""A Python float for a 0-d result, the array otherwise (the return convention of the exact modules).

    Examples
    --------
    >>> scalar_or_array(np.array(2.0))
    2.0
    """
    return float(x) if np.ndim(x) == 0 else x


def log_abs_2sinh(x: np.ndarray) -> np.ndarray:
    r"""$\ln|2\sinh x|$, stable for large $|x|$ (``-inf`` at ``x = 0``).

    Examples
    --------
    >>> print(f"{log_abs_2sinh(np.array(1000.0)):.1f}")
    1000.0
    """
    ax = np.abs(x)
    with np.errstate(divide="ignore"):
        return ax + np.log(-np.expm1(-2.0 * ax))


def log_2cosh(x: np.ndarray) -> np.ndarray:
    r"""$\ln(2\cosh x)$, stable for large $|x|$.

    Examples
    --------
    >>> print(f"{log_2cosh(np.array(-1000.0)):.1f}")
    1000.0
    """
    ax = np.abs(x)
    return ax + np.log1p(np.exp(-2.0 * ax))


def log1mexp_from_log(log_y: np.ndarray) -> np.ndarray:
    r"""$\ln(1 - e^{-y})$ for $y \ge 0$ given $\ln y$, accurate also where $y$ itself underflows.

    Uses $\ln(1-e^{-y}) = \ln y - y/2 + O(y^2)$ for tiny $y$, ``log(-expm1(-y))`` for $y \le \ln 2$ and
    ``log1p(-exp(-y))`` above (Maechler's rule). ``-inf`` at $y = 0$ (``log_y = -inf``).

    Examples
    --------
    >>> print(f"{log1mexp_from_log(np.array(-2000.0)):.1f}")
    -2000.0
    """
    log_y = np.asarray(log_y, dtype=np.float64)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        y = np.exp(log_y)
        tiny = log_y - 0.5 * y
        mid = np.log(-np.expm1(-y))
        big = np.log1p(-np.exp(-y))
    return np.where(log_y < -40.0, tiny, np.where(y <= LN2, mid, big))
