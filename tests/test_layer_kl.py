"""Tests of rglib.nets.layer_kl: closed forms for linear networks, a slow transcription of the authors' sums,
exact identities between the targets, and the mean-field limit."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from rglib.entropy import gaussian_kl
from rglib.nets import GaussianMLP
from rglib.nets import correlation_depth, fixed_point_q
from rglib.nets.layer_kl import (
    first_layer_variance,
    isotropic_entropy,
    isotropic_fits,
    layer_kl_divergence,
    log_det_bias,
    mean_field_kl_spread,
    mean_field_layer_kl,
)



@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Small batched products run fastest on one thread, and a shared machine makes two threads far slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

def _tiny_net(activation="tanh", widths=(5, 4, 4, 4, 3), seed=0):
    return GaussianMLP(list(widths), 1.7, 0.3, activation=activation, seed=seed, dtype=torch.float64)


def _params(net):
    return [(layer.weight.detach().numpy().copy(), layer.bias.detach().numpy().copy()) for layer in net.layers]


def _slow_reference(net, x, samples, r=0, q_variance="target"):
    """The authors' recipe with explicit loops over samples and neurons (Relative_Entropy.ipynb, fixed version):
    fit every layer by the mean and std (ddof=0) of its pre-activations, push the samples one layer at a time,
    and sum <phi_j phi_k> sum_i W_ij W_ik + 2 <phi_j> sum_i W_ij (b_i - mu) + sum_i (b_i - mu)^2."""
    params = _params(net)
    act = np.tanh if net.activation == "tanh" else (lambda t: t)
    preacts = []
    a = [float(v) for v in x]
    for m, (w, b) in enumerate(params):
        inp = a if m == 0 else [act(v) for v in a]
        z = []
        for i in range(w.shape[0]):
            s = b[i]
            for j in range(w.shape[1]):
                s += w[i, j] * inp[j]
            z.append(s)
        preacts.append(np.array(z))
        a = z
    mean = [float(np.mean(z)) for z in preacts]
    var = [float(np.std(z)) ** 2 for z in preacts]
    n = [len(z) for z in preacts]
    n_mc = samples.shape[0]
    out = [math.nan] * len(params)
    h_ref = n[r] / 2 * math.log(2 * math.pi * math.e * var[r])
    out[r] = -h_ref + (n[r] / 2 * math.log(2 * math.pi * var[r])) + n[r] / 2
    current = [list(s) for s in samples]  # per sample, the pre-activations of the layer before
    for m in range(r + 1, len(params)):
        w, b = params[m]
        phis = [[act(v) for v in s] for s in current]
        f1 = [sum(p[j] for p in phis) / n_mc for j in range(w.shape[1])]
        f2 = [[sum(p[j] * p[k] for p in phis) / n_mc for k in range(w.shape[1])] for j in range(w.shape[1])]
        bshift = [b[i] - mean[m] for i in range(w.shape[0])]
        quad = sum(f2[j][k] * sum(w[i, j] * w[i, k] for i in range(w.shape[0]))
                   for j in range(w.shape[1]) for k in range(w.shape[1]))
        lin = 2 * sum(f1[j] * sum(w[i, j] * bshift[i] for i in range(w.shape[0])) for j in range(w.shape[1]))
        const = sum(v * v for v in bshift)
        denom = var[m] if q_variance == "target" else var[r]
        out[m] = -h_ref + n[m] / 2 * math.log(2 * math.pi * var[m]) + (quad + lin + const) / (2 * denom)
        current = [[sum(w[i, j] * p[j] for j in range(w.shape[1])) + b[i] for i in range(w.shape[0])] for p in phis]
    return np.array(out), np.array(mean), np.array(var)


# ------------------------------------------------------------------------------------------ slow reference
@pytest.mark.parametrize("q_variance", ["target", "reference"])
@pytest.mark.parametrize("activation", ["tanh", "linear"])
def test_vectorised_matches_slow_loops_on_a_tiny_network(activation, q_variance):
    net = _tiny_net(activation)
    x = np.random.default_rng(1).normal(size=5)
    samples = np.random.default_rng(2).normal(0.2, 0.7, size=(7, 4))
    ref, mean, var = _slow_reference(net, x, samples, q_variance=q_variance)
    res = layer_kl_divergence(net, x, reference_samples=samples, q_variance=q_variance)
    np.testing.assert_allclose(res.fits.mean, mean, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res.fits.variance, var, rtol=1e-12)
    np.testing.assert_allclose(res.kl, ref, rtol=1e-11, atol=1e-12)


def test_slow_reference_with_a_deeper_reference_layer_and_many_inputs():
    net = _tiny_net(widths=(5, 4, 4, 4, 4, 3))
    xs = np.random.default_rng(3).normal(size=(3, 5))
    samples = np.random.default_rng(4).normal(size=(3, 6, 4))
    res = layer_kl_divergence(net, xs, reference_samples=samples, reference_layer=2)
    assert res.kl.shape == (3, 5)
    for b in range(3):
        ref, _, _ = _slow_reference(net, xs[b], samples[b], r=2)
        np.testing.assert_allclose(res.kl[b, 2:], ref[2:], rtol=1e-11, atol=1e-12)
        assert np.all(np.isnan(res.kl[b, :2]))


def test_diagonal_and_full_targets_match_loops():
    net = _tiny_net()
    x = np.random.default_rng(5).normal(size=5)
    samples = np.random.default_rng(6).normal(0.1, 0.5, size=(40, 4))
    diag = layer_kl_divergence(net, x, reference_samples=samples, target="diagonal")
    full = layer_kl_divergence(net, x, reference_samples=samples, target="full", debias_log_det=False)
    params = _params(net)
    h_ref = 4 / 2 * math.log(2 * math.pi * math.e * isotropic_fits(net, x).variance[0])
    z = samples.copy()
    for m in range(1, 4):
        w, b = params[m]
        z = np.array([[np.dot(w[i], np.tanh(s)) + b[i] for i in range(w.shape[0])] for s in z])
        v = np.array([np.mean((z[:, i] - z[:, i].mean()) ** 2) for i in range(z.shape[1])])
        cov = np.cov(z.T, bias=True)
        assert diag.kl[m] == pytest.approx(-h_ref + 0.5 * np.sum(np.log(2 * math.pi * math.e * v)), rel=1e-11)
        expect = -h_ref + 0.5 * (z.shape[1] * math.log(2 * math.pi * math.e) + np.linalg.slogdet(cov)[1])
        assert full.kl[m] == pytest.approx(expect, rel=1e-10)


# ------------------------------------------------------------------------------------------ closed forms
def _linear_net(width=6, depth=4, seed=0):
    return GaussianMLP([width] * (depth + 1), 1.3, 0.2, activation="linear", seed=seed, dtype=torch.float64)


def test_linear_network_against_closed_form_gaussian_kl():
    """For an affine network the push-forward of p = N(mu 1, s^2 I) is N(A mu 1 + c, s^2 A A^T): the authors'
    D_m equals ln|det A| (the entropy change) plus the Gaussian KL of the push-forward from the fit q^m."""
    net = _linear_net()
    x = np.random.default_rng(0).normal(size=6)
    res = layer_kl_divergence(net, x, n_mc=200_000, seed=3)
    mu, var = res.fits.mean, res.fits.variance
    params = _params(net)
    a, c = np.eye(6), np.zeros(6)
    for m in range(1, 4):
        w, b = params[m]
        a, c = w @ a, w @ c + b
        mean_push = a @ np.full(6, mu[0]) + c
        cov_push = var[0] * a @ a.T
        exact_q = 0.5 * (np.trace(cov_push) + np.sum((mean_push - mu[m]) ** 2)) / var[m]
        assert abs(res.q_term[m] - exact_q) < 4 * res.q_term_error[m]
        closed = np.linalg.slogdet(a)[1] + gaussian_kl(mean_push, cov_push, np.full(6, mu[m]), var[m] * np.eye(6))
        assert abs(res.kl[m] - closed) < 4 * res.q_term_error[m]
    assert res.kl[0] == 0.0


def test_linear_network_full_target_is_the_log_jacobian():
    """The moment-matched Gaussian of an exactly Gaussian push-forward is the push-forward itself, so the
    'full' target gives D_m = ln|det A_m|; the Wishart correction removes the finite-sample bias."""
    net = _linear_net(width=8, depth=3, seed=2)
    x = np.random.default_rng(1).normal(size=8)
    params = _params(net)
    xs = np.tile(x, (400, 1))  # 400 copies of one input: independent Monte Carlo draws for each
    est = layer_kl_divergence(net, xs, n_mc=40, seed=0, target="full").kl[:, 1:]
    a, logdets = np.eye(8), []
    for w, _ in params[1:]:
        a = w @ a
        logdets.append(np.linalg.slogdet(a)[1])
    sem = est.std(0, ddof=1) / math.sqrt(est.shape[0])
    assert np.all(np.abs(est.mean(0) - logdets) < 4 * sem)
    plug = layer_kl_divergence(net, xs, n_mc=40, seed=1, target="full", debias_log_det=False).kl[:, 1:]
    sem = plug.std(0, ddof=1) / math.sqrt(plug.shape[0])
    assert np.all(np.abs(plug.mean(0) - logdets - 0.5 * log_det_bias(8, 40)) < 4 * sem)  # biased low, as predicted
    assert 0.5 * log_det_bias(8, 40) < -10 * sem.max()


def test_log_det_bias_against_simulation():
    rng = np.random.default_rng(0)
    d, n = 5, 12
    draws = [np.linalg.slogdet(np.cov(rng.standard_normal((n, d)).T, bias=True))[1] for _ in range(20000)]
    assert abs(np.mean(draws) - log_det_bias(d, n)) < 4 * np.std(draws) / math.sqrt(len(draws))


# ------------------------------------------------------------------------------------------ identities
def test_targets_are_related_by_gaussian_kls():
    net = _tiny_net(widths=(5, 4, 4, 4))
    x = np.random.default_rng(7).normal(size=5)
    samples = np.random.default_rng(8).normal(0.3, 0.6, size=(50, 4))
    iso = layer_kl_divergence(net, x, reference_samples=samples)
    diag = layer_kl_divergence(net, x, reference_samples=samples, target="diagonal")
    full = layer_kl_divergence(net, x, reference_samples=samples, target="full", debias_log_det=False)
    params = _params(net)
    z = samples.copy()
    for m in range(1, 3):
        w, b = params[m]
        z = np.tanh(z) @ w.T + b
        mu_hat, cov_hat = z.mean(0), np.cov(z.T, bias=True)
        fit = (np.full(4, iso.fits.mean[m]), iso.fits.variance[m] * np.eye(4))
        assert iso.kl[m] == pytest.approx(full.kl[m] + gaussian_kl(mu_hat, cov_hat, *fit), rel=1e-10)
        total_corr = gaussian_kl(mu_hat, cov_hat, mu_hat, np.diag(np.diag(cov_hat)))
        assert diag.kl[m] == pytest.approx(full.kl[m] + total_corr, rel=1e-10)
        assert iso.kl[m] >= full.kl[m] and diag.kl[m] >= full.kl[m]


def test_zero_at_the_reference_layer_and_nan_before():
    net = GaussianMLP([20] * 7, 2.0, 0.05, seed=1)
    x = torch.rand(20)
    for r in (0, 3):
        for target in ("isotropic", "diagonal"):
            res = layer_kl_divergence(net, x, n_mc=50, seed=0, reference_layer=r, target=target)
            assert res.kl[r] == 0.0 and np.all(np.isnan(res.kl[:r])) and np.all(np.isfinite(res.kl[r:]))
            assert res.q_term[r] == 10.0  # N_r / 2, exact


def test_reproducible_and_independent_of_chunking():
    net = GaussianMLP([30] * 5, 1.5, 0.05, seed=0)
    xs = torch.rand(5, 30)
    a = layer_kl_divergence(net, xs, n_mc=64, seed=11)
    b = layer_kl_divergence(net, xs, n_mc=64, seed=11, max_elements=64 * 30 * 2)
    np.testing.assert_allclose(a.kl, b.kl, rtol=1e-5, atol=1e-4)
    c = layer_kl_divergence(net, xs, n_mc=64, seed=11)
    assert np.array_equal(a.kl, c.kl)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA not available")
def test_cuda_matches_cpu():
    net = GaussianMLP([64] * 6, 1.5, 0.05, seed=0, dtype=torch.float64)
    x = torch.rand(3, 64, dtype=torch.float64)
    cpu = layer_kl_divergence(net, x, n_mc=100, seed=5)
    gpu = layer_kl_divergence(net.to("cuda"), x, n_mc=100, seed=5)
    np.testing.assert_allclose(gpu.kl, cpu.kl, rtol=1e-9, atol=1e-9)


# ------------------------------------------------------------------------------------------ mean field
def test_mean_field_curves_fixed_point_and_monotonicity():
    sw, sb = 1.5, 0.05
    qs = fixed_point_q(sw, sb)
    for qv in ("target", "reference"):
        flat = mean_field_layer_kl(qs, 20, sw, sb, q_variance=qv)
        assert np.allclose(flat, 0.0, atol=1e-12)  # start on the fixed point: nothing changes
    up = mean_field_layer_kl(0.5 * qs, 30, sw, sb)
    down = mean_field_layer_kl(2.0 * qs, 30, sw, sb)
    assert np.all(np.diff(up) > 0) and np.all(np.diff(down) < 0)
    assert up[-1] == pytest.approx(0.5 * math.log(2.0), rel=1e-6)
    both = mean_field_layer_kl(np.array([0.5 * qs, 2.0 * qs]), 30, sw, sb)
    np.testing.assert_allclose(both, np.stack([up, down]), rtol=1e-14)
    bug = mean_field_layer_kl(0.5 * qs, 30, sw, sb, q_variance="reference")
    assert bug[-1] == pytest.approx(0.5 * (math.log(2.0) - 1 + 2.0), rel=1e-6)


def test_mean_field_diagonal_falls_at_the_correlation_rate_in_the_ordered_phase():
    sw, sb = 1.0, 0.05
    d = mean_field_layer_kl(fixed_point_q(sw, sb), 80, sw, sb, target="diagonal")
    slope = d[-1] - d[-2]
    assert slope == pytest.approx(-0.5 / correlation_depth(sw, sb), rel=1e-3)


def test_sampled_curve_approaches_mean_field_at_large_width():
    """Width 1000, random tanh networks: the per-neuron KL agrees with 1/2 ln(q^m/q^0) within the spread over
    networks, which is dominated by the chi-square fluctuation of the fitted reference variance, sd 1/sqrt(2N)."""
    n, depth, sw, sb = 1000, 8, 2.0, 0.05
    x = np.random.default_rng(0).random(n) * 0.8
    q0 = first_layer_variance(x, sw, sb)
    theory = mean_field_layer_kl(q0, depth, sw, sb)
    runs = np.array([layer_kl_divergence(GaussianMLP([n] * (depth + 1), sw, sb, seed=s), x, n_mc=100,
                                         seed=s).kl / n for s in range(6)])
    sem = 1.0 / math.sqrt(2 * n) / math.sqrt(runs.shape[0])
    assert np.all(np.abs(runs.mean(0) - theory) < 5 * sem + 2.0 / n)
    assert theory[-1] > 0.1  # the comparison is not trivial


# ------------------------------------------------------------------------------------------ small helpers
def test_isotropic_entropy_and_first_layer_variance():
    assert isotropic_entropy(784, 2.0) == pytest.approx(1384.2, abs=0.05)  # the paper's normaliser
    assert isotropic_entropy(3, 1 / (2 * math.pi * math.e)) == pytest.approx(0.0, abs=1e-14)
    x = np.array([[0.0, 0.0], [1.0, 3.0]])
    np.testing.assert_allclose(first_layer_variance(x, 2.0, 0.1), [0.1, 2.0 * 5.0 + 0.1])


def test_bad_input_names_the_argument():
    net = _tiny_net()
    x = np.zeros(5)
    cases = [
        (dict(n_mc=1), ValueError, "n_mc"),
        (dict(reference_layer=4), ValueError, "reference_layer"),
        (dict(target="cov"), ValueError, "target"),
        (dict(q_variance="both"), ValueError, "q_variance"),
        (dict(q_variance="reference", target="diagonal"), ValueError, "q_variance"),
        (dict(target="full", n_mc=4), ValueError, "n_mc"),
        (dict(seed=-1), TypeError, "seed"),
        (dict(seed=1.5), TypeError, "seed"),
        (dict(reference_samples=np.zeros((3, 7))), ValueError, "reference_samples"),
        (dict(debias_log_det=1), TypeError, "debias_log_det"),
        (dict(dtype=torch.int32), TypeError, "dtype"),
        (dict(n_mc=10**13), ValueError, "n_mc"),
    ]
    for kwargs, exc, word in cases:
        with pytest.raises(exc, match=word):
            layer_kl_divergence(net, x, **{"seed": 0, **kwargs})
    with pytest.raises(ValueError, match="x must have shape"):
        layer_kl_divergence(net, np.zeros(4), seed=0)
    with pytest.raises(TypeError, match="network"):
        layer_kl_divergence(torch.nn.Linear(5, 3), x, seed=0)
    with pytest.raises(ValueError, match="q0"):
        mean_field_layer_kl(0.0, 5, 1.0, 0.0)
    with pytest.raises(ValueError, match="dim"):
        log_det_bias(0, 5)
    with pytest.raises(ValueError, match="n_samples"):
        log_det_bias(5, 6)
    with pytest.raises(ValueError, match="variance"):
        isotropic_entropy(10, -1.0)


@pytest.mark.parametrize("sw", [1.5, 2.5])
def test_spread_over_networks_matches_the_leading_order_prediction(sw):
    """The standard deviation of D_m/N over random networks against mean_field_kl_spread, with the 99.9%
    chi-square band of a standard deviation estimated from S networks; sigma_w^2 = 1.5 (samples become strongly
    correlated, so the shared sampling noise of the last layer matters) and 2.5 (chaotic)."""
    from scipy import stats

    n, depth, sb, s = 128, 12, 0.05, 80
    x = np.random.default_rng(1).random(784) * 0.7
    q0 = first_layer_variance(x, sw, sb)
    runs = np.array([layer_kl_divergence(GaussianMLP([784] + [n] * depth, sw, sb, seed=k), x, n_mc=200,
                                         seed=k).kl / n for k in range(s)])
    pred = mean_field_kl_spread(q0, depth, n, sw, sb)
    ratio = runs[:, 1:].var(0, ddof=1) / pred[1:] ** 2
    lo, hi = stats.chi2.ppf([0.0005, 0.9995], s - 1) / (s - 1)
    assert np.all((ratio > lo) & (ratio < hi)), ratio
    assert lo < ratio.mean() < hi  # also on average over the (correlated) layers
    assert pred[0] == 0.0 and np.all(runs[:, 0] == 0.0)


def test_spread_with_a_deeper_reference_layer_includes_its_vertex():
    """Reference layer 3 of width-96 tanh networks: the fitted reference variance fluctuates by the four-point
    vertex of layer 3 as well as by the chi-square term, and the spread over networks follows."""
    from scipy import stats

    from rglib.nets import q_trajectory
    from rglib.nets.finite_width import vertex_recursion

    n, depth, sw, sb, s, r = 96, 9, 2.5, 0.05, 80, 3
    x = np.random.default_rng(2).random(784) * 0.5
    q0 = first_layer_variance(x, sw, sb)
    runs = np.array([layer_kl_divergence(GaussianMLP([784] + [n] * depth, sw, sb, seed=k), x, n_mc=200, seed=k,
                                         reference_layer=r).kl[r:] / n for k in range(s)])
    r_ref = vertex_recursion(q0, r + 1, n, sw, sb).vertex[-1]
    pred = mean_field_kl_spread(q_trajectory(q0, r, sw, sb)[-1], depth - r, n, sw, sb, reference_vertex=r_ref)
    ratio = runs[:, 1:].var(0, ddof=1) / pred[1:] ** 2
    lo, hi = stats.chi2.ppf([0.0005, 0.9995], s - 1) / (s - 1)
    assert np.all((ratio > lo) & (ratio < hi)), ratio
    assert r_ref > 0.25 * 2.0 / n  # the vertex adds more than a quarter to the reference fluctuation
