r"""Cumulant series of a discrete random variable: Taylor coefficients of :math:`\ln\langle e^{tX}\rangle`,
cumulants, and the radius of convergence of the series.

Used for the inter-block term :math:`\mathcal K_1` of the block-spin RG (:mod:`rglib.rg.blockspin`), whose
exact conditional distribution :func:`rglib.rg.blockspin.cumulant_decomposition` returns: the cumulant
expansion :math:`\ln\langle e^{\mathcal K_1}\rangle = \sum_n \kappa_n/n!` converges iff the radius
:math:`R > 1` [1]_.

A distribution is given by its ``values`` (shape ``(V,)``, finite, distinct) and ``probs`` (shape
``(..., V)``, non-negative, summing to 1 along the last axis; leading axes are independent distributions).

References
----------
.. [1] P. M. Lenggenhager, D. E. Gokmen, Z. Ringel, S. D. Huber and M. Koch-Janusz, "Optimal renormalization
   group transformation from information theory", Phys. Rev. X 10, 011037 (2020).
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_int, check_real_array, check_real_scalar

__all__ = [
    "MAX_ORDER",
    "MAX_LATTICE_DEGREE",
    "log_mgf_taylor_coefficients",
    "cumulants_from_distribution",
    "log_mgf_convergence_radius",
]

#: Largest order of the Taylor coefficients (the recursion costs ``O(order**2)`` per distribution).
MAX_ORDER = 400
#: Largest span ``(max - min) / step`` of lattice values for the radius of convergence (the degree of the
#: polynomial whose roots are computed, ``O(degree**3)`` per distribution).
MAX_LATTICE_DEGREE = 1000
#: Largest ``number of distributions * degree**3`` of one :func:`log_mgf_convergence_radius` call (about a minute).
_MAX_ROOT_WORK = 10**11


def _values_probs(values: ArrayLike, probs: ArrayLike):
    v = check_real_array(values, "values")
    if v.ndim != 1 or v.shape[0] < 1:
        raise ValueError(f"values must be a 1-D array with at least one entry; got shape {v.shape}")
    P = check_real_array(probs, "probs", lower=0.0, upper=1.0, what="0 <= probs <= 1")
    if P.ndim < 1 or P.shape[-1] != v.shape[0]:
        raise ValueError(f"probs must have shape (..., {v.shape[0]}) to match values; got {P.shape}")
    if not np.allclose(P.sum(axis=-1), 1.0, atol=1e-10):
        raise ValueError("probs must be non-negative and sum to 1 along the last axis")
    return v, P


def log_mgf_taylor_coefficients(values: ArrayLike, probs: ArrayLike, order: int) -> NDArray[np.float64]:
    r"""Taylor coefficients :math:`c_n = \kappa_n/n!` of :math:`\ln\langle e^{tX}\rangle = \sum_{n\ge1} c_n t^n`.

    ``X`` is discrete with ``P(X = values[k]) = probs[..., k]``. The series is computed for the centred
    variable :math:`X-\kappa_1` (moments :math:`m_k/k!` of bounded size) with the recursion
    :math:`n c_n = n m_n - \sum_{j=1}^{n-1} j c_j m_{n-j}` for :math:`\ln` of a power series, then
    :math:`c_1=\kappa_1` is restored. The truncated series at ``t = 1`` is ``cumsum`` of the result.

    Parameters
    ----------
    values : array_like, shape ``(V,)``
        Values of ``X`` (finite).
    probs : array_like, shape ``(..., V)``
        Their probabilities.
    order : int
        Number of coefficients, ``1 <= order <= MAX_ORDER``.

    Returns
    -------
    ndarray, shape ``probs.shape[:-1] + (order,)``
        :math:`c_1, \dots, c_{\mathrm{order}}`.

    See Also
    --------
    cumulants_from_distribution : the cumulants :math:`\kappa_n = n!\,c_n`.
    log_mgf_convergence_radius : where the series converges.

    Examples
    --------
    >>> c = log_mgf_taylor_coefficients([-1.0, 1.0], [0.5, 0.5], 6)  # ln cosh t = t^2/2 - t^4/12 + t^6/45
    >>> print(np.round(c, 12), round(1 / 45, 12))
    [ 0.          0.5         0.         -0.08333333  0.          0.02222222] 0.022222222222
    """
    v, P = _values_probs(values, probs)
    order = check_int(order, "order", 1, MAX_ORDER)
    mean = P @ v
    c = v - mean[..., None]
    # m[k] = <c^k>/k!, built as products to avoid overflow
    m = np.empty(P.shape[:-1] + (order + 1,))
    term = np.ones_like(c)
    m[..., 0] = 1.0
    for k in range(1, order + 1):  # a loop over orders (<= MAX_ORDER); vectorised over distributions
        term = term * c / k
        m[..., k] = np.sum(P * term, axis=-1)
    L = np.zeros_like(m)
    for n in range(1, order + 1):
        j = np.arange(1, n)
        L[..., n] = m[..., n] - np.sum(j * L[..., 1:n] * m[..., n - 1:0:-1], axis=-1) / n
    L[..., 1] = mean
    return L[..., 1:]


def cumulants_from_distribution(values: ArrayLike, probs: ArrayLike, order: int) -> NDArray[np.float64]:
    r"""Cumulants :math:`\kappa_1,\dots,\kappa_{\mathrm{order}}` of a discrete distribution.

    :math:`\kappa_n = n!\,c_n` with :math:`c_n` from :func:`log_mgf_taylor_coefficients`.

    Parameters
    ----------
    values : array_like, shape ``(V,)``
        Values of ``X`` (finite).
    probs : array_like, shape ``(..., V)``
        Their probabilities.
    order : int
        ``1 <= order <= 150`` (:math:`n!` overflows beyond 170).

    Returns
    -------
    ndarray, shape ``probs.shape[:-1] + (order,)``

    Examples
    --------
    >>> print(np.round(cumulants_from_distribution([0.0, 1.0], [0.7, 0.3], 3), 12))  # q, q(1-q), q(1-q)(1-2q)
    [0.3   0.21  0.084]
    """
    order = check_int(order, "order", 1, 150)
    c = log_mgf_taylor_coefficients(values, probs, order)
    fact = np.cumprod(np.arange(1, order + 1, dtype=np.float64))
    return c * fact


def log_mgf_convergence_radius(values: ArrayLike, probs: ArrayLike, *,
                               rtol: float = 1e-9) -> NDArray[np.float64] | float:
    r"""Radius of convergence of the cumulant series :math:`\sum_n \kappa_n t^n/n!` around ``t = 0``.

    For values on a lattice :math:`v_k = v_0 + d\,k`, :math:`\langle e^{tX}\rangle = e^{tv_0}P(e^{dt})`
    with the polynomial :math:`P(w)=\sum_k p_k w^k`. Its logarithm is singular exactly where
    :math:`P(e^{dt}) = 0`, so the radius is :math:`R = \min_r|\mathrm{Log}\,w_r|/d` over the non-zero roots
    :math:`w_r` of ``P`` (principal logarithm). The series converges at ``t = 1`` iff ``R > 1``.

    The roots come from :func:`numpy.roots`. A root of multiplicity ``k`` (common when ``X`` is a sum of
    independent identical terms) is only determined to about :math:`\epsilon^{1/k}` of float64, so ``R`` can be
    off in the second or third digit in such cases.

    Parameters
    ----------
    values : array_like, shape ``(V,)``
        Distinct values on a lattice :math:`v_0 + d k` with integer :math:`k \le` ``MAX_LATTICE_DEGREE``.
    probs : array_like, shape ``(..., V)``
        Their probabilities.
    rtol : float
        Relative tolerance of the lattice test, ``0 < rtol < 1``.

    Returns
    -------
    float or ndarray of shape ``probs.shape[:-1]``
        ``inf`` for a single value.

    Raises
    ------
    ValueError
        If the values are not equally spaced multiples of a common step (within ``rtol``), or span more than
        ``MAX_LATTICE_DEGREE`` steps.

    See Also
    --------
    log_mgf_taylor_coefficients : the series itself.

    Examples
    --------
    >>> print(round(log_mgf_convergence_radius([-1.0, 1.0], [0.5, 0.5]), 12), round(np.pi / 2, 12))  # ln cosh t
    1.570796326795 1.570796326795
    """
    v, P = _values_probs(values, probs)
    rtol = check_real_scalar(rtol, "rtol", lower=0.0, lower_strict=True, upper=0.5, what="0 < rtol <= 0.5")
    if v.shape[0] == 1:
        return np.inf if P.ndim == 1 else np.full(P.shape[:-1], np.inf)
    order = np.argsort(v)
    v, P = v[order], P[..., order]
    gaps = np.diff(v)
    if (gaps <= 0).any():
        raise ValueError("values must be distinct")
    d = gaps.min()
    k = (v - v[0]) / d
    if k.max() > MAX_LATTICE_DEGREE:
        raise ValueError(f"values span {k.max():.3g} lattice steps (max - min over the smallest gap); at most "
                         f"MAX_LATTICE_DEGREE = {MAX_LATTICE_DEGREE} are supported")
    if not np.allclose(k, np.round(k), atol=rtol * max(1.0, k.max())):
        raise ValueError("values must lie on a lattice v0 + d k (integer k) for the radius to be computed")
    k = np.round(k).astype(int)
    n_dist = int(np.prod(P.shape[:-1]))
    if n_dist * int(k.max()) ** 3 > _MAX_ROOT_WORK:
        raise ValueError(f"probs holds {n_dist} distributions of lattice degree {k.max()}: about "
                         f"{n_dist * int(k.max()) ** 3:.2g} operations (> {_MAX_ROOT_WORK:.0e}); pass fewer at once")
    coef = np.zeros(P.shape[:-1] + (k.max() + 1,))
    coef[..., k] = P
    flat = coef.reshape(-1, coef.shape[-1])
    radii = np.empty(flat.shape[0])
    for r in range(flat.shape[0]):  # one small polynomial per distribution (numpy.roots is not batched)
        roots = np.roots(flat[r, ::-1])
        roots = roots[np.abs(roots) > 1e-300]
        radii[r] = np.inf if roots.size == 0 else np.min(np.abs(np.log(roots.astype(complex)))) / d
    out = radii.reshape(P.shape[:-1])
    return float(out) if out.ndim == 0 else out
