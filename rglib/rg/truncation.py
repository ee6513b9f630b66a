r"""An approximate RG of the 1D Ising ring: decimation of a nearest- plus next-nearest-neighbour ring,
followed by truncation of the generated couplings back to that form.

Conventions as in :mod:`rglib.rg.decimation`: a periodic ring with weight :math:`e^{\mathcal K(s)}`,
:math:`\mathcal K = K_1\sum_i s_i s_{i+1} + K_2\sum_i s_i s_{i+2} + h\sum_i s_i`; distributions over all
``2**N`` states in the enumeration order of :mod:`rglib.ising.enumeration`.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from .._checks import check_int as _int
from .._checks import check_real_array as _real
from .._numerics import LN2
from ..entropy import kl_divergence
from ..ising.enumeration import kept_state_codes, magnetizations, ring_bond_sums, walsh_coefficients
from .decimation import MAX_ENUMERATION_N, marginal_log_probabilities, ring_log_probabilities

__all__ = [
    "nnn_ring_log_probabilities",
    "project_nnn_couplings",
    "moment_matched_nnn_couplings",
    "TruncatedFlow",
    "truncated_nnn_flow",
]


def _nnn_features(M: int):
    """Per-configuration sums (NN bonds, NNN bonds, magnetization) on a ring of M spins, shape (3, 2**M)."""
    return np.stack([ring_bond_sums(M, 1), ring_bond_sums(M, 2), magnetizations(M)]).astype(np.float64)


def nnn_ring_log_probabilities(N: int, K1: float, K2: float, h: float = 0.0) -> NDArray[np.float64]:
    r"""Log-probabilities of a ring with NN coupling ``K1``, NNN coupling ``K2`` and field ``h`` (enumeration).

    :math:`-E = K_1\sum_i s_i s_{i+1} + K_2\sum_i s_i s_{i+2} + h\sum_i s_i` with periodic indices; ``N >= 5``
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
    r"""The NNN-ring couplings closest to ``p`` in KL: :math:`\arg\min_\theta D(p\,\|\,q_\theta)`.

    For the exponential family :math:`q_\theta \propto e^{\theta\cdot\phi}` with
    :math:`\phi = (\sum s_is_{i+1}, \sum s_is_{i+2}, \sum s_i)` the minimiser matches moments,
    :math:`\langle\phi\rangle_{q_\theta} = \langle\phi\rangle_p`; solved by Newton's method with the exact
    Hessian :math:`\mathrm{Cov}_{q_\theta}(\phi)` (by enumeration of the ``2**M`` states). Directions in which
    :math:`\phi` has no variance (e.g. the field of a symmetric ``p``) are left at the start value 0.

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
    r"""Approximate RG: decimate a NN+NNN ring (``b = 2``) and truncate to NN, NNN and field couplings.

    Step ``n -> n+1``: take the truncated model of step ``n`` (a ring of :math:`N_n` spins), compute its exact
    marginal on the even sites by enumeration, and keep only its NN, NNN and field Walsh couplings
    (:func:`project_nnn_couplings`). Unlike the NN chain, the NNN ring is not closed under decimation, so the
    truncated model differs from the exact marginal of the UV ring on every :math:`2^n`-th spin. All
    divergences are computed exactly by enumeration and divided by the number ``N`` of UV spins:

    * ``kl_truncation``: :math:`D(p^{\rm marg}_n\,\|\,q^{\rm trunc}_n)`, the truncation error;
    * ``kl_projection``: its lower bound :math:`\min_\theta D(p^{\rm marg}_n\,\|\,q_\theta)` over all NNN
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
        code = kept_state_codes(N, 2**k)
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
