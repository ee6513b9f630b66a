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
    *[(f, dict(**{arg: np.arange(8.0)}), {arg: [np.ones(3), np.ones(1), [0.0, NAN], np.full(4, INF), 2.0, "abcd", np.ones(6)]})
      for f, arg in ((ising.walsh_coefficients, "f"), (ising.walsh_synthesis, "J"))],
    # ---------------------------------------------------------------- ising.enumerated_sums
    (ising.enumerate_log_partition, dict(energy_fn=ENERGY, n=4, chunk_size=4),
     dict(energy_fn=[None, 3, lambda s: np.zeros(3), lambda s: np.full(len(s), NAN), lambda s: np.array(["a"] * len(s)),
                     lambda s: np.full(len(s), 1j)],
          n=[0, 26, 2.5], chunk_size=[0, 2.5, "x"])),
    (ising.enumerate_expectation, dict(energy_fn=ENERGY, observable_fn=OBS, n=4, chunk_size=8, return_log_partition=False),
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
            if inspect.isfunction(obj) and inspect.signature(obj).parameters and obj not in covered:
                missing.append(f"{mod.__name__}.{name}")
    # data_dir takes no argument; current_scale reads RGLIB_SCALE (tested in test_config)
    assert missing == [], missing
    assert len(TABLE) >= 400
