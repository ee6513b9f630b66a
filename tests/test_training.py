"""Tests of rglib.nets.training and rglib.nets.stacked: the batched trainer against a plain per-network PyTorch
loop (GaussianMLP + torch.optim + F.cross_entropy), early stopping, reproducibility, snapshots, input checks."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rglib.nets.mlp import GaussianMLP
from rglib.nets.stacked import StackedMLP
from rglib.nets.training import epoch_orders, paper_settings, train_networks, training_cost

N_IN, N_OUT = 8, 3


def toy_data(n_train=100, n_test=60, seed=0, dtype=np.float32):
    """Linearly separable three-class problem with inputs in [0, 1]."""
    rng = np.random.default_rng(seed)
    m = rng.standard_normal((N_IN, N_OUT))
    x = rng.random((n_train + n_test, N_IN)).astype(dtype)
    y = np.argmax((x - 0.5) @ m, axis=1).astype(np.int64)
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]


def reference_training(widths, sigma_w2, sigma_b2, seed, data, *, lr, n_epochs, batch_size, optimizer="sgd",
                       momentum=0.0, data_seed=None, shuffle=True, drop_last=False, activation="tanh",
                       final_activation=True, softmax_output=False, threshold=np.inf, dtype=torch.float64):
    """One network trained alone the plain way; returns (parameters, test accuracies, train losses)."""
    x, y, xt, yt = (torch.as_tensor(a) for a in data)
    x, xt = x.to(dtype), xt.to(dtype)
    net = GaussianMLP(widths, sigma_w2, sigma_b2, activation=activation, final_activation=final_activation,
                      seed=seed, dtype=dtype)
    if optimizer == "sgd":
        opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    else:
        opt = torch.optim.Adam(net.parameters(), lr=lr)
    rng = np.random.default_rng(data_seed)
    n = x.shape[0]
    n_batches = n // batch_size if drop_last else -(-n // batch_size)
    accs, losses = [], []
    for _ in range(n_epochs):
        order = torch.from_numpy(rng.permutation(n) if shuffle else np.arange(n))
        batch_losses = []
        for j in range(n_batches):
            idx = order[j * batch_size:(j + 1) * batch_size]
            out = net(x[idx])
            if softmax_output:
                out = torch.softmax(out, dim=1)
            loss = F.cross_entropy(out, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            batch_losses.append(loss.item())
        losses.append(np.mean(batch_losses))
        with torch.no_grad():
            accs.append((net(xt).argmax(1) == yt).double().mean().item())
        if accs[-1] > threshold:
            break
    params = [(layer.weight.detach(), layer.bias.detach()) for layer in net.layers]
    return params, np.array(accs), np.array(losses)


def assert_params_close(net, params, rtol, atol):
    for layer, (w, b) in zip(net.layers, params):
        torch.testing.assert_close(layer.weight.detach(), w, rtol=rtol, atol=atol)
        torch.testing.assert_close(layer.bias.detach(), b, rtol=rtol, atol=atol)


CASES = {
    # Erdmenger et al.: SGD + momentum, cross entropy on tanh outputs, unshuffled, drop_last
    "egj": dict(optimizer="sgd", lr=0.05, momentum=0.8, shuffle=False, drop_last=True),
    # Thurn et al.: plain SGD, shuffled, double softmax
    "thurn": dict(optimizer="sgd", lr=0.2, momentum=0.0, data_seed=5, softmax_output=True),
    "adam_relu": dict(optimizer="adam", lr=3e-3, data_seed=1, activation="relu", final_activation=False),
    "linear": dict(optimizer="sgd", lr=0.05, momentum=0.5, data_seed=2, activation="linear",
                   final_activation=False),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_batched_equals_per_network_loop_float64(case):
    kw = CASES[case]
    data = toy_data()
    widths = [[N_IN, 12, 12, N_OUT], [N_IN, 10, N_OUT], [N_IN, 12, 12, N_OUT], [N_IN, 12, 12, N_OUT]]
    sigma_w2, sigma_b2, seeds = [1.0, 1.5, 2.5, 1.5], [0.05, 0.0, 0.05, 0.3], [3, 4, 5, 3]
    res = train_networks(widths, sigma_w2, seeds, *data, sigma_b2=sigma_b2, n_epochs=3, batch_size=16,
                         dtype=torch.float64, return_networks=True, progress=False, **kw)
    assert res.test_accuracy.shape == (4, 3) and res.train_loss.shape == (4, 3)
    for k in range(4):
        params, accs, losses = reference_training(widths[k], sigma_w2[k], sigma_b2[k], seeds[k], data, n_epochs=3,
                                                  batch_size=16, **kw)
        assert_params_close(res.networks[k], params, rtol=1e-10, atol=1e-12)
        np.testing.assert_array_equal(res.test_accuracy[k], accs)
        np.testing.assert_allclose(res.train_loss[k], losses, rtol=1e-10)
    assert not np.allclose(res.test_accuracy[0], res.test_accuracy[2]) or not np.allclose(
        res.train_loss[0], res.train_loss[2])  # different variances really train differently


def test_batched_equals_per_network_loop_float32():
    data = toy_data()
    res = train_networks([N_IN, 32, 32, 32, N_OUT], [1.2, 1.8, 3.0], [0, 1, 2], *data, n_epochs=2, batch_size=8,
                         lr=0.05, momentum=0.8, data_seed=9, return_networks=True, progress=False)
    for k, sw in enumerate([1.2, 1.8, 3.0]):
        params, accs, losses = reference_training([N_IN, 32, 32, 32, N_OUT], sw, 0.05, k, data, lr=0.05,
                                                  momentum=0.8, n_epochs=2, batch_size=8, data_seed=9,
                                                  dtype=torch.float32)
        assert_params_close(res.networks[k], params, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(res.train_loss[k], losses, rtol=1e-5)
        assert np.all(np.abs(res.test_accuracy[k] - accs) <= 1 / 60 + 1e-12)  # at most one borderline sample


def test_early_stopping_matches_reference_and_frees_the_rest():
    data = toy_data()
    widths, sigma_w2, seeds = [N_IN, 12, N_OUT], [0.5, 1.0, 2.0, 4.0], [0, 1, 2, 3]
    kw = dict(lr=0.05, momentum=0.8, data_seed=3, n_epochs=8, batch_size=16)
    free = train_networks(widths, sigma_w2, seeds, *data, dtype=torch.float64, progress=False, **kw)
    threshold = float(np.median(free.test_accuracy[:, 3]))  # some networks pass it early, some late or never
    res = train_networks(widths, sigma_w2, seeds, *data, dtype=torch.float64, accuracy_threshold=threshold,
                         return_networks=True, progress=False, **kw)
    above = free.test_accuracy > threshold
    expected = np.where(above.any(1), above.argmax(1) + 1, -1)
    np.testing.assert_array_equal(res.epochs_to_threshold, expected)
    assert (expected > 0).any() and ((expected == -1) | (expected > 1)).any()
    for k in range(4):
        e = res.epochs_trained[k]
        assert e == (expected[k] if expected[k] > 0 else 8)
        np.testing.assert_array_equal(res.test_accuracy[k, :e], free.test_accuracy[k, :e])
        assert np.isnan(res.test_accuracy[k, e:]).all() and np.isnan(res.train_loss[k, e:]).all()
        assert res.final_test_accuracy[k] == free.test_accuracy[k, e - 1]
        params, accs, _ = reference_training(widths, sigma_w2[k], 0.05, seeds[k], data, threshold=threshold,
                                             dtype=torch.float64, **kw)
        assert len(accs) == e
        assert_params_close(res.networks[k], params, rtol=1e-10, atol=1e-12)


def test_reproducible_bit_for_bit_and_seed_dependent():
    data = toy_data()
    kw = dict(n_epochs=2, lr=0.1, momentum=0.8, batch_size=16, return_networks=True, progress=False)
    a = train_networks([N_IN, 16, 16, N_OUT], [1.5, 2.0], [0, 1], *data, data_seed=4, **kw)
    b = train_networks([N_IN, 16, 16, N_OUT], [1.5, 2.0], [0, 1], *data, data_seed=4, **kw)
    c = train_networks([N_IN, 16, 16, N_OUT], [1.5, 2.0], [0, 1], *data, data_seed=5, **kw)
    np.testing.assert_array_equal(a.train_loss, b.train_loss)
    np.testing.assert_array_equal(a.test_accuracy, b.test_accuracy)
    for na, nb, nc in zip(a.networks, b.networks, c.networks):
        for pa, pb, pc in zip(na.parameters(), nb.parameters(), nc.parameters()):
            assert torch.equal(pa, pb)
            assert not torch.equal(pa, pc)


def test_snapshots_initialisation_and_metadata():
    data = toy_data()
    res = train_networks([N_IN, 10, N_OUT], [1.3, 2.2], [7, 8], *data, n_epochs=3, lr=0.1, data_seed=0,
                         snapshot_epochs=[0, 1], return_networks=True, progress=False)
    assert sorted(res.snapshots) == [0, 1]
    for k, (sw, seed) in enumerate([(1.3, 7), (2.2, 8)]):
        init = GaussianMLP([N_IN, 10, N_OUT], sw, 0.05, seed=seed)
        for p, q in zip(res.snapshots[0][k].parameters(), init.parameters()):
            assert torch.equal(p, q)  # the trainer starts from exactly GaussianMLP's initialisation
        net = res.networks[k]
        assert (net.widths, net.sigma_w2, net.sigma_b2) == ([N_IN, 10, N_OUT], sw, 0.05)
        x = torch.as_tensor(data[2])
        acc0 = (res.snapshots[0][k](x).argmax(1).numpy() == data[3]).mean()
        acc1 = (res.snapshots[1][k](x).argmax(1).numpy() == data[3]).mean()
        assert acc0 == res.initial_test_accuracy[k] and acc1 == res.test_accuracy[k, 0]
        assert not torch.equal(res.snapshots[1][k].layers[0].weight, net.layers[0].weight)


def test_manual_gradients_match_autograd():
    torch.manual_seed(0)
    x, y = torch.rand(7, 5, dtype=torch.float64), torch.randint(0, 4, (7,))
    for activation, final, soft in [("tanh", True, True), ("relu", False, False), ("tanh", False, True)]:
        nets = [GaussianMLP([5, 6, 6, 4], sw, 0.1, activation=activation, final_activation=final, seed=s,
                            dtype=torch.float64) for s, sw in [(0, 1.0), (1, 2.0)]]
        stack = StackedMLP.from_networks(nets, softmax_output=soft)
        loss = stack.sgd_step(x, y, lr=1.0)
        for k, net in enumerate(nets):
            out = net(x)
            ref_loss = F.cross_entropy(torch.softmax(out, 1) if soft else out, y)
            ref_loss.backward()
            assert abs(loss[k].item() - ref_loss.item()) < 1e-12
            for l, layer in enumerate(net.layers):  # one step with lr = 1: theta_new = theta - grad
                torch.testing.assert_close(layer.weight.detach() - stack.weights[l][k], layer.weight.grad,
                                           rtol=1e-9, atol=1e-12)
                torch.testing.assert_close(layer.bias.detach() - stack.biases[l][k], layer.bias.grad,
                                           rtol=1e-9, atol=1e-12)


def test_learns_separable_problem_with_paper_settings():
    data = toy_data(n_train=200, n_test=100)
    res = train_networks([N_IN, 20, 20, N_OUT], [1.0, 1.76], [0, 1], *data, n_epochs=10, data_seed=0,
                         progress=True, **dict(paper_settings("erdmenger2022"), lr=0.2))
    assert (res.final_test_accuracy > 0.85).all() and (res.initial_test_accuracy < 0.6).all()
    assert (res.train_loss[:, -1] < res.train_loss[:, 0]).all()


def test_epoch_orders_and_cost():
    o = epoch_orders(10, 3, seed=1)
    assert o.shape == (3, 10) and all(sorted(row) == list(range(10)) for row in o)
    assert not np.array_equal(o[0], o[1])
    np.testing.assert_array_equal(epoch_orders(4, 2, shuffle=False), [[0, 1, 2, 3]] * 2)
    assert training_cost([3, 4, 2], n_train=10, n_test=5, n_epochs=2) == 20 * (3 * 10 * 2 + 5 * 3)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    data = toy_data()
    kw = dict(n_epochs=2, lr=0.05, momentum=0.8, data_seed=0, dtype=torch.float64, return_networks=True,
              progress=False)
    cpu = train_networks([N_IN, 16, 16, N_OUT], [1.5, 2.5], [0, 1], *data, **kw)
    gpu = train_networks([N_IN, 16, 16, N_OUT], [1.5, 2.5], [0, 1], *data, device="cuda", **kw)
    assert gpu.networks[0].layers[0].weight.is_cuda
    np.testing.assert_allclose(gpu.train_loss, cpu.train_loss, rtol=1e-9)
    for a, b in zip(cpu.networks, gpu.networks):
        assert_params_close(b.cpu(), [(l.weight.detach(), l.bias.detach()) for l in a.layers], 1e-9, 1e-12)


def _call(**over):
    x, y, xt, yt = toy_data(n_train=20, n_test=10)
    kw = dict(widths=[N_IN, 4, N_OUT], sigma_w2=1.0, seeds=0, x_train=x, y_train=y, x_test=xt, y_test=yt, lr=0.1,
              data_seed=0, progress=False)
    kw.update(over)
    return train_networks(**kw)


@pytest.mark.parametrize("over, exc, text", [
    (dict(widths=[N_IN]), ValueError, "widths"),
    (dict(widths=[[N_IN, 4, N_OUT], [N_IN, 4, 2]]), ValueError, "widths"),
    (dict(widths=[[N_IN, 4, N_OUT], [N_IN, 0, N_OUT]]), ValueError, "widths[1]"),
    (dict(sigma_w2=[1.0, 2.0], seeds=[0, 1, 2]), ValueError, "equal lengths"),
    (dict(sigma_w2=0.0), ValueError, "sigma_w2"),
    (dict(sigma_b2=-1.0), ValueError, "sigma_b2"),
    (dict(seeds=1.5), TypeError, "seeds"),
    (dict(seeds=[-1]), ValueError, "seeds"),
    (dict(lr=0.0), ValueError, "lr"),
    (dict(momentum=1.0), ValueError, "momentum"),
    (dict(optimizer="adam", momentum=0.5), ValueError, "momentum"),
    (dict(optimizer="rmsprop"), ValueError, "optimizer"),
    (dict(n_epochs=0), ValueError, "n_epochs"),
    (dict(batch_size=True), TypeError, "batch_size"),
    (dict(data_seed=None), ValueError, "data_seed"),
    (dict(accuracy_threshold=1.5), ValueError, "accuracy_threshold"),
    (dict(snapshot_epochs=[2]), ValueError, "snapshot_epochs[0]"),
    (dict(dtype=torch.float16), TypeError, "dtype"),
    (dict(activation="gelu"), ValueError, "activation"),
    (dict(x_train=np.zeros((20, N_IN + 1), np.float32)), ValueError, "x_train"),
    (dict(x_train=np.full((20, N_IN), np.nan, np.float32)), ValueError, "x_train"),
    (dict(x_test=[[0.0] * N_IN]), TypeError, "x_test"),
    (dict(y_train=np.zeros(20)), TypeError, "y_train"),
    (dict(y_train=np.full(20, N_OUT)), ValueError, "y_train"),
    (dict(y_test=np.zeros(9, np.int64)), ValueError, "y_test"),
    (dict(batch_size=50, drop_last=True), ValueError, "batch_size"),
    (dict(max_multiply_adds=100.0), ValueError, "max_multiply_adds"),
    (dict(shuffle=1), TypeError, "shuffle"),
])
def test_bad_input_names_the_argument(over, exc, text):
    with pytest.raises(exc, match=__import__("re").escape(text)):
        _call(**over)


def test_paper_settings_unknown():
    with pytest.raises(ValueError, match="paper"):
        paper_settings("egj")


def test_stack_built_from_seeds_equals_stack_of_gaussian_mlps():
    nets = [GaussianMLP([5, 7, 4], sw, sb, seed=s) for s, sw, sb in [(0, 1.0, 0.0), (3, 2.0, 0.1)]]
    a = StackedMLP.from_networks(nets)
    b = StackedMLP.initialised([5, 7, 4], [1.0, 2.0], [0.0, 0.1], [0, 3])
    for wa, wb in zip(a.weights + a.biases, b.weights + b.biases):
        assert torch.equal(wa, wb)
    back = b.to_networks([1.0, 2.0], [0.0, 0.1], [0, 3])
    x = torch.rand(3, 5)
    assert torch.equal(back[1](x), nets[1](x)) and back[1].sigma_w2 == 2.0
    with pytest.raises(ValueError, match="weights"):
        StackedMLP([torch.zeros(2, 3, 4), torch.zeros(2, 5, 2)], [torch.zeros(2, 3), torch.zeros(2, 5)])
    with pytest.raises(ValueError, match="networks"):
        StackedMLP.from_networks([nets[0], GaussianMLP([5, 6, 4], 1.0, 0.0, seed=0)])
