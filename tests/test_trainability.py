import numpy as np
import pytest
import torch

from rglib.nets import GaussianMLP
from rglib.nets.cascade import normalized_kl_curve, saturation_cutoff
from rglib.nets.trainability import (agreement, cascade_kl, cutoff_by_depth, cutoff_layer,
                                     largest_trainable_depth)


def test_cutoff_layer_is_index_plus_one_on_synthetic_curves():
    assert cutoff_layer([0.5, 0.8, 0.99, 1.0, 1.0]) == 3
    assert cutoff_layer([1.0, 1.004, 1.0]) == 0          # within 0.5 % everywhere
    assert cutoff_layer([0.1, 0.2, 0.3, 1.0]) == 3        # never saturates: censored at the last-but-one layer


def test_cutoff_by_depth_matches_truncating_by_hand():
    rng = np.random.default_rng(0)
    kl = np.cumsum(rng.random((20, 7)), axis=0) + 1.0
    kl[12:] = kl[11]                                      # saturates after layer 12
    for L in (5, 10, 15, 22):
        m = L - 2
        expected = saturation_cutoff(np.median(kl[:m] / kl[m - 1], axis=1)) + 1
        assert cutoff_by_depth(kl, [L])[0] == expected
    assert cutoff_by_depth(kl, [22])[0] == 11   # layer 12 already equals the final value
    with pytest.raises(ValueError, match="depths"):
        cutoff_by_depth(kl, [23])


def test_cutoff_by_depth_at_full_depth_is_the_networks_cutoff():
    net = GaussianMLP([12] * 9, 1.2, 0.05, seed=3)
    x = torch.rand(96, 12, generator=torch.Generator().manual_seed(0))
    r = cascade_kl(net, x, x[:30], n_layers=6, seed=1)
    assert r.kl.shape == (6, 30) and r.curve[-1] == 1.0
    assert cutoff_by_depth(r.kl, [8])[0] == r.cutoff
    assert cutoff_by_depth(r.kl, [5])[0] == cutoff_layer(normalized_kl_curve(r.kl[:3]))


def test_largest_trainable_depth_and_validation():
    got = largest_trainable_depth([4, 8, 12], np.array([[True, False, False], [False, True, True]]))
    assert got.tolist() == [4, 12]
    with pytest.raises(ValueError, match="reached"):
        largest_trainable_depth([4, 8], [[1, 0]])


def test_agreement_values():
    a = agreement([1, 2, 3, 4], [4, 3, 2, 1])
    assert a.spearman == pytest.approx(-1.0) and a.mean_abs_error == 2.0
    assert np.isnan(agreement([2, 2, 2], [1, 2, 3]).spearman)
    with pytest.raises(ValueError, match="predicted"):
        agreement([1], [1])


def test_ordered_network_saturates_earlier_than_near_critical():
    x = torch.rand(512, 32, generator=torch.Generator().manual_seed(5))
    cut = {}
    for sw in (0.3, 1.8):
        net = GaussianMLP([32] * 15, sw, 0.05, seed=0)
        cut[sw] = cascade_kl(net, x, x[:100], n_layers=12, n_epochs=4, seed=0).cutoff
    assert cut[0.3] < cut[1.8]


def test_cutoff_peak_on_synthetic_grids():
    from rglib.nets.trainability import cutoff_peak
    sw = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 4.0])
    # a parabola with its vertex at 1.8, sampled exactly: the three-point refinement recovers it
    true = 40 - 10 * (sw - 1.8) ** 2
    p = cutoff_peak(sw, np.stack([true, true + 2]))
    assert p.grid_peak == 2.0 and p.refined_peak == pytest.approx(1.8, abs=1e-9)
    assert p.height == pytest.approx(true[3] + 1) and p.height_error == pytest.approx(1.0)   # std sqrt(2) over two seeds, / sqrt(2)
    assert p.drop == pytest.approx((true[3] - true[0], true[3] - true[-1]))
    assert p.drop_error == (0.0, 0.0)                       # the offset between seeds cancels in the pairs
    # maximum at the end of the grid: no refinement; ties of one seed: mean of the tied grid values
    q = cutoff_peak(sw, [[1, 2, 3, 4, 5, 6], [1, 6, 2, 2, 2, 6]])
    assert q.grid_peak == 4.0 and q.refined_peak == 4.0 and q.seed_peaks.tolist() == [4.0, 2.5]
    assert q.drop_error[0] == pytest.approx(np.std([5, 5], ddof=1) / np.sqrt(2))
    assert np.isnan(cutoff_peak(sw, [true]).height_error)
    with pytest.raises(ValueError, match="sigma_w2"):
        cutoff_peak([1.0, 0.5, 2.0], [[1, 2, 3]])
    with pytest.raises(ValueError, match="cutoffs"):
        cutoff_peak(sw, [[1, 2, 3]])
