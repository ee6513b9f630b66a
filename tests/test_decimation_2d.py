"""Tests for rglib.rg.decimation_2d and rglib.rg.kl_2d: checkerboard decimation of the square lattice and the
relative entropies along its flow, against brute-force enumeration, Kaufman and Onsager."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp

from rglib.entropy import kl_divergence
from rglib.ising import (
    K_CRITICAL,
    kaufman_log_partition,
    onsager_internal_energy,
    onsager_specific_heat,
    walsh_coefficients,
    yang_magnetization,
)
from rglib.rg import decimation_2d as d2
from rglib.rg import kl_2d as k2

LN2 = np.log(2.0)
K_STAR = d2.nn_fixed_point().couplings[0]


# ---------------------------------------------------------------- the exact first step
@given(st.floats(-3.0, 3.0))
@settings(max_examples=40)
def test_plaquette_identity(K):
    """ln 2cosh(K Sigma) = g + c2 sum_pairs + c4 prod for all 16 neighbour configurations."""
    c = d2.checkerboard_decimation(K)
    s = np.array(np.meshgrid(*[[1, -1]] * 4)).reshape(4, -1)
    pairs = sum(s[a] * s[b] for a in range(4) for b in range(a + 1, 4))
    rhs = c.log_A + c.K_nnn * pairs + c.K_4 * s.prod(axis=0)
    np.testing.assert_allclose(np.log(2 * np.cosh(K * s.sum(axis=0))), rhs, rtol=1e-12, atol=1e-12)
    lc4 = np.log1p(2 * np.sinh(2 * K) ** 2)  # ln cosh 4K without cancellation
    np.testing.assert_allclose([c.K_nn, c.K_nnn], [lc4 / 4, lc4 / 8], rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("shape", [(4, 4), (2, 4), (4, 2)])
@pytest.mark.parametrize("K", [0.15, 0.44, 0.9])
def test_first_step_against_enumeration(shape, K):
    """The brute-force marginal on Lambda_1 is the product formula, and its Walsh couplings are c2 (per pair
    per plaquette) and c4 (per plaquette), nothing else."""
    N = shape[0] * shape[1]
    lp = d2.torus_log_probabilities(shape, K)
    marg = d2.marginal_on_sites(lp, N, d2.sublattice_sites(shape, 1))
    np.testing.assert_allclose(marg, d2.kept_marginal_log_probabilities(shape, K, 1), atol=1e-12)
    J = walsh_coefficients(marg)
    J[0] = 0.0
    np.testing.assert_allclose(J, d2.first_step_walsh_couplings(shape, K), atol=1e-12)


def test_later_steps_against_enumeration():
    lp = d2.torus_log_probabilities((4, 4), 0.5)
    for n in range(1, 5):
        brute = d2.marginal_on_sites(lp, 16, d2.sublattice_sites((4, 4), n))
        np.testing.assert_allclose(brute, d2.kept_marginal_log_probabilities((4, 4), 0.5, n), atol=1e-12)


def test_couplings_on_a_6x6_torus():
    """On 6 x 6 no pair borders two removed sites by wrapping: NN = ln cosh 4K / 4, NNN = / 8, four-spin = K_4."""
    K = 0.37
    c = d2.checkerboard_decimation(K)
    J = walsh_coefficients(d2.kept_marginal_log_probabilities((6, 6), K, 1))
    sites = d2.sublattice_sites((6, 6), 1)
    i, j = np.divmod(sites, 6)
    mask = lambda *ks: sum(1 << (17 - k) for k in ks)  # noqa: E731
    at = lambda x, y: int(np.nonzero((i == x) & (j == y))[0][0])  # noqa: E731
    a, b_nn, b_nnn = at(0, 0), at(1, 1), at(2, 0)
    plaquette = [at(x, y) for x, y in ((1, 1), (0, 2), (5, 1), (0, 0))]  # around the removed site (0, 1)
    assert J[mask(a, b_nn)] == pytest.approx(c.K_nn, rel=1e-11)
    assert J[mask(a, b_nnn)] == pytest.approx(c.K_nnn, rel=1e-11)
    assert J[mask(*plaquette)] == pytest.approx(c.K_4, rel=1e-11)
    big = np.sort(np.abs(J[1:]))[::-1]
    n_expected = 36 + 36 + 18  # NN pairs, NNN pairs, plaquettes
    assert big[n_expected - 1] > 1e-3 and big[n_expected] < 1e-12


@pytest.mark.parametrize("K", [0.2, K_CRITICAL, 0.7])
def test_partition_function_identity(K):
    """Z_N(K) = A^{N/2} sum_kept exp(H') with the exact renormalized Hamiltonian (Kaufman on 6 x 6)."""
    c = d2.checkerboard_decimation(K)
    lw = d2.plaquette_log_weights((6, 6), c.K_nnn, c.K_nnn, c.K_4)
    assert 18 * c.log_A + logsumexp(lw) == pytest.approx(kaufman_log_partition(6, 6, K), rel=1e-12)


# ---------------------------------------------------------------- approximate recursions
def test_nn_fixed_point_and_flow():
    fp = d2.nn_fixed_point()
    Ks = fp.couplings[0]
    assert d2.nn_recursion(Ks) == pytest.approx(Ks, abs=1e-14)
    h = 1e-6
    slope = (d2.nn_recursion(Ks + h) - d2.nn_recursion(Ks - h)) / (2 * h)
    assert fp.eigenvalues[0] == pytest.approx(slope, rel=1e-8)
    assert (Ks, fp.eigenvalues[0], fp.nu) == pytest.approx((0.506981, 1.448922, 0.934614), abs=1e-6)
    flow = d2.nn_flow(np.array([0.3, Ks - 1e-3, Ks + 1e-3, 0.7]), 60)
    assert np.all(np.diff(flow[:, :2], axis=0) <= 0) and flow[-1, 0] == 0.0 and flow[-1, 1] < 1e-100
    assert np.all(np.diff(flow[:, 2:], axis=0) > 0) and np.all(flow[-1, 2:] > 1e6)


def test_maris_kadanoff():
    fp = d2.maris_kadanoff_fixed_point()
    K, L = fp.couplings
    assert d2.maris_kadanoff_recursion(K, L) == pytest.approx((K, L), abs=1e-15)
    jac = np.array([[4 * K, 1.0], [2 * K, 0.0]])
    np.testing.assert_allclose(sorted(np.linalg.eigvals(jac)), sorted(fp.eigenvalues), rtol=1e-12)
    assert fp.nu == pytest.approx(np.log(np.sqrt(2)) / np.log(1.7207592200561266), rel=1e-12)
    Kc = d2.maris_kadanoff_critical_coupling()
    assert Kc == pytest.approx(0.392092, abs=1e-6)
    Kf, Lf = d2.maris_kadanoff_flow([Kc - 1e-6, Kc + 1e-6], 0.0, 60)
    assert Kf[-1, 0] < 1e-6 and Kf[-1, 1] > 1e6
    # the critical trajectory goes to the fixed point before leaving it
    Kf, Lf = d2.maris_kadanoff_flow(Kc, 0.0, 20)
    assert np.hypot(Kf[12] - K, Lf[12] - L) < 1e-4
    # the critical line lowers K0 as L0 grows
    line = d2.maris_kadanoff_critical_coupling(np.array([0.0, 0.05, 0.1]))
    assert np.all(np.diff(line) < 0)


# ---------------------------------------------------------------- sublattices
def test_sublattices():
    for n in range(0, 5):
        sites = d2.sublattice_sites((8, 8), n)
        assert len(sites) == 64 >> n
        bonds = d2.sublattice_bonds((8, 8), n)
        assert bonds.shape == (2 * len(sites), 2) and bonds.min() >= 0
        if n:
            prev = d2.sublattice_sites((8, 8), n - 1)
            assert np.all(np.isin(sites, prev))
            nb = d2.removed_site_neighbours((8, 8), n)
            assert nb.shape == (len(prev) - len(sites), 4) and nb.min() >= 0
    # Lambda_3 is Lambda_1 scaled by 2
    i, j = np.divmod(d2.sublattice_sites((8, 8), 3), 8)
    assert np.all(i % 2 == 0) and np.all(j % 2 == 0) and np.all(((i + j) // 2) % 2 == 0)


# ---------------------------------------------------------------- exact correlations (Toeplitz)
@pytest.mark.parametrize("K", [0.1, 0.3, 0.43, K_CRITICAL, 0.45, 0.6, 1.2])
def test_axis_correlation_is_onsager_energy(K):
    assert k2.square_lattice_correlation(K, 1, "axis") == pytest.approx(-0.5 * onsager_internal_energy(K), abs=1e-11)


def test_correlation_limits():
    assert k2.square_lattice_correlation(K_CRITICAL, 1, "diagonal") == pytest.approx(2 / np.pi, abs=1e-6)
    for K in (0.5, 0.7):
        far = k2.square_lattice_correlation(K, np.array([0, 200]), "diagonal")
        assert far[0] == 1.0 and far[1] == pytest.approx(yang_magnetization(K) ** 2, rel=1e-10)
        assert k2.square_lattice_correlation(K, 200, "axis") == pytest.approx(yang_magnetization(K) ** 2, rel=1e-10)
    assert abs(k2.square_lattice_correlation(0.3, 100, "axis")) < 1e-14
    # critical decay r^{-1/4}
    c = k2.square_lattice_correlation(K_CRITICAL, np.array([64, 256]), "axis")
    assert np.log(c[0] / c[1]) / np.log(4) == pytest.approx(0.25, abs=2e-3)


@pytest.mark.parametrize("K", [0.8, 1.0])
def test_correlations_against_6x6_torus(K):
    """Deep in the ordered phase a 6 x 6 torus is already large (finite-size effects ~ 1e-7 at K = 0.8)."""
    _, corr = k2.torus_neighbour_sum((6, 6), K)
    exact = [-0.5 * onsager_internal_energy(K), k2.square_lattice_correlation(K, 1, "diagonal"),
             k2.square_lattice_correlation(K, 2, "axis")]
    np.testing.assert_allclose(corr, exact, rtol=1e-6)


@pytest.mark.parametrize("K", [0.05, 0.2, 0.4, 0.44, K_CRITICAL + 1e-3, 0.5, 0.7])
def test_diagonal_correlation_closed_form(K):
    """<s00 s11> = (2/(pi k))[E(k) - (1 - k^2) K(k)] above T_c and (2/pi) E(1/k) below, k = sinh^2 2K."""
    from scipy.special import ellipe, ellipk

    k = np.sinh(2 * K) ** 2
    closed = 2 / (np.pi * k) * (ellipe(k * k) - (1 - k * k) * ellipk(k * k)) if k < 1 else 2 / np.pi * ellipe(k**-2)
    assert k2.square_lattice_correlation(K, 1, "diagonal") == pytest.approx(closed, rel=1e-10)


@pytest.mark.parametrize("shape", [(4, 4), (6, 6), (4, 8)])
@pytest.mark.parametrize("K", [0.2, 0.44, 0.7])
def test_neighbour_sum_algebra_against_enumeration(shape, K):
    probs, corr = k2.torus_neighbour_sum(shape, K)
    np.testing.assert_allclose(probs, k2.neighbour_sum_probabilities(K, *corr), atol=1e-12)
    dB1 = k2.torus_kl_lifted(shape, K, 1)
    assert dB1 == pytest.approx(0.5 * (LN2 - k2.removed_spin_entropy(K, probs)), abs=1e-12)


def test_local_estimators_on_enumerated_states():
    """Boltzmann averages of the per-configuration estimators equal the exact torus values (4 x 4)."""
    K = 0.35
    p = np.exp(d2.torus_log_probabilities((4, 4), K))
    from rglib.ising import all_spin_configurations

    spins = all_spin_configurations(16).reshape(-1, 4, 4)
    probs, corr = k2.torus_neighbour_sum((4, 4), K)
    assert p @ k2.local_conditional_entropy(spins, K) == pytest.approx(k2.removed_spin_entropy(K, probs), abs=1e-12)
    np.testing.assert_allclose(p @ k2.short_correlations(spins), corr, atol=1e-12)


# ---------------------------------------------------------------- definition B
@pytest.mark.parametrize("K", [0.3, 0.6])
def test_kl_lifted_against_brute_force(K):
    lp = d2.torus_log_probabilities((4, 4), K)
    prev = 0.0
    for n in range(1, 5):
        sites = d2.sublattice_sites((4, 4), n)
        code = d2.subset_state_codes(16, sites)
        lq = d2.marginal_on_sites(lp, 16, sites)[code] - (16 - len(sites)) * LN2
        brute = kl_divergence(lp, lq) / 16
        assert k2.torus_kl_lifted((4, 4), K, n) == pytest.approx(brute, abs=1e-13)
        assert 0 < brute - prev <= 2.0**-n * LN2  # chain rule: each step adds at most 2^-n ln 2
        prev = brute
        Kn = d2.nn_flow(K, n)[-1]
        lt = k2._nn_log_probabilities((4, 4), n, Kn)[code] - (16 - len(sites)) * LN2
        assert k2.torus_kl_lifted_truncated((4, 4), K, n) == pytest.approx(kl_divergence(lp, lt) / 16, abs=1e-13)
    # one spin left: the asymptote ln 2 - S/N
    assert prev == pytest.approx(LN2 - k2.torus_entropy((4, 4), K), abs=1e-13)


def test_first_step_infinite_lattice():
    K = np.array([0.2, 0.4, K_CRITICAL, 0.5, 0.8])
    d1, dinf = k2.kl_lifted_first_step(K), k2.kl_asymptote_2d(K)
    assert np.all((0 < d1) & (d1 < dinf)) and np.all(np.diff(d1) > 0)
    assert np.all(dinf - d1 <= LN2 / 2 + 1e-15)
    # deep in the ordered phase the removed spin is fixed by its neighbours: d_1 -> ln 2 / 2
    assert k2.kl_lifted_first_step(2.0) == pytest.approx(LN2 / 2, abs=1e-6)
    # deep in the ordered phase the 6 x 6 torus is close to the infinite lattice
    for k in (0.8, 1.0):
        assert k2.torus_kl_lifted((6, 6), k, 1) == pytest.approx(k2.kl_lifted_first_step(k), rel=1e-6)


def test_bounds_and_truncated_flow():
    n = np.arange(0, 13)
    for K0 in (0.3, 0.6):
        b = k2.kl_lifted_bounds(K0, n)
        assert np.all(b.lower <= b.upper + 1e-15) and np.all(b.upper - b.lower <= 2.0**-n * LN2 + 1e-15)
        tr = k2.kl_lifted_truncated(K0, 12)
        assert tr[0] == 0 and np.all(tr >= b.lower - 1e-12)  # truncated >= exact >= lower bound
        assert tr[12] == pytest.approx(k2.kl_asymptote_2d(K0), abs=3e-4)
        eps = k2.truncation_kl_first_step(K0).scheme
        assert tr[1] == pytest.approx(k2.kl_lifted_first_step(K0) + eps, abs=1e-12)


def test_truncated_flow_overshoots_in_the_ordered_basin():
    """Below K* the truncated B rises monotonically; above K* it overshoots the asymptote, then decays."""
    below = k2.kl_lifted_truncated(0.45, 16)
    assert np.all(np.diff(below) >= -1e-15)
    above = k2.kl_lifted_truncated(0.6, 18)
    dinf = k2.kl_asymptote_2d(0.6)
    assert np.max(above) - dinf > 1e-5 and np.min(np.diff(above)) < -1e-6


def test_truncation_kl():
    K = np.array([0.1, 0.3, K_CRITICAL, 0.6])
    t = k2.truncation_kl_first_step(K)
    assert np.all(t.best > 0) and np.all(t.best <= t.scheme + 1e-15)
    cd = k2.square_lattice_correlation(K, 1, "diagonal")
    np.testing.assert_allclose(-0.5 * onsager_internal_energy(t.K_best), cd, atol=1e-12)
    # 6 x 6 torus deep in the ordered phase: the scheme's error matches the infinite lattice
    for k, e in zip((0.8, 1.0), k2.truncation_kl_first_step(np.array([0.8, 1.0])).scheme):
        assert k2.torus_truncation_kl((6, 6), k, (0.5 * d2.nn_recursion(k), 0.0, 0.0)) == pytest.approx(e, rel=2e-4)
    c = d2.checkerboard_decimation(0.4)
    eps = k2.torus_truncation_kl((4, 4), 0.4, [(c.K_nnn, c.K_nnn, c.K_4), (c.K_nnn, c.K_nnn, 0.0), (0.0, 0.0, 0.0)])
    assert eps[0] < 1e-14 and 0 < eps[1] < eps[2]
    # uniform q: the chain rule d^B_1 + epsilon_1 = D(p || uniform) / N = ln 2 - S / N
    assert eps[2] + k2.torus_kl_lifted((4, 4), 0.4, 1) == pytest.approx(LN2 - k2.torus_entropy((4, 4), 0.4), abs=1e-13)


# ---------------------------------------------------------------- definition A and the asymptote
@pytest.mark.parametrize("K0", [0.3, 0.6])
def test_kl_same_lattice_against_brute_force(K0):
    lp = d2.torus_log_probabilities((4, 4), K0)
    for n in (1, 3, 6):
        Kn = d2.nn_flow(K0, n)[-1]
        brute = kl_divergence(lp, d2.torus_log_probabilities((4, 4), Kn)) / 16
        assert k2.kl_same_lattice_2d(K0, n, shape=(4, 4)) == pytest.approx(brute, rel=1e-10, abs=1e-15)


def test_kl_same_lattice_phases():
    n = np.arange(40)
    for K0 in (0.3, K_CRITICAL, 0.5):
        d = k2.kl_same_lattice_2d(K0, n)
        assert np.all(np.diff(d) >= -1e-15) and d[-1] == pytest.approx(k2.kl_asymptote_2d(K0), abs=1e-12)
    d = k2.kl_same_lattice_2d(0.55, n)
    Kn = d2.nn_flow(0.55, 39)
    assert np.all(np.diff(d) > 0) and d[-1] > 1e4
    assert d[-1] / Kn[-1] == pytest.approx(2 + onsager_internal_energy(0.55), rel=1e-3)  # d ~ K_n (2 + u_0)
    # Kaufman on a large torus approaches Onsager (finite-size effects ~ e^{-L/xi})
    assert k2.kl_same_lattice_2d(0.4, 5, shape=(256, 256)) == pytest.approx(k2.kl_same_lattice_2d(0.4, 5), rel=1e-12)


def test_asymptote_and_slope():
    K = K_CRITICAL + np.array([-1e-2, -1e-3, -1e-4, 1e-4, 1e-3, 1e-2, 0.2])
    h = 1e-6
    numeric = (k2.kl_asymptote_2d(K + h) - k2.kl_asymptote_2d(K - h)) / (2 * h)
    np.testing.assert_allclose(k2.kl_asymptote_slope(K), numeric, rtol=1e-5)
    np.testing.assert_allclose(k2.kl_asymptote_slope(K[:3]), [3.622, 6.149, 8.723], atol=1e-3)
    np.testing.assert_allclose(k2.kl_asymptote_slope(K), onsager_specific_heat(K) / K)
    assert k2.torus_entropy((256, 256), 0.3) == pytest.approx(k2.onsager_entropy(0.3), rel=1e-12)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, exc, word", [
    (lambda: d2.checkerboard_decimation("a"), TypeError, "K"),
    (lambda: d2.nn_recursion(-0.1), ValueError, "K"),
    (lambda: d2.nn_flow(0.3, 1.5), TypeError, "n_steps"),
    (lambda: d2.maris_kadanoff_critical_coupling(0.5), ValueError, "L0"),
    (lambda: d2.sublattice_sites((6, 6), 3), ValueError, "divisible"),
    (lambda: d2.sublattice_sites((5, 4), 1), ValueError, "divisible"),
    (lambda: d2.sublattice_sites("x", 1), TypeError, "shape"),
    (lambda: d2.torus_log_probabilities((6, 6), 0.3), ValueError, "brute force"),
    (lambda: d2.kept_marginal_log_probabilities((8, 8), 0.3), ValueError, "keeps 32 spins"),
    (lambda: d2.subset_state_codes(4, [0, 0]), ValueError, "positions"),
    (lambda: k2.square_lattice_correlation(0.4, -1), ValueError, "r"),
    (lambda: k2.square_lattice_correlation(0.4, 1.0), TypeError, "r"),
    (lambda: k2.square_lattice_correlation(0.4, 1, "row"), ValueError, "direction"),
    (lambda: k2.square_lattice_correlation(0.0, 1), ValueError, "K"),
    (lambda: k2.kl_same_lattice_2d(-0.1, 1), ValueError, "K0"),
    (lambda: k2.kl_same_lattice_2d(0.3, 1.5), TypeError, "n"),
    (lambda: k2.kl_same_lattice_2d(0.3, -1), ValueError, "n"),
    (lambda: k2.kl_lifted_truncated(0.3, 21), ValueError, "n_steps"),
    (lambda: k2.torus_kl_lifted((6, 6), 0.3, 3), ValueError, "divisible"),
    (lambda: k2.torus_truncation_kl((4, 4), 0.3, (1.0, 2.0)), ValueError, "couplings"),
    (lambda: k2.local_conditional_entropy(np.ones((4, 4)), 0.3), TypeError, "spins"),
    (lambda: k2.short_correlations(np.ones(4, dtype=np.int8)), TypeError, "spins"),
])
def test_bad_input(call, exc, word):
    with pytest.raises(exc, match=word):
        call()
