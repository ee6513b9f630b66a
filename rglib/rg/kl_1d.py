r"""Relative entropy along the exact decimation flow of the 1D Ising ring (:mod:`rglib.rg.decimation`).

Two relative entropies along the flow (the notes on [1]_ reconstruct the paper's definition; both candidates
are implemented), in nats per UV site:

* **A** (:func:`kl_same_lattice`): :math:`D(p_{K_0,h_0}\,\|\,p_{K_n,h_n})` on the *same* ``N``-site
  lattice, the couplings replaced by their RG images, divided by ``N``.
* **B** (:func:`kl_lifted`): :math:`D(p_{\rm UV}\,\|\,q_n)` with
  :math:`q_n(s) = p_{K_n,h_n}(s_{\rm kept})\,2^{-(N-N_n)}`, the coarse-grained distribution lifted back to
  the ``N`` UV spins by a uniform factor on the removed ones, divided by ``N`` (UV sites).

``N=None`` gives the thermodynamic limit (per site), an int ``N`` the finite ring (transfer matrix,
:mod:`rglib.ising.chain`). The enumeration versions (``enumerated_*``) compute the same quantities by brute
force for checks (``N <= 20``). Conventions as in :mod:`rglib.rg.decimation`.

References
----------
.. [1] J. Erdmenger, K. T. Grosvenor and R. Jefferson, "Towards quantifying information flows: relative
   entropy in deep neural networks and the renormalization group", SciPost Phys. 12, 041 (2022).
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_bool, check_choice, check_int
from .._numerics import LN2
from .._numerics import scalar_or_array as _out
from ..entropy import kl_divergence
from ..ising.chain import (
    chain_entropy_per_site,
    chain_parts,
    ring_correlation,
    ring_entropy,
    ring_log_partition,
    ring_magnetization,
)
from ..ising.enumeration import kept_state_codes
from .decimation import (
    MAX_ENUMERATION_N,
    MAX_STEPS,
    _couplings,
    _ring_log_probabilities,
    _steps,
    flow_couplings,
    marginal_log_probabilities,
)

__all__ = [
    "kl_same_lattice",
    "kl_lifted",
    "kl_asymptote",
    "enumerated_kl_same_lattice",
    "enumerated_kl_lifted",
]

# ----------------------------------------------------------------------------------------------
# relative entropies: closed forms
# ----------------------------------------------------------------------------------------------
def _clip_roundoff(d: NDArray[np.float64], K0: NDArray[np.float64], h0: NDArray[np.float64]) -> NDArray[np.float64]:
    """A divergence is >= 0: clip negative round-off (not larger errors, which stay visible)."""
    tol = 1e-12 * np.maximum(1.0, np.maximum(np.abs(K0), np.abs(h0)))
    return np.where((d < 0) & (d >= -tol), 0.0, d)


def _kl_iv(K0: ArrayLike, h0: ArrayLike, n: ArrayLike, N: int | None):
    """Checked, broadcast ``(K0, h0, n)`` and ``N`` (``None`` or an int >= 1) for the relative entropies."""
    K0, h0 = _couplings(K0, h0, ("K0", "h0"))
    n = _steps(n)
    if N is not None:
        N = check_int(N, "N", 1)
    try:
        K0, h0, n = np.broadcast_arrays(K0, h0, n)
    except ValueError:
        raise ValueError(f"K0, h0 and n must broadcast together; got shapes {K0.shape} and {n.shape}") from None
    return K0, h0, n, N


def _kl_A_inf(K0, h0, Kn, hn):
    g0, omu0, m0, omm0 = chain_parts(K0, h0)
    gn = chain_parts(Kn, hn)[0]
    # D/N = ln l+(n) - ln l+(0) - u0 (Kn - K0) - m0 (hn - h0), regrouped into O(1) terms
    # |h_n| - h_n m0 = |h_n| (1 -+ |m0|): same sign (the usual case) avoids the cancellation 1 - |m0|
    same = np.sign(hn) * np.sign(m0) >= 0
    field = np.abs(hn) * np.where(same, omm0, 1.0 + np.abs(m0))
    return (gn - g0) + (Kn - K0) * omu0 + field - np.abs(h0) * omm0


def kl_same_lattice(K0: ArrayLike, h0: ArrayLike, n: ArrayLike, N: int | None = None):
    r"""Definition A: :math:`\frac1N D(p_{K_0,h_0}\,\|\,p_{K_n,h_n})` on the same ``N``-site ring, in nats per site.

    Both distributions are Ising rings of the same size; the second carries the couplings after ``n``
    exact decimation steps. Since both are exponential families in :math:`(K, h)`,

    .. math::

        \frac{D_n}{N} = (K_0 - K_n)\,u_0 + (h_0 - h_n)\,m_0 - \frac{\ln Z_N(K_0,h_0) - \ln Z_N(K_n,h_n)}{N},

    with :math:`u_0 = \langle s_i s_{i+1}\rangle_0`, :math:`m_0 = \langle s_i\rangle_0`. For ``N=None``
    (thermodynamic limit) :math:`\ln Z_N/N \to \ln\lambda_+`, and the result is the Bregman divergence
    of :math:`\ln\lambda_+`. It is non-decreasing in ``n`` for ``K0 >= 0`` (the flow lowers ``K`` along a
    curve of constant magnetization); for ``K0 < 0`` it is not (the first step jumps to ``K_1 > 0``).

    Parameters
    ----------
    K0, h0 : array_like
        Initial (UV) couplings, finite reals (any sign and size: the closed forms are
        evaluated in log space, checked against mpmath down to ``K0 = -1e3``).
    n : int or array_like of int
        Number of RG steps, ``0 <= n <= MAX_STEPS``. ``K0``, ``h0``, ``n`` broadcast.
    N : int or None
        Ring size (``>= 1``) or ``None`` for the infinite chain.

    Returns
    -------
    float or ndarray
        Non-negative (round-off below zero is clipped to 0), ``0`` at ``n = 0``.

    See Also
    --------
    enumerated_kl_same_lattice : the same quantity by brute-force enumeration (``N <= 20``).
    kl_asymptote : the limit :math:`n\to\infty`.
    kl_lifted : definition B.

    Examples
    --------
    >>> print(np.round(kl_same_lattice(1.0, 0.0, [0, 1, 2, 30]), 6))
    [0.       0.028316 0.121268 0.327813]
    >>> print(round(kl_same_lattice(1.0, 0.2, 1, N=8), 8), round(enumerated_kl_same_lattice(8, 1.0, 0.2, 1), 8))
    0.01848701 0.01848701
    """
    K0, h0, n, N = _kl_iv(K0, h0, n, N)
    Kn, hn = flow_couplings(K0, h0, n)
    Kn, hn = np.asarray(Kn), np.asarray(hn)
    if N is None:
        d = _kl_A_inf(K0, h0, Kn, hn)
    else:
        u0 = np.asarray(ring_correlation(N, K0, h0, 1))
        m0 = np.asarray(ring_magnetization(N, K0, h0))
        lz0 = np.asarray(ring_log_partition(N, K0, h0))
        lzn = np.asarray(ring_log_partition(N, Kn, hn))
        d = (K0 - Kn) * u0 + (h0 - hn) * m0 - (lz0 - lzn) / N
    d = np.where((Kn == K0) & (hn == h0), 0.0, d)  # n = 0 (or a fixed point): exactly zero
    return _out(_clip_roundoff(d, K0, h0))


def kl_lifted(K0: ArrayLike, h0: ArrayLike, n: ArrayLike, N: int | None = None):
    r"""Definition B: :math:`\frac1N D(p_{\rm UV}\,\|\,q_n)`, the coarse distribution lifted uniformly, per UV site.

    :math:`q_n(s) = p_{K_n,h_n}(s_{\rm kept})\,2^{-(N - N_n)}` with :math:`N_n = N/2^n` kept spins.
    Because the decimated weights are exactly the marginal of :math:`p_{\rm UV}` on the kept spins,

    .. math::

        D_n = (N - N_n)\ln 2 - S_N(K_0,h_0) + S_{N_n}(K_n,h_n),\qquad
        \frac{D_n}{N} \xrightarrow{N\to\infty} (1 - 2^{-n})\ln 2 - s(K_0,h_0) + 2^{-n} s(K_n,h_n).

    Parameters
    ----------
    K0, h0, n : array_like
        As in :func:`kl_same_lattice`.
    N : int or None
        ``None`` (infinite chain) or a ring size divisible by :math:`2^{\max n}`.

    Returns
    -------
    float or ndarray
        Non-negative and non-decreasing in ``n``, ``0`` at ``n = 0``.

    See Also
    --------
    enumerated_kl_lifted : the same quantity by brute-force enumeration (``N <= 20``).
    kl_asymptote : the limit :math:`n\to\infty`.
    kl_same_lattice : definition A.

    Examples
    --------
    >>> print(np.round(kl_lifted(1.0, 0.0, [0, 1, 2, 30]), 6))
    [0.       0.23821  0.313385 0.327813]
    >>> print(round(kl_lifted(1.0, 0.2, 2, N=8), 8), round(enumerated_kl_lifted(8, 1.0, 0.2, 2), 8))
    0.40617808 0.40617808
    """
    K0, h0, n, N = _kl_iv(K0, h0, n, N)
    Kn, hn = flow_couplings(K0, h0, n)
    Kn, hn = np.asarray(Kn), np.asarray(hn)
    if N is None:
        w = np.ldexp(1.0, -n)
        d = (1.0 - w) * LN2 - np.asarray(chain_entropy_per_site(K0, h0)) + w * np.asarray(chain_entropy_per_site(Kn, hn))
    else:
        nmax = int(n.max()) if n.size else 0
        if N % (2**nmax):
            raise ValueError(f"N must be divisible by 2**n = {2**nmax} for n = {nmax} decimation steps; got N = {N}")
        S0 = np.asarray(ring_entropy(N, K0, h0))
        d = np.empty(n.shape)
        for k in np.unique(n):  # one ring size per step count
            sel = n == k
            Nk = N >> int(k)
            Sk = np.asarray(ring_entropy(Nk, Kn[sel], hn[sel]))
            d[sel] = ((N - Nk) * LN2 - S0[sel] + Sk) / N
    d = np.where(n == 0, 0.0, d)
    return _out(_clip_roundoff(d, K0, h0))


def kl_asymptote(K0: ArrayLike, h0: ArrayLike = 0.0, definition: str = "A"):
    r"""Limit :math:`n\to\infty` of the per-site relative entropy (infinite chain), in nats.

    * ``"A"``: :math:`H_2(m_0) - s(K_0,h_0)`, where :math:`H_2(m) = -\sum_\pm \frac{1\pm m}{2}\ln\frac{1\pm m}{2}`
      is the entropy of one spin of magnetization :math:`m_0`: the flow ends at :math:`K^*=0`,
      :math:`h^*=\operatorname{artanh} m_0`, a product of one-site marginals, so the limit is the total
      correlation per site.
    * ``"B"``: :math:`\ln 2 - s(K_0,h_0)`, the divergence from the uniform distribution.

    Both equal :math:`K_0\tanh K_0 - \ln\cosh K_0` at ``h0 = 0``.

    Parameters
    ----------
    K0, h0 : array_like
        Initial couplings (finite reals, broadcast; any sign and size).
    definition : {'A', 'B'}
        Which relative entropy.

    Returns
    -------
    float or ndarray

    See Also
    --------
    kl_same_lattice, kl_lifted : the finite-``n`` values that converge to this limit.

    Examples
    --------
    >>> print(round(kl_asymptote(1.0), 6), round(1.0 * np.tanh(1.0) - np.log(np.cosh(1.0)), 6))
    0.327813 0.327813
    >>> print(round(kl_asymptote(1.0, 0.5, "A"), 6), round(kl_asymptote(1.0, 0.5, "B"), 6))
    0.014935 0.625822
    """
    definition = check_choice(definition, "definition", ("A", "B"))
    K0, h0 = _couplings(K0, h0, ("K0", "h0"))
    s0 = np.asarray(chain_entropy_per_site(K0, h0))
    if definition == "B":
        return _out(_clip_roundoff(LN2 - s0, K0, h0))
    _, _, _, omm = chain_parts(K0, h0)
    p = 0.5 * omm  # minority-spin probability (1 - |m|)/2
    with np.errstate(divide="ignore", invalid="ignore"):
        H2 = np.where(p > 0, -p * np.log(p) - (1 - p) * np.log1p(-p), 0.0)
    return _out(_clip_roundoff(H2 - s0, K0, h0))


# ----------------------------------------------------------------------------------------------
# brute-force enumeration (checks)
# ----------------------------------------------------------------------------------------------
def _enumerated_iv(N: int, K0: ArrayLike, h0: ArrayLike, n: int):
    N = check_int(N, "N", 1, MAX_ENUMERATION_N)
    K0, h0 = _couplings(K0, h0, ("K0", "h0"))
    n = check_int(n, "n", 0, MAX_STEPS)
    return N, K0, h0, n


def enumerated_kl_same_lattice(N: int, K0: ArrayLike, h0: ArrayLike, n: int) -> NDArray[np.float64] | float:
    r"""Definition A per site by brute force: :math:`D(p_{K_0,h_0}\|p_{K_n,h_n})/N` of two enumerated rings.

    Parameters
    ----------
    N : int
        Ring size, ``1 <= N <= MAX_ENUMERATION_N``.
    K0, h0 : array_like
        Initial couplings (finite reals, broadcast).
    n : int
        Number of decimation steps, ``0 <= n <= MAX_STEPS``.

    Returns
    -------
    float or ndarray

    See Also
    --------
    kl_same_lattice : the closed form.

    Examples
    --------
    >>> print(round(enumerated_kl_same_lattice(6, 0.8, 0.0, 2), 8), round(kl_same_lattice(0.8, 0.0, 2, N=6), 8))
    0.15536044 0.15536044
    """
    N, K0, h0, n = _enumerated_iv(N, K0, h0, n)
    Kn, hn = flow_couplings(K0, h0, n)
    lp = _ring_log_probabilities(N, K0, h0)
    lq = _ring_log_probabilities(N, np.asarray(Kn), np.asarray(hn))
    return _out(np.asarray(kl_divergence(lp, lq)) / N)


def enumerated_kl_lifted(N: int, K0: ArrayLike, h0: ArrayLike, n: int, *, use_marginal: bool = False):
    r"""Definition B per UV site by brute force.

    The coarse distribution is the enumerated ring of :math:`N/2^n` spins with couplings :math:`(K_n, h_n)`
    (or, with ``use_marginal=True``, the enumerated marginal of the UV ring on the kept spins), lifted by
    :math:`2^{-(N - N/2^n)}`.

    Parameters
    ----------
    N : int
        Ring size, ``1 <= N <= MAX_ENUMERATION_N``, divisible by ``2**n``.
    K0, h0 : array_like
        Initial couplings (finite reals, broadcast).
    n : int
        Number of decimation steps, ``>= 0``.
    use_marginal : bool
        Lift the enumerated marginal instead of the decimated ring (the two agree: a check of decimation).

    Returns
    -------
    float or ndarray

    See Also
    --------
    kl_lifted : the closed form.

    Examples
    --------
    >>> print(round(enumerated_kl_lifted(8, 0.8, 0.1, 2), 8), round(kl_lifted(0.8, 0.1, 2, N=8), 8))
    0.27550774 0.27550774
    """
    N, K0, h0, n = _enumerated_iv(N, K0, h0, n)
    if N % (2**n):
        raise ValueError(f"N must be divisible by 2**n = {2**n}; got N = {N}")
    use_marginal = check_bool(use_marginal, "use_marginal")
    M = N >> n
    lp = _ring_log_probabilities(N, K0, h0)
    if use_marginal:
        lir = marginal_log_probabilities(lp, N, 2**n)
    else:
        Kn, hn = flow_couplings(K0, h0, n)
        lir = _ring_log_probabilities(M, np.asarray(Kn), np.asarray(hn))
    code = kept_state_codes(N, 2**n)
    lq = lir[..., code] - (N - M) * LN2
    return _out(np.asarray(kl_divergence(lp, lq)) / N)
