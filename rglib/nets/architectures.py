r"""Layer widths of the fully connected networks trained in the papers.

A network here is a list ``widths = [N_0, N_1, ..., N_L]``, as :class:`rglib.nets.mlp.GaussianMLP` takes it:
the input width ``N_0`` followed by the output width of each of the ``L`` linear layers.

**Depth convention.** Throughout rglib the *depth* ``L`` of a network is its number of linear layers (weight
matrices), ``len(widths) - 1``, which is also ``GaussianMLP.depth``. The papers' code counts differently for its
two architectures:

* :func:`wide_widths` -- the "wide" network of Erdmenger, Grosvenor & Jefferson (2022), also ``size="wide"`` in
  Thurn, Jefferson & Erdmenger (2024): ``L - 2`` layers ``N_0 -> N_0``, then ``N_0 -> 400`` and ``400 -> 10``.
  The authors' depth ``L`` is the number of linear layers, the same as here.
* :func:`shrinking_widths` -- the "shrinking" network of Thurn et al. (2024): widths falling linearly from the
  input size to 10. The authors' ``Network(depth=D, size="shrinking")`` lists ``D`` widths *including the input*,
  so it has ``D - 1`` linear layers: it is ``shrinking_widths(D - 1, ...)`` here.

In both papers every linear layer, the last one included, is followed by tanh (``GaussianMLP``'s default
``final_activation=True``).

References
----------
J. Erdmenger, K. T. Grosvenor, R. Jefferson, SciPost Phys. 12, 041 (2022), arXiv:2107.06898; code
``ro-jefferson/entropy_dnn`` (``WIDE = True``).
Y. Thurn, R. Jefferson, J. Erdmenger, arXiv:2406.12916 (2024); code ``YanickT/Infoflow-paper``, ``src/network.py``.
"""
from __future__ import annotations

import torch

from .._checks import check_int

__all__ = ["wide_widths", "shrinking_widths"]


def wide_widths(depth: int, n_in: int = 784, n_out: int = 10, n_penultimate: int = 400) -> list[int]:
    r"""Widths of the "wide" network: ``[n_in] * (depth - 1) + [n_penultimate, n_out]``.

    Parameters
    ----------
    depth : int
        Number of linear layers ``L >= 2``: ``L - 2`` square layers ``n_in -> n_in``, then
        ``n_in -> n_penultimate`` and ``n_penultimate -> n_out``.
    n_in : int
        Input width, also the width of the hidden layers (784 for MNIST, 1024 for grey-scale CIFAR-10).
    n_out : int
        Number of classes (10).
    n_penultimate : int
        Width of the last hidden layer (400 in both papers).

    Returns
    -------
    list of int
        ``[N_0, ..., N_L]``, of length ``depth + 1``.

    Notes
    -----
    Erdmenger et al. chose the constant width because their layer-to-layer relative entropy compares
    distributions of equal dimension; they drop the last two (narrow) layers from that analysis.

    Examples
    --------
    >>> wide_widths(4)
    [784, 784, 784, 400, 10]
    >>> len(wide_widths(30)) - 1          # depth = number of linear layers
    30
    """
    depth = check_int(depth, "depth", minimum=2)
    n_in = check_int(n_in, "n_in")
    n_out = check_int(n_out, "n_out")
    n_penultimate = check_int(n_penultimate, "n_penultimate")
    return [n_in] * (depth - 1) + [n_penultimate, n_out]


def shrinking_widths(depth: int, n_in: int, n_out: int = 10) -> list[int]:
    r"""Widths of the "shrinking" network: ``depth + 1`` widths falling linearly from ``n_in`` to ``n_out``.

    .. math::
        N_l = \Big\lceil n_\text{in} + \frac{l}{L}\,(n_\text{out} - n_\text{in}) \Big\rceil,\qquad l = 0,\dots,L.

    Parameters
    ----------
    depth : int
        Number of linear layers ``L >= 1``. Thurn et al.'s ``Network(depth=D, size="shrinking")`` is
        ``shrinking_widths(D - 1, n_in, n_out)`` (their ``D`` counts the input layer).
    n_in : int
        Input width (784 for MNIST, 1024 for grey-scale CIFAR-10).
    n_out : int
        Number of classes (10).

    Returns
    -------
    list of int
        ``[N_0, ..., N_L]`` with ``N_0 = n_in`` and ``N_L = n_out``.

    Notes
    -----
    The ceiling is taken of a float32 ``torch.linspace``, exactly as the authors' code computes it, so the
    widths match theirs; where the exact rational value is an integer, float32 rounding can push it up by
    one (e.g. ``n_in=784, depth=22`` has a layer of 398 where exact arithmetic gives 397).

    Examples
    --------
    >>> shrinking_widths(5, 784)
    [784, 630, 475, 320, 165, 10]
    >>> shrinking_widths(149, 1024)[:3]   # Thurn et al.'s depth-150 CIFAR-10 network
    [1024, 1018, 1011]
    """
    depth = check_int(depth, "depth", minimum=1)
    n_in = check_int(n_in, "n_in")
    n_out = check_int(n_out, "n_out")
    grid = torch.linspace(float(n_in), float(n_out), depth + 1, dtype=torch.float32, device="cpu")
    return [int(v) for v in torch.ceil(grid).tolist()]
