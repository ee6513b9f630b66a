"""Tests of rglib.nets.rbm_stack: greedy stacks, block-spin stacks, receptive fields, growth fits, layer lattices."""
import numpy as np
import pytest
import torch

from rglib._checks import seed_sequence
from rglib.ising import sample_configurations
from rglib.nets.rbm import RBM, init_rbm, train_rbm, sample_hidden
from rglib.nets.rbm_stack import (RBMStack, train_rbm_stack, block_spin_stack, stack_up, stack_receptive_fields,
                                  receptive_field_side, fit_growth_factor, stack_lattices)
from rglib.rg import block_majority


def _patterns(n=60, L=4, seed=0):
    """Half all-up, half all-down lattices with 10% of the spins flipped, flattened, float64."""
    rng = np.random.default_rng(seed)
    x = np.ones((n, L * L))
    x[n // 2:] = -1
    flip = rng.random(x.shape) < 0.1
    return torch.from_numpy(np.where(flip, -x, x))


# ----------------------------------------------------------------------------------------------- training
def test_stack_shapes_and_bit_identical_with_same_seed():
    x = _patterns()
    a = train_rbm_stack(x, [8, 4, 2], n_epochs=3, learning_rate=0.05, seed=7)
    b = train_rbm_stack(x, [8, 4, 2], n_epochs=3, learning_rate=0.05, seed=7)
    c = train_rbm_stack(x, [8, 4, 2], n_epochs=3, learning_rate=0.05, seed=8)
    assert [tuple(r.W.shape) for r in a.rbms] == [(16, 8), (8, 4), (4, 2)]
    assert all(torch.equal(p.W, q.W) and torch.equal(p.b, q.b) for p, q in zip(a.rbms, b.rbms))
    assert not torch.equal(a.rbms[1].W, c.rbms[1].W)
    assert [len(e) for e in a.reconstruction_error] == [3, 3, 3]


def test_stack_is_greedy_training_on_sampled_hidden_states():
    # independent reconstruction of the procedure from train_rbm and sample_hidden with the spawned seeds
    x = _patterns(seed=2)
    opts = dict(n_epochs=4, learning_rate=0.05, batch_size=16, l1_penalty=0.001)
    st = train_rbm_stack(x, [6, 3], seed=11, **opts)
    streams = seed_sequence(11).spawn(2)
    (t0, u0), (t1, _) = (tuple(int(v) for v in s.generate_state(2, dtype=np.uint32)) for s in streams)
    first = train_rbm(x, 6, seed=t0, **opts).rbm
    h = sample_hidden(first, x, seed=u0)
    second = train_rbm(h, 3, seed=t1, **opts).rbm
    assert torch.equal(st.rbms[0].W, first.W) and torch.equal(st.rbms[1].W, second.W)


def test_second_layer_learns_from_the_first():
    st = train_rbm_stack(_patterns(200, seed=3), [4, 2], n_epochs=30, learning_rate=0.1, batch_size=20, seed=1)
    err = st.reconstruction_error[1]
    assert err[-1] < 0.5 * err[0]


def test_binary_units_and_float32():
    x = (_patterns() + 1) / 2
    st = train_rbm_stack(x.float(), [4, 1], units="binary", n_epochs=2, seed=0, dtype=torch.float32)
    assert st.rbms[1].units == "binary" and st.rbms[1].W.dtype == torch.float32
    ups = stack_up(st, x.float(), seed=0)
    assert set(torch.unique(ups[2]).tolist()) <= {0.0, 1.0}


# ----------------------------------------------------------------------------------------------- block spins
def test_block_spin_fields_are_blocks_of_side_b_to_the_d():
    L = 16
    fields = stack_receptive_fields(block_spin_stack((L, L), 2, 3))
    for d, f in enumerate(fields, start=1):
        side = 2**d
        maps = f.reshape(-1, L, L)
        ref = np.zeros((L, L))
        ref[:side, :side] = 1.0                                  # one path per site
        assert np.array_equal(maps[0], ref)                       # unit 0: the top-left block
        assert np.allclose(receptive_field_side(f, (L, L)), side)
    fit = fit_growth_factor([1, 2, 3], [np.median(receptive_field_side(f, (L, L))) for f in fields])
    assert abs(fit.factor - 2.0) < 1e-12 and abs(fit.side_at_zero - 1.0) < 1e-12


def test_mean_field_pass_of_block_stack_is_majority_rule_without_ties():
    L = 8
    s = sample_configurations(L, [0.3, 0.6], 20, seed=1).spins.reshape(-1, L, L)
    ups = stack_up(block_spin_stack((L, L), 2, 2), s.reshape(-1, L * L), sample=False)
    blocks = s.reshape(-1, L // 2, 2, L // 2, 2).sum(axis=(2, 4))
    maj = block_majority(s, 2, seed=0)
    no_tie = blocks != 0
    assert np.array_equal(np.sign(ups[1].numpy().reshape(maj.shape))[no_tie], maj[no_tie])


def test_block_stack_lattices_land_on_their_blocks():
    L = 8
    s = sample_configurations(L, [0.5], 10, seed=3).spins[0]
    st = block_spin_stack((L, L), 2, 2)
    out = stack_lattices(st, s.reshape(-1, L * L), (L, L), sample=False)
    for d in (0, 1):
        assert np.array_equal(out.placement[d], np.arange(len(out.placement[d])))
        assert np.allclose(out.distance[d], 0.0)
    blocks = s.reshape(-1, L // 2, 2, L // 2, 2).sum(axis=(2, 4))
    expect = np.where(blocks < 0, -1, 1)                          # sign of tanh(block sum), ties -> +1
    assert np.array_equal(out.lattices[0], expect)


# ----------------------------------------------------------------------------------------------- fields
def test_receptive_field_side_limits():
    L = 32
    one = np.zeros((1, L, L)); one[0, 5, 7] = -3.0
    flat = np.full((1, L, L), 0.2)
    noise = np.random.default_rng(0).normal(size=(200, L * L))
    assert receptive_field_side(one, (L, L))[0] == 1.0
    assert np.isclose(receptive_field_side(flat, (L, L))[0], L)
    # Gaussian weights: N = (sum r^2)^2 / sum r^4 -> N/3
    assert abs(np.median(receptive_field_side(noise, (L, L))) / np.sqrt(L * L / 3) - 1) < 0.05
    assert np.isnan(receptive_field_side(np.zeros((1, L * L)), (L, L))[0])
    # invariant under scaling and sign, and under translation on the torus
    blk = np.zeros((L, L)); blk[3:8, 10:15] = 1.0
    sides = receptive_field_side(np.stack([blk, -7 * blk, np.roll(blk, (20, 25), (0, 1))]), (L, L))
    assert np.allclose(sides, 5.0)


def test_signed_fields_can_cancel():
    W1 = torch.tensor([[1.0, 1.0], [1.0, -1.0]])
    st = RBMStack((RBM(W1, torch.zeros(2), torch.zeros(2), "spin"),
                   RBM(torch.tensor([[1.0], [1.0]]), torch.zeros(2), torch.zeros(1), "spin")), ((), ()))
    assert stack_receptive_fields(st)[1].tolist() == [[2.0, 2.0]]
    assert stack_receptive_fields(st, absolute=False)[1].tolist() == [[2.0, 0.0]]


def test_growth_factor_fit():
    d = np.arange(1, 5)
    fit = fit_growth_factor(d, 1.5 * 1.7**d)
    assert np.isclose(fit.factor, 1.7) and np.isclose(fit.side_at_zero, 1.5) and fit.rms_residual < 1e-12
    noisy = fit_growth_factor(d, 1.7**d * np.exp([0.1, -0.1, -0.1, 0.1]))
    assert noisy.rms_residual == pytest.approx(0.1)
    assert np.isclose(noisy.factor, 1.7)                          # symmetric residuals leave the slope


# ----------------------------------------------------------------------------------------------- lattices
def _random_stack(L=8, seed=0):
    """Block-spin couplings (times 0.5) plus Gaussian noise of std 0.1: local fields with distinct centres."""
    blocks = block_spin_stack((L, L), 2, 2).rbms
    noise = [init_rbm(*r.W.shape, weight_std=0.1, seed=seed + d) for d, r in enumerate(blocks)]
    rbms = tuple(n._replace(W=0.5 * r.W + n.W) for r, n in zip(blocks, noise))
    return RBMStack(rbms, (np.empty(0), np.empty(0)))


def test_stack_lattices_ignore_unit_signs_and_order():
    L = 8
    st = _random_stack(L)
    v = torch.from_numpy(sample_configurations(L, [0.4], 30, seed=2).spins[0].reshape(-1, L * L).astype(np.float64))
    base = stack_lattices(st, v, (L, L), sample=False)
    r1, r2 = st.rbms
    perm = torch.from_numpy(np.random.default_rng(5).permutation(r1.W.shape[1]))
    flip = torch.ones(r1.W.shape[1], dtype=torch.float64); flip[::3] = -1
    r1p = RBM(r1.W[:, perm] * flip, r1.a, r1.b[perm] * flip, "spin")
    r2p = RBM(r2.W[perm] * flip[:, None], r2.a[perm] * flip, r2.b, "spin")
    other = stack_lattices(RBMStack((r1p, r2p), st.reconstruction_error), v, (L, L), sample=False)
    for a, b in zip(base.lattices, other.lattices):
        assert np.array_equal(a, b)
    assert np.array_equal(base.lattices[0].shape, (30, L // 2, L // 2)) and base.lattices[1].shape == (30, 2, 2)


def test_stack_lattices_aligned_with_magnetization_and_reproducible():
    L = 8
    st = _random_stack(L, seed=4)
    v = torch.from_numpy(sample_configurations(L, [0.6], 40, seed=6).spins[0].reshape(-1, L * L).astype(np.float64))
    a = stack_lattices(st, v, (L, L), seed=9)
    b = stack_lattices(st, v, (L, L), seed=9)
    assert all(np.array_equal(p, q) for p, q in zip(a.lattices, b.lattices))
    M = v.sum(1).numpy()
    for lat in a.lattices:
        assert lat.dtype == np.int8 and set(np.unique(lat)) <= {-1, 1}
        assert np.all((lat.reshape(len(lat), -1) * M[:, None]).sum(0) >= 0)


# ----------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, exc, word", [
    (lambda: train_rbm_stack(_patterns(), []), ValueError, "hidden_sizes"),
    (lambda: train_rbm_stack(_patterns(), 4), TypeError, "hidden_sizes"),
    (lambda: train_rbm_stack(_patterns(), [4, 0]), ValueError, "hidden_sizes"),
    (lambda: train_rbm_stack(_patterns(), [4], units="ising"), ValueError, "units"),
    (lambda: train_rbm_stack(_patterns(), [4], learning_rate=-1.0), ValueError, "learning_rate"),
    (lambda: train_rbm_stack(_patterns() * 2, [4]), ValueError, "data"),
    (lambda: train_rbm_stack(_patterns(), [4], seed=-1), ValueError, "seed"),
    (lambda: block_spin_stack((8, 8), 1, 1), ValueError, "b"),
    (lambda: block_spin_stack((8, 8), 2, 4), ValueError, r"b\*\*depth"),
    (lambda: block_spin_stack(8, 2, 1), TypeError, "shape"),
    (lambda: stack_up("stack", torch.ones(1, 16)), TypeError, "stack"),
    (lambda: stack_up(block_spin_stack((4, 4)), torch.ones(1, 15)), ValueError, "v"),
    (lambda: stack_up(block_spin_stack((4, 4)), [[1.0] * 16]), TypeError, "v"),
    (lambda: stack_up(block_spin_stack((4, 4)), torch.ones(1, 16), sample=1), TypeError, "sample"),
    (lambda: stack_up(block_spin_stack((4, 4)), torch.ones(1, 16)), ValueError, "seed"),
    (lambda: stack_receptive_fields(block_spin_stack((4, 4)), absolute="yes"), TypeError, "absolute"),
    (lambda: receptive_field_side(np.ones((2, 15)), (4, 4)), ValueError, "shape"),
    (lambda: receptive_field_side(np.ones(16), (4, 4)), ValueError, "fields"),
    (lambda: receptive_field_side(np.full((1, 16), np.nan), (4, 4)), ValueError, "fields"),
    (lambda: fit_growth_factor([1, 1], [2.0, 3.0]), ValueError, "depths"),
    (lambda: fit_growth_factor([1, 2], [2.0, 0.0]), ValueError, "sides"),
    (lambda: stack_lattices(block_spin_stack((8, 8), 2, 2), torch.ones(1, 64), (2, 32)), ValueError, "stack and shape"),
    (lambda: stack_lattices(block_spin_stack((8, 8), 2, 1), torch.ones(1, 64), (8, 8), b=1), ValueError, "b"),
    (lambda: stack_lattices(block_spin_stack((8, 8), 2, 1), torch.ones(1, 64), (8, 9)), ValueError, "shape"),
])
def test_bad_input(call, exc, word):
    with pytest.raises(exc, match=word):
        call()


def test_inconsistent_stack_is_rejected():
    bad = RBMStack((init_rbm(16, 4, seed=0), init_rbm(5, 2, seed=0)), ((), ()))
    with pytest.raises(ValueError, match="stack"):
        stack_receptive_fields(bad)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_stack():
    x = _patterns().to("cuda")
    st = train_rbm_stack(x, [4, 1], n_epochs=2, seed=0, device="cuda")
    assert st.rbms[1].W.device.type == "cuda"
    out = stack_lattices(st, x, (4, 4), seed=1)
    assert out.lattices[1].shape == (60, 1, 1)
    cpu = train_rbm_stack(x.cpu(), [4, 1], n_epochs=2, seed=0)
    assert cpu.rbms[0].W.shape == st.rbms[0].W.cpu().shape
