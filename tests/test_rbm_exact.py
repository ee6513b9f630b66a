"""Tests of rglib.nets.rbm_exact against brute-force sums over all (v, h) of tiny RBMs."""
import itertools

import numpy as np
import pytest
import torch

from rglib.entropy import kl_divergence
from rglib.ising.enumeration import all_spin_configurations, configuration_index
from rglib.nets import rbm as R
from rglib.nets import rbm_exact as X


def _joint(rbm):
    nv, nh = rbm.W.shape
    V = torch.tensor(all_spin_configurations(nv), dtype=torch.float64)
    H = torch.tensor(all_spin_configurations(nh), dtype=torch.float64)
    if rbm.units == "binary":
        V, H = (V + 1) / 2, (H + 1) / 2
    negE = V @ rbm.W @ H.T + (V @ rbm.a)[:, None] + (H @ rbm.b)[None, :]
    return negE - torch.logsumexp(negE.reshape(-1), 0)  # ln p(v, h), shape (2**nv, 2**nh)


def _random_rbm(nv, nh, units, seed):
    g = torch.Generator().manual_seed(seed)
    return R.RBM(torch.randn(nv, nh, generator=g, dtype=torch.float64) * 0.8,
                 torch.randn(nv, generator=g, dtype=torch.float64) * 0.3,
                 torch.randn(nh, generator=g, dtype=torch.float64) * 0.3, units)


@pytest.mark.parametrize("units", R.UNITS)
@pytest.mark.parametrize("nv,nh", [(5, 3), (3, 4)])
def test_marginals_against_enumeration(units, nv, nh):
    rbm = _random_rbm(nv, nh, units, 11)
    lj = _joint(rbm)
    assert np.allclose(X.rbm_visible_log_probabilities(rbm), torch.logsumexp(lj, 1).numpy(), atol=1e-12)
    assert np.allclose(X.rbm_hidden_log_probabilities(rbm), torch.logsumexp(lj, 0).numpy(), atol=1e-12)


@pytest.mark.parametrize("units", R.UNITS)
def test_encoded_distribution_against_enumeration(units):
    rbm = _random_rbm(6, 3, units, 12)
    lj = _joint(rbm)
    log_cond = (lj - torch.logsumexp(lj, 1, keepdim=True)).numpy()  # ln p(h | v)
    lp = np.log(np.random.default_rng(0).dirichlet(np.ones(64)))
    expected = np.log(np.exp(lp[:, None] + log_cond).sum(axis=0))
    assert np.allclose(X.encoded_hidden_log_probabilities(rbm, lp), expected, atol=1e-12)
    assert np.allclose(X.encoded_hidden_log_probabilities(rbm, lp, chunk_size=5), expected, atol=1e-12)
    # encoding the RBM's own visible marginal gives its hidden marginal
    own = X.encoded_hidden_log_probabilities(rbm, X.rbm_visible_log_probabilities(rbm))
    assert np.allclose(own, X.rbm_hidden_log_probabilities(rbm), atol=1e-12)


def test_relabeled_kl_finds_the_relabelling():
    rng = np.random.default_rng(4)
    n = 4
    lq = np.log(rng.dirichlet(np.ones(2**n)))
    S = all_spin_configurations(n)
    for perm, signs in [((2, 0, 3, 1), (1, -1, -1, 1)), ((0, 1, 2, 3), (1, 1, 1, 1)), ((3, 2, 1, 0), (-1,) * 4)]:
        gS = S[:, list(perm)] * np.array(signs, dtype=np.int8)
        lp = lq[configuration_index(gS)]  # p = q o g
        r = X.relabeled_kl(lp, lq)
        assert r.kl < 1e-12
        assert np.allclose(lq[configuration_index(S[:, r.permutation] * r.signs.astype(np.int8))], lp)
    other = np.log(rng.dirichlet(np.ones(2**n)))
    r = X.relabeled_kl(other, lq)
    brute = min(kl_divergence(other, lq[configuration_index(S[:, list(p)] * np.array(s, dtype=np.int8))])
                for p in itertools.permutations(range(n)) for s in itertools.product((1, -1), repeat=n))
    assert r.kl == pytest.approx(brute, abs=1e-14) and r.kl <= r.kl_identity


def test_bad_input():
    rbm = R.init_rbm(3, 2, seed=0)
    with pytest.raises(ValueError, match="log_p_visible must have shape"):
        X.encoded_hidden_log_probabilities(rbm, np.log(np.full(4, 0.25)))
    with pytest.raises(ValueError, match="normalised"):
        X.encoded_hidden_log_probabilities(rbm, np.zeros(8))
    with pytest.raises(ValueError, match="MAX_LISTED_UNITS"):
        X.rbm_visible_log_probabilities(R.init_rbm(23, 1, seed=0))
    with pytest.raises(ValueError, match="MAX_RELABELED_SPINS"):
        X.relabeled_kl(np.zeros(2**7) - 7 * np.log(2), np.zeros(2**7) - 7 * np.log(2))
    with pytest.raises(ValueError, match="same length"):
        X.relabeled_kl(np.log([0.5, 0.5]), np.log([0.25] * 4))
    with pytest.raises(ValueError, match="log_p must not contain NaN"):
        X.relabeled_kl(np.array([np.nan, 0.0]), np.log([0.5, 0.5]))
