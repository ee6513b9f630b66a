"""Tests of rglib.nets.receptive_fields: patch measures on exactly known maps, matching and coverage."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rglib.nets import receptive_fields as rf


def _block_map(L, top, left, height, width, value=1.0):
    m = np.zeros((L, L))
    rows = (top + np.arange(height)) % L
    cols = (left + np.arange(width)) % L
    m[np.ix_(rows, cols)] = value
    return m


@given(st.integers(1, 4), st.integers(0, 15), st.integers(0, 15), st.sampled_from([1.0, -0.3]))
def test_uniform_square_block_has_side_b_anywhere_on_the_torus(b, top, left, value):
    m = _block_map(16, top, left, b, b, value)[None]
    s = rf.patch_statistics(m)
    assert s.side[0] == pytest.approx(b, abs=1e-12)
    assert s.raw_side[0] == pytest.approx(b, abs=1e-12)
    assert s.elongation[0] == pytest.approx(1.0, abs=1e-9)
    assert s.core_size[0] == b * b and s.tail_fraction[0] == 0.0
    expected = np.array([(top + (b - 1) / 2) % 16, (left + (b - 1) / 2) % 16])
    assert np.allclose(rf.periodic_displacement(s.centre[0], expected, 16), 0.0, atol=1e-9)


def test_rectangle_shape_and_orientation():
    s = rf.patch_statistics(_block_map(12, 3, 2, 2, 4)[None])
    # variances (l^2 - 1)/12 of 2 rows and 4 columns: 0.25 and 1.25
    assert s.side[0] == pytest.approx(np.sqrt(1 + 6 * 1.5))
    assert s.elongation[0] == pytest.approx(np.sqrt(5.0))
    assert s.orientation[0] == pytest.approx(np.pi / 2)  # major axis along the columns
    s_t = rf.patch_statistics(_block_map(12, 3, 2, 4, 2)[None])
    assert s_t.orientation[0] == pytest.approx(0.0) and s_t.elongation[0] == pytest.approx(np.sqrt(5.0))


def test_tail_fraction_counts_excess_outside_the_connected_core():
    m = _block_map(16, 2, 2, 2, 2, 1.0) + _block_map(16, 10, 10, 2, 2, 0.4)  # second patch below half maximum
    s = rf.patch_statistics(m[None])
    assert s.core_size[0] == 4 and s.side[0] == pytest.approx(2.0)
    assert s.tail_fraction[0] == pytest.approx(1.6 / 5.6)
    # a second patch above half maximum but not connected to the peak stays outside the core
    m2 = _block_map(16, 2, 2, 2, 2, 1.0) + _block_map(16, 10, 10, 2, 2, 0.9)
    s2 = rf.patch_statistics(m2[None])
    assert s2.core_size[0] == 4 and s2.tail_fraction[0] == pytest.approx(3.6 / 7.6)


def test_background_is_subtracted_and_contrast_separates_patch_from_noise():
    rng = np.random.default_rng(0)
    noise = 0.01 * rng.standard_normal((2, 32, 32))
    maps = 0.8 + noise  # an ordered-phase background
    maps[0] += _block_map(32, 5, 7, 2, 2, 0.1)
    s = rf.patch_statistics(maps)
    assert s.side[0] == pytest.approx(2.0, abs=0.05) and s.core_size[0] == 4
    assert s.contrast[0] > 6 and s.contrast[1] < 6
    assert s.background[0] == pytest.approx(0.8, abs=0.01)
    assert s.raw_side[0] > 25  # the plain second moment sees the background: about the lattice size


@given(st.integers(0, 31), st.integers(0, 31))
def test_centres_move_with_the_map(dr, dc):
    rng = np.random.default_rng(1)
    m = np.abs(rng.standard_normal((3, 32, 32))) * 0.05
    m[:, 10:13, 4:6] += 1.0
    s0 = rf.patch_statistics(m)
    s1 = rf.patch_statistics(np.roll(m, (dr, dc), axis=(1, 2)))
    assert np.allclose(rf.periodic_displacement(s1.centre, s0.centre + [dr, dc], 32), 0.0, atol=1e-9)
    assert np.allclose(s1.side, s0.side) and np.allclose(s1.tail_fraction, s0.tail_fraction)


def test_align_signs():
    rng = np.random.default_rng(2)
    m = rng.standard_normal((20, 4, 5))
    aligned, signs = rf.align_signs(m)
    flat = aligned.reshape(20, -1)
    assert np.all(flat[np.arange(20), np.argmax(np.abs(flat), axis=1)] > 0)
    assert np.array_equal(aligned, m * signs[:, None, None]) and set(signs) <= {-1.0, 1.0}


def test_matching_coverage_and_selection():
    blocks = rf.block_centres((8, 8), 2)
    perm = np.random.default_rng(3).permutation(len(blocks))
    assert np.allclose(rf.centre_matching_distance(blocks[perm], (8, 8), 2), 0.0)
    assert np.allclose(rf.centre_matching_distance(blocks + [0.5, 0.0], (8, 8), 2), 0.5)
    assert rf.block_coverage(blocks[perm], (8, 8), 2) == 1.0
    assert rf.block_coverage(np.full((16, 2), 0.7), (8, 8), 2) == 1 / 16
    chosen = rf.select_by_centre(blocks[perm], (8, 8), 4)
    assert np.array_equal(perm[chosen], np.arange(16))  # row-major block order
    # random centres cover about 1 - (1 - 1/B)^B of the blocks
    cov = [rf.block_coverage(rf.random_centres(256, (32, 32), seed=s), (32, 32), 2) for s in range(20)]
    assert abs(np.mean(cov) - (1 - (1 - 1 / 256) ** 256)) < 0.02


def test_bad_input():
    with pytest.raises(ValueError, match="maps must have shape"):
        rf.patch_statistics(np.ones((4, 4)))
    with pytest.raises(ValueError, match="threshold"):
        rf.patch_statistics(np.ones((1, 4, 4)), threshold=0.0)
    with pytest.raises(ValueError, match="maps must be finite"):
        rf.align_signs(np.full((1, 2, 2), np.nan))
    with pytest.raises(ValueError, match="centres must have shape"):
        rf.block_coverage(np.ones((3, 3)), (4, 4))
    with pytest.raises(ValueError, match="must divide"):
        rf.centre_matching_distance(np.ones((3, 2)), (5, 4), 2)
    with pytest.raises(ValueError, match="n_side"):
        rf.select_by_centre(np.ones((3, 2)), (4, 4), 2)
    with pytest.raises(TypeError, match="shape"):
        rf.block_coverage(np.ones((3, 2)), 4)
    with pytest.raises(ValueError, match="period"):
        rf.periodic_displacement(1.0, 0.0, 0)


def test_radial_profile_against_loops():
    rng = np.random.default_rng(7)
    m = rng.standard_normal((3, 10, 12))
    c = np.array([[0.0, 0.0], [4.5, 11.5], [9.2, 3.3]])
    prof = rf.radial_profile(m, c)
    assert prof.shape == (3, 5)
    for a in range(3):
        for k in range(5):
            vals = [m[a, i, j] for i in range(10) for j in range(12)
                    if k <= np.hypot(rf.periodic_displacement(i, c[a, 0], 10), rf.periodic_displacement(j, c[a, 1], 12)) < k + 1]
            assert prof[a, k] == pytest.approx(np.mean(vals))
    with pytest.raises(ValueError, match="one row per map"):
        rf.radial_profile(m, c[:2])
