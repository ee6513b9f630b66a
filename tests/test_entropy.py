"""Tests for rglib.entropy: discrete KL, entropy, mutual information and Gaussian closed forms."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp

from rglib.entropy import (
    gaussian_entropy,
    gaussian_kl,
    kl_divergence,
    log_normalize,
    mutual_information,
    shannon_entropy,
)


def _naive_kl(p, q):
    m = p > 0
    return float(np.sum(p[m] * np.log(p[m] / q[m])))


# ---------------------------------------------------------------- log_normalize
def test_log_normalize_matches_direct():
    w = np.array([1.0, 2.0, 3.0, 0.0])
    lp = log_normalize(np.log(np.where(w > 0, w, 1.0)) + np.where(w > 0, 0, -np.inf))
    np.testing.assert_allclose(np.exp(lp), w / w.sum(), rtol=1e-14)
    assert np.isneginf(lp[-1])


def test_log_normalize_huge_weights_no_overflow():
    lw = np.array([1000.0, 999.0, -1000.0])
    lp = log_normalize(lw)
    assert np.all(np.isfinite(lp))
    assert abs(logsumexp(lp)) < 1e-12  # rounding of ln Z ~ 1000 is ~1e-13


def test_log_normalize_errors():
    with pytest.raises(ValueError, match="zero total weight"):
        log_normalize(np.full(3, -np.inf))
    with pytest.raises(ValueError, match="NaN"):
        log_normalize([0.0, np.nan])


# ---------------------------------------------------------------- kl_divergence
def test_kl_known_value():
    d = kl_divergence(np.log([0.5, 0.5]), np.log([0.9, 0.1]))
    expected = 0.5 * np.log(0.5 / 0.9) + 0.5 * np.log(0.5 / 0.1)
    assert d == pytest.approx(expected, rel=1e-14)
    assert isinstance(d, float)


def test_kl_self_is_zero_exactly():
    lp = log_normalize(np.random.default_rng(0).normal(size=(5, 64)) * 3)
    np.testing.assert_array_equal(kl_divergence(lp, lp), 0.0)


def test_kl_zero_probability_states_of_p():
    p = np.array([0.0, 0.25, 0.75])
    q = np.array([0.2, 0.3, 0.5])
    with np.errstate(divide="ignore"):
        d = kl_divergence(np.log(p), np.log(q))
    assert d == pytest.approx(_naive_kl(p, q), rel=1e-13)


def test_kl_common_zeros_allowed():
    with np.errstate(divide="ignore"):
        d = kl_divergence(np.log([0.0, 1.0]), np.log([0.0, 1.0]))
    assert d == 0.0


def test_kl_mismatched_support_raises():
    with np.errstate(divide="ignore"):
        with pytest.raises(ValueError, match="mismatched supports"):
            kl_divergence(np.log([0.5, 0.5]), np.log([1.0, 0.0]))


def test_kl_not_normalized_raises():
    with pytest.raises(ValueError, match="not normalised"):
        kl_divergence(np.log([0.5, 0.6]), np.log([0.5, 0.5]))
    with pytest.raises(ValueError, match="not normalised"):
        kl_divergence(np.log([0.5, 0.5]), np.log([0.1, 0.5]))


def test_kl_shape_errors():
    with pytest.raises(ValueError, match="number of states"):
        kl_divergence(np.log([0.5, 0.5]), np.log([0.2, 0.3, 0.5]))
    a = log_normalize(np.zeros((3, 4)))
    b = log_normalize(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="do not broadcast"):
        kl_divergence(a, b)
    with pytest.raises(ValueError, match="axis must satisfy"):
        kl_divergence(a, a, axis=2)


def test_kl_bad_values_and_types():
    with pytest.raises(ValueError, match="NaN"):
        kl_divergence([np.nan, 0.0], [0.0, 0.0])
    with pytest.raises(ValueError, match=r"\+inf"):
        kl_divergence([np.inf, 0.0], np.log([0.5, 0.5]))
    with pytest.raises(TypeError, match="log_p"):
        kl_divergence(["a", "b"], np.log([0.5, 0.5]))
    with pytest.raises(ValueError, match="norm_tol"):
        kl_divergence(np.log([0.5, 0.5]), np.log([0.5, 0.5]), norm_tol=-1.0)


def test_kl_batched_and_broadcast_axis():
    rng = np.random.default_rng(1)
    lp = log_normalize(rng.normal(size=(4, 7)))
    lq = log_normalize(rng.normal(size=(7,)))
    d = kl_divergence(lp, lq)
    assert d.shape == (4,)
    for i in range(4):
        assert d[i] == pytest.approx(_naive_kl(np.exp(lp[i]), np.exp(lq)), rel=1e-12)
    # states along axis 0
    d0 = kl_divergence(lp.T, lq[:, None], axis=0)
    np.testing.assert_allclose(d0, d, rtol=1e-14)


def test_kl_extreme_couplings_no_overflow():
    # Two-spin Boltzmann weights at K = 50 and K = 49: log-weights of order 100.
    s = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]])
    e = s[:, 0] * s[:, 1]
    lp = log_normalize(50.0 * e)
    lq = log_normalize(49.0 * e)
    d = kl_divergence(lp, lq)
    # exact: p(aligned)=1/(1+e^{-100}); D = (50-49)<ss>_p - ln Z_p + ln Z_q per pair
    ss = np.tanh(50.0)
    exact = (50 - 49) * ss - (np.logaddexp(50, -50) - np.logaddexp(49, -49))
    assert np.isfinite(d) and d >= 0
    assert d == pytest.approx(exact, abs=1e-15)


def test_kl_accurate_for_close_distributions():
    # D(p||q) ~ eps^2/2 * Var; the term-wise form keeps relative accuracy where the naive sum cannot.
    p = np.array([0.3, 0.7])
    eps = 1e-7
    q = np.array([0.3 + eps, 0.7 - eps])
    d = kl_divergence(np.log(p), np.log(q))
    exact = 0.5 * eps**2 * (1 / 0.3 + 1 / 0.7)  # chi^2/2 to leading order
    assert d == pytest.approx(exact, rel=1e-5)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-30, 30), min_size=2, max_size=12),
    st.lists(st.floats(-30, 30), min_size=2, max_size=12),
)
def test_kl_nonnegative_and_matches_naive(a, b):
    n = min(len(a), len(b))
    lp = log_normalize(np.array(a[:n]))
    lq = log_normalize(np.array(b[:n]))
    d = kl_divergence(lp, lq)
    assert d >= 0.0
    naive = float(np.sum(np.exp(lp) * (lp - lq)))
    assert d == pytest.approx(naive, rel=1e-9, abs=1e-12)


# ---------------------------------------------------------------- shannon_entropy
def test_entropy_uniform_and_delta():
    n = 16
    assert shannon_entropy(np.full(n, -np.log(n))) == pytest.approx(np.log(n), rel=1e-14)
    with np.errstate(divide="ignore"):
        assert shannon_entropy(np.log([0.0, 1.0, 0.0])) == 0.0


def test_entropy_batched_and_kl_to_uniform():
    lp = log_normalize(np.random.default_rng(2).normal(size=(3, 8)) * 2)
    h = shannon_entropy(lp)
    d_unif = kl_divergence(lp, np.full(8, -np.log(8)))
    np.testing.assert_allclose(h + d_unif, np.log(8), rtol=1e-13)


def test_entropy_errors():
    with pytest.raises(ValueError, match="not normalised"):
        shannon_entropy(np.log([0.3, 0.3]))
    with pytest.raises(ValueError, match="scalar"):
        shannon_entropy(0.0)


# ---------------------------------------------------------------- mutual_information
def test_mi_independent_is_zero_and_copy_is_entropy():
    px = np.array([0.2, 0.8])
    py = np.array([0.5, 0.3, 0.2])
    assert mutual_information(np.log(np.outer(px, py))) == pytest.approx(0.0, abs=1e-15)
    with np.errstate(divide="ignore"):
        lj = np.log(np.diag(px))
    assert mutual_information(lj) == pytest.approx(-np.sum(px * np.log(px)), rel=1e-13)


def test_mi_binary_symmetric_channel():
    e = 0.1
    joint = 0.5 * np.array([[1 - e, e], [e, 1 - e]])
    h2 = -e * np.log(e) - (1 - e) * np.log(1 - e)
    assert mutual_information(np.log(joint)) == pytest.approx(np.log(2) - h2, rel=1e-13)


def test_mi_errors():
    with pytest.raises(ValueError, match="2-D"):
        mutual_information(np.log([0.5, 0.5]))
    with pytest.raises(ValueError, match="not normalised"):
        mutual_information(np.log(np.full((2, 2), 0.3)))


# ---------------------------------------------------------------- Gaussian closed forms
def test_gaussian_kl_1d_formula():
    m0, s0, m1, s1 = 0.3, 1.5, -0.2, 0.7
    exact = np.log(s1 / s0) + (s0**2 + (m0 - m1) ** 2) / (2 * s1**2) - 0.5
    d = gaussian_kl([m0], [[s0**2]], [m1], [[s1**2]])
    assert d == pytest.approx(exact, rel=1e-13)


def test_gaussian_kl_matches_dense_formula_batched():
    rng = np.random.default_rng(3)
    k, b = 4, 5
    A = rng.normal(size=(b, k, k))
    B = rng.normal(size=(b, k, k))
    c0 = A @ np.swapaxes(A, -1, -2) + 0.5 * np.eye(k)
    c1 = B @ np.swapaxes(B, -1, -2) + 0.5 * np.eye(k)
    m0, m1 = rng.normal(size=(b, k)), rng.normal(size=(b, k))
    d = gaussian_kl(m0, c0, m1, c1)
    assert d.shape == (b,)
    for i in range(b):
        inv1 = np.linalg.inv(c1[i])
        dm = m1[i] - m0[i]
        ref = 0.5 * (np.trace(inv1 @ c0[i]) + dm @ inv1 @ dm - k
                     + np.linalg.slogdet(c1[i])[1] - np.linalg.slogdet(c0[i])[1])
        assert d[i] == pytest.approx(ref, rel=1e-10)
    assert np.all(d > 0)
    np.testing.assert_allclose(gaussian_kl(m0, c0, m0, c0), 0.0, atol=1e-12)


def test_gaussian_kl_agrees_with_discretised_kl():
    # A fine grid turns the Gaussian KL into a discrete one: checks the two code paths against each other.
    x = np.linspace(-12, 12, 20001)
    lp = log_normalize(-0.5 * (x - 0.4) ** 2 / 1.3)
    lq = log_normalize(-0.5 * (x + 0.1) ** 2 / 2.1)
    assert kl_divergence(lp, lq) == pytest.approx(gaussian_kl([0.4], [[1.3]], [-0.1], [[2.1]]), rel=1e-8)


def test_gaussian_kl_errors():
    eye = np.eye(2)
    with pytest.raises(ValueError, match="positive definite"):
        gaussian_kl([0, 0], eye, [0, 0], np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match="symmetric"):
        gaussian_kl([0, 0], np.array([[1.0, 0.5], [0.0, 1.0]]), [0, 0], eye)
    with pytest.raises(ValueError, match="dimension"):
        gaussian_kl([0, 0, 0], eye, [0, 0], eye)
    with pytest.raises(ValueError, match="finite"):
        gaussian_kl([0, np.nan], eye, [0, 0], eye)
    with pytest.raises(ValueError, match=r"\(\.\.\., k, k\)"):
        gaussian_kl([0, 0], np.ones(2), [0, 0], eye)


def test_gaussian_entropy():
    c = np.array([[2.0, 0.3], [0.3, 1.0]])
    exact = 0.5 * np.log(np.linalg.det(2 * np.pi * np.e * c))
    assert gaussian_entropy(c) == pytest.approx(exact, rel=1e-13)
    with pytest.raises(ValueError, match="positive definite"):
        gaussian_entropy(-np.eye(2))
