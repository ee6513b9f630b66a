r"""Grid helpers for predicting trainability from the reconstruction cascade (Thurn, Jefferson & Erdmenger).

Three steps turn the cascade of :mod:`rglib.nets.cascade` into a prediction and compare it with training runs:

* :func:`cascade_kl` trains the auxiliaries of one untrained network and returns the per-image reconstruction
  relative entropy :math:`D_l(x)` for every layer ``l = 1 .. n_layers``;
* :func:`cutoff_by_depth` reads the cutoff for every *shallower* network from that one deep measurement. The
  auxiliary :math:`g_l` only sees layers ``l - 1`` and ``l``, so a network of depth ``L`` that shares the first
  layers of a deeper one trains the same auxiliaries, up to their random initialisation and minibatch order
  (drawn from one generator for all layers, so not bit-identical); its curve is the deep curve cut at layer
  ``L - 2`` (the authors drop the last two layers) and normalised by its own last value;
* :func:`largest_trainable_depth` and :func:`agreement` turn a training sweep into the "truth" (largest depth on
  the grid that reached the accuracy threshold) and score the prediction (Spearman rank correlation and mean
  absolute depth error);
* :func:`cutoff_peak` locates the maximum of the cutoff over a :math:`\sigma_w^2` grid from several seeds and
  says how far it stands above both ends of the grid.

**Cutoff convention.** :func:`rglib.nets.cascade.saturation_cutoff` returns a 0-based index into the curve; the
curve starts at layer 1, so the cutoff *layer* is that index + 1: the deepest layer whose median normalised
relative entropy still differs from the final one by more than 0.5 %. It is 0 when the curve is flat from
layer 1 on. A cutoff equal to the last layer considered means "not saturated within this depth" (censored).

References
----------
Y. Thurn, R. Jefferson, J. Erdmenger, arXiv:2406.12916 (2024); code ``YanickT/Infoflow-paper``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .._checks import check_int, check_real_array
from .cascade import _inputs, normalized_kl_curve, reconstruct, reconstruction_kl, saturation_cutoff, train_cascade
from .mlp import GaussianMLP

__all__ = ["CascadeKL", "cascade_kl", "cutoff_layer", "cutoff_by_depth", "CutoffPeak", "cutoff_peak",
           "largest_trainable_depth", "Agreement", "agreement"]


class CascadeKL(NamedTuple):
    """Result of :func:`cascade_kl`."""

    #: Per-layer, per-image relative entropy :math:`D(p\|q^l)`, shape ``(n_layers, n_images)``.
    kl: np.ndarray
    #: Median over images of each image's curve divided by its deepest value, shape ``(n_layers,)``.
    curve: np.ndarray
    #: Cutoff layer of ``curve`` (:func:`cutoff_layer`).
    cutoff: int
    #: Mean squared error of each auxiliary over its last training epoch, shape ``(n_layers,)``.
    train_loss: np.ndarray


def cutoff_layer(curve, *, rtol: float = 0.005) -> int:
    r"""Cutoff *layer* (1-based) of a normalised curve whose entry ``i`` belongs to layer ``i + 1``.

    Examples
    --------
    >>> cutoff_layer([0.2, 0.6, 0.9, 0.999, 1.0, 1.0])
    3
    >>> cutoff_layer([1.0, 1.0, 1.0])
    0
    """
    return saturation_cutoff(curve, rtol=rtol) + 1


def cascade_kl(network: GaussianMLP, x_train, x_test, *, n_layers: int, n_epochs: int = 1, batch_size: int = 64,
               lr: float = 1e-3, seed: int = 0, rtol: float = 0.005) -> CascadeKL:
    r"""Train the cascade of an untrained network and measure the reconstruction relative entropy per layer.

    Parameters
    ----------
    network : GaussianMLP
        The untrained network (not modified).
    x_train : array, shape ``(n, N_0)``
        Images for the auxiliaries (one pass per epoch, minibatches of ``batch_size``; Adam, ``lr``).
    x_test : array, shape ``(m, N_0)``
        Images whose reconstructions are scored (the authors: one batch of 100 test images).
    n_layers : int
        Layers ``1 .. n_layers`` are used (the authors drop the last two layers: ``network.depth - 2``).
    seed : int
        Seeds the auxiliaries' initialisation and minibatch order.

    Examples
    --------
    >>> import torch
    >>> net = GaussianMLP([16] * 7, 1.5, 0.05, seed=0)
    >>> x = torch.rand(128, 16, generator=torch.Generator().manual_seed(1))
    >>> res = cascade_kl(net, x, x[:20], n_layers=4, seed=2)
    >>> res.kl.shape, res.curve.shape, float(res.curve[-1])
    ((4, 20), (4,), 1.0)
    """
    if not isinstance(network, GaussianMLP):
        raise TypeError(f"network must be an rglib.nets.GaussianMLP; got {type(network).__name__}")
    n_layers = check_int(n_layers, "n_layers", 1, network.depth)
    _inputs(x_test, network, "x_test")  # checked here, so that an error names x_test, not reconstruct's x
    fit = train_cascade(network, x_train, n_layers=n_layers, n_epochs=n_epochs, batch_size=batch_size, lr=lr,
                        seed=seed)
    x_hat = reconstruct(fit.cascade, network, x_test)
    x_ref = x_test.detach().cpu().numpy() if hasattr(x_test, "detach") else np.asarray(x_test)
    kl = reconstruction_kl(x_ref, x_hat)
    curve = normalized_kl_curve(kl)
    return CascadeKL(kl, curve, cutoff_layer(curve, rtol=rtol), fit.train_loss)


def cutoff_by_depth(kl, depths: Sequence[int], *, dropped: int = 2, rtol: float = 0.005) -> np.ndarray:
    r"""Cutoff layer of every network depth in ``depths`` from the per-image relative entropies of a deeper one.

    Parameters
    ----------
    kl : array_like, shape ``(n_layers, n_images)``
        :attr:`CascadeKL.kl` of the deep network (layers ``1 .. n_layers``).
    depths : sequence of int
        Network depths ``L`` (number of linear layers); each uses layers ``1 .. L - dropped``, which must be
        between 1 and ``n_layers``.
    dropped : int
        Layers left out at the end (2, as the authors).

    Returns
    -------
    ndarray of int, shape ``(len(depths),)``

    Examples
    --------
    >>> kl = np.array([[1.0], [2.0], [3.0], [3.0], [3.0]])
    >>> cutoff_by_depth(kl, [4, 5, 7]).tolist()
    [1, 2, 2]
    """
    K = check_real_array(kl, "kl")
    if K.ndim != 2:
        raise ValueError(f"kl must have shape (n_layers, n_images); got {K.shape}")
    dropped = check_int(dropped, "dropped", 0)
    out = []
    for L in _depth_list(depths):
        m = check_int(L, "depths[i]", dropped + 1, K.shape[0] + dropped) - dropped
        out.append(cutoff_layer(normalized_kl_curve(K[:m]), rtol=rtol))
    return np.asarray(out, dtype=int)


class CutoffPeak(NamedTuple):
    """Result of :func:`cutoff_peak`."""

    #: Grid value of :math:`\sigma_w^2` with the largest seed-mean cutoff (the first one if tied).
    grid_peak: float
    #: Vertex of the parabola through the largest seed-mean cutoff and its two grid neighbours, clipped to the
    #: neighbours' interval; ``grid_peak`` when the maximum is at an end of the grid or the three points are not
    #: concave.
    refined_peak: float
    #: Seed-mean cutoff at ``grid_peak``.
    height: float
    #: Standard error of the seed mean at ``grid_peak`` (sample std over seeds / sqrt(n_seeds); NaN for one seed).
    height_error: float
    #: ``height`` minus the seed-mean cutoff at the first (ordered) and at the last (chaotic) grid point.
    drop: tuple
    #: Standard errors of the two drops from the paired per-seed differences (each seed's cutoff at
    #: ``grid_peak`` minus its own cutoff at the end; NaN for one seed). Networks of one seed share their
    #: underlying random numbers across the grid, so the paired error is smaller than the spread of the cutoffs.
    drop_error: tuple
    #: :math:`\sigma_w^2` of the largest cutoff of each seed (mean of the grid values where a seed's maximum is
    #: tied), shape ``(n_seeds,)``.
    seed_peaks: np.ndarray


def cutoff_peak(sigma_w2, cutoffs) -> CutoffPeak:
    r"""Where the cutoff peaks over a :math:`\sigma_w^2` grid, measured with several network seeds.

    Parameters
    ----------
    sigma_w2 : array_like, shape ``(n_sigma,)``
        Strictly increasing grid of weight variances (at least 3 points).
    cutoffs : array_like, shape ``(n_seeds, n_sigma)``
        Cutoff layer of each seed (rows) at each grid point.

    Returns
    -------
    CutoffPeak
        The grid maximum of the seed mean, a three-point parabolic refinement of its position, its height with
        the standard error over seeds, how far it stands above both ends (with paired standard errors), and each
        seed's own peak.

    Examples
    --------
    >>> sw = [0.5, 1.0, 1.5, 2.0, 3.0]
    >>> p = cutoff_peak(sw, [[4, 10, 20, 18, 9], [6, 12, 22, 20, 11]])
    >>> p.grid_peak, round(p.refined_peak, 4), p.height, p.drop, p.drop_error
    (1.5, 1.6667, 21.0, (16.0, 11.0), (0.0, 0.0))
    >>> p.seed_peaks.tolist()
    [1.5, 1.5]
    """
    s = check_real_array(sigma_w2, "sigma_w2", lower=0.0, lower_strict=True, what="sigma_w2 > 0 (weight variances)")
    c = check_real_array(cutoffs, "cutoffs")
    if s.ndim != 1 or s.size < 3 or np.any(np.diff(s) <= 0):
        raise ValueError(f"sigma_w2 must be a strictly increasing 1-D grid of at least 3 points; got {s}")
    if c.ndim != 2 or c.shape[1] != s.size or c.shape[0] < 1:
        raise ValueError(f"cutoffs must have shape (n_seeds, {s.size}); got {c.shape}")
    mean = c.mean(axis=0)
    i = int(np.argmax(mean))
    refined = float(s[i])
    if 0 < i < s.size - 1:
        a, b, _ = np.polyfit(s[i - 1:i + 2], mean[i - 1:i + 2], 2)
        if a < 0:
            refined = float(np.clip(-b / (2 * a), s[i - 1], s[i + 1]))
    n = c.shape[0]

    def stderr(v: np.ndarray) -> float:
        return float(v.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")

    seed_peaks = np.array([s[row == row.max()].mean() for row in c])
    return CutoffPeak(float(s[i]), refined, float(mean[i]), stderr(c[:, i]),
                      (float(mean[i] - mean[0]), float(mean[i] - mean[-1])),
                      (stderr(c[:, i] - c[:, 0]), stderr(c[:, i] - c[:, -1])), seed_peaks)


def largest_trainable_depth(depths: Sequence[int], reached) -> np.ndarray:
    r"""Largest depth on the grid whose network reached the threshold, per row of ``reached``; 0 if none did.

    Parameters
    ----------
    depths : sequence of int, length ``n_depths``
    reached : array_like of bool, shape ``(..., n_depths)``

    Examples
    --------
    >>> largest_trainable_depth([4, 8, 12], [[True, True, False], [False, False, False], [True, False, True]])
    array([ 8,  0, 12])
    """
    d = np.asarray([check_int(v, "depths[i]", 1) for v in _depth_list(depths)])
    r = np.asarray(reached)
    if r.dtype != np.bool_ or r.ndim < 1 or r.shape[-1] != d.size:
        raise ValueError(f"reached must be a bool array of shape (..., {d.size}); got {r.dtype} {r.shape}")
    return np.max(np.where(r, d, 0), axis=-1)


def _depth_list(depths) -> list:
    if isinstance(depths, (str, bytes)) or not isinstance(depths, (Sequence, np.ndarray)):
        raise TypeError(f"depths must be a sequence of ints; got {type(depths).__name__}")
    return list(depths)


class Agreement(NamedTuple):
    """Result of :func:`agreement`."""

    #: Spearman rank correlation between prediction and truth (NaN when either is constant).
    spearman: float
    #: Mean absolute difference, in layers.
    mean_abs_error: float


def agreement(predicted, truth) -> Agreement:
    r"""Spearman rank correlation and mean absolute error between predicted and measured trainable depths.

    Examples
    --------
    >>> a = agreement([2, 5, 9, 4], [3, 6, 12, 4])
    >>> round(a.spearman, 6), a.mean_abs_error
    (1.0, 1.25)
    """
    from scipy.stats import spearmanr

    p = check_real_array(predicted, "predicted")
    t = check_real_array(truth, "truth")
    if p.ndim != 1 or p.shape != t.shape or p.size < 2:
        raise ValueError(f"predicted and truth must be 1-D of equal length >= 2; got {p.shape} and {t.shape}")
    if np.ptp(p) == 0 or np.ptp(t) == 0:
        rho = float("nan")
    else:
        rho = float(spearmanr(p, t).statistic)
    return Agreement(rho, float(np.mean(np.abs(p - t))))
