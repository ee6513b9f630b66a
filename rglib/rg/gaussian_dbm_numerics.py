r"""Brute-force evaluations of the three-layer Gaussian DBM, independent of its closed forms.

The model and its conventions are those of :mod:`rglib.rg.gaussian_dbm`: visible :math:`x\in\{\pm1\}^n`,
hidden :math:`y\in\mathbb R^m`, :math:`z\in\mathbb R^p`, energy
:math:`H = -a^\top x + \tfrac12(y^\top y + z^\top z) - x^\top Ay - y^\top Bz` with :math:`\|B\|_2 < 1`.
This module checks the closed forms there in two independent ways:

* trapezoidal quadrature of the Gaussian integrals on a tensor grid (:func:`quadrature_energy_xy`,
  :func:`quadrature_energy_x`), with an upper bound on the number of grid points;
* block Gibbs sampling at the two hidden scales (:func:`gibbs_sample_dbm`), reproducible from a seed, with
  an upper bound on the number of updates.

References
----------
.. [1] R. Jefferson, "Deep learning and the renormalization group", essay (2019), rojefferson.blog.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from .._checks import check_bool, check_choice, check_int, check_real_scalar, numpy_generator
from ._dbm_checks import _hidden, _visible
from .gaussian_dbm import check_dbm_parameters, energy_xyz

__all__ = [
    "MAX_GRID_POINTS",
    "quadrature_energy_xy",
    "quadrature_energy_x",
    "MAX_GIBBS_UPDATES",
    "DBMGibbsTrace",
    "gibbs_sample_dbm",
]

#: Largest number of grid points of a brute-force quadrature (per visible configuration).
MAX_GRID_POINTS = 4_000_000
#: Largest number of single-unit updates of :func:`gibbs_sample_dbm`,
#: ``(n_burn + n_sweeps) * n_chains * (n + m + p)`` (about a minute per 1e9 on one core).
MAX_GIBBS_UPDATES = 20_000_000_000
#: Largest number of stored chain averages, ``n_sweeps * n * (n + 1)`` float64 values (1 GiB).
_MAX_TRACE_VALUES = 2**27


# ---------------------------------------------------------------------------------------------
# brute-force quadrature
# ---------------------------------------------------------------------------------------------
def _grid(dim: int, n_grid: int, half_width: float):
    n_grid = check_int(n_grid, "n_grid", 3)
    half_width = check_real_scalar(half_width, "half_width", lower=0.0, lower_strict=True)
    if n_grid**dim > MAX_GRID_POINTS:
        raise ValueError(
            f"n_grid**dim = {n_grid}**{dim} exceeds MAX_GRID_POINTS = {MAX_GRID_POINTS} grid points; "
            "use fewer points or smaller m, p"
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
) -> NDArray[np.float64]:
    r""":math:`-\frac1\beta\ln\int d^p z\, e^{-\beta H(x,y,z)}` by the trapezoidal rule on a grid.

    Brute force, independent of the closed form :func:`rglib.rg.gaussian_dbm.energy_xy`: a tensor grid of
    ``n_grid**p`` points on :math:`[-w, w]^p` (``w = half_width``). The integrand is smooth and
    Gaussian-decaying, so the rule converges exponentially once the grid covers the bulk.

    Parameters
    ----------
    x : array_like, shape ``(n,)`` or ``(R, n)``
        Visible configurations (entries :math:`\pm1`).
    y : array_like, shape ``(m,)`` or ``(R, m)``
        First hidden layer (one row is broadcast against many rows of ``x`` and vice versa).
    a, A, B, beta
        Parameters (:func:`rglib.rg.gaussian_dbm.check_dbm_parameters`).
    n_grid : int
        Points per axis, ``>= 3``, with ``n_grid**p <= MAX_GRID_POINTS``.
    half_width : float
        Half-width ``w > 0`` of the grid.

    Returns
    -------
    ndarray, shape ``(R,)``

    See Also
    --------
    rglib.rg.gaussian_dbm.energy_xy : the closed form.

    Examples
    --------
    >>> from rglib.rg.gaussian_dbm import energy_xy
    >>> a, A, B = [0.1, 0.2], [[1.0], [0.5]], [[0.6]]
    >>> q = quadrature_energy_xy([1, -1], [0.5], a, A, B)
    >>> print(round(float(q[0]), 10), round(energy_xy([1, -1], [0.5], a, A, B), 10))
    -0.9889385332 -0.9889385332
    """
    a, A, B, beta = check_dbm_parameters(a, A, B, beta)
    x = np.atleast_2d(_visible(x, a.shape[0]))
    y = np.atleast_2d(_hidden(y, A.shape[1], "y"))
    if x.ndim != 2 or y.ndim != 2:
        raise ValueError(f"x and y must have at most two axes; got shapes {x.shape} and {y.shape}")
    if x.shape[0] != y.shape[0] and 1 not in (x.shape[0], y.shape[0]):
        raise ValueError(f"x and y must have the same number of rows (or one row); got {x.shape} and {y.shape}")
    rows = max(x.shape[0], y.shape[0])
    x = np.broadcast_to(x, (rows, x.shape[1]))
    y = np.broadcast_to(y, (rows, y.shape[1]))
    zg, logW = _grid(B.shape[1], n_grid, half_width)
    out = np.empty(rows)
    per_chunk = max(1, MAX_GRID_POINTS // zg.shape[0])  # bounded memory: at most MAX_GRID_POINTS energies at once
    for start in range(0, rows, per_chunk):
        sl = slice(start, start + per_chunk)
        E = energy_xyz(x[sl, None, :], y[sl, None, :], zg[None, :, :], a, A, B)
        out[sl] = -logsumexp(-beta * E + logW[None, :], axis=1) / beta
    return out


def quadrature_energy_x(
    x: ArrayLike, a: ArrayLike, A: ArrayLike, B: ArrayLike, beta: float = 1.0,
    *, n_grid: int = 81, half_width: float = 20.0,
) -> NDArray[np.float64]:
    r""":math:`-\frac1\beta\ln\int d^m y\,d^p z\, e^{-\beta H(x,y,z)}` by the trapezoidal rule on a grid.

    Brute force over the joint ``(y, z)`` grid of ``n_grid**(m+p)`` points (keep ``m + p`` tiny), independent
    of the closed form :func:`rglib.rg.gaussian_dbm.energy_x`.

    Parameters
    ----------
    x : array_like, shape ``(n,)`` or ``(R, n)``
        Visible configurations (entries :math:`\pm1`).
    a, A, B, beta
        Parameters (:func:`rglib.rg.gaussian_dbm.check_dbm_parameters`).
    n_grid : int
        Points per axis, ``>= 3``, with ``n_grid**(m+p) <= MAX_GRID_POINTS``.
    half_width : float
        Half-width ``w > 0`` of the grid.

    Returns
    -------
    ndarray, shape ``(R,)``

    See Also
    --------
    rglib.rg.gaussian_dbm.energy_x : the closed form.

    Examples
    --------
    >>> from rglib.rg.gaussian_dbm import energy_x
    >>> a, A, B = [0.1, 0.2], [[1.0], [0.5]], [[0.6]]
    >>> print(round(float(quadrature_energy_x([1, 1], a, A, B)[0]), 10), round(energy_x([1, 1], a, A, B), 10))
    -4.1188331177 -4.1188331177
    """
    a, A, B, beta = check_dbm_parameters(a, A, B, beta)
    x = np.atleast_2d(_visible(x, a.shape[0]))
    if x.ndim != 2:
        raise ValueError(f"x must have shape (n,) or (R, n); got {x.shape}")
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
class DBMGibbsTrace(NamedTuple):
    r"""Chain-averaged visible observables of :func:`gibbs_sample_dbm`, one entry per recorded sweep."""

    #: :math:`\frac1C\sum_c x_i^{(c)}(t)` over the ``C`` chains at sweep ``t``, shape ``(n_sweeps, n)``.
    x_mean: NDArray[np.float64]
    #: :math:`\frac1C\sum_c x_i^{(c)}(t)\,x_j^{(c)}(t)`, shape ``(n_sweeps, n, n)``.
    xx_mean: NDArray[np.float64]
    #: ``'xyz'`` (joint machine) or ``'xy'`` (after integrating out ``z``).
    level: str
    #: Number of chains ``C``.
    n_chains: int


def _gibbs_sample_dbm_iv(a, A, B, beta, level, n_chains, n_sweeps, n_burn, seed, progress):
    a, A, B, beta = check_dbm_parameters(a, A, B, beta)
    level = check_choice(level, "level", ("xyz", "xy"))
    C = check_int(n_chains, "n_chains", 1)
    T = check_int(n_sweeps, "n_sweeps", 1)
    burn = check_int(n_burn, "n_burn", 0)
    progress = check_bool(progress, "progress")
    (n, m), p = A.shape, B.shape[1]
    updates = (burn + T) * C * (n + m + p)
    if updates > MAX_GIBBS_UPDATES:
        raise ValueError(f"(n_burn + n_sweeps) * n_chains * (n + m + p) = {updates:.3g} unit updates exceed "
                         f"MAX_GIBBS_UPDATES = {MAX_GIBBS_UPDATES:.3g}; use fewer sweeps or chains")
    if T * n * (n + 1) > _MAX_TRACE_VALUES:
        raise ValueError(f"n_sweeps * n * (n + 1) = {T * n * (n + 1):.3g} stored values exceed "
                         f"{_MAX_TRACE_VALUES:.3g} (1 GiB); use fewer sweeps")
    return a, A, B, beta, level, C, T, burn, numpy_generator(seed), progress


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
        Model parameters (:func:`rglib.rg.gaussian_dbm.check_dbm_parameters`).
    level : {'xyz', 'xy'}
        Which distribution is sampled.
    n_chains, n_sweeps, n_burn : int
        Chains (``>= 1``), recorded sweeps (``>= 1``) and discarded burn-in sweeps (``>= 0``); the number of
        unit updates must not exceed ``MAX_GIBBS_UPDATES`` (checked before sampling starts).
    seed : int, numpy.random.Generator or None
        Randomness; the same seed gives bit-identical traces.
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    DBMGibbsTrace
        Feed ``xx_mean`` to :func:`rglib.stats.mean_error` (time axis 0) for means with autocorrelation-aware
        standard errors.

    See Also
    --------
    rglib.rg.gaussian_dbm.exact_visible_moments : the exact moments, by enumeration.

    Examples
    --------
    >>> tr = gibbs_sample_dbm([0.1, 0.2], [[1.0], [0.5]], [[0.6]], n_chains=500, n_sweeps=200, seed=1)
    >>> print(tr.xx_mean.shape, round(float(tr.xx_mean[:, 0, 1].mean()), 2))  # exact: 0.6646
    (200, 2, 2) 0.67
    """
    a, A, B, beta, level, C, T, burn, rng, progress = _gibbs_sample_dbm_iv(
        a, A, B, beta, level, n_chains, n_sweeps, n_burn, seed, progress)
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
    for t in it:  # a loop over sweeps (a Markov chain); each sweep is vectorised over chains and units
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
