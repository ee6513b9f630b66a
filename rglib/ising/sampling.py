r"""Independent equilibrium configurations and thermodynamic estimates of the 2D Ising model.

Chooses between the local sampler (:mod:`rglib.ising.metropolis`) and the cluster sampler
(:mod:`rglib.ising.cluster`), measures the integrated autocorrelation time and thins the chains so that the
kept configurations are (nearly) independent.

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

"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from .. import stats
from .._checks import check_int as _check_int
from .cluster import swendsen_wang
from .metropolis import _check_real, _torch_generator, checkerboard_metropolis, random_spins
from .square import K_CRITICAL

__all__ = ["sample_configurations", "SampleSet", "ThermoEstimate", "measure_thermodynamics"]


# ----------------------------------------------------------------------------------------------
# independent configurations
# ----------------------------------------------------------------------------------------------
@dataclass
class SampleSet:
    r"""Independent configurations drawn by :func:`sample_configurations`.

    Attributes
    ----------
    spins : ndarray of int8, shape ``(n_K, n_samples, L, L)``
    K : ndarray, shape ``(n_K,)``
    tau : ndarray, shape ``(n_K,)``
        Measured :math:`\tau_\mathrm{int}` (in sweeps, largest of the energy and :math:`m^2`) per coupling.
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
    r"""Draw ``n_samples`` (nearly) independent ``L x L`` configurations at each coupling in ``K``.

    Procedure, per coupling and all couplings at once: start ``n_chains`` chains from random spins; run
    ``n_equilibrate`` sweeps; run a pilot of ``n_pilot`` sweeps measuring the energy and :math:`m^2`;
    estimate :math:`\tau_\mathrm{int}` (Sokal window, averaged over chains, largest of the two observables);
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
        Thinning in units of :math:`2\tau_\mathrm{int}` (the decorrelation time); default 2.
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
    r"""Monte Carlo estimates with standard errors, one entry per coupling.

    ``energy`` is :math:`u = \langle E\rangle/(NJ)`, ``abs_magnetization`` is :math:`\langle|m|\rangle`,
    ``specific_heat`` is :math:`c = K^2 N \operatorname{Var}(u)`; ``*_err`` are standard errors accounting
    for autocorrelation; ``tau_energy`` and ``tau_m2`` are :math:`\tau_\mathrm{int}` (sweeps) of ``u`` and
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
    r"""Energy, :math:`\langle|m|\rangle` and specific heat of the ``L x L`` torus at each coupling, with errors.

    All couplings and ``n_chains`` chains per coupling run in one batch. Chains start from random spins, or
    all up for ``K > cold_start_above`` (default :math:`K_c`: ordered start in the ordered phase avoids
    long-lived stripe states of local dynamics). After ``n_equilibrate`` sweeps, every sweep of the next
    ``n_sweeps`` is measured. Errors: :func:`rglib.stats.mean_error` with chains pooled (Sokal window) for
    ``u`` and ``|m|``; for ``c`` the delete-one-chain jackknife (chains are independent, so this accounts
    for autocorrelation without a model).
    """

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
