"""Tests of the torch multi-spin sampler: exact distributions on tiny tori, Kaufman's energy, packing, devices."""
import numpy as np
import pytest
import torch

from rglib import ising, stats
from rglib.ising.multispin import multispin_metropolis, pack_replicas
from rglib.ising.multispin_torch import multispin_metropolis_torch, pack_replicas_torch, unpack_replicas_torch

@pytest.fixture(autouse=True)
def one_thread():
    """Small tensors: one torch thread is faster than two on a shared machine (restored afterwards)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def _exact(L1, L2, K):
    b = ising.torus_bonds((L1, L2))
    return ising.enumerate_boltzmann_probabilities(lambda s: -K * ising.bond_sum(s, b), L1 * L2)


def _counts(spins):
    n = spins.shape[-1] * spins.shape[-2]
    return np.bincount(ising.configuration_index(spins.reshape(-1, n)), minlength=2**n)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("K", [0.3, 0.6, -0.35])
def test_exact_distribution_4x4(K, device):
    """One configuration per independent replica; the same test with -K must fail (power of the test)."""
    p = _exact(4, 4, K)
    s0 = np.random.default_rng(1).choice(np.array([-1, 1], dtype=np.int8), size=(64 * 900, 4, 4))
    rec = multispin_metropolis_torch(s0, K, 60, seed=2, device=device, measure_every=0)
    assert rec.spins.device.type == device and rec.bond_sum.shape == (0, 64 * 900)
    assert stats.chi_square_gof(_counts(rec.spins.cpu().numpy()), p)[2] > 1e-4
    wrong = multispin_metropolis_torch(s0, -K, 60, seed=3, device=device, measure_every=0).spins
    assert stats.chi_square_gof(_counts(wrong.cpu().numpy()), p)[2] < 1e-12


def _one_sweep_kernel(x0, K):
    """Exact distribution of the state after one checkerboard sweep from x0 (sites i + j even first), by enumeration.

    Within a half-sweep the sites of one colour flip independently with probability min(1, e^{-2K s nb}).
    """
    L1, L2 = x0.shape
    colours = [np.nonzero(((np.add.outer(np.arange(L1), np.arange(L2)) % 2) == c).ravel())[0] for c in (0, 1)]
    out = np.zeros(2 ** (L1 * L2))

    def half(x, sites):
        nb = sum(np.roll(x, d, a) for d in (1, -1) for a in (0, 1))
        p = np.minimum(1.0, np.exp(-2.0 * K * (x * nb).ravel()[sites]))
        for pattern in range(2 ** sites.size):
            f = (pattern >> np.arange(sites.size)) & 1
            y = x.ravel().copy()
            y[sites[f == 1]] *= -1
            yield np.prod(np.where(f == 1, p, 1.0 - p)), y.reshape(L1, L2)

    for pa, x1 in half(x0, colours[0]):
        for pb, x2 in half(x1, colours[1]):
            out[ising.configuration_index(x2.reshape(1, -1))[0]] += pa * pb
    return out


@pytest.mark.parametrize("K", [0.4, -0.5, 0.05])
def test_one_sweep_kernel_on_2x4_is_exact(K):
    """The transition probabilities of one sweep from fixed states of the 2 x 4 torus (double vertical bonds).

    The stationary test does not apply on 2 x L: synchronous sublattice Metropolis is not ergodic there (states in
    which every site has two antiparallel neighbours cycle deterministically), so the kernel itself is tested.
    """
    rng = np.random.default_rng(3)
    for x0 in (np.ones((2, 4), np.int8), rng.choice(np.array([-1, 1], np.int8), size=(2, 4))):
        p = _one_sweep_kernel(x0.astype(np.int64), K)
        assert abs(p.sum() - 1.0) < 1e-12
        start = np.broadcast_to(x0, (64 * 200, 2, 4)).copy()
        s = multispin_metropolis_torch(start, K, 1, seed=5, measure_every=0).spins.numpy()
        assert stats.chi_square_gof(_counts(s), p)[2] > 1e-4
        wrong = multispin_metropolis_torch(start, K + 0.3, 1, seed=6, measure_every=0).spins.numpy()
        assert stats.chi_square_gof(_counts(wrong), p)[2] < 1e-12


def test_measurements_match_the_lattice():
    rec = multispin_metropolis_torch(torch.ones((128, 2, 6), dtype=torch.int8), -0.4, 40, seed=5, measure_every=20)
    s = rec.spins.numpy()
    assert rec.bond_sum.shape == (2, 128)
    assert np.array_equal(rec.bond_sum[-1], ising.lattice_bond_sum(s))
    assert np.array_equal(rec.magnetization[-1], s.sum(axis=(1, 2)))


def test_energy_against_kaufman_with_autocorrelation():
    L, K = 16, 0.4
    rec = multispin_metropolis_torch(torch.ones((512, L, L), dtype=torch.int8), K, 700, seed=7, measure_every=2)
    u = rec.energy_per_site()[100:]
    m, err, _ = stats.mean_error(u, axis=0, chain_axis=1)
    exact = ising.kaufman_internal_energy(L, L, K)
    assert abs(m - exact) < 4 * err, (m, exact, err)
    assert err < 2e-3  # the test has power: the exact energy at K = 0.41 is 0.07 (> 35 errors) away


def test_packing_matches_the_numpy_words():
    s = np.random.default_rng(0).choice(np.array([-1, 1], dtype=np.int8), size=(192, 3, 5))
    w = pack_replicas_torch(s)
    assert w.dtype == torch.int64 and w.shape == (3, 3, 5)
    assert np.array_equal(w.numpy(), pack_replicas(s).view(np.int64))
    assert np.array_equal(unpack_replicas_torch(w).numpy(), s)
    # the numpy words run here and the torch words there: the same lattices, each sampler with its own stream
    rec = multispin_metropolis_torch(pack_replicas(np.ones((64, 4, 4), np.int8)), 0.0, 1, seed=0, packed=True)
    assert rec.spins.dtype == torch.int64 and bool((rec.spins == -1).all())  # K = 0: every site flips


def test_seed_reproducibility_and_packed_input():
    s0 = torch.ones((64, 8, 8), dtype=torch.int8)
    a = multispin_metropolis_torch(s0, 0.3, 10, seed=11)
    b = multispin_metropolis_torch(s0, 0.3, 10, seed=torch.Generator().manual_seed(11))
    c = multispin_metropolis_torch(pack_replicas_torch(s0), 0.3, 10, seed=11, packed=True)
    assert torch.equal(a.spins, b.spins) and np.array_equal(a.bond_sum, b.bond_sum)
    assert torch.equal(unpack_replicas_torch(c.spins), a.spins)
    assert not torch.equal(multispin_metropolis_torch(s0, 0.3, 10, seed=12).spins, a.spins)
    assert bool((s0 == 1).all())  # input untouched


def test_ground_state_is_stable_and_huge_coupling():
    up = torch.ones((64, 4, 6), dtype=torch.int8)
    assert bool((multispin_metropolis_torch(up, 5.0, 20, seed=0).spins == 1).all())
    assert bool((multispin_metropolis_torch(up, 400.0, 3, seed=0).spins == 1).all())  # p = 0: no digits at all


def test_same_energy_as_the_numba_kernel():
    """Two independent implementations of one chain: equal mean energies within the joint error."""
    L, K, R = 8, 0.5, 512
    s0 = np.ones((R, L, L), np.int8)
    us = [multispin_metropolis_torch(s0, K, 300, seed=1, measure_every=1).energy_per_site()[60:],
          multispin_metropolis(s0, K, 300, seed=1, measure_every=1).energy_per_site()[60:]]
    (m1, e1, _), (m2, e2, _) = (stats.mean_error(u, axis=0, chain_axis=1) for u in us)
    assert abs(m1 - m2) < 4 * np.hypot(e1, e2)
    assert abs(m1 - ising.kaufman_internal_energy(L, L, K)) < 4 * e1


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_energy_and_reproducibility():
    L, K = 16, 0.4
    s0 = torch.ones((256, L, L), dtype=torch.int8, device="cuda")
    rec = multispin_metropolis_torch(s0, K, 1000, seed=3, measure_every=2)
    assert rec.spins.device.type == "cuda"
    m, err, _ = stats.mean_error(rec.energy_per_site()[100:], axis=0, chain_axis=1)
    assert abs(m - ising.kaufman_internal_energy(L, L, K)) < 4 * err
    again = multispin_metropolis_torch(s0, K, 1000, seed=3, measure_every=2)
    assert torch.equal(rec.spins, again.spins)


def test_bad_input():
    good = torch.ones((64, 4, 4), dtype=torch.int8)
    with pytest.raises(ValueError, match="multiple of 64"):
        multispin_metropolis_torch(torch.ones((10, 4, 4), dtype=torch.int8), 0.3)
    with pytest.raises(ValueError, match="even lattice sides"):
        multispin_metropolis_torch(torch.ones((64, 5, 4), dtype=torch.int8), 0.3)
    with pytest.raises(ValueError, match="only \\+1 and -1"):
        multispin_metropolis_torch(torch.zeros((64, 4, 4), dtype=torch.int8), 0.3)
    with pytest.raises(TypeError, match="int8"):
        multispin_metropolis_torch(good.to(torch.float32), 0.3)
    with pytest.raises(ValueError, match="K must be finite"):
        multispin_metropolis_torch(good, float("nan"))
    with pytest.raises(ValueError, match="K must be a single real number"):
        multispin_metropolis_torch(good, [0.1, 0.2])
    with pytest.raises(ValueError, match="n_sweeps must be >= 0"):
        multispin_metropolis_torch(good, 0.3, -1)
    with pytest.raises(TypeError, match="packed must be a bool"):
        multispin_metropolis_torch(good, 0.3, packed="yes")
    with pytest.raises(TypeError, match="packed=True"):
        multispin_metropolis_torch(good, 0.3, packed=True)
    with pytest.raises(ValueError, match="max_site_updates"):
        multispin_metropolis_torch(good, 0.3, 10**12)
    with pytest.raises(TypeError, match="device"):
        multispin_metropolis_torch(good, 0.3, device=3.5)
    with pytest.raises(TypeError, match="words must be a torch.int64"):
        unpack_replicas_torch(np.zeros((1, 2, 2), np.uint64))
    assert multispin_metropolis_torch(good, 0.3, 2, max_site_updates=64 * 16 * 2).spins.shape == (64, 4, 4)
