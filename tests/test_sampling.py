"""Tests for rglib.sampling: exact Boltzmann distributions on tiny tori, exact energies, bad input."""
import numpy as np
import pytest
import torch

from rglib import ising, stats


def exact_probs(L1, L2, K, h):
    b = ising.torus_bonds((L1, L2))
    return ising.enumerate_boltzmann_probabilities(lambda s: -K * ising.bond_sum(s, b) - h * s.sum(1), L1 * L2)


def state_counts(spins):
    n = spins.shape[-1] * spins.shape[-2]
    idx = ising.configuration_index(spins.reshape(-1, n))
    return np.bincount(idx, minlength=2**n)


def metropolis_draw(L, K, h, n_chains, n_sweeps, seed, rule="metropolis"):
    s0 = ising.random_spins((n_chains, L, L), seed=seed)
    rec = ising.checkerboard_metropolis(s0, K, h, n_sweeps, seed=seed + 1, rule=rule, measure_every=0)
    return rec.spins.numpy()


def sw_draw(L, K, h, n_chains, n_sweeps, seed):
    s0 = ising.random_spins((n_chains, L, L), seed=seed, backend="numpy")
    return ising.swendsen_wang(s0, K, h, n_sweeps, seed=seed + 1, measure_every=0).spins


# One configuration per independent chain, so the samples are exactly independent and the chi-square
# test applies. The same test with the sign of K flipped must fail: that is what gives the test its power.
N_CHAINS = 60_000


@pytest.mark.parametrize("rule", ["metropolis", "heat_bath"])
def test_metropolis_exact_distribution_4x4(rule):
    K, h = 0.3, 0.1
    p = exact_probs(4, 4, K, h)
    counts = state_counts(metropolis_draw(4, K, h, N_CHAINS, 60, 11, rule))
    x2, dof, pv = stats.chi_square_gof(counts, p)
    assert pv > 1e-4, (x2, dof)
    wrong = state_counts(metropolis_draw(4, -K, h, N_CHAINS, 60, 12, rule))
    assert stats.chi_square_gof(wrong, p)[2] < 1e-12
    # TV distance within what exact multinomial draws of the same size give
    rng = np.random.default_rng(0)
    tv_ref = [stats.total_variation(rng.multinomial(N_CHAINS, p), p) for _ in range(10)]
    assert stats.total_variation(counts, p) < 1.05 * max(tv_ref)
    assert stats.total_variation(wrong, p) > 2 * max(tv_ref)


def test_metropolis_zero_field_fast_path_4x4():
    K = 0.35
    p = exact_probs(4, 4, K, 0.0)
    counts = state_counts(metropolis_draw(4, K, 0.0, N_CHAINS, 60, 21))
    assert stats.chi_square_gof(counts, p)[2] > 1e-4
    wrong = state_counts(metropolis_draw(4, -K, 0.0, N_CHAINS, 60, 22))
    assert stats.chi_square_gof(wrong, p)[2] < 1e-12


@pytest.mark.parametrize("rule", ["metropolis", "heat_bath"])
def test_metropolis_antiferromagnet_zero_field_4x4(rule):
    """K < 0 at h = 0 must not take the ferromagnetic fast path (s * nb <= 0 does not always flip)."""
    K = -0.35
    p = exact_probs(4, 4, K, 0.0)
    counts = state_counts(metropolis_draw(4, K, 0.0, N_CHAINS, 60, 23, rule))
    assert stats.chi_square_gof(counts, p)[2] > 1e-4
    # mixed signs in one batch: each lattice follows its own coupling
    s0 = ising.random_spins((2, 4000, 4, 4), seed=5)
    rec = ising.checkerboard_metropolis(s0, np.array([[0.35], [-0.35]]), 0.0, 200, seed=6, rule=rule)
    u = rec.energy_per_site()[50:]
    for i, k in enumerate((0.35, -0.35)):
        m, e, _ = stats.mean_error(u[:, i], axis=0, chain_axis=1)
        assert abs(m - exact_energy_4x4(k)) < 4 * e


def exact_energy_4x4(K):
    b = ising.torus_bonds((4, 4))
    return ising.enumerate_expectation(lambda s: -K * ising.bond_sum(s, b), lambda s: -ising.bond_sum(s, b) / 16.0, 16)


@pytest.mark.parametrize("L,K,h", [(3, 0.35, 0.0), (3, 0.3, 0.15), (4, 0.4, 0.0)])
def test_swendsen_wang_exact_distribution(L, K, h):
    p = exact_probs(L, L, K, h)
    counts = state_counts(sw_draw(L, K, h, N_CHAINS, 25, 31))
    assert stats.chi_square_gof(counts, p)[2] > 1e-4
    wrong = state_counts(sw_draw(L, -K, h, N_CHAINS, 25, 32))
    assert stats.chi_square_gof(wrong, p)[2] < 1e-12


def test_swendsen_wang_rectangular_and_tiny():
    # 2 x 3 torus has double bonds along the side of length 2; 1 x 5 is a ring
    for L1, L2, K in [(2, 3, 0.4), (1, 5, 0.5)]:
        p = exact_probs(L1, L2, K, 0.0)
        s0 = ising.random_spins((30_000, L1, L2), seed=5, backend="numpy")
        s = ising.swendsen_wang(s0, K, 0.0, 20, seed=6, measure_every=0).spins
        assert stats.chi_square_gof(state_counts(s), p)[2] > 1e-4


def test_energy_matches_kaufman_8x8_within_4_sigma():
    L, K = 8, np.array([0.3, ising.K_CRITICAL, 0.55])
    Kb = np.repeat(K[:, None], 64, 1)
    exact_u = ising.kaufman_internal_energy(L, L, K)
    exact_c = ising.kaufman_specific_heat(L, L, K)
    s0 = ising.random_spins((3, 64, L, L), seed=3)
    rec = ising.checkerboard_metropolis(s0, Kb, 0.0, 1500, seed=4)
    u = rec.energy_per_site()[300:]
    m, e, _ = stats.mean_error(u, axis=0, chain_axis=2)
    assert np.all(np.abs(m - exact_u) < 4 * e), (m - exact_u) / e
    rec = ising.swendsen_wang(s0.numpy(), Kb, 0.0, 300, seed=5)
    u = rec.energy_per_site()[50:]
    m, e, _ = stats.mean_error(u, axis=0, chain_axis=2)
    assert np.all(np.abs(m - exact_u) < 4 * e), (m - exact_u) / e
    # specific heat from the energy variance, error by blocked jackknife over the pooled chains
    var = lambda x, axis: x.var(axis=axis)  # noqa: E731
    c, ce = stats.blocked_jackknife(u.transpose(0, 2, 1).reshape(-1, 3), var, n_blocks=32)
    c = c * K**2 * L * L
    ce = ce * K**2 * L * L
    assert np.all(np.abs(c - exact_c) < 4 * ce + 0.02 * exact_c)


def test_records_and_reproducibility():
    s0 = ising.random_spins((2, 3, 6, 8), seed=1)
    r1 = ising.checkerboard_metropolis(s0, np.array([[0.2], [0.5]]), 0.0, 10, seed=7, measure_every=2)
    r2 = ising.checkerboard_metropolis(s0, np.array([[0.2], [0.5]]), 0.0, 10, seed=7, measure_every=2)
    assert torch.equal(r1.spins, r2.spins)
    assert r1.spins.shape == (2, 3, 6, 8) and r1.spins.dtype == torch.int8
    assert r1.bond_sum.shape == (6, 2, 3) and r1.magnetization.shape == (6, 2, 3)
    # the recorded values are those of the configurations
    assert np.array_equal(r1.bond_sum[-1], ising.lattice_bond_sum(r1.spins.numpy()))
    assert np.array_equal(r1.bond_sum[0], ising.lattice_bond_sum(s0.numpy()))
    assert np.array_equal(r1.magnetization[-1], r1.spins.numpy().sum((-2, -1)))
    assert torch.equal(s0, ising.random_spins((2, 3, 6, 8), seed=1))  # input untouched
    r0 = ising.checkerboard_metropolis(s0, 0.3, 0.0, 0, seed=1)
    assert torch.equal(r0.spins, s0)
    w = ising.swendsen_wang(s0.numpy(), 0.4, 0.0, 5, seed=3)
    w2 = ising.swendsen_wang(s0.numpy(), 0.4, 0.0, 5, seed=3)
    assert np.array_equal(w.spins, w2.spins)
    assert np.array_equal(w.bond_sum[-1], ising.lattice_bond_sum(w.spins))
    assert np.allclose(w.energy_per_site(), -w.bond_sum / 48)


def test_ground_state_is_stable():
    up = torch.ones((2, 8, 8), dtype=torch.int8)
    r = ising.checkerboard_metropolis(up, 5.0, 0.0, 20, seed=0)
    assert bool((r.spins == 1).all())
    w = ising.swendsen_wang(up.numpy(), 20.0, 0.0, 5, seed=0)
    assert np.all(np.abs(w.magnetization) == 64)  # one cluster, flipped as a whole


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_metropolis_cuda_matches_exact_energy():
    s0 = ising.random_spins((256, 8, 8), seed=1, device="cuda")
    rec = ising.checkerboard_metropolis(s0, 0.3, 0.0, 500, seed=2, device="cuda")
    assert rec.spins.device.type == "cuda"
    m, e, _ = stats.mean_error(rec.energy_per_site()[100:], axis=0, chain_axis=1)
    assert abs(m - ising.kaufman_internal_energy(8, 8, 0.3)) < 4 * e


def test_sample_configurations():
    res = ising.sample_configurations(8, [0.3, 0.5], 128, seed=3, n_chains=32)
    assert res.spins.shape == (2, 128, 8, 8) and res.spins.dtype == np.int8
    assert res.method == "metropolis" and np.all(res.thin >= 1) and np.all(res.tau > 0)
    again = ising.sample_configurations(8, [0.3, 0.5], 128, seed=3, n_chains=32)
    assert np.array_equal(res.spins, again.spins)
    u = ising.lattice_energy(res.spins) / 64
    exact = ising.kaufman_internal_energy(8, 8, res.K)
    err = u.std(1) / np.sqrt(128)
    assert np.all(np.abs(u.mean(1) - exact) < 4.5 * err)
    # odd L goes to the cluster sampler; samples are nearly independent (lag-1 autocorrelation small)
    res = ising.sample_configurations(5, 0.4, 400, seed=4, n_chains=8)
    assert res.method == "cluster" and res.spins.shape == (1, 400, 5, 5)
    m2 = (res.spins.reshape(1, 50, 8, 25).mean(-1) ** 2)[0]  # (samples per chain, chains)
    assert abs(stats.autocorrelation_function(m2, axis=0)[1].mean()) < 0.2


def test_bad_input():
    good = ising.random_spins((2, 4, 4), seed=0)
    with pytest.raises(ValueError, match=r"L1 \(spins.shape\[-2\]\) must be an even int >= 2"):
        ising.checkerboard_metropolis(ising.random_spins((2, 5, 5), seed=0), 0.3)
    with pytest.raises(TypeError, match="int8"):
        ising.checkerboard_metropolis(good.to(torch.float32), 0.3)
    with pytest.raises(TypeError, match="int8"):
        ising.swendsen_wang(np.ones((2, 4, 4)), 0.3)
    with pytest.raises(ValueError, match="only \\+1 and -1"):
        ising.checkerboard_metropolis(torch.zeros((1, 4, 4), dtype=torch.int8), 0.3)
    with pytest.raises(ValueError, match="K must be finite"):
        ising.checkerboard_metropolis(good, np.nan)
    with pytest.raises(ValueError, match="h must be finite"):
        ising.swendsen_wang(good.numpy(), 0.3, np.inf)
    with pytest.raises(ValueError, match="n_sweeps must be >= 0"):
        ising.checkerboard_metropolis(good, 0.3, 0.0, -1)
    with pytest.raises(TypeError, match="n_sweeps must be an int"):
        ising.swendsen_wang(good.numpy(), 0.3, 0.0, 2.5)
    with pytest.raises(ValueError, match="does not broadcast"):
        ising.checkerboard_metropolis(good, np.array([0.1, 0.2, 0.3]))
    with pytest.raises(ValueError, match="rule"):
        ising.checkerboard_metropolis(good, 0.3, rule="glauber")
    with pytest.raises(ValueError, match="shape"):
        ising.swendsen_wang(np.ones(4, np.int8), 0.3)
    with pytest.raises(ValueError, match="L must be >= 1"):
        ising.sample_configurations(0, 0.3, 10)
    with pytest.raises(ValueError, match="n_samples must be >= 1"):
        ising.sample_configurations(4, 0.3, 0)
    with pytest.raises(ValueError, match="L must be an even int for method=.metropolis."):
        ising.sample_configurations(5, 0.3, 10, method="metropolis")
    with pytest.raises(ValueError, match="method"):
        ising.sample_configurations(4, 0.3, 10, method="wolff")
    with pytest.raises(ValueError, match="K must be finite"):
        ising.sample_configurations(4, [0.3, np.nan], 10)
    with pytest.raises(TypeError, match="seed"):
        ising.swendsen_wang(good.numpy(), 0.3, seed="abc")
    with pytest.raises(ValueError, match="p_up"):
        ising.random_spins((2, 2), p_up=1.5)


def test_measure_thermodynamics_vs_kaufman():
    K = np.array([0.3, 0.5])
    for method, kw in [("metropolis", dict(n_sweeps=600, n_equilibrate=200)),
                       ("cluster", dict(n_sweeps=150, n_equilibrate=30))]:
        r = ising.measure_thermodynamics(6, K, method=method, n_chains=16, seed=8, **kw)
        assert r.energy.shape == r.specific_heat_err.shape == r.tau_m2.shape == (2,)
        assert r.n_samples == 16 * kw["n_sweeps"]
        z_u = (r.energy - ising.kaufman_internal_energy(6, 6, K)) / r.energy_err
        z_c = (r.specific_heat - ising.kaufman_specific_heat(6, 6, K)) / r.specific_heat_err
        assert np.all(np.abs(z_u) < 4) and np.all(np.abs(z_c) < 4), (method, z_u, z_c)
        assert np.all(r.abs_magnetization > 0) and np.all(r.abs_magnetization <= 1)
        assert r.abs_magnetization[1] > r.abs_magnetization[0]
    with pytest.raises(ValueError, match="n_chains must be >= 2"):
        ising.measure_thermodynamics(4, 0.3, n_chains=1)
    with pytest.raises(ValueError, match="method"):
        ising.measure_thermodynamics(4, 0.3, method="wolff")


def test_random_spins():
    a = ising.random_spins((1000, 4), seed=3, p_up=0.8)
    assert a.dtype == torch.int8 and abs(float((a == 1).float().mean()) - 0.8) < 0.03
    b = ising.random_spins((3, 4), seed=np.random.default_rng(1), backend="numpy")
    assert b.dtype == np.int8 and set(np.unique(b)) <= {-1, 1}
    assert np.array_equal(ising.random_spins((3, 4), seed=5, backend="numpy"),
                          ising.random_spins((3, 4), seed=5, backend="numpy"))
    with pytest.raises(ValueError, match="backend"):
        ising.random_spins((2, 2), backend="jax")


def test_result_types_are_named_tuples_with_methods():
    rec = ising.swendsen_wang(ising.random_spins((2, 3, 3), seed=0, backend="numpy"), 0.3, 0.0, 2, seed=1)
    spins, S, M, n = rec  # unpacks like a tuple
    assert n == 9 and rec._fields == ("spins", "bond_sum", "magnetization", "n_sites")
    assert np.allclose(rec.energy_per_site(), -S / 9) and np.allclose(rec.magnetization_per_site(), M / 9)
    res = ising.sample_configurations(4, 0.3, 4, n_chains=2, seed=0)
    assert res._fields == ("spins", "K", "tau", "thin", "n_equilibrate", "method")
    r = ising.measure_thermodynamics(4, 0.3, n_chains=2, n_sweeps=20, n_equilibrate=0, seed=0)
    assert r.energy is r[3] and r._fields[-1] == "n_samples"


def test_site_update_bound_of_the_samplers():
    s = ising.random_spins((2, 4, 4), seed=0)
    with pytest.raises(ValueError, match="n_sweeps = 10 on spins of size 32 would need about 320 site updates"):
        ising.checkerboard_metropolis(s, 0.3, 0.0, 10, seed=0, max_site_updates=100)
    assert ising.checkerboard_metropolis(s, 0.3, 0.0, 10, seed=0, max_site_updates=320).spins.shape == (2, 4, 4)
    with pytest.raises(ValueError, match="more than max_site_updates"):
        ising.swendsen_wang(s.numpy(), 0.3, 0.0, 10, seed=0, max_site_updates=100)
    with pytest.raises(ValueError, match="measure_thermodynamics .* would need about"):
        ising.measure_thermodynamics(64, 0.4, n_chains=64, n_sweeps=10**6, seed=0)
    with pytest.raises(ValueError, match="holds no configuration"):  # was "cannot reshape array of size 0"
        ising.swendsen_wang(np.ones((0, 4, 4), np.int8), 0.3)
    with pytest.raises(ValueError, match="holds no configuration"):
        ising.checkerboard_metropolis(torch.ones((0, 4, 4), dtype=torch.int8), 0.3)


# ----------------------------------------------------------------------------------------------
# the multi-spin samplers through sample_configurations
# ----------------------------------------------------------------------------------------------
MULTI = ["multispin", "multispin_torch"]


@pytest.mark.parametrize("method", MULTI)
@pytest.mark.parametrize("K", [0.35, -0.3])
def test_sample_configurations_multispin_exact_distribution_4x4(method, K):
    """One sample per chain (n_samples = n_chains), so the samples are independent; -K must fail."""
    p = exact_probs(4, 4, K, 0.0)
    n = 64 * 900
    res = ising.sample_configurations(4, [K, -K], n, n_chains=n, method=method, seed=41, n_equilibrate=100,
                                      n_pilot=40)
    assert res.method == method and res.spins.shape == (2, n, 4, 4)
    assert stats.chi_square_gof(state_counts(res.spins[0]), p)[2] > 1e-4
    assert stats.chi_square_gof(state_counts(res.spins[1]), p)[2] < 1e-12


@pytest.mark.parametrize("method", MULTI)
def test_sample_configurations_multispin_energy_and_reproducibility(method):
    res = ising.sample_configurations(8, [0.3, 0.5], 256, seed=3, n_chains=128, method=method)
    assert res.spins.shape == (2, 256, 8, 8) and res.spins.dtype == np.int8 and np.all(res.tau > 0)
    again = ising.sample_configurations(8, [0.3, 0.5], 256, seed=3, n_chains=128, method=method)
    assert np.array_equal(res.spins, again.spins)
    u = ising.lattice_energy(res.spins) / 64
    err = u.std(1) / np.sqrt(256)
    assert np.all(np.abs(u.mean(1) - ising.kaufman_internal_energy(8, 8, res.K)) < 4.5 * err)


def test_sample_configurations_auto_choice():
    kw = dict(seed=0, n_pilot=10, n_equilibrate=0)
    assert ising.sample_configurations(4, 0.3, 64, n_chains=64, **kw).method == "multispin"
    assert ising.sample_configurations(4, 0.3, 64, **kw).method == "metropolis"  # default n_chains: unchanged
    assert ising.sample_configurations(4, 0.3, 64, n_chains=32, **kw).method == "metropolis"
    assert ising.sample_configurations(4, 0.3, 64, n_chains=64, h=0.1, **kw).method == "metropolis"
    assert ising.sample_configurations(5, 0.3, 64, n_chains=64, **kw).method == "cluster"
    res = ising.sample_configurations(4, 0.3, 10, method="multispin", **kw)  # default n_chains: one word
    assert res.spins.shape == (1, 10, 4, 4)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_sample_configurations_multispin_on_cuda():
    res = ising.sample_configurations(8, 0.4, 256, n_chains=256, method="multispin", device="cuda", seed=2)
    assert res.method == "multispin_torch"
    u = ising.lattice_energy(res.spins) / 64
    assert abs(u.mean() - ising.kaufman_internal_energy(8, 8, 0.4)) < 4.5 * u.std() / 16


def test_sample_configurations_multispin_bad_input():
    with pytest.raises(ValueError, match="h must be 0 for method='multispin'"):
        ising.sample_configurations(4, 0.3, 64, h=0.1, method="multispin")
    with pytest.raises(ValueError, match="h must be 0 for method='multispin_torch'"):
        ising.sample_configurations(4, [0.3, 0.4], 64, h=[0.0, 0.2], method="multispin_torch")
    with pytest.raises(ValueError, match="n_chains must be a multiple of 64 for method='multispin'"):
        ising.sample_configurations(4, 0.3, 64, n_chains=100, method="multispin")
    with pytest.raises(ValueError, match="L must be an even int for method='multispin_torch'"):
        ising.sample_configurations(5, 0.3, 64, method="multispin_torch")
    with pytest.raises(ValueError, match="method must be one of|method"):
        ising.sample_configurations(4, 0.3, 64, method="multi-spin")
    with pytest.raises(TypeError, match="n_chains must be an int"):
        ising.sample_configurations(4, 0.3, 64, n_chains=64.0)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="device='cuda' asks for CUDA"):
            ising.sample_configurations(4, 0.3, 64, method="multispin", device="cuda")
