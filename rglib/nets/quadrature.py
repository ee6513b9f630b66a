r"""Gaussian expectations of activation functions: quadrature rules and the moments used by mean-field theory.

Expectations :math:`\mathbb E f(\sqrt q\,z)` over a standard normal :math:`z` are computed by a trapezoid rule
in :math:`z` whose step adapts to the variance ``q`` (default; error below about 1e-13), or by a
probabilists' Gauss-Hermite rule of ``n_hermite`` nodes. The step of the adaptive rule shrinks like
:math:`1/\sqrt q`, so for a generic integrand (:func:`normal_expectation`, :func:`trapezoid_rule`) the variance
is bounded by ``MAX_UNIFORM_VARIANCE``.

The ``tanh`` moments of mean-field theory use the uniform rule up to ``q = 10`` and, above, a *sinh-mapped*
trapezoid rule whose size grows only like :math:`\ln q`, so that every finite variance costs a bounded
number of nodes:

* one variable: :math:`z = \alpha\sinh t`, :math:`\alpha = \min(1, 1/\sqrt q)`, uniform in ``t`` with step
  0.1 on :math:`|z|\le 9.5`. The nodes crowd where ``tanh`` turns (:math:`|z|\lesssim 1/\sqrt q`) and thin out
  where it has saturated; the mapped integrand is analytic in a strip around the real ``t`` axis, so the
  rule converges exponentially (to round-off with about ``2 asinh(9.5 sqrt q) / 0.1`` nodes: 200 at
  ``q = 1e6``, 340 at ``q = 1e12``).
* two variables: the larger-variance one is integrated by the mapped rule; given it, the other is Gaussian
  with mean :math:`\mu` and standard deviation :math:`\sigma`, and
  :math:`\mathbb E[\tanh(\mu+\sigma z)] = \operatorname{erf}\bigl(\kappa\mu/\sqrt{1+2\kappa^2\sigma^2}\bigr)
  + \mathbb E[r(\mu+\sigma z)]` with :math:`\kappa = \sqrt\pi/2` and :math:`r = \tanh - \operatorname{erf}(\kappa\,\cdot)`,
  which decays like :math:`e^{-2|v|}`; the remainder (and :math:`\mathbb E\,\mathrm{sech}^2(\mu+\sigma z)`) needs
  a uniform grid only on :math:`|\mu+\sigma z|\le 22`, at most about 200 nodes.

Both agree with the uniform rule to about 3e-16 where the two apply, and approach the sign-function limits
:math:`\mathbb E\tanh^2 = 1 - \sqrt{2/(\pi q)} + O(q^{-3/2})`,
:math:`\mathbb E[\tanh u_1\tanh u_2] = \tfrac2\pi\arcsin c - \pi c/(6q\sqrt{1-c^2}) + O(q^{-2})` and
:math:`\mathbb E[\mathrm{sech}^2u_1\,\mathrm{sech}^2u_2] = 2/(\pi q\sqrt{1-c^2}) + O(q^{-2})` (equal variances ``q``,
correlation ``c``) as they should (tested).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy.special import erf

from .._checks import check_choice, check_int, check_real_array

__all__ = ["ACTIVATIONS", "MAX_UNIFORM_VARIANCE", "QuadratureRule", "gauss_hermite", "trapezoid_rule",
           "normal_expectation"]

#: Activations with a mean-field implementation.
ACTIVATIONS: tuple[str, ...] = ("tanh", "relu")
#: Largest variance of the uniform (adaptive-step) trapezoid rule, about 870,000 nodes.
MAX_UNIFORM_VARIANCE = 1e8

_Z_MAX = 9.5  # truncation of the standard-normal variable; the neglected mass is 2e-21
_H_MAX = 0.5  # largest trapezoid step in z
_H_RATIO = 0.8  # steps come in levels _H_MAX * _H_RATIO**k, so node sets can be cached
_ERR_EXPONENT = 45.0  # step h = pi^2/(45 sqrt q): error <~ 1e-13 against adaptive quadrature (tested)
_CHUNK = 2_000_000  # largest number of quadrature nodes evaluated at once
_Q_MAPPED = 10.0  # tanh moments at larger variances use the sinh-mapped rule
_T_STEP = 0.1  # step of the mapped rule in t (z = alpha sinh t): round-off accuracy (tested)
_U_MAX = 22.0  # sech^2(u) < 4e-19 beyond: the truncation of decaying integrands in u = mu + sigma z
_KAPPA = float(np.sqrt(np.pi) / 2)  # erf(kappa v) has the slope of tanh v at 0


# --------------------------------------------------------------------------------------------- checks
def _check_activation(activation) -> str:
    return check_choice(activation, "activation", ACTIVATIONS)


def _check_n_hermite(n_hermite) -> int | None:
    if n_hermite is None:
        return None
    # numpy's hermegauss overflows beyond 250 nodes
    return check_int(n_hermite, "n_hermite", 2, 250)


def _contig(x, dtype=np.float64) -> np.ndarray:
    """C-contiguous float64 copy-if-needed that keeps 0-d arrays 0-d (unlike np.ascontiguousarray)."""
    return np.asarray(x, dtype=dtype, order="C")


def _out(x: np.ndarray, scalar: bool):
    return float(x) if scalar else x


def _all_scalar(*args) -> bool:
    return all(np.ndim(a) == 0 for a in args)


# --------------------------------------------------------------------------------------------- quadrature
class QuadratureRule(NamedTuple):
    r"""Nodes and weights of a rule :math:`\sum_k w_k f(z_k)\approx\mathbb E f(z)`, :math:`z\sim\mathcal N(0,1)`."""

    #: Nodes :math:`z_k`, ascending.
    nodes: np.ndarray
    #: Weights :math:`w_k`, summing to 1.
    weights: np.ndarray


def gauss_hermite(n: int) -> QuadratureRule:
    r"""Probabilists' Gauss-Hermite rule for expectations over a standard normal variable.

    Nodes :math:`z_k` and weights :math:`w_k` (summing to 1) with
    :math:`\sum_k w_k f(z_k) \approx \mathbb E f(z)`, :math:`z\sim\mathcal N(0,1)`; exact for polynomials of
    degree :math:`\le 2n-1`.

    Parameters
    ----------
    n : int
        Number of nodes, 2 <= n <= 250.

    Returns
    -------
    QuadratureRule
        Copies of the (cached) nodes and weights.

    See Also
    --------
    trapezoid_rule : the default rule, far more accurate for ``tanh``-like integrands at large variance.

    Examples
    --------
    >>> z, w = gauss_hermite(3)
    >>> print(np.round(z, 6), np.round(w, 6), round(w @ z**4, 12))  # E z^4 = 3
    [-1.732051  0.        1.732051] [0.166667 0.666667 0.166667] 3.0
    """
    if n is None:
        raise TypeError("n must be an int between 2 and 250; got None")
    n = check_int(n, "n", 2, 250)
    z, w = _hermite_cached(n)
    return QuadratureRule(z.copy(), w.copy())


def _check_uniform_variance(q, name: str) -> np.ndarray:
    return check_real_array(q, name, lower=0.0, upper=MAX_UNIFORM_VARIANCE,
                            what=f"0 <= {name} <= MAX_UNIFORM_VARIANCE = {MAX_UNIFORM_VARIANCE:g} (the step of the "
                                 "uniform rule shrinks like 1/sqrt(q); use n_hermite for a fixed-size rule)")


def trapezoid_rule(q_max) -> QuadratureRule:
    r"""The default quadrature rule for :math:`\mathbb E f(\sqrt q\,z)`, valid for variances ``q <= q_max``.

    Trapezoidal rule in the standard-normal variable on :math:`|z|\le 9.5` with step
    :math:`h = 0.5\cdot 0.8^k`, the largest such step with :math:`h\le\pi^2/(45\sqrt{q_{\max}})`. For
    integrands analytic in the strip :math:`|\mathrm{Im}\,z|<\pi/(2\sqrt q)` (``tanh`` and its powers and
    derivatives) the error decays like :math:`e^{-\pi^2/(h\sqrt q)}\lesssim e^{-45}`, i.e. to round-off.

    Parameters
    ----------
    q_max : float
        Largest variance the rule must integrate accurately, ``0 <= q_max <= MAX_UNIFORM_VARIANCE``.

    Returns
    -------
    QuadratureRule
        Nodes and weights (summing to 1), :math:`\sum_k w_k f(z_k)\approx\mathbb E f(z)`.

    See Also
    --------
    gauss_hermite : a fixed-size rule.
    normal_expectation : applies this rule.

    Examples
    --------
    >>> z, w = trapezoid_rule(1.0)
    >>> print(z.size, round(w @ np.tanh(z) ** 2, 12))  # E tanh^2 at q = 1
    95 0.394294490398
    """
    qa = _check_uniform_variance(q_max, "q_max")
    if qa.ndim != 0:
        raise ValueError(f"q_max must be a scalar; got shape {qa.shape}")
    z, w = _trapezoid_cached(int(_levels(qa.reshape(1))[0]))
    return QuadratureRule(z.copy(), w.copy())


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
    """Yield (index array, nodes, weights) groups sharing one quadrature rule, at most ``_CHUNK`` nodes each."""
    flat = q_max.ravel()
    if n_hermite is not None:
        z, w = _hermite_cached(n_hermite)
        groups = [(np.arange(flat.size), z, w)]
    else:
        lev = _levels(flat)
        groups = [(np.nonzero(lev == level)[0], *_trapezoid_cached(int(level))) for level in np.unique(lev)]
    for idx, z, w in groups:
        per_chunk = max(1, _CHUNK // z.size)
        for start in range(0, idx.size, per_chunk):
            yield idx[start:start + per_chunk], z, w


def normal_expectation(f: Callable[[np.ndarray], np.ndarray], q, *, n_hermite: int | None = None) -> np.ndarray:
    r""":math:`\mathbb E f(\sqrt q\,z)` for :math:`z\sim\mathcal N(0,1)`, vectorised over ``q``.

    ``f`` must be a vectorised function of an array; it should be analytic in a strip around the real axis of
    half-width about :math:`\pi/2` (like ``tanh``) for the default rule (:func:`trapezoid_rule`) to reach
    round-off accuracy.

    Parameters
    ----------
    f : callable
        Vectorised function of the pre-activation.
    q : array_like
        Variances, ``0 <= q <= MAX_UNIFORM_VARIANCE`` (any ``q >= 0`` with ``n_hermite``).
    n_hermite : int, optional
        Use Gauss-Hermite with this many nodes (2..250) instead of the adaptive trapezoidal rule.

    Returns
    -------
    float or ndarray of the shape of ``q``

    Examples
    --------
    >>> print(round(normal_expectation(np.cos, 2.0), 12), round(np.exp(-1.0), 12))  # E cos(sqrt(q) z) = e^{-q/2}
    0.367879441171 0.367879441171
    """
    if not callable(f):
        raise TypeError(f"f must be callable; got {type(f).__name__}")
    n_hermite = _check_n_hermite(n_hermite)
    if n_hermite is None:
        qa = _check_uniform_variance(q, "q")
    else:
        qa = check_real_array(q, "q", lower=0.0)
    out = np.empty(qa.size)
    flat = qa.ravel()
    for idx, z, w in _grouped(flat, n_hermite):
        out[idx] = f(np.sqrt(flat[idx])[:, None] * z[None, :]) @ w
    return _out(out.reshape(qa.shape), np.ndim(q) == 0)


# --------------------------------------------------------------------------------------------- tanh moments
def _sech2(u: np.ndarray) -> np.ndarray:
    c = np.cosh(np.minimum(np.abs(u), 350.0))  # sech^2 underflows to 0 long before cosh overflows
    return 1.0 / (c * c)


def _mapped_rule(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``z`` and weights of the sinh-mapped rule, one row per variance ``q`` (padded with zero weights)."""
    alpha = np.minimum(1.0, 1.0 / np.sqrt(q))
    t_end = np.arcsinh(_Z_MAX / alpha)
    n = int(np.ceil(t_end.max() / _T_STEP))
    t = _T_STEP * np.arange(-n, n + 1, dtype=np.float64)
    z = alpha[:, None] * np.sinh(t)[None, :]
    w = _T_STEP * alpha[:, None] * np.cosh(t)[None, :] * np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
    return z, np.where(np.abs(z) <= _Z_MAX, w, 0.0)


def _conditional_rule(mu: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Uniform z-grid for E g(mu + sigma z) with g decaying beyond |mu + sigma z| = _U_MAX.

    ``mu`` has shape ``(M, K)``, ``sigma`` shape ``(M,)``. Returns ``v = mu + sigma z`` and the weights, shape
    ``(M, K, J)`` with ``J <= ~200``: the step is that of the uniform rule for variance ``sigma**2``, the range
    ``|z| <= 9.5`` cut to ``|v| <= _U_MAX``.
    """
    s = sigma[:, None]
    hz = np.minimum(_H_MAX, np.pi**2 / (_ERR_EXPONENT * np.maximum(s, 1e-300)))
    inside = np.abs(mu) <= _U_MAX
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = np.where(s > 0, np.maximum(-_Z_MAX, (-_U_MAX - mu) / s), np.where(inside, -_Z_MAX, 1.0))
        hi = np.where(s > 0, np.minimum(_Z_MAX, (_U_MAX - mu) / s), np.where(inside, _Z_MAX, -1.0))
    k_lo = np.ceil(lo / hz)
    count = np.maximum(np.floor(hi / hz) - k_lo + 1, 0).astype(np.int64)
    j = np.arange(int(count.max()) if count.size else 0)
    z = (k_lo[..., None] + j) * hz[..., None]
    w = np.where(j < count[..., None], hz[..., None] * np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi), 0.0)
    return mu[..., None] + s[..., None] * z, w


def _mapped_chunks(q: np.ndarray, inner: int):
    """Index arrays of at most ``_CHUNK`` mapped-rule evaluations (``inner`` per node), by increasing ``q``."""
    alpha = np.minimum(1.0, 1.0 / np.sqrt(q))
    order = np.argsort(q, kind="stable")
    nodes = (2 * np.ceil(np.arcsinh(_Z_MAX / alpha) / _T_STEP) + 1)[order]  # row sizes of _mapped_rule, ascending
    budget = _CHUNK // inner
    start = 0
    while start < order.size:  # a chunk pads to the size of its last (largest) row
        k = np.arange(1, min(max(1, int(budget // nodes[start])), order.size - start) + 1)
        rows = max(1, int(np.sum(k * nodes[start:start + k.size] <= budget)))  # the rows that fit form a prefix
        yield order[start:start + rows]
        start += rows


def _mapped_moments1(q: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """E[tanh^2], E[sech^4], E[-2 tanh^2 sech^2] at variances q (1-D) by the sinh-mapped rule."""
    out = np.empty((3, q.size))
    for sl in _mapped_chunks(q, 1):
        z, w = _mapped_rule(q[sl])
        s = _sech2(np.sqrt(q[sl])[:, None] * z)  # sech^2 directly: accurate also where it is tiny
        out[0, sl] = 1.0 - np.sum(w * s, axis=1)  # E tanh^2 = 1 - E sech^2 (>= 0.7 here), never above 1
        out[1, sl] = np.sum(w * s * s, axis=1)
        out[2, sl] = np.sum(w * (-2.0 * (1.0 - s) * s), axis=1)
    return out[0], out[1], out[2]


def _mapped_moments2(q11: np.ndarray, q22: np.ndarray, c: np.ndarray, need: tuple[bool, bool]):
    """E[tanh u1 tanh u2] and E[sech^2 u1 sech^2 u2] (1-D arrays) by the mapped rule in the larger variance."""
    swap = q22 > q11  # both moments are symmetric in (u1, u2): integrate the larger variance on the outside
    qa, qb = np.where(swap, q22, q11), np.where(swap, q11, q22)
    e_pp, e_dd = np.full(q11.size, np.nan), np.full(q11.size, np.nan)
    for sl in _mapped_chunks(qa, 205):
        z1, w1 = _mapped_rule(qa[sl])
        cc = c[sl]
        sb = np.sqrt(qb[sl])
        mu = (cc * sb)[:, None] * z1  # u2 | z1 ~ N(mu, sigma^2)
        sigma = sb * np.sqrt(np.maximum(1.0 - cc * cc, 0.0))
        v, w2 = _conditional_rule(mu, sigma)
        u1 = np.sqrt(qa[sl])[:, None] * z1
        if need[0]:
            smooth = erf(_KAPPA * mu / np.sqrt(1.0 + 2.0 * _KAPPA**2 * sigma * sigma)[:, None])
            t2 = smooth + np.sum((np.tanh(v) - erf(_KAPPA * v)) * w2, axis=-1)  # E[tanh u2 | z1]
            e_pp[sl] = np.sum(w1 * np.tanh(u1) * t2, axis=1)
        if need[1]:
            e_dd[sl] = np.sum(w1 * _sech2(u1) * np.sum(_sech2(v) * w2, axis=-1), axis=1)
    return e_pp, e_dd


def _tanh_moments1(q: np.ndarray, n_hermite: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """E[phi^2], E[phi'^2], E[phi phi''] at variance q for phi = tanh (arrays of the shape of q)."""
    m2 = np.empty(q.size)
    d2 = np.empty(q.size)
    pp = np.empty(q.size)
    flat = q.ravel()
    mapped = np.zeros(flat.size, dtype=bool) if n_hermite is not None else flat > _Q_MAPPED
    uniform = np.nonzero(~mapped)[0]
    for idx, z, w in _grouped(flat[uniform], n_hermite):
        sel = uniform[idx]
        t = np.tanh(np.sqrt(flat[sel])[:, None] * z[None, :])
        s = 1.0 - t * t  # sech^2 = phi'
        m2[sel] = (t * t) @ w
        d2[sel] = (s * s) @ w
        pp[sel] = (-2.0 * t * t * s) @ w  # phi * phi'' with phi'' = -2 tanh sech^2
    if mapped.any():
        m2[mapped], d2[mapped], pp[mapped] = _mapped_moments1(flat[mapped])
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
    mapped = np.zeros(n, dtype=bool) if n_hermite is not None else qmax > _Q_MAPPED
    uniform = np.nonzero(~mapped)[0]
    for idx, z, w in _grouped(qmax[uniform], n_hermite):
        idx = uniform[idx]
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
    if mapped.any():
        e_pp[mapped], e_dd[mapped] = _mapped_moments2(q11[mapped], q22[mapped], c[mapped], need)
    return e_pp, e_dd


def _moments2(q11, q22, c, activation, n_hermite, need=(True, True)):
    if activation == "tanh":
        return _tanh_moments2(q11, q22, c, n_hermite, need)
    theta = np.arccos(np.clip(c, -1.0, 1.0))
    e_pp = np.sqrt(q11 * q22) / (2.0 * np.pi) * (np.sin(theta) + (np.pi - theta) * np.cos(theta))
    e_dd = (np.pi - theta) / (2.0 * np.pi)
    return e_pp, e_dd
