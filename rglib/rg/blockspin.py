r"""Exact block-spin RG on small systems: renormalized Hamiltonian, cumulant expansion, Walsh couplings, RSMI.

Conventions
-----------
* Reduced Hamiltonians: :math:`p(x) = e^{\mathcal K(x)}/Z` (``K = beta J``, ``h = beta H``), so a
  ferromagnetic ring has :math:`\mathcal K(x) = K\sum_i x_i x_{i+1} + h\sum_i x_i`.
* A function of ``n`` spins is a float64 array of length ``2**n`` in the enumeration order of
  :func:`rglib.ising.all_spin_configurations` (state 0 is all ``+1``; spin ``k`` is bit ``n-1-k`` of the
  index, bit 0 meaning ``+1``). Reshaped to ``(2,) * n`` its axis ``k`` is spin ``k``.
* Blocks are ``b`` consecutive sites, block ``j`` = sites ``b j, ..., b j + b - 1``; there is one coarse spin
  :math:`\chi'_j = \pm1` per block. A *block rule* is a table ``T`` of shape ``(2**b, 2)`` with
  ``T[s, c] = P(chi'_j | block state s)``, ``c = 0`` for :math:`\chi'_j=+1`; the full rule factorizes,
  :math:`P(\chi'\mid x) = \prod_j T[s_j(x), c_j(\chi')]`.
* The renormalized Hamiltonian is defined by :math:`e^{\mathcal K'(\chi')} = \sum_x P(\chi'\mid x)\,
  e^{\mathcal K(x)}`; since :math:`\sum_{\chi'}P(\chi'\mid x)=1` the partition function is unchanged.
* Walsh (Fourier) couplings over ``n`` coarse spins: :math:`\mathcal K'(\chi') = \sum_S J_S\prod_{k\in S}
  \chi'_k`, the subset ``S`` encoded as a bit mask with the same bit convention as configurations.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from .._checks import check_int as _int
from ..entropy import mutual_information
from ..ising.enumeration import all_spin_configurations, ring_bond_sums, magnetizations

__all__ = [
    "MAX_SPINS",
    "tanh_block_rule",
    "decimation_block_rule",
    "majority_block_rule",
    "ring_hamiltonian",
    "ring_block_split",
    "renormalized_hamiltonian",
    "CumulantDecomposition",
    "cumulant_decomposition",
    "log_mgf_taylor_coefficients",
    "cumulants_from_distribution",
    "log_mgf_convergence_radius",
    "ring_subset_ranges",
    "coupling_weight_by_range",
    "block_environment_mutual_information",
]

#: Largest number of fine spins handled by exact enumeration (2**22 float64 = 32 MB).
MAX_SPINS = 22


# ---------------------------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------------------------
def _real(v, name: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number; got {type(v).__name__}")
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite; got {v!r}")
    return float(v)


def _real_array(v: ArrayLike, name: str) -> NDArray[np.float64]:
    arr = np.asarray(v)
    if arr.dtype == object or arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise TypeError(f"{name} must be a real numeric array; got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if np.isnan(arr).any() or np.isposinf(arr).any():
        raise ValueError(f"{name} must not contain NaN or +inf")
    return arr


def _n_from_size(size: int, name: str) -> int:
    n = int(size).bit_length() - 1
    if size < 2 or 2**n != size:
        raise ValueError(f"{name} must have length 2**n (one entry per spin configuration); got {size}")
    if n > MAX_SPINS:
        raise ValueError(f"{name} describes n = {n} spins; exact enumeration allows n <= {MAX_SPINS}")
    return n


def _function_of_spins(f: ArrayLike, name: str, allow_neginf: bool = False) -> tuple[NDArray[np.float64], int]:
    arr = _real_array(f, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D of length 2**n; got shape {arr.shape}")
    if not allow_neginf and np.isneginf(arr).any():
        raise ValueError(f"{name} must be finite")
    return arr, _n_from_size(arr.shape[0], name)


def _check_rule(rule: ArrayLike) -> tuple[NDArray[np.float64], int]:
    T = _real_array(rule, "rule")
    if T.ndim != 2 or T.shape[1] != 2:
        raise ValueError(f"rule must have shape (2**b, 2); got {T.shape}")
    b = _n_from_size(T.shape[0], "rule (rows)") if T.shape[0] >= 2 else 0
    if b == 0:
        raise ValueError(f"rule must have 2**b rows with b >= 1; got {T.shape[0]}")
    if not np.isfinite(T).all() or (T < 0).any() or not np.allclose(T.sum(axis=1), 1.0, atol=1e-12):
        raise ValueError("rule must hold probabilities: entries in [0, 1], each row summing to 1")
    return T, b


# ---------------------------------------------------------------------------------------------
# block rules
# ---------------------------------------------------------------------------------------------
def tanh_block_rule(lam: ArrayLike) -> NDArray[np.float64]:
    r"""Stochastic block rule :math:`P(\chi'\mid v) = \tfrac12\bigl(1 + \chi'\tanh(\lambda\cdot v)\bigr)`.

    The rule of Lenggenhager et al.'s RBM ansatz, :math:`P(\chi'\mid v)\propto e^{\chi'\lambda\cdot v}`.

    Parameters
    ----------
    lam : array_like, shape ``(b,)``
        Finite weights :math:`\lambda` of the ``b`` block spins, ``1 <= b <= 12``.

    Returns
    -------
    ndarray, shape ``(2**b, 2)``
    """
    lam = _real_array(lam, "lam")
    if lam.ndim != 1 or not 1 <= lam.shape[0] <= 12:
        raise ValueError(f"lam must be 1-D with 1 <= b <= 12 entries; got shape {lam.shape}")
    if not np.isfinite(lam).all():
        raise ValueError("lam must be finite; use decimation_block_rule for the infinite-lambda limit")
    v = all_spin_configurations(lam.shape[0]).astype(np.float64)
    t = np.tanh(v @ lam)
    return np.stack([0.5 * (1 + t), 0.5 * (1 - t)], axis=1)


def decimation_block_rule(block_size: int, keep: int = 0) -> NDArray[np.float64]:
    r"""Deterministic decimation: :math:`\chi'_j = v_{\mathrm{keep}}` (the limit ``lam[keep] -> inf``)."""
    b = _int(block_size, "block_size", 1, 12)
    k = _int(keep, "keep", 0, b - 1)
    v = all_spin_configurations(b)
    return np.stack([(v[:, k] == 1), (v[:, k] == -1)], axis=1).astype(np.float64)


def majority_block_rule(block_size: int) -> NDArray[np.float64]:
    r"""Majority rule :math:`\chi'_j = \operatorname{sign}\sum_k v_k`, ties broken by a fair coin."""
    b = _int(block_size, "block_size", 1, 12)
    s = all_spin_configurations(b).sum(axis=1)
    return np.stack([np.where(s > 0, 1.0, np.where(s == 0, 0.5, 0.0)),
                     np.where(s < 0, 1.0, np.where(s == 0, 0.5, 0.0))], axis=1)


# ---------------------------------------------------------------------------------------------
# ring Hamiltonians
# ---------------------------------------------------------------------------------------------
def ring_hamiltonian(N: int, K: float, h: float = 0.0) -> NDArray[np.float64]:
    r""":math:`\mathcal K(x) = K\sum_{i=0}^{N-1} x_i x_{i+1} + h\sum_i x_i` (periodic) for all ``2**N`` states."""
    N = _int(N, "N", 2, MAX_SPINS)
    K = _real(K, "K")
    h = _real(h, "h")
    return K * ring_bond_sums(N, 1).astype(np.float64) + h * magnetizations(N).astype(np.float64)


def ring_block_split(N: int, K: float, h: float = 0.0, block_size: int = 2):
    r"""Split the ring Hamiltonian into intra-block and inter-block parts, :math:`\mathcal K = \mathcal K_0 + \mathcal K_1`.

    :math:`\mathcal K_0` holds the bonds inside blocks and all field terms; :math:`\mathcal K_1 = K\sum_j
    x_{bj+b-1}x_{b(j+1)}` the ``N/b`` bonds between neighbouring blocks.

    Returns
    -------
    K0, K1 : ndarray, shape ``(2**N,)``
    """
    N = _int(N, "N", 2, MAX_SPINS)
    b = _int(block_size, "block_size", 1, N)
    if N % b:
        raise ValueError(f"block_size must divide N = {N}; got {b}")
    K = _real(K, "K")
    h = _real(h, "h")
    x = all_spin_configurations(N).astype(np.int64)
    prod = x * np.roll(x, -1, axis=1)  # bond (i, i+1)
    inter = (np.arange(N) % b) == b - 1
    K1 = K * prod[:, inter].sum(axis=1).astype(np.float64)
    K0 = K * prod[:, ~inter].sum(axis=1).astype(np.float64) + h * x.sum(axis=1).astype(np.float64)
    return K0, K1


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
        :math:`\mathcal K(x)` (any normalisation; e.g. :func:`ring_hamiltonian`).
    rule : array_like, shape ``(2**b, 2)``
        Block rule; ``b`` must divide ``N``.

    Returns
    -------
    ndarray, shape ``(2**(N/b),)``
        :math:`\mathcal K'(\chi')` with the normalisation of the input (``-inf`` where the coarse state is
        impossible). :math:`\operatorname{logsumexp}\mathcal K' = \operatorname{logsumexp}\mathcal K`.
    """
    lw, N = _function_of_spins(log_weight, "log_weight")
    T, b = _check_rule(rule)
    nb = _blocks(N, b)
    shift = lw.max()
    out = _contract_blocks(np.exp(lw - shift), T, nb)
    with np.errstate(divide="ignore"):
        return np.log(out) + shift


@dataclass(frozen=True)
class CumulantDecomposition:
    r"""The three terms of :math:`\mathcal K'(\chi') = \ln Z_0 + \ln p_0(\chi') + \ln\langle e^{\mathcal K_1}\rangle_{0,\chi'}`.

    Attributes
    ----------
    ln_Z0 : float
        :math:`\ln\sum_x e^{\mathcal K_0(x)}`.
    ln_p0 : ndarray, shape ``(2**n,)``
        :math:`\ln p_0(\chi')`, :math:`p_0(\chi') = \sum_x P(\chi'\mid x)e^{\mathcal K_0(x)}/Z_0`.
    ln_mean_exp_K1 : ndarray, shape ``(2**n,)``
        :math:`\ln\langle e^{\mathcal K_1}\rangle` under :math:`p_0(x\mid\chi') =
        P(\chi'\mid x)e^{\mathcal K_0(x)}/(Z_0 p_0(\chi'))`.
    k1_values : ndarray, shape ``(V,)``
        The distinct values of :math:`\mathcal K_1`, ascending.
    k1_probs : ndarray, shape ``(2**n, V)``
        Their probabilities under :math:`p_0(x\mid\chi')`, one row per coarse state.
    """

    ln_Z0: float
    ln_p0: NDArray[np.float64]
    ln_mean_exp_K1: NDArray[np.float64]
    k1_values: NDArray[np.float64]
    k1_probs: NDArray[np.float64]

    @property
    def total(self) -> NDArray[np.float64]:
        r"""The sum of the three terms, i.e. :math:`\mathcal K'(\chi')`."""
        return self.ln_Z0 + self.ln_p0 + self.ln_mean_exp_K1


def cumulant_decomposition(K0: ArrayLike, K1: ArrayLike, rule: ArrayLike, *, decimals: int = 9) -> CumulantDecomposition:
    r"""Decompose :math:`\mathcal K'` into reference part and inter-block correction (Lenggenhager et al.).

    With :math:`\mathcal K = \mathcal K_0 + \mathcal K_1`, where :math:`\mathcal K_0` is a sum of intra-block
    terms (so that :math:`p_0` and :math:`p_0(x\mid\chi')` factorize over blocks when the rule does),

    .. math:: \mathcal K'(\chi') = \ln Z_0 + \ln p_0(\chi') + \ln\langle e^{\mathcal K_1}\rangle_{0,\chi'} .

    Every term is computed by enumeration, independently of :func:`renormalized_hamiltonian`. The exact
    distribution of :math:`\mathcal K_1` given :math:`\chi'` is returned too, for the cumulant series
    (:func:`log_mgf_taylor_coefficients`).

    Parameters
    ----------
    K0, K1 : array_like, shape ``(2**N,)``
        Intra- and inter-block parts (e.g. from :func:`ring_block_split`).
    rule : array_like, shape ``(2**b, 2)``
    decimals : int
        :math:`\mathcal K_1` values equal after rounding to ``decimals`` are merged.
    """
    K0a, N = _function_of_spins(K0, "K0")
    K1a, N1 = _function_of_spins(K1, "K1")
    if N1 != N:
        raise ValueError(f"K0 and K1 must have the same length; got 2**{N} and 2**{N1}")
    T, b = _check_rule(rule)
    nb = _blocks(N, b)
    d = _int(decimals, "decimals", 0, 15)
    values, inverse = np.unique(np.round(K1a, d), return_inverse=True)
    if values.shape[0] > 64:
        raise ValueError(f"K1 takes {values.shape[0]} distinct values; at most 64 are supported")
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
        exact_vals = np.array([K1a[inverse == k].mean() for k in range(values.shape[0])])
        ln_mean = logsumexp(exact_vals[None, :], b=np.nan_to_num(probs), axis=1)
    ln_mean = np.where(tot > 0, ln_mean, np.nan)
    return CumulantDecomposition(ln_Z0, ln_p0, ln_mean, exact_vals, probs)


# ---------------------------------------------------------------------------------------------
# cumulant series
# ---------------------------------------------------------------------------------------------
def _values_probs(values: ArrayLike, probs: ArrayLike):
    v = _real_array(values, "values")
    if v.ndim != 1 or v.shape[0] < 1 or not np.isfinite(v).all():
        raise ValueError(f"values must be a finite 1-D array; got shape {v.shape}")
    P = _real_array(probs, "probs")
    if P.shape[-1] != v.shape[0]:
        raise ValueError(f"probs must have shape (..., {v.shape[0]}) to match values; got {P.shape}")
    if not np.isfinite(P).all() or (P < 0).any() or not np.allclose(P.sum(axis=-1), 1.0, atol=1e-10):
        raise ValueError("probs must be finite, non-negative and sum to 1 along the last axis")
    return v, P


def log_mgf_taylor_coefficients(values: ArrayLike, probs: ArrayLike, order: int) -> NDArray[np.float64]:
    r"""Taylor coefficients :math:`c_n = \kappa_n/n!` of :math:`\ln\langle e^{tX}\rangle = \sum_{n\ge1} c_n t^n`.

    ``X`` is discrete with ``P(X = values[k]) = probs[..., k]``. The series is computed for the centred
    variable :math:`X-\kappa_1` (moments :math:`m_k/k!` of bounded size) with the recursion
    :math:`n c_n = n m_n - \sum_{j=1}^{n-1} j c_j m_{n-j}` for :math:`\ln` of a power series, then
    :math:`c_1=\kappa_1` is restored. The truncated series at ``t = 1`` is ``cumsum`` of the result.

    Returns
    -------
    ndarray, shape ``probs.shape[:-1] + (order,)``
        :math:`c_1, \dots, c_{\mathrm{order}}`.
    """
    v, P = _values_probs(values, probs)
    order = _int(order, "order", 1, 400)
    mean = P @ v
    c = v - mean[..., None]
    # m[k] = <c^k>/k!, built as products to avoid overflow
    m = np.empty(P.shape[:-1] + (order + 1,))
    term = np.ones_like(c)
    m[..., 0] = 1.0
    for k in range(1, order + 1):
        term = term * c / k
        m[..., k] = np.sum(P * term, axis=-1)
    L = np.zeros_like(m)
    for n in range(1, order + 1):
        j = np.arange(1, n)
        L[..., n] = m[..., n] - np.sum(j * L[..., 1:n] * m[..., n - 1:0:-1], axis=-1) / n
    L[..., 1] = mean
    return L[..., 1:]


def cumulants_from_distribution(values: ArrayLike, probs: ArrayLike, order: int) -> NDArray[np.float64]:
    r"""Cumulants :math:`\kappa_1,\dots,\kappa_{\mathrm{order}}` of a discrete distribution (``order <= 150``)."""
    order = _int(order, "order", 1, 150)
    c = log_mgf_taylor_coefficients(values, probs, order)
    fact = np.cumprod(np.arange(1, order + 1, dtype=np.float64))
    return c * fact


def log_mgf_convergence_radius(values: ArrayLike, probs: ArrayLike, *, rtol: float = 1e-9) -> NDArray[np.float64] | float:
    r"""Radius of convergence of the cumulant series :math:`\sum_n \kappa_n t^n/n!` around ``t = 0``.

    For values on a lattice :math:`v_k = v_0 + d\,k`, :math:`\langle e^{tX}\rangle = e^{tv_0}P(e^{dt})`
    with the polynomial :math:`P(w)=\sum_k p_k w^k`. Its logarithm is singular exactly where
    :math:`P(e^{dt}) = 0`, so the radius is :math:`R = \min_r|\mathrm{Log}\,w_r|/d` over the non-zero roots
    :math:`w_r` of ``P`` (principal logarithm). The series converges at ``t = 1`` iff ``R > 1``.

    The roots come from :func:`numpy.roots`. A root of multiplicity ``k`` (common when ``X`` is a sum of
    independent identical terms) is only determined to about :math:`\epsilon^{1/k}` of float64, so ``R`` can be
    off in the second or third digit in such cases.

    Raises
    ------
    ValueError
        If the values are not equally spaced multiples of a common step (within ``rtol``).
    """
    v, P = _values_probs(values, probs)
    if v.shape[0] == 1:
        return np.inf if P.ndim == 1 else np.full(P.shape[:-1], np.inf)
    order = np.argsort(v)
    v, P = v[order], P[..., order]
    gaps = np.diff(v)
    if (gaps <= 0).any():
        raise ValueError("values must be distinct")
    d = gaps.min()
    k = (v - v[0]) / d
    if not np.allclose(k, np.round(k), atol=rtol * max(1.0, k.max())):
        raise ValueError("values must lie on a lattice v0 + d k (integer k) for the radius to be computed")
    k = np.round(k).astype(int)
    coef = np.zeros(P.shape[:-1] + (k.max() + 1,))
    coef[..., k] = P
    flat = coef.reshape(-1, coef.shape[-1])
    radii = np.empty(flat.shape[0])
    for r in range(flat.shape[0]):  # one small polynomial per distribution
        roots = np.roots(flat[r, ::-1])
        roots = roots[np.abs(roots) > 1e-300]
        radii[r] = np.inf if roots.size == 0 else np.min(np.abs(np.log(roots.astype(complex)))) / d
    out = radii.reshape(P.shape[:-1])
    return float(out) if out.ndim == 0 else out


def ring_subset_ranges(n: int) -> NDArray[np.int64]:
    r"""Range of every subset of ``n`` sites on a ring: the largest ring distance between two of its sites.

    The ring distance of sites ``i, j`` is :math:`\min(|i-j|, n-|i-j|)`; subsets of zero or one site have
    range 0, a nearest-neighbour pair range 1, and no subset has range above ``n // 2``.
    """
    n = _int(n, "n", 1, MAX_SPINS)
    S = np.arange(2**n, dtype=np.int64)
    bits = (S[:, None] >> (n - 1 - np.arange(n))[None, :]) & 1  # bits[:, k] = spin k in S
    rng = np.zeros(2**n, dtype=np.int64)
    for d in range(1, n // 2 + 1):
        # any pair at ring distance d: spin k and spin k + d (mod n)
        has = np.any(bits & np.roll(bits, -d, axis=1), axis=1)
        rng = np.where(has, d, rng)
    return rng


def coupling_weight_by_range(J: ArrayLike, *, power: float = 1.0) -> NDArray[np.float64]:
    r""":math:`W_r = \sum_{S\ne\emptyset,\ \mathrm{range}(S)=r}|J_S|^{\mathrm{power}}` for ``r = 0 .. n//2``.

    ``r = 0`` collects the single-site fields; :math:`W_1` the nearest-neighbour couplings; :math:`W_{r\ge2}`
    the longer-ranged and multi-spin couplings (ranges from :func:`ring_subset_ranges`).

    Parameters
    ----------
    J : array_like, shape ``(..., 2**n)``
        Walsh couplings (:func:`walsh_coefficients`).
    power : float > 0
    """
    arr = _real_array(J, "J")
    if arr.ndim < 1 or not np.isfinite(arr).all():
        raise ValueError("J must be a finite array of shape (..., 2**n)")
    p = _real(power, "power")
    if p <= 0:
        raise ValueError(f"power must be > 0; got {power}")
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
    the RSMI objective of Koch-Janusz & Ringel.

    Parameters
    ----------
    log_weight : array_like, shape ``(2**N,)``
    rule : array_like, shape ``(2**b, 2)``
    buffer : int >= 0
        ``b + 2 * buffer < N`` so that the environment is not empty.
    """
    lw, N = _function_of_spins(log_weight, "log_weight")
    T, b = _check_rule(rule)
    buf = _int(buffer, "buffer", 0)
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
