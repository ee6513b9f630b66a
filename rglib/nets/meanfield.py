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
This module evaluates these maps, their fixed points :math:`q^*` and :math:`c^*`, the slopes
:math:`\chi_1` and :math:`\chi_c`, the depth scales :math:`\xi_q` and :math:`\xi_c`, and the critical line
:math:`\chi_1 = 1`, for ``tanh`` (by quadrature) and ``relu`` (closed form, arc-cosine kernel).

Definitions (Schoenholz et al. 2017, eqs. 3-9), with :math:`u_1=\sqrt{q^*}z_1`,
:math:`u_2=\sqrt{q^*}(c^* z_1+\sqrt{1-c^{*2}}z_2)` and :math:`z_1,z_2` independent standard normals:

* :math:`\chi_1 = \sigma_w^2\,\mathbb E[\phi'(\sqrt{q^*}z)^2]` (slope of the correlation map at ``c = 1``);
* :math:`\chi_c = \sigma_w^2\,\mathbb E[\phi'(u_1)\phi'(u_2)]` (slope of the correlation map at ``c*``;
  equal to :math:`\chi_1` in the ordered phase, where ``c* = 1``);
* :math:`\xi_c = -1/\ln\chi_c` and :math:`\xi_q = -1/\ln\big[\chi_1 + \sigma_w^2\,
  \mathbb E[\phi''(\sqrt{q^*}z)\phi(\sqrt{q^*}z)]\big]` (the latter bracket is the slope of the length map).

Quadrature
----------
Gaussian expectations of ``tanh`` are computed by the trapezoidal rule in the standard-normal variable ``z``
on :math:`|z|\le 9.5`, with a step chosen from ``q`` so that the error is at the level of double-precision
round-off (the integrand is analytic in a strip of half-width :math:`\pi/(2\sqrt q)`, so the error decays like
:math:`e^{-\pi^2/(h\sqrt q)}`). Gauss-Hermite quadrature with a fixed number of nodes, the usual choice, is
available through ``n_hermite=``. It converges for these integrands, but only like
:math:`e^{-\pi\sqrt{n/q}}` (its nodes near the origin are spaced by about :math:`\pi/\sqrt n`), so a
fixed ``n`` loses digits as ``q`` grows: with 101 nodes :math:`\mathbb E[\mathrm{sech}^4]` is off by about
3e-10 at ``q = 1``, 5e-7 at ``q = 2`` and 2e-4 at ``q = 5``, and :math:`\sigma_{w,c}^2(\sigma_b^2 = 2)` by
5e-3 (about 180 nodes are needed there for 1e-4). :func:`trapezoid_rule` returns the default rule's nodes.
No Monte Carlo is used anywhere.

Conventions: variances are ``sigma_w2`` :math:`=\sigma_w^2 > 0` and ``sigma_b2`` :math:`=\sigma_b^2 \ge 0`; all
functions broadcast over array arguments and return a ``float`` when every argument is a scalar.
"""
from __future__ import annotations

from collections.abc import Callable
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np

from .quadrature import (
    ACTIVATIONS,
    _all_scalar,
    _as_real_array,
    _check_activation,
    _check_depth,
    _check_n_hermite,
    _contig,
    _moments1,
    _tanh_moments1,
    _tanh_moments2,
    _moments2,
    _out,
    normal_expectation,
)

__all__ = [
    "q_map",
    "c_map",
    "kernel_map",
    "q_trajectory",
    "c_trajectory",
    "kernel_trajectory",
    "fixed_point_q",
    "fixed_point_c",
    "chi1",
    "chi_c",
    "correlation_depth",
    "length_depth",
    "critical_line",
    "critical_weight_variance",
    "PhaseSummary",
    "phase_summary",
]


def _check_variances(sigma_w2, sigma_b2) -> tuple[np.ndarray, np.ndarray]:
    sw2 = _as_real_array(sigma_w2, "sigma_w2", lower=0.0, lower_strict=True,
                         what="sigma_w2 > 0 (weight variance sigma_w^2)")
    sb2 = _as_real_array(sigma_b2, "sigma_b2", lower=0.0,
                         what="sigma_b2 >= 0 (bias variance sigma_b^2; 0 is allowed)")
    return sw2, sb2



# --------------------------------------------------------------------------------------------- maps
def q_map(q, sigma_w2, sigma_b2, *, activation: str = "tanh", n_hermite: int | None = None):
    r"""Length map :math:`q\mapsto\sigma_w^2\,\mathbb E[\phi(\sqrt q z)^2]+\sigma_b^2`.

    Parameters
    ----------
    q : array_like
        Pre-activation variance of the previous layer, ``q >= 0``.
    sigma_w2, sigma_b2 : array_like
        Weight variance (``> 0``) and bias variance (``>= 0``); broadcast against ``q``.
    activation : {'tanh', 'relu'}
    n_hermite : int, optional
        Gauss-Hermite nodes instead of the adaptive trapezoidal rule (tanh only).
    """
    activation = _check_activation(activation)
    n_hermite = _check_n_hermite(n_hermite)
    qa = _as_real_array(q, "q", lower=0.0)
    sw2, sb2 = _check_variances(sigma_w2, sigma_b2)
    qa, sw2, sb2 = np.broadcast_arrays(qa, sw2, sb2)
    m2, _, _ = _moments1(_contig(qa), activation, n_hermite)
    return _out(sw2 * m2 + sb2, _all_scalar(q, sigma_w2, sigma_b2))


def kernel_map(q11, q22, q12, sigma_w2, sigma_b2, *, activation: str = "tanh",
               n_hermite: int | None = None) -> tuple:
    r"""One layer of the two-input kernel recursion.

    .. math::
        q'_{ab} = \sigma_w^2\,\mathbb E[\phi(u_a)\phi(u_b)] + \sigma_b^2,\quad
        (u_1,u_2)\sim\mathcal N(0,[[q_{11},q_{12}],[q_{12},q_{22}]]).

    Parameters
    ----------
    q11, q22 : array_like
        Variances of the two inputs' pre-activations, ``>= 0``.
    q12 : array_like
        Their covariance, ``|q12| <= sqrt(q11 q22)``.
    sigma_w2, sigma_b2, activation, n_hermite
        As in :func:`q_map`.

    Returns
    -------
    (q11', q22', q12') : tuple of arrays (floats for scalar input)
    """
    activation = _check_activation(activation)
    n_hermite = _check_n_hermite(n_hermite)
    a = _as_real_array(q11, "q11", lower=0.0)
    b = _as_real_array(q22, "q22", lower=0.0)
    ab = _as_real_array(q12, "q12")
    sw2, sb2 = _check_variances(sigma_w2, sigma_b2)
    a, b, ab, sw2, sb2 = (_contig(t) for t in np.broadcast_arrays(a, b, ab, sw2, sb2))
    norm = np.sqrt(a * b)
    if np.any(np.abs(ab) > norm * (1 + 1e-10) + 1e-300):
        raise ValueError("q12 must satisfy |q12| <= sqrt(q11*q22) (a valid covariance matrix)")
    c = np.where(norm > 0, ab / np.where(norm > 0, norm, 1.0), 0.0)
    c = np.clip(c, -1.0, 1.0)
    shape = a.shape
    m11, _, _ = _moments1(a, activation, n_hermite)
    m22, _, _ = _moments1(b, activation, n_hermite)
    e_pp, _ = _moments2(a.ravel(), b.ravel(), c.ravel(), activation, n_hermite, need=(True, False))
    e_pp = e_pp.reshape(shape)
    scalar = _all_scalar(q11, q22, q12, sigma_w2, sigma_b2)
    return (_out(sw2 * m11 + sb2, scalar), _out(sw2 * m22 + sb2, scalar), _out(sw2 * e_pp + sb2, scalar))


def c_map(c, q, sigma_w2, sigma_b2, *, activation: str = "tanh", n_hermite: int | None = None):
    r"""Correlation map for two inputs of equal length ``q``.

    .. math::
        c' = \frac{\sigma_w^2\,\mathbb E[\phi(u_1)\phi(u_2)] + \sigma_b^2}{\sigma_w^2\,
        \mathbb E[\phi(u_1)^2] + \sigma_b^2},\quad u_1=\sqrt q z_1,\ u_2=\sqrt q(cz_1+\sqrt{1-c^2}z_2).

    At ``q = q*`` the denominator is ``q*`` and this is Poole et al.'s correlation map; pass ``q=None`` to use
    ``q = fixed_point_q(sigma_w2, sigma_b2)``.

    Parameters
    ----------
    c : array_like
        Correlation of the previous layer, ``-1 <= c <= 1``.
    q : array_like or None
        Common variance of the two inputs (``> 0``), or ``None`` for ``q*``.
    """
    activation = _check_activation(activation)
    n_hermite = _check_n_hermite(n_hermite)
    ca = _as_real_array(c, "c", lower=-1.0, upper=1.0)
    sw2, sb2 = _check_variances(sigma_w2, sigma_b2)
    if q is None:
        qa = _q_star(*np.broadcast_arrays(sw2, sb2), activation, n_hermite)
        if not np.all(np.isfinite(qa)) or np.any(qa <= 0):
            raise ValueError("q=None needs a finite positive fixed point q*; it does not exist for these "
                             "(sigma_w2, sigma_b2) (q* = 0 or the length diverges); pass q explicitly")
    else:
        qa = _as_real_array(q, "q", lower=0.0, lower_strict=True)
    ca, qa, sw2, sb2 = (_contig(t) for t in np.broadcast_arrays(ca, qa, sw2, sb2))
    m2, _, _ = _moments1(qa, activation, n_hermite)
    e_pp, _ = _moments2(qa.ravel(), qa.ravel(), ca.ravel(), activation, n_hermite, need=(True, False))
    res = (sw2 * e_pp.reshape(ca.shape) + sb2) / (sw2 * m2 + sb2)
    return _out(res, _all_scalar(c, sigma_w2, sigma_b2) and (q is None or np.ndim(q) == 0))


def q_trajectory(q0, depth: int, sigma_w2, sigma_b2, *, activation: str = "tanh",
                 n_hermite: int | None = None) -> np.ndarray:
    r"""Iterate the length map: returns :math:`q^0=q_0, q^1, \dots, q^{\rm depth}` stacked on axis 0."""
    depth = _check_depth(depth)
    q = _as_real_array(q0, "q0", lower=0.0)
    sw2, sb2 = _check_variances(sigma_w2, sigma_b2)
    q, sw2, sb2 = (_contig(t) for t in np.broadcast_arrays(q, sw2, sb2))
    out = [q]
    for _ in range(depth):
        out.append(q_map(out[-1], sw2, sb2, activation=activation, n_hermite=n_hermite))
    return np.stack(out)


def c_trajectory(c0, depth: int, sigma_w2, sigma_b2, *, q=None, activation: str = "tanh",
                 n_hermite: int | None = None) -> np.ndarray:
    """Iterate the correlation map at fixed length ``q`` (default ``q*``): returns ``c^0 .. c^depth`` on axis 0.

    With ``q = q*`` the lengths stay at their fixed point, so this is the exact two-input recursion for inputs
    that start on the fixed point.
    """
    depth = _check_depth(depth)
    c = _as_real_array(c0, "c0", lower=-1.0, upper=1.0)
    sw2, sb2 = _check_variances(sigma_w2, sigma_b2)
    if q is None:
        q = fixed_point_q(sw2, sb2, activation=activation, n_hermite=n_hermite)
        q = np.asarray(q)
        if not np.all(np.isfinite(q)) or np.any(q <= 0):
            raise ValueError("q=None needs a finite positive fixed point q*; pass q explicitly")
    qa = _as_real_array(q, "q", lower=0.0, lower_strict=True)
    c, qa, sw2, sb2 = (_contig(t) for t in np.broadcast_arrays(c, qa, sw2, sb2))
    out = [c]
    for _ in range(depth):
        out.append(np.clip(c_map(out[-1], qa, sw2, sb2, activation=activation, n_hermite=n_hermite), -1.0, 1.0))
    return np.stack(out)


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
        Number of layers (``>= 1``).

    Returns
    -------
    ndarray, shape (depth, B, B)
        ``out[l-1]`` is the kernel :math:`q^l_{ab}` of layer ``l``.
    """
    depth = _check_depth(depth)
    if depth < 1:
        raise ValueError(f"depth must be >= 1 for kernel_trajectory; got {depth}")
    g = _as_real_array(gram, "gram")
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
    iu, ju = np.triu_indices(B)
    K = float(sw2) * g + float(sb2)
    out = np.empty((depth, B, B))
    out[0] = K
    for layer in range(1, depth):
        d = np.diag(K)
        kij = np.clip(K[iu, ju], -np.sqrt(d[iu] * d[ju]), np.sqrt(d[iu] * d[ju]))
        _, _, new = kernel_map(d[iu], d[ju], kij, float(sw2), float(sb2), activation=activation,
                               n_hermite=n_hermite)
        K = np.empty((B, B))
        K[iu, ju] = new
        K[ju, iu] = new
        out[layer] = K
    return out


# --------------------------------------------------------------------------------------------- fixed points
def _solve_decreasing(fun: Callable, lo: np.ndarray, hi: np.ndarray, x0: np.ndarray,
                      max_iter: int = 200) -> np.ndarray:
    """Safeguarded Newton for ``f(x) = 0`` with ``f > 0`` left of the root and ``f < 0`` right of it.

    ``fun(x, active)`` returns ``(f, f')`` for the entries ``active`` of ``x``. Vectorised; each entry keeps
    its own bracket and falls back to bisection when a Newton step leaves it.
    """
    lo = lo.astype(np.float64).copy()
    hi = hi.astype(np.float64).copy()
    x = x0.astype(np.float64).copy()
    active = np.arange(x.size)
    for _ in range(max_iter):
        if active.size == 0:
            break
        xa = x[active]
        f, df = fun(xa, active)
        pos = f > 0
        lo[active] = np.where(pos, xa, lo[active])
        hi[active] = np.where(f < 0, xa, hi[active])
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(df != 0, f / df, np.nan)
        xn = xa - step
        bad = ~np.isfinite(xn) | (xn <= lo[active]) | (xn >= hi[active])
        xn = np.where(bad, 0.5 * (lo[active] + hi[active]), xn)
        xn = np.where(f == 0, xa, xn)
        x[active] = xn
        tol = 4e-16 * np.maximum(1.0, np.abs(xn))
        done = (f == 0) | (np.abs(xn - xa) <= tol) | (hi[active] - lo[active] <= tol)
        active = active[~done]
    return x


def _q_star(sw2: np.ndarray, sb2: np.ndarray, activation: str, n_hermite: int | None) -> np.ndarray:
    sw2 = _contig(sw2)
    sb2 = _contig(sb2)
    if activation == "relu":
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.where(sw2 < 2.0, sb2 / (1.0 - 0.5 * sw2), np.inf)
        return np.where((sw2 == 2.0) & (sb2 == 0.0), np.nan, q)
    shape = sw2.shape
    a, b = sw2.ravel(), sb2.ravel()

    def fun(x, act):
        m2, d2, pp = _tanh_moments1(x, n_hermite)
        return a[act] * m2 + b[act] - x, a[act] * (d2 + pp) - 1.0

    lo, hi = b.copy(), a + b
    q = _solve_decreasing(fun, lo, hi, hi.copy())
    q = np.where((b == 0.0) & (a <= 1.0), 0.0, q)
    return q.reshape(shape)


def fixed_point_q(sigma_w2, sigma_b2, *, activation: str = "tanh", n_hermite: int | None = None):
    r"""Stable fixed point :math:`q^*` of the length map :math:`q = \sigma_w^2\mathbb E[\phi(\sqrt q z)^2]+\sigma_b^2`.

    For ``tanh`` the root lies in :math:`[\sigma_b^2, \sigma_w^2+\sigma_b^2]` and is found by safeguarded
    Newton iteration to round-off; with :math:`\sigma_b^2=0` and :math:`\sigma_w^2\le 1` it is ``0``.
    For ``relu`` :math:`q^* = \sigma_b^2/(1-\sigma_w^2/2)` for :math:`\sigma_w^2<2`, ``inf`` for
    :math:`\sigma_w^2 \ge 2` (the length grows without bound) and ``nan`` at the marginal point
    :math:`(\sigma_w^2,\sigma_b^2)=(2,0)`, where every ``q`` is a fixed point.
    """
    activation = _check_activation(activation)
    n_hermite = _check_n_hermite(n_hermite)
    sw2, sb2 = _check_variances(sigma_w2, sigma_b2)
    sw2, sb2 = np.broadcast_arrays(sw2, sb2)
    return _out(_q_star(sw2, sb2, activation, n_hermite), _all_scalar(sigma_w2, sigma_b2))


def _chi1_given_q(sw2, q, activation, n_hermite):
    if activation == "relu":
        return 0.5 * sw2
    qq = np.where(np.isfinite(q), q, 0.0)
    _, d2, _ = _tanh_moments1(_contig(qq), n_hermite)
    return sw2 * d2


def chi1(sigma_w2, sigma_b2, *, activation: str = "tanh", n_hermite: int | None = None):
    r""":math:`\chi_1 = \sigma_w^2\,\mathbb E[\phi'(\sqrt{q^*}z)^2]`, the slope of the correlation map at ``c=1``.

    :math:`\chi_1<1`: ordered phase (``c* = 1`` is stable); :math:`\chi_1>1`: chaotic phase. It is also the
    per-layer factor of the mean squared back-propagated gradient. For ``relu`` it equals
    :math:`\sigma_w^2/2` for every ``q``.
    """
    activation = _check_activation(activation)
    n_hermite = _check_n_hermite(n_hermite)
    sw2, sb2 = _check_variances(sigma_w2, sigma_b2)
    sw2, sb2 = np.broadcast_arrays(sw2, sb2)
    q = _q_star(sw2, sb2, activation, n_hermite)
    return _out(_chi1_given_q(sw2, q, activation, n_hermite), _all_scalar(sigma_w2, sigma_b2))


def _c_star_and_slope(sw2, sb2, q, x1, activation, n_hermite):
    """c* and chi_c given q* and chi_1 (arrays of equal shape)."""
    shape = sw2.shape
    c = np.ones(shape)
    slope = np.array(x1, dtype=np.float64, copy=True)
    if activation == "relu":  # the relu correlation map always has the stable fixed point c* = 1
        return c, slope
    chaotic = np.nonzero((x1.ravel() > 1.0) & (q.ravel() > 0))[0]
    if chaotic.size:
        a, b, qq = sw2.ravel()[chaotic], sb2.ravel()[chaotic], q.ravel()[chaotic]

        def fun(x, act):
            e_pp, e_dd = _tanh_moments2(qq[act], qq[act], x, n_hermite)
            return (a[act] * e_pp + b[act]) / qq[act] - x, a[act] * e_dd - 1.0

        zeros = np.zeros(chaotic.size)
        cs = _solve_decreasing(fun, zeros, np.ones(chaotic.size), zeros.copy())
        _, e_dd = _tanh_moments2(qq, qq, cs, n_hermite, need=(False, True))
        c.ravel()[chaotic] = cs
        slope.ravel()[chaotic] = a * e_dd
    # tanh with sigma_b2 = 0 and sigma_w2 > 1: q* > 0, handled above (c* = 0 by symmetry, found by the solver)
    return c, slope


def _solve_fixed_points(sigma_w2, sigma_b2, activation: str, n_hermite: int | None):
    """Checked, broadcast variances and the fixed-point data ``(sw2, sb2, q*, chi1, c*, chi_c)``."""
    sw2, sb2 = _check_variances(sigma_w2, sigma_b2)
    sw2, sb2 = (_contig(t) for t in np.broadcast_arrays(sw2, sb2))
    q = _q_star(sw2, sb2, activation, n_hermite)
    x1 = _chi1_given_q(sw2, q, activation, n_hermite)
    c, xc = _c_star_and_slope(sw2, sb2, q, x1, activation, n_hermite)
    return sw2, sb2, q, x1, c, xc


def fixed_point_c(sigma_w2, sigma_b2, *, activation: str = "tanh", n_hermite: int | None = None):
    r"""Stable fixed point :math:`c^*` of the correlation map at :math:`q = q^*`.

    ``1`` in the ordered phase (:math:`\chi_1\le 1`); in the chaotic phase the root in ``[0, 1)`` of
    :math:`c = [\sigma_w^2\mathbb E\phi(u_1)\phi(u_2)+\sigma_b^2]/q^*`, found by Newton's method from
    ``c = 0`` (the map is increasing and convex on ``[0, 1]``, so the iteration is monotone).
    """
    activation = _check_activation(activation)
    n_hermite = _check_n_hermite(n_hermite)
    sw2, sb2, q, x1, c, _ = _solve_fixed_points(sigma_w2, sigma_b2, activation, n_hermite)
    return _out(c, _all_scalar(sigma_w2, sigma_b2))


class PhaseSummary(NamedTuple):
    r"""Mean-field quantities at one or many :math:`(\sigma_w^2, \sigma_b^2)` (see :func:`phase_summary`)."""

    #: Fixed point :math:`q^*` of the length map.
    q_star: np.ndarray | float
    #: :math:`\chi_1`, the slope of the correlation map at :math:`c = 1`.
    chi1: np.ndarray | float
    #: Stable fixed point :math:`c^*` of the correlation map.
    c_star: np.ndarray | float
    #: :math:`\chi_c`, the slope of the correlation map at :math:`c^*`.
    chi_c: np.ndarray | float
    #: Correlation depth :math:`\xi_c = -1/\ln\chi_c` (``inf`` where :math:`\chi_c \ge 1`).
    xi_c: np.ndarray | float
    #: Length depth :math:`\xi_q = -1/\ln` (slope of the length map at :math:`q^*`).
    xi_q: np.ndarray | float
    #: Chaotic phase, :math:`\chi_1 > 1` (bool or bool array).
    chaotic: np.ndarray | bool


def phase_summary(sigma_w2, sigma_b2, *, activation: str = "tanh", n_hermite: int | None = None) -> PhaseSummary:
    r"""All mean-field quantities at once (one fixed-point solve), broadcast over the inputs.

    Returns
    -------
    PhaseSummary
        Fields ``q_star``, ``chi1``, ``c_star``, ``chi_c``, ``xi_c`` (:math:`-1/\ln\chi_c`, ``inf`` where
        :math:`\chi_c\ge1`), ``xi_q`` (:math:`-1/\ln` of the length-map slope at ``q*``), and ``chaotic``
        (bool, :math:`\chi_1>1`). For ``relu`` with :math:`\sigma_w^2>2` (no finite ``q*``) the depth
        scales are ``nan``.
    """
    activation = _check_activation(activation)
    n_hermite = _check_n_hermite(n_hermite)
    sw2, sb2, q, x1, c, xc = _solve_fixed_points(sigma_w2, sigma_b2, activation, n_hermite)
    if activation == "relu":
        slope_q = 0.5 * sw2
    else:
        _, d2, pp = _tanh_moments1(q, n_hermite)
        slope_q = sw2 * (d2 + pp)
    with np.errstate(divide="ignore"):
        xi_c = np.where(xc < 1.0, -1.0 / np.log(xc), np.inf)
        xi_q = np.where(slope_q < 1.0, -1.0 / np.log(slope_q), np.inf)
    if activation == "relu":
        undefined = ~np.isfinite(q) & (sw2 > 2.0)
        xi_c = np.where(undefined, np.nan, xi_c)
        xi_q = np.where(undefined, np.nan, xi_q)
    scalar = _all_scalar(sigma_w2, sigma_b2)
    return PhaseSummary(_out(q, scalar), _out(x1, scalar), _out(c, scalar), _out(xc, scalar), _out(xi_c, scalar),
                        _out(xi_q, scalar), bool(x1 > 1.0) if scalar else x1 > 1.0)


def chi_c(sigma_w2, sigma_b2, *, activation: str = "tanh", n_hermite: int | None = None):
    r""":math:`\chi_c = \sigma_w^2\,\mathbb E[\phi'(u_1)\phi'(u_2)]` at :math:`(q^*, c^*)`.

    This is the slope :math:`\partial c^{l+1}/\partial c^l` of the correlation map at its stable fixed point
    (equal to :math:`\chi_1` in the ordered phase).
    """
    return phase_summary(sigma_w2, sigma_b2, activation=activation, n_hermite=n_hermite).chi_c


def correlation_depth(sigma_w2, sigma_b2, *, activation: str = "tanh", n_hermite: int | None = None):
    r"""Correlation depth scale :math:`\xi_c = -1/\ln\chi_c` (Schoenholz et al. 2017, eq. 9).

    Deviations from the fixed point decay as :math:`|c^l-c^*|\propto e^{-l/\xi_c}`; :math:`\xi_c` diverges on
    the critical line :math:`\chi_1=1` (``inf`` is returned where :math:`\chi_c\ge1` numerically).
    """
    return phase_summary(sigma_w2, sigma_b2, activation=activation, n_hermite=n_hermite).xi_c


def length_depth(sigma_w2, sigma_b2, *, activation: str = "tanh", n_hermite: int | None = None):
    r"""Length depth scale :math:`\xi_q^{-1} = -\ln[\chi_1+\sigma_w^2\mathbb E\phi''(\sqrt{q^*}z)\phi(\sqrt{q^*}z)]`.

    The bracket is the slope of the length map at ``q*``, so :math:`|q^l-q^*|\propto e^{-l/\xi_q}`.
    """
    return phase_summary(sigma_w2, sigma_b2, activation=activation, n_hermite=n_hermite).xi_q


# --------------------------------------------------------------------------------------------- critical line
def critical_line(q, *, activation: str = "tanh", n_hermite: int | None = None) -> tuple:
    r"""The order-to-chaos line :math:`\chi_1=1` in parametric form, with :math:`q^*` as the parameter.

    On the line, :math:`\sigma_w^2\,\mathbb E[\phi'(\sqrt{q^*} z)^2]=1` and
    :math:`q^*=\sigma_w^2\mathbb E[\phi(\sqrt{q^*}z)^2]+\sigma_b^2`, hence

    .. math::
        \sigma_w^2 = \frac{1}{\mathbb E[\phi'(\sqrt{q}z)^2]},\qquad
        \sigma_b^2 = q - \frac{\mathbb E[\phi(\sqrt q z)^2]}{\mathbb E[\phi'(\sqrt q z)^2]}.

    ``q = 0`` gives the tanh end point :math:`(\sigma_w^2,\sigma_b^2)=(1,0)`. Only for ``tanh`` (the relu
    critical point is the single point ``(2, 0)``).

    Returns
    -------
    (sigma_w2, sigma_b2) : arrays (floats for scalar ``q``)
    """
    activation = _check_activation(activation)
    if activation != "tanh":
        raise ValueError("critical_line is defined for activation='tanh'; for relu the critical point is the "
                         "single point (sigma_w2, sigma_b2) = (2, 0)")
    n_hermite = _check_n_hermite(n_hermite)
    qa = _contig(_as_real_array(q, "q", lower=0.0))
    m2, d2, _ = _tanh_moments1(qa, n_hermite)
    sw2 = 1.0 / d2
    sb2 = np.maximum(qa - m2 * sw2, 0.0)
    return _out(sw2, np.ndim(q) == 0), _out(sb2, np.ndim(q) == 0)


def critical_weight_variance(sigma_b2, *, activation: str = "tanh", n_hermite: int | None = None):
    r"""Critical weight variance :math:`\sigma_{w,c}^2(\sigma_b^2)`, where :math:`\chi_1 = 1`.

    For ``tanh`` this inverts the parametric :func:`critical_line` (whose :math:`\sigma_b^2(q)` increases
    with ``q``) by safeguarded Newton iteration; :math:`\sigma_{w,c}^2(0)=1` and
    :math:`\sigma_{w,c}^2(0.05)=1.76095`. For ``relu`` the answer is ``2`` at :math:`\sigma_b^2=0`; a relu
    network with :math:`\sigma_b^2>0` has no critical point (its length map has no fixed point at
    :math:`\chi_1=1`), and a ``ValueError`` is raised.

    Parameters
    ----------
    sigma_b2 : array_like
        Bias variance, ``>= 0``.
    """
    activation = _check_activation(activation)
    n_hermite = _check_n_hermite(n_hermite)
    sb2 = _as_real_array(sigma_b2, "sigma_b2", lower=0.0,
                         what="sigma_b2 >= 0 (bias variance sigma_b^2; 0 is allowed)")
    if activation == "relu":
        if np.any(sb2 > 0):
            raise ValueError("a relu network has a critical point only at sigma_b2 = 0 (sigma_w2 = 2); "
                             "for sigma_b2 > 0 the length map has no fixed point on chi_1 = 1")
        return _out(np.full(sb2.shape, 2.0), np.ndim(sigma_b2) == 0)
    flat = _contig(sb2.ravel())

    def sb2_of_q(x):
        m2, d2, pp = _tanh_moments1(_contig(x), n_hermite)
        return x - m2 / d2, d2, m2, pp

    hi = flat + 1.0
    for _ in range(60):  # grow the bracket until sigma_b2(hi) > target
        short = sb2_of_q(hi)[0] <= flat
        if not np.any(short):
            break
        hi = np.where(short, 2.0 * hi, hi)

    def fun(x, act):
        s, d2, m2, pp = sb2_of_q(x)
        # d/dq E[phi^2] = E[phi'^2] + E[phi phi''];  d/dq E[phi'^2] = E[phi'^2 ... ] by finite difference
        eps = 1e-6 * np.maximum(x, 1e-3)
        s_hi = sb2_of_q(x + eps)[0]
        s_lo = sb2_of_q(np.maximum(x - eps, 0.0))[0]
        ds = (s_hi - s_lo) / (x + eps - np.maximum(x - eps, 0.0))
        return flat[act] - s, -ds

    q = _solve_decreasing(fun, np.zeros_like(flat), hi, 0.5 * hi)
    q = np.where(flat == 0.0, 0.0, q)
    _, d2, _ = _tanh_moments1(q, n_hermite)
    return _out((1.0 / d2).reshape(sb2.shape), np.ndim(sigma_b2) == 0)
