r"""Relative entropy, entropy and mutual information, computed exactly and in log space.

All quantities are in **nats** (natural logarithms). Discrete distributions are given by their
*log-probabilities* along one axis of an array, so that Boltzmann weights with huge couplings
(``K = 50`` on a 20-spin ring gives weights of order ``e**1000``) never overflow: normalise them with
:func:`log_normalize` and pass the result on. A state of probability zero is written ``-inf``.

Conventions
-----------
* ``kl_divergence(log_p, log_q)`` is :math:`D(p\|q) = \sum_x p(x)\ln[p(x)/q(x)]`, the expected log
  likelihood ratio under ``p``; it is finite only if ``q(x) > 0`` wherever ``p(x) > 0``.
* States with ``p(x) = 0`` contribute nothing (:math:`0 \ln 0 = 0`).
* Inputs must be normalised to within ``norm_tol`` (in the log of the total mass); they are then renormalised
  exactly, so a tiny normalisation error never shows up as a negative divergence.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from ._checks import check_axis, check_real, check_real_array

__all__ = [
    "log_normalize",
    "kl_divergence",
    "shannon_entropy",
    "mutual_information",
    "gaussian_kl",
    "gaussian_entropy",
]

#: Default tolerance on ``|ln sum_x p(x)|`` for a distribution to count as normalised.
NORM_TOL = 1e-6


def _as_log_prob(x: ArrayLike, name: str) -> NDArray[np.float64]:
    r"""Log-probabilities: real, at least one axis (the states), finite or ``-inf`` (a state of probability 0)."""
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be a real numeric array of log-probabilities; got {type(x).__name__}")
    a = np.asarray(x)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise TypeError(f"{name} must be a real numeric array of log-probabilities; got dtype {a.dtype}")
    a = a.astype(np.float64, copy=False)
    if a.ndim == 0:
        raise ValueError(f"{name} must have at least one axis (the states); got a scalar")
    if np.isnan(a).any():
        raise ValueError(f"{name} contains NaN; log-probabilities must be finite or -inf")
    if np.isposinf(a).any():
        raise ValueError(f"{name} contains +inf; log-probabilities must be finite or -inf")
    return a


def _normalized(a: NDArray[np.float64], axis: int, name: str, norm_tol: float) -> NDArray[np.float64]:
    r"""Check ``|ln sum exp(a)| <= norm_tol`` along ``axis`` and return ``a`` renormalised exactly."""
    with np.errstate(divide="ignore"):
        lse = logsumexp(a, axis=axis, keepdims=True)
    if np.isneginf(lse).any():
        raise ValueError(f"{name} has zero total probability (all entries -inf) along axis {axis}")
    err = float(np.max(np.abs(lse)))
    if err > norm_tol:
        raise ValueError(
            f"{name} is not normalised: |ln sum exp({name})| = {err:.3g} exceeds norm_tol={norm_tol:g} "
            f"along axis {axis}; normalise it first (e.g. with rglib.entropy.log_normalize)"
        )
    return a - lse


def _check_tol(norm_tol: float) -> float:
    return check_real(norm_tol, "norm_tol", lower=0.0, lower_strict=True, what="norm_tol > 0")


def log_normalize(log_w: ArrayLike, axis: int = -1) -> NDArray[np.float64]:
    r"""Turn unnormalised log-weights into log-probabilities: ``log_w - logsumexp(log_w, axis)``.

    Parameters
    ----------
    log_w
        Log-weights, e.g. ``-beta * energy`` of every configuration; ``-inf`` marks impossible states.
    axis
        Axis that runs over the states.

    Returns
    -------
    numpy.ndarray
        :math:`\ln p(x) = \ln w(x) - \ln\sum_y w(y)`, same shape as ``log_w``.

    Raises
    ------
    ValueError
        If ``log_w`` contains NaN or +inf, or if every weight along ``axis`` is zero.

    Examples
    --------
    >>> print(np.round(np.exp(log_normalize([1000.0, 1000.0 + np.log(3.0)])), 6))
    [0.25 0.75]
    """
    a = _as_log_prob(log_w, "log_w")
    ax = check_axis(axis, a.ndim)
    with np.errstate(divide="ignore"):
        lse = logsumexp(a, axis=ax, keepdims=True)
    if np.isneginf(lse).any():
        raise ValueError(f"log_w has zero total weight (all entries -inf) along axis {ax}")
    return a - lse


def _phi_terms(log_p: NDArray[np.float64], log_q: NDArray[np.float64]) -> NDArray[np.float64]:
    r"""Term-wise non-negative summands of D(p||q) on the support of p (zero elsewhere).

    With ``r = ln p - ln q`` we use ``p*(r - 1 + e^{-r}) = p*r - p + q >= 0``; summed over the support of p
    this gives ``D - 1 + q(supp p)``, and adding ``q`` outside the support gives ``D`` exactly. Each term is
    computed without cancellation: ``r + expm1(-r)`` for moderate r, ``p*r - p + q`` when ``q >> p``.
    """
    p = np.exp(log_p)
    q = np.exp(log_q)
    on = np.isfinite(log_p)
    with np.errstate(invalid="ignore", over="ignore"):
        r = np.where(on, log_p - log_q, 0.0)
        small = np.where(r > -30.0, r, 0.0)
        t_mod = p * (small + np.expm1(-small))
        t_big = p * r - p + q
        terms = np.where(r > -30.0, t_mod, t_big)
    return np.where(on, terms, q)


def kl_divergence(log_p: ArrayLike, log_q: ArrayLike, axis: int = -1, *, norm_tol: float = NORM_TOL) -> NDArray[np.float64] | float:
    r"""Kullback–Leibler divergence :math:`D(p\|q)` of two discrete distributions, in nats.

    .. math::

        D(p\|q) = \sum_{x:\,p(x)>0} p(x)\,\bigl[\ln p(x) - \ln q(x)\bigr] \;\ge\; 0 .

    It is evaluated as :math:`\sum_{x \in \mathrm{supp}\,p} p\,(r - 1 + e^{-r}) + \sum_{x\notin
    \mathrm{supp}\,p} q`, with :math:`r = \ln p - \ln q`, a sum of non-negative terms that equals
    :math:`D` for normalised p and q. The result is therefore never negative, and it keeps full relative
    accuracy when p and q are close (where the textbook sum loses everything to cancellation).

    Parameters
    ----------
    log_p, log_q
        Log-probabilities (natural log) with the states along ``axis``; ``-inf`` is a zero-probability
        state. The two arrays must broadcast and have the same length along ``axis``. Each must be
        normalised to ``|ln sum exp| <= norm_tol``; they are then renormalised exactly.
    axis
        Axis that runs over the states; all other axes are batch axes.
    norm_tol
        Tolerance on the normalisation (default ``1e-6``).

    Returns
    -------
    float or numpy.ndarray
        :math:`D(p\|q)` with ``axis`` removed (a Python float for 1-D inputs).

    Raises
    ------
    ValueError
        On NaN or +inf entries, shapes that do not broadcast, different numbers of states, unnormalised
        inputs, or mismatched supports (``q(x) = 0`` where ``p(x) > 0``: the divergence is infinite).
    TypeError
        On non-numeric input.

    See Also
    --------
    gaussian_kl : the closed form for two Gaussians.
    mutual_information : the divergence of a joint distribution from the product of its marginals.

    Examples
    --------
    >>> print(f"{kl_divergence(np.log([0.5, 0.5]), np.log([0.9, 0.1])):.6f}")
    0.510826
    >>> kl_divergence(np.log([0.2, 0.8]), np.log([0.2, 0.8]))
    0.0
    """
    tol = _check_tol(norm_tol)
    a = _as_log_prob(log_p, "log_p")
    b = _as_log_prob(log_q, "log_q")
    ax_a = check_axis(axis, a.ndim)
    ax_b = check_axis(axis, b.ndim)
    if a.shape[ax_a] != b.shape[ax_b]:
        raise ValueError(
            f"log_p and log_q must have the same number of states along axis {axis}; "
            f"got {a.shape[ax_a]} and {b.shape[ax_b]} (shapes {a.shape} and {b.shape})"
        )
    a = np.moveaxis(a, ax_a, -1)
    b = np.moveaxis(b, ax_b, -1)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"log_p and log_q shapes {np.shape(log_p)} and {np.shape(log_q)} do not broadcast") from None
    a = _normalized(a, -1, "log_p", tol)
    b = _normalized(b, -1, "log_q", tol)
    a, b = np.broadcast_to(a, shape), np.broadcast_to(b, shape)
    bad = np.isfinite(a) & np.isneginf(b)
    if bad.any():
        raise ValueError(
            "mismatched supports: log_q is -inf (q = 0) on a state where p > 0, so D(p||q) is infinite; "
            f"{int(bad.sum())} such state(s)"
        )
    d = _phi_terms(a, b).sum(axis=-1)
    return float(d) if d.ndim == 0 else d


def shannon_entropy(log_p: ArrayLike, axis: int = -1, *, norm_tol: float = NORM_TOL) -> NDArray[np.float64] | float:
    r"""Shannon entropy :math:`H(p) = -\sum_x p(x)\ln p(x)` in nats (``0 ln 0 = 0``).

    Parameters
    ----------
    log_p
        Log-probabilities with the states along ``axis`` (``-inf`` for impossible states), normalised to
        within ``norm_tol``.
    axis
        Axis that runs over the states.
    norm_tol
        Tolerance on the normalisation.

    Returns
    -------
    float or numpy.ndarray
        :math:`H(p) \in [0, \ln M]` for M states, with ``axis`` removed.

    Raises
    ------
    ValueError
        On NaN/+inf entries or an unnormalised input.

    See Also
    --------
    gaussian_entropy : the differential entropy of a Gaussian.

    Examples
    --------
    >>> print(f"{shannon_entropy(np.log(np.full(4, 0.25))):.6f}")  # ln 4
    1.386294
    """
    tol = _check_tol(norm_tol)
    a = _as_log_prob(log_p, "log_p")
    ax = check_axis(axis, a.ndim)
    a = _normalized(a, ax, "log_p", tol)
    on = np.isfinite(a)
    terms = np.where(on, -np.exp(a) * np.where(on, a, 0.0), 0.0)
    h = terms.sum(axis=ax)
    return float(h) if h.ndim == 0 else h


def mutual_information(log_p_joint: ArrayLike, *, norm_tol: float = NORM_TOL) -> float:
    r"""Mutual information :math:`I(X;Y) = D\bigl(p_{XY}\,\|\,p_X p_Y\bigr)` in nats.

    Parameters
    ----------
    log_p_joint
        2-D table of joint log-probabilities, ``log_p_joint[x, y] = ln p(x, y)``, normalised over the whole
        table to within ``norm_tol``.
    norm_tol
        Tolerance on the normalisation.

    Returns
    -------
    float
        :math:`I(X;Y) = \sum_{x,y} p(x,y)\ln\frac{p(x,y)}{p(x)p(y)} \ge 0`.

    Raises
    ------
    ValueError
        If the table is not 2-D, contains NaN/+inf, or is not normalised.

    See Also
    --------
    kl_divergence : :math:`I(X;Y) = D(p_{XY}\|p_Xp_Y)`.

    Examples
    --------
    >>> with np.errstate(divide="ignore"):
    ...     copy = np.log(np.array([[0.5, 0.0], [0.0, 0.5]]))  # Y = X, a fair bit
    >>> print(f"{mutual_information(copy):.6f}")  # ln 2
    0.693147
    """
    tol = _check_tol(norm_tol)
    a = _as_log_prob(log_p_joint, "log_p_joint")
    if a.ndim != 2:
        raise ValueError(f"log_p_joint must be a 2-D table (x, y); got shape {a.shape}")
    flat = _normalized(a.reshape(-1), -1, "log_p_joint", tol).reshape(a.shape)
    with np.errstate(divide="ignore"):
        log_px = logsumexp(flat, axis=1, keepdims=True)
        log_py = logsumexp(flat, axis=0, keepdims=True)
    log_prod = log_px + log_py
    return float(kl_divergence(flat.reshape(-1), log_prod.reshape(-1), norm_tol=tol))


def _cholesky(cov: NDArray[np.float64], name: str, sym_tol: float = 1e-10) -> NDArray[np.float64]:
    if cov.ndim < 2 or cov.shape[-1] != cov.shape[-2]:
        raise ValueError(f"{name} must have shape (..., k, k); got {cov.shape}")
    scale = np.maximum(np.abs(cov).max(axis=(-2, -1), keepdims=True), np.finfo(float).tiny)
    if (np.abs(cov - np.swapaxes(cov, -1, -2)) > sym_tol * scale).any():
        raise ValueError(f"{name} must be symmetric (to relative tolerance {sym_tol:g})")
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError(f"{name} must be positive definite (its Cholesky factorisation failed)") from None


def gaussian_kl(mean0: ArrayLike, cov0: ArrayLike, mean1: ArrayLike, cov1: ArrayLike) -> NDArray[np.float64] | float:
    r"""Closed-form :math:`D\bigl(\mathcal N(\mu_0,\Sigma_0)\,\|\,\mathcal N(\mu_1,\Sigma_1)\bigr)` in nats.

    .. math::

        D = \tfrac12\Bigl[\operatorname{tr}(\Sigma_1^{-1}\Sigma_0)
            + (\mu_1-\mu_0)^\top\Sigma_1^{-1}(\mu_1-\mu_0) - k
            + \ln\det\Sigma_1 - \ln\det\Sigma_0\Bigr].

    With Cholesky factors :math:`\Sigma_i = L_i L_i^\top`: the trace is :math:`\|L_1^{-1}L_0\|_F^2`,
    the quadratic form :math:`\|L_1^{-1}(\mu_1-\mu_0)\|^2` and :math:`\ln\det\Sigma_i = 2\sum_j \ln
    (L_i)_{jj}`; no matrix is inverted explicitly.

    Parameters
    ----------
    mean0, mean1
        Means, shape ``(..., k)``.
    cov0, cov1
        Symmetric positive-definite covariances, shape ``(..., k, k)``. Leading axes broadcast.

    Returns
    -------
    float or numpy.ndarray
        The divergence for each batch element (a float when there are no batch axes).

    Raises
    ------
    ValueError
        On non-finite entries, wrong or incompatible shapes, or covariances that are not symmetric positive
        definite.

    See Also
    --------
    kl_divergence : the discrete divergence, which a fine discretisation of the two densities approaches.

    Examples
    --------
    >>> print(f"{gaussian_kl([0.0], [[1.0]], [1.0], [[2.0]]):.6f}")  # (1/2)(1/2 + 1/2 - 1 + ln 2)
    0.346574
    """
    m0 = check_real_array(mean0, "mean0")
    m1 = check_real_array(mean1, "mean1")
    c0 = check_real_array(cov0, "cov0")
    c1 = check_real_array(cov1, "cov1")
    for name, m in (("mean0", m0), ("mean1", m1)):
        if m.ndim < 1:
            raise ValueError(f"{name} must have shape (..., k); got a scalar")
    l0 = _cholesky(c0, "cov0")
    l1 = _cholesky(c1, "cov1")
    k = c0.shape[-1]
    for name, arr, last in (("mean0", m0, m0.shape[-1]), ("mean1", m1, m1.shape[-1]), ("cov1", c1, c1.shape[-1])):
        if last != k:
            raise ValueError(f"{name} has dimension {last} but cov0 is {k}x{k}; all must share the dimension k")
    try:
        batch = np.broadcast_shapes(m0.shape[:-1], m1.shape[:-1], c0.shape[:-2], c1.shape[:-2])
    except ValueError:
        raise ValueError("the batch (leading) axes of mean0, cov0, mean1, cov1 do not broadcast") from None
    l0 = np.broadcast_to(l0, batch + (k, k))
    l1 = np.broadcast_to(l1, batch + (k, k))
    dm = np.broadcast_to(m1 - m0, batch + (k,))
    a = np.linalg.solve(l1, l0)  # L1^{-1} L0 (triangular, solved densely; fine for moderate k)
    z = np.linalg.solve(l1, dm[..., None])[..., 0]
    trace = np.sum(a * a, axis=(-2, -1))
    maha = np.sum(z * z, axis=-1)
    logdet1 = 2.0 * np.sum(np.log(np.diagonal(l1, axis1=-2, axis2=-1)), axis=-1)
    logdet0 = 2.0 * np.sum(np.log(np.diagonal(l0, axis1=-2, axis2=-1)), axis=-1)
    d = 0.5 * (trace + maha - k + logdet1 - logdet0)
    return float(d) if np.ndim(d) == 0 else d


def gaussian_entropy(cov: ArrayLike) -> NDArray[np.float64] | float:
    r"""Differential entropy of :math:`\mathcal N(\mu,\Sigma)`: :math:`\tfrac12\ln\det(2\pi e\,\Sigma)` nats.

    Parameters
    ----------
    cov
        Symmetric positive-definite covariance, shape ``(..., k, k)``.

    Raises
    ------
    ValueError
        If ``cov`` is not finite, square, symmetric and positive definite.

    Examples
    --------
    >>> print(f"{gaussian_entropy(np.eye(2)):.6f}")  # ln(2 pi e)
    2.837877
    """
    c = check_real_array(cov, "cov")
    chol = _cholesky(c, "cov")
    k = c.shape[-1]
    h = 0.5 * k * np.log(2 * np.pi * np.e) + np.sum(np.log(np.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
    return float(h) if np.ndim(h) == 0 else h
