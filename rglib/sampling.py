"""Monte Carlo samplers for the 2D Ising model: checkerboard Metropolis/heat-bath (torch) and Swendsen-Wang.

Conventions
-----------
* Lattices are ``int8`` arrays of +-1 with shape ``(*batch, L1, L2)`` and periodic boundaries; the batch
  axes hold chains and temperatures. ``K = beta J`` and ``h = beta H`` broadcast against ``batch`` (one
  coupling per lattice), so one call runs many chains at many temperatures.
* The weight of a configuration is :math:`e^{K S + h M}` with :math:`S = \\sum_{\\langle ij\\rangle} s_i s_j`
  over the ``2 L1 L2`` bonds of the torus and :math:`M = \\sum_i s_i` (see :mod:`rglib.ising`).
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
    probability: :math:`\\min(1, e^{-\\Delta E})` (Metropolis) or :math:`1/(1 + e^{\\Delta E})` (heat bath),
    with :math:`\\Delta E = 2 s_i (K \\sum_{j\\sim i} s_j + h)`.
``swendsen_wang``
    Bonds between aligned neighbours are activated with probability :math:`p = 1 - e^{-2K}`; every connected
    cluster of active bonds is then given a new random spin (with probability
    :math:`1/(1 + e^{-2 h \\sigma |C|})` for spin :math:`\\sigma` when ``h != 0``). Clusters are found with
    ``scipy.ndimage.label`` on a doubled lattice whose odd pixels are the bonds, plus a small union step
    for the bonds that wrap around the torus.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from scipy import ndimage
from scipy.sparse import coo_matrix, csgraph

from . import stats
from ._checks import check_int as _check_int
from ._checks import check_real_array, numpy_generator

__all__ = [
    "ChainRecord",
    "random_spins",
    "checkerboard_metropolis",
    "swendsen_wang",
    "sample_configurations",
    "SampleSet",
    "ThermoEstimate",
    "measure_thermodynamics",
]


# ----------------------------------------------------------------------------------------------
# results and argument checks
# ----------------------------------------------------------------------------------------------
@dataclass
class ChainRecord:
    """Final state and measured time series of a batch of Markov chains.

    Attributes
    ----------
    spins
        Final configurations, shape ``(*batch, L1, L2)``, ``int8`` (torch tensor for the torch sampler,
        numpy array for the cluster sampler).
    bond_sum
        :math:`S = \\sum_{\\langle ij\\rangle} s_i s_j`, shape ``(n_measurements, *batch)``, int64 numpy.
    magnetization
        :math:`M = \\sum_i s_i`, same shape, int64 numpy.
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
    """Run ``n_sweeps`` checkerboard sweeps on a batch of periodic lattices, in torch.

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
        Flip probability :math:`\\min(1, e^{-\\Delta E})` or :math:`1/(1+e^{\\Delta E})`.
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


# ----------------------------------------------------------------------------------------------
# Swendsen-Wang (numpy / scipy)
# ----------------------------------------------------------------------------------------------
_STRUCTURE_2D_IN_3D = np.zeros((3, 3, 3), dtype=bool)
_STRUCTURE_2D_IN_3D[1] = ndimage.generate_binary_structure(2, 1)


def _sw_sweep(s: np.ndarray, sgnK: np.ndarray, p: np.ndarray, h: np.ndarray, zero_field: bool,
              rng: np.random.Generator, img: np.ndarray) -> None:
    """One Swendsen-Wang update of s (B, L1, L2) in place."""
    Bt, L1, L2 = s.shape
    right = np.roll(s, -1, axis=2)
    down = np.roll(s, -1, axis=1)
    # a bond is satisfied when s_i s_j sign(K) = +1; it is activated with probability p = 1 - e^{-2|K|}
    act_h = (s * right * sgnK == 1) & (rng.random((Bt, L1, L2), dtype=np.float32) < p)
    act_v = (s * down * sgnK == 1) & (rng.random((Bt, L1, L2), dtype=np.float32) < p)
    img[:, 0::2, 1::2] = act_h
    img[:, 1::2, 0::2] = act_v
    lab, n = ndimage.label(img, structure=_STRUCTURE_2D_IN_3D)
    site_lab = lab[:, 0::2, 0::2]  # labels 1..n of the sites
    # bonds that wrap around the torus: the bond pixel in the last column/row carries the label of
    # site (i, L2-1) / (L1-1, j); join it with the label of site (i, 0) / (0, j).
    a = np.concatenate([site_lab[:, :, -1][act_h[:, :, -1]], site_lab[:, -1, :][act_v[:, -1, :]]])
    b = np.concatenate([site_lab[:, :, 0][act_h[:, :, -1]], site_lab[:, 0, :][act_v[:, -1, :]]])
    root = np.arange(n + 1)
    if len(a):
        nodes, inv = np.unique(np.concatenate([a, b]), return_inverse=True)
        m = len(nodes)
        g = coo_matrix((np.ones(len(a), dtype=np.int8), (inv[: len(a)], inv[len(a):])), shape=(m, m))
        _, comp = csgraph.connected_components(g, directed=False)
        # representative label of each merged component: the smallest original label in it
        rep = np.full(m, n + 1, dtype=np.int64)
        np.minimum.at(rep, comp, nodes)
        root[nodes] = rep[comp]
    final = root[site_lab]
    if zero_field:
        flip = np.where(rng.random(n + 1) < 0.5, -1, 1).astype(np.int8)
        s *= flip[final]
    else:
        size = np.bincount(final.ravel(), minlength=n + 1)
        hb = np.broadcast_to(h.reshape(Bt, 1, 1), final.shape)
        # the field of each cluster: all sites of a cluster share one lattice, take any site's h
        hcl = np.zeros(n + 1)
        hcl[final.ravel()] = hb.ravel()
        p_up = 1.0 / (1.0 + np.exp(-2.0 * hcl * size))
        new = np.where(rng.random(n + 1) < p_up, 1, -1).astype(np.int8)
        s[...] = new[final]


def swendsen_wang(spins, K, h=0.0, n_sweeps: int = 1, *, seed=None, measure_every: int = 1) -> ChainRecord:
    """Run ``n_sweeps`` Swendsen-Wang cluster updates on a batch of periodic lattices (numpy/scipy, CPU).

    Parameters
    ----------
    spins : numpy.ndarray or torch.Tensor of int8, shape ``(*batch, L1, L2)``
        Starting configurations (any sides ``>= 1``, odd allowed). Not modified.
    K, h : float or array_like
        Coupling and field per lattice, broadcast to ``batch``. ``K < 0`` (antiferromagnet) is allowed.
    n_sweeps : int
        Number of cluster updates (``>= 0``).
    seed : int or numpy.random.Generator, optional
    measure_every : int
        Record ``S`` and ``M`` before the first sweep and after every ``measure_every`` sweeps (0: only the
        final state).

    Returns
    -------
    ChainRecord
        ``spins`` is a numpy ``int8`` array.

    Notes
    -----
    The Fortuin-Kasteleyn representation :cite:`swendsen1987nonuniversal`: with
    :math:`p = 1 - e^{-2|K|}`, the joint distribution of spins and bonds has the Ising marginal; choosing
    the bonds given the spins and then the cluster spins given the bonds are both exact conditional draws.
    """
    if isinstance(spins, torch.Tensor):
        if spins.dtype != torch.int8:
            raise TypeError(f"spins must have dtype torch.int8; got {spins.dtype}")
        spins = spins.detach().cpu().numpy()
    if not isinstance(spins, np.ndarray):
        raise TypeError(f"spins must be an int8 numpy array or torch tensor; got {type(spins).__name__}")
    if spins.dtype != np.int8:
        raise TypeError(f"spins must have dtype int8; got {spins.dtype}")
    if spins.ndim < 2 or spins.shape[-1] < 1 or spins.shape[-2] < 1:
        raise ValueError(f"spins must have shape (*batch, L1, L2); got {spins.shape}")
    if spins.size and not np.all((spins == 1) | (spins == -1)):
        raise ValueError("spins must contain only +1 and -1")
    n_sweeps = _check_int(n_sweeps, "n_sweeps", 0)
    measure_every = _check_int(measure_every, "measure_every", 0)
    rng = numpy_generator(seed)
    batch = spins.shape[:-2]
    L1, L2 = spins.shape[-2:]
    Kf = _broadcast_coupling(K, batch, "K")
    hf = _broadcast_coupling(h, batch, "h")
    Bt = int(np.prod(batch)) if batch else 1
    s = spins.reshape(Bt, L1, L2).copy()
    sgnK = np.where(Kf >= 0, 1, -1).astype(np.int8).reshape(Bt, 1, 1)
    p = (-np.expm1(-2.0 * np.abs(Kf))).astype(np.float32).reshape(Bt, 1, 1)
    zero_field = bool(np.all(hf == 0.0))
    img = np.zeros((Bt, 2 * L1, 2 * L2), dtype=np.uint8)
    img[:, 0::2, 0::2] = 1
    S_rec, M_rec = [], []

    def record():
        S_rec.append((s * np.roll(s, -1, 2)).sum((1, 2), dtype=np.int64)
                     + (s * np.roll(s, -1, 1)).sum((1, 2), dtype=np.int64))
        M_rec.append(s.sum((1, 2), dtype=np.int64))

    if measure_every:
        record()
    for sweep in range(1, n_sweeps + 1):
        _sw_sweep(s, sgnK, p, hf, zero_field, rng, img)
        if measure_every and sweep % measure_every == 0:
            record()
    if not measure_every:
        record()
    S = np.stack(S_rec).reshape((-1,) + batch)
    M = np.stack(M_rec).reshape((-1,) + batch)
    return ChainRecord(s.reshape(spins.shape), S, M, L1 * L2)


# ----------------------------------------------------------------------------------------------
# independent configurations
# ----------------------------------------------------------------------------------------------
@dataclass
class SampleSet:
    """Independent configurations drawn by :func:`sample_configurations`.

    Attributes
    ----------
    spins : ndarray of int8, shape ``(n_K, n_samples, L, L)``
    K : ndarray, shape ``(n_K,)``
    tau : ndarray, shape ``(n_K,)``
        Measured :math:`\\tau_\\mathrm{int}` (in sweeps, largest of the energy and :math:`m^2`) per coupling.
    thin : ndarray of int, shape ``(n_K,)``
        Sweeps between kept configurations of one chain.
    n_equilibrate : int
        Sweeps discarded before the pilot run.
    method : str
    """

    spins: np.ndarray
    K: np.ndarray
    tau: np.ndarray
    thin: np.ndarray
    n_equilibrate: int
    method: str


def sample_configurations(L: int, K, n_samples: int, *, h=0.0, method: Literal["auto", "metropolis", "cluster"] = "auto",
                          n_chains: int | None = None, n_equilibrate: int | None = None, n_pilot: int | None = None,
                          thin_factor: float = 2.0, seed=None, device=None, progress: bool = False) -> SampleSet:
    """Draw ``n_samples`` (nearly) independent ``L x L`` configurations at each coupling in ``K``.

    Procedure, per coupling and all couplings at once: start ``n_chains`` chains from random spins; run
    ``n_equilibrate`` sweeps; run a pilot of ``n_pilot`` sweeps measuring the energy and :math:`m^2`;
    estimate :math:`\\tau_\\mathrm{int}` (Sokal window, averaged over chains, largest of the two observables);
    then keep one configuration every ``thin = ceil(thin_factor * 2 tau)`` sweeps of each chain (separate
    thinning per coupling) until ``n_samples`` are collected.

    Parameters
    ----------
    L : int
        Lattice side (even for Metropolis).
    K : float or array_like of shape ``(n_K,)``
        Couplings (finite, ``> 0`` is the usual case).
    n_samples : int
        Configurations per coupling (``>= 1``).
    h : float or array_like
        Field per coupling.
    method : "auto", "metropolis" or "cluster"
        ``auto`` uses Swendsen-Wang for ``L >= 32`` (cheaper near :math:`T_c`) and batched checkerboard
        Metropolis otherwise (odd ``L`` always uses the cluster sampler).
    n_chains : int, optional
        Chains per coupling (default ``min(n_samples, 64)``).
    n_equilibrate, n_pilot : int, optional
        Defaults: Metropolis ``max(200, 2 L^2 / 8)`` and ``300``; cluster ``50`` and ``100``.
    thin_factor : float
        Thinning in units of :math:`2\\tau_\\mathrm{int}` (the decorrelation time); default 2.
    seed : int, optional
    device : str or torch.device, optional
        Where the Metropolis sampler runs (the cluster sampler always runs on CPU).
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    SampleSet
        ``spins`` is an ``int8`` numpy array of shape ``(n_K, n_samples, L, L)``.
    """
    L = _check_int(L, "L", 1)
    n_samples = _check_int(n_samples, "n_samples", 1)
    Ks = _check_real(K, "K").reshape(-1)
    if Ks.size == 0:
        raise ValueError("K must contain at least one coupling")
    hs = np.broadcast_to(_check_real(h, "h"), Ks.shape).astype(np.float64)
    if method not in ("auto", "metropolis", "cluster"):
        raise ValueError(f"method must be 'auto', 'metropolis' or 'cluster'; got {method!r}")
    if method == "auto":
        method = "cluster" if (L >= 32 or L % 2) else "metropolis"
    if method == "metropolis" and L % 2:
        raise ValueError(f"method='metropolis' needs an even L (checkerboard); got L={L}")
    if not (isinstance(thin_factor, (int, float)) and math.isfinite(thin_factor) and thin_factor > 0):
        raise ValueError(f"thin_factor must be a finite number > 0; got {thin_factor!r}")
    n_chains = min(n_samples, 64) if n_chains is None else _check_int(n_chains, "n_chains", 1)
    if method == "metropolis":
        n_eq = max(200, L * L // 4) if n_equilibrate is None else _check_int(n_equilibrate, "n_equilibrate", 0)
        n_pi = 300 if n_pilot is None else _check_int(n_pilot, "n_pilot", 10)
    else:
        n_eq = 50 if n_equilibrate is None else _check_int(n_equilibrate, "n_equilibrate", 0)
        n_pi = 100 if n_pilot is None else _check_int(n_pilot, "n_pilot", 10)
    nK = Ks.size
    Kb = np.repeat(Ks[:, None], n_chains, axis=1)
    hb = np.repeat(hs[:, None], n_chains, axis=1)
    ss = np.random.SeedSequence(seed)
    s_init, s_run = ss.spawn(2)

    if method == "metropolis":
        gen = _torch_generator(int(s_run.generate_state(1, np.uint64)[0] >> np.uint64(1)), device)
        state = random_spins((nK, n_chains, L, L), seed=int(s_init.generate_state(1)[0]), device=gen.device)

        def run(st, n, every):
            return checkerboard_metropolis(st, Kb, hb, n, seed=gen, measure_every=every)

        def to_numpy(st):
            return st.cpu().numpy()
    else:
        rng = np.random.default_rng(s_run)
        state = random_spins((nK, n_chains, L, L), seed=np.random.default_rng(s_init), backend="numpy")

        def run(st, n, every):
            return swendsen_wang(st, Kb, hb, n, seed=rng, measure_every=every)

        def to_numpy(st):
            return st

    state = run(state, n_eq, 0).spins
    pilot = run(state, n_pi, 1)
    state = pilot.spins
    N = L * L
    obs = np.stack([pilot.bond_sum / N, (pilot.magnetization / N) ** 2])  # (2, T, nK, chains)
    tau = stats.integrated_autocorrelation_time(obs[:, 1:], axis=1, chain_axis=3)  # (2, nK)
    tau = np.maximum(np.asarray(tau).max(axis=0), 0.5)
    thin = np.maximum(1, np.ceil(thin_factor * 2.0 * tau)).astype(int)
    per_chain = -(-n_samples // n_chains)
    out = np.empty((nK, n_chains, per_chain, L, L), dtype=np.int8)
    # run all couplings together for max(thin) sweeps per round, keeping snapshots at each coupling's own
    # thinning: simplest exact scheme is one sweep at a time with a snapshot when sweep % thin == 0
    counts = np.zeros(nK, dtype=int)
    sweep = 0
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=per_chain, desc="sampling")
    chunk = int(thin.min())
    while counts.min() < per_chain:
        state = run(state, chunk, 0).spins
        sweep += chunk
        snap = None
        for k in np.nonzero((sweep % thin == 0) & (counts < per_chain))[0]:
            if snap is None:
                snap = to_numpy(state)
            out[k, :, counts[k]] = snap[k]
            counts[k] += 1
        if bar is not None:
            bar.n = int(counts.min())
            bar.refresh()
        chunk = _next_chunk(sweep, thin, counts, per_chain)
    if bar is not None:
        bar.close()
    spins_out = out.transpose(0, 2, 1, 3, 4).reshape(nK, per_chain * n_chains, L, L)[:, :n_samples]
    return SampleSet(np.ascontiguousarray(spins_out), Ks, tau, thin, n_eq, method)


def _next_chunk(sweep: int, thin: np.ndarray, counts: np.ndarray, target: int) -> int:
    """Sweeps until the next snapshot of any coupling that still needs samples."""
    need = counts < target
    if not need.any():
        return 1
    t = thin[need]
    return int((t - sweep % t).min())


# ----------------------------------------------------------------------------------------------
# thermodynamics with error bars
# ----------------------------------------------------------------------------------------------
@dataclass
class ThermoEstimate:
    """Monte Carlo estimates with standard errors, one entry per coupling.

    ``energy`` is :math:`u = \\langle E\\rangle/(NJ)`, ``abs_magnetization`` is :math:`\\langle|m|\\rangle`,
    ``specific_heat`` is :math:`c = K^2 N \\operatorname{Var}(u)`; ``*_err`` are standard errors accounting
    for autocorrelation; ``tau_energy`` and ``tau_m2`` are :math:`\\tau_\\mathrm{int}` (sweeps) of ``u`` and
    :math:`m^2`; ``n_samples`` counts measurements (chains x sweeps).
    """

    K: np.ndarray
    L: int
    method: str
    energy: np.ndarray
    energy_err: np.ndarray
    abs_magnetization: np.ndarray
    abs_magnetization_err: np.ndarray
    specific_heat: np.ndarray
    specific_heat_err: np.ndarray
    tau_energy: np.ndarray
    tau_m2: np.ndarray
    n_samples: int


def measure_thermodynamics(L: int, K, *, method: Literal["metropolis", "cluster"] = "metropolis",
                           n_chains: int = 16, n_sweeps: int = 2000, n_equilibrate: int = 500, seed=None,
                           device=None, cold_start_above: float | None = None) -> ThermoEstimate:
    """Energy, :math:`\\langle|m|\\rangle` and specific heat of the ``L x L`` torus at each coupling, with errors.

    All couplings and ``n_chains`` chains per coupling run in one batch. Chains start from random spins, or
    all up for ``K > cold_start_above`` (default :math:`K_c`: ordered start in the ordered phase avoids
    long-lived stripe states of local dynamics). After ``n_equilibrate`` sweeps, every sweep of the next
    ``n_sweeps`` is measured. Errors: :func:`rglib.stats.mean_error` with chains pooled (Sokal window) for
    ``u`` and ``|m|``; for ``c`` the delete-one-chain jackknife (chains are independent, so this accounts
    for autocorrelation without a model).
    """
    from .ising import K_CRITICAL

    L = _check_int(L, "L", 1)
    Ks = _check_real(K, "K").reshape(-1)
    n_chains = _check_int(n_chains, "n_chains", 2)
    n_sweeps = _check_int(n_sweeps, "n_sweeps", 20)
    n_equilibrate = _check_int(n_equilibrate, "n_equilibrate", 0)
    if method not in ("metropolis", "cluster"):
        raise ValueError(f"method must be 'metropolis' or 'cluster'; got {method!r}")
    thr = K_CRITICAL if cold_start_above is None else float(cold_start_above)
    nK = Ks.size
    Kb = np.repeat(Ks[:, None], n_chains, axis=1)
    ss = np.random.SeedSequence(seed)
    s_init, s_run = ss.spawn(2)
    start = random_spins((nK, n_chains, L, L), seed=np.random.default_rng(s_init), backend="numpy")
    start[Ks > thr] = 1
    if method == "metropolis":
        gen = _torch_generator(int(s_run.generate_state(1, np.uint64)[0] >> np.uint64(1)), device)
        st = checkerboard_metropolis(start, Kb, 0.0, n_equilibrate, seed=gen, device=gen.device, measure_every=0).spins
        rec = checkerboard_metropolis(st, Kb, 0.0, n_sweeps, seed=gen, measure_every=1)
    else:
        rng = np.random.default_rng(s_run)
        st = swendsen_wang(start, Kb, 0.0, n_equilibrate, seed=rng, measure_every=0).spins
        rec = swendsen_wang(st, Kb, 0.0, n_sweeps, seed=rng, measure_every=1)
    u = rec.energy_per_site()[1:]  # (T, nK, chains)
    m = rec.magnetization_per_site()[1:]
    um, ue, tu = stats.mean_error(u, axis=0, chain_axis=2)
    am, ae, _ = stats.mean_error(np.abs(m), axis=0, chain_axis=2)
    tm2 = stats.integrated_autocorrelation_time(m**2, axis=0, chain_axis=2)
    N = L * L
    # pooled variance of u per coupling; delete-one-chain jackknife: blocks = chains
    T = u.shape[0]
    flat = u.transpose(2, 0, 1).reshape(n_chains * T, nK)
    c, ce = stats.blocked_jackknife(flat, lambda x, axis: x.var(axis=axis), n_blocks=n_chains, axis=0)
    c = np.asarray(c) * Ks**2 * N
    ce = np.asarray(ce) * Ks**2 * N
    return ThermoEstimate(Ks, L, method, np.atleast_1d(um), np.atleast_1d(ue), np.atleast_1d(am),
                          np.atleast_1d(ae), c, ce, np.atleast_1d(tu), np.atleast_1d(tm2), T * n_chains)
