r"""Exact distributions of small RBMs over all states, and their comparison with data up to hidden relabelling.

For an RBM (see :mod:`rglib.nets.rbm`) with few units every distribution can be listed state by state, in the
library's enumeration order (state code ``i`` has unit ``j`` equal to -1, or 0 for binary units, iff bit
``n-1-j`` of ``i`` is set; :mod:`rglib.ising.enumeration`):

* the visible marginal :math:`p(v) = e^{-F(v)}/Z`, :math:`F(v) = -a^\top v - \sum_a \ln\sum_{h_a} e^{h_a\phi_a(v)}`;
* the hidden marginal :math:`p(h) = e^{-G(h)}/Z`, :math:`G(h) = -b^\top h - \sum_i \ln\sum_{v_i} e^{v_i\psi_i(h)}`;
* the *encoded* data distribution :math:`q(h) = \sum_v p_{\rm data}(v)\,p(h\mid v)`, the distribution of the
  hidden layer when the RBM's encoder is applied to the data (equal to :math:`p(h)` iff the RBM's visible marginal
  is the data distribution).

Hidden units are interchangeable and each is defined up to its sign, so a hidden distribution is compared with a
target (e.g. a block-spin distribution) after the best relabelling: :func:`relabeled_kl` minimises
:math:`D(q\,\|\,p\circ g)` over the :math:`n!\,2^n` permutations and sign flips ``g`` of ``n`` spins.

References
----------
.. [1] P. Mehta, D. J. Schwab, "An exact mapping between the variational renormalization group and deep
   learning", arXiv:1410.3831 (2014).
"""
from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np
import torch
from scipy.special import logsumexp

from .._checks import check_int
from .rbm import RBM, _check_rbm, _log_norm, _states, rbm_log_partition

__all__ = [
    "MAX_LISTED_UNITS",
    "MAX_RELABELED_SPINS",
    "rbm_visible_log_probabilities",
    "rbm_hidden_log_probabilities",
    "encoded_hidden_log_probabilities",
    "RelabeledKL",
    "relabeled_kl",
]

#: Largest layer whose ``2**n`` log-probabilities are listed (``2**22`` float64 = 32 MiB).
MAX_LISTED_UNITS = 22
#: Largest number of spins for :func:`relabeled_kl` (``6! 2**6 = 46080`` relabellings).
MAX_RELABELED_SPINS = 6

#: Bound on the terms 2**(n_visible + n_hidden) * n_hidden of :func:`encoded_hidden_log_probabilities`.
_MAX_ENCODER_TERMS = 2.0**40


def _listed(rbm: RBM, layer: str) -> tuple[RBM, int]:
    rbm = _check_rbm(rbm)
    n = rbm.W.shape[0 if layer == "visible" else 1]
    if n > MAX_LISTED_UNITS:
        raise ValueError(f"the {layer} layer of rbm has {n} units; listing its 2**n states needs n <= "
                         f"MAX_LISTED_UNITS = {MAX_LISTED_UNITS}")
    return rbm, n


def rbm_visible_log_probabilities(rbm: RBM) -> np.ndarray:
    r""":math:`\ln p(v)` of every visible state (float64, length ``2**n_visible``, enumeration order).

    Examples
    --------
    >>> from rglib.nets.rbm import init_rbm
    >>> lp = rbm_visible_log_probabilities(init_rbm(3, 2, seed=0))
    >>> lp.shape, round(float(np.exp(lp).sum()), 12)
    ((8,), 1.0)
    """
    rbm, n = _listed(rbm, "visible")
    W, a, b = (t.to(torch.float64) for t in rbm[:3])
    v = _states(n, 0, 2**n, rbm.units, torch.float64, W.device)
    neg_f = v @ a + _log_norm(rbm.units, v @ W + b).sum(dim=1)
    return (neg_f - rbm_log_partition(RBM(W, a, b, rbm.units))).cpu().numpy()


def rbm_hidden_log_probabilities(rbm: RBM) -> np.ndarray:
    r""":math:`\ln p(h)` of every hidden state (float64, length ``2**n_hidden``, enumeration order).

    Examples
    --------
    >>> from rglib.nets.rbm import init_rbm
    >>> rbm = init_rbm(3, 2, seed=0)._replace(W=torch.zeros(3, 2, dtype=torch.float64))
    >>> np.allclose(rbm_hidden_log_probabilities(rbm), np.log(0.25))
    True
    """
    rbm, n = _listed(rbm, "hidden")
    W, a, b = (t.to(torch.float64) for t in rbm[:3])
    h = _states(n, 0, 2**n, rbm.units, torch.float64, W.device)
    neg_g = h @ b + _log_norm(rbm.units, h @ W.T + a).sum(dim=1)
    return (neg_g - rbm_log_partition(RBM(W, a, b, rbm.units))).cpu().numpy()


def encoded_hidden_log_probabilities(rbm: RBM, log_p_visible, *, chunk_size: int = 2**14) -> np.ndarray:
    r""":math:`\ln q(h)` with :math:`q(h) = \sum_v p_{\rm data}(v)\,p(h\mid v)`, for every hidden state.

    Parameters
    ----------
    rbm : RBM
    log_p_visible : array_like, shape ``(2**n_visible,)``
        :math:`\ln p_{\rm data}(v)` in enumeration order (``-inf`` allowed), normalised.
    chunk_size : int
        Visible states per chunk.

    Examples
    --------
    The encoder of an RBM without couplings ignores the data:

    >>> from rglib.nets.rbm import init_rbm
    >>> rbm = init_rbm(2, 1, seed=0)._replace(W=torch.zeros(2, 1, dtype=torch.float64))
    >>> np.exp(encoded_hidden_log_probabilities(rbm, np.log([0.7, 0.1, 0.1, 0.1]))).round(12).tolist()
    [0.5, 0.5]
    """
    rbm, nv = _listed(rbm, "visible")
    _, nh = _listed(rbm, "hidden")
    terms = 2.0 ** (nv + nh) * nh
    if terms > _MAX_ENCODER_TERMS:
        raise ValueError(f"q(h) of an rbm with {nv} visible and {nh} hidden units sums about {terms:.3g} terms "
                         f"(2**(n_visible + n_hidden) * n_hidden), more than the bound {_MAX_ENCODER_TERMS:.0e}")
    lp = _log_probabilities(log_p_visible, "log_p_visible")
    if lp.shape != (2**nv,):
        raise ValueError(f"log_p_visible must have shape (2**n_visible,) = ({2**nv},); got {lp.shape}")
    if abs(logsumexp(lp)) > 1e-6:
        raise ValueError(f"log_p_visible must be normalised (ln sum p = {logsumexp(lp):.3g}, not 0)")
    chunk = check_int(chunk_size, "chunk_size", 1)
    W, b = rbm.W.to(torch.float64), rbm.b.to(torch.float64)
    h = _states(nh, 0, 2**nh, rbm.units, torch.float64, W.device)  # (2**nh, nh)
    acc = np.full(2**nh, -np.inf)
    for start in range(0, 2**nv, chunk):
        stop = min(2**nv, start + chunk)
        v = _states(nv, start, stop, rbm.units, torch.float64, W.device)
        phi = v @ W + b  # (B, nh)
        # ln p(h | v) = sum_a [h_a phi_a - ln sum_{h_a} e^{h_a phi_a}]
        log_cond = phi @ h.T - _log_norm(rbm.units, phi).sum(dim=1, keepdim=True)  # (B, 2**nh)
        terms = torch.from_numpy(lp[start:stop]).to(W.device)[:, None] + log_cond
        acc = np.logaddexp(acc, torch.logsumexp(terms, dim=0).cpu().numpy())
    return acc


class RelabeledKL(NamedTuple):
    """Result of :func:`relabeled_kl`."""

    #: :math:`\min_g D(p\,\|\,q\circ g)` in nats.
    kl: float
    #: The minimising permutation: spin ``j`` of ``q`` is read from spin ``permutation[j]`` of ``p``'s state.
    permutation: np.ndarray
    #: The minimising signs (+-1) applied after the permutation.
    signs: np.ndarray
    #: :math:`D(p\,\|\,q)` without relabelling.
    kl_identity: float


def _relabeled_codes(n: int) -> tuple[np.ndarray, list[tuple[int, ...]], np.ndarray]:
    """For every relabelling g = (perm, signs): the code of g(s) for every state code s, shape (n! 2**n, 2**n)."""
    codes = np.arange(2**n, dtype=np.int64)
    bits = (codes[:, None] >> np.arange(n - 1, -1, -1)) & 1  # (2**n, n): 1 <-> spin -1
    weights = 1 << np.arange(n - 1, -1, -1)
    perms = list(itertools.permutations(range(n)))
    flips = ((np.arange(2**n)[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(np.int64)  # (2**n, n)
    out = np.empty((len(perms), 2**n, 2**n), dtype=np.int64)
    for k, p in enumerate(perms):  # at most 720 permutations of at most 6 bits
        permuted = bits[:, list(p)]
        out[k] = ((permuted[None, :, :] ^ flips[:, None, :]) @ weights)
    return out.reshape(-1, 2**n), perms, 1 - 2 * flips


def _log_probabilities(x, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{name} must be a real array of log-probabilities; got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if np.any(np.isnan(arr)) or np.any(np.isposinf(arr)):
        raise ValueError(f"{name} must not contain NaN or +inf")
    return arr


def relabeled_kl(log_p, log_q) -> RelabeledKL:
    r"""Smallest :math:`D(p\,\|\,q\circ g)` over all permutations and sign flips ``g`` of the ``n`` spins.

    :math:`(q\circ g)(s) = q(g s)` with :math:`(g s)_j = \sigma_j\,s_{\pi(j)}`. Use it to compare an RBM's hidden
    distribution with a block-spin distribution: the RBM does not know which hidden unit is which block, nor
    the sign convention of each unit.

    Parameters
    ----------
    log_p, log_q : array_like, shape ``(2**n,)``
        Normalised log-probabilities in enumeration order, ``1 <= n <= MAX_RELABELED_SPINS``.

    Examples
    --------
    >>> q = np.log([0.4, 0.3, 0.2, 0.1])
    >>> r = relabeled_kl(q[[3, 2, 1, 0]], q)   # q with both spins flipped
    >>> round(r.kl, 12), r.permutation.tolist(), r.signs.tolist(), round(r.kl_identity, 3)
    (0.0, [0, 1], [-1, -1], 0.456)
    """
    from ..entropy import kl_divergence

    lp, lq = _log_probabilities(log_p, "log_p"), _log_probabilities(log_q, "log_q")
    if lp.ndim != 1 or lq.shape != lp.shape:
        raise ValueError(f"log_p and log_q must be 1-D arrays of the same length 2**n; got {lp.shape}, {lq.shape}")
    n = int(round(np.log2(lp.size))) if lp.size else 0
    if lp.size != 2**n or not 1 <= n <= MAX_RELABELED_SPINS:
        raise ValueError(f"log_p must have length 2**n with 1 <= n <= MAX_RELABELED_SPINS = "
                         f"{MAX_RELABELED_SPINS}; got length {lp.size}")
    codes, perms, signs = _relabeled_codes(n)
    kls = kl_divergence(lp[None, :], lq[codes])
    best = int(np.argmin(kls))
    k_perm, k_sign = divmod(best, 2**n)
    return RelabeledKL(float(kls[best]), np.array(perms[k_perm]), signs[k_sign].copy(),
                       float(kl_divergence(lp, lq)))
