r"""Checkerboard Metropolis and heat-bath sampling of the 2D Ising model (torch, CPU and CUDA).

Conventions
-----------
* Lattices are ``int8`` arrays of +-1 with shape ``(*batch, L1, L2)`` and periodic boundaries; the batch
  axes hold chains and temperatures. ``K = beta J`` and ``h = beta H`` broadcast against ``batch`` (one
  coupling per lattice), so one call runs many chains at many temperatures.
* The weight of a configuration is :math:`e^{K S + h M}` with :math:`S = \sum_{\langle ij\rangle} s_i s_j`
  over the ``2 L1 L2`` bonds of the torus and :math:`M = \sum_i s_i` (see :mod:`rglib.ising`).
* Every random choice comes from an explicit seed or generator (``torch.Generator`` for the torch sampler,
  ``numpy.random.Generator`` for the cluster sampler).
* One *sweep* updates every site once on average (Metropolis: exactly once; Swendsen-Wang: one cluster
  decomposition of the whole lattice).
* Samplers record, after every ``measure_every`` sweeps, the bond sum ``S`` and the magnetization ``M`` of
  every lattice (integers); :func:`sample_configurations` draws independent configurations.

Algorithms
----------
``checkerboard_metropolis``
    The lattice is split into the two sublattices of a checkerboard (this needs even sides). All sites of
    one colour have their neighbours in the other colour, so they are updated at once. Each sublattice is
    stored compactly as an ``(L1, L2/2)`` array, which halves memory traffic and random numbers. Flip
    probability: :math:`\min(1, e^{-\Delta E})` (Metropolis) or :math:`1/(1 + e^{\Delta E})` (heat bath),
    with :math:`\Delta E = 2 s_i (K \sum_{j\sim i} s_j + h)`.
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import torch

from .._checks import check_choice, check_device, check_even_int, check_int, check_real, numpy_generator
from .._checks import torch_generator
from ._mc import MAX_SITE_UPDATES, ChainRecord, budget, check_site_updates, couplings, numpy_lattices

__all__ = ["ChainRecord", "MAX_SITE_UPDATES", "MAX_RANDOM_SPINS", "random_spins", "checkerboard_metropolis"]

#: Largest number of spins :func:`random_spins` draws in one call (8 GiB of uniform float32 draws).
MAX_RANDOM_SPINS = 2**31


def _shape(shape) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, (bool, np.bool_)):
        shape = (shape,)
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        raise TypeError(f"shape must be a tuple of ints, e.g. (n_chains, L, L); got {shape!r}")
    out = tuple(check_int(k, "shape", 1) for k in shape)
    if not out:
        raise ValueError("shape must have at least one axis; got ()")
    size = float(np.prod([float(k) for k in out]))
    if size > MAX_RANDOM_SPINS:
        raise ValueError(f"shape {out} asks for {size:.3g} spins, more than MAX_RANDOM_SPINS = {MAX_RANDOM_SPINS}")
    return out


def random_spins(shape, seed=None, device=None, p_up: float = 0.5, backend: Literal["torch", "numpy"] = "torch"):
    r"""Independent random spins, ``+1`` with probability ``p_up``, as ``int8``.

    .. math:: P(s_i = +1) = p_\mathrm{up}, \qquad P(s_i = -1) = 1 - p_\mathrm{up}, \quad \text{independently.}

    Parameters
    ----------
    shape : tuple of int
        Output shape, e.g. ``(n_chains, L, L)``; every entry ``>= 1``, at most ``MAX_RANDOM_SPINS`` spins.
    seed : None, int, numpy.random.Generator or torch.Generator
        Randomness (a torch generator only with the torch backend; it must live on ``device``).
    device : str or torch.device, optional
        Where the torch tensor lives (torch backend only).
    p_up : float
        Probability of ``+1``, in ``[0, 1]`` (1 gives a cold, ordered start).
    backend : "torch" or "numpy"
        Return a ``torch.Tensor`` or a ``numpy.ndarray``.

    Examples
    --------
    >>> random_spins((2, 3), seed=0, backend="numpy")
    array([[-1,  1,  1],
           [ 1, -1, -1]], dtype=int8)
    """
    shape = _shape(shape)
    p_up = check_real(p_up, "p_up", lower=0.0, upper=1.0, what="0 <= p_up <= 1 (a probability)")
    backend = check_choice(backend, "backend", ("torch", "numpy"))
    if backend == "torch":
        gen = torch_generator(seed, device)
        u = torch.rand(shape, generator=gen, device=gen.device)
        return torch.where(u < p_up, 1, -1).to(torch.int8)
    if device is not None:
        raise ValueError(f"device is for the torch backend only; got device={device!r} with backend='numpy'")
    rng = numpy_generator(seed)
    return np.where(rng.random(shape) < p_up, 1, -1).astype(np.int8)


def _torch_lattices(spins, device) -> torch.Tensor:
    r"""spins (numpy or torch int8, +-1, shape (*batch, L1, L2), at least one lattice) as a tensor on device."""
    if isinstance(spins, torch.Tensor):
        if spins.dtype != torch.int8:
            raise TypeError(f"spins must have dtype torch.int8 (or be an int8 numpy array); got {spins.dtype}")
        if spins.ndim < 2 or spins.shape[-1] < 1 or spins.shape[-2] < 1:
            raise ValueError(f"spins must have shape (*batch, L1, L2) with non-empty sides; got shape "
                             f"{tuple(spins.shape)}")
        if spins.numel() == 0:
            raise ValueError(f"spins holds no configuration (shape {tuple(spins.shape)}); give at least one")
        if not bool(((spins == 1) | (spins == -1)).all()):
            raise ValueError("spins must contain only +1 and -1")
        t = spins
    else:
        t = torch.from_numpy(np.ascontiguousarray(numpy_lattices(spins)))
    return t if device is None else t.to(device)


def _split(s: torch.Tensor):
    r"""(B, L1, L2) -> sublattices A (i+j even) and B (i+j odd), each stored batch-last as (L1, L2/2, B).

    Batch-last storage makes every neighbour shift a copy of contiguous blocks of B elements, which keeps
    small lattices with large batches as fast as large lattices.
    """
    Bt, L1, L2 = s.shape
    v = s.permute(1, 2, 0).reshape(L1 // 2, 2, L2 // 2, 2, Bt)
    A = torch.empty((L1 // 2, 2, L2 // 2, Bt), dtype=s.dtype, device=s.device)
    Bs = torch.empty_like(A)
    A[:, 0] = v[:, 0, :, 0]  # even rows, even columns
    A[:, 1] = v[:, 1, :, 1]  # odd rows, odd columns
    Bs[:, 0] = v[:, 0, :, 1]
    Bs[:, 1] = v[:, 1, :, 0]
    return A.view(L1, L2 // 2, Bt), Bs.view(L1, L2 // 2, Bt)


def _merge(A: torch.Tensor, Bs: torch.Tensor) -> torch.Tensor:
    L1, H, Bt = A.shape
    s = torch.empty((L1 // 2, 2, H, 2, Bt), dtype=A.dtype, device=A.device)
    a = A.view(L1 // 2, 2, H, Bt)
    b = Bs.view(L1 // 2, 2, H, Bt)
    s[:, 0, :, 0] = a[:, 0]
    s[:, 1, :, 1] = a[:, 1]
    s[:, 0, :, 1] = b[:, 0]
    s[:, 1, :, 0] = b[:, 1]
    return s.view(L1, 2 * H, Bt).permute(2, 0, 1).contiguous()


def _neighbour_sum(X: torch.Tensor, out: torch.Tensor, even_shift: int) -> torch.Tensor:
    r"""Sum of the four neighbours (in sublattice X, shape (L1, H, B)) of every site of the other sublattice.

    Vertical neighbours are X[i +- 1, k]; horizontal ones are X[i, k] and X[i, k - even_shift] on even rows,
    X[i, k + even_shift] on odd rows (even_shift = +1 for sublattice A sites, -1 for B sites).
    """
    L1, H, Bt = X.shape
    torch.add(torch.roll(X, 1, dims=0), torch.roll(X, -1, dims=0), out=out)
    out += X
    xv = X.view(L1 // 2, 2, H, Bt)
    ov = out.view(L1 // 2, 2, H, Bt)
    ov[:, 0] += torch.roll(xv[:, 0], even_shift, dims=1)
    ov[:, 1] += torch.roll(xv[:, 1], -even_shift, dims=1)
    return out


def _checkerboard_metropolis_iv(spins, K, h, n_sweeps, seed, device, rule, measure_every, max_site_updates):
    device = check_device(device)
    s = _torch_lattices(spins, device)
    L1, L2 = s.shape[-2:]
    why = "the checkerboard update (use swendsen_wang for odd sides)"
    check_even_int(L1, "L1 (spins.shape[-2])", why=why)
    check_even_int(L2, "L2 (spins.shape[-1])", why=why)
    n_sweeps = check_int(n_sweeps, "n_sweeps", 0)
    measure_every = check_int(measure_every, "measure_every", 0)
    rule = check_choice(rule, "rule", ("metropolis", "heat_bath"))
    batch = tuple(s.shape[:-2])
    Kf = couplings(K, batch, "K")
    hf = couplings(h, batch, "h")
    check_site_updates(float(n_sweeps) * s.numel(), budget(max_site_updates),
                       f"checkerboard_metropolis with n_sweeps = {n_sweeps} on spins of size {s.numel()}")
    gen = torch_generator(seed, s.device)
    return s, Kf, hf, n_sweeps, gen, rule, measure_every


def checkerboard_metropolis(spins, K, h=0.0, n_sweeps: int = 1, *, seed=None, device=None,
                            rule: Literal["metropolis", "heat_bath"] = "metropolis",
                            measure_every: int = 1, max_site_updates: float = MAX_SITE_UPDATES) -> ChainRecord:
    r"""Run ``n_sweeps`` checkerboard sweeps on a batch of periodic lattices, in torch (CPU or CUDA).

    Each sweep updates all sites of one sublattice at once, then those of the other, with the flip probability

    .. math:: \min(1, e^{-\Delta E}) \;\text{(Metropolis)} \quad\text{or}\quad
              \frac{1}{1 + e^{\Delta E}} \;\text{(heat bath)}, \qquad
              \Delta E = 2 s_i \Big(K\sum_{j\sim i} s_j + h\Big).

    Parameters
    ----------
    spins : torch.Tensor or numpy.ndarray of int8, shape ``(*batch, L1, L2)``
        Starting configurations of +-1 (at least one); ``L1`` and ``L2`` must be even. Not modified.
    K, h : float or array_like
        Coupling and field per lattice, broadcast to ``batch`` (finite reals).
    n_sweeps : int
        Number of sweeps (``>= 0``); each updates both sublattices once.
    seed : None, int, numpy.random.Generator or torch.Generator
        Randomness (a torch generator must live on ``device``).
    device : str or torch.device, optional
        Where to run (default: where ``spins`` is; numpy input runs on CPU).
    rule : "metropolis" or "heat_bath"
        The flip probability.
    measure_every : int
        Record ``S`` and ``M`` before the first sweep and after every ``measure_every`` sweeps (0: only the
        final state).
    max_site_updates : float
        Refuse to start when ``n_sweeps * spins.size`` exceeds it (default ``MAX_SITE_UPDATES`` = 1e10).

    Returns
    -------
    ChainRecord
        ``spins`` is a torch tensor on ``device``; ``bond_sum`` and ``magnetization`` have shape
        ``(n_measurements, *batch)``.

    See Also
    --------
    rglib.ising.swendsen_wang : the cluster sampler (odd sides, faster decorrelation near :math:`K_c`).
    rglib.ising.kaufman_internal_energy : the exact energy to check the chains against.

    References
    ----------
    .. [1] N. Metropolis, A. W. Rosenbluth, M. N. Rosenbluth, A. H. Teller and E. Teller, J. Chem. Phys. 21,
       1087 (1953).

    Examples
    --------
    >>> start = random_spins((2, 4, 4), seed=0)
    >>> rec = checkerboard_metropolis(start, 0.3, 0.0, 10, seed=1)
    >>> rec.spins.shape, rec.bond_sum.shape
    (torch.Size([2, 4, 4]), (11, 2))
    """
    s, Kf, hf, n_sweeps, gen, rule, measure_every = _checkerboard_metropolis_iv(
        spins, K, h, n_sweeps, seed, device, rule, measure_every, max_site_updates)
    L1, L2 = s.shape[-2:]
    batch = tuple(s.shape[:-2])
    dev = s.device
    Bt = int(np.prod(batch)) if batch else 1
    A, Bs = _split(s.reshape(Bt, L1, L2).contiguous())
    H = L2 // 2
    twoK = torch.as_tensor(2.0 * Kf, dtype=torch.float32, device=dev).view(1, 1, Bt)
    twoh = torch.as_tensor(2.0 * hf, dtype=torch.float32, device=dev).view(1, 1, Bt)
    # fast path (two thresholds, no exp per site): zero field and K >= 0, so that s * nb <= 0 always flips
    fast = bool(np.all(hf == 0.0)) and bool(np.all(Kf >= 0.0)) and rule == "metropolis"
    if fast:
        thr2 = torch.exp(-2.0 * twoK)  # flip probability when s * sum(nb) = 2
        thr4 = torch.exp(-4.0 * twoK)  # ... = 4
    nb = torch.empty((L1, H, Bt), dtype=torch.int8, device=dev)
    u = torch.empty((L1, H, Bt), dtype=torch.float32, device=dev)
    S_rec, M_rec = [], []

    def record():
        _neighbour_sum(Bs, nb, 1)
        S_rec.append((A * nb).sum(dim=(0, 1), dtype=torch.int64))
        M_rec.append(A.sum(dim=(0, 1), dtype=torch.int64) + Bs.sum(dim=(0, 1), dtype=torch.int64))

    def update(X, Y, shift):
        _neighbour_sum(Y, nb, shift)
        snb = X * nb  # int8 in {-4, ..., 4}
        u.uniform_(generator=gen)
        if fast:
            # flip if s*nb <= 0, or u < e^{-8K} (s*nb = 4; implies u < e^{-4K}), or s*nb = 2 and u < e^{-4K}
            flip = (snb <= 0) | (u < thr4) | ((snb == 2) & (u < thr2))
        else:
            dE = twoK * snb.to(torch.float32) + twoh * X.to(torch.float32)
            if rule == "metropolis":
                flip = u < torch.exp(-dE)
            else:
                flip = u < torch.sigmoid(-dE)
        X.mul_(1 - 2 * flip.to(torch.int8))

    if measure_every:
        record()
    for sweep in range(1, n_sweeps + 1):
        update(A, Bs, 1)
        update(Bs, A, -1)
        if measure_every and sweep % measure_every == 0:
            record()
    if not measure_every:
        record()
    out = _merge(A, Bs).reshape(s.shape)
    S = torch.stack(S_rec).cpu().numpy().reshape((-1,) + batch)
    M = torch.stack(M_rec).cpu().numpy().reshape((-1,) + batch)
    return ChainRecord(out, S, M, L1 * L2)


