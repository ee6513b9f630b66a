"""Tests of the multi-spin coded sampler: exact distributions on tiny tori, packing, exact Bernoulli digits."""
from fractions import Fraction

import numpy as np
import pytest

from rglib import ising, stats
from rglib.ising.multispin import bernoulli_digits, multispin_metropolis, pack_replicas, unpack_replicas


def _exact(L, K):
    b = ising.torus_bonds((L, L))
    return ising.enumerate_boltzmann_probabilities(lambda s: -K * ising.bond_sum(s, b), L * L)


def _counts(spins):
    n = spins.shape[-1] * spins.shape[-2]
    return np.bincount(ising.configuration_index(spins.reshape(-1, n)), minlength=2**n)


@pytest.mark.parametrize("K", [0.3, 0.6, -0.35])
def test_exact_distribution_4x4(K):
    """One configuration per independent replica; the same test with -K must fail (power of the test)."""
    p = _exact(4, K)
    rng = np.random.default_rng(1)
    s0 = rng.choice(np.array([-1, 1], dtype=np.int8), size=(64 * 900, 4, 4))
    counts = _counts(multispin_metropolis(s0, K, 60, seed=2, measure_every=0).spins)
    assert stats.chi_square_gof(counts, p)[2] > 1e-4
    wrong = _counts(multispin_metropolis(s0, -K, 60, seed=3, measure_every=0).spins)
    assert stats.chi_square_gof(wrong, p)[2] < 1e-12


def test_rectangular_2x4_and_measurements_match_the_lattice():
    b = ising.torus_bonds((2, 4))
    p = ising.enumerate_boltzmann_probabilities(lambda s: -0.4 * ising.bond_sum(s, b), 8)
    s0 = np.ones((64 * 400, 2, 4), dtype=np.int8)
    rec = multispin_metropolis(s0, 0.4, 40, seed=5, measure_every=40)
    assert stats.chi_square_gof(_counts(rec.spins), p)[2] > 1e-4
    assert np.array_equal(rec.bond_sum[-1], ising.lattice_bond_sum(rec.spins))
    assert np.array_equal(rec.magnetization[-1], rec.spins.sum(axis=(1, 2)))


def test_energy_against_kaufman_with_autocorrelation():
    L, K = 16, 0.4
    rec = multispin_metropolis(np.ones((128, L, L), dtype=np.int8), K, 2000, seed=7, measure_every=2)
    u = rec.energy_per_site()[100:]
    m, err, _ = stats.mean_error(u, axis=0, chain_axis=1)
    exact = ising.kaufman_internal_energy(L, L, K)
    assert abs(m - exact) < 4 * err, (m, exact, err)


def test_packing_round_trip_and_bit_convention():
    s = np.random.default_rng(0).choice(np.array([-1, 1], dtype=np.int8), size=(192, 3, 5))
    w = pack_replicas(s)
    assert w.shape == (3, 3, 5) and w.dtype == np.uint64
    assert np.array_equal(unpack_replicas(w), s)
    assert int((w[1, 2, 4] >> np.uint64(7)) & np.uint64(1)) == int(s[64 + 7, 2, 4] < 0)


@pytest.mark.parametrize("p", [0.0, 1.0, 0.5, 0.375, np.exp(-4 * 0.44), np.exp(-8 * 3.0), 5e-324, 1 - 2**-53])
def test_bernoulli_digits_are_the_exact_expansion(p):
    d = bernoulli_digits(p)
    total = sum(Fraction(int(b), 2 ** (k + 1)) for k, b in enumerate(d))
    if p == 1.0:
        assert len(d) == 0  # handled as "always" by the sampler
    else:
        assert total == Fraction(float(p))


def test_seed_reproducibility_and_packed_input():
    s0 = np.ones((64, 8, 8), dtype=np.int8)
    a = multispin_metropolis(s0, 0.3, 10, seed=11)
    b = multispin_metropolis(s0, 0.3, 10, seed=np.random.default_rng(11))
    c = multispin_metropolis(pack_replicas(s0), 0.3, 10, seed=11, packed=True)
    assert np.array_equal(a.spins, b.spins) and np.array_equal(a.bond_sum, b.bond_sum)
    assert np.array_equal(unpack_replicas(c.spins), a.spins)
    assert not np.array_equal(multispin_metropolis(s0, 0.3, 10, seed=12).spins, a.spins)


def test_infinite_temperature_flips_everything_it_may():
    s0 = np.ones((64, 4, 4), dtype=np.int8)
    rec = multispin_metropolis(s0, 0.0, 1, seed=0, measure_every=1)
    assert np.all(rec.spins == -1)  # K = 0: every proposal accepted, one sweep flips every site


def test_bad_input():
    with pytest.raises(ValueError, match="multiple of 64"):
        multispin_metropolis(np.ones((10, 4, 4), dtype=np.int8), 0.3)
    with pytest.raises(ValueError, match="even lattice sides"):
        multispin_metropolis(np.ones((64, 5, 4), dtype=np.int8), 0.3)
    with pytest.raises(ValueError, match="only \\+1 and -1"):
        multispin_metropolis(np.zeros((64, 4, 4), dtype=np.int8), 0.3)
    with pytest.raises(ValueError, match="K must be finite"):
        multispin_metropolis(np.ones((64, 4, 4), dtype=np.int8), float("nan"))
    with pytest.raises(ValueError, match="n_sweeps"):
        multispin_metropolis(np.ones((64, 4, 4), dtype=np.int8), 0.3, -1)
    with pytest.raises(TypeError, match="packed"):
        multispin_metropolis(np.ones((64, 4, 4), dtype=np.int8), 0.3, packed="yes")
    with pytest.raises(ValueError, match="p must satisfy"):
        bernoulli_digits(1.5)


def test_cost_bound_is_checked_before_starting():
    with pytest.raises(ValueError, match="max_site_updates"):
        multispin_metropolis(np.ones((64, 4, 4), dtype=np.int8), 0.3, 10**12)
    rec = multispin_metropolis(np.ones((64, 4, 4), dtype=np.int8), 0.3, 2, max_site_updates=64 * 16 * 2)
    assert rec.spins.shape == (64, 4, 4)
