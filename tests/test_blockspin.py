"""Tests for rglib.blockspin: exact block-spin RG, cumulant series, Walsh couplings, mutual information."""
from __future__ import annotations

import itertools

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import bernoulli, logsumexp

from rglib.ising import subset_orders, walsh_coefficients, walsh_synthesis
from rglib.rg import blockspin as bs
from rglib.rg import cumulants as cum
from rglib.ising import all_spin_configurations, ring_log_partition


# ------------------------------------------------------------------ rules
def test_tanh_rule_values():
    T = bs.tanh_block_rule([0.4, -1.1])
    v = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]])
    np.testing.assert_allclose(T[:, 0], 0.5 * (1 + np.tanh(v @ [0.4, -1.1])), atol=1e-15)
    np.testing.assert_allclose(T.sum(axis=1), 1.0, atol=1e-15)
    with pytest.raises(ValueError, match="inf"):
        bs.tanh_block_rule([np.inf, 0.0])
    with pytest.raises(ValueError, match="lam must be 1-D"):
        bs.tanh_block_rule(np.zeros((2, 2)))


def test_decimation_is_limit_of_tanh_rule():
    np.testing.assert_allclose(bs.tanh_block_rule([40.0, 1.0]), bs.decimation_block_rule(2, keep=0), atol=1e-15)
    np.testing.assert_allclose(bs.tanh_block_rule([1.0, 40.0]), bs.decimation_block_rule(2, keep=1), atol=1e-15)
    with pytest.raises(ValueError, match="keep"):
        bs.decimation_block_rule(2, keep=2)


def test_majority_rule():
    T = bs.majority_block_rule(3)
    s = all_spin_configurations(3).sum(axis=1)
    np.testing.assert_array_equal(T[:, 0], (s > 0).astype(float))
    T2 = bs.majority_block_rule(2)
    np.testing.assert_array_equal(T2[1], [0.5, 0.5])


# ------------------------------------------------------------------ ring Hamiltonians
def test_ring_hamiltonian_partition_function():
    for N, K, h in [(6, 0.7, 0.0), (8, -0.4, 0.3), (10, 1.2, -0.2)]:
        assert logsumexp(bs.ring_hamiltonian(N, K, h)) == pytest.approx(ring_log_partition(N, K, h), abs=1e-11)
    with pytest.raises(ValueError, match="N must be"):
        bs.ring_hamiltonian(1, 0.5)
    with pytest.raises(ValueError, match="K must be finite"):
        bs.ring_hamiltonian(4, np.nan)


def test_ring_block_split():
    K0, K1 = bs.ring_block_split(8, 0.6, 0.2, block_size=2)
    np.testing.assert_allclose(K0 + K1, bs.ring_hamiltonian(8, 0.6, 0.2), atol=1e-13)
    x = all_spin_configurations(8)
    np.testing.assert_allclose(K1, 0.6 * sum(x[:, 2 * j + 1] * x[:, (2 * j + 2) % 8] for j in range(4)))
    with pytest.raises(ValueError, match="divide"):
        bs.ring_block_split(8, 0.6, 0.0, block_size=3)


# ------------------------------------------------------------------ renormalized Hamiltonian
def _brute_renormalized(Kx, T, N, b):
    """Direct sum over all x for every coarse configuration, with explicit loops (reference)."""
    x = all_spin_configurations(N)
    nb = N // b
    coarse = all_spin_configurations(nb)
    s = (x.reshape(-1, nb, b) < 0).astype(int) @ (2 ** np.arange(b - 1, -1, -1))  # block states
    out = np.empty(len(coarse))
    for c, chi in enumerate(coarse):
        col = (chi < 0).astype(int)
        logP = np.sum(np.log(np.maximum(T[s, col[None, :]], 1e-300)), axis=1)
        out[c] = logsumexp(Kx + logP)
    return out


@pytest.mark.parametrize("b, rule", [(2, "tanh"), (2, "dec"), (3, "maj")])
def test_renormalized_hamiltonian_against_brute_force(b, rule):
    N = 6
    Kx = bs.ring_hamiltonian(N, 0.8, 0.1)
    T = {"tanh": bs.tanh_block_rule([0.7, -0.2]), "dec": bs.decimation_block_rule(2),
         "maj": bs.majority_block_rule(3)}[rule]
    Kp = bs.renormalized_hamiltonian(Kx, T)
    np.testing.assert_allclose(Kp, _brute_renormalized(Kx, T, N, b), atol=1e-11)
    assert logsumexp(Kp) == pytest.approx(logsumexp(Kx), abs=1e-12)  # Z is preserved


def test_decimation_closed_form():
    """tanh K' = tanh^2 K and the constant ln 2 + 1/2 ln cosh 2K per decimated spin."""
    for K in (0.3, 1.0, 2.5):
        Kp = bs.renormalized_hamiltonian(bs.ring_hamiltonian(12, K), bs.decimation_block_rule(2))
        J = walsh_coefficients(Kp)
        nn = 0b110000  # spins 0, 1 of 6
        assert np.tanh(J[nn]) == pytest.approx(np.tanh(K) ** 2, rel=1e-12)
        assert J[0] == pytest.approx(6 * (np.log(2) + 0.5 * np.log(np.cosh(2 * K))), rel=1e-12)
        W = bs.coupling_weight_by_range(J)
        assert W[1] == pytest.approx(6 * J[nn], rel=1e-12)
        assert W[0] < 1e-12 and W[2:].sum() < 1e-11


def test_renormalized_hamiltonian_bad_input():
    Kx = bs.ring_hamiltonian(6, 0.5)
    with pytest.raises(ValueError, match="must divide"):
        bs.renormalized_hamiltonian(Kx, bs.decimation_block_rule(4))
    with pytest.raises(ValueError, match="probabilities"):
        bs.renormalized_hamiltonian(Kx, np.array([[0.7, 0.7], [0.5, 0.5]]))
    with pytest.raises(ValueError, match="length 2\\*\\*n"):
        bs.renormalized_hamiltonian(np.zeros(10), bs.decimation_block_rule(2))
    with pytest.raises(ValueError, match="shape \\(2\\*\\*b, 2\\)"):
        bs.renormalized_hamiltonian(Kx, np.ones((4, 3)) / 3)


# ------------------------------------------------------------------ cumulant decomposition
@pytest.mark.parametrize("rule", [bs.decimation_block_rule(2), bs.tanh_block_rule([0.9, 0.4]),
                                  bs.majority_block_rule(2)])
def test_three_term_formula(rule):
    N, K, h = 10, 0.9, 0.15
    K0, K1 = bs.ring_block_split(N, K, h, 2)
    cd = bs.cumulant_decomposition(K0, K1, rule)
    Kp = bs.renormalized_hamiltonian(K0 + K1, rule)
    np.testing.assert_allclose(cd.total, Kp, atol=1e-11)
    assert logsumexp(cd.ln_p0) == pytest.approx(0.0, abs=1e-12)
    # p0 factorizes over blocks: a product of single-block marginals
    p0 = np.exp(cd.ln_p0).reshape((2,) * 5)
    one = p0.sum(axis=(1, 2, 3, 4))
    np.testing.assert_allclose(p0, np.einsum("a,b,c,d,e->abcde", *[one] * 5), atol=1e-13)
    np.testing.assert_allclose(cd.k1_probs.sum(axis=1), 1.0, atol=1e-12)


def test_ln_Z0_closed_form():
    # two spins per block with bond K and field h: Z_b = 2 e^K cosh 2h + 2 e^{-K}
    K, h = 0.7, 0.2
    K0, K1 = bs.ring_block_split(8, K, h, 2)
    cd = bs.cumulant_decomposition(K0, K1, bs.tanh_block_rule([0.5, 0.5]))
    assert cd.ln_Z0 == pytest.approx(4 * np.log(2 * np.exp(K) * np.cosh(2 * h) + 2 * np.exp(-K)), rel=1e-13)


def test_decimation_conditional_is_independent_bonds():
    """For decimation ln<e^{K1}> = sum_j ln[cosh(K(1 + s_j s_j+1)) / cosh K] (independent inter-block bonds)."""
    N, K = 8, 1.1
    K0, K1 = bs.ring_block_split(N, K, 0.0, 2)
    cd = bs.cumulant_decomposition(K0, K1, bs.decimation_block_rule(2))
    chi = all_spin_configurations(4).astype(float)
    sig = chi * np.roll(chi, -1, axis=1)
    expected = np.sum(np.log(np.cosh(K * (1 + sig)) / np.cosh(K)), axis=1)
    np.testing.assert_allclose(cd.ln_mean_exp_K1, expected, atol=1e-12)


# ------------------------------------------------------------------ cumulants and their series
def test_log_mgf_coefficients_of_symmetric_two_point():
    """X = +-c: ln cosh(ct) = sum_n 2^{2n}(2^{2n}-1) B_{2n} (ct)^{2n} / (2n (2n)!)."""
    c, order = 0.9, 24
    coef = cum.log_mgf_taylor_coefficients([-c, c], [0.5, 0.5], order)
    B = bernoulli(order)
    expected = np.zeros(order)
    for n in range(1, order // 2 + 1):
        k = 2 * n
        expected[k - 1] = 2**k * (2**k - 1) * B[k] * c**k / (k * float(np.prod(np.arange(1, k + 1, dtype=float))))
    np.testing.assert_allclose(coef, expected, atol=1e-15, rtol=1e-9)


def test_log_mgf_coefficients_against_mpmath():
    rng = np.random.default_rng(1)
    v = np.arange(9) * 0.6 - 2.4
    p = rng.dirichlet(np.ones(9))
    order = 30
    coef = cum.log_mgf_taylor_coefficients(v, p, order)
    mpmath.mp.dps = 60
    f = lambda t: mpmath.log(sum(mpmath.mpf(pi) * mpmath.exp(mpmath.mpf(vi) * t) for vi, pi in zip(v, p)))
    ref = mpmath.taylor(f, 0, order)[1:]
    np.testing.assert_allclose(coef, [float(r) for r in ref], rtol=1e-8, atol=1e-14)


def test_cumulants_low_orders_and_bernoulli():
    v = np.array([0.0, 1.0])
    q = 0.3
    k = cum.cumulants_from_distribution(v, [1 - q, q], 4)
    np.testing.assert_allclose(k, [q, q * (1 - q), q * (1 - q) * (1 - 2 * q),
                                   q * (1 - q) * (1 - 6 * q * (1 - q))], atol=1e-14)
    with pytest.raises(ValueError, match="sum to 1"):
        cum.cumulants_from_distribution(v, [0.5, 0.6], 3)
    with pytest.raises(ValueError, match="order"):
        cum.cumulants_from_distribution(v, [0.5, 0.5], 0)


def test_convergence_radius():
    # X = +-1 with p = 1/2: ln cosh t, zeros at t = i pi/2
    assert cum.log_mgf_convergence_radius([-1.0, 1.0], [0.5, 0.5]) == pytest.approx(np.pi / 2, rel=1e-12)
    # Bernoulli(q): 1 - q + q e^t = 0 at t = ln((q-1)/q) = ln((1-q)/q) + i pi
    q = 0.2
    R = cum.log_mgf_convergence_radius([0.0, 1.0], [1 - q, q])
    assert R == pytest.approx(abs(complex(np.log((1 - q) / q), np.pi)), rel=1e-12)
    # the series converges at t = 1 iff R > 1: check the partial sums
    for d in (2.0, 4.0):  # R = pi/d: converges for d = 2, diverges for d = 4
        RR = cum.log_mgf_convergence_radius([0.0, d], [0.5, 0.5])
        assert RR == pytest.approx(np.pi / d, rel=1e-12)
        S = np.cumsum(cum.log_mgf_taylor_coefficients([0.0, d], [0.5, 0.5], 60))
        exact = np.log(0.5 + 0.5 * np.exp(d))
        assert (abs(S[-1] - exact) < 1e-9) == (RR > 1)
    with pytest.raises(ValueError, match="lattice"):
        cum.log_mgf_convergence_radius([0.0, 1.0, np.sqrt(2)], [0.3, 0.3, 0.4])


# ------------------------------------------------------------------ Walsh decomposition
@settings(max_examples=30, deadline=None)
@given(st.integers(1, 7), st.integers(0, 2**32 - 1))
def test_walsh_roundtrip_and_definition(n, seed):
    f = np.random.default_rng(seed).normal(size=2**n)
    J = walsh_coefficients(f)
    np.testing.assert_allclose(walsh_synthesis(J), f, atol=1e-12)
    x = all_spin_configurations(n).astype(float)
    S = np.random.default_rng(seed + 1).integers(2**n)
    members = [k for k in range(n) if (S >> (n - 1 - k)) & 1]
    chi = np.prod(x[:, members], axis=1) if members else np.ones(2**n)
    assert J[S] == pytest.approx(f @ chi / 2**n, abs=1e-12)


def test_subset_orders_and_ranges():
    n = 8
    orders = subset_orders(n)
    ranges = bs.ring_subset_ranges(n)
    for S in range(2**n):
        sites = [k for k in range(n) if (S >> (n - 1 - k)) & 1]
        assert orders[S] == len(sites)
        d = max((min(abs(i - j), n - abs(i - j)) for i, j in itertools.combinations(sites, 2)), default=0)
        assert ranges[S] == d
    assert ranges.max() == n // 2


def test_coupling_weight_by_range():
    n = 6
    J = np.zeros(2**n)
    J[0] = 5.0  # constant: ignored
    J[0b100000] = 0.1  # field
    J[0b110000] = -0.3  # nearest neighbour
    J[0b100100] = 0.2  # distance 3
    J[0b111000] = 0.05  # three spins, range 2
    W = bs.coupling_weight_by_range(J)
    np.testing.assert_allclose(W, [0.1, 0.3, 0.05, 0.2], atol=1e-15)
    np.testing.assert_allclose(bs.coupling_weight_by_range(J, power=2), [0.01, 0.09, 0.0025, 0.04], atol=1e-15)
    with pytest.raises(ValueError, match="power"):
        bs.coupling_weight_by_range(J, power=0)


# ------------------------------------------------------------------ mutual information
def test_mutual_information_decimation_closed_form():
    """Decimation, no buffer, N = 4, b = 2: I(x0 : x2) of a 4-ring, by hand."""
    N, K = 4, 0.8
    Kx = bs.ring_hamiltonian(N, K)
    I = bs.block_environment_mutual_information(Kx, bs.decimation_block_rule(2), buffer=0)
    # joint of (x0, x2, x3): sum over x1 of the ring weight
    x = all_spin_configurations(N)
    p = np.exp(Kx - logsumexp(Kx))
    joint = np.zeros((2, 4))
    for s, pr in zip(x, p):
        joint[int(s[0] < 0), 2 * int(s[2] < 0) + int(s[3] < 0)] += pr
    pa, pb = joint.sum(1, keepdims=True), joint.sum(0, keepdims=True)
    assert I == pytest.approx(np.sum(joint * np.log(joint / (pa * pb))), rel=1e-12)


def test_mutual_information_limits():
    Kx = bs.ring_hamiltonian(10, 1.0)
    coin = np.full((4, 2), 0.5)
    assert bs.block_environment_mutual_information(Kx, coin, 1) == pytest.approx(0.0, abs=1e-14)
    # an uncoupled ring carries no information
    assert bs.block_environment_mutual_information(bs.ring_hamiltonian(10, 0.0), bs.decimation_block_rule(2), 1) \
        == pytest.approx(0.0, abs=1e-14)
    # data processing: a noisy copy of x0 (lam = (L, 0)) carries less than x0 itself, increasingly with L
    dec = bs.block_environment_mutual_information(Kx, bs.decimation_block_rule(2), 1)
    noisy = [bs.block_environment_mutual_information(Kx, bs.tanh_block_rule([L, 0.0]), 1) for L in (0.3, 1.0, 3.0)]
    assert np.all(np.diff(noisy) > 0) and noisy[-1] < dec
    with pytest.raises(ValueError, match="environment"):
        bs.block_environment_mutual_information(Kx, bs.decimation_block_rule(2), 4)


def test_bad_inputs_are_named():
    K0, K1 = bs.ring_block_split(6, 0.5, 0.0, 2)
    with pytest.raises(ValueError, match="same length"):
        bs.cumulant_decomposition(K0, K1[:32], bs.decimation_block_rule(2))
    with pytest.raises(ValueError, match="f must have length 2\\*\\*n"):
        walsh_coefficients(np.zeros(12))
    with pytest.raises(ValueError, match="NaN"):
        walsh_coefficients(np.array([0.0, np.nan]))
    with pytest.raises(TypeError, match="n must be an int"):
        bs.ring_subset_ranges(2.5)
    with pytest.raises(ValueError, match="values"):
        cum.log_mgf_taylor_coefficients([0.0, 1.0], [[0.5, 0.5, 0.0]], 3)
    with pytest.raises(TypeError, match="rule must be"):
        bs.renormalized_hamiltonian(bs.ring_hamiltonian(4, 0.3), [["a", "b"], ["c", "d"]])


def test_cumulant_decomposition_merges_rounded_values():
    K0, K1 = bs.ring_block_split(8, 0.3, 0.0, 2)
    noisy = K1 + 1e-13 * np.random.default_rng(0).normal(size=K1.shape)
    cd = bs.cumulant_decomposition(K0, noisy, bs.tanh_block_rule([0.4, 0.1]))
    assert cd.k1_values.shape == (5,)  # K1 = 0.3 * (4 - 2k), k = 0..4
    np.testing.assert_allclose(np.sort(cd.k1_values), 0.3 * np.arange(-4, 5, 2), atol=1e-12)


# ------------------------------------------------------------------ issue 19: scalars, rtol, bounds, results
def test_scalar_inputs_give_named_errors_not_index_errors():
    for f in (cum.cumulants_from_distribution, cum.log_mgf_taylor_coefficients):
        with pytest.raises(ValueError, match="probs must have shape"):
            f([1.0], 1.0, 2)
        with pytest.raises(ValueError, match="values must be a 1-D array"):
            f(1.0, 1.0, 2)
    with pytest.raises(ValueError, match="probs must have shape"):
        cum.log_mgf_convergence_radius([1.0], 1.0)
    with pytest.raises(ValueError, match="probs"):
        cum.cumulants_from_distribution([0.0, 1.0], [1.5, -0.5], 2)


def test_convergence_radius_checks_rtol_and_degree():
    """rtol used to be ignored when invalid; a huge lattice span used to allocate and root a giant polynomial."""
    for bad in (-1.0, 0.0, np.nan, np.inf, 0.9):
        with pytest.raises(ValueError, match="rtol"):
            cum.log_mgf_convergence_radius([0.0, 1.0, 2.0], [0.2, 0.3, 0.5], rtol=bad)
    with pytest.raises(TypeError, match="rtol"):
        cum.log_mgf_convergence_radius([0.0, 1.0, 2.0], [0.2, 0.3, 0.5], rtol="1e-9")
    with pytest.raises(ValueError, match="MAX_LATTICE_DEGREE"):
        cum.log_mgf_convergence_radius([0.0, 1.0, 1e9], [0.2, 0.3, 0.5])
    assert cum.log_mgf_convergence_radius([3.0], [1.0]) == np.inf


def test_named_tuple_results_unpack_as_before():
    split = bs.ring_block_split(6, 0.5, 0.1, 2)
    K0, K1 = split
    assert split._fields == ("intra", "inter") and split.intra is K0 and split.inter is K1
    cd = bs.cumulant_decomposition(K0, K1, bs.decimation_block_rule(2))
    ln_Z0, ln_p0, ln_mean, values, probs = cd
    np.testing.assert_array_equal(cd.total, ln_Z0 + ln_p0 + ln_mean)
    assert cd._fields == ("ln_Z0", "ln_p0", "ln_mean_exp_K1", "k1_values", "k1_probs")


def test_ring_subset_ranges_against_definition():
    """The bit-rotation implementation against the definition (largest ring distance in the subset)."""
    for n in (1, 2, 5, 8):
        got = bs.ring_subset_ranges(n)
        for S in range(2**n):
            sites = [k for k in range(n) if S >> (n - 1 - k) & 1]
            want = max([min(abs(i - j), n - abs(i - j)) for i in sites for j in sites], default=0)
            assert got[S] == want


def test_costs_are_bounded_before_the_work():
    K0, K1 = bs.ring_block_split(22, 0.3, 0.0, 2)
    with pytest.raises(ValueError, match="1 GiB"):
        bs.cumulant_decomposition(K0, K1 + 1e-3 * (np.arange(K1.size) % 4), bs.decimation_block_rule(2), decimals=6)
    with pytest.raises(ValueError, match="probs holds"):
        cum.log_mgf_convergence_radius(np.arange(900.0), np.full((200, 900), 1 / 900))
