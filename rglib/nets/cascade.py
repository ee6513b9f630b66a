r"""The reconstruction cascade of Thurn, Jefferson & Erdmenger: how much of the input survives each layer.

A network :math:`a^l = \phi(W^l a^{l-1} + b^l)`, :math:`a^0 = x`, stays *untrained*. For every layer ``l`` a
single-layer auxiliary network

.. math:: g_l(y) = \tanh(V_l\, y + c_l), \qquad V_l \in \mathbb R^{N_{l-1}\times N_l},

learns to reconstruct layer ``l - 1`` from layer ``l`` (mean squared error, Adam, one epoch; all auxiliaries are
trained together in one pass over the data, each on its own layer pair). The *cascade*
:math:`C^l = g_1\circ g_2\circ\cdots\circ g_l` maps layer ``l`` back to input space, :math:`\hat x^l = C^l(a^l)`.

The reconstruction relative entropy of one image (the authors' definition) treats input and reconstruction as
distributions over pixels after shifting each by its minimum:

.. math::
    p_i = \frac{x_i - \min x + \epsilon}{\sum_j (x_j - \min x + \epsilon)}, \qquad
    q_i = \frac{\hat x_i - \min \hat x + \epsilon}{\sum_j (\hat x_j - \min \hat x + \epsilon)}, \qquad
    D = \sum_i p_i \ln\frac{p_i}{q_i},

with :math:`\epsilon = 10^{-12}`. Each image's curve :math:`D(l)` is divided by its value at the deepest layer
considered, the median over images is taken, and the **cutoff** is the deepest layer, scanning back from the end,
whose value differs from the final one by more than a relative tolerance (0.5 %): beyond it the reconstructions
carry no more information about the input than the deepest one does.

Auxiliaries of equal shape are stacked and trained with batched matrix products; reconstructions from all layers
are computed together, deepest first (:math:`O(L^2)` auxiliary applications, batched per step).

References
----------
.. [1] Y. Thurn, R. Jefferson, J. Erdmenger, "Opening the black box: predicting the trainability of deep neural
   networks with reconstruction entropy", arXiv:2406.12916 (2024).
"""
from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

import numpy as np
import torch

from .._checks import check_int, check_real_array, check_real_scalar
from .mlp import GaussianMLP

__all__ = ["Cascade", "CascadeTraining", "layer_activations", "train_cascade", "reconstruct",
           "reconstruction_kl", "normalized_kl_curve", "saturation_cutoff"]


class Cascade(NamedTuple):
    """Auxiliary networks :math:`g_l(y) = \\tanh(V_l y + c_l)`, ``l = 1 .. n_layers``."""

    #: ``V_l`` of shape ``(N_{l-1}, N_l)``, one per layer, in layer order.
    weights: list
    #: ``c_l`` of shape ``(N_{l-1},)``.
    biases: list


class CascadeTraining(NamedTuple):
    """Result of :func:`train_cascade`."""

    #: The trained auxiliaries.
    cascade: Cascade
    #: Mean squared reconstruction error of each auxiliary (its own layer pair) over the last epoch, shape
    #: ``(n_layers,)``.
    train_loss: np.ndarray


def _check_network(network) -> GaussianMLP:
    if not isinstance(network, GaussianMLP):
        raise TypeError(f"network must be an rglib.nets.GaussianMLP; got {type(network).__name__}")
    return network


def _inputs(x, network: GaussianMLP, name: str) -> torch.Tensor:
    if isinstance(x, np.ndarray):
        if x.dtype == object or x.dtype == np.bool_ or not (np.issubdtype(x.dtype, np.floating)
                                                              or np.issubdtype(x.dtype, np.integer)):
            raise TypeError(f"{name} must hold real numbers; got dtype {x.dtype}")
        x = torch.from_numpy(np.ascontiguousarray(x))
    if not isinstance(x, torch.Tensor) or x.is_complex() or x.dtype == torch.bool:
        raise TypeError(f"{name} must be a real torch.Tensor or numpy array of shape (n, {network.widths[0]})")
    if x.ndim != 2 or x.shape[1] != network.widths[0] or x.shape[0] < 1:
        raise ValueError(f"{name} must have shape (n, {network.widths[0]}) with n >= 1; got {tuple(x.shape)}")
    p = network.layers[0].weight
    x = x.to(device=p.device, dtype=p.dtype)
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} must be finite")
    return x


@torch.no_grad()
def layer_activations(network: GaussianMLP, x) -> list[torch.Tensor]:
    """Activations :math:`a^0 = x, a^1, \\dots, a^L` of the network for the inputs ``x`` (a list of tensors)."""
    network = _check_network(network)
    a = _inputs(x, network, "x")
    out = [a]
    _, pre = network(a, return_preactivations=True)
    last = network.depth - 1
    for i, h in enumerate(pre):
        out.append(network._phi(h) if (i < last or network.final_activation) else h)
    return out


def _groups(shapes: list[tuple[int, int]]) -> dict[tuple[int, int], list[int]]:
    g: dict[tuple[int, int], list[int]] = defaultdict(list)
    for l, s in enumerate(shapes):
        g[s].append(l)
    return dict(g)


def train_cascade(network: GaussianMLP, x_train, *, n_layers: int | None = None, n_epochs: int = 1,
                  batch_size: int = 64, lr: float = 1e-3, seed=0, progress: bool = False,
                  max_multiply_adds: float = 1e15) -> CascadeTraining:
    r"""Train the auxiliaries :math:`g_1, \dots, g_m` of an untrained network (Adam on the MSE, ``n_epochs`` epochs).

    Parameters
    ----------
    network : GaussianMLP
        The (untrained) network; it is not modified.
    x_train : array or tensor, shape ``(n, N_0)``
        Training inputs (the cascade never sees labels).
    n_layers : int, optional
        Train auxiliaries for layers ``1 .. n_layers`` only (default: all ``L`` layers). The cascade from layer
        ``l`` needs ``g_1 .. g_l``.
    n_epochs, batch_size, lr
        The authors use one epoch, batch 64 and Adam's default learning rate 1e-3.
    seed : int
        Seeds the auxiliaries' initialisation (``nn.Linear``'s uniform :math:`\pm 1/\sqrt{N_l}`) and the order
        of the minibatches.
    progress : bool
        Show a tqdm bar over minibatches.
    max_multiply_adds : float
        Refuse, before starting, a run estimated above this many multiply-adds (network forward plus auxiliary
        forward and backward: about ``4 * n_epochs * n * sum_l N_{l-1} N_l``; 1e15 is hours on a CPU core).

    Examples
    --------
    >>> net = GaussianMLP([16, 16, 16, 16], 1.5, 0.05, seed=0)
    >>> x = torch.rand(256, 16, generator=torch.Generator().manual_seed(1))
    >>> fit = train_cascade(net, x, n_epochs=2, seed=2)
    >>> len(fit.cascade.weights), fit.train_loss.shape
    (3, (3,))
    """
    network = _check_network(network)
    x = _inputs(x_train, network, "x_train")
    m = network.depth if n_layers is None else check_int(n_layers, "n_layers", 1, network.depth)
    n_epochs = check_int(n_epochs, "n_epochs", 1)
    batch_size = check_int(batch_size, "batch_size", 1)
    lr = check_real_scalar(lr, "lr", lower=0.0, lower_strict=True)
    seed = check_int(seed, "seed", 0)
    cap = check_real_scalar(max_multiply_adds, "max_multiply_adds", lower=0.0, lower_strict=True)
    cost = 4.0 * n_epochs * x.shape[0] * sum(network.widths[l] * network.widths[l + 1] for l in range(network.depth))
    if cost > cap:
        raise ValueError(f"this cascade needs about {cost:.3g} multiply-adds, above max_multiply_adds = {cap:.3g}; "
                         "use fewer images, epochs or layers, or raise max_multiply_adds")
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be a bool; got {type(progress).__name__}")
    dtype, device = x.dtype, x.device
    gen = torch.Generator().manual_seed(seed)
    widths = network.widths
    shapes = [(widths[l], widths[l + 1]) for l in range(m)]  # V_{l+1}: (N_l, N_{l+1})
    groups = _groups(shapes)
    params = {}
    for (n_out, n_in), layers in groups.items():
        bound = 1.0 / n_in ** 0.5
        V = (torch.rand(len(layers), n_out, n_in, generator=gen, dtype=torch.float64) * 2 - 1) * bound
        c = (torch.rand(len(layers), 1, n_out, generator=gen, dtype=torch.float64) * 2 - 1) * bound
        params[(n_out, n_in)] = (V.to(device, dtype).requires_grad_(), c.to(device, dtype).requires_grad_())
    opt = torch.optim.Adam([t for pair in params.values() for t in pair], lr=lr)
    n = x.shape[0]
    steps = range(n_epochs * ((n + batch_size - 1) // batch_size))
    if progress:
        from tqdm.auto import tqdm
        steps = tqdm(steps, desc="cascade")
    last_loss = torch.zeros(m, dtype=torch.float64)
    counts = 0
    order = None
    for step in steps:
        k = step % ((n + batch_size - 1) // batch_size)
        if k == 0:
            order = torch.randperm(n, generator=gen).to(device)
            epoch_last = step // ((n + batch_size - 1) // batch_size) == n_epochs - 1
            if epoch_last:
                last_loss.zero_()
                counts = 0
        acts = layer_activations(network, x[order[k * batch_size:(k + 1) * batch_size]])
        opt.zero_grad(set_to_none=True)
        total = 0.0
        per_layer = torch.empty(m, dtype=dtype, device=device)
        for key, layers in groups.items():
            V, c = params[key]
            inp = torch.stack([acts[l + 1] for l in layers])  # (g, B, N_{l+1})
            target = torch.stack([acts[l] for l in layers])  # (g, B, N_l)
            pred = torch.tanh(torch.baddbmm(c, inp, V.transpose(1, 2)))
            mse = ((pred - target) ** 2).mean(dim=(1, 2))
            per_layer[layers] = mse.detach()
            total = total + mse.sum()
        total.backward()
        opt.step()
        if epoch_last:
            last_loss += per_layer.double().cpu()
            counts += 1
    weights: list = [None] * m
    biases: list = [None] * m
    for key, layers in groups.items():
        V, c = params[key]
        for i, l in enumerate(layers):
            weights[l] = V[i].detach().clone()
            biases[l] = c[i, 0].detach().clone()
    return CascadeTraining(Cascade(weights, biases), (last_loss / max(counts, 1)).numpy())


@torch.no_grad()
def reconstruct(cascade: Cascade, network: GaussianMLP, x, layers=None) -> torch.Tensor:
    r"""Reconstructions :math:`\hat x^l = C^l(a^l)` of the inputs ``x`` from each layer in ``layers``.

    Parameters
    ----------
    layers : sequence of int, optional
        Layers ``1 <= l <= len(cascade.weights)``; default all of them.

    Returns
    -------
    torch.Tensor, shape ``(len(layers), n, N_0)``
    """
    if not isinstance(cascade, Cascade):
        raise TypeError(f"cascade must be an rglib.nets.cascade.Cascade; got {type(cascade).__name__}")
    network = _check_network(network)
    m = len(cascade.weights)
    if m > network.depth or any(
            not isinstance(V, torch.Tensor) or tuple(V.shape) != (network.widths[l], network.widths[l + 1])
            for l, V in enumerate(cascade.weights)):
        raise ValueError(f"cascade must be trained for network (widths {network.widths}): its weights V_l must have "
                         "shapes (N_{l-1}, N_l)")
    if layers is not None and (isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__")):
        raise TypeError(f"layers must be None or a sequence of ints; got {type(layers).__name__}")
    layers = list(range(1, m + 1)) if layers is None else [check_int(l, "layers[i]", 1, m) for l in layers]
    if not layers:
        raise ValueError("layers must name at least one layer")
    acts = layer_activations(network, x)
    # partial[l] = g_{k+1} o ... o g_l (a^l) for the current k; step k -> k - 1 applies g_k to every l >= k
    partial = {l: acts[l] for l in layers}
    for k in range(max(layers), 0, -1):
        live = [l for l in layers if l >= k]
        y = torch.stack([partial[l] for l in live])
        y = torch.tanh(y @ cascade.weights[k - 1].T + cascade.biases[k - 1])
        for i, l in enumerate(live):
            partial[l] = y[i]
    return torch.stack([partial[l] for l in layers])


def reconstruction_kl(x, x_hat, *, eps: float = 1e-12) -> np.ndarray:
    r"""Per-image :math:`D(p\,\|\,q)` between input and reconstruction, each shifted by its minimum and normalised.

    Parameters
    ----------
    x : array or tensor, shape ``(n, d)``
        Inputs.
    x_hat : array or tensor, shape ``(..., n, d)``
        Reconstructions (leading axes, e.g. one per layer, broadcast).

    Returns
    -------
    ndarray, shape ``(..., n)``

    Examples
    --------
    >>> x = np.array([[0.0, 1.0, 3.0]])
    >>> float(reconstruction_kl(x, x)[0])
    0.0
    >>> round(float(reconstruction_kl(x, 2 * x + 5)[0]), 12)  # shift and scale do not matter
    0.0
    >>> float(reconstruction_kl(x, np.array([[3.0, 1.0, 0.0]]))[0]) > 1
    True
    """
    X = check_real_array(x.detach().cpu() if isinstance(x, torch.Tensor) else x, "x")
    Y = check_real_array(x_hat.detach().cpu() if isinstance(x_hat, torch.Tensor) else x_hat, "x_hat")
    if X.ndim != 2 or Y.ndim < 2 or Y.shape[-2:] != X.shape or X.shape[1] == 0:
        raise ValueError(f"x must have shape (n, d), d >= 1, and x_hat shape (..., n, d) with the same n, d; "
                         f"got {X.shape} and {Y.shape}")
    eps = check_real_scalar(eps, "eps", lower=0.0, lower_strict=True)
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(Y))):
        raise ValueError("x and x_hat must be finite")
    p = X - X.min(axis=-1, keepdims=True) + eps
    p /= p.sum(axis=-1, keepdims=True)
    q = Y - Y.min(axis=-1, keepdims=True) + eps
    q /= q.sum(axis=-1, keepdims=True)
    return np.sum(p * (np.log(p) - np.log(q)), axis=-1)


def normalized_kl_curve(kl) -> np.ndarray:
    r"""Median over images of each image's curve divided by its value at the deepest layer.

    Parameters
    ----------
    kl : array_like, shape ``(n_layers, n_images)``
        Per-layer, per-image relative entropies (:func:`reconstruction_kl`), shallowest layer first.
    """
    K = check_real_array(kl, "kl")
    if K.ndim != 2 or K.shape[0] < 1 or K.shape[1] < 1:
        raise ValueError(f"kl must have shape (n_layers, n_images); got {K.shape}")
    if np.any(K[-1] <= 0):
        raise ValueError("kl must be positive at the deepest layer (each curve is divided by that value)")
    return np.median(K / K[-1], axis=1)


def saturation_cutoff(curve, *, rtol: float = 0.005, atol: float = 1e-8) -> int:
    r"""The cutoff: scanning back from the last entry, the index of the first entry not close to the last one.

    Closeness is ``numpy.isclose(curve[i], curve[-1], rtol=rtol, atol=atol)``. Returns ``-1`` when every entry is
    close to the last one (saturated from the first layer on).

    Examples
    --------
    >>> saturation_cutoff([0.2, 0.6, 0.9, 0.999, 1.0, 1.0])
    2
    """
    c = check_real_array(curve, "curve")
    if c.ndim != 1 or c.size < 1:
        raise ValueError(f"curve must be a non-empty 1-D array; got shape {c.shape}")
    rtol = check_real_scalar(rtol, "rtol", lower=0.0)
    atol = check_real_scalar(atol, "atol", lower=0.0)
    far = ~np.isclose(c, c[-1], rtol=rtol, atol=atol)
    idx = np.nonzero(far)[0]
    return int(idx[-1]) if idx.size else -1
