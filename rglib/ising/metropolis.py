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

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from .._checks import check_int as _check_int
from .._checks import check_real_array, numpy_generator

__all__ = ["ChainRecord", "random_spins", "checkerboard_metropolis"]


# ----------------------------------------------------------------------------------------------
# results and argument checks
# ----------------------------------------------------------------------------------------------
@dataclass
class ChainRecord:
    r"""Final state and measured time series of a batch of Markov chains.

    Attributes
    ----------
    spins
        Final configurations, shape ``(*batch, L1, L2)``, ``int8`` (torch tensor for the torch sampler,
        numpy array for the cluster sampler).
    bond_sum
        :math:`S = \sum_{\langle ij\rangle} s_i s_j`, shape ``(n_measurements, *batch)``, int64 numpy.
    magnetization
        :math:`M = \sum_i s_i`, same shape, int64 numpy.
    n_sites
        ``L1 * L2``.
    """

    spins: object
    bond_sum: np.ndarray
    magnetization: np.ndarray
    n_sites: int

    def energy_per_site(self) -> np.ndarray:
        """:math:`u = -S/N` (units of ``J``, ``h`` term not included), shape ``(n_measurements, *batch)``."""
        return -self.bond_sum / self.n_sites

    def magnetization_per_site(self) -> np.ndarray:
        """:math:`m = M/N`, shape ``(n_measurements, *batch)``."""
        return self.magnetization / self.n_sites


def _check_real(value, name: str) -> np.ndarray:
    """Couplings may also come as torch tensors (on any device)."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    return check_real_array(value, name)


def _check_spin_values(values_ok: bool):
    if not values_ok:
        raise ValueError("spins must contain only +1 and -1")


def _broadcast_coupling(value, batch: tuple[int, ...], name: str) -> np.ndarray:
    arr = _check_real(value, name)
    try:
        return np.broadcast_to(arr, batch).reshape(-1)
    except ValueError:
        raise ValueError(f"{name} with shape {arr.shape} does not broadcast to the batch shape {batch} of spins") \
            from None


def random_spins(shape, seed=None, device=None, p_up: float = 0.5, backend: Literal["torch", "numpy"] = "torch"):
    """Independent random spins, ``+1`` with probability ``p_up``, as ``int8``.

    Parameters
    ----------
    shape : tuple of int
        Output shape, e.g. ``(n_chains, L, L)``.
    seed : int, torch.Generator or numpy.random.Generator, optional
    device : torch device, optional (torch backend only)
    p_up : float
        Probability of ``+1`` (1 gives a cold, ordered start).
    backend : "torch" or "numpy"
    """
    shape = tuple(_check_int(s, "shape entries", 1) for s in shape)
    if not (0.0 <= float(p_up) <= 1.0):
        raise ValueError(f"p_up must lie in [0, 1]; got {p_up}")
    if backend == "torch":
        gen = _torch_generator(seed, device)
        u = torch.rand(shape, generator=gen, device=gen.device)
        return torch.where(u < p_up, 1, -1).to(torch.int8)
    if backend == "numpy":
        rng = numpy_generator(seed)
        return np.where(rng.random(shape) < p_up, 1, -1).astype(np.int8)
    raise ValueError(f"backend must be 'torch' or 'numpy'; got {backend!r}")


def _torch_generator(seed, device) -> torch.Generator:
    if isinstance(seed, torch.Generator):
        if device is not None:
            want, have = torch.device(device), seed.device
            if want.type != have.type or (want.index is not None and have.index is not None
                                          and want.index != have.index):
                raise ValueError(f"generator is on {have} but device={device}")
        return seed
    dev = torch.device("cpu" if device is None else device)
    gen = torch.Generator(device=dev)
    if seed is None:
        gen.seed()
    else:
        if isinstance(seed, np.random.Generator):
            seed = int(seed.integers(2**63))
        gen.manual_seed(_check_int(seed, "seed", 0))
    return gen


def _to_torch_spins(spins, device) -> torch.Tensor:
    if isinstance(spins, np.ndarray):
        if spins.dtype != np.int8:
            raise TypeError(f"spins must have dtype int8; got {spins.dtype}")
        t = torch.from_numpy(np.ascontiguousarray(spins))
    elif isinstance(spins, torch.Tensor):
        if spins.dtype != torch.int8:
            raise TypeError(f"spins must have dtype torch.int8; got {spins.dtype}")
        t = spins
    else:
        raise TypeError(f"spins must be an int8 numpy array or torch tensor; got {type(spins).__name__}")
    if device is not None:
        t = t.to(device)
    return t


def _split(s: torch.Tensor):
    """(B, L1, L2) -> sublattices A (i+j even) and B (i+j odd), each stored batch-last as (L1, L2/2, B).

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
    """Sum of the four neighbours (in sublattice X, shape (L1, H, B)) of every site of the other sublattice.

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


def checkerboard_metropolis(spins, K, h=0.0, n_sweeps: int = 1, *, seed=None, device=None,
                            rule: Literal["metropolis", "heat_bath"] = "metropolis",
                            measure_every: int = 1) -> ChainRecord:
    r"""Run ``n_sweeps`` checkerboard sweeps on a batch of periodic lattices, in torch.

    Parameters
    ----------
    spins : torch.Tensor or numpy.ndarray of int8, shape ``(*batch, L1, L2)``
        Starting configurations of +-1; ``L1`` and ``L2`` must be even. Not modified.
    K, h : float or array_like
        Coupling and field per lattice, broadcast to ``batch`` (finite reals).
    n_sweeps : int
        Number of sweeps (``>= 0``); each updates both sublattices once.
    seed : int or torch.Generator, optional
        Randomness (a generator must live on ``device``).
    device : str or torch.device, optional
        Where to run (default: where ``spins`` is; numpy input runs on CPU).
    rule : "metropolis" or "heat_bath"
        Flip probability :math:`\min(1, e^{-\Delta E})` or :math:`1/(1+e^{\Delta E})`.
    measure_every : int
        Record ``S`` and ``M`` before the first sweep and after every ``measure_every`` sweeps (0: only the
        final state).

    Returns
    -------
    ChainRecord
        ``spins`` is a torch tensor on ``device``; ``bond_sum`` and ``magnetization`` have shape
        ``(n_measurements, *batch)``.
    """
    s = _to_torch_spins(spins, device)
    if s.ndim < 2:
        raise ValueError(f"spins must have shape (*batch, L1, L2); got {tuple(s.shape)}")
    L1, L2 = s.shape[-2:]
    if L1 < 2 or L2 < 2 or L1 % 2 or L2 % 2:
        raise ValueError(f"the checkerboard update needs even lattice sides >= 2; got L1={L1}, L2={L2} "
                         "(use swendsen_wang for odd sides)")
    if s.numel() and not bool(((s == 1) | (s == -1)).all()):
        raise ValueError("spins must contain only +1 and -1")
    n_sweeps = _check_int(n_sweeps, "n_sweeps", 0)
    measure_every = _check_int(measure_every, "measure_every", 0)
    if rule not in ("metropolis", "heat_bath"):
        raise ValueError(f"rule must be 'metropolis' or 'heat_bath'; got {rule!r}")
    batch = tuple(s.shape[:-2])
    Kf = _broadcast_coupling(K, batch, "K")
    hf = _broadcast_coupling(h, batch, "h")
    dev = s.device
    gen = _torch_generator(seed, dev)
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


