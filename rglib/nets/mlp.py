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
:func:`rglib.nets.meanfield.kernel_trajectory` predicts.

References
----------
.. [1] B. Poole, S. Lahiri, M. Raghu, J. Sohl-Dickstein and S. Ganguli, "Exponential expressivity in deep neural
   networks through transient chaos", NeurIPS 29 (2016).
.. [2] S. S. Schoenholz, J. Gilmer, S. Ganguli and J. Sohl-Dickstein, "Deep information propagation", ICLR (2017).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from .._checks import check_bool, check_choice, check_int, check_real_array, check_real_scalar, numpy_generator

__all__ = ["MAX_PARAMETERS", "MAX_MULTIPLY_ADDS", "GaussianMLP", "MLPOutput", "empirical_kernels",
           "sample_preactivation_kernels", "inputs_with_gram"]

_ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}
_DTYPES = (torch.float32, torch.float64)
#: Largest number of parameters of a :class:`GaussianMLP` (2**30, 4 GiB in float32), checked before allocation.
MAX_PARAMETERS = 2**30
#: Largest number of multiply-adds of :func:`sample_preactivation_kernels` (about 20 minutes on one CPU core).
MAX_MULTIPLY_ADDS = 10**13


def _check_variance(value, name: str, *, allow_zero: bool) -> float:
    return check_real_scalar(value, name, lower=0.0, lower_strict=not allow_zero,
                             what=f"{name} {'>=' if allow_zero else '>'} 0 (finite)")


def _check_widths(widths) -> list[int]:
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence):
        raise TypeError(f"widths must be a sequence of ints [N_0, N_1, ..., N_L]; got {type(widths).__name__}")
    if len(widths) < 2:
        raise ValueError(f"widths must list the input width and at least one layer width; got {list(widths)}")
    out = [check_int(w, f"widths[{i}]", 1) for i, w in enumerate(widths)]
    n_par = sum((n_in + 1) * n_out for n_in, n_out in zip(out[:-1], out[1:]))
    if n_par > MAX_PARAMETERS:
        raise ValueError(f"widths = {out} give {n_par} parameters (> MAX_PARAMETERS = {MAX_PARAMETERS})")
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
    g = torch.Generator(device="cpu")
    g.manual_seed(check_int(seed, "seed", 0))
    return g


def _gaussian_parameters(widths: list[int], sigma_w2: float, sigma_b2: float, generator: torch.Generator,
                         dtype: torch.dtype):
    """Yield ``(W^l, b^l)`` for ``l = 1, ..., L`` on the generator's device, drawn in the order and scaling of
    :class:`GaussianMLP` (weights, then biases, layer by layer); shared with the stacked trainer."""
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        w = torch.randn(n_out, n_in, generator=generator, dtype=dtype, device=generator.device)
        b = torch.randn(n_out, generator=generator, dtype=dtype, device=generator.device)
        yield w.mul_(math.sqrt(sigma_w2 / n_in)), b.mul_(math.sqrt(sigma_b2))


def _gaussian_mlp_iv(widths, sigma_w2, sigma_b2, activation, final_activation, seed, generator, device, dtype):
    widths = _check_widths(widths)
    sigma_w2 = _check_variance(sigma_w2, "sigma_w2", allow_zero=False)
    sigma_b2 = _check_variance(sigma_b2, "sigma_b2", allow_zero=True)
    activation = check_choice(activation, "activation", tuple(_ACTIVATIONS))
    final_activation = check_bool(final_activation, "final_activation")
    if dtype not in _DTYPES:
        raise TypeError(f"dtype must be torch.float32 or torch.float64; got {dtype}")
    try:
        device = torch.device("cpu") if device is None else torch.device(device)
    except (TypeError, RuntimeError) as exc:
        raise TypeError(f"device must be a torch.device or a device string such as 'cpu' or 'cuda'; got {device!r}") \
            from exc
    g = _make_generator(seed, generator)
    return widths, sigma_w2, sigma_b2, activation, final_activation, g, device, dtype


class MLPOutput(NamedTuple):
    """Result of ``GaussianMLP.forward(x, return_preactivations=True)``."""

    #: The output :math:`a^L`, shape ``(..., N_L)``.
    output: torch.Tensor
    #: The pre-activations :math:`h^1, \dots, h^L`, shapes ``(..., N_l)``.
    preactivations: list[torch.Tensor]


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
    >>> net = GaussianMLP([784, 50, 50], sigma_w2=1.76, sigma_b2=0.05, seed=0, dtype=torch.float64)
    >>> out, pre = net(torch.zeros(8, 784, dtype=torch.float64), return_preactivations=True)
    >>> out.shape, [tuple(h.shape) for h in pre]
    (torch.Size([8, 50]), [(8, 50), (8, 50)])
    """

    def __init__(self, widths: Sequence[int], sigma_w2: float, sigma_b2: float, *, activation: str = "tanh",
                 final_activation: bool = True, seed: int | None = None,
                 generator: torch.Generator | None = None, device: str | torch.device | None = None,
                 dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        (self.widths, self.sigma_w2, self.sigma_b2, self.activation, self.final_activation, g, device,
         dtype) = _gaussian_mlp_iv(widths, sigma_w2, sigma_b2, activation, final_activation, seed, generator, device,
                                   dtype)
        self._phi = _ACTIVATIONS[self.activation]
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

        Returns the output ``a^L`` (shape ``(..., N_L)``), or an :class:`MLPOutput` ``(a^L, [h^1, ..., h^L])``
        when ``return_preactivations`` is true. ``x`` is cast to the parameters' dtype and device.
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
        return MLPOutput(a, pre) if return_preactivations else a


def empirical_kernels(preactivations: Sequence[torch.Tensor]) -> torch.Tensor:
    r"""Finite-width kernels :math:`\hat q^l_{ab} = \frac1{N_l}\sum_{i=1}^{N_l} h^l_i(x_a)h^l_i(x_b)`.

    Parameters
    ----------
    preactivations : sequence of tensors of shape (B, N_l)
        Pre-activations of ``B`` inputs at each layer (equal ``B`` for all layers).

    Returns
    -------
    torch.Tensor, shape (L, B, B)

    See Also
    --------
    rglib.nets.meanfield.kernel_trajectory : the infinite-width kernels.

    Examples
    --------
    >>> h = torch.tensor([[1.0, 2.0], [3.0, -1.0]])
    >>> print(empirical_kernels([h]).tolist())  # (h @ h.T) / 2
    [[[2.5, 0.5], [0.5, 5.0]]]
    """
    if isinstance(preactivations, torch.Tensor) or not isinstance(preactivations, Sequence) or not preactivations:
        raise TypeError("preactivations must be a non-empty list of (B, N_l) tensors")
    out = []
    for i, h in enumerate(preactivations):
        if not isinstance(h, torch.Tensor) or h.ndim != 2:
            raise ValueError(f"preactivations[{i}] must be a 2D tensor (B, N_l); got "
                             f"{getattr(h, 'shape', type(h).__name__)}")
        if h.is_complex() or not h.is_floating_point():
            raise TypeError(f"preactivations[{i}] must be a real floating-point tensor; got dtype {h.dtype}")
        if h.shape[0] != preactivations[0].shape[0]:
            raise ValueError(f"preactivations must all have the same batch size B = {preactivations[0].shape[0]}; "
                             f"preactivations[{i}] has {h.shape[0]}")
        out.append(h @ h.T / h.shape[1])
    return torch.stack(out)


def _as_input_batch(x) -> torch.Tensor:
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(check_real_array(x, "x"))
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a (B, N_0) torch.Tensor or numpy array; got {type(x).__name__}")
    if x.ndim != 2:
        raise ValueError(f"x must be a (B, N_0) tensor or array; got shape {tuple(x.shape)}")
    if x.is_complex() or not x.is_floating_point():
        raise TypeError(f"x must be a real floating-point tensor or array; got dtype {x.dtype}")
    if not bool(torch.isfinite(x).all()):
        raise ValueError("x must be finite (no NaN or inf)")
    return x


def _sample_preactivation_kernels_iv(x, depth, width, sigma_w2, sigma_b2, seeds, activation, device, dtype):
    x = _as_input_batch(x)
    depth = check_int(depth, "depth", 1)
    width = check_int(width, "width", 1)
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence):
        raise TypeError(f"seeds must be a non-empty sequence of ints; got {type(seeds).__name__}")
    if len(seeds) == 0:
        raise ValueError("seeds must be a non-empty sequence of ints; got an empty one")
    seeds = [check_int(s, f"seeds[{i}]", 0) for i, s in enumerate(seeds)]
    B, n0 = x.shape
    cost = len(seeds) * (B + 1) * (n0 * width + (depth - 1) * width * width)
    if cost > MAX_MULTIPLY_ADDS:
        raise ValueError(f"len(seeds) * (B + 1) * (N_0 width + (depth - 1) width**2) = {cost:.3g} multiply-adds exceed "
                         f"MAX_MULTIPLY_ADDS = {MAX_MULTIPLY_ADDS:.0e}; use fewer seeds, layers or a smaller width")
    widths = [int(n0)] + [width] * depth
    # the network arguments are checked once here, so that a bad one fails before any network is built
    _gaussian_mlp_iv(widths, sigma_w2, sigma_b2, activation, True, 0, None, device, dtype)
    return x, widths, seeds


def sample_preactivation_kernels(x, depth: int, width: int, sigma_w2: float, sigma_b2: float, seeds: Sequence[int],
                                 *, activation: str = "tanh", device: str | torch.device | None = None,
                                 dtype: torch.dtype = torch.float32) -> np.ndarray:
    """Empirical pre-activation kernels of independent random networks, one per seed.

    Each seed builds ``GaussianMLP([N_0] + [width] * depth, sigma_w2, sigma_b2, seed=seed)`` and propagates the
    inputs ``x`` (shape ``(B, N_0)``); the result, in float64, is directly comparable with
    :func:`rglib.nets.meanfield.kernel_trajectory` applied to ``x @ x.T / N_0``.

    Parameters
    ----------
    x : torch.Tensor or ndarray, shape (B, N_0)
        Inputs (finite reals).
    depth, width : int
        Number of layers and their width (``>= 1``).
    sigma_w2, sigma_b2 : float
        Weight (``> 0``) and bias (``>= 0``) variance.
    seeds : sequence of int
        One network per seed (non-negative ints); the cost, about
        ``len(seeds) * (B + 1) * (N_0 width + (depth - 1) width**2)`` multiply-adds, must not exceed
        ``MAX_MULTIPLY_ADDS`` (checked before any network is built).
    activation, device, dtype
        As in :class:`GaussianMLP`.

    Returns
    -------
    ndarray, shape (len(seeds), depth, B, B)

    See Also
    --------
    rglib.nets.meanfield.kernel_trajectory : the infinite-width limit.

    Examples
    --------
    >>> x = inputs_with_gram([[1.0, 0.5], [0.5, 1.0]], 50, seed=0)
    >>> K = sample_preactivation_kernels(x, 2, 400, 1.5, 0.05, seeds=[0, 1], dtype=torch.float64)
    >>> print(K.shape, np.round(K[:, 0, 0, 0], 2))  # layer 1: 1.5 * 1 + 0.05 = 1.55, spread 1.55 sqrt(2 / 400)
    (2, 2, 2, 2) [1.46 1.66]
    """
    x, widths, seeds = _sample_preactivation_kernels_iv(x, depth, width, sigma_w2, sigma_b2, seeds, activation,
                                                        device, dtype)
    out = []
    with torch.no_grad():
        for s in seeds:  # one independent network per seed
            net = GaussianMLP(widths, sigma_w2, sigma_b2, activation=activation, seed=s, device=device, dtype=dtype)
            _, pre = net(x, return_preactivations=True)
            out.append(empirical_kernels(pre).to("cpu", torch.float64).numpy())
    return np.stack(out)


def _inputs_with_gram_iv(gram, n0, seed, dtype):
    g = check_real_array(gram, "gram")
    if g.ndim != 2 or g.shape[0] != g.shape[1] or g.shape[0] < 1:
        raise ValueError(f"gram must be a square (B, B) matrix; got shape {g.shape}")
    if not np.allclose(g, g.T):
        raise ValueError("gram must be symmetric")
    n0 = check_int(n0, "n0", g.shape[0])
    if n0 * g.shape[0] > MAX_PARAMETERS:
        raise ValueError(f"n0 * B = {n0 * g.shape[0]} random numbers exceed {MAX_PARAMETERS}; use a smaller n0")
    try:
        chol = np.linalg.cholesky(g)
    except np.linalg.LinAlgError:
        raise ValueError("gram must be positive definite") from None
    if dtype not in _DTYPES:
        raise TypeError(f"dtype must be torch.float32 or torch.float64; got {dtype}")
    if seed is None:
        raise TypeError("seed must be a non-negative int or a numpy.random.Generator (for reproducible inputs); "
                        "got None")
    try:
        rng = numpy_generator(seed)
    except TypeError:
        raise TypeError(f"seed must be a non-negative int or a numpy.random.Generator; got {seed!r}") from None
    return chol, n0, rng


def inputs_with_gram(gram, n0: int, *, seed: int | np.random.Generator,
                     dtype: torch.dtype = torch.float64) -> torch.Tensor:
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
    seed : int or numpy.random.Generator
        Seed of the random directions, or a generator to draw them from (the same seed gives bit-identical
        inputs).
    dtype : torch.float32 or torch.float64

    Returns
    -------
    torch.Tensor, shape (B, n0)

    Examples
    --------
    >>> x = inputs_with_gram([[2.0, 0.3], [0.3, 1.0]], 6, seed=np.random.default_rng(0))
    >>> print(np.round((x @ x.T / 6).numpy(), 12).tolist())
    [[2.0, 0.3], [0.3, 1.0]]
    """
    chol, n0, rng = _inputs_with_gram_iv(gram, n0, seed, dtype)
    q, _ = np.linalg.qr(rng.standard_normal((n0, chol.shape[0])))
    x = math.sqrt(n0) * chol @ q.T
    return torch.as_tensor(x, dtype=dtype)
