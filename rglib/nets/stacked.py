r"""Many fully connected networks of one shape as one stacked computation, with hand-written backward pass.

:class:`StackedMLP` holds ``n`` networks with equal widths ``[N_0, ..., N_L]`` as stacked tensors, weights of
shape ``(n, N_l, N_{l-1})`` and biases ``(n, N_l)`` (the ``nn.Linear`` layout with a leading network axis), and
propagates a shared input batch through all of them with batched matrix products (``torch.bmm``):

.. math::
    h^l_{k} = a^{l-1}_{k} W^{l\,T}_{k} + b^l_{k},\qquad a^l_k = \phi(h^l_k),\qquad a^0_k = x
    \qquad (k = 1,\dots,n).

:meth:`StackedMLP.sgd_step` / :meth:`StackedMLP.adam_step` do one optimiser step on the cross-entropy loss of
each network, with the gradients of :math:`\sum_k \mathcal L_k` computed by hand (no autograd): the gradient of
network ``k`` is the gradient of its own loss, so each network trains exactly as it would alone. Each layer is
updated as soon as its gradient is known (after the gradient for the layer below was computed with the old
weights), so no gradient tensors are stored; plain SGD updates the weights inside the batched matrix product.

The optimisers follow ``torch.optim.SGD`` (``dampening=0``, no Nesterov, no weight decay) and
``torch.optim.Adam`` (``amsgrad=False``, no weight decay) update for update.
This module is the engine of :func:`rglib.nets.training.train_networks`.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from .._checks import check_int, check_real_array
from .mlp import GaussianMLP, _check_variance, _check_widths, _gaussian_parameters, _make_generator

__all__ = ["StackedMLP", "as_gaussian_mlp"]

_PHI = {"tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}


def _check_device(device, name: str = "device") -> torch.device:
    """``device`` as a ``torch.device`` (None: CPU); a ValueError naming ``name`` for anything else."""
    if device is None:
        return torch.device("cpu")
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"{name} must be None, a str such as 'cpu' or 'cuda', or a torch.device; "
                        f"got {type(device).__name__}")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise ValueError(f"{name}={device!r} is not a torch device; use e.g. 'cpu' or 'cuda'") from exc


def _check_rate(value, name: str, *, upper_open: float | None = None, allow_zero: bool = False) -> float:
    """A finite real number ``> 0`` (``>= 0`` with ``allow_zero``), below ``upper_open`` if given."""
    rng = (">= 0" if allow_zero else "> 0") + (f" and < {upper_open:g}" if upper_open is not None else "")
    v = check_real_array(value, name, lower=0.0, lower_strict=not allow_zero, what=f"{name} {rng}")
    if v.ndim:
        raise ValueError(f"{name} must be a single number; got shape {v.shape}")
    if upper_open is not None and v >= upper_open:
        raise ValueError(f"{name} must satisfy {name} {rng}; got {value!r}")
    return float(v)


def _phi_backward(grad: torch.Tensor, out: torch.Tensor, activation: str) -> torch.Tensor:
    """Gradient with respect to ``h`` given the gradient with respect to ``out = phi(h)``."""
    if activation == "tanh":
        return torch.ops.aten.tanh_backward(grad, out)  # grad * (1 - out**2), as autograd computes it
    if activation == "relu":
        return grad * (out > 0)
    return grad


class StackedMLP:
    r"""``n`` networks of widths ``[N_0, ..., N_L]`` stored as stacked tensors and trained together.

    Build it with :meth:`from_networks` from :class:`~rglib.nets.mlp.GaussianMLP` objects (whose
    initialisation it copies) and get trained networks back with :meth:`to_networks`.

    Parameters
    ----------
    weights : list of tensors of shape (n, N_l, N_{l-1})
    biases : list of tensors of shape (n, N_l)
    activation : {'tanh', 'relu', 'linear'}
    final_activation : bool
        Apply the activation after the last layer too (as in the papers' code).
    softmax_output : bool
        Feed ``softmax(output)`` instead of ``output`` to the cross entropy (which applies its own
        log-softmax): the double softmax of Thurn et al.'s code.

    Examples
    --------
    >>> nets = [GaussianMLP([4, 8, 3], 1.5, 0.05, seed=s) for s in (0, 1)]
    >>> stack = StackedMLP.from_networks(nets)
    >>> x = torch.rand(5, 4)
    >>> out = stack.forward(x)
    >>> out.shape
    torch.Size([2, 5, 3])
    >>> torch.allclose(out[1], nets[1](x))
    True
    """

    def __init__(self, weights: list[torch.Tensor], biases: list[torch.Tensor], *, activation: str = "tanh",
                 final_activation: bool = True, softmax_output: bool = False) -> None:
        if activation not in _PHI:
            raise ValueError(f"activation must be one of {', '.join(_PHI)}; got {activation!r}")
        if not isinstance(weights, (list, tuple)) or not isinstance(biases, (list, tuple)) or not weights \
                or len(weights) != len(biases):
            raise ValueError("weights and biases must be non-empty lists of equal length (one entry per layer)")
        for l, (w, b) in enumerate(zip(weights, biases)):
            if not (isinstance(w, torch.Tensor) and isinstance(b, torch.Tensor)) or not (
                    w.is_floating_point() and b.is_floating_point()):
                raise TypeError(f"weights[{l}] and biases[{l}] must be floating-point torch tensors; got "
                                f"{type(w).__name__} and {type(b).__name__}")
            if w.ndim != 3 or tuple(b.shape) != (w.shape[0], w.shape[1]) or w.shape[0] != weights[0].shape[0]:
                raise ValueError(f"weights[{l}] must have shape (n, N_out, N_in) and biases[{l}] shape (n, N_out); "
                                 f"got {tuple(w.shape)} and {tuple(b.shape)}")
            if l and w.shape[2] != weights[l - 1].shape[1]:
                raise ValueError(f"weights[{l}] has fan-in {w.shape[2]} but layer {l - 1} has "
                                 f"{weights[l - 1].shape[1]} outputs")
        self.weights = weights
        self.biases = biases
        self.activation = activation
        self.final_activation = bool(final_activation)
        self.softmax_output = bool(softmax_output)
        self.state: dict[str, list[torch.Tensor]] = {}
        self.n_steps = 0

    @classmethod
    def from_networks(cls, networks: Sequence[GaussianMLP], *, device=None, softmax_output: bool = False
                      ) -> StackedMLP:
        """Stack copies of the parameters of ``networks`` (equal widths, activation and final activation)."""
        if not networks or not all(isinstance(n, GaussianMLP) for n in networks):
            raise TypeError("networks must be a non-empty sequence of GaussianMLP")
        first = networks[0]
        for i, net in enumerate(networks):
            if (net.widths, net.activation, net.final_activation) != (first.widths, first.activation,
                                                                       first.final_activation):
                raise ValueError(f"networks[{i}] differs from networks[0] in widths or activation")
        device = first.layers[0].weight.device if device is None else _check_device(device)
        stack = cls._empty(first.widths, len(networks), device, first.layers[0].weight.dtype,
                           activation=first.activation, final_activation=first.final_activation,
                           softmax_output=softmax_output)
        for k, net in enumerate(networks):
            stack._copy_in(k, net)
        return stack

    @classmethod
    def initialised(cls, widths: Sequence[int], sigma_w2: Sequence[float], sigma_b2: Sequence[float],
                    seeds: Sequence[int], *, activation: str = "tanh", final_activation: bool = True,
                    softmax_output: bool = False, device=None, dtype: torch.dtype = torch.float32) -> StackedMLP:
        """Stack of the initialisations of ``GaussianMLP(widths, sigma_w2[k], sigma_b2[k], seed=seeds[k])``,
        ``k = 0, ..., n - 1`` (the same draws, bit for bit), written into the stack one network at a time."""
        widths = _check_widths(widths)
        if dtype not in (torch.float32, torch.float64):
            raise TypeError(f"dtype must be torch.float32 or torch.float64; got {dtype}")
        for name, seq in (("sigma_w2", sigma_w2), ("sigma_b2", sigma_b2), ("seeds", seeds)):
            if isinstance(seq, (str, bytes)) or not isinstance(seq, Sequence) and not hasattr(seq, "__len__"):
                raise TypeError(f"{name} must be a sequence with one entry per network; got {type(seq).__name__}")
        if len(seeds) == 0 or not len(seeds) == len(sigma_w2) == len(sigma_b2):
            raise ValueError("sigma_w2, sigma_b2 and seeds must have one (equal) non-zero length")
        seeds = [check_int(s, f"seeds[{k}]", minimum=0) for k, s in enumerate(seeds)]
        device = _check_device(device)
        stack = cls._empty(widths, len(seeds), device, dtype, activation=activation,
                           final_activation=final_activation, softmax_output=softmax_output)
        with torch.no_grad():
            for k, seed in enumerate(seeds):
                sw = _check_variance(sigma_w2[k], f"sigma_w2[{k}]", allow_zero=False)
                sb = _check_variance(sigma_b2[k], f"sigma_b2[{k}]", allow_zero=True)
                params = _gaussian_parameters(widths, sw, sb, _make_generator(int(seed), None), dtype)
                for w_stack, b_stack, (w, b) in zip(stack.weights, stack.biases, params):
                    w_stack[k].copy_(w)
                    b_stack[k].copy_(b)
        return stack

    @classmethod
    def _empty(cls, widths: Sequence[int], n: int, device: torch.device, dtype: torch.dtype, **options
               ) -> StackedMLP:
        """Uninitialised stack of ``n`` networks of the given widths (``options``: the constructor's keywords)."""
        weights = [torch.empty(n, n_out, n_in, device=device, dtype=dtype) for n_in, n_out in
                   zip(widths[:-1], widths[1:])]
        biases = [torch.empty(n, n_out, device=device, dtype=dtype) for n_out in widths[1:]]
        return cls(weights, biases, **options)

    def _copy_in(self, k: int, net: GaussianMLP) -> None:
        with torch.no_grad():
            for w, b, layer in zip(self.weights, self.biases, net.layers):
                w[k].copy_(layer.weight)
                b[k].copy_(layer.bias)

    @property
    def n_networks(self) -> int:
        """Number of stacked networks ``n``."""
        return self.weights[0].shape[0]

    @property
    def widths(self) -> list[int]:
        """``[N_0, ..., N_L]``."""
        return [self.weights[0].shape[2]] + [w.shape[1] for w in self.weights]

    def network_parameters(self, k: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Copies ``[(W^1, b^1), ..., (W^L, b^L)]`` of network ``k``."""
        return [(w[k].clone(), b[k].clone()) for w, b in zip(self.weights, self.biases)]

    def to_networks(self, sigma_w2: Sequence[float], sigma_b2: Sequence[float], seeds: Sequence[int]
                    ) -> list[GaussianMLP]:
        """The stacked networks as ``GaussianMLP`` objects (``sigma_w2``, ``sigma_b2`` and ``seeds`` are their
        metadata; their parameters are copies of the stacked ones)."""
        return [as_gaussian_mlp(self.network_parameters(k), sigma_w2[k], sigma_b2[k], seeds[k],
                                activation=self.activation, final_activation=self.final_activation)
                for k in range(self.n_networks)]

    def select(self, keep: torch.Tensor) -> None:
        """Keep only the networks with the given (sorted) indices, parameters and optimiser state alike."""
        if not isinstance(keep, torch.Tensor) or keep.dtype != torch.int64 or keep.ndim != 1:
            raise TypeError(f"keep must be a 1-D int64 torch tensor of network indices; got {type(keep).__name__}")
        if keep.numel() and (int(keep.min()) < 0 or int(keep.max()) >= self.n_networks):
            raise ValueError(f"keep must hold indices in [0, {self.n_networks}); got {keep.tolist()}")
        keep = keep.to(self.weights[0].device)
        self.weights = [w.index_select(0, keep) for w in self.weights]
        self.biases = [b.index_select(0, keep) for b in self.biases]
        self.state = {k: [t.index_select(0, keep) for t in v] for k, v in self.state.items()}

    # ------------------------------------------------------------------ forward
    def forward(self, x: torch.Tensor, keep_activations: bool = False):
        """Outputs ``a^L`` of all networks for a shared input ``x`` of shape ``(B, N_0)``: shape ``(n, B, N_L)``.

        With ``keep_activations`` also returns ``[x, a^1, ..., a^L]`` (the inputs of every layer and the output).
        """
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            raise TypeError(f"x must be a floating-point torch tensor of shape (B, {self.widths[0]}); "
                            f"got {type(x).__name__}")
        if x.ndim != 2 or x.shape[1] != self.widths[0]:
            raise ValueError(f"x must have shape (B, {self.widths[0]}); got {tuple(x.shape)}")
        phi = _PHI[self.activation]
        last = len(self.weights) - 1
        acts = [x]
        a = x
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            if l == 0:  # shared input: one broadcast product
                h = torch.matmul(x, w.transpose(1, 2)).add_(b.unsqueeze(1))
            else:
                h = torch.baddbmm(b.unsqueeze(1), a, w.transpose(1, 2))
            a = phi(h) if (l < last or self.final_activation) else h
            if keep_activations:
                acts.append(a)
        return (a, acts) if keep_activations else a

    def _logits(self, out: torch.Tensor) -> torch.Tensor:
        return torch.softmax(out, dim=-1) if self.softmax_output else out

    def loss_and_correct(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Summed cross-entropy and number of correct argmax predictions per network, shapes ``(n,)``."""
        logits = self._logits(self.forward(x))
        logp = torch.log_softmax(logits, dim=-1)
        idx = y.view(1, -1, 1).expand(logp.shape[0], -1, 1)
        loss = -logp.gather(2, idx).squeeze(2).sum(1)
        correct = (logits.argmax(dim=-1) == y.view(1, -1)).sum(1)
        return loss, correct

    # ----------------------------------------------------------------- training
    def _output_gradients(self, x: torch.Tensor, y: torch.Tensor):
        """Forward pass and gradient of each network's mean cross entropy with respect to its pre-activation
        ``h^L``; returns ``(per-network loss, grad, activations)``."""
        out, acts = self.forward(x, keep_activations=True)
        logits = self._logits(out)
        logp = torch.log_softmax(logits, dim=-1)
        n, batch = logp.shape[0], logp.shape[1]
        idx = y.view(1, -1, 1).expand(n, -1, 1)
        loss = -logp.gather(2, idx).squeeze(2).mean(1)
        grad = logp.exp()
        grad.scatter_add_(2, idx, torch.full((n, batch, 1), -1.0, dtype=grad.dtype, device=grad.device))
        grad.div_(batch)
        if self.softmax_output:  # through s = softmax(out): ds -> s * (ds - <ds, s>)
            grad = logits * (grad - (grad * logits).sum(-1, keepdim=True))
        if self.final_activation:
            grad = _phi_backward(grad, out, self.activation)
        return loss, grad, acts

    def _backward(self, grad: torch.Tensor, acts: list[torch.Tensor], update) -> None:
        """Propagate ``grad`` (with respect to ``h^L``) down, calling ``update(l, grad_h, a_prev)`` per layer
        after the gradient for layer ``l - 1`` has been computed with the old weights."""
        for l in range(len(self.weights) - 1, -1, -1):
            a_prev = acts[l]
            grad_below = torch.bmm(grad, self.weights[l]) if l > 0 else None
            update(l, grad, a_prev)
            if l > 0:
                grad = _phi_backward(grad_below, a_prev, self.activation)

    @staticmethod
    def _weight_grad(grad: torch.Tensor, a_prev: torch.Tensor) -> torch.Tensor:
        return torch.matmul(grad.transpose(1, 2), a_prev)

    def sgd_step(self, x: torch.Tensor, y: torch.Tensor, lr: float, momentum: float = 0.0) -> torch.Tensor:
        r"""One step of SGD (with momentum :math:`\mu`: :math:`v \leftarrow \mu v + g`, :math:`\theta \leftarrow
        \theta - \eta v`) on every network; returns the per-network minibatch losses (before the step)."""
        lr = _check_rate(lr, "lr")
        momentum = _check_rate(momentum, "momentum", upper_open=1.0, allow_zero=True)
        loss, grad, acts = self._output_gradients(x, y)
        if momentum and not self.state:
            self.state = {"w": [torch.zeros_like(w) for w in self.weights],
                          "b": [torch.zeros_like(b) for b in self.biases]}

        def update(l, g, a_prev):
            w, b = self.weights[l], self.biases[l]
            a3 = a_prev if a_prev.ndim == 3 else a_prev.expand(g.shape[0], -1, -1)
            if momentum:
                vw, vb = self.state["w"][l], self.state["b"][l]
                vw.baddbmm_(g.transpose(1, 2), a3, beta=momentum)
                vb.mul_(momentum).add_(g.sum(1))
                w.add_(vw, alpha=-lr)
                b.add_(vb, alpha=-lr)
            else:
                w.baddbmm_(g.transpose(1, 2), a3, alpha=-lr)
                b.add_(g.sum(1), alpha=-lr)

        self._backward(grad, acts, update)
        self.n_steps += 1
        return loss

    def adam_step(self, x: torch.Tensor, y: torch.Tensor, lr: float, betas: tuple[float, float] = (0.9, 0.999),
                  eps: float = 1e-8) -> torch.Tensor:
        r"""One Adam step (Kingma & Ba 2015, as ``torch.optim.Adam``) on every network; returns the per-network
        minibatch losses (before the step)."""
        lr = _check_rate(lr, "lr")
        if isinstance(betas, (str, bytes)) or not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2); got {betas!r}")
        betas = tuple(_check_rate(b, "betas", upper_open=1.0, allow_zero=True) for b in betas)
        eps = _check_rate(eps, "eps")
        loss, grad, acts = self._output_gradients(x, y)
        if not self.state:
            self.state = {name: [torch.zeros_like(p) for p in params] for name, params in
                          (("mw", self.weights), ("vw", self.weights), ("mb", self.biases), ("vb", self.biases))}
        self.n_steps += 1
        beta1, beta2 = betas
        step_size = lr / (1 - beta1 ** self.n_steps)
        bias2_sqrt = math.sqrt(1 - beta2 ** self.n_steps)

        def adam(p, g, m, v):
            m.lerp_(g, 1 - beta1)
            v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            p.addcdiv_(m, (v.sqrt() / bias2_sqrt).add_(eps), value=-step_size)

        def update(l, g, a_prev):
            adam(self.weights[l], self._weight_grad(g, a_prev), self.state["mw"][l], self.state["vw"][l])
            adam(self.biases[l], g.sum(1), self.state["mb"][l], self.state["vb"][l])

        self._backward(grad, acts, update)
        return loss


def as_gaussian_mlp(parameters: Sequence[tuple[torch.Tensor, torch.Tensor]], sigma_w2: float, sigma_b2: float,
                    seed: int, *, activation: str = "tanh", final_activation: bool = True) -> GaussianMLP:
    """A ``GaussianMLP`` with the given ``[(W^1, b^1), ..., (W^L, b^L)]`` (nn.Linear layout) as parameters, on
    their device and dtype; ``sigma_w2``, ``sigma_b2`` and ``seed`` record how it was initialised."""
    if isinstance(parameters, (str, bytes)) or not isinstance(parameters, Sequence) or not parameters:
        raise TypeError(f"parameters must be a non-empty list of (weight, bias) tensor pairs; "
                        f"got {type(parameters).__name__}")
    for l, pair in enumerate(parameters):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and all(isinstance(t, torch.Tensor) for t in pair)
                and pair[0].ndim == 2 and pair[1].shape == pair[0].shape[:1]):
            raise TypeError(f"parameters[{l}] must be a pair (W of shape (N_out, N_in), b of shape (N_out,)) of "
                            "torch tensors")
    seed = check_int(seed, "seed", minimum=0)
    sigma_w2 = float(check_real_array(sigma_w2, "sigma_w2", lower=0.0, lower_strict=True))
    sigma_b2 = float(check_real_array(sigma_b2, "sigma_b2", lower=0.0))
    w0 = parameters[0][0]
    widths = [w0.shape[1]] + [w.shape[0] for w, _ in parameters]
    net = GaussianMLP(widths, sigma_w2, sigma_b2, activation=activation,
                      final_activation=final_activation, seed=seed, device=w0.device, dtype=w0.dtype)
    with torch.no_grad():
        for layer, (w, b) in zip(net.layers, parameters):
            layer.weight.copy_(w)
            layer.bias.copy_(b)
    return net
