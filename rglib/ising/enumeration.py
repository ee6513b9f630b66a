r"""Brute-force enumeration of Ising configurations: all states, chunked Boltzmann sums, density of states.

Enumeration order (used by the whole library)
---------------------------------------------
Configuration number ``i`` of ``n`` spins has :math:`s_j = 1 - 2 b_{n-1-j}(i)`, where :math:`b_k(i)` is
bit ``k`` of ``i``: row ``i`` reads the binary digits of ``i`` from left to right with ``0 -> +1`` and
``1 -> -1``. This is the order of ``itertools.product((1, -1), repeat=n)``; state 0 is all spins up.

A configuration is thus also an integer *state code* ``i``: bit ``n-1-j`` of ``i`` is set iff spin ``j`` is
``-1``. Functions over all states (log-probabilities, Hamiltonians, Walsh couplings) are float64 arrays of length
``2**n`` indexed by the code.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from .._checks import check_int as _check_int
from .._numerics import scalar_or_array as _scalar_or_array

__all__ = [
    "MAX_ENUMERATION_SPINS",
    "all_spin_configurations",
    "iter_spin_configurations",
    "configuration_index",
    "torus_bonds",
    "bond_sum",
    "enumerate_log_partition",
    "enumerate_expectation",
    "enumerate_boltzmann_probabilities",
    "enumerate_torus_density_of_states",
    "state_codes",
    "ring_bond_sums",
    "magnetizations",
    "kept_state_codes",
    "walsh_coefficients",
    "walsh_synthesis",
    "subset_orders",
]

#: Largest number of spins that the brute-force helpers accept (2**25 = 33.5 M states, seconds).
MAX_ENUMERATION_SPINS = 25


# ----------------------------------------------------------------------------------------------
# brute-force enumeration
# ----------------------------------------------------------------------------------------------
def _check_n_spins(n) -> int:
    return _check_int(n, "n", 1, MAX_ENUMERATION_SPINS)


def _bits_table(k: int) -> np.ndarray:
    """(k, 2**k) int8 table, transposed layout: row j is spin j of the k-spin configurations in order."""
    idx = np.arange(2**k, dtype=np.int64)
    shifts = np.arange(k - 1, -1, -1, dtype=np.int64)
    bits = (idx[None, :] >> shifts[:, None]) & 1
    return (1 - 2 * bits).astype(np.int8)


def _iter_transposed(n: int, chunk_size: int) -> Iterator[np.ndarray]:
    """Yield (n, B) int8 chunks (spins along rows) in enumeration order; B is a power of two."""
    k = min(n, max(0, int(chunk_size).bit_length() - 1))
    low = _bits_table(k)
    n_high = n - k
    B = 2**k
    if n_high == 0:
        yield low
        return
    buf = np.empty((n, B), dtype=np.int8)
    buf[n_high:] = low
    high_table = _bits_table(n_high)  # (n_high, 2**n_high)
    for c in range(2**n_high):
        buf[:n_high] = high_table[:, c : c + 1]
        yield buf


def _check_chunk(chunk_size) -> int:
    return _check_int(chunk_size, "chunk_size", 1)


def all_spin_configurations(n: int) -> np.ndarray:
    """All :math:`2^n` configurations of ``n`` spins as an ``int8`` array of shape ``(2**n, n)``.

    Row ``i`` has :math:`s_j = 1 - 2 b_{n-1-j}(i)` (see the module docstring): row 0 is all ``+1``, the
    last spin varies fastest. ``1 <= n <= 25``; for large ``n`` prefer :func:`iter_spin_configurations`.
    """
    n = _check_n_spins(n)
    return np.ascontiguousarray(_bits_table(n).T)


def iter_spin_configurations(n: int, chunk_size: int = 2**16) -> Iterator[np.ndarray]:
    """Iterate over all configurations of ``n`` spins in chunks, in the order of :func:`all_spin_configurations`.

    Parameters
    ----------
    n : int
        Number of spins, ``1 <= n <= 25``.
    chunk_size : int
        Maximum number of configurations per chunk; rounded down to a power of two (at most ``2**n``).

    Yields
    ------
    ndarray
        C-contiguous ``int8`` arrays of shape ``(B, n)``; each is a fresh array, safe to keep.
    """
    n = _check_n_spins(n)
    chunk_size = _check_chunk(chunk_size)
    for chunk in _iter_transposed(n, chunk_size):
        yield np.array(chunk.T, order="C", copy=True)


def configuration_index(spins) -> np.ndarray:
    """Inverse of :func:`all_spin_configurations`: the enumeration index of each configuration.

    Parameters
    ----------
    spins : array_like of +-1, shape ``(..., n)``
        Configurations (the last axis holds the ``n <= 62`` spins; flatten lattices first).

    Returns
    -------
    ndarray of int64, shape ``(...)``
    """
    s = np.asarray(spins)
    if s.ndim < 1 or s.shape[-1] < 1 or s.shape[-1] > 62:
        raise ValueError(f"spins must have shape (..., n) with 1 <= n <= 62; got shape {s.shape}")
    if not np.issubdtype(s.dtype, np.integer):
        raise TypeError(f"spins must be an integer array of +-1; got dtype {s.dtype}")
    if s.size and not np.all((s == 1) | (s == -1)):
        raise ValueError("spins must contain only +1 and -1")
    n = s.shape[-1]
    bits = (s < 0).astype(np.int64)
    weights = np.left_shift(np.int64(1), np.arange(n - 1, -1, -1, dtype=np.int64))
    return bits @ weights


def torus_bonds(shape) -> np.ndarray:
    """Nearest-neighbour bonds of a periodic ``L1 x L2`` lattice, sites numbered row-major.

    Every site ``(i, j)`` contributes the bonds to ``(i, j+1)`` and ``(i+1, j)`` (indices modulo the
    sides), so there are always ``2 L1 L2`` bonds; a side of length 2 gives double bonds and a side of
    length 1 self-bonds, as in Kaufman's formula.

    Returns
    -------
    ndarray of int64, shape ``(2 * L1 * L2, 2)``
    """
    L1, L2 = _check_shape2(shape)
    site = np.arange(L1 * L2).reshape(L1, L2)
    right = np.stack([site.ravel(), np.roll(site, -1, axis=1).ravel()], axis=1)
    down = np.stack([site.ravel(), np.roll(site, -1, axis=0).ravel()], axis=1)
    return np.concatenate([right, down]).astype(np.int64)


def _check_shape2(shape) -> tuple[int, int]:
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape, shape)
    try:
        L1, L2 = shape
    except (TypeError, ValueError):
        raise TypeError(f"shape must be an int L or a pair (L1, L2); got {shape!r}") from None
    return _check_int(L1, "shape[0]"), _check_int(L2, "shape[1]")


def _check_spins_flat(spins, name="spins") -> np.ndarray:
    s = np.asarray(spins)
    if not np.issubdtype(s.dtype, np.integer):
        raise TypeError(f"{name} must be an integer (int8) array of +-1; got dtype {s.dtype}")
    if s.ndim != 2:
        raise ValueError(f"{name} must have shape (B, n); got shape {s.shape}")
    return s


def bond_sum(spins, bonds) -> np.ndarray:
    r""":math:`S = \sum_{(a, b)\in\text{bonds}} s_a s_b` for each configuration.

    Parameters
    ----------
    spins : ndarray of int, shape ``(B, n)``
        Configurations of +-1 (any integer dtype; ``int8`` is fastest, Fortran order faster still).
    bonds : ndarray of int, shape ``(n_bonds, 2)``
        Site pairs, e.g. from :func:`torus_bonds`.

    Returns
    -------
    ndarray of int32, shape ``(B,)``
    """
    s = _check_spins_flat(spins)
    bonds = np.asarray(bonds)
    if bonds.ndim != 2 or bonds.shape[1] != 2 or not np.issubdtype(bonds.dtype, np.integer):
        raise ValueError(f"bonds must be an integer array of shape (n_bonds, 2); got {bonds.shape}")
    if bonds.size and (bonds.min() < 0 or bonds.max() >= s.shape[1]):
        raise ValueError(f"bonds must index sites 0..{s.shape[1] - 1}")
    st = s.T  # (n, B); contiguous rows when spins is Fortran-ordered (as in the enumeration helpers)
    if len(bonds) < 128 and s.dtype == np.int8:
        prod = st[bonds[:, 0]] * st[bonds[:, 1]]  # (n_bonds, B) int8 products, summed in int32
        return prod.sum(axis=0, dtype=np.int32)
    prod = st[bonds[:, 0]].astype(np.int32) * st[bonds[:, 1]]
    return prod.sum(axis=0, dtype=np.int32)


def _check_energy_output(E, B: int, name: str = "energy_fn") -> np.ndarray:
    E = np.asarray(E)
    if E.ndim < 1 or E.shape[0] != B:
        raise ValueError(f"{name} must return an array with leading axis of length {B} (one per configuration); "
                         f"got shape {E.shape}")
    if not np.issubdtype(E.dtype, np.number) or np.iscomplexobj(E):
        raise TypeError(f"{name} must return real numbers; got dtype {E.dtype}")
    return E.astype(np.float64, copy=False)


def _enumerate(energy_fn, n, chunk_size, observable_fn=None):
    """Streaming log-sum-exp over all states; returns (log Z, <O> or None)."""
    n = _check_n_spins(n)
    chunk_size = _check_chunk(chunk_size)
    if not callable(energy_fn):
        raise TypeError("energy_fn must be callable: spins (B, n) int8 -> reduced energies (B, ...)")
    if observable_fn is not None and not callable(observable_fn):
        raise TypeError("observable_fn must be callable: spins (B, n) int8 -> values (B, ...)")
    shift = None
    z_acc = None
    o_acc = None
    for chunkT in _iter_transposed(n, chunk_size):
        spins = chunkT.T  # (B, n) view, Fortran-ordered
        B = spins.shape[0]
        E = _check_energy_output(energy_fn(spins), B)
        if not np.all(np.isfinite(E)):
            raise ValueError("energy_fn returned NaN or inf")
        logw = -E
        cmax = logw.max(axis=0)
        if shift is None:
            shift = cmax
        else:
            new = np.maximum(shift, cmax)
            scale = np.exp(shift - new)
            z_acc = z_acc * scale
            if o_acc is not None:
                o_acc = o_acc * scale.reshape(scale.shape + (1,) * (o_acc.ndim - scale.ndim))
            shift = new
        w = np.exp(logw - shift)
        zc = w.sum(axis=0)
        z_acc = zc if z_acc is None else z_acc + zc
        if observable_fn is not None:
            O = np.asarray(observable_fn(spins))
            if O.ndim < 1 or O.shape[0] != B:
                raise ValueError(f"observable_fn must return an array with leading axis of length {B}; "
                                 f"got shape {O.shape}")
            oc = np.tensordot(w, O.astype(np.float64, copy=False), axes=([0], [0]))
            o_acc = oc if o_acc is None else o_acc + oc
    logz = shift + np.log(z_acc)
    expect = None
    if observable_fn is not None:
        expect = o_acc / z_acc.reshape(z_acc.shape + (1,) * (o_acc.ndim - z_acc.ndim))
    return logz, expect


def enumerate_log_partition(energy_fn: Callable[[np.ndarray], np.ndarray], n: int,
                            chunk_size: int = 2**18):
    """``ln Z = ln sum_s exp(-E(s))`` by brute force over all ``2**n`` states, in bounded memory.

    Parameters
    ----------
    energy_fn : callable
        ``energy_fn(spins) -> E`` with ``spins`` an ``int8`` array of shape ``(B, n)`` (a Fortran-ordered
        view: do not keep it, it is overwritten) and ``E`` the *reduced* energy (``beta H``, weight
        ``exp(-E)``) of shape ``(B,)`` or ``(B, *p)`` for several parameter values at once.
    n : int
        Number of spins, ``1 <= n <= 25``.
    chunk_size : int
        States per chunk (rounded down to a power of two); memory is ``O(chunk_size * (n + p))``.

    Returns
    -------
    float or ndarray of shape ``p``

    Examples
    --------
    >>> bonds = torus_bonds((4, 4))
    >>> K = np.array([0.2, 0.44])
    >>> logz = enumerate_log_partition(lambda s: -bond_sum(s, bonds)[:, None] * K, 16)
    """
    logz, _ = _enumerate(energy_fn, n, chunk_size)
    return _scalar_or_array(logz)


def enumerate_expectation(energy_fn: Callable[[np.ndarray], np.ndarray],
                          observable_fn: Callable[[np.ndarray], np.ndarray], n: int,
                          chunk_size: int = 2**18, return_log_partition: bool = False):
    r"""Exact Boltzmann average :math:`\langle O\rangle = \sum_s O(s) e^{-E(s)} / Z` by enumeration.

    Parameters
    ----------
    energy_fn : callable
        As in :func:`enumerate_log_partition`; returns ``(B,)`` or ``(B, *p)``.
    observable_fn : callable
        ``observable_fn(spins) -> O`` of shape ``(B,)`` or ``(B, *q)`` (real).
    n, chunk_size
        As in :func:`enumerate_log_partition`.
    return_log_partition : bool
        Also return ``ln Z``.

    Returns
    -------
    ndarray of shape ``(*p, *q)`` (float for scalars), and ``ln Z`` if requested.
    """
    logz, expect = _enumerate(energy_fn, n, chunk_size, observable_fn)
    expect = _scalar_or_array(expect)
    if return_log_partition:
        return expect, _scalar_or_array(logz)
    return expect


def enumerate_boltzmann_probabilities(energy_fn: Callable[[np.ndarray], np.ndarray], n: int,
                                      max_spins: int = 22) -> np.ndarray:
    """The full Boltzmann distribution :math:`p(s) = e^{-E(s)}/Z` over all states, in enumeration order.

    Needs ``8 * 2**n`` bytes per parameter value, hence ``n <= max_spins`` (default 22, 32 MiB).
    ``energy_fn`` must return shape ``(B,)``. Returns a float64 array of shape ``(2**n,)``.
    """
    n = _check_n_spins(n)
    max_spins = _check_int(max_spins, "max_spins", 1, MAX_ENUMERATION_SPINS)
    if n > max_spins:
        raise ValueError(f"n = {n} > max_spins = {max_spins}: the distribution would need {8 * 2**n} bytes")
    spins = np.asfortranarray(all_spin_configurations(n))
    E = _check_energy_output(energy_fn(spins), 2**n)
    if E.ndim != 1:
        raise ValueError(f"energy_fn must return shape (B,) here; got {E.shape}")
    if not np.all(np.isfinite(E)):
        raise ValueError("energy_fn returned NaN or inf")
    logw = -E - special.logsumexp(-E)
    return np.exp(logw)


def enumerate_torus_density_of_states(shape, chunk_size: int = 2**18) -> np.ndarray:
    r"""Joint density of states :math:`g(S, M)` of the periodic ``L1 x L2`` Ising lattice by enumeration.

    :math:`S = \sum_{\langle ij\rangle} s_i s_j` over the ``2 N`` bonds of :func:`torus_bonds` and
    :math:`M = \sum_i s_i`. Every Boltzmann average of a function of ``(S, M)`` then follows without
    enumeration: :math:`Z(K, h) = \sum_{S,M} g(S, M)\, e^{K S + h M}`.

    Parameters
    ----------
    shape : int or (int, int)
        Lattice sides, with ``L1 * L2 <= 25``.

    Returns
    -------
    ndarray of int64, shape ``(4 N + 1, 2 N + 1)``
        ``g[S + 2N, M + N]``.
    """
    L1, L2 = _check_shape2(shape)
    N = L1 * L2
    if N > MAX_ENUMERATION_SPINS:
        raise ValueError(f"L1 * L2 must be <= {MAX_ENUMERATION_SPINS}; got {L1} * {L2} = {N}")
    chunk_size = _check_chunk(chunk_size)
    bonds = torus_bonds((L1, L2))
    nM = 2 * N + 1
    hist = np.zeros((4 * N + 1) * nM, dtype=np.int64)
    for chunkT in _iter_transposed(N, chunk_size):
        S = (chunkT[bonds[:, 0]] * chunkT[bonds[:, 1]]).sum(axis=0, dtype=np.int32)
        M = chunkT.sum(axis=0, dtype=np.int32)
        code = (S + 2 * N) * nM + (M + N)
        hist += np.bincount(code, minlength=hist.size)
    return hist.reshape(4 * N + 1, nM)



# ----------------------------------------------------------------------------------------------
# functions of all states from their codes (no (2**n, n) tables)
# ----------------------------------------------------------------------------------------------
def state_codes(n: int) -> np.ndarray:
    """State codes ``0 .. 2**n - 1`` of ``n`` spins (``uint32``); bit ``n-1-j`` is set iff spin ``j`` is -1."""
    n = _check_n_spins(n)
    return np.arange(2**n, dtype=np.uint32)


def ring_bond_sums(n: int, r: int = 1) -> np.ndarray:
    r""":math:`\sum_i s_i s_{i+r}` (periodic ring of ``n`` spins) for every state, from bit operations.

    A bond is -1 exactly when the two bits differ, so the sum is ``n - 2 * popcount(i XOR rot_r(i))`` with
    ``rot_r`` the cyclic rotation of the ``n``-bit code by ``r`` places. Returns int64 of length ``2**n``.
    """
    i = state_codes(n)
    r = _check_int(r, "r", 0, n)
    mask = np.uint32(2**n - 1)
    rot = ((i << np.uint32(r)) | (i >> np.uint32(n - r))) & mask
    return n - 2 * np.bitwise_count(i ^ rot).astype(np.int64)


def magnetizations(n: int) -> np.ndarray:
    r""":math:`M = \sum_i s_i` for every state of ``n`` spins (int64, length ``2**n``)."""
    return n - 2 * np.bitwise_count(state_codes(n)).astype(np.int64)


def kept_state_codes(n: int, stride: int) -> np.ndarray:
    """Code, among the ``2**(n/stride)`` states of the spins ``0, stride, 2 stride, ...``, of the kept part of
    every ``n``-spin state (what ``configuration_index(s[:, ::stride])`` gives), int64 of length ``2**n``."""
    i = state_codes(n).astype(np.int64)
    stride = _check_int(stride, "stride", 1, n)
    if n % stride:
        raise ValueError(f"n = {n} must be divisible by stride = {stride}")
    M = n // stride
    code = np.zeros(2**n, dtype=np.int64)
    for k in range(M):  # M <= 25 bit positions, each a vectorized pass over all states
        code |= ((i >> (n - 1 - k * stride)) & 1) << (M - 1 - k)
    return code



def _check_states_array(v, name: str) -> np.ndarray:
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
    if n > MAX_ENUMERATION_SPINS:
        raise ValueError(f"{name} describes n = {n} spins; exact enumeration allows n <= {MAX_ENUMERATION_SPINS}")
    return n


# ---------------------------------------------------------------------------------------------
# Walsh decomposition
# ---------------------------------------------------------------------------------------------
def _fwht(f: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    t = f.reshape(f.shape[:-1] + (2,) * n)
    lead = f.ndim - 1
    for k in range(n):
        ax = lead + k
        a = np.take(t, 0, axis=ax)
        b = np.take(t, 1, axis=ax)
        t = np.stack([a + b, a - b], axis=ax)
    return t.reshape(f.shape)


def walsh_coefficients(f: ArrayLike) -> NDArray[np.float64]:
    r"""Couplings :math:`J_S = 2^{-n}\sum_x f(x)\prod_{k\in S}x_k` of a function of ``n`` spins.

    Inverse of :func:`walsh_synthesis`: :math:`f(x) = \sum_S J_S \prod_{k\in S}x_k`. Entry ``S`` of the result
    is the subset whose bit ``n-1-k`` is set for every spin ``k`` in it (so ``J[0]`` is the constant and, for
    ``n = 8``, ``J[0b11000000]`` the coupling of spins 0 and 1). Fast Walsh-Hadamard transform,
    :math:`O(n 2^n)`.

    Parameters
    ----------
    f : array_like, shape ``(..., 2**n)``
        Finite values in the enumeration order of :func:`all_spin_configurations`.
    """
    arr = _check_states_array(f, "f")
    if arr.ndim < 1 or not np.isfinite(arr).all():
        raise ValueError("f must be a finite array of shape (..., 2**n)")
    n = _n_from_size(arr.shape[-1], "f")
    return _fwht(arr, n) / 2**n


def walsh_synthesis(J: ArrayLike) -> NDArray[np.float64]:
    r""":math:`f(x) = \sum_S J_S\prod_{k\in S}x_k` for all ``2**n`` states (inverse of :func:`walsh_coefficients`)."""
    arr = _check_states_array(J, "J")
    if arr.ndim < 1 or not np.isfinite(arr).all():
        raise ValueError("J must be a finite array of shape (..., 2**n)")
    n = _n_from_size(arr.shape[-1], "J")
    return _fwht(arr, n)


def subset_orders(n: int) -> NDArray[np.int64]:
    """Order :math:`|S|` of every subset mask ``S = 0 .. 2**n - 1``."""
    n = _check_n_spins(n)
    S = np.arange(2**n, dtype=np.int64)
    return np.sum((S[:, None] >> np.arange(n)[None, :]) & 1, axis=1)


