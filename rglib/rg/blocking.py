r"""Block-spin RG on configuration arrays, and the visible-coarse correlators that compare it with an RBM.

A configuration batch ``spins`` of shape ``(..., L1, L2)`` (values +-1) is cut into non-overlapping
``b x b`` blocks; block ``(I, J)`` holds the sites ``(b I + i, b J + j)``, ``0 <= i, j < b``. Two rules:

* **block average** :math:`s'_{IJ} = b^{-2}\sum_{i,j} s_{bI+i,\,bJ+j}` (real values in :math:`[-1, 1]`; the rule
  de Mello Koch et al. compare with an RBM's hidden layer);
* **majority rule** :math:`s'_{IJ} = \operatorname{sign}\sum_{i,j} s_{bI+i,\,bJ+j}`, a tie (possible for even
  ``b``) broken by a fair coin drawn from ``seed``.

Coarse spins are numbered row-major on the ``(L1/b, L2/b)`` grid, visible spins row-major on ``(L1, L2)``, which is
the layout of :func:`visible_coarse_correlators`.

References
----------
.. [1] L. P. Kadanoff, "Scaling laws for Ising models near T_c", Physics 2, 263 (1966).
.. [2] E. de Mello Koch, R. de Mello Koch, L. Cheng, "Is deep learning a renormalization group flow?",
   IEEE Access 8, 106487 (2020).
"""
from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from .._checks import check_int, check_real_array, numpy_generator
from ..ising.enumeration import all_spin_configurations, iter_spin_configurations

__all__ = ["MAX_BLOCKED_SPINS", "block_average", "block_majority", "block_majority_log_probabilities",
           "visible_coarse_correlators"]

#: Largest lattice (number of sites) whose exact block-spin distribution :func:`block_majority_log_probabilities`
#: computes by summing over all ``2**N`` configurations.
MAX_BLOCKED_SPINS = 24


def _blocks(spins, b, name: str = "spins") -> tuple[np.ndarray, int]:
    s = np.asarray(spins)
    if not np.issubdtype(s.dtype, np.integer):
        raise TypeError(f"{name} must be an integer array of +-1 (e.g. int8); got dtype {s.dtype}")
    if s.ndim < 2:
        raise ValueError(f"{name} must have shape (..., L1, L2); got shape {s.shape}")
    b = check_int(b, "b", 1)
    L1, L2 = s.shape[-2:]
    if L1 % b or L2 % b or L1 == 0 or L2 == 0:
        raise ValueError(f"the block size b = {b} must divide both lattice sides; got {L1} x {L2}")
    if s.size and not np.all((s == 1) | (s == -1)):
        raise ValueError(f"{name} must contain only +1 and -1")
    return s.reshape(*s.shape[:-2], L1 // b, b, L2 // b, b), b


def block_average(spins, b: int = 2) -> np.ndarray:
    r"""Block averages :math:`s'_{IJ} = b^{-2}\sum_{i,j<b} s_{bI+i,\,bJ+j}`, shape ``(..., L1/b, L2/b)``, float64.

    Examples
    --------
    >>> s = np.array([[1, 1, -1, -1], [1, -1, -1, -1]], dtype=np.int8)
    >>> block_average(s, 2)
    array([[ 0.5, -1. ]])
    """
    blocks, _ = _blocks(spins, b)
    return blocks.astype(np.float64).mean(axis=(-3, -1))


def block_majority(spins, b: int = 2, *, seed=None) -> np.ndarray:
    r"""Majority-rule block spins, shape ``(..., L1/b, L2/b)``, int8; ties broken by fair coins from ``seed``.

    For odd ``b`` there are no ties and ``seed`` is unused.

    Examples
    --------
    >>> s = np.array([[1, 1, -1, -1], [1, -1, -1, 1]], dtype=np.int8)
    >>> block_majority(s, 2, seed=0)[0, 0]
    np.int8(1)
    """
    blocks, b = _blocks(spins, b)
    rng = numpy_generator(seed)  # checked even when no block is tied
    total = blocks.astype(np.int32).sum(axis=(-3, -1))
    out = np.sign(total).astype(np.int8)
    ties = total == 0
    if np.any(ties):
        coins = rng.integers(0, 2, size=int(ties.sum()), dtype=np.int8)
        out[ties] = 2 * coins - 1
    return out


def block_majority_log_probabilities(log_p, shape, b: int = 2, *, chunk_size: int = 2**14) -> np.ndarray:
    r"""Exact distribution of the majority-rule block spins, from a distribution over all lattice configurations.

    .. math::
        p'(s') = \sum_s p(s) \prod_{I} P(s'_I \mid s_{\text{block } I}),\qquad
        P(s'_I = \pm1 \mid \cdot) = 1,\ \tfrac12,\ 0 \text{ for } \pm\textstyle\sum_{\text{block}} s > 0,\ = 0,\ < 0,

    the fair tie-breaking of :func:`block_majority` averaged exactly.

    Parameters
    ----------
    log_p : array_like, shape ``(2**(L1 L2),)``
        :math:`\ln p(s)` of every configuration of the ``L1 x L2`` lattice, sites row-major, in the library's
        enumeration order (:mod:`rglib.ising.enumeration`); ``-inf`` allowed; normalised.
    shape : (int, int)
        ``(L1, L2)`` with ``L1 L2 <= MAX_BLOCKED_SPINS``.
    b : int
        Block side; must divide ``L1`` and ``L2``.
    chunk_size : int
        Configurations per chunk.

    Returns
    -------
    ndarray, shape ``(2**(L1 L2 / b^2),)``
        :math:`\ln p'(s')`, coarse sites row-major on the ``(L1/b, L2/b)`` grid, enumeration order.

    Examples
    --------
    Independent fair spins give independent fair block spins (a tie is a coin flip):

    >>> lp = np.full(2**8, -8 * np.log(2.0))
    >>> np.exp(block_majority_log_probabilities(lp, (2, 4), 2)).round(12).tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    if not (isinstance(shape, (tuple, list)) and len(shape) == 2):
        raise TypeError(f"shape must be a pair (L1, L2); got {shape!r}")
    L1, L2 = (check_int(x, "shape", 1) for x in shape)
    b = check_int(b, "b", 1)
    if L1 % b or L2 % b:
        raise ValueError(f"the block size b = {b} must divide both lattice sides of shape = ({L1}, {L2})")
    n = L1 * L2
    if n > MAX_BLOCKED_SPINS:
        raise ValueError(f"L1 * L2 must be <= MAX_BLOCKED_SPINS = {MAX_BLOCKED_SPINS}; got {n}")
    lp = np.asarray(log_p)
    if not (np.issubdtype(lp.dtype, np.floating) or np.issubdtype(lp.dtype, np.integer)):
        raise TypeError(f"log_p must be a real array; got dtype {lp.dtype}")
    lp = lp.astype(np.float64)
    if lp.shape != (2**n,):
        raise ValueError(f"log_p must have shape (2**(L1*L2),) = ({2**n},); got {lp.shape}")
    if np.any(np.isnan(lp)) or np.any(np.isposinf(lp)):
        raise ValueError("log_p must not contain NaN or +inf")
    if abs(logsumexp(lp)) > 1e-6:
        raise ValueError(f"log_p must be normalised (ln sum p = {logsumexp(lp):.3g}, not 0)")
    m = n // (b * b)
    if n + m > 30:
        raise ValueError(f"the sum has 2**(N + N/b^2) = 2**{n + m} terms; at most 2**30 are allowed "
                         f"(use a larger b or a smaller lattice)")
    chunk = min(check_int(chunk_size, "chunk_size", 1), max(1, 2**22 // (2**m * m)))
    up = all_spin_configurations(m) == 1  # (2**m, m): coarse spin I is +1
    acc = np.full(2**m, -np.inf)
    start = 0
    for s in iter_spin_configurations(n, chunk):
        sums = s.reshape(-1, L1 // b, b, L2 // b, b).sum(axis=(2, 4), dtype=np.int32).reshape(len(s), m)
        p_up = np.where(sums > 0, 1.0, np.where(sums < 0, 0.0, 0.5))  # (B, m)
        cond = np.where(up[None, :, :], p_up[:, None, :], 1.0 - p_up[:, None, :]).prod(axis=2)  # (B, 2**m)
        with np.errstate(divide="ignore"):
            terms = lp[start:start + len(s), None] + np.log(cond)
        acc = np.logaddexp(acc, logsumexp(terms, axis=0))
        start += len(s)
    return acc


def visible_coarse_correlators(v, h) -> np.ndarray:
    r"""Correlators :math:`C_{ia} = \langle v_i h_a\rangle = \frac{1}{N_s}\sum_k v_i^{(k)} h_a^{(k)}`.

    Parameters
    ----------
    v : array_like, shape ``(N_s, n_v)`` or ``(N_s, L1, L2)``
        Visible configurations (flattened row by row if given as lattices).
    h : array_like, shape ``(N_s, n_h)`` or ``(N_s, l1, l2)``
        Coarse variables for the same samples: RBM hidden outputs or block spins.

    Returns
    -------
    ndarray, shape ``(n_h, n_v)``
        Row ``a`` is hidden unit ``a``'s correlator map over the visible sites (reshape to ``(L1, L2)``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> s = rng.choice(np.array([-1, 1], dtype=np.int8), size=(500, 4, 4))
    >>> C = visible_coarse_correlators(s, block_average(s, 2))
    >>> C.shape, round(float(C[0].reshape(4, 4)[0, 0]), 1)
    ((4, 16), 0.2)
    """
    V = check_real_array(v, "v")
    H = check_real_array(h, "h")
    if V.ndim < 2 or H.ndim < 2:
        raise ValueError(f"v and h must have a leading sample axis; got shapes {V.shape} and {H.shape}")
    if V.shape[0] != H.shape[0] or V.shape[0] < 1:
        raise ValueError(f"v and h must hold the same number (>= 1) of samples; got {V.shape[0]} and {H.shape[0]}")
    V = V.reshape(V.shape[0], -1)
    H = H.reshape(H.shape[0], -1)
    if not (np.all(np.isfinite(V)) and np.all(np.isfinite(H))):
        raise ValueError("v and h must be finite")
    return H.T @ V / V.shape[0]
