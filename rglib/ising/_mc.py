r"""Shared pieces of the Monte Carlo samplers (private): the chain record, the cost bound, argument checks.

Conventions of the samplers
---------------------------
* Lattices are ``int8`` arrays of +-1 with shape ``(*batch, L1, L2)`` and periodic boundaries; the batch
  axes hold chains and temperatures. ``K = beta J`` and ``h = beta H`` broadcast against ``batch`` (one
  coupling per lattice), so one call runs many chains at many temperatures.
* The weight of a configuration is :math:`e^{K S + h M}` with :math:`S = \sum_{\langle ij\rangle} s_i s_j`
  over the ``2 L1 L2`` bonds of the torus and :math:`M = \sum_i s_i` (see :mod:`rglib.ising`).
* One *sweep* updates every site once on average; its cost is counted as ``L1 * L2`` *site updates* per lattice.
  Every sampler estimates the site updates a call needs before it starts and refuses a call above
  ``max_site_updates`` (default :data:`MAX_SITE_UPDATES`).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from .._checks import check_cost, check_real, check_real_array, check_spins

#: Default bound on the site updates (sweeps x sites x lattices) of one sampler call: about 10 minutes of
#: checkerboard Metropolis on one slow CPU core (1.8e7 updates/s measured), hours of Swendsen-Wang.
MAX_SITE_UPDATES = 10**10


class ChainRecord(NamedTuple):
    r"""Final state and measured time series of a batch of Markov chains."""

    #: Final configurations, shape ``(*batch, L1, L2)``, ``int8`` (a torch tensor for the torch sampler, a
    #: numpy array for the cluster sampler).
    spins: object
    #: :math:`S = \sum_{\langle ij\rangle} s_i s_j`, shape ``(n_measurements, *batch)``, int64.
    bond_sum: NDArray[np.int64]
    #: :math:`M = \sum_i s_i`, same shape, int64.
    magnetization: NDArray[np.int64]
    #: ``L1 * L2``.
    n_sites: int

    def energy_per_site(self) -> NDArray[np.float64]:
        r""":math:`u = -S/N` (units of ``J``, ``h`` term not included), shape ``(n_measurements, *batch)``.

        Examples
        --------
        >>> rec = ChainRecord(None, np.array([[8]]), np.array([[4]]), 4)
        >>> rec.energy_per_site()
        array([[-2.]])
        """
        return -self.bond_sum / self.n_sites

    def magnetization_per_site(self) -> NDArray[np.float64]:
        r""":math:`m = M/N`, shape ``(n_measurements, *batch)``.

        Examples
        --------
        >>> ChainRecord(None, np.array([[8]]), np.array([[4]]), 4).magnetization_per_site()
        array([[1.]])
        """
        return self.magnetization / self.n_sites


def couplings(value, batch: tuple[int, ...], name: str) -> NDArray[np.float64]:
    r"""``K`` or ``h`` (numbers, arrays or torch tensors on any device) broadcast to ``batch`` and flattened."""
    if type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    arr = check_real_array(value, name)
    try:
        return np.broadcast_to(arr, batch).reshape(-1)
    except ValueError:
        raise ValueError(f"{name} with shape {arr.shape} does not broadcast to the batch shape {batch} of spins") \
            from None


def budget(max_site_updates) -> float:
    r"""``max_site_updates`` as a float ``> 0``; ``inf`` (no bound) is allowed."""
    if isinstance(max_site_updates, (float, np.floating)) and max_site_updates == np.inf:
        return float("inf")
    return check_real(max_site_updates, "max_site_updates", lower=0.0, lower_strict=True,
                      what="max_site_updates > 0 (or inf for no bound)")


def check_site_updates(n_site_updates: float, max_site_updates: float, what: str) -> None:
    r"""Refuse a run whose site updates exceed the bound (the message gives the estimate)."""
    check_cost(float(n_site_updates), max_site_updates, "max_site_updates", what)


def numpy_lattices(spins, name: str = "spins") -> np.ndarray:
    r"""``spins`` (numpy or torch, int8) as a numpy int8 array of shape (*batch, L1, L2) with at least one lattice."""
    if type(spins).__module__.split(".")[0] == "torch" and hasattr(spins, "detach"):
        import torch

        if spins.dtype != torch.int8:
            raise TypeError(f"{name} must have dtype torch.int8 (or be an int8 numpy array); got {spins.dtype}")
        spins = spins.detach().cpu().numpy()
    if not isinstance(spins, np.ndarray):
        raise TypeError(f"{name} must be an int8 numpy array or torch tensor; got {type(spins).__name__}")
    return check_spins(spins, name, min_ndim=2, layout="(*batch, L1, L2)", dtype=np.int8, nonempty=True)
