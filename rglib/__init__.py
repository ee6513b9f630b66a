"""rglib: the engine of the executable book *Information flow in deep networks and the renormalization group*.

One module per concept; see the README for the map. Conventions: spins are int8 +-1, lattices have shape
``(..., L, L)``, couplings are dimensionless (``K = beta J``, ``h = beta H``), exact computations are float64
in log space, and every random choice takes a seed or a generator.
"""
from . import config

__version__ = "0.1.0"
__all__ = ["config", "__version__"]
