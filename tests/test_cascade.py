"""Tests of the reconstruction cascade (rglib.nets.cascade)."""
import numpy as np
import pytest
import torch

from rglib.nets.cascade import (
    Cascade,
    layer_activations,
    normalized_kl_curve,
    reconstruct,
    reconstruction_kl,
    saturation_cutoff,
    train_cascade,
)
from rglib.nets.mlp import GaussianMLP


def _data(n=512, d=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    protos = torch.rand(4, d, generator=g, dtype=torch.float64)
    lab = torch.randint(0, 4, (n,), generator=g)
    return (protos[lab] + 0.05 * torch.randn(n, d, generator=g, dtype=torch.float64)).clamp(0, 1)


def test_shapes_and_composition():
    net = GaussianMLP([16, 12, 8, 8, 4], 1.5, 0.05, seed=0, dtype=torch.float64)
    fit = train_cascade(net, _data(), n_layers=3, seed=1)
    assert [tuple(w.shape) for w in fit.cascade.weights] == [(16, 12), (12, 8), (8, 8)]
    assert fit.train_loss.shape == (3,) and np.all(fit.train_loss > 0)
    x = _data(20, seed=3)
    xh = reconstruct(fit.cascade, net, x)
    assert xh.shape == (3, 20, 16)
    # C^2 = g_1 o g_2 applied to a^2, by hand
    a = layer_activations(net, x)
    g = lambda k, y: torch.tanh(y @ fit.cascade.weights[k - 1].T + fit.cascade.biases[k - 1])  # noqa: E731
    assert torch.allclose(xh[1], g(1, g(2, a[2])), atol=1e-12)
    assert torch.allclose(reconstruct(fit.cascade, net, x, layers=[3])[0], xh[2], atol=1e-12)


def test_training_reduces_the_loss_and_is_reproducible():
    net = GaussianMLP([16, 16, 16], 1.2, 0.05, seed=0, dtype=torch.float64)
    x = _data(1024)
    short = train_cascade(net, x, n_epochs=1, lr=1e-2, seed=4)
    long = train_cascade(net, x, n_epochs=8, lr=1e-2, seed=4)
    assert np.all(long.train_loss < short.train_loss)
    again = train_cascade(net, x, n_epochs=8, lr=1e-2, seed=4)
    assert all(torch.equal(a, b) for a, b in zip(long.cascade.weights, again.cascade.weights))


def test_kl_normalisation_on_hand_made_images():
    x = np.array([[0.0, 0.5, 1.0, 0.5]])
    assert reconstruction_kl(x, x)[0] == 0.0
    assert reconstruction_kl(x, 3 * x - 2)[0] == pytest.approx(0.0, abs=1e-12)  # invariant to shift and scale
    # by hand: p = (0, .25, .5, .25) (+eps), q uniform
    p = (x[0] + 1e-12) / (x[0] + 1e-12).sum()
    q = np.full(4, 0.25)
    assert reconstruction_kl(x, np.ones((1, 4)))[0] == pytest.approx(np.sum(p * np.log(p / q)), rel=1e-12)
    stacked = reconstruction_kl(x, np.stack([x, np.ones((1, 4))]))
    assert stacked.shape == (2, 1) and stacked[0, 0] == 0.0


def test_cutoff_rule_on_synthetic_curves():
    assert saturation_cutoff([0.1, 0.5, 0.8, 0.996, 1.0]) == 2  # 0.996 is within 0.5 % of 1
    assert saturation_cutoff([0.1, 0.5, 0.8, 0.99, 1.0]) == 3
    assert saturation_cutoff([1.0, 1.0, 1.0]) == -1
    assert saturation_cutoff([0.1, 0.5, 0.8, 0.99, 1.0], rtol=0.02) == 2
    kl = np.array([[1.0, 2.0, 4.0], [2.0, 4.0, 8.0], [2.0, 4.0, 8.0]])  # three layers, three images
    assert np.allclose(normalized_kl_curve(kl), [0.5, 1.0, 1.0])


def test_end_to_end_tells_ordered_from_chaotic():
    """Deep in the ordered phase every input reaches the same fixed point, so the reconstructions from the deepest
    layer coincide; in the chaotic phase distinct inputs stay distinct and so do their reconstructions."""
    x = _data(1024)
    xt = _data(64, seed=9)
    spread = {}
    for sw2 in (0.2, 6.0):
        net = GaussianMLP([16] + [32] * 10, sw2, 0.05, seed=1, dtype=torch.float64)
        fit = train_cascade(net, x, n_epochs=3, lr=1e-2, seed=2)
        xh = reconstruct(fit.cascade, net, xt, layers=[10])[0]
        spread[sw2] = float(xh.std(dim=0).mean() / xt.std(dim=0).mean())
    assert spread[0.2] < 1e-3 < 0.05 < spread[6.0], spread


def test_bad_input():
    net = GaussianMLP([4, 4, 4], 1.0, 0.0, seed=0)
    with pytest.raises(TypeError, match="network must be"):
        train_cascade("net", torch.zeros(2, 4))
    with pytest.raises(ValueError, match=r"x_train must have shape \(n, 4\)"):
        train_cascade(net, torch.zeros(2, 5))
    with pytest.raises(ValueError, match="n_layers"):
        train_cascade(net, torch.zeros(2, 4), n_layers=3)
    with pytest.raises(ValueError, match="lr"):
        train_cascade(net, torch.zeros(2, 4), lr=0)
    with pytest.raises(TypeError, match="cascade must be"):
        reconstruct([], net, torch.zeros(2, 4))
    fit = train_cascade(net, torch.rand(8, 4))
    with pytest.raises(ValueError, match="layers"):
        reconstruct(fit.cascade, net, torch.zeros(2, 4), layers=[3])
    with pytest.raises(ValueError, match="same n, d"):
        reconstruction_kl(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="deepest layer"):
        normalized_kl_curve(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="curve"):
        saturation_cutoff([])
    assert isinstance(fit.cascade, Cascade)


def test_cost_bound_is_checked_before_starting():
    net = GaussianMLP([4, 4, 4], 1.0, 0.0, seed=0)
    with pytest.raises(ValueError, match="max_multiply_adds"):
        train_cascade(net, torch.rand(8, 4), max_multiply_adds=10)
