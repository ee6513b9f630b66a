r"""An approximate RG of the 1D Ising ring: decimation of a nearest- plus next-nearest-neighbour ring,
followed by truncation of the generated couplings back to that form.

Conventions as in :mod:`rglib.rg.decimation`: a periodic ring with weight :math:`e^{\mathcal K(s)}`,
:math:`\mathcal K = K_1\sum_i s_i s_{i+1} + K_2\sum_i s_i s_{i+2} + h\sum_i s_i`; distributions over all
``2**N`` states in the enumeration order of :mod:`rglib.ising.enumeration`. The NN ring alone is closed
under decimation (:func:`rglib.rg.decimation.decimate_1d`); the NNN ring is not, so each step generates
longer-ranged and multi-spin couplings, which the truncation drops [1]_.

References
----------
.. [1] D. R. Nelson and M. E. Fisher, "Soluble renormalization groups and scaling fields for low-dimensional
   Ising systems", Ann. Phys. 91, 226-274 (1975).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from .._checks import check_bool, check_int, check_log_array, check_real_array, check_real_scalar
from .._numerics import LN2
from ..entropy import kl_divergence
from ..ising.enumeration import kept_state_codes, magnetizations, ring_bond_sums, walsh_coefficients
from .decimation import MAX_ENUMERATION_N, marginal_log_probabilities

__all__ = [
    "NNNCouplings",
    "nnn_ring_log_probabilities",
    "project_nnn_couplings",
    "MAX_NEWTON_ITERATIONS",
    "moment_matched_nnn_couplings",
    "TruncatedFlow",
    "truncated_nnn_flow",
]

#: Largest number of Newton iterations :func:`moment_matched_nnn_couplings` accepts (each costs
#: ``O(2**M)``; the default 100 is far more than the quadratic convergence needs).
MAX_NEWTON_ITERATIONS = 10_000


class NNNCouplings(NamedTuple):
    """Couplings of a ring with nearest- and next-nearest-neighbour bonds and a field."""

    #: Nearest-neighbour coupling :math:`K_1`.
    K1: float
    #: Next-nearest-neighbour coupling :math:`K_2`.
    K2: float
    #: Field :math:`h`.
    h: float


def _nnn_features(M: int):
    """Per-configuration sums (NN bonds, NNN bonds, magnetization) on a ring of M spins, shape (3, 2**M)."""
    return np.stack([ring_bond_sums(M, 1), ring_bond_sums(M, 2), magnetizations(M)]).astype(np.float64)


def nnn_ring_log_probabilities(N: int, K1: float, K2: float, h: float = 0.0) -> NDArray[np.float64]:
    r"""Log-probabilities of a ring with NN coupling ``K1``, NNN coupling ``K2`` and field ``h`` (enumeration).

    :math:`\ln p(s) = K_1\sum_i s_i s_{i+1} + K_2\sum_i s_i s_{i+2} + h\sum_i s_i - \ln Z` with periodic
    indices.

    Parameters
    ----------
    N : int
        Ring size, ``5 <= N <= MAX_ENUMERATION_N`` (``N >= 5`` so that the NN and NNN bonds are distinct).
    K1, K2, h : float
        Couplings (finite real scalars).

    Returns
    -------
    ndarray, shape ``(2**N,)``

    See Also
    --------
    rglib.rg.decimation.ring_log_probabilities : the NN ring (``K2 = 0``), broadcast over couplings.

    Examples
    --------
    >>> from rglib.rg.decimation import ring_log_probabilities
    >>> print(np.allclose(nnn_ring_log_probabilities(6, 0.7, 0.0, 0.1), ring_log_probabilities(6, 0.7, 0.1)))
    True
    """
    N = check_int(N, "N", 5, MAX_ENUMERATION_N)
    th = np.array([check_real_scalar(K1, "K1"), check_real_scalar(K2, "K2"), check_real_scalar(h, "h")])
    lw = th @ _nnn_features(N)
    return lw - logsumexp(lw)


def project_nnn_couplings(log_w: ArrayLike, M: int, *, keep_nnn: bool = True) -> NNNCouplings:
    r"""Truncation: keep only the NN, NNN and field Walsh couplings of a translation-invariant ring of ``M`` spins.

    With the Walsh expansion :math:`\ln w(s) = \sum_S J_S\prod_{i\in S}s_i`
    (:func:`rglib.ising.walsh_coefficients`), :math:`K_1 = \frac1M\sum_i J_{\{i,i+1\}}`,
    :math:`K_2 = \frac1M\sum_i J_{\{i,i+2\}}` and :math:`h = \frac1M\sum_i J_{\{i\}}` (averages over the ``M``
    translates, equal for a translation-invariant input). All other generated couplings (longer-range pairs,
    four-spin terms, ...) are dropped; with ``keep_nnn=False`` the NNN coupling is dropped too (``K2 = 0``).

    Parameters
    ----------
    log_w : array_like, shape ``(2**M,)``
        Log-weights of the ``2**M`` states (any normalisation; finite reals).
    M : int
        Ring size, ``5 <= M <= MAX_ENUMERATION_N``.
    keep_nnn : bool
        Keep the NNN coupling.

    Returns
    -------
    NNNCouplings

    See Also
    --------
    moment_matched_nnn_couplings : the NNN ring closest in relative entropy (a different projection).

    Examples
    --------
    >>> lw = np.log(2) + nnn_ring_log_probabilities(6, 0.7, -0.3, 0.2)
    >>> print(np.round(project_nnn_couplings(lw, 6), 12))
    [ 0.7 -0.3  0.2]
    """
    M = check_int(M, "M", 5, MAX_ENUMERATION_N)
    keep_nnn = check_bool(keep_nnn, "keep_nnn")
    lw = check_real_array(log_w, "log_w")
    if lw.shape != (2**M,):
        raise ValueError(f"log_w must have shape (2**M,) = ({2**M},); got {lw.shape}")
    J = walsh_coefficients(lw)
    sites = np.arange(M)
    bit = lambda j: np.left_shift(1, M - 1 - (j % M))  # noqa: E731  (bit of spin j, enumeration convention)
    K1 = float(np.mean(J[bit(sites) | bit(sites + 1)]))
    K2 = float(np.mean(J[bit(sites) | bit(sites + 2)]))
    h = float(np.mean(J[bit(sites)]))
    return NNNCouplings(K1, K2 if keep_nnn else 0.0, h)


def _moment_matched_iv(log_p, M, tol, max_iter):
    M = check_int(M, "M", 5, MAX_ENUMERATION_N)
    lp = check_log_array(log_p, "log_p")
    if lp.shape != (2**M,):
        raise ValueError(f"log_p must have shape (2**M,) = ({2**M},); got {lp.shape}")
    if not np.isclose(logsumexp(lp), 0.0, atol=1e-9):
        raise ValueError(f"log_p must be normalised (logsumexp(log_p) = 0); got {float(logsumexp(lp)):.3g}")
    tol = check_real_scalar(tol, "tol", lower=0.0, lower_strict=True, upper=1.0, what="0 < tol <= 1")
    max_iter = check_int(max_iter, "max_iter", 1, MAX_NEWTON_ITERATIONS)
    return lp, M, tol, max_iter


def moment_matched_nnn_couplings(log_p: ArrayLike, M: int, *, tol: float = 1e-12,
                                 max_iter: int = 100) -> NNNCouplings:
    r"""The NNN-ring couplings closest to ``p`` in KL: :math:`\arg\min_\theta D(p\,\|\,q_\theta)`.

    For the exponential family :math:`q_\theta \propto e^{\theta\cdot\phi}` with
    :math:`\phi = (\sum s_is_{i+1}, \sum s_is_{i+2}, \sum s_i)` the minimiser matches moments,
    :math:`\langle\phi\rangle_{q_\theta} = \langle\phi\rangle_p`; solved by damped Newton iteration with the
    exact Hessian :math:`\mathrm{Cov}_{q_\theta}(\phi)` (by enumeration of the ``2**M`` states) until
    :math:`\max|\langle\phi\rangle_{q_\theta} - \langle\phi\rangle_p| < \mathrm{tol}\cdot M`. Directions in
    which :math:`\phi` has no variance (e.g. the field of a symmetric ``p``) are left at the start value 0.

    Parameters
    ----------
    log_p : array_like, shape ``(2**M,)``
        Normalised log-probabilities (finite or ``-inf``).
    M : int
        Ring size, ``5 <= M <= MAX_ENUMERATION_N``.
    tol : float
        Tolerance on the moments per site, ``0 < tol <= 1``.
    max_iter : int
        Newton iterations, ``1 <= max_iter <= MAX_NEWTON_ITERATIONS``.

    Returns
    -------
    NNNCouplings

    Raises
    ------
    RuntimeError
        If the moments are not matched to ``tol`` within ``max_iter`` iterations (e.g. a ``p`` on the
        boundary of the family, whose couplings are infinite).

    See Also
    --------
    project_nnn_couplings : the truncation of the Walsh couplings (not KL-optimal).

    Examples
    --------
    >>> lp = nnn_ring_log_probabilities(8, 0.8, 0.25, -0.1)
    >>> print(np.round(moment_matched_nnn_couplings(lp, 8), 10))
    [ 0.8   0.25 -0.1 ]
    """
    lp, M, tol, max_iter = _moment_matched_iv(log_p, M, tol, max_iter)
    F = _nnn_features(M)
    target = F @ np.exp(lp)
    th = np.zeros(3)
    for _ in range(max_iter + 1):  # the last pass only checks the gradient of the final iterate
        lq = th @ F
        lq = lq - logsumexp(lq)
        q = np.exp(lq)
        mean = F @ q
        grad = mean - target
        if np.max(np.abs(grad)) < tol * M:
            return NNNCouplings(float(th[0]), float(th[1]), float(th[2]))
        if _ == max_iter:
            break
        C = (F * q) @ F.T - np.outer(mean, mean)
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
    raise RuntimeError(f"moment_matched_nnn_couplings did not reach tol = {tol:g} in max_iter = {max_iter} "
                       f"iterations (largest moment error per site {np.max(np.abs(grad)) / M:.3g}); "
                       "raise max_iter or tol")


class TruncatedFlow(NamedTuple):
    """Result of :func:`truncated_nnn_flow`; entries indexed by the step ``n = 0 .. n_steps``."""

    #: Ring size :math:`N_n = N / 2^n`.
    sizes: NDArray[np.int64]
    #: Truncated NN coupling.
    K1: NDArray[np.float64]
    #: Truncated NNN coupling.
    K2: NDArray[np.float64]
    #: Truncated field.
    h: NDArray[np.float64]
    #: :math:`D(\text{exact marginal}_n\,\|\,\text{truncated model}_n)`, per UV site.
    kl_truncation: NDArray[np.float64]
    #: :math:`\min_\theta D(\text{exact marginal}_n\,\|\,q_\theta)` over NNN models, per UV site.
    kl_projection: NDArray[np.float64]
    #: :math:`D(p_{\rm UV}\,\|\,\text{lifted exact marginal}_n)`, per UV site (definition B).
    kl_lifted_exact: NDArray[np.float64]
    #: :math:`D(p_{\rm UV}\,\|\,\text{lifted truncated model}_n)`, per UV site.
    kl_lifted_truncated: NDArray[np.float64]


def _truncated_nnn_flow_iv(N, K1, K2, h, n_steps, keep_nnn):
    N = check_int(N, "N", 5, MAX_ENUMERATION_N)
    n_steps = check_int(n_steps, "n_steps", 1, MAX_ENUMERATION_N)
    if N % (2**n_steps) or (N >> n_steps) < 5:
        raise ValueError(f"N must be divisible by 2**n_steps = {2**n_steps} with N / 2**n_steps >= 5; got N = {N}")
    th = (check_real_scalar(K1, "K1"), check_real_scalar(K2, "K2"), check_real_scalar(h, "h"))
    return N, th, n_steps, check_bool(keep_nnn, "keep_nnn")


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
    N : int
        UV ring size, ``N <= MAX_ENUMERATION_N``, divisible by ``2**n_steps``, with ``N / 2**n_steps >= 5``.
    K1, K2, h : float
        UV couplings (finite).
    n_steps : int
        Number of decimation steps ``>= 1``.
    keep_nnn : bool
        Keep the generated NNN coupling (default) or drop it as well (a cruder truncation to NN + field).

    Returns
    -------
    TruncatedFlow

    See Also
    --------
    rglib.rg.decimation.decimation_flow : the exact flow of the NN ring (``K2 = 0``), which needs no truncation.

    Examples
    --------
    >>> tf = truncated_nnn_flow(10, 0.8, 0.3, 0.0, n_steps=1)
    >>> print(tf.sizes, np.round(tf.K1, 4), np.round(tf.K2, 4))
    [10  5] [0.8   0.878] [0.3    0.0883]
    >>> print(bool(tf.kl_truncation[1] >= tf.kl_projection[1] > 0))
    True
    """
    N, th, n_steps, keep_nnn = _truncated_nnn_flow_iv(N, K1, K2, h, n_steps, keep_nnn)
    lp_uv = nnn_ring_log_probabilities(N, *th)
    sizes, K1s, K2s, hs = [N], [th[0]], [th[1]], [th[2]]
    kl_t, kl_p, kl_le, kl_lt = [0.0], [0.0], [0.0], [0.0]
    cur = th
    for k in range(1, n_steps + 1):  # a loop over RG steps (at most 2); each step is vectorised
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
