r"""Error bars for correlated Monte Carlo time series, and goodness-of-fit of sampled histograms.

Conventions
-----------
* Time runs along ``axis`` (default 0); every other axis is an independent series (chains, temperatures,
  observables), processed at once.
* The integrated autocorrelation time follows Sokal [1]_:

  .. math:: \tau_\mathrm{int} = \frac12 + \sum_{t=1}^{M} \rho(t),

  so that independent samples have :math:`\tau_\mathrm{int} = 1/2` and the variance of the mean of ``n``
  correlated samples is :math:`2\tau_\mathrm{int}\,\sigma^2/n`. The window ``M`` is chosen automatically
  as the smallest ``M`` with :math:`M \ge c\,\tau_\mathrm{int}(M)` (Sokal's self-consistent window,
  ``c`` about 5-10), searched over :math:`M \le n/4` only, where the estimator is not yet dominated by the
  bias of the subtracted mean (the sum over *all* lags of the empirical :math:`\rho` is exactly
  :math:`-1/2`, so :math:`\tau_\mathrm{int}(n-1) = 0` for every series).
* Blocking (binning) and the blocked jackknife give model-free errors once blocks are much longer than
  :math:`\tau_\mathrm{int}`.
* Results with several parts are ``typing.NamedTuple`` (they unpack like tuples).

References
----------
.. [1] A. D. Sokal, "Monte Carlo methods in statistical mechanics: foundations and new algorithms", in
   Functional Integration (Cargese 1996), Springer (1997).
.. [2] N. Madras and A. D. Sokal, "The pivot algorithm", J. Stat. Phys. 50, 109 (1988).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from ._checks import check_axis, check_callable, check_cost, check_int, check_real, check_real_array
from ._numerics import scalar_or_array as _out

__all__ = [
    "autocorrelation_function",
    "integrated_autocorrelation_time",
    "tau_int_error",
    "MeanWithError",
    "mean_error",
    "BinnedMean",
    "binning_error",
    "JackknifeEstimate",
    "blocked_jackknife",
    "ChiSquareResult",
    "chi_square_gof",
    "total_variation",
    "MAX_JACKKNIFE_WORK",
]

#: Largest ``n_blocks * x.size`` that :func:`blocked_jackknife` accepts (each of the ``n_blocks`` leave-one-out
#: statistics sees almost all of ``x``).
MAX_JACKKNIFE_WORK = 10**10


def _series(x, name: str = "x") -> NDArray[np.float64]:
    r"""A finite real array with at least one axis (the time axis); bools count as 0/1."""
    arr = check_real_array(x, name, allow_bool=True)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have at least one axis (the time axis); got a scalar")
    return arr


def _window_constant(c) -> float:
    return check_real(c, "c", lower=0.0, lower_strict=True, what="c > 0 (Sokal's window constant, about 4-10)")


def autocorrelation_function(x: ArrayLike, axis: int = 0) -> NDArray[np.float64]:
    r"""Normalized autocorrelation :math:`\rho(t) = C(t)/C(0)` along ``axis``, via FFT.

    .. math:: C(t) = \frac{1}{n}\sum_{i=0}^{n-1-t} (x_i - \bar x)(x_{i+t} - \bar x)

    (the standard biased estimator). Constant series give :math:`\rho(0) = 1` and :math:`\rho(t>0) = 0`.

    Parameters
    ----------
    x : array_like
        Finite real time series, at least 2 samples along ``axis``.
    axis : int
        The time axis.

    Returns
    -------
    ndarray
        :math:`\rho`, the same shape as ``x``.

    Examples
    --------
    >>> print(np.round(autocorrelation_function([1.0, -1.0, 1.0, -1.0]), 3))
    [ 1.   -0.75  0.5  -0.25]
    """
    arr = _series(x)
    axis = check_axis(axis, arr.ndim)
    a = np.moveaxis(arr, axis, -1)
    n = a.shape[-1]
    if n < 2:
        raise ValueError(f"x needs at least 2 samples along axis {axis}; got {n}")
    d = a - a.mean(axis=-1, keepdims=True)
    nfft = 1 << (2 * n - 1).bit_length()
    f = np.fft.rfft(d, n=nfft, axis=-1)
    c = np.fft.irfft(f * np.conj(f), n=nfft, axis=-1)[..., :n] / n
    c0 = c[..., :1]
    with np.errstate(invalid="ignore", divide="ignore"):
        scale2 = (1e-12 * np.abs(a).max(axis=-1, keepdims=True)) ** 2
        rho = np.where(c0 > np.maximum(scale2, 1e-300), c / c0, 0.0)
    rho[..., 0] = 1.0
    return np.moveaxis(rho, -1, axis)


def _tau_iv(x, c, axis, chain_axis):
    c = _window_constant(c)
    arr = _series(x)
    axis = check_axis(axis, arr.ndim)
    if arr.shape[axis] < 2:
        raise ValueError(f"x needs at least 2 samples along axis {axis}; got {arr.shape[axis]}")
    if chain_axis is not None:
        chain_axis = check_axis(chain_axis, arr.ndim, "chain_axis")
        if chain_axis == axis:
            raise ValueError(f"chain_axis must differ from axis; both are {axis}")
    return arr, c, axis, chain_axis


def integrated_autocorrelation_time(x: ArrayLike, c: float = 6.0, axis: int = 0,
                                    chain_axis: int | None = None) -> NDArray[np.float64] | float:
    r"""Integrated autocorrelation time with Sokal's automatic window.

    .. math:: \tau_\mathrm{int}(M) = \frac12 + \sum_{t=1}^{M}\rho(t), \qquad
              M = \min\{M \le n/4 : M \ge c\,\tau_\mathrm{int}(M)\}.

    Parameters
    ----------
    x : array_like
        Time series; time along ``axis``, all other axes are independent series (vectorized).
    c : float
        Window constant, ``c > 0`` (Sokal recommends 4-10; default 6).
    axis : int
        The time axis (at least 2 samples).
    chain_axis : int, optional
        An axis of independent chains of the same process: their autocorrelation functions are averaged
        before the window sum (a less noisy estimate); this axis is removed from the result too.

    Returns
    -------
    float or ndarray
        :math:`\tau_\mathrm{int}` for each series (shape of ``x`` without ``axis``); 0.5 for independent
        samples and for constant series; a tiny positive number for strongly anticorrelated ones.

    Notes
    -----
    *Short series.* Sokal's rule needs :math:`n \gg c\,\tau_\mathrm{int}` (he recommends :math:`n \gtrsim
    1000\,\tau_\mathrm{int}`). When ``c * tau`` is comparable to ``n``, the window sum is noisy and biased low
    (the subtracted mean lowers every :math:`\rho(t)` by about :math:`2\tau_\mathrm{int}/n`), and the rule would
    stop on a dip of it -- at worst on the exact zero :math:`\tau_\mathrm{int}(n-1) = 0` of the full sum. Two
    safeguards, which leave the result unchanged whenever the series is long enough: windows are searched only
    up to :math:`M = n/4`; and if the selected :math:`\tau_\mathrm{int}(M)` is below half the largest value seen
    at smaller windows (a collapse, not a plateau), or no window qualifies, the same rule is applied to the
    running maximum :math:`\max_{M' \le M}\tau_\mathrm{int}(M')` instead (its value at :math:`M = n/4` if
    still no window qualifies). The result is then a rough estimate, usually too low; lengthen the series.

    See Also
    --------
    tau_int_error : the statistical error of this estimate.
    mean_error : the error bar of a mean that uses it.

    References
    ----------
    .. [1] A. D. Sokal, in Functional Integration (Cargese 1996), Springer (1997).

    Examples
    --------
    >>> from scipy.signal import lfilter
    >>> noise = np.random.default_rng(0).normal(size=200_000)
    >>> x = lfilter([1.0], [1.0, -0.8], noise)  # AR(1), a = 0.8: tau_int = (1 + a) / (2 (1 - a)) = 4.5
    >>> tau = integrated_autocorrelation_time(x)
    >>> print(f"{tau:.2f} +- {tau_int_error(tau, x.size):.2f}")
    4.57 +- 0.11
    """
    arr, c, axis, chain_axis = _tau_iv(x, c, axis, chain_axis)
    rho = autocorrelation_function(arr, axis=axis)
    if chain_axis is not None:
        rho = rho.mean(axis=chain_axis)
        axis = axis - (chain_axis < axis)
    r = np.moveaxis(rho, axis, -1)
    n = r.shape[-1]
    m_max = max(1, n // 4)
    tau = 0.5 + np.cumsum(r[..., 1:m_max + 1], axis=-1)  # tau(M) for M = 1..m_max
    M = np.arange(1, tau.shape[-1] + 1)
    ok = M >= c * tau
    pick = ok.argmax(axis=-1)[..., None]
    first = np.take_along_axis(tau, pick, axis=-1)[..., 0]
    # running maximum of tau(M): the same rule applied to it cannot stop on a dip of the noisy window sum
    env = np.maximum.accumulate(tau, axis=-1)
    ok_env = M >= c * env
    first_env = np.take_along_axis(env, ok_env.argmax(axis=-1)[..., None], axis=-1)[..., 0]
    robust = np.where(ok_env.any(axis=-1), first_env, env[..., -1])
    sokal = ok.any(axis=-1) & (first >= 0.5 * np.take_along_axis(env, pick, axis=-1)[..., 0])
    out = np.where(sokal, first, robust)
    # anticorrelated series may give tau < 1/2 (or <= 0); keep it positive so that errors stay real
    return _out(np.maximum(out, np.finfo(float).tiny))


def tau_int_error(tau: ArrayLike, n_samples: ArrayLike, c: float = 6.0) -> NDArray[np.float64] | float:
    r"""Statistical error of a windowed :math:`\tau_\mathrm{int}` estimate (Madras & Sokal 1988).

    .. math:: \sigma_\tau \approx \tau\sqrt{2(2M + 1)/n}, \qquad M \approx c\,\tau,

    for ``n`` samples in total (``n * n_chains`` when chains are pooled).

    Parameters
    ----------
    tau : float or array_like
        Estimates of :math:`\tau_\mathrm{int}`, ``> 0``.
    n_samples : int or array_like
        Number of samples behind each estimate, ``>= 1``; broadcast against ``tau``.
    c : float
        The window constant used for ``tau``, ``> 0``.

    References
    ----------
    .. [1] N. Madras and A. D. Sokal, J. Stat. Phys. 50, 109 (1988).

    Examples
    --------
    >>> print(f"{tau_int_error(4.5, 20_000):.4f}")
    0.3337
    """
    tau = check_real_array(tau, "tau", lower=0.0, lower_strict=True)
    n = check_real_array(n_samples, "n_samples", lower=1.0)
    c = _window_constant(c)
    try:
        out = tau * np.sqrt(2.0 * (2.0 * c * tau + 1.0) / n)
    except ValueError:
        raise ValueError(f"tau and n_samples must broadcast; got shapes {tau.shape} and {n.shape}") from None
    return _out(out)


class MeanWithError(NamedTuple):
    r"""Mean of a correlated series with its error bar (:func:`mean_error`)."""

    #: The sample mean :math:`\bar x`.
    mean: NDArray[np.float64] | float
    #: Its standard error :math:`\sqrt{2\tau_\mathrm{int}\hat\sigma^2/n}`.
    error: NDArray[np.float64] | float
    #: The integrated autocorrelation time used for the error.
    tau: NDArray[np.float64] | float


def mean_error(x: ArrayLike, axis: int = 0, c: float = 6.0, chain_axis: int | None = None) -> MeanWithError:
    r"""Mean, standard error and :math:`\tau_\mathrm{int}` of a correlated time series.

    .. math:: \bar x \pm \sqrt{2\tau_\mathrm{int}\,\hat\sigma^2 / n},

    with :math:`\hat\sigma^2` the sample variance (``ddof=1``) and :math:`\tau_\mathrm{int}` from
    :func:`integrated_autocorrelation_time` (see its notes for series shorter than about
    :math:`4c\,\tau_\mathrm{int}`). Vectorized over all axes but ``axis``. With ``chain_axis``, the chains
    along that axis are pooled: one mean over all ``n * n_chains`` values, the chain-averaged
    autocorrelation for :math:`\tau_\mathrm{int}`, and ``n * n_chains`` in the denominator.

    Parameters
    ----------
    x : array_like
        Finite real series with at least 2 samples along ``axis``.
    axis, c, chain_axis
        As in :func:`integrated_autocorrelation_time`.

    Returns
    -------
    MeanWithError
        ``(mean, error, tau)``, floats or arrays of the shape of ``x`` without ``axis`` (and ``chain_axis``).

    See Also
    --------
    binning_error : a model-free error from block means.

    Examples
    --------
    >>> m, err, tau = mean_error(np.random.default_rng(1).normal(size=10_000))
    >>> print(f"{m:.3f} {err:.3f} {tau:.2f}")
    -0.011 0.010 0.48
    """
    arr, c, axis, chain_axis = _tau_iv(x, c, axis, chain_axis)
    n = arr.shape[axis]
    tau = integrated_autocorrelation_time(arr, c=c, axis=axis, chain_axis=chain_axis)
    both = axis if chain_axis is None else (axis, chain_axis)
    if chain_axis is not None:
        n = n * arr.shape[chain_axis]
    mean = arr.mean(axis=both)
    var = arr.var(axis=both, ddof=1)
    err = np.sqrt(2.0 * np.asarray(tau) * var / n)
    return MeanWithError(_out(mean), _out(err), _out(np.asarray(tau)))


def _n_blocks(n_blocks, n: int) -> int:
    nb = check_int(n_blocks, "n_blocks", 2)
    if nb > n:
        raise ValueError(f"n_blocks must satisfy 2 <= n_blocks <= n = {n} (the number of samples); got {nb}")
    return nb


class BinnedMean(NamedTuple):
    r"""Mean and standard error from block means (:func:`binning_error`)."""

    #: Mean over the blocks used.
    mean: NDArray[np.float64] | float
    #: Standard error of the block means, :math:`\sqrt{\operatorname{var}(\bar x_b)/n_b}`.
    error: NDArray[np.float64] | float


def binning_error(x: ArrayLike, n_blocks: int = 32, axis: int = 0) -> BinnedMean:
    r"""Mean and standard error by binning into ``n_blocks`` consecutive blocks.

    The series is cut into ``n_blocks`` equal blocks (a remainder at the start is dropped); the error is the
    standard error of the block means, :math:`\sqrt{\operatorname{var}(\bar x_b)/n_b}`. Reliable when
    each block is much longer than :math:`\tau_\mathrm{int}`.

    Parameters
    ----------
    x : array_like
        Finite real series, time along ``axis``.
    n_blocks : int
        Number of blocks, ``2 <= n_blocks <= n``.
    axis : int
        The time axis.

    Returns
    -------
    BinnedMean
        ``(mean, error)``.

    See Also
    --------
    mean_error : the same error from :math:`\tau_\mathrm{int}`.

    Examples
    --------
    >>> m, err = binning_error(np.arange(8.0), n_blocks=4)
    >>> print(f"{m:.2f} {err:.3f}")
    3.50 1.291
    """
    arr = _series(x)
    axis = check_axis(axis, arr.ndim)
    a = np.moveaxis(arr, axis, -1)
    n = a.shape[-1]
    nb = _n_blocks(n_blocks, n)
    size = n // nb
    blocks = a[..., n - nb * size:].reshape(a.shape[:-1] + (nb, size)).mean(axis=-1)
    return BinnedMean(_out(blocks.mean(axis=-1)), _out(blocks.std(axis=-1, ddof=1) / np.sqrt(nb)))


class JackknifeEstimate(NamedTuple):
    r"""Bias-corrected estimate of a statistic and its blocked-jackknife error (:func:`blocked_jackknife`)."""

    #: :math:`n_b f(x) - (n_b - 1)\bar\theta`.
    estimate: NDArray[np.float64] | float
    #: :math:`\sqrt{\frac{n_b-1}{n_b}\sum_b(\hat\theta_{(b)} - \bar\theta)^2}`.
    error: NDArray[np.float64] | float


def blocked_jackknife(x: ArrayLike, func: Callable[[np.ndarray, int], np.ndarray], n_blocks: int = 32,
                      axis: int = 0) -> JackknifeEstimate:
    r"""Estimate and error of a nonlinear statistic ``func`` by the blocked (delete-one-block) jackknife.

    .. math:: \hat\theta_{(b)} = f(x \setminus \text{block } b), \qquad
              \sigma^2_\theta = \frac{n_b - 1}{n_b}\sum_b (\hat\theta_{(b)} - \bar\theta)^2 ,

    with the bias-corrected estimate :math:`n_b f(x) - (n_b - 1)\bar\theta`. Blocks much longer than
    :math:`\tau_\mathrm{int}` make the error account for autocorrelation.

    Parameters
    ----------
    x : array_like
        Samples with time along ``axis``.
    func : callable
        ``func(samples, axis) -> statistic``: reduces the time axis, e.g.
        ``lambda e, axis: e.var(axis=axis)`` for a specific heat.
    n_blocks : int
        Number of blocks, ``2 <= n_blocks <= n``; ``n_blocks * x.size <= MAX_JACKKNIFE_WORK``.
    axis : int
        The time axis.

    Returns
    -------
    JackknifeEstimate
        ``(estimate, error)``.

    Examples
    --------
    >>> est, err = blocked_jackknife(np.arange(8.0), lambda v, axis: v.mean(axis=axis), n_blocks=4)
    >>> print(f"{est:.2f} {err:.3f}")
    3.50 1.291
    """
    check_callable(func, "func", "func(samples, axis) -> statistic")
    arr = _series(x)
    axis = check_axis(axis, arr.ndim)
    a = np.moveaxis(arr, axis, 0)
    n = a.shape[0]
    nb = _n_blocks(n_blocks, n)
    check_cost(float(nb) * arr.size, MAX_JACKKNIFE_WORK, "MAX_JACKKNIFE_WORK",
               f"blocked_jackknife with n_blocks = {nb} on {arr.size} values", unit="values passed to func",
               advice="use fewer blocks")
    size = n // nb
    a = a[n - nb * size:]
    full = np.asarray(func(a, 0), dtype=np.float64)
    blocks = a.reshape((nb, size) + a.shape[1:])
    leave = np.stack([np.asarray(func(np.delete(blocks, b, axis=0).reshape((-1,) + a.shape[1:]), 0))
                      for b in range(nb)])
    mean_leave = leave.mean(axis=0)
    est = nb * full - (nb - 1) * mean_leave
    err = np.sqrt((nb - 1) / nb * ((leave - mean_leave) ** 2).sum(axis=0))
    return JackknifeEstimate(_out(est), _out(err))


def _counts_probs(counts, probs) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    if isinstance(counts, (str, bytes)):
        raise TypeError("counts must be an array of non-negative integers")
    c = np.asarray(counts)
    if c.dtype == np.bool_ or not np.issubdtype(c.dtype, np.integer):
        raise TypeError(f"counts must be an array of non-negative integers; got dtype {c.dtype}")
    p = check_real_array(probs, "probs", lower=0.0, upper=1.0, what="0 <= probs <= 1")
    if c.ndim != 1 or p.shape != c.shape or c.size == 0:
        raise ValueError(f"counts and probs must be 1-D arrays of the same length; got shapes {c.shape} and {p.shape}")
    if np.any(c < 0):
        raise ValueError(f"counts must be an array of non-negative integers; got {int(c.min())}")
    if not np.isclose(p.sum(), 1.0, rtol=0.0, atol=1e-9):
        raise ValueError(f"probs must sum to 1 (to 1e-9); got {p.sum()!r}")
    if c.sum() == 0:
        raise ValueError("counts must not all be zero")
    return c.astype(np.int64), p


class ChiSquareResult(NamedTuple):
    r"""Pearson's goodness-of-fit test (:func:`chi_square_gof`)."""

    #: :math:`X^2 = \sum_i (O_i - n p_i)^2/(n p_i)` over the pooled cells.
    statistic: float
    #: Degrees of freedom, number of cells minus one.
    dof: int
    #: :math:`P(\chi^2_\mathrm{dof} \ge X^2)`.
    p_value: float


def chi_square_gof(counts: ArrayLike, probs: ArrayLike, min_expected: float = 5.0) -> ChiSquareResult:
    r"""Pearson chi-square goodness-of-fit test of observed ``counts`` against probabilities ``probs``.

    .. math:: X^2 = \sum_i \frac{(O_i - n p_i)^2}{n p_i}, \qquad \text{dof} = \#\text{cells} - 1.

    Cells with expected count :math:`n p_i` below ``min_expected`` are pooled into one cell (kept if its
    expected count reaches ``min_expected``), so the :math:`\chi^2` approximation holds. Counts in cells of
    probability zero make :math:`X^2 = \infty` and the p-value 0. The samples must be independent (thin
    Markov chains well beyond :math:`2\tau_\mathrm{int}`, or use one sample per chain).

    Parameters
    ----------
    counts : array_like of int, shape ``(k,)``
        Observed counts, non-negative, not all zero.
    probs : array_like, shape ``(k,)``
        Probabilities in ``[0, 1]`` summing to 1 (to 1e-9).
    min_expected : float
        Smallest expected count of a cell, ``> 0`` (default 5).

    Returns
    -------
    ChiSquareResult
        ``(statistic, dof, p_value)``.

    See Also
    --------
    total_variation : a distance rather than a test.

    Examples
    --------
    >>> res = chi_square_gof([48, 52], [0.5, 0.5])
    >>> print(f"{res.statistic:.2f} {res.dof} {res.p_value:.3f}")
    0.16 1 0.689
    """
    c, p = _counts_probs(counts, probs)
    min_expected = check_real(min_expected, "min_expected", lower=0.0, lower_strict=True,
                              what="min_expected > 0 (an expected count)")
    n = c.sum()
    exp_ = n * p
    big = exp_ >= min_expected
    obs = c[big].astype(np.float64)
    ex = exp_[big]
    rest_e = exp_[~big].sum()
    rest_o = c[~big].sum()
    if np.any(c[p == 0] > 0):  # a state of probability zero was observed
        return ChiSquareResult(float("inf"), max(len(obs) - 1 + int(rest_e >= min_expected), 1), 0.0)
    if rest_e >= min_expected:
        obs = np.append(obs, rest_o)
        ex = np.append(ex, rest_e)
    if len(obs) < 2:
        raise ValueError(f"fewer than two cells have an expected count >= min_expected = {min_expected:g}; "
                         "draw more samples or lower min_expected")
    x2 = float(((obs - ex) ** 2 / ex).sum())
    dof = len(obs) - 1
    return ChiSquareResult(x2, dof, float(special.chdtrc(dof, x2)))  # chi^2 survival function


def total_variation(counts: ArrayLike, probs: ArrayLike) -> float:
    r"""Total-variation distance between the empirical and an exact distribution.

    .. math:: d_\mathrm{TV} = \frac12\sum_i \Big|\frac{O_i}{n} - p_i\Big| \in [0, 1].

    Parameters as in :func:`chi_square_gof`.

    Examples
    --------
    >>> print(total_variation([3, 1], [0.5, 0.5]))
    0.25
    """
    c, p = _counts_probs(counts, probs)
    return float(0.5 * np.abs(c / c.sum() - p).sum())
