"""Tests for rglib.ising: every exact result against brute-force enumeration or a closed form."""
import itertools
import time

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


def test_enumeration_throughput_5x5():
    """>= 10 M states/s on the 5 x 5 torus (2**25 states); generous in CI: the machine is shared."""
    bonds = ising.torus_bonds((5, 5))
    t0 = time.perf_counter()
    logz = ising.enumerate_log_partition(lambda s: -0.44 * ising.bond_sum(s, bonds), 25)
    dt = time.perf_counter() - t0
    assert np.isfinite(logz)
    assert 2**25 / dt > 5e6, f"{2**25 / dt / 1e6:.1f} M states/s"
