"""Tests of rglib.mlp: initialisation statistics, reproducibility, pre-activations, and agreement of wide random
networks with the mean-field kernel recursion of rglib.meanfield."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

from rglib.nets import meanfield as mf
from rglib.nets.mlp import GaussianMLP, empirical_kernels, inputs_with_gram, sample_preactivation_kernels


def test_initialisation_statistics():
    net = GaussianMLP([800, 600, 400], 2.5, 0.3, seed=3)
    w = net.layers[0].weight.detach().double()
    b = net.layers[1].bias.detach().double()
    n = w.numel()
    # sample variance of n normals has relative standard error sqrt(2/n)
    assert abs(w.var().item() / (2.5 / 800) - 1) < 5 * math.sqrt(2 / n)
    assert abs(w.mean().item()) < 5 * math.sqrt(2.5 / 800 / n)
    assert abs(net.layers[1].weight.detach().double().var().item() / (2.5 / 600) - 1) < 5 * math.sqrt(2 / (600 * 400))
    assert abs(b.var().item() / 0.3 - 1) < 5 * math.sqrt(2 / 400)
    assert net.depth == 2 and net.widths == [800, 600, 400]
    assert all(p.requires_grad for p in net.parameters())
    zero = GaussianMLP([5, 7], 1.0, 0.0, seed=0)
    assert torch.count_nonzero(zero.layers[0].bias) == 0


def test_reproducible_and_seed_dependent():
    a = GaussianMLP([10, 20, 5], 1.5, 0.05, seed=7)
    b = GaussianMLP([10, 20, 5], 1.5, 0.05, seed=7)
    c = GaussianMLP([10, 20, 5], 1.5, 0.05, seed=8)
    for pa, pb, pc in zip(a.parameters(), b.parameters(), c.parameters()):
        assert torch.equal(pa, pb)
        assert not torch.equal(pa, pc)
    g = torch.Generator().manual_seed(7)
    d = GaussianMLP([10, 20, 5], 1.5, 0.05, generator=g)
    assert all(torch.equal(pa, pd) for pa, pd in zip(a.parameters(), d.parameters()))
    # same seed, different variance: same underlying normals, rescaled
    e = GaussianMLP([10, 20, 5], 6.0, 0.05, seed=7)
    torch.testing.assert_close(e.layers[0].weight, 2.0 * a.layers[0].weight)


def test_forward_shapes_and_preactivations():
    net = GaussianMLP([6, 9, 4], 1.7, 0.1, seed=1, dtype=torch.float64)
    x = torch.randn(3, 2, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    out, pre = net(x, return_preactivations=True)
    assert out.shape == (3, 2, 4) and [h.shape for h in pre] == [(3, 2, 9), (3, 2, 4)]
    w0, b0 = net.layers[0].weight, net.layers[0].bias
    w1, b1 = net.layers[1].weight, net.layers[1].bias
    torch.testing.assert_close(pre[0], x @ w0.T + b0)
    torch.testing.assert_close(pre[1], torch.tanh(pre[0]) @ w1.T + b1)
    torch.testing.assert_close(out, torch.tanh(pre[1]))
    torch.testing.assert_close(net(x), out)
    lin_out = GaussianMLP([6, 9, 4], 1.7, 0.1, seed=1, dtype=torch.float64, final_activation=False)(x)
    torch.testing.assert_close(lin_out, pre[1])
    assert net(x.float()).dtype == torch.float64  # inputs are cast to the parameters' dtype


def test_backward_and_device():
    net = GaussianMLP([4, 8, 3], 1.0, 0.05, seed=2, device="cpu")
    net(torch.ones(5, 4)).sum().backward()
    assert net.layers[0].weight.grad is not None and torch.isfinite(net.layers[0].weight.grad).all()
    assert net.layers[0].weight.device.type == "cpu"
    if torch.cuda.is_available():  # pragma: no cover - only on a GPU machine
        gpu = GaussianMLP([4, 8, 3], 1.0, 0.05, seed=2, device="cuda")
        torch.testing.assert_close(gpu.layers[0].weight.cpu(), net.layers[0].weight)


def test_forward_hooks_on_layers_record_preactivations():
    net = GaussianMLP([5, 7, 6, 3], 2.0, 0.05, seed=4, dtype=torch.float64)
    x = torch.randn(4, 2, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    store = {}
    handles = [layer.register_forward_hook(lambda m, inp, out, l=l: store.__setitem__(l, out.detach()))
               for l, layer in enumerate(net.layers, start=1)]
    out = net(x)
    for h in handles:
        h.remove()
    out2, pre = net(x, return_preactivations=True)
    torch.testing.assert_close(out, out2)
    assert sorted(store) == [1, 2, 3]
    for l in (1, 2, 3):
        torch.testing.assert_close(store[l], pre[l - 1])
    assert pre[2].shape == (4, 2, 3)


def test_relu_and_linear_activations():
    x = torch.randn(2, 5, generator=torch.Generator().manual_seed(1))
    out, pre = GaussianMLP([5, 6], 2.0, 0.0, activation="relu", seed=0)(x, return_preactivations=True)
    torch.testing.assert_close(out, torch.relu(pre[0]))
    out, pre = GaussianMLP([5, 6], 2.0, 0.0, activation="linear", seed=0)(x, return_preactivations=True)
    torch.testing.assert_close(out, pre[0])


def test_empirical_kernels_and_inputs_with_gram():
    g = np.array([[1.0, 0.9, 0.1], [0.9, 1.0, 0.2], [0.1, 0.2, 3.0]])
    x = inputs_with_gram(g, 50, seed=4)
    assert x.shape == (3, 50) and x.dtype == torch.float64
    np.testing.assert_allclose((x @ x.T / 50).numpy(), g, atol=1e-12)
    h = torch.randn(3, 11, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    K = empirical_kernels([h, 2 * h])
    assert K.shape == (2, 3, 3)
    torch.testing.assert_close(K[0], h @ h.T / 11)
    torch.testing.assert_close(K[1], 4 * K[0])


def _z_scores(K: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Seed-mean minus theory, in units of the seed-to-seed standard error, for lengths and correlations."""
    d = np.diagonal(K, axis1=2, axis2=3)
    dT = np.diagonal(T, axis1=1, axis2=2)
    iu = np.triu_indices(K.shape[-1], 1)
    c = (K / np.sqrt(d[..., :, None] * d[..., None, :]))[..., iu[0], iu[1]]
    cT = (T / np.sqrt(dT[..., :, None] * dT[..., None, :]))[..., iu[0], iu[1]]
    emp = np.concatenate([d, c], axis=-1)
    th = np.concatenate([dT, cT], axis=-1)
    se = emp.std(0, ddof=1) / math.sqrt(K.shape[0])
    return ((emp.mean(0) - th) / se).ravel()


@pytest.mark.parametrize("sw2", [1.2, 2.5])
def test_wide_networks_follow_mean_field_kernels(sw2):
    """The finite-width kernels scatter around the mean-field recursion within their seed-to-seed error.

    Threshold: two-sided Student-t quantile with Bonferroni correction for a family-wise false-alarm rate of
    1e-3 over all compared numbers; the error bars come from the spread over independent networks."""
    S, width, depth = 10, 1000, 8
    g = np.array([[1.0, 0.95, 0.3], [0.95, 1.0, 0.3], [0.3, 0.3, 2.5]])
    x = inputs_with_gram(g, 300, seed=11)
    K = sample_preactivation_kernels(x, depth, width, sw2, 0.05, seeds=list(range(S)))
    assert K.shape == (S, depth, 3, 3)
    T = mf.kernel_trajectory(g, depth, sw2, 0.05)
    z = _z_scores(K, T)
    thr = stats.t.ppf(1 - 1e-3 / (2 * z.size), S - 1)
    assert np.max(np.abs(z)) < thr
    # and the agreement is tight in absolute terms: lengths within 5% and correlations within 0.05
    rel = np.abs(K.mean(0) - T) / np.sqrt(np.diagonal(T, axis1=1, axis2=2)[:, :, None]
                                         * np.diagonal(T, axis1=1, axis2=2)[:, None, :])
    assert rel.max() < 0.05


def test_finite_width_spread_scales_as_inverse_sqrt_width():
    g = np.array([[1.0, 0.5], [0.5, 1.0]])
    x = inputs_with_gram(g, 100, seed=1)
    sds = []
    for width in (100, 1600):
        K = sample_preactivation_kernels(x, 4, width, 2.0, 0.05, seeds=list(range(12)))
        sds.append(K[:, :, 0, 1].std(0, ddof=1).mean())
    ratio = sds[0] / sds[1]  # sqrt(1600/100) = 4 expected
    assert 2.5 < ratio < 6.0


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(widths=[5], sigma_w2=1.0, sigma_b2=0.0, seed=0), ValueError, "widths"),
    (dict(widths=[5, 0], sigma_w2=1.0, sigma_b2=0.0, seed=0), ValueError, "widths"),
    (dict(widths=[5, 2.5], sigma_w2=1.0, sigma_b2=0.0, seed=0), TypeError, "widths"),
    (dict(widths=[5, 3], sigma_w2=0.0, sigma_b2=0.0, seed=0), ValueError, "sigma_w2"),
    (dict(widths=[5, 3], sigma_w2=float("nan"), sigma_b2=0.0, seed=0), ValueError, "sigma_w2"),
    (dict(widths=[5, 3], sigma_w2=1.0, sigma_b2=-0.1, seed=0), ValueError, "sigma_b2"),
    (dict(widths=[5, 3], sigma_w2=1.0, sigma_b2=float("inf"), seed=0), ValueError, "sigma_b2"),
    (dict(widths=[5, 3], sigma_w2="1", sigma_b2=0.0, seed=0), TypeError, "sigma_w2"),
    (dict(widths=[5, 3], sigma_w2=1.0, sigma_b2=0.0), ValueError, "seed"),
    (dict(widths=[5, 3], sigma_w2=1.0, sigma_b2=0.0, seed=-1), ValueError, "seed"),
    (dict(widths=[5, 3], sigma_w2=1.0, sigma_b2=0.0, seed=1.5), TypeError, "seed"),
    (dict(widths=[5, 3], sigma_w2=1.0, sigma_b2=0.0, seed=1, generator=torch.Generator()), ValueError, "seed"),
    (dict(widths=[5, 3], sigma_w2=1.0, sigma_b2=0.0, seed=0, activation="gelu"), ValueError, "activation"),
    (dict(widths=[5, 3], sigma_w2=1.0, sigma_b2=0.0, seed=0, dtype=torch.float16), TypeError, "dtype"),
])
def test_bad_constructor_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        GaussianMLP(**kwargs)


def test_bad_forward_and_helper_arguments():
    net = GaussianMLP([4, 3], 1.0, 0.0, seed=0)
    with pytest.raises(ValueError, match="shape"):
        net(torch.ones(2, 5))
    with pytest.raises(TypeError, match="torch.Tensor"):
        net(np.ones((2, 4)))
    with pytest.raises(TypeError, match="preactivations"):
        empirical_kernels(torch.ones(2, 3))
    with pytest.raises(ValueError, match="positive definite"):
        inputs_with_gram(np.array([[1.0, 2.0], [2.0, 1.0]]), 10, seed=0)
    with pytest.raises(ValueError, match="n0"):
        inputs_with_gram(np.eye(3), 2, seed=0)
    with pytest.raises(ValueError, match="depth"):
        sample_preactivation_kernels(torch.ones(2, 4), 0, 10, 1.0, 0.0, seeds=[0])
    with pytest.raises(ValueError, match="seeds"):
        sample_preactivation_kernels(torch.ones(2, 4), 2, 10, 1.0, 0.0, seeds=[])


# ---------------------------------------------------------------- issue 19: determinism, generators, cost bounds
def test_same_seed_gives_bit_identical_initialisation():
    a = GaussianMLP([7, 5, 3], 1.5, 0.1, seed=42, dtype=torch.float64)
    b = GaussianMLP([7, 5, 3], 1.5, 0.1, seed=42, dtype=torch.float64)
    g = torch.Generator().manual_seed(42)
    c = GaussianMLP([7, 5, 3], 1.5, 0.1, generator=g, dtype=torch.float64)
    d = GaussianMLP([7, 5, 3], 1.5, 0.1, seed=43, dtype=torch.float64)
    for pa, pb, pc, pd in zip(a.parameters(), b.parameters(), c.parameters(), d.parameters()):
        assert torch.equal(pa, pb) and torch.equal(pa, pc) and not torch.equal(pa, pd)
    x = torch.ones(2, 7, dtype=torch.float64)
    out = a(x, return_preactivations=True)
    assert out._fields == ("output", "preactivations") and torch.equal(out.output, b(x))


def test_inputs_with_gram_accepts_a_numpy_generator():
    """Was: TypeError for a numpy.random.Generator, against the library's seed-or-generator convention."""
    g = np.array([[1.0, 0.3], [0.3, 2.0]])
    x_int = inputs_with_gram(g, 10, seed=7)
    x_gen = inputs_with_gram(g, 10, seed=np.random.default_rng(7))
    assert torch.equal(x_int, x_gen) and torch.equal(x_int, inputs_with_gram(g, 10, seed=7))
    np.testing.assert_allclose((x_gen @ x_gen.T / 10).numpy(), g, atol=1e-13)
    for bad in (None, -1, 1.5, "7"):
        with pytest.raises(TypeError, match="seed"):
            inputs_with_gram(g, 10, seed=bad)


def test_costs_are_bounded_before_the_work():
    with pytest.raises(ValueError, match="MAX_PARAMETERS"):
        GaussianMLP([100_000, 100_000, 100_000], 1.0, 0.0, seed=0)
    with pytest.raises(ValueError, match="MAX_MULTIPLY_ADDS"):
        sample_preactivation_kernels(torch.ones(4, 10), 1000, 100_000, 1.0, 0.0, seeds=[0])
    with pytest.raises(ValueError, match="sigma_w2"):  # a bad network argument fails before any network is built
        sample_preactivation_kernels(torch.ones(4, 10), 2, 8, -1.0, 0.0, seeds=[0, 1])
    with pytest.raises(TypeError, match=r"seeds\[1\]"):
        sample_preactivation_kernels(torch.ones(4, 10), 2, 8, 1.0, 0.0, seeds=[0, 1.5])
