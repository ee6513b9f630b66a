r"""Finite-width non-Gaussianity of random networks: the four-point vertex, measured and predicted to order 1/n.

For one input, the pre-activations of a random fully connected network (:math:`W_{ij}\sim\mathcal N(0,
\sigma_w^2/n_{\ell-1})`, :math:`b_i\sim\mathcal N(0,\sigma_b^2)`) are exactly Gaussian *given the layer below*:
:math:`z^{\ell}_i\mid z^{\ell-1}\sim\mathcal N(0,\hat G^{\ell})` independently for every neuron, with the
stochastic metric :math:`\hat G^{\ell} = \sigma_b^2 + \frac{\sigma_w^2}{n_{\ell-1}}\sum_j\phi(z^{\ell-1}_j)^2`.
Over the ensemble of networks each neuron is therefore a Gaussian scale mixture, and all of its non-Gaussianity
at order :math:`1/n` is the variance of :math:`\hat G`. In Roberts, Yaida & Hanin's notation the connected
four-point function is :math:`\mathbb E[z_iz_jz_kz_l]_c = \frac{1}{n_{\ell-1}}(\delta_{ij}\delta_{kl} +
\delta_{ik}\delta_{jl} + \delta_{il}\delta_{jk})V^{(\ell)}`, so that

.. math::
    r^{\ell} \equiv \frac{V^{(\ell)}}{n_{\ell-1}(G^{\ell})^2}
    = \frac{\operatorname{Var}\hat G^{\ell}}{(G^{\ell})^2}
    = \frac{\mathbb E[z_i^2z_j^2]_{i\ne j}}{\mathbb E[z_i^2]^2} - 1,\qquad
    \kappa^{\ell} = \frac{\mathbb E z_i^4}{(\mathbb E z_i^2)^2} - 3 = 3 r^{\ell},

the normalised four-point vertex and the excess kurtosis of one neuron (:func:`four_point_vertex` estimates both).

**Leading order.** Conditioning layer :math:`\ell+1` on layer :math:`\ell` and using that neurons of layer
:math:`\ell` are independent given :math:`\hat G^\ell` gives, to leading order in :math:`1/n`
(:func:`vertex_recursion`),

.. math::
    G^{\ell+1} = \sigma_b^2 + \sigma_w^2\langle\phi^2\rangle_{G^\ell},\qquad
    \operatorname{Var}\hat G^{\ell+1} = \frac{\sigma_w^4}{n_\ell}\Big[\langle\phi^4\rangle_{G^\ell}
      - \langle\phi^2\rangle_{G^\ell}^2\Big] + \chi_\parallel(G^\ell)^2\operatorname{Var}\hat G^{\ell},

with :math:`\chi_\parallel(G) = \sigma_w^2\,d\langle\phi^2\rangle_G/dG = \sigma_w^2\langle\phi'^2+\phi\phi''
\rangle_G` the slope of the length map and :math:`\operatorname{Var}\hat G^1 = 0` (the first layer is exactly
Gaussian). At a critical point where also :math:`\chi_\parallel\to1` the vertex grows linearly with depth:
:math:`r^\ell\simeq\frac{2}{3}\frac{\ell}{n}` for tanh at :math:`(\sigma_w^2,\sigma_b^2)=(1,0)` and
:math:`r^\ell = 5\frac{\ell-1}{n}` for ReLU at :math:`(2,0)`. For ReLU with :math:`\sigma_b^2=0` the whole
distribution of :math:`\hat G^\ell/\hat G^{\ell-1}` is known, which gives the exact
:math:`r^\ell = \prod_{k<\ell}(1+5/n_k) - 1` (:func:`relu_vertex_exact`).

**Two inputs.** The same argument for the metrics :math:`\hat G_a,\hat G_b` of two inputs with mean-field
kernel :math:`K^\ell` gives (:func:`metric_covariance`)

.. math::
    \operatorname{Cov}(\hat G^{\ell+1}_a,\hat G^{\ell+1}_b) = \frac{\sigma_w^4}{n_\ell}
      \operatorname{Cov}_{K^\ell}\big(\phi(u_a)^2,\phi(u_b)^2\big)
      + \chi_\parallel(K^\ell_{aa})\chi_\parallel(K^\ell_{bb})\operatorname{Cov}(\hat G^\ell_a,\hat G^\ell_b),

the diagonal part of Roberts & Yaida's multi-input four-point vertex.

References
----------
.. [1] D. A. Roberts, S. Yaida, B. Hanin, *The Principles of Deep Learning Theory*, Cambridge University Press
   (2022), arXiv:2106.10165, chapters 4-5.
.. [2] B. Hanin, M. Nica, "Products of many large random matrices and gradients in deep neural networks",
   Commun. Math. Phys. 376, 287 (2020).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral
from typing import NamedTuple

import numpy as np
import torch

from .._checks import check_device, check_int, check_real_array, check_real_scalar
from . import meanfield as mf
from .quadrature import normal_expectation, trapezoid_rule

__all__ = [
    "VertexEstimate",
    "four_point_vertex",
    "VertexPrediction",
    "vertex_recursion",
    "relu_vertex_exact",
    "MetricCovariance",
    "metric_covariance",
    "sample_preactivations",
    "MAX_RANDOM_NUMBERS",
]

#: Largest number of random numbers :func:`sample_preactivations` draws (networks x layers x weights).
MAX_RANDOM_NUMBERS = 10**12

_PHI = {"tanh": torch.tanh, "relu": torch.relu}
#: Networks drawn per batch by :func:`sample_preactivations`; fixed, so that a seed fixes the result.
NETWORKS_PER_BATCH = 32

#: Deepest network of :func:`vertex_recursion` (three 1-D quadratures per layer, ~1 ms).
_MAX_QUADRATURE_LAYERS = 20_000
#: Deepest network of :func:`metric_covariance` (a 2-D quadrature per layer: 0.01-0.1 s, growing with sigma_w2).
_MAX_COVARIANCE_LAYERS = 2_000


class VertexEstimate(NamedTuple):
    r"""Estimates of :func:`four_point_vertex`; fields have the shape of ``z`` without its first and last axes."""

    vertex: np.ndarray  #: ``r = E[z_i^2 z_j^2]_(i != j) / E[z^2]^2 - 1``, the normalised vertex ``V / (n G^2)``
    vertex_error: np.ndarray  #: jackknife standard error of ``vertex`` (networks left out one at a time)
    excess_kurtosis: np.ndarray  #: ``kappa = E z^4 / E[z^2]^2 - 3`` of one neuron
    excess_kurtosis_error: np.ndarray  #: jackknife standard error of ``excess_kurtosis``
    metric: np.ndarray  #: ``G = E z^2``
    metric_error: np.ndarray  #: standard error of ``metric``
    n_networks: int  #: number of networks (size of the first axis of ``z``)


class VertexPrediction(NamedTuple):
    r"""Leading-order (1/n) prediction of :func:`vertex_recursion`, layers ``1 .. depth``."""

    metric: np.ndarray  #: ``(depth,)`` the mean-field (infinite-width) variance ``G^l``
    metric_variance: np.ndarray  #: ``(depth,)`` the variance of the stochastic metric to leading order in ``1/n``
    vertex: np.ndarray  #: ``(depth,)`` ``r^l = Var(G-hat^l) / (G^l)^2 = V^(l) / (n (G^l)^2)``
    excess_kurtosis: np.ndarray  #: ``(depth,)`` ``3 r^l``
    chi_parallel: np.ndarray  #: ``(depth,)`` slope of the length map at ``G^l``


def _jackknife(stat_fn, columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Statistic of the column means and its delete-one jackknife error; columns have shape (S, ...)."""
    s = columns[0].shape[0]
    totals = [c.sum(0) for c in columns]
    full = stat_fn(*[t / s for t in totals])
    loo = stat_fn(*[(t[None] - c) / (s - 1) for t, c in zip(totals, columns)])  # (S, ...)
    err = np.sqrt((s - 1) / s * np.sum((loo - loo.mean(0)) ** 2, axis=0))
    return full, err


def four_point_vertex(z) -> VertexEstimate:
    r"""Normalised four-point vertex and excess kurtosis of pre-activations sampled over an ensemble of networks.

    Per network ``s`` the unbiased pair average :math:`P_s = \frac{1}{n(n-1)}\sum_{i\ne j}z_i^2z_j^2`, the second
    moment :math:`m_{2,s}=\frac1n\sum_i z_i^2` and the fourth :math:`m_{4,s}=\frac1n\sum_i z_i^4` are formed,
    and

    .. math::
        \hat r = \frac{\overline{P}}{\overline{m_2}^2} - 1,\qquad
        \hat\kappa = \frac{\overline{m_4}}{\overline{m_2}^2} - 3

    with bars the means over networks. Networks are independent, neurons of one network are not (they share
    :math:`\hat G`), so errors come from the jackknife over networks. Both vanish for Gaussian ``z``; for a scale
    mixture :math:`z=\sqrt{G}\,u` (the case of random networks) :math:`\hat\kappa\to3\hat r`. The zero mean of
    random-network pre-activations (symmetric weights) is assumed, not subtracted.

    Parameters
    ----------
    z : array_like, shape (S, ..., n)
        ``S >= 2`` networks (first axis) by ``n >= 2`` neurons (last axis); middle axes (e.g. layers) are kept.

    Returns
    -------
    VertexEstimate

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> g = rng.gamma(4.0, 1.0, size=(4000, 1))               # one variance per network: Var G / (E G)^2 = 1/4
    >>> est = four_point_vertex(np.sqrt(g) * rng.standard_normal((4000, 64)))
    >>> bool(abs(est.vertex - 0.25) < 3 * est.vertex_error), bool(abs(est.excess_kurtosis - 0.75) < 0.15)
    (True, True)
    """
    za = check_real_array(z, "z")
    if za.ndim < 2 or za.shape[0] < 2 or za.shape[-1] < 2:
        raise ValueError(f"z must have shape (S, ..., n) with S >= 2 networks and n >= 2 neurons; got {za.shape}")
    n = za.shape[-1]
    z2 = za * za
    m2 = z2.mean(-1)
    m4 = (z2 * z2).mean(-1)
    pair = (n * m2 * m2 - m4) / (n - 1)
    r, r_err = _jackknife(lambda p, a: p / (a * a) - 1.0, [pair, m2])
    k, k_err = _jackknife(lambda q, a: q / (a * a) - 3.0, [m4, m2])
    s = za.shape[0]
    return VertexEstimate(vertex=r, vertex_error=r_err, excess_kurtosis=k, excess_kurtosis_error=k_err,
                          metric=m2.mean(0), metric_error=m2.std(0, ddof=1) / math.sqrt(s), n_networks=s)


def _widths_list(width, depth: int, name: str = "width") -> np.ndarray:
    """Widths n_1 .. n_depth from an int or a sequence of ints."""
    if isinstance(width, (Integral, np.integer)) and not isinstance(width, (bool, np.bool_)):
        return np.full(depth, check_int(width, name), dtype=np.int64)
    if isinstance(width, (str, bytes)) or not isinstance(width, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be an int or a sequence of {depth} ints; got {type(width).__name__}")
    if len(width) != depth:
        raise ValueError(f"{name} must be an int or a sequence of {depth} ints (one per layer); got {len(width)}")
    return np.array([check_int(w, f"{name}[{i}]") for i, w in enumerate(width)], dtype=np.int64)


def _check_activation(activation) -> str:
    if not isinstance(activation, str) or activation not in _PHI:
        raise ValueError(f"activation must be 'tanh' or 'relu'; got {activation!r}")
    return activation


def vertex_recursion(q1, depth: int, width, sigma_w2, sigma_b2, *, activation: str = "tanh") -> VertexPrediction:
    r"""Leading-order (:math:`1/n`) metric and four-point vertex of layers ``1 .. depth`` (module docstring).

    Parameters
    ----------
    q1 : float
        Variance of the first pre-activation layer, :math:`G^1 = \sigma_w^2|x|^2/n_0+\sigma_b^2` (``> 0``).
    depth : int
        Number of layers.
    width : int or sequence of int
        Widths :math:`n_1,\dots,n_{\rm depth}` (an int for constant width); :math:`n_\ell` is the width summed
        over in layer :math:`\ell+1`, so ``width[-1]`` does not enter.
    sigma_w2, sigma_b2 : float
    activation : {'tanh', 'relu'}

    Returns
    -------
    VertexPrediction

    Examples
    --------
    >>> p = vertex_recursion(1.0, 5, 100, 2.0, 0.0, activation="relu")
    >>> p.vertex.round(4)                        # 5 (l - 1) / n at the ReLU critical point
    array([0.  , 0.05, 0.1 , 0.15, 0.2 ])
    >>> t = vertex_recursion(1.0, 400, 1000, 1.0, 0.0)  # tanh at criticality: r -> (2/3) l / n
    >>> round(float(t.vertex[-1] / (400 / 1000)), 2)
    0.66
    """
    q = check_real_scalar(q1, "q1", lower=0, lower_strict=True)
    depth = check_int(depth, "depth", 1, _MAX_QUADRATURE_LAYERS)  # ~1 ms of quadrature per layer
    widths = _widths_list(width, depth)
    sw = check_real_scalar(sigma_w2, "sigma_w2", lower=0, lower_strict=True)
    sb = check_real_scalar(sigma_b2, "sigma_b2", lower=0)
    activation = _check_activation(activation)
    metric = np.empty(depth)
    var = np.empty(depth)
    chi = np.empty(depth)
    metric[0], var[0] = q, 0.0
    with np.errstate(over="ignore", invalid="ignore"):  # relu overflow is reported below
        for layer in range(depth):
            if not np.isfinite(metric[layer] + var[layer]):
                break  # overflow (relu, sigma_w2 > 2): reported below
            g = metric[layer]
            if activation == "relu":
                m2, m4, slope = 0.5 * g, 1.5 * g * g, 0.5
            else:
                m2 = normal_expectation(lambda u: np.tanh(u) ** 2, g)
                m4 = normal_expectation(lambda u: np.tanh(u) ** 4, g)
                slope = normal_expectation(lambda u: (1 - np.tanh(u) ** 2) ** 2 - 2 * np.tanh(u) ** 2
                                           * (1 - np.tanh(u) ** 2), g)  # <phi'^2 + phi phi''>
            chi[layer] = sw * slope
            if layer + 1 < depth:
                metric[layer + 1] = sb + sw * m2
                var[layer + 1] = sw * sw * (m4 - m2 * m2) / widths[layer] + chi[layer] ** 2 * var[layer]
    if not (np.all(np.isfinite(metric)) and np.all(np.isfinite(var))):
        bad = int(np.argmin(np.isfinite(metric) & np.isfinite(var)))
        raise ValueError(f"the metric overflows float64 at layer {bad + 1} of depth = {depth} (it grows like "
                         f"(sigma_w2 / 2)**layer for relu; sigma_w2 = {sw:g}); use fewer layers or a smaller sigma_w2")
    r = var / metric ** 2
    return VertexPrediction(metric=metric, metric_variance=var, vertex=r, excess_kurtosis=3 * r, chi_parallel=chi)


def relu_vertex_exact(depth: int, width) -> np.ndarray:
    r"""Exact normalised vertex :math:`r^\ell = \prod_{k=1}^{\ell-1}(1+5/n_k) - 1` of ReLU networks with
    :math:`\sigma_b^2 = 0` (any :math:`\sigma_w^2`), layers ``1 .. depth``.

    Given :math:`\hat G^\ell`, :math:`\hat G^{\ell+1}/\hat G^\ell = \frac{\sigma_w^2}{n_\ell}\sum_j u_j^2
    \Theta(u_j)` with i.i.d. standard normal :math:`u_j`, independent of :math:`\hat G^\ell`; its mean is
    :math:`\sigma_w^2/2` and its relative second moment :math:`1+5/n_\ell`. The leading order is
    :math:`5\sum_{k<\ell}1/n_k`; the excess kurtosis is :math:`3r^\ell`.

    Examples
    --------
    >>> relu_vertex_exact(4, 10)
    array([0.   , 0.5  , 1.25 , 2.375])
    """
    depth = check_int(depth, "depth", 1, mf.MAX_DEPTH)
    widths = _widths_list(width, depth)
    with np.errstate(over="ignore"):
        factors = np.concatenate([[1.0], np.cumprod(1.0 + 5.0 / widths[:-1])])
    if not np.all(np.isfinite(factors)):
        raise ValueError(f"the vertex prod(1 + 5/n_l) - 1 exceeds the float64 range before layer depth = {depth} "
                         f"(width as small as {int(widths.min())}); use fewer layers or wider ones")
    return factors - 1.0


class MetricCovariance(NamedTuple):
    r"""Leading-order two-input result of :func:`metric_covariance`, layers ``0 .. depth - 1`` (layer 0 is the
    given starting kernel, exactly Gaussian)."""

    kernel: np.ndarray  #: ``(depth, 3)`` the mean-field kernel ``K_aa, K_bb, K_ab``
    covariance: np.ndarray  #: ``(depth, 3)`` ``Var(G_a), Var(G_b), Cov(G_a, G_b)`` of the metrics to order ``1/n``
    chi_parallel: np.ndarray  #: ``(depth, 2)`` slopes of the length map at ``K_aa`` and ``K_bb``


def _tanh_pair_moments(qa: float, qb: float, qab: float) -> float:
    """E[tanh(u_a)^2 tanh(u_b)^2] for (u_a, u_b) ~ N(0, [[qa, qab], [qab, qb]]), product trapezoid rule."""
    z, w = trapezoid_rule(max(qa, qb))
    c = 0.0 if qa == 0 or qb == 0 else float(np.clip(qab / math.sqrt(qa * qb), -1.0, 1.0))
    ua = math.sqrt(qa) * z[:, None]
    ub = math.sqrt(qb) * (c * z[:, None] + math.sqrt(max(1.0 - c * c, 0.0)) * z[None, :])
    return float(w @ (np.tanh(ua) ** 2 * np.tanh(ub) ** 2) @ w)


def metric_covariance(kernel, depth: int, width, sigma_w2, sigma_b2) -> MetricCovariance:
    r"""Leading-order covariance of the stochastic metrics of two inputs, layer by layer (tanh networks).

    Starts from an exactly Gaussian layer 0 with mean-field kernel ``kernel = (K_aa, K_bb, K_ab)`` (zero
    covariance) and applies the two-input recursion of the module docstring ``depth - 1`` times, the kernel
    following :func:`rglib.nets.meanfield.kernel_map`. Gaussian expectations use a product trapezoid rule
    accurate to about 1e-12.

    Parameters
    ----------
    kernel : sequence of three floats
        ``(K_aa, K_bb, K_ab)`` of layer 0, a valid covariance with positive diagonal.
    depth : int
        Number of layers returned (``>= 1``).
    width : int or sequence of int
        Widths :math:`n_0, \dots, n_{\rm depth-1}` (layer ``l`` sums over ``n_{l-1}`` neurons).
    sigma_w2, sigma_b2 : float

    Returns
    -------
    MetricCovariance

    Examples
    --------
    >>> one = vertex_recursion(0.7, 6, 64, 1.5, 0.05)            # a = b: the single-input recursion
    >>> two = metric_covariance((0.7, 0.7, 0.7), 6, 64, 1.5, 0.05)
    >>> bool(np.allclose(two.covariance[:, 2], one.metric_variance, rtol=1e-9))
    True
    """
    k = check_real_array(kernel, "kernel")
    if k.shape != (3,) or k[0] <= 0 or k[1] <= 0 or abs(k[2]) > math.sqrt(k[0] * k[1]) * (1 + 1e-12):
        raise ValueError(f"kernel must be (K_aa, K_bb, K_ab) with K_aa, K_bb > 0 and |K_ab| <= sqrt(K_aa K_bb); "
                         f"got {kernel!r}")
    depth = check_int(depth, "depth", 1, _MAX_COVARIANCE_LAYERS)  # a 2-D quadrature per layer
    widths = _widths_list(width, depth)
    sw = check_real_scalar(sigma_w2, "sigma_w2", lower=0, lower_strict=True)
    sb = check_real_scalar(sigma_b2, "sigma_b2", lower=0)

    def m2_and_slope(g):
        m2 = normal_expectation(lambda u: np.tanh(u) ** 2, g)
        slope = normal_expectation(lambda u: (1 - np.tanh(u) ** 2) ** 2 - 2 * np.tanh(u) ** 2
                                   * (1 - np.tanh(u) ** 2), g)
        return float(m2), float(sw * slope)

    kern = np.empty((depth, 3))
    cov = np.zeros((depth, 3))
    chi = np.empty((depth, 2))
    kern[0] = k
    for layer in range(depth):
        qa, qb, qab = kern[layer]
        (ma, ca), (mb, cb) = m2_and_slope(qa), m2_and_slope(qb)
        chi[layer] = ca, cb
        if layer + 1 == depth:
            break
        n = widths[layer]
        pair = _tanh_pair_moments(qa, qb, qab)
        ma4 = float(normal_expectation(lambda u: np.tanh(u) ** 4, qa))
        mb4 = float(normal_expectation(lambda u: np.tanh(u) ** 4, qb))
        cov[layer + 1] = (sw * sw * (ma4 - ma * ma) / n + ca * ca * cov[layer, 0],
                          sw * sw * (mb4 - mb * mb) / n + cb * cb * cov[layer, 1],
                          sw * sw * (pair - ma * mb) / n + ca * cb * cov[layer, 2])
        new = mf.kernel_map(qa, qb, qab, sw, sb)
        kern[layer + 1] = [float(v) for v in new]
    return MetricCovariance(kernel=kern, covariance=cov, chi_parallel=chi)


def _torch_generator(seed) -> torch.Generator:
    if isinstance(seed, torch.Generator):
        return seed
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**63))
    elif isinstance(seed, (bool, np.bool_)) or not isinstance(seed, Integral) or seed < 0:
        raise TypeError(f"seed must be a non-negative int, a numpy.random.Generator or a torch.Generator; "
                        f"got {seed!r}")
    g = torch.Generator(device="cpu")
    g.manual_seed(int(seed))
    return g


def sample_preactivations(q1, depth: int, width: int, sigma_w2, sigma_b2, n_networks: int, *,
                          activation: str = "tanh", seed, method: str = "weights", device=None,
                          dtype=torch.float32, progress: bool = False) -> np.ndarray:
    r"""Pre-activations of layers ``1 .. depth`` for one input, in ``n_networks`` independent random networks.

    Layer 1 is drawn directly, :math:`z^1_i\sim\mathcal N(0, q_1)` i.i.d. (exactly the distribution of
    :math:`W^1x+b^1` over networks for any input with :math:`\sigma_w^2|x|^2/n_0+\sigma_b^2=q_1`); each further
    layer applies fresh weights :math:`\mathcal N(0,\sigma_w^2/n)` and biases :math:`\mathcal N(0,\sigma_b^2)`.
    Networks are drawn ``NETWORKS_PER_BATCH`` (32) at a time on the CPU generator (in ``dtype``) and propagated
    with batched matrix products on ``device``; the same seed gives the same numbers on every device (up to
    rounding).

    ``method='conditional'`` samples the same ensemble without weight matrices: for one input, given layer
    :math:`\ell`, :math:`W\phi(z^\ell)+b` is exactly :math:`\mathcal N(0,\hat G^{\ell+1}I)` with
    :math:`\hat G^{\ell+1}=\sigma_b^2+\sigma_w^2|\phi(z^\ell)|^2/n`, so each layer costs ``n`` instead of
    ``n**2`` random numbers per network. It is exact in distribution (not draw for draw) and much faster; it
    relies on the very conditional Gaussianity that the 1/n theory uses, so ``'weights'`` is the independent
    check.

    Parameters
    ----------
    q1 : float
        Variance of the first layer (``> 0``).
    depth, width : int
        Number of layers and their common width ``n``.
    sigma_w2, sigma_b2 : float
    n_networks : int
        Ensemble size ``S``.
    activation : {'tanh', 'relu'}
    seed : int, numpy.random.Generator or torch.Generator
    method : {'weights', 'conditional'}
        Draw full weight matrices (real networks), or the exact one-input shortcut (see above).
    device, dtype : where and in which precision to compute (float32 by default; moments are formed in float64)
    progress : bool
        tqdm bar over the batches of networks.

    Returns
    -------
    ndarray, shape (n_networks, depth, width), float64

    Examples
    --------
    >>> z = sample_preactivations(1.0, 3, 50, 2.0, 0.0, 2000, activation="relu", seed=0)
    >>> z.shape
    (2000, 3, 50)
    >>> est = four_point_vertex(z)
    >>> exact = relu_vertex_exact(3, 50)                      # [0, 0.1, 0.21]
    >>> bool(np.all(np.abs(est.vertex - exact) < 4 * est.vertex_error + 1e-12))
    True
    """
    q = check_real_scalar(q1, "q1", lower=0, lower_strict=True)
    depth = check_int(depth, "depth")
    width = check_int(width, "width")
    sw = check_real_scalar(sigma_w2, "sigma_w2", lower=0, lower_strict=True)
    sb = check_real_scalar(sigma_b2, "sigma_b2", lower=0)
    n_networks = check_int(n_networks, "n_networks", minimum=1)
    phi = _PHI[_check_activation(activation)]
    if method not in ("weights", "conditional"):
        raise ValueError(f"method must be 'weights' or 'conditional'; got {method!r}")
    if dtype not in (torch.float32, torch.float64):
        raise TypeError(f"dtype must be torch.float32 or torch.float64; got {dtype}")
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be a bool; got {type(progress).__name__}")
    per_layer = width * width + width if method == "weights" else width
    if n_networks * depth * per_layer > MAX_RANDOM_NUMBERS:
        raise ValueError(f"n_networks = {n_networks} networks of depth {depth} and width {width} need "
                         f"{n_networks * depth * per_layer:.2e} random numbers (> MAX_RANDOM_NUMBERS = "
                         f"{MAX_RANDOM_NUMBERS:.0e}); use fewer networks or method='conditional'")
    device = torch.device("cpu") if device is None else check_device(device)
    gen = _torch_generator(seed)
    out = np.empty((n_networks, depth, width))
    starts = range(0, n_networks, NETWORKS_PER_BATCH)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(starts), desc="random networks", unit="batch")
    w_scale, b_scale = math.sqrt(sw / width), math.sqrt(sb)
    with torch.no_grad():
        for s in starts:
            nb = min(NETWORKS_PER_BATCH, n_networks - s)
            z = (math.sqrt(q) * torch.randn(nb, width, 1, generator=gen, dtype=dtype)).to(device)
            out[s:s + nb, 0] = z[..., 0].double().cpu().numpy()
            for layer in range(1, depth):
                if method == "weights":
                    w = torch.randn(nb, width, width, generator=gen, dtype=dtype).to(device)
                    b = torch.randn(nb, width, 1, generator=gen, dtype=dtype).to(device)
                    z = torch.baddbmm(b, w, phi(z), beta=b_scale, alpha=w_scale)
                else:
                    metric = sb + sw * phi(z).double().square().mean(1, keepdim=True)  # (nb, 1, 1)
                    u = torch.randn(nb, width, 1, generator=gen, dtype=dtype).to(device)
                    z = metric.sqrt().to(dtype) * u
                out[s:s + nb, layer] = z[..., 0].double().cpu().numpy()
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    if not np.all(np.isfinite(out)):
        layer = int(np.argmin(np.isfinite(out).all(axis=(0, 2))))
        raise ValueError(f"the preactivations overflow {dtype} at layer {layer + 1} of depth = {depth} "
                         f"(sigma_w2 = {sw:g}, activation={activation!r}); use dtype=torch.float64, fewer layers "
                         f"or a smaller sigma_w2")
    return out
