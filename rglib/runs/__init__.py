r"""Resumable parameter sweeps that scale from one process to a Dask cluster.

A sweep point is a pure function of a frozen :class:`Spec` (JSON-able parameters + a seed). Results are stored
atomically, one record per point keyed by the spec's hash and stamped with the fingerprint of the rglib code
(:func:`code_fingerprint`), so a re-run computes only what is missing and never mixes in results of other
code. Points run through any :class:`concurrent.futures.Executor`: :class:`SerialExecutor` (default), a
``ProcessPoolExecutor`` or a Dask cluster via ``distributed.Client(address).get_executor()``.

============================  ========================================================================
:class:`Spec`                  one point: parameters + seed, with a stable key (``spec.py``)
:func:`spec_grid`              Cartesian grid of parameters x seeds (``spec.py``)
:func:`code_fingerprint`       SHA-256 over the rglib ``.py`` files (``fingerprint.py``)
:func:`run_sweep`              compute what is missing, load the rest (``sweep.py``)
:class:`SweepResult`           results in spec order + counts (``sweep.py``)
:class:`SerialExecutor`        in-process executor (``executors.py``)
:class:`StaleResultsError`     stored results of other code (``storage.py``)
:class:`CorruptResultError`    stored file that cannot be read back faithfully (``storage.py``)
============================  ========================================================================

Examples
--------
>>> import tempfile
>>> from rglib.runs import Spec, run_sweep
>>> def square(spec):
...     return spec["x"] ** 2
>>> with tempfile.TemporaryDirectory() as folder:
...     out = run_sweep(square, [Spec({"x": x}, seed=0) for x in (1, 2, 3)], folder, progress=False)
>>> out.results, out.n_computed
([1, 4, 9], 3)
"""
from __future__ import annotations

from .executors import SerialExecutor
from .fingerprint import code_fingerprint
from .spec import Spec, spec_grid
from .storage import CorruptResultError, StaleResultsError
from .sweep import SweepResult, run_sweep

__all__ = [
    "Spec",
    "spec_grid",
    "code_fingerprint",
    "run_sweep",
    "SweepResult",
    "SerialExecutor",
    "StaleResultsError",
    "CorruptResultError",
]
