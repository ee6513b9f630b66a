r"""Exact Boltzmann sums by brute-force enumeration: log Z, expectations, probabilities, density of states.

Every function visits all :math:`2^n` configurations of ``n <= MAX_ENUMERATION_SPINS`` spins in the order of
:func:`rglib.ising.all_spin_configurations`, in chunks of bounded memory, and accumulates the sums in log space
(a streaming log-sum-exp), so that large couplings never overflow. These are the brute-force references
against which the exact results (transfer matrix, Kaufman, decimation) are checked.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy import special

from .._checks import check_bool as _check_bool
from .._checks import check_callable as _check_callable
from .._checks import check_int as _check_int
from .._numerics import scalar_or_array as _scalar_or_array
from .enumeration import (
    MAX_ENUMERATION_SPINS,
    _check_chunk,
    _check_n_spins,
    _check_shape2,
    _iter_transposed,
    all_spin_configurations,
    bond_sum,  # noqa: F401 (used by the examples)
    torus_bonds,
)

__all__ = [
    "enumerate_log_partition",
    "enumerate_expectation",
    "ExpectationWithLogPartition",
    "enumerate_boltzmann_probabilities",
    "enumerate_torus_density_of_states",
]


def _check_energy_output(E, B: int, name: str = "energy_fn") -> np.ndarray:
    E = np.asarray(E)
    if E.ndim < 1 or E.shape[0] != B:
        raise ValueError(f"{name} must return an array with leading axis of length {B} (one per configuration); "
                         f"got shape {E.shape}")
    if not np.issubdtype(E.dtype, np.number) or np.iscomplexobj(E):
        raise TypeError(f"{name} must return real numbers; got dtype {E.dtype}")
    return E.astype(np.float64, copy=False)


def _enumerate(energy_fn, n, chunk_size, observable_fn=None):
    r"""Streaming log-sum-exp over all states; returns (log Z, <O> or None)."""
    _check_callable(energy_fn, "energy_fn", "spins (B, n) int8 -> reduced energies (B, ...)")
    if observable_fn is not None:
        _check_callable(observable_fn, "observable_fn", "spins (B, n) int8 -> values (B, ...)")
    n = _check_n_spins(n)
    chunk_size = _check_chunk(chunk_size)
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
            O = _check_energy_output(observable_fn(spins), B, "observable_fn")
            if not np.all(np.isfinite(O)):
                raise ValueError("observable_fn returned NaN or inf")
            oc = np.tensordot(w, O, axes=([0], [0]))
            o_acc = oc if o_acc is None else o_acc + oc
    logz = shift + np.log(z_acc)
    expect = None
    if observable_fn is not None:
        expect = o_acc / z_acc.reshape(z_acc.shape + (1,) * (o_acc.ndim - z_acc.ndim))
    return logz, expect


def enumerate_log_partition(energy_fn: Callable[[np.ndarray], np.ndarray], n: int,
                            chunk_size: int = 2**18):
    r""":math:`\ln Z = \ln\sum_s e^{-E(s)}` by brute force over all :math:`2^n` states, in bounded memory.

    The sum is a streaming log-sum-exp over chunks of states, so it never overflows.

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

    See Also
    --------
    rglib.ising.kaufman_log_partition : the exact torus result this reproduces.
    rglib.ising.ring_log_partition : the exact ring result (transfer matrix).

    Examples
    --------
    >>> bonds = torus_bonds((4, 4))
    >>> K = np.array([0.2, 0.44])
    >>> logz = enumerate_log_partition(lambda s: -bond_sum(s, bonds)[:, None] * K, 16)
    >>> print(np.round(logz, 6))
    [11.77147  15.504727]
    """
    logz, _ = _enumerate(energy_fn, n, chunk_size)
    return _scalar_or_array(logz)


class ExpectationWithLogPartition(NamedTuple):
    r"""Result of :func:`enumerate_expectation` with ``return_log_partition=True``."""

    #: :math:`\langle O\rangle`, shape ``(*p, *q)`` (a float for scalars).
    expectation: NDArray[np.float64] | float
    #: :math:`\ln Z`, shape ``p`` (a float for scalars).
    log_partition: NDArray[np.float64] | float


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
    float or ndarray of shape ``(*p, *q)``, or ExpectationWithLogPartition
        ``(expectation, log_partition)`` when ``return_log_partition`` is true.

    See Also
    --------
    rglib.ising.ring_magnetization, rglib.ising.kaufman_internal_energy : exact results to check against.

    Examples
    --------
    >>> bonds = torus_bonds((3, 3))
    >>> res = enumerate_expectation(lambda s: -0.4 * bond_sum(s, bonds), lambda s: -bond_sum(s, bonds) / 9, 9,
    ...                             return_log_partition=True)
    >>> print(f"{res.expectation:.6f} {res.log_partition:.6f}")
    -1.462122 8.456456
    """
    _check_callable(observable_fn, "observable_fn", "spins (B, n) int8 -> values (B, ...)")
    return_log_partition = _check_bool(return_log_partition, "return_log_partition")
    logz, expect = _enumerate(energy_fn, n, chunk_size, observable_fn)
    expect = _scalar_or_array(expect)
    if return_log_partition:
        return ExpectationWithLogPartition(expect, _scalar_or_array(logz))
    return expect


def enumerate_boltzmann_probabilities(energy_fn: Callable[[np.ndarray], np.ndarray], n: int,
                                      max_spins: int = 22) -> np.ndarray:
    r"""The full Boltzmann distribution :math:`p(s) = e^{-E(s)}/Z` over all states, in enumeration order.

    Needs ``8 * 2**n`` bytes per parameter value, hence ``n <= max_spins`` (default 22, 32 MiB).
    ``energy_fn`` must return shape ``(B,)``. Returns a float64 array of shape ``(2**n,)``.

    Examples
    --------
    >>> p = enumerate_boltzmann_probabilities(lambda s: -1.0 * s[:, 0] * s[:, 1], 2)
    >>> print(np.round(p, 4))
    [0.4404 0.0596 0.0596 0.4404]
    """
    _check_callable(energy_fn, "energy_fn", "spins (B, n) int8 -> reduced energies (B,)")
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

    See Also
    --------
    rglib.ising.kaufman_log_partition : :math:`\ln Z(K, 0)` in closed form.

    Examples
    --------
    >>> g = enumerate_torus_density_of_states((2, 2))
    >>> int(g.sum()), int(g[8 + 8, 4 + 4])  # 16 states; all up has S = 8, M = 4
    (16, 1)
    """
    L1, L2 = _check_shape2(shape)
    N = L1 * L2
    if N > MAX_ENUMERATION_SPINS:
        raise ValueError(f"shape must have L1 * L2 <= {MAX_ENUMERATION_SPINS}; got {L1} * {L2} = {N}")
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
