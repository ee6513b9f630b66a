"""Tests for rglib.rg.decimation and rglib.rg.kl_1d: exact 1D decimation, relative entropies A and B, the truncated NNN RG."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rglib.rg.decimation import (
    decimate_1d,
    decimation_flow,
    flow_couplings,
    ir_field,
    marginal_log_probabilities,
    ring_log_probabilities,
)
from rglib.rg.kl_1d import (
    enumerated_kl_lifted,
    enumerated_kl_same_lattice,
    kl_asymptote,
    kl_lifted,
    kl_same_lattice,
)
from rglib.rg.truncation import (
    moment_matched_nnn_couplings,
    nnn_ring_log_probabilities,
    project_nnn_couplings,
    truncated_nnn_flow,
)
from rglib.entropy import kl_divergence, shannon_entropy
from rglib.ising import (
    all_spin_configurations,
    chain_entropy_per_site,
    chain_nn_correlation,
    ring_entropy,
    walsh_coefficients,
    chain_log_partition_per_site,
    configuration_index,
    chain_magnetization,
    ring_correlation,
    ring_log_partition,
)

couplings = st.floats(0.0, 50.0)
fields = st.floats(-3.0, 3.0)


# ---------------------------------------------------------------- the recursion
def test_zero_field_recursion():
    K = np.array([0.1, 0.5, 1.0, 2.0, 10.0])
    Kp, hp, lA = decimate_1d(K)
    np.testing.assert_allclose(np.tanh(Kp), np.tanh(K) ** 2, rtol=1e-13)
    np.testing.assert_array_equal(hp, 0.0)
    np.testing.assert_allclose(lA, np.log(2) + 0.5 * np.log(np.cosh(2 * K)), rtol=1e-13)


@pytest.mark.parametrize("K,h", [(0.3, 0.0), (0.7, 0.4), (1.5, -0.2), (-0.8, 0.5), (4.0, 1.0)])
@pytest.mark.parametrize("N", [2, 4, 8, 12])
def test_partition_function_identity(K, h, N):
    """Z_N(K, h) = A^{N/2} Z_{N/2}(K', h') for the transfer-matrix ring."""
    Kp, hp, lA = decimate_1d(K, h)
    lhs = ring_log_partition(N, K, h)
    rhs = N / 2 * lA + ring_log_partition(N // 2, Kp, hp)
    assert lhs == pytest.approx(rhs, rel=1e-13, abs=1e-13)


@pytest.mark.parametrize("N", [4, 8, 12, 16, 20])
def test_marginal_equals_decimated_ring(N):
    """Enumeration: the marginal of the N-ring on even sites is the N/2-ring with (K', h')."""
    K = np.array([0.2, 0.9, 3.0])
    h = np.array([0.0, 0.35, -1.1])
    Kp, hp, _ = decimate_1d(K, h)
    lm = marginal_log_probabilities(ring_log_probabilities(N, K, h), N, 2)
    lc = ring_log_probabilities(N // 2, Kp, hp)
    np.testing.assert_allclose(lm, lc, atol=1e-12)


def test_two_steps_marginal_every_fourth_spin():
    fl = decimation_flow(0.8, 0.25, 2)
    lm = marginal_log_probabilities(ring_log_probabilities(16, 0.8, 0.25), 16, 4)
    np.testing.assert_allclose(lm, ring_log_probabilities(4, fl.K[2], fl.h[2]), atol=1e-12)


def test_flow_shapes_and_vectorised_steps():
    fl = decimation_flow(np.array([0.5, 1.0]), 0.1, 5)
    assert fl.K.shape == (6, 2) and fl.h.shape == (6, 2) and fl.log_A.shape == (6, 2)
    assert np.all(np.isnan(fl.log_A[-1]))
    Kn, hn = flow_couplings(1.0, 0.1, np.arange(6))
    np.testing.assert_array_equal(Kn, fl.K[:, 1])
    np.testing.assert_array_equal(hn, fl.h[:, 1])


def test_flow_fixed_points():
    # K = 0 is a line of fixed points; the field doubles on the zero-temperature line
    Kp, hp, _ = decimate_1d(0.0, np.array([-1.0, 0.3]))
    np.testing.assert_allclose(Kp, 0.0, atol=1e-16)
    np.testing.assert_allclose(hp, [-1.0, 0.3], rtol=1e-15)
    _, hp, _ = decimate_1d(40.0, 0.01)
    assert hp == pytest.approx(0.02, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(couplings, fields)
def test_flow_preserves_magnetization_and_lowers_K(K0, h0):
    """Exact decimation keeps the one-site marginal: m(K_n, h_n) = m(K_0, h_0); K_n decreases."""
    fl = decimation_flow(K0, h0, 12)
    m = chain_magnetization(fl.K, fl.h)
    np.testing.assert_allclose(m, m[0], rtol=1e-10, atol=1e-15)
    assert np.all(np.diff(fl.K) <= 1e-15)
    # h* = artanh m0. artanh amplifies a rounding error dm of m0 by 1/(1 - m0^2): allow 8 ulp in m0.
    gap = 1.0 - abs(m[0])
    if gap > 1e-15:
        tol = 8 * np.finfo(float).eps / (gap * (2.0 - gap))
        assert ir_field(K0, h0) == pytest.approx(np.arctanh(m[0]), rel=1e-10, abs=tol)


def test_ir_field_is_limit_of_flow():
    fl = decimation_flow(np.array([0.5, 1.0, 2.0]), np.array([0.1, -0.3, 0.05]), 60)
    np.testing.assert_allclose(fl.h[-1], ir_field([0.5, 1.0, 2.0], [0.1, -0.3, 0.05]), rtol=1e-12)
    np.testing.assert_allclose(fl.K[-1], 0.0, atol=1e-15)


# ---------------------------------------------------------------- chain thermodynamics
def test_chain_correlation_and_entropy():
    K = np.array([0.0, 0.3, 1.0, 2.5])
    np.testing.assert_allclose(chain_nn_correlation(K), np.tanh(K), rtol=1e-14, atol=1e-16)
    s = chain_entropy_per_site(K)
    np.testing.assert_allclose(s, np.log(2 * np.cosh(K)) - K * np.tanh(K), rtol=1e-13)
    Kh, hh = np.array([0.4, 1.2, 2.0]), np.array([0.3, -0.7, 1.5])
    eps = 1e-6
    fd = (chain_log_partition_per_site(Kh + eps, hh) - chain_log_partition_per_site(Kh - eps, hh)) / (2 * eps)
    np.testing.assert_allclose(chain_nn_correlation(Kh, hh), fd, rtol=1e-8)
    f = chain_log_partition_per_site(Kh, hh)
    direct = f - Kh * chain_nn_correlation(Kh, hh) - hh * chain_magnetization(Kh, hh)
    np.testing.assert_allclose(chain_entropy_per_site(Kh, hh), direct, rtol=1e-12)


def test_chain_entropy_large_coupling_is_positive_and_tiny():
    s = chain_entropy_per_site(50.0)
    assert 0 < s < 1e-40  # s ~ 2K e^{-2K}: no cancellation at K = 50


@pytest.mark.parametrize("N", [1, 2, 3, 6, 10])
def test_ring_entropy_vs_enumeration(N):
    for K, h in [(0.6, 0.0), (1.3, 0.4)]:
        assert ring_entropy(N, K, h) == pytest.approx(shannon_entropy(ring_log_probabilities(N, K, h)), rel=1e-11)


# ---------------------------------------------------------------- relative entropies vs enumeration
@pytest.mark.parametrize("K0,h0", [(0.25, 0.0), (1.0, 0.0), (2.0, 0.0), (1.0, 0.3), (0.5, -0.8)])
@pytest.mark.parametrize("N,n", [(8, 1), (12, 2), (16, 3), (20, 1), (20, 2)])
def test_closed_forms_match_enumeration(K0, h0, N, n):
    assert kl_same_lattice(K0, h0, n, N=N) == pytest.approx(enumerated_kl_same_lattice(N, K0, h0, n), rel=1e-10, abs=1e-14)
    b = kl_lifted(K0, h0, n, N=N)
    assert b == pytest.approx(enumerated_kl_lifted(N, K0, h0, n), rel=1e-10, abs=1e-14)
    assert b == pytest.approx(enumerated_kl_lifted(N, K0, h0, n, use_marginal=True), rel=1e-10, abs=1e-14)


def test_finite_rings_converge_to_chain():
    K0, h0, n = 1.0, 0.2, np.arange(6)
    for f in (kl_same_lattice, kl_lifted):
        np.testing.assert_allclose(f(K0, h0, n, N=2**12), f(K0, h0, n), rtol=1e-9, atol=1e-12)


def test_kl_self_is_zero():
    assert kl_same_lattice(1.3, 0.2, 0) == 0.0
    assert kl_lifted(1.3, 0.2, 0) == 0.0
    assert kl_same_lattice(1.3, 0.2, 0, N=10) == 0.0
    assert kl_lifted(1.3, 0.2, 0, N=10) == 0.0


def test_notes_values_zero_field():
    # values listed in the reconstruction notes (papers-egj.md, section 3.2 and 3.3)
    np.testing.assert_allclose(kl_same_lattice(1.0, 0.0, np.arange(7)),
                               [0, 0.028, 0.121, 0.248, 0.318, 0.3277, 0.3278], atol=6e-4)
    np.testing.assert_allclose(kl_lifted(2.0, 0.0, np.arange(7)),
                               [0, 0.333, 0.492, 0.564, 0.593, 0.6015, 0.603], atol=6e-4)


def test_zero_field_closed_form_A():
    K0, n = 1.7, np.arange(8)
    Kn = np.arctanh(np.tanh(K0) ** (2.0**n))
    expect = np.log(np.cosh(Kn)) - np.log(np.cosh(K0)) + (K0 - Kn) * np.tanh(K0)
    np.testing.assert_allclose(kl_same_lattice(K0, 0.0, n), expect, rtol=1e-10, atol=1e-15)


@settings(max_examples=60, deadline=None)
@given(couplings, fields, st.integers(0, 40))
def test_kl_nonnegative_and_monotone(K0, h0, n):
    for f in (kl_same_lattice, kl_lifted):
        d = f(K0, h0, np.array([n, n + 1]))
        assert d[0] >= -1e-14
        assert d[1] >= d[0] - 1e-14


@settings(max_examples=40, deadline=None)
@given(st.floats(-5.0, 0.0), fields, st.integers(0, 40))
def test_lifted_monotone_also_for_antiferromagnet(K0, h0, n):
    """B is monotone by the chain rule for any coupling, including K0 < 0."""
    d = kl_lifted(K0, h0, np.array([n, n + 1]))
    assert d[0] >= -1e-14
    assert d[1] >= d[0] - 1e-14


def test_same_lattice_not_monotone_for_antiferromagnet():
    """A is monotone only for K0 >= 0: from K0 < 0 the first step jumps to K1 = K'(|K0|) > 0, after which
    d^A decreases (d/dK d^A = u - u0 > 0 for K > K0)."""
    for h0 in (0.0, 0.3):
        d = kl_same_lattice(-1.0, h0, np.arange(8))
        assert d[1] > d[2] > d[3] > d[-1] > 0
        dn = kl_same_lattice(-1.0, h0, np.arange(8), N=8)
        assert dn[1] > dn[2]


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 5.0), fields, st.integers(0, 2))
def test_kl_nonnegative_finite_ring(K0, h0, n):
    for N in (8, 16):
        for f in (kl_same_lattice, kl_lifted):
            d = f(K0, h0, np.array([n, n + 1]), N=N)
            assert d[0] >= -1e-13
            assert d[1] >= d[0] - 1e-13


def test_asymptotes():
    K0 = np.array([0.25, 0.5, 1.0, 2.0, 50.0])
    expect = K0 * np.tanh(K0) - np.log(np.cosh(K0))
    for dfn in ("A", "B"):
        np.testing.assert_allclose(kl_asymptote(K0, 0.0, dfn), expect, rtol=1e-12)
    np.testing.assert_allclose(kl_asymptote([0.5, 1.0, 2.0], 0.0), [0.1109, 0.3278, 0.6031], atol=1e-4)
    # with a field: A -> total correlation H2(m0) - s0, B -> ln 2 - s0
    K0, h0 = np.array([0.5, 1.0, 2.0]), np.array([0.1, -0.4, 0.05])
    np.testing.assert_allclose(kl_same_lattice(K0, h0, 200), kl_asymptote(K0, h0, "A"), rtol=1e-10)
    np.testing.assert_allclose(kl_lifted(K0, h0, 200), kl_asymptote(K0, h0, "B"), rtol=1e-10)
    m = chain_magnetization(K0, h0)
    H2 = -sum(p * np.log(p) for p in ((1 + m) / 2, (1 - m) / 2))
    np.testing.assert_allclose(kl_asymptote(K0, h0, "A"), H2 - chain_entropy_per_site(K0, h0), rtol=1e-12)
    assert np.all(kl_asymptote(K0, h0, "B") > kl_asymptote(K0, h0, "A"))


def test_large_coupling_no_overflow():
    d = kl_same_lattice(50.0, 0.0, np.array([0, 1, 10, 200]))
    assert np.all(np.isfinite(d)) and np.all(d >= 0)
    assert d[-1] == pytest.approx(np.log(2), rel=1e-12)
    b = kl_lifted(50.0, 0.0, np.array([1, 2]))
    np.testing.assert_allclose(b, [0.5 * np.log(2), 0.75 * np.log(2)], rtol=1e-12)
    e = enumerated_kl_same_lattice(12, 50.0, 0.0, 150)
    assert e == pytest.approx(kl_same_lattice(50.0, 0.0, 150, N=12), rel=1e-9)


# ---------------------------------------------------------------- bad input
def test_bad_input():
    with pytest.raises(ValueError, match="n"):
        kl_same_lattice(1.0, 0.0, -1)
    with pytest.raises(TypeError, match="n"):
        kl_lifted(1.0, 0.0, 1.5)
    with pytest.raises(ValueError, match="K0"):
        kl_same_lattice(np.nan, 0.0, 1)
    with pytest.raises(ValueError, match="h0"):
        kl_lifted(1.0, np.inf, 1)
    with pytest.raises(ValueError, match="divisible"):
        kl_lifted(1.0, 0.0, 3, N=12)
    with pytest.raises(ValueError, match="N"):
        kl_same_lattice(1.0, 0.0, 1, N=0)
    with pytest.raises(TypeError, match="N"):
        kl_same_lattice(1.0, 0.0, 1, N=4.0)
    with pytest.raises(ValueError, match="definition"):
        kl_asymptote(1.0, 0.0, "C")
    with pytest.raises(ValueError, match="K"):
        decimate_1d(float("nan"))
    with pytest.raises(ValueError, match="N"):
        ring_log_probabilities(21, 1.0)
    with pytest.raises(ValueError, match="divisible"):
        marginal_log_probabilities(np.zeros(2**6), 6, 4)
    with pytest.raises(ValueError, match="states"):
        marginal_log_probabilities(np.zeros(8), 4, 2)
    with pytest.raises(TypeError, match="K"):
        decimate_1d("1.0")


# ---------------------------------------------------------------- the truncated NNN RG
def test_enumeration_order_and_kept_spins():
    """The bit-operation energies and the kept-spin grouping follow rglib.ising's enumeration order."""
    for N, K, h in [(1, 0.4, 0.2), (2, -0.6, 0.3), (6, 0.8, -0.5), (9, 1.1, 0.7)]:
        s = all_spin_configurations(N).astype(np.int64)
        lw = K * (s * np.roll(s, -1, axis=1)).sum(axis=1) + h * s.sum(axis=1)
        np.testing.assert_allclose(ring_log_probabilities(N, K, h), lw - np.logaddexp.reduce(lw), atol=1e-13)
    N, stride = 12, 3
    lp = ring_log_probabilities(N, 0.7, 0.2)
    code = configuration_index(all_spin_configurations(N)[:, ::stride])
    direct = np.array([np.logaddexp.reduce(lp[code == c]) for c in range(2 ** (N // stride))])
    np.testing.assert_allclose(marginal_log_probabilities(lp, N, stride), direct, atol=1e-13)
    s = all_spin_configurations(7).astype(np.int64)
    lw = 0.5 * (s * np.roll(s, -1, 1)).sum(1) - 0.2 * (s * np.roll(s, -2, 1)).sum(1) + 0.1 * s.sum(1)
    np.testing.assert_allclose(nnn_ring_log_probabilities(7, 0.5, -0.2, 0.1), lw - np.logaddexp.reduce(lw), atol=1e-13)


def test_walsh_roundtrip_and_ising_couplings():
    M = 6
    K1, K2, h = 0.7, -0.3, 0.2
    lw = np.array([0.7, -0.3, 0.2]) @ np.stack([
        (all_spin_configurations(M) * np.roll(all_spin_configurations(M), -1, 1)).sum(1),
        (all_spin_configurations(M) * np.roll(all_spin_configurations(M), -2, 1)).sum(1),
        all_spin_configurations(M).sum(1)]).astype(float)
    J = walsh_coefficients(lw)
    # exactly M NN pairs with K1, M NNN pairs with K2, M fields with h, nothing else
    assert np.sum(np.isclose(J, K1)) == M and np.sum(np.isclose(J, K2)) == M and np.sum(np.isclose(J, h)) == M
    assert np.sum(np.abs(J) > 1e-12) == 3 * M
    assert project_nnn_couplings(lw, M) == pytest.approx((K1, K2, h), abs=1e-13)


def test_nn_ring_is_closed_no_truncation_error():
    tf = truncated_nnn_flow(16, 0.9, 0.0, 0.2, n_steps=1)
    Kp, hp, _ = decimate_1d(0.9, 0.2)
    assert tf.K1[1] == pytest.approx(Kp, rel=1e-12)
    assert tf.h[1] == pytest.approx(hp, rel=1e-12)
    assert abs(tf.K2[1]) < 1e-12
    assert tf.kl_truncation[1] < 1e-14


def test_truncation_error_positive_and_chain_rule():
    tf = truncated_nnn_flow(20, 0.8, 0.3, 0.0, n_steps=2)
    assert np.all(tf.kl_truncation[1:] > 1e-7)
    assert np.all(tf.kl_truncation >= tf.kl_projection - 1e-15)
    np.testing.assert_allclose(tf.kl_lifted_truncated, tf.kl_lifted_exact + tf.kl_truncation, rtol=1e-10, atol=1e-15)
    crude = truncated_nnn_flow(20, 0.8, 0.3, 0.0, n_steps=2, keep_nnn=False)
    assert np.all(crude.kl_truncation[1:] > tf.kl_truncation[1:])
    with pytest.raises(ValueError, match="divisible"):
        truncated_nnn_flow(20, 0.8, 0.3, n_steps=3)


def test_moment_matching_is_kl_minimum():
    lp = marginal_log_probabilities(nnn_ring_log_probabilities(16, 0.8, 0.4, 0.1), 16, 2)
    th = np.array(moment_matched_nnn_couplings(lp, 8))
    d0 = kl_divergence(lp, nnn_ring_log_probabilities(8, *th))
    rng = np.random.default_rng(0)
    for _ in range(5):
        assert kl_divergence(lp, nnn_ring_log_probabilities(8, *(th + 0.01 * rng.normal(size=3)))) > d0


# ---------------------------------------------------------------- extremes (issue 19)
def _ir_field_mpmath(K0: float, h0: float) -> float:
    """h* = artanh m with m = sinh h / sqrt(sinh^2 h + e^{-4K}), in enough digits to resolve 1 - |m|."""
    import mpmath

    with mpmath.workdps(60 + int((4 * abs(K0) + 2 * abs(h0)) / 2.3)):
        K, h = mpmath.mpf(K0), mpmath.mpf(h0)
        m = mpmath.sinh(h) / mpmath.sqrt(mpmath.sinh(h) ** 2 + mpmath.exp(-4 * K))
        return float(mpmath.atanh(m))


@pytest.mark.parametrize("K0,h0", [(190.0, 0.1), (1e3, 1e-3), (1e3, 1e3), (0.0, 400.0), (0.5, 1e3),
                                   (-1e3, 1e3), (-5.0, 1e-12), (1e-12, 1e-12), (20.0, -0.01), (300.0, -50.0)])
def test_ir_field_extreme_couplings_match_mpmath(K0, h0):
    """Was inf from K0 ~ 190 or h0 ~ 400 (1 - |m| underflowed); log-space now, finite and accurate."""
    got = ir_field(K0, h0)
    assert np.isfinite(got)
    assert got == pytest.approx(_ir_field_mpmath(K0, h0), rel=1e-12, abs=1e-300)


def test_ir_field_agrees_with_long_flow_at_large_coupling():
    K0, h0 = np.array([190.0, 50.0, 3.0]), np.array([0.1, 400.0, -2.0])
    fl = flow_couplings(K0, h0, 1000)
    np.testing.assert_allclose(fl.h, ir_field(K0, h0), rtol=1e-12)


def test_extreme_decimation_step_is_finite_and_consistent():
    K = np.array([1e-12, 1e-3, 1e3, 1e3, -1e3])
    h = np.array([1e-12, 1e3, 1e-12, 1e3, 0.5])
    Kp, hp, lA = decimate_1d(K, h)
    assert np.all(np.isfinite(Kp)) and np.all(np.isfinite(hp)) and np.all(np.isfinite(lA))
    # K' = (1/4) ln(1 + sinh^2 2K / cosh^2 h): ~ K^2 for tiny K, h; ~ K - |h|/2 for huge K >> |h| ...
    assert Kp[0] == pytest.approx(1e-24, rel=1e-10)
    assert Kp[2] == pytest.approx(1e3 - 0.5 * np.log(2), rel=1e-15)
    # ... and tiny when the field dominates (K = 1e-3, h = 1e3)
    assert 0.0 <= Kp[1] < 1e-300
    assert hp[3] == pytest.approx(1e3 + 0.5 * (4e3 - 0.0) / 2, rel=1e-12)  # h + (1/2) ln cosh(2K+h)/cosh(2K-h)


def test_returns_are_named_tuples():
    st_ = decimate_1d(0.5, 0.1)
    assert st_._fields == ("K", "h", "log_A") and st_.K == st_[0]
    fc = flow_couplings(0.5, 0.1, 2)
    assert fc._fields == ("K", "h") and fc.h == fc[1]
    tn = project_nnn_couplings(nnn_ring_log_probabilities(6, 0.5, 0.1, 0.0), 6)
    assert tn._fields == ("K1", "K2", "h")


def test_moment_matching_bad_tolerances_and_iterations():
    """Was: zeros or unconverged couplings for tol in {NaN, inf, <= 0} or max_iter <= 0; bare TypeError for 2.0."""
    lp = marginal_log_probabilities(nnn_ring_log_probabilities(16, 0.8, 0.4, 0.1), 16, 2)
    for tol in (np.nan, np.inf, 0.0, -1e-3, 2.0):
        with pytest.raises(ValueError, match="tol"):
            moment_matched_nnn_couplings(lp, 8, tol=tol)
    for it in (0, -3):
        with pytest.raises(ValueError, match="max_iter"):
            moment_matched_nnn_couplings(lp, 8, max_iter=it)
    with pytest.raises(TypeError, match="max_iter must be an int"):
        moment_matched_nnn_couplings(lp, 8, max_iter=2.0)
    with pytest.raises(RuntimeError, match="max_iter = 1"):
        moment_matched_nnn_couplings(lp, 8, max_iter=1)
    with pytest.raises(ValueError, match="normalised"):
        moment_matched_nnn_couplings(lp + 1.0, 8)
    assert moment_matched_nnn_couplings(lp, 8, max_iter=50) == moment_matched_nnn_couplings(lp, 8)


def test_scalars_and_argument_names():
    """Was IndexError on a scalar log_p; enumerated_kl_lifted named K/h for its arguments K0/h0."""
    with pytest.raises(ValueError, match="log_p must have 2"):
        marginal_log_probabilities(0.0, 1, 1)
    with pytest.raises(ValueError, match="K0"):
        enumerated_kl_lifted(4, np.nan, 0.0, 1)
    with pytest.raises(ValueError, match="h0"):
        enumerated_kl_lifted(4, 1.0, np.inf, 1)
    with pytest.raises(ValueError, match="h0"):
        enumerated_kl_same_lattice(4, 1.0, np.nan, 1)


def test_storage_bounds_are_checked_before_the_work():
    with pytest.raises(ValueError, match="MAX_STORED_VALUES"):
        decimation_flow(np.zeros(20_000), 0.0, 1000)
    with pytest.raises(ValueError, match="MAX_STORED_VALUES"):
        ring_log_probabilities(20, np.zeros(64))


# ---------------------------------------------------------------- properties (hypothesis)
@settings(max_examples=60)
@given(st.floats(0.0, 1e3), st.floats(-1e3, 1e3), st.integers(1, 60))
def test_flow_is_monotone_for_ferromagnets(K0, h0, n):
    """K_n is non-increasing for K0 >= 0 (at any field) and |h_n| non-decreasing towards |h*|."""
    fl = decimation_flow(K0, h0, n)
    assert np.all(np.isfinite(fl.K)) and np.all(np.isfinite(fl.h))
    assert np.all(np.diff(fl.K) <= 1e-12 * max(1.0, K0))
    assert np.all(fl.K >= 0)
    assert np.all(np.diff(np.abs(fl.h)) >= -1e-12 * max(1.0, abs(h0)))
    assert np.all(np.abs(fl.h) <= abs(ir_field(K0, h0)) * (1 + 1e-12) + 1e-300)


@settings(max_examples=60)
@given(st.floats(-5.0, 50.0), st.floats(-3.0, 3.0), st.integers(0, 40))
def test_both_relative_entropies_are_nonnegative(K0, h0, n):
    assert kl_same_lattice(K0, h0, n) >= 0.0
    assert kl_lifted(K0, h0, n) >= 0.0
    assert kl_same_lattice(K0, h0, 0) == 0.0 and kl_lifted(K0, h0, 0) == 0.0


def test_strong_antiferromagnets_match_enumeration():
    """The closed forms hold for any K0 (no K0_MIN since issue 19): at K0 = -200 and -1e3 they agree with the
    enumerated ring, which has no overflow to fear (values of order 2|K0| for the same-lattice divergence)."""
    for K0 in (-150.0, -200.0, -1e3):
        assert kl_asymptote(K0) == pytest.approx(np.log(2), rel=1e-14)  # K tanh K - ln cosh K at h = 0
        assert kl_same_lattice(K0, 0.3, 2, N=8) == pytest.approx(enumerated_kl_same_lattice(8, K0, 0.3, 2),
                                                                 rel=1e-9)
        assert kl_lifted(K0, 0.3, 2, N=8) == pytest.approx(enumerated_kl_lifted(8, K0, 0.3, 2), rel=1e-9)
        for f in (kl_same_lattice, kl_lifted):
            assert np.isfinite(f(K0, 0.3, 2)) and f(K0, 0.3, 2) > 0.1
    assert enumerated_kl_same_lattice(8, -1e3, 1.0, 2) > 1e3
