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
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from .._checks import numpy_generator
from ..ising.enumeration import all_spin_configurations

__all__ = [
    "MAX_VISIBLE_UNITS",
    "check_dbm_parameters",
    "renormalized_couplings",
    "marginalization_constants",
    "gaussian_log_integral",
    "gaussian_log_mgf",
    "energy_xyz",
    "energy_xy",
    "energy_x",
    "log_partition",
    "visible_log_probabilities",
    "exact_visible_moments",
    "quadrature_energy_xy",
    "quadrature_energy_x",
    "DBMGibbsTrace",
    "gibbs_sample_dbm",
]

#: Largest visible layer for which the exact enumeration of p(x) is allowed (2**20 states).
MAX_VISIBLE_UNITS = 20
#: Largest number of grid points of a brute-force quadrature (per visible configuration).
_MAX_GRID_POINTS = 4_000_000


# ---------------------------------------------------------------------------------------------
# argument checking
# ---------------------------------------------------------------------------------------------
def _real_array(value: ArrayLike, name: str, ndim: int) -> NDArray[np.float64]:
    arr = np.asarray(value)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{name} must be a real numeric array; got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional; got shape {arr.shape}")
    if arr.size == 0 or 0 in arr.shape:
        raise ValueError(f"{name} must have positive sizes; got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def _check_beta(beta) -> float:
    if isinstance(beta, bool) or not isinstance(beta, (int, float, np.integer, np.floating)):
        raise TypeError(f"beta must be a real number; got {type(beta).__name__}")
    b = float(beta)
    if not np.isfinite(b) or b <= 0:
        raise ValueError(f"beta must be finite and > 0; got {beta!r}")
    return b


def _check_B(B: ArrayLike) -> NDArray[np.float64]:
    B = _real_array(B, "B", 2)
    norm = float(np.linalg.norm(B, 2))
    if not norm < 1.0:
        raise ValueError(
            f"B must have spectral norm ||B||_2 < 1 (then 1 - B B^T and the quadratic form of (y, z) are "
            f"positive definite and the Gaussian integrals exist); got ||B||_2 = {norm:.6g} >= 1, "
            "so the integral over y diverges"
        )
    return B


def check_dbm_parameters(a: ArrayLike, A: ArrayLike, B: ArrayLike, beta: float = 1.0):
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
    a, A, B : ndarray
        float64 copies.
    beta : float

    Raises
    ------
    TypeError
        Non-numeric input.
    ValueError
        Wrong number of dimensions, mismatched shapes, NaN/inf, ``beta <= 0`` or :math:`\|B\|_2 \ge 1`
        (the Gaussian integral over ``y`` diverges).
    """
    a = _real_array(a, "a", 1)
    A = _real_array(A, "A", 2)
    B = _real_array(B, "B", 2)
    if A.shape[0] != a.shape[0]:
        raise ValueError(f"A must have shape (n, m) with n = len(a) = {a.shape[0]}; got A.shape = {A.shape}")
    if B.shape[0] != A.shape[1]:
        raise ValueError(f"B must have shape (m, p) with m = A.shape[1] = {A.shape[1]}; got B.shape = {B.shape}")
    B = _check_B(B)
    return a, A, B, _check_beta(beta)


# ---------------------------------------------------------------------------------------------
# closed forms
# ---------------------------------------------------------------------------------------------
def renormalized_couplings(A: ArrayLike, B: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Induced couplings :math:`B' = BB^\top` (``m x m``) and :math:`A' = A(1-B')^{-1}A^\top` (``n x n``).

    :math:`B'` renormalizes the ``y``-``y`` quadratic form after ``z`` is integrated out,
    :math:`\tfrac12 y^\top y \to \tfrac12 y^\top (1-B') y`; :math:`A'` is the induced ``x``-``x`` coupling
    after ``y`` is integrated out, entering as :math:`-\tfrac12 x^\top A' x` in :math:`H(x)` (a
    ferromagnetic-like attraction for positive entries). Its diagonal only shifts the constant, since
    :math:`x_i^2 = 1`.
    """
    A = _real_array(A, "A", 2)
    B = _real_array(B, "B", 2)
    if B.shape[0] != A.shape[1]:
        raise ValueError(f"B must have shape (m, p) with m = A.shape[1] = {A.shape[1]}; got B.shape = {B.shape}")
    B = _check_B(B)
    Bp = B @ B.T
    Ap = A @ np.linalg.solve(np.eye(B.shape[0]) - Bp, A.T)
    return Bp, 0.5 * (Ap + Ap.T)


def marginalization_constants(B: ArrayLike, beta: float = 1.0) -> tuple[float, float]:
    r"""The constants ``f`` of :math:`H(x,y)` and ``g`` of :math:`H(x)`.

    .. math::
       f = \frac{p}{2\beta}\ln\frac{\beta}{2\pi},\qquad
       g = f + \frac{1}{2\beta}\ln\frac{\beta^m\det(1-BB^\top)}{(2\pi)^m}
         = \frac{1}{2\beta}\ln\frac{\beta^{m+p}\det(1-BB^\top)}{(2\pi)^{m+p}} .

    Parameters
    ----------
    B : array_like, shape ``(m, p)``, :math:`\|B\|_2<1`
    beta : float > 0
    """
    B = _check_B(B)
    beta = _check_beta(beta)
    m, p = B.shape
    sign, logdet = np.linalg.slogdet(np.eye(m) - B @ B.T)
    f = p / (2 * beta) * np.log(beta / (2 * np.pi))
    g = ((m + p) * np.log(beta / (2 * np.pi)) + logdet) / (2 * beta)
    return float(f), float(g)


def gaussian_log_integral(M: ArrayLike, J: ArrayLike) -> NDArray[np.float64] | float:
    r""":math:`\ln\int d^k u\, \exp(-\tfrac12 u^\top M u + J^\top u)
    = \tfrac k2\ln 2\pi - \tfrac12\ln\det M + \tfrac12 J^\top M^{-1}J`.

    Parameters
    ----------
    M : array_like, shape ``(k, k)``
        Symmetric positive-definite matrix (otherwise the integral diverges: ``ValueError``).
    J : array_like, shape ``(..., k)``
        Sources; broadcast over leading axes.
    """
    M = _real_array(M, "M", 2)
    if M.shape[0] != M.shape[1]:
        raise ValueError(f"M must be square; got shape {M.shape}")
    if not np.allclose(M, M.T, rtol=1e-12, atol=1e-12):
        raise ValueError("M must be symmetric")
    try:
        L = np.linalg.cholesky(M)
    except np.linalg.LinAlgError:
        raise ValueError("M must be positive definite (the Gaussian integral diverges otherwise)") from None
    J = np.asarray(J, dtype=np.float64)
    if J.ndim < 1 or J.shape[-1] != M.shape[0]:
        raise ValueError(f"J must have shape (..., {M.shape[0]}); got {J.shape}")
    if not np.isfinite(J).all():
        raise ValueError("J must be finite (no NaN or inf)")
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
    """
    cov = _real_array(cov, "cov", 2)
    if cov.shape[0] != cov.shape[1] or not np.allclose(cov, cov.T, rtol=1e-12, atol=1e-12):
        raise ValueError(f"cov must be a symmetric square matrix; got shape {cov.shape}")
    if np.linalg.eigvalsh(cov).min() < -1e-12 * max(1.0, np.abs(cov).max()):
        raise ValueError("cov must be positive semi-definite")
    t = np.asarray(t, dtype=np.float64)
    if t.ndim < 1 or t.shape[-1] != cov.shape[0]:
        raise ValueError(f"t must have shape (..., {cov.shape[0]}); got {t.shape}")
    if not np.isfinite(t).all():
        raise ValueError("t must be finite (no NaN or inf)")
    out = 0.5 * np.einsum("...i,ij,...j->...", t, cov, t)
    if mean is not None:
        mu = _real_array(mean, "mean", 1)
        if mu.shape[0] != cov.shape[0]:
            raise ValueError(f"mean must have shape ({cov.shape[0]},); got {mu.shape}")
        out = out + t @ mu
    return float(out) if np.ndim(out) == 0 else out


# ---------------------------------------------------------------------------------------------
# energies at the three scales
# ---------------------------------------------------------------------------------------------
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
    va = np.asarray(v, dtype=np.float64)
    if va.ndim < 1 or va.shape[-1] != k:
        raise ValueError(f"{name} must have shape (..., {k}); got {va.shape}")
    if not np.isfinite(va).all():
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return va


def energy_xyz(x: ArrayLike, y: ArrayLike, z: ArrayLike, a: ArrayLike, A: ArrayLike, B: ArrayLike):
    r"""Joint energy :math:`H(x,y,z) = -a^\top x + \tfrac12(y^\top y+z^\top z) - x^\top Ay - y^\top Bz`.

    ``x``, ``y``, ``z`` have shapes ``(..., n)``, ``(..., m)``, ``(..., p)`` and broadcast together.
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
    """
    a, A, B, beta = check_dbm_parameters(a, A, B, beta)
    x = _visible(x, a.shape[0])
    _, g = marginalization_constants(B, beta)
    _, Ap = renormalized_couplings(A, B)
    return g - x @ a - 0.5 * np.einsum("...i,ij,...j->...", x, Ap, x)


def _check_enumerable(n: int) -> None:
    if n > MAX_VISIBLE_UNITS:
        raise ValueError(f"exact enumeration needs n = len(a) <= {MAX_VISIBLE_UNITS}; got n = {n}")


def log_partition(a: ArrayLike, A: ArrayLike, B: ArrayLike, beta: float = 1.0) -> float:
    r"""Exact :math:`\ln Z = \ln\sum_x e^{-\beta H(x)}` of the whole machine (enumeration of ``x``)."""
    a, A, B, beta = check_dbm_parameters(a, A, B, beta)
    _check_enumerable(a.shape[0])
    x = all_spin_configurations(a.shape[0])
    return float(logsumexp(-beta * energy_x(x, a, A, B, beta)))


def visible_log_probabilities(a: ArrayLike, A: ArrayLike, B: ArrayLike, beta: float = 1.0):
    r"""All visible configurations and their exact log-probabilities :math:`\ln p(x)`.

    Returns
    -------
    x : ndarray of int8, shape ``(2**n, n)``
        In the order of :func:`rglib.ising.all_spin_configurations`.
    log_p : ndarray of float64, shape ``(2**n,)``
    """
    a, A, B, beta = check_dbm_parameters(a, A, B, beta)
    _check_enumerable(a.shape[0])
    x = all_spin_configurations(a.shape[0])
    lw = -beta * energy_x(x, a, A, B, beta)
    return x, lw - logsumexp(lw)


def exact_visible_moments(a: ArrayLike, A: ArrayLike, B: ArrayLike, beta: float = 1.0):
    r"""Exact :math:`\langle x_i\rangle` (shape ``(n,)``) and :math:`\langle x_i x_j\rangle` (``(n, n)``) under p(x)."""
    x, log_p = visible_log_probabilities(a, A, B, beta)
    p = np.exp(log_p)
    xf = x.astype(np.float64)
    return p @ xf, xf.T @ (xf * p[:, None])


# ---------------------------------------------------------------------------------------------
# brute-force quadrature (independent of the closed forms)
# ---------------------------------------------------------------------------------------------
def _grid(dim: int, n_grid: int, half_width: float):
    if isinstance(n_grid, bool) or not isinstance(n_grid, (int, np.integer)) or n_grid < 3:
        raise ValueError(f"n_grid must be an int >= 3; got {n_grid!r}")
    if not np.isfinite(half_width) or half_width <= 0:
        raise ValueError(f"half_width must be finite and > 0; got {half_width!r}")
    if n_grid**dim > _MAX_GRID_POINTS:
        raise ValueError(
            f"n_grid**dim = {n_grid}**{dim} exceeds {_MAX_GRID_POINTS} grid points; use fewer points or smaller m, p"
        )
    u = np.linspace(-half_width, half_width, n_grid)
    h = u[1] - u[0]
    logw = np.full(n_grid, np.log(h))
    logw[[0, -1]] = np.log(h / 2)  # trapezoidal end weights
    mesh = np.stack(np.meshgrid(*([u] * dim), indexing="ij"), axis=-1).reshape(-1, dim)
    logW = sum(np.meshgrid(*([logw] * dim), indexing="ij")).reshape(-1)
    return mesh, logW


def quadrature_energy_xy(
    x: ArrayLike, y: ArrayLike, a: ArrayLike, A: ArrayLike, B: ArrayLike, beta: float = 1.0,
    *, n_grid: int = 101, half_width: float = 14.0,
):
    r""":math:`-\frac1\beta\ln\int d^p z\, e^{-\beta H(x,y,z)}` by the trapezoidal rule on a grid.

    Brute force, independent of the closed form :func:`energy_xy`: a tensor grid of ``n_grid**p`` points on
    :math:`[-w, w]^p` (``w = half_width``). The integrand is smooth and Gaussian-decaying, so the rule
    converges exponentially once the grid covers the bulk. ``x`` of shape ``(n,)`` or ``(B, n)`` and ``y`` of
    shape ``(m,)`` or ``(B, m)``.
    """
    a, A, B, beta = check_dbm_parameters(a, A, B, beta)
    x = np.atleast_2d(_visible(x, a.shape[0]))
    y = np.atleast_2d(_hidden(y, A.shape[1], "y"))
    if x.shape[0] != y.shape[0] and 1 not in (x.shape[0], y.shape[0]):
        raise ValueError(f"x and y must have the same number of rows (or one row); got {x.shape} and {y.shape}")
    rows = max(x.shape[0], y.shape[0])
    x = np.broadcast_to(x, (rows, x.shape[1]))
    y = np.broadcast_to(y, (rows, y.shape[1]))
    zg, logW = _grid(B.shape[1], n_grid, half_width)
    E = energy_xyz(x[:, None, :], y[:, None, :], zg[None, :, :], a, A, B)
    return -logsumexp(-beta * E + logW[None, :], axis=1) / beta


def quadrature_energy_x(
    x: ArrayLike, a: ArrayLike, A: ArrayLike, B: ArrayLike, beta: float = 1.0,
    *, n_grid: int = 81, half_width: float = 20.0,
):
    r""":math:`-\frac1\beta\ln\int d^m y\,d^p z\, e^{-\beta H(x,y,z)}` by the trapezoidal rule on a grid.

    Brute force over the joint ``(y, z)`` grid of ``n_grid**(m+p)`` points (keep ``m + p`` tiny), independent
    of the closed form :func:`energy_x`. ``x`` of shape ``(n,)`` or ``(B, n)``.
    """
    a, A, B, beta = check_dbm_parameters(a, A, B, beta)
    x = np.atleast_2d(_visible(x, a.shape[0]))
    m, p = B.shape
    grid, logW = _grid(m + p, n_grid, half_width)
    y, z = grid[:, :m], grid[:, m:]
    out = np.empty(x.shape[0])
    quad_yz = 0.5 * np.sum(grid * grid, axis=1) - np.sum((y @ B) * z, axis=1)  # x-independent part
    for k in range(x.shape[0]):  # loop over the (few) visible configurations; each step is vectorized
        E = -x[k] @ a + quad_yz - y @ (x[k] @ A)
        out[k] = -logsumexp(-beta * E + logW) / beta
    return out


# ---------------------------------------------------------------------------------------------
# Gibbs sampling at the two hidden scales
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DBMGibbsTrace:
    r"""Chain-averaged visible observables, one entry per recorded sweep.

    Attributes
    ----------
    x_mean : ndarray, shape ``(n_sweeps, n)``
        :math:`\frac1C\sum_c x_i^{(c)}(t)` over the ``C`` chains at sweep ``t``.
    xx_mean : ndarray, shape ``(n_sweeps, n, n)``
        :math:`\frac1C\sum_c x_i^{(c)}(t)\,x_j^{(c)}(t)`.
    level : str
        ``'xyz'`` (joint machine) or ``'xy'`` (after integrating out ``z``).
    n_chains : int
    """

    x_mean: NDArray[np.float64]
    xx_mean: NDArray[np.float64]
    level: str
    n_chains: int


def _pos_int(v, name: str, minimum: int = 1) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}; got {v!r}")
    return int(v)


def gibbs_sample_dbm(
    a: ArrayLike, A: ArrayLike, B: ArrayLike, beta: float = 1.0, *,
    level: str = "xyz", n_chains: int = 256, n_sweeps: int = 2000, n_burn: int = 200,
    seed: int | np.random.Generator | None = None, progress: bool = False,
) -> DBMGibbsTrace:
    r"""Block Gibbs sampler of :math:`p(x,y,z)` (``level='xyz'``) or of :math:`p(x,y)` (``level='xy'``).

    Vectorized over ``n_chains`` independent chains. Conditionals (all exact):

    * :math:`p(x_i=+1\mid y) = \sigma\bigl(2\beta(a + Ay)_i\bigr)` (independent over ``i``);
    * ``level='xyz'``: :math:`z\mid y \sim \mathcal N(B^\top y, \beta^{-1}1)` and
      :math:`y\mid x,z \sim \mathcal N(A^\top x + Bz, \beta^{-1}1)`; one sweep updates ``(x, z)`` given
      ``y`` (they are conditionally independent) and then ``y``;
    * ``level='xy'``: :math:`y\mid x \sim \mathcal N\bigl((1-B')^{-1}A^\top x, \beta^{-1}(1-B')^{-1}\bigr)`,
      i.e. the sampler only knows the renormalized Hamiltonian :math:`H(x,y)`.

    Parameters
    ----------
    a, A, B, beta
        Model parameters (see :func:`check_dbm_parameters`).
    level : {'xyz', 'xy'}
    n_chains, n_sweeps, n_burn : int
        Chains, recorded sweeps, and discarded burn-in sweeps.
    seed : int, numpy.random.Generator or None
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    DBMGibbsTrace
        Feed ``xx_mean`` to :func:`rglib.stats.mean_error` (time axis 0) for means with autocorrelation-aware
        standard errors.
    """
    a, A, B, beta = check_dbm_parameters(a, A, B, beta)
    if level not in ("xyz", "xy"):
        raise ValueError(f"level must be 'xyz' or 'xy'; got {level!r}")
    C = _pos_int(n_chains, "n_chains")
    T = _pos_int(n_sweeps, "n_sweeps")
    burn = _pos_int(n_burn, "n_burn", 0)
    rng = numpy_generator(seed)
    n, m = A.shape
    p = B.shape[1]
    sd = 1.0 / np.sqrt(beta)
    if level == "xy":
        Q = np.eye(m) - B @ B.T
        Lq = np.linalg.cholesky(Q)  # Q = Lq Lq^T, so cov (Q^{-1}/beta) = Lq^{-T} Lq^{-1} / beta
        G = np.linalg.solve(Q, A.T).T  # (n, m): mean of y given x is x @ G
        Lq_invT = np.linalg.inv(Lq).T
    y = rng.standard_normal((C, m)) * sd
    x = np.ones((C, n))
    x_mean = np.empty((T, n))
    xx_mean = np.empty((T, n, n))
    it = range(burn + T)
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(it, desc=f"Gibbs {level}")
    for t in it:
        field = 2.0 * beta * (a[None, :] + y @ A.T)
        x = np.where(rng.random((C, n)) < 0.5 * (1.0 + np.tanh(0.5 * field)), 1.0, -1.0)
        if level == "xyz":
            z = y @ B + sd * rng.standard_normal((C, p))
            y = x @ A + z @ B.T + sd * rng.standard_normal((C, m))
        else:
            y = x @ G + sd * rng.standard_normal((C, m)) @ Lq_invT.T
        if t >= burn:
            k = t - burn
            x_mean[k] = x.mean(axis=0)
            xx_mean[k] = (x.T @ x) / C
    return DBMGibbsTrace(x_mean=x_mean, xx_mean=xx_mean, level=level, n_chains=C)
