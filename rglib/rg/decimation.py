r"""Exact decimation RG of the 1D Ising ring and the relative entropy along its flow.

Model and conventions
---------------------
A periodic ring of ``N`` spins :math:`s_i = \pm 1` with Boltzmann weight :math:`e^{-E}`,

.. math:: -E(s) = K \sum_{i=0}^{N-1} s_i s_{i+1} + h \sum_i s_i, \qquad s_N \equiv s_0 ,

``K = beta J`` and ``h = beta H`` dimensionless (the conventions of :mod:`rglib.ising.chain`, whose transfer-matrix
results this module uses). Decimation with ``b = 2`` sums over the spins on odd sites; the kept spins
(even sites) form a ring of ``N/2`` spins with couplings :math:`(K', h')` and a constant per removed spin.
Step ``n`` keeps every :math:`2^n`-th spin. All logarithms are natural (entropies in nats).

Two relative entropies along the flow (the notes on Erdmenger, Grosvenor & Jefferson reconstruct the paper's
definition; both candidates are implemented):

* **A** (:func:`kl_same_lattice`): :math:`D(p_{K_0,h_0}\,\|\,p_{K_n,h_n})` on the *same* ``N``-site
  lattice, the couplings replaced by their RG images, divided by ``N``.
* **B** (:func:`kl_lifted`): :math:`D(p_{\rm UV}\,\|\,q_n)` with
  :math:`q_n(s) = p_{K_n,h_n}(s_{\rm kept})\,2^{-(N-N_n)}`, the coarse-grained distribution lifted back to
  the ``N`` UV spins by a uniform factor on the removed ones, divided by ``N`` (UV sites).

``N=None`` gives the thermodynamic limit (per site), an int ``N`` the finite ring. Enumeration versions
(``enumerated_*``) compute the same quantities by brute force for checks (``N <= 20``).

An *approximate* RG for comparison (decimation plus truncation of the generated couplings) is in
:mod:`rglib.rg.truncation`.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from .._checks import check_int as _int
from .._checks import check_real_array as _real
from .._numerics import LN2
from .._numerics import log_2cosh as _log_2cosh
from .._numerics import log_abs_2sinh as _log_abs_2sinh
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
from ..ising.enumeration import kept_state_codes, magnetizations, ring_bond_sums

__all__ = [
    "MAX_STEPS",
    "MAX_ENUMERATION_N",
    "DecimationFlow",
    "decimate_1d",
    "decimation_flow",
    "flow_couplings",
    "ir_field",
    "kl_same_lattice",
    "kl_lifted",
    "kl_asymptote",
    "ring_log_probabilities",
    "marginal_log_probabilities",
    "enumerated_kl_same_lattice",
    "enumerated_kl_lifted",
]

#: Largest number of RG steps accepted (``2**-n`` underflows long before; the flow is at its fixed point).
MAX_STEPS = 1024
#: Largest ring enumerated by the brute-force checks (``2**20`` states).
MAX_ENUMERATION_N = 20


# ----------------------------------------------------------------------------------------------
# argument checking
# ----------------------------------------------------------------------------------------------
def _steps(n: ArrayLike, name: str = "n") -> NDArray[np.int64]:
    if isinstance(n, (bool, np.bool_)):
        raise TypeError(f"{name} must be a non-negative int or an integer array; got a bool")
    a = np.asarray(n)
    if not np.issubdtype(a.dtype, np.integer):
        raise TypeError(f"{name} must be a non-negative int or an integer array; got dtype {a.dtype}")
    if np.any(a < 0) or np.any(a > MAX_STEPS):
        raise ValueError(f"{name} (number of RG steps) must satisfy 0 <= {name} <= {MAX_STEPS}; got {n!r}")
    return a.astype(np.int64)


def _out(x: NDArray[np.float64]):
    return float(x) if np.ndim(x) == 0 else x


def _log_abs_sinh(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """ln|sinh x| (-inf at 0), stable for large |x|."""
    return _log_abs_2sinh(x) - LN2


def _log_cosh(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return _log_2cosh(x) - LN2



# ----------------------------------------------------------------------------------------------
# the exact recursion
# ----------------------------------------------------------------------------------------------
def decimate_1d(K: ArrayLike, h: ArrayLike = 0.0):
    r"""One exact ``b = 2`` decimation step of the 1D Ising ring in a field.

    Summing over a spin :math:`s` between kept neighbours :math:`s_1, s_3`,

    .. math::

        \sum_{s=\pm1} e^{K s (s_1 + s_3) + h s} = 2\cosh\bigl(K(s_1+s_3)+h\bigr)
        = e^{\ln A + K' s_1 s_3 + \frac{\delta}{2}(s_1 + s_3)},

    with

    .. math::

        K' = \tfrac14 \ln\frac{\cosh(2K+h)\cosh(2K-h)}{\cosh^2 h},\qquad
        h' = h + \delta,\quad \delta = \tfrac12\ln\frac{\cosh(2K+h)}{\cosh(2K-h)},\qquad
        \ln A = \tfrac14\ln\bigl[16\cosh(2K+h)\cosh(2K-h)\cosh^2 h\bigr] = \ln 2 + \ln\cosh h + K'.

    Evaluated as :math:`K' = \frac14\ln(1 + \sinh^2 2K/\cosh^2 h)` and
    :math:`\delta = \operatorname{artanh}(\tanh 2K \tanh h)`, accurate also for tiny ``K`` or ``h``.

    Each kept spin collects :math:`\delta/2` from both removed neighbours, hence :math:`h' = h + \delta`.
    At ``h = 0``: :math:`\tanh K' = \tanh^2 K` and :math:`\ln A = \ln 2 + \frac12\ln\cosh 2K`.

    Parameters
    ----------
    K, h
        Couplings (finite reals, broadcast against each other).

    Returns
    -------
    K_new, h_new, log_A
        Renormalised couplings and the log of the constant generated per removed spin, so that
        :math:`Z_N(K, h) = A^{N/2} Z_{N/2}(K', h')`.
    """
    K = _real(K, "K")
    h = _real(h, "h")
    K, h = np.broadcast_arrays(K, h)
    l0 = _log_cosh(h)
    # cosh(2K+h) cosh(2K-h) = cosh^2 h + sinh^2 2K, so K' = (1/4) ln(1 + sinh^2 2K / cosh^2 h): a softplus
    # of 2 (ln|sinh 2K| - ln cosh h), accurate for tiny K and free of overflow for huge K.
    with np.errstate(divide="ignore"):
        K_new = 0.25 * np.logaddexp(0.0, 2.0 * (_log_abs_sinh(2.0 * K) - l0))
    # delta = (1/2) ln[cosh(2K+h)/cosh(2K-h)] = artanh(tanh 2K tanh h); the artanh form keeps tiny fields
    x = np.tanh(2.0 * K) * np.tanh(h)
    small = np.abs(x) < 0.5
    delta = np.where(small, np.arctanh(np.where(small, x, 0.0)),
                     0.5 * (_log_cosh(2.0 * K + h) - _log_cosh(2.0 * K - h)))
    h_new = h + delta
    log_A = LN2 + l0 + K_new  # (1/4) ln[16 cosh(2K+h) cosh(2K-h) cosh^2 h]
    return _out(K_new), _out(h_new), _out(log_A)


class DecimationFlow(NamedTuple):
    """Couplings along the exact flow; axis 0 is the step ``n = 0 .. n_steps``."""

    K: NDArray[np.float64]
    h: NDArray[np.float64]
    log_A: NDArray[np.float64]  #: constant per removed spin generated by step n -> n+1 (last entry: NaN)


def decimation_flow(K0: ArrayLike, h0: ArrayLike = 0.0, n_steps: int = 10) -> DecimationFlow:
    """Iterate :func:`decimate_1d` ``n_steps`` times.

    Parameters
    ----------
    K0, h0
        Initial couplings (broadcast).
    n_steps
        Number of steps, ``0 <= n_steps <= MAX_STEPS``.

    Returns
    -------
    DecimationFlow
        ``K[n]``, ``h[n]`` for ``n = 0..n_steps`` (shape ``(n_steps + 1, *broadcast_shape)``) and ``log_A[n]``,
        the constant generated by the step ``n -> n + 1`` (``NaN`` in the last row).
    """
    n_steps = int(_steps(n_steps, "n_steps"))
    K = _real(K0, "K0")
    h = _real(h0, "h0")
    K, h = np.broadcast_arrays(K, h)
    Ks, hs, As = [K], [h], []
    for _ in range(n_steps):
        Kn, hn, la = decimate_1d(Ks[-1], hs[-1])
        Ks.append(np.asarray(Kn))
        hs.append(np.asarray(hn))
        As.append(np.asarray(la))
    As.append(np.full(K.shape, np.nan))
    return DecimationFlow(np.stack(Ks), np.stack(hs), np.stack(As))


def flow_couplings(K0: ArrayLike, h0: ArrayLike, n: ArrayLike):
    """The couplings :math:`(K_n, h_n)` after ``n`` exact steps; ``K0``, ``h0`` and ``n`` broadcast.

    Returns
    -------
    K_n, h_n
        Arrays (floats for scalar input) of the broadcast shape.
    """
    K0 = _real(K0, "K0")
    h0 = _real(h0, "h0")
    n = _steps(n)
    K0, h0, n = np.broadcast_arrays(K0, h0, n)
    nmax = int(n.max()) if n.size else 0
    fl = decimation_flow(K0, h0, nmax)
    Kn = np.take_along_axis(fl.K, n[None], axis=0)[0]
    hn = np.take_along_axis(fl.h, n[None], axis=0)[0]
    return _out(Kn), _out(hn)




def ir_field(K0: ArrayLike, h0: ArrayLike = 0.0):
    r"""Field at the end of the exact flow, :math:`h^* = \lim_n h_n = \operatorname{artanh} m(K_0, h_0)`.

    Decimation keeps the exact marginal, so the magnetization of the coarse chain stays :math:`m(K_0,h_0)`
    at every step; at the fixed point :math:`K^* = 0` it is :math:`\tanh h^*`.
    """
    K0 = _real(K0, "K0")
    h0 = _real(h0, "h0")
    K0, h0 = np.broadcast_arrays(K0, h0)
    _, _, m, omm = chain_parts(K0, h0)
    # small |m|: arctanh directly; |m| near 1: 0.5 ln((1+|m|)/(1-|m|)) with 1-|m| free of cancellation
    am = np.abs(m)
    with np.errstate(divide="ignore"):
        big = 0.5 * (np.log1p(am) - np.log(omm))
    return _out(np.sign(m) * np.where(am < 0.5, np.arctanh(np.minimum(am, 0.5)), big))


# ----------------------------------------------------------------------------------------------
# relative entropies: closed forms
# ----------------------------------------------------------------------------------------------
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
    K0, h0
        Initial (UV) couplings, finite reals.
    n
        Number of RG steps (int or integer array, ``>= 0``). ``K0``, ``h0``, ``n`` broadcast.
    N
        Ring size (``>= 1``) or ``None`` for the infinite chain.
    """
    K0 = _real(K0, "K0")
    h0 = _real(h0, "h0")
    n = _steps(n)
    Kn, hn = flow_couplings(K0, h0, n)
    K0, h0, Kn, hn = np.broadcast_arrays(K0, h0, np.asarray(Kn), np.asarray(hn))
    if N is None:
        d = _kl_A_inf(K0, h0, Kn, hn)
    else:
        N = _int(N, "N")
        u0 = np.asarray(ring_correlation(N, K0, h0, 1))
        m0 = np.asarray(ring_magnetization(N, K0, h0))
        lz0 = np.asarray(ring_log_partition(N, K0, h0))
        lzn = np.asarray(ring_log_partition(N, Kn, hn))
        d = (K0 - Kn) * u0 + (h0 - hn) * m0 - (lz0 - lzn) / N
    d = np.where((Kn == K0) & (hn == h0), 0.0, d)  # n = 0 (or a fixed point): exactly zero
    return _out(d)


def kl_lifted(K0: ArrayLike, h0: ArrayLike, n: ArrayLike, N: int | None = None):
    r"""Definition B: :math:`\frac1N D(p_{\rm UV}\,\|\,q_n)`, the coarse distribution lifted uniformly, per UV site.

    :math:`q_n(s) = p_{K_n,h_n}(s_{\rm kept})\,2^{-(N - N_n)}` with :math:`N_n = N/2^n` kept spins.
    Because the decimated weights are exactly the marginal of :math:`p_{\rm UV}` on the kept spins,

    .. math::

        D_n = (N - N_n)\ln 2 - S_N(K_0,h_0) + S_{N_n}(K_n,h_n),\qquad
        \frac{D_n}{N} \xrightarrow{N\to\infty} (1 - 2^{-n})\ln 2 - s(K_0,h_0) + 2^{-n} s(K_n,h_n).

    Parameters
    ----------
    K0, h0, n
        As in :func:`kl_same_lattice`.
    N
        ``None`` (infinite chain) or a ring size divisible by :math:`2^{\max n}`.
    """
    K0 = _real(K0, "K0")
    h0 = _real(h0, "h0")
    n = _steps(n)
    Kn, hn = flow_couplings(K0, h0, n)
    K0, h0, n, Kn, hn = np.broadcast_arrays(K0, h0, n, np.asarray(Kn), np.asarray(hn))
    if N is None:
        w = np.ldexp(1.0, -n)
        d = (1.0 - w) * LN2 - np.asarray(chain_entropy_per_site(K0, h0)) + w * np.asarray(chain_entropy_per_site(Kn, hn))
    else:
        N = _int(N, "N")
        nmax = int(n.max()) if n.size else 0
        if N % (2**nmax):
            raise ValueError(f"N = {N} must be divisible by 2**n = {2**nmax} for n = {nmax} decimation steps")
        S0 = np.asarray(ring_entropy(N, K0, h0))
        d = np.empty(n.shape)
        for k in np.unique(n):  # one ring size per step count
            sel = n == k
            Nk = N >> int(k)
            Sk = np.asarray(ring_entropy(Nk, Kn[sel], hn[sel]))
            d[sel] = ((N - Nk) * LN2 - S0[sel] + Sk) / N
    d = np.where(n == 0, 0.0, d)
    return _out(d)


def kl_asymptote(K0: ArrayLike, h0: ArrayLike = 0.0, definition: str = "A"):
    r"""Limit :math:`n\to\infty` of the per-site relative entropy (infinite chain), in nats.

    * ``"A"``: :math:`H_2(m_0) - s(K_0,h_0)`, where :math:`H_2(m) = -\sum_\pm \frac{1\pm m}{2}\ln\frac{1\pm m}{2}`
      is the entropy of one spin of magnetization :math:`m_0`: the flow ends at :math:`K^*=0`,
      :math:`h^*=\operatorname{artanh} m_0`, a product of one-site marginals, so the limit is the total
      correlation per site.
    * ``"B"``: :math:`\ln 2 - s(K_0,h_0)`, the divergence from the uniform distribution.

    Both equal :math:`K_0\tanh K_0 - \ln\cosh K_0` at ``h0 = 0``.
    """
    if definition not in ("A", "B"):
        raise ValueError(f"definition must be 'A' or 'B'; got {definition!r}")
    K0 = _real(K0, "K0")
    h0 = _real(h0, "h0")
    K0, h0 = np.broadcast_arrays(K0, h0)
    s0 = np.asarray(chain_entropy_per_site(K0, h0))
    if definition == "B":
        return _out(LN2 - s0)
    _, _, _, omm = chain_parts(K0, h0)
    p = 0.5 * omm  # minority-spin probability (1 - |m|)/2
    with np.errstate(divide="ignore", invalid="ignore"):
        H2 = np.where(p > 0, -p * np.log(p) - (1 - p) * np.log1p(-p), 0.0)
    return _out(H2 - s0)


# ----------------------------------------------------------------------------------------------
# brute-force enumeration (checks)
# ----------------------------------------------------------------------------------------------
def _ring_sums(N: int):
    """(bond sum, magnetization) of every state of an ``N``-spin ring, as float64 arrays of length ``2**N``."""
    return ring_bond_sums(N, 1 % N if N > 1 else 0).astype(np.float64), magnetizations(N).astype(np.float64)


def ring_log_probabilities(N: int, K: ArrayLike, h: ArrayLike = 0.0) -> NDArray[np.float64]:
    """Log Boltzmann probabilities of all :math:`2^N` ring configurations, by enumeration.

    Order: :func:`rglib.ising.all_spin_configurations`. ``K`` and ``h`` broadcast; the result has shape
    ``(*broadcast_shape, 2**N)``. ``1 <= N <= MAX_ENUMERATION_N``.
    """
    N = _int(N, "N", 1, MAX_ENUMERATION_N)
    K = _real(K, "K")
    h = _real(h, "h")
    K, h = np.broadcast_arrays(K, h)
    bonds, mag = _ring_sums(N)
    lw = K[..., None] * bonds + h[..., None] * mag
    return lw - logsumexp(lw, axis=-1, keepdims=True)


def marginal_log_probabilities(log_p: ArrayLike, N: int, stride: int) -> NDArray[np.float64]:
    r"""Exact marginal of an ``N``-spin distribution on the sites ``0, stride, 2*stride, ...``.

    Parameters
    ----------
    log_p
        Log-probabilities over all :math:`2^N` states along the last axis (enumeration order).
    N
        Number of spins.
    stride
        Keep every ``stride``-th spin; ``N`` must be divisible by ``stride``.

    Returns
    -------
    numpy.ndarray
        Log-probabilities of the :math:`2^{N/\text{stride}}` kept configurations, in enumeration order.
    """
    N = _int(N, "N", 1, MAX_ENUMERATION_N)
    stride = _int(stride, "stride", 1)
    if N % stride:
        raise ValueError(f"N = {N} must be divisible by stride = {stride}")
    lp = np.asarray(log_p, dtype=np.float64)
    if lp.shape[-1] != 2**N:
        raise ValueError(f"log_p must have 2**N = {2**N} states along its last axis; got {lp.shape[-1]}")
    M = N // stride
    code = kept_state_codes(N, stride)
    order = np.argsort(code, kind="stable")
    grouped = lp[..., order].reshape(*lp.shape[:-1], 2**M, 2 ** (N - M))
    return logsumexp(grouped, axis=-1)


def enumerated_kl_same_lattice(N: int, K0: ArrayLike, h0: ArrayLike, n: int) -> NDArray[np.float64] | float:
    """Definition A per site by brute force: ``kl_divergence`` of two enumerated ``N``-spin distributions."""
    n = int(_steps(n))
    Kn, hn = flow_couplings(K0, h0, n)
    lp = ring_log_probabilities(N, K0, h0)
    lq = ring_log_probabilities(N, Kn, hn)
    return _out(np.asarray(kl_divergence(lp, lq)) / N)


def enumerated_kl_lifted(N: int, K0: ArrayLike, h0: ArrayLike, n: int, *, use_marginal: bool = False):
    """Definition B per UV site by brute force.

    The coarse distribution is the enumerated ring of :math:`N/2^n` spins with couplings :math:`(K_n, h_n)`
    (or, with ``use_marginal=True``, the enumerated marginal of the UV ring on the kept spins), lifted by
    :math:`2^{-(N - N/2^n)}`.
    """
    N = _int(N, "N", 1, MAX_ENUMERATION_N)
    n = int(_steps(n))
    if N % (2**n):
        raise ValueError(f"N = {N} must be divisible by 2**n = {2**n}")
    M = N >> n
    lp = ring_log_probabilities(N, K0, h0)
    if use_marginal:
        lir = marginal_log_probabilities(lp, N, 2**n)
    else:
        Kn, hn = flow_couplings(K0, h0, n)
        lir = ring_log_probabilities(M, Kn, hn)
    code = kept_state_codes(N, 2**n)
    lq = lir[..., code] - (N - M) * LN2
    return _out(np.asarray(kl_divergence(lp, lq)) / N)


# ----------------------------------------------------------------------------------------------
