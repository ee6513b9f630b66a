r"""Error bars for correlated Monte Carlo time series.

Conventions
-----------
* Time runs along ``axis`` (default 0); every other axis is an independent series (chains, temperatures,
  observables), processed at once.
* The integrated autocorrelation time follows Sokal (1997):

  .. math:: \tau_\mathrm{int} = \frac12 + \sum_{t=1}^{M} \rho(t),

  so that independent samples have :math:`\tau_\mathrm{int} = 1/2` and the variance of the mean of ``n``
  correlated samples is :math:`2\tau_\mathrm{int}\,\sigma^2/n`. The window ``M`` is chosen automatically
  as the smallest ``M`` with :math:`M \ge c\,\tau_\mathrm{int}(M)` (Sokal's self-consistent window,
  ``c`` about 5-10).
* Blocking (binning) and the blocked jackknife give model-free errors once blocks are much longer than
  :math:`\tau_\mathrm{int}`.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "autocorrelation_function",
    "integrated_autocorrelation_time",
    "mean_error",
    "binning_error",
    "blocked_jackknife",
    "tau_int_error",
    "chi_square_gof",
    "total_variation",
]


def _as_series(x, name: str = "x") -> np.ndarray:
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be a numeric array")
    arr = np.asarray(x)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise TypeError(f"{name} must be a numeric array; got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real")
    arr = arr.astype(np.float64)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have at least one axis (the time axis)")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def _check_axis(arr: np.ndarray, axis) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an int; got {axis!r}")
    if not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"axis={axis} is out of range for an array with {arr.ndim} dimensions")
    return int(axis) % arr.ndim


def autocorrelation_function(x, axis: int = 0) -> np.ndarray:
    r"""Normalized autocorrelation :math:`\rho(t) = C(t)/C(0)` along ``axis``, via FFT.

    :math:`C(t) = \frac{1}{n}\sum_{i=0}^{n-1-t} (x_i - \bar x)(x_{i+t} - \bar x)` (the standard biased
    estimator). Constant series give :math:`\rho(0) = 1` and :math:`\rho(t>0) = 0`.

    Returns an array of the same shape as ``x``.
    """
    arr = _as_series(x)
    axis = _check_axis(arr, axis)
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


def integrated_autocorrelation_time(x, c: float = 6.0, axis: int = 0, chain_axis: int | None = None) -> np.ndarray | float:
    r"""Integrated autocorrelation time with Sokal's automatic window.

    .. math:: \tau_\mathrm{int}(M) = \frac12 + \sum_{t=1}^{M}\rho(t), \qquad
              M = \min\{M : M \ge c\,\tau_\mathrm{int}(M)\}.

    Parameters
    ----------
    x : array_like
        Time series; time along ``axis``, all other axes are independent series (vectorized).
    c : float
        Window constant, ``c > 0`` (Sokal recommends 4-10; default 6).
    axis : int
        The time axis.
    chain_axis : int, optional
        An axis of independent chains of the same process: their autocorrelation functions are averaged
        before the window sum (a less noisy estimate); this axis is removed from the result too.

    Returns
    -------
    float or ndarray
        :math:`\tau_\mathrm{int}` for each series (shape of ``x`` without ``axis``); 0.5 for independent
        samples and for constant series. When no window satisfies the condition (series shorter than about
        ``c * tau``) the estimate at the largest window is returned and is a lower bound.
    """
    if isinstance(c, bool) or not isinstance(c, (int, float, np.integer, np.floating)) or not np.isfinite(c) \
            or c <= 0:
        raise ValueError(f"c must be a finite number > 0; got {c!r}")
    rho = autocorrelation_function(x, axis=axis)
    axis = _check_axis(rho, axis)
    if chain_axis is not None:
        chain_axis = _check_axis(rho, chain_axis)
        if chain_axis == axis:
            raise ValueError("chain_axis must differ from axis")
        rho = rho.mean(axis=chain_axis)
        axis = axis - (chain_axis < axis)
    r = np.moveaxis(rho, axis, -1)
    n = r.shape[-1]
    tau = 0.5 + np.cumsum(r[..., 1:], axis=-1)  # tau(M) for M = 1..n-1
    if n < 2 or tau.shape[-1] == 0:
        out = np.full(r.shape[:-1], 0.5)
    else:
        M = np.arange(1, n)
        ok = M >= c * tau
        first = np.where(ok.any(axis=-1), ok.argmax(axis=-1), n - 2)
        out = np.take_along_axis(tau, first[..., None], axis=-1)[..., 0]
        # anticorrelated series may give tau < 1/2; keep it positive so that errors stay real
        out = np.maximum(out, np.finfo(float).tiny)
    return float(out) if np.ndim(out) == 0 else out


def tau_int_error(tau, n_samples, c: float = 6.0):
    r"""Statistical error of a windowed :math:`\tau_\mathrm{int}` estimate (Madras & Sokal 1988).

    .. math:: \sigma_\tau \approx \tau\sqrt{2(2M + 1)/n}, \qquad M \approx c\,\tau,

    for ``n`` samples in total (``n * n_chains`` when chains are pooled).
    """
    tau = _as_series(np.atleast_1d(tau), "tau").reshape(np.shape(tau))
    n = _as_series(np.atleast_1d(n_samples), "n_samples").reshape(np.shape(n_samples))
    if np.any(n < 1):
        raise ValueError("n_samples must be >= 1")
    out = tau * np.sqrt(2.0 * (2.0 * c * tau + 1.0) / n)
    return float(out) if np.ndim(out) == 0 else out


def mean_error(x, axis: int = 0, c: float = 6.0, chain_axis: int | None = None):
    r"""Mean, standard error and :math:`\tau_\mathrm{int}` of a correlated time series.

    .. math:: \bar x \pm \sqrt{2\tau_\mathrm{int}\,\hat\sigma^2 / n},

    with :math:`\hat\sigma^2` the sample variance (``ddof=1``) and :math:`\tau_\mathrm{int}` from
    :func:`integrated_autocorrelation_time`. Vectorized over all axes but ``axis``. With ``chain_axis``,
    the chains along that axis are pooled: one mean over all ``n * n_chains`` values, the chain-averaged
    autocorrelation for :math:`\tau_\mathrm{int}`, and ``n * n_chains`` in the denominator.

    Returns
    -------
    mean, error, tau : float or ndarray
    """
    arr = _as_series(x)
    axis = _check_axis(arr, axis)
    n = arr.shape[axis]
    if n < 2:
        raise ValueError(f"x needs at least 2 samples along axis {axis}; got {n}")
    tau = integrated_autocorrelation_time(arr, c=c, axis=axis, chain_axis=chain_axis)
    if chain_axis is None:
        mean = arr.mean(axis=axis)
        var = arr.var(axis=axis, ddof=1)
    else:
        chain_axis = _check_axis(arr, chain_axis)
        both = (axis, chain_axis)
        n = n * arr.shape[chain_axis]
        mean = arr.mean(axis=both)
        var = arr.var(axis=both, ddof=1)
    err = np.sqrt(2.0 * np.asarray(tau) * var / n)

    def f(v):
        return float(v) if np.ndim(v) == 0 else v

    return f(mean), f(err), f(tau)


def _check_blocks(n_blocks, n: int) -> int:
    if isinstance(n_blocks, bool) or not isinstance(n_blocks, (int, np.integer)):
        raise TypeError(f"n_blocks must be an int; got {n_blocks!r}")
    if n_blocks < 2 or n_blocks > n:
        raise ValueError(f"n_blocks must satisfy 2 <= n_blocks <= n_samples = {n}; got {n_blocks}")
    return int(n_blocks)


def binning_error(x, n_blocks: int = 32, axis: int = 0):
    r"""Mean and standard error by binning into ``n_blocks`` consecutive blocks.

    The series is cut into ``n_blocks`` equal blocks (a remainder at the start is dropped); the error is the
    standard error of the block means, :math:`\sqrt{\operatorname{var}(\bar x_b)/n_b}`. Reliable when
    each block is much longer than :math:`\tau_\mathrm{int}`.

    Returns
    -------
    mean, error : float or ndarray
        Mean over the blocks used, and its standard error.
    """
    arr = _as_series(x)
    axis = _check_axis(arr, axis)
    a = np.moveaxis(arr, axis, -1)
    n = a.shape[-1]
    nb = _check_blocks(n_blocks, n)
    size = n // nb
    blocks = a[..., n - nb * size:].reshape(a.shape[:-1] + (nb, size)).mean(axis=-1)
    mean = blocks.mean(axis=-1)
    err = blocks.std(axis=-1, ddof=1) / np.sqrt(nb)

    def f(v):
        return float(v) if np.ndim(v) == 0 else v

    return f(mean), f(err)


def blocked_jackknife(x, func: Callable[[np.ndarray], np.ndarray], n_blocks: int = 32, axis: int = 0):
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
        Number of blocks, ``2 <= n_blocks <= n``.

    Returns
    -------
    estimate, error : float or ndarray
    """
    if not callable(func):
        raise TypeError("func must be callable: func(samples, axis) -> statistic")
    arr = _as_series(x)
    axis = _check_axis(arr, axis)
    a = np.moveaxis(arr, axis, 0)
    n = a.shape[0]
    nb = _check_blocks(n_blocks, n)
    size = n // nb
    a = a[n - nb * size:]
    full = np.asarray(func(a, 0), dtype=np.float64)
    blocks = a.reshape((nb, size) + a.shape[1:])
    leave = np.stack([np.asarray(func(np.delete(blocks, b, axis=0).reshape((-1,) + a.shape[1:]), 0))
                      for b in range(nb)])
    mean_leave = leave.mean(axis=0)
    est = nb * full - (nb - 1) * mean_leave
    err = np.sqrt((nb - 1) / nb * ((leave - mean_leave) ** 2).sum(axis=0))

    def f(v):
        return float(v) if np.ndim(v) == 0 else v

    return f(est), f(err)


def _counts_probs(counts, probs):
    c = np.asarray(counts)
    p = np.asarray(probs, dtype=np.float64)
    if c.ndim != 1 or p.shape != c.shape:
        raise ValueError(f"counts and probs must be 1-D arrays of the same length; got {c.shape} and {p.shape}")
    if not np.issubdtype(c.dtype, np.integer) or np.any(c < 0):
        raise TypeError("counts must be non-negative integers")
    if not np.all(np.isfinite(p)) or np.any(p < 0) or not np.isclose(p.sum(), 1.0, atol=1e-9):
        raise ValueError("probs must be finite, non-negative and sum to 1")
    return c.astype(np.int64), p


def chi_square_gof(counts, probs, min_expected: float = 5.0):
    r"""Pearson chi-square goodness-of-fit test of observed ``counts`` against probabilities ``probs``.

    Cells with expected count :math:`n p_i` below ``min_expected`` are pooled into one cell (kept if its
    expected count reaches ``min_expected``), so the :math:`\chi^2` approximation holds.

    .. math:: X^2 = \sum_i \frac{(O_i - n p_i)^2}{n p_i}, \qquad \text{dof} = \#\text{cells} - 1.

    The samples must be independent (thin Markov chains well beyond :math:`2\tau_\mathrm{int}`, or use one
    sample per chain).

    Returns
    -------
    statistic, dof, p_value
    """
    c, p = _counts_probs(counts, probs)
    n = c.sum()
    if n == 0:
        raise ValueError("counts must not all be zero")
    exp_ = n * p
    big = exp_ >= min_expected
    obs = c[big].astype(np.float64)
    ex = exp_[big]
    rest_e = exp_[~big].sum()
    rest_o = c[~big].sum()
    if rest_e >= min_expected:
        obs = np.append(obs, rest_o)
        ex = np.append(ex, rest_e)
    elif rest_o > 0 and rest_e == 0:
        return float("inf"), max(len(obs) - 1, 1), 0.0
    if len(obs) < 2:
        raise ValueError("fewer than two cells have an expected count >= min_expected; draw more samples")
    x2 = float(((obs - ex) ** 2 / ex).sum())
    from scipy.stats import chi2

    dof = len(obs) - 1
    return x2, dof, float(chi2.sf(x2, dof))


def total_variation(counts, probs) -> float:
    r"""Total-variation distance :math:`\frac12\sum_i |O_i/n - p_i|` between empirical and exact distributions."""
    c, p = _counts_probs(counts, probs)
    n = c.sum()
    if n == 0:
        raise ValueError("counts must not all be zero")
    return float(0.5 * np.abs(c / n - p).sum())
