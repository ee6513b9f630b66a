"""Tests for rglib.gaussian_dbm: closed forms against brute-force quadrature, enumeration and Gibbs sampling."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate
from scipy.special import logsumexp

from rglib.rg import gaussian_dbm as gd
from rglib.rg import gaussian_dbm_numerics as gdn
from rglib.ising import all_spin_configurations
from rglib.stats import mean_error


def _model(n, m, p, seed=0, norm_B=0.8, scale_A=0.5):
    rng = np.random.default_rng(seed)
    a = rng.normal(0, 0.3, n)
    A = rng.normal(0, scale_A, (n, m))
    B = rng.normal(0, 1.0, (m, p))
    B *= norm_B / np.linalg.norm(B, 2)
    return a, A, B


# ------------------------------------------------------------------ parameter checks
def test_check_accepts_and_converts():
    a, A, B = _model(3, 2, 2)
    a2, A2, B2, beta = gd.check_dbm_parameters(list(a), A, B, 2)
    assert a2.dtype == np.float64 and beta == 2.0


@pytest.mark.parametrize(
    "args, match",
    [
        ((np.zeros(3), np.zeros((4, 2)), np.zeros((2, 2))), "A must have shape"),
        ((np.zeros(3), np.zeros((3, 2)), np.zeros((3, 2))), "B must have shape"),
        ((np.zeros((3, 1)), np.zeros((3, 2)), np.zeros((2, 2))), "a must be 1-dimensional"),
        ((np.zeros(3), np.zeros((3, 2)), np.eye(2)), "spectral norm"),
        ((np.zeros(3), np.zeros((3, 2)), 1.5 * np.eye(2)), "spectral norm"),
        ((np.array([np.nan, 0, 0]), np.zeros((3, 2)), np.zeros((2, 2))), "finite"),
        ((np.zeros(3), np.zeros((3, 0)), np.zeros((0, 2))), "positive sizes"),
    ],
)
def test_bad_parameters(args, match):
    with pytest.raises(ValueError, match=match):
        gd.check_dbm_parameters(*args)


def test_bad_beta_and_types():
    a, A, B = _model(3, 2, 2)
    for beta in (0.0, -1.0, np.inf):
        with pytest.raises(ValueError, match="beta"):
            gd.check_dbm_parameters(a, A, B, beta)
    with pytest.raises(TypeError, match="beta"):
        gd.check_dbm_parameters(a, A, B, "1")
    with pytest.raises(TypeError, match="a must be"):
        gd.check_dbm_parameters(np.array(["x", "y", "z"]), A, B)


def test_spectral_norm_condition_equals_joint_positive_definiteness():
    """||B||_2 < 1  <=>  the (y, z) quadratic form [[1, -B], [-B^T, 1]] is positive definite (Schur)."""
    rng = np.random.default_rng(3)
    for _ in range(50):
        m, p = rng.integers(1, 5, size=2)
        B = rng.normal(size=(m, p))
        B *= rng.uniform(0.3, 1.7) / np.linalg.norm(B, 2)
        Q = np.block([[np.eye(m), -B], [-B.T, np.eye(p)]])
        pd = np.linalg.eigvalsh(Q).min() > 0
        assert pd == (np.linalg.norm(B, 2) < 1)


# ------------------------------------------------------------------ closed forms
def test_gaussian_log_integral_against_quadrature_2d():
    M = np.array([[1.3, 0.4], [0.4, 0.9]])
    J = np.array([0.3, -0.7])
    val, _ = integrate.dblquad(lambda v, u: np.exp(-0.5 * np.array([u, v]) @ M @ np.array([u, v]) + J @ [u, v]),
                               -12, 12, -12, 12, epsabs=1e-12)
    assert gd.gaussian_log_integral(M, J) == pytest.approx(np.log(val), abs=1e-8)
    out = gd.gaussian_log_integral(M, np.stack([J, 2 * J]))
    assert out.shape == (2,)
    with pytest.raises(ValueError, match="positive definite"):
        gd.gaussian_log_integral(np.array([[1.0, 2.0], [2.0, 1.0]]), J)
    with pytest.raises(ValueError, match="J must have shape"):
        gd.gaussian_log_integral(M, np.zeros(3))


def test_gaussian_log_mgf_against_quadrature():
    cov = np.array([[0.7, 0.2], [0.2, 0.5]])
    mu = np.array([0.1, -0.3])
    t = np.array([0.8, -0.4])
    P = np.linalg.inv(cov)
    f = lambda v, u: np.exp(-0.5 * (np.array([u, v]) - mu) @ P @ (np.array([u, v]) - mu) + t @ [u, v])
    val, _ = integrate.dblquad(f, -12, 12, -12, 12, epsabs=1e-13)
    norm = 2 * np.pi * np.sqrt(np.linalg.det(cov))
    assert gd.gaussian_log_mgf(t, cov, mu) == pytest.approx(np.log(val / norm), abs=1e-8)
    with pytest.raises(ValueError, match="semi-definite"):
        gd.gaussian_log_mgf(t, -np.eye(2))
    with pytest.raises(ValueError, match="t must be finite"):
        gd.gaussian_log_mgf(np.array([np.nan, 0.0]), cov)
    with pytest.raises(ValueError, match="t must have shape"):
        gd.gaussian_log_mgf(np.zeros(3), cov)


def test_renormalized_couplings_closed_form():
    a, A, B = _model(4, 3, 2)
    Bp, Ap = gd.renormalized_couplings(A, B)
    np.testing.assert_allclose(Bp, B @ B.T, atol=1e-15)
    np.testing.assert_allclose(Ap, A @ np.linalg.inv(np.eye(3) - B @ B.T) @ A.T, atol=1e-13)
    np.testing.assert_allclose(Ap, Ap.T, atol=0)
    # B = 0: A' = A A^T; the Neumann series A (1 + B' + B'^2 + ...) A^T
    np.testing.assert_allclose(gd.renormalized_couplings(A, np.zeros((3, 2)))[1], A @ A.T, atol=1e-14)
    neumann = sum(A @ np.linalg.matrix_power(Bp, k) @ A.T for k in range(200))
    np.testing.assert_allclose(Ap, neumann, atol=1e-10)


def test_marginalization_constants_closed_form():
    B = np.array([[0.3, 0.1, 0.0], [0.2, -0.4, 0.1]])
    beta = 0.7
    f, g = gd.marginalization_constants(B, beta)
    assert f == pytest.approx(3 / (2 * beta) * np.log(beta / (2 * np.pi)), rel=1e-14)
    assert g == pytest.approx(np.log(beta**5 * np.linalg.det(np.eye(2) - B @ B.T) / (2 * np.pi) ** 5) / (2 * beta),
                              rel=1e-13)


@pytest.mark.parametrize("m, p, beta", [(1, 1, 1.0), (2, 1, 0.7), (1, 2, 1.6)])
def test_energy_x_equals_brute_force_quadrature(m, p, beta):
    a, A, B = _model(3, m, p, seed=m + 10 * p)
    x = all_spin_configurations(3)
    q = gdn.quadrature_energy_x(x, a, A, B, beta, n_grid=61 if m + p == 3 else 121, half_width=22.0)
    np.testing.assert_allclose(q, gd.energy_x(x, a, A, B, beta), atol=1e-9)
    # the partition function of the whole machine
    assert gd.log_partition(a, A, B, beta) == pytest.approx(logsumexp(-beta * q), abs=1e-9)


def test_energy_xy_equals_brute_force_quadrature():
    a, A, B = _model(3, 2, 2, seed=5)
    beta = 1.4
    rng = np.random.default_rng(0)
    x = all_spin_configurations(3)
    y = rng.normal(size=(8, 2))
    np.testing.assert_allclose(gdn.quadrature_energy_xy(x, y, a, A, B, beta),
                               gd.energy_xy(x, y, a, A, B, beta), atol=1e-10)
    # one y broadcast against many x
    np.testing.assert_allclose(gdn.quadrature_energy_xy(x, y[0], a, A, B, beta),
                               gd.energy_xy(x, y[0], a, A, B, beta), atol=1e-10)


def test_energy_chain_is_consistent():
    """exp(-beta H(x,y)) integrated over y (Gaussian formula) equals exp(-beta H(x))."""
    a, A, B = _model(5, 3, 2, seed=2)
    beta = 0.9
    x = all_spin_configurations(5)
    Q = beta * (np.eye(3) - B @ B.T)
    f, g = gd.marginalization_constants(B, beta)
    lhs = -beta * (f - x @ a) + gd.gaussian_log_integral(Q, beta * x @ A)
    np.testing.assert_allclose(lhs, -beta * gd.energy_x(x, a, A, B, beta), atol=1e-12)


def test_energy_xyz_value_and_shapes():
    a, A, B = _model(2, 2, 1, seed=1)
    x, y, z = np.array([1, -1]), np.array([0.2, -0.5]), np.array([0.7])
    expected = -a @ x + 0.5 * (y @ y + z @ z) - x @ A @ y - y @ B @ z
    assert gd.energy_xyz(x, y, z, a, A, B) == pytest.approx(expected, abs=1e-14)
    with pytest.raises(ValueError, match="only \\+1 and -1"):
        gd.energy_xyz(np.array([1, 0]), y, z, a, A, B)
    with pytest.raises(ValueError, match="y must have shape"):
        gd.energy_xyz(x, np.zeros(3), z, a, A, B)


def test_visible_probabilities_and_moments():
    a, A, B = _model(6, 3, 2, seed=4)
    x, lp = gd.visible_log_probabilities(a, A, B, 1.2)
    assert x.shape == (64, 6) and logsumexp(lp) == pytest.approx(0.0, abs=1e-13)
    mean, corr = gd.exact_visible_moments(a, A, B, 1.2)
    p = np.exp(lp)
    np.testing.assert_allclose(corr, np.einsum("s,si,sj->ij", p, x, x), atol=1e-13)
    np.testing.assert_allclose(np.diag(corr), 1.0, atol=1e-13)
    assert np.all(np.abs(mean) <= 1)
    with pytest.raises(ValueError, match="n = len"):
        gd.log_partition(np.zeros(21), np.zeros((21, 1)), np.zeros((1, 1)))


def test_single_visible_unit_closed_form():
    """n = 1: <x> = tanh(beta a) because x^T A' x = A'_11 is a constant."""
    a, A, B = np.array([0.37]), np.array([[0.8, -0.3]]), np.array([[0.2], [0.5]])
    mean, _ = gd.exact_visible_moments(a, A, B, 1.3)
    assert mean[0] == pytest.approx(np.tanh(1.3 * 0.37), rel=1e-13)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.floats(0.2, 3.0), st.floats(0.0, 0.95))
def test_partition_function_independent_of_order(n, m, p, beta, norm_B):
    """Integrating y before z gives the same H(x): needs 1 - B^T B > 0, same spectrum as 1 - B B^T."""
    a, A, B = _model(n, m, p, seed=n * 100 + m * 10 + p, norm_B=norm_B)
    x = all_spin_configurations(n)
    # integrate y first: int d^m y exp(-beta/2 y^T y + beta y.(A^T x + B z)) -> exp(beta/2 |A^T x + B z|^2)
    # leaving the z-form beta/2 z^T (1 - B^T B) z - beta z.(B^T A^T x): a second Gaussian integral
    M_z = beta * (np.eye(p) - B.T @ B)
    J_z = beta * (x @ A @ B)
    logint = (m / 2) * np.log(2 * np.pi / beta) + beta * x @ a + 0.5 * beta * np.sum((x @ A) ** 2, axis=1) \
        + gd.gaussian_log_integral(M_z, J_z)
    np.testing.assert_allclose(-logint / beta, gd.energy_x(x, a, A, B, beta), atol=1e-10)


# ------------------------------------------------------------------ quadrature and Gibbs arguments
def test_quadrature_rejects_huge_grids():
    a, A, B = _model(2, 3, 3)
    with pytest.raises(ValueError, match="grid points"):
        gdn.quadrature_energy_x(np.array([1, 1]), a, A, B, n_grid=101)
    with pytest.raises(ValueError, match="n_grid"):
        gdn.quadrature_energy_xy(np.array([1, 1]), np.zeros(3), a, A, B, n_grid=2)


@pytest.mark.parametrize("level, beta", [("xyz", 1.0), ("xy", 1.0), ("xyz", 0.6), ("xy", 1.7)])
def test_gibbs_matches_exact_correlations(level, beta):
    """Both samplers against exact enumeration, also at beta != 1 (conditionals carry beta in mean and width)."""
    a, A, B = _model(5, 3, 2, seed=7, scale_A=0.35, norm_B=0.7)
    _, corr = gd.exact_visible_moments(a, A, B, beta)
    mean_x, _ = gd.exact_visible_moments(a, A, B, beta)
    tr = gdn.gibbs_sample_dbm(a, A, B, beta, level=level, n_chains=64, n_sweeps=1500, n_burn=100, seed=11)
    assert tr.xx_mean.shape == (1500, 5, 5) and tr.x_mean.shape == (1500, 5)
    mean, err, tau = mean_error(tr.xx_mean, axis=0)
    iu = np.triu_indices(5, 1)
    z = (mean - corr)[iu] / err[iu]
    assert np.all(np.abs(z) < 4.5), z
    m1, e1, _ = mean_error(tr.x_mean, axis=0)
    assert np.all(np.abs(m1 - mean_x) < 4.5 * e1)


def test_gibbs_is_reproducible_and_validates():
    a, A, B = _model(3, 2, 1)
    t1 = gdn.gibbs_sample_dbm(a, A, B, n_chains=4, n_sweeps=20, seed=5)
    t2 = gdn.gibbs_sample_dbm(a, A, B, n_chains=4, n_sweeps=20, seed=np.random.default_rng(5))
    np.testing.assert_array_equal(t1.xx_mean, t2.xx_mean)
    with pytest.raises(ValueError, match="level"):
        gdn.gibbs_sample_dbm(a, A, B, level="x")
    with pytest.raises(ValueError, match="n_chains"):
        gdn.gibbs_sample_dbm(a, A, B, n_chains=0)
    with pytest.raises(TypeError, match="seed"):
        gdn.gibbs_sample_dbm(a, A, B, seed=-1)
    with pytest.raises(ValueError, match="spectral norm"):
        gdn.gibbs_sample_dbm(a, A, np.array([[1.0], [0.0]]))


# ------------------------------------------------------------------ issue 19: results, determinism, cost bounds
def test_results_are_named_tuples_that_unpack():
    a, A, B = _model(3, 2, 2)
    par = gd.check_dbm_parameters(a, A, B, 0.5)
    assert par._fields == ("a", "A", "B", "beta") and par.beta == 0.5
    Bp, Ap = gd.renormalized_couplings(A, B)
    rc = gd.renormalized_couplings(A, B)
    assert rc.B_prime is rc[0] and rc.A_prime is rc[1]
    mc = gd.marginalization_constants(B)
    assert mc._fields == ("f", "g")
    vd = gd.visible_log_probabilities(a, A, B)
    assert vd.x.shape == (8, 3) and vd.log_p.shape == (8,)
    vm = gd.exact_visible_moments(a, A, B)
    assert vm._fields == ("mean", "correlation")


@pytest.mark.parametrize("level", ["xyz", "xy"])
def test_gibbs_same_seed_bit_identical(level):
    a, A, B = _model(4, 3, 2, seed=2)
    runs = [gdn.gibbs_sample_dbm(a, A, B, 0.8, level=level, n_chains=8, n_sweeps=30, n_burn=5, seed=s)
            for s in (123, 123, np.random.default_rng(123), 124)]
    for r in runs[1:3]:
        assert np.array_equal(r.x_mean, runs[0].x_mean) and np.array_equal(r.xx_mean, runs[0].xx_mean)
    assert not np.array_equal(runs[3].xx_mean, runs[0].xx_mean)


def test_gibbs_cost_is_bounded_before_sampling():
    a, A, B = _model(3, 2, 1)
    with pytest.raises(ValueError, match="MAX_GIBBS_UPDATES"):
        gdn.gibbs_sample_dbm(a, A, B, n_chains=10**6, n_sweeps=10**6)
    with pytest.raises(ValueError, match="n_sweeps"):
        gdn.gibbs_sample_dbm(np.zeros(20), np.zeros((20, 1)), np.zeros((1, 1)), n_chains=1, n_sweeps=10**6)


def test_hidden_variables_are_checked_with_names():
    a, A, B = _model(2, 2, 1)
    with pytest.raises(TypeError, match="y must be"):
        gd.energy_xy(np.ones(2), ["a", "b"], a, A, B)
    with pytest.raises(ValueError, match="z must be finite"):
        gd.energy_xyz(np.ones(2), np.zeros(2), [np.nan], a, A, B)
    with pytest.raises(TypeError, match="half_width"):
        gdn.quadrature_energy_xy(np.ones(2), np.zeros(2), a, A, B, half_width="wide")
