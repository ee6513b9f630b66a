"""Tests for rglib.stats: autocorrelation times and error bars on series with known answers."""
import numpy as np
import pytest

from rglib import stats


def ar1(a: float, n: int, m: int, seed: int) -> np.ndarray:
    """AR(1) series x_t = a x_{t-1} + e_t (stationary start); tau_int = (1 + a) / (2 (1 - a))."""
    rng = np.random.default_rng(seed)
    e = rng.normal(size=(n, m))
    x = np.empty((n, m))
    x[0] = e[0] / np.sqrt(1 - a * a)
    from scipy.signal import lfilter

    x[1:] = lfilter([1.0], [1.0, -a], e[1:], axis=0, zi=a * x[:1])[0]
    return x


def test_autocorrelation_function_of_ar1():
    x = ar1(0.8, 100_000, 3, 0)
    rho = stats.autocorrelation_function(x)
    assert rho.shape == x.shape
    assert np.allclose(rho[0], 1.0)
    assert np.allclose(rho[1:4], 0.8 ** np.arange(1, 4)[:, None], atol=0.02)


@pytest.mark.parametrize("a", [0.0, 0.5, 0.9])
def test_integrated_autocorrelation_time_ar1(a):
    x = ar1(a, 100_000, 4, 1)
    tau = stats.integrated_autocorrelation_time(x)
    exact = 0.5 * (1 + a) / (1 - a)
    assert tau.shape == (4,)
    assert np.all(np.abs(tau / exact - 1) < 0.08)


def test_tau_axis_and_vectorization():
    x = ar1(0.7, 20_000, 3, 2)
    t0 = stats.integrated_autocorrelation_time(x, axis=0)
    t1 = stats.integrated_autocorrelation_time(x.T, axis=1)
    t_last = stats.integrated_autocorrelation_time(x.T, axis=-1)
    assert np.allclose(t0, t1) and np.allclose(t0, t_last)
    single = stats.integrated_autocorrelation_time(x[:, 1])
    assert isinstance(single, float) and np.isclose(single, t0[1])


def test_constant_series():
    assert stats.integrated_autocorrelation_time(np.ones(50)) == 0.5
    m, e, t = stats.mean_error(np.full(40, 3.0))
    assert m == 3.0 and e < 1e-12 and t == 0.5


def test_mean_error_coverage_ar1():
    """The tau-corrected error covers the true mean 0 at the nominal rate; the naive error does not."""
    x = ar1(0.9, 4_000, 400, 3)
    m, err, tau = stats.mean_error(x)
    z = m / err
    assert 0.8 < np.std(z) < 1.2
    naive = x.std(axis=0, ddof=1) / np.sqrt(len(x))
    assert np.std(m / naive) > 3.0  # ignoring autocorrelation underestimates errors by sqrt(2 tau) ~ 4.4


def test_binning_error_matches_mean_error():
    x = ar1(0.8, 64_000, 4, 4)
    m1, e1, _ = stats.mean_error(x)
    m2, e2 = stats.binning_error(x, n_blocks=32)
    assert np.allclose(m1, m2, atol=0.05)
    assert np.all(np.abs(e2 / e1 - 1) < 0.5)


def test_blocked_jackknife_variance():
    x = ar1(0.8, 64_000, 3, 5)
    est, err = stats.blocked_jackknife(x, lambda v, axis: v.var(axis=axis), n_blocks=32)
    exact = 1 / (1 - 0.64)
    assert np.all(np.abs(est - exact) < 5 * err)
    assert np.all(err > 0) and np.all(err < 0.2)


def test_bad_input():
    with pytest.raises(ValueError, match="c must satisfy c > 0"):
        stats.integrated_autocorrelation_time(np.zeros(10), c=-1)
    with pytest.raises(ValueError, match="finite"):
        stats.mean_error(np.array([1.0, np.nan, 2.0]))
    with pytest.raises(TypeError, match="x must be a real number or an array of reals"):
        stats.mean_error(np.array(["a", "b"]))
    with pytest.raises(ValueError, match="at least 2"):
        stats.mean_error(np.ones(1))
    with pytest.raises(ValueError, match="axis"):
        stats.mean_error(np.ones((5, 2)), axis=2)
    with pytest.raises(ValueError, match="n_blocks"):
        stats.binning_error(np.ones(10), n_blocks=20)
    with pytest.raises(TypeError, match="n_blocks"):
        stats.binning_error(np.ones(10), n_blocks=2.5)
    with pytest.raises(TypeError, match="func"):
        stats.blocked_jackknife(np.ones(10), None, n_blocks=2)


def test_chain_axis_pooling():
    x = ar1(0.8, 5_000, 12, 6).reshape(5_000, 3, 4)  # 3 series x 4 chains
    tau = stats.integrated_autocorrelation_time(x, axis=0, chain_axis=2)
    assert tau.shape == (3,)
    assert np.all(np.abs(tau / 4.5 - 1) < 0.15)
    m, e, t = stats.mean_error(x, axis=0, chain_axis=2)
    assert m.shape == e.shape == (3,)
    assert np.allclose(m, x.mean(axis=(0, 2)))
    assert np.allclose(e, np.sqrt(2 * t * x.var(axis=(0, 2), ddof=1) / 20_000))
    with pytest.raises(ValueError, match="chain_axis must differ"):
        stats.integrated_autocorrelation_time(x, axis=0, chain_axis=0)


def test_chi_square_and_tv():
    rng = np.random.default_rng(7)
    p = rng.dirichlet(np.ones(200))
    counts = rng.multinomial(50_000, p)
    x2, dof, pv = stats.chi_square_gof(counts, p)
    assert 100 < dof <= 200 and pv > 1e-4
    assert stats.total_variation(counts, p) < 0.05
    q = np.roll(p, 1)  # wrong distribution
    assert stats.chi_square_gof(counts, q)[2] < 1e-12
    assert stats.total_variation(counts, q) > 0.2
    with pytest.raises(ValueError, match="same length"):
        stats.chi_square_gof(counts[:-1], p)
    with pytest.raises(ValueError, match="sum to 1"):
        stats.total_variation(counts, 2 * p)
    with pytest.raises(TypeError, match="non-negative integers"):
        stats.total_variation(counts.astype(float), p)


def test_tau_int_error():
    # the spread of tau estimates over independent AR(1) replicas matches the Madras-Sokal error formula
    taus = np.array([stats.integrated_autocorrelation_time(ar1(0.8, 20_000, 1, 100 + k))[0] for k in range(16)])
    predicted = stats.tau_int_error(4.5, 20_000)
    assert 0.4 < taus.std(ddof=1) / predicted < 2.0
    assert stats.tau_int_error(np.array([1.0, 2.0]), 100).shape == (2,)
    with pytest.raises(ValueError, match="n_samples"):
        stats.tau_int_error(1.0, 0)


def test_results_are_named_tuples():
    x = ar1(0.5, 4_000, 2, 9)
    r = stats.mean_error(x)
    assert r._fields == ("mean", "error", "tau") and np.array_equal(r.mean, r[0])
    b = stats.binning_error(x, n_blocks=8)
    assert b._fields == ("mean", "error") and np.array_equal(b.error, b[1])
    j = stats.blocked_jackknife(x, lambda v, axis: v.mean(axis=axis), n_blocks=8)
    assert j._fields == ("estimate", "error")
    g = stats.chi_square_gof(np.array([50, 50]), np.array([0.5, 0.5]))
    assert g._fields == ("statistic", "dof", "p_value") and g.statistic == 0.0 and g.p_value == 1.0


def test_chi_square_edge_cases():
    # min_expected = 0 used to return NaN (0/0 in an empty cell); it must be > 0 now
    for bad in (0.0, -1.0, np.nan):
        with pytest.raises(ValueError, match="min_expected"):
            stats.chi_square_gof(np.array([5, 5, 0]), np.array([0.5, 0.5, 0.0]), min_expected=bad)
    with pytest.raises(TypeError, match="min_expected"):
        stats.chi_square_gof(np.array([5, 5]), np.array([0.5, 0.5]), min_expected=1j)
    # a count in a state of probability zero: the distributions are incompatible
    x2, dof, pv = stats.chi_square_gof(np.array([40, 40, 1]), np.array([0.5, 0.5, 0.0]))
    assert x2 == np.inf and pv == 0.0 and dof == 1
    # empty probability-zero cells are harmless, also with a tiny min_expected
    assert stats.chi_square_gof(np.array([45, 55, 0]), np.array([0.5, 0.5, 0.0]), min_expected=1e-9).dof == 1


def test_tau_int_error_rejects_nonpositive_tau_and_c():
    for kw in (dict(tau=0.0), dict(tau=-1.0), dict(c=0.0), dict(c=-6.0), dict(tau=np.nan), dict(n_samples=0.5)):
        args = dict(tau=1.0, n_samples=100, c=6.0) | kw
        with pytest.raises(ValueError, match=next(iter(kw))):
            stats.tau_int_error(**args)


def test_sokal_window_searched_only_where_the_estimator_is_not_degenerate():
    """The sum of the empirical rho over all lags is -1/2, so tau(n - 1) = 0 for every series."""
    x = ar1(0.0, 200, 1, 11)[:, 0]
    rho = stats.autocorrelation_function(x)
    assert abs(0.5 + rho[1:].sum()) < 1e-12
    assert stats.integrated_autocorrelation_time(x, c=1e4) > 0.25  # no window qualifies: rough, not zero
