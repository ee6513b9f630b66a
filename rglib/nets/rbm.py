r"""Restricted Boltzmann machines in torch: conditionals, exact partition function, Gibbs chains, CD-k/PCD training.

An RBM with visible units :math:`v\in\{\pm1\}^{n_v}` (or :math:`\{0,1\}^{n_v}`) and hidden units :math:`h` of the
same kind has the energy and joint distribution

.. math::
    E(v, h) = -v^\top W h - a^\top v - b^\top h, \qquad p(v, h) = e^{-E(v, h)}/Z .

Given one layer, the units of the other are independent. With the *fields* :math:`\phi = W^\top v + b` (hidden)
and :math:`\psi = W h + a` (visible):

* ``units="spin"`` (:math:`\pm1`): :math:`p(h_a = 1\mid v) = \sigma(2\phi_a)`, :math:`\mathbb E[h_a\mid v] =
  \tanh\phi_a`, and the free energy is :math:`F(v) = -a^\top v - \sum_a \ln(2\cosh\phi_a)`;
* ``units="binary"`` (:math:`\{0,1\}`): :math:`p(h_a = 1\mid v) = \sigma(\phi_a)` and
  :math:`F(v) = -a^\top v - \sum_a \ln(1 + e^{\phi_a})`,

with :math:`p(v) = e^{-F(v)}/Z`. The partition function is computed exactly by summing over all states of the
smaller layer (at most :data:`MAX_EXACT_UNITS` units), in chunks and in log space.

Training maximises the log-likelihood of the data with contrastive divergence: the gradient
:math:`\partial_W \langle\ln p(v)\rangle = \langle v\,\mathbb E[h\mid v]^\top\rangle_{\rm data} -
\langle v\,\mathbb E[h\mid v]^\top\rangle_{\rm model}` with the model average taken after ``k`` Gibbs steps
started at the data (CD-k) or from persistent chains (PCD).

All functions take tensors (or arrays) of shape ``(batch, n)``; parameters are an :class:`RBM` NamedTuple of
tensors on one device.

References
----------
.. [1] G. E. Hinton, "Training products of experts by minimizing contrastive divergence", Neural Computation
   14, 1771 (2002).
.. [2] T. Tieleman, "Training restricted Boltzmann machines using approximations to the likelihood gradient",
   ICML (2008).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch

from .._checks import check_bool, check_device, check_int, check_real_array, check_real_scalar

__all__ = [
    "MAX_EXACT_UNITS",
    "UNITS",
    "RBM",
    "init_rbm",
    "hidden_field",
    "visible_field",
    "hidden_mean",
    "visible_mean",
    "sample_hidden",
    "sample_visible",
    "free_energy",
    "rbm_log_partition",
    "rbm_log_likelihood",
    "gibbs_chain",
    "rbm_flow",
    "RBMTraining",
    "train_rbm",
]

#: Largest smaller layer for which :func:`rbm_log_partition` sums over all states (2**25 states).
MAX_EXACT_UNITS = 25

#: Bound on the multiply-adds of one call (Gibbs chains, flows, training, exact ln Z): ~ hours on a CPU.
_MAX_MULTIPLY_ADDS = 10**13
#: Unit types: ``"spin"`` (values +-1) and ``"binary"`` (values 0, 1).
UNITS: tuple[str, ...] = ("spin", "binary")


class RBM(NamedTuple):
    """Parameters of a restricted Boltzmann machine (tensors on one device, one dtype)."""

    #: Couplings :math:`W`, shape ``(n_visible, n_hidden)``.
    W: torch.Tensor
    #: Visible biases :math:`a`, shape ``(n_visible,)``.
    a: torch.Tensor
    #: Hidden biases :math:`b`, shape ``(n_hidden,)``.
    b: torch.Tensor
    #: ``"spin"`` (+-1 units) or ``"binary"`` (0/1 units).
    units: str


# ----------------------------------------------------------------------------------------------- checks
def _check_units(units) -> str:
    if not isinstance(units, str):
        raise TypeError(f"units must be a str, one of {UNITS}; got {type(units).__name__}")
    if units not in UNITS:
        raise ValueError(f"units={units!r} is not supported; allowed values: {', '.join(UNITS)}")
    return units


def _check_rbm(rbm, name: str = "rbm") -> RBM:
    if not isinstance(rbm, RBM):
        raise TypeError(f"{name} must be an rglib.nets.rbm.RBM (from init_rbm or train_rbm); got {type(rbm).__name__}")
    if not isinstance(rbm.units, str) or rbm.units not in UNITS:
        raise ValueError(f"{name}.units={rbm.units!r} is not supported; allowed values: {', '.join(UNITS)}")
    for part in ("W", "a", "b"):
        t = getattr(rbm, part)
        if not isinstance(t, torch.Tensor) or not t.is_floating_point():
            kind = type(t).__name__ if not isinstance(t, torch.Tensor) else f"tensor of dtype {t.dtype}"
            raise TypeError(f"{name}.{part} must be a real floating-point torch.Tensor; got {kind}")
    if rbm.W.ndim != 2:
        raise ValueError(f"{name}.W must have shape (n_visible, n_hidden); got {tuple(rbm.W.shape)}")
    nv, nh = rbm.W.shape
    if rbm.a.shape != (nv,) or rbm.b.shape != (nh,):
        raise ValueError(f"{name} has inconsistent shapes: W {tuple(rbm.W.shape)}, a {tuple(rbm.a.shape)}, "
                         f"b {tuple(rbm.b.shape)}")
    if not all(bool(torch.isfinite(t).all()) for t in rbm[:3]):
        raise ValueError(f"{name} has non-finite parameters (NaN or inf in W, a or b)")
    return rbm


def _check_cost(cost: float, name: str, what: str) -> None:
    """Refuse, before it starts, a computation of more than ``_MAX_MULTIPLY_ADDS`` multiply-adds."""
    if cost > _MAX_MULTIPLY_ADDS:
        raise ValueError(f"{what} would need about {cost:.3g} multiply-adds, more than the bound "
                         f"{_MAX_MULTIPLY_ADDS:.0e} of rglib.nets.rbm; ask for less ({name})")


def _torch_generator(seed, device) -> torch.Generator:
    """A torch.Generator on ``device`` from an int seed, a numpy Generator or a torch.Generator (returned as is)."""
    if isinstance(seed, torch.Generator):
        return seed
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**63))
    if seed is None:
        raise ValueError("seed must be given (an int, a numpy.random.Generator or a torch.Generator): RBM sampling "
                         "is reproducible only from an explicit seed")
    gen = torch.Generator(device=torch.device(device))
    gen.manual_seed(check_int(seed, "seed", 0))
    return gen


def _units_values(x: torch.Tensor, units: str, name: str) -> None:
    if units == "spin":
        ok = bool(torch.all((x == 1) | (x == -1)))
        allowed = "+1 and -1"
    else:
        ok = bool(torch.all((x == 0) | (x == 1)))
        allowed = "0 and 1"
    if not ok:
        raise ValueError(f"{name} must contain only {allowed} (units={units!r})")


def _layer(x, rbm: RBM, n: int, name: str, *, check_values: bool = True) -> torch.Tensor:
    """``x`` as a 2-D tensor of the RBM's dtype and device with ``n`` columns."""
    if isinstance(x, np.ndarray):
        if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer) or x.dtype == bool):
            raise TypeError(f"{name} must be a real numeric array; got dtype {x.dtype}")
        x = torch.from_numpy(np.asarray(x, dtype=np.float64))
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor or numpy array of shape (batch, {n}); got {type(x).__name__}")
    if x.is_complex():
        raise TypeError(f"{name} must hold real numbers; got dtype {x.dtype}")
    if x.ndim != 2 or x.shape[1] != n or x.shape[0] < 1:
        raise ValueError(f"{name} must have shape (batch, {n}) with batch >= 1; got {tuple(x.shape)}")
    x = x.to(dtype=rbm.W.dtype, device=rbm.W.device)
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    if check_values:
        _units_values(x, rbm.units, name)
    return x


def _activation(units: str, field: torch.Tensor) -> torch.Tensor:
    return torch.tanh(field) if units == "spin" else torch.sigmoid(field)


def _sample(units: str, field: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    p_up = torch.sigmoid(2.0 * field) if units == "spin" else torch.sigmoid(field)
    u = torch.rand(p_up.shape, generator=gen, device=p_up.device, dtype=p_up.dtype)
    up = (u < p_up).to(field.dtype)
    return 2.0 * up - 1.0 if units == "spin" else up


def _log_norm(units: str, field: torch.Tensor) -> torch.Tensor:
    """Sum over one unit's two states of e^{field * value}: ln 2cosh(field) or ln(1 + e^field)."""
    if units == "spin":
        x = field.abs()
        return x + torch.log1p(torch.exp(-2.0 * x))
    return torch.nn.functional.softplus(field)


# ----------------------------------------------------------------------------------------------- model
def init_rbm(n_visible: int, n_hidden: int, *, units: str = "spin", weight_std: float = 0.01, seed=0,
             device=None, dtype: torch.dtype = torch.float64) -> RBM:
    r"""A new RBM with :math:`W_{ia}\sim\mathcal N(0, \text{weight\_std}^2)` and zero biases.

    Parameters
    ----------
    n_visible, n_hidden : int
        Layer sizes (>= 1).
    units : {"spin", "binary"}
        +-1 or 0/1 units (both layers).
    weight_std : float
        Standard deviation of the initial couplings (>= 0).
    seed : int, numpy.random.Generator or torch.Generator
        Source of the initial couplings.
    device, dtype
        Where the parameters live; float32 or float64.

    Examples
    --------
    >>> rbm = init_rbm(16, 4, seed=1)
    >>> tuple(rbm.W.shape), rbm.units
    ((16, 4), 'spin')
    """
    nv = check_int(n_visible, "n_visible", 1)
    nh = check_int(n_hidden, "n_hidden", 1)
    units = _check_units(units)
    std = check_real_scalar(weight_std, "weight_std", lower=0.0)
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be torch.float32 or torch.float64; got {dtype}")
    dev = check_device(device) or torch.device("cpu")
    gen = _torch_generator(seed, "cpu")
    W = (std * torch.randn(nv, nh, generator=gen, dtype=torch.float64)).to(device=dev, dtype=dtype)
    if not bool(torch.isfinite(W).all()):
        raise ValueError(f"weight_std = {std:g} gives couplings beyond the range of {dtype}; use a smaller weight_std")
    return RBM(W, torch.zeros(nv, device=dev, dtype=dtype), torch.zeros(nh, device=dev, dtype=dtype), units)


def hidden_field(rbm: RBM, v) -> torch.Tensor:
    r"""Fields :math:`\phi = W^\top v + b` on the hidden units, shape ``(batch, n_hidden)``."""
    rbm = _check_rbm(rbm)
    v = _layer(v, rbm, rbm.W.shape[0], "v", check_values=False)
    return v @ rbm.W + rbm.b


def visible_field(rbm: RBM, h) -> torch.Tensor:
    r"""Fields :math:`\psi = W h + a` on the visible units, shape ``(batch, n_visible)``."""
    rbm = _check_rbm(rbm)
    h = _layer(h, rbm, rbm.W.shape[1], "h", check_values=False)
    return h @ rbm.W.T + rbm.a


def hidden_mean(rbm: RBM, v) -> torch.Tensor:
    r""":math:`\mathbb E[h\mid v]`: :math:`\tanh\phi` (spin units) or :math:`\sigma(\phi)` (binary units).

    For spin units this is the real-valued hidden output :math:`h_a = \tanh(\sum_i W_{ia} v_i + b_a)` used by
    de Mello Koch et al. for their correlators :math:`\langle v_i h_a\rangle`.

    Examples
    --------
    >>> rbm = init_rbm(4, 2, seed=0)
    >>> hidden_mean(rbm, torch.ones(3, 4)).shape
    torch.Size([3, 2])
    """
    phi = hidden_field(rbm, v)
    return _activation(rbm.units, phi)


def visible_mean(rbm: RBM, h) -> torch.Tensor:
    r""":math:`\mathbb E[v\mid h]`: :math:`\tanh\psi` (spin units) or :math:`\sigma(\psi)` (binary units)."""
    psi = visible_field(rbm, h)
    return _activation(rbm.units, psi)


def sample_hidden(rbm: RBM, v, *, seed) -> torch.Tensor:
    """Draw :math:`h\\sim p(h\\mid v)` (one sample per row of ``v``) with the generator or seed ``seed``."""
    phi = hidden_field(rbm, v)
    return _sample(rbm.units, phi, _torch_generator(seed, phi.device))


def sample_visible(rbm: RBM, h, *, seed) -> torch.Tensor:
    """Draw :math:`v\\sim p(v\\mid h)` (one sample per row of ``h``) with the generator or seed ``seed``."""
    psi = visible_field(rbm, h)
    return _sample(rbm.units, psi, _torch_generator(seed, psi.device))


def free_energy(rbm: RBM, v) -> torch.Tensor:
    r"""Free energy :math:`F(v) = -a^\top v - \sum_a \ln\sum_{h_a} e^{h_a\phi_a}` with :math:`p(v) = e^{-F(v)}/Z`.

    Examples
    --------
    >>> rbm = init_rbm(3, 2, seed=0)._replace(W=torch.zeros(3, 2, dtype=torch.float64))
    >>> float(free_energy(rbm, torch.ones(1, 3))[0]) == -2 * math.log(2.0)
    True
    """
    rbm = _check_rbm(rbm)
    v = _layer(v, rbm, rbm.W.shape[0], "v")
    return -(v @ rbm.a) - _log_norm(rbm.units, v @ rbm.W + rbm.b).sum(dim=1)


def _states(n: int, start: int, stop: int, units: str, dtype, device) -> torch.Tensor:
    """States ``start .. stop-1`` of ``n`` units in the library's enumeration order (bit n-1-j <-> unit j)."""
    codes = torch.arange(start, stop, device=device, dtype=torch.int64)
    shifts = torch.arange(n - 1, -1, -1, device=device, dtype=torch.int64)
    bits = ((codes[:, None] >> shifts[None, :]) & 1).to(dtype)
    return 1.0 - 2.0 * bits if units == "spin" else 1.0 - bits


def rbm_log_partition(rbm: RBM, *, chunk_size: int = 2**16) -> float:
    r"""Exact :math:`\ln Z` by summing over every state of the smaller layer (at most ``MAX_EXACT_UNITS`` units).

    Summing over the hidden layer analytically gives :math:`Z = \sum_h e^{b^\top h}\prod_i\sum_{v_i}
    e^{v_i\psi_i(h)}`; the sum over the ``2**n_hidden`` hidden states is done in chunks with a running
    log-sum-exp (or the roles of the layers are swapped when the visible layer is smaller).

    See Also
    --------
    free_energy : :math:`-\ln\sum_h e^{-E(v, h)}` for given visible states.

    Examples
    --------
    >>> rbm = init_rbm(2, 1, seed=0)._replace(W=torch.zeros(2, 1, dtype=torch.float64))
    >>> round(rbm_log_partition(rbm), 12) == round(3 * math.log(2.0), 12)
    True
    """
    rbm = _check_rbm(rbm)
    chunk = check_int(chunk_size, "chunk_size", 1)
    nv, nh = rbm.W.shape
    if min(nv, nh) > MAX_EXACT_UNITS:
        raise ValueError(f"exact log Z needs a layer of at most MAX_EXACT_UNITS = {MAX_EXACT_UNITS} units; "
                         f"rbm has n_visible = {nv}, n_hidden = {nh}")
    _check_cost(2.0 ** min(nv, nh) * nv * nh, "rbm", "the exact ln Z (a sum over 2**min(n_visible, n_hidden) states)")
    if nh <= nv:  # enumerate hidden states
        n, W, bias_enum, bias_sum = nh, rbm.W.T, rbm.b, rbm.a
    else:
        n, W, bias_enum, bias_sum = nv, rbm.W, rbm.a, rbm.b
    acc = torch.tensor(-math.inf, dtype=rbm.W.dtype, device=rbm.W.device)
    for start in range(0, 2**n, chunk):
        s = _states(n, start, min(2**n, start + chunk), rbm.units, rbm.W.dtype, rbm.W.device)
        terms = s @ bias_enum + _log_norm(rbm.units, s @ W + bias_sum).sum(dim=1)
        acc = torch.logaddexp(acc, torch.logsumexp(terms, dim=0))
    return float(acc)


def rbm_log_likelihood(rbm: RBM, v, *, log_z: float | None = None) -> float:
    r"""Mean log-likelihood :math:`\frac1B\sum_k \ln p(v^{(k)}) = -\overline{F(v)} - \ln Z` (exact ``ln Z``).

    Pass ``log_z`` to reuse a partition function computed once.
    """
    lz = rbm_log_partition(rbm) if log_z is None else check_real_scalar(log_z, "log_z")
    return float(-free_energy(rbm, v).mean()) - lz


def gibbs_chain(rbm: RBM, v0, n_steps: int, *, seed) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Run block Gibbs sampling :math:`v\to h\sim p(h\mid v)\to v\sim p(v\mid h)` for ``n_steps`` steps.

    Returns the final ``(v, h)``; every row of ``v0`` is an independent chain.
    """
    rbm = _check_rbm(rbm)
    v = _layer(v0, rbm, rbm.W.shape[0], "v0")
    steps = check_int(n_steps, "n_steps", 0)
    _check_cost(2.0 * (steps + 1) * v.shape[0] * v.shape[1] * rbm.W.shape[1], "n_steps",
                f"{steps} Gibbs steps of {v.shape[0]} chains")
    gen = _torch_generator(seed, v.device)
    h = _sample(rbm.units, v @ rbm.W + rbm.b, gen)
    for _ in range(steps):
        v = _sample(rbm.units, h @ rbm.W.T + rbm.a, gen)
        h = _sample(rbm.units, v @ rbm.W + rbm.b, gen)
    return v, h


def rbm_flow(rbm: RBM, v0, n_steps: int, *, sample: bool = True, seed=None) -> torch.Tensor:
    r"""The RBM flow :math:`v^{(0)}\to h^{(0)}\to v^{(1)}\to\cdots` of Iso, Shiba & Yokoo (2018).

    With ``sample=True`` both half-steps draw from the conditionals (as in Iso et al. and Veiga & Rocha);
    with ``sample=False`` they use the conditional means (a deterministic mean-field flow; ``seed`` unused).

    Returns
    -------
    torch.Tensor, shape ``(n_steps + 1, batch, n_visible)``
        :math:`v^{(0)}, \dots, v^{(n)}`.
    """
    rbm = _check_rbm(rbm)
    v = _layer(v0, rbm, rbm.W.shape[0], "v0", check_values=sample)
    steps = check_int(n_steps, "n_steps", 0)
    if not isinstance(sample, (bool, np.bool_)):
        raise TypeError(f"sample must be a bool; got {type(sample).__name__}")
    _check_cost(2.0 * steps * v.shape[0] * v.shape[1] * rbm.W.shape[1], "n_steps",
                f"an RBM flow of {steps} steps of {v.shape[0]} configurations")
    gen = _torch_generator(seed, v.device) if sample else None
    out = [v]
    for _ in range(steps):
        phi = v @ rbm.W + rbm.b
        h = _sample(rbm.units, phi, gen) if sample else _activation(rbm.units, phi)
        psi = h @ rbm.W.T + rbm.a
        v = _sample(rbm.units, psi, gen) if sample else _activation(rbm.units, psi)
        out.append(v)
    return torch.stack(out)


# ----------------------------------------------------------------------------------------------- training
class RBMTraining(NamedTuple):
    """Result of :func:`train_rbm`."""

    #: The trained parameters.
    rbm: RBM
    #: Mean squared one-step reconstruction error :math:`\overline{(v - \mathbb E[v\mid h])^2}` per epoch.
    reconstruction_error: np.ndarray
    #: Exact mean log-likelihood of the training data per epoch (``nan`` where not monitored).
    log_likelihood: np.ndarray


def _train_rbm_iv(data, n_hidden, units, method, k, learning_rate, n_epochs, batch_size, weight_decay, l1_penalty,
                  momentum, monitor_likelihood, callback, device, dtype):
    units = _check_units(units)
    if method not in ("cd", "pcd"):
        raise ValueError(f"method must be 'cd' or 'pcd'; got {method!r}")
    k = check_int(k, "k", 1)
    lr = check_real_scalar(learning_rate, "learning_rate", lower=0.0, lower_strict=True)
    n_epochs = check_int(n_epochs, "n_epochs", 1)
    batch_size = check_int(batch_size, "batch_size", 1)
    wd = check_real_scalar(weight_decay, "weight_decay", lower=0.0)
    l1 = check_real_scalar(l1_penalty, "l1_penalty", lower=0.0)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be None or a callable (epoch, rbm); got {type(callback).__name__}")
    mom = check_real_scalar(momentum, "momentum", lower=0.0, upper=1.0)
    nh = check_int(n_hidden, "n_hidden", 1)
    if not isinstance(monitor_likelihood, (bool, np.bool_)):
        raise TypeError(f"monitor_likelihood must be a bool; got {type(monitor_likelihood).__name__}")
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be torch.float32 or torch.float64; got {dtype}")
    dev = check_device(device) or torch.device("cpu")
    if isinstance(data, np.ndarray):
        if not (np.issubdtype(data.dtype, np.floating) or np.issubdtype(data.dtype, np.integer)
                or data.dtype == bool):
            raise TypeError(f"data must be a real numeric array; got dtype {data.dtype}")
        data = torch.from_numpy(np.asarray(data, dtype=np.float64))
    if not isinstance(data, torch.Tensor):
        raise TypeError(f"data must be a torch.Tensor or numpy array of shape (n_samples, n_visible); "
                        f"got {type(data).__name__}")
    if data.is_complex():
        raise TypeError(f"data must hold real numbers; got dtype {data.dtype}")
    if data.ndim != 2 or data.shape[0] < 1 or data.shape[1] < 1:
        raise ValueError(f"data must have shape (n_samples, n_visible); got {tuple(data.shape)}")
    data = data.to(device=dev, dtype=dtype)
    _units_values(data, units, "data")
    if monitor_likelihood and min(data.shape[1], nh) > MAX_EXACT_UNITS:
        raise ValueError(f"monitor_likelihood=True needs a layer of at most {MAX_EXACT_UNITS} units")
    n, nv = data.shape
    per_epoch = 2.0 * (k + 2) * n * nv * nh + (2.0 ** min(nv, nh) * nv * nh if monitor_likelihood else 0.0)
    _check_cost(n_epochs * per_epoch, "n_epochs", f"{n_epochs} epochs of CD-{k} on {n} samples")
    return data, nh, units, method, k, lr, n_epochs, batch_size, wd, l1, mom, dev


def train_rbm(data, n_hidden: int, *, units: str = "spin", method: str = "cd", k: int = 1,
              learning_rate: float = 0.01, n_epochs: int = 10, batch_size: int = 64, weight_decay: float = 0.0,
              l1_penalty: float = 0.0, momentum: float = 0.0, weight_std: float = 0.01, init: RBM | None = None,
              monitor_likelihood: bool = False, callback=None, seed=0, device=None,
              dtype: torch.dtype = torch.float64, progress: bool = False) -> RBMTraining:
    r"""Train an RBM on ``data`` with CD-k (``method="cd"``) or persistent CD (``method="pcd"``).

    Each epoch visits the samples in a fresh random order (from ``seed``) in minibatches of ``batch_size``; the
    update is :math:`\Delta\theta = \eta\,(g - \lambda\theta - \lambda_1\operatorname{sign}\theta) +
    \mu\,\Delta\theta_{\rm prev}` with the CD gradient :math:`g` (conditional means of the hidden units in both
    phases), learning rate :math:`\eta`, weight decay :math:`\lambda` and L1 penalty :math:`\lambda_1` (couplings
    only) and momentum :math:`\mu`. Visible biases start at the data's log-odds (Hinton's recipe) unless ``init``
    is given.

    Parameters
    ----------
    data : array or tensor, shape ``(n_samples, n_visible)``
        Training configurations with values +-1 (``units="spin"``) or 0/1.
    n_hidden : int
        Number of hidden units.
    method, k
        ``"cd"`` restarts the negative chains at the minibatch; ``"pcd"`` keeps ``batch_size`` persistent chains.
        ``k`` Gibbs steps per update.
    learning_rate, n_epochs, batch_size
        Step size :math:`\eta` (> 0), passes over the data, minibatch size.
    weight_decay, l1_penalty, momentum
        :math:`\lambda \ge 0`, :math:`\lambda_1 \ge 0` and :math:`0 \le \mu \le 1`.
    weight_std, init
        Standard deviation of the initial couplings, or an RBM to start from (copied).
    monitor_likelihood : bool
        Record the exact mean log-likelihood after every epoch (small layers only).
    callback : callable, optional
        Called as ``callback(epoch, rbm)`` after every epoch (``epoch`` counts from 1) with a copy of the
        parameters, e.g. to keep snapshots along training.
    seed : int, numpy.random.Generator or torch.Generator
        Source of the initialisation, the sample order and the Gibbs sampling.
    progress : bool
        Show a tqdm bar over epochs.

    Examples
    --------
    >>> x = torch.tensor([[1., 1., 1., 1.], [-1., -1., -1., -1.]]).repeat(50, 1)
    >>> fit = train_rbm(x, 2, n_epochs=20, learning_rate=0.05, monitor_likelihood=True, seed=3)
    >>> bool(fit.log_likelihood[-1] > fit.log_likelihood[0])
    True
    """
    data, nh, units, method, k, lr, n_epochs, batch_size, wd, l1, mom, dev = _train_rbm_iv(
        data, n_hidden, units, method, k, learning_rate, n_epochs, batch_size, weight_decay, l1_penalty, momentum,
        monitor_likelihood, callback, device, dtype)
    progress = check_bool(progress, "progress")
    n, nv = data.shape
    gen = _torch_generator(seed, "cpu")
    if init is None:
        rbm = init_rbm(nv, nh, units=units, weight_std=weight_std, seed=gen, device=dev, dtype=dtype)
        mean = data.mean(dim=0)
        p = ((mean + 1) / 2 if units == "spin" else mean).clamp(1e-3, 1 - 1e-3)
        logit = torch.log(p / (1 - p))
        rbm = rbm._replace(a=0.5 * logit if units == "spin" else logit)
    else:
        rbm = _check_rbm(init, "init")
        if rbm.W.shape != (nv, nh) or rbm.units != units:
            raise ValueError(f"init must have W of shape ({nv}, {nh}) and units={units!r}")
        rbm = RBM(*(t.detach().clone().to(device=dev, dtype=dtype) for t in rbm[:3]), units)
    sample_gen = _torch_generator(int(torch.randint(2**62, (1,), generator=gen)), dev)
    W, a, b = (t.clone() for t in rbm[:3])
    vel = [torch.zeros_like(t) for t in (W, a, b)]
    chains = data[torch.randint(n, (min(batch_size, n),), generator=gen).to(dev)].clone() if method == "pcd" else None
    rec = np.empty(n_epochs)
    ll = np.full(n_epochs, np.nan)
    epochs = range(n_epochs)
    if progress:
        from tqdm.auto import tqdm
        epochs = tqdm(epochs, desc="RBM epochs")
    for epoch in epochs:
        order = torch.randperm(n, generator=gen).to(dev)
        err = torch.zeros((), dtype=dtype, device=dev)
        for start in range(0, n, batch_size):
            v0 = data[order[start:start + batch_size]]
            phi0 = v0 @ W + b
            ph0 = _activation(units, phi0)
            psi0 = _sample(units, phi0, sample_gen) @ W.T + a
            err += ((v0 - _activation(units, psi0)) ** 2).sum()
            # negative phase: k steps h -> v -> h from the data (CD) or from the persistent chains (PCD);
            # the last hidden layer enters only through its conditional mean
            psi = _sample(units, chains @ W + b, sample_gen) @ W.T + a if method == "pcd" else psi0
            for step in range(k):
                vk = _sample(units, psi, sample_gen)
                phik = vk @ W + b
                if step < k - 1:
                    psi = _sample(units, phik, sample_gen) @ W.T + a
            if method == "pcd":
                chains = vk
            phk = _activation(units, phik)
            grads = ((v0.T @ ph0) / len(v0) - (vk.T @ phk) / len(vk) - wd * W - l1 * torch.sign(W),
                     v0.mean(0) - vk.mean(0), ph0.mean(0) - phk.mean(0))
            for t, g, m in zip((W, a, b), grads, vel):
                m.mul_(mom).add_(lr * g)
                t.add_(m)
        if not all(bool(torch.isfinite(t).all()) for t in (W, a, b)):
            raise ValueError(f"training diverged in epoch {epoch + 1} (non-finite couplings); use a smaller "
                             f"learning_rate (got {lr:g}) or momentum (got {mom:g})")
        rec[epoch] = float(err) / (n * nv)
        if monitor_likelihood:
            ll[epoch] = rbm_log_likelihood(RBM(W, a, b, units), data)
        if callback is not None:
            callback(epoch + 1, RBM(W.clone(), a.clone(), b.clone(), units))
    return RBMTraining(RBM(W, a, b, units), rec, ll)
