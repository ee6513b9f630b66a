r"""Gaussian expectations of activation functions: quadrature rules and the moments used by mean-field theory.

Expectations :math:`\mathbb E f(\sqrt q\,z)` over a standard normal :math:`z` are computed by a trapezoid rule
in :math:`z` whose step adapts to the variance ``q`` (default; error below about 1e-13), or by a
probabilists' Gauss-Hermite rule of ``n_hermite`` nodes. The joint moments of two correlated pre-activations
use the same rules on a two-dimensional grid, in bounded chunks.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from numbers import Integral

import numpy as np
from numpy.polynomial.hermite_e import hermegauss

from .._checks import check_real_array

__all__ = ["ACTIVATIONS", "gauss_hermite", "trapezoid_rule", "normal_expectation"]

#: Activations with a mean-field implementation.
ACTIVATIONS: tuple[str, ...] = ("tanh", "relu")

_Z_MAX = 9.5  # truncation of the standard-normal variable; the neglected mass is 2e-21
_H_MAX = 0.5  # largest trapezoid step in z
_H_RATIO = 0.8  # steps come in levels _H_MAX * _H_RATIO**k, so node sets can be cached
_ERR_EXPONENT = 45.0  # step h = pi^2/(45 sqrt q): error <~ 1e-13 against adaptive quadrature (tested)
_CHUNK = 2_000_000  # largest number of 2D quadrature nodes evaluated at once




def _as_real_array(x, name: str, **bounds) -> np.ndarray:
    return check_real_array(x, name, **bounds)


def _check_activation(activation) -> str:
    if not isinstance(activation, str):
        raise TypeError(f"activation must be a str, one of {ACTIVATIONS}; got {type(activation).__name__}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation={activation!r} is not supported; allowed values: {', '.join(ACTIVATIONS)}")
    return activation


def _check_n_hermite(n_hermite) -> int | None:
    if n_hermite is None:
        return None
    if isinstance(n_hermite, (bool, np.bool_)) or not isinstance(n_hermite, Integral):
        raise TypeError(f"n_hermite must be None or an int between 2 and 250; got {type(n_hermite).__name__}")
    if not 2 <= int(n_hermite) <= 250:
        raise ValueError(f"n_hermite must be None or an int between 2 and 250 (numpy's hermegauss overflows "
                         f"beyond); got {n_hermite}")
    return int(n_hermite)


def _check_depth(depth) -> int:
    if isinstance(depth, (bool, np.bool_)) or not isinstance(depth, Integral):
        raise TypeError(f"depth must be a non-negative int; got {type(depth).__name__}")
    if depth < 0:
        raise ValueError(f"depth must be a non-negative int; got {depth}")
    return int(depth)


def _contig(x, dtype=np.float64) -> np.ndarray:
    """C-contiguous float64 copy-if-needed that keeps 0-d arrays 0-d (unlike np.ascontiguousarray)."""
    return np.asarray(x, dtype=dtype, order="C")


def _out(x: np.ndarray, scalar: bool):
    return float(x) if scalar else x


def _all_scalar(*args) -> bool:
    return all(np.ndim(a) == 0 for a in args)


# --------------------------------------------------------------------------------------------- quadrature
def gauss_hermite(n: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Probabilists' Gauss-Hermite rule for expectations over a standard normal variable.

    Returns nodes :math:`z_k` and weights :math:`w_k` (summing to 1) with
    :math:`\sum_k w_k f(z_k) \approx \mathbb E f(z)`, :math:`z\sim\mathcal N(0,1)`; exact for polynomials of
    degree :math:`\le 2n-1`.

    Parameters
    ----------
    n : int
        Number of nodes, 2 <= n <= 250.
    """
    n = _check_n_hermite(n)
    if n is None:
        raise TypeError("n must be an int between 2 and 250; got None")
    z, w = _hermite_cached(n)
    return z.copy(), w.copy()


def trapezoid_rule(q_max) -> tuple[np.ndarray, np.ndarray]:
    r"""The default quadrature rule for :math:`\mathbb E f(\sqrt q\,z)`, valid for variances ``q <= q_max``.

    Trapezoidal rule in the standard-normal variable on :math:`|z|\le 9.5` with step
    :math:`h = 0.5\cdot 0.8^k`, the largest such step with :math:`h\le\pi^2/(45\sqrt{q_{\max}})`. For
    integrands analytic in the strip :math:`|\mathrm{Im}\,z|<\pi/(2\sqrt q)` (``tanh`` and its powers and
    derivatives) the error decays like :math:`e^{-\pi^2/(h\sqrt q)}\lesssim e^{-45}`, i.e. to round-off.

    Parameters
    ----------
    q_max : float
        Largest variance the rule must integrate accurately, ``>= 0``.

    Returns
    -------
    z, w : ndarray
        Nodes and weights (summing to 1), :math:`\sum_k w_k f(z_k)\approx\mathbb E f(z)`.
    """
    qa = _as_real_array(q_max, "q_max", lower=0.0)
    if qa.ndim != 0:
        raise ValueError(f"q_max must be a scalar; got shape {qa.shape}")
    z, w = _trapezoid_cached(int(_levels(qa.reshape(1))[0]))
    return z.copy(), w.copy()


@lru_cache(maxsize=32)
def _hermite_cached(n: int) -> tuple[np.ndarray, np.ndarray]:
    z, w = hermegauss(n)
    return z, w / w.sum()


@lru_cache(maxsize=64)
def _trapezoid_cached(level: int) -> tuple[np.ndarray, np.ndarray]:
    h = _H_MAX * _H_RATIO**level
    k = int(np.ceil(_Z_MAX / h))
    z = h * np.arange(-k, k + 1, dtype=np.float64)
    w = h * np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
    return z, w / w.sum()


def _levels(q_max: np.ndarray) -> np.ndarray:
    """Trapezoid level (step ``_H_MAX * _H_RATIO**level``) accurate to round-off for variances up to ``q_max``."""
    q = np.maximum(q_max, 1e-300)
    h_req = np.minimum(_H_MAX, np.pi**2 / (_ERR_EXPONENT * np.sqrt(q)))
    lev = np.ceil(np.log(h_req / _H_MAX) / np.log(_H_RATIO) - 1e-12)
    return np.maximum(lev, 0).astype(np.int64)


def _grouped(q_max: np.ndarray, n_hermite: int | None):
    """Yield (index array, nodes, weights) groups sharing one quadrature rule."""
    flat = q_max.ravel()
    if n_hermite is not None:
        z, w = _hermite_cached(n_hermite)
        yield np.arange(flat.size), z, w
        return
    lev = _levels(flat)
    for level in np.unique(lev):
        idx = np.nonzero(lev == level)[0]
        z, w = _trapezoid_cached(int(level))
        yield idx, z, w


def normal_expectation(f: Callable[[np.ndarray], np.ndarray], q, *, n_hermite: int | None = None) -> np.ndarray:
    r""":math:`\mathbb E f(\sqrt q\,z)` for :math:`z\sim\mathcal N(0,1)`, vectorised over ``q``.

    ``f`` must be a vectorised function of an array; it should be analytic in a strip around the real axis of
    half-width about :math:`\pi/2` (like ``tanh``) for the default rule to reach round-off accuracy.

    Parameters
    ----------
    f : callable
        Vectorised function of the pre-activation.
    q : array_like
        Variances, ``q >= 0``.
    n_hermite : int, optional
        Use Gauss-Hermite with this many nodes instead of the adaptive trapezoidal rule.
    """
    if not callable(f):
        raise TypeError(f"f must be callable; got {type(f).__name__}")
    qa = _as_real_array(q, "q", lower=0.0)
    n_hermite = _check_n_hermite(n_hermite)
    out = np.empty(qa.size)
    flat = qa.ravel()
    for idx, z, w in _grouped(flat, n_hermite):
        out[idx] = f(np.sqrt(flat[idx])[:, None] * z[None, :]) @ w
    return _out(out.reshape(qa.shape), np.ndim(q) == 0)


# --------------------------------------------------------------------------------------------- activations
def _tanh_moments1(q: np.ndarray, n_hermite: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """E[phi^2], E[phi'^2], E[phi phi''] at variance q for phi = tanh (flat arrays)."""
    m2 = np.empty(q.size)
    d2 = np.empty(q.size)
    pp = np.empty(q.size)
    flat = q.ravel()
    for idx, z, w in _grouped(flat, n_hermite):
        t = np.tanh(np.sqrt(flat[idx])[:, None] * z[None, :])
        s = 1.0 - t * t  # sech^2 = phi'
        m2[idx] = (t * t) @ w
        d2[idx] = (s * s) @ w
        pp[idx] = (-2.0 * t * t * s) @ w  # phi * phi'' with phi'' = -2 tanh sech^2
    zero = flat == 0.0  # exact values at q = 0 (avoids a weight-sum round-off of 1 ulp)
    m2[zero], d2[zero], pp[zero] = 0.0, 1.0, 0.0
    return m2.reshape(q.shape), d2.reshape(q.shape), pp.reshape(q.shape)


def _moments1(q: np.ndarray, activation: str, n_hermite: int | None):
    if activation == "tanh":
        return _tanh_moments1(q, n_hermite)
    # relu: E[relu(u)^2] = q/2, E[theta(u)^2] = 1/2, E[relu * delta] = 0
    return 0.5 * q, np.full_like(q, 0.5), np.zeros_like(q)


def _tanh_moments2(q11: np.ndarray, q22: np.ndarray, c: np.ndarray, n_hermite: int | None,
                   need: tuple[bool, bool] = (True, True)) -> tuple[np.ndarray, np.ndarray]:
    """E[phi(u1) phi(u2)] and E[phi'(u1) phi'(u2)] for phi = tanh (flat arrays of equal size)."""
    n = q11.size
    e_pp = np.full(n, np.nan)
    e_dd = np.full(n, np.nan)
    qmax = np.maximum(q11, q22)
    for idx, z, w in _grouped(qmax, n_hermite):
        per_chunk = max(1, _CHUNK // (z.size * z.size))
        for start in range(0, idx.size, per_chunk):
            sel = idx[start:start + per_chunk]
            s1 = np.sqrt(q11[sel])[:, None]
            s2 = np.sqrt(q22[sel])[:, None, None]
            cc = c[sel][:, None, None]
            sc = np.sqrt(np.maximum(1.0 - cc * cc, 0.0))
            t1 = np.tanh(s1 * z[None, :])  # (m, n1)
            t2 = np.tanh(s2 * (cc * z[None, :, None] + sc * z[None, None, :]))  # (m, n1, n2)
            if need[0]:
                e_pp[sel] = np.einsum("mi,i,mij,j->m", t1, w, t2, w, optimize=True)
            if need[1]:
                e_dd[sel] = np.einsum("mi,i,mij,j->m", 1.0 - t1 * t1, w, 1.0 - t2 * t2, w, optimize=True)
    return e_pp, e_dd


def _moments2(q11, q22, c, activation, n_hermite, need=(True, True)):
    if activation == "tanh":
        return _tanh_moments2(q11, q22, c, n_hermite, need)
    theta = np.arccos(np.clip(c, -1.0, 1.0))
    e_pp = np.sqrt(q11 * q22) / (2.0 * np.pi) * (np.sin(theta) + (np.pi - theta) * np.cos(theta))
    e_dd = (np.pi - theta) / (2.0 * np.pi)
    return e_pp, e_dd


