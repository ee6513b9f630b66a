"""Fixed points of the mean-field maps (private to :mod:`rglib.nets.meanfield`): a vectorised safeguarded
Newton solver, the length fixed point q*, chi_1 at q*, and the correlation fixed point c* with its slope chi_c.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .quadrature import _contig, _tanh_moments1, _tanh_moments2


def _solve_decreasing(fun: Callable, lo: np.ndarray, hi: np.ndarray, x0: np.ndarray,
                      max_iter: int = 200) -> np.ndarray:
    """Safeguarded Newton for ``f(x) = 0`` with ``f > 0`` left of the root and ``f < 0`` right of it.

    ``fun(x, active)`` returns ``(f, f')`` for the entries ``active`` of ``x``. Vectorised; each entry keeps
    its own bracket and falls back to bisection when a Newton step leaves it.
    """
    lo = lo.astype(np.float64).copy()
    hi = hi.astype(np.float64).copy()
    x = x0.astype(np.float64).copy()
    active = np.arange(x.size)
    for _ in range(max_iter):
        if active.size == 0:
            break
        xa = x[active]
        f, df = fun(xa, active)
        pos = f > 0
        lo[active] = np.where(pos, xa, lo[active])
        hi[active] = np.where(f < 0, xa, hi[active])
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(df != 0, f / df, np.nan)
        xn = xa - step
        bad = ~np.isfinite(xn) | (xn <= lo[active]) | (xn >= hi[active])
        xn = np.where(bad, 0.5 * (lo[active] + hi[active]), xn)
        xn = np.where(f == 0, xa, xn)
        x[active] = xn
        tol = 4e-16 * np.maximum(1.0, np.abs(xn))
        done = (f == 0) | (np.abs(xn - xa) <= tol) | (hi[active] - lo[active] <= tol)
        active = active[~done]
    return x


def _q_star(sw2: np.ndarray, sb2: np.ndarray, activation: str, n_hermite: int | None) -> np.ndarray:
    sw2 = _contig(sw2)
    sb2 = _contig(sb2)
    if activation == "relu":
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.where(sw2 < 2.0, sb2 / (1.0 - 0.5 * sw2), np.inf)
        return np.where((sw2 == 2.0) & (sb2 == 0.0), np.nan, q)
    shape = sw2.shape
    a, b = sw2.ravel(), sb2.ravel()

    def fun(x, act):
        m2, d2, pp = _tanh_moments1(x, n_hermite)
        return a[act] * m2 + b[act] - x, a[act] * (d2 + pp) - 1.0

    lo, hi = b.copy(), a + b
    q = _solve_decreasing(fun, lo, hi, hi.copy())
    q = np.where((b == 0.0) & (a <= 1.0), 0.0, q)
    return q.reshape(shape)


def _chi1_given_q(sw2, q, activation, n_hermite):
    if activation == "relu":
        return 0.5 * sw2
    qq = np.where(np.isfinite(q), q, 0.0)
    _, d2, _ = _tanh_moments1(_contig(qq), n_hermite)
    return sw2 * d2


def _c_star_and_slope(sw2, sb2, q, x1, activation, n_hermite):
    """c* and chi_c given q* and chi_1 (arrays of equal shape)."""
    shape = sw2.shape
    c = np.ones(shape)
    slope = np.array(x1, dtype=np.float64, copy=True)
    if activation == "relu":  # the relu correlation map always has the stable fixed point c* = 1
        return c, slope
    chaotic = np.nonzero((x1.ravel() > 1.0) & (q.ravel() > 0))[0]
    if chaotic.size:
        a, b, qq = sw2.ravel()[chaotic], sb2.ravel()[chaotic], q.ravel()[chaotic]

        def fun(x, act):
            e_pp, e_dd = _tanh_moments2(qq[act], qq[act], x, n_hermite)
            return (a[act] * e_pp + b[act]) / qq[act] - x, a[act] * e_dd - 1.0

        zeros = np.zeros(chaotic.size)
        cs = _solve_decreasing(fun, zeros, np.ones(chaotic.size), zeros.copy())
        _, e_dd = _tanh_moments2(qq, qq, cs, n_hermite, need=(False, True))
        c.ravel()[chaotic] = cs
        slope.ravel()[chaotic] = a * e_dd
    # tanh with sigma_b2 = 0 and sigma_w2 > 1: q* > 0, handled above (c* = 0 by symmetry, found by the solver)
    return c, slope
