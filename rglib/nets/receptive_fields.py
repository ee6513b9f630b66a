r"""Patches in correlator maps: centre, size, shape and locality of a hidden unit's map on a periodic lattice.

A *correlator map* :math:`C_a(i) = \langle v_i h_a\rangle` (one per hidden unit ``a``, see
:func:`rglib.rg.visible_coarse_correlators`) lives on the ``L1 x L2`` torus of visible sites. For a block spin it
is a bright patch (the block) on a background; for an RBM unit it may be a patch, several patches, or a
delocalized pattern. Below :math:`T_c` every map sits on a background of order :math:`m^2` (the sign of the
magnetization is a global variable), so the analysis measures the *excess* over the map's own background:

.. math::
    e_a(i) = \max\bigl(|C_a(i)| - \beta_a,\ 0\bigr),\qquad \beta_a = \operatorname{median}_i |C_a(i)| ,

and calls the nearest-neighbour connected set of sites with :math:`e_a(i)\ge \theta \max_i e_a(i)` (default
:math:`\theta = 1/2`, "half maximum") that contains the peak the *core* of the patch. With periodic displacements :math:`d(i, c)\in[-L/2, L/2)^2`:

* **centre** :math:`c_a`: the circular mean of the core sites weighted by :math:`e_a` (per axis,
  :math:`c = \frac{L}{2\pi}\arg\sum_i e_a(i)\,e^{2\pi i x_i/L}`), so a patch that straddles the boundary has the
  right centre;
* **second-moment tensor** :math:`M_a = \sum_{i\in\text{core}} e_a(i)\,d\,d^\top / \sum_{i\in\text{core}} e_a(i)`;
* **effective side** :math:`\ell_a = \sqrt{1 + 6\operatorname{tr}M_a}`, which equals ``b`` for a uniform
  ``b x b`` block (:math:`\operatorname{tr}M = (b^2-1)/6`) and 1 for a single site;
* **elongation** :math:`\sqrt{\lambda_{\max}/\lambda_{\min}}` of :math:`M_a` (1 for a square block) and the
  orientation of its major axis;
* **tail fraction**: the share of the total excess :math:`\sum_i e_a(i)` that lies outside the core, a measure of
  non-local tails (0 for a clean patch).

References
----------
.. [1] E. de Mello Koch, R. de Mello Koch, L. Cheng, "Is deep learning a renormalization group flow?",
   IEEE Access 8, 106487 (2020).
.. [2] P. Mehta, D. J. Schwab, "An exact mapping between the variational renormalization group and deep
   learning", arXiv:1410.3831 (2014).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import ndimage
from scipy.optimize import linear_sum_assignment

from .._checks import check_int, check_real_array, check_real_scalar, numpy_generator

__all__ = [
    "PatchStatistics",
    "align_signs",
    "patch_statistics",
    "periodic_displacement",
    "centre_matching_distance",
    "block_coverage",
    "select_by_centre",
    "block_centres",
    "random_centres",
    "radial_profile",
    "mosaic",
]


#: Largest image :func:`mosaic` builds (800 MB of float64).
_MAX_MOSAIC_PIXELS = 10**8


class PatchStatistics(NamedTuple):
    """Per-unit patch measures of correlator maps (see the module docstring); every field has length ``n``."""

    #: Patch centres ``(row, column)`` in lattice units, in ``[0, L1) x [0, L2)``, shape ``(n, 2)``.
    centre: np.ndarray
    #: Effective side :math:`\ell = \sqrt{1 + 6\operatorname{tr}M}` (``b`` for a uniform ``b x b`` block).
    side: np.ndarray
    #: :math:`\sqrt{\lambda_{\max}/\lambda_{\min}}` of the core's second-moment tensor (1 for a square).
    elongation: np.ndarray
    #: Angle of the major axis against the row axis, in :math:`[0, \pi)` (undefined, 0, for a round patch).
    orientation: np.ndarray
    #: Number of core sites (the connected region around the peak where the excess is at least ``threshold``
    #: times its maximum).
    core_size: np.ndarray
    #: Share of the total excess outside the core, in :math:`[0, 1)`.
    tail_fraction: np.ndarray
    #: Effective side of the plain second moment of :math:`|C_a|` over the whole lattice about the centre (no
    #: background subtracted; a uniform map on an ``L x L`` torus gives about ``L``).
    raw_side: np.ndarray
    #: Largest excess over the background in units of the map's robust spread (1.4826 times the median absolute
    #: deviation of :math:`|C_a|`): about 3-4 for a map of pure noise, large for a clear patch.
    contrast: np.ndarray
    #: Largest :math:`|C_a(i)|`.
    peak: np.ndarray
    #: Background :math:`\beta_a`, the median of :math:`|C_a(i)|`.
    background: np.ndarray


def _maps(maps, name: str = "maps") -> np.ndarray:
    arr = check_real_array(maps, name)
    if arr.ndim != 3 or min(arr.shape) < 1:
        raise ValueError(f"{name} must have shape (n_units, L1, L2) with all sizes >= 1; got {arr.shape}")
    return arr


def align_signs(maps) -> tuple[np.ndarray, np.ndarray]:
    r"""Flip each map so that its value of largest modulus is positive.

    A hidden unit's sign is arbitrary (the RBM is symmetric under :math:`h_a\to-h_a`,
    :math:`W_{\cdot a}\to-W_{\cdot a}`, :math:`b_a\to-b_a`), so maps are compared after this alignment.

    Returns
    -------
    aligned : ndarray, shape ``(n, L1, L2)``
    signs : ndarray of +-1, shape ``(n,)``

    Examples
    --------
    >>> m = np.zeros((2, 2, 2)); m[0, 0, 0] = -3.0; m[1, 1, 1] = 2.0
    >>> align_signs(m)[1]
    array([-1.,  1.])
    """
    arr = _maps(maps)
    flat = arr.reshape(len(arr), -1)
    peak = flat[np.arange(len(arr)), np.argmax(np.abs(flat), axis=1)]
    signs = np.where(peak < 0, -1.0, 1.0)
    return arr * signs[:, None, None], signs


def periodic_displacement(x, c, period) -> np.ndarray:
    """Displacement ``x - c`` wrapped into ``[-period/2, period/2)`` (element-wise, broadcasting)."""
    P = check_real_array(period, "period", lower=0.0, lower_strict=True)
    xa, ca = check_real_array(x, "x"), check_real_array(c, "c")
    try:
        d = xa - ca
        np.broadcast_shapes(d.shape, P.shape)
    except ValueError:
        raise ValueError(f"x, c and period must broadcast together; got shapes {xa.shape}, {ca.shape} and "
                         f"{P.shape}") from None
    return (d + P / 2) % P - P / 2


def _circular_mean(weights: np.ndarray, axis_len: int, axis: int) -> np.ndarray:
    """Circular mean (in ``[0, L)``) along one lattice axis of weights of shape ``(n, L1, L2)``."""
    phase = np.exp(2j * np.pi * np.arange(axis_len) / axis_len)
    marginal = weights.sum(axis=2 if axis == 0 else 1)  # (n, L)
    z = marginal @ phase
    return (np.angle(z) / (2 * np.pi) * axis_len) % axis_len


_PLANE_4 = np.zeros((3, 3, 3), dtype=bool)
_PLANE_4[1] = ndimage.generate_binary_structure(2, 1)


def _peak_component(above: np.ndarray, peak_index: np.ndarray) -> np.ndarray:
    """The nearest-neighbour cluster of ``above`` (n, L1, L2) that contains each map's peak, on the torus.

    The maps are tiled 3 x 3 so that clusters crossing the boundary stay connected; the cluster of the peak's
    copy in the central tile, folded back onto the torus, is the core.
    """
    n, L1, L2 = above.shape
    tiled = np.tile(above, (1, 3, 3))
    labels, _ = ndimage.label(tiled, structure=_PLANE_4)
    r, c = np.divmod(peak_index, L2)
    own = labels[np.arange(n), r + L1, c + L2]
    hit = (labels == own[:, None, None]) & (own[:, None, None] > 0)
    return hit.reshape(n, 3, L1, 3, L2).any(axis=(1, 3))


def patch_statistics(maps, *, threshold: float = 0.5) -> PatchStatistics:
    r"""Centre, effective side, shape and tail fraction of the patch in every map (periodic lattice).

    Parameters
    ----------
    maps : array_like, shape ``(n_units, L1, L2)``
        Correlator maps :math:`C_a(i)` (signs do not matter: the analysis uses :math:`|C_a|`).
    threshold : float
        The core is the connected region around the peak where the excess over the background is at least
        ``threshold`` times its maximum
        (``0 < threshold <= 1``).

    Returns
    -------
    PatchStatistics

    Examples
    --------
    A uniform 2 x 2 block straddling the boundary of a 6 x 6 torus:

    >>> m = np.zeros((1, 6, 6)); m[0, np.ix_([5, 0], [2, 3])[0], np.ix_([5, 0], [2, 3])[1]] = 0.25
    >>> st = patch_statistics(m)
    >>> st.centre.round(6).tolist(), float(st.side[0]), float(st.elongation[0]), int(st.core_size[0])
    ([[5.5, 2.5]], 2.0, 1.0, 4)
    """
    arr = _maps(maps)
    thr = check_real_scalar(threshold, "threshold", lower=0.0, lower_strict=True, upper=1.0)
    n, L1, L2 = arr.shape
    mag = np.abs(arr)
    flat = mag.reshape(n, -1)
    background = np.median(flat, axis=1)
    excess = np.maximum(mag - background[:, None, None], 0.0)
    top = excess.reshape(n, -1).max(axis=1)
    total = excess.reshape(n, -1).sum(axis=1)
    safe_top = np.where(top > 0, top, 1.0)
    above = (excess >= thr * safe_top[:, None, None]) & (top[:, None, None] > 0)
    core = _peak_component(above, np.argmax(excess.reshape(n, -1), axis=1))
    w = np.where(core, excess, 0.0)
    wsum = w.reshape(n, -1).sum(axis=1)
    wsum_safe = np.where(wsum > 0, wsum, 1.0)
    centre = np.stack([_circular_mean(w, L1, 0), _circular_mean(w, L2, 1)], axis=1)
    dr = periodic_displacement(np.arange(L1)[None, :], centre[:, :1], L1)  # (n, L1)
    dc = periodic_displacement(np.arange(L2)[None, :], centre[:, 1:], L2)  # (n, L2)
    m_rr = np.einsum("nij,ni->n", w, dr**2) / wsum_safe
    m_cc = np.einsum("nij,nj->n", w, dc**2) / wsum_safe
    m_rc = np.einsum("nij,ni,nj->n", w, dr, dc) / wsum_safe
    tr = m_rr + m_cc
    disc = np.sqrt(np.maximum(((m_rr - m_cc) / 2) ** 2 + m_rc**2, 0.0))
    lam_max, lam_min = tr / 2 + disc, np.maximum(tr / 2 - disc, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        elong = np.where(lam_min > 1e-12 * np.maximum(lam_max, 1e-300), np.sqrt(lam_max / lam_min), np.inf)
    elong = np.where(lam_max <= 1e-12, 1.0, elong)
    orient = (0.5 * np.arctan2(2 * m_rc, m_rr - m_cc)) % np.pi
    spread = 1.4826 * np.median(np.abs(flat - background[:, None]), axis=1)
    contrast = np.where(spread > 0, top / np.where(spread > 0, spread, 1.0), np.where(top > 0, np.inf, 0.0))
    raw = mag.sum(axis=(1, 2))
    raw_tr = (np.einsum("nij,ni->n", mag, dr**2) + np.einsum("nij,nj->n", mag, dc**2)) / np.where(raw > 0, raw, 1.0)
    tail = np.where(total > 0, 1.0 - wsum / np.where(total > 0, total, 1.0), 0.0)
    return PatchStatistics(centre, np.sqrt(1.0 + 6.0 * tr), elong, orient, core.reshape(n, -1).sum(axis=1),
                           np.clip(tail, 0.0, 1.0), np.sqrt(1.0 + 6.0 * raw_tr), contrast,
                           flat.max(axis=1), background)


def _centres(centres, shape) -> tuple[np.ndarray, int, int]:
    c = check_real_array(centres, "centres")
    if c.ndim != 2 or c.shape[1] != 2 or c.shape[0] < 1:
        raise ValueError(f"centres must have shape (n, 2) with n >= 1; got {c.shape}")
    L1, L2 = _shape_pair(shape)
    return c, L1, L2


def _shape_pair(shape) -> tuple[int, int]:
    if not (isinstance(shape, (tuple, list)) and len(shape) == 2):
        raise TypeError(f"shape must be a pair (L1, L2); got {shape!r}")
    L1, L2 = (check_int(x, "shape", 1) for x in shape)
    return L1, L2


def _block_size(b, L1: int, L2: int) -> int:
    b = check_int(b, "b", 1)
    if L1 % b or L2 % b:
        raise ValueError(f"the block size b = {b} must divide both lattice sides; got {L1} x {L2}")
    return b


def _periodic_distance_matrix(a: np.ndarray, b: np.ndarray, L1: int, L2: int) -> np.ndarray:
    dr = periodic_displacement(a[:, None, 0], b[None, :, 0], L1)
    dc = periodic_displacement(a[:, None, 1], b[None, :, 1], L2)
    return np.hypot(dr, dc)


def block_centres(shape, b: int) -> np.ndarray:
    """Centres ``(b I + (b-1)/2, b J + (b-1)/2)`` of the ``b x b`` blocks, row-major, shape ``(L1 L2 / b^2, 2)``."""
    L1, L2 = _shape_pair(shape)
    b = _block_size(b, L1, L2)
    I, J = np.meshgrid(np.arange(L1 // b), np.arange(L2 // b), indexing="ij")
    return np.stack([b * I.ravel() + (b - 1) / 2, b * J.ravel() + (b - 1) / 2], axis=1).astype(np.float64)


def centre_matching_distance(centres, shape, b: int = 2) -> np.ndarray:
    r"""Distance from each patch centre to its block after the best one-to-one matching of units to blocks.

    The hidden units of an RBM are interchangeable, so whether they "tile the lattice like block spins" is asked
    up to a relabelling: the units are matched to the ``b x b`` block centres by the assignment that minimises
    the summed squared periodic distance (Hungarian algorithm), and the distances of the matched pairs are
    returned. Block spins give 0; centres drawn uniformly at random give distances of order ``b``. With
    more units than blocks, only as many units as blocks are matched (the others get ``nan``).

    Examples
    --------
    >>> c = np.array([[0.5, 0.5], [0.5, 2.5], [2.5, 0.5], [2.5, 2.5]])
    >>> centre_matching_distance(c[::-1], (4, 4), 2).tolist()
    [0.0, 0.0, 0.0, 0.0]
    """
    c, L1, L2 = _centres(centres, shape)
    b = _block_size(b, L1, L2)
    blocks = block_centres((L1, L2), b)
    d = _periodic_distance_matrix(c, blocks, L1, L2)
    rows, cols = linear_sum_assignment(d**2)
    out = np.full(len(c), np.nan)
    out[rows] = d[rows, cols]
    return out


def block_coverage(centres, shape, b: int = 2) -> float:
    r"""Fraction of the ``b x b`` blocks that contain at least one patch centre.

    One centre per block (block spins) gives 1; ``n`` centres dropped uniformly at random on ``B`` blocks give
    :math:`1 - (1 - 1/B)^n` on average (:math:`\approx 0.63` for ``n = B``).

    Examples
    --------
    >>> block_coverage(np.array([[0.5, 0.5], [1.0, 1.2], [3.9, 0.1]]), (4, 4), 2)
    0.5
    """
    c, L1, L2 = _centres(centres, shape)
    b = _block_size(b, L1, L2)
    I = np.floor(np.mod(c[:, 0], L1) / b).astype(int)
    J = np.floor(np.mod(c[:, 1], L2) / b).astype(int)
    return float(len(np.unique(I * (L2 // b) + J)) / ((L1 // b) * (L2 // b)))


def select_by_centre(centres, shape, n_side: int) -> np.ndarray:
    r"""Indices of ``n_side**2`` units whose centres lie nearest to an evenly spaced ``n_side x n_side`` grid.

    Targets sit at ``((k + 1/2) L1 / n_side, (l + 1/2) L2 / n_side)``; units are assigned to targets one-to-one
    by minimal summed squared periodic distance. The result is in row-major target order, which sorts the chosen
    units by patch centre, ready for a mosaic.

    Examples
    --------
    >>> c = np.array([[3.0, 3.0], [1.0, 1.0], [1.0, 3.0], [3.0, 1.0], [0.0, 0.0]])
    >>> select_by_centre(c, (4, 4), 2).tolist()
    [1, 2, 3, 0]
    """
    c, L1, L2 = _centres(centres, shape)
    k = check_int(n_side, "n_side", 1)
    if k * k > len(c):
        raise ValueError(f"n_side**2 = {k * k} exceeds the number of units {len(c)}")
    g = (np.arange(k) + 0.5)
    targets = np.stack(np.meshgrid(g * L1 / k, g * L2 / k, indexing="ij"), axis=-1).reshape(-1, 2)
    d = _periodic_distance_matrix(targets, c, L1, L2)
    rows, cols = linear_sum_assignment(d**2)
    return cols[np.argsort(rows)]


def random_centres(n: int, shape, *, seed=None) -> np.ndarray:
    """``n`` centres drawn uniformly on the ``L1 x L2`` torus (the null model for :func:`block_coverage` etc.)."""
    n = check_int(n, "n", 1)
    L1, L2 = _shape_pair(shape)
    rng = numpy_generator(seed)
    return rng.random((n, 2)) * np.array([L1, L2], dtype=np.float64)


def radial_profile(maps, centres, n_shells: int | None = None) -> np.ndarray:
    r"""Mean of each map over shells :math:`k \le |d(i, c_a)| < k + 1` of periodic distance from its centre.

    Parameters
    ----------
    maps : array_like, shape ``(n, L1, L2)``
        Maps (align their signs first, see :func:`align_signs`).
    centres : array_like, shape ``(n, 2)``
        One centre per map, e.g. ``patch_statistics(maps).centre``.
    n_shells : int, optional
        Number of shells (default ``min(L1, L2) // 2``, the largest radius fully inside the torus).

    Returns
    -------
    ndarray, shape ``(n, n_shells)``
        ``nan`` for a shell without sites.

    Examples
    --------
    >>> m = np.zeros((1, 8, 8)); m[0, 4, 4] = 1.0; m[0, 4, 5] = 0.5
    >>> radial_profile(m, [[4.0, 4.0]], 3).round(4).tolist()   # shell 1 holds 8 sites (r = 1 and sqrt 2)
    [[1.0, 0.0625, 0.0]]
    """
    arr = _maps(maps)
    n, L1, L2 = arr.shape
    c, _, _ = _centres(centres, (L1, L2))
    if len(c) != n:
        raise ValueError(f"centres must have one row per map: got {len(c)} centres for {n} maps")
    k = min(L1, L2) // 2 if n_shells is None else check_int(n_shells, "n_shells", 1)
    dr = periodic_displacement(np.arange(L1)[None, :], c[:, :1], L1)
    dc = periodic_displacement(np.arange(L2)[None, :], c[:, 1:], L2)
    shell = np.floor(np.hypot(dr[:, :, None], dc[:, None, :])).astype(np.int64)  # (n, L1, L2)
    inside = shell < k
    index = (np.arange(n)[:, None, None] * k + shell)[inside]
    sums = np.bincount(index, weights=arr[inside], minlength=n * k).reshape(n, k)
    counts = np.bincount(index, minlength=n * k).reshape(n, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / counts, np.nan)


def mosaic(maps, n_cols: int, *, pad: int = 1, normalize: bool = True) -> np.ndarray:
    r"""Tile maps row-major into one image, ``pad`` pixels of ``nan`` between them (drawn as background).

    With ``normalize=True`` each map is divided by its largest modulus, so that every tile spans
    :math:`[-1, 1]` and a diverging colour map centred on 0 compares shapes, not amplitudes.

    Examples
    --------
    >>> img = mosaic(np.ones((3, 2, 2)), 2)
    >>> img.shape, int(np.isnan(img).sum())
    ((5, 5), 13)
    """
    arr = _maps(maps)
    k = check_int(n_cols, "n_cols", 1)
    p = check_int(pad, "pad", 0)
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize must be a bool; got {type(normalize).__name__}")
    n_rows = -(-arr.shape[0] // k)
    pixels = (n_rows * (arr.shape[1] + p)) * (k * (arr.shape[2] + p))
    if pixels > _MAX_MOSAIC_PIXELS:
        raise ValueError(f"the mosaic would have {pixels:.3g} pixels (more than {_MAX_MOSAIC_PIXELS:.0e}); "
                         f"ask for fewer columns n_cols = {k} or a smaller pad = {p}")
    if normalize:
        top = np.abs(arr).reshape(len(arr), -1).max(axis=1)
        arr = arr / np.where(top > 0, top, 1.0)[:, None, None]
    n, L1, L2 = arr.shape
    rows = -(-n // k)
    img = np.full((rows * (L1 + p) - p, k * (L2 + p) - p), np.nan)
    for idx in range(n):  # one slice assignment per tile
        r, c = divmod(idx, k)
        img[r * (L1 + p):r * (L1 + p) + L1, c * (L2 + p):c * (L2 + p) + L2] = arr[idx]
    return img
