"""The book's single matplotlib style and a few figure helpers.

The palette is Okabe & Ito's colour-blind-safe set; figures have an opaque white background, so they stay
readable on the dark theme of the HTML book. Colour maps: ``viridis`` (sequential), ``RdBu_r`` (diverging,
centred on zero) and a two-colour map for spin snapshots.

Helpers that chapters share: :func:`label_panels` (panel letters), :func:`show_spins` (a spin snapshot),
:func:`plain_log_ticks` (log axes labelled 1, 2, 5, 10, ...), :func:`integer_ticks` (index axes),
:func:`marker_legend_handles` (legend entries that explain marker styles) and :func:`flow_arrows` (arrow heads
on flow paths).
"""
from __future__ import annotations

from collections.abc import Iterable

import matplotlib as mpl
import numpy as np
import matplotlib.pyplot as plt
from cycler import cycler
from matplotlib.colors import ListedColormap
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from ._checks import check_int, check_real_array, check_real_scalar

__all__ = [
    "PALETTE",
    "COLORS",
    "CMAP_SEQUENTIAL",
    "CMAP_DIVERGING",
    "SPIN_CMAP",
    "BOOK_RC",
    "use_book_style",
    "label_panels",
    "color_cycle",
    "show_spins",
    "plain_log_ticks",
    "integer_ticks",
    "marker_legend_handles",
    "flow_arrows",
]

#: Okabe & Ito (2008) colour-blind-safe palette, by name.
PALETTE: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}
#: Default colour order for lines (yellow last: it is weak on white).
COLORS: list[str] = [PALETTE[k] for k in ("blue", "vermillion", "green", "orange", "purple", "sky", "black", "yellow")]
CMAP_SEQUENTIAL = "viridis"
CMAP_DIVERGING = "RdBu_r"
#: Spin snapshots: -1 light, +1 dark blue.
SPIN_CMAP = ListedColormap(["#F2F2F2", PALETTE["blue"]], name="spins")

BOOK_RC: dict[str, object] = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 110,
    "figure.facecolor": "white",
    "figure.edgecolor": "white",
    "figure.constrained_layout.use": True,
    "savefig.facecolor": "white",
    "savefig.dpi": 160,
    "savefig.bbox": "tight",
    "axes.facecolor": "white",
    "axes.edgecolor": "#333333",
    "axes.labelcolor": "#111111",
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "axes.grid": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=COLORS),
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    "grid.alpha": 1.0,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 9.5,
    "legend.frameon": True,
    "legend.framealpha": 0.92,
    "legend.edgecolor": "#CCCCCC",
    "lines.linewidth": 1.8,
    "lines.markersize": 5.0,
    "errorbar.capsize": 2.5,
    "image.cmap": CMAP_SEQUENTIAL,
    "font.size": 10.5,
    "mathtext.fontset": "dejavusans",
}


def _check_axes(ax, name: str) -> None:
    if not isinstance(ax, plt.Axes):
        raise TypeError(f"{name} must be a matplotlib Axes; got {type(ax).__name__}")


def _axes_list(axes, name: str) -> list:
    """``axes`` (an iterable of Axes, e.g. a list or an array from plt.subplots) as a list."""
    try:
        out = list(np.ravel(axes)) if isinstance(axes, np.ndarray) else list(axes)
    except TypeError:
        raise TypeError(f"{name} must be an iterable of matplotlib Axes; got {type(axes).__name__}") from None
    for ax in out:
        _check_axes(ax, name)
    return out


def use_book_style() -> None:
    """Apply the book's style to matplotlib's global ``rcParams`` (call once at the top of a chapter)."""
    mpl.rcParams.update(BOOK_RC)


def color_cycle(n: int) -> list[str]:
    """``n`` colours from the palette, repeating if ``n`` exceeds its length."""
    n = check_int(n, "n", 0)
    return [COLORS[i % len(COLORS)] for i in range(n)]


def label_panels(axes: Iterable[plt.Axes], labels: str = "abcdefghijklmnopqrstuvwxyz") -> None:
    """Write ``(a)``, ``(b)``, ... in the upper-left corner of each panel."""
    axes = _axes_list(axes, "axes")
    if not isinstance(labels, str):
        raise TypeError(f"labels must be a str of panel letters; got {type(labels).__name__}")
    for ax, lab in zip(axes, labels):
        ax.text(0.01, 0.99, f"({lab})", transform=ax.transAxes, ha="left", va="top", fontweight="bold",
                fontsize=11, bbox=dict(facecolor="white", edgecolor="none", alpha=0.8, pad=1.5))


def flow_arrows(ax: plt.Axes, x, y, color: str, *, min_length: float = 0.06, y_scale: float = 0.5,
                zorder: int = 4) -> int:
    r"""Draw arrow heads at the midpoints of the segments of a path ``(x[k], y[k])`` that are long enough.

    Meant for RG or depth flows drawn as dotted paths: a head is drawn on segment ``k`` when
    :math:`\sqrt{\Delta x^2 + (y_{\rm scale}\,\Delta y)^2} > \text{min\_length}`, so short steps near a fixed point
    stay uncluttered. Returns the number of arrow heads drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig, ax = plt.subplots()
    >>> flow_arrows(ax, [0.0, 0.5, 0.52], [0.0, 0.0, 0.0], "black")
    1
    >>> plt.close(fig)
    """
    _check_axes(ax, "ax")
    x = check_real_array(x, "x")
    y = check_real_array(y, "y")
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"x and y must be 1-D arrays of equal length; got shapes {x.shape} and {y.shape}")
    if not isinstance(color, (str, tuple)):
        raise TypeError(f"color must be a matplotlib colour (a str or an RGB(A) tuple); got {type(color).__name__}")
    min_length = check_real_scalar(min_length, "min_length", lower=0.0)
    y_scale = check_real_scalar(y_scale, "y_scale", lower=0.0, lower_strict=True)
    zorder = check_real_scalar(zorder, "zorder")
    dx, dy = np.diff(x), np.diff(y)
    drawn = 0
    for k in np.nonzero(np.hypot(dx, y_scale * dy) > min_length)[0]:
        ax.annotate("", xy=(x[k] + 0.6 * dx[k], y[k] + 0.6 * dy[k]), xytext=(x[k] + 0.4 * dx[k], y[k] + 0.4 * dy[k]),
                    arrowprops=dict(arrowstyle="-|>", color=color, lw=1.0, mutation_scale=11), zorder=zorder)
        drawn += 1
    return drawn


def show_spins(ax: plt.Axes, spins, title: str | None = None) -> AxesImage:
    """Draw one configuration of +-1 spins (shape ``(L1, L2)``) with :data:`SPIN_CMAP`, without axes.

    +1 is dark blue and -1 light grey, whatever the values present; ``title`` goes above the panel.
    """
    _check_axes(ax, "ax")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be None or a str; got {type(title).__name__}")
    arr = np.asarray(spins)
    if arr.ndim != 2 or not np.isin(arr, (-1, 1)).all():
        raise ValueError(f"spins must be a 2-D array of +-1 values; got shape {arr.shape}")
    im = ax.imshow(arr, cmap=SPIN_CMAP, vmin=-1, vmax=1, interpolation="nearest")
    if title is not None:
        ax.set_title(title)
    ax.set_axis_off()
    return im


def plain_log_ticks(ax: plt.Axes, axis: str = "both", subs: tuple[float, ...] = (1.0, 2.0, 5.0)) -> None:
    """Label logarithmic axes with plain numbers at ``subs`` times powers of ten (1, 2, 5, 10, 20, ...).

    ``axis`` is ``"x"``, ``"y"`` or ``"both"``; the axes must already be on a log scale. Minor labels are
    switched off, so short log axes do not fill with scientific-notation labels.
    """
    _check_axes(ax, "ax")
    if axis not in ("x", "y", "both"):
        raise ValueError(f"axis must be 'x', 'y' or 'both'; got {axis!r}")
    if isinstance(subs, (str, bytes)) or not isinstance(subs, (tuple, list)):
        raise TypeError(f"subs must be a tuple of mantissas such as (1.0, 2.0, 5.0); got {type(subs).__name__}")
    subs = tuple(check_real_array(subs, "subs", lower=0.0, lower_strict=True).tolist())
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    for which in ("x", "y") if axis == "both" else (axis,):
        a = ax.xaxis if which == "x" else ax.yaxis
        if a.get_scale() != "log":
            raise ValueError(f"the {which} axis of ax must be on a log scale (set_{which}scale('log') first)")
        base = a.get_transform().base
        a.set_major_locator(LogLocator(base=base, subs=subs))
        a.set_major_formatter(plain)
        a.set_minor_formatter(NullFormatter())


def integer_ticks(axes: plt.Axes | Iterable[plt.Axes]) -> None:
    """Put ticks only at integers on both axes of each of ``axes`` (matrix indices, lattice sites)."""
    for ax in [axes] if isinstance(axes, plt.Axes) else _axes_list(axes, "axes"):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def marker_legend_handles(styles: dict[str, dict], color: str = "grey") -> list[Line2D]:
    """Legend entries that explain marker styles, drawn without data.

    ``styles`` maps a label to :class:`~matplotlib.lines.Line2D` keywords, e.g.
    ``{"Metropolis": dict(marker="o"), "Swendsen-Wang": dict(marker="s", mfc="none")}``; the entries have no
    line and the neutral ``color`` unless the keywords say otherwise.
    """
    if not isinstance(styles, dict) or not all(isinstance(k, str) and isinstance(v, dict)
                                               for k, v in styles.items()):
        raise TypeError(f"styles must be a dict from labels (str) to dicts of Line2D keywords; got {styles!r}")
    if not isinstance(color, (str, tuple)):
        raise TypeError(f"color must be a matplotlib colour (a str or an RGB(A) tuple); got {type(color).__name__}")
    handles = []
    for label, kw in styles.items():
        kw = {"ls": "none", "color": color, **kw}
        handles.append(Line2D([], [], label=label, **kw))
    return handles
