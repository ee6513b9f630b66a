r"""Enumeration of Ising configurations: all states, state codes, torus bonds, bond sums, Walsh transform.

The Boltzmann sums over all states (log Z, expectations, density of states) are in
:mod:`rglib.ising.enumerated_sums`.

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

from collections.abc import Iterator

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_int as _check_int
from .._checks import check_real_array as _check_real
from .._checks import check_spins as _check_spins

__all__ = [
    "MAX_ENUMERATION_SPINS",
    "MAX_TORUS_SITES",
    "all_spin_configurations",
    "iter_spin_configurations",
    "configuration_index",
    "torus_bonds",
    "bond_sum",
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
#: Largest number of sites of a torus whose bond list :func:`torus_bonds` builds (a 4096 x 4096 lattice).
MAX_TORUS_SITES = 2**24


# ----------------------------------------------------------------------------------------------
# brute-force enumeration
# ----------------------------------------------------------------------------------------------
def _check_n_spins(n) -> int:
    return _check_int(n, "n", 1, MAX_ENUMERATION_SPINS)


def _bits_table(k: int) -> np.ndarray:
    r"""(k, 2**k) int8 table, transposed layout: row j is spin j of the k-spin configurations in order.

    Spin j is ``1 - 2 b`` with ``b`` bit ``k-1-j`` of the state's code: runs of ``2**(k-1-j)`` states with
    ``+1``, then as many with ``-1``, alternating. Each row is filled in place (``k * 2**k`` bytes written; the
    former int64 shift-and-mask table moved 16 times as many bytes and dominated enumerations of 18-20 spins).
    """
    out = np.empty((k, 2**k), dtype=np.int8)
    for j in range(k):  # k <= 25 rows, each one vectorised fill
        runs = out[j].reshape(-1, 2, 2 ** (k - 1 - j))
        runs[:, 0] = 1
        runs[:, 1] = -1
    return out


def _iter_transposed(n: int, chunk_size: int) -> Iterator[np.ndarray]:
    r"""Yield (n, B) int8 chunks (spins along rows) in enumeration order; B is a power of two."""
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


def all_spin_configurations(n: int) -> NDArray[np.int8]:
    r"""All :math:`2^n` configurations of ``n`` spins as an ``int8`` array of shape ``(2**n, n)``.

    Row ``i`` has :math:`s_j = 1 - 2 b_{n-1-j}(i)` (see the module docstring): row 0 is all ``+1``, the
    last spin varies fastest. ``1 <= n <= 25``; for large ``n`` prefer :func:`iter_spin_configurations`.

    See Also
    --------
    configuration_index : the inverse map, configuration -> row.

    Examples
    --------
    >>> all_spin_configurations(2)
    array([[ 1,  1],
           [ 1, -1],
           [-1,  1],
           [-1, -1]], dtype=int8)
    """
    n = _check_n_spins(n)
    return np.ascontiguousarray(_bits_table(n).T)


def iter_spin_configurations(n: int, chunk_size: int = 2**16) -> Iterator[np.ndarray]:
    r"""Iterate over all configurations of ``n`` spins in chunks, in the order of :func:`all_spin_configurations`.

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

    Examples
    --------
    >>> [chunk.shape for chunk in iter_spin_configurations(3, chunk_size=4)]
    [(4, 3), (4, 3)]
    """
    n = _check_n_spins(n)
    chunk_size = _check_chunk(chunk_size)
    for chunk in _iter_transposed(n, chunk_size):
        yield np.array(chunk.T, order="C", copy=True)


def configuration_index(spins: ArrayLike) -> NDArray[np.int64]:
    r"""Inverse of :func:`all_spin_configurations`: the enumeration index (state code) of each configuration.

    .. math:: i = \sum_{j=0}^{n-1} \frac{1 - s_j}{2}\, 2^{n-1-j} .

    Parameters
    ----------
    spins : array_like of int, shape ``(..., n)``
        Configurations of +-1 (the last axis holds the ``n <= 62`` spins; flatten lattices first).

    Returns
    -------
    ndarray of int64, shape ``(...)``

    Examples
    --------
    >>> configuration_index(np.array([[1, 1], [-1, 1]], np.int8))
    array([0, 2])
    """
    s = _check_spins(spins, "spins", min_ndim=1, layout="(..., n) with 1 <= n <= 62")
    if s.shape[-1] > 62:
        raise ValueError(f"spins must have shape (..., n) with 1 <= n <= 62; got shape {s.shape}")
    n = s.shape[-1]
    bits = (s < 0).astype(np.int64)
    weights = np.left_shift(np.int64(1), np.arange(n - 1, -1, -1, dtype=np.int64))
    return bits @ weights


def torus_bonds(shape) -> np.ndarray:
    r"""Nearest-neighbour bonds of a periodic ``L1 x L2`` lattice, sites numbered row-major.

    Every site ``(i, j)`` contributes the bonds to ``(i, j+1)`` and ``(i+1, j)`` (indices modulo the
    sides), so there are always ``2 L1 L2`` bonds; a side of length 2 gives double bonds and a side of
    length 1 self-bonds, as in Kaufman's formula.

    Parameters
    ----------
    shape : int or (int, int)
        Lattice sides ``(L1, L2)`` (an int ``L`` means ``(L, L)``), with ``L1 * L2 <= MAX_TORUS_SITES``.

    Returns
    -------
    ndarray of int64, shape ``(2 * L1 * L2, 2)``

    See Also
    --------
    bond_sum : the bond sum of configurations over these bonds.

    Examples
    --------
    >>> torus_bonds((1, 2))
    array([[0, 1],
           [1, 0],
           [0, 0],
           [1, 1]])
    """
    L1, L2 = _check_shape2(shape)
    if L1 * L2 > MAX_TORUS_SITES:
        raise ValueError(f"shape must have L1 * L2 <= MAX_TORUS_SITES = {MAX_TORUS_SITES}; got {L1} x {L2}")
    site = np.arange(L1 * L2).reshape(L1, L2)
    right = np.stack([site.ravel(), np.roll(site, -1, axis=1).ravel()], axis=1)
    down = np.stack([site.ravel(), np.roll(site, -1, axis=0).ravel()], axis=1)
    return np.concatenate([right, down]).astype(np.int64)


def _check_shape2(shape) -> tuple[int, int]:
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape, shape)
    if isinstance(shape, (str, bytes)):
        raise TypeError(f"shape must be an int L or a pair (L1, L2); got {shape!r}")
    try:
        L1, L2 = shape
    except (TypeError, ValueError):
        raise TypeError(f"shape must be an int L or a pair (L1, L2); got {shape!r}") from None
    return _check_int(L1, "shape[0]"), _check_int(L2, "shape[1]")


def bond_sum(spins: ArrayLike, bonds: ArrayLike) -> NDArray[np.int32]:
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
        :math:`|S| \le` ``n_bonds``.

    See Also
    --------
    rglib.ising.lattice_bond_sum : the same for ``(..., L1, L2)`` lattices with the bonds of :func:`torus_bonds`.

    Examples
    --------
    >>> bond_sum(np.array([[1, 1, -1]], np.int8), np.array([[0, 1], [1, 2], [2, 0]]))
    array([-1], dtype=int32)
    """
    s = _check_spins(spins, "spins", ndim=2, layout="(B, n)", sides=1)
    if isinstance(bonds, (str, bytes)):
        raise TypeError(f"bonds must be an integer array of shape (n_bonds, 2); got {type(bonds).__name__}")
    bonds = np.asarray(bonds)
    if bonds.dtype == np.bool_ or not np.issubdtype(bonds.dtype, np.integer):
        raise TypeError(f"bonds must be an integer array of shape (n_bonds, 2); got dtype {bonds.dtype}")
    if bonds.ndim != 2 or bonds.shape[1] != 2:
        raise ValueError(f"bonds must be an integer array of shape (n_bonds, 2); got shape {bonds.shape}")
    if bonds.size and (bonds.min() < 0 or bonds.max() >= s.shape[1]):
        raise ValueError(f"bonds must index sites 0..{s.shape[1] - 1}; got values in "
                         f"[{bonds.min()}, {bonds.max()}]")
    st = s.T  # (n, B); contiguous rows when spins is Fortran-ordered (as in the enumeration helpers)
    if len(bonds) < 128 and s.dtype == np.int8:
        prod = st[bonds[:, 0]] * st[bonds[:, 1]]  # (n_bonds, B) int8 products, summed in int32
        return prod.sum(axis=0, dtype=np.int32)
    prod = st[bonds[:, 0]].astype(np.int32) * st[bonds[:, 1]]
    return prod.sum(axis=0, dtype=np.int32)


# ----------------------------------------------------------------------------------------------
# functions of all states from their codes (no (2**n, n) tables)
# ----------------------------------------------------------------------------------------------
def state_codes(n: int) -> NDArray[np.uint32]:
    r"""State codes ``0 .. 2**n - 1`` of ``n`` spins (``uint32``); bit ``n-1-j`` is set iff spin ``j`` is -1.

    Examples
    --------
    >>> state_codes(2)
    array([0, 1, 2, 3], dtype=uint32)
    """
    n = _check_n_spins(n)
    return np.arange(2**n, dtype=np.uint32)


def ring_bond_sums(n: int, r: int = 1) -> np.ndarray:
    r""":math:`\sum_i s_i s_{i+r}` (periodic ring of ``n`` spins) for every state, from bit operations.

    A bond is -1 exactly when the two bits differ, so the sum is ``n - 2 * popcount(i XOR rot_r(i))`` with
    ``rot_r`` the cyclic rotation of the ``n``-bit code by ``r`` places. Returns int64 of length ``2**n``
    (``0 <= r <= n``).

    Examples
    --------
    >>> ring_bond_sums(3)
    array([ 3, -1, -1, -1, -1, -1, -1,  3])
    """
    i = state_codes(n)
    r = _check_int(r, "r", 0, n)
    mask = np.uint32(2**n - 1)
    rot = ((i << np.uint32(r)) | (i >> np.uint32(n - r))) & mask
    return n - 2 * np.bitwise_count(i ^ rot).astype(np.int64)


def magnetizations(n: int) -> NDArray[np.int64]:
    r""":math:`M = \sum_i s_i` for every state of ``n`` spins (int64, length ``2**n``).

    Examples
    --------
    >>> magnetizations(2)
    array([ 2,  0,  0, -2])
    """
    return n - 2 * np.bitwise_count(state_codes(n)).astype(np.int64)


def kept_state_codes(n: int, stride: int) -> NDArray[np.int64]:
    r"""Code, among the ``2**(n/stride)`` states of the spins ``0, stride, 2 stride, ...``, of the kept part of
    every ``n``-spin state (what ``configuration_index(s[:, ::stride])`` gives), int64 of length ``2**n``.

    ``stride`` must divide ``n``.

    Examples
    --------
    >>> kept_state_codes(2, 2)  # the first spin of each of the 4 states
    array([0, 0, 1, 1])
    """
    i = state_codes(n).astype(np.int64)
    stride = _check_int(stride, "stride", 1, n)
    if n % stride:
        raise ValueError(f"n = {n} must be divisible by stride = {stride}")
    M = n // stride
    code = np.zeros(2**n, dtype=np.int64)
    for k in range(M):  # M <= 25 bit positions, each a vectorized pass over all states
        code |= ((i >> (n - 1 - k * stride)) & 1) << (M - 1 - k)
    return code



def _states_array(v, name: str) -> np.ndarray:
    r"""A finite float64 array of shape (..., 2**n), one value per configuration along the last axis."""
    arr = _check_real(v, name)
    if arr.ndim < 1:
        raise ValueError(f"{name} must have shape (..., 2**n); got a scalar")
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

    See Also
    --------
    walsh_synthesis : the inverse transform.

    Examples
    --------
    >>> s = all_spin_configurations(2)
    >>> walsh_coefficients(0.5 * s[:, 0] * s[:, 1] + 0.25)
    array([0.25, 0.  , 0.  , 0.5 ])
    """
    arr = _states_array(f, "f")
    n = _n_from_size(arr.shape[-1], "f")
    return _fwht(arr, n) / 2**n


def walsh_synthesis(J: ArrayLike) -> NDArray[np.float64]:
    r""":math:`f(x) = \sum_S J_S\prod_{k\in S}x_k` for all ``2**n`` states (inverse of :func:`walsh_coefficients`).

    Parameters
    ----------
    J : array_like, shape ``(..., 2**n)``
        Finite couplings, indexed by subset masks as in :func:`walsh_coefficients`.

    Examples
    --------
    >>> walsh_synthesis([0.25, 0.0, 0.0, 0.5])
    array([ 0.75, -0.25, -0.25,  0.75])
    """
    arr = _states_array(J, "J")
    n = _n_from_size(arr.shape[-1], "J")
    return _fwht(arr, n)


def subset_orders(n: int) -> NDArray[np.int64]:
    r"""Order :math:`|S|` of every subset mask ``S = 0 .. 2**n - 1``.

    Examples
    --------
    >>> subset_orders(2)
    array([0, 1, 1, 2])
    """
    n = _check_n_spins(n)
    S = np.arange(2**n, dtype=np.int64)
    return np.sum((S[:, None] >> np.arange(n)[None, :]) & 1, axis=1)


