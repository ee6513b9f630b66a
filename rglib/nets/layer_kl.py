r"""Relative entropy between the first layer of a deep network and each deeper layer, vectorised.

This is the estimator of Erdmenger, Grosvenor & Jefferson (2022), written as batched matrix products. Layers are
counted as in their code: for a network with ``L`` linear layers the pre-activations are
:math:`z^0 = W^0 x + b^0` and :math:`z^m = W^m\phi(z^{m-1}) + b^m`, ``m = 0 .. L-1``; ``z^m`` is
``network(x, return_preactivations=True)[1][m]`` of a :class:`~rglib.nets.mlp.GaussianMLP` (whose own 1-based
notation calls it :math:`h^{m+1}`).

**The fit.** For one input the ``N_m`` pre-activations of layer ``m`` are treated as ``N_m`` draws of one
distribution and fitted by an isotropic Gaussian :math:`q^m = \mathcal N(\mu_m\mathbf 1, \sigma_m^2 I_{N_m})` with
the mean and (``ddof=0``) variance across neurons. The reference is the fit of layer ``r`` (``r = 0`` in the
paper), :math:`p = \mathcal N(\mu_r\mathbf 1, \sigma_r^2 I_{N_r})`.

**The divergence.** The target is evaluated on the image :math:`z^m(z^r)` of the reference variables under the
network's own map :math:`F_m: z^r \mapsto z^m` (the real weights):

.. math::
    D_m = \int dz^r\,p(z^r)\ln\frac{p(z^r)}{q^m(F_m(z^r))}
        = -\tfrac{N_r}{2}\ln(2\pi e\sigma_r^2) + \tfrac{N_m}{2}\ln(2\pi\sigma_m^2)
          + \frac{1}{2\sigma_m^2}\Big\langle \sum_{i=1}^{N_m}(z^m_i - \mu_m)^2\Big\rangle_p .

The last term, :math:`\tfrac12\langle Q_m\rangle_p`, is a Monte Carlo average: ``n_mc`` draws of :math:`z^r\sim p`
are pushed through the layers (each layer's samples feed the next) and :math:`\sum_i(z^m_i-\mu_m)^2` is averaged
over them. Expanding the square gives the authors' three sums over :math:`\langle\phi_j\phi_k\rangle`,
:math:`\langle\phi_j\rangle` and :math:`(b_i-\mu_m)^2`; the batched form computes the same number with one
``(n_mc, N) @ (N, N)`` product per layer. At ``m = r`` the expectation is known exactly,
:math:`\langle Q_r\rangle_p = N_r`, so :math:`D_r = 0`. The prefactor :math:`1/(2\sigma_m^2)` is the target
variance, as in the authors' code after their fix of December 2021; ``q_variance="reference"`` reproduces the
earlier version, which divided by :math:`2\sigma_r^2`.

Because :math:`q^m\circ F_m` is not a normalised density in :math:`z^r`, :math:`D_m` is not a Kullback-Leibler
divergence between two distributions on one space: it is the cross entropy of the Gaussian :math:`q^m` under the
distribution that :math:`p` induces at layer ``m`` (the push-forward :math:`F_m\#p`), minus the entropy of
:math:`p`. Two other targets replace the single-input fit by the moments of that push-forward, measured on the
same Monte Carlo samples:

* ``target="diagonal"``: :math:`q^m = \mathcal N(\hat\mu, \operatorname{diag}\hat v)`, per-neuron means and
  variances; :math:`D_m = -H(p) + \tfrac12\sum_i\ln(2\pi e\hat v_i)`;
* ``target="full"``: :math:`q^m = \mathcal N(\hat\mu, \hat\Sigma)`, the full covariance (``n_mc > N_m``);
  :math:`D_m = -H(p) + \tfrac12\ln|2\pi e\hat\Sigma|`, by default with the Wishart correction of the bias of
  :math:`\ln|\hat\Sigma|` (``debias_log_det``).

For moment-matched targets the cross entropy is the smallest over all Gaussians, and (with the plug-in
:math:`\hat\Sigma`) the three targets are related exactly by
:math:`D^{\rm iso}_m = D^{\rm full}_m + D\big(\mathcal N(\hat\mu,\hat\Sigma)\,\|\,q^m_{\rm iso}\big)` and
:math:`D^{\rm diag}_m = D^{\rm full}_m + D\big(\mathcal N(\hat\mu,\hat\Sigma)\,\|\,\mathcal N(\hat\mu,
\operatorname{diag}\hat\Sigma)\big)`.

**Mean-field limit.** For a random network of infinite width the fitted variances follow the length map,
:math:`\sigma_m^2\to q^m` with :math:`q^0 = \sigma_w^2|x|^2/N_0 + \sigma_b^2`, the means vanish, and the Monte
Carlo samples follow the same map, so :math:`\langle Q_m\rangle_p/N\to q^m` and

.. math::
    \frac{D_m}{N} \to \tfrac12\ln\frac{q^m}{q^0}

(:func:`mean_field_layer_kl`).

References
----------
.. [1] J. Erdmenger, K. T. Grosvenor, R. Jefferson, "Towards quantifying information flows: relative entropy in
   deep neural networks and the renormalization group", SciPost Phys. 12, 041 (2022), arXiv:2107.06898; code
   ``ro-jefferson/entropy_dnn`` (``Relative_Entropy.ipynb``).
.. [2] S. S. Schoenholz, J. Gilmer, S. Ganguli, J. Sohl-Dickstein, "Deep information propagation", ICLR (2017).
.. [3] N. R. Goodman, "The distribution of the determinant of a complex Wishart distributed matrix", Ann. Math.
   Stat. 34, 178 (1963) (the expectation of the log-determinant of a Wishart matrix).
"""
from __future__ import annotations

import math
from numbers import Integral
from typing import NamedTuple

import numpy as np
import torch
from scipy.special import digamma

from .._checks import check_device, check_int, check_real_array, check_real_scalar
from . import meanfield as mf
from .finite_width import metric_covariance
from .mlp import GaussianMLP

__all__ = [
    "LayerFits",
    "LayerKL",
    "isotropic_fits",
    "isotropic_entropy",
    "first_layer_variance",
    "layer_kl_divergence",
    "mean_field_layer_kl",
    "mean_field_kl_spread",
    "log_det_bias",
    "MAX_KL_MULTIPLY_ADDS",
]

#: Largest number of multiply-adds :func:`layer_kl_divergence` accepts (inputs x samples x weights).
MAX_KL_MULTIPLY_ADDS = 10**13

_PHI = {"tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}
#: Smallest 1 - c that target='diagonal' trusts: 1 - q12/q11 has an absolute error of a few 1e-16.
_MIN_ONE_MINUS_C = 1e-10
#: Deepest network of :func:`mean_field_kl_spread` (as :func:`rglib.nets.finite_width.metric_covariance`).
_MAX_COVARIANCE_LAYERS = 2_000
_TARGETS = ("isotropic", "diagonal", "full")


class LayerFits(NamedTuple):
    """Isotropic Gaussian fit of every layer's pre-activations, one fit per input (:func:`isotropic_fits`)."""

    mean: np.ndarray  #: ``(..., L)`` mean of ``z^m`` across the neurons of layer ``m``
    variance: np.ndarray  #: ``(..., L)`` variance (``ddof=0``) of ``z^m`` across the neurons of layer ``m``
    widths: np.ndarray  #: ``(L,)`` int, the widths ``N_m``


class LayerKL(NamedTuple):
    r"""Result of :func:`layer_kl_divergence`; arrays have shape ``(L,)`` for one input, ``(B, L)`` for ``B`` inputs.

    ``kl = -entropy_reference + log_det_term + q_term`` layer by layer; entries of layers before the reference
    layer are NaN.
    """

    kl: np.ndarray  #: ``D_m`` in nats (0 at the reference layer)
    entropy_reference: np.ndarray  #: ``H(p) = N_r ln(2 pi e sigma_r^2) / 2``, shape ``()`` or ``(B,)``
    log_det_term: np.ndarray  #: ``ln det(2 pi Sigma_q) / 2`` of the target of each layer
    q_term: np.ndarray  #: the Monte Carlo term ``<Q_m>_p / 2`` (``N_m / 2`` for moment-matched targets)
    q_term_error: np.ndarray  #: standard error of ``q_term`` from the spread of the samples (0 where exact)
    fits: LayerFits  #: the isotropic fits of the input(s): mean and variance of every layer
    widths: np.ndarray  #: ``(L,)`` int, the widths ``N_m``
    reference_layer: int  #: the reference layer ``r``
    target: str  #: 'isotropic', 'diagonal' or 'full'
    n_mc: int  #: Monte Carlo samples per input


def isotropic_entropy(width, variance):
    r"""Entropy :math:`\tfrac{N}{2}\ln(2\pi e\,\sigma^2)` of :math:`\mathcal N(\mu\mathbf 1, \sigma^2 I_N)`, in nats.

    Erdmenger et al. divide their relative entropies by ``isotropic_entropy(784, sigma_w2)``: the entropy of a
    784-wide layer *with the weight variance* (not the measured variance of the reference layer).

    Examples
    --------
    >>> round(isotropic_entropy(784, 1.5), 1)            # the normaliser of their sigma_w^2 = 1.5 curve
    1271.4
    """
    n = check_real_array(width, "width", lower=0, lower_strict=True)
    v = check_real_array(variance, "variance", lower=0, lower_strict=True)
    out = 0.5 * n * np.log(2.0 * math.pi * math.e * v)
    return float(out) if out.ndim == 0 else out


def first_layer_variance(x, sigma_w2, sigma_b2):
    r"""Mean-field variance of the first pre-activation layer for input ``x``: :math:`q^0 = \sigma_w^2|x|^2/N_0
    + \sigma_b^2`, for ``x`` of shape ``(N_0,)`` or ``(B, N_0)``.

    Examples
    --------
    >>> first_layer_variance(np.ones(4), 2.0, 0.05)
    2.05
    """
    xa = check_real_array(x, "x")
    if xa.ndim not in (1, 2) or xa.shape[-1] == 0:
        raise ValueError(f"x must have shape (N_0,) or (B, N_0); got {xa.shape}")
    sw = check_real_array(sigma_w2, "sigma_w2", lower=0, lower_strict=True)
    sb = check_real_array(sigma_b2, "sigma_b2", lower=0)
    try:
        out = sw * np.mean(xa * xa, axis=-1) + sb
    except ValueError:
        raise ValueError(f"sigma_w2 {sw.shape}, sigma_b2 {sb.shape} and the inputs of x {xa.shape[:-1]} must "
                         f"broadcast together") from None
    return float(out) if out.ndim == 0 else out


def log_det_bias(dim: int, n_samples: int) -> float:
    r"""Expected bias :math:`\mathbb E\ln|\hat\Sigma| - \ln|\Sigma|` of the plug-in (``ddof=0``) covariance of
    ``n_samples`` Gaussian vectors of dimension ``dim``:

    .. math::
        \sum_{i=1}^{d}\psi\Big(\frac{\nu-i+1}{2}\Big) + d\ln\frac{2}{\nu} + d\ln\frac{\nu}{n},\qquad \nu = n-1,

    from :math:`\nu\hat\Sigma_{\rm unbiased}\sim\mathrm{Wishart}(\Sigma,\nu)` (Goodman 1963, see the module
    references). Requires ``n_samples > dim``.

    Examples
    --------
    >>> round(log_det_bias(1, 10**6), 5)        # one dimension, many samples: almost no bias
    -0.0
    >>> log_det_bias(784, 2000) < -100          # 784 dimensions from 2000 samples: a large one
    True
    """
    d = check_int(dim, "dim")
    n = check_int(n_samples, "n_samples", minimum=d + 2)
    nu = n - 1
    return float(np.sum(digamma((nu - np.arange(d)) / 2.0)) + d * math.log(2.0 / nu) + d * math.log(nu / n))


def _check_network(network) -> GaussianMLP:
    if not isinstance(network, GaussianMLP):
        raise TypeError(f"network must be a rglib.nets.GaussianMLP; got {type(network).__name__}")
    return network


def _as_input(x, network: GaussianMLP, device, dtype) -> tuple[torch.Tensor, bool]:
    if isinstance(x, np.ndarray):
        if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
            raise TypeError(f"x must hold real numbers; got dtype {x.dtype}")
        x = torch.from_numpy(np.ascontiguousarray(x))
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a numpy array or a torch tensor; got {type(x).__name__}")
    if x.is_complex() or x.dtype == torch.bool:
        raise TypeError(f"x must hold real numbers; got dtype {x.dtype}")
    n0 = network.widths[0]
    if x.ndim not in (1, 2) or x.shape[-1] != n0 or (x.ndim == 2 and x.shape[0] == 0):
        raise ValueError(f"x must have shape ({n0},) or (B, {n0}) to match the network's input width; "
                         f"got {tuple(x.shape)}")
    if not bool(torch.isfinite(x).all()):
        raise ValueError("x must be finite (no NaN or inf)")
    single = x.ndim == 1
    return x.reshape(-1, n0).to(device=device, dtype=dtype), single


def _generator(seed) -> torch.Generator:
    """A CPU torch.Generator from an int, None, a numpy Generator or a torch Generator (returned as is)."""
    if isinstance(seed, torch.Generator):
        return seed
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**63))
    elif seed is None:
        seed = int(np.random.default_rng().integers(2**63))
    elif isinstance(seed, (bool, np.bool_)) or not isinstance(seed, Integral) or seed < 0:
        raise TypeError(f"seed must be None, a non-negative int, a numpy.random.Generator or a torch.Generator; "
                        f"got {seed!r}")
    g = torch.Generator(device="cpu")
    g.manual_seed(int(seed))
    return g


def isotropic_fits(network: GaussianMLP, x, *, device=None, dtype=None) -> LayerFits:
    r"""Mean and variance across neurons of every pre-activation layer of ``network`` for input(s) ``x``.

    Parameters
    ----------
    network : GaussianMLP
    x : array or tensor, shape (N_0,) or (B, N_0)
    device, dtype : where and in which precision to run (default: the network's)

    Returns
    -------
    LayerFits
        ``mean`` and ``variance`` of shape ``(L,)`` or ``(B, L)`` (float64), ``widths``.

    Examples
    --------
    >>> net = GaussianMLP([784, 784, 784], 1.5, 0.05, seed=0, dtype=torch.float64)
    >>> fits = isotropic_fits(net, torch.full((784,), 0.5, dtype=torch.float64))
    >>> fits.variance.round(2)     # mean field: 0.425 and 0.418, up to fluctuations of relative size ~ (2/784)**0.5
    array([0.46, 0.45])
    """
    net = _check_network(network)
    p = net.layers[0].weight
    device = p.device if device is None else check_device(device)
    dtype = p.dtype if dtype is None else dtype
    if dtype not in (torch.float32, torch.float64):
        raise TypeError(f"dtype must be torch.float32 or torch.float64; got {dtype}")
    xb, single = _as_input(x, net, device, dtype)
    weights, biases = _parameters(net, device, dtype)
    phi = _PHI[net.activation]
    means, variances = [], []
    with torch.no_grad():
        a = xb
        for m, (w, b) in enumerate(zip(weights, biases)):
            z = a @ w.T + b if m == 0 else phi(a) @ w.T + b
            means.append(z.double().mean(-1))
            variances.append(z.double().var(-1, unbiased=False))
            a = z
    mean = torch.stack(means, -1).cpu().numpy()
    var = torch.stack(variances, -1).cpu().numpy()
    widths = np.array(net.widths[1:], dtype=np.int64)
    if single:
        mean, var = mean[0], var[0]
    return LayerFits(mean=mean, variance=var, widths=widths)


def _parameters(net: GaussianMLP, device, dtype):
    weights = [layer.weight.detach().to(device=device, dtype=dtype) for layer in net.layers]
    biases = [layer.bias.detach().to(device=device, dtype=dtype) for layer in net.layers]
    return weights, biases


def _check_choice(value, name: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(repr(a) for a in allowed)}; got {value!r}")
    return value


def layer_kl_divergence(network: GaussianMLP, x, *, n_mc: int = 1000, seed=None, reference_layer: int = 0,
             target: str = "isotropic", q_variance: str = "target", debias_log_det: bool = True,
             reference_samples=None, device=None, dtype=None, max_elements: int = 2**24,
             progress: bool = False) -> LayerKL:
    r"""Relative entropy :math:`D(p^r\|q^m)` between the reference layer ``r`` and every deeper layer ``m``.

    See the module docstring for the definition. Everything is batched: the ``n_mc`` Monte Carlo samples of all
    inputs in a chunk go through each layer in one matrix product; there is no loop over samples or neurons.

    Parameters
    ----------
    network : GaussianMLP
        The network with its actual (trained or random) weights.
    x : array or tensor, shape (N_0,) or (B, N_0)
        One input (the paper: one validation image) or ``B`` inputs, each treated separately.
    n_mc : int
        Monte Carlo samples of the reference per input (the paper: 1000).
    seed : int, numpy.random.Generator, torch.Generator or None
        Seed of the Monte Carlo draws. The draws are made on the CPU, input after input, so the result does not
        depend on ``device`` or ``max_elements`` beyond floating-point rounding.
    reference_layer : int
        ``r``, between 0 and ``L - 1`` (the paper: 0).
    target : {'isotropic', 'diagonal', 'full'}
        The single-input isotropic fit (the paper), or the per-neuron or full Gaussian moments of the pushed-
        forward samples (``'full'`` needs ``n_mc > N_m`` for every layer ``m > r``).
    q_variance : {'target', 'reference'}
        Prefactor of the Monte Carlo term, :math:`1/(2\sigma_m^2)` (the corrected code) or
        :math:`1/(2\sigma_r^2)` (the code before December 2021). Only for ``target='isotropic'``.
    debias_log_det : bool
        For ``target='full'``: subtract the Gaussian bias :func:`log_det_bias` from :math:`\ln|\hat\Sigma|`.
    reference_samples : array or tensor, shape (n_mc, N_r) or (B, n_mc, N_r), optional
        Use these reference samples instead of drawing them (then ``n_mc`` and ``seed`` are ignored).
    device, dtype
        Where and in which precision to push the samples (default: the network's parameters). Sums are
        accumulated in float64.
    max_elements : int
        Largest number of sample entries held at once (inputs are processed in chunks; memory only).
    progress : bool
        Show a tqdm bar over the chunks of inputs.

    Returns
    -------
    LayerKL

    Examples
    --------
    >>> net = GaussianMLP([784] * 6, sigma_w2=2.0, sigma_b2=0.05, seed=0)
    >>> x = torch.full((784,), 0.3)
    >>> res = layer_kl_divergence(net, x, n_mc=200, seed=1)
    >>> res.kl.shape, float(res.kl[0])
    ((5,), 0.0)
    >>> q0 = first_layer_variance(x.numpy(), 2.0, 0.05)
    >>> bool(np.all(np.abs(res.kl / 784 - mean_field_layer_kl(q0, 5, 2.0, 0.05)) < 0.05))   # width 784
    True
    """
    net = _check_network(network)
    n_layers = net.depth
    r = check_int(reference_layer, "reference_layer", minimum=0, maximum=n_layers - 1)
    target = _check_choice(target, "target", _TARGETS)
    q_variance = _check_choice(q_variance, "q_variance", ("target", "reference"))
    if q_variance == "reference" and target != "isotropic":
        raise ValueError("q_variance='reference' applies to target='isotropic' only")
    for name, flag in (("debias_log_det", debias_log_det), ("progress", progress)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be a bool; got {type(flag).__name__}")
    max_elements = check_int(max_elements, "max_elements")
    p = net.layers[0].weight
    device = p.device if device is None else check_device(device)
    dtype = p.dtype if dtype is None else dtype
    if dtype not in (torch.float32, torch.float64):
        raise TypeError(f"dtype must be torch.float32 or torch.float64; got {dtype}")
    xb, single = _as_input(x, net, device, dtype)
    n_inputs = xb.shape[0]
    widths = np.array(net.widths[1:], dtype=np.int64)
    n_ref = int(widths[r])

    given = None
    if reference_samples is not None:
        given = reference_samples
        if isinstance(given, np.ndarray):
            given = torch.from_numpy(np.ascontiguousarray(given))
        if not isinstance(given, torch.Tensor) or given.is_complex() or not given.is_floating_point():
            raise TypeError("reference_samples must be a real floating-point array or tensor")
        if given.ndim == 2:
            given = given.unsqueeze(0).expand(n_inputs, -1, -1)
        if given.ndim != 3 or given.shape[0] != n_inputs or given.shape[2] != n_ref or given.shape[1] < 2:
            raise ValueError(f"reference_samples must have shape (n_mc, {n_ref}) or ({n_inputs}, n_mc, {n_ref}) "
                             f"with n_mc >= 2; got {tuple(given.shape)}")
        if not bool(torch.isfinite(given).all()):
            raise ValueError("reference_samples must be finite (no NaN or inf)")
        n_mc = int(given.shape[1])
        gen = None
    else:
        n_mc = check_int(n_mc, "n_mc", minimum=2)
        gen = _generator(seed)
    weights_after = sum(int(a) * int(b) for a, b in zip(widths[r:-1], widths[r + 1:]))
    if n_inputs * n_mc * weights_after > MAX_KL_MULTIPLY_ADDS:
        raise ValueError(f"n_mc = {n_mc} samples for {n_inputs} inputs need {n_inputs * n_mc * weights_after:.2e} "
                         f"multiply-adds (> MAX_KL_MULTIPLY_ADDS = {MAX_KL_MULTIPLY_ADDS:.0e}); use fewer samples "
                         "or inputs")
    if target == "full" and r < n_layers - 1 and n_mc <= int(widths[r + 1:].max()) + 1:
        raise ValueError(f"target='full' needs n_mc > N_m + 1 for every layer after the reference (largest "
                         f"width {int(widths[r + 1:].max())}); got n_mc = {n_mc}")

    fits = isotropic_fits(net, xb, device=device, dtype=dtype)
    mean, var = fits.mean, fits.variance  # (B, L)
    if np.any(var <= 0):
        raise ValueError("a layer has zero variance across its neurons for some input; the isotropic fit is "
                         "degenerate")
    h_ref = 0.5 * n_ref * np.log(2 * math.pi * math.e * var[:, r])
    log_det = np.full((n_inputs, n_layers), np.nan)
    q_term = np.full((n_inputs, n_layers), np.nan)
    q_err = np.full((n_inputs, n_layers), np.nan)
    log_det[:, r] = 0.5 * n_ref * np.log(2 * math.pi * var[:, r])
    q_term[:, r] = 0.5 * n_ref  # <Q_r>_p = N_r exactly
    q_err[:, r] = 0.0

    weights, biases = _parameters(net, device, dtype)
    phi = _PHI[net.activation]
    chunk = max(1, max_elements // (n_mc * int(widths[r:].max())))
    starts = range(0, n_inputs, chunk)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(starts), desc="layer KL", unit="chunk")
    mu_t = torch.as_tensor(mean, device=device)
    var_t = torch.as_tensor(var, device=device)
    with torch.no_grad():
        for s in starts:
            idx = slice(s, min(s + chunk, n_inputs))
            nb = idx.stop - idx.start
            if given is not None:
                z = given[idx].to(device=device, dtype=dtype)
            else:
                eps = torch.stack([torch.randn(n_mc, n_ref, generator=gen, dtype=torch.float64)
                                   for _ in range(nb)])
                z = (mu_t[idx, r].view(nb, 1, 1).cpu() + var_t[idx, r].sqrt().view(nb, 1, 1).cpu() * eps)
                z = z.to(device=device, dtype=dtype)
            for m in range(r + 1, n_layers):
                n_m = int(widths[m])
                flat = phi(z).reshape(nb * n_mc, -1)
                z = torch.addmm(biases[m], flat, weights[m].T).reshape(nb, n_mc, n_m)
                if target == "isotropic":
                    dev2 = (z - mu_t[idx, m].view(nb, 1, 1).to(dtype)).square().sum(-1).double()  # (nb, n_mc)
                    denom = var_t[idx, m] if q_variance == "target" else var_t[idx, r]
                    q_mean = dev2.mean(-1) / (2 * denom)
                    q_sd = dev2.std(-1) / (2 * denom) / math.sqrt(n_mc)
                    q_term[idx, m] = q_mean.cpu().numpy()
                    q_err[idx, m] = q_sd.cpu().numpy()
                    log_det[idx, m] = (0.5 * n_m * np.log(2 * math.pi * var[idx, m]))
                else:
                    zd = z.double()
                    centred = zd - zd.mean(1, keepdim=True)
                    if target == "diagonal":
                        v = centred.square().mean(1)  # (nb, N_m)
                        ld = torch.log(2 * math.pi * v).sum(-1)
                    else:
                        cov = centred.transpose(1, 2) @ centred / n_mc
                        sign, logabs = torch.linalg.slogdet(cov)
                        if bool((sign <= 0).any()):
                            raise ValueError("the sample covariance of the pushed-forward samples is singular; "
                                             "raise n_mc")
                        ld = n_m * math.log(2 * math.pi) + logabs
                        if debias_log_det:
                            ld = ld - log_det_bias(n_m, n_mc)
                    log_det[idx, m] = 0.5 * ld.cpu().numpy()
                    q_term[idx, m] = 0.5 * n_m
                    q_err[idx, m] = 0.0
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    kl = -h_ref[:, None] + log_det + q_term
    kl[:, r] = 0.0
    if single:
        kl, log_det, q_term, q_err, h_ref = kl[0], log_det[0], q_term[0], q_err[0], h_ref[0]
        fits = LayerFits(mean=mean[0], variance=var[0], widths=widths)
    return LayerKL(kl=kl, entropy_reference=np.asarray(h_ref), log_det_term=log_det, q_term=q_term,
                   q_term_error=q_err, fits=fits, widths=widths, reference_layer=r, target=target, n_mc=n_mc)


def mean_field_layer_kl(q0, depth: int, sigma_w2, sigma_b2, *, activation: str = "tanh",
                        target: str = "isotropic", q_variance: str = "target") -> np.ndarray:
    r"""Infinite-width limit of :func:`layer_kl_divergence` per neuron, :math:`D_m/N`, for a random network of
    constant width.

    With :math:`q^m` the length map started at the reference variance ``q0`` (:func:`first_layer_variance` for
    reference layer 0):

    * ``target='isotropic'``: :math:`\tfrac12\ln(q^m/q^0)`; with ``q_variance='reference'`` (the code before
      December 2021) :math:`\tfrac12[\ln(q^m/q^0) - 1 + q^m/q^0]`;
    * ``target='diagonal'``: :math:`\tfrac12\ln\big(q^m(1-c^m)/q^0\big)`, where :math:`c^m` is the correlation
      between two independent Monte Carlo samples at layer ``m`` (two-input kernel map started from
      :math:`c^0 = 0`): the per-neuron variance across samples is :math:`q^m(1-c^m)`. Neuron-to-neuron
      spread of these variances is neglected (it lowers the sampled value; exact only for
      :math:`N\to\infty` followed by many samples).

    Parameters
    ----------
    q0 : array_like
        Reference variance(s) :math:`q^0 > 0`; an array gives one curve per entry.
    depth : int
        Number of layers ``L`` (curves for ``m = 0 .. L-1``).
    sigma_w2, sigma_b2 : float
    activation : {'tanh', 'relu'}
    target : {'isotropic', 'diagonal'}
    q_variance : {'target', 'reference'}

    Returns
    -------
    ndarray, shape q0.shape + (depth,)

    Examples
    --------
    >>> from rglib.nets import fixed_point_q
    >>> d = mean_field_layer_kl(0.2, 40, 1.5, 0.05)
    >>> round(float(d[-1]), 4), round(float(0.5 * np.log(fixed_point_q(1.5, 0.05) / 0.2)), 4)  # 1/2 ln(q*/q0)
    (0.3686, 0.3686)
    """
    q0a = check_real_array(q0, "q0", lower=0, lower_strict=True)
    depth = check_int(depth, "depth")
    target = _check_choice(target, "target", ("isotropic", "diagonal"))
    q_variance = _check_choice(q_variance, "q_variance", ("target", "reference"))
    sw = check_real_scalar(sigma_w2, "sigma_w2", lower=0, lower_strict=True)
    sb = check_real_scalar(sigma_b2, "sigma_b2", lower=0)
    if target == "diagonal" and depth * q0a.size > mf.MAX_PAIR_EVALUATIONS:
        raise ValueError(f"target='diagonal' evaluates the kernel map depth * q0.size = {depth * q0a.size} times, "
                         f"more than MAX_PAIR_EVALUATIONS = {mf.MAX_PAIR_EVALUATIONS}; use fewer layers or q0 values")
    q = mf.q_trajectory(q0a, depth - 1, sw, sb, activation=activation)  # (depth, ...)
    ratio = np.moveaxis(q, 0, -1) / q0a[..., None]
    if target == "isotropic":
        out = 0.5 * np.log(ratio)
        if q_variance == "reference":
            out = out + 0.5 * (ratio - 1.0)
        return out
    if q_variance == "reference":
        raise ValueError("q_variance='reference' applies to target='isotropic' only")
    flat = q0a.reshape(-1)
    qaa = flat.copy()
    qab = np.zeros_like(flat)
    one_minus_c = [np.ones_like(flat)]
    for _ in range(depth - 1):
        qaa, _, qab = mf.kernel_map(qaa, qaa, qab, sw, sb, activation=activation)
        qaa, qab = np.asarray(qaa, dtype=float), np.asarray(qab, dtype=float)
        one_minus_c.append(1.0 - qab / qaa)
        if np.any(one_minus_c[-1] < _MIN_ONE_MINUS_C):
            raise ValueError(f"at layer {len(one_minus_c)} of depth = {depth} the two inputs' correlation c is within "
                             f"{_MIN_ONE_MINUS_C:g} of 1, below the precision of 1 - c from the kernel map (ordered "
                             f"phase, sigma_w2 = {sw:g}); ask for fewer layers or use target='isotropic'")
    omc = np.stack(one_minus_c, -1).reshape(q0a.shape + (depth,))
    return 0.5 * np.log(ratio * omc)


def mean_field_kl_spread(q0, depth: int, width: int, sigma_w2, sigma_b2, *, reference_vertex=0.0) -> np.ndarray:
    r"""Leading-order standard deviation of :math:`D_m/N` over random tanh networks of width ``N`` (isotropic
    target, reference layer 0, many Monte Carlo samples).

    Write the fitted reference variance as :math:`\sigma_0^2 = q^0(1+\varepsilon_0)`, the target fit as
    :math:`\sigma_m^2 = q^m(1+\varepsilon_m)` and the Monte Carlo average as
    :math:`\langle Q_m\rangle_p/N = q^m(1+\eta_m)`. Then :math:`D_m/N = \frac12\ln\frac{q^m}{q^0}
    + \frac12(\eta_m-\varepsilon_0) + O(1/N)`: the target variance drops out at first order (the fit
    minimises the cross entropy). :math:`\varepsilon_0` is a chi-square fluctuation of variance :math:`2/N`
    (plus the normalised four-point vertex ``reference_vertex`` when the reference is a deeper layer, whose
    variance itself fluctuates from network to network); the samples start from :math:`\sigma_0^2`, so
    :math:`\eta_m` inherits it with the elasticity
    :math:`g_m = \frac{\partial q^m}{\partial q^0}\frac{q^0}{q^m}` of the length map, plus the
    network-to-network fluctuation of the metric shared by two independent samples (their covariance from
    :func:`~rglib.nets.finite_width.metric_covariance`, started at :math:`K^0 = \mathrm{diag}(q^0, q^0)`), plus
    the sampling noise of the ``N`` neurons of layer ``m`` itself, which two samples share in proportion to
    their mean-field correlation :math:`c^m = K^m_{ab}/K^m_{aa}`:

    .. math::
        \operatorname{sd}\Big(\frac{D_m}{N}\Big) \simeq \frac12\Big[(1-g_m)^2\,\Big(\frac{2}{N}+r_{\rm ref}\Big)
          + \frac{\operatorname{Cov}(\hat G^m_a,\hat G^m_b)}{(q^m)^2} + \frac{2(c^m)^2}{N}\Big]^{1/2}.

    Parameters
    ----------
    q0 : float
        Mean-field variance of the reference layer.
    depth : int
        Number of layers from the reference on (the result has this length; entry 0 is the reference).
    width : int
        Common width ``N`` of the layers.
    sigma_w2, sigma_b2 : float
    reference_vertex : float
        :math:`r_{\rm ref}`, the normalised four-point vertex of the reference layer
        (:func:`~rglib.nets.finite_width.vertex_recursion`); 0 for the first layer.

    Returns
    -------
    ndarray, shape (depth,)

    Examples
    --------
    >>> sd = mean_field_kl_spread(0.2, 30, 784, 2.5, 0.05)
    >>> float(sd[0]), round(float(sd[-1] * np.sqrt(784)), 2)   # deep layers: a little above 1/sqrt(2) = 0.71
    (0.0, 0.78)
    """
    q = check_real_scalar(q0, "q0", lower=0, lower_strict=True)
    depth = check_int(depth, "depth", 1, _MAX_COVARIANCE_LAYERS)  # via metric_covariance
    width = check_int(width, "width")
    r_ref = check_real_scalar(reference_vertex, "reference_vertex", lower=0)
    mc = metric_covariance((q, q, 0.0), depth, width, sigma_w2, sigma_b2)
    qm = mc.kernel[:, 0]
    elasticity = np.concatenate([[1.0], np.cumprod(mc.chi_parallel[:-1, 0])]) * q / qm
    corr = mc.kernel[:, 2] / qm
    var = 0.25 * ((1.0 - elasticity) ** 2 * (2.0 / width + r_ref) + mc.covariance[:, 2] / qm ** 2
                  + 2.0 * corr ** 2 / width)
    return np.sqrt(var)
