r"""The three-layer Gaussian deep Boltzmann machine: exact marginalization, induced couplings, sampling.

Model and conventions
---------------------
Visible Bernoulli units :math:`x\in\{\pm1\}^n`, real Gaussian hidden layers :math:`y\in\mathbb R^m` and
:math:`z\in\mathbb R^p`, energy

.. math:: H(x,y,z) = -a^\top x + \tfrac12 y^\top y + \tfrac12 z^\top z - x^\top A y - y^\top B z ,

with ``a`` of shape ``(n,)``, ``A`` of shape ``(n, m)`` and ``B`` of shape ``(m, p)``. The measure is the
counting measure on ``x`` times Lebesgue measure :math:`d^m y\, d^p z`, and
:math:`p(x,y,z) = e^{-\beta H(x,y,z)}/Z` with

.. math:: Z = \sum_{x}\int d^m y\, d^p z\; e^{-\beta H(x,y,z)} .

The marginal Hamiltonians are *defined* with the same ``Z`` (so no normalisation is lost):
:math:`e^{-\beta H(x,y)} = \int d^p z\, e^{-\beta H(x,y,z)}` and
:math:`e^{-\beta H(x)} = \int d^m y\, e^{-\beta H(x,y)}`. Integrating out ``z`` and then ``y`` gives

.. math::
   H(x,y) &= f - a^\top x + \tfrac12 y^\top(1-B')y - x^\top A y, &
   f &= \frac{p}{2\beta}\ln\frac{\beta}{2\pi}, & B' &= BB^\top,\\
   H(x) &= g - a^\top x - \tfrac12 x^\top A' x, &
   g &= \frac{1}{2\beta}\Big[(m+p)\ln\frac{\beta}{2\pi} + \ln\det(1-B')\Big], &
   A' &= A(1-B')^{-1}A^\top .

Existence: the integral over ``z`` always exists; the one over ``y`` exists iff :math:`1-BB^\top` is
positive definite, i.e. iff the spectral norm :math:`\|B\|_2<1`. By the Schur complement this is the same
as positive-definiteness of the whole quadratic form :math:`\tfrac12(y^\top y+z^\top z)-y^\top Bz` in
:math:`(y,z)`, which is what the joint integral needs (the ``x``-dependent term is linear in ``y``). Every
function here checks :math:`\|B\|_2<1` and raises ``ValueError`` otherwise.

The brute-force checks of these closed forms (trapezoidal quadrature of the Gaussian integrals, block Gibbs
sampling) are in :mod:`rglib.rg.gaussian_dbm_numerics`.

References
----------
.. [1] R. Jefferson, "Deep learning and the renormalization group", essay (2019), rojefferson.blog.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from ..ising.enumeration import all_spin_configurations
from ._dbm_checks import _check_B, _check_beta, _hidden, _real_matrix, _sources, _visible

__all__ = [
    "MAX_VISIBLE_UNITS",
    "DBMParameters",
    "check_dbm_parameters",
    "RenormalizedCouplings",
    "renormalized_couplings",
    "MarginalizationConstants",
    "marginalization_constants",
    "gaussian_log_integral",
    "gaussian_log_mgf",
    "energy_xyz",
    "energy_xy",
    "energy_x",
    "log_partition",
    "VisibleDistribution",
    "visible_log_probabilities",
    "VisibleMoments",
    "exact_visible_moments",
]

#: Largest visible layer for which the exact enumeration of p(x) is allowed (2**20 states).
MAX_VISIBLE_UNITS = 20


class DBMParameters(NamedTuple):
    """Checked parameters of the machine (:func:`check_dbm_parameters`)."""

    #: Visible fields, shape ``(n,)``.
    a: NDArray[np.float64]
    #: Visible-to-first-hidden couplings, shape ``(n, m)``.
    A: NDArray[np.float64]
    #: First-to-second-hidden couplings, shape ``(m, p)``, :math:`\|B\|_2 < 1`.
    B: NDArray[np.float64]
    #: Inverse temperature ``> 0``.
    beta: float


def check_dbm_parameters(a: ArrayLike, A: ArrayLike, B: ArrayLike, beta: float = 1.0) -> DBMParameters:
    r"""Validate the DBM parameters and return them as float64 arrays.

    Parameters
    ----------
    a : array_like, shape ``(n,)``
        Visible fields.
    A : array_like, shape ``(n, m)``
        Visible-to-first-hidden couplings.
    B : array_like, shape ``(m, p)``
        First-to-second-hidden couplings; must satisfy :math:`\|B\|_2 < 1`.
    beta : float
        Inverse temperature, finite and ``> 0``.

    Returns
    -------
    DBMParameters
        float64 copies of ``a``, ``A``, ``B`` and ``beta`` as a float.

    Raises
    ------
    TypeError
        Non-numeric input.
    ValueError
        Wrong number of dimensions, mismatched shapes, NaN/inf, ``beta <= 0`` or :math:`\|B\|_2 \ge 1`
        (the Gaussian integral over ``y`` diverges).

    Examples
    --------
    >>> par = check_dbm_parameters([0.1, -0.2], [[0.5], [0.3]], [[0.4, 0.2]], beta=2)
    >>> print(par.a, par.B.shape, par.beta)
    [ 0.1 -0.2] (1, 2) 2.0
    """
    a = _real_matrix(a, "a", 1)
    A = _real_matrix(A, "A", 2)
    B = _real_matrix(B, "B", 2)
    if A.shape[0] != a.shape[0]:
        raise ValueError(f"A must have shape (n, m) with n = len(a) = {a.shape[0]}; got A.shape = {A.shape}")
    if B.shape[0] != A.shape[1]:
        raise ValueError(f"B must have shape (m, p) with m = A.shape[1] = {A.shape[1]}; got B.shape = {B.shape}")
    return DBMParameters(a, A, _check_B(B), _check_beta(beta))


# ---------------------------------------------------------------------------------------------
# closed forms
# ---------------------------------------------------------------------------------------------
class RenormalizedCouplings(NamedTuple):
    """The couplings induced by integrating out the hidden layers (:func:`renormalized_couplings`)."""

    #: :math:`B' = BB^\top`, the ``y``-``y`` coupling after ``z`` is integrated out, shape ``(m, m)``.
    B_prime: NDArray[np.float64]
    #: :math:`A' = A(1-B')^{-1}A^\top`, the ``x``-``x`` coupling after ``y`` is integrated out, ``(n, n)``.
    A_prime: NDArray[np.float64]


def renormalized_couplings(A: ArrayLike, B: ArrayLike) -> RenormalizedCouplings:
    r"""Induced couplings :math:`B' = BB^\top` (``m x m``) and :math:`A' = A(1-B')^{-1}A^\top` (``n x n``).

    :math:`B'` renormalizes the ``y``-``y`` quadratic form after ``z`` is integrated out,
    :math:`\tfrac12 y^\top y \to \tfrac12 y^\top (1-B') y`; :math:`A'` is the induced ``x``-``x`` coupling
    after ``y`` is integrated out, entering as :math:`-\tfrac12 x^\top A' x` in :math:`H(x)` (a
    ferromagnetic-like attraction for positive entries). Its diagonal only shifts the constant, since
    :math:`x_i^2 = 1`. :math:`A' = \sum_k A B'^k A^\top` (Neumann series) [1]_.

    Parameters
    ----------
    A : array_like, shape ``(n, m)``
    B : array_like, shape ``(m, p)``, :math:`\|B\|_2 < 1`

    Returns
    -------
    RenormalizedCouplings
        ``B_prime`` and ``A_prime`` (symmetric).

    Examples
    --------
    >>> Bp, Ap = renormalized_couplings([[1.0], [0.5]], [[0.6]])
    >>> print(Bp.tolist(), Ap.tolist())  # A A^T / (1 - 0.36)
    [[0.36]] [[1.5625, 0.78125], [0.78125, 0.390625]]
    """
    A = _real_matrix(A, "A", 2)
    B = _real_matrix(B, "B", 2)
    if B.shape[0] != A.shape[1]:
        raise ValueError(f"B must have shape (m, p) with m = A.shape[1] = {A.shape[1]}; got B.shape = {B.shape}")
    B = _check_B(B)
    Bp = B @ B.T
    Ap = A @ np.linalg.solve(np.eye(B.shape[0]) - Bp, A.T)
    return RenormalizedCouplings(Bp, 0.5 * (Ap + Ap.T))


class MarginalizationConstants(NamedTuple):
    """The constants of the marginal Hamiltonians (:func:`marginalization_constants`)."""

    #: Constant ``f`` of :math:`H(x, y)` (``z`` integrated out).
    f: float
    #: Constant ``g`` of :math:`H(x)` (``y`` and ``z`` integrated out).
    g: float


def marginalization_constants(B: ArrayLike, beta: float = 1.0) -> MarginalizationConstants:
    r"""The constants ``f`` of :math:`H(x,y)` and ``g`` of :math:`H(x)`.

    .. math::
       f = \frac{p}{2\beta}\ln\frac{\beta}{2\pi},\qquad
       g = f + \frac{1}{2\beta}\ln\frac{\beta^m\det(1-BB^\top)}{(2\pi)^m}
         = \frac{1}{2\beta}\ln\frac{\beta^{m+p}\det(1-BB^\top)}{(2\pi)^{m+p}} .

    Parameters
    ----------
    B : array_like, shape ``(m, p)``, :math:`\|B\|_2<1`
    beta : float
        Inverse temperature ``> 0``.

    Returns
    -------
    MarginalizationConstants

    Examples
    --------
    >>> f, g = marginalization_constants([[0.6]], beta=1.0)
    >>> print(round(f, 6), round(g, 6), round(np.log(0.64 / (2 * np.pi) ** 2) / 2, 6))
    -0.918939 -2.061021 -2.061021
    """
    B = _check_B(B)
    beta = _check_beta(beta)
    m, p = B.shape
    sign, logdet = np.linalg.slogdet(np.eye(m) - B @ B.T)
    f = p / (2 * beta) * np.log(beta / (2 * np.pi))
    g = ((m + p) * np.log(beta / (2 * np.pi)) + logdet) / (2 * beta)
    return MarginalizationConstants(float(f), float(g))


def gaussian_log_integral(M: ArrayLike, J: ArrayLike) -> NDArray[np.float64] | float:
    r""":math:`\ln\int d^k u\, \exp(-\tfrac12 u^\top M u + J^\top u)
    = \tfrac k2\ln 2\pi - \tfrac12\ln\det M + \tfrac12 J^\top M^{-1}J`.

    Parameters
    ----------
    M : array_like, shape ``(k, k)``
        Symmetric positive-definite matrix (otherwise the integral diverges: ``ValueError``).
    J : array_like, shape ``(..., k)``
        Sources; broadcast over leading axes.

    Returns
    -------
    float or ndarray of shape ``J.shape[:-1]``

    See Also
    --------
    rglib.rg.gaussian_dbm_numerics.quadrature_energy_x : such integrals by brute-force quadrature.

    Examples
    --------
    >>> print(round(gaussian_log_integral([[2.0]], [1.0]), 6), round(0.5 * np.log(np.pi) + 0.25, 6))
    0.822365 0.822365
    """
    M = _real_matrix(M, "M", 2)
    if M.shape[0] != M.shape[1]:
        raise ValueError(f"M must be square; got shape {M.shape}")
    if not np.allclose(M, M.T, rtol=1e-12, atol=1e-12):
        raise ValueError("M must be symmetric")
    try:
        L = np.linalg.cholesky(M)
    except np.linalg.LinAlgError:
        raise ValueError("M must be positive definite (the Gaussian integral diverges otherwise)") from None
    J = _sources(J, "J", M.shape[0])
    k = M.shape[0]
    w = np.linalg.solve(L, J[..., None])[..., 0]  # L^{-1} J, so J^T M^{-1} J = |w|^2
    out = 0.5 * k * np.log(2 * np.pi) - np.log(np.diag(L)).sum() + 0.5 * np.sum(w * w, axis=-1)
    return float(out) if out.ndim == 0 else out


def gaussian_log_mgf(t: ArrayLike, cov: ArrayLike, mean: ArrayLike | None = None):
    r"""Cumulant generating function of a Gaussian, :math:`K(t)=\ln\langle e^{t^\top u}\rangle
    = t^\top\mu + \tfrac12 t^\top\Sigma t`.

    Only the first two cumulants are non-zero: :math:`\kappa_1=\mu`, :math:`\kappa_2=\Sigma`.

    Parameters
    ----------
    t : array_like, shape ``(..., k)``
    cov : array_like, shape ``(k, k)``
        Covariance :math:`\Sigma` (symmetric positive semi-definite).
    mean : array_like, shape ``(k,)``, optional
        Mean :math:`\mu` (default 0).

    Returns
    -------
    float or ndarray of shape ``t.shape[:-1]``

    Examples
    --------
    >>> print(gaussian_log_mgf([1.0, 2.0], np.eye(2), mean=[0.5, 0.0]))  # 0.5 + (1 + 4) / 2
    3.0
    """
    cov = _real_matrix(cov, "cov", 2)
    if cov.shape[0] != cov.shape[1] or not np.allclose(cov, cov.T, rtol=1e-12, atol=1e-12):
        raise ValueError(f"cov must be a symmetric square matrix; got shape {cov.shape}")
    if np.linalg.eigvalsh(cov).min() < -1e-12 * max(1.0, np.abs(cov).max()):
        raise ValueError("cov must be positive semi-definite")
    t = _sources(t, "t", cov.shape[0])
    out = 0.5 * np.einsum("...i,ij,...j->...", t, cov, t)
    if mean is not None:
        mu = _real_matrix(mean, "mean", 1)
        if mu.shape[0] != cov.shape[0]:
            raise ValueError(f"mean must have shape ({cov.shape[0]},); got {mu.shape}")
        out = out + t @ mu
    return float(out) if np.ndim(out) == 0 else out


# ---------------------------------------------------------------------------------------------
# energies at the three scales
# ---------------------------------------------------------------------------------------------
def energy_xyz(x: ArrayLike, y: ArrayLike, z: ArrayLike, a: ArrayLike, A: ArrayLike, B: ArrayLike):
    r"""Joint energy :math:`H(x,y,z) = -a^\top x + \tfrac12(y^\top y+z^\top z) - x^\top Ay - y^\top Bz`.

    Parameters
    ----------
    x, y, z : array_like
        Shapes ``(..., n)`` (entries :math:`\pm1`), ``(..., m)``, ``(..., p)``; broadcast together.
    a, A, B : array_like
        Parameters (:func:`check_dbm_parameters`).

    Returns
    -------
    float or ndarray of the broadcast leading shape

    Examples
    --------
    >>> print(energy_xyz([1, -1], [0.5], [1.0], [0.1, 0.2], [[1.0], [0.5]], [[0.6]]))  # 0.1 + 0.625 - 0.25 - 0.3
    0.175
    """
    a, A, B, _ = check_dbm_parameters(a, A, B)
    x = _visible(x, a.shape[0])
    y = _hidden(y, A.shape[1], "y")
    z = _hidden(z, B.shape[1], "z")
    return (
        -x @ a
        + 0.5 * np.sum(y * y, axis=-1)
        + 0.5 * np.sum(z * z, axis=-1)
        - np.sum((x @ A) * y, axis=-1)
        - np.sum((y @ B) * z, axis=-1)
    )


def energy_xy(x: ArrayLike, y: ArrayLike, a: ArrayLike, A: ArrayLike, B: ArrayLike, beta: float = 1.0):
    r"""Energy after integrating out ``z``: :math:`H(x,y) = f - a^\top x + \tfrac12 y^\top(1-BB^\top)y - x^\top A y`.

    Defined by :math:`e^{-\beta H(x,y)} = \int d^p z\, e^{-\beta H(x,y,z)}`, constant ``f`` included
    (:func:`marginalization_constants`).

    Parameters
    ----------
    x, y : array_like
        Shapes ``(..., n)`` (entries :math:`\pm1`) and ``(..., m)``.
    a, A, B, beta
        Parameters (:func:`check_dbm_parameters`).

    Returns
    -------
    float or ndarray

    See Also
    --------
    rglib.rg.gaussian_dbm_numerics.quadrature_energy_xy : the same by brute-force quadrature over ``z``.

    Examples
    --------
    >>> a, A, B = [0.1, 0.2], [[1.0], [0.5]], [[0.6]]
    >>> print(round(energy_xy([1, -1], [0.5], a, A, B), 6))  # f + 0.1 + 0.125 * 0.64 - 0.25
    -0.988939
    """
    a, A, B, beta = check_dbm_parameters(a, A, B, beta)
    x = _visible(x, a.shape[0])
    y = _hidden(y, A.shape[1], "y")
    f, _ = marginalization_constants(B, beta)
    Q = np.eye(B.shape[0]) - B @ B.T
    return f - x @ a + 0.5 * np.einsum("...i,ij,...j->...", y, Q, y) - np.sum((x @ A) * y, axis=-1)


def energy_x(x: ArrayLike, a: ArrayLike, A: ArrayLike, B: ArrayLike, beta: float = 1.0):
    r"""Energy of the visible layer: :math:`H(x) = g - a^\top x - \tfrac12 x^\top A' x`, :math:`A'=A(1-BB^\top)^{-1}A^\top`.

    Defined by :math:`e^{-\beta H(x)} = \int d^m y\, d^p z\, e^{-\beta H(x,y,z)}`, constant ``g``
    included, so :math:`\sum_x e^{-\beta H(x)} = Z` of the full machine.

    Parameters
    ----------
    x : array_like, shape ``(..., n)``
        Visible configurations (entries :math:`\pm1`).
    a, A, B, beta
        Parameters (:func:`check_dbm_parameters`).

    Returns
    -------
    float or ndarray

    See Also
    --------
    rglib.rg.gaussian_dbm_numerics.quadrature_energy_x : the same by brute-force quadrature over ``y, z``.

    Examples
    --------
    >>> a, A, B = [0.1, 0.2], [[1.0], [0.5]], [[0.6]]
    >>> print(np.round(energy_x([[1, 1], [1, -1]], a, A, B), 6))  # g - a.x - (x.A)^2 / (2 * 0.64)
    [-4.118833 -2.156333]
    """
    a, A, B, beta = check_dbm_parameters(a, A, B, beta)
    x = _visible(x, a.shape[0])
    _, g = marginalization_constants(B, beta)
    _, Ap = renormalized_couplings(A, B)
    return g - x @ a - 0.5 * np.einsum("...i,ij,...j->...", x, Ap, x)


# ---------------------------------------------------------------------------------------------
# exact enumeration of the visible layer
# ---------------------------------------------------------------------------------------------
def _check_enumerable(n: int) -> None:
    if n > MAX_VISIBLE_UNITS:
        raise ValueError(f"exact enumeration needs n = len(a) <= {MAX_VISIBLE_UNITS}; got n = {n}")


def log_partition(a: ArrayLike, A: ArrayLike, B: ArrayLike, beta: float = 1.0) -> float:
    r"""Exact :math:`\ln Z = \ln\sum_x e^{-\beta H(x)}` of the whole machine (enumeration of ``x``).

    Parameters
    ----------
    a, A, B, beta
        Parameters (:func:`check_dbm_parameters`); ``n = len(a) <= MAX_VISIBLE_UNITS``.

    Returns
    -------
    float

    Examples
    --------
    >>> a, A, B = [0.1, 0.2], [[1.0], [0.5]], [[0.6]]
    >>> print(round(log_partition(a, A, B), 6))
    4.739911
    """
    a, A, B, beta = check_dbm_parameters(a, A, B, beta)
    _check_enumerable(a.shape[0])
    x = all_spin_configurations(a.shape[0])
    return float(logsumexp(-beta * energy_x(x, a, A, B, beta)))


class VisibleDistribution(NamedTuple):
    """The exact distribution of the visible layer (:func:`visible_log_probabilities`)."""

    #: All visible configurations, int8, shape ``(2**n, n)`` (order of :func:`rglib.ising.all_spin_configurations`).
    x: NDArray[np.int8]
    #: Their log-probabilities :math:`\ln p(x)`, shape ``(2**n,)``.
    log_p: NDArray[np.float64]


def visible_log_probabilities(a: ArrayLike, A: ArrayLike, B: ArrayLike, beta: float = 1.0) -> VisibleDistribution:
    r"""All visible configurations and their exact log-probabilities :math:`\ln p(x) = -\beta H(x) - \ln Z`.

    Parameters
    ----------
    a, A, B, beta
        Parameters (:func:`check_dbm_parameters`); ``n = len(a) <= MAX_VISIBLE_UNITS``.

    Returns
    -------
    VisibleDistribution

    Examples
    --------
    >>> x, log_p = visible_log_probabilities([0.1, 0.2], [[1.0], [0.5]], [[0.6]])
    >>> print(x.tolist(), np.round(np.exp(log_p), 6))
    [[1, 1], [1, -1], [-1, 1], [-1, -1]] [0.537365 0.075503 0.09222  0.294912]
    """
    a, A, B, beta = check_dbm_parameters(a, A, B, beta)
    _check_enumerable(a.shape[0])
    x = all_spin_configurations(a.shape[0])
    lw = -beta * energy_x(x, a, A, B, beta)
    return VisibleDistribution(x, lw - logsumexp(lw))


class VisibleMoments(NamedTuple):
    """Exact first and second moments of the visible layer (:func:`exact_visible_moments`)."""

    #: :math:`\langle x_i\rangle`, shape ``(n,)``.
    mean: NDArray[np.float64]
    #: :math:`\langle x_i x_j\rangle`, shape ``(n, n)`` (ones on the diagonal).
    correlation: NDArray[np.float64]


def exact_visible_moments(a: ArrayLike, A: ArrayLike, B: ArrayLike, beta: float = 1.0) -> VisibleMoments:
    r"""Exact :math:`\langle x_i\rangle` and :math:`\langle x_i x_j\rangle` under :math:`p(x)` (enumeration).

    Parameters
    ----------
    a, A, B, beta
        Parameters (:func:`check_dbm_parameters`); ``n = len(a) <= MAX_VISIBLE_UNITS``.

    Returns
    -------
    VisibleMoments

    See Also
    --------
    rglib.rg.gaussian_dbm_numerics.gibbs_sample_dbm : the same moments by Monte Carlo.

    Examples
    --------
    >>> mean, corr = exact_visible_moments([0.1, 0.2], [[1.0], [0.5]], [[0.6]])
    >>> print(np.round(mean, 6), round(corr[0, 1], 6))
    [0.225736 0.259169] 0.664553
    """
    x, log_p = visible_log_probabilities(a, A, B, beta)
    p = np.exp(log_p)
    xf = x.astype(np.float64)
    return VisibleMoments(p @ xf, xf.T @ (xf * p[:, None]))
