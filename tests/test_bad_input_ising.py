"""Bad input to every public function of rglib.stats, rglib.entropy, rglib.config and rglib.ising.

Each case replaces one argument of a valid call by a bad value (wrong type, wrong shape, NaN/+-inf, negative or
zero size, out-of-range probability, spins that are not +-1, odd sides where even ones are needed, an empty
batch, a request beyond a cost bound) and asserts a ValueError or TypeError whose message names the argument
exactly as the signature spells it. A second test checks that the table covers every public function.
"""
from __future__ import annotations

import inspect
import re

import numpy as np
import pytest
import torch

from rglib import config, entropy, ising, stats

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 3))
LP = entropy.log_normalize(RNG.normal(size=4))
LQ = entropy.log_normalize(RNG.normal(size=4))
COUNTS = np.array([10, 20, 30, 40])
PROBS = np.array([0.1, 0.2, 0.3, 0.4])
S4 = ising.random_spins((2, 4, 4), seed=0)
S4N = S4.numpy()
BONDS = ising.torus_bonds((2, 2))
NAN, INF = float("nan"), float("inf")
ENERGY = lambda s: -0.3 * ising.bond_sum(s, ising.torus_bonds((2, 2)))  # noqa: E731
OBS = lambda s: s.mean(axis=1)  # noqa: E731

# generic families of bad values
REAL = [NAN, INF, -INF, "0.3", None, 1 + 2j, object()]
INT = [2.5, True, "3", None, np.float64(3.0)]
SPINS = [np.zeros((2, 4), np.int8), np.full((2, 4), 2, np.int8), np.ones((2, 4)), np.ones((2, 4), bool), "spins"]
SEED = [-1, 1.5, "abc", True]
DEVICE = ["gpu0", 3.5, object()] + ([] if torch.cuda.is_available() else ["cuda"])


def _lattice_spins():
    return [np.zeros((2, 4, 4), np.int8), np.full((2, 4, 4), 2, np.int8), np.ones((2, 4, 4)), np.ones(4, np.int8),
            np.ones((0, 4, 4), np.int8), np.ones((2, 4, 4), bool), [[1, -1], [1, 1]], torch.zeros((2, 4, 4),
            dtype=torch.int8), torch.ones((2, 4, 4)), torch.ones((0, 4, 4), dtype=torch.int8)]


# (function, valid keyword arguments, {argument: [bad values]}). Named(v, "name", **also) replaces the argument
# by v and the arguments in ``also`` too (a combination that is bad only together); the error must name "name".
class Named:
    def __init__(self, value, name, **also):
        self.value, self.name, self.also = value, name, also


CASES = [
    # ---------------------------------------------------------------- stats
    (stats.autocorrelation_function, dict(x=X, axis=0),
     dict(x=["abc", None, [[NAN]], np.full(5, INF), np.ones(3) * 1j, 3.0, np.ones(1), np.array([object()])],
          axis=[2, -3, 1.5, "0", True, None])),
    (stats.integrated_autocorrelation_time, dict(x=X, c=6.0, axis=0, chain_axis=None),
     dict(x=["abc", [[NAN]], 3.0, np.ones(1)], c=[0.0, -1.0, *REAL[:5], [6.0, 7.0]], axis=[2, 1.5],
          chain_axis=[0, 5, 1.5, "1"])),
    (stats.tau_int_error, dict(tau=1.0, n_samples=100, c=6.0),
     dict(tau=[0.0, -1.0, *REAL[:5]], n_samples=[0, -5, NAN, INF, "100", None], c=[0.0, -1.0, NAN, INF, "6"])),
    (stats.mean_error, dict(x=X, axis=0, c=6.0, chain_axis=None),
     dict(x=["abc", None, [[NAN]], np.full(4, -INF), 3.0, np.ones(1)], axis=[2, -3, 1.5], c=[0.0, -2.0, NAN, INF],
          chain_axis=[0, 2, 0.5])),
    (stats.binning_error, dict(x=X, n_blocks=4, axis=0),
     dict(x=["abc", [[NAN]], 3.0], n_blocks=[1, 0, 65, 2.5, "4", True, None], axis=[2, 1.5])),
    (stats.blocked_jackknife, dict(x=X, func=lambda v, axis: v.var(axis=axis), n_blocks=4, axis=0),
     dict(x=["abc", [[INF]], 3.0], func=[None, 3, "var"], n_blocks=[1, 65, 2.5, True], axis=[2, "0"])),
    (stats.chi_square_gof, dict(counts=COUNTS, probs=PROBS, min_expected=5.0),
     dict(counts=[COUNTS * 1.0, -COUNTS, COUNTS[:3], COUNTS.reshape(2, 2), np.zeros(4, int), "abc", COUNTS > 0],
          probs=[-PROBS, PROBS * 2, np.array([NAN, 0.2, 0.3, 0.5]), PROBS[:3], np.array([1.5, -0.5, 0, 0]),
                 "abc", None],
          min_expected=[0.0, -1.0, NAN, INF, 1j, "5", [5.0], None])),
    (stats.total_variation, dict(counts=COUNTS, probs=PROBS),
     dict(counts=[COUNTS * 1.0, -COUNTS, np.zeros(4, int), COUNTS[:2]], probs=[PROBS * 2, -PROBS, PROBS[:3], None])),
    # ---------------------------------------------------------------- entropy
    (entropy.log_normalize, dict(log_w=LP, axis=-1),
     dict(log_w=[[0.0, NAN], [0.0, INF], np.full(3, -INF), "abc", 1.0, np.ones(3) * 1j, None], axis=[1, 1.5, "0"])),
    (entropy.kl_divergence, dict(log_p=LP, log_q=LQ, axis=-1, norm_tol=1e-6),
     dict(log_p=[np.zeros(4), LP[:3], [NAN] * 4, [INF, 0, 0, 0], "abc", 0.0],
          log_q=[np.zeros(4), LQ[:3], np.array([0.0, -INF, -INF, -INF]), [NAN] * 4, None],
          axis=[1, 2.5], norm_tol=[0.0, -1.0, NAN, INF, "x", [1e-6]])),
    (entropy.shannon_entropy, dict(log_p=LP, axis=-1, norm_tol=1e-6),
     dict(log_p=[np.zeros(4), [NAN] * 4, "abc", 0.0], axis=[1, 0.5], norm_tol=[0.0, NAN, "x"])),
    (entropy.mutual_information, dict(log_p_joint=np.log(np.full((2, 2), 0.25)), norm_tol=1e-6),
     dict(log_p_joint=[LP, np.zeros((2, 2)), np.full((2, 2), NAN), "abc"], norm_tol=[0.0, -1.0, NAN])),
    (entropy.gaussian_kl, dict(mean0=np.zeros(2), cov0=np.eye(2), mean1=np.ones(2), cov1=2 * np.eye(2)),
     dict(mean0=[0.0, np.zeros(3), [NAN, 0.0], "ab"], cov0=[np.ones((2, 2)), -np.eye(2), np.eye(3), np.zeros(2),
                                                          [[1.0, 2.0], [0.0, 1.0]], np.full((2, 2), NAN)],
          mean1=[np.zeros(3), [INF, 0.0], None], cov1=[np.zeros((2, 2)), np.eye(3), "x"])),
    (entropy.gaussian_entropy, dict(cov=np.eye(2)),
     dict(cov=[-np.eye(2), np.ones((2, 2)), np.zeros(2), np.full((2, 2), INF), "x", [[1.0, 0.5], [0.0, 1.0]]])),
    # ---------------------------------------------------------------- config
    (config.by_scale, dict(ci=1, book=2, paper=3, scale="ci"), dict(scale=["huge", 3, b"ci"])),
    (config.scale_profile, dict(scale="ci"), dict(scale=["huge", 3])),
    (config.describe_scale, dict(scale="ci"), dict(scale=["huge", 3.0])),
    (config.seed_for, dict(name="ising", base=1), dict(name=["", 3, None], base=[-1, 1.5, True, "0"])),
    # ---------------------------------------------------------------- ising.chain
    *[(f, dict(N=5, K=0.3, h=0.1),
       dict(N=[0, -1, *INT], K=[*REAL, Named([0.1, 0.2], "K", h=[0.1, 0.2, 0.3])], h=REAL))
      for f in (ising.ring_log_partition, ising.ring_magnetization, ising.ring_entropy)],
    *[(f, dict(N=5, K=0.3, h=0.1, r=2),
       dict(N=[0, 2.5], K=REAL[:4], h=REAL[:4], r=[-1, 6, 1.5, "2", True, [0.5], None]))
      for f in (ising.ring_correlation, ising.ring_connected_correlation)],
    *[(f, dict(K=0.3, h=0.1), dict(K=[*REAL, Named(np.ones(3), "h", h=np.ones(2))], h=REAL))
      for f in (ising.chain_log_partition_per_site, ising.chain_magnetization, ising.chain_correlation_length,
                ising.chain_nn_correlation, ising.chain_entropy_per_site, ising.chain_parts)],
    # ---------------------------------------------------------------- ising.enumeration
    *[(f, dict(n=3), dict(n=[0, -2, 26, *INT]))
      for f in (ising.all_spin_configurations, ising.state_codes, ising.magnetizations, ising.subset_orders)],
    (lambda n, chunk_size=2**16: next(ising.iter_spin_configurations(n, chunk_size)), dict(n=3, chunk_size=4),
     dict(n=[0, 26, 2.5], chunk_size=[0, -4, 2.5, "4"])),
    (ising.configuration_index, dict(spins=np.ones((2, 3), np.int8)),
     dict(spins=[*SPINS, np.ones((1, 63), np.int8), np.int8(1)])),
    (ising.torus_bonds, dict(shape=(2, 3)),
     dict(shape=["4x4", (0, 3), (3,), (2.5, 3), (5000, 5000), None, (3, -1), 0])),
    (ising.bond_sum, dict(spins=np.ones((2, 4), np.int8), bonds=BONDS),
     dict(spins=[*SPINS, np.ones(4, np.int8), np.ones((1, 2, 4), np.int8)],
          bonds=[np.array([[0, 4]]), np.array([[0, -1]]), BONDS * 1.0, np.ones((3, 3), int), "x", BONDS > 0])),
    (ising.ring_bond_sums, dict(n=4, r=1), dict(n=[0, 26, 2.5], r=[-1, 5, 1.5, None])),
    (ising.kept_state_codes, dict(n=4, stride=2), dict(n=[0, 26], stride=[0, 3, 5, 1.5, "2"])),
    *[(f, {arg: np.arange(8.0)}, {arg: [np.ones(3), np.ones(1), [0.0, NAN], np.full(4, INF), 2.0, "abcd", np.ones(6)]})
      for f, arg in ((ising.walsh_coefficients, "f"), (ising.walsh_synthesis, "J"))],
    # ---------------------------------------------------------------- ising.enumerated_sums
    (ising.enumerate_log_partition, dict(energy_fn=ENERGY, n=4, chunk_size=4),
     dict(energy_fn=[None, 3, lambda s: np.zeros(3), lambda s: np.full(len(s), NAN), lambda s: np.array(["a"] * len(s)),
                     lambda s: np.full(len(s), 1j)],
          n=[0, 26, 2.5], chunk_size=[0, 2.5, "x"])),
    (ising.enumerate_expectation,
     dict(energy_fn=ENERGY, observable_fn=OBS, n=4, chunk_size=8, return_log_partition=False),
     dict(energy_fn=[None, lambda s: np.zeros(1)], observable_fn=[None, "mean", lambda s: np.zeros(2),
                                                                   lambda s: np.full(len(s), INF)],
          n=[0, 2.5], chunk_size=[0], return_log_partition=["yes", 1, None])),
    (ising.enumerate_boltzmann_probabilities, dict(energy_fn=ENERGY, n=4, max_spins=10),
     dict(energy_fn=[None, lambda s: np.zeros((len(s), 2)), lambda s: np.full(len(s), -INF)],
          n=[0, 11, 2.5], max_spins=[0, 26, 1.5])),
    (ising.enumerate_torus_density_of_states, dict(shape=(2, 2), chunk_size=8),
     dict(shape=[(5, 6), "x", (0, 2), (2,)], chunk_size=[0, 1.5])),
    # ---------------------------------------------------------------- ising.square
    (ising.onsager_free_energy, dict(K=0.3), dict(K=[-0.1, *REAL, Named(np.full(100_001, 0.3), "K")])),
    *[(f, dict(K=0.3), dict(K=[0.0, -0.1, *REAL]))
      for f in (ising.onsager_internal_energy, ising.onsager_specific_heat)],
    (ising.yang_magnetization, dict(K=0.3), dict(K=[-0.1, *REAL])),
    *[(f, dict(n=4, m=4, K=0.3),
       dict(n=[0, -1, *INT, Named(10**4, "n", m=10**4, K=np.full(10**5, 0.3))], m=[0, *INT],
            K=[0.0, -1.0, *REAL, Named(np.full(10**5, 0.3), "K", n=10**4, m=10**4)]))
      for f in (ising.kaufman_log_partition, ising.kaufman_internal_energy, ising.kaufman_specific_heat)],
    *[(f, dict(spins=S4N), dict(spins=_lattice_spins()[:4] + _lattice_spins()[5:6]))
      for f in (ising.lattice_bond_sum, ising.lattice_magnetization)],
    (ising.lattice_energy, dict(spins=S4N, K=0.5, h=0.1),
     dict(spins=_lattice_spins()[:4] + _lattice_spins()[5:6], K=[*REAL, Named(np.ones(3), "K")],
          h=[*REAL[:4], Named(np.ones(3), "h")])),
    # ---------------------------------------------------------------- ising samplers
    (ising.random_spins, dict(shape=(2, 4), seed=0, device=None, p_up=0.5, backend="torch"),
     dict(shape=[(0, 4), (2.5,), "abc", (10**6, 10**6), (), None, (2, -1)], seed=[*SEED, np.random.SeedSequence(1)],
          device=DEVICE, p_up=[1.5, -0.1, NAN, INF, "0.5", [0.5]], backend=["jax", 3, None])),
    (ising.random_spins, dict(shape=(2, 4), seed=0, device=None, p_up=0.5, backend="numpy"),
     dict(seed=[torch.Generator(), *SEED], device=["cpu"])),
    (ising.checkerboard_metropolis, dict(spins=S4, K=0.3, h=0.0, n_sweeps=2, seed=1, device=None, rule="metropolis",
                                         measure_every=1, max_site_updates=1e10),
     dict(spins=[*_lattice_spins(), ising.random_spins((2, 5, 5), seed=0), np.ones((2, 2, 3), np.int8)],
          K=[*REAL, Named(np.ones(3), "K")], h=[*REAL[:4], Named(np.ones((3, 2)), "h")], n_sweeps=[-1, *INT],
          seed=[*SEED, object()], device=DEVICE, rule=["glauber", 3, None], measure_every=[-1, 1.5],
          max_site_updates=[0.0, -1.0, NAN, "1e10", 10.0])),
    (ising.swendsen_wang, dict(spins=S4N, K=0.3, h=0.0, n_sweeps=2, seed=1, measure_every=1, max_site_updates=1e10),
     dict(spins=_lattice_spins(), K=[*REAL, Named(np.ones(3), "K")], h=REAL[:4], n_sweeps=[-1, *INT],
          seed=[*SEED, torch.Generator()], measure_every=[-1, 1.5], max_site_updates=[0.0, NAN, 10.0])),
    (ising.sample_configurations, dict(L=4, K=[0.3, 0.5], n_samples=4, h=0.0, method="auto", n_chains=2,
                                       n_equilibrate=5, n_pilot=10, thin_factor=1.0, seed=0, device=None,
                                       progress=False, max_site_updates=1e10),
     dict(L=[0, -4, *INT, Named(5, "L")], K=[[], *REAL[:5], [[0.3, NAN]]], n_samples=[0, 2.5],
          h=[NAN, "x", Named(np.ones(3), "h")], method=["wolff", 3], n_chains=[0, 1.5], n_equilibrate=[-1, 0.5],
          n_pilot=[5, 2.5], thin_factor=[0.0, -1.0, NAN, INF, "2", 1e9],
          seed=[*SEED, torch.Generator()], device=DEVICE, progress=["yes", 1, None],
          max_site_updates=[0.0, NAN, 100.0])),
    (ising.measure_thermodynamics, dict(L=4, K=0.3, method="metropolis", n_chains=2, n_sweeps=20, n_equilibrate=0,
                                        seed=0, device=None, cold_start_above=None, max_site_updates=1e10),
     dict(L=[0, *INT, Named(5, "L")], K=[[], *REAL[:5]], method=["wolff", None], n_chains=[1, 2.5],
          n_sweeps=[19, 2.5], n_equilibrate=[-1, "0"], seed=[*SEED, torch.Generator()], device=DEVICE,
          cold_start_above=[NAN, INF, "x", [0.5, 0.6], 1j], max_site_updates=[0.0, NAN, 100.0])),
    (ising.multispin_metropolis_torch, dict(spins=torch.ones((64, 4, 4), dtype=torch.int8), K=0.3, n_sweeps=2, seed=1,
                                            device=None, measure_every=1, packed=False, max_site_updates=1e13),
     dict(spins=[np.zeros((64, 4, 4), np.int8), torch.ones((64, 4, 4)), np.ones((63, 4, 4), np.int8),
                 np.ones((64, 3, 4), np.int8), np.ones((64, 4), np.int8), "abc", None],
          K=[*REAL, [0.1, 0.2]], n_sweeps=[-1, *INT], seed=SEED, device=DEVICE, measure_every=[-1, 1.5],
          packed=["yes", 1, None], max_site_updates=[0.0, NAN, "1e13", 10.0])),
    (ising.pack_replicas_torch, dict(spins=np.ones((64, 2, 2), np.int8), device=None),
     dict(spins=[np.zeros((64, 2, 2), np.int8), np.ones((64, 2, 2)), np.ones((10, 2, 2), np.int8), "abc"],
          device=DEVICE)),
    (ising.unpack_replicas_torch, dict(words=torch.zeros((1, 2, 2), dtype=torch.int64)),
     dict(words=[np.zeros((1, 2, 2), np.uint64), torch.zeros((1, 2, 2), dtype=torch.int32),
                 torch.zeros((2, 2), dtype=torch.int64), None])),
]
# L = 5 with method="metropolis" is bad only together with the method
for i, (f, good, bad) in enumerate(CASES):
    if f is ising.sample_configurations:
        CASES[i] = (f, dict(good, method="metropolis"), bad)


def _expand():
    for f, good, bad in CASES:
        for arg, values in bad.items():
            for v in values:
                name = v.name if isinstance(v, Named) else arg
                call = dict(good, **{arg: v.value if isinstance(v, Named) else v}, **getattr(v, "also", {}))
                yield pytest.param(f, call, arg, name, id=f"{getattr(f, '__name__', 'f')}-{arg}")


TABLE = list(_expand())


@pytest.mark.parametrize("func, call, arg, name", TABLE)
def test_bad_argument_raises_named_error(func, call, arg, name):
    params = inspect.signature(func).parameters
    assert arg in params and name in params, (arg, name, list(params))
    with pytest.raises((ValueError, TypeError)) as info:
        func(**call)
    assert re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", str(info.value)), str(info.value)


@pytest.mark.parametrize("func, good", [(f, g) for f, g, _ in CASES])
def test_the_valid_calls_of_the_table_are_valid(func, good):
    func(**good)


def test_table_covers_every_public_function():
    covered = {f for f, _, _ in CASES} | {ising.iter_spin_configurations}
    missing = []
    for mod in (stats, entropy, config, ising):
        for name in mod.__all__:
            obj = getattr(mod, name)
            if getattr(obj, "__module__", "") == "rglib.ising.multispin":
                continue  # covered by the engine table, tests/test_bad_input_engine.py
            if inspect.isfunction(obj) and inspect.signature(obj).parameters and obj not in covered:
                missing.append(f"{mod.__name__}.{name}")
    # data_dir takes no argument; current_scale reads RGLIB_SCALE (tested in test_config)
    assert missing == [], missing
    assert len(TABLE) >= 400


# ================================================================================================
# extreme but valid input: finite and correct (issue 19)
# ================================================================================================
mp = pytest.importorskip("mpmath")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _exact_torus(n, m, K, dps=80):
    """(ln Z, u, c) of the n x m torus from its enumerated density of states g(S), in mpmath."""
    mp.mp.dps = dps
    g = ising.enumerate_torus_density_of_states((n, m)).sum(axis=1)
    N = n * m
    S = [s for s, gs in zip(range(-2 * N, 2 * N + 1), g) if gs]
    w = [mp.mpf(int(gs)) * mp.e ** (mp.mpf(K) * s) for s, gs in zip(range(-2 * N, 2 * N + 1), g) if gs]
    Z = mp.fsum(w)
    m1 = mp.fsum(wi * s for wi, s in zip(w, S)) / Z
    m2 = mp.fsum(wi * s * s for wi, s in zip(w, S)) / Z
    return float(mp.log(Z)), float(-m1 / N), float(mp.mpf(K) ** 2 * (m2 - m1**2) / N)


@pytest.mark.parametrize("n,m", [(1, 1), (1, 3), (2, 2), (3, 4), (4, 4)])
@pytest.mark.parametrize("K", [1e-12, 1e-6, 0.3, 5.0, 20.0, 180.0, 1e3])
def test_kaufman_extreme_couplings_match_mpmath(n, m, K):
    lz, u, c = _exact_torus(n, m, K)
    assert ising.kaufman_log_partition(n, m, K) == pytest.approx(lz, rel=1e-13)
    assert abs(ising.kaufman_internal_energy(n, m, K) - u) < 1e-14 + 1e-12 * abs(u)
    c_got = ising.kaufman_specific_heat(n, m, K)
    assert abs(c_got - c) < 1e-16 + 1e-4 * c  # relative accuracy while c > 1e-14, absolute 1e-16 below


@pytest.mark.parametrize("L", [4, 64, 512])
def test_kaufman_limits_on_large_lattices(L):
    N = L * L
    for K in (180.0, 1e3):  # NaN before the fix; ln Z = 2 N K + ln 2, u = -2, c = 0
        assert ising.kaufman_log_partition(L, L, K) == pytest.approx(2 * N * K + np.log(2), rel=1e-15)
        assert ising.kaufman_internal_energy(L, L, K) == -2.0
        assert 0.0 <= ising.kaufman_specific_heat(L, L, K) < 1e-100
    for K in (1e-12, 1e-6):  # high-temperature series: ln Z = N ln 2 + 2N ln cosh K + N tanh^4 K + ...
        lz = N * np.log(2) + 2 * N * np.log(np.cosh(K))
        assert ising.kaufman_log_partition(L, L, K) == pytest.approx(lz, rel=1e-15)
        assert abs(ising.kaufman_internal_energy(L, L, K) + 2 * np.tanh(K)) < 1e-15
        assert ising.kaufman_specific_heat(L, L, K) == pytest.approx(2 * K**2, rel=1e-9)


def test_onsager_extremes():
    assert ising.onsager_free_energy(1e3) == pytest.approx(2e3, rel=1e-15)
    assert ising.onsager_internal_energy(1e3) == -2.0 and ising.onsager_specific_heat(1e3) == 0.0
    assert ising.yang_magnetization(1e3) == 1.0 and ising.yang_magnetization(1e-12) == 0.0
    K = np.array([1e-12, 1e-8, 1e-6])
    assert np.allclose(ising.onsager_free_energy(K), np.log(2) + K**2, rtol=0, atol=1e-15)
    assert np.allclose(ising.onsager_internal_energy(K), -2 * K, rtol=1e-9, atol=0)  # was -0.0 at 1e-12
    assert np.allclose(ising.onsager_specific_heat(K), 2 * K**2, rtol=1e-9, atol=0)
    # low-temperature side against mpmath derivatives of Onsager's integral
    for K in (0.1, 5.0):
        mp.mp.dps = 75

        def f(k):
            k2 = (2 * mp.sinh(2 * k) / mp.cosh(2 * k) ** 2) ** 2
            integrand = lambda t: mp.log((1 + mp.sqrt(1 - k2 * mp.sin(t) ** 2)) / 2)  # noqa: E731
            return mp.log(2 * mp.cosh(2 * k)) + mp.quad(integrand, [0, mp.pi / 2, mp.pi]) / (2 * mp.pi)

        Km = mp.mpf(K)
        assert ising.onsager_internal_energy(K) == pytest.approx(float(-mp.diff(f, Km)), rel=1e-13)
        assert ising.onsager_specific_heat(K) == pytest.approx(float(Km**2 * mp.diff(f, Km, 2)), rel=1e-12)


def _ring_exact(N, K, h, r):
    mp.mp.dps = 1200  # lambda_-^N cancels lambda_+^N to e^-2000 on frustrated rings at |K| = 1e3
    K, h = mp.mpf(K), mp.mpf(h)
    T = mp.matrix([[mp.e ** (K + h), mp.e ** (-K)], [mp.e ** (-K), mp.e ** (K - h)]])
    sz = mp.matrix([[1, 0], [0, -1]])
    TN = T**N
    Z = TN[0, 0] + TN[1, 1]
    A = sz * T**r * sz * T ** (N - r)
    return float(mp.log(Z)), float((TN[0, 0] - TN[1, 1]) / Z), float((A[0, 0] + A[1, 1]) / Z)


@pytest.mark.parametrize("N", [1, 6, 7])
@pytest.mark.parametrize("K", [-1e3, -30.0, -1e-12, 1e-12, 1.0, 1e3])
@pytest.mark.parametrize("h", [-1e3, 0.0, 0.5, 1e3])
def test_ring_extremes_match_mpmath(N, K, h):
    r = N // 2
    lz, m, c = _ring_exact(N, K, h, r)
    assert ising.ring_log_partition(N, K, h) == pytest.approx(lz, rel=1e-13, abs=1e-13)
    assert ising.ring_magnetization(N, K, h) == pytest.approx(m, rel=1e-12, abs=1e-14)
    assert ising.ring_correlation(N, K, h, r) == pytest.approx(c, rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("K,h", [(1.0, 18.0), (1.0, 1e3), (-1.0, 18.0), (1e-12, 0.0), (1e-12, 1e3), (0.8, 0.0),
                                 (-1e3, 0.5), (1e3, 1e3), (-300.0, 0.0), (-30.0, 18.0), (1e-6, -0.1)])
def test_chain_extremes_match_mpmath(K, h):
    mp.mp.dps = 1200
    Km, hm = mp.mpf(K), mp.mpf(h)
    p = mp.e**Km * mp.cosh(hm)
    q = mp.sqrt(mp.e ** (2 * Km) * mp.sinh(hm) ** 2 + mp.e ** (-2 * Km))
    xi = -1 / mp.log(abs((p - q) / (p + q)))
    R = mp.sqrt(mp.sinh(hm) ** 2 + mp.e ** (-4 * Km))
    u = 1 - 2 * mp.e ** (-4 * Km) / (R * (mp.cosh(hm) + R))
    m = mp.sinh(hm) / R
    s = mp.log(p + q) - Km * u - hm * m
    assert ising.chain_correlation_length(K, h) == pytest.approx(float(xi), rel=1e-13)  # 0.0 at h = 18 before
    assert ising.chain_log_partition_per_site(K, h) == pytest.approx(float(mp.log(p + q)), rel=1e-15)
    assert ising.chain_magnetization(K, h) == pytest.approx(float(m), rel=1e-14, abs=1e-300)
    assert ising.chain_nn_correlation(K, h) == pytest.approx(float(u), rel=1e-13, abs=1e-300)
    assert ising.chain_entropy_per_site(K, h) == pytest.approx(float(s), rel=1e-12, abs=1e-300)


# ================================================================================================
# issue 19: the remaining defects, each with its fix
# ================================================================================================
def test_tau_int_with_large_window_constant_stays_sensible():
    """c >= 50 used to return tau = 2.2e-308 (and an error bar of 1e-155) for an AR(1) series with tau = 0.93."""
    from scipy.signal import lfilter

    a = 0.3
    true_tau = 0.5 * (1 + a) / (1 - a)
    x = lfilter([1.0], [1.0, -a], np.random.default_rng(7).normal(size=(100, 200)), axis=0)
    for c in (50.0, 60.0, 1e3):
        tau = stats.integrated_autocorrelation_time(x, c=c)
        assert tau.min() > 0.2 and abs(np.median(tau) / true_tau - 1) < 0.5
        m, err, _ = stats.mean_error(x, c=c)
        assert err.min() > 0.5 * np.sqrt(x.var(axis=0, ddof=1).min() / 100)
    long = lfilter([1.0], [1.0, -a], np.random.default_rng(8).normal(size=(20_000, 4)), axis=0)
    assert np.allclose(stats.integrated_autocorrelation_time(long, c=50.0), true_tau, rtol=0.25)


def test_sample_configurations_refuses_a_run_beyond_its_budget_at_once():
    import time

    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"thin_factor = 1e\+06.*would need about .* site updates, more than "
                                         r"max_site_updates"):
        ising.sample_configurations(16, 0.4, 256, thin_factor=1e6, seed=0)  # used to run without end
    assert time.perf_counter() - t0 < 1.0
    # the lower bound (tau = 1/2: thin = 40) passes, the estimate after the pilot (tau = 0.74: thin = 59) does not
    kw = dict(n_chains=2, n_equilibrate=0, n_pilot=50, thin_factor=40.0, seed=0)
    with pytest.raises(ValueError, match="measured tau_int up to 0.737.*more than max_site_updates"):
        ising.sample_configurations(4, 0.44, 4, max_site_updates=2 * 16 * (50 + 2 * 40), **kw)
    res = ising.sample_configurations(4, 0.44, 4, max_site_updates=2 * 16 * (50 + 2 * 59), **kw)
    assert res.spins.shape == (1, 4, 4, 4)


# ================================================================================================
# properties (hypothesis, derandomized in conftest.py)
# ================================================================================================
_log_weights = st.lists(st.floats(-30, 30), min_size=2, max_size=12)


@settings(max_examples=60, deadline=None)
@given(a=_log_weights, b=_log_weights, zero=st.integers(0, 11))
def test_kl_is_nonnegative_and_zero_on_identical_arguments(a, b, zero):
    k = min(len(a), len(b))
    p = np.array(a[:k])
    p[zero % k] = -np.inf if k > 1 else p[0]  # a state of probability zero in p
    lp, lq = entropy.log_normalize(p), entropy.log_normalize(np.array(b[:k]))
    assert entropy.kl_divergence(lp, lq) >= 0.0
    assert entropy.kl_divergence(lp, lp) == 0.0 and entropy.kl_divergence(lq, lq) == 0.0
    joint = np.add.outer(lq, lq) + np.array(b[:k])[:, None] * np.array(a[:k])[None, :] / 30
    assert entropy.mutual_information(entropy.log_normalize(joint.ravel()).reshape(k, k)) >= 0.0


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 4))
def test_gaussian_kl_is_nonnegative_and_zero_on_identical_arguments(seed, k):
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(k, k)), rng.normal(size=(k, k))
    c0, c1 = A @ A.T + 0.1 * np.eye(k), B @ B.T + 0.1 * np.eye(k)
    m0, m1 = rng.normal(size=k), rng.normal(size=k)
    assert entropy.gaussian_kl(m0, c0, m1, c1) >= -1e-12
    assert abs(entropy.gaussian_kl(m0, c0, m0, c0)) < 1e-12


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 4), m=st.integers(1, 4), K=st.floats(1e-6, 5.0))
def test_log_z_kaufman_equals_enumeration(n, m, K):
    b = ising.torus_bonds((n, m))
    lz = ising.enumerate_log_partition(lambda s: -K * ising.bond_sum(s, b), n * m)
    assert ising.kaufman_log_partition(n, m, K) == pytest.approx(lz, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 60), K=st.floats(1e-12, 1e3))
def test_log_z_kaufman_equals_transfer_matrix(m, K):
    """A 1 x m torus is a ring of m spins plus one self-bond (s_i s_i = 1) per site: ln Z = ln Z_ring + m K."""
    ring = ising.ring_log_partition(m, K)
    assert ising.kaufman_log_partition(1, m, K) == pytest.approx(ring + m * K, rel=1e-13)


@settings(max_examples=40, deadline=None)
@given(N=st.integers(1, 10), K=st.floats(-5, 5), h=st.floats(-5, 5))
def test_log_z_transfer_matrix_equals_enumeration(N, K, h):
    bonds = np.array([[i, (i + 1) % N] for i in range(N)])
    lz = ising.enumerate_log_partition(lambda s: -K * ising.bond_sum(s, bonds) - h * s.sum(axis=1), N)
    assert ising.ring_log_partition(N, K, h) == pytest.approx(lz, rel=1e-12, abs=1e-12)


# ================================================================================================
# determinism: the same seed gives bit-identical arrays
# ================================================================================================
@pytest.mark.parametrize("seed", [3, "generator", "torch"])
def test_checkerboard_is_deterministic(seed):
    def make():
        return {"generator": np.random.default_rng(3), "torch": torch.Generator().manual_seed(3)}.get(seed, seed)

    start = ising.random_spins((3, 8, 8), seed=1)
    a = ising.checkerboard_metropolis(start, [0.2, 0.44, 0.6], 0.1, 20, seed=make(), rule="heat_bath")
    b = ising.checkerboard_metropolis(start, [0.2, 0.44, 0.6], 0.1, 20, seed=make(), rule="heat_bath")
    assert torch.equal(a.spins, b.spins) and np.array_equal(a.bond_sum, b.bond_sum)


@pytest.mark.parametrize("seed", [3, "generator"])
def test_swendsen_wang_is_deterministic(seed):
    def make():
        return np.random.default_rng(3) if seed == "generator" else seed

    start = ising.random_spins((2, 5, 7), seed=1, backend="numpy")
    a = ising.swendsen_wang(start, 0.44, 0.05, 10, seed=make())
    b = ising.swendsen_wang(start, 0.44, 0.05, 10, seed=make())
    assert np.array_equal(a.spins, b.spins) and np.array_equal(a.magnetization, b.magnetization)


@pytest.mark.parametrize("L", [4, 5])
def test_sample_configurations_and_thermodynamics_are_deterministic_for_ints_and_generators(L):
    kw = dict(n_chains=4, n_equilibrate=10, n_pilot=20)
    for seed in (11, None):
        make = (lambda: np.random.default_rng(11)) if seed is None else (lambda: 11)  # noqa: E731
        a = ising.sample_configurations(L, [0.3, 0.5], 8, seed=make(), **kw)
        b = ising.sample_configurations(L, [0.3, 0.5], 8, seed=make(), **kw)
        assert np.array_equal(a.spins, b.spins) and np.array_equal(a.thin, b.thin)
    c = ising.sample_configurations(L, [0.3, 0.5], 8, seed=12, **kw)
    assert not np.array_equal(a.spins, c.spins)
    method = "metropolis" if L % 2 == 0 else "cluster"
    r1, r2 = (ising.measure_thermodynamics(L, 0.4, method=method, n_chains=2, n_sweeps=30, n_equilibrate=5,
                                           seed=np.random.default_rng(5)) for _ in range(2))
    assert np.array_equal(r1.energy, r2.energy) and np.array_equal(r1.specific_heat_err, r2.specific_heat_err)
