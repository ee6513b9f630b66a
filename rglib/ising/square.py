r"""The square-lattice Ising model, exactly: Onsager, Yang, Kaufman's finite torus, lattice observables.

Conventions used throughout
---------------------------
* Spins are ``int8`` values :math:`s_i = \pm 1`; lattices have shape ``(..., L1, L2)`` and are periodic.
* Couplings are dimensionless: ``K = beta J`` and ``h = beta H``. The weight of a configuration is
  :math:`e^{-E(s)}` with the *reduced* energy

  .. math:: E(s) = -K \sum_{\langle ij \rangle} s_i s_j - h \sum_i s_i ,

  the first sum running once over every nearest-neighbour bond of the periodic lattice (a ring of ``N``
  spins has ``N`` bonds, an ``n x m`` torus ``2 n m`` bonds, also when a side is 1 or 2).
* Exact results are float64 and computed in log space, so they stay finite for large lattices and large
  couplings.
* Functions broadcast over array-valued ``K`` and ``h``.
"""
from __future__ import annotations

import numpy as np
from scipy import special

from .._checks import check_int as _check_int
from .._checks import check_real_array as _check_real
from .._numerics import log_2cosh as _log_2cosh
from .._numerics import log_abs_2sinh as _log_abs_2sinh
from .._numerics import scalar_or_array as _scalar_or_array

__all__ = [
    "K_CRITICAL",
    "T_CRITICAL",
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


# ----------------------------------------------------------------------------------------------
#: Critical coupling of the square-lattice Ising model, :math:`K_c = \frac12\ln(1+\sqrt2)`.
K_CRITICAL = 0.5 * np.log1p(np.sqrt(2.0))
#: Critical temperature :math:`T_c = 1/K_c = 2/\ln(1+\sqrt2)` in units of ``J/k_B``.
T_CRITICAL = 1.0 / K_CRITICAL


def _check_positive_coupling(K, name: str = "K") -> np.ndarray:
    K = _check_real(K, name)
    if np.any(K <= 0):
        raise ValueError(f"{name} must be > 0 (ferromagnetic square lattice); got {K!r}")
    return K


def onsager_free_energy(K):
    r"""Onsager's :math:`-\beta f = \lim \ln Z / N` of the infinite square lattice at ``h = 0``.

    .. math:: -\beta f = \ln(2\cosh 2K) + \frac{1}{2\pi}\int_0^\pi
              \ln\frac{1 + \sqrt{1 - k^2\sin^2\theta}}{2}\,d\theta, \qquad k = \frac{2\sinh 2K}{\cosh^2 2K}
    :cite:`onsager1944crystal`. The integral is done by adaptive quadrature on ``[0, pi/2]`` (the integrand is
    symmetric about ``pi/2``), accurate to about 1e-12. ``K >= 0``; broadcasts over arrays.
    """
    from scipy import integrate

    K = _check_real(K, "K")
    if np.any(K < 0):
        raise ValueError(f"K must be >= 0; got {K!r}")

    def one(k2):
        g = lambda t: np.log1p(np.sqrt(max(0.0, 1.0 - k2 * np.sin(t) ** 2))) - np.log(2.0)  # noqa: E731
        pts = None if k2 < 0.999 else [np.pi / 2 - 1e-3, np.pi / 2 - 1e-6]
        return integrate.quad(g, 0.0, np.pi / 2, epsabs=1e-14, epsrel=1e-13, limit=200, points=pts)[0]

    k2 = (2.0 * np.tanh(2.0 * K) / np.cosh(2.0 * K)) ** 2
    integral = np.vectorize(one, otypes=[float])(k2)
    return _scalar_or_array(_log_2cosh(2.0 * K) + integral / np.pi)


def _onsager_modulus(K: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""``tanh 2K`` and the elliptic parameter :math:`m = k^2`, :math:`k = 2\sinh 2K/\cosh^2 2K` (clipped at 1)."""
    t2 = np.tanh(2.0 * K)
    k = 2.0 * t2 / np.cosh(2.0 * K)
    return t2, np.minimum(k * k, 1.0)


def onsager_internal_energy(K):
    r"""Internal energy per site :math:`u = \langle E\rangle/(N J)` of the infinite lattice (Onsager).

    .. math:: u = -\coth 2K\Big[1 + \frac{2}{\pi}(2\tanh^2 2K - 1)\,\mathbf K(k)\Big],
              \qquad k = \frac{2\sinh 2K}{\cosh^2 2K},

    with :math:`\mathbf K` the complete elliptic integral of the first kind; :math:`u(K_c) = -\sqrt2`.
    ``K > 0``; broadcasts over arrays.
    """
    K = _check_positive_coupling(K)
    t2, m = _onsager_modulus(K)
    with np.errstate(divide="ignore", invalid="ignore"):
        prod = (2.0 * t2**2 - 1.0) * special.ellipk(m)
    prod = np.where(m >= 1.0, 0.0, prod)
    return _scalar_or_array(-(1.0 + (2.0 / np.pi) * prod) / t2)


def onsager_specific_heat(K):
    r"""Specific heat per site :math:`c = K^2\,\partial_K^2(-\beta f)` of the infinite lattice (Onsager).

    .. math:: c = \frac{4}{\pi}(K\coth 2K)^2\Big[\mathbf K(k) - \mathbf E(k)
              - (1 - \tanh^2 2K)\Big(\frac{\pi}{2} + (2\tanh^2 2K - 1)\mathbf K(k)\Big)\Big],

    with :math:`\mathbf K, \mathbf E` the complete elliptic integrals of the first and second kind and
    ``k`` as in :func:`onsager_internal_energy`. Diverges logarithmically at :math:`K_c` (``inf`` there).
    ``K > 0``; broadcasts over arrays.
    """
    K = _check_positive_coupling(K)
    t2, m = _onsager_modulus(K)
    with np.errstate(divide="ignore", invalid="ignore"):
        kk = special.ellipk(m)
        ee = special.ellipe(m)
        c = (4.0 / np.pi) * (K / t2) ** 2 * (kk - ee - (1.0 - t2**2) * (np.pi / 2 + (2.0 * t2**2 - 1.0) * kk))
    c = np.where(m >= 1.0, np.inf, c)
    return _scalar_or_array(c)


def yang_magnetization(K):
    r"""Spontaneous magnetization of the infinite lattice (Yang 1952).

    .. math:: M = (1 - \sinh^{-4} 2K)^{1/8} \text{ for } K > K_c, \qquad M = 0 \text{ for } K \le K_c.

    ``K >= 0``; broadcasts over arrays.
    """
    K = _check_real(K, "K")
    if np.any(K < 0):
        raise ValueError(f"K must be >= 0; got {K!r}")
    with np.errstate(divide="ignore", over="ignore"):
        x = 1.0 - np.sinh(2.0 * K) ** -4.0
    return _scalar_or_array(np.where(K > K_CRITICAL, np.clip(x, 0.0, 1.0) ** 0.125, 0.0))


def _kaufman_terms(n: int, m: int, K: np.ndarray):
    """ln Z and its first two K-derivatives for an n x m torus (Kaufman 1949), all in log space.

    Z = 1/2 (2 sinh 2K)^{nm/2} [P1 + P2 + P3 + P4], P1 = prod 2cosh(m g_{2r+1}/2), P2 = prod 2sinh(m g_{2r+1}/2),
    P3 = prod 2cosh(m g_{2r}/2), P4 = prod 2sinh(m g_{2r}/2) (r = 0..n-1), with
    cosh g_k = cosh 2K coth 2K - cos(pi k/n) (k >= 1), g_0 = 2K + ln tanh K.
    Each P_i is written e^{lam_i} p0_i, P_i' = e^{lam_i} p1_i, P_i'' = e^{lam_i} p2_i.
    """
    K = K[..., None]
    s = np.sinh(2.0 * K)
    ch = np.cosh(2.0 * K)
    # cosh g_k = 1 + delta_k, delta_k = (s - 1)^2/s + 2 sin^2(pi k / 2n): no cancellation near g = 0
    # c(K) = cosh^2 2K / sinh 2K, c' and c'' for the derivatives of g_k
    c1 = 2.0 * ch * (s * s - 1.0) / (s * s)
    c2 = 4.0 * s * (1.0 - 1.0 / (s * s)) + 8.0 * ch * ch / (s * s * s)

    def gammas(k):
        theta = np.pi * k / n
        delta = (s - 1.0) ** 2 / s + 2.0 * np.sin(theta / 2) ** 2
        sh = np.sqrt(delta * (delta + 2.0))  # sinh g
        g = np.log1p(delta + sh)
        g1 = c1 / sh
        g2 = (c2 - (1.0 + delta) * g1 * g1) / sh
        return g, g1, g2

    def log_cosh_prod(a, a1, a2):
        t = np.tanh(a)
        L = _log_2cosh(a).sum(-1)
        L1 = (a1 * t).sum(-1)
        L2 = (a2 * t + a1 * a1 * (1.0 - t * t)).sum(-1)
        return L, np.ones_like(L), L1, L2 + L1 * L1

    def log_sinh_prod(a, a1, a2):  # all a > 0
        ct = 1.0 / np.tanh(a)
        L = _log_abs_2sinh(a).sum(-1)
        L1 = (a1 * ct).sum(-1)
        L2 = (a2 * ct - a1 * a1 * (ct * ct - 1.0)).sum(-1)
        return L, np.ones_like(L), L1, L2 + L1 * L1

    half_m = 0.5 * m
    odd = np.arange(1, 2 * n, 2)
    g, g1, g2 = gammas(odd)
    terms = [log_cosh_prod(half_m * g, half_m * g1, half_m * g2), log_sinh_prod(half_m * g, half_m * g1, half_m * g2)]

    # even k = 0, 2, ..., 2n-2; k = 0 is special (g_0 = 2K + ln tanh K, signed)
    K0 = K[..., 0]
    s0 = s[..., 0]
    a0 = half_m * (2.0 * K0 + np.log(np.tanh(K0)))
    a0_1 = half_m * (2.0 + 2.0 / s0)
    a0_2 = half_m * (-4.0 * ch[..., 0] / (s0 * s0))
    even = np.arange(2, 2 * n, 2)
    if len(even):
        g, g1, g2 = gammas(even)
        a, a1, a2 = half_m * g, half_m * g1, half_m * g2
    else:
        a = a1 = a2 = np.zeros(K.shape[:-1] + (0,))
    # cosh product including k = 0
    terms.append(log_cosh_prod(np.concatenate([a0[..., None], a], -1), np.concatenate([a0_1[..., None] * np.ones_like(a0[..., None]), a1], -1),
                               np.concatenate([a0_2[..., None] * np.ones_like(a0[..., None]), a2], -1)))
    # sinh product: f = 2 sinh a0 (may vanish or be negative) times Q = prod_{k>=2} 2 sinh a_k
    LQ, _, LQ1, LQ2sq = log_sinh_prod(a, a1, a2)
    LQ2 = LQ2sq - LQ1 * LQ1
    ab = np.abs(a0)
    e2 = np.exp(-2.0 * ab)
    fs = np.sign(a0) * (1.0 - e2)  # 2 sinh a0 / e^{|a0|}
    cs = 1.0 + e2  # 2 cosh a0 / e^{|a0|}
    p0 = fs
    p1 = a0_1 * cs + fs * LQ1
    p2 = fs * a0_1**2 + cs * a0_2 + 2.0 * cs * a0_1 * LQ1 + fs * (LQ2 + LQ1 * LQ1)
    terms.append((ab + LQ, p0, p1, p2))

    lam = np.stack([t[0] for t in terms])
    shift = lam.max(axis=0)
    w = np.exp(lam - shift)
    S0 = sum(wi * t[1] for wi, t in zip(w, terms))
    S1 = sum(wi * t[2] for wi, t in zip(w, terms))
    S2 = sum(wi * t[3] for wi, t in zip(w, terms))
    N = n * m
    logz = -np.log(2.0) + 0.5 * N * _log_abs_2sinh(2.0 * K0) + shift + np.log(S0)
    d1 = N / np.tanh(2.0 * K0) + S1 / S0
    d2 = -2.0 * N / s0**2 + S2 / S0 - (S1 / S0) ** 2
    return logz, d1, d2


def _kaufman_checked(n, m, K):
    n = _check_int(n, "n")
    m = _check_int(m, "m")
    K = _check_positive_coupling(K)
    return n, m, K


def kaufman_log_partition(n: int, m: int, K):
    r"""Exact ``ln Z`` of the ``n x m`` periodic square lattice at ``h = 0`` (Kaufman 1949).

    .. math:: Z_{n,m} = \tfrac12 (2\sinh 2K)^{nm/2}\Big[\prod_{r=0}^{n-1} 2\cosh\tfrac{m\gamma_{2r+1}}{2}
              + \prod_{r=0}^{n-1} 2\sinh\tfrac{m\gamma_{2r+1}}{2}
              + \prod_{r=0}^{n-1} 2\cosh\tfrac{m\gamma_{2r}}{2}
              + \prod_{r=0}^{n-1} 2\sinh\tfrac{m\gamma_{2r}}{2}\Big],

    :math:`\cosh\gamma_k = \cosh 2K\coth 2K - \cos(\pi k/n)` for :math:`k \ge 1` and
    :math:`\gamma_0 = 2K + \ln\tanh K` (negative for :math:`K < K_c`) :cite:`kaufman1949crystal`. Every
    product is kept as a logarithm and the sign of the last one is tracked, so the result is accurate for
    lattices of 512 x 512 and beyond. The torus has ``2 n m`` bonds (see :func:`torus_bonds`).

    Parameters
    ----------
    n, m : int
        Lattice sides (``>= 1``).
    K : float or array_like
        Coupling, ``K > 0``.
    """
    n, m, K = _kaufman_checked(n, m, K)
    return _scalar_or_array(_kaufman_terms(n, m, K)[0])


def kaufman_internal_energy(n: int, m: int, K):
    r"""Exact internal energy per site :math:`u = -\frac{1}{nm}\partial_K \ln Z_{n,m}` (units of ``J``).

    :math:`\partial_K\ln Z = \langle\sum_{\langle ij\rangle} s_i s_j\rangle`, from analytic derivatives of
    Kaufman's formula (see :func:`kaufman_log_partition`).
    """
    n, m, K = _kaufman_checked(n, m, K)
    return _scalar_or_array(-_kaufman_terms(n, m, K)[1] / (n * m))


def kaufman_specific_heat(n: int, m: int, K):
    r"""Exact specific heat per site :math:`c = \frac{K^2}{nm}\partial_K^2\ln Z_{n,m}` (units of ``k_B``).

    Equals :math:`K^2\operatorname{Var}(\sum s_i s_j)/N`, from analytic second derivatives of Kaufman's
    formula.
    """
    n, m, K = _kaufman_checked(n, m, K)
    return _scalar_or_array(K**2 * _kaufman_terms(n, m, K)[2] / (n * m))


# ----------------------------------------------------------------------------------------------
# observables of lattice configurations
# ----------------------------------------------------------------------------------------------
def _check_lattice(spins, name: str = "spins") -> np.ndarray:
    s = np.asarray(spins)
    if not (np.issubdtype(s.dtype, np.integer) or np.issubdtype(s.dtype, np.floating)):
        raise TypeError(f"{name} must be a numeric array of +-1 spins (int8 preferred); got dtype {s.dtype}")
    if s.ndim < 2 or s.shape[-1] < 1 or s.shape[-2] < 1:
        raise ValueError(f"{name} must have shape (..., L1, L2) with L1, L2 >= 1; got shape {s.shape}")
    return s


def lattice_bond_sum(spins) -> np.ndarray:
    r""":math:`S = \sum_{\langle ij\rangle} s_i s_j` over the ``2 L1 L2`` bonds of each periodic lattice.

    Parameters
    ----------
    spins : array_like, shape ``(..., L1, L2)``
        Configurations of +-1 (``int8``). Bonds as in :func:`torus_bonds`.

    Returns
    -------
    ndarray of int64, shape ``(...)``
    """
    s = _check_lattice(spins)
    if np.issubdtype(s.dtype, np.integer):
        s = s.astype(np.int32)
    right = (s * np.roll(s, -1, axis=-1)).sum(axis=(-2, -1))
    down = (s * np.roll(s, -1, axis=-2)).sum(axis=(-2, -1))
    out = right + down
    return out.astype(np.int64) if np.issubdtype(out.dtype, np.integer) else out


def lattice_energy(spins, K=1.0, h=0.0) -> np.ndarray:
    r"""Reduced energy :math:`E = -K\sum_{\langle ij\rangle}s_is_j - h\sum_i s_i` of each periodic lattice.

    With the defaults ``K = 1``, ``h = 0`` this is the energy in units of ``J``. ``K`` and ``h`` broadcast
    against the batch shape ``(...)`` of ``spins``.
    """
    s = _check_lattice(spins)
    K = _check_real(K, "K")
    h = _check_real(h, "h")
    return -K * lattice_bond_sum(s) - h * s.sum(axis=(-2, -1), dtype=np.float64)


def lattice_magnetization(spins) -> np.ndarray:
    r"""Magnetization per site :math:`m = \frac1N\sum_i s_i` of each lattice, shape ``(...)`` (float64)."""
    s = _check_lattice(spins)
    return s.mean(axis=(-2, -1), dtype=np.float64)
