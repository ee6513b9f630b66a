r"""Swendsen-Wang cluster sampling of the 2D Ising model (numpy, CPU).

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

Algorithm
---------
``swendsen_wang``
    Bonds between aligned neighbours are activated with probability :math:`p = 1 - e^{-2K}`; every connected
    cluster of active bonds is then given a new random spin (with probability
    :math:`1/(1 + e^{-2 h \sigma |C|})` for spin :math:`\sigma` when ``h != 0``). Clusters are found with
    ``scipy.ndimage.label`` on a doubled lattice whose odd pixels are the bonds, plus a small union step
    for the bonds that wrap around the torus.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.sparse import coo_matrix, csgraph

from .._checks import check_int, numpy_generator
from ._mc import MAX_SITE_UPDATES, ChainRecord, budget, check_site_updates, couplings, numpy_lattices

__all__ = ["swendsen_wang"]


# ----------------------------------------------------------------------------------------------
# Swendsen-Wang (numpy / scipy)
# ----------------------------------------------------------------------------------------------
_STRUCTURE_2D_IN_3D = np.zeros((3, 3, 3), dtype=bool)
_STRUCTURE_2D_IN_3D[1] = ndimage.generate_binary_structure(2, 1)


def _sw_sweep(s: np.ndarray, sgnK: np.ndarray, p: np.ndarray, h: np.ndarray, zero_field: bool,
              rng: np.random.Generator, img: np.ndarray) -> None:
    r"""One Swendsen-Wang update of s (B, L1, L2) in place."""
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


def _swendsen_wang_iv(spins, K, h, n_sweeps, seed, measure_every, max_site_updates):
    spins = numpy_lattices(spins)
    n_sweeps = check_int(n_sweeps, "n_sweeps", 0)
    measure_every = check_int(measure_every, "measure_every", 0)
    batch = spins.shape[:-2]
    Kf = couplings(K, batch, "K")
    hf = couplings(h, batch, "h")
    check_site_updates(float(n_sweeps) * spins.size, budget(max_site_updates),
                       f"swendsen_wang with n_sweeps = {n_sweeps} on spins of size {spins.size}")
    return spins, Kf, hf, n_sweeps, numpy_generator(seed), measure_every


def swendsen_wang(spins, K, h=0.0, n_sweeps: int = 1, *, seed=None, measure_every: int = 1,
                  max_site_updates: float = MAX_SITE_UPDATES) -> ChainRecord:
    r"""Run ``n_sweeps`` Swendsen-Wang cluster updates on a batch of periodic lattices (numpy/scipy, CPU).

    Bonds between aligned neighbours are activated with probability

    .. math:: p = 1 - e^{-2|K|},

    and every cluster of active bonds gets a new spin :math:`\sigma` with probability
    :math:`1/(1 + e^{-2h\sigma|C|})` (1/2 each at ``h = 0``).

    Parameters
    ----------
    spins : numpy.ndarray or torch.Tensor of int8, shape ``(*batch, L1, L2)``
        Starting configurations of +-1 (at least one; any sides ``>= 1``, odd allowed). Not modified.
    K, h : float or array_like
        Coupling and field per lattice, broadcast to ``batch``. ``K < 0`` (antiferromagnet) is allowed.
    n_sweeps : int
        Number of cluster updates (``>= 0``).
    seed : None, int or numpy.random.Generator
        Randomness.
    measure_every : int
        Record ``S`` and ``M`` before the first sweep and after every ``measure_every`` sweeps (0: only the
        final state).
    max_site_updates : float
        Refuse to start when ``n_sweeps * spins.size`` exceeds it (default ``MAX_SITE_UPDATES`` = 1e10).

    Returns
    -------
    ChainRecord
        ``spins`` is a numpy ``int8`` array.

    Notes
    -----
    The Fortuin-Kasteleyn representation [1]_: with :math:`p = 1 - e^{-2|K|}`, the joint distribution of spins
    and bonds has the Ising marginal; choosing the bonds given the spins and then the cluster spins given the
    bonds are both exact conditional draws.

    See Also
    --------
    rglib.ising.checkerboard_metropolis : the local sampler (torch, CPU or CUDA, even sides).

    References
    ----------
    .. [1] R. H. Swendsen and J.-S. Wang, "Nonuniversal critical dynamics in Monte Carlo simulations",
       Phys. Rev. Lett. 58, 86 (1987).

    Examples
    --------
    >>> up = np.ones((1, 3, 3), np.int8)
    >>> rec = swendsen_wang(up, 20.0, 0.0, 3, seed=0)  # one cluster, flipped as a whole
    >>> rec.magnetization.ravel().tolist()
    [9, 9, -9, 9]
    """
    spins, Kf, hf, n_sweeps, rng, measure_every = _swendsen_wang_iv(spins, K, h, n_sweeps, seed, measure_every,
                                                                    max_site_updates)
    batch = spins.shape[:-2]
    L1, L2 = spins.shape[-2:]
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


