"""Tests of rglib.meanfield against reference tables, independent adaptive quadrature and closed forms."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize

from rglib.nets import criticality as crit
from rglib.nets import meanfield as mf
from rglib.nets import quadrature as quad

# Reference points for tanh, sigma_b2 = 0.05 (shared/reference/exact-results-and-performance.md section 5 and
# papers-trainability.md section 2.3; Gauss-Hermite with 101-121 nodes, accurate here since q* <= 2.2).
# columns: sigma_w2, q*, chi_1, c*, chi_c, xi_c, xi_q; xi values are quoted to the digits given in the table.
TABLE_005 = [
    (1.0, 0.19359, 0.75903, 1.0, 0.75903, 3.627, 1.748),
    (1.5, 0.41804, 0.93864, 1.0, 0.93864, 15.79, 1.683),
    (2.0, 0.72176, 1.04767, 0.74408, 0.96111, 25.21, 1.388),
    (2.5, 1.06396, 1.13352, 0.44680, 0.91872, 11.80, 1.180),
    (4.0, 2.19549, 1.34241, 0.16507, 0.86653, 6.98, 0.873),
]
# papers-trainability.md table (3 significant digits); checks the xi_c column at more sigma_w2 values
TABLE_XI = [(0.5, 1.19), (1.25, 6.80), (1.6, 27.0), (1.7, 74.9), (1.8, 126.0), (3.0, 9.05)]
# critical line; the sigma_b2 >= 1 entries of the reference table are Gauss-Hermite(101) artefacts (see below)
CRIT = [(0.0, 1.0, 0.0), (0.001, 1.18919, 0.10729), (0.01, 1.42421, 0.27330), (0.05, 1.76095, 0.57005),
        (0.1, 1.98607, 0.80580), (0.3, 2.50513, 1.46117), (0.5, 2.84316, 1.97103)]


def _digits_tol(x: float) -> float:
    """Half a unit in the last quoted digit of a table value (plus 1e-4)."""
    s = f"{x}"
    dec = len(s.split(".")[1]) if "." in s else 0
    return 0.5 * 10.0 ** (-dec) + 1e-4


# ----------------------------------------------------------------------------- independent reference (scipy)
def _e1(f, q):
    """E f(u), u ~ N(0, q), by adaptive quadrature (independent of the module's rule)."""
    s = math.sqrt(q)
    return integrate.quad(lambda u: f(u) * math.exp(-u * u / (2 * q)) / math.sqrt(2 * math.pi * q),
                          -40 * s, 40 * s, points=[0.0], limit=400, epsabs=1e-15, epsrel=1e-13)[0]


def _sech2(u):
    return 1.0 / math.cosh(u) ** 2 if abs(u) < 300 else 0.0


def _q_star_ref(sw2, sb2):
    return optimize.brentq(lambda q: sw2 * _e1(lambda u: math.tanh(u) ** 2, q) + sb2 - q, sb2 + 1e-12,
                           sw2 + sb2, xtol=1e-15, rtol=1e-15)


def _e2(f, q, c):
    """E f(u1) f(u2) for equal variances q and correlation c (nested adaptive quadrature; breakpoints where
    u1 = 0 or u2 = 0, so kinked activations such as relu are integrated accurately)."""
    sc = math.sqrt(1 - c * c)
    def inner(z1):
        kink = -c * z1 / sc
        pts = [kink] if abs(kink) < 12 else None
        return integrate.quad(lambda z2: f(math.sqrt(q) * (c * z1 + sc * z2)) * math.exp(-z2 * z2 / 2),
                              -12, 12, points=pts, epsabs=1e-14, epsrel=1e-12, limit=200)[0] / math.sqrt(2 * math.pi)
    return integrate.quad(lambda z1: f(math.sqrt(q) * z1) * inner(z1) * math.exp(-z1 * z1 / 2), -12, 12,
                          points=[0.0], epsabs=1e-13, epsrel=1e-11, limit=200)[0] / math.sqrt(2 * math.pi)


# ----------------------------------------------------------------------------- tables
@pytest.mark.parametrize("sw2,q,x1,c,xc,xi_c,xi_q", TABLE_005)
def test_reference_table_sigma_b_005(sw2, q, x1, c, xc, xi_c, xi_q):
    s = crit.phase_summary(sw2, 0.05)
    assert abs(s.q_star - q) < 1e-4
    assert abs(s.chi1 - x1) < 1e-4
    assert abs(s.c_star - c) < 1e-4
    assert abs(s.chi_c - xc) < 1e-4
    assert abs(s.xi_c - xi_c) < _digits_tol(xi_c)
    assert abs(s.xi_q - xi_q) < _digits_tol(xi_q)
    assert s.chaotic == (x1 > 1)
    # the single-quantity functions agree with the summary
    assert crit.fixed_point_q(sw2, 0.05) == pytest.approx(s.q_star, abs=1e-13)
    assert crit.chi1(sw2, 0.05) == pytest.approx(s.chi1, abs=1e-13)
    assert crit.fixed_point_c(sw2, 0.05) == pytest.approx(s.c_star, abs=1e-12)
    assert crit.chi_c(sw2, 0.05) == pytest.approx(s.chi_c, abs=1e-12)
    assert crit.correlation_depth(sw2, 0.05) == pytest.approx(s.xi_c, rel=1e-10)
    assert crit.length_depth(sw2, 0.05) == pytest.approx(s.xi_q, rel=1e-10)


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
@pytest.mark.parametrize("sw2", [1.0, 1.5, 2.5])
def test_xi_c_to_1e4_against_adaptive_quadrature(sw2):
    """xi_c at sigma_b2 = 0.05 to 1e-4 against an independent computation (scipy quad + brentq), beyond the
    3-4 digits of the reference table."""
    q = _q_star_ref(sw2, 0.05)
    chi1_ref = sw2 * _e1(lambda u: _sech2(u) ** 2, q)
    if chi1_ref < 1:
        chi_c_ref = chi1_ref
    else:
        c_star = optimize.brentq(lambda c: (sw2 * _e2(math.tanh, q, c) + 0.05) / q - c, 0.0, 0.99, xtol=1e-12)
        chi_c_ref = sw2 * _e2(_sech2, q, c_star)
    xi_ref = -1 / math.log(chi_c_ref)
    assert abs(crit.correlation_depth(sw2, 0.05) - xi_ref) < 1e-4


@pytest.mark.parametrize("sw2,xi", TABLE_XI)
def test_xi_c_table_three_digits(sw2, xi):
    assert crit.correlation_depth(sw2, 0.05) == pytest.approx(xi, rel=6e-3)


@pytest.mark.parametrize("sb2,sw2c,qc", CRIT)
def test_critical_weight_variance_table(sb2, sw2c, qc):
    assert abs(crit.critical_weight_variance(sb2) - sw2c) < 1e-4
    assert abs(crit.fixed_point_q(crit.critical_weight_variance(sb2), sb2) - qc) < 1e-4


def test_critical_weight_variance_headline_and_vectorised():
    assert crit.critical_weight_variance(0.05) == pytest.approx(1.76095, abs=1e-5)
    sb2 = np.array([[0.0, 0.05], [0.3, 0.5]])
    out = crit.critical_weight_variance(sb2)
    assert out.shape == (2, 2)
    assert out[0, 1] == pytest.approx(1.76095, abs=1e-5)
    # chi_1 = 1 on the line, computed through the independent fixed-point path
    np.testing.assert_allclose(crit.chi1(out[1], sb2[1]), 1.0, atol=1e-10)


def test_critical_line_root_of_chi1_by_brentq():
    """Inverting the parametric line agrees with brentq on chi_1 - 1 (a different algorithm)."""
    for sb2 in (0.01, 0.05, 0.7, 1.5):
        root = optimize.brentq(lambda w: crit.chi1(w, sb2) - 1.0, 1.0, 6.0, xtol=1e-13)
        assert crit.critical_weight_variance(sb2) == pytest.approx(root, abs=1e-9)


def test_critical_line_parametric():
    q = np.linspace(0.0, 5.0, 41)
    sw2, sb2 = crit.critical_line(q)
    assert sw2[0] == 1.0 and sb2[0] == 0.0
    assert np.all(np.diff(sb2) > 0) and np.all(np.diff(sw2) > 0)  # monotone: the inversion is well posed
    np.testing.assert_allclose(crit.chi1(sw2[1:], sb2[1:]), 1.0, atol=1e-10)
    np.testing.assert_allclose(crit.fixed_point_q(sw2[1:], sb2[1:]), q[1:], rtol=1e-9)
    np.testing.assert_allclose(crit.critical_weight_variance(sb2[1:]), sw2[1:], rtol=1e-9)


def test_large_q_table_entries_are_hermite101_artefacts():
    """The sigma_b2 = 1, 2 critical values and the sigma_w = 4 row of the reference notes were computed with
    101 Gauss-Hermite nodes: we reproduce them with n_hermite=101, while adaptive scipy quadrature agrees with
    the default rule instead."""
    assert abs(crit.critical_weight_variance(1.0, n_hermite=101) - 3.44296) < 1e-5
    assert abs(crit.critical_weight_variance(2.0, n_hermite=101) - 4.26107) < 1e-5
    s101 = crit.phase_summary(16.0, 0.09, n_hermite=101)
    assert abs(s101.q_star - 12.5829) < 1e-4 and abs(s101.chi1 - 2.47738) < 1e-5
    # independent reference
    q_ref = _q_star_ref(16.0, 0.09)
    x1_ref = 16.0 * _e1(lambda u: _sech2(u) ** 2, q_ref)
    s = crit.phase_summary(16.0, 0.09)
    assert s.q_star == pytest.approx(q_ref, abs=1e-10)
    assert s.chi1 == pytest.approx(x1_ref, abs=1e-10)
    assert abs(s.chi1 - s101.chi1) > 0.1  # the artefact is large
    for sb2 in (1.0, 2.0):
        ref = optimize.brentq(lambda w: w * _e1(lambda u: _sech2(u) ** 2, _q_star_ref(w, sb2)) - 1, 3, 5,
                              xtol=1e-12)
        assert crit.critical_weight_variance(sb2) == pytest.approx(ref, abs=1e-8)
    assert abs(crit.critical_weight_variance(2.0) - 4.26107) > 1e-3


# ----------------------------------------------------------------------------- quadrature
def test_normal_expectation_exact_cases():
    q = np.array([0.0, 0.3, 1.0, 4.0, 20.0])
    np.testing.assert_allclose(quad.normal_expectation(lambda u: u**4, q), 3 * q**2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(quad.normal_expectation(np.cos, q), np.exp(-q / 2), rtol=1e-12, atol=1e-15)
    assert quad.normal_expectation(np.cos, 1.0, n_hermite=40) == pytest.approx(math.exp(-0.5), abs=1e-14)
    assert isinstance(quad.normal_expectation(np.cos, 1.0), float)


@pytest.mark.parametrize("q", [0.01, 0.5, 3.0, 12.6, 50.0])
def test_tanh_expectations_vs_scipy(q):
    assert mf.q_map(q, 1.0, 0.0) == pytest.approx(_e1(lambda u: math.tanh(u) ** 2, q), abs=1e-13)
    assert quad.normal_expectation(lambda u: 1 / np.cosh(u) ** 4, q) == pytest.approx(
        _e1(lambda u: _sech2(u) ** 2, q), abs=1e-13)


def test_gauss_hermite_rule():
    z, w = quad.gauss_hermite(10)
    assert w.sum() == pytest.approx(1.0, abs=1e-15)
    assert w @ z**18 == pytest.approx(34459425.0, rel=1e-12)  # (18-1)!! exact for degree <= 19
    z[0] = 99.0  # returned arrays are copies
    assert quad.gauss_hermite(10)[0][0] != 99.0
    with pytest.raises(ValueError, match="n must be"):
        quad.gauss_hermite(1)


def test_trapezoid_rule_is_the_default_and_refines_with_q():
    z, w = quad.trapezoid_rule(4.8)
    assert w.sum() == pytest.approx(1.0, abs=1e-15) and np.all(np.diff(z) > 0)
    f = lambda u: 1 / np.cosh(u) ** 4
    assert w @ f(math.sqrt(4.8) * z) == quad.normal_expectation(f, 4.8)  # the rule normal_expectation uses
    assert quad.trapezoid_rule(50.0)[0].size > z.size > quad.trapezoid_rule(0.5)[0].size
    # the default rule at q = 4.8 beats Gauss-Hermite with the same number of nodes by orders of magnitude
    ref = _e1(lambda u: _sech2(u) ** 2, 4.8)
    assert abs(w @ f(math.sqrt(4.8) * z) - ref) < 1e-13
    assert abs(quad.normal_expectation(f, 4.8, n_hermite=z.size) - ref) > 1e-8
    with pytest.raises(ValueError, match="q_max"):
        quad.trapezoid_rule(-1.0)
    with pytest.raises(ValueError, match="q_max"):
        quad.trapezoid_rule([1.0, 2.0])


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
@pytest.mark.parametrize("q,c", [(0.6, 0.3), (2.2, 0.9), (1.06, 0.4468)])
def test_two_dimensional_expectations_vs_scipy(q, c):
    cm = mf.c_map(c, q, 1.0, 0.0)
    ref = _e2(math.tanh, q, c) / _e1(lambda u: math.tanh(u) ** 2, q)
    assert cm == pytest.approx(ref, abs=1e-10)


# ----------------------------------------------------------------------------- consistency of definitions
@pytest.mark.parametrize("sw2,sb2", [(1.2, 0.05), (2.5, 0.05), (3.0, 0.3), (1.9, 0.0)])
def test_chi_c_is_slope_of_c_map_and_xi_q_is_slope_of_q_map(sw2, sb2):
    s = crit.phase_summary(sw2, sb2)
    q, c = s.q_star, s.c_star
    h = 1e-5
    if c < 1:
        slope = (mf.c_map(c + h, q, sw2, sb2) - mf.c_map(c - h, q, sw2, sb2)) / (2 * h)
    else:
        slope = (mf.c_map(1.0, q, sw2, sb2) - mf.c_map(1 - h, q, sw2, sb2)) / h  # one-sided at c = 1
    assert slope == pytest.approx(s.chi_c, abs=2e-5)
    qslope = (mf.q_map(q + h, sw2, sb2) - mf.q_map(q - h, sw2, sb2)) / (2 * h)
    assert -1 / math.log(qslope) == pytest.approx(s.xi_q, rel=1e-6)
    # fixed points are fixed
    assert mf.q_map(q, sw2, sb2) == pytest.approx(q, abs=1e-13)
    assert mf.c_map(c, q, sw2, sb2) == pytest.approx(c, abs=1e-12)


def test_c_trajectory_decays_at_rate_chi_c():
    for sw2 in (1.3, 2.5):
        s = crit.phase_summary(sw2, 0.05)
        c = mf.c_trajectory(0.6 if sw2 < 1.76 else 0.95, 100, sw2, 0.05)
        assert c.shape == (101,)
        dev = np.abs(c - s.c_star)
        ratio = dev[100] / dev[99]  # -> chi_c, with a correction linear in the remaining deviation
        assert ratio == pytest.approx(s.chi_c, abs=max(0.1 * dev[99], 1e-9))
        assert abs(dev[100] / dev[99] - s.chi_c) < abs(dev[21] / dev[20] - s.chi_c)
        assert dev[100] < 1e-2 * dev[0]


def test_q_trajectory_converges_to_q_star():
    q = mf.q_trajectory([0.01, 1.0, 5.0], 60, 2.0, 0.05)
    assert q.shape == (61, 3)
    np.testing.assert_allclose(q[-1], crit.fixed_point_q(2.0, 0.05), rtol=1e-8)
    np.testing.assert_allclose(q[0], [0.01, 1.0, 5.0])


def test_kernel_trajectory_matches_q_and_c_maps():
    g = np.array([[0.8, 0.5], [0.5, 0.8]])
    T = mf.kernel_trajectory(g, 6, 2.5, 0.05)
    assert T.shape == (6, 2, 2)
    np.testing.assert_allclose(T, np.swapaxes(T, 1, 2))
    q1 = 2.5 * 0.8 + 0.05
    np.testing.assert_allclose(T[:, 0, 0], mf.q_trajectory(q1, 5, 2.5, 0.05), rtol=1e-12)
    c = T[:, 0, 1] / T[:, 0, 0]
    for l in range(5):
        assert c[l + 1] == pytest.approx(mf.c_map(c[l], T[l, 0, 0], 2.5, 0.05), abs=1e-12)
    k11, k22, k12 = mf.kernel_map(1.0, 2.0, 0.3, 2.5, 0.05)
    assert k11 == pytest.approx(mf.q_map(1.0, 2.5, 0.05)) and k22 == pytest.approx(mf.q_map(2.0, 2.5, 0.05))
    assert abs(k12) < math.sqrt(k11 * k22)


def test_critical_amplitude_ratio_and_exponent():
    """xi_c |chi_1 - 1| -> 1 on both sides of the line (mean-field exponent nu = 1, amplitude ratio 1)."""
    sc = crit.critical_weight_variance(0.05)
    for d in (1e-2, 1e-3):
        lo = crit.phase_summary(sc - d, 0.05)
        hi = crit.phase_summary(sc + d, 0.05)
        assert lo.xi_c * abs(lo.chi1 - 1) == pytest.approx(1.0, abs=1.5 * d)
        assert hi.xi_c * abs(hi.chi1 - 1) == pytest.approx(1.0, abs=1.5 * d)
    assert crit.correlation_depth(sc, 0.05) > 1e5


def test_sigma_b_zero_tanh():
    s = crit.phase_summary(0.8, 0.0)
    assert s.q_star == 0.0 and s.chi1 == pytest.approx(0.8) and s.c_star == 1.0
    assert s.xi_c == pytest.approx(-1 / math.log(0.8))
    s = crit.phase_summary(1.9, 0.0)
    assert s.q_star > 0 and s.chaotic and s.c_star == pytest.approx(0.0, abs=1e-14)
    assert crit.critical_weight_variance(0.0) == 1.0
    assert math.isinf(crit.correlation_depth(1.0, 0.0))


# ----------------------------------------------------------------------------- relu (closed form)
def test_relu_critical_point():
    assert crit.chi1(2.0, 0.0, activation="relu") == 1.0
    assert crit.critical_weight_variance(0.0, activation="relu") == 2.0
    assert math.isinf(crit.correlation_depth(2.0, 0.0, activation="relu"))
    with pytest.raises(ValueError, match="relu"):
        crit.critical_weight_variance(0.05, activation="relu")
    with pytest.raises(ValueError, match="tanh"):
        crit.critical_line(0.5, activation="relu")


def test_relu_closed_forms_vs_quadrature():
    relu = lambda u: max(u, 0.0)
    q = 1.7
    assert mf.q_map(q, 1.5, 0.1, activation="relu") == pytest.approx(1.5 * _e1(lambda u: relu(u) ** 2, q) + 0.1,
                                                                       abs=1e-12)
    c = 0.35
    ref = (1.5 * _e2(relu, q, c) + 0.1) / (1.5 * q / 2 + 0.1)
    assert mf.c_map(c, q, 1.5, 0.1, activation="relu") == pytest.approx(ref, abs=1e-8)
    s = crit.phase_summary(1.5, 0.1, activation="relu")
    assert s.q_star == pytest.approx(0.1 / (1 - 0.75))
    assert s.c_star == 1.0 and s.chi_c == pytest.approx(0.75) and s.xi_q == pytest.approx(-1 / math.log(0.75))
    assert math.isinf(crit.fixed_point_q(2.5, 0.1, activation="relu"))
    assert math.isnan(crit.correlation_depth(2.5, 0.1, activation="relu"))


# ----------------------------------------------------------------------------- vectorisation, properties
def test_vectorised_grid_matches_scalar_calls():
    W, B = np.meshgrid([0.7, 1.76, 2.4, 3.5], [0.0, 0.05, 0.4])
    s = crit.phase_summary(W, B)
    assert s.xi_c.shape == W.shape and s.chaotic.dtype == bool
    for i, j in [(0, 0), (1, 2), (2, 3), (1, 1)]:
        ref = crit.phase_summary(float(W[i, j]), float(B[i, j]))
        for k in ("q_star", "chi1", "c_star", "chi_c"):
            assert getattr(s, k)[i, j] == pytest.approx(getattr(ref, k), abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(sw2=st.floats(0.2, 5.0), sb2=st.floats(0.0, 1.5))
def test_fixed_point_properties(sw2, sb2):
    s = crit.phase_summary(sw2, sb2)
    q = s.q_star
    assert sb2 - 1e-15 <= q <= sw2 + sb2
    assert abs(mf.q_map(q, sw2, sb2) - q) < 1e-11 * max(1.0, q)
    assert 0.0 <= s.c_star <= 1.0
    assert s.chaotic == (s.c_star < 1.0) or abs(s.chi1 - 1) < 1e-9
    assert s.chi_c <= 1.0 + 1e-9 or not s.chaotic


@settings(max_examples=30, deadline=None)
@given(q=st.floats(0.0, 10.0), dq=st.floats(1e-3, 2.0), c=st.floats(-1.0, 1.0))
def test_map_properties(q, dq, c):
    assert mf.q_map(q + dq, 1.5, 0.05) > mf.q_map(q, 1.5, 0.05)  # monotone length map
    if q > 0:
        cc = mf.c_map(c, q, 1.5, 0.05)
        assert -1.0 <= cc <= 1.0 + 1e-12
        assert mf.c_map(1.0, q, 1.5, 0.05) == pytest.approx(1.0, abs=1e-12)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_sigma_w2(bad):
    with pytest.raises(ValueError, match="sigma_w2"):
        crit.fixed_point_q(bad, 0.05)
    with pytest.raises(ValueError, match="sigma_w2"):
        mf.q_map(0.5, bad, 0.05)


@pytest.mark.parametrize("bad", [-1e-3, float("nan"), float("-inf")])
def test_bad_sigma_b2(bad):
    with pytest.raises(ValueError, match="sigma_b2"):
        crit.correlation_depth(1.5, bad)
    with pytest.raises(ValueError, match="sigma_b2"):
        crit.critical_weight_variance(bad)


def test_bad_inputs_misc():
    with pytest.raises(TypeError, match="sigma_w2"):
        crit.chi1("1.5", 0.05)
    with pytest.raises(TypeError, match="sigma_b2"):
        crit.chi1(1.5, True)
    with pytest.raises(ValueError, match="sigma_w2"):
        crit.phase_summary(np.array([1.0, np.nan]), 0.05)
    with pytest.raises(ValueError, match="activation"):
        crit.chi1(1.5, 0.05, activation="sigmoid")
    with pytest.raises(TypeError, match="activation"):
        crit.chi1(1.5, 0.05, activation=None)
    with pytest.raises(ValueError, match="c"):
        mf.c_map(1.2, 0.5, 1.5, 0.05)
    with pytest.raises(ValueError, match="q"):
        mf.q_map(-0.1, 1.5, 0.05)
    with pytest.raises(ValueError, match="q12"):
        mf.kernel_map(1.0, 1.0, 1.5, 1.5, 0.05)
    with pytest.raises(TypeError, match="n_hermite"):
        crit.chi1(1.5, 0.05, n_hermite=10.0)
    with pytest.raises(ValueError, match="depth"):
        mf.q_trajectory(0.5, -1, 1.5, 0.05)
    with pytest.raises(ValueError, match="gram"):
        mf.kernel_trajectory(np.ones((2, 3)), 3, 1.5, 0.05)
    with pytest.raises(ValueError, match="q"):
        mf.c_trajectory(0.5, 3, 0.8, 0.0)  # q* = 0: no fixed point to sit on
    with pytest.raises(TypeError, match="f must be callable"):
        quad.normal_expectation(3.0, 1.0)


# ----------------------------------------------------------------------------- issue 19: extreme variances and depths
def _mp_e1(f, q):
    """High-precision E f(sqrt(q) z) with mpmath (breakpoints where tanh turns)."""
    import mpmath

    with mpmath.workdps(30):
        s = mpmath.sqrt(q)
        pts = [-mpmath.inf, -8 / s, -1 / s, 0, 1 / s, 8 / s, mpmath.inf]
        return float(mpmath.quad(lambda z: f(s * z) * mpmath.npdf(z), pts))


@pytest.mark.parametrize("q", [10.5, 37.0, 1e3, 1e6, 1e10])
def test_large_variance_one_dimensional_moments_against_mpmath(q):
    """Was MemoryError/65 GiB at q = 1e6: the sinh-mapped rule has a bounded size and round-off accuracy."""
    import mpmath

    m2, d2, pp = quad._tanh_moments1(np.array([q]), None)
    assert m2[0] == pytest.approx(_mp_e1(lambda u: mpmath.tanh(u) ** 2, q), abs=4e-16)
    assert d2[0] == pytest.approx(_mp_e1(lambda u: mpmath.sech(u) ** 4, q), rel=1e-13, abs=1e-300)
    assert pp[0] == pytest.approx(_mp_e1(lambda u: -2 * mpmath.tanh(u) ** 2 * mpmath.sech(u) ** 2, q), rel=1e-13)
    assert mf.q_map(q, 1.0, 0.0) == pytest.approx(m2[0], abs=0)


def test_large_variance_asymptotics_one_variable():
    """E tanh^2 = 1 - sqrt(2/(pi q)) (1 - pi^2/(24 q)) + ..., E sech^4 = (4/3 - (pi^2 - 6)/(18 q)) / sqrt(2 pi q)."""
    q = np.array([1e4, 1e6, 1e8, 1e12, 1e50, 1e100])
    m2, d2, _ = quad._tanh_moments1(q, None)
    one_minus = np.sqrt(2 / (np.pi * q)) * (1 - np.pi**2 / (24 * q))
    assert np.all(m2 <= 1.0)
    np.testing.assert_allclose(1 - m2, one_minus, rtol=1e-7, atol=2.3e-16)  # next term O(q^-2)
    np.testing.assert_allclose(d2, (4 / 3 - (np.pi**2 - 6) / (18 * q)) / np.sqrt(2 * np.pi * q), rtol=1e-7)


def test_large_variance_two_variable_moments_converge_to_sign_limits():
    """E[tanh u1 tanh u2] = (2/pi) arcsin c - pi c / (6 q s) + O(q^-2), E[sech^2 sech^2] = 2/(pi q s) (1 + O(1/q))."""
    c = np.array([-0.5, 0.3, 0.9])
    s = np.sqrt(1 - c * c)
    coef = []
    for q in (1e4, 1e6, 1e8):
        qq = np.full(3, q)
        pp, dd = quad._tanh_moments2(qq, qq, c, None)
        coef.append((pp - (2 / np.pi * np.arcsin(c) - np.pi * c / (6 * q * s))) * q**2)
        np.testing.assert_allclose(dd, 2 / (np.pi * q * s), rtol=10 / q)
    # the remainder is O(q^-2) with a q-independent coefficient: an asymptotic sequence, no stray round-off
    np.testing.assert_allclose(coef[0], coef[1], rtol=2e-2)
    assert np.all(np.abs(coef[2] - coef[1]) <= 3e-16 * 1e16 + 0.02 * np.abs(coef[1]))


def test_mapped_rule_agrees_with_uniform_rule_where_both_apply():
    rng = np.random.default_rng(5)
    q11 = rng.uniform(10.5, 60.0, 200)
    q22 = q11 * rng.uniform(0.001, 1.0, 200)
    c = np.concatenate([rng.uniform(-1, 1, 190), [1.0, -1.0, 0.0, 1 - 1e-12, -1 + 1e-12, 0.999999, 1e-9, -0.3,
                                                   0.5, 0.99]])
    mapped = quad._tanh_moments2(q11, q22, c, None)
    m1 = quad._tanh_moments1(q11, None)
    saved = quad._Q_MAPPED
    try:
        quad._Q_MAPPED = np.inf
        uniform = quad._tanh_moments2(q11, q22, c, None)
        u1 = quad._tanh_moments1(q11, None)
    finally:
        quad._Q_MAPPED = saved
    np.testing.assert_allclose(mapped[0], uniform[0], rtol=0, atol=2e-15)
    np.testing.assert_allclose(mapped[1], uniform[1], rtol=0, atol=2e-15)
    for a, b in zip(m1, u1):
        np.testing.assert_allclose(a, b, rtol=0, atol=2e-15)


def test_extreme_but_valid_parameters_are_finite_and_cheap():
    """sigma_w2 up to 100, variances up to 1e6 and 1e100, depth 500: finite results in bounded time."""
    s = crit.phase_summary(np.array([1e-6, 1.0, 100.0, 100.0, 1e6]), np.array([0.0, 1e6, 0.0, 100.0, 1e6]))
    for field in s:
        assert np.all(np.isfinite(field) | np.isinf(s.xi_c) | np.isinf(s.xi_q))
    assert np.all(np.isfinite(s.q_star)) and np.all(np.isfinite(s.chi1)) and np.all(np.isfinite(s.c_star))
    # at sigma_w2 = 100, sigma_b2 = 0: q* = 100 E tanh^2(sqrt(q*) z) -> chi1 = 100 E sech^4 ~ (4/3) 100 / sqrt(2 pi q*)
    assert s.chi1[2] == pytest.approx(4 / 3 * 100 / np.sqrt(2 * np.pi * s.q_star[2]), rel=2e-2)
    assert s.chaotic[2] and 0 <= s.c_star[2] < 1
    assert np.isfinite(mf.q_map(1e6, 1e6, 1e6)) and np.isfinite(mf.c_map(0.5, 1e6, 1e6, 1e6))
    assert np.isfinite(crit.critical_weight_variance(1e6))
    k = mf.kernel_map(1e6, 1.0, 999.0, 1e2, 1e6)
    assert np.all(np.isfinite(k))
    qt = mf.q_trajectory(1.0, 500, 100.0, 0.05)
    assert qt.shape == (501,) and qt[-1] == pytest.approx(crit.fixed_point_q(100.0, 0.05), rel=1e-12)
    ct = mf.c_trajectory(0.3, 500, 100.0, 0.05)
    assert ct[-1] == pytest.approx(crit.fixed_point_c(100.0, 0.05), abs=1e-12)
    K = mf.kernel_trajectory(np.array([[1.0, 0.5], [0.5, 2.0]]), 500, 2.5, 0.05)
    assert np.all(np.isfinite(K))


def test_too_large_requests_are_refused_before_they_start():
    with pytest.raises(ValueError, match="depth"):
        mf.q_trajectory(np.ones(1000), 100_000, 1.5, 0.05)
    with pytest.raises(ValueError, match="depth"):
        mf.kernel_trajectory(np.eye(50), 500, 1.5, 0.05)
    with pytest.raises(ValueError, match="q"):
        quad.normal_expectation(np.cos, 1e9)
    with pytest.raises(ValueError, match="q_max"):
        quad.trapezoid_rule(1e9)
    with pytest.raises(ValueError, match="sigma_w2"):
        mf.q_map(1.0, 1e101, 0.0)
    assert quad.normal_expectation(np.cos, 1e9, n_hermite=20) == pytest.approx(
        quad.normal_expectation(np.cos, 1e9, n_hermite=20))  # a fixed-size rule is allowed at any q


def test_named_tuple_results():
    k = mf.kernel_map(1.0, 2.0, 0.3, 2.5, 0.05)
    assert k._fields == ("q11", "q22", "q12") and k.q12 == k[2]
    line = crit.critical_line(1.0)
    assert line._fields == ("sigma_w2", "sigma_b2")
    rule = quad.gauss_hermite(5)
    assert rule._fields == ("nodes", "weights") and rule.weights.sum() == pytest.approx(1.0)
