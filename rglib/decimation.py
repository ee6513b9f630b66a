"""Exact decimation RG of the 1D Ising ring and the relative entropy along its flow.

Model and conventions
---------------------
A periodic ring of ``N`` spins :math:`s_i = \\pm 1` with Boltzmann weight :math:`e^{-E}`,

.. math:: -E(s) = K \\sum_{i=0}^{N-1} s_i s_{i+1} + h \\sum_i s_i, \\qquad s_N \\equiv s_0 ,

``K = beta J`` and ``h = beta H`` dimensionless (the conventions of :mod:`rglib.ising`, whose transfer-matrix
results this module uses). Decimation with ``b = 2`` sums over the spins on odd sites; the kept spins
(even sites) form a ring of ``N/2`` spins with couplings :math:`(K', h')` and a constant per removed spin.
Step ``n`` keeps every :math:`2^n`-th spin. All logarithms are natural (entropies in nats).

Two relative entropies along the flow (the notes on Erdmenger, Grosvenor & Jefferson reconstruct the paper's
definition; both candidates are implemented):

* **A** (:func:`kl_same_lattice`): :math:`D(p_{K_0,h_0}\\,\\|\\,p_{K_n,h_n})` on the *same* ``N``-site
  lattice, the couplings replaced by their RG images, divided by ``N``.
* **B** (:func:`kl_lifted`): :math:`D(p_{\\rm UV}\\,\\|\\,q_n)` with
  :math:`q_n(s) = p_{K_n,h_n}(s_{\\rm kept})\\,2^{-(N-N_n)}`, the coarse-grained distribution lifted back to
  the ``N`` UV spins by a uniform factor on the removed ones, divided by ``N`` (UV sites).

``N=None`` gives the thermodynamic limit (per site), an int ``N`` the finite ring. Enumeration versions
(``enumerated_*``) compute the same quantities by brute force for checks (``N <= 20``).

The module also holds an *approximate* RG for comparison: decimation of a ring with nearest- and
next-nearest-neighbour couplings followed by truncation of the generated couplings
(:func:`truncated_nnn_flow`).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from ._checks import check_int as _int
from ._checks import check_real_array as _real
from .blockspin import walsh_coefficients
from .entropy import kl_divergence
from .ising import (
    chain_log_partition_per_site,
    chain_magnetization,
    ring_correlation,
    ring_log_partition,
    ring_magnetization,
)

__all__ = [
    "MAX_STEPS",
    "MAX_ENUMERATION_N",
    "DecimationFlow",
    "decimate_1d",
    "decimation_flow",
    "flow_couplings",
    "chain_nn_correlation",
    "chain_entropy_per_site",
    "ring_entropy",
    "ir_field",
    "kl_same_lattice",
    "kl_lifted",
    "kl_asymptote",
    "ring_log_probabilities",
    "marginal_log_probabilities",
    "enumerated_kl_same_lattice",
    "enumerated_kl_lifted",
    "nnn_ring_log_probabilities",
    "project_nnn_couplings",
    "moment_matched_nnn_couplings",
    "TruncatedFlow",
    "truncated_nnn_flow",
]

#: Largest number of RG steps accepted (``2**-n`` underflows long before; the flow is at its fixed point).
MAX_STEPS = 1024
#: Largest ring enumerated by the brute-force checks (``2**20`` states).
MAX_ENUMERATION_N = 20

LN2 = float(np.log(2.0))


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
    ax = np.abs(x)
    with np.errstate(divide="ignore"):
        return ax + np.log(-np.expm1(-2.0 * ax)) - LN2


def _log_cosh(x: NDArray[np.float64]) -> NDArray[np.float64]:
    ax = np.abs(x)
    return ax + np.log1p(np.exp(-2.0 * ax)) - LN2


# ----------------------------------------------------------------------------------------------
# the exact recursion
# ----------------------------------------------------------------------------------------------
def decimate_1d(K: ArrayLike, h: ArrayLike = 0.0):
    """One exact ``b = 2`` decimation step of the 1D Ising ring in a field.

    Summing over a spin :math:`s` between kept neighbours :math:`s_1, s_3`,

    .. math::

        \\sum_{s=\\pm1} e^{K s (s_1 + s_3) + h s} = 2\\cosh\\bigl(K(s_1+s_3)+h\\bigr)
        = e^{\\ln A + K' s_1 s_3 + \\frac{\\delta}{2}(s_1 + s_3)},

    with

    .. math::

        K' = \\tfrac14 \\ln\\frac{\\cosh(2K+h)\\cosh(2K-h)}{\\cosh^2 h},\\qquad
        h' = h + \\delta,\\quad \\delta = \\tfrac12\\ln\\frac{\\cosh(2K+h)}{\\cosh(2K-h)},\\qquad
        \\ln A = \\tfrac14\\ln\\bigl[16\\cosh(2K+h)\\cosh(2K-h)\\cosh^2 h\\bigr] = \\ln 2 + \\ln\\cosh h + K'.

    Evaluated as :math:`K' = \\frac14\\ln(1 + \\sinh^2 2K/\\cosh^2 h)` and
    :math:`\\delta = \\operatorname{artanh}(\\tanh 2K \\tanh h)`, accurate also for tiny ``K`` or ``h``.

    Each kept spin collects :math:`\\delta/2` from both removed neighbours, hence :math:`h' = h + \\delta`.
    At ``h = 0``: :math:`\\tanh K' = \\tanh^2 K` and :math:`\\ln A = \\ln 2 + \\frac12\\ln\\cosh 2K`.

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


# ----------------------------------------------------------------------------------------------
# thermodynamics of the infinite chain, in forms without cancellation
# ----------------------------------------------------------------------------------------------
def _chain_parts(K: NDArray[np.float64], h: NDArray[np.float64]):
    """Pieces of the infinite-chain thermodynamics that are O(1) for any K, h.

    With :math:`a = |h|`, :math:`e = e^{-2a}`, :math:`y = e^{-4K-2a}`, :math:`\\tilde c = (1+e)/2`,
    :math:`\\tilde s = (1-e)/2` and :math:`\\tilde r = \\sqrt{\\tilde s^2 + y}` one has
    :math:`\\ln\\lambda_+ = K + a + \\ln(\\tilde c + \\tilde r)`, :math:`|m| = \\tilde s/\\tilde r` and
    :math:`1 - u = 2y/[\\tilde r(\\tilde c + \\tilde r)]`. Returns ``g = ln(c~ + r~)``, ``1 - u``, ``m`` and
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
    return g, one_minus_u, m, one_minus_abs_m


def chain_nn_correlation(K: ArrayLike, h: ArrayLike = 0.0):
    """Nearest-neighbour correlation :math:`u = \\langle s_i s_{i+1}\\rangle = \\partial_K \\ln\\lambda_+` of the infinite chain.

    .. math:: u = 1 - \\frac{2 e^{-4K}}{R\\,(\\cosh h + R)},\\qquad R = \\sqrt{\\sinh^2 h + e^{-4K}}

    (:math:`u = \\tanh K` at ``h = 0``). Broadcasts over ``K`` and ``h``.
    """
    K = _real(K, "K")
    h = _real(h, "h")
    K, h = np.broadcast_arrays(K, h)
    return _out(1.0 - _chain_parts(K, h)[1])


def chain_entropy_per_site(K: ArrayLike, h: ArrayLike = 0.0):
    """Entropy per site :math:`s = \\ln\\lambda_+ - K u - h m` (nats) of the infinite chain.

    Evaluated as :math:`\\ln(\\tilde c+\\tilde r) + K(1-u) + |h|(1-|m|)` (see ``_chain_parts``), which has no
    cancellation at large ``K`` or ``|h|``. At ``h = 0``: :math:`s = \\ln(2\\cosh K) - K\\tanh K`.
    """
    K = _real(K, "K")
    h = _real(h, "h")
    K, h = np.broadcast_arrays(K, h)
    g, omu, _, omm = _chain_parts(K, h)
    return _out(g + K * omu + np.abs(h) * omm)


def ring_entropy(N: int, K: ArrayLike, h: ArrayLike = 0.0):
    """Total Gibbs entropy :math:`S_N = \\ln Z_N - K\\langle\\sum_i s_i s_{i+1}\\rangle - h\\langle\\sum_i s_i\\rangle` of a ring.

    Uses :func:`rglib.ising.ring_log_partition`, :func:`~rglib.ising.ring_correlation` (``r = 1``) and
    :func:`~rglib.ising.ring_magnetization`. ``N >= 1`` (``N = 1``: one spin with a self-bond).
    """
    N = _int(N, "N")
    K = _real(K, "K")
    h = _real(h, "h")
    K, h = np.broadcast_arrays(K, h)
    lz = np.asarray(ring_log_partition(N, K, h))
    u = np.asarray(ring_correlation(N, K, h, 1))
    m = np.asarray(ring_magnetization(N, K, h))
    return _out(lz - N * (K * u + h * m))


def ir_field(K0: ArrayLike, h0: ArrayLike = 0.0):
    """Field at the end of the exact flow, :math:`h^* = \\lim_n h_n = \\operatorname{artanh} m(K_0, h_0)`.

    Decimation keeps the exact marginal, so the magnetization of the coarse chain stays :math:`m(K_0,h_0)`
    at every step; at the fixed point :math:`K^* = 0` it is :math:`\\tanh h^*`.
    """
    K0 = _real(K0, "K0")
    h0 = _real(h0, "h0")
    K0, h0 = np.broadcast_arrays(K0, h0)
    _, _, m, omm = _chain_parts(K0, h0)
    # small |m|: arctanh directly; |m| near 1: 0.5 ln((1+|m|)/(1-|m|)) with 1-|m| free of cancellation
    am = np.abs(m)
    with np.errstate(divide="ignore"):
        big = 0.5 * (np.log1p(am) - np.log(omm))
    return _out(np.sign(m) * np.where(am < 0.5, np.arctanh(np.minimum(am, 0.5)), big))


# ----------------------------------------------------------------------------------------------
# relative entropies: closed forms
# ----------------------------------------------------------------------------------------------
def _kl_A_inf(K0, h0, Kn, hn):
    g0, omu0, m0, omm0 = _chain_parts(K0, h0)
    gn = _chain_parts(Kn, hn)[0]
    # D/N = ln l+(n) - ln l+(0) - u0 (Kn - K0) - m0 (hn - h0), regrouped into O(1) terms
    # |h_n| - h_n m0 = |h_n| (1 -+ |m0|): same sign (the usual case) avoids the cancellation 1 - |m0|
    same = np.sign(hn) * np.sign(m0) >= 0
    field = np.abs(hn) * np.where(same, omm0, 1.0 + np.abs(m0))
    return (gn - g0) + (Kn - K0) * omu0 + field - np.abs(h0) * omm0


def kl_same_lattice(K0: ArrayLike, h0: ArrayLike, n: ArrayLike, N: int | None = None):
    """Definition A: :math:`\\frac1N D(p_{K_0,h_0}\\,\\|\\,p_{K_n,h_n})` on the same ``N``-site ring, in nats per site.

    Both distributions are Ising rings of the same size; the second carries the couplings after ``n``
    exact decimation steps. Since both are exponential families in :math:`(K, h)`,

    .. math::

        \\frac{D_n}{N} = (K_0 - K_n)\\,u_0 + (h_0 - h_n)\\,m_0 - \\frac{\\ln Z_N(K_0,h_0) - \\ln Z_N(K_n,h_n)}{N},

    with :math:`u_0 = \\langle s_i s_{i+1}\\rangle_0`, :math:`m_0 = \\langle s_i\\rangle_0`. For ``N=None``
    (thermodynamic limit) :math:`\\ln Z_N/N \\to \\ln\\lambda_+`, and the result is the Bregman divergence
    of :math:`\\ln\\lambda_+`. It is non-decreasing in ``n`` for ``K0 >= 0`` (the flow lowers ``K`` along a
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
    """Definition B: :math:`\\frac1N D(p_{\\rm UV}\\,\\|\\,q_n)`, the coarse distribution lifted uniformly, per UV site.

    :math:`q_n(s) = p_{K_n,h_n}(s_{\\rm kept})\\,2^{-(N - N_n)}` with :math:`N_n = N/2^n` kept spins.
    Because the decimated weights are exactly the marginal of :math:`p_{\\rm UV}` on the kept spins,

    .. math::

        D_n = (N - N_n)\\ln 2 - S_N(K_0,h_0) + S_{N_n}(K_n,h_n),\\qquad
        \\frac{D_n}{N} \\xrightarrow{N\\to\\infty} (1 - 2^{-n})\\ln 2 - s(K_0,h_0) + 2^{-n} s(K_n,h_n).

    Parameters
    ----------
    K0, h0, n
        As in :func:`kl_same_lattice`.
    N
        ``None`` (infinite chain) or a ring size divisible by :math:`2^{\\max n}`.
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
    """Limit :math:`n\\to\\infty` of the per-site relative entropy (infinite chain), in nats.

    * ``"A"``: :math:`H_2(m_0) - s(K_0,h_0)`, where :math:`H_2(m) = -\\sum_\\pm \\frac{1\\pm m}{2}\\ln\\frac{1\\pm m}{2}`
      is the entropy of one spin of magnetization :math:`m_0`: the flow ends at :math:`K^*=0`,
      :math:`h^*=\\operatorname{artanh} m_0`, a product of one-site marginals, so the limit is the total
      correlation per site.
    * ``"B"``: :math:`\\ln 2 - s(K_0,h_0)`, the divergence from the uniform distribution.

    Both equal :math:`K_0\\tanh K_0 - \\ln\\cosh K_0` at ``h0 = 0``.
    """
    if definition not in ("A", "B"):
        raise ValueError(f"definition must be 'A' or 'B'; got {definition!r}")
    K0 = _real(K0, "K0")
    h0 = _real(h0, "h0")
    K0, h0 = np.broadcast_arrays(K0, h0)
    s0 = np.asarray(chain_entropy_per_site(K0, h0))
    if definition == "B":
        return _out(LN2 - s0)
    _, _, _, omm = _chain_parts(K0, h0)
    p = 0.5 * omm  # minority-spin probability (1 - |m|)/2
    with np.errstate(divide="ignore", invalid="ignore"):
        H2 = np.where(p > 0, -p * np.log(p) - (1 - p) * np.log1p(-p), 0.0)
    return _out(H2 - s0)


# ----------------------------------------------------------------------------------------------
# brute-force enumeration (checks)
# ----------------------------------------------------------------------------------------------
def _state_codes(N: int) -> NDArray[np.uint32]:
    """Enumeration indices 0 .. 2**N - 1; bit ``N-1-j`` of index ``i`` is set iff spin ``j`` is -1
    (the order of :func:`rglib.ising.all_spin_configurations`)."""
    return np.arange(2**N, dtype=np.uint32)


def _ring_bond_sums(N: int, r: int) -> NDArray[np.int64]:
    """:math:`\\sum_i s_i s_{i+r}` (periodic) for every state, from bit operations (no ``(2**N, N)`` table).

    A bond is -1 exactly when the two bits differ, so the sum is ``N - 2 * popcount(i XOR rot_r(i))`` with
    ``rot_r`` the cyclic rotation of the ``N``-bit index by ``r`` places.
    """
    i = _state_codes(N)
    mask = np.uint32(2**N - 1)
    rot = ((i << np.uint32(r)) | (i >> np.uint32(N - r))) & mask
    return N - 2 * np.bitwise_count(i ^ rot).astype(np.int64)


def _ring_sums(N: int):
    """(bond sum, magnetization) of every state of an ``N``-spin ring, as float64 arrays of length ``2**N``."""
    i = _state_codes(N)
    mag = N - 2 * np.bitwise_count(i).astype(np.int64)
    return _ring_bond_sums(N, 1 % N if N > 1 else 0).astype(np.float64), mag.astype(np.float64)


def _kept_codes(N: int, stride: int) -> NDArray[np.int64]:
    """Enumeration index, among the ``2**(N/stride)`` states of the kept spins ``0, stride, 2 stride, ...``,
    of the kept part of every ``N``-spin state (what ``configuration_index(s[:, ::stride])`` gives)."""
    i = _state_codes(N).astype(np.int64)
    M = N // stride
    code = np.zeros(2**N, dtype=np.int64)
    for k in range(M):  # M <= 20 bit positions, each a vectorized pass over all states
        code |= ((i >> (N - 1 - k * stride)) & 1) << (M - 1 - k)
    return code


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
    """Exact marginal of an ``N``-spin distribution on the sites ``0, stride, 2*stride, ...``.

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
        Log-probabilities of the :math:`2^{N/\\text{stride}}` kept configurations, in enumeration order.
    """
    N = _int(N, "N", 1, MAX_ENUMERATION_N)
    stride = _int(stride, "stride", 1)
    if N % stride:
        raise ValueError(f"N = {N} must be divisible by stride = {stride}")
    lp = np.asarray(log_p, dtype=np.float64)
    if lp.shape[-1] != 2**N:
        raise ValueError(f"log_p must have 2**N = {2**N} states along its last axis; got {lp.shape[-1]}")
    M = N // stride
    code = _kept_codes(N, stride)
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
    code = _kept_codes(N, 2**n)
    lq = lir[..., code] - (N - M) * LN2
    return _out(np.asarray(kl_divergence(lp, lq)) / N)


# ----------------------------------------------------------------------------------------------
# an approximate RG: next-nearest-neighbour ring, decimation + truncation
# ----------------------------------------------------------------------------------------------
def _nnn_features(M: int):
    """Per-configuration sums (NN bonds, NNN bonds, magnetization) on a ring of M spins, shape (3, 2**M)."""
    mag = M - 2 * np.bitwise_count(_state_codes(M)).astype(np.int64)
    return np.stack([_ring_bond_sums(M, 1), _ring_bond_sums(M, 2), mag]).astype(np.float64)


def nnn_ring_log_probabilities(N: int, K1: float, K2: float, h: float = 0.0) -> NDArray[np.float64]:
    """Log-probabilities of a ring with NN coupling ``K1``, NNN coupling ``K2`` and field ``h`` (enumeration).

    :math:`-E = K_1\\sum_i s_i s_{i+1} + K_2\\sum_i s_i s_{i+2} + h\\sum_i s_i` with periodic indices; ``N >= 5``
    so that the NN and NNN bonds are distinct, ``N <= MAX_ENUMERATION_N``.
    """
    N = _int(N, "N", 5, MAX_ENUMERATION_N)
    th = np.stack([_real(K1, "K1"), _real(K2, "K2"), _real(h, "h")])
    if th.ndim != 1:
        raise ValueError("K1, K2 and h must be scalars")
    lw = th @ _nnn_features(N)
    return lw - logsumexp(lw)


def project_nnn_couplings(log_w: ArrayLike, M: int, *, keep_nnn: bool = True):
    """Truncation: keep only the NN, NNN and field Walsh couplings of a translation-invariant ring of ``M`` spins.

    Returns ``(K1, K2, h)`` averaged over the ``M`` translates (they are equal for a translation-invariant
    input). All other generated couplings (longer-range pairs, four-spin terms, ...) are dropped; with
    ``keep_nnn=False`` the NNN coupling is dropped too (``K2 = 0``).
    """
    M = _int(M, "M", 5, MAX_ENUMERATION_N)
    J = walsh_coefficients(log_w)
    if J.shape[-1] != 2**M:
        raise ValueError(f"log_w must have 2**M = {2**M} entries; got {J.shape[-1]}")
    bit = lambda j: 1 << (M - 1 - (j % M))  # noqa: E731
    sites = range(M)
    K1 = np.mean([J[..., bit(i) | bit(i + 1)] for i in sites], axis=0)
    K2 = np.mean([J[..., bit(i) | bit(i + 2)] for i in sites], axis=0)
    h = np.mean([J[..., bit(i)] for i in sites], axis=0)
    return float(K1), float(K2) if keep_nnn else 0.0, float(h)


def moment_matched_nnn_couplings(log_p: ArrayLike, M: int, *, tol: float = 1e-12, max_iter: int = 100):
    """The NNN-ring couplings closest to ``p`` in KL: :math:`\\arg\\min_\\theta D(p\\,\\|\\,q_\\theta)`.

    For the exponential family :math:`q_\\theta \\propto e^{\\theta\\cdot\\phi}` with
    :math:`\\phi = (\\sum s_is_{i+1}, \\sum s_is_{i+2}, \\sum s_i)` the minimiser matches moments,
    :math:`\\langle\\phi\\rangle_{q_\\theta} = \\langle\\phi\\rangle_p`; solved by Newton's method with the exact
    Hessian :math:`\\mathrm{Cov}_{q_\\theta}(\\phi)` (by enumeration of the ``2**M`` states). Directions in which
    :math:`\\phi` has no variance (e.g. the field of a symmetric ``p``) are left at the start value 0.

    Returns
    -------
    (K1, K2, h)
    """
    M = _int(M, "M", 5, MAX_ENUMERATION_N)
    lp = np.asarray(log_p, dtype=np.float64)
    if lp.shape != (2**M,):
        raise ValueError(f"log_p must have shape ({2**M},); got {lp.shape}")
    F = _nnn_features(M)
    target = F @ np.exp(lp)
    th = np.zeros(3)
    for _ in range(max_iter):
        lq = th @ F
        lq = lq - logsumexp(lq)
        q = np.exp(lq)
        mean = F @ q
        C = (F * q) @ F.T - np.outer(mean, mean)
        grad = mean - target
        if np.max(np.abs(grad)) < tol * M:
            break
        step = np.linalg.lstsq(C, grad, rcond=1e-12)[0]
        # damped Newton: halve until the KL (= -th.target + lnZ, up to a constant) decreases
        f0 = -th @ target + logsumexp(th @ F)
        t = 1.0
        while t > 1e-8:
            cand = th - t * step
            if -cand @ target + logsumexp(cand @ F) <= f0 + 1e-15:
                break
            t *= 0.5
        th = cand
    return float(th[0]), float(th[1]), float(th[2])


class TruncatedFlow(NamedTuple):
    """Result of :func:`truncated_nnn_flow`; entries indexed by the step ``n = 0 .. n_steps``."""

    sizes: NDArray[np.int64]  #: ring size N_n = N / 2**n
    K1: NDArray[np.float64]  #: truncated NN coupling
    K2: NDArray[np.float64]  #: truncated NNN coupling
    h: NDArray[np.float64]  #: truncated field
    kl_truncation: NDArray[np.float64]  #: D(exact marginal_n || truncated model_n), per UV site
    kl_projection: NDArray[np.float64]  #: min over NNN models of D(exact marginal_n || model), per UV site
    kl_lifted_exact: NDArray[np.float64]  #: D(p_UV || lifted exact marginal_n), per UV site (definition B)
    kl_lifted_truncated: NDArray[np.float64]  #: D(p_UV || lifted truncated model_n), per UV site


def truncated_nnn_flow(N: int, K1: float, K2: float = 0.0, h: float = 0.0, n_steps: int = 1, *,
                       keep_nnn: bool = True) -> TruncatedFlow:
    """Approximate RG: decimate a NN+NNN ring (``b = 2``) and truncate to NN, NNN and field couplings.

    Step ``n -> n+1``: take the truncated model of step ``n`` (a ring of :math:`N_n` spins), compute its exact
    marginal on the even sites by enumeration, and keep only its NN, NNN and field Walsh couplings
    (:func:`project_nnn_couplings`). Unlike the NN chain, the NNN ring is not closed under decimation, so the
    truncated model differs from the exact marginal of the UV ring on every :math:`2^n`-th spin. All
    divergences are computed exactly by enumeration and divided by the number ``N`` of UV spins:

    * ``kl_truncation``: :math:`D(p^{\\rm marg}_n\\,\\|\\,q^{\\rm trunc}_n)`, the truncation error;
    * ``kl_projection``: its lower bound :math:`\\min_\\theta D(p^{\\rm marg}_n\\,\\|\\,q_\\theta)` over all NNN
      models (:func:`moment_matched_nnn_couplings`);
    * ``kl_lifted_*``: definition B with the exact marginal or the truncated model lifted by a uniform
      factor. By the chain rule ``kl_lifted_truncated = kl_lifted_exact + kl_truncation``.

    Parameters
    ----------
    N
        UV ring size, ``N <= MAX_ENUMERATION_N``, divisible by ``2**n_steps``, with ``N / 2**n_steps >= 5``.
    K1, K2, h
        UV couplings (finite).
    n_steps
        Number of decimation steps ``>= 1``.
    keep_nnn
        Keep the generated NNN coupling (default) or drop it as well (a cruder truncation to NN + field).
    """
    N = _int(N, "N", 5, MAX_ENUMERATION_N)
    n_steps = _int(n_steps, "n_steps", 1)
    if N % (2**n_steps) or (N >> n_steps) < 5:
        raise ValueError(f"N = {N} must be divisible by 2**n_steps = {2**n_steps} with N / 2**n_steps >= 5")
    th = (float(_real(K1, "K1")), float(_real(K2, "K2")), float(_real(h, "h")))
    lp_uv = nnn_ring_log_probabilities(N, *th)
    sizes, K1s, K2s, hs = [N], [th[0]], [th[1]], [th[2]]
    kl_t, kl_p, kl_le, kl_lt = [0.0], [0.0], [0.0], [0.0]
    cur = th
    for k in range(1, n_steps + 1):
        Mprev, M = N >> (k - 1), N >> k
        lp_prev = nnn_ring_log_probabilities(Mprev, *cur)
        cur = project_nnn_couplings(marginal_log_probabilities(lp_prev, Mprev, 2), M, keep_nnn=keep_nnn)
        lq = nnn_ring_log_probabilities(M, *cur)
        lmarg = marginal_log_probabilities(lp_uv, N, 2**k)
        mm = moment_matched_nnn_couplings(lmarg, M)
        code = _kept_codes(N, 2**k)
        sizes.append(M)
        K1s.append(cur[0])
        K2s.append(cur[1])
        hs.append(cur[2])
        kl_t.append(kl_divergence(lmarg, lq) / N)
        kl_p.append(kl_divergence(lmarg, nnn_ring_log_probabilities(M, *mm)) / N)
        kl_le.append(kl_divergence(lp_uv, lmarg[code] - (N - M) * LN2) / N)
        kl_lt.append(kl_divergence(lp_uv, lq[code] - (N - M) * LN2) / N)
    return TruncatedFlow(np.array(sizes), np.array(K1s), np.array(K2s), np.array(hs),
                         np.array(kl_t), np.array(kl_p), np.array(kl_le), np.array(kl_lt))
