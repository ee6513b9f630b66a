r"""The 1D Ising model, exactly: transfer matrix of the periodic ring and the infinite chain.

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
from typing import NamedTuple

from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ring_log_partition",
    "ring_magnetization",
    "ring_correlation",
    "ring_connected_correlation",
    "ring_entropy",
    "chain_log_partition_per_site",
    "chain_magnetization",
    "chain_correlation_length",
    "chain_nn_correlation",
    "chain_entropy_per_site",
    "ChainParts",
    "chain_parts",
]


# ----------------------------------------------------------------------------------------------
# 1D: transfer matrix
# ----------------------------------------------------------------------------------------------
def _transfer_spectrum(K: np.ndarray, h: np.ndarray):
    """Eigen-data of the symmetric transfer matrix T_{ss'} = exp(K s s' + h (s + s')/2).

    Returns ``log_lam_plus``, ``log_abs_ratio`` (ln|lambda_-/lambda_+|), ``sign_ratio`` (sign of
    lambda_-/lambda_+ = sign K) and ``cos2phi``, ``sin2phi_sq`` describing the eigenvectors: in the eigenbasis
    sigma_z has diagonal (cos 2phi, -cos 2phi) and off-diagonal -sin 2phi.
    """
    a = np.abs(h)
    e = np.exp(-2.0 * a)
    # cosh a + sqrt(sinh^2 a + e^{-4K}) = e^a [ (1+e)/2 + sqrt(((1-e)/2)^2 + e^{-4K-2a}) ]
    inner = 0.5 * (1.0 + e) + np.sqrt((0.5 * (1.0 - e)) ** 2 + np.exp(-4.0 * K - 2.0 * a))
    log_lam_plus = K + a + np.log(inner)
    # |lambda_-|/lambda_+ = (max(p,q) - min(p,q))/(p + q) with p = e^K cosh h, q = sqrt(e^{2K} sinh^2 h + e^{-2K})
    # so ln|lambda_-/lambda_+| = -2 artanh(rho), rho = exp(-|ln p - ln q|): exact to relative precision.
    log_sinh = _log_abs_2sinh(h) - np.log(2.0)
    log_p = K + _log_2cosh(h) - np.log(2.0)
    log_q = 0.5 * np.logaddexp(2.0 * K + 2.0 * log_sinh, -2.0 * K)
    d = np.abs(log_p - log_q)
    rho = np.exp(-d)
    with np.errstate(divide="ignore"):
        log1m_rho = np.where(d < np.log(2.0), np.log(-np.expm1(-d)), np.log1p(-rho))
    log_abs_ratio = -(np.log1p(rho) - log1m_rho)
    sign_ratio = np.where(K >= 0, 1.0, -1.0)
    # tan^2 2phi = e^{-4K} / sinh^2 h ; use logistic functions of x = 4K + 2 ln|sinh h|
    x = 4.0 * K + 2.0 * log_sinh
    cos2phi_sq = special.expit(x)
    sin2phi_sq = special.expit(-x)
    cos2phi = np.sign(h) * np.sqrt(cos2phi_sq)
    return log_lam_plus, log_abs_ratio, sign_ratio, cos2phi, sin2phi_sq


def _ratio_power(log_abs_ratio, sign_ratio, power):
    """(lambda_-/lambda_+)**power for integer power >= 0 (0**0 = 1)."""
    power = np.asarray(power)
    with np.errstate(invalid="ignore"):
        mag = np.where(power == 0, 1.0, np.exp(power * log_abs_ratio))
    sgn = np.where(power % 2 == 0, 1.0, sign_ratio)
    return sgn * mag


def ring_log_partition(N: int, K, h=0.0):
    r"""Exact ``ln Z`` of a periodic ring of ``N`` Ising spins in a field.

    .. math:: Z_N = \operatorname{tr} T^N = \lambda_+^N + \lambda_-^N, \qquad
              \lambda_\pm = e^K \cosh h \pm \sqrt{e^{2K}\sinh^2 h + e^{-2K}},

    for :math:`E = -K\sum_i s_i s_{i+1} - h \sum_i s_i` with :math:`s_{N} \equiv s_0`. Evaluated as
    :math:`N \ln\lambda_+ + \ln(1 + (\lambda_-/\lambda_+)^N)` with
    :math:`\lambda_+\lambda_- = 2\sinh 2K`, stable for large ``K`` and ``h`` (and valid for ``K < 0``).

    Parameters
    ----------
    N : int
        Number of spins, ``N >= 1`` (``N = 1`` is one spin bonded to itself, ``N = 2`` has a double bond).
    K, h : float or array_like
        Coupling ``K = beta J`` and field ``h = beta H``; broadcast against each other. Finite reals.

    Returns
    -------
    float or ndarray
        ``ln Z`` with the broadcast shape of ``K`` and ``h``.
    """
    N = _check_int(N, "N")
    K = _check_real(K, "K")
    h = _check_real(h, "h")
    K, h = np.broadcast_arrays(K, h)
    llp, lar, sgn, _, _ = _transfer_spectrum(K, h)
    # ln(1 + r^N) with r^N = (+-1) exp(N lar), stable also when r^N -> -1 (frustrated odd rings)
    with np.errstate(divide="ignore"):
        neg = (sgn < 0) & (N % 2 == 1)
        x = N * lar
        log1m = np.where(x > -np.log(2.0), np.log(-np.expm1(np.minimum(x, -1e-300))), np.log1p(-np.exp(x)))
        log_corr = np.where(neg, log1m, np.log1p(np.exp(x)))
    return _scalar_or_array(N * llp + log_corr)


def ring_magnetization(N: int, K, h=0.0):
    r"""Exact magnetization per spin :math:`\langle s_0 \rangle` of a periodic ring of ``N`` spins.

    .. math:: \langle s_0\rangle = \cos 2\phi\,\frac{\lambda_+^N - \lambda_-^N}{\lambda_+^N + \lambda_-^N},
              \qquad \cos 2\phi = \frac{\sinh h}{\sqrt{\sinh^2 h + e^{-4K}}} ,

    where :math:`(\cos\phi, \sin\phi)` is the leading eigenvector of the transfer matrix. Equals
    :math:`\frac1N \partial_h \ln Z_N`. Same parameters as :func:`ring_log_partition`.
    """
    N = _check_int(N, "N")
    K = _check_real(K, "K")
    h = _check_real(h, "h")
    K, h = np.broadcast_arrays(K, h)
    _, lar, sgn, c2p, _ = _transfer_spectrum(K, h)
    rN = _ratio_power(lar, sgn, N)
    return _scalar_or_array(c2p * (1.0 - rN) / (1.0 + rN))


def ring_correlation(N: int, K, h, r):
    r"""Exact full (not connected) two-point function :math:`\langle s_0 s_r \rangle` on a ring of ``N`` spins.

    .. math:: \langle s_0 s_r\rangle = \frac{\cos^2 2\phi\,(\lambda_+^N + \lambda_-^N)
              + \sin^2 2\phi\,(\lambda_+^{N-r}\lambda_-^{r} + \lambda_+^{r}\lambda_-^{N-r})}
              {\lambda_+^N + \lambda_-^N}.

    At ``h = 0`` this is :math:`(t^r + t^{N-r})/(1 + t^N)` with :math:`t = \tanh K`. For the connected
    function use :func:`ring_connected_correlation`.

    Parameters
    ----------
    N : int
        Number of spins, ``N >= 1``.
    K, h : float or array_like
        Coupling and field (finite reals).
    r : int or array_like of int
        Distance(s) along the ring, ``0 <= r <= N``; broadcast against ``K`` and ``h``.
    """
    N = _check_int(N, "N")
    K = _check_real(K, "K")
    h = _check_real(h, "h")
    r_arr = np.asarray(r)
    if not np.issubdtype(r_arr.dtype, np.integer):
        raise TypeError(f"r must be an int or an integer array; got dtype {r_arr.dtype}")
    if np.any(r_arr < 0) or np.any(r_arr > N):
        raise ValueError(f"r must satisfy 0 <= r <= N = {N}; got {r!r}")
    K, h, r_arr = np.broadcast_arrays(K, h, r_arr)
    _, lar, sgn, c2p, s2p_sq = _transfer_spectrum(K, h)
    rN = _ratio_power(lar, sgn, N)
    mixed = _ratio_power(lar, sgn, r_arr) + _ratio_power(lar, sgn, N - r_arr)
    out = (c2p**2 * (1.0 + rN) + s2p_sq * mixed) / (1.0 + rN)
    return _scalar_or_array(out)


def ring_connected_correlation(N: int, K, h, r):
    r"""Connected two-point function :math:`\langle s_0 s_r\rangle - \langle s_0\rangle^2` on a ring.

    Uses :func:`ring_correlation` and :func:`ring_magnetization` (translation invariance gives
    :math:`\langle s_r\rangle = \langle s_0\rangle`).
    """
    full = np.asarray(ring_correlation(N, K, h, r))
    m = np.asarray(ring_magnetization(N, K, h))
    return _scalar_or_array(full - m**2)


def chain_log_partition_per_site(K, h=0.0):
    r"""Thermodynamic limit :math:`\lim_{N\to\infty} \ln Z_N / N = \ln \lambda_+` of the 1D chain.

    .. math:: \ln\lambda_+ = \ln\Big(e^K\cosh h + \sqrt{e^{2K}\sinh^2 h + e^{-2K}}\Big),

    evaluated stably for large ``K`` and ``|h|``. Broadcasts over ``K`` and ``h``.
    """
    K = _check_real(K, "K")
    h = _check_real(h, "h")
    K, h = np.broadcast_arrays(K, h)
    return _scalar_or_array(_transfer_spectrum(K, h)[0])


def chain_magnetization(K, h=0.0):
    r"""Magnetization per spin of the infinite chain: :math:`m = \sinh h / \sqrt{\sinh^2 h + e^{-4K}}`."""
    K = _check_real(K, "K")
    h = _check_real(h, "h")
    K, h = np.broadcast_arrays(K, h)
    return _scalar_or_array(_transfer_spectrum(K, h)[3])


def chain_correlation_length(K, h=0.0):
    r"""Correlation length of the infinite chain, :math:`\xi = -1/\ln|\lambda_-/\lambda_+|`.

    At ``h = 0`` this is :math:`-1/\ln\tanh|K|`; it is 0 at ``K = 0``.
    """
    K = _check_real(K, "K")
    h = _check_real(h, "h")
    K, h = np.broadcast_arrays(K, h)
    lar = _transfer_spectrum(K, h)[1]
    with np.errstate(divide="ignore"):
        xi = np.where(np.isneginf(lar), 0.0, -1.0 / lar)
    return _scalar_or_array(xi)


# ----------------------------------------------------------------------------------------------
# thermodynamics of the infinite chain, in forms without cancellation
# ----------------------------------------------------------------------------------------------
class ChainParts(NamedTuple):
    """Cancellation-free pieces of the infinite-chain thermodynamics (see :func:`chain_parts`)."""

    #: :math:`g = \ln(\tilde c + \tilde r) = \ln\lambda_+ - K - |h|`.
    log_ratio: NDArray[np.float64]
    #: :math:`1 - u`, one minus the nearest-neighbour correlation.
    one_minus_u: NDArray[np.float64]
    #: Magnetization per site :math:`m`.
    m: NDArray[np.float64]
    #: :math:`1 - |m|`.
    one_minus_abs_m: NDArray[np.float64]


def chain_parts(K: NDArray[np.float64], h: NDArray[np.float64]) -> ChainParts:
    r"""Pieces of the infinite-chain thermodynamics that are O(1) for any K, h.

    With :math:`a = |h|`, :math:`e = e^{-2a}`, :math:`y = e^{-4K-2a}`, :math:`\tilde c = (1+e)/2`,
    :math:`\tilde s = (1-e)/2` and :math:`\tilde r = \sqrt{\tilde s^2 + y}` one has
    :math:`\ln\lambda_+ = K + a + \ln(\tilde c + \tilde r)`, :math:`|m| = \tilde s/\tilde r` and
    :math:`1 - u = 2y/[\tilde r(\tilde c + \tilde r)]`. Returns ``g = ln(c~ + r~)``, ``1 - u``, ``m`` and
    ``1 - |m|``.
    """
    a = np.abs(h)
    st = -0.5 * np.expm1(-2.0 * a)  # (1 - e^{-2a})/2, accurate for tiny fields
    ct = 1.0 - st
    sy = np.exp(-2.0 * K - a)  # sqrt(y)
    rt = np.hypot(st, sy)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(rt > 0, sy / rt, 1.0)  # sqrt(y)/r~ in [0, 1]
    one_minus_u = 2.0 * q * sy / (ct + rt)
    with np.errstate(invalid="ignore", divide="ignore"):
        # c~ + r~ = 1 + (r~ - s~) and r~ - s~ = y / (r~ + s~): log1p keeps g accurate when it is tiny
        g = np.log1p(np.where(rt + st > 0, sy * sy / (rt + st), 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        abs_m = np.where(rt > 0, st / rt, 0.0)
        one_minus_abs_m = np.where(rt > 0, q * sy / (rt + st), 1.0)
    m = np.sign(h) * abs_m
    return ChainParts(g, one_minus_u, m, one_minus_abs_m)


def chain_nn_correlation(K: ArrayLike, h: ArrayLike = 0.0):
    r"""Nearest-neighbour correlation :math:`u = \langle s_i s_{i+1}\rangle = \partial_K \ln\lambda_+` of the infinite chain.

    .. math:: u = 1 - \frac{2 e^{-4K}}{R\,(\cosh h + R)},\qquad R = \sqrt{\sinh^2 h + e^{-4K}}

    (:math:`u = \tanh K` at ``h = 0``). Broadcasts over ``K`` and ``h``.
    """
    K = _check_real(K, "K")
    h = _check_real(h, "h")
    K, h = np.broadcast_arrays(K, h)
    return _scalar_or_array(1.0 - chain_parts(K, h)[1])


def chain_entropy_per_site(K: ArrayLike, h: ArrayLike = 0.0):
    r"""Entropy per site :math:`s = \ln\lambda_+ - K u - h m` (nats) of the infinite chain.

    Evaluated as :math:`\ln(\tilde c+\tilde r) + K(1-u) + |h|(1-|m|)` (see :func:`chain_parts`), which has no
    cancellation at large ``K`` or ``|h|``. At ``h = 0``: :math:`s = \ln(2\cosh K) - K\tanh K`.
    """
    K = _check_real(K, "K")
    h = _check_real(h, "h")
    K, h = np.broadcast_arrays(K, h)
    g, omu, _, omm = chain_parts(K, h)
    return _scalar_or_array(g + K * omu + np.abs(h) * omm)


def ring_entropy(N: int, K: ArrayLike, h: ArrayLike = 0.0):
    r"""Total Gibbs entropy :math:`S_N = \ln Z_N - K\langle\sum_i s_i s_{i+1}\rangle - h\langle\sum_i s_i\rangle` of a ring.

    Uses :func:`rglib.ising.ring_log_partition`, :func:`~rglib.ising.ring_correlation` (``r = 1``) and
    :func:`~rglib.ising.ring_magnetization`. ``N >= 1`` (``N = 1``: one spin with a self-bond).
    """
    N = _check_int(N, "N")
    K = _check_real(K, "K")
    h = _check_real(h, "h")
    K, h = np.broadcast_arrays(K, h)
    lz = np.asarray(ring_log_partition(N, K, h))
    u = np.asarray(ring_correlation(N, K, h, 1))
    m = np.asarray(ring_magnetization(N, K, h))
    return _scalar_or_array(lz - N * (K * u + h * m))
