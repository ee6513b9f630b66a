r"""Multi-spin coded Metropolis sampling of the zero-field 2D Ising model in torch (CPU and CUDA).

The algorithm of :mod:`rglib.ising.multispin`, written with whole-array torch operations so that it runs on a GPU.
Bit ``r`` of the ``int64`` word at site ``(i, j)`` holds the spin of replica ``r`` (bit set means :math:`s = -1`),
so one bitwise operation acts on 64 independent lattices; torch has no ``uint64`` arithmetic, but the bitwise
operations (``& | ^ ~``) on ``int64`` are the same bit for bit, and the words are those of
:func:`rglib.ising.pack_replicas` viewed as ``int64``.

One sweep updates the sublattice :math:`i + j` even, then the odd one (the same Markov kernel as the numba
sampler). Each sublattice is stored compactly, ``(W, L1, L2/2)``. For the words :math:`x_k = s \oplus n_k` of
antiparallel neighbours (parallel ones for ``K < 0``) a bit adder gives, per replica, whether their number
:math:`a` is :math:`\ge 2`, 1 or 0, and the Metropolis rule flips

.. math::
    \text{flip} = [a \ge 2] \;\lor\; ([a = 1] \land B(e^{-4|K|})) \;\lor\; ([a = 0] \land B(e^{-8|K|})).

The Bernoulli words :math:`B(p)` are exact: a uniform :math:`u = 0.u_1u_2\ldots` is compared with the binary
expansion of :math:`p` one random word (one digit) at a time, on the lanes still undecided. The first
``FULL_DIGITS`` digits are drawn for the whole sublattice without a host synchronisation; then the sites with
undecided lanes are gathered and only they draw further digits, ``FULL_DIGITS`` at a time, until none is left
(one host synchronisation per chunk: a lane survives ``k`` digits with probability :math:`2^{-k}`).

Random words come from a ``torch.Generator`` on the device (``random_`` over the full 64-bit range), so a seed
gives bit-identical chains on one device; CPU and CUDA streams differ.

References
----------
.. [1] M. Creutz, L. Jacobs, C. Rebbi, "Experiments with a gauge-invariant Ising system", Phys. Rev. Lett. 42,
   1390 (1979) (multi-spin coding).
"""
from __future__ import annotations

import math
import sys

import numpy as np
import torch

from .._checks import check_device, check_int, check_real, check_real_array, torch_generator
from ._mc import ChainRecord
from .multispin import REPLICAS_PER_WORD, bernoulli_digits

__all__ = ["FULL_DIGITS", "pack_replicas_torch", "unpack_replicas_torch", "multispin_metropolis_torch"]

#: Digits of the exact Bernoulli comparison drawn for every site before the undecided sites are gathered.
FULL_DIGITS = 8

_INT64_MIN = -(2**63)


def _check_little_endian() -> None:
    if sys.byteorder != "little":  # pragma: no cover - every platform torch supports is little-endian
        raise RuntimeError("multispin_metropolis_torch needs a little-endian machine (bytes of a word = lanes)")


# ----------------------------------------------------------------------------------------------- packing
def pack_replicas_torch(spins, device=None) -> torch.Tensor:
    r"""Pack ``(R, L1, L2)`` ±1 spins (``R`` a multiple of 64) into ``int64`` words ``(R/64, L1, L2)`` on ``device``.

    Replica ``64 w + r`` becomes bit ``r`` of word ``w`` (set bit: spin -1), the bits of
    :func:`rglib.ising.pack_replicas`.

    Examples
    --------
    >>> s = -torch.ones((64, 2, 2), dtype=torch.int8); s[3] = 1
    >>> hex(int(pack_replicas_torch(s)[0, 0, 0]) % 2**64)
    '0xfffffffffffffff7'
    """
    _check_little_endian()
    device = check_device(device)
    if isinstance(spins, torch.Tensor):
        if spins.dtype != torch.int8:
            raise TypeError(f"spins must have dtype torch.int8 (or be an int8 numpy array); got {spins.dtype}")
        s = spins if device is None else spins.to(device)
    else:
        a = np.asarray(spins)
        if a.dtype != np.int8:
            raise TypeError(f"spins must be an int8 array of +-1; got dtype {a.dtype}")
        s = torch.from_numpy(np.ascontiguousarray(a)).to(device or "cpu")
    if s.ndim != 3 or s.shape[0] % REPLICAS_PER_WORD or 0 in s.shape:
        raise ValueError(f"spins must have shape (R, L1, L2) with R a positive multiple of 64 and L1, L2 >= 1; "
                         f"got {tuple(s.shape)}")
    if not bool(((s == 1) | (s == -1)).all()):
        raise ValueError("spins must contain only +1 and -1")
    R, L1, L2 = s.shape
    bits = (s < 0).to(torch.int16).view(R // 64, 8, 8, L1, L2)  # replica 64 w + 8 b + t
    weights = (1 << torch.arange(8, device=s.device, dtype=torch.int16)).view(1, 1, 8, 1, 1)
    byte = (bits * weights).sum(dim=2).to(torch.uint8)  # (W, 8, L1, L2)
    return byte.permute(0, 2, 3, 1).contiguous().view(torch.int64).view(R // 64, L1, L2)


def unpack_replicas_torch(words) -> torch.Tensor:
    r"""Inverse of :func:`pack_replicas_torch`: ``int64`` words ``(W, L1, L2)`` to ``int8`` spins ``(64 W, L1, L2)``.

    Examples
    --------
    >>> s = torch.where(torch.rand(128, 3, 4, generator=torch.Generator().manual_seed(0)) < 0.5, 1, -1)
    >>> bool(torch.equal(unpack_replicas_torch(pack_replicas_torch(s.to(torch.int8))), s.to(torch.int8)))
    True
    """
    _check_little_endian()
    if not isinstance(words, torch.Tensor) or words.dtype != torch.int64 or words.ndim != 3:
        raise TypeError(f"words must be a torch.int64 tensor of shape (W, L1, L2); got "
                        f"{getattr(words, 'dtype', type(words).__name__)} {tuple(getattr(words, 'shape', ()))}")
    W, L1, L2 = words.shape
    byte = words.contiguous().view(torch.uint8).view(W, L1, L2, 8)
    shifts = torch.arange(8, dtype=torch.uint8, device=words.device)
    bits = (byte.unsqueeze(-1) >> shifts) & 1  # (W, L1, L2, 8 bytes, 8 bits)
    return (1 - 2 * bits.permute(0, 3, 4, 1, 2).to(torch.int8)).reshape(64 * W, L1, L2)


# ----------------------------------------------------------------------------------------------- sublattices
def _split(w: torch.Tensor):
    """(W, L1, L2) words -> sublattices A (i + j even) and B (i + j odd), each (W, L1, L2/2)."""
    W, L1, L2 = w.shape
    v = w.view(W, L1 // 2, 2, L2 // 2, 2)
    A = torch.empty((W, L1 // 2, 2, L2 // 2), dtype=w.dtype, device=w.device)
    B = torch.empty_like(A)
    A[:, :, 0] = v[:, :, 0, :, 0]
    A[:, :, 1] = v[:, :, 1, :, 1]
    B[:, :, 0] = v[:, :, 0, :, 1]
    B[:, :, 1] = v[:, :, 1, :, 0]
    return A.view(W, L1, L2 // 2), B.view(W, L1, L2 // 2)


def _merge(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    W, L1, H = A.shape
    w = torch.empty((W, L1 // 2, 2, H, 2), dtype=A.dtype, device=A.device)
    a, b = A.view(W, L1 // 2, 2, H), B.view(W, L1 // 2, 2, H)
    w[:, :, 0, :, 0] = a[:, :, 0]
    w[:, :, 1, :, 1] = a[:, :, 1]
    w[:, :, 0, :, 1] = b[:, :, 0]
    w[:, :, 1, :, 0] = b[:, :, 1]
    return w.view(W, L1, 2 * H)


def _neighbours(X: torch.Tensor, shift: int):
    """The four neighbour words (in sublattice X, (W, L1, H)) of every site of the other sublattice.

    Vertical: X[i -+ 1, k]; horizontal: X[i, k] and X[i, k - shift] on even rows, X[i, k + shift] on odd rows
    (shift = +1 for the sites of A, -1 for those of B).
    """
    W, L1, H = X.shape
    side = torch.empty_like(X)
    xv, sv = X.view(W, L1 // 2, 2, H), side.view(W, L1 // 2, 2, H)
    sv[:, :, 0] = torch.roll(xv[:, :, 0], shift, dims=-1)
    sv[:, :, 1] = torch.roll(xv[:, :, 1], -shift, dims=-1)
    return torch.roll(X, 1, dims=1), torch.roll(X, -1, dims=1), X, side


def _lane_counts(x: torch.Tensor) -> torch.Tensor:
    """Number of set bits of every lane over the words of each replica block: (W, ...) int64 -> (W, 64) int64."""
    W = x.shape[0]
    byte = x.contiguous().view(torch.uint8).view(W, -1, 8, 1)  # little-endian: byte b holds lanes 8b..8b+7
    shifts = torch.arange(8, dtype=torch.uint8, device=x.device)
    return ((byte >> shifts) & 1).to(torch.int32).sum(dim=1).view(W, 64).to(torch.int64)


# ----------------------------------------------------------------------------------------------- update
def _digit_step(k, d1, d2, flip, u1, u0, rnd, nrnd):
    """Compare one digit of u (the random word) with digit k of p1 (lanes u1) and p2 (lanes u0), in place."""
    for digits, u in ((d1, u1), (d2, u0)):
        if k >= len(digits):  # p's expansion ended: u > p on every lane still equal, no flip
            u.zero_()
        elif digits[k]:  # p digit 1: u digit 0 decides "flip", 1 continues
            flip |= u & nrnd
            u &= rnd
        else:  # p digit 0: u digit 1 decides "no flip", 0 continues
            u &= nrnd


def _bernoulli_flips(flip, u1, u0, d1, d2, gen):
    """Add the exact Bernoulli(p1) lanes of u1 and Bernoulli(p2) lanes of u0 to flip (flat int64, in place).

    ``FULL_DIGITS`` digits on every word, then on the gathered words with undecided lanes only, until none is left.
    """
    n_digits = max(len(d1), len(d2))
    f, a, b, idx = flip, u1, u0, None
    k = 0
    while k < n_digits:
        rnd, nrnd = torch.empty_like(f), torch.empty_like(f)
        for _ in range(min(FULL_DIGITS, n_digits - k)):
            rnd.random_(_INT64_MIN, None, generator=gen)
            torch.bitwise_not(rnd, out=nrnd)
            _digit_step(k, d1, d2, f, a, b, rnd, nrnd)
            k += 1
        if idx is not None:
            flip[idx] = f
        if k >= n_digits:
            break
        live = torch.nonzero(a | b).squeeze(1)  # one host synchronisation per chunk of digits
        if live.numel() == 0:
            break
        idx = live if idx is None else idx[live]
        f, a, b = flip[idx], a[live], b[live]


def _update(X, Y, shift, anti, d1, d2, always1, always2, gen):
    """One Metropolis update of every site of sublattice X (neighbours in Y), in place."""
    n1, n2, n3, n4 = _neighbours(Y, shift)
    x1, x2, x3, x4 = X ^ n1, X ^ n2, X ^ n3, X ^ n4
    if anti:  # K < 0: parallel neighbours play the role of antiparallel ones
        for x in (x1, x2, x3, x4):
            x.bitwise_not_()
    s12, c12, s34, c34 = x1 ^ x2, x1 & x2, x3 ^ x4, x3 & x4
    carry = c12 | c34
    flip = carry | (s12 & s34)  # a >= 2: always
    u1 = (s12 ^ s34) & ~carry  # a == 1: Bernoulli(e^{-4|K|})
    u0 = ~(x1 | x2 | x3 | x4)  # a == 0: Bernoulli(e^{-8|K|})
    if always1:
        flip |= u1
        u1.zero_()
    if always2:
        flip |= u0
        u0.zero_()
    flat = flip.view(-1)
    _bernoulli_flips(flat, u1.view(-1), u0.view(-1), d1, d2, gen)
    X ^= flip


def _measure(A, B):
    """Bond sum S and magnetization M of every replica, (W * 64,) each, on the device."""
    n = 2 * A[0].numel()
    down = _lane_counts(torch.cat([A, B], dim=1))
    anti = _lane_counts(torch.cat([A ^ nb for nb in _neighbours(B, 1)], dim=1))  # the 4 bonds of every A site
    return (2 * n - 2 * anti).view(-1), (n - 2 * down).view(-1)


# ----------------------------------------------------------------------------------------------- public API
def _multispin_metropolis_torch_iv(spins, K, n_sweeps, seed, device, measure_every, packed, max_site_updates):
    if not isinstance(packed, (bool, np.bool_)):
        raise TypeError(f"packed must be a bool; got {type(packed).__name__}")
    device = check_device(device)
    if packed:
        w = spins
        if isinstance(w, np.ndarray) and w.dtype in (np.uint64, np.int64) and w.ndim == 3:
            w = torch.from_numpy(np.ascontiguousarray(w).view(np.int64))
        if not isinstance(w, torch.Tensor) or w.dtype != torch.int64 or w.ndim != 3 or w.shape[0] < 1:
            raise TypeError(f"spins must be int64 (or numpy uint64) words of shape (W, L1, L2) when packed=True; "
                            f"got {getattr(w, 'dtype', type(w).__name__)} {tuple(getattr(w, 'shape', ()))}")
        words = w.to(device) if device is not None else w
        words = words.clone()
    else:
        words = pack_replicas_torch(spins, device)
    W, L1, L2 = words.shape
    if L1 % 2 or L2 % 2 or L1 < 2 or L2 < 2:
        raise ValueError(f"spins must have even lattice sides >= 2 (checkerboard); got {L1} x {L2}")
    K = check_real_array(K, "K")
    if K.ndim:
        raise ValueError(f"K must be a single real number; got shape {K.shape}")
    n_sweeps = check_int(n_sweeps, "n_sweeps", 0)
    measure_every = check_int(measure_every, "measure_every", 0)
    cap = check_real(max_site_updates, "max_site_updates", lower=0.0, lower_strict=True)
    cost = 64.0 * W * L1 * L2 * n_sweeps
    if cost > cap:
        raise ValueError(f"n_sweeps = {n_sweeps} on {64 * W} replicas of {L1} x {L2} is {cost:.3g} site updates "
                         f"(about {cost / 1e9 / 3600:.2g} h at 1 flip/ns), above max_site_updates = {cap:.3g}; "
                         "raise max_site_updates to run it anyway")
    gen = torch_generator(seed, words.device)
    return words, float(K), n_sweeps, gen, measure_every


def multispin_metropolis_torch(spins, K: float, n_sweeps: int = 1, *, seed=None, device=None,
                               measure_every: int = 1, packed: bool = False,
                               max_site_updates: float = 1e13) -> ChainRecord:
    r"""Metropolis sweeps of ``R`` replicas (``R`` a multiple of 64) of an ``L1 x L2`` torus at one coupling, ``h = 0``.

    The torch counterpart of :func:`rglib.ising.multispin_metropolis`, with the same arguments and record.

    Parameters
    ----------
    spins : int8 tensor or array ``(R, L1, L2)``, or ``int64`` words ``(R/64, L1, L2)`` with ``packed=True``
        Initial configurations (not modified); ``L1`` and ``L2`` even, ``R`` a positive multiple of 64. Packed
        words may also be the numpy ``uint64`` words of :func:`rglib.ising.pack_replicas`.
    K : float
        Coupling ``K = beta J`` (any finite real; ``K < 0`` is the antiferromagnet).
    n_sweeps : int
        Number of sweeps (every site updated once per sweep).
    seed : None, int, numpy.random.Generator or torch.Generator
        Source of the random words (a torch generator must live on ``device``).
    device : str or torch.device, optional
        Where to run (default: where ``spins`` is; numpy input runs on CPU).
    measure_every : int
        Record the bond sum and magnetization of every replica after every ``measure_every`` sweeps (0: never).
    packed : bool
        ``spins`` are packed words; the result's ``spins`` are then ``int64`` words too.
    max_site_updates : float
        Refuse a request of more than this many single-replica site updates (``R * L1 * L2 * n_sweeps``).

    Returns
    -------
    ChainRecord
        ``spins`` (torch on ``device``: ``int8 (R, L1, L2)`` or ``int64`` words), ``bond_sum`` and
        ``magnetization`` (numpy int64, shape ``(n_measurements, R)``), ``n_sites``.

    See Also
    --------
    rglib.ising.multispin_metropolis : the compiled CPU kernel (faster on one core).
    rglib.ising.checkerboard_metropolis : single-spin sampler (any field).

    Examples
    --------
    >>> s0 = torch.ones((64, 8, 8), dtype=torch.int8)
    >>> rec = multispin_metropolis_torch(s0, 0.2, 20, seed=1, measure_every=10)
    >>> rec.bond_sum.shape, rec.spins.dtype
    ((2, 64), torch.int8)
    """
    words, K, n_sweeps, gen, measure_every = _multispin_metropolis_torch_iv(
        spins, K, n_sweeps, seed, device, measure_every, packed, max_site_updates)
    W, L1, L2 = words.shape
    p1, p2 = math.exp(-4.0 * abs(K)), math.exp(-8.0 * abs(K))
    d1, d2 = bernoulli_digits(p1).tolist(), bernoulli_digits(p2).tolist()
    always1, always2, anti = p1 == 1.0, p2 == 1.0, K < 0
    A, B = _split(words)
    S_rec, M_rec = [], []
    for sweep in range(1, n_sweeps + 1):
        _update(A, B, 1, anti, d1, d2, always1, always2, gen)
        _update(B, A, -1, anti, d1, d2, always1, always2, gen)
        if measure_every and sweep % measure_every == 0:
            S, M = _measure(A, B)
            S_rec.append(S)
            M_rec.append(M)
    R = 64 * W
    if S_rec:
        S_out, M_out = torch.stack(S_rec).cpu().numpy(), torch.stack(M_rec).cpu().numpy()
    else:
        S_out, M_out = np.zeros((0, R), dtype=np.int64), np.zeros((0, R), dtype=np.int64)
    out = _merge(A, B)
    return ChainRecord(out if packed else unpack_replicas_torch(out), S_out, M_out, L1 * L2)
