"""Bad input to the engine modules of the network and 2D chapters gives a clear, named error (issue 19).

Every row of ``BAD`` calls one public function or class of ``rglib.data``, ``rglib.runs``,
``rglib.nets.{architectures, training, stacked, cascade}``, ``rglib.ising.multispin``,
``rglib.rg.{decimation_2d, kl_2d}`` with one bad argument and checks that a ``ValueError``/``TypeError`` is raised
whose message names that argument exactly as the signature spells it (``inspect.signature`` is checked too).
``EXTREME`` rows feed extreme but valid input and check finite, correct results; the determinism tests check
that the same seed gives bit-identical arrays. Sizes are tiny: the whole file runs in seconds.
"""
from __future__ import annotations

import inspect
import math
import re

import numpy as np
import pytest
import torch

from rglib import data as dd
from rglib import runs as rr
from rglib.ising import multispin as ms
from rglib.nets import architectures as ar
from rglib.nets import cascade as cc
from rglib.nets import stacked as st
from rglib.nets import training as tr
from rglib.nets.mlp import GaussianMLP
from rglib.rg import decimation_2d as d2
from rglib.rg import kl_2d as k2

NAN, INF = float("nan"), float("inf")
TMP = object()  # replaced by a fresh temporary folder

# ------------------------------------------------------------------------------------------ tiny fixtures
_rng = np.random.default_rng(0)
X = _rng.random((12, 4), dtype=np.float32)
Y = (X[:, 0] > 0.5).astype(np.int64)
NET = GaussianMLP([4, 4, 3], 1.5, 0.05, seed=0)
FIT = cc.train_cascade(NET, X, seed=0)
STACK = st.StackedMLP.initialised([4, 3, 2], [1.0], [0.05], [0])
XT, YT = torch.from_numpy(X), torch.from_numpy(Y)
NOISE = dd.white_noise("mnist", n_train=2, n_test=1, seed=0)
SPINS = np.ones((64, 4, 4), dtype=np.int8)
SPEC = rr.Spec({"x": 1}, seed=0)
PAIR = [(torch.ones(3, 4), torch.zeros(3))]


def _identity(spec):
    return spec["x"]


def _train(**kw):
    base = dict(widths=[4, 3, 2], sigma_w2=1.0, seeds=0, x_train=X, y_train=Y, x_test=X, y_test=Y, lr=0.1,
                data_seed=0, progress=False)
    base.update(kw)
    return base


class C:
    """One bad call: ``func(*args, **kwargs)`` must raise ``exc`` naming the argument ``arg``."""

    def __init__(self, func, *args, arg: str, exc=(ValueError, TypeError), **kwargs):
        self.func, self.args, self.kwargs, self.arg, self.exc = func, args, kwargs, arg, exc

    def __repr__(self):
        return f"{getattr(self.func, '__qualname__', self.func)}:{self.arg}"


def _rows(func, arg, values, *args, pos=None, **kwargs):
    """Rows feeding each of ``values`` as ``arg`` (keyword, or positional at index ``pos``)."""
    out = []
    for v in values:
        if pos is None:
            out.append(C(func, *args, arg=arg, **{**kwargs, arg: v}))
        else:
            a = list(args)
            a.insert(pos, v)
            out.append(C(func, *a, arg=arg, **kwargs))
    return out


NON_REALS = ["a", None, 1j, [1, "a"]]
BAD_REALS = [NAN, INF, -INF, "0.3", None, 1j]
BAD_COUNTS = [0, -1, 1.5, "2", None, True]
BAD_SEEDS = [-1, 1.5, "s"]

BAD: list[C] = []
# ------------------------------------------------------------------------------------------ rglib.data
BAD += _rows(dd.load_dataset, "name", [None, 3, "svhn", ["mnist"]], pos=0)
BAD += _rows(dd.load_dataset, "grayscale", ["yes", 1, None], "mnist")
BAD += _rows(dd.load_dataset, "flatten", ["no", 0], "mnist")
BAD += _rows(dd.load_dataset, "normalize", [None], "mnist")
BAD += _rows(dd.load_dataset, "download", ["yes"], "mnist")
BAD += _rows(dd.load_dataset, "progress", [1], "mnist")
BAD += _rows(dd.load_dataset, "timeout", [0, -1.0, NAN, INF, "5", True], "mnist")
BAD += _rows(dd.load_dataset, "train_subset", [0, -3, 1.5, "10"], "mnist")
BAD += _rows(dd.load_dataset, "test_subset", [0, 2.0], "mnist")
BAD += _rows(dd.load_dataset, "seed", BAD_SEEDS, "mnist", download=False)
BAD += _rows(dd.white_noise, "like", [None, 7, "svhn", np.zeros(3)], pos=0)
BAD += _rows(dd.white_noise, "n_train", [-1, 1.5, "3"], "mnist", n_test=1)
BAD += _rows(dd.white_noise, "n_test", [-2, 2.0], "mnist", n_train=1)
BAD += _rows(dd.white_noise, "seed", BAD_SEEDS, "mnist", n_train=1, n_test=1)
BAD += _rows(dd.white_noise, "grayscale", ["x"], "cifar10", n_train=1, n_test=1)
BAD += _rows(dd.white_noise, "flatten", [None], "mnist", n_train=1, n_test=1)
BAD += [C(dd.white_noise, NOISE, grayscale=True, arg="grayscale")]
BAD += _rows(dd.to_torch, "data", [None, NOISE[:4], X], pos=0)
BAD += _rows(dd.to_torch, "device", ["junk", "cuda:99" if torch.cuda.is_available() else "cuda"], NOISE)
BAD += _rows(dd.to_torch, "dtype", [torch.int32, "float32", np.float32], NOISE)
BAD += _rows(dd.parse_idx, "data", ["abc", None, [0, 0, 8, 1], np.zeros(4, np.uint8)], pos=0)
BAD += [C(dd.parse_idx, b"\0\0", name=3, arg="name")]
BAD += _rows(dd.encode_idx, "array", ["abc", None, np.uint8(3), np.array([1, 2], np.int64),
                                      np.array([1j]), np.array([True])], pos=0)

# ------------------------------------------------------------------------------------------ rglib.runs
BAD += _rows(rr.Spec, "params", [[1], None, "x", {"seed": 1}, {1: 2}, {"a": NAN}, {"a": INF}, {"a": 1j},
                                 {"a": np.ones(2)}, {"a": {"b": object()}}], pos=0, seed=0)
BAD += _rows(rr.Spec, "seed", [-1, 1.0, "0", None, True], {"x": 1})
BAD += _rows(rr.spec_grid, "params", [None, [("a", [1])], {"a": "xy"}, {"a": []}, {"a": 3}], pos=0, seeds=1)
BAD += _rows(rr.spec_grid, "seeds", [0, -1, [], [-1], [1.5], "3", 2.0, None], {"a": [1]})
BAD += _rows(rr.code_fingerprint, "directory", [3, b"/tmp", "/nonexistent/rglib-folder"], pos=0)
BAD += _rows(rr.run_sweep, "fn", [None, 3], pos=0, specs=[SPEC], results_dir=TMP, progress=False)
BAD += _rows(rr.run_sweep, "specs", ["ab", SPEC, [{"x": 1}], None, 3], _identity, results_dir=TMP, progress=False)
BAD += _rows(rr.run_sweep, "results_dir", [None, 3], _identity, [SPEC], progress=False)
BAD += _rows(rr.run_sweep, "executor", ["x", 3], _identity, [SPEC], TMP, progress=False)
BAD += _rows(rr.run_sweep, "on_stale", ["x", None, 1], _identity, [SPEC], TMP, progress=False)
BAD += _rows(rr.run_sweep, "on_corrupt", ["reuse", None], _identity, [SPEC], TMP, progress=False)
BAD += _rows(rr.run_sweep, "max_in_flight", [0, -1, 1.5, "2", True], _identity, [SPEC], TMP, progress=False)
BAD += _rows(rr.run_sweep, "progress", ["no", None], _identity, [SPEC], TMP)

# ------------------------------------------------------------------------------------------ rglib.nets
BAD += _rows(ar.wide_widths, "depth", [1, 0, -5, 3.0, "4", None, True], pos=0)
BAD += _rows(ar.wide_widths, "n_in", [0, -1, 2.5], 3)
BAD += _rows(ar.wide_widths, "n_out", [0, "10"], 3)
BAD += _rows(ar.wide_widths, "n_penultimate", [0, None], 3)
BAD += _rows(ar.shrinking_widths, "depth", [0, -1, 2.0, None], pos=0, n_in=10)
BAD += _rows(ar.shrinking_widths, "n_in", [0, -784, 784.0, "784"], 3)
BAD += _rows(ar.shrinking_widths, "n_out", [0, -1, 1j], 3, 10)

BAD += _rows(tr.paper_settings, "paper", [None, "erdmenger", 2022], pos=0)
BAD += _rows(tr.epoch_orders, "n_samples", BAD_COUNTS, pos=0, n_epochs=2, seed=0)
BAD += _rows(tr.epoch_orders, "n_epochs", BAD_COUNTS, 5, seed=0)
BAD += _rows(tr.epoch_orders, "seed", [None, -1, "s", 1.5], 5, 2)
BAD += _rows(tr.epoch_orders, "shuffle", ["no", None, 1], 5, 2, seed=0)
BAD += _rows(tr.training_cost, "widths", ["ab", None, [4], [4, 0], [4, 2.5], 7], pos=0, n_train=1, n_test=1,
             n_epochs=1)
BAD += _rows(tr.training_cost, "n_train", [-1, NAN, 1.5, "3", None], [4, 2], n_test=1, n_epochs=1)
BAD += _rows(tr.training_cost, "n_test", [-1, INF], [4, 2], n_train=1, n_epochs=1)
BAD += _rows(tr.training_cost, "n_epochs", [-2, "1"], [4, 2], n_train=1, n_test=1)
_TN = tr.train_networks
BAD += [C(_TN, **_train(widths=w), arg="widths") for w in ("abc", None, [], [[]], [4], [4, 0, 2], [4, 2.5, 2],
                                                           [5, 3, 2], [[4, 2], [4, 3]], [[4, 2], [5, 2]])]
BAD += [C(_TN, **_train(sigma_w2=v), arg="sigma_w2") for v in (0.0, -1.0, NAN, INF, "1", None, 1j, [[1.0]],
                                                              [[1.0, 2.0]])]
BAD += [C(_TN, **_train(sigma_b2=v), arg="sigma_b2") for v in (-0.1, NAN, "0", 1j)]
BAD += [C(_TN, **_train(seeds=v), arg="seeds") for v in (-1, 1.0, "a", None, [0.5], [[0]])]
BAD += [C(_TN, **_train(sigma_w2=[1.0, 2.0], seeds=[0, 1, 2]), arg="seeds")]
BAD += [C(_TN, **_train(x_train=v), arg="x_train") for v in (X.tolist(), None, X[:, :3], X[0], X[:0],
                                                            np.full_like(X, np.nan), np.full_like(X, np.inf),
                                                            X.astype(complex), X > 0.5, X.astype(object))]
BAD += [C(_TN, **_train(y_train=v), arg="y_train") for v in (Y.astype(float), -Y, Y + 5, Y[:3], Y.tolist(),
                                                            Y[:, None])]
BAD += [C(_TN, **_train(x_test=v), arg="x_test") for v in (X[:, :2], np.full_like(X, np.nan))]
BAD += [C(_TN, **_train(y_test=v), arg="y_test") for v in (Y + 2, Y[:2])]
BAD += [C(_TN, **_train(lr=v), arg="lr") for v in (0.0, -0.1, NAN, INF, "0.1", None, 1j)]
BAD += [C(_TN, **_train(n_epochs=v), arg="n_epochs") for v in BAD_COUNTS]
BAD += [C(_TN, **_train(batch_size=v), arg="batch_size") for v in BAD_COUNTS]
BAD += [C(_TN, **_train(batch_size=50, drop_last=True), arg="batch_size")]
BAD += [C(_TN, **_train(eval_batch_size=v), arg="eval_batch_size") for v in (0, 2.0)]
BAD += [C(_TN, **_train(optimizer=v), arg="optimizer") for v in ("rmsprop", None, ["sgd"])]
BAD += [C(_TN, **_train(momentum=v), arg="momentum") for v in (-0.1, 1.0, 2.0, NAN, "0.9")]
BAD += [C(_TN, **_train(optimizer="adam", momentum=0.5), arg="momentum")]
BAD += [C(_TN, **_train(optimizer="adam", betas=v), arg="betas") for v in ((0.9,), (0.9, 1.0), (NAN, 0.9),
                                                                           (0.9, 0.9, 0.9), "ab")]
BAD += [C(_TN, **_train(optimizer="adam", eps=v), arg="eps") for v in (0.0, -1e-8, NAN)]
BAD += [C(_TN, **_train(data_seed=v), arg="data_seed") for v in (-1, "a", 1.5, None)]
BAD += [C(_TN, **_train(**{flag: v}), arg=flag) for flag in ("shuffle", "drop_last", "final_activation",
                                                             "softmax_output", "return_networks", "progress")
        for v in ("yes", None)]
BAD += [C(_TN, **_train(accuracy_threshold=v), arg="accuracy_threshold") for v in (-0.1, 1.5, NAN, "0.5",
                                                                                  [0.5, 0.5])]
BAD += [C(_TN, **_train(activation=v), arg="activation") for v in ("sigmoid", None, ["tanh"])]
BAD += [C(_TN, **_train(device=v), arg="device") for v in ("junk", 3.5, [0])]
BAD += [C(_TN, **_train(dtype=v), arg="dtype") for v in (torch.int32, "float32", np.float64)]
BAD += [C(_TN, **_train(snapshot_epochs=v), arg="snapshot_epochs") for v in (1, "1", (5,), (-1,), (0.5,))]
BAD += [C(_TN, **_train(max_multiply_adds=v), arg="max_multiply_adds") for v in (0.0, -1.0, NAN, 10.0)]

BAD += _rows(st.StackedMLP, "weights", [None, [], [np.ones((1, 3, 4))], [torch.ones(3, 4)],
                                        [torch.ones(1, 3, 4, dtype=torch.int64)]], pos=0,
             biases=[torch.ones(1, 3)])
BAD += _rows(st.StackedMLP, "activation", ["sigmoid", None], [torch.ones(1, 3, 4)], [torch.ones(1, 3)])
BAD += _rows(st.StackedMLP.from_networks, "networks", [[], None, [1, 2], [NET, GaussianMLP([4, 5, 3], 1.0, 0.0,
                                                                                          seed=0)]], pos=0)
BAD += _rows(st.StackedMLP.from_networks, "device", ["junk"], [NET])
BAD += _rows(st.StackedMLP.initialised, "widths", ["ab", [4], [4, 0]], pos=0, sigma_w2=[1.0], sigma_b2=[0.1],
             seeds=[0])
BAD += _rows(st.StackedMLP.initialised, "sigma_w2", [1.0, [NAN], [0.0], ["a"], [1.0, 1.0]], [4, 3],
             sigma_b2=[0.1], seeds=[0])
BAD += _rows(st.StackedMLP.initialised, "sigma_b2", [[-1.0], 0.1], [4, 3], sigma_w2=[1.0], seeds=[0])
BAD += _rows(st.StackedMLP.initialised, "seeds", [[], "a", 3, [-1], [1.5]], [4, 3], sigma_w2=[1.0],
             sigma_b2=[0.1])
BAD += _rows(st.StackedMLP.initialised, "dtype", [torch.int32, "float32"], [4, 3], [1.0], [0.1], [0])
BAD += _rows(st.StackedMLP.initialised, "device", ["junk", 2.5], [4, 3], [1.0], [0.1], [0])
BAD += _rows(STACK.forward, "x", [X, None, XT.long(), XT[:, :3], XT[0]], pos=0)
BAD += _rows(STACK.sgd_step, "lr", [0.0, -1.0, NAN, INF, "0.1", None], XT, YT % 2)
BAD += _rows(STACK.sgd_step, "momentum", [-0.5, 1.0, NAN], XT, YT % 2, 0.1)
BAD += _rows(STACK.adam_step, "lr", [0.0, NAN], XT, YT % 2)
BAD += _rows(STACK.adam_step, "betas", [(0.9,), (1.0, 0.9), (NAN, 0.9), "ab"], XT, YT % 2, 0.1)
BAD += _rows(STACK.adam_step, "eps", [0.0, -1.0, NAN], XT, YT % 2, 0.1)
BAD += _rows(STACK.select, "keep", [[0], torch.tensor([0.0]), torch.tensor([5]), torch.tensor([-1])], pos=0)
BAD += _rows(st.as_gaussian_mlp, "parameters", [[], None, "ab", [(torch.ones(3, 4),)], [(np.ones((3, 4)),
                                                                                           np.ones(3))]],
             pos=0, sigma_w2=1.0, sigma_b2=0.0, seed=0)
BAD += _rows(st.as_gaussian_mlp, "sigma_w2", [0.0, NAN, "1"], PAIR, sigma_b2=0.0, seed=0)
BAD += _rows(st.as_gaussian_mlp, "sigma_b2", [-1.0, INF], PAIR, 1.0, seed=0)
BAD += _rows(st.as_gaussian_mlp, "seed", [-1, "a", 1.5], PAIR, 1.0, 0.0)

BAD += _rows(cc.layer_activations, "network", [None, STACK, "net"], pos=0, x=X)
BAD += _rows(cc.layer_activations, "x", [None, X.tolist(), X[:, :3], X[:0], X[0], np.full_like(X, np.nan),
                                         X.astype(complex), X.astype(object), X > 0.5], NET)
BAD += _rows(cc.train_cascade, "network", [None, 3], pos=0, x_train=X)
BAD += _rows(cc.train_cascade, "x_train", [None, "x", X[:, :2], X[:0], np.full_like(X, np.inf)], NET)
BAD += _rows(cc.train_cascade, "n_layers", [0, 3, -1, 1.5], NET, X)
BAD += _rows(cc.train_cascade, "n_epochs", BAD_COUNTS, NET, X)
BAD += _rows(cc.train_cascade, "batch_size", BAD_COUNTS, NET, X)
BAD += _rows(cc.train_cascade, "lr", [0.0, -1e-3, NAN, INF, "1e-3"], NET, X)
BAD += _rows(cc.train_cascade, "seed", [-1, 1.5, "0", None], NET, X)
BAD += _rows(cc.train_cascade, "progress", ["no", None], NET, X)
BAD += _rows(cc.reconstruct, "cascade", [None, (1, 2), FIT], pos=0, network=NET, x=X)
BAD += [C(cc.reconstruct, FIT.cascade, GaussianMLP([4, 5, 3], 1.0, 0.0, seed=0), X, arg="cascade")]
BAD += _rows(cc.reconstruct, "network", [None, "n"], FIT.cascade, x=X)
BAD += _rows(cc.reconstruct, "x", [X[:, :3], np.full_like(X, np.nan), "x"], FIT.cascade, NET)
BAD += _rows(cc.reconstruct, "layers", [[0], [3], 1, "a", [1.5], []], FIT.cascade, NET, X)
BAD += _rows(cc.reconstruction_kl, "x", ["ab", None, np.ones((2, 3)) * 1j, np.ones(3), np.full((2, 3), np.nan),
                                         np.ones((2, 0))], pos=0, x_hat=np.ones((2, 3)))
BAD += _rows(cc.reconstruction_kl, "x_hat", ["ab", np.ones((2, 4)), np.ones(3), np.ones((2, 3)) + 1j,
                                             np.full((2, 3), np.inf)], np.ones((2, 3)))
BAD += _rows(cc.reconstruction_kl, "eps", [0.0, -1.0, NAN, "a"], np.ones((2, 3)), np.ones((2, 3)))
BAD += _rows(cc.normalized_kl_curve, "kl", [[1.0, 2.0], [[1.0], [0.0]], [[1.0], [-1.0]], [[NAN], [1.0]], "a",
                                            np.ones((0, 2)), [[1j]]], pos=0)
BAD += _rows(cc.saturation_cutoff, "curve", [[], [[1.0, 2.0]], [NAN, 1.0], "abc", None], pos=0)
BAD += _rows(cc.saturation_cutoff, "rtol", [-0.1, NAN, "x"], [1.0, 2.0])
BAD += _rows(cc.saturation_cutoff, "atol", [-1.0, INF], [1.0, 2.0])

# ------------------------------------------------------------------------------------------ rglib.ising.multispin
_MM = ms.multispin_metropolis
BAD += _rows(_MM, "spins", [None, "abc", [[1]], np.ones((64, 4, 4), float), np.ones((64, 4, 4), bool),
                            np.ones((63, 4, 4), np.int8), np.ones((0, 4, 4), np.int8), np.ones((64, 0, 0), np.int8),
                            np.ones((64, 0, 2), np.int8), np.ones((64, 3, 4), np.int8), np.ones((64, 4, 5), np.int8),
                            np.zeros((64, 4, 4), np.int8), 2 * SPINS, np.ones((64, 4), np.int8)], pos=0, K=0.3)
BAD += _rows(_MM, "spins", [SPINS, np.zeros((1, 3, 4), np.uint64), np.zeros((0, 4, 4), np.uint64),
                            np.zeros((1, 0, 2), np.uint64)], pos=0, K=0.3, packed=True)
BAD += _rows(_MM, "K", BAD_REALS + [[0.1, 0.2]], SPINS)
BAD += _rows(_MM, "n_sweeps", [-1, 1.5, "3", None], SPINS, 0.3)
BAD += _rows(_MM, "measure_every", [-1, 0.5, "1"], SPINS, 0.3)
BAD += _rows(_MM, "seed", BAD_SEEDS, SPINS, 0.3)
BAD += _rows(_MM, "packed", ["yes", 1, None], SPINS, 0.3)
BAD += _rows(ms.pack_replicas, "spins", [None, "a", SPINS.astype(float), SPINS[:3], 3 * SPINS,
                                         np.zeros((64, 2, 2), np.int8), np.ones((64, 0, 3), np.int8)], pos=0)
BAD += _rows(ms.unpack_replicas, "words", ["a", None, SPINS, np.zeros((2, 2), np.uint64)], pos=0)
BAD += _rows(ms.bernoulli_digits, "p", [-0.1, 1.5, NAN, INF, "0.5", None, 1j], pos=0)

# ------------------------------------------------------------------------------------------ rglib.rg.decimation_2d
BAD += _rows(d2.checkerboard_decimation, "K", BAD_REALS + [[0.1, "a"]], pos=0)
BAD += _rows(d2.nn_recursion, "K", BAD_REALS + [-0.1], pos=0)
BAD += _rows(d2.nn_flow, "K0", BAD_REALS + [-0.1], pos=0, n_steps=3)
BAD += _rows(d2.nn_flow, "n_steps", [-1, 1.5, "2", None, d2.MAX_FLOW_STEPS + 1], 0.3)
BAD += _rows(d2.maris_kadanoff_recursion, "K", BAD_REALS, pos=0, L=0.0)
BAD += _rows(d2.maris_kadanoff_recursion, "L", BAD_REALS, 0.3)
BAD += _rows(d2.maris_kadanoff_flow, "K0", [NAN, "a"], pos=0, L0=0.0, n_steps=2)
BAD += _rows(d2.maris_kadanoff_flow, "L0", [INF, None], 0.3, n_steps=2)
BAD += _rows(d2.maris_kadanoff_flow, "n_steps", [-1, 2.0, d2.MAX_FLOW_STEPS + 1], 0.3, 0.0)
BAD += _rows(d2.maris_kadanoff_critical_coupling, "L0", [-0.1, 0.5, NAN, "a", 1j], pos=0)
_BAD_SHAPES = [0, 1, 3, 5, (4, 3), (3, 4), (4,), (4, 4, 4), "ab", None, 4.0, (4.0, 4), (-4, 4), True]
BAD += _rows(d2.sublattice_sites, "shape", _BAD_SHAPES, pos=0, n=1)
BAD += _rows(d2.sublattice_sites, "shape", [(4, 6)], pos=0, n=3)  # sides must be divisible by 4 at n = 3
BAD += _rows(d2.sublattice_sites, "n", [-1, 1.5, "1", None, 41], 4)
BAD += _rows(d2.sublattice_bonds, "shape", [3, (2, 3), "x"], pos=0, n=1)
BAD += _rows(d2.sublattice_bonds, "n", [-1, 2.0], 4)
BAD += _rows(d2.removed_site_neighbours, "shape", [3, (5, 4)], pos=0)
BAD += _rows(d2.removed_site_neighbours, "n", [0, -1, 1.5], 4)
BAD += _rows(d2.torus_log_probabilities, "shape", [3, (6, 6), (4, 6), (4, 3)], pos=0, K=0.3)
BAD += _rows(d2.torus_log_probabilities, "K", BAD_REALS + [[0.1, 0.2]], 4)
BAD += _rows(d2.subset_state_codes, "n_spins", [0, -1, 2.5, "3", d2.MAX_KEPT_SPINS + 1], pos=0, positions=[0])
BAD += _rows(d2.subset_state_codes, "positions", [[0, 0], [3], [-1], [0.5], [[0]], "a"], 3)
BAD += _rows(d2.marginal_on_sites, "log_p", [np.zeros(3), np.full(4, np.nan), np.full(4, np.inf), "ab",
                                             np.zeros(4) + 1j, None], pos=0, n_spins=2, positions=[0])
BAD += _rows(d2.marginal_on_sites, "n_spins", ["a", -1, 0, 1.0, 100], np.zeros(4), positions=[0])
BAD += _rows(d2.marginal_on_sites, "positions", [[2], [0, 0], [0.5]], np.zeros(4), 2)
BAD += _rows(d2.plaquette_log_weights, "shape", [3, (10, 10), "s"], pos=0, a_nn=0.1, a_nnn=0.0, a_4=0.0)
BAD += _rows(d2.plaquette_log_weights, "a_nn", BAD_REALS, 4, a_nnn=0.0, a_4=0.0)
BAD += _rows(d2.plaquette_log_weights, "a_nnn", [NAN, "x"], 4, 0.1, a_4=0.0)
BAD += _rows(d2.plaquette_log_weights, "a_4", [INF, None], 4, 0.1, 0.0)
BAD += _rows(d2.plaquette_log_weights, "K_field", [NAN, "x", 1j], 4, 0.0, 0.0, 0.0)
BAD += _rows(d2.kept_marginal_log_probabilities, "shape", [3, (4, 3), (8, 8)], pos=0, K=0.3)
BAD += _rows(d2.kept_marginal_log_probabilities, "K", BAD_REALS + [[0.1, 0.2]], 4)
BAD += _rows(d2.kept_marginal_log_probabilities, "n", [0, -1, 2.0], 4, 0.3)
BAD += _rows(d2.first_step_walsh_couplings, "shape", [3, (8, 8)], pos=0, K=0.3)
BAD += _rows(d2.first_step_walsh_couplings, "K", BAD_REALS + [[0.1, 0.2]], 4)

# ------------------------------------------------------------------------------------------ rglib.rg.kl_2d
BAD += _rows(k2.square_lattice_correlation, "K", BAD_REALS + [0.0, -0.3], pos=0, r=1)
BAD += _rows(k2.square_lattice_correlation, "r", [-1, 1.5, "1", None, [[1]], k2.MAX_DISTANCE + 1, True], 0.3)
BAD += _rows(k2.square_lattice_correlation, "direction", ["row", None, 1], 0.3, 1)
BAD += _rows(k2.neighbour_sum_probabilities, "K", [0.0, -0.4, NAN, "a", 1e-3, 1e-12], pos=0, c_nn=0.5,
             c_diag=0.4, c_axis2=0.3)
BAD += _rows(k2.neighbour_sum_probabilities, "c_nn", [1.5, -2.0, NAN, "a"], 0.4, c_diag=0.4, c_axis2=0.3)
BAD += _rows(k2.neighbour_sum_probabilities, "c_diag", [3.0, INF], 0.4, 0.5, c_axis2=0.3)
BAD += _rows(k2.neighbour_sum_probabilities, "c_axis2", [-1.5, None], 0.4, 0.5, 0.4)
for _f in (k2.neighbour_sum_distribution, k2.onsager_entropy, k2.truncation_kl_first_step):
    BAD += _rows(_f, "K", [NAN, INF, "a", None, 1j, -0.1], pos=0)
BAD += _rows(k2.neighbour_sum_distribution, "K", [0.0], pos=0)
BAD += _rows(k2.truncation_kl_first_step, "K", [0.0], pos=0)
BAD += _rows(k2.removed_spin_entropy, "K", [0.0, NAN, "a"], pos=0)
BAD += _rows(k2.removed_spin_entropy, "probs", [(1, 2), "abc", 3, (0.5, NAN, 0.1), (1.5, 0.0, 0.0)], 0.4)
for _f in (k2.kl_lifted_first_step, k2.kl_asymptote_slope):
    BAD += _rows(_f, "K0", [0.0, -0.3, NAN, INF, "a", None, 1j], pos=0)
BAD += _rows(k2.kl_asymptote_2d, "K0", [-0.3, NAN, "a", 1j], pos=0)
BAD += _rows(k2.local_conditional_entropy, "spins", [np.ones(4, np.int8), np.ones((4, 4)), np.zeros((4, 4), int),
                                                     2 * np.ones((4, 4), int), np.ones((4, 4), bool), "ab",
                                                     np.ones((0, 4), int)], pos=0, K=0.3)
BAD += _rows(k2.local_conditional_entropy, "K", [0.0, NAN, "a"], np.ones((4, 4), np.int8))
BAD += _rows(k2.short_correlations, "spins", [np.ones(4, np.int8), np.ones((4, 4)), np.zeros((4, 4), np.int8),
                                              3 * np.ones((4, 4), int), None], pos=0)
BAD += _rows(k2.kl_same_lattice_2d, "K0", [0.0, -1.0, NAN, "a"], pos=0, n=1)
BAD += _rows(k2.kl_same_lattice_2d, "n", [-1, 1.5, "1", None, k2.MAX_FLOW_STEPS + 1, True], 0.3)
BAD += _rows(k2.kl_same_lattice_2d, "shape", [1, "ab", (4,), (4.0, 4)], 0.3, 1)
BAD += _rows(k2.kl_lifted_bounds, "K0", [0.0, NAN], pos=0, n=1)
BAD += _rows(k2.kl_lifted_bounds, "n", [-1, 0.5, k2.MAX_FLOW_STEPS + 1], 0.3)
BAD += _rows(k2.kl_lifted_truncated, "K0", [0.0, NAN, "a", [0.1, 0.2]], pos=0, n_steps=2)
BAD += _rows(k2.kl_lifted_truncated, "n_steps", [-1, 21, 2.0], 0.3)
BAD += _rows(k2.torus_entropy, "shape", [1, 3, "x"], pos=0, K=0.3)
BAD += _rows(k2.torus_entropy, "K", [0.0, -1.0, NAN, "a"], 4)
BAD += _rows(k2.torus_neighbour_sum, "shape", [3, (6, 3), (8, 8)], pos=0, K=0.3)
BAD += _rows(k2.torus_neighbour_sum, "K", [0.0, NAN, "a", [0.1, 0.2]], 4)
BAD += _rows(k2.torus_kl_lifted, "shape", [3, (4, 6)], pos=0, K0=0.3, n=3)
BAD += _rows(k2.torus_kl_lifted, "K0", [0.0, NAN, "a"], 4, n=1)
BAD += _rows(k2.torus_kl_lifted, "n", [-1, 1.5, 41], 4, 0.3)
BAD += _rows(k2.torus_truncation_kl, "shape", [3], pos=0, K=0.3, couplings=(0.1, 0.0, 0.0))
BAD += _rows(k2.torus_truncation_kl, "K", [0.0, NAN, "a"], 4, couplings=(0.1, 0.0, 0.0))
BAD += _rows(k2.torus_truncation_kl, "couplings", [(0.1, 0.0), (NAN, 0.0, 0.0), "abc", [[[0.1, 0.0, 0.0]]]],
             4, 0.3)
BAD += _rows(k2.torus_kl_lifted_truncated, "shape", [3, (4, 6)], pos=0, K0=0.3, n=3)
BAD += _rows(k2.torus_kl_lifted_truncated, "K0", [0.0, INF], 4, n=1)
BAD += _rows(k2.torus_kl_lifted_truncated, "n", [-1, "2"], 4, 0.3)


def _parameters(func) -> set[str]:
    return set(inspect.signature(func).parameters)


@pytest.mark.parametrize("case", BAD, ids=[f"{i}-{c!r}" for i, c in enumerate(BAD)])
def test_bad_input_raises_named_error(case, tmp_path):
    assert case.arg in _parameters(case.func), f"{case.arg!r} is not a parameter of {case.func}"
    args = [tmp_path if a is TMP else a for a in case.args]
    kwargs = {k: tmp_path if v is TMP else v for k, v in case.kwargs.items()}
    with pytest.raises(case.exc) as info:
        case.func(*args, **kwargs)
    assert type(info.value) in (ValueError, TypeError), f"raised {type(info.value).__name__}, not a plain one"
    message = str(info.value)
    assert re.search(rf"(?<![\w.]){re.escape(case.arg)}(?!\w)", message), \
        f"message does not name {case.arg!r}: {message}"


def test_number_of_bad_input_cases():
    """The closing note of issue 19 reports this count; every table row is a distinct call."""
    assert len(BAD) >= 500


# ------------------------------------------------------------------------------------------ extreme but valid
@pytest.mark.parametrize("K", [1e3, 1e-12, -1e3, 0.0])
def test_multispin_extreme_couplings_stay_pm1(K):
    rec = ms.multispin_metropolis(np.ones((64, 4, 4), np.int8), K, 3, seed=1)
    assert set(np.unique(rec.spins)) <= {-1, 1}
    assert rec.bond_sum.shape == (3, 64) and np.all(np.abs(rec.bond_sum) <= 32)
    if K == 1e3:  # the all-up ground state never leaves (flip probability e^{-8000} = 0)
        assert np.all(rec.spins == 1) and np.all(rec.bond_sum == 32)
    if K == -1e3:  # antiferromagnet: every site of the all-up state has 4 parallel neighbours and flips
        assert np.all(np.abs(rec.magnetization) <= 16)


def test_multispin_smallest_lattice():
    rec = ms.multispin_metropolis(np.ones((64, 2, 2), np.int8), 0.4, 5, seed=0)
    assert rec.spins.shape == (64, 2, 2) and np.all(np.abs(rec.magnetization) <= 4)


@pytest.mark.parametrize("K0", [1e-12, 1e-6, 1e3])
def test_kl_asymptote_extremes_finite(K0):
    d = float(k2.kl_asymptote_2d(K0))
    assert math.isfinite(d) and 0.0 <= d <= math.log(2) + 1e-15
    if K0 == 1e3:
        assert d == pytest.approx(math.log(2), abs=1e-12)  # s(K) -> 0 at zero temperature
    if K0 < 1e-5:
        assert d == pytest.approx(0.0, abs=1e-9)  # ln 2 - s = O(K^2)


@pytest.mark.parametrize("K", [1e-12, 1e-6, 1e-3, 5e-3])
def test_neighbour_sum_small_K_series(K):
    """Below K = 6e-3 the high-temperature series is used; it is the independent-spin law plus 5K^2/4."""
    p = k2.neighbour_sum_distribution(K)
    assert p.p4 == pytest.approx(0.125 + 1.25 * K**2, abs=1e-12)
    assert p.p0 + p.p2 + p.p4 == pytest.approx(1.0, abs=1e-15)
    d1 = float(k2.kl_lifted_first_step(K))  # = K^2 + O(K^4): ln 2 - h(2K) ~ 2K^2, ln 2 - h(4K) ~ 8K^2
    assert d1 == pytest.approx(K**2, rel=1e-3, abs=1e-15)


def test_neighbour_sum_series_meets_exact_route():
    """Either side of the switch at K = 6e-3 the two routes agree to the stated 1e-8."""
    lo, hi = k2.neighbour_sum_distribution(6e-3 - 1e-12), k2.neighbour_sum_distribution(6e-3)
    np.testing.assert_allclose(np.array(lo), np.array(hi), atol=1e-8)


@pytest.mark.parametrize("K", [1e-12, 1e3])
def test_first_step_kl_extremes(K):
    d1 = float(k2.kl_lifted_first_step(K))
    assert math.isfinite(d1)
    if K == 1e3:  # every removed spin is fixed by its neighbours: d1 = ln 2 / 2
        assert d1 == pytest.approx(math.log(2) / 2, abs=1e-12)
    t = k2.truncation_kl_first_step(K)
    assert all(math.isfinite(float(v)) for v in t) and float(t.scheme) >= -1e-15 and float(t.best) >= -1e-15


def test_flows_at_extreme_couplings_finite():
    assert np.all(np.isfinite(d2.nn_flow(1e3, d2.MAX_FLOW_STEPS)))
    assert np.all(d2.nn_flow(1e-12, 5)[1:] < 1e-20)
    K, L = d2.maris_kadanoff_flow(1e3, 0.0, d2.MAX_FLOW_STEPS)
    assert np.all(np.isfinite(K)) and np.all(np.isfinite(L))
    lp = d2.torus_log_probabilities(4, 1e3)
    assert np.all(np.isfinite(lp)) and np.exp(lp).sum() == pytest.approx(1.0)
    # the two ground states share the weight; K * bond sum ~ 3e4 limits the accuracy to ~ 3e4 * eps
    assert lp.max() == pytest.approx(-math.log(2), abs=1e-10)


@pytest.mark.parametrize("depth", [2, 500])
def test_architectures_deep(depth):
    wide = ar.wide_widths(depth)
    assert len(wide) == depth + 1 and wide[-2:] == [400, 10]
    shrink = ar.shrinking_widths(depth, 784)
    assert len(shrink) == depth + 1 and shrink[0] == 784 and shrink[-1] == 10
    assert all(a >= b for a, b in zip(shrink[:-1], shrink[1:]))


def test_white_noise_empty_split_is_valid():
    noise = dd.white_noise("mnist", n_train=0, n_test=0, seed=0)
    assert noise.x_train.shape == (0, 784) and noise.y_test.shape == (0,)


def test_spec_grid_and_sweep_extremes(tmp_path):
    assert rr.spec_grid({}, 2) == [rr.Spec({}, 0), rr.Spec({}, 1)]
    assert rr.run_sweep(_identity, [], tmp_path, progress=False).results == []


# ------------------------------------------------------------------------------------------ determinism
def test_white_noise_deterministic():
    a, b = (dd.white_noise("cifar10", n_train=3, n_test=2, seed=7) for _ in range(2))
    for u, v in zip(a[:4], b[:4]):
        assert u.tobytes() == v.tobytes()
    c = dd.white_noise("cifar10", n_train=3, n_test=2, seed=8)
    assert a.x_train.tobytes() != c.x_train.tobytes()


def test_multispin_deterministic():
    s0 = np.random.default_rng(3).choice(np.array([-1, 1], np.int8), size=(64, 4, 4))
    a, b = (ms.multispin_metropolis(s0, 0.44, 4, seed=11) for _ in range(2))
    assert a.spins.tobytes() == b.spins.tobytes() and a.bond_sum.tobytes() == b.bond_sum.tobytes()
    assert not np.array_equal(a.spins, ms.multispin_metropolis(s0, 0.44, 4, seed=12).spins)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_train_networks_deterministic(optimizer):
    kw = _train(sigma_w2=[1.0, 2.0], seeds=[0, 1], n_epochs=2, batch_size=4, optimizer=optimizer,
                return_networks=True)
    a, b = tr.train_networks(**kw), tr.train_networks(**kw)
    for u, v in zip((a.test_loss, a.train_loss, a.test_accuracy), (b.test_loss, b.train_loss, b.test_accuracy)):
        assert u.tobytes() == v.tobytes()
    for n, m in zip(a.networks, b.networks):
        for p, q in zip(n.parameters(), m.parameters()):
            assert torch.equal(p, q)


def test_train_cascade_deterministic():
    a, b = cc.train_cascade(NET, X, seed=5), cc.train_cascade(NET, X, seed=5)
    assert a.train_loss.tobytes() == b.train_loss.tobytes()
    assert all(torch.equal(u, v) for u, v in zip(a.cascade.weights + a.cascade.biases,
                                                  b.cascade.weights + b.cascade.biases))
    c = cc.train_cascade(NET, X, seed=6)
    assert not torch.equal(a.cascade.weights[0], c.cascade.weights[0])


def test_epoch_orders_and_stacked_init_deterministic():
    assert tr.epoch_orders(9, 3, seed=4).tobytes() == tr.epoch_orders(9, 3, seed=4).tobytes()
    a = st.StackedMLP.initialised([4, 3, 2], [1.0, 2.0], [0.1, 0.1], [3, 4])
    b = st.StackedMLP.initialised([4, 3, 2], [1.0, 2.0], [0.1, 0.1], [3, 4])
    assert all(torch.equal(u, v) for u, v in zip(a.weights + a.biases, b.weights + b.biases))
