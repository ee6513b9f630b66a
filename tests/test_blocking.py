"""Tests of rglib.rg.blocking: block-spin rules on configuration arrays and the <v h> correlators."""
import numpy as np
import pytest

from rglib.rg.blocking import block_average, block_majority, visible_coarse_correlators


def _random(shape, seed=0):
    return np.random.default_rng(seed).choice(np.array([-1, 1], dtype=np.int8), size=shape)


def test_block_average_against_loops_and_magnetization():
    s = _random((3, 6, 9))
    out = block_average(s, 3)
    ref = np.array([[[s[k, 3 * I:3 * I + 3, 3 * J:3 * J + 3].mean() for J in range(3)] for I in range(2)]
                    for k in range(3)])
    assert np.array_equal(out, ref)
    assert np.allclose(out.mean(axis=(-2, -1)), s.mean(axis=(-2, -1)))


def test_majority_rule_signs_ties_and_seed():
    s = _random((200, 4, 4), 1)
    sums = block_average(s, 2) * 4
    m = block_majority(s, 2, seed=3)
    assert np.all(m[sums > 0] == 1) and np.all(m[sums < 0] == -1)
    ties = sums == 0
    assert abs((m[ties] == 1).mean() - 0.5) < 0.1  # fair coins over ~ 300 ties
    assert np.array_equal(block_majority(s, 2, seed=3), m)
    assert not np.array_equal(block_majority(s, 2, seed=4), m)
    assert np.array_equal(block_majority(s, 1), s)


def test_correlators_for_independent_spins_are_the_block_indicator():
    s = _random((20000, 4, 4), 2)
    C = visible_coarse_correlators(s, block_average(s, 2))
    expected = np.zeros((4, 16))
    for a in range(4):
        I, J = divmod(a, 2)
        mask = np.zeros((4, 4))
        mask[2 * I:2 * I + 2, 2 * J:2 * J + 2] = 0.25
        expected[a] = mask.ravel()
    assert np.max(np.abs(C - expected)) < 5 / np.sqrt(20000)


def test_bad_input():
    with pytest.raises(ValueError, match="must divide"):
        block_average(_random((5, 6)), 2)
    with pytest.raises(ValueError, match="only \\+1 and -1"):
        block_majority(np.zeros((4, 4), dtype=np.int8))
    with pytest.raises(TypeError, match="spins must be an integer array"):
        block_average(np.ones((4, 4)), 2)
    with pytest.raises(ValueError, match="b must be"):
        block_average(_random((4, 4)), 0)
    with pytest.raises(ValueError, match="same number"):
        visible_coarse_correlators(np.ones((3, 4)), np.ones((2, 1)))


def test_exact_majority_distribution_against_loops():
    from rglib.ising.enumeration import all_spin_configurations
    from rglib.rg.blocking import block_majority_log_probabilities
    rng = np.random.default_rng(5)
    p = rng.dirichlet(np.ones(256) * 0.3)
    S = all_spin_configurations(8).reshape(-1, 2, 4)
    expected = np.zeros(4)
    for s, ps in zip(S, p):
        left, right = s[:, :2].sum(), s[:, 2:].sum()
        for code, (hl, hr) in enumerate([(1, 1), (1, -1), (-1, 1), (-1, -1)]):
            pl = 1.0 if hl * left > 0 else (0.5 if left == 0 else 0.0)
            pr = 1.0 if hr * right > 0 else (0.5 if right == 0 else 0.0)
            expected[code] += ps * pl * pr
    with np.errstate(divide="ignore"):
        lp = np.log(p)
    out = block_majority_log_probabilities(lp, (2, 4), 2)
    assert np.allclose(np.exp(out), expected, rtol=1e-12, atol=0)
    assert np.allclose(block_majority_log_probabilities(lp, (2, 4), 2, chunk_size=8), out, atol=1e-13)
    # the average over the seeded coin flips of block_majority converges to it
    idx = rng.choice(256, size=40000, p=p)
    m = block_majority(S[idx], 2, seed=6).reshape(-1, 2)
    code = (m[:, 0] < 0) * 2 + (m[:, 1] < 0)
    freq = np.bincount(code, minlength=4) / len(code)
    assert np.all(np.abs(freq - expected) < 5 * np.sqrt(expected * (1 - expected) / len(code)) + 1e-12)
    # b = 1 is the identity map
    assert np.allclose(block_majority_log_probabilities(lp, (2, 4), 1), lp)


def test_exact_majority_bad_input():
    from rglib.rg.blocking import block_majority_log_probabilities
    with pytest.raises(ValueError, match="must divide"):
        block_majority_log_probabilities(np.zeros(2**6) - 6 * np.log(2), (2, 3), 2)
    with pytest.raises(ValueError, match="log_p must have shape"):
        block_majority_log_probabilities(np.zeros(8), (2, 4), 2)
    with pytest.raises(ValueError, match="normalised"):
        block_majority_log_probabilities(np.zeros(256), (2, 4), 2)
    with pytest.raises(ValueError, match="MAX_BLOCKED_SPINS"):
        block_majority_log_probabilities(np.zeros(4), (6, 6), 2)
