r"""Mean-field theory of signal propagation in wide random networks (Poole et al. 2016; Schoenholz et al. 2017).

A fully connected network with weights :math:`W^l_{ij}\sim\mathcal N(0,\sigma_w^2/N_{l-1})`, biases
:math:`b^l_i\sim\mathcal N(0,\sigma_b^2)` and pre-activations :math:`h^l = W^l\phi(h^{l-1}) + b^l` (the first
layer acts on the input, :math:`h^1 = W^1 x + b^1`) has, in the limit of infinite width, Gaussian
pre-activations whose second moments obey deterministic recursions:

.. math::

    q^{l}_{ab} = \sigma_w^2\,\mathbb E\big[\phi(u_a)\phi(u_b)\big] + \sigma_b^2,\qquad
    (u_a, u_b)\sim\mathcal N\!\left(0, \begin{pmatrix} q^{l-1}_{aa} & q^{l-1}_{ab}\\
    q^{l-1}_{ab} & q^{l-1}_{bb}\end{pmatrix}\right),

the *length map* (``a = b``) and the *correlation map* for :math:`c_{ab} = q_{ab}/\sqrt{q_{aa}q_{bb}}`.
This module evaluates these maps and iterates them through the layers, for ``tanh`` (by quadrature) and ``relu``
(closed form, arc-cosine kernel [3]_). Their fixed points :math:`q^*` and :math:`c^*`, the slopes
:math:`\chi_1` and :math:`\chi_c`, the depth scales and the critical line :math:`\chi_1 = 1` are in
:mod:`rglib.nets.criticality`.

Quadrature
----------
Gaussian expectations of ``tanh`` are computed (:mod:`rglib.nets.quadrature`) by the trapezoidal rule in the
standard-normal variable ``z`` on :math:`|z|\le 9.5`, with a step chosen from ``q`` so that the error is at the level of double-precision
round-off (the integrand is analytic in a strip of half-width :math:`\pi/(2\sqrt q)`, so the error decays like
:math:`e^{-\pi^2/(h\sqrt q)}`). Gauss-Hermite quadrature with a fixed number of nodes, the usual choice, is
available through ``n_hermite=``. It converges for these integrands, but only like
:math:`e^{-\pi\sqrt{n/q}}` (its nodes near the origin are spaced by about :math:`\pi/\sqrt n`), so a
fixed ``n`` loses digits as ``q`` grows: with 101 nodes :math:`\mathbb E[\mathrm{sech}^4]` is off by about
3e-10 at ``q = 1``, 5e-7 at ``q = 2`` and 2e-4 at ``q = 5``, and :math:`\sigma_{w,c}^2(\sigma_b^2 = 2)` by
5e-3 (about 180 nodes are needed there for 1e-4). :func:`~rglib.nets.quadrature.trapezoid_rule` returns the
default rule's nodes. Variances above 10 use a sinh-mapped rule of bounded size (a few hundred nodes for any finite variance), so
large ``q``, ``sigma_w2`` or ``sigma_b2`` cost no more than small ones. No Monte Carlo is used anywhere.

Conventions: variances are ``sigma_w2`` :math:`=\sigma_w^2 > 0` and ``sigma_b2`` :math:`=\sigma_b^2 \ge 0`, each at
most ``MAX_VARIANCE``; all functions broadcast over array arguments and return a ``float`` when every argument is
a scalar. Trajectories check their cost (``depth`` times the number of entries) before they start.

References
----------
.. [1] B. Poole, S. Lahiri, M. Raghu, J. Sohl-Dickstein and S. Ganguli, "Exponential expressivity in deep neural
   networks through transient chaos", NeurIPS 29 (2016).
.. [2] S. S. Schoenholz, J. Gilmer, S. Ganguli and J. Sohl-Dickstein, "Deep information propagation", ICLR (2017).
.. [3] Y. Cho and L. K. Saul, "Kernel methods for deep learning", NeurIPS 22 (2009) (the arc-cosine kernel of relu).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import check_int, check_real_array
from ._fixed_points import _q_star
from .quadrature import (
    _all_scalar,
    _check_activation,
    _check_n_hermite,
    _contig,
    _moments1,
    _moments2,
    _out,
)

__all__ = [
    "MAX_VARIANCE",
    "MAX_DEPTH",
    "MAX_MAP_EVALUATIONS",
    "MAX_PAIR_EVALUATIONS",
    "q_map",
    "c_map",
    "KernelMapResult",
    "kernel_map",
    "q_trajectory",
    "c_trajectory",
    "kernel_trajectory",
]

#: Largest variance accepted (``q``, ``sigma_w2``, ``sigma_b2``); the quadrature itself has no limit.
MAX_VARIANCE = 1e100
#: Largest depth of a trajectory.
MAX_DEPTH = 1_000_000
#: Largest ``depth * size`` of a one-variable trajectory (:func:`q_trajectory`; a few hundred nodes each).
MAX_MAP_EVALUATIONS = 10_000_000
#: Largest ``depth * size`` of a two-variable trajectory (:func:`c_trajectory`, and ``depth * B (B + 1) / 2`` for
#: :func:`kernel_trajectory`; up to about 1e5 nodes each).
MAX_PAIR_EVALUATIONS = 200_000


# --------------------------------------------------------------------------------------------- checks
def _variance(value, name: str, *, strict: bool = False) -> np.ndarray:
    return check_real_array(value, name, lower=0.0, lower_strict=strict, upper=MAX_VARIANCE,
                            what=f"0 {'<' if strict else '<='} {name} <= MAX_VARIANCE = {MAX_VARIANCE:g}")


def _check_variances(sigma_w2, sigma_b2) -> tuple[np.ndarray, np.ndarray]:
    sw2 = check_real_array(sigma_w2, "sigma_w2", lower=0.0, lower_strict=True, upper=MAX_VARIANCE,
                           what=f"0 < sigma_w2 <= {MAX_VARIANCE:g} (weight variance sigma_w^2)")
    sb2 = check_real_array(sigma_b2, "sigma_b2", lower=0.0, upper=MAX_VARIANCE,
                           what=f"0 <= sigma_b2 <= {MAX_VARIANCE:g} (bias variance sigma_b^2; 0 is allowed)")
    return sw2, sb2


def _broadcast(names: str, *arrays):
    try:
        return np.broadcast_arrays(*arrays)
    except ValueError:
        shapes = ", ".join(str(np.shape(a)) for a in arrays)
        raise ValueError(f"{names} must broadcast together; got shapes {shapes}") from None


def _check_depth(depth, size: int, limit: int, minimum: int = 0) -> int:
    depth = check_int(depth, "depth", minimum, MAX_DEPTH)
    if depth * max(size, 1) > limit:
        raise ValueError(f"depth * size = {depth} * {size} exceeds {limit} map evaluations; use a smaller depth or "
                         "fewer entries at once")
    return depth


# --------------------------------------------------------------------------------------------- maps
def q_map(q, sigma_w2, sigma_b2, *, activation: str = "tanh", n_hermite: int | None = None):
    r"""Length map :math:`q\mapsto\sigma_w^2\,\mathbb E[\phi(\sqrt q z)^2]+\sigma_b^2` [1]_.

    Parameters
    ----------
    q : array_like
        Pre-activation variance of the previous layer, ``0 <= q <= MAX_VARIANCE``.
    sigma_w2, sigma_b2 : array_like
        Weight variance (``> 0``) and bias variance (``>= 0``); broadcast against ``q``.
    activation : {'tanh', 'relu'}
    n_hermite : int, optional
        Gauss-Hermite nodes (2..250) instead of the adaptive trapezoidal rule (tanh only).

    Returns
    -------
    float or ndarray

    See Also
    --------
    rglib.nets.criticality.fixed_point_q : the stable fixed point of this map.
    rglib.nets.quadrature.normal_expectation : the expectation for any function.

    Examples
    --------
    >>> print(round(q_map(1.0, 1.5, 0.05), 10), round(q_map(1.0, 1.5, 0.05, activation="relu"), 10))
    0.6414417356 0.8
    >>> print(round(q_map(1e6, 1.0, 0.0), 6), round(1 - np.sqrt(2 / (np.pi * 1e6)), 6))  # E tanh^2 -> 1
    0.999202 0.999202
    """
    activation = _check_activation(activation)
    n_hermite = _check_n_hermite(n_hermite)
    qa = _variance(q, "q")
    sw2, sb2 = _check_variances(sigma_w2, sigma_b2)
    qa, sw2, sb2 = _broadcast("q, sigma_w2 and sigma_b2", qa, sw2, sb2)
    m2, _, _ = _moments1(_contig(qa), activation, n_hermite)
    return _out(sw2 * m2 + sb2, _all_scalar(q, sigma_w2, sigma_b2))


class KernelMapResult(NamedTuple):
    """One layer of the two-input kernel recursion (:func:`kernel_map`); floats for scalar input."""

    #: :math:`q'_{11}`, the next variance of input 1.
    q11: np.ndarray | float
    #: :math:`q'_{22}`, the next variance of input 2.
    q22: np.ndarray | float
    #: :math:`q'_{12}`, the next covariance.
    q12: np.ndarray | float


def _kernel_map_iv(q11, q22, q12, sigma_w2, sigma_b2, activation, n_hermite):
    activation = _check_activation(activation)
    n_hermite = _check_n_hermite(n_hermite)
    a = _variance(q11, "q11")
    b = _variance(q22, "q22")
    ab = check_real_array(q12, "q12", what="|q12| <= sqrt(q11 q22)")
    sw2, sb2 = _check_variances(sigma_w2, sigma_b2)
    a, b, ab, sw2, sb2 = (_contig(t) for t in _broadcast("q11, q22, q12, sigma_w2 and sigma_b2", a, b, ab, sw2, sb2))
    norm = np.sqrt(a * b)
    if np.any(np.abs(ab) > norm * (1 + 1e-10) + 1e-300):
        raise ValueError("q12 must satisfy |q12| <= sqrt(q11*q22) (a valid covariance matrix)")
    return a, b, ab, sw2, sb2, activation, n_hermite


def kernel_map(q11, q22, q12, sigma_w2, sigma_b2, *, activation: str = "tanh",
               n_hermite: int | None = None) -> KernelMapResult:
    r"""One layer of the two-input kernel recursion [2]_.

    .. math::
        q'_{ab} = \sigma_w^2\,\mathbb E[\phi(u_a)\phi(u_b)] + \sigma_b^2,\quad
        (u_1,u_2)\sim\mathcal N(0,[[q_{11},q_{12}],[q_{12},q_{22}]]).

    Parameters
    ----------
    q11, q22 : array_like
        Variances of the two inputs' pre-activations, ``0 <= q <= MAX_VARIANCE``.
    q12 : array_like
        Their covariance, ``|q12| <= sqrt(q11 q22)``.
    sigma_w2, sigma_b2, activation, n_hermite
        As in :func:`q_map`.

    Returns
    -------
    KernelMapResult
        ``q11``, ``q22``, ``q12`` of the next layer (floats for scalar input).

    See Also
    --------
    kernel_trajectory : the map iterated over a batch of inputs.

    Examples
    --------
    >>> k = kernel_map(1.0, 2.0, 0.3, 2.5, 0.05)
    >>> print(round(k.q11, 8), round(k.q12, 8), round(k.q11 - q_map(1.0, 2.5, 0.05), 15))
    1.03573623 0.26879584 0.0
    """
    a, b, ab, sw2, sb2, activation, n_hermite = _kernel_map_iv(q11, q22, q12, sigma_w2, sigma_b2, activation,
                                                               n_hermite)
    norm = np.sqrt(a * b)
    c = np.where(norm > 0, ab / np.where(norm > 0, norm, 1.0), 0.0)
    c = np.clip(c, -1.0, 1.0)
    shape = a.shape
    m11, _, _ = _moments1(a, activation, n_hermite)
    m22, _, _ = _moments1(b, activation, n_hermite)
    e_pp, _ = _moments2(a.ravel(), b.ravel(), c.ravel(), activation, n_hermite, need=(True, False))
    e_pp = e_pp.reshape(shape)
    scalar = _all_scalar(q11, q22, q12, sigma_w2, sigma_b2)
    return KernelMapResult(_out(sw2 * m11 + sb2, scalar), _out(sw2 * m22 + sb2, scalar),
                           _out(sw2 * e_pp + sb2, scalar))


def _c_map_iv(c, q, sigma_w2, sigma_b2, activation, n_hermite):
    activation = _check_activation(activation)
    n_hermite = _check_n_hermite(n_hermite)
    ca = check_real_array(c, "c", lower=-1.0, upper=1.0)
    sw2, sb2 = _check_variances(sigma_w2, sigma_b2)
    if q is None:
        qa = _q_star(*_broadcast("sigma_w2 and sigma_b2", sw2, sb2), activation, n_hermite)
        if not np.all(np.isfinite(qa)) or np.any(qa <= 0):
            raise ValueError("q=None needs a finite positive fixed point q*; it does not exist for these "
                             "(sigma_w2, sigma_b2) (q* = 0 or the length diverges); pass q explicitly")
    else:
        qa = _variance(q, "q", strict=True)
    ca, qa, sw2, sb2 = (_contig(t) for t in _broadcast("c, q, sigma_w2 and sigma_b2", ca, qa, sw2, sb2))
    return ca, qa, sw2, sb2, activation, n_hermite


def c_map(c, q, sigma_w2, sigma_b2, *, activation: str = "tanh", n_hermite: int | None = None):
    r"""Correlation map for two inputs of equal length ``q`` [1]_.

    .. math::
        c' = \frac{\sigma_w^2\,\mathbb E[\phi(u_1)\phi(u_2)] + \sigma_b^2}{\sigma_w^2\,
        \mathbb E[\phi(u_1)^2] + \sigma_b^2},\quad u_1=\sqrt q z_1,\ u_2=\sqrt q(cz_1+\sqrt{1-c^2}z_2).

    At ``q = q*`` the denominator is ``q*`` and this is Poole et al.'s correlation map; pass ``q=None`` to use
    ``q = rglib.nets.criticality.fixed_point_q(sigma_w2, sigma_b2)``.

    Parameters
    ----------
    c : array_like
        Correlation of the previous layer, ``-1 <= c <= 1``.
    q : array_like or None
        Common variance of the two inputs (``0 < q <= MAX_VARIANCE``), or ``None`` for ``q*``.
    sigma_w2, sigma_b2, activation, n_hermite
        As in :func:`q_map`.

    Returns
    -------
    float or ndarray

    See Also
    --------
    rglib.nets.criticality.fixed_point_c : the stable fixed point of this map.
    c_trajectory : the map iterated.

    Examples
    --------
    >>> print(round(c_map(1.0, None, 1.5, 0.05), 12), round(c_map(0.5, None, 1.5, 0.05), 8))
    1.0 0.54974715
    >>> limit = (2 / np.pi) * np.arcsin(0.5) / (1 - np.sqrt(2 / (np.pi * 1e6)))  # sign-function limits at large q
    >>> print(round(c_map(0.5, 1e6, 1.0, 0.0), 7), round(limit, 7))  # they differ by O(1/q)
    0.3335992 0.3335995
    """
    ca, qa, sw2, sb2, activation, n_hermite = _c_map_iv(c, q, sigma_w2, sigma_b2, activation, n_hermite)
    m2, _, _ = _moments1(qa, activation, n_hermite)
    e_pp, _ = _moments2(qa.ravel(), qa.ravel(), ca.ravel(), activation, n_hermite, need=(True, False))
    res = (sw2 * e_pp.reshape(ca.shape) + sb2) / (sw2 * m2 + sb2)
    return _out(res, _all_scalar(c, sigma_w2, sigma_b2) and (q is None or np.ndim(q) == 0))


def q_trajectory(q0, depth: int, sigma_w2, sigma_b2, *, activation: str = "tanh",
                 n_hermite: int | None = None) -> np.ndarray:
    r"""Iterate the length map: :math:`q^0=q_0, q^1, \dots, q^{\rm depth}` stacked on axis 0.

    Parameters
    ----------
    q0 : array_like
        Initial variances, ``0 <= q0 <= MAX_VARIANCE``.
    depth : int
        Number of layers, ``0 <= depth``, with ``depth * size <= MAX_MAP_EVALUATIONS``.
    sigma_w2, sigma_b2, activation, n_hermite
        As in :func:`q_map`.

    Returns
    -------
    ndarray, shape ``(depth + 1, *broadcast_shape)``

    See Also
    --------
    rglib.nets.criticality.fixed_point_q : the limit of the trajectory.

    Examples
    --------
    >>> from rglib.nets.criticality import fixed_point_q
    >>> print(np.round(q_trajectory(2.0, 3, 1.5, 0.05), 6), round(fixed_point_q(1.5, 0.05), 6))
    [2.       0.829964 0.590978 0.502092] 0.418037
    """
    q = _variance(q0, "q0")
    sw2, sb2 = _check_variances(sigma_w2, sigma_b2)
    q, sw2, sb2 = (_contig(t) for t in _broadcast("q0, sigma_w2 and sigma_b2", q, sw2, sb2))
    depth = _check_depth(depth, q.size, MAX_MAP_EVALUATIONS)
    out = [q]
    for _ in range(depth):  # a loop over layers; each layer is vectorised over the entries
        out.append(q_map(out[-1], sw2, sb2, activation=activation, n_hermite=n_hermite))
    return np.stack(out)


def c_trajectory(c0, depth: int, sigma_w2, sigma_b2, *, q=None, activation: str = "tanh",
                 n_hermite: int | None = None) -> np.ndarray:
    r"""Iterate the correlation map at fixed length ``q`` (default ``q*``): ``c^0 .. c^depth`` on axis 0.

    With ``q = q*`` the lengths stay at their fixed point, so this is the exact two-input recursion for inputs
    that start on the fixed point.

    Parameters
    ----------
    c0 : array_like
        Initial correlations, ``-1 <= c0 <= 1``.
    depth : int
        Number of layers, ``0 <= depth``, with ``depth * size <= MAX_PAIR_EVALUATIONS``.
    sigma_w2, sigma_b2 : array_like
        As in :func:`q_map`.
    q : array_like or None
        The common length (``> 0``), or ``None`` for ``q*``.
    activation, n_hermite
        As in :func:`q_map`.

    Returns
    -------
    ndarray, shape ``(depth + 1, *broadcast_shape)``

    See Also
    --------
    rglib.nets.criticality.fixed_point_c : the limit of the trajectory.

    Examples
    --------
    >>> print(np.round(c_trajectory(0.2, 3, 1.5, 0.05), 6))
    [0.2      0.290642 0.368466 0.435559]
    """
    c = check_real_array(c0, "c0", lower=-1.0, upper=1.0)
    sw2, sb2 = _check_variances(sigma_w2, sigma_b2)
    if q is None:
        q = _q_star(*_broadcast("sigma_w2 and sigma_b2", sw2, sb2), _check_activation(activation),
                    _check_n_hermite(n_hermite))
        if not np.all(np.isfinite(q)) or np.any(q <= 0):
            raise ValueError("q=None needs a finite positive fixed point q*; pass q explicitly")
    qa = _variance(q, "q", strict=True)
    c, qa, sw2, sb2 = (_contig(t) for t in _broadcast("c0, q, sigma_w2 and sigma_b2", c, qa, sw2, sb2))
    depth = _check_depth(depth, c.size, MAX_PAIR_EVALUATIONS)
    out = [c]
    for _ in range(depth):  # a loop over layers; each layer is vectorised over the entries
        out.append(np.clip(c_map(out[-1], qa, sw2, sb2, activation=activation, n_hermite=n_hermite), -1.0, 1.0))
    return np.stack(out)


def _kernel_trajectory_iv(gram, depth, sigma_w2, sigma_b2, activation, n_hermite):
    g = check_real_array(gram, "gram")
    if g.ndim != 2 or g.shape[0] != g.shape[1] or g.shape[0] < 1:
        raise ValueError(f"gram must be a square (B, B) matrix with B >= 1; got shape {g.shape}")
    if not np.allclose(g, g.T, rtol=1e-10, atol=1e-12):
        raise ValueError("gram must be symmetric")
    if np.any(np.diag(g) < 0):
        raise ValueError("gram must have a non-negative diagonal (squared input norms / N0)")
    sw2, sb2 = _check_variances(sigma_w2, sigma_b2)
    if sw2.ndim or sb2.ndim:
        raise ValueError("kernel_trajectory takes scalar sigma_w2 and sigma_b2")
    B = g.shape[0]
    depth = _check_depth(depth, B * (B + 1) // 2, MAX_PAIR_EVALUATIONS, minimum=1)
    return g, depth, float(sw2), float(sb2), _check_activation(activation), _check_n_hermite(n_hermite)


def kernel_trajectory(gram, depth: int, sigma_w2, sigma_b2, *, activation: str = "tanh",
                      n_hermite: int | None = None) -> np.ndarray:
    r"""Mean-field pre-activation kernels of layers ``1 .. depth`` for a batch of inputs.

    Layer 1 is :math:`K^1 = \sigma_w^2 G + \sigma_b^2` with the input Gram matrix
    :math:`G_{ab} = x_a\cdot x_b/N_0`; deeper layers follow :func:`kernel_map` pair by pair.

    Parameters
    ----------
    gram : array_like, shape (B, B)
        Symmetric positive semi-definite input Gram matrix divided by the input width.
    depth : int
        Number of layers, ``>= 1``, with ``depth * B (B + 1) / 2 <= MAX_PAIR_EVALUATIONS``.
    sigma_w2, sigma_b2 : float
        Weight and bias variance (scalars).
    activation, n_hermite
        As in :func:`q_map`.

    Returns
    -------
    ndarray, shape (depth, B, B)
        ``out[l-1]`` is the kernel :math:`q^l_{ab}` of layer ``l``.

    See Also
    --------
    rglib.nets.mlp.sample_preactivation_kernels : the finite-width kernels of random networks.

    Examples
    --------
    >>> K = kernel_trajectory([[1.0, 0.5], [0.5, 1.0]], 3, 1.5, 0.05)
    >>> print(np.round(K[:, 0, 1] / K[:, 0, 0], 6))  # the correlation of the two inputs, layer by layer
    [0.516129 0.511164 0.534454]
    """
    g, depth, sw2, sb2, activation, n_hermite = _kernel_trajectory_iv(gram, depth, sigma_w2, sigma_b2, activation,
                                                                      n_hermite)
    B = g.shape[0]
    iu, ju = np.triu_indices(B)
    K = sw2 * g + sb2
    out = np.empty((depth, B, B))
    out[0] = K
    for layer in range(1, depth):  # a loop over layers; each layer is vectorised over the B (B + 1) / 2 pairs
        d = np.diag(K)
        kij = np.clip(K[iu, ju], -np.sqrt(d[iu] * d[ju]), np.sqrt(d[iu] * d[ju]))
        _, _, new = kernel_map(d[iu], d[ju], kij, sw2, sb2, activation=activation, n_hermite=n_hermite)
        K = np.empty((B, B))
        K[iu, ju] = new
        K[ju, iu] = new
        out[layer] = K
    return out
