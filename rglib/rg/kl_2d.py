r"""Relative entropy along the decimation RG of the square-lattice Ising model, exactly where possible.

Conventions of :mod:`rglib.rg.decimation_2d`: ``K = beta J > 0``, zero field, step ``n`` keeps the sublattice
:math:`\Lambda_n` with :math:`N_n = N/2^n` sites; everything is per site of the original (UV) lattice, in nats.
``shape=None`` means the infinite lattice (Onsager), an ``(L1, L2)`` torus the exact finite system (Kaufman,
enumeration). :math:`f = \lim\ln Z/N`, :math:`u` the energy per site (units of ``J``), :math:`s = f + Ku` the
entropy per site, :math:`c` the specific heat per site (:mod:`rglib.ising.square`).

Three divergences along the flow:

* **A** (:func:`kl_same_lattice_2d`): :math:`\frac1N D(p_{K_0}\|p_{K_n})` on the same lattice, :math:`K_n` from the
  nearest-neighbour recursion :func:`~rglib.rg.decimation_2d.nn_recursion`; a Bregman divergence of
  :math:`f`: :math:`d^A_n = f(K_n) - f(K_0) + (K_n - K_0)u(K_0)`.
* **B, exact marginals**: :math:`\frac1N D(p\|q_n)`, :math:`q_n = p'_n(s_{\Lambda_n})2^{-(N-N_n)}` with
  :math:`p'_n` the exact marginal: :math:`d^B_n = (1-2^{-n})\ln2 - s + 2^{-n}s'_n`. The first step is local
  (:func:`kl_lifted_first_step`); later steps are bracketed (:func:`kl_lifted_bounds`) or enumerated on tori
  (:func:`torus_kl_lifted`).
* **B, truncated RG** (:func:`kl_lifted_truncated`): the same with :math:`p'_n` replaced by the
  nearest-neighbour model of coupling :math:`K_n` on :math:`\Lambda_n`.

Short-distance correlations of the infinite lattice come from Toeplitz determinants
(:func:`square_lattice_correlation`).

References
----------
B. M. McCoy and T. T. Wu, *The Two-Dimensional Ising Model* (Harvard, 1973);
E. W. Montroll, R. B. Potts and J. C. Ward, J. Math. Phys. 4, 308 (1963).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq
from scipy.special import logsumexp

from .._checks import check_int as _int
from .._checks import check_real_array as _real
from .._numerics import LN2
from .._numerics import log_2cosh as _log_2cosh
from .._numerics import scalar_or_array as _out
from ..entropy import kl_divergence, shannon_entropy
from ..ising.square import (
    K_CRITICAL,
    kaufman_internal_energy,
    kaufman_log_partition,
    kaufman_specific_heat,
    onsager_free_energy,
    onsager_internal_energy,
    onsager_specific_heat,
)
from .decimation_2d import (
    MAX_FLOW_STEPS,
    _check_torus,
    _spin_of,
    kept_marginal_log_probabilities,
    nn_flow,
    nn_recursion,
    plaquette_log_weights,
    removed_site_neighbours,
    sublattice_bonds,
    sublattice_sites,
)

__all__ = [
    "MAX_DISTANCE",
    "NEIGHBOUR_SUM_K_MIN",
    "square_lattice_correlation",
    "NeighbourSum",
    "neighbour_sum_probabilities",
    "neighbour_sum_distribution",
    "removed_spin_entropy",
    "kl_lifted_first_step",
    "local_conditional_entropy",
    "short_correlations",
    "onsager_entropy",
    "kl_asymptote_2d",
    "kl_asymptote_slope",
    "kl_same_lattice_2d",
    "LiftedBounds",
    "kl_lifted_bounds",
    "kl_lifted_truncated",
    "TruncationKL",
    "truncation_kl_first_step",
    "torus_entropy",
    "torus_neighbour_sum",
    "torus_kl_lifted",
    "torus_truncation_kl",
    "torus_kl_lifted_truncated",
]

#: Largest separation accepted by :func:`square_lattice_correlation` (Toeplitz matrices up to this size).
MAX_DISTANCE = 1024


def _binary_entropy_of_field(x):
    r""":math:`h(x) = \ln 2\cosh x - x\tanh x`, the entropy of a spin in the local field ``x``."""
    return _log_2cosh(x) - x * np.tanh(x)


def _positive(K, name="K0"):
    return _real(K, name, lower=0.0, lower_strict=True, what=f"{name} > 0 (ferromagnet)")


def _pm1_spins(spins):
    s = np.asarray(spins)
    if s.ndim < 2 or s.dtype == np.bool_ or not np.issubdtype(s.dtype, np.integer):
        raise TypeError(f"spins must be an integer array of +-1 with shape (..., L1, L2); got {s.dtype} {s.shape}")
    if s.size == 0:
        raise ValueError(f"spins must not be empty; got shape {s.shape}")
    if not np.all((s == 1) | (s == -1)):
        raise ValueError("spins must contain only +1 and -1")
    return s


def _steps(n, name="n"):
    a = np.asarray(n)
    if isinstance(n, (bool, np.bool_)) or not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"{name} must be a non-negative int or an integer array; got {n!r}")
    if np.any(a < 0) or np.any(a > MAX_FLOW_STEPS):
        raise ValueError(f"{name} (number of RG steps) must satisfy 0 <= {name} <= {MAX_FLOW_STEPS}; got {n!r}")
    return a.astype(np.int64)


# ----------------------------------------------------------------------------------------------
# short-distance correlations of the infinite lattice (Toeplitz determinants)
# ----------------------------------------------------------------------------------------------
def _sqrt_ratio(a, e):
    """sqrt(1 - a e^{i t}) / sqrt(1 - a e^{-i t}) for 0 <= a <= 1 (continuous, |value| = 1).

    With z = sqrt(1 - a e^{it}) (Re > 0, no branch cut) the ratio is z / conj(z) = (1 - a e^{it}) / |1 - a e^{it}|.
    """
    u = 1.0 - a * e
    return u / np.abs(u)


def _toeplitz_correlations(K: float, rs: NDArray[np.int64], diagonal: bool) -> NDArray[np.float64]:
    """Correlations at the separations ``rs`` (one FFT of the symbol, one determinant per separation)."""
    out = np.ones(len(rs))
    rmax = int(rs.max()) if len(rs) else 0
    if rmax == 0:
        return out
    ordered = K >= K_CRITICAL
    if diagonal:
        # |a| of the factor that decays slowest: 1 / sinh^2 2K = (2 e^{-2K} / (1 - e^{-4K}))^2 without overflow
        rho = (2.0 * np.exp(-2.0 * K) / -np.expm1(-4.0 * K)) ** 2 if ordered else np.sinh(2.0 * K) ** 2
        factors = ((rho, -1),) if ordered else ((rho, +1),)
    else:
        z, x = np.tanh(K), np.exp(-2.0 * K)
        a1 = z * x
        a2 = x / z if ordered else z / x
        rho = max(a1, a2)
        factors = ((a1, +1), (a2, -1)) if ordered else ((a1, +1), (a2, +1))
    gap = -np.log(min(max(rho, 1e-300), 1.0 - 1e-16))
    M = int(min(2**20, max(2**12, 2 ** int(np.ceil(np.log2(2.0 * rmax + 40.0 / gap))))))
    theta = 2.0 * np.pi * (np.arange(M) + 0.5) / M  # midpoints: never on a branch point
    e = np.exp(1j * theta)
    phi = np.ones(M, dtype=complex)
    for a, power in factors:
        ratio = _sqrt_ratio(a, e)
        phi *= ratio if power > 0 else np.conj(ratio)
    if not ordered:
        phi *= -np.conj(e)  # -e^{-i theta}: the winding of the disordered phase
    F = np.fft.fft(phi)
    n = np.arange(-(rmax - 1), rmax)
    coef = (F[n % M] * np.exp(-1j * np.pi * n / M)).real / M  # a_n
    idx = np.arange(rmax)[:, None] - np.arange(rmax)[None, :]
    T = coef[idx + rmax - 1]
    for k, r in enumerate(rs):
        if r > 0:
            sign, logdet = np.linalg.slogdet(T[:r, :r])
            out[k] = sign * np.exp(logdet)
    return out


def square_lattice_correlation(K: ArrayLike, r: int, direction: str = "axis"):
    r"""Exact pair correlation :math:`\langle s_{0,0}s_{r,0}\rangle` or :math:`\langle s_{0,0}s_{r,r}\rangle`.

    ``"axis"`` or ``"diagonal"`` separation; infinite square lattice, zero field, :math:`K>0` (symmetric state;
    for :math:`K>K_c` this is the correlation in either pure state). Both are :math:`r\times r` Toeplitz determinants
    :math:`\det[a_{i-j}]`, :math:`a_n=\frac1{2\pi}\int_{-\pi}^{\pi}e^{-in\theta}\varphi(\theta)\,d\theta`, with

    .. math:: \varphi_{\rm axis} = \Bigl[\frac{(1-\alpha_1e^{i\theta})(1-\alpha_2e^{-i\theta})}
              {(1-\alpha_1e^{-i\theta})(1-\alpha_2e^{i\theta})}\Bigr]^{1/2},\quad
              \alpha_1 = e^{-2K}\tanh K,\ \alpha_2=\frac{e^{-2K}}{\tanh K};\qquad
              \varphi_{\rm diag} = \Bigl[\frac{1-\alpha e^{-i\theta}}{1-\alpha e^{i\theta}}\Bigr]^{1/2},\
              \alpha = \sinh^{-2}2K,

    (Montroll, Potts & Ward 1963; McCoy & Wu 1973). For :math:`K<K_c` (:math:`\alpha_2,\alpha>1`) the
    continuous branch is :math:`-e^{-i\theta}` times the same expression with :math:`\alpha_2\to1/\alpha_2`,
    :math:`\alpha\to1/\alpha`. The coefficients come from an FFT on up to :math:`2^{20}` midpoints, chosen so
    that the truncation error is below 1e-14 except within about 1e-5 of :math:`K_c` (at :math:`K_c` the
    symbol jumps and the error is about 1e-6). Checks: ``r = 1`` on the axis is Onsager's
    :math:`-u/2`; the diagonal ``r = 1`` at :math:`K_c` is :math:`2/\pi`; large ``r`` tends to Yang's
    :math:`M^2`.

    Parameters
    ----------
    K : float or array_like
        Couplings ``> 0``.
    r : int or 1-D array of int
        Separation(s), ``0 <= r <= MAX_DISTANCE``.
    direction : {"axis", "diagonal"}

    Returns
    -------
    float or ndarray
        Shape ``K.shape + r.shape``.

    Examples
    --------
    >>> round(square_lattice_correlation(K_CRITICAL, 1, "diagonal"), 6), round(2 / np.pi, 6)
    (0.63662, 0.63662)
    """
    if direction not in ("axis", "diagonal"):
        raise ValueError(f"direction must be 'axis' or 'diagonal'; got {direction!r}")
    ra = np.asarray(r)
    if ra.ndim > 1 or not np.issubdtype(ra.dtype, np.integer) or isinstance(r, (bool, np.bool_)):
        raise TypeError(f"r must be an int or a 1-D integer array; got {r!r}")
    if np.any(ra < 0) or np.any(ra > MAX_DISTANCE):
        raise ValueError(f"r must satisfy 0 <= r <= {MAX_DISTANCE}; got {r!r}")
    K = _positive(K, "K")
    rs = np.atleast_1d(ra).astype(np.int64)
    uniq, inv = np.unique(K.ravel(), return_inverse=True)  # one FFT per distinct coupling
    flat = np.array([_toeplitz_correlations(float(k), rs, direction == "diagonal") for k in uniq])[inv]
    return _out(flat.reshape(K.shape + ra.shape))


# ----------------------------------------------------------------------------------------------
# the first step of definition B: local, exact
# ----------------------------------------------------------------------------------------------
class NeighbourSum(NamedTuple):
    r"""Distribution of :math:`|\Sigma|`, the sum of the four neighbours of a site."""

    p0: NDArray[np.float64] | float  #: P(Sigma = 0)
    p2: NDArray[np.float64] | float  #: :math:`P(|\Sigma| = 2)`
    p4: NDArray[np.float64] | float  #: :math:`P(|\Sigma| = 4)`


def _probabilities_from_moments(K, c1, cd, c2) -> NeighbourSum:
    """Solve the two moment equations; ``2 tanh 4K - 4 tanh 2K = -4 t^3 / (1 + t^2)``, ``t = tanh 2K``, exactly."""
    t2 = np.tanh(2.0 * K)
    m2 = 1.0 + 2.0 * cd + c2  # E[Sigma^2] / 4
    p4 = (2.0 * c1 - t2 * m2) / (-4.0 * t2**3 / (1.0 + t2 * t2))
    p2 = m2 - 4.0 * p4
    return NeighbourSum(_out(1.0 - p2 - p4), _out(p2), _out(p4))


#: Smallest ``K`` accepted by :func:`neighbour_sum_probabilities`: the two moment equations become degenerate as
#: ``K -> 0`` (the solution loses about ``1e-15 / K**3`` absolutely to rounding of the correlations).
NEIGHBOUR_SUM_K_MIN = 1e-2
#: Below this ``K`` :func:`neighbour_sum_distribution` uses the high-temperature series (error about ``4 K**4``).
_SERIES_K = 6e-3


def neighbour_sum_probabilities(K: ArrayLike, c_nn: ArrayLike, c_diag: ArrayLike, c_axis2: ArrayLike) -> NeighbourSum:
    r"""The distribution of :math:`\Sigma=s_1+s_2+s_3+s_4` (neighbours of a site) from three pair correlations.

    :math:`\Sigma\in\{0,\pm2,\pm4\}` and :math:`\pm\Sigma` are equally likely, so two equations fix it:
    the centre spin has :math:`E[s_0\mid\Sigma]=\tanh K\Sigma`, hence
    :math:`2\tanh2K\,P_2+4\tanh4K\,P_4=E[s_0\Sigma]=4c_{\rm nn}`, and
    :math:`4P_2+16P_4=E[\Sigma^2]=4+8c_{\rm diag}+4c_{\rm axis2}`. Holds on any lattice where every site
    has four distinct neighbours with these correlations (infinite lattice, tori with sides ``>= 4``).
    The correlations lie in ``[-1, 1]``; ``K >= NEIGHBOUR_SUM_K_MIN`` (1e-2), because the two equations become
    degenerate as ``K -> 0`` (both reduce to :math:`P_2 + 4P_4 = 1 + O(K^2)`), so rounding errors of the
    correlations are amplified by about :math:`1/K^3`; :func:`neighbour_sum_distribution` covers small ``K``.

    Examples
    --------
    >>> p = neighbour_sum_probabilities(0.4, 0.553040, 0.436081, 0.363652)   # infinite lattice, K = 0.4
    >>> [round(x, 4) for x in p]
    [0.1615, 0.3727, 0.4658]
    """
    K = _real(K, "K", lower=NEIGHBOUR_SUM_K_MIN,
              what=f"K >= {NEIGHBOUR_SUM_K_MIN:g} (ill-conditioned for smaller K; see neighbour_sum_distribution)")
    c1, cd, c2 = (_real(x, name, lower=-1.0, upper=1.0)
                  for x, name in ((c_nn, "c_nn"), (c_diag, "c_diag"), (c_axis2, "c_axis2")))
    return _probabilities_from_moments(K, c1, cd, c2)


def neighbour_sum_distribution(K: ArrayLike) -> NeighbourSum:
    r""":func:`neighbour_sum_probabilities` with the exact correlations of the infinite lattice.

    For ``K < 6e-3`` the leading high-temperature terms are used instead,
    :math:`P_4 = \frac18(1 + \sum_{i<j}c_{ij}) = \frac18 + \frac54K^2` (four diagonal pairs with
    :math:`c\approx2K^2`, two axis pairs at distance 2 with :math:`c\approx K^2`), :math:`P_2 = \frac12`
    (from :math:`P_2+4P_4=1+5K^2`), :math:`P_0 = 1 - P_2 - P_4`; their error, about :math:`4K^4`, stays below 1e-8, as does
    the rounding error of the exact route just above the switch.

    Examples
    --------
    >>> [round(x, 5) for x in neighbour_sum_distribution(0.4)]
    [0.1615, 0.37273, 0.46577]
    >>> [round(x, 6) for x in neighbour_sum_distribution(1e-12)]   # independent spins: 6/16, 8/16, 2/16
    [0.375, 0.5, 0.125]
    """
    K = _positive(K, "K")
    small = K < _SERIES_K
    Kl = np.where(small, _SERIES_K, K)  # the exact route where it is well conditioned
    c1 = -0.5 * np.asarray(onsager_internal_energy(Kl))
    cd = square_lattice_correlation(Kl, 1, "diagonal")
    c2 = square_lattice_correlation(Kl, 2, "axis")
    exact = _probabilities_from_moments(Kl, c1, cd, c2)
    p4 = np.where(small, 0.125 + 1.25 * K * K, exact.p4)
    p2 = np.where(small, 0.5, exact.p2)
    p0 = np.where(small, 0.375 - 1.25 * K * K, exact.p0)
    return NeighbourSum(_out(p0), _out(p2), _out(p4))


def removed_spin_entropy(K: ArrayLike, probs: NeighbourSum | None = None):
    r"""The conditional entropy :math:`E[H(s_0\mid\text{its four neighbours})] = P_0\ln2 + P_2h(2K) + P_4h(4K)`.

    :math:`h(x)=\ln2\cosh x-x\tanh x` is the entropy of a spin in the local field ``x``.

    ``probs`` (a :class:`NeighbourSum` or a triple ``(P_0, P_2, P_4)`` of probabilities) defaults to
    :func:`neighbour_sum_distribution` (infinite lattice).

    Examples
    --------
    >>> round(removed_spin_entropy(0.3), 5)
    0.51146
    """
    K = _positive(K, "K")
    if probs is None:
        p = neighbour_sum_distribution(K)
    else:
        if isinstance(probs, (str, bytes)) or not isinstance(probs, tuple) or len(probs) != 3:
            raise TypeError(f"probs must be a NeighbourSum or a triple (p0, p2, p4); got {type(probs).__name__}")
        p = NeighbourSum(*(_real(x, f"probs.{n}", lower=0.0, upper=1.0)
                           for x, n in zip(probs, NeighbourSum._fields)))
    return _out(np.asarray(p.p0) * LN2 + np.asarray(p.p2) * _binary_entropy_of_field(2.0 * K)
                + np.asarray(p.p4) * _binary_entropy_of_field(4.0 * K))


def kl_lifted_first_step(K0: ArrayLike):
    r"""Definition B after one step, infinite lattice.

    .. math:: d^B_1=\tfrac12\bigl[\ln2-E\,H(s_0\mid\text{neighbours})\bigr].


    The removed spins are independent given the kept ones, each depending only on its four neighbours, so
    the chain rule of relative entropy gives :math:`D(p\|q_1)=\sum_{\rm removed}[\ln2-H(s_b\mid s_{\partial b})]`.

    Examples
    --------
    >>> round(kl_lifted_first_step(0.3), 6), round(kl_asymptote_2d(0.3), 6)
    (0.090846, 0.113938)
    """
    K0 = _positive(K0)
    return _out(0.5 * (LN2 - np.asarray(removed_spin_entropy(K0))))


def local_conditional_entropy(spins: ArrayLike, K: ArrayLike) -> NDArray[np.float64]:
    r"""Per configuration, the mean over all sites of :math:`h(K\Sigma_i)`.

    The Monte Carlo estimator of :func:`removed_spin_entropy`.

    ``spins`` has shape ``(..., L1, L2)`` (periodic); ``K`` broadcasts against ``(...)``. By translation
    invariance the average over all sites estimates the same expectation as the average over one sublattice,
    with less variance; :math:`d^B_1 = (\ln2 - \text{mean})/2`.

    Examples
    --------
    >>> up = np.ones((4, 4), dtype=np.int8)   # every site sees Sigma = 4
    >>> bool(np.isclose(local_conditional_entropy(up, 0.4), np.log(2 * np.cosh(1.6)) - 1.6 * np.tanh(1.6)))
    True
    """
    s = _pm1_spins(spins)
    K = _positive(K, "K")
    sig = (np.roll(s, 1, -1) + np.roll(s, -1, -1) + np.roll(s, 1, -2) + np.roll(s, -1, -2)).astype(np.int8)
    table = _binary_entropy_of_field(np.arange(-4, 5)[None, :] * K.reshape(-1, 1))  # (nK, 9)
    counts = np.stack([(sig == v).mean(axis=(-2, -1)) for v in range(-4, 5)], axis=-1)  # (..., 9)
    return np.sum(counts * table.reshape(K.shape + (9,)), axis=-1)


def short_correlations(spins: ArrayLike) -> NDArray[np.float64]:
    r"""Per configuration, the site-averaged :math:`(c_{\rm nn}, c_{\rm diag}, c_{\rm axis2})`.

    Pairs at separations (1,0), (1,1) and (2,0).

    Averaged over both lattice directions (and both diagonals); shape ``(..., 3)``.

    Examples
    --------
    >>> stripes = np.tile(np.array([1, -1], dtype=np.int8), (4, 2))   # columns alternate
    >>> short_correlations(stripes).tolist()
    [0.0, -1.0, 1.0]
    """
    s = _pm1_spins(spins)
    s = s.astype(np.float32)
    ax = (-2, -1)

    def pair(d):
        return (s * np.roll(s, d, axis=ax)).mean(axis=ax, dtype=np.float64)

    return np.stack([(pair((1, 0)) + pair((0, 1))) / 2, (pair((1, 1)) + pair((1, -1))) / 2,
                     (pair((2, 0)) + pair((0, 2))) / 2], axis=-1)


# ----------------------------------------------------------------------------------------------
# entropy, asymptote, definition A
# ----------------------------------------------------------------------------------------------
def onsager_entropy(K: ArrayLike):
    r"""Entropy per site :math:`s = f + Ku` of the infinite lattice.

    :math:`s(0)=\ln2` and :math:`s\to0` as :math:`K\to\infty`.

    Examples
    --------
    >>> round(onsager_entropy(0.4), 6), round(onsager_entropy(0.0), 6)
    (0.436932, 0.693147)
    """
    K = _real(K, "K", lower=0.0)
    uniq, inv = np.unique(K.ravel(), return_inverse=True)  # one quadrature per distinct coupling
    pos = np.where(uniq > 0, uniq, 1.0)
    s = np.asarray(onsager_free_energy(pos)) + pos * np.asarray(onsager_internal_energy(pos))
    return _out(np.where(uniq > 0, s, LN2)[inv].reshape(K.shape))


def kl_asymptote_2d(K0: ArrayLike):
    r"""The limit of definition B, :math:`d^B_\infty = \ln2 - s(K_0)` (infinite lattice).

    Also the limit of A for :math:`K_0<K^*`.

    Examples
    --------
    >>> round(kl_asymptote_2d(K_CRITICAL), 6)
    0.386677
    """
    K0 = _real(K0, "K0", lower=0.0)
    return _out(LN2 - np.asarray(onsager_entropy(K0)))


def kl_asymptote_slope(K0: ArrayLike):
    r""":math:`\frac{d}{dK_0}(\ln2-s) = c(K_0)/K_0`, from :math:`ds/dK = K\,du/dK = -c/K`; ``inf`` at :math:`K_c`.

    Examples
    --------
    >>> np.round(kl_asymptote_slope(K_CRITICAL - np.array([1e-2, 1e-3, 1e-4])), 2)
    array([3.62, 6.15, 8.72])
    """
    K0 = _positive(K0)
    return _out(np.asarray(onsager_specific_heat(K0)) / K0)


def _log_z_per_site(K, shape):
    """ln Z / N at couplings K >= 0: Onsager (shape None) or Kaufman with safe limits for tiny and huge K."""
    K = np.asarray(K, dtype=float)
    if shape is None:  # f = 2K + O(e^{-4K}) beyond K = 20
        big = K > 20.0
        return np.where(big, 2.0 * K, np.asarray(onsager_free_energy(np.where(big, 1.0, K))))
    L1, L2 = shape
    N = L1 * L2
    mid = (K >= 1e-4) & (K <= 50.0)
    out = np.where(K < 1e-4, LN2 + 2.0 * (_log_2cosh(K) - LN2), 2.0 * K + LN2 / N)  # high-T series, ground states
    if mid.any():
        out[mid] = np.asarray(kaufman_log_partition(L1, L2, K[mid])) / N
    return out


def kl_same_lattice_2d(K0: ArrayLike, n: ArrayLike, shape=None):
    r"""Definition A for the nearest-neighbour recursion: :math:`d^A_n = f(K_n)-f(K_0)+(K_n-K_0)\,u(K_0)`.

    :math:`K_n` is the ``n``-th iterate of :func:`~rglib.rg.decimation_2d.nn_recursion`; ``K0 > 0`` and ``n``
    (ints ``0..MAX_FLOW_STEPS``) broadcast. ``shape=None``: infinite lattice (Onsager); ``(L1, L2)``: the torus
    (Kaufman), where :math:`f=\ln Z/N`. A Bregman divergence of the convex :math:`f`, so it grows with
    :math:`|K_n-K_0|`: it tends to :math:`\ln2-s(K_0)` when :math:`K_n\to0` (:math:`K_0<K^*`) and diverges like
    :math:`K_n(2+u_0)` when :math:`K_n\to\infty` (:math:`K_0>K^*`).

    Examples
    --------
    >>> np.round(kl_same_lattice_2d(0.4, [0, 1, 2, 8]), 5)
    array([0.     , 0.00487, 0.0243 , 0.25622])
    """
    K0 = _positive(K0)
    n = _steps(n)
    shape = None if shape is None else _check_torus(shape, 0)
    K0b, nb = np.broadcast_arrays(K0, n)
    Kn = np.take_along_axis(nn_flow(K0b, int(nb.max()) if nb.size else 0), nb[None], axis=0)[0]
    u0 = np.asarray(onsager_internal_energy(K0b) if shape is None else kaufman_internal_energy(*shape, K0b))
    d = _log_z_per_site(Kn, shape) - _log_z_per_site(K0b, shape) + (Kn - K0b) * u0
    return _out(np.where(nb == 0, 0.0, d))


# ----------------------------------------------------------------------------------------------
# definition B beyond the first step (infinite lattice)
# ----------------------------------------------------------------------------------------------
class LiftedBounds(NamedTuple):
    """Rigorous bracket of definition B with exact marginals, infinite lattice."""

    lower: NDArray[np.float64] | float  #: max(d_1, d_inf - 2^-n ln 2)
    upper: NDArray[np.float64] | float  #: min(d_inf, d_1 + (1/2 - 2^-n) ln 2)


def kl_lifted_bounds(K0: ArrayLike, n: ArrayLike) -> LiftedBounds:
    r"""Bracket of :math:`d^B_n = d_\infty - 2^{-n}(\ln2 - s'_n)` (:math:`s'_n\in[0,\ln2]` the entropy per kept site).

    Lower: :math:`\max(d^B_1, d_\infty-2^{-n}\ln2)` (monotonicity, :math:`s'_n\ge0`); upper:
    :math:`\min(d_\infty, d^B_1+(\frac12-2^{-n})\ln2)` (:math:`s'_n\le\ln2`; step ``k`` adds at most
    :math:`2^{-k}\ln2`). Exact at ``n = 0, 1``; the width is at most :math:`2^{-n}\ln 2`.

    Examples
    --------
    >>> b = kl_lifted_bounds(0.4, [1, 2, 3])
    >>> np.round(b.lower, 4), np.round(b.upper, 4)
    (array([0.1677, 0.1677, 0.1696]), array([0.1677, 0.2562, 0.2562]))
    """
    K0 = _positive(K0)
    n = _steps(n)
    K0, n = np.broadcast_arrays(K0, n)
    d1 = np.asarray(kl_lifted_first_step(K0))
    dinf = np.asarray(kl_asymptote_2d(K0))
    w = np.ldexp(1.0, -n)
    lo = np.where(n == 0, 0.0, np.where(n == 1, d1, np.maximum(d1, dinf - w * LN2)))
    hi = np.where(n == 0, 0.0, np.where(n == 1, d1, np.minimum(dinf, d1 + (0.5 - w) * LN2)))
    return LiftedBounds(_out(lo), _out(hi))


def _bond_correlations(K0: float, n_steps: int) -> NDArray[np.float64]:
    """UV correlation across a bond of Lambda_n, n = 0..n_steps: (r, r) for odd n, (r, 0) for even n."""
    n = np.arange(n_steps + 1)
    c = np.empty(n_steps + 1)
    odd = n % 2 == 1
    c[odd] = square_lattice_correlation(K0, 2 ** ((n[odd] - 1) // 2), "diagonal")
    c[~odd] = square_lattice_correlation(K0, 2 ** (n[~odd] // 2), "axis")
    return c


def kl_lifted_truncated(K0: float, n_steps: int) -> NDArray[np.float64]:
    r"""Definition B for the truncated RG, infinite lattice, steps ``0..n_steps``.

    :math:`q_n = p^{\rm NN}_{K_n}(s_{\Lambda_n})\,2^{-(N-N_n)}`, a nearest-neighbour model on :math:`\Lambda_n`
    with the coupling of :func:`~rglib.rg.decimation_2d.nn_recursion`. Since :math:`\ln q_n` depends on the UV
    state only through the bond sum of :math:`\Lambda_n`,

    .. math:: d^{B,\rm tr}_n = (1-2^{-n})\ln2 - s(K_0) + 2^{-n}\bigl[f(K_n) - 2K_n\,c_n(K_0)\bigr],

    with :math:`c_n` the UV correlation across a bond of :math:`\Lambda_n` (:func:`square_lattice_correlation`).
    It exceeds the exact-marginal :math:`d^B_n` by the truncation error :math:`\epsilon_n\ge0`.
    ``n_steps <= 20`` (separations up to 1024).

    Examples
    --------
    >>> np.round(kl_lifted_truncated(0.4, 3), 5)
    array([0.     , 0.17207, 0.22607, 0.24779])
    """
    K0 = _positive(K0)
    if K0.ndim:
        raise ValueError(f"K0 must be a single number; got shape {K0.shape}")
    K0 = float(K0)
    n_steps = _int(n_steps, "n_steps", 0, 20)
    Kn = nn_flow(K0, n_steps)
    c = _bond_correlations(K0, n_steps)
    w = np.ldexp(1.0, -np.arange(n_steps + 1))
    d = (1.0 - w) * LN2 - float(onsager_entropy(K0)) + w * (_log_z_per_site(Kn, None) - 2.0 * Kn * c)
    d[0] = 0.0
    return d


class TruncationKL(NamedTuple):
    r"""Information lost by truncating the first renormalized Hamiltonian to nearest neighbours, per UV site."""

    scheme: NDArray[np.float64] | float  #: epsilon_1 for K' = (3/8) ln cosh 4K
    best: NDArray[np.float64] | float  #: floor epsilon*_1 of the best nearest-neighbour model (moment matching)
    K_best: NDArray[np.float64] | float  #: coupling of that model (its NN correlation equals the UV diagonal one)


def _nn_coupling_with_correlation(c: float) -> float:
    """The K whose Onsager nearest-neighbour correlation -u(K)/2 equals c (0 < c < 1)."""
    if c < 1e-6:  # -u/2 = K + (5/3) K^3 + O(K^5): K = c to relative accuracy 1e-12
        return float(c)
    return brentq(lambda k: -0.5 * onsager_internal_energy(k) - c, 1e-9, 20.0, xtol=1e-14)


def truncation_kl_first_step(K: ArrayLike) -> TruncationKL:
    r"""Exact :math:`\epsilon_1=\frac1N D(p'_1\|q)` on the infinite lattice for nearest-neighbour truncations ``q``.

    With :math:`s'_1 = 2s(K) - E\,H(s_0\mid\text{neighbours})` the entropy per kept site of the exact marginal
    and :math:`c_d` its nearest-neighbour (UV diagonal) correlation, a nearest-neighbour model of coupling
    :math:`K'` on the kept lattice gives :math:`\epsilon_1=\frac12[f(K')-2K'c_d-s'_1]`. The best such model
    matches :math:`c_d`, and then :math:`\epsilon^*_1=\frac12[s(K^*)-s'_1]` (information projection).

    Examples
    --------
    >>> t = truncation_kl_first_step(0.3)
    >>> round(t.scheme, 6), round(t.best, 6), round(t.K_best, 4)
    (0.002839, 0.002342, 0.1942)
    """
    K = _positive(K, "K")
    flat = K.ravel()
    s = np.asarray(onsager_entropy(flat))
    s1 = 2.0 * s - np.asarray(removed_spin_entropy(flat))
    cd = np.atleast_1d(square_lattice_correlation(flat, 1, "diagonal"))
    Kp = np.asarray(nn_recursion(flat))
    scheme = 0.5 * (_log_z_per_site(Kp, None) - 2.0 * Kp * cd - s1)
    Kb = np.array([_nn_coupling_with_correlation(c) for c in cd])
    best = 0.5 * (np.asarray(onsager_entropy(Kb)) - s1)
    return TruncationKL(*(_out(x.reshape(K.shape)) for x in (scheme, best, Kb)))


# ----------------------------------------------------------------------------------------------
# exact values on small tori
# ----------------------------------------------------------------------------------------------
def torus_entropy(shape, K: ArrayLike):
    r"""Entropy per site :math:`S/N = \ln Z/N + Ku` of the ``L1 x L2`` torus (Kaufman).

    Examples
    --------
    >>> round(torus_entropy((4, 4), 0.4), 6)
    0.358422
    """
    L1, L2 = _check_torus(shape, 0)
    K = _positive(K, "K")
    lz = np.asarray(kaufman_log_partition(L1, L2, K)) / (L1 * L2)
    return _out(lz + K * np.asarray(kaufman_internal_energy(L1, L2, K)))


def _torus_setup(shape, K0, n, name="K0"):
    n = _int(n, "n", 0, 40)
    shape = _check_torus(shape, max(n, 1))
    K0 = _positive(K0, name)
    if K0.ndim:
        raise ValueError(f"{name} must be a single number; got shape {K0.shape}")
    return shape, float(K0), n


def torus_neighbour_sum(shape, K: float) -> tuple[NeighbourSum, NDArray[np.float64]]:
    r"""On a torus, by enumeration of :math:`\Lambda_1`: the distribution of :math:`|\Sigma_b|` over removed sites and
    the correlations :math:`(c_{\rm nn}, c_{\rm diag}, c_{\rm axis2})` (the first from Kaufman).

    Used to check :func:`neighbour_sum_probabilities` and :func:`removed_spin_entropy` against enumeration.

    Examples
    --------
    >>> probs, corr = torus_neighbour_sum((4, 4), 0.44)
    >>> bool(np.allclose(probs, neighbour_sum_probabilities(0.44, *corr), atol=1e-12))
    True
    """
    shape, K, _ = _torus_setup(shape, K, 1, "K")
    p = np.exp(kept_marginal_log_probabilities(shape, K, 1))
    nb = removed_site_neighbours(shape, 1)
    m = nb.max() + 1
    codes = np.arange(2**m, dtype=np.uint32)
    hist = np.zeros(3)
    cd = c2 = 0.0
    for row in nb:  # one vectorized pass over all states per removed site
        s = [_spin_of(codes, m, int(k)).astype(np.int16) for k in row]
        a = np.abs(s[0] + s[1] + s[2] + s[3])
        hist += [p[a == v].sum() for v in (0, 2, 4)]
        cd += p @ (s[0] * s[1] + s[1] * s[2] + s[2] * s[3] + s[3] * s[0]) / 4.0
        c2 += p @ (s[0] * s[2] + s[1] * s[3]) / 2.0
    n_b = len(nb)
    c1 = -0.5 * float(kaufman_internal_energy(*shape, K))
    return NeighbourSum(*(hist / n_b)), np.array([c1, cd / n_b, c2 / n_b])


def torus_kl_lifted(shape, K0: float, n: int) -> float:
    r"""Definition B with exact marginals on a torus: :math:`[(N-N_n)\ln2 - S(p) + S(p'_n)]/N`.

    :math:`S(p)` from Kaufman, :math:`S(p'_n)` by enumerating :math:`\Lambda_1` (at most ``MAX_KEPT_SPINS``
    spins). Sides divisible by :math:`2^{\lceil n/2\rceil}`.

    Examples
    --------
    >>> round(torus_kl_lifted((4, 4), 0.44, 1), 6), round(torus_kl_lifted((4, 4), 0.44, 4), 6)
    (0.239826, 0.411754)
    """
    shape, K0, n = _torus_setup(shape, K0, n)
    if n == 0:
        return 0.0
    N = shape[0] * shape[1]
    Nn = N >> n
    Sp = N * float(torus_entropy(shape, K0))
    return float(((N - Nn) * LN2 - Sp + shannon_entropy(kept_marginal_log_probabilities(shape, K0, n))) / N)


def torus_truncation_kl(shape, K: float, couplings: ArrayLike) -> NDArray[np.float64] | float:
    r""":math:`\epsilon_1 = \frac1N D(p'_1\|q)` on a torus for models ``q`` written per removed site, per UV site.

    ``couplings`` is a triple ``(a_nn, a_nnn, a_4)`` or an array of such rows, in the convention of
    :func:`~rglib.rg.decimation_2d.plaquette_log_weights`: the scheme's nearest-neighbour model is
    ``(K'/2, 0, 0)``; dropping only the four-spin term is ``(c_2, c_2, 0)``; the exact marginal is
    ``(c_2, c_2, c_4)`` (:math:`\epsilon_1 = 0`).

    Examples
    --------
    >>> from rglib.rg.decimation_2d import checkerboard_decimation
    >>> c = checkerboard_decimation(0.4)
    >>> eps = torus_truncation_kl((4, 4), 0.4, [(c.K_nnn, c.K_nnn, c.K_4), (c.K_nnn, c.K_nnn, 0.0)])
    >>> bool(eps[0] < 1e-14 < eps[1])
    True
    """
    shape, K, _ = _torus_setup(shape, K, 1, "K")
    a = _real(couplings, "couplings")
    if a.shape[-1:] != (3,) or a.ndim > 2:
        raise ValueError(f"couplings must be (a_nn, a_nnn, a_4) or an array of shape (m, 3); got shape {a.shape}")
    lp = kept_marginal_log_probabilities(shape, K, 1)
    out = []
    for row in a.reshape(-1, 3):
        lq = plaquette_log_weights(shape, *row)
        out.append(kl_divergence(lp, lq - logsumexp(lq)) / (shape[0] * shape[1]))
    return _out(np.asarray(out).reshape(a.shape[:-1]))


def _nn_log_probabilities(shape, n, K):
    """Log-probabilities of the nearest-neighbour Ising model of coupling K on Lambda_n (enumeration)."""
    bonds = sublattice_bonds(shape, n)
    m = len(sublattice_sites(shape, n))
    codes = np.arange(2**m, dtype=np.uint32)
    S = np.zeros(2**m)
    for a, b in bonds:  # 2 m <= 48 vectorized passes
        S += _spin_of(codes, m, int(a)) * _spin_of(codes, m, int(b))
    return K * S - logsumexp(K * S)


def torus_kl_lifted_truncated(shape, K0: float, n: int) -> float:
    r"""Definition B for the truncated RG on a torus: :math:`d^B_n + \frac1N D(p'_n\|p^{\rm NN}_{K_n})` (chain rule).

    :math:`p^{\rm NN}_{K_n}` is the nearest-neighbour model on :math:`\Lambda_n` (bonds of
    :func:`~rglib.rg.decimation_2d.sublattice_bonds`) at the ``n``-th iterate of the recursion.

    Examples
    --------
    >>> bool(torus_kl_lifted_truncated((4, 4), 0.3, 2) > torus_kl_lifted((4, 4), 0.3, 2))
    True
    """
    shape, K0, n = _torus_setup(shape, K0, n)
    if n == 0:
        return 0.0
    Kn = float(nn_flow(K0, n)[-1])
    eps = kl_divergence(kept_marginal_log_probabilities(shape, K0, n), _nn_log_probabilities(shape, n, Kn))
    return torus_kl_lifted(shape, K0, n) + float(eps) / (shape[0] * shape[1])
