"""Tests of rglib.nets.rbm_flow_analysis: the ring as an RBM, thermometer helpers, correlators and the Delta fit."""
import numpy as np
import pytest
import torch

from rglib.entropy import kl_divergence
from rglib.ising import all_spin_configurations, kaufman_internal_energy
from rglib.nets.rbm import init_rbm, free_energy, rbm_log_partition
from rglib.nets.rbm_flow_analysis import (chain_as_rbm, rbm_layer_log_marginal, curve_temperature,
                                          confusion_matrix, axis_correlation, fit_scaling_dimension)
from rglib.rg import decimate_1d, ring_log_probabilities


@pytest.mark.parametrize("N, K", [(4, 0.3), (8, 0.8), (10, 2.0), (12, -0.5)])
def test_ring_rbm_hidden_marginal_is_decimated_ring(N, K):
    Kp = float(decimate_1d(K)[0])
    lp = rbm_layer_log_marginal(chain_as_rbm(N, K), "hidden")
    assert kl_divergence(lp, ring_log_probabilities(N // 2, Kp)) < 1e-12


def test_ring_rbm_joint_is_boltzmann():
    K = 0.7
    rbm = chain_as_rbm(8, K)
    s = all_spin_configurations(8).astype(np.float64)
    v, h = torch.from_numpy(s[:, 1::2]), torch.from_numpy(s[:, 0::2])
    lw = ((v @ rbm.W) * h).sum(1).numpy()
    assert np.allclose(lw - np.logaddexp.reduce(lw), ring_log_probabilities(8, K), atol=1e-12)


def test_visible_marginal_matches_free_energy_of_random_rbm():
    rbm = init_rbm(5, 3, weight_std=0.7, seed=4)
    rbm = rbm._replace(a=torch.tensor([0.1, -0.2, 0.3, 0.0, 0.5], dtype=torch.float64),
                       b=torch.tensor([0.4, -0.1, 0.2], dtype=torch.float64))
    v = torch.from_numpy(all_spin_configurations(5).astype(np.float64))
    expected = (-free_energy(rbm, v) - rbm_log_partition(rbm)).numpy()
    assert np.allclose(rbm_layer_log_marginal(rbm, "visible"), expected, atol=1e-12)
    assert np.isclose(np.logaddexp.reduce(rbm_layer_log_marginal(rbm, "hidden")), 0.0, atol=1e-12)


def test_chain_as_rbm_input_validation():
    with pytest.raises(ValueError, match="N"):
        chain_as_rbm(7, 0.5)
    with pytest.raises(ValueError, match="N"):
        chain_as_rbm(2, 0.5)
    with pytest.raises(ValueError, match="layer"):
        rbm_layer_log_marginal(chain_as_rbm(4, 0.5), "middle")
    with pytest.raises(ValueError, match="units"):
        rbm_layer_log_marginal(init_rbm(3, 2, units="binary"))


def test_curve_temperature_inverts_kaufman_energy():
    T = np.linspace(0.8, 20.0, 3000)
    u = kaufman_internal_energy(8, 8, 1.0 / T)
    T_true = np.array([1.3, 2.269, 4.0])
    T_hat = curve_temperature(kaufman_internal_energy(8, 8, 1.0 / T_true), T, u)
    assert np.allclose(T_hat, T_true, atol=2e-3)
    # decreasing curves work too, and out-of-range values clip to the ends
    assert np.allclose(curve_temperature([0.9, 0.05, 2.0], [1.0, 2.0, 3.0], [1.0, 0.5, 0.1]), [1.2, 3.0, 1.0])
    with pytest.raises(ValueError, match="monotone"):
        curve_temperature([0.5], [1.0, 2.0, 3.0], [0.0, 1.0, 0.5])
    with pytest.raises(ValueError, match="T_grid"):
        curve_temperature([0.5], [2.0, 1.0], [0.0, 1.0])


def test_confusion_matrix():
    c = confusion_matrix([0, 1, 1, 2, 2, 2], [0, 0, 1, 2, 2, 1], 4)
    assert np.allclose(c[:3], [[1, 0, 0, 0], [0.5, 0.5, 0, 0], [0, 1 / 3, 2 / 3, 0]])
    assert np.all(c[3] == 0)
    with pytest.raises(ValueError, match="true_labels"):
        confusion_matrix([0, 5], [0, 1], 3)
    with pytest.raises(TypeError, match="predicted_labels"):
        confusion_matrix([0, 1], [0.0, 1.0], 3)


def test_axis_correlation_stripes_and_checkerboard():
    L = 6
    x = np.arange(L)
    stripes = np.broadcast_to(np.where(x < 3, 1, -1)[None, :], (L, L))   # constant along axis 0
    G = axis_correlation(stripes[None])[0]
    # axis 0: 1 at every r; axis 1: 1 - 2 min(r, L - r)/3 * ... = (L - 4r)/L for r <= 3
    expected_axis1 = np.array([1.0, 1 / 3, -1 / 3, -1.0])
    assert np.allclose(G, 0.5 * (1.0 + expected_axis1))
    checker = np.where((x[:, None] + x[None, :]) % 2 == 0, 1, -1)
    assert np.allclose(axis_correlation(checker[None])[0], [1, -1, 1, -1])
    with pytest.raises(ValueError, match="spins"):
        axis_correlation(np.ones((2, 3, 4)))


def test_fit_scaling_dimension_recovers_exponent_with_noise_and_errors():
    L, delta = 32, 0.125
    r = np.arange(1, 17)
    d = L / np.pi * np.sin(np.pi * r / L)
    rng = np.random.default_rng(0)
    sigma = 0.002
    estimates = []
    for _ in range(200):
        G = 0.8 * d ** (-2 * delta) + sigma * rng.standard_normal(r.size)
        fit = fit_scaling_dimension(r, G, sigma, L)
        estimates.append((fit.delta, fit.delta_error))
    est = np.array(estimates)
    # unbiased within its own error, and the quoted error matches the scatter to 20 %
    assert abs(est[:, 0].mean() - delta) < 3 * est[:, 0].std() / np.sqrt(len(est))
    assert 0.8 < est[:, 0].std() / np.median(est[:, 1]) < 1.2
    with pytest.raises(ValueError, match="G"):
        fit_scaling_dimension(r[:3], [1.0, -0.1, 0.5], 0.1, L)
    with pytest.raises(ValueError, match="r"):
        fit_scaling_dimension([1, 2], [1.0, 0.5], 0.1, L)
