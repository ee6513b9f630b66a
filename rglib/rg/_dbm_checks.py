"""Argument checks of the Gaussian DBM (private to :mod:`rglib.rg.gaussian_dbm` and
:mod:`rglib.rg.gaussian_dbm_numerics`): thin domain wrappers of :mod:`rglib._checks`.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_real_array, check_real_scalar


def _real_matrix(value: ArrayLike, name: str, ndim: int) -> NDArray[np.float64]:
    """A finite float64 array with exactly ``ndim`` axes, none of them empty."""
    arr = check_real_array(value, name)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional; got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must have positive sizes; got shape {arr.shape}")
    return arr


def _check_beta(beta) -> float:
    """The inverse temperature as a float ``> 0``."""
    return check_real_scalar(beta, "beta", lower=0.0, lower_strict=True, what="beta > 0 (finite)")


def _check_B(B: ArrayLike) -> NDArray[np.float64]:
    B = _real_matrix(B, "B", 2)
    norm = float(np.linalg.norm(B, 2))
    if not norm < 1.0:
        raise ValueError(
            f"B must have spectral norm ||B||_2 < 1 (then 1 - B B^T and the quadratic form of (y, z) are "
            f"positive definite and the Gaussian integrals exist); got ||B||_2 = {norm:.6g} >= 1, "
            "so the integral over y diverges"
        )
    return B


def _sources(J: ArrayLike, name: str, k: int) -> NDArray[np.float64]:
    J = check_real_array(J, name)
    if J.ndim < 1 or J.shape[-1] != k:
        raise ValueError(f"{name} must have shape (..., {k}); got {J.shape}")
    return J


def _visible(x: ArrayLike, n: int) -> NDArray[np.float64]:
    xa = np.asarray(x)
    if not (np.issubdtype(xa.dtype, np.integer) or np.issubdtype(xa.dtype, np.floating)):
        raise TypeError(f"x must be an array of +-1; got dtype {xa.dtype}")
    if xa.ndim < 1 or xa.shape[-1] != n:
        raise ValueError(f"x must have shape (..., n) with n = {n}; got {xa.shape}")
    if not np.all((xa == 1) | (xa == -1)):
        raise ValueError("x must contain only +1 and -1")
    return xa.astype(np.float64)


def _hidden(v: ArrayLike, k: int, name: str) -> NDArray[np.float64]:
    return _sources(v, name, k)
