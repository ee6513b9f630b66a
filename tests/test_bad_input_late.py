"""Bad input to the modules added last gives a clear, named error (issue 19, second part).

Table-driven like ``tests/test_bad_input_rg_nets.py``: each row replaces one argument of a valid call by a bad
value (wrong type, wrong shape, NaN/+-inf, negative or zero size, out-of-range probability or variance, spins that
are not +-1, sizes that do not divide, strings, None, complex) and checks that a ``ValueError``/``TypeError`` of the
expected kind is raised whose message names the argument exactly as the signature spells it. Covered:
``rglib.nets.{rbm, rbm_exact, receptive_fields, rbm_flow_analysis, rbm_stack, layer_kl, finite_width,
trainability}``,
``rglib.rg.{blocking, cumulant_rg}``, ``rglib.plotting`` and ``rglib.ising.iter_spin_configurations``.

``test_every_public_function_is_in_a_bad_input_table`` walks the ``__all__`` of every wing of rglib and fails if a
public function or class taking arguments is absent from all four bad-input tables.

The second half checks extreme but valid input (strongly antiferromagnetic chains against mpmath and the
sublattice symmetry, deep and strongly coupled networks) and that the same seed gives bit-identical numbers.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import itertools
import math
import pathlib
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from rglib import plotting  # noqa: E402
from rglib.ising import enumeration as enum  # noqa: E402
from rglib.nets import finite_width as fw  # noqa: E402
from rglib.nets import layer_kl as lk  # noqa: E402
from rglib.nets import rbm as rb  # noqa: E402
from rglib.nets import rbm_exact as rx  # noqa: E402
from rglib.nets import rbm_flow_analysis as rfa  # noqa: E402
from rglib.nets import rbm_stack as rs  # noqa: E402
from rglib.nets import receptive_fields as rf  # noqa: E402
from rglib.nets import trainability as tb  # noqa: E402
from rglib.nets.mlp import GaussianMLP  # noqa: E402
from rglib.rg import blocking as bl  # noqa: E402
from rglib.rg import cumulant_rg as crg  # noqa: E402

NAN, INF = float("nan"), float("inf")
V, T = ValueError, TypeError

# ------------------------------------------------------------------------------------------ bad-value families
REAL = [(NAN, V), (INF, V), (-INF, V), ("0.3", T), (None, T), (1 + 2j, T), (True, T)]
SCALAR = REAL + [([0.1, 0.2], V)]
POSITIVE = SCALAR + [(0.0, V), (-1.0, V)]
NONNEG = SCALAR + [(-1e-3, V)]
INT = [(2.5, T), ("3", T), (None, T), (True, T), (np.float64(3.0), T)]
COUNT = INT + [(0, V), (-1, V)]  # sizes >= 1
FLAG = [("yes", T), (None, T), (1, T)]
SEED = [(-1, T), (1.5, T), ("0", T), (True, T)]
RSEED = [(-1, V), (1.5, T), ("0", T), (True, T), (None, V)]  # rglib.nets.rbm: a seed is required, an int >= 0
DEVICE = [("junk", V), (3.5, T)]
FLOAT_DTYPE = [(torch.int32, V), ("float32", V), (np.float64, V)]

# ------------------------------------------------------------------------------------------ valid arguments
RBM4 = rb.init_rbm(4, 2, seed=0)
RBM_BIN = rb.init_rbm(4, 2, units="binary", seed=0)
V4 = torch.tensor([[1.0, -1.0, 1.0, 1.0], [-1.0, -1.0, 1.0, -1.0], [1.0, 1.0, 1.0, 1.0]], dtype=torch.float64)
H2 = torch.tensor([[1.0, -1.0], [-1.0, -1.0], [1.0, 1.0]], dtype=torch.float64)
DATA = np.random.default_rng(0).choice([-1.0, 1.0], size=(20, 4))
LP_V4 = rx.rbm_visible_log_probabilities(RBM4)
LP2 = np.log([0.4, 0.3, 0.2, 0.1])
BAD_RBMS = [("rbm", T), ((RBM4.W, RBM4.a, RBM4.b, "spin"), T), (RBM4._replace(W=torch.full((4, 2), NAN)), V),
            (RBM4._replace(W=RBM4.W[:, 0]), V), (RBM4._replace(a=RBM4.a[:3]), V), (RBM4._replace(units="ising"), V),
            (RBM4._replace(W=RBM4.W.to(torch.complex128)), T), (RBM4._replace(W=RBM4.W.numpy()), T),
            (RBM4._replace(b=torch.full((2,), INF, dtype=torch.float64)), V)]
LAYER_V = [("v", T), (None, T), (V4.numpy().tolist(), T), (V4[:, :3], V), (V4[0], V), (V4[:0], V),
           (torch.full((3, 4), NAN, dtype=torch.float64), V), (V4.numpy().astype(complex), T),
           (V4.to(torch.complex128), T), (np.array([["a"] * 4]), T)]
SPIN_LAYER = LAYER_V + [(torch.zeros(3, 4), V), (2 * V4, V)]
LAYER_H = [(H2[:, :1], V), (torch.full((3, 2), INF), V), ("h", T), (H2.to(torch.complex64), T)]
MAPS = np.random.default_rng(1).normal(size=(3, 4, 4))
MAPS_BAD = [("x", T), (None, T), (MAPS[0], V), (MAPS[:0], V), (np.full((1, 4, 4), NAN), V), (MAPS + 1j, T),
            (np.ones((2, 0, 4)), V)]
CENTRES = np.array([[0.5, 0.5], [2.5, 2.5], [0.5, 2.5], [2.5, 0.5]])
CENTRES_BAD = [("x", T), (None, T), (CENTRES[:, 0], V), (CENTRES[:0], V), (np.full((2, 2), NAN), V),
               (CENTRES + 1j, T), (np.ones((2, 3)), V)]
SHAPE_BAD = [(4, T), ((4,), T), ((0, 4), V), ((4.0, 4), T), ("ab", T), (None, T), ((-4, 4), V), ((4, 4, 4), T)]
NET = GaussianMLP([4, 5, 3], 1.5, 0.05, seed=0)
NET3 = GaussianMLP([4, 4, 4, 4], 1.5, 0.05, seed=0)
XN = np.random.default_rng(2).normal(size=(3, 4)).astype(np.float32)
X_BAD = [("x", T), (None, T), (XN.tolist(), T), (XN[:, :3], V), (XN[:0], V), (np.full_like(XN, NAN), V),
         (XN.astype(complex), T), (XN > 0, T), (XN[None], V)]
KL2 = np.array([[3.0, 2.0], [2.0, 1.5], [1.0, 1.2], [0.9, 1.1], [0.9, 1.1]])
SPINS = np.ones((2, 4, 4), np.int8)
SPINS_BAD = [(np.zeros((2, 4, 4), np.int8), V), (2 * SPINS, V), (SPINS.astype(float), T), (SPINS[0, 0], V),
             ("x", T), (None, T), (SPINS.astype(bool), T), (SPINS + 0j, T)]
LP16 = np.full(16, -np.log(16.0))
TRI_BLOCKS = np.array([0, 0, 0, 1, 1, 1])
TRI_BONDS = np.array([[0, 3], [1, 4]])
AX = plt.figure().add_subplot()
LOG_AX = plt.figure().add_subplot()
LOG_AX.set_xscale("log")
LOG_AX.set_yscale("log")
GAUSS = dict(q1=1.0, depth=3, width=4, sigma_w2=1.5, sigma_b2=0.05)
VAR_W = POSITIVE + [([1.0, 2.0], V)]
VAR_B = NONNEG + [([0.0, 0.1], V)]
GAUSS_BAD = {"q1": POSITIVE, "depth": COUNT, "sigma_w2": VAR_W, "sigma_b2": VAR_B}
# stacks on a 4 x 4 lattice: 16 -> 4 -> 1 units
DATA16 = np.random.default_rng(4).choice([-1.0, 1.0], size=(10, 16))
STACK = rs.block_spin_stack((4, 4), 2, 2)
V16 = torch.tensor(np.random.default_rng(5).choice([-1.0, 1.0], size=(3, 16)))
FIELDS = rs.stack_receptive_fields(STACK)[0]  # (4, 16): the 2 x 2 blocks
STACK_BAD = [("stack", T), (None, T), (STACK.rbms, T), (rs.RBMStack((), ()), T), (STACK.rbms[0], T),
             (STACK._replace(rbms=(STACK.rbms[0], "rbm")), T),
             (STACK._replace(rbms=(STACK.rbms[0]._replace(W=torch.full((16, 4), NAN, dtype=torch.float64)),)), V),
             (STACK._replace(rbms=STACK.rbms[::-1]), V), (STACK._replace(rbms=STACK.rbms[:1] * 2), V),
             (STACK._replace(rbms=(STACK.rbms[0], STACK.rbms[1]._replace(units="binary"))), V),
             (STACK._replace(rbms=(STACK.rbms[0]._replace(a=STACK.rbms[0].a[:3]),)), V)]
STACK_V = LAYER_V[:2] + [(V16.tolist(), T), (V16[:, :12], V), (V16[0], V), (V16[:0], V),
                         (torch.full((3, 16), NAN, dtype=torch.float64), V), (V16.numpy() + 0j, T),
                         (V16.to(torch.complex128), T), (np.array([["a"] * 16]), T), (torch.zeros(3, 16), V),
                         (2 * V16, V), ((V16 + 1) / 2, V), (V16[None], V)]
STACK_SEED = [(-1, V), (1.5, T), ("0", T), (True, T), (torch.zeros(1), T)]  # seed=None: fresh entropy, allowed
HIDDEN_SIZES = [(4, T), ("ab", T), (None, T), ([], V), ([4, 0], V), ([-1], V), ([4, 2.5], T), ([4, True], T),
                ([4, "1"], T), (np.array([4.0, 1.0]), T), ([4, None], T)]
SIGMA_GRID = [0.5, 1.0, 1.5, 2.0, 3.0]
CUTOFFS = [[4, 10, 20, 18, 9], [6, 12, 22, 20, 11]]

# (label, callable, valid kwargs, {argument: [(bad value, expected exception), ...]})
TABLE = [
    # ----------------------------------------------------------------------------------- nets.rbm
    ("init_rbm", rb.init_rbm, dict(n_visible=4, n_hidden=2),
     {"n_visible": COUNT, "n_hidden": COUNT, "units": [("ising", V), (None, T), (1, T), (["spin"], T)],
      "weight_std": NONNEG, "seed": RSEED, "device": DEVICE,
      "dtype": FLOAT_DTYPE}),
    ("init_rbm_float32", rb.init_rbm, dict(n_visible=4, n_hidden=2, dtype=torch.float32),
     {"weight_std": [(1e300, V)]}),  # couplings beyond float32
    ("hidden_field", rb.hidden_field, dict(rbm=RBM4, v=V4), {"rbm": BAD_RBMS, "v": LAYER_V}),
    ("visible_field", rb.visible_field, dict(rbm=RBM4, h=H2), {"rbm": BAD_RBMS[:4], "h": LAYER_H}),
    ("hidden_mean", rb.hidden_mean, dict(rbm=RBM4, v=V4), {"rbm": BAD_RBMS[:4], "v": LAYER_V}),
    ("visible_mean", rb.visible_mean, dict(rbm=RBM4, h=H2), {"rbm": BAD_RBMS[2:5], "h": LAYER_H}),
    ("sample_hidden", rb.sample_hidden, dict(rbm=RBM4, v=V4, seed=0),
     {"rbm": BAD_RBMS[:3], "v": LAYER_V[:6], "seed": RSEED}),
    ("sample_visible", rb.sample_visible, dict(rbm=RBM4, h=H2, seed=0),
     {"rbm": BAD_RBMS[2:4], "h": LAYER_H, "seed": RSEED}),
    ("free_energy", rb.free_energy, dict(rbm=RBM4, v=V4), {"rbm": BAD_RBMS, "v": SPIN_LAYER}),
    ("free_energy_binary", rb.free_energy, dict(rbm=RBM_BIN, v=(V4 + 1) / 2), {"v": [(V4, V)]}),
    ("rbm_log_partition", rb.rbm_log_partition, dict(rbm=RBM4),
     {"rbm": BAD_RBMS + [(rb.init_rbm(26, 26, seed=0), V)], "chunk_size": COUNT}),
    ("rbm_log_likelihood", rb.rbm_log_likelihood, dict(rbm=RBM4, v=V4, log_z=None),
     {"rbm": BAD_RBMS[:3], "v": SPIN_LAYER[:6], "log_z": [r for r in REAL if r[0] is not None]}),
    ("gibbs_chain", rb.gibbs_chain, dict(rbm=RBM4, v0=V4, n_steps=2, seed=0),
     {"rbm": BAD_RBMS[:4], "v0": SPIN_LAYER, "n_steps": INT + [(-1, V), (10**13, V)], "seed": RSEED}),
    ("rbm_flow", rb.rbm_flow, dict(rbm=RBM4, v0=V4, n_steps=2, seed=0),
     {"rbm": BAD_RBMS[:4], "v0": SPIN_LAYER, "n_steps": INT + [(-1, V), (10**13, V)], "sample": FLAG,
      "seed": RSEED}),
    ("train_rbm", rb.train_rbm, dict(data=DATA, n_hidden=2, n_epochs=1, batch_size=5),
     {"data": [("x", T), (None, T), (DATA.tolist(), T), (np.zeros((20, 4)), V), (np.full((20, 4), NAN), V),
               (DATA[0], V), (DATA[:0], V), (DATA + 0j, T), (DATA > 0, V), (torch.from_numpy(DATA) + 0j, T)],
      "n_hidden": COUNT, "units": [("ising", V), (None, T)], "method": [("sgd", V), (None, V), (["cd"], V)],
      "k": COUNT, "learning_rate": POSITIVE, "n_epochs": COUNT + [(10**13, V)],
      "batch_size": COUNT, "weight_decay": NONNEG, "l1_penalty": NONNEG,
      "momentum": NONNEG + [(1.5, V)], "weight_std": NONNEG, "init": [("x", T), (rb.init_rbm(4, 3, seed=0), V),
                                                                      (RBM_BIN, V), (BAD_RBMS[2][0], V)],
      "monitor_likelihood": FLAG, "callback": [(3, T), ("f", T)], "seed": RSEED, "device": DEVICE,
      "dtype": FLOAT_DTYPE, "progress": FLAG}),
    ("train_rbm_diverging", rb.train_rbm, dict(data=DATA, n_hidden=2, n_epochs=1, batch_size=5, weight_decay=1.0),
     {"learning_rate": [(1e300, V)]}),  # W -> (1 - lr * weight_decay) W overflows: an error, not NaN couplings
    # ----------------------------------------------------------------------------------- nets.rbm_stack
    ("train_rbm_stack", rs.train_rbm_stack, dict(data=DATA16, hidden_sizes=[4, 1], n_epochs=1, batch_size=5),
     {"data": [("x", T), (None, T), (DATA16.tolist(), T), (np.zeros((10, 16)), V), (np.full((10, 16), NAN), V),
               (DATA16[0], V), (DATA16[:0], V), (DATA16 + 0j, T), (DATA16 > 0, V), (2 * DATA16, V)],
      "hidden_sizes": HIDDEN_SIZES, "units": [("ising", V), (None, T), (1, T), (["spin"], T)],
      "method": [("sgd", V), (None, V), (["cd"], V)], "k": COUNT, "learning_rate": POSITIVE,
      "n_epochs": COUNT + [(10**13, V)], "batch_size": COUNT, "weight_decay": NONNEG, "l1_penalty": NONNEG,
      "momentum": NONNEG + [(1.5, V)], "weight_std": NONNEG, "seed": STACK_SEED, "device": DEVICE,
      "dtype": FLOAT_DTYPE, "progress": FLAG}),
    ("train_rbm_stack_binary", rs.train_rbm_stack,
     dict(data=(DATA16 + 1) / 2, hidden_sizes=[4], units="binary", n_epochs=1, batch_size=5),
     {"data": [(DATA16, V)]}),  # +-1 data for 0/1 units
    ("block_spin_stack", rs.block_spin_stack, dict(shape=(4, 4), b=2, depth=2),
     {"shape": SHAPE_BAD + [((6, 4), V), ((4, 2), V)], "b": COUNT + [(1, V), (3, V), (10**9, V)],
      "depth": COUNT + [(3, V), (10**9, V)], "dtype": FLOAT_DTYPE, "device": DEVICE}),
    ("stack_up", rs.stack_up, dict(stack=STACK, v=V16, seed=0),
     {"stack": STACK_BAD, "v": STACK_V, "sample": FLAG, "seed": RSEED}),
    ("stack_receptive_fields", rs.stack_receptive_fields, dict(stack=STACK),
     {"stack": STACK_BAD, "absolute": FLAG}),
    ("receptive_field_side", rs.receptive_field_side, dict(fields=FIELDS, shape=(4, 4)),
     {"fields": [("x", T), (None, T), (FIELDS[0], V), (FIELDS[:0], V), (FIELDS[:, :12], V), (FIELDS[None], V),
                 (np.full((2, 16), NAN), V), (np.full((2, 16), INF), V), (FIELDS + 1j, T), (FIELDS > 0, T),
                 (FIELDS.reshape(4, 2, 8), V), (np.ones((2, 0)), V)],
      "shape": SHAPE_BAD + [((4, 3), V), ((16, 16), V)]}),
    ("fit_growth_factor", rs.fit_growth_factor, dict(depths=[1, 2, 3], sides=[2.0, 4.0, 8.0]),
     {"depths": [("x", T), (None, T), ([1, NAN, 3], V), ([1, INF, 3], V), ([1, 1, 1], V), ([1, 2], V),
                 ([[1, 2, 3]], V), ([1j, 2, 3], T), ([True, False, True], T), (2, V)],
      "sides": [("x", T), (None, T), ([2.0, 0.0, 8.0], V), ([2.0, -4.0, 8.0], V), ([2.0, NAN, 8.0], V),
                ([2.0, INF, 8.0], V), ([2.0, 4.0], V), ([[2.0, 4.0, 8.0]], V), ([2j, 4, 8], T)]}),
    ("stack_lattices", rs.stack_lattices, dict(stack=STACK, v=V16, shape=(4, 4), seed=0),
     {"stack": STACK_BAD + [(rs.RBMStack((rb.init_rbm(16, 3, seed=0),), (np.empty(0),)), V)], "v": STACK_V,
      "shape": SHAPE_BAD + [((2, 8), V), ((4, 3), V), ((8, 8), V)], "b": COUNT + [(1, V), (3, V), (4, V)],
      "sample": FLAG, "seed": RSEED}),
    # ----------------------------------------------------------------------------------- nets.rbm_exact
    ("rbm_visible_log_probabilities", rx.rbm_visible_log_probabilities, dict(rbm=RBM4),
     {"rbm": BAD_RBMS + [(rb.init_rbm(23, 2, seed=0), V)]}),
    ("rbm_hidden_log_probabilities", rx.rbm_hidden_log_probabilities, dict(rbm=RBM4),
     {"rbm": BAD_RBMS + [(rb.init_rbm(2, 23, seed=0), V)]}),
    ("encoded_hidden_log_probabilities", rx.encoded_hidden_log_probabilities, dict(rbm=RBM4, log_p_visible=LP_V4),
     {"rbm": BAD_RBMS[:5] + [(rb.init_rbm(22, 22, seed=0), V)],
      "log_p_visible": [("x", T), (None, T), (LP_V4[:8], V), (LP_V4 + 1.0, V), (np.r_[NAN, LP_V4[1:]], V),
                        (np.full(16, INF), V), (LP_V4 + 0j, T), (LP_V4[None], V)],
      "chunk_size": COUNT}),
    ("relabeled_kl", rx.relabeled_kl, dict(log_p=LP2, log_q=LP2[::-1]),
     {"log_p": [("x", T), (None, T), (LP2[:3], V), (np.full(128, -np.log(128)), V), (LP2 + 1.0, V),
                ([NAN, 0.0, 0.0, 0.0], V), (LP2 + 0j, T), (LP2[None], V), (np.zeros(1), V)],
      "log_q": [(LP2[:2], V), ([INF, 0.0, 0.0, 0.0], V), ("x", T), (LP2 + 2.0, V)]}),
    # ----------------------------------------------------------------------------------- nets.receptive_fields
    ("align_signs", rf.align_signs, dict(maps=MAPS), {"maps": MAPS_BAD}),
    ("patch_statistics", rf.patch_statistics, dict(maps=MAPS),
     {"maps": MAPS_BAD, "threshold": POSITIVE + [(1.5, V)]}),
    ("periodic_displacement", rf.periodic_displacement, dict(x=[0.5, 3.5], c=1.0, period=4.0),
     {"x": [("a", T), (None, T), ([NAN], V), ([1j], T), (["a"], T)], "c": [("a", T), (INF, V), (1j, T), ([1.0, 2.0, 3.0], V)],
      "period": POSITIVE[:-3] + [(0.0, V), (-1.0, V), ([1.0, 2.0, 3.0], V)]}),
    ("centre_matching_distance", rf.centre_matching_distance, dict(centres=CENTRES, shape=(4, 4), b=2),
     {"centres": CENTRES_BAD, "shape": SHAPE_BAD, "b": COUNT + [(3, V)]}),
    ("block_coverage", rf.block_coverage, dict(centres=CENTRES, shape=(4, 4), b=2),
     {"centres": CENTRES_BAD, "shape": SHAPE_BAD, "b": COUNT + [(3, V)]}),
    ("select_by_centre", rf.select_by_centre, dict(centres=CENTRES, shape=(4, 4), n_side=2),
     {"centres": CENTRES_BAD, "shape": SHAPE_BAD, "n_side": COUNT + [(3, V)]}),
    ("block_centres", rf.block_centres, dict(shape=(4, 4), b=2), {"shape": SHAPE_BAD, "b": COUNT + [(3, V)]}),
    ("random_centres", rf.random_centres, dict(n=3, shape=(4, 4), seed=0),
     {"n": COUNT, "shape": SHAPE_BAD, "seed": SEED}),
    ("radial_profile", rf.radial_profile, dict(maps=MAPS, centres=CENTRES[:3], n_shells=None),
     {"maps": MAPS_BAD, "centres": CENTRES_BAD + [(CENTRES, V)], "n_shells": [r for r in COUNT if r[0] is not None]}),
    ("mosaic", rf.mosaic, dict(maps=MAPS, n_cols=2),
     {"maps": MAPS_BAD, "n_cols": COUNT + [(10**12, V)], "pad": INT + [(-1, V), (10**9, V)], "normalize": FLAG}),
    # ----------------------------------------------------------------------------------- nets.rbm_flow_analysis
    ("chain_as_rbm", rfa.chain_as_rbm, dict(N=8, K=0.5),
     {"N": INT + [(2, V), (7, V), (-8, V)], "K": SCALAR, "dtype": FLOAT_DTYPE}),
    ("rbm_layer_log_marginal", rfa.rbm_layer_log_marginal, dict(rbm=RBM4, layer="hidden"),
     {"rbm": BAD_RBMS + [(RBM_BIN, V), (rb.init_rbm(2, 26, seed=0), V)],
      "layer": [("x", V), (None, V), (["hidden"], V)]}),
    ("curve_temperature", rfa.curve_temperature, dict(values=[0.5], T_grid=[1.0, 2.0, 3.0], curve=[0.0, 1.0, 2.0]),
     {"values": [("a", T), ([NAN], V), (None, T), ([1j], T)],
      "T_grid": [([1.0, 3.0, 2.0], V), ([1.0], V), ("x", T), ([1.0, NAN, 3.0], V), ([1.0, 2.0], V)],
      "curve": [([0.0, 2.0, 1.0], V), ([0.0, 0.0, 1.0], V), ([0.0, INF, 2.0], V), (None, T)]}),
    ("confusion_matrix", rfa.confusion_matrix, dict(true_labels=[0, 1, 1], predicted_labels=[0, 1, 0], n_classes=2),
     {"true_labels": [([0.0, 1.0, 1.0], T), ([0, -1, 1], V), ([0, 2, 1], V), ("abc", T), (None, T),
                      ([True, False, True], T)],
      "predicted_labels": [([0, 1], V), ([0, 5, 0], V), ([0.5, 1, 0], T)], "n_classes": COUNT}),
    ("axis_correlation", rfa.axis_correlation, dict(spins=SPINS),
     {"spins": [("x", T), (None, T), (SPINS[0], V), (np.ones((2, 4, 3)), V), (np.ones((2, 1, 1)), V),
                (np.full((2, 4, 4), NAN), V), (SPINS + 1j, T)]}),
    ("fit_scaling_dimension", rfa.fit_scaling_dimension,
     dict(r=[1.0, 2.0, 3.0, 4.0], G=[0.5, 0.3, 0.25, 0.2], G_error=0.01, L=16),
     {"r": [([0.0, 1.0, 2.0, 3.0], V), ([1.0, 2.0], V), ("x", T), ([1.0, 2.0, 3.0, 20.0], V), ([1, NAN, 2, 3], V)],
      "G": [([0.5, -0.3, 0.25, 0.2], V), ([0.5, 0.3], V), (None, T), ([0.5, INF, 0.2, 0.1], V)],
      "G_error": [(0.0, V), (-0.1, V), (NAN, V), ("x", T), ([0.1, 0.1], V)], "L": INT + [(1, V), (0, V)]}),
    # ----------------------------------------------------------------------------------- nets.layer_kl
    ("isotropic_fits", lk.isotropic_fits, dict(network=NET, x=XN),
     {"network": [("net", T), (None, T), (NET.layers, T)], "x": X_BAD, "device": DEVICE,
      "dtype": [(torch.int32, T), ("float32", T), (torch.complex64, T)]}),
    ("isotropic_entropy", lk.isotropic_entropy, dict(width=4, variance=1.0),
     {"width": POSITIVE[:-3] + [(0.0, V), (-1.0, V)], "variance": POSITIVE[:-3] + [(0.0, V), (-1.0, V)]}),
    ("first_layer_variance", lk.first_layer_variance, dict(x=XN, sigma_w2=1.5, sigma_b2=0.05),
     {"x": [("x", T), (None, T), (np.ones((2, 0)), V), (np.ones((2, 2, 2)), V), (np.full(3, NAN), V), (XN + 1j, T)],
      "sigma_w2": POSITIVE, "sigma_b2": NONNEG}),
    ("layer_kl_divergence", lk.layer_kl_divergence, dict(network=NET3, x=XN, n_mc=8, seed=0),
     {"network": [("net", T), (None, T)], "x": X_BAD, "n_mc": INT + [(1, V), (-5, V), (10**15, V)],
      "seed": SEED, "reference_layer": INT + [(-1, V), (3, V)],
      "target": [("gaussian", V), (None, V), (1, V)], "q_variance": [("x", V), (None, V)],
      "debias_log_det": FLAG, "reference_samples": [("x", T), (np.ones((8, 3)), V), (np.ones((1, 4)), V),
                                                    (np.full((8, 4), NAN), V), (np.ones((8, 4), int), T)],
      "device": DEVICE, "dtype": [(torch.int32, T), ("float32", T)], "max_elements": COUNT, "progress": FLAG}),
    ("layer_kl_divergence_full", lk.layer_kl_divergence, dict(network=NET3, x=XN, n_mc=8, seed=0, target="full"),
     {"n_mc": [(5, V)], "q_variance": [("reference", V)]}),
    ("mean_field_layer_kl", lk.mean_field_layer_kl, dict(q0=1.0, depth=3, sigma_w2=1.5, sigma_b2=0.05),
     {"q0": REAL + [(0.0, V), (-1.0, V)], "depth": COUNT, "sigma_w2": POSITIVE, "sigma_b2": NONNEG,
      "activation": [("gelu", V), (None, T)], "target": [("full", V), (None, V)], "q_variance": [("x", V)]}),
    ("mean_field_kl_spread", lk.mean_field_kl_spread, dict(q0=1.0, depth=3, width=4, sigma_w2=1.5, sigma_b2=0.05),
     {"q0": POSITIVE, "depth": COUNT, "width": COUNT, "sigma_w2": POSITIVE, "sigma_b2": NONNEG,
      "reference_vertex": NONNEG}),
    ("log_det_bias", lk.log_det_bias, dict(dim=3, n_samples=10),
     {"dim": COUNT, "n_samples": INT + [(4, V), (0, V)]}),
    # ----------------------------------------------------------------------------------- nets.finite_width
    ("four_point_vertex", fw.four_point_vertex, dict(z=np.random.default_rng(3).normal(size=(5, 2, 4))),
     {"z": [("x", T), (None, T), (np.ones(4), V), (np.ones((1, 4)), V), (np.ones((5, 1)), V),
            (np.full((5, 4), NAN), V), (np.ones((5, 4)) + 1j, T)]}),
    ("vertex_recursion", fw.vertex_recursion, dict(GAUSS),
     {**GAUSS_BAD, "width": [(0, V), ([4, 4], V), ("ab", T), ([4, 0, 4], V), ([4, 2.5, 4], T), (4.5, T), (None, T)],
      "activation": [("gelu", V), (None, V)]}),
    ("relu_vertex_exact", fw.relu_vertex_exact, dict(depth=3, width=4),
     {"depth": COUNT, "width": [(0, V), ([4], V), ("ab", T), (None, T), ([4, -1, 4], V)]}),
    ("metric_covariance", fw.metric_covariance, dict(kernel=(1.0, 1.0, 0.5), depth=3, width=4, sigma_w2=1.5,
                                                     sigma_b2=0.05),
     {"kernel": [((1.0, 1.0), V), ((0.0, 1.0, 0.0), V), ((1.0, 1.0, 2.0), V), ((NAN, 1.0, 0.0), V), ("abc", T),
                 (None, T), ((1.0, -1.0, 0.0), V)],
      "depth": COUNT, "width": [(0, V), ([4], V)], "sigma_w2": POSITIVE, "sigma_b2": NONNEG}),
    ("sample_preactivations", fw.sample_preactivations, dict(GAUSS, n_networks=2, seed=0),
     {**GAUSS_BAD, "width": COUNT, "n_networks": COUNT + [(10**12, V)], "activation": [("gelu", V), (None, V)],
      "seed": SEED + [(None, T)], "method": [("x", V), (None, V)], "device": DEVICE,
      "dtype": [(torch.int32, T), ("float32", T)], "progress": FLAG}),
    # ----------------------------------------------------------------------------------- nets.trainability
    ("cascade_kl", tb.cascade_kl, dict(network=NET, x_train=XN, x_test=XN, n_layers=1, batch_size=2),
     {"network": [("net", T), (None, T)], "x_train": [(XN[:, :3], V), (np.full_like(XN, NAN), V), ("x", T)],
      "x_test": [(XN[:, :3], V), (np.full_like(XN, NAN), V), ("x", T), (None, T), (XN[:0], V),
                 (XN.astype(complex), T)],
      "n_layers": INT + [(0, V), (3, V)], "n_epochs": COUNT, "batch_size": COUNT, "lr": POSITIVE,
      "seed": [(-1, V), (1.5, T), ("0", T)], "rtol": NONNEG}),
    ("cutoff_layer", tb.cutoff_layer, dict(curve=[1.0, 0.5, 0.2, 0.2]),
     {"curve": [("x", T), (None, T), ([NAN, 0.5], V), ([], V), (np.ones((2, 2)), V)], "rtol": NONNEG}),
    ("cutoff_by_depth", tb.cutoff_by_depth, dict(kl=KL2, depths=[4, 5]),
     {"kl": [("x", T), (KL2[0], V), (np.full((3, 2), NAN), V), (KL2 + 1j, T)],
      "depths": [(5, T), ("ab", T), ([2], V), ([10], V), ([4.5], T), (None, T)], "dropped": INT + [(-1, V)],
      "rtol": NONNEG}),
    ("cutoff_peak", tb.cutoff_peak, dict(sigma_w2=SIGMA_GRID, cutoffs=CUTOFFS),
     {"sigma_w2": [("x", T), (None, T), ([0.5, 1.0], V), ([0.5, NAN, 1.5, 2.0, 3.0], V),
                   ([0.5, 1.0, 1.5, 2.0, INF], V), ([0.5, 1.5, 1.0, 2.0, 3.0], V), ([0.5, 1.0, 1.0, 2.0, 3.0], V),
                   ([SIGMA_GRID], V), ([-0.5, 1.0, 1.5, 2.0, 3.0], V), ([0.0, 1.0, 1.5, 2.0, 3.0], V),
                   (np.array(SIGMA_GRID) + 1j, T), (1.5, V), ([True, False, True], T)],
      "cutoffs": [("x", T), (None, T), (CUTOFFS[0], V), ([row[:3] for row in CUTOFFS], V), (np.ones((0, 5)), V),
                  ([[4, 10, NAN, 18, 9]], V), ([[4, 10, INF, 18, 9]], V),
                  (np.array(CUTOFFS) + 1j, T), (np.array(CUTOFFS) > 5, T), (np.ones((2, 5, 1)), V)]}),
    ("largest_trainable_depth", tb.largest_trainable_depth, dict(depths=[2, 4], reached=[True, False]),
     {"depths": [(5, T), ("ab", T), ([0, 4], V), ([2.5, 4], T), (None, T)],
      "reached": [([1, 0], V), ([True], V), ("x", V), ([[True]], V)]}),
    ("agreement", tb.agreement, dict(predicted=[1.0, 2.0, 3.0], truth=[1.0, 2.5, 2.9]),
     {"predicted": [("x", T), ([1.0, NAN, 3.0], V), ([1.0], V), ([[1.0, 2.0, 3.0]], V), ([1j, 2, 3], T)],
      "truth": [([1.0, 2.0], V), ([INF, 2.0, 3.0], V), (None, T)]}),
    # ----------------------------------------------------------------------------------- rg.blocking
    ("block_average", bl.block_average, dict(spins=SPINS, b=2), {"spins": SPINS_BAD, "b": COUNT + [(3, V)]}),
    ("block_majority", bl.block_majority, dict(spins=SPINS, b=2, seed=0),
     {"spins": SPINS_BAD, "b": COUNT + [(3, V)], "seed": SEED}),
    ("block_majority_log_probabilities", bl.block_majority_log_probabilities, dict(log_p=LP16, shape=(2, 2), b=2),
     {"log_p": [("x", T), (None, T), (LP16[:8], V), (LP16 + 1.0, V), (np.full(16, NAN), V), (LP16 + 0j, T)],
      "shape": SHAPE_BAD[:-1] + [((5, 5), V)], "b": COUNT + [(3, V)], "chunk_size": COUNT}),
    ("visible_coarse_correlators", bl.visible_coarse_correlators, dict(v=SPINS, h=SPINS[:, ::2, ::2]),
     {"v": [("x", T), (None, T), (SPINS[0, 0], V), (SPINS[:1], V), (np.full((2, 4), NAN), V), (SPINS + 1j, T),
            (SPINS[:0], V)],
      "h": [("x", T), (np.ones(2), V), (np.full((2, 2), INF), V), (np.ones((2, 2)) + 1j, T)]}),
    # ----------------------------------------------------------------------------------- rg.cumulant_rg
    ("majority_block_moments", crg.majority_block_moments, dict(K=0.3), {"K": REAL}),
    ("block_cumulant_couplings", crg.block_cumulant_couplings,
     dict(block_of_site=TRI_BLOCKS, bonds=TRI_BONDS, couplings=[0.3, 0.3], K_block=0.3),
     {"block_of_site": [("x", T), (TRI_BLOCKS[:4], V), (TRI_BLOCKS * 1.0, T), (TRI_BLOCKS - 1, V), (None, T)],
      "bonds": [(TRI_BONDS * 1.0, T), (TRI_BONDS + 10, V), (np.array([[0, 1]]), V), (TRI_BONDS[0], T), ("x", T)],
      "couplings": [([0.3], V), ([NAN, 0.3], V), ("x", T), ([1j, 0.3], T)], "K_block": SCALAR}),
    ("triangular_cumulant_tables", crg.triangular_cumulant_tables, dict(n_cells=6),
     {"n_cells": INT + [(4, V), (13, V)]}),
    ("triangular_generated_couplings", crg.triangular_generated_couplings, dict(couplings=[0.3, 0.0, 0.0]),
     {"couplings": [([0.3, 0.0], V), ([NAN, 0.0, 0.0], V), ("x", T), (None, T), ([1j, 0, 0], T)],
      "order": INT + [(0, V), (3, V)], "second_order": [("far", V), (None, V), (1, V)]}),
    ("triangular_recursion", crg.triangular_recursion, dict(couplings=[0.3, 0.0, 0.0]),
     {"couplings": [([0.3, 0.0], V), ([INF, 0.0, 0.0], V), ("x", T)], "order": INT + [(0, V), (3, V)],
      "second_order": [("far", V), (None, V)]}),
    ("nvl_fixed_point", crg.nvl_fixed_point, dict(order=1), {"order": INT + [(0, V), (3, V)],
                                                             "second_order": [("far", V), (None, V)]}),
    ("nvl_critical_coupling", crg.nvl_critical_coupling, dict(order=1),
     {"order": INT + [(0, V), (3, V)], "second_order": [("far", V)], "tol": POSITIVE,
      "max_steps": INT + [(9, V), (10**12, V)]}),
    # ----------------------------------------------------------------------------------- ising.enumeration
    ("iter_spin_configurations", enum.iter_spin_configurations, dict(n=3, chunk_size=4),
     {"n": INT + [(-1, V), (64, V)], "chunk_size": COUNT}),
    # ----------------------------------------------------------------------------------- plotting
    ("color_cycle", plotting.color_cycle, dict(n=3), {"n": INT + [(-1, V)]}),
    ("label_panels", plotting.label_panels, dict(axes=[AX]),
     {"axes": [(AX, T), (3, T), (["x"], T), (None, T)], "labels": [(3, T), (None, T), (["a"], T)]}),
    ("show_spins", plotting.show_spins, dict(ax=AX, spins=SPINS[0]),
     {"ax": [("x", T), (None, T)], "spins": [(SPINS, V), (np.zeros((4, 4)), V), ("x", V), (None, V)],
      "title": [(3, T)]}),
    ("plain_log_ticks", plotting.plain_log_ticks, dict(ax=LOG_AX),
     {"ax": [("x", T), (AX, V)], "axis": [("z", V), (None, V)], "subs": [("ab", T), ((NAN,), V), (3, T)]}),
    ("integer_ticks", plotting.integer_ticks, dict(axes=AX), {"axes": [(3, T), ("x", T), ([AX, 3], T), (None, T)]}),
    ("marker_legend_handles", plotting.marker_legend_handles, dict(styles={"a": {"marker": "o"}}),
     {"styles": [("x", T), (None, T), ({"a": 3}, T), ({1: {}}, T)], "color": [(3, T), (None, T)]}),
    ("flow_arrows", plotting.flow_arrows, dict(ax=AX, x=[0.0, 1.0, 2.0], y=[0.0, 1.0, 0.5], color="k"),
     {"ax": [("x", T)], "x": [("a", T), ([NAN, 1.0, 2.0], V), ([0.0, 1.0], V), ([[0.0, 1.0, 2.0]], V)],
      "y": [(["a", "b", "c"], T), ([0.0, INF, 1.0], V)], "color": [(3, T), (None, T)],
      "min_length": [(-1.0, V), (NAN, V), ("a", T)], "y_scale": [(NAN, V), (-1.0, V), ("a", T)],
      "zorder": [("a", T), (NAN, V)]}),
]

CASES = [(label, f, base, arg, bad, exc) for label, f, base, table in TABLE for arg, bads in table.items()
         for bad, exc in bads]


def _call(f, kwargs):
    out = f(**kwargs)
    if inspect.isgenerator(out):  # iter_spin_configurations checks its arguments on the first chunk
        out = list(itertools.islice(out, 1))
    return out


def _ids(case):
    label, _, _, arg, bad, exc = case
    text = re.sub(r"\s+", "", repr(bad))[:30]
    return f"{label}-{arg}={text}-{exc.__name__}"


@pytest.mark.parametrize("label, f, base", [(label, f, base) for label, f, base, _ in TABLE],
                         ids=[t[0] for t in TABLE])
def test_the_valid_calls_of_the_table_are_valid(label, f, base):
    _call(f, base)


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_bad_argument_is_named(case):
    label, f, base, arg, bad, exc = case
    assert arg in inspect.signature(f).parameters, f"{label} has no parameter {arg!r}"
    with pytest.raises((ValueError, TypeError)) as info:
        _call(f, {**base, arg: bad})
    assert info.type in (ValueError, TypeError) or issubclass(info.type, exc), info.type
    assert issubclass(info.type, exc), f"{label}({arg}={bad!r}) raised {info.type.__name__}: {info.value}"
    assert re.search(rf"(?<![A-Za-z0-9_]){re.escape(arg)}(?![A-Za-z0-9_])", str(info.value)), \
        f"{label}({arg}={bad!r}): message does not name {arg!r}: {info.value}"


def test_case_count():
    """The closing note of issue 19 reports this count (and the total over the four tables)."""
    assert len(CASES) >= 600, len(CASES)


# ------------------------------------------------------------------------------------------ coverage of every wing
#: Public callables without arguments (nothing to get wrong) and exception types.
NO_ARGUMENTS = {"current_scale", "data_dir", "use_book_style", "nn_fixed_point", "maris_kadanoff_fixed_point",
                "SerialExecutor", "DatasetUnavailableError", "StaleResultsError", "CorruptResultError"}
WINGS = ("config", "plotting", "stats", "entropy", "ising", "rg", "nets", "data", "runs")


def _table_module(name: str):
    """The test module ``tests/<name>.py`` (already imported by pytest, or loaded from its file)."""
    if name in sys.modules:
        return sys.modules[name]
    path = pathlib.Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _covered() -> set:
    out = {getattr(f, "__func__", f) for _, f, _, _ in TABLE}
    out |= {getattr(c.func, "__func__", c.func) for c in _table_module("test_bad_input_engine").BAD}
    out |= {f for _, f, _, _ in _table_module("test_bad_input_rg_nets").TABLE}
    out |= {f for f, _, _ in _table_module("test_bad_input_ising").CASES}
    return out


def test_every_public_function_is_in_a_bad_input_table():
    covered = _covered()
    missing = []
    for wing in WINGS:
        mod = importlib.import_module(f"rglib.{wing}")
        for name in mod.__all__:
            obj = getattr(mod, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)) or name in NO_ARGUMENTS:
                continue
            if inspect.isclass(obj) and issubclass(obj, tuple):
                continue  # result NamedTuples (and RBM, checked by every function that takes one)
            if obj not in covered:
                missing.append(f"rglib.{wing}.{name}")
    assert missing == [], f"public functions without a bad-input row: {missing}"
    for name in NO_ARGUMENTS:  # the exemptions are what they claim to be
        obj = next(getattr(importlib.import_module(f"rglib.{w}"), name) for w in WINGS
                   if name in importlib.import_module(f"rglib.{w}").__all__)
        assert (inspect.isclass(obj) and issubclass(obj, Exception)) or not inspect.signature(obj).parameters


def test_total_number_of_bad_input_cases():
    total = (len(CASES) + len(_table_module("test_bad_input_engine").BAD)
             + len(_table_module("test_bad_input_rg_nets").CASES) + len(_table_module("test_bad_input_ising").TABLE))
    assert total >= 2500, total


# ================================================================================================
# extreme but valid input
# ================================================================================================
mp = pytest.importorskip("mpmath")
from rglib.rg import decimation as dec  # noqa: E402
from rglib.rg import kl_1d  # noqa: E402


def _mp_flow(K, h, n):
    K, h = mp.mpf(K), mp.mpf(h)
    for _ in range(n):
        a, b = mp.cosh(2 * K + h), mp.cosh(2 * K - h)
        K, h = mp.log(a * b / mp.cosh(h) ** 2) / 4, h + mp.log(a / b) / 2
    return K, h


def _mp_chain(K, h):
    """ln lambda_+, <s s'>, <s> and the entropy per site of the infinite chain."""
    p, q = mp.e**K * mp.cosh(h), mp.sqrt(mp.e ** (2 * K) * mp.sinh(h) ** 2 + mp.e ** (-2 * K))
    R = mp.sqrt(mp.sinh(h) ** 2 + mp.e ** (-4 * K))
    u, m = 1 - 2 * mp.e ** (-4 * K) / (R * (mp.cosh(h) + R)), mp.sinh(h) / R
    return mp.log(p + q), u, m, mp.log(p + q) - K * u - h * m


def _mp_ring(N, K, h):
    """ln Z, <s_i s_i+1>, <s_i> and the entropy of the N-site ring from its transfer matrix."""
    T = mp.matrix([[mp.e ** (K + h), mp.e ** (-K)], [mp.e ** (-K), mp.e ** (K - h)]])
    sz = mp.matrix([[1, 0], [0, -1]])
    TN = T**N
    Z = TN[0, 0] + TN[1, 1]
    A = sz * T * sz * T ** (N - 1)
    lz, u, m = mp.log(Z), (A[0, 0] + A[1, 1]) / Z, (TN[0, 0] - TN[1, 1]) / Z
    return lz, u, m, lz - N * (K * u + h * m)


def _mp_kl(K0, h0, n, N):
    mp.mp.dps = 1500  # e^{-4 K0} = e^{4000} at K0 = -1e3
    K0m, h0m = mp.mpf(K0), mp.mpf(h0)
    Kn, hn = _mp_flow(K0, h0, n)
    if N is None:
        g0, u0, m0, s0 = _mp_chain(K0m, h0m)
        gn, _, _, sn = _mp_chain(Kn, hn)
        same = (K0m - Kn) * u0 + (h0m - hn) * m0 - (g0 - gn)
        lifted = (1 - mp.mpf(2) ** -n) * mp.log(2) - s0 + mp.mpf(2) ** -n * sn
    else:
        l0, u0, m0, S0 = _mp_ring(N, K0m, h0m)
        ln = _mp_ring(N, Kn, hn)[0]
        Sk = _mp_ring(N >> n, Kn, hn)[3]
        same = (K0m - Kn) * u0 + (h0m - hn) * m0 - (l0 - ln) / N
        lifted = ((N - (N >> n)) * mp.log(2) - S0 + Sk) / N
    return float(Kn), float(hn), float(same), float(lifted)


@pytest.mark.parametrize("K0", [-500.0, -1e3])
@pytest.mark.parametrize("h0", [0.0, 0.3, 1e3])
@pytest.mark.parametrize("N", [None, 8, 16])
def test_kl_1d_strong_antiferromagnets_match_mpmath(K0, h0, N):
    """No K0_MIN any more: flows and both relative entropies agree with 1500-digit mpmath. The error scale is
    eps * max(|K0|, |h0|): the results are differences of terms of that size (e.g. 2|K0| - ln 2 for h0 = 0)."""
    scale = max(1.0, abs(K0), abs(h0))
    for n in (1, 2, 3):
        Kn, hn, same, lifted = _mp_kl(K0, h0, n, N)
        fK, fh = dec.flow_couplings(K0, h0, n)
        assert abs(fK - Kn) <= 1e-15 * scale and abs(fh - hn) <= 1e-15 * scale
        assert abs(kl_1d.kl_same_lattice(K0, h0, n, N=N) - same) <= 1e-14 * scale
        assert abs(kl_1d.kl_lifted(K0, h0, n, N=N) - lifted) <= 1e-14 * scale
    if N is None:
        mp.mp.dps = 1500
        _, _, m0, s0 = _mp_chain(mp.mpf(K0), mp.mpf(h0))
        p = (1 - abs(m0)) / 2
        h2 = -p * mp.log(p) - (1 - p) * mp.log(1 - p) if p > 0 else mp.mpf(0)
        assert abs(kl_1d.kl_asymptote(K0, h0) - float(h2 - s0)) <= 1e-14 * scale
        assert abs(kl_1d.kl_asymptote(K0, h0, "B") - float(mp.log(2) - s0)) <= 1e-14 * scale


@pytest.mark.parametrize("K0", [0.3, 177.0, 500.0, 1e3])
def test_kl_1d_antiferromagnet_equals_ferromagnet_on_bipartite_rings(K0):
    """At h = 0 flipping every other spin maps K0 to -K0 on an even ring and leaves the kept (even) spins of every
    decimation step alone: the lifted divergence, the asymptotes and the flows agree exactly in the two signs."""
    n = np.arange(1, 4)
    for N in (None, 8, 16):
        np.testing.assert_allclose(kl_1d.kl_lifted(-K0, 0.0, n, N=N), kl_1d.kl_lifted(K0, 0.0, n, N=N),
                                   rtol=1e-14, atol=1e-15)
    for definition in ("A", "B"):
        assert kl_1d.kl_asymptote(-K0, 0.0, definition) == pytest.approx(kl_1d.kl_asymptote(K0, 0.0, definition),
                                                                         rel=1e-14, abs=1e-15)
    np.testing.assert_allclose(dec.flow_couplings(-K0, 0.0, n).K, dec.flow_couplings(K0, 0.0, n).K, rtol=1e-15)
    for m in (1, 2):
        assert kl_1d.enumerated_kl_lifted(8, -K0, 0.0, m) == pytest.approx(kl_1d.enumerated_kl_lifted(8, K0, 0.0, m),
                                                                           rel=1e-12, abs=1e-15)
        assert kl_1d.kl_lifted(-K0, 0.0, m, N=8) == pytest.approx(kl_1d.enumerated_kl_lifted(8, -K0, 0.0, m),
                                                                  rel=1e-9, abs=1e-12)


def test_nvl_critical_coupling_tolerance_below_float_spacing_terminates():
    """A tol below the spacing of floats near K_c once looped for ever; now the bisection stops after 200 halvings."""
    assert crg.nvl_critical_coupling(1, tol=1e-30) == pytest.approx(crg.nvl_critical_coupling(1), abs=1e-13)


@pytest.mark.parametrize("sigma_w2", [1.5, 100.0])
def test_deep_tanh_recursions_finite(sigma_w2):
    """Depth 500 at sigma_w2 up to 100: finite results; tanh keeps the metric below sigma_b2 + sigma_w2."""
    pred = fw.vertex_recursion(1.0, 500, 8, sigma_w2, 0.05)
    for v in pred:
        assert np.all(np.isfinite(v))
    assert np.all(pred.metric[1:] <= 0.05 + sigma_w2) and np.all(pred.vertex >= 0)
    kl = lk.mean_field_layer_kl(1.0, 500, sigma_w2, 0.05)
    assert np.all(np.isfinite(kl)) and kl[0] == 0.0
    z = fw.sample_preactivations(1.0, 500, 8, sigma_w2, 0.05, 4, seed=0)
    assert np.all(np.isfinite(z)) and np.all(np.abs(z[:, 1:]) < 50 * math.sqrt(sigma_w2 + 0.05))


def test_relu_vertex_depth_500_matches_its_closed_form():
    """For relu at sigma_w2 = 2, sigma_b2 = 0 the metric stays q and the leading-order recursion is
    r_{l+1} = r_l + 5/n exactly; the all-orders closed form prod_l (1 + 5/n_l) - 1 is finite at depth 500 and
    agrees with it to the next order, (5/n)^2 l (l - 1) / 2."""
    n, depth = 64, 500
    pred = fw.vertex_recursion(1.0, depth, n, 2.0, 0.0, activation="relu")
    layers = np.arange(depth)
    np.testing.assert_allclose(pred.metric, 1.0, rtol=1e-14)
    np.testing.assert_allclose(pred.vertex, 5.0 * layers / n, rtol=1e-12, atol=1e-15)
    exact = fw.relu_vertex_exact(depth, n)
    assert np.all(np.isfinite(exact)) and exact[-1] == pytest.approx((1 + 5 / n) ** (depth - 1) - 1, rel=1e-12)
    exact_wide = fw.relu_vertex_exact(depth, 10**6)
    second = (5e-6) ** 2 * layers * (layers - 1) / 2
    np.testing.assert_allclose(exact_wide - 5e-6 * layers, second, rtol=1e-3, atol=1e-15)


def test_deep_networks_out_of_range_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="overflows float64.*sigma_w2"):  # (100/2)**500 > 1e308
        fw.vertex_recursion(1.0, 500, 8, 100.0, 0.05, activation="relu")
    with pytest.raises(ValueError, match="exceeds the float64 range.*depth"):  # 6**499 > 1e308
        fw.relu_vertex_exact(500, 1)
    with pytest.raises(ValueError, match="overflow torch.float32.*sigma_w2"):
        fw.sample_preactivations(1.0, 500, 8, 100.0, 0.05, 2, activation="relu", seed=0)
    with pytest.raises(ValueError, match="depth"):  # cost bounds, checked before any work
        fw.metric_covariance((1.0, 1.0, 0.3), 10**6, 8, 1.5, 0.05)
    with pytest.raises(ValueError, match="depth"):
        fw.vertex_recursion(1.0, 10**9, 8, 1.5, 0.05)
    with pytest.raises(ValueError, match="depth"):
        fw.relu_vertex_exact(10**9, 8)
    with pytest.raises(ValueError, match="depth"):
        lk.mean_field_kl_spread(1.0, 10**6, 8, 1.5, 0.05)
    with pytest.raises(ValueError, match="MAX_PAIR_EVALUATIONS"):
        lk.mean_field_layer_kl(1.0, 10**6, 1.5, 0.05, target="diagonal")
    with pytest.raises(ValueError, match="precision of 1 - c"):  # ordered phase: c -> 1 like e^{-l/xi}
        lk.mean_field_layer_kl(1.0, 500, 1.5, 0.05, activation="relu", target="diagonal")


def test_rbm_cost_bounds_refuse_before_starting():
    for call in (lambda: rb.gibbs_chain(RBM4, V4, 10**13, seed=0), lambda: rb.rbm_flow(RBM4, V4, 10**13, seed=0),
                 lambda: rb.train_rbm(DATA, 2, n_epochs=10**13), lambda: rx.encoded_hidden_log_probabilities(
                     rb.init_rbm(22, 22, seed=0), np.full(2**22, -22 * np.log(2.0)))):
        with pytest.raises(ValueError, match="more than"):
            call()


# ================================================================================================
# determinism: same seed -> bit-identical numbers
# ================================================================================================
@pytest.mark.parametrize("method", ["cd", "pcd"])
def test_train_rbm_deterministic(method):
    kw = dict(n_hidden=3, method=method, k=2, n_epochs=3, batch_size=4, momentum=0.5, learning_rate=0.05)
    a, b = rb.train_rbm(DATA, seed=7, **kw), rb.train_rbm(DATA, seed=7, **kw)
    assert all(torch.equal(u, v) for u, v in zip(a.rbm[:3], b.rbm[:3]))
    assert a.reconstruction_error.tobytes() == b.reconstruction_error.tobytes()
    g = rb.train_rbm(DATA, seed=np.random.default_rng(7), **kw)  # a generator seeds it just as reproducibly
    h = rb.train_rbm(DATA, seed=np.random.default_rng(7), **kw)
    assert torch.equal(g.rbm.W, h.rbm.W)
    assert not torch.equal(a.rbm.W, rb.train_rbm(DATA, seed=8, **kw).rbm.W)


def test_rbm_sampling_deterministic():
    for f in (lambda s: rb.gibbs_chain(RBM4, V4, 5, seed=s)[0], lambda s: rb.rbm_flow(RBM4, V4, 4, seed=s),
              lambda s: rb.sample_hidden(RBM4, V4, seed=s), lambda s: rb.sample_visible(RBM4, H2, seed=s),
              lambda s: rb.init_rbm(5, 3, seed=s).W):
        assert torch.equal(f(3), f(3))


def test_rbm_flow_analysis_and_blocking_draws_deterministic():
    """rbm_flow_analysis draws nothing itself; its RBM (chain_as_rbm) sampled through rbm_flow is reproducible,
    and so are the random choices of receptive_fields and blocking."""
    rbm = rfa.chain_as_rbm(8, 0.7)
    v0 = torch.ones(6, 4, dtype=torch.float64)
    assert torch.equal(rb.rbm_flow(rbm, v0, 5, seed=11), rb.rbm_flow(rbm, v0, 5, seed=11))
    assert rf.random_centres(5, (8, 8), seed=2).tobytes() == rf.random_centres(5, (8, 8), seed=2).tobytes()
    ties = np.array([[[1, -1], [-1, 1]]] * 16, np.int8)
    a, b = bl.block_majority(ties, 2, seed=4), bl.block_majority(ties, 2, seed=4)
    assert a.tobytes() == b.tobytes() and len(np.unique(a)) == 2


@pytest.mark.parametrize("method", ["weights", "conditional"])
def test_finite_width_sampling_deterministic(method):
    a = fw.sample_preactivations(1.0, 4, 6, 1.5, 0.05, 40, seed=5, method=method)
    b = fw.sample_preactivations(1.0, 4, 6, 1.5, 0.05, 40, seed=5, method=method)
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != fw.sample_preactivations(1.0, 4, 6, 1.5, 0.05, 40, seed=6, method=method).tobytes()


@pytest.mark.parametrize("target", ["isotropic", "diagonal", "full"])
def test_layer_kl_sampling_deterministic(target):
    a = lk.layer_kl_divergence(NET3, XN, n_mc=16, seed=9, target=target)
    b = lk.layer_kl_divergence(NET3, XN, n_mc=16, seed=9, target=target)
    for u, v in zip((a.kl, a.log_det_term, a.q_term), (b.kl, b.log_det_term, b.q_term)):
        assert u.tobytes() == v.tobytes()
    c = lk.layer_kl_divergence(NET3, XN, n_mc=16, seed=torch.Generator().manual_seed(9), target=target)
    d = lk.layer_kl_divergence(NET3, XN, n_mc=16, seed=torch.Generator().manual_seed(9), target=target)
    assert c.kl.tobytes() == d.kl.tobytes()
