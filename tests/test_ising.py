"""Tests for rglib.ising: every exact result against brute-force enumeration or a closed form."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rglib import ising


def ring_energy(N, K, h):
    bonds = np.array([[i, (i + 1) % N] for i in range(N)])
    return lambda s: -K * ising.bond_sum(s, bonds) - h * s.sum(axis=1)


# ---------------------------------------------------------------- 1D
@pytest.mark.parametrize("N,K,h", [(10, 0.8, 0.0), (9, 0.3, 0.5), (7, -0.7, 0.2), (12, 1.2, -0.4), (1, 0.5, 0.3),
                                   (2, -0.3, 0.1), (5, 0.0, 0.7)])
def test_ring_vs_enumeration_with_field(N, K, h):
    E = ring_energy(N, K, h)
    logz = ising.enumerate_log_partition(E, N)
    assert abs(logz - ising.ring_log_partition(N, K, h)) < 1e-12
    m = ising.enumerate_expectation(E, lambda s: s.mean(axis=1), N)
    assert abs(m - ising.ring_magnetization(N, K, h)) < 1e-12
    r = np.arange(N + 1)
    corr = ising.enumerate_expectation(E, lambda s: s[:, :1] * s[:, r % N], N)
    assert np.allclose(corr, ising.ring_correlation(N, K, h, r), atol=1e-12)
    conn = ising.ring_connected_correlation(N, K, h, r)
    assert np.allclose(conn, corr - m**2, atol=1e-12)


def test_ring_reference_values():
    # reference notes: N = 10, K = 0.8, r = 3 -> 0.3440 on the ring
    assert abs(ising.ring_correlation(10, 0.8, 0.0, 3) - 0.3440) < 5e-5
    t = np.tanh(0.8)
    assert np.isclose(ising.ring_correlation(10, 0.8, 0.0, 3), (t**3 + t**7) / (1 + t**10), rtol=1e-14)
    assert np.isclose(ising.ring_log_partition(10, 0.8), np.log((2 * np.cosh(0.8)) ** 10 + (2 * np.sinh(0.8)) ** 10))
    assert isinstance(ising.ring_connected_correlation(10, 0.8, 0.0, 3), float)
    assert np.isclose(ising.ring_connected_correlation(10, 0.8, 0.0, 3), ising.ring_correlation(10, 0.8, 0.0, 3))


def test_ring_log_space_stability():
    # K = 50, h = 0: Z = (2 cosh K)^N + (2 sinh K)^N ~ 2 e^{N K}
    assert np.isclose(ising.ring_log_partition(1000, 50.0), 50_000 + np.log(2), rtol=0, atol=1e-9)
    # frustrated odd antiferromagnetic ring: Z = (2cosh K)^N - (2 sinh|K|)^N, nearly cancelling
    N, K = 7, -50.0
    exact = np.log(2 * N) + (N - 2) * 50.0  # 2N degenerate ground states with one broken bond, E = -(N-2)|K|
    assert np.isclose(ising.ring_log_partition(N, K), exact, atol=1e-9)
    assert np.isfinite(ising.ring_log_partition(9, -20.0, 30.0))
    assert np.isclose(ising.ring_magnetization(20, 50.0, 800.0), 1.0)


def test_ring_broadcasting():
    K = np.linspace(0.1, 1.0, 4)[:, None]
    h = np.array([-0.2, 0.0, 0.3])
    out = ising.ring_log_partition(6, K, h)
    assert out.shape == (4, 3)
    assert np.isclose(out[2, 1], ising.ring_log_partition(6, float(K[2, 0]), 0.0))
    assert isinstance(ising.ring_log_partition(6, 0.3), float)


def test_chain_thermodynamic_limit():
    K, h = 0.6, 0.25
    lam = np.exp(K) * np.cosh(h) + np.sqrt(np.exp(2 * K) * np.sinh(h) ** 2 + np.exp(-2 * K))
    assert np.isclose(ising.chain_log_partition_per_site(K, h), np.log(lam), rtol=1e-14)
    assert np.isclose(ising.ring_log_partition(400, K, h) / 400, np.log(lam), rtol=1e-12)
    m = np.sinh(h) / np.sqrt(np.sinh(h) ** 2 + np.exp(-4 * K))
    assert np.isclose(ising.chain_magnetization(K, h), m, rtol=1e-14)
    assert np.isclose(ising.ring_magnetization(400, K, h), m, rtol=1e-12)
    assert np.isclose(ising.chain_correlation_length(0.8), -1 / np.log(np.tanh(0.8)), rtol=1e-13)
    assert ising.chain_correlation_length(0.0) == 0.0
    # h = 0: ring correlation decays with xi
    xi = ising.chain_correlation_length(0.8)
    assert np.isclose(ising.ring_correlation(400, 0.8, 0.0, 5), np.exp(-5 / xi), rtol=1e-10)
    # derivative: m = d ln lambda_+ / dh
    eps = 1e-6
    num = (ising.chain_log_partition_per_site(K, h + eps) - ising.chain_log_partition_per_site(K, h - eps)) / (2 * eps)
    assert np.isclose(num, m, atol=1e-8)


@settings(max_examples=30, deadline=None)
@given(N=st.integers(1, 12), K=st.floats(-2, 2), h=st.floats(-2, 2))
def test_ring_property_vs_transfer_matrix(N, K, h):
    T = np.array([[np.exp(K + h), np.exp(-K)], [np.exp(-K), np.exp(K - h)]])
    Z = np.trace(np.linalg.matrix_power(T, N))
    assert np.isclose(ising.ring_log_partition(N, K, h), np.log(Z), rtol=1e-11, atol=1e-11)
    sz = np.diag([1.0, -1.0])
    m = np.trace(sz @ np.linalg.matrix_power(T, N)) / Z
    assert np.isclose(ising.ring_magnetization(N, K, h), m, atol=1e-10)


def test_ring_bad_input():
    with pytest.raises(ValueError, match="N must be >= 1"):
        ising.ring_log_partition(0, 0.3)
    with pytest.raises(TypeError, match="N must be an int"):
        ising.ring_log_partition(3.0, 0.3)
    with pytest.raises(ValueError, match="K must be finite"):
        ising.ring_log_partition(4, np.nan)
    with pytest.raises(ValueError, match="h must be finite"):
        ising.ring_magnetization(4, 0.3, np.inf)
    with pytest.raises(TypeError, match="K must be"):
        ising.chain_log_partition_per_site("0.3")
    with pytest.raises(ValueError, match="r must satisfy"):
        ising.ring_correlation(4, 0.3, 0.0, 5)
    with pytest.raises(TypeError, match="r must be an int"):
        ising.ring_correlation(4, 0.3, 0.0, 1.5)


# ---------------------------------------------------------------- enumeration
def test_all_spin_configurations_order():
    a = ising.all_spin_configurations(4)
    assert a.dtype == np.int8 and a.shape == (16, 4)
    assert np.array_equal(a, np.array(list(itertools.product((1, -1), repeat=4))))
    assert np.array_equal(ising.configuration_index(a), np.arange(16))


@pytest.mark.parametrize("chunk", [1, 3, 8, 2**20])
def test_iter_spin_configurations_chunks(chunk):
    chunks = list(ising.iter_spin_configurations(7, chunk_size=chunk))
    allc = np.concatenate(chunks)
    assert np.array_equal(allc, ising.all_spin_configurations(7))
    assert all(c.dtype == np.int8 and c.flags.c_contiguous for c in chunks)
    assert max(len(c) for c in chunks) <= max(chunk, 1)


def test_enumeration_bad_input():
    with pytest.raises(ValueError, match="n must be >= 1 and <= 25"):
        ising.all_spin_configurations(26)
    with pytest.raises(ValueError, match="n must be"):
        next(ising.iter_spin_configurations(0))
    with pytest.raises(ValueError, match="chunk_size"):
        next(ising.iter_spin_configurations(4, chunk_size=0))
    with pytest.raises(TypeError, match="energy_fn"):
        ising.enumerate_log_partition(None, 4)
    with pytest.raises(ValueError, match="leading axis"):
        ising.enumerate_log_partition(lambda s: np.zeros(3), 4)
    with pytest.raises(ValueError, match="NaN or inf"):
        ising.enumerate_log_partition(lambda s: np.full(len(s), np.nan), 4)
    with pytest.raises(ValueError, match="max_spins"):
        ising.enumerate_boltzmann_probabilities(lambda s: np.zeros(len(s)), 23)
    with pytest.raises(ValueError, match="only \\+1 and -1"):
        ising.configuration_index(np.array([[1, 0]]))
    with pytest.raises(TypeError, match="shape must be"):
        ising.torus_bonds("4x4")
    with pytest.raises(ValueError, match="shape\\[0\\] must be >= 1"):
        ising.torus_bonds((0, 3))
    with pytest.raises(ValueError, match="bonds must index"):
        ising.bond_sum(np.ones((2, 3), np.int8), np.array([[0, 3]]))
    with pytest.raises(TypeError, match="integer"):
        ising.bond_sum(np.ones((2, 3)), np.array([[0, 1]]))


def test_enumerate_expectation_shapes_and_log_partition():
    bonds = ising.torus_bonds((3, 3))
    K = np.array([0.1, 0.3, 0.5])
    E = lambda s: -ising.bond_sum(s, bonds)[:, None] * K  # noqa: E731
    obs = lambda s: np.stack([s.mean(1) ** 2, np.abs(s.mean(1))], axis=1)  # noqa: E731
    val, logz = ising.enumerate_expectation(E, obs, 9, chunk_size=64, return_log_partition=True)
    assert val.shape == (3, 2) and logz.shape == (3,)
    # direct computation
    s = ising.all_spin_configurations(9)
    S = ising.bond_sum(s, bonds)
    w = np.exp(np.outer(S, K))
    assert np.allclose(logz, np.log(w.sum(0)), rtol=1e-14)
    assert np.allclose(val[:, 0], (w * (s.mean(1) ** 2)[:, None]).sum(0) / w.sum(0), rtol=1e-13)


def test_enumerate_boltzmann_probabilities_and_dos():
    bonds = ising.torus_bonds((2, 3))
    E = lambda s: -0.4 * ising.bond_sum(s, bonds) - 0.1 * s.sum(1)  # noqa: E731
    p = ising.enumerate_boltzmann_probabilities(E, 6)
    assert p.shape == (64,) and np.isclose(p.sum(), 1.0)
    assert p[0] == p.max()  # all up is favoured by h > 0
    g = ising.enumerate_torus_density_of_states((2, 3))
    assert g.sum() == 64 and g.shape == (4 * 6 + 1, 2 * 6 + 1)
    S = np.arange(-12, 13)[:, None]
    M = np.arange(-6, 7)[None, :]
    logz = np.log((g * np.exp(0.4 * S + 0.1 * M)).sum())
    assert np.isclose(logz, ising.enumerate_log_partition(E, 6), rtol=1e-14)


def test_torus_bonds():
    b = ising.torus_bonds((3, 4))
    assert b.shape == (24, 2)
    s = np.ones((1, 12), np.int8)
    assert ising.bond_sum(s, b)[0] == 24
    # checkerboard on an even torus: every bond unsatisfied
    cb = ((np.indices((4, 4)).sum(0) % 2) * 2 - 1).astype(np.int8).reshape(1, 16)
    assert ising.bond_sum(cb, ising.torus_bonds(4))[0] == -32


def test_enumeration_of_5x5_torus_matches_kaufman():
    """The largest enumeration the book uses (2**25 states, chunked) agrees with Kaufman's exact log Z.

    Its throughput (states per second) is measured in benchmarks/ising.py, not here.
    """
    bonds = ising.torus_bonds((5, 5))
    logz = ising.enumerate_log_partition(lambda s: -0.44 * ising.bond_sum(s, bonds), 25)
    assert logz == pytest.approx(float(ising.kaufman_log_partition(5, 5, 0.44)), abs=1e-10)


# ---------------------------------------------------------------- 2D exact
KS_2D = np.array([0.05, 0.2, 0.44, ising.K_CRITICAL, 0.6, 1.5])


@pytest.mark.parametrize("n,m", [(2, 2), (2, 3), (1, 4), (3, 3), (3, 5), (4, 4), (4, 5), (5, 4)])
def test_kaufman_vs_enumeration(n, m):
    b = ising.torus_bonds((n, m))
    E = lambda s: -ising.bond_sum(s, b)[:, None] * KS_2D  # noqa: E731
    obs = lambda s: np.stack([ising.bond_sum(s, b), ising.bond_sum(s, b) ** 2], 1).astype(float)  # noqa: E731
    val, logz = ising.enumerate_expectation(E, obs, n * m, return_log_partition=True)
    N = n * m
    assert np.allclose(ising.kaufman_log_partition(n, m, KS_2D), logz, rtol=0, atol=1e-10)
    assert np.allclose(ising.kaufman_internal_energy(n, m, KS_2D), -val[:, 0] / N, rtol=0, atol=1e-10)
    c = KS_2D**2 * (val[:, 1] - val[:, 0] ** 2) / N
    assert np.allclose(ising.kaufman_specific_heat(n, m, KS_2D), c, rtol=0, atol=1e-9)


def test_kaufman_reference_values():
    assert abs(ising.kaufman_log_partition(4, 4, 0.44) - 15.5047265387) < 1e-9
    assert abs(ising.kaufman_log_partition(4, 5, 0.44) - 19.2255644713) < 1e-9
    assert abs(ising.kaufman_log_partition(3, 5, 0.6) - 18.8562452814) < 1e-9
    # C/N at K_c from the reference notes (second differences of ln Z); for L >= 128 their step error
    # (~1e-4) dominates, so there we compare with a fine central difference of the exact energy instead
    ref = {4: 0.78327, 8: 1.14556, 16: 1.49870, 32: 1.84677, 64: 2.19220}
    for L, c in ref.items():
        assert abs(ising.kaufman_specific_heat(L, L, ising.K_CRITICAL) - c) < 2e-5
    Kc, e = ising.K_CRITICAL, 1e-6
    for L in (128, 256):
        du = ising.kaufman_internal_energy(L, L, Kc + e) - ising.kaufman_internal_energy(L, L, Kc - e)
        assert abs(ising.kaufman_specific_heat(L, L, Kc) + Kc**2 * du / (2 * e)) < 1e-6


def test_kaufman_large_lattice_limits():
    K = np.array([0.3, 0.4, ising.K_CRITICAL, 0.5, 0.6])
    lz = ising.kaufman_log_partition(512, 512, K)
    assert np.all(np.isfinite(lz))
    assert np.allclose(lz / 512**2, ising.onsager_free_energy(K), atol=2e-6)
    off = np.array([0.3, 0.4, 0.5, 0.6])
    assert np.allclose(ising.kaufman_internal_energy(512, 512, off), ising.onsager_internal_energy(off), atol=1e-10)
    assert np.allclose(ising.kaufman_specific_heat(512, 512, off), ising.onsager_specific_heat(off), atol=1e-8)
    # derivatives agree with finite differences of ln Z
    e = 1e-5
    for L in (8, 64):
        num = (ising.kaufman_log_partition(L, L, K + e) - ising.kaufman_log_partition(L, L, K - e)) / (2 * e)
        assert np.allclose(-num / L**2, ising.kaufman_internal_energy(L, L, K), atol=1e-7)


def test_onsager_yang_reference_values():
    K = np.array([0.3, 0.4, ising.K_CRITICAL, 0.5, 0.6])
    f = [0.7905590710, 0.8793638208, 0.9296953983, 1.0257928127, 1.2101323883]
    assert np.allclose(ising.onsager_free_energy(K), f, atol=1e-9)
    catalan = 0.915965594177219015
    assert abs(ising.onsager_free_energy(ising.K_CRITICAL) - (0.5 * np.log(2) + 2 * catalan / np.pi)) < 1e-10
    K = np.array([0.3, 0.4, ising.K_CRITICAL, 0.45, 0.5, 0.6])
    u = [-0.7044990708, -1.1060792037, -np.sqrt(2), -1.5130458060, -1.7455645753, -1.9090861777]
    assert np.allclose(ising.onsager_internal_energy(K), u, atol=1e-9)
    M = ising.yang_magnetization(np.array([0.3, ising.K_CRITICAL, 0.45, 0.5, 0.6]))
    assert np.allclose(M, [0, 0, 0.7493226125, 0.9113193779, 0.9736086674], atol=1e-9)
    assert np.isclose(ising.T_CRITICAL, 2 / np.log(1 + np.sqrt(2)))
    # specific heat: finite differences of u, log divergence with amplitude A0 = (2/pi) ln^2(1+sqrt2)
    Kc = np.array([0.3, 0.42, 0.47, 0.6])
    e = 1e-6
    num = -Kc**2 * (ising.onsager_internal_energy(Kc + e) - ising.onsager_internal_energy(Kc - e)) / (2 * e)
    assert np.allclose(ising.onsager_specific_heat(Kc), num, rtol=1e-6)
    assert ising.onsager_specific_heat(ising.K_CRITICAL) == np.inf
    A0 = 2 / np.pi * np.log1p(np.sqrt(2)) ** 2
    t1, t2 = 1e-4, 1e-6
    c1, c2 = ising.onsager_specific_heat(ising.K_CRITICAL / (1 + np.array([t1, t2])))
    assert abs((c2 - c1) / np.log(t1 / t2) - A0) < 1e-3


def test_2d_bad_input():
    with pytest.raises(ValueError, match="K must satisfy K > 0"):
        ising.kaufman_log_partition(4, 4, 0.0)
    with pytest.raises(ValueError, match="n must be >= 1"):
        ising.kaufman_log_partition(0, 4, 0.3)
    with pytest.raises(TypeError, match="m must be an int"):
        ising.kaufman_specific_heat(4, 4.5, 0.3)
    with pytest.raises(ValueError, match="finite"):
        ising.kaufman_internal_energy(4, 4, np.inf)
    with pytest.raises(ValueError, match="K must satisfy K >= 0"):
        ising.yang_magnetization(-0.1)
    with pytest.raises(ValueError, match="finite"):
        ising.onsager_free_energy(np.nan)


def test_lattice_observables():
    rng = np.random.default_rng(0)
    s = rng.choice(np.array([-1, 1], np.int8), size=(5, 3, 4))
    S = ising.lattice_bond_sum(s)
    assert S.shape == (5,)
    assert np.array_equal(S, ising.bond_sum(s.reshape(5, 12), ising.torus_bonds((3, 4))))
    assert np.allclose(ising.lattice_energy(s, 0.5, 0.2), -0.5 * S - 0.2 * s.sum((1, 2)))
    assert np.allclose(ising.lattice_magnetization(s), s.mean((1, 2)))
    with pytest.raises(ValueError, match="shape"):
        ising.lattice_bond_sum(np.ones(4, np.int8))
    with pytest.raises(TypeError, match="spins must be an integer array"):
        ising.lattice_magnetization(np.array([["a"]]))
