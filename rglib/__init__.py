"""rglib: the engine of the executable book *Information flow in deep networks and the renormalization group*.

The package has wings that mirror the book (see the README for the map):

* top level: ``config`` (scales, seeds, folders), ``plotting``, ``stats`` (Monte Carlo errors), ``entropy``
  (KL divergences and entropies);
* ``rglib.ising``: exact results, enumeration and samplers of the Ising model;
* ``rglib.rg``: decimation, truncated flows, block-spin RG and the Gaussian deep Boltzmann machine;
* ``rglib.nets``: quadrature, mean-field theory and random networks.

Submodules and wings are imported on first use, so ``import rglib`` stays cheap (torch is loaded only by the
modules that need it). Conventions: spins are int8 +-1, lattices have shape ``(..., L, L)``, couplings are
dimensionless (``K = beta J``, ``h = beta H``), exact computations are float64 in log space, and every random
choice takes a seed or a generator.
"""
from __future__ import annotations

import importlib
from types import ModuleType

__version__ = "0.1.0"

_SUBMODULES = ("config", "plotting", "stats", "entropy", "ising", "rg", "nets", "data", "runs")
__all__ = ["__version__", *_SUBMODULES]


def __getattr__(name: str) -> ModuleType:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'rglib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
