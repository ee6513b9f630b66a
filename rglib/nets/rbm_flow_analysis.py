r"""Analysis helpers for RBM flows: the Ising chain as an RBM, exact layer marginals, thermometers, correlators.

Three groups of tools used by the chapter on RBM flows (Iso, Shiba & Yokoo; Mehta & Schwab):

* **Exact mapping on the ring.** A periodic Ising chain of :math:`N` (even) spins is bipartite: the odd sites
  :math:`v_i = s_{2i+1}` and the even sites :math:`h_a = s_{2a}` form the two layers of an RBM with couplings
  :math:`W_{ia} = K` between neighbours and no biases, :func:`chain_as_rbm`. Its joint distribution is the
  Boltzmann distribution of the ring, and the marginal of the even layer is the decimated ring with
  :math:`\tanh K' = \tanh^2 K` (Mehta & Schwab's 1D example). :func:`rbm_layer_log_marginal` gives either exact
  marginal by enumeration.
* **Thermometers.** The temperature of an ensemble of configurations read off a monotone reference curve
  (exact Kaufman energy per site, or a Monte Carlo :math:`\langle|m|\rangle`), :func:`curve_temperature`;
  a classifier's confusion matrix, :func:`confusion_matrix`.
* **Correlators.** The spin-spin correlation along the lattice axes, :func:`axis_correlation`, and a weighted
  power-law fit of the scaling dimension :math:`\Delta_\sigma` with the periodic chord distance,
  :func:`fit_scaling_dimension`.

References
----------
.. [1] P. Mehta and D. J. Schwab, "An exact mapping between the variational renormalization group and deep
   learning", arXiv:1410.3831 (2014).
.. [2] S. Iso, S. Shiba and S. Yokoo, "Scale-invariant feature extraction of neural network and
   renormalization group flow", Phys. Rev. E 97, 053304 (2018).
.. [3] R. Veiga and R. Rocha, "Restricted Boltzmann machine flows and the critical temperature of Ising
   models", arXiv:2006.10176 (2020).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from .._checks import check_int, check_real_array, check_real_scalar
from ..ising.enumeration import all_spin_configurations
from .rbm import RBM, MAX_EXACT_UNITS, _check_rbm

__all__ = ["chain_as_rbm", "rbm_layer_log_marginal", "curve_temperature", "confusion_matrix",
           "axis_correlation", "ScalingFit", "fit_scaling_dimension"]


def chain_as_rbm(N: int, K: float, *, dtype: torch.dtype = torch.float64) -> RBM:
    r"""The periodic Ising ring of ``N`` spins as a spin RBM: odd sites visible, even sites hidden.

    Visible unit :math:`i` is site :math:`2i+1`, hidden unit :math:`a` is site :math:`2a`; the ring's bonds
    :math:`(2a, 2a\pm1)` become :math:`W_{ia} = K` for :math:`i \in\{a, a-1\}` (mod :math:`N/2`), biases zero, so
    that :math:`-E(v, h) = K\sum_{\langle jk\rangle} s_j s_k` exactly.

    Parameters
    ----------
    N : int
        Ring length, even and ``>= 4``.
    K : float
        Coupling :math:`K = \beta J`.

    Examples
    --------
    >>> rbm = chain_as_rbm(6, 0.5)
    >>> rbm.W.tolist()
    [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5]]
    """
    N = check_int(N, "N", 4)
    if N % 2:
        raise ValueError(f"N must be even (a bipartite ring); got N={N}")
    K = check_real_scalar(K, "K")
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be torch.float32 or torch.float64; got {dtype!r}")
    n = N // 2
    W = torch.zeros(n, n, dtype=dtype)
    idx = torch.arange(n)
    W[idx, idx] += K                 # site 2i+1 -- site 2i
    W[idx, (idx + 1) % n] += K       # site 2i+1 -- site 2i+2
    return RBM(W, torch.zeros(n, dtype=dtype), torch.zeros(n, dtype=dtype), "spin")


def rbm_layer_log_marginal(rbm: RBM, layer: str = "hidden") -> np.ndarray:
    r"""Exact :math:`\ln p(h)` (or :math:`\ln p(v)`) of a spin RBM over all states of that layer.

    :math:`\ln p(h) = b^\top h + \sum_i \ln 2\cosh(W h + a)_i - \ln Z`, in the order of
    :func:`rglib.ising.all_spin_configurations` (row 0 all :math:`+1`); the layer may have at most
    ``MAX_EXACT_UNITS`` units.

    Examples
    --------
    >>> lp = rbm_layer_log_marginal(chain_as_rbm(4, 0.0))
    >>> np.allclose(np.exp(lp), 0.25)
    True
    """
    rbm = _check_rbm(rbm)
    if rbm.units != "spin":
        raise ValueError(f"rbm.units must be 'spin' for rbm_layer_log_marginal; got {rbm.units!r}")
    if layer not in ("hidden", "visible"):
        raise ValueError(f"layer must be 'hidden' or 'visible'; got {layer!r}")
    W = rbm.W.detach().to(torch.float64).cpu()
    a, b = (t.detach().to(torch.float64).cpu() for t in (rbm.a, rbm.b))
    if layer == "visible":
        W, a, b = W.T, b, a
    n = W.shape[1]
    if n > MAX_EXACT_UNITS:
        raise ValueError(f"the {layer} layer of rbm must have at most MAX_EXACT_UNITS = {MAX_EXACT_UNITS} units; got {n}")
    h = torch.from_numpy(all_spin_configurations(n).astype(np.float64))
    psi = h @ W.T + a
    x = psi.abs()
    lw = h @ b + (x + torch.log1p(torch.exp(-2.0 * x)) + np.log(2.0)).sum(dim=1)
    return (lw - torch.logsumexp(lw, dim=0)).numpy()


def curve_temperature(values, T_grid, curve) -> np.ndarray:
    r"""Invert a monotone reference curve: the temperature at which ``curve(T)`` equals each of ``values``.

    Linear interpolation on the tabulated curve; values outside its range map to the end temperatures.
    Use it with the exact energy per site :math:`u(T)` (increasing in :math:`T`) or with a Monte Carlo
    :math:`\langle|m|\rangle(T)` (decreasing).

    Parameters
    ----------
    values : array_like
        Measured observable(s).
    T_grid : array_like, shape ``(n,)``
        Increasing temperatures of the table (``n >= 2``).
    curve : array_like, shape ``(n,)``
        Strictly monotone observable at ``T_grid``.

    Examples
    --------
    >>> curve_temperature([0.5, 3.0], [1.0, 2.0, 3.0], [0.0, 1.0, 2.0])
    array([1.5, 3. ])
    """
    T_grid = np.asarray(check_real_array(T_grid, "T_grid"), dtype=np.float64).reshape(-1)
    curve = np.asarray(check_real_array(curve, "curve"), dtype=np.float64).reshape(-1)
    values = np.asarray(check_real_array(values, "values"), dtype=np.float64)
    if T_grid.size < 2 or curve.shape != T_grid.shape:
        raise ValueError(f"T_grid and curve must have the same length >= 2; got {T_grid.size} and {curve.size}")
    if np.any(np.diff(T_grid) <= 0):
        raise ValueError("T_grid must be strictly increasing")
    d = np.diff(curve)
    if not (np.all(d > 0) or np.all(d < 0)):
        raise ValueError("curve must be strictly monotone in T_grid")
    if d[0] < 0:
        curve, T_grid = curve[::-1], T_grid[::-1]
    return np.interp(values, curve, T_grid)


def confusion_matrix(true_labels, predicted_labels, n_classes: int) -> np.ndarray:
    r"""Row-normalised confusion matrix :math:`C_{jk} = P(\text{predicted } k\mid\text{true } j)`.

    Examples
    --------
    >>> confusion_matrix([0, 0, 1, 1], [0, 1, 1, 1], 2)
    array([[0.5, 0.5],
           [0. , 1. ]])
    """
    n_classes = check_int(n_classes, "n_classes", 1)
    t = np.asarray(true_labels).reshape(-1)
    p = np.asarray(predicted_labels).reshape(-1)
    for name, x in (("true_labels", t), ("predicted_labels", p)):
        if not np.issubdtype(x.dtype, np.integer):
            raise TypeError(f"{name} must be integers; got dtype {x.dtype}")
    if t.shape != p.shape:
        raise ValueError(f"true_labels and predicted_labels must have the same length; got {t.size}, {p.size}")
    for name, x in (("true_labels", t), ("predicted_labels", p)):
        if x.size and (x.min() < 0 or x.max() >= n_classes):
            raise ValueError(f"{name} must lie in [0, {n_classes}); got range [{x.min()}, {x.max()}]")
    counts = np.zeros((n_classes, n_classes))
    np.add.at(counts, (t, p), 1.0)
    rows = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)


def axis_correlation(spins) -> np.ndarray:
    r"""Spin-spin correlation :math:`G(r) = \langle s_{x} s_{x + r\hat e}\rangle` along both axes, per sample.

    Averaged over sites and the two lattice directions (periodic), for :math:`r = 0, \dots, \lfloor L/2\rfloor`.

    Parameters
    ----------
    spins : array_like, shape ``(n_samples, L, L)``
        Spin values (+-1, or real values such as conditional means).

    Returns
    -------
    ndarray, shape ``(n_samples, L // 2 + 1)``

    Examples
    --------
    >>> axis_correlation(np.ones((2, 4, 4)))
    array([[1., 1., 1.],
           [1., 1., 1.]])
    """
    s = np.asarray(check_real_array(spins, "spins"), dtype=np.float64)
    if s.ndim != 3 or s.shape[1] != s.shape[2] or s.shape[1] < 2:
        raise ValueError(f"spins must have shape (n_samples, L, L) with L >= 2; got {s.shape}")
    L = s.shape[1]
    out = np.empty((s.shape[0], L // 2 + 1))
    for r in range(L // 2 + 1):   # loop over distances only (at most L/2 + 1)
        out[:, r] = 0.5 * ((s * np.roll(s, r, axis=1)).mean(axis=(1, 2)) + (s * np.roll(s, r, axis=2)).mean(axis=(1, 2)))
    return out


class ScalingFit(NamedTuple):
    """Result of :func:`fit_scaling_dimension`."""

    #: Fitted scaling dimension :math:`\Delta_\sigma`.
    delta: float
    #: Its standard error (from the weighted least-squares covariance, scaled by the reduced chi-square if > 1).
    delta_error: float
    #: Fitted amplitude :math:`A`.
    amplitude: float
    #: Chi-square per degree of freedom of the fit.
    chi2_dof: float


def fit_scaling_dimension(r, G, G_error, L: int) -> ScalingFit:
    r"""Weighted fit of :math:`G(r) = A\,[\tfrac{L}{\pi}\sin(\pi r/L)]^{-2\Delta_\sigma}` (periodic chord distance).

    A straight line in :math:`\ln G` against :math:`\ln d(r)`, weighted by :math:`(G/\sigma_G)^2`; needs at
    least three points with :math:`G > 0`.

    Examples
    --------
    >>> r = np.arange(1, 5); d = 16 / np.pi * np.sin(np.pi * r / 16)
    >>> fit = fit_scaling_dimension(r, 0.9 * d ** -0.25, 0.01 * np.ones(4), 16)
    >>> round(fit.delta, 6), round(fit.amplitude, 6)
    (0.125, 0.9)
    """
    L = check_int(L, "L", 2)
    r = np.asarray(check_real_array(r, "r", lower=0.0, lower_strict=True), dtype=np.float64).reshape(-1)
    G = np.asarray(check_real_array(G, "G"), dtype=np.float64).reshape(-1)
    err = np.asarray(check_real_array(G_error, "G_error", lower=0.0, lower_strict=True), dtype=np.float64)
    try:
        err = np.broadcast_to(err, G.shape)
    except ValueError:
        raise ValueError(f"G_error must be a number or have the shape of G {G.shape}; got {err.shape}") from None
    if r.shape != G.shape or r.size < 3:
        raise ValueError(f"r and G must have the same length >= 3; got {r.size} and {G.size}")
    if np.any(G <= 0):
        raise ValueError("G must be > 0 at every fitted distance")
    if np.any(r >= L):
        raise ValueError(f"r must be < L={L}")
    x = np.log(L / np.pi * np.sin(np.pi * r / L))
    y = np.log(G)
    w = (G / err) ** 2
    A = np.stack([np.ones_like(x), x], axis=1)
    cov = np.linalg.inv(A.T @ (w[:, None] * A))
    coef = cov @ (A.T @ (w * y))
    dof = r.size - 2
    chi2 = float(np.sum(w * (y - A @ coef) ** 2))
    chi2_dof = chi2 / dof if dof > 0 else float("nan")
    scale = max(1.0, chi2_dof) if dof > 0 else 1.0
    return ScalingFit(float(-coef[1] / 2), float(np.sqrt(cov[1, 1] * scale) / 2), float(np.exp(coef[0])), chi2_dof)
