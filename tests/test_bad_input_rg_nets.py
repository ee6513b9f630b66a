"""Table-driven bad-input tests of every public function of rglib.rg and rglib.nets (issue 19).

Each case replaces one argument of a valid call by a bad value (wrong type, wrong shape, NaN/inf, negative or zero
size, out-of-range probability or variance, spins that are not +-1, ...) and checks that the call raises the expected
``ValueError``/``TypeError`` whose message names that argument exactly as the signature spells it.
"""
from __future__ import annotations

import inspect
import re

import numpy as np
import pytest
import torch

from rglib.nets import criticality as crit
from rglib.nets import meanfield as mf
from rglib.nets import mlp
from rglib.nets import quadrature as quad
from rglib.rg import blockspin as bs
from rglib.rg import cumulants as cum
from rglib.rg import decimation as dec
from rglib.rg import gaussian_dbm as gd
from rglib.rg import gaussian_dbm_numerics as gdn
from rglib.rg import kl_1d
from rglib.rg import truncation as trunc

NAN, INF = float("nan"), float("inf")
V, T = ValueError, TypeError

# ------------------------------------------------------------------------------------------ bad-value families
REAL = [("1.0", T), (None, T), (1 + 2j, T), (True, T), (NAN, V), (INF, V), (-INF, V), ([1.0, NAN], V),
        (["a", "b"], T), (object(), T)]
SCALAR = REAL + [([0.1, 0.2], V)]  # a single real number is required
POSITIVE = SCALAR + [(0.0, V), (-1.0, V)]
NONNEG = SCALAR + [(-1e-3, V)]
INT = [(2.5, T), (2.0, T), ("3", T), (None, T), (True, T), (np.float64(3.0), T), (-1, V)]
INT_ARRAY = [(2.5, T), ([1.0, 2.0], T), ("2", T), (True, T), (None, T), (-1, V), ([1, -2], V)]
FLAG = [(1, T), ("yes", T), (None, T), (np.float64(1.0), T)]
SEED = [(-1, T), (1.5, T), ("0", T), (True, T)]
N_HERMITE = [(1, V), (251, V), (10.0, T), ("5", T), (True, T)]
ACTIVATION = [("sigmoid", V), (None, T), (1, T)]
VAR_W = [(v, e) for v, e in POSITIVE] + [(1e101, V)]
VAR_B = [(v, e) for v, e in NONNEG] + [(1e101, V)]
VAR_W_ARRAY = [(v, e) for v, e in REAL] + [(0.0, V), (-1.0, V), ([1.0, -1.0], V)]
VAR_B_ARRAY = [(v, e) for v, e in REAL] + [(-1e-3, V), ([0.0, -1.0], V)]

# ------------------------------------------------------------------------------------------ valid arguments
LP4 = dec.ring_log_probabilities(4, 0.5, 0.1)
LP6 = trunc.nnn_ring_log_probabilities(6, 0.5, 0.1, 0.0)
KX4, KX8 = bs.ring_hamiltonian(4, 0.5), bs.ring_hamiltonian(8, 0.5)
SPLIT4 = bs.ring_block_split(4, 0.5, 0.0, 2)
RULE2 = bs.decimation_block_rule(2)
DBM = dict(a=[0.1, 0.2], A=[[1.0], [0.5]], B=[[0.6]])
DBM_BAD = {
    "a": [("x", T), ([[0.1, 0.2]], V), ([NAN, 0.2], V), ([], V), ([0.1, 0.2, 0.3], V), (None, T)],
    "A": [("x", T), ([1.0, 0.5], V), ([[NAN], [0.5]], V), ([[1.0], [0.5], [0.2]], V), ([[1.0 + 1j], [0.5]], T)],
    "B": [([[1.0]], V), ([[1.5]], V), ([[NAN]], V), ("x", T), ([[0.6, 0.1], [0.1, 0.2]], V), ([0.6], V)],
}
DBM_BETA = {**DBM_BAD, "beta": POSITIVE}
VIS = [([1, 0], V), ([1, 2], V), ([1, 1, 1], V), (["a", "b"], T), (np.array([True, False]), T), (1, V)]
HID = [([0.5, 0.1], V), ([NAN], V), (["a"], T), (0.5, V)]
MF = dict(sigma_w2=1.5, sigma_b2=0.05)
MF_BAD = {"sigma_w2": VAR_W_ARRAY + [(1e101, V)], "sigma_b2": VAR_B_ARRAY + [(1e101, V)], "activation": ACTIVATION,
          "n_hermite": N_HERMITE}
GRAM2 = [[1.0, 0.5], [0.5, 1.0]]

# (label, callable, valid kwargs, {argument: [(bad value, expected exception), ...]})
TABLE = [
    # rg.decimation
    ("decimate_1d", dec.decimate_1d, dict(K=0.5, h=0.1), {"K": REAL, "h": REAL}),
    ("decimation_flow", dec.decimation_flow, dict(K0=0.5, h0=0.1, n_steps=3),
     {"K0": REAL, "h0": REAL, "n_steps": INT + [(dec.MAX_STEPS + 1, V)]}),
    ("flow_couplings", dec.flow_couplings, dict(K0=0.5, h0=0.1, n=2),
     {"K0": REAL, "h0": REAL, "n": INT_ARRAY + [(dec.MAX_STEPS + 1, V)]}),
    ("ir_field", dec.ir_field, dict(K0=0.5, h0=0.1), {"K0": REAL, "h0": REAL}),
    ("ring_log_probabilities", dec.ring_log_probabilities, dict(N=4, K=0.5, h=0.1),
     {"N": INT + [(0, V), (21, V)], "K": REAL, "h": REAL}),
    ("marginal_log_probabilities", dec.marginal_log_probabilities, dict(log_p=LP4, N=4, stride=2),
     {"log_p": [(np.where(LP4 < -2, NAN, LP4), V), (np.full(16, INF), V), ("x", T), (0.0, V), (np.zeros(8), V),
                (LP4 + 0j, T), (None, T)],
      "N": INT + [(0, V), (21, V)], "stride": INT + [(0, V), (3, V)]}),
    # rg.kl_1d
    ("kl_same_lattice", kl_1d.kl_same_lattice, dict(K0=1.0, h0=0.1, n=2, N=None),
     {"K0": REAL, "h0": REAL, "n": INT_ARRAY, "N": [(0, V), (2.0, T), ("8", T), (True, T)]}),
    ("kl_lifted", kl_1d.kl_lifted, dict(K0=1.0, h0=0.1, n=2, N=None),
     {"K0": REAL, "h0": REAL, "n": INT_ARRAY, "N": [(0, V), (6, V), (2.0, T), ("8", T)]}),
    ("kl_asymptote", kl_1d.kl_asymptote, dict(K0=1.0, h0=0.1, definition="A"),
     {"K0": REAL, "h0": REAL, "definition": [("C", V), ("a", V), (1, T), (None, T)]}),
    ("enumerated_kl_same_lattice", kl_1d.enumerated_kl_same_lattice, dict(N=4, K0=0.5, h0=0.1, n=1),
     {"N": INT + [(0, V), (21, V)], "K0": REAL, "h0": REAL, "n": INT + [(dec.MAX_STEPS + 1, V)]}),
    ("enumerated_kl_lifted", kl_1d.enumerated_kl_lifted, dict(N=4, K0=0.5, h0=0.1, n=1, use_marginal=False),
     {"N": INT + [(0, V), (21, V), (5, V)], "K0": REAL, "h0": REAL, "n": INT, "use_marginal": FLAG}),
    # rg.truncation
    ("nnn_ring_log_probabilities", trunc.nnn_ring_log_probabilities, dict(N=6, K1=0.5, K2=0.1, h=0.0),
     {"N": INT + [(4, V), (21, V)], "K1": SCALAR, "K2": SCALAR, "h": SCALAR}),
    ("project_nnn_couplings", trunc.project_nnn_couplings, dict(log_w=LP6, M=6, keep_nnn=True),
     {"log_w": [(np.where(LP6 < -3, NAN, LP6), V), (np.zeros(32), V), ("x", T), (0.0, V), (-np.inf * LP6, V)],
      "M": INT + [(4, V), (21, V)], "keep_nnn": FLAG}),
    ("moment_matched_nnn_couplings", trunc.moment_matched_nnn_couplings, dict(log_p=LP6, M=6, tol=1e-12, max_iter=50),
     {"log_p": [(np.where(LP6 < -3, NAN, LP6), V), (LP6 + 1.0, V), ("x", T), (LP6[:32], V), (np.full(64, INF), V)],
      "M": INT + [(4, V), (7, V)], "tol": SCALAR + [(0.0, V), (-1e-3, V), (2.0, V)],
      "max_iter": INT + [(0, V), (trunc.MAX_NEWTON_ITERATIONS + 1, V)]}),
    ("truncated_nnn_flow", trunc.truncated_nnn_flow, dict(N=10, K1=0.5, K2=0.1, h=0.0, n_steps=1, keep_nnn=True),
     {"N": INT + [(4, V), (21, V), (9, V)], "K1": SCALAR, "K2": SCALAR, "h": SCALAR, "n_steps": INT + [(0, V)],
      "keep_nnn": FLAG}),
    # rg.blockspin
    ("tanh_block_rule", bs.tanh_block_rule, dict(lam=[1.0, 0.5]),
     {"lam": [("x", T), ([NAN, 1.0], V), ([INF, 0.0], V), (np.zeros((2, 2)), V), ([], V), (np.zeros(13), V),
              (None, T), ([1 + 1j], T)]}),
    ("decimation_block_rule", bs.decimation_block_rule, dict(block_size=2, keep=0),
     {"block_size": INT + [(0, V), (13, V)], "keep": INT + [(2, V)]}),
    ("majority_block_rule", bs.majority_block_rule, dict(block_size=2), {"block_size": INT + [(0, V), (13, V)]}),
    ("ring_hamiltonian", bs.ring_hamiltonian, dict(N=4, K=0.5, h=0.0),
     {"N": INT + [(1, V), (23, V)], "K": SCALAR, "h": SCALAR}),
    ("ring_block_split", bs.ring_block_split, dict(N=4, K=0.5, h=0.0, block_size=2),
     {"N": INT + [(1, V), (23, V)], "K": SCALAR, "h": SCALAR, "block_size": INT + [(0, V), (3, V), (5, V)]}),
    ("renormalized_hamiltonian", bs.renormalized_hamiltonian, dict(log_weight=KX4, rule=RULE2),
     {"log_weight": [(np.where(KX4 > 0, NAN, KX4), V), ("x", T), (np.zeros(6), V), (np.zeros((4, 4)), V), (1.0, V),
                     (np.zeros(2**23), V)],
      "rule": [(np.ones((4, 3)) / 3, V), ([[0.7, 0.7], [0.5, 0.5]], V), ([["a", "b"], ["c", "d"]], T),
               (np.full((4, 2), NAN), V), (bs.decimation_block_rule(3), V), ([[1.5, -0.5], [0.5, 0.5]], V)]}),
    ("cumulant_decomposition", bs.cumulant_decomposition, dict(K0=SPLIT4.intra, K1=SPLIT4.inter, rule=RULE2, decimals=9),
     {"K0": [(np.full(16, NAN), V), ("x", T), (np.zeros(6), V)], "K1": [(np.zeros(8), V), (np.full(16, INF), V)],
      "rule": [(np.ones((4, 3)) / 3, V), (bs.decimation_block_rule(3), V)], "decimals": INT + [(16, V)]}),
    ("ring_subset_ranges", bs.ring_subset_ranges, dict(n=4), {"n": INT + [(0, V), (23, V)]}),
    ("coupling_weight_by_range", bs.coupling_weight_by_range, dict(J=np.zeros(16), power=1.0),
     {"J": [(np.full(16, NAN), V), ("x", T), (1.0, V), (np.zeros(6), V)], "power": POSITIVE}),
    ("block_environment_mutual_information", bs.block_environment_mutual_information,
     dict(log_weight=KX8, rule=RULE2, buffer=1),
     {"log_weight": [(np.zeros(6), V), ("x", T)], "rule": [(np.ones((4, 3)) / 3, V)], "buffer": INT + [(3, V)]}),
    # rg.cumulants
    ("log_mgf_taylor_coefficients", cum.log_mgf_taylor_coefficients, dict(values=[0.0, 1.0], probs=[0.5, 0.5], order=3),
     {"values": [([NAN, 1.0], V), ("x", T), (1.0, V), (np.zeros((2, 2)), V)],
      "probs": [([0.5, 0.6], V), ([1.5, -0.5], V), (0.5, V), ([NAN, 0.5], V), ("x", T), ([0.5, 0.3, 0.2], V)],
      "order": INT + [(0, V), (cum.MAX_ORDER + 1, V)]}),
    ("cumulants_from_distribution", cum.cumulants_from_distribution, dict(values=[0.0, 1.0], probs=[0.5, 0.5], order=3),
     {"values": [(1.0, V)], "probs": [(1.0, V), ([0.2, 0.2], V)], "order": INT + [(0, V), (151, V)]}),
    ("log_mgf_convergence_radius", cum.log_mgf_convergence_radius, dict(values=[0.0, 1.0], probs=[0.5, 0.5], rtol=1e-9),
     {"values": [([0.0, 1.0, 1e9], V), ([0.0, 1.0, np.sqrt(2)], V), ([1.0, 1.0], V), (1.0, V)],
      "probs": [(1.0, V), ([0.9, 0.9], V)], "rtol": SCALAR + [(0.0, V), (-1.0, V), (0.9, V)]}),
    # rg.gaussian_dbm
    ("check_dbm_parameters", gd.check_dbm_parameters, dict(**DBM, beta=1.0), DBM_BETA),
    ("renormalized_couplings", gd.renormalized_couplings, dict(A=DBM["A"], B=DBM["B"]),
     {"A": DBM_BAD["A"][:3], "B": DBM_BAD["B"]}),
    ("marginalization_constants", gd.marginalization_constants, dict(B=DBM["B"], beta=1.0),
     {"B": DBM_BAD["B"][:4], "beta": POSITIVE}),
    ("gaussian_log_integral", gd.gaussian_log_integral, dict(M=[[2.0]], J=[1.0]),
     {"M": [([[1.0, 2.0], [2.0, 1.0]], V), ([[1.0, 0.5], [0.0, 1.0]], V), (np.zeros((2, 3)), V), ([[NAN]], V),
            ("x", T), ([[-1.0]], V), ([], V)],
      "J": [([NAN], V), ("x", T), ([1.0, 2.0], V), (1.0, V)]}),
    ("gaussian_log_mgf", gd.gaussian_log_mgf, dict(t=[1.0], cov=[[1.0]], mean=None),
     {"t": [([NAN], V), ("x", T), ([1.0, 2.0], V), (1.0, V)],
      "cov": [([[-1.0]], V), ([[NAN]], V), ([[1.0, 0.5], [0.0, 1.0]], V), ("x", T)],
      "mean": [([1.0, 2.0], V), ([NAN], V), ("x", T)]}),
    ("energy_xyz", gd.energy_xyz, dict(x=[1, -1], y=[0.5], z=[1.0], **DBM), {"x": VIS, "y": HID, "z": HID, **DBM_BAD}),
    ("energy_xy", gd.energy_xy, dict(x=[1, -1], y=[0.5], **DBM, beta=1.0), {"x": VIS, "y": HID, **DBM_BETA}),
    ("energy_x", gd.energy_x, dict(x=[1, -1], **DBM, beta=1.0), {"x": VIS, **DBM_BETA}),
    ("log_partition", gd.log_partition, dict(**DBM, beta=1.0), DBM_BETA),
    ("visible_log_probabilities", gd.visible_log_probabilities, dict(**DBM, beta=1.0), DBM_BETA),
    ("exact_visible_moments", gd.exact_visible_moments, dict(**DBM, beta=1.0), DBM_BETA),
    # rg.gaussian_dbm_numerics
    ("quadrature_energy_xy", gdn.quadrature_energy_xy,
     dict(x=[1, -1], y=[0.5], **DBM, beta=1.0, n_grid=21, half_width=10.0),
     {"x": VIS, "y": HID, **DBM_BETA, "n_grid": INT + [(2, V), (10**7, V)], "half_width": POSITIVE}),
    ("quadrature_energy_x", gdn.quadrature_energy_x, dict(x=[1, -1], **DBM, beta=1.0, n_grid=21, half_width=10.0),
     {"x": VIS, **DBM_BETA, "n_grid": INT + [(2, V), (10**4, V)], "half_width": POSITIVE}),
    ("gibbs_sample_dbm", gdn.gibbs_sample_dbm,
     dict(**DBM, beta=1.0, level="xyz", n_chains=2, n_sweeps=2, n_burn=0, seed=0, progress=False),
     {**DBM_BETA, "level": [("x", V), ("XYZ", V), (1, T)], "n_chains": INT + [(0, V), (10**12, V)],
      "n_sweeps": INT + [(0, V), (10**10, V)], "n_burn": INT, "seed": SEED, "progress": FLAG}),
    # nets.quadrature
    ("gauss_hermite", quad.gauss_hermite, dict(n=5), {"n": INT + [(1, V), (251, V)]}),
    ("trapezoid_rule", quad.trapezoid_rule, dict(q_max=1.0), {"q_max": SCALAR + [(-1.0, V), (1e9, V)]}),
    ("normal_expectation", quad.normal_expectation, dict(f=np.cos, q=1.0, n_hermite=None),
     {"f": [(3.0, T), ("cos", T), (None, T)], "q": REAL + [(-1.0, V), (1e9, V)], "n_hermite": N_HERMITE}),
    # nets.meanfield
    ("q_map", mf.q_map, dict(q=1.0, **MF), {"q": REAL + [(-0.1, V), (1e101, V)], **MF_BAD}),
    ("c_map", mf.c_map, dict(c=0.5, q=1.0, **MF),
     {"c": REAL + [(1.2, V), (-1.5, V)], "q": [(0.0, V), (-1.0, V), (NAN, V), ("x", T), (1e101, V)], **MF_BAD}),
    ("kernel_map", mf.kernel_map, dict(q11=1.0, q22=2.0, q12=0.3, **MF),
     {"q11": REAL + [(-1.0, V)], "q22": REAL + [(-1.0, V)], "q12": REAL + [(1.5, V), (-1.5, V)], **MF_BAD}),
    ("q_trajectory", mf.q_trajectory, dict(q0=1.0, depth=3, **MF),
     {"q0": REAL + [(-1.0, V)], "depth": INT + [(mf.MAX_DEPTH + 1, V)], **MF_BAD}),
    ("c_trajectory", mf.c_trajectory, dict(c0=0.5, depth=3, **MF, q=None),
     {"c0": REAL + [(1.5, V)], "depth": INT + [(mf.MAX_DEPTH + 1, V)], "q": [(0.0, V), (-1.0, V), ("x", T)],
      **MF_BAD}),
    ("kernel_trajectory", mf.kernel_trajectory, dict(gram=GRAM2, depth=3, **MF),
     {"gram": [(np.zeros((2, 3)), V), ([[1.0, 0.2], [0.5, 1.0]], V), ([[-1.0, 0.0], [0.0, 1.0]], V), ("x", T),
               ([[NAN]], V), (1.0, V)],
      "depth": INT + [(0, V), (mf.MAX_PAIR_EVALUATIONS, V)], "sigma_w2": POSITIVE, "sigma_b2": NONNEG,
      "activation": ACTIVATION, "n_hermite": N_HERMITE}),
]
# nets.criticality: all take (sigma_w2, sigma_b2, *, activation, n_hermite)
for _f in (crit.fixed_point_q, crit.fixed_point_c, crit.chi1, crit.chi_c, crit.correlation_depth, crit.length_depth,
           crit.phase_summary):
    TABLE.append((_f.__name__, _f, dict(MF), MF_BAD))
TABLE += [
    ("critical_line", crit.critical_line, dict(q=1.0),
     {"q": REAL + [(-1.0, V), (1e101, V)], "activation": ACTIVATION + [("relu", V)], "n_hermite": N_HERMITE}),
    ("critical_weight_variance", crit.critical_weight_variance, dict(sigma_b2=0.05),
     {"sigma_b2": VAR_B_ARRAY, "activation": ACTIVATION, "n_hermite": N_HERMITE}),
    ("critical_weight_variance_relu", crit.critical_weight_variance, dict(sigma_b2=0.0, activation="relu"),
     {"sigma_b2": [(0.05, V)]}),
    # nets.mlp
    ("GaussianMLP", mlp.GaussianMLP, dict(widths=[4, 3], sigma_w2=1.0, sigma_b2=0.0, seed=0),
     {"widths": [("43", T), ([4], V), ([4, 0], V), ([4, 2.5], T), (4, T), ([4, True], T), ([10**6, 10**4, 10**6], V)],
      "sigma_w2": POSITIVE, "sigma_b2": NONNEG, "activation": [("gelu", V), (None, T)],
      "final_activation": FLAG, "seed": [(-1, V), (1.5, T), ("0", T), (True, T)],
      "generator": [(torch.Generator(), V)], "dtype": [(torch.float16, T), ("float32", T), (torch.int32, T)],
      "device": [("no-such-device", T), (3.5, T)]}),
    ("GaussianMLP.forward", mlp.GaussianMLP([4, 3], 1.0, 0.0, seed=0).forward, dict(x=torch.ones(2, 4)),
     {"x": [(np.ones((2, 4)), T), (torch.ones(2, 5), V), (torch.ones(2, 4, dtype=torch.complex64), T), ("x", T)]}),
    ("empirical_kernels", mlp.empirical_kernels, dict(preactivations=[torch.ones(2, 3)]),
     {"preactivations": [(torch.ones(2, 3), T), ([], T), ([torch.ones(3)], V), ([np.ones((2, 3))], V),
                         ([torch.ones(2, 3), torch.ones(3, 3)], V), ([torch.ones(2, 3, dtype=torch.int64)], T)]}),
    ("sample_preactivation_kernels", mlp.sample_preactivation_kernels,
     dict(x=torch.ones(2, 4), depth=1, width=3, sigma_w2=1.0, sigma_b2=0.0, seeds=[0]),
     {"x": [(torch.ones(4), V), (np.array([[1.0, NAN]]), V), ("x", T), (np.array([["a"]]), T)],
      "depth": INT + [(0, V)], "width": INT + [(0, V)], "sigma_w2": POSITIVE, "sigma_b2": NONNEG,
      "seeds": [([], V), ("01", T), ([-1], V), ([0.5], T), (3, T)], "activation": [("gelu", V)],
      "dtype": [(torch.float16, T)]}),
    ("inputs_with_gram", mlp.inputs_with_gram, dict(gram=GRAM2, n0=4, seed=0),
     {"gram": [(np.zeros((2, 3)), V), ([[1.0, 2.0], [2.0, 1.0]], V), ([[1.0, 0.5], [0.0, 1.0]], V),
               ([[NAN, 0.0], [0.0, 1.0]], V), ("x", T), (1.0, V)],
      "n0": INT + [(1, V), (10**10, V)], "seed": [(None, T), (-1, T), (1.5, T), ("0", T)],
      "dtype": [(torch.int32, T), ("float64", T)]}),
]

CASES = [(label, f, base, arg, bad, exc) for label, f, base, table in TABLE for arg, bads in table.items()
         for bad, exc in bads]


_VALID_CALLS_DONE: set[str] = set()


def _ids(case):
    label, _, _, arg, bad, exc = case
    text = re.sub(r"\s+", "", repr(bad))[:30]
    return f"{label}-{arg}={text}-{exc.__name__}"


def test_table_covers_every_public_function():
    """Every public callable of the rg and nets modules has at least one row in the table."""
    covered = {label.split("_relu")[0] for label, *_ in TABLE}
    for mod in (dec, kl_1d, trunc, bs, cum, gd, gdn, quad, mf, crit, mlp):
        for name in mod.__all__:
            obj = getattr(mod, name)
            if callable(obj) and not (inspect.isclass(obj) and issubclass(obj, tuple)):
                assert name in covered, f"{mod.__name__}.{name} has no bad-input case"


def test_case_count():
    assert len(CASES) >= 700, len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_bad_argument_is_named(case):
    label, f, base, arg, bad, exc = case
    assert arg in inspect.signature(f).parameters, f"{label} has no parameter {arg!r}"
    if label not in _VALID_CALLS_DONE:  # the valid call works, so the error below comes from the bad argument
        f(**base)
        _VALID_CALLS_DONE.add(label)
    with pytest.raises((ValueError, TypeError)) as info:
        f(**{**base, arg: bad})
    assert info.type is exc or issubclass(info.type, exc), f"{label}({arg}={bad!r}) raised {info.type.__name__}: {info.value}"
    assert re.search(rf"(?<![A-Za-z0-9_]){re.escape(arg)}(?![A-Za-z0-9_])", str(info.value)), \
        f"{label}({arg}={bad!r}): message does not name {arg!r}: {info.value}"
