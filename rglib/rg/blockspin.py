r"""Exact block-spin RG on small systems: renormalized Hamiltonian, cumulant decomposition, Walsh ranges, RSMI.

Conventions
-----------
* Reduced Hamiltonians: :math:`p(x) = e^{\mathcal K(x)}/Z` (``K = beta J``, ``h = beta H``), so a
  ferromagnetic ring has :math:`\mathcal K(x) = K\sum_i x_i x_{i+1} + h\sum_i x_i`.
* A function of ``n`` spins is a float64 array of length ``2**n`` in the enumeration order of
  :mod:`rglib.ising.enumeration` (state 0 is all ``+1``; spin ``k`` is bit ``n-1-k`` of the index, bit 0
  meaning ``+1``). Reshaped to ``(2,) * n`` its axis ``k`` is spin ``k``.
* Blocks are ``b`` consecutive sites, block ``j`` = sites ``b j, ..., b j + b - 1``; there is one coarse spin
  :math:`\chi'_j = \pm1` per block. A *block rule* is a table ``T`` of shape ``(2**b, 2)`` with
  ``T[s, c] = P(chi'_j | block state s)``, ``c = 0`` for :math:`\chi'_j=+1`; the full rule factorizes,
  :math:`P(\chi'\mid x) = \prod_j T[s_j(x), c_j(\chi')]`.
* The renormalized Hamiltonian is defined by :math:`e^{\mathcal K'(\chi')} = \sum_x P(\chi'\mid x)\,
  e^{\mathcal K(x)}`; since :math:`\sum_{\chi'}P(\chi'\mid x)=1` the partition function is unchanged.
* Walsh (Fourier) couplings over ``n`` coarse spins: :math:`\mathcal K'(\chi') = \sum_S J_S\prod_{k\in S}
  \chi'_k`, the subset ``S`` encoded as a bit mask with the same bit convention as configurations.

The cumulant series of the inter-block term is in :mod:`rglib.rg.cumulants`.

References
----------
.. [1] P. M. Lenggenhager, D. E. Gokmen, Z. Ringel, S. D. Huber and M. Koch-Janusz, "Optimal renormalization
   group transformation from information theory", Phys. Rev. X 10, 011037 (2020).
.. [2] M. Koch-Janusz and Z. Ringel, "Mutual information, neural networks and the renormalization group",
   Nature Phys. 14, 578-582 (2018).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from .._checks import check_int, check_real_array, check_real_scalar
from ..entropy import mutual_information
from ..ising.enumeration import all_spin_configurations, magnetizations, ring_bond_sums

__all__ = [
    "MAX_SPINS",
    "MAX_BLOCK_SIZE",
    "tanh_block_rule",
    "decimation_block_rule",
    "majority_block_rule",
    "ring_hamiltonian",
    "RingBlockSplit",
    "ring_block_split",
    "renormalized_hamiltonian",
    "CumulantDecomposition",
    "cumulant_decomposition",
    "ring_subset_ranges",
    "coupling_weight_by_range",
    "block_environment_mutual_information",
]

#: Largest number of fine spins handled by exact enumeration (2**22 float64 = 32 MB).
MAX_SPINS = 22
#: Largest block of a block rule (a table of 2**12 rows).
MAX_BLOCK_SIZE = 12


# ---------------------------------------------------------------------------------------------
# checks (thin domain wrappers of rglib._checks)
# ---------------------------------------------------------------------------------------------
def _n_from_size(size: int, name: str) -> int:
    """``n`` for an array of ``2**n`` entries (``1 <= n <= MAX_SPINS``), else a ``ValueError`` naming ``name``."""
    n = int(size).bit_length() - 1
    if size < 2 or 2**n != size:
        raise ValueError(f"{name} must have length 2**n (one entry per spin configuration); got {size}")
    if n > MAX_SPINS:
        raise ValueError(f"{name} describes n = {n} spins; exact enumeration allows n <= {MAX_SPINS}")
    return n


def _function_of_spins(f: ArrayLike, name: str) -> tuple[NDArray[np.float64], int]:
    arr = check_real_array(f, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D of length 2**n; got shape {arr.shape}")
    return arr, _n_from_size(arr.shape[0], name)


def _check_rule(rule: ArrayLike) -> tuple[NDArray[np.float64], int]:
    T = check_real_array(rule, "rule")
    if T.ndim != 2 or T.shape[1] != 2:
        raise ValueError(f"rule must have shape (2**b, 2); got {T.shape}")
    b = int(T.shape[0]).bit_length() - 1
    if T.shape[0] < 2 or 2**b != T.shape[0] or b > MAX_BLOCK_SIZE:
        raise ValueError(f"rule must have 2**b rows with 1 <= b <= {MAX_BLOCK_SIZE}; got {T.shape[0]}")
    if (T < 0).any() or not np.allclose(T.sum(axis=1), 1.0, atol=1e-12):
        raise ValueError("rule must hold probabilities: entries in [0, 1], each row summing to 1")
    return T, b


# ---------------------------------------------------------------------------------------------
# block rules
# ---------------------------------------------------------------------------------------------
def tanh_block_rule(lam: ArrayLike) -> NDArray[np.float64]:
    r"""Stochastic block rule :math:`P(\chi'\mid v) = \tfrac12\bigl(1 + \chi'\tanh(\lambda\cdot v)\bigr)`.

    The rule of the RBM ansatz of [1]_, :math:`P(\chi'\mid v)\propto e^{\chi'\lambda\cdot v}`.

    Parameters
    ----------
    lam : array_like, shape ``(b,)``
        Finite weights :math:`\lambda` of the ``b`` block spins, ``1 <= b <= MAX_BLOCK_SIZE``.

    Returns
    -------
    ndarray, shape ``(2**b, 2)``

    See Also
    --------
    decimation_block_rule : the limit :math:`\lambda_k\to\infty` of one weight.

    Examples
    --------
    >>> print(np.round(tanh_block_rule([1.0, 0.5]), 4))
    [[0.9526 0.0474]
     [0.7311 0.2689]
     [0.2689 0.7311]
     [0.0474 0.9526]]
    """
    lam = check_real_array(lam, "lam", what="finite (use decimation_block_rule for the infinite-lambda limit)")
    if lam.ndim != 1 or not 1 <= lam.shape[0] <= MAX_BLOCK_SIZE:
        raise ValueError(f"lam must be 1-D with 1 <= b <= {MAX_BLOCK_SIZE} entries; got shape {lam.shape}")
    v = all_spin_configurations(lam.shape[0]).astype(np.float64)
    t = np.tanh(v @ lam)
    return np.stack([0.5 * (1 + t), 0.5 * (1 - t)], axis=1)


def decimation_block_rule(block_size: int, keep: int = 0) -> NDArray[np.float64]:
    r"""Deterministic decimation: :math:`\chi'_j = v_{\mathrm{keep}}` (the limit ``lam[keep] -> inf``).

    Parameters
    ----------
    block_size : int
        ``1 <= block_size <= MAX_BLOCK_SIZE``.
    keep : int
        The spin of the block that is kept, ``0 <= keep < block_size``.

    Returns
    -------
    ndarray, shape ``(2**block_size, 2)``

    See Also
    --------
    tanh_block_rule : a stochastic rule with this limit.

    Examples
    --------
    >>> print(decimation_block_rule(2))
    [[1. 0.]
     [1. 0.]
     [0. 1.]
     [0. 1.]]
    """
    b = check_int(block_size, "block_size", 1, MAX_BLOCK_SIZE)
    k = check_int(keep, "keep", 0, b - 1)
    v = all_spin_configurations(b)
    return np.stack([(v[:, k] == 1), (v[:, k] == -1)], axis=1).astype(np.float64)


def majority_block_rule(block_size: int) -> NDArray[np.float64]:
    r"""Majority rule :math:`\chi'_j = \operatorname{sign}\sum_k v_k`, ties broken by a fair coin.

    Parameters
    ----------
    block_size : int
        ``1 <= block_size <= MAX_BLOCK_SIZE``.

    Returns
    -------
    ndarray, shape ``(2**block_size, 2)``

    Examples
    --------
    >>> print(majority_block_rule(2)[:, 0])
    [1.  0.5 0.5 0. ]
    """
    b = check_int(block_size, "block_size", 1, MAX_BLOCK_SIZE)
    s = all_spin_configurations(b).sum(axis=1)
    return np.stack([np.where(s > 0, 1.0, np.where(s == 0, 0.5, 0.0)),
                     np.where(s < 0, 1.0, np.where(s == 0, 0.5, 0.0))], axis=1)


# ---------------------------------------------------------------------------------------------
# ring Hamiltonians
# ---------------------------------------------------------------------------------------------
def ring_hamiltonian(N: int, K: float, h: float = 0.0) -> NDArray[np.float64]:
    r""":math:`\mathcal K(x) = K\sum_{i=0}^{N-1} x_i x_{i+1} + h\sum_i x_i` (periodic) for all ``2**N`` states.

    Parameters
    ----------
    N : int
        Ring size, ``2 <= N <= MAX_SPINS``.
    K, h : float
        Coupling and field (finite real scalars).

    Returns
    -------
    ndarray, shape ``(2**N,)``

    See Also
    --------
    rglib.ising.ring_log_partition : :math:`\ln Z = \operatorname{logsumexp}\mathcal K` by transfer matrix.

    Examples
    --------
    >>> print(ring_hamiltonian(3, 0.5, 0.1))
    [ 1.8 -0.4 -0.4 -0.6 -0.4 -0.6 -0.6  1.2]
    """
    N = check_int(N, "N", 2, MAX_SPINS)
    K = check_real_scalar(K, "K")
    h = check_real_scalar(h, "h")
    return K * ring_bond_sums(N, 1).astype(np.float64) + h * magnetizations(N).astype(np.float64)


class RingBlockSplit(NamedTuple):
    r"""The ring Hamiltonian split as :math:`\mathcal K = \mathcal K_0 + \mathcal K_1` (:func:`ring_block_split`)."""

    #: :math:`\mathcal K_0`: bonds inside blocks and all field terms, shape ``(2**N,)``.
    intra: NDArray[np.float64]
    #: :math:`\mathcal K_1`: the ``N/b`` bonds between neighbouring blocks, shape ``(2**N,)``.
    inter: NDArray[np.float64]


def ring_block_split(N: int, K: float, h: float = 0.0, block_size: int = 2) -> RingBlockSplit:
    r"""Split the ring Hamiltonian into intra-block and inter-block parts, :math:`\mathcal K = \mathcal K_0 + \mathcal K_1`.

    :math:`\mathcal K_0` holds the bonds inside blocks and all field terms; :math:`\mathcal K_1 = K\sum_j
    x_{bj+b-1}x_{b(j+1)}` the ``N/b`` bonds between neighbouring blocks.

    Parameters
    ----------
    N : int
        Ring size, ``2 <= N <= MAX_SPINS``.
    K, h : float
        Coupling and field (finite real scalars).
    block_size : int
        ``b``, dividing ``N``.

    Returns
    -------
    RingBlockSplit
        ``intra`` (:math:`\mathcal K_0`) and ``inter`` (:math:`\mathcal K_1`); unpacks as ``K0, K1``.

    Examples
    --------
    >>> K0, K1 = ring_block_split(4, 1.0, 0.0, block_size=2)
    >>> print(K0[:4], K1[:4], np.allclose(K0 + K1, ring_hamiltonian(4, 1.0)))
    [2. 0. 0. 2.] [ 2.  0.  0. -2.] True
    """
    N = check_int(N, "N", 2, MAX_SPINS)
    b = check_int(block_size, "block_size", 1, N)
    if N % b:
        raise ValueError(f"block_size must divide N = {N}; got {b}")
    K = check_real_scalar(K, "K")
    h = check_real_scalar(h, "h")
    x = all_spin_configurations(N)
    prod = x * np.roll(x, -1, axis=1)  # bond (i, i+1), int8
    inter = (np.arange(N) % b) == b - 1
    K1 = K * prod[:, inter].sum(axis=1, dtype=np.int64).astype(np.float64)
    K0 = (K * prod[:, ~inter].sum(axis=1, dtype=np.int64).astype(np.float64)
          + h * x.sum(axis=1, dtype=np.int64).astype(np.float64))
    return RingBlockSplit(K0, K1)


# ---------------------------------------------------------------------------------------------
# renormalized Hamiltonian
# ---------------------------------------------------------------------------------------------
def _contract_blocks(w: NDArray[np.float64], T: NDArray[np.float64], n_blocks: int) -> NDArray[np.float64]:
    """sum_x w(x) prod_j T[s_j, c_j] for all coarse c, w given on the fine states (leading axes allowed)."""
    lead = w.shape[:-1]
    t = w.reshape(lead + (T.shape[0],) * n_blocks)
    nl = len(lead)
    for j in range(n_blocks):  # contract block axis nl + j; the new coarse axis goes last, keeping order
        t = np.tensordot(t, T, axes=([nl], [0]))
    return t.reshape(lead + (2**n_blocks,))


def _blocks(n: int, b: int) -> int:
    if n % b:
        raise ValueError(f"the block size b = {b} of the rule must divide the number of spins n = {n}")
    return n // b


def renormalized_hamiltonian(log_weight: ArrayLike, rule: ArrayLike) -> NDArray[np.float64]:
    r""":math:`\mathcal K'(\chi') = \ln\sum_x P(\chi'\mid x)\,e^{\mathcal K(x)}` by exact enumeration.

    Parameters
    ----------
    log_weight : array_like, shape ``(2**N,)``
        :math:`\mathcal K(x)` (any normalisation; e.g. :func:`ring_hamiltonian`), finite.
    rule : array_like, shape ``(2**b, 2)``
        Block rule; ``b`` must divide ``N``.

    Returns
    -------
    ndarray, shape ``(2**(N/b),)``
        :math:`\mathcal K'(\chi')` with the normalisation of the input (``-inf`` where the coarse state is
        impossible). :math:`\operatorname{logsumexp}\mathcal K' = \operatorname{logsumexp}\mathcal K`.

    See Also
    --------
    cumulant_decomposition : the same :math:`\mathcal K'` assembled from three independently computed terms.
    rglib.rg.decimation.decimate_1d : the closed form for decimation of a ring.

    Examples
    --------
    >>> Kp = renormalized_hamiltonian(ring_hamiltonian(4, 1.0), decimation_block_rule(2))
    >>> print(np.round(Kp, 6), round(2 * np.log(2 * np.cosh(2.0)), 6), round(2 * np.log(2), 6))
    [4.0363   1.386294 1.386294 4.0363  ] 4.0363 1.386294
    """
    lw, N = _function_of_spins(log_weight, "log_weight")
    T, b = _check_rule(rule)
    nb = _blocks(N, b)
    shift = lw.max()
    out = _contract_blocks(np.exp(lw - shift), T, nb)
    with np.errstate(divide="ignore"):
        return np.log(out) + shift


class CumulantDecomposition(NamedTuple):
    r"""The three terms of :math:`\mathcal K'(\chi') = \ln Z_0 + \ln p_0(\chi') + \ln\langle e^{\mathcal K_1}\rangle_{0,\chi'}`.

    Their sum is the property ``total`` (:math:`\mathcal K'`).
    """

    #: :math:`\ln Z_0 = \ln\sum_x e^{\mathcal K_0(x)}`.
    ln_Z0: float
    #: :math:`\ln p_0(\chi')`, :math:`p_0(\chi') = \sum_x P(\chi'\mid x)e^{\mathcal K_0(x)}/Z_0`, shape ``(2**n,)``.
    ln_p0: NDArray[np.float64]
    #: :math:`\ln\langle e^{\mathcal K_1}\rangle` under :math:`p_0(x\mid\chi')`, shape ``(2**n,)``.
    ln_mean_exp_K1: NDArray[np.float64]
    #: The distinct values of :math:`\mathcal K_1`, ascending, shape ``(V,)``.
    k1_values: NDArray[np.float64]
    #: Their probabilities under :math:`p_0(x\mid\chi')`, one row per coarse state, shape ``(2**n, V)``.
    k1_probs: NDArray[np.float64]

    @property
    def total(self) -> NDArray[np.float64]:
        r"""The sum of the three terms, i.e. :math:`\mathcal K'(\chi')`."""
        return self.ln_Z0 + self.ln_p0 + self.ln_mean_exp_K1


#: Largest number of distinct values of K_1 in :func:`cumulant_decomposition`.
_MAX_K1_VALUES = 64
#: Largest number of values (distinct K_1 values times fine states) stored by :func:`cumulant_decomposition`.
_MAX_MASKED_VALUES = 2**27


def _cumulant_decomposition_iv(K0, K1, rule, decimals):
    K0a, N = _function_of_spins(K0, "K0")
    K1a, N1 = _function_of_spins(K1, "K1")
    if N1 != N:
        raise ValueError(f"K0 and K1 must have the same length; got 2**{N} and 2**{N1}")
    T, b = _check_rule(rule)
    return K0a, K1a, T, _blocks(N, b), check_int(decimals, "decimals", 0, 15)


def cumulant_decomposition(K0: ArrayLike, K1: ArrayLike, rule: ArrayLike, *, decimals: int = 9) -> CumulantDecomposition:
    r"""Decompose :math:`\mathcal K'` into reference part and inter-block correction [1]_.

    With :math:`\mathcal K = \mathcal K_0 + \mathcal K_1`, where :math:`\mathcal K_0` is a sum of intra-block
    terms (so that :math:`p_0` and :math:`p_0(x\mid\chi')` factorize over blocks when the rule does),

    .. math:: \mathcal K'(\chi') = \ln Z_0 + \ln p_0(\chi') + \ln\langle e^{\mathcal K_1}\rangle_{0,\chi'} .

    Every term is computed by enumeration, independently of :func:`renormalized_hamiltonian`. The exact
    distribution of :math:`\mathcal K_1` given :math:`\chi'` is returned too, for the cumulant series
    (:func:`rglib.rg.cumulants.log_mgf_taylor_coefficients`).

    Parameters
    ----------
    K0, K1 : array_like, shape ``(2**N,)``
        Intra- and inter-block parts (e.g. from :func:`ring_block_split`), finite.
    rule : array_like, shape ``(2**b, 2)``
        Block rule; ``b`` must divide ``N``.
    decimals : int
        :math:`\mathcal K_1` values equal after rounding to ``decimals`` (``0..15``) are merged; at most 64
        distinct values.

    Returns
    -------
    CumulantDecomposition

    See Also
    --------
    renormalized_hamiltonian : :math:`\mathcal K'` directly.

    Examples
    --------
    >>> K0, K1 = ring_block_split(4, 0.5, 0.0, block_size=2)
    >>> cd = cumulant_decomposition(K0, K1, tanh_block_rule([1.0, 1.0]))
    >>> print(cd.k1_values, np.allclose(cd.total, renormalized_hamiltonian(K0 + K1, tanh_block_rule([1.0, 1.0]))))
    [-1.  0.  1.] True
    """
    K0a, K1a, T, nb, d = _cumulant_decomposition_iv(K0, K1, rule, decimals)
    values, inverse = np.unique(np.round(K1a, d), return_inverse=True)
    if values.shape[0] > _MAX_K1_VALUES:
        raise ValueError(f"K1 takes {values.shape[0]} distinct values; at most {_MAX_K1_VALUES} are supported")
    if values.shape[0] * K0a.size > _MAX_MASKED_VALUES:
        raise ValueError(f"K1 takes {values.shape[0]} distinct values on 2**{K0a.size.bit_length() - 1} states: "
                         f"{values.shape[0] * K0a.size} > {_MAX_MASKED_VALUES} values (1 GiB) would be stored; "
                         "use fewer spins or round K1 more coarsely (decimals)")
    shift = K0a.max()
    w0 = np.exp(K0a - shift)
    ln_Z0 = float(np.log(w0.sum()) + shift)
    # mass of each K1 value, for every coarse state: sum_x P(chi'|x) e^{K0} [K1(x) = v]
    masked = np.zeros((values.shape[0], w0.shape[0]))
    masked[inverse, np.arange(w0.shape[0])] = w0
    mass = _contract_blocks(masked, T, nb).T  # (2**nb, V)
    tot = mass.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ln_p0 = np.log(tot) + shift - ln_Z0
        probs = np.where(tot[:, None] > 0, mass / tot[:, None], np.nan)
        exact_vals = np.array([K1a[inverse == k].mean() for k in range(values.shape[0])])  # V <= 64 values
        ln_mean = logsumexp(exact_vals[None, :], b=np.nan_to_num(probs), axis=1)
    ln_mean = np.where(tot > 0, ln_mean, np.nan)
    return CumulantDecomposition(ln_Z0, ln_p0, ln_mean, exact_vals, probs)


# ---------------------------------------------------------------------------------------------
# Walsh couplings by range
# ---------------------------------------------------------------------------------------------
def ring_subset_ranges(n: int) -> NDArray[np.int64]:
    r"""Range of every subset of ``n`` sites on a ring: the largest ring distance between two of its sites.

    The ring distance of sites ``i, j`` is :math:`\min(|i-j|, n-|i-j|)`; subsets of zero or one site have
    range 0, a nearest-neighbour pair range 1, and no subset has range above ``n // 2``.

    Parameters
    ----------
    n : int
        Ring size, ``1 <= n <= MAX_SPINS``.

    Returns
    -------
    ndarray of int64, shape ``(2**n,)``
        Indexed by the subset's bit mask (spin ``k`` is bit ``n-1-k``).

    Examples
    --------
    >>> print(ring_subset_ranges(4))  # masks 0b0011 (spins 2, 3): 1; 0b0101 (spins 1, 3): 2; 0b1001 (0, 3): 1
    [0 0 0 1 0 2 1 2 0 1 2 2 1 2 2 2]
    """
    n = check_int(n, "n", 1, MAX_SPINS)
    S = np.arange(2**n, dtype=np.int64)
    full = (1 << n) - 1
    rng = np.zeros(2**n, dtype=np.int64)
    for d in range(1, n // 2 + 1):  # a loop over distances; each step is vectorised over all subsets
        # any pair at ring distance d: bit k and bit k - d (mod n) both set, i.e. S & rot(S, d) != 0
        rot = ((S << d) | (S >> (n - d))) & full
        rng = np.where((S & rot) != 0, d, rng)
    return rng


def coupling_weight_by_range(J: ArrayLike, *, power: float = 1.0) -> NDArray[np.float64]:
    r""":math:`W_r = \sum_{S\ne\emptyset,\ \mathrm{range}(S)=r}|J_S|^{\mathrm{power}}` for ``r = 0 .. n//2``.

    ``r = 0`` collects the single-site fields; :math:`W_1` the nearest-neighbour couplings; :math:`W_{r\ge2}`
    the longer-ranged and multi-spin couplings (ranges from :func:`ring_subset_ranges`).

    Parameters
    ----------
    J : array_like, shape ``(..., 2**n)``
        Walsh couplings (:func:`rglib.ising.walsh_coefficients`), finite.
    power : float
        Exponent, ``> 0``.

    Returns
    -------
    ndarray, shape ``(..., n//2 + 1)``

    Examples
    --------
    >>> from rglib.ising import walsh_coefficients
    >>> print(np.round(coupling_weight_by_range(walsh_coefficients(ring_hamiltonian(6, 0.5, 0.1))), 12))
    [0.6 3.  0.  0. ]
    """
    arr = check_real_array(J, "J")
    if arr.ndim < 1:
        raise ValueError("J must be an array of shape (..., 2**n); got a scalar")
    p = check_real_scalar(power, "power", lower=0.0, lower_strict=True)
    n = _n_from_size(arr.shape[-1], "J")
    rng = ring_subset_ranges(n)
    w = np.abs(arr) ** p
    w[..., 0] = 0.0  # the constant is not a coupling
    return np.stack([w[..., rng == r].sum(axis=-1) for r in range(n // 2 + 1)], axis=-1)


# ---------------------------------------------------------------------------------------------
# real-space mutual information
# ---------------------------------------------------------------------------------------------
def block_environment_mutual_information(log_weight: ArrayLike, rule: ArrayLike, buffer: int = 1) -> float:
    r""":math:`I(\chi'_0 : E)` in nats between the coarse spin of block 0 and its distant environment.

    The block is sites ``0 .. b-1`` of a ring of ``N`` spins with weights :math:`e^{\mathcal K(x)}`; the buffer
    is ``buffer`` sites on each side of it (sites ``b .. b+buffer-1`` and ``N-buffer .. N-1``); the environment
    ``E`` is every other site. :math:`p(\chi'_0, e) = \sum_{v, \text{buffer}} P(\chi'_0\mid v)\,p(v,
    \text{buffer}, e)` is computed exactly and passed to :func:`rglib.entropy.mutual_information`. This is
    the RSMI objective of [2]_.

    Parameters
    ----------
    log_weight : array_like, shape ``(2**N,)``
        :math:`\mathcal K(x)`, finite.
    rule : array_like, shape ``(2**b, 2)``
        Block rule.
    buffer : int
        Buffer width ``>= 0``, with ``b + 2 * buffer < N`` so that the environment is not empty.

    Returns
    -------
    float

    Examples
    --------
    >>> Kx = ring_hamiltonian(8, 1.0)
    >>> print(round(block_environment_mutual_information(Kx, decimation_block_rule(2), 1), 6))
    0.314814
    """
    lw, N = _function_of_spins(log_weight, "log_weight")
    T, b = _check_rule(rule)
    buf = check_int(buffer, "buffer", 0)
    n_env = N - b - 2 * buf
    if n_env < 1:
        raise ValueError(f"buffer must leave a non-empty environment: b + 2*buffer < N = {N}; got b = {b}, buffer = {buf}")
    p = np.exp(lw - logsumexp(lw)).reshape((2,) * N)
    buf_axes = tuple(range(b, b + buf)) + tuple(range(N - buf, N))
    p = p.sum(axis=buf_axes) if buf_axes else p  # remaining axes: block (b), then environment
    p = p.reshape(2**b, 2**n_env)
    joint = T.T @ p  # (2, 2**n_env)
    with np.errstate(divide="ignore"):
        return mutual_information(np.log(joint))
