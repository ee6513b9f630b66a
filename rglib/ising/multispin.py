r"""Multi-spin coded Metropolis sampling of the zero-field 2D Ising model: 64 replicas per machine word.

Bit ``r`` of the ``uint64`` word at site ``(i, j)`` holds the spin of replica ``r`` at that site (bit set means
:math:`s = -1`, the library's enumeration convention). One bitwise instruction then acts on 64 independent
lattices. A checkerboard sweep updates all sites of one colour, then the other. For a site with spin word
:math:`s` and neighbour words :math:`n_1..n_4`, the words :math:`x_k = s \oplus n_k` mark the antiparallel
neighbours of every replica; with a bit adder they give, per replica, whether the number :math:`a` of antiparallel
neighbours is :math:`\ge 2`, 1 or 0. Flipping costs :math:`\Delta E = 2K(4 - 2a)`, so the Metropolis rule
:math:`\min(1, e^{-\Delta E})` flips

.. math::
    \text{flip} = [a \ge 2] \;\lor\; ([a = 1] \land B(e^{-4K})) \;\lor\; ([a = 0] \land B(e^{-8K}))

for ``K >= 0`` (for ``K < 0`` the roles of parallel and antiparallel neighbours swap). :math:`B(p)` is a word of
independent Bernoulli(p) bits, drawn *exactly*: a uniform number :math:`u = 0.u_1u_2\ldots` is compared with the
binary expansion :math:`p = 0.p_1p_2\ldots` digit by digit, one random word per digit, only on the lanes that
still need a decision, until every lane is decided (:math:`u < p` is then known). No truncation of :math:`p`,
no lookup table. Random words come from xoshiro256** seeded by SplitMix64 from ``seed``.

The kernels are compiled with numba (``cache=True``; the first call in a fresh environment compiles for a few
seconds). Only zero field is supported: a field breaks the two-outcome structure that makes the bit logic
cheap; use :func:`rglib.ising.checkerboard_metropolis` for :math:`h \ne 0`.

References
----------
.. [1] M. Creutz, L. Jacobs, C. Rebbi, "Experiments with a gauge-invariant Ising system", Phys. Rev. Lett. 42,
   1390 (1979) (multi-spin coding).
.. [2] D. Blackman, S. Vigna, "Scrambled linear pseudorandom number generators", ACM TOMS 47, 36 (2021).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from .._checks import check_int, check_real_array, numpy_generator
from .metropolis import ChainRecord

__all__ = ["REPLICAS_PER_WORD", "pack_replicas", "unpack_replicas", "bernoulli_digits", "multispin_metropolis"]

#: Number of independent replicas coded in one ``uint64`` word.
REPLICAS_PER_WORD = 64


# ----------------------------------------------------------------------------------------------- packing
def pack_replicas(spins) -> np.ndarray:
    """Pack ``(R, L1, L2)`` ±1 spins (``R`` a multiple of 64) into ``uint64`` words of shape ``(R/64, L1, L2)``.

    Replica ``64 w + r`` becomes bit ``r`` of word ``w``; a set bit means spin -1.

    Examples
    --------
    >>> s = -np.ones((64, 2, 2), dtype=np.int8); s[3] = 1
    >>> hex(int(pack_replicas(s)[0, 0, 0]))
    '0xfffffffffffffff7'
    """
    s = np.asarray(spins)
    if not np.issubdtype(s.dtype, np.integer):
        raise TypeError(f"spins must be an integer array of +-1 (e.g. int8); got dtype {s.dtype}")
    if s.ndim != 3 or s.shape[0] % REPLICAS_PER_WORD or 0 in s.shape:
        raise ValueError(f"spins must have shape (R, L1, L2) with R a positive multiple of 64 and L1, L2 >= 1; "
                         f"got {s.shape}")
    if not np.all((s == 1) | (s == -1)):
        raise ValueError("spins must contain only +1 and -1")
    bits = (s < 0).reshape(-1, REPLICAS_PER_WORD, *s.shape[1:])  # (W, 64, L1, L2)
    weights = np.left_shift(np.uint64(1), np.arange(REPLICAS_PER_WORD, dtype=np.uint64))
    return np.bitwise_or.reduce(bits.astype(np.uint64) * weights[None, :, None, None], axis=1)


def unpack_replicas(words) -> np.ndarray:
    """Inverse of :func:`pack_replicas`: ``(W, L1, L2)`` words to ``(64 W, L1, L2)`` int8 spins.

    Examples
    --------
    >>> s = np.random.default_rng(0).choice(np.array([-1, 1], dtype=np.int8), size=(128, 3, 4))
    >>> bool(np.array_equal(unpack_replicas(pack_replicas(s)), s))
    True
    """
    w = np.asarray(words)
    if w.dtype != np.uint64 or w.ndim != 3:
        raise TypeError(f"words must be a uint64 array of shape (W, L1, L2); got {w.dtype} {w.shape}")
    shifts = np.arange(REPLICAS_PER_WORD, dtype=np.uint64)
    bits = (w[:, None, :, :] >> shifts[None, :, None, None]) & np.uint64(1)
    return (1 - 2 * bits.astype(np.int8)).reshape(-1, *w.shape[1:])


def bernoulli_digits(p: float) -> np.ndarray:
    r"""The exact binary expansion :math:`p = \sum_k d_k 2^{-k}` of a float ``p`` in ``[0, 1]``, digits ``d_1, d_2, ...``.

    A float has a finite expansion (at most 1074 digits), so the comparison of a uniform :math:`u` with it is
    exact. ``p = 1`` is returned as an empty array with the convention handled by the sampler (always flip).

    Examples
    --------
    >>> bernoulli_digits(0.375)
    array([0, 1, 1], dtype=uint8)
    """
    p = float(check_real_array(p, "p", lower=0.0, upper=1.0))
    if p == 0.0 or p == 1.0:
        return np.zeros(0, dtype=np.uint8)
    m, e = math.frexp(p)  # p = m 2^e, 0.5 <= m < 1, e <= 0
    mant = int(m * 2**53)  # exact: 53-bit integer
    digits = [0] * (-e) + [int(b) for b in format(mant, "053b")]
    while digits and digits[-1] == 0:
        digits.pop()
    return np.array(digits, dtype=np.uint8)


# ----------------------------------------------------------------------------------------------- kernels
@njit(cache=True)
def _count_lanes(counter, x):
    """Add the 64 bits of ``x`` to the bit-sliced per-lane counters ``counter[k]`` (bit k of each lane's count)."""
    carry = x
    for k in range(counter.size):
        if carry == np.uint64(0):
            return
        t = counter[k] & carry
        counter[k] ^= carry
        carry = t


@njit(cache=True)
def _lane_totals(counter, out):
    for r in range(64):
        total = 0
        for k in range(counter.size):
            total += int((counter[k] >> np.uint64(r)) & np.uint64(1)) << k
        out[r] = total


@njit(cache=True)
def _measure(w, L1, L2, S_out, M_out, counter):
    """Bond sum S and magnetization M of every replica of the words ``w`` (L1, L2)."""
    n = L1 * L2
    counter[:] = 0
    for i in range(L1):
        for j in range(L2):
            _count_lanes(counter, w[i, j])
    down = np.empty(64, dtype=np.int64)
    _lane_totals(counter, down)
    for r in range(64):
        M_out[r] = n - 2 * down[r]
    counter[:] = 0
    for i in range(L1):
        ip = i + 1 if i + 1 < L1 else 0
        for j in range(L2):
            jp = j + 1 if j + 1 < L2 else 0
            _count_lanes(counter, w[i, j] ^ w[i, jp])
            _count_lanes(counter, w[i, j] ^ w[ip, j])
    _lane_totals(counter, down)
    for r in range(64):
        S_out[r] = 2 * n - 2 * down[r]


@njit(cache=True)
def _sweeps(words, n_sweeps, d1, d2, always1, always2, anti, state, measure_every, S, M):
    n_words, L1, L2 = words.shape
    counter = np.zeros(20, dtype=np.uint64)
    zero = np.uint64(0)
    flipmask = np.uint64(0xFFFFFFFFFFFFFFFF) if anti else zero
    nd = max(d1.size, d2.size)
    dig1 = np.zeros(nd, dtype=np.uint64)  # digit k as an all-ones / all-zeros word
    dig2 = np.zeros(nd, dtype=np.uint64)
    for k in range(d1.size):
        dig1[k] = np.uint64(0xFFFFFFFFFFFFFFFF) if d1[k] else zero
    for k in range(d2.size):
        dig2[k] = np.uint64(0xFFFFFFFFFFFFFFFF) if d2[k] else zero
    r0, r1, r2, r3 = state[0], state[1], state[2], state[3]
    # Cache-friendly order of one checkerboard sweep: colour 0 of row i, then colour 1 of row i - 1 (its four
    # neighbours, colour 0 of rows i - 2, i - 1, i, are then all updated); colour 1 of rows L1 - 1 and 0 last.
    # Every colour-1 site sees updated colour-0 neighbours and every colour-0 site old colour-1 ones, exactly as in
    # the two-pass sweep, so the Markov kernel is the same; only ~3 rows are touched at a time.
    sched_row = np.empty(2 * L1, dtype=np.int64)
    sched_color = np.empty(2 * L1, dtype=np.int64)
    n = 0
    for i in range(L1):
        sched_row[n] = i
        sched_color[n] = 0
        n += 1
        if i >= 2:
            sched_row[n] = i - 1
            sched_color[n] = 1
            n += 1
    sched_row[n] = L1 - 1  # L1 is even, so L1 - 1 >= 1
    sched_color[n] = 1
    sched_row[n + 1] = 0
    sched_color[n + 1] = 1
    m = 0
    for sweep in range(n_sweeps):
        for wd in range(n_words):
            w = words[wd]
            for step in range(2 * L1):
                i = sched_row[step]
                color = sched_color[step]
                im = i - 1 if i > 0 else L1 - 1
                ip = i + 1 if i + 1 < L1 else 0
                for j in range((i + color) & 1, L2, 2):
                    jm = j - 1 if j > 0 else L2 - 1
                    jp = j + 1 if j + 1 < L2 else 0
                    s = w[i, j]
                    x1 = (s ^ w[im, j]) ^ flipmask
                    x2 = (s ^ w[ip, j]) ^ flipmask
                    x3 = (s ^ w[i, jm]) ^ flipmask
                    x4 = (s ^ w[i, jp]) ^ flipmask
                    s12 = x1 ^ x2
                    c12 = x1 & x2
                    s34 = x3 ^ x4
                    c34 = x3 & x4
                    flip = c12 | c34 | (s12 & s34)  # a >= 2: always
                    u1 = (s12 ^ s34) & ~(c12 | c34)  # a == 1: Bernoulli(e^{-4|K|}); undecided lanes
                    u0 = ~(x1 | x2 | x3 | x4)  # a == 0: Bernoulli(e^{-8|K|})
                    if always1:
                        flip |= u1
                        u1 = zero
                    if always2:
                        flip |= u0
                        u0 = zero
                    k = 0
                    # one random word per digit serves both groups: their lanes are disjoint
                    while (u1 | u0) != zero and k < nd:
                        # xoshiro256** step (inlined)
                        rnd = (((r1 * np.uint64(5)) << np.uint64(7)) | ((r1 * np.uint64(5)) >> np.uint64(57))) \
                            * np.uint64(9)
                        tt = r1 << np.uint64(17)
                        r2 ^= r0
                        r3 ^= r1
                        r1 ^= r2
                        r0 ^= r3
                        r2 ^= tt
                        r3 = (r3 << np.uint64(45)) | (r3 >> np.uint64(19))
                        # digit 1: lanes with u_k = 0 are decided "flip", u_k = 1 continue;
                        # digit 0: lanes with u_k = 1 are decided "no flip", u_k = 0 continue
                        flip |= (u1 & dig1[k] & ~rnd) | (u0 & dig2[k] & ~rnd)
                        u1 &= (dig1[k] & rnd) | (~dig1[k] & ~rnd)
                        u0 &= (dig2[k] & rnd) | (~dig2[k] & ~rnd)
                        k += 1
                    w[i, j] = s ^ flip
            if measure_every > 0 and (sweep + 1) % measure_every == 0:
                _measure(w, L1, L2, S[m, wd], M[m, wd], counter)
        if measure_every > 0 and (sweep + 1) % measure_every == 0:
            m += 1
    state[0], state[1], state[2], state[3] = r0, r1, r2, r3


def _seed_state(seed) -> np.ndarray:
    """xoshiro256** state from SplitMix64 of a 64-bit seed drawn from ``seed`` (int, None or numpy Generator)."""
    x = int(numpy_generator(seed).integers(0, 2**64, dtype=np.uint64))
    out = np.empty(4, dtype=np.uint64)
    for k in range(4):
        x = (x + 0x9E3779B97F4A7C15) % 2**64
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % 2**64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % 2**64
        out[k] = z ^ (z >> 31)
    if not out.any():  # pragma: no cover - probability 2**-256
        out[0] = 1
    return out


# ----------------------------------------------------------------------------------------------- public API
def multispin_metropolis(spins, K: float, n_sweeps: int = 1, *, seed=None, measure_every: int = 1,
                         packed: bool = False, max_site_updates: float = 1e13) -> ChainRecord:
    r"""Metropolis sweeps of ``R`` replicas (``R`` a multiple of 64) of an ``L1 x L2`` torus at one coupling, ``h = 0``.

    Parameters
    ----------
    spins : array of int8, shape ``(R, L1, L2)``, or uint64 words ``(R/64, L1, L2)`` with ``packed=True``
        Initial configurations; ``L1`` and ``L2`` even (checkerboard), ``R`` a positive multiple of 64.
    K : float
        Coupling ``K = beta J`` (any finite real; ``K < 0`` is the antiferromagnet).
    n_sweeps : int
        Number of sweeps (every site visited once per sweep).
    seed : int, None or numpy.random.Generator
        Source of the random words.
    measure_every : int
        Record the bond sum and magnetization of every replica after every ``measure_every`` sweeps (0: never).
    packed : bool
        ``spins`` are already packed words; the result's ``spins`` are then packed words too.
    max_site_updates : float
        Refuse, before starting, a request of more than this many single-replica site updates
        (``R * L1 * L2 * n_sweeps``; the default 1e13 is hours on one core at ~1 flip/ns).

    Returns
    -------
    ChainRecord
        ``spins`` (numpy, int8 ``(R, L1, L2)`` or packed words), ``bond_sum`` and ``magnetization`` of shape
        ``(n_measurements, R)``, ``n_sites``.

    See Also
    --------
    rglib.ising.checkerboard_metropolis : single-spin coded sampler (any field, torch, CPU/CUDA).

    Examples
    --------
    >>> s0 = np.ones((64, 8, 8), dtype=np.int8)
    >>> rec = multispin_metropolis(s0, 0.2, 20, seed=1, measure_every=10)
    >>> rec.bond_sum.shape, rec.spins.dtype
    ((2, 64), dtype('int8'))
    """
    if not isinstance(packed, (bool, np.bool_)):
        raise TypeError(f"packed must be a bool; got {type(packed).__name__}")
    if packed:
        words = np.asarray(spins)
        if words.dtype != np.uint64 or words.ndim != 3 or words.shape[0] < 1:
            raise TypeError(f"spins must be uint64 words of shape (W, L1, L2) when packed=True; got "
                            f"{words.dtype} {words.shape}")
        words = words.copy()
    else:
        words = pack_replicas(spins)
    n_words, L1, L2 = words.shape
    if L1 % 2 or L2 % 2 or L1 < 2 or L2 < 2:
        raise ValueError(f"spins must have even lattice sides >= 2 (checkerboard); got {L1} x {L2}")
    K = check_real_array(K, "K")
    if K.ndim:
        raise ValueError(f"K must be a single real number; got shape {K.shape}")
    K = float(K)
    n_sweeps = check_int(n_sweeps, "n_sweeps", 0)
    measure_every = check_int(measure_every, "measure_every", 0)
    n_meas = n_sweeps // measure_every if measure_every else 0
    cap = float(check_real_array(max_site_updates, "max_site_updates", lower=0.0, lower_strict=True))
    cost = 64.0 * n_words * L1 * L2 * n_sweeps
    if cost > cap:
        raise ValueError(f"n_sweeps = {n_sweeps} on {64 * n_words} replicas of {L1} x {L2} is {cost:.3g} site updates "
                         f"(about {cost / 1e9 / 3600:.2g} h at 1 flip/ns), above max_site_updates = {cap:.3g}; "
                         "raise max_site_updates to run it anyway")
    S = np.zeros((n_meas, n_words, 64), dtype=np.int64)
    M = np.zeros((n_meas, n_words, 64), dtype=np.int64)
    p1, p2 = math.exp(-4.0 * abs(K)), math.exp(-8.0 * abs(K))
    d1, d2 = bernoulli_digits(p1), bernoulli_digits(p2)
    _sweeps(words, n_sweeps, d1, d2, p1 == 1.0, p2 == 1.0, K < 0, _seed_state(seed), measure_every, S, M)
    out = words if packed else unpack_replicas(words)
    return ChainRecord(out, S.reshape(n_meas, 64 * n_words), M.reshape(n_meas, 64 * n_words), L1 * L2)
