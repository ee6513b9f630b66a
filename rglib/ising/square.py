r"""The square-lattice Ising model, exactly: Onsager, Yang, Kaufman's finite torus, lattice observables.

Conventions used throughout
---------------------------
* Spins are ``int8`` values :math:`s_i = \pm 1`; lattices have shape ``(..., L1, L2)`` and are periodic.
* Couplings are dimensionless: ``K = beta J`` and ``h = beta H``. The weight of a configuration is
  :math:`e^{-E(s)}` with the *reduced* energy

  .. math:: E(s) = -K \sum_{\langle ij \rangle} s_i s_j - h \sum_i s_i ,

  the first sum running once over every nearest-neighbour bond of the periodic lattice (an ``n x m`` torus has
  ``2 n m`` bonds, also when a side is 1 or 2; see :func:`rglib.ising.torus_bonds`).
* Exact results are float64, computed in log space and in variables that stay O(1) (``t = exp(-2K)``,
  :math:`\tanh 2K`, series of the elliptic integrals), so that they are finite and accurate from
  ``K = 1e-12`` to ``K = 1e3`` and beyond, for lattices of 512 x 512 and more.
* Functions broadcast over array-valued ``K`` and return a Python float for scalar input.

References
----------
.. [1] L. Onsager, "Crystal statistics. I. A two-dimensional model with an order-disorder transition",
   Phys. Rev. 65, 117 (1944).
.. [2] B. Kaufman, "Crystal statistics. II. Partition function evaluated by spinor analysis",
   Phys. Rev. 76, 1232 (1949).
.. [3] C. N. Yang, "The spontaneous magnetization of a two-dimensional Ising model", Phys. Rev. 85, 808 (1952).
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from .._checks import check_cost as _check_cost
from .._checks import check_int as _check_int
from .._checks import check_real_array as _check_real
from .._checks import check_spins as _check_spins
from .._numerics import LN2
from .._numerics import log_2cosh as _log_2cosh
from .._numerics import log_abs_2sinh as _log_abs_2sinh
from .._numerics import scalar_or_array as _scalar_or_array
from ._kaufman import kaufman_terms as _kaufman_terms

__all__ = [
    "K_CRITICAL",
    "T_CRITICAL",
    "KAUFMAN_MAX_TERMS",
    "ONSAGER_MAX_POINTS",
    "onsager_free_energy",
    "onsager_internal_energy",
    "onsager_specific_heat",
    "yang_magnetization",
    "kaufman_log_partition",
    "kaufman_internal_energy",
    "kaufman_specific_heat",
    "lattice_bond_sum",
    "lattice_energy",
    "lattice_magnetization",
]

#: Critical coupling of the square-lattice Ising model, :math:`K_c = \frac12\ln(1+\sqrt2)`.
K_CRITICAL = 0.5 * np.log1p(np.sqrt(2.0))
#: Critical temperature :math:`T_c = 1/K_c = 2/\ln(1+\sqrt2)` in units of ``J/k_B``.
T_CRITICAL = 1.0 / K_CRITICAL
#: Largest ``n * (number of couplings)`` that the Kaufman functions accept in one call (about 30 s of work).
KAUFMAN_MAX_TERMS = 10**8
#: Largest number of couplings :func:`onsager_free_energy` integrates in one call (one quadrature each).
ONSAGER_MAX_POINTS = 10**5


def _coupling(K, name: str = "K", strict: bool = True) -> np.ndarray:
    rng = "K > 0 (ferromagnetic square lattice)" if strict else "K >= 0"
    return _check_real(K, name, lower=0.0, lower_strict=strict, what=rng)


# ----------------------------------------------------------------------------------------------
# Onsager and Yang: the infinite lattice
# ----------------------------------------------------------------------------------------------
def _tanh_sech2(K: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r""":math:`\tau = \tanh 2K`, :math:`\operatorname{sech}^2 2K` and the elliptic parameter
    :math:`m = k^2 = 4\tau^2\operatorname{sech}^2 2K \le 1`."""
    tau = np.tanh(2.0 * K)
    sech2 = np.exp(2.0 * (LN2 - _log_2cosh(2.0 * K)))
    m = 4.0 * tau * tau * sech2
    # near K_c use m = 1 - (1 - 2 tau^2)^2, which rounds to exactly 1 within ~1e-8 of K_c (treated as critical)
    return tau, sech2, np.where(m < 0.5, m, np.minimum(1.0 - (1.0 - 2.0 * tau * tau) ** 2, 1.0))


def _elliptic_parts(m: np.ndarray, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r""":math:`\kappa = \frac{2}{\pi}\mathbf K(m) - 1` and
    :math:`\lambda_2 = \frac2\pi(\mathbf K - \mathbf E) - \frac m2`.

    Both vanish at ``m = 0``; they come from their power series for ``m < 1/2`` (no cancellation) and from
    ``ellipkm1``/``ellipe`` above, with ``1 - m = (1 - 2 tau^2)^2`` formed without rounding ``m`` first.
    """
    n = np.arange(1, 61)
    c2 = np.exp(2.0 * (special.gammaln(2 * n + 1) - 2 * special.gammaln(n + 1) - 2 * n * LN2))  # binom(2n,n)^2/16^n
    small = m < 0.5
    ms = np.where(small, m, 0.0)[..., None]
    powers = ms ** n
    kappa_s = (c2 * powers).sum(-1)
    lam2_s = (c2 * powers * (2 * n / (2 * n - 1.0)))[..., 1:].sum(-1)
    p = (1.0 - 2.0 * tau * tau) ** 2  # 1 - m
    with np.errstate(divide="ignore", invalid="ignore"):
        kk = special.ellipkm1(np.where(small, 0.5, p))
        ee = special.ellipe(np.where(small, 0.5, 1.0 - p))
    kappa = np.where(small, kappa_s, 2.0 / np.pi * kk - 1.0)
    lam2 = np.where(small, lam2_s, 2.0 / np.pi * (kk - ee) - 0.5 * (1.0 - p))
    return kappa, lam2


def onsager_free_energy(K: ArrayLike):
    r"""Onsager's :math:`-\beta f = \lim \ln Z / N` of the infinite square lattice at ``h = 0``.

    .. math:: -\beta f = \ln(2\cosh 2K) + \frac{1}{2\pi}\int_0^\pi
              \ln\frac{1 + \sqrt{1 - k^2\sin^2\theta}}{2}\,d\theta, \qquad k = \frac{2\sinh 2K}{\cosh^2 2K} .

    The integral is done by adaptive quadrature on ``[0, pi/2]`` (the integrand is symmetric about ``pi/2``),
    accurate to about 1e-12. At most :data:`ONSAGER_MAX_POINTS` couplings per call.

    Parameters
    ----------
    K : float or array_like
        Coupling, ``K >= 0``.

    See Also
    --------
    kaufman_log_partition : the exact finite torus, whose :math:`\ln Z/(nm)` tends to this limit.

    References
    ----------
    .. [1] L. Onsager, Phys. Rev. 65, 117 (1944).

    Examples
    --------
    >>> print(f"{onsager_free_energy(K_CRITICAL):.10f}")  # ln(2)/2 + 2 G / pi
    0.9296953983
    """
    from scipy import integrate

    K = _coupling(K, strict=False)
    _check_cost(K.size, ONSAGER_MAX_POINTS, "ONSAGER_MAX_POINTS", f"onsager_free_energy of K with {K.size} couplings",
                unit="quadratures", advice="split K into smaller arrays")

    def one(k2):
        g = lambda t: np.log1p(np.sqrt(max(0.0, 1.0 - k2 * np.sin(t) ** 2))) - LN2  # noqa: E731
        pts = None if k2 < 0.999 else [np.pi / 2 - 1e-3, np.pi / 2 - 1e-6]
        return integrate.quad(g, 0.0, np.pi / 2, epsabs=1e-14, epsrel=1e-13, limit=200, points=pts)[0]

    k2 = _tanh_sech2(K)[2]
    integral = np.vectorize(one, otypes=[float])(k2)
    return _scalar_or_array(_log_2cosh(2.0 * K) + integral / np.pi)


def onsager_internal_energy(K: ArrayLike):
    r"""Internal energy per site :math:`u = \langle E\rangle/(N J)` of the infinite lattice (Onsager).

    .. math:: u = -\coth 2K\Big[1 + \frac{2}{\pi}(2\tanh^2 2K - 1)\,\mathbf K(k)\Big]
              = -\Big[2\tau + (2\tau^2 - 1)\frac{\kappa}{\tau}\Big],

    with :math:`\tau = \tanh 2K`, :math:`\kappa = \frac2\pi\mathbf K(k) - 1` and ``k`` as in
    :func:`onsager_free_energy`; the second form has no cancellation at small ``K`` (:math:`u \approx -2K`).
    :math:`u(K_c) = -\sqrt2`.

    Parameters
    ----------
    K : float or array_like
        Coupling, ``K > 0``.

    See Also
    --------
    kaufman_internal_energy : the finite torus.

    Examples
    --------
    >>> print(f"{onsager_internal_energy(K_CRITICAL):.10f}")
    -1.4142135624
    >>> print(f"{onsager_internal_energy(1e-12):.6e}")
    -2.000000e-12
    """
    K = _coupling(K)
    tau, _, m = _tanh_sech2(K)
    kappa, _ = _elliptic_parts(m, tau)
    with np.errstate(invalid="ignore"):
        prod = np.where(m >= 1.0, 0.0, (2.0 * tau * tau - 1.0) * kappa)
    return _scalar_or_array(-(2.0 * tau + prod / tau))


def onsager_specific_heat(K: ArrayLike):
    r"""Specific heat per site :math:`c = K^2\,\partial_K^2(-\beta f)` of the infinite lattice (Onsager).

    .. math:: c = \frac{4}{\pi}(K\coth 2K)^2\Big[\mathbf K(k) - \mathbf E(k)
              - (1 - \tau^2)\Big(\frac{\pi}{2} + (2\tau^2 - 1)\mathbf K(k)\Big)\Big]
              = 2\Big(\frac{K}{\tau}\Big)^2\big[\lambda_2 - (1-\tau^2)(2\tau^2-1)\kappa\big],

    with :math:`\mathbf K, \mathbf E` the complete elliptic integrals, :math:`\tau = \tanh 2K` and
    :math:`\kappa, \lambda_2` their parts that vanish at ``k = 0`` (summed as series, so that
    :math:`c \approx 2K^2` at small ``K`` and :math:`c \approx 64 K^2 e^{-8K}` at large ``K`` keep full
    precision). Diverges logarithmically at :math:`K_c` (``inf`` there).

    Parameters
    ----------
    K : float or array_like
        Coupling, ``K > 0``.

    See Also
    --------
    kaufman_specific_heat : the finite torus, finite at :math:`K_c`.

    Examples
    --------
    >>> print(f"{onsager_specific_heat(0.3):.10f}")
    0.2862902029
    """
    K = _coupling(K)
    tau, sech2, m = _tanh_sech2(K)
    kappa, lam2 = _elliptic_parts(m, tau)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = 2.0 * (K / tau) ** 2 * (lam2 - sech2 * (2.0 * tau * tau - 1.0) * kappa)
    return _scalar_or_array(np.where(m >= 1.0, np.inf, c))


def yang_magnetization(K: ArrayLike):
    r"""Spontaneous magnetization of the infinite lattice (Yang 1952).

    .. math:: M = (1 - \sinh^{-4} 2K)^{1/8} \text{ for } K > K_c, \qquad M = 0 \text{ for } K \le K_c.

    Parameters
    ----------
    K : float or array_like
        Coupling, ``K >= 0``.

    References
    ----------
    .. [1] C. N. Yang, Phys. Rev. 85, 808 (1952).

    Examples
    --------
    >>> print(f"{yang_magnetization(0.5):.10f}")
    0.9113193779
    """
    K = _coupling(K, strict=False)
    with np.errstate(divide="ignore", over="ignore"):
        x = -np.expm1(-4.0 * (_log_abs_2sinh(2.0 * K) - LN2))  # 1 - sinh(2K)^-4
    return _scalar_or_array(np.where(K > K_CRITICAL, np.clip(x, 0.0, 1.0) ** 0.125, 0.0))


# ----------------------------------------------------------------------------------------------
# Kaufman: the finite torus
# ----------------------------------------------------------------------------------------------
def _kaufman_iv(n, m, K):
    n = _check_int(n, "n")
    m = _check_int(m, "m")
    K = _coupling(K)
    _check_cost(float(min(n, m)) * max(K.size, 1), KAUFMAN_MAX_TERMS, "KAUFMAN_MAX_TERMS",
                f"Kaufman's formula for n x m = {n} x {m} at K with {K.size} couplings", unit="terms",
                advice="split K into smaller arrays")
    return n, m, K


def _kaufman(n: int, m: int, K: np.ndarray, which: int) -> np.ndarray:
    r"""One of ln Z, d ln Z/dK, d^2 ln Z/dK^2 (``which`` = 0, 1, 2), in chunks of couplings of bounded memory."""
    n, m = min(n, m), max(n, m)  # Z is symmetric in (n, m): the smaller side indexes the modes (cheaper, and
    # m >= 2 unless n = m = 1 keeps the small-K derivatives free of 1/K terms)
    flat = K.reshape(-1)
    out = np.empty(flat.shape)
    step = max(1, 2**18 // n)
    for i in range(0, flat.size, step):
        out[i:i + step] = _kaufman_terms(n, m, flat[i:i + step])[which]
    return out.reshape(K.shape)


def kaufman_log_partition(n: int, m: int, K: ArrayLike):
    r"""Exact :math:`\ln Z` of the ``n x m`` periodic square lattice at ``h = 0`` (Kaufman 1949).

    .. math:: Z_{n,m} = \tfrac12 (2\sinh 2K)^{nm/2}\Big[\prod_{r=0}^{n-1} 2\cosh\tfrac{m\gamma_{2r+1}}{2}
              + \prod_{r=0}^{n-1} 2\sinh\tfrac{m\gamma_{2r+1}}{2}
              + \prod_{r=0}^{n-1} 2\cosh\tfrac{m\gamma_{2r}}{2}
              + \prod_{r=0}^{n-1} 2\sinh\tfrac{m\gamma_{2r}}{2}\Big],

    :math:`\cosh\gamma_k = \cosh 2K\coth 2K - \cos(\pi k/n)` for :math:`k \ge 1` and
    :math:`\gamma_0 = 2K + \ln\tanh K` (negative for :math:`K < K_c`). Each factor is evaluated as
    :math:`(2\sinh 2K)^{m/2} 2\cosh\frac{m\gamma}{2} = \Lambda^{m/2} + \bar\Lambda^{m/2}` with the row transfer
    eigenvalues :math:`\Lambda = 2\sinh 2K\,e^{\gamma}`, :math:`\bar\Lambda = 2\sinh 2K\,e^{-\gamma}` written as
    O(1) polynomials in :math:`t = e^{-2K}`; products are kept as logarithms and the sign of the last one is
    carried by splitting it in two. The result is accurate from ``K = 1e-12`` (:math:`\ln Z \to nm\ln 2`) to
    ``K = 1e3`` (:math:`\ln Z \to 2nmK + \ln 2`) and for lattices of 512 x 512 and beyond. The torus has
    ``2 n m`` bonds (see :func:`torus_bonds`).

    Parameters
    ----------
    n, m : int
        Lattice sides (``>= 1``); ``min(n, m) * K.size <= KAUFMAN_MAX_TERMS``.
    K : float or array_like
        Coupling, ``K > 0``.

    See Also
    --------
    rglib.ising.enumerate_log_partition : the same number by brute force (``n m <= 25``).
    onsager_free_energy : the limit :math:`\ln Z/(nm)` for :math:`n, m \to \infty`.

    References
    ----------
    .. [1] B. Kaufman, Phys. Rev. 76, 1232 (1949).

    Examples
    --------
    >>> print(f"{kaufman_log_partition(4, 4, 0.44):.10f}")
    15.5047265387
    >>> print(f"{kaufman_log_partition(4, 4, 1000.0) - 32_000:.10f}")  # 2 n m K + ln 2
    0.6931471806
    """
    n, m, K = _kaufman_iv(n, m, K)
    return _scalar_or_array(_kaufman(n, m, K, 0))


def kaufman_internal_energy(n: int, m: int, K: ArrayLike):
    r"""Exact internal energy per site :math:`u = -\frac{1}{nm}\partial_K \ln Z_{n,m}` (units of ``J``).

    :math:`\partial_K\ln Z = \langle\sum_{\langle ij\rangle} s_i s_j\rangle`, from analytic derivatives of
    each factor of Kaufman's formula (see :func:`kaufman_log_partition`); :math:`u \to -2` for large ``K`` and
    :math:`u \approx -2K` for small ``K`` (absolute accuracy about 1e-15).

    Parameters
    ----------
    n, m : int
        Lattice sides (``>= 1``).
    K : float or array_like
        Coupling, ``K > 0``.

    See Also
    --------
    onsager_internal_energy : the infinite lattice.

    Examples
    --------
    >>> print(f"{kaufman_internal_energy(512, 512, 0.6):.10f}")
    -1.9090861777
    """
    n, m, K = _kaufman_iv(n, m, K)
    return _scalar_or_array(-_kaufman(n, m, K, 1) / (n * m))


def kaufman_specific_heat(n: int, m: int, K: ArrayLike):
    r"""Exact specific heat per site :math:`c = \frac{K^2}{nm}\partial_K^2\ln Z_{n,m}` (units of ``k_B``).

    Equals :math:`K^2\operatorname{Var}(\sum s_i s_j)/(nm)`. The second derivative is assembled as a weighted
    mean of the factors' second log-derivatives plus the variance of their first ones, so it has no cancellation:
    :math:`c \approx 2K^2` at small ``K`` and :math:`c \to 0` at large ``K`` keep their precision.

    Parameters
    ----------
    n, m : int
        Lattice sides (``>= 1``).
    K : float or array_like
        Coupling, ``K > 0``.

    See Also
    --------
    onsager_specific_heat : the infinite lattice (divergent at :math:`K_c`).

    Examples
    --------
    >>> print(f"{kaufman_specific_heat(16, 16, K_CRITICAL):.5f}")
    1.49870
    """
    n, m, K = _kaufman_iv(n, m, K)
    return _scalar_or_array(K**2 * _kaufman(n, m, K, 2) / (n * m))


# ----------------------------------------------------------------------------------------------
# observables of lattice configurations
# ----------------------------------------------------------------------------------------------
def _lattice(spins) -> np.ndarray:
    return _check_spins(spins, "spins", min_ndim=2, layout="(..., L1, L2)")


def lattice_bond_sum(spins: ArrayLike) -> NDArray[np.int64]:
    r""":math:`S = \sum_{\langle ij\rangle} s_i s_j` over the ``2 L1 L2`` bonds of each periodic lattice.

    Parameters
    ----------
    spins : array_like of int, shape ``(..., L1, L2)``
        Configurations of +-1 (``int8``). Bonds as in :func:`torus_bonds`.

    Returns
    -------
    ndarray of int64, shape ``(...)``
        :math:`-2L_1L_2 \le S \le 2L_1L_2`.

    See Also
    --------
    rglib.ising.bond_sum : the same for flattened configurations and any list of bonds.

    Examples
    --------
    >>> int(lattice_bond_sum(np.ones((3, 4), np.int8)))
    24
    """
    s = _lattice(spins).astype(np.int32)
    right = (s * np.roll(s, -1, axis=-1)).sum(axis=(-2, -1))
    down = (s * np.roll(s, -1, axis=-2)).sum(axis=(-2, -1))
    return (right + down).astype(np.int64)


def lattice_energy(spins: ArrayLike, K: ArrayLike = 1.0, h: ArrayLike = 0.0) -> NDArray[np.float64]:
    r"""Reduced energy :math:`E = -K\sum_{\langle ij\rangle}s_is_j - h\sum_i s_i` of each periodic lattice.

    With the defaults ``K = 1``, ``h = 0`` this is the energy in units of ``J``.

    Parameters
    ----------
    spins : array_like of int, shape ``(..., L1, L2)``
        Configurations of +-1.
    K, h : float or array_like
        Coupling and field (finite reals), broadcast against the batch shape ``(...)``.

    Examples
    --------
    >>> print(float(lattice_energy(np.ones((4, 4), np.int8), K=0.5, h=0.1)))
    -17.6
    """
    s = _lattice(spins)
    K = _check_real(K, "K")
    h = _check_real(h, "h")
    try:
        shape = np.broadcast_shapes(s.shape[:-2], K.shape, h.shape)
    except ValueError:
        raise ValueError(f"K and h (shapes {K.shape}, {h.shape}) must broadcast against the batch shape "
                         f"{s.shape[:-2]} of spins") from None
    E = -K * lattice_bond_sum(s) - h * s.sum(axis=(-2, -1), dtype=np.float64)
    return np.broadcast_to(E, shape) if np.shape(E) != shape else E


def lattice_magnetization(spins: ArrayLike) -> NDArray[np.float64]:
    r"""Magnetization per site :math:`m = \frac1N\sum_i s_i` of each lattice, shape ``(...)`` (float64).

    Examples
    --------
    >>> print(float(lattice_magnetization(np.array([[1, -1], [1, 1]], np.int8))))
    0.5
    """
    return _lattice(spins).mean(axis=(-2, -1), dtype=np.float64)
