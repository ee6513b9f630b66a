r"""The order-to-chaos transition of wide random networks: fixed points, slopes, depth scales, critical line.

Built on the mean-field maps of :mod:`rglib.nets.meanfield` (conventions there). Definitions [1]_ (eqs. 3-9),
with :math:`u_1=\sqrt{q^*}z_1`, :math:`u_2=\sqrt{q^*}(c^* z_1+\sqrt{1-c^{*2}}z_2)` and :math:`z_1,z_2` independent
standard normals:

* :math:`q^*` and :math:`c^*`: the stable fixed points of the length and correlation maps;
* :math:`\chi_1 = \sigma_w^2\,\mathbb E[\phi'(\sqrt{q^*}z)^2]` (slope of the correlation map at ``c = 1``);
* :math:`\chi_c = \sigma_w^2\,\mathbb E[\phi'(u_1)\phi'(u_2)]` (slope of the correlation map at ``c*``;
  equal to :math:`\chi_1` in the ordered phase, where ``c* = 1``);
* :math:`\xi_c = -1/\ln\chi_c` and :math:`\xi_q = -1/\ln\big[\chi_1 + \sigma_w^2\,
  \mathbb E[\phi''(\sqrt{q^*}z)\phi(\sqrt{q^*}z)]\big]` (the latter bracket is the slope of the length map);
* the critical line :math:`\chi_1 = 1` between the ordered (:math:`\chi_1 < 1`) and chaotic phases [2]_.

All functions take ``sigma_w2`` (``> 0``) and ``sigma_b2`` (``>= 0``), broadcast over arrays, and return a
``float`` when every argument is a scalar; ``activation`` is ``'tanh'`` (quadrature) or ``'relu'`` (closed form).

References
----------
.. [1] S. S. Schoenholz, J. Gilmer, S. Ganguli and J. Sohl-Dickstein, "Deep information propagation", ICLR (2017).
.. [2] B. Poole, S. Lahiri, M. Raghu, J. Sohl-Dickstein and S. Ganguli, "Exponential expressivity in deep neural
   networks through transient chaos", NeurIPS 29 (2016).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import check_real_array
from ._fixed_points import _c_star_and_slope, _chi1_given_q, _q_star, _solve_decreasing
from .meanfield import MAX_VARIANCE, _broadcast, _check_variances, _variance
from .quadrature import _all_scalar, _check_activation, _check_n_hermite, _contig, _out, _tanh_moments1

__all__ = [
    "fixed_point_q",
    "fixed_point_c",
    "chi1",
    "chi_c",
    "correlation_depth",
    "length_depth",
    "PhaseSummary",
    "phase_summary",
    "CriticalLine",
    "critical_line",
    "critical_weight_variance",
]


# --------------------------------------------------------------------------------------------- fixed points
def fixed_point_q(sigma_w2, sigma_b2, *, activation: str = "tanh", n_hermite: int | None = None):
    r"""Stable fixed point :math:`q^*` of the length map :math:`q = \sigma_w^2\mathbb E[\phi(\sqrt q z)^2]+\sigma_b^2`.

    For ``tanh`` the root lies in :math:`[\sigma_b^2, \sigma_w^2+\sigma_b^2]` and is found by safeguarded
    Newton iteration to round-off; with :math:`\sigma_b^2=0` and :math:`\sigma_w^2\le 1` it is ``0``.
    For ``relu`` :math:`q^* = \sigma_b^2/(1-\sigma_w^2/2)` for :math:`\sigma_w^2<2`, ``inf`` for
    :math:`\sigma_w^2 \ge 2` (the length grows without bound) and ``nan`` at the marginal point
    :math:`(\sigma_w^2,\sigma_b^2)=(2,0)`, where every ``q`` is a fixed point.

    Parameters
    ----------
    sigma_w2, sigma_b2, activation, n_hermite
        As in :func:`rglib.nets.meanfield.q_map`.

    Returns
    -------
    float or ndarray

    See Also
    --------
    rglib.nets.meanfield.q_trajectory : iterates that converge to :math:`q^*`.

    Examples
    --------
    >>> from rglib.nets.meanfield import q_map
    >>> q = fixed_point_q(1.76, 0.05)
    >>> print(round(q, 10), round(q_map(q, 1.76, 0.05) - q, 14))
    0.5694628399 0.0
    """
    activation = _check_activation(activation)
    n_hermite = _check_n_hermite(n_hermite)
    sw2, sb2 = _check_variances(sigma_w2, sigma_b2)
    sw2, sb2 = _broadcast("sigma_w2 and sigma_b2", sw2, sb2)
    return _out(_q_star(sw2, sb2, activation, n_hermite), _all_scalar(sigma_w2, sigma_b2))


def chi1(sigma_w2, sigma_b2, *, activation: str = "tanh", n_hermite: int | None = None):
    r""":math:`\chi_1 = \sigma_w^2\,\mathbb E[\phi'(\sqrt{q^*}z)^2]`, the slope of the correlation map at ``c=1``.

    :math:`\chi_1<1`: ordered phase (``c* = 1`` is stable); :math:`\chi_1>1`: chaotic phase. It is also the
    per-layer factor of the mean squared back-propagated gradient [1]_. For ``relu`` it equals
    :math:`\sigma_w^2/2` for every ``q``.

    Parameters
    ----------
    sigma_w2, sigma_b2, activation, n_hermite
        As in :func:`rglib.nets.meanfield.q_map`.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> print(round(chi1(1.76095, 0.05), 5), chi1(2.0, 0.0, activation="relu"))
    1.0 1.0
    """
    activation = _check_activation(activation)
    n_hermite = _check_n_hermite(n_hermite)
    sw2, sb2 = _check_variances(sigma_w2, sigma_b2)
    sw2, sb2 = _broadcast("sigma_w2 and sigma_b2", sw2, sb2)
    q = _q_star(sw2, sb2, activation, n_hermite)
    return _out(_chi1_given_q(sw2, q, activation, n_hermite), _all_scalar(sigma_w2, sigma_b2))


def _solve_fixed_points(sigma_w2, sigma_b2, activation: str, n_hermite: int | None):
    """Checked, broadcast variances and the fixed-point data ``(sw2, sb2, q*, chi1, c*, chi_c)``."""
    sw2, sb2 = _check_variances(sigma_w2, sigma_b2)
    sw2, sb2 = (_contig(t) for t in _broadcast("sigma_w2 and sigma_b2", sw2, sb2))
    q = _q_star(sw2, sb2, activation, n_hermite)
    x1 = _chi1_given_q(sw2, q, activation, n_hermite)
    c, xc = _c_star_and_slope(sw2, sb2, q, x1, activation, n_hermite)
    return sw2, sb2, q, x1, c, xc


def fixed_point_c(sigma_w2, sigma_b2, *, activation: str = "tanh", n_hermite: int | None = None):
    r"""Stable fixed point :math:`c^*` of the correlation map at :math:`q = q^*`.

    ``1`` in the ordered phase (:math:`\chi_1\le 1`); in the chaotic phase the root in ``[0, 1)`` of
    :math:`c = [\sigma_w^2\mathbb E\phi(u_1)\phi(u_2)+\sigma_b^2]/q^*`, found by Newton's method from
    ``c = 0`` (the map is increasing and convex on ``[0, 1]``, so the iteration is monotone).

    Parameters
    ----------
    sigma_w2, sigma_b2, activation, n_hermite
        As in :func:`rglib.nets.meanfield.q_map`.

    Returns
    -------
    float or ndarray

    See Also
    --------
    rglib.nets.meanfield.c_trajectory : iterates that converge to :math:`c^*`.

    Examples
    --------
    >>> from rglib.nets.meanfield import c_map
    >>> c = fixed_point_c(2.5, 0.05)
    >>> print(round(c, 10), round(c_map(c, None, 2.5, 0.05) - c, 13), fixed_point_c(1.5, 0.05))
    0.4468042323 0.0 1.0
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
    r"""All mean-field quantities at once (one fixed-point solve), broadcast over the inputs [1]_.

    Parameters
    ----------
    sigma_w2, sigma_b2, activation, n_hermite
        As in :func:`rglib.nets.meanfield.q_map`.

    Returns
    -------
    PhaseSummary
        Fields ``q_star``, ``chi1``, ``c_star``, ``chi_c``, ``xi_c`` (:math:`-1/\ln\chi_c`, ``inf`` where
        :math:`\chi_c\ge1`), ``xi_q`` (:math:`-1/\ln` of the length-map slope at ``q*``), and ``chaotic``
        (bool, :math:`\chi_1>1`). For ``relu`` with :math:`\sigma_w^2>2` (no finite ``q*``) the depth
        scales are ``nan``.

    Examples
    --------
    >>> s = phase_summary(2.5, 0.05)
    >>> print(round(s.q_star, 6), round(s.chi1, 6), round(s.c_star, 6), round(s.xi_c, 4), s.chaotic)
    1.063958 1.133516 0.446804 11.7956 True
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

    Parameters
    ----------
    sigma_w2, sigma_b2, activation, n_hermite
        As in :func:`rglib.nets.meanfield.q_map`.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> print(round(chi_c(2.5, 0.05), 6), round(chi_c(1.5, 0.05) - chi1(1.5, 0.05), 15))
    0.918717 0.0
    """
    return phase_summary(sigma_w2, sigma_b2, activation=activation, n_hermite=n_hermite).chi_c


def correlation_depth(sigma_w2, sigma_b2, *, activation: str = "tanh", n_hermite: int | None = None):
    r"""Correlation depth scale :math:`\xi_c = -1/\ln\chi_c` [1]_ (eq. 9).

    Deviations from the fixed point decay as :math:`|c^l-c^*|\propto e^{-l/\xi_c}`; :math:`\xi_c` diverges on
    the critical line :math:`\chi_1=1` (``inf`` is returned where :math:`\chi_c\ge1` numerically).

    Parameters
    ----------
    sigma_w2, sigma_b2, activation, n_hermite
        As in :func:`rglib.nets.meanfield.q_map`.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> print(round(correlation_depth(1.5, 0.1, activation="relu"), 10), round(-1 / np.log(0.75), 10))
    3.4760594968 3.4760594968
    """
    return phase_summary(sigma_w2, sigma_b2, activation=activation, n_hermite=n_hermite).xi_c


def length_depth(sigma_w2, sigma_b2, *, activation: str = "tanh", n_hermite: int | None = None):
    r"""Length depth scale :math:`\xi_q^{-1} = -\ln[\chi_1+\sigma_w^2\mathbb E\phi''(\sqrt{q^*}z)\phi(\sqrt{q^*}z)]`.

    The bracket is the slope of the length map at ``q*``, so :math:`|q^l-q^*|\propto e^{-l/\xi_q}`.

    Parameters
    ----------
    sigma_w2, sigma_b2, activation, n_hermite
        As in :func:`rglib.nets.meanfield.q_map`.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> print(round(length_depth(1.5, 0.05), 6))
    1.682828
    """
    return phase_summary(sigma_w2, sigma_b2, activation=activation, n_hermite=n_hermite).xi_q


# --------------------------------------------------------------------------------------------- critical line
class CriticalLine(NamedTuple):
    r"""Points :math:`(\sigma_w^2, \sigma_b^2)` of the order-to-chaos line (:func:`critical_line`)."""

    #: Weight variance :math:`\sigma_w^2 = 1/\mathbb E[\phi'(\sqrt q z)^2]`.
    sigma_w2: np.ndarray | float
    #: Bias variance :math:`\sigma_b^2 = q - \sigma_w^2\,\mathbb E[\phi(\sqrt q z)^2]`.
    sigma_b2: np.ndarray | float


def critical_line(q, *, activation: str = "tanh", n_hermite: int | None = None) -> CriticalLine:
    r"""The order-to-chaos line :math:`\chi_1=1` in parametric form, with :math:`q^*` as the parameter.

    On the line, :math:`\sigma_w^2\,\mathbb E[\phi'(\sqrt{q^*} z)^2]=1` and
    :math:`q^*=\sigma_w^2\mathbb E[\phi(\sqrt{q^*}z)^2]+\sigma_b^2`, hence

    .. math::
        \sigma_w^2 = \frac{1}{\mathbb E[\phi'(\sqrt{q}z)^2]},\qquad
        \sigma_b^2 = q - \frac{\mathbb E[\phi(\sqrt q z)^2]}{\mathbb E[\phi'(\sqrt q z)^2]}.

    ``q = 0`` gives the tanh end point :math:`(\sigma_w^2,\sigma_b^2)=(1,0)`. Only for ``tanh`` (the relu
    critical point is the single point ``(2, 0)``).

    Parameters
    ----------
    q : array_like
        The fixed point :math:`q^*` along the line, ``0 <= q <= MAX_VARIANCE``.
    activation, n_hermite
        As in :func:`rglib.nets.meanfield.q_map`.

    Returns
    -------
    CriticalLine
        ``sigma_w2`` and ``sigma_b2`` (floats for scalar ``q``).

    See Also
    --------
    critical_weight_variance : the inverse, :math:`\sigma_{w,c}^2(\sigma_b^2)`.

    Examples
    --------
    >>> line = critical_line([0.0, 1.0])
    >>> print(np.round(line.sigma_w2, 6), np.round(line.sigma_b2, 6))
    [1.       2.153303] [0.       0.150965]
    """
    activation = _check_activation(activation)
    if activation != "tanh":
        raise ValueError("critical_line is defined for activation='tanh'; for relu the critical point is the "
                         "single point (sigma_w2, sigma_b2) = (2, 0)")
    n_hermite = _check_n_hermite(n_hermite)
    qa = _contig(_variance(q, "q"))
    m2, d2, _ = _tanh_moments1(qa, n_hermite)
    sw2 = 1.0 / d2
    sb2 = np.maximum(qa - m2 * sw2, 0.0)
    return CriticalLine(_out(sw2, np.ndim(q) == 0), _out(sb2, np.ndim(q) == 0))


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
        Bias variance, ``0 <= sigma_b2 <= MAX_VARIANCE``.
    activation, n_hermite
        As in :func:`rglib.nets.meanfield.q_map`.

    Returns
    -------
    float or ndarray

    See Also
    --------
    critical_line : the parametric form.

    Examples
    --------
    >>> print(round(critical_weight_variance(0.05), 5), critical_weight_variance(0.0, activation="relu"))
    1.76095 2.0
    """
    activation = _check_activation(activation)
    n_hermite = _check_n_hermite(n_hermite)
    sb2 = check_real_array(sigma_b2, "sigma_b2", lower=0.0, upper=MAX_VARIANCE,
                           what=f"0 <= sigma_b2 <= {MAX_VARIANCE:g} (bias variance sigma_b^2; 0 is allowed)")
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
    for _ in range(60):  # grow the bracket until sigma_b2(hi) > target (at most 60 doublings)
        short = sb2_of_q(hi)[0] <= flat
        if not np.any(short):
            break
        hi = np.where(short, 2.0 * hi, hi)

    def fun(x, act):
        s, d2, m2, pp = sb2_of_q(x)
        # d sigma_b2 / dq by a central finite difference
        eps = 1e-6 * np.maximum(x, 1e-3)
        s_hi = sb2_of_q(x + eps)[0]
        s_lo = sb2_of_q(np.maximum(x - eps, 0.0))[0]
        ds = (s_hi - s_lo) / (x + eps - np.maximum(x - eps, 0.0))
        return flat[act] - s, -ds

    q = _solve_decreasing(fun, np.zeros_like(flat), hi, 0.5 * hi)
    q = np.where(flat == 0.0, 0.0, q)
    _, d2, _ = _tanh_moments1(q, n_hermite)
    return _out((1.0 / d2).reshape(sb2.shape), np.ndim(sigma_b2) == 0)
