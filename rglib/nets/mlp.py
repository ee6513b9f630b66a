r"""Random fully connected networks with Gaussian initialisation, and layer-by-layer kernel measurements.

:class:`GaussianMLP` is the network of Poole et al. (2016), Schoenholz et al. (2017), Erdmenger et al. (2022) and
Thurn et al. (2024): ``L`` linear layers with widths ``widths = [N_0, N_1, ..., N_L]``,

.. math::
    h^l = W^l a^{l-1} + b^l,\quad a^l = \phi(h^l),\quad a^0 = x,\qquad
    W^l_{ij}\sim\mathcal N(0, \sigma_w^2/N_{l-1}),\quad b^l_i\sim\mathcal N(0,\sigma_b^2),

with the activation after every linear layer, the last one included (as in the papers' code), unless
``final_activation=False``. It is an ordinary ``torch.nn.Module`` (trainable parameters, ``.to(device)``), with
a reproducible initialisation from a seed or a ``torch.Generator``. ``forward(x, return_preactivations=True)``
also returns the pre-activations :math:`h^1,\dots,h^L`.

:func:`empirical_kernels` and :func:`sample_preactivation_kernels` measure the finite-width analogue of the
mean-field kernel :math:`q^l_{ab} = \frac{1}{N_l}\sum_i h^l_i(x_a) h^l_i(x_b)` that
:func:`rglib.meanfield.kernel_trajectory` predicts.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np
import torch
from torch import nn

__all__ = ["GaussianMLP", "empirical_kernels", "sample_preactivation_kernels", "inputs_with_gram"]

_ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}
_DTYPES = (torch.float32, torch.float64)


def _check_variance(value, name: str, *, allow_zero: bool) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite (no NaN or inf); allowed range: {name} {'>=' if allow_zero else '>'} 0")
    if v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'}; got {v}")
    return v


def _check_widths(widths) -> list[int]:
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence):
        raise TypeError(f"widths must be a sequence of ints [N_0, N_1, ..., N_L]; got {type(widths).__name__}")
    if len(widths) < 2:
        raise ValueError(f"widths must list the input width and at least one layer width; got {list(widths)}")
    out = []
    for i, w in enumerate(widths):
        if isinstance(w, (bool, np.bool_)) or not isinstance(w, Integral):
            raise TypeError(f"widths[{i}] must be an int; got {type(w).__name__}")
        if w < 1:
            raise ValueError(f"widths[{i}] must be a positive int; got {w}")
        out.append(int(w))
    return out


def _make_generator(seed, generator) -> torch.Generator:
    if generator is not None and seed is not None:
        raise ValueError("pass either seed= or generator=, not both")
    if generator is not None:
        if not isinstance(generator, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator; got {type(generator).__name__}")
        return generator
    if seed is None:
        raise ValueError("GaussianMLP needs seed= (an int) or generator= (a torch.Generator) for a reproducible "
                         "initialisation")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, Integral):
        raise TypeError(f"seed must be a non-negative int; got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed}")
    g = torch.Generator(device="cpu")
    g.manual_seed(int(seed))
    return g


def _gaussian_parameters(widths: list[int], sigma_w2: float, sigma_b2: float, generator: torch.Generator,
                         dtype: torch.dtype):
    """Yield ``(W^l, b^l)`` for ``l = 1, ..., L`` on the generator's device, drawn in the order and scaling of
    :class:`GaussianMLP` (weights, then biases, layer by layer); shared with the stacked trainer."""
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        w = torch.randn(n_out, n_in, generator=generator, dtype=dtype, device=generator.device)
        b = torch.randn(n_out, generator=generator, dtype=dtype, device=generator.device)
        yield w.mul_(math.sqrt(sigma_w2 / n_in)), b.mul_(math.sqrt(sigma_b2))


class GaussianMLP(nn.Module):
    r"""Fully connected network with :math:`W\sim\mathcal N(0,\sigma_w^2/\text{fan-in})`, :math:`b\sim\mathcal N(0,\sigma_b^2)`.

    Parameters
    ----------
    widths : sequence of int
        ``[N_0, N_1, ..., N_L]``: input width, then the width of each of the ``L`` layers.
    sigma_w2 : float
        Weight variance :math:`\sigma_w^2 > 0` (each weight has variance ``sigma_w2 / fan_in``).
    sigma_b2 : float
        Bias variance :math:`\sigma_b^2 \ge 0` (``0`` gives zero biases).
    activation : {'tanh', 'relu', 'linear'}
        Non-linearity :math:`\phi` applied after each linear layer.
    final_activation : bool
        Apply :math:`\phi` after the last layer too (default ``True``, as in the papers' code).
    seed : int, optional
        Seed of a CPU ``torch.Generator`` used for the initialisation; the same seed gives the same network on
        every device.
    generator : torch.Generator, optional
        Draw the initial parameters from this generator instead (on its device).
    device : str or torch.device, optional
        Where the parameters live (default CPU).
    dtype : torch.float32 or torch.float64
        Parameter dtype (default float32).

    Notes
    -----
    Weights are drawn as standard normals in ``dtype`` and scaled, layer by layer (weights, then biases), so
    networks with the same seed and widths but different variances share their underlying normals.

    Recording pre-activations: ``net(x, return_preactivations=True)`` returns them as a list. Alternatively,
    ``net.layers[l - 1]`` is the ``nn.Linear`` of layer ``l`` and its output *is* :math:`h^l`, so a standard
    forward hook on it records the pre-activations during any forward pass (e.g. inside a training loop)::

        store = {}
        handles = [layer.register_forward_hook(lambda m, inp, out, l=l: store.__setitem__(l, out.detach()))
                   for l, layer in enumerate(net.layers, start=1)]
        net(x)                      # store[l] is h^l, shape (..., N_l)
        for h in handles:
            h.remove()

    Inputs may carry any leading batch dimensions, ``x.shape == (..., N_0)``.

    Examples
    --------
    >>> net = GaussianMLP([784, 500, 500], sigma_w2=1.76, sigma_b2=0.05, seed=0, dtype=torch.float64)
    >>> out, pre = net(torch.zeros(8, 784, dtype=torch.float64), return_preactivations=True)
    >>> out.shape, [tuple(h.shape) for h in pre]
    (torch.Size([8, 500]), [(8, 500), (8, 500)])
    """

    def __init__(self, widths: Sequence[int], sigma_w2: float, sigma_b2: float, *, activation: str = "tanh",
                 final_activation: bool = True, seed: int | None = None,
                 generator: torch.Generator | None = None, device: str | torch.device | None = None,
                 dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        self.widths = _check_widths(widths)
        self.sigma_w2 = _check_variance(sigma_w2, "sigma_w2", allow_zero=False)
        self.sigma_b2 = _check_variance(sigma_b2, "sigma_b2", allow_zero=True)
        if not isinstance(activation, str) or activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(_ACTIVATIONS)}; got {activation!r}")
        if not isinstance(final_activation, (bool, np.bool_)):
            raise TypeError(f"final_activation must be a bool; got {type(final_activation).__name__}")
        if dtype not in _DTYPES:
            raise TypeError(f"dtype must be torch.float32 or torch.float64; got {dtype}")
        self.activation = activation
        self.final_activation = bool(final_activation)
        self._phi = _ACTIVATIONS[activation]
        device = torch.device("cpu") if device is None else torch.device(device)
        g = _make_generator(seed, generator)
        layers = []
        for w, b in _gaussian_parameters(self.widths, self.sigma_w2, self.sigma_b2, g, dtype):
            layer = nn.utils.skip_init(nn.Linear, w.shape[1], w.shape[0], device=device, dtype=dtype)
            with torch.no_grad():
                layer.weight.copy_(w.to(device))
                layer.bias.copy_(b.to(device))
            layers.append(layer)
        self.layers = nn.ModuleList(layers)

    @property
    def depth(self) -> int:
        """Number of linear layers ``L``."""
        return len(self.layers)

    def extra_repr(self) -> str:
        return (f"widths={self.widths}, sigma_w2={self.sigma_w2:g}, sigma_b2={self.sigma_b2:g}, "
                f"activation={self.activation!r}, final_activation={self.final_activation}")

    def forward(self, x: torch.Tensor, return_preactivations: bool = False):
        """Propagate a batch ``x`` of shape ``(..., N_0)``.

        Returns the output ``a^L`` (shape ``(..., N_L)``), or ``(a^L, [h^1, ..., h^L])`` when
        ``return_preactivations`` is true. ``x`` is cast to the parameters' dtype and device.
        """
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor; got {type(x).__name__}")
        if x.ndim < 1 or x.shape[-1] != self.widths[0]:
            raise ValueError(f"x must have shape (..., {self.widths[0]}); got {tuple(x.shape)}")
        if x.is_complex():
            raise TypeError(f"x must be a real tensor; got dtype {x.dtype}")
        p = self.layers[0].weight
        a = x.to(device=p.device, dtype=p.dtype)
        pre = []
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            h = layer(a)
            if return_preactivations:
                pre.append(h)
            a = self._phi(h) if (i < last or self.final_activation) else h
        return (a, pre) if return_preactivations else a


def empirical_kernels(preactivations: Sequence[torch.Tensor]) -> torch.Tensor:
    r"""Finite-width kernels :math:`\hat q^l_{ab} = \frac1{N_l}\sum_{i=1}^{N_l} h^l_i(x_a)h^l_i(x_b)`.

    Parameters
    ----------
    preactivations : sequence of tensors of shape (B, N_l)
        Pre-activations of ``B`` inputs at each layer (equal ``B`` for all layers).

    Returns
    -------
    torch.Tensor, shape (L, B, B)
    """
    if isinstance(preactivations, torch.Tensor) or not isinstance(preactivations, Sequence) or not preactivations:
        raise TypeError("preactivations must be a non-empty list of (B, N_l) tensors")
    out = []
    for i, h in enumerate(preactivations):
        if not isinstance(h, torch.Tensor) or h.ndim != 2:
            raise ValueError(f"preactivations[{i}] must be a 2D tensor (B, N_l); got "
                             f"{getattr(h, 'shape', type(h).__name__)}")
        if h.shape[0] != preactivations[0].shape[0]:
            raise ValueError("all layers must have the same batch size B")
        out.append(h @ h.T / h.shape[1])
    return torch.stack(out)


def sample_preactivation_kernels(x, depth: int, width: int, sigma_w2: float, sigma_b2: float, seeds: Sequence[int],
                                 *, activation: str = "tanh", device: str | torch.device | None = None,
                                 dtype: torch.dtype = torch.float32) -> np.ndarray:
    """Empirical pre-activation kernels of independent random networks, one per seed.

    Each seed builds ``GaussianMLP([N_0] + [width] * depth, sigma_w2, sigma_b2, seed=seed)`` and propagates the
    inputs ``x`` (shape ``(B, N_0)``); the result, in float64, is directly comparable with
    :func:`rglib.meanfield.kernel_trajectory` applied to ``x @ x.T / N_0``.

    Returns
    -------
    ndarray, shape (len(seeds), depth, B, B)
    """
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    if not isinstance(x, torch.Tensor) or x.ndim != 2:
        raise ValueError(f"x must be a (B, N_0) tensor or array; got {getattr(x, 'shape', type(x).__name__)}")
    if isinstance(depth, (bool, np.bool_)) or not isinstance(depth, Integral) or depth < 1:
        raise ValueError(f"depth must be a positive int; got {depth!r}")
    if isinstance(width, (bool, np.bool_)) or not isinstance(width, Integral) or width < 1:
        raise ValueError(f"width must be a positive int; got {width!r}")
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence) or len(seeds) == 0:
        raise ValueError("seeds must be a non-empty sequence of ints")
    widths = [int(x.shape[1])] + [int(width)] * int(depth)
    out = []
    with torch.no_grad():
        for s in seeds:
            net = GaussianMLP(widths, sigma_w2, sigma_b2, activation=activation, seed=s, device=device, dtype=dtype)
            _, pre = net(x, return_preactivations=True)
            out.append(empirical_kernels(pre).to("cpu", torch.float64).numpy())
    return np.stack(out)


def inputs_with_gram(gram, n0: int, *, seed: int, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    r"""Random inputs ``x`` (shape ``(B, n0)``) whose Gram matrix is exactly ``x @ x.T / n0 = gram``.

    The rows are ``sqrt(n0) * L @ Q.T`` with ``L`` the Cholesky factor of ``gram`` and ``Q`` a random
    ``(n0, B)`` matrix with orthonormal columns (QR of a Gaussian matrix drawn from ``seed``), so the inputs
    point in random directions but have prescribed squared lengths :math:`|x_a|^2/n_0 = G_{aa}` and
    correlations :math:`G_{ab}/\sqrt{G_{aa}G_{bb}}`.

    Parameters
    ----------
    gram : array_like, shape (B, B)
        Symmetric positive-definite target.
    n0 : int
        Input width, ``>= B``.
    seed : int
        Seed of the random directions.
    """
    g = np.asarray(gram, dtype=np.float64)
    if g.ndim != 2 or g.shape[0] != g.shape[1]:
        raise ValueError(f"gram must be a square (B, B) matrix; got shape {g.shape}")
    if not np.all(np.isfinite(g)):
        raise ValueError("gram must be finite (no NaN or inf)")
    if not np.allclose(g, g.T):
        raise ValueError("gram must be symmetric")
    if isinstance(n0, (bool, np.bool_)) or not isinstance(n0, Integral) or n0 < g.shape[0]:
        raise ValueError(f"n0 must be an int >= B = {g.shape[0]}; got {n0!r}")
    try:
        chol = np.linalg.cholesky(g)
    except np.linalg.LinAlgError:
        raise ValueError("gram must be positive definite") from None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, Integral):
        raise TypeError(f"seed must be an int; got {type(seed).__name__}")
    rng = np.random.default_rng(int(seed))
    q, _ = np.linalg.qr(rng.standard_normal((int(n0), g.shape[0])))
    x = math.sqrt(n0) * chol @ q.T
    return torch.as_tensor(x, dtype=dtype)
