r"""The 1D Ising model, exactly: transfer matrix of the periodic ring and the infinite chain.

Conventions used throughout
---------------------------
* Spins are ``int8`` values :math:`s_i = \pm 1`; a ring of ``N`` spins is periodic, :math:`s_N \equiv s_0`.
* Couplings are dimensionless: ``K = beta J`` and ``h = beta H``. The weight of a configuration is
  :math:`e^{-E(s)}` with the *reduced* energy

  .. math:: E(s) = -K \sum_{i=0}^{N-1} s_i s_{i+1} - h \sum_i s_i ,

  so a ring of ``N`` spins has ``N`` bonds (``N = 1``: one spin bonded to itself, ``N = 2``: a double bond).
* The symmetric transfer matrix :math:`T_{ss'} = e^{K s s' + h (s + s')/2}` has the eigenvalues

  .. math:: \lambda_\pm = e^K\cosh h \pm \sqrt{e^{2K}\sinh^2 h + e^{-2K}} ,

  and every result below is written with :math:`\ln\lambda_+`, :math:`\ln|\lambda_-/\lambda_+|` and the
  eigenvector angle, each computed in log space without cancellation. Results are therefore finite and accurate
  to a few ulps for :math:`|K|` and :math:`|h|` from 0 up to 1e3 and beyond, including frustrated odd rings
  (``K < 0``, odd ``N``) where :math:`\lambda_-^N \approx -\lambda_+^N`.
* Functions broadcast over array-valued ``K`` and ``h`` and return a Python float for scalar input.

References
----------
.. [1] E. Ising, "Beitrag zur Theorie des Ferromagnetismus", Z. Phys. 31, 253 (1925).
.. [2] H. A. Kramers and G. H. Wannier, "Statistics of the two-dimensional ferromagnet. Part I",
   Phys. Rev. 60, 252 (1941).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from .._checks import check_int as _check_int
from .._checks import check_real_array as _check_real
from .._numerics import LN2
from .._numerics import log1mexp_from_log as _log1mexp_from_log
from .._numerics import log_2cosh as _log_2cosh
from .._numerics import log_abs_2sinh as _log_abs_2sinh
from .._numerics import scalar_or_array as _scalar_or_array

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
# transfer-matrix spectrum, in log space
# ----------------------------------------------------------------------------------------------
class _Spectrum(NamedTuple):
    log_lam_plus: NDArray[np.float64]  # ln lambda_+
    log_neg_lar: NDArray[np.float64]  # ln(-ln|lambda_-/lambda_+|) = ln(1/xi); +inf when lambda_- = 0
    sign_ratio: NDArray[np.float64]  # sign(lambda_-/lambda_+) = sign K (+1 at K = 0)
    cos2phi: NDArray[np.float64]  # <+|sigma_z|+> of the leading eigenvector
    sin2phi_sq: NDArray[np.float64]  # |<+|sigma_z|->|^2


def _couplings(K, h) -> tuple[np.ndarray, np.ndarray]:
    K = _check_real(K, "K")
    h = _check_real(h, "h")
    try:
        return np.broadcast_arrays(K, h)
    except ValueError:
        raise ValueError(f"K and h must broadcast against each other; got shapes {K.shape} and {h.shape}") from None


def _transfer_spectrum(K: np.ndarray, h: np.ndarray) -> _Spectrum:
    r"""Eigen-data of :math:`T`, accurate for any finite K, h.

    With :math:`p = e^K\cosh h` and :math:`q = \sqrt{e^{2K}\sinh^2h + e^{-2K}}`, :math:`\lambda_\pm = p \pm q` and
    :math:`|\lambda_-|/\lambda_+ = (1-\rho)/(1+\rho)`, :math:`\rho = e^{-d}`, :math:`d = |\ln p - \ln q|
    = \frac12|\ln(1+x)|` with :math:`x = (1-e^{-4K})/(\sinh^2h + e^{-4K})`. ``x`` is formed from its logarithm,
    so ``d`` keeps full relative precision when :math:`p \approx q` (large fields, tiny couplings).
    """
    log_sh2 = 2.0 * (_log_abs_2sinh(h) - LN2)  # ln sinh^2 h (-inf at h = 0)
    log_p = K + _log_2cosh(h) - LN2
    log_q = 0.5 * np.logaddexp(2.0 * K + log_sh2, -2.0 * K)
    log_lam_plus = np.logaddexp(log_p, log_q)
    log_den = np.logaddexp(log_sh2, -4.0 * K)  # ln(sinh^2 h + e^{-4K})
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_abs_x = _log_abs_2sinh(2.0 * K) - 2.0 * K - log_den  # ln|1 - e^{-4K}| - log_den
        x = np.sign(K) * np.exp(log_abs_x)
        d_pos = 0.5 * np.logaddexp(0.0, log_abs_x)  # K >= 0: (1/2) ln(1 + x)
        d_neg_small = -0.5 * np.log1p(-np.abs(x))  # K < 0, |x| <= 1/2
        d_neg_large = 0.5 * (log_den - 2.0 * (_log_2cosh(h) - LN2))  # K < 0: (1/2) ln(1/(1 - |x|))
        d = np.where(K >= 0, d_pos, np.where(np.abs(x) <= 0.5, d_neg_small, d_neg_large))
        log_d = np.where(log_abs_x < -30.0, log_abs_x - LN2 - 0.5 * x, np.log(d))
        # ln(-ln((1 - rho)/(1 + rho))) = ln(2 artanh rho): small rho -> ln 2 - d; rho -> 1 -> ln(ln 2 - log_d ...)
        log1m_rho = np.where(d > 1e-10, np.log(-np.expm1(-d)), log_d - 0.5 * d)
        neg_lar = np.log1p(np.exp(-d)) - log1m_rho
        rho = np.exp(-d)
        log_neg_lar = np.where(rho < 1e-5, LN2 - d + np.log1p(rho * rho / 3.0), np.log(neg_lar))
    sign_ratio = np.where(K >= 0, 1.0, -1.0)
    # cos^2 2phi = sinh^2 h / (sinh^2 h + e^{-4K}) = expit(4K + ln sinh^2 h)
    z = 4.0 * K + log_sh2
    cos2phi = np.sign(h) * np.exp(-0.5 * np.logaddexp(0.0, -z))  # sqrt(expit(z)) without underflow
    return _Spectrum(log_lam_plus, log_neg_lar, sign_ratio, cos2phi, special.expit(-z))


def _ratio_power(sp: _Spectrum, power) -> np.ndarray:
    r""":math:`(\lambda_-/\lambda_+)^{k}` for integer powers ``k >= 0`` (``0**0 = 1``)."""
    power = np.asarray(power)
    with np.errstate(invalid="ignore", over="ignore"):
        mag = np.where(power == 0, 1.0, np.exp(-power * np.exp(sp.log_neg_lar)))
    return np.where(power % 2 == 0, 1.0, sp.sign_ratio) * mag


def _frustrated(sp: _Spectrum, N: int) -> np.ndarray:
    r"""True where lambda_-^N < 0 (antiferromagnetic coupling on an odd ring)."""
    return (sp.sign_ratio < 0) & (N % 2 == 1)


def _log_one_plus_rN(sp: _Spectrum, N: int) -> np.ndarray:
    r""":math:`\ln(1 + (\lambda_-/\lambda_+)^N)`, stable also when the ratio tends to -1."""
    log_y = np.log(N) + sp.log_neg_lar  # y = N ln|lambda_+/lambda_-| >= 0
    with np.errstate(over="ignore"):
        plus = np.log1p(np.exp(-np.exp(log_y)))
    return np.where(_frustrated(sp, N), _log1mexp_from_log(log_y), plus)


# ----------------------------------------------------------------------------------------------
# the periodic ring
# ----------------------------------------------------------------------------------------------
def ring_log_partition(N: int, K: ArrayLike, h: ArrayLike = 0.0):
    r"""Exact :math:`\ln Z_N` of a periodic ring of ``N`` Ising spins in a field.

    .. math:: Z_N = \operatorname{tr} T^N = \lambda_+^N + \lambda_-^N
              = \lambda_+^N\bigl[1 + (\lambda_-/\lambda_+)^N\bigr],

    evaluated as :math:`N\ln\lambda_+ + \ln(1 + (\lambda_-/\lambda_+)^N)` in log space (see the module notes);
    valid for ``K < 0`` and for frustrated odd rings.

    Parameters
    ----------
    N : int
        Number of spins, ``N >= 1``.
    K, h : float or array_like
        Coupling ``K = beta J`` and field ``h = beta H`` (finite reals); broadcast against each other.

    Returns
    -------
    float or ndarray
        :math:`\ln Z_N` with the broadcast shape of ``K`` and ``h``.

    See Also
    --------
    chain_log_partition_per_site : the limit :math:`\ln Z_N / N` for :math:`N \to \infty`.
    rglib.ising.enumerate_log_partition : the same number by brute force over all :math:`2^N` states.

    References
    ----------
    .. [1] H. A. Kramers and G. H. Wannier, Phys. Rev. 60, 252 (1941).

    Examples
    --------
    >>> print(f"{ring_log_partition(10, 0.8):.6f}")
    9.855539
    >>> print(f"{ring_log_partition(1000, 50.0) - 50_000:.6f}")  # ln 2: two ground states
    0.693147
    """
    N = _check_int(N, "N")
    K, h = _couplings(K, h)
    sp = _transfer_spectrum(K, h)
    return _scalar_or_array(N * sp.log_lam_plus + _log_one_plus_rN(sp, N))


def ring_magnetization(N: int, K: ArrayLike, h: ArrayLike = 0.0):
    r"""Exact magnetization per spin :math:`\langle s_0 \rangle = \frac1N\partial_h\ln Z_N` of a ring.

    .. math:: \langle s_0\rangle = \cos 2\phi\,\frac{\lambda_+^N - \lambda_-^N}{\lambda_+^N + \lambda_-^N},
              \qquad \cos 2\phi = \frac{\sinh h}{\sqrt{\sinh^2 h + e^{-4K}}} ,

    where :math:`(\cos\phi, \sin\phi)` is the leading eigenvector of the transfer matrix. Parameters as in
    :func:`ring_log_partition`.

    See Also
    --------
    chain_magnetization : the infinite chain.

    Examples
    --------
    >>> print(f"{ring_magnetization(6, 0.5, 0.1):.6f}")
    0.258394
    """
    N = _check_int(N, "N")
    K, h = _couplings(K, h)
    sp = _transfer_spectrum(K, h)
    log_y = np.log(N) + sp.log_neg_lar
    with np.errstate(over="ignore", divide="ignore"):
        y = np.exp(log_y)
        plain = sp.cos2phi * np.tanh(0.5 * y)  # (1 - e^{-y})/(1 + e^{-y})
        # frustrated ring: (1 + e^{-y})/(1 - e^{-y}) = coth(y/2), huge when y is tiny; combine in logs
        log_abs_c = -0.5 * np.logaddexp(0.0, -4.0 * K - 2.0 * (_log_abs_2sinh(h) - LN2))  # ln|cos 2phi|
        frus = np.sign(h) * np.exp(log_abs_c + np.log1p(np.exp(-y)) - _log1mexp_from_log(log_y))
    out = np.where(_frustrated(sp, N), np.where(h == 0, 0.0, frus), plain)
    return _scalar_or_array(out)


def _ring_correlation_iv(N, K, h, r):
    N = _check_int(N, "N")
    K = _check_real(K, "K")
    h = _check_real(h, "h")
    if isinstance(r, (str, bytes)):
        raise TypeError(f"r must be an int or an integer array; got {type(r).__name__}")
    r_arr = np.asarray(r)
    if r_arr.dtype == np.bool_ or not np.issubdtype(r_arr.dtype, np.integer):
        raise TypeError(f"r must be an int or an integer array; got dtype {r_arr.dtype}")
    if np.any(r_arr < 0) or np.any(r_arr > N):
        raise ValueError(f"r must satisfy 0 <= r <= N = {N}; got {r!r}")
    try:
        K, h, r_arr = np.broadcast_arrays(K, h, r_arr)
    except ValueError:
        raise ValueError(f"K, h and r must broadcast; got shapes {K.shape}, {h.shape} and {r_arr.shape}") from None
    return N, K, h, r_arr.astype(np.int64)


def ring_correlation(N: int, K: ArrayLike, h: ArrayLike, r: ArrayLike):
    r"""Exact full (not connected) two-point function :math:`\langle s_0 s_r \rangle` on a ring of ``N`` spins.

    .. math:: \langle s_0 s_r\rangle = \cos^2 2\phi + \sin^2 2\phi\,
              \frac{\rho^{r} + \rho^{N-r}}{1 + \rho^N}, \qquad \rho = \lambda_-/\lambda_+ .

    At ``h = 0`` this is :math:`(t^r + t^{N-r})/(1 + t^N)` with :math:`t = \tanh K`. On a frustrated odd ring
    the last fraction is evaluated with ``expm1`` and, when :math:`\rho^N \to -1`, by its limit
    :math:`(o - e)/N` (``o``, ``e`` the odd and even one of ``r``, ``N - r``).

    Parameters
    ----------
    N : int
        Number of spins, ``N >= 1``.
    K, h : float or array_like
        Coupling and field (finite reals).
    r : int or array_like of int
        Distance(s) along the ring, ``0 <= r <= N``; broadcast against ``K`` and ``h``.

    See Also
    --------
    ring_connected_correlation : :math:`\langle s_0 s_r\rangle - \langle s_0\rangle^2`.
    chain_correlation_length : the decay length for :math:`N \to \infty`.

    Examples
    --------
    >>> print(f"{ring_correlation(10, 0.8, 0.0, 3):.6f}")
    0.344000
    """
    N, K, h, r = _ring_correlation_iv(N, K, h, r)
    sp = _transfer_spectrum(K, h)
    rN = _ratio_power(sp, N)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        plain = (_ratio_power(sp, r) + _ratio_power(sp, N - r)) / (1.0 + rN)
        t = np.exp(sp.log_neg_lar)  # ln|lambda_+/lambda_-|
        even = np.where(r % 2 == 0, r, N - r)
        odd = N - even
        frus = (np.expm1(-even * t) - np.expm1(-odd * t)) / -np.expm1(-N * t)
        frus = np.where(N * t < 1e-7, (odd - even) / N, frus)
    mixed = np.where(_frustrated(sp, N), frus, plain)
    return _scalar_or_array(sp.cos2phi**2 + sp.sin2phi_sq * mixed)


def ring_connected_correlation(N: int, K: ArrayLike, h: ArrayLike, r: ArrayLike):
    r"""Connected two-point function :math:`\langle s_0 s_r\rangle - \langle s_0\rangle^2` on a ring.

    Uses :func:`ring_correlation` and :func:`ring_magnetization` (translation invariance gives
    :math:`\langle s_r\rangle = \langle s_0\rangle`). Parameters as in :func:`ring_correlation`.

    Examples
    --------
    >>> print(f"{ring_connected_correlation(10, 0.8, 0.2, 3):.6f}")
    0.104551
    """
    full = np.asarray(ring_correlation(N, K, h, r))
    m = np.asarray(ring_magnetization(N, K, h))
    return _scalar_or_array(full - m**2)


def ring_entropy(N: int, K: ArrayLike, h: ArrayLike = 0.0):
    r"""Total Gibbs entropy of a ring, in nats.

    .. math:: S_N = \ln Z_N - K\Big\langle\sum_i s_i s_{i+1}\Big\rangle - h\Big\langle\sum_i s_i\Big\rangle
              = \ln Z_N - N\,(K\langle s_0 s_1\rangle + h\langle s_0\rangle),

    from :func:`ring_log_partition`, :func:`ring_correlation` (``r = 1``) and :func:`ring_magnetization`.

    See Also
    --------
    chain_entropy_per_site : the limit :math:`S_N / N`.

    Examples
    --------
    >>> print(f"{ring_entropy(8, 0.0):.6f}")  # 8 free spins: 8 ln 2
    5.545177
    """
    N = _check_int(N, "N")
    K, h = _couplings(K, h)
    lz = np.asarray(ring_log_partition(N, K, h))
    u = np.asarray(ring_correlation(N, K, h, 1))
    m = np.asarray(ring_magnetization(N, K, h))
    return _scalar_or_array(lz - N * (K * u + h * m))


# ----------------------------------------------------------------------------------------------
# the infinite chain
# ----------------------------------------------------------------------------------------------
def chain_log_partition_per_site(K: ArrayLike, h: ArrayLike = 0.0):
    r"""Thermodynamic limit :math:`\lim_{N\to\infty} \ln Z_N / N = \ln \lambda_+` of the 1D chain.

    .. math:: \ln\lambda_+ = \ln\Big(e^K\cosh h + \sqrt{e^{2K}\sinh^2 h + e^{-2K}}\Big),

    evaluated as a log-sum-exp, finite for any finite ``K`` and ``h``. Broadcasts over ``K`` and ``h``.

    See Also
    --------
    ring_log_partition : the finite ring.

    Examples
    --------
    >>> print(f"{chain_log_partition_per_site(0.0):.6f}")  # ln 2
    0.693147
    """
    K, h = _couplings(K, h)
    return _scalar_or_array(_transfer_spectrum(K, h).log_lam_plus)


def chain_magnetization(K: ArrayLike, h: ArrayLike = 0.0):
    r"""Magnetization per spin of the infinite chain, :math:`m = \sinh h / \sqrt{\sinh^2 h + e^{-4K}}`.

    Evaluated as :math:`\operatorname{sign}(h)\,[1 + e^{-4K - 2\ln|\sinh h|}]^{-1/2}`, finite for any
    ``K``, ``h``.

    See Also
    --------
    ring_magnetization : the finite ring.

    Examples
    --------
    >>> print(f"{chain_magnetization(0.6, 0.25):.6f}")
    0.642609
    """
    K, h = _couplings(K, h)
    return _scalar_or_array(_transfer_spectrum(K, h).cos2phi)


def chain_correlation_length(K: ArrayLike, h: ArrayLike = 0.0):
    r"""Correlation length of the infinite chain, :math:`\xi = -1/\ln|\lambda_-/\lambda_+|` (in lattice units).

    At ``h = 0`` this is :math:`-1/\ln\tanh|K|`; it is 0 at ``K = 0``. For a large field
    :math:`\xi \approx 1/(2|h| - \ln|1 - e^{-4K}|)`, which the log-space evaluation keeps to full precision
    (fields up to 1e3 and beyond).

    See Also
    --------
    ring_correlation : correlations of the finite ring, which decay as :math:`e^{-r/\xi}`.

    Examples
    --------
    >>> print(f"{chain_correlation_length(0.8):.6f}")
    2.442493
    >>> print(f"{chain_correlation_length(1.0, 18.0):.6f}")
    0.027764
    """
    K, h = _couplings(K, h)
    with np.errstate(over="ignore"):
        xi = np.exp(-_transfer_spectrum(K, h).log_neg_lar)
    return _scalar_or_array(xi)


class ChainParts(NamedTuple):
    r"""Cancellation-free pieces of the infinite-chain thermodynamics (see :func:`chain_parts`)."""

    #: :math:`g = \ln(\tilde c + \tilde r) = \ln\lambda_+ - K - |h|`.
    log_ratio: NDArray[np.float64]
    #: :math:`1 - u`, one minus the nearest-neighbour correlation.
    one_minus_u: NDArray[np.float64]
    #: Magnetization per site :math:`m`.
    m: NDArray[np.float64]
    #: :math:`1 - |m|`.
    one_minus_abs_m: NDArray[np.float64]


def chain_parts(K: ArrayLike, h: ArrayLike) -> ChainParts:
    r"""Pieces of the infinite-chain thermodynamics that stay accurate for any ``K`` and ``h``.

    With :math:`a = |h|`, :math:`\tilde s = (1-e^{-2a})/2`, :math:`\tilde c = 1 - \tilde s`,
    :math:`\sqrt y = e^{-2K-a}` and :math:`\tilde r = \sqrt{\tilde s^2 + y}`:

    .. math:: \ln\lambda_+ = K + a + \ln(\tilde c + \tilde r), \qquad |m| = \tilde s/\tilde r, \qquad
              1 - u = \frac{2y}{\tilde r(\tilde c + \tilde r)} .

    All ratios are formed after dividing by :math:`\max(1, \sqrt y)`, so that strongly antiferromagnetic
    couplings do not overflow.

    Parameters
    ----------
    K, h : float or array_like
        Coupling and field (finite reals), broadcast against each other.

    Returns
    -------
    ChainParts
        ``log_ratio`` :math:`= \ln(\tilde c + \tilde r)`, ``one_minus_u``, ``m`` and ``one_minus_abs_m``.

    See Also
    --------
    chain_nn_correlation, chain_entropy_per_site : the quantities built from these pieces.

    Examples
    --------
    >>> parts = chain_parts(1.0, 0.0)
    >>> print(f"{parts.one_minus_u:.6f} {1 - np.tanh(1.0):.6f}")
    0.238406 0.238406
    """
    K, h = _couplings(K, h)
    a = np.abs(h)
    log_sy = -2.0 * K - a
    shift = np.maximum(log_sy, 0.0)  # divide everything by max(1, sqrt(y))
    scale = np.exp(-shift)
    st = -0.5 * np.expm1(-2.0 * a) * scale  # (1 - e^{-2a})/2, accurate for tiny fields
    ct = 0.5 * (1.0 + np.exp(-2.0 * a)) * scale  # 1 - (1 - e^{-2a})/2
    sy = np.exp(log_sy - shift)
    rt = np.hypot(st, sy)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(rt > 0, sy / rt, 1.0)  # sqrt(y)/r~ in [0, 1]
        one_minus_u = 2.0 * q * sy / (ct + rt)
        # unscaled: c~ + r~ = 1 + (r~ - s~) and r~ - s~ = y / (r~ + s~): log1p keeps g accurate when it is tiny
        g_small = np.log1p(np.where(rt + st > 0, sy * sy / (rt + st), 0.0))
        g = np.where(shift > 0, shift + np.log(ct + rt), g_small)
        abs_m = np.where(rt > 0, st / rt, 0.0)
        one_minus_abs_m = np.where(rt > 0, q * sy / (rt + st), 1.0)
    return ChainParts(_scalar_or_array(g), _scalar_or_array(one_minus_u), _scalar_or_array(np.sign(h) * abs_m),
                      _scalar_or_array(one_minus_abs_m))


def chain_nn_correlation(K: ArrayLike, h: ArrayLike = 0.0):
    r"""Nearest-neighbour correlation :math:`u = \langle s_i s_{i+1}\rangle = \partial_K \ln\lambda_+` of the chain.

    .. math:: u = 1 - \frac{2 e^{-4K}}{R\,(\cosh h + R)},\qquad R = \sqrt{\sinh^2 h + e^{-4K}}

    (:math:`u = \tanh K` at ``h = 0``). Broadcasts over ``K`` and ``h``.

    See Also
    --------
    ring_correlation : the finite ring at ``r = 1``.

    Examples
    --------
    >>> print(f"{chain_nn_correlation(0.5):.6f}")  # tanh(0.5)
    0.462117
    """
    K, h = _couplings(K, h)
    one_minus_u = np.asarray(chain_parts(K, h).one_minus_u)
    # where u is small, 1 - (1 - u) loses its relative precision; there use
    # u = [r~ (c~^2 - r~^2)/(c~ + r~) + 2 s~^2] / [r~ (c~ + r~)] with c~^2 - r~^2 = e^{-2a} (1 - e^{-4K}), a sum of
    # positive terms for K > 0 (u ~ tanh K at small K), everything scaled by 1/max(1, sqrt(y)) as in chain_parts
    a = np.abs(h)
    shift = np.maximum(-2.0 * K - a, 0.0)
    st = -0.5 * np.expm1(-2.0 * a) * np.exp(-shift)
    ct = 0.5 * (1.0 + np.exp(-2.0 * a)) * np.exp(-shift)
    rt = np.hypot(st, np.exp(-2.0 * K - a - shift))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        d = np.sign(K) * np.exp(-2.0 * a - 2.0 * shift + _log_abs_2sinh(2.0 * K) - 2.0 * K)
        small_u = (rt * d / (ct + rt) + 2.0 * st * st) / (rt * (ct + rt))
    return _scalar_or_array(np.where(one_minus_u > 0.5, small_u, 1.0 - one_minus_u))


def chain_entropy_per_site(K: ArrayLike, h: ArrayLike = 0.0):
    r"""Entropy per site :math:`s = \ln\lambda_+ - K u - h m` (nats) of the infinite chain.

    Evaluated as :math:`\ln(\tilde c+\tilde r) + K(1-u) + |h|(1-|m|)` (see :func:`chain_parts`), which has no
    cancellation at large ``K`` or ``|h|``, and for strongly antiferromagnetic couplings
    (:math:`e^{-2K-|h|} > 1`) as :math:`\ln(\tilde c+\tilde r) - K(1+u) - |h||m|` with the tilde quantities
    divided by :math:`e^{-2K-|h|}`. At ``h = 0``: :math:`s = \ln(2\cosh K) - K\tanh K`.

    See Also
    --------
    ring_entropy : the finite ring.

    Examples
    --------
    >>> print(f"{chain_entropy_per_site(0.0):.6f}")  # ln 2
    0.693147
    """
    K, h = _couplings(K, h)
    g, omu, _, omm = (np.asarray(v) for v in chain_parts(K, h))
    plain = g + K * omu + np.abs(h) * omm
    # strong antiferromagnetic coupling (sqrt(y) = e^{-2K-|h|} > 1): g ~ -2K - |h| and K (1 - u) ~ 2K cancel; with
    # everything scaled by 1/sqrt(y), s = ln(c~ + r~) - K (1 + u) - |h| |m| exactly, a sum without cancellation
    a = np.abs(h)
    shift = np.maximum(-2.0 * K - a, 0.0)
    st = -0.5 * np.expm1(-2.0 * a) * np.exp(-shift)
    ct = 0.5 * (1.0 + np.exp(-2.0 * a)) * np.exp(-shift)
    rt = np.hypot(st, np.exp(-2.0 * K - a - shift))  # = hypot(st, 1) where shift > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        one_plus_u = 2.0 * (rt * ct + st * st) / (rt * (ct + rt))
        anti = np.log1p(ct + st * st / (rt + 1.0)) - K * one_plus_u - a * st / rt
    return _scalar_or_array(np.where(shift > 0, anti, plain))
