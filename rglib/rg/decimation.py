r"""Exact decimation RG of the 1D Ising ring: the recursion, its flow, and the exact marginal it reproduces.

Model and conventions
---------------------
A periodic ring of ``N`` spins :math:`s_i = \pm 1` with Boltzmann weight :math:`e^{-E}`,

.. math:: -E(s) = K \sum_{i=0}^{N-1} s_i s_{i+1} + h \sum_i s_i, \qquad s_N \equiv s_0 ,

``K = beta J`` and ``h = beta H`` dimensionless (the conventions of :mod:`rglib.ising.chain`). Decimation with
``b = 2`` sums over the spins on odd sites; the kept spins (even sites) form a ring of ``N/2`` spins with
couplings :math:`(K', h')` and a constant per removed spin [1]_. Step ``n`` keeps every :math:`2^n`-th spin.
All logarithms are natural. :func:`ring_log_probabilities` and :func:`marginal_log_probabilities` enumerate
rings (``N <= 20``) to check the recursion by brute force.

The relative entropies along this flow are in :mod:`rglib.rg.kl_1d`; an *approximate* RG for comparison
(decimation plus truncation of the generated couplings) is in :mod:`rglib.rg.truncation`.

References
----------
.. [1] D. R. Nelson and M. E. Fisher, "Soluble renormalization groups and scaling fields for low-dimensional
   Ising systems", Ann. Phys. 91, 226-274 (1975).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from .._checks import check_int, check_int_array, check_log_array, check_real_array
from .._numerics import LN2
from .._numerics import log_2cosh as _log_2cosh
from .._numerics import log_abs_2sinh as _log_abs_2sinh
from .._numerics import scalar_or_array as _out
from ..ising.enumeration import kept_state_codes, magnetizations, ring_bond_sums

__all__ = [
    "MAX_STEPS",
    "MAX_ENUMERATION_N",
    "MAX_STORED_VALUES",
    "DecimationStep",
    "decimate_1d",
    "DecimationFlow",
    "decimation_flow",
    "FlowCouplings",
    "flow_couplings",
    "ir_field",
    "ring_log_probabilities",
    "marginal_log_probabilities",
]

#: Largest number of RG steps accepted (``2**-n`` underflows long before; the flow is at its fixed point).
MAX_STEPS = 1024
#: Largest ring enumerated by the brute-force checks (``2**20`` states).
MAX_ENUMERATION_N = 20
#: Largest number of float64 values a function of this module stores at once (2**25 values = 256 MiB): the
#: cost bound checked before a flow or an enumeration starts.
MAX_STORED_VALUES = 2**25


# ----------------------------------------------------------------------------------------------
# argument checking (thin wrappers of rglib._checks)
# ----------------------------------------------------------------------------------------------
def _steps(n: ArrayLike, name: str = "n") -> NDArray[np.int64]:
    return check_int_array(n, name, 0, MAX_STEPS)


def _couplings(K: ArrayLike, h: ArrayLike, names: tuple[str, str]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    K = check_real_array(K, names[0])
    h = check_real_array(h, names[1])
    try:
        return tuple(np.broadcast_arrays(K, h))
    except ValueError:
        raise ValueError(f"{names[0]} and {names[1]} must broadcast together; got shapes {K.shape} and {h.shape}") from None


def _check_storage(count: int, what: str) -> None:
    if count > MAX_STORED_VALUES:
        raise ValueError(f"{what} needs {count} float64 values (> MAX_STORED_VALUES = {MAX_STORED_VALUES}); "
                         "use fewer steps, smaller rings or fewer couplings at once")


def _log_sinh(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """ln|sinh x| (-inf at 0), stable for large |x|."""
    return _log_abs_2sinh(x) - LN2


def _log_cosh(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return _log_2cosh(x) - LN2


# ----------------------------------------------------------------------------------------------
# the exact recursion
# ----------------------------------------------------------------------------------------------
class DecimationStep(NamedTuple):
    """Result of :func:`decimate_1d` (floats for scalar input, arrays of the broadcast shape otherwise)."""

    #: Renormalised nearest-neighbour coupling :math:`K'`.
    K: NDArray[np.float64] | float
    #: Renormalised field :math:`h'`.
    h: NDArray[np.float64] | float
    #: Log of the constant :math:`A` generated per removed spin.
    log_A: NDArray[np.float64] | float


def decimate_1d(K: ArrayLike, h: ArrayLike = 0.0) -> DecimationStep:
    r"""One exact ``b = 2`` decimation step of the 1D Ising ring in a field.

    Summing over a spin :math:`s` between kept neighbours :math:`s_1, s_3`,

    .. math::

        \sum_{s=\pm1} e^{K s (s_1 + s_3) + h s} = 2\cosh\bigl(K(s_1+s_3)+h\bigr)
        = e^{\ln A + K' s_1 s_3 + \frac{\delta}{2}(s_1 + s_3)},

    with

    .. math::

        K' = \tfrac14 \ln\frac{\cosh(2K+h)\cosh(2K-h)}{\cosh^2 h},\qquad
        h' = h + \delta,\quad \delta = \tfrac12\ln\frac{\cosh(2K+h)}{\cosh(2K-h)},\qquad
        \ln A = \tfrac14\ln\bigl[16\cosh(2K+h)\cosh(2K-h)\cosh^2 h\bigr] = \ln 2 + \ln\cosh h + K'.

    Evaluated as :math:`K' = \frac14\ln(1 + \sinh^2 2K/\cosh^2 h)` and
    :math:`\delta = \operatorname{artanh}(\tanh 2K \tanh h)`, accurate also for tiny ``K`` or ``h`` and free
    of overflow for huge ones. Each kept spin collects :math:`\delta/2` from both removed neighbours, hence
    :math:`h' = h + \delta`. At ``h = 0``: :math:`\tanh K' = \tanh^2 K` and
    :math:`\ln A = \ln 2 + \frac12\ln\cosh 2K` [1]_.

    Parameters
    ----------
    K, h : array_like
        Couplings (finite reals, broadcast against each other).

    Returns
    -------
    DecimationStep
        ``K``, ``h`` (renormalised couplings) and ``log_A`` (log of the constant generated per removed spin),
        so that :math:`Z_N(K, h) = A^{N/2} Z_{N/2}(K', h')`.

    See Also
    --------
    marginal_log_probabilities : the same marginal by brute-force enumeration.
    decimation_flow : the step iterated.

    References
    ----------
    .. [1] D. R. Nelson and M. E. Fisher, Ann. Phys. 91, 226-274 (1975).

    Examples
    --------
    >>> step = decimate_1d(1.0)
    >>> print(round(step.K, 6), step.h, round(np.tanh(1.0) ** 2 - np.tanh(step.K), 15))
    0.662501 0.0 0.0
    >>> Kp, hp, log_A = decimate_1d(0.5, 0.2)
    >>> print(f"{Kp:.6f} {hp:.6f} {log_A:.6f}")
    0.211177 0.351468 0.924192
    """
    K, h = _couplings(K, h, ("K", "h"))
    l0 = _log_cosh(h)
    # cosh(2K+h) cosh(2K-h) = cosh^2 h + sinh^2 2K, so K' = (1/4) ln(1 + sinh^2 2K / cosh^2 h): a softplus
    # of 2 (ln|sinh 2K| - ln cosh h), accurate for tiny K and free of overflow for huge K.
    with np.errstate(divide="ignore"):
        K_new = 0.25 * np.logaddexp(0.0, 2.0 * (_log_sinh(2.0 * K) - l0))
    # delta = (1/2) ln[cosh(2K+h)/cosh(2K-h)] = artanh(tanh 2K tanh h); the artanh form keeps tiny fields
    x = np.tanh(2.0 * K) * np.tanh(h)
    small = np.abs(x) < 0.5
    delta = np.where(small, np.arctanh(np.where(small, x, 0.0)),
                     0.5 * (_log_cosh(2.0 * K + h) - _log_cosh(2.0 * K - h)))
    h_new = h + delta
    log_A = LN2 + l0 + K_new  # (1/4) ln[16 cosh(2K+h) cosh(2K-h) cosh^2 h]
    return DecimationStep(_out(K_new), _out(h_new), _out(log_A))


class DecimationFlow(NamedTuple):
    """Couplings along the exact flow (:func:`decimation_flow`); axis 0 is the step ``n = 0 .. n_steps``."""

    #: Nearest-neighbour coupling :math:`K_n`, shape ``(n_steps + 1, *broadcast_shape)``.
    K: NDArray[np.float64]
    #: Field :math:`h_n`, same shape.
    h: NDArray[np.float64]
    #: Log of the constant per removed spin generated by the step ``n -> n + 1`` (last row: NaN).
    log_A: NDArray[np.float64]


def decimation_flow(K0: ArrayLike, h0: ArrayLike = 0.0, n_steps: int = 10) -> DecimationFlow:
    r"""Iterate :func:`decimate_1d` ``n_steps`` times: :math:`(K_{n+1}, h_{n+1}) = R(K_n, h_n)`.

    Parameters
    ----------
    K0, h0 : array_like
        Initial couplings (finite reals, broadcast).
    n_steps : int
        Number of steps, ``0 <= n_steps <= MAX_STEPS``; the stored flow, ``3 (n_steps + 1)`` values per
        coupling pair, must not exceed ``MAX_STORED_VALUES``.

    Returns
    -------
    DecimationFlow
        ``K[n]``, ``h[n]`` for ``n = 0..n_steps`` (shape ``(n_steps + 1, *broadcast_shape)``) and ``log_A[n]``,
        the constant generated by the step ``n -> n + 1`` (``NaN`` in the last row).

    See Also
    --------
    flow_couplings : the couplings after ``n`` steps only.
    ir_field : the limit :math:`n \to \infty` of the field.

    Examples
    --------
    >>> fl = decimation_flow(1.0, 0.0, 3)
    >>> print(np.round(fl.K, 6))
    [1.       0.662501 0.350061 0.113672]
    >>> print(np.allclose(np.tanh(fl.K[1:]), np.tanh(fl.K[:-1]) ** 2))
    True
    """
    n_steps = check_int(n_steps, "n_steps", 0, MAX_STEPS)
    K, h = _couplings(K0, h0, ("K0", "h0"))
    _check_storage(3 * (n_steps + 1) * K.size, f"decimation_flow with n_steps = {n_steps} and {K.size} couplings")
    Ks, hs, As = [K], [h], []
    for _ in range(n_steps):  # a loop over RG steps only; each step is vectorised over the couplings
        Kn, hn, la = decimate_1d(Ks[-1], hs[-1])
        Ks.append(np.asarray(Kn))
        hs.append(np.asarray(hn))
        As.append(np.asarray(la))
    As.append(np.full(K.shape, np.nan))
    return DecimationFlow(np.stack(Ks), np.stack(hs), np.stack(As))


class FlowCouplings(NamedTuple):
    """Result of :func:`flow_couplings` (floats for scalar input)."""

    #: Coupling :math:`K_n` after ``n`` steps.
    K: NDArray[np.float64] | float
    #: Field :math:`h_n` after ``n`` steps.
    h: NDArray[np.float64] | float


def flow_couplings(K0: ArrayLike, h0: ArrayLike, n: ArrayLike) -> FlowCouplings:
    r"""The couplings :math:`(K_n, h_n)` after ``n`` exact decimation steps; ``K0``, ``h0`` and ``n`` broadcast.

    Parameters
    ----------
    K0, h0 : array_like
        Initial couplings (finite reals).
    n : int or array_like of int
        Number of steps, ``0 <= n <= MAX_STEPS``.

    Returns
    -------
    FlowCouplings
        ``K`` and ``h``, arrays of the broadcast shape (floats for scalar input).

    See Also
    --------
    decimation_flow : the whole flow.
    ir_field : the limit of ``h`` for :math:`n\to\infty`.

    Examples
    --------
    >>> Kn, hn = flow_couplings(1.0, 0.0, [0, 1, 2])
    >>> print(np.round(Kn, 6))
    [1.       0.662501 0.350061]
    """
    K0, h0 = _couplings(K0, h0, ("K0", "h0"))
    n = _steps(n)
    try:
        K0, h0, n = np.broadcast_arrays(K0, h0, n)
    except ValueError:
        raise ValueError(f"K0, h0 and n must broadcast together; got shapes {K0.shape} and {n.shape}") from None
    nmax = int(n.max()) if n.size else 0
    fl = decimation_flow(K0, h0, nmax)
    Kn = np.take_along_axis(fl.K, n[None], axis=0)[0]
    hn = np.take_along_axis(fl.h, n[None], axis=0)[0]
    return FlowCouplings(_out(Kn), _out(hn))


def ir_field(K0: ArrayLike, h0: ArrayLike = 0.0):
    r"""Field at the end of the exact flow, :math:`h^* = \lim_n h_n = \operatorname{artanh} m(K_0, h_0)`.

    Decimation keeps the exact marginal, so the magnetization of the coarse chain stays :math:`m(K_0,h_0)`
    at every step; at the fixed point :math:`K^* = 0` it is :math:`\tanh h^*`. With
    :math:`m = \sinh h/\sqrt{\sinh^2 h + e^{-4K}}`,

    .. math::

        h^* = \tfrac12\ln\frac{1+|m|}{1-|m|}\,\operatorname{sign} h,\qquad
        1 - |m| = \frac{e^{-4K-2|h|}}{\tilde r\,(\tilde r + \tilde s)},\quad
        \tilde s = \tfrac12(1 - e^{-2|h|}),\ \tilde r = \sqrt{\tilde s^2 + e^{-4K-2|h|}},

    evaluated in log space, so :math:`h^*` stays finite and accurate for any finite couplings (at large
    ``K0`` it grows like :math:`2K_0 + |h_0|`; it is 0 at ``h0 = 0``).

    Parameters
    ----------
    K0, h0 : array_like
        Initial couplings (finite reals, broadcast).

    Returns
    -------
    float or ndarray

    See Also
    --------
    flow_couplings : :math:`h_n` at finite ``n``, which converges to :math:`h^*`.

    Examples
    --------
    >>> print(round(ir_field(0.0, 0.3), 12), round(ir_field(1.0, 0.1), 6))
    0.3 0.685239
    >>> print(round(ir_field(190.0, 0.1), 6), round(float(flow_couplings(190.0, 0.1, 1000).h), 6))
    378.392228 378.392228
    """
    K0, h0 = _couplings(K0, h0, ("K0", "h0"))
    a = np.abs(h0)
    log_sy = -2.0 * K0 - a  # ln sqrt(y), y = e^{-4K - 2|h|}
    with np.errstate(divide="ignore"):
        log_st = np.log(-0.5 * np.expm1(-2.0 * a))  # ln s~; -inf at h = 0
    log_rt = 0.5 * np.logaddexp(2.0 * log_st, 2.0 * log_sy)
    abs_m = np.exp(log_st - log_rt)
    log_omm = 2.0 * log_sy - log_rt - np.logaddexp(log_rt, log_st)  # ln(1 - |m|), exact in log space
    # small |m|: arctanh directly; |m| near 1: 0.5 ln((1+|m|)/(1-|m|)) with ln(1-|m|) free of cancellation
    big = 0.5 * (np.log1p(abs_m) - log_omm)
    return _out(np.sign(h0) * np.where(abs_m < 0.5, np.arctanh(np.minimum(abs_m, 0.5)), big))


# ----------------------------------------------------------------------------------------------
# brute-force enumeration (checks)
# ----------------------------------------------------------------------------------------------
def _ring_sums(N: int):
    """(bond sum, magnetization) of every state of an ``N``-spin ring, as float64 arrays of length ``2**N``."""
    return ring_bond_sums(N, 1 % N if N > 1 else 0).astype(np.float64), magnetizations(N).astype(np.float64)


def _ring_log_probabilities(N: int, K: NDArray[np.float64], h: NDArray[np.float64]) -> NDArray[np.float64]:
    _check_storage(K.size * 2**N, f"enumerating 2**N = {2**N} states for {K.size} couplings")
    bonds, mag = _ring_sums(N)
    lw = K[..., None] * bonds + h[..., None] * mag
    return lw - logsumexp(lw, axis=-1, keepdims=True)


def ring_log_probabilities(N: int, K: ArrayLike, h: ArrayLike = 0.0) -> NDArray[np.float64]:
    r"""Log Boltzmann probabilities :math:`\ln p(s) = K\sum_i s_is_{i+1} + h\sum_i s_i - \ln Z_N` of all ring states.

    Parameters
    ----------
    N : int
        Ring size, ``1 <= N <= MAX_ENUMERATION_N``.
    K, h : array_like
        Couplings (finite reals, broadcast); ``size * 2**N <= MAX_STORED_VALUES``.

    Returns
    -------
    ndarray, shape ``(*broadcast_shape, 2**N)``
        In the order of :func:`rglib.ising.all_spin_configurations`.

    See Also
    --------
    rglib.ising.ring_log_partition : the transfer-matrix :math:`\ln Z_N`.

    Examples
    --------
    >>> lp = ring_log_probabilities(3, 0.5)  # Z = 2 e^{3K} + 6 e^{-K}
    >>> print(np.round(np.exp(lp), 6))
    [0.355617 0.048128 0.048128 0.048128 0.048128 0.048128 0.048128 0.355617]
    """
    N = check_int(N, "N", 1, MAX_ENUMERATION_N)
    K, h = _couplings(K, h, ("K", "h"))
    return _ring_log_probabilities(N, K, h)


def marginal_log_probabilities(log_p: ArrayLike, N: int, stride: int) -> NDArray[np.float64]:
    r"""Exact marginal :math:`\ln\sum_{\rm removed} p(s)` of an ``N``-spin distribution on sites ``0, stride, ...``.

    Parameters
    ----------
    log_p : array_like, shape ``(..., 2**N)``
        Log-probabilities over all :math:`2^N` states along the last axis (enumeration order); ``-inf`` marks
        impossible states.
    N : int
        Number of spins, ``1 <= N <= MAX_ENUMERATION_N``.
    stride : int
        Keep every ``stride``-th spin; ``N`` must be divisible by ``stride``.

    Returns
    -------
    numpy.ndarray, shape ``(..., 2**(N // stride))``
        Log-probabilities of the kept configurations, in enumeration order.

    See Also
    --------
    decimate_1d : the closed form of the ``stride = 2`` marginal of a ring.

    Examples
    --------
    >>> lm = marginal_log_probabilities(ring_log_probabilities(4, 1.0), 4, 2)
    >>> Kp = decimate_1d(1.0).K
    >>> print(np.allclose(lm, ring_log_probabilities(2, Kp)))
    True
    """
    N = check_int(N, "N", 1, MAX_ENUMERATION_N)
    stride = check_int(stride, "stride", 1)
    if N % stride:
        raise ValueError(f"N must be divisible by stride = {stride}; got N = {N}")
    lp = check_log_array(log_p, "log_p")
    if lp.ndim < 1 or lp.shape[-1] != 2**N:
        raise ValueError(f"log_p must have 2**N = {2**N} states along its last axis; got shape {lp.shape}")
    M = N // stride
    code = kept_state_codes(N, stride)
    order = np.argsort(code, kind="stable")
    grouped = lp[..., order].reshape(*lp.shape[:-1], 2**M, 2 ** (N - M))
    return logsumexp(grouped, axis=-1)
