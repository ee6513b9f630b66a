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

from .._checks import check_int, numpy_generator

__all__ = ["block_average", "block_majority", "visible_coarse_correlators"]


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
    total = blocks.astype(np.int32).sum(axis=(-3, -1))
    out = np.sign(total).astype(np.int8)
    ties = total == 0
    if np.any(ties):
        coins = numpy_generator(seed).integers(0, 2, size=int(ties.sum()), dtype=np.int8)
        out[ties] = 2 * coins - 1
    return out


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
    V = np.asarray(v, dtype=np.float64)
    H = np.asarray(h, dtype=np.float64)
    if V.ndim < 2 or H.ndim < 2:
        raise ValueError(f"v and h must have a leading sample axis; got shapes {V.shape} and {H.shape}")
    if V.shape[0] != H.shape[0] or V.shape[0] < 1:
        raise ValueError(f"v and h must hold the same number (>= 1) of samples; got {V.shape[0]} and {H.shape[0]}")
    V = V.reshape(V.shape[0], -1)
    H = H.reshape(H.shape[0], -1)
    if not (np.all(np.isfinite(V)) and np.all(np.isfinite(H))):
        raise ValueError("v and h must be finite")
    return H.T @ V / V.shape[0]
