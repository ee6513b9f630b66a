r"""Stacked RBMs trained greedily, their receptive fields, and their layers read as coarse lattices.

A stack of RBMs :math:`W^{(1)}, \dots, W^{(D)}` with layer sizes :math:`n_0 \to n_1 \to \dots \to n_D` is trained
greedily: RBM :math:`d` is trained (:func:`rglib.nets.rbm.train_rbm`) on hidden states of RBM :math:`d-1` drawn
from :math:`p(h\mid v)` for the training data, :func:`train_rbm_stack`. Going up the stack,
:func:`stack_up`, gives the representation of a configuration at every depth.

**Receptive fields.** Following Mehta and Schwab, the receptive field of unit :math:`a` at depth :math:`d` is the
product of the coupling matrices,

.. math::
    r^{(d)}_{\cdot a} = \bigl(|W^{(1)}|\,|W^{(2)}|\cdots|W^{(d)}|\bigr)_{\cdot a}

(elementwise moduli, so that contributions of opposite sign do not cancel; ``absolute=False`` keeps the signs),
:func:`stack_receptive_fields`. Its linear size is measured by the participation side

.. math::
    \ell_a = N_a^{1/2},\qquad N_a = \frac{\bigl(\sum_i r_a(i)^2\bigr)^2}{\sum_i r_a(i)^4},

:func:`receptive_field_side`: the square root of the number of sites that carry the field (the inverse
participation ratio of the weights :math:`r_a(i)^2`). A uniform :math:`b\times b` block gives exactly
:math:`\ell = b`, so
block-spin RG, :func:`block_spin_stack`, gives :math:`\ell = b^d` at depth :math:`d`. The growth factor per layer
is :math:`g = e^{s}` with :math:`s` the least-squares slope of :math:`\ln\ell` against :math:`d`,
:func:`fit_growth_factor`.

**Layers as lattices.** To read a layer with the thermometers of a lattice, :func:`stack_lattices` turns the
:math:`n_d = (L_1/b^d)(L_2/b^d)` units at depth :math:`d` into an :math:`L_1/b^d\times L_2/b^d` lattice: each unit's
sign is chosen so that it correlates positively with the magnetization of the input (the sign of a hidden unit is
arbitrary: :math:`h_a\to-h_a`, :math:`W_{\cdot a}\to-W_{\cdot a}` leaves the RBM unchanged), and the units are placed
on the blocks of side :math:`b^d` one-to-one by the assignment of receptive-field centres to block centres with the
least summed squared periodic distance (Hungarian algorithm). Block spins placed this way land on their own blocks.

Conventions: visible units are the sites of an ``L1 x L2`` lattice, row-major; ``spin`` units are +-1, ``binary``
units 0/1 (read as spins :math:`2x-1` in :func:`stack_lattices`).

References
----------
.. [1] G. E. Hinton, S. Osindero and Y.-W. Teh, "A fast learning algorithm for deep belief nets", Neural
   Computation 18, 1527 (2006).
.. [2] P. Mehta and D. J. Schwab, "An exact mapping between the variational renormalization group and deep
   learning", arXiv:1410.3831 (2014).
.. [3] E. de Mello Koch, A. de Mello Koch, N. Kastanos and L. Cheng, "Short-sighted deep learning",
   Phys. Rev. E 102, 013307 (2020).
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

from .._checks import check_bool, check_device, check_int, check_real_array, seed_sequence
from .rbm import RBM, _activation, _check_rbm, _check_units, _layer, _sample, _torch_generator, train_rbm
from .receptive_fields import block_centres, patch_statistics, periodic_displacement

__all__ = ["RBMStack", "train_rbm_stack", "block_spin_stack", "stack_up", "stack_receptive_fields",
           "receptive_field_side", "GrowthFit", "fit_growth_factor", "LayerLattices", "stack_lattices"]


class RBMStack(NamedTuple):
    """A stack of RBMs, bottom first: the hidden layer of ``rbms[d]`` is the visible layer of ``rbms[d + 1]``."""

    #: The RBMs, bottom (data side) first.
    rbms: tuple
    #: Per RBM, its reconstruction error per epoch (see :class:`rglib.nets.rbm.RBMTraining`).
    reconstruction_error: tuple


# ----------------------------------------------------------------------------------------------- checks
def _check_stack(stack) -> RBMStack:
    if not isinstance(stack, RBMStack) or len(stack.rbms) < 1:
        raise TypeError(f"stack must be an RBMStack with at least one RBM (from train_rbm_stack or "
                        f"block_spin_stack); got {type(stack).__name__}")
    for d, rbm in enumerate(stack.rbms):
        _check_rbm(rbm, f"stack.rbms[{d}]")
        if d and rbm.W.shape[0] != stack.rbms[d - 1].W.shape[1]:
            raise ValueError(f"stack is inconsistent: RBM {d} has {rbm.W.shape[0]} visible units but RBM {d - 1} "
                             f"has {stack.rbms[d - 1].W.shape[1]} hidden units")
        if rbm.units != stack.rbms[0].units:
            raise ValueError("stack must use one kind of units in all RBMs")
    return stack


def _check_pair(shape) -> tuple[int, int]:
    if not (isinstance(shape, (tuple, list)) and len(shape) == 2):
        raise TypeError(f"shape must be a pair (L1, L2); got {shape!r}")
    L1, L2 = (check_int(x, "shape", 1) for x in shape)
    return L1, L2


def _check_shape(shape, n_visible: int, of: str) -> tuple[int, int]:
    L1, L2 = _check_pair(shape)
    if L1 * L2 != n_visible:
        raise ValueError(f"shape {L1} x {L2} must hold the {n_visible} {of}")
    return L1, L2


def _hidden_sizes(hidden_sizes) -> list[int]:
    if isinstance(hidden_sizes, (int, np.integer)) or not isinstance(hidden_sizes, (Sequence, np.ndarray)):
        raise TypeError(f"hidden_sizes must be a sequence of ints (one per RBM); got {hidden_sizes!r}")
    sizes = [check_int(n, "hidden_sizes", 1) for n in hidden_sizes]
    if not sizes:
        raise ValueError("hidden_sizes must name at least one hidden layer")
    return sizes


# ----------------------------------------------------------------------------------------------- training
def train_rbm_stack(data, hidden_sizes, *, units: str = "spin", method: str = "cd", k: int = 1,
                    learning_rate: float = 0.01, n_epochs: int = 10, batch_size: int = 64, weight_decay: float = 0.0,
                    l1_penalty: float = 0.0, momentum: float = 0.0, weight_std: float = 0.01, seed=0, device=None,
                    dtype: torch.dtype = torch.float64, progress: bool = False) -> RBMStack:
    r"""Train a stack of RBMs greedily, each on hidden states of the one below drawn for the training data.

    RBM 1 is trained on ``data``; then one hidden state :math:`h^{(1)}\sim p(h\mid v)` is drawn per training
    configuration and RBM 2 is trained on these, and so on. All RBMs share the training options, which are those of
    :func:`rglib.nets.rbm.train_rbm`.

    Parameters
    ----------
    data : array or tensor, shape ``(n_samples, n_visible)``
        Training configurations, +-1 (``units="spin"``) or 0/1.
    hidden_sizes : sequence of int
        Hidden-layer sizes :math:`n_1, \dots, n_D` (each >= 1).
    units, method, k, learning_rate, n_epochs, batch_size, weight_decay, l1_penalty, momentum, weight_std
        Passed to :func:`rglib.nets.rbm.train_rbm` for every RBM.
    seed : int, numpy.random.Generator or None
        Source of every random choice (independent streams per layer are spawned from it).
    device, dtype
        Where the parameters live; float32 or float64.
    progress : bool
        Show a tqdm bar over the layers.

    Returns
    -------
    RBMStack

    See Also
    --------
    block_spin_stack : the stack whose receptive fields are block spins.

    Examples
    --------
    >>> x = torch.tensor([[1.0] * 8, [-1.0] * 8]).repeat(20, 1)
    >>> st = train_rbm_stack(x, [4, 2], n_epochs=5, learning_rate=0.05, seed=1)
    >>> [tuple(r.W.shape) for r in st.rbms]
    [(8, 4), (4, 2)]
    """
    sizes = _hidden_sizes(hidden_sizes)
    units = _check_units(units)
    progress = check_bool(progress, "progress")
    streams = seed_sequence(seed).spawn(len(sizes))
    layers = range(len(sizes))
    if progress:
        from tqdm.auto import tqdm
        layers = tqdm(layers, desc="RBM layers")
    x, rbms, errors = data, [], []
    for d in layers:
        train_seed, up_seed = (int(s) for s in streams[d].generate_state(2, dtype=np.uint32))
        fit = train_rbm(x, sizes[d], units=units, method=method, k=k, learning_rate=learning_rate,
                        n_epochs=n_epochs, batch_size=batch_size, weight_decay=weight_decay, l1_penalty=l1_penalty,
                        momentum=momentum, weight_std=weight_std, seed=train_seed, device=device, dtype=dtype)
        rbm = fit.rbm
        rbms.append(rbm)
        errors.append(fit.reconstruction_error)
        if d < len(sizes) - 1:
            v = torch.as_tensor(np.asarray(x) if isinstance(x, np.ndarray) else x).to(rbm.W)
            x = _sample(units, v @ rbm.W + rbm.b, _torch_generator(up_seed, rbm.W.device))
    return RBMStack(tuple(rbms), tuple(errors))


def block_spin_stack(shape, b: int = 2, depth: int = 1, *, dtype: torch.dtype = torch.float64,
                     device=None) -> RBMStack:
    r"""The stack of block-spin maps: RBM :math:`d` couples each ``b x b`` block of layer :math:`d-1` to one unit.

    :math:`W^{(d)}_{ia} = 1` if unit :math:`i` of the :math:`L_1/b^{d-1}\times L_2/b^{d-1}` lattice lies in block
    :math:`a` (blocks and units row-major), else 0; biases are zero and the units are spins. Its receptive fields
    at depth :math:`d` are the indicators of the blocks of side :math:`b^d` (every site has one path to its block),
    the yardstick for a trained stack. Reconstruction errors are empty.

    Examples
    --------
    >>> st = block_spin_stack((4, 4), 2, 2)
    >>> [tuple(r.W.shape) for r in st.rbms]
    [(16, 4), (4, 1)]
    >>> st.rbms[0].W[:, 0].reshape(4, 4).int().tolist()
    [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    """
    L1, L2 = _check_pair(shape)
    b = check_int(b, "b", 2)
    depth = check_int(depth, "depth", 1)
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be torch.float32 or torch.float64; got {dtype!r}")
    device = check_device(device)
    side = 1
    for _ in range(depth):  # b**depth, stopped as soon as it exceeds the lattice (depth may be huge)
        side *= b
        if side > min(L1, L2):
            break
    if L1 % side or L2 % side:
        raise ValueError(f"b**depth must divide both lattice sides of shape {L1} x {L2}; got b = {b}, "
                         f"depth = {depth}")
    rbms = []
    for d in range(depth):
        n1, n2 = L1 // b**d, L2 // b**d
        rows, cols = np.meshgrid(np.arange(n1), np.arange(n2), indexing="ij")
        block = ((rows // b) * (n2 // b) + cols // b).ravel()
        W = torch.zeros(n1 * n2, (n1 // b) * (n2 // b), dtype=dtype, device=device)
        W[torch.arange(n1 * n2), torch.from_numpy(block)] = 1.0
        rbms.append(RBM(W, torch.zeros(W.shape[0], dtype=dtype, device=device),
                        torch.zeros(W.shape[1], dtype=dtype, device=device), "spin"))
    return RBMStack(tuple(rbms), tuple(np.empty(0) for _ in rbms))


# ----------------------------------------------------------------------------------------------- going up
def stack_up(stack: RBMStack, v, *, sample: bool = True, seed=None) -> tuple:
    r"""Representations :math:`h^{(0)} = v, h^{(1)}, \dots, h^{(D)}` of ``v`` at every depth of the stack.

    With ``sample=True`` each layer is drawn from :math:`p(h^{(d)}\mid h^{(d-1)})` (the states on which the stack
    was trained); with ``sample=False`` the conditional means are passed up (a deterministic mean-field pass,
    ``seed`` unused).

    Returns
    -------
    tuple of torch.Tensor
        ``D + 1`` tensors of shapes ``(batch, n_d)``.

    Examples
    --------
    >>> st = block_spin_stack((4, 4), 2, 2)
    >>> [tuple(h.shape) for h in stack_up(st, torch.ones(3, 16), seed=0)]
    [(3, 16), (3, 4), (3, 1)]
    """
    stack = _check_stack(stack)
    if not isinstance(sample, (bool, np.bool_)):
        raise TypeError(f"sample must be a bool; got {type(sample).__name__}")
    first = stack.rbms[0]
    v = _layer(v, first, first.W.shape[0], "v")
    gen = _torch_generator(seed, v.device) if sample else None
    out = [v]
    for rbm in stack.rbms:
        phi = out[-1] @ rbm.W + rbm.b
        out.append(_sample(rbm.units, phi, gen) if sample else _activation(rbm.units, phi))
    return tuple(out)


# ----------------------------------------------------------------------------------------------- receptive fields
def stack_receptive_fields(stack: RBMStack, *, absolute: bool = True) -> tuple:
    r"""Receptive fields :math:`(|W^{(1)}|\cdots|W^{(d)}|)^\top` of the units at every depth :math:`d = 1..D`.

    Returns
    -------
    tuple of ndarray
        ``D`` float64 arrays of shapes ``(n_d, n_visible)``; row ``a`` is the field of unit ``a``.

    Examples
    --------
    >>> fields = stack_receptive_fields(block_spin_stack((4, 4), 2, 2))
    >>> fields[1].reshape(4, 4).tolist() == np.ones((4, 4)).tolist()
    True
    """
    stack = _check_stack(stack)
    if not isinstance(absolute, (bool, np.bool_)):
        raise TypeError(f"absolute must be a bool; got {type(absolute).__name__}")
    out, prod = [], None
    for rbm in stack.rbms:
        W = rbm.W.detach().to(device="cpu", dtype=torch.float64)
        W = W.abs() if absolute else W
        prod = W if prod is None else prod @ W
        out.append(prod.T.numpy().copy())
    return tuple(out)


def receptive_field_side(fields, shape) -> np.ndarray:
    r"""Linear size :math:`\ell_a = N_a^{1/2}` of each receptive field from its participation number.

    With the weights :math:`p_a(i) = r_a(i)^2/\sum_j r_a(j)^2`, :math:`N_a = 1/\sum_i p_a(i)^2` is the number of
    sites that carry the field (inverse participation ratio): a uniform ``b x b`` block gives exactly ``b``, a single
    site 1, a uniform field ``sqrt(L1 L2)``, and independent Gaussian weights on all sites about
    :math:`(L_1L_2/3)^{1/2}` (the delocalized reference). A field that vanishes everywhere gets ``nan``.

    Parameters
    ----------
    fields : array_like, shape ``(n, L1 * L2)`` or ``(n, L1, L2)``
        One field per row (signs do not matter).
    shape : (int, int)
        The lattice ``(L1, L2)`` of the visible units.

    Examples
    --------
    >>> r = np.zeros((2, 8, 8)); r[0, :2, :2] = 1.0; r[1, 3:6, 3:6] = -0.5
    >>> receptive_field_side(r, (8, 8)).tolist()
    [2.0, 3.0]
    """
    r = np.asarray(check_real_array(fields, "fields"), dtype=np.float64)
    if r.ndim not in (2, 3) or 0 in r.shape:
        raise ValueError(f"fields must have shape (n, L1 * L2) or (n, L1, L2) with no empty axis; got {r.shape}")
    L1, L2 = _check_shape(shape, int(np.prod(r.shape[1:])), "sites of each row of fields")
    if r.ndim == 3 and r.shape[1:] != (L1, L2):
        raise ValueError(f"fields of shape (n, L1, L2) must have (L1, L2) = shape = {(L1, L2)}; got {r.shape}")
    r = r.reshape(r.shape[0], -1)
    w = r**2
    s2, s4 = w.sum(axis=1), (w**2).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(s4 > 0, s2 / np.sqrt(np.where(s4 > 0, s4, 1.0)), np.nan)


class GrowthFit(NamedTuple):
    """Result of :func:`fit_growth_factor`."""

    #: Growth factor per layer :math:`g = e^s` (``b`` for block spins of side ``b**d``).
    factor: float
    #: Fitted side at depth 0, :math:`\ell_0 = e^{c}`.
    side_at_zero: float
    #: Root-mean-square residual of :math:`\ln\ell` about the line.
    rms_residual: float


def fit_growth_factor(depths, sides) -> GrowthFit:
    r"""Least-squares fit :math:`\ln\ell_d = c + s\,d`; the growth factor per layer is :math:`g = e^s`.

    Parameters
    ----------
    depths : array_like, shape ``(n,)``
        At least two distinct depths.
    sides : array_like, shape ``(n,)``
        Positive linear sizes at those depths (e.g. medians of :func:`receptive_field_side`).

    Examples
    --------
    >>> fit = fit_growth_factor([1, 2, 3], [2.0, 4.0, 8.0])
    >>> round(fit.factor, 12), round(fit.side_at_zero, 12), round(fit.rms_residual, 12)
    (2.0, 1.0, 0.0)
    """
    d = check_real_array(depths, "depths")
    s = check_real_array(sides, "sides", lower=0.0, lower_strict=True)
    for arr, name in ((d, "depths"), (s, "sides")):
        if arr.ndim != 1:
            raise ValueError(f"{name} must be a 1-D array of shape (n,); got shape {arr.shape}")
    if d.shape != s.shape or np.unique(d).size < 2:
        raise ValueError(f"depths and sides must have the same length with >= 2 distinct depths; got {d.size} "
                         f"depths and {s.size} sides")
    slope, intercept = np.polyfit(d, np.log(s), 1)
    resid = np.log(s) - (intercept + slope * d)
    return GrowthFit(float(np.exp(slope)), float(np.exp(intercept)), float(np.sqrt(np.mean(resid**2))))


# ----------------------------------------------------------------------------------------------- lattices
class LayerLattices(NamedTuple):
    """Result of :func:`stack_lattices`; one entry per depth ``d = 1..D``."""

    #: int8 lattices of +-1, shape ``(batch, L1 / b**d, L2 / b**d)``: the (sampled) states of the units at depth
    #: ``d``, signs aligned, placed on their blocks.
    lattices: tuple
    #: ``placement[d - 1][j]`` is the unit placed on block ``j`` (row-major).
    placement: tuple
    #: Sign (+-1) applied to each unit (indexed by unit).
    signs: tuple
    #: Periodic distance from each placed unit's receptive-field centre to its block centre, in visible lattice
    #: units (indexed by block; 0 for block spins).
    distance: tuple


def stack_lattices(stack: RBMStack, v, shape, *, b: int = 2, sample: bool = True, seed=None) -> LayerLattices:
    r"""The units at every depth of a stack as spin lattices of side :math:`L/b^d`, for the thermometers.

    The states :math:`h^{(d)}` of :func:`stack_up` (``binary`` units read as :math:`2h-1`; with ``sample=False``
    the sign of the conditional mean) are multiplied by :math:`\sigma_a = \operatorname{sign}\sum_k h^{(d)}_{ka}
    M_k` with :math:`M_k` the magnetization of input ``k`` (+1 where the sum vanishes), and unit ``a`` is placed on
    the block assigned to it by the Hungarian matching of the centres of :func:`stack_receptive_fields` (from
    :func:`rglib.nets.receptive_fields.patch_statistics`) to the centres of the blocks of side :math:`b^d`.

    Parameters
    ----------
    stack : RBMStack
        Depth ``D``; the units at depth ``d`` must number :math:`(L_1/b^d)(L_2/b^d)`.
    v : array or tensor, shape ``(batch, L1 * L2)``
        Input configurations (values of the stack's units).
    shape : (int, int)
        The visible lattice ``(L1, L2)``.
    b : int
        Block side per layer (>= 2).
    sample, seed
        As in :func:`stack_up`.

    See Also
    --------
    rglib.rg.block_majority : majority-rule block spins, the RG counterpart.

    Examples
    --------
    >>> st = block_spin_stack((4, 4), 2, 1)
    >>> out = stack_lattices(st, torch.ones(2, 16), (4, 4), seed=0)
    >>> out.lattices[0].shape, out.placement[0].tolist(), float(out.distance[0].max())
    ((2, 2, 2), [0, 1, 2, 3], 0.0)
    """
    stack = _check_stack(stack)
    L1, L2 = _check_shape(shape, stack.rbms[0].W.shape[0], "visible units of stack")
    b = check_int(b, "b", 2)
    for d, rbm in enumerate(stack.rbms, start=1):
        need = (L1 // b**d) * (L2 // b**d) if L1 % b**d == 0 and L2 % b**d == 0 else None
        if need != rbm.W.shape[1]:
            raise ValueError(f"stack and shape do not match for b = {b}: depth {d} has {rbm.W.shape[1]} units, but "
                             f"blocks of side b**d = {b**d} on a {L1} x {L2} lattice need "
                             f"{need or 'an integer number of'} units")
    states = stack_up(stack, v, sample=sample, seed=seed)
    spin = stack.rbms[0].units == "spin"
    x0 = states[0] if spin else 2 * states[0] - 1
    M = x0.sum(dim=1)
    fields = stack_receptive_fields(stack)
    lattices, placements, signs, distances = [], [], [], []
    for d in range(1, len(states)):
        h = states[d] if spin else 2 * states[d] - 1
        if not sample:                                          # conditional means: keep their signs
            h = torch.where(h < 0, -torch.ones_like(h), torch.ones_like(h))
        corr = (h * M[:, None]).sum(dim=0)
        sign = torch.where(corr < 0, -torch.ones_like(corr), torch.ones_like(corr))
        centres = patch_statistics(fields[d - 1].reshape(-1, L1, L2)).centre
        blocks = block_centres((L1, L2), b**d)
        dist = np.hypot(periodic_displacement(blocks[:, None, 0], centres[None, :, 0], L1),
                        periodic_displacement(blocks[:, None, 1], centres[None, :, 1], L2))
        rows, cols = linear_sum_assignment(dist**2)
        order = cols[np.argsort(rows)]
        lat = (h * sign)[:, torch.from_numpy(order).to(h.device)]
        lattices.append(lat.cpu().numpy().astype(np.int8).reshape(-1, L1 // b**d, L2 // b**d))
        placements.append(order)
        signs.append(sign.cpu().numpy().astype(np.int8))
        distances.append(dist[np.arange(len(order)), order])
    return LayerLattices(tuple(lattices), tuple(placements), tuple(signs), tuple(distances))
