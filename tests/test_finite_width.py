"""Tests of rglib.nets.finite_width: the vertex estimator on Gaussian and known non-Gaussian samples, the
leading-order recursion against closed forms, and random networks against the exact ReLU result."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rglib.nets import meanfield as mf
from rglib.nets.finite_width import (
    four_point_vertex,
    metric_covariance,
    relu_vertex_exact,
    sample_preactivations,
    vertex_recursion,
)



@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Small batched products run fastest on one thread, and a shared machine makes two threads far slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

# ------------------------------------------------------------------------------------------ the estimator
def test_gaussian_samples_give_zero_within_error():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((3000, 4, 32)) * np.array([0.5, 1.0, 2.0, 7.0])[None, :, None]
    est = four_point_vertex(z)
    assert np.all(np.abs(est.vertex) < 4 * est.vertex_error)
    assert np.all(np.abs(est.excess_kurtosis) < 4 * est.excess_kurtosis_error)
    np.testing.assert_allclose(est.metric, [0.25, 1.0, 4.0, 49.0], rtol=5 * math.sqrt(2 / 96000))
    # the error bar is honest: sqrt(2) (r + 2/n) / sqrt(S) for Gaussian data
    np.testing.assert_allclose(est.vertex_error, math.sqrt(2) * (2 / 32) / math.sqrt(3000), rtol=0.15)


@pytest.mark.parametrize("shape_k", [2.0, 8.0])
def test_scale_mixture_gives_the_variance_of_the_scale(shape_k):
    """z = sqrt(G) u with G ~ Gamma(k) per network: r = Var G / (E G)^2 = 1/k and kappa = 3/k exactly."""
    rng = np.random.default_rng(1)
    s, n = 20000, 16
    g = rng.gamma(shape_k, 1.0, size=(s, 1))
    est = four_point_vertex(np.sqrt(g) * rng.standard_normal((s, n)))
    assert abs(est.vertex - 1 / shape_k) < 4 * est.vertex_error
    assert abs(est.excess_kurtosis - 3 / shape_k) < 4 * est.excess_kurtosis_error


def test_independent_non_gaussian_neurons_have_no_vertex_but_a_kurtosis():
    """Uniform neurons, independent within a network: E[z_i^2 z_j^2] = E[z^2]^2 (r = 0) but kappa = -6/5."""
    rng = np.random.default_rng(2)
    est = four_point_vertex(rng.uniform(-1, 1, size=(5000, 40)))
    assert abs(est.vertex) < 4 * est.vertex_error
    assert abs(est.excess_kurtosis + 1.2) < 4 * est.excess_kurtosis_error


def test_jackknife_error_matches_the_spread_over_repetitions():
    rng = np.random.default_rng(3)
    reps = []
    errs = []
    for _ in range(200):
        g = rng.gamma(4.0, 1.0, size=(300, 1))
        est = four_point_vertex(np.sqrt(g) * rng.standard_normal((300, 8)))
        reps.append(est.vertex)
        errs.append(est.vertex_error)
    assert np.std(reps) == pytest.approx(np.mean(errs), rel=0.2)


# ------------------------------------------------------------------------------------------ the recursion
def test_relu_leading_order_is_the_expansion_of_the_exact_result():
    n, depth = 1000, 12
    lo = vertex_recursion(0.7, depth, n, 2.0, 0.0, activation="relu")
    np.testing.assert_allclose(lo.vertex, 5 * np.arange(depth) / n, rtol=1e-12, atol=1e-15)
    exact = relu_vertex_exact(depth, n)
    assert np.all(np.abs(exact - lo.vertex) <= 12.5 * (np.arange(depth) / n) ** 2 * 1.01 + 1e-15)
    np.testing.assert_allclose(lo.metric, 0.7, rtol=1e-14)  # q is a fixed point at (2, 0)
    np.testing.assert_allclose(lo.excess_kurtosis, 3 * lo.vertex)


def test_tanh_critical_vertex_approaches_two_thirds_l_over_n():
    t = vertex_recursion(1.0, 4000, 10**6, 1.0, 0.0)
    ell = np.arange(1, 4001)
    ratio = t.vertex * 1e6 / ell
    assert abs(ratio[-1] - 2 / 3) < 0.01 and abs(ratio[-1] - 2 / 3) < abs(ratio[400] - 2 / 3)
    assert t.chi_parallel[-1] == pytest.approx(1.0, abs=2e-3)


def test_recursion_metric_is_the_length_map_and_vertex_saturates_off_criticality():
    sw, sb = 1.76095, 0.05
    t = vertex_recursion(0.3, 60, 100, sw, sb)
    np.testing.assert_allclose(t.metric, mf.q_trajectory(0.3, 59, sw, sb), rtol=1e-12)
    # chi_parallel < 1 at the fixed point: Var G -> sw^4 (<phi^4> - <phi^2>^2) / (n (1 - chi^2))
    assert t.chi_parallel[-1] < 0.6
    assert abs(t.vertex[-1] - t.vertex[-2]) < 1e-10
    # chi_parallel is the slope of the length map (finite difference)
    q = t.metric[10]
    h = 1e-5
    slope = (mf.q_map(q + h, sw, sb) - mf.q_map(q - h, sw, sb)) / (2 * h)
    assert t.chi_parallel[10] == pytest.approx(slope, rel=1e-7)


def test_recursion_with_varying_widths():
    ws = [50, 100, 200, 400]
    lo = vertex_recursion(1.0, 4, ws, 2.0, 0.0, activation="relu")
    np.testing.assert_allclose(lo.vertex, [0, 5 / 50, 5 / 50 + 5 / 100, 5 / 50 + 5 / 100 + 5 / 200])
    np.testing.assert_allclose(relu_vertex_exact(4, ws), [0, 0.1, 1.1 * 1.05 - 1, 1.1 * 1.05 * 1.025 - 1])


# ------------------------------------------------------------------------------------------ random networks
def test_relu_networks_match_the_exact_vertex():
    depth, n, s = 6, 48, 3000
    z = sample_preactivations(1.3, depth, n, 2.0, 0.0, s, activation="relu", seed=4)
    est = four_point_vertex(z)
    exact = relu_vertex_exact(depth, n)
    assert np.all(np.abs(est.vertex - exact) < 4 * est.vertex_error + 1e-12)
    assert np.all(np.abs(est.excess_kurtosis - 3 * exact) < 4 * est.excess_kurtosis_error + 1e-12)
    np.testing.assert_allclose(est.metric, 1.3, rtol=0.1)


def test_conditional_sampler_has_the_distribution_of_real_networks():
    args = (0.8, 5, 24, 1.7, 0.1, 3000)
    real = four_point_vertex(sample_preactivations(*args, seed=5, method="weights"))
    fast = four_point_vertex(sample_preactivations(*args, seed=6, method="conditional"))
    dv = np.abs(real.vertex - fast.vertex) / np.hypot(real.vertex_error, fast.vertex_error)
    dm = np.abs(real.metric - fast.metric) / np.hypot(real.metric_error, fast.metric_error)
    assert np.all(dv[1:] < 4) and np.all(dm < 4)
    assert np.all(real.vertex[2:] > 5 * real.vertex_error[2:])  # a non-zero vertex was compared


def test_tanh_networks_follow_the_leading_order_at_small_depth_to_width():
    depth, n = 8, 64
    z = sample_preactivations(1.0, depth, n, 1.0, 0.0, 3000, seed=7)
    est = four_point_vertex(z)
    lo = vertex_recursion(1.0, depth, n, 1.0, 0.0)
    assert np.all(np.abs(est.vertex - lo.vertex) < 4 * est.vertex_error + 1e-12)
    np.testing.assert_allclose(est.metric, lo.metric, rtol=0.05)


def test_sampler_is_reproducible():
    a = sample_preactivations(1.0, 3, 8, 1.5, 0.05, 40, seed=9)
    b = sample_preactivations(1.0, 3, 8, 1.5, 0.05, 40, seed=9)
    c = sample_preactivations(1.0, 3, 8, 1.5, 0.05, 40, seed=10)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    first = sample_preactivations(1.0, 3, 8, 1.5, 0.05, 70, seed=np.random.default_rng(3))
    assert first.shape == (70, 3, 8)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA not available")
def test_sampler_cuda_matches_cpu():
    cpu = sample_preactivations(1.0, 4, 16, 1.5, 0.05, 50, seed=1, dtype=torch.float64)
    gpu = sample_preactivations(1.0, 4, 16, 1.5, 0.05, 50, seed=1, dtype=torch.float64, device="cuda")
    np.testing.assert_allclose(gpu, cpu, rtol=1e-9, atol=1e-12)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="z must have shape"):
        four_point_vertex(np.zeros((1, 5)))
    with pytest.raises(ValueError, match="z must have shape"):
        four_point_vertex(np.zeros((5, 1)))
    with pytest.raises(ValueError, match="q1"):
        vertex_recursion(0.0, 3, 10, 1.0, 0.0)
    with pytest.raises(ValueError, match="width"):
        vertex_recursion(1.0, 3, [10, 10], 1.0, 0.0)
    with pytest.raises(ValueError, match="activation"):
        vertex_recursion(1.0, 3, 10, 1.0, 0.0, activation="gelu")
    with pytest.raises(ValueError, match="depth"):
        relu_vertex_exact(0, 10)
    with pytest.raises(ValueError, match="n_networks"):
        sample_preactivations(1.0, 3, 10, 1.0, 0.0, 0, seed=0)
    with pytest.raises(ValueError, match="method"):
        sample_preactivations(1.0, 3, 10, 1.0, 0.0, 5, seed=0, method="fast")
    with pytest.raises(TypeError, match="seed"):
        sample_preactivations(1.0, 3, 10, 1.0, 0.0, 5, seed=None)
    with pytest.raises(ValueError, match="n_networks"):
        sample_preactivations(1.0, 100, 1000, 1.0, 0.0, 10**7, seed=0)
    with pytest.raises(ValueError, match="sigma_w2"):
        sample_preactivations(1.0, 3, 10, -1.0, 0.0, 5, seed=0)


# ------------------------------------------------------------------------------------------ two inputs
def test_metric_covariance_of_orthogonal_inputs_without_bias_vanishes():
    mc = metric_covariance((0.6, 1.1, 0.0), 8, 50, 1.3, 0.0)
    np.testing.assert_allclose(mc.covariance[:, 2], 0.0, atol=1e-15)
    assert np.all(mc.covariance[1:, :2] > 0)


def test_metric_covariance_against_random_networks():
    """Two inputs through 16000 random tanh networks (batched weights drawn here): the covariance of their
    metrics, from the unbiased pair estimator E[z_ia^2 z_jb^2]_{i != j} - E[z_a^2] E[z_b^2], against the
    leading-order recursion."""
    n0, n, depth, sw, sb = 40, 24, 5, 1.6, 0.1
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=n0), rng.normal(size=n0)
    xb = 0.6 * xa + 0.8 * xb
    kernel = (sw * xa @ xa / n0 + sb, sw * xb @ xb / n0 + sb, sw * xa @ xb / n0 + sb)
    x = torch.tensor(np.stack([xa, xb], 1))  # (n0, 2)
    g = torch.Generator().manual_seed(1)
    chunks = []
    for _ in range(16):
        m = 1000
        z = torch.randn(m, n, n0, generator=g, dtype=torch.float64) @ x * math.sqrt(sw / n0) \
            + math.sqrt(sb) * torch.randn(m, n, 1, generator=g, dtype=torch.float64)
        layers = [z]
        for _ in range(depth - 1):
            w = torch.randn(m, n, n, generator=g, dtype=torch.float64) * math.sqrt(sw / n)
            z = w @ torch.tanh(z) + math.sqrt(sb) * torch.randn(m, n, 1, generator=g, dtype=torch.float64)
            layers.append(z)
        z2 = torch.stack(layers, 1).square().numpy()  # (m, depth, n, 2)
        a, b = z2[..., 0], z2[..., 1]
        pair = (a.sum(-1) * b.sum(-1) - (a * b).sum(-1)) / (n * (n - 1))
        chunks.append(np.stack([a.mean(-1), b.mean(-1), pair], -1))
    stats = np.concatenate(chunks)
    s = stats.shape[0]
    mean = stats.mean(0)
    cov_hat = mean[:, 2] - mean[:, 0] * mean[:, 1]
    loo = (stats.sum(0)[None] - stats) / (s - 1)  # jackknife error of the covariance estimate
    cov_loo = loo[..., 2] - loo[..., 0] * loo[..., 1]
    err = np.sqrt((s - 1) / s * ((cov_loo - cov_loo.mean(0)) ** 2).sum(0))
    pred = metric_covariance(kernel, depth, n, sw, sb).covariance[:, 2]
    assert np.all(np.abs(cov_hat - pred) < 4 * err + 1e-12)
    assert np.all(pred[3:] > 5 * err[3:])  # the compared covariance is resolved in the deeper layers
