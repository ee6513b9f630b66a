r"""Independent equilibrium configurations and thermodynamic estimates of the 2D Ising model.

Chooses between the local sampler (:mod:`rglib.ising.metropolis`), the multi-spin coded local samplers
(:mod:`rglib.ising.multispin`, :mod:`rglib.ising.multispin_torch`; zero field, chains in multiples of 64) and the
cluster sampler (:mod:`rglib.ising.cluster`), measures the integrated autocorrelation time and thins the chains so that the
kept configurations are (nearly) independent. Conventions as in :mod:`rglib.ising.metropolis`: ``int8``
lattices ``(*batch, L, L)``, weight :math:`e^{KS + hM}`, one sweep = ``L * L`` site updates per lattice.

Every run estimates its cost in site updates before it starts and refuses one above ``max_site_updates``
(default ``MAX_SITE_UPDATES`` = 1e10, about ten minutes of Metropolis on one slow CPU core). Randomness comes
from ``seed`` (``None``, an int or a ``numpy.random.Generator``), split with ``numpy.random.SeedSequence``
into independent streams for the start and the chains; the same seed gives bit-identical results.
"""
from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .. import stats
from .._checks import check_bool, check_choice, check_device, check_int, check_real, check_real_array
from .._checks import seed_sequence, torch_generator
from ._mc import MAX_SITE_UPDATES, budget, check_site_updates
from .cluster import swendsen_wang
from .metropolis import ChainRecord, checkerboard_metropolis, random_spins
from .square import K_CRITICAL

__all__ = ["sample_configurations", "SampleSet", "ThermoEstimate", "measure_thermodynamics"]


def _torch_seed(ss: np.random.SeedSequence) -> int:
    r"""A 63-bit torch seed from a seed sequence (the scheme every sampler here uses)."""
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


# ----------------------------------------------------------------------------------------------
# independent configurations
# ----------------------------------------------------------------------------------------------
class SampleSet(NamedTuple):
    r"""Independent configurations drawn by :func:`sample_configurations`."""

    #: Configurations, ``int8`` of shape ``(n_K, n_samples, L, L)``.
    spins: NDArray[np.int8]
    #: The couplings, shape ``(n_K,)``.
    K: NDArray[np.float64]
    #: Measured :math:`\tau_\mathrm{int}` (sweeps, largest of the energy and :math:`m^2`) per coupling.
    tau: NDArray[np.float64]
    #: Sweeps between kept configurations of one chain, per coupling.
    thin: NDArray[np.int_]
    #: Sweeps discarded before the pilot run.
    n_equilibrate: int
    #: The sampler used: ``"metropolis"``, ``"multispin"`` (numba, CPU), ``"multispin_torch"`` or ``"cluster"``.
    method: str


_METHODS = ("auto", "metropolis", "cluster", "multispin", "multispin_torch")


def _sample_configurations_iv(L, K, n_samples, h, method, n_chains, n_equilibrate, n_pilot, thin_factor, seed,
                              device, progress, max_site_updates):
    L = check_int(L, "L", 1)
    n_samples = check_int(n_samples, "n_samples", 1)
    Ks = check_real_array(K, "K").reshape(-1)
    if Ks.size == 0:
        raise ValueError("K must contain at least one coupling")
    h = check_real_array(h, "h")
    try:
        hs = np.broadcast_to(h.reshape(-1) if h.ndim else h, Ks.shape).astype(np.float64)
    except ValueError:
        raise ValueError(f"h with shape {h.shape} does not broadcast to the {Ks.size} couplings in K") from None
    method = check_choice(method, "method", _METHODS)
    device = check_device(device)
    zero_field = bool(np.all(hs == 0.0))
    if method == "auto":
        many = n_chains is not None and check_int(n_chains, "n_chains", 1) % 64 == 0
        method = "cluster" if (L >= 32 or L % 2) else ("multispin" if zero_field and many else "metropolis")
    if method != "cluster" and L % 2:
        raise ValueError(f"L must be an even int for method={method!r} (checkerboard); got L={L}")
    multi = method.startswith("multispin")
    if multi and not zero_field:
        raise ValueError(f"h must be 0 for method={method!r} (multi-spin coding needs zero field); got "
                         f"h={hs[hs != 0.0][0]!r}; use method='metropolis' or 'cluster'")
    if method == "multispin" and device is not None and device.type != "cpu":
        method = "multispin_torch"  # the numba kernel is CPU only
    thin_factor = check_real(thin_factor, "thin_factor", lower=0.0, lower_strict=True)
    if n_chains is None:
        n_chains = 64 if multi else min(n_samples, 64)
    n_chains = check_int(n_chains, "n_chains", 1)
    if multi and n_chains % 64:
        raise ValueError(f"n_chains must be a multiple of 64 for method={method!r} (64 replicas per word); "
                         f"got {n_chains}")
    metro = method != "cluster"
    n_eq = (max(200, L * L // 4) if metro else 50) if n_equilibrate is None else \
        check_int(n_equilibrate, "n_equilibrate", 0)
    n_pi = (300 if metro else 100) if n_pilot is None else check_int(n_pilot, "n_pilot", 10)
    progress = check_bool(progress, "progress")
    limit = budget(max_site_updates)
    per_chain = -(-n_samples // n_chains)
    # thin >= ceil(thin_factor * 2 * 0.5): a lower bound of the whole run, known before the pilot
    lattice_sweeps = Ks.size * n_chains * (n_eq + n_pi + per_chain * float(np.ceil(thin_factor)))
    check_site_updates(lattice_sweeps * L * L, limit,
                       f"sample_configurations with thin_factor = {thin_factor:g}, n_samples = {n_samples} and "
                       f"L = {L} (at least {lattice_sweeps:.3g} lattice sweeps of {L * L} sites)")
    ss = seed_sequence(seed)
    return L, Ks, n_samples, hs, method, n_chains, n_eq, n_pi, thin_factor, ss, device, progress, limit


def sample_configurations(L: int, K: ArrayLike, n_samples: int, *, h: ArrayLike = 0.0,
                          method: Literal["auto", "metropolis", "cluster", "multispin", "multispin_torch"] = "auto",
                          n_chains: int | None = None,
                          n_equilibrate: int | None = None, n_pilot: int | None = None, thin_factor: float = 2.0,
                          seed=None, device=None, progress: bool = False,
                          max_site_updates: float = MAX_SITE_UPDATES) -> SampleSet:
    r"""Draw ``n_samples`` (nearly) independent ``L x L`` configurations at each coupling in ``K``.

    Procedure, per coupling and all couplings at once: start ``n_chains`` chains from random spins; run
    ``n_equilibrate`` sweeps; run a pilot of ``n_pilot`` sweeps measuring the energy and :math:`m^2`;
    estimate :math:`\tau_\mathrm{int}` (Sokal window, averaged over chains, largest of the two observables);
    then keep one configuration every

    .. math:: \text{thin} = \lceil \text{thin\_factor}\cdot 2\tau_\mathrm{int} \rceil

    sweeps of each chain (separate thinning per coupling) until ``n_samples`` are collected.

    Parameters
    ----------
    L : int
        Lattice side (even for Metropolis).
    K : float or array_like of shape ``(n_K,)``
        Couplings (finite; ``> 0`` is the usual case).
    n_samples : int
        Configurations per coupling (``>= 1``).
    h : float or array_like
        Field per coupling (broadcast to ``K``).
    method : "auto", "metropolis", "multispin", "multispin_torch" or "cluster"
        ``metropolis``: batched single-spin checkerboard Metropolis (torch, any field). ``multispin``: the same
        Markov chain, 64 chains per machine word (:func:`rglib.ising.multispin_metropolis`, numba on CPU; on a
        CUDA ``device`` the torch version); zero field only, ``n_chains`` a multiple of 64, several times faster.
        ``multispin_torch``: the torch version (:func:`rglib.ising.multispin_metropolis_torch`) on ``device``.
        ``cluster``: Swendsen-Wang. ``auto`` uses Swendsen-Wang for ``L >= 32`` or odd ``L`` (cheaper near
        :math:`T_c`); otherwise multi-spin when every field is zero and ``n_chains`` is given as a multiple of 64
        (many chains at each temperature), single-spin Metropolis else.
    n_chains : int, optional
        Chains per coupling (default ``min(n_samples, 64)``; 64 for the multi-spin samplers).
    n_equilibrate, n_pilot : int, optional
        Defaults: Metropolis ``max(200, L^2 / 4)`` and ``300``; cluster ``50`` and ``100`` (``n_pilot >= 10``).
    thin_factor : float
        Thinning in units of :math:`2\tau_\mathrm{int}` (the decorrelation time), ``> 0``; default 2.
    seed : None, int or numpy.random.Generator
        Randomness; the same seed gives bit-identical configurations.
    device : str or torch.device, optional
        Where the torch samplers run (the cluster sampler and the numba multi-spin kernel run on CPU).
    progress : bool
        Show a tqdm bar of the production run.
    max_site_updates : float
        Bound on the total site updates. A lower bound of the cost (with :math:`\tau_\mathrm{int} = 1/2`) is
        checked before anything runs, the full cost again after the pilot; both errors give the estimate.

    Returns
    -------
    SampleSet
        ``spins`` is an ``int8`` numpy array of shape ``(n_K, n_samples, L, L)``.

    See Also
    --------
    measure_thermodynamics : averages with error bars instead of configurations.

    Examples
    --------
    >>> res = sample_configurations(4, [0.2, 0.6], 8, n_chains=4, seed=1)
    >>> res.spins.shape, res.method
    ((2, 8, 4, 4), 'metropolis')
    """
    (L, Ks, n_samples, hs, method, n_chains, n_eq, n_pi, thin_factor, ss, device, progress,
     limit) = _sample_configurations_iv(L, K, n_samples, h, method, n_chains, n_equilibrate, n_pilot, thin_factor,
                                        seed, device, progress, max_site_updates)
    nK = Ks.size
    Kb = np.repeat(Ks[:, None], n_chains, axis=1)
    hb = np.repeat(hs[:, None], n_chains, axis=1)
    s_init, s_run = ss.spawn(2)
    unbounded = float("inf")  # the whole run is bounded here, before each stage

    skip = 1  # the pilot record starts with the state before the first sweep (not so for the multi-spin samplers)
    if method == "metropolis":
        gen = torch_generator(_torch_seed(s_run), device)
        state = random_spins((nK, n_chains, L, L), seed=int(s_init.generate_state(1)[0]), device=gen.device)

        def run(st, n, every):
            return checkerboard_metropolis(st, Kb, hb, n, seed=gen, measure_every=every, max_site_updates=unbounded)

        def to_numpy(st):
            return st.cpu().numpy()
    elif method.startswith("multispin"):
        skip = 0
        start = random_spins((nK, n_chains, L, L), seed=np.random.default_rng(s_init), backend="numpy")
        state, run, to_numpy = _multispin_engine(method, start, Ks, s_run, device)
    else:
        rng = np.random.default_rng(s_run)
        state = random_spins((nK, n_chains, L, L), seed=np.random.default_rng(s_init), backend="numpy")

        def run(st, n, every):
            return swendsen_wang(st, Kb, hb, n, seed=rng, measure_every=every, max_site_updates=unbounded)

        def to_numpy(st):
            return st

    state = run(state, n_eq, 0).spins
    pilot = run(state, n_pi, 1)
    state = pilot.spins
    N = L * L
    obs = np.stack([pilot.bond_sum / N, (pilot.magnetization / N) ** 2])  # (2, T, nK, chains)
    tau = stats.integrated_autocorrelation_time(obs[:, skip:], axis=1, chain_axis=3)  # (2, nK)
    tau = np.maximum(np.asarray(tau).max(axis=0), 0.5)
    thin = np.maximum(1, np.ceil(thin_factor * 2.0 * tau)).astype(int)
    per_chain = -(-n_samples // n_chains)
    lattice_sweeps = nK * n_chains * (n_eq + n_pi + per_chain * float(thin.max()))
    check_site_updates(lattice_sweeps * N, limit, f"sample_configurations (measured tau_int up to {tau.max():.3g}: "
                       f"{lattice_sweeps:.3g} lattice sweeps of {N} sites)")
    out = np.empty((nK, n_chains, per_chain, L, L), dtype=np.int8)
    # all couplings run together; a snapshot of coupling k is kept whenever the sweep count is a multiple of thin[k]
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


def _multispin_engine(method, start, Ks, ss, device):
    r"""Packed state, ``run(state, n_sweeps, measure_every)`` and ``to_numpy(state)`` of a multi-spin sampler.

    The state holds the words of every coupling, ``(n_K, n_chains / 64, L, L)``; each coupling runs its own call.
    """
    from .multispin import multispin_metropolis, pack_replicas, unpack_replicas

    big = 1e300  # the whole run is bounded by the caller
    if method == "multispin":
        rng = np.random.default_rng(ss)
        state = np.stack([pack_replicas(s) for s in start])

        def one(words, K, n, every):
            return multispin_metropolis(words, K, n, seed=rng, measure_every=every, packed=True,
                                        max_site_updates=big)

        def to_numpy(st):
            return np.stack([unpack_replicas(w) for w in st])

        stack = np.stack
    else:
        import torch

        from .multispin_torch import multispin_metropolis_torch, pack_replicas_torch, unpack_replicas_torch

        gen = torch_generator(_torch_seed(ss), device)
        state = torch.stack([pack_replicas_torch(s, gen.device) for s in start])

        def one(words, K, n, every):
            return multispin_metropolis_torch(words, K, n, seed=gen, measure_every=every, packed=True,
                                              max_site_updates=big)

        def to_numpy(st):
            return np.stack([unpack_replicas_torch(w).cpu().numpy() for w in st])

        stack = torch.stack

    def run(st, n, every):
        recs = [one(st[k], float(K), n, every) for k, K in enumerate(Ks)]
        return ChainRecord(stack([r.spins for r in recs]), np.stack([r.bond_sum for r in recs], axis=1),
                           np.stack([r.magnetization for r in recs], axis=1), recs[0].n_sites)

    return state, run, to_numpy


def _next_chunk(sweep: int, thin: np.ndarray, counts: np.ndarray, target: int) -> int:
    r"""Sweeps until the next snapshot of any coupling that still needs samples."""
    need = counts < target
    if not need.any():
        return 1
    t = thin[need]
    return int((t - sweep % t).min())


# ----------------------------------------------------------------------------------------------
# thermodynamics with error bars
# ----------------------------------------------------------------------------------------------
class ThermoEstimate(NamedTuple):
    r"""Monte Carlo estimates with standard errors, one entry per coupling (:func:`measure_thermodynamics`)."""

    #: The couplings, shape ``(n_K,)``.
    K: NDArray[np.float64]
    #: Lattice side.
    L: int
    #: The sampler used: ``"metropolis"`` or ``"cluster"``.
    method: str
    #: :math:`u = \langle E\rangle/(NJ)`.
    energy: NDArray[np.float64]
    #: Standard error of ``energy`` (autocorrelation included).
    energy_err: NDArray[np.float64]
    #: :math:`\langle|m|\rangle`.
    abs_magnetization: NDArray[np.float64]
    #: Standard error of ``abs_magnetization``.
    abs_magnetization_err: NDArray[np.float64]
    #: :math:`c = K^2 N \operatorname{Var}(u)`.
    specific_heat: NDArray[np.float64]
    #: Delete-one-chain jackknife error of ``specific_heat``.
    specific_heat_err: NDArray[np.float64]
    #: :math:`\tau_\mathrm{int}` of ``u`` (sweeps).
    tau_energy: NDArray[np.float64]
    #: :math:`\tau_\mathrm{int}` of :math:`m^2` (sweeps).
    tau_m2: NDArray[np.float64]
    #: Measurements per coupling (chains x sweeps).
    n_samples: int


def _measure_thermodynamics_iv(L, K, method, n_chains, n_sweeps, n_equilibrate, seed, device, cold_start_above,
                               max_site_updates):
    L = check_int(L, "L", 1)
    Ks = check_real_array(K, "K").reshape(-1)
    if Ks.size == 0:
        raise ValueError("K must contain at least one coupling")
    method = check_choice(method, "method", ("metropolis", "cluster"))
    if method == "metropolis" and L % 2:
        raise ValueError(f"L must be an even int for method='metropolis' (checkerboard); got L={L}")
    n_chains = check_int(n_chains, "n_chains", 2)
    n_sweeps = check_int(n_sweeps, "n_sweeps", 20)
    n_equilibrate = check_int(n_equilibrate, "n_equilibrate", 0)
    device = check_device(device)
    thr = K_CRITICAL if cold_start_above is None else check_real(cold_start_above, "cold_start_above")
    lattice_sweeps = float(Ks.size) * n_chains * (n_equilibrate + n_sweeps)
    check_site_updates(lattice_sweeps * L * L, budget(max_site_updates),
                       f"measure_thermodynamics with n_sweeps + n_equilibrate = {n_sweeps + n_equilibrate}, "
                       f"n_chains = {n_chains} and L = {L} ({lattice_sweeps:.3g} lattice sweeps of {L * L} sites)")
    return L, Ks, method, n_chains, n_sweeps, n_equilibrate, seed_sequence(seed), device, thr


def measure_thermodynamics(L: int, K: ArrayLike, *, method: Literal["metropolis", "cluster"] = "metropolis",
                           n_chains: int = 16, n_sweeps: int = 2000, n_equilibrate: int = 500, seed=None,
                           device=None, cold_start_above: float | None = None,
                           max_site_updates: float = MAX_SITE_UPDATES) -> ThermoEstimate:
    r"""Energy, :math:`\langle|m|\rangle` and specific heat of the ``L x L`` torus at each coupling, with errors.

    .. math:: u = -\frac{\langle S\rangle}{N}, \qquad \langle|m|\rangle = \frac{\langle|M|\rangle}{N}, \qquad
              c = K^2 N \operatorname{Var}(u).

    All couplings and ``n_chains`` chains per coupling run in one batch. Chains start from random spins, or
    all up for ``K > cold_start_above`` (default :math:`K_c`: ordered start in the ordered phase avoids
    long-lived stripe states of local dynamics). After ``n_equilibrate`` sweeps, every sweep of the next
    ``n_sweeps`` is measured. Errors: :func:`rglib.stats.mean_error` with chains pooled (Sokal window) for
    ``u`` and ``|m|``; for ``c`` the delete-one-chain jackknife (chains are independent, so this accounts
    for autocorrelation without a model).

    Parameters
    ----------
    L : int
        Lattice side (even for Metropolis).
    K : float or array_like
        Couplings (finite), flattened to ``(n_K,)``.
    method : "metropolis" or "cluster"
        The sampler.
    n_chains : int
        Independent chains per coupling, ``>= 2``.
    n_sweeps, n_equilibrate : int
        Measured sweeps (``>= 20``) and discarded sweeps (``>= 0``).
    seed : None, int or numpy.random.Generator
        Randomness; the same seed gives bit-identical estimates.
    device : str or torch.device, optional
        Where the Metropolis sampler runs.
    cold_start_above : float, optional
        Start ordered for couplings above this (finite; default :math:`K_c`).
    max_site_updates : float
        Refuse to start when ``n_K * n_chains * (n_equilibrate + n_sweeps) * L**2`` exceeds it.

    Returns
    -------
    ThermoEstimate

    See Also
    --------
    rglib.ising.kaufman_internal_energy, rglib.ising.kaufman_specific_heat : the exact values for the torus.

    Examples
    --------
    >>> r = measure_thermodynamics(4, 0.3, n_chains=4, n_sweeps=200, n_equilibrate=50, seed=3)
    >>> r.energy.shape, r.n_samples
    ((1,), 800)
    """
    L, Ks, method, n_chains, n_sweeps, n_equilibrate, ss, device, thr = _measure_thermodynamics_iv(
        L, K, method, n_chains, n_sweeps, n_equilibrate, seed, device, cold_start_above, max_site_updates)
    nK = Ks.size
    Kb = np.repeat(Ks[:, None], n_chains, axis=1)
    s_init, s_run = ss.spawn(2)
    start = random_spins((nK, n_chains, L, L), seed=np.random.default_rng(s_init), backend="numpy")
    start[Ks > thr] = 1
    unbounded = float("inf")  # bounded above, for the whole run
    if method == "metropolis":
        gen = torch_generator(_torch_seed(s_run), device)
        st = checkerboard_metropolis(start, Kb, 0.0, n_equilibrate, seed=gen, device=gen.device, measure_every=0,
                                     max_site_updates=unbounded).spins
        rec = checkerboard_metropolis(st, Kb, 0.0, n_sweeps, seed=gen, measure_every=1, max_site_updates=unbounded)
    else:
        rng = np.random.default_rng(s_run)
        st = swendsen_wang(start, Kb, 0.0, n_equilibrate, seed=rng, measure_every=0, max_site_updates=unbounded).spins
        rec = swendsen_wang(st, Kb, 0.0, n_sweeps, seed=rng, measure_every=1, max_site_updates=unbounded)
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
