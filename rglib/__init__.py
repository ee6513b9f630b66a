"""rglib: the engine of the executable book *Information flow in deep networks and the renormalization group*.

One module per concept (see the README for the map): ``config``, ``plotting``, ``ising``, ``sampling``,
``stats``, ``decimation``, ``entropy``, ``gaussian_dbm``, ``blockspin``, ``meanfield``, ``mlp``. Submodules are
imported on first use, so ``import rglib`` stays cheap (torch is loaded only by the modules that need it).

Conventions: spins are int8 +-1, lattices have shape ``(..., L, L)``, couplings are dimensionless
(``K = beta J``, ``h = beta H``), exact computations are float64 in log space, and every random choice takes a
seed or a generator.
"""
from __future__ import annotations

import importlib
from types import ModuleType

__version__ = "0.1.0"

_SUBMODULES = (
    "config", "plotting", "ising", "sampling", "stats", "decimation", "entropy",
    "gaussian_dbm", "blockspin", "meanfield", "mlp",
)
__all__ = ["__version__", *_SUBMODULES]


def __getattr__(name: str) -> ModuleType:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'rglib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
