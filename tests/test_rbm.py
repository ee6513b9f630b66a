"""Tests of rglib.nets.rbm against brute-force enumeration on tiny RBMs."""
import itertools
import math

import numpy as np
import pytest
import torch

from rglib.nets import rbm as R


def _all(n, units):
    s = np.array(list(itertools.product((1.0, -1.0), repeat=n)))
    return s if units == "spin" else (s + 1) / 2


def _brute(rbm):
    """log Z, p(v) and the conditionals by summing over every (v, h)."""
    nv, nh = rbm.W.shape
    V = torch.tensor(_all(nv, rbm.units))
    H = torch.tensor(_all(nh, rbm.units))
    negE = V @ rbm.W @ H.T + (V @ rbm.a)[:, None] + (H @ rbm.b)[None, :]
    logz = torch.logsumexp(negE.reshape(-1), 0)
    return V, H, negE, float(logz)


def _random_rbm(nv, nh, units, seed):
    g = torch.Generator().manual_seed(seed)
    return R.RBM(torch.randn(nv, nh, generator=g, dtype=torch.float64) * 0.7,
                 torch.randn(nv, generator=g, dtype=torch.float64) * 0.3,
                 torch.randn(nh, generator=g, dtype=torch.float64) * 0.3, units)


@pytest.mark.parametrize("units", R.UNITS)
@pytest.mark.parametrize("nv,nh", [(4, 3), (3, 5)])
def test_log_partition_and_free_energy_against_enumeration(units, nv, nh):
    rbm = _random_rbm(nv, nh, units, 1)
    V, H, negE, logz = _brute(rbm)
    assert R.rbm_log_partition(rbm) == pytest.approx(logz, abs=1e-12)
    assert R.rbm_log_partition(rbm, chunk_size=2) == pytest.approx(logz, abs=1e-12)
    F = R.free_energy(rbm, V)
    assert torch.allclose(-F, torch.logsumexp(negE, dim=1), atol=1e-12)
    assert R.rbm_log_likelihood(rbm, V[:2]) == pytest.approx(float((-F[:2]).mean()) - logz, abs=1e-12)


@pytest.mark.parametrize("units", R.UNITS)
def test_conditionals_against_enumeration(units):
    rbm = _random_rbm(3, 2, units, 2)
    V, H, negE, _ = _brute(rbm)
    p_h_given_v = torch.softmax(negE, dim=1)  # (states v, states h)
    assert torch.allclose(R.hidden_mean(rbm, V), p_h_given_v @ H, atol=1e-12)
    p_v_given_h = torch.softmax(negE, dim=0)
    assert torch.allclose(R.visible_mean(rbm, H), p_v_given_h.T @ V, atol=1e-12)


def test_sampled_conditionals_match_means():
    rbm = _random_rbm(5, 3, "spin", 3)
    v = torch.ones(20000, 5, dtype=torch.float64)
    h = R.sample_hidden(rbm, v, seed=0)
    mean = R.hidden_mean(rbm, v[:1])[0]
    se = torch.sqrt((1 - mean**2) / len(v))
    assert torch.all(torch.abs(h.mean(0) - mean) < 5 * se)
    assert set(torch.unique(h).tolist()) <= {-1.0, 1.0}


def test_gibbs_chain_samples_the_joint_distribution():
    rbm = _random_rbm(3, 2, "spin", 4)
    V, _, negE, _ = _brute(rbm)
    p_v = torch.softmax(torch.logsumexp(negE, dim=1), 0).numpy()
    v, _ = R.gibbs_chain(rbm, torch.ones(40000, 3, dtype=torch.float64), 30, seed=5)
    idx = ((1 - v.numpy()) / 2 @ (2 ** np.arange(2, -1, -1))).astype(int)
    freq = np.bincount(idx, minlength=8) / len(idx)
    se = np.sqrt(p_v * (1 - p_v) / len(idx))
    assert np.all(np.abs(freq - p_v) < 5 * se + 1e-9)


def test_training_increases_exact_log_likelihood_and_is_reproducible():
    rng = np.random.default_rng(0)
    base = np.array([[1, 1, 1, 1, -1, -1], [-1, -1, -1, -1, 1, 1]], dtype=float)
    x = base[rng.integers(0, 2, 400)]
    flips = rng.random(x.shape) < 0.05
    x = np.where(flips, -x, x)
    for method in ("cd", "pcd"):
        fit = R.train_rbm(x, 3, method=method, n_epochs=15, learning_rate=0.05, batch_size=20,
                          monitor_likelihood=True, seed=7)
        untrained = R.init_rbm(6, 3, seed=7)
        assert fit.log_likelihood[-1] > R.rbm_log_likelihood(untrained, x) + 1.0
        assert fit.log_likelihood[-1] > fit.log_likelihood[0]
        again = R.train_rbm(x, 3, method=method, n_epochs=15, learning_rate=0.05, batch_size=20,
                            monitor_likelihood=True, seed=7)
        assert torch.equal(fit.rbm.W, again.rbm.W) and np.array_equal(fit.reconstruction_error,
                                                                        again.reconstruction_error)


def test_binary_training_runs_and_flow_shapes():
    x = (np.random.default_rng(1).random((64, 8)) < 0.3).astype(float)
    fit = R.train_rbm(x, 4, units="binary", n_epochs=3, seed=0)
    assert fit.rbm.units == "binary" and np.all(np.isfinite(fit.reconstruction_error))
    flow = R.rbm_flow(fit.rbm, torch.tensor(x[:5]), 4, seed=1)
    assert flow.shape == (5, 5, 8) and set(torch.unique(flow).tolist()) <= {0.0, 1.0}
    mf = R.rbm_flow(fit.rbm, torch.tensor(x[:5]), 4, sample=False)
    assert torch.all((mf >= 0) & (mf <= 1))
    assert torch.equal(R.rbm_flow(fit.rbm, torch.tensor(x[:5]), 4, seed=1), flow)


def test_bad_input_is_named():
    rbm = R.init_rbm(4, 2, seed=0)
    with pytest.raises(ValueError, match="units"):
        R.init_rbm(4, 2, units="ising")
    with pytest.raises(ValueError, match="n_visible"):
        R.init_rbm(0, 2)
    with pytest.raises(ValueError, match="v must contain only"):
        R.free_energy(rbm, torch.zeros(1, 4))
    with pytest.raises(ValueError, match=r"v must have shape \(batch, 4\)"):
        R.hidden_mean(rbm, torch.ones(2, 3))
    with pytest.raises(TypeError, match="rbm must be"):
        R.hidden_mean((rbm.W, rbm.a, rbm.b), torch.ones(1, 4))
    with pytest.raises(ValueError, match="seed must be given"):
        R.sample_hidden(rbm, torch.ones(1, 4), seed=None)
    with pytest.raises(ValueError, match="method"):
        R.train_rbm(np.ones((3, 4)), 2, method="adam")
    with pytest.raises(ValueError, match="learning_rate"):
        R.train_rbm(np.ones((3, 4)), 2, learning_rate=0.0)
    with pytest.raises(ValueError, match="data must contain only"):
        R.train_rbm(np.zeros((3, 4)), 2)
    big = R.init_rbm(30, 30, seed=0)
    with pytest.raises(ValueError, match="MAX_EXACT_UNITS"):
        R.rbm_log_partition(big)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu_shapes():
    rbm = R.init_rbm(6, 3, seed=0, device="cuda")
    v = torch.ones(4, 6, device="cuda", dtype=torch.float64)
    assert R.hidden_mean(rbm, v).device.type == "cuda"
    assert R.rbm_flow(rbm, v, 2, seed=0).device.type == "cuda"
    assert math.isfinite(R.rbm_log_partition(rbm))


def test_callback_snapshots_and_l1_penalty():
    rng = np.random.default_rng(3)
    x = np.where(rng.random((300, 8)) < 0.5, 1.0, -1.0)
    x[:, 1] = x[:, 0]  # one correlated pair, six independent spins
    seen = []
    fit = R.train_rbm(x, 4, n_epochs=4, learning_rate=0.05, batch_size=100, seed=2,
                      callback=lambda epoch, rbm: seen.append((epoch, rbm)))
    assert [e for e, _ in seen] == list(range(1, 5))
    assert torch.equal(seen[-1][1].W, fit.rbm.W) and not torch.equal(seen[0][1].W, fit.rbm.W)
    seen[-1][1].W.zero_()  # snapshots are copies
    assert not torch.all(fit.rbm.W == 0)
    opts = dict(n_epochs=30, learning_rate=0.05, batch_size=30, weight_std=0.1, seed=2)
    plain = R.train_rbm(x, 4, **opts)
    sparse = R.train_rbm(x, 4, l1_penalty=0.01, **opts)
    # the L1 penalty removes the couplings to the independent spins, not those to the correlated pair
    assert sparse.rbm.W[2:].abs().mean() < 0.3 * plain.rbm.W[2:].abs().mean()
    assert sparse.rbm.W[:2].abs().max() > 0.5


def test_training_options_bad_input():
    with pytest.raises(ValueError, match="l1_penalty"):
        R.train_rbm(np.ones((3, 4)), 2, l1_penalty=-0.1)
    with pytest.raises(TypeError, match="callback"):
        R.train_rbm(np.ones((3, 4)), 2, callback=3)
